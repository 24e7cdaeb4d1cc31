/*
 * test_wire.c
 *	  Unit tests of wire_core.c: the byte order (against known bytes, the
 *	  ones pq_sendint32/pq_sendint64/pq_sendfloat8 write), the writer's growth
 *	  and prefix, and the reader's bounds checks and recorded failures.
 */
#include <float.h>
#include <stdint.h>

#include "unit.h"
#include "test_wire.h"
#include "wire_core.h"

/* known bytes: every width, signed and float values, a prefix of 4 */
static void
test_known_bytes(void)
{
	static const unsigned char want[] = {
		0xEE, 0xEE, 0xEE, 0xEE,	/* prefix, left as the caller fills it */
		0x01,					/* version */
		0xAB,
		0x01, 0x02, 0x03, 0x04,
		0xFF, 0xFF, 0xFF, 0xFE,	/* -2 */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* INT64_MIN */
		0x3F, 0xF8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 1.5 */
		0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* -2.0 */
		'a', 'b', 'c'
	};
	WireWriter	w;
	WireReader	r;
	const unsigned char *s;

	wire_writer_init(&w, &unit_allocator, 4, 0);
	memset(w.buf, 0xEE, 4);
	wire_put_version(&w, 1);
	wire_put_u8(&w, 0xAB);
	wire_put_u32(&w, 0x01020304u);
	wire_put_i32(&w, -2);
	wire_put_u64(&w, UINT64_C(0x0102030405060708));
	wire_put_i64(&w, INT64_MIN);
	wire_put_f64(&w, 1.5);
	wire_put_f64(&w, -2.0);
	wire_put_bytes(&w, "abc", 3);
	CHECK(w.len == sizeof(want));
	CHECK(wire_written(&w) == sizeof(want) - 4);
	CHECK(memcmp(w.buf, want, sizeof(want)) == 0);

	wire_reader_init(&r, want + 4, sizeof(want) - 4);
	CHECK(wire_get_version(&r, 1));
	CHECK(wire_get_u8(&r) == 0xAB);
	CHECK(wire_get_u32(&r) == 0x01020304u);
	CHECK(wire_get_i32(&r) == -2);
	CHECK(wire_get_u64(&r) == UINT64_C(0x0102030405060708));
	CHECK(wire_get_i64(&r) == INT64_MIN);
	CHECK(wire_get_f64(&r) == 1.5);
	CHECK(wire_get_f64(&r) == -2.0);
	s = wire_get_bytes(&r, 3);
	CHECK(s != NULL && memcmp(s, "abc", 3) == 0);
	CHECK(wire_end(&r));
	CHECK(wire_ok(&r));
	cxm_free(&unit_allocator, w.buf);
}

/* the same bytes as the tests' independent writers (test_wire.h) */
static void
test_matches_reference_writer(void)
{
	unsigned char ref[64];
	size_t		n = 0;
	WireWriter	w;
	double		vals[] = {0.0, -0.0, DBL_MIN, DBL_MAX, 1e-310, -3.25};
	int			i;

	wire_writer_init(&w, &unit_allocator, 0, 1);
	for (i = 0; i < 6; i++)
	{
		n += putd(ref + n, vals[i]);
		wire_put_f64(&w, vals[i]);
	}
	n += put32(ref + n, 0xDEADBEEFu);
	wire_put_u32(&w, 0xDEADBEEFu);
	n += put64(ref + n, UINT64_C(0xFEDCBA9876543210));
	wire_put_u64(&w, UINT64_C(0xFEDCBA9876543210));
	CHECK(w.len == n);
	CHECK(memcmp(w.buf, ref, n) == 0);
	cxm_free(&unit_allocator, w.buf);
}

