/*
 * funnel_wire_ref.h
 *	  Test-side helpers for journey_funnel's serialized state, shared by
 *	  test/unit/test_funnel.c and test/fuzz/fuzz_funnel_state.c:
 *	   - funnel_wire_encode_ref(): writes the wire format of funnel_core.h
 *		 (what journey_funnel_serial writes with pq_send*) from a header and
 *		 rows, independently of the core's reader;
 *	   - funnel_window_ref(): the window in microseconds with 128-bit
 *		 arithmetic, to check funnel_window_span()'s 64-bit one.
 *	  The includer includes funnel_core.h first.
 */
#ifndef CXM_FUNNEL_WIRE_REF_H
#define CXM_FUNNEL_WIRE_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline unsigned char *
wref_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
	return p + 4;
}

static inline unsigned char *
wref_put64(unsigned char *p, uint64_t v)
{
	return wref_put32(wref_put32(p, (uint32_t) (v >> 32)), (uint32_t) v);
}

/* bytes funnel_wire_encode_ref() writes for these rows */
static inline size_t
funnel_wire_size_ref(const FunnelRow *rows, size_t nrows)
{
	size_t		len = FUNNEL_WIRE_HEADER,
				i;

	for (i = 0; i < nrows; i++)
		len += 12 + 4 * (size_t) rows[i].nmatch;
	return len;
}

/*
 * The header from h (h->nrows rows; h->npool is not written), then rows
 * (a row with nmatch > 1 has its steps at pool + step).  Returns the length.
 */
static inline size_t
funnel_wire_encode_ref(const FunnelWireInfo *h, const FunnelRow *rows,
					   const uint32_t *pool, unsigned char *out)
{
	unsigned char *p = out;
	size_t		i;

	*p++ = FUNNEL_WIRE_VERSION;
	*p++ = (unsigned char) h->mode;
	p = wref_put32(p, h->nsteps);
	p = wref_put64(p, h->window);
	p = wref_put64(p, (uint64_t) h->window_time);
	p = wref_put32(p, (uint32_t) h->window_day);
	p = wref_put32(p, (uint32_t) h->window_month);
	p = wref_put64(p, (uint64_t) h->nusable);
	p = wref_put64(p, (uint64_t) h->nrows);
	for (i = 0; i < h->nrows; i++)
	{
		const FunnelRow *r = &rows[i];
		uint32_t	k;

		p = wref_put64(p, (uint64_t) r->ts);
		p = wref_put32(p, r->nmatch);
		if (r->nmatch == 1)
			p = wref_put32(p, r->step);
		else
			for (k = 0; k < r->nmatch; k++)
				p = wref_put32(p, pool[r->step + k]);
	}
	return (size_t) (p - out);
}

/* the steps of row i (1 or nmatch of them) */
static inline const uint32_t *
funnel_row_steps_ref(const FunnelRow *r, const uint32_t *pool)
{
	return r->nmatch == 1 ? &r->step : pool + r->step;
}

/* same timestamps and step lists, row by row (pool offsets may differ) */
static inline bool
funnel_rows_equal_ref(const FunnelRow *a, const uint32_t *apool,
					  const FunnelRow *b, const uint32_t *bpool, size_t nrows)
{
	size_t		i;

	for (i = 0; i < nrows; i++)
	{
		const uint32_t *sa = funnel_row_steps_ref(&a[i], apool),
				   *sb = funnel_row_steps_ref(&b[i], bpool);
		uint32_t	k;

		if (a[i].ts != b[i].ts || a[i].nmatch != b[i].nmatch)
			return false;
		for (k = 0; k < a[i].nmatch; k++)
			if (sa[k] != sb[k])
				return false;
	}
	return true;
}

#ifdef __SIZEOF_INT128__
__extension__ typedef __int128 wref_int128;

/* PostgreSQL's interval_cmp_value in 128 bits; false unless positive */
static inline bool
funnel_window_ref(int64_t time, int32_t day, int32_t month, uint64_t *usecs)
{
	wref_int128 span = (wref_int128) time +
		((wref_int128) day + (wref_int128) month * 30) * (wref_int128) 86400000000LL;

	*usecs = 0;
	if (span <= 0)
		return false;
	*usecs = span >= ((wref_int128) 1 << 64) ? UINT64_MAX : (uint64_t) span;
	return true;
}
#endif

#endif							/* CXM_FUNNEL_WIRE_REF_H */
