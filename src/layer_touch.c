/*
 * layer_touch.c
 *	  The CX layer's per-profile facts (doc/layer.md, "Performance"):
 *	  layer_touch_facts, layer_profile_months, layer_journey_facts,
 *	  layer_second_product, layer_product_facts and layer_segment_paths; and
 *	  the aggregates layer_touch_agg and layer_touch_times_agg over
 *	  cxm.touch_state (at the end), whose code layer_touch_facts shares.
 *
 * layer_touch_facts and layer_profile_months take a profile's touchpoints
 * (and the months its purchases and answers) as arrays in any order
 * (array_agg in a hash aggregation, no global sort), sort their own copy and
 * split it into
 * sessions: a touchpoint starts a session when the one before it is more
 * than the gap earlier (the test of sessionize, jpath_gap_exceeded in
 * journey_core.c).  They compute what customer_360 and the monthly facts
 * read from the touchpoints, to the same values as the window queries they
 * replace: times of day and months in the session's time zone through
 * PostgreSQL's own date_trunc and date conversion, minutes as the numeric
 * quotient SQL's EXTRACT(epoch ...) / 60 gives, text compared under the
 * arrays' collation.
 *
 * layer_journey_facts gives customer_journeys' sessions, channel count and
 * segments (the channel and campaign paths leading to each purchase) from a
 * profile's touchpoints and purchases in any order: it numbers the
 * purchases and the segments itself and orders each path as journey_path
 * does, so the journeys need no window over every sorted touchpoint.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "cxm.h"
#include "funnel_core.h"
#include "journey_core.h"
#include "state_type.h"
#include "wire_core.h"

PG_FUNCTION_INFO_V1(layer_touch_facts);
PG_FUNCTION_INFO_V1(layer_profile_months);
PG_FUNCTION_INFO_V1(layer_journey_facts);
PG_FUNCTION_INFO_V1(layer_second_product);
PG_FUNCTION_INFO_V1(layer_product_facts);
PG_FUNCTION_INFO_V1(layer_segment_paths);

/* the gap argument: positive, as for sessionize */
/*
 * The row type of a per-profile function, looked up and blessed once per
 * call site: these functions run once per profile (150,000 times in a full
 * refresh at 100,000 customers), and building the descriptor from the
 * catalog and blessing it on every call cost about 7 % of the monthly
 * facts' pass (doc/layer.md, "Performance").  It lives in fn_mcxt, as long
 * as the FmgrInfo that caches it.
 */
static TupleDesc
layer_row_desc(FunctionCallInfo fcinfo, const char *fname)
{
	TupleDesc	desc = (TupleDesc) fcinfo->flinfo->fn_extra;

	if (desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "%s must return a row", fname);
		desc = BlessTupleDesc(desc);
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = desc;
	}
	return desc;
}

/*
 * Materialise a set-returning per-profile function's rows, with the row
 * descriptor the executor expects when it gives one (copied, not built from
 * the catalog again), else the catalog's
 */
static void
layer_init_srf(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (rsinfo != NULL && IsA(rsinfo, ReturnSetInfo) && rsinfo->expectedDesc != NULL)
		InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	else
		InitMaterializedSRF(fcinfo, 0);
}

static JPathGap
touch_gap(FunctionCallInfo fcinfo, int argno)
{
	Interval   *gap;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("session gap must not be NULL")));
	gap = PG_GETARG_INTERVAL_P(argno);
	if (jpath_interval_sign(gap->month, gap->day, gap->time) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("session gap must be positive, not %s",
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(gap))))));
	return jpath_gap_make(gap->month, gap->day, gap->time);
}

/* the elements of a one-dimensional array argument (NULL: none) */
static int
touch_array(FunctionCallInfo fcinfo, int argno, Oid elemtype, Datum **values, bool **nulls)
{
	ArrayType  *a;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			n;

	*values = NULL;
	*nulls = NULL;
	if (PG_ARGISNULL(argno))
		return 0;
	a = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("touchpoint arrays must be one-dimensional, not of %d dimensions", ARR_NDIM(a))));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(a, elemtype, typlen, typbyval, typalign, values, nulls, &n);
	return n;
}

/* parallel arrays: every one as long as the first */
static void
touch_same_length(int n, int m, const char *what)
{
	if (m != n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s arrays must have the same length, not %d and %d", what, n, m)));
}

static int
touch_cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * element i of an array of times, which must be finite (NULL or infinite is
 * refused: neither has a month, nor a duration to the next time); what: the
 * rows' name in the message
 */
static TimestampTz
touch_time(const Datum *v, const bool *isnull, int i, const char *what)
{
	TimestampTz ts;

	if (isnull[i])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s time %d is NULL", what, i + 1)));
	ts = DatumGetTimestampTz(v[i]);
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s time %d is infinite", what, i + 1)));
	return ts;
}

/* the touchpoint times, checked (touch_time) and sorted */
static int64 *
touch_times(const Datum *v, const bool *isnull, int n)
{
	int64	   *ts = palloc(sizeof(int64) * Max(n, 1));

	for (int i = 0; i < n; i++)
		ts[i] = touch_time(v, isnull, i, "touchpoint");
	qsort(ts, n, sizeof(int64), touch_cmp_int64);
	return ts;
}

/* minutes of a duration in microseconds: EXTRACT(epoch ...) / 60 in numeric */
static Datum
touch_minutes(int64 usecs)
{
	return DirectFunctionCall2(numeric_div,
							   NumericGetDatum(int64_div_fast_to_numeric(usecs, 6)),
							   NumericGetDatum(int64_to_numeric(60)));
}

/* text order under a collation, NULLs last (as ORDER BY x ASC) */
static int
touch_text_cmp(Datum a, bool anull, Datum b, bool bnull, Oid coll)
{
	text	   *x,
			   *y;

	if (anull || bnull)
		return (int) anull - (int) bnull;
	x = DatumGetTextPP(a);
	y = DatumGetTextPP(b);
	return varstr_cmp(VARDATA_ANY(x), VARSIZE_ANY_EXHDR(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(y), coll);
}

static int
touch_sort_text(const void *a, const void *b, void *arg)
{
	return touch_text_cmp(*(const Datum *) a, false, *(const Datum *) b, false, *(Oid *) arg);
}

/* sorts n non-NULL texts under coll and keeps each once; returns how many */
static int
touch_distinct_texts(Datum *v, int n, Oid coll)
{
	int			m = n > 0 ? 1 : 0;

	qsort_arg(v, n, sizeof(Datum), touch_sort_text, &coll);
	for (int i = 1; i < n; i++)
		if (touch_sort_text(&v[i], &v[m - 1], &coll) != 0)
			v[m++] = v[i];
	return m;
}

/*
 * date_trunc('month', ts)::date, and (next not NULL) the next month's start,
 * in the session's time zone.  The month is the first day of the month of
 * ts's local time (timestamp2tm, as date_trunc reads it: one conversion
 * instead of the five that date_trunc, the cast to date and the month's
 * addition make); the next month's start is computed through PostgreSQL's
 * own functions once per month and remembered for the session's time zone.
 * The monthly facts ask for a month about 1.5 million times in a pass over
 * 150,000 profiles, of some 30 distinct months (doc/layer.md,
 * "Performance").
 */
#define MONTH_NEXT_SLOTS 256

typedef struct MonthNext
{
	DateADT		month;
	bool		used;
	TimestampTz next;
} MonthNext;

static pg_tz *next_starts_tz = NULL;
static MonthNext next_starts[MONTH_NEXT_SLOTS];

static TimestampTz
touch_next_month(DateADT month, TimestampTz ts)
{
	static Interval one_month = {0, 0, 1};
	MonthNext  *slot = &next_starts[(uint32) month % MONTH_NEXT_SLOTS];
	Datum		start;

	if (next_starts_tz != session_timezone)
	{
		memset(next_starts, 0, sizeof(next_starts));
		next_starts_tz = session_timezone;
	}
	if (slot->used && slot->month == month)
		return slot->next;
	start = DirectFunctionCall2(timestamptz_trunc, CStringGetTextDatum("month"), TimestampTzGetDatum(ts));
	slot->next = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval, start,
														 IntervalPGetDatum(&one_month)));
	slot->month = month;
	slot->used = true;
	return slot->next;
}

