-- ---------------------------------------------------------------------------
-- Path patterns over journeys (doc/path_match.md): path_match, path_match_count
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.path_match(path pg_catalog.text[], pattern pg_catalog.text)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'path_match'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.path_match(pg_catalog.text[], pg_catalog.text) IS
  'does the token pattern occur in the path (unanchored unless ^ or $); linear time, no backtracking';

CREATE FUNCTION @extschema@.path_match_count(path pg_catalog.text[], pattern pg_catalog.text)
RETURNS pg_catalog.int4
AS 'MODULE_PATHNAME', 'path_match_count'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.path_match_count(pg_catalog.text[], pg_catalog.text) IS
  'number of non-overlapping occurrences of the token pattern, leftmost-longest, empty matches counted as regexp_count does';
