/*
 * recommend.c
 *	  fmgr glue of the assoc_rules aggregate:
 *	  assoc_rules(basket text[], min_support float8, min_confidence float8,
 *				  max_length int4) -> assoc_rule[].
 *	  The basket tree, its wire format and FP-growth live in
 *	  recommend_core.c; doc/recommendations.md describes the results.
 *
 * The state is `internal`: a RecState in the aggregate context, whose log
 * of baskets is kept in memory up to work_mem and beyond that in a temporary
 * file (BufFile), closed by an aggregate shutdown callback (and by the
 * resource owner on error).  As a window aggregate, where no such callback
 * can be registered, the log stays in memory.  Partial states travel as
 * bytea in the wire format of recommend_core.h (written and read through
 * wire_core.h), and the deserialiser checks every field of it
 * (rec_wire_decode): a damaged state is ERROR 22P03 (cxm_bad_state), never
 * a crash.  The final function reports what it did and its memory at
 * DEBUG1.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/tablespace.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "storage/buffile.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/timestamp.h"

#include "cxm.h"
#include "recommend_core.h"
#include "state_type.h"


#define ASSOC_RULE_NATTS 7

/*
 * An allocator that counts the bytes it holds (chunk sizes) and their peak:
 * the state's and the mining's memory for the DEBUG1 line and the bench.
 */
typedef struct RecMem
{
	MemoryContext cxt;
	Size		cur;
	Size		peak;
} RecMem;

static void *
rec_mem_alloc(void *ctx, size_t size)
{
	RecMem	   *m = (RecMem *) ctx;
	void	   *p = MemoryContextAllocExtended(m->cxt, size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	m->cur += GetMemoryChunkSpace(p);
	if (m->cur > m->peak)
		m->peak = m->cur;
	return p;
}

static void
rec_mem_free(void *ctx, void *p)
{
	RecMem	   *m = (RecMem *) ctx;

	if (p == NULL)
		return;
	m->cur -= GetMemoryChunkSpace(p);
	pfree(p);
}

static CxmAlloc
rec_mem_allocator(MemoryContext cxt)
{
	RecMem	   *m = MemoryContextAllocZero(cxt, sizeof(RecMem));
	CxmAlloc	a;

	m->cxt = cxt;
	a.alloc = rec_mem_alloc;
	a.free = rec_mem_free;
	a.ctx = m;
	return a;
}

/* the spilled part of a state's basket log: a temporary file */
typedef struct RecFile
{
	BufFile    *file;			/* created on the first write */
	MemoryContext cxt;
	bool		reading;
	int			end_fileno;		/* where writing goes on after reads */
	off_t		end_offset;
} RecFile;

static void
rec_file_write(void *arg, const void *buf, size_t len)
{
	RecFile    *f = (RecFile *) arg;

	if (f->file == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(f->cxt);

		PrepareTempTablespaces();
		f->file = BufFileCreateTemp(false);
		MemoryContextSwitchTo(old);
	}
	else if (f->reading)
	{
		if (BufFileSeek(f->file, f->end_fileno, f->end_offset, SEEK_SET) != 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not seek in the temporary file of assoc_rules")));
		f->reading = false;
	}
	BufFileWrite(f->file, unconstify(void *, buf), len);
}

static void
rec_file_rewind(void *arg)
{
	RecFile    *f = (RecFile *) arg;

	if (f->file == NULL)
		return;
	if (!f->reading)
	{
		BufFileTell(f->file, &f->end_fileno, &f->end_offset);
		f->reading = true;
	}
	if (BufFileSeek(f->file, 0, 0, SEEK_SET) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rewind the temporary file of assoc_rules")));
}

static size_t
rec_file_read(void *arg, void *buf, size_t len)
{
	RecFile    *f = (RecFile *) arg;

	return f->file == NULL ? 0 : BufFileRead(f->file, buf, len);
}

static const RecSpill rec_file_spill = {rec_file_write, rec_file_rewind, rec_file_read};

static void
rec_file_close(Datum arg)
{
	RecFile    *f = (RecFile *) DatumGetPointer(arg);

	if (f->file != NULL)
		BufFileClose(f->file);
	f->file = NULL;
}

/*
 * A new state in aggcxt.  In a plain aggregate (not a window), its log
 * spills beyond work_mem to a temporary file closed when the group's
 * state is reset.
 */
static RecState *
rec_new_state(FunctionCallInfo fcinfo, MemoryContext aggcxt, double sup,
			  double conf, int32 maxlen)
{
	CxmAlloc	a = rec_mem_allocator(aggcxt);
	RecState   *s = rec_state_create(&a, sup, conf, maxlen);

	if (fcinfo->context && IsA(fcinfo->context, AggState))
	{
		RecFile    *f = MemoryContextAllocZero(aggcxt, sizeof(RecFile));

		f->cxt = aggcxt;
		rec_state_set_spill(s, &rec_file_spill, f, (size_t) work_mem * 1024);
		AggRegisterCallback(fcinfo, rec_file_close, PointerGetDatum(f));
	}
	else						/* work_mem still bounds the pair counters */
		rec_state_set_spill(s, NULL, NULL, (size_t) work_mem * 1024);
	return s;
}

static void
rec_raise(CxmStatus st, const char *msg)
{
	cxm_raise(st, msg, ERRCODE_PROGRAM_LIMIT_EXCEEDED);
}

/* the thresholds of a row: NULL or out of range -> 22023 naming the value */
static void
rec_params(FunctionCallInfo fcinfo, double *sup, double *conf, int32 *maxlen)
{
	char		msg[256];

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_support must not be NULL")));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_confidence must not be NULL")));
	if (PG_NARGS() > 4 && PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_length must not be NULL")));
	*sup = PG_GETARG_FLOAT8(2);
	*conf = PG_GETARG_FLOAT8(3);
	/* assoc_rules without max_length: the default, 3 */
	*maxlen = PG_NARGS() > 4 ? PG_GETARG_INT32(4) : 3;
	rec_raise(rec_check_params(*sup, *conf, *maxlen, msg, sizeof(msg)), msg);
}

/*
 * assoc_rules_accum(state, basket text[], min_support, min_confidence,
 * max_length).  Not strict: the thresholds are checked on every row and
 * must not change within a group; a NULL basket is skipped, NULL items are
 * skipped, an empty basket counts.
 */
static Datum
assoc_rules_accum_impl(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RecState   *state;
	double		sup,
				conf;
	int32		maxlen;
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems,
				n = 0,
				i;
	const char **names;
	size_t	   *lens;
	char		msg[256];

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "assoc_rules_accum called in non-aggregate context");
	state = PG_ARGISNULL(0) ? NULL : (RecState *) PG_GETARG_POINTER(0);
	rec_params(fcinfo, &sup, &conf, &maxlen);
	if (state == NULL)
		state = rec_new_state(fcinfo, aggcxt, sup, conf, maxlen);
	else if (state->min_support != sup || state->min_confidence != conf ||
			 state->max_length != maxlen)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("assoc_rules thresholds changed within a group: min_support %s, min_confidence %s, max_length %d after %s, %s, %d",
						float8out_internal(sup), float8out_internal(conf), maxlen,
						float8out_internal(state->min_support),
						float8out_internal(state->min_confidence), state->max_length),
				 errhint("Use constant thresholds in one aggregate call.")));

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);
	arr = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("assoc_rules basket must be a one-dimensional array, not %d-dimensional",
						ARR_NDIM(arr))));
	if (ARR_ELEMTYPE(arr) != TEXTOID)
		elog(ERROR, "assoc_rules basket must be a text array");
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
	names = palloc(sizeof(char *) * (nelems + 1));
	lens = palloc(sizeof(size_t) * (nelems + 1));
	for (i = 0; i < nelems; i++)
	{
		text	   *t;

		if (nulls[i])
			continue;
		t = DatumGetTextPP(elems[i]);
		names[n] = VARDATA_ANY(t);
		lens[n] = VARSIZE_ANY_EXHDR(t);
		n++;
	}
	rec_raise(rec_add_basket(state, names, lens, n, msg, sizeof(msg)), msg);
	PG_RETURN_POINTER(state);
}

