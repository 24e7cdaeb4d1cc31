/*
 * test_rowlog.c
 *	  Unit tests of rowlog_core.c (the shared row log of hash aggregation)
 *	  and of journey_core.c's touchpoint dictionary: grouping against a
 *	  qsort reference for few to millions of slots (groups across blocks
 *	  and buckets), appends and new slots after grouping, empty logs and
 *	  slots, slabs hinted for huge pages (their runs and spare pieces), and
 *	  interning.
 */
#include <stdint.h>

#include "unit.h"
#include "journey_core.h"
#include "rowlog_core.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static void *
test_realloc(void *ctx, void *ptr, size_t size)
{
	void	   *p = realloc(ptr, size);

	(void) ctx;
	if (p == NULL)
		abort();
	return p;
}

static int
entry_cmp(const void *a, const void *b)
{
	const RowLogEntry *x = a;
	const RowLogEntry *y = b;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->val != y->val)
		return x->val < y->val ? -1 : 1;
	return 0;
}

/*
 * Does the indexed log hold exactly ref[0..n) (sorted by entry_cmp), each
 * slot's entries in its range?
 */
static int
log_matches(RowLog *log, RowLogEntry *ref, size_t n)
{
	uint32_t	s;
	size_t		pos = 0;
	int			ok = 1;

	qsort(ref, n, sizeof(RowLogEntry), entry_cmp);
	for (s = 0; s < log->nslots && ok; s++)
	{
		size_t		k,
					cnt;
		RowLogEntry *copy = malloc((rowlog_group_size(log, s) + 1) * sizeof(RowLogEntry));
		const RowLogEntry *g;

		cnt = rowlog_group_size(log, s);
		g = rowlog_group(log, s, copy);
		if (g != copy)
			memcpy(copy, g, cnt * sizeof(RowLogEntry));
		qsort(copy, cnt, sizeof(RowLogEntry), entry_cmp);
		for (k = 0; k < cnt; k++)
			if (pos + k >= n || entry_cmp(&copy[k], &ref[pos + k]) != 0 || copy[k].slot != s)
				ok = 0;
		pos += cnt;
		free(copy);
	}
	return ok && pos == n;
}

/* n random entries over nslots slots, grouped, against the reference */
static void
check_random(uint32_t nslots, size_t n, CxmAlloc alloc)
{
	RowLog	   *log = rowlog_create(alloc, test_realloc);
	RowLogEntry *ref = malloc((n + 1) * sizeof(RowLogEntry));
	size_t		i;
	uint32_t	s;

	for (s = 0; s < nslots; s++)
	{
		uint32_t	got;

		CHECK(rowlog_new_slot(log, &got) == CXM_OK && got == s);
	}
	for (i = 0; i < n; i++)
	{
		ref[i].slot = (uint32_t) (rnd() % nslots);
		ref[i].val = (uint32_t) rnd();
		ref[i].ts = (int64_t) (rnd() % 1000) - 500;
		CHECK(rowlog_append(log, ref[i].slot, ref[i].val, ref[i].ts) == CXM_OK);
	}
	rowlog_index(log);
	CHECK(log->n == n);
	CHECK(log_matches(log, ref, n));
	rowlog_destroy(log);
	free(ref);
}

static void
test_group_levels(void)
{
	check_random(1, 1000, unit_allocator);
	check_random(7, 5, unit_allocator);
	check_random(7, 10000, dirty_allocator);
	check_random(255, 50000, dirty_allocator);	/* one slot a bucket */
	check_random(1025, 50000, unit_allocator);
	check_random(100000, 500000, dirty_allocator);
	check_random((1u << 20) + 3, 300000, dirty_allocator);
	check_random((1u << 21) + 1, 600000, dirty_allocator);
}

