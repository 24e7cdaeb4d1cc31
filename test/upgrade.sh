#!/usr/bin/env bash
# Upgrade test (run by make test): in one database CREATE EXTENSION cxm
# VERSION '<base>' and ALTER EXTENSION cxm UPDATE; in another CREATE
# EXTENSION cxm (the default version).  The catalog description of every
# object that belongs to the extension must be identical in both.
#
# pg_dump does not dump extension members, so the description is built from
# the catalogs: functions (pg_get_functiondef, or the aggregate's pg_aggregate
# row with its support functions by name), types and their columns, tables,
# views and their definitions, indexes, casts, operators, comments, ACLs and
# the extension's config tables, all printed by name (OIDs differ).
# Prints "ok - upgrade ..." / "not ok - upgrade ..." lines, one per path.
#   test/upgrade.sh [DIR]   DIR: where to put the throwaway server
set -uo pipefail
cd "$(dirname "$0")/.."
. test/pgenv.sh
. test/server.sh

dir=${1:-$(mktemp -d /tmp/cxm-upgrade.XXXXXX)}
trap 'server_stop "$dir"; rm -rf "$dir"' EXIT
server_start "$dir" >/dev/null || { echo "not ok - upgrade: server did not start"; exit 1; }

default=$(sed -nE "s/^default_version *= *'([^']+)'.*/\1/p" cxm.control)
# every version with a full script, and every upgrade script as from--to
versions=$(ls cxm--*.sql | sed -nE 's/^cxm--([0-9.]+)\.sql$/\1/p' | sort -V)

describe() {	# describe DB: the extension's objects, one line each, sorted
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'cxm'),
members AS (
  SELECT d.classid, d.objid FROM pg_depend d, ext
  WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e')
-- functions and procedures
SELECT 'function ' || p.oid::regprocedure::text || E'\n' ||
       CASE WHEN p.prokind = 'a' THEN
         (SELECT format('aggregate kind=%s nargs=%s sfunc=%s ffunc=%s comb=%s ser=%s deser=%s '
                        'msfunc=%s minv=%s mffunc=%s fextra=%s mfextra=%s fmodify=%s '
                        'mfmodify=%s sortop=%s stype=%s sspace=%s mstype=%s msspace=%s '
                        'init=%s minit=%s',
                        a.aggkind, a.aggnumdirectargs, a.aggtransfn::regprocedure,
                        a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
                        a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn, a.aggfinalextra,
                        a.aggmfinalextra, a.aggfinalmodify, a.aggmfinalmodify,
                        a.aggsortop::regoperator, a.aggtranstype::regtype,
                        a.aggtransspace, a.aggmtranstype::regtype, a.aggmtransspace,
                        a.agginitval, a.aggminitval)
          FROM pg_aggregate a WHERE a.aggfnoid = p.oid) ||
         format(' parallel=%s strict=%s', p.proparallel, p.proisstrict)
       ELSE pg_get_functiondef(p.oid) END ||
       format(E'\nowner=%s acl=%s cost=%s rows=%s leakproof=%s config=%s',
              p.proowner::regrole, p.proacl, p.procost, p.prorows, p.proleakproof,
              p.proconfig) ||
       E'\ncomment=' || coalesce(obj_description(p.oid, 'pg_proc'), '<none>')
FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
UNION ALL
-- types (composite types get their columns from pg_class below)
SELECT format(E'type %s typtype=%s category=%s len=%s input=%s output=%s receive=%s send=%s '
              'elem=%s array=%s relkind=%s owner=%s acl=%s default=%s notnull=%s basetype=%s',
              t.oid::regtype, t.typtype, t.typcategory, t.typlen, t.typinput, t.typoutput,
              t.typreceive, t.typsend, t.typelem::regtype, t.typarray::regtype,
              (SELECT relkind FROM pg_class WHERE oid = t.typrelid), t.typowner::regrole,
              t.typacl, t.typdefault, t.typnotnull, t.typbasetype::regtype) ||
       coalesce(E'\nenum=' || (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder)
                               FROM pg_enum WHERE enumtypid = t.oid), '') ||
       coalesce(E'\nconstraints=' || (SELECT string_agg(pg_get_constraintdef(c.oid), '; ' ORDER BY conname)
                                      FROM pg_constraint c WHERE c.contypid = t.oid), '') ||
       E'\ncomment=' || coalesce(obj_description(t.oid, 'pg_type'), '<none>')
FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
UNION ALL
-- relations (tables, views, sequences, composite types' relations), with columns
SELECT format(E'relation %s kind=%s persistence=%s owner=%s acl=%s options=%s rls=%s',
              c.oid::regclass, c.relkind, c.relpersistence, c.relowner::regrole, c.relacl,
              c.reloptions, c.relrowsecurity) ||
       CASE WHEN c.relkind IN ('v', 'm') THEN E'\n' || pg_get_viewdef(c.oid) ELSE '' END ||
       coalesce(E'\n' || (SELECT string_agg(format('  column %s %s notnull=%s default=%s generated=%s identity=%s collation=%s comment=%s',
                                                  a.attname, format_type(a.atttypid, a.atttypmod),
                                                  a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid),
                                                  a.attgenerated, a.attidentity, a.attcollation::regcollation,
                                                  coalesce(col_description(c.oid, a.attnum), '<none>')),
                                           E'\n' ORDER BY a.attnum)
                          FROM pg_attribute a LEFT JOIN pg_attrdef ad
                            ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') ||
       coalesce(E'\n' || (SELECT string_agg('  constraint ' || conname || ' ' || pg_get_constraintdef(co.oid), E'\n' ORDER BY conname)
                          FROM pg_constraint co WHERE co.conrelid = c.oid), '') ||
       coalesce(E'\n' || (SELECT string_agg('  index ' || pg_get_indexdef(i.indexrelid), E'\n' ORDER BY 1)
                          FROM pg_index i WHERE i.indrelid = c.oid), '') ||
       coalesce(E'\n' || (SELECT string_agg('  trigger ' || pg_get_triggerdef(tg.oid), E'\n' ORDER BY tgname)
                          FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal), '') ||
       coalesce(E'\n' || (SELECT string_agg('  rule ' || pg_get_ruledef(r.oid), E'\n' ORDER BY rulename)
                          FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN'), '') ||
       coalesce(E'\n' || (SELECT string_agg('  policy ' || polname || ' ' || polcmd::text || ' ' ||
                                            coalesce(pg_get_expr(polqual, polrelid), '') || ' ' ||
                                            coalesce(pg_get_expr(polwithcheck, polrelid), ''), E'\n' ORDER BY polname)
                          FROM pg_policy WHERE polrelid = c.oid), '') ||
       E'\ncomment=' || coalesce(obj_description(c.oid, 'pg_class'), '<none>')
FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
UNION ALL
SELECT format('cast %s -> %s func=%s context=%s method=%s', castsource::regtype,
              casttarget::regtype, castfunc::regprocedure, castcontext, castmethod)
FROM members m JOIN pg_cast c ON m.classid = 'pg_cast'::regclass AND c.oid = m.objid
UNION ALL
SELECT format('operator %s proc=%s commutator=%s negator=%s restrict=%s join=%s',
              o.oid::regoperator, o.oprcode, o.oprcom::regoperator, o.oprnegate::regoperator,
              o.oprrest, o.oprjoin)
FROM members m JOIN pg_operator o ON m.classid = 'pg_operator'::regclass AND o.oid = m.objid
UNION ALL
SELECT format('schema %s owner=%s acl=%s comment=%s', n.nspname, n.nspowner::regrole, n.nspacl,
              coalesce(obj_description(n.oid, 'pg_namespace'), '<none>'))
FROM members m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
UNION ALL
-- any other kind of member, by its identity
SELECT 'other ' || (pg_identify_object(m.classid, m.objid, 0)).type || ' ' ||
       (pg_identify_object(m.classid, m.objid, 0)).identity
FROM members m
WHERE m.classid NOT IN ('pg_proc'::regclass, 'pg_type'::regclass, 'pg_class'::regclass,
                        'pg_cast'::regclass, 'pg_operator'::regclass, 'pg_namespace'::regclass)
UNION ALL
-- the extension itself: version, schema, config tables and their filters
SELECT format('extension %s version=%s schema=%s relocatable=%s config=%s condition=%s',
              e.extname, e.extversion, e.extnamespace::regnamespace, e.extrelocatable,
              (SELECT array_agg(x::regclass::text ORDER BY x::regclass::text) FROM unnest(e.extconfig) x),
              e.extcondition)
FROM pg_extension e WHERE e.extname = 'cxm'
UNION ALL
-- the schema of the extension (created by it: schema = cxm in the control file)
SELECT format('extschema %s owner=%s acl=%s', n.nspname, n.nspowner::regrole, n.nspacl)
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'cxm'
UNION ALL
-- dependencies between members (what depends on what, by identity)
SELECT format('depend %s -> %s (%s)', pg_describe_object(d.classid, d.objid, d.objsubid),
              pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid), d.deptype)
FROM members m JOIN pg_depend d ON d.classid = m.classid AND d.objid = m.objid
WHERE d.deptype <> 'e' AND d.refobjid >= 16384
ORDER BY 1;
SQL
}

status=0
psql -X -q -d postgres -c "CREATE DATABASE cxm_fresh" || status=1
psql -X -q -d cxm_fresh -c "CREATE EXTENSION cxm" || status=1
describe cxm_fresh >"$dir/fresh.txt" || status=1
if [ "$status" -ne 0 ] || ! grep -q "version=$default " "$dir/fresh.txt"; then
	echo "not ok - upgrade: fresh install of $default failed"
	exit 1
fi
nobj=$(grep -Ec '^(function|type|relation|cast|operator|other) ' "$dir/fresh.txt")
for v in $versions; do
	[ "$v" = "$default" ] && continue
	db=cxm_from_${v//./_}
	psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
	if ! psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION cxm VERSION '$v'" \
		-c "ALTER EXTENSION cxm UPDATE" >"$dir/$db.log" 2>&1; then
		cat "$dir/$db.log"
		echo "not ok - upgrade $v -> $default: CREATE/ALTER EXTENSION failed"
		status=1
		continue
	fi
	describe "$db" >"$dir/$db.txt"
	if diff -u "$dir/fresh.txt" "$dir/$db.txt" >"$dir/$db.diff"; then
		echo "ok - upgrade $v -> $default: $nobj objects identical to a fresh install"
	else
		head -100 "$dir/$db.diff"
		cp "$dir/$db.diff" "$REPO/upgrade.diffs" 2>/dev/null || true
		echo "not ok - upgrade $v -> $default: catalogs differ (upgrade.diffs)"
		status=1
	fi
done
# and the extension can be dropped cleanly after an upgrade
for db in $(psql -X -At -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE 'cxm_from_%'"); do
	if psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "DROP EXTENSION cxm" >"$dir/drop.log" 2>&1 &&
		[ "$(psql -X -At -d "$db" -c "SELECT count(*) FROM pg_proc WHERE pronamespace = 'cxm'::regnamespace")" = 0 ]; then
		echo "ok - upgrade: DROP EXTENSION after the update leaves no function behind ($db)"
	else
		cat "$dir/drop.log"; echo "not ok - upgrade: DROP EXTENSION after the update failed ($db)"
		status=1
	fi
done
exit $status
