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

#endif							/* FUNNEL_CORE_H */
