/*
 * state_type.h
 *	  The concrete state types of cxm's aggregates (doc/scale-out.md, "State
 *	  types"): cxm.path_state, cxm.funnel_state, cxm.rfm_state,
 *	  cxm.fit_state, cxm.attribution_state, cxm.assoc_rules_state,
 *	  cxm.rank_state, cxm.touch_state.
 *
 * Each aggregate family keeps its in-memory state as before (a pointer, or
 * a tagged Datum naming a group of a shared row log, rowlog.h); a
 * CxmStateDesc says how to write it as the family's versioned wire bytes and
 * how to read such bytes back (checked completely: a damaged state is an
 * ERROR 22P03).  During aggregation the state travels as a read-write
 * expanded object (utils/expandeddatum.h) that wraps that in-memory state,
 * so no row pays for flattening: PostgreSQL keeps a read-write expanded
 * transition value whose memory context is a child of the aggregate context
 * as it is.  The flat form (the type's on-disk and binary form) is a varlena
 * holding the wire bytes; its text form is their hex, like bytea's
 * (\x...).  Citus ships partial states through that text form.
 *
 * The transition, combine and final functions of a family are its former
 * functions on the in-memory state (impl), called through
 * cxm_state_trans / cxm_state_final, which swap the state arguments for the
 * in-memory states (expanding flat datums) and wrap a new state.
 */
#ifndef CXM_STATE_TYPE_H
#define CXM_STATE_TYPE_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/expandeddatum.h"

#include "rowlog.h"

typedef struct CxmStateDesc
{
	/*
	 * The expanded-object methods (the same for every family): an object's
	 * eoh_methods points here, so it leads to its descriptor and the object
	 * needs no field for it.
	 */
	ExpandedObjectMethods methods;
	const char *name;			/* the aggregate, as messages name it */

	/* the wire bytes of a state, as a bytea in CurrentMemoryContext */
	bytea	   *(*flatten) (Datum state);

	/*
	 * A state read from wire bytes, allocated in cxt; a damaged state is an
	 * ERROR 22P03 (cxm_bad_state).
	 */
	Datum		(*expand) (const char *data, size_t len, MemoryContext cxt);

	/*
	 * In hash aggregation the state is a group of a shared row log
	 * (rowlog.h): the transition function's fn_extra is the log's
	 * CxmSharedLogRef, and the group's header is its slot's record in the
	 * log (state_type.c, state_log_trans).
	 */
	bool		row_log;
} CxmStateDesc;

extern Size cxm_state_get_flat_size(ExpandedObjectHeader *eohptr);
extern void cxm_state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

/* a descriptor: static const CxmStateDesc d = CXM_STATE_DESC("name", flatten, expand); */
#define CXM_STATE_DESC(name, flatten, expand) \
	{{cxm_state_get_flat_size, cxm_state_flatten_into}, (name), (flatten), (expand), false}
#define CXM_STATE_DESC_LOG(name, flatten, expand) \
	{{cxm_state_get_flat_size, cxm_state_flatten_into}, (name), (flatten), (expand), true}

/*
 * A transition (nstates = 1) or combine (nstates = 2) function: impl sees
 * the in-memory states in its state arguments (NULL stays NULL) and returns
 * the in-memory state; the result is the read-write expanded state.
 */
extern Datum cxm_state_trans(FunctionCallInfo fcinfo, PGFunction impl,
							 const CxmStateDesc *desc, int nstates);

/*
 * The memory context where a transition or combine function allocates a new
 * in-memory state (or grows it): a child of the aggregate context, shared by
 * the states of the aggregation and their headers, so that a group's header
 * lies next to its state (one cache miss less per row with many groups).
 */
extern MemoryContext cxm_state_context(FunctionCallInfo fcinfo, const char *fname);

/* a final function: impl sees the in-memory state; its result is returned */
extern Datum cxm_state_final(FunctionCallInfo fcinfo, PGFunction impl,
							 const CxmStateDesc *desc);

/* the type's input, output, receive and send functions */
extern Datum cxm_state_in(FunctionCallInfo fcinfo, const CxmStateDesc *desc);
extern Datum cxm_state_out(FunctionCallInfo fcinfo, const CxmStateDesc *desc);
extern Datum cxm_state_recv(FunctionCallInfo fcinfo, const CxmStateDesc *desc);
extern Datum cxm_state_send(FunctionCallInfo fcinfo, const CxmStateDesc *desc);

