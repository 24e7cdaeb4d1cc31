/*
 * bandit_pending.c
 *	  The trials and rewards that bandit_choose / bandit_reward /
 *	  bandit_convert count in a transaction, kept in backend memory and
 *	  written to the counter table once, at pre-commit (doc/experiments.md,
 *	  "Concurrency design").
 *
 * Why: an UPDATE of the same counter row many times in one transaction
 * leaves one row version per update that cannot be pruned before the
 * transaction ends, and every later index lookup of that row (the next
 * update, and the sum over the shards each choice reads) walks all of them:
 * n calls in one transaction cost O(n^2).  Counting in memory keeps every
 * call O(arms); the readers in this backend add the pending counts to what
 * they read, so a choice still sees every earlier trial and reward of its
 * own transaction.
 *
 * Transactions.  A subtransaction that changes an arm first saves the arm's
 * values as they were (one saved copy per arm and nesting level); its abort
 * puts them back, its commit hands the saved copy to the parent level unless
 * the parent already has one.  A top-level abort drops everything; the
 * commit (and PREPARE TRANSACTION) writes the counts at pre-commit, inside
 * the transaction, through the flush function of bandit.c.
 */
#include "postgres.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "storage/proc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "bandit_pending.h"

typedef struct PendingSave PendingSave;

typedef struct PendingArm
{
	int64		trials;
	double		reward_sum;
	double		reward_sq;
	PendingSave *saved;			/* newest saved copy (highest level), or NULL */
} PendingArm;

struct BanditPendingExp
{
	char	   *name;			/* hash key: a copy in pending_cxt */
	Oid			userid;			/* role of the latest call that counted */
	int32		narms;			/* allocated length of arms */
	PendingArm *arms;			/* [arm_no - 1] */
};

/* an arm's values before the first change in a subtransaction */
struct PendingSave
{
	BanditPendingExp *exp;
	int32		arm;			/* index into exp->arms */
	int			level;			/* nesting level that saved them */
	int64		trials;
	double		reward_sum;
	double		reward_sq;
	PendingSave *below;			/* the arm's next older saved copy */
	PendingSave *next;			/* next saved copy of the same level */
};

static BanditPendingFlush pending_flush = NULL;
static MemoryContext pending_cxt = NULL;	/* child of TopTransactionContext */
static HTAB *pending_exps = NULL;
static LocalTransactionId pending_lxid = InvalidLocalTransactionId;
static LocalTransactionId flushed_lxid = InvalidLocalTransactionId;
static PendingSave **level_saves = NULL;	/* [level]: saved copies */
static int	level_cap = 0;
static HASH_SEQ_STATUS flush_seq;
static BanditPendingExp *flush_exp = NULL;
static int32 flush_arm = 0;

#if PG_VERSION_NUM >= 170000
#define MY_LXID (MyProc->vxid.lxid)
#else
#define MY_LXID (MyProc->lxid)
#endif

static uint32
exp_hash(const void *key, Size keysize)
{
	const char *s = *(const char *const *) key;

	return hash_bytes((const unsigned char *) s, (int) strlen(s));
}

static int
exp_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void
pending_reset(void)
{
	/* the memory goes with TopTransactionContext */
	pending_cxt = NULL;
	pending_exps = NULL;
	level_saves = NULL;
	level_cap = 0;
	flush_exp = NULL;
	pending_lxid = InvalidLocalTransactionId;
}

/* the store of this transaction, or NULL (never one left from another) */
static bool
pending_live(void)
{
	if (pending_exps != NULL && pending_lxid != MY_LXID)
		pending_reset();
	return pending_exps != NULL;
}

static void
pending_create(void)
{
	HASHCTL		ctl;

	pending_cxt = AllocSetContextCreate(TopTransactionContext, "cxm bandit pending counts",
										ALLOCSET_SMALL_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(BanditPendingExp);
	ctl.hash = exp_hash;
	ctl.match = exp_match;
	ctl.hcxt = pending_cxt;
	pending_exps = hash_create("cxm bandit pending experiments", 16, &ctl,
							   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	pending_lxid = MY_LXID;
}

static BanditPendingExp *
exp_lookup(const char *experiment, bool create)
{
	BanditPendingExp *e;
	bool		found;

	if (!pending_live())
	{
		if (!create)
			return NULL;
		/* a count after the flush would never be written */
		if (flushed_lxid == MY_LXID)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
					 errmsg("bandit counts cannot be recorded while the transaction commits")));
		pending_create();
	}
	e = hash_search(pending_exps, &experiment, create ? HASH_ENTER : HASH_FIND, &found);
	if (e != NULL && !found)
	{
		/* the key points at the caller's string until replaced by a copy */
		e->name = MemoryContextStrdup(pending_cxt, experiment);
		e->userid = InvalidOid;
		e->narms = 0;
		e->arms = NULL;
	}
	return e;
}

/* the arm's slot, the array grown as needed */
static PendingArm *
arm_slot(BanditPendingExp *e, int32 arm_no)
{
	if (arm_no < 1)
		elog(ERROR, "bandit: arm number %d out of range", arm_no);
	if (arm_no > e->narms)
	{
		int32		n = Max(arm_no, Max(8, e->narms * 2));

		if (e->arms == NULL)
			e->arms = MemoryContextAllocZero(pending_cxt, sizeof(PendingArm) * n);
		else
		{
			e->arms = repalloc(e->arms, sizeof(PendingArm) * n);
			memset(e->arms + e->narms, 0, sizeof(PendingArm) * (n - e->narms));
		}
		e->narms = n;
	}
	return &e->arms[arm_no - 1];
}

