/*
 * journey.c
 *	  fmgr glue of the journey functions: the journey_path aggregates (with
 *	  and without max_steps), path_collapse and the sessionize window
 *	  function.  The state, sort, heap and gap arithmetic live in
 *	  journey_core.c.
 *
 * journey_path's state type is cxm.path_state (state_type.h): the functions
 * below work on the in-memory state it wraps.  Rows are appended in arrival
 * order to a log and sorted once by the final function, so the answer never
 * depends on the order rows arrive in, and partial states from parallel
 * workers are simply concatenated.  In hash aggregation the log is one row
 * log shared by every group of the node (rowlog.h: the state is a tagged
 * Datum naming the group's slot; touchpoints are interned in a JPathDict of
 * the log), grouped by slot at the first final call.  Elsewhere (sorted or
 * plain grouping, window use) the state is the group's own JPathState in
 * the aggregate's memory context.  With max_steps it is always the group's
 * own heap bounded by max_steps.  Serialized states are
 *
 *	  byte version (1), int32 max_steps (0: unbounded), int32 count,
 *	  count x (int64 ts, int32 length, bytes)
 *
 * written by jpath_wire_write_header/_step (journey_core.c) and checked
 * completely by jpath_wire_check() before they are read back.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
#include "windowapi.h"

#include "cxm.h"
#include "journey_core.h"
#include "rowlog.h"
#include "state_type.h"

PG_FUNCTION_INFO_V1(path_collapse);
PG_FUNCTION_INFO_V1(sessionize);

/*
 * The journey core needs no zeroed memory (journey_core.h), and skipping it
 * matters: a grouped journey_path can fill hundreds of megabytes.
 */
static JPathState *
journey_new_state(MemoryContext cxt, int32 max_steps)
{
	return jpath_create(max_steps, cxm_allocator_nozero(cxt));
}

static void
journey_too_long(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("journey_path result would exceed the maximum array size"),
			 errdetail("A journey's touchpoints may take at most %zu bytes.",
					   (size_t) JPATH_MAX_OUT_BYTES)));
}

/* max_steps of a state; a group of a shared log keeps every step */
static int32
journey_max_steps(Datum st)
{
	return cxm_log_is_group(st) ? 0 : ((JPathState *) DatumGetPointer(st))->max_steps;
}

/*
 * What journey_path keeps per shared log (sl->user): the touchpoints,
 * interned, and every group's path as the first final call after the log
 * was grouped builds them all, in the log's order (jpath_log_paths_build),
 * so that each final call reads its group's ids instead of its entries
 * (doc/journeys.md, "Implementation notes").  Both live in the log's
 * memory context and go with it.
 */
typedef struct JourneyShared
{
	JPathDict  *dict;
	JPathLogPaths paths;
	CxmAlloc	alloc;
} JourneyShared;

#define journey_dict(sl) (((JourneyShared *) (sl)->user)->dict)

/*
 * A new state without max_steps: a group of the shared log in hash
 * aggregation (whose touchpoints are interned in the log's JPathDict), else
 * the group's own.
 */
static Datum
journey_new_unbounded(FunctionCallInfo fcinfo, MemoryContext aggcxt)
{
	CxmSharedLog *sl = cxm_shared_log(fcinfo, aggcxt);

	if (sl == NULL)
		return PointerGetDatum(journey_new_state(aggcxt, 0));
	if (sl->user == NULL)
	{
		JourneyShared *js = MemoryContextAllocZero(aggcxt, sizeof(JourneyShared));

		js->alloc = cxm_allocator_nozero(aggcxt);
		js->dict = jpath_dict_create(js->alloc);
		sl->user = js;
	}
	return cxm_log_new_group(sl, 0, "journey_path");
}

/*
 * Append a step of a group of a shared log.  The size of the group's path
 * is checked when it is read back (journey_log_path, journey_log_refs): its strings are
 * stored once per distinct touchpoint, so a long path takes 16 bytes a step.
 */
static inline void
journey_log_step(CxmSharedLog *sl, uint32 slot, int64 ts, const char *s, size_t len)
{
	uint32		id;

	if (unlikely(len > JPATH_MAX_OUT_BYTES))
		journey_too_long();
	if (unlikely(jpath_dict_intern(journey_dict(sl), s, len, &id) != CXM_OK))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("journey_path cannot keep more than %u distinct touchpoints in one hash table",
						PG_UINT32_MAX / 8)));
	if (unlikely(rowlog_append(sl->log, slot, id, ts) != CXM_OK))
		journey_too_long();
}

