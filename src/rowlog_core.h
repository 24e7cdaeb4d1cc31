/*
 * rowlog_core.h
 *	  A row log shared by all the groups of one hash aggregation (pure C, no
 *	  postgres.h): fixed 16-byte entries (group slot, value, timestamp)
 *	  written sequentially, grouped by slot once, when the first group is
 *	  read back.
 *
 * Why: with many groups, appending each row to its own group's growing
 * state writes into a random one of, say, 100,000 states, and each of those
 * writes misses the CPU caches.  Writing every row to a few sequential
 * streams costs a cache line per four rows instead; grouping them afterwards
 * is a counting sort whose passes stay within the caches, far cheaper than
 * the misses it replaces.  doc/journeys.md and doc/funnels.md show the
 * measurements.
 *
 * The log is partitioned as rows arrive: an entry goes to the bucket of the
 * low ROWLOG_BUCKET_BITS bits of its slot (slots are handed out in order, so
 * the buckets fill evenly), each bucket a chain of blocks that double from
 * ROWLOG_BLOCK_FIRST entries up to ROWLOG_BLOCK_MAX, carved from a few large
 * slabs that never move.  Grouping then sorts one bucket at a time (a few
 * hundred kilobytes for millions of rows) by the rest of the slot, with a
 * counting sort through a buffer the size of the largest bucket, and copies
 * it back; a group's entries are consecutive in its bucket, in one block or
 * across the end of one.
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

/*
 * Tell the system that the len bytes at p (aligned to ROWLOG_HUGE_PAGE,
 * a multiple of it) are worth backing with huge pages (rowlog_use_hint).
 */
typedef void (*RowLogHint) (void *p, size_t len);

/*
 * Huge pages for the slabs (rowlog_use_hint): a slab of at least
 * ROWLOG_HUGE_MIN bytes is allocated ROWLOG_HUGE_PAGE larger than asked and
 * rounded up to whole huge pages; the aligned run of whole pages inside it
 * is hinted and carved first, the unaligned head and tail are kept as
 * spare pieces used when the run is full.  Every row writes fresh memory
 * once, and on the virtual machines the benches run on a first write to a
 * 4 kB page costs about 12 us of CPU (a page fault), while a 2 MB page
 * costs little more than writing it (doc/journeys.md, "Performance").
 */
#define ROWLOG_HUGE_PAGE	((size_t) 2 << 20)
#define ROWLOG_HUGE_MIN		((size_t) 4 << 20)

/*
 * Per-slot records (rowlog_use_records): ROWLOG_REC_SIZE bytes for each
 * slot, in blocks of ROWLOG_REC_PER_BLOCK that never move, and a map from
 * an address back to its slot.  The server keeps each group's
 * expanded-object header there (state_type.c): PostgreSQL holds a pointer
 * to it as the group's transition value, and a row finds its group's slot
 * from that pointer alone, by arithmetic and a lookup in a small table,
 * without reading the header.  The map divides the address space into
 * windows of a block's size: a window holds the tail of at most one block
 * and the start of at most one (bound), each given by its base, the
 * address slot 0 would have in it.
 */
#define ROWLOG_REC_SHIFT		6
#define ROWLOG_REC_SIZE			(1u << ROWLOG_REC_SHIFT)	/* a cache line */
#define ROWLOG_REC_BLOCK_SHIFT	10
#define ROWLOG_REC_PER_BLOCK	(1u << ROWLOG_REC_BLOCK_SHIFT)
#define ROWLOG_REC_WINDOW_SHIFT (ROWLOG_REC_SHIFT + ROWLOG_REC_BLOCK_SHIFT)

typedef struct RowLogRecWindow
{
	uintptr_t	key;			/* address >> ROWLOG_REC_WINDOW_SHIFT; 0: empty */
	uintptr_t	bound;			/* where the block starting here starts */
	uintptr_t	base_lo;		/* below bound */
	uintptr_t	base_hi;		/* from bound on */
} RowLogRecWindow;

/* a slot's bits of the caller's: 15 of its own and ROWLOG_USER_OWN */
#define ROWLOG_USER_OWN			0x8000u

