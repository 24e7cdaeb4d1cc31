
-- 1.1 -> 1.2, mappings checked when they are made (issue 13): layer_column
-- moved to layer_mapping.sql (it gained the json role); the part after this
-- one creates it again.
DROP FUNCTION @extschema@.layer_column(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text);
