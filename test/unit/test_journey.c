/*
 * test_journey.c
 *	  Unit tests of journey_core.c: the journey_path state against a plain
 *	  qsort reference (any arrival order, ties, duplicates, merges), the
 *	  bounded heap against "the last k of the full sort", its memory bound,
 *	  the serialized-state check, path_collapse and the sessionize gap test.
 */
#include <stdint.h>

#include "unit.h"
#include "journey_core.h"
#include "test_wire.h"

/* a small deterministic generator (xorshift64*) */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static size_t
rnd_below(size_t n)
{
	return (size_t) (rnd() % n);
}


typedef struct Row
{
	int64_t		ts;
	char		s[8];
	size_t		len;
} Row;

static int
row_cmp(const void *a, const void *b)
{
	const Row  *x = a;
	const Row  *y = b;

	return jpath_key_cmp(x->ts, x->s, x->len, y->ts, y->s, y->len);
}

/* touchpoints from a small alphabet: "", "a", "ab", "b", "\xff" ... */
static void
random_row(Row *r, int64_t ts_range)
{
	static const char *names[] = {"", "a", "ab", "abc", "b", "B", "ba", "\xff", "a\xff", "zz"};
	const char *s = names[rnd_below(sizeof(names) / sizeof(names[0]))];

	r->ts = (int64_t) rnd_below((size_t) ts_range) - ts_range / 2;
	r->len = strlen(s);
	memcpy(r->s, s, r->len);
}

/* does the sorted view hold exactly want[0..n)? */
static int
view_equals(const JPathView *v, const Row *want, size_t n)
{
	size_t		i;

	if (v->n != n)
		return 0;
	for (i = 0; i < n; i++)
	{
		const JPathRef *r = &v->refs[i];

		if (r->ts != want[i].ts || r->len != want[i].len ||
			(r->len > 0 && memcmp(r->s, want[i].s, r->len) != 0))
			return 0;
	}
	return 1;
}

/* sort the state and compare it with want[0..n) */
static int
state_equals(JPathState *st, const Row *want, size_t n)
{
	JPathView	v = jpath_sorted(st, &unit_allocator);
	int			ok = view_equals(&v, want, n);

	jpath_view_release(&v, &unit_allocator);
	return ok;
}

/* the steps of a state in storage order, through the iterator */
static size_t
iter_count(const JPathState *st, size_t *bytes)
{
	JPathIter	it;
	int64_t		ts;
	const char *s;
	size_t		len,
				n = 0;

	*bytes = 0;
	jpath_iter_init(st, &it);
	while (jpath_iter_next(st, &it, &ts, &s, &len))
	{
		n++;
		*bytes += len;
	}
	return n;
}

static void
test_key_order(void)
{
	/* ts first, then bytes as COLLATE "C": shorter prefix first, bytes unsigned */
	CHECK(jpath_key_cmp(1, "b", 1, 2, "a", 1) < 0);
	CHECK(jpath_key_cmp(2, "a", 1, 2, "b", 1) < 0);
	CHECK(jpath_key_cmp(2, "a", 1, 2, "ab", 2) < 0);
	CHECK(jpath_key_cmp(2, "", 0, 2, "a", 1) < 0);
	CHECK(jpath_key_cmp(2, "B", 1, 2, "a", 1) < 0);
	CHECK(jpath_key_cmp(2, "z", 1, 2, "\xff", 1) < 0);
	CHECK(jpath_key_cmp(2, "ab", 2, 2, "ab", 2) == 0);
	CHECK(jpath_key_cmp(JPATH_TS_NOBEGIN, "z", 1, 0, "a", 1) < 0);
	CHECK(jpath_key_cmp(JPATH_TS_NOEND, "a", 1, 0, "z", 1) > 0);
}

