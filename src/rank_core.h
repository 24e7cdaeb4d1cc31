/*
 * rank_core.h
 *	  The population rankings of the CX layer in exact decimal fixed point
 *	  (pure C, no postgres.h): value_concentration's ranks, top sums, 80 %
 *	  point and Gini rank sum, and channel_mix_value's sums and middle
 *	  values, over groups of equal values with their counts (doc/layer.md,
 *	  "Incremental refresh").
 *
 * A value is an integer m and a scale d (m / 10^d, as a numeric with d
 * digits after the point); every sum is exact in 128-bit integers, and
 * carries the scale a numeric sum or product in SQL would show.  Where a
 * figure would not fit (very large values or counts), the functions say so
 * and the caller computes with PostgreSQL's numeric instead.
 */
#ifndef RANK_CORE_H
#define RANK_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 8-byte aligned: states and rows live in palloc memory (MAXALIGN 8) */
__extension__ typedef __int128 rank_i128 __attribute__((aligned(8)));

/* the scale above which a value is left to the caller (10^36 < 2^127) */
#define RANK_MAX_SCALE	18

/* one group of a base: its value m / 10^d, as float8, and its count */
typedef struct RankRow
{
	rank_i128	m;
	double		f;
	int64_t		n;
	int32_t		d;
} RankRow;

/* the points of value_concentration's top sums (see rank_concentration) */
#define RANK_POINTS 14

/* a value of a result: m / 10^d; null when there is none */
typedef struct RankNum
{
	rank_i128	m;
	int32_t		d;
	bool		null;
} RankNum;

typedef struct RankConcentration
{
	int64_t		n;				/* buyers */
	RankNum		total;			/* sum of their values */
	RankNum		ranked;			/* sum x (c (n + 1 - kb) - c (c + 1) / 2) */
	int64_t		xk;				/* of the groups reaching 80 %: min kb */
	RankNum		xs;				/* min sb (null: no group reaches 80 %) */
	RankNum		xv;				/* min value */
	RankNum		tp[RANK_POINTS];
} RankConcentration;

/*
 * A non-negative figure of up to 256 bits (a sum of squares), as four
 * 64-bit limbs, most significant first, shown with d digits after the point
 */
typedef struct RankWide
{
	uint64_t	limb[4];
	int32_t		d;
	bool		null;
} RankWide;

typedef struct RankMoments
{
	int64_t		n;
	RankNum		s;				/* sum v c */
	RankWide	q;				/* sum v^2 c */
	double		lo;				/* middle values (float8), valid when n > 0 */
	double		hi;
} RankMoments;

/*
 * value_concentration's points k[j] among n buyers, largest first:
 * ceil(p n) for p = 1, 5, 10, 20, 50 %, then n - floor(d n / 10) for d = 1
 * .. 9 (the Lorenz deciles).  False when n is too large for int8.
 */
extern bool rank_points(int64_t n, int64_t k[RANK_POINTS]);

/*
 * value_concentration over one measure's groups, in any order: the rows
 * are rescaled and sorted in place, largest first (tmp: room for count
 * rows).  False when a figure would overflow.
 */
extern bool rank_concentration(RankRow *rows, size_t count, RankRow *tmp,
							   RankConcentration *out);

/* channel_mix_value over one part's groups (sorted smallest first) */
extern bool rank_moments(RankRow *rows, size_t count, RankRow *tmp, RankMoments *out);

/*
 * The decimal text of a figure ("-12.50" for m = -1250, d = 2), as
 * numeric's input reads it with the same scale; buf holds RANK_TEXT_LEN.
 */
#define RANK_TEXT_LEN 96
extern void rank_num_text(RankNum r, char *buf);
extern void rank_wide_text(const RankWide *w, char *buf);

#endif							/* RANK_CORE_H */
