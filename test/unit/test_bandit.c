/*
 * test_bandit.c
 *	  Unit tests of bandit_core.c: moments of the samplers, the incomplete
 *	  beta function against binomial tails, Wilson intervals against
 *	  Newcombe (1998), P(best) against the two-arm closed form and Monte
 *	  Carlo, propensities against observed choice frequencies, and regret of
 *	  the policies on a 10-arm Bernoulli problem.  The comparisons with a
 *	  control (chance to beat, expected losses, two-proportion and Welch
 *	  intervals, t and chi-square distributions, SRM) against values
 *	  computed offline with scipy 1.10, and the coverage of the naive and the
 *	  corrected uplift intervals when Thompson sampling starves the control
 *	  (bandit_sim.h).
 */
#include <stdint.h>

#include "unit.h"
#include "bandit_core.h"
#include "bandit_sim.h"
#include "stats_core.h"

/* bsim_next (bandit_sim.h, splitmix64): an independent uniform source */
static uint64_t rng_state = 12345;
static BanditRng rng = {bsim_next, &rng_state};

#define NDRAW 400000

/* sample mean and variance of NDRAW draws; check them within 5 standard errors */
static void
check_moments(double (*draw) (double, double), double p1, double p2,
			  double mean, double var, double kurt)
{
	double		s = 0.0,
				s2 = 0.0,
				m,
				v;
	int			i;

	for (i = 0; i < NDRAW; i++)
	{
		double		x = draw(p1, p2);

		s += x;
		s2 += x * x;
	}
	m = s / NDRAW;
	v = s2 / NDRAW - m * m;
	CHECK_NEAR(m, mean, 5.0 * sqrt(var / NDRAW));
	/* var of the sample variance ~ var^2 (kurt - 1) / n */
	CHECK_NEAR(v, var, 5.0 * var * sqrt((kurt - 1.0) / NDRAW));
}

static double
draw_gamma(double k, double unused)
{
	return bandit_gamma(&rng, k);
}

static double
draw_beta(double a, double b)
{
	return bandit_beta(&rng, a, b);
}

static double
draw_normal(double unused1, double unused2)
{
	return bandit_normal(&rng);
}

static void
test_normal_moments(void)
{
	double		s3 = 0.0,
				s4 = 0.0;
	int			i;

	check_moments(draw_normal, 0, 0, 0.0, 1.0, 3.0);
	for (i = 0; i < NDRAW; i++)
	{
		double		x = bandit_normal(&rng);

		s3 += x * x * x;
		s4 += x * x * x * x;
	}
	CHECK_NEAR(s3 / NDRAW, 0.0, 5.0 * sqrt(15.0 / NDRAW));
	CHECK_NEAR(s4 / NDRAW, 3.0, 5.0 * sqrt(96.0 / NDRAW));
}

static void
test_gamma_moments(void)
{
	const double shapes[] = {0.3, 1.0, 2.5, 11.0, 500.0};
	int			i;

	for (i = 0; i < 5; i++)
	{
		double		k = shapes[i];

		/* Gamma(k, 1): mean k, variance k, kurtosis 3 + 6/k */
		check_moments(draw_gamma, k, 0, k, k, 3.0 + 6.0 / k);
	}
	CHECK(isnan(bandit_gamma(&rng, 0.0)));
}

static void
test_beta_moments(void)
{
	const double ab[][2] = {{1, 1}, {2, 5}, {31, 71}, {0.5, 0.5}, {1001, 9001}};
	int			i;

	for (i = 0; i < 5; i++)
	{
		double		a = ab[i][0],
					b = ab[i][1],
					n = a + b;
		double		var = a * b / (n * n * (n + 1));
		double		ex_kurt = 6.0 * ((a - b) * (a - b) * (n + 1) - a * b * (n + 2)) /
			(a * b * (n + 2) * (n + 3));

		check_moments(draw_beta, a, b, a / n, var, 3.0 + ex_kurt);
	}
}

/* binomial upper tail P(Bin(n, x) >= k) by summing log terms */
static double
binom_tail(int n, int k, double x)
{
	double		s = 0.0;
	int			j;

	for (j = k; j <= n; j++)
		s += exp(lgamma(n + 1.0) - lgamma(j + 1.0) - lgamma(n - j + 1.0) +
				 j * log(x) + (n - j) * log1p(-x));
	return s;
}

