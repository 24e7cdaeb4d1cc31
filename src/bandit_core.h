/*
 * bandit_core.h
 *	  Multi-armed bandits in plain C: random samplers (normal, Gamma, Beta),
 *	  the five arm-selection policies with the probability of the choice
 *	  (propensity), Wilson and normal intervals, the regularized incomplete
 *	  beta function and P(arm is best) by deterministic numerical integration;
 *	  the comparison of every arm with a control (uplift with intervals and
 *	  p-values, inverse-propensity-weighted estimates, chance to beat the
 *	  control, expected losses), the sample-ratio-mismatch test and the
 *	  stopping rule (doc/experiments.md, "How to read and decide").
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

/* ------------------------------------------------------------------------
 * Comparisons with a control (doc/experiments.md, "How to read and decide")
 * ------------------------------------------------------------------------ */

/* an arm's estimated mean and the variance of that estimate */
typedef struct BanditEstimate
{
	double		mean;
	double		var;			/* NaN: unknown (fewer than 2 observations) */
} BanditEstimate;

/* an arm against the control; NaN where a figure is undefined */
typedef struct BanditDiff
{
	double		abs_uplift,
				abs_lo,
				abs_hi;
	double		rel_uplift,		/* a fraction: mean_t / mean_c - 1 */
				rel_lo,
				rel_hi;
	double		p_value;
} BanditDiff;

/*
 * Per-arm sums over the subjects for the inverse-propensity-weighted
 * (self-normalised, Hajek) estimate: w = 1 / propensity, y the outcome.
 */
typedef struct BanditWeighted
{
	double		n,
				sw,
				swy,
				sw2,
				sw2y,
				sw2y2;
} BanditWeighted;

/* distributions */
extern double bandit_t_sf(double t, double df);	/* P(T > t), Student t */
extern double bandit_t_quantile(double p, double df);
extern double bandit_chisq_sf(double x, double df);	/* P(X > x), chi-square */

/*
 * Two proportions (0/1 rewards): successes st of nt against sc of nc.  Wald
 * interval of the difference (unpooled), p-value of the pooled z-test,
 * relative uplift with the delta-method interval.
 */
extern void bandit_two_prop(double st, double nt, double sc, double nc,
							double level, BanditDiff *d);

/* Welch's t for means from (n, sum, sum of squares); delta method for rel */
extern void bandit_welch(const BanditArm *t, const BanditArm *c, double level,
						 BanditDiff *d);

/* the self-normalised inverse-propensity-weighted mean and its variance */
extern void bandit_ipw(const BanditWeighted *w, BanditEstimate *e);

/*
 * Comparison within allocation periods (the subjects in order of assignment,
 * cut into bandit_period_count() periods of equal size; doc/experiments.md,
 * "Adaptive tests: naive and corrected uplift").
 * tp[i] and cp[i] hold the arm's and
 * the control's (trials, sum, sum of squares) in period i, total[i] all
 * assignments of period i.  Periods where either has fewer than 2 trials are
 * left out; the others are weighted by their share of all assignments:
 * mean = sum_i w_i mean_i, var = sum_i w_i^2 s_i^2 / n_i, for both arms.
 * Both estimates NaN when no period is left.
 */
#define BANDIT_PERIODS 50
#define BANDIT_PERIOD_SUBJECTS 100
/* periods for this many subjects: one per 100, from 1 to BANDIT_PERIODS */
extern int	bandit_period_count(double subjects);
extern void bandit_period_estimates(const BanditArm *tp, const BanditArm *cp,
									const double *total, int periods,
									BanditEstimate *et, BanditEstimate *ec);

/* two independent estimates compared with normal quantiles */
extern void bandit_diff_normal(const BanditEstimate *t, const BanditEstimate *c,
							   double level, BanditDiff *d);

/*
 * Bayesian comparison of arm t with arm c under the report's posteriors
 * (make_post: Beta for Bernoulli policies, normal for gaussian_thompson;
 * the pooled prior is taken over all active arms of arms[]):
 *   chance  = P(theta_t > theta_c)
 *   loss    = E[max(theta_c - theta_t, 0)]  (choosing t)
 *   closs   = E[max(theta_t - theta_c, 0)]  (keeping c)
 * by deterministic Gauss-Legendre integration.  panels: 0 = default.
 */
extern void bandit_compare_bayes(BanditPolicy policy, const BanditArm *arms,
								 int narms, int t, int c, int panels,
								 double *chance, double *loss, double *closs);

/*
 * P(best) as bandit_prob_best, and for each active arm the expected loss of
 * choosing it instead of the best arm, E[max_j theta_j] - E[theta_i] (NaN for
 * inactive arms).  loss may be NULL.
 */
extern void bandit_prob_best_loss(BanditPolicy policy, const BanditArm *arms,
								  int narms, CxmAlloc *alloc, int panels,
								  double *p_best, double *loss);

/*
 * Sample-ratio mismatch: chi-square test of observed counts against the
 * intended shares (weights, any positive scale); NaN without counts or
 * with fewer than 2 categories.
 */
extern double bandit_srm_p(const double *observed, const double *weights, int k);

typedef enum BanditDecision
{
	BANDIT_KEEP_RUNNING = 0,
	BANDIT_SHIP,
	BANDIT_NO_DIFFERENCE
} BanditDecision;

/*
 * The stopping rule.  threshold: absolute loss that counts as negligible;
 * min_sample: trials every active arm and the control need first.  Ship the
 * arm with the smallest loss_best (among active arms without a failed
 * guardrail) if that loss is below the threshold, unless keeping the control
 * costs below the threshold too ("no difference").  *ship: the arm.
 */
extern BanditDecision bandit_decide(const BanditArm *arms, int narms, int control,
									const double *loss_best,
									const bool *guardrail_failed,
									double threshold, double min_sample,
									int *ship);

#endif							/* BANDIT_CORE_H */