/* the SQL-callable functions of a state type: <type>_in, _out, _recv, _send */
#define CXM_STATE_TYPE_IO(type, desc) \
	PG_FUNCTION_INFO_V1(type##_in); \
	PG_FUNCTION_INFO_V1(type##_out); \
	PG_FUNCTION_INFO_V1(type##_recv); \
	PG_FUNCTION_INFO_V1(type##_send); \
	Datum type##_in(PG_FUNCTION_ARGS) { return cxm_state_in(fcinfo, &(desc)); } \
	Datum type##_out(PG_FUNCTION_ARGS) { return cxm_state_out(fcinfo, &(desc)); } \
	Datum type##_recv(PG_FUNCTION_ARGS) { return cxm_state_recv(fcinfo, &(desc)); } \
	Datum type##_send(PG_FUNCTION_ARGS) { return cxm_state_send(fcinfo, &(desc)); } \
	extern int	cxm_state_type_io_##type

/* an SQL-callable transition or combine function over impl */
#define CXM_STATE_TRANS(fn, impl, desc, nstates) \
	PG_FUNCTION_INFO_V1(fn); \
	Datum fn(PG_FUNCTION_ARGS) { return cxm_state_trans(fcinfo, impl, &(desc), nstates); } \
	extern int	cxm_state_trans_##fn

/*
 * The row transition of a family with a row log (desc.row_log): the usual
 * row of a hash aggregation, a group of the log without bits of its own,
 * goes to impl directly (inlined in the SQL-callable function), with the
 * group's tag in place of its header; anything else to cxm_state_trans.
 */
extern Datum cxm_state_log_changed(FunctionCallInfo fcinfo, const CxmStateDesc *desc,
								   Datum header, uint32 slot, Datum result);

static inline Datum
cxm_state_log_row(FunctionCallInfo fcinfo, PGFunction impl, const CxmStateDesc *desc)
{
	CxmSharedLogRef *ref;

	if (likely(!fcinfo->args[0].isnull) && (ref = cxm_log_current(fcinfo)) != NULL)
	{
		const RowLog *log = ref->sl->log;
		Datum		d = fcinfo->args[0].value;
		uint32		slot = rowlog_record_slot(log, DatumGetPointer(d));

		if (likely(slot != PG_UINT32_MAX && rowlog_user(log, slot) == 0))
		{
			Datum		tag = cxm_log_group(ref->sl, slot, 0);
			Datum		result;

			fcinfo->args[0].value = tag;
			result = impl(fcinfo);
			if (likely(!fcinfo->isnull && result == tag))
				return d;
			return cxm_state_log_changed(fcinfo, desc, d, slot, result);
		}
	}
	return cxm_state_trans(fcinfo, impl, desc, 1);
}

#define CXM_STATE_TRANS_LOG(fn, impl, desc) \
	PG_FUNCTION_INFO_V1(fn); \
	Datum fn(PG_FUNCTION_ARGS) { return cxm_state_log_row(fcinfo, impl, &(desc)); } \
	extern int	cxm_state_trans_##fn

/* an SQL-callable final function over impl */
#define CXM_STATE_FINAL(fn, impl, desc) \
	PG_FUNCTION_INFO_V1(fn); \
	Datum fn(PG_FUNCTION_ARGS) { return cxm_state_final(fcinfo, impl, &(desc)); } \
	extern int	cxm_state_final_##fn

/*
 * The serial and deserial functions of the 1.1 aggregates (on internal),
 * whose catalog names these C symbols: a 1.1 installation keeps working
 * with this library until ALTER EXTENSION cxm UPDATE replaces them.  Their
 * internal states are the expanded objects above.
 */
extern Datum cxm_state_legacy_serial(FunctionCallInfo fcinfo, const CxmStateDesc *desc);
extern Datum cxm_state_legacy_deserial(FunctionCallInfo fcinfo, const CxmStateDesc *desc);

#define CXM_STATE_LEGACY(serial, deserial, desc) \
	PG_FUNCTION_INFO_V1(serial); \
	PG_FUNCTION_INFO_V1(deserial); \
	Datum serial(PG_FUNCTION_ARGS) { return cxm_state_legacy_serial(fcinfo, &(desc)); } \
	Datum deserial(PG_FUNCTION_ARGS) { return cxm_state_legacy_deserial(fcinfo, &(desc)); } \
	extern int	cxm_state_legacy_##serial

#endif							/* CXM_STATE_TYPE_H */
