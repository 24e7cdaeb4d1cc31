/*
 * journey_core.h
 *	  Journeys in plain C (no postgres.h): the journey_path aggregate state
 *	  (an append-only log of steps, or a bounded min-heap over a string
 *	  arena for the max_steps form), its sort, the wire-format
 *	  check of a serialized state, path_collapse and the session-gap test of
 *	  sessionize.
 *
 * Timestamps are PostgreSQL timestamptz values: int64 microseconds, with
 * INT64_MIN and INT64_MAX standing for -infinity and infinity.
 *
 * Nothing here relies on zeroed memory: the allocator may be
 * cxm_allocator_nozero() (cxm_core.h).  test/fuzz/fuzz_journey.c runs the
 * core on garbage-filled allocations to keep it that way.
 */
#ifndef JOURNEY_CORE_H
#define JOURNEY_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cxm_core.h"
#include "rowlog_core.h"
#include "wire_core.h"

#define JPATH_TS_NOBEGIN	INT64_MIN	/* -infinity */
#define JPATH_TS_NOEND		INT64_MAX	/* infinity */
#define JPATH_USECS_PER_DAY INT64_C(86400000000)

/*
 * The result array must stay below PostgreSQL's 1 GB allocation limit: the
 * live items may take at most this many bytes as array elements (4-byte
 * header + string, each aligned to 4).
 */
#define JPATH_MAX_OUT_BYTES ((size_t) 0x3FFFF000)

/* bytes of a step as a text array element: 4-byte header + data, aligned to 4 */
static inline size_t
jpath_elem_bytes(size_t len)
{
	return (4 + len + 3) & ~(size_t) 3;
}

/* serialized state (wire_core.h's byte order): version byte, int32
 * max_steps, int32 count, then count times (int64 ts, int32 len, len bytes);
 * written by jpath_wire_write_header and count jpath_wire_write_step calls */
#define JPATH_WIRE_VERSION	1
#define JPATH_WIRE_HEADER	9
#define JPATH_WIRE_ITEM		12

/* a step of a bounded state: its string at arena + off */
typedef struct JPathItem
{
	int64_t		ts;
	uint32_t	off;
	uint32_t	len;
} JPathItem;

/* a step as the final function sees it */
typedef struct JPathRef
{
	int64_t		ts;
	const char *s;
	size_t		len;
} JPathRef;

/* bytes of a log entry before its string: int64 ts, uint32 length */
#define JPATH_LOG_HEADER	12

/* a segment of the log: entries never straddle two segments */
typedef struct JPathSeg
{
	struct JPathSeg *next;
	uint32_t	used;
	uint32_t	cap;
	/* cap bytes of entries follow (JPATH_SEG_DATA) */
} JPathSeg;

/*
 * Without max_steps the state is a log: entries (int64 ts, uint32 length,
 * bytes), unaligned and in native byte order, appended in arrival order to a
 * chain of segments.  The first segment lives in the same allocation as the
 * state; each further one is twice as large as the one before.  Nothing is
 * ever copied or freed while rows arrive, so a state costs about what it
 * holds, and a short journey is one allocation.  The final function indexes
 * and sorts the entries once.
 *
 * With max_steps, items is a min-heap of at most max_steps (ts, offset,
 * length) items over a string arena, holding the greatest keys seen.
 *
 * Create states with jpath_create (the pointer never moves afterwards).
 */
typedef struct JPathState
{
	/* the fields a row touches come first, in one cache line */
	size_t		n;				/* steps kept */
	size_t		out_bytes;		/* size of the steps as array elements */
	char	   *wpos;			/* log: where the next entry goes ... */
	char	   *wend;			/* ... and the end of the tail segment */
	int32_t		max_steps;		/* 0: keep every step (log); else a heap */
	/* log (max_steps = 0); tail->used is only updated when it fills up */
	JPathSeg   *head;
	JPathSeg   *tail;
	size_t		log_bytes;		/* entry bytes in closed segments */
	/* heap (max_steps > 0) */
	JPathItem  *items;
	size_t		cap;
	char	   *arena;
	size_t		arena_len;		/* bytes used, live or not */
	size_t		arena_cap;
	size_t		live_bytes;		/* arena bytes referenced by items */
	CxmAlloc	alloc;			/* need not zero: nothing relies on it */
} JPathState;

/* the steps in (ts, touchpoint) order */
typedef struct JPathView
{
	JPathRef   *refs;
	size_t		n;
} JPathView;

/* walks the steps of a state in storage order */
typedef struct JPathIter
{
	const JPathSeg *seg;
	size_t		pos;
	size_t		i;
} JPathIter;

/* a string of a path, for path_collapse */
typedef struct JPathStr
{
	const char *ptr;
	size_t		len;
	bool		isnull;
} JPathStr;

