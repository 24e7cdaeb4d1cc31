/*
 * funnel_core.c
 *	  The level DP of journey_funnel (pure C; see funnel_core.h and
 *	  doc/funnels.md for the rules).
 *
 * A chain starts at a row matching step 1; a row matching step j+1, later or
 * at the same time and within `window` of the chain's start, lifts it from
 * level j to j+1 (one row, one level).  Rows are processed in groups of equal
 * timestamp.  The state kept between groups:
 *
 *  default, strict_increase: for every level L, the latest start of a chain
 *    that reached L (has[L], start[L]).  A later start is never worse: its
 *    deadline start + window is later.  This is ClickHouse's windowFunnel
 *    state.
 *  strict_order, strict_deduplication: a chain can be ended by a row, so a
 *    chain at level L does not dominate one at L-1; for every level L the
 *    latest start of a chain that is alive at exactly L.  Two alive chains
 *    at one level see the same rows and react alike until the earlier one's
 *    deadline, so only the later start is kept.  A chain past its deadline
 *    is frozen: its level is already counted, it is dropped.
 *
 * Strict modes are "greedy": an alive chain at level L that sees a row
 * matching step L+1 within the window advances; otherwise the row ends the
 * chain if it breaks the mode's rule (strict_order: it matches a step above
 * L+1; strict_deduplication: it matches step L), else it is ignored.
 *
 * Rows sharing a timestamp form a set: the answer is the best over every
 * order of them.  A group of one row is the O(steps) fast path.  A bigger
 * group is solved per entering chain (level k, start s) by matching:
 *  - the deepest level reached is the largest m such that steps k+1..m can
 *    be given distinct rows of the group (bipartite matching, grown one step
 *    at a time with augmenting paths);
 *  - strict modes: the chain can leave the group alive at level m iff, in
 *    addition, every other row can be placed at some level L in k..m where
 *    it neither advances nor ends the chain.  Rows with no such level (the
 *    set F) must be chain rows, so it is feasible iff one matching saturates
 *    steps k+1..m and F at once, which by the Mendelsohn-Dulmage theorem
 *    holds iff each can be saturated separately.
 *  - a chain that starts inside the group may put the other rows before its
 *    start row, where it does not see them: it is alive at every level it
 *    can reach.
 * test/unit/test_funnel.c checks all of this against a brute force over
 * every ordering of tied rows.
 */
#include "funnel_core.h"
#include "sortkey_core.h"
#include "arena_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const funnel_mode_names[FUNNEL_NMODES] = {
	"default", "strict_order", "strict_deduplication", "strict_increase"
};

bool
funnel_mode_parse(const char *name, size_t len, FunnelMode *mode)
{
	int			i;

	for (i = 0; i < FUNNEL_NMODES; i++)
	{
		if (strlen(funnel_mode_names[i]) == len &&
			memcmp(funnel_mode_names[i], name, len) == 0)
		{
			*mode = (FunnelMode) i;
			return true;
		}
	}
	return false;
}

const char *
funnel_mode_name(FunnelMode mode)
{
	if ((int) mode < 0 || (int) mode >= FUNNEL_NMODES)
		return "?";
	return funnel_mode_names[mode];
}

/* working memory of one funnel_level() call */
typedef struct FunnelWork
{
	const FunnelRow *rows;		/* the current group */
	const uint32_t *pool;
	uint32_t	n;				/* number of steps */
	uint32_t	g;				/* rows in the current group */

	/* per level 0..n+1 */
	uint8_t    *has;
	int64_t    *start;
	uint8_t    *nhas;
	int64_t    *nstart;
	uint32_t   *adj_beg;		/* step -> rows of the group matching it */
	uint32_t   *adj_end;
	int32_t    *mstep1;			/* row matched to a step (-1 none), M1 */
	int32_t    *mstep2;			/* same, M2 */
	uint32_t   *mark;			/* step stamps (union of a group's steps) */

	/* per row of the largest group, or per (row, step) pair */
	uint32_t   *adj;
	uint32_t   *mrow1;			/* step matched to a row (0 none), M1 */
	uint32_t   *mrow2;
	uint8_t    *okrow;
	uint32_t   *vis;
	uint32_t   *stk_node;
	uint32_t   *stk_pos;
	uint32_t   *stk_other;
	uint32_t	stamp;			/* for vis */
	uint32_t	mark_stamp;		/* for mark */
	size_t		maxg;
} FunnelWork;

