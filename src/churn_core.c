/*
 * churn_core.c
 *	  BG/NBD (Fader, Hardie and Lee 2005), MBG/NBD (Batislam, Denizel and
 *	  Filiztekin 2007), Pareto/NBD (Schmittlein, Morrison and Colombo 1987)
 *	  and Gamma-Gamma (Fader, Hardie and Lee 2005, "RFM and CLV") models.
 *	  No postgres.h: unit-tested alone.
 *
 * Fits are maximum-likelihood estimates on log-parameters with analytic
 * gradients, minimised by BFGS with a backtracking (Armijo) line search.
 * Customers are kept as distinct summary rows with counts; the likelihood
 * terms that depend only on the frequency are computed once per distinct
 * frequency, so one evaluation costs a few logarithms per distinct row.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "churn_core.h"

/* ------------------------------------------------------------------------
 * Summary set
 * ------------------------------------------------------------------------ */

#define SET_MIN_CAPACITY 64

static uint64_t
mix_double(uint64_t h, double v)
{
	uint64_t	bits;

	if (v == 0.0)
		v = 0.0;				/* -0.0 and 0.0 are one key */
	memcpy(&bits, &v, sizeof(bits));
	h ^= bits + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	return h;
}

static uint64_t
row_hash(double x, double tx, double t)
{
	return mix_double(mix_double(mix_double(0x5851f42d4c957f2dULL, x), tx), t);
}

void
cxm_summary_set_init(CxmSummarySet *set, CxmAlloc *alloc)
{
	set->alloc = alloc;
	set->capacity = SET_MIN_CAPACITY;
	set->slots = cxm_alloc(alloc, set->capacity * sizeof(CxmSummaryRow));
	set->used = 0;
	set->total = 0;
}

static void
set_insert_slot(CxmSummaryRow *slots, size_t capacity, double x, double tx, double t,
				int64_t count, size_t *used)
{
	size_t		mask = capacity - 1;
	size_t		i = (size_t) row_hash(x, tx, t) & mask;

	for (;;)
	{
		CxmSummaryRow *s = &slots[i];

		if (s->count == 0)
		{
			s->x = x;
			s->tx = tx;
			s->t = t;
			s->count = count;
			(*used)++;
			return;
		}
		if (s->x == x && s->tx == tx && s->t == t)
		{
			s->count += count;
			return;
		}
		i = (i + 1) & mask;
	}
}

void
cxm_summary_set_add(CxmSummarySet *set, double x, double tx, double t, int64_t count)
{
	if (count <= 0)
		return;
	if ((set->used + 1) * 2 > set->capacity)
	{
		size_t		newcap = set->capacity * 2;
		CxmSummaryRow *newslots = cxm_alloc(set->alloc, newcap * sizeof(CxmSummaryRow));
		size_t		used = 0;
		size_t		i;

		for (i = 0; i < set->capacity; i++)
			if (set->slots[i].count > 0)
				set_insert_slot(newslots, newcap, set->slots[i].x, set->slots[i].tx,
								set->slots[i].t, set->slots[i].count, &used);
		cxm_free(set->alloc, set->slots);
		set->slots = newslots;
		set->capacity = newcap;
	}
	set_insert_slot(set->slots, set->capacity, x, tx, t, count, &set->used);
	set->total += count;
}

static int
row_cmp(const void *pa, const void *pb)
{
	const CxmSummaryRow *a = pa;
	const CxmSummaryRow *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->tx != b->tx)
		return a->tx < b->tx ? -1 : 1;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return 0;
}

void
cxm_summary_set_sorted(const CxmSummarySet *set, CxmSummaryRow *out)
{
	size_t		i,
				n = 0;

	for (i = 0; i < set->capacity; i++)
		if (set->slots[i].count > 0)
			out[n++] = set->slots[i];
	qsort(out, n, sizeof(CxmSummaryRow), row_cmp);
}

void
cxm_summary_set_init_rows(CxmSummarySet *set, CxmAlloc *alloc, size_t nrows)
{
	size_t		capacity = SET_MIN_CAPACITY;

	/* cxm_summary_set_add grows when 2 * (used + 1) > capacity */
	while (capacity / 2 < nrows)
		capacity *= 2;
	set->alloc = alloc;
	set->capacity = capacity;
	set->slots = cxm_alloc(alloc, set->capacity * sizeof(CxmSummaryRow));
	set->used = 0;
	set->total = 0;
}

/* ------------------------------------------------------------------------
 * Serialized fit state
 * ------------------------------------------------------------------------ */

/* why a decoded row is not one the accumulators would have kept, or NULL */
static const char *
fit_row_problem(double x, double tx, double t)
{
	const char *bg = cxm_bgnbd_row_problem(x, tx, t);

	if (bg == NULL)
		return NULL;
	/* a Gamma-Gamma row: x > 0, tx the mean spend, t 0 */
	if (t == 0.0 && x > 0.0 && cxm_gg_row_problem(x, tx) == NULL)
		return NULL;
	if (t == 0.0 && x > 0.0 && tx > 0.0)
		return cxm_gg_row_problem(x, tx);
	return bg;
}

CxmStatus
cxm_fit_wire_check(const unsigned char *buf, size_t len, CxmFitWireInfo *info,
				   char *msg, size_t msglen)
{
	WireReader	r;
	int64_t		n,
				total = 0;
	size_t		i;
	uint8_t		flag;
	double		pen;

	memset(info, 0, sizeof(*info));
	if (!wire_reader_start(&r, buf, len, CXM_FIT_WIRE_HEADER, CXM_FIT_WIRE_VERSION))
		goto bad;
	flag = wire_get_u8(&r);
	if (flag > 1)
	{
		wire_fail(&r, "The penalizer flag %d is neither 0 nor 1.", (int) flag);
		goto bad;
	}
	pen = wire_get_f64(&r);
	if (!(pen >= 0.0) || !isfinite(pen))
	{
		wire_fail(&r, "The penalizer %g is not a finite value >= 0.", pen);
		goto bad;
	}
	if (flag == 0 && pen != 0.0)
	{
		wire_fail(&r, "The state has penalizer %g without the penalizer flag.", pen);
		goto bad;
	}
	n = wire_get_i64(&r);
	if (n < 0 || (uint64_t) n > wire_left(&r) / CXM_FIT_WIRE_ROW ||
		wire_left(&r) != (size_t) n * CXM_FIT_WIRE_ROW)
	{
		wire_fail(&r, "%lld rows do not fit in the %zu bytes after the header.",
				  (long long) n, len - CXM_FIT_WIRE_HEADER);
		goto bad;
	}
	for (i = 0; i < (size_t) n; i++)
	{
		double		x = wire_get_f64(&r),
					tx = wire_get_f64(&r),
					t = wire_get_f64(&r);
		int64_t		count = wire_get_i64(&r);
		const char *problem;

		if (count <= 0)
		{
			wire_fail(&r, "Bad row %lld: count %lld is not positive.",
					  (long long) i, (long long) count);
			goto bad;
		}
		if (count > INT64_MAX - total)
		{
			wire_fail(&r, "Bad row %lld: the counts add up to more than %lld.",
					  (long long) i, (long long) INT64_MAX);
			goto bad;
		}
		total += count;
		problem = fit_row_problem(x, tx, t);
		if (problem != NULL)
		{
			wire_fail(&r, "Bad row %lld (%g, %g, %g): %s.",
					  (long long) i, x, tx, t, problem);
			goto bad;
		}
	}
	info->has_penalizer = flag;
	info->penalizer = pen;
	info->nrows = (size_t) n;
	info->total = total;
	return CXM_OK;

bad:
	return wire_failure(&r, msg, msglen);
}

CxmStatus
cxm_fit_wire_decode(const unsigned char *buf, const CxmFitWireInfo *info,
					CxmSummarySet *set, char *msg, size_t msglen)
{
	WireReader	r;
	size_t		i;

	wire_reader_init(&r, buf, CXM_FIT_WIRE_HEADER + info->nrows * CXM_FIT_WIRE_ROW);
	wire_skip(&r, CXM_FIT_WIRE_HEADER);
	for (i = 0; i < info->nrows; i++)
	{
		double		x = wire_get_f64(&r),
					tx = wire_get_f64(&r),
					t = wire_get_f64(&r);
		int64_t		count = wire_get_i64(&r);
		size_t		used = set->used;

		cxm_summary_set_add(set, x, tx, t, count);
		if (set->used == used)
		{
			snprintf(msg, msglen, "Bad row %lld (%g, %g, %g): it repeats an earlier row.",
					 (long long) i, x, tx, t);
			return CXM_EINVAL;
		}
	}
	return CXM_OK;
}

void
cxm_fit_wire_write(WireWriter *w, const CxmFitWireInfo *h, const CxmSummarySet *set)
{
	size_t		i;

	wire_put_version(w, CXM_FIT_WIRE_VERSION);
	wire_put_u8(w, h->has_penalizer ? 1 : 0);
	wire_put_f64(w, h->penalizer);
	wire_put_i64(w, (int64_t) set->used);
	for (i = 0; i < set->capacity; i++)
	{
		const CxmSummaryRow *row = &set->slots[i];

		if (row->count <= 0)
			continue;
		wire_put_f64(w, row->x);
		wire_put_f64(w, row->tx);
		wire_put_f64(w, row->t);
		wire_put_i64(w, row->count);
	}
}

/* ------------------------------------------------------------------------
 * Special functions
 * ------------------------------------------------------------------------ */

/* digamma for x > 0: recurrence up to 10, then the asymptotic series */
double
cxm_digamma(double x)
{
	double		acc = 0.0;
	double		inv,
				inv2;

	if (!(x > 0.0))
		return NAN;
	while (x < 10.0)
	{
		acc -= 1.0 / x;
		x += 1.0;
	}
	inv = 1.0 / x;
	inv2 = inv * inv;
	return acc + log(x) - 0.5 * inv
		- inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132 - inv2 * 691.0 / 32760)))));
}

