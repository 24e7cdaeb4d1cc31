/*
 * rowlog.c
 *	  The shared row logs of hash aggregations (see rowlog.h): creation in
 *	  the hash table's memory context, the backend's registry of live logs,
 *	  and the tagged group Datums.
 */
#include "postgres.h"

#include "fmgr.h"
#include "executor/nodeAgg.h"
#include "nodes/execnodes.h"
#include "utils/memutils.h"

#include "cxm.h"
#include "rowlog.h"

/* the live logs of this backend (few: one per running hash aggregate) */
static CxmSharedLog **live_logs = NULL;
static int	nlive = 0;
static int	live_cap = 0;
static uint32 last_id = 0;

static void *
rowlog_repalloc(void *ctx, void *ptr, size_t size)
{
	if (ptr == NULL)
		return MemoryContextAllocExtended((MemoryContext) ctx, size, MCXT_ALLOC_HUGE);
	return repalloc_huge(ptr, size);
}

/* the context reset callback: the log and its groups are gone */
static void
shared_log_forget(void *arg)
{
	CxmSharedLog *sl = (CxmSharedLog *) arg;
	int			i;

	if (sl->ref->sl == sl)
		sl->ref->sl = NULL;
	for (i = 0; i < nlive; i++)
		if (live_logs[i] == sl)
		{
			live_logs[i] = live_logs[--nlive];
			break;
		}
}

static bool
id_in_use(uint32 id)
{
	int			i;

	for (i = 0; i < nlive; i++)
		if (live_logs[i]->id == id)
			return true;
	return false;
}

/*
 * Is fcinfo the node's own call of a transition (or combine) function?  An
 * aggregate calling ours from its own (Citus's worker_partial_agg does,
 * with a fresh FmgrInfo on every call, so no fn_extra to remember the log
 * by) keeps per-group states.
 */
static bool
called_by_node(AggState *as, FunctionCallInfo fcinfo)
{
	int			i;

	for (i = 0; i < as->numtrans; i++)
		if (fcinfo->flinfo == &as->pertrans[i].transfn)
			return true;
	return false;
}

CxmSharedLog *
cxm_shared_log(FunctionCallInfo fcinfo, MemoryContext aggcxt)
{
	AggState   *as;
	CxmSharedLogRef *ref;
	CxmSharedLog *sl;

#if SIZEOF_DATUM < 8
	return NULL;				/* no room for the tags */
#endif
	if (fcinfo->context == NULL || !IsA(fcinfo->context, AggState))
		return NULL;
	as = (AggState *) fcinfo->context;
	if (as->hashcontext == NULL || as->hashcontext->ecxt_per_tuple_memory != aggcxt)
		return NULL;
	if (fcinfo->flinfo->fn_extra == NULL && !called_by_node(as, fcinfo))
		return NULL;
	ref = (CxmSharedLogRef *) fcinfo->flinfo->fn_extra;
	if (ref == NULL)
	{
		ref = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CxmSharedLogRef));
		fcinfo->flinfo->fn_extra = ref;
	}
	if (ref->sl != NULL && ref->cxt == aggcxt)
		return ref->sl;

	if (nlive >= CXM_LOG_MAX_ID - 1)
		return NULL;			/* that many at once: keep per-group states */
	if (nlive == live_cap)
	{
		int			cap = live_cap > 0 ? live_cap * 2 : 8;

		live_logs = live_logs == NULL
			? MemoryContextAlloc(TopMemoryContext, cap * sizeof(CxmSharedLog *))
			: repalloc(live_logs, cap * sizeof(CxmSharedLog *));
		live_cap = cap;
	}
	sl = MemoryContextAlloc(aggcxt, sizeof(CxmSharedLog));
	sl->log = rowlog_create(cxm_allocator_nozero(aggcxt), rowlog_repalloc);
	sl->user = NULL;
	do
		last_id = last_id % CXM_LOG_MAX_ID + 1;
	while (id_in_use(last_id));
	sl->id = last_id;
	sl->ref = ref;
	sl->reset.func = shared_log_forget;
	sl->reset.arg = sl;
	MemoryContextRegisterResetCallback(aggcxt, &sl->reset);
	live_logs[nlive++] = sl;
	ref->cxt = aggcxt;
	ref->sl = sl;
	return sl;
}

Datum
cxm_log_new_group(CxmSharedLog *sl, uint32 user, const char *what)
{
	uint32		slot;

	if (rowlog_new_slot(sl->log, &slot) != CXM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot keep more than %u groups in one hash table",
						what, PG_UINT32_MAX)));
	return cxm_log_group(sl, slot, user);
}

CxmSharedLog *
cxm_log_lookup(Datum d)
{
	uint32		id = cxm_log_group_id(d);
	int			i;

	for (i = 0; i < nlive; i++)
		if (live_logs[i]->id == id)
			return live_logs[i];
	elog(ERROR, "no live row log %u for an aggregate state", id);
	return NULL;				/* keep compiler quiet */
}
