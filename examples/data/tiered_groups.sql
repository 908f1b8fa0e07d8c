-- Example data for examples/tiered_groups.playbook (分层社群运营 · 夏季).
--
-- An apparel brand's tiered groups in mid-June: 忠诚老客 and 超级用户 in the VIP group,
-- 老客 in the repurchase group, 潜客 + 新客 in the newcomers' group. A weekend of
-- orders, outfit posts (穿搭 / 晒单) and invitations, then Monday: the weekly tiered
-- coupon at 10:00 and the mid-month A/B repurchase experiment at 20:00.
--
--   cargo run --release -- run examples/tiered_groups.playbook \
--     --data examples/data/tiered_groups.sql \
--     --since "2026-06-14 00:00" --at "2026-06-15 22:00"
--
-- Encodings: time 'YYYY-MM-DD HH:MM:SS' local (Asia/Shanghai), money INTEGER fen,
-- set<text> comma-separated TEXT, NULL for a missing optional value.

CREATE TABLE members (
  id TEXT PRIMARY KEY,
  level INTEGER NOT NULL,        -- 会员等级 0-4
  channel TEXT NOT NULL,         -- 淘宝 / 抖音 / 门店 / 包裹卡
  orders INTEGER NOT NULL,
  spend_365d INTEGER NOT NULL,   -- fen
  joined_at TEXT NOT NULL,
  first_order_at TEXT,           -- NULL: never ordered
  last_order_at TEXT,            -- NULL: never ordered
  tags TEXT NOT NULL,            -- comma-separated: 价格敏感, 高客单, 鞋包 …
  messages_7d INTEGER NOT NULL,
  invites INTEGER NOT NULL
);

