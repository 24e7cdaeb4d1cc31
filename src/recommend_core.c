/*
 * recommend_core.c
 *	  Association rules: the basket state and its log, the wire format, and
 *	  the mining: exact counts of the pairs of frequent items, then
 *	  FP-growth (Han, Pei and Yin, 2000) over the baskets that can still hold
 *	  a frequent itemset of three or more.  Pure C99, no server headers.
 *
 * rec_rules() works in four steps (doc/recommendations.md):
 *
 *  1. item counts are kept exactly while baskets are added; the frequent
 *	   items get ranks 0, 1, ... by count descending, then name.
 *  2. pairs: one read of the log counts every pair of frequent items of
 *	   each basket in a triangular array (in blocks of rows when the array
 *	   is larger than mem_limit: one read per block).
 *  3. the FP-tree (max_length >= 3): an item x of a basket can only be in a
 *	   frequent itemset X of three or more held by that basket if at least
 *	   two other items y of the basket make a frequent pair {x, y} with it
 *	   (all pairs of X are frequent).  A second read of the log cuts every
 *	   basket down to the items that pass that test, repeatedly, and puts the
 *	   baskets with three or more left into an FP-tree.  Every basket holding
 *	   a frequent X of 3+ items keeps all of X, so the tree counts X exactly;
 *	   and the tree never counts an itemset more than the baskets do, so
 *	   whatever reaches the threshold in the tree is frequent and exact.
 *  4. FP-growth on that tree records the itemsets of three or more; items
 *	   and pairs come from steps 1 and 2.  Every frequent itemset is kept in
 *	   a hash table, which the rules read for the counts of their
 *	   antecedents.
 *
 * Counts are exact integers; support and confidence thresholds compare
 * count / baskets and count / antecedent count as doubles, inclusively.
 */
#include "recommend_core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
set_msg(char *msg, size_t msglen, const char *fmt, const char *arg)
{
	if (msg != NULL && msglen > 0)
		snprintf(msg, msglen, fmt, arg);
}

