/*
 * attribution.c
 *	  fmgr glue of the attribution aggregate:
 *	  attribution(path text[], conversions float8, model text) -> channel_credit[].
 *	  The models and the Markov solver live in attribution_core.c.
 *
 * The state type is cxm.attribution_state (state_type.h), over an AttrState (channel interning plus credits,
 * or transition counts for markov) allocated in the aggregate context.  Its
 * size grows with the distinct channels and transitions, not with the rows.
 * Its flat form, in which partial states travel between processes, is the format of
 * attribution_core.h (attr_wire_write / attr_wire_read): every field is
 * range-checked on the way in and the whole is checked for consistency; a
 * damaged state is an ERROR (22P03), never a crash.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "cxm.h"
#include "attribution_core.h"
#include "state_type.h"

/* markov solves a dense system: n^2 doubles of memory, n^3 work */
#define ATTR_MARKOV_MAX_CHANNELS	5000


static Datum attr_accum(FunctionCallInfo fcinfo, AttrModel model);

static void
attr_raise(CxmStatus st, const char *msg)
{
	cxm_raise(st, msg, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE);
}

/* the model argument: NULL or an unknown name -> 22023 */
static AttrModel
attr_model_arg(FunctionCallInfo fcinfo, int argno)
{
	text	   *t;
	AttrModel	model;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("attribution model must not be NULL"),
				 errhint("Valid models are first_touch, last_touch, linear, position and markov.")));
	t = PG_GETARG_TEXT_PP(argno);
	if (!attr_model_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &model))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown attribution model \"%s\"", text_to_cstring(t)),
				 errhint("Valid models are first_touch, last_touch, linear, position and markov.")));
	return model;
}

static void
attr_model_mismatch(AttrModel have, AttrModel got)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("attribution model \"%s\" differs from \"%s\" within one group",
					attr_model_name(got), attr_model_name(have)),
			 errhint("Use one model per aggregate call.")));
}

/*
 * attribution_accum(state attribution_state, path text[], conversions float8, model text)
 * Not strict: the model is checked on every row; rows with a NULL or empty
 * path (after dropping NULL elements) or NULL conversions are skipped.
 */
static Datum
attribution_accum_impl(PG_FUNCTION_ARGS)
{
	(void) cxm_agg_context(fcinfo, "attribution_accum");
	return attr_accum(fcinfo, attr_model_arg(fcinfo, 3));
}

/*
 * attribution_accum_n(state attribution_state, path text[], conversions float8,
 * model text, journeys int8): one row stands for `journeys` journeys with
 * that path and these total conversions (doc/attribution.md, "Paths with
 * counts"); a NULL journeys skips the row like a NULL path.
 */
static Datum
attribution_accum_n_impl(PG_FUNCTION_ARGS)
{
	(void) cxm_agg_context(fcinfo, "attribution_accum_n");
	return attr_accum(fcinfo, attr_model_arg(fcinfo, 3));
}

/*
 * markov_conversion_accum(state attribution_state, path text[], conversions float8):
 * attribution's markov state, rows as in attribution_accum.
 */
static Datum
markov_conversion_accum_impl(PG_FUNCTION_ARGS)
{
	(void) cxm_agg_context(fcinfo, "markov_conversion_accum");
	return attr_accum(fcinfo, ATTR_MARKOV);
}

/* the transition of both: add the row (path, conversions) to a model's state */
static Datum
attr_accum(FunctionCallInfo fcinfo, AttrModel model)
{
	MemoryContext aggcxt;
	AttrState  *state;
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	const char **names;
	size_t	   *lens;
	int			n = 0;
	int			i;
	double		conv;
	int64		count = 1;
	char		msg[256];

	aggcxt = cxm_state_context(fcinfo, "attribution_accum");
	state = PG_ARGISNULL(0) ? NULL : (AttrState *) PG_GETARG_POINTER(0);
	if (state == NULL)
	{
		CxmAlloc	a = cxm_allocator(aggcxt);

		state = attr_state_create(&a, model);
	}
	else if (state->model != model)
		attr_model_mismatch(state->model, model);

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(state);
	if (PG_NARGS() > 4)
	{
		/* the weighted form: journeys per row */
		if (PG_ARGISNULL(4))
			PG_RETURN_POINTER(state);
		count = PG_GETARG_INT64(4);
		if (count < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("attribution journeys must be at least 1, got " INT64_FORMAT, count)));
	}
	conv = PG_GETARG_FLOAT8(2);
	if (isnan(conv) || isinf(conv) || conv < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("attribution conversions must be a non-negative number, got %s",
						float8out_internal(conv))));
	arr = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("attribution path must be a one-dimensional array, not %d-dimensional",
						ARR_NDIM(arr))));
	if (ARR_ELEMTYPE(arr) != TEXTOID)
		elog(ERROR, "attribution path must be a text array");
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
	if (nelems == 0)
		PG_RETURN_POINTER(state);
	names = palloc(sizeof(char *) * nelems);
	lens = palloc(sizeof(size_t) * nelems);
	for (i = 0; i < nelems; i++)
	{
		text	   *t;

		if (nulls[i])
			continue;			/* NULL touches are skipped */
		t = DatumGetTextPP(elems[i]);
		names[n] = VARDATA_ANY(t);
		lens[n] = VARSIZE_ANY_EXHDR(t);
		n++;
	}
	if (n > 0)
		attr_raise(attr_add_journeys(state, names, lens, n, conv, count, msg, sizeof(msg)), msg);
	PG_RETURN_POINTER(state);
}

