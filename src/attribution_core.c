/*
 * attribution_core.c
 *	  Multi-touch attribution: state, heuristic models and the exact Markov
 *	  removal-effect solver.  Pure C99, no server headers.
 *
 * Markov model.  The states are START, the channels, CONV and NULL.  Let
 * C[i][j] count the transitions i -> j between channels, conv[i] those
 * i -> CONV, D[i] every transition out of channel i and start[j] those
 * START -> j.  With Q = D^-1 C the transient part of the chain, the
 * absorption probabilities into CONV solve (I - Q) x = D^-1 conv, i.e.
 *
 *		A x = conv,		A = D - C	(exact integers; self-loops cancel)
 *
 * and P(conversion) = sum_j start[j] x[j] / sum_j start[j].
 *
 * Removing channel c sends every transition into c to NULL.  By the strong
 * Markov property P(conv) = P(conv without visiting c) + h_c x_c, h_c the
 * probability of ever visiting c from START, so
 *
 *		RE(c) = 1 - P_without_c(conv) / P(conv) = h_c x_c / P(conv).
 *
 * h_c = (expected visits to c) / (expected visits to c starting at c)
 *	   = (start^T A^-1)_c / (A^-1)_cc,
 * the D factors cancelling.  One LU factorisation of A with partial
 * pivoting gives x, u = A^-T start and the diagonal of A^-1 (one solve per
 * channel that can matter): O(n^3) for n channels in all, instead of one
 * factorisation per removed channel.  x and u get one step of iterative
 * refinement with the residual computed from the sparse counts.
 *
 * Self-loops (a channel touched twice in a row) are counted, as in the
 * ChannelAttribution R package, but they cancel in A: absorption and
 * visiting probabilities only depend on the jump chain, so collapsing
 * repeats (path_collapse) gives the same markov credits.
 */
#include "attribution_core.h"
#include "arena_core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const attr_model_names[ATTR_NMODELS] = {
	"first_touch", "last_touch", "linear", "position", "markov"
};

bool
attr_model_parse(const char *name, size_t len, AttrModel *model)
{
	int			i;

	for (i = 0; i < ATTR_NMODELS; i++)
	{
		if (strlen(attr_model_names[i]) == len &&
			memcmp(attr_model_names[i], name, len) == 0)
		{
			*model = (AttrModel) i;
			return true;
		}
	}
	return false;
}

const char *
attr_model_name(AttrModel model)
{
	if ((int) model < 0 || (int) model >= ATTR_NMODELS)
		return "?";
	return attr_model_names[model];
}

static void
set_msg(char *msg, size_t msglen, const char *text)
{
	if (msg != NULL && msglen > 0)
		snprintf(msg, msglen, "%s", text);
}

/* Neumaier's compensated sum: value = *sum + *comp */
static void
ksum_add(double *sum, double *comp, double v)
{
	double		t = *sum + v;

	if (fabs(*sum) >= fabs(v))
		*comp += (*sum - t) + v;
	else
		*comp += (v - t) + *sum;
	*sum = t;
}

static uint32_t
hash_pair(uint32_t a, uint32_t b)
{
	uint64_t	k = ((uint64_t) a << 32) | b;

	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64_C(0xc4ceb9fe1a85ec53);
	k ^= k >> 33;
	return (uint32_t) k;
}

AttrState *
attr_state_create(const CxmAlloc *alloc, AttrModel model)
{
	AttrState  *s = cxm_alloc(alloc, sizeof(AttrState));

	s->alloc = *alloc;
	s->model = model;
	s->chcap = 8;
	s->ch = cxm_alloc(alloc, sizeof(AttrChannel) * s->chcap);
	s->chmask = 15;
	s->chslot = cxm_alloc(alloc, sizeof(int32_t) * (s->chmask + 1));
	if (model == ATTR_MARKOV)
	{
		s->trcap = 16;
		s->tr = cxm_alloc(alloc, sizeof(AttrTrans) * s->trcap);
		s->trmask = 31;
		s->trslot = cxm_alloc(alloc, sizeof(int32_t) * (s->trmask + 1));
	}
	return s;
}

void
attr_state_free(AttrState *s)
{
	int32_t		i;
	CxmAlloc	a;

	if (s == NULL)
		return;
	a = s->alloc;
	for (i = 0; i < s->nchannels; i++)
		cxm_free(&a, s->ch[i].name);
	cxm_free(&a, s->ch);
	cxm_free(&a, s->chslot);
	cxm_free(&a, s->tr);
	cxm_free(&a, s->trslot);
	cxm_free(&a, s);
}

/* ---- channel interning -------------------------------------------------- */

static void
channel_rehash(AttrState *s)
{
	uint32_t	newmask = s->chmask * 2 + 1;
	int32_t    *slots = cxm_alloc(&s->alloc, sizeof(int32_t) * ((size_t) newmask + 1));
	int32_t		i;

	for (i = 0; i < s->nchannels; i++)
	{
		uint32_t	h = s->ch[i].hash & newmask;

		while (slots[h] != 0)
			h = (h + 1) & newmask;
		slots[h] = i + 1;
	}
	cxm_free(&s->alloc, s->chslot);
	s->chslot = slots;
	s->chmask = newmask;
}

/* index of the channel, -1 when absent; *slot_out gets its (free) slot */
static int32_t
channel_find(const AttrState *s, const char *name, size_t len, uint32_t hash,
			 uint32_t *slot_out)
{
	uint32_t	h = hash & s->chmask;

	while (s->chslot[h] != 0)
	{
		const AttrChannel *c = &s->ch[s->chslot[h] - 1];

		if (c->hash == hash && c->len == len && memcmp(c->name, name, len) == 0)
			return s->chslot[h] - 1;
		h = (h + 1) & s->chmask;
	}
	if (slot_out)
		*slot_out = h;
	return -1;
}