static inline const uint32_t *
row_steps(const FunnelRow *r, const uint32_t *pool)
{
	return r->nmatch == 1 ? &r->step : pool + r->step;
}

/*
 * Sort rows by ts: groups are small (tens of rows), and an inlined merge
 * sort beats qsort's indirect comparisons.  tmp holds n rows when n >
 * FUNNEL_SORT_RUN.
 */
#define FUNNEL_SORT_RUN 16
#define MSORT_NAME sort_rows_ts
#define MSORT_TYPE FunnelRow
#define MSORT_LESS(a, b) ((a)->ts < (b)->ts)
#define MSORT_RUN FUNNEL_SORT_RUN
#include "msort_core.h"

static int
cmp_u32_desc(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a;
	uint32_t	y = *(const uint32_t *) b;

	return (x < y) - (x > y);
}

static inline bool
steps_contain(const uint32_t *s, uint32_t cnt, uint32_t step)
{
	uint32_t	i;

	for (i = 0; i < cnt && s[i] <= step; i++)
		if (s[i] == step)
			return true;
	return false;
}

static inline uint32_t
next_stamp(FunnelWork *w)
{
	if (++w->stamp == 0)
	{
		memset(w->vis, 0, sizeof(uint32_t) * (w->maxg + 1));
		w->stamp = 1;
	}
	return w->stamp;
}

/* keep the later start at level m; returns nothing, updates has/start */
static inline void
raise_level(uint8_t *has, int64_t *start, uint32_t m, int64_t s)
{
	if (!has[m] || start[m] < s)
	{
		has[m] = 1;
		start[m] = s;
	}
}

/*
 * The default-mode step for one matched step s at time t: step 1 starts a
 * chain, step s > 1 extends the latest chain at s-1 that is still within the
 * window.  Raises *best when level s is reached.
 */
static inline void
advance_default(FunnelWork *w, uint32_t s, int64_t t, uint64_t window, uint32_t *best)
{
	if (s == 1)
		raise_level(w->has, w->start, 1, t);
	else if (w->has[s - 1] && funnel_within(w->start[s - 1], t, window))
		raise_level(w->has, w->start, s, w->start[s - 1]);
	else
		return;
	if (s > *best)
		*best = s;
}

/*
 * M1: find an augmenting path from step s0 (free) to a free row of the
 * group.  Iterative DFS: the alternating path can be as long as the number
 * of matched steps.
 */
static bool
augment_from_step(FunnelWork *w, uint32_t s0)
{
	uint32_t	stamp = next_stamp(w);
	int64_t		depth = 0;

	w->stk_node[0] = s0;
	w->stk_pos[0] = w->adj_beg[s0];
	while (depth >= 0)
	{
		uint32_t	s = w->stk_node[depth];
		uint32_t	x;

		if (w->stk_pos[depth] >= w->adj_end[s])
		{
			depth--;
			continue;
		}
		x = w->adj[w->stk_pos[depth]++];
		if (w->vis[x] == stamp)
			continue;
		w->vis[x] = stamp;
		w->stk_other[depth] = x;
		if (w->mrow1[x] == 0)
		{
			int64_t		d;

			for (d = depth; d >= 0; d--)
			{
				w->mrow1[w->stk_other[d]] = w->stk_node[d];
				w->mstep1[w->stk_node[d]] = (int32_t) w->stk_other[d];
			}
			return true;
		}
		depth++;
		w->stk_node[depth] = w->mrow1[x];
		w->stk_pos[depth] = w->adj_beg[w->mrow1[x]];
	}
	return false;
}

