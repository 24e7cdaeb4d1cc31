-- Path patterns: path_match and path_match_count

-- run a statement, return its SQLSTATE and message (or 'ok')
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- the example of doc/path_match.md
SELECT p AS path, cxm.path_match(p, '^ad_click _{0,3} cart checkout') AS match
FROM (VALUES ('{ad_click,search,cart,checkout}'::text[]),
             ('{ad_click,search,product,product,cart,checkout,thanks}'),
             ('{ad_click,a,b,c,d,cart,checkout}'),
             ('{email,ad_click,cart,checkout}'),
             ('{ad_click,NULL,cart,checkout}')) v(p);

-- hand-checked cases: expected values worked out by hand in the last two columns
SELECT pat, path, cxm.path_match(path, pat) AS match, want_match,
       cxm.path_match_count(path, pat) AS count, want_count
FROM (VALUES
  ('a b',            '{x,a,b,y}'::text[],   true,  1),
  ('a b',            '{a,x,b}',             false, 0),
  ('a',              '{a,a,b,a}',           true,  3),
  ('a a',            '{a,a,a,a,a}',         true,  2),
  ('^a',             '{a,a,a}',             true,  1),
  ('a$',             '{a,a,a}',             true,  1),
  ('^a b$',          '{a,b}',               true,  1),
  ('^a b$',          '{a,b,b}',             false, 0),
  ('a*',             '{a,b}',               true,  3),
  ('b?',             '{a,b,a}',             true,  4),
  ('',               '{a,b}',               true,  3),
  ('',               '{}',                  true,  1),
  ('a',              '{}',                  false, 0),
  ('^$',             '{}',                  true,  1),
  ('a|a b',          '{a,b,a,b}',           true,  2),
  ('a _* b',         '{a,a,b,a,b}',         true,  1),
  ('_',              '{a,NULL,b}',          true,  3),
  ('[^a]',           '{a,NULL,b}',          true,  1),
  ('[^a b]',         '{a,NULL,b}',          false, 0),
  ('a _ b',          '{a,NULL,b}',          true,  1),
  ('a [^x] b',       '{a,NULL,b}',          false, 0),
  ('[a b]{2}',       '{a,b,b,a,c}',         true,  2),
  ('(cart|checkout){2}', '{cart,checkout,cart}', true, 1),
  ('(^a|b) c',       '{x,a,c,b,c}',         true,  1),
  ('a ($|b)',        '{a,c,a}',             true,  1),
  ('"Add to cart" checkout', '{"Add to cart",checkout}', true, 1),
  ('"say ""hi"""',   '{"say \"hi\""}',      true,  1),
  ('Cart',           '{cart}',              false, 0),
  ('"" x',           '{"",x}',              true,  1),
  ('été',            '{été}',               true,  1)
) v(pat, path, want_match, want_count);

-- NULL arguments give NULL (strict); NULL elements are matched only by _
SELECT cxm.path_match(NULL, 'a') IS NULL AS null_path,
       cxm.path_match('{a}', NULL) IS NULL AS null_pattern,
       cxm.path_match_count(NULL, 'a') IS NULL AS null_path_count,
       cxm.path_match_count('{a}', NULL) IS NULL AS null_pattern_count;
SELECT cxm.path_match('{NULL,NULL}', '^_ _$') AS two_wildcards,
       cxm.path_match('{NULL}', '"NULL"') AS null_is_not_a_name,
       cxm.path_match_count('{NULL,a,NULL}', '[^b]') AS not_b_skips_nulls;

-- malformed patterns: 2201B naming the position
SELECT pat, pg_temp.err(format('SELECT cxm.path_match(%L, %L)', '{a}', pat)) AS error
FROM (VALUES ('a (b'), ('a b)'), ('[a b'), ('x []'), ('[a (b)]'), ('[_ a]'), ('* a'),
             ('a | *'), ('^*'), ('a**'), ('a{2}{3}'), ('a{'), ('a{x}'), ('a{3,2}'),
             ('a{1001}'), ('a{2,3'), ('b "abc'), ('a ! b'), ('a ]'), ('été ('),
             ('(a{1000}){1000}')) v(pat);
