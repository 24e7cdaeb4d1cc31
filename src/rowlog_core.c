/*
 * rowlog_core.c
 *	  The shared row log of rowlog_core.h: appends into per-bucket chains of
 *	  blocks carved from slabs, and grouping by a counting sort per bucket.
 *
 * A bucket holds the slots b, b + ROWLOG_BUCKETS, b + 2 ROWLOG_BUCKETS, ...:
 * grouping it counts its entries by k = slot / ROWLOG_BUCKETS, moves them in
 * that order into a buffer and copies them back into the bucket's blocks.
 * A bucket of the logs the benches make (millions of rows) is a few hundred
 * kilobytes, so all three passes stay within the CPU caches; the in-place
 * radix sort of one large array that this replaced missed them on nearly
 * every entry (doc/journeys.md, "Performance").
 */
#include <string.h>

#include "rowlog_core.h"

#define ROWLOG_FIRST_SLAB	((size_t) 4096)	/* entries: 64 kB */

RowLog *
rowlog_create(CxmAlloc alloc, RowLogRealloc realloc)
{
	RowLog	   *log = cxm_alloc(&alloc, sizeof(RowLog));

	/* every pointer NULL, every count 0; cursors empty (cur == end) */
	memset(log, 0, sizeof(RowLog));
	log->indexed = true;
	log->realloc = realloc;
	log->alloc = alloc;
	return log;
}

void
rowlog_use_records(RowLog *log)
{
	log->records = true;
}

void
rowlog_use_hint(RowLog *log, RowLogHint hint)
{
	log->hint = hint;
}

void
rowlog_destroy(RowLog *log)
{
	uint32_t	b;

	while (log->nslabs > 0)
		cxm_free(&log->alloc, log->slabs[--log->nslabs]);
	if (log->slabs != NULL)
		cxm_free(&log->alloc, log->slabs);
	for (b = 0; b < ROWLOG_BUCKETS; b++)
		if (log->bucket[b].blocks != NULL)
			cxm_free(&log->alloc, log->bucket[b].blocks);
	if (log->start != NULL)
		cxm_free(&log->alloc, log->start);
	if (log->user != NULL)
		cxm_free(&log->alloc, log->user);
	if (log->rec_block != NULL)
		cxm_free(&log->alloc, log->rec_block);
	if (log->rec_map != NULL)
		cxm_free(&log->alloc, log->rec_map);
	cxm_free(&log->alloc, log);
}

/* the window of key in the map, added (empty) if new; the map has room */
static RowLogRecWindow *
rec_window(RowLogRecWindow *map, uint32_t mask, uintptr_t key, uint32_t *n)
{
	uint32_t	i = rowlog_rec_hash(key, mask);

	while (map[i].key != key)
	{
		if (map[i].key == 0)
		{
			map[i].key = key;
			map[i].bound = UINTPTR_MAX;
			map[i].base_lo = 0;
			map[i].base_hi = 0;
			(*n)++;
			break;
		}
		i = (i + 1) & mask;
	}
	return &map[i];
}

/* room for two more windows in the map, at most half full */
static void
rec_map_reserve(RowLog *log)
{
	uint32_t	size = log->rec_map == NULL ? 0 : log->rec_map_mask + 1;
	uint32_t	newsize,
				i,
				n = 0;
	RowLogRecWindow *map;

	if ((log->rec_map_n + 2) * 2 <= size)
		return;
	newsize = size == 0 ? 64 : size * 2;
	map = cxm_alloc(&log->alloc, newsize * sizeof(RowLogRecWindow));
	memset(map, 0, newsize * sizeof(RowLogRecWindow));
	for (i = 0; i < size; i++)
		if (log->rec_map[i].key != 0)
			*rec_window(map, newsize - 1, log->rec_map[i].key, &n) = log->rec_map[i];
	if (log->rec_map != NULL)
		cxm_free(&log->alloc, log->rec_map);
	log->rec_map = map;
	log->rec_map_mask = newsize - 1;
	log->rec_map_n = n;
}

static CxmStatus slab_room(RowLog *log, size_t need);

/* the entries a block of records takes in a slab, with room to align it */
#define REC_BLOCK_ENTRIES \
	((((size_t) ROWLOG_REC_PER_BLOCK << ROWLOG_REC_SHIFT) + ROWLOG_REC_SIZE) / sizeof(RowLogEntry))

