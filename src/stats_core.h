/*
 * stats_core.h
 *	  Statistical helpers shared by several features (stats_core.c, pure C,
 *	  no postgres.h): the normal and Student t distributions and Welch's
 *	  test.  Their names start with cxm_, the prefix of the shared helpers
 *	  (doc/development.md, "How the code is laid out").
 */
#ifndef STATS_CORE_H
#define STATS_CORE_H

#include <stdbool.h>

/* Normal distribution helpers (stats_core.c). */
extern double cxm_norm_cdf(double z);
extern double cxm_norm_sf(double z);
extern double cxm_two_sided_p(double z);
/* the p-quantile of the standard normal: -inf / +inf at 0 / 1, NaN outside [0, 1] */
extern double cxm_norm_quantile(double p);

/* Student's t (stats_core.c, since 1.2): upper tail P(T > t) and p-quantile, any real df > 0 */
extern double cxm_t_sf(double t, double df);
extern double cxm_t_quantile(double p, double df);

/* Welch's two-sample t test of mean1 - mean2 (stats_core.c) */
typedef struct CxmWelch
{
	double		difference;		/* mean1 - mean2 */
	double		std_error;		/* sqrt(var1 / n1 + var2 / n2) */
	double		df;				/* Welch-Satterthwaite degrees of freedom */
	double		t;				/* difference / std_error */
	double		p_value;		/* two-sided */
	double		ci_low;			/* interval of the difference at the level asked */
	double		ci_high;
} CxmWelch;
extern bool cxm_welch(double n1, double mean1, double var1, double n2, double mean2, double var2,
					  double level, CxmWelch *out);

#endif							/* STATS_CORE_H */
