/*
 * test_recommend.c
 *	  Unit tests of recommend_core.c: assoc_rules' FP-growth against a
 *	  brute-force count of every itemset on random baskets, merges, the wire
 *	  format and its validation.
 */
#include <stdint.h>

#include "unit.h"
#include "test_wire.h"
#include "recommend_core.h"

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

	CHECK(rec_rules(s, &unit_allocator, &rules, &nr, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
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
	CHECK(rec_rules(s, &unit_allocator, &rules, &nr, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
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

		CHECK(rec_rules(s, &unit_allocator, &rules, &nr, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
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
		/* as the combine function does: the first part copied, the others merged */
		acc = rec_state_copy(&unit_allocator, part[trial % 3]);
		for (i = 1; i < 3; i++)
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
encode(const RecState *s, size_t *len)
{
	unsigned char *buf;

	*len = rec_wire_size(s);
	buf = malloc(*len);
	rec_wire_encode(s, buf);
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

				CHECK(rec_rules(d, &unit_allocator, &rules, &nr, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
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

	/* header: version, 0.5, 0.5, 3, two items "a", "b" */
	n = 0;
	buf[n++] = REC_WIRE_VERSION;
	n += putd(buf + n, 0.5);
	n += putd(buf + n, 0.5);
	n += put32(buf + n, 3);
	n += put32(buf + n, 2);
	n += put32(buf + n, 1);
	buf[n++] = 'a';
	n += put32(buf + n, 1);
	buf[n++] = 'b';
	hdr = n;

#define TREE(baskets, nnodes) \
	(n = hdr, n += put64(buf + n, (baskets)), n += put32(buf + n, (nnodes)))
#define NODE(parent, item, count) \
	(n += put32(buf + n, (parent)), n += put32(buf + n, (item)), n += put64(buf + n, (count)))
#define EXPECT(ok, text) \
	do { \
		CxmStatus st_ = rec_wire_decode(&unit_allocator, buf, n, &d, msg, sizeof(msg)); \
		CHECK(st_ == ((ok) ? CXM_OK : CXM_EINVAL)); \
		if (!(ok)) CHECK(strstr(msg, (text)) != NULL); \
		if (!(ok) && strstr(msg, (text)) == NULL) fprintf(stderr, "  got: %s\n", msg); \
		rec_state_free(d); \
	} while (0)

	TREE(3, 2);
	NODE(0, 0, 2);
	NODE(1, 1, 1);
	EXPECT(true, "");
	TREE(1, 2);
	NODE(0, 0, 2);
	NODE(1, 1, 1);
	EXPECT(false, "basket count");
	TREE(3, 2);
	NODE(0, 0, 1);
	NODE(1, 1, 2);
	EXPECT(false, "fewer baskets than its children");
	TREE(3, 2);
	NODE(0, 1, 2);
	NODE(1, 0, 1);
	EXPECT(false, "does not ascend");
	TREE(3, 2);
	NODE(0, 0, 2);
	NODE(2, 1, 1);
	EXPECT(false, "parent does not precede");
	TREE(3, 2);
	NODE(0, 0, 2);
	NODE(0, 0, 1);
	EXPECT(false, "same item");
	TREE(3, 1);
	NODE(0, 2, 2);
	EXPECT(false, "unknown");
	TREE(3, 1);
	NODE(0, 0, 0);
	EXPECT(false, "not positive");
	TREE(3, 1);
	NODE(0, 0, UINT64_C(0x8000000000000000));
	EXPECT(false, "not positive");
	TREE(3, 2);
	NODE(0, 0, 2);
	EXPECT(false, "node count");
	TREE(UINT64_C(0x8000000000000000), 0);
	EXPECT(false, "negative basket count");
	/* a repeated item name */
	n = hdr - 1;
	buf[n++] = 'a';
	hdr = n;
	TREE(0, 0);
	EXPECT(false, "appears twice");
	buf[hdr - 1] = 'b';
	/* version and thresholds */
	TREE(0, 0);
	buf[0] = 9;
	EXPECT(false, "version 9");
	buf[0] = REC_WIRE_VERSION;
	putd(buf + 1, 0);
	EXPECT(false, "min_support");
	putd(buf + 1, 0.5);
	put32(buf + 17, 1);
	EXPECT(false, "max_length");
	put32(buf + 17, 3);
	put32(buf + 21, 1000);
	EXPECT(false, "item count");
	put32(buf + 21, 2);
	EXPECT(true, "");
#undef TREE
#undef NODE
#undef EXPECT
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
	CHECK(s->nnodes == 21);
	CHECK(rec_rules(s, &unit_allocator, &rules, &nr, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
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
	RUN(test_repeats_and_long_baskets);
	return UNIT_DONE();
}
