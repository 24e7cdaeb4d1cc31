-- ---------------------------------------------------------------------------
-- The state types of the aggregates (doc/scale-out.md, "State types"): each
-- holds an aggregate's partial state, in memory as an expanded object while
-- rows are added, flat as the aggregate's versioned wire bytes.  Text form:
-- \x and the bytes in hexadecimal, like bytea; input and receive check the
-- bytes completely (a damaged state is an ERROR 22P03).  They let partial
-- states travel as values (parallel workers, Citus workers).
-- ---------------------------------------------------------------------------

CREATE TYPE @extschema@.path_state;

CREATE FUNCTION @extschema@.path_state_in(pg_catalog.cstring)
RETURNS @extschema@.path_state
AS 'MODULE_PATHNAME', 'path_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.path_state_in(pg_catalog.cstring) IS
  'input function of path_state: \x and hexadecimal bytes, checked completely';

CREATE FUNCTION @extschema@.path_state_out(@extschema@.path_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'path_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.path_state_out(@extschema@.path_state) IS
  'output function of path_state: \x and the state''s bytes in hexadecimal';

CREATE FUNCTION @extschema@.path_state_recv(pg_catalog.internal)
RETURNS @extschema@.path_state
AS 'MODULE_PATHNAME', 'path_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.path_state_recv(pg_catalog.internal) IS
  'receive function of path_state: the state''s bytes, checked completely';

CREATE FUNCTION @extschema@.path_state_send(@extschema@.path_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'path_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.path_state_send(@extschema@.path_state) IS
  'send function of path_state: the state''s bytes';

CREATE TYPE @extschema@.path_state (
  INPUT = @extschema@.path_state_in,
  OUTPUT = @extschema@.path_state_out,
  RECEIVE = @extschema@.path_state_recv,
  SEND = @extschema@.path_state_send,
  INTERNALLENGTH = VARIABLE,
  STORAGE = extended
);
COMMENT ON TYPE @extschema@.path_state IS
  'partial state of journey_path (versioned wire bytes; in memory an expanded object)';

CREATE TYPE @extschema@.funnel_state;

CREATE FUNCTION @extschema@.funnel_state_in(pg_catalog.cstring)
RETURNS @extschema@.funnel_state
AS 'MODULE_PATHNAME', 'funnel_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.funnel_state_in(pg_catalog.cstring) IS
  'input function of funnel_state: \x and hexadecimal bytes, checked completely';

CREATE FUNCTION @extschema@.funnel_state_out(@extschema@.funnel_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'funnel_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.funnel_state_out(@extschema@.funnel_state) IS
  'output function of funnel_state: \x and the state''s bytes in hexadecimal';

CREATE FUNCTION @extschema@.funnel_state_recv(pg_catalog.internal)
RETURNS @extschema@.funnel_state
AS 'MODULE_PATHNAME', 'funnel_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.funnel_state_recv(pg_catalog.internal) IS
  'receive function of funnel_state: the state''s bytes, checked completely';

CREATE FUNCTION @extschema@.funnel_state_send(@extschema@.funnel_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'funnel_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.funnel_state_send(@extschema@.funnel_state) IS
  'send function of funnel_state: the state''s bytes';

CREATE TYPE @extschema@.funnel_state (
  INPUT = @extschema@.funnel_state_in,
  OUTPUT = @extschema@.funnel_state_out,
  RECEIVE = @extschema@.funnel_state_recv,
  SEND = @extschema@.funnel_state_send,
  INTERNALLENGTH = VARIABLE,
  STORAGE = extended
);
COMMENT ON TYPE @extschema@.funnel_state IS
  'partial state of journey_funnel (versioned wire bytes; in memory an expanded object)';

CREATE TYPE @extschema@.rfm_state;

CREATE FUNCTION @extschema@.rfm_state_in(pg_catalog.cstring)
RETURNS @extschema@.rfm_state
AS 'MODULE_PATHNAME', 'rfm_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_state_in(pg_catalog.cstring) IS
  'input function of rfm_state: \x and hexadecimal bytes, checked completely';

CREATE FUNCTION @extschema@.rfm_state_out(@extschema@.rfm_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'rfm_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_state_out(@extschema@.rfm_state) IS
  'output function of rfm_state: \x and the state''s bytes in hexadecimal';

CREATE FUNCTION @extschema@.rfm_state_recv(pg_catalog.internal)
RETURNS @extschema@.rfm_state
AS 'MODULE_PATHNAME', 'rfm_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_state_recv(pg_catalog.internal) IS
  'receive function of rfm_state: the state''s bytes, checked completely';

CREATE FUNCTION @extschema@.rfm_state_send(@extschema@.rfm_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'rfm_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_state_send(@extschema@.rfm_state) IS
  'send function of rfm_state: the state''s bytes';

CREATE TYPE @extschema@.rfm_state (
  INPUT = @extschema@.rfm_state_in,
  OUTPUT = @extschema@.rfm_state_out,
  RECEIVE = @extschema@.rfm_state_recv,
  SEND = @extschema@.rfm_state_send,
  INTERNALLENGTH = VARIABLE,
  STORAGE = extended
);
COMMENT ON TYPE @extschema@.rfm_state IS
  'partial state of rfm (versioned wire bytes; in memory an expanded object)';

CREATE TYPE @extschema@.fit_state;

CREATE FUNCTION @extschema@.fit_state_in(pg_catalog.cstring)
RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'fit_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fit_state_in(pg_catalog.cstring) IS
  'input function of fit_state: \x and hexadecimal bytes, checked completely';

CREATE FUNCTION @extschema@.fit_state_out(@extschema@.fit_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'fit_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fit_state_out(@extschema@.fit_state) IS
  'output function of fit_state: \x and the state''s bytes in hexadecimal';

CREATE FUNCTION @extschema@.fit_state_recv(pg_catalog.internal)
RETURNS @extschema@.fit_state
AS 'MODULE_PATHNAME', 'fit_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fit_state_recv(pg_catalog.internal) IS
  'receive function of fit_state: the state''s bytes, checked completely';

CREATE FUNCTION @extschema@.fit_state_send(@extschema@.fit_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'fit_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fit_state_send(@extschema@.fit_state) IS
  'send function of fit_state: the state''s bytes';

CREATE TYPE @extschema@.fit_state (
  INPUT = @extschema@.fit_state_in,
  OUTPUT = @extschema@.fit_state_out,
  RECEIVE = @extschema@.fit_state_recv,
  SEND = @extschema@.fit_state_send,
  INTERNALLENGTH = VARIABLE,
  STORAGE = extended
);
COMMENT ON TYPE @extschema@.fit_state IS
  'partial state of bgnbd_fit, pareto_nbd_fit, mbgnbd_fit and gammagamma_fit (versioned wire bytes; in memory an expanded object)';

CREATE TYPE @extschema@.attribution_state;

CREATE FUNCTION @extschema@.attribution_state_in(pg_catalog.cstring)
RETURNS @extschema@.attribution_state
AS 'MODULE_PATHNAME', 'attribution_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.attribution_state_in(pg_catalog.cstring) IS
  'input function of attribution_state: \x and hexadecimal bytes, checked completely';

CREATE FUNCTION @extschema@.attribution_state_out(@extschema@.attribution_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'attribution_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.attribution_state_out(@extschema@.attribution_state) IS
  'output function of attribution_state: \x and the state''s bytes in hexadecimal';

CREATE FUNCTION @extschema@.attribution_state_recv(pg_catalog.internal)
RETURNS @extschema@.attribution_state
AS 'MODULE_PATHNAME', 'attribution_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.attribution_state_recv(pg_catalog.internal) IS
  'receive function of attribution_state: the state''s bytes, checked completely';

CREATE FUNCTION @extschema@.attribution_state_send(@extschema@.attribution_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'attribution_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.attribution_state_send(@extschema@.attribution_state) IS
  'send function of attribution_state: the state''s bytes';

CREATE TYPE @extschema@.attribution_state (
  INPUT = @extschema@.attribution_state_in,
  OUTPUT = @extschema@.attribution_state_out,
  RECEIVE = @extschema@.attribution_state_recv,
  SEND = @extschema@.attribution_state_send,
  INTERNALLENGTH = VARIABLE,
  STORAGE = extended
);
COMMENT ON TYPE @extschema@.attribution_state IS
  'partial state of attribution and markov_conversion (versioned wire bytes; in memory an expanded object)';

CREATE TYPE @extschema@.assoc_rules_state;

CREATE FUNCTION @extschema@.assoc_rules_state_in(pg_catalog.cstring)
RETURNS @extschema@.assoc_rules_state
AS 'MODULE_PATHNAME', 'assoc_rules_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.assoc_rules_state_in(pg_catalog.cstring) IS
  'input function of assoc_rules_state: \x and hexadecimal bytes, checked completely';

CREATE FUNCTION @extschema@.assoc_rules_state_out(@extschema@.assoc_rules_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'assoc_rules_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.assoc_rules_state_out(@extschema@.assoc_rules_state) IS
  'output function of assoc_rules_state: \x and the state''s bytes in hexadecimal';

CREATE FUNCTION @extschema@.assoc_rules_state_recv(pg_catalog.internal)
RETURNS @extschema@.assoc_rules_state
AS 'MODULE_PATHNAME', 'assoc_rules_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.assoc_rules_state_recv(pg_catalog.internal) IS
  'receive function of assoc_rules_state: the state''s bytes, checked completely';

CREATE FUNCTION @extschema@.assoc_rules_state_send(@extschema@.assoc_rules_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'assoc_rules_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.assoc_rules_state_send(@extschema@.assoc_rules_state) IS
  'send function of assoc_rules_state: the state''s bytes';

CREATE TYPE @extschema@.assoc_rules_state (
  INPUT = @extschema@.assoc_rules_state_in,
  OUTPUT = @extschema@.assoc_rules_state_out,
  RECEIVE = @extschema@.assoc_rules_state_recv,
  SEND = @extschema@.assoc_rules_state_send,
  INTERNALLENGTH = VARIABLE,
  STORAGE = extended
);
COMMENT ON TYPE @extschema@.assoc_rules_state IS
  'partial state of assoc_rules (versioned wire bytes; in memory an expanded object)';
