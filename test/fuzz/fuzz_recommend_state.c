/*
 * fuzz_recommend_state.c
 *	  libFuzzer target: assoc_rules' serialized state as
 *	  assoc_rules_deserial reads it (rec_wire_decode, the very code the
 *	  server runs), plus round trips and merges of baskets built from the
 *	  input.  Byte 0 picks the part (low two bits):
 *
 *	  0  raw: the rest is a state.  When rec_wire_decode accepts it, the
 *		 state encodes back to the very same bytes, and (when it is small
 *		 enough to mine quickly: at most 40 items and max_length 4)
 *		 rec_rules returns CXM_OK or CXM_ERANGE with rules whose counts are
 *		 consistent: count <= both marginal counts <= baskets, support and
 *		 confidence within the thresholds; the same once it is merged, as
 *		 a segment read through a map, into a state of another basket.  When it rejects, there is a
 *		 message and no state.
 *	  1  round trip: baskets over 12 items from the input (a length byte,
 *		 then item bytes), thresholds from the first bytes; the encoded
 *		 state decodes to the same bytes and the same rules, every proper
 *		 prefix is rejected, and flipped bytes are accepted or rejected
 *		 without a crash (accepted ones go through part 0's checks).
 *	  2  merge: the same baskets in one state and split between two merged
 *		 states give the same rules; the two parts and the accumulator
 *		 spill their logs beyond a few bytes (from the thresholds' bytes)
 *		 to files in memory read through small windows.
 * States are copied into buffers of their exact size, so ASan sees any read
 * past the end.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recommend_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "../unit/test_alloc.h"
#include "../unit/rec_fake_spill.h"

static const char *const item_names[12] = {
	"a", "b", "c", "d", "e", "f", "g", "h", "", "bb", "ab", "\xff"
};

static void
require(bool ok)
{
	if (!ok)
		abort();
}

static void
check_rules(const RecState *s)
{
	RecRule    *rules;
	int64_t		nr,
				k;
	char		msg[256];
	CxmStatus	st;
	int64_t		nb = rec_nbaskets(s);

	st = rec_rules(s, &unit_allocator, &rules, &nr, NULL, NULL, NULL, msg, sizeof(msg));
	require(st == CXM_OK || st == CXM_ERANGE);
	if (st != CXM_OK)
		return;
	for (k = 0; k < nr; k++)
	{
		const RecRule *r = &rules[k];

		require(r->nantecedent >= 1 && r->nantecedent < s->max_length);
		require(r->count > 0 && r->count <= r->count_antecedent &&
				r->count <= r->count_consequent && r->count_antecedent <= nb &&
				r->count_consequent <= nb);
		require(r->support >= s->min_support && r->confidence >= s->min_confidence);
		require(r->consequent >= 0 && r->consequent < s->nitems);
	}
	rec_rules_free(&unit_allocator, rules, nr);
}

static unsigned char *
encode(RecState *s, size_t *len)
{
	unsigned char *buf = rec_encode_exact(s, &unit_allocator, len);

	require(buf != NULL);
	return buf;
}

/* part 0 on an exact-size copy of buf[0..len) */
static void
raw_state(const unsigned char *in, size_t len)
{
	unsigned char *buf = malloc(len ? len : 1);
	RecState   *s;
	char		msg[256];

	require(buf != NULL);
	if (len)
		memcpy(buf, in, len);
	msg[0] = '\0';
	if (rec_wire_decode(&unit_allocator, buf, len, &s, msg, sizeof(msg)) == CXM_OK)
	{
		size_t		len2;
		unsigned char *again = encode(s, &len2);

		require(len2 == len && memcmp(again, buf, len) == 0);
		free(again);
		if (s->nitems <= 40 && s->max_length <= 4)
		{
			/* merged as the combine function does: a segment read through a map */
			RecState   *acc = rec_state_create(&unit_allocator, s->min_support,
											   s->min_confidence, s->max_length);
			const char *first[2] = {"zz", "a"};
			size_t		lens[2] = {2, 1};

			check_rules(s);
			require(rec_add_basket(acc, first, lens, 2, msg, sizeof(msg)) == CXM_OK);
			require(rec_merge(acc, s, msg, sizeof(msg)) == CXM_OK);
			require(rec_nbaskets(acc) == rec_nbaskets(s) + 1);
			check_rules(acc);
			rec_state_free(acc);
		}
		rec_state_free(s);
	}
	else
		require(s == NULL && msg[0] != '\0');
	free(buf);
}

/* a state with thresholds from data[0..3) */
static RecState *
state_from(const uint8_t *data, size_t size)
{
	double		sup = (1 + data[0]) / 256.0;
	double		conf = data[1] / 255.0;
	int			maxlen = 2 + data[2] % 3;
	RecState   *s = rec_state_create(&unit_allocator, sup, conf, maxlen);

	(void) size;
	return s;
}

/*
 * Baskets from data[3..size): a length byte, then item bytes.  With b NULL
 * every basket goes to a; else a basket whose length byte has its high bit
 * set goes to b, the others to a.
 */
