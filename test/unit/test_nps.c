/*
 * test_nps.c
 *	  Unit tests of nps_core.c: category boundaries, the standard error and
 *	  interval against the formula, and p-values against tabulated values.
 */
#include "unit.h"
#include "nps_core.h"
#include "stats_core.h"

static void
test_category_boundaries(void)
{
	int			s;

	CHECK(!nps_score_valid(-1));
	CHECK(!nps_score_valid(11));
	for (s = 0; s <= 6; s++)
		CHECK(nps_category_of(s) == NPS_DETRACTOR);
	CHECK(nps_category_of(7) == NPS_PASSIVE);
	CHECK(nps_category_of(8) == NPS_PASSIVE);
	CHECK(nps_category_of(9) == NPS_PROMOTER);
	CHECK(nps_category_of(10) == NPS_PROMOTER);
	CHECK(strcmp(nps_category_name(nps_category_of(0)), "detractor") == 0);
	CHECK(strcmp(nps_category_name(nps_category_of(8)), "passive") == 0);
	CHECK(strcmp(nps_category_name(nps_category_of(9)), "promoter") == 0);
}

/* 5 promoters, 3 passives, 2 detractors, worked by hand */
static void
test_summary_by_hand(void)
{
	NpsSummary	s = nps_summarize(5, 3, 2);

	CHECK(s.n == 10);
	CHECK_NEAR(s.nps, 30.0, 1e-12);
	/* p = .5, d = .2: var = .7 - .09 = .61, se = 100 sqrt(.061) */
	CHECK_NEAR(s.std_error, 24.698178070456937, 1e-12);
	CHECK_NEAR(s.ci_low, 30.0 - 1.959964 * 24.698178070456937, 1e-12);
	CHECK_NEAR(s.ci_high, 30.0 + 1.959964 * 24.698178070456937, 1e-12);
}

static void
test_summary_degenerate(void)
{
	NpsSummary	all_promoters = nps_summarize(7, 0, 0);
	NpsSummary	all_detractors = nps_summarize(0, 0, 4);
	NpsSummary	all_passives = nps_summarize(0, 9, 0);
	NpsSummary	one = nps_summarize(0, 0, 1);

	CHECK_NEAR(all_promoters.nps, 100.0, 0);
	CHECK_NEAR(all_promoters.std_error, 0.0, 0);
	CHECK_NEAR(all_promoters.ci_low, 100.0, 0);
	CHECK_NEAR(all_detractors.nps, -100.0, 0);
	CHECK_NEAR(all_detractors.ci_high, -100.0, 0);
	CHECK_NEAR(all_passives.nps, 0.0, 0);
	CHECK_NEAR(all_passives.std_error, 0.0, 0);
	CHECK(one.n == 1);
	CHECK_NEAR(one.nps, -100.0, 0);
}

/* a wide interval is clamped to [-100, 100] */
static void
test_interval_clamped(void)
{
	NpsSummary	s = nps_summarize(2, 0, 1);

	CHECK(s.ci_high <= 100.0);
	CHECK(s.ci_low >= -100.0);
	CHECK_NEAR(s.ci_high, 100.0, 0);
	/* 1 promoter + 1 detractor: var 1, se 100/sqrt(2): both ends clamp */
	s = nps_summarize(1, 0, 1);
	CHECK_NEAR(s.std_error, 100.0 / sqrt(2.0), 1e-12);
	CHECK_NEAR(s.ci_low, -100.0, 0);
	CHECK_NEAR(s.ci_high, 100.0, 0);
}

/* large counts keep full precision (int64 counts, no overflow) */
static void
test_summary_large(void)
{
	NpsSummary	s = nps_summarize(4000000000LL, 3000000000LL, 3000000000LL);

	CHECK(s.n == 10000000000LL);
	CHECK_NEAR(s.nps, 10.0, 1e-9);
	/* p=.4 d=.3: var = .7 - .01 = .69 */
	CHECK_NEAR(s.std_error, 100.0 * sqrt(0.69 / 1e10), 1e-12);
}

/* two-sided normal p-values (R: 2*pnorm(-z)) */
static void
test_p_values(void)
{
	CHECK_REL(cxm_two_sided_p(0.0), 1.0, 1e-15);
	CHECK_REL(cxm_two_sided_p(1.0), 0.31731050786291415, 1e-13);
	CHECK_REL(cxm_two_sided_p(-1.0), 0.31731050786291415, 1e-13);
	/* qnorm(0.975) = 1.959963984540054 gives exactly 0.05 */
	CHECK_REL(cxm_two_sided_p(1.959963984540054), 0.05, 1e-13);
	CHECK_REL(cxm_two_sided_p(3.0), 0.0026997960632601866, 1e-12);
	CHECK_REL(cxm_two_sided_p(6.0), 1.9731752900753e-09, 1e-11);
	CHECK_REL(cxm_two_sided_p(10.0), 1.5239706048321e-23, 1e-11);
	CHECK_REL(cxm_norm_cdf(-2.0), 0.022750131948179209, 1e-13);
	CHECK_REL(cxm_norm_sf(2.0), 0.022750131948179209, 1e-13);
}

static void
test_compare(void)
{
	NpsComparison c = nps_compare_core(30.0, 3.0, 20.0, 4.0);

	CHECK_NEAR(c.diff, 10.0, 1e-12);
	CHECK_NEAR(c.std_error, 5.0, 1e-12);
	CHECK_NEAR(c.z, 2.0, 1e-12);
	CHECK(c.z_valid);
	CHECK_REL(c.p_value, 0.045500263896358417, 1e-12);
	c = nps_compare_core(100.0, 0.0, 100.0, 0.0);
	CHECK(!c.z_valid);
	CHECK_NEAR(c.std_error, 0.0, 0);
	c = nps_compare_core(50.0, 0.0, 10.0, 2.0);
	CHECK(c.z_valid);
	CHECK_NEAR(c.z, 20.0, 1e-12);
}

static void
test_csat(void)
{
	CHECK(!csat_scale_valid(1));
	CHECK(csat_scale_valid(2));
	CHECK(!csat_score_valid(0, 5));
	CHECK(!csat_score_valid(6, 5));
	CHECK(csat_score_valid(1, 5) && csat_score_valid(5, 5));
	CHECK(!csat_is_satisfied(3, 5));
	CHECK(csat_is_satisfied(4, 5));
	CHECK(csat_is_satisfied(5, 5));
	CHECK(!csat_is_satisfied(8, 10));
	CHECK(csat_is_satisfied(9, 10));
	CHECK_NEAR(csat_percent(3, 4), 75.0, 1e-12);
}

int
main(void)
{
	RUN(test_category_boundaries);
	RUN(test_summary_by_hand);
	RUN(test_summary_degenerate);
	RUN(test_interval_clamped);
	RUN(test_summary_large);
	RUN(test_p_values);
	RUN(test_compare);
	RUN(test_csat);
	return UNIT_DONE();
}