static void
test_incbeta(void)
{
	const int	cases[][2] = {{1, 1}, {2, 3}, {5, 2}, {10, 10}, {30, 70}, {200, 300}, {1500, 500}};
	const double xs[] = {0.01, 0.1, 0.3, 0.4, 0.5, 0.7, 0.75, 0.9};
	int			i,
				k;

	/* hand value: I_0.3(2,3) = P(Bin(4,.3) >= 2) = .2646 + .0756 + .0081 */
	CHECK_NEAR(bandit_incbeta(0.3, 2, 3), 0.3483, 1e-12);
	CHECK_NEAR(bandit_incbeta(0.5, 7.5, 7.5), 0.5, 1e-12);
	CHECK_NEAR(bandit_incbeta(0.37, 1, 1), 0.37, 1e-13);
	CHECK_NEAR(bandit_incbeta(0.2, 3.5, 1), pow(0.2, 3.5), 1e-14);
	CHECK_NEAR(bandit_incbeta(0.2, 1, 4.5), 1 - pow(0.8, 4.5), 1e-13);
	CHECK(bandit_incbeta(0.0, 2, 3) == 0.0);
	CHECK(bandit_incbeta(1.0, 2, 3) == 1.0);
	/* integer a, b: I_x(a, b) = P(Bin(a + b - 1, x) >= a) */
	for (i = 0; i < 7; i++)
		for (k = 0; k < 8; k++)
		{
			int			a = cases[i][0],
						b = cases[i][1];
			double		want = binom_tail(a + b - 1, a, xs[k]);

			CHECK_NEAR(bandit_incbeta(xs[k], a, b), want, 1e-11 + 1e-9 * want);
		}
	/* symmetry I_x(a,b) = 1 - I_{1-x}(b,a) */
	CHECK_NEAR(bandit_incbeta(0.42, 3.3, 7.1) + bandit_incbeta(0.58, 7.1, 3.3), 1.0, 1e-13);
}

/* Newcombe (1998), Stat Med 17:857, Table I, Wilson score method */
static void
test_wilson(void)
{
	double		lo,
				hi;

	bandit_wilson(81, 263, BANDIT_Z95, &lo, &hi);
	CHECK_NEAR(lo, 0.2553, 5e-5);
	CHECK_NEAR(hi, 0.3662, 5e-5);
	bandit_wilson(15, 148, BANDIT_Z95, &lo, &hi);
	CHECK_NEAR(lo, 0.0624, 5e-5);
	CHECK_NEAR(hi, 0.1605, 5e-5);
	bandit_wilson(0, 20, BANDIT_Z95, &lo, &hi);
	CHECK_NEAR(lo, 0.0, 1e-12);
	CHECK_NEAR(hi, 0.1611, 5e-5);
	bandit_wilson(1, 29, BANDIT_Z95, &lo, &hi);
	CHECK_NEAR(lo, 0.0061, 5e-5);
	CHECK_NEAR(hi, 0.1718, 5e-5);
	bandit_wilson(0, 0, BANDIT_Z95, &lo, &hi);
	CHECK(isnan(lo) && isnan(hi));
}

static void
test_normal_interval(void)
{
	/* rewards 1, 2, 3, 6: mean 3, sample var 14/3 */
	BanditArm	a = {4, 12, 50, true, true};
	double		lo,
				hi;

	bandit_normal_interval(&a, BANDIT_Z95, &lo, &hi);
	CHECK_NEAR(lo, 3 - 1.959964 * sqrt(14.0 / 3 / 4), 1e-12);
	CHECK_NEAR(hi, 3 + 1.959964 * sqrt(14.0 / 3 / 4), 1e-12);
	a.trials = 1;
	bandit_normal_interval(&a, BANDIT_Z95, &lo, &hi);
	CHECK(isnan(lo));
}

/*
 * P(p_B > p_A) for pA ~ Beta(aA, bA), pB ~ Beta(aB, bB), integer aB
 * (Evan Miller's closed form): sum_{i=0}^{aB-1}
 * B(aA+i, bA+bB) / ((bB+i) B(1+i, bB) B(aA, bA)).
 */
static double
lbeta(double a, double b)
{
	return lgamma(a) + lgamma(b) - lgamma(a + b);
}

static double
closed_form_b_beats_a(double aA, double bA, int aB, double bB)
{
	double		s = 0.0;
	int			i;

	for (i = 0; i < aB; i++)
		s += exp(lbeta(aA + i, bA + bB) - log(bB + i) - lbeta(1 + i, bB) - lbeta(aA, bA));
	return s;
}

static void
check_two_arm(double sA, double nA, double sB, double nB)
{
	BanditArm	arms[2] = {{nA, sA, 0, false, true}, {nB, sB, 0, false, true}};
	double		p[2];
	double		want = closed_form_b_beats_a(1 + sA, 1 + nA - sA, (int) (1 + sB), 1 + nB - sB);

	bandit_prob_best(BANDIT_THOMPSON, arms, 2, &unit_allocator, 0, p);
	CHECK_NEAR(p[1], want, 1e-4);
	CHECK_NEAR(p[0] + p[1], 1.0, 1e-12);
	CHECK_NEAR(bandit_prob_best_one(BANDIT_THOMPSON, arms, 2, 1, &unit_allocator, 0), want, 2e-3);
}

static void
test_pbest_two_arms(void)
{
	check_two_arm(0, 0, 0, 0);	/* 0.5 */
	check_two_arm(10, 100, 15, 100);
	check_two_arm(3, 10, 1, 12);
	check_two_arm(200, 1000, 220, 1000);
	check_two_arm(50, 5000, 75, 5000);
	check_two_arm(1, 5, 400, 1000);
	check_two_arm(20, 40, 1500, 3000);	/* very different precisions */
	check_two_arm(0, 1000, 0, 3);
}