/* the buckets of the entries: by the low bits of the slot */
#ifndef ROWLOG_BUCKET_BITS
#define ROWLOG_BUCKET_BITS	6
#endif
#define ROWLOG_BUCKETS		(1u << ROWLOG_BUCKET_BITS)
/* a bucket's blocks: ROWLOG_BLOCK_FIRST entries, doubling up to ROWLOG_BLOCK_MAX */
#define ROWLOG_BLOCK_FIRST_SHIFT	4
#define ROWLOG_BLOCK_MAX_SHIFT		10
#define ROWLOG_BLOCK_FIRST	((size_t) 1 << ROWLOG_BLOCK_FIRST_SHIFT)
#define ROWLOG_BLOCK_MAX	((size_t) 1 << ROWLOG_BLOCK_MAX_SHIFT)

/* where a bucket's next entry goes (end: its block is full) */
typedef struct RowLogCursor
{
	RowLogEntry *cur;
	RowLogEntry *end;
} RowLogCursor;

typedef struct RowLogBucket
{
	void	  **blocks;			/* block j: RowLogEntry[block_size(j)] */
	uint32_t	nblocks;
	uint32_t	capblocks;
} RowLogBucket;

typedef struct RowLog
{
	/* what an append touches comes first */
	RowLogCursor cursor[ROWLOG_BUCKETS];
	bool		indexed;		/* grouped, and start covers every slot */
	uint64_t	generation;		/* groupings so far: what was derived from one */
	uint32_t	nslots;			/* slots handed out: 0 .. nslots - 1 */
	size_t		n;				/* entries, as of the last rowlog_index() */
	RowLogBucket bucket[ROWLOG_BUCKETS];

	/*
	 * Grouped: the entries of slot s, bucket b = s % ROWLOG_BUCKETS and
	 * k = s / ROWLOG_BUCKETS, are the bucket's entries start[b * (nk + 1) + k]
	 * up to start[b * (nk + 1) + k + 1].
	 */
	size_t	   *start;
	size_t		start_cap;		/* entries of start */
	uint32_t	nk;				/* slots per bucket, at most */
	uint32_t	nstart;			/* slots covered by start */

	/* the slabs the blocks (and the records' blocks) are carved from */
	void	  **slabs;
	uint32_t	nslabs;
	uint32_t	capslabs;
	RowLogEntry *slab_pos;		/* the free part of the current piece */
	RowLogEntry *slab_end;
	RowLogEntry *spare_pos[2];	/* unused pieces of a hinted slab */
	RowLogEntry *spare_end[2];
	size_t		slab_total;		/* entries in all slabs */
	size_t		reserve;		/* the first slab's size, when known */

	RowLogRealloc realloc;
	RowLogHint	hint;			/* NULL: no huge pages asked for */
	CxmAlloc	alloc;

	/* per-slot bits (rowlog_set_user): NULL while every slot has 0 */
	uint16_t   *user;
	size_t		user_cap;

	/* per-slot records: none unless rowlog_use_records() */
	bool		records;
	char	  **rec_block;		/* aligned block starts, in the slabs */
	uint32_t	rec_nblocks;
	uint32_t	rec_capblocks;
	RowLogRecWindow *rec_map;
	uint32_t	rec_map_mask;	/* size - 1, a power of two */
	uint32_t	rec_map_n;
} RowLog;

extern RowLog *rowlog_create(CxmAlloc alloc, RowLogRealloc realloc);
extern void rowlog_destroy(RowLog *log);

/* give every slot a record from now on (before the first slot) */
extern void rowlog_use_records(RowLog *log);

/* hint large slabs for huge pages (before the first slot) */
extern void rowlog_use_hint(RowLog *log, RowLogHint hint);

/* a new slot (group); CXM_ERANGE after 2^32 - 1 of them */
extern CxmStatus rowlog_new_slot(RowLog *log, uint32_t *slot);

/*
 * Room for about n entries and, with records, the records of about
 * nslots slots in all (a caller that knows how many rows and groups will
 * come saves the slabs' growth); CXM_ERANGE beyond SIZE_MAX.  Only before
 * the first slot.
 */
extern CxmStatus rowlog_reserve(RowLog *log, size_t n, size_t nslots);

