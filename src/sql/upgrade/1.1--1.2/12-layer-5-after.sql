
-- 1.1 -> 1.2: change capture for the mappings made before the update, and
-- the canonical views and identity map in their 1.2 form
UPDATE @extschema@.sources s SET captured = @extschema@.layer_capture_triggers(s, true);
SELECT @extschema@.layer_rebuild() WHERE EXISTS (SELECT 1 FROM @extschema@.sources);
SELECT @extschema@.layer_identity_map_rebuild() WHERE EXISTS (SELECT 1 FROM @extschema@.sources);
