-- Example data for examples/package_card_launch.playbook (包裹卡公转私 · 启动期).
--
-- A small apparel community two weeks into the package-card launch: buyers from
-- 淘宝 / 抖音 scan the lucky-draw card in their parcel, add the WeCom assistant, join
-- the 福利群 and place a first order; a few loyal customers invite friends.
-- Generated once and kept as plain SQL; `playbook run --data` loads it into memory.
--
--   cargo run --release -- run examples/package_card_launch.playbook \
--     --data examples/data/package_card_launch.sql \
--     --since "2026-04-25 00:00" --at "2026-04-28 00:00"
--
-- Encodings: time 'YYYY-MM-DD HH:MM:SS' local (Asia/Shanghai), money INTEGER fen,
-- set<text> comma-separated TEXT, NULL for a missing optional value.

CREATE TABLE members (
  id TEXT PRIMARY KEY,
  level INTEGER NOT NULL,        -- 会员等级 0-4
  channel TEXT NOT NULL,         -- 淘宝 / 抖音 / 包裹卡 / 门店
  orders INTEGER NOT NULL,
  spend_365d INTEGER NOT NULL,   -- fen
  joined_at TEXT NOT NULL,
  first_order_at TEXT,           -- NULL: never ordered
  tags TEXT NOT NULL,            -- comma-separated
  invites INTEGER NOT NULL
);

