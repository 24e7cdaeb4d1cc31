/*
 * cxm.c
 *	  Module entry and helpers shared by the glue files.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "cxm.h"

PG_MODULE_MAGIC;

static void *
cxm_palloc_zero(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
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

int64 *
cxm_int8_state(ArrayType *state, int nelem, const char *what)
{
	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] != nelem ||
		ARR_HASNULL(state) || ARR_ELEMTYPE(state) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s state", what),
				 errdetail("The state must be a one-dimensional bigint array of %d non-NULL elements.",
						   nelem)));
	return (int64 *) ARR_DATA_PTR(state);
}

ArrayType *
cxm_int8_state_arg(FunctionCallInfo fcinfo, int argno)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(argno);
	return PG_GETARG_ARRAYTYPE_P_COPY(argno);
}