/* a positive interval as whole days (months count 30 days) plus 0..day-1 us */
typedef struct JPathGap
{
	int64_t		days;
	int64_t		usecs;
} JPathGap;

extern JPathState *jpath_create(int32_t max_steps, CxmAlloc alloc);
extern void jpath_destroy(JPathState *st);
extern CxmStatus jpath_reserve(JPathState *st, size_t items, size_t bytes);
extern CxmStatus jpath_add(JPathState *st, int64_t ts, const char *s, size_t len);
extern CxmStatus jpath_merge(JPathState *dst, const JPathState *src);
extern int	jpath_key_cmp(int64_t ta, const char *sa, size_t la,
						  int64_t tb, const char *sb, size_t lb);
extern JPathView jpath_sorted(const JPathState *st, const CxmAlloc *tmp);
extern void jpath_view_release(JPathView *v, const CxmAlloc *tmp);
extern void jpath_iter_init(const JPathState *st, JPathIter *it);
extern bool jpath_iter_next(const JPathState *st, JPathIter *it,
							int64_t *ts, const char **s, size_t *len);

/*
 * The common case of jpath_add, inlined into the transition function: an
 * unbounded state with room in its tail segment.  False when the caller must
 * call jpath_add instead (which handles everything, this case included).
 */
static inline bool
jpath_log_append(JPathState *st, int64_t ts, const char *s, size_t len)
{
	size_t		esz = jpath_elem_bytes(len);
	uint32_t	l32 = (uint32_t) len;
	char	   *p = st->wpos;

	if (st->max_steps != 0 || len > JPATH_MAX_OUT_BYTES ||
		(size_t) (st->wend - p) < JPATH_LOG_HEADER + len ||
		st->out_bytes + esz > JPATH_MAX_OUT_BYTES)
		return false;
	memcpy(p, &ts, sizeof(ts));
	memcpy(p + 8, &l32, sizeof(l32));
	memcpy(p + JPATH_LOG_HEADER, s, len);
	st->wpos = p + JPATH_LOG_HEADER + len;
	st->n++;
	st->out_bytes += esz;
	return true;
}

/*
 * The touchpoints of a shared row log (rowlog_core.h), interned: each
 * distinct string is stored once and named by a dense id, so a log entry has
 * a fixed size.  Strings never move once interned.
 */
typedef struct JPathDictStr
{
	const char *s;
	uint32_t	len;
	uint32_t	hash;
} JPathDictStr;

typedef struct JPathDict
{
	uint32_t   *table;			/* id + 1 per bucket, 0 = empty */
	uint32_t	mask;			/* buckets - 1 (a power of two) */
	uint32_t	n;				/* strings interned */
	uint32_t	cap;			/* room in strs */
	JPathDictStr *strs;
	char	   *arena_pos;		/* where the next string's bytes go ... */
	char	   *arena_end;		/* ... and the end of the current chunk */
	void	   *chunks;			/* chain of string chunks */
	uint32_t   *rank;			/* byte order of the strings (jpath_dict_ranks) */
	uint32_t   *order;			/* the ids in that order: order[rank[id]] == id */
	uint32_t	nranked;		/* strings rank covers */
	CxmAlloc	alloc;
} JPathDict;

extern JPathDict *jpath_dict_create(CxmAlloc alloc);
extern void jpath_dict_destroy(JPathDict *d);
/* the id of s (interned if new); CXM_ERANGE when it is too long or 2^32 - 1 ids exist */
extern CxmStatus jpath_dict_intern(JPathDict *d, const char *s, size_t len, uint32_t *id);

static inline const JPathDictStr *
jpath_dict_get(const JPathDict *d, uint32_t id)
{
	return &d->strs[id];
}

/*
 * rank[id]: the position of string id in byte order (as COLLATE "C"), so
 * that (ts, rank) orders steps as (ts, touchpoint) does (and d->order the
 * ids by rank); recomputed when strings were added since.  Memory comes
 * from the dictionary's allocator.
 */
extern const uint32_t *jpath_dict_ranks(JPathDict *d);

/*
 * Every group's path of a grouped row log (rowlog_core.h: rowlog_index)
 * whose entries' values are ids of a JPathDict, built in one pass in the
 * log's order (jpath_log_paths_build): each group's steps sorted by (ts,
 * touchpoint) and kept as the touchpoints' ids, 1, 2 or 4 bytes each (as
 * the dictionary's size requires), at the positions of the group's entries
 * in the grouped log.  journey_path's final calls come one group at a time
 * in the hash table's order, in which reading a group's 16-byte entries
 * missed the caches every few entries; its ids take a byte each, already in
 * order (doc/journeys.md, "Performance").
 */
