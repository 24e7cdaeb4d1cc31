/*
 * bandit.c
 *	  fmgr glue of the experiments family (doc/experiments.md): the
 *	  stateful bandit_choose / bandit_reward / bandit_convert, bandit_report,
 *	  the stateless bandit_choose and bandit_seed.  The management functions
 *	  (bandit_create, bandit_arm_*, bandit_drop) are PL/pgSQL in
 *	  src/sql/bandit.sql; the statistics live in bandit_core.c.
 *
 * Storage (schema of the extension):
 *   bandit_experiment   one row per experiment (policy, params, epsilon)
 *   bandit_arm          arms, numbered in creation order, active flag
 *   bandit_counter      per (arm, shard) sums of trials, rewards and squares
 *   bandit_assignment   sticky subject -> arm, with the propensity
 *   bandit_reassignment log of subjects moved off a paused arm
 *
 * Hot counters.  Every counted trial or reward is added to the transaction's
 * pending counts in memory (src/bandit_pending.c); at pre-commit they update
 * one bandit_counter row of this backend's shard per arm.  A backend claims
 * a shard number for its lifetime with a session-level advisory lock (key
 * CXM_LOCK_BANDIT_SLOT, slot), so no two live sessions update the same
 * counter row: counter updates never wait for a row lock and can never
 * deadlock.  Readers fold the shards with sum() and add the pending counts.
 * If all BANDIT_SLOTS slots are taken, a backend shares slot
 * pid % BANDIT_SLOTS (still exact, only with row-lock waits).
 *
 * Experiment lifecycle.  choose/reward/convert take a transaction-level
 * shared advisory lock (CXM_LOCK_BANDIT, hashtext(experiment)); create,
 * drop and the arm changes take it exclusively.  So a drop never races a
 * counter update into a deleted experiment, and a paused arm is never
 * chosen by a call that starts after the pause committed.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "cxm.h"
#include "cxm_locks.h"
#include "bandit_core.h"
#include "bandit_pending.h"

PG_FUNCTION_INFO_V1(bandit_choose);
PG_FUNCTION_INFO_V1(bandit_choose_stateless);
PG_FUNCTION_INFO_V1(bandit_reward);
PG_FUNCTION_INFO_V1(bandit_convert);
PG_FUNCTION_INFO_V1(bandit_report);
PG_FUNCTION_INFO_V1(bandit_seed);
PG_FUNCTION_INFO_V1(bandit_forget_pending);

#define BANDIT_SLOTS		64

/* ------------------------------------------------------------------------
 * Session random generator
 * ------------------------------------------------------------------------ */

#if PG_VERSION_NUM >= 150000 && !defined(BANDIT_OWN_PRNG)
#include "common/pg_prng.h"
typedef pg_prng_state bandit_prng_t;
#define bandit_prng_seed(st, seed)	pg_prng_seed((st), (seed))
#define bandit_prng_double(st)		pg_prng_double(st)
#define bandit_prng_strong_seed(st) pg_prng_strong_seed(st)
#else
/* PostgreSQL 13 and 14 have no pg_prng: the same xoroshiro128** generator */
typedef struct bandit_prng_t
{
	uint64		s0,
				s1;
} bandit_prng_t;

static inline uint64
bandit_rotl(uint64 x, int bits)
{
	return (x << bits) | (x >> (64 - bits));
}

static uint64
bandit_splitmix64(uint64 *state)
{
	uint64		z = (*state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static void
bandit_prng_seed(bandit_prng_t *st, uint64 seed)
{
	st->s0 = bandit_splitmix64(&seed);
	st->s1 = bandit_splitmix64(&seed);
	if (st->s0 == 0 && st->s1 == 0)
		st->s1 = 1;
}

static double
bandit_prng_double(bandit_prng_t *st)
{
	uint64		s0 = st->s0,
				s1 = st->s1,
				val = bandit_rotl(s0 * 5, 7) * 9;

	s1 ^= s0;
	st->s0 = bandit_rotl(s0, 24) ^ s1 ^ (s1 << 16);
	st->s1 = bandit_rotl(s1, 37);
	return (double) (val >> 11) * (1.0 / 9007199254740992.0);
}

static bool
bandit_prng_strong_seed(bandit_prng_t *st)
{
	if (!pg_strong_random(st, sizeof(*st)))
		return false;
	if (st->s0 == 0 && st->s1 == 0)
		st->s1 = 1;
	return true;
}
#endif

static bandit_prng_t bandit_prng;
static bool bandit_prng_ready = false;

static double
bandit_prng_next(void *ctx)
{
	return bandit_prng_double((bandit_prng_t *) ctx);
}

static BanditRng
bandit_rng(void)
{
	BanditRng	r;

	if (!bandit_prng_ready)
	{
		if (!bandit_prng_strong_seed(&bandit_prng))
			bandit_prng_seed(&bandit_prng, (uint64) MyProcPid ^ (uint64) GetCurrentTimestamp());
		bandit_prng_ready = true;
	}
	r.next = bandit_prng_next;
	r.ctx = &bandit_prng;
	return r;
}

Datum
bandit_seed(PG_FUNCTION_ARGS)
{
	bandit_prng_seed(&bandit_prng, (uint64) PG_GETARG_INT64(0));
	bandit_prng_ready = true;
	PG_RETURN_VOID();
}

/*
 * bandit_forget_pending(experiment): bandit_drop forgets the counts this
 * transaction has not written yet (a rollback to an earlier savepoint brings
 * them back), so that they do not land in an experiment created again under
 * the same name.
 */
Datum
bandit_forget_pending(PG_FUNCTION_ARGS)
{
	bandit_pending_forget(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_VOID();
}

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static text *
arg_text(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what)));
	return PG_GETARG_TEXT_PP(argno);
}

static void
lock_experiment_shared(text *experiment)
{
	uint32		h = DatumGetUInt32(hash_any((unsigned char *) VARDATA_ANY(experiment),
											VARSIZE_ANY_EXHDR(experiment)));

	DirectFunctionCall2(pg_advisory_xact_lock_shared_int4,
						Int32GetDatum(CXM_LOCK_BANDIT), Int32GetDatum((int32) h));
}

