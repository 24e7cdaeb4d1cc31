/*
 * recommend_core.h
 *	  Association rules over baskets (pure C, no postgres.h): the state of the
 *	  assoc_rules aggregate, its wire format, and FP-growth.  The definitions
 *	  of the measures are in doc/recommendations.md.
 *
 * The state (RecState) keeps
 *
 *  - the distinct items, interned in first-seen order (id 0, 1, ...);
 *  - a prefix tree of the baskets: every basket is its set of item ids in
 *    ascending order, and every node counts the baskets that begin with the
 *    path from the root to it.  Identical baskets and shared prefixes share
 *    nodes; the root counts every basket (empty ones too).
 *
 * So the state grows with the distinct basket prefixes, not with the number
 * of baskets: a basket that repeats a known one costs a few counter
 * increments.  Which items are frequent is only known at the end (the
 * support is a share of all baskets); rec_rules() then builds the FP-tree of
 * the frequent items alone from the prefix tree and mines it.
 */
#ifndef RECOMMEND_CORE_H
#define RECOMMEND_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cxm_core.h"

#define REC_WIRE_VERSION	1
#define REC_STR_(x)			#x
#define REC_STR(x)			REC_STR_(x)
/* longest itemset max_length accepts, and the most frequent itemsets mined */
#define REC_MAX_LENGTH		64
#define REC_MAX_ITEMSETS	10000000
#define REC_MAX_NAME_LEN	0x3FFFFFFF
#define REC_MAX_COUNT		0x3FFFFFFF	/* items, and nodes of the tree */

typedef struct RecItem
{
	char	   *name;			/* not NUL-terminated */
	uint32_t	len;
	uint32_t	hash;
} RecItem;

typedef struct RecNode
{
	int32_t		parent;			/* index of the parent node; -1 for the root */
	int32_t		item;			/* item id; -1 for the root */
	int64_t		count;			/* baskets beginning with this node's path */
} RecNode;

typedef struct RecState
{
	CxmAlloc	alloc;
	double		min_support;
	double		min_confidence;
	int32_t		max_length;
	/* items and their hash (slots hold index + 1, 0 = empty) */
	int32_t		nitems;
	int32_t		itemcap;
	RecItem    *items;
	int32_t    *itemslot;
	uint32_t	itemmask;
	/* the prefix tree: node 0 is the root; a parent precedes its children */
	int32_t		nnodes;
	int32_t		nodecap;
	RecNode    *nodes;
	int32_t    *childslot;		/* (parent, item) -> node index + 1 */
	uint32_t	childmask;
	/* scratch of rec_add_basket */
	int32_t    *ids;
	int32_t		idcap;
} RecState;

/* one rule antecedent => consequent */
typedef struct RecRule
{
	int32_t    *antecedent;		/* item ids, names in byte order */
	int32_t		nantecedent;
	int32_t		consequent;		/* item id */
	int64_t		count;			/* baskets with antecedent and consequent */
	int64_t		count_antecedent;
	int64_t		count_consequent;
	double		support;
	double		confidence;
	double		lift;
	double		leverage;
	double		conviction;		/* meaningless when has_conviction is false */
	bool		has_conviction; /* false at confidence 1 */
} RecRule;

typedef void (*RecTick) (void *arg);

/*
 * The argument checks (the glue turns CXM_EINVAL into 22023 with msg):
 * min_support in (0, 1], min_confidence in [0, 1], max_length in
 * 2..REC_MAX_LENGTH.
 */
extern CxmStatus rec_check_params(double min_support, double min_confidence,
								  int64_t max_length, char *msg, size_t msglen);

extern RecState *rec_state_create(const CxmAlloc *alloc, double min_support,
								  double min_confidence, int32_t max_length);
extern void rec_state_free(RecState *s);

/*
 * Add one basket of n items (names[i], lens[i]); repeated items count once,
 * n may be 0 (an empty basket counts).  CXM_ERANGE when a limit or a count
 * would overflow.
 */
extern CxmStatus rec_add_basket(RecState *s, const char *const *names,
								const size_t *lens, int n,
								char *msg, size_t msglen);

/* a copy of src with memory from alloc (cheaper than merging into an empty state) */
extern RecState *rec_state_copy(const CxmAlloc *alloc, const RecState *src);

/* dst += src (thresholds must agree: CXM_EINVAL otherwise) */
extern CxmStatus rec_merge(RecState *dst, const RecState *src,
						   char *msg, size_t msglen);

/* baskets added */
static inline int64_t
rec_nbaskets(const RecState *s)
{
	return s->nodes[0].count;
}

/*
 * Wire format (big-endian, as pq_send* writes it):
 *	byte version, float8 min_support, float8 min_confidence, int4 max_length,
 *	int4 nitems, per item: int4 length, bytes;
 *	int8 baskets, int4 nodes (root excluded), per node: int4 parent (0 = the
 *	root, else an earlier node's 1-based position), int4 item, int8 count.
 */
extern size_t rec_wire_size(const RecState *s);
extern void rec_wire_encode(const RecState *s, unsigned char *buf);

/*
 * Decode a serialized state, checking everything: version, thresholds,
 * lengths, distinct items, every node's parent and item (items ascend along
 * a path, no two children of a node share an item), positive counts, and
 * no node counting fewer baskets than its children together.  CXM_EINVAL and
 * a message saying what is wrong for a damaged state (*out = NULL).
 */
extern CxmStatus rec_wire_decode(const CxmAlloc *alloc, const unsigned char *buf,
								 size_t len, RecState **out,
								 char *msg, size_t msglen);

/*
 * The rules of the state's thresholds, mined by FP-growth: *out gets nrules
 * rules (memory from alloc; free with rec_rules_free), ordered by support,
 * then confidence (both descending), then antecedent and consequent names.
 * CXM_ERANGE when there are more than REC_MAX_ITEMSETS frequent itemsets.
 */
extern CxmStatus rec_rules(const RecState *s, const CxmAlloc *alloc,
						   RecRule **out, int64_t *nrules,
						   RecTick tick, void *tick_arg,
						   char *msg, size_t msglen);
extern void rec_rules_free(const CxmAlloc *alloc, RecRule *rules, int64_t nrules);

#endif							/* RECOMMEND_CORE_H */