static int
name_cmp(const RecItem *a, const RecItem *b)
{
	int			c = memcmp(a->name, b->name, a->len < b->len ? a->len : b->len);

	if (c != 0)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

static uint32_t
mix_pair(int32_t a, int32_t b)
{
	uint64_t	k = ((uint64_t) (uint32_t) a << 32) | (uint32_t) b;

	k *= UINT64_C(0x9E3779B97F4A7C15);
	k ^= k >> 29;
	k *= UINT64_C(0xBF58476D1CE4E5B9);
	return (uint32_t) (k >> 32);
}

CxmStatus
rec_check_params(double min_support, double min_confidence, int64_t max_length,
				 char *msg, size_t msglen)
{
	char		v[64];

	if (!(min_support > 0 && min_support <= 1))
	{
		snprintf(v, sizeof(v), "%.17g", min_support);
		set_msg(msg, msglen, "min_support must be in (0, 1], got %s", v);
		return CXM_EINVAL;
	}
	if (!(min_confidence >= 0 && min_confidence <= 1))
	{
		snprintf(v, sizeof(v), "%.17g", min_confidence);
		set_msg(msg, msglen, "min_confidence must be in [0, 1], got %s", v);
		return CXM_EINVAL;
	}
	if (max_length < 2 || max_length > REC_MAX_LENGTH)
	{
		snprintf(v, sizeof(v), "%lld", (long long) max_length);
		set_msg(msg, msglen, "max_length must be between 2 and "
				REC_STR(REC_MAX_LENGTH) ", got %s", v);
		return CXM_EINVAL;
	}
	return CXM_OK;
}

/* ---- state --------------------------------------------------------------- */

static void *grow(const CxmAlloc *alloc, void *old, size_t oldn, size_t newn, size_t elem);

RecState *
rec_state_create(const CxmAlloc *alloc, double min_support,
				 double min_confidence, int32_t max_length)
{
	RecState   *s = cxm_alloc(alloc, sizeof(RecState));

	s->alloc = *alloc;
	s->min_support = min_support;
	s->min_confidence = min_confidence;
	s->max_length = max_length;
	s->itemcap = 16;
	s->items = cxm_alloc(alloc, sizeof(RecItem) * s->itemcap);
	s->itemmask = 31;
	s->itemslot = cxm_alloc(alloc, sizeof(int32_t) * (s->itemmask + 1));
	s->chunkcap = 8;
	s->chunks = cxm_alloc(alloc, sizeof(unsigned char *) * (size_t) s->chunkcap);
	s->mem_limit = SIZE_MAX;
	s->read_window = 65536;
	s->idcap = 16;
	s->ids = cxm_alloc(alloc, sizeof(int32_t) * s->idcap);
	return s;
}

void
rec_state_set_spill(RecState *s, const RecSpill *spill, void *arg, size_t mem_limit)
{
	s->spill = spill;
	s->spill_arg = arg;
	s->mem_limit = mem_limit < 16 ? 16 : mem_limit;
}

void
rec_state_free(RecState *s)
{
	CxmAlloc	a;
	int32_t		i;

	if (s == NULL)
		return;
	a = s->alloc;
	for (i = 0; i < s->nitems; i++)
		cxm_free(&a, s->items[i].name);
	cxm_free(&a, s->items);
	cxm_free(&a, s->itemslot);
	for (i = 0; i < s->nchunks; i++)
		cxm_free(&a, s->chunks[i]);
	cxm_free(&a, s->chunks);
	for (i = 0; i < s->nsegs; i++)
	{
		cxm_free(&a, s->segs[i].bytes);
		if (s->segs[i].map)
			cxm_free(&a, s->segs[i].map);
	}
	if (s->segs)
		cxm_free(&a, s->segs);
	cxm_free(&a, s->ids);
	cxm_free(&a, s);
}

static void
item_rehash(RecState *s)
{
	uint32_t	mask = s->itemmask * 2 + 1;
	int32_t    *slots = cxm_alloc(&s->alloc, sizeof(int32_t) * ((size_t) mask + 1));
	int32_t		i;

	for (i = 0; i < s->nitems; i++)
	{
		uint32_t	h = s->items[i].hash & mask;

		while (slots[h] != 0)
			h = (h + 1) & mask;
		slots[h] = i + 1;
	}
	cxm_free(&s->alloc, s->itemslot);
	s->itemslot = slots;
	s->itemmask = mask;
}

/*
 * The id of an item, interning it (count 0) when new (*is_new tells); -1
 * when a limit is exceeded.
 */
static int32_t
item_intern(RecState *s, const char *name, size_t len, bool *is_new)
{
	uint32_t	hash = cxm_hash_bytes(name, len);
	uint32_t	h = hash & s->itemmask;
	RecItem    *it;

	*is_new = false;
	while (s->itemslot[h] != 0)
	{
		it = &s->items[s->itemslot[h] - 1];
		if (it->hash == hash && it->len == len && memcmp(it->name, name, len) == 0)
			return s->itemslot[h] - 1;
		h = (h + 1) & s->itemmask;
	}
	if (len > REC_MAX_NAME_LEN || s->nitems >= REC_MAX_COUNT)
		return -1;
	if (s->nitems == s->itemcap)
	{
		RecItem    *n = cxm_alloc(&s->alloc, sizeof(RecItem) * (size_t) s->itemcap * 2);

		memcpy(n, s->items, sizeof(RecItem) * (size_t) s->nitems);
		cxm_free(&s->alloc, s->items);
		s->items = n;
		s->itemcap *= 2;
	}
	it = &s->items[s->nitems];
	it->name = cxm_alloc(&s->alloc, len ? len : 1);
	if (len)
		memcpy(it->name, name, len);
	it->len = (uint32_t) len;
	it->hash = hash;
	it->count = 0;
	s->itemslot[h] = s->nitems + 1;
	s->nitems++;
	*is_new = true;
	if ((uint32_t) s->nitems * 2 > s->itemmask)
		item_rehash(s);
	return s->nitems - 1;
}

static int
int32_cmp(const void *a, const void *b)
{
	int32_t		x = *(const int32_t *) a;
	int32_t		y = *(const int32_t *) b;

	return (x > y) - (x < y);
}

/* sort ids[0..n) ascending and drop repeats; the new length */
static int
sort_unique(int32_t *ids, int n)
{
	int			i,
				m;

	if (n <= 16)
	{
		for (i = 1; i < n; i++)
		{
			int32_t		v = ids[i];
			int			j = i;

			while (j > 0 && ids[j - 1] > v)
			{
				ids[j] = ids[j - 1];
				j--;
			}
			ids[j] = v;
		}
	}
	else
		qsort(ids, (size_t) n, sizeof(int32_t), int32_cmp);
	for (i = 0, m = 0; i < n; i++)
		if (m == 0 || ids[m - 1] != ids[i])
			ids[m++] = ids[i];
	return m;
}

static void
ensure_ids(RecState *s, int64_t n)
{
	if (n > s->idcap)
	{
		int32_t		cap = s->idcap;

		while (cap < n)
			cap *= 2;
		cxm_free(&s->alloc, s->ids);
		s->ids = cxm_alloc(&s->alloc, sizeof(int32_t) * (size_t) cap);
		s->idcap = cap;
	}
}

/* ---- the basket log ------------------------------------------------------ */

static unsigned char *
put_varint(unsigned char *p, uint32_t v)
{
	while (v >= 0x80)
	{
		*p++ = (unsigned char) (v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char) v;
	return p;
}

/* a varint from [*p, end): false when it runs past end or over 32 bits */
static bool
get_varint(const unsigned char **p, const unsigned char *end, uint32_t *v)
{
	const unsigned char *q = *p;
	uint32_t	x = 0;
	int			shift;

	for (shift = 0; shift < 35; shift += 7)
	{
		unsigned char b;

		if (q >= end)
			return false;
		b = *q++;
		if (shift == 28 && (b & 0xF0) != 0)
			return false;
		x |= (uint32_t) (b & 0x7F) << shift;
		if (!(b & 0x80))
		{
			*v = x;
			*p = q;
			return true;
		}
	}
	return false;
}

/* send the log's memory part to the spill; the chunks are kept for reuse */
static void
log_flush(RecState *s)
{
	int32_t		k;

	for (k = 0; k < s->nused; k++)
		s->spill->write(s->spill_arg, s->chunks[k],
						k == s->nused - 1 ? s->lastlen : rec_chunk_size(k));
	s->spilled += s->buflen;
	s->buflen = 0;
	s->nused = 0;
	s->lastlen = 0;
}

/* append raw log bytes, sending the memory part to the spill when full */
static void
log_append(RecState *s, const unsigned char *bytes, size_t n)
{
	if (s->spill != NULL && s->buflen > 0 && s->buflen + n > s->mem_limit)
		log_flush(s);
	s->buflen += n;
	while (n > 0)
	{
		size_t		k;

		if (s->nused == 0 || s->lastlen == rec_chunk_size(s->nused - 1))
		{
			if (s->nused == s->nchunks)
			{
				if (s->nchunks == s->chunkcap)
				{
					unsigned char **c = cxm_alloc(&s->alloc, sizeof(unsigned char *) * (size_t) s->chunkcap * 2);

					memcpy(c, s->chunks, sizeof(unsigned char *) * (size_t) s->nchunks);
					cxm_free(&s->alloc, s->chunks);
					s->chunks = c;
					s->chunkcap *= 2;
				}
				s->chunks[s->nchunks] = cxm_alloc(&s->alloc, rec_chunk_size(s->nchunks));
				s->nchunks++;
			}
			s->nused++;
			s->lastlen = 0;
		}
		k = rec_chunk_size(s->nused - 1) - s->lastlen;
		if (k > n)
			k = n;
		memcpy(s->chunks[s->nused - 1] + s->lastlen, bytes, k);
		s->lastlen += k;
		bytes += k;
		n -= k;
	}
}

/* log one basket of n >= 2 ascending distinct ids (ids are s->ids or other) */
static void
log_basket(RecState *s, const int32_t *ids, int n, unsigned char *scratch)
{
	unsigned char *p = put_varint(scratch, (uint32_t) n);
	int			i;

	p = put_varint(p, (uint32_t) ids[0]);
	for (i = 1; i < n; i++)
		p = put_varint(p, (uint32_t) (ids[i] - ids[i - 1]));
	log_append(s, scratch, (size_t) (p - scratch));
	s->nrecords++;
}

/*
 * Sequential reader of a state's log: spilled bytes first, then the memory
 * part, through a window buffer (records may straddle reads).
 */
typedef struct LogReader
{
	const RecState *s;
	const CxmAlloc *alloc;
	uint64_t	file_left;
	const unsigned char *mem;	/* ext, or the chunk being read */
	size_t		memleft;		/* bytes left in mem */
	int32_t		chunk;			/* the next chunk of s to read */
	int32_t		group;			/* 0: the log; k > 0: segment k - 1 */
	const int32_t *map;			/* of the group's ids (NULL: the same) */
	int32_t		nmap;			/* ids the group may hold */
	unsigned char *win;
	size_t		wincap,
				pos,
				end;
	int32_t    *ids;
	int32_t		idcap;
	bool		short_read;
} LogReader;

static void
reader_open(LogReader *r, const RecState *s, const CxmAlloc *alloc)
{
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->alloc = alloc;
	r->file_left = s->spilled;
	r->mem = s->ext;
	r->memleft = s->ext ? s->extlen : 0;
	r->nmap = s->nitems;
	r->wincap = s->read_window > 0 ? s->read_window : 1;
	r->win = cxm_alloc(alloc, r->wincap);
	r->idcap = 64;
	r->ids = cxm_alloc(alloc, sizeof(int32_t) * (size_t) r->idcap);
	if (r->file_left > 0)
		s->spill->rewind(s->spill_arg);
}

static void
reader_close(LogReader *r)
{
	cxm_free(r->alloc, r->win);
	cxm_free(r->alloc, r->ids);
}

/* more bytes into the window (keeping pos..end); false at the end of the log */
static bool
reader_fill(LogReader *r)
{
	size_t		keep = r->end - r->pos,
				room,
				got = 0;

	/* the next chunk of the memory part */
	while (r->group == 0 && r->file_left == 0 && r->memleft == 0 && r->s->ext == NULL &&
		   r->chunk < r->s->nused)
	{
		r->mem = r->s->chunks[r->chunk];
		r->memleft = r->chunk == r->s->nused - 1 ? r->s->lastlen : rec_chunk_size(r->chunk);
		r->chunk++;
	}
	if (r->file_left == 0 && r->memleft == 0)
		return false;
	if (keep > 0 && r->pos > 0)
		memmove(r->win, r->win + r->pos, keep);
	r->pos = 0;
	r->end = keep;
	if (keep == r->wincap)
	{
		unsigned char *w = cxm_alloc(r->alloc, r->wincap * 2);

		memcpy(w, r->win, keep);
		cxm_free(r->alloc, r->win);
		r->win = w;
		r->wincap *= 2;
	}
	room = r->wincap - keep;
	if (r->file_left > 0)
	{
		size_t		want = r->file_left < room ? (size_t) r->file_left : room;

		got = r->s->spill->read(r->s->spill_arg, r->win + keep, want);
		if (got != want)
		{
			r->short_read = true;
			r->file_left = 0;
			r->memleft = 0;
			return false;
		}
		r->file_left -= got;
	}
	else
	{
		got = r->memleft < room ? r->memleft : room;
		memcpy(r->win + keep, r->mem, got);
		r->mem += got;
		r->memleft -= got;
	}
	r->end += got;
	return true;
}

/*
 * The next basket: 1 with *ids and *n (distinct ids, ascending in the log
 * but not through a segment's map), 0 at the end, -1 when
 * the log is damaged or shorter than recorded.  The log of a live state was
 * written by log_basket, and that of a decoded one was checked by
 * rec_wire_decode; the checks here are a second line.
 */
static int
reader_next(LogReader *r, const int32_t **ids, int32_t *n)
{
	for (;;)
	{
		const unsigned char *p = r->win + r->pos,
				   *end = r->win + r->end;
		uint32_t	cnt,
					v;
		uint32_t	i;
		int64_t		id;

		if (p == end)
		{
			if (reader_fill(r))
				continue;
			if (r->short_read)
				return -1;
			if (r->group >= r->s->nsegs)
				return 0;
			/* on to the next segment: group k reads segment k - 1 */
			r->mem = r->s->segs[r->group].bytes;
			r->memleft = r->s->segs[r->group].len;
			r->map = r->s->segs[r->group].map;
			r->nmap = r->s->segs[r->group].nmap;
			r->group++;
			continue;
		}
		if (!get_varint(&p, end, &cnt))
			goto more;
		if (cnt < 2 || cnt > (uint32_t) r->nmap)
			return -1;
		if ((int64_t) cnt > r->idcap)
		{
			while (r->idcap < (int64_t) cnt)
				r->idcap *= 2;
			cxm_free(r->alloc, r->ids);
			r->ids = cxm_alloc(r->alloc, sizeof(int32_t) * (size_t) r->idcap);
		}
		id = -1;
		for (i = 0; i < cnt; i++)
		{
			if (!get_varint(&p, end, &v))
				goto more;
			if (i > 0 && v == 0)
				return -1;
			id = i == 0 ? (int64_t) v : id + v;
			if (id >= r->nmap)
				return -1;
			r->ids[i] = r->map ? r->map[id] : (int32_t) id;
		}
		r->pos = (size_t) (p - r->win);
		*ids = r->ids;
		*n = (int32_t) cnt;
		return 1;
more:
		/* the basket continues past the window */
		if (!reader_fill(r))
			return -1;
	}
}

CxmStatus
rec_add_basket(RecState *s, const char *const *names, const size_t *lens,
			   int n, char *msg, size_t msglen)
{
	int			i;

	if (n < 0)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: negative basket size");
		return CXM_EINVAL;
	}
	if (s->ext != NULL)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: a decoded state takes no baskets");
		return CXM_EINVAL;
	}
	if (s->nbaskets == INT64_MAX)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: basket count overflows");
		return CXM_ERANGE;
	}
	/* ids, then room for their encoding (5 bytes a varint) after them */
	ensure_ids(s, (int64_t) n * 3 + 4);
	for (i = 0; i < n; i++)
	{
		bool		is_new;
		int32_t		id = item_intern(s, names[i], lens[i], &is_new);

		if (id < 0)
		{
			set_msg(msg, msglen, "%s", "assoc_rules: too many distinct items, or an item longer than 1 GB");
			return CXM_ERANGE;
		}
		s->ids[i] = id;
	}
	n = sort_unique(s->ids, n);
	s->nbaskets++;
	for (i = 0; i < n; i++)
		s->items[s->ids[i]].count++;
	if (n >= 2)
		log_basket(s, s->ids, n, (unsigned char *) (s->ids + n));
	return CXM_OK;
}

