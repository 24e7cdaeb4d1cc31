/*
 * stats_core.c
 *	  Small statistical helpers shared by several features.  No postgres.h.
 */
#include <math.h>

#include "cxm_core.h"

/*
 * P(Z <= z) for a standard normal Z.  erfc keeps full relative accuracy in
 * both tails, unlike 1 - erf or polynomial approximations.
 */
double
cxm_norm_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

/* P(Z > z) */
double
cxm_norm_sf(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

/* Two-sided p-value of a z statistic: P(|Z| >= |z|). */
double
cxm_two_sided_p(double z)
{
	return erfc(fabs(z) / M_SQRT2);
}

/*
 * The p-quantile of the standard normal (since 1.1).  A rational
 * approximation in three regions (P. J. Acklam's, relative error below
 * 1.2e-9) followed by one Halley step on erfc, which brings the result to
 * within a few ulps.  The tails are computed from p and 1 - p directly, so
 * callers that need an upper tail should pass the small tail probability.
 */
double
cxm_norm_quantile(double p)
{
	static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02,
	-3.066479806614716e+01, 2.506628277459239e+00};
	static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01,
	-1.328068155288572e+01};
	static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00,
	4.374664141464968e+00, 2.938163982698783e+00};
	static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
	2.445134137142996e+00, 3.754408661907416e+00};
	const double p_low = 0.02425;
	double		q,
				r,
				x,
				e,
				u;

	if (isnan(p) || p < 0.0 || p > 1.0)
		return NAN;
	if (p == 0.0)
		return -INFINITY;
	if (p == 1.0)
		return INFINITY;
	if (p < p_low)
	{
		q = sqrt(-2.0 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
	}
	else if (p <= 1.0 - p_low)
	{
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
			(((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
	}
	else
	{
		q = sqrt(-2.0 * log1p(-p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
	}
	/* one Halley step: f(x) = Phi(x) - p, f' = phi(x), f'' = -x phi(x) */
	e = cxm_norm_cdf(x) - p;
	u = e * sqrt(2.0 * M_PI) * exp(0.5 * x * x);
	if (isfinite(u))
		x = x - u / (1.0 + 0.5 * x * u);
	return x;
}
