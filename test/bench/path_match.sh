# Path pattern bench: path_match / path_match_count over generated journeys
# (serial plans, jit off), reported as path elements ("events") per second,
# against PostgreSQL's regex engine on the joined path, and the cost of
# scanning the column.  The regexes match whole touchpoints of the joined
# path; the counting one uses lookarounds, so that neighbouring occurrences
# do not share their separating space.  Also the pathological (a|a a)* b over 200,000 a's.
N=${PATHMATCH_ROWS:-200000}
sql "CREATE TABLE pm_bench AS
     SELECT i, ARRAY(SELECT (ARRAY['ad_click','email','search','home','product','cart',
                                   'checkout','thanks','support','blog','social','home'])
                            [1 + abs(hashint8(i::int8 * 64 + k)) % 12]
                     FROM generate_series(1, 5 + i % 26) k) AS path
     FROM generate_series(1, $N) i;
     VACUUM ANALYZE pm_bench;"
events=$(sql "SELECT sum(cardinality(path)) FROM pm_bench")
serial="SET max_parallel_workers_per_gather = 0;"
eps() {	# eps MS: events per second
	awk -v e="$events" -v ms="$1" 'BEGIN { if (ms > 0) printf "%.0f", e / (ms / 1000); else print "n/a" }'
}
t_anch=$(bench_ms "$serial" "SELECT count(*) FILTER (WHERE cxm.path_match(path, '^ad_click _{0,3} cart checkout')) FROM pm_bench")
t_gap=$(bench_ms "$serial" "SELECT count(*) FILTER (WHERE cxm.path_match(path, 'cart _* checkout')) FROM pm_bench")
t_re=$(bench_ms "$serial" "SELECT count(*) FILTER (WHERE pg_catalog.array_to_string(path, ' ') ~ '(^| )cart( [^ ]+)* checkout( |\$)') FROM pm_bench")
t_cnt=$(bench_ms "$serial" "SELECT sum(cxm.path_match_count(path, 'product+ cart')) FROM pm_bench")
t_recnt=$(bench_ms "$serial" "SELECT sum(regexp_count(pg_catalog.array_to_string(path, ' '), '(?<![^ ])product( product)* cart(?![^ ])')) FROM pm_bench")
t_big=$(bench_ms "$serial" "SELECT count(*) FILTER (WHERE cxm.path_match(path, '_{0,50} checkout _{0,50} thanks')) FROM pm_bench")
t_alt=$(bench_ms "$serial" "SELECT count(*) FILTER (WHERE cxm.path_match(path, CASE WHEN i % 2 = 0 THEN 'cart checkout' ELSE 'checkout cart' END)) FROM pm_bench")
t_floor=$(bench_ms "$serial" "SELECT sum(cardinality(path)) FROM pm_bench")
same=$(sql "SELECT count(*) FILTER (WHERE cxm.path_match(path, 'cart _* checkout')
                     IS DISTINCT FROM (pg_catalog.array_to_string(path, ' ') ~ '(^| )cart( [^ ]+)* checkout( |\$)'))
              + count(*) FILTER (WHERE cxm.path_match_count(path, 'product+ cart')
                     IS DISTINCT FROM regexp_count(pg_catalog.array_to_string(path, ' '), '(?<![^ ])product( product)* cart(?![^ ])'))
            FROM pm_bench")
t_patho=$(bench_ms "" "SELECT cxm.path_match(array_fill('a'::text, ARRAY[200000]), '(a|a a)* b')")
t_patho_n=$(bench_ms "" "SELECT cxm.path_match_count(array_fill('a'::text, ARRAY[200000]) || '{b}'::text[], '(a|a a)* b')")
t_patho_fill=$(bench_ms "" "SELECT cardinality(array_fill('a'::text, ARRAY[200000]) || '{b}'::text[])")
bench_row path_match "$N journeys, $events events" ""
bench_row path_match "path_match '^ad_click _{0,3} cart checkout' (events/s)" "$(eps "$t_anch")"
bench_row path_match "path_match 'cart _* checkout' (events/s)" "$(eps "$t_gap")"
bench_row path_match "regex ~ on array_to_string, same question (events/s)" "$(eps "$t_re")"
bench_row path_match "path_match_count 'product+ cart' (events/s)" "$(eps "$t_cnt")"
bench_row path_match "regexp_count on array_to_string, same (events/s)" "$(eps "$t_recnt")"
bench_row path_match "path_match '_{0,50} checkout _{0,50} thanks' (events/s)" "$(eps "$t_big")"
bench_row path_match "path_match, pattern alternating per row (events/s)" "$(eps "$t_alt")"
bench_row path_match "sum(cardinality(path)) scan floor (events/s)" "$(eps "$t_floor")"
r1=$(ratio "$t_gap" "$t_re")
r2=$(ratio "$t_cnt" "$t_recnt")
r3=$(ratio "$t_gap" "$t_floor")
bench_row path_match "path_match / regex ~" "$r1" "$(check_goal "$r1" "<=" 1.0)"
bench_row path_match "path_match_count / regexp_count" "$r2" "$(check_goal "$r2" "<=" 1.0)"
bench_row path_match "path_match / scan floor" "$r3"
bench_row path_match "answers differing from the regex engine" "$same" "$(check_goal "$same" "<=" 0)"
bench_row path_match "(a|a a)* b, 200000 a's, path_match (ms)" "$t_patho" "$(check_goal "$t_patho" "<=" 1000)"
bench_row path_match "(a|a a)* b, 200000 a's + b, path_match_count (ms)" "$t_patho_n" "$(check_goal "$t_patho_n" "<=" 1000)"
bench_row path_match "building that 200001-element array alone (ms)" "$t_patho_fill"
sql "DROP TABLE pm_bench"