static int	bandit_slot = -1;

/* this backend's counter shard */
static int
my_shard(void)
{
	const char *mode;
	int			s;

	if (bandit_slot >= 0)
		return bandit_slot;
	/* undocumented knob for the bench: one counter row per arm */
	mode = GetConfigOption("cxm.bandit_counter_shards", true, false);
	if (mode != NULL && strcmp(mode, "1") == 0)
		return 0;
	for (s = 0; s < BANDIT_SLOTS; s++)
	{
		if (DatumGetBool(DirectFunctionCall2(pg_try_advisory_lock_int4,
											 Int32GetDatum(CXM_LOCK_BANDIT_SLOT),
											 Int32GetDatum(s))))
		{
			bandit_slot = s;
			return s;
		}
	}
	return MyProcPid % BANDIT_SLOTS;
}

static void
experiment_missing(text *experiment)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("experiment \"%s\" does not exist", text_to_cstring(experiment))));
}

static void
check_reward(BanditPolicy policy, double reward)
{
	if (isnan(reward) || isinf(reward))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("reward %g is not a finite number", reward)));
	if (bandit_policy_bernoulli(policy) && (reward < 0.0 || reward > 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("reward %g is outside [0, 1]", reward),
				 errhint("Policy \"%s\" takes rewards from 0 to 1; use gaussian_thompson for other values.",
						 bandit_policy_name(policy))));
}

static BanditPolicy
policy_from_text(const char *name)
{
	BanditPolicy p;

	if (!bandit_policy_parse(name, &p))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown bandit policy \"%s\"", name),
				 errhint("Policies: thompson, gaussian_thompson, ucb1, epsilon_greedy, uniform.")));
	return p;
}

/* ------------------------------------------------------------------------
 * Prepared statements (saved for the backend's lifetime)
 * ------------------------------------------------------------------------ */

enum
{
	Q_LOOKUP,					/* experiment + the subject's assignment */
	Q_ARMS,						/* arms with folded counters */
	Q_ASSIGN,					/* insert a new assignment */
	Q_REASSIGN,					/* move a subject off a paused arm */
	Q_LOG,						/* log the move */
	Q_COUNT_UPD,				/* add to this shard's counter */
	Q_COUNT_INS,				/* ... creating the row */
	Q_REWARD_ARM,				/* experiment + arm by name */
	Q_CONVERT_ARM,				/* experiment + the subject's arm */
	Q_SUBJECT_REWARD,			/* add to the subject's reward */
	Q_EXPERIMENT,				/* the experiment's analysis settings */
	Q_METRICS,					/* its declared metrics */
	Q_NSUBJECTS,				/* number of assigned subjects */
	Q_SUBJECT_SUMS,				/* per arm and period sums of an outcome */
	Q_NUM
};

static SPIPlanPtr plans[Q_NUM];
static Oid	bandit_nsp = InvalidOid;

/*
 * The tables live in the schema of the calling function (the extension's
 * schema).  If that changes (extension dropped and created again), the saved
 * plans are dropped and prepared again.
 */
static void
set_schema(FunctionCallInfo fcinfo)
{
	Oid			nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	int			q;

	if (nsp == bandit_nsp)
		return;
	for (q = 0; q < Q_NUM; q++)
	{
		if (plans[q] != NULL)
			SPI_freeplan(plans[q]);
		plans[q] = NULL;
	}
	bandit_nsp = nsp;
}

#define EQ " OPERATOR(pg_catalog.=) "
#define PLUS " OPERATOR(pg_catalog.+) "

