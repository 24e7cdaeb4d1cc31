/*
 * churn.c
 *	  fmgr glue of the churn and lifetime-value family: bgnbd_fit,
 *	  pareto_nbd_fit, mbgnbd_fit, p_alive, churn_score, expected_purchases
 *	  (for each model type and for churn_model), gammagamma_fit,
 *	  expected_spend and clv.  The models live in churn_core.c; rfm() and
 *	  rfm_segment() are in rfm.c.
 *
 * The fit aggregates keep an `internal` state: the distinct customer
 * summaries with their counts (a CxmSummarySet), so memory follows the number
 * of distinct (frequency, recency, t) rows.  The final function sorts them
 * before summing, so the result does not depend on the plan.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/typcache.h"

#include "churn_core.h"
#include "cxm.h"
#include "state_type.h"

/* below this, an unpenalised fit has its optimum at infinity too often */
#define BGNBD_MIN_CUSTOMERS 5

PG_FUNCTION_INFO_V1(bgnbd_p_alive);
PG_FUNCTION_INFO_V1(bgnbd_churn_score);
PG_FUNCTION_INFO_V1(bgnbd_expected_purchases);
PG_FUNCTION_INFO_V1(pnbd_p_alive);
PG_FUNCTION_INFO_V1(pnbd_churn_score);
PG_FUNCTION_INFO_V1(pnbd_expected_purchases);
PG_FUNCTION_INFO_V1(pnbd_clv);
PG_FUNCTION_INFO_V1(mbgnbd_p_alive);
PG_FUNCTION_INFO_V1(mbgnbd_churn_score);
PG_FUNCTION_INFO_V1(mbgnbd_expected_purchases);
PG_FUNCTION_INFO_V1(mbgnbd_clv);
PG_FUNCTION_INFO_V1(churn_model_p_alive);
PG_FUNCTION_INFO_V1(churn_model_churn_score);
PG_FUNCTION_INFO_V1(churn_model_expected_purchases);
PG_FUNCTION_INFO_V1(churn_model_clv);
PG_FUNCTION_INFO_V1(churn_model_expected_or_null);
PG_FUNCTION_INFO_V1(gg_expected_spend);
PG_FUNCTION_INFO_V1(churn_clv);

/* Aggregate state of bgnbd_fit and gammagamma_fit */
typedef struct FitState
{
	CxmAlloc	alloc;
	CxmSummarySet set;
	bool		has_penalizer;
	double		penalizer;
} FitState;

static FitState *
fit_state_new(MemoryContext cxt)
{
	FitState   *st = MemoryContextAllocZero(cxt, sizeof(FitState));

	st->alloc = cxm_allocator(cxt);
	cxm_summary_set_init(&st->set, &st->alloc);
	return st;
}

static void
check_bgnbd_row(double x, double tx, double t)
{
	const char *problem = cxm_bgnbd_row_problem(x, tx, t);

	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid customer summary (frequency %g, recency %g, t %g): %s",
						x, tx, t, problem)));
}

static void
check_gg_row(double x, double m)
{
	const char *problem = cxm_gg_row_problem(x, m);

	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid customer summary (frequency %g, monetary %g): %s",
						x, m, problem)));
}

/* bgnbd_fit(frequency, recency, t [, penalizer]) transition */
static Datum
bgnbd_fit_accum_impl(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = cxm_state_context(fcinfo, "bgnbd_fit_accum");
	FitState   *st = PG_ARGISNULL(0) ? NULL : (FitState *) PG_GETARG_POINTER(0);
	double		x,
				tx,
				t;

	if (st == NULL)
		st = fit_state_new(aggcxt);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(st);
	x = PG_GETARG_FLOAT8(1);
	tx = PG_GETARG_FLOAT8(2);
	t = PG_GETARG_FLOAT8(3);
	if (PG_NARGS() > 4)
	{
		double		pen;

		if (PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("penalizer must not be NULL")));
		pen = PG_GETARG_FLOAT8(4);
		if (!(pen >= 0.0) || !isfinite(pen))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("penalizer must be a finite value >= 0, got %g", pen)));
		if (st->has_penalizer && pen != st->penalizer)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("penalizer must be the same for every row of a group, got %g and %g",
							st->penalizer, pen)));
		st->has_penalizer = true;
		st->penalizer = pen;
	}
	check_bgnbd_row(x, tx, t);
	cxm_summary_set_add(&st->set, x, tx, t, 1);
	PG_RETURN_POINTER(st);
}

