-- Multi-touch attribution: attribution(path text[], conversions float8, model text)
SET extra_float_digits = 0;

-- run a statement, return its SQLSTATE and message (or 'ok')
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- the credits of one aggregate result as rows, rounded
CREATE FUNCTION pg_temp.show(r cxm.channel_credit[])
RETURNS TABLE (pos bigint, channel text, credit numeric) LANGUAGE sql AS $$
  SELECT u.ord, u.channel, round(u.credit::numeric, 12)
  FROM unnest(r) WITH ORDINALITY AS u(channel, credit, ord) ORDER BY u.ord
$$;

-- ---------------------------------------------------------------------------
-- heuristic models by hand
--   {a,b,c,d} 10, {b} 2, {c,a} 0 (does not convert), {b,b} 4; total 16
--   first_touch  a 10, b 2 + 4 = 6, c 0, d 0
--   last_touch   d 10, b 6, a 0, c 0
--   linear       each touch of {a,b,c,d} 2.5; b 2.5 + 2 + 2 + 2 = 8.5
--   position     {a,b,c,d}: 40 % first, 40 % last, 20 % over the 2 middle
--                touches: a 4, b 1, c 1, d 4; {b} 100 %: b 2; {b,b} 50/50:
--                b 2 + 2 -> a 4, b 7, c 1, d 4
-- ---------------------------------------------------------------------------
CREATE TABLE attr_hand (id int, path text[], conv float8);
INSERT INTO attr_hand VALUES (1, '{a,b,c,d}', 10), (2, '{b}', 2), (3, '{c,a}', 0), (4, '{b,b}', 4);
SELECT m AS model, s.*
FROM unnest(ARRAY['first_touch', 'last_touch', 'linear', 'position']) m,
     LATERAL pg_temp.show((SELECT cxm.attribution(path, conv, m) FROM attr_hand)) s;

-- ---------------------------------------------------------------------------
-- markov by hand: journeys {a,b} 1, {a,c} 0, {b} 1
--   transitions (each journey once): start->a 2, start->b 1, a->b 1, a->c 1,
--   b->conv 2, c->null 1.  Probabilities: start->a 2/3, start->b 1/3,
--   a->b 1/2, a->c 1/2, b->conv 1, c->null 1.
--   absorption: x_b = 1, x_c = 0, x_a = 1/2 x_b + 1/2 x_c = 1/2
--   P(conv) = 2/3 * 1/2 + 1/3 * 1 = 2/3
--   remove a (start->a goes to null): P = 1/3 * 1 = 1/3, RE(a) = 1 - (1/3)/(2/3) = 1/2
--   remove b (a->b and start->b go to null): P = 0, RE(b) = 1
--   remove c: x_a still 1/2, P = 2/3, RE(c) = 0
--   sum RE = 3/2; total conversions 2:
--   a = (1/2)/(3/2) * 2 = 2/3, b = 1/(3/2) * 2 = 4/3, c = 0
-- ---------------------------------------------------------------------------
SELECT * FROM pg_temp.show((
  SELECT cxm.attribution(p, c, 'markov')
  FROM (VALUES ('{a,b}'::text[], 1::float8), ('{a,c}', 0), ('{b}', 1)) v(p, c)));

-- markov with a cycle: {a,b,a} 1, {b,a} 0, {a} 0
--   counts: start->a 2, start->b 1; a->b 1, a->conv 1, a->null 2; b->a 2
--   a->b 1/4, a->conv 1/4, a->null 1/2, b->a 1
--   x_a = 1/4 x_b + 1/4, x_b = x_a  =>  x_a = x_b = 1/3;  P = 2/3 * 1/3 + 1/3 * 1/3 = 1/3
--   remove a: nothing reaches conv, RE(a) = 1
--   remove b: x_a = 1/4, P = 2/3 * 1/4 = 1/6, RE(b) = 1/2
--   one conversion: a = 1/(3/2) = 2/3, b = (1/2)/(3/2) = 1/3
SELECT * FROM pg_temp.show((
  SELECT cxm.attribution(p, c, 'markov')
  FROM (VALUES ('{a,b,a}'::text[], 1::float8), ('{b,a}', 0), ('{a}', 0)) v(p, c)));