CxmStatus
rec_merge(RecState *dst, const RecState *src, char *msg, size_t msglen)
{
	int32_t    *map;
	int32_t		i;
	bool		identity = true;
	CxmStatus	st = CXM_OK;

	if (dst->min_support != src->min_support ||
		dst->min_confidence != src->min_confidence ||
		dst->max_length != src->max_length)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: min_support, min_confidence and max_length must be the same in every row of a group");
		return CXM_EINVAL;
	}
	if (dst->ext != NULL)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: a decoded state takes no baskets");
		return CXM_EINVAL;
	}
	if (dst->nbaskets > INT64_MAX - src->nbaskets)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: basket count overflows");
		return CXM_ERANGE;
	}
	map = cxm_alloc(&dst->alloc, sizeof(int32_t) * ((size_t) src->nitems + 1));
	for (i = 0; i < src->nitems; i++)
	{
		bool		is_new;

		map[i] = item_intern(dst, src->items[i].name, src->items[i].len, &is_new);
		if (map[i] < 0)
		{
			cxm_free(&dst->alloc, map);
			set_msg(msg, msglen, "%s", "assoc_rules: too many distinct items");
			return CXM_ERANGE;
		}
		identity = identity && map[i] == i;
	}
	for (i = 0; i < src->nitems; i++)
		dst->items[map[i]].count += src->items[i].count;
	dst->nbaskets += src->nbaskets;

	if (src->ext != NULL && src->extlen > 0 &&
		(dst->spill == NULL || dst->buflen + dst->segbytes + src->extlen <= dst->mem_limit))
	{
		/* a decoded state's log as it is, read through the map */
		RecSegment *g;

		if (dst->nsegs == dst->segcap)
		{
			int32_t		cap = dst->segcap ? dst->segcap * 2 : 4;

			dst->segs = grow(&dst->alloc, dst->segs, (size_t) dst->nsegs, (size_t) cap, sizeof(RecSegment));
			dst->segcap = cap;
		}
		g = &dst->segs[dst->nsegs++];
		g->bytes = cxm_alloc(&dst->alloc, src->extlen);
		memcpy(g->bytes, src->ext, src->extlen);
		g->len = src->extlen;
		g->nmap = src->nitems;
		g->map = identity ? NULL : map;
		g->nrecords = src->nrecords;
		dst->segbytes += src->extlen;
		dst->nrecords += src->nrecords;
		if (!identity)
			map = NULL;			/* kept by the segment */
	}
	else if (rec_log_bytes(src) > 0)
	{
		LogReader	r;

		reader_open(&r, src, &dst->alloc);
		if (identity && src->nsegs == 0)
		{
			/* the same ids: the bytes as they are */
			while (reader_fill(&r))
			{
				log_append(dst, r.win, r.end);
				r.pos = r.end = 0;
			}
			if (r.short_read)
				st = CXM_ENOCONV;
			else
				dst->nrecords += src->nrecords;
		}
		else
		{
			const int32_t *ids;
			int32_t		n;
			int			k;

			while ((k = reader_next(&r, &ids, &n)) == 1)
			{
				ensure_ids(dst, (int64_t) n * 3 + 4);
				for (i = 0; i < n; i++)
					dst->ids[i] = map[ids[i]];
				sort_unique(dst->ids, n);
				log_basket(dst, dst->ids, n, (unsigned char *) (dst->ids + n));
			}
			if (k < 0)
				st = CXM_ENOCONV;
		}
		reader_close(&r);
		if (st != CXM_OK)
			set_msg(msg, msglen, "%s", "assoc_rules: the basket log is shorter than recorded");
	}
	if (map)
		cxm_free(&dst->alloc, map);
	return st;
}

CxmStatus
rec_flatten(RecState *s, char *msg, size_t msglen)
{
	LogReader	r;
	const int32_t *ids;
	int32_t		n,
				i;
	int			k;

	if (s->nsegs == 0)
		return CXM_OK;
	/* read the segments alone (the log's part is skipped) */
	reader_open(&r, s, &s->alloc);
	r.file_left = 0;
	r.memleft = 0;
	r.chunk = s->nused;
	while ((k = reader_next(&r, &ids, &n)) == 1)
	{
		ensure_ids(s, (int64_t) n * 3 + 4);
		for (i = 0; i < n; i++)
			s->ids[i] = ids[i];
		sort_unique(s->ids, n);
		log_basket(s, s->ids, n, (unsigned char *) (s->ids + n));
	}
	reader_close(&r);
	if (k < 0)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: a merged basket log is damaged");
		return CXM_ENOCONV;
	}
	for (i = 0; i < s->nsegs; i++)
	{
		s->nrecords -= s->segs[i].nrecords;
		cxm_free(&s->alloc, s->segs[i].bytes);
		if (s->segs[i].map)
			cxm_free(&s->alloc, s->segs[i].map);
	}
	s->nsegs = 0;
	s->segbytes = 0;
	return CXM_OK;
}

/* ---- wire format ----------------------------------------------------------- */

size_t
rec_wire_size(const RecState *s)
{
	uint64_t	n = 1 + 8 + 8 + 4 + 8 + 4 + 8 + 8;
	int32_t		i;

	if (s->nsegs > 0)
		return 0;
	for (i = 0; i < s->nitems; i++)
		n += 4 + (uint64_t) s->items[i].len + 8;
	n += rec_log_bytes(s);
	return n > (uint64_t) SIZE_MAX ? 0 : (size_t) n;
}