/*
 * M2: find an augmenting path from row x0 (free) to a free step in lo..hi.
 */
static bool
augment_from_row(FunnelWork *w, uint32_t x0, uint32_t lo, uint32_t hi)
{
	uint32_t	stamp = next_stamp(w);
	int64_t		depth = 0;

	w->vis[x0] = stamp;
	w->stk_node[0] = x0;
	w->stk_pos[0] = 0;
	while (depth >= 0)
	{
		uint32_t	x = w->stk_node[depth];
		const FunnelRow *r = &w->rows[x];
		const uint32_t *st = row_steps(r, w->pool);
		uint32_t	s;
		int32_t		y;

		if (w->stk_pos[depth] >= r->nmatch)
		{
			depth--;
			continue;
		}
		s = st[w->stk_pos[depth]++];
		if (s < lo || s > hi)
			continue;
		y = w->mstep2[s];
		w->stk_other[depth] = s;
		if (y < 0)
		{
			int64_t		d;

			for (d = depth; d >= 0; d--)
			{
				w->mstep2[w->stk_other[d]] = (int32_t) w->stk_node[d];
				w->mrow2[w->stk_node[d]] = w->stk_other[d];
			}
			return true;
		}
		if (w->vis[y] == stamp)
			continue;
		w->vis[y] = stamp;
		depth++;
		w->stk_node[depth] = (uint32_t) y;
		w->stk_pos[depth] = 0;
	}
	return false;
}

/* can row x be seen by a chain alive at level L (L < n) without effect? */
static inline bool
row_ok_at(const FunnelWork *w, uint32_t x, uint32_t L, FunnelMode mode)
{
	const FunnelRow *r = &w->rows[x];
	const uint32_t *st = row_steps(r, w->pool);

	if (mode == FUNNEL_STRICT_ORDER)
		return st[r->nmatch - 1] <= L;
	/* strict_deduplication: neither the next step nor a repeat of L */
	return !steps_contain(st, r->nmatch, L) && !steps_contain(st, r->nmatch, L + 1);
}

/*
 * Deepest level reachable inside the group from entry level k: the largest
 * m such that steps k+1..m get distinct rows.  Leaves M1 holding it.
 */
static uint32_t
group_reach(FunnelWork *w, uint32_t k)
{
	uint32_t	hi = k + w->g < w->n ? k + w->g : w->n;
	uint32_t	q,
				x;

	for (x = 0; x < w->g; x++)
		w->mrow1[x] = 0;
	for (q = k + 1; q <= hi; q++)
		w->mstep1[q] = -1;
	for (q = k + 1; q <= hi; q++)
		if (!augment_from_step(w, q))
			return q - 1;
	return hi;
}

/*
 * A group of g > 1 rows at time t, modes default / strict_order /
 * strict_deduplication.  Returns the deepest level reached so far.
 */
