/*
 * cxm.h
 *	  Helpers shared by the fmgr glue files (the files that include postgres.h).
 */
#ifndef CXM_H
#define CXM_H

#include "postgres.h"

#include "utils/array.h"
#include "utils/memutils.h"

#include "cxm_core.h"

/* a CxmAlloc that pallocs (zeroed) in the given memory context */
extern CxmAlloc cxm_allocator(MemoryContext cxt);

/*
 * Check that an int8[] aggregate state is a one-dimensional array of exactly
 * nelem non-NULL elements and return its data.  The transition functions are
 * callable from SQL, so a malformed array must end in an ERROR, not a crash.
 */
extern int64 *cxm_int8_state(ArrayType *state, int nelem, const char *what);

/*
 * The aggregate's state array, writable: in aggregate context the one passed
 * in (updated in place, as int4_avg_accum does), elsewhere a copy.
 */
extern ArrayType *cxm_int8_state_arg(FunctionCallInfo fcinfo, int argno);

#endif							/* CXM_H */
