
-- ---------------------------------------------------------------------------
-- The CX layer over existing tables (doc/layer.md)
-- ---------------------------------------------------------------------------
-- Design (see doc/layer.md):
-- * cxm.sources holds the mappings (one row per kind and source relation); the
--   source is stored as regclass, which pg_dump writes as a qualified name and
--   a restore resolves again, plus its name for reading.  It is registered
--   with pg_extension_config_dump, like cxm.settings and cxm.models.
-- * The canonical views (identities, touchpoints, transactions, feedback,
--   customers) are members of the extension with a fixed column list.  Any
--   change of cxm.sources (map_*, unmap, a restore of its rows by pg_dump)
--   fires a statement trigger that rebuilds them with CREATE OR REPLACE VIEW:
--   the column list never changes, so every view built on top of them (ours
--   and the user's) stays valid and nothing has to be dropped.
-- * Column names are checked against pg_attribute and always quoted with
--   format('%I'); relation names come from the catalog, quoted the same way.

CREATE TABLE @extschema@.sources (
  kind        pg_catalog.text NOT NULL
              CHECK (kind IN ('touchpoints', 'transactions', 'feedback', 'customers', 'identities')),
  source      pg_catalog.regclass NOT NULL,
  source_name pg_catalog.text NOT NULL,
  customer_id pg_catalog.text NOT NULL,
  anonymous_id pg_catalog.text,
  touchpoint  pg_catalog.text,
  ts          pg_catalog.text,
  channel     pg_catalog.text,
  amount      pg_catalog.text,
  product     pg_catalog.text,
  score       pg_catalog.text,
  created_at  pg_catalog.text,
  mapped_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (kind, source)
);
COMMENT ON TABLE @extschema@.sources IS
  'CX layer mappings: which columns of which existing relation feed each canonical view (managed by map_* and unmap; kept by pg_dump)';
COMMENT ON COLUMN @extschema@.sources.kind IS 'touchpoints, transactions, feedback, customers or identities';
COMMENT ON COLUMN @extschema@.sources.source IS 'the mapped relation (dumped as its qualified name, resolved again on restore)';
COMMENT ON COLUMN @extschema@.sources.source_name IS 'schema-qualified name of the relation when it was mapped (shown in the views'' source column)';
COMMENT ON COLUMN @extschema@.sources.customer_id IS 'column holding the customer (or visitor) id';
COMMENT ON COLUMN @extschema@.sources.anonymous_id IS 'identities: column holding the anonymous visitor id';
COMMENT ON COLUMN @extschema@.sources.touchpoint IS 'touchpoints: column holding the touchpoint (event) name';
COMMENT ON COLUMN @extschema@.sources.ts IS 'column holding the time (timestamp, timestamptz or date)';
COMMENT ON COLUMN @extschema@.sources.channel IS 'touchpoints: column holding the channel (NULL: the relation name is the channel)';
COMMENT ON COLUMN @extschema@.sources.amount IS 'transactions: column holding the amount';
COMMENT ON COLUMN @extschema@.sources.product IS 'transactions: column holding the product or category (optional)';
COMMENT ON COLUMN @extschema@.sources.score IS 'feedback: column holding the 0-10 answer';
COMMENT ON COLUMN @extschema@.sources.created_at IS 'customers: column holding the sign-up time (optional)';
COMMENT ON COLUMN @extschema@.sources.mapped_at IS 'when the mapping was (last) made';

CREATE TABLE @extschema@.settings (
  id              pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (id),
  time_unit       pg_catalog.interval NOT NULL DEFAULT '7 days'
                  CHECK (time_unit > '0'::pg_catalog.interval),
  as_of           pg_catalog.timestamptz,
  clv_horizon     pg_catalog.int4 NOT NULL DEFAULT 52 CHECK (clv_horizon >= 1),
  discount_rate   pg_catalog.float8 NOT NULL DEFAULT 0.0 CHECK (discount_rate > -1),
  penalizer       pg_catalog.float8 NOT NULL DEFAULT 0.001 CHECK (penalizer >= 0),
  session_gap     pg_catalog.interval NOT NULL DEFAULT '30 minutes'
                  CHECK (session_gap > '0'::pg_catalog.interval),
  new_within      pg_catalog.interval NOT NULL DEFAULT '90 days',
  churned_after   pg_catalog.interval NOT NULL DEFAULT '365 days',
  active_p_alive  pg_catalog.float8 NOT NULL DEFAULT 0.5 CHECK (active_p_alive BETWEEN 0 AND 1),
  churned_p_alive pg_catalog.float8 NOT NULL DEFAULT 0.2 CHECK (churned_p_alive BETWEEN 0 AND 1),
  funnel_steps    pg_catalog.text[],
  funnel_window   pg_catalog.interval NOT NULL DEFAULT '7 days'
                  CHECK (funnel_window > '0'::pg_catalog.interval),
  materialized    pg_catalog.bool NOT NULL DEFAULT true
);
INSERT INTO @extschema@.settings DEFAULT VALUES;
COMMENT ON TABLE @extschema@.settings IS
  'CX layer settings (one row; change with UPDATE, except materialized: use set_materialized); kept by pg_dump';
COMMENT ON COLUMN @extschema@.settings.id IS 'always true (the table has one row)';
COMMENT ON COLUMN @extschema@.settings.time_unit IS 'period of the RFM summaries and of the churn models (rfm unit: 7 days = ISO weeks)';
COMMENT ON COLUMN @extschema@.settings.as_of IS 'reference time of RFM, churn and lifecycle figures; NULL = now()';
COMMENT ON COLUMN @extschema@.settings.clv_horizon IS 'CLV horizon in time units (52 weeks by default)';
COMMENT ON COLUMN @extschema@.settings.discount_rate IS 'CLV discount rate per time unit';
COMMENT ON COLUMN @extschema@.settings.penalizer IS 'L2 penalizer of the BG/NBD fit';
COMMENT ON COLUMN @extschema@.settings.session_gap IS 'inactivity that ends a session (30 minutes)';
COMMENT ON COLUMN @extschema@.settings.new_within IS 'a buyer whose first purchase is this recent is "new"';
COMMENT ON COLUMN @extschema@.settings.churned_after IS 'one-time buyers (and every buyer while no model is fitted) count as churned after this long without a purchase';
COMMENT ON COLUMN @extschema@.settings.active_p_alive IS 'repeat buyers with p_alive at or above this are "active"';
COMMENT ON COLUMN @extschema@.settings.churned_p_alive IS 'repeat buyers with p_alive below this are "churned" (between the two: "at risk")';
COMMENT ON COLUMN @extschema@.settings.funnel_steps IS 'touchpoint names of the funnel in order (funnel_conversion is empty while NULL)';
COMMENT ON COLUMN @extschema@.settings.funnel_window IS 'window of the funnel (journey_funnel)';
COMMENT ON COLUMN @extschema@.settings.materialized IS 'true (default): once refresh() has run, the views read snapshots it keeps (see set_materialized); false: live queries';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.sources', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.settings', '');