/* intern a channel; its index, or -1 when a limit is exceeded */
static int32_t
channel_intern(AttrState *s, const char *name, size_t len, bool *is_new)
{
	uint32_t	hash = cxm_hash_bytes(name, len);
	uint32_t	slot = 0;
	int32_t		idx = channel_find(s, name, len, hash, &slot);
	AttrChannel *c;

	if (is_new)
		*is_new = (idx < 0);
	if (idx >= 0)
		return idx;
	if (len > ATTR_MAX_NAME_LEN || s->nchannels >= ATTR_MAX_CHANNELS)
		return -1;
	if (s->nchannels == s->chcap)
	{
		AttrChannel *nc = cxm_alloc(&s->alloc, sizeof(AttrChannel) * (size_t) s->chcap * 2);

		memcpy(nc, s->ch, sizeof(AttrChannel) * s->nchannels);
		cxm_free(&s->alloc, s->ch);
		s->ch = nc;
		s->chcap *= 2;
	}
	idx = s->nchannels++;
	c = &s->ch[idx];
	c->name = cxm_alloc(&s->alloc, len > 0 ? len : 1);
	if (len > 0)
		memcpy(c->name, name, len);
	c->len = (uint32_t) len;
	c->hash = hash;
	c->credit = 0;
	c->comp = 0;
	s->chslot[slot] = idx + 1;
	if ((uint32_t) s->nchannels * 2 > s->chmask)
		channel_rehash(s);
	return idx;
}

/* ---- transition counts --------------------------------------------------- */

static void
trans_rehash(AttrState *s)
{
	uint32_t	newmask = s->trmask * 2 + 1;
	int32_t    *slots = cxm_alloc(&s->alloc, sizeof(int32_t) * ((size_t) newmask + 1));
	int32_t		i;

	for (i = 0; i < s->ntrans; i++)
	{
		uint32_t	h = hash_pair(s->tr[i].from, s->tr[i].to) & newmask;

		while (slots[h] != 0)
			h = (h + 1) & newmask;
		slots[h] = i + 1;
	}
	cxm_free(&s->alloc, s->trslot);
	s->trslot = slots;
	s->trmask = newmask;
}

/* the entry of (from, to), created with count 0 when new */
static AttrTrans *
trans_get(AttrState *s, uint32_t from, uint32_t to, bool *is_new)
{
	uint32_t	h = hash_pair(from, to) & s->trmask;
	AttrTrans  *t;

	while (s->trslot[h] != 0)
	{
		t = &s->tr[s->trslot[h] - 1];
		if (t->from == from && t->to == to)
		{
			if (is_new)
				*is_new = false;
			return t;
		}
		h = (h + 1) & s->trmask;
	}
	if (is_new)
		*is_new = true;
	if (s->ntrans == s->trcap)
	{
		AttrTrans  *nt = cxm_alloc(&s->alloc, sizeof(AttrTrans) * (size_t) s->trcap * 2);

		memcpy(nt, s->tr, sizeof(AttrTrans) * s->ntrans);
		cxm_free(&s->alloc, s->tr);
		s->tr = nt;
		s->trcap *= 2;
	}
	t = &s->tr[s->ntrans++];
	t->from = from;
	t->to = to;
	t->count = 0;
	s->trslot[h] = s->ntrans;
	if ((uint32_t) s->ntrans * 2 > s->trmask)
	{
		trans_rehash(s);
		t = &s->tr[s->ntrans - 1];
	}
	return t;
}

static CxmStatus
trans_add(AttrState *s, uint32_t from, uint32_t to, int64_t count,
		  char *msg, size_t msglen)
{
	AttrTrans  *t = trans_get(s, from, to, NULL);

	if (t->count > INT64_MAX - count)
	{
		set_msg(msg, msglen, "attribution transition count overflows bigint");
		return CXM_ERANGE;
	}
	t->count += count;
	return CXM_OK;
}

/* ---- adding journeys ----------------------------------------------------- */

static void
credit_add(AttrState *s, int32_t idx, double v)
{
	ksum_add(&s->ch[idx].credit, &s->ch[idx].comp, v);
}

CxmStatus
attr_add_journey(AttrState *s, const char *const *names, const size_t *lens,
				 int n, double conversions, char *msg, size_t msglen)
{
	return attr_add_journeys(s, names, lens, n, conversions, 1, msg, msglen);
}

CxmStatus
attr_add_journeys(AttrState *s, const char *const *names, const size_t *lens,
				  int n, double conversions, int64_t count, char *msg, size_t msglen)
{
	int32_t		stack_ids[64];
	int32_t    *ids = stack_ids;
	int			i;
	CxmStatus	st = CXM_OK;

	if (!(conversions >= 0) || isinf(conversions))
	{
		if (msg != NULL && msglen > 0)
			snprintf(msg, msglen, "conversions %g must be a non-negative number", conversions);
		return CXM_EINVAL;
	}
	if (n < 1)
	{
		set_msg(msg, msglen, "an attribution path needs at least one touch");
		return CXM_EINVAL;
	}
	if (count < 1)
	{
		if (msg != NULL && msglen > 0)
			snprintf(msg, msglen, "journeys %lld must be at least 1", (long long) count);
		return CXM_EINVAL;
	}
	if (s->njourneys > INT64_MAX - count)
	{
		set_msg(msg, msglen, "too many journeys in one attribution group");
		return CXM_ERANGE;
	}
	if (n > 64)
		ids = cxm_alloc(&s->alloc, sizeof(int32_t) * (size_t) n);
	for (i = 0; i < n; i++)
	{
		ids[i] = channel_intern(s, names[i], lens[i], NULL);
		if (ids[i] < 0)
		{
			set_msg(msg, msglen, "too many or too long attribution channels");
			st = CXM_ERANGE;
			goto done;
		}
	}

	switch (s->model)
	{
		case ATTR_FIRST_TOUCH:
			credit_add(s, ids[0], conversions);
			break;
		case ATTR_LAST_TOUCH:
			credit_add(s, ids[n - 1], conversions);
			break;
		case ATTR_LINEAR:
			for (i = 0; i < n; i++)
				credit_add(s, ids[i], conversions / n);
			break;
		case ATTR_POSITION:
			if (n == 1)
				credit_add(s, ids[0], conversions);
			else if (n == 2)
			{
				credit_add(s, ids[0], conversions * 0.5);
				credit_add(s, ids[1], conversions * 0.5);
			}
			else
			{
				credit_add(s, ids[0], conversions * 0.4);
				for (i = 1; i < n - 1; i++)
					credit_add(s, ids[i], conversions * 0.2 / (n - 2));
				credit_add(s, ids[n - 1], conversions * 0.4);
			}
			break;
		case ATTR_MARKOV:
			st = trans_add(s, ATTR_START, ATTR_STATE_CHANNEL(ids[0]), count, msg, msglen);
			for (i = 1; i < n && st == CXM_OK; i++)
				st = trans_add(s, ATTR_STATE_CHANNEL(ids[i - 1]),
							   ATTR_STATE_CHANNEL(ids[i]), count, msg, msglen);
			if (st == CXM_OK)
				st = trans_add(s, ATTR_STATE_CHANNEL(ids[n - 1]),
							   conversions > 0 ? ATTR_CONV : ATTR_NULL, count, msg, msglen);
			break;
	}
	if (st == CXM_OK)
	{
		s->njourneys += count;
		if (conversions > 0)
			ksum_add(&s->total, &s->total_comp, conversions);
		if (!isfinite(s->total + s->total_comp))
		{
			set_msg(msg, msglen, "the sum of attribution conversions overflows float8");
			st = CXM_ERANGE;
		}
	}
done:
	if (ids != stack_ids)
		cxm_free(&s->alloc, ids);
	return st;
}

