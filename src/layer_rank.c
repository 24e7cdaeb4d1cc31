/*
 * layer_rank.c
 *	  The population rankings of the CX layer from their bases (doc/layer.md,
 *	  "Incremental refresh"): the aggregates layer_concentration_agg
 *	  (value_concentration) and layer_moments_agg (channel_mix_value), with
 *	  one state: the groups of a base (a value, the value as float8, and how
 *	  many buyers have it), in any order.
 *
 * The state is the concrete type cxm.rank_state (state_type.h: an
 * expanded object during aggregation, its versioned bytes when flat, so
 * that parallel plans and Citus can ship partial states).  The final
 * functions restore the order themselves and walk the groups once.  A
 * value is read into an exact decimal (an integer and its scale, through
 * numeric's binary send format) and rank_core.c does the walk in
 * 128-bit integers; values it cannot hold (NaN, infinities, more than 18
 * digits after the point, sums beyond 2^127) send the whole group through
 * the same walk in PostgreSQL's numeric arithmetic here.  Either way the
 * results are the numerics SQL's sums and products give, display scale
 * included, so that the views show to the bit what the window queries
 * these aggregates replace showed; the order is that of the float8 first
 * (PostgreSQL's: NaN above everything), then of the numeric.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "cxm.h"
#include "rank_core.h"
#include "state_type.h"

#define RANK_STATE_VERSION 1

/*
 * The groups: rows[i] holds the value as m / 10^d when num[i] is NULL (or
 * num is), else num[i] holds it; f and n always.
 */
typedef struct RankState
{
	int64		count;
	int64		cap;
	RankRow    *rows;
	Numeric    *num;
} RankState;

/* numeric's binary form: ndigits, weight, sign, dscale, base-10000 digits */
#define NUMERIC_SEND_POS	0x0000
#define NUMERIC_SEND_NEG	0x4000

/* v as m / 10^d, exactly; false when rank_core cannot hold it */
static bool
rank_parse(Numeric v, rank_i128 *m, int32 *d)
{
	bytea	   *b = DatumGetByteaPP(DirectFunctionCall1(numeric_send, NumericGetDatum(v)));
	const unsigned char *p = (const unsigned char *) VARDATA_ANY(b);
	int			len = VARSIZE_ANY_EXHDR(b);
	int			ndigits;
	int			weight;
	int			sign;
	int			dscale;
	int			frac;
	rank_i128	acc = 0;
	bool		ok = true;

	if (len < 8)
		ok = false;
	else
	{
		ndigits = (int16) ((p[0] << 8) | p[1]);
		weight = (int16) ((p[2] << 8) | p[3]);
		sign = (p[4] << 8) | p[5];
		dscale = (p[6] << 8) | p[7];
		if ((sign != NUMERIC_SEND_POS && sign != NUMERIC_SEND_NEG) || dscale > RANK_MAX_SCALE ||
			ndigits < 0 || ndigits > 9 || len != 8 + 2 * ndigits)
			ok = false;
		for (int i = 0; ok && i < ndigits; i++)
			acc = acc * 10000 + ((p[8 + 2 * i] << 8) | p[9 + 2 * i]);
		/* acc has frac decimal digits after the point; bring it to dscale */
		frac = ndigits == 0 ? 0 : 4 * (ndigits - 1 - weight);
		if (ok && frac <= dscale)
		{
			for (int i = frac; ok && i < dscale; i++)
				ok = !__builtin_mul_overflow(acc, (rank_i128) 10, &acc);
		}
		else if (ok)
		{
			for (int i = dscale; ok && i < frac; i++)
			{
				ok = acc % 10 == 0;
				acc /= 10;
			}
		}
		if (ok)
		{
			*m = sign == NUMERIC_SEND_NEG ? -acc : acc;
			*d = dscale;
		}
	}
	pfree(b);
	return ok;
}

