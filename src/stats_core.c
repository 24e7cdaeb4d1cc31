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
