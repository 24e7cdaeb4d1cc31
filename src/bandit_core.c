/*
 * bandit_core.c
 *	  Samplers, bandit policies, intervals and P(best) for the experiments
 *	  family (doc/experiments.md).  Pure C99: no server headers.
 *
 * Posteriors.  Bernoulli policies: Beta(1 + s, 1 + f), s = reward sum,
 * f = max(0, trials - s) (uniform prior).  gaussian_thompson: the mean of an
 * arm is N((S + m0) / (n + 1), v / (n + 1)), v = (sum of squared deviations
 * + v0) / (n + 1), with m0, v0 the pooled mean and variance of all arms
 * (see gauss_prior); with only sums known (the stateless form) m0 = 0 and
 * v0 = 1, the Gaussian Thompson sampling of Agrawal and Goyal (2013).
 *
 * P(best).  P(arm i is best) = integral f_i(x) prod_{j != i} F_j(x) dx.  Every
 * arm's effective support (mean +- 12 sd, clipped to [0, 1] for Beta) is cut
 * into panels; the breakpoints of all arms are merged, and each merged
 * interval is integrated with 8-point Gauss-Legendre.  F_j at the nodes is
 * not evaluated by the incomplete beta function at every node: it is
 * anchored once, exactly, at the start of the integration range and carried
 * forward by integrating f_j over each interval (the cumulative form of the
 * same Gauss-Legendre rule: the integral of the degree-7 interpolant from the
 * interval start to each node).  Cost: one incomplete beta per arm plus one
 * density per arm and node.  Deterministic: no random numbers.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bandit_core.h"
#include "stats_core.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ------------------------------------------------------------------------
 * Samplers
 * ------------------------------------------------------------------------ */

double
bandit_uniform_pos(BanditRng *rng)
{
	return 1.0 - rng->next(rng->ctx);
}

/* Box-Muller, one value per call (the second one is not kept, so a call
 * consumes a fixed number of uniforms and a seeded sequence stays simple) */
double
bandit_normal(BanditRng *rng)
{
	double		u1 = bandit_uniform_pos(rng);
	double		u2 = rng->next(rng->ctx);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/*
 * Gamma(shape, 1) by Marsaglia and Tsang (2000), "A simple method for
 * generating gamma variables"; shape < 1 by the boost
 * Gamma(shape) = Gamma(shape + 1) * U^(1/shape).
 */
double
bandit_gamma(BanditRng *rng, double shape)
{
	double		d,
				c,
				x,
				v,
				u;

	if (!(shape > 0.0))
		return NAN;
	if (shape < 1.0)
		return bandit_gamma(rng, shape + 1.0) *
			pow(bandit_uniform_pos(rng), 1.0 / shape);
	d = shape - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;)
	{
		do
		{
			x = bandit_normal(rng);
			v = 1.0 + c * x;
		} while (v <= 0.0);
		v = v * v * v;
		u = bandit_uniform_pos(rng);
		if (u < 1.0 - 0.0331 * (x * x) * (x * x))
			return d * v;
		if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

double
bandit_beta(BanditRng *rng, double a, double b)
{
	double		x = bandit_gamma(rng, a);
	double		y = bandit_gamma(rng, b);

	if (x + y <= 0.0)
		return a / (a + b);
	return x / (x + y);
}

/* ------------------------------------------------------------------------
 * Policies
 * ------------------------------------------------------------------------ */

static const char *const policy_names[] = {
	"thompson", "gaussian_thompson", "ucb1", "epsilon_greedy", "uniform"
};

bool
bandit_policy_parse(const char *name, BanditPolicy *policy)
{
	int			i;

	for (i = 0; i < (int) (sizeof(policy_names) / sizeof(policy_names[0])); i++)
	{
		if (strcmp(name, policy_names[i]) == 0)
		{
			*policy = (BanditPolicy) i;
			return true;
		}
	}
	return false;
}

const char *
bandit_policy_name(BanditPolicy policy)
{
	return policy_names[(int) policy];
}

bool
bandit_policy_bernoulli(BanditPolicy policy)
{
	return policy != BANDIT_GAUSSIAN_THOMPSON;
}

/* ------------------------------------------------------------------------
 * Posteriors
 * ------------------------------------------------------------------------ */

typedef struct Post
{
	bool		beta;
	double		a,
				b;				/* Beta parameters */
	double		lognorm;		/* log B(a, b) */
	double		mu,
				sd;				/* mean and sd (both kinds) */
	double		lo,
				hi;				/* effective support */
} Post;

#define SUPPORT_SD 12.0

/*
 * Prior of gaussian_thompson: one pseudo-observation with the pooled mean m0
 * and pooled variance v0 of all active arms' rewards (so the prior has the
 * scale of the data: an untried arm still gets tried when rewards are in
 * dollars), N(0, 1) while fewer than 2 rewards are known.  Without squared
 * rewards (the stateless form) m0 = 0 and v0 = 1: Agrawal and Goyal's
 * Gaussian Thompson sampling, N(S / (n + 1), 1 / (n + 1)).
 */
typedef struct GaussPrior
{
	double		m0,
				v0;
} GaussPrior;

static GaussPrior
gauss_prior(const BanditArm *arms, int narms)
{
	GaussPrior	g = {0.0, 1.0};
	double		n = 0.0,
				s = 0.0,
				q = 0.0;
	int			i;

	for (i = 0; i < narms; i++)
	{
		if (!arms[i].active || !arms[i].has_sq || !(arms[i].trials > 0))
			continue;
		n += arms[i].trials;
		s += arms[i].reward_sum;
		q += arms[i].reward_sq;
	}
	if (n >= 2.0)
	{
		double		v = (q - s * s / n) / (n - 1.0);

		g.m0 = s / n;
		if (v > 0.0)
			g.v0 = v;
	}
	return g;
}

static void
make_post(BanditPolicy policy, const BanditArm *arm, const GaussPrior *g, Post *p)
{
	double		n = arm->trials > 0 ? arm->trials : 0.0;

	memset(p, 0, sizeof(*p));
	if (policy == BANDIT_GAUSSIAN_THOMPSON)
	{
		double		s = arm->reward_sum;
		double		ss = 0.0;
		double		v;

		if (arm->has_sq && n > 0)
		{
			ss = arm->reward_sq - s * s / n;
			if (!(ss > 0.0))
				ss = 0.0;
		}
		v = arm->has_sq ? (ss + g->v0) / (n + 1.0) : 1.0;
		p->beta = false;
		p->mu = (s + g->m0) / (n + 1.0);
		p->sd = sqrt(v / (n + 1.0));
		p->lo = p->mu - SUPPORT_SD * p->sd;
		p->hi = p->mu + SUPPORT_SD * p->sd;
	}
	else
	{
		double		s = arm->reward_sum > 0 ? arm->reward_sum : 0.0;
		double		f = n - s > 0 ? n - s : 0.0;
		double		ab;

		p->beta = true;
		p->a = 1.0 + s;
		p->b = 1.0 + f;
		ab = p->a + p->b;
		p->lognorm = lgamma(p->a) + lgamma(p->b) - lgamma(ab);
		p->mu = p->a / ab;
		p->sd = sqrt(p->a * p->b / (ab * ab * (ab + 1.0)));
		p->lo = p->mu - SUPPORT_SD * p->sd;
		p->hi = p->mu + SUPPORT_SD * p->sd;
		if (p->lo < 0.0)
			p->lo = 0.0;
		if (p->hi > 1.0)
			p->hi = 1.0;
	}
}

static double
post_pdf(const Post *p, double x)
{
	if (x <= p->lo || x >= p->hi)
		return 0.0;
	if (p->beta)
		return exp((p->a - 1.0) * log(x) + (p->b - 1.0) * log1p(-x) - p->lognorm);
	else
	{
		double		z = (x - p->mu) / p->sd;

		return exp(-0.5 * z * z) / (p->sd * sqrt(2.0 * M_PI));
	}
}

static double
post_cdf(const Post *p, double x)
{
	if (x <= p->lo)
		return 0.0;
	if (x >= p->hi)
		return 1.0;
	if (p->beta)
		return bandit_incbeta(x, p->a, p->b);
	return cxm_norm_cdf((x - p->mu) / p->sd);
}

/* ------------------------------------------------------------------------
 * Regularized incomplete beta I_x(a, b): continued fraction (modified Lentz)
 * ------------------------------------------------------------------------ */

/* one step of the modified Lentz algorithm: returns the factor for h */
static double
lentz_step(double num, double *c, double *d)
{
	const double tiny = 1e-300;

	*d = 1.0 + num * *d;
	if (fabs(*d) < tiny)
		*d = tiny;
	*c = 1.0 + num / *c;
	if (fabs(*c) < tiny)
		*c = tiny;
	*d = 1.0 / *d;
	return *d * *c;
}

/* log of the continued fraction part, valid for x < (a + 1) / (a + b + 2) */
static double
incbeta_cf(double x, double a, double b)
{
	double		c = 1.0,
				d,
				h;
	int			m;

	d = 1.0 - (a + b) * x / (a + 1.0);
	if (fabs(d) < 1e-300)
		d = 1e-300;
	d = 1.0 / d;
	h = d;
	for (m = 1; m <= 100000; m++)
	{
		double		m2 = 2.0 * m;
		double		del;

		/* even step, then odd step */
		h *= lentz_step(m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)), &c, &d);
		del = lentz_step(-(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)), &c, &d);
		h *= del;
		if (fabs(del - 1.0) < 1e-15)
			break;
	}
	return log(h);
}

