/*
 * fuzz_churn_state.c
 *	  libFuzzer target: the serialized aggregate states of rfm (rfm_core.c)
 *	  and of bgnbd_fit / gammagamma_fit (churn_core.c), i.e. what
 *	  rfm_deserialize and churn_fit_deserialize accept.  Byte 0 picks a mode:
 *
 *	  0: the rest, and a copy with the version byte forced, go to
 *		 rfm_wire_check; when accepted, decode and run what rfm_final runs
 *		 (rfm_summarize, after rfm_periods_compact): frequency n - 1,
 *		 recency >= 0, nothing crashes.
 *	  1: the same for cxm_fit_wire_check / cxm_fit_wire_decode, then, when
 *		 the high bit of byte 0 is set (the fits are slow), the final
 *		 functions on the decoded set: cxm_bgnbd_fit (when bgnbd_fit_final
 *		 would run it) and cxm_gg_fit, for states of up to FIT_MAX_ROWS rows.  A converged fit has positive finite parameters
 *		 and a finite log-likelihood.
 *	  2: a random valid rfm state built from the bytes, written in the wire
 *		 format as rfm_serialize writes it: accepted, decoded identically;
 *		 every shorter prefix and a trailing byte rejected; a flipped byte
 *		 never crashes.
 *	  3: the same for a fit state built with cxm_summary_set_add from rows
 *		 the accumulators accept, written as churn_fit_serialize writes it.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "churn_core.h"
#include "rfm_core.h"

#define FIT_MAX_ROWS 8
#define MAX_ITEMS 256

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "../unit/test_alloc.h"
#include "../unit/test_wire.h"

/* the fits cost up to a second each under the sanitizers: only when asked */
static int	run_fits;

/* a reader over the input that yields zeros once it runs out */
typedef struct Reader
{
	const uint8_t *p;
	size_t		left;
} Reader;

static uint64_t
rd(Reader *r, int nbytes)
{
	uint64_t	v = 0;
	int			i;

	for (i = 0; i < nbytes; i++)
	{
		v = (v << 8) | (r->left > 0 ? *r->p : 0);
		if (r->left > 0)
		{
			r->p++;
			r->left--;
		}
	}
	return v;
}

static unsigned char *
heap_copy(const uint8_t *data, size_t size)
{
	unsigned char *c = malloc(size ? size : 1);

	if (c == NULL)
		abort();
	if (size > 0)
		memcpy(c, data, size);
	return c;
}

/* ---- rfm ---- */

/* an accepted rfm state: decode it and run the final computation */
static void
rfm_use(const unsigned char *buf, size_t len, const RfmWireInfo *info)
{
	RfmPeriod  *items;
	RfmSummary	s;
	int64_t		as_of_period;
	int			i,
				n;

	if (len != RFM_WIRE_HEADER + (size_t) info->n * RFM_WIRE_ITEM)
		abort();
	if (info->n > 0 && !info->configured)
		abort();
	if (!info->configured)
		return;
	if (!(info->unit.per > 0))
		abort();
	items = malloc(sizeof(RfmPeriod) * (info->n > 0 ? info->n : 1));
	if (items == NULL)
		abort();
	rfm_wire_decode(buf, info, items);
	for (i = 1; i < info->n; i++)
		if (items[i].period <= items[i - 1].period)
			abort();
	n = rfm_periods_compact(items, info->n);
	if (n != info->n)
		abort();
	/* the calendar kinds need the server's date code; fixed ones are ours */
	as_of_period = info->unit.kind == RFM_FIXED ?
		rfm_fixed_period(info->as_of, info->unit.per) : info->as_of;
	if (n > 0)
	{
		/* sums of millionths may leave int64: reported, not wrapped */
		if (rfm_summarize(items, n, as_of_period, &s) == CXM_OK &&
			(s.frequency != (double) (n - 1) || !(s.recency >= 0.0) || isnan(s.t) ||
			 !isfinite(s.monetary)))
			abort();
	}
	free(items);
}