/*
 * The steps of a group of a shared log as unsorted refs (palloc'd), their
 * number and their size as array elements; journey_too_long() when they
 * cannot make an array.  The first call after new rows groups the log.
 */
static JPathRef *
journey_log_refs(Datum st, size_t *n, size_t *out_bytes)
{
	CxmSharedLog *sl = cxm_log_lookup(st);
	const JPathDict *dict = journey_dict(sl);
	const RowLogEntry *e;
	JPathRef   *refs;
	size_t		i,
				bytes = 0;

	rowlog_index(sl->log);
	*n = rowlog_group_size(sl->log, cxm_log_group_slot(st));
	if (*n > MaxArraySize)
		journey_too_long();
	e = rowlog_group(sl->log, cxm_log_group_slot(st), palloc(Max(*n, 1) * sizeof(RowLogEntry)));
	refs = palloc(Max(*n, 1) * sizeof(JPathRef));
	for (i = 0; i < *n; i++)
	{
		const JPathDictStr *d = jpath_dict_get(dict, e[i].val);

		refs[i].ts = e[i].ts;
		refs[i].s = d->s;
		refs[i].len = d->len;
		bytes += jpath_elem_bytes(d->len);
	}
	if (bytes > JPATH_MAX_OUT_BYTES)
		journey_too_long();
	*out_bytes = bytes;
	return refs;
}

/* add a row; NULL touchpoint or ts rows are skipped */
static void
journey_add_row(FunctionCallInfo fcinfo, JPathState *st)
{
	text	   *t;
	TimestampTz ts;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return;
	t = PG_GETARG_TEXT_PP(1);
	ts = PG_GETARG_TIMESTAMPTZ(2);
	if (likely(jpath_log_append(st, ts, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t))))
		return;
	if (jpath_add(st, ts, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)) != CXM_OK)
		journey_too_long();
}

/*
 * journey_path_accum(path_state, text, timestamptz).  A state given flat
 * (from SQL) is read in the aggregate context by cxm_state_trans, which
 * checks the context then; otherwise it is checked when the state is
 * created.
 */
static Datum
path_accum(PG_FUNCTION_ARGS)
{
	Datum		st;
	JPathState *own;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	st = PG_ARGISNULL(0)
		? journey_new_unbounded(fcinfo, cxm_agg_context(fcinfo, "journey_path_accum"))
		: PG_GETARG_DATUM(0);
	if (likely(cxm_log_is_group(st)))
	{
		text	   *t = PG_GETARG_TEXT_PP(1);

		journey_log_step(cxm_log_of(fcinfo, st), cxm_log_group_slot(st),
						 PG_GETARG_TIMESTAMPTZ(2), VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		PG_RETURN_DATUM(st);
	}
	own = (JPathState *) DatumGetPointer(st);
	if (unlikely(own->max_steps != 0))
		elog(ERROR, "journey_path_accum got a bounded state");
	journey_add_row(fcinfo, own);
	PG_RETURN_POINTER(own);
}

/*
 * journey_path_accum_n(path_state, text, timestamptz, int4): max_steps is
 * checked on every row, NULL touchpoint or not, and must not change within
 * the group.  The context is checked when the state is created, as above.
 */
static Datum
path_accum_n(PG_FUNCTION_ARGS)
{
	JPathState *st = NULL;
	int32		max_steps;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_path max_steps must not be NULL")));
	if (!PG_ARGISNULL(0))
	{
		if (cxm_log_is_group(PG_GETARG_DATUM(0)))
			elog(ERROR, "journey_path_accum_n got an unbounded state");
		st = (JPathState *) PG_GETARG_POINTER(0);
	}
	max_steps = PG_GETARG_INT32(3);
	if (max_steps < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_path max_steps must be at least 1, not %d", max_steps)));
	if (st == NULL)
		st = journey_new_state(cxm_agg_context(fcinfo, "journey_path_accum_n"),
							   max_steps);
	else if (st->max_steps != max_steps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey_path max_steps %d differs from %d used earlier in the group",
						max_steps, (int) st->max_steps)));
	journey_add_row(fcinfo, st);
	PG_RETURN_POINTER(st);
}