static uint32_t
group_solve(FunnelWork *w, int64_t t, uint64_t window, FunnelMode mode, uint32_t best)
{
	uint32_t	n = w->n;
	uint32_t	g = w->g;
	bool		strict = mode != FUNNEL_DEFAULT;
	uint32_t	k,
				m,
				x,
				i,
				pos;

	/* step -> rows adjacency of this group */
	for (k = 0; k <= n + 1; k++)
		w->adj_beg[k] = w->adj_end[k] = 0;
	for (x = 0; x < g; x++)
	{
		const uint32_t *st = row_steps(&w->rows[x], w->pool);

		for (i = 0; i < w->rows[x].nmatch; i++)
			w->adj_end[st[i]]++;
	}
	pos = 0;
	for (k = 1; k <= n; k++)
	{
		w->adj_beg[k] = pos;
		pos += w->adj_end[k];
		w->adj_end[k] = w->adj_beg[k];
	}
	for (x = 0; x < g; x++)
	{
		const uint32_t *st = row_steps(&w->rows[x], w->pool);

		for (i = 0; i < w->rows[x].nmatch; i++)
			w->adj[w->adj_end[st[i]]++] = x;
	}

	memset(w->nhas, 0, n + 2);

	/* entry k = 0: chains starting inside the group, start t */
	/* no chain can be above the deepest level reached so far */
	for (k = 0; k < n && k <= best; k++)
	{
		int64_t		s;
		uint32_t	reach;

		if (k == 0)
			s = t;
		else
		{
			if (!w->has[k])
				continue;
			if (!funnel_within(w->start[k], t, window))
			{
				if (strict)
					w->has[k] = 0;
				continue;
			}
			s = w->start[k];
		}
		reach = group_reach(w, k);
		if (reach > best)
			best = reach;
		if (best == n)
			return best;
		if (!strict || k == 0)
		{
			for (m = k + 1; m <= reach; m++)
				raise_level(w->nhas, w->nstart, m, s);
			continue;
		}

		/* strict modes: which levels k..reach can the chain leave alive at? */
		for (x = 0; x < g; x++)
		{
			w->okrow[x] = 0;
			w->mrow2[x] = 0;
		}
		for (m = k; m <= reach; m++)
			w->mstep2[m] = -1;
		for (m = k; m <= reach; m++)
		{
			uint32_t	nforced = 0;
			bool		feasible = true;

			w->mstep2[m] = -1;
			for (x = 0; x < g; x++)
			{
				if (!w->okrow[x] && row_ok_at(w, x, m, mode))
				{
					w->okrow[x] = 1;
					if (w->mrow2[x] != 0)
					{
						w->mstep2[w->mrow2[x]] = -1;
						w->mrow2[x] = 0;
					}
				}
				if (!w->okrow[x])
					nforced++;
			}
			if (nforced > m - k)
				continue;
			for (x = 0; x < g && feasible; x++)
				if (!w->okrow[x] && w->mrow2[x] == 0)
					feasible = augment_from_row(w, x, k + 1, m);
			if (feasible)
				raise_level(w->nhas, w->nstart, m, s);
		}
	}

	if (strict)
	{
		/* every alive chain entered the group; keep where they left it */
		memcpy(w->has, w->nhas, n + 2);
		memcpy(w->start, w->nstart, sizeof(int64_t) * (n + 2));
	}
	else
	{
		for (m = 1; m <= n; m++)
			if (w->nhas[m])
				raise_level(w->has, w->start, m, w->nstart[m]);
	}
	return best;
}

/* every row's step list valid (1..nsteps, ascending); *sorted when by ts */
static CxmStatus
funnel_check_rows(const FunnelRow *rows, size_t nrows, const uint32_t *pool,
				  size_t npool, uint32_t nsteps, bool *sorted,
				  char *msg, size_t msglen)
{
	size_t		i;

	*sorted = true;
	for (i = 0; i < nrows; i++)
	{
		const FunnelRow *r = &rows[i];
		const uint32_t *st;
		uint32_t	k;

		if (r->nmatch == 0 || r->nmatch > nsteps ||
			(r->nmatch > 1 && ((size_t) r->step > npool || npool - r->step < r->nmatch)))
		{
			snprintf(msg, msglen, "funnel row %zu has an invalid step list", i);
			return CXM_EINVAL;
		}
		st = row_steps(r, pool);
		for (k = 0; k < r->nmatch; k++)
		{
			if (st[k] < 1 || st[k] > nsteps || (k > 0 && st[k] <= st[k - 1]))
			{
				snprintf(msg, msglen, "funnel row %zu has an invalid step %u", i, st[k]);
				return CXM_EINVAL;
			}
		}
		if (i > 0 && rows[i - 1].ts > r->ts)
			*sorted = false;
	}
	return CXM_OK;
}

/*
 * The work arrays for n steps and tie groups of up to maxg rows and maxe
 * (row, step) pairs, from one arena chunk of their exact total size.
 */
