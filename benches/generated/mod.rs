//! A generated, deterministic, realistic playbook of any length — campaign waves of
//! segments, rewards and rules — for the benchmarks of the checker and the language
//! server.

use std::fmt::Write as _;

/// Lines kept free at the end for the closing comment; the rest is padded.
const RESERVE: usize = 2;

/// A small deterministic generator (SplitMix64) so the playbook is the same on
/// every run and every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

const CHANNELS: &[&str] = &["淘宝", "抖音", "门店", "包裹卡", "小红书", "京东"];
const TAGS: &[&str] = &[
    "价格敏感",
    "高客单",
    "鞋包",
    "童装",
    "运动",
    "美妆",
    "宝妈",
    "学生",
    "白领",
    "复购达人",
];
const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const SCOPES: &[&str] = &["指定商品", "新品", "当季主推", "清仓专区", "会员专享"];
const GIFTS: &[&str] = &[
    "定制帆布袋",
    "品牌马克杯",
    "试用装礼盒",
    "定制袜子",
    "环保水杯",
];

fn header(out: &mut String) {
    out.push_str(
        "// 私域社群运营 · 全年大盘 (generated for the checker benchmark)
// Segments, rewards and rules for many store regions and campaign waves.

playbook \"XX服饰 私域全年大盘 2026\" {
  timezone \"Asia/Shanghai\"
  active 2026-01-01 .. 2026-12-31
  budget ¥5,000,000 total, ¥200,000 per day
  seed \"bench-2026\"
  point_value ¥0.01
}

// ---------- 数据结构 / schema ----------

member {
  level: int                 // 会员等级 0-4
  channel: text              // 淘宝 / 抖音 / 门店 / 包裹卡
  city: text
  orders: int
  spend_365d: money
  joined_at: time
  first_order_at: time?      // 可能为空 → 必须判空
  last_order_at: time?
  tags: set<text>
  group_id: text?
  messages_7d: int
  invites: int
  birthday: date?
}

group {
  kind: text                 // 福利群 / VIP群 / 秒杀群
  size: int
  messages_today: int
}

event join_group { group_id: text }
event scan_card { card: text  platform: text }
event check_in { streak: int }
event order_paid { amount: money }
event invite_friend { invitee: text }
event post_ugc { topic: text }

",
    );
}

