/*
 * rowlog.c
 *	  The shared row logs of hash aggregations (see rowlog.h): creation in
 *	  the hash table's memory context, the backend's registry of live logs,
 *	  and the tagged group Datums.
 */
#include "postgres.h"

#include <sys/mman.h>
#include <unistd.h>

#include "fmgr.h"
#include "executor/nodeAgg.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/memutils.h"

#include "cxm.h"
#include "rowlog.h"

/* the live logs of this backend (few: one per running hash aggregate) */
static CxmSharedLog **live_logs = NULL;
static int	nlive = 0;
static int	live_cap = 0;
static uint32 last_id = 0;

/*
 * The log's array.  A large one is also given to the kernel as a candidate
 * for huge pages (MADV_HUGEPAGE, where the kernel has it): every row writes
 * fresh memory once, and on virtual machines a page fault per 4 kB of it
 * costs more than writing the page (20 us a fault measured here, against
 * 0.1 us for the same 80 MB in 2 MB pages).  It is a hint about these pages
 * only; nothing else in the process changes.
 */
#define ROWLOG_HUGE_HINT	((size_t) 32 << 20)

static void *
rowlog_repalloc(void *ctx, void *ptr, size_t size)
{
	void	   *p = ptr == NULL
		? MemoryContextAllocExtended((MemoryContext) ctx, size, MCXT_ALLOC_HUGE)
		: repalloc_huge(ptr, size);

#ifdef MADV_HUGEPAGE
	if (size >= ROWLOG_HUGE_HINT)
	{
		/*
		 * The whole pages of the block, which malloc maps for it alone at
		 * this size (glibc's largest threshold is 32 MB): hinting only a
		 * part would split the mapping, and a split mapping cannot grow in
		 * place (mremap), so the next growth would copy it.
		 */
		uintptr_t	page = (uintptr_t) sysconf(_SC_PAGESIZE);
		uintptr_t	start = (uintptr_t) p & ~(page - 1);
		uintptr_t	end = ((uintptr_t) p + size + page - 1) & ~(page - 1);

		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
	}
#endif
	return p;
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
 * Is fcinfo the node's own call of a transition (or combine) function, of
 * an aggregate without an initial state?  An aggregate calling ours from
 * its own (Citus's worker_partial_agg does, with a fresh FmgrInfo on every
 * call, so no fn_extra to remember the log by) keeps per-group states, and
 * so does one defined with an initial state (every group would start from
 * that flat state, never from NULL: see cxm_log_current).
 */
static bool
called_by_node(AggState *as, FunctionCallInfo fcinfo)
{
	int			i;

	for (i = 0; i < as->numtrans; i++)
		if (fcinfo->flinfo == &as->pertrans[i].transfn)
			return as->pertrans[i].initValueIsNull;
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
	if (ref->cxt == aggcxt && (ref->sl != NULL || ref->refused))
		return ref->sl;

	if (nlive >= CXM_LOG_MAX_ID - 1)
	{
		/*
		 * That many at once: keep per-group states, for every group of this
		 * context (its groups must not mix states of both kinds).
		 */
		ref->cxt = aggcxt;
		ref->sl = NULL;
		ref->refused = true;
		return NULL;
	}
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
	rowlog_use_records(sl->log);
	if (!as->hash_ever_spilled && outerPlan(as->ss.ps.plan) != NULL)
	{
		/*
		 * Room for the rows the planner expects (not more than a quarter of
		 * hash_mem): no copies while the log grows, and no unused half of
		 * its last doubling.  After a spill each batch starts small.
		 */
		double		rows = outerPlan(as->ss.ps.plan)->plan_rows;
		double		most = (double) (get_hash_memory_limit() / 4 / sizeof(RowLogEntry));

		rows += rows / 8;		/* an estimate a little short costs a doubling */
		if (rows > most)
			rows = most;
		if (rows > 0)
			(void) rowlog_reserve(sl->log, (size_t) rows);
	}
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
	ref->refused = false;
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