/*
 * The block of records starting at slot `first`, carved from the slabs
 * like the entries' blocks: in huge pages when the slab is hinted, and
 * freed with the slabs.
 */
static CxmStatus
rec_add_block(RowLog *log, uint32_t first)
{
	size_t		bytes = (size_t) ROWLOG_REC_PER_BLOCK << ROWLOG_REC_SHIFT;
	uintptr_t	start,
				base;
	RowLogRecWindow *w;

	if (slab_room(log, REC_BLOCK_ENTRIES) != CXM_OK)
		return CXM_ERANGE;
	if (log->rec_nblocks == log->rec_capblocks)
	{
		uint32_t	cap = log->rec_capblocks > 0 ? log->rec_capblocks * 2 : 16;
		char	  **blocks = cxm_alloc(&log->alloc, cap * sizeof(char *));

		if (log->rec_nblocks > 0)
		{
			memcpy(blocks, log->rec_block, log->rec_nblocks * sizeof(char *));
			cxm_free(&log->alloc, log->rec_block);
		}
		log->rec_block = blocks;
		log->rec_capblocks = cap;
	}
	start = ((uintptr_t) log->slab_pos + ROWLOG_REC_SIZE - 1) & ~(uintptr_t) (ROWLOG_REC_SIZE - 1);
	log->slab_pos += REC_BLOCK_ENTRIES;
	base = start - ((uintptr_t) first << ROWLOG_REC_SHIFT);
	log->rec_block[log->rec_nblocks++] = (char *) start;

	/* the window the block starts in, and the one its tail reaches */
	rec_map_reserve(log);
	w = rec_window(log->rec_map, log->rec_map_mask, start >> ROWLOG_REC_WINDOW_SHIFT,
				   &log->rec_map_n);
	w->bound = start;
	w->base_hi = base;
	if (((start + bytes - 1) >> ROWLOG_REC_WINDOW_SHIFT) != (start >> ROWLOG_REC_WINDOW_SHIFT))
	{
		w = rec_window(log->rec_map, log->rec_map_mask,
					   (start + bytes - 1) >> ROWLOG_REC_WINDOW_SHIFT, &log->rec_map_n);
		w->base_lo = base;
	}
	return CXM_OK;
}

CxmStatus
rowlog_new_slot(RowLog *log, uint32_t *slot)
{
	if (log->nslots == UINT32_MAX)
		return CXM_ERANGE;
	if (log->records && (log->nslots & (ROWLOG_REC_PER_BLOCK - 1)) == 0 &&
		rec_add_block(log, log->nslots) != CXM_OK)
		return CXM_ERANGE;
	if (log->user != NULL && log->nslots == log->user_cap)
	{
		size_t		cap = log->user_cap * 2;

		log->user = log->realloc(log->alloc.ctx, log->user, cap * sizeof(uint16_t));
		memset(log->user + log->user_cap, 0, (cap - log->user_cap) * sizeof(uint16_t));
		log->user_cap = cap;
	}
	*slot = log->nslots++;
	log->indexed = false;
	return CXM_OK;
}

void
rowlog_set_user(RowLog *log, uint32_t slot, uint16_t bits)
{
	if (log->user == NULL)
	{
		size_t		cap = 1024;

		if (bits == 0)
			return;
		while (cap < log->nslots)
			cap *= 2;
		log->user = log->realloc(log->alloc.ctx, NULL, cap * sizeof(uint16_t));
		memset(log->user, 0, cap * sizeof(uint16_t));
		log->user_cap = cap;
	}
	log->user[slot] = bits;
}

CxmStatus
rowlog_reserve(RowLog *log, size_t n, size_t nslots)
{
	size_t		rec = 0;

	if (log->records)
	{
		if (nslots > UINT32_MAX)
			nslots = UINT32_MAX;
		rec = (nslots / ROWLOG_REC_PER_BLOCK + 1) * REC_BLOCK_ENTRIES;
	}
	if (n > SIZE_MAX / sizeof(RowLogEntry) / 4)
		return CXM_ERANGE;
	log->reserve = n + rec;
	return CXM_OK;
}

/* entries of block j of a bucket */
static inline size_t
block_size(uint32_t j)
{
	return j < ROWLOG_BLOCK_MAX_SHIFT - ROWLOG_BLOCK_FIRST_SHIFT
		? ROWLOG_BLOCK_FIRST << j : ROWLOG_BLOCK_MAX;
}