/* ---- merging and loading ------------------------------------------------- */

CxmStatus
attr_merge(AttrState *dst, const AttrState *src, char *msg, size_t msglen)
{
	int32_t    *map;
	int32_t		i;
	CxmStatus	st = CXM_OK;

	if (dst->model != src->model)
	{
		if (msg != NULL && msglen > 0)
			snprintf(msg, msglen, "attribution model \"%s\" differs from \"%s\" within one group",
					 attr_model_name(src->model), attr_model_name(dst->model));
		return CXM_EINVAL;
	}
	if (dst->njourneys > INT64_MAX - src->njourneys)
	{
		set_msg(msg, msglen, "too many journeys in one attribution group");
		return CXM_ERANGE;
	}
	map = cxm_alloc(&dst->alloc, sizeof(int32_t) * (size_t) (src->nchannels + 1));
	for (i = 0; i < src->nchannels; i++)
	{
		map[i] = channel_intern(dst, src->ch[i].name, src->ch[i].len, NULL);
		if (map[i] < 0)
		{
			set_msg(msg, msglen, "too many attribution channels");
			st = CXM_ERANGE;
			goto done;
		}
		credit_add(dst, map[i], src->ch[i].credit);
		credit_add(dst, map[i], src->ch[i].comp);
	}
	for (i = 0; i < src->ntrans && st == CXM_OK; i++)
	{
		uint32_t	from = src->tr[i].from;
		uint32_t	to = src->tr[i].to;

		if (from >= ATTR_STATE_CHANNEL(0))
			from = ATTR_STATE_CHANNEL(map[ATTR_CHANNEL_OF(from)]);
		if (to >= ATTR_STATE_CHANNEL(0))
			to = ATTR_STATE_CHANNEL(map[ATTR_CHANNEL_OF(to)]);
		st = trans_add(dst, from, to, src->tr[i].count, msg, msglen);
	}
	if (st == CXM_OK)
	{
		dst->njourneys += src->njourneys;
		ksum_add(&dst->total, &dst->total_comp, src->total);
		ksum_add(&dst->total, &dst->total_comp, src->total_comp);
		if (!isfinite(dst->total + dst->total_comp))
		{
			set_msg(msg, msglen, "the sum of attribution conversions overflows float8");
			st = CXM_ERANGE;
		}
	}
done:
	cxm_free(&dst->alloc, map);
	return st;
}

CxmStatus
attr_load_channel(AttrState *s, const char *name, size_t len, double credit,
				  double comp, char *msg, size_t msglen)
{
	bool		is_new;
	int32_t		idx;

	if (s->model == ATTR_MARKOV ? (credit != 0 || comp != 0)
		: (!isfinite(credit) || !isfinite(comp) || !(credit + comp >= 0)))
	{
		set_msg(msg, msglen, "A channel has an invalid credit.");
		return CXM_EINVAL;
	}
	idx = channel_intern(s, name, len, &is_new);
	if (idx < 0 || !is_new)
	{
		set_msg(msg, msglen, idx < 0 ? "The state has too many channels."
				: "A channel appears twice.");
		return CXM_EINVAL;
	}
	s->ch[idx].credit = credit;
	s->ch[idx].comp = comp;
	return CXM_OK;
}

static bool
valid_from(const AttrState *s, uint32_t st)
{
	return st == ATTR_START ||
		(st >= ATTR_STATE_CHANNEL(0) && st < ATTR_STATE_CHANNEL(s->nchannels));
}

static bool
valid_to(const AttrState *s, uint32_t st)
{
	return st == ATTR_CONV || st == ATTR_NULL ||
		(st >= ATTR_STATE_CHANNEL(0) && st < ATTR_STATE_CHANNEL(s->nchannels));
}

CxmStatus
attr_load_trans(AttrState *s, uint32_t from, uint32_t to, int64_t count,
				char *msg, size_t msglen)
{
	AttrTrans  *t;
	bool		is_new;

	if (s->model != ATTR_MARKOV || count <= 0 || !valid_from(s, from) ||
		!valid_to(s, to) || (from == ATTR_START && to < ATTR_STATE_CHANNEL(0)))
	{
		set_msg(msg, msglen, "A transition is invalid.");
		return CXM_EINVAL;
	}
	t = trans_get(s, from, to, &is_new);
	if (!is_new)
	{
		set_msg(msg, msglen, "A transition appears twice.");
		return CXM_EINVAL;
	}
	t->count = count;
	return CXM_OK;
}

/* sum with overflow detection; false on overflow */
static bool
add_count(int64_t *acc, int64_t v)
{
	if (v > 0 && *acc > INT64_MAX - v)
		return false;
	*acc += v;
	return true;
}