-- repeated touches are self-loops; they do not change the markov credits
SELECT * FROM pg_temp.show((
  SELECT cxm.attribution(p, c, 'markov')
  FROM (VALUES ('{a,a,b,b,a}'::text[], 1::float8), ('{b,a,a}', 0), ('{a,a,a}', 0)) v(p, c)));
-- ... but linear credits every touch: {a,a,b} 3 gives a 2, b 1
SELECT * FROM pg_temp.show((SELECT cxm.attribution('{a,a,b}', 3, 'linear')));
-- conversions are weights of the credits, not of the chain: the same chain
-- with 10 instead of 1 conversion scales the markov credits by 10
SELECT * FROM pg_temp.show((
  SELECT cxm.attribution(p, c, 'markov')
  FROM (VALUES ('{a,b}'::text[], 7::float8), ('{a,c}', 0), ('{b}', 3)) v(p, c)));

-- ---------------------------------------------------------------------------
-- NULLs and edge cases
-- ---------------------------------------------------------------------------
-- no rows, only skipped rows -> NULL
SELECT cxm.attribution(path, conv, 'linear') IS NULL AS no_rows FROM attr_hand WHERE false;
SELECT cxm.attribution(p, c, 'markov') IS NULL AS all_skipped
FROM (VALUES (NULL::text[], 1::float8), ('{}', 1), ('{a}', NULL), ('{NULL,NULL}', 1)) v(p, c);
-- NULL elements are skipped: {NULL,a,NULL,b} is the journey {a,b}
SELECT * FROM pg_temp.show((SELECT cxm.attribution('{NULL,a,NULL,b}', 1, 'first_touch')));
SELECT * FROM pg_temp.show((SELECT cxm.attribution('{NULL,a,NULL,b}', 10, 'position')));
SELECT * FROM pg_temp.show((
  SELECT cxm.attribution(p, c, 'markov')
  FROM (VALUES ('{NULL,a,b}'::text[], 1::float8), ('{a,NULL,c,NULL}', 0), ('{b}', 1),
               (NULL, 5), ('{c}', NULL)) v(p, c)));
-- nothing converts: every channel, credit 0, by name
SELECT m AS model, s.*
FROM unnest(ARRAY['first_touch', 'markov']) m,
     LATERAL pg_temp.show((SELECT cxm.attribution(p, c, m)
                           FROM (VALUES ('{x,b}'::text[], 0::float8), ('{a}', 0)) v(p, c))) s;
-- zero-conversion journeys still list their channels; position with 3+ touches
SELECT * FROM pg_temp.show((
  SELECT cxm.attribution(p, c, 'position')
  FROM (VALUES ('{s,m1,m2,m3,m4,e}'::text[], 100::float8), ('{z}', 0)) v(p, c)));
-- ties ordered by channel in byte order ("C" collation); odd names survive
SELECT * FROM pg_temp.show((
  SELECT cxm.attribution(p, c, 'linear')
  FROM (VALUES ('{b,B,"",a,"x,y","q\"t",é}'::text[], 7::float8)) v(p, c)));
SELECT (cxm.attribution('{"x,y","q\"t"}', 2, 'last_touch'))::text AS composite_text;
-- fractional conversions
SELECT * FROM pg_temp.show((
  SELECT cxm.attribution(p, c, 'markov')
  FROM (VALUES ('{a,b}'::text[], 0.25::float8), ('{a,c}', 0), ('{b}', 0.5)) v(p, c)));

