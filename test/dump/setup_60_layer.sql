-- The CX layer: the layer's demo sources (test/demo/05_layer_data.sql, in
-- schema demo), all six kinds of mapping, settings, materialised mode
CREATE SCHEMA demo;
\set layer_customers 150
\i test/demo/05_layer_data.sql
SELECT cxm.map_customers('demo.crm_clients', 'Client No', 'Signed Up');
SELECT cxm.map_transactions('demo.shop_orders', 'Client No', 'Ordered At', 'Total EUR', 'Category');
SELECT cxm.map_touchpoints('demo.clickstream', 'cookie_id', 'Page', 'Event Time', 'utm_channel');
SELECT cxm.map_touchpoints('demo.email', 'recipient', 'action', 'sent_at');
SELECT cxm.map_identities('demo.login_links', 'Cookie', 'Client No');
SELECT cxm.map_feedback('demo.nps_survey', 'Client No', 'Submitted', 'Q1 Score');
UPDATE cxm.settings SET as_of = '2026-07-01 00:00+00', funnel_steps = '{home,product,cart,checkout}';
SELECT cxm.set_materialized(true);