static Datum
assoc_rules_combine_impl(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RecState   *s1;
	RecState   *s2;
	char		msg[256];

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "assoc_rules_combine called in non-aggregate context");
	s1 = PG_ARGISNULL(0) ? NULL : (RecState *) PG_GETARG_POINTER(0);
	s2 = PG_ARGISNULL(1) ? NULL : (RecState *) PG_GETARG_POINTER(1);
	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
	{
		/* a copy in the aggregate context: s2 may live in a shorter one */
		s1 = rec_new_state(fcinfo, aggcxt, s2->min_support, s2->min_confidence,
						   s2->max_length);
	}
	rec_raise(rec_merge(s1, s2, msg, sizeof(msg)), msg);
	PG_RETURN_POINTER(s1);
}

/* the wire format of recommend_core.h, written by rec_wire_write (wire_core.h) */
static bytea *
rec_state_flatten(Datum d)
{
	RecState   *s = (RecState *) DatumGetPointer(d);
	size_t		size;
	WireWriter	w;
	char		msg[256];

	rec_raise(rec_flatten(s, msg, sizeof(msg)), msg);
	size = rec_wire_size(s);
	if (size == 0 || size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("assoc_rules state of %zu bytes is too large to pass between processes", size),
				 errhint("Disable parallel aggregation for this query (max_parallel_workers_per_gather = 0).")));
	cxm_wire_begin(&w, size);
	rec_raise(rec_wire_write(s, &w, msg, sizeof(msg)), msg);
	return cxm_wire_bytea(&w);
}

/* checked completely by rec_wire_decode before the state is used */
/*
 * The state reads its log from the bytes, which must live as long as it
 * does (state_type.c copies flat states that it keeps).
 */