/* growth from a small buffer keeps every byte and the prefix */
static void
test_growth(void)
{
	WireWriter	w;
	WireReader	r;
	uint32_t	i;
	bool		ok = true;
	char		big[1000];

	memset(big, 'x', sizeof(big));
	wire_writer_init(&w, &dirty_allocator, 8, 0);
	memset(w.buf, 0x11, 8);
	for (i = 0; i < 10000; i++)
		wire_put_u32(&w, i * 2654435761u);
	wire_put_bytes(&w, big, sizeof(big));
	wire_put_bytes(&w, NULL, 0);
	CHECK(wire_written(&w) == 40000 + sizeof(big));
	CHECK(w.buf[0] == 0x11 && w.buf[7] == 0x11);
	wire_reader_init(&r, w.buf + 8, wire_written(&w));
	for (i = 0; i < 10000; i++)
		ok = ok && wire_get_u32(&r) == i * 2654435761u;
	CHECK(ok);
	CHECK(wire_get_bytes(&r, sizeof(big)) != NULL);
	CHECK(wire_end(&r));
	cxm_free(&dirty_allocator, w.buf);
}

/* reads past the end fail, return 0 / NULL, and keep the first reason */
static void
test_reader_failures(void)
{
	static const unsigned char b[] = {1, 0, 0, 0, 7, 9};
	WireReader	r;

	wire_reader_init(&r, b, 0);
	CHECK(!wire_get_version(&r, 1));
	CHECK(strcmp(r.detail, "The state is empty.") == 0);

	wire_reader_init(&r, b, sizeof(b));
	CHECK(!wire_get_version(&r, 2));
	CHECK(strcmp(r.detail, "Unsupported state version 1 (expected 2).") == 0);
	/* after a failure everything reads as 0 and the reason stays */
	CHECK(wire_get_u32(&r) == 0);
	CHECK(wire_left(&r) == 0);
	CHECK(!wire_end(&r));
	CHECK(strcmp(r.detail, "Unsupported state version 1 (expected 2).") == 0);

	wire_reader_init(&r, b, sizeof(b));
	CHECK(wire_get_version(&r, 1));
	CHECK(wire_get_u32(&r) == 7);
	CHECK(wire_left(&r) == 1);
	CHECK(wire_get_u64(&r) == 0);	/* 1 byte left: fails without reading */
	CHECK(!wire_ok(&r));
	CHECK(strcmp(r.detail, WIRE_TRUNCATED) == 0);

	wire_reader_init(&r, b, sizeof(b));
	CHECK(wire_get_bytes(&r, sizeof(b) + 1) == NULL);
	CHECK(!wire_ok(&r));

	/* a huge length never wraps around */
	wire_reader_init(&r, b, sizeof(b));
	CHECK(wire_get_u8(&r) == 1);
	CHECK(wire_get_bytes(&r, SIZE_MAX) == NULL);
	CHECK(!wire_skip(&r, 1));

	wire_reader_init(&r, b, sizeof(b));
	CHECK(!wire_need(&r, 7, "Too short for the header."));
	CHECK(strcmp(r.detail, "Too short for the header.") == 0);
	CHECK(!wire_fail(&r, "second %d", 2));
	CHECK(strcmp(r.detail, "Too short for the header.") == 0);

	/* the start of a state: header length, then version */
	{
		char		msg[WIRE_DETAIL_LEN];

		CHECK(wire_reader_start(&r, b, sizeof(b), 5, 1));
		CHECK(r.pos == 1);
		CHECK(!wire_reader_start(&r, b, sizeof(b), 7, 1));
		CHECK(wire_failure(&r, msg, sizeof(msg)) == CXM_EINVAL);
		CHECK(strcmp(msg, "The state is shorter than its header.") == 0);
		CHECK(!wire_reader_start(&r, b, sizeof(b), 5, 3));
		CHECK(wire_failure(&r, msg, sizeof(msg)) == CXM_EINVAL);
		CHECK(strcmp(msg, "Unsupported state version 1 (expected 3).") == 0);
	}

	wire_reader_init(&r, b, sizeof(b));
	CHECK(wire_skip(&r, 5));
	CHECK(!wire_end(&r));
	CHECK(strcmp(r.detail, "The state has trailing bytes.") == 0);
}

int
main(void)
{
	RUN(test_known_bytes);
	RUN(test_matches_reference_writer);
	RUN(test_growth);
	RUN(test_reader_failures);
	return UNIT_DONE();
}
