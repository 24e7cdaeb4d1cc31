/*
 * test_recommend.c
 *	  Unit tests of recommend_core.c: assoc_rules' mining against a
 *	  brute-force count of every itemset on random baskets, with the basket
 *	  log in memory and spilled (tiny memory limits, tiny read windows, pair
 *	  counts in many blocks), merges, the wire format and its validation.
 */
#include <stdint.h>

#include "unit.h"
#include "test_wire.h"
#include "recommend_core.h"
#include "rec_fake_spill.h"

/* a small universe with names of different lengths, an empty one, high bytes */
static const char *const universe[] = {
	"milk", "bread", "", "beer", "b", "\xff", "butter", "ab", "a", "diapers"
};
#define NU 10

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double
rnd01(void)
{
	return (double) (rng() >> 11) / 9007199254740992.0;
}

typedef struct Baskets
{
	int			n;
	unsigned	mask[200];		/* set of universe indexes */
	int			len[200];		/* items as passed, with repeats */
	int			item[200][16];
} Baskets;

/* random baskets; popular items more likely; some repeats and empty baskets */
static void
make_baskets(Baskets *b, int n, int nu)
{
	int			i,
				k;

	b->n = n;
	for (i = 0; i < n; i++)
	{
		int			len = (int) (rng() % 7);

		b->mask[i] = 0;
		b->len[i] = len;
		for (k = 0; k < len; k++)
		{
			int			u = (int) (rnd01() * rnd01() * nu);

			b->item[i][k] = u;
			b->mask[i] |= 1u << u;
		}
	}
}

static void
add_basket(RecState *s, const Baskets *b, int i)
{
	const char *names[16];
	size_t		lens[16];
	char		msg[200];
	int			k;

	for (k = 0; k < b->len[i]; k++)
	{
		names[k] = universe[b->item[i][k]];
		lens[k] = strlen(universe[b->item[i][k]]);
	}
	CHECK(rec_add_basket(s, names, lens, b->len[i], msg, sizeof(msg)) == CXM_OK);
}

static int
popcount(unsigned x)
{
	int			c = 0;

	for (; x; x &= x - 1)
		c++;
	return c;
}

static int64_t
count_superset(const Baskets *b, unsigned m)
{
	int64_t		c = 0;
	int			i;

	for (i = 0; i < b->n; i++)
		if ((b->mask[i] & m) == m)
			c++;
	return c;
}

static int
universe_index(const RecState *s, int32_t id)
{
	int			u;

	for (u = 0; u < NU; u++)
		if (strlen(universe[u]) == s->items[id].len &&
			memcmp(universe[u], s->items[id].name, s->items[id].len) == 0)
			return u;
	return -1;
}