static void
test_pbest_gaussian(void)
{
	/*
	 * posterior N((S + m0)/(n+1), v/(n+1)), v = (ss + v0)/(n + 1), m0 and v0
	 * the pooled mean and variance: n = 30, S = 170, Q = 1100
	 */
	BanditArm	arms[2] = {{10, 50, 300, true, true}, {20, 120, 800, true, true}};
	double		m0 = 170.0 / 30,
				v0 = (1100 - 170.0 * 170 / 30) / 29;
	double		ssA = 300 - 50.0 * 50 / 10,
				ssB = 800 - 120.0 * 120 / 20;
	double		vA = (ssA + v0) / 11 / 11,
				vB = (ssB + v0) / 21 / 21;
	double		want = cxm_norm_cdf(((120.0 + m0) / 21 - (50.0 + m0) / 11) / sqrt(vA + vB));
	double		p[2];

	bandit_prob_best(BANDIT_GAUSSIAN_THOMPSON, arms, 2, &unit_allocator, 0, p);
	CHECK_NEAR(p[1], want, 1e-4);
	/* stateless form: no squares, prior N(0, 1) (Agrawal-Goyal) */
	arms[0].has_sq = arms[1].has_sq = false;
	bandit_prob_best(BANDIT_GAUSSIAN_THOMPSON, arms, 2, &unit_allocator, 0, p);
	CHECK_NEAR(p[1], cxm_norm_cdf((120.0 / 21 - 50.0 / 11) / sqrt(1.0 / 11 + 1.0 / 21)), 1e-4);
}

/* revenue-scale rewards: an untried arm keeps a real chance (no lock-in) */
static void
test_gaussian_untried_arm(void)
{
	BanditArm	arms[2] = {{1, 10, 100, true, true}, {0, 0, 0, true, true}};
	BanditArm	arms3[3] = {{5, 50, 560, true, true}, {5, 60, 780, true, true}, {0, 0, 0, true, true}};
	double		p[3];

	/* one reward of 10 known: fewer than 2, prior N(0, 1); arm 1 ~ N(0, 1) */
	bandit_prob_best(BANDIT_GAUSSIAN_THOMPSON, arms, 2, &unit_allocator, 0, p);
	CHECK(p[1] < 0.01);
	/* with pooled data the new arm's prior is N(11, pooled variance) */
	bandit_prob_best(BANDIT_GAUSSIAN_THOMPSON, arms3, 3, &unit_allocator, 0, p);
	CHECK(p[2] > 0.2);
}

/* several arms, one paused, against a Monte Carlo estimate (1e6 draws) */
static void
test_pbest_many_arms(void)
{
	BanditArm	arms[5] = {
		{100, 12, 0, false, true}, {80, 11, 0, false, true}, {30, 5, 0, false, true},
		{1000, 500, 0, false, false}, {10, 0, 0, false, true}
	};
	double		p[5],
				mc[5] = {0},
				sum = 0.0;
	int			i,
				r,
				R = 1000000;

	bandit_prob_best(BANDIT_THOMPSON, arms, 5, &unit_allocator, 0, p);
	CHECK(isnan(p[3]));
	for (r = 0; r < R; r++)
	{
		double		top = -1;
		int			best = -1;

		for (i = 0; i < 5; i++)
		{
			double		d;

			if (!arms[i].active)
				continue;
			d = bandit_beta(&rng, 1 + arms[i].reward_sum, 1 + arms[i].trials - arms[i].reward_sum);
			if (d > top)
			{
				top = d;
				best = i;
			}
		}
		mc[best] += 1.0 / R;
	}
	for (i = 0; i < 5; i++)
	{
		if (i == 3)
			continue;
		CHECK_NEAR(p[i], mc[i], 0.002);
		sum += p[i];
		CHECK_NEAR(bandit_prob_best_one(BANDIT_THOMPSON, arms, 5, i, &unit_allocator, 0), p[i], 0.003);
	}
	CHECK_NEAR(sum, 1.0, 1e-12);
	CHECK(bandit_prob_best_one(BANDIT_THOMPSON, arms, 5, 3, &unit_allocator, 0) == 0.0);
}

/* 1000 untried arms: each 1/1000 */
static void
test_pbest_thousand(void)
{
	BanditArm  *arms = calloc(1000, sizeof(BanditArm));
	double	   *p = calloc(1000, sizeof(double));
	int			i;

	for (i = 0; i < 1000; i++)
		arms[i].active = true;
	bandit_prob_best(BANDIT_THOMPSON, arms, 1000, &unit_allocator, 0, p);
	for (i = 0; i < 1000; i += 111)
		CHECK_NEAR(p[i], 0.001, 1e-9);
	/* raw integral for one arm: integral x^999 dx = 1/1000 */
	CHECK_NEAR(bandit_prob_best_one(BANDIT_THOMPSON, arms, 1000, 7, &unit_allocator, 0), 0.001, 1e-6);
	free(arms);
	free(p);
}

/* the frequency of each choice matches its propensity */
static void
check_frequencies(BanditPolicy pol, double eps, BanditArm *arms, int n, double tol)
{
	double		freq[8] = {0},
				prop[8] = {0};
	int			r,
				R = 100000,
				i;

	for (r = 0; r < R; r++)
	{
		int			c;
		double		pr;

		CHECK(bandit_select(pol, eps, arms, n, &rng, &unit_allocator, &c, &pr) == CXM_OK);
		CHECK(c >= 0 && c < n && arms[c].active);
		freq[c] += 1.0 / R;
		if (prop[c] == 0.0)
			prop[c] = pr;
		else if (pol != BANDIT_THOMPSON)
			CHECK_NEAR(pr, prop[c], 1e-15);
	}
	for (i = 0; i < n; i++)
		if (freq[i] > 0)
			CHECK_NEAR(freq[i], prop[i], tol);
}