/* all rows in one slot of many, and slots with no rows at all */
static void
test_skewed_and_empty(void)
{
	RowLog	   *log = rowlog_create(dirty_allocator, test_realloc);
	RowLogEntry ref[3000];
	size_t		i,
				n;
	uint32_t	s;

	rowlog_index(log);			/* nothing at all */
	CHECK(log->n == 0);
	for (i = 0; i < 5000; i++)
		CHECK(rowlog_new_slot(log, &s) == CXM_OK);
	for (i = 0; i < 3000; i++)
	{
		ref[i].slot = i % 10 == 0 ? (uint32_t) (rnd() % 5000) : 4321;
		ref[i].val = (uint32_t) i;
		ref[i].ts = (int64_t) (rnd() % 7);
		CHECK(rowlog_append(log, ref[i].slot, ref[i].val, ref[i].ts) == CXM_OK);
	}
	rowlog_index(log);
	CHECK(log_matches(log, ref, 3000));
	n = rowlog_group_size(log, 4321);
	CHECK(n >= 2700);
	rowlog_destroy(log);
}

/* rows and slots added after grouping: the next grouping covers them all */
static void
test_append_after_index(void)
{
	RowLog	   *log = rowlog_create(unit_allocator, test_realloc);
	RowLogEntry *ref = malloc(40000 * sizeof(RowLogEntry));
	size_t		n = 0,
				round,
				i,
				cnt;
	uint32_t	s;

	for (round = 0; round < 4; round++)
	{
		for (i = 0; i < 700; i++)
			CHECK(rowlog_new_slot(log, &s) == CXM_OK);
		for (i = 0; i < 10000; i++, n++)
		{
			ref[n].slot = (uint32_t) (rnd() % log->nslots);
			ref[n].val = (uint32_t) n;
			ref[n].ts = (int64_t) rnd();
			CHECK(rowlog_append(log, ref[n].slot, ref[n].val, ref[n].ts) == CXM_OK);
		}
		rowlog_index(log);
		rowlog_index(log);		/* nothing changed: nothing to do */
		{
			RowLogEntry *copy = malloc(n * sizeof(RowLogEntry));

			memcpy(copy, ref, n * sizeof(RowLogEntry));
			CHECK(log_matches(log, copy, n));
			free(copy);
		}
	}
	/* a slot created after the last grouping, then grouped: empty */
	CHECK(rowlog_new_slot(log, &s) == CXM_OK);
	CHECK(!log->indexed);
	rowlog_index(log);
	cnt = rowlog_group_size(log, s);
	CHECK(cnt == 0);
	rowlog_destroy(log);
	free(ref);
}

static void
test_dict(void)
{
	JPathDict  *d = jpath_dict_create(dirty_allocator);
	char		buf[32];
	uint32_t	id,
				id2,
				i;
	static const char nul2[] = {'a', '\0', 'b'};

	CHECK(jpath_dict_intern(d, "", 0, &id) == CXM_OK && id == 0);
	CHECK(jpath_dict_intern(d, "ad", 2, &id) == CXM_OK && id == 1);
	CHECK(jpath_dict_intern(d, "", 0, &id2) == CXM_OK && id2 == 0);
	CHECK(jpath_dict_intern(d, "ad", 2, &id2) == CXM_OK && id2 == 1);
	CHECK(jpath_dict_intern(d, "a", 1, &id2) == CXM_OK && id2 == 2);
	CHECK(jpath_dict_intern(d, nul2, 3, &id2) == CXM_OK && id2 == 3);
	CHECK(jpath_dict_intern(d, nul2, 1, &id2) == CXM_OK && id2 == 2);
	/* enough strings to grow the table several times; ids stay dense and stable */
	for (i = 0; i < 20000; i++)
	{
		int			len = snprintf(buf, sizeof(buf), "tp-%u", i);

		CHECK(jpath_dict_intern(d, buf, (size_t) len, &id) == CXM_OK && id == 4 + i);
	}
	for (i = 0; i < 20000; i += 7)
	{
		int			len = snprintf(buf, sizeof(buf), "tp-%u", i);
		const JPathDictStr *e = jpath_dict_get(d, 4 + i);

		CHECK(jpath_dict_intern(d, buf, (size_t) len, &id) == CXM_OK && id == 4 + i);
		CHECK(e->len == (uint32_t) len && memcmp(e->s, buf, (size_t) len) == 0);
	}
	CHECK(jpath_dict_get(d, 3)->len == 3 && memcmp(jpath_dict_get(d, 3)->s, nul2, 3) == 0);
	CHECK(jpath_dict_get(d, 0)->len == 0);
	CHECK(d->n == 20004);
	jpath_dict_destroy(d);
}

