/*
 * funnel_core.h
 *	  journey_funnel: the deepest funnel level reached within a time window
 *	  (pure C, no postgres.h).  The exact rules are in doc/funnels.md.
 *
 * Input is the set of a group's rows that match at least one step (rows
 * matching none are irrelevant in every mode and are never stored).  Each
 * row is a timestamp (PostgreSQL microseconds; INT64_MIN and INT64_MAX are
 * -infinity and infinity) and the ascending list of the 1-based steps it
 * matches.  funnel_level() sorts the rows by timestamp in place and runs the
 * level DP: O(rows x steps) for rows with distinct timestamps; a group of
 * rows sharing one timestamp is solved exactly as a set (bipartite matching
 * of rows to steps), so the answer never depends on the order rows arrive in.
 */
#ifndef FUNNEL_CORE_H
#define FUNNEL_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cxm_core.h"
#include "wire_core.h"

typedef enum FunnelMode
{
	FUNNEL_DEFAULT = 0,
	FUNNEL_STRICT_ORDER = 1,
	FUNNEL_STRICT_DEDUPLICATION = 2,
	FUNNEL_STRICT_INCREASE = 3
} FunnelMode;

#define FUNNEL_NMODES 4

/*
 * One stored row.  nmatch == 1: `step` is the matched step (1-based);
 * nmatch > 1: `step` is the offset of the row's nmatch ascending steps in
 * the step pool.
 */
typedef struct FunnelRow
{
	int64_t		ts;
	uint32_t	step;
	uint32_t	nmatch;
} FunnelRow;

/* mode name <-> enum; false for an unknown name */
extern bool funnel_mode_parse(const char *name, size_t len, FunnelMode *mode);
extern const char *funnel_mode_name(FunnelMode mode);

/*
 * Is t within `window` microseconds after start (t >= start assumed)?
 * Equal timestamps are 0 apart; an infinite timestamp is infinitely far from
 * any other one.  window is unsigned: ts differences reach ~9.4e18.
 */
static inline bool
funnel_within(int64_t start, int64_t t, uint64_t window)
{
	if (t == start)
		return true;
	if (start == INT64_MIN || t == INT64_MAX)
		return false;
	return (uint64_t) t - (uint64_t) start <= window;
}

/*
 * The deepest level (0..nsteps) over rows[0..nrows).  Sorts rows by ts.
 * window > 0.  Steps in rows and pool must lie in 1..nsteps, ascending per
 * row; CXM_EINVAL (with a message) otherwise.
 */
extern CxmStatus funnel_level(FunnelRow *rows, size_t nrows,
							  const uint32_t *pool, size_t npool,
							  uint32_t nsteps, uint64_t window, FunnelMode mode,
							  const CxmAlloc *alloc, uint32_t *level,
							  char *msg, size_t msglen);

/*
 * The window in microseconds of an interval (time us, day, month) the way
 * PostgreSQL compares intervals (interval_cmp_value: a month is 30 days, a
 * day 24 hours).  Spans of 2^64 us or more (beyond any timestamp difference)
 * saturate at UINT64_MAX.  CXM_EINVAL (and *usecs = 0) unless positive.
 */
extern CxmStatus funnel_window_span(int64_t time, int32_t day, int32_t month,
									uint64_t *usecs);

/*
 * Wire format of the aggregate state (funnel_wire_write writes it, with
 * wire_core.h's byte order):
 *	  version byte (1), mode byte, nsteps int4, window (us) int8,
 *	  window as given (time int8, day int4, month int4), nusable int8,
 *	  nrows int8, then per row ts int8, nmatch int4 and nmatch ascending
 *	  steps int4.
 */
#define FUNNEL_WIRE_VERSION		1
#define FUNNEL_WIRE_HEADER		(1 + 1 + 4 + 8 + 8 + 4 + 4 + 8 + 8)
#define FUNNEL_WIRE_MIN_ROW		(8 + 4 + 4)
/* PostgreSQL's MaxArraySize: (1 GB - 1) / sizeof(Datum); funnel.c asserts it */
#define FUNNEL_MAX_STEPS		((uint32_t) (0x3fffffff / 8))

/* what funnel_wire_check() found in a valid state */
typedef struct FunnelWireInfo
{
	FunnelMode	mode;
	uint32_t	nsteps;			/* 1..FUNNEL_MAX_STEPS when nusable > 0 */
	uint64_t	window;			/* microseconds, > 0 */
	int64_t		window_time;	/* the interval as given */
	int32_t		window_day;
	int32_t		window_month;
	int64_t		nusable;		/* >= nrows */
	size_t		nrows;
	size_t		npool;			/* steps of the rows matching several */
} FunnelWireInfo;

/*
 * Check every byte of a serialized state: lengths, version, mode, window
 * against its interval, counts, each row's steps (1..nsteps, strictly
 * ascending), no trailing bytes.  CXM_EINVAL with a message (a sentence, as
 * the glue's errdetail) on the first problem; CXM_OK and *info otherwise.
 */
extern CxmStatus funnel_wire_check(const unsigned char *buf, size_t len,
								   FunnelWireInfo *info, char *msg, size_t msglen);

/*
 * Read a state that passed funnel_wire_check (same buf, len and info) into
 * rows[info->nrows] and pool[info->npool], as journey_funnel's transition
 * stores them: a row matching one step keeps it in `step`, a row matching
 * several has its steps appended to the pool in row order.
 */
extern void funnel_wire_decode(const unsigned char *buf, size_t len,
							   const FunnelWireInfo *info,
							   FunnelRow *rows, uint32_t *pool);

/*
 * Write a state: the header from h (h->npool is not written), then h->nrows
 * rows (a row matching several steps has them at pool + step).
 */
extern void funnel_wire_write(WireWriter *w, const FunnelWireInfo *h,
							  const FunnelRow *rows, const uint32_t *pool);

#endif							/* FUNNEL_CORE_H */
