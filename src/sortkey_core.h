/*
 * sortkey_core.h
 *	  The order of a short array of 64-bit keys by counting, for each key,
 *	  the keys before it (pure C, no postgres.h).
 *
 * The final functions of journey_path and journey_funnel sort each group's
 * rows by time: tens of rows, hundreds of thousands of groups.  A merge
 * sort of such short arrays spends most of its time in mispredicted
 * branches; counting, for key i, the keys smaller than it (and the equal
 * ones before it) has no branch at all and runs four keys at a time in
 * AVX2 registers: O(n^2) comparisons that cost less than the merge sort's
 * O(n log n) up to a few hundred keys (a third of it for 50 keys; measured
 * in doc/journeys.md, "Performance").
 * Where AVX2 is missing (or not x86-64), sortkey_ranks() says so and the
 * caller sorts as before.
 */
#ifndef SORTKEY_CORE_H
#define SORTKEY_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* the most keys sortkey_ranks() takes */
#define SORTKEY_RANK_MAX	256

/*
 * pos[i] = the place of key i in ascending order, equal keys in their
 * given order (a stable sort puts element i at pos[i]).  False, with pos
 * untouched, when n > SORTKEY_RANK_MAX or the CPU cannot do it fast.
 */
extern bool sortkey_ranks(const int64_t *key, size_t n, uint32_t *pos);

#endif							/* SORTKEY_CORE_H */