/* a string longer than a chunk gets a chunk of its own */
static void
test_dict_long(void)
{
	JPathDict  *d = jpath_dict_create(unit_allocator);
	size_t		len = 100000;
	char	   *s = malloc(len);
	uint32_t	id;

	memset(s, 'x', len);
	CHECK(jpath_dict_intern(d, "short", 5, &id) == CXM_OK && id == 0);
	CHECK(jpath_dict_intern(d, s, len, &id) == CXM_OK && id == 1);
	CHECK(jpath_dict_intern(d, "after", 5, &id) == CXM_OK && id == 2);
	CHECK(jpath_dict_get(d, 1)->len == len && memcmp(jpath_dict_get(d, 1)->s, s, len) == 0);
	CHECK(memcmp(jpath_dict_get(d, 0)->s, "short", 5) == 0);
	CHECK(memcmp(jpath_dict_get(d, 2)->s, "after", 5) == 0);
	CHECK(jpath_dict_intern(d, s, JPATH_MAX_OUT_BYTES + 1, &id) == CXM_ERANGE);
	jpath_dict_destroy(d);
	free(s);
}

/* the in-place sort of refs the final function uses (ties by bytes) */
static void
test_sort_refs(void)
{
	static const char *names[] = {"", "a", "ab", "b", "\xff"};
	JPathRef	r[500];
	size_t		i;
	int			ok = 1;

	for (i = 0; i < 500; i++)
	{
		r[i].ts = (int64_t) (rnd() % 20);
		r[i].s = names[rnd() % 5];
		r[i].len = strlen(r[i].s);
	}
	jpath_sort_refs(r, 500, &unit_allocator);
	for (i = 1; i < 500; i++)
		if (jpath_key_cmp(r[i - 1].ts, r[i - 1].s, r[i - 1].len, r[i].ts, r[i].s, r[i].len) > 0)
			ok = 0;
	CHECK(ok);
}

/* byte-order ranks of the dictionary, and the (ts, key) sort of entries */
static void
test_ranks_and_entry_sort(void)
{
	JPathDict  *d = jpath_dict_create(dirty_allocator);
	static const char *names[] = {"web", "", "ad", "\xff", "a", "ad\xff", "B", "ab"};
	static const uint32_t want[] = {6, 0, 4, 7, 2, 5, 1, 3};
	const uint32_t *rank;
	uint32_t	i,
				id;
	RowLogEntry e[300],
				tmp[300];
	int			ok = 1;

	for (i = 0; i < 8; i++)
		CHECK(jpath_dict_intern(d, names[i], strlen(names[i]), &id) == CXM_OK && id == i);
	rank = jpath_dict_ranks(d);
	for (i = 0; i < 8; i++)
		CHECK(rank[i] == want[i]);
	CHECK(jpath_dict_intern(d, "aa", 2, &id) == CXM_OK && id == 8);
	rank = jpath_dict_ranks(d);	/* a new string: ranked again */
	CHECK(rank[8] == 3 && rank[2] == 5 && rank[0] == 7 && rank[3] == 8);

	for (i = 0; i < 300; i++)
	{
		e[i].ts = (int64_t) (rnd() % 40);
		e[i].slot = (uint32_t) (rnd() % 5);
		e[i].val = i;
	}
	rowlog_sort_ts_key(e, 300, tmp);
	for (i = 1; i < 300; i++)
		if (e[i - 1].ts > e[i].ts || (e[i - 1].ts == e[i].ts && e[i - 1].slot > e[i].slot))
			ok = 0;
	CHECK(ok);
	rowlog_sort_ts_key(e, 10, NULL);	/* short: no buffer needed */
	jpath_dict_destroy(d);
}

