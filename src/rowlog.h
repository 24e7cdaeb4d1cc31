/*
 * rowlog.h
 *	  The server side of the shared row log (rowlog_core.h): one log per hash
 *	  aggregation of journey_path or journey_funnel, and the group states
 *	  that point into it.
 *
 * In hash aggregation a group's in-memory state is not a pointer but a
 * tagged Datum that names the group itself: bit 0 set (a palloc'd pointer
 * never has it), the log's id, the group's slot in the log, and a few bits
 * that the aggregate keeps per group.  The transition value PostgreSQL
 * holds is the group's expanded header (state_type.h), which the log keeps
 * in chunks, with the tags in a dense array: a row finds its slot from the
 * header's address (cxm_log_header_slot) and its tag in that array, and so
 * costs no access to the group's own memory: the transition function finds
 * the log through its fn_extra, appends the row and returns the header.
 * The final and combine functions and the flattening find the log by its id
 * (a short registry of the backend's live logs); doc/journeys.md gives the
 * measurements that motivate this.
 *
 * The log lives in the hash table's memory context, so it is counted in
 * hash_mem, and is freed with the groups when PostgreSQL resets that
 * context (between spilled batches, at rescans, at the end); a reset
 * callback takes it out of the registry and the fn_extra then.  Outside
 * hash aggregation (sorted or plain grouping, window aggregates) a group's
 * rows arrive together and the aggregates keep their own per-group states.
 */
#ifndef CXM_ROWLOG_H
#define CXM_ROWLOG_H

#include "postgres.h"

#include "fmgr.h"

#include "rowlog_core.h"

/*
 * Where the headers of slots [first, first + CXM_LOG_HDR_CHUNK) lie.  A
 * chunk (2048 headers, 112 kB) stays below glibc's threshold for mmap'd
 * allocations: chunks that doubled in size were mapped and unmapped by every
 * query and cost it page faults (45 ms in 120 on 300,000 rows).
 */
typedef struct CxmLogHdrChunk
{
	char	   *base;
	char	   *end;
	uint32		first;
} CxmLogHdrChunk;

#define CXM_LOG_HDR_CHUNK	2048

typedef struct CxmSharedLog
{
	RowLog	   *log;
	void	   *user;			/* the aggregate's per-log data */
	uint32		id;				/* 1 .. CXM_LOG_MAX_ID */
	struct CxmSharedLogRef *ref;	/* the fn_extra that remembers us */
	MemoryContextCallback reset;

	/*
	 * The groups' transition values (state_type.c's expanded headers, of
	 * hdr_size bytes) lie in chunks of CXM_LOG_HDR_CHUNK slots, so that a
	 * row finds its group's slot from the header's address alone
	 * (cxm_log_header_slot), without reading the header; tags[slot] is the
	 * group's tagged Datum (0 when the group keeps a state of its own).
	 */
	Size		hdr_size;
	char	  **hdr_chunks;		/* by chunk number */
	CxmLogHdrChunk *hdr_sorted; /* by address */
	uint32		nhdr_chunks;
	uint32		hdr_cap;
	Datum	   *tags;
	uint32		tags_cap;
	bool		tags_plain;		/* every tag is cxm_log_group(sl, slot, 0) */
} CxmSharedLog;

/*
 * Tagged Datum: bit 0 = 1, bits 1-16 the log id, bits 17-48 the slot,
 * bits 49-63 the aggregate's own (CXM_LOG_USER_BITS).
 */
#define CXM_LOG_MAX_ID		0xFFFF
#define CXM_LOG_USER_BITS	15

/* a state that is a group of a shared log (not a pointer) */
static inline bool
cxm_log_is_group(Datum d)
{
	return (d & 1) != 0;
}

static inline Datum
cxm_log_group(const CxmSharedLog *sl, uint32 slot, uint32 user)
{
	return (Datum) 1 | ((Datum) sl->id << 1) | ((Datum) slot << 17) | ((Datum) user << 49);
}

static inline uint32
cxm_log_group_slot(Datum d)
{
	return (uint32) (d >> 17);
}

static inline uint32
cxm_log_group_user(Datum d)
{
	return (uint32) (d >> 49);
}

static inline uint32
cxm_log_group_id(Datum d)
{
	return (uint32) (d >> 1) & CXM_LOG_MAX_ID;
}

static inline Datum
cxm_log_group_with_user(Datum d, uint32 user)
{
	return (d & (((Datum) 1 << 49) - 1)) | ((Datum) user << 49);
}

/*
 * The shared log of the hash aggregation calling fcinfo, created (with
 * user NULL, for the caller to fill in) on first use; NULL when the call is
 * not from a hash table, or Datums are too narrow for the tags.
 */
extern CxmSharedLog *cxm_shared_log(FunctionCallInfo fcinfo, MemoryContext aggcxt);

/* a new group of sl, as a tagged Datum with the given user bits */
extern Datum cxm_log_new_group(CxmSharedLog *sl, uint32 user, const char *what);

/* what a transition or combine function's fn_extra holds */
typedef struct CxmSharedLogRef
{
	MemoryContext cxt;
	CxmSharedLog *sl;
} CxmSharedLogRef;

/* the live log of a tagged Datum, from the registry (ERROR if none: a bug) */
extern CxmSharedLog *cxm_log_lookup(Datum d);

/*
 * The log of a tagged Datum, as a transition or combine function (whose
 * fn_extra cxm_shared_log set up) finds it: the one it remembers, almost
 * always.
 */
static inline CxmSharedLog *
cxm_log_of(FunctionCallInfo fcinfo, Datum d)
{
	CxmSharedLogRef *ref = (CxmSharedLogRef *) fcinfo->flinfo->fn_extra;

	if (likely(ref != NULL && ref->sl != NULL && ref->sl->id == cxm_log_group_id(d)))
		return ref->sl;
	return cxm_log_lookup(d);
}

/*
 * The header memory of a group of sl (hdr_size bytes, allocated in chunks in
 * the log's context on first use) and room for its tag.
 */
extern void *cxm_log_header(CxmSharedLog *sl, uint32 slot, Size hdr_size);

/* set the tag of a slot (0: the group keeps a state of its own) */
static inline void
cxm_log_set_tag(CxmSharedLog *sl, uint32 slot, Datum tag)
{
	sl->tags[slot] = tag;
	if (tag == 0 || cxm_log_group_user(tag) != 0)
		sl->tags_plain = false;
}

/* the tag of a slot, read only when some tag is not plain */
static inline Datum
cxm_log_tag(const CxmSharedLog *sl, uint32 slot)
{
	return likely(sl->tags_plain) ? cxm_log_group(sl, slot, 0) : sl->tags[slot];
}

/* the slot whose header starts at hdr, if hdr is one of sl's headers */
static inline bool
cxm_log_header_slot(const CxmSharedLog *sl, const char *hdr, uint32 *slot)
{
	uint32		lo = 0,
				hi = sl->nhdr_chunks;

	while (lo < hi)
	{
		uint32		mid = (lo + hi) / 2;
		const CxmLogHdrChunk *c = &sl->hdr_sorted[mid];

		if (hdr < c->base)
			hi = mid;
		else if (hdr >= c->end)
			lo = mid + 1;
		else
		{
			Size		off = (Size) (hdr - c->base);

			if (off % sl->hdr_size != 0)
				return false;
			*slot = c->first + (uint32) (off / sl->hdr_size);
			return true;
		}
	}
	return false;
}

#endif							/* CXM_ROWLOG_H */
