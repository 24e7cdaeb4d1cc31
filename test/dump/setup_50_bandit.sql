-- Experiments: two bandits with sticky assignments, rewards, a paused and an
-- added arm (the extension's config tables keep them through pg_dump)
SELECT cxm.bandit_seed(7);
SELECT setseed(0.7);
SELECT cxm.bandit_create('banner', ARRAY['a', 'b', 'c']);
SELECT cxm.bandit_create('price', ARRAY['low', 'high'], 'gaussian_thompson');
SELECT count(cxm.bandit_choose('banner', 'v' || i)) FROM generate_series(1, 300) i;
SELECT count(cxm.bandit_convert('banner', 'v' || i)) FROM generate_series(1, 300) i WHERE i % 9 = 0;
SELECT cxm.bandit_arm_pause('banner', 'c');
SELECT cxm.bandit_arm_add('banner', 'd');
SELECT count(cxm.bandit_choose('banner', 'w' || i)) FROM generate_series(1, 100) i;
SELECT count(cxm.bandit_choose('price')) FROM generate_series(1, 50) i;
SELECT count(cxm.bandit_reward('price', 'low', 12.5)) FROM generate_series(1, 5) i;
SELECT count(cxm.bandit_reward('price', 'high', 20)) FROM generate_series(1, 3) i;