-- Column checks ------------------------------------------------------------------

-- the relation as a quoted, qualified name; checks it can be a source
CREATE FUNCTION @extschema@.layer_relation(source pg_catalog.regclass)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c record;
BEGIN
  IF source IS NULL THEN
    RAISE EXCEPTION 'source must not be NULL' USING ERRCODE = '22004';
  END IF;
  SELECT n.nspname, r.relname, r.relkind, r.relpersistence INTO c
  FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
  WHERE r.oid = source;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'relation with OID % does not exist', source::pg_catalog.oid USING ERRCODE = '42P01';
  END IF;
  IF c.relkind NOT IN ('r', 'p', 'v', 'm', 'f') THEN
    RAISE EXCEPTION '% is not a table, view, materialized view or foreign table',
      pg_catalog.format('%I.%I', c.nspname, c.relname) USING ERRCODE = '42809';
  END IF;
  IF c.relpersistence = 't' THEN
    RAISE EXCEPTION '"%" is a temporary table; the CX views can only read permanent relations', c.relname
      USING ERRCODE = '42809';
  END IF;
  RETURN pg_catalog.format('%I.%I', c.nspname, c.relname);
END $$;
COMMENT ON FUNCTION @extschema@.layer_relation(pg_catalog.regclass) IS
  'internal: quoted qualified name of a source relation; ERROR when it is not a table, view, materialized view or foreign table';

-- layer_column (the column checks) is in layer_mapping.sql

-- Canonical views (empty until something is mapped) -----------------------------
-- created empty from the table of kinds (layer_kinds.sql); layer_rebuild
-- (layer_mapping.sql) replaces them whenever the mappings change
DO $$
DECLARE
  k record;