/*
 * Per-slot records: aligned, disjoint, stable while slots are added, and
 * each address inside one maps back to its slot; the per-slot bits.
 */
static void
check_records(uint32_t nslots, CxmAlloc alloc)
{
	RowLog	   *log = rowlog_create(alloc, test_realloc);
	uint32_t	s,
				got;
	int			ok = 1,
				stack_var = 0;

	rowlog_use_records(log);
	for (s = 0; s < nslots; s++)
	{
		uint32_t   *rec;

		CHECK(rowlog_new_slot(log, &got) == CXM_OK && got == s);
		rec = rowlog_record(log, s);
		if (((uintptr_t) rec & (ROWLOG_REC_SIZE - 1)) != 0)
			ok = 0;
		memset(rec, 0xAB, ROWLOG_REC_SIZE);
		rec[0] = s;
		rec[ROWLOG_REC_SIZE / 4 - 1] = ~s;
		if (s % 3 == 0)
			rowlog_set_user(log, s, (uint16_t) (s % 0x7FFF) | (s % 2 ? ROWLOG_USER_OWN : 0));
	}
	for (s = 0; s < nslots; s++)
	{
		const char *rec = rowlog_record(log, s);
		uint16_t	want = s % 3 == 0 ? (uint16_t) ((s % 0x7FFF) | (s % 2 ? ROWLOG_USER_OWN : 0)) : 0;

		if (((const uint32_t *) rec)[0] != s ||
			((const uint32_t *) rec)[ROWLOG_REC_SIZE / 4 - 1] != ~s ||
			rowlog_record_slot(log, rec) != s ||
			rowlog_record_slot(log, rec + 24) != s ||
			rowlog_record_slot(log, rec + ROWLOG_REC_SIZE - 1) != s ||
			rowlog_user(log, s) != want)
			ok = 0;
	}
	CHECK(ok);
	CHECK(rowlog_record_slot(log, &stack_var) == UINT32_MAX);
	rowlog_destroy(log);
}

static void
test_records(void)
{
	check_records(1, unit_allocator);
	check_records(ROWLOG_REC_PER_BLOCK, dirty_allocator);
	check_records(ROWLOG_REC_PER_BLOCK + 1, unit_allocator);
	check_records(100000, dirty_allocator);
}

/* the runs hinted for huge pages, and the allocations of test_realloc_seen */
static struct
{
	uintptr_t	start[64];
	size_t		len[64];
	int			n;
}			hinted;

static struct
{
	uintptr_t	start[256];
	size_t		len[256];
	int			n;
}			seen;

/* bucket blocks of the last check_hinted outside every hinted run */
static size_t outside_runs;

static void
test_hint(void *p, size_t len)
{
	if (hinted.n < 64)
	{
		hinted.start[hinted.n] = (uintptr_t) p;
		hinted.len[hinted.n] = len;
	}
	hinted.n++;
}

static void *
test_realloc_seen(void *ctx, void *ptr, size_t size)
{
	void	   *p = test_realloc(ctx, ptr, size);

	if (ptr == NULL && seen.n < 256)
	{
		seen.start[seen.n] = (uintptr_t) p;
		seen.len[seen.n] = size;
		seen.n++;
	}
	return p;
}