CxmStatus
attr_check_state(const AttrState *s, char *msg, size_t msglen)
{
	double		total = s->total + s->total_comp;

	if (s->njourneys < 0 || !isfinite(s->total) || !isfinite(s->total_comp) ||
		!(total >= 0) || (s->njourneys == 0 && (s->nchannels > 0 || total != 0)) ||
		(s->njourneys > 0 && s->nchannels == 0))
	{
		set_msg(msg, msglen, "The totals are inconsistent.");
		return CXM_EINVAL;
	}
	if (s->model == ATTR_MARKOV)
	{
		int64_t    *in = cxm_alloc(&s->alloc, sizeof(int64_t) * ((size_t) s->nchannels + 3));
		int64_t    *out = cxm_alloc(&s->alloc, sizeof(int64_t) * ((size_t) s->nchannels + 3));
		bool		ok = true;
		int32_t		i;

		for (i = 0; i < s->ntrans && ok; i++)
			ok = add_count(&out[s->tr[i].from], s->tr[i].count) &&
				add_count(&in[s->tr[i].to], s->tr[i].count);
		/* every journey leaves START once and ends in CONV or NULL once */
		ok = ok && out[ATTR_START] == s->njourneys &&
			in[ATTR_CONV] <= s->njourneys &&
			in[ATTR_CONV] + in[ATTR_NULL] == s->njourneys &&
			(in[ATTR_CONV] > 0) == (total > 0);
		/* each visit to a channel is entered once and left once */
		for (i = 0; i < s->nchannels && ok; i++)
			ok = in[ATTR_STATE_CHANNEL(i)] == out[ATTR_STATE_CHANNEL(i)] &&
				in[ATTR_STATE_CHANNEL(i)] > 0;
		cxm_free(&s->alloc, in);
		cxm_free(&s->alloc, out);
		if (!ok)
		{
			set_msg(msg, msglen, "The transition counts do not add up.");
			return CXM_EINVAL;
		}
	}
	return CXM_OK;
}

/* ---- the serialized state ------------------------------------------------ */

void
attr_wire_write(WireWriter *w, const AttrState *s)
{
	int32_t		i;

	wire_put_version(w, ATTR_WIRE_VERSION);
	wire_put_u8(w, (uint8_t) s->model);
	wire_put_i64(w, s->njourneys);
	wire_put_f64(w, s->total);
	wire_put_f64(w, s->total_comp);
	wire_put_i32(w, s->nchannels);
	for (i = 0; i < s->nchannels; i++)
	{
		wire_put_u32(w, s->ch[i].len);
		wire_put_bytes(w, s->ch[i].name, s->ch[i].len);
		if (s->model != ATTR_MARKOV)
		{
			wire_put_f64(w, s->ch[i].credit);
			wire_put_f64(w, s->ch[i].comp);
		}
	}
	if (s->model == ATTR_MARKOV)
	{
		wire_put_i32(w, s->ntrans);
		for (i = 0; i < s->ntrans; i++)
		{
			wire_put_u32(w, s->tr[i].from);
			wire_put_u32(w, s->tr[i].to);
			wire_put_i64(w, s->tr[i].count);
		}
	}
}

/* the channels of a state being read, each checked by attr_load_channel */
static CxmStatus
wire_read_channels(WireReader *r, AttrState *s, int32_t nchannels,
				   char *msg, size_t msglen)
{
	int32_t		i;

	for (i = 0; i < nchannels; i++)
	{
		uint32_t	len = wire_get_u32(r);
		const unsigned char *name = wire_get_bytes(r, len);
		double		credit = 0,
					comp = 0;

		if (s->model != ATTR_MARKOV)
		{
			credit = wire_get_f64(r);
			comp = wire_get_f64(r);
		}
		if (!wire_ok(r))
			return CXM_EINVAL;
		if (attr_load_channel(s, (const char *) name, len, credit, comp,
							  msg, msglen) != CXM_OK)
			return CXM_EINVAL;
	}
	return CXM_OK;
}

/* the transitions of a markov state, each checked by attr_load_trans */
static CxmStatus
wire_read_transitions(WireReader *r, AttrState *s, char *msg, size_t msglen)
{
	int32_t		ntrans,
				i;

	if (!wire_need(r, 4, WIRE_TRUNCATED))
		return CXM_EINVAL;
	ntrans = wire_get_i32(r);
	if (ntrans < 0 || (size_t) ntrans > wire_left(r) / 16)
	{
		wire_fail(r, "The transition count %d does not fit the state's length.", (int) ntrans);
		return CXM_EINVAL;
	}
	for (i = 0; i < ntrans; i++)
	{
		uint32_t	from = wire_get_u32(r),
					to = wire_get_u32(r);
		int64_t		count = wire_get_i64(r);

		if (!wire_ok(r))
			return CXM_EINVAL;
		if (attr_load_trans(s, from, to, count, msg, msglen) != CXM_OK)
			return CXM_EINVAL;
	}
	return CXM_OK;
}

CxmStatus
attr_wire_read(const unsigned char *buf, size_t len, const CxmAlloc *alloc,
			   AttrState **out, char *msg, size_t msglen)
{
	WireReader	r;
	AttrState  *s = NULL;
	uint8_t		model;
	int32_t		nchannels;

	*out = NULL;
	msg[0] = '\0';
	if (!wire_reader_start(&r, buf, len, ATTR_WIRE_HEADER, ATTR_WIRE_VERSION))
		goto bad;
	model = wire_get_u8(&r);
	if (model >= ATTR_NMODELS)
	{
		wire_fail(&r, "Unknown model %d.", (int) model);
		goto bad;
	}
	s = attr_state_create(alloc, (AttrModel) model);
	s->njourneys = wire_get_i64(&r);
	s->total = wire_get_f64(&r);
	s->total_comp = wire_get_f64(&r);
	nchannels = wire_get_i32(&r);
	if (nchannels < 0 || (size_t) nchannels > wire_left(&r) / 4)
	{
		wire_fail(&r, "The channel count %d does not fit the state's length.", (int) nchannels);
		goto bad;
	}
	if (wire_read_channels(&r, s, nchannels, msg, msglen) != CXM_OK ||
		(s->model == ATTR_MARKOV &&
		 wire_read_transitions(&r, s, msg, msglen) != CXM_OK) ||
		!wire_end(&r) ||
		attr_check_state(s, msg, msglen) != CXM_OK)
		goto bad;
	*out = s;
	return CXM_OK;

bad:
	/* a reader failure has its reason in r; a load or check wrote msg */
	if (!wire_ok(&r))
		snprintf(msg, msglen, "%s", r.detail);
	attr_state_free(s);
	return CXM_EINVAL;
}

/* ---- the Markov solver --------------------------------------------------- */

typedef struct LuSystem
{
	int32_t		n;
	double	   *a;				/* n x n, row-major: L (unit, below) and U */
	int32_t    *perm;			/* row i of PA is row perm[i] of A */
} LuSystem;

#define M(lu, i, j) ((lu)->a[(size_t) (i) * (size_t) (lu)->n + (size_t) (j)])

