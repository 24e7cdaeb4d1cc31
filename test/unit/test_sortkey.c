/*
 * test_sortkey.c
 *	  Unit tests of sortkey_core.c: the ranks of random key arrays of every
 *	  length up to SORTKEY_RANK_MAX (few distinct keys, so many ties, and
 *	  keys at the int64 extremes) against a stable insertion sort, and the
 *	  refusal of longer arrays.
 */
#include <stdint.h>

#include "unit.h"
#include "sortkey_core.h"

/* a 64-bit linear congruential generator's high bits */
static uint64_t lcg = 12345;

static uint64_t
next_key(void)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (lcg >> 32) | (lcg << 32);
}

/* does pos put key[0..n) in stable ascending order? */
static int
ranks_right(const int64_t *key, size_t n, const uint32_t *pos)
{
	size_t		idx[SORTKEY_RANK_MAX],
				i,
				j;

	/* the reference: a stable insertion sort of the indexes */
	for (i = 0; i < n; i++)
	{
		size_t		x = i;

		for (j = i; j > 0 && key[idx[j - 1]] > key[x]; j--)
			idx[j] = idx[j - 1];
		idx[j] = x;
	}
	for (i = 0; i < n; i++)
		if (pos[idx[i]] != i)
			return 0;
	return 1;
}

static void
test_random_lengths(void)
{
	static const int64_t extremes[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};
	int64_t		key[SORTKEY_RANK_MAX];
	uint32_t	pos[SORTKEY_RANK_MAX];
	size_t		n,
				i;
	int			round,
				ok = 1,
				used = 0;

	for (n = 0; n <= SORTKEY_RANK_MAX; n++)
		for (round = 0; round < 6; round++)
		{
			for (i = 0; i < n; i++)
			{
				if (round == 0)
					key[i] = (int64_t) next_key();	/* nearly all distinct */
				else if (round == 1)
					key[i] = (int64_t) (next_key() % 5);	/* many ties */
				else if (round == 2)
					key[i] = extremes[next_key() % 7];
				else if (round == 3)
					key[i] = (int64_t) i;	/* sorted */
				else if (round == 4)
					key[i] = -(int64_t) i;	/* reversed */
				else
					key[i] = (int64_t) (next_key() >> 1) - (int64_t) (next_key() >> 1);
			}
			for (i = 0; i < n; i++)
				pos[i] = UINT32_MAX;
			if (sortkey_ranks(key, n, pos))
			{
				used = 1;
				if (!ranks_right(key, n, pos))
					ok = 0;
			}
			else
				for (i = 0; i < n; i++)
					if (pos[i] != UINT32_MAX)
						ok = 0;		/* refused, yet wrote */
		}
	CHECK(ok);
#if defined(__x86_64__) && defined(__GNUC__)
	if (__builtin_cpu_supports("avx2"))
		CHECK(used);
#endif
	(void) used;
}

static void
test_too_long(void)
{
	static int64_t key[SORTKEY_RANK_MAX + 1];
	static uint32_t pos[SORTKEY_RANK_MAX + 1];

	CHECK(!sortkey_ranks(key, SORTKEY_RANK_MAX + 1, pos));
}

int
main(void)
{
	RUN(test_random_lengths);
	RUN(test_too_long);
	return UNIT_DONE();
}