/* gammagamma_fit(frequency, monetary) transition; frequency 0 is ignored */
static Datum
gg_fit_accum_impl(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = cxm_state_context(fcinfo, "gg_fit_accum");
	FitState   *st = PG_ARGISNULL(0) ? NULL : (FitState *) PG_GETARG_POINTER(0);
	double		x,
				m;

	if (st == NULL)
		st = fit_state_new(aggcxt);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	x = PG_GETARG_FLOAT8(1);
	m = PG_GETARG_FLOAT8(2);
	check_gg_row(x, m);
	if (x > 0.0)
		cxm_summary_set_add(&st->set, x, m, 0.0, 1);
	PG_RETURN_POINTER(st);
}

static Datum
churn_fit_combine_impl(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = cxm_state_context(fcinfo, "churn_fit_combine");
	FitState   *a = PG_ARGISNULL(0) ? NULL : (FitState *) PG_GETARG_POINTER(0);
	FitState   *b = PG_ARGISNULL(1) ? NULL : (FitState *) PG_GETARG_POINTER(1);
	size_t		i;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = fit_state_new(aggcxt);
	if (b->has_penalizer)
	{
		if (a->has_penalizer && a->penalizer != b->penalizer)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("penalizer must be the same for every row of a group, got %g and %g",
							a->penalizer, b->penalizer)));
		a->has_penalizer = true;
		a->penalizer = b->penalizer;
	}
	for (i = 0; i < b->set.capacity; i++)
	{
		CxmSummaryRow *r = &b->set.slots[i];

		if (r->count > 0)
			cxm_summary_set_add(&a->set, r->x, r->tx, r->t, r->count);
	}
	PG_RETURN_POINTER(a);
}

/* parameter names of each model row type, in column order */
static const char *const bg_names[] = {"r", "alpha", "a", "b"};
static const char *const pnbd_names[] = {"r", "alpha", "s", "beta"};
static const char *const gg_names[] = {"p", "q", "v"};

/* the wire format of churn_core.h (CXM_FIT_WIRE_*), written by cxm_fit_wire_write */
static bytea *
fit_flatten(Datum d)
{
	FitState   *st = (FitState *) DatumGetPointer(d);
	CxmFitWireInfo h;
	WireWriter	w;

	memset(&h, 0, sizeof(h));
	h.has_penalizer = st->has_penalizer ? 1 : 0;
	h.penalizer = st->penalizer;
	h.nrows = st->set.used;
	cxm_wire_begin(&w, CXM_FIT_WIRE_HEADER + st->set.used * CXM_FIT_WIRE_ROW);
	cxm_fit_wire_write(&w, &h, &st->set);
	return cxm_wire_bytea(&w);
}

/* checked completely by cxm_fit_wire_check() before anything is read */
static Datum
fit_expand(const char *bytes, size_t len, MemoryContext aggcxt)
{
	const unsigned char *data = (const unsigned char *) bytes;
	CxmFitWireInfo info;
	char		err[256];
	FitState   *st;

	if (cxm_fit_wire_check(data, len, &info, err, sizeof(err)) != CXM_OK)
		cxm_bad_state("model-fit", err);
	st = MemoryContextAllocZero(aggcxt, sizeof(FitState));
	st->alloc = cxm_allocator(aggcxt);
	cxm_summary_set_init_rows(&st->set, &st->alloc, info.nrows);
	st->has_penalizer = info.has_penalizer != 0;
	st->penalizer = info.penalizer;
	if (cxm_fit_wire_decode(data, &info, &st->set, err, sizeof(err)) != CXM_OK)
		cxm_bad_state("model-fit", err);
	return PointerGetDatum(st);
}

