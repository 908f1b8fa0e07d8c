-- Example data for examples/store_owner_red_packets.playbook (终端店主群 · 红包激活).
--
-- A drinks brand's store-owner (B2B) community in Hangzhou: 98 owners of convenience
-- stores, family shops, restaurants and tobacco shops, eleven district groups, four VIP
-- groups and a distributors' group. Two days of check-ins, restocking orders and new
-- owners joining, on a Tuesday (VIP 新品日) and a Wednesday (沉睡店主唤醒).
--
--   cargo run --release -- run examples/store_owner_red_packets.playbook \
--     --data examples/data/store_owner_red_packets.sql \
--     --since "2026-05-05 00:00" --at "2026-05-06 22:00"
--
-- Encodings: time 'YYYY-MM-DD HH:MM:SS' local (Asia/Shanghai), money INTEGER fen,
-- set<text> comma-separated TEXT, NULL for a missing optional value.

CREATE TABLE members (
  id TEXT PRIMARY KEY,
  store_name TEXT NOT NULL,
  store_type TEXT NOT NULL,      -- 便利店 / 夫妻店 / 餐饮 / 烟酒店
  region TEXT NOT NULL,          -- 业务员片区
  level INTEGER NOT NULL,        -- 3=A 2=B 1=C
  orders_30d INTEGER NOT NULL,
  purchase_30d INTEGER NOT NULL, -- fen
  joined_at TEXT NOT NULL,
  last_order_at TEXT,            -- NULL: a new owner who has not restocked yet
  tags TEXT NOT NULL             -- comma-separated
);

