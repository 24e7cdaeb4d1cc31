/*
 * fuzz_journey.c
 *	  libFuzzer target: the journey_path state of journey_core.c.
 *
 *	  (a) The whole input, and a copy with the version byte forced to the
 *		  current one, go to jpath_wire_check (the deserialiser's validator):
 *		  it must not crash, and on CXM_OK the step count and bytes it reports
 *		  must add up to the buffer length.
 *	  (b) The input read as steps: byte 0 flags, byte 1 max_steps (1..16),
 *		  then per step a timestamp byte (small values for ties, 0xfe/0xff
 *		  for -infinity/infinity), a length byte (high bit: a long run of one
 *		  byte, to cross log segments) and the string bytes (folded onto a
 *		  three-letter alphabet so equal strings are common).  The steps go
 *		  into an unbounded state, a bounded one (max_steps), and two halves
 *		  of each that are then merged.  Every sorted view must be in
 *		  jpath_key_cmp order and equal, element by element, to a qsort of the
 *		  steps (unbounded) or to its max_steps greatest keys (bounded);
 *		  the view serialized in the wire format passes jpath_wire_check and
 *		  fails it once truncated or extended by a byte; jpath_collapse over
 *		  the view (with a few NULLs) keeps no two equal neighbours.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journey_core.h"

#define MAXSTEPS 512

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "../unit/test_alloc.h"
#include "../unit/test_wire.h"

typedef struct Step
{
	int64_t		ts;
	const char *s;
	size_t		len;
	int			half;			/* 0 or 1: which partial state gets it */
} Step;

static int
step_cmp(const void *a, const void *b)
{
	const Step *x = a;
	const Step *y = b;

	return jpath_key_cmp(x->ts, x->s, x->len, y->ts, y->s, y->len);
}

