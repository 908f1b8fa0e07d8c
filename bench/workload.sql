-- The reference workload (docs/performance.md) as one hand-written SQLite query over
-- the `members` table of bench/gen_members.py, evaluated at now = 2026-05-01 20:00:00
-- (Asia/Shanghai). Timestamps are 'YYYY-MM-DD HH:MM:SS' local time, so string
-- comparison orders them: now - 30d = '2026-04-01 20:00:00',
-- now - 90d = '2026-01-31 20:00:00'. Money is in fen.
--
--   sqlite3 target/bench-members-1000000.db < bench/workload.sql
SELECT
  SUM(CASE WHEN orders = 0 AND joined_at >= '2026-04-01 20:00:00' THEN 1 ELSE 0 END) AS s1_潜客,
  SUM(CASE WHEN orders = 1 AND first_order_at >= '2026-04-01 20:00:00' THEN 1 ELSE 0 END) AS s2_新客,
  SUM(CASE WHEN orders >= 2 AND NOT (orders >= 5 OR spend_365d >= 1000000) THEN 1 ELSE 0 END) AS s3_老客,
  SUM(CASE WHEN orders >= 5 OR spend_365d >= 1000000 THEN 1 ELSE 0 END) AS s4_忠诚,
  SUM(CASE WHEN last_order_at IS NOT NULL AND last_order_at < '2026-01-31 20:00:00' THEN 1 ELSE 0 END) AS s5_沉睡,
  SUM(CASE WHEN instr(',' || tags || ',', ',价格敏感,') > 0 THEN 1 ELSE 0 END) AS s6_羊毛党,
  SUM(CASE WHEN messages_7d >= 20 THEN 1 ELSE 0 END) AS s7_高活跃,
  SUM(CASE WHEN invites >= 3 THEN 1 ELSE 0 END) AS s8_裂变达人,
  SUM(CASE WHEN birthday IS NOT NULL AND substr(birthday, 6, 2) = '05' THEN 1 ELSE 0 END) AS s9_生日月,
  SUM(CASE WHEN channel IN ('淘宝', '抖音') AND level >= 2 THEN 1 ELSE 0 END) AS s10_渠道高级,
  SUM(CASE
        WHEN last_order_at IS NOT NULL AND last_order_at < '2026-01-31 20:00:00' THEN 0
        WHEN (orders >= 5 OR spend_365d >= 1000000) AND spend_365d >= 2000000 THEN 10000
        WHEN orders >= 5 OR spend_365d >= 1000000 THEN 5000
        WHEN orders >= 2 THEN 2000                 -- S3 (S4 is taken above)
        WHEN orders = 1 AND first_order_at >= '2026-04-01 20:00:00' THEN 1000
        WHEN orders = 0 AND joined_at >= '2026-04-01 20:00:00' THEN 500
        ELSE 0
      END) AS coupon_fen,
  SUM(CASE
        WHEN last_order_at IS NOT NULL AND last_order_at < '2026-01-31 20:00:00' THEN 0
        WHEN orders >= 5 OR spend_365d >= 1000000 THEN 1
        WHEN orders >= 2 THEN 1
        WHEN orders = 1 AND first_order_at >= '2026-04-01 20:00:00' THEN 1
        WHEN orders = 0 AND joined_at >= '2026-04-01 20:00:00' THEN 1
        ELSE 0
      END) AS coupons
FROM members;
