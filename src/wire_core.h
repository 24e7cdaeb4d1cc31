/*
 * wire_core.h
 *	  The byte format of serialized aggregate states (pure C, no postgres.h):
 *	  one writer and one reader used by every state that travels between
 *	  parallel workers as bytea (journey_path, journey_funnel, attribution,
 *	  rfm, bgnbd_fit, gammagamma_fit).
 *
 * The format is the one pq_sendint32/pq_sendint64/pq_sendfloat8 write:
 * integers big-endian, a float8 as its IEEE bits, bytes as they are.  Every
 * state begins with a version byte (wire_put_version / wire_get_version).
 *
 * The writer grows a buffer from a CxmAlloc.  It can leave room in front of
 * the data (prefix bytes, e.g. VARHDRSZ for a bytea), so the glue turns the
 * buffer into a bytea without a copy (cxm_wire_begin / cxm_wire_bytea in
 * cxm.c).
 *
 * The reader never reads past the end of its buffer: a read that does not
 * fit records a failure and returns 0 (or NULL), and so does every later
 * read.  The first failure's reason, a sentence for an errdetail, is kept in
 * r->detail; callers check wire_ok() where they need to decide, and report
 * a damaged state with SQLSTATE 22P03 (cxm_bad_state in cxm.c).
 */
#ifndef WIRE_CORE_H
#define WIRE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cxm_core.h"

/* ---- writer ------------------------------------------------------------ */

typedef struct WireWriter
{
	CxmAlloc	alloc;
	unsigned char *buf;			/* prefix bytes, then the data */
	size_t		prefix;
	size_t		len;			/* prefix + data written */
	size_t		cap;
} WireWriter;

/* an empty writer with prefix bytes reserved and room for about hint bytes */
extern void wire_writer_init(WireWriter *w, const CxmAlloc *alloc, size_t prefix,
							 size_t hint);
/* room for n more bytes (called by the put functions when full) */
extern void wire_reserve(WireWriter *w, size_t n);
/* the bytes written, after the prefix */
static inline size_t
wire_written(const WireWriter *w)
{
	return w->len - w->prefix;
}

static inline void
wire_put_u8(WireWriter *w, uint8_t v)
{
	if (w->cap - w->len < 1)
		wire_reserve(w, 1);
	w->buf[w->len++] = v;
}

static inline void
wire_put_u32(WireWriter *w, uint32_t v)
{
	unsigned char *p;

	if (w->cap - w->len < 4)
		wire_reserve(w, 4);
	p = w->buf + w->len;
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
	w->len += 4;
}

static inline void
wire_put_u64(WireWriter *w, uint64_t v)
{
	wire_put_u32(w, (uint32_t) (v >> 32));
	wire_put_u32(w, (uint32_t) v);
}

static inline void
wire_put_i32(WireWriter *w, int32_t v)
{
	wire_put_u32(w, (uint32_t) v);
}

static inline void
wire_put_i64(WireWriter *w, int64_t v)
{
	wire_put_u64(w, (uint64_t) v);
}

static inline void
wire_put_f64(WireWriter *w, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	wire_put_u64(w, bits);
}

static inline void
wire_put_bytes(WireWriter *w, const void *p, size_t n)
{
	if (w->cap - w->len < n)
		wire_reserve(w, n);
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* the header of every state: its format's version byte */
static inline void
wire_put_version(WireWriter *w, uint8_t version)
{
	wire_put_u8(w, version);
}

/* ---- reader ------------------------------------------------------------ */

#define WIRE_DETAIL_LEN 160

typedef struct WireReader
{
	const unsigned char *buf;
	size_t		len;
	size_t		pos;
	bool		failed;
	char		detail[WIRE_DETAIL_LEN];	/* the first failure, a sentence */
} WireReader;

extern void wire_reader_init(WireReader *r, const void *buf, size_t len);

/*
 * Record a failure (printf-style; the first one wins) and return false.  After
 * a failure every read returns 0 or NULL.
 */
extern bool wire_fail(WireReader *r, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

static inline bool
wire_ok(const WireReader *r)
{
	return !r->failed;
}

static inline size_t
wire_left(const WireReader *r)
{
	return r->failed ? 0 : r->len - r->pos;
}

/* true when n more bytes are left; otherwise records why (a sentence) */
static inline bool
wire_need(WireReader *r, size_t n, const char *why)
{
	if (r->failed)
		return false;
	if (r->len - r->pos < n)
		return wire_fail(r, "%s", why);
	return true;
}

/* the default reason of a read past the end */
#define WIRE_TRUNCATED "The state is truncated."

static inline uint8_t
wire_get_u8(WireReader *r)
{
	if (!wire_need(r, 1, WIRE_TRUNCATED))
		return 0;
	return r->buf[r->pos++];
}

static inline uint32_t
wire_get_u32(WireReader *r)
{
	const unsigned char *p;

	if (!wire_need(r, 4, WIRE_TRUNCATED))
		return 0;
	p = r->buf + r->pos;
	r->pos += 4;
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

static inline uint64_t
wire_get_u64(WireReader *r)
{
	uint64_t	hi;

	if (!wire_need(r, 8, WIRE_TRUNCATED))
		return 0;
	hi = wire_get_u32(r);
	return (hi << 32) | wire_get_u32(r);
}

static inline int32_t
wire_get_i32(WireReader *r)
{
	return (int32_t) wire_get_u32(r);
}

static inline int64_t
wire_get_i64(WireReader *r)
{
	return (int64_t) wire_get_u64(r);
}

static inline double
wire_get_f64(WireReader *r)
{
	uint64_t	bits = wire_get_u64(r);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* n bytes in place (not copied, not terminated); NULL when they do not fit */
static inline const unsigned char *
wire_get_bytes(WireReader *r, size_t n)
{
	const unsigned char *p;

	if (!wire_need(r, n, WIRE_TRUNCATED))
		return NULL;
	p = r->buf + r->pos;
	r->pos += n;
	return p;
}

/* skip n bytes; false when they do not fit */
static inline bool
wire_skip(WireReader *r, size_t n)
{
	return wire_get_bytes(r, n) != NULL;
}

/*
 * The version byte: false (with "Unsupported state version V (expected E).")
 * unless it is the one expected; an empty buffer fails as truncated.
 */
extern bool wire_get_version(WireReader *r, uint8_t expected);

/*
 * Start reading a state: wire_reader_init, then its header of header bytes
 * must fit ("The state is shorter than its header.") and begin with the
 * version byte expected.  False (the reason recorded) otherwise.
 */
extern bool wire_reader_start(WireReader *r, const void *buf, size_t len,
							  size_t header, uint8_t version);

/* the recorded failure as a core's result: the reason into msg, CXM_EINVAL */
extern CxmStatus wire_failure(const WireReader *r, char *msg, size_t msglen);

/* nothing left: false (with "The state has trailing bytes.") otherwise */
extern bool wire_end(WireReader *r);

#endif							/* WIRE_CORE_H */
