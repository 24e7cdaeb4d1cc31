/*
 * recommend_core.c
 *	  Association rules: the basket prefix tree, its wire format, and
 *	  FP-growth (Han, Pei and Yin, 2000).  Pure C99, no server headers.
 *
 * rec_rules() works in three steps:
 *
 *  1. item counts: the count of item i is the sum of the counts of the
 *	   prefix-tree nodes labelled i (each basket holding i passes exactly one
 *	   of them).  The frequent items get ranks 0, 1, ... by count descending.
 *  2. the FP-tree: every node of the prefix tree ends
 *	   (count - children's counts) baskets; each such basket, cut down to its
 *	   frequent items and ordered by rank, is one weighted path.  The paths
 *	   are sorted, so building the tree needs no child look-up: a path shares
 *	   exactly its common prefix with the previous one.
 *  3. FP-growth: for each item of a tree, its conditional pattern base (the
 *	   ancestors of its nodes, weighted by the node counts) gives a smaller
 *	   tree of the items frequent together with it, down to max_length
 *	   items.  Every frequent itemset is found once and kept in a hash table,
 *	   which the rules then read for the counts of their antecedents.
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
	s->nodecap = 64;
	s->nodes = cxm_alloc(alloc, sizeof(RecNode) * s->nodecap);
	s->childmask = 127;
	s->childslot = cxm_alloc(alloc, sizeof(int32_t) * (s->childmask + 1));
	s->nnodes = 1;
	s->nodes[0].parent = -1;
	s->nodes[0].item = -1;
	s->nodes[0].count = 0;
	s->idcap = 16;
	s->ids = cxm_alloc(alloc, sizeof(int32_t) * s->idcap);
	return s;
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
	cxm_free(&a, s->nodes);
	cxm_free(&a, s->childslot);
	cxm_free(&a, s->ids);
	cxm_free(&a, s);
}

/* a copy of the array n elements of size elem at src (at least one element) */
static void *
copy_array(const CxmAlloc *alloc, const void *src, size_t n, size_t elem)
{
	void	   *p = cxm_alloc(alloc, (n ? n : 1) * elem);

	if (n)
		memcpy(p, src, n * elem);
	return p;
}

RecState *
rec_state_copy(const CxmAlloc *alloc, const RecState *src)
{
	RecState   *s = cxm_alloc(alloc, sizeof(RecState));
	int32_t		i;

	*s = *src;
	s->alloc = *alloc;
	s->items = copy_array(alloc, src->items, (size_t) src->itemcap, sizeof(RecItem));
	for (i = 0; i < src->nitems; i++)
		s->items[i].name = copy_array(alloc, src->items[i].name, src->items[i].len, 1);
	s->itemslot = copy_array(alloc, src->itemslot, (size_t) src->itemmask + 1, sizeof(int32_t));
	s->nodes = copy_array(alloc, src->nodes, (size_t) src->nodecap, sizeof(RecNode));
	s->childslot = copy_array(alloc, src->childslot, (size_t) src->childmask + 1, sizeof(int32_t));
	s->ids = copy_array(alloc, src->ids, (size_t) src->idcap, sizeof(int32_t));
	return s;
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
 * The id of an item, interning it when new (*is_new tells); -1 when a limit
 * is exceeded.
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
	s->itemslot[h] = s->nitems + 1;
	s->nitems++;
	*is_new = true;
	if ((uint32_t) s->nitems * 2 > s->itemmask)
		item_rehash(s);
	return s->nitems - 1;
}

static void
child_rehash(RecState *s)
{
	uint32_t	mask = s->childmask * 2 + 1;
	int32_t    *slots = cxm_alloc(&s->alloc, sizeof(int32_t) * ((size_t) mask + 1));
	int32_t		i;

	for (i = 1; i < s->nnodes; i++)
	{
		uint32_t	h = mix_pair(s->nodes[i].parent, s->nodes[i].item) & mask;

		while (slots[h] != 0)
			h = (h + 1) & mask;
		slots[h] = i + 1;
	}
	cxm_free(&s->alloc, s->childslot);
	s->childslot = slots;
	s->childmask = mask;
}

/*
 * The child of parent labelled item; created (with count 0) when absent and
 * create is set.  -1 when absent and not created, or when a limit is hit.
 */
