/*
 * nps_core.c
 *	  Net Promoter Score and CSAT arithmetic.  No postgres.h: unit-tested alone.
 *
 * An answer is scored +1 (promoter, 9-10), 0 (passive, 7-8) or -1 (detractor,
 * 0-6).  NPS is 100 times the mean of that score; its standard error is the
 * standard error of that mean, 100 sqrt(Var / n) with
 * Var = p + d - (p - d)^2 for the shares p and d of promoters and detractors.
 */
#include <math.h>

#include "nps_core.h"
#include "stats_core.h"

const char *
nps_category_name(NpsCategory c)
{
	switch (c)
	{
		case NPS_PROMOTER:
			return "promoter";
		case NPS_PASSIVE:
			return "passive";
		case NPS_DETRACTOR:
			break;
	}
	return "detractor";
}

static double
clamp100(double x)
{
	if (x < -100.0)
		return -100.0;
	if (x > 100.0)
		return 100.0;
	return x;
}

/* The caller guarantees a positive total. */
NpsSummary
nps_summarize(int64_t promoters, int64_t passives, int64_t detractors)
{
	return nps_summarize_z(promoters, passives, detractors, NPS_Z95);
}

bool
nps_confidence_valid(double confidence)
{
	return isfinite(confidence) && confidence > 0.0 && confidence < 1.0;
}

/*
 * z with P(|Z| <= z) = confidence, from the tail (1 - confidence) / 2 so that
 * levels close to 1 keep their precision.
 */
double
nps_confidence_z(double confidence)
{
	return -cxm_norm_quantile(0.5 * (1.0 - confidence));
}

NpsSummary
nps_summarize_z(int64_t promoters, int64_t passives, int64_t detractors, double z)
{
	NpsSummary	s;
	double		n = (double) promoters + (double) passives + (double) detractors;
	double		p = (double) promoters / n;
	double		d = (double) detractors / n;
	double		var = p + d - (p - d) * (p - d);

	/* rounding can push a zero variance a hair below zero */
	if (var < 0.0)
		var = 0.0;
	s.n = promoters + passives + detractors;
	s.nps = 100.0 * ((double) promoters - (double) detractors) / n;
	s.std_error = 100.0 * sqrt(var / n);
	s.ci_low = clamp100(s.nps - z * s.std_error);
	s.ci_high = clamp100(s.nps + z * s.std_error);
	return s;
}

/*
 * Two-sample z test of nps_a - nps_b for independent samples.  When both
 * standard errors are 0 the statistic is undefined (z_valid = false).
 */
NpsComparison
nps_compare_core(double nps_a, double se_a, double nps_b, double se_b)
{
	NpsComparison c;

	c.diff = nps_a - nps_b;
	c.std_error = sqrt(se_a * se_a + se_b * se_b);
	if (c.std_error > 0.0)
	{
		c.z = c.diff / c.std_error;
		c.p_value = cxm_two_sided_p(c.z);
		c.z_valid = true;
	}
	else
	{
		c.z = 0.0;
		c.p_value = 0.0;
		c.z_valid = false;
	}
	return c;
}

bool
csat_scale_valid(int scale_max)
{
	return scale_max >= 2;
}

bool
csat_score_valid(int score, int scale_max)
{
	return score >= 1 && score <= scale_max;
}

/* top two boxes: scale_max and scale_max - 1 */
bool
csat_is_satisfied(int score, int scale_max)
{
	return score >= scale_max - 1;
}

double
csat_percent(int64_t satisfied, int64_t n)
{
	return 100.0 * (double) satisfied / (double) n;
}
