/*
 * stats.c
 *	  fmgr glue of welch_test (version 1.2), Welch's two-sample t test from
 *	  summary statistics; the arithmetic is cxm_welch in stats_core.c.  Used
 *	  by cxm.channel_mix_value (doc/views.md).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"

#include "cxm_core.h"
#include "stats_core.h"

PG_FUNCTION_INFO_V1(welch_test);

/*
 * welch_test(n1, mean1, var1, n2, mean2, var2, confidence) ->
 *   (difference, std_error, df, t, p_value, ci_low, ci_high)
 * The difference is mean1 - mean2.  Every field is NULL when there is no
 * test (a sample of fewer than two values, or no spread in either).
 */
Datum
welch_test(PG_FUNCTION_ARGS)
{
	int64		n1 = PG_GETARG_INT64(0);
	double		mean1 = PG_GETARG_FLOAT8(1);
	double		var1 = PG_GETARG_FLOAT8(2);
	int64		n2 = PG_GETARG_INT64(3);
	double		mean2 = PG_GETARG_FLOAT8(4);
	double		var2 = PG_GETARG_FLOAT8(5);
	double		level = PG_GETARG_FLOAT8(6);
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {true, true, true, true, true, true, true};
	CxmWelch	w;

	if (!(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence %g is out of range", level),
				 errhint("The confidence level lies strictly between 0 and 1, for example 0.95.")));
	if (n1 < 0 || n2 < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sample size %lld is negative", (long long) (n1 < 0 ? n1 : n2))));
	if ((n1 >= 2 && !(var1 >= 0)) || (n2 >= 2 && !(var2 >= 0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("variance %g is negative", !(var1 >= 0) ? var1 : var2)));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "welch_test must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (cxm_welch((double) n1, mean1, var1, (double) n2, mean2, var2, level, &w))
	{
		values[0] = Float8GetDatum(w.difference);
		values[1] = Float8GetDatum(w.std_error);
		values[2] = Float8GetDatum(w.df);
		values[3] = Float8GetDatum(w.t);
		values[4] = Float8GetDatum(w.p_value);
		values[5] = Float8GetDatum(w.ci_low);
		values[6] = Float8GetDatum(w.ci_high);
		memset(nulls, false, sizeof(nulls));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
