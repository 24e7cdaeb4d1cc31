/*
 * test_churn_state.c
 *	  The serialized states of rfm (rfm_core.c) and of bgnbd_fit /
 *	  gammagamma_fit (churn_core.c): the validators rfm_wire_check and
 *	  cxm_fit_wire_check, the decoders, and the rfm period arithmetic.  The
 *	  states are written byte by byte here, independently of the writers
 *	  (rfm_wire_write, cxm_fit_wire_write), whose bytes are compared with them.
 */
#include <stdint.h>

#include "unit.h"
#include "churn_core.h"
#include "rfm_core.h"

#include "test_wire.h"

/* an rfm state: configured, as_of, unit, n periods (period, millionths) */
static size_t
rfm_state(unsigned char *buf, int configured, int64_t as_of, int32_t month, int32_t day,
		  int64_t time, int n, const int64_t *periods, const int64_t *amounts)
{
	size_t		pos = 0;
	int			i;

	buf[pos++] = RFM_WIRE_VERSION;
	buf[pos++] = (unsigned char) configured;
	pos += put64(buf + pos, (uint64_t) as_of);
	pos += put32(buf + pos, (uint32_t) month);
	pos += put32(buf + pos, (uint32_t) day);
	pos += put64(buf + pos, (uint64_t) time);
	pos += put32(buf + pos, (uint32_t) n);
	for (i = 0; i < n; i++)
	{
		pos += put64(buf + pos, (uint64_t) periods[i]);
		pos += put64(buf + pos, (uint64_t) amounts[i]);
	}
	return pos;
}

/* a fit state: flag, penalizer, n rows (x, tx, t, count) */
static size_t
fit_state(unsigned char *buf, int flag, double pen, int64_t n, const CxmSummaryRow *rows)
{
	size_t		pos = 0;
	int64_t		i;

	buf[pos++] = CXM_FIT_WIRE_VERSION;
	buf[pos++] = (unsigned char) flag;
	pos += putd(buf + pos, pen);
	pos += put64(buf + pos, (uint64_t) n);
	for (i = 0; i < n; i++)
	{
		pos += putd(buf + pos, rows[i].x);
		pos += putd(buf + pos, rows[i].tx);
		pos += putd(buf + pos, rows[i].t);
		pos += put64(buf + pos, (uint64_t) rows[i].count);
	}
	return pos;
}

static void
test_rfm_unit(void)
{
	RfmUnit		u;

	CHECK(rfm_unit_make(1, 0, 0, &u) == RFM_UNIT_OK && u.kind == RFM_MONTHS && u.per == 1);
	CHECK(rfm_unit_make(0, 14, 0, &u) == RFM_UNIT_OK && u.kind == RFM_WEEKS && u.per == 2);
	CHECK(rfm_unit_make(0, 3, 0, &u) == RFM_UNIT_OK && u.kind == RFM_DAYS && u.per == 3);
	CHECK(rfm_unit_make(0, 1, 3600000000LL, &u) == RFM_UNIT_OK && u.kind == RFM_FIXED &&
		  u.per == 90000000000LL);
	CHECK(rfm_unit_make(0, 0, 0, &u) == RFM_UNIT_NOT_POSITIVE);
	CHECK(rfm_unit_make(0, -1, 0, &u) == RFM_UNIT_NOT_POSITIVE);
	CHECK(rfm_unit_make(0, 0, -5, &u) == RFM_UNIT_NOT_POSITIVE);
	CHECK(rfm_unit_make(1, 2, 0, &u) == RFM_UNIT_MIXED);
	/* days * 24 h + time beyond int64 used to overflow (and could divide by 0) */
	CHECK(rfm_unit_make(0, INT32_MAX, 1, &u) == RFM_UNIT_TOO_LONG);
	CHECK(rfm_unit_make(0, 106751991, 14454775807LL, &u) == RFM_UNIT_OK && u.per == INT64_MAX);
	CHECK(rfm_unit_make(0, 106751991, 14454775808LL, &u) == RFM_UNIT_TOO_LONG);
	CHECK(rfm_unit_make(0, 106751992, 1, &u) == RFM_UNIT_TOO_LONG);
	CHECK(rfm_unit_make(0, 0, INT64_MAX, &u) == RFM_UNIT_OK && u.per == INT64_MAX);
}

