/*
 * test_churn_fuzz.c
 *	  Regression tests for inputs found by test/fuzz/fuzz_churn.c.
 */
#include "unit.h"
#include "churn_core.h"

/*
 * fuzz_churn crash b079e8e2: r = 688 makes a + b - 1 - r very negative, the
 * series of cxm_bgnbd_expected alternated with terms near 1e120 and
 * cxm_clv returned -1.5e113.  Now a result without 8 good digits is
 * CXM_ERANGE; small horizons still work.
 */
static void
test_expected_large_r(void)
{
	CxmBgnbd	bg = {688.0, 23.61, 0.79, 2.43};
	CxmGammaGamma gg = {6.25, 413.66, 707.29};
	double		out = -1.0;
	CxmStatus	st;
	int			h;

	st = cxm_clv(&bg, &gg, 0.0, 0.0, 38.86, 966.67, 126, 0.0, &out);
	CHECK(st != CXM_OK || (isfinite(out) && out >= 0.0));
	for (h = 1; h <= 200; h++)
	{
		out = -1.0;
		st = cxm_bgnbd_expected(&bg, (double) h, 0.0, 0.0, 38.86, &out);
		CHECK(st != CXM_OK || (isfinite(out) && out >= 0.0));
	}
	st = cxm_bgnbd_expected(&bg, 1.0, 0.0, 0.0, 38.86, &out);
	CHECK(st == CXM_OK && isfinite(out) && out > 0.0);
}

/*
 * fuzz_churn crash 957240b8: b = 4.2e65 makes a + b - 1 - r and a + b + x - 1
 * equal in floating point; the bracket was pure rounding noise times 4e65
 * (expected purchases of +-1e49, CLV -4e37).  Now CXM_ERANGE.  b = 1e10
 * (customers practically never drop out) still gives the Poisson limit
 * h (r + x) / (alpha + t).
 */
static void
test_expected_huge_b(void)
{
	CxmBgnbd	bg = {0.24, 4.41, 0.01, 4.2128291237315819e+65};
	CxmGammaGamma gg = {6.25, 3.74, 901.53};
	double		out = -1.0;
	CxmStatus	st;
	int			h;

	for (h = 1; h <= 35; h++)
	{
		out = -1.0;
		st = cxm_bgnbd_expected(&bg, (double) h, 0.0, 30.43, 38.86, &out);
		CHECK(st != CXM_OK || (isfinite(out) && out >= 0.0 && out < 1e3));
	}
	st = cxm_clv(&bg, &gg, 0.0, 30.43, 38.86, 974.35, 35, 0.0, &out);
	CHECK(st != CXM_OK || (isfinite(out) && out >= 0.0 && out < 1e6));
	bg.b = 1e10;
	for (h = 1; h <= 35; h += 8)
	{
		CHECK(cxm_bgnbd_expected(&bg, (double) h, 0.0, 0.0, 38.86, &out) == CXM_OK);
		CHECK_REL(out, h * 0.24 / (4.41 + 38.86), 1e-3);
	}
}

/* fuzz_churn crash d8b4b280: frequency 8e298 times spend 8e124 overflowed to inf */
static void
test_spend_overflow(void)
{
	CxmGammaGamma gg = {100.0, 3.1658145575440387e-318, 1.8959472719770331e-318};
	double		out = -1.0;
	CxmStatus	st;

	st = cxm_gg_expected_spend(&gg, 8.3714730931711169e+298, 8.4778410614632127e+124, &out);
	CHECK(st == CXM_ERANGE);
	gg.p = 6.25;
	gg.q = 3.74;
	gg.v = 15.45;
	CHECK(cxm_gg_expected_spend(&gg, 2.0, 22.35, &out) == CXM_OK);
	CHECK_NEAR(out, 6.25 * (15.45 + 2.0 * 22.35) / (6.25 * 2.0 + 3.74 - 1.0), 1e-12);
}

/*
 * fuzz_churn crash (flags 127): cumulative expectations a few ulps out of
 * order made the CLV sum -8.9e-308.
 */
static void
test_clv_never_negative(void)
{
	CxmBgnbd	bg = {218.8, 2.1077459694891706e+126, 2.1077459694891706e+126, 2.1077459694891706e+126};
	CxmGammaGamma gg = {2.1077459694891706e+126, 2.1077459694891706e+126, 2.075973532244554e-275};
	double		out = -1.0;
	CxmStatus	st;

	st = cxm_clv(&bg, &gg, 164.0, 2.4851687664111262e-290, 1.4608365041011853e-261,
				 1.8592929133739623e-280, 89, 2.5205807513596635e-192, &out);
	CHECK(st != CXM_OK || (isfinite(out) && out >= 0.0));
}

/* the CDNOW fit keeps its values (no false alarm of the cancellation check) */
static void
test_expected_cdnow_unchanged(void)
{
	CxmBgnbd	bg = {0.24259291022823265, 4.4135317970542225, 0.7928861084590738, 2.4257532854729758};
	double		out = -1.0;
	int			h;

	for (h = 1; h <= 400; h += 7)
	{
		CHECK(cxm_bgnbd_expected(&bg, (double) h, 2.0, 30.43, 38.86, &out) == CXM_OK);
		CHECK(isfinite(out) && out >= 0.0);
		CHECK(cxm_bgnbd_expected(&bg, (double) h, 0.0, 0.0, 38.86, &out) == CXM_OK);
	}
}

int
main(void)
{
	RUN(test_expected_large_r);
	RUN(test_expected_huge_b);
	RUN(test_spend_overflow);
	RUN(test_clv_never_negative);
	RUN(test_expected_cdnow_unchanged);
	return UNIT_DONE();
}