-- ---------------------------------------------------------------------------
-- errors
-- ---------------------------------------------------------------------------
SELECT pg_temp.err($$SELECT cxm.attribution('{a}', -1, 'linear')$$);
SELECT pg_temp.err($$SELECT cxm.attribution('{a}', -0.5, 'markov')$$);
SELECT pg_temp.err($$SELECT cxm.attribution('{a}', 'NaN', 'linear')$$);
SELECT pg_temp.err($$SELECT cxm.attribution('{a}', 'Infinity', 'first_touch')$$);
SELECT pg_temp.err($$SELECT cxm.attribution('{a}', 1, 'shapley')$$);
SELECT pg_temp.err($$SELECT cxm.attribution('{a}', 1, 'Linear')$$);
SELECT pg_temp.err($$SELECT cxm.attribution('{a}', 1, NULL)$$);
-- the model is checked on skipped rows too
SELECT pg_temp.err($$SELECT cxm.attribution(NULL, 1, 'nope')$$);
SELECT pg_temp.err($$SELECT cxm.attribution(p, 1, m)
                     FROM (VALUES ('{a}'::text[], 'linear'), ('{b}', 'markov')) v(p, m)$$);
SELECT pg_temp.err($$SELECT cxm.attribution('{{a,b},{c,d}}', 1, 'linear')$$);
SELECT pg_temp.err($$SELECT cxm.attribution(p, 1e308, 'position')
                     FROM (VALUES ('{a}'::text[]), ('{b}')) v(p)$$);
-- a negative value in a skipped row (NULL path) is not looked at
SELECT cxm.attribution(p, c, 'linear') IS NULL AS skipped
FROM (VALUES (NULL::text[], -1::float8)) v(p, c);
-- the support functions can only be called as part of an aggregate
SELECT pg_temp.err($$SELECT cxm.attribution_final(NULL)$$);

-- ---------------------------------------------------------------------------
-- heuristic models against plain SQL on thousands of journeys in 20 groups
-- ---------------------------------------------------------------------------
CREATE TABLE attr_journeys AS
SELECT i, i % 20 AS grp,
       (SELECT array_agg(CASE WHEN (i * 13 + k * 7) % 29 = 0 THEN NULL
                              ELSE 'c' || ((i * 2654435761 + k * 40503 + i * k * 97) % 1000003)
                                          % (3 + (i % 20) % 6) END ORDER BY k)
        FROM generate_series(1, 1 + (i * 7919) % 7) k) AS path,
       CASE WHEN (i * 104729) % 10 < 3 THEN ((i * 31) % 5 + 1)::float8
            WHEN (i * 104729) % 10 = 3 THEN 0.5 ELSE 0 END AS conv
FROM generate_series(1, 12000) i;
UPDATE attr_journeys SET path = NULL WHERE i % 211 = 0;
UPDATE attr_journeys SET conv = NULL WHERE i % 223 = 0;
ANALYZE attr_journeys;

CREATE TABLE attr_plain AS
WITH t AS (
  SELECT j.grp, j.i, j.conv, u.ch,
         row_number() OVER (PARTITION BY j.i ORDER BY u.ord) AS pos,
         count(*) OVER (PARTITION BY j.i) AS len
  FROM attr_journeys j, unnest(j.path) WITH ORDINALITY AS u(ch, ord)
  WHERE u.ch IS NOT NULL AND j.conv IS NOT NULL
)
SELECT grp, ch AS channel,
       sum(CASE WHEN pos = 1 THEN conv ELSE 0 END) AS first_touch,
       sum(CASE WHEN pos = len THEN conv ELSE 0 END) AS last_touch,
       sum(conv / len) AS linear,
       sum(conv * CASE WHEN len = 1 THEN 1 WHEN len = 2 THEN 0.5
                       WHEN pos = 1 OR pos = len THEN 0.4
                       ELSE 0.2 / (len - 2) END) AS position
FROM t GROUP BY grp, ch;

CREATE TABLE attr_ours AS
SELECT grp, m AS model, u.channel, u.credit, u.ord
FROM (SELECT grp, m, cxm.attribution(path, conv, m) AS r
      FROM attr_journeys, unnest(ARRAY['first_touch', 'last_touch', 'linear', 'position']) m
      GROUP BY grp, m) x,
     unnest(x.r) WITH ORDINALITY AS u(channel, credit, ord);