CxmStatus
rec_wire_write(const RecState *s, WireWriter *w, char *msg, size_t msglen)
{
	int32_t		i;
	LogReader	r;
	uint64_t	total = rec_log_bytes(s),
				copied = 0;

	if (s->nsegs > 0)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: merged segments must be flattened before writing");
		return CXM_EINVAL;
	}
	wire_put_version(w, REC_WIRE_VERSION);
	wire_put_f64(w, s->min_support);
	wire_put_f64(w, s->min_confidence);
	wire_put_i32(w, s->max_length);
	wire_put_i64(w, s->nbaskets);
	wire_put_i32(w, s->nitems);
	for (i = 0; i < s->nitems; i++)
	{
		wire_put_u32(w, s->items[i].len);
		wire_put_bytes(w, s->items[i].name, s->items[i].len);
		wire_put_i64(w, s->items[i].count);
	}
	wire_put_i64(w, s->nrecords);
	wire_put_u64(w, total);
	if (total == 0)
		return CXM_OK;
	reader_open(&r, s, &s->alloc);
	while (reader_fill(&r))
	{
		wire_put_bytes(w, r.win, r.end);
		copied += r.end;
		r.pos = r.end = 0;
	}
	reader_close(&r);
	if (copied != total)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: the basket log is shorter than recorded");
		return CXM_ENOCONV;
	}
	return CXM_OK;
}

CxmStatus
rec_wire_decode(const CxmAlloc *alloc, const unsigned char *buf, size_t len,
				RecState **out, char *msg, size_t msglen)
{
	WireReader	r;
	RecState   *s = NULL;
	double		min_support,
				min_confidence;
	int32_t		max_length;
	uint32_t	nitems,
				i;
	uint64_t	baskets,
				nrecords,
				logbytes,
				seen = 0;
	int64_t    *occ = NULL;
	const unsigned char *log;
	char		detail[160];

	*out = NULL;
	wire_reader_init(&r, buf, len);
	if (!wire_get_version(&r, REC_WIRE_VERSION) ||
		!wire_need(&r, 8 + 8 + 4 + 8 + 4, "The state is truncated in its header."))
		goto fail;
	min_support = wire_get_f64(&r);
	min_confidence = wire_get_f64(&r);
	max_length = wire_get_i32(&r);
	baskets = wire_get_u64(&r);
	nitems = wire_get_u32(&r);
	if (rec_check_params(min_support, min_confidence, (int64_t) max_length,
						 detail, sizeof(detail)) != CXM_OK)
	{
		wire_fail(&r, "Bad thresholds: %s.", detail);
		goto fail;
	}
	if (baskets > (uint64_t) INT64_MAX)
	{
		wire_fail(&r, "The basket count is negative.");
		goto fail;
	}
	/* an item takes at least its length and its count */
	if (nitems > REC_MAX_COUNT || nitems > wire_left(&r) / 12)
	{
		wire_fail(&r, "The item count %u exceeds the state's length.", nitems);
		goto fail;
	}
	s = rec_state_create(alloc, min_support, min_confidence, max_length);
	s->nbaskets = (int64_t) baskets;
	for (i = 0; i < nitems; i++)
	{
		uint32_t	ilen;
		const unsigned char *name;
		uint64_t	count;
		bool		is_new;
		int32_t		id;

		if (!wire_need(&r, 4, "An item runs past the end of the state."))
			goto fail;
		ilen = wire_get_u32(&r);
		if (!wire_need(&r, (size_t) ilen + 8, "An item runs past the end of the state."))
			goto fail;
		name = wire_get_bytes(&r, ilen);
		count = wire_get_u64(&r);
		id = item_intern(s, (const char *) name, ilen, &is_new);
		if (!is_new)
		{
			wire_fail(&r, "Item %u appears twice.", i + 1);
			goto fail;
		}
		if (count == 0 || count > baskets)
		{
			wire_fail(&r, "The count of item %u is not between 1 and the baskets.", i + 1);
			goto fail;
		}
		s->items[id].count = (int64_t) count;
	}
	if (!wire_need(&r, 16, "The state is truncated before its baskets."))
		goto fail;
	nrecords = wire_get_u64(&r);
	logbytes = wire_get_u64(&r);
	if (logbytes != wire_left(&r))
	{
		wire_fail(&r, "The log length does not match the state's length.");
		goto fail;
	}
	if (nrecords > baskets)
	{
		wire_fail(&r, "There are more logged baskets than baskets.");
		goto fail;
	}
	log = wire_get_bytes(&r, (size_t) logbytes);
	/* every logged basket, and the item counts against them */
	occ = cxm_alloc(alloc, sizeof(int64_t) * ((size_t) nitems + 1));
	{
		const unsigned char *p = log,
				   *end = log + logbytes;

		while (p < end)
		{
			uint32_t	cnt,
						v,
						k;
			int64_t		id = -1;

			if (!get_varint(&p, end, &cnt) || cnt < 2 || cnt > nitems)
			{
				wire_fail(&r, "Logged basket %llu has a bad item count.", (unsigned long long) seen + 1);
				goto fail;
			}
			for (k = 0; k < cnt; k++)
			{
				if (!get_varint(&p, end, &v) || (k > 0 && v == 0))
				{
					wire_fail(&r, "The items of logged basket %llu are truncated or do not ascend.",
							  (unsigned long long) seen + 1);
					goto fail;
				}
				id = k == 0 ? (int64_t) v : id + v;
				if (id >= (int64_t) nitems)
				{
					wire_fail(&r, "Logged basket %llu has an unknown item.", (unsigned long long) seen + 1);
					goto fail;
				}
				if (++occ[id] > s->items[id].count)
				{
					wire_fail(&r, "Item %lld is in more logged baskets than its count.", (long long) id + 1);
					goto fail;
				}
			}
			seen++;
		}
	}
	if (seen != nrecords)
	{
		wire_fail(&r, "The number of logged baskets is %llu, not %llu.",
				  (unsigned long long) seen, (unsigned long long) nrecords);
		goto fail;
	}
	cxm_free(alloc, occ);
	s->ext = log;
	s->extlen = (size_t) logbytes;
	s->nrecords = (int64_t) nrecords;
	*out = s;
	return CXM_OK;

fail:
	if (occ)
		cxm_free(alloc, occ);
	if (s)
		rec_state_free(s);
	set_msg(msg, msglen, "%s", r.detail);
	return CXM_EINVAL;
}

/* ---- FP-tree ------------------------------------------------------------- */

/* weighted paths of ranks, each ascending */
typedef struct PathSet
{
	int32_t    *flat;
	size_t		nflat,
				capflat;
	size_t	   *start;			/* npath + 1 offsets into flat */
	int64_t    *count;
	size_t		npath,
				cappath;
} PathSet;

typedef struct FpTree
{
	int32_t		nnodes,
				cap;
	int32_t    *item;			/* rank; -1 for the root (node 0) */
	int32_t    *parent;
	int32_t    *next;			/* next node of the same item, -1 at the end */
	int64_t    *count;
	int32_t		nitems;			/* ranks 0..nitems-1 may occur */
	int32_t    *head;			/* first node of each rank, -1 if none */
	int64_t    *icount;			/* count of each rank in the tree */
} FpTree;

/*
 * Itemsets of global ranks, each in descending order (the order FP-growth
 * finds them in: a conditional tree only holds ranks below its prefix's),
 * in a hash table over an arena.
 */
typedef struct ItemsetTable
{
	int32_t    *arena;
	size_t		narena,
				caparena;
	size_t	   *off;			/* itemset k: arena[off[k] .. off[k] + len[k]) */
	int32_t    *len;
	int64_t    *count;
	int64_t		n,
				cap;
	int64_t    *slot;			/* index + 1, 0 = empty */
	uint64_t	mask;
} ItemsetTable;

typedef struct Miner
{
	const CxmAlloc *alloc;
	int64_t		minc;
	int32_t		max_length;
	ItemsetTable t;
	RecTick		tick;
	void	   *tick_arg;
	int32_t		min_len;		/* itemsets shorter than this are known already */
	bool		too_many;
	uint64_t	steps;
} Miner;

static void *
grow(const CxmAlloc *alloc, void *old, size_t oldn, size_t newn, size_t elem)
{
	void	   *p = cxm_alloc(alloc, newn * elem);

	if (old != NULL)
	{
		memcpy(p, old, oldn * elem);
		cxm_free(alloc, old);
	}
	return p;
}

static void
paths_init(const CxmAlloc *alloc, PathSet *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->capflat = 64;
	ps->flat = cxm_alloc(alloc, sizeof(int32_t) * ps->capflat);
	ps->cappath = 16;
	ps->start = cxm_alloc(alloc, sizeof(size_t) * (ps->cappath + 1));
	ps->count = cxm_alloc(alloc, sizeof(int64_t) * ps->cappath);
}

