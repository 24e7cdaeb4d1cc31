/*
 * test_attribution.c
 *	  Unit tests of attribution_core.c: the heuristic models by hand, the
 *	  Markov removal effect by hand and against an independent dense solve
 *	  (repeated squaring of the full transition matrix, one chain per
 *	  removed channel), order independence, merging, self-loop invariance,
 *	  loading and checking serialized pieces, and the error paths.
 */
#include "unit.h"
#include "attribution_core.h"
#include "test_wire.h"

#define MAXP 16

/* a journey written as "a b c" (space separated) */
static CxmStatus
add(AttrState *s, const char *path, double conv)
{
	const char *names[MAXP];
	size_t		lens[MAXP];
	int			n = 0;
	const char *p = path;
	char		msg[256];

	while (*p)
	{
		const char *q = p;

		while (*q && *q != ' ')
			q++;
		names[n] = p;
		lens[n] = (size_t) (q - p);
		n++;
		p = *q ? q + 1 : q;
	}
	return attr_add_journey(s, names, lens, n, conv, msg, sizeof(msg));
}

/* credit of a channel in a result, -1 when absent */
static double
credit_of(const AttrCredit *r, int32_t n, const char *name)
{
	int32_t		i;

	for (i = 0; i < n; i++)
		if (r[i].len == strlen(name) && memcmp(r[i].name, name, r[i].len) == 0)
			return r[i].credit;
	return -1;
}

static AttrCredit *
result(AttrState *s, int32_t *n)
{
	AttrCredit *r = NULL;
	char		msg[256];
	CxmStatus	st = attr_result(s, &unit_allocator, &r, n, NULL, NULL, msg, sizeof(msg));

	if (st != CXM_OK)
		fprintf(stderr, "  attr_result: %s\n", msg);
	CHECK(st == CXM_OK);
	return r;
}

static void
test_model_names(void)
{
	AttrModel	m;

	CHECK(attr_model_parse("first_touch", 11, &m) && m == ATTR_FIRST_TOUCH);
	CHECK(attr_model_parse("last_touch", 10, &m) && m == ATTR_LAST_TOUCH);
	CHECK(attr_model_parse("linear", 6, &m) && m == ATTR_LINEAR);
	CHECK(attr_model_parse("position", 8, &m) && m == ATTR_POSITION);
	CHECK(attr_model_parse("markov", 6, &m) && m == ATTR_MARKOV);
	CHECK(!attr_model_parse("Markov", 6, &m));
	CHECK(!attr_model_parse("linea", 5, &m));
	CHECK(!attr_model_parse("linear ", 7, &m));
	CHECK(!attr_model_parse("", 0, &m));
	CHECK(strcmp(attr_model_name(ATTR_POSITION), "position") == 0);
}

/*
 * journeys {a b c d} 10, {b} 2, {c a} 0, {b b} 4:
 *   first_touch  a 10, b 2 + 4, c 0, d 0
 *   last_touch   d 10, b 2 + 4, a 0, c 0
 *   linear       a 2.5, b 2.5 + 2 + 4, c 2.5, d 2.5
 *   position     a 4, b 1 + 2 + (2 + 2), c 1, d 4  (40/10/10/40, 100, 50/50)
 */
static void
hand_state(AttrState *s)
{
	CHECK(add(s, "a b c d", 10) == CXM_OK);
	CHECK(add(s, "b", 2) == CXM_OK);
	CHECK(add(s, "c a", 0) == CXM_OK);
	CHECK(add(s, "b b", 4) == CXM_OK);
}

static void
test_heuristics_by_hand(void)
{
	static const struct
	{
		AttrModel	m;
		double		a, b, c, d;
	}			want[] = {
		{ATTR_FIRST_TOUCH, 10, 6, 0, 0},
		{ATTR_LAST_TOUCH, 0, 6, 0, 10},
		{ATTR_LINEAR, 2.5, 2.5 + 2 + 4, 2.5, 2.5},
		/* a 0.4*10, b 0.1*10 + 2 + 2*2, c 0.1*10, d 0.4*10 */
		{ATTR_POSITION, 4, 1 + 2 + 4, 1, 4},
	};
	size_t		k;

	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++)
	{
		AttrState  *s = attr_state_create(&unit_allocator, want[k].m);
		AttrCredit *r;
		int32_t		n;

		hand_state(s);
		r = result(s, &n);
		CHECK(n == 4);
		CHECK_NEAR(credit_of(r, n, "a"), want[k].a, 1e-12);
		CHECK_NEAR(credit_of(r, n, "b"), want[k].b, 1e-12);
		CHECK_NEAR(credit_of(r, n, "c"), want[k].c, 1e-12);
		CHECK_NEAR(credit_of(r, n, "d"), want[k].d, 1e-12);
		/* ordered by credit descending, then name */
		CHECK(n == 4 && r[0].credit >= r[1].credit && r[1].credit >= r[2].credit &&
			  r[2].credit >= r[3].credit);
		free(r);
		attr_state_free(s);
	}
}

