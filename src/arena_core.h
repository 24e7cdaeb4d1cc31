/*
 * arena_core.h
 *	  A scratch arena for the cores (pure C, no postgres.h): a chunked bump
 *	  allocator whose memory is all given back at once, the way glue code
 *	  deletes a memory context.
 *
 * A long core function that needs a dozen work arrays takes them from an
 * Arena instead of pairing each allocation with a free:
 *
 *	  Arena		  ar;
 *	  CxmAlloc	  tmp;
 *
 *	  arena_init(&ar, alloc, 0);
 *	  tmp = arena_allocator(&ar);
 *	  x = cxm_alloc(&tmp, n * sizeof(double));
 *	  ...
 *	  arena_release(&ar);						  (every chunk, once)
 *
 * Chunks come from the parent CxmAlloc (palloc in the server, malloc in the
 * tests), so an ERROR in the server still frees them with its memory
 * context.  The memory is zeroed when the parent's is: the allocator's free
 * is a no-op and nothing is reused before arena_release.  Requests larger
 * than a quarter of a chunk get a chunk of their own.  Alignment is 16
 * bytes.
 */
#ifndef ARENA_CORE_H
#define ARENA_CORE_H

#include <stddef.h>

#include "cxm_core.h"

typedef struct ArenaChunk ArenaChunk;

typedef struct Arena
{
	CxmAlloc	parent;
	ArenaChunk *chunks;			/* newest first */
	char	   *next;			/* free space of the newest chunk */
	size_t		left;
	size_t		chunk_size;
} Arena;

/* an empty arena over parent; chunk_size 0 picks the default (64 kB) */
extern void arena_init(Arena *a, const CxmAlloc *parent, size_t chunk_size);

/*
 * Make the current chunk one of exactly size usable bytes (a caller that
 * knows its total, as arena_size() sums, then needs one allocation).
 */
extern void arena_reserve(Arena *a, size_t size);

/* the bytes a request of size takes in the arena (rounded up to 16) */
static inline size_t
arena_size(size_t size)
{
	return size > 0 ? (size + 15) & ~(size_t) 15 : 16;
}

/* a CxmAlloc drawing from the arena (its free is a no-op) */
extern CxmAlloc arena_allocator(Arena *a);

/* size bytes (zeroed when the parent zeroes), aligned to 16 bytes */
extern void *arena_alloc(Arena *a, size_t size);

/* give every chunk back to the parent; the arena is empty and reusable */
extern void arena_release(Arena *a);

#endif							/* ARENA_CORE_H */
