-- CX layer, part 1: mapping, column checks, identity stitching, security
SET extra_float_digits = 0;
-- refresh() reports its steps as NOTICEs with timings
SET client_min_messages = warning;

-- run a statement, return its SQLSTATE and message (or 'ok')
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- before anything is mapped the views exist, are empty and have their types
SELECT c.relname, pg_catalog.string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
WHERE c.relnamespace = 'cxm'::regnamespace
  AND c.relname IN ('identities', 'touchpoints', 'transactions', 'feedback', 'customers')
GROUP BY c.relname ORDER BY 1;
SELECT (SELECT count(*) FROM cxm.touchpoints) AS tp, (SELECT count(*) FROM cxm.transactions) AS tx,
       (SELECT count(*) FROM cxm.feedback) AS fb, (SELECT count(*) FROM cxm.customers) AS cu,
       (SELECT count(*) FROM cxm.identities) AS id;

-- every view of the layer is security_invoker, and every view, table and column has a comment
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = 'cxm'::regnamespace AND c.relkind = 'v'
  AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false);
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = 'cxm'::regnamespace AND c.relkind IN ('v', 'r') AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
WHERE c.relnamespace = 'cxm'::regnamespace AND c.relkind IN ('v', 'r') AND col_description(c.oid, a.attnum) IS NULL;

-- awkward identifiers: spaces, quotes, mixed case, in the schema, table and column names
CREATE SCHEMA "Shop Data";
CREATE TABLE "Shop Data"."Web ""Events"" 2026" (
  "Visitor ID" text, "Page ""Name""" varchar(40), "When" timestamp(0), "Channel" text COLLATE "C", id int);
INSERT INTO "Shop Data"."Web ""Events"" 2026" VALUES
  ('anon-1', 'home',    '2026-01-05 10:00', 'organic', 1),
  ('anon-1', 'product', '2026-01-05 10:05', 'organic', 2),
  ('anon-2', 'home',    '2026-01-06 09:00', 'social',  3),
  ('C-7',    'home',    '2026-01-07 12:00', 'direct',  4),
  (NULL,     'home',    '2026-01-07 12:00', 'direct',  5),
  ('C-7',    'cart',    NULL,               'direct',  6);
SELECT cxm.map_touchpoints('"Shop Data"."Web ""Events"" 2026"', 'Visitor ID', 'Page "Name"', 'When', 'Channel');
SELECT customer_id, anonymous_id, touchpoint, ts, channel, source FROM cxm.touchpoints ORDER BY ts;

-- identity stitching: anon-1 signed up as C-7; anon-2 stays anonymous
CREATE TABLE "Shop Data".logins ("Cookie" text, "CustomerNo" text);
INSERT INTO "Shop Data".logins VALUES ('anon-1', 'C-7');
SELECT cxm.map_identities('"Shop Data".logins', 'Cookie', 'CustomerNo');
SELECT customer_id, anonymous_id, touchpoint, ts FROM cxm.touchpoints ORDER BY ts;
-- an anonymous id linked to two customers goes to the smaller id (documented)
INSERT INTO "Shop Data".logins VALUES ('anon-2', 'C-9'), ('anon-2', 'C-8'), ('anon-2', 'C-8');
SELECT customer_id, anonymous_id, touchpoint FROM cxm.touchpoints ORDER BY ts;
DELETE FROM "Shop Data".logins WHERE "Cookie" = 'anon-2';

-- a second touchpoint source is unioned; no channel column: the table name is the channel
CREATE TABLE "Shop Data"."Email Log" ("Recipient" int, "What" text, "Sent" date);
INSERT INTO "Shop Data"."Email Log" VALUES (7, 'email_open', '2026-01-08');
SELECT cxm.map_touchpoints('"Shop Data"."Email Log"', 'Recipient', 'What', 'Sent');
SELECT customer_id, touchpoint, ts, channel, source FROM cxm.touchpoints ORDER BY ts;
-- mapping the same relation again replaces its mapping
SELECT cxm.map_touchpoints('"Shop Data"."Email Log"', 'Recipient', 'What', 'Sent', 'What');
SELECT customer_id, touchpoint, channel FROM cxm.touchpoints WHERE source LIKE '%Email%';
SELECT kind, source, source_name, customer_id, touchpoint, ts, channel FROM cxm.sources ORDER BY kind, source_name;

-- transactions (numeric(10,2), a product column) and feedback (smallint) are stitched too
CREATE TABLE "Shop Data".orders ("Who" text, "At" timestamptz, "Total" numeric(10, 2), "SKU" text);
INSERT INTO "Shop Data".orders VALUES ('anon-1', '2026-01-05 10:10+00', 19.90, 'shoes'),
                                      ('C-7', '2026-02-01 10:00+00', 5, NULL);