/* any arrival order gives the sorted path; duplicates are all kept */
static void
test_sort_matches_reference(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 23, 24, 25, 47, 48, 49, 100, 1000, 5000};
	size_t		si;

	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
	{
		size_t		n = sizes[si];
		int			round;

		for (round = 0; round < 4; round++)
		{
			Row		   *rows = calloc(n + 1, sizeof(Row));
			JPathState *st;
			size_t		i;

			for (i = 0; i < n; i++)
				random_row(&rows[i], round == 0 ? 3 : (round == 1 ? 1000000 : 50));
			if (round == 3)		/* arrives already sorted */
				qsort(rows, n, sizeof(Row), row_cmp);
			st = jpath_create(0, unit_allocator);
			for (i = 0; i < n; i++)
				CHECK(jpath_add(st, rows[i].ts, rows[i].s, rows[i].len) == CXM_OK);
			qsort(rows, n, sizeof(Row), row_cmp);
			CHECK(state_equals(st, rows, n));
			/* the final function may run again, also after more rows */
			CHECK(state_equals(st, rows, n));
			{
				size_t		bytes,
							want_bytes = 0;

				for (i = 0; i < n; i++)
					want_bytes += rows[i].len;
				CHECK(iter_count(st, &bytes) == n);
				CHECK(bytes == want_bytes);
			}
			jpath_destroy(st);
			free(rows);
		}
	}
}

/* reversed input (the worst case of the run detection) */
static void
test_sort_reversed(void)
{
	JPathState *st;
	int			i;
	int			ok = 1;
	JPathView	v;

	st = jpath_create(0, unit_allocator);

	for (i = 3000; i > 0; i--)
		CHECK(jpath_add(st, i, "x", 1) == CXM_OK);
	v = jpath_sorted(st, &unit_allocator);
	CHECK(v.n == 3000);
	for (i = 0; i < 3000; i++)
		ok &= v.refs[i].ts == i + 1;
	CHECK(ok);
	jpath_view_release(&v, &unit_allocator);
	jpath_destroy(st);
}

/* the bounded heap keeps the last k of the full order */
static void
test_bounded_matches_reference(void)
{
	static const int32_t ks[] = {1, 2, 3, 7, 50, 999, 1000, 1001, 5000};
	size_t		ki;

	for (ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++)
	{
		int32_t		k = ks[ki];
		int			round;

		for (round = 0; round < 3; round++)
		{
			size_t		n = round == 0 ? 1000 : (round == 1 ? 37 : 4000);
			Row		   *rows = calloc(n, sizeof(Row));
			JPathState *st;
			size_t		i,
						keep;

			for (i = 0; i < n; i++)
				random_row(&rows[i], round == 2 ? 5 : 100000);
			st = jpath_create(k, unit_allocator);
			for (i = 0; i < n; i++)
			{
				CHECK(jpath_add(st, rows[i].ts, rows[i].s, rows[i].len) == CXM_OK);
				CHECK(st->n <= (size_t) k && st->cap <= (size_t) k);
			}
			qsort(rows, n, sizeof(Row), row_cmp);
			keep = n < (size_t) k ? n : (size_t) k;
			CHECK(state_equals(st, rows + (n - keep), keep));
			/* a sorted array is still a heap: adding more after the final works */
			CHECK(jpath_add(st, INT64_MAX, "zz", 2) == CXM_OK);
			{
				JPathView	v = jpath_sorted(st, &unit_allocator);

				CHECK(v.refs[v.n - 1].ts == INT64_MAX);
				if (keep == (size_t) k && k > 1)
				{
					/* the smallest kept key made room for the new one */
					CHECK(v.n == keep);
					v.n = keep - 1;
					CHECK(view_equals(&v, rows + (n - keep + 1), keep - 1));
				}
				jpath_view_release(&v, &unit_allocator);
			}
			jpath_destroy(st);
			free(rows);
		}
	}
}

