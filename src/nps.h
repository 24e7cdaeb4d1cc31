/*
 * nps.h
 *	  Glue shared by nps.c and nps_confidence.c (the NPS family).
 */
#ifndef CXM_NPS_H
#define CXM_NPS_H

#include "cxm.h"
#include "nps_core.h"

/* ERROR 22003 naming the score unless it is 0..10 */
extern void check_nps_score(int32 score);

/* an nps_result row from the counts {promoters, passives, detractors} and their summary */
extern Datum nps_result_datum(FunctionCallInfo fcinfo, const int64 *counts, NpsSummary s);

#endif							/* CXM_NPS_H */
