/*
 * path_match_core.h
 *	  Token patterns over journey paths (pure C, no postgres.h).
 *
 * A pattern such as '^ad_click _{0,3} cart checkout' is parsed into an AST
 * and compiled into a Thompson NFA over interned token ids: every distinct
 * name in the pattern gets an id 0..nnames-1, every other touchpoint maps to
 * PM_OTHER (nnames) and a NULL element to PM_NULL (nnames + 1).  A path is
 * matched as an array of such ids, so names are hashed once per element.
 *
 * Matching never backtracks: pm_match runs a lazily built DFA of the
 * unanchored search (states are sets of NFA states, built on first use and
 * kept in the pattern across calls, flushed when full), so it is linear in
 * the path length; pm_count first computes, walking the path backwards, which
 * NFA states can still reach an accepting state from each position, then
 * scans forward once, following only those states, so it is linear as well.
 */
#ifndef PATH_MATCH_CORE_H
#define PATH_MATCH_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cxm_core.h"

/* limits (documented in doc/path_match.md) */
#define PM_MAX_REPEAT	1000	/* largest m or n in {m,n} */
#define PM_MAX_STATES	100000	/* NFA states after expanding {m,n} */
#define PM_MAX_DEPTH	200		/* nesting of ( ) */
#define PM_ERRMSG_LEN	160

typedef struct PmPattern PmPattern;

/* result of a failed pm_compile */
typedef struct PmError
{
	int			offset;			/* 0-based byte offset of the offending spot */
	int			position;		/* 1-based character position (UTF-8) */
	char		message[PM_ERRMSG_LEN];
} PmError;

/*
 * Compile pattern[0..len) (need not be NUL-terminated).  On success *out is a
 * pattern allocated from a (keep the allocator alive as long as the pattern);
 * on failure CXM_ESYNTAX (malformed or too large) with err filled in.
 */
extern CxmStatus pm_compile(const char *pattern, size_t len, const CxmAlloc *a,
							PmPattern **out, PmError *err);
extern void pm_free(PmPattern *p, const CxmAlloc *a);

/* token id of a touchpoint name: 0..nnames-1, or pm_other_symbol() */
extern int32_t pm_symbol(const PmPattern *p, const char *name, size_t len);
extern int32_t pm_other_symbol(const PmPattern *p);
extern int32_t pm_null_symbol(const PmPattern *p);
extern int	pm_nnames(const PmPattern *p);
extern int	pm_nstates(const PmPattern *p);

/*
 * Optional hook called every few thousand path elements (the server passes a
 * function that runs CHECK_FOR_INTERRUPTS).
 */
extern void pm_set_interrupt_hook(PmPattern *p, void (*hook) (void));

/*
 * Does the pattern occur in syms[0..n)?  (unanchored unless ^ / $)  Ids
 * outside 0..nnames+1 are taken as "other".  Grows the pattern's DFA with
 * the allocator given to pm_compile.
 */
extern bool pm_match(PmPattern *p, const int32_t *syms, int n);

/*
 * Number of non-overlapping occurrences, left to right, the longest at each
 * start; an empty match counts and the scan moves on by one (as regexp_count).
 * Scratch memory of O(n) comes from a and is freed before returning.
 */
extern int64_t pm_count(PmPattern *p, const int32_t *syms, int n, const CxmAlloc *a);

#endif							/* PATH_MATCH_CORE_H */