static SPIPlanPtr
plan(int q)
{
	static const char *const sql[Q_NUM] = {
		/* Q_LOOKUP($1 experiment, $2 subject) */
		"SELECT e.policy, e.epsilon, s.arm_no, a.arm, a.active, s.propensity, s.assigned_at"
		" FROM %s.bandit_experiment e"
		" LEFT JOIN %s.bandit_assignment s ON s.experiment" EQ "e.experiment AND s.subject" EQ "$2"
		" LEFT JOIN %s.bandit_arm a ON a.experiment" EQ "e.experiment AND a.arm_no" EQ "s.arm_no"
		" WHERE e.experiment" EQ "$1",
		/* Q_ARMS($1 experiment) */
		"SELECT a.arm_no, a.arm, a.active, pg_catalog.float8(COALESCE(c.t, 0)),"
		" COALESCE(c.s, 0), COALESCE(c.q, 0)"
		" FROM %s.bandit_arm a LEFT JOIN"
		" (SELECT arm_no, pg_catalog.sum(trials) t, pg_catalog.sum(reward_sum) s,"
		" pg_catalog.sum(reward_sq) q FROM %s.bandit_counter WHERE experiment" EQ "$1"
		" GROUP BY arm_no) c ON c.arm_no" EQ "a.arm_no"
		" WHERE a.experiment" EQ "$1 ORDER BY a.arm_no",
		/* Q_ASSIGN($1, $2 subject, $3 arm_no, $4 propensity) */
		"INSERT INTO %s.bandit_assignment (experiment, subject, arm_no, propensity)"
		" VALUES ($1, $2, $3, $4) ON CONFLICT (experiment, subject) DO NOTHING RETURNING arm_no",
		/* Q_REASSIGN($1, $2, $3 new arm, $4 propensity, $5 old arm) */
		"UPDATE %s.bandit_assignment SET arm_no = $3, propensity = $4, assigned_at = pg_catalog.now()"
		" WHERE experiment" EQ "$1 AND subject" EQ "$2 AND arm_no" EQ "$5",
		/* Q_LOG($1, $2, $3 old arm, $4 old propensity, $5 old assigned_at, $6 new arm, $7 new propensity) */
		"INSERT INTO %s.bandit_reassignment (experiment, subject, old_arm_no, old_propensity,"
		" old_assigned_at, new_arm_no, new_propensity) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		/* Q_COUNT_UPD($1, $2 arm_no, $3 shard, $4 trials, $5 reward, $6 reward^2) */
		"UPDATE %s.bandit_counter SET trials = trials" PLUS "$4, reward_sum = reward_sum" PLUS "$5,"
		" reward_sq = reward_sq" PLUS "$6"
		" WHERE experiment" EQ "$1 AND arm_no" EQ "$2 AND shard" EQ "$3",
		/* Q_COUNT_INS(same) */
		"INSERT INTO %s.bandit_counter AS c (experiment, arm_no, shard, trials, reward_sum, reward_sq)"
		" VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (experiment, arm_no, shard) DO UPDATE"
		" SET trials = c.trials" PLUS "EXCLUDED.trials, reward_sum = c.reward_sum" PLUS "EXCLUDED.reward_sum,"
		" reward_sq = c.reward_sq" PLUS "EXCLUDED.reward_sq",
		/* Q_REWARD_ARM($1, $2 arm) */
		"SELECT e.policy, a.arm_no FROM %s.bandit_experiment e"
		" LEFT JOIN %s.bandit_arm a ON a.experiment" EQ "e.experiment AND a.arm" EQ "$2"
		" WHERE e.experiment" EQ "$1",
		/* Q_CONVERT_ARM($1, $2 subject) */
		"SELECT e.policy, s.arm_no FROM %s.bandit_experiment e"
		" LEFT JOIN %s.bandit_assignment s ON s.experiment" EQ "e.experiment AND s.subject" EQ "$2"
		" WHERE e.experiment" EQ "$1",
		/* Q_SUBJECT_REWARD($1, $2 subject, $3 reward) */
		"UPDATE %s.bandit_assignment SET reward = reward" PLUS "$3"
		" WHERE experiment" EQ "$1 AND subject" EQ "$2",
		/* Q_EXPERIMENT($1) */
		"SELECT e.control_arm_no, e.loss_threshold, pg_catalog.float8(e.min_sample)"
		" FROM %s.bandit_experiment e WHERE e.experiment" EQ "$1",
		/* Q_METRICS($1) */
		"SELECT m.metric, m.guardrail, m.higher_is_better FROM %s.bandit_metric m"
		" WHERE m.experiment" EQ "$1 ORDER BY m.metric",
		/* Q_NSUBJECTS($1) */
		"SELECT pg_catalog.float8(pg_catalog.count(*)) FROM %s.bandit_assignment a"
		" WHERE a.experiment" EQ "$1",
		/*
		 * Q_SUBJECT_SUMS($1, $2 metric names, $3 periods, $4 subjects): the
		 * subjects in order of assignment cut into $3 equal periods (one
		 * sort); per arm and period the subjects and the sums of their
		 * rewards (metric NULL), then the sums of each named metric
		 */
		"WITH s AS MATERIALIZED (SELECT a.subject, a.arm_no, a.reward,"
		"   pg_catalog.int4((pg_catalog.row_number() OVER (ORDER BY a.assigned_at,"
		"     a.subject COLLATE \"C\") OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.*) $3"
		"     OPERATOR(pg_catalog./) $4) AS period"
		"  FROM %s.bandit_assignment a WHERE a.experiment" EQ "$1)"
		" SELECT NULL::pg_catalog.text, s.arm_no, s.period, pg_catalog.float8(pg_catalog.count(*)),"
		"  pg_catalog.sum(s.reward), pg_catalog.sum(s.reward OPERATOR(pg_catalog.*) s.reward)"
		" FROM s GROUP BY s.arm_no, s.period"
		" UNION ALL"
		" SELECT v.metric, s.arm_no, s.period, 0::pg_catalog.float8,"
		"  pg_catalog.sum(v.value), pg_catalog.sum(v.value OPERATOR(pg_catalog.*) v.value)"
		" FROM s JOIN %s.bandit_metric_value v ON v.experiment" EQ "$1"
		"  AND v.subject" EQ "s.subject AND v.metric" EQ "ANY ($2)"
		" GROUP BY v.metric, s.arm_no, s.period"
	};
	static const int nargs[Q_NUM] = {2, 1, 4, 5, 7, 6, 6, 2, 2, 3, 1, 1, 1, 4};
	static const Oid types[Q_NUM][7] = {
		{TEXTOID, TEXTOID},
		{TEXTOID},
		{TEXTOID, TEXTOID, INT4OID, FLOAT8OID},
		{TEXTOID, TEXTOID, INT4OID, FLOAT8OID, INT4OID},
		{TEXTOID, TEXTOID, INT4OID, FLOAT8OID, TIMESTAMPTZOID, INT4OID, FLOAT8OID},
		{TEXTOID, INT4OID, INT4OID, INT8OID, FLOAT8OID, FLOAT8OID},
		{TEXTOID, INT4OID, INT4OID, INT8OID, FLOAT8OID, FLOAT8OID},
		{TEXTOID, TEXTOID},
		{TEXTOID, TEXTOID},
		{TEXTOID, TEXTOID, FLOAT8OID},
		{TEXTOID},
		{TEXTOID},
		{TEXTOID},
		{TEXTOID, TEXTARRAYOID, INT8OID, INT8OID}
	};

	if (plans[q] == NULL)
	{
		const char *nsp;
		char	   *query;
		SPIPlanPtr	p;

		if (!OidIsValid(bandit_nsp))
			elog(ERROR, "bandit: extension schema not known");
		nsp = quote_identifier(get_namespace_name(bandit_nsp));
		query = psprintf(sql[q], nsp, nsp, nsp);
		p = SPI_prepare(query, nargs[q], (Oid *) types[q]);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", query,
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plans[q] = p;
	}
	return plans[q];
}

static int
run(int q, Datum *values, const char *nulls, bool readonly)
{
	int			rc = SPI_execute_plan(plan(q), values, nulls, readonly, 0);

	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	return rc;
}

static Datum
col(int row, int colno, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, colno, isnull);
}

/*
 * the counter table of the extension's schema, InvalidOid when it is gone
 * (looked up each time: a DROP and CREATE EXTENSION in a schema that
 * survives keeps the schema's OID but not the table's)
 */
