/*
 * rfm_core.c
 *	  The pure-C part of the rfm aggregate (see rfm_core.h).  No postgres.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfm_core.h"

#define RFM_USECS_PER_DAY INT64_C(86400000000)
/* microseconds from 1970-01-01 to 2000-01-01 (PostgreSQL's epoch) */
#define RFM_EPOCH_SHIFT (INT64_C(10957) * RFM_USECS_PER_DAY)

RfmUnitProblem
rfm_unit_make(int32_t month, int32_t day, int64_t time, RfmUnit *out)
{
	if (month < 0 || day < 0 || time < 0 || (month == 0 && day == 0 && time == 0))
		return RFM_UNIT_NOT_POSITIVE;
	out->month = month;
	out->day = day;
	out->time = time;
	if (month > 0)
	{
		if (day != 0 || time != 0)
			return RFM_UNIT_MIXED;
		out->kind = RFM_MONTHS;
		out->per = month;
	}
	else if (time == 0 && day % 7 == 0)
	{
		out->kind = RFM_WEEKS;
		out->per = day / 7;
	}
	else if (time == 0)
	{
		out->kind = RFM_DAYS;
		out->per = day;
	}
	else
	{
		/* day >= 0 and time > 0 here */
		if ((int64_t) day > (INT64_MAX - time) / RFM_USECS_PER_DAY)
			return RFM_UNIT_TOO_LONG;
		out->kind = RFM_FIXED;
		out->per = time + (int64_t) day * RFM_USECS_PER_DAY;
	}
	return RFM_UNIT_OK;
}

const char *
rfm_unit_problem_text(RfmUnitProblem p)
{
	switch (p)
	{
		case RFM_UNIT_OK:
			return "valid";
		case RFM_UNIT_NOT_POSITIVE:
			return "not a positive interval";
		case RFM_UNIT_MIXED:
			return "neither whole months nor a fixed length";
		case RFM_UNIT_TOO_LONG:
			return "too long to count in microseconds";
	}
	return "invalid";
}

static int
period_cmp(const void *a, const void *b)
{
	int64_t		x = ((const RfmPeriod *) a)->period;
	int64_t		y = ((const RfmPeriod *) b)->period;

	return x < y ? -1 : (x > y ? 1 : 0);
}

bool
rfm_amount_micros(double amount, int64_t *out)
{
	if (!(fabs(amount) <= RFM_MAX_AMOUNT))	/* also NaN */
		return false;
	*out = (int64_t) llround(amount * RFM_MICROS);
	return true;
}

int
rfm_periods_compact(RfmPeriod *items, int n)
{
	int			i,
				out = 0;

	if (n <= 0)
		return 0;
	qsort(items, (size_t) n, sizeof(RfmPeriod), period_cmp);
	for (i = 1; i < n; i++)
	{
		if (items[i].period == items[out].period)
		{
			if (__builtin_add_overflow(items[out].micros, items[i].micros, &items[out].micros))
				return -1;
		}
		else
			items[++out] = items[i];
	}
	return out + 1;
}

int64_t
rfm_fixed_period(int64_t ts, int64_t per)
{
	/* floor(ts / per) and its remainder in [0, per), without overflow */
	int64_t		q = ts / per,
				r = ts % per;
	int64_t		q2 = RFM_EPOCH_SHIFT / per,
				r2 = RFM_EPOCH_SHIFT % per;

	if (r < 0)
	{
		r += per;
		q--;
	}
	/* (ts + shift) / per = q + q2 + (r + r2 >= per) */
	if (r >= per - r2)
		q2++;
	if (q > INT64_MAX - q2)
		return INT64_MAX;
	return q + q2;
}

/* b - a as a double, exact whenever the difference fits in 53 bits */
static double
period_diff(int64_t b, int64_t a)
{
	if (b >= a)
		return (double) ((uint64_t) b - (uint64_t) a);
	return -(double) ((uint64_t) a - (uint64_t) b);
}

CxmStatus
rfm_summarize(const RfmPeriod *items, int n, int64_t as_of_period, RfmSummary *out)
{
	int64_t		total = 0;
	int			i;

	for (i = 1; i < n; i++)
		if (__builtin_add_overflow(total, items[i].micros, &total))
			return CXM_ERANGE;
	out->frequency = (double) (n - 1);
	out->recency = period_diff(items[n - 1].period, items[0].period);
	out->t = period_diff(as_of_period, items[0].period);
	out->monetary = n > 1 ? (double) total / RFM_MICROS / (double) (n - 1) : 0.0;
	return CXM_OK;
}

