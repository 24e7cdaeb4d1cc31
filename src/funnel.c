/*
 * funnel.c
 *	  fmgr glue of journey_funnel(ts, window, steps [, mode])
 *	  (doc/funnels.md).  The level DP lives in funnel_core.c.
 *
 * State (cxm.funnel_state, state_type.h): the window, the mode, the number of steps, the count of
 * usable rows (non-NULL ts and steps) and, for each row matching at least
 * one step, its timestamp and matched steps (FunnelRow; rows matching
 * several steps keep their list in a pool).  Rows matching no step change
 * no answer in any mode and are not stored.  Rows arrive in any order: the
 * final function sorts them.  combine concatenates; the flat form is a
 * versioned, length-checked byte string.  In hash aggregation the rows of every
 * group go to one row log shared by the node (rowlog.h; FunnelShared
 * below); elsewhere each group has its own FunnelState in the aggregate
 * context.
 *
 * The window is reduced to microseconds the way PostgreSQL compares
 * intervals (interval_cmp_value: a month is 30 days, a day 24 hours), so
 * "ts - chain start <= window" holds exactly when the SQL comparison of the
 * two intervals does.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "cxm.h"
#include "funnel_core.h"
#include "rowlog.h"
#include "state_type.h"


/* 26 inline rows make the state 504 bytes: one 512-byte allocation chunk */
#define FUNNEL_INLINE_ROWS	26

/* the steps of rows matching several: a growing array of uint32 */
typedef struct FunnelPool
{
	uint32	   *v;				/* or NULL */
	Size		n;
	Size		cap;
} FunnelPool;

/*
 * A group's own state (sorted or plain grouping, window use).  The fields
 * every row touches come first, and a group's first rows live in the same
 * allocation.
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
	FunnelPool	pool;			/* the steps of rows matching several */
	FunnelRow	inline_rows[FUNNEL_INLINE_ROWS];
} FunnelState;

/*
 * In hash aggregation a group is a slot of the node's shared row log
 * (rowlog.h), its state a tagged Datum whose own bits say which
 * FunnelParams it uses and whether it had a usable row: the window, mode
 * and number of steps are nearly always the same for every group, so the
 * log keeps each distinct combination once.  The bits are 0 for the usual
 * group, which had a usable row and uses the log's common params (those of
 * the first group that had one), and otherwise (params id + 1) << 1 | usable:
 * while every group is usual the log keeps no per-slot bits at all, and a
 * row reads nothing of its group's (funnel_group_*).  A log entry's value is
 * the matched step, or FUNNEL_MULTI | the offset in the log's pool of a
 * count followed by the steps of a row matching several.
 */
typedef struct FunnelParams
{
	Interval	window_raw;		/* as first given */
	uint64		window;
	FunnelMode	mode;
	uint32		nsteps;			/* 0: no usable row yet */
} FunnelParams;

typedef struct FunnelShared
{
	FunnelParams *params;
	uint32		nparams;
	uint32		cap;
	uint32		last;			/* the params found last */
	uint32		common;			/* the usual group's params; FUNNEL_NO_COMMON */
	FunnelPool	pool;
	MemoryContext cxt;

	/*
	 * Every group's level, computed at the first final call after the log
	 * was grouped (funnel_log_levels): -1 for a group without usable rows.
	 */
	int32	   *levels;
	uint64		levels_gen;		/* the log's generation they are of */
} FunnelShared;

#define FUNNEL_MULTI		0x80000000u

StaticAssertDecl(sizeof(FunnelRow) == sizeof(RowLogEntry) &&
				 offsetof(FunnelRow, ts) == offsetof(RowLogEntry, ts),
				 "a log entry must turn into a funnel row in place");
#define FUNNEL_MAX_PARAMS	((1u << (CXM_LOG_USER_BITS - 1)) - 1)
#define FUNNEL_NO_COMMON	PG_UINT32_MAX

/* any state, as the final, serial and combine functions read it */
typedef struct FunnelView
{
	const Interval *window_raw;
	uint64		window;
	FunnelMode	mode;
	uint32		nsteps;
	int64		nusable;
	FunnelRow  *rows;
	Size		nrows;
	const uint32 *pool;
	Size		npool;
} FunnelView;

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

