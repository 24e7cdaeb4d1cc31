/*
 * fuzz_path_match.c
 *	  libFuzzer target: the path pattern compiler and matcher.  The input is
 *	  a pattern, a NUL byte, then a path with one byte per element (byte
 *	  value modulo the number of token ids: a name of the pattern, "other"
 *	  or NULL).  Checks: a rejected pattern reports a position inside it and
 *	  a message; an accepted one matches iff it occurs at least once, and
 *	  the count of occurrences is between 0 and n + 1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path_match_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "../unit/test_alloc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CxmAlloc	a = unit_allocator;
	const uint8_t *nul = memchr(data, 0, size);
	size_t		plen = nul ? (size_t) (nul - data) : size;
	const uint8_t *path = nul ? nul + 1 : data + size;
	int			n = (int) (size - plen - (nul ? 1 : 0));
	PmPattern  *p;
	PmError		err;
	int32_t    *syms;
	int			nsyms,
				k;
	int64_t		count;
	int			matched;

	if (pm_compile((const char *) data, plen, &a, &p, &err) != CXM_OK)
	{
		if (err.offset < 0 || (size_t) err.offset > plen || err.position < 1 ||
			err.position > (int) plen + 1 || err.message[0] == '\0')
			abort();
		return 0;
	}
	/* keep big automata on short paths so each input stays fast */
	if (pm_nstates(p) > 5000 && n > 64)
		n = 64;
	nsyms = pm_nnames(p) + 2;
	syms = malloc(sizeof(int32_t) * (size_t) (n > 0 ? n : 1));
	if (!syms)
		abort();
	for (k = 0; k < n; k++)
		syms[k] = (int32_t) (path[k] % nsyms);
	/* names look themselves up; anything else is "other" */
	if (pm_symbol(p, "\x01no such touchpoint", 19) != pm_other_symbol(p))
		abort();
	matched = pm_match(p, syms, n);
	count = pm_count(p, syms, n, &a);
	if (count < 0 || count > (int64_t) n + 1 || matched != (count > 0))
		abort();
	/* the same path again: scratch state must not leak between calls */
	if (pm_match(p, syms, n) != matched || pm_count(p, syms, n, &a) != count)
		abort();
	free(syms);
	pm_free(p, &a);
	return 0;
}