static const CxmStateDesc fit_desc = CXM_STATE_DESC("model-fit", fit_flatten, fit_expand);

static CxmSummaryRow *
sorted_rows(FitState *st)
{
	CxmSummaryRow *rows = palloc(sizeof(CxmSummaryRow) * (st->set.used + 1));

	cxm_summary_set_sorted(&st->set, rows);
	return rows;
}

/*
 * The model row (parameters, log_likelihood, n) of a finished fit: an ERROR
 * when no point had a finite likelihood, a WARNING (and the best point) when
 * the fit did not converge.  "who" names the customers in the warning.
 */
static Datum
fit_result(FunctionCallInfo fcinfo, const FitState *st, CxmStatus status,
		   const CxmFitResult *fit, int nparams, const char *const *names, const char *fname,
		   const char *who, const char *hint)
{
	TupleDesc	tupdesc;
	Datum		d[6];
	bool		nulls[6] = {false, false, false, false, false, false};
	int			i;

	if (status == CXM_ENOCONV && fit->param[0] == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s found no finite likelihood for these %lld customers",
						fname, (long long) st->set.total)));
	if (status != CXM_OK)
		ereport(WARNING,
				(errmsg("%s did not converge on %lld %s; returning the best point found",
						fname, (long long) st->set.total, who),
				 fit->edge > 0 ?
				 errdetail("The likelihood keeps rising as %s moves towards %s.",
						   names[fit->edge - 1], fit->param[fit->edge - 1] < 1.0 ? "0" : "infinity") :
				 errdetail("The optimiser stopped after %d iterations with the gradient above its tolerance.",
						   fit->iterations),
				 errhint("%s", hint)));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	for (i = 0; i < nparams; i++)
		d[i] = Float8GetDatum(fit->param[i]);
	d[nparams] = Float8GetDatum(fit->log_likelihood);
	d[nparams + 1] = Int64GetDatum(fit->n);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, d, nulls));
}

typedef CxmStatus (*ChurnFitFn) (const CxmSummaryRow *rows, size_t nrows, double penalizer,
								 CxmFitResult *out);

/* final function of bgnbd_fit, pareto_nbd_fit and mbgnbd_fit */
static Datum
churn_fit_final(FunctionCallInfo fcinfo, ChurnFitFn fitfn, const char *const *names,
				const char *fname)
{
	FitState   *st = PG_ARGISNULL(0) ? NULL : (FitState *) PG_GETARG_POINTER(0);
	CxmSummaryRow *rows;
	CxmFitResult fit;
	CxmStatus	status;

	if (st == NULL || st->set.total == 0)
		PG_RETURN_NULL();
	if (st->set.total < BGNBD_MIN_CUSTOMERS && !(st->penalizer > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs at least %d customers without a penalizer, got %lld",
						fname, BGNBD_MIN_CUSTOMERS, (long long) st->set.total),
				 errhint("Use %s(frequency, recency, t, penalizer) with a penalizer > 0.", fname)));
	rows = sorted_rows(st);
	status = fitfn(rows, st->set.used, st->penalizer, &fit);
	PG_RETURN_DATUM(fit_result(fcinfo, st, status, &fit, 4, names, fname, "customers",
							   "Check the data (too few customers, or no repeat purchases?) or use the penalizer form."));
}

static Datum
bgnbd_fit_final_impl(PG_FUNCTION_ARGS)
{
	return churn_fit_final(fcinfo, cxm_bgnbd_fit, bg_names, "bgnbd_fit");
}

/* cxm_pnbd_fit with its scratch memory in the current (per-call) context */
static CxmStatus
pnbd_fit_here(const CxmSummaryRow *rows, size_t nrows, double penalizer, CxmFitResult *out)
{
	CxmAlloc	alloc = cxm_allocator(CurrentMemoryContext);

	return cxm_pnbd_fit(rows, nrows, penalizer, &alloc, out);
}