static void
funnel_work_init(FunnelWork *w, Arena *ar, const uint32_t *pool, uint32_t n,
				 size_t maxg, size_t maxe)
{
	size_t		levels = (size_t) n + 2;
	size_t		total = arena_size(levels) + arena_size(sizeof(int64_t) * levels) +
		arena_size(sizeof(uint32_t) * levels);
	CxmAlloc	tmp = arena_allocator(ar);

	if (maxg > 1)
		total += arena_size(levels) + arena_size(sizeof(int64_t) * levels) +
			2 * arena_size(sizeof(uint32_t) * levels) +
			2 * arena_size(sizeof(int32_t) * levels) +
			arena_size(sizeof(uint32_t) * (maxe + 1)) +
			3 * arena_size(sizeof(uint32_t) * (maxg + 1)) + arena_size(maxg + 1) +
			3 * arena_size(sizeof(uint32_t) * (maxg + 2));
	arena_reserve(ar, total);

	memset(w, 0, sizeof(*w));
	w->pool = pool;
	w->n = n;
	w->maxg = maxg;
	w->has = cxm_alloc(&tmp, levels);
	w->start = cxm_alloc(&tmp, sizeof(int64_t) * levels);
	w->mark = cxm_alloc(&tmp, sizeof(uint32_t) * levels);
	if (maxg > 1)
	{
		w->nhas = cxm_alloc(&tmp, levels);
		w->nstart = cxm_alloc(&tmp, sizeof(int64_t) * levels);
		w->adj_beg = cxm_alloc(&tmp, sizeof(uint32_t) * levels);
		w->adj_end = cxm_alloc(&tmp, sizeof(uint32_t) * levels);
		w->mstep1 = cxm_alloc(&tmp, sizeof(int32_t) * levels);
		w->mstep2 = cxm_alloc(&tmp, sizeof(int32_t) * levels);
		w->adj = cxm_alloc(&tmp, sizeof(uint32_t) * (maxe + 1));
		w->mrow1 = cxm_alloc(&tmp, sizeof(uint32_t) * (maxg + 1));
		w->mrow2 = cxm_alloc(&tmp, sizeof(uint32_t) * (maxg + 1));
		w->okrow = cxm_alloc(&tmp, maxg + 1);
		w->vis = cxm_alloc(&tmp, sizeof(uint32_t) * (maxg + 1));
		w->stk_node = cxm_alloc(&tmp, sizeof(uint32_t) * (maxg + 2));
		w->stk_pos = cxm_alloc(&tmp, sizeof(uint32_t) * (maxg + 2));
		w->stk_other = cxm_alloc(&tmp, sizeof(uint32_t) * (maxg + 2));
	}
}

/*
 * strict_increase, the group rows[i..j) at time t: tied rows cannot follow
 * each other, so each chain that reached s-1 before t may take any row
 * matching s.  The group's steps are walked downwards so that level s-1 is
 * still the old one.
 */
static void
group_strict_increase(FunnelWork *w, const FunnelRow *rows, size_t i, size_t j,
					  int64_t t, uint64_t window, uint32_t *best)
{
	const uint32_t *st;
	uint32_t	e = 0,
				q;
	size_t		r;

	if (j - i == 1)
	{
		st = row_steps(&rows[i], w->pool);
		/* ascending list: walk it backwards */
		for (q = rows[i].nmatch; q-- > 0;)
			advance_default(w, st[q], t, window, best);
		return;
	}
	for (r = i; r < j; r++)
	{
		st = row_steps(&rows[r], w->pool);
		for (q = 0; q < rows[r].nmatch; q++)
			w->adj[e++] = st[q];
	}
	qsort(w->adj, e, sizeof(uint32_t), cmp_u32_desc);
	for (q = 0; q < e; q++)
		if (q == 0 || w->adj[q] != w->adj[q - 1])
			advance_default(w, w->adj[q], t, window, best);
}

