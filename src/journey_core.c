/*
 * journey_core.c
 *	  The journey_path state, its sort and bounded heap, the serialized-state
 *	  check, path_collapse and the sessionize gap test (pure C).
 *
 * Without max_steps a journey_path state is a log: each row appends (ts,
 * length, bytes) at a write cursor kept in the state, so a row costs one
 * copy and no allocation.  Full segments are never copied or freed: a new,
 * twice larger segment is chained on (see journey_core.h).  The final
 * function lists the entries as (ts, pointer, length) refs and sorts them
 * once (a single pass when rows arrived in time order).
 *
 * With max_steps the items form a min-heap of at most max_steps entries
 * holding the greatest (ts, touchpoint) keys seen, their strings in an
 * arena: a new row either loses against the root (the smallest key kept) or
 * replaces it.  Strings of replaced items become garbage in the arena, which
 * is compacted when it is at least half garbage, so the memory of a bounded
 * state stays proportional to what it keeps, not to the rows it saw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey_core.h"
#include "sortkey_core.h"

#define JPATH_MIN_ITEMS 8
#define JPATH_MIN_ARENA 64
/* the first allocation of a log state (state + first segment) and the
 * largest segment size it doubles up to; powers of two suit palloc */
#define JPATH_FIRST_ALLOC 512
#define JPATH_MAX_SEG	((size_t) 1 << 20)
#define JPATH_INSERTION_RUN 24

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

static inline int
ref_cmp(const JPathRef *a, const JPathRef *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return str_cmp(a->s, a->len, b->s, b->len);
}

#define SEG_DATA(seg)	((char *) (seg) + sizeof(JPathSeg))
#define INLINE_SEG(st)	((JPathSeg *) ((char *) (st) + sizeof(JPathState)))

/* bytes used in a segment (the tail's count lives in wpos) */
static inline size_t
seg_used(const JPathState *st, const JPathSeg *seg)
{
	return seg == st->tail ? (size_t) (st->wpos - SEG_DATA(seg)) : seg->used;
}

JPathState *
jpath_create(int32_t max_steps, CxmAlloc alloc)
{
	JPathState *st;
	JPathSeg   *seg;

	if (max_steps > 0)
	{
		st = cxm_alloc(&alloc, sizeof(JPathState));
		memset(st, 0, sizeof(JPathState));
		st->max_steps = max_steps;
		st->alloc = alloc;
		return st;
	}
	st = cxm_alloc(&alloc, JPATH_FIRST_ALLOC);
	memset(st, 0, sizeof(JPathState));
	st->alloc = alloc;
	seg = INLINE_SEG(st);
	seg->next = NULL;
	seg->used = 0;
	seg->cap = (uint32_t) (JPATH_FIRST_ALLOC - sizeof(JPathState) - sizeof(JPathSeg));
	st->head = st->tail = seg;
	st->wpos = SEG_DATA(seg);
	st->wend = st->wpos + seg->cap;
	return st;
}

void
jpath_destroy(JPathState *st)
{
	JPathSeg   *seg = st->head;
	CxmAlloc	alloc = st->alloc;

	while (seg != NULL)
	{
		JPathSeg   *next = seg->next;

		if (seg != INLINE_SEG(st))
			cxm_free(&alloc, seg);
		seg = next;
	}
	if (st->items != NULL)
		cxm_free(&alloc, st->items);
	if (st->arena != NULL)
		cxm_free(&alloc, st->arena);
	cxm_free(&alloc, st);
}