static DateADT
touch_month(TimestampTz ts, TimestampTz *next)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;
	DateADT		month;

	if (timestamp2tm(ts, &tz, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	month = date2j(tm.tm_year, tm.tm_mon, 1) - POSTGRES_EPOCH_JDATE;
	if (next)
		*next = touch_next_month(month, ts);
	return month;
}

/* a feedback channel's answers in a month (nps_channels) */
typedef struct MonthChannel
{
	const char *s;
	int			len;
	int64		promoters;
	int64		passives;
	int64		detractors;
} MonthChannel;

/* one profile's month: the columns of profile_months_snapshot */
typedef struct ProfileMonth
{
	DateADT		month;
	bool		has_revenue;
	bool		visited;
	bool		has_cost;
	Datum		revenue;
	Datum		cost;
	Datum		minutes;
	int64		orders;
	int64		sessions;
	int64		touchpoints;
	int64		answers;
	int64		promoters;
	int64		passives;
	int64		detractors;
	int64		lost;
	int64		base_delta;
	int64		costed;
	MonthChannel *chans;
	int			nchans;
} ProfileMonth;

typedef struct MonthTable
{
	ProfileMonth *m;
	int			n;
	int			cap;
} MonthTable;

/* the month's entry (found from the latest, where most lookups land) */
static ProfileMonth *
month_entry(MonthTable *t, DateADT month)
{
	ProfileMonth *m;

	for (int i = t->n - 1; i >= 0; i--)
		if (t->m[i].month == month)
			return &t->m[i];
	if (t->n == t->cap)
	{
		t->cap = Max(8, t->cap * 2);
		t->m = t->m ? repalloc(t->m, sizeof(ProfileMonth) * t->cap) : palloc(sizeof(ProfileMonth) * t->cap);
	}
	m = &t->m[t->n++];
	memset(m, 0, sizeof(ProfileMonth));
	m->month = month;
	m->minutes = NumericGetDatum(int64_to_numeric(0));
	return m;
}

/* the first day of the month after a month's first day */
static DateADT
month_next(DateADT month)
{
	int			y,
				m,
				d;

	j2date(month + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	if (++m > 12)
	{
		m = 1;
		y++;
	}
	return date2j(y, m, 1) - POSTGRES_EPOCH_JDATE;
}

/* sum as sum(numeric) reads it: the first value as it is, then numeric_add */
static void
month_add(Datum *sum, bool *has, Datum v)
{
	*sum = *has ? DirectFunctionCall2(numeric_add, *sum, v) : v;
	*has = true;
}

/* visited months, and each session in the month of its first touchpoint */
static void
months_touch(MonthTable *t, const int64 *ts, int n, JPathGap gap)
{
	DateADT    *month_of = palloc(sizeof(DateADT) * Max(n, 1));
	size_t	   *starts = palloc(sizeof(size_t) * Max(n, 1));
	size_t		ns = jpath_sessions((const int64_t *) ts, n, gap, starts);
	TimestampTz next = 0;

	/* date_trunc only when a month boundary is crossed */
	for (int i = 0; i < n; i++)
	{
		month_of[i] = i > 0 && ts[i] < next ? month_of[i - 1] : touch_month(ts[i], &next);
		if (i == 0 || month_of[i] != month_of[i - 1])
			month_entry(t, month_of[i])->visited = true;
	}
	for (size_t k = 0; k < ns; k++)
	{
		size_t		first = starts[k],
					last = k + 1 < ns ? starts[k + 1] - 1 : (size_t) n - 1;
		ProfileMonth *m = month_entry(t, month_of[first]);

		m->sessions++;
		m->touchpoints += last - first + 1;
		m->minutes = DirectFunctionCall2(numeric_add, m->minutes, touch_minutes(ts[last] - ts[first]));
	}
}

typedef struct MonthPurchase
{
	TimestampTz ts;
	int			i;
} MonthPurchase;

static int
month_purchase_cmp(const void *a, const void *b)
{
	const MonthPurchase *x = a,
			   *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * purchases: each month's revenue, orders, cost; the customer base (+1 the
 * month after a purchase month, -1 the month after the base ends: at the
 * next purchase month or churned_after after the month's last purchase,
 * whichever is first); lapses (churned_after after a purchase not followed
 * by another within that time, once that is not after as_of)
 */
static void
months_purchases(MonthTable *t, int np, const Datum *tsv, const bool *tsn, const Datum *amv, const bool *amn,
				 const Datum *cov, const bool *con, Interval *churned_after, bool has_as_of, TimestampTz as_of)
{
	MonthPurchase *p = palloc(sizeof(MonthPurchase) * Max(np, 1));
	DateADT    *pm = palloc(sizeof(DateADT) * Max(np, 1));
	TimestampTz *end = palloc(sizeof(TimestampTz) * Max(np, 1));
	TimestampTz next = 0;

	for (int i = 0; i < np; i++)
	{
		p[i].ts = touch_time(tsv, tsn, i, "purchase");
		p[i].i = i;
	}
	qsort(p, np, sizeof(MonthPurchase), month_purchase_cmp);
	for (int k = 0; k < np; k++)
	{
		int			i = p[k].i;
		ProfileMonth *m;

		/* date_trunc only when a month boundary is crossed */
		pm[k] = k > 0 && p[k].ts < next ? pm[k - 1] : touch_month(p[k].ts, &next);
		/* when churned_after runs out after it */
		end[k] = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(p[k].ts),
														 IntervalPGetDatum(churned_after)));
		m = month_entry(t, pm[k]);
		m->orders++;
		if (!amn[i])
			month_add(&m->revenue, &m->has_revenue, amv[i]);
		if (!con[i])
		{
			month_add(&m->cost, &m->has_cost, cov[i]);
			m->costed++;
		}
	}
	/* the base: per purchase month, from its last purchase */
	for (int k = 0; k < np; k++)
	{
		DateADT		first_m,
					last_m;

		if (k + 1 < np && pm[k + 1] == pm[k])
			continue;
		first_m = month_next(pm[k]);
		last_m = touch_month(end[k], NULL);
		if (k + 1 < np && pm[k + 1] < last_m)
			last_m = pm[k + 1];
		if (first_m <= last_m)
		{
			month_entry(t, first_m)->base_delta++;
			month_entry(t, month_next(last_m))->base_delta--;
		}
	}
	/* lapses */
	if (has_as_of)
		for (int k = 0; k < np; k++)
			if ((k + 1 == np || p[k + 1].ts > end[k]) && end[k] <= as_of)
				month_entry(t, touch_month(end[k], NULL))->lost++;
}

/* answers per month and channel (also those without a score) */
static void
months_feedback(MonthTable *t, int nf, const Datum *tsv, const bool *tsn, const Datum *chv, const bool *chn,
				const Datum *scv, const bool *scn)
{
	for (int i = 0; i < nf; i++)
	{
		ProfileMonth *m = month_entry(t, touch_month(touch_time(tsv, tsn, i, "answer"), NULL));
		const char *s = "(none)";
		int			len = 6;
		MonthChannel *c = NULL;

		if (!chn[i])
		{
			text	   *x = DatumGetTextPP(chv[i]);

			s = VARDATA_ANY(x);
			len = VARSIZE_ANY_EXHDR(x);
		}
		for (int j = 0; j < m->nchans; j++)
			if (m->chans[j].len == len && memcmp(m->chans[j].s, s, len) == 0)
				c = &m->chans[j];
		if (c == NULL)
		{
			/* at most one new channel per answer: nf entries are enough */
			if (m->chans == NULL)
				m->chans = palloc(sizeof(MonthChannel) * nf);
			c = &m->chans[m->nchans++];
			c->s = s;
			c->len = len;
			c->promoters = c->passives = c->detractors = 0;
		}
		m->answers++;
		if (scn[i])
			continue;
		if (DatumGetInt32(scv[i]) >= 9)
			c->promoters++, m->promoters++;
		else if (DatumGetInt32(scv[i]) >= 7)
			c->passives++, m->passives++;
		else
			c->detractors++, m->detractors++;
	}
}

