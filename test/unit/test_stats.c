/*
 * test_stats.c
 *	  Unit tests of Student's t distribution and Welch's test in stats_core.c
 *	  (channel_mix_value).  Reference values computed offline with scipy 1.10
 *	  (scipy.stats.t.sf, scipy.stats.t.ppf, scipy.stats.ttest_ind with
 *	  equal_var=False) and written here as constants.  The tolerance (1e-8
 *	  relative) is the accuracy of the incomplete beta function it rests on.
 */
#include "unit.h"
#include "cxm_core.h"
#include "stats_core.h"

/* scipy.stats.t.sf(t, df) */
static void
test_t_sf_table(void)
{
	static const double tab[][3] = {
		{0.5, 3, 0.3257239824240755},
		{2.0, 10, 0.036694017385370196},
		{-1.3, 7.5, 0.8839366105921957},
		{3.7, 2.2, 0.02843363857742747},
		{10, 30, 2.2876257041148048e-11},
		{1.96, 1000000.0, 0.02499803379263489},
		{0.1, 0.7, 0.47065469157595974},
		{25, 4, 7.598762881657872e-06},
	};
	size_t		i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		CHECK_REL(cxm_t_sf(tab[i][0], tab[i][1]), tab[i][2], 1e-8);
	CHECK_NEAR(cxm_t_sf(0.0, 5.0), 0.5, 1e-15);
	CHECK(cxm_t_sf(INFINITY, 5.0) == 0.0);
	CHECK(cxm_t_sf(-INFINITY, 5.0) == 1.0);
	CHECK(isnan(cxm_t_sf(1.0, 0.0)));
	CHECK(isnan(cxm_t_sf(NAN, 3.0)));
}

/* scipy.stats.t.ppf(p, df), and the round trip through the tail */
static void
test_t_quantile_table(void)
{
	static const double tab[][3] = {
		{0.975, 1, 12.706204736432095},
		{0.975, 2.5, 3.5746548420118773},
		{0.975, 10, 2.2281388519649385},
		{0.975, 57.3, 2.002238267027051},
		{0.995, 4, 4.604094871415897},
		{0.9, 200, 1.2857987939945954},
		{0.6, 3, 0.27667066230490933},
	};
	size_t		i;
	double		p;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
	{
		CHECK_REL(cxm_t_quantile(tab[i][0], tab[i][1]), tab[i][2], 1e-8);
		CHECK_REL(cxm_t_quantile(1.0 - tab[i][0], tab[i][1]), -tab[i][2], 1e-8);
	}
	for (p = 0.01; p < 1.0; p += 0.01)
		CHECK_NEAR(1.0 - cxm_t_sf(cxm_t_quantile(p, 7.3), 7.3), p, 1e-12);
	CHECK(cxm_t_quantile(1.0, 3.0) == INFINITY);
	CHECK(cxm_t_quantile(0.0, 3.0) == -INFINITY);
	CHECK(isnan(cxm_t_quantile(1.5, 3.0)));
	CHECK(isnan(cxm_t_quantile(0.5, -1.0)));
}

/*
 * a = {3, 5, 8, 13, 21, 1, 2}, b = {1.5, 2.5, 2, 4, 3.5}:
 * scipy.stats.ttest_ind(a, b, equal_var=False) gives t = 1.7627938238923142,
 * p = 0.125707933814466; Welch df 6.344674577823789 and the 95 % interval
 * of mean(a) - mean(b) (t.ppf(0.975, df)) [-1.8024850731907884, 11.545342216047931]
 */
static void
test_welch(void)
{
	CxmWelch	w;

	CHECK(cxm_welch(7, 7.571428571428571, 51.952380952380956, 5, 2.7, 1.075, 0.95, &w));
	CHECK_REL(w.difference, 4.871428571428571, 1e-14);
	CHECK_REL(w.t, 1.7627938238923142, 1e-12);
	CHECK_REL(w.df, 6.344674577823789, 1e-12);
	CHECK_REL(w.p_value, 0.125707933814466, 1e-9);
	CHECK_REL(w.ci_low, -1.8024850731907884, 1e-8);
	CHECK_REL(w.ci_high, 11.545342216047931, 1e-8);
	/* swapping the samples flips the sign, keeps the p-value */
	{
		CxmWelch	v;

		CHECK(cxm_welch(5, 2.7, 1.075, 7, 7.571428571428571, 51.952380952380956, 0.95, &v));
		CHECK_REL(v.t, -w.t, 1e-14);
		CHECK_REL(v.p_value, w.p_value, 1e-14);
		CHECK_REL(v.ci_low, -w.ci_high, 1e-12);
	}
	/* no test: too few values, no spread, bad input */
	CHECK(!cxm_welch(1, 1.0, 0.0, 5, 2.0, 1.0, 0.95, &w));
	CHECK(!cxm_welch(4, 1.0, 0.0, 5, 2.0, 0.0, 0.95, &w));
	CHECK(!cxm_welch(4, 1.0, -1.0, 5, 2.0, 1.0, 0.95, &w));
	CHECK(!cxm_welch(4, NAN, 1.0, 5, 2.0, 1.0, 0.95, &w));
	CHECK(!cxm_welch(4, 1.0, 1.0, 5, 2.0, 1.0, 1.0, &w));
}

int
main(void)
{
	RUN(test_t_sf_table);
	RUN(test_t_quantile_table);
	RUN(test_welch);
	return UNIT_DONE();
}