static void
test_propensities(void)
{
	BanditArm	arms[4] = {
		{100, 10, 0, false, true}, {100, 14, 0, false, true},
		{100, 30, 0, false, false}, {50, 6, 0, false, true}
	};
	BanditArm	untried[3] = {{10, 5, 0, false, true}, {0, 0, 0, false, true}, {0, 0, 0, false, true}};
	int			c;
	double		pr;

	check_frequencies(BANDIT_UNIFORM, 0, arms, 4, 0.005);
	check_frequencies(BANDIT_EPSILON_GREEDY, 0.1, arms, 4, 0.003);
	check_frequencies(BANDIT_EPSILON_GREEDY, 0.3, untried, 3, 0.004);
	check_frequencies(BANDIT_THOMPSON, 0, arms, 4, 0.004);
	check_frequencies(BANDIT_UCB1, 0, untried, 3, 0.004);
	/* epsilon-greedy exact values: greedy arm 1 of 3 active */
	CHECK(bandit_select(BANDIT_EPSILON_GREEDY, 0.0, arms, 4, &rng, &unit_allocator, &c, &pr) == CXM_OK);
	CHECK(c == 1);
	CHECK_NEAR(pr, 1.0, 1e-15);
	/* ucb1: index 0.14 + sqrt(2 ln 250 / 100) beats 0.14 + sqrt(2 ln 250 / 50)? no: arm 3 */
	CHECK(bandit_select(BANDIT_UCB1, 0, arms, 4, &rng, &unit_allocator, &c, &pr) == CXM_OK);
	CHECK(c == 3);
	CHECK(pr == 1.0);
	/* nothing active */
	arms[0].active = arms[1].active = arms[3].active = false;
	CHECK(bandit_select(BANDIT_UNIFORM, 0, arms, 4, &rng, &unit_allocator, &c, &pr) == CXM_EINVAL);
}

/* cumulative regret over T rounds of a 10-arm Bernoulli problem */
static double
regret(BanditPolicy pol, int T, double *late_best_share)
{
	const double rate[10] = {0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.15};
	BanditArm	arms[10];
	double		reg = 0.0;
	int			t,
				i,
				late = 0,
				late_best = 0;

	for (i = 0; i < 10; i++)
	{
		memset(&arms[i], 0, sizeof(BanditArm));
		arms[i].active = true;
	}
	for (t = 0; t < T; t++)
	{
		int			c;
		double		pr;

		bandit_select(pol, 0.1, arms, 10, &rng, &unit_allocator, &c, &pr);
		arms[c].trials += 1;
		if (rng.next(rng.ctx) < rate[c])
			arms[c].reward_sum += 1;
		reg += 0.15 - rate[c];
		if (t >= T - T / 5)
		{
			late++;
			late_best += (c == 9);
		}
	}
	*late_best_share = (double) late_best / late;
	return reg;
}

static void
test_policy_regret(void)
{
	double		sh_u,
				sh_t,
				sh_c,
				sh_e;
	double		r_u = regret(BANDIT_UNIFORM, 20000, &sh_u);
	double		r_t = regret(BANDIT_THOMPSON, 20000, &sh_t);
	double		r_c = regret(BANDIT_UCB1, 20000, &sh_c);
	double		r_e = regret(BANDIT_EPSILON_GREEDY, 20000, &sh_e);

	printf("# regret over 20000 rounds: uniform %.0f thompson %.0f ucb1 %.0f eps %.0f;"
		   " late best share %.2f %.2f %.2f %.2f\n", r_u, r_t, r_c, r_e, sh_u, sh_t, sh_c, sh_e);
	CHECK(r_t < 0.3 * r_u);
	CHECK(r_c < r_u);
	CHECK(r_e < r_u);
	CHECK(sh_t > 0.5);
	CHECK(sh_u < 0.15);
}

static void
test_policy_names(void)
{
	BanditPolicy p;

	CHECK(bandit_policy_parse("thompson", &p) && p == BANDIT_THOMPSON);
	CHECK(bandit_policy_parse("gaussian_thompson", &p) && p == BANDIT_GAUSSIAN_THOMPSON);
	CHECK(bandit_policy_parse("uniform", &p) && p == BANDIT_UNIFORM);
	CHECK(!bandit_policy_parse("Thompson", &p));
	CHECK(strcmp(bandit_policy_name(BANDIT_EPSILON_GREEDY), "epsilon_greedy") == 0);
	CHECK(bandit_policy_bernoulli(BANDIT_UCB1));
	CHECK(!bandit_policy_bernoulli(BANDIT_GAUSSIAN_THOMPSON));
}

