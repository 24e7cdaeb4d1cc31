/*
 * cxm.h
 *	  Helpers shared by the fmgr glue files (the files that include postgres.h).
 */
#ifndef CXM_H
#define CXM_H

#include "postgres.h"

#include "catalog/pg_type.h"

#include "fmgr.h"
#include "nodes/execnodes.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "cxm_core.h"
#include "wire_core.h"

/* a CxmAlloc that pallocs (zeroed) in the given memory context */
extern CxmAlloc cxm_allocator(MemoryContext cxt);
extern CxmAlloc cxm_allocator_nozero(MemoryContext cxt);

/*
 * Check that an int8[] aggregate state is a one-dimensional array of exactly
 * nelem non-NULL elements and return its data.  The transition functions are
 * callable from SQL, so a malformed array must end in an ERROR, not a crash.
 */
extern void cxm_bad_int8_state(int nelem, const char *what) pg_attribute_noreturn();

static inline int64 *
cxm_int8_state(ArrayType *state, int nelem, const char *what)
{
	if (unlikely(ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] != nelem ||
				 ARR_HASNULL(state) || ARR_ELEMTYPE(state) != INT8OID))
		cxm_bad_int8_state(nelem, what);
	return (int64 *) ARR_DATA_PTR(state);
}

/*
 * The aggregate's state array, writable: in aggregate or window context the
 * one passed in (updated in place, as int4_avg_accum does), elsewhere a copy.
 * Inlined, because it runs once per row: a state that arrives with a short
 * or compressed header (a partial state read back from a worker) is
 * detoasted first.
 */
static inline ArrayType *
cxm_int8_state_arg(FunctionCallInfo fcinfo, int argno)
{
	Datum		d = PG_GETARG_DATUM(argno);

	if (fcinfo->context != NULL &&
		(IsA(fcinfo->context, AggState) || IsA(fcinfo->context, WindowAggState)))
	{
		if (likely(!VARATT_IS_EXTENDED(DatumGetPointer(d))))
			return (ArrayType *) DatumGetPointer(d);
		return DatumGetArrayTypeP(d);
	}
	return DatumGetArrayTypePCopy(d);
}

/*
 * Serialized aggregate states (wire_core.h): cxm_wire_begin starts a writer
 * in CurrentMemoryContext with room for a varlena header and about hint
 * bytes; cxm_wire_bytea turns what was written into the bytea to return (no
 * copy).  cxm_bad_state is the one ERROR of a damaged state: 22P03, "invalid
 * <aggregate> state", the reason (a sentence) as its detail.
 */
extern void cxm_wire_begin(WireWriter *w, size_t hint);
extern bytea *cxm_wire_bytea(WireWriter *w);
extern void cxm_bad_state(const char *aggregate, const char *detail) pg_attribute_noreturn();

/*
 * The one mapping of a core's status (cxm_core.h) to a SQLSTATE:
 *
 *	CXM_EINVAL	22023 invalid_parameter_value
 *	CXM_ERANGE	range_errcode: 22003 numeric_value_out_of_range for a number,
 *				54000 program_limit_exceeded for a size limit (0: 22003)
 *	CXM_ESYNTAX 2201B invalid_regular_expression (path patterns)
 *	CXM_ENOCONV 22003 numeric_value_out_of_range: a numerical method that
 *				cannot give a finite answer for these inputs (a series that
 *				does not converge, a singular Markov system)
 *
 * cxm_raise reports a failed status as an ERROR with that SQLSTATE and msg
 * (the core's message) as its message; it returns on CXM_OK.  Glue that
 * words its own message per status takes the code from cxm_status_errcode.
 */
extern int	cxm_status_errcode(CxmStatus st, int range_errcode);
extern void cxm_raise(CxmStatus st, const char *msg, int range_errcode);

/*
 * The aggregate's memory context for a support function called as one
 * (AggCheckCallContext).  Anywhere else (only C can call them: their
 * internal arguments cannot be written in SQL) it is an ERROR 0A000
 * (feature_not_supported) naming fname, not an internal error.
 */
extern MemoryContext cxm_agg_context(FunctionCallInfo fcinfo, const char *fname);

/*
 * The element type of a function returning an array of rows (of natts
 * columns), looked up once per call site and kept in fn_extra.
 */
typedef struct CxmRowArrayType
{
	Oid			elemtype;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	TupleDesc	tupdesc;
} CxmRowArrayType;

extern CxmRowArrayType *cxm_row_array_type(FunctionCallInfo fcinfo, int natts);

/*
 * The int8[] state of a transition function that updates it in place,
 * checked where it enters rather than on every row.  Inside an aggregate
 * node (AggState) every state the function is handed is a copy of the
 * aggregate's initial value or the very array it returned for that group
 * (updated in place, structure untouched), and its first call is on such a
 * copy: once that first state has passed the check, fn_extra holds the node
 * and later calls take the state as it comes.  Everywhere else the state is
 * checked on every call: a direct call (on a copy, so the caller's value is
 * left alone) and window aggregation, where the inverse function of a user's
 * own moving aggregate may hand back any array.  A state that arrives with
 * a short or compressed header is detoasted and never trusted.
 */
extern ArrayType *cxm_int8_trans_state_enter(FunctionCallInfo fcinfo, int nelem,
											 const char *what);

/* its data: a checked state has nelem int8 and no NULL bitmap */
#define CXM_INT8_STATE_DATA(state)	((int64 *) ((char *) (state) + ARR_OVERHEAD_NONULLS(1)))

/* the state may be taken as it comes (the first argument, in place) */
static inline bool
cxm_int8_state_trusted(FunctionCallInfo fcinfo)
{
	return fcinfo->context != NULL && fcinfo->flinfo->fn_extra == (void *) fcinfo->context;
}

static inline ArrayType *
cxm_int8_trans_state(FunctionCallInfo fcinfo, int nelem, const char *what)
{
	if (likely(cxm_int8_state_trusted(fcinfo)))
		return (ArrayType *) DatumGetPointer(PG_GETARG_DATUM(0));
	return cxm_int8_trans_state_enter(fcinfo, nelem, what);
}

#endif							/* CXM_H */