/* in place P A = L U with partial pivoting; false when singular */
static bool
lu_factor(LuSystem *lu, AttrTick tick, void *tick_arg)
{
	int32_t		n = lu->n;
	int32_t		i,
				j,
				k;

	for (i = 0; i < n; i++)
		lu->perm[i] = i;
	for (k = 0; k < n; k++)
	{
		int32_t		p = k;
		double		best = fabs(M(lu, k, k));
		double		piv;

		if (tick && (k & 15) == 0)
			tick(tick_arg);
		for (i = k + 1; i < n; i++)
		{
			if (fabs(M(lu, i, k)) > best)
			{
				best = fabs(M(lu, i, k));
				p = i;
			}
		}
		if (!(best > 0) || !isfinite(best))
			return false;
		if (p != k)
		{
			int32_t		t = lu->perm[p];

			lu->perm[p] = lu->perm[k];
			lu->perm[k] = t;
			for (j = 0; j < n; j++)
			{
				double		v = M(lu, p, j);

				M(lu, p, j) = M(lu, k, j);
				M(lu, k, j) = v;
			}
		}
		piv = M(lu, k, k);
		for (i = k + 1; i < n; i++)
		{
			double		f = M(lu, i, k);
			double	   *restrict ri = &M(lu, i, 0);
			const double *restrict rk = &M(lu, k, 0);

			if (f == 0)
				continue;
			f /= piv;
			ri[k] = f;
			for (j = k + 1; j < n; j++)
				ri[j] -= f * rk[j];
		}
	}
	return true;
}

/* x = A^-1 b (b and x may not alias); from: first nonzero position of P b */
static void
lu_solve_from(const LuSystem *lu, const double *pb, double *x, int32_t from)
{
	int32_t		n = lu->n;
	int32_t		i,
				j;

	for (i = 0; i < from; i++)
		x[i] = 0;
	for (i = from; i < n; i++)
	{
		double		v = pb[i];

		for (j = from; j < i; j++)
			v -= M(lu, i, j) * x[j];
		x[i] = v;
	}
	for (i = n - 1; i >= 0; i--)
	{
		double		v = x[i];

		for (j = i + 1; j < n; j++)
			v -= M(lu, i, j) * x[j];
		x[i] = v / M(lu, i, i);
	}
}

static void
lu_solve(const LuSystem *lu, const double *b, double *x, double *work)
{
	int32_t		i;

	for (i = 0; i < lu->n; i++)
		work[i] = b[lu->perm[i]];
	lu_solve_from(lu, work, x, 0);
}

/* u = A^-T b: U^T s = b, L^T t = s, u = P^T t */
static void
lu_solve_t(const LuSystem *lu, const double *b, double *u, double *work)
{
	int32_t		n = lu->n;
	int32_t		i,
				j;

	for (i = 0; i < n; i++)
	{
		double		v = b[i];

		for (j = 0; j < i; j++)
			v -= M(lu, j, i) * work[j];
		work[i] = v / M(lu, i, i);
	}
	for (i = n - 1; i >= 0; i--)
	{
		double		v = work[i];

		for (j = i + 1; j < n; j++)
			v -= M(lu, j, i) * work[j];
		work[i] = v;
	}
	for (i = 0; i < n; i++)
		u[lu->perm[i]] = work[i];
}

/*
 * diag[c] = (A^-1)_cc for the m channels listed in cols, solving for
 * ATTR_DIAG_BLOCK unit right-hand sides at a time, so each pass over the
 * factors serves a whole block (the factors outgrow the caches at a few
 * hundred channels).  work: n * ATTR_DIAG_BLOCK doubles.
 */
#define ATTR_DIAG_BLOCK 32

/* wi -= l * wj over one block row (a fixed trip count: vectorizes at -O2) */
static void
block_axpy(double *restrict wi, const double *restrict wj, double l)
{
	int			b;

	for (b = 0; b < ATTR_DIAG_BLOCK; b++)
		wi[b] -= l * wj[b];
}

static void
lu_inverse_diag(const LuSystem *lu, const int32_t *cols, int32_t m,
				const int32_t *pos_of, double *diag, double *work,
				AttrTick tick, void *tick_arg)
{
	int32_t		n = lu->n;
	int32_t		c0;

	for (c0 = 0; c0 < m; c0 += ATTR_DIAG_BLOCK)
	{
		int32_t		nb = m - c0 < ATTR_DIAG_BLOCK ? m - c0 : ATTR_DIAG_BLOCK;
		int32_t		first = n;
		int32_t		i,
					j,
					b;

		if (tick)
			tick(tick_arg);
		memset(work, 0, sizeof(double) * (size_t) n * ATTR_DIAG_BLOCK);
		for (b = 0; b < nb; b++)
		{
			int32_t		p = pos_of[cols[c0 + b]];

			work[(size_t) p * ATTR_DIAG_BLOCK + b] = 1;
			if (p < first)
				first = p;
		}
		/* L y = P e: rows above the first unit stay zero */
		for (i = first + 1; i < n; i++)
		{
			double	   *wi = &work[(size_t) i * ATTR_DIAG_BLOCK];

			for (j = first; j < i; j++)
			{
				double		l = M(lu, i, j);

				if (l != 0)
					block_axpy(wi, &work[(size_t) j * ATTR_DIAG_BLOCK], l);
			}
		}
		/* U x = y */
		for (i = n - 1; i >= 0; i--)
		{
			double	   *wi = &work[(size_t) i * ATTR_DIAG_BLOCK];
			double		d = M(lu, i, i);

			for (j = i + 1; j < n; j++)
			{
				double		u = M(lu, i, j);

				if (u != 0)
					block_axpy(wi, &work[(size_t) j * ATTR_DIAG_BLOCK], u);
			}
			for (b = 0; b < ATTR_DIAG_BLOCK; b++)
				wi[b] /= d;
		}
		for (b = 0; b < nb; b++)
			diag[c0 + b] = work[(size_t) cols[c0 + b] * ATTR_DIAG_BLOCK + b];
	}
}

