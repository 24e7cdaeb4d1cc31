
-- ---------------------------------------------------------------------------
-- Recommendations (doc/recommendations.md): association rules over baskets
-- (assoc_rules, FP-growth in C) and the conversion probability of every
-- touchpoint from attribution's absorbing Markov chain (markov_conversion)
-- ---------------------------------------------------------------------------

CREATE TYPE @extschema@.assoc_rule AS (
  antecedent pg_catalog.text[],
  consequent pg_catalog.text[],
  support    pg_catalog.float8,
  confidence pg_catalog.float8,
  lift       pg_catalog.float8,
  leverage   pg_catalog.float8,
  conviction pg_catalog.float8
);
COMMENT ON TYPE @extschema@.assoc_rule IS
  'one association rule antecedent => consequent (element of the result of assoc_rules)';
COMMENT ON COLUMN @extschema@.assoc_rule.antecedent IS 'items of the left-hand side, sorted in byte order (never empty)';
COMMENT ON COLUMN @extschema@.assoc_rule.consequent IS 'the one item of the right-hand side';
COMMENT ON COLUMN @extschema@.assoc_rule.support IS 'share of the baskets holding antecedent and consequent';
COMMENT ON COLUMN @extschema@.assoc_rule.confidence IS 'baskets with antecedent and consequent / baskets with the antecedent';
COMMENT ON COLUMN @extschema@.assoc_rule.lift IS 'confidence / support of the consequent';
COMMENT ON COLUMN @extschema@.assoc_rule.leverage IS 'support - support(antecedent) * support(consequent)';
COMMENT ON COLUMN @extschema@.assoc_rule.conviction IS '(1 - support(consequent)) / (1 - confidence); NULL at confidence 1';

CREATE FUNCTION @extschema@.assoc_rules_accum(@extschema@.assoc_rules_state, pg_catalog.text[], pg_catalog.float8,
                                              pg_catalog.float8, pg_catalog.int4)
RETURNS @extschema@.assoc_rules_state
AS 'MODULE_PATHNAME', 'assoc_rules_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.assoc_rules_accum(@extschema@.assoc_rules_state, pg_catalog.text[], pg_catalog.float8,
                                                  pg_catalog.float8, pg_catalog.int4) IS
  'transition function of assoc_rules: counts one basket''s items and adds it to the basket log (in memory up to work_mem, then a temporary file)';

CREATE FUNCTION @extschema@.assoc_rules_combine(@extschema@.assoc_rules_state, @extschema@.assoc_rules_state)
RETURNS @extschema@.assoc_rules_state
AS 'MODULE_PATHNAME', 'assoc_rules_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.assoc_rules_combine(@extschema@.assoc_rules_state, @extschema@.assoc_rules_state) IS
  'combine function of assoc_rules (parallel and partial aggregation)';

CREATE FUNCTION @extschema@.assoc_rules_final(@extschema@.assoc_rules_state)
RETURNS @extschema@.assoc_rule[]
AS 'MODULE_PATHNAME', 'assoc_rules_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.assoc_rules_final(@extschema@.assoc_rules_state) IS
  'final function of assoc_rules: exact pair counts over the basket log, then FP-growth on what can hold 3+ frequent items; the rules by support, then confidence; NULL without rows';

CREATE AGGREGATE @extschema@.assoc_rules(basket pg_catalog.text[], min_support pg_catalog.float8,
                                         min_confidence pg_catalog.float8, max_length pg_catalog.int4) (
  SFUNC = @extschema@.assoc_rules_accum,
  STYPE = @extschema@.assoc_rules_state,
  SSPACE = 4096,
  FINALFUNC = @extschema@.assoc_rules_final,
  COMBINEFUNC = @extschema@.assoc_rules_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.assoc_rules(pg_catalog.text[], pg_catalog.float8, pg_catalog.float8, pg_catalog.int4) IS
  'association rules of the baskets (one row each): frequent itemsets of up to max_length items by FP-growth, rules with one consequent at the given minimum support and confidence (inclusive)';

-- assoc_rules(basket, min_support, min_confidence) with max_length 3: an
-- aggregate cannot have a default argument, so this is a second aggregate
CREATE FUNCTION @extschema@.assoc_rules_accum3(@extschema@.assoc_rules_state, pg_catalog.text[], pg_catalog.float8,
                                               pg_catalog.float8)
RETURNS @extschema@.assoc_rules_state
AS 'MODULE_PATHNAME', 'assoc_rules_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.assoc_rules_accum3(@extschema@.assoc_rules_state, pg_catalog.text[], pg_catalog.float8,
                                                   pg_catalog.float8) IS
  'transition function of assoc_rules without max_length (3)';

CREATE AGGREGATE @extschema@.assoc_rules(basket pg_catalog.text[], min_support pg_catalog.float8,
                                         min_confidence pg_catalog.float8) (
  SFUNC = @extschema@.assoc_rules_accum3,
  STYPE = @extschema@.assoc_rules_state,
  SSPACE = 4096,
  FINALFUNC = @extschema@.assoc_rules_final,
  COMBINEFUNC = @extschema@.assoc_rules_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.assoc_rules(pg_catalog.text[], pg_catalog.float8, pg_catalog.float8) IS
  'assoc_rules with max_length 3 (the default): association rules of itemsets of up to three items';

-- Touchpoint conversion probabilities ---------------------------------------------

CREATE TYPE @extschema@.touchpoint_probability AS (
  touchpoint  pg_catalog.text,
  probability pg_catalog.float8
);
COMMENT ON TYPE @extschema@.touchpoint_probability IS
  'one touchpoint''s probability of converting (element of the result of markov_conversion)';
COMMENT ON COLUMN @extschema@.touchpoint_probability.touchpoint IS 'the touchpoint (state of the chain)';
COMMENT ON COLUMN @extschema@.touchpoint_probability.probability IS
  'probability that a journey at this touchpoint ends in a conversion (absorbing Markov chain)';

CREATE FUNCTION @extschema@.markov_conversion_accum(@extschema@.attribution_state, pg_catalog.text[], pg_catalog.float8)
RETURNS @extschema@.attribution_state
AS 'MODULE_PATHNAME', 'markov_conversion_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_conversion_accum(@extschema@.attribution_state, pg_catalog.text[], pg_catalog.float8) IS
  'transition function of markov_conversion: adds a journey''s transitions to attribution''s markov state';

CREATE FUNCTION @extschema@.markov_conversion_final(@extschema@.attribution_state)
RETURNS @extschema@.touchpoint_probability[]
AS 'MODULE_PATHNAME', 'markov_conversion_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_conversion_final(@extschema@.attribution_state) IS
  'final function of markov_conversion: the absorption probabilities into conversion, highest first; NULL without journeys';

CREATE AGGREGATE @extschema@.markov_conversion(path pg_catalog.text[], conversions pg_catalog.float8) (
  SFUNC = @extschema@.markov_conversion_accum,
  STYPE = @extschema@.attribution_state,
  SSPACE = 2048,
  FINALFUNC = @extschema@.markov_conversion_final,
  COMBINEFUNC = @extschema@.attribution_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.markov_conversion(pg_catalog.text[], pg_catalog.float8) IS
  'for journeys (one row each, converting when conversions > 0): each touchpoint''s probability of converting in the first-order absorbing Markov chain that attribution(..., ''markov'') solves';