/* strict_order / strict_deduplication, a group of one row r at time t */
static void
row_strict(FunnelWork *w, const FunnelRow *r, int64_t t, uint64_t window,
		   FunnelMode mode, uint32_t *best)
{
	const uint32_t *st = row_steps(r, w->pool);
	uint32_t	n = w->n;
	uint32_t	maxs = st[r->nmatch - 1];
	uint32_t	q,
				k;

	if (++w->mark_stamp == 0)
	{
		memset(w->mark, 0, sizeof(uint32_t) * (n + 2));
		w->mark_stamp = 1;
	}
	for (q = 0; q < r->nmatch; q++)
		w->mark[st[q]] = w->mark_stamp;
	/* no chain is above the deepest level reached so far */
	for (k = *best < n ? *best : n - 1; k >= 1; k--)
	{
		if (!w->has[k])
			continue;
		if (!funnel_within(w->start[k], t, window))
		{
			w->has[k] = 0;
			continue;
		}
		if (w->mark[k + 1] == w->mark_stamp)
		{
			w->has[k] = 0;
			raise_level(w->has, w->start, k + 1, w->start[k]);
			if (k + 1 > *best)
				*best = k + 1;
			if (*best == n)
				break;
		}
		else if (mode == FUNNEL_STRICT_ORDER ? maxs > k + 1 : w->mark[k] == w->mark_stamp)
			w->has[k] = 0;
	}
	if (w->mark[1] == w->mark_stamp)
	{
		raise_level(w->has, w->start, 1, t);
		if (*best < 1)
			*best = 1;
	}
}

CxmStatus
funnel_level(FunnelRow *rows, size_t nrows, const uint32_t *pool, size_t npool,
			 uint32_t nsteps, uint64_t window, FunnelMode mode,
			 const CxmAlloc *alloc, uint32_t *level, char *msg, size_t msglen)
{
	FunnelWork	w;
	Arena		ar;
	size_t		i,
				j,
				maxg = 1,
				maxe = 1;
	uint32_t	best = 0;
	bool		sorted;
	CxmStatus	st;

	*level = 0;
	if (nsteps == 0 || nsteps > UINT32_MAX - 2)
	{
		snprintf(msg, msglen, "a funnel needs at least one step");
		return CXM_EINVAL;
	}
	if (window == 0)
	{
		snprintf(msg, msglen, "the funnel window must be positive");
		return CXM_EINVAL;
	}
	if ((int) mode < 0 || (int) mode >= FUNNEL_NMODES)
	{
		snprintf(msg, msglen, "unknown funnel mode %d", (int) mode);
		return CXM_EINVAL;
	}
	st = funnel_check_rows(rows, nrows, pool, npool, nsteps, &sorted, msg, msglen);
	if (st != CXM_OK || nrows == 0)
		return st;
	if (!sorted && nrows <= SORTKEY_RANK_MAX)
	{
		/* by ranks, when the CPU counts them fast (sortkey_core.h) */
		int64_t		key[SORTKEY_RANK_MAX];
		uint32_t	pos[SORTKEY_RANK_MAX];

		for (i = 0; i < nrows; i++)
			key[i] = rows[i].ts;
		if (sortkey_ranks(key, nrows, pos))
		{
			FunnelRow  *tmp = cxm_alloc(alloc, nrows * sizeof(FunnelRow));

			for (i = 0; i < nrows; i++)
				tmp[pos[i]] = rows[i];
			memcpy(rows, tmp, nrows * sizeof(FunnelRow));
			cxm_free(alloc, tmp);
			sorted = true;
		}
	}
	if (!sorted)
	{
		FunnelRow  *tmp = nrows > FUNNEL_SORT_RUN
			? cxm_alloc(alloc, nrows * sizeof(FunnelRow)) : NULL;

		sort_rows_ts(rows, nrows, tmp);
		if (tmp != NULL)
			cxm_free(alloc, tmp);
	}

	/* size of the largest tie group, in rows and in (row, step) pairs */
	for (i = 0; i < nrows; i = j)
	{
		size_t		e = 0;

		for (j = i; j < nrows && rows[j].ts == rows[i].ts; j++)
			e += rows[j].nmatch;
		if (j - i > maxg)
			maxg = j - i;
		if (e > maxe)
			maxe = e;
	}

	arena_init(&ar, alloc, 0);
	funnel_work_init(&w, &ar, pool, nsteps, maxg, maxe);
	for (i = 0; i < nrows && best < nsteps; i = j)
	{
		int64_t		t = rows[i].ts;

		for (j = i + 1; j < nrows && rows[j].ts == t; j++)
			;
		if (mode == FUNNEL_STRICT_INCREASE)
			group_strict_increase(&w, rows, i, j, t, window, &best);
		else if (j - i == 1 && mode == FUNNEL_DEFAULT)
		{
			const uint32_t *steps = row_steps(&rows[i], pool);
			uint32_t	q;

			for (q = rows[i].nmatch; q-- > 0;)
				advance_default(&w, steps[q], t, window, &best);
		}
		else if (j - i == 1)
			row_strict(&w, &rows[i], t, window, mode, &best);
		else
		{
			w.rows = &rows[i];
			w.g = (uint32_t) (j - i);
			best = group_solve(&w, t, window, mode, best);
		}
	}
	*level = best;
	arena_release(&ar);
	return CXM_OK;
}