#define HYP_MAX_TERMS 2000000

/* the plain Gauss series, for 0 <= z < 1 */
static CxmStatus
hyp2f1_series(double a, double b, double c, double z, double *out)
{
	double		sum = 1.0,
				term = 1.0;
	long		n;

	for (n = 0; n < HYP_MAX_TERMS; n++)
	{
		term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
		sum += term;
		if (!isfinite(sum))
			return CXM_ERANGE;
		if (term == 0.0 || (fabs(term) <= 1e-17 * fabs(sum) && n > 2))
		{
			*out = sum;
			return CXM_OK;
		}
	}
	return CXM_ENOCONV;
}

static int
nonpositive_integer(double v)
{
	return v <= 0.0 && v == floor(v);
}

/* log|Gamma(v)| and its sign; 1/Gamma is 0 at the poles (sign 0) */
static double
lgamma_sign(double v, int *sign)
{
	int			s;
	double		lg;

	if (nonpositive_integer(v))
	{
		*sign = 0;
		return 0.0;
	}
	lg = lgamma_r(v, &s);
	*sign = s;
	return lg;
}

/*
 * Gauss hypergeometric 2F1(a, b; c; z) for real z < 1, c not a non-positive
 * integer.  Negative z is mapped into [0, 1) by Pfaff's transformation; z
 * above 0.75 uses the connection formula in 1 - z, where the series converges
 * quickly, unless c - a - b is (nearly) an integer, where the direct series
 * is summed instead (slowly, but it converges for z < 1).
 */
CxmStatus
cxm_hyp2f1(double a, double b, double c, double z, double *out)
{
	double		d;

	if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(z) || z >= 1.0 ||
		nonpositive_integer(c))
		return CXM_EINVAL;
	if (z == 0.0 || a == 0.0 || b == 0.0)
	{
		*out = 1.0;
		return CXM_OK;
	}
	if (z < 0.0)
	{
		double		w = z / (z - 1.0);
		double		f;
		CxmStatus	st = cxm_hyp2f1(a, c - b, c, w, &f);

		if (st != CXM_OK)
			return st;
		*out = exp(-a * log1p(-z)) * f;
		return isfinite(*out) ? CXM_OK : CXM_ERANGE;
	}
	d = c - a - b;
	if (z > 0.75 && fabs(d - nearbyint(d)) > 1e-6)
	{
		double		f1,
					f2,
					lg,
					t1 = 0.0,
					t2 = 0.0;
		int			s1,
					s2,
					s3,
					s4,
					s5;
		CxmStatus	st;

		st = hyp2f1_series(a, b, a + b - c + 1.0, 1.0 - z, &f1);
		if (st == CXM_OK)
			st = hyp2f1_series(c - a, c - b, d + 1.0, 1.0 - z, &f2);
		if (st != CXM_OK)
			return st;
		/* Gamma(c) Gamma(d) / (Gamma(c-a) Gamma(c-b)) */
		lg = lgamma_sign(c, &s1) + lgamma_sign(d, &s2);
		lg -= lgamma_sign(c - a, &s3) + lgamma_sign(c - b, &s4);
		if (s3 != 0 && s4 != 0)
			t1 = s1 * s2 * s3 * s4 * exp(lg) * f1;
		/* (1-z)^d Gamma(c) Gamma(-d) / (Gamma(a) Gamma(b)) */
		lg = lgamma_sign(c, &s1) + lgamma_sign(-d, &s2) + d * log1p(-z);
		lg -= lgamma_sign(a, &s3) + lgamma_sign(b, &s5);
		if (s3 != 0 && s5 != 0)
			t2 = s1 * s2 * s3 * s5 * exp(lg) * f2;
		*out = t1 + t2;
		return isfinite(*out) ? CXM_OK : CXM_ERANGE;
	}
	return hyp2f1_series(a, b, c, z, out);
}

/* ------------------------------------------------------------------------
 * Input checks
 * ------------------------------------------------------------------------ */

const char *
cxm_bgnbd_row_problem(double x, double tx, double t)
{
	if (!isfinite(x) || !isfinite(tx) || !isfinite(t))
		return "values must be finite";
	if (x < 0.0)
		return "frequency must not be negative";
	if (tx < 0.0)
		return "recency must not be negative";
	if (t < 0.0)
		return "t must not be negative";
	if (x != floor(x))
		return "frequency must be a whole number";
	if (tx > t)
		return "recency must not exceed t";
	if (x > 0.0 && tx == 0.0)
		return "recency must be positive when frequency is positive";
	return NULL;
}

const char *
cxm_gg_row_problem(double x, double m)
{
	if (!isfinite(x) || !isfinite(m))
		return "values must be finite";
	if (x < 0.0)
		return "frequency must not be negative";
	if (x != floor(x))
		return "frequency must be a whole number";
	if (x > 0.0 && m <= 0.0)
		return "monetary value must be positive when frequency is positive";
	return NULL;
}

/* ------------------------------------------------------------------------
 * BG/NBD and MBG/NBD likelihoods
 *
 * For one customer (x, tx, T), BG/NBD:
 *   A1 = lnG(r+x) - lnG(r) + r ln alpha
 *   A2 = lnG(a+b) + lnG(b+x) - lnG(b) - lnG(a+b+x)
 *   A3 = -(r+x) ln(alpha+T)
 *   A4 = ln a - ln(b+x-1) - (r+x) ln(alpha+tx)            (x > 0 only)
 *   LL = A1 + A2 + ln(e^A3 + [x>0] e^A4)
 * MBG/NBD (Batislam, Denizel and Filiztekin 2007) lets a customer drop out
 * right after the first purchase too: b+x+1 and a+b+x+1 in A2, b+x in A4,
 * and the A4 term for every x (tx = 0 when x = 0).
 * ------------------------------------------------------------------------ */

static double
bg_family_loglik(const CxmBgnbd *m, const CxmSummaryRow *rows, size_t nrows, double *grad,
				 int modified)
{
	double		r = m->r,
				al = m->alpha,
				a = m->a,
				b = m->b;
	double		lnal = log(al);
	double		lg_r = lgamma(r),
				lg_b = lgamma(b),
				lg_ab = lgamma(a + b);
	double		dg_r = 0.0,
				dg_b = 0.0,
				dg_ab = 0.0;
	double		ll = 0.0,
				gr = 0.0,
				gal = 0.0,
				ga = 0.0,
				gb = 0.0;
	double		cur_x = -1.0;
	double		c12 = 0.0,
				c4 = 0.0,
				d1r = 0.0,
				d2a = 0.0,
				d2b = 0.0,
				d4b = 0.0;
	size_t		i;

	if (grad)
	{
		dg_r = cxm_digamma(r);
		dg_b = cxm_digamma(b);
		dg_ab = cxm_digamma(a + b);
	}
	for (i = 0; i < nrows; i++)
	{
		const CxmSummaryRow *row = &rows[i];
		double		x = row->x;
		double		w = (double) row->count;
		double		rx = r + x;
		double		lT = log(al + row->t);
		double		A3 = -rx * lT;
		double		L,
					w3,
					w4 = 0.0,
					ltx = 0.0;

		if (x != cur_x)
		{
			/* bx = b+x (BG/NBD) or b+x+1 (MBG/NBD), and b4 = bx - 1 */
			double		bx = b + x + (modified ? 1.0 : 0.0);
			double		b4 = bx - 1.0;

			cur_x = x;
			c12 = lgamma(rx) - lg_r + r * lnal + lg_ab + lgamma(bx) - lg_b - lgamma(a + bx);
			if (x > 0.0 || modified)
				c4 = log(a) - log(b4);
			if (grad)
			{
				double		dg_abx = cxm_digamma(a + bx);

				d1r = cxm_digamma(rx) - dg_r + lnal;
				d2a = dg_ab - dg_abx;
				d2b = dg_ab + cxm_digamma(bx) - dg_b - dg_abx;
				d4b = (x > 0.0 || modified) ? -1.0 / b4 : 0.0;
			}
		}
		if (x > 0.0 || modified)
		{
			double		A4,
						e;

			/* ln(e^A3 + e^A4) and the weights e^A3/(..), e^A4/(..) with one exp */
			ltx = log(al + row->tx);
			A4 = c4 - rx * ltx;
			if (A4 <= A3)
			{
				e = exp(A4 - A3);
				L = A3 + log1p(e);
				w3 = 1.0 / (1.0 + e);
				w4 = e * w3;
			}
			else
			{
				e = exp(A3 - A4);
				L = A4 + log1p(e);
				w4 = 1.0 / (1.0 + e);
				w3 = e * w4;
			}
		}
		else
		{
			L = A3;
			w3 = 1.0;
		}
		ll += w * (c12 + L);
		if (grad)
		{
			gr += w * (d1r - w3 * lT - w4 * ltx);
			gal += w * (r / al - w3 * rx / (al + row->t) - (w4 != 0.0 ? w4 * rx / (al + row->tx) : 0.0));
			ga += w * (d2a + w4 / a);
			gb += w * (d2b + w4 * d4b);
		}
	}
	if (grad)
	{
		/* chain rule to log-parameters */
		grad[0] = gr * r;
		grad[1] = gal * al;
		grad[2] = ga * a;
		grad[3] = gb * b;
	}
	return ll;
}

double
cxm_bgnbd_loglik(const CxmBgnbd *m, const CxmSummaryRow *rows, size_t nrows, double *grad)
{
	return bg_family_loglik(m, rows, nrows, grad, 0);
}

