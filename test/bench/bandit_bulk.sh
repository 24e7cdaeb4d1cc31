# Bandit bench, many subjects assigned in one statement (one transaction):
# 10,000, 20,000 and 40,000 new subjects, each size on a fresh experiment
# (5 arms, Thompson).  The counts of a transaction wait in backend memory
# until commit (doc/experiments.md, "Concurrency design"), so a call costs the
# same however many calls came before it in the transaction; when every call
# updated the counter row, each walked the row versions left by the earlier
# ones and 10k/20k/40k took 1.5/6.9/27.7 s (18x for 4x the calls).
# Backend CPU time, median of 3 rounds with the sizes taking turns.
bulk_q() {	# bulk_q N: fresh experiment (untimed), then N subjects in one statement
	echo "SELECT cxm.bandit_drop(experiment) FROM cxm.bandit_experiment WHERE experiment = 'bulk$1';
SELECT cxm.bandit_create('bulk$1', ARRAY['a','b','c','d','e']);||SELECT count(cxm.bandit_choose('bulk$1', 's' || g)) FROM generate_series(1, $1) g"
}
read -r t10 t20 t40 <<<"$(bench_interleaved "" 3 "$(bulk_q 10000)" "$(bulk_q 20000)" "$(bulk_q 40000)")"
bench_row bandit "10,000 subjects in one statement (ms CPU)" "$t10"
bench_row bandit "20,000 subjects in one statement (ms CPU)" "$t20"
bench_row bandit "40,000 subjects in one statement (ms CPU)" "$t40"
r=$(ratio "$t40" "$t10")
bench_row bandit "40,000 / 10,000 in one statement (linear: 4)" "$r" "$(check_goal "$r" "<=" 5)"
check=$(sql "SELECT bool_and(r.t = e.n) FROM (VALUES (10000), (20000), (40000)) e(n),
             LATERAL (SELECT sum(trials) AS t FROM cxm.bandit_report('bulk' || e.n)) r")
bench_row bandit "same: counted trials = subjects" "$check"
sql "SELECT cxm.bandit_drop(experiment) FROM cxm.bandit_experiment WHERE experiment IN ('bulk10000', 'bulk20000', 'bulk40000')" >/dev/null
