/*
 * layer_touch.c
 *	  The CX layer's per-profile touchpoint facts (doc/layer.md,
 *	  "Performance"): layer_touch_facts and layer_touch_months.
 *
 * Both take a profile's touchpoints as arrays in any order (array_agg in a
 * hash aggregation, no global sort), sort their own copy and split it into
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
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "cxm.h"
#include "journey_core.h"

PG_FUNCTION_INFO_V1(layer_touch_facts);
PG_FUNCTION_INFO_V1(layer_touch_months);
PG_FUNCTION_INFO_V1(layer_journey_facts);
PG_FUNCTION_INFO_V1(layer_second_product);

/* the gap argument: positive, as for sessionize */
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
 * the touchpoint times, sorted; a NULL or infinite time is refused (the
 * minutes between two times would not be defined)
 */
static int64 *
touch_times(const Datum *v, const bool *isnull, int n)
{
	int64	   *ts = palloc(sizeof(int64) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		if (isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("touchpoint time %d is NULL", i + 1)));
		ts[i] = DatumGetTimestampTz(v[i]);
		if (TIMESTAMP_NOT_FINITE(ts[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("touchpoint time %d is infinite", i + 1)));
	}
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

/*
 * layer_touch_facts(ts timestamptz[], touchpoint text[], channel text[],
 *                   campaign text[], gap interval)
 *	  first_seen, last_seen, touchpoints, sessions, bounced_sessions,
 *	  session_minutes, entry_channel, entry_campaign, channels
 */
Datum
layer_touch_facts(PG_FUNCTION_ARGS)
{
	Oid			coll = OidIsValid(PG_GET_COLLATION()) ? PG_GET_COLLATION() : DEFAULT_COLLATION_OID;
	JPathGap	gap = touch_gap(fcinfo, 4);
	TupleDesc	desc;
	Datum		out[9];
	bool		outnull[9] = {false};
	Datum	   *tsv,
			   *tpv,
			   *chv,
			   *cpv;
	bool	   *tsn,
			   *tpn,
			   *chn,
			   *cpn;
	int			n,
				entry = -1,
				nch = 0;
	JPathSessionStats st;
	int64	   *ts;
	Datum	   *chans;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "layer_touch_facts must return a row");
	desc = BlessTupleDesc(desc);
	n = touch_array(fcinfo, 0, TIMESTAMPTZOID, &tsv, &tsn);
	touch_same_length(n, touch_array(fcinfo, 1, TEXTOID, &tpv, &tpn), "touchpoint");
	touch_same_length(n, touch_array(fcinfo, 2, TEXTOID, &chv, &chn), "touchpoint");
	touch_same_length(n, touch_array(fcinfo, 3, TEXTOID, &cpv, &cpn), "touchpoint");
	if (n == 0)
		PG_RETURN_NULL();
	ts = touch_times(tsv, tsn, n);

	/*
	 * The entry: the first touchpoint by (ts, touchpoint, channel, campaign);
	 * the channels: distinct and sorted.
	 */
	chans = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
	{
		int			c;

		if (!chn[i])
			chans[nch++] = chv[i];
		if (entry < 0)
		{
			entry = i;
			continue;
		}
		if (DatumGetTimestampTz(tsv[i]) != DatumGetTimestampTz(tsv[entry]))
		{
			if (DatumGetTimestampTz(tsv[i]) < DatumGetTimestampTz(tsv[entry]))
				entry = i;
			continue;
		}
		c = touch_text_cmp(tpv[i], tpn[i], tpv[entry], tpn[entry], coll);
		if (c == 0)
			c = touch_text_cmp(chv[i], chn[i], chv[entry], chn[entry], coll);
		if (c == 0)
			c = touch_text_cmp(cpv[i], cpn[i], cpv[entry], cpn[entry], coll);
		if (c < 0)
			entry = i;
	}

	/* sessions over the sorted times (jpath_session_stats, journey_core.c) */
	st = jpath_session_stats(ts, n, gap);

	out[0] = TimestampTzGetDatum(ts[0]);
	out[1] = TimestampTzGetDatum(ts[n - 1]);
	out[2] = Int64GetDatum(n);
	out[3] = Int64GetDatum(st.sessions);
	out[4] = Int64GetDatum(st.bounced);
	out[5] = touch_minutes(st.usecs);
	out[6] = chv[entry];
	outnull[6] = chn[entry];
	out[7] = cpv[entry];
	outnull[7] = cpn[entry];
	if (nch == 0)
		outnull[8] = true;
	else
	{
		int			m = 1;

		qsort_arg(chans, nch, sizeof(Datum), touch_sort_text, &coll);
		for (int i = 1; i < nch; i++)
			if (touch_sort_text(&chans[i], &chans[m - 1], &coll) != 0)
				chans[m++] = chans[i];
		out[8] = PointerGetDatum(construct_array(chans, m, TEXTOID, -1, false, TYPALIGN_INT));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, out, outnull)));
}

