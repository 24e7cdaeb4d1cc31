/*
 * bandit_pending.h
 *	  The bandit counts of the current transaction, kept in backend memory
 *	  until commit (doc/experiments.md, "Concurrency design").
 */
#ifndef BANDIT_PENDING_H
#define BANDIT_PENDING_H

#include "postgres.h"

/* one experiment's pending counts (opaque outside bandit_pending.c) */
typedef struct BanditPendingExp BanditPendingExp;

/*
 * Called once per transaction at pre-commit (or pre-prepare) when counts are
 * pending: it writes them with bandit_pending_next.
 */
typedef void (*BanditPendingFlush) (void);

/* installs the transaction callbacks (once per backend) */
extern void bandit_pending_init(BanditPendingFlush flush);

/* adds trials and one reward (reward_sq grows by reward^2) to an arm */
extern void bandit_pending_add(const char *experiment, int32 arm_no, int64 trials,
							   double reward, Oid userid);

/* forgets an experiment's pending counts (bandit_drop); undone by a rollback */
extern void bandit_pending_forget(const char *experiment);

/* the experiment's pending counts, NULL when there are none */
extern const BanditPendingExp *bandit_pending_find(const char *experiment);

/* adds the pending counts of one arm to *trials, *reward_sum and *reward_sq */
extern void bandit_pending_arm(const BanditPendingExp *e, int32 arm_no, double *trials,
							   double *reward_sum, double *reward_sq);

/*
 * Iteration over the non-zero pending arms, for the flush function: returns
 * false after the last one.  *experiment stays valid until the end of the
 * transaction; userid is the role whose call recorded the counts last.
 */
extern bool bandit_pending_next(const char **experiment, Oid *userid, int32 *arm_no,
								int64 *trials, double *reward_sum, double *reward_sq);

#endif							/* BANDIT_PENDING_H */