static void
paths_free(const CxmAlloc *alloc, PathSet *ps)
{
	cxm_free(alloc, ps->flat);
	cxm_free(alloc, ps->start);
	cxm_free(alloc, ps->count);
}

static void
paths_add(const CxmAlloc *alloc, PathSet *ps, const int32_t *ranks, int n, int64_t count)
{
	if (ps->nflat + (size_t) n > ps->capflat)
	{
		size_t		cap = ps->capflat;

		while (cap < ps->nflat + (size_t) n)
			cap *= 2;
		ps->flat = grow(alloc, ps->flat, ps->nflat, cap, sizeof(int32_t));
		ps->capflat = cap;
	}
	if (ps->npath == ps->cappath)
	{
		ps->start = grow(alloc, ps->start, ps->npath + 1, ps->cappath * 2 + 1, sizeof(size_t));
		ps->count = grow(alloc, ps->count, ps->npath, ps->cappath * 2, sizeof(int64_t));
		ps->cappath *= 2;
	}
	ps->start[ps->npath] = ps->nflat;
	memcpy(ps->flat + ps->nflat, ranks, sizeof(int32_t) * (size_t) n);
	ps->nflat += (size_t) n;
	ps->count[ps->npath] = count;
	ps->npath++;
	ps->start[ps->npath] = ps->nflat;
}

/* lexicographic order of paths (qsort_r is not C99: a file-level context) */
static const PathSet *sort_paths_ctx;

static int
path_cmp(const void *pa, const void *pb)
{
	const PathSet *ps = sort_paths_ctx;
	size_t		a = *(const size_t *) pa,
				b = *(const size_t *) pb;
	size_t		la = ps->start[a + 1] - ps->start[a],
				lb = ps->start[b + 1] - ps->start[b];
	const int32_t *x = ps->flat + ps->start[a],
			   *y = ps->flat + ps->start[b];
	size_t		k,
				m = la < lb ? la : lb;

	for (k = 0; k < m; k++)
		if (x[k] != y[k])
			return x[k] < y[k] ? -1 : 1;
	if (la != lb)
		return la < lb ? -1 : 1;
	return 0;
}

static void
tree_free(const CxmAlloc *alloc, FpTree *t)
{
	cxm_free(alloc, t->item);
	cxm_free(alloc, t->parent);
	cxm_free(alloc, t->next);
	cxm_free(alloc, t->count);
	cxm_free(alloc, t->head);
	cxm_free(alloc, t->icount);
}

static int32_t
tree_new_node(const CxmAlloc *alloc, FpTree *t, int32_t item, int32_t parent, int64_t count)
{
	int32_t		k;

	if (t->nnodes == t->cap)
	{
		size_t		cap = (size_t) t->cap * 2;

		t->item = grow(alloc, t->item, t->nnodes, cap, sizeof(int32_t));
		t->parent = grow(alloc, t->parent, t->nnodes, cap, sizeof(int32_t));
		t->next = grow(alloc, t->next, t->nnodes, cap, sizeof(int32_t));
		t->count = grow(alloc, t->count, t->nnodes, cap, sizeof(int64_t));
		t->cap = (int32_t) cap;
	}
	k = t->nnodes++;
	t->item[k] = item;
	t->parent[k] = parent;
	t->count[k] = count;
	if (item >= 0)
	{
		t->next[k] = t->head[item];
		t->head[item] = k;
	}
	else
		t->next[k] = -1;
	return k;
}

/* an FP-tree of the root alone over ranks 0..nitems-1 */
static void
tree_init(const CxmAlloc *alloc, FpTree *t, int32_t nitems)
{
	int32_t		k;

	memset(t, 0, sizeof(*t));
	t->cap = 16;
	t->item = cxm_alloc(alloc, sizeof(int32_t) * (size_t) t->cap);
	t->parent = cxm_alloc(alloc, sizeof(int32_t) * (size_t) t->cap);
	t->next = cxm_alloc(alloc, sizeof(int32_t) * (size_t) t->cap);
	t->count = cxm_alloc(alloc, sizeof(int64_t) * (size_t) t->cap);
	t->nitems = nitems;
	t->head = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) nitems + 1));
	t->icount = cxm_alloc(alloc, sizeof(int64_t) * ((size_t) nitems + 1));
	for (k = 0; k < nitems; k++)
		t->head[k] = -1;
	tree_new_node(alloc, t, -1, -1, 0);
}

/* the FP-tree of a set of weighted rank paths over ranks 0..nitems-1 */
static void
tree_build(const CxmAlloc *alloc, PathSet *ps, int32_t nitems, int32_t maxlen, FpTree *t)
{
	size_t	   *order = cxm_alloc(alloc, sizeof(size_t) * (ps->npath + 1));
	int32_t    *stack = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) maxlen + 1));
	size_t		i,
				prev = 0;

	tree_init(alloc, t, nitems);
	for (i = 0; i < ps->npath; i++)
		order[i] = i;
	sort_paths_ctx = ps;
	qsort(order, ps->npath, sizeof(size_t), path_cmp);
	sort_paths_ctx = NULL;
	for (i = 0; i < ps->npath; i++)
	{
		size_t		p = order[i];
		const int32_t *x = ps->flat + ps->start[p];
		int32_t		n = (int32_t) (ps->start[p + 1] - ps->start[p]);
		int64_t		c = ps->count[p];
		int32_t		common = 0,
					d;

		if (i > 0)
		{
			const int32_t *y = ps->flat + ps->start[prev];
			int32_t		m = (int32_t) (ps->start[prev + 1] - ps->start[prev]);

			while (common < n && common < m && x[common] == y[common])
				common++;
		}
		t->count[0] += c;
		for (d = 0; d < n; d++)
		{
			if (d < common)
				t->count[stack[d]] += c;
			else
				stack[d] = tree_new_node(alloc, t, x[d], d == 0 ? 0 : stack[d - 1], c);
			t->icount[x[d]] += c;
		}
		prev = p;
	}
	cxm_free(alloc, order);
	cxm_free(alloc, stack);
}

/* ---- frequent itemsets ------------------------------------------------------ */

static uint64_t
itemset_hash(const int32_t *r, int32_t n)
{
	uint64_t	h = UINT64_C(1469598103934665603);
	int32_t		i;

	for (i = 0; i < n; i++)
	{
		h ^= (uint32_t) r[i];
		h *= UINT64_C(1099511628211);
		h ^= h >> 31;
	}
	return h;
}

static int64_t
itemset_find(const ItemsetTable *t, const int32_t *r, int32_t n)
{
	uint64_t	h = itemset_hash(r, n) & t->mask;

	while (t->slot[h] != 0)
	{
		int64_t		k = t->slot[h] - 1;

		if (t->len[k] == n && memcmp(t->arena + t->off[k], r, sizeof(int32_t) * (size_t) n) == 0)
			return k;
		h = (h + 1) & t->mask;
	}
	return -1;
}

static void
itemset_rehash(const CxmAlloc *alloc, ItemsetTable *t)
{
	uint64_t	mask = t->mask * 2 + 1;
	int64_t    *slot = cxm_alloc(alloc, sizeof(int64_t) * (size_t) (mask + 1));
	int64_t		k;

	for (k = 0; k < t->n; k++)
	{
		uint64_t	h = itemset_hash(t->arena + t->off[k], t->len[k]) & mask;

		while (slot[h] != 0)
			h = (h + 1) & mask;
		slot[h] = k + 1;
	}
	cxm_free(alloc, t->slot);
	t->slot = slot;
	t->mask = mask;
}

/* record a new itemset (ranks descending); false when over the limit */
static bool
itemset_add(Miner *m, const int32_t *r, int32_t n, int64_t count)
{
	ItemsetTable *t = &m->t;
	const CxmAlloc *alloc = m->alloc;
	uint64_t	h;

	if (t->n >= REC_MAX_ITEMSETS)
		return false;
	if (t->n == t->cap)
	{
		t->off = grow(alloc, t->off, (size_t) t->n, (size_t) t->cap * 2, sizeof(size_t));
		t->len = grow(alloc, t->len, (size_t) t->n, (size_t) t->cap * 2, sizeof(int32_t));
		t->count = grow(alloc, t->count, (size_t) t->n, (size_t) t->cap * 2, sizeof(int64_t));
		t->cap *= 2;
	}
	if (t->narena + (size_t) n > t->caparena)
	{
		size_t		cap = t->caparena;

		while (cap < t->narena + (size_t) n)
			cap *= 2;
		t->arena = grow(alloc, t->arena, t->narena, cap, sizeof(int32_t));
		t->caparena = cap;
	}
	memcpy(t->arena + t->narena, r, sizeof(int32_t) * (size_t) n);
	t->off[t->n] = t->narena;
	t->len[t->n] = n;
	t->count[t->n] = count;
	t->narena += (size_t) n;
	h = itemset_hash(r, n) & t->mask;
	while (t->slot[h] != 0)
		h = (h + 1) & t->mask;
	t->slot[h] = t->n + 1;
	t->n++;
	if ((uint64_t) t->n * 2 > t->mask)
		itemset_rehash(alloc, t);
	return true;
}

