/*
 * fuzz_funnel.c
 *	  libFuzzer target: funnel_level of funnel_core.c on small random groups.
 *
 * Input: byte 0 picks nsteps (1..8, or up to 32 with 4-byte masks when its
 * high bit is set), byte 1 the window and the mode, byte 2 a shuffle seed;
 * then per row a timestamp byte (0..15 for ties, 0xfe/0xff for
 * -infinity/infinity) and a step mask (bit j-1: the row matches step j).
 * Rows matching no step are dropped, as the glue does.  In every mode:
 *	  - funnel_level returns CXM_OK and a level within 0..nsteps;
 *	  - a shuffled copy of the rows gives the same level;
 *	  - for groups of at most 6 rows, the level equals a brute-force
 *		reference (every order of tied rows, every chain start, the mode's
 *		rules row by row; the same reference as test/unit/test_funnel.c),
 *		and in default / strict_increase also a second one (every chain of
 *		distinct rows).
 * A last part hands funnel_level raw rows and a raw step pool straight from
 * the input: it must return CXM_OK with a level in range or CXM_EINVAL,
 * never crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAXR 64
#define BRUTE_MAXR 6
#define FUNNEL_REF_MAXR BRUTE_MAXR
#include "../unit/funnel_ref.h"
#include "../unit/test_alloc.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the core on TRows (every mask non-empty and within nsteps) */
static uint32_t
core_level(const TRow *in, int nr, uint32_t n, uint64_t window, FunnelMode mode)
{
	FunnelRow	rows[MAXR];
	uint32_t	pool[MAXR * 32];
	size_t		nrows,
				npool;
	uint32_t	level = 999;
	char		msg[160];

	nrows = trows_to_core(in, nr, n, rows, pool, &npool);
	if (funnel_level(rows, nrows, pool, npool, n, window, mode, &unit_allocator,
					 &level, msg, sizeof(msg)) != CXM_OK)
		abort();
	if (level > n)
		abort();
	return level;
}

/* ---- the target ---------------------------------------------------------- */

static void
raw_rows(const uint8_t *data, size_t size)
{
	FunnelRow	rows[16];
	uint32_t	pool[32];
	size_t		nrows = 0,
				npool,
				i,
				pos = 3;
	uint32_t	nsteps,
				level;
	uint64_t	window;
	FunnelMode	mode;
	char		msg[160];
	CxmStatus	st;

	if (size < 3)
		return;
	nsteps = data[0] % 10;		/* 0 is invalid */
	window = data[1] % 4;		/* 0 is invalid */
	mode = (FunnelMode) (data[2] % (FUNNEL_NMODES + 1));	/* one unknown */
	npool = size > 3 ? data[3] % 33 : 0;
	pos = 4;
	for (i = 0; i < npool; i++)
		pool[i] = pos < size ? data[pos++] % 12 : 1;
	while (pos + 3 <= size && nrows < 16)
	{
		rows[nrows].ts = (int64_t) (data[pos] % 8) - 1;
		rows[nrows].step = data[pos + 1] % 40;
		rows[nrows].nmatch = data[pos + 2] % 12;
		pos += 3;
		nrows++;
	}
	st = funnel_level(rows, nrows, pool, npool, nsteps, window, mode, &unit_allocator, &level,
					  msg, sizeof(msg));
	if (st == CXM_OK ? level > nsteps : st != CXM_EINVAL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t windows[8] = {1, 2, 3, 5, 8, 86400000000ULL,
	(uint64_t) INT64_MAX, UINT64_MAX};
	TRow		r[MAXR],
				sh[MAXR];
	int			nr = 0,
				i,
				m;
	size_t		pos = 3,
				mbytes;
	uint32_t	n,
				seed;
	uint64_t	window;
	uint32_t	lv[FUNNEL_NMODES];

	if (size < 3)
		return 0;
	if (data[0] == 0xff)
	{
		raw_rows(data + 1, size - 1);
		return 0;
	}
	if (data[0] & 0x80)
	{
		n = 1 + data[0] % 32;
		mbytes = 4;
	}
	else
	{
		n = 1 + data[0] % 8;
		mbytes = 1;
	}
	window = windows[data[1] % 8];
	seed = data[2];
	while (pos + 1 + mbytes <= size && nr < MAXR)
	{
		uint8_t		tb = data[pos];
		uint32_t	mask = 0;
		size_t		k;

		for (k = 0; k < mbytes; k++)
			mask |= (uint32_t) data[pos + 1 + k] << (8 * k);
		pos += 1 + mbytes;
		if (n < 32)
			mask &= (1u << n) - 1;
		if (mask == 0)
			continue;
		r[nr].ts = tb == 0xff ? INT64_MAX : tb == 0xfe ? INT64_MIN : (int64_t) (tb % 16);
		r[nr].mask = mask;
		nr++;
	}

	/* a shuffled copy: Fisher-Yates driven by a small LCG from the seed */
	memcpy(sh, r, sizeof(TRow) * (size_t) nr);
	for (i = nr - 1; i > 0; i--)
	{
		int			j;
		TRow		t;

		seed = seed * 1103515245u + 12345u;
		j = (int) ((seed >> 16) % (uint32_t) (i + 1));
		t = sh[i];
		sh[i] = sh[j];
		sh[j] = t;
	}

	for (m = 0; m < FUNNEL_NMODES; m++)
	{
		FunnelMode	mode = (FunnelMode) m;

		lv[m] = core_level(r, nr, n, window, mode);
		if (core_level(sh, nr, n, window, mode) != lv[m])
			abort();
		if (nr == 0 && lv[m] != 0)
			abort();
		if (nr <= BRUTE_MAXR)
		{
			uint32_t	ref = brute_orders(r, nr, n, window, mode);

			if (lv[m] != ref)
				abort();
			if ((mode == FUNNEL_DEFAULT || mode == FUNNEL_STRICT_INCREASE) &&
				brute_chains(r, nr, n, window, mode == FUNNEL_STRICT_INCREASE) != ref)
				abort();
		}
	}
	/* every strict mode only removes chains: none beats the default */
	for (m = 1; m < FUNNEL_NMODES; m++)
		if (lv[m] > lv[FUNNEL_DEFAULT])
			abort();
	return 0;
}