/* does [p, p + len) lie in one slab of the log? */
static int
in_slab(const RowLog *log, uintptr_t p, size_t len)
{
	uint32_t	i;
	int			k;

	for (i = 0; i < log->nslabs; i++)
		for (k = 0; k < seen.n && k < 256; k++)
			if (seen.start[k] == (uintptr_t) log->slabs[i] &&
				p >= seen.start[k] && p + len <= seen.start[k] + seen.len[k])
				return 1;
	return 0;
}

/*
 * Slabs hinted for huge pages: each hinted run is whole, aligned huge pages
 * inside a slab; with a reserve short of the rows, the spare pieces and
 * then new slabs take the rest; every bucket block and record block lies
 * inside a slab, the records work, and grouping is right.
 */
static void
check_hinted(size_t n, size_t reserve, uint32_t nslots)
{
	RowLog	   *log = rowlog_create(dirty_allocator, test_realloc_seen);
	RowLogEntry *ref = malloc(n * sizeof(RowLogEntry));
	uint32_t	s,
				got,
				b,
				j;
	size_t		i;
	int			ok = 1,
				k;

	memset(&hinted, 0, sizeof(hinted));
	memset(&seen, 0, sizeof(seen));
	outside_runs = 0;
	rowlog_use_records(log);
	rowlog_use_hint(log, test_hint);
	CHECK(rowlog_reserve(log, reserve, nslots) == CXM_OK);
	for (s = 0; s < nslots; s++)
	{
		CHECK(rowlog_new_slot(log, &got) == CXM_OK && got == s);
		*(uint32_t *) rowlog_record(log, s) = s;
	}
	for (i = 0; i < n; i++)
	{
		ref[i].slot = (uint32_t) (rnd() % nslots);
		ref[i].val = (uint32_t) rnd();
		ref[i].ts = (int64_t) (rnd() % 100000);
		CHECK(rowlog_append(log, ref[i].slot, ref[i].val, ref[i].ts) == CXM_OK);
	}
	CHECK(hinted.n >= 1 && hinted.n <= 64 && seen.n < 256);
	for (k = 0; k < hinted.n && k < 64; k++)
		if ((hinted.start[k] & (ROWLOG_HUGE_PAGE - 1)) != 0 ||
			(hinted.len[k] & (ROWLOG_HUGE_PAGE - 1)) != 0 || hinted.len[k] == 0 ||
			!in_slab(log, hinted.start[k], hinted.len[k]))
			ok = 0;
	CHECK(ok);
	for (b = 0; b < ROWLOG_BUCKETS; b++)
		for (j = 0; j < log->bucket[b].nblocks; j++)
		{
			size_t		size = j < ROWLOG_BLOCK_MAX_SHIFT - ROWLOG_BLOCK_FIRST_SHIFT
				? ROWLOG_BLOCK_FIRST << j : ROWLOG_BLOCK_MAX;

			uintptr_t	p = (uintptr_t) log->bucket[b].blocks[j];
			int			in_run = 0;

			if (!in_slab(log, p, size * sizeof(RowLogEntry)))
				ok = 0;
			for (k = 0; k < hinted.n && k < 64; k++)
				if (p >= hinted.start[k] && p < hinted.start[k] + hinted.len[k])
					in_run = 1;
			outside_runs += !in_run;
		}
	CHECK(ok);
	for (j = 0; j < log->rec_nblocks; j++)
		if (!in_slab(log, (uintptr_t) log->rec_block[j],
					 (size_t) ROWLOG_REC_PER_BLOCK << ROWLOG_REC_SHIFT))
			ok = 0;
	for (s = 0; s < nslots; s++)
		if (*(uint32_t *) rowlog_record(log, s) != s ||
			rowlog_record_slot(log, (char *) rowlog_record(log, s) + 5) != s)
			ok = 0;
	CHECK(ok);
	rowlog_index(log);
	CHECK(log->n == n);
	CHECK(log_matches(log, ref, n));
	rowlog_destroy(log);
	free(ref);
}

