/*
 * sortkey_core.c
 *	  Ranks of short key arrays by branch-free counting (sortkey_core.h).
 */
#include "sortkey_core.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* the keys in key[from..to) less than x (lt) or not greater than x (!lt) */
__attribute__((target("avx2")))
static inline uint32_t
count_below(const int64_t *key, size_t from, size_t to, int64_t x, bool lt)
{
	__m256i		vx = _mm256_set1_epi64x(x);
	__m256i		acc = _mm256_setzero_si256();
	size_t		j = from;
	uint32_t	c = 0;
	int64_t		lanes[4];

	for (; j + 4 <= to; j += 4)
	{
		__m256i		v = _mm256_loadu_si256((const __m256i *) (key + j));

		/* lanes of -1 where the comparison holds */
		acc = _mm256_sub_epi64(acc, lt ? _mm256_cmpgt_epi64(vx, v) : _mm256_cmpgt_epi64(v, vx));
	}
	_mm256_storeu_si256((__m256i *) lanes, acc);
	c = (uint32_t) (lanes[0] + lanes[1] + lanes[2] + lanes[3]);
	if (!lt)
		c = (uint32_t) ((j - from) - c);	/* counted the greater ones */
	for (; j < to; j++)
		c += lt ? key[j] < x : key[j] <= x;
	return c;
}

__attribute__((target("avx2")))
static void
ranks_avx2(const int64_t *key, size_t n, uint32_t *pos)
{
	size_t		i;

	for (i = 0; i < n; i++)
		pos[i] = count_below(key, 0, i, key[i], false) +
			count_below(key, i + 1, n, key[i], true);
}

static int	have_avx2 = -1;
#endif

bool
sortkey_ranks(const int64_t *key, size_t n, uint32_t *pos)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (n > SORTKEY_RANK_MAX)
		return false;
	if (have_avx2 < 0)
	{
		__builtin_cpu_init();
		have_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	}
	if (!have_avx2)
		return false;
	ranks_avx2(key, n, pos);
	return true;
#else
	(void) key;
	(void) n;
	(void) pos;
	return false;
#endif
}
