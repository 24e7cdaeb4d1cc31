/*
 * churn_rfm.c
 *	  The rfm(ts, amount, as_of, unit) aggregate: one customer's purchase log
 *	  summarised as (frequency, recency, t, monetary) in whole periods.
 *
 * A period is a calendar bucket of length `unit` in the session time zone:
 * '1 day' -> local dates, '1 week' -> ISO weeks (Monday to Sunday),
 * '1 month' -> calendar months; other units count whole units from the Unix
 * epoch: n months, n days (local dates) or a fixed length (days counted as
 * 24 hours).  A unit mixing months with days or time is rejected.
 *
 * State: the distinct periods with their summed amounts, kept as an array
 * that is sorted and merged whenever it fills up, so memory follows the
 * number of distinct periods.  Order of arrival does not matter.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "cxm.h"

#define RFM_STATE_VERSION 1

PG_FUNCTION_INFO_V1(rfm_accum);
PG_FUNCTION_INFO_V1(rfm_combine);
PG_FUNCTION_INFO_V1(rfm_serialize);
PG_FUNCTION_INFO_V1(rfm_deserialize);
PG_FUNCTION_INFO_V1(rfm_final);

typedef enum RfmUnitKind
{
	RFM_DAYS,					/* local dates, n days per period */
	RFM_WEEKS,					/* ISO weeks, n weeks per period */
	RFM_MONTHS,					/* calendar months, n per period */
	RFM_FIXED					/* fixed length in microseconds */
} RfmUnitKind;

typedef struct RfmPeriod
{
	int64		period;
	double		amount;
} RfmPeriod;

typedef struct RfmState
{
	bool		configured;		/* as_of and unit seen */
	TimestampTz as_of;
	Interval	unit;
	RfmUnitKind kind;
	int64		per;			/* days, weeks, months or microseconds */
	int			n;
	int			cap;
	RfmPeriod  *items;
} RfmState;

static void
rfm_set_unit(RfmState *st, Interval *unit)
{
	if (unit->month < 0 || unit->day < 0 || unit->time < 0 ||
		(unit->month == 0 && unit->day == 0 && unit->time == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unit must be a positive interval, got %s",
						DatumGetCString(DirectFunctionCall1(interval_out,
															IntervalPGetDatum(unit))))));
	if (unit->month > 0)
	{
		if (unit->day != 0 || unit->time != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unit must be whole months or a fixed length, got %s",
							DatumGetCString(DirectFunctionCall1(interval_out,
																IntervalPGetDatum(unit))))));
		st->kind = RFM_MONTHS;
		st->per = unit->month;
	}
	else if (unit->time == 0 && unit->day % 7 == 0)
	{
		st->kind = RFM_WEEKS;
		st->per = unit->day / 7;
	}
	else if (unit->time == 0)
	{
		st->kind = RFM_DAYS;
		st->per = unit->day;
	}
	else
	{
		st->kind = RFM_FIXED;
		st->per = unit->time + (int64) unit->day * USECS_PER_DAY;
	}
	st->unit = *unit;
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
	switch (st->kind)
	{
		case RFM_DAYS:
			{
				DateADT		d = DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
																	TimestampTzGetDatum(ts)));

				/* count from the Unix epoch, 1970-01-01 */
				return floor_div((int64) d + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE), st->per);
			}
		case RFM_WEEKS:
			{
				DateADT		d = DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
																	TimestampTzGetDatum(ts)));

				return floor_div(floor_div((int64) d - 2, 7), st->per);
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
				return floor_div((int64) (tm.tm_year - 1970) * 12 + tm.tm_mon - 1, st->per);
			}
		case RFM_FIXED:
			break;
	}
	return floor_div(ts + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY,
					 st->per);
}