static void
test_rfm_fixed_period(void)
{
	const int64_t shift = INT64_C(946684800000000);
	int64_t		ts[] = {0, 1, -1, -shift, -shift - 1, 123456789012345LL, -987654321098765LL};
	int64_t		per[] = {1, 7, 3600000000LL, 86400000000LL, 90000000001LL};
	size_t		i,
				j;

	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++)
		for (j = 0; j < sizeof(per) / sizeof(per[0]); j++)
		{
			int64_t		a = ts[i] + shift;
			int64_t		want = a / per[j] - ((a % per[j] != 0 && a < 0) ? 1 : 0);

			CHECK(rfm_fixed_period(ts[i], per[j]) == want);
		}
	/* saturated instead of overflowing at +infinity with a tiny unit */
	CHECK(rfm_fixed_period(INT64_MAX, 1) == INT64_MAX);
	CHECK(rfm_fixed_period(INT64_MIN, 1) == INT64_MIN + shift);
	CHECK(rfm_fixed_period(INT64_MAX, INT64_MAX) == 1);
	CHECK(rfm_fixed_period(INT64_MIN, INT64_MAX) == -1);
}

static void
test_rfm_compact_summarize(void)
{
	RfmPeriod	p[] = {{5, 1000000}, {2, 10000000}, {5, 2000000}, {9, 4000000}, {2, 1000000}};
	RfmPeriod	far[] = {{INT64_MIN, 1}, {INT64_MAX, 3}};
	RfmPeriod	big[] = {{1, INT64_MAX}, {1, 1}};
	RfmPeriod	big2[] = {{1, 0}, {2, INT64_MAX}, {3, 1}};
	RfmSummary	s;
	int			n = rfm_periods_compact(p, 5);

	CHECK(n == 3);
	CHECK(p[0].period == 2 && p[0].micros == 11000000);
	CHECK(p[1].period == 5 && p[1].micros == 3000000);
	CHECK(p[2].period == 9 && p[2].micros == 4000000);
	CHECK(rfm_summarize(p, n, 12, &s) == CXM_OK);
	CHECK(s.frequency == 2.0 && s.recency == 7.0 && s.t == 10.0 && s.monetary == 3.5);
	rfm_summarize(p, 1, 2, &s);
	CHECK(s.frequency == 0.0 && s.recency == 0.0 && s.t == 0.0 && s.monetary == 0.0);
	/* differences are not computed in int64 */
	rfm_summarize(far, 2, INT64_MIN, &s);
	CHECK(s.recency == 18446744073709551615.0 && s.t == 0.0);
	rfm_summarize(far + 1, 1, INT64_MIN, &s);
	CHECK(s.t == -18446744073709551615.0);

	/* sums that leave int64 are reported, never wrapped */
	CHECK(rfm_periods_compact(big, 2) == -1);
	CHECK(rfm_periods_compact(big2, 3) == 3);
	CHECK(rfm_summarize(big2, 3, 3, &s) == CXM_ERANGE);
}

