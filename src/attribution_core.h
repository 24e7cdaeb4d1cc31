/*
 * attribution_core.h
 *	  Multi-touch attribution (pure C, no postgres.h): the heuristic models
 *	  (first_touch, last_touch, linear, position) and the first-order Markov
 *	  removal-effect model, solved exactly.
 *
 * An AttrState is the aggregate state of one group.  Its memory grows with
 * the number of distinct channels (and, for markov, distinct transitions),
 * never with the number of journeys:
 *
 *  - channels are interned: name -> index 0..nchannels-1 in first-seen order;
 *  - heuristic models keep one compensated credit sum per channel;
 *  - markov keeps a table of transition counts (from, to) -> count over the
 *    states START, CONV, NULL and the channels (ATTR_STATE_CHANNEL(i)).
 *
 * Credits are only shared out when the result is asked for (attr_result).
 */
#ifndef ATTRIBUTION_CORE_H
#define ATTRIBUTION_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cxm_core.h"
#include "wire_core.h"

typedef enum AttrModel
{
	ATTR_FIRST_TOUCH = 0,
	ATTR_LAST_TOUCH = 1,
	ATTR_LINEAR = 2,
	ATTR_POSITION = 3,
	ATTR_MARKOV = 4
} AttrModel;

#define ATTR_NMODELS		5

/* states of the Markov chain: three fixed ones, then the channels */
#define ATTR_START			0u
#define ATTR_CONV			1u
#define ATTR_NULL			2u
#define ATTR_STATE_CHANNEL(i)	((uint32_t) (i) + 3u)
#define ATTR_CHANNEL_OF(s)	((int32_t) (s) - 3)

/* longest channel name and largest channel count the state accepts */
#define ATTR_MAX_NAME_LEN	0x3FFFFFFF
#define ATTR_MAX_CHANNELS	0x3FFFFFFF

typedef struct AttrChannel
{
	char	   *name;			/* not NUL-terminated */
	uint32_t	len;
	uint32_t	hash;
	double		credit;			/* heuristic models: compensated sum ... */
	double		comp;			/* ... value = credit + comp */
} AttrChannel;

typedef struct AttrTrans
{
	uint32_t	from;			/* ATTR_START or a channel state */
	uint32_t	to;				/* ATTR_CONV, ATTR_NULL or a channel state */
	int64_t		count;			/* journeys' transitions, > 0 */
} AttrTrans;

typedef struct AttrState
{
	CxmAlloc	alloc;
	AttrModel	model;
	int64_t		njourneys;		/* journeys added (rows not skipped) */
	double		total;			/* sum of positive conversions (compensated) */
	double		total_comp;
	/* channels and their hash (slots hold index + 1, 0 = empty) */
	int32_t		nchannels;
	int32_t		chcap;
	AttrChannel *ch;
	int32_t    *chslot;
	uint32_t	chmask;
	/* markov: transition counts and their hash */
	int32_t		ntrans;
	int32_t		trcap;
	AttrTrans  *tr;
	int32_t    *trslot;
	uint32_t	trmask;
} AttrState;

/* one entry of a result, ordered by credit descending, then name bytes */
typedef struct AttrCredit
{
	const char *name;			/* points into the state; not NUL-terminated */
	uint32_t	len;
	double		credit;
} AttrCredit;

/* optional progress callback of long solves (the server checks interrupts) */
typedef void (*AttrTick) (void *arg);

/* model names: 'first_touch', 'last_touch', 'linear', 'position', 'markov' */
extern bool attr_model_parse(const char *name, size_t len, AttrModel *model);
extern const char *attr_model_name(AttrModel model);

extern AttrState *attr_state_create(const CxmAlloc *alloc, AttrModel model);
extern void attr_state_free(AttrState *s);

/*
 * Add one journey of n >= 1 touches (names[i], lens[i]) with the given
 * conversions (finite, >= 0; a journey converts when conversions > 0).
 * CXM_EINVAL for bad conversions or n < 1, CXM_ERANGE when a count would
 * overflow.
 */
extern CxmStatus attr_add_journey(AttrState *s, const char *const *names,
								  const size_t *lens, int n, double conversions,
								  char *msg, size_t msglen);

/*
 * Add count >= 1 journeys that took the same path: conversions is their
 * total, and all of them converted (conversions > 0) or none did.  The
 * heuristic credits are linear in the conversions, and the Markov chain
 * counts each transition count times, so this equals count calls of
 * attr_add_journey that split the conversions among the journeys.
 */