/*
 * Journeys with counts: "a b" three times (2 conversions each), "b c" twice
 * (none) and "c" once (1) added as three weighted rows give every model the
 * credits of the six rows added one by one.
 */
static void
test_journey_counts(void)
{
	AttrModel	m;

	for (m = ATTR_FIRST_TOUCH; m <= ATTR_MARKOV; m++)
	{
		AttrState  *one = attr_state_create(&unit_allocator, m);
		AttrState  *w = attr_state_create(&unit_allocator, m);
		const char *ab[] = {"a", "b"}, *bc[] = {"b", "c"}, *c[] = {"c"};
		size_t		l2[] = {1, 1}, l1[] = {1};
		AttrCredit *r1, *r2;
		int32_t		n1, n2, i;
		char		msg[256];

		for (i = 0; i < 3; i++)
			CHECK(add(one, "a b", 2) == CXM_OK);
		for (i = 0; i < 2; i++)
			CHECK(add(one, "b c", 0) == CXM_OK);
		CHECK(add(one, "c", 1) == CXM_OK);
		CHECK(attr_add_journeys(w, ab, l2, 2, 6, 3, msg, sizeof(msg)) == CXM_OK);
		CHECK(attr_add_journeys(w, bc, l2, 2, 0, 2, msg, sizeof(msg)) == CXM_OK);
		CHECK(attr_add_journeys(w, c, l1, 1, 1, 1, msg, sizeof(msg)) == CXM_OK);
		CHECK(w->njourneys == 6 && one->njourneys == 6);
		/* a count below 1 is refused and changes nothing */
		CHECK(attr_add_journeys(w, c, l1, 1, 1, 0, msg, sizeof(msg)) == CXM_EINVAL);
		CHECK(strstr(msg, "journeys 0") != NULL);
		r1 = result(one, &n1);
		r2 = result(w, &n2);
		CHECK(n1 == 3 && n2 == 3);
		for (i = 0; i < n1 && i < n2; i++)
		{
			CHECK(r1[i].len == r2[i].len && memcmp(r1[i].name, r2[i].name, r1[i].len) == 0);
			CHECK_NEAR(r1[i].credit, r2[i].credit, 1e-12);
		}
		free(r1);
		free(r2);
		attr_state_free(one);
		attr_state_free(w);
	}
}

static void
test_order_ties_by_name(void)
{
	AttrState  *s = attr_state_create(&unit_allocator, ATTR_LINEAR);
	AttrCredit *r;
	int32_t		n;

	CHECK(add(s, "zz z zzz y", 0) == CXM_OK);
	CHECK(add(s, "m", 1) == CXM_OK);
	r = result(s, &n);
	CHECK(n == 5);
	if (n == 5)
	{
		CHECK(r[0].len == 1 && r[0].name[0] == 'm' && r[0].credit == 1);
		CHECK(r[1].len == 1 && r[1].name[0] == 'y' && r[1].credit == 0);
		CHECK(r[2].len == 1 && r[2].name[0] == 'z');
		CHECK(r[3].len == 2 && memcmp(r[3].name, "zz", 2) == 0);
		CHECK(r[4].len == 3);
	}
	free(r);
	attr_state_free(s);
}

/* nothing converts: every channel listed with credit 0 */
static void
test_no_conversions(void)
{
	int			m;

	for (m = 0; m < ATTR_NMODELS; m++)
	{
		AttrState  *s = attr_state_create(&unit_allocator, (AttrModel) m);
		AttrCredit *r;
		int32_t		n,
					i;

		CHECK(add(s, "a b", 0) == CXM_OK);
		CHECK(add(s, "c", 0) == CXM_OK);
		r = result(s, &n);
		CHECK(n == 3);
		for (i = 0; i < n; i++)
			CHECK(r[i].credit == 0);
		free(r);
		attr_state_free(s);
	}
}

/*
 * Markov by hand: {a b} 1, {a c} 0, {b} 1.
 *   start -> a 2/3, start -> b 1/3; a -> b 1/2, a -> c 1/2; b -> conv; c -> null
 *   x_b = 1, x_c = 0, x_a = 1/2, P = 2/3 * 1/2 + 1/3 = 2/3
 *   without a: P = 1/3, RE = 1/2; without b: P = 0, RE = 1; without c: RE = 0
 *   credits of the 2 conversions: a 2 * (1/2) / (3/2) = 2/3, b 4/3, c 0
 */