static int32_t
child_get(RecState *s, int32_t parent, int32_t item, bool create, bool *is_new)
{
	uint32_t	h = mix_pair(parent, item) & s->childmask;
	RecNode    *nd;

	if (is_new)
		*is_new = false;
	while (s->childslot[h] != 0)
	{
		nd = &s->nodes[s->childslot[h] - 1];
		if (nd->parent == parent && nd->item == item)
			return s->childslot[h] - 1;
		h = (h + 1) & s->childmask;
	}
	if (!create || s->nnodes >= REC_MAX_COUNT)
		return -1;
	if (s->nnodes == s->nodecap)
	{
		RecNode    *n = cxm_alloc(&s->alloc, sizeof(RecNode) * (size_t) s->nodecap * 2);

		memcpy(n, s->nodes, sizeof(RecNode) * (size_t) s->nnodes);
		cxm_free(&s->alloc, s->nodes);
		s->nodes = n;
		s->nodecap *= 2;
	}
	nd = &s->nodes[s->nnodes];
	nd->parent = parent;
	nd->item = item;
	nd->count = 0;
	s->childslot[h] = s->nnodes + 1;
	s->nnodes++;
	if (is_new)
		*is_new = true;
	if ((uint32_t) s->nnodes * 2 > s->childmask)
		child_rehash(s);
	return s->nnodes - 1;
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

/* count `count` baskets with the ascending, distinct item ids ids[0..n) */
static CxmStatus
insert_path(RecState *s, const int32_t *ids, int n, int64_t count,
			char *msg, size_t msglen)
{
	int32_t		node = 0;
	int			i;

	if (s->nodes[0].count > INT64_MAX - count)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: basket count overflows");
		return CXM_ERANGE;
	}
	s->nodes[0].count += count;
	for (i = 0; i < n; i++)
	{
		node = child_get(s, node, ids[i], true, NULL);
		if (node < 0)
		{
			set_msg(msg, msglen, "%s", "assoc_rules: more than " REC_STR(REC_MAX_COUNT)
					" nodes in the basket tree");
			return CXM_ERANGE;
		}
		/* a node never counts more baskets than the root */
		s->nodes[node].count += count;
	}
	return CXM_OK;
}

static void
ensure_ids(RecState *s, int n)
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
	ensure_ids(s, n);
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
	return insert_path(s, s->ids, n, 1, msg, msglen);
}

/*
 * What each node ends: its count minus its children's.  Returned array of
 * nnodes counts (from alloc).
 */
static int64_t *
node_ends(const RecState *s, const CxmAlloc *alloc)
{
	int64_t    *ends = cxm_alloc(alloc, sizeof(int64_t) * (size_t) s->nnodes);
	int32_t		i;

	for (i = 0; i < s->nnodes; i++)
		ends[i] = s->nodes[i].count;
	for (i = 1; i < s->nnodes; i++)
		ends[s->nodes[i].parent] -= s->nodes[i].count;
	return ends;
}

CxmStatus
rec_merge(RecState *dst, const RecState *src, char *msg, size_t msglen)
{
	int32_t    *map;
	int64_t    *ends;
	int32_t		i;
	int32_t		maxdepth = 0;
	int32_t    *depth;
	CxmStatus	st = CXM_OK;

	if (dst->min_support != src->min_support ||
		dst->min_confidence != src->min_confidence ||
		dst->max_length != src->max_length)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: min_support, min_confidence and max_length must be the same in every row of a group");
		return CXM_EINVAL;
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
	}
	depth = cxm_alloc(&dst->alloc, sizeof(int32_t) * (size_t) src->nnodes);
	for (i = 1; i < src->nnodes; i++)
	{
		depth[i] = depth[src->nodes[i].parent] + 1;
		if (depth[i] > maxdepth)
			maxdepth = depth[i];
	}
	ensure_ids(dst, maxdepth);
	ends = node_ends(src, &dst->alloc);
	/* baskets ending at the root: the empty ones */
	if (ends[0] > 0)
		st = insert_path(dst, NULL, 0, ends[0], msg, msglen);
	for (i = 1; i < src->nnodes && st == CXM_OK; i++)
	{
		int32_t		k = 0,
					nd;

		if (ends[i] <= 0)
			continue;
		for (nd = i; nd > 0; nd = src->nodes[nd].parent)
			dst->ids[k++] = map[src->nodes[nd].item];
		k = sort_unique(dst->ids, k);
		st = insert_path(dst, dst->ids, k, ends[i], msg, msglen);
	}
	cxm_free(&dst->alloc, ends);
	cxm_free(&dst->alloc, depth);
	cxm_free(&dst->alloc, map);
	return st;
}