double
bandit_log_incbeta(double x, double a, double b)
{
	double		front;

	if (isnan(x) || !(a > 0) || !(b > 0))
		return NAN;
	if (x <= 0.0)
		return -INFINITY;
	if (x >= 1.0)
		return 0.0;
	if (x < (a + 1.0) / (a + b + 2.0))
	{
		front = a * log(x) + b * log1p(-x) -
			(lgamma(a) + lgamma(b) - lgamma(a + b)) - log(a);
		return front + incbeta_cf(x, a, b);
	}
	front = b * log1p(-x) + a * log(x) -
		(lgamma(a) + lgamma(b) - lgamma(a + b)) - log(b);
	return log1p(-exp(front + incbeta_cf(1.0 - x, b, a)));
}

double
bandit_incbeta(double x, double a, double b)
{
	return exp(bandit_log_incbeta(x, a, b));
}

/* ------------------------------------------------------------------------
 * Intervals
 * ------------------------------------------------------------------------ */

void
bandit_wilson(double successes, double n, double z, double *lo, double *hi)
{
	double		p,
				z2n,
				centre,
				half;

	if (!(n > 0))
	{
		*lo = *hi = NAN;
		return;
	}
	p = successes / n;
	if (p < 0.0)
		p = 0.0;
	if (p > 1.0)
		p = 1.0;
	z2n = z * z / n;
	centre = (p + z2n / 2.0) / (1.0 + z2n);
	half = z / (1.0 + z2n) * sqrt(p * (1.0 - p) / n + z2n / (4.0 * n));
	*lo = centre - half;
	*hi = centre + half;
	if (*lo < 0.0)
		*lo = 0.0;
	if (*hi > 1.0)
		*hi = 1.0;
}

void
bandit_normal_interval(const BanditArm *arm, double z, double *lo, double *hi)
{
	double		n = arm->trials;
	double		mean,
				var,
				half;

	if (!(n >= 2) || !arm->has_sq)
	{
		*lo = *hi = NAN;
		return;
	}
	mean = arm->reward_sum / n;
	var = (arm->reward_sq - arm->reward_sum * mean) / (n - 1.0);
	if (!(var > 0.0))
		var = 0.0;
	half = z * sqrt(var / n);
	*lo = mean - half;
	*hi = mean + half;
}

/* ------------------------------------------------------------------------
 * P(best) by integration
 * ------------------------------------------------------------------------ */

#define GL_N 8
static const double gl_x[GL_N] = {
	-0.9602898564975363, -0.7966664774136267, -0.5255324099163290,
	-0.1834346424956498, 0.1834346424956498, 0.5255324099163290,
	0.7966664774136267, 0.9602898564975363
};
static const double gl_w[GL_N] = {
	0.1012285362903763, 0.2223810344533745, 0.3137066458778873,
	0.3626837833783620, 0.3626837833783620, 0.3137066458778873,
	0.2223810344533745, 0.1012285362903763
};