SELECT pg_temp.err('SELECT cxm.path_match_count(''{a}'', ''(a|'')') AS count_error;
SELECT pg_temp.err('SELECT cxm.path_match(''{{a,b},{c,d}}'', ''a'')') AS two_dimensional;
-- the limits themselves are fine
SELECT cxm.path_match(array_fill('a'::text, ARRAY[1000]), '^a{1000}$') AS thousand,
       cxm.path_match(array_fill('a'::text, ARRAY[999]), '^a{1000}$') AS short_by_one;

-- linear time: (a|a a)* b over 200,000 a's (a backtracking matcher never returns)
SELECT cxm.path_match(array_fill('a'::text, ARRAY[200000]), '(a|a a)* b') AS no_b,
       cxm.path_match(array_fill('a'::text, ARRAY[200000]) || '{b}'::text[], '(a|a a)* b') AS with_b,
       cxm.path_match_count(array_fill('a'::text, ARRAY[200000]) || '{b}'::text[], '(a|a a)* b') AS count_with_b,
       cxm.path_match_count(array_fill('a'::text, ARRAY[200000]), 'a | a _* b') AS count_a;

-- the compiled pattern is cached per call site: many rows, one or several patterns
CREATE TABLE journeys AS
SELECT i, ARRAY['home', CASE WHEN i % 3 = 0 THEN 'cart' ELSE 'search' END,
                CASE WHEN i % 5 = 0 THEN 'checkout' ELSE 'home' END] AS path
FROM generate_series(1, 300) i;
SELECT count(*) FILTER (WHERE cxm.path_match(path, 'cart checkout')) AS cart_checkout,
       count(*) FILTER (WHERE i % 15 = 0) AS want,
       sum(cxm.path_match_count(path, 'home')) AS homes,
       sum(1 + (i % 5 <> 0)::int) AS want_homes
FROM journeys;
SELECT count(*) FILTER (WHERE cxm.path_match(path, CASE WHEN i % 2 = 0 THEN 'cart' ELSE 'search' END)) AS alternating,
       count(*) FILTER (WHERE (i % 2 = 0 AND i % 3 = 0) OR (i % 2 = 1 AND i % 3 <> 0)) AS want
FROM journeys;

-- ---------------------------------------------------------------------------
-- Randomized comparison with PostgreSQL's regex engine.  Touchpoints a b c d
-- and NULL become the letters a b c d n of a string; a pattern is generated
-- together with its POSIX translation (names -> letters, _ -> ., [a b] -> [ab],
-- [^a b] -> [^abn] since [^ ] never matches NULL), then path_match is compared
-- with ~ and path_match_count with regexp_count.
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.gen(depth int, seq int, top int, OUT pat text, OUT re text)
LANGUAGE plpgsql AS $$
DECLARE
  r float8 := random();
  k int;
  x record;
  y record;
  lo int;
  hi int;
  q text;
  sp text := CASE WHEN random() < 0.3 THEN ' ' ELSE '' END;
BEGIN
  IF depth <= 0 OR r < 0.35 THEN
    k := floor(random() * 10)::int;
    IF k < 4 THEN
      pat := substr('abca', k + 1, 1); re := pat;
    ELSIF k = 4 THEN
      pat := '_'; re := '.';
    ELSIF k = 5 THEN
      pat := '[a b]'; re := '[ab]';
    ELSIF k = 6 THEN
      pat := '[ c ]'; re := '[c]';
    ELSIF k = 7 THEN
      pat := '[^a]'; re := '[^an]';
    ELSIF k = 8 THEN
      pat := '[^b c]'; re := '[^bcn]';
    ELSE
      pat := '"b"'; re := 'b';
    END IF;
  ELSIF r < 0.6 THEN
    x := pg_temp.gen(depth - 1, seq, top);
    y := pg_temp.gen(depth - 1, seq, top);
    pat := x.pat || ' ' || y.pat; re := x.re || y.re;
  ELSIF r < 0.75 THEN
    x := pg_temp.gen(depth - 1, seq, top);
    y := pg_temp.gen(depth - 1, seq, top);
    IF random() < 0.1 THEN
      pat := '(' || x.pat || sp || '|)'; re := '(' || x.re || '|)';
    ELSE
      pat := '(' || x.pat || sp || '|' || sp || y.pat || ')'; re := '(' || x.re || '|' || y.re || ')';
    END IF;
    -- now and then an anchor inside a group
    IF random() < 0.05 THEN
      pat := '(^' || sp || pat || ')'; re := '(^' || re || ')';
    ELSIF random() < 0.05 THEN
      pat := '(' || pat || sp || '$)'; re := '(' || re || '$)';
    END IF;
  ELSE
    x := pg_temp.gen(depth - 1, seq, top);
    k := floor(random() * 6)::int;
    lo := floor(random() * 3)::int;
    hi := lo + floor(random() * 3)::int;
    q := CASE k WHEN 0 THEN '*' WHEN 1 THEN '+' WHEN 2 THEN '?'
                WHEN 3 THEN '{' || lo || '}' WHEN 4 THEN '{' || lo || ',}'
                ELSE '{' || lo || ',' || hi || '}' END;
    pat := '(' || x.pat || ')' || sp || q; re := '(' || x.re || ')' || q;
  END IF;
  IF depth = top THEN
    IF random() < 0.15 THEN pat := '^' || sp || pat; re := '^' || re; END IF;
    IF random() < 0.15 THEN pat := pat || sp || '$'; re := re || '$'; END IF;
  END IF;
