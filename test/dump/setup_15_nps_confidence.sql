-- 1.1: nps_stats(score, confidence) in a view
CREATE VIEW app.nps90 AS
  SELECT channel, cxm.nps_stats(score, 0.9) AS stats FROM app.survey GROUP BY channel;