/* entries of a bucket's blocks before block j */
static inline size_t
block_offset(uint32_t j)
{
	const uint32_t d = ROWLOG_BLOCK_MAX_SHIFT - ROWLOG_BLOCK_FIRST_SHIFT;

	if (j <= d)
		return ROWLOG_BLOCK_FIRST * (((size_t) 1 << j) - 1);
	return ROWLOG_BLOCK_FIRST * (((size_t) 1 << d) - 1) + (size_t) (j - d) * ROWLOG_BLOCK_MAX;
}

/* the block holding a bucket's entry at offset off */
static inline uint32_t
block_of(size_t off)
{
	const uint32_t d = ROWLOG_BLOCK_MAX_SHIFT - ROWLOG_BLOCK_FIRST_SHIFT;
	size_t		q = (off >> ROWLOG_BLOCK_FIRST_SHIFT) + 1;	/* >= 1 */
	uint32_t	j;

	if (off >= block_offset(d))
		return d + (uint32_t) ((off - block_offset(d)) >> ROWLOG_BLOCK_MAX_SHIFT);
	for (j = 0; ((size_t) 2 << j) <= q; j++)
		;
	return j;
}

/* arr (n pointers used) with room for one more, doubling *cap from `first` */
static void **
ptrs_room(RowLog *log, void **arr, uint32_t n, uint32_t *cap, uint32_t first)
{
	void	  **p;

	if (n < *cap)
		return arr;
	*cap = *cap > 0 ? *cap * 2 : first;
	p = cxm_alloc(&log->alloc, *cap * sizeof(void *));
	if (n > 0)
	{
		memcpy(p, arr, n * sizeof(void *));
		cxm_free(&log->alloc, arr);
	}
	return p;
}

/*
 * A new slab for at least size entries, hinted for huge pages: the aligned
 * run of whole huge pages (size entries rounded up) becomes the current
 * piece, the head and tail around it the spare pieces.
 */
static void
slab_hinted(RowLog *log, size_t size)
{
	size_t		run = (size * sizeof(RowLogEntry) + ROWLOG_HUGE_PAGE - 1) & ~(ROWLOG_HUGE_PAGE - 1);
	size_t		bytes = run + ROWLOG_HUGE_PAGE;
	char	   *raw = log->realloc(log->alloc.ctx, NULL, bytes);
	uintptr_t	a = ((uintptr_t) raw + ROWLOG_HUGE_PAGE - 1) & ~(uintptr_t) (ROWLOG_HUGE_PAGE - 1);
	uintptr_t	head = ((uintptr_t) raw + sizeof(RowLogEntry) - 1) & ~(uintptr_t) (sizeof(RowLogEntry) - 1);
	uintptr_t	end = (uintptr_t) raw + bytes;

	log->hint((void *) a, run);
	log->slabs[log->nslabs++] = raw;
	log->slab_total += bytes / sizeof(RowLogEntry);
	log->slab_pos = (RowLogEntry *) a;
	log->slab_end = (RowLogEntry *) (a + run);
	log->spare_pos[0] = (RowLogEntry *) head;
	log->spare_end[0] = (RowLogEntry *) a;
	log->spare_pos[1] = (RowLogEntry *) (a + run);
	log->spare_end[1] = (RowLogEntry *) (end - (end - (a + run)) % sizeof(RowLogEntry));
}