double
cxm_mbgnbd_loglik(const CxmBgnbd *m, const CxmSummaryRow *rows, size_t nrows, double *grad)
{
	return bg_family_loglik(m, rows, nrows, grad, 1);
}

/* ------------------------------------------------------------------------
 * BFGS
 * ------------------------------------------------------------------------ */

#define BFGS_MAX_K 4
#define BFGS_MAX_STEP 4.0		/* largest move of one log-parameter per step */

/*
 * Iterations in a row in which the objective fell by no more than its
 * rounding (1e-14 relative) before a run that is not converged gives up.
 * Such a run is pinned: typically at the box of the log-parameters
 * (LOG_PARAM_LIMIT), where every step that would help leaves the box, so
 * the line search only accepts steps too short to change the objective,
 * and without this stop it spends the rest of max_iter there (a
 * Pareto/NBD start pinned at s = e^-30 took 95 % of a 5 s fit: doc/churn.md,
 * "Performance").  The converging runs of the tests and of the bench data
 * stall for at most 3 iterations before their gradient test passes.
 */
#define BFGS_MAX_STALLED 20

/* H = scale * I */
static void
bfgs_scaled_identity(double H[][BFGS_MAX_K], int k, double scale)
{
	int			i,
				j;

	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
			H[i][j] = (i == j) ? scale : 0.0;
}

static double
bfgs_max_abs(const double *v, int k)
{
	double		m = 0.0;
	int			i;

	for (i = 0; i < k; i++)
		if (fabs(v[i]) > m)
			m = fabs(v[i]);
	return m;
}

/*
 * d = -H g and its slope d.g; when that is no descent direction, H is reset
 * and d is the steepest descent (*fresh set).
 */
static double
bfgs_direction(double H[][BFGS_MAX_K], const double *g, double *d, int k, int *fresh)
{
	double		slope = 0.0;
	int			i,
				j;

	for (i = 0; i < k; i++)
	{
		d[i] = 0.0;
		for (j = 0; j < k; j++)
			d[i] -= H[i][j] * g[j];
		slope += d[i] * g[i];
	}
	if (!(slope < 0.0))
	{
		/* not a descent direction: restart from steepest descent */
		bfgs_scaled_identity(H, k, 1.0);
		for (i = 0; i < k; i++)
			d[i] = -g[i];
		slope = 0.0;
		for (i = 0; i < k; i++)
			slope -= g[i] * g[i];
		*fresh = 1;
	}
	return slope;
}

/*
 * Backtracking along d from x (objective fx, slope along d): the first step
 * with sufficient decrease (Armijo) gives xn, gn and *fn.  False after 60
 * halvings.
 */
static bool
bfgs_line_search(CxmObjective f, void *ctx, int k, const double *x, const double *d,
				 double fx, double slope, double *xn, double *gn, double *fn)
{
	double		step = bfgs_max_abs(d, k);
	int			tries,
				i;

	step = step > BFGS_MAX_STEP ? BFGS_MAX_STEP / step : 1.0;
	for (tries = 0; tries < 60; tries++)
	{
		for (i = 0; i < k; i++)
			xn[i] = x[i] + step * d[i];
		*fn = f(xn, gn, ctx);
		if (isfinite(*fn) && *fn <= fx + 1e-4 * step * slope)
			return true;
		step *= 0.5;
	}
	return false;
}

/* the BFGS update of the inverse Hessian H from step s and gradient change y */
static void
bfgs_update(double H[][BFGS_MAX_K], const double *s, const double *y, int k,
			double sy, double yy, int *fresh)
{
	double		Hy[BFGS_MAX_K],
				yHy = 0.0,
				rho = 1.0 / sy;
	int			i,
				j;

	if (*fresh)
	{
		/* scale the first inverse Hessian guess (Nocedal & Wright 6.20) */
		bfgs_scaled_identity(H, k, sy / yy);
		*fresh = 0;
	}
	for (i = 0; i < k; i++)
	{
		Hy[i] = 0.0;
		for (j = 0; j < k; j++)
			Hy[i] += H[i][j] * y[j];
		yHy += y[i] * Hy[i];
	}
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
			H[i][j] += rho * ((1.0 + rho * yHy) * s[i] * s[j] - Hy[i] * s[j] - s[i] * Hy[j]);
}

CxmStatus
cxm_bfgs(CxmObjective f, void *ctx, int k, double *x, double gtol, int max_iter,
		 double *fval, int *iterations)
{
	double		H[BFGS_MAX_K][BFGS_MAX_K];
	double		g[BFGS_MAX_K],
				gn[BFGS_MAX_K],
				d[BFGS_MAX_K],
				xn[BFGS_MAX_K],
				s[BFGS_MAX_K],
				y[BFGS_MAX_K];
	double		fx,
				fn = 0.0;
	int			it,
				i,
				fresh = 1,
				stalled = 0;
	CxmStatus	status = CXM_ENOCONV;

	if (k < 1 || k > BFGS_MAX_K)
		return CXM_EINVAL;
	fx = f(x, g, ctx);
	if (!isfinite(fx))
		return CXM_EINVAL;
	bfgs_scaled_identity(H, k, 1.0);

	for (it = 0; it < max_iter; it++)
	{
		double		gmax = bfgs_max_abs(g, k),
					slope,
					sy = 0.0,
					yy = 0.0;

		if (gmax <= gtol)
		{
			status = CXM_OK;
			break;
		}
		slope = bfgs_direction(H, g, d, k, &fresh);
		if (!bfgs_line_search(f, ctx, k, x, d, fx, slope, xn, gn, &fn))
		{
			if (!fresh)
			{
				/* retry from steepest descent before giving up */
				bfgs_scaled_identity(H, k, 1.0);
				fresh = 1;
				continue;
			}
			/* no decrease even along the gradient: as flat as rounding allows */
			if (gmax <= sqrt(gtol))
				status = CXM_OK;
			break;
		}
		for (i = 0; i < k; i++)
		{
			s[i] = xn[i] - x[i];
			y[i] = gn[i] - g[i];
			sy += s[i] * y[i];
			yy += y[i] * y[i];
			x[i] = xn[i];
			g[i] = gn[i];
		}
		/*
		 * Near the optimum of a sum over many rows the gradient cannot get
		 * below its rounding noise; stop when the objective no longer moves.
		 */
		if (fx - fn <= 1e-14 * (1.0 + fabs(fx)))
			stalled++;
		else
			stalled = 0;
		fx = fn;
		if (stalled >= 3 && bfgs_max_abs(g, k) <= sqrt(gtol))
		{
			status = CXM_OK;
			it++;
			break;
		}
		if (stalled >= BFGS_MAX_STALLED)
		{
			/* pinned: no step changes the objective any more */
			it++;
			break;
		}
		if (sy > 1e-12 * sqrt(yy) * sqrt(yy > 0 ? yy : 1.0) && sy > 0.0)
			bfgs_update(H, s, y, k, sy, yy, &fresh);
	}
	*fval = fx;
	*iterations = it;
	return status;
}

/* ------------------------------------------------------------------------
 * BG/NBD fit
 * ------------------------------------------------------------------------ */

#define LOG_PARAM_LIMIT 30.0	/* parameters stay within e^-30 .. e^30 */

typedef struct BgnbdObjective
{
	const CxmSummaryRow *rows;
	size_t		nrows;
	double		n;
	double		penalizer;
	int			modified;		/* MBG/NBD */
} BgnbdObjective;

static int
log_params_ok(const double *th, int k)
{
	int			i;

	for (i = 0; i < k; i++)
		if (!isfinite(th[i]) || fabs(th[i]) > LOG_PARAM_LIMIT)
			return 0;
	return 1;
}

/*
 * The minimised objective of the four-parameter churn fits from the
 * log-likelihood ll and its gradient g in the log-parameters at p:
 * -ll/n + penalizer * sum p^2, and its gradient into grad.
 */
static double
penalised_objective(double ll, const double *g, const double *p, double n, double penalizer,
					double *grad)
{
	double		pen = 0.0;
	int			i;

	if (!isfinite(ll))
		return INFINITY;
	for (i = 0; i < 4; i++)
	{
		pen += p[i] * p[i];
		grad[i] = -g[i] / n + 2.0 * penalizer * p[i] * p[i];
	}
	return -ll / n + penalizer * pen;
}

static double
bgnbd_objective(const double *th, double *grad, void *vctx)
{
	BgnbdObjective *ctx = vctx;
	CxmBgnbd	m;
	double		g[4],
				p[4],
				ll;
	int			i;

	if (!log_params_ok(th, 4))
		return INFINITY;
	for (i = 0; i < 4; i++)
		p[i] = exp(th[i]);
	m.r = p[0];
	m.alpha = p[1];
	m.a = p[2];
	m.b = p[3];
	ll = bg_family_loglik(&m, ctx->rows, ctx->nrows, g, ctx->modified);
	return penalised_objective(ll, g, p, ctx->n, ctx->penalizer, grad);
}

/*
 * A "converged" point far out in the log-parameters is a likelihood that
 * keeps rising towards infinity or zero (for example: nobody ever came back),
 * where the gradient merely flattens out.  That is not an optimum.
 */
#define BOUNDARY_LOG 15.0

static int
at_boundary(const double *param, int k)
{
	int			i;

	for (i = 0; i < k; i++)
		if (!(param[i] > 0.0) || fabs(log(param[i])) > BOUNDARY_LOG)
			return i + 1;
	return 0;
}

/*
 * The gradient also flattens out long before the edge when the likelihood
 * creeps towards its supremum there (nobody came back: LL -> 0 as the
 * purchase rate -> 0).  Probe e^+-5 along each log-parameter: an interior
 * optimum is never beaten by such a move; 1 + the parameter's index if one is.
 */
