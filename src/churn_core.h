/*
 * churn_core.h
 *	  BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma models: likelihoods,
 *	  maximum-likelihood fits, conditional expectations, CLV and the RFM
 *	  segment map.  Plain C (no postgres.h), unit-tested in
 *	  test/unit/test_churn.c and test/unit/test_churn_models.c.
 */
#ifndef CXM_CHURN_CORE_H
#define CXM_CHURN_CORE_H

#include "cxm_core.h"
#include "wire_core.h"

/*
 * One distinct customer summary with its multiplicity.  BG/NBD uses
 * (x = frequency, tx = recency, t = age); Gamma-Gamma uses (x = frequency,
 * tx = mean repeat spend) and leaves t at 0.
 */
typedef struct CxmSummaryRow
{
	double		x;
	double		tx;
	double		t;
	int64_t		count;
} CxmSummaryRow;

/*
 * A set of distinct summary rows with counts: open addressing on the three
 * doubles.  Aggregates keep their state in one, so memory grows with the
 * number of distinct rows, not the number of customers.
 */
typedef struct CxmSummarySet
{
	CxmAlloc   *alloc;
	CxmSummaryRow *slots;		/* count == 0 marks a free slot */
	size_t		capacity;		/* a power of two */
	size_t		used;			/* distinct rows */
	int64_t		total;			/* sum of counts */
} CxmSummarySet;

extern void cxm_summary_set_init(CxmSummarySet *set, CxmAlloc *alloc);
extern void cxm_summary_set_add(CxmSummarySet *set, double x, double tx, double t,
								int64_t count);
/* the rows in lexicographic (x, tx, t) order, into out[set->used] */
extern void cxm_summary_set_sorted(const CxmSummarySet *set, CxmSummaryRow *out);
/* an empty set with room for nrows distinct rows without growing */
extern void cxm_summary_set_init_rows(CxmSummarySet *set, CxmAlloc *alloc, size_t nrows);

/*
 * Serialized state of bgnbd_fit and gammagamma_fit (written by
 * cxm_fit_wire_write in wire_core.h's byte order):
 *   version (1 byte, CXM_FIT_WIRE_VERSION), penalizer flag (1 byte, 0 or 1),
 *   penalizer (float8: finite, >= 0, and 0 without the flag), number of rows
 *   (int64), then per row x, tx, t (float8) and count (int64 > 0).  The rows
 *   are the distinct entries of the summary set: each is a valid BG/NBD
 *   summary (cxm_bgnbd_row_problem) or a Gamma-Gamma one (x > 0, t = 0,
 *   cxm_gg_row_problem), no row repeats, and the counts add up to at most
 *   INT64_MAX.
 */
#define CXM_FIT_WIRE_VERSION 1
#define CXM_FIT_WIRE_HEADER (1 + 1 + 8 + 8)
#define CXM_FIT_WIRE_ROW (3 * 8 + 8)

typedef struct CxmFitWireInfo
{
	int			has_penalizer;
	double		penalizer;
	size_t		nrows;
	int64_t		total;			/* sum of the counts */
} CxmFitWireInfo;

/*
 * Check a serialized fit state completely, except for repeated rows (which
 * need the hash: cxm_fit_wire_decode finds them).  CXM_EINVAL and a message
 * on a bad one.
 */
extern CxmStatus cxm_fit_wire_check(const unsigned char *buf, size_t len, CxmFitWireInfo *info,
									char *msg, size_t msglen);

/*
 * The rows of a state accepted by cxm_fit_wire_check into a set made with
 * cxm_summary_set_init_rows(set, alloc, info->nrows); CXM_EINVAL and a
 * message when a row repeats an earlier one.
 */
extern CxmStatus cxm_fit_wire_decode(const unsigned char *buf, const CxmFitWireInfo *info,
									 CxmSummarySet *set, char *msg, size_t msglen);

/* write a state: the header from h (nrows is set->used), then the set's rows */
extern void cxm_fit_wire_write(WireWriter *w, const CxmFitWireInfo *h,
							   const CxmSummarySet *set);

/* Special functions */
extern double cxm_digamma(double x);
extern CxmStatus cxm_hyp2f1(double a, double b, double c, double z, double *out);

/* ---- BG/NBD ---- */
typedef struct CxmBgnbd
{
	double		r;
	double		alpha;
	double		a;
	double		b;
} CxmBgnbd;

typedef struct CxmFitResult
{
	double		param[4];
	double		log_likelihood; /* unpenalised */
	int64_t		n;				/* customers (sum of counts) */
	int			iterations;
	int			converged;
	/*
	 * 1 + the index of a parameter along which the likelihood still rises
	 * at the best point (its supremum lies at the edge of the parameter
	 * space: the fit returns CXM_ENOCONV); 0 for an interior optimum
	 */
	int			edge;
} CxmFitResult;

/*
 * Which check a customer summary fails, or NULL when it is valid: negative
 * values, non-integer frequency, recency > t, frequency > 0 with recency 0,
 * non-finite values.
 */
extern const char *cxm_bgnbd_row_problem(double x, double tx, double t);
extern const char *cxm_gg_row_problem(double x, double m);

