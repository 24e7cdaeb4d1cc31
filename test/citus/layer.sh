# make check-citus, the CX layer part (doc/scale-out.md, "The CX layer on
# Citus"); sourced by test/citus/check.sh, whose cluster, $coord, ok and
# notok it uses.  CITUS_LAYER=0 skips it.
#
# The demo shop (test/demo/05_layer_data.sql, CITUS_LAYER_CUSTOMERS
# customers, default 300) is loaded twice on the coordinator: into database
# layer_one, plain tables (the one-node answer), and into the cluster's
# database, where test/citus/layer_layout.sql distributes it.  Both are
# mapped and refreshed alike (test/citus/layer_map.sql).  Then:
#   - map_* of a Citus table installs no capture trigger, and the per-profile
#     functions are in the form Citus can plan (src/sql/layer_citus.sql);
#   - every layer view, materialised and _live, answers as on one node
#     (rows as text, sorted);
#   - from EXPLAIN (VERBOSE): each materialised read does no grouping on the
#     coordinator; refresh()'s per-profile pass fills its stage worker to
#     worker and groups the profiles on the workers; refresh()'s dashboard
#     aggregates (the bases over the per-profile snapshots) group on the
#     workers;
#   - after new rows, and after rounds of random inserts, updates and
#     deletes (test/citus/layer_changes.sql), refresh() on the cluster is
#     incremental (the digests of the sources' rows find the changed ids)
#     and every snapshot equals the cluster's refresh(full => true) and the
#     one-node copy's, row for row; from EXPLAIN, the digests are computed,
#     compared and stored on the workers;
#   - what cannot be pushed down is printed as "# exception - ..." with its
#     reason (doc/scale-out.md), and checked to still be as documented: a
#     plan that starts pushing down is a failure until the page is updated.

export PGTZ=UTC
layer_n=${CITUS_LAYER_CUSTOMERS:-300}
exceptions=0
exception() { echo "# exception - $*"; exceptions=$((exceptions + 1)); }
lq() {	# lq DB SQL: one query, unaligned, no headers
	psql -X -q -v ON_ERROR_STOP=1 -At -p "$coord" -d "$1" -c "$2"
}
lanswer() {	# lanswer DB SQL: the rows, or the ERROR line
	local err
	err=$(mktemp)
	lq "$1" "$2" 2>"$err"
	grep -E '^(psql:.*)?ERROR' "$err" | sed -E 's/^psql:[^E]*ERROR/ERROR/'
	rm -f "$err"
}
lplan() {	# lplan SQL: its distributed plan on the cluster
	lq postgres "SET citus.explain_all_tasks = on; EXPLAIN (VERBOSE, COSTS OFF) $1" 2>&1
}
lfile() {	# lfile DB FILE [psql options]
	local db=$1 f=$2
	shift 2
	psql -X -q -v ON_ERROR_STOP=1 -p "$coord" -d "$db" "$@" -f "$f" >/dev/null
}
show_plan() {	# show_plan TITLE PLAN: the first lines, as comments
	echo "# plan of $1:"
	echo "$2" | head -"${CITUS_LAYER_PLAN_LINES:-24}" | cut -c1-220 | sed 's/^/#   /'
}
# every worker query of PLAN groups or aggregates, and no intermediate result
# is pulled to the coordinator first
workers_group() {
	local queries
	grep -q 'Distributed Subplan' <<<"$1" && return 1
	queries=$(grep -E '^ *Query: ' <<<"$1")
	[ -n "$queries" ] && ! grep -vqE ' GROUP BY |count\(|sum\(|worker_partial_agg\(' <<<"$queries"
}

# ---- the shop on one node and on the cluster
if ! { q "$coord" "CREATE DATABASE layer_one" >/dev/null 2>&1 &&
	lq layer_one "CREATE EXTENSION cxm; CREATE SCHEMA demo" &&
	lfile layer_one test/demo/05_layer_data.sql -v layer_customers="$layer_n" &&
	PGOPTIONS="-c client_min_messages=warning" lfile layer_one test/citus/layer_map.sql; }; then
	notok "layer: the one-node copy of the demo shop"
	return 0 2>/dev/null || exit 1
