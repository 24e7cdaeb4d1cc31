/*
 * fuzz_funnel_state.c
 *	  libFuzzer target: journey_funnel's serialized state, as
 *	  journey_funnel_deserial reads it: funnel_wire_check (the validator),
 *	  funnel_wire_decode and funnel_level on what they accept, and
 *	  funnel_window_span.
 *
 * Byte 0 picks the part (its low two bits):
 *	  0  raw: the rest is a state.  When funnel_wire_check accepts it, the
 *		 state decodes into rows that obey everything funnel_level needs,
 *		 encodes back to the very same bytes (test/unit/funnel_wire_ref.h),
 *		 and funnel_level returns CXM_OK with a level in 0..nsteps (as the
 *		 final function would run it: only when there are usable rows).
 *		 When it rejects, there is a message.
 *	  1  window: 16 bytes (time int8, day int4, month int4):
 *		 funnel_window_span equals a 128-bit computation.
 *	  2  round trip: a random valid group (mode, 1..40 steps, a window
 *		 from a table or from the input, up to 32 rows with ties, infinite
 *		 timestamps and rows matching several steps) is encoded; the
 *		 validator accepts it and reports its counts, the decoded rows are
 *		 the same and give the same level; every proper prefix checked and
 *		 any appended bytes are rejected; then the rest of the input flips
 *		 bytes of the state one after another, each result going through
 *		 part 0's checks.
 *	  3  valid header, raw rows: the header is built valid from the input
 *		 (so the fuzzer spends its time in the row checks), the rows are
 *		 the rest of the input; then part 0's checks.
 * States are copied into buffers of their exact size, so ASan sees any read
 * past the end.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "funnel_core.h"
#include "../unit/funnel_wire_ref.h"

#define RT_MAXR 32
#define RT_MAXSTEPS 40
/* funnel_level allocates per step: run it on states of at most this many */
#define LEVEL_MAXSTEPS 4096

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "../unit/test_alloc.h"

static void *
xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

/* ---- part 0: any bytes ------------------------------------------------- */

static void
check_state(const unsigned char *in, size_t len)
{
	unsigned char *buf = xmalloc(len),
			   *again;
	FunnelWireInfo info;
	FunnelRow  *rows;
	uint32_t   *pool,
				level = 999;
	uint64_t	span;
	size_t		i,
				used = 0;
	char		msg[160];

	if (len > 0)
		memcpy(buf, in, len);
	msg[0] = '\0';
	if (funnel_wire_check(buf, len, &info, msg, sizeof(msg)) != CXM_OK)
	{
		if (msg[0] == '\0' || strlen(msg) >= sizeof(msg))
			abort();
		free(buf);
		return;
	}

	/* what the validator promises the glue */
	if (len < FUNNEL_WIRE_HEADER || (int) info.mode < 0 || (int) info.mode >= FUNNEL_NMODES)
		abort();
	if (info.window == 0 ||
		funnel_window_span(info.window_time, info.window_day, info.window_month,
						   &span) != CXM_OK || span != info.window)
		abort();
	if (info.nusable < 0 || (uint64_t) info.nusable < info.nrows ||
		info.nrows > (len - FUNNEL_WIRE_HEADER) / FUNNEL_WIRE_MIN_ROW)
		abort();
	if (info.nusable > 0 && (info.nsteps == 0 || info.nsteps > FUNNEL_MAX_STEPS))
		abort();
	if (info.npool > UINT32_MAX)
		abort();

	/* decode into exact-size arrays, as the glue allocates them */
	rows = xmalloc(sizeof(FunnelRow) * info.nrows);
	pool = xmalloc(sizeof(uint32_t) * info.npool);
	funnel_wire_decode(buf, len, &info, rows, pool);
	for (i = 0; i < info.nrows; i++)
	{
		const uint32_t *st;
		uint32_t	k;

		if (rows[i].nmatch == 0 || rows[i].nmatch > info.nsteps)
			abort();
		if (rows[i].nmatch > 1)
		{
			if (rows[i].step != used)
				abort();
			used += rows[i].nmatch;
			if (used > info.npool)
				abort();
		}
		st = funnel_row_steps_ref(&rows[i], pool);
		for (k = 0; k < rows[i].nmatch; k++)
			if (st[k] < 1 || st[k] > info.nsteps || (k > 0 && st[k] <= st[k - 1]))
				abort();
	}
	if (used != info.npool)
		abort();

	/* decoding then encoding gives back the same bytes */
	if (funnel_wire_size_ref(rows, info.nrows) != len)
		abort();
	again = xmalloc(len);
	if (funnel_wire_encode_ref(&info, rows, pool, again) != len ||
		memcmp(again, buf, len) != 0)
		abort();
	free(again);

	/* the final function: NULL without usable rows, else a level */
	if (info.nusable > 0 && info.nsteps <= LEVEL_MAXSTEPS)
	{
		if (funnel_level(rows, info.nrows, pool, info.npool, info.nsteps, info.window,
						 info.mode, &unit_allocator, &level, msg, sizeof(msg)) != CXM_OK ||
			level > info.nsteps || (info.nrows == 0 && level != 0))
			abort();
	}
	free(rows);
	free(pool);
	free(buf);
}