/* ---- the window and the serialized state --------------------------------- */

#define FUNNEL_USECS_PER_DAY	INT64_C(86400000000)
#define FUNNEL_DAYS_PER_MONTH	30

CxmStatus
funnel_window_span(int64_t time, int32_t day, int32_t month, uint64_t *usecs)
{
	/*
	 * span = (month * 30 + day) * D + time, D = us per day, written as q * D
	 * + r with 0 <= r < D.  |q| stays below 2^37, so no step needs more than
	 * 64 bits, and q < 0 (or q == 0, r == 0) is exactly span <= 0.
	 */
	int64_t		q = time / FUNNEL_USECS_PER_DAY;
	int64_t		r = time % FUNNEL_USECS_PER_DAY;

	if (r < 0)
	{
		r += FUNNEL_USECS_PER_DAY;
		q--;
	}
	q += (int64_t) day + (int64_t) month * FUNNEL_DAYS_PER_MONTH;
	*usecs = 0;
	if (q < 0 || (q == 0 && r == 0))
		return CXM_EINVAL;
	if ((uint64_t) q > (UINT64_MAX - (uint64_t) r) / (uint64_t) FUNNEL_USECS_PER_DAY)
		*usecs = UINT64_MAX;
	else
		*usecs = (uint64_t) q * (uint64_t) FUNNEL_USECS_PER_DAY + (uint64_t) r;
	return CXM_OK;
}