/* {channel: [promoters, passives, detractors]} of the scored channels */
static Datum
months_nps_channels(ProfileMonth *m, bool *isnull)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	bool		any = false;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int j = 0; j < m->nchans; j++)
	{
		MonthChannel *c = &m->chans[j];
		JsonbValue	v = {.type = jbvString};

		if (c->promoters + c->passives + c->detractors == 0)
			continue;
		any = true;
		v.val.string.val = (char *) c->s;
		v.val.string.len = c->len;
		pushJsonbValue(&state, WJB_KEY, &v);
		pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
		v.type = jbvNumeric;
		v.val.numeric = int64_to_numeric(c->promoters);
		pushJsonbValue(&state, WJB_ELEM, &v);
		v.val.numeric = int64_to_numeric(c->passives);
		pushJsonbValue(&state, WJB_ELEM, &v);
		v.val.numeric = int64_to_numeric(c->detractors);
		pushJsonbValue(&state, WJB_ELEM, &v);
		pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	*isnull = !any;
	return any ? JsonbPGetDatum(JsonbValueToJsonb(res)) : (Datum) 0;
}

/*
 * layer_profile_months(touch_ts timestamptz[], purchase_ts timestamptz[],
 *                      amounts numeric[], costs numeric[], answer_ts timestamptz[],
 *                      answer_channels text[], scores int4[], gap interval,
 *                      churned_after interval, as_of timestamptz)
 *	  one profile's monthly facts from its touchpoints, purchases and
 *	  answers, each in any order: one row per month that any of them
 *	  touches (doc/layer.md): purchases (revenue, orders, cost), visits and
 *	  the sessions starting in the month (sessionize's split), answers by
 *	  NPS category and channel, lapses and customer-base changes
 */
Datum
layer_profile_months(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	JPathGap	gap = touch_gap(fcinfo, 7);
	Interval   *churned_after;
	Datum	   *tsv,
			   *ptv,
			   *amv,
			   *cov,
			   *ftv,
			   *fcv,
			   *fsv;
	bool	   *tsn,
			   *ptn,
			   *amn,
			   *con,
			   *ftn,
			   *fcn,
			   *fsn;
	int			n = touch_array(fcinfo, 0, TIMESTAMPTZOID, &tsv, &tsn);
	int			np = touch_array(fcinfo, 1, TIMESTAMPTZOID, &ptv, &ptn);
	int			nf = touch_array(fcinfo, 4, TIMESTAMPTZOID, &ftv, &ftn);
	MonthTable	t = {0};

	if (PG_ARGISNULL(8))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("churned_after must not be NULL")));
	churned_after = PG_GETARG_INTERVAL_P(8);
	touch_same_length(np, touch_array(fcinfo, 2, NUMERICOID, &amv, &amn), "purchase");
	touch_same_length(np, touch_array(fcinfo, 3, NUMERICOID, &cov, &con), "purchase");
	touch_same_length(nf, touch_array(fcinfo, 5, TEXTOID, &fcv, &fcn), "answer");
	touch_same_length(nf, touch_array(fcinfo, 6, INT4OID, &fsv, &fsn), "answer");

	layer_init_srf(fcinfo);
	months_touch(&t, touch_times(tsv, tsn, n), n, gap);
	months_purchases(&t, np, ptv, ptn, amv, amn, cov, con, churned_after,
					 !PG_ARGISNULL(9), PG_ARGISNULL(9) ? 0 : PG_GETARG_TIMESTAMPTZ(9));
	months_feedback(&t, nf, ftv, ftn, fcv, fcn, fsv, fsn);
	for (int i = 0; i < t.n; i++)
	{
		ProfileMonth *m = &t.m[i];
		Datum		v[16];
		bool		isnull[16] = {false};

		v[0] = DateADTGetDatum(m->month);
		v[1] = m->revenue;
		isnull[1] = !m->has_revenue;
		v[2] = Int64GetDatum(m->orders);
		v[3] = BoolGetDatum(m->visited);
		v[4] = Int64GetDatum(m->sessions);
		v[5] = Int64GetDatum(m->touchpoints);
		v[6] = m->minutes;
		v[7] = Int64GetDatum(m->answers);
		v[8] = Int64GetDatum(m->promoters);
		v[9] = Int64GetDatum(m->passives);
		v[10] = Int64GetDatum(m->detractors);
		v[11] = Int64GetDatum(m->lost);
		v[12] = Int64GetDatum(m->base_delta);
		v[13] = m->cost;
		isnull[13] = !m->has_cost;
		v[14] = Int64GetDatum(m->costed);
		v[15] = months_nps_channels(m, &isnull[15]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, isnull);
	}
	return (Datum) 0;
}

/* room for the longest path of a call, reused by every segment */
typedef struct SegScratch
{
	JPathRef   *refs;
	JPathStr   *strs;
	bool	   *keep;
	CxmAlloc	tmp;
} SegScratch;

/* a text Datum's bytes as a path step at time ts */
static void
path_ref(JPathRef *r, int64 ts, Datum v)
{
	text	   *t = DatumGetTextPP(v);

	r->ts = ts;
	r->s = VARDATA_ANY(t);
	r->len = VARSIZE_ANY_EXHDR(t);
}

/*
 * steps in journey_path's order (jpath_sort_refs: by time, then bytes),
 * sorted in place, as path strings in strs[0..m)
 */
static void
path_sort(JPathRef *refs, int m, JPathStr *strs, const CxmAlloc *tmp)
{
	jpath_sort_refs(refs, m, tmp);
	for (int i = 0; i < m; i++)
	{
		strs[i].ptr = refs[i].s;
		strs[i].len = refs[i].len;
		strs[i].isnull = false;
	}
}

/* a segment's path: its non-NULL strings by (ts, bytes), repeats collapsed */
static void
segment_path(JsonbParseState **state, const int *idx, int n, const int64 *ts,
			 const Datum *v, const bool *isnull, SegScratch *sc)
{
	JPathRef   *refs = sc->refs;
	JPathStr   *strs = sc->strs;
	bool	   *keep = sc->keep;
	int			m = 0;

	for (int i = 0; i < n; i++)
		if (!isnull[idx[i]])
			path_ref(&refs[m++], ts[idx[i]], v[idx[i]]);
	if (m == 0)
	{
		JsonbValue	null = {.type = jbvNull};

		pushJsonbValue(state, WJB_VALUE, &null);
		return;
	}
	path_sort(refs, m, strs, &sc->tmp);
	jpath_collapse(strs, m, keep);
	pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < m; i++)
	{
		JsonbValue	e;

		if (!keep[i])
			continue;
		e.type = jbvString;
		e.val.string.val = (char *) strs[i].ptr;
		e.val.string.len = strs[i].len;
		pushJsonbValue(state, WJB_ELEM, &e);
	}
	pushJsonbValue(state, WJB_END_ARRAY, NULL);
}

static void
segment_key(JsonbParseState **state, const char *key)
{
	JsonbValue	k = {.type = jbvString};

	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(state, WJB_KEY, &k);
}

typedef struct SegIdx
{
	int64		seg;
	int			i;
} SegIdx;