/* ---- part 1: the window ------------------------------------------------ */

static uint64_t
get_le(const uint8_t *p, int n)
{
	uint64_t	v = 0;
	int			i;

	for (i = 0; i < n; i++)
		v |= (uint64_t) p[i] << (8 * i);
	return v;
}

static void
check_window(const uint8_t *data, size_t size)
{
	int64_t		t;
	int32_t		d,
				m;
	uint64_t	u = 1,
				ref = 2;
	bool		ok;

	if (size < 16)
		return;
	t = (int64_t) get_le(data, 8);
	d = (int32_t) (uint32_t) get_le(data + 8, 4);
	m = (int32_t) (uint32_t) get_le(data + 12, 4);
	ok = funnel_window_ref(t, d, m, &ref);
	if ((funnel_window_span(t, d, m, &u) == CXM_OK) != ok || u != ref)
		abort();
}

/* ---- part 2: round trip of a valid state ------------------------------- */

typedef struct Reader
{
	const uint8_t *p;
	size_t		n;
} Reader;

static uint8_t
next_byte(Reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

/* a window (time, day, month) and its microseconds; input-driven */
static void
pick_window(Reader *r, FunnelWireInfo *h)
{
	static const struct
	{
		int64_t		t;
		int32_t		d,
					m;
	}			tab[] = {
		{10, 0, 0}, {1, 0, 0}, {3, 0, 0}, {0, 1, 0}, {0, 0, 1}, {-1, 1, 0},
		{86400000001LL, -1, 0}, {INT64_MAX, INT32_MAX, INT32_MAX}, {INT64_MAX, 0, 0}
	};
	uint8_t		b = next_byte(r);
	size_t		k = b % (sizeof(tab) / sizeof(tab[0]) + 1);

	if (k < sizeof(tab) / sizeof(tab[0]))
	{
		h->window_time = tab[k].t;
		h->window_day = tab[k].d;
		h->window_month = tab[k].m;
	}
	else
	{
		uint8_t		raw[16];
		int			i;

		for (i = 0; i < 16; i++)
			raw[i] = next_byte(r);
		h->window_time = (int64_t) get_le(raw, 8);
		h->window_day = (int32_t) (uint32_t) get_le(raw + 8, 4);
		h->window_month = (int32_t) (uint32_t) get_le(raw + 12, 4);
	}
	if (funnel_window_span(h->window_time, h->window_day, h->window_month,
						   &h->window) != CXM_OK)
	{
		h->window_time = 1;
		h->window_day = 0;
		h->window_month = 0;
		h->window = 1;
	}
}

static uint32_t
level_of(const FunnelRow *in, const uint32_t *pool, const FunnelWireInfo *h)
{
	FunnelRow	rows[RT_MAXR];
	uint32_t	level = 999;
	char		msg[160];

	memcpy(rows, in, sizeof(FunnelRow) * h->nrows);
	if (funnel_level(rows, h->nrows, pool, h->npool, h->nsteps, h->window, h->mode,
					 &unit_allocator, &level, msg, sizeof(msg)) != CXM_OK || level > h->nsteps)
		abort();
	return level;
}

static void
round_trip(const uint8_t *data, size_t size)
{
	Reader		r = {data, size};
	FunnelWireInfo h,
				info;
	FunnelRow	rows[RT_MAXR],
				back[RT_MAXR];
	uint32_t	pool[RT_MAXR * RT_MAXSTEPS],
				bpool[RT_MAXR * RT_MAXSTEPS];
	unsigned char *buf,
			   *big;
	size_t		len,
				i,
				cut;
	char		msg[160];

	memset(&h, 0, sizeof(h));
	h.mode = (FunnelMode) (next_byte(&r) % FUNNEL_NMODES);
	h.nsteps = 1 + next_byte(&r) % RT_MAXSTEPS;
	pick_window(&r, &h);
	h.nrows = next_byte(&r) % (RT_MAXR + 1);
	for (i = 0; i < h.nrows; i++)
	{
		uint8_t		tb = next_byte(&r);
		uint64_t	mask = 0;
		uint32_t	s,
					cnt = 0;
		int			k;

		rows[i].ts = tb == 0xff ? INT64_MAX : tb == 0xfe ? INT64_MIN :
			(int64_t) (tb % 16) - 2;
		for (k = 0; k < 5; k++)
			mask |= (uint64_t) next_byte(&r) << (8 * k);
		if (h.nsteps < 64)
			mask &= ((uint64_t) 1 << h.nsteps) - 1;
		if (mask == 0)
			mask = (uint64_t) 1 << (tb % h.nsteps);
		for (s = 1; s <= h.nsteps; s++)
			cnt += (mask >> (s - 1)) & 1;
		rows[i].nmatch = cnt;
		if (cnt == 1)
		{
			for (s = 1; !((mask >> (s - 1)) & 1); s++)
				;
			rows[i].step = s;
		}
		else
		{
			rows[i].step = (uint32_t) h.npool;
			for (s = 1; s <= h.nsteps; s++)
				if ((mask >> (s - 1)) & 1)
					pool[h.npool++] = s;
		}
	}
	h.nusable = (int64_t) h.nrows + next_byte(&r);
	if (h.nusable == 0 && (next_byte(&r) & 1))
		h.nsteps = 0;			/* a group without usable rows */

	len = funnel_wire_size_ref(rows, h.nrows);
	buf = xmalloc(len);
	if (funnel_wire_encode_ref(&h, rows, pool, buf) != len)
		abort();
	if (funnel_wire_check(buf, len, &info, msg, sizeof(msg)) != CXM_OK)
		abort();
	if (info.mode != h.mode || info.nsteps != h.nsteps || info.window != h.window ||
		info.window_time != h.window_time || info.window_day != h.window_day ||
		info.window_month != h.window_month || info.nusable != h.nusable ||
		info.nrows != h.nrows || info.npool != h.npool)
		abort();
	funnel_wire_decode(buf, len, &info, back, bpool);
	if (!funnel_rows_equal_ref(back, bpool, rows, pool, h.nrows))
		abort();
	if (h.nusable > 0 && level_of(back, bpool, &info) != level_of(rows, pool, &h))
		abort();
	check_state(buf, len);

	/* proper prefixes: the whole header, the ends of the rows, input picks */
	for (cut = 0; cut <= FUNNEL_WIRE_HEADER && cut < len; cut++)
		if (funnel_wire_check(buf, cut, &info, msg, sizeof(msg)) == CXM_OK)
			abort();
	for (cut = len > 16 ? len - 16 : 0; cut < len; cut++)
		if (funnel_wire_check(buf, cut, &info, msg, sizeof(msg)) == CXM_OK)
			abort();
	for (i = 0; i < 4; i++)
	{
		cut = ((size_t) next_byte(&r) << 8 | next_byte(&r)) % len;
		if (funnel_wire_check(buf, cut, &info, msg, sizeof(msg)) == CXM_OK)
			abort();
	}
	/* appended bytes */
	big = xmalloc(len + 16);
	memcpy(big, buf, len);
	memset(big + len, next_byte(&r), 16);
	for (cut = len + 1; cut <= len + 16; cut++)
		if (funnel_wire_check(big, cut, &info, msg, sizeof(msg)) == CXM_OK)
			abort();
	free(big);

	/* flips, one on top of the other: (position hi, lo, xor) triples */
	while (r.n >= 3)
	{
		size_t		pos = ((size_t) next_byte(&r) << 8 | next_byte(&r)) % len;
		uint8_t		x = next_byte(&r);

		buf[pos] ^= x ? x : 0x80;
		check_state(buf, len);
		/* and the damaged state cut short */
		check_state(buf, pos);
	}
	free(buf);
}

/* ---- part 3: a valid header over raw rows ------------------------------ */

static void
valid_header(const uint8_t *data, size_t size)
{
	Reader		r = {data, size};
	FunnelWireInfo h;
	unsigned char *buf;
	size_t		len,
				nrows;

	memset(&h, 0, sizeof(h));
	h.mode = (FunnelMode) (next_byte(&r) % FUNNEL_NMODES);
	h.nsteps = next_byte(&r) % 12;	/* 0 is invalid with rows */
	pick_window(&r, &h);
	h.nrows = next_byte(&r) % 16;
	h.nusable = (int64_t) h.nrows + (next_byte(&r) % 3) - 1;	/* may be short */
	len = FUNNEL_WIRE_HEADER + r.n;
	buf = xmalloc(len);
	/* the header alone (no rows to write), then the row count and the input */
	nrows = h.nrows;
	h.nrows = 0;
	if (funnel_wire_encode_ref(&h, NULL, NULL, buf) != FUNNEL_WIRE_HEADER)
		abort();
	wref_put64(buf + FUNNEL_WIRE_HEADER - 8, (uint64_t) nrows);
	if (r.n > 0)
		memcpy(buf + FUNNEL_WIRE_HEADER, r.p, r.n);
	check_state(buf, len);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3)
	{
		case 0:
			check_state(data + 1, size - 1);
			break;
		case 1:
			check_window(data + 1, size - 1);
			break;
		case 2:
			round_trip(data + 1, size - 1);
			break;
		case 3:
			valid_header(data + 1, size - 1);
			break;
	}
	return 0;
}
