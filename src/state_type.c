/*
 * state_type.c
 *	  The aggregates' state types as expanded objects (state_type.h,
 *	  doc/scale-out.md "State types").
 *
 * A transition value is a CxmStateObj: an ExpandedObjectHeader, whose
 * methods pointer leads to the family's descriptor, and the in-memory
 * state.  nodeAgg (and Citus's worker_partial_agg, which copies its logic)
 * keeps a read-write expanded transition value as is when the object's
 * memory context is a child of the aggregate context.  Giving every group a
 * context of its own would
 * cost a context per group (hundreds of thousands in a grouped hash
 * aggregation), so the headers of all the groups of one aggregate context
 * share one child context, "cxm aggregate states".  That is sound because
 * the executor deletes an expanded transition value only when a transition
 * function returns a different one, and ours always return the one they
 * were given; the shared context goes with the aggregate context when that
 * is reset.  The headers of the groups of a shared row log (rowlog.h) are
 * records of the log itself (below, "Groups of a shared row log").
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "cxm.h"
#include "rowlog.h"
#include "state_type.h"

typedef struct CxmStateObj
{
	ExpandedObjectHeader hdr;	/* eoh_methods: &desc->methods */
	Datum		state;			/* the family's in-memory state */
} CxmStateObj;					/* 56 bytes */

#define STATE_DESC(o) ((const CxmStateDesc *) (o)->hdr.eoh_methods)

/*
 * get_flat_size's bytes, for the flatten_into call that always follows it
 * (datumCopy, heap_form_tuple), made in the caller's context.
 */
static const CxmStateObj *flat_of = NULL;
static bytea *flat_bytes = NULL;

Size
cxm_state_get_flat_size(ExpandedObjectHeader *eohptr)
{
	CxmStateObj *o = (CxmStateObj *) eohptr;

	flat_bytes = STATE_DESC(o)->flatten(o->state);
	flat_of = o;
	return VARSIZE(flat_bytes);
}

void
cxm_state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	CxmStateObj *o = (CxmStateObj *) eohptr;

	if (flat_of != o || VARSIZE(flat_bytes) != allocated_size)
		elog(ERROR, "%s state flattened without its size", STATE_DESC(o)->name);
	memcpy(result, flat_bytes, allocated_size);
	flat_of = NULL;
	flat_bytes = NULL;
}

/* ------------------------------------------------------------------------
 * The shared child context of each live aggregate context
 * ------------------------------------------------------------------------ */
typedef struct StateCxt
{
	MemoryContext parent;
	MemoryContext cxt;
	MemoryContextCallback gone;
	struct StateCxt *next;
} StateCxt;

static StateCxt *state_cxts = NULL;

static void
state_cxt_gone(void *arg)
{
	StateCxt  **p;

	for (p = &state_cxts; *p != NULL; p = &(*p)->next)
		if (*p == (StateCxt *) arg)
		{
			*p = (*p)->next;
			break;
		}
}

static MemoryContext
state_context(MemoryContext aggcxt)
{
	StateCxt   *s;
	MemoryContext cxt;

	for (s = state_cxts; s != NULL; s = s->next)
		if (s->parent == aggcxt)
			return s->cxt;
	cxt = AllocSetContextCreate(aggcxt, "cxm aggregate states", ALLOCSET_SMALL_SIZES);
	s = MemoryContextAlloc(cxt, sizeof(StateCxt));
	s->parent = aggcxt;
	s->cxt = cxt;
	s->gone.func = state_cxt_gone;
	s->gone.arg = s;
	MemoryContextRegisterResetCallback(cxt, &s->gone);
	s->next = state_cxts;
	state_cxts = s;
	return cxt;
}

/*
 * A new read-write expanded state over an in-memory state, in the header o
 * when given (allocated in the aggregation's shared context).
 */
static Datum
state_wrap(const CxmStateDesc *desc, Datum state, MemoryContext aggcxt, CxmStateObj *o)
{
	MemoryContext cxt = state_context(aggcxt);

	if (o == NULL)
		o = MemoryContextAlloc(cxt, sizeof(CxmStateObj));
	EOH_init_header(&o->hdr, &desc->methods, cxt);
	o->state = state;
	return EOHPGetRWDatum(&o->hdr);
}

/* our expanded object of this family, or NULL (a flat datum) */
static inline CxmStateObj *
state_obj(Datum d, const CxmStateDesc *desc)
{
	CxmStateObj *o;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	o = (CxmStateObj *) DatumGetEOHP(d);
	if (o->hdr.eoh_methods != &desc->methods)
		return NULL;
	return o;
}

/*
 * The in-memory state read from a flat (or foreign) datum, in cxt.  A state
 * may point into the bytes it was read from (assoc_rules' log): those of a
 * state that is kept (keep) are first copied into cxt.
 */
static Datum
state_expand(const CxmStateDesc *desc, Datum d, MemoryContext cxt, bool keep)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	struct varlena *v = keep
		? pg_detoast_datum_copy((struct varlena *) DatumGetPointer(d))
		: pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d));
	Datum		st = desc->expand(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), cxt);

	MemoryContextSwitchTo(old);
	return st;
}

