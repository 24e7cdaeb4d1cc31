# Memory bounds (sourced by test/bench.sh; BENCH=memory make bench runs it alone).
#
# 1. Aggregates over one large group: the backend's peak resident memory
#    (VmHWM from /proc/self/status, read with pg_read_file) in a fresh session
#    that aggregates N rows, for a small and a 50x larger N.  Rows come from
#    generate_series in the target list (ProjectSet: nothing is materialized
#    and no shared buffer is touched), so the growth over a bare session is the
#    aggregate's state plus per-row garbage that is not freed.  A bounded
#    aggregate shows the same figure for both N.
# 2. Long sessions: one backend calls a scalar function in batches of
#    1,000,000 calls; after each batch, the sum of pg_backend_memory_contexts
#    and RssAnon.  They must not grow from batch to batch.

hwm_of() {	# hwm_of SQL: peak RSS (kB) of a fresh backend after running SQL
	printf '%s\n' "SET max_parallel_workers_per_gather = 0; SET work_mem = '4MB'; SET client_min_messages = error;" \
		"$1 \\g /dev/null" "SELECT pg_catalog.pg_read_file('/proc/self/status');" |
		psql -X -q -At | sed -nE 's/^VmHWM:[[:space:]]+([0-9]+) kB/\1/p'
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

base=$(hwm_of "SELECT 1")
bench_row memory "bare session, peak RSS (MB)" "$(mb "$base")"

agg_pair() {	# agg_pair LABEL SMALL LARGE SQL-with-N
	local label=$1 n1=$2 n2=$3 q=$4 k1 k2 growth
	k1=$(hwm_of "${q//@N@/$n1}")
	k2=$(hwm_of "${q//@N@/$n2}")
	growth=$(awk -v a="$k1" -v b="$k2" -v z="$base" 'BEGIN { printf "%.1f / %.1f", (a - z) / 1024, (b - z) / 1024 }')
	bench_row memory "$label: +MB at $n1 / $n2 rows" "$growth" \
		"$(awk -v a="$k1" -v b="$k2" 'BEGIN { print (b - a <= 2048 ? "bounded (<= 2 MB apart)" : "GROWS") }')"
}

agg_pair "nps_agg, one group" 200000 10000000 \
	"SELECT cxm.nps_agg((i % 11)::int) FROM (SELECT generate_series(1, @N@) AS i) s"
agg_pair "nps_stats(score, 0.9), one group" 200000 10000000 \
	"SELECT cxm.nps_stats((i % 11)::int, 0.9) FROM (SELECT generate_series(1, @N@) AS i) s"
agg_pair "csat_agg, one group" 200000 10000000 \
	"SELECT cxm.csat_agg((1 + i % 5)::int, 5) FROM (SELECT generate_series(1, @N@) AS i) s"
agg_pair "rfm, one customer, 3650 distinct days" 100000 5000000 \
	"SELECT cxm.rfm(timestamptz '2015-01-01' + (i % 3650) * interval '1 day', (i % 97)::numeric, timestamptz '2025-01-01', interval '1 day') FROM (SELECT generate_series(1, @N@) AS i) s"
agg_pair "bgnbd_fit, 10k distinct summaries" 100000 5000000 \
	"SELECT cxm.bgnbd_fit((i % 40)::float8, CASE WHEN i % 40 = 0 THEN 0 ELSE 1 + (i / 40) % 250 END::float8, 300) FROM (SELECT generate_series(1, @N@) AS i) s"
agg_pair "gammagamma_fit, 20k distinct summaries" 100000 5000000 \
	"SELECT cxm.gammagamma_fit((1 + i % 20)::float8, (10 + (i / 20) % 1000)::float8) FROM (SELECT generate_series(1, @N@) AS i) s"
agg_pair "attribution linear, 20 channels" 100000 2000000 \
	"SELECT cxm.attribution(ARRAY['c' || i % 20, 'c' || (i * 7) % 20, 'c' || (i * 13) % 20], (i % 3 = 0)::int::float8, 'linear') FROM (SELECT generate_series(1, @N@) AS i) s"
agg_pair "attribution markov, 20 channels" 100000 2000000 \
	"SELECT cxm.attribution(ARRAY['c' || i % 20, 'c' || (i * 7) % 20, 'c' || (i * 13) % 20], (i % 3 = 0)::int::float8, 'markov') FROM (SELECT generate_series(1, @N@) AS i) s"
if [ "$(sql "SELECT count(*) FROM pg_catalog.pg_proc WHERE proname = 'journey_path' AND pronargs = 3")" != 0 ]; then
	agg_pair "journey_path(..., max_steps 50), one customer" 100000 5000000 \
		"SELECT cardinality(cxm.journey_path('t' || i % 7, timestamptz '2020-01-01' + i * interval '1 second', 50)) FROM (SELECT generate_series(1, @N@) AS i) s"
fi

# long sessions
session_batches() {	# session_batches LABEL SETUP CALL-SQL (one batch = 1e6 calls)
	local label=$1 setup=$2 q=$3 script out i
	script="SET max_parallel_workers_per_gather = 0; $setup"
	for i in 1 2 3 4 5; do
		script="$script
$q \\g /dev/null
SELECT (SELECT sum(total_bytes) FROM pg_catalog.pg_backend_memory_contexts) || ' ' || (SELECT pg_catalog.regexp_replace(l, '[^0-9]', '', 'g') FROM pg_catalog.regexp_split_to_table(pg_catalog.pg_read_file('/proc/self/status'), E'\\n') l WHERE l LIKE 'RssAnon:%');"
	done
	out=$(printf '%s\n' "$script" | psql -X -q -At -v ON_ERROR_STOP=1 | awk 'NF == 2')
	local ctx rss verdict
	ctx=$(echo "$out" | awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 / 1024 }')
	rss=$(echo "$out" | awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $2 / 1024 }')
	verdict=$(echo "$out" | awk 'NR == 2 { c = $1; r = $2 } NR == 5 { print ($1 - c <= 65536 && $2 - r <= 1024) ? "flat" : "GROWS" }')
	bench_row memory "$label: contexts kB after 1..5 M calls" "$ctx" "$verdict"
	bench_row memory "$label: RssAnon MB after 1..5 M calls" "$rss"
}
session_batches "p_alive" "CREATE TEMP TABLE m AS SELECT ROW(0.243, 4.414, 0.793, 2.426, 0, 0)::cxm.bgnbd_model AS bg;" \
	"SELECT sum(cxm.p_alive((SELECT bg FROM m), (i % 20)::float8, CASE WHEN i % 20 = 0 THEN 0 ELSE 1 + i % 30 END::float8, 39)) FROM (SELECT generate_series(1, 1000000) AS i) s"
session_batches "expected_purchases" "CREATE TEMP TABLE m AS SELECT ROW(0.243, 4.414, 0.793, 2.426, 0, 0)::cxm.bgnbd_model AS bg;" \
	"SELECT sum(cxm.expected_purchases((SELECT bg FROM m), 39, (i % 20)::float8, CASE WHEN i % 20 = 0 THEN 0 ELSE 1 + i % 30 END::float8, 39)) FROM (SELECT generate_series(1, 1000000) AS i) s"
session_batches "path_match, 1 pattern" "" \
	"SELECT count(*) FILTER (WHERE cxm.path_match(ARRAY['a', 'b' || i % 5, 'c', 'd' || i % 3], 'a .* c d1')) FROM (SELECT generate_series(1, 1000000) AS i) s"
session_batches "path_match, 1000 patterns" "" \
	"SELECT count(*) FILTER (WHERE cxm.path_match(ARRAY['a', 'b' || i % 5, 'c', 'd' || i % 3], 'a .* d' || i % 1000)) FROM (SELECT generate_series(1, 1000000) AS i) s"
session_batches "bandit_choose (stateless)" "SELECT cxm.bandit_seed(1);" \
	"SELECT count(cxm.bandit_choose(ARRAY['a', 'b', 'c'], ARRAY[3, 5, i % 7]::float8[], ARRAY[100, 100, 100]::float8[])) FROM (SELECT generate_series(1, 1000000) AS i) s"
session_batches "nps_category" "" \
	"SELECT count(cxm.nps_category((i % 11)::int)) FROM (SELECT generate_series(1, 1000000) AS i) s"