/* amounts enter as whole millionths; their sum is exact in any order */
static void
test_rfm_amounts_exact(void)
{
	/* 0.1 + 0.2 + 0.3 in float8 depends on the order; in millionths it does not */
	double		a[] = {0.1, 0.2, 0.3, 1e9 + 0.01, -1e9, 0.07};
	int			order[][6] = {{0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {3, 0, 4, 1, 5, 2}};
	int64_t		m;
	int			k,
				i;
	RfmSummary	s[3];

	CHECK(rfm_amount_micros(12.34, &m) && m == 12340000);
	CHECK(rfm_amount_micros(-0.0000005, &m) && m == -1);	/* llround: half away from zero */
	CHECK(rfm_amount_micros(0.0000004, &m) && m == 0);
	CHECK(rfm_amount_micros(RFM_MAX_AMOUNT, &m) && m == (int64_t) 9200000000000000000.0);
	CHECK(!rfm_amount_micros(9.3e12, &m));
	CHECK(!rfm_amount_micros(-INFINITY, &m) && !rfm_amount_micros(NAN, &m));
	CHECK((0.1 + 0.2) + 0.3 != 0.1 + (0.2 + 0.3));
	for (k = 0; k < 3; k++)
	{
		RfmPeriod	p[7];

		p[0].period = 0;		/* the first period does not count */
		p[0].micros = 5;
		for (i = 0; i < 6; i++)
		{
			p[i + 1].period = 1 + (i % 2);
			CHECK(rfm_amount_micros(a[order[k][i]], &p[i + 1].micros));
		}
		CHECK(rfm_periods_compact(p, 7) == 3);
		CHECK(rfm_summarize(p, 3, 4, &s[k]) == CXM_OK);
	}
	/* (0.1 + 0.2 + 0.3 + 1e9 + 0.01 - 1e9 + 0.07) / 2 = 0.34 exactly in millionths */
	CHECK(s[0].monetary == 680000.0 / 1e6 / 2.0);
	CHECK(memcmp(&s[0].monetary, &s[1].monetary, sizeof(double)) == 0);
	CHECK(memcmp(&s[0].monetary, &s[2].monetary, sizeof(double)) == 0);
}

static void
test_rfm_wire_valid(void)
{
	unsigned char buf[256];
	int64_t		periods[] = {-3, 7, 100};
	int64_t		amounts[] = {1500000, -2000000, INT64_MAX};
	RfmPeriod	out[3];
	RfmWireInfo info;
	char		msg[160];
	size_t		len;

	len = rfm_state(buf, 1, 123456789, 0, 7, 0, 3, periods, amounts);
	CHECK(len == RFM_WIRE_HEADER + 3 * RFM_WIRE_ITEM);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	CHECK(info.configured == 1 && info.as_of == 123456789 && info.n == 3);
	CHECK(info.unit.kind == RFM_WEEKS && info.unit.per == 1 && info.unit.day == 7);
	rfm_wire_decode(buf, &info, out);
	CHECK(out[0].period == -3 && out[0].micros == 1500000);
	CHECK(out[1].period == 7 && out[1].micros == -2000000);
	CHECK(out[2].period == 100 && out[2].micros == INT64_MAX);
	/* rfm_wire_write (the server's writer) gives these very bytes */
	{
		WireWriter	w;

		wire_writer_init(&w, &unit_allocator, 0, 0);
		rfm_wire_write(&w, &info, out);
		CHECK(w.len == len && memcmp(w.buf, buf, len) == 0);
		free(w.buf);
	}

	/* the state of an empty group: not configured, all zero */
	len = rfm_state(buf, 0, 0, 0, 0, 0, 0, NULL, NULL);
	CHECK(len == 30);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	CHECK(info.configured == 0 && info.n == 0);

	/* any int64 is a valid sum of millionths */
	amounts[0] = INT64_MIN;
	amounts[1] = -1;
	len = rfm_state(buf, 1, 0, 1, 0, 0, 2, periods, amounts);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
}

static void
test_rfm_wire_damaged(void)
{
	unsigned char buf[256];
	int64_t		periods[] = {1, 2};
	int64_t		unsorted[] = {2, 1};
	int64_t		dup[] = {4, 4};
	int64_t		amounts[] = {1000000, 2000000};
	RfmWireInfo info;
	char		msg[160];
	size_t		len,
				cut;

	len = rfm_state(buf, 1, 0, 0, 1, 0, 2, periods, amounts);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	/* every truncation, and a trailing byte */
	for (cut = 0; cut < len; cut++)
		CHECK(rfm_wire_check(buf, cut, &info, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(rfm_wire_check(buf, 29, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "The state is shorter than its header.") == 0);
	buf[len] = 0;
	CHECK(rfm_wire_check(buf, len + 1, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "2 periods do not fit in the 33 bytes after the header.") == 0);

	/* version 1 carried float8 sums: refused, as any other */
	buf[0] = 1;
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "Unsupported state version 1 (expected 2).") == 0);
	buf[0] = 3;
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "Unsupported state version 3 (expected 2).") == 0);
	buf[0] = RFM_WIRE_VERSION;
	buf[1] = 7;
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "The configured flag 7 is neither 0 nor 1.") == 0);
	buf[1] = 1;

	/* n negative, or larger than the bytes */
	put32(buf + 26, 0xffffffffu);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "-1 periods do not fit in the 32 bytes after the header.") == 0);
	put32(buf + 26, 0x7fffffffu);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);
	put32(buf + 26, 3);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);

	/* bad units */
	len = rfm_state(buf, 1, 0, 0, 0, 0, 2, periods, amounts);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strstr(msg, "not a positive interval") != NULL);
	len = rfm_state(buf, 1, 0, 1, 1, 0, 2, periods, amounts);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strstr(msg, "neither whole months") != NULL);
	len = rfm_state(buf, 1, 0, -1, 0, 0, 2, periods, amounts);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);
	len = rfm_state(buf, 1, 0, 0, INT32_MAX, 1, 2, periods, amounts);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strstr(msg, "too long") != NULL);

	/* periods without a unit: rfm_final used to divide by zero */
	len = rfm_state(buf, 0, 0, 0, 0, 0, 2, periods, amounts);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "The state has 2 periods but no as_of and unit.") == 0);

	/* periods out of order or repeated: the serializer merges and sorts them */
	len = rfm_state(buf, 1, 0, 0, 1, 0, 2, unsorted, amounts);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strstr(msg, "does not follow") != NULL);
	len = rfm_state(buf, 1, 0, 0, 1, 0, 2, dup, amounts);
	CHECK(rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);
}

