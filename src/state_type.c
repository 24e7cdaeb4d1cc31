/*
 * state_type.c
 *	  The aggregates' state types as expanded objects (state_type.h,
 *	  doc/scale-out.md "State types").
 *
 * A transition value is a CxmStateObj: an ExpandedObjectHeader, whose
 * methods pointer leads to the family's descriptor, and the in-memory state.  nodeAgg (and Citus's
 * worker_partial_agg, which copies its logic) keeps a read-write expanded
 * transition value as is when the object's memory context is a child of
 * the aggregate context.  Giving every group a context of its own would
 * cost a context per group (hundreds of thousands in a grouped hash
 * aggregation), so the headers of all the groups of one aggregate context
 * share one child context, "cxm aggregate states".  That is sound because
 * the executor deletes an expanded transition value only when a transition
 * function returns a different one, and ours always return the one they
 * were given; the shared context goes with the aggregate context when that
 * is reset.
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

	if (cxm_log_is_group(state))
	{
		/*
		 * A group of a shared row log: its header goes in the hash table's
		 * own memory, right after the group's entry (whose key and
		 * per-group data were allocated there just before this first
		 * call), so that a row reads its tag next to memory the hash lookup
		 * has just brought into the cache.  It is not a child of the shared
		 * context, but the executor only deletes a transition value that a
		 * transition function replaced, and ours never do.
		 */
		if (o != NULL)
			pfree(o);
		o = MemoryContextAlloc(aggcxt, sizeof(CxmStateObj));
	}
	else if (o == NULL)
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

	if (desc->row_log && !fcinfo->args[0].isnull)
	{
		/*
		 * A group of the shared row log: the tag is in the header, next to
		 * the group's hash table entry (state_wrap), 24 bytes after the
		 * read-write pointer we were given.  Only this file makes expanded
		 * objects of our state types, and it always hands out a header's
		 * own read-write pointer.
		 */
		Datum		d = fcinfo->args[0].value;

		if (likely(VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d))))
		{
			CxmStateObj *h = (CxmStateObj *) (DatumGetPointer(d) -
											  offsetof(ExpandedObjectHeader, eoh_rw_ptr));
			Datum		tag = h->state;

			if (likely(cxm_log_is_group(tag)))
			{
				fcinfo->args[0].value = tag;
				if (nstates > 1 && !fcinfo->args[1].isnull)
					fcinfo->args[1].value = state_read(desc, fcinfo->args[1].value);
				result = impl(fcinfo);
				if (fcinfo->isnull)
					return (Datum) 0;
				if (unlikely(result != tag))
					h->state = result;
				return d;
			}
		}
	}
	if (fcinfo->args[0].isnull)
	{
		if (!desc->row_log)
			fresh = MemoryContextAlloc(cxm_state_context(fcinfo, desc->name), sizeof(CxmStateObj));
	}
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
