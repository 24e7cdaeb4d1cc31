/*
 * nps.c
 *	  fmgr glue of the NPS family: nps_agg, nps_stats, nps_category,
 *	  nps_compare and csat_agg.  The arithmetic lives in nps_core.c.
 *
 * nps_agg and nps_stats keep an int8[3] state {promoters, passives,
 * detractors}; csat_agg keeps int8[3] {answers, satisfied, scale_max}.  Both
 * are fixed-size, non-internal states updated in place inside aggregates, so
 * parallel and distributed plans can ship them without serial functions.
 * The transitions check the state where it enters an aggregate node, not on
 * every row (cxm_int8_trans_state, cxm.h); the combine and final functions
 * check every state they are handed (a partial state may come from anywhere).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "cxm.h"
#include "nps.h"
#include "nps_core.h"

#define NPS_STATE_LEN	3
#define CSAT_STATE_LEN	3

PG_FUNCTION_INFO_V1(nps_accum);
PG_FUNCTION_INFO_V1(nps_accum_inv);
PG_FUNCTION_INFO_V1(nps_combine);
PG_FUNCTION_INFO_V1(nps_final);
PG_FUNCTION_INFO_V1(nps_stats_final);
PG_FUNCTION_INFO_V1(nps_category);
PG_FUNCTION_INFO_V1(nps_compare);
PG_FUNCTION_INFO_V1(csat_accum);
PG_FUNCTION_INFO_V1(csat_accum_inv);
PG_FUNCTION_INFO_V1(csat_combine);
PG_FUNCTION_INFO_V1(csat_final);

static void nps_score_out_of_range(int32 score) pg_attribute_noreturn();

static void
nps_score_out_of_range(int32 score)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("NPS score %d is out of range", score),
			 errhint("NPS answers run from 0 to 10.")));
}

void
check_nps_score(int32 score)
{
	if (!nps_score_valid(score))
		nps_score_out_of_range(score);
}

/* one answer counted in a checked state, in place */
static inline Datum
nps_count(ArrayType *state, int32 score)
{
	if (unlikely(!nps_score_valid(score)))
		nps_score_out_of_range(score);
	CXM_INT8_STATE_DATA(state)[2 - (int) nps_category_of(score)]++;
	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * nps_accum on a state it may not trust yet; a function of its own, so that
 * the path of every other row saves no registers and calls nothing
 */
static pg_noinline Datum
nps_accum_enter(FunctionCallInfo fcinfo)
{
	return nps_count(cxm_int8_trans_state_enter(fcinfo, NPS_STATE_LEN, "nps_agg"),
					 PG_GETARG_INT32(1));
}

/* nps_accum(state int8[], score int4): strict, so NULL scores never get here */
Datum
nps_accum(PG_FUNCTION_ARGS)
{
	if (unlikely(!cxm_int8_state_trusted(fcinfo)))
		return nps_accum_enter(fcinfo);
	return nps_count((ArrayType *) PG_GETARG_POINTER(0), PG_GETARG_INT32(1));
}

/* exact inverse of nps_accum, for moving windows */
Datum
nps_accum_inv(PG_FUNCTION_ARGS)
{
	ArrayType  *state = cxm_int8_trans_state(fcinfo, NPS_STATE_LEN, "nps_agg");
	int64	   *c = CXM_INT8_STATE_DATA(state);
	int32		score = PG_GETARG_INT32(1);
	int			slot;

	check_nps_score(score);
	slot = 2 - (int) nps_category_of(score);
	if (c[slot] <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot remove NPS score %d from a state that holds none of its category",
						score)));
	c[slot]--;
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
nps_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state = cxm_int8_state_arg(fcinfo, 0);
	int64	   *a = cxm_int8_state(state, NPS_STATE_LEN, "nps_agg");
	int64	   *b = cxm_int8_state(PG_GETARG_ARRAYTYPE_P(1), NPS_STATE_LEN, "nps_agg");
	int			i;

	for (i = 0; i < NPS_STATE_LEN; i++)
		a[i] += b[i];
	PG_RETURN_ARRAYTYPE_P(state);
}