BEGIN
  FOR k IN SELECT * FROM @extschema@.layer_kinds() LOOP
    EXECUTE pg_catalog.format('CREATE VIEW @extschema@.%I WITH (security_invoker = true) AS SELECT %s WHERE false',
                              k.kind, k.empty);
  END LOOP;
END $$;

COMMENT ON VIEW @extschema@.identities IS
  'identity links from every source mapped with map_identities: an anonymous visitor id that became a known customer';
COMMENT ON COLUMN @extschema@.identities.anonymous_id IS 'anonymous visitor id (cookie, device id) as text';
COMMENT ON COLUMN @extschema@.identities.customer_id IS 'the customer id it belongs to, as text';
COMMENT ON COLUMN @extschema@.identities.source IS 'qualified name of the source relation';

COMMENT ON VIEW @extschema@.touchpoints IS
  'every mapped touchpoint, identity-stitched: an anonymous id linked by map_identities shows as its customer';
COMMENT ON COLUMN @extschema@.touchpoints.customer_id IS 'profile id: the customer id, or the linked customer of an anonymous id, or the unlinked anonymous id itself';
COMMENT ON COLUMN @extschema@.touchpoints.anonymous_id IS 'the anonymous id the row was recorded under when it was stitched to a customer, else NULL';
COMMENT ON COLUMN @extschema@.touchpoints.touchpoint IS 'touchpoint (event) name';
COMMENT ON COLUMN @extschema@.touchpoints.ts IS 'time of the touchpoint';
COMMENT ON COLUMN @extschema@.touchpoints.channel IS 'channel (the mapped channel column, or the source relation''s name when none was mapped)';
COMMENT ON COLUMN @extschema@.touchpoints.source IS 'qualified name of the source relation';

COMMENT ON VIEW @extschema@.transactions IS 'every mapped purchase, identity-stitched';
COMMENT ON COLUMN @extschema@.transactions.customer_id IS 'profile id (customer id, stitched as in touchpoints)';
COMMENT ON COLUMN @extschema@.transactions.anonymous_id IS 'the anonymous id the purchase was recorded under when it was stitched, else NULL';
COMMENT ON COLUMN @extschema@.transactions.ts IS 'time of the purchase';
COMMENT ON COLUMN @extschema@.transactions.amount IS 'amount of the purchase';
COMMENT ON COLUMN @extschema@.transactions.product IS 'product or category (NULL when no product column is mapped)';
COMMENT ON COLUMN @extschema@.transactions.source IS 'qualified name of the source relation';

COMMENT ON VIEW @extschema@.feedback IS 'every mapped NPS answer (0-10), identity-stitched';
COMMENT ON COLUMN @extschema@.feedback.customer_id IS 'profile id (stitched as in touchpoints)';
COMMENT ON COLUMN @extschema@.feedback.anonymous_id IS 'the anonymous id the answer was recorded under when it was stitched, else NULL';
COMMENT ON COLUMN @extschema@.feedback.ts IS 'time of the answer';
COMMENT ON COLUMN @extschema@.feedback.score IS 'answer 0-10 to "how likely are you to recommend us"';
COMMENT ON COLUMN @extschema@.feedback.source IS 'qualified name of the source relation';

COMMENT ON VIEW @extschema@.customers IS
  'the customer master: one row per customer id over every source mapped with map_customers';
COMMENT ON COLUMN @extschema@.customers.customer_id IS 'customer id as text';
COMMENT ON COLUMN @extschema@.customers.created_at IS 'earliest sign-up time over the sources (NULL when no created_at column is mapped)';
COMMENT ON COLUMN @extschema@.customers.source IS 'qualified name of the first source (by name) that lists the customer';

GRANT SELECT ON @extschema@.sources, @extschema@.settings TO PUBLIC;

-- Derived views -------------------------------------------------------------------
-- All read the canonical views, so they follow every mapping; all are
-- security_invoker.  The heavy ones exist twice: <name>_live (the query) and
-- <name>_snapshot (a table filled by refresh() in materialised mode); the view
-- <name> reads one or the other (see set_materialized).

