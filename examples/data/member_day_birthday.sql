-- Example data for examples/member_day_birthday.playbook (会员日 + 生日关怀 · 2026).
--
-- An apparel brand's members across four levels (普通 / 银卡 / 金卡 / 黑金), many without
-- a birthday on file, seven with a May birthday; three 福利群, two 秒杀群 and a VIP group.
-- The first week of May: the birthday-month gift on 5/1, hourly red packets over the
-- 五一 holiday, Friday flash-sale warm-ups, orders, and 会员日 on 5/8.
--
--   cargo run --release -- run examples/member_day_birthday.playbook \
--     --data examples/data/member_day_birthday.sql \
--     --since "2026-05-01 00:00" --at "2026-05-08 22:00"
--
-- Encodings: time 'YYYY-MM-DD HH:MM:SS' local (Asia/Shanghai), date 'YYYY-MM-DD',
-- money INTEGER fen, set<text> comma-separated TEXT, NULL for a missing optional value.

CREATE TABLE members (
  id TEXT PRIMARY KEY,
  level INTEGER NOT NULL,        -- 0 普通 1 银卡 2 金卡 3 黑金
  orders INTEGER NOT NULL,
  spend_365d INTEGER NOT NULL,   -- fen
  joined_at TEXT NOT NULL,
  last_order_at TEXT,            -- NULL: never ordered
  birthday TEXT,                 -- 'YYYY-MM-DD'; NULL: not given
  tags TEXT NOT NULL             -- comma-separated
);

