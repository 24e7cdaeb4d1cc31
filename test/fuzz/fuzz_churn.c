/*
 * fuzz_churn.c
 *	  libFuzzer target: the BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma
 *	  functions of churn_core.c on extreme and random doubles (the four model
 *	  parameters serve all three churn models).  Inputs are validated the way the SQL glue
 *	  (src/churn.c) validates them: model parameters positive and finite,
 *	  summaries accepted by cxm_bgnbd_row_problem / cxm_gg_row_problem, a
 *	  finite horizon >= 0, discount_rate finite and > -1.  Then:
 *	    - nothing crashes (ASan, UBSan);
 *	    - p_alive is within [0, 1] (or comes with a non-OK status);
 *	    - expected purchases, expected spend and CLV are finite and >= 0, or
 *	      come with a non-OK status;
 *	    - cxm_hyp2f1 returns a finite value or a non-OK status;
 *	    - the log-likelihoods and their gradients are computed (any value).
 *
 * Input layout: one byte of flags, then 8-byte words.  Each word becomes a
 * double in one of four ways picked by its two low bits: its raw bit pattern
 * (NaN, infinities, subnormals), a small integer (frequencies), a positive
 * number 2^e with e in [-512, 511] (extreme scales), or a decimal 0..999.99.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "churn_core.h"

#define NWORDS 16

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static double
word_double(const uint8_t *p)
{
	uint64_t	u;
	double		d;

	memcpy(&u, p, sizeof(u));
	switch (u & 3)
	{
		case 0:
			memcpy(&d, &u, sizeof(d));
			return d;
		case 1:
			return (double) ((u >> 2) % 1000);
		case 2:
			return ldexp(1.0 + (double) ((u >> 12) & 0xFFFFF) / 1048576.0,
						 (int) ((u >> 2) & 0x3FF) - 512);
		default:
			return (double) ((u >> 2) % 100000) / 100.0;
	}
}

static int
model_ok(const double *p, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (!(p[i] > 0.0) || !isfinite(p[i]))
			return 0;
	return 1;
}

static void
check_value(CxmStatus st, double v)
{
	if (st == CXM_OK && (!isfinite(v) || v < 0.0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double		w[NWORDS];
	double		grad[4];
	double		out,
				pa;
	CxmBgnbd	bg;
	CxmGammaGamma gg;
	CxmSummaryRow row[2];
	int			i,
				bg_ok,
				gg_ok,
				row_ok,
				grow_ok,
				horizon;
	uint8_t		flags;
	CxmStatus	st;

	if (size < 1 + 8 * NWORDS)
		return 0;
	flags = data[0];
	for (i = 0; i < NWORDS; i++)
		w[i] = word_double(data + 1 + 8 * i);

	bg.r = w[0];
	bg.alpha = w[1];
	bg.a = w[2];
	bg.b = w[3];
	gg.p = w[4];
	gg.q = w[5];
	gg.v = w[6];
	bg_ok = model_ok(w, 4);
	gg_ok = model_ok(w + 4, 3);
	/* x, tx, t, mean spend, horizon, discount rate, hyp2f1 a, b, c, z */
	row_ok = cxm_bgnbd_row_problem(w[7], w[8], w[9]) == NULL;
	grow_ok = cxm_gg_row_problem(w[7], w[10]) == NULL;
	horizon = (int) (((uint64_t) flags * 7) % 200);

	/* the special function, on anything */
	st = cxm_hyp2f1(w[12], w[13], w[14], w[15], &out);
	if (st == CXM_OK && !isfinite(out))
		abort();

	if (bg_ok && row_ok)
	{
		row[0].x = w[7];
		row[0].tx = w[8];
		row[0].t = w[9];
		row[0].count = 1 + (flags & 15);
		row[1].x = 0.0;
		row[1].tx = 0.0;
		row[1].t = w[9];
		row[1].count = 1;
		(void) cxm_bgnbd_loglik(&bg, row, (flags & 16) ? 2 : 1, (flags & 32) ? grad : NULL);

		pa = cxm_bgnbd_p_alive(&bg, w[7], w[8], w[9]);
		if (!(pa >= 0.0 && pa <= 1.0))
			abort();

		if (w[11] >= 0.0 && isfinite(w[11]))
		{
			out = -1.0;
			st = cxm_bgnbd_expected(&bg, w[11], w[7], w[8], w[9], &out);
			check_value(st, out);
		}

		/* MBG/NBD: the same parameters */
		(void) cxm_mbgnbd_loglik(&bg, row, (flags & 16) ? 2 : 1, (flags & 32) ? grad : NULL);
		pa = cxm_mbgnbd_p_alive(&bg, w[7], w[8], w[9]);
		if (!(pa >= 0.0 && pa <= 1.0))
			abort();
		if (w[11] >= 0.0 && isfinite(w[11]))
		{
			out = -1.0;
			st = cxm_mbgnbd_expected(&bg, w[11], w[7], w[8], w[9], &out);
			check_value(st, out);
		}

		/* Pareto/NBD: r, alpha, s, beta */
		{
			CxmParetoNbd pn = {bg.r, bg.alpha, bg.a, bg.b};

			(void) cxm_pnbd_loglik(&pn, row, (flags & 16) ? 2 : 1, (flags & 32) ? grad : NULL);
			pa = -1.0;
			st = cxm_pnbd_p_alive(&pn, w[7], w[8], w[9], &pa);
			if (st == CXM_OK && !(pa >= 0.0 && pa <= 1.0))
				abort();
			if (w[11] >= 0.0 && isfinite(w[11]))
			{
				out = -1.0;
				st = cxm_pnbd_expected(&pn, w[11], w[7], w[8], w[9], &out);
				check_value(st, out);
			}
		}
	}

	if (gg_ok && grow_ok)
	{
		row[0].x = w[7];
		row[0].tx = w[10];
		row[0].t = 0.0;
		row[0].count = 1 + (flags & 15);
		(void) cxm_gg_loglik(&gg, row, 1, (flags & 64) ? grad : NULL);
		out = -1.0;
		st = cxm_gg_expected_spend(&gg, w[7], w[10], &out);
		check_value(st, out);
	}

	/* CLV as churn_clv calls it: both rows valid, the spend model defined */
	if (bg_ok && gg_ok && row_ok && grow_ok && w[11] > -1.0 && isfinite(w[11]) &&
		!(w[7] > 0.0 && gg.p * w[7] + gg.q <= 1.0) && !(w[7] == 0.0 && gg.q <= 1.0))
	{
		CxmChurnModel cm = {(CxmChurnKind) (flags % 3), {bg.r, bg.alpha, bg.a, bg.b}};

		out = -1.0;
		st = cxm_clv(&bg, &gg, w[7], w[8], w[9], w[10], horizon, w[11], &out);
		check_value(st, out);
		out = -1.0;
		st = cxm_churn_clv(&cm, &gg, w[7], w[8], w[9], w[10], horizon, w[11], &out);
		check_value(st, out);
	}
	return 0;
}
