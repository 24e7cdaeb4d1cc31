/*
 * rank_core.c
 *	  value_concentration's and channel_mix_value's walks over their bases
 *	  in exact 128-bit fixed point (pure C; rank_core.h, doc/layer.md).
 *
 * Every value is brought to the largest scale D among the groups, so that
 * sums, products by counts and comparisons are plain integer arithmetic;
 * each overflow is checked and makes the function return false.  The
 * scales of the results are those SQL's numeric gives: a sum has the
 * largest scale of its terms, a product the sum of its factors' scales.
 */
#include "rank_core.h"

#include <stdlib.h>
#include <string.h>

#define ADD_OK(a, b, r) (!__builtin_add_overflow((a), (b), (r)))
#define MUL_OK(a, b, r) (!__builtin_mul_overflow((a), (b), (r)))

/* 10^k, k <= 36 */
static rank_i128
rank_pow10(int k)
{
	rank_i128	p = 1;

	while (k-- > 0)
		p *= 10;
	return p;
}

/* bring every value to the largest scale D (returned in *scale) */
static bool
rank_rescale(RankRow *rows, size_t count, int32_t *scale)
{
	int32_t		dmax = 0;
	size_t		i;

	for (i = 0; i < count; i++)
	{
		if (rows[i].d < 0 || rows[i].d > RANK_MAX_SCALE || rows[i].n < 0)
			return false;
		if (rows[i].d > dmax)
			dmax = rows[i].d;
	}
	for (i = 0; i < count; i++)
	{
		if (rows[i].d < dmax &&
			!MUL_OK(rows[i].m, rank_pow10(dmax - rows[i].d), &rows[i].m))
			return false;
	}
	*scale = dmax;
	return true;
}

/* the rows' orders: by value, largest or smallest first (msort_core.h) */
#define MSORT_NAME rank_sort_desc
#define MSORT_TYPE RankRow
#define MSORT_LESS(a, b) ((a)->m > (b)->m)
#include "msort_core.h"
#define MSORT_NAME rank_sort_asc
#define MSORT_TYPE RankRow
#define MSORT_LESS(a, b) ((a)->m < (b)->m)
#include "msort_core.h"

/* a figure held at scale D, shown at scale d <= D (exact: it has no more digits) */
static RankNum
rank_num(rank_i128 m, int32_t scale, int32_t d)
{
	RankNum		r;

	r.m = m / rank_pow10(scale - d);
	r.d = d;
	r.null = false;
	return r;
}

static RankNum
rank_null(void)
{
	RankNum		r = {0, 0, true};

	return r;
}

bool
rank_points(int64_t n, int64_t k[RANK_POINTS])
{
	int			j;

	if (n > INT64_MAX - 99)
		return false;
	k[0] = (n + 99) / 100;
	k[1] = (n + 19) / 20;
	k[2] = (n + 9) / 10;
	k[3] = (n + 4) / 5;
	k[4] = (n + 1) / 2;
	for (j = 1; j <= 9; j++)
	{
		int64_t		dn;

		if (__builtin_mul_overflow((int64_t) j, n, &dn))
			return false;
		k[4 + j] = n - dn / 10;
	}
	return true;
}