INSERT INTO members VALUES ('s001', '老王便利店', '便利店', '西湖区-01', 2, 3, 186000, '2026-04-02 10:00:00', '2026-05-02 16:20:00', '冰柜');
INSERT INTO members VALUES ('s002', '张姐烟酒', '烟酒店', '拱墅区-02', 3, 7, 840000, '2026-02-11 15:00:00', '2026-05-03 09:30:00', '烟酒,冰柜');
INSERT INTO members VALUES ('s003', '李记餐馆', '餐饮', '西湖区-01', 1, 1, 62000, '2026-03-06 11:00:00', '2026-04-30 11:00:00', '');
INSERT INTO members VALUES ('s004', '小陈超市', '便利店', '上城区-01', 1, 1, 42500, '2026-04-12 08:08:00', '2026-04-13 10:06:00', '学校周边');
INSERT INTO members VALUES ('s005', '老杨便利店', '便利店', '滨江区-01', 2, 5, 520000, '2026-04-08 17:53:00', '2026-04-19 10:10:00', '烟酒');
INSERT INTO members VALUES ('s006', '黄姐小卖部', '夫妻店', '余杭区-01', 2, 4, 330800, '2026-04-09 10:50:00', '2026-04-22 11:20:00', '');
INSERT INTO members VALUES ('s007', '赵记餐馆', '餐饮', '余杭区-02', 3, 8, 956000, '2026-02-02 13:46:00', '2026-04-24 15:09:00', '');
INSERT INTO members VALUES ('s008', '吴家烟酒', '烟酒店', '萧山区-01', 2, 5, 294500, '2026-04-12 16:05:00', '2026-04-18 09:52:00', '');
INSERT INTO members VALUES ('s009', '小周超市', '便利店', '临平区-01', 1, 4, 121600, '2026-04-19 12:27:00', '2026-04-28 10:22:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s010', '老徐便利店', '便利店', '西湖区-01', 2, 4, 420400, '2026-02-19 12:51:00', '2026-04-13 11:37:00', '');
INSERT INTO members VALUES ('s011', '孙姐小卖部', '夫妻店', '西湖区-02', 3, 4, 910000, '2026-04-06 15:19:00', '2026-04-19 09:57:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s012', '马记餐馆', '餐饮', '拱墅区-01', 3, 7, 863100, '2026-02-07 12:32:00', '2026-04-19 14:52:00', '');
INSERT INTO members VALUES ('s013', '朱家烟酒', '烟酒店', '拱墅区-02', 2, 5, 490500, '2026-02-03 14:39:00', '2026-04-19 08:22:00', '社区店');
INSERT INTO members VALUES ('s014', '小胡超市', '便利店', '上城区-01', 1, 3, 148000, '2026-03-05 15:00:00', '2026-04-24 15:17:00', '');
INSERT INTO members VALUES ('s015', '老郭便利店', '便利店', '滨江区-01', 3, 8, 679200, '2026-03-07 20:03:00', '2026-04-19 16:40:00', '学校周边');
INSERT INTO members VALUES ('s016', '何姐小卖部', '夫妻店', '余杭区-01', 1, 1, 93900, '2026-03-16 19:35:00', '2026-04-22 11:18:00', '烟酒');
INSERT INTO members VALUES ('s017', '高记餐馆', '餐饮', '余杭区-02', 2, 6, 298800, '2026-03-15 14:13:00', '2026-04-24 16:28:00', '冰柜');
INSERT INTO members VALUES ('s018', '林家烟酒', '烟酒店', '萧山区-01', 1, 1, 32100, '2026-04-02 09:24:00', '2026-04-20 18:13:00', '');
INSERT INTO members VALUES ('s019', '小罗超市', '便利店', '临平区-01', 1, 3, 105300, '2026-03-22 13:28:00', '2026-04-27 09:35:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s020', '老郑便利店', '便利店', '西湖区-01', 1, 5, 156500, '2026-02-27 18:29:00', '2026-04-26 08:48:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s021', '梁姐小卖部', '夫妻店', '西湖区-02', 1, 1, 67200, '2026-04-07 12:01:00', '2026-04-27 15:45:00', '社区店');
INSERT INTO members VALUES ('s022', '谢记餐馆', '餐饮', '拱墅区-01', 3, 7, 652400, '2026-04-11 18:38:00', '2026-04-30 12:47:00', '');
INSERT INTO members VALUES ('s023', '宋家烟酒', '烟酒店', '拱墅区-02', 2, 7, 265000, '2026-03-09 12:17:00', '2026-04-27 10:09:00', '学校周边');
INSERT INTO members VALUES ('s024', '小唐超市', '便利店', '上城区-01', 2, 4, 432000, '2026-04-05 10:03:00', '2026-04-15 19:22:00', '学校周边');
INSERT INTO members VALUES ('s025', '老许便利店', '便利店', '滨江区-01', 2, 5, 576000, '2026-02-21 11:44:00', '2026-04-23 17:13:00', '社区店');
INSERT INTO members VALUES ('s026', '韩姐小卖部', '夫妻店', '余杭区-01', 2, 5, 398000, '2026-02-20 18:14:00', '2026-04-21 14:11:00', '冰柜');
INSERT INTO members VALUES ('s027', '冯记餐馆', '餐饮', '余杭区-02', 1, 2, 162800, '2026-02-16 18:48:00', '2026-04-28 14:26:00', '烟酒');
INSERT INTO members VALUES ('s028', '邓家烟酒', '烟酒店', '萧山区-01', 2, 3, 291000, '2026-04-22 11:28:00', '2026-04-15 19:06:00', '烟酒');
INSERT INTO members VALUES ('s029', '小曹超市', '便利店', '临平区-01', 1, 8, 112000, '2026-04-24 20:17:00', '2026-04-25 12:05:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s030', '老彭便利店', '便利店', '西湖区-01', 3, 7, 781200, '2026-04-21 08:33:00', '2026-04-24 12:59:00', '学校周边');
INSERT INTO members VALUES ('s031', '曾姐小卖部', '夫妻店', '西湖区-02', 1, 1, 38600, '2026-03-01 12:03:00', '2026-04-24 09:04:00', '学校周边');
INSERT INTO members VALUES ('s032', '肖记餐馆', '餐饮', '拱墅区-01', 3, 6, 730000, '2026-02-13 20:25:00', '2026-04-30 11:45:00', '社区店');
INSERT INTO members VALUES ('s033', '田家烟酒', '烟酒店', '拱墅区-02', 1, 4, 174800, '2026-03-17 15:40:00', '2026-04-19 11:53:00', '社区店');
INSERT INTO members VALUES ('s034', '小董超市', '便利店', '上城区-01', 3, 7, 655200, '2026-04-01 14:04:00', '2026-04-25 11:39:00', '社区店');
INSERT INTO members VALUES ('s035', '老袁便利店', '便利店', '滨江区-01', 2, 5, 308500, '2026-04-25 13:14:00', '2026-04-27 11:11:00', '');
INSERT INTO members VALUES ('s036', '潘姐小卖部', '夫妻店', '余杭区-01', 2, 7, 507500, '2026-02-12 15:09:00', '2026-04-16 20:37:00', '社区店');
INSERT INTO members VALUES ('s037', '于记餐馆', '餐饮', '余杭区-02', 1, 4, 206400, '2026-03-25 08:06:00', '2026-04-16 15:35:00', '烟酒');
INSERT INTO members VALUES ('s038', '蒋家烟酒', '烟酒店', '萧山区-01', 2, 3, 309300, '2026-04-25 17:04:00', '2026-04-20 15:35:00', '');
INSERT INTO members VALUES ('s039', '小蔡超市', '便利店', '临平区-01', 2, 8, 336000, '2026-02-11 11:47:00', '2026-04-21 11:26:00', '冰柜');
INSERT INTO members VALUES ('s040', '老余便利店', '便利店', '西湖区-01', 3, 8, 979200, '2026-04-17 17:00:00', '2026-04-19 15:40:00', '社区店');
INSERT INTO members VALUES ('s041', '杜姐小卖部', '夫妻店', '西湖区-02', 2, 4, 378000, '2026-04-11 08:40:00', '2026-04-16 11:11:00', '');
INSERT INTO members VALUES ('s042', '叶记餐馆', '餐饮', '拱墅区-01', 1, 4, 182000, '2026-02-01 13:03:00', '2026-04-28 19:38:00', '社区店');
INSERT INTO members VALUES ('s043', '程家烟酒', '烟酒店', '拱墅区-02', 3, 8, 613600, '2026-04-04 16:20:00', '2026-04-28 09:56:00', '');
INSERT INTO members VALUES ('s044', '小苏超市', '便利店', '上城区-01', 1, 4, 140800, '2026-03-20 18:07:00', '2026-04-22 08:51:00', '冰柜');
INSERT INTO members VALUES ('s045', '老魏便利店', '便利店', '滨江区-01', 1, 1, 110300, '2026-03-22 20:22:00', '2026-04-13 08:19:00', '社区店');
INSERT INTO members VALUES ('s046', '吕姐小卖部', '夫妻店', '余杭区-01', 1, 4, 247600, '2026-02-02 17:10:00', '2026-04-17 16:47:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s047', '丁记餐馆', '餐饮', '余杭区-02', 2, 4, 498000, '2026-04-08 16:38:00', '2026-04-15 19:41:00', '');
INSERT INTO members VALUES ('s048', '任家烟酒', '烟酒店', '萧山区-01', 3, 6, 655800, '2026-03-08 20:38:00', '2026-04-15 17:18:00', '');
INSERT INTO members VALUES ('s049', '小沈超市', '便利店', '临平区-01', 1, 2, 162200, '2026-03-12 19:48:00', '2026-04-24 18:43:00', '学校周边');
INSERT INTO members VALUES ('s050', '老姚便利店', '便利店', '西湖区-01', 1, 4, 171600, '2026-03-06 19:15:00', '2026-04-29 13:23:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s051', '卢姐小卖部', '夫妻店', '西湖区-02', 2, 5, 258500, '2026-03-13 14:48:00', '2026-04-17 20:33:00', '社区店');
INSERT INTO members VALUES ('s052', '姜记餐馆', '餐饮', '拱墅区-01', 1, 1, 94100, '2026-02-12 12:32:00', '2026-04-14 12:04:00', '学校周边');
INSERT INTO members VALUES ('s053', '崔家烟酒', '烟酒店', '拱墅区-02', 2, 5, 477500, '2026-03-08 11:46:00', '2026-04-17 20:20:00', '');
INSERT INTO members VALUES ('s054', '小钟超市', '便利店', '上城区-01', 2, 8, 556000, '2026-03-05 12:46:00', '2026-04-21 11:28:00', '社区店');
INSERT INTO members VALUES ('s055', '老谭便利店', '便利店', '滨江区-01', 3, 6, 760200, '2026-03-01 13:59:00', '2026-04-26 14:15:00', '社区店');
INSERT INTO members VALUES ('s056', '陆姐小卖部', '夫妻店', '余杭区-01', 1, 1, 54500, '2026-03-25 14:30:00', '2026-04-30 08:25:00', '社区店');
INSERT INTO members VALUES ('s057', '汪记餐馆', '餐饮', '余杭区-02', 2, 5, 596500, '2026-02-05 09:29:00', '2026-04-21 20:09:00', '');
INSERT INTO members VALUES ('s058', '范家烟酒', '烟酒店', '萧山区-01', 1, 1, 53700, '2026-04-21 14:33:00', '2026-04-26 11:47:00', '');
INSERT INTO members VALUES ('s059', '小金超市', '便利店', '临平区-01', 1, 3, 228000, '2026-04-16 19:53:00', '2026-04-18 17:45:00', '冰柜');
INSERT INTO members VALUES ('s060', '老石便利店', '便利店', '西湖区-01', 3, 8, 909600, '2026-02-06 17:02:00', '2026-04-29 15:10:00', '烟酒');
INSERT INTO members VALUES ('s061', '廖姐小卖部', '夫妻店', '西湖区-02', 1, 0, 0, '2025-09-06 15:50:00', '2026-03-18 17:54:00', '冰柜');
INSERT INTO members VALUES ('s062', '贾记餐馆', '餐饮', '拱墅区-01', 1, 0, 0, '2025-12-01 20:33:00', '2026-03-16 12:23:00', '冰柜');
INSERT INTO members VALUES ('s063', '夏家烟酒', '烟酒店', '拱墅区-02', 1, 0, 0, '2025-12-23 08:17:00', '2026-02-14 19:44:00', '学校周边');
INSERT INTO members VALUES ('s064', '小韦超市', '便利店', '上城区-01', 2, 0, 0, '2025-12-17 08:45:00', '2026-02-15 19:08:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s065', '老付便利店', '便利店', '滨江区-01', 2, 0, 0, '2025-11-27 11:51:00', '2026-03-03 19:49:00', '');
INSERT INTO members VALUES ('s066', '方姐小卖部', '夫妻店', '余杭区-01', 2, 0, 0, '2025-09-05 18:12:00', '2026-02-08 15:37:00', '学校周边');
INSERT INTO members VALUES ('s067', '白记餐馆', '餐饮', '余杭区-02', 1, 0, 0, '2025-10-10 12:59:00', '2026-03-25 12:12:00', '学校周边');
INSERT INTO members VALUES ('s068', '邹家烟酒', '烟酒店', '萧山区-01', 2, 0, 0, '2025-09-18 18:55:00', '2026-02-05 08:37:00', '');
INSERT INTO members VALUES ('s069', '小孟超市', '便利店', '临平区-01', 1, 0, 0, '2025-09-25 13:20:00', '2026-02-21 16:40:00', '社区店');
INSERT INTO members VALUES ('s070', '老熊便利店', '便利店', '西湖区-01', 2, 0, 0, '2025-10-08 10:44:00', '2026-03-25 10:01:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s071', '秦姐小卖部', '夫妻店', '西湖区-02', 2, 0, 0, '2025-09-04 10:36:00', '2026-03-25 12:01:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s072', '邱记餐馆', '餐饮', '拱墅区-01', 1, 0, 0, '2025-11-19 20:01:00', '2026-02-16 16:00:00', '社区店');
INSERT INTO members VALUES ('s073', '江家烟酒', '烟酒店', '拱墅区-02', 1, 0, 0, '2025-11-09 17:49:00', '2026-03-11 09:05:00', '社区店');
INSERT INTO members VALUES ('s074', '小尹超市', '便利店', '上城区-01', 1, 0, 0, '2025-11-14 09:34:00', '2026-02-11 12:57:00', '');
INSERT INTO members VALUES ('s075', '老薛便利店', '便利店', '滨江区-01', 2, 0, 0, '2025-09-19 12:26:00', '2026-03-11 16:54:00', '学校周边');
INSERT INTO members VALUES ('s076', '闫姐小卖部', '夫妻店', '余杭区-01', 3, 0, 0, '2025-10-05 14:25:00', '2026-03-03 14:22:00', '冰柜');
INSERT INTO members VALUES ('s077', '段记餐馆', '餐饮', '余杭区-02', 2, 0, 0, '2025-11-17 20:02:00', '2026-03-09 09:24:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s078', '雷家烟酒', '烟酒店', '萧山区-01', 1, 0, 0, '2025-09-14 10:52:00', '2026-02-27 15:57:00', '冰柜');
INSERT INTO members VALUES ('s079', '小侯超市', '便利店', '临平区-01', 1, 0, 0, '2025-10-02 15:57:00', '2026-02-12 19:58:00', '冰柜');
INSERT INTO members VALUES ('s080', '老龙便利店', '便利店', '西湖区-01', 2, 0, 0, '2025-09-20 14:14:00', '2026-03-05 15:14:00', '烟酒');
INSERT INTO members VALUES ('s081', '史姐小卖部', '夫妻店', '西湖区-02', 2, 0, 0, '2025-09-03 12:50:00', '2026-02-13 08:49:00', '社区店');
INSERT INTO members VALUES ('s082', '陶记餐馆', '餐饮', '拱墅区-01', 3, 0, 0, '2025-10-23 10:27:00', '2026-03-13 14:44:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s083', '黎家烟酒', '烟酒店', '拱墅区-02', 2, 0, 0, '2025-09-02 18:10:00', '2026-02-25 17:20:00', '学校周边');
INSERT INTO members VALUES ('s084', '小贺超市', '便利店', '上城区-01', 1, 0, 0, '2025-11-24 10:14:00', '2026-02-22 19:16:00', '');
INSERT INTO members VALUES ('s085', '老顾便利店', '便利店', '滨江区-01', 3, 0, 0, '2025-09-04 17:12:00', '2026-03-24 09:57:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s086', '毛姐小卖部', '夫妻店', '余杭区-01', 1, 0, 0, '2025-09-26 08:52:00', '2026-03-05 14:18:00', '学校周边');
INSERT INTO members VALUES ('s087', '郝记餐馆', '餐饮', '余杭区-02', 3, 0, 0, '2025-11-12 18:58:00', '2026-02-07 13:17:00', '冰柜');
INSERT INTO members VALUES ('s088', '龚家烟酒', '烟酒店', '萧山区-01', 1, 0, 0, '2025-09-26 11:34:00', '2026-02-15 09:39:00', '');
INSERT INTO members VALUES ('s089', '小邵超市', '便利店', '临平区-01', 1, 0, 0, '2025-10-10 13:28:00', '2026-03-19 14:42:00', '烟酒');
INSERT INTO members VALUES ('s090', '老万便利店', '便利店', '西湖区-01', 1, 0, 0, '2025-11-16 18:55:00', '2026-02-27 20:28:00', '');
INSERT INTO members VALUES ('s091', '钱姐小卖部', '夫妻店', '西湖区-02', 2, 0, 0, '2025-11-05 14:41:00', '2026-03-23 14:15:00', '');
INSERT INTO members VALUES ('s092', '严记餐馆', '餐饮', '拱墅区-01', 1, 0, 0, '2025-12-27 10:40:00', '2026-03-27 14:58:00', '冰柜,烟酒');
INSERT INTO members VALUES ('s093', '覃家烟酒', '烟酒店', '滨江区-01', 1, 0, 0, '2026-05-05 09:40:00', NULL, '');
INSERT INTO members VALUES ('s094', '小武超市', '便利店', '余杭区-01', 1, 0, 0, '2026-05-05 14:12:00', NULL, '');
INSERT INTO members VALUES ('s095', '老戴便利店', '便利店', '余杭区-02', 1, 0, 0, '2026-05-05 23:20:00', NULL, '');
INSERT INTO members VALUES ('s096', '莫姐小卖部', '夫妻店', '萧山区-01', 1, 0, 0, '2026-05-06 10:05:00', NULL, '');
INSERT INTO members VALUES ('s097', '孔记餐馆', '餐饮', '临平区-01', 1, 0, 0, '2026-05-06 16:45:00', NULL, '');
INSERT INTO members VALUES ('s098', '向家烟酒', '烟酒店', '钱塘区-01', 1, 0, 0, '2026-04-29 11:00:00', NULL, '');