static void
wire_raw(const uint8_t *data, size_t size)
{
	int32_t		ms;
	uint32_t	cnt;
	size_t		bytes;
	char		msg[160];
	unsigned char *copy;

	/* an exact-size heap copy, so ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		abort();
	if (size > 0)
		memcpy(copy, data, size);
	if (jpath_wire_check(copy, size, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_OK &&
		(size_t) JPATH_WIRE_HEADER + (size_t) cnt * JPATH_WIRE_ITEM + bytes != size)
		abort();
	if (size > 0)
	{
		copy[0] = JPATH_WIRE_VERSION;
		if (jpath_wire_check(copy, size, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_OK)
		{
			if ((size_t) JPATH_WIRE_HEADER + (size_t) cnt * JPATH_WIRE_ITEM + bytes != size)
				abort();
			if (ms < 0 || (ms > 0 && cnt > (uint32_t) ms))
				abort();
		}
	}
	free(copy);
}

static void
add_step(JPathState *st, const Step *x, bool inline_path)
{
	if (inline_path && jpath_log_append(st, x->ts, x->s, x->len))
		return;
	if (jpath_add(st, x->ts, x->s, x->len) != CXM_OK)
		abort();
}


/* serialize a view as the glue does and check the validator agrees */
static void
wire_roundtrip(const JPathView *v, int32_t max_steps)
{
	size_t		len = JPATH_WIRE_HEADER,
				i,
				pos,
				total = 0;
	unsigned char *buf;
	int32_t		ms;
	uint32_t	cnt;
	size_t		bytes;
	char		msg[160];

	for (i = 0; i < v->n; i++)
		len += JPATH_WIRE_ITEM + v->refs[i].len;
	buf = malloc(len + 1);
	if (buf == NULL)
		abort();
	buf[0] = JPATH_WIRE_VERSION;
	put32(buf + 1, (uint32_t) max_steps);
	put32(buf + 5, (uint32_t) v->n);
	pos = JPATH_WIRE_HEADER;
	for (i = 0; i < v->n; i++)
	{
		uint64_t	t = (uint64_t) v->refs[i].ts;

		put32(buf + pos, (uint32_t) (t >> 32));
		put32(buf + pos + 4, (uint32_t) t);
		put32(buf + pos + 8, (uint32_t) v->refs[i].len);
		if (v->refs[i].len > 0)
			memcpy(buf + pos + 12, v->refs[i].s, v->refs[i].len);
		pos += JPATH_WIRE_ITEM + v->refs[i].len;
		total += v->refs[i].len;
	}
	if (jpath_wire_check(buf, len, &ms, &cnt, &bytes, msg, sizeof(msg)) != CXM_OK ||
		ms != max_steps || cnt != v->n || bytes != total)
		abort();
	if (jpath_wire_check(buf, len - 1, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_OK)
		abort();
	buf[len] = 0;
	if (jpath_wire_check(buf, len + 1, &ms, &cnt, &bytes, msg, sizeof(msg)) == CXM_OK)
		abort();
	free(buf);
}

/* v must be sorted and equal to want[0..nwant) */
static void
check_view(const JPathView *v, const Step *want, size_t nwant)
{
	size_t		i;

	if (v->n != nwant)
		abort();
	for (i = 0; i < v->n; i++)
	{
		const JPathRef *r = &v->refs[i];

		if (i > 0 && jpath_key_cmp(v->refs[i - 1].ts, v->refs[i - 1].s, v->refs[i - 1].len,
								   r->ts, r->s, r->len) > 0)
			abort();
		if (r->ts != want[i].ts || r->len != want[i].len ||
			(r->len > 0 && memcmp(r->s, want[i].s, r->len) != 0))
			abort();
	}
}

static void
check_collapse(const JPathView *v, uint8_t flags)
{
	JPathStr   *in;
	bool	   *keep;
	size_t		i,
				kept = 0,
				prev = 0,
				nkept;
	bool		any = false;

	if (v->n == 0)
		return;
	in = malloc(v->n * sizeof(JPathStr));
	keep = malloc(v->n * sizeof(bool));
	if (in == NULL || keep == NULL)
		abort();
	for (i = 0; i < v->n; i++)
	{
		in[i].ptr = v->refs[i].s;
		in[i].len = v->refs[i].len;
		/* a NULL where the timestamp is odd, when asked */
		in[i].isnull = (flags & 8) && (v->refs[i].ts & 1);
	}
	nkept = jpath_collapse(in, v->n, keep);
	if (!keep[0])
		abort();
	for (i = 0; i < v->n; i++)
	{
		if (!keep[i])
		{
			/* dropped only when equal to its predecessor in the input */
			if (in[i].isnull != in[i - 1].isnull ||
				(!in[i].isnull && (in[i].len != in[i - 1].len ||
								   (in[i].len > 0 && memcmp(in[i].ptr, in[i - 1].ptr, in[i].len) != 0))))
				abort();
			continue;
		}
		if (any)
		{
			const JPathStr *a = &in[prev],
					   *b = &in[i];

			if (a->isnull && b->isnull)
				abort();
			if (!a->isnull && !b->isnull && a->len == b->len &&
				(a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0))
				abort();
		}
		any = true;
		prev = i;
		kept++;
	}
	if (kept != nkept)
		abort();
	free(in);
	free(keep);
}

static void
check_state(const JPathState *st, const Step *want, size_t nwant, int32_t max_steps)
{
	JPathView	v = jpath_sorted(st, &dirty_allocator);
	JPathView	v2;

	check_view(&v, want, nwant);
	jpath_view_release(&v, &dirty_allocator);
	/* the final function may run again: the state is unchanged */
	v2 = jpath_sorted(st, &dirty_allocator);
	check_view(&v2, want, nwant);
	wire_roundtrip(&v2, max_steps);
	jpath_view_release(&v2, &dirty_allocator);
}

static void
steps_mode(const uint8_t *data, size_t size)
{
	static const char alpha[3] = {'a', 'b', 'c'};
	Step	   *steps;
	Step	   *sorted;
	char	   *text;
	size_t		n = 0,
				pos = 2,
				tpos = 0,
				i,
				keepn;
	uint8_t		flags;
	int32_t		ms;
	JPathState *full,
			   *bfull,
			   *ua,
			   *ub,
			   *ba,
			   *bb;
	JPathView	v;

	if (size < 2)
		return;
	flags = data[0];
	ms = (int32_t) (data[1] % 16) + 1;
	steps = malloc(MAXSTEPS * sizeof(Step));
	text = malloc(size * 512 + 1024);
	if (steps == NULL || text == NULL)
		abort();
	while (pos + 2 <= size && n < MAXSTEPS)
	{
		uint8_t		tb = data[pos],
					lb = data[pos + 1];
		size_t		len;

		pos += 2;
		if (tb == 0xff)
			steps[n].ts = JPATH_TS_NOEND;
		else if (tb == 0xfe)
			steps[n].ts = JPATH_TS_NOBEGIN;
		else if (flags & 4)
			steps[n].ts = ((int64_t) (tb & 0x7f) - 64) * JPATH_USECS_PER_DAY * 1000;
		else
			steps[n].ts = (int64_t) (tb & 7);
		steps[n].half = (tb >> 7) & 1;
		steps[n].s = text + tpos;
		if (lb & 0x80)
		{
			/* a long run of one letter: crosses segment boundaries */
			len = (size_t) (lb & 0x7f) * 8;
			memset(text + tpos, alpha[lb % 3], len);
		}
		else
		{
			len = lb % 5;
			if (len > size - pos)
				len = size - pos;
			for (i = 0; i < len; i++)
				text[tpos + i] = (flags & 2) ? (char) data[pos + i] : alpha[data[pos + i] % 3];
			pos += len;
		}
		steps[n].len = len;
		tpos += len;
		n++;
	}

	sorted = malloc((n ? n : 1) * sizeof(Step));
	if (sorted == NULL)
		abort();
	if (n > 0)
		memcpy(sorted, steps, n * sizeof(Step));
	qsort(sorted, n, sizeof(Step), step_cmp);
	keepn = n < (size_t) ms ? n : (size_t) ms;

	full = jpath_create(0, dirty_allocator);
	bfull = jpath_create(ms, dirty_allocator);
	ua = jpath_create(0, dirty_allocator);
	ub = jpath_create(0, dirty_allocator);
	ba = jpath_create(ms, dirty_allocator);
	bb = jpath_create(ms, dirty_allocator);
	if (flags & 16)
	{
		if (jpath_reserve(full, n, tpos) != CXM_OK || jpath_reserve(bfull, n, tpos) != CXM_OK)
			abort();
	}
	for (i = 0; i < n; i++)
	{
		add_step(full, &steps[i], (flags & 1) != 0);
		add_step(bfull, &steps[i], (flags & 1) != 0);
		add_step(steps[i].half ? ub : ua, &steps[i], (flags & 1) != 0);
		add_step(steps[i].half ? bb : ba, &steps[i], false);
	}
	if (full->n != n || bfull->n != keepn)
		abort();

	/* merged halves; merge direction from a flag */
	if (flags & 32)
	{
		if (jpath_merge(ua, ub) != CXM_OK || jpath_merge(ba, bb) != CXM_OK)
			abort();
	}
	else
	{
		if (jpath_merge(ub, ua) != CXM_OK || jpath_merge(bb, ba) != CXM_OK)
			abort();
		{
			JPathState *t = ua;

			ua = ub;
			ub = t;
			t = ba;
			ba = bb;
			bb = t;
		}
	}

	check_state(full, sorted, n, 0);
	check_state(ua, sorted, n, 0);
	check_state(bfull, sorted + (n - keepn), keepn, ms);
	check_state(ba, sorted + (n - keepn), keepn, ms);

	/*
	 * merging a state into one holding the same keys: the result is the
	 * max_steps greatest keys of the doubled multiset
	 */
	if (flags & 64)
	{
		Step	   *dbl = malloc((2 * keepn + 1) * sizeof(Step));
		size_t		keep2 = 2 * keepn < (size_t) ms ? 2 * keepn : (size_t) ms;

		if (dbl == NULL)
			abort();
		for (i = 0; i < keepn; i++)
		{
			dbl[2 * i] = sorted[n - keepn + i];
			dbl[2 * i + 1] = sorted[n - keepn + i];
		}
		if (jpath_merge(bfull, ba) != CXM_OK)
			abort();
		check_state(bfull, dbl + (2 * keepn - keep2), keep2, ms);
		free(dbl);
	}

	v = jpath_sorted(full, &dirty_allocator);
	check_collapse(&v, flags);
	jpath_view_release(&v, &dirty_allocator);

	jpath_destroy(full);
	jpath_destroy(bfull);
	jpath_destroy(ua);
	jpath_destroy(ub);
	jpath_destroy(ba);
	jpath_destroy(bb);
	free(sorted);
	free(steps);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wire_raw(data, size);
	steps_mode(data, size);
	return 0;
}