/* ------------------------------------------------------------------------
 * Comparisons with a control.  Reference values: scipy 1.10 (Debian
 * python3-scipy), computed offline:
 *   chance = quad(beta(at, bt).pdf(y) * beta(ac, bc).cdf(y)) over 200
 *	   sub-intervals of mean +- 15 sd;
 *   loss   = quad(f_t(y) * E[(theta_c - y)+]), with
 *	   E[(X - y)+] = mu (1 - betainc(a + 1, b, y)) - y (1 - betainc(a, b, y));
 *   closs  = the same with the roles swapped.
 * (C integrates the other way round: f_c against x F_t - M_t.)
 * ------------------------------------------------------------------------ */

typedef struct PairRef
{
	double		sc,
				nc,
				st,
				nt,
				chance,
				loss,
				closs;
} PairRef;

static const PairRef pair_refs[] = {
	{10, 100, 15, 100, 8.5328378993e-01, 3.5780881307e-03, 5.2597695974e-02},
	{1, 116, 60, 1000, 9.9250891740e-01, 6.8162851961e-05, 4.3997253823e-02},	/* starved control */
	{0, 1000, 0, 3, 9.9601990050e-01, 3.9682067277e-06, 1.9900594548e-01},	/* 0 conversions */
	{50, 50, 48, 50, 1.2128712871e-01, 4.0726047960e-02, 2.2645067320e-03},	/* all conversions */
	{1, 1, 0, 1, 1.6666666667e-01, 3.6666666667e-01, 3.3333333333e-02},	/* 1 trial */
	{500000, 1e7, 501500, 1e7, 9.3796037677e-01, 2.6205586404e-06, 1.5262057421e-04},
	{0, 1e7, 3, 1e7, 9.3750001874e-01, 6.2499956251e-09, 3.0624993562e-07},
	{0, 0, 0, 0, 0.5, 1.0 / 6, 1.0 / 6}	/* no data: two uniforms */
};

static void
test_compare_bayes_beta(void)
{
	int			i;

	for (i = 0; i < (int) (sizeof(pair_refs) / sizeof(pair_refs[0])); i++)
	{
		const PairRef *r = &pair_refs[i];
		BanditArm	arms[2] = {{r->nc, r->sc, 0, false, true}, {r->nt, r->st, 0, false, true}};
		double		ch,
					l,
					cl;

		bandit_compare_bayes(BANDIT_THOMPSON, arms, 2, 1, 0, 0, &ch, &l, &cl);
		CHECK_NEAR(ch, r->chance, 1e-4);
		CHECK_NEAR(l, r->loss, 1e-4);
		CHECK_NEAR(cl, r->closs, 1e-4);
		/* much closer than the goal in practice */
		CHECK_NEAR(ch, r->chance, 1e-7);
		CHECK_NEAR(l, r->loss, 1e-7 + 1e-6 * r->loss);
		CHECK_NEAR(cl, r->closs, 1e-7 + 1e-6 * r->closs);
	}
}

/* normal posteriors: closed forms of Phi and of E[X+] = mu Phi(mu/s) + s phi(mu/s) */
static void
test_compare_bayes_normal(void)
{
	BanditArm	arms[2] = {{40, 410, 4900, true, true}, {25, 300, 3900, true, true}};
	double		n = 65,
				S = 710,
				Q = 8800;
	double		m0 = S / n,
				v0 = (Q - S * S / n) / (n - 1);
	double		ss0 = 4900 - 410.0 * 410 / 40,
				ss1 = 3900 - 300.0 * 300 / 25;
	double		mu0 = (410 + m0) / 41,
				mu1 = (300 + m0) / 26;
	double		s = sqrt((ss0 + v0) / 41 / 41 + (ss1 + v0) / 26 / 26);
	double		d = mu1 - mu0;
	double		ch,
				l,
				cl;

	bandit_compare_bayes(BANDIT_GAUSSIAN_THOMPSON, arms, 2, 1, 0, 0, &ch, &l, &cl);
	CHECK_NEAR(ch, cxm_norm_cdf(d / s), 1e-7);
	CHECK_NEAR(cl, d * cxm_norm_cdf(d / s) + s * exp(-0.5 * d * d / s / s) / sqrt(2 * M_PI), 1e-7);
	CHECK_NEAR(l, -d * cxm_norm_cdf(-d / s) + s * exp(-0.5 * d * d / s / s) / sqrt(2 * M_PI), 1e-7);
}

/*
 * E[max_j theta_j] - E[theta_i] over four Beta posteriors; scipy:
 * E[max] = quad(1 - prod_j F_j(x)) over [0, 1] (2000 sub-intervals)
 */
static void
test_loss_vs_best(void)
{
	BanditArm	arms[5] = {{100, 10, 0, false, true}, {100, 15, 0, false, true},
	{90, 12, 0, false, true}, {116, 1, 0, false, true}, {50, 40, 0, false, false}};
	const double want[4] = {6.408624485864e-02, 1.506663701550e-02,
	3.062503428746e-02, 1.549802295712e-01};
	double		p[5],
				loss[5];
	int			i;

	bandit_prob_best_loss(BANDIT_THOMPSON, arms, 5, &unit_allocator, 0, p, loss);
	for (i = 0; i < 4; i++)
		CHECK_NEAR(loss[i], want[i], 1e-6);
	CHECK(isnan(loss[4]) && isnan(p[4]));
	/* two arms: the loss vs the best is the pairwise expected loss */
	bandit_prob_best_loss(BANDIT_THOMPSON, arms, 2, &unit_allocator, 0, p, loss);
	CHECK_NEAR(loss[1], 3.5780881307e-03, 1e-6);
	CHECK_NEAR(loss[0], 5.2597695974e-02, 1e-6);
}

