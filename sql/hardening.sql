-- Inputs found by the fuzz targets and sqlsmith (test/fuzz, test/sqlsmith.sh):
-- each must give a clean answer or an ERROR with the SQLSTATE its doc page lists,
-- never garbage, a crash or a hang.
SET extra_float_digits = 0;

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- fuzz_churn: r = 688 made the series of expected_purchases alternate with
-- terms near 1e120 (CLV came out as -1.5e113); a short horizon still works
-- (exact, from an 80-digit series of the textbook formula: 5.22246657)
SELECT round(cxm.expected_purchases(ROW(688, 23.61, 0.79, 2.43, 0, 0)::cxm.bgnbd_model, 1, 0, 0, 38.86)::numeric, 4) AS h1;
SELECT pg_temp.err($$SELECT cxm.clv(ROW(688, 23.61, 0.79, 2.43, 0, 0)::cxm.bgnbd_model,
  ROW(6.25, 413.66, 707.29, 0, 0)::cxm.gammagamma_model, 0, 0, 38.86, 966.67, 126, 0)$$);
-- fuzz_churn: b = 4.2e65 left nothing but rounding noise times 4e65
SELECT pg_temp.err($$SELECT cxm.expected_purchases(ROW(0.24, 4.41, 0.01, 4.2128291237315819e+65, 0, 0)::cxm.bgnbd_model, 7, 0, 30.43, 38.86)$$);
-- b = 1e10 (nobody drops out) still gives an answer, close to the Poisson limit
-- h (r + x) / (alpha + t); the exact value (80-digit series) is 0.1386642015,
-- and with (r + x) / C = 2.4e-11 about 5 digits survive the cancellation
SELECT round(cxm.expected_purchases(ROW(0.24, 4.41, 0.01, 1e10, 0, 0)::cxm.bgnbd_model, 25, 0, 0, 38.86)::numeric, 4) AS e25,
       round((25 * 0.24 / (4.41 + 38.86))::numeric, 4) AS poisson;
-- fuzz_churn: frequency * spend overflowed to Infinity
SELECT pg_temp.err($$SELECT cxm.expected_spend(ROW(100, 1e-300, 1e-300, 0, 0)::cxm.gammagamma_model, 8e298, 8e124)$$);
-- fuzz_churn: the CLV sum of out-of-order rounding was -8.9e-308
SELECT cxm.clv(ROW(218.8, 2.1e126, 2.1e126, 2.1e126, 0, 0)::cxm.bgnbd_model,
               ROW(2.1e126, 2.1e126, 2.1e-275, 0, 0)::cxm.gammagamma_model,
               164, 2.5e-290, 1.5e-261, 1.9e-280, 89, 2.5e-192) >= 0 AS clv_not_negative;

-- a NULL int8[] state given to a transition function by hand: an ERROR
-- with a SQLSTATE (22023), not an internal error
SELECT pg_temp.err($$SELECT cxm.csat_accum(NULL, 4, 5)$$);
SELECT pg_temp.err($$SELECT cxm.nps_conf_accum(NULL, 9, 0.9)$$);