/* ---- wire format ----------------------------------------------------------- */

size_t
rec_wire_size(const RecState *s)
{
	size_t		n = 1 + 8 + 8 + 4 + 4 + 8 + 4;
	int32_t		i;

	for (i = 0; i < s->nitems; i++)
		n += 4 + s->items[i].len;
	n += (size_t) (s->nnodes - 1) * 16;
	return n;
}

static unsigned char *
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
	return p + 4;
}

static unsigned char *
put_u64(unsigned char *p, uint64_t v)
{
	p = put_u32(p, (uint32_t) (v >> 32));
	return put_u32(p, (uint32_t) v);
}

static unsigned char *
put_f64(unsigned char *p, double d)
{
	uint64_t	bits;

	memcpy(&bits, &d, sizeof(bits));
	return put_u64(p, bits);
}

void
rec_wire_encode(const RecState *s, unsigned char *p)
{
	int32_t		i;

	*p++ = REC_WIRE_VERSION;
	p = put_f64(p, s->min_support);
	p = put_f64(p, s->min_confidence);
	p = put_u32(p, (uint32_t) s->max_length);
	p = put_u32(p, (uint32_t) s->nitems);
	for (i = 0; i < s->nitems; i++)
	{
		p = put_u32(p, s->items[i].len);
		if (s->items[i].len)
			memcpy(p, s->items[i].name, s->items[i].len);
		p += s->items[i].len;
	}
	p = put_u64(p, (uint64_t) s->nodes[0].count);
	p = put_u32(p, (uint32_t) (s->nnodes - 1));
	for (i = 1; i < s->nnodes; i++)
	{
		p = put_u32(p, (uint32_t) s->nodes[i].parent);
		p = put_u32(p, (uint32_t) s->nodes[i].item);
		p = put_u64(p, (uint64_t) s->nodes[i].count);
	}
}

typedef struct WireReader
{
	const unsigned char *p;
	size_t		left;
} WireReader;

static bool
get_u32(WireReader *r, uint32_t *v)
{
	if (r->left < 4)
		return false;
	*v = ((uint32_t) r->p[0] << 24) | ((uint32_t) r->p[1] << 16) |
		((uint32_t) r->p[2] << 8) | r->p[3];
	r->p += 4;
	r->left -= 4;
	return true;
}

static bool
get_u64(WireReader *r, uint64_t *v)
{
	uint32_t	hi,
				lo;

	if (r->left < 8)
		return false;
	get_u32(r, &hi);
	get_u32(r, &lo);
	*v = ((uint64_t) hi << 32) | lo;
	return true;
}

static bool
get_f64(WireReader *r, double *d)
{
	uint64_t	bits;

	if (!get_u64(r, &bits))
		return false;
	memcpy(d, &bits, sizeof(bits));
	return true;
}