static Datum
rec_state_expand(const char *data, size_t len, MemoryContext cxt)
{
	RecState   *s;
	CxmAlloc	a = rec_mem_allocator(cxt);
	char		msg[256];

	if (rec_wire_decode(&a, (const unsigned char *) data, len, &s, msg, sizeof(msg)) != CXM_OK)
		cxm_bad_state("assoc_rules", msg);
	return PointerGetDatum(s);
}

static const CxmStateDesc rec_desc = CXM_STATE_DESC("assoc_rules", rec_state_flatten, rec_state_expand);

static void
rec_tick(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

static Datum
item_text(const RecState *s, int32 id)
{
	return PointerGetDatum(cstring_to_text_with_len(s->items[id].name, (int) s->items[id].len));
}

/*
 * The rules as assoc_rule[]; NULL when no row reached the aggregate.  The
 * mining works in a memory context of its own, deleted at the end; what it
 * did, and the memory of the state and the peak of the mining, go to
 * DEBUG1.
 */
static Datum
assoc_rules_final_impl(PG_FUNCTION_ARGS)
{
	RecState   *s;
	CxmRowArrayType *rt;
	RecRule    *rules;
	RecStats	stats;
	int64		nr,
				k;
	Datum	   *items;
	CxmAlloc	a;
	MemoryContext mining;
	TimestampTz start;
	char		msg[256];

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "assoc_rules_final called in non-aggregate context");
	s = PG_ARGISNULL(0) ? NULL : (RecState *) PG_GETARG_POINTER(0);
	if (s == NULL)
		PG_RETURN_NULL();
	rt = cxm_row_array_type(fcinfo, ASSOC_RULE_NATTS);
	mining = AllocSetContextCreate(CurrentMemoryContext, "assoc_rules mining",
								   ALLOCSET_DEFAULT_SIZES);
	a = rec_mem_allocator(mining);
	start = GetCurrentTimestamp();
	rec_raise(rec_rules(s, &a, &rules, &nr, &stats, rec_tick, NULL, msg, sizeof(msg)), msg);
	elog(DEBUG1, "assoc_rules: " INT64_FORMAT " baskets, " INT64_FORMAT " logged (" UINT64_FORMAT " kB, " UINT64_FORMAT " kB of them spilled, %d merged segments), %d items, %d frequent, " INT64_FORMAT " frequent pairs (%d reads), FP-tree of %d nodes from " INT64_FORMAT " baskets, " INT64_FORMAT " frequent itemsets in %ld ms; memory: state %zu kB, mining peak %zu kB",
		 s->nbaskets, s->nrecords, rec_log_bytes(s) / 1024, s->spilled / 1024, s->nsegs,
		 s->nitems, stats.frequent_items, stats.frequent_pairs, stats.pair_passes,
		 stats.tree_nodes, stats.tree_baskets, stats.itemsets,
		 (long) (TimestampDifferenceMilliseconds(start, GetCurrentTimestamp())),
		 ((RecMem *) s->alloc.ctx)->cur / 1024, ((RecMem *) a.ctx)->peak / 1024);
	if (nr > (int64) (MaxAllocSize / sizeof(Datum)) - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("assoc_rules found " INT64_FORMAT " rules, too many for one array", nr),
				 errhint("Raise min_support or min_confidence, or lower max_length.")));
	items = palloc(sizeof(Datum) * (nr + 1));
	for (k = 0; k < nr; k++)
	{
		const RecRule *r = &rules[k];
		Datum		values[ASSOC_RULE_NATTS];
		bool		isnull[ASSOC_RULE_NATTS] = {0};
		Datum	   *ante = palloc(sizeof(Datum) * r->nantecedent);
		Datum		cons;
		int32		q;

		if ((k & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		for (q = 0; q < r->nantecedent; q++)
			ante[q] = item_text(s, r->antecedent[q]);
		cons = item_text(s, r->consequent);
		values[0] = PointerGetDatum(construct_array(ante, r->nantecedent, TEXTOID, -1, false, TYPALIGN_INT));
		values[1] = PointerGetDatum(construct_array(&cons, 1, TEXTOID, -1, false, TYPALIGN_INT));
		values[2] = Float8GetDatum(r->support);
		values[3] = Float8GetDatum(r->confidence);
		values[4] = Float8GetDatum(r->lift);
		values[5] = Float8GetDatum(r->leverage);
		values[6] = Float8GetDatum(r->conviction);
		isnull[6] = !r->has_conviction;
		items[k] = HeapTupleGetDatum(heap_form_tuple(rt->tupdesc, values, isnull));
		pfree(ante);
	}
	MemoryContextDelete(mining);
	PG_RETURN_ARRAYTYPE_P(construct_array(items, (int) nr, rt->elemtype, rt->typlen,
										  rt->typbyval, rt->typalign));
}

CXM_STATE_TYPE_IO(assoc_rules_state, rec_desc);
CXM_STATE_TRANS(assoc_rules_accum, assoc_rules_accum_impl, rec_desc, 1);
CXM_STATE_TRANS(assoc_rules_combine, assoc_rules_combine_impl, rec_desc, 2);
CXM_STATE_FINAL(assoc_rules_final, assoc_rules_final_impl, rec_desc);