static int
segidx_cmp(const void *a, const void *b)
{
	const SegIdx *x = a,
			   *y = b;

	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * customer_journeys.segments: one object per segment number that has
 * touchpoints, in ascending order: c, the channel path and k, the campaign
 * path (each as path_collapse(journey_path(x, ts))), v, amounts[seg - 1]
 * (the purchase the segment leads to; null after the last), r, seg > 1 (a
 * repeat purchase).  order: the m touchpoints by (seg, index).
 */
static Jsonb *
segments_build(const SegIdx *order, int m, const int64 *ts, const Datum *chv, const bool *chn,
			   const Datum *cpv, const bool *cpn, const Datum *amv, int na)
{
	int		   *idx = palloc(sizeof(int) * Max(m, 1));
	JsonbParseState *state = NULL;
	JsonbValue *res;
	SegScratch	sc;

	sc.refs = palloc(sizeof(JPathRef) * Max(m, 1));
	sc.strs = palloc(sizeof(JPathStr) * Max(m, 1));
	sc.keep = palloc(sizeof(bool) * Max(m, 1));
	sc.tmp = cxm_allocator(CurrentMemoryContext);
	for (int i = 0; i < m; i++)
		idx[i] = order[i].i;

	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (int a = 0, b; a < m; a = b)
	{
		int64		seg = order[a].seg;
		JsonbValue	v;

		for (b = a + 1; b < m && order[b].seg == seg; b++)
			;
		pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		segment_key(&state, "c");
		segment_path(&state, idx + a, b - a, ts, chv, chn, &sc);
		segment_key(&state, "k");
		segment_path(&state, idx + a, b - a, ts, cpv, cpn, &sc);
		segment_key(&state, "v");
		if (seg >= 1 && seg <= na)
		{
			v.type = jbvNumeric;
			v.val.numeric = DatumGetNumeric(amv[seg - 1]);
		}
		else
			v.type = jbvNull;
		pushJsonbValue(&state, WJB_VALUE, &v);
		segment_key(&state, "r");
		v.type = jbvBool;
		v.val.boolean = seg > 1;
		pushJsonbValue(&state, WJB_VALUE, &v);
		pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	}
	res = pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	return JsonbValueToJsonb(res);
}

/* a purchase: its time and amount, for sorting by (ts, amount) */
typedef struct Purchase
{
	int64		ts;
	Datum		amount;
} Purchase;

static int
purchase_cmp(const void *a, const void *b)
{
	const Purchase *x = a,
			   *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, x->amount, y->amount));
}

/* how many of the sorted purchases are strictly before t */
static int
purchases_before(const Purchase *p, int np, int64 t)
{
	int			lo = 0,
				hi = np;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (p[mid].ts < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* the elements of a text[] path as a one-dimensional text[] (NULL: none) */
static Datum
path_array(const JPathStr *strs, const bool *keep, int n, bool *isnull)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			m = 0;

	for (int i = 0; i < n; i++)
		if (keep == NULL || keep[i])
			d[m++] = PointerGetDatum(cstring_to_text_with_len(strs[i].ptr, strs[i].len));
	*isnull = (m == 0);
	if (m == 0)
		return (Datum) 0;
	return PointerGetDatum(construct_array(d, m, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * The funnel level of a profile's named events (journey_funnel in its
 * default mode, funnel_core.c): refs[0..m) are its touchpoints with a name
 * and its purchases, steps[0..nsteps) the step names (NULL matches nothing;
 * a name may be several steps), window in microseconds.
 */
static int32
journey_funnel_level(const JPathRef *refs, int m, const Datum *steps, const bool *stepnull,
					 int nsteps, uint64 window)
{
	FunnelRow  *rows = palloc(sizeof(FunnelRow) * Max(m, 1));
	uint32	   *pool = palloc(sizeof(uint32) * Max((size_t) m * nsteps, 1));
	size_t		nrows = 0,
				npool = 0;
	uint32		level;
	CxmAlloc	alloc = cxm_allocator(CurrentMemoryContext);
	char		msg[256];

	for (int i = 0; i < m; i++)
	{
		size_t		first = npool;

		for (int k = 0; k < nsteps; k++)
		{
			text	   *t;

			if (stepnull[k])
				continue;
			t = DatumGetTextPP(steps[k]);
			if (VARSIZE_ANY_EXHDR(t) == refs[i].len && memcmp(VARDATA_ANY(t), refs[i].s, refs[i].len) == 0)
				pool[npool++] = (uint32) k + 1;
		}
		if (npool == first)
			continue;
		rows[nrows].ts = refs[i].ts;
		rows[nrows].nmatch = (uint32) (npool - first);
		if (npool - first == 1)
		{
			rows[nrows].step = pool[first];
			npool = first;
		}
		else
			rows[nrows].step = (uint32) first;
		nrows++;
	}
	if (funnel_level(rows, nrows, pool, npool, (uint32) nsteps, window, FUNNEL_DEFAULT, &alloc,
					 &level, msg, sizeof(msg)) != CXM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("journey funnel: %s", msg)));
	return (int32) level;
}

/*
 * layer_journey_facts(ts timestamptz[], touchpoint text[], channel text[],
 *                     campaign text[], purchase_ts timestamptz[],
 *                     amounts numeric[], gap interval,
 *                     purchase_touchpoint text, steps text[],
 *                     funnel_window interval)
 *	  customer_journeys' row from one profile's touchpoints and purchases,
 *	  each in any order (doc/layer.md, "Performance"): first and last
 *	  touchpoint time and their count; sessions (cxm.sessionize's split of
 *	  the touchpoint times); channel_count (distinct non-NULL channels);
 *	  path, journey_path over the touchpoints and the purchases (named
 *	  purchase_touchpoint); channel_path, path_collapse(journey_path) of the
 *	  channels; the first purchase; segments; and the funnel level,
 *	  journey_funnel over the same events as path (NULL without steps).
 *	  Purchases are numbered 1, 2, ... by (time, amount); a touchpoint
 *	  belongs to segment 1 + the purchases strictly before it (a touchpoint
 *	  at the time of a purchase leads to it); only touchpoints with a
 *	  channel are in the segments, a missing campaign is '(none)'.
 */
Datum
layer_journey_facts(PG_FUNCTION_ARGS)
{
	Oid			coll = OidIsValid(PG_GET_COLLATION()) ? PG_GET_COLLATION() : DEFAULT_COLLATION_OID;
	JPathGap	gap = touch_gap(fcinfo, 6);
	TupleDesc	desc;
	Datum		out[10];
	bool		outnull[10] = {false};
	Datum	   *tsv,
			   *tpv,
			   *chv,
			   *cpv,
			   *ptv,
			   *amv,
			   *stv;
	bool	   *tsn,
			   *tpn,
			   *chn,
			   *cpn,
			   *ptn,
			   *amn,
			   *stn;
	int			n = touch_array(fcinfo, 0, TIMESTAMPTZOID, &tsv, &tsn);
	int			np = touch_array(fcinfo, 4, TIMESTAMPTZOID, &ptv, &ptn);
	int			nsteps = touch_array(fcinfo, 8, TEXTOID, &stv, &stn);
	int64	   *sorted,
			   *ts;
	Purchase   *pur;
	Datum	   *amounts,
			   *chans,
			   none = CStringGetTextDatum("(none)");
	SegIdx	   *order;
	JPathRef   *refs;
	JPathStr   *strs;
	bool	   *keep;
	CxmAlloc	tmp = cxm_allocator(CurrentMemoryContext);
	int			m = 0,
				nch = 0,
				nref = 0;

	desc = layer_row_desc(fcinfo, "layer_journey_facts");
	touch_same_length(n, touch_array(fcinfo, 1, TEXTOID, &tpv, &tpn), "touchpoint");
	touch_same_length(n, touch_array(fcinfo, 2, TEXTOID, &chv, &chn), "touchpoint");
	touch_same_length(n, touch_array(fcinfo, 3, TEXTOID, &cpv, &cpn), "touchpoint");
	touch_same_length(np, touch_array(fcinfo, 5, NUMERICOID, &amv, &amn), "purchase");

	/* purchases by (time, amount): amounts[k - 1] is purchase k's */
	pur = palloc(sizeof(Purchase) * Max(np, 1));
	for (int i = 0; i < np; i++)
	{
		if (ptn[i] || amn[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("purchase %d has a NULL time or amount", i + 1)));
		pur[i].ts = DatumGetTimestampTz(ptv[i]);
		pur[i].amount = amv[i];
	}
	qsort(pur, np, sizeof(Purchase), purchase_cmp);
	amounts = palloc(sizeof(Datum) * Max(np, 1));
	for (int i = 0; i < np; i++)
		amounts[i] = pur[i].amount;

	/* the touchpoint times, sorted: first, last, count, sessions */
	sorted = touch_times(tsv, tsn, n);
	outnull[0] = outnull[1] = (n == 0);
	if (n > 0)
	{
		out[0] = TimestampTzGetDatum(sorted[0]);
		out[1] = TimestampTzGetDatum(sorted[n - 1]);
	}
	out[2] = Int64GetDatum(n);
	out[3] = Int64GetDatum(n > 0 ? jpath_session_stats(sorted, n, gap).sessions : 0);

	/* distinct channels, and the segment of each touchpoint with one */
	ts = palloc(sizeof(int64) * Max(n, 1));
	chans = palloc(sizeof(Datum) * Max(n, 1));
	order = palloc(sizeof(SegIdx) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		ts[i] = DatumGetTimestampTz(tsv[i]);
		if (cpn[i])
		{
			cpv[i] = none;
			cpn[i] = false;
		}
		if (chn[i])
			continue;
		chans[nch++] = chv[i];
		order[m].seg = 1 + purchases_before(pur, np, ts[i]);
		order[m].i = i;
		m++;
	}

	/* channel_path: the channels by (time, bytes), repeats collapsed */
	refs = palloc(sizeof(JPathRef) * Max(n + np, 1));
	strs = palloc(sizeof(JPathStr) * Max(n + np, 1));
	for (int i = 0; i < n; i++)
		if (!chn[i])
			path_ref(&refs[nref++], ts[i], chv[i]);
	path_sort(refs, nref, strs, &tmp);
	keep = palloc(sizeof(bool) * Max(nref, 1));
	jpath_collapse(strs, nref, keep);
	out[6] = path_array(strs, keep, nref, &outnull[6]);
	out[4] = Int32GetDatum(touch_distinct_texts(chans, nch, coll));

	/* path and funnel: the named touchpoints and the purchases */
	nref = 0;
	for (int i = 0; i < n; i++)
		if (!tpn[i])
			path_ref(&refs[nref++], ts[i], tpv[i]);
	if (!PG_ARGISNULL(7))
		for (int i = 0; i < np; i++)
			path_ref(&refs[nref++], pur[i].ts, PG_GETARG_DATUM(7));
	path_sort(refs, nref, strs, &tmp);
	out[5] = path_array(strs, NULL, nref, &outnull[5]);
	outnull[9] = true;
	if (nsteps > 0)
	{
		uint64		window;
		Interval   *iv;

		if (PG_ARGISNULL(9))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("funnel window must not be NULL")));
		iv = PG_GETARG_INTERVAL_P(9);
		if (funnel_window_span(iv->time, iv->day, iv->month, &window) != CXM_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("funnel window %s is not positive",
							DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv))))));
		if (n + np > 0)
		{
			out[9] = Int32GetDatum(journey_funnel_level(refs, nref, stv, stn, nsteps, window));
			outnull[9] = false;
		}
	}

	outnull[7] = (np == 0);
	if (np > 0)
		out[7] = TimestampTzGetDatum(pur[0].ts);
	if (m == 0)
		outnull[8] = true;
	else
	{
		qsort(order, m, sizeof(SegIdx), segidx_cmp);
		out[8] = JsonbPGetDatum(segments_build(order, m, ts, chv, chn, cpv, cpn, amounts, np));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, out, outnull)));
}