/* room for `more` entries in a pool living in cxt */
static inline void
funnel_pool_reserve(FunnelPool *pool, Size more, MemoryContext cxt)
{
	if (unlikely(pool->n + more > pool->cap))
	{
		Size		cap = Max(Max(pool->cap * 2, pool->n + more), 16);

		if (pool->v == NULL)
			pool->v = MemoryContextAllocHuge(cxt, sizeof(uint32) * cap);
		else
			pool->v = repalloc_huge(pool->v, sizeof(uint32) * cap);
		pool->cap = cap;
	}
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
	funnel_pool_reserve(&st->pool, steps, GetMemoryChunkContext(st));
}

static void
funnel_check_mode(FunnelMode have, FunnelMode mode)
{
	if (have != mode)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel mode \"%s\" differs from \"%s\" used earlier in the group",
						funnel_mode_name(mode), funnel_mode_name(have))));
}

static void
funnel_check_window(uint64 have, const Interval *have_raw, uint64 window, const Interval *raw)
{
	if (have != window)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel window %s differs from %s used earlier in the group",
						interval_text(raw), interval_text(have_raw))));
}

/* a row's window against the group's: the usual case is the very same interval */
static inline void
funnel_check_row_window(uint64 have, const Interval *have_raw, const Interval *iv)
{
	if (iv->time != have_raw->time || iv->day != have_raw->day ||
		iv->month != have_raw->month)
		funnel_check_window(have, have_raw, funnel_window_usecs(iv), iv);
}

static void
funnel_check_nsteps(uint32 have, uint32 nsteps)
{
	if (have != 0 && nsteps != 0 && have != nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel steps array length %u differs from %u used earlier in the group",
						nsteps, have)));
}

static void
funnel_too_many_multi(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("journey_funnel group has too many rows matching several steps")));
}

/* the steps argument, checked; its length in *n */
static ArrayType *
funnel_steps_arg(FunctionCallInfo fcinfo, uint32 *n)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(3);

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
	*n = (uint32) ARR_DIMS(arr)[0];
	return arr;
}

/*
 * The steps a row matches: returns how many, the first in *first.  The
 * steps of a row matching several go to pool at *base (after a count word
 * when `counted`); the pool's length is left to the caller.  The first one
 * stays in a local variable (most rows match one step or none): the pool is
 * touched only by rows matching several.  Offsets stay below `limit`.
 */
static inline uint32
funnel_match(ArrayType *arr, uint32 n, FunnelPool *pool, MemoryContext cxt,
			 bool counted, Size limit, uint32 *first, Size *base)
{
	const bool *data = (const bool *) ARR_DATA_PTR(arr);
	const bits8 *nulls = ARR_NULLBITMAP(arr);
	uint32		i,
				cnt = 0;

	*first = 0;
	*base = 0;
	for (i = 0; i < n; i++)
	{
		if (nulls != NULL && !(nulls[i >> 3] & (1 << (i & 7))))
			continue;			/* NULL counts as false */
		if (!*data++)
			continue;
		if (cnt == 0)
			*first = i + 1;
		else
		{
			if (cnt == 1)
			{
				*base = pool->n;
				if (unlikely(*base > limit - n - counted))
					funnel_too_many_multi();
				funnel_pool_reserve(pool, (Size) n + 1, cxt);
				pool->v[*base + counted] = *first;
			}
			pool->v[*base + counted + cnt] = i + 1;
		}
		cnt++;
	}
	if (counted && cnt > 1)
		pool->v[*base] = cnt;
	return cnt;
}

/* a usable row of a group's own state */
static void
funnel_own_row(FunnelState *st, ArrayType *arr, uint32 n, TimestampTz ts)
{
	uint32		cnt,
				first;
	Size		base;

	if (st->nsteps == 0)
		st->nsteps = n;
	else
		funnel_check_nsteps(st->nsteps, n);
	st->nusable++;
	cnt = funnel_match(arr, n, &st->pool, GetMemoryChunkContext(st), false,
					   PG_UINT32_MAX, &first, &base);
	if (cnt > 0)
	{
		FunnelRow  *r;

		funnel_state_reserve(st, 1, 0);
		r = &st->rows[st->nrows++];
		r->ts = ts;
		r->nmatch = cnt;
		if (cnt == 1)
			r->step = first;
		else
		{
			r->step = (uint32) base;
			st->pool.n += cnt;
		}
	}
}

