/*
 * test_funnel.c
 *	  Unit tests of funnel_core.c: hand-worked cases for the four modes, a
 *	  property test against two brute-force references on thousands of
 *	  random small groups (ties and rows matching several steps included),
 *	  ClickHouse's windowFunnel algorithm on distinct single-step rows, 100
 *	  steps, order independence and the input checks.
 *
 * The references are independent of funnel_core.c's DP:
 *  - brute_orders(): every order of the rows consistent with their
 *    timestamps (tied rows in every permutation); in each order, every row
 *    matching step 1 starts a chain that runs the mode's rules row by row;
 *    the answer is the best chain of the best order.
 *  - brute_chains() (default and strict_increase): every chain of distinct
 *    rows r1..rk with r_j matching step j, ts non-decreasing (strictly for
 *    strict_increase) and ts(rk) within the window of ts(r1).
 */
#include "unit.h"
#include "funnel_core.h"

#define MAXR 8
#define FUNNEL_REF_MAXR MAXR
#include "funnel_ref.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint32_t
rnd(uint32_t bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t) ((rng_state >> 11) % bound);
}

/* run the core on TRows (rows with an empty mask dropped, as the glue does) */
static uint32_t
core_level(const TRow *in, int nr, uint32_t n, uint64_t window, FunnelMode mode)
{
	FunnelRow	rows[64];
	uint32_t	pool[64 * 32];
	size_t		nrows,
				npool;
	uint32_t	level = 999;
	char		msg[128];
	CxmStatus	st;

	nrows = trows_to_core(in, nr, n, rows, pool, &npool);
	st = funnel_level(rows, nrows, pool, npool, n, window, mode, &unit_allocator,
					  &level, msg, sizeof(msg));
	if (st != CXM_OK)
	{
		fprintf(stderr, "  funnel_level failed: %s\n", msg);
		return 999;
	}
	return level;
}

/*
 * ClickHouse's windowFunnel default-mode algorithm, as documented: events
 * sorted by time; a step-1 event sets level 1's start to its time; an
 * event of step j > 1 copies level j-1's start to level j if within the
 * window.  Defined here for rows with distinct timestamps and one step each.
 */
