/*
 * rowlog_core.c
 *	  The shared row log of rowlog_core.h: appends into one array that
 *	  doubles, and an in-place most-significant-digit radix sort by slot.
 *
 * Grouping is an American flag sort: each level counts its digit, then
 * moves every entry straight into its bucket by cycles of swaps, and
 * recurses into the buckets.  Digits are at most ROWLOG_DIGIT_BITS wide and
 * the top digit takes the high bits, so with 100,000 slots the first level
 * makes 512 buckets of about 200 slots and the second level sorts each
 * bucket while it sits in the CPU cache.  Buckets of a few entries finish
 * with an insertion sort.  Nothing but the entries themselves is written,
 * so grouping touches no fresh memory.
 */
#include <string.h>

#include "rowlog_core.h"

#define ROWLOG_FIRST_CAP	1024	/* entries: 16 kB */
#define ROWLOG_DIGIT_BITS	10
#define ROWLOG_SMALL		32

RowLog *
rowlog_create(CxmAlloc alloc, RowLogRealloc realloc)
{
	RowLog	   *log = cxm_alloc(&alloc, sizeof(RowLog));

	memset(log, 0, sizeof(RowLog));
	log->e = NULL;
	log->n = 0;
	log->cap = 0;
	log->indexed = true;
	log->nslots = 0;
	log->start = NULL;
	log->nstart = 0;
	log->realloc = realloc;
	log->alloc = alloc;
	log->user = NULL;
	log->user_cap = 0;
	log->records = false;
	log->rec_block = NULL;
	log->rec_raw = NULL;
	log->rec_nblocks = 0;
	log->rec_capblocks = 0;
	log->rec_map = NULL;
	log->rec_map_mask = 0;
	log->rec_map_n = 0;
	return log;
}

void
rowlog_use_records(RowLog *log)
{
	log->records = true;
}