/* the id of params (mode, window, nsteps) in the log, added if new; -1 when full */
static int
funnel_params_id(FunnelShared *fs, FunnelMode mode, const Interval *raw, uint64 window,
				 uint32 nsteps)
{
	uint32		i;
	FunnelParams *p;

	for (i = 0; i < fs->nparams; i++)
	{
		uint32		k = (fs->last + i) % fs->nparams;

		p = &fs->params[k];
		if (p->mode == mode && p->nsteps == nsteps && p->window == window &&
			p->window_raw.time == raw->time && p->window_raw.day == raw->day &&
			p->window_raw.month == raw->month)
		{
			fs->last = k;
			return (int) k;
		}
	}
	if (fs->nparams == FUNNEL_MAX_PARAMS)
		return -1;
	if (fs->nparams == fs->cap)
	{
		fs->cap = Min(Max(fs->cap * 2, 4), FUNNEL_MAX_PARAMS);
		fs->params = fs->params == NULL
			? MemoryContextAlloc(fs->cxt, fs->cap * sizeof(FunnelParams))
			: repalloc(fs->params, fs->cap * sizeof(FunnelParams));
	}
	p = &fs->params[fs->nparams];
	p->window_raw = *raw;
	p->window = window;
	p->mode = mode;
	p->nsteps = nsteps;
	fs->last = fs->nparams;
	return (int) fs->nparams++;
}

/* a group's params id and whether it had a usable row, from its bits */
static inline uint32
funnel_group_pid(const FunnelShared *fs, Datum d)
{
	uint32		u = cxm_log_group_user(d);

	return u == 0 ? fs->common : (u >> 1) - 1;
}

static inline bool
funnel_group_usable(Datum d)
{
	uint32		u = cxm_log_group_user(d);

	return u == 0 || (u & 1) != 0;
}

/* the group d with params pid and usable as given */
static inline Datum
funnel_group_set(FunnelShared *fs, Datum d, uint32 pid, bool usable)
{
	if (usable && fs->common == FUNNEL_NO_COMMON)
		fs->common = pid;
	return cxm_log_group_with_user(d, usable && pid == fs->common ? 0
								   : ((pid + 1) << 1) | (usable ? 1 : 0));
}

static FunnelState *
funnel_own_state(MemoryContext cxt, FunnelMode mode, const Interval *raw, uint64 window,
				 uint32 nsteps)
{
	FunnelState *st = funnel_state_new(cxt);

	st->mode = mode;
	st->window = window;
	st->window_raw = *raw;
	st->nsteps = nsteps;
	return st;
}

/*
 * A new group: in hash aggregation a slot of the shared log (unless the log
 * already holds FUNNEL_MAX_PARAMS different windows), else its own state.
 */
static Datum
funnel_new_group(FunctionCallInfo fcinfo, MemoryContext aggcxt, FunnelMode mode,
				 const Interval *raw, uint64 window, uint32 nsteps)
{
	CxmSharedLog *sl = cxm_shared_log(fcinfo, aggcxt);
	int			pid;

	if (sl != NULL)
	{
		FunnelShared *fs = (FunnelShared *) sl->user;

		if (fs == NULL)
		{
			fs = MemoryContextAllocZero(aggcxt, sizeof(FunnelShared));
			fs->cxt = aggcxt;
			fs->common = FUNNEL_NO_COMMON;
			sl->user = fs;
		}
		pid = funnel_params_id(fs, mode, raw, window, nsteps);
		if (pid >= 0)
			return funnel_group_set(fs, cxm_log_new_group(sl, 0, "journey_funnel"),
									(uint32) pid, false);
	}
	return PointerGetDatum(funnel_own_state(aggcxt, mode, raw, window, nsteps));
}

static inline const FunnelParams *
funnel_log_params(const CxmSharedLog *sl, Datum d)
{
	const FunnelShared *fs = (const FunnelShared *) sl->user;

	return &fs->params[funnel_group_pid(fs, d)];
}

/*
 * A group of the log gets its number of steps (at its first usable row):
 * new params, or, when the log holds too many, its own state (it has no
 * rows in the log yet: rows are logged only once usable).
 */