CxmStatus
rec_wire_decode(const CxmAlloc *alloc, const unsigned char *buf, size_t len,
				RecState **out, char *msg, size_t msglen)
{
	WireReader	r = {buf, len};
	RecState   *s = NULL;
	double		min_support,
				min_confidence;
	uint32_t	max_length,
				nitems,
				nnodes,
				i;
	uint64_t	baskets;
	int64_t    *childsum = NULL;
	const char *bad = NULL;
	char		detail[160];

	*out = NULL;
	if (len < 1)
	{
		set_msg(msg, msglen, "%s", "the state is empty");
		return CXM_EINVAL;
	}
	if (buf[0] != REC_WIRE_VERSION)
	{
		char		v[16];

		snprintf(v, sizeof(v), "%d", buf[0]);
		set_msg(msg, msglen, "unknown state version %s (expected " REC_STR(REC_WIRE_VERSION) ")", v);
		return CXM_EINVAL;
	}
	r.p++;
	r.left--;
	if (!get_f64(&r, &min_support) || !get_f64(&r, &min_confidence) ||
		!get_u32(&r, &max_length) || !get_u32(&r, &nitems))
	{
		set_msg(msg, msglen, "%s", "the state is truncated in its header");
		return CXM_EINVAL;
	}
	if (rec_check_params(min_support, min_confidence, (int64_t) max_length,
						 detail, sizeof(detail)) != CXM_OK)
	{
		set_msg(msg, msglen, "bad thresholds: %s", detail);
		return CXM_EINVAL;
	}
	if (nitems > REC_MAX_COUNT || nitems > r.left / 4)
	{
		set_msg(msg, msglen, "%s", "the item count exceeds the state's length");
		return CXM_EINVAL;
	}
	s = rec_state_create(alloc, min_support, min_confidence, (int32_t) max_length);
	for (i = 0; i < nitems; i++)
	{
		uint32_t	ilen;
		bool		is_new;

		if (!get_u32(&r, &ilen) || ilen > r.left)
		{
			bad = "an item's length exceeds the state's length";
			goto fail;
		}
		item_intern(s, (const char *) r.p, ilen, &is_new);
		if (!is_new)
		{
			bad = "an item appears twice";
			goto fail;
		}
		r.p += ilen;
		r.left -= ilen;
	}
	if (!get_u64(&r, &baskets) || !get_u32(&r, &nnodes))
	{
		bad = "the state is truncated before its tree";
		goto fail;
	}
	if (baskets > (uint64_t) INT64_MAX)
	{
		bad = "negative basket count";
		goto fail;
	}
	if (nnodes >= REC_MAX_COUNT || nnodes != r.left / 16 || r.left % 16 != 0)
	{
		bad = "the node count does not match the state's length";
		goto fail;
	}
	s->nodes[0].count = (int64_t) baskets;
	for (i = 0; i < nnodes; i++)
	{
		uint32_t	parent = 0,
					item = 0;
		uint64_t	count = 0;
		bool		is_new;
		int32_t		nd;

		get_u32(&r, &parent);
		get_u32(&r, &item);
		get_u64(&r, &count);
		if (parent > i)
		{
			bad = "a node's parent does not precede it";
			goto fail;
		}
		if (item >= nitems || (int32_t) item <= s->nodes[parent].item)
		{
			bad = "a node's item is unknown or does not ascend along its path";
			goto fail;
		}
		if (count == 0 || count > (uint64_t) INT64_MAX)
		{
			bad = "a node's count is not positive";
			goto fail;
		}
		nd = child_get(s, (int32_t) parent, (int32_t) item, true, &is_new);
		if (!is_new)
		{
			bad = "two children of a node have the same item";
			goto fail;
		}
		s->nodes[nd].count = (int64_t) count;
	}
	/* no node counts fewer baskets than its children together */
	childsum = cxm_alloc(alloc, sizeof(int64_t) * (size_t) s->nnodes);
	for (i = (uint32_t) s->nnodes - 1; i >= 1; i--)
	{
		const RecNode *nd = &s->nodes[i];

		if (childsum[i] > nd->count || childsum[nd->parent] > INT64_MAX - nd->count)
		{
			bad = "a node counts fewer baskets than its children";
			goto fail;
		}
		childsum[nd->parent] += nd->count;
	}
	if (childsum[0] > s->nodes[0].count)
	{
		bad = "the basket count is below the baskets in the tree";
		goto fail;
	}
	cxm_free(alloc, childsum);
	*out = s;
	return CXM_OK;

fail:
	if (childsum)
		cxm_free(alloc, childsum);
	rec_state_free(s);
	set_msg(msg, msglen, "%s", bad);
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

/* the FP-tree of a set of weighted rank paths over ranks 0..nitems-1 */
static void
tree_build(const CxmAlloc *alloc, PathSet *ps, int32_t nitems, int32_t maxlen, FpTree *t)
{
	size_t	   *order = cxm_alloc(alloc, sizeof(size_t) * (ps->npath + 1));
	int32_t    *stack = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) maxlen + 1));
	size_t		i,
				prev = 0;
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
		if (!itemset_add(m, set, plen + 1, t->icount[r]))
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