/// One wave of a campaign: its segments, rewards and rules. Every name it declares
/// is used by its own rules (or by a later wave), so the file checks cleanly.
fn wave(out: &mut String, rng: &mut Rng, i: usize) {
    let prev = i.checked_sub(1);
    let tag = rng.pick(TAGS);
    let tag2 = rng.pick(TAGS);
    let ch1 = rng.pick(CHANNELS);
    let ch2 = rng.pick(CHANNELS);
    let scope = rng.pick(SCOPES);
    let gift = rng.pick(GIFTS);
    let weekday = rng.pick(WEEKDAYS);

    // ---- segments ----
    let _ = writeln!(out, "// ---------- 第 {i} 波 / wave {i} ----------\n");
    let _ = writeln!(
        out,
        "segment 潜客_{i}   = orders == 0 and invites >= {}",
        rng.range(0, 3)
    );
    let _ = writeln!(
        out,
        "segment 新客_{i}   = orders == 1 and (first_order_at ?? joined_at) >= now - {}d",
        rng.range(7, 60)
    );
    let _ = writeln!(
        out,
        "segment 老客_{i}   = orders >= {} and spend_365d >= ¥{}",
        rng.range(2, 4),
        rng.range(100, 3000)
    );
    let _ = writeln!(
        out,
        "segment 忠诚_{i}   = 老客_{i} and (spend_365d >= ¥{} or level >= {})",
        rng.range(5, 20) * 1000,
        rng.range(2, 4)
    );
    let _ = writeln!(
        out,
        "segment 超级_{i}   = top {} by spend_365d where 忠诚_{i} and messages_7d >= 1",
        rng.range(100, 5000)
    );
    let _ = writeln!(
        out,
        "segment 沉睡_{i}   = exists last_order_at and last_order_at < now - {}d and not 忠诚_{i}",
        rng.range(60, 180)
    );
    let _ = writeln!(
        out,
        "segment 羊毛_{i}   = \"{tag}\" in tags or (\"{tag2}\" in tags and len(tags) >= {})",
        rng.range(2, 5)
    );
    let _ = writeln!(
        out,
        "segment 渠道_{i}   = channel in [\"{ch1}\", \"{ch2}\"] and messages_7d >= {}",
        rng.range(0, 20)
    );
    let _ = writeln!(
        out,
        "segment 生日_{i}   = exists birthday and month(birthday) == month(today) and level >= {}",
        rng.range(0, 3)
    );
    let _ = writeln!(
        out,
        "segment 活跃_{i}   = days_since(last_order_at ?? joined_at) <= {} and (group_id ?? \"\") != \"\"",
        rng.range(7, 45)
    );
    match prev {
        // Refers to the previous wave, so every wave hangs on the one before it.
        Some(p) => {
            let _ = writeln!(
                out,
                "segment 复合_{i}   = (老客_{p} or 活跃_{p}) and not 沉睡_{i} and spend_365d * 2 >= ¥{}",
                rng.range(500, 5000)
            );
        }
        None => {
            let _ = writeln!(out, "segment 复合_{i}   = orders >= 3 and not 沉睡_{i}");
        }
    }
    let _ = writeln!(
        out,
        "segment 冷群_{i} of group = kind == \"福利群\" and size >= {} and messages_today < {}",
        rng.range(50, 200),
        rng.range(10, 80)
    );
    out.push('\n');

    // ---- rewards ----
    let _ = writeln!(
        out,
        "reward 无门槛_{i} = coupon ¥{} valid {}d",
        rng.range(3, 20),
        rng.range(7, 30)
    );
    let over = rng.range(2, 9) * 100;
    let _ = writeln!(
        out,
        "reward 满减_{i}   = coupon ¥{} over ¥{over} stackable valid 30d",
        over / 10 + rng.range(0, 20)
    );
    let _ = writeln!(
        out,
        "reward 折扣_{i}   = coupon {}折 max ¥{} on \"{scope}\" valid 7d",
        rng.pick(&["5", "6", "7", "8", "8.5", "9"]),
        rng.range(20, 100)
    );
    let _ = writeln!(
        out,
        "reward 大额_{i}   = coupon ¥{} over ¥{},000 valid 14d",
        rng.range(5, 15) * 10,
        rng.range(1, 3)
    );
    let _ = writeln!(out, "reward 红包_{i}   = red_packet ¥{}", rng.range(1, 10));
    let _ = writeln!(
        out,
        "reward 礼品_{i}   = gift \"{gift}\" worth ¥{}",
        rng.range(10, 60)
    );
    let _ = writeln!(out, "reward 积分_{i}   = points {}", rng.range(1, 20) * 50);
    let _ = writeln!(
        out,
        "reward 群红包_{i} = red_packet ¥{} split {} random",
        rng.range(30, 100),
        rng.range(10, 30)
    );
    let _ = writeln!(
        out,
        "reward 抽奖_{i} = lottery {{\n  1%   -> red_packet ¥{}\n  {}%   -> 礼品_{i}\n  {}%  -> 折扣_{i}\n  rest -> 无门槛_{i}\n}}",
        rng.range(50, 100),
        rng.range(2, 9),
        rng.range(10, 40)
    );
    let _ = writeln!(
        out,
        "reward 分层_{i} = tier {{\n  超级_{i} -> 大额_{i}\n  忠诚_{i} -> 满减_{i}\n  老客_{i} -> 折扣_{i}\n  新客_{i} -> coupon ¥{} over ¥199 valid 7d\n  else    -> 积分_{i}\n}}",
        rng.range(10, 30)
    );
    out.push('\n');

    // ---- rules ----
    let _ = writeln!(
        out,
        "rule 新人礼包_{i} {{
  on join_group
  when 潜客_{i} or 新客_{i}
  give 无门槛_{i}, 满减_{i}
  limit once per member
  exclusive \"新人权益\"
}}
"
    );
    let _ = writeln!(
        out,
        "rule 扫码抽奖_{i} {{
  on scan_card where event.card == \"2026-{i:03}\" and event.platform in [\"淘宝\", \"抖音\"]
  give 抽奖_{i}
  limit once per member
}}
"
    );
    let _ = writeln!(
        out,
        "rule 打卡红包_{i} {{
  on check_in where event.streak >= {}
  when 活跃_{i}
  give red_packet clamp(event.streak * ¥0.{}, ¥1, ¥{})
  limit 1 per member per day
  cap ¥{} per day
}}
",
        rng.range(3, 10),
        rng.range(1, 5),
        rng.range(5, 20),
        rng.range(2, 10) * 100
    );
    let _ = writeln!(
        out,
        "rule 下单返现_{i} {{
  on order_paid where event.amount >= ¥{}
  when not 羊毛_{i}
  give tier {{
    忠诚_{i} -> red_packet clamp(event.amount * {}%, ¥5, ¥{})
    else     -> red_packet clamp(event.amount * 1%, ¥1, ¥{})
  }}
  limit 3 per member per month
  cap ¥{},000 per month
  priority {}
}}
",
        rng.range(99, 999),
        rng.range(2, 5),
        rng.range(50, 100),
        rng.range(10, 40),
        rng.range(1, 9),
        rng.range(1, 20)
    );
    let _ = writeln!(
        out,
        "rule 分层周券_{i} {{
  every {weekday} at 10:00
  when not 沉睡_{i} and 渠道_{i}
  give 分层_{i}
  limit 1 per member per week
  cap ¥{},000 per week
  order by spend_365d desc
}}
",
        rng.range(5, 30)
    );
    let _ = writeln!(
        out,
        "rule 每日唤醒_{i} {{
  every day at 10:00
  when 沉睡_{i} or 复合_{i}
  give 折扣_{i}
  limit 1 per member per day
  order by level desc
}}
"
    );
    let month = rng.range(1, 12);
    let _ = writeln!(
        out,
        "rule 生日礼_{i} {{
  every month on 1 at 09:30
  during 2026-{month:02}-01 .. 2026-{month:02}-28
  when 生日_{i}
  give 礼品_{i}, 积分_{i}
  limit once per member
}}
"
    );
    let _ = writeln!(
        out,
        "rule 邀请有礼_{i} {{
  on invite_friend where event.invitee != \"\"
  when invites >= {} and exists first_order_at and first_order_at < now - 7d
  give 红包_{i}
  limit {} per member per month
}}
",
        rng.range(1, 5),
        rng.range(1, 5)
    );
    let _ = writeln!(
        out,
        "rule 晒单积分_{i} {{
  on post_ugc where event.topic == \"穿搭-{i}\"
  give points {}
  limit 1 per member per day
}}
",
        rng.range(1, 10) * 20
    );
    let _ = writeln!(
        out,
        "rule 晚八点_{i} {{
  every day at 20:00
  for group in 冷群_{i}
  give 群红包_{i}
  cap ¥{} per day
  order by messages_today asc
}}
",
        rng.range(3, 10) * 100
    );
}

/// A deterministic, realistic playbook of exactly `lines` lines.
pub fn playbook(lines: usize) -> String {
    let mut rng = Rng(0x5eed_2026);
    let mut out = String::with_capacity(lines * 48);
    header(&mut out);
    let mut i = 0;
    loop {
        let mut next = String::new();
        wave(&mut next, &mut rng, i);
        if out.lines().count() + next.lines().count() + RESERVE > lines {
            break;
        }
        out.push_str(&next);
        i += 1;
    }
    let mut n = out.lines().count();
    while n + RESERVE < lines {
        let _ = writeln!(out, "// 备注 {n}: 预留给下一波活动 (padding)");
        n += 1;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "// 共 {i} 波活动 / {i} waves");
    out
}