/* the in-memory state of a state argument that is only read */
static inline Datum
state_read(const CxmStateDesc *desc, Datum d)
{
	CxmStateObj *o = state_obj(d, desc);

	return o != NULL ? o->state : state_expand(desc, d, CurrentMemoryContext, false);
}

/* ------------------------------------------------------------------------
 * Groups of a shared row log (rowlog.h)
 *
 * A group's header is its slot's record in the log (rowlog_record): a row
 * finds the slot from the header's address (rowlog_record_slot), and the
 * tag from the slot and the log's per-slot bits, without reading the
 * header; the tag in the header is kept equal to that, for the final and
 * combine functions and the flattening, which read it there.  A group of
 * the log's context whose state is not a group of the log (a funnel with
 * too many different windows) gets a slot without rows, marked
 * ROWLOG_USER_OWN, and its header holds the state.
 * ------------------------------------------------------------------------ */
StaticAssertDecl(sizeof(CxmStateObj) <= CXM_LOG_REC_SPARE,
				 "a header must fit in a record, before its spare word");

/* a group's state changed (its user bits, or it became a state of its own) */
static void
state_log_set(CxmSharedLog *sl, uint32 slot, Datum state)
{
	CxmStateObj *o = (CxmStateObj *) rowlog_record(sl->log, slot);

	if (cxm_log_is_group(state))
	{
		if (cxm_log_group_id(state) != sl->id || cxm_log_group_slot(state) != slot)
			elog(ERROR, "a row log group changed its slot");
		rowlog_set_user(sl->log, slot, (uint16) cxm_log_group_user(state));
	}
	else
		rowlog_set_user(sl->log, slot, ROWLOG_USER_OWN);
	o->state = state;
}

/* the header of a new group of the log's context */
static Datum
state_log_wrap(const CxmStateDesc *desc, Datum state, CxmSharedLogRef *ref)
{
	CxmSharedLog *sl = ref->sl;
	MemoryContext cxt = state_context(ref->cxt);
	uint32		slot;
	CxmStateObj *o;

	if (cxm_log_is_group(state) && cxm_log_group_id(state) == sl->id)
		slot = cxm_log_group_slot(state);
	else
		slot = cxm_log_group_slot(cxm_log_new_group(sl, 0, desc->name));
	o = (CxmStateObj *) rowlog_record(sl->log, slot);
	EOH_init_header(&o->hdr, &desc->methods, cxt);
	state_log_set(sl, slot, state);
	return EOHPGetRWDatum(&o->hdr);
}

static Datum
state_log_trans(FunctionCallInfo fcinfo, PGFunction impl, const CxmStateDesc *desc,
				int nstates, CxmSharedLogRef *ref)
{
	CxmSharedLog *sl = ref->sl;
	Datum		d = fcinfo->args[0].value;
	Datum		st,
				result;
	uint32		slot;
	uint16		bits;

	if (fcinfo->args[0].isnull)
	{
		if (nstates > 1 && !fcinfo->args[1].isnull)
			fcinfo->args[1].value = state_read(desc, fcinfo->args[1].value);
		result = impl(fcinfo);
		if (fcinfo->isnull)
			return (Datum) 0;
		return state_log_wrap(desc, result, ref);
	}

	slot = rowlog_record_slot(sl->log, DatumGetPointer(d));
	if (unlikely(slot == UINT32_MAX))
		elog(ERROR, "%s state is not a group of its row log", desc->name);
	bits = rowlog_user(sl->log, slot);
	st = likely((bits & ROWLOG_USER_OWN) == 0)
		? cxm_log_group(sl, slot, bits)
		: ((CxmStateObj *) rowlog_record(sl->log, slot))->state;
	fcinfo->args[0].value = st;
	if (nstates > 1 && !fcinfo->args[1].isnull)
		fcinfo->args[1].value = state_read(desc, fcinfo->args[1].value);
	result = impl(fcinfo);
	if (unlikely(fcinfo->isnull))
		elog(ERROR, "%s lost its state", desc->name);
	if (unlikely(result != st))
		state_log_set(ref->sl, slot, result);
	return d;
}

Datum
cxm_state_log_changed(FunctionCallInfo fcinfo, const CxmStateDesc *desc, Datum header,
					  uint32 slot, Datum result)
{
	CxmSharedLogRef *ref = cxm_log_current(fcinfo);

	if (fcinfo->isnull)
		elog(ERROR, "%s lost its state", desc->name);
	state_log_set(ref->sl, slot, result);
	return header;
}

MemoryContext
cxm_state_context(FunctionCallInfo fcinfo, const char *fname)
{
	return state_context(cxm_agg_context(fcinfo, fname));
}

/*
 * A group's first row: its header is allocated before impl allocates the
 * state (in cxm_state_context), so that the two are adjacent.
 */