static void
test_hinted(void)
{
	size_t		big = ROWLOG_HUGE_MIN / sizeof(RowLogEntry);

	/* as reserved: one slab, its run enough */
	check_hinted(big, big + big / 8, 20000);
	CHECK(hinted.n == 1 && outside_runs == 0);
	/* reserved short: spare pieces, then more slabs */
	check_hinted(3 * big, big, 3000);
	CHECK(hinted.n >= 2 && outside_runs > 0);
	/* nothing reserved: small slabs first, hinted from ROWLOG_HUGE_MIN on */
	check_hinted(2 * big, 0, 50000);
}

/* no bits set: none stored; bits set late cover every earlier slot */
static void
test_user_bits(void)
{
	RowLog	   *log = rowlog_create(unit_allocator, test_realloc);
	uint32_t	s,
				i;

	for (i = 0; i < 3000; i++)
		CHECK(rowlog_new_slot(log, &s) == CXM_OK);
	rowlog_set_user(log, 5, 0);
	CHECK(log->user == NULL && rowlog_user(log, 5) == 0);
	rowlog_set_user(log, 2999, 7);
	CHECK(rowlog_user(log, 2999) == 7 && rowlog_user(log, 0) == 0);
	for (i = 0; i < 5000; i++)
		CHECK(rowlog_new_slot(log, &s) == CXM_OK);
	rowlog_set_user(log, s, ROWLOG_USER_OWN);
	CHECK(rowlog_user(log, s) == ROWLOG_USER_OWN && rowlog_user(log, s - 1) == 0);
	CHECK(rowlog_user(log, 2999) == 7);
	rowlog_destroy(log);
}

/*
 * Every group's path built at once (jpath_log_paths_build) against a
 * reference sort of the group's entries by (ts, bytes): nslots slots,
 * n rows, nnames distinct touchpoints (1-, 2- or 4-byte ids), timestamps
 * either near each other or spanning the whole range (the entries' sort
 * instead of packed keys); with records, the word each record gets.
 */
#define PATH_REC_OFF (ROWLOG_REC_SIZE - 8)

static const JPathDict *path_dict;

/* by (slot, ts, touchpoint bytes): what each group's path must be */
static int
path_cmp(const void *a, const void *b)
{
	const RowLogEntry *x = a;
	const RowLogEntry *y = b;
	const JPathDictStr *sx = jpath_dict_get(path_dict, x->val);
	const JPathDictStr *sy = jpath_dict_get(path_dict, y->val);

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return jpath_key_cmp(x->ts, sx->s, sx->len, y->ts, sy->s, sy->len);
}

/* p holds every group's path of ref[0..n) (distinct names: ids compare) */
static int
path_ok(const JPathLogPaths *p, RowLog *log, JPathDict *d, RowLogEntry *ref, size_t n,
		bool records)
{
	uint32_t	s;
	size_t		pos = 0;
	int			ok = 1;

	path_dict = d;
	qsort(ref, n, sizeof(RowLogEntry), path_cmp);
	for (s = 0; s < log->nslots && ok; s++)
	{
		size_t		first,
					cnt = jpath_log_paths_group(p, log, s, &first),
					k;

		if (records)
		{
			uint64_t	w;
			size_t		f2;

			memcpy(&w, (char *) rowlog_record(log, s) + PATH_REC_OFF, sizeof(w));
			if (w == JPATH_PACK_NONE || jpath_log_paths_unpack(w, &f2) != cnt || f2 != first)
				ok = 0;
		}
		for (k = 0; k < cnt; k++)
			if (pos + k >= n || ref[pos + k].slot != s ||
				jpath_log_paths_id(p, first + k) != ref[pos + k].val)
				ok = 0;
		pos += cnt;
	}
	return ok && pos == n;
}