extern CxmStatus attr_add_journeys(AttrState *s, const char *const *names,
								   const size_t *lens, int n, double conversions,
								   int64_t count, char *msg, size_t msglen);

/* dst += src; CXM_EINVAL when the models differ */
extern CxmStatus attr_merge(AttrState *dst, const AttrState *src,
							char *msg, size_t msglen);

/*
 * Loading a serialized state, piece by piece, each piece validated:
 * a channel must be new (index = current nchannels), a credit finite and
 * >= 0 (heuristic models only); a transition must join valid states, be new
 * and have a positive count.  attr_check_state checks the whole at the end
 * (markov: flow conservation at every channel, journeys = transitions out of
 * START = transitions into CONV and NULL, conversions > 0 iff some journey
 * converts).
 */
extern CxmStatus attr_load_channel(AttrState *s, const char *name, size_t len,
								   double credit, double comp,
								   char *msg, size_t msglen);
extern CxmStatus attr_load_trans(AttrState *s, uint32_t from, uint32_t to,
								 int64_t count, char *msg, size_t msglen);
extern CxmStatus attr_check_state(const AttrState *s, char *msg, size_t msglen);

/*
 * The serialized state (wire_core.h's byte order):
 *	byte version (1), byte model, int8 journeys, float8 total, float8 total_comp,
 *	int4 nchannels, per channel: int4 length, bytes [, float8 credit,
 *	float8 comp for the heuristic models], and for markov int4 ntrans, per
 *	transition: int4 from, int4 to, int8 count.
 * attr_wire_read checks every field on the way in (attr_load_channel,
 * attr_load_trans) and the whole at the end (attr_check_state): CXM_EINVAL
 * and the reason (a sentence) in msg for a damaged state; *out is a new
 * state (memory from alloc) otherwise.
 */
#define ATTR_WIRE_VERSION	1
#define ATTR_WIRE_HEADER	(1 + 1 + 8 + 8 + 8 + 4)

extern void attr_wire_write(WireWriter *w, const AttrState *s);
extern CxmStatus attr_wire_read(const unsigned char *buf, size_t len,
								const CxmAlloc *alloc, AttrState **out,
								char *msg, size_t msglen);

/*
 * The credits: *out gets nchannels entries (memory from alloc), ordered by
 * credit descending, then channel bytes.  All credits are 0 when nothing
 * converted.
 */
extern CxmStatus attr_result(const AttrState *s, const CxmAlloc *alloc,
							 AttrCredit **out, int32_t *nout,
							 AttrTick tick, void *tick_arg,
							 char *msg, size_t msglen);

/*
 * The Markov solver on its own.  States as above over n channels; tr lists
 * distinct (from, to) pairs with positive counts, in any order.  Writes the
 * removal effect of every channel into re[0..n-1] and the conversion
 * probability from START into *p_conv.  Every channel must be able to reach
 * CONV or NULL (else CXM_EINVAL).  The result depends only on the set of
 * transitions, not on their order in tr.
 */
extern CxmStatus attr_markov_removal(const CxmAlloc *alloc, int32_t n,
									 const AttrTrans *tr, int32_t ntr,
									 double *re, double *p_conv,
									 AttrTick tick, void *tick_arg,
									 char *msg, size_t msglen);

/*
 * attr_markov_removal with more to choose: re may be NULL (no removal
 * effects: no inverse diagonal is computed), and p_from, when not NULL,
 * gets the probability of ending in CONV from each channel (the absorption
 * probabilities x of A x = conv; 0 where nothing converts).
 */
extern CxmStatus attr_markov_solve(const CxmAlloc *alloc, int32_t n,
								   const AttrTrans *tr, int32_t ntr,
								   double *re, double *p_conv, double *p_from,
								   AttrTick tick, void *tick_arg,
								   char *msg, size_t msglen);

/*
 * For a markov state: each channel's probability of converting from it
 * (entry credit), ordered by probability descending, then channel bytes.
 */
extern CxmStatus attr_conversion(const AttrState *s, const CxmAlloc *alloc,
								 AttrCredit **out, int32_t *nout,
								 AttrTick tick, void *tick_arg,
								 char *msg, size_t msglen);

#endif							/* ATTRIBUTION_CORE_H */
