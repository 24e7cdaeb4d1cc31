/*
 * unit.h
 *	  A very small test harness for the pure-C core.
 *
 * A test file defines functions `static void test_xxx(void)` and lists them in
 * main() with RUN(test_xxx).  Each RUN prints one line, "ok - name" or
 * "not ok - name", and the summary line "unit: N passed, N failed" that
 * test/run_tests.sh adds up.  CHECK* record a failure and carry on, so one
 * run shows every broken assertion of a test.
 */
#ifndef CXM_UNIT_H
#define CXM_UNIT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxm_core.h"

static int	unit_failures_in_test;
static int	unit_passed;
static int	unit_failed;

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			unit_failures_in_test++; \
		} \
	} while (0)

/* |got - want| <= tol, reported with both numbers */
#define CHECK_NEAR(got, want, tol) \
	do { \
		double g_ = (got), w_ = (want), t_ = (tol); \
		if (!(fabs(g_ - w_) <= t_)) { \
			fprintf(stderr, "  %s:%d: %s = %.17g, want %.17g (tol %g)\n", \
					__FILE__, __LINE__, #got, g_, w_, t_); \
			unit_failures_in_test++; \
		} \
	} while (0)

/* relative tolerance; exact zero wants exact zero */
#define CHECK_REL(got, want, rtol) \
	CHECK_NEAR(got, want, (rtol) * fabs((double) (want)))

#define RUN(fn) \
	do { \
		unit_failures_in_test = 0; \
		fn(); \
		if (unit_failures_in_test == 0) { unit_passed++; printf("ok - %s\n", #fn); } \
		else { unit_failed++; printf("not ok - %s\n", #fn); } \
	} while (0)

#define UNIT_DONE() \
	(printf("unit: %d passed, %d failed\n", unit_passed, unit_failed), \
	 unit_failed == 0 ? 0 : 1)

#include "test_alloc.h"

#endif							/* CXM_UNIT_H */
