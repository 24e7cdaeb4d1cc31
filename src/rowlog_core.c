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
	return log;
}

void
rowlog_destroy(RowLog *log)
{
	if (log->e != NULL)
		cxm_free(&log->alloc, log->e);
	if (log->start != NULL)
		cxm_free(&log->alloc, log->start);
	cxm_free(&log->alloc, log);
}

CxmStatus
rowlog_new_slot(RowLog *log, uint32_t *slot)
{
	if (log->nslots == UINT32_MAX)
		return CXM_ERANGE;
	*slot = log->nslots++;
	log->indexed = false;
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