#define EDGE_PROBE 5.0

static int
rises_towards_edge(CxmObjective f, void *ctx, int k, const double *param)
{
	double		th[4],
				g[4],
				f0;
	int			i,
				j,
				sgn;

	for (i = 0; i < k; i++)
		th[i] = log(param[i]);
	f0 = f(th, g, ctx);
	if (!isfinite(f0))
		return 0;
	for (i = 0; i < k; i++)
		for (sgn = -1; sgn <= 1; sgn += 2)
		{
			double		probe[4],
						fp;

			for (j = 0; j < k; j++)
				probe[j] = th[j];
			probe[i] += sgn * EDGE_PROBE;
			fp = f(probe, g, ctx);
			if (isfinite(fp) && fp < f0 - 1e-12 * (1.0 + fabs(f0)))
				return i + 1;
		}
	return 0;
}

/* the best BFGS run so far of a fit's starting points */
typedef struct FitBest
{
	double		f;				/* its objective; INFINITY before any */
	int			converged;
	int			iterations;		/* of every run so far */
} FitBest;

#define FIT_BEST_INIT {INFINITY, 0, 0}

/*
 * Runs from starts[first .. nstarts-1] after those before first (best holds
 * their outcome, so that a fit that falls back on more starts does not
 * repeat the runs it has made), then the best point's checks.
 */
static CxmStatus
fit_multistart(CxmObjective f, void *ctx, int k, const double starts[][4], int first,
			   int nstarts, FitBest *best, CxmFitResult *out)
{
	int			s,
				i;

	for (s = first; s < nstarts; s++)
	{
		double		th[4],
					fv;
		int			iters;
		CxmStatus	st;

		for (i = 0; i < k; i++)
			th[i] = starts[s][i];
		st = cxm_bfgs(f, ctx, k, th, 1e-9, 1000, &fv, &iters);
		best->iterations += iters;
		if (st == CXM_EINVAL)
			continue;
		if (isfinite(fv) && (fv < best->f - 1e-12 ||
							 (st == CXM_OK && !best->converged && fv <= best->f + 1e-12)))
		{
			best->f = fv;
			best->converged = (st == CXM_OK);
			for (i = 0; i < k; i++)
				out->param[i] = exp(th[i]);
		}
	}
	out->iterations = best->iterations;
	out->converged = best->converged;
	if (!isfinite(best->f))
		return CXM_ENOCONV;
	out->edge = at_boundary(out->param, k);
	if (!out->edge)
		out->edge = rises_towards_edge(f, ctx, k, out->param);
	return best->converged && !out->edge ? CXM_OK : CXM_ENOCONV;
}

/* customers (sum of counts) and their mean t (1 when it is 0: a start scale) */
static int64_t
rows_customers(const CxmSummaryRow *rows, size_t nrows, double *mean_t)
{
	int64_t		n = 0;
	double		sum_t = 0.0;
	size_t		i;

	for (i = 0; i < nrows; i++)
	{
		n += rows[i].count;
		sum_t += rows[i].t * (double) rows[i].count;
	}
	*mean_t = n > 0 ? sum_t / (double) n : 1.0;
	if (!(*mean_t > 0.0))
		*mean_t = 1.0;
	return n;
}

static CxmStatus
bg_family_fit(const CxmSummaryRow *rows, size_t nrows, double penalizer, CxmFitResult *out,
			  int modified)
{
	BgnbdObjective ctx;
	CxmBgnbd	m;
	double		mean_t;
	double		starts[4][4];
	FitBest		best = FIT_BEST_INIT;
	CxmStatus	st;
	int64_t		n;

	memset(out, 0, sizeof(*out));
	n = rows_customers(rows, nrows, &mean_t);
	if (n <= 0)
		return CXM_EINVAL;
	ctx.rows = rows;
	ctx.nrows = nrows;
	ctx.n = (double) n;
	ctx.penalizer = penalizer;
	ctx.modified = modified;

	/* log-parameter starting points: neutral, and scaled to the time unit */
	starts[0][0] = 0.0;
	starts[0][1] = 0.0;
	starts[0][2] = 0.0;
	starts[0][3] = 0.0;
	starts[1][0] = log(0.5);
	starts[1][1] = log(mean_t / 4.0);
	starts[1][2] = log(0.5);
	starts[1][3] = log(2.0);
	starts[2][0] = log(2.0);
	starts[2][1] = log(mean_t);
	starts[2][2] = log(2.0);
	starts[2][3] = log(5.0);
	starts[3][0] = log(0.1);
	starts[3][1] = log(mean_t / 20.0);
	starts[3][2] = log(0.2);
	starts[3][3] = log(1.0);

	/*
	 * Two starts; all four only when neither converges (the likelihood is
	 * usually unimodal in the log-parameters).
	 */
	st = fit_multistart(bgnbd_objective, &ctx, 4, (const double (*)[4]) starts, 0, 2, &best, out);
	if (st != CXM_OK)
		st = fit_multistart(bgnbd_objective, &ctx, 4, (const double (*)[4]) starts, 2, 4, &best, out);
	out->n = n;
	if (st == CXM_ENOCONV && out->param[0] == 0.0)
		return st;
	m.r = out->param[0];
	m.alpha = out->param[1];
	m.a = out->param[2];
	m.b = out->param[3];
	out->log_likelihood = bg_family_loglik(&m, rows, nrows, NULL, modified);
	return st;
}

CxmStatus
cxm_bgnbd_fit(const CxmSummaryRow *rows, size_t nrows, double penalizer, CxmFitResult *out)
{
	return bg_family_fit(rows, nrows, penalizer, out, 0);
}

CxmStatus
cxm_mbgnbd_fit(const CxmSummaryRow *rows, size_t nrows, double penalizer, CxmFitResult *out)
{
	return bg_family_fit(rows, nrows, penalizer, out, 1);
}

/*
 * P(alive) = 1 / (1 + a/(b+x-1) ((al+T)/(al+tx))^(r+x)) for BG/NBD (1 when
 * x = 0), and with b+x in place of b+x-1, for every x, for MBG/NBD.
 */
static double
bg_family_p_alive(const CxmBgnbd *m, double x, double tx, double t, int modified)
{
	double		lt;

	if (x <= 0.0 && !modified)
		return 1.0;
	lt = log(m->a) - log(m->b + x - (modified ? 0.0 : 1.0))
		+ (m->r + x) * (log(m->alpha + t) - log(m->alpha + tx));
	if (lt > 0.0)
	{
		double		e = exp(-lt);

		return e / (1.0 + e);
	}
	return 1.0 / (1.0 + exp(lt));
}

double
cxm_bgnbd_p_alive(const CxmBgnbd *m, double x, double tx, double t)
{
	return bg_family_p_alive(m, x, tx, t, 0);
}

double
cxm_mbgnbd_p_alive(const CxmBgnbd *m, double x, double tx, double t)
{
	return bg_family_p_alive(m, x, tx, t, 1);
}

/*
 * E[purchases in (T, T + h] | x, tx, T].  The BG/NBD textbook form is
 *
 *   (a+b+x-1)/(a-1) [1 - ((al+T)/(al+T+h))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)] P(alive)
 *
 * with z = h/(al+T+h).  Pfaff's and Euler's transformations turn the bracket
 * into 1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), whose series does not
 * blow up with large x, and splitting off the n = 0 term removes the 0/0 at
 * a = 1:
 *
 *   bracket/(a-1) = -expm1((a-1) ln(1-z))/(a-1) - (1-z)^(a-1) S,
 *   S = sum_{n>=1} (a+b-1-r)_n (a)_{n-1} z^n / ((a+b+x-1)_n n!)
 *
 * MBG/NBD's (a+b+x)/(a-1) [1 - (..)^(r+x) 2F1(r+x, b+x+1; a+b+x; z)] is the
 * same bracket with b+1 in place of b, times its own P(alive).
 */
static CxmStatus
bg_family_expected_given(const CxmBgnbd *m, double h, double x, double t, int modified,
						 double p_alive, double *out)
{
	double		r = m->r,
				a = m->a,
				b = m->b + (modified ? 1.0 : 0.0);
	double		C = a + b + x - 1.0;
	double		A = a + b - 1.0 - r;
	double		z,
				l1,
				e,
				first,
				S = 0.0,
				Sabs = 0.0,
				term,
				v,
				err;
	long		n;

	if (!(h >= 0.0) || !isfinite(h))
		return CXM_EINVAL;
	if (h == 0.0)
	{
		*out = 0.0;
		return CXM_OK;
	}
	if (!(C > 0.0))
		return CXM_EINVAL;
	z = h / (m->alpha + t + h);
	l1 = log1p(-z);
	e = (a - 1.0) * l1;
	first = (e == 0.0) ? -l1 : -expm1(e) / (a - 1.0);
	term = A * z / C;			/* n = 1: (A)_1 (a)_0 z / ((C)_1 1!) */
	for (n = 1; n < HYP_MAX_TERMS; n++)
	{
		S += term;
		Sabs += fabs(term);
		if (term == 0.0 || (fabs(term) <= 1e-17 * fabs(S) && n > 2))
			break;
		term *= (A + n) * (a + n - 1.0) * z / ((C + n) * (n + 1.0));
	}
	if (n >= HYP_MAX_TERMS)
		return CXM_ENOCONV;
	/*
	 * The bracket is a difference of two nearly equal numbers whenever
	 * (r + x) / C is small, and the series alternates with terms far larger
	 * than its sum when a + b - 1 - r is very negative.  The rounding error
	 * of v is about eps (|first| + e^e sum |term|), and it is multiplied by
	 * C: with a huge b or r that leaves no correct digit and a result of any
	 * sign and size (found by test/fuzz/fuzz_churn.c).  The bound is
	 * pessimistic (typically 100x the real error): report a result whose
	 * bound exceeds 1e-6 of it, or 1e-4 purchases when it is below 100,
	 * instead of returning it.
	 */
	v = first - exp(e) * S;
	err = 8.0 * DBL_EPSILON * (fabs(first) + exp(e) * Sabs) * C;
	*out = C * v * p_alive;
	if (!isfinite(*out) || !isfinite(err) || err * p_alive > 1e-6 * fmax(fabs(*out), 100.0))
		return CXM_ERANGE;
	if (*out < 0.0)
		*out = 0.0;				/* rounding at tiny horizons */
	return CXM_OK;
}