static Datum
funnel_log_set_nsteps(CxmSharedLog *sl, Datum d, uint32 nsteps)
{
	FunnelShared *fs = (FunnelShared *) sl->user;
	FunnelParams p = *funnel_log_params(sl, d);
	int			pid = funnel_params_id(fs, p.mode, &p.window_raw, p.window, nsteps);

	if (pid >= 0)
		return funnel_group_set(fs, d, (uint32) pid, funnel_group_usable(d));
	return PointerGetDatum(funnel_own_state(fs->cxt, p.mode, &p.window_raw, p.window, nsteps));
}

/* append a row matching `cnt` steps to a group of the log */
static inline void
funnel_log_append(CxmSharedLog *sl, Datum d, TimestampTz ts, uint32 cnt, uint32 first,
				  Size base)
{
	uint32		val = cnt == 1 ? first : (FUNNEL_MULTI | (uint32) base);

	if (cnt > 1)
		((FunnelShared *) sl->user)->pool.n += (Size) cnt + 1;
	if (unlikely(rowlog_append(sl->log, cxm_log_group_slot(d), val, ts) != CXM_OK))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("journey_funnel cannot keep more rows in one hash table")));
}

/*
 * The transition of both aggregates; mode is the already parsed mode.  Not
 * strict: the state starts NULL, and NULL ts or steps skip the row while a
 * NULL window or mode is an error.
 */
static Datum
funnel_accum(FunctionCallInfo fcinfo, FunnelMode mode)
{
	MemoryContext aggcxt;
	Datum		d;
	Interval   *iv;
	ArrayType  *arr;
	uint32		n;
	bool		fresh = PG_ARGISNULL(0);

	aggcxt = cxm_agg_context(fcinfo, "journey_funnel_accum");
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel window must not be NULL")));
	iv = PG_GETARG_INTERVAL_P(2);
	d = fresh ? funnel_new_group(fcinfo, aggcxt, mode, iv, funnel_window_usecs(iv), 0)
		: PG_GETARG_DATUM(0);

	if (likely(cxm_log_is_group(d)))
	{
		CxmSharedLog *sl = cxm_log_of(fcinfo, d);
		const FunnelParams *p = funnel_log_params(sl, d);
		FunnelShared *fs;
		uint32		cnt,
					first;
		Size		base;

		funnel_check_mode(p->mode, mode);
		funnel_check_row_window(p->window, &p->window_raw, iv);
		if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
			return d;
		arr = funnel_steps_arg(fcinfo, &n);
		if (unlikely(p->nsteps == 0))
		{
			d = funnel_log_set_nsteps(sl, d, n);
			if (!cxm_log_is_group(d))
			{
				funnel_own_row((FunnelState *) DatumGetPointer(d), arr, n,
							   PG_GETARG_TIMESTAMPTZ(1));
				return d;
			}
		}
		else
			funnel_check_nsteps(p->nsteps, n);
		fs = (FunnelShared *) sl->user;
		if (unlikely(cxm_log_group_user(d) != 0))
			d = funnel_group_set(fs, d, funnel_group_pid(fs, d), true);
		cnt = funnel_match(arr, n, &fs->pool, fs->cxt, true, FUNNEL_MULTI, &first, &base);
		if (cnt > 0)
			funnel_log_append(sl, d, PG_GETARG_TIMESTAMPTZ(1), cnt, first, base);
		return d;
	}
	else
	{
		FunnelState *st = (FunnelState *) DatumGetPointer(d);

		if (!fresh)
		{
			funnel_check_mode(st->mode, mode);
			funnel_check_row_window(st->window, &st->window_raw, iv);
		}
		if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
			return d;
		arr = funnel_steps_arg(fcinfo, &n);
		funnel_own_row(st, arr, n, PG_GETARG_TIMESTAMPTZ(1));
		return d;
	}
}

/*
 * The n entries of a group of the log as rows (room for n given); the steps
 * of rows matching several go to pool (in the current context).
 */