static int
bytes_cmp(const RecItem *a, const RecItem *b)
{
	int			c = memcmp(a->name, b->name, a->len < b->len ? a->len : b->len);

	if (c != 0)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

/*
 * The rules of s equal the brute-force rules of b: same number, each core
 * rule is a brute-force rule with the same counts and measures, antecedents
 * in byte order, rules in the documented order.
 */
static void
check_against_brute_force(const RecState *s, const Baskets *b, double sup,
						  double conf, int maxlen)
{
	RecRule    *rules;
	int64_t		nr,
				k,
				want = 0;
	char		msg[200];
	unsigned	m;
	int			n = b->n;

	CHECK(rec_rules(s, &unit_allocator, &rules, &nr, NULL, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
	CHECK(rec_nbaskets(s) == n);
	for (m = 1; m < (1u << NU) && n > 0; m++)
	{
		int			pc = popcount(m);
		int64_t		cxy;
		int			y;

		if (pc < 2 || pc > maxlen)
			continue;
		cxy = count_superset(b, m);
		if (!((double) cxy / n >= sup))
			continue;
		for (y = 0; y < NU; y++)
		{
			if (!(m & (1u << y)))
				continue;
			if ((double) cxy / (double) count_superset(b, m & ~(1u << y)) >= conf)
				want++;
		}
	}
	CHECK(nr == want);
	for (k = 0; k < nr; k++)
	{
		const RecRule *r = &rules[k];
		unsigned	ma = 0;
		int			u,
					q;
		int64_t		cx,
					cy,
					cxy;
		double		sx,
					sy;

		for (q = 0; q < r->nantecedent; q++)
		{
			u = universe_index(s, r->antecedent[q]);
			CHECK(u >= 0);
			ma |= 1u << u;
			if (q > 0)
				CHECK(bytes_cmp(&s->items[r->antecedent[q - 1]], &s->items[r->antecedent[q]]) < 0);
		}
		CHECK(popcount(ma) == r->nantecedent && r->nantecedent >= 1);
		CHECK(r->nantecedent + 1 <= maxlen);
		u = universe_index(s, r->consequent);
		CHECK(u >= 0 && !(ma & (1u << u)));
		cx = count_superset(b, ma);
		cy = count_superset(b, 1u << u);
		cxy = count_superset(b, ma | (1u << u));
		CHECK(r->count == cxy && r->count_antecedent == cx && r->count_consequent == cy);
		CHECK((double) cxy / n >= sup);
		CHECK((double) cxy / (double) cx >= conf);
		sx = (double) cx / n;
		sy = (double) cy / n;
		CHECK_REL(r->support, (double) cxy / n, 1e-15);
		CHECK_REL(r->confidence, (double) cxy / cx, 1e-15);
		CHECK_REL(r->lift, ((double) cxy / cx) / sy, 1e-13);
		CHECK_NEAR(r->leverage, (double) cxy / n - sx * sy, 1e-15);
		CHECK(r->has_conviction == (cxy < cx));
		if (cxy < cx)
			CHECK_REL(r->conviction, (1 - sy) / (1 - (double) cxy / cx), 1e-13);
		if (k > 0)
		{
			const RecRule *p = &rules[k - 1];

			CHECK(p->support >= r->support);
			if (p->support == r->support)
				CHECK(p->confidence >= r->confidence);
		}
	}
	rec_rules_free(&unit_allocator, rules, nr);
}

static void
test_params(void)
{
	char		msg[200];

	CHECK(rec_check_params(0.5, 0.5, 3, msg, sizeof(msg)) == CXM_OK);
	CHECK(rec_check_params(1, 0, 2, msg, sizeof(msg)) == CXM_OK);
	CHECK(rec_check_params(1, 1, REC_MAX_LENGTH, msg, sizeof(msg)) == CXM_OK);
	CHECK(rec_check_params(0, 0.5, 3, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strstr(msg, "min_support") != NULL && strstr(msg, "got 0") != NULL);
	CHECK(rec_check_params(1.5, 0.5, 3, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(rec_check_params(NAN, 0.5, 3, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(rec_check_params(0.1, -0.1, 3, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strstr(msg, "min_confidence") != NULL);
	CHECK(rec_check_params(0.1, NAN, 3, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(rec_check_params(0.1, 0.5, 1, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strstr(msg, "max_length") != NULL && strstr(msg, "got 1") != NULL);
	CHECK(rec_check_params(0.1, 0.5, REC_MAX_LENGTH + 1, msg, sizeof(msg)) == CXM_EINVAL);
}

/* a textbook case: 5 baskets, checked by hand */
static void
test_small_known(void)
{
	static const char *const b[5][4] = {
		{"bread", "milk", NULL, NULL},
		{"bread", "diapers", "beer", "eggs"},
		{"milk", "diapers", "beer", "cola"},
		{"bread", "milk", "diapers", "beer"},
		{"bread", "milk", "diapers", "cola"},
	};
	RecState   *s = rec_state_create(&unit_allocator, 0.6, 0.7, 3);
	RecRule    *rules;
	int64_t		nr,
				k;
	char		msg[200];
	int			i,
				found = 0;

	for (i = 0; i < 5; i++)
	{
		size_t		lens[4];
		int			n = 0;

		while (n < 4 && b[i][n])
		{
			lens[n] = strlen(b[i][n]);
			n++;
		}
		CHECK(rec_add_basket(s, (const char *const *) b[i], lens, n, msg, sizeof(msg)) == CXM_OK);
	}
	CHECK(rec_rules(s, &unit_allocator, &rules, &nr, NULL, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
	/*
	 * Frequent pairs at 3/5: {bread,milk}, {bread,diapers}, {milk,diapers},
	 * {diapers,beer}; no triple.  Confidence >= 0.7: beer=>diapers (1),
	 * bread=>milk (0.75), milk=>bread, bread=>diapers, diapers=>bread,
	 * milk=>diapers, diapers=>milk (0.75 each); diapers=>beer is 0.75 too.
	 */
	CHECK(nr == 8);
	CHECK(nr > 0 && rules[0].confidence == 1.0 && !rules[0].has_conviction);
	for (k = 0; k < nr; k++)
	{
		const RecRule *r = &rules[k];

		CHECK(r->count == 3 && r->nantecedent == 1);
		if (r->nantecedent == 1 && s->items[r->antecedent[0]].len == 4 &&
			memcmp(s->items[r->antecedent[0]].name, "beer", 4) == 0)
		{
			found++;
			CHECK_REL(r->lift, 1.25, 1e-15);	/* 1 / (4/5) */
			CHECK_NEAR(r->leverage, 0.6 - 0.6 * 0.8, 1e-15);
		}
	}
	CHECK(found == 1);
	rec_rules_free(&unit_allocator, rules, nr);
	rec_state_free(s);
}

static void
test_random_brute_force(void)
{
	int			trial;

	for (trial = 0; trial < 300; trial++)
	{
		Baskets		b;
		RecState   *s;
		int			i;
		double		sup = 0.02 + rnd01() * 0.5;
		double		conf = rnd01() < 0.2 ? 0 : rnd01();
		int			maxlen = 2 + (int) (rng() % 4);

		if (trial % 10 == 0)
			sup = 1;
		make_baskets(&b, (int) (rng() % 120), NU);
		s = rec_state_create(&unit_allocator, sup, conf, maxlen);
		for (i = 0; i < b.n; i++)
			add_basket(s, &b, i);
		check_against_brute_force(s, &b, sup, conf, maxlen);
		rec_state_free(s);
	}
}

/* exact thresholds: a support of exactly k/n and a confidence of exactly c/d pass */
static void
test_inclusive_thresholds(void)
{
	Baskets		b;
	RecState   *s;
	int			i;

	/* 10 baskets: {0,1} x3, {0} x2, {1} x1, empty x4 */
	b.n = 10;
	for (i = 0; i < 10; i++)
	{
		b.len[i] = 0;
		b.mask[i] = 0;
	}
	for (i = 0; i < 3; i++)
	{
		b.len[i] = 2;
		b.item[i][0] = 0;
		b.item[i][1] = 1;
		b.mask[i] = 3;
	}
	for (i = 3; i < 5; i++)
	{
		b.len[i] = 1;
		b.item[i][0] = 0;
		b.mask[i] = 1;
	}
	b.len[5] = 1;
	b.item[5][0] = 1;
	b.mask[5] = 2;
	/* support 0.3 exactly, confidence milk=>bread 3/5 = 0.6, bread=>milk 3/4 */
	s = rec_state_create(&unit_allocator, 0.3, 0.6, 2);
	for (i = 0; i < 10; i++)
		add_basket(s, &b, i);
	CHECK(rec_nbaskets(s) == 10);
	check_against_brute_force(s, &b, 0.3, 0.6, 2);
	{
		RecRule    *rules;
		int64_t		nr;
		char		msg[200];

		CHECK(rec_rules(s, &unit_allocator, &rules, &nr, NULL, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
		CHECK(nr == 2);
		rec_rules_free(&unit_allocator, rules, nr);
	}
	rec_state_free(s);
}

/* one state equals any split into merged parts */
static void
test_merge(void)
{
	int			trial;

	for (trial = 0; trial < 100; trial++)
	{
		Baskets		b;
		RecState   *whole,
				   *part[3],
				   *acc;
		int			i;
		char		msg[200];
		double		sup = 0.03 + rnd01() * 0.3;

		make_baskets(&b, 1 + (int) (rng() % 100), NU);
		whole = rec_state_create(&unit_allocator, sup, 0.2, 4);
		for (i = 0; i < 3; i++)
			part[i] = rec_state_create(&unit_allocator, sup, 0.2, 4);
		for (i = 0; i < b.n; i++)
		{
			add_basket(whole, &b, i);
			add_basket(part[rng() % 3], &b, i);
		}
		/* as the combine function does: the first part into an empty state (the
		 * same ids: a byte copy), the others merged (ids mapped) */
		acc = rec_state_create(&unit_allocator, sup, 0.2, 4);
		for (i = 0; i < 3; i++)
			CHECK(rec_merge(acc, part[(i + trial) % 3], msg, sizeof(msg)) == CXM_OK);
		/* the copy is independent of its source */
		rec_state_free(part[trial % 3]);
		part[trial % 3] = rec_state_create(&unit_allocator, sup, 0.2, 4);
		CHECK(rec_nbaskets(acc) == b.n);
		check_against_brute_force(acc, &b, sup, 0.2, 4);
		check_against_brute_force(whole, &b, sup, 0.2, 4);
		for (i = 0; i < 3; i++)
			rec_state_free(part[i]);
		rec_state_free(acc);
		rec_state_free(whole);
	}
	{
		RecState   *x = rec_state_create(&unit_allocator, 0.1, 0.2, 3);
		RecState   *y = rec_state_create(&unit_allocator, 0.2, 0.2, 3);
		char		msg[200];

		CHECK(rec_merge(x, y, msg, sizeof(msg)) == CXM_EINVAL);
		CHECK(strstr(msg, "same") != NULL);
		rec_state_free(x);
		rec_state_free(y);
	}
}

static unsigned char *
encode(RecState *s, size_t *len)
{
	unsigned char *buf = rec_encode_exact(s, &unit_allocator, len);

	CHECK(buf != NULL);
	return buf;
}

static void
test_wire_round_trip(void)
{
	int			trial;

	for (trial = 0; trial < 50; trial++)
	{
		Baskets		b;
		RecState   *s,
				   *d;
		unsigned char *buf,
				   *buf2;
		size_t		len,
					len2,
					cut;
		char		msg[200];
		int			i;

		make_baskets(&b, (int) (rng() % 80), NU);
		s = rec_state_create(&unit_allocator, 0.05, 0.3, 3);
		for (i = 0; i < b.n; i++)
			add_basket(s, &b, i);
		buf = encode(s, &len);
		CHECK(rec_wire_decode(&unit_allocator, buf, len, &d, msg, sizeof(msg)) == CXM_OK);
		if (d == NULL)
			continue;
		check_against_brute_force(d, &b, 0.05, 0.3, 3);
		buf2 = encode(d, &len2);
		CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
		free(buf2);
		rec_state_free(d);
		/* every proper prefix and any extra byte are rejected */
		for (cut = 0; cut < len; cut++)
		{
			unsigned char *c = malloc(cut ? cut : 1);

			memcpy(c, buf, cut);
			CHECK(rec_wire_decode(&unit_allocator, c, cut, &d, msg, sizeof(msg)) == CXM_EINVAL);
			CHECK(d == NULL && msg[0] != '\0');
			free(c);
		}
		{
			unsigned char *c = malloc(len + 1);

			memcpy(c, buf, len);
			c[len] = 0;
			CHECK(rec_wire_decode(&unit_allocator, c, len + 1, &d, msg, sizeof(msg)) == CXM_EINVAL);
			free(c);
		}
		/* flipped bytes: accepted or rejected, never a crash */
		for (i = 0; i < 200 && len > 0; i++)
		{
			unsigned char *c = malloc(len);

			memcpy(c, buf, len);
			c[rng() % len] ^= (unsigned char) (1 + rng() % 255);
			if (rec_wire_decode(&unit_allocator, c, len, &d, msg, sizeof(msg)) == CXM_OK)
			{
				RecRule    *rules;
				int64_t		nr;

				CHECK(rec_rules(d, &unit_allocator, &rules, &nr, NULL, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
				rec_rules_free(&unit_allocator, rules, nr);
				rec_state_free(d);
			}
			free(c);
		}
		free(buf);
		rec_state_free(s);
	}
}

/* hand-made damaged states, each rejected with the right message */
static void
test_wire_damaged(void)
{
	unsigned char buf[256];
	size_t		n,
				hdr;
	RecState   *d;
	char		msg[200];

	/* header: version, 0.5, 0.5, 3, 3 baskets, two items "a" (2), "b" (1) */
#define HEADER(baskets, ca, cb) \
	(n = 0, buf[n++] = REC_WIRE_VERSION, n += putd(buf + n, 0.5), n += putd(buf + n, 0.5), \
	 n += put32(buf + n, 3), n += put64(buf + n, (baskets)), n += put32(buf + n, 2), \
	 n += put32(buf + n, 1), buf[n++] = 'a', n += put64(buf + n, (ca)), \
	 n += put32(buf + n, 1), buf[n++] = 'b', n += put64(buf + n, (cb)))
#define LOG(records, bytes) \
	(n += put64(buf + n, (records)), n += put64(buf + n, (bytes)))
#define BYTE(b) (buf[n++] = (unsigned char) (b))
#define EXPECT(ok, text) \
	do { \
		CxmStatus st_ = rec_wire_decode(&unit_allocator, buf, n, &d, msg, sizeof(msg)); \
		CHECK(st_ == ((ok) ? CXM_OK : CXM_EINVAL)); \
		if (!(ok)) CHECK(strstr(msg, (text)) != NULL); \
		if (!(ok) && strstr(msg, (text)) == NULL) fprintf(stderr, "  got: %s\n", msg); \
		rec_state_free(d); \
	} while (0)

	/* one logged basket {a, b}: 2 items, id 0, then +1 */
	HEADER(3, 2, 1);
	hdr = n;
	LOG(1, 3);
	BYTE(2), BYTE(0), BYTE(1);
	EXPECT(true, "");
	{
		RecRule    *rules;
		int64_t		nr;

		CHECK(rec_wire_decode(&unit_allocator, buf, n, &d, msg, sizeof(msg)) == CXM_OK);
		CHECK(rec_rules(d, &unit_allocator, &rules, &nr, NULL, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
		CHECK(nr == 0);			/* {a, b} is in 1 of 3 baskets, below 0.5 */
		rec_rules_free(&unit_allocator, rules, nr);
		rec_state_free(d);
	}
	n = hdr;
	LOG(0, 0);
	EXPECT(true, "");
	HEADER(1, 2, 1);
	LOG(0, 0);
	EXPECT(false, "is not between 1 and the baskets");
	HEADER(3, 2, 0);
	LOG(0, 0);
	EXPECT(false, "is not between 1 and the baskets");
	HEADER(3, 2, 1);
	{
		/* damaged logs after a good header: records, bytes, the log, the message */
		static const struct
		{
			uint64_t	records,
						bytes;
			int			nlog;
			unsigned char log[8];
			const char *text;
		}			cases[] = {
			{1, 2, 2, {1, 0}, "basket 1 has a bad item count"},
			{1, 3, 3, {3, 0, 1}, "bad item count"},
			{1, 3, 3, {2, 1, 0}, "do not ascend"},
			{1, 3, 3, {2, 1, 1}, "unknown item"},
			{1, 2, 2, {2, 0}, "truncated"},
			{1, 7, 7, {2, 0x80, 0x80, 0x80, 0x80, 0x10, 1}, "truncated"},
			{2, 6, 6, {2, 0, 1, 2, 0, 1}, "in more logged baskets than its count"},
			{2, 3, 3, {2, 0, 1}, "number of logged baskets is 1, not 2"},
			{4, 3, 3, {2, 0, 1}, "more logged baskets than baskets"},
			{1, 4, 3, {2, 0, 1}, "log length"},
			{1, 3, 4, {2, 0, 1, 0}, "log length"},
		};
		size_t		c;
		int			q;

		for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		{
			n = hdr;
			LOG(cases[c].records, cases[c].bytes);
			for (q = 0; q < cases[c].nlog; q++)
				BYTE(cases[c].log[q]);
			EXPECT(false, cases[c].text);
		}
	}
	n = hdr;
	LOG(1, 3);
	n -= 4;
	EXPECT(false, "truncated before its baskets");
	HEADER(UINT64_C(0x8000000000000000), 2, 1);
	LOG(0, 0);
	EXPECT(false, "basket count is negative");
	/* a repeated item name */
	HEADER(3, 2, 1);
	buf[hdr - 9] = 'a';
	LOG(0, 0);
	EXPECT(false, "Item 2 appears twice");
	/* version, thresholds, item count */
	HEADER(3, 2, 1);
	LOG(0, 0);
	buf[0] = 9;
	EXPECT(false, "Unsupported state version 9 (expected 2)");
	buf[0] = 1;
	EXPECT(false, "version 1");
	buf[0] = REC_WIRE_VERSION;
	putd(buf + 1, 0);
	EXPECT(false, "min_support");
	putd(buf + 1, 0.5);
	put32(buf + 17, 1);
	EXPECT(false, "max_length");
	put32(buf + 17, 3);
	put32(buf + 29, 1000);
	EXPECT(false, "item count");
	put32(buf + 29, 2);
	EXPECT(true, "");
	n = 20;
	EXPECT(false, "The state is truncated in its header.");
#undef HEADER
#undef LOG
#undef BYTE
#undef EXPECT
}


/*
 * The same baskets in memory and spilled through tiny buffers and windows
 * give the brute-force rules; the pairs are counted in several blocks when
 * the counters do not fit; more baskets after the rules go on being counted;
 * spilled states merge and encode to the bytes of the in-memory one.
 */
static void
test_spill(void)
{
	int			trial;

	for (trial = 0; trial < 120; trial++)
	{
		Baskets		b;
		FakeFile	f1 = {0},
					f2 = {0},
					f3 = {0};
		RecState   *mem,
				   *sp,
				   *part,
				   *acc;
		double		sup = 0.02 + rnd01() * 0.3;
		int			maxlen = 2 + (int) (rng() % 4);
		size_t		limit = (size_t) (16 + rng() % 200);
		int			i,
					half,
					total;
		RecStats	st;
		RecRule    *rules;
		int64_t		nr;
		char		msg[200];

		make_baskets(&b, 20 + (int) (rng() % 180), NU);
		half = b.n / 2;
		mem = rec_state_create(&unit_allocator, sup, 0.1, maxlen);
		sp = rec_state_create(&unit_allocator, sup, 0.1, maxlen);
		rec_state_set_spill(sp, &fake_spill, &f1, limit);
		sp->read_window = 1 + rng() % 9;
		for (i = 0; i < half; i++)
		{
			add_basket(mem, &b, i);
			add_basket(sp, &b, i);
		}
		/* rules halfway, then more baskets: the spill goes on at its end */
		total = b.n;
		b.n = half;
		check_against_brute_force(sp, &b, sup, 0.1, maxlen);
		b.n = total;
		for (i = half; i < b.n; i++)
		{
			add_basket(mem, &b, i);
			add_basket(sp, &b, i);
		}
		CHECK(sp->spilled > 0 || rec_log_bytes(sp) <= limit);
		CHECK(sp->buflen <= limit + 5 * (NU + 1));
		check_against_brute_force(sp, &b, sup, 0.1, maxlen);
		check_against_brute_force(mem, &b, sup, 0.1, maxlen);
		CHECK(rec_rules(sp, &unit_allocator, &rules, &nr, &st, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
		rec_rules_free(&unit_allocator, rules, nr);
		if (st.frequent_items * (st.frequent_items - 1) / 2 * 4 > (int64_t) limit)
			CHECK(st.pair_passes > 1);
		/* the encoding reads the spill back: the in-memory state's bytes */
		{
			size_t		l1,
						l2;
			unsigned char *e1 = encode(mem, &l1),
					   *e2 = encode(sp, &l2);

			CHECK(l1 == l2 && memcmp(e1, e2, l1) == 0);
			free(e1);
			free(e2);
		}
		/* a spilled part merged into a spilled accumulator, either way */
		part = rec_state_create(&unit_allocator, sup, 0.1, maxlen);
		rec_state_set_spill(part, &fake_spill, &f2, limit);
		part->read_window = 3;
		acc = rec_state_create(&unit_allocator, sup, 0.1, maxlen);
		rec_state_set_spill(acc, &fake_spill, &f3, limit);
		for (i = 0; i < b.n; i++)
			if (i % 3 == 0)
				add_basket(part, &b, b.n - 1 - i);
			else
				add_basket(acc, &b, b.n - 1 - i);
		CHECK(rec_merge(acc, part, msg, sizeof(msg)) == CXM_OK);
		CHECK(rec_merge(part, sp, msg, sizeof(msg)) == CXM_OK);
		check_against_brute_force(acc, &b, sup, 0.1, maxlen);
		CHECK(rec_nbaskets(part) == b.n + (b.n + 2) / 3);
		rec_state_free(part);
		rec_state_free(acc);
		rec_state_free(mem);
		rec_state_free(sp);
		free(f1.data);
		free(f2.data);
		free(f3.data);
	}
}

/*
 * The combine function's case: decoded partial states merged into an
 * accumulator keep their logs as segments read through an id map (while
 * they fit the memory limit; beyond it they are re-encoded into the log,
 * which spills); either way, flattened, encoded, or merged on, the rules
 * are the brute-force ones.
 */
static void
test_merge_decoded(void)
{
	int			trial;

	for (trial = 0; trial < 80; trial++)
	{
		Baskets		b;
		RecState   *part[3],
				   *dec[3],
				   *acc,
				   *again,
				   *d;
		unsigned char *buf[3],
				   *e;
		size_t		len[3],
					elen;
		FakeFile	f = {0};
		double		sup = 0.03 + rnd01() * 0.3;
		int			maxlen = 2 + (int) (rng() % 4);
		bool		small = trial % 4 == 3;
		int			i;
		char		msg[200];

		make_baskets(&b, 1 + (int) (rng() % 150), NU);
		for (i = 0; i < 3; i++)
			part[i] = rec_state_create(&unit_allocator, sup, 0.2, maxlen);
		for (i = 0; i < b.n; i++)
			add_basket(part[(i * 7 + trial) % 3], &b, i);
		for (i = 0; i < 3; i++)
		{
			buf[i] = encode(part[i], &len[i]);
			CHECK(rec_wire_decode(&unit_allocator, buf[i], len[i], &dec[i], msg, sizeof(msg)) == CXM_OK);
		}
		acc = rec_state_create(&unit_allocator, sup, 0.2, maxlen);
		if (small)
			rec_state_set_spill(acc, &fake_spill, &f, 16);
		for (i = 0; i < 3; i++)
			CHECK(rec_merge(acc, dec[i], msg, sizeof(msg)) == CXM_OK);
		if (small)
			CHECK(acc->segbytes + acc->buflen <= 16 + 5 * (NU + 1));
		else
			CHECK(acc->nsegs == (rec_log_bytes(part[0]) > 0) + (rec_log_bytes(part[1]) > 0) +
				  (rec_log_bytes(part[2]) > 0));
		check_against_brute_force(acc, &b, sup, 0.2, maxlen);
		/* merged on into another state (ids mapped once more) */
		again = rec_state_create(&unit_allocator, sup, 0.2, maxlen);
		add_basket(again, &b, 0);
		CHECK(rec_merge(again, acc, msg, sizeof(msg)) == CXM_OK);
		CHECK(rec_nbaskets(again) == b.n + 1);
		rec_state_free(again);
		/* flattened and encoded: the same rules after decoding */
		e = encode(acc, &elen);
		CHECK(acc->nsegs == 0 && acc->segbytes == 0);
		check_against_brute_force(acc, &b, sup, 0.2, maxlen);
		CHECK(rec_wire_decode(&unit_allocator, e, elen, &d, msg, sizeof(msg)) == CXM_OK);
		check_against_brute_force(d, &b, sup, 0.2, maxlen);
		rec_state_free(d);
		free(e);
		for (i = 0; i < 3; i++)
		{
			rec_state_free(dec[i]);
			rec_state_free(part[i]);
			free(buf[i]);
		}
		rec_state_free(acc);
		free(f.data);
	}
}

/* a spill that returns fewer bytes than were written is an error, not a wrong count */
static size_t
short_read(void *arg, void *buf, size_t len)
{
	size_t		k = fake_read(arg, buf, len);

	return k > 0 ? k - 1 : 0;
}

static void
test_spill_short(void)
{
	static const RecSpill bad = {fake_write, fake_rewind, short_read};
	FakeFile	f = {0};
	RecState   *s = rec_state_create(&unit_allocator, 0.1, 0.1, 3);
	Baskets		b;
	RecRule    *rules;
	int64_t		nr;
	char		msg[200];
	int			i;

	rec_state_set_spill(s, &bad, &f, 16);
	make_baskets(&b, 150, NU);
	for (i = 0; i < b.n; i++)
		add_basket(s, &b, i);
	CHECK(s->spilled > 0);
	CHECK(rec_rules(s, &unit_allocator, &rules, &nr, NULL, NULL, NULL, msg, sizeof(msg)) == CXM_ENOCONV);
	CHECK(strstr(msg, "shorter") != NULL);
	rec_state_free(s);
	free(f.data);
}

/*
 * Pruning for the FP-tree: items with fewer than two frequent partners in a
 * basket leave it, repeatedly; the counts stay exact.  Baskets {a,b,c,d}
 * x4, {a,b} x6, {c,d,e} x1, {e,f} x5, {a,c,e} x1; support 4/17: frequent
 * pairs ab ac ad bc bd cd ef (and ae? 1, no); {c,d,e}: e has no frequent
 * partner there, so c and d have one each and the basket is dropped;
 * {a,c,e}: e drops, then a and c have one each: dropped.  The tree holds
 * the four {a,b,c,d}.
 */
static void
test_pruning(void)
{
	static const char *const sets[5][4] = {
		{"a", "b", "c", "d"}, {"a", "b", NULL, NULL}, {"c", "d", "e", NULL},
		{"e", "f", NULL, NULL}, {"a", "c", "e", NULL}
	};
	static const int times[5] = {4, 6, 1, 5, 1};
	RecState   *s = rec_state_create(&unit_allocator, 4.0 / 17.0, 0, 4);
	RecStats	st;
	RecRule    *rules;
	int64_t		nr;
	char		msg[200];
	int			i,
				k,
				m;

	for (i = 0; i < 5; i++)
		for (k = 0; k < times[i]; k++)
		{
			size_t		lens[4] = {1, 1, 1, 1};

			for (m = 0; m < 4 && sets[i][m]; m++)
				;
			CHECK(rec_add_basket(s, sets[i], lens, m, msg, sizeof(msg)) == CXM_OK);
		}
	CHECK(rec_rules(s, &unit_allocator, &rules, &nr, &st, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
	CHECK(st.frequent_items == 6);
	CHECK(st.frequent_pairs == 7);
	CHECK(st.tree_baskets == 4);
	CHECK(st.tree_nodes == 5);
	/* itemsets: 6 items, 7 pairs, abc abd acd bcd, abcd */
	CHECK(st.itemsets == 6 + 7 + 4 + 1);
	/* rules at confidence 0: 7 pairs x 2 + 4 triples x 3 + abcd x 4 */
	CHECK(nr == 14 + 12 + 4);
	for (k = 0; k < nr; k++)
		if (rules[k].nantecedent == 3)
			CHECK(rules[k].count == 4 && rules[k].count_antecedent == 4);
	rec_rules_free(&unit_allocator, rules, nr);
	rec_state_free(s);
}

/* a basket with only repeats of one item; an item list longer than 16 */
static void
test_repeats_and_long_baskets(void)
{
	RecState   *s = rec_state_create(&unit_allocator, 0.5, 0, 5);
	const char *names[40];
	size_t		lens[40];
	char		buf[40][4];
	char		msg[200];
	RecRule    *rules;
	int64_t		nr;
	int			i;

	for (i = 0; i < 40; i++)
	{
		snprintf(buf[i], sizeof(buf[i]), "%c", 'a' + (39 - i) % 20);
		names[i] = buf[i];
		lens[i] = 1;
	}
	/* 20 distinct items, each twice, twice over: all 2..5-subsets frequent */
	CHECK(rec_add_basket(s, names, lens, 40, msg, sizeof(msg)) == CXM_OK);
	CHECK(rec_add_basket(s, names, lens, 40, msg, sizeof(msg)) == CXM_OK);
	CHECK(rec_add_basket(s, names, lens, 0, msg, sizeof(msg)) == CXM_OK);
	CHECK(s->nitems == 20 && s->nrecords == 2 && s->nbaskets == 3);
	CHECK(rec_rules(s, &unit_allocator, &rules, &nr, NULL, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
	/* sum over k = 2..5 of C(20, k) * k rules */
	CHECK(nr == 190 * 2 + 1140 * 3 + 4845 * 4 + 15504 * 5);
	if (nr > 0)
		CHECK_REL(rules[0].support, 2.0 / 3.0, 1e-15);
	rec_rules_free(&unit_allocator, rules, nr);
	rec_state_free(s);
}

int
main(void)
{
	RUN(test_params);
	RUN(test_small_known);
	RUN(test_random_brute_force);
	RUN(test_inclusive_thresholds);
	RUN(test_merge);
	RUN(test_wire_round_trip);
	RUN(test_wire_damaged);
	RUN(test_spill);
	RUN(test_merge_decoded);
	RUN(test_spill_short);
	RUN(test_pruning);
	RUN(test_repeats_and_long_baskets);
	return UNIT_DONE();
}