/* res = b - A v (transpose: b - A^T v), A = D - C from the sparse counts */
static void
residual(const AttrTrans *tr, int32_t ntr, int32_t n, const double *b,
		 const double *v, double *res, bool transpose)
{
	int32_t		k;

	memcpy(res, b, sizeof(double) * (size_t) n);
	for (k = 0; k < ntr; k++)
	{
		int32_t		i,
					j;
		double		c;

		if (tr[k].from == ATTR_START || tr[k].to == tr[k].from)
			continue;
		i = ATTR_CHANNEL_OF(tr[k].from);
		c = (double) tr[k].count;
		res[i] -= c * v[i];
		if (tr[k].to >= ATTR_STATE_CHANNEL(0))
		{
			j = ATTR_CHANNEL_OF(tr[k].to);
			if (transpose)
				res[j] += c * v[i];
			else
				res[i] += c * v[j];
		}
	}
}

static int
trans_cmp(const void *a, const void *b)
{
	const AttrTrans *x = a;
	const AttrTrans *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return 0;
}

CxmStatus
attr_markov_removal(const CxmAlloc *alloc, int32_t n, const AttrTrans *tr_in,
					int32_t ntr, double *re, double *p_conv,
					AttrTick tick, void *tick_arg, char *msg, size_t msglen)
{
	return attr_markov_solve(alloc, n, tr_in, ntr, re, p_conv, NULL,
							 tick, tick_arg, msg, msglen);
}

/*
 * The steps of attr_markov_solve.  Each takes its work arrays from the
 * solve's scratch arena (arena_core.h), which is released once at the end.
 */

/* a sorted copy of tr, so the arithmetic does not depend on the input order;
 * NULL (and a message) unless every transition is valid and distinct */
static AttrTrans *
markov_sorted_transitions(CxmAlloc *tmp, int32_t n, const AttrTrans *tr_in,
						  int32_t ntr, char *msg, size_t msglen)
{
	AttrTrans  *tr = cxm_alloc(tmp, sizeof(AttrTrans) * ((size_t) ntr + 1));
	int32_t		k;

	if (ntr > 0)
		memcpy(tr, tr_in, sizeof(AttrTrans) * (size_t) ntr);
	qsort(tr, (size_t) ntr, sizeof(AttrTrans), trans_cmp);
	for (k = 0; k < ntr; k++)
	{
		uint32_t	from = tr[k].from,
					to = tr[k].to;
		bool		from_ok = from == ATTR_START ||
			(from >= ATTR_STATE_CHANNEL(0) && from < ATTR_STATE_CHANNEL(n));
		bool		to_ok = to == ATTR_CONV || to == ATTR_NULL ||
			(to >= ATTR_STATE_CHANNEL(0) && to < ATTR_STATE_CHANNEL(n));

		if (!from_ok || !to_ok || tr[k].count <= 0 ||
			(from == ATTR_START && to < ATTR_STATE_CHANNEL(0)) ||
			(k > 0 && trans_cmp(&tr[k - 1], &tr[k]) == 0))
		{
			set_msg(msg, msglen, "invalid transition in a Markov chain");
			return NULL;
		}
	}
	return tr;
}

/* does every channel reach CONV or NULL?  Breadth-first on reversed edges */
static bool
markov_all_absorbed(CxmAlloc *tmp, int32_t n, const AttrTrans *tr, int32_t ntr)
{
	int32_t    *rhead = cxm_alloc(tmp, sizeof(int32_t) * (size_t) n);
	int32_t    *rnext = cxm_alloc(tmp, sizeof(int32_t) * ((size_t) ntr + 1));
	int32_t    *queue = cxm_alloc(tmp, sizeof(int32_t) * (size_t) n);
	unsigned char *reaches = cxm_alloc(tmp, (size_t) n);
	int32_t		i,
				k,
				qh = 0,
				qt = 0;

	for (i = 0; i < n; i++)
		rhead[i] = -1;
	for (k = 0; k < ntr; k++)
	{
		if (tr[k].from == ATTR_START)
			continue;
		i = ATTR_CHANNEL_OF(tr[k].from);
		if (tr[k].to < ATTR_STATE_CHANNEL(0))
		{
			if (!reaches[i])
			{
				reaches[i] = 1;
				queue[qt++] = i;
			}
		}
		else
		{
			int32_t		j = ATTR_CHANNEL_OF(tr[k].to);

			rnext[k] = rhead[j];
			rhead[j] = k;
		}
	}
	while (qh < qt)
	{
		int32_t		j = queue[qh++];

		for (k = rhead[j]; k >= 0; k = rnext[k])
		{
			i = ATTR_CHANNEL_OF(tr[k].from);
			if (!reaches[i])
			{
				reaches[i] = 1;
				queue[qt++] = i;
			}
		}
	}
	return qt == n;
}

/* the chain's linear system: A = D - C, conversion counts and start counts */
typedef struct MarkovSystem
{
	LuSystem	lu;
	double	   *conv;			/* transitions into CONV, per channel */
	double	   *start;			/* transitions from START, per channel */
	double		start_total;
	bool		any_conv;
} MarkovSystem;

static void
markov_build(CxmAlloc *tmp, int32_t n, const AttrTrans *tr, int32_t ntr,
			 MarkovSystem *sys)
{
	int32_t		i,
				k;

	sys->lu.n = n;
	sys->lu.a = cxm_alloc(tmp, sizeof(double) * (size_t) n * (size_t) n);
	sys->lu.perm = cxm_alloc(tmp, sizeof(int32_t) * (size_t) n);
	sys->conv = cxm_alloc(tmp, sizeof(double) * (size_t) n);
	sys->start = cxm_alloc(tmp, sizeof(double) * (size_t) n);
	sys->start_total = 0;
	for (k = 0; k < ntr; k++)
	{
		double		c = (double) tr[k].count;

		if (tr[k].from == ATTR_START)
		{
			sys->start[ATTR_CHANNEL_OF(tr[k].to)] += c;
			sys->start_total += c;
			continue;
		}
		i = ATTR_CHANNEL_OF(tr[k].from);
		if (tr[k].to == tr[k].from)
			continue;			/* self-loops cancel in D - C */
		M(&sys->lu, i, i) += c;
		if (tr[k].to == ATTR_CONV)
			sys->conv[i] += c;
		else if (tr[k].to >= ATTR_STATE_CHANNEL(0))
			M(&sys->lu, i, ATTR_CHANNEL_OF(tr[k].to)) -= c;
	}
	for (i = 0; i < n && sys->conv[i] == 0; i++)
		;
	sys->any_conv = i < n;
}