/* the expectation above, P(alive) computed here */
static CxmStatus
bg_family_expected(const CxmBgnbd *m, double h, double x, double tx, double t, int modified,
				   double *out)
{
	return bg_family_expected_given(m, h, x, t, modified, bg_family_p_alive(m, x, tx, t, modified), out);
}

CxmStatus
cxm_bgnbd_expected(const CxmBgnbd *m, double h, double x, double tx, double t, double *out)
{
	return bg_family_expected(m, h, x, tx, t, 0, out);
}

CxmStatus
cxm_mbgnbd_expected(const CxmBgnbd *m, double h, double x, double tx, double t, double *out)
{
	return bg_family_expected(m, h, x, tx, t, 1, out);
}

/* ------------------------------------------------------------------------
 * Pareto/NBD (Schmittlein, Morrison and Colombo 1987)
 *
 * While alive a customer buys at rate lambda ~ Gamma(r, al); the lifetime
 * is exponential with rate mu ~ Gamma(s, be).  For one customer (x, tx, T)
 * (Fader, Hardie and Lee 2005, "A note on implementing the Pareto/NBD
 * model"), with E1 = (al+T)^-(r+x) (be+T)^-s:
 *
 *   L = G(r+x) al^r be^s / G(r) [E1 + s I],
 *   I = int_tx^T (al+y)^-(r+x) (be+y)^-(s+1) dy = F(tx) - F(T),
 *   P(alive) = E1 / (E1 + s I).
 *
 * F(u), the integral from u to infinity, is the note's hypergeometric term:
 * with M = max(al, be), m = min(al, be), A = r+s+x, b the exponent of the
 * factor with the smaller offset (s+1 when al >= be, r+x otherwise) and
 * P = A+1-b the other one,
 *
 *   F(u) = (M+u)^-A 2F1(A, b; A+1; z) / A,   z = (M-m)/(M+u) in [0, 1).
 *
 * Picking the branch by the order of al and be keeps z in [0, 1) (the
 * note's two cases).  Euler's transformation 2F1(A, b; A+1; z) =
 * (1-z)^(1-b) 2F1(1, P; A+1; z) with 1-z = (m+u)/(M+u) gives
 *
 *   F(u) = (M+u)^-P (m+u)^(1-b) K / A,   K = sum_n (P)_n z^n / (A+1)_n,
 *
 * whose terms are all positive and shrink by at least z each: K is summed
 * without cancellation for every order of al and be, and the prefactor is
 * a product of powers, kept in logarithms so that a large T neither
 * overflows nor underflows.  ln I = ln F(tx) + ln(1 - F(T)/F(tx)).  The
 * derivatives of ln K in P, A and z are summed term by term in the same
 * loop, which gives the analytic gradient.
 * ------------------------------------------------------------------------ */

/* z within 1e-3 of 1 needs ~40,000 terms; further out the row is refused */
#define PNBD_MAX_TERMS 60000

typedef struct PnbdLogF
{
	double		lf;				/* ln F(u) */
	double		d[4];			/* its derivatives in r, al, s, be */
} PnbdLogF;

static CxmStatus
pnbd_log_f(const CxmParetoNbd *mod, double x, double u, int want_grad, PnbdLogF *out)
{
	double		r = mod->r,
				s = mod->s;
	int			al_big = mod->alpha >= mod->beta;
	double		M = al_big ? mod->alpha : mod->beta;
	double		m = al_big ? mod->beta : mod->alpha;
	double		P = al_big ? r + x : s + 1.0;
	double		b = al_big ? s + 1.0 : r + x;
	double		A = r + s + x;
	double		c = A + 1.0;
	double		Mu = M + u,
				mu = m + u;
	double		z = (M - m) / Mu;
	double		one_z = mu / Mu;
	double		K = 1.0,
				k = 1.0,
				KP = 0.0,
				Kc = 0.0,
				Kz = 0.0,
				sP = 0.0,
				sc = 0.0;
	long		n;

	/*
	 * Out of the series' reach: term n is z^n (P)_n / (c)_n (P < c, so the
	 * terms fall) and K (1 - z) <= 1, so the loop below stops only at a term
	 * under 1e-17.  When even the last term it may sum is far above that, it
	 * would sum all PNBD_MAX_TERMS terms and refuse: refuse at once (the
	 * callers integrate instead; one-time buyers under a fit with
	 * min(al, be) near 0 took 60,000 terms each).
	 */
	if (z > 0.999 &&
		PNBD_MAX_TERMS * log(z) + lgamma(P + PNBD_MAX_TERMS) - lgamma(P) + lgamma(c)
		- lgamma(c + PNBD_MAX_TERMS) > log(1e-14))
		return CXM_ENOCONV;
	for (n = 0;; n++)
	{
		double		inv_c = 1.0 / (c + n),
					pc = (P + n) * inv_c;

		if (n >= PNBD_MAX_TERMS)
			return CXM_ENOCONV;
		if (want_grad)
		{
			/* d k_{n+1} / dz = (n+1) k_{n+1} / z, written without z */
			Kz += (n + 1.0) * k * pc;
			sP += 1.0 / (P + n);
			sc += inv_c;
		}
		k *= pc * z;
		K += k;
		if (want_grad)
		{
			KP += k * sP;
			Kc += k * sc;
		}
		/* the rest is below k z / (1 - z) */
		if (k <= 1e-17 * K * one_z)
			break;
	}
	out->lf = -P * log(Mu) + (1.0 - b) * log(mu) + log(K) - log(A);
	if (!isfinite(out->lf))
		return CXM_ERANGE;
	if (want_grad)
	{
		/* A = P + b - 1 and the series' c = A + 1 move with P and with b */
		double		dP = -log(Mu) + (KP - Kc) / K - 1.0 / A;
		double		db = -log(mu) - Kc / K - 1.0 / A;
		double		dM = -P / Mu + Kz / K * mu / (Mu * Mu);
		double		dm = (1.0 - b) / mu - Kz / K / Mu;

		out->d[0] = al_big ? dP : db;
		out->d[1] = al_big ? dM : dm;
		out->d[2] = al_big ? db : dP;
		out->d[3] = al_big ? dm : dM;
	}
	return CXM_OK;
}

static CxmStatus pnbd_step_integral(const CxmParetoNbd *mod, double x, double lo, double hi,
									int want_grad, PnbdLogF *out);

/*
 * ln(E1 + s I) of one row, its gradient in (r, al, s, be) when grad is not
 * NULL, and P(alive) = E1 / (E1 + s I).  ftx and ft, when not NULL, are
 * F(tx) and F(T) already computed for this x.  Where the series cannot
 * reach F (z too close to 1), I is integrated from tx to T directly.  ls is
 * ln s (the same for every row of a likelihood).
 */
static CxmStatus
pnbd_row(const CxmParetoNbd *mod, double ls, double x, double tx, double t, const PnbdLogF *ftx,
		 const PnbdLogF *ft, double *lsum, double *grad, double *p_alive)
{
	double		r = mod->r,
				al = mod->alpha,
				s = mod->s,
				be = mod->beta;
	double		lat = log(al + t),
				lbt = log(be + t);
	double		lE1 = -(r + x) * lat - s * lbt;
	double		lsI = -INFINITY,
				dI[4] = {0.0, 0.0, 0.0, 0.0},
				w1 = 1.0,
				w2 = 0.0;
	int			i;

	if (tx < t)
	{
		PnbdLogF	ftx_own,
					ft_own;
		CxmStatus	st = CXM_OK;
		double		delta;

		if (ftx == NULL)
		{
			st = pnbd_log_f(mod, x, tx, grad != NULL, &ftx_own);
			ftx = &ftx_own;
		}
		if (ft == NULL && st == CXM_OK)
		{
			st = pnbd_log_f(mod, x, t, grad != NULL, &ft_own);
			ft = &ft_own;
		}
		if (st == CXM_ENOCONV)
		{
			PnbdLogF	direct;

			st = pnbd_step_integral(mod, x, tx, t, grad != NULL, &direct);
			if (st != CXM_OK)
				return st;
			lsI = ls + direct.lf;
			if (grad)
				for (i = 0; i < 4; i++)
					dI[i] = direct.d[i];
			delta = 0.0;		/* done */
		}
		else if (st != CXM_OK)
			return st;
		else
			delta = ft->lf - ftx->lf;
		if (delta < 0.0)
		{
			/* ln(1 - e^delta), accurate on both sides of -ln 2 */
			double		e = exp(delta);
			double		l1m = delta > -0.6931471805599453 ? log(-expm1(delta)) : log1p(-e);

			lsI = ls + ftx->lf + l1m;
			if (grad)
				for (i = 0; i < 4; i++)
					dI[i] = (ftx->d[i] - e * ft->d[i]) / (1.0 - e);
		}
	}
	/* log-sum-exp of ln E1 and ln(s I), and their weights */
	if (lsI == -INFINITY)
		*lsum = lE1;
	else if (lsI <= lE1)
	{
		double		e = exp(lsI - lE1);

		*lsum = lE1 + log1p(e);
		w1 = 1.0 / (1.0 + e);
		w2 = e * w1;
	}
	else
	{
		double		e = exp(lE1 - lsI);

		*lsum = lsI + log1p(e);
		w2 = 1.0 / (1.0 + e);
		w1 = e * w2;
	}
	if (p_alive)
		*p_alive = w1;
	if (grad)
	{
		grad[0] = -w1 * lat + w2 * dI[0];
		grad[1] = -w1 * (r + x) / (al + t) + w2 * dI[1];
		grad[2] = -w1 * lbt + w2 * (dI[2] + 1.0 / s);
		grad[3] = -w1 * s / (be + t) + w2 * dI[3];
	}
	return isfinite(*lsum) ? CXM_OK : CXM_ERANGE;
}