/* a decimal text of rank_core as a numeric (its scale as written) */
static Numeric
rank_text_numeric(const char *text)
{
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

/* m / 10^d as a numeric with d digits after the point */
static Numeric
rank_numeric(rank_i128 m, int32 d)
{
	RankNum		r = {m, d, false};
	char		text[RANK_TEXT_LEN];

	rank_num_text(r, text);
	return rank_text_numeric(text);
}

static Datum
rank_num_datum(RankNum r, bool *isnull)
{
	*isnull = r.null;
	return r.null ? (Datum) 0 : NumericGetDatum(rank_numeric(r.m, r.d));
}

static void
rank_grow(RankState *st, int64 need)
{
	if (need <= st->cap)
		return;
	st->cap = Max(need, st->cap * 2);
	if ((Size) st->cap > MaxAllocHugeSize / sizeof(RankRow))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values for a layer ranking")));
	st->rows = repalloc_huge(st->rows, sizeof(RankRow) * st->cap);
	if (st->num != NULL)
		st->num = repalloc_huge(st->num, sizeof(Numeric) * st->cap);
}

static RankState *
rank_new_state(MemoryContext cxt)
{
	RankState  *st = MemoryContextAllocZero(cxt, sizeof(RankState));

	st->cap = 64;
	st->rows = MemoryContextAlloc(cxt, sizeof(RankRow) * st->cap);
	return st;
}

/* append one group (in the state's own memory context) */
static void
rank_append(RankState *st, Numeric v, rank_i128 m, int32 d, float8 f, int64 n)
{
	RankRow    *r;

	rank_grow(st, st->count + 1);
	r = &st->rows[st->count];
	r->f = f;
	r->n = n;
	r->m = m;
	r->d = d;
	if (v != NULL)
	{
		MemoryContext cxt = GetMemoryChunkContext(st);

		if (st->num == NULL)
			st->num = MemoryContextAllocExtended(cxt, sizeof(Numeric) * st->cap, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		st->num[st->count] = MemoryContextAlloc(cxt, VARSIZE(v));
		memcpy(st->num[st->count], v, VARSIZE(v));
	}
	else if (st->num != NULL)
		st->num[st->count] = NULL;
	st->count++;
}

/*
 * layer_rank_add(state, value numeric, f float8, n int8): a group of the
 * base.  Rows with a NULL are skipped (the bases have none); a negative
 * count is an error.
 */
static Datum
layer_rank_add_impl(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = cxm_state_context(fcinfo, "layer_rank_add");
	RankState  *st = PG_ARGISNULL(0) ? NULL : (RankState *) PG_GETARG_POINTER(0);
	Numeric		v;
	int64		n;
	rank_i128	m = 0;
	int32		d = 0;
	bool		exact;

	if (st == NULL)
		st = rank_new_state(cxt);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(st);
	v = PG_GETARG_NUMERIC(1);
	n = PG_GETARG_INT64(3);
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count %lld of a layer ranking's value is negative", (long long) n)));
	exact = rank_parse(v, &m, &d);
	rank_append(st, exact ? NULL : v, m, d, PG_GETARG_FLOAT8(2), n);
	PG_RETURN_POINTER(st);
}

static Numeric
rank_row_numeric(const RankState *st, int64 i)
{
	if (st->num != NULL && st->num[i] != NULL)
		return st->num[i];
	return rank_numeric(st->rows[i].m, st->rows[i].d);
}

static Datum
layer_rank_combine_impl(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = cxm_state_context(fcinfo, "layer_rank_combine");
	RankState  *a = PG_ARGISNULL(0) ? NULL : (RankState *) PG_GETARG_POINTER(0);
	RankState  *b = PG_ARGISNULL(1) ? NULL : (RankState *) PG_GETARG_POINTER(1);

	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		a = rank_new_state(cxt);
	for (int64 i = 0; i < b->count; i++)
	{
		const RankRow *r = &b->rows[i];
		bool		exact = b->num == NULL || b->num[i] == NULL;

		rank_append(a, exact ? NULL : b->num[i], r->m, r->d, r->f, r->n);
	}
	PG_RETURN_POINTER(a);
}

/*
 * The flat state (cxm.rank_state's bytes): version byte, count, then per
 * group the float8, the count, a kind byte and either the exact decimal
 * (int128 as two int64, the scale) or numeric's binary form (length,
 * bytes).
 */
static bytea *
rank_flatten(Datum d)
{
	RankState  *st = (RankState *) DatumGetPointer(d);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, RANK_STATE_VERSION);
	pq_sendint64(&buf, st->count);
	for (int64 i = 0; i < st->count; i++)
	{
		const RankRow *r = &st->rows[i];

		pq_sendfloat8(&buf, r->f);
		pq_sendint64(&buf, r->n);
		if (st->num == NULL || st->num[i] == NULL)
		{
			pq_sendbyte(&buf, 0);
			pq_sendint64(&buf, (int64) (r->m >> 64));
			pq_sendint64(&buf, (int64) (uint64) r->m);
			pq_sendint32(&buf, r->d);
		}
		else
		{
			bytea	   *b = DatumGetByteaPP(DirectFunctionCall1(numeric_send, NumericGetDatum(st->num[i])));

			pq_sendbyte(&buf, 1);
			pq_sendint32(&buf, VARSIZE_ANY_EXHDR(b));
			pq_sendbytes(&buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
		}
	}
	return pq_endtypsend(&buf);
}

static pg_attribute_noreturn() void
rank_bad_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid layer ranking state"),
			 errdetail("%s", detail)));
}

