/*
 * nps_core.h
 *	  Net Promoter Score and CSAT arithmetic (pure C, no postgres.h).
 */
#ifndef NPS_CORE_H
#define NPS_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "cxm_core.h"

#define NPS_MIN_SCORE	0
#define NPS_MAX_SCORE	10
/* the two-sided 95 % normal quantile, used literally, as doc/nps.md says */
#define NPS_Z95			1.959964

typedef enum NpsCategory
{
	NPS_DETRACTOR = 0,
	NPS_PASSIVE = 1,
	NPS_PROMOTER = 2
} NpsCategory;

typedef struct NpsSummary
{
	int64_t		n;
	double		nps;			/* 100 (P - D) / n */
	double		std_error;		/* 100 sqrt((p + d - (p - d)^2) / n) */
	double		ci_low;			/* nps -/+ 1.959964 se, clamped to [-100, 100] */
	double		ci_high;
} NpsSummary;

typedef struct NpsComparison
{
	double		diff;
	double		std_error;
	double		z;
	double		p_value;
	bool		z_valid;		/* false when both standard errors are 0 */
} NpsComparison;

/* inline: both run once per aggregated row */
static inline bool
nps_score_valid(int score)
{
	return score >= NPS_MIN_SCORE && score <= NPS_MAX_SCORE;
}

/*
 * The caller has checked nps_score_valid().  The category's value is the
 * number of thresholds (7, 9) the score reaches: no branch to mispredict.
 */
static inline NpsCategory
nps_category_of(int score)
{
	return (NpsCategory) ((score >= 7) + (score >= 9));
}

extern const char *nps_category_name(NpsCategory c);
extern NpsSummary nps_summarize(int64_t promoters, int64_t passives, int64_t detractors);
/* the same with the interval nps -/+ z se (nps_summarize uses NPS_Z95); since 1.1 */
extern NpsSummary nps_summarize_z(int64_t promoters, int64_t passives, int64_t detractors,
								  double z);
/* is a confidence level usable: finite, strictly between 0 and 1 */
extern bool nps_confidence_valid(double confidence);
/* the two-sided normal quantile of a valid confidence level */
extern double nps_confidence_z(double confidence);
extern NpsComparison nps_compare_core(double nps_a, double se_a, double nps_b, double se_b);

extern bool csat_scale_valid(int scale_max);
extern bool csat_score_valid(int score, int scale_max);
extern bool csat_is_satisfied(int score, int scale_max);
extern double csat_percent(int64_t satisfied, int64_t n);

#endif							/* NPS_CORE_H */