bool
rank_concentration(RankRow *rows, size_t count, RankRow *tmp, RankConcentration *out)
{
	int32_t		D;
	int64_t		n = 0;
	int64_t		kb = 0;
	int64_t		k[RANK_POINTS];
	rank_i128	total = 0;
	rank_i128	t8;
	rank_i128	ranked = 0;
	rank_i128	run = 0;
	int32_t		dmax = 0;
	bool		reached = false;
	size_t		i;
	int			j;

	if (!rank_rescale(rows, count, &D))
		return false;
	rank_sort_desc(rows, count, tmp);
	for (i = 0; i < count; i++)
	{
		rank_i128	term;

		if (!ADD_OK(n, rows[i].n, &n) ||
			!MUL_OK(rows[i].m, (rank_i128) rows[i].n, &term) || !ADD_OK(total, term, &total))
			return false;
	}
	/* sb < 0.8 total  <=>  10 sb < 8 total */
	if (!MUL_OK(total, (rank_i128) 8, &t8))
		return false;
	if (!rank_points(n, k))
		return false;
	out->n = n;
	out->total = count > 0 ? rank_num(total, D, D) : rank_null();
	out->xk = 0;
	out->xs = rank_null();
	out->xv = rank_null();
	for (j = 0; j < RANK_POINTS; j++)
		out->tp[j] = rank_null();

	for (i = 0; i < count; i++)
	{
		const RankRow *r = &rows[i];
		rank_i128	term;
		rank_i128	after;
		rank_i128	sb10;
		rank_i128	after10;
		rank_i128	weighted;
		int64_t		w;
		int64_t		a;
		int64_t		b;
		int64_t		top;

		/* the window query's sb shows the largest scale of the groups so far */
		if (r->d > dmax)
			dmax = r->d;
		if (!MUL_OK(r->m, (rank_i128) r->n, &term) || !ADD_OK(run, term, &after))
			return false;
		/* w = c (n + 1 - kb) - c (c + 1) / 2, in int8 as SQL has it */
		if (!ADD_OK(n, (int64_t) 1, &a) || !MUL_OK(r->n, a - kb, &a) ||
			!ADD_OK(r->n, (int64_t) 1, &b) || !MUL_OK(r->n, b, &b))
			return false;
		w = a - b / 2;
		if (!MUL_OK(r->m, (rank_i128) w, &weighted) || !ADD_OK(ranked, weighted, &ranked))
			return false;
		if (!MUL_OK(run, (rank_i128) 10, &sb10) || !MUL_OK(after, (rank_i128) 10, &after10))
			return false;
		if (sb10 < t8 && after10 >= t8)
		{
			if (!reached || kb < out->xk)
				out->xk = kb;
			if (!reached || run < out->xs.m * rank_pow10(D - out->xs.d))
				out->xs = rank_num(run, D, dmax);
			if (!reached || r->m < out->xv.m * rank_pow10(D - out->xv.d))
				out->xv = rank_num(r->m, D, r->d);
			reached = true;
		}
		if (!ADD_OK(kb, r->n, &top))
			return false;
		for (j = 0; j < RANK_POINTS; j++)
		{
			if (k[j] > kb && k[j] <= top)
			{
				rank_i128	part;
				rank_i128	s;

				if (!MUL_OK(r->m, (rank_i128) (k[j] - kb), &part) || !ADD_OK(run, part, &s))
					return false;
				if (out->tp[j].null || s > out->tp[j].m * rank_pow10(D - out->tp[j].d))
					out->tp[j] = rank_num(s, D, dmax);
			}
		}
		run = after;
		kb = top;
	}
	out->ranked = count > 0 ? rank_num(ranked, D, D) : rank_null();
	return true;
}

/* w += x c (x < 2^128, c >= 0) */
static void
rank_wide_add_mul(RankWide *w, unsigned __int128 x, uint64_t c)
{
	unsigned __int128 p0 = (unsigned __int128) (uint64_t) x * c;
	unsigned __int128 p1 = (unsigned __int128) (uint64_t) (x >> 64) * c;
	uint64_t	add[4];
	unsigned __int128 carry = 0;
	int			i;

	/* x c = p1 2^64 + p0, as limbs */
	add[3] = (uint64_t) p0;
	p1 += p0 >> 64;
	add[2] = (uint64_t) p1;
	add[1] = (uint64_t) (p1 >> 64);
	add[0] = 0;
	for (i = 3; i >= 0; i--)
	{
		carry += (unsigned __int128) w->limb[i] + add[i];
		w->limb[i] = (uint64_t) carry;
		carry >>= 64;
	}
}