INSERT INTO members VALUES ('c001', 3, 13, 1767700, '2025-07-13 10:29:00', '2026-04-26 16:37:00', '1992-11-05', '宝妈');
INSERT INTO members VALUES ('c002', 3, 18, 3269700, '2024-11-18 16:05:00', '2026-03-24 22:58:00', '1976-04-18', '');
INSERT INTO members VALUES ('c003', 3, 25, 2330600, '2023-04-01 19:52:00', '2026-03-13 19:12:00', NULL, '');
INSERT INTO members VALUES ('c004', 3, 23, 1546600, '2024-12-10 22:08:00', '2026-03-16 13:50:00', '1988-01-17', '价格敏感');
INSERT INTO members VALUES ('c005', 3, 22, 1880400, '2025-09-04 11:37:00', '2026-04-19 12:29:00', '1980-01-03', '宝妈');
INSERT INTO members VALUES ('c006', 3, 16, 2860200, '2025-10-14 10:09:00', '2026-04-02 22:34:00', '1993-04-15', '学生');
INSERT INTO members VALUES ('c007', 2, 11, 725800, '2025-01-22 20:57:00', '2026-04-22 11:17:00', NULL, '');
INSERT INTO members VALUES ('c008', 2, 7, 627600, '2024-03-26 22:08:00', '2026-04-04 22:08:00', NULL, '价格敏感');
INSERT INTO members VALUES ('c009', 2, 8, 782300, '2024-12-19 10:54:00', '2026-03-27 09:50:00', '1980-03-01', '学生');
INSERT INTO members VALUES ('c010', 2, 11, 423300, '2025-07-08 15:45:00', '2026-03-07 18:33:00', NULL, '');
INSERT INTO members VALUES ('c011', 2, 10, 807500, '2024-03-13 14:37:00', '2026-04-01 15:22:00', '1975-10-25', '学生');
INSERT INTO members VALUES ('c012', 2, 11, 646100, '2025-09-03 22:02:00', '2026-04-03 20:27:00', NULL, '');
INSERT INTO members VALUES ('c013', 2, 6, 732100, '2024-11-19 20:30:00', '2026-04-01 12:39:00', '1983-10-04', '');
INSERT INTO members VALUES ('c014', 2, 10, 789800, '2023-05-04 11:45:00', '2026-03-02 16:51:00', '1982-03-12', '价格敏感');
INSERT INTO members VALUES ('c015', 2, 12, 444000, '2025-03-03 19:46:00', '2026-03-06 21:42:00', '1989-03-16', '学生');
INSERT INTO members VALUES ('c016', 2, 6, 336000, '2025-03-12 09:03:00', '2026-03-05 12:04:00', '1990-07-26', '学生');
INSERT INTO members VALUES ('c017', 2, 12, 654100, '2024-11-18 10:17:00', '2026-04-09 19:24:00', '2001-10-14', '高客单');
INSERT INTO members VALUES ('c018', 2, 12, 486500, '2025-06-08 20:05:00', '2026-03-10 22:08:00', NULL, '价格敏感');
INSERT INTO members VALUES ('c019', 1, 5, 286500, '2023-04-11 22:36:00', '2026-04-04 13:25:00', NULL, '');
INSERT INTO members VALUES ('c020', 1, 2, 72200, '2025-06-17 12:02:00', '2026-03-11 11:11:00', '1990-03-20', '高客单');
INSERT INTO members VALUES ('c021', 1, 4, 148800, '2024-03-02 22:51:00', '2026-04-11 09:36:00', '1995-10-07', '高客单');
INSERT INTO members VALUES ('c022', 1, 5, 148500, '2024-07-27 10:20:00', '2026-04-17 14:39:00', '1976-03-19', '');
INSERT INTO members VALUES ('c023', 1, 3, 226100, '2023-04-05 17:58:00', '2026-04-12 12:46:00', NULL, '');
INSERT INTO members VALUES ('c024', 1, 4, 110500, '2025-09-01 12:47:00', '2026-04-25 13:56:00', NULL, '');
INSERT INTO members VALUES ('c025', 1, 3, 268600, '2024-03-09 16:30:00', '2026-03-17 20:05:00', NULL, '上班族');
INSERT INTO members VALUES ('c026', 1, 5, 265100, '2023-04-17 15:28:00', '2026-03-16 18:22:00', NULL, '宝妈');
INSERT INTO members VALUES ('c027', 1, 2, 260500, '2024-05-08 11:09:00', '2026-03-15 21:47:00', NULL, '价格敏感');
INSERT INTO members VALUES ('c028', 1, 4, 85200, '2023-01-09 12:36:00', '2026-04-16 15:53:00', '2000-12-11', '上班族');
INSERT INTO members VALUES ('c029', 1, 5, 70100, '2023-02-21 10:40:00', '2026-04-11 19:42:00', NULL, '上班族');
INSERT INTO members VALUES ('c030', 1, 3, 230500, '2025-01-07 20:52:00', '2026-04-18 17:55:00', NULL, '价格敏感');
INSERT INTO members VALUES ('c031', 1, 2, 187100, '2024-07-20 21:14:00', '2026-04-06 09:57:00', '2002-07-06', '');
INSERT INTO members VALUES ('c032', 1, 4, 140000, '2025-01-15 20:29:00', '2026-03-01 21:58:00', '2000-08-05', '上班族');
INSERT INTO members VALUES ('c033', 1, 2, 273900, '2024-07-11 10:15:00', '2026-03-08 09:35:00', NULL, '');
INSERT INTO members VALUES ('c034', 1, 3, 173000, '2025-12-13 17:08:00', '2026-04-22 19:23:00', '1981-07-10', '价格敏感');
INSERT INTO members VALUES ('c035', 1, 2, 125400, '2025-02-16 19:38:00', '2026-03-26 09:47:00', NULL, '学生');
INSERT INTO members VALUES ('c036', 1, 2, 242700, '2024-07-14 09:12:00', '2026-04-15 13:39:00', '1979-07-21', '');
INSERT INTO members VALUES ('c037', 0, 1, 14100, '2023-09-01 15:12:00', '2026-03-15 17:29:00', '2002-10-26', '价格敏感');
INSERT INTO members VALUES ('c038', 0, 0, 0, '2024-01-16 10:50:00', NULL, '2000-07-27', '价格敏感');
INSERT INTO members VALUES ('c039', 0, 0, 0, '2025-03-11 17:32:00', NULL, '1986-07-10', '学生');
INSERT INTO members VALUES ('c040', 0, 0, 0, '2024-03-16 12:12:00', NULL, '2003-02-17', '宝妈');
INSERT INTO members VALUES ('c041', 0, 0, 0, '2024-06-15 15:10:00', NULL, '2000-10-27', '');
INSERT INTO members VALUES ('c042', 0, 1, 38300, '2023-07-03 16:16:00', '2026-04-08 22:33:00', '2003-11-01', '上班族');
INSERT INTO members VALUES ('c043', 0, 0, 0, '2025-07-03 15:43:00', NULL, '1994-07-15', '高客单');
INSERT INTO members VALUES ('c044', 0, 1, 54000, '2024-04-03 17:35:00', '2026-04-12 20:54:00', '1991-10-26', '');
INSERT INTO members VALUES ('c045', 0, 1, 15900, '2024-08-08 14:10:00', '2026-04-05 12:59:00', '1995-07-02', '');
INSERT INTO members VALUES ('c046', 0, 1, 43500, '2024-11-09 20:49:00', '2026-04-03 09:16:00', NULL, '价格敏感');
INSERT INTO members VALUES ('c047', 0, 0, 0, '2025-07-02 10:35:00', NULL, NULL, '高客单');
INSERT INTO members VALUES ('c048', 0, 1, 57500, '2023-09-10 21:51:00', '2026-04-06 11:43:00', NULL, '');
INSERT INTO members VALUES ('c049', 0, 0, 0, '2025-04-23 11:28:00', NULL, '1989-01-11', '价格敏感');
INSERT INTO members VALUES ('c050', 0, 0, 0, '2023-01-04 12:08:00', NULL, NULL, '宝妈');
INSERT INTO members VALUES ('c051', 0, 0, 0, '2024-09-27 13:55:00', NULL, '1998-11-04', '学生');
INSERT INTO members VALUES ('c052', 0, 1, 29400, '2025-08-02 22:30:00', '2026-04-27 17:11:00', '1978-12-28', '学生');
INSERT INTO members VALUES ('c053', 2, 5, 349400, '2024-12-03 10:14:00', '2025-07-11 14:20:00', '1977-06-24', '高客单');
INSERT INTO members VALUES ('c054', 3, 2, 291000, '2024-11-26 16:22:00', '2025-07-22 16:22:00', NULL, '上班族');
INSERT INTO members VALUES ('c055', 2, 5, 438600, '2024-03-08 09:24:00', '2025-12-05 09:52:00', NULL, '宝妈');
INSERT INTO members VALUES ('c056', 2, 6, 106500, '2024-09-18 11:49:00', '2025-09-08 12:39:00', '1989-07-22', '宝妈');
INSERT INTO members VALUES ('c057', 3, 6, 321200, '2024-05-22 17:59:00', '2025-11-12 14:52:00', NULL, '上班族');
INSERT INTO members VALUES ('c058', 1, 4, 42300, '2024-09-15 18:53:00', '2025-08-03 15:44:00', NULL, '');
INSERT INTO members VALUES ('c059', 3, 6, 54900, '2024-11-20 16:11:00', '2025-09-20 22:34:00', '1985-12-25', '学生');
INSERT INTO members VALUES ('c060', 1, 3, 128200, '2024-02-04 19:44:00', '2025-09-18 16:42:00', NULL, '高客单');
INSERT INTO members VALUES ('c101', 1, 4, 128000, '2025-08-01 12:00:00', '2026-04-12 20:00:00', '1995-05-20', '');
INSERT INTO members VALUES ('c102', 2, 9, 560000, '2024-11-03 10:20:00', '2026-04-28 19:40:00', '1988-05-03', '高客单');
INSERT INTO members VALUES ('c103', 3, 22, 2680000, '2023-06-18 09:00:00', '2026-04-30 21:00:00', '1979-05-31', '高客单');
INSERT INTO members VALUES ('c104', 0, 0, 0, '2026-04-21 15:00:00', NULL, '2001-05-08', '学生');
INSERT INTO members VALUES ('c105', 1, 3, 89000, '2025-02-14 18:00:00', '2025-11-02 13:00:00', '1992-05-16', '价格敏感');
INSERT INTO members VALUES ('c106', 2, 6, 410000, '2024-05-09 11:30:00', '2026-04-18 12:10:00', '1985-05-11', '宝妈');
INSERT INTO members VALUES ('c107', 1, 2, 76000, '2025-09-10 20:00:00', '2026-03-29 10:00:00', '1999-05-25', '上班族');
INSERT INTO members VALUES ('c108', 1, 5, 102000, '2025-12-01 10:00:00', '2026-04-26 22:10:00', NULL, '价格敏感');