CREATE VIEW @extschema@.sessions WITH (security_invoker = true) AS
SELECT y.customer_id, y.session,
       pg_catalog.min(y.ts) AS started_at, pg_catalog.max(y.ts) AS ended_at,
       pg_catalog.count(*) AS touchpoints,
       EXTRACT(epoch FROM pg_catalog.max(y.ts) - pg_catalog.min(y.ts))::pg_catalog.float8 / 60 AS duration_minutes,
       (pg_catalog.array_agg(y.channel ORDER BY y.ts, y.touchpoint))[1] AS channel
FROM (
  SELECT t.customer_id, t.ts, t.touchpoint, t.channel,
         @extschema@.sessionize(t.ts, s.session_gap) OVER (PARTITION BY t.customer_id ORDER BY t.ts) AS session
  FROM @extschema@.touchpoints t CROSS JOIN @extschema@.settings s
) y
GROUP BY y.customer_id, y.session;
COMMENT ON VIEW @extschema@.sessions IS
  'sessions of every profile: a new session starts after settings.session_gap (30 minutes) without a touchpoint';
COMMENT ON COLUMN @extschema@.sessions.customer_id IS 'profile id (as in touchpoints)';
COMMENT ON COLUMN @extschema@.sessions.session IS 'session number within the profile, 1 = first';
COMMENT ON COLUMN @extschema@.sessions.started_at IS 'time of the first touchpoint of the session';
COMMENT ON COLUMN @extschema@.sessions.ended_at IS 'time of the last touchpoint of the session';
COMMENT ON COLUMN @extschema@.sessions.touchpoints IS 'touchpoints in the session';
COMMENT ON COLUMN @extschema@.sessions.duration_minutes IS 'minutes from the first to the last touchpoint (0 for a single touchpoint)';
COMMENT ON COLUMN @extschema@.sessions.channel IS 'channel of the first touchpoint';

CREATE VIEW @extschema@.experiment_results WITH (security_invoker = true) AS
SELECT e.experiment, e.policy, a.arm_no, r.arm, r.trials, r.reward_sum, r.mean, r.ci_low, r.ci_high,
       r.p_best, r.active,
       r.mean / NULLIF(pg_catalog.first_value(r.mean) OVER (PARTITION BY e.experiment ORDER BY r.is_control DESC, a.arm_no), 0) - 1
         AS lift,
       r.is_control, r.abs_uplift, r.abs_ci_low, r.abs_ci_high, r.rel_uplift, r.rel_ci_low, r.rel_ci_high,
       r.p_value, r.chance_to_beat, r.expected_loss, r.control_loss, r.loss_vs_best, r.naive_rel_uplift,
       r.srm_p_value, r.srm_flag, r.guardrail_failed, r.decision
FROM @extschema@.bandit_experiment e
CROSS JOIN LATERAL @extschema@.bandit_report(e.experiment) r
JOIN @extschema@.bandit_arm a ON a.experiment = e.experiment AND a.arm = r.arm;
COMMENT ON VIEW @extschema@.experiment_results IS
  'every experiment and bandit (bandit_report per arm): the policy''s reward per arm and its comparison with the control arm, with the stopping decision';
COMMENT ON COLUMN @extschema@.experiment_results.experiment IS 'experiment name';
COMMENT ON COLUMN @extschema@.experiment_results.policy IS 'assignment policy (uniform = classic A/B/N split)';
COMMENT ON COLUMN @extschema@.experiment_results.arm_no IS 'arm number in creation order';
COMMENT ON COLUMN @extschema@.experiment_results.arm IS 'arm (variant) name';
COMMENT ON COLUMN @extschema@.experiment_results.trials IS 'subjects assigned (trials)';
COMMENT ON COLUMN @extschema@.experiment_results.reward_sum IS 'conversions (sum of rewards)';
COMMENT ON COLUMN @extschema@.experiment_results.mean IS 'conversion rate or mean reward: reward_sum / trials';
COMMENT ON COLUMN @extschema@.experiment_results.ci_low IS 'lower end of the 95 % interval of mean (Wilson; normal for gaussian_thompson)';
COMMENT ON COLUMN @extschema@.experiment_results.ci_high IS 'upper end of the 95 % interval of mean';
COMMENT ON COLUMN @extschema@.experiment_results.p_best IS 'posterior probability that the arm is the best (NULL while paused)';
COMMENT ON COLUMN @extschema@.experiment_results.active IS 'false while the arm is paused';
COMMENT ON COLUMN @extschema@.experiment_results.lift IS
  'mean / mean of the control - 1, from the totals (0 for the control; NULL when its mean is 0); the same as naive_rel_uplift: read rel_uplift and its interval';