static void
add_baskets(const uint8_t *data, size_t size, RecState *a, RecState *b)
{
	size_t		pos = 3;
	int			nb = 0;
	char		msg[256];

	while (pos < size && nb < 200)
	{
		int			len = data[pos] % 9;
		RecState   *to = (b != NULL && (data[pos] & 0x80)) ? b : a;
		const char *names[8];
		size_t		lens[8];
		int			i;

		pos++;
		if (pos + (size_t) len > size)
			break;
		for (i = 0; i < len; i++)
		{
			names[i] = item_names[data[pos + i] % 12];
			lens[i] = strlen(names[i]);
		}
		require(rec_add_basket(to, names, lens, len, msg, sizeof(msg)) == CXM_OK);
		pos += (size_t) len;
		nb++;
	}
}

static bool
same_rules(const RecState *x, const RecState *y)
{
	RecRule    *rx,
			   *ry;
	int64_t		nx,
				ny,
				k;
	char		msg[256];
	bool		same;

	require(rec_rules(x, &unit_allocator, &rx, &nx, NULL, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
	require(rec_rules(y, &unit_allocator, &ry, &ny, NULL, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
	same = nx == ny;
	for (k = 0; same && k < nx; k++)
	{
		int32_t		q;

		same = rx[k].count == ry[k].count && rx[k].count_antecedent == ry[k].count_antecedent &&
			rx[k].count_consequent == ry[k].count_consequent &&
			rx[k].nantecedent == ry[k].nantecedent && rx[k].support == ry[k].support &&
			rx[k].confidence == ry[k].confidence && rx[k].lift == ry[k].lift &&
			x->items[rx[k].consequent].len == y->items[ry[k].consequent].len &&
			memcmp(x->items[rx[k].consequent].name, y->items[ry[k].consequent].name,
				   x->items[rx[k].consequent].len) == 0;
		for (q = 0; same && q < rx[k].nantecedent; q++)
			same = x->items[rx[k].antecedent[q]].len == y->items[ry[k].antecedent[q]].len &&
				memcmp(x->items[rx[k].antecedent[q]].name, y->items[ry[k].antecedent[q]].name,
					   x->items[rx[k].antecedent[q]].len) == 0;
	}
	rec_rules_free(&unit_allocator, rx, nx);
	rec_rules_free(&unit_allocator, ry, ny);
	return same;
}

static void
round_trip(const uint8_t *data, size_t size)
{
	RecState   *s,
			   *d;
	unsigned char *buf;
	size_t		len,
				cut,
				i;
	char		msg[256];

	if (size < 3)
		return;
	s = state_from(data, size);
	add_baskets(data, size, s, NULL);
	buf = encode(s, &len);
	require(rec_wire_decode(&unit_allocator, buf, len, &d, msg, sizeof(msg)) == CXM_OK);
	{
		size_t		len2;
		unsigned char *again = encode(d, &len2);

		require(len2 == len && memcmp(again, buf, len) == 0);
		free(again);
	}
	require(same_rules(s, d));
	rec_state_free(d);
	for (cut = 0; cut < len; cut += 1 + cut / 8)
	{
		unsigned char *c = malloc(cut ? cut : 1);

		memcpy(c, buf, cut);
		require(rec_wire_decode(&unit_allocator, c, cut, &d, msg, sizeof(msg)) == CXM_EINVAL);
		free(c);
	}
	for (i = 3; i + 1 < size && len > 0; i += 2)
	{
		buf[data[i] * 131 % len] ^= data[i + 1] | 1;
		raw_state(buf, len);
	}
	free(buf);
	rec_state_free(s);
}

static void
merge(const uint8_t *data, size_t size)
{
	RecState   *whole,
			   *a,
			   *b,
			   *acc;
	char		msg[256];
	FakeFile	fa = {0},
				fb = {0},
				fc = {0};

	if (size < 3)
		return;

	whole = state_from(data, size);
	a = state_from(data, size);
	b = state_from(data, size);
	acc = state_from(data, size);
	rec_state_set_spill(a, &fake_spill, &fa, data[0]);
	rec_state_set_spill(b, &fake_spill, &fb, data[1]);
	rec_state_set_spill(acc, &fake_spill, &fc, data[0] + data[1]);
	a->read_window = 1 + data[2] % 7;
	acc->read_window = 1 + data[1] % 5;
	add_baskets(data, size, whole, NULL);
	add_baskets(data, size, a, b);
	require(rec_merge(acc, b, msg, sizeof(msg)) == CXM_OK);
	require(rec_merge(acc, a, msg, sizeof(msg)) == CXM_OK);
	require(rec_nbaskets(acc) == rec_nbaskets(whole));
	require(same_rules(acc, whole));
	rec_state_free(whole);
	rec_state_free(a);
	rec_state_free(b);
	rec_state_free(acc);
	free(fa.data);
	free(fb.data);
	free(fc.data);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3)
	{
		case 0:
		case 3:
			raw_state(data + 1, size - 1);
			break;
		case 1:
			round_trip(data + 1, size - 1);
			break;
		case 2:
			merge(data + 1, size - 1);
			break;
	}
	return 0;
}