static uint32_t
clickhouse_default(const TRow *in, int nr, uint32_t n, uint64_t window)
{
	TRow		r[MAXR];
	int64_t		start[33];
	bool		has[33] = {false};
	uint32_t	best = 0;
	int			i,
				j;

	memcpy(r, in, sizeof(TRow) * nr);
	for (i = 1; i < nr; i++)
		for (j = i; j > 0 && r[j - 1].ts > r[j].ts; j--)
		{
			TRow		tmp = r[j];

			r[j] = r[j - 1];
			r[j - 1] = tmp;
		}
	for (i = 0; i < nr; i++)
	{
		uint32_t	s = max_step(r[i].mask);

		if (s == 0 || s > n)
			continue;
		if (s == 1)
		{
			start[1] = r[i].ts;
			has[1] = true;
		}
		else if (has[s - 1] && funnel_within(start[s - 1], r[i].ts, window))
		{
			start[s] = start[s - 1];
			has[s] = true;
		}
		if (has[s] && s > best)
			best = s;
	}
	return best;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_mode_names(void)
{
	FunnelMode	m;

	CHECK(funnel_mode_parse("default", 7, &m) && m == FUNNEL_DEFAULT);
	CHECK(funnel_mode_parse("strict_order", 12, &m) && m == FUNNEL_STRICT_ORDER);
	CHECK(funnel_mode_parse("strict_deduplication", 20, &m) && m == FUNNEL_STRICT_DEDUPLICATION);
	CHECK(funnel_mode_parse("strict_increase", 15, &m) && m == FUNNEL_STRICT_INCREASE);
	CHECK(!funnel_mode_parse("strict", 6, &m));
	CHECK(!funnel_mode_parse("Default", 7, &m));
	CHECK(!funnel_mode_parse("default ", 8, &m));
	CHECK(!funnel_mode_parse("", 0, &m));
	CHECK(strcmp(funnel_mode_name(FUNNEL_STRICT_INCREASE), "strict_increase") == 0);
}

static void
test_within(void)
{
	CHECK(funnel_within(0, 0, 1));
	CHECK(funnel_within(0, 1, 1));
	CHECK(!funnel_within(0, 2, 1));
	CHECK(funnel_within(INT64_MIN, INT64_MIN, 1));
	CHECK(funnel_within(INT64_MAX, INT64_MAX, 1));
	CHECK(!funnel_within(INT64_MIN, 0, UINT64_MAX));
	CHECK(!funnel_within(0, INT64_MAX, UINT64_MAX));
	/* the widest finite span (4714 BC .. 294276 AD) does not overflow */
	CHECK(funnel_within(-211813488000000000LL, 9223371331200000000LL - 1, UINT64_MAX - 1));
	CHECK(!funnel_within(-211813488000000000LL, 9223371331200000000LL - 1, 9223371331200000000ULL));
}

#define A 1u
#define B 2u
#define C 4u
#define D 8u

typedef struct Case
{
	const char *name;
	int			nr;
	TRow		r[MAXR];
	uint32_t	n;
	uint64_t	window;
	uint32_t	want[FUNNEL_NMODES];	/* default, order, dedup, increase */
} Case;

/*
 * Hand-worked cases (worked out in the comments of sql/funnel.sql too).
 * Steps are A=1, B=2, C=3, D=4; ts in microseconds.
 */
static const Case hand_cases[] = {
	/* A B C D in order: every mode reaches 4 */
	{"abcd", 4, {{1, A}, {2, B}, {3, C}, {4, D}}, 4, 10, {4, 4, 4, 4}},
	/* window 2: D at 4 is 3 after A at 1 */
	{"abcd window", 4, {{1, A}, {2, B}, {3, C}, {4, D}}, 4, 2, {3, 3, 3, 3}},
	/* A B D C: strict_order stops at D (a step above the next) */
	{"abdc", 4, {{1, A}, {2, B}, {3, D}, {4, C}}, 4, 10, {3, 2, 3, 3}},
	/* A B B C: strict_deduplication stops at the repeated B */
	{"abbc", 4, {{1, A}, {2, B}, {3, B}, {4, C}}, 4, 10, {3, 3, 2, 3}},
	/* A B A C: a repeated earlier step breaks neither strict mode */
	{"abac", 4, {{1, A}, {2, B}, {3, A}, {4, C}}, 4, 10, {3, 3, 3, 3}},
	/* A, B+C tied: strict_increase needs a later ts for each step */
	{"a bc tie", 3, {{1, A}, {2, B}, {2, C}}, 3, 10, {3, 3, 3, 2}},
	/* all tied: the set A, B, C can be ordered A B C */
	{"all tied", 3, {{5, C}, {5, B}, {5, A}}, 3, 10, {3, 3, 3, 1}},
	/* a row matching A and B advances a chain by one level only */
	{"one row two steps", 1, {{1, A | B}}, 2, 10, {1, 1, 1, 1}},
	{"two rows two steps", 2, {{1, A | B}, {2, A | B}}, 2, 10, {2, 2, 2, 2}},
	/* A then (B, C) tied with a D: strict_order puts D after C */
	{"tie hides d", 4, {{1, A}, {2, B}, {3, D}, {3, C}}, 4, 10, {4, 4, 4, 3}},
	/* A, then D before B: strict_order ends the first chain at 1 */
	{"adbc", 4, {{1, A}, {2, D}, {3, B}, {4, C}}, 4, 10, {3, 1, 3, 3}},
	/* restart: the second A's chain completes under strict_order */
	{"a d a b c", 5, {{1, A}, {2, D}, {3, A}, {4, B}, {5, C}}, 4, 10, {3, 3, 3, 3}},
	/* B before A counts for nothing */
	{"ba", 2, {{1, B}, {2, A}}, 2, 10, {1, 1, 1, 1}},
	{"nothing", 1, {{1, B}}, 2, 10, {0, 0, 0, 0}},
	/* a later start rescues the window (ClickHouse: latest start wins) */
	{"late start", 4, {{0, A}, {5, A}, {8, B}, {12, C}}, 3, 7, {3, 3, 3, 3}},
	/* strict_deduplication: tied B, B after A: one of them repeats */
	{"a bb tie c", 4, {{1, A}, {2, B}, {2, B}, {3, C}}, 3, 10, {3, 3, 2, 3}},
	/* a violation ends one chain; a later chain still counts (ClickHouse: 1, 2) */
	{"order restart", 5, {{1, A}, {2, C}, {3, A}, {4, B}, {5, C}}, 3, 10, {3, 3, 3, 3}},
	{"dedup restart", 6, {{1, A}, {2, B}, {3, B}, {4, A}, {5, B}, {6, C}}, 3, 10, {3, 3, 3, 3}},
	/* strict_order: a tied later step can wait after the next one */
	{"tied skip", 3, {{1, A}, {2, C}, {2, B}}, 3, 10, {3, 3, 3, 2}},
	/* strict_deduplication: the tie {B, C} after B: C first, then B repeats nothing */
	{"dedup tie order", 4, {{1, A}, {2, B}, {3, B}, {3, C}}, 3, 10, {3, 3, 3, 3}},
};

static void
test_hand_cases(void)
{
	size_t		i;
	int			m;

	for (i = 0; i < sizeof(hand_cases) / sizeof(hand_cases[0]); i++)
	{
		const Case *c = &hand_cases[i];

		for (m = 0; m < FUNNEL_NMODES; m++)
		{
			uint32_t	got = core_level(c->r, c->nr, c->n, c->window, (FunnelMode) m);
			uint32_t	ref = brute_orders(c->r, c->nr, c->n, c->window, (FunnelMode) m);

			if (got != c->want[m] || ref != c->want[m])
			{
				fprintf(stderr, "  case %s mode %s: got %u, brute force %u, want %u\n",
						c->name, funnel_mode_name((FunnelMode) m), got, ref, c->want[m]);
				unit_failures_in_test++;
			}
		}
	}
}

static void
print_case(const TRow *r, int nr, uint32_t n, uint64_t window)
{
	int			i;

	fprintf(stderr, "    n=%u window=%llu rows:", n, (unsigned long long) window);
	for (i = 0; i < nr; i++)
		fprintf(stderr, " (%lld,0x%x)", (long long) r[i].ts, r[i].mask);
	fprintf(stderr, "\n");
}

/*
 * Thousands of random small groups per mode: many ties (timestamps from a
 * small range), rows matching zero, one or several steps.
 */
static void
test_property_random(void)
{
	int			iter,
				m,
				reported = 0;
	long		compared[FUNNEL_NMODES] = {0};
	long		deep = 0;

	for (iter = 0; iter < 30000; iter++)
	{
		TRow		r[MAXR];
		int			nr = 1 + (int) rnd(7);
		uint32_t	n = 1 + rnd(5);
		int64_t		span = (int64_t[]) {0, 1, 2, 3, 5, 8}[rnd(6)];
		uint64_t	window = 1 + rnd(4);
		uint32_t	pct = (uint32_t[]) {20, 35, 50, 70}[rnd(4)];
		bool		single = rnd(3) == 0;
		int			i;

		for (i = 0; i < nr; i++)
		{
			uint32_t	s;

			r[i].ts = (int64_t) rnd((uint32_t) span + 1);
			r[i].mask = 0;
			if (single)
				r[i].mask = 1u << rnd(n);
			else
				for (s = 0; s < n; s++)
					if (rnd(100) < pct)
						r[i].mask |= 1u << s;
		}
		for (m = 0; m < FUNNEL_NMODES; m++)
		{
			uint32_t	got = core_level(r, nr, n, window, (FunnelMode) m);
			uint32_t	ref = brute_orders(r, nr, n, window, (FunnelMode) m);
			bool		ok = got == ref;

			if (m == FUNNEL_DEFAULT || m == FUNNEL_STRICT_INCREASE)
			{
				uint32_t	ref2 = brute_chains(r, nr, n, window, m == FUNNEL_STRICT_INCREASE);

				ok = ok && ref2 == ref;
			}
			compared[m]++;
			if (ref >= 3)
				deep++;
			if (!ok)
			{
				unit_failures_in_test++;
				if (reported++ < 10)
				{
					fprintf(stderr, "  mode %s: core %u, brute force %u\n",
							funnel_mode_name((FunnelMode) m), got, ref);
					print_case(r, nr, n, window);
				}
			}
		}
	}
	/* the generator must produce interesting cases, not only zeros */
	CHECK(deep > 10000);
	CHECK(compared[FUNNEL_STRICT_ORDER] == 30000);
}

/* distinct timestamps, one step per row: default == ClickHouse windowFunnel */
static void
test_clickhouse_default(void)
{
	int			iter,
				reported = 0;

	for (iter = 0; iter < 20000; iter++)
	{
		TRow		r[MAXR];
		int			nr = 1 + (int) rnd(MAXR);
		uint32_t	n = 1 + rnd(5);
		uint64_t	window = 1 + rnd(20);
		int			i;

		for (i = 0; i < nr; i++)
		{
			/* distinct timestamps: a shuffled slice of 0..39 */
			int			j;
			bool		clash;

			do
			{
				r[i].ts = (int64_t) rnd(40);
				clash = false;
				for (j = 0; j < i; j++)
					clash = clash || r[j].ts == r[i].ts;
			} while (clash);
			r[i].mask = 1u << rnd(n);
		}
		if (core_level(r, nr, n, window, FUNNEL_DEFAULT) != clickhouse_default(r, nr, n, window))
		{
			unit_failures_in_test++;
			if (reported++ < 5)
				print_case(r, nr, n, window);
		}
	}
}

/* 100 steps: no fixed limit; a gap or the window stops the chain */
static void
test_hundred_steps(void)
{
	FunnelRow	rows[200];
	uint32_t	level;
	char		msg[128];
	int			i;

	for (i = 0; i < 100; i++)
	{
		rows[i].ts = 1000 + i;
		rows[i].step = (uint32_t) (i + 1);
		rows[i].nmatch = 1;
	}
	for (i = 0; i < FUNNEL_NMODES; i++)
	{
		CHECK(funnel_level(rows, 100, NULL, 0, 100, 1000, (FunnelMode) i, &unit_allocator,
						   &level, msg, sizeof(msg)) == CXM_OK);
		CHECK(level == 100);
	}
	/* window 49 us: step 50 is 49 after the start, step 51 is 50 */
	CHECK(funnel_level(rows, 100, NULL, 0, 100, 49, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_OK);
	CHECK(level == 50);
	/* step 60 missing */
	rows[59].step = 59;
	CHECK(funnel_level(rows, 100, NULL, 0, 100, 1000, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_OK);
	CHECK(level == 59);
	/* ... and under strict_deduplication the second 59 ends the chain too */
	CHECK(funnel_level(rows, 100, NULL, 0, 100, 1000, FUNNEL_STRICT_DEDUPLICATION,
					   &unit_allocator, &level, msg, sizeof(msg)) == CXM_OK);
	CHECK(level == 59);
	/* reversed arrival order changes nothing */
	for (i = 0; i < 100; i++)
	{
		rows[i].ts = 2000 - i;
		rows[i].step = (uint32_t) (100 - i);
	}
	CHECK(funnel_level(rows, 100, NULL, 0, 100, 1000, FUNNEL_STRICT_ORDER, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_OK);
	CHECK(level == 100);
	/* all 100 rows tied: default and the strict order/dedup modes reach 100 */
	for (i = 0; i < 100; i++)
		rows[i].ts = 7;
	CHECK(funnel_level(rows, 100, NULL, 0, 100, 1, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_OK);
	CHECK(level == 100);
	CHECK(funnel_level(rows, 100, NULL, 0, 100, 1, FUNNEL_STRICT_DEDUPLICATION, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_OK);
	CHECK(level == 100);
	CHECK(funnel_level(rows, 100, NULL, 0, 100, 1, FUNNEL_STRICT_INCREASE, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_OK);
	CHECK(level == 1);
}

/* larger random groups: shuffling the rows never changes the answer */
static void
test_order_independence(void)
{
	int			iter,
				m;

	for (iter = 0; iter < 300; iter++)
	{
		FunnelRow	rows[300],
					copy[300];
		uint32_t	pool[300 * 8];
		size_t		npool = 0;
		int			nr = 50 + (int) rnd(250);
		uint32_t	n = 1 + rnd(8);
		uint64_t	window = 1 + rnd(30);
		int			i;

		for (i = 0; i < nr; i++)
		{
			uint32_t	s,
						cnt = 0;

			rows[i].ts = rnd(100);
			for (s = 1; s <= n; s++)
				if (rnd(100) < 20)
					pool[npool + cnt++] = s;
			if (cnt == 0)
				pool[npool + cnt++] = 1 + rnd(n);
			rows[i].nmatch = cnt;
			if (cnt == 1)
				rows[i].step = pool[npool];
			else
			{
				rows[i].step = (uint32_t) npool;
				npool += cnt;
			}
		}
		for (m = 0; m < FUNNEL_NMODES; m++)
		{
			uint32_t	l1,
						l2;
			char		msg[128];

			memcpy(copy, rows, sizeof(FunnelRow) * nr);
			CHECK(funnel_level(copy, nr, pool, npool, n, window, (FunnelMode) m,
							   &unit_allocator, &l1, msg, sizeof(msg)) == CXM_OK);
			memcpy(copy, rows, sizeof(FunnelRow) * nr);
			for (i = nr - 1; i > 0; i--)
			{
				int			j = (int) rnd((uint32_t) i + 1);
				FunnelRow	t = copy[i];

				copy[i] = copy[j];
				copy[j] = t;
			}
			CHECK(funnel_level(copy, nr, pool, npool, n, window, (FunnelMode) m,
							   &unit_allocator, &l2, msg, sizeof(msg)) == CXM_OK);
			CHECK(l1 == l2);
			CHECK(l1 <= n);
		}
	}
}

/* a big tie group (coarse timestamps) stays fast and exact */
static void
test_big_tie_group(void)
{
	static FunnelRow rows[4000];
	static uint32_t pool[4000 * 4];
	size_t		npool = 0;
	uint32_t	level;
	char		msg[128];
	int			i,
				m;

	for (i = 0; i < 4000; i++)
	{
		rows[i].ts = i / 1000;	/* four tie groups of 1000 rows */
		rows[i].nmatch = 2;
		rows[i].step = (uint32_t) npool;
		pool[npool++] = 1 + (uint32_t) (i % 7);
		pool[npool++] = 8 + (uint32_t) (i % 5);
	}
	for (m = 0; m < FUNNEL_NMODES; m++)
	{
		CHECK(funnel_level(rows, 4000, pool, npool, 12, 10, (FunnelMode) m,
						   &unit_allocator, &level, msg, sizeof(msg)) == CXM_OK);
		/* steps 1..12 all occur in each group of 1000 rows */
		CHECK(level == (m == FUNNEL_STRICT_INCREASE ? 4 : 12));
	}
}

static void
test_invalid_input(void)
{
	FunnelRow	rows[2];
	uint32_t	pool[4] = {1, 2, 2, 1};
	uint32_t	level;
	char		msg[128];

	rows[0].ts = 1;
	rows[0].step = 1;
	rows[0].nmatch = 1;
	CHECK(funnel_level(rows, 1, pool, 4, 0, 10, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(funnel_level(rows, 1, pool, 4, 2, 0, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(strstr(msg, "window") != NULL);
	CHECK(funnel_level(rows, 1, pool, 4, 2, 10, (FunnelMode) 7, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_EINVAL);
	rows[0].step = 3;			/* beyond nsteps */
	CHECK(funnel_level(rows, 1, pool, 4, 2, 10, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_EINVAL);
	rows[0].step = 0;
	CHECK(funnel_level(rows, 1, pool, 4, 2, 10, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_EINVAL);
	rows[0].nmatch = 2;			/* pool {1, 2}: fine */
	CHECK(funnel_level(rows, 1, pool, 4, 2, 10, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_OK);
	CHECK(level == 1);
	rows[0].step = 2;			/* pool {2, 1}: not ascending */
	CHECK(funnel_level(rows, 1, pool, 4, 2, 10, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_EINVAL);
	rows[0].step = 3;			/* runs past the pool */
	CHECK(funnel_level(rows, 1, pool, 4, 2, 10, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_EINVAL);
	rows[0].nmatch = 0;
	CHECK(funnel_level(rows, 1, pool, 4, 2, 10, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_EINVAL);
	/* no rows: level 0 */
	CHECK(funnel_level(rows, 0, pool, 4, 2, 10, FUNNEL_DEFAULT, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_OK);
	CHECK(level == 0);
}

/* infinite timestamps chain only with the same infinity */
static void
test_infinities(void)
{
	TRow		r[3] = {{INT64_MIN, A}, {INT64_MIN, B}, {0, C}};
	TRow		s[3] = {{0, A}, {INT64_MAX, B}, {INT64_MAX, C}};

	CHECK(core_level(r, 3, 3, UINT64_MAX, FUNNEL_DEFAULT) == 2);
	CHECK(core_level(s, 3, 3, UINT64_MAX, FUNNEL_DEFAULT) == 1);
	s[0].mask = C;
	s[1].mask = A;
	s[2].mask = B;
	CHECK(core_level(s, 3, 3, 1, FUNNEL_DEFAULT) == 2);
}

/* ---- the serialized state (funnel_wire_check / funnel_wire_decode) ------ */

#include "funnel_wire_ref.h"

#define US_PER_DAY INT64_C(86400000000)

static void
test_window_span(void)
{
	static const int64_t times[] = {0, 1, -1, 10, US_PER_DAY - 1, US_PER_DAY,
		-US_PER_DAY, -US_PER_DAY - 1, INT64_MAX, INT64_MIN, INT64_MAX - 1,
	INT64_MIN + 1, 123456789012345LL, -123456789012345LL};
	static const int32_t dm[] = {0, 1, -1, 30, -30, 29, INT32_MAX, INT32_MIN,
	INT32_MAX - 1, INT32_MIN + 1, 106751, -106751, 3558};
	uint64_t	u,
				ref;
	size_t		a,
				b,
				c;
	int			k;

	CHECK(funnel_window_span(10, 0, 0, &u) == CXM_OK && u == 10);
	CHECK(funnel_window_span(0, 1, 0, &u) == CXM_OK && u == (uint64_t) US_PER_DAY);
	CHECK(funnel_window_span(0, 0, 1, &u) == CXM_OK && u == 30 * (uint64_t) US_PER_DAY);
	CHECK(funnel_window_span(-1, 1, 0, &u) == CXM_OK && u == (uint64_t) US_PER_DAY - 1);
	CHECK(funnel_window_span(US_PER_DAY + 1, -1, 0, &u) == CXM_OK && u == 1);
	CHECK(funnel_window_span(0, 0, 0, &u) == CXM_EINVAL && u == 0);
	CHECK(funnel_window_span(-10, 0, 0, &u) == CXM_EINVAL);
	CHECK(funnel_window_span(0, -30, 1, &u) == CXM_EINVAL);	/* 1 mon -30 days */
	CHECK(funnel_window_span(US_PER_DAY, -1, 0, &u) == CXM_EINVAL);
	CHECK(funnel_window_span(INT64_MIN, INT32_MAX, INT32_MAX, &u) == CXM_OK &&
		  u == UINT64_MAX);
	CHECK(funnel_window_span(INT64_MAX, 0, 0, &u) == CXM_OK && u == (uint64_t) INT64_MAX);
	CHECK(funnel_window_span(INT64_MAX, 1, 0, &u) == CXM_OK &&
		  u == (uint64_t) INT64_MAX + (uint64_t) US_PER_DAY);
	/* 2^64 - 1 us is 213503982 days and 28909551615 us: exact, then saturated */
	CHECK(funnel_window_span((int64_t) (UINT64_MAX - 213503982 * (uint64_t) US_PER_DAY), 213503982, 0,
							 &u) == CXM_OK && u == UINT64_MAX);
	CHECK(funnel_window_span((int64_t) (UINT64_MAX - 1 - 213503982 * (uint64_t) US_PER_DAY), 213503982, 0,
							 &u) == CXM_OK && u == UINT64_MAX - 1);
	CHECK(funnel_window_span(INT64_MIN, INT32_MIN, INT32_MIN, &u) == CXM_EINVAL);

	/* every combination of edge values, and random ones, against 128 bits */
	for (a = 0; a < sizeof(times) / sizeof(times[0]); a++)
		for (b = 0; b < sizeof(dm) / sizeof(dm[0]); b++)
			for (c = 0; c < sizeof(dm) / sizeof(dm[0]); c++)
			{
				bool		ok = funnel_window_ref(times[a], dm[b], dm[c], &ref);

				CHECK((funnel_window_span(times[a], dm[b], dm[c], &u) == CXM_OK) == ok);
				CHECK(u == ref);
			}
	for (k = 0; k < 100000; k++)
	{
		int64_t		t = (int64_t) (((uint64_t) rnd(1u << 31) << 33) ^ ((uint64_t) rnd(1u << 31) << 2) ^ rnd(4));
		int32_t		d = (int32_t) (rnd(1u << 31) * 2u + rnd(2)) / (int32_t) (1 + rnd(1u << 20));
		int32_t		m = (int32_t) (rnd(1u << 31) * 2u + rnd(2)) / (int32_t) (1 + rnd(1u << 24));
		bool		ok = funnel_window_ref(t, d, m, &ref);

		CHECK((funnel_window_span(t, d, m, &u) == CXM_OK) == ok);
		CHECK(u == ref);
	}
}

/* a small valid state: 2 steps, window 10 us, rows (0: {1}) and (5: {1, 2}) */
static size_t
wire_sample(unsigned char *buf, FunnelWireInfo *h)
{
	static const FunnelRow rows[3] = {{0, 1, 1}, {5, 0, 2}, {7, 2, 1}};
	static const uint32_t pool[2] = {1, 2};

	memset(h, 0, sizeof(*h));
	h->mode = FUNNEL_STRICT_ORDER;
	h->nsteps = 2;
	h->window = 10;
	h->window_time = 10;
	h->nusable = 4;
	h->nrows = 3;
	return funnel_wire_encode_ref(h, rows, pool, buf);
}

/* the message funnel_wire_check gives on buf[0..len) (NULL when it accepts) */
static const char *
wire_error(const unsigned char *buf, size_t len)
{
	static char msg[160];
	FunnelWireInfo info;

	if (funnel_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK)
		return NULL;
	return msg;
}

static bool
wire_rejects(const unsigned char *buf, size_t len, const char *want)
{
	const char *got = wire_error(buf, len);

	if (got != NULL && strcmp(got, want) == 0)
		return true;
	fprintf(stderr, "  got \"%s\", want \"%s\"\n", got ? got : "(accepted)", want);
	return false;
}

static void
test_wire_valid(void)
{
	unsigned char buf[256];
	FunnelWireInfo h,
				info;
	FunnelRow	rows[3],
				orig[3] = {{0, 1, 1}, {5, 0, 2}, {7, 2, 1}};
	uint32_t	pool[2],
				opool[2] = {1, 2},
				level,
				olevel;
	char		msg[160];
	size_t		len = wire_sample(buf, &h);

	CHECK(len == FUNNEL_WIRE_HEADER + 16 + 20 + 16);
	CHECK(len == funnel_wire_size_ref(orig, 3));
	CHECK(funnel_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	CHECK(info.mode == FUNNEL_STRICT_ORDER && info.nsteps == 2 && info.window == 10);
	CHECK(info.window_time == 10 && info.window_day == 0 && info.window_month == 0);
	CHECK(info.nusable == 4 && info.nrows == 3 && info.npool == 2);
	funnel_wire_decode(buf, len, &info, rows, pool);
	CHECK(funnel_rows_equal_ref(rows, pool, orig, opool, 3));
	CHECK(rows[0].step == 1 && rows[1].step == 0 && rows[2].step == 2);
	CHECK(pool[0] == 1 && pool[1] == 2);
	CHECK(funnel_level(rows, 3, pool, 2, 2, 10, FUNNEL_STRICT_ORDER, &unit_allocator,
					   &level, msg, sizeof(msg)) == CXM_OK);
	CHECK(funnel_level(orig, 3, opool, 2, 2, 10, FUNNEL_STRICT_ORDER, &unit_allocator,
					   &olevel, msg, sizeof(msg)) == CXM_OK);
	CHECK(level == 2 && olevel == 2);
	/* funnel_wire_write (the server's writer) gives the reference's bytes */
	{
		WireWriter	w;

		wire_writer_init(&w, &unit_allocator, 0, 0);
		funnel_wire_write(&w, &h, orig, opool);
		CHECK(w.len == len && memcmp(w.buf, buf, len) == 0);
		free(w.buf);
	}

	/* the SQL test's 'valid' state, byte for byte */
	{
		static const unsigned char sql_valid[] = {
			0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x0a,
			0, 0, 0, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1
		};
		CHECK(funnel_wire_check(sql_valid, sizeof(sql_valid), &info, msg, sizeof(msg)) == CXM_OK);
		CHECK(info.nrows == 1 && info.npool == 0 && info.nsteps == 2 && info.mode == FUNNEL_DEFAULT);
	}

	/* no usable row: nsteps 0 and no rows */
	memset(&h, 0, sizeof(h));
	h.window = (uint64_t) US_PER_DAY * 31;
	h.window_day = 1;
	h.window_month = 1;
	len = funnel_wire_encode_ref(&h, NULL, NULL, buf);
	CHECK(len == FUNNEL_WIRE_HEADER);
	CHECK(funnel_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	CHECK(info.nrows == 0 && info.nusable == 0 && info.window_month == 1);
	/* usable rows matching no step */
	h.nsteps = 3;
	h.nusable = 7;
	len = funnel_wire_encode_ref(&h, NULL, NULL, buf);
	CHECK(funnel_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	/* the largest step count */
	h.nsteps = FUNNEL_MAX_STEPS;
	len = funnel_wire_encode_ref(&h, NULL, NULL, buf);
	CHECK(funnel_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	CHECK(info.nsteps == 134217727);
	/* a saturated window */
	h.window = UINT64_MAX;
	h.window_time = INT64_MAX;
	h.window_day = INT32_MAX;
	h.window_month = INT32_MAX;
	len = funnel_wire_encode_ref(&h, NULL, NULL, buf);
	CHECK(funnel_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	CHECK(info.window == UINT64_MAX);
}

static void
test_wire_damage(void)
{
	unsigned char good[256],
				b[256];
	FunnelWireInfo h;
	size_t		len = wire_sample(good, &h),
				cut;
	/* offsets: row 0 at 46 (ts, nmatch 50, step 54), row 1 at 62 (nmatch 70, steps 74, 78) */
	const size_t r0 = FUNNEL_WIRE_HEADER,
				r1 = r0 + 16;

#define DAMAGED(stmt, want) \
	do { memcpy(b, good, len); stmt; CHECK(wire_rejects(b, len, want)); } while (0)

	CHECK(wire_error(good, len) == NULL);
	DAMAGED(b[0] = 2, "Unsupported state version 2 (expected 1).");
	DAMAGED(b[0] = 0, "Unsupported state version 0 (expected 1).");
	DAMAGED(b[1] = FUNNEL_NMODES, "Unknown mode.");
	DAMAGED(b[1] = 0xff, "Unknown mode.");
	CHECK(wire_rejects(good, 0, "The state is shorter than its header."));
	CHECK(wire_rejects(good, FUNNEL_WIRE_HEADER - 1, "The state is shorter than its header."));
	/* window (us) at 6..13, time at 14..21, day 22..25, month 26..29 */
	DAMAGED(b[13] = 11, "The window does not match its interval.");
	DAMAGED((b[13] = 0, b[21] = 0), "The window does not match its interval.");
	DAMAGED(b[13] = 0, "The window does not match its interval.");
	DAMAGED(b[14] = 0xff, "The window does not match its interval.");	/* negative time */
	DAMAGED(b[25] = 1, "The window does not match its interval.");	/* + 1 day */
	DAMAGED(b[29] = 1, "The window does not match its interval.");	/* + 1 month */
	/* a non-positive interval whose window field is not 0 */
	DAMAGED((wref_put64(b + 14, (uint64_t) -10)), "The window does not match its interval.");
	/* nusable at 30..37, nrows at 38..45 */
	DAMAGED(b[45] = 4, "The row count does not fit the state's length.");
	DAMAGED(b[38] = 0x80, "The row count does not fit the state's length.");
	DAMAGED(b[38] = 0x0f, "The row count does not fit the state's length.");
	DAMAGED(b[37] = 2, "The row count does not fit the state's length.");	/* nusable < nrows */
	DAMAGED(b[30] = 0xff, "The row count does not fit the state's length.");
	DAMAGED(wref_put32(b + 2, 0), "Invalid number of steps.");
	DAMAGED(wref_put32(b + 2, FUNNEL_MAX_STEPS + 1), "Invalid number of steps.");
	DAMAGED(wref_put32(b + 2, UINT32_MAX), "Invalid number of steps.");
	/* rows */
	DAMAGED(wref_put32(b + r0 + 8, 0), "A row has an invalid number of matched steps.");
	DAMAGED(wref_put32(b + r0 + 8, 3), "A row has an invalid number of matched steps.");
	DAMAGED(wref_put32(b + r1 + 8, UINT32_MAX), "A row has an invalid number of matched steps.");
	DAMAGED(wref_put32(b + r0 + 12, 0), "A row has an invalid step.");
	DAMAGED(wref_put32(b + r0 + 12, 3), "A row has an invalid step.");
	DAMAGED(wref_put32(b + r1 + 12, 2), "A row has an invalid step.");	/* {2, 2} */
	DAMAGED((wref_put32(b + r1 + 12, 2), wref_put32(b + r1 + 16, 1)),
			"A row has an invalid step.");	/* {2, 1} */
	DAMAGED(wref_put32(b + r1 + 16, 3), "A row has an invalid step.");
	/* 3 rows of 16, 20 and 16 bytes: a 4th row could fit in the length only
	 * if the rows were shorter; claim 2 rows and the last one trails */
	DAMAGED(b[45] = 2, "The state has trailing bytes.");
	/* nmatch 1 instead of 2 in row 1: its 2nd step and the next row's ts
	 * are read as a row whose nmatch is the low half of ts 7 */
	DAMAGED(wref_put32(b + r1 + 8, 1), "A row has an invalid number of matched steps.");
	/* 3 rows fit 48 bytes, but rows 0 and 1 take 36 of them */
	CHECK(wire_rejects(good, len - 4, "The state ends inside a row."));
	{
		memcpy(b, good, len);
		b[len] = 0xff;
		CHECK(wire_rejects(b, len + 1, "The state has trailing bytes."));
		memset(b + len, 0, 16);
		CHECK(wire_rejects(b, len + 16, "The state has trailing bytes."));
	}
	/* every proper prefix is rejected */
	for (cut = 0; cut < len; cut++)
		CHECK(wire_error(good, cut) != NULL);
#undef DAMAGED
}

int
main(void)
{
	RUN(test_mode_names);
	RUN(test_within);
	RUN(test_hand_cases);
	RUN(test_property_random);
	RUN(test_clickhouse_default);
	RUN(test_hundred_steps);
	RUN(test_order_independence);
	RUN(test_big_tie_group);
	RUN(test_invalid_input);
	RUN(test_infinities);
	RUN(test_window_span);
	RUN(test_wire_valid);
	RUN(test_wire_damage);
	return UNIT_DONE();
}