/* not strict: the result must live in the aggregate context */
static Datum
path_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = cxm_agg_context(fcinfo, "journey_path_combine");
	Datum		a,
				b;
	int32		ms;
	JPathRef   *refs = NULL;
	size_t		n = 0,
				bytes,
				i;
	JPathIter	it;
	JPathRef	r;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_DATUM(1);
	ms = journey_max_steps(b);
	if (PG_ARGISNULL(0))
		a = ms == 0 ? journey_new_unbounded(fcinfo, aggcxt)
			: PointerGetDatum(journey_new_state(aggcxt, ms));
	else
	{
		a = PG_GETARG_DATUM(0);
		if (journey_max_steps(a) != ms)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("journey_path max_steps %d differs from %d used elsewhere in the group",
							(int) ms, (int) journey_max_steps(a))));
	}
	if (!cxm_log_is_group(a) && !cxm_log_is_group(b))
	{
		if (jpath_merge((JPathState *) DatumGetPointer(a),
						(JPathState *) DatumGetPointer(b)) != CXM_OK)
			journey_too_long();
		PG_RETURN_DATUM(a);
	}

	/* b's steps one by one (the usual case: a deserialized partial state) */
	if (cxm_log_is_group(b))
		refs = journey_log_refs(b, &n, &bytes);
	else
		jpath_iter_init((JPathState *) DatumGetPointer(b), &it);
	for (i = 0;; i++)
	{
		if (refs != NULL)
		{
			if (i >= n)
				break;
			r = refs[i];
		}
		else if (!jpath_iter_next((JPathState *) DatumGetPointer(b), &it, &r.ts, &r.s, &r.len))
			break;
		if (cxm_log_is_group(a))
			journey_log_step(cxm_log_of(fcinfo, a), cxm_log_group_slot(a), r.ts, r.s, r.len);
		else if (jpath_add((JPathState *) DatumGetPointer(a), r.ts, r.s, r.len) != CXM_OK)
			journey_too_long();
	}
	if (refs != NULL)
		pfree(refs);
	PG_RETURN_DATUM(a);
}

/* the wire bytes of a state (path_desc) */
static bytea *
path_flatten(Datum d)
{
	WireWriter	w;
	JPathIter	it;
	int64_t		ts;
	const char *s;
	size_t		len;

	if (cxm_log_is_group(d))
	{
		size_t		n,
					bytes,
					i;
		JPathRef   *refs = journey_log_refs(d, &n, &bytes);

		cxm_wire_begin(&w, JPATH_WIRE_HEADER + n * JPATH_WIRE_ITEM + bytes);
		jpath_wire_write_header(&w, 0, (uint32) n);
		for (i = 0; i < n; i++)
			jpath_wire_write_step(&w, refs[i].ts, refs[i].s, refs[i].len);
		pfree(refs);
	}
	else
	{
		JPathState *st = (JPathState *) DatumGetPointer(d);

		/* out_bytes >= the string bytes; each step adds 12 bytes of header */
		cxm_wire_begin(&w, JPATH_WIRE_HEADER + st->n * JPATH_WIRE_ITEM + st->out_bytes);
		jpath_wire_write_header(&w, st->max_steps, (uint32) st->n);
		jpath_iter_init(st, &it);
		while (jpath_iter_next(st, &it, &ts, &s, &len))
			jpath_wire_write_step(&w, ts, s, len);
	}
	return cxm_wire_bytea(&w);
}

/* a state read from wire bytes (path_desc), checked completely first */
static Datum
path_expand(const char *data, size_t size, MemoryContext cxt)
{
	WireReader	r;
	char		err[256];
	int32_t		max_steps;
	uint32_t	count,
				i;
	size_t		bytes;
	JPathState *st;

	if (jpath_wire_check((const unsigned char *) data, size,
						 &max_steps, &count, &bytes, err, sizeof(err)) != CXM_OK)
		cxm_bad_state("journey_path", err);

	st = journey_new_state(cxt, max_steps);
	if (jpath_reserve(st, count, bytes) != CXM_OK)
		journey_too_long();
	/* checked above: the reader's bounds checks cannot fire */
	wire_reader_init(&r, data, size);
	wire_skip(&r, JPATH_WIRE_HEADER);
	for (i = 0; i < count; i++)
	{
		int64		ts = wire_get_i64(&r);
		uint32		len = wire_get_u32(&r);
		const char *s = (const char *) wire_get_bytes(&r, len);

		if (jpath_add(st, ts, s, (size_t) len) != CXM_OK)
			journey_too_long();
	}
	if (!wire_end(&r))
		cxm_bad_state("journey_path", r.detail);
	return PointerGetDatum(st);
}

static const CxmStateDesc path_desc = CXM_STATE_DESC_LOG("journey_path", path_flatten, path_expand);

