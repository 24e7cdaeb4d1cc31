
-- ---------------------------------------------------------------------------
-- 1.1 -> 1.2, the CX layer at scale (doc/layer.md): the mappings, settings and
-- models are kept; the functions, views and snapshot tables of the layer are
-- dropped here and created again by the 1.2 files that follow.  A view of
-- your own on top of a cxm view must be dropped before the update (the update
-- fails on it rather than drop it) and created again after it.
-- ---------------------------------------------------------------------------
ALTER TABLE @extschema@.settings ALTER COLUMN materialized SET DEFAULT true;
COMMENT ON COLUMN @extschema@.settings.materialized IS 'true (default): once refresh() has run, the views read snapshots it keeps (see set_materialized); false: live queries';

DROP TRIGGER settings_insert ON @extschema@.settings;
DROP FUNCTION @extschema@.layer_settings_insert();
DROP TRIGGER settings_changed ON @extschema@.settings;
DROP FUNCTION @extschema@.layer_settings_changed();
DROP TRIGGER sources_changed ON @extschema@.sources;
DROP FUNCTION @extschema@.layer_sources_changed();

DROP FUNCTION @extschema@.refresh();
DROP FUNCTION @extschema@.set_materialized(pg_catalog.bool);
DROP FUNCTION @extschema@.layer_refresh_snapshots();
DROP FUNCTION @extschema@.layer_apply_mode();
DROP FUNCTION @extschema@.layer_materializable();

DROP VIEW @extschema@.rfm_segments;
DROP VIEW @extschema@.churn_risk;
DROP VIEW @extschema@.kpi_monthly;
DROP VIEW @extschema@.kpi_monthly_live;
DROP VIEW @extschema@.customer_360;
DROP VIEW @extschema@.customer_360_live;
DROP VIEW @extschema@.funnel_conversion;
DROP VIEW @extschema@.channel_attribution;
DROP VIEW @extschema@.channel_attribution_live;
DROP VIEW @extschema@.journey_transitions;
DROP VIEW @extschema@.journey_transitions_live;
DROP VIEW @extschema@.customer_journeys;
DROP VIEW @extschema@.customer_journeys_live;
DROP VIEW @extschema@.cohort_retention;
DROP VIEW @extschema@.cohort_retention_live;
DROP VIEW @extschema@.nps_monthly;
-- a dropped config table stays in pg_extension.extconfig unless detached first
ALTER EXTENSION cxm DROP TABLE @extschema@.customer_360_snapshot;
DROP TABLE @extschema@.customer_360_snapshot;
-- a dropped config table stays in pg_extension.extconfig unless detached first
ALTER EXTENSION cxm DROP TABLE @extschema@.kpi_monthly_snapshot;
DROP TABLE @extschema@.kpi_monthly_snapshot;
-- a dropped config table stays in pg_extension.extconfig unless detached first
ALTER EXTENSION cxm DROP TABLE @extschema@.customer_journeys_snapshot;
DROP TABLE @extschema@.customer_journeys_snapshot;
-- a dropped config table stays in pg_extension.extconfig unless detached first
ALTER EXTENSION cxm DROP TABLE @extschema@.journey_transitions_snapshot;
DROP TABLE @extschema@.journey_transitions_snapshot;
-- a dropped config table stays in pg_extension.extconfig unless detached first
ALTER EXTENSION cxm DROP TABLE @extschema@.channel_attribution_snapshot;
DROP TABLE @extschema@.channel_attribution_snapshot;
-- a dropped config table stays in pg_extension.extconfig unless detached first
ALTER EXTENSION cxm DROP TABLE @extschema@.cohort_retention_snapshot;
DROP TABLE @extschema@.cohort_retention_snapshot;

DROP FUNCTION @extschema@.unmap(pg_catalog.regclass);
DROP FUNCTION @extschema@.map_identities(pg_catalog.regclass, pg_catalog.text, pg_catalog.text);
DROP FUNCTION @extschema@.map_customers(pg_catalog.regclass, pg_catalog.text, pg_catalog.text);
DROP FUNCTION @extschema@.map_feedback(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text);
DROP FUNCTION @extschema@.map_transactions(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text);
DROP FUNCTION @extschema@.map_touchpoints(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text);
DROP FUNCTION @extschema@.layer_map(pg_catalog.text, pg_catalog.regclass, pg_catalog.text, pg_catalog.text,
  pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text);
DROP FUNCTION @extschema@.layer_rebuild();
DROP FUNCTION @extschema@.layer_stitch(pg_catalog.text, pg_catalog.text, pg_catalog.bool);