/* memory of a bounded state depends on max_steps, not on the rows seen */
static void
test_bounded_memory(void)
{
	JPathState *st;
	size_t		i;
	size_t		max_arena = 0;
	char		s[40];

	st = jpath_create(10, unit_allocator);
	for (i = 0; i < 200000; i++)
	{
		size_t		len = 1 + rnd_below(39);

		memset(s, 'a' + (int) (i % 26), len);
		CHECK(jpath_add(st, (int64_t) i, s, len) == CXM_OK);
		if (st->arena_cap > max_arena)
			max_arena = st->arena_cap;
	}
	CHECK(st->n == 10);
	CHECK(st->cap <= 10);
	/* at most 10 live strings of < 40 bytes: the arena stays small */
	CHECK(max_arena <= 4 * 10 * 40);
	CHECK(st->live_bytes <= 10 * 39);
	{
		JPathView	v = jpath_sorted(st, &unit_allocator);

		for (i = 0; i < 10; i++)
			CHECK(v.refs[i].ts == (int64_t) (200000 - 10 + i));
		jpath_view_release(&v, &unit_allocator);
	}
	jpath_destroy(st);
}

/* merging partial states (any split, any order) equals one state */
/*
 * fuzz_journey find: a bounded state holding only empty strings had no arena,
 * so each item's string pointer was NULL + 0 (undefined behaviour, reported
 * by UBSan).  Every step must point at real memory.
 */
static void
test_bounded_empty_strings(void)
{
	JPathState *st = jpath_create(3, unit_allocator);
	JPathState *other = jpath_create(3, unit_allocator);
	JPathView	v;
	JPathIter	it;
	int64_t		ts;
	const char *s;
	size_t		len,
				i;

	CHECK(jpath_add(st, 5, "", 0) == CXM_OK);
	CHECK(jpath_add(st, JPATH_TS_NOBEGIN, "", 0) == CXM_OK);
	CHECK(jpath_add(other, JPATH_TS_NOEND, "", 0) == CXM_OK);
	CHECK(st->arena != NULL);
	jpath_iter_init(st, &it);
	while (jpath_iter_next(st, &it, &ts, &s, &len))
		CHECK(s != NULL && len == 0);
	CHECK(jpath_merge(st, other) == CXM_OK);
	CHECK(jpath_add(st, 6, "", 0) == CXM_OK);	/* replaces the smallest */
	v = jpath_sorted(st, &unit_allocator);
	CHECK(v.n == 3);
	for (i = 0; i < v.n; i++)
		CHECK(v.refs[i].s != NULL && v.refs[i].len == 0);
	CHECK(v.n == 3 && v.refs[0].ts == 5 && v.refs[1].ts == 6 &&
		  v.refs[2].ts == JPATH_TS_NOEND);
	jpath_view_release(&v, &unit_allocator);
	/* an empty state still allocates no arena */
	CHECK(jpath_reserve(other, 0, 0) == CXM_OK);
	jpath_destroy(st);
	jpath_destroy(other);
}

static void
test_merge(void)
{
	int			round;

	for (round = 0; round < 12; round++)
	{
		int32_t		k = round < 6 ? 0 : (int32_t) (1 + rnd_below(60));
		size_t		n = 1 + rnd_below(3000);
		Row		   *rows = calloc(n, sizeof(Row));
		JPathState *part[3],
				   *all;
		size_t		i,
					keep;

		for (i = 0; i < n; i++)
			random_row(&rows[i], 40);
		for (i = 0; i < 3; i++)
			part[i] = jpath_create(k, dirty_allocator);
		for (i = 0; i < n; i++)
			CHECK(jpath_add(part[rnd_below(round % 2 ? 3 : 2)], rows[i].ts, rows[i].s,
							rows[i].len) == CXM_OK);
		all = jpath_create(k, dirty_allocator);
		for (i = 0; i < 3; i++)
			CHECK(jpath_merge(all, part[2 - i]) == CXM_OK);
		/* merging an empty state changes nothing */
		{
			JPathState *empty = jpath_create(k, dirty_allocator);

			CHECK(jpath_merge(all, empty) == CXM_OK);
			jpath_destroy(empty);
		}
		qsort(rows, n, sizeof(Row), row_cmp);
		keep = (k == 0 || n < (size_t) k) ? n : (size_t) k;
		CHECK(state_equals(all, rows + (n - keep), keep));
		for (i = 0; i < 3; i++)
			jpath_destroy(part[i]);
		jpath_destroy(all);
		free(rows);
	}
}