/*
 * The fit's evaluations of F.  The distinct (x, u) of a fit's rows, u = tx
 * and u = T, are found once per fit, sorted by x and u.  Per x, F at the
 * largest u comes from the series (where z is smallest), and every smaller
 * u adds the integral from u to the next one:
 *
 *   F(u_j) = F(u_j+1) + int_{u_j}^{u_j+1} (al+y)^-(r+x) (be+y)^-(s+1) dy,
 *
 * a sum of positive terms, in logarithms.  The integral is taken in
 * v = ln(m + y), over panels short enough that the integrand changes by at
 * most a factor e on each (v spans at most 1 and (r+s+x+1) dv <= 1), with
 * 6-point Gauss-Legendre: its error there is below 1e-15 of the panel's
 * value.  Its gradient is the same rule on the integrand's derivatives
 * (the bounds do not depend on the parameters).  Neighbouring u are close
 * (recency and T take few distinct values per frequency), so most steps
 * are one panel: 6 integrand values instead of one series of ~100 terms.
 */
typedef struct PnbdPairs
{
	size_t		n;				/* distinct (x, u) */
	double	   *px;
	double	   *pu;
	size_t	   *row_tx;			/* per row: the pairs of its tx and its T */
	size_t	   *row_t;
	PnbdLogF   *f;				/* F of each pair, per evaluation */
} PnbdPairs;

typedef struct PnbdKey
{
	double		x;
	double		u;
	size_t		slot;			/* 2 * row (tx) or 2 * row + 1 (T) */
} PnbdKey;

static int
pnbd_key_cmp(const void *pa, const void *pb)
{
	const PnbdKey *a = pa,
			   *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->u != b->u)
		return a->u < b->u ? -1 : 1;
	return a->slot < b->slot ? -1 : (a->slot > b->slot);
}

static void
pnbd_pairs_init(PnbdPairs *pp, const CxmSummaryRow *rows, size_t nrows, CxmAlloc *alloc)
{
	PnbdKey    *keys = cxm_alloc(alloc, (2 * nrows + 1) * sizeof(PnbdKey));
	size_t		i,
				nk = 0;

	pp->row_tx = cxm_alloc(alloc, (nrows + 1) * sizeof(size_t));
	pp->row_t = cxm_alloc(alloc, (nrows + 1) * sizeof(size_t));
	/* F is needed only where tx < T */
	for (i = 0; i < nrows; i++)
		if (rows[i].tx < rows[i].t)
		{
			keys[nk].x = rows[i].x;
			keys[nk].u = rows[i].tx;
			keys[nk].slot = 2 * i;
			nk++;
			keys[nk].x = rows[i].x;
			keys[nk].u = rows[i].t;
			keys[nk].slot = 2 * i + 1;
			nk++;
		}
	qsort(keys, nk, sizeof(PnbdKey), pnbd_key_cmp);
	pp->px = cxm_alloc(alloc, (nk + 1) * sizeof(double));
	pp->pu = cxm_alloc(alloc, (nk + 1) * sizeof(double));
	pp->n = 0;
	for (i = 0; i < nk; i++)
	{
		if (pp->n == 0 || keys[i].x != pp->px[pp->n - 1] || keys[i].u != pp->pu[pp->n - 1])
		{
			pp->px[pp->n] = keys[i].x;
			pp->pu[pp->n] = keys[i].u;
			pp->n++;
		}
		if (keys[i].slot % 2 == 0)
			pp->row_tx[keys[i].slot / 2] = pp->n - 1;
		else
			pp->row_t[keys[i].slot / 2] = pp->n - 1;
	}
	cxm_free(alloc, keys);
	pp->f = cxm_alloc(alloc, (pp->n + 1) * sizeof(PnbdLogF));
}

static void
pnbd_pairs_free(PnbdPairs *pp, CxmAlloc *alloc)
{
	cxm_free(alloc, pp->px);
	cxm_free(alloc, pp->pu);
	cxm_free(alloc, pp->row_tx);
	cxm_free(alloc, pp->row_t);
	cxm_free(alloc, pp->f);
}

/* 6-point Gauss-Legendre nodes and weights on [-1, 1] */
static const double gl6_x[6] = {
	-0.93246951420315202781, -0.66120938646626451366, -0.23861918608319690863,
	0.23861918608319690863, 0.66120938646626451366, 0.93246951420315202781
};
static const double gl6_w[6] = {
	0.17132449237917034504, 0.36076157304813860757, 0.46791393457269104739,
	0.46791393457269104739, 0.36076157304813860757, 0.17132449237917034504
};

/* more panels than this: refused (r+s+x times ln((m+hi)/(m+lo)) beyond it) */
#define PNBD_MAX_PANELS 100000

/*
 * ln of int_lo^hi (al+y)^-(r+x) (be+y)^-(s+1) dy into out->lf, and its
 * derivatives in (r, al, s, be) into out->d when want_grad.
 */
static CxmStatus
pnbd_step_integral(const CxmParetoNbd *mod, double x, double lo, double hi, int want_grad,
				   PnbdLogF *out)
{
	double		al = mod->alpha,
				be = mod->beta;
	double		p = mod->r + x,
				q = mod->s + 1.0;
	int			al_min = al <= be;
	double		m = al_min ? al : be;
	double		v_lo = log(m + lo),
				v_hi = log(m + hi);
	double		span = v_hi - v_lo;
	double		per = fmax(p + q, 1.0) * span;
	int			npan;
	double		h,
				lh,
				lw[6];
	double		mx = -INFINITY,
				S = 0.0,
				D[4] = {0.0, 0.0, 0.0, 0.0};
	int			j,
				k,
				i;

	if (!(per <= PNBD_MAX_PANELS))
		return CXM_ENOCONV;
	npan = per > 1.0 ? (int) ceil(per) : 1;
	h = span / npan;
	lh = log(0.5 * h);
	for (k = 0; k < 6; k++)
		lw[k] = lh + log(gl6_w[k]);
	for (j = 0; j < npan; j++)
	{
		double		va = v_lo + j * h;

		for (k = 0; k < 6; k++)
		{
			double		v = va + 0.5 * h * (1.0 + gl6_x[k]);
			double		e = exp(v);
			/* al + y and be + y with y = e - m: one of them is e itself */
			double		ay = al_min ? e : al - m + e,
						by = al_min ? be - m + e : e;
			double		la = al_min ? v : log(ay),
						lb = al_min ? log(by) : v;
			/* the integrand times dy/dv = e and the weight */
			double		lf = v - p * la - q * lb + lw[k];
			double		w;

			if (lf > mx)
			{
				double		sc = exp(mx - lf);

				S *= sc;
				for (i = 0; i < 4; i++)
					D[i] *= sc;
				mx = lf;
			}
			w = exp(lf - mx);
			S += w;
			if (want_grad)
			{
				D[0] -= w * la;
				D[1] -= w * p / ay;
				D[2] -= w * lb;
				D[3] -= w * q / by;
			}
		}
	}
	out->lf = mx + log(S);
	if (want_grad)
		for (i = 0; i < 4; i++)
			out->d[i] = D[i] / S;
	return isfinite(out->lf) ? CXM_OK : CXM_ERANGE;
}

/* ln(a + b) of two PnbdLogF terms, with the derivatives */
static void
pnbd_log_add(const PnbdLogF *a, const PnbdLogF *b, int want_grad, PnbdLogF *out)
{
	double		e,
				wa,
				wb;
	int			i;

	if (b->lf <= a->lf)
	{
		e = exp(b->lf - a->lf);
		out->lf = a->lf + log1p(e);
		wa = 1.0 / (1.0 + e);
		wb = e * wa;
	}
	else
	{
		e = exp(a->lf - b->lf);
		out->lf = b->lf + log1p(e);
		wb = 1.0 / (1.0 + e);
		wa = e * wb;
	}
	if (want_grad)
		for (i = 0; i < 4; i++)
			out->d[i] = wa * a->d[i] + wb * b->d[i];
}

/*
 * F(u) from the series where z(u) <= 1/2, else from the series at the u
 * where z = 1/2 (u = M - 2m) plus the integral down to u: the series never
 * needs more than ~60 terms.
 */
static CxmStatus
pnbd_anchor(const CxmParetoNbd *mod, double x, double u, int want_grad, PnbdLogF *out)
{
	double		M = fmax(mod->alpha, mod->beta),
				m = fmin(mod->alpha, mod->beta);
	double		ua = M - 2.0 * m;
	PnbdLogF	far,
				step;
	CxmStatus	st;

	if (!(ua > u))
		return pnbd_log_f(mod, x, u, want_grad, out);
	st = pnbd_log_f(mod, x, ua, want_grad, &far);
	if (st == CXM_OK)
		st = pnbd_step_integral(mod, x, u, ua, want_grad, &step);
	if (st != CXM_OK)
		return st;
	pnbd_log_add(&far, &step, want_grad, out);
	return CXM_OK;
}