static Oid
counter_relid(void)
{
	return OidIsValid(bandit_nsp) ? get_relname_relid("bandit_counter", bandit_nsp) : InvalidOid;
}

/*
 * At pre-commit (and pre-prepare): write the transaction's pending counts,
 * one UPDATE (or INSERT) of this backend's shard row per arm, each as the
 * role whose call counted it (its rights were checked then).  If the
 * extension was dropped in this transaction, its counters went with it.
 */
static void
flush_pending(void)
{
	const char *name;
	Oid			userid,
				save_userid;
	int			save_sec;
	int32		arm_no;
	int64		trials;
	double		sum,
				sq;
	text	   *experiment = NULL;
	const char *last = NULL;

	if (!OidIsValid(counter_relid()))
	{
		while (bandit_pending_next(&name, &userid, &arm_no, &trials, &sum, &sq))
			;
		return;
	}
	GetUserIdAndSecContext(&save_userid, &save_sec);
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
	while (bandit_pending_next(&name, &userid, &arm_no, &trials, &sum, &sq))
	{
		Datum		v[6];

		if (name != last)
		{
			experiment = cstring_to_text(name);
			last = name;
		}
		SetUserIdAndSecContext(userid, save_sec | SECURITY_LOCAL_USERID_CHANGE);
		v[0] = PointerGetDatum(experiment);
		v[1] = Int32GetDatum(arm_no);
		v[2] = Int32GetDatum(my_shard());
		v[3] = Int64GetDatum(trials);
		v[4] = Float8GetDatum(sum);
		v[5] = Float8GetDatum(sq);
		run(Q_COUNT_UPD, v, NULL, false);
		if (SPI_processed == 0)
			run(Q_COUNT_INS, v, NULL, false);
		SetUserIdAndSecContext(save_userid, save_sec);
	}
	SPI_finish();
	PopActiveSnapshot();
}

/*
 * add trials / reward to an arm: counted in this transaction's pending
 * counts (src/bandit_pending.c), written to this backend's counter row at
 * commit by flush_pending.  The checks the UPDATE would make are made now.
 */
static void
count(text *experiment, int32 arm_no, int64 trials, double reward)
{
	Oid			relid = counter_relid();
	AclResult	acl;

	if (!OidIsValid(relid))
		elog(ERROR, "bandit: table bandit_counter not found");
	PreventCommandIfReadOnly("UPDATE");
	PreventCommandIfParallelMode("UPDATE");
	acl = pg_class_aclcheck(relid, GetUserId(), ACL_UPDATE);
	if (acl == ACLCHECK_OK)
		acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, "bandit_counter");
	bandit_pending_init(flush_pending);
	bandit_pending_add(text_to_cstring(experiment), arm_no, trials, reward, GetUserId());
}

typedef struct ArmSet
{
	int			n;
	int32	   *arm_no;
	char	  **name;
	BanditArm  *arms;
} ArmSet;

/*
 * read the arms with folded counters (in the caller's memory context), plus
 * the counts of this transaction still pending in memory.  The volatile
 * functions read with read_only = false: a fresh snapshot that sees what
 * other sessions committed since the statement began.
 */