static void
funnel_log_rows(const CxmSharedLog *sl, uint32 slot, Size n, FunnelRow *rows, FunnelPool *pool)
{
	const FunnelShared *fs = (const FunnelShared *) sl->user;
	const RowLogEntry *e;
	Size		i;

	/* the entries may be copied into the rows, then turned into rows in place */
	e = rowlog_group(sl->log, slot, (RowLogEntry *) rows);
	for (i = 0; i < n; i++)
	{
		FunnelRow  *r = &rows[i];
		uint32		val = e[i].val;

		r->ts = e[i].ts;
		if (val & FUNNEL_MULTI)
		{
			const uint32 *src = fs->pool.v + (val & ~FUNNEL_MULTI);

			r->nmatch = src[0];
			r->step = (uint32) pool->n;
			funnel_pool_reserve(pool, src[0], CurrentMemoryContext);
			memcpy(pool->v + pool->n, src + 1, sizeof(uint32) * src[0]);
			pool->n += src[0];
		}
		else
		{
			r->nmatch = 1;
			r->step = val;
		}
	}
}

/*
 * Any state as a view.  A group of the log gets its rows (and the steps of
 * its rows matching several) copied out, palloc'd in the current context;
 * its nusable only says whether it had usable rows (the log keeps no
 * count): the number of rows kept, or 1 when none matched.
 */
static void
funnel_view(Datum d, FunnelView *v)
{
	if (!cxm_log_is_group(d))
	{
		FunnelState *st = (FunnelState *) DatumGetPointer(d);

		v->window_raw = &st->window_raw;
		v->window = st->window;
		v->mode = st->mode;
		v->nsteps = st->nsteps;
		v->nusable = st->nusable;
		v->rows = st->rows;
		v->nrows = st->nrows;
		v->pool = st->pool.v;
		v->npool = st->pool.n;
	}
	else
	{
		CxmSharedLog *sl = cxm_log_lookup(d);
		const FunnelParams *p = funnel_log_params(sl, d);
		FunnelPool	pool = {NULL, 0, 0};
		Size		n;

		rowlog_index(sl->log);
		n = rowlog_group_size(sl->log, cxm_log_group_slot(d));
		v->window_raw = &p->window_raw;
		v->window = p->window;
		v->mode = p->mode;
		v->nsteps = p->nsteps;
		v->rows = palloc(Max(n, 1) * sizeof(FunnelRow));
		funnel_log_rows(sl, cxm_log_group_slot(d), n, v->rows, &pool);
		v->nrows = n;
		v->pool = pool.v;
		v->npool = pool.n;
		v->nusable = funnel_group_usable(d) ? (int64) Max(n, 1) : 0;
	}
}

/* the level of rows as funnel_level finds it; ERROR 22023 if they are invalid */
static uint32
funnel_level_of(FunnelRow *rows, Size nrows, const uint32 *pool, Size npool, uint32 nsteps,
				uint64 window, FunnelMode mode)
{
	CxmAlloc	alloc = cxm_allocator(CurrentMemoryContext);
	uint32		level;
	char		msg[256];

	if (funnel_level(rows, nrows, pool, npool, nsteps, window, mode, &alloc, &level,
					 msg, sizeof(msg)) != CXM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_funnel: %s", msg)));
	return level;
}

/*
 * The level of every group of the log (-1: no usable row), at the first
 * final call after the log was grouped.  The groups come in the log's
 * order, so their entries are read sequentially, where the final calls,
 * one group at a time in the hash table's order, would each start with a
 * cache miss (doc/funnels.md, "Benchmark").  Groups with a state of their
 * own have no entries, and their final calls do not look here.
 */
static void
funnel_log_levels(CxmSharedLog *sl)
{
	FunnelShared *fs = (FunnelShared *) sl->user;
	RowLog	   *log = sl->log;
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "journey_funnel levels",
											   ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(work);
	FunnelRow  *rows = NULL;
	Size		cap = 0;
	uint32		b,
				s;

	if (fs->levels != NULL)
		pfree(fs->levels);
	fs->levels = MemoryContextAllocHuge(fs->cxt, Max((Size) log->nslots, 1) * sizeof(int32));
	for (b = 0; b < ROWLOG_BUCKETS; b++)
		for (s = b; s < log->nslots; s += ROWLOG_BUCKETS)
		{
			uint16		bits = rowlog_user(log, s);
			const FunnelParams *p;
			FunnelPool	pool = {NULL, 0, 0};
			Size		n;

			if ((bits & ROWLOG_USER_OWN) != 0 || (bits != 0 && (bits & 1) == 0))
			{
				fs->levels[s] = -1;
				continue;
			}
			p = &fs->params[bits == 0 ? fs->common : (uint32) (bits >> 1) - 1];
			n = rowlog_group_size(log, s);
			if (n > cap)
			{
				cap = Max(n, 2 * cap);
				rows = MemoryContextAllocHuge(work,
											  cap * sizeof(FunnelRow));
			}
			funnel_log_rows(sl, s, n, rows, &pool);
			fs->levels[s] = (int32) funnel_level_of(rows, n, pool.v, pool.n, p->nsteps,
													p->window, p->mode);
			if (pool.v != NULL)
				pfree(pool.v);
		}
	fs->levels_gen = log->generation;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
}

/* journey_funnel_accum(funnel_state, timestamptz, interval, boolean[]) */
static Datum
funnel_accum_default(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(funnel_accum(fcinfo, FUNNEL_DEFAULT));
}

/* journey_funnel_accum(funnel_state, timestamptz, interval, boolean[], text) */
static Datum
funnel_accum_mode(PG_FUNCTION_ARGS)
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
	PG_RETURN_DATUM(funnel_accum(fcinfo, mode));
}