/* the flat state read back, checked completely (a damaged one is an ERROR 22P03) */
static Datum
rank_expand(const char *data, size_t len, MemoryContext cxt)
{
	StringInfoData buf;
	RankState  *st = rank_new_state(cxt);
	int64		count;

	if (len > (size_t) MaxAllocSize)
		rank_bad_state("The state is too long.");
	buf.data = (char *) data;
	buf.len = (int) len;
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 9 || pq_getmsgbyte(&buf) != RANK_STATE_VERSION)
		rank_bad_state("The version byte is missing or unknown.");
	count = pq_getmsgint64(&buf);
	/* each group takes at least 8 + 8 + 1 + 4 bytes */
	if (count < 0 || count > (buf.len - buf.cursor) / 21)
		rank_bad_state("The number of groups does not match the length.");
	for (int64 i = 0; i < count; i++)
	{
		float8		f = pq_getmsgfloat8(&buf);
		int64		n = pq_getmsgint64(&buf);
		int			kind = pq_getmsgbyte(&buf);

		if (n < 0)
			rank_bad_state("A count is negative.");
		if (kind == 0)
		{
			int64		hi = pq_getmsgint64(&buf);
			uint64		lo = (uint64) pq_getmsgint64(&buf);
			int32		d = pq_getmsgint(&buf, 4);

			if (d < 0 || d > RANK_MAX_SCALE)
				rank_bad_state("A scale is out of range.");
			rank_append(st, NULL, (rank_i128) (((unsigned __int128) (uint64) hi << 64) | lo), d, f, n);
		}
		else if (kind == 1)
		{
			int32		vlen = pq_getmsgint(&buf, 4);
			StringInfoData nb;
			Numeric		v;

			if (vlen < 0 || vlen > buf.len - buf.cursor)
				rank_bad_state("A value's length does not match the state.");
			nb.data = (char *) pq_getmsgbytes(&buf, vlen);
			nb.len = vlen;
			nb.maxlen = vlen;
			nb.cursor = 0;
			v = DatumGetNumeric(DirectFunctionCall3(numeric_recv, PointerGetDatum(&nb),
													ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
			rank_append(st, v, 0, 0, f, n);
		}
		else
			rank_bad_state("A group's kind is unknown.");
	}
	if (buf.cursor != buf.len)
		rank_bad_state("There are bytes after the last group.");
	return PointerGetDatum(st);
}

/* the groups as rank_core rows (a copy: the core sorts and rescales), or NULL */
static RankRow *
rank_exact_rows(const RankState *st)
{
	RankRow    *rows;

	if (st->num != NULL)
		for (int64 i = 0; i < st->count; i++)
			if (st->num[i] != NULL)
				return NULL;
	rows = palloc_extended(sizeof(RankRow) * Max(st->count, 1), MCXT_ALLOC_HUGE);
	memcpy(rows, st->rows, sizeof(RankRow) * st->count);
	return rows;
}

/* ---- the same walks in numeric arithmetic (values rank_core cannot hold) */

typedef struct NumRow
{
	Numeric		v;
	float8		f;
	int64		n;
} NumRow;

static NumRow *
num_rows(const RankState *st)
{
	NumRow	   *rows = palloc_extended(sizeof(NumRow) * Max(st->count, 1), MCXT_ALLOC_HUGE);

	for (int64 i = 0; i < st->count; i++)
	{
		rows[i].v = rank_row_numeric(st, i);
		rows[i].f = st->rows[i].f;
		rows[i].n = st->rows[i].n;
	}
	return rows;
}

static inline int
rank_numeric_cmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a), NumericGetDatum(b)));
}

