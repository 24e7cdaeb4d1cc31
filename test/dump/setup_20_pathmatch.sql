-- Path patterns: stored journeys, an expression index and a view using them
CREATE TABLE app.journeys (customer text PRIMARY KEY, path text[] NOT NULL, conversions float8 NOT NULL);
INSERT INTO app.journeys
SELECT 'c' || i,
       (SELECT array_agg((ARRAY['email','search','social','display','direct'])[1 + (i * 31 + k * 7 + k * k) % 5] ORDER BY k)
        FROM generate_series(1, 1 + i % 6) k),
       CASE WHEN i % 4 = 0 THEN 1 ELSE 0 END
FROM generate_series(1, 400) i;
CREATE INDEX journeys_email_search ON app.journeys (cxm.path_match(path, 'email .* search'));
CREATE VIEW app.journey_flags AS
  SELECT customer, cxm.path_match(path, '^search') AS starts_search,
         cxm.path_match_count(path, 'email') AS emails
  FROM app.journeys;
