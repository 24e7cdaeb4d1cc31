#!/usr/bin/python3
"""Bench helper for test/bench/churn.sh (Debian's python3 with numpy and scipy).

  churn_ref.py simulate N SEED   CSV of N customers drawn from the BG/NBD
                                 process (frequency, recency, T in weeks) on stdout
  churn_ref.py fit CSV [MODEL [METHOD]]
                                 maximum-likelihood fit of the same likelihood
                                 with scipy; MODEL is bgnbd (default),
                                 pareto_nbd or mbgnbd; METHOD Nelder-Mead or
                                 BFGS (default both); prints
                                 "method seconds loglik p1 p2 p3 p4" per method
                                 (r alpha a b, or r alpha s beta)

The Pareto/NBD likelihood is the one of Fader, Hardie and Lee (2005), "A note
on implementing the Pareto/NBD model", with scipy.special.hyp2f1 for the
Gauss hypergeometric term; MBG/NBD is Batislam, Denizel and Filiztekin (2007)
as lifetimes' ModifiedBetaGeoFitter writes it.
"""
import sys
import time

import numpy as np
from scipy import optimize, special


def simulate(n, seed, r=0.5, alpha=6.0, a=0.9, b=3.0):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    T = np.round(rng.uniform(20.0, 60.0, n), 2)
    now = np.zeros(n)
    last = np.zeros(n)
    x = np.zeros(n, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.nonzero(active)[0]
        now[idx] += rng.exponential(1.0 / lam[idx])
        bought = now[idx] <= T[idx]
        done = idx[~bought]
        active[done] = False
        buy = idx[bought]
        x[buy] += 1
        last[buy] = now[buy]
        died = buy[rng.uniform(size=buy.size) < p[buy]]
        active[died] = False
    last = np.round(last, 2)
    last[(x > 0) & (last == 0)] = 0.01
    out = sys.stdout
    out.write("frequency,recency,t\n")
    for xi, li, ti in zip(x, last, T):
        out.write("%d,%.2f,%.2f\n" % (xi, li if xi > 0 else 0.0, ti))


def loglik(params, x, tx, T):
    r, alpha, a, b = params
    A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    A2 = (special.gammaln(a + b) + special.gammaln(b + x)
          - special.gammaln(b) - special.gammaln(a + b + x))
    A3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        A4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                      - (r + x) * np.log(alpha + tx), -np.inf)
    return np.sum(A1 + A2 + np.logaddexp(A3, A4))


def mbg_loglik(params, x, tx, T):
    r, alpha, a, b = params
    A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    A2 = (special.gammaln(a + b) + special.gammaln(b + x + 1)
          - special.gammaln(b) - special.gammaln(a + b + x + 1))
    A3 = -(r + x) * np.log(alpha + T)
    A4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.sum(A1 + A2 + A3 + np.logaddexp(A4, 0.0))


def pnbd_loglik(params, x, tx, T):
    r, alpha, s, beta = params
    A1 = (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
          + s * np.log(beta))
    rsx = r + s + x
    if alpha >= beta:
        big, small, b = alpha, beta, s + 1.0
    else:
        big, small, b = beta, alpha, r + x
    with np.errstate(divide="ignore", invalid="ignore"):
        l1 = np.log(special.hyp2f1(rsx, b, rsx + 1.0, (big - small) / (big + tx))) \
            - rsx * np.log(big + tx)
        l2 = np.log(special.hyp2f1(rsx, b, rsx + 1.0, (big - small) / (big + T))) \
            - rsx * np.log(big + T)
        # ln A0 = l1 + ln(1 - e^(l2 - l1)); -inf when tx = T
        lA0 = l1 + np.log1p(-np.exp(l2 - l1))
    lE1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    return np.sum(A1 + np.logaddexp(lE1, np.log(s) + lA0 - np.log(rsx)))


LOGLIK = {"bgnbd": loglik, "pareto_nbd": pnbd_loglik, "mbgnbd": mbg_loglik}


def fit(path, model="bgnbd", only=None):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    x, tx, T = data[:, 0], data[:, 1], data[:, 2]
    n = len(x)
    ll = LOGLIK[model]

    def objective(logp):
        if np.any(np.abs(logp) > 30):
            return np.inf
        v = -ll(np.exp(logp), x, tx, T) / n
        return v if np.isfinite(v) else np.inf

    for method in ("Nelder-Mead", "BFGS"):
        if only and method != only:
            continue
        start = time.perf_counter()
        res = optimize.minimize(objective, np.zeros(4), method=method,
                                options={"maxiter": 20000} if method == "Nelder-Mead" else {})
        secs = time.perf_counter() - start
        p = np.exp(res.x)
        print("%s %.4f %.6f %.6f %.6f %.6f %.6f" % (method, secs, -res.fun * n, *p))


if __name__ == "__main__":
    if sys.argv[1] == "simulate":
        simulate(int(sys.argv[2]), int(sys.argv[3]))
    else:
        fit(sys.argv[2], *sys.argv[3:5])