static void
check_paths(uint32_t nslots, size_t n, uint32_t nnames, bool wide, bool records,
			unsigned width)
{
	RowLog	   *log = rowlog_create(dirty_allocator, test_realloc);
	JPathDict  *d = jpath_dict_create(dirty_allocator);
	JPathLogPaths p;
	RowLogEntry *ref = malloc((n + 1) * sizeof(RowLogEntry));
	char		buf[32];
	size_t		i;
	uint32_t	s,
				id;

	memset(&p, 0, sizeof(p));
	if (records)
		rowlog_use_records(log);
	for (i = 0; i < nnames; i++)
	{
		/* names whose byte order differs from their ids' */
		int			len = snprintf(buf, sizeof(buf), "%u-tp", (unsigned) ((i * 7919) % nnames));

		CHECK(jpath_dict_intern(d, buf, (size_t) len, &id) == CXM_OK && id == i);
	}
	for (s = 0; s < nslots; s++)
		CHECK(rowlog_new_slot(log, &id) == CXM_OK);
	for (i = 0; i < n; i++)
	{
		ref[i].slot = (uint32_t) (rnd() % nslots);
		ref[i].val = (uint32_t) (rnd() % nnames);
		/* few distinct times: many ties, ordered by the touchpoint's bytes */
		ref[i].ts = wide && i % 3 == 0 ? (int64_t) rnd() : (int64_t) (rnd() % 50);
		CHECK(rowlog_append(log, ref[i].slot, ref[i].val, ref[i].ts) == CXM_OK);
	}
	rowlog_index(log);
	jpath_log_paths_build(&p, log, d, &dirty_allocator, records ? PATH_REC_OFF : JPATH_NO_REC);
	CHECK(p.width == width);
	CHECK(p.generation == log->generation);
	CHECK(path_ok(&p, log, d, ref, n, records));
	jpath_log_paths_free(&p, &dirty_allocator);
	jpath_dict_destroy(d);
	rowlog_destroy(log);
	free(ref);
}

static void
test_log_paths(void)
{
	check_paths(1, 1, 1, false, false, 1);
	check_paths(1, 2000, 8, false, true, 1);	/* one long group */
	check_paths(100, 0, 8, false, true, 1);	/* slots without rows */
	check_paths(20000, 300000, 8, false, true, 1);
	check_paths(3000, 40000, 256, true, true, 1);
	check_paths(3000, 40000, 257, false, false, 2);
	check_paths(5000, 60000, 70000, true, true, 4);
	check_paths(ROWLOG_REC_PER_BLOCK + 7, 9000, 30, true, true, 1);
}

/* rows after a build: the log is grouped again and the paths rebuilt */
static void
test_log_paths_rebuild(void)
{
	RowLog	   *log = rowlog_create(unit_allocator, test_realloc);
	JPathDict  *d = jpath_dict_create(unit_allocator);
	JPathLogPaths p;
	RowLogEntry ref[6000];
	uint32_t	s,
				id;
	size_t		i,
				n = 0,
				round;
	uint64_t	gen = 0;

	memset(&p, 0, sizeof(p));
	rowlog_use_records(log);
	CHECK(jpath_dict_intern(d, "b", 1, &id) == CXM_OK && id == 0);
	CHECK(jpath_dict_intern(d, "a", 1, &id) == CXM_OK && id == 1);
	for (round = 0; round < 3; round++)
	{
		for (i = 0; i < 300; i++)
			CHECK(rowlog_new_slot(log, &s) == CXM_OK);
		for (i = 0; i < 2000; i++, n++)
		{
			ref[n].slot = (uint32_t) (rnd() % log->nslots);
			ref[n].val = (uint32_t) (rnd() % 2);
			ref[n].ts = (int64_t) (rnd() % 10);
			CHECK(rowlog_append(log, ref[n].slot, ref[n].val, ref[n].ts) == CXM_OK);
		}
		rowlog_index(log);
		CHECK(log->generation != gen);
		gen = log->generation;
		jpath_log_paths_build(&p, log, d, &unit_allocator, PATH_REC_OFF);
		{
			RowLogEntry copy[6000];

			memcpy(copy, ref, n * sizeof(RowLogEntry));
			CHECK(path_ok(&p, log, d, copy, n, true));
		}
	}
	jpath_log_paths_free(&p, &unit_allocator);
	jpath_dict_destroy(d);
	rowlog_destroy(log);
}

