/*
 * bandit_core.h
 *	  Multi-armed bandits in plain C: random samplers (normal, Gamma, Beta),
 *	  the five arm-selection policies with the probability of the choice
 *	  (propensity), Wilson and normal intervals, the regularized incomplete
 *	  beta function and P(arm is best) by deterministic numerical integration.
 *
 * No server headers: randomness comes from a caller-supplied uniform source
 * (pg_prng in the server, a test generator in test/unit).
 */
#ifndef BANDIT_CORE_H
#define BANDIT_CORE_H

#include <stdbool.h>

#include "cxm_core.h"

#define BANDIT_MIN_ARMS		2
#define BANDIT_MAX_ARMS		1000
#define BANDIT_Z95			1.959964
#define BANDIT_DEFAULT_EPSILON 0.1

/* uniform source: next(ctx) returns a double in [0, 1) */
typedef struct BanditRng
{
	double		(*next) (void *ctx);
	void	   *ctx;
} BanditRng;

typedef enum BanditPolicy
{
	BANDIT_THOMPSON = 0,
	BANDIT_GAUSSIAN_THOMPSON,
	BANDIT_UCB1,
	BANDIT_EPSILON_GREEDY,
	BANDIT_UNIFORM
} BanditPolicy;

/* per-arm totals as folded from storage (or given by the caller) */
typedef struct BanditArm
{
	double		trials;			/* assignments */
	double		reward_sum;		/* sum of rewards */
	double		reward_sq;		/* sum of squared rewards (gaussian) */
	bool		has_sq;			/* reward_sq is known */
	bool		active;			/* may be chosen */
} BanditArm;

/* samplers */
extern double bandit_uniform_pos(BanditRng *rng);	/* (0, 1] */
extern double bandit_normal(BanditRng *rng);
extern double bandit_gamma(BanditRng *rng, double shape);
extern double bandit_beta(BanditRng *rng, double a, double b);

/* policies */
extern bool bandit_policy_parse(const char *name, BanditPolicy *policy);
extern const char *bandit_policy_name(BanditPolicy policy);
extern bool bandit_policy_bernoulli(BanditPolicy policy);

/*
 * Choose one active arm.  *chosen gets its index, *propensity the
 * probability with which this policy picks that arm given the counts
 * (exact for uniform, epsilon_greedy and ucb1; for the Thompson policies
 * P(arm is best under the posterior) by numerical integration).
 * propensity may be NULL (not computed).  Returns CXM_EINVAL when no arm
 * is active.
 */
extern CxmStatus bandit_select(BanditPolicy policy, double epsilon,
							   const BanditArm *arms, int narms,
							   BanditRng *rng, CxmAlloc *alloc,
							   int *chosen, double *propensity);

/* statistics */
extern double bandit_log_incbeta(double x, double a, double b);	/* log I_x(a,b) */
extern double bandit_incbeta(double x, double a, double b);
extern void bandit_wilson(double successes, double n, double z,
						  double *lo, double *hi);
extern void bandit_normal_interval(const BanditArm *arm, double z,
								   double *lo, double *hi);

/*
 * P(arm i has the largest mean) under each active arm's posterior (Beta for
 * the Bernoulli policies, normal for gaussian_thompson); NaN for inactive
 * arms; the active values sum to 1.  panels: integration panels per arm
 * (more = more accurate; 0 = default).
 */
extern void bandit_prob_best(BanditPolicy policy, const BanditArm *arms,
							 int narms, CxmAlloc *alloc, int panels,
							 double *p_best);
/* the same for one arm only (cheaper) */
extern double bandit_prob_best_one(BanditPolicy policy, const BanditArm *arms,
								   int narms, int target, CxmAlloc *alloc,
								   int panels);

#endif							/* BANDIT_CORE_H */