typedef struct ProductFirst
{
	const char *s;
	int			len;
	TimestampTz ts;
} ProductFirst;

static int
product_first_cmp(const void *a, const void *b)
{
	const ProductFirst *x = a,
			   *y = b;
	int			c = memcmp(x->s, y->s, Min(x->len, y->len));

	if (c == 0)
		c = (x->len > y->len) - (x->len < y->len);
	if (c == 0)
		c = (x->ts > y->ts) - (x->ts < y->ts);
	return c;
}

/*
 * The first purchase time of each distinct product of a profile's purchases
 * (parallel arrays of fcinfo's arguments 0 and 1, any order; NULL products
 * are not products), sorted; returns how many.  Products are told apart by
 * their bytes, as the database's deterministic collation tells texts apart.
 */
static int
product_firsts(FunctionCallInfo fcinfo, TimestampTz **out)
{
	Datum	   *tsv,
			   *pv;
	bool	   *tsn,
			   *pn;
	int			n = touch_array(fcinfo, 0, TIMESTAMPTZOID, &tsv, &tsn);
	ProductFirst *items;
	TimestampTz *firsts;
	int			m = 0,
				k = 0;

	touch_same_length(n, touch_array(fcinfo, 1, TEXTOID, &pv, &pn), "purchase");
	items = palloc(sizeof(ProductFirst) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		text	   *t;

		if (pn[i])
			continue;
		if (tsn[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("purchase time %d is NULL", i + 1)));
		t = DatumGetTextPP(pv[i]);
		items[m].s = VARDATA_ANY(t);
		items[m].len = VARSIZE_ANY_EXHDR(t);
		items[m].ts = DatumGetTimestampTz(tsv[i]);
		m++;
	}
	/* each product's first time: the first of its run once sorted */
	qsort(items, m, sizeof(ProductFirst), product_first_cmp);
	firsts = palloc(sizeof(TimestampTz) * Max(m, 1));
	for (int i = 0; i < m; i++)
		if (i == 0 || items[i].len != items[i - 1].len ||
			memcmp(items[i].s, items[i - 1].s, items[i].len) != 0)
			firsts[k++] = items[i].ts;
	qsort(firsts, k, sizeof(TimestampTz), touch_cmp_int64);
	*out = firsts;
	return k;
}

/*
 * layer_second_product(ts timestamptz[], product text[]) -> timestamptz
 *	  when the profile first bought its second distinct product: the second
 *	  earliest of the products' first purchase times (NULL products are not
 *	  products; NULL when fewer than two)
 */
Datum
layer_second_product(PG_FUNCTION_ARGS)
{
	TimestampTz *firsts;

	if (product_firsts(fcinfo, &firsts) < 2)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(firsts[1]);
}

/*
 * layer_product_facts(ts timestamptz[], product text[])
 *	  products (the number of distinct products, as count(DISTINCT product))
 *	  and second_product_at (as layer_second_product) of one profile's
 *	  purchases in any order: kpi_monthly_live's per-profile facts from the
 *	  arrays its months are computed from (doc/layer.md, "Performance")
 */
Datum
layer_product_facts(PG_FUNCTION_ARGS)
{
	TupleDesc	desc = layer_row_desc(fcinfo, "layer_product_facts");
	TimestampTz *firsts;
	int			k = product_firsts(fcinfo, &firsts);
	Datum		out[2];
	bool		outnull[2] = {false, k < 2};

	out[0] = Int64GetDatum(k);
	out[1] = k < 2 ? (Datum) 0 : TimestampTzGetDatum(firsts[1]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, out, outnull)));
}

/* a segment path (a JSON array of strings, or null or missing) as text[] */
static Datum
segment_path_array(JsonbContainer *seg, const char *key, bool *isnull)
{
	JsonbValue	v;
	JsonbContainer *arr;
	int			n;
	Datum	   *elems;

	*isnull = false;
	if (getKeyJsonValueFromContainer(seg, key, strlen(key), &v) == NULL || v.type == jbvNull)
		return PointerGetDatum(construct_empty_array(TEXTOID));
	if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("segment path \"%s\" must be a JSON array", key)));
	arr = v.val.binary.data;
	n = JsonContainerSize(arr);
	elems = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(arr, i);

		if (e->type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("segment path \"%s\" must hold strings", key)));
		elems[i] = PointerGetDatum(cstring_to_text_with_len(e->val.string.val, e->val.string.len));
	}
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * layer_segment_paths(segments jsonb)
 *	  customer_journeys.segments, one row per segment: is_repeat (r),
 *	  conversions (1 when the segment leads to a purchase, v not null),
 *	  revenue (v, else 0), and the channel (c) and campaign (k) paths as
 *	  text[] (empty when missing)
 */