/* read as funnel_wire_check's messages say; every length is checked first */
CxmStatus
funnel_wire_check(const unsigned char *buf, size_t len, FunnelWireInfo *info,
				  char *msg, size_t msglen)
{
	WireReader	r;
	uint32_t	nsteps;
	uint64_t	window,
				span;
	int64_t		time,
				nusable,
				nrows;
	int32_t		day,
				month;
	uint8_t		mode;
	size_t		npool = 0;
	int64_t		i;

	memset(info, 0, sizeof(*info));
	if (!wire_reader_start(&r, buf, len, FUNNEL_WIRE_HEADER, FUNNEL_WIRE_VERSION))
		goto bad;
	mode = wire_get_u8(&r);
	if (mode >= FUNNEL_NMODES)
	{
		wire_fail(&r, "Unknown mode.");
		goto bad;
	}
	nsteps = wire_get_u32(&r);
	window = wire_get_u64(&r);
	time = wire_get_i64(&r);
	day = wire_get_i32(&r);
	month = wire_get_i32(&r);
	if (window == 0 || funnel_window_span(time, day, month, &span) != CXM_OK ||
		span != window)
	{
		wire_fail(&r, "The window does not match its interval.");
		goto bad;
	}
	nusable = wire_get_i64(&r);
	nrows = wire_get_i64(&r);
	if (nrows < 0 || nusable < nrows ||
		(uint64_t) nrows > wire_left(&r) / FUNNEL_WIRE_MIN_ROW)
	{
		wire_fail(&r, "The row count does not fit the state's length.");
		goto bad;
	}
	/* every usable row set nsteps from its steps array */
	if (nusable > 0 && (nsteps == 0 || nsteps > FUNNEL_MAX_STEPS))
	{
		wire_fail(&r, "Invalid number of steps.");
		goto bad;
	}
	for (i = 0; i < nrows; i++)
	{
		uint32_t	cnt,
					k,
					prev = 0;

		if (!wire_need(&r, FUNNEL_WIRE_MIN_ROW, "The state ends inside a row."))
			goto bad;
		(void) wire_get_i64(&r);	/* ts: any value */
		cnt = wire_get_u32(&r);
		if (cnt == 0 || cnt > nsteps || cnt > wire_left(&r) / 4)
		{
			wire_fail(&r, "A row has an invalid number of matched steps.");
			goto bad;
		}
		if (cnt > 1)
		{
			if (npool > (size_t) UINT32_MAX - cnt)
			{
				wire_fail(&r, "Too many matched steps.");
				goto bad;
			}
			npool += cnt;
		}
		for (k = 0; k < cnt; k++)
		{
			uint32_t	s = wire_get_u32(&r);

			if (s < 1 || s > nsteps || s <= prev)
			{
				wire_fail(&r, "A row has an invalid step.");
				goto bad;
			}
			prev = s;
		}
	}
	if (!wire_end(&r))
		goto bad;

	info->mode = (FunnelMode) mode;
	info->nsteps = nsteps;
	info->window = window;
	info->window_time = time;
	info->window_day = day;
	info->window_month = month;
	info->nusable = nusable;
	info->nrows = (size_t) nrows;
	info->npool = npool;
	return CXM_OK;

bad:
	return wire_failure(&r, msg, msglen);
}

void
funnel_wire_decode(const unsigned char *buf, size_t len, const FunnelWireInfo *info,
				   FunnelRow *rows, uint32_t *pool)
{
	WireReader	r;
	size_t		npool = 0,
				i;

	/* the reader's bounds checks never fire on a checked state; they keep misuse safe */
	wire_reader_init(&r, buf, len);
	wire_skip(&r, FUNNEL_WIRE_HEADER);
	for (i = 0; i < info->nrows && wire_left(&r) >= FUNNEL_WIRE_MIN_ROW; i++)
	{
		FunnelRow  *row = &rows[i];
		uint32_t	cnt,
					k;

		row->ts = wire_get_i64(&r);
		cnt = wire_get_u32(&r);
		if (cnt == 0 || cnt > wire_left(&r) / 4 ||
			(cnt > 1 && cnt > info->npool - npool))
			break;
		row->nmatch = cnt;
		if (cnt == 1)
			row->step = wire_get_u32(&r);
		else
		{
			row->step = (uint32_t) npool;
			for (k = 0; k < cnt; k++)
				pool[npool++] = wire_get_u32(&r);
		}
	}
}

void
funnel_wire_write(WireWriter *w, const FunnelWireInfo *h, const FunnelRow *rows,
				  const uint32_t *pool)
{
	size_t		i;

	wire_put_version(w, FUNNEL_WIRE_VERSION);
	wire_put_u8(w, (uint8_t) h->mode);
	wire_put_u32(w, h->nsteps);
	wire_put_u64(w, h->window);
	wire_put_i64(w, h->window_time);
	wire_put_i32(w, h->window_day);
	wire_put_i32(w, h->window_month);
	wire_put_i64(w, h->nusable);
	wire_put_u64(w, (uint64_t) h->nrows);
	for (i = 0; i < h->nrows; i++)
	{
		const FunnelRow *row = &rows[i];
		uint32_t	k;

		wire_put_i64(w, row->ts);
		wire_put_u32(w, row->nmatch);
		if (row->nmatch == 1)
			wire_put_u32(w, row->step);
		else
			for (k = 0; k < row->nmatch; k++)
				wire_put_u32(w, pool[row->step + k]);
	}
}