/*
 * On the factored system: x = A^-1 conv (the absorption probabilities) and
 * u = A^-T start (the expected visits), each with one refinement step,
 * clamped to their ranges.  Returns start . x.
 */
static double
markov_absorption(CxmAlloc *tmp, const MarkovSystem *sys, const AttrTrans *tr,
				  int32_t ntr, double *x, double *u)
{
	int32_t		n = sys->lu.n;
	double	   *work = cxm_alloc(tmp, sizeof(double) * (size_t) n);
	double	   *res = cxm_alloc(tmp, sizeof(double) * (size_t) n);
	double	   *dx = cxm_alloc(tmp, sizeof(double) * (size_t) n);
	double		ps = 0;
	int32_t		i;

	lu_solve(&sys->lu, sys->conv, x, work);
	residual(tr, ntr, n, sys->conv, x, res, false);
	lu_solve(&sys->lu, res, dx, work);
	for (i = 0; i < n; i++)
		x[i] += dx[i];
	lu_solve_t(&sys->lu, sys->start, u, work);
	residual(tr, ntr, n, sys->start, u, res, true);
	lu_solve_t(&sys->lu, res, dx, work);
	for (i = 0; i < n; i++)
		u[i] += dx[i];
	for (i = 0; i < n; i++)
	{
		if (x[i] < 0)
			x[i] = 0;
		if (x[i] > 1)
			x[i] = 1;
		if (u[i] < 0)
			u[i] = 0;
		ps += sys->start[i] * x[i];
	}
	return ps;
}

/* RE(c) = u_c x_c / ((A^-1)_cc * ps), for the channels where u_c x_c > 0 */
static CxmStatus
markov_removal_effects(CxmAlloc *tmp, const MarkovSystem *sys, const double *x,
					   const double *u, double ps, double *re,
					   AttrTick tick, void *tick_arg, char *msg, size_t msglen)
{
	int32_t		n = sys->lu.n;
	int32_t    *cols = cxm_alloc(tmp, sizeof(int32_t) * (size_t) n);
	int32_t    *pos_of = cxm_alloc(tmp, sizeof(int32_t) * (size_t) n);
	double	   *diag = cxm_alloc(tmp, sizeof(double) * (size_t) n);
	double	   *bwork = cxm_alloc(tmp, sizeof(double) * (size_t) n * ATTR_DIAG_BLOCK);
	int32_t		ncols = 0,
				i,
				k;

	for (i = 0; i < n; i++)
	{
		pos_of[sys->lu.perm[i]] = i;
		if (x[i] > 0 && u[i] > 0)
			cols[ncols++] = i;
	}
	lu_inverse_diag(&sys->lu, cols, ncols, pos_of, diag, bwork, tick, tick_arg);
	for (k = 0; k < ncols; k++)
	{
		double		r;

		i = cols[k];
		if (!(diag[k] > 0))
		{
			set_msg(msg, msglen, "the Markov chain's linear system is ill-conditioned");
			return CXM_ENOCONV;
		}
		r = u[i] * x[i] / (diag[k] * ps);
		if (!(r >= 0))
			r = 0;
		if (r > 1)
			r = 1;
		re[i] = r;
	}
	return CXM_OK;
}

/* every output zero: nothing converts, or a failed solve */
static void
markov_zero(int32_t n, double *re, double *p_conv, double *p_from)
{
	int32_t		i;

	*p_conv = 0;
	for (i = 0; i < n; i++)
	{
		if (re)
			re[i] = 0;
		if (p_from)
			p_from[i] = 0;
	}
}

CxmStatus
attr_markov_solve(const CxmAlloc *alloc, int32_t n, const AttrTrans *tr_in,
				  int32_t ntr, double *re, double *p_conv, double *p_from,
				  AttrTick tick, void *tick_arg, char *msg, size_t msglen)
{
	Arena		ar;
	CxmAlloc	tmp;
	AttrTrans  *tr;
	MarkovSystem sys;
	double	   *x,
			   *u,
				ps;
	int32_t		i;
	CxmStatus	st = CXM_OK;

	markov_zero(n, re, p_conv, p_from);
	if (n < 0 || ntr < 0)
	{
		set_msg(msg, msglen, "negative size of a Markov chain");
		return CXM_EINVAL;
	}
	if (n == 0)
		return CXM_OK;

	arena_init(&ar, alloc, 0);
	tmp = arena_allocator(&ar);
	tr = markov_sorted_transitions(&tmp, n, tr_in, ntr, msg, msglen);
	if (tr == NULL)
	{
		st = CXM_EINVAL;
		goto done;
	}
	if (!markov_all_absorbed(&tmp, n, tr, ntr))
	{
		set_msg(msg, msglen, "a channel of the Markov chain never reaches conversion or null");
		st = CXM_EINVAL;
		goto done;
	}
	markov_build(&tmp, n, tr, ntr, &sys);
	if ((sys.start_total == 0 && p_from == NULL) || !sys.any_conv)
		goto done;				/* nothing starts or nothing converts: P(conv) = 0 */
	if (!lu_factor(&sys.lu, tick, tick_arg))
	{
		set_msg(msg, msglen, "the Markov chain's linear system is singular");
		st = CXM_ENOCONV;
		goto done;
	}
	x = cxm_alloc(&tmp, sizeof(double) * (size_t) n);
	u = cxm_alloc(&tmp, sizeof(double) * (size_t) n);
	ps = markov_absorption(&tmp, &sys, tr, ntr, x, u);
	if (p_from)
		for (i = 0; i < n; i++)
			p_from[i] = x[i];
	if (ps > 0)
		*p_conv = ps / sys.start_total;
	if (ps > 0 && re != NULL)
		st = markov_removal_effects(&tmp, &sys, x, u, ps, re, tick, tick_arg,
									msg, msglen);

done:
	if (st != CXM_OK)
		markov_zero(n, re, p_conv, p_from);
	arena_release(&ar);
	return st;
}

/* ---- results ------------------------------------------------------------- */

static int
name_cmp(const char *a, uint32_t alen, const char *b, uint32_t blen)
{
	int			c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return 0;
}

static int
credit_cmp(const void *pa, const void *pb)
{
	const AttrCredit *a = pa;
	const AttrCredit *b = pb;

	if (a->credit != b->credit)
		return a->credit > b->credit ? -1 : 1;
	return name_cmp(a->name, a->len, b->name, b->len);
}

