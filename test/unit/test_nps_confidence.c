/*
 * test_nps_confidence.c
 *	  Unit tests of the 1.1 additions: the normal quantile in stats_core.c and
 *	  the NPS interval at a chosen confidence level in nps_core.c.
 */
#include "unit.h"
#include "nps_core.h"
#include "stats_core.h"

/* tabulated quantiles (scipy.stats.norm.ppf) */
static void
test_quantile_table(void)
{
	CHECK_NEAR(cxm_norm_quantile(0.5), 0.0, 1e-15);
	CHECK_REL(cxm_norm_quantile(0.975), 1.959963984540054, 1e-14);
	CHECK_REL(cxm_norm_quantile(0.025), -1.959963984540054, 1e-14);
	CHECK_REL(cxm_norm_quantile(0.95), 1.6448536269514722, 1e-14);
	CHECK_REL(cxm_norm_quantile(0.995), 2.5758293035489004, 1e-14);
	CHECK_REL(cxm_norm_quantile(0.9), 1.2815515655446004, 1e-14);
	CHECK_REL(cxm_norm_quantile(1e-10), -6.361340902404056, 1e-13);
}

/* Phi(quantile(p)) = p across the range, both tails included */
static void
test_quantile_round_trip(void)
{
	double		p;
	int			i;

	for (i = 1; i < 1000; i++)
	{
		p = i / 1000.0;
		CHECK_REL(cxm_norm_cdf(cxm_norm_quantile(p)), p, 1e-13);
	}
	for (p = 1e-300; p < 0.01; p *= 10.0)
	{
		CHECK_REL(cxm_norm_cdf(cxm_norm_quantile(p)), p, 1e-12);
		CHECK_REL(cxm_norm_sf(-cxm_norm_quantile(p)), p, 1e-12);
	}
}

static void
test_quantile_edges(void)
{
	CHECK(isinf(cxm_norm_quantile(0.0)) && cxm_norm_quantile(0.0) < 0);
	CHECK(isinf(cxm_norm_quantile(1.0)) && cxm_norm_quantile(1.0) > 0);
	CHECK(isnan(cxm_norm_quantile(-0.1)));
	CHECK(isnan(cxm_norm_quantile(1.5)));
	CHECK(isnan(cxm_norm_quantile(NAN)));
	CHECK(isfinite(cxm_norm_quantile(4.9e-324)));
}

static void
test_confidence(void)
{
	NpsSummary	s;

	CHECK(!nps_confidence_valid(0.0));
	CHECK(!nps_confidence_valid(1.0));
	CHECK(!nps_confidence_valid(-0.5));
	CHECK(!nps_confidence_valid(NAN));
	CHECK(!nps_confidence_valid(INFINITY));
	CHECK(nps_confidence_valid(1e-300));
	CHECK(nps_confidence_valid(0.999999));
	CHECK_REL(nps_confidence_z(0.95), 1.959963984540054, 1e-14);
	CHECK_REL(nps_confidence_z(0.99), 2.5758293035489004, 1e-14);
	CHECK_REL(nps_confidence_z(0.9), 1.6448536269514722, 1e-14);
	CHECK(nps_confidence_z(1e-300) >= 0.0 && nps_confidence_z(1e-300) < 1e-290);

	/* 5/3/2 by hand: se = 100 sqrt(.061), 90 % interval 30 -/+ 1.6448536 se */
	s = nps_summarize_z(5, 3, 2, nps_confidence_z(0.9));
	CHECK_NEAR(s.nps, 30.0, 1e-12);
	CHECK_NEAR(s.std_error, 24.698178070456937, 1e-12);
	CHECK_NEAR(s.ci_low, 30.0 - 1.6448536269514722 * 24.698178070456937, 1e-11);
	CHECK_NEAR(s.ci_high, 30.0 + 1.6448536269514722 * 24.698178070456937, 1e-11);
	/* the 1.0 function keeps the literal 1.959964 (doc/nps.md) */
	s = nps_summarize(5, 3, 2);
	CHECK_NEAR(s.ci_high, 30.0 + 1.959964 * 24.698178070456937, 1e-12);
	/* clamped */
	s = nps_summarize_z(5, 3, 2, nps_confidence_z(0.999999));
	CHECK(s.ci_high == 100.0);
	CHECK_NEAR(s.ci_low, 30.0 - 4.891638475714779 * 24.698178070456937, 1e-9);
}

int
main(void)
{
	RUN(test_quantile_table);
	RUN(test_quantile_round_trip);
	RUN(test_quantile_edges);
	RUN(test_confidence);
	return UNIT_DONE();
}
