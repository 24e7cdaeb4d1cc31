/*
 * rfm.c
 *	  fmgr glue of RFM (the maths in rfm_core.c): the rfm(ts, amount, as_of,
 *	  unit) aggregate, one customer's purchase log summarised as (frequency,
 *	  recency, t, monetary) in whole periods, and rfm_segment(r, f) (its C
 *	  symbol keeps the name churn_rfm_segment, which the catalog records).
 *
 * A period is a calendar bucket of length `unit` in the session time zone:
 * '1 day' -> local dates, '1 week' -> ISO weeks (Monday to Sunday),
 * '1 month' -> calendar months; other units count whole units from the Unix
 * epoch: n months, n days (local dates) or a fixed length (days counted as
 * 24 hours).  A unit mixing months with days or time is rejected.
 *
 * State (cxm.rfm_state, state_type.h): the distinct periods with their summed amounts, kept as an array
 * that is sorted and merged whenever it fills up, so memory follows the
 * number of distinct periods.  Amounts are summed exactly in millionths
 * (rfm_core.h), so order of arrival does not matter, not even in the last
 * bit: serial, parallel and distributed plans agree.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "cxm.h"
#include "rfm_core.h"
#include "state_type.h"

PG_FUNCTION_INFO_V1(churn_rfm_segment);

/*
 * A customer has a few purchase periods, most of them one to three: the
 * first RFM_LOCAL periods live in the state itself (items == local), so a
 * state is one allocation of 128 bytes instead of two of 64 and 256; a
 * grouping of a million buyers keeps half the memory and touches half the
 * pages (doc/churn.md, "The model step at 1,000,000 customers").
 */
#define RFM_LOCAL 4

typedef struct RfmState
{
	bool		configured;		/* as_of and unit seen */
	TimestampTz as_of;
	RfmUnit		unit;
	int			n;
	int			cap;
	RfmPeriod  *items;			/* local, or an array of cap periods */
	RfmPeriod	local[RFM_LOCAL];
} RfmState;

static void
rfm_set_unit(RfmState *st, Interval *unit)
{
	RfmUnitProblem p = rfm_unit_make(unit->month, unit->day, unit->time, &st->unit);
	char	   *text;

	if (p == RFM_UNIT_OK)
		return;
	text = DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(unit)));
	switch (p)
	{
		case RFM_UNIT_NOT_POSITIVE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unit must be a positive interval, got %s", text)));
			break;
		case RFM_UNIT_MIXED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unit must be whole months or a fixed length, got %s", text)));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unit is too long, got %s", text)));
	}
}

static int64
floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* the period number of ts */
static int64
rfm_period(RfmState *st, TimestampTz ts)
{
	/* days since 2000-01-01 of the local date; 2000-01-03 was a Monday */
	switch (st->unit.kind)
	{
		case RFM_DAYS:
			{
				DateADT		d = DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
																	TimestampTzGetDatum(ts)));

				/* count from the Unix epoch, 1970-01-01 */
				return floor_div((int64) d + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE), st->unit.per);
			}
		case RFM_WEEKS:
			{
				DateADT		d = DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
																	TimestampTzGetDatum(ts)));

				return floor_div(floor_div((int64) d - 2, 7), st->unit.per);
			}
		case RFM_MONTHS:
			{
				struct pg_tm tm;
				fsec_t		fsec;
				int			tz;

				if (timestamp2tm(ts, &tz, &tm, &fsec, NULL, NULL) != 0)
					ereport(ERROR,
							(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
							 errmsg("timestamp out of range")));
				return floor_div((int64) (tm.tm_year - 1970) * 12 + tm.tm_mon - 1, st->unit.per);
			}
		case RFM_FIXED:
			break;
	}
	return rfm_fixed_period(ts, st->unit.per);
}

static void
rfm_sum_too_large(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("rfm amounts sum to more than %g in absolute value",
					(double) PG_INT64_MAX / RFM_MICROS)));
}

/* sort and merge equal periods (amounts summed exactly) */
static void
rfm_compact(RfmState *st)
{
	int			n = rfm_periods_compact(st->items, st->n);

	if (n < 0)
		rfm_sum_too_large();
	st->n = n;
}

static void
rfm_add(RfmState *st, int64 period, int64 micros)
{
	if (st->n == st->cap)
	{
		rfm_compact(st);
		if (st->n * 2 > st->cap)
		{
			st->cap *= 2;
			if (st->items == st->local)
			{
				st->items = MemoryContextAlloc(GetMemoryChunkContext(st),
											   sizeof(RfmPeriod) * st->cap);
				memcpy(st->items, st->local, sizeof(RfmPeriod) * st->n);
			}
			else
				st->items = repalloc(st->items, sizeof(RfmPeriod) * st->cap);
		}
	}
	st->items[st->n].period = period;
	st->items[st->n].micros = micros;
	st->n++;
}

static RfmState *
rfm_state_new(MemoryContext cxt)
{
	RfmState   *st = MemoryContextAllocZero(cxt, sizeof(RfmState));

	st->cap = RFM_LOCAL;
	st->items = st->local;
	return st;
}

static void
rfm_configure(RfmState *st, TimestampTz as_of, Interval *unit)
{
	if (!st->configured)
	{
		st->as_of = as_of;
		rfm_set_unit(st, unit);
		st->configured = true;
		return;
	}
	if (st->as_of != as_of)
	{
		/* timestamptz_to_str returns a static buffer */
		char	   *first = pstrdup(timestamptz_to_str(st->as_of));
		char	   *second = pstrdup(timestamptz_to_str(as_of));

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of must be the same for every row of a group, got %s and %s",
						first, second)));
	}
	if (st->unit.month != unit->month || st->unit.day != unit->day ||
		st->unit.time != unit->time)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unit must be the same for every row of a group")));
}