/* gl_cum[m][k] = integral over [-1, x_m] of the k-th Lagrange basis
 * polynomial through the nodes: the cumulative rule */
static double gl_cum[GL_N][GL_N];
static bool gl_cum_ready = false;

static double
lagrange(int k, double t)
{
	double		r = 1.0;
	int			j;

	for (j = 0; j < GL_N; j++)
		if (j != k)
			r *= (t - gl_x[j]) / (gl_x[k] - gl_x[j]);
	return r;
}

static void
gl_cum_init(void)
{
	int			m,
				k,
				q;

	if (gl_cum_ready)
		return;
	for (m = 0; m < GL_N; m++)
	{
		double		half = (gl_x[m] + 1.0) / 2.0;

		for (k = 0; k < GL_N; k++)
		{
			double		s = 0.0;

			/* the basis has degree 7: 8-point Gauss-Legendre is exact */
			for (q = 0; q < GL_N; q++)
				s += gl_w[q] * lagrange(k, -1.0 + half * (gl_x[q] + 1.0));
			gl_cum[m][k] = half * s;
		}
	}
	gl_cum_ready = true;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* append arm p's panel breakpoints inside [from, to] */
static int
add_breaks(const Post *p, int panels, double from, double to, double *br, int nbr)
{
	double		lo = p->lo > from ? p->lo : from;
	double		hi = p->hi < to ? p->hi : to;
	double		step;
	int			k;

	if (!(hi > lo))
		return nbr;
	step = (p->hi - p->lo) / panels;
	for (k = 0; k <= panels; k++)
	{
		double		x = p->lo + k * step;

		if (k == panels)
			x = p->hi;
		if (x >= lo && x <= hi)
			br[nbr++] = x;
	}
	br[nbr++] = lo;
	br[nbr++] = hi;
	return nbr;
}

/*
 * The interval ends of integrate_best over [from, to], sorted into br: each
 * arm's panels and a minimum resolution, merged where closer than half the
 * narrowest arm's panel (so every arm stays resolved), at most about
 * maxintervals intervals.  Returns their number (>= 2).
 */
static int
integration_breaks(const Post *posts, int n, double from, double to, int panels,
				   int minpanels, int maxintervals, double *br)
{
	double		mergetol = INFINITY;
	int			nbr = 0,
				nb,
				j,
				k;

	for (j = 0; j < n; j++)
		nbr = add_breaks(&posts[j], panels, from, to, br, nbr);
	/* a minimum resolution over the whole range */
	for (k = 0; k <= minpanels; k++)
		br[nbr++] = from + (to - from) * k / minpanels;
	qsort(br, nbr, sizeof(double), cmp_double);
	for (j = 0; j < n; j++)
	{
		double		step = (posts[j].hi - posts[j].lo) / panels;

		if (posts[j].hi > from && posts[j].lo < to && 0.5 * step < mergetol)
			mergetol = 0.5 * step;
	}
	if (mergetol > 0.5 * (to - from) / minpanels)
		mergetol = 0.5 * (to - from) / minpanels;
	if (mergetol < (to - from) / maxintervals)
		mergetol = (to - from) / maxintervals;
	nb = 1;
	for (k = 1; k < nbr; k++)
		if (br[k] - br[nb - 1] > mergetol)
			br[nb++] = br[k];
	if (nb == 1)
		br[nb++] = to;
	else if (br[nb - 1] < to)
		br[nb - 1] = to;
	return nb;
}

/*
 * Integrate f_t(x) prod_{j != t} F_j(x) over [from, to] for every arm t with
 * want[t]; the active arms are posts[0..n-1].  out[t] receives the integral,
 * outx[t] (unless NULL) the integral of x times the same integrand (summed
 * over t: the mean of the maximum).
 */
static void
integrate_best(const Post *posts, int n, const bool *want, double from,
			   double to, int panels, int minpanels, int maxintervals,
			   CxmAlloc *alloc, double *out, double *outx)
{
	double	   *br;
	double	   *F;				/* F_j at the current interval start */
	double	   *fx;				/* densities at the nodes: n x GL_N */
	double	   *Fx;				/* F_j at the nodes: n x GL_N */
	double	   *lgF;
	double		lx[GL_N],
				l1x[GL_N];
	int			nb,
				i,
				j,
				k,
				m;

	gl_cum_init();
	br = cxm_alloc(alloc, sizeof(double) * (size_t) (n * (panels + 3) + minpanels + 1));
	F = cxm_alloc(alloc, sizeof(double) * (size_t) n);
	fx = cxm_alloc(alloc, sizeof(double) * (size_t) n * GL_N);
	Fx = cxm_alloc(alloc, sizeof(double) * (size_t) n * GL_N);
	lgF = cxm_alloc(alloc, sizeof(double) * (size_t) n);
	for (j = 0; j < n; j++)
	{
		out[j] = 0.0;
		if (outx != NULL)
			outx[j] = 0.0;
		F[j] = post_cdf(&posts[j], from);
	}
	nb = integration_breaks(posts, n, from, to, panels, minpanels, maxintervals, br);

	for (k = 0; k + 1 < nb; k++)
	{
		double		u = br[k],
					v = br[k + 1],
					h = (v - u) / 2.0;

		/* log x and log(1 - x) at the nodes, shared by the Beta densities */
		for (m = 0; m < GL_N; m++)
		{
			double		x = u + h * (gl_x[m] + 1.0);

			lx[m] = x > 0.0 ? log(x) : -INFINITY;
			l1x[m] = x < 1.0 ? log1p(-x) : -INFINITY;
		}
		for (j = 0; j < n; j++)
		{
			const Post *p = &posts[j];
			double		tot = 0.0;

			if (p->hi <= u || p->lo >= v)
			{
				/* no mass here: F stays constant */
				for (m = 0; m < GL_N; m++)
				{
					fx[j * GL_N + m] = 0.0;
					Fx[j * GL_N + m] = F[j];
				}
				if (p->hi <= u)
					F[j] = 1.0;
				continue;
			}
			for (m = 0; m < GL_N; m++)
			{
				double		x = u + h * (gl_x[m] + 1.0);

				if (x <= p->lo || x >= p->hi)
					fx[j * GL_N + m] = 0.0;
				else if (p->beta)
					fx[j * GL_N + m] = exp((p->a - 1.0) * lx[m] + (p->b - 1.0) * l1x[m] - p->lognorm);
				else
					fx[j * GL_N + m] = post_pdf(p, x);
				tot += gl_w[m] * fx[j * GL_N + m];
			}
			for (m = 0; m < GL_N; m++)
			{
				double		c = 0.0,
							val;
				int			q;

				for (q = 0; q < GL_N; q++)
					c += gl_cum[m][q] * fx[j * GL_N + q];
				val = F[j] + h * c;
				Fx[j * GL_N + m] = val < 0.0 ? 0.0 : (val > 1.0 ? 1.0 : val);
			}
			F[j] += h * tot;
			if (F[j] > 1.0)
				F[j] = 1.0;
		}
		for (m = 0; m < GL_N; m++)
		{
			double		slog = 0.0;
			int			nzero = 0;

			for (j = 0; j < n; j++)
			{
				double		fv = Fx[j * GL_N + m];

				if (fv <= 0.0)
				{
					nzero++;
					lgF[j] = 0.0;
				}
				else
				{
					lgF[j] = fv < 1.0 ? log(fv) : 0.0;
					slog += lgF[j];
				}
			}
			for (i = 0; i < n; i++)
			{
				double		f = fx[i * GL_N + m];
				int			others_zero = nzero - (Fx[i * GL_N + m] <= 0.0 ? 1 : 0);

				double		term;

				if (!want[i] || f <= 0.0 || others_zero > 0)
					continue;
				term = gl_w[m] * h * f * exp(slog - lgF[i]);
				out[i] += term;
				if (outx != NULL)
					outx[i] += term * (u + h * (gl_x[m] + 1.0));
			}
		}
	}
	cxm_free(alloc, br);
	cxm_free(alloc, F);
	cxm_free(alloc, fx);
	cxm_free(alloc, Fx);
	cxm_free(alloc, lgF);
}

/*
 * With many arms the maximum of the posteriors lies far above each arm's
 * lower support bound (1000 uniform arms: above 0.97).  Start the
 * integration where the distribution function of the maximum,
 * prod_j F_j(x), reaches 1e-14 (bisection on exact F_j; only with more
 * than minarms arms, where it pays off: 8 for reports, 40 for the
 * propensity of a single choice).
 */
static double
max_start(const Post *posts, int n, double from, double to, int minarms)
{
	double		lo = from,
				hi = to;
	int			it,
				j;

	if (n <= minarms)
		return from;
	for (it = 0; it < 30; it++)
	{
		double		mid = 0.5 * (lo + hi),
					s = 0.0;

		for (j = 0; j < n && s > -32.3; j++)
		{
			double		F = post_cdf(&posts[j], mid);

			s += F > 0.0 ? log(F) : -INFINITY;
		}
		if (s > -32.3)			/* log(1e-14) */
			hi = mid;
		else
			lo = mid;
	}
	return lo;
}

#define PBEST_PANELS_REPORT 24
#define PBEST_MAX_INTERVALS 2048

void
bandit_prob_best(BanditPolicy policy, const BanditArm *arms, int narms,
				 CxmAlloc *alloc, int panels, double *p_best)
{
	bandit_prob_best_loss(policy, arms, narms, alloc, panels, p_best, NULL);
}

void
bandit_prob_best_loss(BanditPolicy policy, const BanditArm *arms, int narms,
					  CxmAlloc *alloc, int panels, double *p_best, double *loss)
{
	Post	   *posts = cxm_alloc(alloc, sizeof(Post) * (size_t) (narms > 0 ? narms : 1));
	int		   *map = cxm_alloc(alloc, sizeof(int) * (size_t) (narms > 0 ? narms : 1));
	bool	   *want;
	double	   *out,
			   *outx;
	double		from = -INFINITY,
				to = -INFINITY,
				total = 0.0,
				emax = 0.0;
	GaussPrior	g = gauss_prior(arms, narms);
	int			n = 0,
				i;

	if (panels <= 0)
		panels = PBEST_PANELS_REPORT;
	for (i = 0; i < narms; i++)
	{
		p_best[i] = NAN;
		if (loss != NULL)
			loss[i] = NAN;
		if (!arms[i].active)
			continue;
		make_post(policy, &arms[i], &g, &posts[n]);
		map[n++] = i;
	}
	if (n == 0)
		goto done;
	if (n == 1)
	{
		p_best[map[0]] = 1.0;
		if (loss != NULL)
			loss[map[0]] = 0.0;
		goto done;
	}
	/* the best arm's value is at least max_j lo_j */
	for (i = 0; i < n; i++)
	{
		if (posts[i].lo > from)
			from = posts[i].lo;
		if (posts[i].hi > to)
			to = posts[i].hi;
	}
	want = cxm_alloc(alloc, sizeof(bool) * (size_t) n);
	out = cxm_alloc(alloc, sizeof(double) * (size_t) n);
	outx = cxm_alloc(alloc, sizeof(double) * (size_t) n);
	for (i = 0; i < n; i++)
		want[i] = posts[i].hi > from;
	if (to > from)
	{
		from = max_start(posts, n, from, to, 8);
		integrate_best(posts, n, want, from, to, panels, 64,
					   PBEST_MAX_INTERVALS, alloc, out, outx);
	}
	for (i = 0; i < n; i++)
	{
		total += out[i];
		emax += outx[i];
	}
	/* all supports end at one point (to <= from): the maximum sits there */
	emax = total > 0 ? emax / total : from;
	for (i = 0; i < n; i++)
	{
		p_best[map[i]] = total > 0 ? out[i] / total : 1.0 / n;
		if (loss != NULL)
		{
			double		l = emax - posts[i].mu;

			/* the maximum is never below an arm's mean: rounding only */
			loss[map[i]] = l > 0.0 ? l : 0.0;
		}
	}
	cxm_free(alloc, want);
	cxm_free(alloc, out);
	cxm_free(alloc, outx);
done:
	cxm_free(alloc, posts);
	cxm_free(alloc, map);
}

#define PBEST_PANELS_CHOOSE 4

double
bandit_prob_best_one(BanditPolicy policy, const BanditArm *arms, int narms,
					 int target, CxmAlloc *alloc, int panels)
{
	Post	   *posts = cxm_alloc(alloc, sizeof(Post) * (size_t) narms);
	bool	   *want = cxm_alloc(alloc, sizeof(bool) * (size_t) narms);
	double	   *out = cxm_alloc(alloc, sizeof(double) * (size_t) narms);
	double		lstar = -INFINITY,
				from,
				to,
				r = 0.0;
	GaussPrior	g = gauss_prior(arms, narms);
	int			n = 0,
				t = -1,
				i;

	if (panels <= 0)
		panels = PBEST_PANELS_CHOOSE;
	for (i = 0; i < narms; i++)
	{
		if (!arms[i].active)
			continue;
		make_post(policy, &arms[i], &g, &posts[n]);
		if (posts[n].lo > lstar)
			lstar = posts[n].lo;
		if (i == target)
			t = n;
		n++;
	}
	if (t < 0)
		r = 0.0;
	else if (n == 1)
		r = 1.0;
	else
	{
		Post	   *sub = cxm_alloc(alloc, sizeof(Post) * (size_t) n);
		int			ns = 0,
					tt = 0;

		from = posts[t].lo > lstar ? posts[t].lo : lstar;
		to = posts[t].hi;
		if (to > from)
			from = max_start(posts, n, from, to, 40);
		if (to > from)
		{
			/* only arms whose F is not 1 over [from, to] matter */
			for (i = 0; i < n; i++)
			{
				if (i != t && posts[i].hi <= from)
					continue;
				if (i == t)
					tt = ns;
				sub[ns++] = posts[i];
			}
			for (i = 0; i < ns; i++)
				want[i] = (i == tt);
			integrate_best(sub, ns, want, from, to, panels, 12,
						   256, alloc, out, NULL);
			r = out[tt];
		}
		cxm_free(alloc, sub);
	}
	if (r > 1.0)
		r = 1.0;
	cxm_free(alloc, posts);
	cxm_free(alloc, want);
	cxm_free(alloc, out);
	return r;
}

/* ------------------------------------------------------------------------
 * Selection
 * ------------------------------------------------------------------------ */

static int
rand_index(BanditRng *rng, int n)
{
	int			k = (int) (rng->next(rng->ctx) * n);

	return k >= n ? n - 1 : (k < 0 ? 0 : k);
}

/* the ix-th (0-based) arm among those with flag[] set */
static int
nth_flagged(const bool *flag, int narms, int ix)
{
	int			i;

	for (i = 0; i < narms; i++)
		if (flag[i] && ix-- == 0)
			return i;
	return -1;
}

CxmStatus
bandit_select(BanditPolicy policy, double epsilon, const BanditArm *arms,
			  int narms, BanditRng *rng, CxmAlloc *alloc,
			  int *chosen, double *propensity_out)
{
	double		pr = 0.0;
	double	   *propensity = &pr;
	int			nactive = 0,
				i,
				best = -1;
	bool	   *flag;
	CxmStatus	st = CXM_OK;

	for (i = 0; i < narms; i++)
		if (arms[i].active)
			nactive++;
	if (nactive == 0)
		return CXM_EINVAL;
	flag = cxm_alloc(alloc, sizeof(bool) * (size_t) narms);

	switch (policy)
	{
		case BANDIT_UNIFORM:
			for (i = 0; i < narms; i++)
				flag[i] = arms[i].active;
			best = nth_flagged(flag, narms, rand_index(rng, nactive));
			*propensity = 1.0 / nactive;
			break;

		case BANDIT_THOMPSON:
		case BANDIT_GAUSSIAN_THOMPSON:
			{
				double		top = -INFINITY;
				GaussPrior	g = gauss_prior(arms, narms);

				for (i = 0; i < narms; i++)
				{
					Post		p;
					double		draw;

					if (!arms[i].active)
						continue;
					make_post(policy, &arms[i], &g, &p);
					draw = p.beta ? bandit_beta(rng, p.a, p.b)
						: p.mu + p.sd * bandit_normal(rng);
					if (best < 0 || draw > top)
					{
						top = draw;
						best = i;
					}
				}
				if (propensity_out != NULL)
					*propensity = bandit_prob_best_one(policy, arms, narms, best,
													   alloc, 0);
				break;
			}

		case BANDIT_UCB1:
			{
				double		total = 0.0,
							top = -INFINITY;
				int			nuntried = 0,
							nties = 0;

				for (i = 0; i < narms; i++)
				{
					flag[i] = arms[i].active && !(arms[i].trials > 0);
					if (flag[i])
						nuntried++;
					if (arms[i].active && arms[i].trials > 0)
						total += arms[i].trials;
				}
				if (nuntried == 0)
				{
					double	   *idx = cxm_alloc(alloc, sizeof(double) * (size_t) narms);

					for (i = 0; i < narms; i++)
					{
						if (!arms[i].active)
							continue;
						idx[i] = arms[i].reward_sum / arms[i].trials +
							sqrt(2.0 * log(total) / arms[i].trials);
						if (idx[i] > top)
							top = idx[i];
					}
					for (i = 0; i < narms; i++)
					{
						flag[i] = arms[i].active &&
							idx[i] >= top - 1e-12 * (fabs(top) > 1.0 ? fabs(top) : 1.0);
						if (flag[i])
							nties++;
					}
					cxm_free(alloc, idx);
				}
				else
					nties = nuntried;
				best = nth_flagged(flag, narms, rand_index(rng, nties));
				*propensity = 1.0 / nties;
				break;
			}

		case BANDIT_EPSILON_GREEDY:
			{
				double		top = -INFINITY;
				int			ngreedy = 0;
				bool		any_untried = false;

				for (i = 0; i < narms; i++)
					if (arms[i].active && !(arms[i].trials > 0))
						any_untried = true;
				for (i = 0; i < narms; i++)
				{
					double		m;

					flag[i] = false;
					if (!arms[i].active)
						continue;
					/* untried arms count as best, so each gets tried */
					m = arms[i].trials > 0 ? arms[i].reward_sum / arms[i].trials : INFINITY;
					if (any_untried ? isinf(m) : m > top)
						top = m;
				}
				for (i = 0; i < narms; i++)
				{
					double		m;

					if (!arms[i].active)
						continue;
					m = arms[i].trials > 0 ? arms[i].reward_sum / arms[i].trials : INFINITY;
					flag[i] = any_untried ? isinf(m) :
						m >= top - 1e-12 * (fabs(top) > 1.0 ? fabs(top) : 1.0);
					if (flag[i])
						ngreedy++;
				}
				if (rng->next(rng->ctx) < epsilon)
				{
					bool	   *act = cxm_alloc(alloc, sizeof(bool) * (size_t) narms);

					for (i = 0; i < narms; i++)
						act[i] = arms[i].active;
					best = nth_flagged(act, narms, rand_index(rng, nactive));
					cxm_free(alloc, act);
				}
				else
					best = nth_flagged(flag, narms, rand_index(rng, ngreedy));
				*propensity = epsilon / nactive + (flag[best] ? (1.0 - epsilon) / ngreedy : 0.0);
				break;
			}

		default:
			st = CXM_EINVAL;
	}
	cxm_free(alloc, flag);
	*chosen = best;
	if (propensity_out != NULL)
		*propensity_out = pr;
	return st;
}

/* ------------------------------------------------------------------------
 * Distributions for the frequentist comparisons
 * ------------------------------------------------------------------------ */

/* beyond this many degrees of freedom the t distribution is the normal one
 * to better than 1e-6 (and the incomplete beta converges slowly) */
#define T_DF_NORMAL 1e6

/* P(T > t) for Student's t with df degrees of freedom (df > 0) */
double
bandit_t_sf(double t, double df)
{
	double		tail;

	if (isnan(t) || !(df > 0))
		return NAN;
	if (df > T_DF_NORMAL)
		return cxm_norm_sf(t);
	if (isinf(t))
		return t > 0 ? 0.0 : 1.0;
	/* P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2) */
	tail = 0.5 * bandit_incbeta(df / (df + t * t), 0.5 * df, 0.5);
	return t >= 0 ? tail : 1.0 - tail;
}

static double
t_pdf(double t, double df)
{
	return exp(lgamma(0.5 * (df + 1.0)) - lgamma(0.5 * df) - 0.5 * log(df * M_PI) -
			   0.5 * (df + 1.0) * log1p(t * t / df));
}

/*
 * The p-quantile of Student's t: Newton steps on the distribution function
 * from the Cornish-Fisher start, kept inside a bracket that bisection
 * shrinks whenever a step would leave it.
 */
double
bandit_t_quantile(double p, double df)
{
	double		z,
				x,
				lo,
				hi;
	int			it;

	if (isnan(p) || !(df > 0) || p < 0.0 || p > 1.0)
		return NAN;
	if (p == 0.0)
		return -INFINITY;
	if (p == 1.0)
		return INFINITY;
	z = cxm_norm_quantile(p);
	if (df > T_DF_NORMAL)
		return z;
	if (p < 0.5)
		return -bandit_t_quantile(1.0 - p, df);
	if (p == 0.5)
		return 0.0;
	x = z + (z * z * z + z) / (4.0 * df) +
		(5.0 * pow(z, 5) + 16.0 * z * z * z + 3.0 * z) / (96.0 * df * df);
	lo = 0.0;
	hi = INFINITY;
	for (it = 0; it < 200; it++)
	{
		double		f = (1.0 - bandit_t_sf(x, df)) - p;
		double		step,
					nx;

		if (f > 0)
			hi = x;
		else
			lo = x;
		step = f / t_pdf(x, df);
		nx = x - step;
		if (!(nx > lo && nx < hi))
			nx = isinf(hi) ? 2.0 * x + 1.0 : 0.5 * (lo + hi);
		if (fabs(nx - x) <= 1e-13 * (1.0 + fabs(x)))
			return nx;
		x = nx;
	}
	return x;
}

/*
 * Regularized upper incomplete gamma Q(s, x): the series of P for
 * x < s + 1, the continued fraction of Q (modified Lentz) above.
 */
static double
upper_gamma_q(double s, double x)
{
	double		lpre;
	int			k;

	if (!(s > 0) || isnan(x))
		return NAN;
	if (x <= 0.0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	lpre = s * log(x) - x - lgamma(s);
	if (x < s + 1.0)
	{
		double		term = 1.0 / s,
					sum = term;

		for (k = 1; k < 100000; k++)
		{
			term *= x / (s + k);
			sum += term;
			if (term < sum * 1e-16)
				break;
		}
		return 1.0 - exp(lpre) * sum;
	}
	else
	{
		/* Q = e^lpre / (x + 1 - s - 1(1 - s) / (x + 3 - s - 2(2 - s) / ...)) */
		double		b = x + 1.0 - s,
					c = 1.0 / 1e-300,
					d = 1.0 / b,
					h = d;

		for (k = 1; k < 100000; k++)
		{
			double		an = -k * (k - s),
						del;

			b += 2.0;
			d = an * d + b;
			if (fabs(d) < 1e-300)
				d = 1e-300;
			c = b + an / c;
			if (fabs(c) < 1e-300)
				c = 1e-300;
			d = 1.0 / d;
			del = d * c;
			h *= del;
			if (fabs(del - 1.0) < 1e-16)
				break;
		}
		return exp(lpre) * h;
	}
}

double
bandit_chisq_sf(double x, double df)
{
	if (!(df > 0) || isnan(x))
		return NAN;
	return upper_gamma_q(0.5 * df, 0.5 * x);
}

double
bandit_srm_p(const double *observed, const double *weights, int k)
{
	double		n = 0.0,
				wsum = 0.0,
				chi2 = 0.0;
	int			i;

	if (k < 2)
		return NAN;
	for (i = 0; i < k; i++)
	{
		if (!(weights[i] > 0) || !(observed[i] >= 0))
			return NAN;
		n += observed[i];
		wsum += weights[i];
	}
	if (!(n > 0))
		return NAN;
	for (i = 0; i < k; i++)
	{
		double		e = n * weights[i] / wsum;

		chi2 += (observed[i] - e) * (observed[i] - e) / e;
	}
	return bandit_chisq_sf(chi2, k - 1.0);
}

/* ------------------------------------------------------------------------
 * Frequentist comparisons with the control
 * ------------------------------------------------------------------------ */

static void
diff_clear(BanditDiff *d)
{
	d->abs_uplift = d->abs_lo = d->abs_hi = NAN;
	d->rel_uplift = d->rel_lo = d->rel_hi = NAN;
	d->p_value = NAN;
}

/*
 * Fill the uplifts of t against c and their intervals from the means, the
 * variances of the means and the quantile q; interval widths of zero (no
 * variance) leave NaN.
 */
static void
diff_fill(double mt, double vt, double mc, double vc, double q, BanditDiff *d)
{
	double		se = sqrt(vt + vc);

	d->abs_uplift = mt - mc;
	if (se > 0 && isfinite(se) && isfinite(q))
	{
		d->abs_lo = d->abs_uplift - q * se;
		d->abs_hi = d->abs_uplift + q * se;
	}
	if (mc != 0.0)
	{
		/* delta method: var(mt/mc) = vt/mc^2 + mt^2 vc/mc^4 */
		double		rse = sqrt(vt / (mc * mc) + mt * mt * vc / (mc * mc * mc * mc));

		d->rel_uplift = mt / mc - 1.0;
		if (rse > 0 && isfinite(rse) && isfinite(q))
		{
			d->rel_lo = d->rel_uplift - q * rse;
			d->rel_hi = d->rel_uplift + q * rse;
		}
	}
}

void
bandit_two_prop(double st, double nt, double sc, double nc, double level,
				BanditDiff *d)
{
	double		pt,
				pc,
				pool,
				sp,
				q = cxm_norm_quantile(0.5 + 0.5 * level);

	diff_clear(d);
	if (!(nt > 0) || !(nc > 0))
		return;
	pt = st / nt;
	pc = sc / nc;
	if (!(nt >= 2) || !(nc >= 2))
	{
		/* one trial: point estimates only */
		diff_fill(pt, NAN, pc, NAN, NAN, d);
		d->abs_lo = d->abs_hi = d->rel_lo = d->rel_hi = NAN;
		return;
	}
	diff_fill(pt, pt * (1.0 - pt) / nt, pc, pc * (1.0 - pc) / nc, q, d);
	pool = (st + sc) / (nt + nc);
	sp = sqrt(pool * (1.0 - pool) * (1.0 / nt + 1.0 / nc));
	if (sp > 0 && isfinite(sp))
		d->p_value = cxm_two_sided_p((pt - pc) / sp);
}

/* sample variance of the mean from (n, sum, sum of squares); NaN below n = 2 */
static double
var_of_mean(const BanditArm *a)
{
	double		m,
				v;

	if (!(a->trials >= 2))
		return NAN;
	m = a->reward_sum / a->trials;
	v = (a->reward_sq - a->reward_sum * m) / (a->trials - 1.0);
	if (!(v > 0))
		v = 0.0;
	return v / a->trials;
}

void
bandit_welch(const BanditArm *t, const BanditArm *c, double level, BanditDiff *d)
{
	double		vt,
				vc,
				df,
				q,
				se;

	diff_clear(d);
	if (!(t->trials > 0) || !(c->trials > 0))
		return;
	vt = var_of_mean(t);
	vc = var_of_mean(c);
	if (isnan(vt) || isnan(vc) || !(vt + vc > 0))
	{
		diff_fill(t->reward_sum / t->trials, NAN, c->reward_sum / c->trials, NAN, NAN, d);
		d->abs_lo = d->abs_hi = d->rel_lo = d->rel_hi = NAN;
		return;
	}
	/* Welch-Satterthwaite degrees of freedom */
	df = (vt + vc) * (vt + vc) /
		(vt * vt / (t->trials - 1.0) + vc * vc / (c->trials - 1.0));
	q = bandit_t_quantile(0.5 + 0.5 * level, df);
	diff_fill(t->reward_sum / t->trials, vt, c->reward_sum / c->trials, vc, q, d);
	se = sqrt(vt + vc);
	d->p_value = 2.0 * bandit_t_sf(fabs(d->abs_uplift) / se, df);
	if (d->p_value > 1.0)
		d->p_value = 1.0;
}

/*
 * Hajek estimate: mean = sum w y / sum w; its variance by linearization,
 * sum w^2 (y - mean)^2 / (sum w)^2, times n / (n - 1).
 */
void
bandit_ipw(const BanditWeighted *w, BanditEstimate *e)
{
	double		m,
				v;

	e->mean = e->var = NAN;
	if (!(w->n > 0) || !(w->sw > 0))
		return;
	m = w->swy / w->sw;
	e->mean = m;
	if (!(w->n >= 2))
		return;
	v = (w->sw2y2 - 2.0 * m * w->sw2y + m * m * w->sw2) / (w->sw * w->sw);
	if (!(v > 0))
		v = 0.0;
	e->var = v * w->n / (w->n - 1.0);
}

int
bandit_period_count(double subjects)
{
	double		p = floor(subjects / BANDIT_PERIOD_SUBJECTS);

	if (!(p >= 1))
		return 1;
	return p > BANDIT_PERIODS ? BANDIT_PERIODS : (int) p;
}

void
bandit_period_estimates(const BanditArm *tp, const BanditArm *cp,
						const double *total, int periods,
						BanditEstimate *et, BanditEstimate *ec)
{
	double		W = 0.0;
	int			i;

	et->mean = et->var = ec->mean = ec->var = NAN;
	for (i = 0; i < periods; i++)
		if (tp[i].trials >= 2 && cp[i].trials >= 2 && total[i] > 0)
			W += total[i];
	if (!(W > 0))
		return;
	et->mean = et->var = ec->mean = ec->var = 0.0;
	for (i = 0; i < periods; i++)
	{
		double		w;

		if (!(tp[i].trials >= 2 && cp[i].trials >= 2 && total[i] > 0))
			continue;
		w = total[i] / W;
		et->mean += w * tp[i].reward_sum / tp[i].trials;
		ec->mean += w * cp[i].reward_sum / cp[i].trials;
		et->var += w * w * var_of_mean(&tp[i]);
		ec->var += w * w * var_of_mean(&cp[i]);
	}
}

void
bandit_diff_normal(const BanditEstimate *t, const BanditEstimate *c,
				   double level, BanditDiff *d)
{
	double		se;

	diff_clear(d);
	if (isnan(t->mean) || isnan(c->mean))
		return;
	diff_fill(t->mean, t->var, c->mean, c->var,
			  cxm_norm_quantile(0.5 + 0.5 * level), d);
	se = sqrt(t->var + c->var);
	if (se > 0 && isfinite(se))
		d->p_value = cxm_two_sided_p(d->abs_uplift / se);
}

/* ------------------------------------------------------------------------
 * Bayesian comparison of two arms
 * ------------------------------------------------------------------------ */

#define PAIR_PANELS 32

/*
 * Over the union of both supports, cut into panels of each, integrate with
 * 8-point Gauss-Legendre:
 *   chance = int f_t F_c,  loss = int f_c (x F_t - M_t),  closs = int f_t (x F_c - M_c)
 * with M(x) = int_{-inf}^x y f(y) dy.  F and M start at 0 below both
 * supports and are carried forward with the cumulative rule (gl_cum), so no
 * incomplete beta function is needed.
 */
static void
pair_integrals(const Post *c, const Post *t, int panels, double *chance,
			   double *loss, double *closs)
{
	const Post *pp[2] = {c, t};
	double		br[2 * (PAIR_PANELS * 4 + 1)];
	double		F[2] = {0, 0},
				M[2] = {0, 0};
	double		ch = 0,
				ls = 0,
				cl = 0;
	int			nbr = 0,
				nb,
				k,
				j,
				m;

	gl_cum_init();
	if (panels <= 0 || panels > PAIR_PANELS * 4)
		panels = PAIR_PANELS;
	for (j = 0; j < 2; j++)
		for (k = 0; k <= panels; k++)
			br[nbr++] = k == panels ? pp[j]->hi :
				pp[j]->lo + (pp[j]->hi - pp[j]->lo) * k / panels;
	qsort(br, nbr, sizeof(double), cmp_double);
	nb = 1;
	for (k = 1; k < nbr; k++)
		if (br[k] > br[nb - 1])
			br[nb++] = br[k];
	for (k = 0; k + 1 < nb; k++)
	{
		double		u = br[k],
					h = (br[k + 1] - u) / 2.0;
		double		x[GL_N],
					f[2][GL_N],
					Fx[2][GL_N],
					Mx[2][GL_N];

		for (m = 0; m < GL_N; m++)
			x[m] = u + h * (gl_x[m] + 1.0);
		for (j = 0; j < 2; j++)
		{
			double		tf = 0,
						tm = 0;

			for (m = 0; m < GL_N; m++)
			{
				f[j][m] = post_pdf(pp[j], x[m]);
				tf += gl_w[m] * f[j][m];
				tm += gl_w[m] * f[j][m] * x[m];
			}
			for (m = 0; m < GL_N; m++)
			{
				double		cf = 0,
							cm = 0;
				int			q;

				for (q = 0; q < GL_N; q++)
				{
					cf += gl_cum[m][q] * f[j][q];
					cm += gl_cum[m][q] * f[j][q] * x[q];
				}
				Fx[j][m] = F[j] + h * cf;
				Mx[j][m] = M[j] + h * cm;
			}
			F[j] += h * tf;
			M[j] += h * tm;
		}
		for (m = 0; m < GL_N; m++)
		{
			double		w = gl_w[m] * h;

			ch += w * f[1][m] * Fx[0][m];
			ls += w * f[0][m] * (x[m] * Fx[1][m] - Mx[1][m]);
			cl += w * f[1][m] * (x[m] * Fx[0][m] - Mx[0][m]);
		}
	}
	*chance = ch < 0 ? 0 : (ch > 1 ? 1 : ch);
	*loss = ls > 0 ? ls : 0;
	*closs = cl > 0 ? cl : 0;
}

/*
 * A Beta posterior with few successes (or failures) is skewed with an
 * exponential tail: beyond mean + 12 sd lies about e^-13 = 2e-6 of its mass.
 * Two arms are cheap, so their Beta supports reach 40 sd (mass left out
 * below 1e-17); normal tails beyond 12 sd are negligible already.
 */
#define PAIR_SUPPORT_SD 40.0

static void
pair_support(Post *p)
{
	if (!p->beta)
		return;
	p->lo = p->mu - PAIR_SUPPORT_SD * p->sd;
	p->hi = p->mu + PAIR_SUPPORT_SD * p->sd;
	if (p->lo < 0.0)
		p->lo = 0.0;
	if (p->hi > 1.0)
		p->hi = 1.0;
}

void
bandit_compare_bayes(BanditPolicy policy, const BanditArm *arms, int narms,
					 int t, int c, int panels, double *chance, double *loss,
					 double *closs)
{
	GaussPrior	g = gauss_prior(arms, narms);
	Post		pc,
				pt;

	make_post(policy, &arms[c], &g, &pc);
	make_post(policy, &arms[t], &g, &pt);
	pair_support(&pc);
	pair_support(&pt);
	pair_integrals(&pc, &pt, panels, chance, loss, closs);
}

/* ------------------------------------------------------------------------
 * Stopping rule
 * ------------------------------------------------------------------------ */

BanditDecision
bandit_decide(const BanditArm *arms, int narms, int control,
			  const double *loss_best, const bool *guardrail_failed,
			  double threshold, double min_sample, int *ship)
{
	int			best = -1,
				i;

	*ship = -1;
	if (control < 0 || control >= narms || !(arms[control].trials >= min_sample))
		return BANDIT_KEEP_RUNNING;
	for (i = 0; i < narms; i++)
	{
		if (!arms[i].active)
			continue;
		if (!(arms[i].trials >= min_sample))
			return BANDIT_KEEP_RUNNING;
		if (i != control && guardrail_failed != NULL && guardrail_failed[i])
			continue;
		if (isnan(loss_best[i]))
			continue;
		if (best < 0 || loss_best[i] < loss_best[best])
			best = i;
	}
	if (best < 0 || !(loss_best[best] < threshold))
		return BANDIT_KEEP_RUNNING;
	if (best == control ||
		(arms[control].active && loss_best[control] < threshold))
		return BANDIT_NO_DIFFERENCE;
	*ship = best;
	return BANDIT_SHIP;
}