static Datum
pnbd_fit_final_impl(PG_FUNCTION_ARGS)
{
	return churn_fit_final(fcinfo, pnbd_fit_here, pnbd_names, "pareto_nbd_fit");
}

static Datum
mbgnbd_fit_final_impl(PG_FUNCTION_ARGS)
{
	return churn_fit_final(fcinfo, cxm_mbgnbd_fit, bg_names, "mbgnbd_fit");
}

static Datum
gg_fit_final_impl(PG_FUNCTION_ARGS)
{
	FitState   *st = PG_ARGISNULL(0) ? NULL : (FitState *) PG_GETARG_POINTER(0);
	CxmSummaryRow *rows;
	CxmFitResult fit;
	CxmStatus	status;

	if (st == NULL || st->set.total == 0)
		PG_RETURN_NULL();
	rows = sorted_rows(st);
	status = cxm_gg_fit(rows, st->set.used, &fit);
	PG_RETURN_DATUM(fit_result(fcinfo, st, status, &fit, 3, gg_names, "gammagamma_fit", "repeat customers",
							   "Too few repeat customers, or spends that do not vary?"));
}

CXM_STATE_TYPE_IO(fit_state, fit_desc);
CXM_STATE_LEGACY(churn_fit_serialize, churn_fit_deserialize, fit_desc);
CXM_STATE_TRANS(bgnbd_fit_accum, bgnbd_fit_accum_impl, fit_desc, 1);
CXM_STATE_TRANS(gg_fit_accum, gg_fit_accum_impl, fit_desc, 1);
CXM_STATE_TRANS(churn_fit_combine, churn_fit_combine_impl, fit_desc, 2);
CXM_STATE_FINAL(bgnbd_fit_final, bgnbd_fit_final_impl, fit_desc);
CXM_STATE_FINAL(pnbd_fit_final, pnbd_fit_final_impl, fit_desc);
CXM_STATE_FINAL(mbgnbd_fit_final, mbgnbd_fit_final_impl, fit_desc);
CXM_STATE_FINAL(gg_fit_final, gg_fit_final_impl, fit_desc);

/*
 * Read the first nparams float8 fields of a model row (bgnbd_model or
 * gammagamma_model) and check they are positive and finite.
 */

static void
check_model_param(const char *what, const char *name, double v)
{
	if (!(v > 0.0) || !isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s parameter %s must be positive and finite, got %g", what, name, v)));
}

static void
read_model(HeapTupleHeader rec, int nparams, const char *const *names, double *out,
		   const char *what)
{
	int			i;

	for (i = 0; i < nparams; i++)
	{
		bool		isnull;
		Datum		d = GetAttributeByNum(rec, i + 1, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s parameter %s must not be NULL", what, names[i])));
		out[i] = DatumGetFloat8(d);
		check_model_param(what, names[i], out[i]);
	}
}

/* the SQL spelling of each model kind: churn_model.model and the type names */
static const char *const kind_names[] = {"bgnbd", "pareto_nbd", "mbgnbd"};
static const char *const kind_types[] = {"bgnbd_model", "pareto_nbd_model", "mbgnbd_model"};

/* argument argno read as the given kind of model row */
static CxmChurnModel
arg_typed_model(FunctionCallInfo fcinfo, int argno, CxmChurnKind kind)
{
	CxmChurnModel m;

	m.kind = kind;
	read_model(PG_GETARG_HEAPTUPLEHEADER(argno), 4,
			   kind == CXM_CHURN_PARETO_NBD ? pnbd_names : bg_names, m.param,
			   kind_types[kind]);
	return m;
}

/*
 * A churn_model row: (model text, params float8[], log_likelihood, n), the
 * model one of kind_names and params its four parameters in the order of
 * that model's own type.
 */
static CxmChurnModel
arg_churn_model(FunctionCallInfo fcinfo, int argno)
{
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(argno);
	CxmChurnModel m;
	bool		isnull;
	Datum		d;
	char	   *name;
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems,
				i;

	d = GetAttributeByNum(rec, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("churn_model model must not be NULL")));
	name = TextDatumGetCString(d);
	for (i = 0; i < 3; i++)
		if (strcmp(name, kind_names[i]) == 0)
			break;
	if (i == 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("churn_model model must be bgnbd, pareto_nbd or mbgnbd, got \"%s\"", name)));
	m.kind = (CxmChurnKind) i;
	d = GetAttributeByNum(rec, 2, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("churn_model params must not be NULL")));
	arr = DatumGetArrayTypeP(d);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("churn_model params must be a one-dimensional array")));
	deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &nelems);
	if (nelems != 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("churn_model params must hold 4 values for %s, got %d", name, nelems)));
	for (i = 0; i < 4; i++)
	{
		const char *pname = (m.kind == CXM_CHURN_PARETO_NBD ? pnbd_names : bg_names)[i];

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("churn_model parameter %s must not be NULL", pname)));
		m.param[i] = DatumGetFloat8(elems[i]);
		check_model_param("churn_model", pname, m.param[i]);
	}
	return m;
}