static void
load_arms(text *experiment, ArmSet *set, MemoryContext cxt, bool readonly)
{
	Datum		v[1];
	uint64		i;
	MemoryContext old;
	const BanditPendingExp *pending;

	v[0] = PointerGetDatum(experiment);
	run(Q_ARMS, v, NULL, readonly);
	pending = bandit_pending_find(text_to_cstring(experiment));
	old = MemoryContextSwitchTo(cxt);
	set->n = (int) SPI_processed;
	set->arm_no = palloc0(sizeof(int32) * (set->n + 1));
	set->name = palloc0(sizeof(char *) * (set->n + 1));
	set->arms = palloc0(sizeof(BanditArm) * (set->n + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		set->arm_no[i] = DatumGetInt32(col(i, 1, &isnull));
		set->name[i] = TextDatumGetCString(col(i, 2, &isnull));
		set->arms[i].active = DatumGetBool(col(i, 3, &isnull));
		set->arms[i].trials = DatumGetFloat8(col(i, 4, &isnull));
		set->arms[i].reward_sum = DatumGetFloat8(col(i, 5, &isnull));
		set->arms[i].reward_sq = DatumGetFloat8(col(i, 6, &isnull));
		set->arms[i].has_sq = true;
		bandit_pending_arm(pending, set->arm_no[i], &set->arms[i].trials,
						   &set->arms[i].reward_sum, &set->arms[i].reward_sq);
	}
	MemoryContextSwitchTo(old);
}

/* ------------------------------------------------------------------------
 * bandit_choose(experiment text, subject text DEFAULT NULL) -> text
 * ------------------------------------------------------------------------ */

typedef struct Lookup
{
	BanditPolicy policy;
	double		epsilon;
	bool		assigned;
	int32		arm_no;
	char	   *arm;
	bool		active;
	double		propensity;
	Datum		assigned_at;
} Lookup;

static void
lookup(text *experiment, text *subject, Lookup *l, MemoryContext cxt, bool readonly)
{
	Datum		v[2];
	char		nulls[2] = {' ', subject ? ' ' : 'n'};
	bool		isnull;
	MemoryContext old;

	v[0] = PointerGetDatum(experiment);
	v[1] = subject ? PointerGetDatum(subject) : (Datum) 0;
	run(Q_LOOKUP, v, nulls, readonly);
	if (SPI_processed == 0)
		experiment_missing(experiment);
	old = MemoryContextSwitchTo(cxt);
	l->policy = policy_from_text(TextDatumGetCString(col(0, 1, &isnull)));
	l->epsilon = DatumGetFloat8(col(0, 2, &isnull));
	if (isnull)
		l->epsilon = BANDIT_DEFAULT_EPSILON;
	l->arm_no = DatumGetInt32(col(0, 3, &isnull));
	l->assigned = !isnull;
	if (l->assigned)
	{
		l->arm = TextDatumGetCString(col(0, 4, &isnull));
		l->active = DatumGetBool(col(0, 5, &isnull));
		l->propensity = DatumGetFloat8(col(0, 6, &isnull));
		l->assigned_at = col(0, 7, &isnull);
	}
	MemoryContextSwitchTo(old);
}

Datum
bandit_choose(PG_FUNCTION_ARGS)
{
	text	   *experiment = arg_text(fcinfo, 0, "experiment");
	text	   *subject = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	MemoryContext cxt = CurrentMemoryContext;
	Lookup		l;
	ArmSet		set;
	BanditRng	rng;
	CxmAlloc	alloc = cxm_allocator(cxt);
	int			chosen;
	double		propensity;
	char	   *result = NULL;
	int			attempt;

	set_schema(fcinfo);
	lock_experiment_shared(experiment);
	SPI_connect();
	for (attempt = 0; result == NULL; attempt++)
	{
		Datum		v[7];

		lookup(experiment, subject, &l, cxt, false);
		if (l.assigned && l.active)
		{
			result = l.arm;		/* sticky: no new trial */
			break;
		}
		if (attempt > 2)
			elog(ERROR, "bandit_choose: the assignment of a subject keeps changing");
		load_arms(experiment, &set, cxt, false);
		rng = bandit_rng();
		if (bandit_select(l.policy, l.epsilon, set.arms, set.n, &rng, &alloc,
						  &chosen, &propensity) != CXM_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("experiment \"%s\" has no active arm",
							text_to_cstring(experiment))));
		v[0] = PointerGetDatum(experiment);
		v[1] = PointerGetDatum(subject);
		v[2] = Int32GetDatum(set.arm_no[chosen]);
		v[3] = Float8GetDatum(propensity);
		if (subject != NULL && !l.assigned)
		{
			run(Q_ASSIGN, v, NULL, false);
			if (SPI_processed == 0)
				continue;		/* another session assigned it first: use theirs */
		}
		else if (subject != NULL)
		{
			/* the subject's arm was paused: move it and log the move */
			v[4] = Int32GetDatum(l.arm_no);
			run(Q_REASSIGN, v, NULL, false);
			if (SPI_processed == 0)
				continue;		/* moved concurrently */
			v[2] = Int32GetDatum(l.arm_no);
			v[3] = Float8GetDatum(l.propensity);
			v[4] = l.assigned_at;
			v[5] = Int32GetDatum(set.arm_no[chosen]);
			v[6] = Float8GetDatum(propensity);
			run(Q_LOG, v, NULL, false);
		}
		count(experiment, set.arm_no[chosen], 1, 0.0);
		result = set.name[chosen];
	}
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

/* ------------------------------------------------------------------------
 * bandit_reward(experiment, arm, reward) and bandit_convert(experiment, subject, reward)
 * ------------------------------------------------------------------------ */

static void
record_reward(FunctionCallInfo fcinfo, int q)
{
	text	   *experiment = arg_text(fcinfo, 0, "experiment");
	text	   *key = arg_text(fcinfo, 1, q == Q_REWARD_ARM ? "arm" : "subject");
	double		reward;
	Datum		v[2];
	bool		isnull;
	BanditPolicy policy;
	int32		arm_no;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("reward must not be NULL")));
	reward = PG_GETARG_FLOAT8(2);
	set_schema(fcinfo);
	lock_experiment_shared(experiment);
	SPI_connect();
	v[0] = PointerGetDatum(experiment);
	v[1] = PointerGetDatum(key);
	run(q, v, NULL, false);
	if (SPI_processed == 0)
		experiment_missing(experiment);
	policy = policy_from_text(TextDatumGetCString(col(0, 1, &isnull)));
	arm_no = DatumGetInt32(col(0, 2, &isnull));
	if (isnull && q == Q_REWARD_ARM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("experiment \"%s\" has no arm \"%s\"",
						text_to_cstring(experiment), text_to_cstring(key))));
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("subject \"%s\" was never assigned an arm in experiment \"%s\"",
						text_to_cstring(key), text_to_cstring(experiment)),
				 errhint("Call bandit_choose with the subject first.")));
	check_reward(policy, reward);
	count(experiment, arm_no, 0, reward);
	if (q == Q_CONVERT_ARM)
	{
		/* the subject's own total, for the corrected comparisons */
		Datum		u[3];

		u[0] = PointerGetDatum(experiment);
		u[1] = PointerGetDatum(key);
		u[2] = Float8GetDatum(reward);
		run(Q_SUBJECT_REWARD, u, NULL, false);
	}
	SPI_finish();
}

Datum
bandit_reward(PG_FUNCTION_ARGS)
{
	record_reward(fcinfo, Q_REWARD_ARM);
	PG_RETURN_VOID();
}

Datum
bandit_convert(PG_FUNCTION_ARGS)
{
	record_reward(fcinfo, Q_CONVERT_ARM);
	PG_RETURN_VOID();
}

/* ------------------------------------------------------------------------
 * bandit_report(experiment, metric DEFAULT NULL) -> TABLE(arm, trials,
 *		reward_sum, mean, ci_low, ci_high, p_best, active, is_control,
 *		abs_uplift .. decision)			(doc/experiments.md)
 * ------------------------------------------------------------------------ */

#define REPORT_COLS 25
#define LEVEL95 0.95

/* per-subject sums of one outcome: per arm, and per arm and period */
typedef struct SubjectSums
{
	int			nper;
	BanditArm  *tot;			/* [arm]: subjects, sum, sum of squares */
	BanditArm  *per;			/* [arm * nper + period] */
	double	   *ptotal;			/* [period]: subjects of all arms */
} SubjectSums;

static int
arm_index(const ArmSet *set, int32 arm_no)
{
	int			i;

	if (arm_no >= 1 && arm_no <= set->n && set->arm_no[arm_no - 1] == arm_no)
		return arm_no - 1;
	for (i = 0; i < set->n; i++)
		if (set->arm_no[i] == arm_no)
			return i;
	return -1;
}