/* F at every pair: the series at each frequency's largest u, then steps down */
static CxmStatus
pnbd_pairs_eval(const CxmParetoNbd *mod, PnbdPairs *pp, int want_grad)
{
	size_t		end = pp->n;

	while (end > 0)
	{
		size_t		first = end - 1,
					j;
		double		x = pp->px[end - 1];
		CxmStatus	st;

		while (first > 0 && pp->px[first - 1] == x)
			first--;
		st = pnbd_anchor(mod, x, pp->pu[end - 1], want_grad, &pp->f[end - 1]);
		if (st != CXM_OK)
			return st;
		for (j = end - 1; j > first; j--)
		{
			PnbdLogF	step;

			st = pnbd_step_integral(mod, x, pp->pu[j - 1], pp->pu[j], want_grad, &step);
			if (st != CXM_OK)
				return st;
			pnbd_log_add(&pp->f[j], &step, want_grad, &pp->f[j - 1]);
		}
		end = first;
	}
	return CXM_OK;
}

/*
 * Log-likelihood of the rows (gradient in the log-parameters when grad is
 * not NULL); NaN when a row cannot be evaluated (z too close to 1:
 * min(al, be) + tx below about 1e-3 of max(al, be)).  With pp, F comes
 * from the pairs (pnbd_pairs_eval); without, from the series: F(tx) shared
 * by consecutive rows with the same (x, tx) (the rows are sorted), F(T)
 * per row.
 */
static double
pnbd_loglik(const CxmParetoNbd *m, const CxmSummaryRow *rows, size_t nrows, PnbdPairs *pp,
			double *grad)
{
	double		r = m->r,
				al = m->alpha,
				s = m->s,
				be = m->beta;
	double		lg_r = lgamma(r),
				dg_r = grad ? cxm_digamma(r) : 0.0;
	double		lal = log(al),
				lbe = log(be),
				ls = log(s);
	double		lconst = r * lal + s * lbe - lg_r;
	double		ll = 0.0,
				g[4] = {0.0, 0.0, 0.0, 0.0};
	double		cur_x = -1.0,
				cur_tx = -1.0,
				lg_rx = 0.0,
				dg_rx = 0.0;
	PnbdLogF	ftx;
	int			have_ftx = 0;
	size_t		i;
	int			k;

	if (pp && pnbd_pairs_eval(m, pp, grad != NULL) != CXM_OK)
		return NAN;
	for (i = 0; i < nrows; i++)
	{
		const CxmSummaryRow *row = &rows[i];
		const PnbdLogF *pftx = NULL,
				   *pft = NULL;
		double		w = (double) row->count,
					lsum,
					rg[4];

		if (row->x != cur_x)
		{
			cur_x = row->x;
			lg_rx = lgamma(r + cur_x);
			if (grad)
				dg_rx = cxm_digamma(r + cur_x);
			have_ftx = 0;
		}
		if (row->tx < row->t && pp)
		{
			pftx = &pp->f[pp->row_tx[i]];
			pft = &pp->f[pp->row_t[i]];
		}
		else if (row->tx < row->t)
		{
			if (!have_ftx || row->tx != cur_tx)
			{
				cur_tx = row->tx;
				/* beyond the series: pnbd_row integrates I itself */
				have_ftx = pnbd_log_f(m, cur_x, cur_tx, grad != NULL, &ftx) == CXM_OK;
			}
			pftx = have_ftx ? &ftx : NULL;
		}
		if (pnbd_row(m, ls, row->x, row->tx, row->t, pftx, pft, &lsum, grad ? rg : NULL, NULL) != CXM_OK)
			return NAN;
		ll += w * (lg_rx + lconst + lsum);
		if (grad)
		{
			g[0] += w * (dg_rx - dg_r + lal + rg[0]);
			g[1] += w * (r / al + rg[1]);
			g[2] += w * (lbe + rg[2]);
			g[3] += w * (s / be + rg[3]);
		}
	}
	if (grad)
	{
		grad[0] = g[0] * r;
		grad[1] = g[1] * al;
		grad[2] = g[2] * s;
		grad[3] = g[3] * be;
		for (k = 0; k < 4; k++)
			if (!isfinite(grad[k]))
				return NAN;
	}
	return ll;
}

double
cxm_pnbd_loglik(const CxmParetoNbd *m, const CxmSummaryRow *rows, size_t nrows, double *grad)
{
	return pnbd_loglik(m, rows, nrows, NULL, grad);
}

double
cxm_pnbd_loglik_chained(const CxmParetoNbd *m, const CxmSummaryRow *rows, size_t nrows,
						CxmAlloc *alloc, double *grad)
{
	PnbdPairs	pp;
	double		ll;

	pnbd_pairs_init(&pp, rows, nrows, alloc);
	ll = pnbd_loglik(m, rows, nrows, &pp, grad);
	pnbd_pairs_free(&pp, alloc);
	return ll;
}

typedef struct PnbdObjective
{
	const CxmSummaryRow *rows;
	size_t		nrows;
	double		n;
	double		penalizer;
	PnbdPairs	pairs;
} PnbdObjective;

static double
pnbd_objective(const double *th, double *grad, void *vctx)
{
	PnbdObjective *ctx = vctx;
	CxmParetoNbd m;
	double		g[4],
				p[4],
				ll;
	int			i;

	if (!log_params_ok(th, 4))
		return INFINITY;
	for (i = 0; i < 4; i++)
		p[i] = exp(th[i]);
	m.r = p[0];
	m.alpha = p[1];
	m.s = p[2];
	m.beta = p[3];
	ll = pnbd_loglik(&m, ctx->rows, ctx->nrows, &ctx->pairs, g);
	return penalised_objective(ll, g, p, ctx->n, ctx->penalizer, grad);
}

CxmStatus
cxm_pnbd_fit(const CxmSummaryRow *rows, size_t nrows, double penalizer, CxmAlloc *alloc,
			 CxmFitResult *out)
{
	PnbdObjective ctx;
	CxmParetoNbd m;
	double		mean_t;
	double		starts[4][4];
	FitBest		best = FIT_BEST_INIT;
	CxmStatus	st;
	int64_t		n;

	memset(out, 0, sizeof(*out));
	n = rows_customers(rows, nrows, &mean_t);
	if (n <= 0)
		return CXM_EINVAL;
	ctx.rows = rows;
	ctx.nrows = nrows;
	ctx.n = (double) n;
	ctx.penalizer = penalizer;
	pnbd_pairs_init(&ctx.pairs, rows, nrows, alloc);

	/* (r, al, s, be): scaled to the time unit first, then neutral */
	starts[0][0] = log(0.5);
	starts[0][1] = log(mean_t / 4.0);
	starts[0][2] = log(0.5);
	starts[0][3] = log(mean_t / 4.0);
	starts[1][0] = 0.0;
	starts[1][1] = 0.0;
	starts[1][2] = 0.0;
	starts[1][3] = 0.0;
	starts[2][0] = log(2.0);
	starts[2][1] = log(mean_t);
	starts[2][2] = log(2.0);
	starts[2][3] = log(mean_t * 2.0);
	starts[3][0] = log(0.1);
	starts[3][1] = log(mean_t / 20.0);
	starts[3][2] = log(0.2);
	starts[3][3] = log(mean_t / 2.0);

	/* one start; all four only when it does not converge */
	st = fit_multistart(pnbd_objective, &ctx, 4, (const double (*)[4]) starts, 0, 1, &best, out);
	if (st != CXM_OK)
		st = fit_multistart(pnbd_objective, &ctx, 4, (const double (*)[4]) starts, 1, 4, &best, out);
	pnbd_pairs_free(&ctx.pairs, alloc);
	out->n = n;
	if (st == CXM_ENOCONV && out->param[0] == 0.0)
		return st;
	m.r = out->param[0];
	m.alpha = out->param[1];
	m.s = out->param[2];
	m.beta = out->param[3];
	out->log_likelihood = cxm_pnbd_loglik(&m, rows, nrows, NULL);
	if (!isfinite(out->log_likelihood))
		return CXM_ENOCONV;
	return st;
}

CxmStatus
cxm_pnbd_p_alive(const CxmParetoNbd *m, double x, double tx, double t, double *out)
{
	double		lsum;

	return pnbd_row(m, log(m->s), x, tx, t, NULL, NULL, &lsum, NULL, out);
}

/*
 * E[purchases in (T, T + h] | x, tx, T]
 *   = (r+x)(be+T) / ((al+T)(s-1)) [1 - ((be+T)/(be+T+h))^(s-1)] P(alive),
 * the bracket over (s-1) as -expm1((s-1) g)/(s-1), g = ln((be+T)/(be+T+h)):
 * no 0/0 at s = 1, where it is -g.
 */
static CxmStatus
pnbd_expected_given(const CxmParetoNbd *m, double h, double x, double t, double pa, double *out)
{
	double		g,
				e,
				br;

	g = -log1p(h / (m->beta + t));
	e = (m->s - 1.0) * g;
	br = (e == 0.0) ? -g : -expm1(e) / (m->s - 1.0);
	*out = (m->r + x) * (m->beta + t) / (m->alpha + t) * br * pa;
	return isfinite(*out) ? CXM_OK : CXM_ERANGE;
}

CxmStatus
cxm_pnbd_expected(const CxmParetoNbd *m, double h, double x, double tx, double t, double *out)
{
	double		pa;
	CxmStatus	st;

	if (!(h >= 0.0) || !isfinite(h))
		return CXM_EINVAL;
	if (h == 0.0)
	{
		*out = 0.0;
		return CXM_OK;
	}
	st = cxm_pnbd_p_alive(m, x, tx, t, &pa);
	if (st != CXM_OK)
		return st;
	return pnbd_expected_given(m, h, x, t, pa, out);
}

/* ------------------------------------------------------------------------
 * Any of the three churn models
 * ------------------------------------------------------------------------ */