Datum
cxm_state_trans(FunctionCallInfo fcinfo, PGFunction impl, const CxmStateDesc *desc,
				int nstates)
{
	CxmStateObj *o = NULL;
	CxmStateObj *fresh = NULL;
	Datum		result,
				given = (Datum) 0;

	if (desc->row_log)
	{
		CxmSharedLogRef *ref = cxm_log_current(fcinfo);

		if (ref != NULL)
			return state_log_trans(fcinfo, impl, desc, nstates, ref);
	}
	if (fcinfo->args[0].isnull)
		fresh = MemoryContextAlloc(cxm_state_context(fcinfo, desc->name), sizeof(CxmStateObj));
	else
	{
		Datum		d = fcinfo->args[0].value;

		o = state_obj(d, desc);
		if (likely(o != NULL && VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d))))
		{
			fcinfo->args[0].value = o->state;
			given = d;
		}
		else
		{
			/* flat, or read-only: work on a copy of our own */
			fcinfo->args[0].value = state_expand(desc, d, cxm_agg_context(fcinfo, desc->name), true);
			o = NULL;
		}
	}
	if (nstates > 1 && !fcinfo->args[1].isnull)
		fcinfo->args[1].value = state_read(desc, fcinfo->args[1].value);
	result = impl(fcinfo);
	if (fcinfo->isnull)
	{
		if (fresh != NULL)
			pfree(fresh);
		return (Datum) 0;
	}
	if (likely(o != NULL))
	{
		/* the state returned is the one given, by the same pointer */
		if (unlikely(o->state != result))
			o->state = result;
		return given;
	}
	if (cxm_log_is_group(result))
	{
		/* the impl has just made the log (rowlog.h): its first group */
		CxmSharedLogRef *ref = cxm_log_current(fcinfo);

		if (ref == NULL)
			elog(ERROR, "%s made a row log group outside its log", desc->name);
		if (fresh != NULL)
			pfree(fresh);
		return state_log_wrap(desc, result, ref);
	}
	return state_wrap(desc, result, cxm_agg_context(fcinfo, desc->name), fresh);
}

Datum
cxm_state_final(FunctionCallInfo fcinfo, PGFunction impl, const CxmStateDesc *desc)
{
	if (!fcinfo->args[0].isnull)
		fcinfo->args[0].value = state_read(desc, fcinfo->args[0].value);
	return impl(fcinfo);
}

Datum
cxm_state_legacy_serial(FunctionCallInfo fcinfo, const CxmStateDesc *desc)
{
	(void) cxm_agg_context(fcinfo, desc->name);
	PG_RETURN_BYTEA_P(desc->flatten(state_read(desc, PG_GETARG_DATUM(0))));
}

Datum
cxm_state_legacy_deserial(FunctionCallInfo fcinfo, const CxmStateDesc *desc)
{
	MemoryContext aggcxt = cxm_agg_context(fcinfo, desc->name);

	return state_wrap(desc, state_expand(desc, PG_GETARG_DATUM(0), aggcxt, true), aggcxt, NULL);
}

/* ------------------------------------------------------------------------
 * Input, output, receive, send
 * ------------------------------------------------------------------------ */

/* check wire bytes completely (ERROR 22P03 if damaged) and make the flat datum */
static bytea *
state_from_bytes(const CxmStateDesc *desc, const char *data, size_t len)
{
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "cxm state check",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(tmp);
	bytea	   *result;

	(void) desc->expand(data, len, tmp);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	result = (bytea *) palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), data, len);
	return result;
}

Datum
cxm_state_in(FunctionCallInfo fcinfo, const CxmStateDesc *desc)
{
	const char *s = PG_GETARG_CSTRING(0);
	size_t		len = strlen(s);
	char	   *bytes;
	size_t		n;

	if (len < 2 || s[0] != '\\' || s[1] != 'x' || (len - 2) % 2 != 0 ||
		strspn(s + 2, "0123456789abcdefABCDEF") != len - 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for the state of %s: \"%.40s%s\"",
						desc->name, s, len > 40 ? "..." : ""),
				 errdetail("A state is written \\x followed by an even number of hexadecimal digits.")));
	bytes = palloc((len - 2) / 2 + 1);
	n = hex_decode(s + 2, len - 2, bytes);
	PG_RETURN_BYTEA_P(state_from_bytes(desc, bytes, n));
}

Datum
cxm_state_out(FunctionCallInfo fcinfo, const CxmStateDesc *desc)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	size_t		len = VARSIZE_ANY_EXHDR(b);
	char	   *s;

	if (len > (MaxAllocSize - 3) / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s state of %zu bytes is too large for its text form", desc->name, len)));
	s = palloc(2 * len + 3);
	s[0] = '\\';
	s[1] = 'x';
	hex_encode(VARDATA_ANY(b), len, s + 2);
	s[2 * len + 2] = '\0';
	PG_RETURN_CSTRING(s);
}

Datum
cxm_state_recv(FunctionCallInfo fcinfo, const CxmStateDesc *desc)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			n = buf->len - buf->cursor;
	const char *data = pq_getmsgbytes(buf, n);

	PG_RETURN_BYTEA_P(state_from_bytes(desc, data, (size_t) n));
}

Datum
cxm_state_send(FunctionCallInfo fcinfo, const CxmStateDesc *desc)
{
	(void) desc;
	PG_RETURN_BYTEA_P(PG_GETARG_BYTEA_P_COPY(0));
}