WITH p AS (
  SELECT grp, channel, m AS model,
         CASE m WHEN 'first_touch' THEN first_touch WHEN 'last_touch' THEN last_touch
                WHEN 'linear' THEN linear ELSE position END AS credit
  FROM attr_plain, unnest(ARRAY['first_touch', 'last_touch', 'linear', 'position']) m
)
SELECT count(*) AS rows,
       count(*) FILTER (WHERE o.channel IS NULL OR p.channel IS NULL) AS missing,
       count(*) FILTER (WHERE abs(o.credit - p.credit) > 1e-9) AS mismatch,
       count(DISTINCT o.grp) AS groups
FROM attr_ours o FULL JOIN p USING (grp, model, channel);

-- credits sum to the total conversions of the converting journeys, per group
WITH tot AS (
  SELECT grp, sum(conv) FILTER (WHERE conv > 0) AS total
  FROM attr_journeys WHERE cardinality(array_remove(path, NULL)) > 0
  GROUP BY grp
), s AS (
  SELECT grp, model, sum(credit) AS credits FROM attr_ours GROUP BY grp, model
)
SELECT count(*) AS group_models,
       count(*) FILTER (WHERE abs(s.credits - tot.total) > 1e-9) AS sum_mismatch
FROM s JOIN tot USING (grp);

-- results are ordered by credit descending, then channel
SELECT count(*) AS out_of_order
FROM (SELECT credit, channel, lag(credit) OVER w AS pc, lag(channel) OVER w AS pch
      FROM attr_ours WINDOW w AS (PARTITION BY grp, model ORDER BY ord)) x
WHERE pc < credit OR (pc = credit AND pch COLLATE "C" >= channel COLLATE "C");

-- ---------------------------------------------------------------------------
-- markov against an independent solve: transition counts in SQL, absorption
-- probabilities by Gauss-Seidel iteration to convergence in plpgsql, one
-- chain per removed channel (the extension uses one LU factorisation)
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.markov_ref(g int) RETURNS TABLE (channel text, credit float8)
LANGUAGE plpgsql AS $$
DECLARE
  chans text[];
  n int;
  total float8;
  tf int[]; tt int[]; tc float8[];     -- from, to, count; 0 start, 1..n, n+1 conv, n+2 null
  outsum float8[];
  x float8[];
  re float8[];
  p_base float8;
  p float8;
  d float8;
  v float8;
  ci int; k int; r int; it int;
  sre float8 := 0;
