/*
 * test_churn.c
 *	  Unit tests of churn_core.c: special functions against closed forms,
 *	  BG/NBD and Gamma-Gamma fits against the published CDNOW optimum,
 *	  the conditional expectation against the textbook formula, a
 *	  recovery test on customers simulated from the BG/NBD process, and the
 *	  optimiser's stop when a run is pinned at the edge of its box.
 */
#include "unit.h"

#include <stdint.h>

#include "bandit_core.h"
#include "churn_core.h"
#include "rfm_core.h"

#define alloc unit_allocator

/* cwd is the repository root under make test */
static CxmSummaryRow *
load_csv(const char *path, int with_spend, size_t *nrows, int64_t *ncust)
{
	FILE	   *f = fopen(path, "r");
	char		line[256];
	CxmSummarySet set;
	CxmSummaryRow *rows;

	if (!f)
	{
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
	cxm_summary_set_init(&set, &alloc);
	if (!fgets(line, sizeof(line), f))
		exit(1);
	while (fgets(line, sizeof(line), f))
	{
		int			id;
		double		x,
					tx,
					t,
					z = 0.0;
		int			got = sscanf(line, "%d,%lf,%lf,%lf,%lf", &id, &x, &tx, &t, &z);

		if (got < 4)
			continue;
		if (with_spend)
			cxm_summary_set_add(&set, x, z, 0.0, 1);
		else
			cxm_summary_set_add(&set, x, tx, t, 1);
	}
	fclose(f);
	rows = malloc(sizeof(CxmSummaryRow) * (set.used + 1));
	cxm_summary_set_sorted(&set, rows);
	*nrows = set.used;
	*ncust = set.total;
	free(set.slots);
	return rows;
}

static void
test_digamma(void)
{
	CHECK_NEAR(cxm_digamma(1.0), -0.57721566490153286, 1e-14);
	CHECK_NEAR(cxm_digamma(0.5), -1.9635100260214235, 1e-14);
	CHECK_NEAR(cxm_digamma(10.0), 2.2517525890667211, 1e-14);
	CHECK_NEAR(cxm_digamma(0.01), -100.56088545786867, 1e-10);
	CHECK_NEAR(cxm_digamma(1000.5), log(1000.5) - 0.5 / 1000.5 - 1.0 / (12 * 1000.5 * 1000.5), 1e-12);
}

static void
test_hyp2f1(void)
{
	double		v;

	/* 2F1(1,1;2;z) = -ln(1-z)/z */
	CHECK(cxm_hyp2f1(1, 1, 2, 0.5, &v) == CXM_OK);
	CHECK_NEAR(v, -log(0.5) / 0.5, 1e-14);
	CHECK(cxm_hyp2f1(1, 1, 2, 0.9, &v) == CXM_OK);	/* integer c-a-b: series */
	CHECK_NEAR(v, -log(0.1) / 0.9, 1e-12);
	CHECK(cxm_hyp2f1(1, 1, 2, -1, &v) == CXM_OK);	/* Pfaff */
	CHECK_NEAR(v, log(2.0), 1e-14);
	CHECK(cxm_hyp2f1(1, 1, 2, -3, &v) == CXM_OK);
	CHECK_NEAR(v, log(4.0) / 3.0, 1e-13);
	/* 2F1(1/2,1/2;3/2;z^2) = asin(z)/z; c-a-b = 1/2: connection formula */
	CHECK(cxm_hyp2f1(0.5, 0.5, 1.5, 0.81, &v) == CXM_OK);
	CHECK_NEAR(v, asin(0.9) / 0.9, 1e-13);
	CHECK(cxm_hyp2f1(0.5, 0.5, 1.5, 0.9999, &v) == CXM_OK);
	CHECK_NEAR(v, asin(sqrt(0.9999)) / sqrt(0.9999), 1e-12);
	CHECK(cxm_hyp2f1(0.5, 0.5, 1.5, 0.3, &v) == CXM_OK);
	CHECK_NEAR(v, asin(sqrt(0.3)) / sqrt(0.3), 1e-14);
	/* 2F1(a,b;a;z) = (1-z)^-b, with a pole in the connection coefficients */
	CHECK(cxm_hyp2f1(1.3, 2.2, 1.3, 0.95, &v) == CXM_OK);
	CHECK_NEAR(v / pow(0.05, -2.2), 1.0, 1e-12);
	CHECK(cxm_hyp2f1(1.3, 2.2, 1.3, -0.5, &v) == CXM_OK);
	CHECK_NEAR(v / pow(1.5, -2.2), 1.0, 1e-13);
	/* 2F1(-n, b; c; z) is a polynomial: 2F1(-2,1;1;z) = (1-z)^2 */
	CHECK(cxm_hyp2f1(-2, 1, 1, 0.4, &v) == CXM_OK);
	CHECK_NEAR(v, 0.36, 1e-14);
	/* tabulated (Abramowitz & Stegun 15.1.13 style): 2F1(1/2,1;3/2;-z^2) = atan(z)/z */
	CHECK(cxm_hyp2f1(0.5, 1, 1.5, -4.0, &v) == CXM_OK);
	CHECK_NEAR(v, atan(2.0) / 2.0, 1e-13);
	CHECK(cxm_hyp2f1(1, 1, 0, 0.5, &v) == CXM_EINVAL);
	CHECK(cxm_hyp2f1(1, 1, 2, 1.0, &v) == CXM_EINVAL);
}

static void
test_summary_set(void)
{
	CxmSummarySet set;
	CxmSummaryRow rows[4];
	int			i;

	cxm_summary_set_init(&set, &alloc);
	for (i = 0; i < 1000; i++)
		cxm_summary_set_add(&set, i % 3, 1.0, 2.0, 1);
	cxm_summary_set_add(&set, -0.0, 1.0, 2.0, 5);
	CHECK(set.used == 3);
	CHECK(set.total == 1005);
	cxm_summary_set_sorted(&set, rows);
	CHECK(rows[0].x == 0.0 && rows[0].count == 339);
	CHECK(rows[1].x == 1.0 && rows[1].count == 333);
	CHECK(rows[2].x == 2.0 && rows[2].count == 333);
	free(set.slots);
}

static void
test_row_checks(void)
{
	CHECK(cxm_bgnbd_row_problem(0, 0, 10) == NULL);
	CHECK(cxm_bgnbd_row_problem(2, 5, 10) == NULL);
	CHECK(cxm_bgnbd_row_problem(-1, 0, 10) != NULL);
	CHECK(cxm_bgnbd_row_problem(1.5, 2, 10) != NULL);
	CHECK(cxm_bgnbd_row_problem(1, 11, 10) != NULL);
	CHECK(cxm_bgnbd_row_problem(1, 0, 10) != NULL);
	CHECK(cxm_bgnbd_row_problem(1, 1, NAN) != NULL);
	CHECK(cxm_gg_row_problem(2, 10) == NULL);
	CHECK(cxm_gg_row_problem(2, 0) != NULL);
	CHECK(cxm_gg_row_problem(0, 0) == NULL);
}

/* the analytic gradient matches central differences */
static void
test_bgnbd_gradient(void)
{
	size_t		nrows;
	int64_t		n;
	CxmSummaryRow *rows = load_csv("test/data/cdnow_customers_summary.csv", 0, &nrows, &n);
	CxmBgnbd	m = {0.5, 3.0, 1.2, 2.0};
	double		g[4];
	double	   *p[4] = {&m.r, &m.alpha, &m.a, &m.b};
	int			i;

	cxm_bgnbd_loglik(&m, rows, nrows, g);
	for (i = 0; i < 4; i++)
	{
		double		save = *p[i],
					h = 1e-6,
					up,
					dn;

		*p[i] = save * exp(h);
		up = cxm_bgnbd_loglik(&m, rows, nrows, NULL);
		*p[i] = save * exp(-h);
		dn = cxm_bgnbd_loglik(&m, rows, nrows, NULL);
		*p[i] = save;
		CHECK_NEAR(g[i], (up - dn) / (2 * h), 1e-4 * (1 + fabs(g[i])));
	}
	free(rows);
}

static void
test_bgnbd_cdnow(void)
{
	size_t		nrows;
	int64_t		n;
	CxmSummaryRow *rows = load_csv("test/data/cdnow_customers_summary.csv", 0, &nrows, &n);
	CxmFitResult fit;
	CxmBgnbd	m;
	double		e,
				hyp,
				textbook,
				z;

	CHECK(n == 2357);
	CHECK(nrows < 2357);		/* identical triples collapse */
	CHECK(cxm_bgnbd_fit(rows, nrows, 0.0, &fit) == CXM_OK);
	CHECK(fit.n == 2357);
	CHECK_NEAR(fit.param[0], 0.242593, 2e-6);
	CHECK_NEAR(fit.param[1], 4.413532, 2e-5);
	CHECK_NEAR(fit.param[2], 0.792886, 2e-6);
	CHECK_NEAR(fit.param[3], 2.425753, 2e-5);
	CHECK_NEAR(fit.log_likelihood, -9582.4256, 1e-3);
	m.r = fit.param[0];
	m.alpha = fit.param[1];
	m.a = fit.param[2];
	m.b = fit.param[3];

	/* published: 1.226 for (x, tx, T) = (2, 30.43, 38.86), 39 weeks ahead */
	CHECK(cxm_bgnbd_expected(&m, 39, 2, 30.43, 38.86, &e) == CXM_OK);
	CHECK_NEAR(e, 1.226, 5e-4);
	/* the same from the untransformed textbook formula */
	z = 39.0 / (m.alpha + 38.86 + 39.0);
	CHECK(cxm_hyp2f1(m.r + 2, m.b + 2, m.a + m.b + 1, z, &hyp) == CXM_OK);
	textbook = (m.a + m.b + 1) / (m.a - 1) *
		(1 - pow((m.alpha + 38.86) / (m.alpha + 38.86 + 39), m.r + 2) * hyp) *
		cxm_bgnbd_p_alive(&m, 2, 30.43, 38.86);
	CHECK_NEAR(e, textbook, 1e-10);
	/* and for a one-time buyer and a long horizon (z = 0.9) */
	CHECK(cxm_bgnbd_expected(&m, 400, 0, 0, 38.86, &e) == CXM_OK);
	z = 400.0 / (m.alpha + 38.86 + 400.0);
	CHECK(cxm_hyp2f1(m.r, m.b, m.a + m.b - 1, z, &hyp) == CXM_OK);
	textbook = (m.a + m.b - 1) / (m.a - 1) *
		(1 - pow((m.alpha + 38.86) / (m.alpha + 38.86 + 400), m.r) * hyp);
	CHECK_NEAR(e, textbook, 1e-9 * textbook);
	free(rows);
}

static void
test_expected_edges(void)
{
	CxmBgnbd	m = {0.24, 4.4, 1.0, 2.4};	/* a = 1: the 0/0 case */
	CxmBgnbd	lo = m,
				hi = m;
	double		e,
				elo,
				ehi;

	lo.a = 1.0 - 1e-7;
	hi.a = 1.0 + 1e-7;
	CHECK(cxm_bgnbd_expected(&m, 10, 3, 20, 30, &e) == CXM_OK);
	CHECK(cxm_bgnbd_expected(&lo, 10, 3, 20, 30, &elo) == CXM_OK);
	CHECK(cxm_bgnbd_expected(&hi, 10, 3, 20, 30, &ehi) == CXM_OK);
	CHECK(isfinite(e) && e > 0);
	CHECK_NEAR(e, (elo + ehi) / 2, 1e-6);
	CHECK(cxm_bgnbd_expected(&m, 0, 3, 20, 30, &e) == CXM_OK && e == 0.0);
	CHECK(cxm_bgnbd_expected(&m, -1, 3, 20, 30, &e) == CXM_EINVAL);
	/* huge frequency: finite, and close to the rate x/T times the horizon */
	m.a = 0.8;
	CHECK(cxm_bgnbd_expected(&m, 10, 100000, 30, 30, &e) == CXM_OK);
	CHECK(isfinite(e) && e > 20000 && e < 40000);
}

static void
test_p_alive_bounds(void)
{
	CxmBgnbd	m = {0.242593, 4.413532, 0.792886, 2.425753};
	double		xs[] = {0, 1, 2, 10, 1000, 1e6, 1e12};
	int			i;

	for (i = 0; i < 7; i++)
	{
		double		p1 = cxm_bgnbd_p_alive(&m, xs[i], 1.0, 38.0);
		double		p2 = cxm_bgnbd_p_alive(&m, xs[i], 38.0, 38.0);

		CHECK(p1 >= 0.0 && p1 <= 1.0);
		CHECK(p2 >= 0.0 && p2 <= 1.0);
	}
	CHECK(cxm_bgnbd_p_alive(&m, 0, 0, 38) == 1.0);
	/* by hand: 1/(1 + a/(b+x-1) ((alpha+T)/(alpha+tx))^(r+x)) */
	CHECK_NEAR(cxm_bgnbd_p_alive(&m, 2, 30.43, 38.86),
			   1.0 / (1.0 + 0.792886 / (2.425753 + 1) *
					  pow((4.413532 + 38.86) / (4.413532 + 30.43), 2.242593)), 1e-14);
}

static void
test_gg_cdnow(void)
{
	size_t		nrows;
	int64_t		n;
	CxmSummaryRow *rows = load_csv("test/data/cdnow_customers_summary_with_transactions.csv", 1,
								   &nrows, &n);
	CxmFitResult fit;
	CxmGammaGamma m;
	double		s,
				g[3];
	double	   *p[3] = {&m.p, &m.q, &m.v};
	int			i;

	CHECK(cxm_gg_fit(rows, nrows, &fit) == CXM_OK);
	CHECK(fit.n == 946);
	CHECK_NEAR(fit.param[0], 6.2488, 1e-3);
	CHECK_NEAR(fit.param[1], 3.7446, 1e-3);
	CHECK_NEAR(fit.param[2], 15.4477, 2e-3);
	CHECK_NEAR(fit.log_likelihood, -4055.92, 5e-3);
	m.p = fit.param[0];
	m.q = fit.param[1];
	m.v = fit.param[2];
	/* gradient check */
	cxm_gg_loglik(&m, rows, nrows, g);
	for (i = 0; i < 3; i++)
	{
		double		save = *p[i],
					up,
					dn;

		*p[i] = save * exp(1e-6);
		up = cxm_gg_loglik(&m, rows, nrows, NULL);
		*p[i] = save * exp(-1e-6);
		dn = cxm_gg_loglik(&m, rows, nrows, NULL);
		*p[i] = save;
		CHECK_NEAR(g[i], (up - dn) / 2e-6, 1e-4 * (1 + fabs(g[i])));
	}
	/* expected spend: population mean for x = 0, a weighted mean otherwise */
	CHECK(cxm_gg_expected_spend(&m, 0, 0, &s) == CXM_OK);
	CHECK_NEAR(s, m.p * m.v / (m.q - 1), 1e-12);
	CHECK(cxm_gg_expected_spend(&m, 2, 22.35, &s) == CXM_OK);
	CHECK_NEAR(s, m.p * (m.v + 2 * 22.35) / (2 * m.p + m.q - 1), 1e-12);
	m.q = 0.9;
	CHECK(cxm_gg_expected_spend(&m, 0, 0, &s) == CXM_EINVAL);
	free(rows);
}

static void
test_clv(void)
{
	CxmBgnbd	bg = {0.242593, 4.413532, 0.792886, 2.425753};
	CxmGammaGamma gg = {6.2488, 3.7446, 15.4477};
	double		v,
				v0,
				e12,
				s;

	/* no discount: CLV = E[purchases in 12] * expected spend */
	CHECK(cxm_clv(&bg, &gg, 2, 30.43, 38.86, 22.35, 12, 0.0, &v) == CXM_OK);
	CHECK(cxm_bgnbd_expected(&bg, 12, 2, 30.43, 38.86, &e12) == CXM_OK);
	CHECK(cxm_gg_expected_spend(&gg, 2, 22.35, &s) == CXM_OK);
	CHECK_NEAR(v, e12 * s, 1e-9);
	CHECK(cxm_clv(&bg, &gg, 2, 30.43, 38.86, 22.35, 12, 0.01, &v0) == CXM_OK);
	CHECK(v0 < v && v0 > v / pow(1.01, 12));
	CHECK(cxm_clv(&bg, &gg, 2, 30.43, 38.86, 22.35, 0, 0.01, &v) == CXM_OK && v == 0.0);
	CHECK(cxm_clv(&bg, &gg, 2, 30.43, 38.86, 22.35, 12, -1.0, &v) == CXM_EINVAL);
}

static void
test_segments(void)
{
	CHECK(strcmp(rfm_segment(5, 1), "New Customers") == 0);
	CHECK(strcmp(rfm_segment(5, 5), "Champions") == 0);
	CHECK(strcmp(rfm_segment(4, 1), "Promising") == 0);
	CHECK(strcmp(rfm_segment(3, 3), "Need Attention") == 0);
	CHECK(strcmp(rfm_segment(3, 4), "Loyal Customers") == 0);
	CHECK(strcmp(rfm_segment(2, 5), "Can't Lose") == 0);
	CHECK(strcmp(rfm_segment(1, 3), "At Risk") == 0);
	CHECK(strcmp(rfm_segment(1, 1), "Hibernating") == 0);
	CHECK(rfm_segment(0, 3) == NULL);
	CHECK(rfm_segment(3, 6) == NULL);
}

/* ---- simulation from the BG/NBD process ---- */
static uint64_t sim_state = 0x243f6a8885a308d3ULL;

static double
sim_next(void *ctx)
{
	/* splitmix64 */
	uint64_t	z = (sim_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double) (z >> 11) / 9007199254740992.0;
}

static void
test_recovery(void)
{
	BanditRng	rng = {sim_next, NULL};
	const double r = 0.5,
				alpha = 6.0,
				a = 0.9,
				b = 3.0;
	const int	ncust = 20000;
	CxmSummarySet set;
	CxmSummaryRow *rows;
	CxmFitResult fit;
	int			i;

	cxm_summary_set_init(&set, &alloc);
	for (i = 0; i < ncust; i++)
	{
		double		lambda = bandit_gamma(&rng, r) / alpha;
		double		p = bandit_beta(&rng, a, b);
		double		T = 20.0 + 40.0 * (i % 100) / 100.0;
		double		now = 0.0,
					last = 0.0;
		int			x = 0;

		/* purchases at Poisson times; after each one the customer leaves w.p. p */
		for (;;)
		{
			now += -log(bandit_uniform_pos(&rng)) / lambda;
			if (now > T)
				break;
			x++;
			last = now;
			if (sim_next(NULL) < p)
				break;
		}
		/* weeks to two decimals, as in the CDNOW summary */
		T = round(T * 100) / 100;
		last = round(last * 100) / 100;
		if (x > 0 && last == 0.0)
			last = 0.01;
		cxm_summary_set_add(&set, x, x > 0 ? last : 0.0, T, 1);
	}
	rows = malloc(sizeof(CxmSummaryRow) * set.used);
	cxm_summary_set_sorted(&set, rows);
	CHECK(cxm_bgnbd_fit(rows, set.used, 0.0, &fit) == CXM_OK);
	/* sampling error at 20,000 customers is a few per cent */
	CHECK_NEAR(fit.param[0], r, 0.1 * r);
	CHECK_NEAR(fit.param[1], alpha, 0.2 * alpha);
	CHECK_NEAR(fit.param[2], a, 0.25 * a);
	CHECK_NEAR(fit.param[3], b, 0.3 * b);
	fprintf(stderr, "  recovered r=%.4f alpha=%.4f a=%.4f b=%.4f\n",
			fit.param[0], fit.param[1], fit.param[2], fit.param[3]);
	free(rows);
	free(set.slots);
}

static void
test_penalty(void)
{
	size_t		nrows;
	int64_t		n;
	CxmSummaryRow *rows = load_csv("test/data/cdnow_customers_summary.csv", 0, &nrows, &n);
	CxmFitResult plain,
				pen;
	double		norm_plain = 0,
				norm_pen = 0;
	int			i;

	CHECK(cxm_bgnbd_fit(rows, nrows, 0.0, &plain) == CXM_OK);
	CHECK(cxm_bgnbd_fit(rows, nrows, 0.1, &pen) == CXM_OK);
	for (i = 0; i < 4; i++)
	{
		norm_plain += plain.param[i] * plain.param[i];
		norm_pen += pen.param[i] * pen.param[i];
	}
	/* the penalty shrinks the parameters and costs likelihood */
	CHECK(norm_pen < norm_plain);
	CHECK(pen.log_likelihood < plain.log_likelihood);
	free(rows);
}

/*
 * A run pinned at the edge of its box: f(x) = x is finite only for x >= -30
 * (as the fits' log-parameters are), so every step that would help leaves
 * the box; once x is within rounding of -30 the line search only accepts
 * steps that do not change f.  The run must say it did not converge and
 * stop soon after, not spend the rest of max_iter there.
 */
static double
pinned_objective(const double *x, double *grad, void *ctx)
{
	(void) ctx;
	grad[0] = 1.0;
	return x[0] >= -30.0 ? x[0] : INFINITY;
}

static void
test_bfgs_pinned(void)
{
	double		x = 0.0,
				fv = 0.0;
	int			iters = 0;

	CHECK(cxm_bfgs(pinned_objective, NULL, 1, &x, 1e-9, 1000, &fv, &iters) == CXM_ENOCONV);
	CHECK(iters < 100);
	CHECK_NEAR(x, -30.0, 1e-9);
	CHECK(fv == x);
}

int
main(void)
{
	RUN(test_digamma);
	RUN(test_hyp2f1);
	RUN(test_summary_set);
	RUN(test_row_checks);
	RUN(test_bgnbd_gradient);
	RUN(test_bgnbd_cdnow);
	RUN(test_expected_edges);
	RUN(test_p_alive_bounds);
	RUN(test_gg_cdnow);
	RUN(test_clv);
	RUN(test_segments);
	RUN(test_recovery);
	RUN(test_penalty);
	RUN(test_bfgs_pinned);
	return UNIT_DONE();
}