static int
metric_index(char **names, int nm, const char *name)
{
	int			i;

	for (i = 0; i < nm; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/*
 * The per-subject sums of the reward (out[0]) and of the metrics names[0..nm-1]
 * (out[1 + i]), in cxt, with one read of the subjects.  A subject without a
 * record of a metric counts 0: every outcome has the same subject counts.
 */
static void
load_subject_sums(text *experiment, char **names, int nm, const ArmSet *set,
				  SubjectSums *out, MemoryContext cxt)
{
	Datum		v[4];
	Datum	   *md;
	bool		isnull;
	double		nsub;
	int			nper,
				i,
				j;
	uint64		r;
	MemoryContext old;

	v[0] = PointerGetDatum(experiment);
	run(Q_NSUBJECTS, v, NULL, true);
	nsub = DatumGetFloat8(col(0, 1, &isnull));
	nper = bandit_period_count(nsub);
	old = MemoryContextSwitchTo(cxt);
	for (j = 0; j <= nm; j++)
	{
		out[j].nper = nper;
		out[j].tot = palloc0(sizeof(BanditArm) * (set->n + 1));
		out[j].per = palloc0(sizeof(BanditArm) * (set->n + 1) * nper);
		out[j].ptotal = palloc0(sizeof(double) * nper);
		for (i = 0; i < set->n; i++)
		{
			out[j].tot[i].has_sq = true;
			out[j].tot[i].active = set->arms[i].active;
		}
	}
	md = palloc0(sizeof(Datum) * (nm + 1));
	for (j = 0; j < nm; j++)
		md[j] = CStringGetTextDatum(names[j]);
	v[1] = PointerGetDatum(construct_array(md, nm, TEXTOID, -1, false, TYPALIGN_INT));
	MemoryContextSwitchTo(old);
	v[2] = Int64GetDatum(nper);
	v[3] = Int64GetDatum(nsub > 0 ? (int64) nsub : 1);
	run(Q_SUBJECT_SUMS, v, NULL, true);
	for (r = 0; r < SPI_processed; r++)
	{
		bool		mnull;
		Datum		name = col(r, 1, &mnull);
		int			m = 0,
					k = arm_index(set, DatumGetInt32(col(r, 2, &isnull))),
					p = DatumGetInt32(col(r, 3, &isnull));
		BanditArm  *a;

		if (!mnull)
		{
			m = 1 + metric_index(names, nm, TextDatumGetCString(name));
			if (m == 0)
				continue;
		}
		if (k < 0)
			continue;			/* an assignment of an unknown arm: not counted */
		p = p < 0 ? 0 : (p >= nper ? nper - 1 : p);
		a = &out[m].per[k * nper + p];
		if (m == 0)
		{
			a->trials += DatumGetFloat8(col(r, 4, &isnull));
			out[0].ptotal[p] += DatumGetFloat8(col(r, 4, &isnull));
		}
		a->reward_sum += DatumGetFloat8(col(r, 5, &isnull));
		a->reward_sq += DatumGetFloat8(col(r, 6, &isnull));
	}
	/* the subject counts of every metric are those of the reward */
	for (j = 0; j <= nm; j++)
	{
		for (i = 0; i < set->n * nper; i++)
		{
			if (j > 0)
				out[j].per[i].trials = out[0].per[i].trials;
			out[j].per[i].has_sq = true;
			out[j].tot[i / nper].trials += out[j].per[i].trials;
			out[j].tot[i / nper].reward_sum += out[j].per[i].reward_sum;
			out[j].tot[i / nper].reward_sq += out[j].per[i].reward_sq;
		}
		if (j > 0)
			memcpy(out[j].ptotal, out[0].ptotal, sizeof(double) * nper);
	}
}

/*
 * Arm k against control c.  Uniform allocation: the textbook comparison
 * (two proportions of the counters for the reward, Welch for a metric);
 * adaptive policies: within allocation periods of the subjects.
 */
static void
compare_freq(bool adaptive, const BanditArm *counters, const SubjectSums *ss,
			 int k, int c, BanditDiff *d)
{
	if (!adaptive && ss == NULL)
		bandit_two_prop(counters[k].reward_sum, counters[k].trials,
						counters[c].reward_sum, counters[c].trials, LEVEL95, d);
	else if (!adaptive)
		bandit_welch(&ss->tot[k], &ss->tot[c], LEVEL95, d);
	else
	{
		BanditEstimate et,
					ec;

		bandit_period_estimates(&ss->per[k * ss->nper], &ss->per[c * ss->nper],
								ss->ptotal, ss->nper, &et, &ec);
		bandit_diff_normal(&et, &ec, LEVEL95, d);
	}
}

/* the experiment's declared metrics */
typedef struct MetricList
{
	int			n;
	char	  **name;
	bool	   *guardrail;
	bool	   *higher;
} MetricList;

static void
load_metrics(text *experiment, MetricList *ml, MemoryContext cxt)
{
	Datum		v[1];
	uint64		r;
	bool		isnull;
	MemoryContext old;

	v[0] = PointerGetDatum(experiment);
	run(Q_METRICS, v, NULL, true);
	old = MemoryContextSwitchTo(cxt);
	ml->n = (int) SPI_processed;
	ml->name = palloc0(sizeof(char *) * (ml->n + 1));
	ml->guardrail = palloc0(sizeof(bool) * (ml->n + 1));
	ml->higher = palloc0(sizeof(bool) * (ml->n + 1));
	for (r = 0; r < SPI_processed; r++)
	{
		ml->name[r] = TextDatumGetCString(col(r, 1, &isnull));
		ml->guardrail[r] = DatumGetBool(col(r, 2, &isnull));
		ml->higher[r] = DatumGetBool(col(r, 3, &isnull));
	}
	MemoryContextSwitchTo(old);
}

/* guardrail flags: an arm worse than the control with 95 % confidence */
static void
guardrail_flags(const MetricList *ml, const SubjectSums *sums, int narms,
				bool adaptive, int control, bool *failed)
{
	int			j,
				k;

	for (j = 0; j < ml->n; j++)
	{
		if (!ml->guardrail[j])
			continue;
		for (k = 0; k < narms; k++)
		{
			BanditDiff	d;

			if (k == control)
				continue;
			compare_freq(adaptive, NULL, &sums[1 + j], k, control, &d);
			if (ml->higher[j] ? d.abs_hi < 0 : d.abs_lo > 0)
				failed[k] = true;
		}
	}
}

static void
put_float(Datum *values, bool *nulls, int i, double x)
{
	values[i] = Float8GetDatum(x);
	nulls[i] = isnan(x);
}

Datum
bandit_report(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *experiment = arg_text(fcinfo, 0, "experiment");
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext old;
	TupleDesc	tupdesc;
	Tuplestorestate *ts;
	Lookup		l;
	ArmSet		set;
	MetricList	ml;
	SubjectSums *sums = NULL;	/* [0] reward, [1 + i] metric i */
	int			mi = -1;		/* the reported metric, -1: the reward */
	bool		higher = true,
				need_subjects = false;
	CxmAlloc	alloc = cxm_allocator(cxt);
	double	   *p_best,
			   *loss_best,
			   *m_pbest,
			   *m_loss;
	bool	   *failed;
	BanditArm  *rows;			/* what the rows show: counters or metric sums */
	BanditArm  *bayes;			/* the same, sign-flipped when lower is better */
	BanditPolicy bpolicy;
	bool		adaptive,
				isnull;
	int			control,
				ship = -1,
				i;
	double		threshold,
				min_sample,
				srm = NAN;
	BanditDecision dec;
	char	   *decision;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("bandit_report must be called in a context that accepts a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "bandit_report must return a composite type");
	if (tupdesc->natts != REPORT_COLS)
		elog(ERROR, "bandit_report: %d result columns declared, %d expected",
			 tupdesc->natts, REPORT_COLS);

	set_schema(fcinfo);
	SPI_connect();
	lookup(experiment, NULL, &l, cxt, true);
	{
		Datum		v[1] = {PointerGetDatum(experiment)};

		run(Q_EXPERIMENT, v, NULL, true);
		control = DatumGetInt32(col(0, 1, &isnull));
		threshold = DatumGetFloat8(col(0, 2, &isnull));
		min_sample = DatumGetFloat8(col(0, 3, &isnull));
	}
	load_metrics(experiment, &ml, cxt);
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));

		mi = metric_index(ml.name, ml.n, name);
		if (mi < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("experiment \"%s\" has no metric \"%s\"",
							text_to_cstring(experiment), name),
					 errhint("Metrics are declared by bandit_metric or the first bandit_record.")));
		higher = ml.higher[mi];
	}
	load_arms(experiment, &set, cxt, true);
	control = arm_index(&set, control);
	if (control < 0)
		control = 0;
	adaptive = l.policy != BANDIT_UNIFORM;
	failed = palloc0(sizeof(bool) * (set.n + 1));
	for (i = 0; i < ml.n; i++)
		need_subjects = need_subjects || ml.guardrail[i];
	/* one read of the subjects gives the reward and every metric */
	if (adaptive || need_subjects || mi >= 0)
	{
		sums = palloc0(sizeof(SubjectSums) * (ml.n + 1));
		load_subject_sums(experiment, ml.name, ml.n, &set, sums, cxt);
		guardrail_flags(&ml, sums, set.n, adaptive, control, failed);
	}
	SPI_finish();

	/* the stopping rule always judges the policy's reward */
	p_best = palloc0(sizeof(double) * (set.n + 1));
	loss_best = palloc0(sizeof(double) * (set.n + 1));
	bandit_prob_best_loss(l.policy, set.arms, set.n, &alloc, 0, p_best, loss_best);
	if (set.arms[control].trials > 0)
		threshold *= fabs(set.arms[control].reward_sum / set.arms[control].trials);
	else
		threshold = 0.0;
	dec = bandit_decide(set.arms, set.n, control, loss_best, failed, threshold,
						min_sample, &ship);
	if (dec == BANDIT_SHIP)
		decision = psprintf("ship %s", set.name[ship]);
	else if (dec == BANDIT_NO_DIFFERENCE)
		decision = "no difference";
	else
		decision = "keep running";

	/* sample-ratio mismatch: fixed equal split of the active arms */
	if (!adaptive)
	{
		double	   *obs = palloc0(sizeof(double) * (set.n + 1));
		double	   *w = palloc0(sizeof(double) * (set.n + 1));
		int			k = 0;

		for (i = 0; i < set.n; i++)
			if (set.arms[i].active)
			{
				obs[k] = set.arms[i].trials;
				w[k++] = 1.0;
			}
		srm = bandit_srm_p(obs, w, k);
	}

	/* the figures shown: the reward's (policy posteriors) or the metric's */
	if (mi < 0)
	{
		rows = set.arms;
		bayes = set.arms;
		bpolicy = l.policy;
		m_pbest = p_best;
		m_loss = loss_best;
	}
	else
	{
		rows = sums[1 + mi].tot;
		bayes = palloc0(sizeof(BanditArm) * (set.n + 1));
		for (i = 0; i < set.n; i++)
		{
			bayes[i] = rows[i];
			if (!higher)
				bayes[i].reward_sum = -bayes[i].reward_sum;
		}
		bpolicy = BANDIT_GAUSSIAN_THOMPSON;
		m_pbest = palloc0(sizeof(double) * (set.n + 1));
		m_loss = palloc0(sizeof(double) * (set.n + 1));
		bandit_prob_best_loss(bpolicy, bayes, set.n, &alloc, 0, m_pbest, m_loss);
	}

	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	ts = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(old);

	for (i = 0; i < set.n; i++)
	{
		BanditArm  *a = &rows[i];
		Datum		values[REPORT_COLS];
		bool		nulls[REPORT_COLS];
		double		lo,
					hi;
		BanditDiff	d;
		double		chance = NAN,
					loss = NAN,
					closs = NAN,
					naive = NAN;

		memset(nulls, 0, sizeof(nulls));
		if (mi < 0 && bandit_policy_bernoulli(l.policy))
			bandit_wilson(a->reward_sum, a->trials, BANDIT_Z95, &lo, &hi);
		else
			bandit_normal_interval(a, BANDIT_Z95, &lo, &hi);
		if (i == control)
		{
			BanditDiff	none = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};

			d = none;
		}
		else
		{
			compare_freq(adaptive, set.arms,
						 mi >= 0 ? &sums[1 + mi] : (adaptive ? &sums[0] : NULL),
						 i, control, &d);
			bandit_compare_bayes(bpolicy, bayes, set.n, i, control, 0,
								 &chance, &loss, &closs);
			if (a->trials > 0 && rows[control].trials > 0 && rows[control].reward_sum != 0)
				naive = (a->reward_sum / a->trials) /
					(rows[control].reward_sum / rows[control].trials) - 1.0;
		}
		values[0] = CStringGetTextDatum(set.name[i]);
		values[1] = Float8GetDatum(a->trials);
		values[2] = Float8GetDatum(a->reward_sum);
		put_float(values, nulls, 3, a->trials > 0 ? a->reward_sum / a->trials : NAN);
		put_float(values, nulls, 4, lo);
		put_float(values, nulls, 5, hi);
		put_float(values, nulls, 6, m_pbest[i]);
		values[7] = BoolGetDatum(set.arms[i].active);
		values[8] = BoolGetDatum(i == control);
		put_float(values, nulls, 9, d.abs_uplift);
		put_float(values, nulls, 10, d.abs_lo);
		put_float(values, nulls, 11, d.abs_hi);
		put_float(values, nulls, 12, d.rel_uplift);
		put_float(values, nulls, 13, d.rel_lo);
		put_float(values, nulls, 14, d.rel_hi);
		put_float(values, nulls, 15, d.p_value);
		put_float(values, nulls, 16, chance);
		put_float(values, nulls, 17, loss);
		put_float(values, nulls, 18, closs);
		put_float(values, nulls, 19, m_loss[i]);
		put_float(values, nulls, 20, naive);
		put_float(values, nulls, 21, srm);
		values[22] = BoolGetDatum(srm < 0.001);
		nulls[22] = isnan(srm);
		values[23] = BoolGetDatum(failed[i]);
		values[24] = CStringGetTextDatum(decision);
		tuplestore_putvalues(ts, tupdesc, values, nulls);
	}
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = ts;
	rsinfo->setDesc = tupdesc;
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * bandit_choose(arms text[], successes float8[], trials float8[],
 *				 policy text DEFAULT 'thompson') -> text   (stateless)
 * ------------------------------------------------------------------------ */