static void
churn_as_bg(const CxmChurnModel *m, CxmBgnbd *bg)
{
	bg->r = m->param[0];
	bg->alpha = m->param[1];
	bg->a = m->param[2];
	bg->b = m->param[3];
}

static void
churn_as_pnbd(const CxmChurnModel *m, CxmParetoNbd *pn)
{
	pn->r = m->param[0];
	pn->alpha = m->param[1];
	pn->s = m->param[2];
	pn->beta = m->param[3];
}

CxmStatus
cxm_churn_p_alive(const CxmChurnModel *m, double x, double tx, double t, double *out)
{
	CxmBgnbd	bg;
	CxmParetoNbd pn;

	switch (m->kind)
	{
		case CXM_CHURN_BGNBD:
		case CXM_CHURN_MBGNBD:
			churn_as_bg(m, &bg);
			*out = bg_family_p_alive(&bg, x, tx, t, m->kind == CXM_CHURN_MBGNBD);
			return CXM_OK;
		case CXM_CHURN_PARETO_NBD:
			churn_as_pnbd(m, &pn);
			return cxm_pnbd_p_alive(&pn, x, tx, t, out);
	}
	return CXM_EINVAL;
}

CxmStatus
cxm_churn_expected(const CxmChurnModel *m, double h, double x, double tx, double t, double *out)
{
	CxmBgnbd	bg;
	CxmParetoNbd pn;

	switch (m->kind)
	{
		case CXM_CHURN_BGNBD:
		case CXM_CHURN_MBGNBD:
			churn_as_bg(m, &bg);
			return bg_family_expected(&bg, h, x, tx, t, m->kind == CXM_CHURN_MBGNBD, out);
		case CXM_CHURN_PARETO_NBD:
			churn_as_pnbd(m, &pn);
			return cxm_pnbd_expected(&pn, h, x, tx, t, out);
	}
	return CXM_EINVAL;
}

/* ------------------------------------------------------------------------
 * Gamma-Gamma
 *
 * Per repeat customer with x transactions of mean value m:
 *   LL = lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln m + px ln x
 *        - (px+q) ln(xm+v)
 * ------------------------------------------------------------------------ */

double
cxm_gg_loglik(const CxmGammaGamma *mod, const CxmSummaryRow *rows, size_t nrows, double *grad)
{
	double		p = mod->p,
				q = mod->q,
				v = mod->v;
	double		lnv = log(v),
				lg_q = lgamma(q),
				dg_q = cxm_digamma(q);
	double		ll = 0.0,
				gp = 0.0,
				gq = 0.0,
				gv = 0.0;
	/* the terms that depend on x alone, kept while x repeats (rows sorted) */
	double		cur_x = -1.0,
				px = 0.0,
				lx = 0.0,
				lg_x = 0.0,
				dg_pxq = 0.0,
				dg_px = 0.0;
	size_t		i;

	for (i = 0; i < nrows; i++)
	{
		double		x = rows[i].x,
					m = rows[i].tx,
					w = (double) rows[i].count;
		double		lxmv,
					lm;

		if (x <= 0.0)
			continue;
		if (x != cur_x)
		{
			cur_x = x;
			px = p * x;
			lx = log(x);
			lg_x = lgamma(px + q) - lgamma(px);
			if (grad)
			{
				dg_pxq = cxm_digamma(px + q);
				dg_px = cxm_digamma(px);
			}
		}
		lxmv = log(x * m + v);
		lm = log(m);
		ll += w * (lg_x - lg_q + q * lnv + (px - 1.0) * lm + px * lx - (px + q) * lxmv);
		if (grad)
		{
			gp += w * x * (dg_pxq - dg_px + lm + lx - lxmv);
			gq += w * (dg_pxq - dg_q + lnv - lxmv);
			gv += w * (q / v - (px + q) / (x * m + v));
		}
	}
	if (grad)
	{
		grad[0] = gp * p;
		grad[1] = gq * q;
		grad[2] = gv * v;
	}
	return ll;
}

typedef struct GgObjective
{
	const CxmSummaryRow *rows;
	size_t		nrows;
	double		n;
} GgObjective;

static double
gg_objective(const double *th, double *grad, void *vctx)
{
	GgObjective *ctx = vctx;
	CxmGammaGamma m;
	double		g[3],
				ll;
	int			i;

	if (!log_params_ok(th, 3))
		return INFINITY;
	m.p = exp(th[0]);
	m.q = exp(th[1]);
	m.v = exp(th[2]);
	ll = cxm_gg_loglik(&m, ctx->rows, ctx->nrows, g);
	for (i = 0; i < 3; i++)
		grad[i] = -g[i] / ctx->n;
	return -ll / ctx->n;
}

CxmStatus
cxm_gg_fit(const CxmSummaryRow *rows, size_t nrows, CxmFitResult *out)
{
	GgObjective ctx;
	CxmGammaGamma m;
	double		mean_m = 0.0;
	double		starts[4][4];
	FitBest		best = FIT_BEST_INIT;
	CxmStatus	st;
	size_t		i;
	int64_t		n = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < nrows; i++)
		if (rows[i].x > 0.0)
		{
			n += rows[i].count;
			mean_m += rows[i].tx * (double) rows[i].count;
		}
	if (n <= 0)
		return CXM_EINVAL;
	mean_m /= (double) n;
	ctx.rows = rows;
	ctx.nrows = nrows;
	ctx.n = (double) n;
	memset(starts, 0, sizeof(starts));
	/* neutral; and p v/(q-1) near the mean spend */
	starts[1][0] = log(5.0);
	starts[1][1] = log(3.0);
	starts[1][2] = log(mean_m * 2.0 / 5.0);
	starts[2][0] = log(1.0);
	starts[2][1] = log(1.5);
	starts[2][2] = log(mean_m / 2.0);
	starts[3][0] = log(20.0);
	starts[3][1] = log(10.0);
	starts[3][2] = log(mean_m * 9.0 / 20.0);
	st = fit_multistart(gg_objective, &ctx, 3, (const double (*)[4]) starts, 0, 4, &best, out);
	out->n = n;
	m.p = out->param[0];
	m.q = out->param[1];
	m.v = out->param[2];
	if (m.p > 0.0)
		out->log_likelihood = cxm_gg_loglik(&m, rows, nrows, NULL);
	return st;
}

/* E[mean spend | x, m] = p (v + x m) / (p x + q - 1) */
CxmStatus
cxm_gg_expected_spend(const CxmGammaGamma *m, double x, double mspend, double *out)
{
	double		den = m->p * x + m->q - 1.0;

	if (!(den > 0.0))
		return CXM_EINVAL;
	if (x <= 0.0)
		mspend = 0.0;
	*out = m->p * (m->v + x * mspend) / den;
	/* frequency * spend can overflow (found by test/fuzz/fuzz_churn.c) */
	return isfinite(*out) ? CXM_OK : CXM_ERANGE;
}

CxmStatus
cxm_clv(const CxmBgnbd *bg, const CxmGammaGamma *gg, double x, double tx, double t,
		double mspend, int horizon, double discount_rate, double *out)
{
	CxmChurnModel m;

	m.kind = CXM_CHURN_BGNBD;
	m.param[0] = bg->r;
	m.param[1] = bg->alpha;
	m.param[2] = bg->a;
	m.param[3] = bg->b;
	return cxm_churn_clv(&m, gg, x, tx, t, mspend, horizon, discount_rate, out);
}

CxmStatus
cxm_churn_clv(const CxmChurnModel *m, const CxmGammaGamma *gg, double x, double tx, double t,
			  double mspend, int horizon, double discount_rate, double *out)
{
	double		spend,
				prev = 0.0,
				total = 0.0,
				pa = 0.0;
	int			i;
	int			modified = (m->kind == CXM_CHURN_MBGNBD);
	CxmStatus	st;
	CxmParetoNbd pn;
	CxmBgnbd	bg;

	if (horizon < 0 || !(discount_rate > -1.0) || !isfinite(discount_rate))
		return CXM_EINVAL;
	st = cxm_gg_expected_spend(gg, x, mspend, &spend);
	if (st != CXM_OK)
		return st;
	/* P(alive) does not depend on the period: once for every period */
	churn_as_pnbd(m, &pn);
	churn_as_bg(m, &bg);
	if (m->kind == CXM_CHURN_PARETO_NBD && horizon > 0)
	{
		st = cxm_pnbd_p_alive(&pn, x, tx, t, &pa);
		if (st != CXM_OK)
			return st;
	}
	else if (horizon > 0)
		pa = bg_family_p_alive(&bg, x, tx, t, modified);

	/*
	 * Undiscounted, the increments telescope to the expectation at the
	 * horizon (doc/churn.md, "clv"): one evaluation instead of one a period.
	 */
	for (i = (discount_rate == 0.0) ? horizon : 1; i <= horizon; i++)
	{
		double		cur;

		if (m->kind == CXM_CHURN_PARETO_NBD)
			st = pnbd_expected_given(&pn, (double) i, x, t, pa, &cur);
		else
			st = bg_family_expected_given(&bg, (double) i, x, t, modified, pa, &cur);
		if (st != CXM_OK)
			return st;
		/*
		 * The cumulative expectation never decreases; rounding can make
		 * two values a few ulps out of order, which must not turn the sum
		 * negative (found by test/fuzz/fuzz_churn.c).
		 */
		if (cur > prev)
		{
			total += (cur - prev) * spend / pow(1.0 + discount_rate, (double) i);
			prev = cur;
		}
	}
	*out = total;
	/* purchases times spend can overflow (found by test/fuzz/fuzz_churn.c) */
	return isfinite(total) ? CXM_OK : CXM_ERANGE;
}