SELECT cxm.map_transactions('"Shop Data".orders', 'Who', 'At', 'Total', 'SKU');
CREATE TABLE "Shop Data".nps ("Who" text, "At" date, "Score" smallint);
INSERT INTO "Shop Data".nps VALUES ('anon-1', '2026-01-06', 9), ('anon-2', '2026-01-06', 3);
SELECT cxm.map_feedback('"Shop Data".nps', 'Who', 'At', 'Score');
SELECT customer_id, anonymous_id, ts, amount, product FROM cxm.transactions ORDER BY ts;
SELECT customer_id, anonymous_id, ts, score FROM cxm.feedback ORDER BY customer_id;
-- customers: two masters are unioned, one row per id with the earliest created_at
CREATE TABLE "Shop Data".crm (no text, since timestamptz);
CREATE TABLE "Shop Data".crm_old (no text);
INSERT INTO "Shop Data".crm VALUES ('C-7', '2026-01-05 11:00+00'), ('C-8', NULL);
INSERT INTO "Shop Data".crm_old VALUES ('C-7'), ('C-1');
SELECT cxm.map_customers('"Shop Data".crm', 'no', 'since');
SELECT * FROM cxm.customers ORDER BY 1;
SELECT cxm.map_customers('"Shop Data".crm_old', 'no');
SELECT * FROM cxm.customers ORDER BY 1;
SELECT cxm.unmap('"Shop Data".crm_old');
SELECT * FROM cxm.customers ORDER BY 1;

-- errors: missing column 42703, unusable type 42804, NULLs 22004, not a table 42809
SELECT pg_temp.err($$SELECT cxm.map_touchpoints('"Shop Data".orders', 'who', 'At', 'At')$$);
SELECT pg_temp.err($$SELECT cxm.map_touchpoints('"Shop Data".orders', 'Who', 'SKU', 'Total')$$);
SELECT pg_temp.err($$SELECT cxm.map_transactions('"Shop Data".orders', 'Who', 'At', 'SKU')$$);
SELECT pg_temp.err($$SELECT cxm.map_transactions('"Shop Data".orders', 'Who', 'SKU', 'Total')$$);
SELECT pg_temp.err($$SELECT cxm.map_feedback('"Shop Data".orders', 'Who', 'At', 'Total')$$);
SELECT pg_temp.err($$SELECT cxm.map_customers('"Shop Data".orders', 'Who', 'Total')$$);
SELECT pg_temp.err($$SELECT cxm.map_transactions('"Shop Data".orders', 'Who', 'At', 'Total', 'nope')$$);
SELECT pg_temp.err($$SELECT cxm.map_identities('"Shop Data".logins', 'cookie', 'CustomerNo')$$);
SELECT pg_temp.err($$SELECT cxm.map_touchpoints('"Shop Data".orders', 'Who', NULL, 'At')$$);
SELECT pg_temp.err($$SELECT cxm.map_touchpoints(NULL, 'Who', 'SKU', 'At')$$);
SELECT pg_temp.err($$SELECT cxm.map_touchpoints('"Shop Data".orders', 'ctid', 'SKU', 'At')$$);
CREATE SEQUENCE "Shop Data".seq;
SELECT pg_temp.err($$SELECT cxm.map_customers('"Shop Data".seq', 'last_value')$$);
SELECT pg_temp.err($$SELECT cxm.unmap('"Shop Data".seq')$$);
-- dropped columns are not columns
ALTER TABLE "Shop Data".orders ADD COLUMN gone text;
ALTER TABLE "Shop Data".orders DROP COLUMN gone;
SELECT pg_temp.err($$SELECT cxm.map_transactions('"Shop Data".orders', 'gone', 'At', 'Total')$$);
-- domains are checked by their base type
CREATE DOMAIN "Shop Data".money_eur AS numeric(12, 2) CHECK (VALUE >= 0);
CREATE DOMAIN "Shop Data".when_t AS text;
CREATE TABLE "Shop Data".dom (who int8, at "Shop Data".when_t, amt "Shop Data".money_eur);
SELECT pg_temp.err($$SELECT cxm.map_transactions('"Shop Data".dom', 'who', 'at', 'amt')$$);
-- a failed mapping changed nothing
SELECT kind, source_name FROM cxm.sources ORDER BY 1, 2;

-- injection: arguments are column names, never SQL
CREATE TABLE "Shop Data".victim (x int);
SELECT pg_temp.err($$SELECT cxm.map_touchpoints('"Shop Data".orders', 'Who', 'SKU", 1); DROP TABLE "Shop Data".victim; --', 'At')$$);
SELECT pg_temp.err($$SELECT cxm.map_touchpoints('"Shop Data".orders; DROP TABLE "Shop Data".victim', 'Who', 'SKU', 'At')$$);
-- a column whose real name is an injection attempt is simply read
CREATE TABLE "Shop Data".evil ("id"") AS x; DROP TABLE ""Shop Data"".victim; --" text,
  "t'); DROP TABLE victim; --" date, "1 AS s FROM pg_class; --" int);