/*
 * FP-growth over tree t, whose local rank k stands for the global rank
 * gl[k]; every itemset found extends prefix[0..plen) (global ranks).
 */
static void
mine(Miner *m, const FpTree *t, const int32_t *gl, const int32_t *prefix, int32_t plen)
{
	const CxmAlloc *alloc = m->alloc;
	int32_t		n = t->nitems;
	int32_t    *set = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) plen + 2));
	int32_t    *up = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) n + 1));
	int64_t    *ccount = cxm_alloc(alloc, sizeof(int64_t) * ((size_t) n + 1));
	int32_t    *newrank = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) n + 1));
	int32_t		r;

	for (r = n - 1; r >= 0 && !m->too_many; r--)
	{
		int32_t		i,
					j,
					nd,
					nfreq;
		int32_t    *back;
		PathSet		ps;
		FpTree		cond;

		if (t->icount[r] < m->minc)
			continue;
		if (m->tick && (++m->steps & 1023) == 0)
			m->tick(m->tick_arg);
		/* the itemset prefix + {r}, global ranks ascending */
		for (i = 0; i < plen; i++)
			set[i] = prefix[i];
		set[plen] = gl[r];
		if (plen + 1 >= m->min_len && !itemset_add(m, set, plen + 1, t->icount[r]))
		{
			m->too_many = true;
			break;
		}
		if (plen + 1 >= m->max_length || r == 0)
			continue;

		/* conditional item counts over the ancestors of r's nodes */
		memset(ccount, 0, sizeof(int64_t) * (size_t) r);
		for (nd = t->head[r]; nd >= 0; nd = t->next[nd])
			for (j = t->parent[nd]; j > 0; j = t->parent[j])
				ccount[t->item[j]] += t->count[nd];
		/* the frequent ones keep their order, renumbered densely */
		nfreq = 0;
		for (i = 0; i < r; i++)
			newrank[i] = ccount[i] >= m->minc ? nfreq++ : -1;
		if (nfreq == 0)
			continue;
		back = cxm_alloc(alloc, sizeof(int32_t) * (size_t) nfreq);
		for (i = 0; i < r; i++)
			if (newrank[i] >= 0)
				back[newrank[i]] = gl[i];
		paths_init(alloc, &ps);
		for (nd = t->head[r]; nd >= 0; nd = t->next[nd])
		{
			int32_t		k = 0;

			for (j = t->parent[nd]; j > 0; j = t->parent[j])
				if (newrank[t->item[j]] >= 0)
					up[k++] = newrank[t->item[j]];
			if (k == 0)
				continue;
			/* collected upwards, so descending: reverse */
			for (i = 0; i < k / 2; i++)
			{
				int32_t		v = up[i];

				up[i] = up[k - 1 - i];
				up[k - 1 - i] = v;
			}
			paths_add(alloc, &ps, up, k, t->count[nd]);
		}
		tree_build(alloc, &ps, nfreq, nfreq, &cond);
		paths_free(alloc, &ps);
		/* set[] = prefix + {gl[r]}: the conditional items rank below gl[r] */
		mine(m, &cond, back, set, plen + 1);
		tree_free(alloc, &cond);
		cxm_free(alloc, back);
	}
	cxm_free(alloc, set);
	cxm_free(alloc, up);
	cxm_free(alloc, ccount);
	cxm_free(alloc, newrank);
}

/* ---- rules ------------------------------------------------------------------ */

/* rule and item orders need the state's names (qsort has no context in C99) */
static const RecState *sort_state_ctx;
static const int64_t *sort_count_ctx;

static int
id_name_cmp(const void *pa, const void *pb)
{
	const RecState *s = sort_state_ctx;

	return name_cmp(&s->items[*(const int32_t *) pa], &s->items[*(const int32_t *) pb]);
}

/* frequent item ids: count descending, then name */
static int
id_count_cmp(const void *pa, const void *pb)
{
	int32_t		a = *(const int32_t *) pa,
				b = *(const int32_t *) pb;

	if (sort_count_ctx[a] != sort_count_ctx[b])
		return sort_count_ctx[a] > sort_count_ctx[b] ? -1 : 1;
	return id_name_cmp(pa, pb);
}

static int
rule_cmp(const void *pa, const void *pb)
{
	const RecRule *a = pa;
	const RecRule *b = pb;
	const RecState *s = sort_state_ctx;
	int32_t		k;
	int			c;

	if (a->support != b->support)
		return a->support > b->support ? -1 : 1;
	if (a->confidence != b->confidence)
		return a->confidence > b->confidence ? -1 : 1;
	for (k = 0; k < a->nantecedent && k < b->nantecedent; k++)
	{
		c = name_cmp(&s->items[a->antecedent[k]], &s->items[b->antecedent[k]]);
		if (c != 0)
			return c;
	}
	if (a->nantecedent != b->nantecedent)
		return a->nantecedent < b->nantecedent ? -1 : 1;
	return name_cmp(&s->items[a->consequent], &s->items[b->consequent]);
}

/* the smallest count c with c / n >= min_support (as doubles) */
static int64_t
min_count(double min_support, int64_t n)
{
	double		c0 = ceil(min_support * (double) n);
	int64_t		c = c0 < 1 ? 1 : (c0 > (double) n ? n : (int64_t) c0);

	while (c > 1 && (double) (c - 1) / (double) n >= min_support)
		c--;
	while (c <= n && !((double) c / (double) n >= min_support))
		c++;
	return c;
}

/*
 * The frequent pairs: adjacency lists of ranks (each ascending), and a bit
 * per pair (a < b) of the triangular array when that fits mem_limit.
 */
typedef struct PairAdj
{
	int64_t    *start;			/* nfreq + 1 offsets into partner */
	int32_t    *partner;
	uint64_t   *bits;			/* NULL: search the lists */
	size_t	   *off;			/* row a of the triangle starts at off[a] */
} PairAdj;

