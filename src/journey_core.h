/*
 * journey_core.h
 *	  Journeys in plain C (no postgres.h): the journey_path aggregate state
 *	  (a string arena plus an array of (ts, offset, length) items, with a
 *	  bounded min-heap for the max_steps form), its sort, the wire-format
 *	  check of a serialized state, path_collapse and the session-gap test of
 *	  sessionize.
 *
 * Timestamps are PostgreSQL timestamptz values: int64 microseconds, with
 * INT64_MIN and INT64_MAX standing for -infinity and infinity.
 */
#ifndef JOURNEY_CORE_H
#define JOURNEY_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cxm_core.h"

#define JPATH_TS_NOBEGIN	INT64_MIN	/* -infinity */
#define JPATH_TS_NOEND		INT64_MAX	/* infinity */
#define JPATH_USECS_PER_DAY INT64_C(86400000000)

/*
 * The result array must stay below PostgreSQL's 1 GB allocation limit: the
 * live items may take at most this many bytes as array elements (4-byte
 * header + string, each aligned to 4).
 */
#define JPATH_MAX_OUT_BYTES ((size_t) 0x3FFFF000)

/* serialized state: version byte, int32 max_steps, int32 count, then count
 * times (int64 ts, int32 len, len bytes), integers big-endian */
#define JPATH_WIRE_VERSION	1
#define JPATH_WIRE_HEADER	9
#define JPATH_WIRE_ITEM		12

typedef struct JPathItem
{
	int64_t		ts;
	uint32_t	off;			/* into the arena */
	uint32_t	len;
} JPathItem;

typedef struct JPathState
{
	JPathItem  *items;
	size_t		n;
	size_t		cap;
	char	   *arena;
	size_t		arena_len;		/* bytes used, live or not */
	size_t		arena_cap;
	size_t		live_bytes;		/* arena bytes referenced by items */
	size_t		out_bytes;		/* size of the items as array elements */
	int32_t		max_steps;		/* 0: keep every step; else a min-heap of at
								 * most max_steps items (the greatest keys) */
	CxmAlloc	alloc;
} JPathState;

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

extern void jpath_init(JPathState *st, int32_t max_steps, CxmAlloc alloc);
extern void jpath_free(JPathState *st);
extern CxmStatus jpath_reserve(JPathState *st, size_t items, size_t bytes);
extern CxmStatus jpath_add(JPathState *st, int64_t ts, const char *s, size_t len);
extern CxmStatus jpath_merge(JPathState *dst, const JPathState *src);
extern int	jpath_key_cmp(int64_t ta, const char *sa, size_t la,
						  int64_t tb, const char *sb, size_t lb);
extern void jpath_sort(JPathState *st, const CxmAlloc *tmp);

extern CxmStatus jpath_wire_check(const unsigned char *buf, size_t len,
							  int32_t *max_steps, uint32_t *count, size_t *bytes,
							  char *msg, size_t msglen);

extern size_t jpath_collapse(const JPathStr *in, size_t n, bool *keep);

extern int	jpath_interval_sign(int32_t months, int32_t days, int64_t usecs);
extern JPathGap jpath_gap_make(int32_t months, int32_t days, int64_t usecs);
extern bool jpath_gap_exceeded(int64_t prev, int64_t cur, JPathGap gap);

#endif							/* JOURNEY_CORE_H */