Datum
layer_segment_paths(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Jsonb	   *jb;
	int			n;

	layer_init_srf(fcinfo);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	jb = PG_GETARG_JSONB_P(0);
	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("segments must be a JSON array")));
	n = JB_ROOT_COUNT(jb);
	for (int i = 0; i < n; i++)
	{
		JsonbValue *seg = getIthJsonbValueFromContainer(&jb->root, i);
		JsonbValue	v;
		Datum		out[5];
		bool		outnull[5] = {false};

		if (seg->type != jbvBinary || !JsonContainerIsObject(seg->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("segment %d must be a JSON object", i + 1)));
		/* as (e ->> 'r')::bool and (e ->> 'v')::numeric would read them */
		if (getKeyJsonValueFromContainer(seg->val.binary.data, "r", 1, &v) == NULL || v.type == jbvNull)
			outnull[0] = true;
		else if (v.type == jbvBool)
			out[0] = BoolGetDatum(v.val.boolean);
		else if (v.type == jbvString)
			out[0] = DirectFunctionCall1(boolin, CStringGetDatum(pnstrdup(v.val.string.val, v.val.string.len)));
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("segment %d: \"r\" must be a boolean", i + 1)));
		out[1] = Int32GetDatum(1);
		if (getKeyJsonValueFromContainer(seg->val.binary.data, "v", 1, &v) == NULL || v.type == jbvNull)
		{
			out[1] = Int32GetDatum(0);
			out[2] = NumericGetDatum(int64_to_numeric(0));
		}
		else if (v.type == jbvNumeric)
			out[2] = NumericGetDatum(v.val.numeric);
		else if (v.type == jbvString)
			out[2] = DirectFunctionCall3(numeric_in, CStringGetDatum(pnstrdup(v.val.string.val, v.val.string.len)),
										 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("segment %d: \"v\" must be a number", i + 1)));
		out[3] = segment_path_array(seg->val.binary.data, "c", &outnull[3]);
		out[4] = segment_path_array(seg->val.binary.data, "k", &outnull[4]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
	}
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * layer_touch_agg(ts, touchpoint, channel, campaign, gap): layer_touch_facts
 * as an aggregate over a profile's rows (doc/layer.md, "Performance")
 *
 * The four array_aggs that feed layer_touch_facts build four arrays a
 * profile, and PostgreSQL prices each of their states at 8 kB a group, so
 * that a hash aggregation of 150,000 profiles spills to disk.  The facts
 * need far less than the rows: the times (sessions need them sorted), the
 * distinct channels and the entry touchpoint.  This aggregate keeps just
 * those, in a state of a few hundred bytes, and computes the same facts at
 * the end.  Its state type, cxm.touch_state, is a concrete type with a
 * combine function (doc/scale-out.md, "State types"), so the aggregate
 * runs in parallel and partial plans.
 * ------------------------------------------------------------------------ */

#define TOUCH_STATE_VERSION 1

/*
 * Channels are kept once each while there are few; past this many the new
 * ones are only appended (the final function sorts and deduplicates them),
 * so that a column of many distinct values does not make every row search
 * a long list.
 */
#define TOUCH_DISTINCT_CHANNELS 32

typedef struct TouchState
{
	int64		n;				/* touchpoints */
	int64		cap;
	int64	   *ts;				/* their times, as they came */
	Interval	gap;			/* the session gap (the same in every row) */
	int32		nch;
	int32		capch;
	int32		last_ch;		/* the one the last row had */
	struct varlena **ch;		/* channels, copies (distinct bytes) */
	int64		e_ts;			/* the entry so far (when n > 0) */
	struct varlena *e_tp;		/* its touchpoint, channel, campaign; NULL */
	struct varlena *e_ch;		/* when SQL NULL */
	struct varlena *e_cp;
} TouchState;

static TouchState *
touch_new_state(MemoryContext cxt, const Interval *gap)
{
	TouchState *st = MemoryContextAllocZero(cxt, sizeof(TouchState));

	st->cap = 8;
	st->ts = MemoryContextAlloc(cxt, sizeof(int64) * st->cap);
	st->gap = *gap;
	return st;
}

static void
touch_same_gap(const TouchState *st, const Interval *gap)
{
	if (st->gap.month != gap->month || st->gap.day != gap->day || st->gap.time != gap->time)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("session gap must be the same in every row of layer_touch_agg, not %s and %s",
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(&st->gap))),
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(gap))))));
}

static void
touch_add_time(TouchState *st, int64 ts)
{
	if (st->n == st->cap)
	{
		st->cap *= 2;
		st->ts = repalloc_huge(st->ts, sizeof(int64) * st->cap);
	}
	st->ts[st->n++] = ts;
}

/* a copy of a text (its bytes as stored, short header kept) in cxt, or NULL */
static struct varlena *
touch_copy_text(MemoryContext cxt, const struct varlena *t)
{
	struct varlena *c;

	if (t == NULL)
		return NULL;
	c = MemoryContextAlloc(cxt, VARSIZE_ANY(t));
	memcpy(c, t, VARSIZE_ANY(t));
	return c;
}