/* state {promoters, passives, detractors} with a positive total, or false */
static bool
nps_state_counts(FunctionCallInfo fcinfo, int64 *counts)
{
	int64	   *c = cxm_int8_state(PG_GETARG_ARRAYTYPE_P(0), NPS_STATE_LEN, "nps_agg");
	int			i;

	for (i = 0; i < NPS_STATE_LEN; i++)
	{
		if (c[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid nps_agg state: negative count " INT64_FORMAT, c[i])));
		counts[i] = c[i];
	}
	return counts[0] + counts[1] + counts[2] > 0;
}

Datum
nps_final(PG_FUNCTION_ARGS)
{
	int64		c[NPS_STATE_LEN];

	if (!nps_state_counts(fcinfo, c))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(nps_summarize(c[0], c[1], c[2]).nps);
}

Datum
nps_stats_final(PG_FUNCTION_ARGS)
{
	int64		c[NPS_STATE_LEN];

	if (!nps_state_counts(fcinfo, c))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(nps_result_datum(fcinfo, c, nps_summarize(c[0], c[1], c[2])));
}

/* an nps_result row from the counts {promoters, passives, detractors} and their summary */
Datum
nps_result_datum(FunctionCallInfo fcinfo, const int64 *c, NpsSummary s)
{
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8] = {false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "nps_stats must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Int64GetDatum(s.n);
	values[1] = Int64GetDatum(c[0]);
	values[2] = Int64GetDatum(c[1]);
	values[3] = Int64GetDatum(c[2]);
	values[4] = Float8GetDatum(s.nps);
	values[5] = Float8GetDatum(s.std_error);
	values[6] = Float8GetDatum(s.ci_low);
	values[7] = Float8GetDatum(s.ci_high);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

Datum
nps_category(PG_FUNCTION_ARGS)
{
	int32		score = PG_GETARG_INT32(0);

	check_nps_score(score);
	PG_RETURN_TEXT_P(cstring_to_text(nps_category_name(nps_category_of(score))));
}

/* fetch a float8 field of an nps_result; false when it is NULL */
static bool
nps_result_field(HeapTupleHeader r, const char *name, double *out)
{
	bool		isnull;
	Datum		d = GetAttributeByName(r, name, &isnull);

	if (isnull)
		return false;
	*out = DatumGetFloat8(d);
	return true;
}

/*
 * nps_compare(a nps_result, b nps_result) -> (diff, std_error, z, p_value)
 * A result with a NULL nps or std_error gives an all-NULL row.
 */
Datum
nps_compare(PG_FUNCTION_ARGS)
{
	HeapTupleHeader a = PG_GETARG_HEAPTUPLEHEADER(0);
	HeapTupleHeader b = PG_GETARG_HEAPTUPLEHEADER(1);
	double		nps_a,
				se_a,
				nps_b,
				se_b;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {true, true, true, true};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "nps_compare must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);

	if (nps_result_field(a, "nps", &nps_a) && nps_result_field(a, "std_error", &se_a) &&
		nps_result_field(b, "nps", &nps_b) && nps_result_field(b, "std_error", &se_b))
	{
		NpsComparison c;

		if (se_a < 0 || se_b < 0 || isnan(se_a) || isnan(se_b))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("standard error %g is not a valid standard error",
							se_a < 0 || isnan(se_a) ? se_a : se_b)));
		c = nps_compare_core(nps_a, se_a, nps_b, se_b);
		values[0] = Float8GetDatum(c.diff);
		values[1] = Float8GetDatum(c.std_error);
		nulls[0] = nulls[1] = false;
		if (c.z_valid)
		{
			values[2] = Float8GetDatum(c.z);
			values[3] = Float8GetDatum(c.p_value);
			nulls[2] = nulls[3] = false;
		}
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * csat_accum(state int8[], score int4, scale_max int4): not strict, because
 * a NULL scale_max is an error rather than a row to skip.
 */
static ArrayType *
csat_step(FunctionCallInfo fcinfo, int direction)
{
	ArrayType  *state;
	int64	   *c;
	int32		score,
				scale_max;

	if (PG_ARGISNULL(0))
		cxm_bad_int8_state(CSAT_STATE_LEN, "csat_agg");
	state = cxm_int8_trans_state(fcinfo, CSAT_STATE_LEN, "csat_agg");
	c = CXM_INT8_STATE_DATA(state);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("csat_agg scale_max must not be NULL")));
	scale_max = PG_GETARG_INT32(2);
	if (!csat_scale_valid(scale_max))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("csat_agg scale_max %d is invalid", scale_max),
				 errhint("The scale runs from 1 to scale_max, which must be at least 2.")));
	if (PG_ARGISNULL(1))
		return state;
	score = PG_GETARG_INT32(1);
	if (c[0] > 0 && c[2] != scale_max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("csat_agg scale_max %d differs from %d used earlier in the group",
						scale_max, (int) c[2])));
	if (!csat_score_valid(score, scale_max))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("CSAT score %d is out of range", score),
				 errhint("Answers run from 1 to scale_max (%d).", scale_max)));
	if (direction < 0 && c[0] <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot remove CSAT score %d from an empty state", score)));
	c[0] += direction;
	if (csat_is_satisfied(score, scale_max))
		c[1] += direction;
	/* an emptied moving-window state forgets its scale */
	c[2] = c[0] > 0 ? scale_max : 0;
	return state;
}

Datum
csat_accum(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(csat_step(fcinfo, 1));
}

Datum
csat_accum_inv(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(csat_step(fcinfo, -1));
}

Datum
csat_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state = cxm_int8_state_arg(fcinfo, 0);
	int64	   *a = cxm_int8_state(state, CSAT_STATE_LEN, "csat_agg");
	int64	   *b = cxm_int8_state(PG_GETARG_ARRAYTYPE_P(1), CSAT_STATE_LEN, "csat_agg");

	if (b[0] > 0)
	{
		if (a[0] > 0 && a[2] != b[2])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("csat_agg scale_max " INT64_FORMAT " differs from " INT64_FORMAT " used elsewhere in the group",
							b[2], a[2])));
		a[0] += b[0];
		a[1] += b[1];
		a[2] = b[2];
	}
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
csat_final(PG_FUNCTION_ARGS)
{
	int64	   *c = cxm_int8_state(PG_GETARG_ARRAYTYPE_P(0), CSAT_STATE_LEN, "csat_agg");

	if (c[0] <= 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(csat_percent(c[1], c[0]));
}