static Datum
rfm_accum_impl(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	RfmState   *st;
	TimestampTz ts;
	double		amount;
	int64		micros;

	aggcxt = cxm_state_context(fcinfo, "rfm_accum");
	st = PG_ARGISNULL(0) ? NULL : (RfmState *) PG_GETARG_POINTER(0);
	if (st == NULL)
		st = rfm_state_new(aggcxt);
	if (PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of and unit must not be NULL")));
	rfm_configure(st, PG_GETARG_TIMESTAMPTZ(3), PG_GETARG_INTERVAL_P(4));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (ts > st->as_of || TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_POINTER(st);
	amount = DatumGetFloat8(DirectFunctionCall1(numeric_float8, PG_GETARG_DATUM(2)));
	if (!isfinite(amount))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("amount must be finite, got %g", amount)));
	if (!rfm_amount_micros(amount, &micros))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("amount %g is out of range for rfm", amount),
				 errdetail("Amounts are summed exactly in millionths; |amount| may be at most %g.",
						   RFM_MAX_AMOUNT)));
	old = MemoryContextSwitchTo(aggcxt);
	rfm_add(st, rfm_period(st, ts), micros);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

static Datum
rfm_combine_impl(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	RfmState   *a,
			   *b;
	int			i;

	aggcxt = cxm_state_context(fcinfo, "rfm_combine");
	a = PG_ARGISNULL(0) ? NULL : (RfmState *) PG_GETARG_POINTER(0);
	b = PG_ARGISNULL(1) ? NULL : (RfmState *) PG_GETARG_POINTER(1);
	if (b == NULL || !b->configured)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = rfm_state_new(aggcxt);
	{
		Interval	bunit;

		bunit.month = b->unit.month;
		bunit.day = b->unit.day;
		bunit.time = b->unit.time;
		rfm_configure(a, b->as_of, &bunit);
	}
	old = MemoryContextSwitchTo(aggcxt);
	for (i = 0; i < b->n; i++)
		rfm_add(a, b->items[i].period, b->items[i].micros);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/* the wire format of rfm_core.h, written by rfm_wire_write */
static bytea *
rfm_flatten(Datum d)
{
	RfmState   *st = (RfmState *) DatumGetPointer(d);
	RfmWireInfo h;
	WireWriter	w;

	rfm_compact(st);
	memset(&h, 0, sizeof(h));
	h.configured = st->configured ? 1 : 0;
	h.as_of = st->as_of;
	h.unit = st->unit;
	h.n = st->n;
	cxm_wire_begin(&w, RFM_WIRE_HEADER + (size_t) st->n * RFM_WIRE_ITEM);
	rfm_wire_write(&w, &h, st->items);
	return cxm_wire_bytea(&w);
}

/* checked completely by rfm_wire_check() before anything is read */
static Datum
rfm_expand(const char *bytes, size_t len, MemoryContext aggcxt)
{
	const unsigned char *data = (const unsigned char *) bytes;
	RfmWireInfo info;
	char		err[256];
	RfmState   *st;

	if (rfm_wire_check(data, len, &info, err, sizeof(err)) != CXM_OK)
		cxm_bad_state("rfm", err);
	st = MemoryContextAllocZero(aggcxt, sizeof(RfmState));
	st->configured = info.configured != 0;
	st->as_of = info.as_of;
	st->unit = info.unit;
	st->cap = Max(RFM_LOCAL, info.n);
	st->items = st->cap == RFM_LOCAL ? st->local : MemoryContextAlloc(aggcxt, sizeof(RfmPeriod) * st->cap);
	rfm_wire_decode(data, &info, st->items);
	st->n = info.n;
	return PointerGetDatum(st);
}

static const CxmStateDesc rfm_desc = CXM_STATE_DESC("rfm", rfm_flatten, rfm_expand);

static Datum
rfm_final_impl(PG_FUNCTION_ARGS)
{
	RfmState   *st = PG_ARGISNULL(0) ? NULL : (RfmState *) PG_GETARG_POINTER(0);
	TupleDesc	tupdesc;
	Datum		d[4];
	bool		nulls[4] = {false, false, false, false};
	RfmSummary	sum;

	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();
	/* sorting and merging does not change what the state means */
	rfm_compact(st);
	if (rfm_summarize(st->items, st->n, rfm_period(st, st->as_of), &sum) != CXM_OK)
		rfm_sum_too_large();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	d[0] = Float8GetDatum(sum.frequency);
	d[1] = Float8GetDatum(sum.recency);
	d[2] = Float8GetDatum(sum.t);
	d[3] = Float8GetDatum(sum.monetary);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, d, nulls)));
}

CXM_STATE_TYPE_IO(rfm_state, rfm_desc);
CXM_STATE_LEGACY(rfm_serialize, rfm_deserialize, rfm_desc);
CXM_STATE_TRANS(rfm_accum, rfm_accum_impl, rfm_desc, 1);
CXM_STATE_TRANS(rfm_combine, rfm_combine_impl, rfm_desc, 2);
CXM_STATE_FINAL(rfm_final, rfm_final_impl, rfm_desc);

/* rfm_segment(r_score, f_score): the segment name; 22003 outside 1..5 */
Datum
churn_rfm_segment(PG_FUNCTION_ARGS)
{
	int32		r = PG_GETARG_INT32(0);
	int32		f = PG_GETARG_INT32(1);
	const char *seg = rfm_segment(r, f);

	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("RFM scores must be between 1 and 5, got r_score %d and f_score %d", r, f)));
	PG_RETURN_TEXT_P(cstring_to_text(seg));
}