/* textbook two-proportion figures (scipy.stats.norm for the quantiles and tails) */
static void
check_two_prop(double st, double nt, double sc, double nc, const double want[7])
{
	BanditDiff	d;

	bandit_two_prop(st, nt, sc, nc, 0.95, &d);
	CHECK_NEAR(d.abs_uplift, want[0], 1e-12);
	CHECK_NEAR(d.abs_lo, want[1], 1e-9);
	CHECK_NEAR(d.abs_hi, want[2], 1e-9);
	if (isnan(want[3]))
		CHECK(isnan(d.rel_uplift) && isnan(d.rel_lo) && isnan(d.rel_hi));
	else
	{
		CHECK_NEAR(d.rel_uplift, want[3], 1e-12);
		CHECK_NEAR(d.rel_lo, want[4], 1e-8 * (1 + fabs(want[4])));
		CHECK_NEAR(d.rel_hi, want[5], 1e-8 * (1 + fabs(want[5])));
	}
	CHECK_NEAR(d.p_value, want[6], 1e-9);
}

static void
test_two_prop(void)
{
	static const double a[7] = {5.000000000000e-02, -4.140663507104e-02, 1.414066350710e-01,
	5.000000000000e-01, -6.259135894149e-01, 1.625913589415e+00, 2.850494074026e-01};
	static const double b[7] = {5.137931034483e-02, 2.902578297977e-02, 7.373283770988e-02,
	5.960000000000e+00, -7.729323291780e+00, 1.964932329178e+01, 2.120009628963e-02};
	static const double c[7] = {1.500000000000e-04, -4.116932245366e-05, 3.411693224537e-04,
	3.000000000000e-03, -8.291176866818e-04, 6.829117686682e-03, 1.240791061604e-01};
	static const double e[7] = {3.000000000000e-01, 1.597423491067e-02, 5.840257650893e-01,
	NAN, NAN, NAN, 4.118416315539e-02};
	BanditDiff	d;

	check_two_prop(15, 100, 10, 100, a);
	check_two_prop(60, 1000, 1, 116, b);	/* the starved control */
	check_two_prop(501500, 1e7, 500000, 1e7, c);
	check_two_prop(3, 10, 0, 12, e);	/* control without conversions: no relative uplift */
	/* zero variance: no interval, no p-value */
	bandit_two_prop(0, 500, 0, 400, 0.95, &d);
	CHECK(d.abs_uplift == 0 && isnan(d.abs_lo) && isnan(d.p_value) && isnan(d.rel_uplift));
	bandit_two_prop(50, 50, 40, 40, 0.95, &d);
	CHECK(d.abs_uplift == 0 && isnan(d.abs_hi) && isnan(d.p_value) && d.rel_uplift == 0 && isnan(d.rel_lo));
	/* one trial: point estimates, nothing else */
	bandit_two_prop(1, 1, 3, 10, 0.95, &d);
	CHECK_NEAR(d.abs_uplift, 0.7, 1e-15);
	CHECK(isnan(d.abs_lo) && isnan(d.abs_hi) && isnan(d.p_value) && isnan(d.rel_lo));
	bandit_two_prop(0, 0, 3, 10, 0.95, &d);
	CHECK(isnan(d.abs_uplift) && isnan(d.rel_uplift));
}

/* Welch: scipy.stats.ttest_ind(equal_var=False), t.ppf(0.975, Welch df) */
static void
test_welch(void)
{
	BanditArm	t = {7, 99.75, 1513.3125, true, true},
				c = {5, 52.0, 555.5, true, true},
				one = {1, 4, 16, true, true},
				flat = {4, 8, 16, true, true};
	BanditDiff	d;

	bandit_welch(&t, &c, 0.95, &d);
	CHECK_NEAR(d.abs_uplift, 3.85, 1e-12);
	CHECK_NEAR(d.abs_lo, -7.055436938765e-03, 1e-9);
	CHECK_NEAR(d.abs_hi, 7.707055436939e+00, 1e-9);
	CHECK_NEAR(d.rel_uplift, 3.701923076923e-01, 1e-12);
	CHECK_NEAR(d.rel_lo, -3.956029643168e-02, 1e-9);
	CHECK_NEAR(d.rel_hi, 7.799449118163e-01, 1e-9);
	CHECK_NEAR(d.p_value, 5.034055739617e-02, 1e-9);
	bandit_welch(&one, &c, 0.95, &d);
	CHECK_NEAR(d.abs_uplift, 4 - 10.4, 1e-12);
	CHECK(isnan(d.abs_lo) && isnan(d.p_value) && isnan(d.rel_hi));
	bandit_welch(&flat, &flat, 0.95, &d);
	CHECK(d.abs_uplift == 0 && isnan(d.abs_lo) && isnan(d.p_value));
}