static void
test_markov_by_hand(void)
{
	AttrState  *s = attr_state_create(&unit_allocator, ATTR_MARKOV);
	AttrCredit *r;
	int32_t		n;

	CHECK(add(s, "a b", 1) == CXM_OK);
	CHECK(add(s, "a c", 0) == CXM_OK);
	CHECK(add(s, "b", 1) == CXM_OK);
	r = result(s, &n);
	CHECK(n == 3);
	CHECK_NEAR(credit_of(r, n, "a"), 2.0 / 3, 1e-14);
	CHECK_NEAR(credit_of(r, n, "b"), 4.0 / 3, 1e-14);
	CHECK_NEAR(credit_of(r, n, "c"), 0, 0);
	CHECK(n == 3 && r[0].name[0] == 'b' && r[1].name[0] == 'a' && r[2].name[0] == 'c');
	free(r);
	attr_state_free(s);
}

/*
 * A cycle: {a b a} 1, {b a} 0, {a} 0.
 *   counts: start -> a 2, start -> b 1; a -> b 1, a -> conv 1, a -> null 2;
 *   b -> a 2.  So a -> b 1/4, a -> conv 1/4, a -> null 1/2, b -> a 1.
 *   x_a = 1/4 x_b + 1/4, x_b = x_a  =>  x_a = x_b = 1/3, P = 1/3.
 *   without a: nothing reaches conv, RE(a) = 1.
 *   without b: x_a = 1/4, P = 2/3 * 1/4 = 1/6, RE(b) = 1/2.
 *   credits of 1 conversion: a 2/3, b 1/3.
 */
static void
test_markov_cycle_by_hand(void)
{
	AttrState  *s = attr_state_create(&unit_allocator, ATTR_MARKOV);
	AttrCredit *r;
	int32_t		n;

	CHECK(add(s, "a b a", 1) == CXM_OK);
	CHECK(add(s, "b a", 0) == CXM_OK);
	CHECK(add(s, "a", 0) == CXM_OK);
	r = result(s, &n);
	CHECK(n == 2);
	CHECK_NEAR(credit_of(r, n, "a"), 2.0 / 3, 1e-14);
	CHECK_NEAR(credit_of(r, n, "b"), 1.0 / 3, 1e-14);
	free(r);
	attr_state_free(s);
}

/* ---- independent solve: repeated squaring of the full transition matrix -- */

static uint64_t rng_state = 88172645463325252ull;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t) (rng_state >> 11);
}

/*
 * P(absorbed in CONV from START) for the chain given by the count list,
 * with channel `removed` (or -1) redirected to NULL.  m = n + 3 states;
 * T <- T * T until the transient mass left from START is below 1e-15.
 */
static double
dense_pconv(int32_t n, const AttrTrans *tr, int32_t ntr, int32_t removed)
{
	int32_t		m = n + 3;
	double	   *P = calloc((size_t) m * m, sizeof(double));
	double	   *T = calloc((size_t) m * m, sizeof(double));
	double	   *rowsum = calloc((size_t) m, sizeof(double));
	int32_t		i,
				j,
				k,
				it;
	double		result;

	for (k = 0; k < ntr; k++)
		rowsum[tr[k].from] += (double) tr[k].count;
	for (k = 0; k < ntr; k++)
	{
		uint32_t	to = tr[k].to;

		if (removed >= 0 && to == ATTR_STATE_CHANNEL(removed))
			to = ATTR_NULL;
		P[tr[k].from * m + to] += (double) tr[k].count / rowsum[tr[k].from];
	}
	P[ATTR_CONV * m + ATTR_CONV] = 1;
	P[ATTR_NULL * m + ATTR_NULL] = 1;
	for (i = 0; i < m; i++)
		if (rowsum[i] == 0)
			P[i * m + ATTR_NULL] = 1 - (i == ATTR_CONV || i == ATTR_NULL);
	for (it = 0; it < 200; it++)
	{
		double		left = 0;

		for (j = 3; j < m; j++)
			left += P[ATTR_START * m + j];
		left += P[ATTR_START * m + ATTR_START];
		if (left < 1e-15)
			break;
		for (i = 0; i < m; i++)
			for (j = 0; j < m; j++)
			{
				double		v = 0;

				for (k = 0; k < m; k++)
					v += P[i * m + k] * P[k * m + j];
				T[i * m + j] = v;
			}
		memcpy(P, T, sizeof(double) * m * m);
	}
	result = P[ATTR_START * m + ATTR_CONV];
	free(P);
	free(T);
	free(rowsum);
	return result;
}