CREATE TABLE groups (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,            -- 福利群 / 秒杀群 / VIP群
  size INTEGER NOT NULL,
  messages_today INTEGER NOT NULL
);
INSERT INTO groups VALUES ('g01', '福利群', 326, 46);
INSERT INTO groups VALUES ('g02', '福利群', 218, 120);
INSERT INTO groups VALUES ('g03', '福利群', 85, 12);
INSERT INTO groups VALUES ('g04', '秒杀群', 180, 210);
INSERT INTO groups VALUES ('g05', '秒杀群', 143, 64);
INSERT INTO groups VALUES ('g06', 'VIP群', 58, 9);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  member_id TEXT,
  group_id TEXT,          -- NULL when the event is not in a group
  at TEXT NOT NULL,       -- local time, 'YYYY-MM-DD HH:MM:SS'
  data TEXT               -- JSON object of the kind's declared fields (money in fen)
);
INSERT INTO events VALUES ('e0001', 'order_paid', 'c003', NULL, '2026-04-30 20:12:00', '{"amount": 39900}');
INSERT INTO events VALUES ('e0002', 'order_paid', 'c101', NULL, '2026-05-01 10:05:00', '{"amount": 32900}');
INSERT INTO events VALUES ('e0003', 'order_paid', 'c012', NULL, '2026-05-01 10:40:00', '{"amount": 25900}');
INSERT INTO events VALUES ('e0004', 'order_paid', 'c102', NULL, '2026-05-01 11:02:00', '{"amount": 68800}');
INSERT INTO events VALUES ('e0005', 'order_paid', 'c030', NULL, '2026-05-01 14:30:00', '{"amount": 8900}');
INSERT INTO events VALUES ('e0006', 'order_paid', 'c101', NULL, '2026-05-01 16:18:00', '{"amount": 12900}');
INSERT INTO events VALUES ('e0007', 'order_paid', 'c006', NULL, '2026-05-01 20:45:00', '{"amount": 129900}');
INSERT INTO events VALUES ('e0008', 'order_paid', 'c106', NULL, '2026-05-02 12:30:00', '{"amount": 45900}');
INSERT INTO events VALUES ('e0009', 'order_paid', 'c021', NULL, '2026-05-02 15:05:00', '{"amount": 19900}');
INSERT INTO events VALUES ('e0010', 'order_paid', 'c101', NULL, '2026-05-03 10:50:00', '{"amount": 19900}');
INSERT INTO events VALUES ('e0011', 'order_paid', 'c040', NULL, '2026-05-03 21:12:00', '{"amount": 16800}');
INSERT INTO events VALUES ('e0012', 'order_paid', 'c103', NULL, '2026-05-04 09:33:00', '{"amount": 268000}');
INSERT INTO events VALUES ('e0013', 'order_paid', 'c015', NULL, '2026-05-04 19:20:00', '{"amount": 34900}');
INSERT INTO events VALUES ('e0014', 'order_paid', 'c108', NULL, '2026-05-05 10:01:00', '{"amount": 10900}');
INSERT INTO events VALUES ('e0015', 'order_paid', 'c108', NULL, '2026-05-05 10:09:00', '{"amount": 9900}');
INSERT INTO events VALUES ('e0016', 'order_paid', 'c108', NULL, '2026-05-05 10:17:00', '{"amount": 11900}');
INSERT INTO events VALUES ('e0017', 'order_paid', 'c108', NULL, '2026-05-05 10:26:00', '{"amount": 9900}');
INSERT INTO events VALUES ('e0018', 'order_paid', 'c108', NULL, '2026-05-05 10:34:00', '{"amount": 10900}');
INSERT INTO events VALUES ('e0019', 'order_paid', 'c108', NULL, '2026-05-05 10:41:00', '{"amount": 12900}');
INSERT INTO events VALUES ('e0020', 'order_paid', 'c107', NULL, '2026-05-05 16:40:00', '{"amount": 23900}');
INSERT INTO events VALUES ('e0021', 'order_paid', 'c033', NULL, '2026-05-06 20:20:00', '{"amount": 29900}');
INSERT INTO events VALUES ('e0022', 'order_paid', 'c009', NULL, '2026-05-07 13:15:00', '{"amount": 89900}');
INSERT INTO events VALUES ('e0023', 'order_paid', 'c001', NULL, '2026-05-08 10:12:00', '{"amount": 158000}');
INSERT INTO events VALUES ('e0024', 'coupon_redeemed', 'c001', NULL, '2026-05-08 10:20:00', '{"coupon": "黑金会员日券"}');
INSERT INTO events VALUES ('e0025', 'order_paid', 'c101', NULL, '2026-05-08 10:25:00', '{"amount": 21900}');
INSERT INTO events VALUES ('e0026', 'order_paid', 'c014', NULL, '2026-05-08 10:31:00', '{"amount": 56000}');
INSERT INTO events VALUES ('e0027', 'order_paid', 'c104', NULL, '2026-05-08 11:48:00', '{"amount": 19900}');
INSERT INTO events VALUES ('e0028', 'order_paid', 'c027', NULL, '2026-05-08 13:06:00', '{"amount": 42900}');
INSERT INTO events VALUES ('e0029', 'order_paid', 'c045', NULL, '2026-05-08 15:52:00', '{"amount": 9900}');
INSERT INTO events VALUES ('e0030', 'order_paid', 'c102', NULL, '2026-05-08 20:03:00', '{"amount": 108000}');
INSERT INTO events VALUES ('e0031', 'order_paid', 'c019', NULL, '2026-05-08 21:30:00', '{"amount": 7500}');
INSERT INTO events VALUES ('e0032', 'order_paid', 'c102', NULL, '2026-05-09 11:00:00', '{"amount": 38800}');