/* room for `need` more entries in the current piece of a slab */
static CxmStatus
slab_room(RowLog *log, size_t need)
{
	size_t		size;
	int			i;

	if ((size_t) (log->slab_end - log->slab_pos) >= need)
		return CXM_OK;
	/* a spare piece of a hinted slab, trading places with what is left */
	for (i = 0; i < 2; i++)
		if ((size_t) (log->spare_end[i] - log->spare_pos[i]) >= need)
		{
			RowLogEntry *pos = log->slab_pos,
					   *end = log->slab_end;

			log->slab_pos = log->spare_pos[i];
			log->slab_end = log->spare_end[i];
			log->spare_pos[i] = pos;
			log->spare_end[i] = end;
			return CXM_OK;
		}
	/* the first slab as reserved, then each as large as all before it */
	size = log->nslabs == 0 && log->reserve > 0 ? log->reserve : log->slab_total;
	if (size < ROWLOG_FIRST_SLAB)
		size = ROWLOG_FIRST_SLAB;
	if (size < need)
		size = need;
	if (size > SIZE_MAX / sizeof(RowLogEntry) / 4 - log->slab_total)
		return CXM_ERANGE;
	log->slabs = ptrs_room(log, log->slabs, log->nslabs, &log->capslabs, 8);
	if (log->hint != NULL && size * sizeof(RowLogEntry) >= ROWLOG_HUGE_MIN)
	{
		slab_hinted(log, size);
		return CXM_OK;
	}
	log->slab_pos = log->realloc(log->alloc.ctx, NULL, size * sizeof(RowLogEntry));
	log->slab_end = log->slab_pos + size;
	log->slabs[log->nslabs++] = log->slab_pos;
	log->slab_total += size;
	return CXM_OK;
}

void *
rowlog_carve(RowLog *log, size_t size)
{
	size_t		need = size / sizeof(RowLogEntry) + 1;
	void	   *p;
	int			i;

	if ((size_t) (log->slab_end - log->slab_pos) < need)
	{
		for (i = 0; i < 2; i++)
			if ((size_t) (log->spare_end[i] - log->spare_pos[i]) >= need)
				break;
		if (i == 2)
			return NULL;
		/* slab_room takes the spare piece: no new slab */
		(void) slab_room(log, need);
	}
	p = log->slab_pos;
	log->slab_pos += need;
	return p;
}

CxmStatus
rowlog_new_block(RowLog *log, uint32_t b)
{
	RowLogBucket *bk = &log->bucket[b];
	size_t		size = block_size(bk->nblocks);

	if (bk->nblocks == UINT32_MAX || slab_room(log, size) != CXM_OK)
		return CXM_ERANGE;
	bk->blocks = ptrs_room(log, bk->blocks, bk->nblocks, &bk->capblocks, 16);
	bk->blocks[bk->nblocks++] = log->slab_pos;
	log->cursor[b].cur = log->slab_pos;
	log->cursor[b].end = log->slab_pos + size;
	log->slab_pos += size;
	return CXM_OK;
}

/* the entries of bucket b */
static size_t
bucket_count(const RowLog *log, uint32_t b)
{
	const RowLogBucket *bk = &log->bucket[b];

	if (bk->nblocks == 0)
		return 0;
	return block_offset(bk->nblocks - 1) +
		(size_t) (log->cursor[b].cur - (RowLogEntry *) bk->blocks[bk->nblocks - 1]);
}

/*
 * Group bucket b's n entries by k = slot >> ROWLOG_BUCKET_BITS: st[k] gets
 * the offset of k's first entry, st[nk] = n.  tmp has room for n entries.
 */
static void
group_bucket(RowLog *log, uint32_t b, size_t n, size_t *st, RowLogEntry *tmp)
{
	const RowLogBucket *bk = &log->bucket[b];
	uint32_t	nk = log->nk,
				j,
				k,
				prev = 0;
	size_t		left,
				sum,
				c;
	bool		sorted = true;

	memset(st, 0, ((size_t) nk + 1) * sizeof(size_t));
	/* count each k (in st[k + 1]), noting whether the bucket is grouped already */
	for (j = 0, left = n; left > 0; j++)
	{
		const RowLogEntry *e = (const RowLogEntry *) bk->blocks[j];
		size_t		m = block_size(j) < left ? block_size(j) : left;
		size_t		i;

		for (i = 0; i < m; i++)
		{
			k = e[i].slot >> ROWLOG_BUCKET_BITS;
			st[k + 1]++;
			sorted &= k >= prev;
			prev = k;
		}
		left -= m;
	}
	sum = 0;
	for (k = 0; k < nk; k++)
	{
		c = st[k + 1];
		st[k + 1] = sum;		/* for now: where k's next entry goes */
		sum += c;
	}
	if (sorted)
	{
		for (k = 0; k < nk; k++)
			st[k] = st[k + 1];
		st[nk] = n;
		return;
	}
	/* into tmp in k order (st[k + 1] moves from k's start to its end) */
	for (j = 0, left = n; left > 0; j++)
	{
		const RowLogEntry *e = (const RowLogEntry *) bk->blocks[j];
		size_t		m = block_size(j) < left ? block_size(j) : left;
		size_t		i;

		for (i = 0; i < m; i++)
			tmp[st[(e[i].slot >> ROWLOG_BUCKET_BITS) + 1]++] = e[i];
		left -= m;
	}
	st[0] = 0;
	/* and back */
	for (j = 0, left = n, c = 0; left > 0; j++)
	{
		size_t		m = block_size(j) < left ? block_size(j) : left;

		memcpy(bk->blocks[j], tmp + c, m * sizeof(RowLogEntry));
		c += m;
		left -= m;
	}
}

