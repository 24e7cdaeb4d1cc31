# Experiment analysis bench (doc/experiments.md, "How to read and decide").
# 1. bandit_report on a Thompson experiment with 1,000 arms, 100 subjects each
#    (100,000 assignments with rewards, written straight into the storage) and
#    a guardrail metric recorded for every subject: goal <= 1 s.
# 2. The starved-control simulation (test/unit/bandit_sim.h), heavy version:
#    400 seeded runs of 5,000 visitors, coverage of the 95 % intervals of the
#    relative uplift: naive, inverse propensity weights, within periods
#    (what bandit_report shows); goal for the corrected one >= 85 %.
pass_miss() {	# pass_miss VALUE OP LIMIT
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = (op == "<=") ? (v <= l) : (v >= l);
		print (ok ? "PASS" : "MISS") " (goal " op " " l ")" }'
}

sql "SELECT cxm.bandit_create('k1000', (SELECT array_agg('v' || i ORDER BY i) FROM generate_series(1, 1000) i))" >/dev/null
sql "SELECT cxm.bandit_metric('k1000', 'latency_ms', guardrail => true, higher_is_better => false)" >/dev/null
sql "INSERT INTO cxm.bandit_assignment (experiment, subject, arm_no, propensity, assigned_at, reward)
     SELECT 'k1000', 's' || i, 1 + i % 1000, 0.0005 + (i % 7) * 0.001,
            '2026-01-01'::timestamptz + i * interval '1 second',
            CASE WHEN (i * 7919) % 1000 < 20 + (i % 1000) / 50 THEN 1 ELSE 0 END
     FROM generate_series(0, 99999) i;
     UPDATE cxm.bandit_counter c SET trials = t.n, reward_sum = t.r, reward_sq = t.r
     FROM (SELECT arm_no, count(*) AS n, sum(reward) AS r FROM cxm.bandit_assignment
           WHERE experiment = 'k1000' GROUP BY arm_no) t
     WHERE c.experiment = 'k1000' AND c.arm_no = t.arm_no;
     INSERT INTO cxm.bandit_metric_value (experiment, metric, subject, value)
     SELECT 'k1000', 'latency_ms', 's' || i, 200 + (i * 31) % 97 FROM generate_series(0, 99999) i;
     VACUUM ANALYZE cxm.bandit_assignment, cxm.bandit_counter, cxm.bandit_metric_value" >/dev/null
ms=$(bench_ms "" "SELECT * FROM cxm.bandit_report('k1000')")
bench_row bandit "report, 1,000 arms, 100k subjects, 1 guardrail (ms)" "$ms" "$(pass_miss "$ms" "<=" 1000)"
ms=$(bench_ms "" "SELECT * FROM cxm.bandit_report('k1000', 'latency_ms')")
bench_row bandit "report of a metric, same experiment (ms)" "$ms" "$(pass_miss "$ms" "<=" 1000)"
ms=$(bench_ms "" "SELECT * FROM cxm.experiment_timeline('k1000', '1 hour')")
bench_row bandit "experiment_timeline, 1,000 arms, hourly (ms)" "$ms"
sql "SELECT cxm.bandit_drop('k1000')" >/dev/null

simbin=$(mktemp /tmp/cxm-bandit-sim.XXXXXX)
cc -std=c99 -O2 -D_GNU_SOURCE -Isrc -Itest/unit -o "$simbin" test/bench/bandit_sim.c \
	$(ls src/*_core.c) -lm
read -r runs intervals naive ipw corr defined share minshare < <("$simbin" "${BANDIT_SIM_RUNS:-400}" 5000)
rm -f "$simbin"
bench_row bandit "starved control: $runs runs, $intervals intervals; control share" "$share (min $minshare)"
bench_row bandit "coverage of the 95 % rel. uplift interval, naive" "$naive"
bench_row bandit "coverage, inverse propensity weights (Hajek)" "$ipw"
bench_row bandit "coverage, corrected (within periods; report)" "$corr" "$(pass_miss "$corr" ">=" 0.85)"
