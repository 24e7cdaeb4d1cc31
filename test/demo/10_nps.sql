-- NPS demo: 6 months of survey answers across four channels, deterministic.
-- Each channel has its own answer mix; the app channel improves over time.
CREATE TABLE demo.survey_answers AS
SELECT i AS answer_id,
       (ARRAY['web', 'app', 'store', 'call_center'])[1 + i % 4] AS channel,
       date '2026-01-01' + (i * 37 % 181) AS answered_on,
       CASE
         WHEN h < 0.08 + 0.04 * (i % 4) THEN NULL           -- skipped the question
         ELSE LEAST(10, GREATEST(0, round(
                (ARRAY[7.6, 7.9, 8.4, 6.9])[1 + i % 4]
                + CASE WHEN i % 4 = 1 THEN (i * 37 % 181) / 90.0 ELSE 0 END
                + 2.2 * sqrt(-2 * ln(h2)) * cos(6.283185307 * h3))))::int
       END AS score
FROM (SELECT i,
             ((i::int8 * 2654435761) % 1000003) / 1000003.0 AS h,
             ((i::int8 * 40503 + 17) % 999983 + 1) / 999984.0 AS h2,
             ((i::int8 * 69069 + 3) % 1000033) / 1000033.0 AS h3
      FROM generate_series(1, 6000) i) s;

\echo
\echo '== NPS by channel, with 95 % intervals (cxm.nps_stats) =='
SELECT channel, (s).n, (s).promoters, (s).passives, (s).detractors,
       round((s).nps::numeric, 1) AS nps, round((s).std_error::numeric, 2) AS se,
       round((s).ci_low::numeric, 1) AS ci_low, round((s).ci_high::numeric, 1) AS ci_high
FROM (SELECT channel, cxm.nps_stats(score) AS s
      FROM demo.survey_answers GROUP BY channel) x
ORDER BY nps DESC;

\echo '== NPS by month and channel (cxm.nps_agg) =='
SELECT to_char(date_trunc('month', answered_on), 'YYYY-MM') AS month,
       round(cxm.nps_agg(score) FILTER (WHERE channel = 'web')::numeric, 1) AS web,
       round(cxm.nps_agg(score) FILTER (WHERE channel = 'app')::numeric, 1) AS app,
       round(cxm.nps_agg(score) FILTER (WHERE channel = 'store')::numeric, 1) AS store,
       round(cxm.nps_agg(score) FILTER (WHERE channel = 'call_center')::numeric, 1) AS call_center,
       round(cxm.nps_agg(score)::numeric, 1) AS all_channels
FROM demo.survey_answers GROUP BY 1 ORDER BY 1;

\echo '== Is the app better than the web? (cxm.nps_compare) =='
SELECT round(diff::numeric, 1) AS diff, round(std_error::numeric, 2) AS std_error,
       round(z::numeric, 2) AS z, round(p_value::numeric, 4) AS p_value
FROM cxm.nps_compare(
  (SELECT cxm.nps_stats(score) FROM demo.survey_answers WHERE channel = 'app'),
  (SELECT cxm.nps_stats(score) FROM demo.survey_answers WHERE channel = 'web'));

\echo '== Trailing 30-day NPS of the app channel (moving-window aggregate) =='
SELECT day, n_30d, round(nps::numeric, 1) AS nps_30d
FROM (SELECT DISTINCT answered_on AS day,
             count(score) OVER w AS n_30d, cxm.nps_agg(score) OVER w AS nps
      FROM demo.survey_answers WHERE channel = 'app'
      WINDOW w AS (ORDER BY answered_on RANGE BETWEEN '29 days' PRECEDING AND CURRENT ROW)) m
WHERE extract(day FROM day) IN (1, 15)
ORDER BY day;

\echo '== CSAT (top-two-box %) if the 0-10 answers were mapped onto 1-5 =='
SELECT channel, round(cxm.csat_agg(1 + (score * 4 + 5) / 10, 5)::numeric, 1) AS csat_pct
FROM demo.survey_answers GROUP BY channel ORDER BY channel;