INSERT INTO members VALUES ('m001', 0, '包裹卡', 0, 0, '2026-04-17 20:15:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m002', 0, '包裹卡', 0, 0, '2026-04-18 09:40:00', NULL, '包裹卡,宝妈', 0);
INSERT INTO members VALUES ('m003', 0, '淘宝', 0, 0, '2026-04-18 21:05:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m004', 0, '包裹卡', 0, 0, '2026-04-19 10:30:00', NULL, '', 0);
INSERT INTO members VALUES ('m005', 0, '抖音', 0, 0, '2026-04-19 16:20:00', NULL, '学生', 0);
INSERT INTO members VALUES ('m006', 0, '包裹卡', 0, 0, '2026-04-20 08:50:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m007', 0, '包裹卡', 0, 0, '2026-04-20 11:30:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m008', 0, '包裹卡', 0, 0, '2026-04-14 12:00:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m009', 1, '包裹卡', 0, 0, '2026-04-21 19:45:00', NULL, '包裹卡,价格敏感', 0);
INSERT INTO members VALUES ('m010', 0, '包裹卡', 0, 0, '2026-04-25 09:12:00', NULL, '包裹卡,学生', 0);
INSERT INTO members VALUES ('m011', 0, '包裹卡', 0, 0, '2026-04-25 10:03:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m012', 0, '包裹卡', 0, 0, '2026-04-25 12:47:00', NULL, '包裹卡,价格敏感', 0);
INSERT INTO members VALUES ('m013', 0, '包裹卡', 0, 0, '2026-04-25 14:20:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m014', 0, '包裹卡', 0, 0, '2026-04-25 20:31:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m015', 0, '包裹卡', 0, 0, '2026-04-25 21:58:00', NULL, '包裹卡,上班族', 0);
INSERT INTO members VALUES ('m016', 0, '包裹卡', 0, 0, '2026-04-26 08:05:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m017', 0, '包裹卡', 0, 0, '2026-04-26 11:40:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m018', 0, '包裹卡', 0, 0, '2026-04-26 13:15:00', NULL, '包裹卡,学生', 0);
INSERT INTO members VALUES ('m019', 0, '包裹卡', 0, 0, '2026-04-26 19:02:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m020', 0, '包裹卡', 0, 0, '2026-04-26 21:30:00', NULL, '包裹卡,上班族', 0);
INSERT INTO members VALUES ('m021', 0, '包裹卡', 0, 0, '2026-04-27 09:26:00', NULL, '包裹卡,价格敏感', 0);
INSERT INTO members VALUES ('m022', 0, '包裹卡', 0, 0, '2026-04-27 12:10:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m023', 0, '包裹卡', 0, 0, '2026-04-27 15:33:00', NULL, '包裹卡,宝妈', 0);
INSERT INTO members VALUES ('m024', 0, '包裹卡', 0, 0, '2026-04-27 20:48:00', NULL, '包裹卡,上班族', 0);
INSERT INTO members VALUES ('m025', 0, '包裹卡', 0, 0, '2026-04-28 10:05:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m030', 1, '包裹卡', 1, 25900, '2026-04-19 18:22:00', '2026-04-25 20:30:00', '包裹卡', 0);
INSERT INTO members VALUES ('m031', 1, '抖音', 1, 59900, '2026-04-20 12:05:00', '2026-04-26 10:15:00', '包裹卡,上班族', 0);
INSERT INTO members VALUES ('m032', 1, '包裹卡', 1, 12900, '2026-04-21 09:30:00', '2026-04-26 22:40:00', '包裹卡,学生', 0);
INSERT INTO members VALUES ('m033', 1, '包裹卡', 1, 8900, '2026-04-22 15:10:00', '2026-04-27 13:05:00', '包裹卡,价格敏感', 0);
INSERT INTO members VALUES ('m034', 1, '淘宝', 1, 19900, '2026-04-10 11:00:00', '2026-04-25 16:44:00', '', 0);
INSERT INTO members VALUES ('m035', 1, '淘宝', 1, 23900, '2026-04-16 21:00:00', '2026-04-16 20:41:00', '包裹卡', 0);
INSERT INTO members VALUES ('m036', 1, '抖音', 1, 15900, '2026-04-12 20:30:00', '2026-04-12 20:10:00', '包裹卡', 0);
INSERT INTO members VALUES ('m037', 1, '包裹卡', 1, 32900, '2026-03-28 10:00:00', '2026-03-20 19:00:00', '包裹卡', 1);
INSERT INTO members VALUES ('m040', 2, '门店', 6, 486000, '2025-11-02 15:00:00', '2025-06-18 14:00:00', '宝妈,KOC', 12);
INSERT INTO members VALUES ('m041', 1, '淘宝', 3, 115000, '2026-01-08 10:00:00', '2025-09-01 20:00:00', '上班族', 2);
INSERT INTO members VALUES ('m042', 3, '抖音', 9, 880000, '2025-08-20 09:00:00', '2025-03-11 21:00:00', 'KOC', 51);
INSERT INTO members VALUES ('m043', 2, '淘宝', 4, 221000, '2026-02-14 13:00:00', '2025-10-10 09:00:00', '宝妈', 4);
INSERT INTO members VALUES ('m044', 2, '包裹卡', 2, 69000, '2026-03-15 17:00:00', '2026-03-12 12:00:00', '包裹卡', 1);
INSERT INTO members VALUES ('m045', 1, '淘宝', 5, 208000, '2026-02-06 20:18:00', '2025-05-05 14:51:00', '', 0);
INSERT INTO members VALUES ('m046', 0, '淘宝', 1, 53400, '2026-03-09 19:06:00', '2025-05-08 19:44:00', '价格敏感', 3);
INSERT INTO members VALUES ('m047', 0, '淘宝', 1, 41500, '2026-02-23 11:12:00', '2025-01-07 12:00:00', '', 0);
INSERT INTO members VALUES ('m048', 1, '门店', 3, 132000, '2026-03-06 18:20:00', '2025-01-16 19:45:00', '宝妈', 3);
INSERT INTO members VALUES ('m049', 2, '包裹卡', 7, 283500, '2026-01-14 15:03:00', '2025-02-18 20:50:00', '价格敏感,包裹卡', 0);
INSERT INTO members VALUES ('m050', 0, '门店', 0, 0, '2026-02-06 17:27:00', NULL, '价格敏感', 0);
INSERT INTO members VALUES ('m051', 0, '门店', 0, 0, '2026-02-17 13:05:00', NULL, '上班族', 0);
INSERT INTO members VALUES ('m052', 1, '包裹卡', 4, 234000, '2026-03-02 14:26:00', '2025-02-12 21:14:00', '价格敏感,包裹卡', 2);
INSERT INTO members VALUES ('m053', 1, '包裹卡', 3, 55800, '2026-01-26 20:50:00', '2025-05-22 11:23:00', '包裹卡,学生', 0);
INSERT INTO members VALUES ('m054', 1, '包裹卡', 4, 121200, '2026-03-03 10:48:00', '2025-07-19 19:59:00', '包裹卡', 0);
INSERT INTO members VALUES ('m055', 0, '门店', 1, 43300, '2026-01-21 16:47:00', '2025-07-05 20:19:00', '价格敏感', 1);
INSERT INTO members VALUES ('m056', 0, '淘宝', 2, 101200, '2026-03-11 15:11:00', '2025-07-06 14:21:00', '宝妈', 2);
INSERT INTO members VALUES ('m057', 1, '包裹卡', 3, 129900, '2026-03-26 16:48:00', '2025-08-15 09:24:00', '包裹卡,学生', 3);
INSERT INTO members VALUES ('m058', 1, '包裹卡', 5, 177000, '2026-01-12 15:56:00', '2025-03-13 13:10:00', '包裹卡', 2);
INSERT INTO members VALUES ('m059', 0, '门店', 0, 0, '2026-01-09 21:10:00', NULL, '价格敏感', 0);
INSERT INTO members VALUES ('m060', 0, '淘宝', 0, 0, '2026-02-16 10:57:00', NULL, '', 0);
INSERT INTO members VALUES ('m061', 0, '包裹卡', 0, 0, '2026-01-22 13:32:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m062', 1, '抖音', 5, 274500, '2026-02-01 18:57:00', '2025-01-05 13:57:00', '', 0);
INSERT INTO members VALUES ('m063', 1, '淘宝', 5, 286500, '2026-01-06 11:22:00', '2025-05-20 18:14:00', '学生', 0);
INSERT INTO members VALUES ('m064', 0, '门店', 0, 0, '2026-01-24 11:59:00', NULL, '宝妈', 0);
INSERT INTO members VALUES ('m065', 0, '抖音', 1, 25400, '2026-01-26 09:56:00', '2025-03-25 19:40:00', '', 2);
INSERT INTO members VALUES ('m066', 1, '门店', 5, 216000, '2026-02-17 16:05:00', '2025-04-02 15:57:00', '学生', 0);
INSERT INTO members VALUES ('m067', 1, '抖音', 4, 72000, '2026-03-22 15:26:00', '2025-03-03 12:17:00', '宝妈', 0);
INSERT INTO members VALUES ('m068', 2, '抖音', 7, 257600, '2026-03-14 17:12:00', '2025-10-17 14:31:00', '上班族', 0);
INSERT INTO members VALUES ('m069', 2, '淘宝', 7, 412300, '2026-02-02 16:41:00', '2025-05-19 19:54:00', '', 2);
INSERT INTO members VALUES ('m070', 1, '淘宝', 5, 59500, '2026-01-10 15:42:00', '2025-11-04 19:52:00', '学生', 1);
INSERT INTO members VALUES ('m071', 0, '门店', 0, 0, '2026-01-07 09:57:00', NULL, '', 0);
INSERT INTO members VALUES ('m072', 1, '抖音', 5, 280000, '2026-02-19 13:43:00', '2025-01-19 14:19:00', '', 3);
INSERT INTO members VALUES ('m073', 0, '淘宝', 0, 0, '2026-03-17 20:35:00', NULL, '价格敏感', 0);
INSERT INTO members VALUES ('m074', 0, '抖音', 0, 0, '2026-03-11 13:43:00', NULL, '价格敏感', 0);
INSERT INTO members VALUES ('m075', 1, '抖音', 5, 60000, '2026-01-16 18:45:00', '2025-06-02 13:33:00', '价格敏感', 2);
INSERT INTO members VALUES ('m076', 0, '淘宝', 0, 0, '2026-02-19 20:24:00', NULL, '', 0);
INSERT INTO members VALUES ('m077', 1, '包裹卡', 5, 137000, '2026-01-16 19:21:00', '2025-11-20 10:47:00', '包裹卡,上班族', 0);
INSERT INTO members VALUES ('m078', 1, '门店', 4, 157600, '2026-02-19 12:08:00', '2025-03-07 21:22:00', '', 0);
INSERT INTO members VALUES ('m079', 0, '包裹卡', 2, 114000, '2026-03-06 15:00:00', '2025-01-03 21:58:00', '包裹卡,上班族', 0);
INSERT INTO members VALUES ('m080', 1, '包裹卡', 3, 67500, '2026-02-13 12:17:00', '2025-06-06 20:31:00', '包裹卡,宝妈', 2);
INSERT INTO members VALUES ('m081', 0, '包裹卡', 0, 0, '2026-01-09 18:47:00', NULL, '包裹卡,上班族', 0);
INSERT INTO members VALUES ('m082', 0, '淘宝', 0, 0, '2026-03-05 16:08:00', NULL, '', 0);
INSERT INTO members VALUES ('m083', 0, '抖音', 0, 0, '2026-01-20 20:45:00', NULL, '宝妈', 0);
INSERT INTO members VALUES ('m084', 0, '抖音', 0, 0, '2026-01-10 17:12:00', NULL, '宝妈', 0);
INSERT INTO members VALUES ('m085', 4, '包裹卡', 12, 296400, '2026-01-06 11:16:00', '2025-02-04 21:46:00', '价格敏感,包裹卡', 0);
INSERT INTO members VALUES ('m086', 4, '门店', 12, 285600, '2026-01-07 18:57:00', '2025-03-24 21:52:00', '', 0);
INSERT INTO members VALUES ('m087', 1, '门店', 5, 213000, '2026-02-18 20:03:00', '2025-09-18 21:33:00', '', 0);
INSERT INTO members VALUES ('m088', 0, '淘宝', 2, 37600, '2026-02-09 12:24:00', '2025-07-24 19:34:00', '上班族', 2);
INSERT INTO members VALUES ('m089', 1, '包裹卡', 3, 34500, '2026-01-03 11:15:00', '2025-10-12 21:56:00', '包裹卡', 3);
INSERT INTO members VALUES ('m090', 0, '包裹卡', 2, 100600, '2026-03-06 11:57:00', '2025-01-02 21:47:00', '价格敏感,包裹卡', 0);
INSERT INTO members VALUES ('m091', 0, '包裹卡', 2, 102400, '2026-02-04 19:22:00', '2025-01-16 20:36:00', '包裹卡', 2);
INSERT INTO members VALUES ('m092', 0, '抖音', 1, 45600, '2026-01-05 11:17:00', '2025-09-12 12:17:00', '', 0);
INSERT INTO members VALUES ('m093', 0, '淘宝', 1, 30400, '2026-01-16 12:07:00', '2025-06-24 20:17:00', '', 2);
INSERT INTO members VALUES ('m094', 2, '淘宝', 7, 244300, '2026-03-26 20:33:00', '2025-12-26 17:28:00', '', 0);
INSERT INTO members VALUES ('m095', 0, '包裹卡', 2, 34800, '2026-01-17 13:18:00', '2025-03-03 11:50:00', '包裹卡', 0);
INSERT INTO members VALUES ('m096', 1, '淘宝', 3, 122400, '2026-01-20 18:20:00', '2025-05-16 16:47:00', '上班族', 0);
INSERT INTO members VALUES ('m097', 1, '抖音', 3, 161400, '2026-01-06 13:25:00', '2025-08-07 21:57:00', '上班族', 0);
INSERT INTO members VALUES ('m098', 0, '包裹卡', 0, 0, '2026-02-06 10:20:00', NULL, '包裹卡', 0);
INSERT INTO members VALUES ('m099', 0, '包裹卡', 2, 91400, '2026-01-09 12:56:00', '2025-12-14 17:11:00', '包裹卡', 2);
INSERT INTO members VALUES ('m100', 4, '淘宝', 12, 141600, '2026-01-25 11:46:00', '2025-08-20 19:09:00', '学生', 2);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  member_id TEXT,
  group_id TEXT,          -- NULL when the event is not in a group
  at TEXT NOT NULL,       -- local time, 'YYYY-MM-DD HH:MM:SS'
  data TEXT               -- JSON object of the kind's declared fields (money in fen)
);
INSERT INTO events VALUES ('e0001', 'scan_card', 'm009', NULL, '2026-04-22 10:15:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0002', 'join_group', 'm009', 'g01', '2026-04-22 10:20:00', '{"group_id": "g01"}');
INSERT INTO events VALUES ('e0003', 'invite_friend', 'm041', NULL, '2026-04-24 21:10:00', '{"invitee": "wx_f001"}');
INSERT INTO events VALUES ('e0004', 'scan_card', 'm010', NULL, '2026-04-25 09:12:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0005', 'join_group', 'm010', 'g01', '2026-04-25 09:20:00', '{"group_id": "g01"}');
INSERT INTO events VALUES ('e0006', 'scan_card', 'm011', NULL, '2026-04-25 10:03:00', '{"card": "2026春-B", "platform": "抖音"}');
INSERT INTO events VALUES ('e0007', 'invite_friend', 'm040', NULL, '2026-04-25 10:30:00', '{"invitee": "wx_k001"}');
INSERT INTO events VALUES ('e0008', 'invite_friend', 'm040', NULL, '2026-04-25 10:41:00', '{"invitee": "wx_k002"}');
INSERT INTO events VALUES ('e0009', 'scan_card', 'm035', NULL, '2026-04-25 11:02:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0010', 'scan_card', 'm012', NULL, '2026-04-25 12:47:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0011', 'join_group', 'm012', 'g01', '2026-04-25 12:55:00', '{"group_id": "g01"}');
INSERT INTO events VALUES ('e0012', 'scan_card', 'm013', NULL, '2026-04-25 14:20:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0013', 'order_paid', 'm034', NULL, '2026-04-25 16:44:00', '{"amount": 19900}');
INSERT INTO events VALUES ('e0014', 'invite_friend', 'm040', NULL, '2026-04-25 19:12:00', '{"invitee": "wx_k003"}');
INSERT INTO events VALUES ('e0015', 'order_paid', 'm030', NULL, '2026-04-25 20:30:00', '{"amount": 25900}');
INSERT INTO events VALUES ('e0016', 'scan_card', 'm014', NULL, '2026-04-25 20:31:00', '{"card": "2026春-B", "platform": "抖音"}');
INSERT INTO events VALUES ('e0017', 'join_group', 'm014', 'g02', '2026-04-25 20:40:00', '{"group_id": "g02"}');
INSERT INTO events VALUES ('e0018', 'invite_friend', 'm041', NULL, '2026-04-25 21:05:00', '{"invitee": "wx_f002"}');
INSERT INTO events VALUES ('e0019', 'scan_card', 'm015', NULL, '2026-04-25 21:58:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0020', 'scan_card', 'm016', NULL, '2026-04-26 08:05:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0021', 'join_group', 'm016', 'g01', '2026-04-26 08:12:00', '{"group_id": "g01"}');
INSERT INTO events VALUES ('e0022', 'join_group', 'm006', 'g02', '2026-04-26 08:30:00', '{"group_id": "g02"}');
INSERT INTO events VALUES ('e0023', 'invite_friend', 'm040', NULL, '2026-04-26 09:05:00', '{"invitee": "wx_k004"}');
INSERT INTO events VALUES ('e0024', 'order_paid', 'm031', NULL, '2026-04-26 10:15:00', '{"amount": 59900}');
INSERT INTO events VALUES ('e0025', 'scan_card', 'm017', NULL, '2026-04-26 11:40:00', '{"card": "2026春-B", "platform": "抖音"}');
INSERT INTO events VALUES ('e0026', 'invite_friend', 'm042', NULL, '2026-04-26 12:00:00', '{"invitee": "wx_v101"}');
INSERT INTO events VALUES ('e0027', 'scan_card', 'm018', NULL, '2026-04-26 13:15:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0028', 'join_group', 'm018', 'g03', '2026-04-26 13:30:00', '{"group_id": "g03"}');
INSERT INTO events VALUES ('e0029', 'scan_card', 'm036', NULL, '2026-04-26 15:27:00', '{"card": "2026春-B", "platform": "抖音"}');
INSERT INTO events VALUES ('e0030', 'join_group', 'm036', 'g03', '2026-04-26 15:40:00', '{"group_id": "g03"}');
INSERT INTO events VALUES ('e0031', 'invite_friend', 'm044', NULL, '2026-04-26 16:10:00', '{"invitee": "wx_p301"}');
INSERT INTO events VALUES ('e0032', 'scan_card', 'm019', NULL, '2026-04-26 19:02:00', '{"card": "2026春-JD", "platform": "京东"}');
INSERT INTO events VALUES ('e0033', 'live_view', 'm031', NULL, '2026-04-26 20:00:00', '{"room": "春季上新直播", "minutes": 42}');
INSERT INTO events VALUES ('e0034', 'invite_friend', 'm040', NULL, '2026-04-26 20:20:00', '{"invitee": "wx_k005"}');
INSERT INTO events VALUES ('e0035', 'scan_card', 'm020', NULL, '2026-04-26 21:30:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0036', 'join_group', 'm020', 'g02', '2026-04-26 21:45:00', '{"group_id": "g02"}');
INSERT INTO events VALUES ('e0037', 'order_paid', 'm032', NULL, '2026-04-26 22:40:00', '{"amount": 12900}');
INSERT INTO events VALUES ('e0038', 'scan_card', 'm021', NULL, '2026-04-27 09:26:00', '{"card": "2026春-B", "platform": "抖音"}');
INSERT INTO events VALUES ('e0039', 'join_group', 'm021', 'g01', '2026-04-27 09:40:00', '{"group_id": "g01"}');
INSERT INTO events VALUES ('e0040', 'invite_friend', 'm011', NULL, '2026-04-27 10:02:00', '{"invitee": "wx_n555"}');
INSERT INTO events VALUES ('e0041', 'scan_card', 'm022', NULL, '2026-04-27 12:10:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0042', 'invite_friend', 'm040', NULL, '2026-04-27 12:33:00', '{"invitee": "wx_k006"}');
INSERT INTO events VALUES ('e0043', 'order_paid', 'm033', NULL, '2026-04-27 13:05:00', '{"amount": 8900}');
INSERT INTO events VALUES ('e0044', 'order_paid', 'm043', NULL, '2026-04-27 14:18:00', '{"amount": 46800}');
INSERT INTO events VALUES ('e0045', 'scan_card', 'm023', NULL, '2026-04-27 15:33:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0046', 'scan_card', 'm012', NULL, '2026-04-27 17:45:00', '{"card": "2026春-A", "platform": "淘宝"}');
INSERT INTO events VALUES ('e0047', 'invite_friend', 'm043', NULL, '2026-04-27 18:30:00', '{"invitee": "wx_b777"}');
INSERT INTO events VALUES ('e0048', 'join_group', 'm010', 'g03', '2026-04-27 19:05:00', '{"group_id": "g03"}');
INSERT INTO events VALUES ('e0049', 'scan_card', 'm024', NULL, '2026-04-27 20:48:00', '{"card": "2026春-B", "platform": "抖音"}');
INSERT INTO events VALUES ('e0050', 'join_group', 'm024', 'g02', '2026-04-27 20:55:00', '{"group_id": "g02"}');
INSERT INTO events VALUES ('e0051', 'scan_card', 'm025', NULL, '2026-04-28 10:05:00', '{"card": "2026春-A", "platform": "淘宝"}');