/* scipy.stats.t.ppf / t.sf and chi2.sf */
static void
test_distributions(void)
{
	CHECK_NEAR(bandit_t_quantile(0.975, 1), 1.27062047364321e+01, 1e-9);
	CHECK_NEAR(bandit_t_quantile(0.975, 2.5), 3.57465484201188e+00, 1e-10);
	CHECK_NEAR(bandit_t_quantile(0.975, 7.3), 2.34506673615093e+00, 1e-9);
	CHECK_NEAR(bandit_t_quantile(0.975, 30), 2.04227245630124e+00, 1e-10);
	CHECK_NEAR(bandit_t_quantile(0.995, 4), 4.60409487141590e+00, 1e-10);
	CHECK_NEAR(bandit_t_quantile(0.975, 1e5), 1.95998770753461e+00, 1e-9);
	CHECK_NEAR(bandit_t_quantile(0.9, 12), 1.35621733402320e+00, 1e-10);
	CHECK_NEAR(bandit_t_quantile(0.1, 12), -1.35621733402320e+00, 1e-10);
	CHECK_NEAR(bandit_t_sf(2.0, 3), 6.96629842794216e-02, 1e-12);
	CHECK_NEAR(bandit_t_sf(-1.5, 10), 9.17746336777280e-01, 1e-12);
	CHECK_NEAR(bandit_t_sf(4.0, 2.2), 2.43653133638820e-02, 1e-12);
	CHECK_NEAR(bandit_t_sf(0.3, 1e5), 3.82088889595169e-01, 1e-10);
	CHECK_NEAR(bandit_chisq_sf(3.0, 1), 8.32645166635504e-02, 1e-12);
	CHECK_NEAR(bandit_chisq_sf(10.0, 4), 4.04276819945128e-02, 1e-12);
	CHECK_NEAR(bandit_chisq_sf(0.5, 9), 9.99969566258839e-01, 1e-12);
	CHECK_REL(bandit_chisq_sf(1200.0, 999), 1.11293504482589e-05, 1e-9);
	CHECK_REL(bandit_chisq_sf(40.0, 2), 2.06115362243856e-09, 1e-9);
	CHECK_REL(bandit_chisq_sf(1000.0, 3), 1.79942087653141e-216, 1e-8);
	CHECK(isnan(bandit_chisq_sf(1.0, 0)));
}

/* scipy.stats.chisquare(observed[, f_exp]) */
static void
test_srm(void)
{
	const double o3[3] = {5120, 4880, 5000},
				o2[2] = {5300, 4700},
				o9[2] = {9100, 900},
				eq[3] = {1, 1, 1},
				w9[2] = {0.9, 0.1},
				none[2] = {0, 0};

	CHECK_NEAR(bandit_srm_p(o3, eq, 3), 5.61347628341337e-02, 1e-12);
	CHECK_REL(bandit_srm_p(o2, eq, 2), 1.97317529007539e-09, 1e-9);
	CHECK_REL(bandit_srm_p(o9, w9, 2), 8.58120666393676e-04, 1e-9);
	CHECK(isnan(bandit_srm_p(none, eq, 2)));
	CHECK(isnan(bandit_srm_p(o2, eq, 1)));
}

/* the Hajek estimate from sums equals the one computed subject by subject */
static void
test_ipw(void)
{
	const double y[8] = {1, 0, 0, 1, 1, 0, 0, 0};
	const double p[8] = {0.5, 0.5, 0.2, 0.05, 0.9, 0.3, 0.3, 0.01};
	BanditWeighted w = {0};
	BanditEstimate e;
	double		sw = 0,
				swy = 0,
				m,
				v = 0;
	int			i;

	for (i = 0; i < 8; i++)
	{
		double		wi = 1.0 / p[i];

		w.n += 1;
		w.sw += wi;
		w.swy += wi * y[i];
		w.sw2 += wi * wi;
		w.sw2y += wi * wi * y[i];
		w.sw2y2 += wi * wi * y[i] * y[i];
		sw += wi;
		swy += wi * y[i];
	}
	m = swy / sw;
	for (i = 0; i < 8; i++)
		v += (y[i] - m) * (y[i] - m) / (p[i] * p[i]);
	v = v / (sw * sw) * 8.0 / 7.0;
	bandit_ipw(&w, &e);
	CHECK_NEAR(e.mean, m, 1e-14);
	CHECK_NEAR(e.var, v, 1e-14);
	/* constant propensities: the plain mean and s^2 / n */
	w.n = 4;
	w.sw = 4 / 0.25;
	w.swy = 3 / 0.25;
	w.sw2 = 4 / 0.0625;
	w.sw2y = w.sw2y2 = 3 / 0.0625;
	bandit_ipw(&w, &e);
	CHECK_NEAR(e.mean, 0.75, 1e-15);
	CHECK_NEAR(e.var, 0.25 / 4, 1e-15);
	w.n = 1;
	bandit_ipw(&w, &e);
	CHECK(isnan(e.var));
}