/*
 * Long strings and many rows: entries larger than the next segment, many
 * segments, merges of multi-segment logs, the inline fast path and its
 * fallback, and a final function followed by more rows.
 */
static void
test_log_segments(void)
{
	static char big[5000];
	JPathState *a = jpath_create(0, dirty_allocator);
	JPathState *b = jpath_create(0, dirty_allocator);
	JPathState *all = jpath_create(0, dirty_allocator);
	Row		   *rows = calloc(4000, sizeof(Row));
	int64_t    *big_ts = calloc(4000, sizeof(int64_t));
	size_t		i,
				nbig = 0,
				nseg = 0;
	const JPathSeg *seg;
	JPathView	v;
	int			ok = 1;

	memset(big, 'q', sizeof(big));
	for (i = 0; i < 4000; i++)
	{
		JPathState *st = (i % 3 == 0) ? a : b;

		random_row(&rows[i], 1000000);
		if (i % 97 == 0)
		{
			/* a 5000-byte step: bigger than a fresh segment */
			big_ts[nbig++] = rows[i].ts;
			CHECK(jpath_add(st, rows[i].ts, big, sizeof(big)) == CXM_OK);
		}
		else if (!jpath_log_append(st, rows[i].ts, rows[i].s, rows[i].len))
			CHECK(jpath_add(st, rows[i].ts, rows[i].s, rows[i].len) == CXM_OK);
	}
	for (seg = b->head; seg != NULL; seg = seg->next)
		nseg++;
	CHECK(nseg > 5);
	CHECK(jpath_merge(all, a) == CXM_OK);
	CHECK(jpath_merge(all, b) == CXM_OK);
	CHECK(all->n == 4000);
	CHECK(all->n == a->n + b->n);
	v = jpath_sorted(all, &unit_allocator);
	CHECK(v.n == 4000);
	for (i = 1; i < v.n; i++)
		ok &= jpath_key_cmp(v.refs[i - 1].ts, v.refs[i - 1].s, v.refs[i - 1].len,
							v.refs[i].ts, v.refs[i].s, v.refs[i].len) <= 0;
	CHECK(ok);
	{
		size_t		found = 0;

		for (i = 0; i < v.n; i++)
			if (v.refs[i].len == sizeof(big) && memcmp(v.refs[i].s, big, sizeof(big)) == 0)
				found++;
		CHECK(found == nbig);
	}
	jpath_view_release(&v, &unit_allocator);
	/* more rows after a final function: still all there, in order */
	CHECK(jpath_add(all, INT64_MIN, "first", 5) == CXM_OK);
	v = jpath_sorted(all, &unit_allocator);
	CHECK(v.n == 4001);
	CHECK(v.refs[0].ts == INT64_MIN && v.refs[0].len == 5);
	jpath_view_release(&v, &unit_allocator);
	/* a 2-step group fits in the state's own allocation */
	jpath_destroy(a);
	a = jpath_create(0, dirty_allocator);
	CHECK(jpath_log_append(a, 1, "web", 3));
	CHECK(jpath_log_append(a, 0, "ad", 2));
	CHECK(a->head == a->tail && a->head->next == NULL);
	v = jpath_sorted(a, &unit_allocator);
	CHECK(v.n == 2 && v.refs[0].ts == 0 && v.refs[1].ts == 1);
	CHECK(a->out_bytes == 8 + 8);
	jpath_view_release(&v, &unit_allocator);
	/* the inline path declines bounded states */
	jpath_destroy(b);
	b = jpath_create(3, dirty_allocator);
	CHECK(!jpath_log_append(b, 1, "web", 3));
	CHECK(b->n == 0);
	jpath_destroy(a);
	jpath_destroy(b);
	jpath_destroy(all);
	free(rows);
	free(big_ts);
}