/* b's mode, window and number of steps against a's */
static void
funnel_check_combine(FunnelMode mode, uint64 window, const Interval *raw, uint32 nsteps,
					 const FunnelView *b)
{
	funnel_check_mode(mode, b->mode);
	funnel_check_window(window, raw, b->window, b->window_raw);
	funnel_check_nsteps(nsteps, b->nsteps);
}

/* append b's rows to a group's own state (same mode, window and number of steps) */
static void
funnel_state_append(FunnelState *a, const FunnelView *b)
{
	Size		i,
				off;

	funnel_check_combine(a->mode, a->window, &a->window_raw, a->nsteps, b);
	if (a->nsteps == 0)
		a->nsteps = b->nsteps;
	if (b->npool > (Size) PG_UINT32_MAX - a->pool.n)
		funnel_too_many_multi();
	funnel_state_reserve(a, b->nrows, b->npool);
	off = a->pool.n;
	if (b->npool > 0)
		memcpy(a->pool.v + off, b->pool, sizeof(uint32) * b->npool);
	a->pool.n += b->npool;
	for (i = 0; i < b->nrows; i++)
	{
		FunnelRow	r = b->rows[i];

		if (r.nmatch > 1)
			r.step += (uint32) off;
		a->rows[a->nrows++] = r;
	}
	a->nusable += b->nusable;
}

/* append b's rows to a group of the log; the group's new Datum */
static Datum
funnel_log_combine(CxmSharedLog *sl, Datum a, const FunnelView *b)
{
	const FunnelParams *p = funnel_log_params(sl, a);
	FunnelShared *fs = (FunnelShared *) sl->user;
	Size		i;

	funnel_check_combine(p->mode, p->window, &p->window_raw, p->nsteps, b);
	if (p->nsteps == 0 && b->nsteps != 0)
	{
		a = funnel_log_set_nsteps(sl, a, b->nsteps);
		if (!cxm_log_is_group(a))
		{
			funnel_state_append((FunnelState *) DatumGetPointer(a), b);
			return a;
		}
	}
	if (b->nusable > 0 && cxm_log_group_user(a) != 0)
		a = funnel_group_set(fs, a, funnel_group_pid(fs, a), true);
	for (i = 0; i < b->nrows; i++)
	{
		const FunnelRow *r = &b->rows[i];
		Size		base = 0;

		if (r->nmatch > 1)
		{
			base = fs->pool.n;
			if (base > FUNNEL_MULTI - (Size) r->nmatch - 1)
				funnel_too_many_multi();
			funnel_pool_reserve(&fs->pool, (Size) r->nmatch + 1, fs->cxt);
			fs->pool.v[base] = r->nmatch;
			memcpy(fs->pool.v + base + 1, b->pool + r->step, sizeof(uint32) * r->nmatch);
		}
		funnel_log_append(sl, a, r->ts, r->nmatch, r->step, base);
	}
	return a;
}

static Datum
funnel_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	Datum		a;
	FunnelView	b;

	aggcxt = cxm_agg_context(fcinfo, "journey_funnel_combine");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	funnel_view(PG_GETARG_DATUM(1), &b);
	a = PG_ARGISNULL(0)
		? funnel_new_group(fcinfo, aggcxt, b.mode, b.window_raw, b.window, b.nsteps)
		: PG_GETARG_DATUM(0);
	if (cxm_log_is_group(a))
		PG_RETURN_DATUM(funnel_log_combine(cxm_log_of(fcinfo, a), a, &b));
	funnel_state_append((FunnelState *) DatumGetPointer(a), &b);
	PG_RETURN_DATUM(a);
}