static void
test_decide(void)
{
	BanditArm	arms[3] = {{500, 50, 0, false, true}, {500, 70, 0, false, true}, {500, 52, 0, false, true}};
	double		loss[3] = {0.02, 0.00001, 0.018};
	bool		guard[3] = {false, false, false};
	int			ship;

	CHECK(bandit_decide(arms, 3, 0, loss, guard, 0.0001, 100, &ship) == BANDIT_SHIP && ship == 1);
	/* not enough data in one arm */
	CHECK(bandit_decide(arms, 3, 0, loss, guard, 0.0001, 600, &ship) == BANDIT_KEEP_RUNNING);
	/* loss above the threshold */
	CHECK(bandit_decide(arms, 3, 0, loss, guard, 0.000001, 100, &ship) == BANDIT_KEEP_RUNNING);
	/* the winner fails a guardrail; the next is not good enough */
	guard[1] = true;
	CHECK(bandit_decide(arms, 3, 0, loss, guard, 0.0001, 100, &ship) == BANDIT_KEEP_RUNNING);
	guard[1] = false;
	/* keeping the control costs little as well */
	loss[0] = 0.00002;
	CHECK(bandit_decide(arms, 3, 0, loss, guard, 0.0001, 100, &ship) == BANDIT_NO_DIFFERENCE);
	/* the control is the best */
	loss[0] = 0.0;
	loss[1] = 0.01;
	CHECK(bandit_decide(arms, 3, 0, loss, guard, 0.0001, 100, &ship) == BANDIT_NO_DIFFERENCE);
	/* a paused arm does not count */
	arms[2].active = false;
	arms[2].trials = 3;
	CHECK(bandit_decide(arms, 3, 0, loss, guard, 0.0001, 100, &ship) == BANDIT_NO_DIFFERENCE);
}

/* period estimates: equal periods give the plain means; small periods drop out */
static void
test_period_estimates(void)
{
	BanditArm	tp[3] = {{10, 2, 2, true, true}, {30, 9, 9, true, true}, {1, 1, 1, true, true}};
	BanditArm	cp[3] = {{40, 4, 4, true, true}, {10, 2, 2, true, true}, {5, 1, 1, true, true}};
	double		total[3] = {50, 40, 6};
	BanditEstimate et,
				ec;

	bandit_period_estimates(tp, cp, total, 3, &et, &ec);
	/* period 3 has 1 trial of the arm: left out; weights 50/90 and 40/90 */
	CHECK_NEAR(et.mean, (50 * 0.2 + 40 * 0.3) / 90, 1e-15);
	CHECK_NEAR(ec.mean, (50 * 0.1 + 40 * 0.2) / 90, 1e-15);
	CHECK_NEAR(et.var, (2500 * (0.2 * 0.8 * 10 / 9) / 10 + 1600 * (0.3 * 0.7 * 30 / 29) / 30) / 8100, 1e-15);
	CHECK_NEAR(ec.var, (2500 * (0.1 * 0.9 * 40 / 39) / 40 + 1600 * (0.2 * 0.8 * 10 / 9) / 10) / 8100, 1e-15);
	bandit_period_estimates(tp + 2, cp + 2, total + 2, 1, &et, &ec);
	CHECK(isnan(et.mean) && isnan(ec.var));
	CHECK(bandit_period_count(0) == 1 && bandit_period_count(250) == 2 && bandit_period_count(1e7) == BANDIT_PERIODS);
}

/*
 * Thompson starves the control while the base rate quadruples (bandit_sim.h):
 * 30 seeded runs of 5,000 visitors, 60 intervals.  The heavy version (more
 * runs) is in make bench (test/bench/bandit_sim.c).
 */
static void
test_starved_control_coverage(void)
{
	BanditSimResult r;
	double		naive,
				ipw,
				corr;

	bandit_sim(30, 5000, &unit_allocator, &r);
	naive = (double) r.naive_cover / r.intervals;
	ipw = (double) r.ipw_cover / r.intervals;
	corr = (double) r.corrected_cover / r.intervals;
	printf("# starved control, %d intervals: coverage naive %.3f, ipw %.3f, corrected %.3f; "
		   "control share %.3f (min %.3f)\n", r.intervals, naive, ipw, corr,
		   r.mean_control_share, r.min_control_share);
	CHECK(r.intervals == 60);
	CHECK(r.mean_control_share < 0.25);
	CHECK(corr >= 0.85);
	CHECK(naive < 0.7);
	CHECK(corr > ipw && ipw > naive);
}

int
main(void)
{
	RUN(test_normal_moments);
	RUN(test_gamma_moments);
	RUN(test_beta_moments);
	RUN(test_incbeta);
	RUN(test_wilson);
	RUN(test_normal_interval);
	RUN(test_pbest_two_arms);
	RUN(test_pbest_gaussian);
	RUN(test_gaussian_untried_arm);
	RUN(test_pbest_many_arms);
	RUN(test_pbest_thousand);
	RUN(test_propensities);
	RUN(test_policy_regret);
	RUN(test_policy_names);
	RUN(test_compare_bayes_beta);
	RUN(test_compare_bayes_normal);
	RUN(test_loss_vs_best);
	RUN(test_two_prop);
	RUN(test_welch);
	RUN(test_distributions);
	RUN(test_srm);
	RUN(test_ipw);
	RUN(test_decide);
	RUN(test_period_estimates);
	RUN(test_starved_control_coverage);
	return UNIT_DONE();
}
