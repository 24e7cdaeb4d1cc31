/*
 * path_match.c
 *	  fmgr glue of path_match and path_match_count.  The parser, automaton and
 *	  matcher live in path_match_core.c.
 *
 * The compiled pattern is cached in fn_extra, in a memory context of its own
 * under fn_mcxt, keyed by the pattern's bytes: a query that applies one
 * pattern to many paths compiles it once.  Each call maps the path's elements
 * to the pattern's token ids (one hash lookup per element) and runs the
 * automaton over the ids.
 */
#include "postgres.h"

#include "access/tupmacs.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "cxm.h"
#include "path_match_core.h"

PG_FUNCTION_INFO_V1(path_match);
PG_FUNCTION_INFO_V1(path_match_count);

typedef struct PmCache
{
	MemoryContext cxt;			/* holds everything below */
	char	   *pattern;
	int			len;
	CxmAlloc	alloc;
	PmPattern  *compiled;
} PmCache;

static void
pm_interrupt_hook(void)
{
	CHECK_FOR_INTERRUPTS();
}

static PmPattern *
pm_get_pattern(FunctionCallInfo fcinfo, text *pattern)
{
	PmCache    *cache = (PmCache *) fcinfo->flinfo->fn_extra;
	const char *pat = VARDATA_ANY(pattern);
	int			len = VARSIZE_ANY_EXHDR(pattern);
	MemoryContext cxt;
	PmCache    *fresh;
	PmError		err;

	if (cache != NULL && cache->len == len && memcmp(cache->pattern, pat, len) == 0)
		return cache->compiled;

	cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "cxm path pattern",
								ALLOCSET_SMALL_SIZES);
	fresh = MemoryContextAllocZero(cxt, sizeof(PmCache));
	fresh->cxt = cxt;
	fresh->alloc = cxm_allocator(cxt);
	if (pm_compile(pat, (size_t) len, &fresh->alloc, &fresh->compiled, &err) != CXM_OK)
	{
		int			pos = pg_mbstrlen_with_len(pat, err.offset) + 1;
		char	   *shown = pnstrdup(pat, len);

		MemoryContextDelete(cxt);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("invalid path pattern \"%s\": %s at position %d",
						shown, err.message, pos)));
	}
	fresh->pattern = MemoryContextAlloc(cxt, len + 1);
	memcpy(fresh->pattern, pat, len);
	fresh->len = len;
	pm_set_interrupt_hook(fresh->compiled, pm_interrupt_hook);
	if (cache != NULL)
		MemoryContextDelete(cache->cxt);
	fcinfo->flinfo->fn_extra = fresh;
	return fresh->compiled;
}

/*
 * The path's elements as token ids, palloc'd in the current context; *n gets
 * the number of elements.  A multi-dimensional array is an error.
 */
static int32 *
pm_path_symbols(PmPattern *p, ArrayType *path, int *n)
{
	int			nelem;
	int32	   *syms;
	char	   *ptr;
	bits8	   *nulls;
	int32		null_sym = pm_null_symbol(p);
	int			i;

	if (ARR_NDIM(path) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("path must be a one-dimensional array, not %d-dimensional",
						ARR_NDIM(path))));
	if (ARR_ELEMTYPE(path) != TEXTOID)
		elog(ERROR, "path must be a text array");
	nelem = ARR_NDIM(path) == 0 ? 0 : ARR_DIMS(path)[0];
	syms = palloc(sizeof(int32) * (nelem > 0 ? nelem : 1));
	ptr = ARR_DATA_PTR(path);
	nulls = ARR_NULLBITMAP(path);
	for (i = 0; i < nelem; i++)
	{
		if (nulls && !(nulls[i / 8] & (1 << (i % 8))))
		{
			syms[i] = null_sym;
			continue;
		}
		syms[i] = pm_symbol(p, VARDATA_ANY(ptr), VARSIZE_ANY_EXHDR(ptr));
		ptr = att_addlength_pointer(ptr, -1, ptr);
		ptr = (char *) att_align_nominal(ptr, TYPALIGN_INT);
	}
	*n = nelem;
	return syms;
}

/* path_match(path text[], pattern text) -> bool, strict */
Datum
path_match(PG_FUNCTION_ARGS)
{
	ArrayType  *path = PG_GETARG_ARRAYTYPE_P(0);
	PmPattern  *p = pm_get_pattern(fcinfo, PG_GETARG_TEXT_PP(1));
	int			n;
	int32	   *syms = pm_path_symbols(p, path, &n);
	bool		result = pm_match(p, syms, n);

	pfree(syms);
	PG_RETURN_BOOL(result);
}

/* path_match_count(path text[], pattern text) -> int4, strict */
Datum
path_match_count(PG_FUNCTION_ARGS)
{
	ArrayType  *path = PG_GETARG_ARRAYTYPE_P(0);
	PmPattern  *p = pm_get_pattern(fcinfo, PG_GETARG_TEXT_PP(1));
	int			n;
	int32	   *syms = pm_path_symbols(p, path, &n);
	CxmAlloc	a = cxm_allocator(CurrentMemoryContext);
	int64		count = pm_count(p, syms, n, &a);

	pfree(syms);
	PG_RETURN_INT32((int32) count);
}