static bool
touch_same_bytes(const struct varlena *a, const struct varlena *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/* append a channel that is already a copy in the state's memory */
static void
touch_push_channel(TouchState *st, MemoryContext cxt, struct varlena *ch)
{
	if (st->nch == st->capch)
	{
		if (st->capch >= MaxAllocSize / sizeof(struct varlena *) / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many channels in one group of layer_touch_agg")));
		st->capch = st->capch == 0 ? 4 : st->capch * 2;
		st->ch = st->ch == NULL ? MemoryContextAlloc(cxt, sizeof(struct varlena *) * st->capch)
			: repalloc(st->ch, sizeof(struct varlena *) * st->capch);
	}
	st->last_ch = st->nch;
	st->ch[st->nch++] = ch;
}

static void
touch_add_channel(TouchState *st, MemoryContext cxt, const struct varlena *ch)
{
	/* the channel of the row before first: a profile's rows often share it */
	if (st->nch > 0 && touch_same_bytes(st->ch[st->last_ch], ch))
		return;
	if (st->nch <= TOUCH_DISTINCT_CHANNELS)
		for (int32 i = 0; i < st->nch; i++)
			if (touch_same_bytes(st->ch[i], ch))
			{
				st->last_ch = i;
				return;
			}
	touch_push_channel(st, cxt, touch_copy_text(cxt, ch));
}

static int
touch_cmp_nullable(const struct varlena *a, const struct varlena *b, Oid coll)
{
	return touch_text_cmp(PointerGetDatum(a), a == NULL, PointerGetDatum(b), b == NULL, coll);
}

/*
 * A candidate for the entry: it becomes the entry when it comes first by
 * (time, touchpoint, channel, campaign), texts under coll, NULLs last
 */
static void
touch_offer_entry(TouchState *st, MemoryContext cxt, Oid coll, int64 ts,
				  const struct varlena *tp, const struct varlena *ch, const struct varlena *cp)
{
	if (st->n > 0)
	{
		int			c;

		if (ts != st->e_ts)
		{
			if (ts > st->e_ts)
				return;
		}
		else
		{
			c = touch_cmp_nullable(tp, st->e_tp, coll);
			if (c == 0)
				c = touch_cmp_nullable(ch, st->e_ch, coll);
			if (c == 0)
				c = touch_cmp_nullable(cp, st->e_cp, coll);
			if (c >= 0)
				return;
		}
		if (st->e_tp != NULL)
			pfree(st->e_tp);
		if (st->e_ch != NULL)
			pfree(st->e_ch);
		if (st->e_cp != NULL)
			pfree(st->e_cp);
	}
	st->e_ts = ts;
	st->e_tp = touch_copy_text(cxt, tp);
	st->e_ch = touch_copy_text(cxt, ch);
	st->e_cp = touch_copy_text(cxt, cp);
}

static Oid
touch_collation(FunctionCallInfo fcinfo)
{
	return OidIsValid(PG_GET_COLLATION()) ? PG_GET_COLLATION() : DEFAULT_COLLATION_OID;
}

/*
 * layer_touch_add(state, ts, touchpoint, channel, campaign, gap): one
 * touchpoint.  Its time must be finite and not NULL (as in
 * layer_touch_facts); the gap positive and the same in every row.
 */
static Datum
layer_touch_add_impl(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = cxm_state_context(fcinfo, "layer_touch_agg");
	TouchState *st = PG_ARGISNULL(0) ? NULL : (TouchState *) PG_GETARG_POINTER(0);
	TimestampTz ts;
	struct varlena *tp = PG_ARGISNULL(2) ? NULL : (struct varlena *) PG_GETARG_TEXT_PP(2);
	struct varlena *ch = PG_ARGISNULL(3) ? NULL : (struct varlena *) PG_GETARG_TEXT_PP(3);
	struct varlena *cp = PG_ARGISNULL(4) ? NULL : (struct varlena *) PG_GETARG_TEXT_PP(4);

	if (st == NULL)
	{
		(void) touch_gap(fcinfo, 5);
		st = touch_new_state(cxt, PG_GETARG_INTERVAL_P(5));
	}
	else if (PG_ARGISNULL(5))
		(void) touch_gap(fcinfo, 5);
	else
		touch_same_gap(st, PG_GETARG_INTERVAL_P(5));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a touchpoint time given to layer_touch_agg is NULL")));
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("a touchpoint time given to layer_touch_agg is infinite")));
	if (ch != NULL)
		touch_add_channel(st, cxt, ch);
	touch_offer_entry(st, cxt, touch_collation(fcinfo), ts, tp, ch, cp);
	touch_add_time(st, ts);
	PG_RETURN_POINTER(st);
}

static Datum
layer_touch_combine_impl(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = cxm_state_context(fcinfo, "layer_touch_agg");
	TouchState *a = PG_ARGISNULL(0) ? NULL : (TouchState *) PG_GETARG_POINTER(0);
	TouchState *b = PG_ARGISNULL(1) ? NULL : (TouchState *) PG_GETARG_POINTER(1);

	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		a = touch_new_state(cxt, &b->gap);
	else
		touch_same_gap(a, &b->gap);
	for (int32 i = 0; i < b->nch; i++)
		touch_add_channel(a, cxt, b->ch[i]);
	if (b->n > 0)
	{
		/* the entry first: touch_offer_entry takes a->n == 0 for "none yet" */
		touch_offer_entry(a, cxt, touch_collation(fcinfo), b->e_ts, b->e_tp, b->e_ch, b->e_cp);
		for (int64 i = 0; i < b->n; i++)
			touch_add_time(a, b->ts[i]);
	}
	PG_RETURN_POINTER(a);
}

/* the state a final function reads, or NULL when there were no rows */
static const TouchState *
touch_final_state(FunctionCallInfo fcinfo)
{
	const TouchState *st = PG_ARGISNULL(0) ? NULL : (const TouchState *) PG_GETARG_POINTER(0);

	return st != NULL && st->n > 0 ? st : NULL;
}

/* a sorted copy of the state's times */
static int64 *
touch_sorted_times(const TouchState *st)
{
	int64	   *ts = palloc_extended(sizeof(int64) * st->n, MCXT_ALLOC_HUGE);

	memcpy(ts, st->ts, sizeof(int64) * st->n);
	qsort(ts, st->n, sizeof(int64), touch_cmp_int64);
	return ts;
}

/*
 * The facts of a state with touchpoints: first_seen, last_seen,
 * touchpoints, sessions, bounced_sessions, session_minutes, entry_channel,
 * entry_campaign, channels (the row of layer_touch_facts and of
 * layer_touch_agg)
 */
static Datum
touch_facts_row(FunctionCallInfo fcinfo, const TouchState *st, const char *fname)
{
	TupleDesc	desc = layer_row_desc(fcinfo, fname);
	Datum		out[9];
	bool		outnull[9] = {false};
	int64	   *ts;
	JPathSessionStats ss;
	JPathGap	gap = jpath_gap_make(st->gap.month, st->gap.day, st->gap.time);

	ts = touch_sorted_times(st);
	ss = jpath_session_stats(ts, st->n, gap);
	out[0] = TimestampTzGetDatum(ts[0]);
	out[1] = TimestampTzGetDatum(ts[st->n - 1]);
	out[2] = Int64GetDatum(st->n);
	out[3] = Int64GetDatum(ss.sessions);
	out[4] = Int64GetDatum(ss.bounced);
	out[5] = touch_minutes(ss.usecs);
	out[6] = PointerGetDatum(st->e_ch);
	outnull[6] = st->e_ch == NULL;
	out[7] = PointerGetDatum(st->e_cp);
	outnull[7] = st->e_cp == NULL;
	if (st->nch == 0)
		outnull[8] = true;
	else
	{
		Datum	   *chans = palloc(sizeof(Datum) * st->nch);

		for (int32 i = 0; i < st->nch; i++)
			chans[i] = PointerGetDatum(st->ch[i]);
		out[8] = PointerGetDatum(construct_array(chans, touch_distinct_texts(chans, st->nch, touch_collation(fcinfo)),
												 TEXTOID, -1, false, TYPALIGN_INT));
	}
	return HeapTupleGetDatum(heap_form_tuple(desc, out, outnull));
}

/* the facts: the row layer_touch_facts gives for the same touchpoints */
static Datum
layer_touch_final_impl(PG_FUNCTION_ARGS)
{
	const TouchState *st = touch_final_state(fcinfo);

	if (st == NULL)
		PG_RETURN_NULL();
	return touch_facts_row(fcinfo, st, "layer_touch_agg");
}

/*
 * layer_touch_facts(ts timestamptz[], touchpoint text[], channel text[],
 *                   campaign text[], gap interval)
 *	  The same facts from a profile's touchpoints as parallel arrays in any
 *	  order (the refresh's stage holds them so): the elements go through the
 *	  aggregate's transition, one at a time, into a state of this call.
 *	  A NULL or infinite time is refused with its position.
 */
Datum
layer_touch_facts(PG_FUNCTION_ARGS)
{
	Oid			coll = touch_collation(fcinfo);
	MemoryContext cxt = CurrentMemoryContext;
	Datum	   *tsv,
			   *tpv,
			   *chv,
			   *cpv;
	bool	   *tsn,
			   *tpn,
			   *chn,
			   *cpn;
	int			n;
	TouchState *st;

	(void) touch_gap(fcinfo, 4);
	n = touch_array(fcinfo, 0, TIMESTAMPTZOID, &tsv, &tsn);
	touch_same_length(n, touch_array(fcinfo, 1, TEXTOID, &tpv, &tpn), "touchpoint");
	touch_same_length(n, touch_array(fcinfo, 2, TEXTOID, &chv, &chn), "touchpoint");
	touch_same_length(n, touch_array(fcinfo, 3, TEXTOID, &cpv, &cpn), "touchpoint");
	if (n == 0)
		PG_RETURN_NULL();
	st = touch_new_state(cxt, PG_GETARG_INTERVAL_P(4));
	for (int i = 0; i < n; i++)
	{
		int64		ts = touch_time(tsv, tsn, i, "touchpoint");
		struct varlena *ch = chn[i] ? NULL : (struct varlena *) DatumGetPointer(chv[i]);

		if (ch != NULL)
			touch_add_channel(st, cxt, ch);
		touch_offer_entry(st, cxt, coll, ts,
						  tpn[i] ? NULL : (struct varlena *) DatumGetPointer(tpv[i]), ch,
						  cpn[i] ? NULL : (struct varlena *) DatumGetPointer(cpv[i]));
		touch_add_time(st, ts);
	}
	return touch_facts_row(fcinfo, st, "layer_touch_facts");
}