static void
array_len_check(ArrayType *a, const char *what, int *n)
{
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", what)));
	*n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
}

static double *
float_array(ArrayType *a, const char *what, int n)
{
	Datum	   *d;
	bool	   *nulls;
	int			k,
				i;
	double	   *out = palloc(sizeof(double) * (n + 1));

	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &d, &nulls, &k);
	for (i = 0; i < k; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s[%d] is NULL", what, i + 1)));
		out[i] = DatumGetFloat8(d[i]);
		if (isnan(out[i]) || isinf(out[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s[%d] = %g is not a finite number", what, i + 1, out[i])));
	}
	return out;
}

Datum
bandit_choose_stateless(PG_FUNCTION_ARGS)
{
	ArrayType  *arms_a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *succ_a = PG_GETARG_ARRAYTYPE_P(1);
	ArrayType  *tri_a = PG_GETARG_ARRAYTYPE_P(2);
	BanditPolicy policy = policy_from_text(text_to_cstring(PG_GETARG_TEXT_PP(3)));
	CxmAlloc	alloc = cxm_allocator(CurrentMemoryContext);
	int			n,
				ns,
				nt,
				i,
				j,
				chosen;
	Datum	   *names;
	bool	   *nulls;
	double	   *succ,
			   *tri;
	BanditArm  *arms;
	BanditRng	rng;

	array_len_check(arms_a, "arms", &n);
	array_len_check(succ_a, "successes", &ns);
	array_len_check(tri_a, "trials", &nt);
	if (n != ns || n != nt)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("arrays of different lengths: %d arms, %d successes, %d trials", n, ns, nt)));
	if (n < BANDIT_MIN_ARMS || n > BANDIT_MAX_ARMS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d arms given; an experiment needs %d to %d arms",
						n, BANDIT_MIN_ARMS, BANDIT_MAX_ARMS)));
	deconstruct_array(arms_a, TEXTOID, -1, false, TYPALIGN_INT, &names, &nulls, &n);
	for (i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("arms[%d] is NULL", i + 1)));
	/* duplicate names: sort-free check is quadratic; fine up to 1000 arms */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (VARSIZE_ANY_EXHDR(DatumGetPointer(names[i])) == VARSIZE_ANY_EXHDR(DatumGetPointer(names[j])) &&
				memcmp(VARDATA_ANY(DatumGetPointer(names[i])), VARDATA_ANY(DatumGetPointer(names[j])),
					   VARSIZE_ANY_EXHDR(DatumGetPointer(names[i]))) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("duplicate arm name \"%s\"", TextDatumGetCString(names[i]))));
	succ = float_array(succ_a, "successes", n);
	tri = float_array(tri_a, "trials", n);
	arms = palloc0(sizeof(BanditArm) * n);
	for (i = 0; i < n; i++)
	{
		if (tri[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("trials[%d] = %g is negative", i + 1, tri[i])));
		if (bandit_policy_bernoulli(policy) && (succ[i] < 0 || succ[i] > tri[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("successes[%d] = %g is outside [0, trials[%d] = %g]",
							i + 1, succ[i], i + 1, tri[i])));
		arms[i].trials = tri[i];
		arms[i].reward_sum = succ[i];
		arms[i].has_sq = false;
		arms[i].active = true;
	}
	rng = bandit_rng();
	bandit_select(policy, BANDIT_DEFAULT_EPSILON, arms, n, &rng, &alloc, &chosen, NULL);
	PG_RETURN_TEXT_P(DatumGetTextPCopy(names[chosen]));
}
