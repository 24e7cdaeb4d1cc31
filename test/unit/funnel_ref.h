/*
 * funnel_ref.h
 *	  Brute-force references for journey_funnel levels, shared by
 *	  test/unit/test_funnel.c and test/fuzz/fuzz_funnel.c, with the test
 *	  row type (TRow: a timestamp and a step mask) and its conversion into
 *	  the core's rows.  The includer defines FUNNEL_REF_MAXR, the largest
 *	  group the references are run on.
 */
#ifndef CXM_FUNNEL_REF_H
#define CXM_FUNNEL_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "funnel_core.h"

typedef struct TRow
{
	int64_t		ts;
	uint32_t	mask;			/* bit j-1: matches step j */
} TRow;

static bool
has_step(uint32_t mask, uint32_t s)
{
	return s >= 1 && s <= 32 && (mask >> (s - 1)) & 1;
}

static uint32_t
max_step(uint32_t mask)
{
	uint32_t	s = 0;

	while (mask)
	{
		s++;
		mask >>= 1;
	}
	return s;
}

/*
 * The core's rows for in[0..nr) with n steps, as the glue stores them: rows
 * matching no step are dropped, rows matching several keep their steps in
 * pool.  Returns the number of rows; *npool gets the pool's length.
 */
static size_t
trows_to_core(const TRow *in, int nr, uint32_t n, FunnelRow *rows, uint32_t *pool,
			  size_t *npool)
{
	size_t		nrows = 0;
	int			i;

	*npool = 0;
	for (i = 0; i < nr; i++)
	{
		uint32_t	s,
					cnt = 0;

		for (s = 1; s <= n; s++)
			cnt += has_step(in[i].mask, s);
		if (cnt == 0)
			continue;
		rows[nrows].ts = in[i].ts;
		rows[nrows].nmatch = cnt;
		if (cnt == 1)
			rows[nrows].step = max_step(in[i].mask);
		else
		{
			rows[nrows].step = (uint32_t) *npool;
			for (s = 1; s <= n; s++)
				if (has_step(in[i].mask, s))
					pool[(*npool)++] = s;
		}
		nrows++;
	}
	return nrows;
}

/* ---- reference 1: every order of tied rows, every chain start ---------- */

static uint32_t
run_chain(const TRow *r, const int *ord, int nr, int p, uint32_t n, uint64_t window,
		  FunnelMode mode)
{
	uint32_t	level = 1;
	int64_t		start = r[ord[p]].ts,
				last = start;
	int			q;

	for (q = p + 1; q < nr && level < n; q++)
	{
		const TRow *x = &r[ord[q]];

		if (!funnel_within(start, x->ts, window))
			break;
		if (has_step(x->mask, level + 1) &&
			(mode != FUNNEL_STRICT_INCREASE || x->ts > last))
		{
			level++;
			last = x->ts;
		}
		else if (mode == FUNNEL_STRICT_ORDER && max_step(x->mask) > level + 1)
			break;
		else if (mode == FUNNEL_STRICT_DEDUPLICATION && has_step(x->mask, level))
			break;
	}
	return level;
}

static uint32_t
orders_rec(const TRow *r, int nr, int *ord, int depth, bool *used, uint32_t n,
		   uint64_t window, FunnelMode mode)
{
	int64_t		tmin = INT64_MAX;
	int			i;
	bool		any = false;
	uint32_t	best = 0;

	if (depth == nr)
	{
		for (i = 0; i < nr; i++)
		{
			if (has_step(r[ord[i]].mask, 1))
			{
				uint32_t	l = run_chain(r, ord, nr, i, n, window, mode);

				if (l > best)
					best = l;
			}
		}
		return best;
	}
	for (i = 0; i < nr; i++)
		if (!used[i] && (!any || r[i].ts < tmin))
		{
			tmin = r[i].ts;
			any = true;
		}
	for (i = 0; i < nr; i++)
	{
		uint32_t	l;

		if (used[i] || r[i].ts != tmin)
			continue;
		used[i] = true;
		ord[depth] = i;
		l = orders_rec(r, nr, ord, depth + 1, used, n, window, mode);
		if (l > best)
			best = l;
		used[i] = false;
		if (best == n)
			break;
	}
	return best;
}

static uint32_t
brute_orders(const TRow *r, int nr, uint32_t n, uint64_t window, FunnelMode mode)
{
	int			ord[FUNNEL_REF_MAXR];
	bool		used[FUNNEL_REF_MAXR] = {false};

	return orders_rec(r, nr, ord, 0, used, n, window, mode);
}

/* ---- reference 2: every chain of distinct rows --------------------------- */

static uint32_t
chains_rec(const TRow *r, int nr, bool *used, uint32_t level, int64_t start,
		   int64_t last, uint32_t n, uint64_t window, bool strict_increase)
{
	uint32_t	best = level;
	int			i;

	if (level == n)
		return level;
	for (i = 0; i < nr; i++)
	{
		uint32_t	l;

		if (used[i] || !has_step(r[i].mask, level + 1))
			continue;
		if (r[i].ts < last || (strict_increase && r[i].ts == last))
			continue;
		if (!funnel_within(start, r[i].ts, window))
			continue;
		used[i] = true;
		l = chains_rec(r, nr, used, level + 1, start, r[i].ts, n, window, strict_increase);
		if (l > best)
			best = l;
		used[i] = false;
	}
	return best;
}

static uint32_t
brute_chains(const TRow *r, int nr, uint32_t n, uint64_t window, bool strict_increase)
{
	bool		used[FUNNEL_REF_MAXR] = {false};
	uint32_t	best = 0;
	int			i;

	for (i = 0; i < nr; i++)
	{
		uint32_t	l;

		if (!has_step(r[i].mask, 1))
			continue;
		used[i] = true;
		l = chains_rec(r, nr, used, 1, r[i].ts, r[i].ts, n, window, strict_increase);
		if (l > best)
			best = l;
		used[i] = false;
	}
	return best;
}

#endif							/* CXM_FUNNEL_REF_H */