/* the model of argument 0: kind < 0 means a churn_model row */
static CxmChurnModel
arg_model(FunctionCallInfo fcinfo, int kind)
{
	return kind < 0 ? arg_churn_model(fcinfo, 0) : arg_typed_model(fcinfo, 0, (CxmChurnKind) kind);
}

static CxmGammaGamma
arg_gg(FunctionCallInfo fcinfo, int argno)
{
	double		p[3];
	CxmGammaGamma m;

	read_model(PG_GETARG_HEAPTUPLEHEADER(argno), 3, gg_names, p, "gammagamma_model");
	m.p = p[0];
	m.q = p[1];
	m.v = p[2];
	return m;
}

/* a scoring function's status as an ERROR (SQLSTATE by cxm_status_errcode) */
static void
report_status(CxmStatus st, const char *fname)
{
	int			code = cxm_status_errcode(st, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE);

	switch (st)
	{
		case CXM_OK:
			return;
		case CXM_ERANGE:
			ereport(ERROR,
					(errcode(code),
					 errmsg("%s: result out of range for these inputs", fname)));
			break;
		case CXM_ENOCONV:
			ereport(ERROR,
					(errcode(code),
					 errmsg("%s: the hypergeometric series did not converge for these inputs", fname)));
			break;
		default:
			ereport(ERROR,
					(errcode(code),
					 errmsg("%s: the model is not defined for these inputs", fname)));
	}
}

/* p_alive for (model, frequency, recency, t) arguments */
static double
p_alive_args(FunctionCallInfo fcinfo, int kind)
{
	CxmChurnModel m = arg_model(fcinfo, kind);
	double		x = PG_GETARG_FLOAT8(1),
				tx = PG_GETARG_FLOAT8(2),
				t = PG_GETARG_FLOAT8(3),
				out = 0.0;

	check_bgnbd_row(x, tx, t);
	report_status(cxm_churn_p_alive(&m, x, tx, t, &out), "p_alive");
	return out;
}

/*
 * expected_purchases(model, horizon, frequency, recency, t); with or_null,
 * NULL (*isnull) instead of an ERROR where the model is not defined or its
 * series does not converge for these inputs.
 */
static double
expected_args_ext(FunctionCallInfo fcinfo, int kind, bool or_null, bool *isnull)
{
	CxmChurnModel m = arg_model(fcinfo, kind);
	double		h = PG_GETARG_FLOAT8(1),
				x = PG_GETARG_FLOAT8(2),
				tx = PG_GETARG_FLOAT8(3),
				t = PG_GETARG_FLOAT8(4);
	double		out = 0.0;
	CxmStatus	st;

	if (!(h >= 0.0) || !isfinite(h))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be a finite value >= 0, got %g", h)));
	check_bgnbd_row(x, tx, t);
	st = cxm_churn_expected(&m, h, x, tx, t, &out);
	*isnull = false;
	if (st != CXM_OK && or_null)
		*isnull = true;
	else
		report_status(st, "expected_purchases");
	return out;
}