static void
rfm_raw(const uint8_t *data, size_t size)
{
	unsigned char *copy = heap_copy(data, size);
	RfmWireInfo info;
	char		msg[200];

	if (rfm_wire_check(copy, size, &info, msg, sizeof(msg)) == CXM_OK)
		rfm_use(copy, size, &info);
	if (size > 0)
	{
		copy[0] = RFM_WIRE_VERSION;
		if (rfm_wire_check(copy, size, &info, msg, sizeof(msg)) == CXM_OK)
			rfm_use(copy, size, &info);
	}
	free(copy);
}

static void
rfm_roundtrip(Reader *r)
{
	int			configured = (int) (rd(r, 1) & 1);
	int64_t		as_of = (int64_t) rd(r, 8);
	uint8_t		shape = (uint8_t) rd(r, 1);
	int32_t		month = 0,
				day = 0;
	int64_t		time = 0;
	RfmUnit		unit;
	RfmPeriod	items[MAX_ITEMS],
				back[MAX_ITEMS];
	RfmWireInfo info;
	int			n = 0,
				i,
				want_ok;
	unsigned char *buf;
	size_t		len,
				pos = 0,
				cut;
	char		msg[200];
	uint8_t		flip;

	/* mostly sensible units, sometimes raw ones */
	switch (shape & 3)
	{
		case 0:
			month = 1 + (shape >> 2) % 24;
			break;
		case 1:
			day = 1 + (shape >> 2) % 30;
			break;
		case 2:
			time = 1 + (int64_t) (rd(r, 4) % 100000000000ULL);
			day = (shape >> 2) % 3;
			break;
		default:
			month = (int32_t) rd(r, 4);
			day = (int32_t) rd(r, 4);
			time = (int64_t) rd(r, 8);
			break;
	}
	want_ok = !configured || rfm_unit_make(month, day, time, &unit) == RFM_UNIT_OK;
	if (!configured)
	{
		as_of = 0;
		month = day = 0;
		time = 0;
	}
	else
	{
		n = (int) (rd(r, 1) % MAX_ITEMS);
		for (i = 0; i < n; i++)
		{
			uint8_t		how = (uint8_t) rd(r, 1);

			items[i].period = (how & 1) ? (int64_t) rd(r, 8) : (int64_t) (rd(r, 1) % 32) - 16;
			items[i].micros = (how & 2) ? (int64_t) rd(r, 8) : (int64_t) rd(r, 2) * 10000;
		}
		n = rfm_periods_compact(items, n);
		if (n < 0)				/* a period's sum left int64 */
			return;
	}
	len = RFM_WIRE_HEADER + (size_t) n * RFM_WIRE_ITEM;
	buf = malloc(len + 1);
	if (buf == NULL)
		abort();
	buf[pos++] = RFM_WIRE_VERSION;
	buf[pos++] = (unsigned char) configured;
	pos += put64(buf + pos, (uint64_t) as_of);
	pos += put32(buf + pos, (uint32_t) month);
	pos += put32(buf + pos, (uint32_t) day);
	pos += put64(buf + pos, (uint64_t) time);
	pos += put32(buf + pos, (uint32_t) n);
	for (i = 0; i < n; i++)
	{
		pos += put64(buf + pos, (uint64_t) items[i].period);
		pos += put64(buf + pos, (uint64_t) items[i].micros);
	}
	if (pos != len)
		abort();
	if ((rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK) != want_ok)
		abort();
	if (!want_ok)
	{
		free(buf);
		return;
	}
	if (info.configured != configured || info.n != n || info.as_of != as_of ||
		(configured && (info.unit.month != month || info.unit.day != day ||
						info.unit.time != time || info.unit.per != unit.per ||
						info.unit.kind != unit.kind)))
		abort();
	rfm_wire_decode(buf, &info, back);
	if (n > 0 && memcmp(back, items, sizeof(RfmPeriod) * n) != 0)
		abort();
	for (cut = 0; cut < len; cut++)
		if (rfm_wire_check(buf, cut, &info, msg, sizeof(msg)) == CXM_OK)
			abort();
	buf[len] = (unsigned char) rd(r, 1);
	if (rfm_wire_check(buf, len + 1, &info, msg, sizeof(msg)) == CXM_OK)
		abort();
	/* one flipped byte: accepted or not, never a crash */
	flip = (uint8_t) rd(r, 1);
	buf[rd(r, 2) % len] ^= flip ? flip : 1;
	if (rfm_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK)
		rfm_use(buf, len, &info);
	free(buf);
}

