/*
 * nps_confidence.c
 *	  fmgr glue of nps_stats(score, confidence) (version 1.1): the NPS with
 *	  its interval at a chosen confidence level instead of the fixed 95 % of nps_stats(score) (doc/nps.md).
 *
 * The state is int8[4] {promoters, passives, detractors, confidence}, the
 * confidence stored as the bit pattern of its float8 (0 = not set yet, which
 * is not a valid level).  Like csat_agg's scale_max, the confidence is a
 * parameter, not data: NULL or outside (0, 1) is an error even on a row whose
 * score is NULL, and it must be the same on every row of a group.  An emptied
 * moving-window state forgets it.
 */
#include "postgres.h"

#include <math.h>

#include "cxm.h"
#include "nps.h"

#define NPSC_STATE_LEN	4

PG_FUNCTION_INFO_V1(nps_conf_accum);
PG_FUNCTION_INFO_V1(nps_conf_accum_inv);
PG_FUNCTION_INFO_V1(nps_conf_combine);
PG_FUNCTION_INFO_V1(nps_conf_final);

static int64
conf_bits(double confidence)
{
	int64		bits;

	memcpy(&bits, &confidence, sizeof(bits));
	return bits;
}

static double
conf_value(int64 bits)
{
	double		confidence;

	memcpy(&confidence, &bits, sizeof(confidence));
	return confidence;
}

static ArrayType *
nps_conf_step(FunctionCallInfo fcinfo, int direction)
{
	ArrayType  *state;
	int64	   *c;
	int32		score;
	double		confidence;
	int			slot;

	if (PG_ARGISNULL(0))
		cxm_bad_int8_state(NPSC_STATE_LEN, "nps_stats");
	state = cxm_int8_trans_state(fcinfo, NPSC_STATE_LEN, "nps_stats");
	c = CXM_INT8_STATE_DATA(state);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nps_stats confidence must not be NULL")));
	confidence = PG_GETARG_FLOAT8(2);
	if (!nps_confidence_valid(confidence))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nps_stats confidence %g is not between 0 and 1", confidence),
				 errhint("Give the confidence level as a fraction, for example 0.9 for 90 %%.")));
	if (PG_ARGISNULL(1))
		return state;
	score = PG_GETARG_INT32(1);
	check_nps_score(score);
	if (c[0] < 0 || c[1] < 0 || c[2] < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid nps_stats state: negative count")));
	if (c[0] + c[1] + c[2] > 0 && c[3] != conf_bits(confidence))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nps_stats confidence %g differs from %g used earlier in the group",
						confidence, conf_value(c[3]))));
	slot = 2 - (int) nps_category_of(score);
	if (direction < 0 && c[slot] <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot remove NPS score %d from a state that holds none of its category",
						score)));
	c[slot] += direction;
	c[3] = c[0] + c[1] + c[2] > 0 ? conf_bits(confidence) : 0;
	return state;
}

/* nps_conf_accum(state int8[], score int4, confidence float8): not strict */
Datum
nps_conf_accum(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(nps_conf_step(fcinfo, 1));
}

Datum
nps_conf_accum_inv(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(nps_conf_step(fcinfo, -1));
}

Datum
nps_conf_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state = cxm_int8_state_arg(fcinfo, 0);
	int64	   *a = cxm_int8_state(state, NPSC_STATE_LEN, "nps_stats");
	int64	   *b = cxm_int8_state(PG_GETARG_ARRAYTYPE_P(1), NPSC_STATE_LEN, "nps_stats");
	int			i;

	for (i = 0; i < 3; i++)
		if (a[i] < 0 || b[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid nps_stats state: negative count")));
	if (b[0] + b[1] + b[2] > 0)
	{
		if (a[0] + a[1] + a[2] > 0 && a[3] != b[3])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("nps_stats confidence %g differs from %g used elsewhere in the group",
							conf_value(b[3]), conf_value(a[3]))));
		for (i = 0; i < 3; i++)
			a[i] += b[i];
		a[3] = b[3];
	}
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
nps_conf_final(PG_FUNCTION_ARGS)
{
	int64	   *c = cxm_int8_state(PG_GETARG_ARRAYTYPE_P(0), NPSC_STATE_LEN, "nps_stats");
	double		confidence;

	if (c[0] < 0 || c[1] < 0 || c[2] < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid nps_stats state: negative count")));
	if (c[0] + c[1] + c[2] == 0)
		PG_RETURN_NULL();
	confidence = conf_value(c[3]);
	if (!nps_confidence_valid(confidence))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid nps_stats state: confidence %g", confidence)));
	PG_RETURN_DATUM(nps_result_datum(fcinfo, c,
									 nps_summarize_z(c[0], c[1], c[2],
													 nps_confidence_z(confidence))));
}