COMMENT ON COLUMN @extschema@.experiment_results.is_control IS 'true for the control arm';
COMMENT ON COLUMN @extschema@.experiment_results.abs_uplift IS 'mean minus the control''s mean (corrected for adaptive allocation)';
COMMENT ON COLUMN @extschema@.experiment_results.abs_ci_low IS 'lower end of the 95 % interval of abs_uplift';
COMMENT ON COLUMN @extschema@.experiment_results.abs_ci_high IS 'upper end of the 95 % interval of abs_uplift';
COMMENT ON COLUMN @extschema@.experiment_results.rel_uplift IS 'relative uplift over the control, a fraction (corrected for adaptive allocation)';
COMMENT ON COLUMN @extschema@.experiment_results.rel_ci_low IS 'lower end of the 95 % interval of rel_uplift (delta method)';
COMMENT ON COLUMN @extschema@.experiment_results.rel_ci_high IS 'upper end of the 95 % interval of rel_uplift';
COMMENT ON COLUMN @extschema@.experiment_results.p_value IS 'two-sided p-value of abs_uplift = 0';
COMMENT ON COLUMN @extschema@.experiment_results.chance_to_beat IS 'posterior probability that the arm beats the control';
COMMENT ON COLUMN @extschema@.experiment_results.expected_loss IS 'posterior expected loss (absolute) of choosing the arm instead of the control';
COMMENT ON COLUMN @extschema@.experiment_results.control_loss IS 'posterior expected loss (absolute) of keeping the control instead of the arm';
COMMENT ON COLUMN @extschema@.experiment_results.loss_vs_best IS 'posterior expected loss of choosing the arm instead of the best active arm (the stopping rule''s figure)';
COMMENT ON COLUMN @extschema@.experiment_results.naive_rel_uplift IS 'relative uplift from the totals, without the correction';
COMMENT ON COLUMN @extschema@.experiment_results.srm_p_value IS 'sample-ratio-mismatch chi-square p-value (uniform policy; NULL otherwise)';
COMMENT ON COLUMN @extschema@.experiment_results.srm_flag IS 'srm_p_value < 0.001: the split is not what was intended';
COMMENT ON COLUMN @extschema@.experiment_results.guardrail_failed IS 'a guardrail metric is worse than the control''s with 95 % confidence';
COMMENT ON COLUMN @extschema@.experiment_results.decision IS '''ship <arm>'', ''keep running'' or ''no difference'' (same on every row of the experiment)';


-- Customers, churn and CLV (needs rfm, bgnbd_fit, p_alive, churn_score,
-- expected_purchases, gammagamma_fit, clv, rfm_segment) ------------------------------

CREATE TABLE @extschema@.models (
  id          pg_catalog.bool PRIMARY KEY DEFAULT true CHECK (id),
  fitted_at   pg_catalog.timestamptz NOT NULL,
  as_of       pg_catalog.timestamptz NOT NULL,
  time_unit   pg_catalog.interval NOT NULL,
  customers   pg_catalog.int8 NOT NULL,
  bgnbd       @extschema@.bgnbd_model,
  gammagamma  @extschema@.gammagamma_model
);
COMMENT ON TABLE @extschema@.models IS
  'churn and spend models fitted by refresh() and read by customer_360 (one row; kept by pg_dump)';
COMMENT ON COLUMN @extschema@.models.id IS 'always true (the table has one row)';
COMMENT ON COLUMN @extschema@.models.fitted_at IS 'when refresh() fitted the models';
COMMENT ON COLUMN @extschema@.models.as_of IS 'reference time of the RFM summaries the models were fitted on';
COMMENT ON COLUMN @extschema@.models.time_unit IS 'time unit of the models (settings.time_unit at fitting time)';
COMMENT ON COLUMN @extschema@.models.customers IS 'buyers the BG/NBD model was fitted on';
COMMENT ON COLUMN @extschema@.models.bgnbd IS 'BG/NBD model (bgnbd_fit with settings.penalizer); NULL when there were no buyers';
COMMENT ON COLUMN @extschema@.models.gammagamma IS 'Gamma-Gamma spend model (gammagamma_fit over repeat buyers with a positive mean spend); NULL when there were none';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.models', '');
GRANT SELECT ON @extschema@.models TO PUBLIC;
