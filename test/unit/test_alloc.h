/*
 * test_alloc.h
 *	  malloc-backed CxmAlloc allocators for the unit tests (via unit.h) and
 *	  the fuzz targets.  Both abort on out-of-memory, as the server raises an
 *	  ERROR.
 *
 *	  unit_allocator   zeroed memory, as cxm_allocator() gives in the server;
 *	  dirty_allocator  memory filled with 0xA5, standing in for
 *					   cxm_allocator_nozero(): a core that claims not to need
 *					   zeroed memory is tested with it to keep the claim true.
 */
#ifndef CXM_TEST_ALLOC_H
#define CXM_TEST_ALLOC_H

#include <stdlib.h>
#include <string.h>

#include "cxm_core.h"

static void *
test_zero_alloc(void *ctx, size_t size)
{
	void	   *p = calloc(1, size ? size : 1);

	(void) ctx;
	if (p == NULL)
		abort();
	return p;
}

static void *
test_dirty_alloc(void *ctx, size_t size)
{
	void	   *p = malloc(size ? size : 1);

	(void) ctx;
	if (p == NULL)
		abort();
	memset(p, 0xA5, size);
	return p;
}

static void
test_free(void *ctx, void *ptr)
{
	(void) ctx;
	free(ptr);
}

static CxmAlloc unit_allocator __attribute__((unused)) = {test_zero_alloc, test_free, NULL};
static CxmAlloc dirty_allocator __attribute__((unused)) = {test_dirty_alloc, test_free, NULL};

#endif							/* CXM_TEST_ALLOC_H */
