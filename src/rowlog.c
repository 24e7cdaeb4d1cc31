/*
 * rowlog.c
 *	  The shared row logs of hash aggregations (see rowlog.h): creation in
 *	  the hash table's memory context, the backend's registry of live logs,
 *	  and the tagged group Datums.
 */
#include "postgres.h"

#include <sys/mman.h>

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

static void *
rowlog_repalloc(void *ctx, void *ptr, size_t size)
{
	return ptr == NULL
		? MemoryContextAllocExtended((MemoryContext) ctx, size, MCXT_ALLOC_HUGE)
		: repalloc_huge(ptr, size);
}

#ifdef MADV_HUGEPAGE
/* Linux 6.1's synchronous collapse, which glibc 2.36's headers do not name */
#if defined(__linux__) && !defined(MADV_COLLAPSE)
#define MADV_COLLAPSE 25
#endif

/*
 * A slab's run of whole huge pages (rowlog_use_hint), offered to the kernel
 * for huge pages.  Every row writes fresh memory once, and on the virtual
 * machines of the benches each page fault costs about 12 us of CPU, some
 * fifty times what writing its 4 kB costs, while a 2 MB page is one fault
 * (doc/journeys.md, "Performance").  A fault gives a huge page only where
 * no part of its 2 MB has been mapped yet: malloc may hand out memory that
 * a previous query already touched, and there the run is collapsed into
 * huge pages at once (MADV_COLLAPSE, where the kernel has it; an error,
 * e.g. for parts never touched, changes nothing).  These are hints about
 * the slab's own pages only, whole pages inside its allocation.
 */
static void
rowlog_hint(void *p, size_t len)
{
	(void) madvise(p, len, MADV_HUGEPAGE);
#ifdef MADV_COLLAPSE
	(void) madvise(p, len, MADV_COLLAPSE);
#endif
}
#endif

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
#ifdef MADV_HUGEPAGE
	rowlog_use_hint(sl->log, rowlog_hint);
#endif
	if (!as->hash_ever_spilled && outerPlan(as->ss.ps.plan) != NULL)
	{
		/*
		 * Room for the rows and groups the planner expects (not more than a
		 * quarter of hash_mem): no copies while the log grows, and no unused
		 * half of its last doubling.  After a spill each batch starts small.
		 */
		double		rows = outerPlan(as->ss.ps.plan)->plan_rows;
		double		groups = (double) ((Agg *) as->ss.ps.plan)->numGroups;
		double		most = (double) (get_hash_memory_limit() / 4 / sizeof(RowLogEntry));

		rows += rows / 8;		/* an estimate a little short costs a doubling */
		if (groups > rows)
			groups = rows;
		if (groups < 0)
			groups = 0;
		/* a group's record takes as much room as 4 entries */
		if (rows + 4 * groups > most)
		{
			double		f = most / (rows + 4 * groups);

			rows *= f;
			groups *= f;
		}
		if (rows > 0)
			(void) rowlog_reserve(sl->log, (size_t) rows, (size_t) groups);
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