fi
if lq postgres "CREATE SCHEMA demo" && lfile postgres test/demo/05_layer_data.sql -v layer_customers="$layer_n" &&
	lfile postgres test/citus/layer_layout.sql; then
	ok "layer: the demo shop ($layer_n customers) distributed as test/citus/layer_layout.sql lays it out"
else
	notok "layer: distributing the demo shop"
	return 0 2>/dev/null || exit 1
fi
notices=$(psql -X -q -v ON_ERROR_STOP=1 -p "$coord" -d postgres -c "SET client_min_messages = notice" \
	-f test/citus/layer_map.sql 2>&1 >/dev/null)
if [ $? -eq 0 ]; then
	ok "layer: map_* and refresh() on the cluster"
else
	notok "layer: map_* and refresh() on the cluster"
	echo "$notices" | grep -v '^NOTICE' | head -20 | sed 's/^/#   /'
fi
n=$(echo "$notices" | grep -c 'no change capture on demo\..*: a Citus distributed or reference table')
[ "$n" = 6 ] && [ "$(lq postgres "SELECT pg_catalog.count(*) FROM cxm.sources WHERE captured")" = 0 ] &&
	ok "layer: map_* of a Citus table installs no capture trigger and says so (6 NOTICEs)" ||
	notok "layer: capture on Citus tables: $n NOTICEs"
forms="SELECT pg_catalog.string_agg(p.proname || ' ' || l.lanname, ', ' ORDER BY p.proname)
	FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
	WHERE p.pronamespace = 'cxm'::regnamespace AND p.proname IN ('layer_profile_rows', 'layer_journey_rows', 'layer_month_rows', 'layer_kpi_rows')"
a=$(lq postgres "$forms")
b=$(lq layer_one "$forms")
[ "$a" = "layer_journey_rows plpgsql, layer_kpi_rows plpgsql, layer_month_rows plpgsql, layer_profile_rows plpgsql" ] &&
	[ "$b" = "layer_journey_rows sql, layer_kpi_rows sql, layer_month_rows sql, layer_profile_rows sql" ] &&
	ok "layer: per-profile functions in PL/pgSQL form on the cluster, inlinable SQL on one node" ||
	notok "layer: per-profile function forms: cluster '$a', one node '$b'"