void
rowlog_index(RowLog *log)
{
	uint32_t	b,
				nk;
	size_t		count[ROWLOG_BUCKETS];
	size_t		most = 0,
				need;
	RowLogEntry *tmp = NULL;

	if (log->indexed)
		return;
	nk = (uint32_t) (((uint64_t) log->nslots + ROWLOG_BUCKETS - 1) >> ROWLOG_BUCKET_BITS);
	need = (size_t) ROWLOG_BUCKETS * ((size_t) nk + 1);
	if (log->start == NULL || log->start_cap < need)
	{
		if (log->start != NULL)
			cxm_free(&log->alloc, log->start);
		log->start = cxm_alloc(&log->alloc, need * sizeof(size_t));
		log->start_cap = need;
	}
	log->nk = nk;
	log->n = 0;
	for (b = 0; b < ROWLOG_BUCKETS; b++)
	{
		count[b] = bucket_count(log, b);
		log->n += count[b];
		if (count[b] > most)
			most = count[b];
	}
	if (most > 0)
		tmp = log->realloc(log->alloc.ctx, NULL, most * sizeof(RowLogEntry));
	for (b = 0; b < ROWLOG_BUCKETS; b++)
		group_bucket(log, b, count[b], log->start + (size_t) b * ((size_t) nk + 1), tmp);
	if (tmp != NULL)
		cxm_free(&log->alloc, tmp);
	log->nstart = log->nslots;
	log->indexed = true;
	log->generation++;

	/*
	 * The groups are read back next, one final call each, in an order
	 * unrelated to their slots, and each read starts with its record:
	 * bring them into the caches now, in one sequential sweep, rather than
	 * a memory access per group later.
	 */
	if (log->records)
	{
		uint32_t	rb;

		for (rb = 0; rb < log->rec_nblocks; rb++)
		{
			uint32_t	n = log->nslots - rb * ROWLOG_REC_PER_BLOCK;
			uint32_t	k;

			if (n > ROWLOG_REC_PER_BLOCK)
				n = ROWLOG_REC_PER_BLOCK;
			for (k = 0; k < n; k++)
				__builtin_prefetch(log->rec_block[rb] + ((size_t) k << ROWLOG_REC_SHIFT));
		}
	}
}

RowLogEntry *
rowlog_group(const RowLog *log, uint32_t slot, RowLogEntry *buf)
{
	const RowLogBucket *bk = &log->bucket[slot & (ROWLOG_BUCKETS - 1)];
	const size_t *st = log->start + (size_t) (slot & (ROWLOG_BUCKETS - 1)) * (log->nk + 1) +
		(slot >> ROWLOG_BUCKET_BITS);
	size_t		off = st[0],
				n = st[1] - st[0],
				done = 0;
	uint32_t	j = block_of(off);

	if (n == 0)
		return buf;
	if (off + n <= block_offset(j) + block_size(j))
		return (RowLogEntry *) bk->blocks[j] + (off - block_offset(j));
	while (done < n)
	{
		size_t		in = off + done - block_offset(j);
		size_t		m = block_size(j) - in;

		if (m > n - done)
			m = n - done;
		memcpy(buf + done, (RowLogEntry *) bk->blocks[j] + in, m * sizeof(RowLogEntry));
		done += m;
		j++;
	}
	return buf;
}

static inline bool
entry_less(const RowLogEntry *a, const RowLogEntry *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->slot < b->slot);
}

#define MSORT_NAME sort_entries
#define MSORT_TYPE RowLogEntry
#define MSORT_LESS(a, b) entry_less(a, b)
#define MSORT_RUN ROWLOG_SORT_RUN
#include "msort_core.h"

void
rowlog_sort_ts_key(RowLogEntry *a, size_t n, RowLogEntry *tmp)
{
	sort_entries(a, n, tmp);
}