/* random journeys over n channels into a state; names "c0", "c1", ... */
static void
random_journeys(AttrState *s, int n, int njourneys, int maxlen, int conv_pct)
{
	int			j;

	for (j = 0; j < njourneys; j++)
	{
		char		buf[MAXP][16];
		const char *names[MAXP];
		size_t		lens[MAXP];
		int			len = 1 + (int) (rng() % (uint32_t) maxlen);
		int			i;
		double		conv = (int) (rng() % 100) < conv_pct ? 1 + rng() % 5 : 0;
		char		msg[128];

		for (i = 0; i < len; i++)
		{
			snprintf(buf[i], sizeof(buf[i]), "c%u", rng() % (uint32_t) n);
			names[i] = buf[i];
			lens[i] = strlen(buf[i]);
		}
		CHECK(attr_add_journey(s, names, lens, len, conv, msg, sizeof(msg)) == CXM_OK);
	}
}

static void
test_markov_against_dense(void)
{
	int			round;

	for (round = 0; round < 60; round++)
	{
		AttrState  *s = attr_state_create(&unit_allocator, ATTR_MARKOV);
		int			nch = 2 + (int) (rng() % 10);
		double	   *re;
		double		p_conv,
					p_dense;
		int32_t		i;
		char		msg[256];

		random_journeys(s, nch, 5 + (int) (rng() % 40), 1 + (int) (rng() % 8),
						(int) (rng() % 100));
		re = calloc((size_t) s->nchannels + 1, sizeof(double));
		CHECK(attr_markov_removal(&unit_allocator, s->nchannels, s->tr, s->ntrans,
								  re, &p_conv, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
		p_dense = dense_pconv(s->nchannels, s->tr, s->ntrans, -1);
		CHECK_NEAR(p_conv, p_dense, 1e-12);
		for (i = 0; i < s->nchannels; i++)
		{
			double		want = p_dense > 0 ?
				1 - dense_pconv(s->nchannels, s->tr, s->ntrans, i) / p_dense : 0;

			CHECK_NEAR(re[i], want, 1e-11);
		}
		free(re);
		attr_state_free(s);
	}
}

/*
 * Reference for larger chains: absorption probabilities by Gauss-Seidel
 * sweeps over the sparse counts until nothing changes by more than 1e-17,
 * one chain per removed channel.
 */
static double
iter_pconv(int32_t n, const AttrTrans *tr, int32_t ntr, int32_t removed)
{
	double	   *x = calloc((size_t) n + 1, sizeof(double));
	double	   *out = calloc((size_t) n + 1, sizeof(double));
	int32_t    *head = malloc(sizeof(int32_t) * ((size_t) n + 1));
	int32_t    *next = malloc(sizeof(int32_t) * ((size_t) ntr + 1));
	double		start_total = 0,
				p = 0;
	int32_t		k,
				i,
				it;

	for (i = 0; i < n; i++)
		head[i] = -1;
	for (k = 0; k < ntr; k++)
	{
		if (tr[k].from == ATTR_START)
		{
			start_total += (double) tr[k].count;
			continue;
		}
		i = ATTR_CHANNEL_OF(tr[k].from);
		out[i] += (double) tr[k].count;
		next[k] = head[i];
		head[i] = k;
	}
	for (it = 0; it < 100000; it++)
	{
		double		d = 0;

		for (i = 0; i < n; i++)
		{
			double		v = 0;

			if (i == removed)
				continue;
			for (k = head[i]; k >= 0; k = next[k])
			{
				if (tr[k].to == ATTR_CONV)
					v += (double) tr[k].count;
				else if (tr[k].to >= ATTR_STATE_CHANNEL(0) &&
						 ATTR_CHANNEL_OF(tr[k].to) != removed)
					v += (double) tr[k].count * x[ATTR_CHANNEL_OF(tr[k].to)];
			}
			v /= out[i];
			if (fabs(v - x[i]) > d)
				d = fabs(v - x[i]);
			x[i] = v;
		}
		if (d < 1e-17)
			break;
	}
	for (k = 0; k < ntr; k++)
		if (tr[k].from == ATTR_START && ATTR_CHANNEL_OF(tr[k].to) != removed)
			p += (double) tr[k].count * x[ATTR_CHANNEL_OF(tr[k].to)];
	free(x);
	free(out);
	free(head);
	free(next);
	return p / start_total;
}

/* 70-110 channels: several blocks of the blocked inverse diagonal */
static void
test_markov_blocks_against_iteration(void)
{
	int			round;

	for (round = 0; round < 3; round++)
	{
		AttrState  *s = attr_state_create(&unit_allocator, ATTR_MARKOV);
		int			nch = 70 + 20 * round;
		double	   *re;
		double		p_conv,
					p_ref;
		int32_t		i;
		char		msg[256];

		random_journeys(s, nch, 3000, 10, 30);
		re = calloc((size_t) s->nchannels + 1, sizeof(double));
		CHECK(attr_markov_removal(&unit_allocator, s->nchannels, s->tr, s->ntrans,
								  re, &p_conv, NULL, NULL, msg, sizeof(msg)) == CXM_OK);
		p_ref = iter_pconv(s->nchannels, s->tr, s->ntrans, -1);
		CHECK_NEAR(p_conv, p_ref, 1e-13);
		for (i = 0; i < s->nchannels; i++)
			CHECK_NEAR(re[i], 1 - iter_pconv(s->nchannels, s->tr, s->ntrans, i) / p_ref, 1e-11);
		free(re);
		attr_state_free(s);
	}
}

/* shuffled input order and merged partial states give the same credits */
static void
test_order_and_merge(void)
{
	int			m;

	for (m = 0; m < ATTR_NMODELS; m++)
	{
		AttrState  *whole = attr_state_create(&unit_allocator, (AttrModel) m);
		AttrState  *p1 = attr_state_create(&unit_allocator, (AttrModel) m);
		AttrState  *p2 = attr_state_create(&unit_allocator, (AttrModel) m);
		AttrState  *rev = attr_state_create(&unit_allocator, (AttrModel) m);
		AttrCredit *rw,
				   *rm,
				   *rr;
		int32_t		nw,
					nm,
					nr,
					i;
		uint64_t	seed = rng_state;
		char		msg[256];

		random_journeys(whole, 30, 400, 6, 30);
		rng_state = seed;
		random_journeys(p1, 30, 150, 6, 30);
		random_journeys(p2, 30, 250, 6, 30);
		/* the second part first: channels get other indexes */
		CHECK(attr_merge(rev, p2, msg, sizeof(msg)) == CXM_OK);
		CHECK(attr_merge(rev, p1, msg, sizeof(msg)) == CXM_OK);
		CHECK(attr_merge(p1, p2, msg, sizeof(msg)) == CXM_OK);
		CHECK(attr_check_state(p1, msg, sizeof(msg)) == CXM_OK);
		CHECK(attr_check_state(rev, msg, sizeof(msg)) == CXM_OK);
		CHECK(p1->njourneys == 400 && rev->njourneys == 400);
		rw = result(whole, &nw);
		rm = result(p1, &nm);
		rr = result(rev, &nr);
		CHECK(nw == nm && nw == nr);
		for (i = 0; i < nw && i < nm && i < nr; i++)
		{
			double		want = rw[i].credit;

			CHECK_NEAR(rm[i].credit, want, 1e-9 * (1 + want));
			CHECK_NEAR(rr[i].credit, want, 1e-9 * (1 + want));
		}
		free(rw);
		free(rm);
		free(rr);
		attr_state_free(whole);
		attr_state_free(p1);
		attr_state_free(p2);
		attr_state_free(rev);
	}
}

/* credits sum to the total conversions of the converting journeys */
static void
test_credits_sum_to_total(void)
{
	int			m;

	for (m = 0; m < ATTR_NMODELS; m++)
	{
		AttrState  *s = attr_state_create(&unit_allocator, (AttrModel) m);
		AttrCredit *r;
		int32_t		n,
					i;
		double		sum = 0;
		double		total;

		random_journeys(s, 50, 2000, 10, 25);
		total = s->total + s->total_comp;
		r = result(s, &n);
		for (i = 0; i < n; i++)
		{
			CHECK(r[i].credit >= 0);
			sum += r[i].credit;
		}
		CHECK(total > 0);
		CHECK_NEAR(sum, total, 1e-9 * total);
		free(r);
		attr_state_free(s);
	}
}

/* repeated touches (self-loops) do not change the markov credits */
static void
test_self_loops_cancel(void)
{
	AttrState  *a = attr_state_create(&unit_allocator, ATTR_MARKOV);
	AttrState  *b = attr_state_create(&unit_allocator, ATTR_MARKOV);
	AttrCredit *ra,
			   *rb;
	int32_t		na,
				nb,
				i;

	CHECK(add(a, "x x y", 1) == CXM_OK);
	CHECK(add(a, "y y y z", 0) == CXM_OK);
	CHECK(add(a, "z x x", 2) == CXM_OK);
	CHECK(add(a, "z", 0) == CXM_OK);
	CHECK(add(b, "x y", 1) == CXM_OK);
	CHECK(add(b, "y z", 0) == CXM_OK);
	CHECK(add(b, "z x", 2) == CXM_OK);
	CHECK(add(b, "z", 0) == CXM_OK);
	ra = result(a, &na);
	rb = result(b, &nb);
	CHECK(na == 3 && nb == 3);
	for (i = 0; i < na && i < nb; i++)
	{
		CHECK(ra[i].len == rb[i].len && memcmp(ra[i].name, rb[i].name, ra[i].len) == 0);
		CHECK_NEAR(ra[i].credit, rb[i].credit, 1e-13);
	}
	free(ra);
	free(rb);
	attr_state_free(a);
	attr_state_free(b);
}

/* hundreds of channels: a random sparse chain, sums and the dense check of P */
static void
test_markov_many_channels(void)
{
	AttrState  *s = attr_state_create(&unit_allocator, ATTR_MARKOV);
	AttrCredit *r;
	int32_t		n,
				i;
	double		sum = 0;
	double		total;

	random_journeys(s, 400, 20000, 12, 20);
	total = s->total + s->total_comp;
	CHECK(s->nchannels == 400);
	r = result(s, &n);
	CHECK(n == 400);
	for (i = 0; i < n; i++)
		sum += r[i].credit;
	CHECK_NEAR(sum, total, 1e-9 * total);
	free(r);
	attr_state_free(s);
}

static void
test_errors(void)
{
	AttrState  *s = attr_state_create(&unit_allocator, ATTR_LINEAR);
	AttrState  *mk = attr_state_create(&unit_allocator, ATTR_MARKOV);
	const char *names[1] = {"a"};
	size_t		lens[1] = {1};
	char		msg[256];

	CHECK(attr_add_journey(s, names, lens, 1, -1, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strstr(msg, "-1") != NULL);
	CHECK(attr_add_journey(s, names, lens, 1, NAN, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_add_journey(s, names, lens, 1, INFINITY, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_add_journey(s, names, lens, 0, 1, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(s->njourneys == 0 && s->nchannels == 0);
	CHECK(attr_add_journey(s, names, lens, 1, 0, msg, sizeof(msg)) == CXM_OK);
	CHECK(attr_add_journey(s, names, lens, 1, 1e308, msg, sizeof(msg)) == CXM_OK);
	CHECK(attr_add_journey(s, names, lens, 1, 1e308, msg, sizeof(msg)) == CXM_ERANGE);
	CHECK(strstr(msg, "overflows") != NULL);
	CHECK(attr_merge(s, mk, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strstr(msg, "markov") != NULL && strstr(msg, "linear") != NULL);
	attr_state_free(s);
	attr_state_free(mk);
}

/* a markov state: journeys a -> b -> conv (conversions 3) and a -> null */
static AttrState *
wire_sample_state(void)
{
	AttrState  *s = attr_state_create(&unit_allocator, ATTR_MARKOV);
	const char *p1[2] = {"a", "bb"};
	const char *p2[1] = {"a"};
	size_t		l1[2] = {1, 2};
	size_t		l2[1] = {1};
	char		msg[256];

	CHECK(attr_add_journey(s, p1, l1, 2, 3, msg, sizeof(msg)) == CXM_OK);
	CHECK(attr_add_journey(s, p2, l2, 1, 0, msg, sizeof(msg)) == CXM_OK);
	return s;
}

/* the serialized state: known bytes, a round trip, damaged copies */
static void
test_wire_state(void)
{
	AttrState  *s = wire_sample_state();
	AttrState  *back = NULL;
	unsigned char want[256],
				b[256];
	size_t		n = 0,
				cut;
	WireWriter	w;
	char		msg[256];
	int32_t		i;

	/* the bytes, written independently (test_wire.h) */
	want[n++] = ATTR_WIRE_VERSION;
	want[n++] = ATTR_MARKOV;
	n += put64(want + n, 2);
	n += putd(want + n, s->total);
	n += putd(want + n, s->total_comp);
	n += put32(want + n, 2);
	n += put32(want + n, 1);
	want[n++] = 'a';
	n += put32(want + n, 2);
	want[n++] = 'b';
	want[n++] = 'b';
	n += put32(want + n, (uint32_t) s->ntrans);
	for (i = 0; i < s->ntrans; i++)
	{
		n += put32(want + n, s->tr[i].from);
		n += put32(want + n, s->tr[i].to);
		n += put64(want + n, (uint64_t) s->tr[i].count);
	}
	CHECK(s->total == 3 && s->ntrans == 4);
	wire_writer_init(&w, &unit_allocator, 0, 0);
	attr_wire_write(&w, s);
	CHECK(w.len == n && memcmp(w.buf, want, n) == 0);

	CHECK(attr_wire_read(want, n, &unit_allocator, &back, msg, sizeof(msg)) == CXM_OK);
	CHECK(back != NULL && back->nchannels == 2 && back->ntrans == 4 &&
		  back->njourneys == 2 && back->total == 3);
	attr_state_free(back);

	/* every proper prefix and one extra byte are refused */
	for (cut = 0; cut < n; cut++)
	{
		CHECK(attr_wire_read(want, cut, &unit_allocator, &back, msg, sizeof(msg)) == CXM_EINVAL);
		CHECK(back == NULL && msg[0] >= 'A' && msg[0] <= 'Z');
	}
	memcpy(b, want, n);
	b[n] = 0;
	CHECK(attr_wire_read(b, n + 1, &unit_allocator, &back, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strcmp(msg, "The state has trailing bytes.") == 0);
	CHECK(attr_wire_read(b, 3, &unit_allocator, &back, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strcmp(msg, "The state is shorter than its header.") == 0);
	b[0] = 2;
	CHECK(attr_wire_read(b, n, &unit_allocator, &back, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strcmp(msg, "Unsupported state version 2 (expected 1).") == 0);
	b[0] = ATTR_WIRE_VERSION;
	b[1] = ATTR_NMODELS;
	CHECK(attr_wire_read(b, n, &unit_allocator, &back, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strcmp(msg, "Unknown model 5.") == 0);
	b[1] = ATTR_MARKOV;
	/* a second channel named like the first */
	b[1 + 1 + 8 + 8 + 8 + 4 + 4 + 1 + 4] = 'a';
	b[1 + 1 + 8 + 8 + 8 + 4 + 4 + 1 + 4 + 1] = 0;
	put32(b + 1 + 1 + 8 + 8 + 8 + 4 + 4 + 1, 1);
	CHECK(attr_wire_read(b, n, &unit_allocator, &back, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strcmp(msg, "A channel appears twice.") == 0);
	memcpy(b, want, n);
	put64(b + 2, 3);			/* three journeys, transitions of two */
	CHECK(attr_wire_read(b, n, &unit_allocator, &back, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strcmp(msg, "The transition counts do not add up.") == 0);
	memcpy(b, want, n);
	put32(b + 1 + 1 + 8 + 8 + 8, 0x7fffffff);
	CHECK(attr_wire_read(b, n, &unit_allocator, &back, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strcmp(msg, "The channel count 2147483647 does not fit the state's length.") == 0);
	free(w.buf);
	attr_state_free(s);
}

/* pieces of a serialized state are validated one by one and as a whole */
static void
test_load_and_check(void)
{
	AttrState  *s = attr_state_create(&unit_allocator, ATTR_MARKOV);
	AttrState  *h = attr_state_create(&unit_allocator, ATTR_LINEAR);
	char		msg[256];

	CHECK(attr_load_channel(s, "a", 1, 0, 0, msg, sizeof(msg)) == CXM_OK);
	CHECK(attr_load_channel(s, "a", 1, 0, 0, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_load_channel(s, "b", 1, 1, 0, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_load_channel(s, "b", 1, 0, 0, msg, sizeof(msg)) == CXM_OK);
	CHECK(attr_load_trans(s, ATTR_START, ATTR_STATE_CHANNEL(0), 2, msg, sizeof(msg)) == CXM_OK);
	CHECK(attr_load_trans(s, ATTR_START, ATTR_STATE_CHANNEL(0), 2, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_load_trans(s, ATTR_START, ATTR_CONV, 1, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_load_trans(s, ATTR_CONV, ATTR_STATE_CHANNEL(0), 1, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_load_trans(s, ATTR_STATE_CHANNEL(0), ATTR_STATE_CHANNEL(2), 1, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_load_trans(s, ATTR_STATE_CHANNEL(0), ATTR_START, 1, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_load_trans(s, ATTR_STATE_CHANNEL(0), ATTR_STATE_CHANNEL(1), 0, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_load_trans(s, ATTR_STATE_CHANNEL(0), ATTR_STATE_CHANNEL(1), -3, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_load_trans(s, ATTR_STATE_CHANNEL(0), ATTR_STATE_CHANNEL(1), 1, msg, sizeof(msg)) == CXM_OK);
	CHECK(attr_load_trans(s, ATTR_STATE_CHANNEL(0), ATTR_NULL, 1, msg, sizeof(msg)) == CXM_OK);
	CHECK(attr_load_trans(s, ATTR_STATE_CHANNEL(1), ATTR_CONV, 1, msg, sizeof(msg)) == CXM_OK);
	/* journeys and totals not yet set: inconsistent */
	CHECK(attr_check_state(s, msg, sizeof(msg)) == CXM_EINVAL);
	s->njourneys = 2;
	s->total = 3;
	CHECK(attr_check_state(s, msg, sizeof(msg)) == CXM_OK);
	s->total = 0;				/* a conversion without conversions */
	CHECK(attr_check_state(s, msg, sizeof(msg)) == CXM_EINVAL);
	s->total = 3;
	s->njourneys = 3;			/* more journeys than starts */
	CHECK(attr_check_state(s, msg, sizeof(msg)) == CXM_EINVAL);
	s->njourneys = 2;
	s->tr[1].count = 2;			/* a -> b twice, b left once: flow broken */
	CHECK(attr_check_state(s, msg, sizeof(msg)) == CXM_EINVAL);

	CHECK(attr_load_channel(h, "a", 1, NAN, 0, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_load_channel(h, "a", 1, -1, 0, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_load_channel(h, "a", 1, 1.5, 0, msg, sizeof(msg)) == CXM_OK);
	CHECK(attr_load_trans(h, ATTR_START, ATTR_STATE_CHANNEL(0), 1, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(attr_check_state(h, msg, sizeof(msg)) == CXM_EINVAL);		/* no journeys */
	h->njourneys = 1;
	h->total = 1.5;
	CHECK(attr_check_state(h, msg, sizeof(msg)) == CXM_OK);
	attr_state_free(s);
	attr_state_free(h);
}

/* the solver refuses chains it cannot solve instead of returning numbers */
static void
test_solver_rejects(void)
{
	AttrTrans	tr[4];
	double		re[2];
	double		p;
	char		msg[256];

	/* b only loops on itself: never absorbed */
	tr[0] = (AttrTrans) {ATTR_START, ATTR_STATE_CHANNEL(0), 1};
	tr[1] = (AttrTrans) {ATTR_STATE_CHANNEL(0), ATTR_STATE_CHANNEL(1), 1};
	tr[2] = (AttrTrans) {ATTR_STATE_CHANNEL(1), ATTR_STATE_CHANNEL(1), 1};
	tr[3] = (AttrTrans) {ATTR_STATE_CHANNEL(0), ATTR_CONV, 1};
	CHECK(attr_markov_removal(&unit_allocator, 2, tr, 4, re, &p, NULL, NULL,
							  msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(p == 0 && re[0] == 0 && re[1] == 0);
	/* a channel out of range */
	tr[2] = (AttrTrans) {ATTR_STATE_CHANNEL(1), ATTR_STATE_CHANNEL(2), 1};
	CHECK(attr_markov_removal(&unit_allocator, 2, tr, 4, re, &p, NULL, NULL,
							  msg, sizeof(msg)) == CXM_EINVAL);
	/* a duplicate pair */
	tr[2] = tr[1];
	CHECK(attr_markov_removal(&unit_allocator, 2, tr, 4, re, &p, NULL, NULL,
							  msg, sizeof(msg)) == CXM_EINVAL);
	/* well formed: b -> null */
	tr[2] = (AttrTrans) {ATTR_STATE_CHANNEL(1), ATTR_NULL, 1};
	CHECK(attr_markov_removal(&unit_allocator, 2, tr, 4, re, &p, NULL, NULL,
							  msg, sizeof(msg)) == CXM_OK);
	CHECK_NEAR(p, 0.5, 1e-15);
	CHECK_NEAR(re[0], 1, 1e-15);
	CHECK_NEAR(re[1], 0, 1e-15);
}

int
main(void)
{
	RUN(test_model_names);
	RUN(test_heuristics_by_hand);
	RUN(test_journey_counts);
	RUN(test_order_ties_by_name);
	RUN(test_no_conversions);
	RUN(test_markov_by_hand);
	RUN(test_markov_cycle_by_hand);
	RUN(test_markov_against_dense);
	RUN(test_markov_blocks_against_iteration);
	RUN(test_order_and_merge);
	RUN(test_credits_sum_to_total);
	RUN(test_self_loops_cancel);
	RUN(test_markov_many_channels);
	RUN(test_errors);
	RUN(test_load_and_check);
	RUN(test_wire_state);
	RUN(test_solver_rejects);
	return UNIT_DONE();
}