/*
 * descending by the float8 (PostgreSQL's order: NaN above every number),
 * then by the numeric (value_concentration)
 */
static int
num_cmp_desc(const void *a, const void *b, void *arg)
{
	const NumRow *x = a;
	const NumRow *y = b;
	int			c = float8_cmp_internal(y->f, x->f);

	return c != 0 ? c : rank_numeric_cmp(y->v, x->v);
}

/* ascending by the float8 alone (the order of percentile_cont over float8) */
static int
num_cmp_f_asc(const void *a, const void *b, void *arg)
{
	return float8_cmp_internal(((const NumRow *) a)->f, ((const NumRow *) b)->f);
}

static Numeric
num_add(Numeric a, Numeric b)
{
	return numeric_add_opt_error(a, b, NULL);
}

static Numeric
num_sub(Numeric a, Numeric b)
{
	return numeric_sub_opt_error(a, b, NULL);
}

static Numeric
num_mul(Numeric a, Numeric b)
{
	return numeric_mul_opt_error(a, b, NULL);
}

/* the value times an int8, as numeric * int8 is in SQL */
static Numeric
num_mul_int(Numeric v, int64 k)
{
	Numeric		kn = int64_to_numeric(k);
	Numeric		r = num_mul(v, kn);

	pfree(kn);
	return r;
}

/* acc + x, freeing the old accumulator */
static Numeric
num_accumulate(Numeric acc, Numeric x)
{
	Numeric		r;

	if (acc == NULL)
		return x;
	r = num_add(acc, x);
	pfree(acc);
	return r;
}

/* int8 arithmetic as SQL's operators do it (their overflow errors included) */
#define rank_add64(a, b) DatumGetInt64(DirectFunctionCall2(int8pl, Int64GetDatum(a), Int64GetDatum(b)))
#define rank_sub64(a, b) DatumGetInt64(DirectFunctionCall2(int8mi, Int64GetDatum(a), Int64GetDatum(b)))
#define rank_mul64(a, b) DatumGetInt64(DirectFunctionCall2(int8mul, Int64GetDatum(a), Int64GetDatum(b)))

/* the 14 top sums as a numeric[] (NULL where no group holds the point) */
static Datum
rank_points_array(Datum *tpd, bool *tpn)
{
	int			dims[1] = {RANK_POINTS};
	int			lbs[1] = {1};

	return PointerGetDatum(construct_md_array(tpd, tpn, 1, dims, lbs, NUMERICOID, -1, false, TYPALIGN_INT));
}

