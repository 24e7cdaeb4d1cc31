/*
 * fuzz_markov.c
 *	  libFuzzer target: the attribution core on arbitrary journeys and on
 *	  arbitrary Markov chains.  The first byte picks a mode:
 *
 *	  0: journeys.  byte nchannels, then per journey a length byte, that many
 *		 channel bytes and a conversions byte.  The markov credits must be
 *		 finite, >= 0 and sum to the conversions; the same journeys in reverse
 *		 order and merged from two halves give bit-identical credits; every
 *		 heuristic model also sums to the conversions.
 *	  1: raw chains for attr_markov_removal: byte n, then (from, to, count)
 *		 triples.  Any status is fine; with CXM_OK every removal effect and
 *		 P(conversion) is a probability.
 *	  2: loading a serialized state piece by piece (attr_load_channel,
 *		 attr_load_trans, totals, attr_check_state); a state that passes the
 *		 check must give a result without crashing.  The same bytes are
 *		 also read as a serialized state (attr_wire_read): refused with a
 *		 reason, or written back (attr_wire_write) to the very same bytes.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attribution_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "../unit/test_alloc.h"

static const char *const names[16] = {
	"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p"
};

/* add journeys from data[lo..hi) in the given direction; returns total */
typedef struct Journey
{
	int			len;
	int			ch[32];
	double		conv;
} Journey;

static int
parse_journeys(const uint8_t *data, size_t size, int nch, Journey *js, int maxj)
{
	size_t		pos = 0;
	int			nj = 0;

	while (pos < size && nj < maxj)
	{
		int			len = data[pos++] % 32 + 1;
		int			i;

		if (pos + (size_t) len + 1 > size)
			break;
		js[nj].len = len;
		for (i = 0; i < len; i++)
			js[nj].ch[i] = data[pos++] % nch;
		js[nj].conv = (data[pos] & 0x80) ? 0 : (double) (data[pos] & 0x7f);
		pos++;
		nj++;
	}
	return nj;
}

static void
add_all(AttrState *s, const Journey *js, int from, int to, int step)
{
	int			j;
	char		msg[128];

	for (j = from; j != to; j += step)
	{
		const char *nm[32];
		size_t		ln[32];
		int			i;

		for (i = 0; i < js[j].len; i++)
		{
			nm[i] = names[js[j].ch[i]];
			ln[i] = 1;
		}
		if (attr_add_journey(s, nm, ln, js[j].len, js[j].conv, msg, sizeof(msg)) != CXM_OK)
			abort();
	}
}

static void
check_credits(const AttrState *s, AttrCredit **out, int32_t *n)
{
	char		msg[128];
	double		total = s->total + s->total_comp;
	double		sum = 0;
	int32_t		i;

	if (attr_result(s, &unit_allocator, out, n, NULL, NULL, msg, sizeof(msg)) != CXM_OK)
		abort();
	for (i = 0; i < *n; i++)
	{
		if (!(isfinite((*out)[i].credit) && (*out)[i].credit >= 0))
			abort();
		if (i > 0 && (*out)[i].credit > (*out)[i - 1].credit)
			abort();
		sum += (*out)[i].credit;
	}
	if (fabs(sum - total) > 1e-9 * (1 + total))
		abort();
}

static void
mode_journeys(const uint8_t *data, size_t size)
{
	Journey    *js;
	int			nj,
				nch,
				m,
				half;
	AttrState  *fwd,
			   *rev,
			   *p1,
			   *p2;
	AttrCredit *r1,
			   *r2,
			   *r3;
	int32_t		n1,
				n2,
				n3,
				i;
	char		msg[128];

	if (size < 1)
		return;
	nch = data[0] % 16 + 1;
	js = calloc(256, sizeof(Journey));
	nj = parse_journeys(data + 1, size - 1, nch, js, 256);
	if (nj == 0)
	{
		free(js);
		return;
	}
	half = nj / 2;
	fwd = attr_state_create(&unit_allocator, ATTR_MARKOV);
	rev = attr_state_create(&unit_allocator, ATTR_MARKOV);
	p1 = attr_state_create(&unit_allocator, ATTR_MARKOV);
	p2 = attr_state_create(&unit_allocator, ATTR_MARKOV);
	add_all(fwd, js, 0, nj, 1);
	add_all(rev, js, nj - 1, -1, -1);
	add_all(p1, js, 0, half, 1);
	add_all(p2, js, half, nj, 1);
	if (attr_merge(p2, p1, msg, sizeof(msg)) != CXM_OK ||
		attr_check_state(p2, msg, sizeof(msg)) != CXM_OK ||
		attr_check_state(fwd, msg, sizeof(msg)) != CXM_OK)
		abort();
	check_credits(fwd, &r1, &n1);
	check_credits(rev, &r2, &n2);
	check_credits(p2, &r3, &n3);
	if (n1 != n2 || n1 != n3)
		abort();
	for (i = 0; i < n1; i++)
	{
		/* integer conversions: totals are exact, the solve is order-free */
		if (r1[i].credit != r2[i].credit || r1[i].credit != r3[i].credit ||
			r1[i].len != r2[i].len || memcmp(r1[i].name, r2[i].name, r1[i].len) != 0)
			abort();
	}
	free(r1);
	free(r2);
	free(r3);
	attr_state_free(fwd);
	attr_state_free(rev);
	attr_state_free(p1);
	attr_state_free(p2);

	for (m = 0; m < ATTR_MARKOV; m++)
	{
		AttrState  *h = attr_state_create(&unit_allocator, (AttrModel) m);

		add_all(h, js, 0, nj, 1);
		check_credits(h, &r1, &n1);
		free(r1);
		attr_state_free(h);
	}
	free(js);
}

