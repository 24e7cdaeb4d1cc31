/*
 * rfm_core.h
 *	  The pure-C part of RFM (glue in src/rfm.c): the rfm(ts, amount, as_of,
 *	  unit) aggregate's unit classification, the period list (sort and
 *	  merge), the final (frequency, recency, t, monetary) and the serialized
 *	  state with its validator; and rfm_segment's map.  No postgres.h; unit-tested in
 *	  test/unit/test_rfm.c and fuzzed by test/fuzz/fuzz_churn_state.c.
 */
#ifndef CXM_RFM_CORE_H
#define CXM_RFM_CORE_H

#include "cxm_core.h"
#include "wire_core.h"

typedef enum RfmUnitKind
{
	RFM_DAYS,					/* local dates, n days per period */
	RFM_WEEKS,					/* ISO weeks, n weeks per period */
	RFM_MONTHS,					/* calendar months, n per period */
	RFM_FIXED					/* fixed length in microseconds */
} RfmUnitKind;

/* the unit interval as given, and what it means */
typedef struct RfmUnit
{
	int32_t		month;
	int32_t		day;
	int64_t		time;			/* microseconds */
	RfmUnitKind kind;
	int64_t		per;			/* days, weeks, months or microseconds; > 0 */
} RfmUnit;

/* why rfm_unit_make refused a unit */
typedef enum RfmUnitProblem
{
	RFM_UNIT_OK = 0,
	RFM_UNIT_NOT_POSITIVE,		/* a negative part, or all zero */
	RFM_UNIT_MIXED,				/* months together with days or time */
	RFM_UNIT_TOO_LONG			/* days * 24 h + time does not fit in int64 */
} RfmUnitProblem;

extern RfmUnitProblem rfm_unit_make(int32_t month, int32_t day, int64_t time, RfmUnit *out);
extern const char *rfm_unit_problem_text(RfmUnitProblem p);

/*
 * Amounts are summed exactly, as whole millionths (micro-units) in int64:
 * integer sums do not depend on the order rows arrive in, so serial,
 * parallel and distributed plans give bit-identical results.  An amount is
 * rounded to the nearest millionth once, when it enters.
 */
#define RFM_MICROS 1000000.0
/* the largest |amount| accepted: |amount| * RFM_MICROS stays below 2^63 */
#define RFM_MAX_AMOUNT 9.2e12

typedef struct RfmPeriod
{
	int64_t		period;
	int64_t		micros;			/* summed amount in millionths */
} RfmPeriod;

/* amount in millionths; false when it is not finite or |amount| > RFM_MAX_AMOUNT */
extern bool rfm_amount_micros(double amount, int64_t *out);

/*
 * Sort by period and merge equal periods (amounts summed); returns the new
 * count, or -1 when a period's sum does not fit in int64 (items are then
 * partly merged).
 */
extern int	rfm_periods_compact(RfmPeriod *items, int n);

/* floor((ts + microseconds from 1970 to 2000) / per), saturated to int64 */
extern int64_t rfm_fixed_period(int64_t ts, int64_t per);

typedef struct RfmSummary
{
	double		frequency;
	double		recency;
	double		t;
	double		monetary;
} RfmSummary;

/*
 * The result row from the compacted periods (n >= 1, strictly ascending) and
 * the period of as_of.  Differences of periods are exact however far apart.
 * monetary is the exact total of the repeat periods in millionths, divided
 * by 10^6 and by frequency.  CXM_ERANGE when that total leaves int64.
 */
extern CxmStatus rfm_summarize(const RfmPeriod *items, int n, int64_t as_of_period,
							   RfmSummary *out);

/*
 * Serialized state (written by rfm_wire_write in wire_core.h's byte order):
 *   version (1 byte, RFM_WIRE_VERSION), configured (1 byte, 0 or 1),
 *   as_of (int64), unit month (int32), day (int32), time (int64),
 *   n (int32), then n x (period int64, summed amount in millionths int64),
 *   periods strictly ascending.  A state that is not configured has n = 0.
 *   Version 1 carried float8 amounts; it is not accepted.
 */
#define RFM_WIRE_VERSION 2
#define RFM_WIRE_HEADER (1 + 1 + 8 + 4 + 4 + 8 + 4)
#define RFM_WIRE_ITEM 16

typedef struct RfmWireInfo
{
	int			configured;
	int64_t		as_of;
	RfmUnit		unit;			/* valid when configured */
	int			n;				/* periods that follow */
} RfmWireInfo;

/*
 * Check a serialized state completely before anything reads it; on CXM_OK
 * fill *info.  On failure CXM_EINVAL and a message in msg.
 */
extern CxmStatus rfm_wire_check(const unsigned char *buf, size_t len, RfmWireInfo *info,
								char *msg, size_t msglen);
/* the periods of a state accepted by rfm_wire_check, into out[info->n] */
extern void rfm_wire_decode(const unsigned char *buf, const RfmWireInfo *info,
							RfmPeriod *out);
/* The 10-segment RFM map of (recency, frequency) scores; NULL outside 1..5. */
extern const char *rfm_segment(int r_score, int f_score);

/* write a state: the header from h, then h->n periods (merged, ascending) */
extern void rfm_wire_write(WireWriter *w, const RfmWireInfo *h, const RfmPeriod *items);

#endif							/* CXM_RFM_CORE_H */
