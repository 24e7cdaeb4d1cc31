/*
 * test_wire.h
 *	  Big-endian writers for building serialized aggregate states in the unit
 *	  tests and fuzz targets, in the byte order pq_sendint32/pq_sendint64/
 *	  pq_sendfloat8 use.  Each returns the number of bytes written.
 */
#ifndef CXM_TEST_WIRE_H
#define CXM_TEST_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static size_t __attribute__((unused))
put64(unsigned char *p, uint64_t v)
{
	int			i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char) (v >> (56 - 8 * i));
	return 8;
}

static size_t __attribute__((unused))
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
	return 4;
}

/* a float8 as its IEEE bits, as pq_sendfloat8 writes it */
static size_t __attribute__((unused))
putd(unsigned char *p, double d)
{
	uint64_t	bits;

	memcpy(&bits, &d, sizeof(bits));
	return put64(p, bits);
}

#endif							/* CXM_TEST_WIRE_H */
