-- Attribution: stored results of every model (channel_credit[] column)
CREATE TABLE app.attribution_runs (model text PRIMARY KEY, credits cxm.channel_credit[]);
INSERT INTO app.attribution_runs
SELECT m, (SELECT cxm.attribution(path, conversions, m) FROM app.journeys)
FROM unnest(ARRAY['first_touch', 'last_touch', 'linear', 'position', 'markov']) m;
