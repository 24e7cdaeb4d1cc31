-- Recommendations demo (doc/recommendations.md) on the shop mapped by
-- 50_layer.sql: association rules of the customers' categories, the
-- per-customer recommendations refresh() prepared, and the next best
-- touchpoint of the visitors who have not bought yet.
\pset footer off
SET jit = off;

\echo
\echo '================================================================================'
\echo ' Recommendations: rules, per-customer suggestions, next best touchpoint'
\echo '================================================================================'
\echo
\echo '== Categories bought by the same customer (cxm.assoc_rules, FP-growth in C) =='
SELECT r.antecedent, r.consequent, round(r.support::numeric, 3) AS support,
       round(r.confidence::numeric, 3) AS confidence, round(r.lift::numeric, 2) AS lift
FROM (SELECT cxm.assoc_rules(x.basket, 0.05, 0.3) AS rs
      FROM (SELECT array_agg(product) AS basket FROM cxm.transactions GROUP BY customer_id) x) q,
     unnest(q.rs) r
ORDER BY r.lift DESC, r.support DESC LIMIT 5;

\echo '== Top picks for a buyer and for a visitor who never bought (cxm.recommendations) =='
SELECT customer_id, rank, item, round(score::numeric, 3) AS score, reason
FROM cxm.recommendations WHERE customer_id IN ('1011', 'v-5') ORDER BY customer_id, rank;

\echo '== Where to send the visitors who have not bought yet (cxm.next_best_action) =='
SELECT last_touchpoint, next_touchpoint, round(conversion_probability::numeric, 3) AS p_convert,
       count(*) AS profiles
FROM cxm.next_best_action GROUP BY 1, 2, 3 ORDER BY profiles DESC, 1 LIMIT 5;