static bool
pair_frequent(const PairAdj *adj, int32_t a, int32_t b)
{
	int64_t		lo,
				hi;

	if (a > b)
	{
		int32_t		t = a;

		a = b;
		b = t;
	}
	if (adj->bits != NULL)
	{
		size_t		k = adj->off[a] + (size_t) (b - a - 1);

		return (adj->bits[k >> 6] >> (k & 63)) & 1;
	}
	lo = adj->start[a];
	hi = adj->start[a + 1];
	while (lo < hi)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (adj->partner[mid] == b)
			return true;
		if (adj->partner[mid] < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* the ranks of the frequent items of a logged basket (distinct, unordered) */
static int32_t
basket_ranks(const int32_t *ids, int32_t n, const int32_t *rank, int32_t *out)
{
	int32_t		i,
				k = 0;

	for (i = 0; i < n; i++)
		if (rank[ids[i]] >= 0)
			out[k++] = rank[ids[i]];
	return k;
}

/* a pair count array of n counters, 32 or 64 bits each */
static inline void
counter_inc(void *c, bool wide, size_t k)
{
	if (wide)
		((uint64_t *) c)[k]++;
	else
		((uint32_t *) c)[k]++;
}

static inline uint64_t
counter_get(const void *c, bool wide, size_t k)
{
	return wide ? ((const uint64_t *) c)[k] : ((const uint32_t *) c)[k];
}

/*
 * Step 2: count every pair of frequent items over the log, in blocks of
 * rows of the triangular array that fit mem_limit; the frequent pairs go
 * into the itemset table (ranks descending) and into adj.
 */
static CxmStatus
count_pairs(const RecState *s, Miner *m, const int32_t *rank, int32_t nfreq,
			PairAdj *adj, RecStats *stats, char *msg, size_t msglen)
{
	const CxmAlloc *alloc = m->alloc;
	bool		wide = (uint64_t) s->nbaskets > UINT32_MAX;
	size_t		elem = wide ? 8 : 4;
	size_t		budget = s->mem_limit / elem;
	size_t	   *off = cxm_alloc(alloc, sizeof(size_t) * ((size_t) nfreq + 1));
	int32_t    *rk = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) nfreq + 1));
	int32_t    *pa = NULL,
			   *pb = NULL;
	int64_t		np = 0,
				cap = 0,
				k;
	int32_t		a0 = 0,
				a;
	CxmStatus	st = CXM_OK;

	/* row a holds the pairs (a, b > a) at off[a] .. off[a + 1] */
	for (a = 0; a < nfreq; a++)
		off[a + 1] = off[a] + (size_t) (nfreq - 1 - a);
	while (a0 < nfreq - 1 && st == CXM_OK)
	{
		int32_t		a1 = a0 + 1;
		void	   *cnt;
		LogReader	r;
		const int32_t *ids;
		int32_t		n;
		int			got;
		size_t		kk;
		uint64_t	nrec = 0;

		while (a1 < nfreq - 1 && off[a1 + 1] - off[a0] <= budget)
			a1++;
		cnt = cxm_alloc(alloc, elem * (off[a1] - off[a0]) + elem);
		reader_open(&r, s, alloc);
		while ((got = reader_next(&r, &ids, &n)) == 1)
		{
			int32_t		nk = basket_ranks(ids, n, rank, rk),
						i,
						j;

			if (m->tick && (++nrec & 4095) == 0)
				m->tick(m->tick_arg);
			/* the pair (x, y), x < y, is at off[x] + y - x - 1 */
			for (i = 0; i < nk; i++)
			{
				size_t		base;

				if (rk[i] < a0 || rk[i] >= a1)
					continue;
				base = off[rk[i]] - off[a0] - (size_t) rk[i] - 1;
				for (j = 0; j < nk; j++)
					if (rk[j] > rk[i])
						counter_inc(cnt, wide, base + (size_t) rk[j]);
			}
		}
		reader_close(&r);
		if (got < 0)
		{
			set_msg(msg, msglen, "%s", "assoc_rules: the basket log is damaged or shorter than recorded");
			st = CXM_ENOCONV;
		}
		for (a = a0; a < a1 && st == CXM_OK; a++)
			for (kk = off[a]; kk < off[a + 1]; kk++)
			{
				uint64_t	c = counter_get(cnt, wide, kk - off[a0]);
				int32_t		set[2];

				if (c < (uint64_t) m->minc)
					continue;
				if (np == cap)
				{
					int64_t		nc = cap ? cap * 2 : 64;

					pa = grow(alloc, pa, (size_t) np, (size_t) nc, sizeof(int32_t));
					pb = grow(alloc, pb, (size_t) np, (size_t) nc, sizeof(int32_t));
					cap = nc;
				}
				pa[np] = a;
				pb[np] = a + 1 + (int32_t) (kk - off[a]);
				set[0] = pb[np];
				set[1] = a;
				if (!itemset_add(m, set, 2, (int64_t) c))
				{
					m->too_many = true;
					st = CXM_ERANGE;
					break;
				}
				np++;
			}
		cxm_free(alloc, cnt);
		stats->pair_passes++;
		a0 = a1;
	}
	/* adjacency lists: pairs come by a, then b, so every list ascends */
	adj->start = cxm_alloc(alloc, sizeof(int64_t) * ((size_t) nfreq + 2));
	adj->partner = cxm_alloc(alloc, sizeof(int32_t) * (size_t) (2 * np + 1));
	for (k = 0; k < np; k++)
	{
		adj->start[pa[k] + 2]++;
		adj->start[pb[k] + 2]++;
	}
	for (a = 0; a < nfreq; a++)
		adj->start[a + 2] += adj->start[a + 1];
	for (k = 0; k < np; k++)
	{
		adj->partner[adj->start[pa[k] + 1]++] = pb[k];
		adj->partner[adj->start[pb[k] + 1]++] = pa[k];
	}
	stats->frequent_pairs = np;
	adj->off = off;
	if (off[nfreq] / 8 <= s->mem_limit)
	{
		adj->bits = cxm_alloc(alloc, sizeof(uint64_t) * (off[nfreq] / 64 + 1));
		for (k = 0; k < np; k++)
		{
			size_t		q = off[pa[k]] + (size_t) (pb[k] - pa[k] - 1);

			adj->bits[q >> 6] |= UINT64_C(1) << (q & 63);
		}
	}
	if (pa)
	{
		cxm_free(alloc, pa);
		cxm_free(alloc, pb);
	}
	cxm_free(alloc, rk);
	return st;
}

/* the child of parent labelled item in a tree under construction */
typedef struct ChildHash
{
	int32_t    *slot;			/* node + 1, 0 = empty */
	uint32_t	mask;
} ChildHash;

static int32_t
tree_child(const CxmAlloc *alloc, FpTree *t, ChildHash *h, int32_t parent, int32_t item)
{
	uint32_t	k = mix_pair(parent, item) & h->mask;
	int32_t		nd;

	while (h->slot[k] != 0)
	{
		nd = h->slot[k] - 1;
		if (t->parent[nd] == parent && t->item[nd] == item)
			return nd;
		k = (k + 1) & h->mask;
	}
	if (t->nnodes >= REC_MAX_COUNT)
		return -1;
	nd = tree_new_node(alloc, t, item, parent, 0);
	h->slot[k] = nd + 1;
	if ((uint32_t) t->nnodes * 2 > h->mask)
	{
		uint32_t	mask = h->mask * 2 + 1;
		int32_t    *slot = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) mask + 1));
		int32_t		i;

		for (i = 1; i < t->nnodes; i++)
		{
			uint32_t	q = mix_pair(t->parent[i], t->item[i]) & mask;

			while (slot[q] != 0)
				q = (q + 1) & mask;
			slot[q] = i + 1;
		}
		cxm_free(alloc, h->slot);
		h->slot = slot;
		h->mask = mask;
	}
	return nd;
}

/*
 * Step 3: the FP-tree of the baskets cut down to the items with at least
 * two frequent partners among the items kept (repeated until none drops),
 * when three or more are kept.
 */
static CxmStatus
build_tree(const RecState *s, Miner *m, const int32_t *rank, int32_t nfreq,
		   const PairAdj *adj, FpTree *t, RecStats *stats, char *msg, size_t msglen)
{
	const CxmAlloc *alloc = m->alloc;
	int32_t    *rk = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) nfreq + 1));
	int32_t    *deg = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) nfreq + 1));
	ChildHash	h;
	LogReader	r;
	const int32_t *ids;
	int32_t		n;
	int			got;
	uint64_t	nrec = 0;
	CxmStatus	st = CXM_OK;

	tree_init(alloc, t, nfreq);
	h.mask = 1023;
	h.slot = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) h.mask + 1));
	reader_open(&r, s, alloc);
	while ((got = reader_next(&r, &ids, &n)) == 1)
	{
		int32_t		nk = basket_ranks(ids, n, rank, rk),
					i,
					j,
					node = 0;
		bool		dropped = true;

		if (m->tick && (++nrec & 4095) == 0)
			m->tick(m->tick_arg);
		while (dropped && nk >= 3)
		{
			int32_t		w = 0;

			for (i = 0; i < nk; i++)
				deg[i] = 0;
			for (i = 0; i < nk; i++)
				for (j = i + 1; j < nk; j++)
					if (pair_frequent(adj, rk[i], rk[j]))
					{
						deg[i]++;
						deg[j]++;
					}
			for (i = 0; i < nk; i++)
				if (deg[i] >= 2)
					rk[w++] = rk[i];
			dropped = w < nk;
			nk = w;
		}
		if (nk < 3)
			continue;
		sort_unique(rk, nk);
		stats->tree_baskets++;
		t->count[0]++;
		for (i = 0; i < nk; i++)
		{
			node = tree_child(alloc, t, &h, node, rk[i]);
			if (node < 0)
			{
				set_msg(msg, msglen, "%s", "assoc_rules: more than " REC_STR(REC_MAX_COUNT)
						" nodes in the FP-tree");
				st = CXM_ERANGE;
				break;
			}
			t->count[node]++;
			t->icount[rk[i]]++;
		}
		if (st != CXM_OK)
			break;
	}
	reader_close(&r);
	if (got < 0 && st == CXM_OK)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: the basket log is damaged or shorter than recorded");
		st = CXM_ENOCONV;
	}
	stats->tree_nodes = t->nnodes;
	cxm_free(alloc, h.slot);
	cxm_free(alloc, rk);
	cxm_free(alloc, deg);
	return st;
}

