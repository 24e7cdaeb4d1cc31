-- CX layer demo data (deterministic; also loaded by the layer's regression tests).
-- A shop's own tables, with its own (deliberately non-canonical) column names:
--   demo.crm_clients    customer master      ("Client No", "Signed Up", "Tier")
--   demo.clickstream     web analytics        (cookie_id, "Page", "Event Time" timestamp, utm_channel, utm_campaign)
--   demo.login_links    cookie -> customer   ("Cookie", "Client No")
--   demo.email          e-mail touches       (recipient, action, sent_at)
--   demo.shop_orders    purchases            ("Order#", "Client No", "Ordered At", "Total EUR", "Category", "Cost EUR")
--   demo.nps_survey     NPS answers          ("Response ID", "Client No", "Submitted", "Q1 Score", "Channel", "Comment")
--   bandit experiment demo_checkout (one_page vs three_step)
-- Anonymous web visitors browse under a cookie before they sign up; login_links
-- ties the cookie to the customer.  Some visitors never sign up.
-- Size: psql variable layer_customers (default 2000); all dates 2025-01 .. 2026-06.
\if :{?layer_customers}
\else
\set layer_customers 2000
\endif

SET jit = off;

-- uniform [0, 1) from a key and a salt (md5, so the data is the same everywhere)
CREATE FUNCTION demo.rnd(k bigint, salt integer) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ('x' || substr(md5($1::text || '/' || $2::text), 1, 12))::bit(48)::int8 / 281474976710656.0 $$;

CREATE TABLE demo.crm_clients (
  "Client No" integer PRIMARY KEY,
  "Signed Up" date NOT NULL,
  "Tier" text NOT NULL,
  acquisition text NOT NULL,
  single_channel boolean NOT NULL
);
INSERT INTO demo.crm_clients
SELECT 1000 + i,
       date '2025-01-01' + floor(demo.rnd(i, 1) * 480)::int,
       CASE WHEN demo.rnd(i, 2) < 0.25 THEN 'loyal' WHEN demo.rnd(i, 2) < 0.75 THEN 'casual' ELSE 'browser' END,
       (ARRAY['organic', 'paid_search', 'social', 'organic', 'paid_search'])[1 + floor(demo.rnd(i, 3) * 5)::int],
       demo.rnd(i, 40) < CASE WHEN demo.rnd(i, 2) < 0.25 THEN 0.2 ELSE 0.5 END
FROM generate_series(1, :layer_customers) i;

-- purchases: loyal customers buy 3-8 times (a third of them stop after 2025),
-- casual ones 1-3 times with long gaps, browsers never; each customer has a
-- typical basket (0.3-1.7 times the tier's), each order varies +-30 % around it
CREATE TABLE demo.shop_orders (
  "Order#" bigint PRIMARY KEY,
  "Client No" integer NOT NULL,
  "Ordered At" timestamptz NOT NULL,
  "Total EUR" numeric(10, 2) NOT NULL,
  "Category" text NOT NULL,
  online boolean NOT NULL,
  "Cost EUR" numeric(10, 2)
);
INSERT INTO demo.shop_orders
SELECT row_number() OVER (ORDER BY o.ts, o.cno), o.cno, o.ts, o.amount, o.category, o.online,
       -- cost: 35-75 % of the amount, by category, +-10 %
       round(o.amount * (CASE o.category WHEN 'shoes' THEN 0.55 WHEN 'bags' THEN 0.4 WHEN 'jackets' THEN 0.65
                                         ELSE 0.45 END + 0.2 * (o.cost_r - 0.5))::numeric, 2)
FROM (
  SELECT c."Client No" AS cno,
         (c."Signed Up" + (k * p.gap + floor(demo.rnd(c."Client No" * 100 + k, 4) * p.gap * 0.6))::int)::timestamptz
           + make_interval(mins => (540 + floor(demo.rnd(c."Client No" * 100 + k, 5) * 660))::int) AS ts,
         round((p.base * (0.3 + 1.4 * demo.rnd(c."Client No", 41)) * (0.7 + 0.6 * demo.rnd(c."Client No" * 100 + k, 6)))::numeric, 2) AS amount,
         (ARRAY['shoes', 'bags', 'shirts', 'shoes', 'accessories', 'jackets'])
           [1 + floor(demo.rnd(c."Client No" * 100 + k, 7) * (CASE WHEN k = 0 THEN 2 ELSE 6 END))::int] AS category,
         demo.rnd(c."Client No" * 100 + k, 8) < 0.7 AS online,
         demo.rnd(c."Client No" * 100 + k, 50) AS cost_r,
         p.stop
  FROM demo.crm_clients c
  CROSS JOIN LATERAL (
    SELECT CASE c."Tier" WHEN 'loyal' THEN 3 + floor(demo.rnd(c."Client No", 9) * 6)::int
                         WHEN 'casual' THEN 1 + floor(demo.rnd(c."Client No", 9) * 3)::int
                         ELSE 0 END AS n,
           CASE c."Tier" WHEN 'loyal' THEN 25 + floor(demo.rnd(c."Client No", 10) * 40)::int
                         ELSE 90 + floor(demo.rnd(c."Client No", 10) * 120)::int END AS gap,
           CASE c."Tier" WHEN 'loyal' THEN 90 ELSE 55 END AS base,
           CASE WHEN c."Tier" = 'loyal' AND demo.rnd(c."Client No", 11) < 0.33
                THEN timestamptz '2026-01-01 00:00+00' ELSE timestamptz '2026-07-01 00:00+00' END AS stop
  ) p
  CROSS JOIN LATERAL generate_series(0, p.n - 1) k
) o
WHERE o.ts < o.stop
ORDER BY 1;

-- cookies: every customer browsed under cookie ck-<no>-a before signing up;
-- a third also use a second device (cookie b) after signing up
CREATE TABLE demo.login_links ("Cookie" text PRIMARY KEY, "Client No" integer NOT NULL);
INSERT INTO demo.login_links
SELECT 'ck-' || "Client No" || '-a', "Client No" FROM demo.crm_clients
UNION ALL
SELECT 'ck-' || "Client No" || '-b', "Client No" FROM demo.crm_clients
WHERE demo.rnd("Client No", 12) < 0.33;

-- web visits (single-channel customers -- a fifth of the loyal ones, half of the
-- others -- always come through their acquisition
-- channel and get no e-mail): (cookie, start, depth, channel); each visit is a page sequence
-- home -> product -> cart -> checkout, three minutes apart
CREATE TABLE demo.clickstream (
  cookie_id text NOT NULL,
  "Page" text NOT NULL,
  "Event Time" timestamp NOT NULL,
  utm_channel text,
  utm_campaign text
);
WITH visits AS (
  -- the visit that ends in an online order
  SELECT 'ck-' || o."Client No" || CASE WHEN l."Cookie" IS NOT NULL AND demo.rnd(o."Order#", 13) < 0.5
                                        THEN '-b' ELSE '-a' END AS cookie,
         (o."Ordered At" AT TIME ZONE 'UTC') - interval '10 minutes' AS start, 4 AS depth,
         CASE WHEN demo.rnd(o."Order#", 14) < 0.55 AND NOT c.single_channel THEN 'direct' ELSE c.acquisition END AS channel
  FROM demo.shop_orders o
  JOIN demo.crm_clients c USING ("Client No")
  LEFT JOIN demo.login_links l ON l."Cookie" = 'ck-' || o."Client No" || '-b'
  WHERE o.online
  UNION ALL
  -- browsing before signing up (cookie a, acquisition channel)
  SELECT 'ck-' || c."Client No" || '-a',
         (c."Signed Up" - (1 + floor(demo.rnd(c."Client No" * 10 + v, 15) * 20))::int)::timestamp
           + make_interval(mins => (480 + floor(demo.rnd(c."Client No" * 10 + v, 16) * 780))::int),
         1 + floor(demo.rnd(c."Client No" * 10 + v, 17) * 3)::int,
         c.acquisition
  FROM demo.crm_clients c
  CROSS JOIN LATERAL generate_series(1, 1 + floor(demo.rnd(c."Client No", 18) * 3)::int) v
  UNION ALL
  -- browsing after signing up
  SELECT 'ck-' || c."Client No" || CASE WHEN demo.rnd(c."Client No" * 10 + v, 19) < 0.4
                                         AND demo.rnd(c."Client No", 12) < 0.33 THEN '-b' ELSE '-a' END,
         (c."Signed Up" + floor(demo.rnd(c."Client No" * 10 + v, 20) * (date '2026-06-30' - c."Signed Up"))::int)::timestamp
           + make_interval(mins => (420 + floor(demo.rnd(c."Client No" * 10 + v, 21) * 900))::int),
         1 + floor(demo.rnd(c."Client No" * 10 + v, 22) * 3)::int,
         CASE WHEN c.single_channel THEN c.acquisition
              ELSE (ARRAY['direct', 'social', 'organic', 'direct'])[1 + floor(demo.rnd(c."Client No" * 10 + v, 23) * 4)::int] END
  FROM demo.crm_clients c
  CROSS JOIN LATERAL generate_series(1, floor(demo.rnd(c."Client No", 24) * 4)::int) v
  UNION ALL
  -- anonymous visitors who never sign up
  SELECT 'v-' || j,
         (date '2025-01-01' + floor(demo.rnd(j * 10 + v, 25) * 545)::int)::timestamp
           + make_interval(mins => (420 + floor(demo.rnd(j * 10 + v, 26) * 900))::int),
         1 + floor(demo.rnd(j * 10 + v, 27) * 3)::int,
         (ARRAY['organic', 'paid_search', 'social', 'direct'])[1 + floor(demo.rnd(j, 28) * 4)::int]
  FROM generate_series(1, :layer_customers / 2) j
  CROSS JOIN LATERAL generate_series(1, 1 + floor(demo.rnd(j, 29) * 3)::int) v
)
INSERT INTO demo.clickstream
SELECT v.cookie, (ARRAY['home', 'product', 'cart', 'checkout'])[s], v.start + (s - 1) * interval '3 minutes', v.channel,
       -- campaigns: paid search runs a brand and a generic campaign, social a
       -- November-December one and an always-on one
       CASE v.channel WHEN 'paid_search'
                      THEN (ARRAY['brand', 'generic'])[1 + floor(demo.rnd(extract(epoch FROM v.start)::bigint, 54) * 2)::int]
                      WHEN 'social' THEN CASE WHEN extract(month FROM v.start) >= 11 THEN 'holiday' ELSE 'always_on' END END
FROM visits v CROSS JOIN LATERAL generate_series(1, v.depth) s
ORDER BY 3, 1, 2;

-- e-mail: 60 % of the multi-channel customers get 1-6 campaign mails after signing up; some click
CREATE TABLE demo.email (recipient integer NOT NULL, action text NOT NULL, sent_at timestamptz NOT NULL);
INSERT INTO demo.email
SELECT c."Client No", a.action,
       (c."Signed Up" + floor(demo.rnd(c."Client No" * 10 + m, 30) * (date '2026-06-30' - c."Signed Up"))::int)::timestamptz
         + interval '7 hours' + a.lag
FROM demo.crm_clients c
CROSS JOIN LATERAL generate_series(1, 1 + floor(demo.rnd(c."Client No", 31) * 6)::int) m
CROSS JOIN LATERAL (VALUES ('email_open', interval '0'), ('email_click', interval '2 minutes')) a(action, lag)
WHERE demo.rnd(c."Client No", 32) < 0.6 AND NOT c.single_channel
  AND (a.action = 'email_open' OR demo.rnd(c."Client No" * 10 + m, 33) < 0.3)
ORDER BY 3, 1, 2;

-- NPS: 45 % of the buyers answer a survey a week after their first order
CREATE TABLE demo.nps_survey (
  "Response ID" integer PRIMARY KEY,
  "Client No" integer NOT NULL,
  "Submitted" timestamptz NOT NULL,
  "Q1 Score" smallint,
  "Channel" text,
  "Comment" text
);
INSERT INTO demo.nps_survey
SELECT row_number() OVER (ORDER BY f.first_order + interval '7 days', f.cno), f.cno,
       f.first_order + interval '7 days',
       CASE WHEN c."Tier" = 'loyal' THEN 6 + floor(demo.rnd(f.cno, 34) * 5)::int
            ELSE 4 + floor(demo.rnd(f.cno, 34) * 7)::int END,
       CASE WHEN demo.rnd(f.cno, 51) < 0.55 THEN 'email' WHEN demo.rnd(f.cno, 51) < 0.85 THEN 'in_app' ELSE 'call_center' END,
       CASE WHEN demo.rnd(f.cno, 52) < 0.3
            THEN (ARRAY['delivery', 'price', 'service', 'product'])[1 + floor(demo.rnd(f.cno, 53) * 4)::int] END
FROM (SELECT "Client No" AS cno, min("Ordered At") AS first_order FROM demo.shop_orders GROUP BY 1) f
JOIN demo.crm_clients c ON c."Client No" = f.cno
WHERE demo.rnd(f.cno, 35) < 0.45 AND f.first_order + interval '7 days' < timestamptz '2026-07-01 00:00+00';

-- the checkout experiment: every customer who reached the cart got a checkout
-- design (uniform split, seeded); one_page converts 14 %, three_step 10 %
SELECT cxm.bandit_seed(2026) \gset
SELECT cxm.bandit_create('demo_checkout', ARRAY['one_page', 'three_step'], 'uniform') \gset
SELECT count(*) FILTER (WHERE cxm.bandit_choose('demo_checkout', s) IS NOT NULL) AS assigned
FROM (SELECT DISTINCT 'c' || l."Client No" AS s
      FROM demo.clickstream w JOIN demo.login_links l ON l."Cookie" = w.cookie_id
      WHERE w."Page" = 'cart' ORDER BY 1) x \gset
SELECT count(*) FILTER (WHERE cxm.bandit_convert('demo_checkout', a.subject) IS NULL) AS converted
FROM (SELECT b.subject, r.arm FROM cxm.bandit_assignment b
      JOIN cxm.bandit_arm r USING (experiment, arm_no)
      WHERE b.experiment = 'demo_checkout' ORDER BY b.subject) a
WHERE demo.rnd(substr(a.subject, 2)::bigint, 36) < CASE a.arm WHEN 'one_page' THEN 0.14 ELSE 0.10 END \gset

ANALYZE demo.crm_clients, demo.shop_orders, demo.login_links, demo.clickstream, demo.email, demo.nps_survey;