bool
rank_moments(RankRow *rows, size_t count, RankRow *tmp, RankMoments *out)
{
	int32_t		D;
	int64_t		n = 0;
	int64_t		below = 0;
	int64_t		lo;
	int64_t		hi;
	rank_i128	s = 0;
	size_t		i;

	if (!rank_rescale(rows, count, &D))
		return false;
	memset(&out->q, 0, sizeof(out->q));
	for (i = 0; i < count; i++)
	{
		rank_i128	v = rows[i].m;
		rank_i128	t;
		unsigned __int128 a;

		/* the squares in 256 bits: |v| < 2^63 makes v^2 < 2^126 */
		a = v < 0 ? -(unsigned __int128) v : (unsigned __int128) v;
		if (!ADD_OK(n, rows[i].n, &n) ||
			!MUL_OK(v, (rank_i128) rows[i].n, &t) || !ADD_OK(s, t, &s) ||
			a >= ((unsigned __int128) 1 << 63) || out->q.limb[0] >= ((uint64_t) 1 << 62))
			return false;
		rank_wide_add_mul(&out->q, a * a, (uint64_t) rows[i].n);
	}
	out->n = n;
	out->lo = out->hi = 0;
	if (n == 0)
	{
		out->s = rank_null();
		out->q.null = true;
		return true;
	}
	out->s = rank_num(s, D, D);
	out->q.d = 2 * D;
	out->q.null = false;
	rank_sort_asc(rows, count, tmp);
	lo = (n - 1) / 2;
	hi = n / 2;
	for (i = 0; i < count; i++)
	{
		int64_t		next = below + rows[i].n;

		if (lo >= below && lo < next)
			out->lo = rows[i].f;
		if (hi >= below && hi < next)
		{
			out->hi = rows[i].f;
			break;
		}
		below = next;
	}
	return true;
}

/* the digits of a non-negative integer (limbs most significant first) into
 * buf, least significant first; returns how many */
static int
rank_digits(uint64_t limb[4], char *buf)
{
	const uint64_t chunk = UINT64_C(10000000000000000000);	/* 10^19 */
	int			nd = 0;

	for (;;)
	{
		unsigned __int128 rem = 0;
		bool		zero = true;
		int			i;

		for (i = 0; i < 4; i++)
		{
			unsigned __int128 cur = (rem << 64) | limb[i];

			limb[i] = (uint64_t) (cur / chunk);
			rem = cur % chunk;
			if (limb[i] != 0)
				zero = false;
		}
		for (i = 0; i < 19; i++)
		{
			buf[nd++] = '0' + (int) (rem % 10);
			rem /= 10;
			if (zero && rem == 0)
				break;
		}
		if (zero)
			return nd;
	}
}

/* sign, digits (least significant first, nd of them) and scale as text */
static void
rank_text(bool negative, char *digits, int nd, int32_t d, char *buf)
{
	int			pos = 0;
	int			i;

	while (nd <= d)
		digits[nd++] = '0';
	if (negative)
		buf[pos++] = '-';
	for (i = nd - 1; i >= 0; i--)
	{
		buf[pos++] = digits[i];
		if (i == d && d > 0)
			buf[pos++] = '.';
	}
	buf[pos] = '\0';
}

void
rank_num_text(RankNum r, char *buf)
{
	unsigned __int128 u = r.m < 0 ? -(unsigned __int128) r.m : (unsigned __int128) r.m;
	uint64_t	limb[4] = {0, 0, (uint64_t) (u >> 64), (uint64_t) u};
	char		digits[RANK_TEXT_LEN];

	rank_text(r.m < 0, digits, rank_digits(limb, digits), r.d, buf);
}

void
rank_wide_text(const RankWide *w, char *buf)
{
	uint64_t	limb[4];
	char		digits[RANK_TEXT_LEN];

	memcpy(limb, w->limb, sizeof(limb));
	rank_text(false, digits, rank_digits(limb, digits), w->d, buf);
}