/* date_trunc('month', ts)::date and the start of the next month */
static DateADT
touch_month(TimestampTz ts, TimestampTz *next)
{
	static Interval one_month = {0, 0, 1};
	Datum		start = DirectFunctionCall2(timestamptz_trunc, CStringGetTextDatum("month"),
											TimestampTzGetDatum(ts));

	*next = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval, start,
													IntervalPGetDatum(&one_month)));
	return DatumGetDateADT(DirectFunctionCall1(timestamptz_date, start));
}

typedef struct TouchMonth
{
	DateADT		month;
	bool		visited;
	int64		sessions;
	int64		touchpoints;
	Datum		minutes;
} TouchMonth;

/* the month's entry, months being met in ascending order */
static TouchMonth *
touch_month_entry(TouchMonth *m, int *nm, DateADT month)
{
	for (int i = *nm - 1; i >= 0 && m[i].month >= month; i--)
		if (m[i].month == month)
			return &m[i];
	m[*nm].month = month;
	m[*nm].visited = false;
	m[*nm].sessions = 0;
	m[*nm].touchpoints = 0;
	m[*nm].minutes = NumericGetDatum(int64_to_numeric(0));
	return &m[(*nm)++];
}

/*
 * layer_touch_months(ts timestamptz[], gap interval)
 *	  one row per month with a touchpoint or a session's start: month,
 *	  visited (a touchpoint in it), sessions starting in it, their
 *	  touchpoints and minutes (each session's last minus first time)
 */