/* a huge string is refused, not truncated */
static void
test_limits(void)
{
	JPathState *st;

	st = jpath_create(0, unit_allocator);
	CHECK(jpath_add(st, 1, "x", JPATH_MAX_OUT_BYTES + 1) == CXM_ERANGE);
	CHECK(st->n == 0);
	/* the running total is checked before anything is stored */
	st->out_bytes = JPATH_MAX_OUT_BYTES - 4;
	CHECK(jpath_add(st, 1, "x", 1) == CXM_ERANGE);
	CHECK(st->n == 0);
	st->out_bytes = JPATH_MAX_OUT_BYTES - 8;
	CHECK(jpath_add(st, 1, "x", 1) == CXM_OK);
	jpath_destroy(st);
}


/* version 1, max_steps ms, then the given (ts, string) steps */
static size_t
build_wire(unsigned char *buf, int32_t ms, int n, const char **strs)
{
	size_t		pos = 0;
	int			i;

	buf[pos++] = JPATH_WIRE_VERSION;
	pos += put32(buf + pos, (uint32_t) ms);
	pos += put32(buf + pos, (uint32_t) n);
	for (i = 0; i < n; i++)
	{
		size_t		l = strlen(strs[i]);

		pos += put32(buf + pos, 0);
		pos += put32(buf + pos, (uint32_t) (i * 1000));
		pos += put32(buf + pos, (uint32_t) l);
		memcpy(buf + pos, strs[i], l);
		pos += l;
	}
	return pos;
}