END $$;

CREATE FUNCTION pg_temp.gen_path(seq int, maxlen int) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  n int := floor(random() * (maxlen + 1))::int;
  p text[] := '{}';
  r float8;
BEGIN
  FOR i IN 1..n LOOP
    r := random();
    p := p || CASE WHEN r < 0.3 THEN 'a' WHEN r < 0.55 THEN 'b' WHEN r < 0.75 THEN 'c'
                   WHEN r < 0.9 THEN 'd' ELSE NULL END;
  END LOOP;
  RETURN p;
END $$;

SELECT setseed(0.2026);
CREATE TABLE rpat AS SELECT i, g.pat, g.re FROM generate_series(1, 400) i, LATERAL pg_temp.gen(3, i, 3) g;
-- a second batch of deeper patterns
INSERT INTO rpat SELECT i, g.pat, g.re FROM generate_series(401, 600) i, LATERAL pg_temp.gen(5, i, 5) g;
CREATE TABLE rpath AS
SELECT j, p AS path, array_to_string(ARRAY(SELECT coalesce(e, 'n') FROM unnest(p) e), '') AS str
FROM generate_series(1, 80) j, LATERAL pg_temp.gen_path(j, CASE WHEN j <= 60 THEN 10 ELSE 25 END) p;

SELECT count(DISTINCT pat) AS patterns, count(DISTINCT re) AS regexes FROM rpat;
SELECT count(*) AS paths, count(*) FILTER (WHERE path = '{}') AS empty,
       count(*) FILTER (WHERE array_position(path, NULL) IS NOT NULL) AS with_null
FROM rpath;
SELECT i, pat, re FROM rpat WHERE i <= 12 OR i BETWEEN 401 AND 404 ORDER BY i;
SELECT count(*) FILTER (WHERE replace(pat, '[^', '[') LIKE '%^%') AS with_bol, count(*) FILTER (WHERE pat LIKE '%$%') AS with_eol FROM rpat;

CREATE TABLE rcmp AS
SELECT q.i, p.j, q.pat, q.re, p.path, p.str,
       cxm.path_match(p.path, q.pat) AS ours, p.str ~ q.re AS theirs,
       cxm.path_match_count(p.path, q.pat) AS ours_n, regexp_count(p.str, q.re) AS theirs_n
FROM rpat q CROSS JOIN rpath p;
SELECT count(*) AS comparisons,
       count(*) FILTER (WHERE theirs) AS matching,
       count(*) FILTER (WHERE theirs_n > 1) AS several,
       count(*) FILTER (WHERE ours IS DISTINCT FROM theirs) AS match_mismatches,
       count(*) FILTER (WHERE ours_n IS DISTINCT FROM theirs_n) AS count_mismatches
FROM rcmp;
-- any mismatch in detail (none expected)
SELECT * FROM rcmp WHERE ours IS DISTINCT FROM theirs OR ours_n IS DISTINCT FROM theirs_n
ORDER BY i, j LIMIT 10;