Datum
layer_touch_months(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	JPathGap	gap = touch_gap(fcinfo, 1);
	Datum	   *tsv;
	bool	   *tsn;
	int			n = touch_array(fcinfo, 0, TIMESTAMPTZOID, &tsv, &tsn);
	int64	   *ts = touch_times(tsv, tsn, n);
	TouchMonth *months = palloc(sizeof(TouchMonth) * Max(n, 1));
	DateADT    *month_of = palloc(sizeof(DateADT) * Max(n, 1));
	size_t	   *starts = palloc(sizeof(size_t) * Max(n, 1));
	size_t		ns = jpath_sessions((const int64_t *) ts, n, gap, starts);
	int			nm = 0;
	TimestampTz next = 0;

	InitMaterializedSRF(fcinfo, 0);
	/* visited months; date_trunc only when a month boundary is crossed */
	for (int i = 0; i < n; i++)
	{
		month_of[i] = i > 0 && ts[i] < next ? month_of[i - 1] : touch_month(ts[i], &next);
		touch_month_entry(months, &nm, month_of[i])->visited = true;
	}
	/* each session in the month of its first touchpoint */
	for (size_t k = 0; k < ns; k++)
	{
		size_t		first = starts[k],
					last = k + 1 < ns ? starts[k + 1] - 1 : (size_t) n - 1;
		TouchMonth *m = touch_month_entry(months, &nm, month_of[first]);

		m->sessions++;
		m->touchpoints += last - first + 1;
		m->minutes = DirectFunctionCall2(numeric_add, m->minutes, touch_minutes(ts[last] - ts[first]));
	}
	for (int i = 0; i < nm; i++)
	{
		Datum		v[5];
		bool		isnull[5] = {false};

		v[0] = DateADTGetDatum(months[i].month);
		v[1] = BoolGetDatum(months[i].visited);
		v[2] = Int64GetDatum(months[i].sessions);
		v[3] = Int64GetDatum(months[i].touchpoints);
		v[4] = months[i].minutes;
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
	{
		text	   *t;

		if (isnull[idx[i]])
			continue;
		t = DatumGetTextPP(v[idx[i]]);
		refs[m].ts = ts[idx[i]];
		refs[m].s = VARDATA_ANY(t);
		refs[m].len = VARSIZE_ANY_EXHDR(t);
		m++;
	}
	if (m == 0)
	{
		JsonbValue	null = {.type = jbvNull};

		pushJsonbValue(state, WJB_VALUE, &null);
		return;
	}
	jpath_sort_refs(refs, m, &sc->tmp);
	for (int i = 0; i < m; i++)
	{
		strs[i].ptr = refs[i].s;
		strs[i].len = refs[i].len;
		strs[i].isnull = false;
	}
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

/*
 * layer_journey_facts(ts timestamptz[], channel text[], campaign text[],
 *                     purchase_ts timestamptz[], amounts numeric[], gap interval)
 *	  customer_journeys' sessions, channel_count and segments from one
 *	  profile's touchpoints and purchases, each in any order.  Purchases
 *	  are numbered 1, 2, ... by (time, amount); a touchpoint belongs to
 *	  segment 1 + the purchases strictly before it (a touchpoint at the time
 *	  of a purchase leads to it); only touchpoints with a channel are in the
 *	  segments.  sessions: cxm.sessionize's split of all the times;
 *	  channel_count: distinct non-NULL channels.
 */
Datum
layer_journey_facts(PG_FUNCTION_ARGS)
{
	Oid			coll = OidIsValid(PG_GET_COLLATION()) ? PG_GET_COLLATION() : DEFAULT_COLLATION_OID;
	JPathGap	gap = touch_gap(fcinfo, 5);
	TupleDesc	desc;
	Datum		out[3];
	bool		outnull[3] = {false};
	Datum	   *tsv,
			   *chv,
			   *cpv,
			   *ptv,
			   *amv;
	bool	   *tsn,
			   *chn,
			   *cpn,
			   *ptn,
			   *amn;
	int			n = touch_array(fcinfo, 0, TIMESTAMPTZOID, &tsv, &tsn);
	int			np = touch_array(fcinfo, 3, TIMESTAMPTZOID, &ptv, &ptn);
	int64	   *sorted,
			   *ts;
	Purchase   *pur;
	Datum	   *amounts,
			   *chans;
	SegIdx	   *order;
	int			m = 0,
				nch = 0,
				distinct = 0;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "layer_journey_facts must return a record");
	touch_same_length(n, touch_array(fcinfo, 1, TEXTOID, &chv, &chn), "touchpoint");
	touch_same_length(n, touch_array(fcinfo, 2, TEXTOID, &cpv, &cpn), "touchpoint");
	touch_same_length(np, touch_array(fcinfo, 4, NUMERICOID, &amv, &amn), "purchase");

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

	/* sessions over the sorted times (jpath_session_stats, journey_core.c) */
	sorted = touch_times(tsv, tsn, n);
	out[0] = Int64GetDatum(n > 0 ? jpath_session_stats(sorted, n, gap).sessions : 0);

	/* distinct channels, and the segment of each touchpoint with one */
	ts = palloc(sizeof(int64) * Max(n, 1));
	chans = palloc(sizeof(Datum) * Max(n, 1));
	order = palloc(sizeof(SegIdx) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		ts[i] = DatumGetTimestampTz(tsv[i]);
		if (chn[i])
			continue;
		chans[nch++] = chv[i];
		order[m].seg = 1 + purchases_before(pur, np, ts[i]);
		order[m].i = i;
		m++;
	}
	qsort_arg(chans, nch, sizeof(Datum), touch_sort_text, &coll);
	for (int i = 0; i < nch; i++)
		if (i == 0 || touch_text_cmp(chans[i], false, chans[i - 1], false, coll) != 0)
			distinct++;
	out[1] = Int32GetDatum(distinct);

	if (m == 0)
		outnull[2] = true;
	else
	{
		qsort(order, m, sizeof(SegIdx), segidx_cmp);
		out[2] = JsonbPGetDatum(segments_build(order, m, ts, chv, chn, cpv, cpn, amounts, np));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), out, outnull)));
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
 * layer_second_product(ts timestamptz[], product text[]) -> timestamptz
 *	  when the profile first bought its second distinct product: the second
 *	  earliest of the products' first purchase times (NULL products are not
 *	  products; NULL when fewer than two)
 */
Datum
layer_second_product(PG_FUNCTION_ARGS)
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
	if (k < 2)
		PG_RETURN_NULL();
	qsort(firsts, k, sizeof(TimestampTz), touch_cmp_int64);
	PG_RETURN_TIMESTAMPTZ(firsts[1]);
}
