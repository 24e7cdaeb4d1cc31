/*
 * funnel.c
 *	  fmgr glue of journey_funnel(ts, window, steps [, mode]) (contract
 *	  section 2).  The level DP lives in funnel_core.c.
 *
 * State (internal, in the aggregate context): the window, the mode, the
 * number of steps, the count of usable rows (non-NULL ts and steps) and, for
 * each row matching at least one step, its timestamp and matched steps
 * (FunnelRow; rows matching several steps keep their list in a pool).
 * Rows matching no step change no answer in any mode and are not stored.
 * Rows arrive in any order: the final function sorts them.  combine
 * concatenates; serial/deserial write a versioned, length-checked bytea.
 *
 * The window is reduced to microseconds the way PostgreSQL compares
 * intervals (interval_cmp_value: a month is 30 days, a day 24 hours), so
 * "ts - chain start <= window" holds exactly when the SQL comparison of the
 * two intervals does.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "cxm.h"
#include "funnel_core.h"

PG_FUNCTION_INFO_V1(journey_funnel_accum);
PG_FUNCTION_INFO_V1(journey_funnel_accum_mode);
PG_FUNCTION_INFO_V1(journey_funnel_combine);
PG_FUNCTION_INFO_V1(journey_funnel_serial);
PG_FUNCTION_INFO_V1(journey_funnel_deserial);
PG_FUNCTION_INFO_V1(journey_funnel_final);

#define FUNNEL_STATE_VERSION	1

/* 26 inline rows make the state 504 bytes: one 512-byte allocation chunk */
#define FUNNEL_INLINE_ROWS	26

/*
 * The fields every row touches come first, and a group's first rows live in
 * the same allocation: with many groups in a hash table each row's state
 * access is a cache miss, so the fewer lines a row touches the better.
 */
typedef struct FunnelState
{
	Interval	window_raw;		/* as first given; compared on every row */
	FunnelMode	mode;
	uint32		nsteps;			/* 0 until the first usable row */
	int64		nusable;		/* rows with non-NULL ts and steps */
	FunnelRow  *rows;			/* inline_rows until they overflow */
	Size		nrows;
	Size		rowcap;
	uint64		window;			/* microseconds, > 0 */
	uint32	   *pool;			/* steps of rows matching several; or NULL */
	Size		npool;
	Size		poolcap;
	FunnelRow	inline_rows[FUNNEL_INLINE_ROWS];
} FunnelState;

static char *
interval_text(const Interval *iv)
{
	return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)));
}

/*
 * The window in microseconds as PostgreSQL compares intervals
 * (funnel_window_span); ERROR 22023 unless positive.
 */
static uint64
funnel_window_usecs(const Interval *iv)
{
	uint64		usecs;

	if (funnel_window_span(iv->time, iv->day, iv->month, &usecs) != CXM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel window %s is not positive", interval_text(iv))));
	return usecs;
}

static FunnelState *
funnel_state_new(MemoryContext cxt)
{
	FunnelState *st = MemoryContextAllocZero(cxt, sizeof(FunnelState));

	st->rows = st->inline_rows;
	st->rowcap = FUNNEL_INLINE_ROWS;
	return st;
}

/* room for `rows` more rows and `steps` more pool entries */
static inline void
funnel_state_reserve(FunnelState *st, Size rows, Size steps)
{
	if (unlikely(st->nrows + rows > st->rowcap))
	{
		/* power-of-two byte sizes: no allocator rounding waste */
		Size		cap = Max(st->rows == st->inline_rows ? 64 : st->rowcap * 2,
							  st->nrows + rows);

		if (st->rows == st->inline_rows)
		{
			st->rows = MemoryContextAllocHuge(GetMemoryChunkContext(st),
											  sizeof(FunnelRow) * cap);
			memcpy(st->rows, st->inline_rows, sizeof(FunnelRow) * st->nrows);
		}
		else
			st->rows = repalloc_huge(st->rows, sizeof(FunnelRow) * cap);
		st->rowcap = cap;
	}
	if (unlikely(st->npool + steps > st->poolcap))
	{
		Size		cap = Max(Max(st->poolcap * 2, st->npool + steps), 16);

		if (st->pool == NULL)
			st->pool = MemoryContextAllocHuge(GetMemoryChunkContext(st),
											  sizeof(uint32) * cap);
		else
			st->pool = repalloc_huge(st->pool, sizeof(uint32) * cap);
		st->poolcap = cap;
	}
}

static void
funnel_check_mode(const FunnelState *st, FunnelMode mode)
{
	if (st->mode != mode)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel mode \"%s\" differs from \"%s\" used earlier in the group",
						funnel_mode_name(mode), funnel_mode_name(st->mode))));
}

static void
funnel_check_window(const FunnelState *st, uint64 window, const Interval *raw)
{
	if (st->window != window)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel window %s differs from %s used earlier in the group",
						interval_text(raw), interval_text(&st->window_raw))));
}