# the PL/pgSQL form holds the SQL function's text verbatim (the way back)
bad=0
for f in layer_profile_rows layer_journey_rows layer_month_rows layer_kpi_rows; do
	a=$(lq postgres "SELECT pg_catalog.md5(cxm.layer_citus_sql('$f'))" 2>&1)
	b=$(lq layer_one "SELECT pg_catalog.md5(p.prosrc) FROM pg_catalog.pg_proc p WHERE p.oid = 'cxm.$f(text[])'::regprocedure")
	c=$(lq postgres "SELECT pg_catalog.starts_with(p.prosrc, 'DECLARE sql_form CONSTANT pg_catalog.text := ')
		FROM pg_catalog.pg_proc p WHERE p.oid = 'cxm.$f(text[])'::regprocedure")
	[ "$a" = "$b" ] && [ "$c" = t ] || { bad=1; echo "#   $f: '$a' against '$b' ($c)"; }
done
[ $bad = 0 ] && ok "layer: each PL/pgSQL form holds its SQL function's text verbatim" ||
	notok "layer: a PL/pgSQL form does not hold its SQL function's text"

# ---- every view: the same answer as one node, materialised and live
views="kpi_monthly nps_monthly cohort_retention funnel_conversion channel_attribution journey_transitions
	experiment_results churn_risk rfm_segments customer_360 value_concentration channel_mix_value
	visitor_segments customer_journeys"
for v in $views; do
	for s in "" _live; do
		# (experiment_results has no _live form: it reads cxm's own bandit tables)
		[ -n "$(lq postgres "SELECT pg_catalog.to_regclass('cxm.$v$s')")" ] || continue
		sql="SELECT x::text FROM cxm.$v$s x ORDER BY 1"
		a=$(lanswer postgres "$sql")
		b=$(lanswer layer_one "$sql")
		if [ "$a" = "$b" ] && [ -n "$a" ] && [[ "$a" != ERROR* ]]; then
			ok "layer: cxm.$v$s: same answer as one node ($(echo "$a" | wc -l) rows)"
		else
			notok "layer: cxm.$v$s: answers differ from one node"
			diff <(echo "$b") <(echo "$a") | head -6 | cut -c1-200 | sed 's/^/#   /'
		fi
	done
done

# ---- a day's activity on both, then refresh() again (on the cluster an
# incremental one: the digests of the sources' rows find the changed ids)
act="INSERT INTO demo.shop_orders VALUES (999999, 1001, '2026-06-30 12:00+00', 42.50, 'bags', true, 20.00);
	INSERT INTO demo.clickstream VALUES ('ck-1001-a', 'home', '2026-06-30 11:50', 'direct', NULL),
	                                    ('v-new', 'home', '2026-06-30 10:00', 'social', 'holiday');
	INSERT INTO demo.login_links VALUES ('v-new', 1002)"
for db in postgres layer_one; do
	lq "$db" "$act" && PGOPTIONS="-c client_min_messages=warning" lq "$db" "SELECT cxm.refresh()" >/dev/null ||
		notok "layer: refresh() after new rows ($db)"
done
mode=$(lq postgres "SELECT l.mode FROM cxm.refresh_log l ORDER BY l.started_at DESC LIMIT 1")
[ "$mode" = incremental ] && ok "layer: refresh() after new rows on the cluster: an incremental one (digests)" ||
	notok "layer: refresh() after new rows on the cluster: mode '$mode'"
for v in customer_360 kpi_monthly channel_attribution journey_transitions cohort_retention; do
	sql="SELECT x::text FROM cxm.$v x ORDER BY 1"
	a=$(lanswer postgres "$sql")
	b=$(lanswer layer_one "$sql")
	[ "$a" = "$b" ] && [ -n "$a" ] && [[ "$a" != ERROR* ]] &&
		ok "layer: cxm.$v after new rows and refresh(): same answer as one node" ||
		notok "layer: cxm.$v after new rows and refresh(): answers differ from one node"
done

# ---- random changes, incremental refreshes, and a full rebuild to compare
# with (doc/scale-out.md, "Incremental refresh on Citus"): each round makes
# two sets of inserts, updates and deletes in every source
# (test/citus/layer_changes.sql), each followed by refresh() on both; the
# cluster's refreshes must be incremental, and then every snapshot, bases
# included, must equal the one-node copy's and, row for row, the cluster's
# own refresh(full => true)
snapshot_sums() {	# snapshot_sums DB: one line per snapshot, its name and the md5 of its sorted rows, by name
	lq "$1" "SELECT * FROM ($(lq "$1" "SELECT pg_catalog.string_agg(pg_catalog.format(
		'SELECT %L AS snapshot, pg_catalog.md5(COALESCE(pg_catalog.string_agg(x::text, E''\n'' ORDER BY x::text), '''')) FROM cxm.%I x',
		s.snapshot, s.snapshot), ' UNION ALL ') FROM cxm.layer_snapshots() s")) u ORDER BY 1"
}
for r in 1 2 3; do
	for db in postgres layer_one; do
		for k in 1 2; do
			lfile "$db" test/citus/layer_changes.sql -v r=$((2 * r + k)) -v n="$layer_n" &&
				PGOPTIONS="-c client_min_messages=warning" lq "$db" "SELECT cxm.refresh()" >/dev/null ||
				notok "layer: round $r: changes and refresh() ($db)"
		done
	done
	modes=$(lq postgres "SELECT pg_catalog.string_agg(x.mode, ',') FROM (SELECT l.mode FROM cxm.refresh_log l ORDER BY l.started_at DESC LIMIT 2) x")
	changed=$(lq postgres "SELECT pg_catalog.string_agg(x.rows_changed::text, ' ') FROM (SELECT l.rows_changed FROM cxm.refresh_log l ORDER BY l.started_at DESC LIMIT 2) x")
	[ "$modes" = incremental,incremental ] &&
		ok "layer: round $r: both refresh() on the cluster are incremental (changed ids: $changed)" ||
		notok "layer: round $r: refresh() modes on the cluster: '$modes'"
	a=$(snapshot_sums postgres)
	b=$(snapshot_sums layer_one)
	PGOPTIONS="-c client_min_messages=warning" lq postgres "SELECT cxm.refresh(full => true)" >/dev/null ||
		notok "layer: round $r: refresh(full => true) on the cluster"
	c=$(snapshot_sums postgres)
	if [ "$a" = "$c" ] && [ "$(echo "$a" | wc -l)" -ge 20 ]; then
		ok "layer: round $r: every snapshot after the incremental refreshes equals refresh(full => true) row for row ($(echo "$a" | wc -l) snapshots)"
	else
		notok "layer: round $r: snapshots after the incremental refreshes differ from refresh(full => true)"
		diff <(echo "$c") <(echo "$a") | sed 's/^/#   /'
	fi
	if [ "$a" = "$b" ]; then
		ok "layer: round $r: every snapshot equals the one-node copy's"
	else
		notok "layer: round $r: snapshots differ from the one-node copy's"
		diff <(echo "$b") <(echo "$a") | sed 's/^/#   /'
	fi
done

# ---- the digests: computed, compared and stored on the workers
while IFS='|' read -r step sql; do
	plan=$(lplan "$sql")
	# (the sources of one co-location group are digested by one statement)
	what=$(grep -oE "SELECT '[a-z]+', [0-9]+::pg_catalog.oid" <<<"$sql" | while read -r _ k o; do
		echo "$(tr -d "'," <<<"$k") of $(lq postgres "SELECT ${o%%::*}::oid::regclass")"
	done | paste -sd, - | sed 's/,/, /g')
	tasks=$(grep -cE '^ *Query: ' <<<"$plan")
	grouped=$(grep -E '^ *Query: ' <<<"$plan" | grep -c ' GROUP BY ')
	case $step in
	compute)
		# (repartitioned by id to the digests' shards; a source distributed by
		# a text id with four shards is co-located with them: each task then
		# writes its own shard of the digests)
		if grep -q 'INSERT/SELECT method: repartition' <<<"$plan" && ! grep -q 'Distributed Subplan' <<<"$plan" &&
			[ "$tasks" = 4 ] && [ "$grouped" = 4 ]; then
			ok "layer: refresh() computes the digests of $what on the workers (4 shard tasks grouping by id, repartitioned by id)"
		elif ! grep -qE 'Distributed Subplan|INSERT/SELECT method' <<<"$plan" && [ "$tasks" = 4 ] && [ "$grouped" = 4 ] &&
			! grep -E '^ *Query: ' <<<"$plan" | grep -vq 'Query: INSERT INTO cxm\.layer_citus_digest_new_[0-9]* '; then
			ok "layer: refresh() computes the digests of $what on the workers (4 co-located shard tasks grouping by id)"
		else
			notok "layer: refresh()'s digests of $what: not computed on the workers"
			show_plan "digests of $what" "$plan"
		fi ;;
	remove | add)
		# (both co-located with the new digests: an anti-join on each shard)
		if ! grep -qE 'Distributed Subplan|INSERT/SELECT method' <<<"$plan" && [ "$tasks" = 4 ] && [ "$grouped" = 4 ] &&
			[ "$(grep -c 'Anti Join' <<<"$plan")" = 4 ]; then
			ok "layer: refresh() compares the digests and ${step}s the changed ones on the workers (4 co-located shard tasks)"
			[ "${CITUS_SHOW_PLANS:-0}" = 1 ] || [ "$step" != remove ] ||
				show_plan "refresh()'s digest comparison, removing what changed (excerpt)" "$(grep -vE '^ *Output: ' <<<"$plan")"
		else
			notok "layer: refresh()'s digest step $step: not on the workers"
			show_plan "digest $step" "$plan"
		fi ;;
	*) notok "layer: unknown digest step '$step'" ;;
	esac
done < <(lq postgres "SELECT x.step, x.q FROM cxm.layer_citus_digest_sql() x")

# ---- a full refresh() on both in a session time zone other than the
# servers': months and days are computed on the workers on the cluster, in
# the session's time zone (src/sql/layer_citus.sql sends it to them)
for db in postgres layer_one; do
	PGTZ=America/Los_Angeles PGOPTIONS="-c client_min_messages=warning" lq "$db" "SELECT cxm.refresh(full => true)" >/dev/null ||
		notok "layer: refresh() in time zone America/Los_Angeles ($db)"
done
for v in profile_months_snapshot customer_360 kpi_monthly cohort_retention nps_monthly; do
	sql="SELECT x::text FROM cxm.$v x ORDER BY 1"
	a=$(lanswer postgres "$sql")
	b=$(lanswer layer_one "$sql")
	if [ "$a" = "$b" ] && [ -n "$a" ] && [[ "$a" != ERROR* ]]; then
		ok "layer: cxm.$v after a full refresh() in time zone America/Los_Angeles: same answer as one node"
	else
		notok "layer: cxm.$v after a full refresh() in time zone America/Los_Angeles: answers differ from one node"
		diff <(echo "$b") <(echo "$a") | head -6 | cut -c1-200 | sed 's/^/#   /'
	fi
done

# ---- materialised reads: no grouping on the coordinator
for v in $views; do
	plan=$(lplan "SELECT * FROM cxm.$v")
	if grep -q 'Custom Scan (Citus' <<<"$plan"; then
		# a distributed snapshot, read as it is: the workers' rows, nothing to group
		if ! grep -qE 'Aggregate|Distributed Subplan|Group Key' <<<"$plan" &&
			grep -qE "Query: SELECT .* FROM cxm\\.${v}_snapshot_[0-9]+ " <<<"$plan"; then
			ok "layer: cxm.$v reads its distributed snapshot from the workers, no grouping"
		else
			notok "layer: cxm.$v: unexpected plan"
			show_plan "cxm.$v" "$plan"
		fi
	elif grep -qE "on cxm\\.${v}_snapshot\b" <<<"$plan" && ! grep -qE 'Aggregate|Group Key' <<<"$plan"; then
		ok "layer: cxm.$v reads the coordinator's ${v}_snapshot (grouped by refresh()), no grouping"
	elif [ -z "$(lq postgres "SELECT pg_catalog.to_regclass('cxm.${v}_snapshot')")" ]; then
		ok "layer: cxm.$v reads only coordinator tables: $(echo "$plan" | grep -oE ' on cxm\.[a-z_]+' | sed 's/ on //' | sort -u | tr '\n' ' ')"
	else
		notok "layer: cxm.$v: unexpected plan"
		show_plan "cxm.$v" "$plan"
	fi
done

plan=$(lplan "SELECT * FROM cxm.customer_360 WHERE customer_id = '1001'")
grep -q 'Task Count: 1$' <<<"$plan" && ok "layer: cxm.customer_360 of one customer reads one shard" ||
	{ notok "layer: cxm.customer_360 of one customer: not one shard"; show_plan "one customer" "$plan"; }

# ---- refresh(), stage 2: the dashboard aggregates over the per-profile snapshots
shown=0
for a in $(lq postgres "SELECT a.name FROM cxm.layer_aggregates() a ORDER BY a.base IS NULL, a.name"); do
	has_base=$(lq postgres "SELECT a.base IS NOT NULL FROM cxm.layer_aggregates() a WHERE a.name = '$a'")
	if [ "$has_base" = t ]; then
		sql=$(lq postgres "SELECT cxm.layer_base_sql('$a', NULL)")
		what="refresh() groups $a's base"
	else
		sql=$(lq postgres "SELECT cxm.layer_aggregate_sql('$a', false)")
		what="refresh() computes $a"
	fi
	plan=$(lplan "$sql")
	if workers_group "$plan"; then
		ok "layer: $what on the workers"
		if [ $shown -lt 1 ] || [ "${CITUS_SHOW_PLANS:-0}" = 1 ]; then
			show_plan "$a's base" "$plan"
			shown=$((shown + 1))
		fi
	elif [ "$has_base" = f ] && grep -q 'Distributed Subplan' <<<"$plan"; then
		exception "$what on the coordinator: it ranks every buyer (window functions over all profiles), from the per-profile rows pulled from the workers"
	else
		notok "layer: $what: not on the workers"
		show_plan "$a" "$plan"
	fi
done

# ---- refresh()'s stage 1, the per-profile pass (src/sql/layer_citus.sql):
# the stitched rows copied into the stage keyed by profile, worker to
# worker; each per-profile snapshot grouped from the stage on the workers
if [ "$(lq postgres "SELECT cxm.layer_citus_staged()")" = t ]; then
	ok "layer: the stage and the per-profile snapshots are co-located by customer_id: refresh() groups profiles on the workers"
else
	notok "layer: cxm.layer_citus_staged() is false under test/citus/layer_layout.sql"
fi
while IFS= read -r sql; do
	[ -n "$sql" ] || continue
	target=$(grep -oE '^INSERT INTO cxm\.[a-z_]+' <<<"$sql" | sed 's/^INSERT INTO //')
	from=$(grep -oE 'FROM [a-z_]+\.[a-z_]+ s WHERE' <<<"$sql" | head -1 | cut -d' ' -f2)
	[ -z "$from" ] || target="$target (from $from)"
	plan=$(lplan "$sql")
	if grep -q 'INSERT/SELECT method: repartition' <<<"$plan" && ! grep -q 'Distributed Subplan' <<<"$plan"; then
		ok "layer: refresh() fills $target by a repartitioned INSERT ... SELECT (stitched on the workers, sent worker to worker)"
	elif [ "$target" = cxm.layer_citus_identities ] && [ "$(grep -c 'Task$' <<<"$plan")" = 1 ] &&
		grep -qE "Node: host=127.0.0.1 port=$coord " <<<"$plan" &&
		! grep -E '^ *Query: ' <<<"$plan" | grep -vqE 'FROM cxm\.identity_map_[0-9]+ q$'; then
		ok "layer: refresh() fills $target from the coordinator's copy of the reference identity map"
	else
		notok "layer: refresh() fills $target: unexpected plan"
		show_plan "$target" "$plan"
	fi
done < <(lq postgres "SELECT q FROM cxm.layer_citus_stage_sql() q")
for x in layer_profile_rows:customer_360_snapshot layer_journey_rows:customer_journeys_snapshot layer_month_rows:profile_months_snapshot; do
	f=${x%%:*}
	snap=${x#*:}
	plan=$(lplan "INSERT INTO cxm.$snap $(lq postgres "SELECT cxm.layer_citus_pass_sql('$f')")")
	tasks=$(grep -cE '^ *Query: ' <<<"$plan")
	grouped=$(grep -E '^ *Query: ' <<<"$plan" | grep -c ' GROUP BY ')
	if ! grep -qE 'Distributed Subplan|pull to coordinator' <<<"$plan" && [ "$tasks" = 4 ] && [ "$grouped" = 4 ] &&
		grep -q "Group Key: .*customer_id" <<<"$plan"; then
		ok "layer: refresh()'s per-profile pass $f -> cxm.$snap groups on the workers ($tasks shard tasks, each grouping by profile; no rows pulled to the coordinator)"
		if [ "${CITUS_SHOW_PLANS:-0}" = 1 ] || [ "$f" = layer_month_rows ]; then
			show_plan "refresh()'s $f pass (excerpt)" "$(grep -vE '^ *Output: ' <<<"$plan")"
		fi
	else
		notok "layer: refresh()'s per-profile pass $f: not grouped on the workers"
		show_plan "$f pass" "$plan"
	fi
done

# ---- the live views: the per-profile functions, whose Citus form groups
# each source's stitched rows by profile on the workers (partial aggregates)
# and merges each profile's partial rows on the coordinator
# (src/sql/layer_citus.sql, layer_citus_live_sql)
grouped_sources=$(lq postgres "SELECT string_agg(DISTINCT regexp_replace(source::regclass::text, '^.*\.', ''), '|')
	FROM cxm.sources WHERE kind IN ('touchpoints', 'transactions', 'feedback')")
for f in layer_profile_rows layer_journey_rows layer_month_rows layer_kpi_rows; do
	sql=$(lq postgres "SELECT replace(cxm.layer_citus_live_sql('$f'), '\$1', 'NULL::pg_catalog.text[]')")
	plan=$(lplan "$sql")
	# (every worker query that reads a shard of a grouped source)
	reads=$(grep -E '^ *Query: ' <<<"$plan" | grep -E "demo\.($grouped_sources)_[0-9]+" || true)
	if [ -n "$reads" ] && ! grep -vq ' GROUP BY ' <<<"$reads" && ! grep -q 'could not\|ERROR' <<<"$plan"; then
		ok "layer: cxm.$f (read by the _live views) groups every source's stitched rows by profile on the workers ($(grep -c . <<<"$reads") shard tasks, partial aggregates); the coordinator merges each profile's partial rows"
		[ "${CITUS_SHOW_PLANS:-0}" = 1 ] || [ "$f" != layer_month_rows ] ||
			show_plan "cxm.$f(NULL) (excerpt: the settings, then the first source)" "$(grep -vE '^ *Output: ' <<<"$plan")"
	else
		notok "layer: cxm.$f: a source's rows are read without grouping by profile on the workers"
		show_plan "cxm.$f(NULL)" "$plan"
	fi
	# the same rows as the SQL form (which Citus cannot plan) on one node
	a=$(lanswer postgres "SELECT md5(string_agg(r::text, '|' ORDER BY r::text)) FROM cxm.$f(NULL) r")
	b=$(lanswer layer_one "SELECT md5(string_agg(r::text, '|' ORDER BY r::text)) FROM cxm.$f(NULL) r")
	[ "$a" = "$b" ] && [ -n "$a" ] && ok "layer: cxm.$f(NULL) on the cluster: the same rows as on one node" ||
		notok "layer: cxm.$f(NULL) on the cluster: '$a', one node '$b'"
done
for v in $views; do
	plan=$(lplan "SELECT * FROM cxm.${v}_live")
	if ! grep -qE 'Function Scan on cxm\.layer_(profile|journey|month|kpi)_rows' <<<"$plan"; then
		if ! grep -q 'Custom Scan (Citus' <<<"$plan"; then
			ok "layer: cxm.${v}_live reads only coordinator tables (no distributed table)"
		else
			notok "layer: cxm.${v}_live: unexpected plan"
			show_plan "cxm.${v}_live" "$plan"
		fi
	elif grep -qE '(Aggregate|WindowAgg|Unique)$' <<<"$plan"; then
		exception "cxm.${v}_live: its dashboard groups the finished profiles on the coordinator, where the per-profile functions (above) merge each profile's partial rows (a read cannot send them to the workers by profile; refresh() groups the per-profile snapshots on the workers)"
	else
		ok "layer: cxm.${v}_live: the per-profile functions' rows (above: the sources grouped by profile on the workers, their partial rows merged on the coordinator), not grouped again"
	fi
done
echo "# layer: $exceptions documented exceptions (doc/scale-out.md, \"The CX layer on Citus\")"