/* before a change in a subtransaction: save the arm's values once per level */
static void
arm_save(BanditPendingExp *e, PendingArm *a)
{
	int			level = GetCurrentTransactionNestLevel();
	PendingSave *s;

	if (level <= 1 || (a->saved != NULL && a->saved->level >= level))
		return;
	if (level >= level_cap)
	{
		int			n = Max(level + 1, Max(8, level_cap * 2));

		if (level_saves == NULL)
			level_saves = MemoryContextAllocZero(pending_cxt, sizeof(PendingSave *) * n);
		else
		{
			level_saves = repalloc(level_saves, sizeof(PendingSave *) * n);
			memset(level_saves + level_cap, 0, sizeof(PendingSave *) * (n - level_cap));
		}
		level_cap = n;
	}
	s = MemoryContextAlloc(pending_cxt, sizeof(PendingSave));
	s->exp = e;
	s->arm = (int32) (a - e->arms);
	s->level = level;
	s->trials = a->trials;
	s->reward_sum = a->reward_sum;
	s->reward_sq = a->reward_sq;
	s->below = a->saved;
	a->saved = s;
	s->next = level_saves[level];
	level_saves[level] = s;
}

void
bandit_pending_add(const char *experiment, int32 arm_no, int64 trials, double reward,
				   Oid userid)
{
	BanditPendingExp *e = exp_lookup(experiment, true);
	PendingArm *a = arm_slot(e, arm_no);

	arm_save(e, a);
	a->trials += trials;
	a->reward_sum += reward;
	a->reward_sq += reward * reward;
	e->userid = userid;
}

void
bandit_pending_forget(const char *experiment)
{
	BanditPendingExp *e = exp_lookup(experiment, false);
	int32		i;

	if (e == NULL)
		return;
	for (i = 0; i < e->narms; i++)
	{
		PendingArm *a = &e->arms[i];

		arm_save(e, a);
		a->trials = 0;
		a->reward_sum = 0.0;
		a->reward_sq = 0.0;
	}
}

const BanditPendingExp *
bandit_pending_find(const char *experiment)
{
	return exp_lookup(experiment, false);
}

void
bandit_pending_arm(const BanditPendingExp *e, int32 arm_no, double *trials,
				   double *reward_sum, double *reward_sq)
{
	const PendingArm *a;

	if (e == NULL || arm_no < 1 || arm_no > e->narms)
		return;
	a = &e->arms[arm_no - 1];
	*trials += (double) a->trials;
	*reward_sum += a->reward_sum;
	*reward_sq += a->reward_sq;
}

bool
bandit_pending_next(const char **experiment, Oid *userid, int32 *arm_no,
					int64 *trials, double *reward_sum, double *reward_sq)
{
	for (;;)
	{
		if (flush_exp != NULL)
		{
			while (flush_arm < flush_exp->narms)
			{
				PendingArm *a = &flush_exp->arms[flush_arm++];

				if (a->trials == 0 && a->reward_sum == 0.0 && a->reward_sq == 0.0)
					continue;
				*experiment = flush_exp->name;
				*userid = flush_exp->userid;
				*arm_no = flush_arm;
				*trials = a->trials;
				*reward_sum = a->reward_sum;
				*reward_sq = a->reward_sq;
				return true;
			}
		}
		flush_exp = hash_seq_search(&flush_seq);
		flush_arm = 0;
		if (flush_exp == NULL)
			return false;
	}
}

/* end of a subtransaction at nesting level `level` */
static void
level_end(int level, bool commit)
{
	PendingSave *s,
			   *next;

	if (level >= level_cap)
		return;
	for (s = level_saves[level]; s != NULL; s = next)
	{
		PendingArm *a = &s->exp->arms[s->arm];

		next = s->next;
		Assert(a->saved == s);
		a->saved = s->below;
		if (!commit)
		{
			a->trials = s->trials;
			a->reward_sum = s->reward_sum;
			a->reward_sq = s->reward_sq;
			pfree(s);
		}
		else if (level - 1 > 1 && (a->saved == NULL || a->saved->level < level - 1))
		{
			/* the parent changed nothing before: these are its values too */
			s->level = level - 1;
			a->saved = s;
			s->next = level_saves[level - 1];
			level_saves[level - 1] = s;
		}
		else
			pfree(s);
	}
	level_saves[level] = NULL;
}

static void
pending_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	if (!pending_live())
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB)
		level_end(GetCurrentTransactionNestLevel(), true);
	else if (event == SUBXACT_EVENT_ABORT_SUB)
		level_end(GetCurrentTransactionNestLevel(), false);
}

static void
pending_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (pending_live() && hash_get_num_entries(pending_exps) > 0)
			{
				hash_seq_init(&flush_seq, pending_exps);
				flush_exp = NULL;
				flush_arm = 0;
				pending_flush();
				/* hash_seq_search ended the scan when it returned NULL */
				pending_reset();
				flushed_lxid = MY_LXID;
			}
			break;
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			/* a parallel worker: the functions that count are parallel unsafe */
			break;
		default:
			/* commit, abort, prepare: the memory goes with the transaction */
			pending_reset();
			break;
	}
}

void
bandit_pending_init(BanditPendingFlush flush)
{
	if (pending_flush != NULL)
		return;
	pending_flush = flush;
	RegisterXactCallback(pending_xact_callback, NULL);
	RegisterSubXactCallback(pending_subxact_callback, NULL);
}