/* value_concentration's figures (rank_concentration) from numeric groups */
static void
num_concentration(NumRow *rows, int64 m, Datum *values, bool *nulls)
{
	int64		n = 0;
	int64		kb = 0;
	int64		k[RANK_POINTS];
	Numeric		tp[RANK_POINTS] = {0};
	Numeric		total = NULL;
	Numeric		ranked = NULL;
	Numeric		run = NULL;
	Numeric		t80;
	Numeric		xs = NULL;
	Numeric		xv = NULL;
	int64		xk = 0;
	bool		reached = false;
	Datum		tpd[RANK_POINTS];
	bool		tpn[RANK_POINTS];

	qsort_arg(rows, m, sizeof(NumRow), num_cmp_desc, NULL);
	/* the count and the total first: the ranks and the 80 % mark need them */
	for (int64 i = 0; i < m; i++)
	{
		n = rank_add64(n, rows[i].n);
		total = num_accumulate(total, num_mul_int(rows[i].v, rows[i].n));
	}
	/* 0.8 * total, 0.8 with one digit after the point as the literal has */
	t80 = num_mul(int64_div_fast_to_numeric(8, 1), total);
	if (!rank_points(n, k))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("bigint out of range")));

	for (int64 i = 0; i < m; i++)
	{
		NumRow	   *r = &rows[i];
		Numeric		term = num_mul_int(r->v, r->n);
		Numeric		after = run == NULL ? term : num_add(run, term);
		/* sb as the window query had it: the running sum through this group, less the group */
		Numeric		sb = num_sub(after, term);
		int64		w;

		w = rank_sub64(rank_mul64(r->n, rank_sub64(rank_add64(n, 1), kb)),
					   rank_mul64(r->n, rank_add64(r->n, 1)) / 2);
		ranked = num_accumulate(ranked, num_mul_int(r->v, w));
		if (rank_numeric_cmp(sb, t80) < 0 && rank_numeric_cmp(after, t80) >= 0)
		{
			if (!reached || kb < xk)
				xk = kb;
			if (!reached || rank_numeric_cmp(sb, xs) < 0)
				xs = sb;
			if (!reached || rank_numeric_cmp(r->v, xv) < 0)
				xv = r->v;
			reached = true;
		}
		for (int j = 0; j < RANK_POINTS; j++)
		{
			if (k[j] > kb && k[j] <= rank_add64(kb, r->n))
			{
				Numeric		s = num_add(sb, num_mul_int(r->v, k[j] - kb));

				if (tp[j] == NULL || rank_numeric_cmp(s, tp[j]) > 0)
					tp[j] = s;
			}
		}
		run = after;
		kb = rank_add64(kb, r->n);
	}
	for (int j = 0; j < RANK_POINTS; j++)
	{
		tpd[j] = tp[j] == NULL ? (Datum) 0 : NumericGetDatum(tp[j]);
		tpn[j] = tp[j] == NULL;
	}
	values[0] = Int64GetDatum(n);
	values[1] = NumericGetDatum(total);
	values[2] = NumericGetDatum(ranked);
	values[3] = Int64GetDatum(xk);
	nulls[3] = nulls[4] = nulls[5] = !reached;
	values[4] = reached ? NumericGetDatum(xs) : (Datum) 0;
	values[5] = reached ? NumericGetDatum(xv) : (Datum) 0;
	values[6] = rank_points_array(tpd, tpn);
}

/* channel_mix_value's figures (rank_moments) from numeric groups */
static void
num_moments(NumRow *rows, int64 m, Datum *values, bool *nulls)
{
	int64		n = 0;
	int64		below = 0;
	Numeric		s = NULL;
	Numeric		q = NULL;

	for (int64 i = 0; i < m; i++)
	{
		Numeric		sq = num_mul(rows[i].v, rows[i].v);

		n = rank_add64(n, rows[i].n);
		s = num_accumulate(s, num_mul_int(rows[i].v, rows[i].n));
		q = num_accumulate(q, num_mul_int(sq, rows[i].n));
	}
	values[0] = Int64GetDatum(n);
	if (n == 0)
		return;
	values[1] = NumericGetDatum(s);
	values[2] = NumericGetDatum(q);
	nulls[1] = nulls[2] = false;
	qsort_arg(rows, m, sizeof(NumRow), num_cmp_f_asc, NULL);
	for (int64 i = 0; i < m; i++)
	{
		int64		next = rank_add64(below, rows[i].n);

		if ((n - 1) / 2 >= below && (n - 1) / 2 < next)
		{
			values[3] = Float8GetDatum(rows[i].f);
			nulls[3] = false;
		}
		if (n / 2 >= below && n / 2 < next)
		{
			values[4] = Float8GetDatum(rows[i].f);
			nulls[4] = false;
			break;
		}
		below = next;
	}
}

static TupleDesc
rank_result_desc(FunctionCallInfo fcinfo, const char *fname)
{
	TupleDesc	desc;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "%s must return a row", fname);
	return BlessTupleDesc(desc);
}

/*
 * layer_concentration_agg(value, f, n) -> (n, total, ranked, xk, xs, xv, tp)
 * over one measure's base (value_concentration; doc/views.md).  In the
 * order from the top a group of c equal values has kb buyers above it,
 * whose values sum to sb: n = sum c, total = sum c v; ranked = sum v (c (n
 * + 1 - kb) - c (c + 1) / 2) (the Gini's rank sum); the groups that reach
 * 80 % of the total (sb < 0.8 total <= sb + c v) give xk = min kb, xs =
 * min sb, xv = min v; tp[j] = sb + (k - kb) v for the group with kb < k <=
 * kb + c, at k = ceil(p n) for p = 1, 5, 10, 20, 50 % and n - floor(d n /
 * 10) for d = 1 .. 9 (NULL when no group holds k).
 */