/* ---- bgnbd_fit / gammagamma_fit ---- */

static void
check_fit(CxmStatus st, const CxmFitResult *fit, int k)
{
	int			i;

	if (st != CXM_OK)
		return;
	for (i = 0; i < k; i++)
		if (!(fit->param[i] > 0.0) || !isfinite(fit->param[i]))
			abort();
	if (!isfinite(fit->log_likelihood))
		abort();
}

/* an accepted fit state: decode it and run the final functions */
static void
fit_use(const unsigned char *buf, size_t len, const CxmFitWireInfo *info)
{
	CxmSummarySet set;
	CxmSummaryRow *rows;
	CxmFitResult fit;
	CxmStatus	st;
	char		msg[200];
	size_t		cap,
				i;
	int			any_repeat = 0;

	if (len != CXM_FIT_WIRE_HEADER + info->nrows * CXM_FIT_WIRE_ROW)
		abort();
	if (!(info->penalizer >= 0.0) || !isfinite(info->penalizer))
		abort();
	cxm_summary_set_init_rows(&set, &unit_allocator, info->nrows);
	cap = set.capacity;
	if (cxm_fit_wire_decode(buf, info, &set, msg, sizeof(msg)) != CXM_OK)
	{
		cxm_free(&unit_allocator, set.slots);
		return;
	}
	if (set.capacity != cap || set.used != info->nrows || set.total != info->total)
		abort();
	rows = malloc(sizeof(CxmSummaryRow) * (set.used + 1));
	if (rows == NULL)
		abort();
	cxm_summary_set_sorted(&set, rows);
	for (i = 1; i < set.used; i++)
		if (!(rows[i - 1].x < rows[i].x ||
			  (rows[i - 1].x == rows[i].x && (rows[i - 1].tx < rows[i].tx ||
											  (rows[i - 1].tx == rows[i].tx &&
											   rows[i - 1].t < rows[i].t)))))
			any_repeat = 1;
	if (any_repeat)
		abort();
	if (run_fits && set.used > 0 && set.used <= FIT_MAX_ROWS)
	{
		/* as bgnbd_fit_final: 5 customers, or a penalizer */
		if (set.total >= 5 || info->penalizer > 0.0)
		{
			st = cxm_bgnbd_fit(rows, set.used, info->penalizer, &fit);
			check_fit(st, &fit, 4);
		}
		st = cxm_gg_fit(rows, set.used, &fit);
		check_fit(st, &fit, 3);
	}
	free(rows);
	cxm_free(&unit_allocator, set.slots);
}

static void
fit_raw(const uint8_t *data, size_t size)
{
	unsigned char *copy = heap_copy(data, size);
	CxmFitWireInfo info;
	char		msg[200];

	if (cxm_fit_wire_check(copy, size, &info, msg, sizeof(msg)) == CXM_OK)
		fit_use(copy, size, &info);
	if (size > 0)
	{
		copy[0] = CXM_FIT_WIRE_VERSION;
		if (cxm_fit_wire_check(copy, size, &info, msg, sizeof(msg)) == CXM_OK)
			fit_use(copy, size, &info);
	}
	free(copy);
}

