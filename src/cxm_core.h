/*
 * cxm_core.h
 *	  Conventions shared by the pure-C core files (src/NAME_core.c).
 *
 * Core files hold the statistics and algorithms.  They never include
 * postgres.h, so test/unit can compile them alone.  Two rules keep them usable
 * from the server:
 *
 *  - memory comes from a CxmAlloc supplied by the caller (palloc in the
 *    server, malloc in the unit tests).  alloc never returns NULL: the server
 *    side raises an ERROR on out-of-memory, the test side aborts.  It returns
 *    zeroed memory, except for a core whose header says it needs none
 *    (journey_core.h): its callers may pass cxm_allocator_nozero();
 *  - errors are returned, not raised: a function that can fail returns a
 *    CxmStatus and, where useful, writes a message into a caller buffer.
 *    The fmgr glue turns that into ereport() with the right SQLSTATE.
 *
 * They must compile cleanly under PostgreSQL's CFLAGS as well as C99:
 * declarations before statements, prototypes for every extern function.
 */
#ifndef CXM_CORE_H
#define CXM_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct CxmAlloc
{
	void	   *(*alloc) (void *ctx, size_t size);	/* zeroed: see above */
	void		(*free) (void *ctx, void *ptr);
	void	   *ctx;
} CxmAlloc;

#define cxm_alloc(a, size)	((a)->alloc((a)->ctx, (size)))
#define cxm_free(a, ptr)	((a)->free((a)->ctx, (ptr)))

typedef enum CxmStatus
{
	CXM_OK = 0,
	CXM_EINVAL,					/* invalid argument / input (22023) */
	CXM_ERANGE,					/* value out of range (22003) */
	CXM_ESYNTAX,				/* malformed pattern (2201B) */
	CXM_ENOCONV					/* an iterative method did not converge */
} CxmStatus;

/* FNV-1a hash of len bytes (name lookups in the core's own hash tables) */
static inline uint32_t
cxm_hash_bytes(const char *s, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		k;

	for (k = 0; k < len; k++)
	{
		h ^= (unsigned char) s[k];
		h *= 16777619u;
	}
	return h;
}

#endif							/* CXM_CORE_H */