/* a text[] of n elements taking out_bytes; *p is where the first goes */
static ArrayType *
journey_array_new(size_t n, size_t out_bytes, char **p)
{
	Size		nbytes = ARR_OVERHEAD_NONULLS(1) + out_bytes;
	ArrayType  *result;

	if (n > MaxArraySize || !AllocSizeIsValid(nbytes))
		journey_too_long();
	result = (ArrayType *) palloc0(nbytes);
	SET_VARSIZE(result, nbytes);
	result->ndim = 1;
	result->dataoffset = 0;
	result->elemtype = TEXTOID;
	ARR_DIMS(result)[0] = (int) n;
	ARR_LBOUND(result)[0] = 1;
	*p = ARR_DATA_PTR(result);
	return result;
}

/* write one element at *p and move past it */
static inline void
journey_array_put(char **p, const char *s, size_t len)
{
	SET_VARSIZE(*p, VARHDRSZ + len);
	if (len > 0)				/* an empty touchpoint may have no bytes at all */
		memcpy(*p + VARHDRSZ, s, len);
	*p += INTALIGN(VARHDRSZ + len);
}

/*
 * The path of a group of a shared log, or NULL when it has no steps.  The
 * first call after the log was grouped sorts every group's steps (in the
 * log's order, bucket by bucket: sequential reads) into the ids of their
 * touchpoints; each call then reads its group's ids, a byte each for up to
 * 256 distinct touchpoints, and writes the array.
 */
static ArrayType *
journey_log_path(Datum st)
{
	CxmSharedLog *sl = cxm_log_lookup(st);
	JourneyShared *js = (JourneyShared *) sl->user;
	const JPathDict *dict = js->dict;
	uint32		slot = cxm_log_group_slot(st);
	uint64		w;
	size_t		n,
				first,
				i,
				bytes = 0;
	ArrayType  *result;
	char	   *p;

	rowlog_index(sl->log);
	if (js->paths.generation != sl->log->generation)
		jpath_log_paths_build(&js->paths, sl->log, js->dict, &js->alloc, CXM_LOG_REC_SPARE);
	w = *cxm_log_spare(sl, slot);
	n = w != JPATH_PACK_NONE
		? jpath_log_paths_unpack(w, &first)
		: jpath_log_paths_group(&js->paths, sl->log, slot, &first);
	if (n == 0)
		return NULL;
	if (n > MaxArraySize)
		journey_too_long();
	for (i = 0; i < n; i++)
		bytes += jpath_elem_bytes(jpath_dict_get(dict, jpath_log_paths_id(&js->paths, first + i))->len);
	if (bytes > JPATH_MAX_OUT_BYTES)
		journey_too_long();
	result = journey_array_new(n, bytes, &p);
	for (i = 0; i < n; i++)
	{
		const JPathDictStr *d = jpath_dict_get(dict, jpath_log_paths_id(&js->paths, first + i));

		journey_array_put(&p, d->s, d->len);
	}
	Assert(p == (char *) result + VARSIZE(result));
	return result;
}

/*
 * The steps in (ts, touchpoint) order as text[], NULL when there are none.
 * The state's content is unchanged, so the final function may run more
 * than once, as in window aggregates.  The array is built directly in one
 * allocation.
 */
static Datum
path_final(PG_FUNCTION_ARGS)
{
	Datum		d;
	CxmAlloc	tmp;
	JPathView	v;
	JPathState *st;
	ArrayType  *result;
	char	   *p;
	size_t		i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = PG_GETARG_DATUM(0);
	if (cxm_log_is_group(d))
	{
		result = journey_log_path(d);
		if (result == NULL)
			PG_RETURN_NULL();
		PG_RETURN_ARRAYTYPE_P(result);
	}
	st = (JPathState *) DatumGetPointer(d);
	if (st->n == 0)
		PG_RETURN_NULL();
	if (st->out_bytes > JPATH_MAX_OUT_BYTES)
		journey_too_long();
	tmp = cxm_allocator_nozero(CurrentMemoryContext);
	result = journey_array_new(st->n, st->out_bytes, &p);
	v = jpath_sorted(st, &tmp);
	for (i = 0; i < v.n; i++)
		journey_array_put(&p, v.refs[i].s, v.refs[i].len);
	Assert(p == (char *) result + VARSIZE(result));
	jpath_view_release(&v, &tmp);
	PG_RETURN_ARRAYTYPE_P(result);
}