BEGIN
  SELECT array_agg(DISTINCT e ORDER BY e) INTO chans
  FROM attr_journeys j, unnest(j.path) e
  WHERE j.grp = g AND e IS NOT NULL AND j.conv IS NOT NULL;
  n := cardinality(chans);
  SELECT sum(conv) FILTER (WHERE conv > 0) INTO total
  FROM attr_journeys j
  WHERE j.grp = g AND j.conv IS NOT NULL AND cardinality(array_remove(j.path, NULL)) > 0;
  WITH steps AS (
    SELECT j.i, j.conv, s.st, row_number() OVER (PARTITION BY j.i ORDER BY s.ord) AS pos
    FROM attr_journeys j,
         unnest(array_prepend(0, (SELECT array_agg(array_position(chans, e) ORDER BY o)
                                  FROM unnest(j.path) WITH ORDINALITY q(e, o)
                                  WHERE e IS NOT NULL))
                || CASE WHEN j.conv > 0 THEN n + 1 ELSE n + 2 END) WITH ORDINALITY s(st, ord)
    WHERE j.grp = g AND j.conv IS NOT NULL AND cardinality(array_remove(j.path, NULL)) > 0
  ), tr AS (
    SELECT st AS f, lead(st) OVER (PARTITION BY i ORDER BY pos) AS t FROM steps
  )
  SELECT array_agg(f ORDER BY f, t), array_agg(t ORDER BY f, t), array_agg(c ORDER BY f, t)
  INTO tf, tt, tc
  FROM (SELECT f, t, count(*)::float8 AS c FROM tr WHERE t IS NOT NULL GROUP BY f, t) z;
  outsum := array_fill(0::float8, ARRAY[n + 1], ARRAY[0]);
  FOR k IN 1 .. cardinality(tf) LOOP
    outsum[tf[k]] := outsum[tf[k]] + tc[k];
  END LOOP;
  re := array_fill(0::float8, ARRAY[n]);
  FOR r IN 0 .. n LOOP                  -- r = 0: nothing removed
    x := array_fill(0::float8, ARRAY[n + 2], ARRAY[0]);
    FOR it IN 1 .. 100000 LOOP
      d := 0;
      FOR ci IN 1 .. n LOOP
        IF ci = r THEN CONTINUE; END IF;
        v := 0;
        FOR k IN 1 .. cardinality(tf) LOOP
          IF tf[k] = ci THEN
            IF tt[k] = n + 1 THEN v := v + tc[k];
            ELSIF tt[k] <= n AND tt[k] <> r THEN v := v + tc[k] * x[tt[k]];
            END IF;
          END IF;
        END LOOP;
        v := v / outsum[ci];
        d := greatest(d, abs(v - x[ci]));
        x[ci] := v;
      END LOOP;
      EXIT WHEN d < 1e-17;
    END LOOP;
    p := 0;
    FOR k IN 1 .. cardinality(tf) LOOP
      IF tf[k] = 0 AND tt[k] <> r THEN p := p + tc[k] * x[tt[k]]; END IF;
    END LOOP;
    p := p / outsum[0];
    IF r = 0 THEN p_base := p;
    ELSIF p_base > 0 THEN re[r] := 1 - p / p_base; sre := sre + re[r];
    END IF;
  END LOOP;
  FOR ci IN 1 .. n LOOP
    channel := chans[ci];
    credit := CASE WHEN coalesce(total, 0) > 0 THEN re[ci] / sre * total ELSE 0 END;
    RETURN NEXT;
  END LOOP;
END $$;

CREATE TABLE attr_markov_ours AS
SELECT grp, u.channel, u.credit
FROM (SELECT grp, cxm.attribution(path, conv, 'markov') AS r FROM attr_journeys GROUP BY grp) x,
     unnest(x.r) AS u(channel, credit);
SELECT count(*) AS rows,
       count(*) FILTER (WHERE o.channel IS NULL OR r.channel IS NULL) AS missing,
       count(*) FILTER (WHERE abs(o.credit - r.credit) > 1e-9) AS mismatch,
       count(DISTINCT grp) AS groups,
       round(sum(o.credit)::numeric, 6) = round(sum(r.credit)::numeric, 6) AS same_total
FROM attr_markov_ours o
FULL JOIN (SELECT g AS grp, m.* FROM generate_series(0, 19) g, pg_temp.markov_ref(g) m) r
  USING (grp, channel);
-- one group in full
SELECT o.channel, round(o.credit::numeric, 9) AS ours, round(r.credit::numeric, 9) AS reference
FROM (SELECT (unnest(cxm.attribution(path, conv, 'markov'))).* FROM attr_journeys WHERE grp = 7) o
JOIN pg_temp.markov_ref(7) r USING (channel)
ORDER BY o.credit DESC, o.channel;

-- collapsing repeated touches does not change markov credits
WITH c AS (
  SELECT j.i, j.grp, j.conv,
         (SELECT array_agg(e ORDER BY o) FROM
            (SELECT e, o, lag(e) OVER (ORDER BY o) AS prev
             FROM unnest(array_remove(j.path, NULL)) WITH ORDINALITY q(e, o)) z
          WHERE prev IS NULL OR prev <> e) AS path
  FROM attr_journeys j
)
SELECT count(*) AS rows, count(*) FILTER (WHERE abs(a.credit - b.credit) > 1e-9) AS mismatch
FROM attr_markov_ours a
JOIN (SELECT grp, u.* FROM (SELECT grp, cxm.attribution(path, conv, 'markov') r FROM c GROUP BY grp) x,
        unnest(x.r) u) b USING (grp, channel);

