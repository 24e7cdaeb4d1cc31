-- The demo shop's mappings (as in test/demo/50_layer.sql) and the settings of
-- make check-citus's layer part: on the cluster and on the one-node copy.
SELECT cxm.map_customers('demo.crm_clients', 'Client No', 'Signed Up');
SELECT cxm.map_touchpoints('demo.clickstream', 'cookie_id', 'Page', 'Event Time', 'utm_channel', campaign => 'utm_campaign');
SELECT cxm.map_touchpoints('demo.email', 'recipient', 'action', 'sent_at');
SELECT cxm.map_identities('demo.login_links', 'Cookie', 'Client No');
SELECT cxm.map_transactions('demo.shop_orders', 'Client No', 'Ordered At', 'Total EUR', 'Category', cost => 'Cost EUR');
SELECT cxm.map_feedback('demo.nps_survey', 'Client No', 'Submitted', 'Q1 Score', channel => 'Channel', comment => 'Comment');
UPDATE cxm.settings SET as_of = '2026-07-01 00:00+00', funnel_steps = '{home,product,cart,checkout}';
SELECT cxm.refresh();