INSERT INTO members VALUES ('u001', 3, '抖音', 18, 8600000, '2024-02-11 15:19:00', '2024-08-27 19:37:00', '2026-06-02 20:15:00', '高客单,鞋包', 23, 1);
INSERT INTO members VALUES ('u002', 3, '抖音', 6, 3621100, '2024-10-23 12:18:00', '2024-07-11 10:23:00', '2026-05-11 19:51:00', 'KOC', 11, 5);
INSERT INTO members VALUES ('u003', 3, '淘宝', 6, 5444500, '2024-09-26 15:06:00', '2024-08-19 12:08:00', '2026-05-03 11:34:00', '鞋包', 24, 1);
INSERT INTO members VALUES ('u004', 4, '门店', 20, 2286200, '2024-01-14 16:09:00', '2024-07-04 18:16:00', '2026-06-03 13:30:00', '', 9, 8);
INSERT INTO members VALUES ('u005', 3, '淘宝', 3, 6929700, '2024-02-18 15:07:00', '2024-11-11 17:25:00', '2026-05-05 10:30:00', '鞋包', 6, 5);
INSERT INTO members VALUES ('u006', 4, '抖音', 8, 6436800, '2024-03-25 21:56:00', '2024-08-11 14:22:00', '2026-05-10 16:50:00', '高客单,鞋包', 6, 0);
INSERT INTO members VALUES ('u007', 3, '抖音', 11, 1302400, '2024-07-01 19:35:00', '2024-10-13 20:03:00', '2026-06-01 18:01:00', 'KOC', 23, 2);
INSERT INTO members VALUES ('u008', 3, '淘宝', 12, 1428000, '2024-12-15 09:45:00', '2024-08-19 22:36:00', '2026-05-04 12:49:00', '', 0, 2);
INSERT INTO members VALUES ('u009', 3, '包裹卡', 4, 5692100, '2024-11-02 19:22:00', '2024-08-04 12:28:00', '2026-05-01 15:12:00', '高客单', 7, 5);
INSERT INTO members VALUES ('u010', 3, '包裹卡', 9, 446400, '2024-04-19 14:06:00', '2024-10-01 12:10:00', '2026-05-05 14:18:00', '鞋包', 7, 0);
INSERT INTO members VALUES ('u011', 4, '淘宝', 14, 1794800, '2024-05-08 18:56:00', '2024-09-05 21:39:00', '2026-05-02 22:11:00', '鞋包', 19, 6);
INSERT INTO members VALUES ('u012', 3, '门店', 8, 432800, '2024-03-23 17:07:00', '2024-08-05 14:54:00', '2026-02-07 09:43:00', '', 7, 2);
INSERT INTO members VALUES ('u013', 3, '包裹卡', 3, 3268700, '2024-02-07 13:07:00', '2024-08-10 22:54:00', '2026-05-07 11:03:00', '鞋包', 24, 3);
INSERT INTO members VALUES ('u014', 4, '门店', 10, 1185000, '2024-09-10 17:36:00', '2024-06-15 19:42:00', '2026-05-07 13:04:00', '高客单,鞋包', 22, 0);
INSERT INTO members VALUES ('u015', 3, '包裹卡', 9, 531900, '2024-11-21 17:47:00', '2024-07-05 16:47:00', '2026-05-01 17:48:00', '', 11, 3);
INSERT INTO members VALUES ('u016', 4, '包裹卡', 5, 607000, '2024-11-16 15:07:00', '2024-11-16 10:17:00', '2026-06-12 10:30:00', '', 0, 8);
INSERT INTO members VALUES ('u017', 3, '抖音', 4, 7479200, '2024-02-01 21:28:00', '2024-10-14 09:11:00', '2026-06-04 17:12:00', '高客单,鞋包', 4, 2);
INSERT INTO members VALUES ('u018', 4, '淘宝', 6, 277800, '2024-08-11 14:22:00', '2024-09-03 20:53:00', '2026-05-06 15:19:00', 'KOC', 4, 8);
INSERT INTO members VALUES ('u019', 4, '淘宝', 15, 1278000, '2024-03-05 13:21:00', '2024-10-07 13:04:00', '2026-06-01 19:37:00', '', 24, 8);
INSERT INTO members VALUES ('u020', 4, '包裹卡', 20, 2156000, '2024-04-13 14:12:00', '2024-12-27 11:52:00', '2026-02-11 16:48:00', '鞋包', 1, 4);
INSERT INTO members VALUES ('u021', 3, '门店', 4, 2090600, '2024-09-10 11:54:00', '2024-06-03 16:03:00', '2026-05-05 19:13:00', '', 11, 4);
INSERT INTO members VALUES ('u022', 3, '抖音', 19, 1415500, '2024-05-12 12:54:00', '2024-09-05 09:28:00', '2026-06-03 13:19:00', '高客单', 9, 8);
INSERT INTO members VALUES ('u023', 1, '抖音', 3, 150000, '2025-04-24 13:10:00', '2025-12-11 18:57:00', '2026-05-28 12:00:00', '', 2, 1);
INSERT INTO members VALUES ('u024', 1, '抖音', 2, 72800, '2025-09-27 10:25:00', '2025-10-24 22:26:00', '2026-05-03 13:32:00', '价格敏感', 12, 3);
INSERT INTO members VALUES ('u025', 1, '包裹卡', 4, 203600, '2025-05-20 22:43:00', '2025-08-11 18:53:00', '2026-04-10 22:50:00', '鞋包', 3, 2);
INSERT INTO members VALUES ('u026', 2, '包裹卡', 4, 166000, '2025-08-05 11:41:00', '2025-02-04 09:55:00', '2026-02-04 21:47:00', '', 3, 2);
INSERT INTO members VALUES ('u027', 2, '淘宝', 3, 114000, '2025-10-14 18:46:00', '2025-02-14 21:18:00', '2026-05-11 20:41:00', '上班族', 5, 2);
INSERT INTO members VALUES ('u028', 2, '淘宝', 3, 138600, '2025-04-26 16:53:00', '2025-12-05 10:58:00', '2026-05-06 22:51:00', '价格敏感', 0, 3);
INSERT INTO members VALUES ('u029', 2, '门店', 3, 153000, '2025-08-12 16:56:00', '2025-07-21 12:20:00', '2026-04-11 09:16:00', '上班族', 9, 3);
INSERT INTO members VALUES ('u030', 2, '门店', 2, 66200, '2025-07-26 12:43:00', '2025-11-08 18:24:00', '2026-04-12 10:29:00', '', 1, 1);
INSERT INTO members VALUES ('u031', 1, '包裹卡', 4, 139600, '2025-03-15 16:14:00', '2025-07-03 10:35:00', '2026-06-06 22:26:00', '上班族', 7, 1);
INSERT INTO members VALUES ('u032', 2, '淘宝', 2, 89200, '2025-06-18 22:25:00', '2025-07-19 14:38:00', '2026-04-11 22:17:00', '价格敏感', 10, 3);
INSERT INTO members VALUES ('u033', 2, '抖音', 2, 85400, '2025-08-02 10:35:00', '2025-12-09 17:24:00', '2026-02-04 10:04:00', '宝妈', 9, 0);
INSERT INTO members VALUES ('u034', 1, '包裹卡', 3, 105000, '2025-09-10 18:34:00', '2025-02-13 09:36:00', '2026-06-09 21:08:00', '', 0, 1);
INSERT INTO members VALUES ('u035', 2, '包裹卡', 3, 108000, '2025-08-03 17:23:00', '2025-07-26 15:45:00', '2026-06-08 17:57:00', '', 13, 0);
INSERT INTO members VALUES ('u036', 1, '抖音', 3, 58200, '2025-08-15 18:33:00', '2025-12-05 18:41:00', '2026-05-03 12:02:00', '价格敏感', 2, 3);
INSERT INTO members VALUES ('u037', 1, '抖音', 4, 216800, '2025-08-17 10:35:00', '2025-06-23 12:58:00', '2026-06-03 19:08:00', '宝妈', 1, 1);
INSERT INTO members VALUES ('u038', 1, '淘宝', 4, 230000, '2025-12-19 21:55:00', '2025-05-25 11:37:00', '2026-06-02 21:25:00', '宝妈', 2, 0);
INSERT INTO members VALUES ('u039', 1, '门店', 3, 66300, '2025-08-24 17:05:00', '2025-03-12 15:20:00', '2026-06-09 22:11:00', '', 3, 1);
INSERT INTO members VALUES ('u040', 2, '抖音', 4, 69200, '2025-05-14 09:47:00', '2025-04-18 09:05:00', '2026-01-02 17:58:00', '价格敏感', 0, 1);
INSERT INTO members VALUES ('u041', 2, '门店', 4, 172000, '2025-04-09 16:50:00', '2025-04-10 22:48:00', '2026-04-11 15:56:00', '鞋包', 12, 2);
INSERT INTO members VALUES ('u042', 2, '包裹卡', 4, 251200, '2025-06-03 15:26:00', '2025-07-18 15:27:00', '2026-06-07 22:44:00', '', 10, 2);
INSERT INTO members VALUES ('u043', 2, '抖音', 3, 73200, '2025-09-18 09:42:00', '2025-12-22 12:54:00', '2026-04-05 14:34:00', '上班族', 9, 0);
INSERT INTO members VALUES ('u044', 2, '包裹卡', 4, 245600, '2025-09-19 16:58:00', '2025-03-12 10:11:00', '2026-04-08 19:55:00', '价格敏感', 14, 0);
INSERT INTO members VALUES ('u045', 2, '门店', 3, 143700, '2025-08-09 10:20:00', '2025-07-11 19:30:00', '2026-06-12 18:58:00', '宝妈', 10, 1);
INSERT INTO members VALUES ('u046', 2, '抖音', 3, 75300, '2025-12-22 13:54:00', '2025-07-05 16:16:00', '2026-06-10 18:12:00', '宝妈', 0, 1);
INSERT INTO members VALUES ('u047', 2, '门店', 3, 47700, '2025-09-22 12:22:00', '2025-09-02 20:01:00', '2026-02-09 22:16:00', '鞋包', 13, 3);
INSERT INTO members VALUES ('u048', 2, '门店', 4, 166000, '2025-05-18 13:31:00', '2025-05-08 20:59:00', '2026-04-03 14:36:00', '价格敏感', 6, 0);
INSERT INTO members VALUES ('u049', 1, '门店', 1, 31600, '2026-05-25 08:30:00', '2026-05-25 18:34:00', '2026-05-25 18:34:00', '', 0, 0);
INSERT INTO members VALUES ('u050', 1, '抖音', 1, 13400, '2026-05-24 08:30:00', '2026-05-24 12:29:00', '2026-05-24 12:29:00', '学生', 2, 0);
INSERT INTO members VALUES ('u051', 1, '淘宝', 1, 32100, '2026-06-08 08:30:00', '2026-06-08 21:45:00', '2026-06-08 21:45:00', '价格敏感', 4, 0);
INSERT INTO members VALUES ('u052', 1, '抖音', 1, 10000, '2026-06-23 08:30:00', '2026-06-23 16:08:00', '2026-06-23 16:08:00', '', 4, 0);
INSERT INTO members VALUES ('u053', 1, '门店', 1, 23300, '2026-05-27 08:30:00', '2026-05-27 10:26:00', '2026-05-27 10:26:00', '学生', 0, 0);
INSERT INTO members VALUES ('u054', 1, '抖音', 1, 10100, '2026-05-27 08:30:00', '2026-05-27 17:47:00', '2026-05-27 17:47:00', '学生', 1, 0);
INSERT INTO members VALUES ('u055', 1, '抖音', 1, 47300, '2026-05-25 08:30:00', '2026-05-25 13:22:00', '2026-05-25 13:22:00', '学生', 5, 0);
INSERT INTO members VALUES ('u056', 1, '淘宝', 1, 49900, '2026-05-18 08:30:00', '2026-05-18 18:23:00', '2026-05-18 18:23:00', '价格敏感', 0, 0);
INSERT INTO members VALUES ('u057', 1, '包裹卡', 1, 31100, '2026-05-22 08:30:00', '2026-05-22 12:52:00', '2026-05-22 12:52:00', '学生', 5, 0);
INSERT INTO members VALUES ('u058', 1, '抖音', 1, 31400, '2026-05-29 08:30:00', '2026-05-29 19:52:00', '2026-05-29 19:52:00', '', 2, 0);
INSERT INTO members VALUES ('u059', 1, '门店', 1, 25200, '2026-06-10 08:30:00', '2026-06-10 18:40:00', '2026-06-10 18:40:00', '', 1, 0);
INSERT INTO members VALUES ('u060', 1, '淘宝', 1, 14400, '2026-05-29 08:30:00', '2026-05-29 17:59:00', '2026-05-29 17:59:00', '宝妈', 5, 0);
INSERT INTO members VALUES ('u061', 1, '抖音', 1, 39200, '2025-11-14 15:04:00', '2026-03-20 19:47:00', '2026-03-20 19:47:00', '价格敏感', 3, 0);
INSERT INTO members VALUES ('u062', 1, '淘宝', 1, 42500, '2025-10-26 09:39:00', '2026-04-10 17:17:00', '2026-04-10 17:17:00', '价格敏感', 2, 0);
INSERT INTO members VALUES ('u063', 1, '抖音', 1, 32500, '2025-11-13 13:03:00', '2026-03-02 10:33:00', '2026-03-02 10:33:00', '上班族', 2, 0);
INSERT INTO members VALUES ('u064', 1, '淘宝', 1, 22500, '2025-11-21 15:03:00', '2026-04-03 16:06:00', '2026-04-03 16:06:00', '价格敏感', 1, 0);
INSERT INTO members VALUES ('u065', 1, '淘宝', 1, 40500, '2025-12-26 14:52:00', '2026-04-14 17:12:00', '2026-04-14 17:12:00', '上班族', 2, 0);
INSERT INTO members VALUES ('u066', 1, '淘宝', 1, 50000, '2025-06-18 19:19:00', '2026-03-07 19:13:00', '2026-03-07 19:13:00', '价格敏感', 3, 0);
INSERT INTO members VALUES ('u067', 1, '淘宝', 1, 59200, '2025-10-12 20:24:00', '2026-03-01 21:49:00', '2026-03-01 21:49:00', '上班族', 1, 0);
INSERT INTO members VALUES ('u068', 1, '淘宝', 1, 21900, '2025-12-24 21:35:00', '2026-04-24 13:38:00', '2026-04-24 13:38:00', '价格敏感', 3, 0);
INSERT INTO members VALUES ('u069', 1, '抖音', 1, 13500, '2025-09-16 13:16:00', '2026-04-26 20:48:00', '2026-04-26 20:48:00', '价格敏感', 3, 0);
INSERT INTO members VALUES ('u070', 1, '淘宝', 1, 24000, '2025-06-20 12:29:00', '2026-04-11 11:35:00', '2026-04-11 11:35:00', '价格敏感', 2, 0);
INSERT INTO members VALUES ('u071', 0, '抖音', 0, 0, '2026-04-01 21:37:00', NULL, NULL, '', 6, 0);
INSERT INTO members VALUES ('u072', 0, '包裹卡', 0, 0, '2026-04-05 12:16:00', NULL, NULL, '价格敏感', 9, 0);
INSERT INTO members VALUES ('u073', 0, '淘宝', 0, 0, '2026-04-05 22:17:00', NULL, NULL, '', 4, 0);
INSERT INTO members VALUES ('u074', 0, '淘宝', 0, 0, '2026-06-01 13:14:00', NULL, NULL, '', 3, 0);
INSERT INTO members VALUES ('u075', 0, '淘宝', 0, 0, '2026-04-10 13:47:00', NULL, NULL, '', 4, 0);
INSERT INTO members VALUES ('u076', 0, '包裹卡', 0, 0, '2026-06-03 17:07:00', NULL, NULL, '学生', 0, 0);
INSERT INTO members VALUES ('u077', 0, '抖音', 0, 0, '2026-05-01 17:47:00', NULL, NULL, '价格敏感', 2, 0);
INSERT INTO members VALUES ('u078', 0, '淘宝', 0, 0, '2026-06-12 21:09:00', NULL, NULL, '', 6, 0);
INSERT INTO members VALUES ('u079', 0, '淘宝', 0, 0, '2026-06-06 12:17:00', NULL, NULL, '学生', 6, 0);
INSERT INTO members VALUES ('u080', 0, '抖音', 0, 0, '2026-04-06 20:27:00', NULL, NULL, '价格敏感', 4, 0);
INSERT INTO members VALUES ('u081', 0, '淘宝', 0, 0, '2026-06-03 17:54:00', NULL, NULL, '', 6, 0);
INSERT INTO members VALUES ('u082', 0, '抖音', 0, 0, '2026-06-06 14:04:00', NULL, NULL, '', 2, 0);
INSERT INTO members VALUES ('u083', 0, '抖音', 0, 0, '2026-06-09 13:59:00', NULL, NULL, '学生', 1, 0);
INSERT INTO members VALUES ('u084', 0, '淘宝', 0, 0, '2026-05-12 20:24:00', NULL, NULL, '', 7, 0);
INSERT INTO members VALUES ('u085', 0, '包裹卡', 0, 0, '2026-05-04 19:43:00', NULL, NULL, '学生', 4, 0);
INSERT INTO members VALUES ('u086', 0, '包裹卡', 0, 0, '2026-06-02 09:14:00', NULL, NULL, '', 7, 0);
INSERT INTO members VALUES ('u087', 0, '淘宝', 0, 0, '2026-06-02 19:06:00', NULL, NULL, '价格敏感', 1, 0);
INSERT INTO members VALUES ('u088', 0, '淘宝', 0, 0, '2026-06-10 17:47:00', NULL, NULL, '价格敏感', 8, 0);
INSERT INTO members VALUES ('u089', 0, '门店', 0, 0, '2026-05-06 19:35:00', NULL, NULL, '学生', 5, 0);
INSERT INTO members VALUES ('u090', 0, '包裹卡', 0, 0, '2026-05-03 14:42:00', NULL, NULL, '学生', 0, 0);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  member_id TEXT,
  group_id TEXT,          -- NULL when the event is not in a group
  at TEXT NOT NULL,       -- local time, 'YYYY-MM-DD HH:MM:SS'
  data TEXT               -- JSON object of the kind's declared fields (money in fen)
);
INSERT INTO events VALUES ('e0001', 'post_ugc', 'u002', 'grp_vip', '2026-06-12 21:30:00', '{"topic": "穿搭"}');
INSERT INTO events VALUES ('e0002', 'order_paid', 'u024', NULL, '2026-06-13 15:00:00', '{"amount": 32900}');
INSERT INTO events VALUES ('e0003', 'order_paid', 'u001', NULL, '2026-06-14 10:12:00', '{"amount": 168000}');
INSERT INTO events VALUES ('e0004', 'order_paid', 'u025', NULL, '2026-06-14 11:40:00', '{"amount": 32900}');
INSERT INTO events VALUES ('e0005', 'invite_friend', 'u002', NULL, '2026-06-14 12:00:00', '{"invitee": "wx_a01"}');
INSERT INTO events VALUES ('e0006', 'order_paid', 'u049', NULL, '2026-06-14 14:05:00', '{"amount": 15900}');
INSERT INTO events VALUES ('e0007', 'post_ugc', 'u001', 'grp_vip', '2026-06-14 16:20:00', '{"topic": "穿搭"}');
INSERT INTO events VALUES ('e0008', 'invite_friend', 'u027', NULL, '2026-06-14 17:25:00', '{"invitee": "wx_b07"}');
INSERT INTO events VALUES ('e0009', 'post_ugc', 'u023', 'grp_old', '2026-06-14 18:02:00', '{"topic": "晒单"}');
INSERT INTO events VALUES ('e0010', 'post_ugc', 'u050', 'grp_new', '2026-06-14 19:30:00', '{"topic": "踏青"}');
INSERT INTO events VALUES ('e0011', 'order_paid', 'u004', NULL, '2026-06-14 20:31:00', '{"amount": 238000}');
INSERT INTO events VALUES ('e0012', 'order_paid', 'u028', NULL, '2026-06-14 21:18:00', '{"amount": 26800}');
INSERT INTO events VALUES ('e0013', 'post_ugc', 'u073', 'grp_new', '2026-06-14 22:10:00', '{"topic": "闲聊"}');
INSERT INTO events VALUES ('e0014', 'post_ugc', 'u001', 'grp_vip', '2026-06-15 08:50:00', '{"topic": "晒单"}');
INSERT INTO events VALUES ('e0015', 'order_paid', 'u031', NULL, '2026-06-15 09:20:00', '{"amount": 59900}');
INSERT INTO events VALUES ('e0016', 'order_paid', 'u023', NULL, '2026-06-15 10:26:00', '{"amount": 44900}');
INSERT INTO events VALUES ('e0017', 'invite_friend', 'u051', NULL, '2026-06-15 11:11:00', '{"invitee": "wx_c15"}');
INSERT INTO events VALUES ('e0018', 'order_paid', 'u071', NULL, '2026-06-15 12:03:00', '{"amount": 9900}');
INSERT INTO events VALUES ('e0019', 'post_ugc', 'u026', 'grp_old', '2026-06-15 12:40:00', '{"topic": "穿搭"}');
INSERT INTO events VALUES ('e0020', 'order_paid', 'u024', NULL, '2026-06-15 13:10:00', '{"amount": 10900}');
INSERT INTO events VALUES ('e0021', 'order_paid', 'u024', NULL, '2026-06-15 13:14:00', '{"amount": 11900}');
INSERT INTO events VALUES ('e0022', 'order_paid', 'u024', NULL, '2026-06-15 13:21:00', '{"amount": 9900}');
INSERT INTO events VALUES ('e0023', 'order_paid', 'u024', NULL, '2026-06-15 13:30:00', '{"amount": 12900}');
INSERT INTO events VALUES ('e0024', 'invite_friend', 'u023', NULL, '2026-06-15 18:40:00', '{"invitee": "wx_d22"}');
INSERT INTO events VALUES ('e0025', 'invite_friend', 'u002', NULL, '2026-06-15 18:55:00', '{"invitee": "wx_a02"}');
INSERT INTO events VALUES ('e0026', 'order_paid', 'u006', NULL, '2026-06-15 19:45:00', '{"amount": 102000}');
INSERT INTO events VALUES ('e0027', 'post_ugc', 'u026', 'grp_old', '2026-06-15 20:15:00', '{"topic": "晒单"}');
INSERT INTO events VALUES ('e0028', 'live_comment', 'u029', 'grp_old', '2026-06-15 20:30:00', '{"text": "这件有S码吗"}');
INSERT INTO events VALUES ('e0029', 'post_ugc', 'u003', 'grp_vip', '2026-06-15 21:00:00', '{"topic": "穿搭"}');
INSERT INTO events VALUES ('e0030', 'order_paid', 'u052', NULL, '2026-06-15 21:05:00', '{"amount": 38800}');
INSERT INTO events VALUES ('e0031', 'order_paid', 'u001', NULL, '2026-06-16 10:00:00', '{"amount": 89900}');
