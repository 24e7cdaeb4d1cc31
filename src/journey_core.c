/*
 * journey_core.c
 *	  The journey_path state, its sort and bounded heap, the serialized-state
 *	  check, path_collapse and the sessionize gap test (pure C).
 *
 * A journey_path state stores every string once, back to back, in one arena
 * and keeps a compact (ts, offset, length) item per step.  Rows are appended
 * in arrival order; the final function sorts the items once.  With max_steps
 * the items form a min-heap of at most max_steps entries holding the greatest
 * (ts, touchpoint) keys seen: a new row either loses against the root (the
 * smallest key kept) or replaces it.  Strings of replaced items become
 * garbage in the arena, which is compacted when it is at least half garbage,
 * so the memory of a bounded state stays proportional to what it keeps.
 */
#include <stdio.h>
#include <string.h>

#include "journey_core.h"

#define JPATH_MIN_ITEMS 8
#define JPATH_MIN_ARENA 64
#define JPATH_INSERTION_RUN 24

static inline size_t
elem_bytes(size_t len)
{
	/* a text array element: 4-byte header + data, aligned to 4 */
	return (4 + len + 3) & ~(size_t) 3;
}

static inline int
str_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	size_t		m = la < lb ? la : lb;
	int			c = m > 0 ? memcmp(a, b, m) : 0;

	if (c != 0)
		return c < 0 ? -1 : 1;
	return la < lb ? -1 : (la > lb ? 1 : 0);
}

/* order by ts, then by the bytes of the touchpoint (as COLLATE "C") */
int
jpath_key_cmp(int64_t ta, const char *sa, size_t la,
			  int64_t tb, const char *sb, size_t lb)
{
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return str_cmp(sa, la, sb, lb);
}

static inline int
item_cmp(const char *arena, const JPathItem *a, const JPathItem *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return str_cmp(arena + a->off, a->len, arena + b->off, b->len);
}

void
jpath_init(JPathState *st, int32_t max_steps, CxmAlloc alloc)
{
	memset(st, 0, sizeof(*st));
	st->max_steps = max_steps > 0 ? max_steps : 0;
	st->alloc = alloc;
}

void
jpath_free(JPathState *st)
{
	if (st->items != NULL)
		cxm_free(&st->alloc, st->items);
	if (st->arena != NULL)
		cxm_free(&st->alloc, st->arena);
	st->items = NULL;
	st->arena = NULL;
	st->n = st->cap = st->arena_len = st->arena_cap = 0;
	st->live_bytes = st->out_bytes = 0;
}

static void
set_items_cap(JPathState *st, size_t cap)
{
	JPathItem  *p = cxm_alloc(&st->alloc, cap * sizeof(JPathItem));

	if (st->n > 0)
		memcpy(p, st->items, st->n * sizeof(JPathItem));
	if (st->items != NULL)
		cxm_free(&st->alloc, st->items);
	st->items = p;
	st->cap = cap;
}

/* room for `more` further items (never more than max_steps in all) */
static void
ensure_items(JPathState *st, size_t more)
{
	size_t		want = st->n + more;
	size_t		cap;

	if (st->max_steps > 0 && want > (size_t) st->max_steps)
		want = (size_t) st->max_steps;
	if (want <= st->cap)
		return;
	cap = st->cap > 0 ? st->cap : JPATH_MIN_ITEMS;
	while (cap < want)
		cap *= 2;
	if (st->max_steps > 0 && cap > (size_t) st->max_steps)
		cap = (size_t) st->max_steps;
	set_items_cap(st, cap);
}

/* copy the live strings into a fresh arena of `cap` bytes */
static void
compact_arena(JPathState *st, size_t cap)
{
	char	   *p = cxm_alloc(&st->alloc, cap);
	size_t		used = 0;
	size_t		i;

	for (i = 0; i < st->n; i++)
	{
		JPathItem  *it = &st->items[i];

		if (it->len > 0)
			memcpy(p + used, st->arena + it->off, it->len);
		it->off = (uint32_t) used;
		used += it->len;
	}
	if (st->arena != NULL)
		cxm_free(&st->alloc, st->arena);
	st->arena = p;
	st->arena_cap = cap;
	st->arena_len = used;
}