static void
funnel_check_nsteps(const FunnelState *st, uint32 nsteps)
{
	if (st->nsteps != 0 && nsteps != 0 && st->nsteps != nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel steps array length %u differs from %u used earlier in the group",
						nsteps, st->nsteps)));
}

/*
 * The transition of both aggregates; mode is the already parsed mode.  Not
 * strict: the state starts NULL, and NULL ts or steps skip the row while a
 * NULL window or mode is an error.
 */
static FunnelState *
funnel_accum(FunctionCallInfo fcinfo, FunnelMode mode)
{
	MemoryContext aggcxt;
	FunnelState *st;
	Interval   *iv;
	ArrayType  *arr;
	uint32		n,
				i,
				cnt,
				first;
	Size		base;
	const bool *data;
	const bits8 *nulls;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "journey_funnel_accum called in non-aggregate context");
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel window must not be NULL")));
	iv = PG_GETARG_INTERVAL_P(2);

	if (PG_ARGISNULL(0))
	{
		uint64		window = funnel_window_usecs(iv);

		st = funnel_state_new(aggcxt);
		st->mode = mode;
		st->window = window;
		st->window_raw = *iv;
	}
	else
	{
		st = (FunnelState *) PG_GETARG_POINTER(0);
		funnel_check_mode(st, mode);
		/* the usual case: the very same interval as before */
		if (iv->time != st->window_raw.time || iv->day != st->window_raw.day ||
			iv->month != st->window_raw.month)
			funnel_check_window(st, funnel_window_usecs(iv), iv);
	}

	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		return st;

	arr = PG_GETARG_ARRAYTYPE_P(3);
	if (ARR_NDIM(arr) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel steps array must not be empty")));
	if (ARR_NDIM(arr) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel steps must be a one-dimensional array, not %d-dimensional",
						ARR_NDIM(arr))));
	if (ARR_ELEMTYPE(arr) != BOOLOID)
		elog(ERROR, "journey_funnel steps must be a boolean array");
	n = (uint32) ARR_DIMS(arr)[0];
	if (st->nsteps == 0)
		st->nsteps = n;
	else
		funnel_check_nsteps(st, n);
	st->nusable++;

	/*
	 * Collect the matched steps.  The first one stays in a local variable
	 * (most rows match one step or none); the pool is touched only by rows
	 * matching several.
	 */
	data = (const bool *) ARR_DATA_PTR(arr);
	nulls = ARR_NULLBITMAP(arr);
	base = 0;
	first = 0;
	cnt = 0;
	for (i = 0; i < n; i++)
	{
		if (nulls != NULL && !(nulls[i >> 3] & (1 << (i & 7))))
			continue;			/* NULL counts as false */
		if (!*data++)
			continue;
		if (cnt == 0)
			first = i + 1;
		else
		{
			if (cnt == 1)
			{
				base = st->npool;
				if (unlikely(base > (Size) PG_UINT32_MAX - n))
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("journey_funnel group has too many rows matching several steps")));
				funnel_state_reserve(st, 0, n);
				st->pool[base] = first;
			}
			st->pool[base + cnt] = i + 1;
		}
		cnt++;
	}
	if (cnt > 0)
	{
		FunnelRow  *r;

		funnel_state_reserve(st, 1, 0);
		r = &st->rows[st->nrows++];
		r->ts = PG_GETARG_TIMESTAMPTZ(1);
		r->nmatch = cnt;
		if (cnt == 1)
			r->step = first;
		else
		{
			r->step = (uint32) base;
			st->npool += cnt;
		}
	}
	return st;
}

/* journey_funnel_accum(internal, timestamptz, interval, boolean[]) */
Datum
journey_funnel_accum(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(funnel_accum(fcinfo, FUNNEL_DEFAULT));
}

/* journey_funnel_accum(internal, timestamptz, interval, boolean[], text) */
Datum
journey_funnel_accum_mode(PG_FUNCTION_ARGS)
{
	text	   *t;
	FunnelMode	mode;

	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel mode must not be NULL")));
	t = PG_GETARG_TEXT_PP(4);
	if (!funnel_mode_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &mode))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown journey_funnel mode \"%s\"", text_to_cstring(t)),
				 errhint("Valid modes are default, strict_order, strict_deduplication and strict_increase.")));
	PG_RETURN_POINTER(funnel_accum(fcinfo, mode));
}

