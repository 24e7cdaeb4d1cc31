/*
 * rec_fake_spill.h
 *	  A spill file in memory for assoc_rules' basket log (RecSpill of
 *	  recommend_core.h), and a state's wire bytes in an exact-size buffer,
 *	  for the unit tests and the fuzz target.
 */
#ifndef CXM_REC_FAKE_SPILL_H
#define CXM_REC_FAKE_SPILL_H

#include <stdlib.h>
#include <string.h>

#include "recommend_core.h"

/*
 * A spill file in memory, as the server's temporary file behaves: appends,
 * a rewind before reading, appends after reads go to the end.
 */
typedef struct FakeFile
{
	unsigned char *data;
	size_t		len,
				cap,
				pos;
	int			rewinds;
} FakeFile;

static void __attribute__((unused))
fake_write(void *arg, const void *buf, size_t len)
{
	FakeFile   *f = arg;

	if (f->len + len > f->cap)
	{
		f->cap = (f->len + len) * 2;
		f->data = realloc(f->data, f->cap);
		if (f->data == NULL)
			abort();
	}
	memcpy(f->data + f->len, buf, len);
	f->len += len;
}

static void __attribute__((unused))
fake_rewind(void *arg)
{
	FakeFile   *f = arg;

	f->pos = 0;
	f->rewinds++;
}

static size_t __attribute__((unused))
fake_read(void *arg, void *buf, size_t len)
{
	FakeFile   *f = arg;
	size_t		k = f->len - f->pos < len ? f->len - f->pos : len;

	memcpy(buf, f->data + f->pos, k);
	f->pos += k;
	return k;
}

static const RecSpill fake_spill __attribute__((unused)) = {fake_write, fake_rewind, fake_read};

/*
 * The state's wire bytes (segments flattened first) in a malloc'd buffer of
 * their exact size, so that ASan sees reads past the end; NULL when
 * flattening or writing fails or the size differs from rec_wire_size.
 */
static unsigned char *__attribute__((unused))
rec_encode_exact(RecState *s, const CxmAlloc *alloc, size_t *len)
{
	WireWriter	w;
	unsigned char *buf = NULL;
	char		msg[256];

	*len = 0;
	if (rec_flatten(s, msg, sizeof(msg)) != CXM_OK)
		return NULL;
	wire_writer_init(&w, alloc, 0, 16);
	if (rec_wire_write(s, &w, msg, sizeof(msg)) == CXM_OK && w.len == rec_wire_size(s))
	{
		buf = malloc(w.len ? w.len : 1);
		if (buf == NULL)
			abort();
		if (w.len)
			memcpy(buf, w.buf, w.len);
		*len = w.len;
	}
	cxm_free(alloc, w.buf);
	return buf;
}

#endif							/* CXM_REC_FAKE_SPILL_H */
