/*
 * cxm.c
 *	  Module entry and helpers shared by the glue files.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/nodeAgg.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "cxm.h"

PG_MODULE_MAGIC;

static void *
cxm_palloc_zero(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

/* for the cores that need no zeroing (see cxm_core.h) */
static void *
cxm_palloc_nozero(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size, MCXT_ALLOC_HUGE);
}

static void
cxm_pfree(void *ctx, void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

CxmAlloc
cxm_allocator(MemoryContext cxt)
{
	CxmAlloc	a;

	a.alloc = cxm_palloc_zero;
	a.free = cxm_pfree;
	a.ctx = cxt;
	return a;
}

CxmAlloc
cxm_allocator_nozero(MemoryContext cxt)
{
	CxmAlloc	a;

	a.alloc = cxm_palloc_nozero;
	a.free = cxm_pfree;
	a.ctx = cxt;
	return a;
}

void
cxm_bad_int8_state(int nelem, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s state", what),
			 errdetail("The state must be a one-dimensional bigint array of %d non-NULL elements.",
					   nelem)));
}

int
cxm_status_errcode(CxmStatus st, int range_errcode)
{
	switch (st)
	{
		case CXM_OK:
			break;
		case CXM_EINVAL:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case CXM_ERANGE:
			return range_errcode != 0 ? range_errcode : ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case CXM_ESYNTAX:
			return ERRCODE_INVALID_REGULAR_EXPRESSION;
		case CXM_ENOCONV:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
	}
	return ERRCODE_INTERNAL_ERROR;	/* CXM_OK, or not a status */
}

void
cxm_raise(CxmStatus st, const char *msg, int range_errcode)
{
	if (st == CXM_OK)
		return;
	ereport(ERROR,
			(errcode(cxm_status_errcode(st, range_errcode)),
			 errmsg("%s", msg)));
}

MemoryContext
cxm_agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called as part of an aggregate", fname)));
	return aggcxt;
}

void
cxm_wire_begin(WireWriter *w, size_t hint)
{
	CxmAlloc	a = cxm_allocator_nozero(CurrentMemoryContext);

	wire_writer_init(w, &a, VARHDRSZ, hint);
}

bytea *
cxm_wire_bytea(WireWriter *w)
{
	bytea	   *result = (bytea *) w->buf;

	if (w->len > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("serialized aggregate state of %zu bytes exceeds the limit of 1 GB",
						w->len)));
	SET_VARSIZE(result, w->len);
	return result;
}

void
cxm_bad_state(const char *aggregate, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid %s state", aggregate),
			 errdetail("%s", detail)));
}

CxmRowArrayType *
cxm_row_array_type(FunctionCallInfo fcinfo, int natts)
{
	CxmRowArrayType *rt = (CxmRowArrayType *) fcinfo->flinfo->fn_extra;

	if (rt == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		Oid			arrtype = get_func_rettype(fcinfo->flinfo->fn_oid);

		rt = palloc0(sizeof(CxmRowArrayType));
		rt->elemtype = get_element_type(arrtype);
		if (!OidIsValid(rt->elemtype))
			elog(ERROR, "the function must return an array");
		get_typlenbyvalalign(rt->elemtype, &rt->typlen, &rt->typbyval, &rt->typalign);
		rt->tupdesc = lookup_rowtype_tupdesc_copy(rt->elemtype, -1);
		if (rt->tupdesc->natts != natts)
			elog(ERROR, "the element type of the result must have %d columns", natts);
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = rt;
	}
	return rt;
}

/*
 * fn_extra of a call in an aggregate node whose states are checked on every
 * call: not its transition, or an initial value with a short header (not one
 * array_in makes)
 */
static const char cxm_int8_state_untrusted;

/* cxm_int8_trans_state's check of a state it may not trust (cxm.h) */
ArrayType *
cxm_int8_trans_state_enter(FunctionCallInfo fcinfo, int nelem, const char *what)
{
	Pointer		p = DatumGetPointer(PG_GETARG_DATUM(0));
	ArrayType  *state = cxm_int8_state_arg(fcinfo, 0);

	(void) cxm_int8_state(state, nelem, what);

	/*
	 * The first call of an aggregate node's transition (not, say, a user's
	 * aggregate calling the function as its final function): a copy of the
	 * node's initial value.
	 */
	if (fcinfo->context != NULL && IsA(fcinfo->context, AggState) &&
		fcinfo->flinfo->fn_extra == NULL)
	{
		AggState   *agg = (AggState *) fcinfo->context;

		if (agg->curpertrans == NULL || agg->curpertrans->transfn_fcinfo != fcinfo ||
			(Pointer) state != p)
			fcinfo->flinfo->fn_extra = (void *) &cxm_int8_state_untrusted;
		else
			fcinfo->flinfo->fn_extra = (void *) agg;
	}
	return state;
}