/* the wire format of funnel_core.h, written by funnel_wire_write */
static bytea *
funnel_flatten(Datum d)
{
	FunnelView	v;
	FunnelWireInfo h;
	WireWriter	w;

	funnel_view(d, &v);
	memset(&h, 0, sizeof(h));
	h.mode = v.mode;
	h.nsteps = v.nsteps;
	h.window = v.window;
	h.window_time = v.window_raw->time;
	h.window_day = v.window_raw->day;
	h.window_month = v.window_raw->month;
	h.nusable = v.nusable;
	h.nrows = v.nrows;
	cxm_wire_begin(&w, FUNNEL_WIRE_HEADER + v.nrows * FUNNEL_WIRE_MIN_ROW + v.npool * 4);
	funnel_wire_write(&w, &h, v.rows, v.pool);
	return cxm_wire_bytea(&w);
}

/* the bound on nsteps is MaxArraySize */
StaticAssertDecl(FUNNEL_MAX_STEPS == MaxArraySize,
				 "FUNNEL_MAX_STEPS must be MaxArraySize");

/*
 * A state read from wire bytes.  funnel_wire_check() checks every length
 * and value first: a damaged state ends in an ERROR, never in a crash or a
 * wrong answer.  Then the state is allocated once and read.
 */
static Datum
funnel_expand(const char *data, size_t len, MemoryContext cxt)
{
	const unsigned char *buf = (const unsigned char *) data;
	FunnelWireInfo info;
	FunnelState *st;
	char		msg[160];

	if (funnel_wire_check(buf, len, &info, msg, sizeof(msg)) != CXM_OK)
		cxm_bad_state("journey_funnel", msg);
	st = funnel_state_new(cxt);
	st->mode = info.mode;
	st->nsteps = info.nsteps;
	st->window = info.window;
	st->window_raw.time = info.window_time;
	st->window_raw.day = info.window_day;
	st->window_raw.month = info.window_month;
	st->nusable = info.nusable;
	funnel_state_reserve(st, info.nrows, info.npool);
	funnel_wire_decode(buf, len, &info, st->rows, st->pool.v);
	st->nrows = info.nrows;
	st->pool.n = info.npool;
	return PointerGetDatum(st);
}

static const CxmStateDesc funnel_desc = CXM_STATE_DESC_LOG("journey_funnel", funnel_flatten, funnel_expand);

static Datum
funnel_final(PG_FUNCTION_ARGS)
{
	FunnelView	v;
	Datum		d;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = PG_GETARG_DATUM(0);
	if (cxm_log_is_group(d))
	{
		CxmSharedLog *sl = cxm_log_lookup(d);
		FunnelShared *fs = (FunnelShared *) sl->user;
		int32		level;

		rowlog_index(sl->log);
		if (fs->levels == NULL || fs->levels_gen != sl->log->generation)
			funnel_log_levels(sl);
		level = fs->levels[cxm_log_group_slot(d)];
		if (level < 0)
			PG_RETURN_NULL();
		PG_RETURN_INT32(level);
	}
	funnel_view(d, &v);
	if (v.nusable == 0)
		PG_RETURN_NULL();
	/* sorting a group's own rows in place leaves the state's content unchanged */
	PG_RETURN_INT32((int32) funnel_level_of(v.rows, v.nrows, v.pool, v.npool, v.nsteps,
											v.window, v.mode));
}

CXM_STATE_TYPE_IO(funnel_state, funnel_desc);
CXM_STATE_LEGACY(journey_funnel_serial, journey_funnel_deserial, funnel_desc);
CXM_STATE_TRANS_LOG(journey_funnel_accum, funnel_accum_default, funnel_desc);
CXM_STATE_TRANS_LOG(journey_funnel_accum_mode, funnel_accum_mode, funnel_desc);
CXM_STATE_TRANS(journey_funnel_combine, funnel_combine, funnel_desc, 2);
CXM_STATE_FINAL(journey_funnel_final, funnel_final, funnel_desc);