/* close the tail and append a segment with room for at least `need` bytes */
static CxmStatus
add_segment(JPathState *st, size_t need)
{
	size_t		size;
	JPathSeg   *seg;

	/* allocation sizes double: 512 (state + first segment), 1024, ... */
	if (st->tail == INLINE_SEG(st))
		size = 2 * JPATH_FIRST_ALLOC;
	else
		size = 2 * (sizeof(JPathSeg) + (size_t) st->tail->cap);

	if (size > JPATH_MAX_SEG)
		size = JPATH_MAX_SEG;
	if (size - sizeof(JPathSeg) < need)
		size = sizeof(JPathSeg) + need;
	if (size - sizeof(JPathSeg) > UINT32_MAX)
		return CXM_ERANGE;
	seg = cxm_alloc(&st->alloc, size);
	seg->next = NULL;
	seg->used = 0;
	seg->cap = (uint32_t) (size - sizeof(JPathSeg));
	st->tail->used = (uint32_t) (st->wpos - SEG_DATA(st->tail));
	st->log_bytes += st->tail->used;
	st->tail->next = seg;
	st->tail = seg;
	st->wpos = SEG_DATA(seg);
	st->wend = st->wpos + seg->cap;
	return CXM_OK;
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

/*
 * room for `need` more arena bytes; offsets must stay below 4 GB.  The arena
 * is allocated even for need = 0, so an item's arena + off never offsets a
 * NULL pointer (undefined behaviour; found by fuzz_journey).
 */
static CxmStatus
ensure_arena(JPathState *st, size_t need)
{
	size_t		garbage = st->arena_len - st->live_bytes;
	size_t		cap;

	if (need <= st->arena_cap - st->arena_len && st->arena != NULL)
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
	if (st->max_steps == 0)
	{
		size_t		need;

		if (items > (SIZE_MAX - bytes) / JPATH_LOG_HEADER)
			return CXM_ERANGE;
		need = items * JPATH_LOG_HEADER + bytes;
		if (need <= (size_t) (st->wend - st->wpos))
			return CXM_OK;
		return add_segment(st, need);
	}
	ensure_items(st, items);
	return items > 0 ? ensure_arena(st, bytes) : CXM_OK;
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
 * point a heap item at a copy of (ts, s, len) appended to the arena, which
 * has room (ensure_arena), and count its bytes
 */
static void
heap_store(JPathState *st, JPathItem *it, int64_t ts, const char *s, size_t len)
{
	it->ts = ts;
	it->off = (uint32_t) st->arena_len;
	it->len = (uint32_t) len;
	if (len > 0)
		memcpy(st->arena + st->arena_len, s, len);
	st->arena_len += len;
	st->live_bytes += len;
	st->out_bytes += jpath_elem_bytes(len);
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
	esz = jpath_elem_bytes(len);
	if (st->max_steps == 0)
	{
		uint32_t	l32 = (uint32_t) len;
		char	   *p;

		if (st->out_bytes + esz > JPATH_MAX_OUT_BYTES)
			return CXM_ERANGE;
		if ((size_t) (st->wend - st->wpos) < JPATH_LOG_HEADER + len &&
			add_segment(st, JPATH_LOG_HEADER + len) != CXM_OK)
			return CXM_ERANGE;
		p = st->wpos;
		memcpy(p, &ts, sizeof(ts));
		memcpy(p + 8, &l32, sizeof(l32));
		if (len > 0)
			memcpy(p + JPATH_LOG_HEADER, s, len);
		st->wpos = p + JPATH_LOG_HEADER + len;
		st->n++;
		st->out_bytes += esz;
		return CXM_OK;
	}
	if (st->n < (size_t) st->max_steps)
	{
		if (st->out_bytes + esz > JPATH_MAX_OUT_BYTES)
			return CXM_ERANGE;
		if (st->n == st->cap)
			ensure_items(st, 1);
		if (ensure_arena(st, len) != CXM_OK)
			return CXM_ERANGE;
		heap_store(st, &st->items[st->n++], ts, s, len);
		sift_up(st, st->n - 1);
		return CXM_OK;
	}

	/* a full heap: keep the row only if it beats the smallest key kept */
	it = &st->items[0];
	if (jpath_key_cmp(ts, s, len, it->ts, st->arena + it->off, it->len) <= 0)
		return CXM_OK;
	if (st->out_bytes - jpath_elem_bytes(it->len) + esz > JPATH_MAX_OUT_BYTES)
		return CXM_ERANGE;
	if (ensure_arena(st, len) != CXM_OK)
		return CXM_ERANGE;
	it = &st->items[0];			/* compaction rewrote the offsets */
	st->live_bytes -= it->len;
	st->out_bytes -= jpath_elem_bytes(it->len);
	heap_store(st, it, ts, s, len);
	sift_down(st, 0);
	return CXM_OK;
}

void
jpath_iter_init(const JPathState *st, JPathIter *it)
{
	it->seg = st->head;
	it->pos = 0;
	it->i = 0;
}

/* the next step of st in storage order; false at the end */
bool
jpath_iter_next(const JPathState *st, JPathIter *it,
				int64_t *ts, const char **s, size_t *len)
{
	if (it->i >= st->n)
		return false;
	if (st->max_steps == 0)
	{
		const char *p;
		uint32_t	l32;

		while (it->pos >= seg_used(st, it->seg))
		{
			it->seg = it->seg->next;
			it->pos = 0;
		}
		p = SEG_DATA(it->seg) + it->pos;
		memcpy(ts, p, sizeof(*ts));
		memcpy(&l32, p + 8, sizeof(l32));
		*s = p + JPATH_LOG_HEADER;
		*len = l32;
		it->pos += JPATH_LOG_HEADER + l32;
	}
	else
	{
		const JPathItem *item = &st->items[it->i];

		*ts = item->ts;
		*s = st->arena + item->off;
		*len = item->len;
	}
	it->i++;
	return true;
}

/* add every step of src to dst (the caller checked that max_steps agree) */
CxmStatus
jpath_merge(JPathState *dst, const JPathState *src)
{
	JPathIter	it;
	int64_t		ts;
	const char *s;
	size_t		len;

	if (src->n == 0)
		return CXM_OK;
	if (dst->out_bytes + src->out_bytes > JPATH_MAX_OUT_BYTES)
		return CXM_ERANGE;
	if (dst->max_steps == 0 && src->max_steps == 0)
	{
		/* whole segments copy over: entries never straddle segments */
		const JPathSeg *seg;
		size_t		total = src->log_bytes + (size_t) (src->wpos - SEG_DATA(src->tail));

		if (jpath_reserve(dst, 0, total) != CXM_OK)
			return CXM_ERANGE;
		for (seg = src->head; seg != NULL; seg = seg->next)
		{
			size_t		used = seg_used(src, seg);

			if (used > 0)
				memcpy(dst->wpos, SEG_DATA(seg), used);
			dst->wpos += used;
		}
		dst->n += src->n;
		dst->out_bytes += src->out_bytes;
		return CXM_OK;
	}
	if (jpath_reserve(dst, src->n, src->out_bytes) != CXM_OK)
		return CXM_ERANGE;
	jpath_iter_init(src, &it);
	while (jpath_iter_next(src, &it, &ts, &s, &len))
	{
		if (jpath_add(dst, ts, s, len) != CXM_OK)
			return CXM_ERANGE;
	}
	return CXM_OK;
}

#define MSORT_NAME sort_refs
#define MSORT_TYPE JPathRef
#define MSORT_LESS(a, b) (ref_cmp(a, b) < 0)
#define MSORT_RUN JPATH_INSERTION_RUN
#include "msort_core.h"

/*
 * Sort refs ascending, stable (a run-detecting merge sort).  Already sorted
 * input (rows that arrive in time order) costs one pass.
 */
void
jpath_sort_refs(JPathRef *a, size_t n, const CxmAlloc *tmp)
{
	JPathRef   *buf = n > JPATH_INSERTION_RUN ? cxm_alloc(tmp, n * sizeof(JPathRef)) : NULL;

	sort_refs(a, n, buf);
	if (buf != NULL)
		cxm_free(tmp, buf);
}

/*
 * The steps in order, as refs into the state (allocated from tmp; release
 * with jpath_view_release).  The state itself is not changed, so a final
 * function may run any number of times, as window aggregates do.
 */
JPathView
jpath_sorted(const JPathState *st, const CxmAlloc *tmp)
{
	JPathView	v;
	JPathIter	it;
	size_t		i = 0;

	v.n = st->n;
	v.refs = st->n > 0 ? cxm_alloc(tmp, st->n * sizeof(JPathRef)) : NULL;
	jpath_iter_init(st, &it);
	while (i < st->n &&
		   jpath_iter_next(st, &it, &v.refs[i].ts, &v.refs[i].s, &v.refs[i].len))
		i++;
	jpath_sort_refs(v.refs, v.n, tmp);
	return v;
}

void
jpath_view_release(JPathView *v, const CxmAlloc *tmp)
{
	if (v->refs != NULL)
		cxm_free(tmp, v->refs);
	v->refs = NULL;
	v->n = 0;
}

#define JPATH_DICT_MIN_BUCKETS 64
#define JPATH_DICT_CHUNK 8192

JPathDict *
jpath_dict_create(CxmAlloc alloc)
{
	JPathDict  *d = cxm_alloc(&alloc, sizeof(JPathDict));

	d->alloc = alloc;
	d->mask = JPATH_DICT_MIN_BUCKETS - 1;
	d->table = cxm_alloc(&alloc, JPATH_DICT_MIN_BUCKETS * sizeof(uint32_t));
	memset(d->table, 0, JPATH_DICT_MIN_BUCKETS * sizeof(uint32_t));
	d->n = 0;
	d->cap = JPATH_DICT_MIN_BUCKETS / 2;
	d->strs = cxm_alloc(&alloc, d->cap * sizeof(JPathDictStr));
	d->arena_pos = d->arena_end = NULL;
	d->chunks = NULL;
	d->rank = NULL;
	d->order = NULL;
	d->nranked = 0;
	return d;
}

/* the dictionary being ranked, for the qsort comparator */
static const JPathDict *rank_dict;

static int
rank_cmp(const void *a, const void *b)
{
	const JPathDictStr *x = &rank_dict->strs[*(const uint32_t *) a];
	const JPathDictStr *y = &rank_dict->strs[*(const uint32_t *) b];

	return str_cmp(x->s, x->len, y->s, y->len);
}

const uint32_t *
jpath_dict_ranks(JPathDict *d)
{
	uint32_t	i;

	if (d->rank != NULL && d->nranked == d->n)
		return d->rank;
	if (d->rank != NULL)
	{
		cxm_free(&d->alloc, d->rank);
		cxm_free(&d->alloc, d->order);
	}
	d->rank = cxm_alloc(&d->alloc, ((size_t) d->n + 1) * sizeof(uint32_t));
	d->order = cxm_alloc(&d->alloc, ((size_t) d->n + 1) * sizeof(uint32_t));
	for (i = 0; i < d->n; i++)
		d->order[i] = i;
	rank_dict = d;
	qsort(d->order, d->n, sizeof(uint32_t), rank_cmp);
	rank_dict = NULL;
	for (i = 0; i < d->n; i++)
		d->rank[d->order[i]] = i;
	d->nranked = d->n;
	return d->rank;
}

#define MSORT_NAME sort_keys
#define MSORT_TYPE int64_t
#define MSORT_LESS(a, b) (*(a) < *(b))
#include "msort_core.h"

int64_t *
jpath_sort_keys(int64_t *a, size_t n, int64_t *tmp, uint32_t *pos)
{
	size_t		i;

	if (!sortkey_ranks(a, n, pos))
	{
		sort_keys(a, n, tmp);
		return a;
	}
	for (i = 0; i < n; i++)
		tmp[pos[i]] = a[i];
	return tmp;
}

/* id i of a path: the group's i-th step in order */
static inline void
put_id(unsigned char *ids, unsigned width, size_t i, uint32_t id)
{
	uint16_t	v2 = (uint16_t) id;

	if (width == 1)
		ids[i] = (unsigned char) id;
	else if (width == 2)
		memcpy(ids + 2 * i, &v2, 2);
	else
		memcpy(ids + 4 * i, &id, 4);
}

/*
 * One group's n entries e (w: scratch of n * (2 entries + 4 bytes), which
 * e may be) sorted by (ts, rank of the touchpoint), as ids at out: as one
 * integer key each, (ts - the group's first ts) above the rank's rbits
 * bits, when the group's time span leaves room for them (always, short of
 * spans of thousands of years), else as entries whose slot field takes the
 * rank.
 */
static void
path_ids(const RowLogEntry *e, size_t n, RowLogEntry *w, const JPathDict *dict, int rbits,
		 unsigned char *out, unsigned width)
{
	const uint32_t *rank = dict->rank;
	int64_t		lo = e[0].ts,
				hi = e[0].ts;
	size_t		i;

	for (i = 1; i < n; i++)
	{
		lo = e[i].ts < lo ? e[i].ts : lo;
		hi = e[i].ts > hi ? e[i].ts : hi;
	}
	if ((uint64_t) hi - (uint64_t) lo <= (uint64_t) INT64_MAX >> rbits)
	{
		/* key i overwrites only bytes of entries already read */
		int64_t    *key = (int64_t *) w;
		uint64_t	mask = ((uint64_t) 1 << rbits) - 1;

		for (i = 0; i < n; i++)
			key[i] = (int64_t) ((((uint64_t) e[i].ts - (uint64_t) lo) << rbits) | rank[e[i].val]);
		key = jpath_sort_keys(key, n, (int64_t *) (w + n), (uint32_t *) (w + 2 * n));
		for (i = 0; i < n; i++)
			put_id(out, width, i, dict->order[(uint64_t) key[i] & mask]);
		return;
	}
	for (i = 0; i < n; i++)
	{
		uint32_t	val = e[i].val;

		w[i].ts = e[i].ts;
		w[i].slot = rank[val];
		w[i].val = val;
	}
	rowlog_sort_ts_key(w, n, n > ROWLOG_SORT_RUN ? w + n : NULL);
	for (i = 0; i < n; i++)
		put_id(out, width, i, w[i].val);
}

void
jpath_log_paths_build(JPathLogPaths *p, RowLog *log, JPathDict *dict, const CxmAlloc *alloc,
					  size_t rec_off)
{
	uint32_t	nk = log->nk,
				b,
				k;
	size_t		most = 0,
				sum = 0,
				need;
	int			rbits = 0;
	RowLogEntry *w = NULL;

	jpath_dict_ranks(dict);
	while (rbits < 32 && (dict->n - 1) >> rbits != 0)
		rbits++;
	p->width = dict->n <= 0x100 ? 1 : dict->n <= 0x10000 ? 2 : 4;
	need = log->n * p->width;	/* far below SIZE_MAX: an entry takes 16 bytes */
	if (p->cap < need || p->ids == NULL)
	{
		if (p->ids != NULL && !p->carved)
			cxm_free(alloc, p->ids);
		p->ids = rowlog_carve(log, need);
		p->carved = p->ids != NULL;
		if (!p->carved)
			p->ids = cxm_alloc(alloc, need > 0 ? need : 1);
		p->cap = need;
	}
	for (b = 0; b < ROWLOG_BUCKETS; b++)
	{
		const size_t *st = log->start + (size_t) b * ((size_t) nk + 1);

		p->base[b] = sum;
		sum += st[nk];
		for (k = 0; k < nk; k++)
			if (st[k + 1] - st[k] > most)
				most = st[k + 1] - st[k];
	}
	if (most > 0)
		w = cxm_alloc(alloc, most * (2 * sizeof(RowLogEntry) + sizeof(uint32_t)));
	/* bucket by bucket, each group's entries following the one before's */
	for (b = 0; b < ROWLOG_BUCKETS; b++)
	{
		const size_t *st = log->start + (size_t) b * ((size_t) nk + 1);

		for (k = 0; k < nk; k++)
		{
			uint32_t	slot = (k << ROWLOG_BUCKET_BITS) | b;
			size_t		n = st[k + 1] - st[k];

			if (slot >= log->nslots)
				break;
			if (rec_off != JPATH_NO_REC)
			{
				uint64_t	word = jpath_log_paths_pack(p->base[b] + st[k], n);

				/* a record is a line of its own, 4 kB from the last one */
				if (slot + 4 * ROWLOG_BUCKETS < log->nslots)
					__builtin_prefetch((char *) rowlog_record(log, slot + 4 * ROWLOG_BUCKETS) + rec_off, 1);
				memcpy((char *) rowlog_record(log, slot) + rec_off, &word, sizeof(word));
			}
			if (n == 0)
				continue;
			path_ids(rowlog_group(log, slot, w), n, w, dict, rbits,
					 p->ids + (p->base[b] + st[k]) * p->width, p->width);
		}
	}
	if (w != NULL)
		cxm_free(alloc, w);
	p->generation = log->generation;
}

void
jpath_log_paths_free(JPathLogPaths *p, const CxmAlloc *alloc)
{
	if (p->ids != NULL && !p->carved)
		cxm_free(alloc, p->ids);
	p->ids = NULL;
	p->cap = 0;
	p->generation = 0;
}

void
jpath_dict_destroy(JPathDict *d)
{
	void	   *c = d->chunks;

	while (c != NULL)
	{
		void	   *next;

		memcpy(&next, c, sizeof(next));
		cxm_free(&d->alloc, c);
		c = next;
	}
	if (d->rank != NULL)
	{
		cxm_free(&d->alloc, d->rank);
		cxm_free(&d->alloc, d->order);
	}
	cxm_free(&d->alloc, d->strs);
	cxm_free(&d->alloc, d->table);
	cxm_free(&d->alloc, d);
}

/* k (1..8) bytes of s as a word, without a call to memcpy for short tails */
static inline uint64_t
dict_word(const char *s, size_t k)
{
	uint64_t	w = 0;
	size_t		i;

	if (k == 8)
	{
		memcpy(&w, s, 8);
		return w;
	}
	for (i = 0; i < k; i++)
		w |= (uint64_t) (unsigned char) s[i] << (8 * i);
	return w;
}

/*
 * A hash of a touchpoint, eight bytes at a time (touchpoints are short;
 * FNV-1a's byte loop was a tenth of the transition's time).
 */
static inline uint32_t
dict_hash(const char *s, size_t len)
{
	uint64_t	h = 0x9E3779B97F4A7C15ULL ^ (uint64_t) len;

	while (len > 0)
	{
		size_t		k = len < 8 ? len : 8;

		h = (h ^ dict_word(s, k)) * 0xFF51AFD7ED558CCDULL;
		h ^= h >> 32;
		s += k;
		len -= k;
	}
	return (uint32_t) h;
}

/* the same len bytes?  (inline: touchpoints are short, a call to memcmp costs more) */
static inline bool
dict_same(const char *a, const char *b, size_t len)
{
	while (len >= 8)
	{
		if (dict_word(a, 8) != dict_word(b, 8))
			return false;
		a += 8;
		b += 8;
		len -= 8;
	}
	return len == 0 || dict_word(a, len) == dict_word(b, len);
}

/* a stable copy of s in the string chunks */
static const char *
dict_store(JPathDict *d, const char *s, size_t len)
{
	char	   *p;

	if ((size_t) (d->arena_end - d->arena_pos) < len)
	{
		/* a new chunk (its first 8 bytes chain it), large enough for s */
		size_t		size = len + 8 > JPATH_DICT_CHUNK ? len + 8 : JPATH_DICT_CHUNK;
		char	   *c = cxm_alloc(&d->alloc, size);

		memcpy(c, &d->chunks, sizeof(void *));
		d->chunks = c;
		d->arena_pos = c + 8;
		d->arena_end = c + size;
	}
	p = d->arena_pos;
	if (len > 0)
		memcpy(p, s, len);
	d->arena_pos += len;
	return p;
}

/* double the buckets (kept at most half full) and the string table */
static void
dict_grow(JPathDict *d)
{
	uint32_t	nb = 2 * (d->mask + 1);
	uint32_t   *t = cxm_alloc(&d->alloc, (size_t) nb * sizeof(uint32_t));
	JPathDictStr *strs = cxm_alloc(&d->alloc, (size_t) nb / 2 * sizeof(JPathDictStr));
	uint32_t	i;

	memset(t, 0, (size_t) nb * sizeof(uint32_t));
	for (i = 0; i < d->n; i++)
	{
		uint32_t	b = d->strs[i].hash & (nb - 1);

		while (t[b] != 0)
			b = (b + 1) & (nb - 1);
		t[b] = i + 1;
	}
	memcpy(strs, d->strs, (size_t) d->n * sizeof(JPathDictStr));
	cxm_free(&d->alloc, d->table);
	cxm_free(&d->alloc, d->strs);
	d->table = t;
	d->strs = strs;
	d->mask = nb - 1;
	d->cap = nb / 2;
}

CxmStatus
jpath_dict_intern(JPathDict *d, const char *s, size_t len, uint32_t *id)
{
	uint32_t	h,
				b;

	if (len > JPATH_MAX_OUT_BYTES)
		return CXM_ERANGE;
	h = dict_hash(s, len);
	for (b = h & d->mask; d->table[b] != 0; b = (b + 1) & d->mask)
	{
		const JPathDictStr *e = &d->strs[d->table[b] - 1];

		if (e->hash == h && e->len == len && dict_same(e->s, s, len))
		{
			*id = d->table[b] - 1;
			return CXM_OK;
		}
	}
	if (d->n == d->cap)
	{
		if (d->mask >= UINT32_MAX / 4)
			return CXM_ERANGE;
		dict_grow(d);
		for (b = h & d->mask; d->table[b] != 0; b = (b + 1) & d->mask)
			;
	}
	d->strs[d->n].s = dict_store(d, s, len);
	d->strs[d->n].len = (uint32_t) len;
	d->strs[d->n].hash = h;
	d->table[b] = d->n + 1;
	*id = d->n++;
	return CXM_OK;
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
	WireReader	r;
	int32_t		ms,
				cnt;
	size_t		total = 0;
	int32_t		i;

	if (!wire_reader_start(&r, buf, len, JPATH_WIRE_HEADER, JPATH_WIRE_VERSION))
		goto bad;
	ms = wire_get_i32(&r);
	cnt = wire_get_i32(&r);
	if (ms < 0)
	{
		wire_fail(&r, "The state has an invalid max_steps %d.", (int) ms);
		goto bad;
	}
	if (cnt < 0 || (ms > 0 && cnt > ms))
	{
		wire_fail(&r, "The state has an invalid step count %d (max_steps %d).",
				  (int) cnt, (int) ms);
		goto bad;
	}
	if ((size_t) cnt > wire_left(&r) / JPATH_WIRE_ITEM)
	{
		wire_fail(&r, "The state of %zu bytes is too short for %d steps.", len, (int) cnt);
		goto bad;
	}
	for (i = 0; i < cnt; i++)
	{
		int32_t		l;

		if (!wire_need(&r, JPATH_WIRE_ITEM, "The state ends inside a step."))
			goto bad;
		(void) wire_get_i64(&r);	/* ts: any value */
		l = wire_get_i32(&r);
		if (l < 0 || (size_t) l > wire_left(&r))
		{
			wire_fail(&r, "Step %d has an invalid length %d.", (int) i + 1, (int) l);
			goto bad;
		}
		wire_skip(&r, (size_t) l);
		total += (size_t) l;
	}
	if (!wire_end(&r))
		goto bad;
	*max_steps = ms;
	*count = (uint32_t) cnt;
	*bytes = total;
	return CXM_OK;

bad:
	return wire_failure(&r, msg, msglen);
}

void
jpath_wire_write_header(WireWriter *w, int32_t max_steps, uint32_t count)
{
	wire_put_version(w, JPATH_WIRE_VERSION);
	wire_put_i32(w, max_steps);
	wire_put_u32(w, count);
}

void
jpath_wire_write_step(WireWriter *w, int64_t ts, const char *s, size_t len)
{
	wire_put_i64(w, ts);
	wire_put_u32(w, (uint32_t) len);
	wire_put_bytes(w, s, len);
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

/*
 * The sessions of n times in ascending order: a time more than the gap after
 * the one before starts one (sessionize's split).  Writes the first index of
 * each session to starts (room for n) and returns how many there are;
 * session k ends just before starts[k + 1] (the last one at n - 1).
 */
size_t
jpath_sessions(const int64_t *ts, size_t n, JPathGap gap, size_t *starts)
{
	size_t		k = 0;

	for (size_t i = 0; i < n; i++)
		if (i == 0 || jpath_gap_exceeded(ts[i - 1], ts[i], gap))
			starts[k++] = i;
	return k;
}

/*
 * Sessions of n finite times in ascending order, summed: how many, how many
 * hold a single time (bounces), and their durations (last minus first time)
 * in microseconds.  Sessions do not overlap, so the sum is at most
 * ts[n - 1] - ts[0].
 */
JPathSessionStats
jpath_session_stats(const int64_t *ts, size_t n, JPathGap gap)
{
	JPathSessionStats st = {0, 0, 0};
	size_t		first = 0;

	for (size_t i = 0; i < n; i++)
	{
		if (i == 0 || jpath_gap_exceeded(ts[i - 1], ts[i], gap))
			first = i;
		if (i == n - 1 || jpath_gap_exceeded(ts[i], ts[i + 1], gap))
		{
			st.sessions++;
			if (first == i)
				st.bounced++;
			st.usecs += ts[i] - ts[first];
		}
	}
	return st;
}