-- the row order does not matter
SELECT count(*) AS groups_differing
FROM (SELECT grp, cxm.attribution(path, conv, 'markov') AS r
      FROM (SELECT * FROM attr_journeys ORDER BY i DESC) j GROUP BY grp) a
JOIN (SELECT grp, cxm.attribution(path, conv, 'markov') AS r
      FROM (SELECT * FROM attr_journeys ORDER BY md5(i::text)) j GROUP BY grp) b USING (grp)
WHERE a.r <> b.r;

-- credits sum to the conversions, markov too (over all 12000 journeys)
SELECT round(sum((u).credit)::numeric, 6) AS credits,
       (SELECT round(sum(conv)::numeric, 6) FROM attr_journeys
        WHERE conv > 0 AND cardinality(array_remove(path, NULL)) > 0) AS conversions,
       count(*) AS channels
FROM (SELECT unnest(cxm.attribution(path, conv, 'markov')) AS u FROM attr_journeys) x;

-- hundreds of channels (and the limit of the dense solve)
SELECT count(*) AS channels, round(sum((u).credit)::numeric, 6) AS credits,
       count(*) FILTER (WHERE (u).credit > 0) AS credited
FROM (SELECT unnest(cxm.attribution(
        ARRAY['n' || (i % 300), 'n' || ((i * 7) % 300), 'n' || ((i * 13 + 5) % 300)],
        (i % 4 = 0)::int, 'markov')) AS u
      FROM generate_series(1, 6000) i) x;

SELECT pg_temp.err($$SELECT cxm.attribution(ARRAY['x' || i], 1, 'markov')
                     FROM generate_series(1, 5001) i$$);
-- the heuristic models have no such limit
SELECT cardinality(cxm.attribution(ARRAY['x' || i], 1, 'linear')) AS channels
FROM generate_series(1, 5001) i;

-- ---------------------------------------------------------------------------
-- parallel plans: Partial Aggregate with combine/serial/deserial, same result
-- ---------------------------------------------------------------------------
CREATE TABLE attr_big AS SELECT j.* FROM attr_journeys j, generate_series(1, 5) r;
ANALYZE attr_big;
CREATE TABLE attr_serial_result AS
SELECT cxm.attribution(path, conv, 'first_touch') AS ft, cxm.attribution(path, conv, 'last_touch') AS lt,
       cxm.attribution(path, conv, 'linear') AS li, cxm.attribution(path, conv, 'position') AS po,
       cxm.attribution(path, conv, 'markov') AS mk
FROM attr_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE FUNCTION pg_temp.same(a cxm.channel_credit[], b cxm.channel_credit[]) RETURNS boolean
LANGUAGE sql AS $$
  SELECT cardinality(a) = cardinality(b) AND NOT EXISTS (
    SELECT 1 FROM unnest(a) WITH ORDINALITY x(ch, cr, o) JOIN unnest(b) WITH ORDINALITY y(ch, cr, o) USING (o)
    WHERE x.ch <> y.ch OR abs(x.cr - y.cr) > 1e-9 * (1 + abs(x.cr)))
$$;
EXPLAIN (COSTS OFF)
SELECT cxm.attribution(path, conv, 'first_touch'), cxm.attribution(path, conv, 'last_touch'),
       cxm.attribution(path, conv, 'linear'), cxm.attribution(path, conv, 'position'),
       cxm.attribution(path, conv, 'markov')
FROM attr_big;
-- markov sums integer counts and conversions that are multiples of 0.5:
-- bit for bit the same; the heuristic sums may differ in the last bits
SELECT pg_temp.same(p.ft, s.ft) AS first_touch, pg_temp.same(p.lt, s.lt) AS last_touch,
       pg_temp.same(p.li, s.li) AS linear, pg_temp.same(p.po, s.po) AS position,
       p.mk = s.mk AS markov_identical, cardinality(p.mk) AS channels