static void
test_fit_wire_valid(void)
{
	unsigned char buf[512];
	CxmSummaryRow rows[] = {
		{0.0, 0.0, 30.0, 10},	/* BG/NBD, no repeat */
		{2.0, 20.0, 30.0, 3},	/* BG/NBD */
		{3.0, 25.5, 0.0, 4},	/* Gamma-Gamma: x > 0, mean spend, t = 0 */
		{-0.0, 0.0, 0.0, 1},	/* t = 0 with -0.0 as the key */
	};
	CxmSummaryRow sorted[4];
	CxmFitWireInfo info;
	CxmSummarySet set;
	char		msg[160];
	size_t		len;

	len = fit_state(buf, 1, 0.25, 4, rows);
	CHECK(len == CXM_FIT_WIRE_HEADER + 4 * CXM_FIT_WIRE_ROW);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	CHECK(info.has_penalizer == 1 && info.penalizer == 0.25 && info.nrows == 4 &&
		  info.total == 18);
	cxm_summary_set_init_rows(&set, &unit_allocator, info.nrows);
	CHECK(cxm_fit_wire_decode(buf, &info, &set, msg, sizeof(msg)) == CXM_OK);
	CHECK(set.used == 4 && set.total == 18);
	cxm_summary_set_sorted(&set, sorted);
	CHECK(sorted[0].x == 0.0 && sorted[0].t == 0.0 && sorted[0].count == 1);
	CHECK(sorted[1].x == 0.0 && sorted[1].t == 30.0 && sorted[1].count == 10);
	CHECK(sorted[2].x == 2.0 && sorted[2].count == 3);
	CHECK(sorted[3].x == 3.0 && sorted[3].tx == 25.5 && sorted[3].count == 4);
	/* cxm_fit_wire_write (the server's writer) gives these very bytes */
	{
		WireWriter	w;

		wire_writer_init(&w, &unit_allocator, 0, 0);
		cxm_fit_wire_write(&w, &info, &set);
		CHECK(w.len == len && memcmp(w.buf, buf, 18) == 0);
		CHECK(cxm_fit_wire_check(w.buf, w.len, &info, msg, sizeof(msg)) == CXM_OK);
		/* the rows come in the set's slot order: each one is written once */
		for (size_t k = 0; k < 4; k++)
			CHECK(memmem(w.buf + 18, w.len - 18, buf + 18 + k * CXM_FIT_WIRE_ROW,
						 CXM_FIT_WIRE_ROW) != NULL);
		free(w.buf);
	}
	free(set.slots);

	/* the state of an empty group */
	len = fit_state(buf, 0, 0.0, 0, NULL);
	CHECK(len == 18);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	CHECK(info.has_penalizer == 0 && info.nrows == 0 && info.total == 0);
}

/* init_rows sizes the set so that decoding never grows it */
static void
test_fit_set_init_rows(void)
{
	CxmSummarySet set;
	size_t		n,
				i;

	for (n = 0; n < 300; n += 7)
	{
		size_t		cap;

		cxm_summary_set_init_rows(&set, &unit_allocator, n);
		cap = set.capacity;
		CHECK(cap >= 64 && (cap & (cap - 1)) == 0);
		for (i = 0; i < n; i++)
			cxm_summary_set_add(&set, (double) i, 0.0, 1.0, 1);
		CHECK(set.capacity == cap && set.used == n);
		free(set.slots);
	}
}