CREATE TABLE groups (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,            -- 区域店主群 / VIP店主群 / 经销商群
  region TEXT NOT NULL,
  size INTEGER NOT NULL,
  messages_today INTEGER NOT NULL
);
INSERT INTO groups VALUES ('g01', '区域店主群', '西湖区-01', 186, 12);
INSERT INTO groups VALUES ('g02', '区域店主群', '西湖区-02', 203, 95);
INSERT INTO groups VALUES ('g03', '区域店主群', '拱墅区-01', 178, 8);
INSERT INTO groups VALUES ('g04', '区域店主群', '拱墅区-02', 195, 21);
INSERT INTO groups VALUES ('g05', '区域店主群', '上城区-01', 210, 64);
INSERT INTO groups VALUES ('g06', '区域店主群', '滨江区-01', 168, 17);
INSERT INTO groups VALUES ('g07', '区域店主群', '余杭区-01', 152, 5);
INSERT INTO groups VALUES ('g08', '区域店主群', '余杭区-02', 199, 26);
INSERT INTO groups VALUES ('g09', '区域店主群', '萧山区-01', 188, 14);
INSERT INTO groups VALUES ('g10', '区域店主群', '临平区-01', 173, 28);
INSERT INTO groups VALUES ('g11', '区域店主群', '钱塘区-01', 41, 9);
INSERT INTO groups VALUES ('v01', 'VIP店主群', '西湖区', 48, 20);
INSERT INTO groups VALUES ('v02', 'VIP店主群', '拱墅区', 45, 33);
INSERT INTO groups VALUES ('v03', 'VIP店主群', '余杭区', 52, 7);
INSERT INTO groups VALUES ('v04', 'VIP店主群', '萧山区', 39, 15);
INSERT INTO groups VALUES ('d01', '经销商群', '全市', 36, 54);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  member_id TEXT,
  group_id TEXT,          -- NULL when the event is not in a group
  at TEXT NOT NULL,       -- local time, 'YYYY-MM-DD HH:MM:SS'
  data TEXT               -- JSON object of the kind's declared fields (money in fen)
);
INSERT INTO events VALUES ('e0001', 'check_in', 's001', 'g01', '2026-05-04 09:15:00', '{"streak": 6}');
INSERT INTO events VALUES ('e0002', 'order_paid', 's002', NULL, '2026-05-04 16:30:00', '{"amount": 260000}');
INSERT INTO events VALUES ('e0003', 'check_in', 's001', 'g01', '2026-05-05 08:31:00', '{"streak": 7}');
INSERT INTO events VALUES ('e0004', 'check_in', 's004', 'g05', '2026-05-05 08:45:00', '{"streak": 3}');
INSERT INTO events VALUES ('e0005', 'check_in', 's007', 'g08', '2026-05-05 09:02:00', '{"streak": 12}');
INSERT INTO events VALUES ('e0006', 'check_in', 's010', 'g01', '2026-05-05 09:10:00', '{"streak": 1}');
INSERT INTO events VALUES ('e0007', 'check_in', 's013', 'g04', '2026-05-05 09:26:00', '{"streak": 4}');
INSERT INTO events VALUES ('e0008', 'join_group', 's093', 'g04', '2026-05-05 09:40:00', '{"group_id": "g04"}');
INSERT INTO events VALUES ('e0009', 'order_paid', 's002', NULL, '2026-05-05 10:20:00', '{"amount": 320000}');
INSERT INTO events VALUES ('e0010', 'check_in', 's016', 'g07', '2026-05-05 10:48:00', '{"streak": 2}');
INSERT INTO events VALUES ('e0011', 'order_paid', 's008', NULL, '2026-05-05 11:45:00', '{"amount": 32000}');
INSERT INTO events VALUES ('e0012', 'check_in', 's019', 'g10', '2026-05-05 12:20:00', '{"streak": 9}');
INSERT INTO events VALUES ('e0013', 'join_group', 's094', 'g07', '2026-05-05 14:12:00', '{"group_id": "g07"}');
INSERT INTO events VALUES ('e0014', 'order_paid', 's014', NULL, '2026-05-05 15:10:00', '{"amount": 68000}');
INSERT INTO events VALUES ('e0015', 'order_paid', 's005', NULL, '2026-05-05 16:40:00', '{"amount": 125000}');
INSERT INTO events VALUES ('e0016', 'check_in', 's022', 'g03', '2026-05-05 18:05:00', '{"streak": 5}');
INSERT INTO events VALUES ('e0017', 'check_in', 's025', 'g06', '2026-05-05 21:40:00', '{"streak": 3}');
INSERT INTO events VALUES ('e0018', 'check_in', 's028', 'g09', '2026-05-05 22:35:00', '{"streak": 8}');
INSERT INTO events VALUES ('e0019', 'join_group', 's095', 'g11', '2026-05-05 23:20:00', '{"group_id": "g11"}');
INSERT INTO events VALUES ('e0020', 'check_in', 's031', 'g02', '2026-05-06 07:50:00', '{"streak": 6}');
INSERT INTO events VALUES ('e0021', 'check_in', 's001', 'g01', '2026-05-06 08:29:00', '{"streak": 8}');
INSERT INTO events VALUES ('e0022', 'check_in', 's004', 'g05', '2026-05-06 08:52:00', '{"streak": 4}');
INSERT INTO events VALUES ('e0023', 'check_in', 's007', 'g08', '2026-05-06 09:03:00', '{"streak": 13}');
INSERT INTO events VALUES ('e0024', 'check_in', 's010', 'g01', '2026-05-06 09:11:00', '{"streak": 2}');
INSERT INTO events VALUES ('e0025', 'order_paid', 's011', NULL, '2026-05-06 09:35:00', '{"amount": 680000}');
INSERT INTO events VALUES ('e0026', 'check_in', 's013', 'g04', '2026-05-06 09:40:00', '{"streak": 5}');
INSERT INTO events VALUES ('e0027', 'visit_mini_program', 's017', NULL, '2026-05-06 10:00:00', '{"page": "新品专区"}');
INSERT INTO events VALUES ('e0028', 'join_group', 's096', 'g02', '2026-05-06 10:05:00', '{"group_id": "g02"}');
INSERT INTO events VALUES ('e0029', 'order_paid', 's020', NULL, '2026-05-06 10:50:00', '{"amount": 42000}');
INSERT INTO events VALUES ('e0030', 'order_paid', 's023', NULL, '2026-05-06 11:05:00', '{"amount": 98000}');
INSERT INTO events VALUES ('e0031', 'check_in', 's019', 'g10', '2026-05-06 11:15:00', '{"streak": 10}');
INSERT INTO events VALUES ('e0032', 'join_group', 's093', 'g09', '2026-05-06 11:30:00', '{"group_id": "g09"}');
INSERT INTO events VALUES ('e0033', 'check_in', 's034', 'g05', '2026-05-06 12:02:00', '{"streak": 21}');
INSERT INTO events VALUES ('e0034', 'order_paid', 's026', NULL, '2026-05-06 13:20:00', '{"amount": 215000}');
INSERT INTO events VALUES ('e0035', 'check_in', 's037', 'g08', '2026-05-06 13:30:00', '{"streak": 3}');
INSERT INTO events VALUES ('e0036', 'order_paid', 's002', NULL, '2026-05-06 14:40:00', '{"amount": 460000}');
INSERT INTO events VALUES ('e0037', 'order_paid', 's029', NULL, '2026-05-06 16:25:00', '{"amount": 56000}');
INSERT INTO events VALUES ('e0038', 'join_group', 's097', 'g05', '2026-05-06 16:45:00', '{"group_id": "g05"}');
INSERT INTO events VALUES ('e0039', 'order_paid', 's032', NULL, '2026-05-06 17:55:00', '{"amount": 390000}');
INSERT INTO events VALUES ('e0040', 'check_in', 's022', 'g03', '2026-05-06 19:20:00', '{"streak": 6}');
INSERT INTO events VALUES ('e0041', 'check_in', 's022', 'g03', '2026-05-06 19:45:00', '{"streak": 6}');
INSERT INTO events VALUES ('e0042', 'check_in', 's040', 'g01', '2026-05-06 20:30:00', '{"streak": 4}');
INSERT INTO events VALUES ('e0043', 'check_in', 's001', 'g01', '2026-05-07 09:05:00', '{"streak": 9}');