static Datum
attribution_combine_impl(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	AttrState  *s1;
	AttrState  *s2;
	char		msg[256];

	aggcxt = cxm_state_context(fcinfo, "attribution_combine");
	s1 = PG_ARGISNULL(0) ? NULL : (AttrState *) PG_GETARG_POINTER(0);
	s2 = PG_ARGISNULL(1) ? NULL : (AttrState *) PG_GETARG_POINTER(1);
	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
	{
		/* a copy in the aggregate context: s2 may live in a shorter one */
		CxmAlloc	a = cxm_allocator(aggcxt);

		s1 = attr_state_create(&a, s2->model);
	}
	else if (s1->model != s2->model)
		attr_model_mismatch(s1->model, s2->model);
	attr_raise(attr_merge(s1, s2, msg, sizeof(msg)), msg);
	PG_RETURN_POINTER(s1);
}

/* the wire format of attribution_core.h, written by attr_wire_write */
static bytea *
attr_flatten(Datum d)
{
	AttrState  *s = (AttrState *) DatumGetPointer(d);
	WireWriter	w;

	cxm_wire_begin(&w, ATTR_WIRE_HEADER + (size_t) s->nchannels * 32 +
				   (size_t) s->ntrans * 16);
	attr_wire_write(&w, s);
	return cxm_wire_bytea(&w);
}

/* checked completely by attr_wire_read while it is read */
static Datum
attr_expand(const char *data, size_t len, MemoryContext cxt)
{
	AttrState  *s;
	CxmAlloc	a = cxm_allocator(cxt);
	char		msg[256];

	if (attr_wire_read((const unsigned char *) data, len, &a, &s, msg, sizeof(msg)) != CXM_OK)
		cxm_bad_state("attribution", msg);
	return PointerGetDatum(s);
}

static const CxmStateDesc attr_desc = CXM_STATE_DESC("attribution", attr_flatten, attr_expand);

static void
attr_tick(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/* (name, value) pairs as an array of the final function's two-column type */
static Datum
attr_credit_array(FunctionCallInfo fcinfo, const AttrCredit *r, int32 n)
{
	CxmRowArrayType *rt = cxm_row_array_type(fcinfo, 2);
	Datum	   *items;
	int32		i;

	items = palloc(sizeof(Datum) * (n > 0 ? n : 1));
	for (i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		isnull[2] = {false, false};
		HeapTuple	tup;

		values[0] = PointerGetDatum(cstring_to_text_with_len(r[i].name, (int) r[i].len));
		values[1] = Float8GetDatum(r[i].credit);
		tup = heap_form_tuple(rt->tupdesc, values, isnull);
		items[i] = HeapTupleGetDatum(tup);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(items, n, rt->elemtype, rt->typlen,
										  rt->typbyval, rt->typalign));
}

static void
attr_markov_limit(const AttrState *s)
{
	if (s->nchannels > ATTR_MARKOV_MAX_CHANNELS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("markov attribution over %d channels exceeds the limit of %d",
						s->nchannels, ATTR_MARKOV_MAX_CHANNELS)));
}

/*
 * The final functions: the credits as channel_credit[] (attribution) or
 * the conversion probabilities as touchpoint_probability[]
 * (markov_conversion); NULL when no journey was added.
 */
static Datum
attr_final_common(FunctionCallInfo fcinfo, bool conversion)
{
	AttrState  *s;
	AttrCredit *r;
	int32		n;
	CxmAlloc	a;
	char		msg[256];

	s = PG_ARGISNULL(0) ? NULL : (AttrState *) PG_GETARG_POINTER(0);
	if (s == NULL || s->njourneys == 0)
		PG_RETURN_NULL();
	if (conversion && s->model != ATTR_MARKOV)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("markov_conversion needs a markov state, got \"%s\"",
						attr_model_name(s->model))));
	if (s->model == ATTR_MARKOV)
		attr_markov_limit(s);
	a = cxm_allocator(CurrentMemoryContext);
	if (conversion)
		attr_raise(attr_conversion(s, &a, &r, &n, attr_tick, NULL, msg, sizeof(msg)), msg);
	else
		attr_raise(attr_result(s, &a, &r, &n, attr_tick, NULL, msg, sizeof(msg)), msg);
	return attr_credit_array(fcinfo, r, n);
}

static Datum
attribution_final_impl(PG_FUNCTION_ARGS)
{
	(void) cxm_agg_context(fcinfo, "attribution_final");
	return attr_final_common(fcinfo, false);
}

static Datum
markov_conversion_final_impl(PG_FUNCTION_ARGS)
{
	(void) cxm_agg_context(fcinfo, "markov_conversion_final");
	return attr_final_common(fcinfo, true);
}

CXM_STATE_TYPE_IO(attribution_state, attr_desc);
CXM_STATE_LEGACY(attribution_serial, attribution_deserial, attr_desc);
CXM_STATE_TRANS(attribution_accum, attribution_accum_impl, attr_desc, 1);
CXM_STATE_TRANS(attribution_accum_n, attribution_accum_n_impl, attr_desc, 1);
CXM_STATE_TRANS(markov_conversion_accum, markov_conversion_accum_impl, attr_desc, 1);
CXM_STATE_TRANS(attribution_combine, attribution_combine_impl, attr_desc, 2);
CXM_STATE_FINAL(attribution_final, attribution_final_impl, attr_desc);
CXM_STATE_FINAL(markov_conversion_final, markov_conversion_final_impl, attr_desc);