CXM_STATE_TYPE_IO(path_state, path_desc);
CXM_STATE_LEGACY(journey_path_serialize, journey_path_deserialize, path_desc);
CXM_STATE_TRANS_LOG(journey_path_accum, path_accum, path_desc);
CXM_STATE_TRANS(journey_path_accum_n, path_accum_n, path_desc, 1);
CXM_STATE_TRANS(journey_path_combine, path_combine, path_desc, 2);
CXM_STATE_FINAL(journey_path_final, path_final, path_desc);

/*
 * path_collapse(text[]) -> text[]: consecutive repeats collapsed; runs of
 * NULL elements collapse to one NULL.  The result is indexed from 1.
 */
Datum
path_collapse(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i,
				m;
	JPathStr   *strs;
	bool	   *keep;
	size_t		kept;
	int			dims[1],
				lbs[1];

	if (ARR_ELEMTYPE(arr) != TEXTOID)
		elog(ERROR, "path_collapse expects a text[] argument");
	if (ARR_NDIM(arr) == 0)
		PG_RETURN_ARRAYTYPE_P(arr);
	if (ARR_NDIM(arr) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("path_collapse expects a one-dimensional array, not %d dimensions",
						ARR_NDIM(arr))));

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	strs = palloc(sizeof(JPathStr) * n);
	keep = palloc(sizeof(bool) * n);
	for (i = 0; i < n; i++)
	{
		strs[i].isnull = nulls[i];
		strs[i].ptr = nulls[i] ? NULL : VARDATA_ANY(DatumGetPointer(elems[i]));
		strs[i].len = nulls[i] ? 0 : VARSIZE_ANY_EXHDR(DatumGetPointer(elems[i]));
	}
	kept = jpath_collapse(strs, (size_t) n, keep);
	if ((int) kept == n && ARR_LBOUND(arr)[0] == 1)
		PG_RETURN_ARRAYTYPE_P(arr);
	for (i = 0, m = 0; i < n; i++)
	{
		if (!keep[i])
			continue;
		elems[m] = elems[i];
		nulls[m] = nulls[i];
		m++;
	}
	dims[0] = m;
	lbs[0] = 1;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, nulls, 1, dims, lbs, TEXTOID,
											 -1, false, TYPALIGN_INT));
}

/* per-partition state of sessionize */
typedef struct SessionizeState
{
	int64		next_pos;		/* the row expected next */
	int64		prev_ts;		/* last non-NULL ts seen */
	int32		session;		/* current session number (0: none yet) */
	bool		have_prev;
} SessionizeState;

static char *
interval_text(Interval *iv)
{
	return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)));
}

/*
 * sessionize(ts timestamptz, gap interval) -> int4, a window function.
 * Rows are visited in the window's order; a row starts a new session when
 * its ts minus the previous non-NULL ts exceeds gap.  A NULL ts row gets the
 * current session and does not break the chain; a NULL gap gives NULL for
 * that row (which then does not take part in the chain either).
 */
Datum
sessionize(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	SessionizeState *s;
	int64		pos;
	Datum		d;
	bool		tsnull,
				gapnull,
				isout;
	Interval   *gap;
	int64		ts;

	s = (SessionizeState *) WinGetPartitionLocalMemory(winobj, sizeof(SessionizeState));
	pos = WinGetCurrentPosition(winobj);
	if (pos != s->next_pos)
		elog(ERROR, "sessionize visited row " INT64_FORMAT " out of order", pos);
	s->next_pos = pos + 1;
	if (s->session == 0)
		s->session = 1;

	d = WinGetFuncArgCurrent(winobj, 1, &gapnull);
	if (gapnull)
		PG_RETURN_NULL();
	gap = DatumGetIntervalP(d);
	if (jpath_interval_sign(gap->month, gap->day, gap->time) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sessionize gap must be positive, not %s", interval_text(gap))));

	d = WinGetFuncArgInPartition(winobj, 0, 0, WINDOW_SEEK_CURRENT, true, &tsnull, &isout);
	if (isout)
		elog(ERROR, "sessionize could not fetch the current row");
	if (!tsnull)
	{
		ts = DatumGetTimestampTz(d);
		if (s->have_prev &&
			jpath_gap_exceeded(s->prev_ts, ts, jpath_gap_make(gap->month, gap->day, gap->time)))
		{
			if (s->session == PG_INT32_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("sessionize: more than %d sessions in one partition",
								PG_INT32_MAX)));
			s->session++;
		}
		s->prev_ts = ts;
		s->have_prev = true;
	}
	PG_RETURN_INT32(s->session);
}
