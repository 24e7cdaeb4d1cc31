/*
 * stats_core.c
 *	  Small statistical helpers shared by several features.  No postgres.h.
 *	  The incomplete beta function comes from bandit_core.c.
 */
#include <math.h>

#include "bandit_core.h"
#include "cxm_core.h"
#include "stats_core.h"

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

/*
 * Student's t distribution (since 1.2), for Welch's test of two means
 * (channel_mix_value, doc/views.md).  df may be any positive real, as
 * Welch's degrees of freedom are.  The tail comes from the regularized
 * incomplete beta function: P(T > t) = I_x(df/2, 1/2) / 2 with
 * x = df / (df + t^2), for t >= 0, or 1/2 - I_{1-x}(1/2, df/2) / 2 when x is
 * near 1.  The accuracy is that of bandit_incbeta: about 1e-9 relative, less
 * for very large df (its log-gamma differences lose digits), far below what
 * a p-value or an interval needs.
 */
double
cxm_t_sf(double t, double df)
{
	double		tail;

	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return t > 0 ? 0.0 : 1.0;
	if (t * t < df)
	{
		/* x = df / (df + t^2) is near 1: use 1 - x = t^2 / (df + t^2) directly */
		tail = 0.5 - 0.5 * bandit_incbeta(t * t / (df + t * t), 0.5, 0.5 * df);
	}
	else
		tail = 0.5 * bandit_incbeta(df / (df + t * t), 0.5 * df, 0.5);
	return t >= 0 ? tail : 1.0 - tail;
}

/*
 * The p-quantile of Student's t: bisection on the tail (which is monotone),
 * to the last bit of a double; the lower half by symmetry.
 */
double
cxm_t_quantile(double p, double df)
{
	double		tail,
				lo = 0.0,
				hi = 1.0;
	int			i;

	if (isnan(p) || p < 0.0 || p > 1.0 || !(df > 0))
		return NAN;
	if (p == 0.0)
		return -INFINITY;
	if (p == 1.0)
		return INFINITY;
	if (p < 0.5)
		return -cxm_t_quantile(1.0 - p, df);
	tail = 1.0 - p;
	while (cxm_t_sf(hi, df) > tail)
	{
		lo = hi;
		hi *= 2.0;
		if (!isfinite(hi))
			return INFINITY;
	}
	for (i = 0; i < 200 && lo < hi; i++)
	{
		double		mid = 0.5 * (lo + hi);

		if (mid <= lo || mid >= hi)
			break;
		if (cxm_t_sf(mid, df) > tail)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/*
 * Welch's unequal-variance t test of mean1 - mean2 from each sample's size,
 * mean and (n - 1) variance, with the two-sided interval at the level given
 * (0.95).  Degrees of freedom by Welch-Satterthwaite.  Returns false (out
 * untouched) when either sample has fewer than two values, a variance is
 * negative or not finite, or both variances are 0 (no spread: no test).
 */
bool
cxm_welch(double n1, double mean1, double var1, double n2, double mean2, double var2,
		  double level, CxmWelch *out)
{
	double		a,
				b,
				se,
				q;

	if (!(n1 >= 2) || !(n2 >= 2) || !isfinite(mean1) || !isfinite(mean2) ||
		!(var1 >= 0) || !(var2 >= 0) || !isfinite(var1) || !isfinite(var2) ||
		!(level > 0 && level < 1))
		return false;
	a = var1 / n1;
	b = var2 / n2;
	se = sqrt(a + b);
	if (!(se > 0))
		return false;
	out->difference = mean1 - mean2;
	out->std_error = se;
	out->df = (a + b) * (a + b) / (a * a / (n1 - 1) + b * b / (n2 - 1));
	out->t = out->difference / se;
	out->p_value = 2.0 * cxm_t_sf(fabs(out->t), out->df);
	if (out->p_value > 1.0)
		out->p_value = 1.0;
	q = cxm_t_quantile(0.5 + 0.5 * level, out->df);
	out->ci_low = out->difference - q * se;
	out->ci_high = out->difference + q * se;
	return true;
}