static void
test_wire_check(void)
{
	static const char *strs[] = {"email", "", "web"};
	unsigned char buf[128];
	char		msg[200];
	int32_t		ms = -1;
	uint32_t	cnt = 0;
	size_t		bytes = 0,
				len,
				cut;

	len = build_wire(buf, 0, 3, strs);
	CHECK(len == 9 + 3 * 12 + 8);
	CHECK(jpath_wire_check(buf, len, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_OK);
	CHECK(ms == 0 && cnt == 3 && bytes == 8);
	/* jpath_wire_write_* (the server's writer) gives these very bytes */
	{
		WireWriter	w;
		int			i;

		wire_writer_init(&w, &unit_allocator, 0, 0);
		jpath_wire_write_header(&w, 0, 3);
		for (i = 0; i < 3; i++)
			jpath_wire_write_step(&w, (int64_t) i * 1000, strs[i], strlen(strs[i]));
		CHECK(w.len == len && memcmp(w.buf, buf, len) == 0);
		free(w.buf);
	}
	/* every truncation and one extra byte are refused */
	for (cut = 0; cut < len; cut++)
		CHECK(jpath_wire_check(buf, cut, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_EINVAL);
	buf[len] = 0;
	CHECK(jpath_wire_check(buf, len + 1, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strstr(msg, "trailing") != NULL);
	/* wrong version */
	buf[0] = 2;
	CHECK(jpath_wire_check(buf, len, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strstr(msg, "version 2") != NULL);
	/* a count above max_steps, a negative max_steps, a negative count */
	len = build_wire(buf, 2, 3, strs);
	CHECK(jpath_wire_check(buf, len, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_EINVAL);
	len = build_wire(buf, 3, 3, strs);
	CHECK(jpath_wire_check(buf, len, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_OK);
	CHECK(ms == 3);
	put32(buf + 1, 0xFFFFFFFFu);
	CHECK(jpath_wire_check(buf, len, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_EINVAL);
	len = build_wire(buf, 0, 3, strs);
	put32(buf + 5, 0x80000000u);
	CHECK(jpath_wire_check(buf, len, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_EINVAL);
	/* a huge count with few bytes */
	put32(buf + 5, 1000000);
	CHECK(jpath_wire_check(buf, len, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_EINVAL);
	/* a string length pointing past the end, or negative */
	len = build_wire(buf, 0, 3, strs);
	put32(buf + 9 + 8, 200);
	CHECK(jpath_wire_check(buf, len, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_EINVAL);
	put32(buf + 9 + 8, 0xFFFFFFF0u);
	CHECK(jpath_wire_check(buf, len, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_EINVAL);
	/* an empty state */
	len = build_wire(buf, 5, 0, strs);
	CHECK(jpath_wire_check(buf, len, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_OK);
	CHECK(ms == 5 && cnt == 0 && bytes == 0);
}

static void
test_collapse(void)
{
	JPathStr	in[8];
	bool		keep[8];
	size_t		kept;

	/* {a,a,b,a} -> {a,b,a} */
	in[0] = (JPathStr) {"a", 1, false};
	in[1] = (JPathStr) {"a", 1, false};
	in[2] = (JPathStr) {"b", 1, false};
	in[3] = (JPathStr) {"a", 1, false};
	kept = jpath_collapse(in, 4, keep);
	CHECK(kept == 3);
	CHECK(keep[0] && !keep[1] && keep[2] && keep[3]);
	/* {NULL,NULL,a,NULL,"",""} -> {NULL,a,NULL,""}; "" and NULL differ */
	in[0] = (JPathStr) {NULL, 0, true};
	in[1] = (JPathStr) {NULL, 0, true};
	in[2] = (JPathStr) {"a", 1, false};
	in[3] = (JPathStr) {NULL, 0, true};
	in[4] = (JPathStr) {"", 0, false};
	in[5] = (JPathStr) {"", 0, false};
	kept = jpath_collapse(in, 6, keep);
	CHECK(kept == 4);
	CHECK(keep[0] && !keep[1] && keep[2] && keep[3] && keep[4] && !keep[5]);
	/* prefixes and case are different touchpoints */
	in[0] = (JPathStr) {"ab", 2, false};
	in[1] = (JPathStr) {"abc", 3, false};
	in[2] = (JPathStr) {"ABC", 3, false};
	kept = jpath_collapse(in, 3, keep);
	CHECK(kept == 3);
	CHECK(jpath_collapse(in, 0, keep) == 0);
}

static void
test_interval_sign(void)
{
	CHECK(jpath_interval_sign(0, 0, 1) == 1);
	CHECK(jpath_interval_sign(0, 0, 0) == 0);
	CHECK(jpath_interval_sign(0, 0, -1) == -1);
	/* PostgreSQL compares with 30-day months and 24-hour days */
	CHECK(jpath_interval_sign(1, -30, 0) == 0);
	CHECK(jpath_interval_sign(0, 1, -JPATH_USECS_PER_DAY) == 0);
	CHECK(jpath_interval_sign(0, 1, -JPATH_USECS_PER_DAY + 1) == 1);
	CHECK(jpath_interval_sign(1, -31, JPATH_USECS_PER_DAY - 1) == -1);
	CHECK(jpath_interval_sign(-1, 30, 1) == 1);
	CHECK(jpath_interval_sign(INT32_MAX, INT32_MAX, INT64_MAX) == 1);
	CHECK(jpath_interval_sign(INT32_MIN, INT32_MIN, INT64_MIN) == -1);
	CHECK(jpath_interval_sign(INT32_MIN, 0, INT64_MAX) == -1);
}

static void
test_gap(void)
{
	int64_t		h = INT64_C(3600000000);
	JPathGap	g30 = jpath_gap_make(0, 0, h / 2);
	JPathGap	g1m = jpath_gap_make(1, 0, 0);
	JPathGap	gmix = jpath_gap_make(0, 1, -h);	/* 23 hours */

	CHECK(g30.days == 0 && g30.usecs == h / 2);
	CHECK(!jpath_gap_exceeded(0, h / 2, g30));		/* exactly the gap: same session */
	CHECK(jpath_gap_exceeded(0, h / 2 + 1, g30));
	CHECK(!jpath_gap_exceeded(h, 0, g30));	/* back in time */
	CHECK(!jpath_gap_exceeded(5, 5, g30));
	CHECK(g1m.days == 30 && g1m.usecs == 0);
	CHECK(!jpath_gap_exceeded(0, 30 * JPATH_USECS_PER_DAY, g1m));
	CHECK(jpath_gap_exceeded(0, 30 * JPATH_USECS_PER_DAY + 1, g1m));
	CHECK(gmix.days == 0 && gmix.usecs == 23 * h);
	CHECK(!jpath_gap_exceeded(-23 * h, 0, gmix));
	CHECK(jpath_gap_exceeded(-23 * h - 1, 0, gmix));
	/* infinities */
	CHECK(jpath_gap_exceeded(JPATH_TS_NOBEGIN, 0, g1m));
	CHECK(jpath_gap_exceeded(0, JPATH_TS_NOEND, g1m));
	CHECK(!jpath_gap_exceeded(JPATH_TS_NOEND, JPATH_TS_NOEND, g1m));
	CHECK(!jpath_gap_exceeded(JPATH_TS_NOBEGIN, JPATH_TS_NOBEGIN, g1m));
	/* the widest finite span does not overflow */
	CHECK(jpath_gap_exceeded(INT64_MIN + 1, INT64_MAX - 1, g1m));
	CHECK(!jpath_gap_exceeded(INT64_MIN + 1, INT64_MAX - 1,
							  jpath_gap_make(INT32_MAX, INT32_MAX, INT64_MAX)));
}


static void
test_sessions(void)
{
	int64_t		m = INT64_C(60000000);	/* a minute */
	JPathGap	g30 = jpath_gap_make(0, 0, 30 * m);
	/* 0 and 30 min: one session (exactly the gap); 61, 61: a tie; 120: alone */
	int64_t		ts[] = {0, 30 * m, 61 * m, 61 * m, 120 * m};
	size_t		starts[5];
	JPathSessionStats st;

	CHECK(jpath_sessions(ts, 5, g30, starts) == 3);
	CHECK(starts[0] == 0 && starts[1] == 2 && starts[2] == 4);
	st = jpath_session_stats(ts, 5, g30);
	CHECK(st.sessions == 3);
	CHECK(st.bounced == 1);		/* the tie is two touchpoints, not a bounce */
	CHECK(st.usecs == 30 * m);
	/* one time: one session, a bounce of no duration; none: nothing */
	st = jpath_session_stats(ts + 4, 1, g30);
	CHECK(st.sessions == 1 && st.bounced == 1 && st.usecs == 0);
	CHECK(jpath_sessions(ts, 0, g30, starts) == 0);
	st = jpath_session_stats(ts, 0, g30);
	CHECK(st.sessions == 0 && st.bounced == 0 && st.usecs == 0);
	/* a one-month gap counts 30 days */
	CHECK(jpath_sessions((int64_t[]) {0, 30 * JPATH_USECS_PER_DAY, 60 * JPATH_USECS_PER_DAY + 1}, 3,
						 jpath_gap_make(1, 0, 0), starts) == 2);
}

int
main(void)
{
	RUN(test_key_order);
	RUN(test_sort_matches_reference);
	RUN(test_sort_reversed);
	RUN(test_bounded_matches_reference);
	RUN(test_bounded_memory);
	RUN(test_bounded_empty_strings);
	RUN(test_merge);
	RUN(test_log_segments);
	RUN(test_limits);
	RUN(test_wire_check);
	RUN(test_collapse);
	RUN(test_interval_sign);
	RUN(test_gap);
	RUN(test_sessions);
	return UNIT_DONE();
}