/*
 * Log-likelihood of the rows under the model; when grad is not NULL, its
 * gradient with respect to (log r, log alpha, log a, log b).
 */
extern double cxm_bgnbd_loglik(const CxmBgnbd *m, const CxmSummaryRow *rows, size_t nrows,
							   double *grad);
extern CxmStatus cxm_bgnbd_fit(const CxmSummaryRow *rows, size_t nrows, double penalizer,
							   CxmFitResult *out);
extern double cxm_bgnbd_p_alive(const CxmBgnbd *m, double x, double tx, double t);
extern CxmStatus cxm_bgnbd_expected(const CxmBgnbd *m, double horizon, double x, double tx,
									double t, double *out);

/* ---- MBG/NBD (Batislam, Denizel and Filiztekin 2007): same parameters ---- */
extern double cxm_mbgnbd_loglik(const CxmBgnbd *m, const CxmSummaryRow *rows, size_t nrows,
								double *grad);
extern CxmStatus cxm_mbgnbd_fit(const CxmSummaryRow *rows, size_t nrows, double penalizer,
								CxmFitResult *out);
extern double cxm_mbgnbd_p_alive(const CxmBgnbd *m, double x, double tx, double t);
extern CxmStatus cxm_mbgnbd_expected(const CxmBgnbd *m, double horizon, double x, double tx,
									 double t, double *out);

/* ---- Pareto/NBD (Schmittlein, Morrison and Colombo 1987) ---- */
typedef struct CxmParetoNbd
{
	double		r;
	double		alpha;
	double		s;
	double		beta;
} CxmParetoNbd;

/*
 * Log-likelihood (gradient in log r, log alpha, log s, log beta), NaN when
 * a row cannot be evaluated; the others return CXM_ENOCONV or CXM_ERANGE
 * for such a row.
 */
extern double cxm_pnbd_loglik(const CxmParetoNbd *m, const CxmSummaryRow *rows, size_t nrows,
							  double *grad);
/* alloc: scratch memory of the fit (the distinct (x, tx) and (x, T) pairs) */
/* the same as the fit evaluates it: F chained over the distinct (x, u) */
extern double cxm_pnbd_loglik_chained(const CxmParetoNbd *m, const CxmSummaryRow *rows,
									  size_t nrows, CxmAlloc *alloc, double *grad);
extern CxmStatus cxm_pnbd_fit(const CxmSummaryRow *rows, size_t nrows, double penalizer,
							  CxmAlloc *alloc, CxmFitResult *out);
extern CxmStatus cxm_pnbd_p_alive(const CxmParetoNbd *m, double x, double tx, double t,
								  double *out);
extern CxmStatus cxm_pnbd_expected(const CxmParetoNbd *m, double horizon, double x, double tx,
								   double t, double *out);

/* ---- any of the three, as the SQL type churn_model carries it ---- */
typedef enum CxmChurnKind
{
	CXM_CHURN_BGNBD,			/* param: r, alpha, a, b */
	CXM_CHURN_PARETO_NBD,		/* param: r, alpha, s, beta */
	CXM_CHURN_MBGNBD			/* param: r, alpha, a, b */
} CxmChurnKind;

typedef struct CxmChurnModel
{
	CxmChurnKind kind;
	double		param[4];
} CxmChurnModel;

extern CxmStatus cxm_churn_p_alive(const CxmChurnModel *m, double x, double tx, double t,
								   double *out);
extern CxmStatus cxm_churn_expected(const CxmChurnModel *m, double horizon, double x, double tx,
									double t, double *out);

/* ---- Gamma-Gamma (rows: x = frequency, tx = mean spend) ---- */
typedef struct CxmGammaGamma
{
	double		p;
	double		q;
	double		v;
} CxmGammaGamma;

extern double cxm_gg_loglik(const CxmGammaGamma *m, const CxmSummaryRow *rows, size_t nrows,
							double *grad);
extern CxmStatus cxm_gg_fit(const CxmSummaryRow *rows, size_t nrows, CxmFitResult *out);
extern CxmStatus cxm_gg_expected_spend(const CxmGammaGamma *m, double x, double mspend,
									   double *out);

extern CxmStatus cxm_clv(const CxmBgnbd *bg, const CxmGammaGamma *gg, double x, double tx,
						 double t, double mspend, int horizon, double discount_rate,
						 double *out);
extern CxmStatus cxm_churn_clv(const CxmChurnModel *m, const CxmGammaGamma *gg, double x,
							   double tx, double t, double mspend, int horizon,
							   double discount_rate, double *out);

/*
 * Minimise f over R^k with BFGS and a backtracking line search.  f returns the
 * objective and fills grad; a non-finite value is treated as +infinity.
 * CXM_ENOCONV (x the last point) after max_iter iterations, or earlier when
 * the objective has stopped moving while the gradient is still large.
 */
typedef double (*CxmObjective) (const double *x, double *grad, void *ctx);
extern CxmStatus cxm_bfgs(CxmObjective f, void *ctx, int k, double *x, double gtol,
						  int max_iter, double *fval, int *iterations);

#endif							/* CXM_CHURN_CORE_H */
