# NPS bench: 10 million scores, serial plans, jit off.
# nps_agg against the plain-SQL NPS (count FILTER) and against count(score),
# the cost of merely scanning the column and calling one transition per row:
# count(score) / plain SQL is the best ratio nps_agg could reach.
N=${NPS_ROWS:-10000000}
sql "CREATE TABLE nps_bench AS
     SELECT ((i::int8 * 7919) % 11)::int AS score FROM generate_series(1, $N) i;
     VACUUM ANALYZE nps_bench;"
prewarm nps_bench
serial="SET max_parallel_workers_per_gather = 0;"
load_before=$(cut -d' ' -f1 /proc/loadavg)
# the three queries take turns, NPS_RUNS rounds (default 9: the machine is
# shared, and the goal's margin over the floor is a few per cent), medians
# of the backend's CPU time (lib.sh: bench_interleaved)
read -r t_ours t_plain t_floor <<<"$(bench_interleaved "$serial SELECT count(*) FROM nps_bench;" "${NPS_RUNS:-9}" \
	"SELECT cxm.nps_agg(score) FROM nps_bench" \
	"SELECT 100.0*(count(*) FILTER (WHERE score>=9) - count(*) FILTER (WHERE score<=6))/count(score) FROM nps_bench" \
	"SELECT count(score) FROM nps_bench")"
load_after=$(cut -d' ' -f1 /proc/loadavg)
same=$(sql "SELECT abs(cxm.nps_agg(score) - (100.0*(count(*) FILTER (WHERE score>=9) - count(*) FILTER (WHERE score<=6))/count(score))) < 1e-9 FROM nps_bench")
bench_row nps "nps_agg, $N rows (ms, serial, jit off)" "$t_ours"
bench_row nps "plain SQL count FILTER (ms)" "$t_plain"
bench_row nps "count(score) scan floor (ms)" "$t_floor"
r1=$(ratio "$t_ours" "$t_plain")
r2=$(ratio "$t_ours" "$t_floor")
bench_row nps "nps_agg / plain SQL" "$r1" "$(check_goal "$r1" "<=" 0.8)"
bench_row nps "best possible: count(score) / plain SQL" "$(ratio "$t_floor" "$t_plain")"
bench_row nps "nps_agg / count(score)" "$r2" "$(check_goal "$r2" "<=" 1.6)"
bench_row nps "same answer as plain SQL" "$same" "$( [ "$same" = t ] && echo PASS || echo MISS)"
bench_row nps "load average (1 min) before / after" "$load_before / $load_after"
sql "DROP TABLE nps_bench"
