/*
 * test_bandit.c
 *	  Unit tests of bandit_core.c: moments of the samplers, the incomplete
 *	  beta function against binomial tails, Wilson intervals against
 *	  Newcombe (1998), P(best) against the two-arm closed form and Monte
 *	  Carlo, propensities against observed choice frequencies, and regret of
 *	  the policies on a 10-arm Bernoulli problem.
 */
#include <stdint.h>

#include "unit.h"
#include "bandit_core.h"

/* splitmix64: an independent uniform source for the tests */
static double
test_next(void *ctx)
{
	uint64_t   *s = (uint64_t *) ctx;
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double) (z >> 11) * (1.0 / 9007199254740992.0);
}

static uint64_t rng_state = 12345;
static BanditRng rng = {test_next, &rng_state};

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
	return UNIT_DONE();
}