CxmStatus
rfm_wire_check(const unsigned char *buf, size_t len, RfmWireInfo *info,
			   char *msg, size_t msglen)
{
	WireReader	r;
	uint8_t		configured;
	int32_t		month,
				day,
				n,
				i;
	int64_t		time,
				prev = 0;
	RfmUnitProblem p;

	memset(info, 0, sizeof(*info));
	if (!wire_reader_start(&r, buf, len, RFM_WIRE_HEADER, RFM_WIRE_VERSION))
		goto bad;
	configured = wire_get_u8(&r);
	if (configured > 1)
	{
		wire_fail(&r, "The configured flag %d is neither 0 nor 1.", (int) configured);
		goto bad;
	}
	info->as_of = wire_get_i64(&r);
	month = wire_get_i32(&r);
	day = wire_get_i32(&r);
	time = wire_get_i64(&r);
	n = wire_get_i32(&r);
	if (n < 0 || (size_t) n > wire_left(&r) / RFM_WIRE_ITEM ||
		wire_left(&r) != (size_t) n * RFM_WIRE_ITEM)
	{
		wire_fail(&r, "%d periods do not fit in the %zu bytes after the header.",
				  (int) n, len - RFM_WIRE_HEADER);
		goto bad;
	}
	if (configured)
	{
		p = rfm_unit_make(month, day, time, &info->unit);
		if (p != RFM_UNIT_OK)
		{
			wire_fail(&r, "The unit (%d months, %d days, %lld microseconds) is %s.",
					  (int) month, (int) day, (long long) time, rfm_unit_problem_text(p));
			goto bad;
		}
	}
	else if (n > 0)
	{
		wire_fail(&r, "The state has %d periods but no as_of and unit.", (int) n);
		goto bad;
	}
	/* the serializer writes the periods merged and in ascending order */
	for (i = 0; i < n; i++)
	{
		int64_t		cur = wire_get_i64(&r);

		(void) wire_get_i64(&r);	/* the summed millionths: any value */
		if (i > 0 && cur <= prev)
		{
			wire_fail(&r, "Period %d (%lld) does not follow period %d (%lld).",
					  (int) i + 1, (long long) cur, (int) i, (long long) prev);
			goto bad;
		}
		prev = cur;
	}
	info->configured = configured;
	info->n = n;
	return CXM_OK;

bad:
	return wire_failure(&r, msg, msglen);
}

void
rfm_wire_decode(const unsigned char *buf, const RfmWireInfo *info, RfmPeriod *out)
{
	WireReader	r;
	int			i;

	wire_reader_init(&r, buf, RFM_WIRE_HEADER + (size_t) info->n * RFM_WIRE_ITEM);
	wire_skip(&r, RFM_WIRE_HEADER);
	for (i = 0; i < info->n; i++)
	{
		out[i].period = wire_get_i64(&r);
		out[i].micros = wire_get_i64(&r);
	}
}

void
rfm_wire_write(WireWriter *w, const RfmWireInfo *h, const RfmPeriod *items)
{
	int			i;

	wire_put_version(w, RFM_WIRE_VERSION);
	wire_put_u8(w, h->configured ? 1 : 0);
	wire_put_i64(w, h->as_of);
	wire_put_i32(w, h->unit.month);
	wire_put_i32(w, h->unit.day);
	wire_put_i64(w, h->unit.time);
	wire_put_i32(w, h->n);
	for (i = 0; i < h->n; i++)
	{
		wire_put_i64(w, items[i].period);
		wire_put_i64(w, items[i].micros);
	}
}

/* the 10-segment RFM map (rfm_core.h) */

const char *
rfm_segment(int r_score, int f_score)
{
	static const char *const map[5][5] = {
		/* R = 1 */
		{"Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose"},
		/* R = 2 */
		{"Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose"},
		/* R = 3 */
		{"About to Sleep", "About to Sleep", "Need Attention", "Loyal Customers", "Loyal Customers"},
		/* R = 4 */
		{"Promising", "Potential Loyalists", "Potential Loyalists", "Loyal Customers", "Loyal Customers"},
		/* R = 5 */
		{"New Customers", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"},
	};

	if (r_score < 1 || r_score > 5 || f_score < 1 || f_score > 5)
		return NULL;
	return map[r_score - 1][f_score - 1];
}
