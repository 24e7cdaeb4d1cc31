# Funnel bench: a 4-step funnel (view -> cart -> checkout -> purchase within
# one day) per customer over generated events, serial plans, jit off.
# journey_funnel against the fastest plain-SQL equivalent found: one sort by
# (customer, ts) and three stacked window passes carrying, per row, the
# latest chain start that reached each level (ClickHouse's windowFunnel
# algorithm written in SQL), then one GROUP BY.
#
# Size: FUNNEL_EVENTS (default 5,000,000) events over FUNNEL_CUSTOMERS
# (default 100,000) customers in 30 days; FUNNEL_RUNS timed runs (default 3,
# best kept).  The goal is journey_funnel >= 10x faster than the plain SQL.
N=${FUNNEL_EVENTS:-5000000}
C=${FUNNEL_CUSTOMERS:-100000}
R=${FUNNEL_RUNS:-3}
sql "SELECT setseed(0.42);
     CREATE TABLE funnel_bench AS
     SELECT (random() * ($C - 1))::int AS customer_id,
            timestamptz '2026-01-01' + random() * interval '30 days' AS ts,
            (ARRAY['view','view','view','view','cart','cart','checkout','purchase','search','support'])
              [1 + floor(random() * 10)::int] AS event
     FROM generate_series(1, $N);
     VACUUM ANALYZE funnel_bench;"
serial="SET max_parallel_workers_per_gather = 0;"

q_ours="SELECT customer_id,
  cxm.journey_funnel(ts, '1 day', ARRAY[event = 'view', event = 'cart', event = 'checkout', event = 'purchase']) AS lvl
FROM funnel_bench GROUP BY customer_id"

q_plain="WITH l1 AS (
  SELECT customer_id, ts, event,
         max(ts) FILTER (WHERE event = 'view') OVER w AS s1
  FROM funnel_bench WINDOW w AS (PARTITION BY customer_id ORDER BY ts)
), l2 AS (
  SELECT *, max(s1) FILTER (WHERE event = 'cart' AND ts - s1 <= interval '1 day') OVER w AS s2
  FROM l1 WINDOW w AS (PARTITION BY customer_id ORDER BY ts)
), l3 AS (
  SELECT *, max(s2) FILTER (WHERE event = 'checkout' AND ts - s2 <= interval '1 day') OVER w AS s3
  FROM l2 WINDOW w AS (PARTITION BY customer_id ORDER BY ts)
)
SELECT customer_id,
       CASE WHEN bool_or(event = 'purchase' AND ts - s3 <= interval '1 day') THEN 4
            WHEN bool_or(s3 IS NOT NULL) THEN 3
            WHEN bool_or(s2 IS NOT NULL) THEN 2
            WHEN bool_or(s1 IS NOT NULL) THEN 1 ELSE 0 END AS lvl
FROM l3 GROUP BY customer_id"

t_ours=$(bench_ms "$serial" "$q_ours" "$R")
t_plain=$(bench_ms "$serial" "$q_plain" "$R")
t_floor=$(bench_ms "$serial" "SELECT customer_id, count(*) FROM funnel_bench GROUP BY customer_id" "$R")
# the same levels for every customer (compared in full)
same=$(sql "$serial SELECT count(*) = $C AND bool_and(o.lvl = p.lvl)
            FROM ($q_ours) o FULL JOIN ($q_plain) p USING (customer_id)")
levels=$(sql "$serial SELECT string_agg(lvl || ':' || n, ' ' ORDER BY lvl)
              FROM (SELECT lvl, count(*) AS n FROM ($q_ours) o GROUP BY lvl) x")
bench_row funnel "journey_funnel, $N events, $C customers (ms)" "$t_ours"
bench_row funnel "plain SQL, sort + 3 window passes (ms)" "$t_plain"
bench_row funnel "count(*) GROUP BY customer floor (ms)" "$t_floor"
r1=$(ratio "$t_plain" "$t_ours")
r2=$(ratio "$t_ours" "$t_floor")
bench_row funnel "plain SQL / journey_funnel (speed-up)" "$r1" "$(check_goal "$r1" ">=" 10)"
bench_row funnel "journey_funnel / count(*) floor" "$r2"
bench_row funnel "customers per level (level:count)" "$levels"
bench_row funnel "same levels as plain SQL" "$same"
sql "DROP TABLE funnel_bench"
