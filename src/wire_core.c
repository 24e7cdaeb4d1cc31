/*
 * wire_core.c
 *	  The writer's growth and the reader's failures (wire_core.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire_core.h"

#define WIRE_MIN_CAP 64

void
wire_writer_init(WireWriter *w, const CxmAlloc *alloc, size_t prefix, size_t hint)
{
	w->alloc = *alloc;
	w->prefix = prefix;
	w->len = prefix;
	w->cap = prefix + (hint > WIRE_MIN_CAP ? hint : WIRE_MIN_CAP);
	w->buf = cxm_alloc(&w->alloc, w->cap);
}

/* doubles the buffer (at least to len + n); the alloc never returns NULL */
void
wire_reserve(WireWriter *w, size_t n)
{
	size_t		cap = w->cap;
	unsigned char *nbuf;

	if (cap - w->len >= n)
		return;
	while (cap - w->len < n)
		cap = cap < SIZE_MAX / 2 ? cap * 2 : SIZE_MAX;
	nbuf = cxm_alloc(&w->alloc, cap);
	memcpy(nbuf, w->buf, w->len);
	cxm_free(&w->alloc, w->buf);
	w->buf = nbuf;
	w->cap = cap;
}

void
wire_reader_init(WireReader *r, const void *buf, size_t len)
{
	r->buf = (const unsigned char *) buf;
	r->len = len;
	r->pos = 0;
	r->failed = false;
	r->detail[0] = '\0';
}

bool
wire_fail(WireReader *r, const char *fmt,...)
{
	va_list		ap;

	if (r->failed)
		return false;
	r->failed = true;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	return false;
}

bool
wire_get_version(WireReader *r, uint8_t expected)
{
	uint8_t		v;

	if (!wire_need(r, 1, "The state is empty."))
		return false;
	v = wire_get_u8(r);
	if (v != expected)
		return wire_fail(r, "Unsupported state version %d (expected %d).",
						 (int) v, (int) expected);
	return true;
}

bool
wire_reader_start(WireReader *r, const void *buf, size_t len, size_t header,
				  uint8_t version)
{
	wire_reader_init(r, buf, len);
	return wire_need(r, header, "The state is shorter than its header.") &&
		wire_get_version(r, version);
}

CxmStatus
wire_failure(const WireReader *r, char *msg, size_t msglen)
{
	snprintf(msg, msglen, "%s", r->failed ? r->detail : "The state is invalid.");
	return CXM_EINVAL;
}

bool
wire_end(WireReader *r)
{
	if (r->failed)
		return false;
	if (r->pos != r->len)
		return wire_fail(r, "The state has trailing bytes.");
	return true;
}