CxmStatus
rec_rules(const RecState *s, const CxmAlloc *alloc, RecRule **out,
		  int64_t *nrules, RecStats *stats, RecTick tick, void *tick_arg,
		  char *msg, size_t msglen)
{
	int64_t		nb = s->nbaskets;
	int64_t    *icount = NULL;
	int32_t    *rank = NULL,
			   *byrank = NULL,
			   *gl = NULL,
			   *sub = NULL;
	int32_t		nfreq = 0,
				i;
	PairAdj		adj = {NULL, NULL, NULL, NULL};
	Miner		m;
	RecStats	dummy;
	int64_t		k,
				nr = 0,
				nante = 0;
	RecRule    *rules = NULL;
	int32_t    *arena = NULL;
	int			pass;
	CxmStatus	st = CXM_OK;

	*out = NULL;
	*nrules = 0;
	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	if (nb <= 0)
		return CXM_OK;
	memset(&m, 0, sizeof(m));
	m.alloc = alloc;
	m.minc = min_count(s->min_support, nb);
	m.max_length = s->max_length;
	m.min_len = 3;
	m.tick = tick;
	m.tick_arg = tick_arg;
	m.t.cap = 64;
	m.t.off = cxm_alloc(alloc, sizeof(size_t) * (size_t) m.t.cap);
	m.t.len = cxm_alloc(alloc, sizeof(int32_t) * (size_t) m.t.cap);
	m.t.count = cxm_alloc(alloc, sizeof(int64_t) * (size_t) m.t.cap);
	m.t.caparena = 256;
	m.t.arena = cxm_alloc(alloc, sizeof(int32_t) * m.t.caparena);
	m.t.mask = 255;
	m.t.slot = cxm_alloc(alloc, sizeof(int64_t) * (size_t) (m.t.mask + 1));

	/* 1. frequent items ranked by count, each an itemset of its own */
	icount = cxm_alloc(alloc, sizeof(int64_t) * ((size_t) s->nitems + 1));
	byrank = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) s->nitems + 1));
	rank = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) s->nitems + 1));
	for (i = 0; i < s->nitems; i++)
	{
		icount[i] = s->items[i].count;
		rank[i] = -1;
		if (icount[i] >= m.minc)
			byrank[nfreq++] = i;
	}
	sort_state_ctx = s;
	sort_count_ctx = icount;
	qsort(byrank, (size_t) nfreq, sizeof(int32_t), id_count_cmp);
	sort_count_ctx = NULL;
	for (i = 0; i < nfreq && !m.too_many; i++)
	{
		rank[byrank[i]] = i;
		if (!itemset_add(&m, &i, 1, icount[byrank[i]]))
			m.too_many = true;
	}
	stats->frequent_items = nfreq;

	/* 2. the frequent pairs */
	if (nfreq >= 2 && !m.too_many)
		st = count_pairs(s, &m, rank, nfreq, &adj, stats, msg, msglen);

	/* 3 and 4. the FP-tree of what can hold 3+ frequent items; FP-growth */
	if (st == CXM_OK && !m.too_many && s->max_length >= 3 && stats->frequent_pairs >= 3)
	{
		FpTree		t;

		st = build_tree(s, &m, rank, nfreq, &adj, &t, stats, msg, msglen);
		if (st == CXM_OK)
		{
			gl = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) nfreq + 1));
			for (i = 0; i < nfreq; i++)
				gl[i] = i;
			mine(&m, &t, gl, NULL, 0);
		}
		tree_free(alloc, &t);
	}
	stats->itemsets = m.t.n;
	if (m.too_many)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: more than " REC_STR(REC_MAX_ITEMSETS)
				" frequent itemsets; raise min_support or lower max_length");
		st = CXM_ERANGE;
	}
	if (st != CXM_OK)
		goto done;

	/* 5. rules: each item of an itemset of 2 or more as the consequent */
	sub = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) s->max_length + 1));
	for (pass = 0; pass < 2; pass++)
	{
		int64_t		at = 0;

		if (pass == 1)
		{
			rules = cxm_alloc(alloc, sizeof(RecRule) * (size_t) (nr + 1));
			arena = cxm_alloc(alloc, sizeof(int32_t) * (size_t) (nante + 1));
			nr = 0;
		}
		for (k = 0; k < m.t.n; k++)
		{
			int32_t		len = m.t.len[k];
			const int32_t *set = m.t.arena + m.t.off[k];
			int64_t		cxy = m.t.count[k];
			int32_t		p;

			if (len < 2)
				continue;
			if (tick && (k & 4095) == 0)
				tick(tick_arg);
			for (p = 0; p < len; p++)
			{
				int32_t		q,
							n = 0;
				int64_t		ka,
							cx,
							cy;
				double		conf;

				for (q = 0; q < len; q++)
					if (q != p)
						sub[n++] = set[q];
				ka = itemset_find(&m.t, sub, n);
				if (ka < 0)
				{
					set_msg(msg, msglen, "%s", "assoc_rules: internal error, a subset of a frequent itemset is missing");
					st = CXM_ENOCONV;
					goto done;
				}
				cx = m.t.count[ka];
				conf = (double) cxy / (double) cx;
				if (!(conf >= s->min_confidence))
					continue;
				if (pass == 0)
				{
					nr++;
					nante += n;
					continue;
				}
				{
					RecRule    *r = &rules[nr++];
					double		sx = (double) cx / (double) nb,
								sy;

					cy = icount[byrank[set[p]]];
					sy = (double) cy / (double) nb;
					r->antecedent = arena + at;
					for (q = 0; q < n; q++)
						r->antecedent[q] = byrank[sub[q]];
					at += n;
					r->nantecedent = n;
					qsort(r->antecedent, (size_t) n, sizeof(int32_t), id_name_cmp);
					r->consequent = byrank[set[p]];
					r->count = cxy;
					r->count_antecedent = cx;
					r->count_consequent = cy;
					r->support = (double) cxy / (double) nb;
					r->confidence = conf;
					r->lift = conf / sy;
					r->leverage = r->support - sx * sy;
					r->has_conviction = cxy < cx;
					r->conviction = r->has_conviction ? (1 - sy) / (1 - conf) : 0;
				}
			}
		}
	}
	qsort(rules, (size_t) nr, sizeof(RecRule), rule_cmp);
	*out = rules;
	*nrules = nr;
	if (nr == 0)
	{
		cxm_free(alloc, rules);
		cxm_free(alloc, arena);
		*out = NULL;
	}
	rules = NULL;
	arena = NULL;

done:
	sort_state_ctx = NULL;
	if (rules)
		cxm_free(alloc, rules);
	if (arena)
		cxm_free(alloc, arena);
	cxm_free(alloc, icount);
	cxm_free(alloc, rank);
	cxm_free(alloc, byrank);
	if (adj.start)
	{
		cxm_free(alloc, adj.start);
		cxm_free(alloc, adj.partner);
		cxm_free(alloc, adj.off);
	}
	if (adj.bits)
		cxm_free(alloc, adj.bits);
	if (gl)
		cxm_free(alloc, gl);
	if (sub)
		cxm_free(alloc, sub);
	cxm_free(alloc, m.t.off);
	cxm_free(alloc, m.t.len);
	cxm_free(alloc, m.t.count);
	cxm_free(alloc, m.t.arena);
	cxm_free(alloc, m.t.slot);
	return st;
}

void
rec_rules_free(const CxmAlloc *alloc, RecRule *rules, int64_t nrules)
{
	if (rules == NULL)
		return;
	/* the antecedents share one arena, which starts at the first rule's
	 * (rule_cmp reorders rules, so look for the lowest address) */
	{
		int32_t    *lo = NULL;
		int64_t		k;

		for (k = 0; k < nrules; k++)
			if (rules[k].nantecedent > 0 && (lo == NULL || rules[k].antecedent < lo))
				lo = rules[k].antecedent;
		if (lo)
			cxm_free(alloc, lo);
	}
	cxm_free(alloc, rules);
}