static int
period_cmp(const void *a, const void *b)
{
	int64		x = ((const RfmPeriod *) a)->period;
	int64		y = ((const RfmPeriod *) b)->period;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/* sort and merge equal periods (amounts summed in period order) */
static void
rfm_compact(RfmState *st)
{
	int			i,
				out = 0;

	if (st->n == 0)
		return;
	qsort(st->items, st->n, sizeof(RfmPeriod), period_cmp);
	for (i = 1; i < st->n; i++)
	{
		if (st->items[i].period == st->items[out].period)
			st->items[out].amount += st->items[i].amount;
		else
			st->items[++out] = st->items[i];
	}
	st->n = out + 1;
}

static void
rfm_add(RfmState *st, int64 period, double amount)
{
	if (st->n == st->cap)
	{
		rfm_compact(st);
		if (st->n * 2 > st->cap)
		{
			st->cap *= 2;
			st->items = repalloc(st->items, sizeof(RfmPeriod) * st->cap);
		}
	}
	st->items[st->n].period = period;
	st->items[st->n].amount = amount;
	st->n++;
}

static RfmState *
rfm_state_new(MemoryContext cxt)
{
	RfmState   *st = MemoryContextAllocZero(cxt, sizeof(RfmState));

	st->cap = 16;
	st->items = MemoryContextAlloc(cxt, sizeof(RfmPeriod) * st->cap);
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

Datum
rfm_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	RfmState   *st;
	TimestampTz ts;
	double		amount;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "rfm_accum called in non-aggregate context");
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
	old = MemoryContextSwitchTo(aggcxt);
	rfm_add(st, rfm_period(st, ts), amount);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

Datum
rfm_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	RfmState   *a,
			   *b;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "rfm_combine called in non-aggregate context");
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
	rfm_configure(a, b->as_of, &b->unit);
	old = MemoryContextSwitchTo(aggcxt);
	for (i = 0; i < b->n; i++)
		rfm_add(a, b->items[i].period, b->items[i].amount);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/* version, configured, as_of, unit (month, day, time), n, then (period, amount) */
Datum
rfm_serialize(PG_FUNCTION_ARGS)
{
	RfmState   *st = (RfmState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			i;

	rfm_compact(st);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, RFM_STATE_VERSION);
	pq_sendbyte(&buf, st->configured ? 1 : 0);
	pq_sendint64(&buf, st->as_of);
	pq_sendint32(&buf, st->unit.month);
	pq_sendint32(&buf, st->unit.day);
	pq_sendint64(&buf, st->unit.time);
	pq_sendint32(&buf, st->n);
	for (i = 0; i < st->n; i++)
	{
		pq_sendint64(&buf, st->items[i].period);
		pq_sendfloat8(&buf, st->items[i].amount);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
rfm_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	RfmState   *st;
	int			version,
				n,
				i;
	bool		configured;
	TimestampTz as_of;
	Interval	unit;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "rfm_deserialize called in non-aggregate context");
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 1 + 1 + 8 + 4 + 4 + 8 + 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid rfm state: %d bytes is too short", buf.len)));
	version = pq_getmsgbyte(&buf);
	if (version != RFM_STATE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid rfm state: unknown version %d", version)));
	configured = pq_getmsgbyte(&buf) != 0;
	as_of = pq_getmsgint64(&buf);
	unit.month = pq_getmsgint(&buf, 4);
	unit.day = pq_getmsgint(&buf, 4);
	unit.time = pq_getmsgint64(&buf);
	n = pq_getmsgint(&buf, 4);
	if (n < 0 || buf.len - buf.cursor != (int64) n * 16)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid rfm state: %d periods do not fit in %d bytes",
						n, buf.len - buf.cursor)));
	st = rfm_state_new(aggcxt);
	if (configured)
		rfm_configure(st, as_of, &unit);
	for (i = 0; i < n; i++)
	{
		int64		period = pq_getmsgint64(&buf);
		double		amount = pq_getmsgfloat8(&buf);
		MemoryContext old = MemoryContextSwitchTo(aggcxt);

		rfm_add(st, period, amount);
		MemoryContextSwitchTo(old);
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

Datum
rfm_final(PG_FUNCTION_ARGS)
{
	RfmState   *st = PG_ARGISNULL(0) ? NULL : (RfmState *) PG_GETARG_POINTER(0);
	TupleDesc	tupdesc;
	Datum		d[4];
	bool		nulls[4] = {false, false, false, false};
	int64		first,
				last;
	double		total = 0.0;
	int			i;

	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();
	/* sorting and merging does not change what the state means */
	rfm_compact(st);
	first = st->items[0].period;
	last = st->items[st->n - 1].period;
	for (i = 1; i < st->n; i++)
		total += st->items[i].amount;
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	d[0] = Float8GetDatum((double) (st->n - 1));
	d[1] = Float8GetDatum((double) (last - first));
	d[2] = Float8GetDatum((double) (rfm_period(st, st->as_of) - first));
	d[3] = Float8GetDatum(st->n > 1 ? total / (st->n - 1) : 0.0);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, d, nulls)));
}