typedef struct JPathLogPaths
{
	unsigned char *ids;
	size_t		cap;			/* bytes at ids */
	bool		carved;			/* ids are the log's (rowlog_carve), not alloc's */
	unsigned	width;			/* bytes per id */
	uint64_t	generation;		/* the log's grouping they were built from */
	size_t		base[ROWLOG_BUCKETS];	/* each bucket's first entry in ids */
} JPathLogPaths;

/*
 * (Re)build p from log, which must be grouped (rowlog_index) with values
 * below dict->n; p starts zeroed.  The ids take what the log's slabs have
 * left when that is enough (rowlog_carve), else memory from alloc, as the
 * scratch space for the largest group does.  When rec_off is not JPATH_NO_REC, the
 * log has records (rowlog_use_records) and each slot's record gets, at
 * rec_off, where its ids are (jpath_log_paths_pack): the final call reads
 * the record anyway, so that the position costs no cache miss of its own.
 */
#define JPATH_NO_REC	SIZE_MAX
extern void jpath_log_paths_build(JPathLogPaths *p, RowLog *log, JPathDict *dict,
								  const CxmAlloc *alloc, size_t rec_off);

/*
 * A group's ids as one word: the first's position above 24 bits of their
 * number; JPATH_PACK_NONE when either does not fit (then
 * jpath_log_paths_group finds them).
 */
#define JPATH_PACK_NBITS	24
#define JPATH_PACK_NONE		UINT64_MAX

static inline uint64_t
jpath_log_paths_pack(size_t first, size_t n)
{
	if (n >= ((size_t) 1 << JPATH_PACK_NBITS) - 1 ||
		(uint64_t) first >= UINT64_C(1) << (64 - JPATH_PACK_NBITS))
		return JPATH_PACK_NONE;
	return ((uint64_t) first << JPATH_PACK_NBITS) | n;
}

/* a packed word's group (JPATH_PACK_NONE excluded): its number, and *first */
static inline size_t
jpath_log_paths_unpack(uint64_t w, size_t *first)
{
	*first = (size_t) (w >> JPATH_PACK_NBITS);
	return (size_t) (w & (((uint64_t) 1 << JPATH_PACK_NBITS) - 1));
}
extern void jpath_log_paths_free(JPathLogPaths *p, const CxmAlloc *alloc);

/* the number of slot's steps; their ids are jpath_log_paths_id(p, *first + i) */
static inline size_t
jpath_log_paths_group(const JPathLogPaths *p, const RowLog *log, uint32_t slot, size_t *first)
{
	uint32_t	b = slot & (ROWLOG_BUCKETS - 1);
	const size_t *st = log->start + (size_t) b * (log->nk + 1) + (slot >> ROWLOG_BUCKET_BITS);

	*first = p->base[b] + st[0];
	return st[1] - st[0];
}

static inline uint32_t
jpath_log_paths_id(const JPathLogPaths *p, size_t i)
{
	uint16_t	v2;
	uint32_t	v4;

	if (p->width == 1)
		return p->ids[i];
	if (p->width == 2)
	{
		memcpy(&v2, p->ids + 2 * i, 2);
		return v2;
	}
	memcpy(&v4, p->ids + 4 * i, 4);
	return v4;
}

/*
 * Sort n keys ascending, into a or tmp (room for n keys): returns which.
 * pos has room for n ranks (sortkey_core.h).
 */
extern int64_t *jpath_sort_keys(int64_t *a, size_t n, int64_t *tmp, uint32_t *pos);

/* sort refs by (ts, touchpoint bytes), stably; one pass when already sorted */
extern void jpath_sort_refs(JPathRef *a, size_t n, const CxmAlloc *tmp);

extern CxmStatus jpath_wire_check(const unsigned char *buf, size_t len,
							  int32_t *max_steps, uint32_t *count, size_t *bytes,
							  char *msg, size_t msglen);
extern void jpath_wire_write_header(WireWriter *w, int32_t max_steps, uint32_t count);
extern void jpath_wire_write_step(WireWriter *w, int64_t ts, const char *s, size_t len);

extern size_t jpath_collapse(const JPathStr *in, size_t n, bool *keep);

extern int	jpath_interval_sign(int32_t months, int32_t days, int64_t usecs);
extern JPathGap jpath_gap_make(int32_t months, int32_t days, int64_t usecs);
extern bool jpath_gap_exceeded(int64_t prev, int64_t cur, JPathGap gap);

/* sessions of sorted times (layer_touch_facts, layer_touch_months) */
typedef struct JPathSessionStats
{
	int64_t		sessions;
	int64_t		bounced;		/* sessions of a single time */
	int64_t		usecs;			/* summed last minus first time */
} JPathSessionStats;

extern size_t jpath_sessions(const int64_t *ts, size_t n, JPathGap gap, size_t *starts);
extern JPathSessionStats jpath_session_stats(const int64_t *ts, size_t n, JPathGap gap);

#endif							/* JOURNEY_CORE_H */