/* append b's rows to a (same mode, window and number of steps) */
static void
funnel_state_append(FunnelState *a, const FunnelState *b)
{
	Size		i,
				off;

	funnel_check_mode(a, b->mode);
	funnel_check_window(a, b->window, &b->window_raw);
	funnel_check_nsteps(a, b->nsteps);
	if (a->nsteps == 0)
		a->nsteps = b->nsteps;
	if (b->npool > (Size) PG_UINT32_MAX - a->npool)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("journey_funnel group has too many rows matching several steps")));
	funnel_state_reserve(a, b->nrows, b->npool);
	off = a->npool;
	if (b->npool > 0)
		memcpy(a->pool + off, b->pool, sizeof(uint32) * b->npool);
	a->npool += b->npool;
	for (i = 0; i < b->nrows; i++)
	{
		FunnelRow	r = b->rows[i];

		if (r.nmatch > 1)
			r.step += (uint32) off;
		a->rows[a->nrows++] = r;
	}
	a->nusable += b->nusable;
}

Datum
journey_funnel_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	FunnelState *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "journey_funnel_combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (FunnelState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		/* copy b into the aggregate context */
		a = funnel_state_new(aggcxt);
		a->mode = b->mode;
		a->window = b->window;
		a->window_raw = b->window_raw;
		a->nsteps = b->nsteps;
	}
	else
		a = (FunnelState *) PG_GETARG_POINTER(0);
	funnel_state_append(a, b);
	PG_RETURN_POINTER(a);
}

/*
 * Serialized state: version byte, mode byte, nsteps int4, window int8,
 * window as given (time int8, day int4, month int4), nusable int8, nrows
 * int8, then per row ts int8, nmatch int4 and nmatch ascending steps int4.
 */
Datum
journey_funnel_serial(PG_FUNCTION_ARGS)
{
	FunnelState *st = (FunnelState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	Size		i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, FUNNEL_STATE_VERSION);
	pq_sendbyte(&buf, (uint8) st->mode);
	pq_sendint32(&buf, st->nsteps);
	pq_sendint64(&buf, (int64) st->window);
	pq_sendint64(&buf, st->window_raw.time);
	pq_sendint32(&buf, st->window_raw.day);
	pq_sendint32(&buf, st->window_raw.month);
	pq_sendint64(&buf, st->nusable);
	pq_sendint64(&buf, (int64) st->nrows);
	for (i = 0; i < st->nrows; i++)
	{
		const FunnelRow *r = &st->rows[i];

		pq_sendint64(&buf, r->ts);
		pq_sendint32(&buf, r->nmatch);
		if (r->nmatch == 1)
			pq_sendint32(&buf, r->step);
		else
		{
			uint32		k;

			for (k = 0; k < r->nmatch; k++)
				pq_sendint32(&buf, st->pool[r->step + k]);
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
funnel_bad_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid journey_funnel state"),
			 errdetail("%s", detail)));
}

/* the layout is funnel_core.h's; so is the bound on nsteps */
StaticAssertDecl(FUNNEL_STATE_VERSION == FUNNEL_WIRE_VERSION,
				 "journey_funnel_serial writes the wire format of funnel_core.h");
StaticAssertDecl(FUNNEL_MAX_STEPS == MaxArraySize,
				 "FUNNEL_MAX_STEPS must be MaxArraySize");

/*
 * journey_funnel_deserial(bytea, internal).  funnel_wire_check() checks
 * every length and value first: a damaged state ends in an ERROR, never in
 * a crash or a wrong answer.  Then the state is allocated once and read.
 */
Datum
journey_funnel_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const unsigned char *buf = (const unsigned char *) VARDATA_ANY(in);
	size_t		len = VARSIZE_ANY_EXHDR(in);
	FunnelWireInfo info;
	FunnelState *st;
	char		msg[160];

	if (funnel_wire_check(buf, len, &info, msg, sizeof(msg)) != CXM_OK)
		funnel_bad_state(msg);
	st = funnel_state_new(CurrentMemoryContext);
	st->mode = info.mode;
	st->nsteps = info.nsteps;
	st->window = info.window;
	st->window_raw.time = info.window_time;
	st->window_raw.day = info.window_day;
	st->window_raw.month = info.window_month;
	st->nusable = info.nusable;
	funnel_state_reserve(st, info.nrows, info.npool);
	funnel_wire_decode(buf, len, &info, st->rows, st->pool);
	st->nrows = info.nrows;
	st->npool = info.npool;
	PG_RETURN_POINTER(st);
}

Datum
journey_funnel_final(PG_FUNCTION_ARGS)
{
	FunnelState *st;
	CxmAlloc	alloc;
	uint32		level;
	char		msg[256];

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (FunnelState *) PG_GETARG_POINTER(0);
	if (st->nusable == 0)
		PG_RETURN_NULL();
	alloc = cxm_allocator(CurrentMemoryContext);
	/* sorting the rows in place leaves the state's content unchanged */
	if (funnel_level(st->rows, st->nrows, st->pool, st->npool, st->nsteps,
					 st->window, st->mode, &alloc, &level, msg, sizeof(msg)) != CXM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel: %s", msg)));
	PG_RETURN_INT32((int32) level);
}