FROM (SELECT cxm.attribution(path, conv, 'first_touch') AS ft, cxm.attribution(path, conv, 'last_touch') AS lt,
             cxm.attribution(path, conv, 'linear') AS li, cxm.attribution(path, conv, 'position') AS po,
             cxm.attribution(path, conv, 'markov') AS mk
      FROM attr_big) p, attr_serial_result s;
EXPLAIN (COSTS OFF)
SELECT grp, cxm.attribution(path, conv, 'linear') FROM attr_big GROUP BY grp;
SELECT count(*) AS groups_differing
FROM (SELECT grp, cxm.attribution(path, conv, 'markov') AS r FROM attr_big GROUP BY grp) p
JOIN attr_markov_ours o USING (grp)
WHERE NOT EXISTS (SELECT 1 FROM unnest(p.r) u WHERE u.channel = o.channel
                  AND abs(u.credit - 5 * o.credit) < 1e-9);
-- paths with counts: attr_big grouped by distinct path (and by whether the
-- journeys converted) gives the row-per-journey answer of attr_serial_result
-- for every model, also in a parallel plan; Markov bit for bit (integer
-- counts, conversions that are multiples of 0.5)
CREATE TABLE attr_counts AS
SELECT path, conv > 0 AS converted, count(*) AS journeys, sum(conv) AS conv
FROM attr_big WHERE path IS NOT NULL AND conv IS NOT NULL GROUP BY 1, 2;
ANALYZE attr_counts;
SELECT count(*) < (SELECT count(*) FROM attr_big) / 4 AS fewer_rows FROM attr_counts;
EXPLAIN (COSTS OFF)
SELECT cxm.attribution(path, conv, 'markov', journeys) FROM attr_counts;
SELECT pg_temp.same(p.ft, s.ft) AS first_touch, pg_temp.same(p.lt, s.lt) AS last_touch,
       pg_temp.same(p.li, s.li) AS linear, pg_temp.same(p.po, s.po) AS position,
       p.mk = s.mk AS markov_identical
FROM (SELECT cxm.attribution(path, conv, 'first_touch', journeys) AS ft,
             cxm.attribution(path, conv, 'last_touch', journeys) AS lt,
             cxm.attribution(path, conv, 'linear', journeys) AS li,
             cxm.attribution(path, conv, 'position', journeys) AS po,
             cxm.attribution(path, conv, 'markov', journeys) AS mk
      FROM attr_counts) p, attr_serial_result s;
-- journeys must be at least 1 (22023, naming the value); NULL skips the row
SELECT pg_temp.err($$SELECT cxm.attribution(ARRAY['a'], 1, 'linear', 0)$$);
SELECT pg_temp.err($$SELECT cxm.attribution(ARRAY['a'], 1, 'markov', -3)$$);
SELECT cxm.attribution(path, conv, 'linear', j)::text AS null_journeys_skipped
FROM (VALUES (ARRAY['a', 'b'], 2.0::float8, 3::int8), (ARRAY['c'], 5.0, NULL)) v(path, conv, j);
-- the model check survives partial aggregation
SELECT left(pg_temp.err($$SELECT cxm.attribution(path, conv,
                       CASE WHEN i = 11999 THEN 'linear' ELSE 'markov' END) FROM attr_big$$), 5) AS sqlstate;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- as a window aggregate: a running frame calls the final function on a
-- growing state, which it must not change
SELECT id, path, conv,
       (cxm.attribution(path, conv, 'first_touch') OVER (ORDER BY id))::text AS running
FROM attr_hand ORDER BY id;
SELECT id, (cxm.attribution(path, conv, 'markov') OVER (ORDER BY id ROWS 1 PRECEDING))::text AS moving
FROM attr_hand ORDER BY id;

DROP TABLE attr_hand, attr_journeys, attr_plain, attr_ours, attr_markov_ours, attr_big,
  attr_serial_result, attr_counts;