CxmStatus
rec_rules(const RecState *s, const CxmAlloc *alloc, RecRule **out,
		  int64_t *nrules, RecTick tick, void *tick_arg,
		  char *msg, size_t msglen)
{
	int64_t		nb = s->nodes[0].count;
	int64_t    *icount = NULL,
			   *ends = NULL;
	int32_t    *rank = NULL,
			   *byrank = NULL,
			   *path = NULL,
			   *gl = NULL,
			   *sub = NULL;
	int32_t		nfreq = 0,
				i,
				maxdepth = 0;
	PathSet		ps;
	FpTree		t;
	Miner		m;
	int64_t		k,
				nr = 0,
				nante = 0;
	RecRule    *rules = NULL;
	int32_t    *arena = NULL;
	int			pass;
	CxmStatus	st = CXM_OK;

	*out = NULL;
	*nrules = 0;
	if (nb <= 0)
		return CXM_OK;
	memset(&m, 0, sizeof(m));
	m.alloc = alloc;
	m.minc = min_count(s->min_support, nb);
	m.max_length = s->max_length;
	m.tick = tick;
	m.tick_arg = tick_arg;

	/* 1. item counts, frequent items ranked by count */
	icount = cxm_alloc(alloc, sizeof(int64_t) * ((size_t) s->nitems + 1));
	for (i = 1; i < s->nnodes; i++)
		icount[s->nodes[i].item] += s->nodes[i].count;
	byrank = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) s->nitems + 1));
	rank = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) s->nitems + 1));
	for (i = 0; i < s->nitems; i++)
	{
		rank[i] = -1;
		if (icount[i] >= m.minc)
			byrank[nfreq++] = i;
	}
	sort_state_ctx = s;
	sort_count_ctx = icount;
	qsort(byrank, (size_t) nfreq, sizeof(int32_t), id_count_cmp);
	sort_count_ctx = NULL;
	for (i = 0; i < nfreq; i++)
		rank[byrank[i]] = i;

	/* 2. the FP-tree of the frequent items */
	ends = node_ends(s, alloc);
	{
		int32_t    *depth = cxm_alloc(alloc, sizeof(int32_t) * (size_t) s->nnodes);

		for (i = 1; i < s->nnodes; i++)
		{
			depth[i] = depth[s->nodes[i].parent] + 1;
			if (depth[i] > maxdepth)
				maxdepth = depth[i];
		}
		cxm_free(alloc, depth);
	}
	path = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) maxdepth + 1));
	paths_init(alloc, &ps);
	for (i = 1; i < s->nnodes && nfreq > 0; i++)
	{
		int32_t		n = 0,
					nd;

		if (ends[i] <= 0)
			continue;
		for (nd = i; nd > 0; nd = s->nodes[nd].parent)
			if (rank[s->nodes[nd].item] >= 0)
				path[n++] = rank[s->nodes[nd].item];
		if (n == 0)
			continue;
		n = sort_unique(path, n);
		paths_add(alloc, &ps, path, n, ends[i]);
	}
	cxm_free(alloc, ends);
	ends = NULL;
	tree_build(alloc, &ps, nfreq, nfreq, &t);
	paths_free(alloc, &ps);

	/* 3. FP-growth */
	m.t.cap = 64;
	m.t.off = cxm_alloc(alloc, sizeof(size_t) * (size_t) m.t.cap);
	m.t.len = cxm_alloc(alloc, sizeof(int32_t) * (size_t) m.t.cap);
	m.t.count = cxm_alloc(alloc, sizeof(int64_t) * (size_t) m.t.cap);
	m.t.caparena = 256;
	m.t.arena = cxm_alloc(alloc, sizeof(int32_t) * m.t.caparena);
	m.t.mask = 255;
	m.t.slot = cxm_alloc(alloc, sizeof(int64_t) * (size_t) (m.t.mask + 1));
	gl = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) nfreq + 1));
	for (i = 0; i < nfreq; i++)
		gl[i] = i;
	mine(&m, &t, gl, NULL, 0);
	tree_free(alloc, &t);
	if (m.too_many)
	{
		set_msg(msg, msglen, "%s", "assoc_rules: more than " REC_STR(REC_MAX_ITEMSETS)
				" frequent itemsets; raise min_support or lower max_length");
		st = CXM_ERANGE;
		goto done;
	}

	/* 4. rules: each item of an itemset of 2 or more as the consequent */
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
	cxm_free(alloc, path);
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