static double
expected_args(FunctionCallInfo fcinfo, int kind)
{
	bool		isnull;

	return expected_args_ext(fcinfo, kind, false, &isnull);
}

/* churn_holdout's prediction: a model that cannot predict a customer gives NULL */
Datum
churn_model_expected_or_null(PG_FUNCTION_ARGS)
{
	bool		isnull;
	double		v = expected_args_ext(fcinfo, -1, true, &isnull);

	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(v);
}

/* clv(model, gg, frequency, recency, t, monetary, horizon, discount_rate) */
static double
clv_args(FunctionCallInfo fcinfo, int kind)
{
	CxmChurnModel m = arg_model(fcinfo, kind);
	CxmGammaGamma gg = arg_gg(fcinfo, 1);
	double		x = PG_GETARG_FLOAT8(2),
				tx = PG_GETARG_FLOAT8(3),
				t = PG_GETARG_FLOAT8(4),
				mon = PG_GETARG_FLOAT8(5);
	int32		horizon = PG_GETARG_INT32(6);
	double		rate = PG_GETARG_FLOAT8(7);
	double		out = 0.0;

	if (horizon < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be >= 0, got %d", horizon)));
	if (!(rate > -1.0) || !isfinite(rate))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("discount_rate must be finite and > -1, got %g", rate)));
	check_bgnbd_row(x, tx, t);
	check_gg_row(x, mon);
	if (x > 0.0 && gg.p * x + gg.q <= 1.0)
		report_status(CXM_EINVAL, "clv");
	if (x == 0.0 && gg.q <= 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("clv needs q > 1 for a customer without repeat purchases, got q = %g", gg.q)));
	report_status(cxm_churn_clv(&m, &gg, x, tx, t, mon, horizon, rate, &out), "clv");
	return out;
}

/* one SQL entry point per model type (and churn_model, kind -1) and question */
#define CHURN_SCORING(prefix, kind) \
Datum \
prefix##_p_alive(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_FLOAT8(p_alive_args(fcinfo, (kind))); \
} \
Datum \
prefix##_churn_score(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_FLOAT8(1.0 - p_alive_args(fcinfo, (kind))); \
} \
Datum \
prefix##_expected_purchases(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_FLOAT8(expected_args(fcinfo, (kind))); \
}

CHURN_SCORING(bgnbd, CXM_CHURN_BGNBD)
CHURN_SCORING(pnbd, CXM_CHURN_PARETO_NBD)
CHURN_SCORING(mbgnbd, CXM_CHURN_MBGNBD)
CHURN_SCORING(churn_model, -1)

Datum
churn_clv(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(clv_args(fcinfo, CXM_CHURN_BGNBD));
}

Datum
pnbd_clv(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(clv_args(fcinfo, CXM_CHURN_PARETO_NBD));
}

Datum
mbgnbd_clv(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(clv_args(fcinfo, CXM_CHURN_MBGNBD));
}

Datum
churn_model_clv(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(clv_args(fcinfo, -1));
}

Datum
gg_expected_spend(PG_FUNCTION_ARGS)
{
	CxmGammaGamma m = arg_gg(fcinfo, 0);
	double		x = PG_GETARG_FLOAT8(1),
				mon = PG_GETARG_FLOAT8(2);
	double		out = 0.0;
	CxmStatus	st;

	check_gg_row(x, mon);
	st = cxm_gg_expected_spend(&m, x, mon, &out);
	if (st == CXM_ERANGE)
		report_status(st, "expected_spend");
	if (st != CXM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expected_spend needs p * frequency + q > 1 (q = %g, p = %g, frequency %g)",
						m.q, m.p, x)));
	PG_RETURN_FLOAT8(out);
}