static Datum
layer_concentration_final_impl(PG_FUNCTION_ARGS)
{
	RankState  *st = PG_ARGISNULL(0) ? NULL : (RankState *) PG_GETARG_POINTER(0);
	TupleDesc	desc = rank_result_desc(fcinfo, "layer_concentration_agg");
	Datum		values[7];
	bool		nulls[7] = {false, true, true, true, true, true, false};
	RankRow    *rows;
	RankConcentration c;

	if (st == NULL || st->count == 0)
		PG_RETURN_NULL();
	rows = rank_exact_rows(st);
	if (rows != NULL &&
		rank_concentration(rows, st->count, palloc_extended(sizeof(RankRow) * Max(st->count, 1), MCXT_ALLOC_HUGE), &c))
	{
		Datum		tpd[RANK_POINTS];
		bool		tpn[RANK_POINTS];

		values[0] = Int64GetDatum(c.n);
		values[1] = rank_num_datum(c.total, &nulls[1]);
		values[2] = rank_num_datum(c.ranked, &nulls[2]);
		values[3] = Int64GetDatum(c.xk);
		nulls[3] = c.xs.null;
		values[4] = rank_num_datum(c.xs, &nulls[4]);
		values[5] = rank_num_datum(c.xv, &nulls[5]);
		for (int j = 0; j < RANK_POINTS; j++)
			tpd[j] = rank_num_datum(c.tp[j], &tpn[j]);
		values[6] = rank_points_array(tpd, tpn);
	}
	else
	{
		nulls[1] = nulls[2] = false;
		num_concentration(num_rows(st), st->count, values, nulls);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/*
 * layer_moments_agg(value, f, n) -> (n, s, q, lo, hi) over one part of
 * channel_mix_value's base: the buyers n = sum c, the exact sum s = sum v c
 * and sum of squares q = sum v v c, and the float8 values at the 0-based
 * positions floor((n - 1) / 2) and ceil((n - 1) / 2) in ascending order,
 * the two middle values of the median.
 */
static Datum
layer_moments_final_impl(PG_FUNCTION_ARGS)
{
	RankState  *st = PG_ARGISNULL(0) ? NULL : (RankState *) PG_GETARG_POINTER(0);
	TupleDesc	desc = rank_result_desc(fcinfo, "layer_moments_agg");
	Datum		values[5];
	bool		nulls[5] = {false, true, true, true, true};
	RankRow    *rows;
	RankMoments mo;

	if (st == NULL || st->count == 0)
		PG_RETURN_NULL();
	rows = rank_exact_rows(st);
	if (rows != NULL &&
		rank_moments(rows, st->count, palloc_extended(sizeof(RankRow) * Max(st->count, 1), MCXT_ALLOC_HUGE), &mo))
	{
		values[0] = Int64GetDatum(mo.n);
		values[1] = rank_num_datum(mo.s, &nulls[1]);
		if (!mo.q.null)
		{
			char		text[RANK_TEXT_LEN];

			rank_wide_text(&mo.q, text);
			values[2] = NumericGetDatum(rank_text_numeric(text));
			nulls[2] = false;
		}
		values[3] = Float8GetDatum(mo.lo);
		values[4] = Float8GetDatum(mo.hi);
		nulls[3] = nulls[4] = mo.n == 0;
	}
	else
		num_moments(num_rows(st), st->count, values, nulls);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

static const CxmStateDesc rank_desc = CXM_STATE_DESC("layer ranking", rank_flatten, rank_expand);

CXM_STATE_TYPE_IO(rank_state, rank_desc);
CXM_STATE_TRANS(layer_rank_add, layer_rank_add_impl, rank_desc, 1);
CXM_STATE_TRANS(layer_rank_combine, layer_rank_combine_impl, rank_desc, 2);
CXM_STATE_FINAL(layer_concentration_final, layer_concentration_final_impl, rank_desc);
CXM_STATE_FINAL(layer_moments_final, layer_moments_final_impl, rank_desc);