/*
 * size bytes (aligned as an entry) for data the caller derives from the
 * log, taken from what the slabs have left, and freed with them; NULL when
 * no piece of them has that much room (the caller allocates elsewhere: a
 * new slab would double the log).  In a slab hinted for huge pages, such
 * data costs no 4 kB page faults of its own.
 */
extern void *rowlog_carve(RowLog *log, size_t size);

/* a new block for bucket b (rowlog_append's slow path); CXM_ERANGE beyond SIZE_MAX */
extern CxmStatus rowlog_new_block(RowLog *log, uint32_t b);

/* append an entry; CXM_ERANGE only when the log cannot grow any more */
static inline CxmStatus
rowlog_append(RowLog *log, uint32_t slot, uint32_t val, int64_t ts)
{
	RowLogCursor *c = &log->cursor[slot & (ROWLOG_BUCKETS - 1)];
	RowLogEntry *e;

	if (c->cur == c->end && rowlog_new_block(log, slot & (ROWLOG_BUCKETS - 1)) != CXM_OK)
		return CXM_ERANGE;
	e = c->cur++;

	/*
	 * Ask for the line after this entry's now, which this bucket writes
	 * next: the hardware prefetchers follow one sequential stream, not
	 * many, and the row's stores would wait for it.
	 */
	__builtin_prefetch(e + 4, 1, 3);
	e->ts = ts;
	e->slot = slot;
	e->val = val;
	log->indexed = false;
	return CXM_OK;
}

/*
 * Group the entries by slot.  Nothing happens when nothing changed since
 * the last call.
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

/* a slot's record (rowlog_use_records) */
static inline void *
rowlog_record(const RowLog *log, uint32_t slot)
{
	return log->rec_block[slot >> ROWLOG_REC_BLOCK_SHIFT] +
		((size_t) (slot & (ROWLOG_REC_PER_BLOCK - 1)) << ROWLOG_REC_SHIFT);
}

static inline uint32_t
rowlog_rec_hash(uintptr_t key, uint32_t mask)
{
	return (uint32_t) (((uint64_t) key * UINT64_C(0x9E3779B97F4A7C15)) >> 40) & mask;
}

/*
 * The slot of an address inside a record (rowlog_record(log, s) + k,
 * k < ROWLOG_REC_SIZE); UINT32_MAX for an address in no block.
 */
static inline uint32_t
rowlog_record_slot(const RowLog *log, const void *p)
{
	uintptr_t	a = (uintptr_t) p;
	uintptr_t	key = a >> ROWLOG_REC_WINDOW_SHIFT;
	uint32_t	i = rowlog_rec_hash(key, log->rec_map_mask);
	const RowLogRecWindow *w;
	uintptr_t	base;
	uintptr_t	slot;

	for (;;)
	{
		w = &log->rec_map[i];
		if (w->key == key)
			break;
		if (w->key == 0)
			return UINT32_MAX;
		i = (i + 1) & log->rec_map_mask;
	}
	base = a < w->bound ? w->base_lo : w->base_hi;
	slot = (a - base) >> ROWLOG_REC_SHIFT;
	return slot < log->nslots ? (uint32_t) slot : UINT32_MAX;
}

/* a slot's bits (0 until set) */
static inline uint16_t
rowlog_user(const RowLog *log, uint32_t slot)
{
	return log->user != NULL ? log->user[slot] : 0;
}

extern void rowlog_set_user(RowLog *log, uint32_t slot, uint16_t bits);

/* the number of a slot's entries; the log must be indexed (rowlog_index) */
static inline size_t
rowlog_group_size(const RowLog *log, uint32_t slot)
{
	const size_t *st = log->start + (size_t) (slot & (ROWLOG_BUCKETS - 1)) * (log->nk + 1) +
		(slot >> ROWLOG_BUCKET_BITS);

	return st[1] - st[0];
}

/*
 * A slot's entries (rowlog_group_size of them); the log must be indexed.
 * They are returned in place when they lie in one block, else copied to
 * buf, which has room for them.
 */
extern RowLogEntry *rowlog_group(const RowLog *log, uint32_t slot, RowLogEntry *buf);

#endif							/* ROWLOG_CORE_H */