static void
fit_roundtrip(Reader *r)
{
	int			gg = (int) (rd(r, 1) & 1);
	int			has_pen = (int) (rd(r, 1) & 1);
	double		pen = has_pen ? (double) rd(r, 1) / 64.0 : 0.0;
	int			nin = (int) (rd(r, 1) % 64),
				i;
	CxmSummarySet set;
	CxmSummaryRow *want,
			   *got;
	CxmFitWireInfo info;
	CxmSummarySet back;
	unsigned char *buf;
	size_t		len,
				pos = 0,
				cut,
				k;
	char		msg[200];
	uint8_t		flip;

	cxm_summary_set_init(&set, &unit_allocator);
	for (i = 0; i < nin; i++)
	{
		double		x = (double) (rd(r, 1) % 8);
		double		tx = (double) rd(r, 1) / 4.0;
		double		t = (double) rd(r, 1) / 2.0;

		/* what bgnbd_fit_accum / gg_fit_accum keep */
		if (gg)
		{
			if (cxm_gg_row_problem(x, tx) == NULL && x > 0.0)
				cxm_summary_set_add(&set, x, tx, 0.0, 1 + (int64_t) (rd(r, 1) % 3));
		}
		else if (cxm_bgnbd_row_problem(x, tx, t) == NULL)
			cxm_summary_set_add(&set, x, tx, t, 1 + (int64_t) (rd(r, 1) % 3));
	}
	/* churn_fit_serialize: the occupied slots in slot order */
	len = CXM_FIT_WIRE_HEADER + set.used * CXM_FIT_WIRE_ROW;
	buf = malloc(len + 1);
	if (buf == NULL)
		abort();
	buf[pos++] = CXM_FIT_WIRE_VERSION;
	buf[pos++] = (unsigned char) has_pen;
	pos += putd(buf + pos, pen);
	pos += put64(buf + pos, (uint64_t) set.used);
	for (k = 0; k < set.capacity; k++)
	{
		CxmSummaryRow *s = &set.slots[k];

		if (s->count <= 0)
			continue;
		pos += putd(buf + pos, s->x);
		pos += putd(buf + pos, s->tx);
		pos += putd(buf + pos, s->t);
		pos += put64(buf + pos, (uint64_t) s->count);
	}
	if (pos != len)
		abort();
	if (cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) != CXM_OK ||
		info.has_penalizer != has_pen || info.penalizer != pen ||
		info.nrows != set.used || info.total != set.total)
		abort();
	cxm_summary_set_init_rows(&back, &unit_allocator, info.nrows);
	if (cxm_fit_wire_decode(buf, &info, &back, msg, sizeof(msg)) != CXM_OK ||
		back.used != set.used || back.total != set.total)
		abort();
	want = malloc(sizeof(CxmSummaryRow) * (set.used + 1));
	got = malloc(sizeof(CxmSummaryRow) * (set.used + 1));
	if (want == NULL || got == NULL)
		abort();
	cxm_summary_set_sorted(&set, want);
	cxm_summary_set_sorted(&back, got);
	for (k = 0; k < set.used; k++)
		if (memcmp(&want[k], &got[k], sizeof(CxmSummaryRow)) != 0)
			abort();
	free(want);
	free(got);
	cxm_free(&unit_allocator, back.slots);
	cxm_free(&unit_allocator, set.slots);

	for (cut = 0; cut < len; cut++)
		if (cxm_fit_wire_check(buf, cut, &info, msg, sizeof(msg)) == CXM_OK)
			abort();
	buf[len] = (unsigned char) rd(r, 1);
	if (cxm_fit_wire_check(buf, len + 1, &info, msg, sizeof(msg)) == CXM_OK)
		abort();
	flip = (uint8_t) rd(r, 1);
	buf[rd(r, 2) % len] ^= flip ? flip : 1;
	if (cxm_fit_wire_check(buf, len, &info, msg, sizeof(msg)) == CXM_OK)
		fit_use(buf, len, &info);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Reader		r;

	if (size < 1)
		return 0;
	r.p = data + 1;
	r.left = size - 1;
	run_fits = (data[0] & 0x80) != 0;
	switch (data[0] & 3)
	{
		case 0:
			rfm_raw(data + 1, size - 1);
			break;
		case 1:
			fit_raw(data + 1, size - 1);
			break;
		case 2:
			rfm_roundtrip(&r);
			break;
		default:
			fit_roundtrip(&r);
			break;
	}
	return 0;
}
