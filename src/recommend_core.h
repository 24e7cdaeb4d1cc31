/*
 * recommend_core.h
 *	  Association rules over baskets (pure C, no postgres.h): the state of the
 *	  assoc_rules aggregate, its wire format, and the mining (exact pair
 *	  counts, then FP-growth).  The definitions of the measures and how the
 *	  memory grows are in doc/recommendations.md.
 *
 * The state (RecState) keeps
 *
 *  - the distinct items, interned in first-seen order (id 0, 1, ...), each
 *    with the number of baskets holding it;
 *  - the number of baskets;
 *  - the basket log: every basket of two or more distinct items, as its
 *    ascending item ids in a compact byte encoding (below).  The log is held
 *    in memory up to mem_limit bytes; beyond that, when the caller gave
 *    spill callbacks (the server: a temporary file), full buffers go to the
 *    spill and only the last buffer stays in memory.
 *
 * Which items are frequent is only known at the end (the support is a share
 * of all baskets), so the log is read again by rec_rules(): once to count the
 * pairs of frequent items (in blocks of at most mem_limit bytes of counters),
 * once to build an FP-tree of the baskets cut down to the items that can
 * still be in a frequent itemset of three or more; then FP-growth.  The
 * memory therefore grows with the distinct items, the frequent items and
 * itemsets, and mem_limit -- not with the number of baskets.
 *
 * Log encoding: per basket, varint n (>= 2), then n varints: the first item
 * id, then the differences (>= 1) to the previous id.  Varints are unsigned
 * LEB128 of at most 5 bytes.
 */
#ifndef RECOMMEND_CORE_H
#define RECOMMEND_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cxm_core.h"
#include "wire_core.h"

#define REC_WIRE_VERSION	2
#define REC_STR_(x)			#x
#define REC_STR(x)			REC_STR_(x)
/* longest itemset max_length accepts, and the most frequent itemsets mined */
#define REC_MAX_LENGTH		64
#define REC_MAX_ITEMSETS	10000000
#define REC_MAX_NAME_LEN	0x3FFFFFFF
#define REC_MAX_COUNT		0x3FFFFFFF	/* items, items in a basket, tree nodes */

typedef struct RecItem
{
	char	   *name;			/* not NUL-terminated */
	uint32_t	len;
	uint32_t	hash;
	int64_t		count;			/* baskets holding the item */
} RecItem;

/*
 * Where the log goes beyond mem_limit (the server: a temporary file).
 * write appends; rewind starts reading from the beginning; read returns the
 * bytes read (fewer only at the end).  A write after reads appends at the
 * end again.  Errors are the callbacks' own business (the server raises).
 */
typedef struct RecSpill
{
	void		(*write) (void *arg, const void *buf, size_t len);
	void		(*rewind) (void *arg);
	size_t		(*read) (void *arg, void *buf, size_t len);
} RecSpill;

typedef struct RecState
{
	CxmAlloc	alloc;
	double		min_support;
	double		min_confidence;
	int32_t		max_length;
	int64_t		nbaskets;
	/* items and their hash (slots hold index + 1, 0 = empty) */
	int32_t		nitems;
	int32_t		itemcap;
	RecItem    *items;
	int32_t    *itemslot;
	uint32_t	itemmask;
	/*
	 * The basket log: spilled bytes, then buflen bytes in memory (or ext,
	 * read-only).  In memory, chunk k holds rec_chunk_size(k) bytes (256
	 * doubling to 64 kB), all full but the last used one, which holds
	 * lastlen; chunks stay allocated after a spill and are filled again.
	 */
	int64_t		nrecords;
	uint64_t	spilled;
	unsigned char **chunks;
	int32_t		nchunks,		/* allocated */
				nused,			/* holding bytes (the last one partly) */
				chunkcap;		/* slots of chunks[] */
	size_t		lastlen;
	size_t		buflen;
	/*
	 * Logs of decoded states merged in as they are (rec_merge, while they
	 * fit mem_limit): each read through its map of ids to this state's (NULL:
	 * the same ids), so its baskets need no re-encoding.  rec_flatten folds
	 * them into the log.
	 */
	struct RecSegment *segs;
	int32_t		nsegs,
				segcap;
	size_t		segbytes;
	const unsigned char *ext;	/* a decoded wire state's log, not owned */
	size_t		extlen;
	size_t		mem_limit;		/* log bytes in memory, and pair counters */
	size_t		read_window;	/* bytes read from the spill at a time */
	const RecSpill *spill;		/* NULL: the log stays in memory */
	void	   *spill_arg;
	/* scratch of rec_add_basket and rec_merge */
	int32_t    *ids;
	int32_t		idcap;
} RecState;

