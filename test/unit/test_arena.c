/*
 * test_arena.c
 *	  Unit tests of arena_core.c: alignment, zeroed memory, large requests,
 *	  and that arena_release gives every chunk back to the parent.
 */
#include <stdint.h>

#include "unit.h"
#include "arena_core.h"

/* a parent that counts its live blocks */
static int	live_blocks;

static void *
counting_alloc(void *ctx, size_t size)
{
	live_blocks++;
	return test_zero_alloc(ctx, size);
}

static void
counting_free(void *ctx, void *ptr)
{
	if (ptr != NULL)
		live_blocks--;
	test_free(ctx, ptr);
}

static const CxmAlloc counting = {counting_alloc, counting_free, NULL};

static void
test_small_and_large(void)
{
	Arena		ar;
	CxmAlloc	tmp;
	unsigned char *p[200];
	bool		ok = true;
	int			i;
	size_t		k;

	arena_init(&ar, &counting, 1024);
	tmp = arena_allocator(&ar);
	for (i = 0; i < 200; i++)
	{
		size_t		n = (size_t) (i % 7 == 0 ? 5000 : 1 + i % 100);

		p[i] = cxm_alloc(&tmp, n);
		ok = ok && ((uintptr_t) p[i] % 16) == 0;
		for (k = 0; k < n; k++)
			ok = ok && p[i][k] == 0;
		memset(p[i], 0xA5, n);	/* overlapping blocks would show below */
		p[i][0] = (unsigned char) i;
		cxm_free(&tmp, p[i]);	/* a no-op */
	}
	CHECK(ok);
	for (i = 0; i < 200; i++)
		ok = ok && p[i][0] == (unsigned char) i;
	CHECK(ok);
	CHECK(live_blocks > 1);
	arena_release(&ar);
	CHECK(live_blocks == 0);
	/* reusable after a release; zero-byte requests get distinct pointers */
	CHECK(arena_alloc(&ar, 0) != arena_alloc(&ar, 0));
	CHECK(live_blocks == 1);
	arena_release(&ar);
	CHECK(live_blocks == 0);
	/* an empty arena releases nothing */
	arena_init(&ar, &counting, 0);
	arena_release(&ar);
	CHECK(live_blocks == 0);
}

/* a large request does not waste the current chunk's free space */
static void
test_large_keeps_chunk(void)
{
	Arena		ar;
	char	   *a,
			   *b,
			   *c;

	arena_init(&ar, &counting, 4096);
	a = arena_alloc(&ar, 16);
	b = arena_alloc(&ar, 100000);
	c = arena_alloc(&ar, 16);
	CHECK(c == a + 16);
	CHECK(b != NULL && live_blocks == 2);
	memset(b, 1, 100000);
	arena_release(&ar);
	CHECK(live_blocks == 0);
}

int
main(void)
{
	RUN(test_small_and_large);
	RUN(test_large_keeps_chunk);
	return UNIT_DONE();
}