/* room for `need` more arena bytes; offsets must stay below 4 GB */
static CxmStatus
ensure_arena(JPathState *st, size_t need)
{
	size_t		garbage = st->arena_len - st->live_bytes;
	size_t		cap;

	if (need <= st->arena_cap - st->arena_len)
		return CXM_OK;
	if (st->live_bytes + need > UINT32_MAX)
		return CXM_ERANGE;
	if (garbage > 0 &&
		(garbage >= st->live_bytes || st->arena_len + need > UINT32_MAX))
	{
		cap = 2 * (st->live_bytes + need);
		if (cap < JPATH_MIN_ARENA)
			cap = JPATH_MIN_ARENA;
		if (cap > UINT32_MAX)
			cap = UINT32_MAX;
		compact_arena(st, cap);
		return CXM_OK;
	}
	if (st->arena_len + need > UINT32_MAX)
		return CXM_ERANGE;
	cap = st->arena_cap > 0 ? st->arena_cap : JPATH_MIN_ARENA;
	while (cap < st->arena_len + need)
		cap *= 2;
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	{
		char	   *p = cxm_alloc(&st->alloc, cap);

		if (st->arena_len > 0)
			memcpy(p, st->arena, st->arena_len);
		if (st->arena != NULL)
			cxm_free(&st->alloc, st->arena);
		st->arena = p;
		st->arena_cap = cap;
	}
	return CXM_OK;
}

CxmStatus
jpath_reserve(JPathState *st, size_t items, size_t bytes)
{
	ensure_items(st, items);
	return ensure_arena(st, bytes);
}

static void
sift_up(JPathState *st, size_t i)
{
	JPathItem	x = st->items[i];

	while (i > 0)
	{
		size_t		parent = (i - 1) / 2;

		if (item_cmp(st->arena, &st->items[parent], &x) <= 0)
			break;
		st->items[i] = st->items[parent];
		i = parent;
	}
	st->items[i] = x;
}

static void
sift_down(JPathState *st, size_t i)
{
	JPathItem	x = st->items[i];
	size_t		n = st->n;

	for (;;)
	{
		size_t		c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && item_cmp(st->arena, &st->items[c + 1], &st->items[c]) < 0)
			c++;
		if (item_cmp(st->arena, &x, &st->items[c]) <= 0)
			break;
		st->items[i] = st->items[c];
		i = c;
	}
	st->items[i] = x;
}

/*
 * Add one step.  CXM_ERANGE when the journey would no longer fit in an array
 * (JPATH_MAX_OUT_BYTES).
 */
CxmStatus
jpath_add(JPathState *st, int64_t ts, const char *s, size_t len)
{
	size_t		esz;
	JPathItem  *it;

	if (len > JPATH_MAX_OUT_BYTES)
		return CXM_ERANGE;
	esz = elem_bytes(len);
	if (st->max_steps == 0 || st->n < (size_t) st->max_steps)
	{
		if (st->out_bytes + esz > JPATH_MAX_OUT_BYTES)
			return CXM_ERANGE;
		if (st->n == st->cap)
			ensure_items(st, 1);
		if (ensure_arena(st, len) != CXM_OK)
			return CXM_ERANGE;
		it = &st->items[st->n++];
		it->ts = ts;
		it->off = (uint32_t) st->arena_len;
		it->len = (uint32_t) len;
		if (len > 0)
			memcpy(st->arena + st->arena_len, s, len);
		st->arena_len += len;
		st->live_bytes += len;
		st->out_bytes += esz;
		if (st->max_steps > 0)
			sift_up(st, st->n - 1);
		return CXM_OK;
	}

	/* a full heap: keep the row only if it beats the smallest key kept */
	it = &st->items[0];
	if (jpath_key_cmp(ts, s, len, it->ts, st->arena + it->off, it->len) <= 0)
		return CXM_OK;
	if (st->out_bytes - elem_bytes(it->len) + esz > JPATH_MAX_OUT_BYTES)
		return CXM_ERANGE;
	if (ensure_arena(st, len) != CXM_OK)
		return CXM_ERANGE;
	it = &st->items[0];			/* compaction rewrote the offsets */
	st->live_bytes -= it->len;
	st->out_bytes -= elem_bytes(it->len);
	it->ts = ts;
	it->off = (uint32_t) st->arena_len;
	it->len = (uint32_t) len;
	if (len > 0)
		memcpy(st->arena + st->arena_len, s, len);
	st->arena_len += len;
	st->live_bytes += len;
	st->out_bytes += esz;
	sift_down(st, 0);
	return CXM_OK;
}