typedef struct RecSegment
{
	unsigned char *bytes;
	size_t		len;
	int32_t    *map;			/* ids of the segment -> ids of the state */
	int32_t		nmap;
	int64_t		nrecords;
} RecSegment;

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

/* what rec_rules did (for the server's DEBUG1 line and the bench) */
typedef struct RecStats
{
	int32_t		frequent_items;
	int64_t		frequent_pairs;
	int32_t		pair_passes;	/* reads of the log to count pairs */
	int64_t		tree_baskets;	/* baskets with 3+ items left for the FP-tree */
	int32_t		tree_nodes;
	int64_t		itemsets;		/* frequent itemsets, singletons included */
} RecStats;

typedef void (*RecTick) (void *arg);

/*
 * The argument checks (the glue turns CXM_EINVAL into 22023 with msg):
 * min_support in (0, 1], min_confidence in [0, 1], max_length in
 * 2..REC_MAX_LENGTH.
 */
extern CxmStatus rec_check_params(double min_support, double min_confidence,
								  int64_t max_length, char *msg, size_t msglen);

/* a new state; the log stays in memory until rec_state_set_spill */
extern RecState *rec_state_create(const CxmAlloc *alloc, double min_support,
								  double min_confidence, int32_t max_length);
/* spill the log beyond mem_limit bytes (at least 16) through spill/arg */
extern void rec_state_set_spill(RecState *s, const RecSpill *spill, void *arg,
								size_t mem_limit);
extern void rec_state_free(RecState *s);

/*
 * Add one basket of n items (names[i], lens[i]); repeated items count once,
 * n may be 0 (an empty basket counts).  CXM_ERANGE when a limit or a count
 * would overflow.
 */
extern CxmStatus rec_add_basket(RecState *s, const char *const *names,
								const size_t *lens, int n,
								char *msg, size_t msglen);

/* dst += src (thresholds must agree: CXM_EINVAL otherwise) */
extern CxmStatus rec_merge(RecState *dst, const RecState *src,
						   char *msg, size_t msglen);

/* baskets added */
static inline int64_t
rec_nbaskets(const RecState *s)
{
	return s->nbaskets;
}

static inline size_t
rec_chunk_size(int32_t k)
{
	return k < 8 ? (size_t) 256 << k : (size_t) 65536;
}

/* bytes of the log (in memory and spilled) */
static inline uint64_t
rec_log_bytes(const RecState *s)
{
	return s->spilled + (s->ext ? s->extlen : s->buflen) + s->segbytes;
}

/* fold merged segments into the log (before rec_wire_size / encode) */
extern CxmStatus rec_flatten(RecState *s, char *msg, size_t msglen);

/*
 * Wire format (wire_core.h: big-endian, as pq_send* writes it):
 *	byte version (2), float8 min_support, float8 min_confidence,
 *	int4 max_length, int8 baskets, int4 nitems, per item: int4 length,
 *	bytes, int8 count; int8 records, int8 log bytes, the log.
 * rec_wire_size is the size written (0 when larger than SIZE_MAX allows or
 * when the state still has segments: rec_flatten first); rec_wire_write
 * writes it, reading the spilled part of the log back.
 */
extern size_t rec_wire_size(const RecState *s);
extern CxmStatus rec_wire_write(const RecState *s, WireWriter *w,
								char *msg, size_t msglen);

/*
 * Decode a serialized state, checking everything: version, thresholds,
 * lengths, distinct items, every basket of the log (two or more ascending
 * known ids), and that no item is in more baskets of the log than its count
 * and no count exceeds the baskets.  The decoded state reads its log from
 * buf (which must outlive it) and takes no new baskets; merge it into
 * another.  CXM_EINVAL and a sentence saying what is wrong (an errdetail)
 * for a damaged state (*out = NULL).
 */
extern CxmStatus rec_wire_decode(const CxmAlloc *alloc, const unsigned char *buf,
								 size_t len, RecState **out,
								 char *msg, size_t msglen);

/*
 * The rules of the state's thresholds: *out gets nrules rules (memory from
 * alloc; free with rec_rules_free), ordered by support, then confidence
 * (both descending), then antecedent and consequent names.  stats may be
 * NULL.  CXM_ERANGE when there are more than REC_MAX_ITEMSETS frequent
 * itemsets.
 */
extern CxmStatus rec_rules(const RecState *s, const CxmAlloc *alloc,
						   RecRule **out, int64_t *nrules, RecStats *stats,
						   RecTick tick, void *tick_arg,
						   char *msg, size_t msglen);
extern void rec_rules_free(const CxmAlloc *alloc, RecRule *rules, int64_t nrules);

#endif							/* RECOMMEND_CORE_H */