void
rowlog_destroy(RowLog *log)
{
	if (log->e != NULL)
		cxm_free(&log->alloc, log->e);
	if (log->start != NULL)
		cxm_free(&log->alloc, log->start);
	if (log->user != NULL)
		cxm_free(&log->alloc, log->user);
	while (log->rec_nblocks > 0)
		cxm_free(&log->alloc, log->rec_raw[--log->rec_nblocks]);
	if (log->rec_block != NULL)
	{
		cxm_free(&log->alloc, log->rec_block);
		cxm_free(&log->alloc, log->rec_raw);
	}
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

/* the block of records starting at slot `first` */
static void
rec_add_block(RowLog *log, uint32_t first)
{
	size_t		bytes = (size_t) ROWLOG_REC_PER_BLOCK << ROWLOG_REC_SHIFT;
	void	   *raw;
	uintptr_t	start,
				base;
	RowLogRecWindow *w;

	if (log->rec_nblocks == log->rec_capblocks)
	{
		uint32_t	cap = log->rec_capblocks > 0 ? log->rec_capblocks * 2 : 16;
		char	  **blocks = cxm_alloc(&log->alloc, cap * sizeof(char *));
		void	  **raws = cxm_alloc(&log->alloc, cap * sizeof(void *));

		if (log->rec_nblocks > 0)
		{
			memcpy(blocks, log->rec_block, log->rec_nblocks * sizeof(char *));
			memcpy(raws, log->rec_raw, log->rec_nblocks * sizeof(void *));
			cxm_free(&log->alloc, log->rec_block);
			cxm_free(&log->alloc, log->rec_raw);
		}
		log->rec_block = blocks;
		log->rec_raw = raws;
		log->rec_capblocks = cap;
	}
	raw = cxm_alloc(&log->alloc, bytes + ROWLOG_REC_SIZE);
	start = ((uintptr_t) raw + ROWLOG_REC_SIZE - 1) & ~(uintptr_t) (ROWLOG_REC_SIZE - 1);
	base = start - ((uintptr_t) first << ROWLOG_REC_SHIFT);
	log->rec_raw[log->rec_nblocks] = raw;
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
}

CxmStatus
rowlog_new_slot(RowLog *log, uint32_t *slot)
{
	if (log->nslots == UINT32_MAX)
		return CXM_ERANGE;
	if (log->records && (log->nslots & (ROWLOG_REC_PER_BLOCK - 1)) == 0)
		rec_add_block(log, log->nslots);
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
rowlog_reserve(RowLog *log, size_t n)
{
	if (n <= log->cap)
		return CXM_OK;
	if (n > SIZE_MAX / sizeof(RowLogEntry))
		return CXM_ERANGE;
	log->e = log->realloc(log->alloc.ctx, log->e, n * sizeof(RowLogEntry));
	log->cap = n;
	return CXM_OK;
}

CxmStatus
rowlog_grow(RowLog *log)
{
	size_t		cap = log->cap > 0 ? log->cap * 2 : ROWLOG_FIRST_CAP;

	if (cap < log->cap || cap > SIZE_MAX / sizeof(RowLogEntry))
		return CXM_ERANGE;
	log->e = log->realloc(log->alloc.ctx, log->e, cap * sizeof(RowLogEntry));
	log->cap = cap;
	return CXM_OK;
}

static void
insertion_by_slot(RowLogEntry *a, size_t n)
{
	size_t		i,
				j;

	for (i = 1; i < n; i++)
	{
		RowLogEntry x = a[i];

		for (j = i; j > 0 && a[j - 1].slot > x.slot; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/*
 * Sort a[0..n) by the low `bits` bits of slot (the higher ones are equal).
 * scratch holds 2 << ROWLOG_DIGIT_BITS counters per remaining level.
 */
static void
msd_sort(RowLogEntry *a, size_t n, uint32_t bits, size_t *scratch)
{
	uint32_t	levels,
				width,
				shift,
				mask;
	size_t		nb,
				b,
				i,
				sum;
	size_t	   *next = scratch;
	size_t	   *end = scratch + ((size_t) 1 << ROWLOG_DIGIT_BITS);

	if (bits == 0 || n < 2)
		return;
	if (n <= ROWLOG_SMALL)
	{
		insertion_by_slot(a, n);
		return;
	}
	levels = (bits + ROWLOG_DIGIT_BITS - 1) / ROWLOG_DIGIT_BITS;
	width = (bits + levels - 1) / levels;
	shift = bits - width;
	nb = (size_t) 1 << width;
	mask = (uint32_t) (nb - 1);

	memset(end, 0, nb * sizeof(size_t));
	for (i = 0; i < n; i++)
		end[(a[i].slot >> shift) & mask]++;
	sum = 0;
	for (b = 0; b < nb; b++)
	{
		next[b] = sum;
		sum += end[b];
		end[b] = sum;
	}

	/* cycles of swaps: each entry is written once, into its bucket */
	for (b = 0; b < nb; b++)
	{
		while (next[b] < end[b])
		{
			RowLogEntry x = a[next[b]];
			uint32_t	d = (x.slot >> shift) & mask;

			while (d != b)
			{
				RowLogEntry y = a[next[d]];

				a[next[d]++] = x;
				x = y;
				d = (x.slot >> shift) & mask;
			}
			a[next[b]++] = x;
		}
	}

	if (shift == 0)
		return;
	/* end[b] is now the end of bucket b, which starts at end[b - 1] */
	sum = 0;
	for (b = 0; b < nb; b++)
	{
		size_t		stop = end[b];

		msd_sort(a + sum, stop - sum, shift, scratch + ((size_t) 2 << ROWLOG_DIGIT_BITS));
		sum = stop;
	}
}

void
rowlog_index(RowLog *log)
{
	uint32_t	bits = 0,
				levels,
				s;
	size_t		i;
	size_t	   *scratch;

	if (log->indexed)
		return;
	while (bits < 32 && (uint32_t) (log->nslots > 0 ? log->nslots - 1 : 0) >> bits != 0)
		bits++;
	levels = bits == 0 ? 1 : (bits + ROWLOG_DIGIT_BITS - 1) / ROWLOG_DIGIT_BITS;
	scratch = cxm_alloc(&log->alloc, (size_t) levels * (2 << ROWLOG_DIGIT_BITS) * sizeof(size_t));
	msd_sort(log->e, log->n, bits, scratch);
	cxm_free(&log->alloc, scratch);

	/* each slot's first entry; empty slots get an empty range */
	if (log->start != NULL && log->nstart < log->nslots)
	{
		cxm_free(&log->alloc, log->start);
		log->start = NULL;
	}
	if (log->start == NULL)
		log->start = cxm_alloc(&log->alloc, ((size_t) log->nslots + 1) * sizeof(size_t));
	i = 0;
	for (s = 0; s < log->nslots; s++)
	{
		log->start[s] = i;
		while (i < log->n && log->e[i].slot == s)
			i++;
	}
	log->start[log->nslots] = i;
	log->nstart = log->nslots;
	log->indexed = true;

	/*
	 * The groups are read back next, one final call each, in an order
	 * unrelated to their slots, and each read starts with its record:
	 * bring them into the caches now, in one sequential sweep, rather than
	 * a memory access per group later.
	 */
	if (log->records)
	{
		uint32_t	b;

		for (b = 0; b < log->rec_nblocks; b++)
		{
			uint32_t	n = log->nslots - b * ROWLOG_REC_PER_BLOCK;
			uint32_t	k;

			if (n > ROWLOG_REC_PER_BLOCK)
				n = ROWLOG_REC_PER_BLOCK;
			for (k = 0; k < n; k++)
				__builtin_prefetch(log->rec_block[b] + ((size_t) k << ROWLOG_REC_SHIFT));
		}
	}
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