/* add every step of src to dst (the caller checked that max_steps agree) */
CxmStatus
jpath_merge(JPathState *dst, const JPathState *src)
{
	size_t		i;

	if (src->n == 0)
		return CXM_OK;
	if (dst->out_bytes + src->out_bytes <= JPATH_MAX_OUT_BYTES &&
		jpath_reserve(dst, src->n, src->live_bytes) != CXM_OK)
		return CXM_ERANGE;
	for (i = 0; i < src->n; i++)
	{
		const JPathItem *it = &src->items[i];

		if (jpath_add(dst, it->ts, src->arena + it->off, it->len) != CXM_OK)
			return CXM_ERANGE;
	}
	return CXM_OK;
}

/*
 * Sort the items ascending.  An ascending array is also a valid min-heap, so
 * a bounded state stays usable after its final function ran.  Already sorted
 * input (rows that arrive in time order) costs one pass.
 */
void
jpath_sort(JPathState *st, const CxmAlloc *tmp)
{
	const char *arena = st->arena;
	JPathItem  *a = st->items;
	size_t		n = st->n;
	size_t		i,
				j,
				start,
				width;
	JPathItem  *buf,
			   *src,
			   *dst;

	for (i = 1; i < n; i++)
		if (item_cmp(arena, &a[i - 1], &a[i]) > 0)
			break;
	if (i >= n)
		return;

	/* insertion sort of short runs */
	for (start = 0; start < n; start += JPATH_INSERTION_RUN)
	{
		size_t		end = start + JPATH_INSERTION_RUN < n ? start + JPATH_INSERTION_RUN : n;

		for (i = start + 1; i < end; i++)
		{
			JPathItem	x = a[i];

			for (j = i; j > start && item_cmp(arena, &a[j - 1], &x) > 0; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
	}
	if (n <= JPATH_INSERTION_RUN)
		return;

	/* bottom-up merge of the runs, ping-ponging between a and buf */
	buf = cxm_alloc(tmp, n * sizeof(JPathItem));
	src = a;
	dst = buf;
	for (width = JPATH_INSERTION_RUN; width < n; width *= 2)
	{
		for (start = 0; start < n; start += 2 * width)
		{
			size_t		mid = start + width < n ? start + width : n;
			size_t		end = start + 2 * width < n ? start + 2 * width : n;
			size_t		l = start,
						r = mid,
						k = start;

			if (mid >= end || item_cmp(arena, &src[mid - 1], &src[mid]) <= 0)
			{
				memcpy(dst + start, src + start, (end - start) * sizeof(JPathItem));
				continue;
			}
			while (l < mid && r < end)
			{
				if (item_cmp(arena, &src[r], &src[l]) < 0)
					dst[k++] = src[r++];
				else
					dst[k++] = src[l++];
			}
			while (l < mid)
				dst[k++] = src[l++];
			while (r < end)
				dst[k++] = src[r++];
		}
		{
			JPathItem  *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != a)
		memcpy(a, src, n * sizeof(JPathItem));
	cxm_free(tmp, buf);
}

static inline uint32_t
get_be32(const unsigned char *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

/*
 * Check a serialized state (see JPATH_WIRE_*) completely before anything
 * reads it: the version, the counts, every length against the bytes left,
 * and no trailing bytes.  On success returns max_steps, the number of steps
 * and their total string bytes.
 */
CxmStatus
jpath_wire_check(const unsigned char *buf, size_t len,
				 int32_t *max_steps, uint32_t *count, size_t *bytes,
				 char *msg, size_t msglen)
{
	int32_t		ms,
				cnt;
	size_t		pos,
				total = 0;
	int32_t		i;

	if (len < JPATH_WIRE_HEADER)
	{
		snprintf(msg, msglen, "state of %zu bytes is shorter than its %d-byte header",
				 len, JPATH_WIRE_HEADER);
		return CXM_EINVAL;
	}
	if (buf[0] != JPATH_WIRE_VERSION)
	{
		snprintf(msg, msglen, "unsupported state version %d", (int) buf[0]);
		return CXM_EINVAL;
	}
	ms = (int32_t) get_be32(buf + 1);
	cnt = (int32_t) get_be32(buf + 5);
	if (ms < 0)
	{
		snprintf(msg, msglen, "invalid max_steps %d in state", (int) ms);
		return CXM_EINVAL;
	}
	if (cnt < 0 || (ms > 0 && cnt > ms))
	{
		snprintf(msg, msglen, "invalid step count %d in state (max_steps %d)",
				 (int) cnt, (int) ms);
		return CXM_EINVAL;
	}
	if ((size_t) cnt > (len - JPATH_WIRE_HEADER) / JPATH_WIRE_ITEM)
	{
		snprintf(msg, msglen, "state of %zu bytes is too short for %d steps", len, (int) cnt);
		return CXM_EINVAL;
	}
	pos = JPATH_WIRE_HEADER;
	for (i = 0; i < cnt; i++)
	{
		int32_t		l;

		if (len - pos < JPATH_WIRE_ITEM)
		{
			snprintf(msg, msglen, "state truncated at step %d", (int) i + 1);
			return CXM_EINVAL;
		}
		l = (int32_t) get_be32(buf + pos + 8);
		pos += JPATH_WIRE_ITEM;
		if (l < 0 || (size_t) l > len - pos)
		{
			snprintf(msg, msglen, "invalid length %d of step %d in state", (int) l, (int) i + 1);
			return CXM_EINVAL;
		}
		pos += (size_t) l;
		total += (size_t) l;
	}
	if (pos != len)
	{
		snprintf(msg, msglen, "%zu trailing bytes after the last step of the state", len - pos);
		return CXM_EINVAL;
	}
	*max_steps = ms;
	*count = (uint32_t) cnt;
	*bytes = total;
	return CXM_OK;
}

/*
 * path_collapse: keep[i] is false when element i repeats element i - 1
 * (same bytes, or both NULL).  Returns the number kept.
 */
size_t
jpath_collapse(const JPathStr *in, size_t n, bool *keep)
{
	size_t		i,
				kept = 0;

	for (i = 0; i < n; i++)
	{
		bool		same = false;

		if (i > 0)
		{
			if (in[i].isnull || in[i - 1].isnull)
				same = in[i].isnull && in[i - 1].isnull;
			else
				same = str_cmp(in[i].ptr, in[i].len, in[i - 1].ptr, in[i - 1].len) == 0;
		}
		keep[i] = !same;
		if (!same)
			kept++;
	}
	return kept;
}

/* months * 30 days + days as whole days, usecs folded into [0, 1 day) */
JPathGap
jpath_gap_make(int32_t months, int32_t days, int64_t usecs)
{
	JPathGap	g;
	int64_t		rem = usecs % JPATH_USECS_PER_DAY;

	g.days = (int64_t) months * 30 + (int64_t) days + usecs / JPATH_USECS_PER_DAY;
	if (rem < 0)
	{
		rem += JPATH_USECS_PER_DAY;
		g.days--;
	}
	g.usecs = rem;
	return g;
}

/* the sign of an interval as PostgreSQL compares intervals (30-day months) */
int
jpath_interval_sign(int32_t months, int32_t days, int64_t usecs)
{
	JPathGap	g = jpath_gap_make(months, days, usecs);

	if (g.days > 0)
		return 1;
	if (g.days < 0)
		return -1;
	return g.usecs > 0 ? 1 : 0;
}

/*
 * Does cur - prev exceed the (positive) gap?  Exact for the whole timestamp
 * range.  A step back in time or none never does; a step from -infinity or
 * to infinity always does.
 */
bool
jpath_gap_exceeded(int64_t prev, int64_t cur, JPathGap gap)
{
	uint64_t	diff;
	int64_t		ddays,
				drem;

	if (cur <= prev)
		return false;
	if (prev == JPATH_TS_NOBEGIN || cur == JPATH_TS_NOEND)
		return true;
	diff = (uint64_t) cur - (uint64_t) prev;
	ddays = (int64_t) (diff / (uint64_t) JPATH_USECS_PER_DAY);
	drem = (int64_t) (diff % (uint64_t) JPATH_USECS_PER_DAY);
	if (ddays != gap.days)
		return ddays > gap.days;
	return drem > gap.usecs;
}
