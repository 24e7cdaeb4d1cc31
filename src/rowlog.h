/*
 * rowlog.h
 *	  The server side of the shared row log (rowlog_core.h): one log per hash
 *	  aggregation of journey_path or journey_funnel, and the group states
 *	  that point into it.
 *
 * In hash aggregation a group's in-memory state is not a pointer but a
 * tagged Datum that names the group itself: bit 0 set (a palloc'd pointer
 * never has it), the log's id, the group's slot in the log, and a few bits
 * that the aggregate keeps per group (the log's per-slot bits).  The
 * transition value PostgreSQL holds is the group's expanded-object header
 * (state_type.c), which lives in the slot's record of the log
 * (rowlog_record): a row finds its slot from the header's address alone
 * (rowlog_record_slot) and rebuilds the tag without reading the header, so
 * neither the hash table's memory nor a row's work grows with the headers.
 * The transition function finds the log through its fn_extra, appends the
 * row and returns the header.  The final and combine functions and the
 * flattening read the tag in the header and find the log by its id (a
 * short registry of the backend's live logs); doc/journeys.md gives the
 * measurements that motivate this.
 *
 * The log lives in the hash table's memory context, so it is counted in
 * hash_mem, and is freed with the groups when PostgreSQL resets that
 * context (between spilled batches, at rescans, at the end); a reset
 * callback takes it out of the registry and the fn_extra then.  Outside
 * hash aggregation (sorted or plain grouping, window aggregates) a group's
 * rows arrive together and the aggregates keep their own per-group states.
 */
#ifndef CXM_ROWLOG_H
#define CXM_ROWLOG_H

#include "postgres.h"

#include "fmgr.h"
#include "nodes/execnodes.h"

#include "rowlog_core.h"

typedef struct CxmSharedLog
{
	RowLog	   *log;
	void	   *user;			/* the aggregate's per-log data */
	uint32		id;				/* 1 .. CXM_LOG_MAX_ID */
	struct CxmSharedLogRef *ref;	/* the fn_extra that remembers us */
	MemoryContextCallback reset;
} CxmSharedLog;

/*
 * Tagged Datum: bit 0 = 1, bits 1-16 the log id, bits 17-48 the slot,
 * bits 49-63 the aggregate's own (CXM_LOG_USER_BITS).
 */
#define CXM_LOG_MAX_ID		0xFFFF
#define CXM_LOG_USER_BITS	15

/* a state that is a group of a shared log (not a pointer) */
static inline bool
cxm_log_is_group(Datum d)
{
	return (d & 1) != 0;
}

static inline Datum
cxm_log_group(const CxmSharedLog *sl, uint32 slot, uint32 user)
{
	return (Datum) 1 | ((Datum) sl->id << 1) | ((Datum) slot << 17) | ((Datum) user << 49);
}

static inline uint32
cxm_log_group_slot(Datum d)
{
	return (uint32) (d >> 17);
}

static inline uint32
cxm_log_group_user(Datum d)
{
	return (uint32) (d >> 49);
}

static inline uint32
cxm_log_group_id(Datum d)
{
	return (uint32) (d >> 1) & CXM_LOG_MAX_ID;
}

static inline Datum
cxm_log_group_with_user(Datum d, uint32 user)
{
	return (d & (((Datum) 1 << 49) - 1)) | ((Datum) user << 49);
}

/*
 * The shared log of the hash aggregation calling fcinfo, created (with
 * user NULL, for the caller to fill in) on first use; NULL when the call is
 * not from a hash table, or Datums are too narrow for the tags.
 */
extern CxmSharedLog *cxm_shared_log(FunctionCallInfo fcinfo, MemoryContext aggcxt);

/* a new group of sl, as a tagged Datum with the given user bits */
extern Datum cxm_log_new_group(CxmSharedLog *sl, uint32 user, const char *what);

/* what a transition or combine function's fn_extra holds */
typedef struct CxmSharedLogRef
{
	MemoryContext cxt;
	CxmSharedLog *sl;
	bool		refused;		/* no log in cxt: too many live logs */
} CxmSharedLogRef;

/*
 * The log of the hash aggregation calling fcinfo, when the call is the
 * node's own call of our transition (or combine) function in the hash
 * table's context and a log exists there; else NULL.  Then a non-NULL state
 * argument is always the header of one of the log's groups: the node's
 * groups start NULL (cxm_shared_log refuses an aggregate with an initial
 * state) and our functions only ever return such headers there.
 */
static inline CxmSharedLogRef *
cxm_log_current(FunctionCallInfo fcinfo)
{
	CxmSharedLogRef *ref = (CxmSharedLogRef *) fcinfo->flinfo->fn_extra;
	AggState   *as = (AggState *) fcinfo->context;

	if (ref == NULL || ref->sl == NULL || as == NULL || !IsA(as, AggState) ||
		as->curaggcontext == NULL || as->curaggcontext->ecxt_per_tuple_memory != ref->cxt)
		return NULL;
	return ref;
}

/*
 * The last 8 bytes of a group's record, after its header (state_type.c),
 * are the aggregate's own: journey_path keeps where its group's path is
 * there, which its final call then reads in the line the executor has just
 * read the header from.
 */
#define CXM_LOG_REC_SPARE	(ROWLOG_REC_SIZE - sizeof(uint64))

static inline uint64 *
cxm_log_spare(const CxmSharedLog *sl, uint32 slot)
{
	return (uint64 *) ((char *) rowlog_record(sl->log, slot) + CXM_LOG_REC_SPARE);
}

/* the live log of a tagged Datum, from the registry (ERROR if none: a bug) */
extern CxmSharedLog *cxm_log_lookup(Datum d);

/*
 * The log of a tagged Datum, as a transition or combine function (whose
 * fn_extra cxm_shared_log set up) finds it: the one it remembers, almost
 * always.
 */
static inline CxmSharedLog *
cxm_log_of(FunctionCallInfo fcinfo, Datum d)
{
	CxmSharedLogRef *ref = (CxmSharedLogRef *) fcinfo->flinfo->fn_extra;

	if (likely(ref != NULL && ref->sl != NULL && ref->sl->id == cxm_log_group_id(d)))
		return ref->sl;
	return cxm_log_lookup(d);
}

#endif							/* CXM_ROWLOG_H */