static void
test_fit_wire_damaged(void)
{
	unsigned char buf[512];
	CxmSummaryRow rows[] = {{1.0, 5.0, 10.0, 2}, {0.0, 0.0, 10.0, 1}};
	CxmSummaryRow bad[1];
	CxmFitWireInfo info;
	CxmSummarySet set;
	char		msg[160];
	size_t		len,
				cut;

	len = fit_state(buf, 0, 0.0, 2, rows);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	for (cut = 0; cut < len; cut++)
		CHECK(cxm_fit_wire_check(buf, cut, &info, msg, sizeof(msg)) == CXM_EINVAL);
	CHECK(cxm_fit_wire_check(buf, 17, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "The state is shorter than its header.") == 0);
	buf[len] = 0;
	CHECK(cxm_fit_wire_check(buf, len + 1, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "2 rows do not fit in the 65 bytes after the header.") == 0);

	buf[0] = 0;
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "Unsupported state version 0 (expected 1).") == 0);
	buf[0] = CXM_FIT_WIRE_VERSION;
	buf[1] = 2;
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "The penalizer flag 2 is neither 0 nor 1.") == 0);
	buf[1] = 0;

	/* counts: negative, larger than the bytes, and n * 32 wrapping to the length */
	put64(buf + 10, UINT64_MAX);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "-1 rows do not fit in the 64 bytes after the header.") == 0);
	put64(buf + 10, 3);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);
	put64(buf + 10, (UINT64_C(1) << 59) + 2);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);

	/* penalizer */
	len = fit_state(buf, 1, -1.0, 2, rows);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strstr(msg, "penalizer -1") != NULL);
	len = fit_state(buf, 1, NAN, 2, rows);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);
	len = fit_state(buf, 1, INFINITY, 2, rows);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);
	len = fit_state(buf, 0, 0.5, 2, rows);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strstr(msg, "without the penalizer flag") != NULL);

	/* rows: count, values, repeats */
	bad[0] = rows[0];
	bad[0].count = 0;
	len = fit_state(buf, 0, 0.0, 1, bad);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strcmp(msg, "Bad row 0: count 0 is not positive.") == 0);
	bad[0].count = -5;
	len = fit_state(buf, 0, 0.0, 1, bad);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);
	bad[0] = rows[0];
	bad[0].tx = NAN;
	len = fit_state(buf, 0, 0.0, 1, bad);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strstr(msg, "finite") != NULL);
	bad[0] = rows[0];
	bad[0].x = -1.0;
	len = fit_state(buf, 0, 0.0, 1, bad);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);
	bad[0] = rows[0];
	bad[0].x = 1.5;
	len = fit_state(buf, 0, 0.0, 1, bad);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strstr(msg, "whole number") != NULL);
	bad[0] = rows[0];
	bad[0].tx = 11.0;			/* recency > t */
	len = fit_state(buf, 0, 0.0, 1, bad);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);
	bad[0].x = 2.0;
	bad[0].tx = -3.0;			/* Gamma-Gamma row with a negative spend */
	bad[0].t = 0.0;
	len = fit_state(buf, 0, 0.0, 1, bad);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL);

	/* counts adding up beyond int64 */
	rows[0].count = INT64_MAX;
	len = fit_state(buf, 0, 0.0, 2, rows);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_EINVAL &&
		  strstr(msg, "Bad row 1: the counts add up") != NULL);
	rows[0].count = INT64_MAX - 1;
	len = fit_state(buf, 0, 0.0, 2, rows);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK &&
		  info.total == INT64_MAX);
	rows[0].count = 2;

	/* a repeated row (also 0.0 against -0.0): found by the decoder */
	rows[1] = rows[0];
	rows[1].t = 10.0;
	rows[1].x = 1.0;
	len = fit_state(buf, 0, 0.0, 2, rows);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	cxm_summary_set_init_rows(&set, &unit_allocator, info.nrows);
	CHECK(cxm_fit_wire_decode(buf, &info, &set, msg, sizeof(msg)) == CXM_EINVAL &&
		  strstr(msg, "Bad row 1") != NULL && strstr(msg, "repeats") != NULL);
	free(set.slots);
	rows[0].x = 0.0;
	rows[0].tx = 0.0;
	rows[1].x = -0.0;
	rows[1].tx = -0.0;
	len = fit_state(buf, 0, 0.0, 2, rows);
	CHECK(cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK);
	cxm_summary_set_init_rows(&set, &unit_allocator, info.nrows);
	CHECK(cxm_fit_wire_decode(buf, &info, &set, msg, sizeof(msg)) == CXM_EINVAL);
	free(set.slots);
}

int
main(void)
{
	RUN(test_rfm_unit);
	RUN(test_rfm_fixed_period);
	RUN(test_rfm_compact_summarize);
	RUN(test_rfm_amounts_exact);
	RUN(test_rfm_wire_valid);
	RUN(test_rfm_wire_damaged);
	RUN(test_fit_wire_valid);
	RUN(test_fit_set_init_rows);
	RUN(test_fit_wire_damaged);
	return UNIT_DONE();
}
