/*
 * test_rank.c
 *	  Unit tests of rank_core.c (value_concentration's and
 *	  channel_mix_value's walks in exact fixed point).  Expected figures
 *	  were computed by hand and checked with Python's fractions (exact
 *	  rationals): sorted values, sums of the top k, the rank sum sum i x_(i)
 *	  from the bottom, and the integers of the wide sums of squares.
 */
#include "unit.h"
#include "rank_core.h"

static RankRow
row(long long m, int d, long long n)
{
	RankRow		r;

	r.m = m;
	r.d = d;
	r.n = n;
	r.f = (double) m;
	for (int i = 0; i < d; i++)
		r.f /= 10;
	return r;
}

static int
text_is(RankNum r, const char *want)
{
	char		buf[RANK_TEXT_LEN];

	rank_num_text(r, buf);
	if (strcmp(buf, want) != 0)
	{
		fprintf(stderr, "  got %s, want %s\n", buf, want);
		return 0;
	}
	return 1;
}

/*
 * 5.00 twice, 3.5, 1, -2.25 (in a shuffled order): n 5, total 12.25;
 * the top 1 / 3 / 5 sum to 5.00, 13.50, 12.25; rank sum 55.25; 80 % of
 * the total (9.8) is reached in the 5.00 group (kb 0, sb 0).
 */
static void
test_concentration_small(void)
{
	RankRow		rows[4] = {row(35, 1, 1), row(-225, 2, 1), row(500, 2, 2), row(1, 0, 1)};
	RankRow		tmp[4];
	RankConcentration c;

	CHECK(rank_concentration(rows, 4, tmp, &c));
	CHECK(c.n == 5);
	CHECK(text_is(c.total, "12.25"));
	CHECK(text_is(c.ranked, "55.25"));
	CHECK(!c.xs.null && c.xk == 0);
	CHECK(text_is(c.xs, "0.00"));
	CHECK(text_is(c.xv, "5.00"));
	/* k = 1, 1, 1, 1, 3, then 5, 4, 4, 3, 3, 2, 2, 1, 1 */
	CHECK(text_is(c.tp[0], "5.00"));
	CHECK(text_is(c.tp[4], "13.50"));
	CHECK(text_is(c.tp[5], "12.25"));
	CHECK(text_is(c.tp[6], "14.50"));
	CHECK(text_is(c.tp[10], "10.00"));
	CHECK(text_is(c.tp[13], "5.00"));
}

/*
 * The scale of a top sum is that of the groups down to it, as the window
 * query's running sum had it: 7 and 2 (scale 0) above 1.5: the top 1 is
 * "7", the top 3 "10.5".
 */
static void
test_concentration_scales(void)
{
	RankRow		rows[3] = {row(15, 1, 1), row(7, 0, 1), row(2, 0, 1)};
	RankRow		tmp[3];
	RankConcentration c;

	CHECK(rank_concentration(rows, 3, tmp, &c));
	/* n 3: k = 1, 1, 1, 1, 2, 3, 3, 3, 2, 2, 2, 1, 1, 1 */
	CHECK(text_is(c.tp[0], "7"));
	CHECK(text_is(c.tp[4], "9"));
	CHECK(text_is(c.tp[5], "10.5"));
	CHECK(text_is(c.total, "10.5"));
	/* 80 % of the total, 8.4, is reached in the group of 2: 7 < 8.4 <= 9 */
	CHECK(c.xk == 1);
	CHECK(text_is(c.xs, "7"));
	CHECK(text_is(c.xv, "2"));
}

/* figures beyond 128 bits: the caller is told to use numeric */
static void
test_concentration_overflow(void)
{
	RankRow		rows[2] = {row(INT64_MAX, 0, INT64_MAX), row(1, 0, 1)};
	RankRow		tmp[2];
	RankRow		deep[1] = {row(1, RANK_MAX_SCALE + 1, 1)};
	RankConcentration c;

	int64_t		k[RANK_POINTS];

	CHECK(!rank_concentration(rows, 2, tmp, &c));
	CHECK(!rank_concentration(deep, 1, tmp, &c));
	CHECK(!rank_points(INT64_MAX, k));
	CHECK(!rank_points(INT64_MAX / 5, k));	/* 9 n overflows */
	CHECK(rank_points(10, k) && k[0] == 1 && k[4] == 5 && k[5] == 9 && k[13] == 1);
}

/*
 * Sums and squares, and the middle values: 1, 2, 2, 4 (n 4: positions 1
 * and 2, both 2); with 10 added (n 5: position 2, the 2).
 */
static void
test_moments(void)
{
	RankRow		rows[3] = {row(40, 1, 1), row(1, 0, 1), row(200, 2, 2)};
	RankRow		more[4] = {row(40, 1, 1), row(1, 0, 1), row(200, 2, 2), row(10, 0, 1)};
	RankRow		tmp[4];
	RankMoments m;
	char		buf[RANK_TEXT_LEN];

	CHECK(rank_moments(rows, 3, tmp, &m));
	CHECK(m.n == 4);
	CHECK(text_is(m.s, "9.00"));
	rank_wide_text(&m.q, buf);
	CHECK(strcmp(buf, "25.0000") == 0);
	CHECK(m.lo == 2.0 && m.hi == 2.0);
	CHECK(rank_moments(more, 4, tmp, &m));
	CHECK(m.n == 5 && m.lo == 2.0 && m.hi == 2.0);
}

/* a sum of squares beyond 2^128: 9000000000000000001^2 100 + 3^2 7 */
static void
test_moments_wide(void)
{
	RankRow		rows[2] = {row(9000000000000000001LL, 0, 100), row(-3, 0, 7)};
	RankRow		tmp[2];
	RankMoments m;
	char		buf[RANK_TEXT_LEN];

	CHECK(rank_moments(rows, 2, tmp, &m));
	rank_wide_text(&m.q, buf);
	CHECK(strcmp(buf, "8100000000000000001800000000000000000163") == 0);
	CHECK(text_is(m.s, "900000000000000000079"));
	/* n 107: the middle positions 53 lie in the 100 large values */
	CHECK(m.lo == (double) 9000000000000000001LL && m.hi == m.lo);
}

static void
test_text(void)
{
	RankNum		a = {-1250, 2, false};
	RankNum		b = {5, 3, false};
	RankNum		z = {0, 0, false};
	RankNum		zs = {0, 2, false};

	CHECK(text_is(a, "-12.50"));
	CHECK(text_is(b, "0.005"));
	CHECK(text_is(z, "0"));
	CHECK(text_is(zs, "0.00"));
}

int
main(void)
{
	RUN(test_concentration_small);
	RUN(test_concentration_scales);
	RUN(test_concentration_overflow);
	RUN(test_moments);
	RUN(test_moments_wide);
	RUN(test_text);
	return UNIT_DONE();
}
