-- The firings of bench/history.playbook as one SQL query over the same file: every
-- paid order of 2026-04-01 .. 2026-05-01 (Asia/Shanghai, UTC+8 all year) whose
-- member had at least 2 paid orders in the 30 days before it and ¥1,000 in the 365
-- days before it. "Before" is the run's time order: earlier instants, and at the
-- same instant a smaller id; `within D` includes its boundary (at >= now - D).
WITH e AS (
  SELECT id, member_id,
         unixepoch(at) - 28800 AS t,
         json_extract(data, '$.amount') AS amount
  FROM events
  WHERE kind = 'order_paid'
),
w AS (
  SELECT id, t,
         -- Orders in [t - 30d, t] of other instants, plus earlier ids at t itself.
         count(*) OVER (PARTITION BY member_id ORDER BY t
                        RANGE BETWEEN 2592000 PRECEDING AND CURRENT ROW EXCLUDE GROUP)
       + count(*) OVER (PARTITION BY member_id, t ORDER BY id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS orders_30d,
         coalesce(sum(amount) OVER (PARTITION BY member_id ORDER BY t
                        RANGE BETWEEN 31536000 PRECEDING AND CURRENT ROW EXCLUDE GROUP), 0)
       + coalesce(sum(amount) OVER (PARTITION BY member_id, t ORDER BY id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS spend_365d
  FROM e
)
SELECT id FROM w
WHERE t > unixepoch('2026-04-01 00:00:00') - 28800
  AND t <= unixepoch('2026-05-01 23:59:59') - 28800
  AND orders_30d >= 2 AND spend_365d >= 100000
ORDER BY t, id;