/*
 * layer_touch_times_final: the times as an array, in ascending order (the
 * same array whatever order the rows came in, as on one node so on a
 * cluster), and whether there are two distinct channels (bytes), for the
 * monthly facts (layer_kpi_rows)
 */
static Datum
layer_touch_times_final_impl(PG_FUNCTION_ARGS)
{
	const TouchState *st = touch_final_state(fcinfo);
	TupleDesc	desc;
	Datum		out[2];
	bool		outnull[2] = {false};
	Datum	   *times;
	int64	   *sorted;

	if (st == NULL)
		PG_RETURN_NULL();
	desc = layer_row_desc(fcinfo, "layer_touch_times_agg");
	if (st->n > (int64) ((MaxAllocSize - 1024) / sizeof(int64)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many touchpoints in one group of layer_touch_times_agg: %lld", (long long) st->n)));
	sorted = touch_sorted_times(st);
	times = palloc(sizeof(Datum) * st->n);
	for (int64 i = 0; i < st->n; i++)
		times[i] = TimestampTzGetDatum(sorted[i]);
	out[0] = PointerGetDatum(construct_array(times, (int) st->n, TIMESTAMPTZOID, sizeof(TimestampTz),
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	/* the first TOUCH_DISTINCT_CHANNELS + 1 channels kept are distinct */
	out[1] = BoolGetDatum(st->nch >= 2);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, out, outnull)));
}

/*
 * The flat state (cxm.touch_state's bytes, written and read with
 * wire_core.h): version byte, the gap (months, days, microseconds), the
 * count and the times, the channels (count, then length and bytes of each),
 * and when the count is not 0 the entry's time and its three texts (length,
 * -1 for NULL, and bytes).
 */
#define TOUCH_WIRE_HEADER (1 + 4 + 4 + 8 + 8 + 4)

static void
touch_put_text(WireWriter *w, const struct varlena *t)
{
	if (t == NULL)
	{
		wire_put_i32(w, -1);
		return;
	}
	wire_put_i32(w, (int32) VARSIZE_ANY_EXHDR(t));
	wire_put_bytes(w, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/*
 * The flat form lists the times ascending and the channels in byte order
 * (the "C" collation's), so that a state's bytes do not depend on the order its rows came in
 * (the same state from any plan, on one node or a cluster)
 */
static bytea *
touch_flatten(Datum d)
{
	const TouchState *st = (const TouchState *) DatumGetPointer(d);
	WireWriter	w;
	int64	   *ts = touch_sorted_times(st);
	Datum	   *ch = palloc(sizeof(Datum) * Max(st->nch, 1));
	Oid			bytes = C_COLLATION_OID;

	for (int32 i = 0; i < st->nch; i++)
		ch[i] = PointerGetDatum(st->ch[i]);
	qsort_arg(ch, st->nch, sizeof(Datum), touch_sort_text, &bytes);
	cxm_wire_begin(&w, TOUCH_WIRE_HEADER + 8 * st->n + 16 * st->nch + 64);
	wire_put_version(&w, TOUCH_STATE_VERSION);
	wire_put_i32(&w, st->gap.month);
	wire_put_i32(&w, st->gap.day);
	wire_put_i64(&w, st->gap.time);
	wire_put_i64(&w, st->n);
	for (int64 i = 0; i < st->n; i++)
		wire_put_i64(&w, ts[i]);
	wire_put_i32(&w, st->nch);
	for (int32 i = 0; i < st->nch; i++)
		touch_put_text(&w, (const struct varlena *) DatumGetPointer(ch[i]));
	pfree(ts);
	pfree(ch);
	if (st->n > 0)
	{
		wire_put_i64(&w, st->e_ts);
		touch_put_text(&w, st->e_tp);
		touch_put_text(&w, st->e_ch);
		touch_put_text(&w, st->e_cp);
	}
	return cxm_wire_bytea(&w);
}

/*
 * a text read back as a varlena in cxt: NULL for length -1 (nullable), or
 * when the state is damaged (the reason recorded in r)
 */
static struct varlena *
touch_get_text(WireReader *r, MemoryContext cxt, bool nullable)
{
	int32		len = wire_get_i32(r);
	const unsigned char *p;
	struct varlena *t;

	if (len == -1 && nullable && wire_ok(r))
		return NULL;
	if (len < 0)
	{
		wire_fail(r, "A text's length is negative.");
		return NULL;
	}
	p = wire_get_bytes(r, (size_t) len);
	if (p == NULL)
		return NULL;
	t = MemoryContextAlloc(cxt, VARHDRSZ + len);
	SET_VARSIZE(t, VARHDRSZ + len);
	memcpy(VARDATA(t), p, len);
	return t;
}

static Datum
touch_expand(const char *data, size_t len, MemoryContext cxt)
{
	WireReader	r;
	Interval	gap;
	TouchState *st;
	int64		n;
	int32		nch;

	if (!wire_reader_start(&r, data, len, TOUCH_WIRE_HEADER, TOUCH_STATE_VERSION))
		cxm_bad_state("layer_touch_agg", r.detail);
	gap.month = wire_get_i32(&r);
	gap.day = wire_get_i32(&r);
	gap.time = wire_get_i64(&r);
	if (jpath_interval_sign(gap.month, gap.day, gap.time) <= 0)
		cxm_bad_state("layer_touch_agg", "The session gap is not positive.");
	st = touch_new_state(cxt, &gap);
	n = wire_get_i64(&r);
	if (n < 0 || (uint64) n > wire_left(&r) / 8)
		cxm_bad_state("layer_touch_agg", "The number of times does not match the length.");
	for (int64 i = 0; i < n; i++)
	{
		int64		ts = wire_get_i64(&r);

		if (TIMESTAMP_NOT_FINITE(ts))
			cxm_bad_state("layer_touch_agg", "A time is infinite.");
		touch_add_time(st, ts);
	}
	nch = wire_get_i32(&r);
	if (nch < 0 || (size_t) nch > wire_left(&r) / 4)
		wire_fail(&r, "The number of channels does not match the length.");
	for (int32 i = 0; i < nch && wire_ok(&r); i++)
	{
		struct varlena *c = touch_get_text(&r, cxt, false);

		if (c != NULL)
			touch_push_channel(st, cxt, c);
	}
	if (n > 0 && wire_ok(&r))
	{
		st->e_ts = wire_get_i64(&r);
		if (wire_ok(&r) && TIMESTAMP_NOT_FINITE(st->e_ts))
			wire_fail(&r, "The entry's time is infinite.");
		st->e_tp = touch_get_text(&r, cxt, true);
		st->e_ch = touch_get_text(&r, cxt, true);
		st->e_cp = touch_get_text(&r, cxt, true);
	}
	if (!wire_end(&r))
		cxm_bad_state("layer_touch_agg", r.detail);
	return PointerGetDatum(st);
}

static const CxmStateDesc touch_desc = CXM_STATE_DESC("layer_touch_agg", touch_flatten, touch_expand);

CXM_STATE_TYPE_IO(touch_state, touch_desc);
CXM_STATE_TRANS(layer_touch_add, layer_touch_add_impl, touch_desc, 1);
CXM_STATE_TRANS(layer_touch_combine, layer_touch_combine_impl, touch_desc, 2);
CXM_STATE_FINAL(layer_touch_final, layer_touch_final_impl, touch_desc);
CXM_STATE_FINAL(layer_touch_times_final, layer_touch_times_final_impl, touch_desc);