INSERT INTO "Shop Data".evil VALUES ('E-1', '2026-03-01', 10);
SELECT cxm.map_feedback('"Shop Data".evil', 'id") AS x; DROP TABLE "Shop Data".victim; --',
                        't''); DROP TABLE victim; --', '1 AS s FROM pg_class; --');
SELECT customer_id, ts, score FROM cxm.feedback WHERE source LIKE '%evil%';
SELECT cxm.map_touchpoints('"Shop Data".evil', 'id") AS x; DROP TABLE "Shop Data".victim; --',
                           'id") AS x; DROP TABLE "Shop Data".victim; --', 't''); DROP TABLE victim; --');
SELECT customer_id, touchpoint, ts, channel FROM cxm.touchpoints WHERE source LIKE '%evil%';
SELECT count(*) AS victim_still_there FROM "Shop Data".victim;
SELECT cxm.unmap('"Shop Data".evil');

-- a mapped table cannot be dropped while it feeds the views
SELECT pg_temp.err($$DROP TABLE "Shop Data".orders$$);

-- search_path hijack: user objects in public that shadow built-ins change nothing
CREATE FUNCTION public.min(text) RETURNS text LANGUAGE sql AS $$ SELECT 'HIJACKED' $$;
CREATE FUNCTION public.texteq_evil(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.texteq_evil);
CREATE FUNCTION public.date_trunc(text, timestamptz) RETURNS timestamptz LANGUAGE sql
  AS $$ SELECT timestamptz '1999-01-01 00:00+00' $$;
CREATE TABLE public.identities (anonymous_id text, customer_id text, source text);
INSERT INTO public.identities VALUES ('anon-2', 'HIJACKED', 'x');
UPDATE cxm.settings SET min_nps_answers = 1;
SET search_path = public, pg_catalog;
-- rebuild under the hostile path
SELECT cxm.map_identities('"Shop Data".logins', 'Cookie', 'CustomerNo');
SELECT customer_id, anonymous_id, touchpoint FROM cxm.touchpoints ORDER BY ts, touchpoint;
SELECT * FROM cxm.customers ORDER BY 1;
SELECT month, channel, responses, nps FROM cxm.nps_monthly ORDER BY 1, 2;
RESET search_path;
DROP OPERATOR public.= (text, text);
DROP FUNCTION public.texteq_evil(text, text), public.min(text), public.date_trunc(text, timestamptz);
DROP TABLE public.identities;

-- row-level security holds through the views (security_invoker)
CREATE ROLE regress_layer_analyst;
GRANT USAGE ON SCHEMA cxm, "Shop Data" TO regress_layer_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA cxm TO regress_layer_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA "Shop Data" TO regress_layer_analyst;
ALTER TABLE "Shop Data".orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY small_orders ON "Shop Data".orders FOR SELECT TO regress_layer_analyst USING ("Total" < 10);
SELECT count(*) AS all_orders, sum(amount) FROM cxm.transactions;
SET ROLE regress_layer_analyst;
SELECT count(*) AS visible_orders, sum(amount) FROM cxm.transactions;
SELECT count(*) AS visible_touchpoints FROM cxm.touchpoints;
RESET ROLE;
-- no SELECT on a source: the view refuses, it does not bypass
REVOKE SELECT ON "Shop Data".nps FROM regress_layer_analyst;
SET ROLE regress_layer_analyst;
SELECT pg_temp.err($$SELECT count(*) FROM cxm.feedback$$);
-- mapping needs the owner's rights
SELECT pg_temp.err($$SELECT cxm.map_feedback('"Shop Data".nps', 'Who', 'At', 'Score')$$);
RESET ROLE;

-- unmap: the views lose the source; all sources gone = empty views again
SELECT pg_temp.err($$SELECT cxm.unmap('"Shop Data".orders')$$);
SELECT count(*) FROM cxm.transactions;
SELECT cxm.unmap(source) FROM (SELECT DISTINCT source FROM cxm.sources) s;
SELECT (SELECT count(*) FROM cxm.touchpoints) AS tp, (SELECT count(*) FROM cxm.transactions) AS tx,
       (SELECT count(*) FROM cxm.feedback) AS fb, (SELECT count(*) FROM cxm.customers) AS cu,
       (SELECT count(*) FROM cxm.identities) AS id;
-- refresh() and materialised mode work on nothing: no model, empty views
SELECT cxm.refresh();
SELECT customers, bgnbd IS NULL AS no_bgnbd, gammagamma IS NULL AS no_gammagamma FROM cxm.models;
SELECT cxm.set_materialized(true);
SELECT (SELECT count(*) FROM cxm.customer_360) AS c360, (SELECT count(*) FROM cxm.kpi_monthly) AS kpi;
SELECT cxm.set_materialized(false);
SELECT pg_temp.err($$SELECT cxm.set_materialized(NULL)$$);
DELETE FROM cxm.models;
UPDATE cxm.settings SET min_nps_answers = DEFAULT;
DROP OWNED BY regress_layer_analyst;
DROP ROLE regress_layer_analyst;
DROP SCHEMA "Shop Data" CASCADE;