typedef struct NamedIndex
{
	const char *name;
	uint32_t	len;
	int32_t		idx;
} NamedIndex;

static int
named_index_cmp(const void *pa, const void *pb)
{
	const NamedIndex *a = pa;
	const NamedIndex *b = pb;

	return name_cmp(a->name, a->len, b->name, b->len);
}

/*
 * The Markov solver over a markov state's channels taken in name order, so
 * the result does not depend on the order they arrived in; re and p_from
 * (either may be NULL) are indexed like s->ch; *re_sum (with re) gets the
 * sum of the removal effects, added in name order.
 */
static CxmStatus
markov_in_name_order(const AttrState *s, const CxmAlloc *alloc, double *re,
					 double *re_sum, double *p_from, AttrTick tick,
					 void *tick_arg, char *msg, size_t msglen)
{
	int32_t		n = s->nchannels;
	NamedIndex *order = cxm_alloc(alloc, sizeof(NamedIndex) * ((size_t) n + 1));
	int32_t    *rank = cxm_alloc(alloc, sizeof(int32_t) * ((size_t) n + 1));
	AttrTrans  *tr = cxm_alloc(alloc, sizeof(AttrTrans) * ((size_t) s->ntrans + 1));
	double	   *vre = re ? cxm_alloc(alloc, sizeof(double) * ((size_t) n + 1)) : NULL;
	double	   *vx = p_from ? cxm_alloc(alloc, sizeof(double) * ((size_t) n + 1)) : NULL;
	double		p_conv = 0;
	int32_t		i;
	CxmStatus	st;

	for (i = 0; i < n; i++)
	{
		order[i].name = s->ch[i].name;
		order[i].len = s->ch[i].len;
		order[i].idx = i;
	}
	qsort(order, (size_t) n, sizeof(NamedIndex), named_index_cmp);
	for (i = 0; i < n; i++)
		rank[order[i].idx] = i;
	for (i = 0; i < s->ntrans; i++)
	{
		tr[i] = s->tr[i];
		if (tr[i].from >= ATTR_STATE_CHANNEL(0))
			tr[i].from = ATTR_STATE_CHANNEL(rank[ATTR_CHANNEL_OF(tr[i].from)]);
		if (tr[i].to >= ATTR_STATE_CHANNEL(0))
			tr[i].to = ATTR_STATE_CHANNEL(rank[ATTR_CHANNEL_OF(tr[i].to)]);
	}
	st = attr_markov_solve(alloc, n, tr, s->ntrans, vre, &p_conv, vx,
						   tick, tick_arg, msg, msglen);
	if (re)
		*re_sum = 0;
	for (i = 0; i < n && st == CXM_OK; i++)
	{
		if (re)
		{
			re[order[i].idx] = vre[i];
			*re_sum += vre[i];
		}
		if (p_from)
			p_from[order[i].idx] = vx[i];
	}
	cxm_free(alloc, order);
	cxm_free(alloc, rank);
	cxm_free(alloc, tr);
	if (vre)
		cxm_free(alloc, vre);
	if (vx)
		cxm_free(alloc, vx);
	return st;
}

CxmStatus
attr_result(const AttrState *s, const CxmAlloc *alloc, AttrCredit **out,
			int32_t *nout, AttrTick tick, void *tick_arg, char *msg, size_t msglen)
{
	int32_t		n = s->nchannels;
	AttrCredit *r = cxm_alloc(alloc, sizeof(AttrCredit) * ((size_t) n + 1));
	double		total = s->total + s->total_comp;
	int32_t		i;
	CxmStatus	st = CXM_OK;

	if (!(total > 0))
		total = 0;
	for (i = 0; i < n; i++)
	{
		r[i].name = s->ch[i].name;
		r[i].len = s->ch[i].len;
		r[i].credit = 0;
	}
	if (s->model != ATTR_MARKOV)
	{
		for (i = 0; i < n && total > 0; i++)
		{
			r[i].credit = s->ch[i].credit + s->ch[i].comp;
			if (!(r[i].credit > 0))
				r[i].credit = 0;
		}
	}
	else if (total > 0 && n > 0)
	{
		double	   *re = cxm_alloc(alloc, sizeof(double) * (size_t) n);
		double		sum_re = 0;

		st = markov_in_name_order(s, alloc, re, &sum_re, NULL, tick, tick_arg, msg, msglen);
		if (st == CXM_OK)
		{
			if (sum_re > 0)
			{
				for (i = 0; i < n; i++)
					r[i].credit = re[i] / sum_re * total;
			}
			else
			{
				set_msg(msg, msglen, "the Markov chain gives no removal effect although journeys convert");
				st = CXM_ENOCONV;
			}
		}
		cxm_free(alloc, re);
	}
	if (st != CXM_OK)
	{
		cxm_free(alloc, r);
		*out = NULL;
		*nout = 0;
		return st;
	}
	qsort(r, (size_t) n, sizeof(AttrCredit), credit_cmp);
	*out = r;
	*nout = n;
	return CXM_OK;
}

CxmStatus
attr_conversion(const AttrState *s, const CxmAlloc *alloc, AttrCredit **out,
				int32_t *nout, AttrTick tick, void *tick_arg,
				char *msg, size_t msglen)
{
	int32_t		n = s->nchannels;
	AttrCredit *r;
	double	   *x;
	int32_t		i;
	CxmStatus	st;

	*out = NULL;
	*nout = 0;
	if (s->model != ATTR_MARKOV)
	{
		set_msg(msg, msglen, "conversion probabilities need a markov state");
		return CXM_EINVAL;
	}
	r = cxm_alloc(alloc, sizeof(AttrCredit) * ((size_t) n + 1));
	x = cxm_alloc(alloc, sizeof(double) * ((size_t) n + 1));
	st = n > 0 ? markov_in_name_order(s, alloc, NULL, NULL, x, tick, tick_arg, msg, msglen) : CXM_OK;
	if (st != CXM_OK)
	{
		cxm_free(alloc, r);
		cxm_free(alloc, x);
		return st;
	}
	for (i = 0; i < n; i++)
	{
		r[i].name = s->ch[i].name;
		r[i].len = s->ch[i].len;
		r[i].credit = x[i];
	}
	cxm_free(alloc, x);
	qsort(r, (size_t) n, sizeof(AttrCredit), credit_cmp);
	*out = r;
	*nout = n;
	return CXM_OK;
}
