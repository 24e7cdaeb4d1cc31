-- NPS: answers, a view and a materialized view over the aggregates, stored
-- nps_result values (a column of the extension's composite type).
CREATE TABLE app.survey (id int PRIMARY KEY, channel text NOT NULL, day date NOT NULL, score int);
INSERT INTO app.survey
SELECT i, (ARRAY['web','app','store'])[1 + i % 3], date '2026-01-01' + (i % 40),
       CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 7 + i / 5) % 11 END
FROM generate_series(1, 3000) i;
CREATE VIEW app.nps_by_channel AS
  SELECT channel, cxm.nps_agg(score) AS nps, cxm.nps_stats(score) AS stats,
         cxm.csat_agg(1 + score / 3, 4) AS csat
  FROM app.survey GROUP BY channel;
CREATE MATERIALIZED VIEW app.nps_daily AS
  SELECT day, cxm.nps_agg(score) OVER (ORDER BY day RANGE BETWEEN '6 days' PRECEDING AND CURRENT ROW) AS nps7
  FROM (SELECT DISTINCT day FROM app.survey) d LEFT JOIN app.survey s USING (day);
CREATE TABLE app.nps_snapshot (channel text PRIMARY KEY, taken date, result cxm.nps_result);
INSERT INTO app.nps_snapshot SELECT channel, date '2026-02-10', stats FROM app.nps_by_channel;
-- a column default and a check constraint that call the extension
CREATE TABLE app.answer_cat (score int CHECK (cxm.nps_category(score) IS NOT NULL),
                             cat text GENERATED ALWAYS AS (cxm.nps_category(score)) STORED);
INSERT INTO app.answer_cat (score) SELECT s FROM generate_series(0, 10) s;
