/*
 * rowlog_core.h
 *	  A row log shared by all the groups of one hash aggregation (pure C, no
 *	  postgres.h): fixed 16-byte entries (group slot, value, timestamp)
 *	  written sequentially, grouped by slot once, when the first group is
 *	  read back.
 *
 * Why: with many groups, appending each row to its own group's growing
 * state writes into a random one of, say, 100,000 states, and each of those
 * writes misses the CPU caches.  Writing every row to one sequential array
 * costs a cache line per four rows instead; grouping it afterwards is an
 * in-place radix sort by slot whose passes stay within the caches, far
 * cheaper than the misses it replaces.  doc/journeys.md and doc/funnels.md
 * show the measurements.
 *
 * The entries are one array grown by doubling with the caller's realloc
 * (in the server repalloc_huge, which moves large blocks by remapping pages
 * rather than copying them), so grouping needs no second array.
 *
 * Rows may still be appended after the log was grouped: the next
 * rowlog_index() groups again.  Grouping does not keep the arrival order
 * within a slot; the callers sort each group by its own key anyway.
 *
 * Memory need not be zeroed (cxm_allocator_nozero() is fine): every field
 * is written before it is read.
 */
#ifndef ROWLOG_CORE_H
#define ROWLOG_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cxm_core.h"

typedef struct RowLogEntry
{
	int64_t		ts;
	uint32_t	slot;			/* the group */
	uint32_t	val;			/* the caller's: a string id, a step, ... */
} RowLogEntry;

/* grow ptr (NULL at first) to size bytes, keeping its content */
typedef void *(*RowLogRealloc) (void *ctx, void *ptr, size_t size);

typedef struct RowLog
{
	/* what an append touches comes first */
	RowLogEntry *e;				/* the entries */
	size_t		n;
	size_t		cap;
	bool		indexed;		/* e is grouped and start covers every slot */
	uint32_t	nslots;			/* slots handed out: 0 .. nslots - 1 */
	size_t	   *start;			/* slot s: e[start[s] .. start[s + 1]) */
	uint32_t	nstart;			/* slots covered by start */
	RowLogRealloc realloc;
	CxmAlloc	alloc;
} RowLog;

extern RowLog *rowlog_create(CxmAlloc alloc, RowLogRealloc realloc);
extern void rowlog_destroy(RowLog *log);

/* a new slot (group); CXM_ERANGE after 2^32 - 1 of them */
extern CxmStatus rowlog_new_slot(RowLog *log, uint32_t *slot);

/* double the room (rowlog_append's slow path); CXM_ERANGE beyond SIZE_MAX */
extern CxmStatus rowlog_grow(RowLog *log);

/* append an entry; CXM_ERANGE only when the log cannot grow any more */
static inline CxmStatus
rowlog_append(RowLog *log, uint32_t slot, uint32_t val, int64_t ts)
{
	RowLogEntry *e;

	if (log->n == log->cap && rowlog_grow(log) != CXM_OK)
		return CXM_ERANGE;
	e = &log->e[log->n++];
	e->ts = ts;
	e->slot = slot;
	e->val = val;
	log->indexed = false;
	return CXM_OK;
}

/*
 * Group the entries by slot in place.  Nothing happens when nothing changed
 * since the last call.
 */
extern void rowlog_index(RowLog *log);

/*
 * Sort n entries by (ts, slot), the slot field holding whatever key the
 * caller put there (a group's entries share their slot, so a caller may
 * borrow the field and restore it); tmp has room for n entries when
 * n > ROWLOG_SORT_RUN.  An already sorted group costs one pass.
 */
#define ROWLOG_SORT_RUN 16
extern void rowlog_sort_ts_key(RowLogEntry *a, size_t n, RowLogEntry *tmp);

/* a slot's entries; the log must be indexed (rowlog_index) */
static inline RowLogEntry *
rowlog_group(const RowLog *log, uint32_t slot, size_t *n)
{
	*n = log->start[slot + 1] - log->start[slot];
	return log->e + log->start[slot];
}

#endif							/* ROWLOG_CORE_H */
