/*
 * arena_core.c
 *	  The scratch arena (arena_core.h).
 */
#include <stdint.h>
#include <string.h>

#include "arena_core.h"

#define ARENA_DEFAULT_CHUNK ((size_t) 64 * 1024)
#define ARENA_ALIGN			((size_t) 16)	/* malloc's and palloc's at most */
#define ARENA_ROUND(n)		(((n) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1))

/* a chunk: this header, then the memory handed out from ARENA_HEADER on */
struct ArenaChunk
{
	ArenaChunk *prev;
};

#define ARENA_HEADER		ARENA_ROUND(sizeof(ArenaChunk))

void
arena_init(Arena *a, const CxmAlloc *parent, size_t chunk_size)
{
	a->parent = *parent;
	a->chunks = NULL;
	a->next = NULL;
	a->left = 0;
	a->chunk_size = chunk_size > 0 ? ARENA_ROUND(chunk_size) : ARENA_DEFAULT_CHUNK;
}

/* a new chunk of at least size usable bytes (zeroed by the parent) */
static char *
arena_new_chunk(Arena *a, size_t size)
{
	ArenaChunk *c;

	if (size > SIZE_MAX - ARENA_HEADER)
		size = SIZE_MAX - ARENA_HEADER;	/* the parent fails on it */
	c = cxm_alloc(&a->parent, ARENA_HEADER + size);
	c->prev = a->chunks;
	a->chunks = c;
	return (char *) c + ARENA_HEADER;
}

void
arena_reserve(Arena *a, size_t size)
{
	size = arena_size(size);
	a->next = arena_new_chunk(a, size);
	a->left = size;
}

void *
arena_alloc(Arena *a, size_t size)
{
	char	   *p;

	size = arena_size(size);
	if (size <= a->left)
	{
		p = a->next;
		a->next += size;
		a->left -= size;
		return p;
	}
	if (size > a->chunk_size / 4)
	{
		/* a chunk of its own, behind the current one: the free space stays */
		ArenaChunk *cur = a->chunks;

		p = arena_new_chunk(a, size);
		if (cur != NULL)
		{
			ArenaChunk *big = a->chunks;

			a->chunks = cur;
			big->prev = cur->prev;
			cur->prev = big;
		}
		return p;
	}
	p = arena_new_chunk(a, a->chunk_size);
	a->next = p + size;
	a->left = a->chunk_size - size;
	return p;
}

static void *
arena_alloc_cb(void *ctx, size_t size)
{
	return arena_alloc((Arena *) ctx, size);
}

static void
arena_free_cb(void *ctx, void *ptr)
{
	(void) ctx;
	(void) ptr;
}

CxmAlloc
arena_allocator(Arena *a)
{
	CxmAlloc	al;

	al.alloc = arena_alloc_cb;
	al.free = arena_free_cb;
	al.ctx = a;
	return al;
}

void
arena_release(Arena *a)
{
	ArenaChunk *c = a->chunks;

	while (c != NULL)
	{
		ArenaChunk *prev = c->prev;

		cxm_free(&a->parent, c);
		c = prev;
	}
	a->chunks = NULL;
	a->next = NULL;
	a->left = 0;
}
