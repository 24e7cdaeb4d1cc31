-- One round of changes to the demo shop's sources for make check-citus
-- (test/citus/layer.sh): inserts, updates and deletes in every mapped
-- source, late rows (older than anything refreshed), a customer who loses
-- every order, new and removed identity links and a link moved to another
-- customer.  Which rows change is decided by hashes of their keys and of
-- the round :r (immutable expressions: Citus evaluates them on the
-- workers), so the same round changes the same rows on the cluster and
-- on the one-node copy.  (Citus does not let an UPDATE change a row's
-- distribution column: a row moves to another customer by a delete and an
-- insert.)  :n is the number of generated customers.
SET client_min_messages = warning;

INSERT INTO demo.shop_orders
SELECT 9000000 + :r * 100 + g,
       CASE WHEN g = 1 THEN 5000000 + :r ELSE 1000 + abs(hashint4(:r * 31 + g)::int8) % :n END,
       CASE WHEN g % 3 = 0 THEN timestamptz '2025-02-01 10:00+00' + g * interval '3 days'
            ELSE timestamptz '2026-06-01 00:00+00' + (abs(hashint4(:r * 7 + g)::int8) % 2500000) * interval '1 second' END,
       (abs(hashint4(:r * 13 + g)::int8) % 20000) / 100.0, (ARRAY['bags', 'shoes', 'books'])[1 + g % 3], g % 2 = 0,
       CASE WHEN g % 4 = 0 THEN NULL ELSE 5.00 END
FROM generate_series(1, 6) g;
UPDATE demo.shop_orders SET "Total EUR" = "Total EUR" + 1.25, "Category" = 'gifts'
WHERE abs(hashint8("Order#" + :r * 1000003)::int8) % 40 = 0;
DELETE FROM demo.shop_orders WHERE abs(hashint8("Order#" + :r * 7919)::int8) % 50 = 0;
DELETE FROM demo.shop_orders WHERE "Client No" = 1000 + (:r * 53) % :n;
INSERT INTO demo.shop_orders
SELECT o."Order#" + 100000000, 1000 + (:r * 61) % :n, o."Ordered At", o."Total EUR", o."Category", o.online, o."Cost EUR"
FROM demo.shop_orders o WHERE o."Client No" = 1000 + (:r * 67) % :n;
DELETE FROM demo.shop_orders WHERE "Client No" = 1000 + (:r * 67) % :n AND "Order#" < 100000000;

INSERT INTO demo.clickstream
SELECT CASE g % 3 WHEN 0 THEN 'ck-' || (1000 + abs(hashint4(:r * 17 + g)::int8) % :n) || '-a'
                  WHEN 1 THEN 'v-r' || :r || '-' || g
                  ELSE 'ck-' || (1000 + abs(hashint4(:r * 19 + g)::int8) % :n) || '-b' END,
       (ARRAY['home', 'product', 'cart', 'checkout'])[1 + g % 4],
       CASE WHEN g = 5 THEN timestamp '2025-01-15 08:00' ELSE timestamp '2026-06-20 09:00' + g * interval '7 minutes' END,
       (ARRAY['direct', 'social', 'search'])[1 + g % 3], CASE WHEN g % 2 = 0 THEN 'summer' END
FROM generate_series(1, 9) g;
UPDATE demo.clickstream SET "Page" = 'cart'
WHERE abs(hashtext(cookie_id || "Page" || :'r')::int8 + hashint8(EXTRACT(epoch FROM "Event Time")::int8)) % 90 = 0;
DELETE FROM demo.clickstream WHERE abs(hashtext(cookie_id || :'r')::int8 + hashint8(EXTRACT(epoch FROM "Event Time")::int8)) % 70 = 0;

INSERT INTO demo.nps_survey
SELECT 8000000 + :r * 100 + g, 1000 + abs(hashint4(:r * 23 + g)::int8) % :n, timestamptz '2026-06-10 12:00+00' + g * interval '1 hour',
       g * 2 % 11, (ARRAY['email', 'web'])[1 + g % 2], NULL
FROM generate_series(1, 4) g;
UPDATE demo.nps_survey SET "Q1 Score" = 10 - "Q1 Score" WHERE abs(hashint4("Response ID" + :r * 101)::int8) % 30 = 0;
DELETE FROM demo.nps_survey WHERE abs(hashint4("Response ID" + :r * 211)::int8) % 40 = 0;

INSERT INTO demo.email
SELECT 1000 + abs(hashint4(:r * 29 + g)::int8) % :n, 'email_open', timestamptz '2026-06-15 07:00+00' + g * interval '1 day'
FROM generate_series(1, 3) g;
DELETE FROM demo.email WHERE abs(hashint8(recipient::int8 * 7 + :r)::int8 + hashtext(action)) % 60 = 0;

UPDATE demo.crm_clients SET "Signed Up" = "Signed Up" - 3 WHERE abs(hashint4("Client No" + :r * 401)::int8) % 40 = 0;
INSERT INTO demo.crm_clients VALUES (6000000 + :r, '2026-05-01', 'basic', 'search', false);

INSERT INTO demo.login_links VALUES ('v-r' || :r || '-1', 1000 + (:r * 41) % :n);
DELETE FROM demo.login_links WHERE "Cookie" = 'ck-' || (1000 + (:r * 43) % :n) || '-a';
UPDATE demo.login_links SET "Client No" = 1000 + (:r * 47 + 1) % :n WHERE "Cookie" = 'ck-' || (1000 + (:r * 59) % :n) || '-b';
