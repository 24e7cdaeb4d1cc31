# Bandit bench: pgbench, 8 clients, each transaction one bandit_choose with a new
# subject and one bandit_reward for the arm it returned (Thompson sampling, 5 arms
# with conversion rates 2..6 %).  Afterwards the counts are checked against the
# stored assignments: trials = transactions = assignments, and the reward sum
# equals the conversions recomputed from the stored (subject, arm) pairs.
# Also: the same with one counter row per arm (the design the sharded counters
# replaced), 11 arms, and the stateless bandit_choose.
PGBENCH=${PGBIN:-/usr/lib/postgresql/15/bin}/pgbench
SECS=${BANDIT_BENCH_SECS:-15}
tmp=$(mktemp -d /tmp/cxm-bandit-bench.XXXXXX)
chmod 755 "$tmp"

cat >"$tmp/tx.sql" <<'EOF'
\set s random(1, 1000000000000)
SELECT cxm.bandit_choose(:exp, 'u' || :s) AS arm \gset
SELECT cxm.bandit_reward(:exp, :arm, CASE WHEN :s::int8 % 100 < ascii(:arm) - 95 THEN 1 ELSE 0 END);
EOF
cat >"$tmp/stateless.sql" <<'EOF'
SELECT cxm.bandit_choose(ARRAY['a','b','c','d','e'], ARRAY[10,12,9,15,11]::float8[],
                         ARRAY[200,210,190,220,205]::float8[]);
EOF

# run_tx EXPERIMENT ARMS LABEL GOAL [PGOPTIONS]: one pgbench run, then the count check
run_tx() {
	local exp=$1 arms=$2 label=$3 goal=$4 opts=${5:-} out tps n failed check
	sql "SELECT cxm.bandit_create('$exp', $arms)" >/dev/null
	out=$(PGOPTIONS="$opts" "$PGBENCH" -n -M prepared -c 8 -j 2 -T "$SECS" -D exp="$exp" -f "$tmp/tx.sql" 2>&1)
	tps=$(echo "$out" | sed -nE 's/^tps = ([0-9.]+) .*/\1/p' | head -1)
	n=$(echo "$out" | sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p')
	failed=$(echo "$out" | sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p')
	[ -n "$failed" ] || failed=$(echo "$out" | grep -c -i error)
	check=$(sql "WITH r AS (SELECT sum(trials) AS t, sum(reward_sum) AS s FROM cxm.bandit_report('$exp')),
	                  a AS (SELECT count(*) AS n,
	                               count(*) FILTER (WHERE substr(s.subject, 2)::int8 % 100 < ascii(m.arm) - 95) AS conv
	                        FROM cxm.bandit_assignment s JOIN cxm.bandit_arm m USING (experiment, arm_no)
	                        WHERE s.experiment = '$exp')
	             SELECT (r.t = $n AND a.n = $n AND r.s = a.conv)::text || ' (' || r.t || ' trials, ' || r.s || ' rewards'
	                    || CASE WHEN r.t = $n AND a.n = $n AND r.s = a.conv THEN ''
	                            ELSE '; $n transactions, ' || a.n || ' assignments, ' || a.conv || ' conversions' END || ')'
	             FROM r, a")
	bench_row bandit "$label: tx/s" "${tps%.*}" "$([ "$goal" = yes ] && check_goal "${tps:-0}" ">=" 4000)"
	bench_row bandit "$label: errors" "$failed" "$(check_goal "${failed:-1}" "<=" 0)"
	bench_row bandit "$label: counts = calls" "$check"
	sql "SELECT cxm.bandit_drop('$exp')" >/dev/null
}

# the machine is shared: the two counter designs run alternately, twice each
run_tx bench5 "ARRAY['a','b','c','d','e']" "choose+reward, 5 arms, sharded (run 1)" yes
run_tx bench5one "ARRAY['a','b','c','d','e']" "same, one counter row per arm (run 1)" no "-c cxm.bandit_counter_shards=1"
run_tx bench5b "ARRAY['a','b','c','d','e']" "choose+reward, 5 arms, sharded (run 2)" yes
run_tx bench5oneb "ARRAY['a','b','c','d','e']" "same, one counter row per arm (run 2)" no "-c cxm.bandit_counter_shards=1"
run_tx bench11 "ARRAY['a','b','c','d','e','f','g','h','i','j','k']" "choose+reward, 11 arms, sharded" yes

# stateless form: through pgbench (one call per round trip) and inside one query
out=$("$PGBENCH" -n -M prepared -c 8 -j 2 -T 10 -f "$tmp/stateless.sql" 2>&1)
bench_row bandit "stateless choose via pgbench, 8 clients (calls/s)" "$(echo "$out" | sed -nE 's/^tps = ([0-9.]+) .*/\1/p' | cut -d. -f1)"
ms=$(bench_ms "" "SELECT count(cxm.bandit_choose(ARRAY['a','b','c','d','e'], ARRAY[10,12,9,15,11]::float8[], ARRAY[200,210,190,220,205]::float8[])) FROM generate_series(1, 200000)")
bench_row bandit "stateless thompson in one query, 1 core (calls/s)" "$(awk -v m="$ms" 'BEGIN { printf "%d", 200000 / (m / 1000) }')"
ms=$(bench_ms "" "SELECT count(cxm.bandit_choose(ARRAY['a','b','c','d','e'], ARRAY[10,12,9,15,11]::float8[], ARRAY[200,210,190,220,205]::float8[], 'uniform')) FROM generate_series(1, 200000)")
bench_row bandit "stateless uniform in one query, 1 core (calls/s)" "$(awk -v m="$ms" 'BEGIN { printf "%d", 200000 / (m / 1000) }')"
rm -rf "$tmp"