static void
mode_chain(const uint8_t *data, size_t size)
{
	int32_t		n,
				ntr = 0,
				i;
	AttrTrans  *tr;
	double	   *re;
	double		p;
	size_t		pos = 1;
	char		msg[128];

	if (size < 1)
		return;
	n = data[0] % 40;
	tr = calloc(size / 3 + 1, sizeof(AttrTrans));
	re = calloc((size_t) n + 1, sizeof(double));
	while (pos + 3 <= size)
	{
		tr[ntr].from = data[pos] % (uint32_t) (n + 4);
		tr[ntr].to = data[pos + 1] % (uint32_t) (n + 4);
		tr[ntr].count = (int64_t) data[pos + 2] - 8;	/* a few invalid ones */
		ntr++;
		pos += 3;
	}
	if (attr_markov_removal(&unit_allocator, n, tr, ntr, re, &p, NULL, NULL, msg, sizeof(msg)) == CXM_OK)
	{
		if (!(p >= 0 && p <= 1))
			abort();
		for (i = 0; i < n; i++)
			if (!(re[i] >= 0 && re[i] <= 1))
				abort();
	}
	free(tr);
	free(re);
}

static void
mode_load(const uint8_t *data, size_t size)
{
	AttrState  *s;
	size_t		pos = 2;
	int			nch,
				i;
	char		msg[128];
	AttrCredit *r;
	int32_t		n;

	if (size < 2)
		return;
	s = attr_state_create(&unit_allocator, (AttrModel) (data[0] % ATTR_NMODELS));
	nch = data[1] % 17;
	for (i = 0; i < nch && pos < size; i++)
	{
		/* a one-byte name from the input (duplicates are refused) */
		double		credit = s->model == ATTR_MARKOV ? 0 : (double) (data[pos] >> 4);

		(void) attr_load_channel(s, (const char *) &data[pos], 1, credit, 0, msg, sizeof(msg));
		pos++;
	}
	while (pos + 3 <= size && data[pos] != 0xff)
	{
		(void) attr_load_trans(s, data[pos] % 24, data[pos + 1] % 24,
							   (int64_t) data[pos + 2] - 2, msg, sizeof(msg));
		pos += 3;
	}
	if (pos + 3 <= size)
	{
		s->njourneys = data[pos + 1];
		s->total = data[pos + 2];
	}
	if (attr_check_state(s, msg, sizeof(msg)) == CXM_OK && s->njourneys > 0)
	{
		CxmStatus	st = attr_result(s, &unit_allocator, &r, &n, NULL, NULL, msg, sizeof(msg));

		if (st == CXM_OK)
		{
			for (i = 0; i < n; i++)
				if (!(isfinite(r[i].credit) && r[i].credit >= 0))
					abort();
			free(r);
		}
		else if (s->model != ATTR_MARKOV)
			abort();
	}
	attr_state_free(s);

	/* the same bytes as a serialized state: refused, or read back and
	 * written again to the very same bytes */
	if (attr_wire_read(data, size, &unit_allocator, &s, msg, sizeof(msg)) == CXM_OK)
	{
		WireWriter	w;

		wire_writer_init(&w, &unit_allocator, 0, size);
		attr_wire_write(&w, s);
		if (w.len != size || memcmp(w.buf, data, size) != 0)
			abort();
		free(w.buf);
		attr_state_free(s);
	}
	else if (s != NULL || msg[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3)
	{
		case 0:
			mode_journeys(data + 1, size - 1);
			break;
		case 1:
			mode_chain(data + 1, size - 1);
			break;
		default:
			mode_load(data + 1, size - 1);
			break;
	}
	return 0;
}
