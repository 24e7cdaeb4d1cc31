/*
 * bandit_sim.h
 *	  A seeded simulation in which Thompson sampling starves the control,
 *	  shared by test/unit/test_bandit.c (light: few runs, in make test) and
 *	  test/bench/bandit_sim.c (heavy: many runs, in make bench).
 *
 * Three arms: the control and two variants with true relative uplifts
 * BSIM_LIFT_B and BSIM_LIFT_C over it.  The conversion rate of every arm is
 * base(t) * (1 + lift), where the base rate goes from 2 % to 8 % halfway
 * through the run (a campaign starts, a season turns).  Thompson moves the
 * traffic to the best variant during the low-rate half, so the control is
 * seen mostly at the low rate: its naive mean is too low and the naive
 * uplift too high.  Each run records every subject's arm, the stored
 * propensity and outcome, as bandit_choose and bandit_convert store them,
 * and checks whether the 95 % intervals of the relative uplift of each
 * variant cover the true uplift:
 *   naive      two proportions from the totals (what 1.1 showed);
 *   ipw        self-normalised inverse propensity weights (Hajek);
 *   corrected  comparison within equal-size allocation periods
 *              (bandit_period_count; what bandit_report shows for adaptive
 *              policies).
 * A run where an interval is undefined (the control converted nobody)
 * counts as not covered.
 */
#ifndef BANDIT_SIM_H
#define BANDIT_SIM_H

#include <stdint.h>

#include "bandit_core.h"

#define BSIM_ARMS 3
#define BSIM_LIFT_B 0.10
#define BSIM_LIFT_C 0.30
#define BSIM_RATE_EARLY 0.02
#define BSIM_RATE_LATE 0.08

typedef struct BanditSimResult
{
	int			runs;
	int			intervals;		/* runs x variants */
	int			naive_cover;
	int			ipw_cover;
	int			corrected_cover;
	int			corrected_defined;
	double		min_control_share;	/* smallest share of the control */
	double		mean_control_share;
	double		min_propensity;
} BanditSimResult;

/* splitmix64: the uniform source of the simulation (and of test_bandit.c) */
static double
bsim_next(void *ctx)
{
	uint64_t   *s = (uint64_t *) ctx;
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double) (z >> 11) * (1.0 / 9007199254740992.0);
}

static double
bsim_base(int t, int visitors)
{
	return t < visitors / 2 ? BSIM_RATE_EARLY : BSIM_RATE_LATE;
}

/* one run; returns the share of the control */
static double
bsim_run(uint64_t seed, int visitors, CxmAlloc *alloc, BanditSimResult *r)
{
	static const double lift[BSIM_ARMS] = {0.0, BSIM_LIFT_B, BSIM_LIFT_C};
	BanditArm	arms[BSIM_ARMS];
	BanditArm	per[BANDIT_PERIODS][BSIM_ARMS];
	double		total[BANDIT_PERIODS];
	BanditWeighted w[BSIM_ARMS];
	uint64_t	st = seed;
	int			np = bandit_period_count(visitors);
	BanditRng	rng = {bsim_next, &st};
	int			t,
				k;

	memset(arms, 0, sizeof(arms));
	memset(per, 0, sizeof(per));
	memset(total, 0, sizeof(total));
	memset(w, 0, sizeof(w));
	for (k = 0; k < BSIM_ARMS; k++)
		arms[k].active = true;
	for (t = 0; t < visitors; t++)
	{
		int			chosen;
		double		prop,
					y,
					wt;
		int			p = (int) ((int64_t) t * np / visitors);

		bandit_select(BANDIT_THOMPSON, 0, arms, BSIM_ARMS, &rng, alloc, &chosen, &prop);
		y = bsim_next(&st) < bsim_base(t, visitors) * (1.0 + lift[chosen]) ? 1.0 : 0.0;
		arms[chosen].trials += 1;
		arms[chosen].reward_sum += y;
		per[p][chosen].trials += 1;
		per[p][chosen].reward_sum += y;
		per[p][chosen].reward_sq += y * y;
		total[p] += 1;
		if (prop < r->min_propensity)
			r->min_propensity = prop;
		wt = 1.0 / prop;
		w[chosen].n += 1;
		w[chosen].sw += wt;
		w[chosen].swy += wt * y;
		w[chosen].sw2 += wt * wt;
		w[chosen].sw2y += wt * wt * y;
		w[chosen].sw2y2 += wt * wt * y * y;
	}
	for (k = 1; k < BSIM_ARMS; k++)
	{
		BanditDiff	naive,
					ipw,
					corr;
		BanditEstimate et,
					ec;
		BanditArm	tp[BANDIT_PERIODS],
					cp[BANDIT_PERIODS];
		int			p;

		bandit_two_prop(arms[k].reward_sum, arms[k].trials, arms[0].reward_sum,
						arms[0].trials, 0.95, &naive);
		bandit_ipw(&w[k], &et);
		bandit_ipw(&w[0], &ec);
		bandit_diff_normal(&et, &ec, 0.95, &ipw);
		for (p = 0; p < np; p++)
		{
			tp[p] = per[p][k];
			cp[p] = per[p][0];
		}
		bandit_period_estimates(tp, cp, total, np, &et, &ec);
		bandit_diff_normal(&et, &ec, 0.95, &corr);
		r->intervals++;
		if (naive.rel_lo <= lift[k] && lift[k] <= naive.rel_hi)
			r->naive_cover++;
		if (ipw.rel_lo <= lift[k] && lift[k] <= ipw.rel_hi)
			r->ipw_cover++;
		if (!isnan(corr.rel_lo))
		{
			r->corrected_defined++;
			if (corr.rel_lo <= lift[k] && lift[k] <= corr.rel_hi)
				r->corrected_cover++;
		}
	}
	return arms[0].trials / visitors;
}

/* runs seeded runs of visitors subjects each (seeds 1..runs) */
static void
bandit_sim(int runs, int visitors, CxmAlloc *alloc, BanditSimResult *r)
{
	int			i;

	memset(r, 0, sizeof(*r));
	r->min_control_share = 1.0;
	r->min_propensity = 1.0;
	for (i = 1; i <= runs; i++)
	{
		double		share = bsim_run((uint64_t) i * 7919u, visitors, alloc, r);

		if (share < r->min_control_share)
			r->min_control_share = share;
		r->mean_control_share += share / runs;
	}
	r->runs = runs;
}

#endif							/* BANDIT_SIM_H */