/* the packed word of a group, and what does not fit in it */
static void
test_log_paths_pack(void)
{
	size_t		first;

	CHECK(jpath_log_paths_unpack(jpath_log_paths_pack(0, 0), &first) == 0 && first == 0);
	CHECK(jpath_log_paths_unpack(jpath_log_paths_pack(123456789, 77), &first) == 77 &&
		  first == 123456789);
	CHECK(jpath_log_paths_unpack(jpath_log_paths_pack(((size_t) 1 << 40) - 1, (1u << 24) - 2),
								 &first) == (1u << 24) - 2 && first == ((size_t) 1 << 40) - 1);
	CHECK(jpath_log_paths_pack(5, (1u << 24) - 1) == JPATH_PACK_NONE);
	CHECK(jpath_log_paths_pack((size_t) 1 << 40, 1) == JPATH_PACK_NONE);
}

/*
 * Carving from the slabs: nothing before the first slab, then pieces of
 * what is left, which never overlap the entries appended before or after.
 */
static void
test_carve(void)
{
	RowLog	   *log = rowlog_create(dirty_allocator, test_realloc);
	RowLogEntry *ref = malloc(50000 * sizeof(RowLogEntry));
	unsigned char *c1,
			   *c2;
	size_t		i;
	uint32_t	s;

	CHECK(rowlog_carve(log, 10) == NULL);
	CHECK(rowlog_reserve(log, 60000, 100) == CXM_OK);
	for (i = 0; i < 100; i++)
		CHECK(rowlog_new_slot(log, &s) == CXM_OK);
	for (i = 0; i < 25000; i++)
	{
		ref[i].slot = (uint32_t) (rnd() % 100);
		ref[i].val = (uint32_t) i;
		ref[i].ts = (int64_t) rnd();
		CHECK(rowlog_append(log, ref[i].slot, ref[i].val, ref[i].ts) == CXM_OK);
	}
	c1 = rowlog_carve(log, 25000);
	CHECK(c1 != NULL && ((uintptr_t) c1 & (sizeof(RowLogEntry) - 1)) == 0);
	if (c1 != NULL)
		memset(c1, 0x5A, 25000);
	for (; i < 50000; i++)
	{
		ref[i].slot = (uint32_t) (rnd() % 100);
		ref[i].val = (uint32_t) i;
		ref[i].ts = (int64_t) rnd();
		CHECK(rowlog_append(log, ref[i].slot, ref[i].val, ref[i].ts) == CXM_OK);
	}
	/* more than any piece has left: refused, not a new slab */
	CHECK(rowlog_carve(log, (size_t) 1 << 30) == NULL);
	c2 = rowlog_carve(log, 100);
	if (c2 != NULL)
		memset(c2, 0x3C, 100);
	rowlog_index(log);
	CHECK(log_matches(log, ref, 50000));
	for (i = 0; c1 != NULL && i < 25000; i++)
		if (c1[i] != 0x5A)
		{
			CHECK(c1[i] == 0x5A);
			break;
		}
	rowlog_destroy(log);
	free(ref);
}

int
main(void)
{
	RUN(test_group_levels);
	RUN(test_skewed_and_empty);
	RUN(test_append_after_index);
	RUN(test_dict);
	RUN(test_dict_long);
	RUN(test_sort_refs);
	RUN(test_ranks_and_entry_sort);
	RUN(test_records);
	RUN(test_hinted);
	RUN(test_user_bits);
	RUN(test_log_paths);
	RUN(test_log_paths_rebuild);
	RUN(test_log_paths_pack);
	RUN(test_carve);
	return UNIT_DONE();
}
