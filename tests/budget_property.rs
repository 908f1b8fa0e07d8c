//! Over random playbooks with budgets — fixed and computed red packets, points that
//! may be negative or zero (as typed, or computed), coupons, gifts and lotteries, on
//! schedules and events — every playbook that checks grants only non-negative values,
//! and their sum never exceeds the total budget nor, on any day, the daily budget.
//!
//! The cases are few by default; `PROPTEST_CASES=2000 cargo test --release --test
//! budget_property` for a long run.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use playbook::app::decisions::Collect;
use playbook::app::run::{RunRequest, run};
use playbook::compile::compile;
use playbook::time::{local_date, parse_instant};
use proptest::prelude::*;

/// A fixed community: 30 members, 60 orders over five days.
fn community() -> PathBuf {
    static PATH: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = PATH.get_or_init(|| common::order_community(60));
    path.clone()
}

/// One rule of a random playbook.
fn rule() -> impl Strategy<Value = String> {
    let reward = prop_oneof![
        (100i64..5_000).prop_map(|f| format!("red_packet {}", common::yuan(f))),
        (-1_000i64..1_000).prop_map(|n| format!("points {n}")),
        (0i64..6).prop_map(|k| format!("points orders - {k}")),
        (100i64..5_000).prop_map(|f| format!(
            "coupon {} over {}",
            common::yuan(f),
            common::yuan(f * 3)
        )),
        (0i64..5_000).prop_map(|f| format!("gift \"礼\" worth {}", common::yuan(f))),
        (100i64..5_000, 1i64..500).prop_map(|(f, n)| format!(
            "lottery {{ 30% -> red_packet {}  rest -> points {n} }}",
            common::yuan(f)
        )),
    ];
    let event_reward = prop_oneof![
        (1i64..20, 200i64..5_000).prop_map(|(p, hi)| format!(
            "red_packet clamp(event.amount * {p}%, ¥1, {})",
            common::yuan(hi.max(100))
        )),
        reward.clone(),
    ];
    let limit = prop_oneof![
        Just(String::new()),
        Just("limit 1 per member per day".to_string()),
        Just("limit 2 per day".to_string()),
    ];
    prop_oneof![
        (8u32..21, reward, limit.clone())
            .prop_map(|(h, r, l)| format!("  every day at {h:02}:00\n  give {r}\n  {l}\n")),
        (event_reward, limit).prop_map(|(r, l)| format!("  on order_paid\n  give {r}\n  {l}\n")),
    ]
}

/// A random playbook, with its total and daily budgets in fen.
fn playbook() -> impl Strategy<Value = (String, i64, Option<i64>)> {
    (
        100i64..20_000,
        prop::option::of(100i64..5_000),
        prop::option::of(1i64..20),
        prop::collection::vec(rule(), 1..5),
    )
        .prop_map(|(total, day, point_value, rules)| {
            let mut text = format!(
                "playbook \"p\" {{\n  timezone \"Asia/Shanghai\"\n  active 2026-04-01 .. 2026-04-30\n  budget {} total",
                common::yuan(total)
            );
            if let Some(d) = day {
                text.push_str(&format!(", {} per day", common::yuan(d)));
            }
            text.push('\n');
            if let Some(v) = point_value {
                text.push_str(&format!("  point_value {}\n", common::yuan(v)));
            }
            text.push_str("}\nmember { orders: int  spend: money }\nevent order_paid { amount: money }\n");
            for (i, r) in rules.iter().enumerate() {
                text.push_str(&format!("rule r{i} {{\n{r}}}\n"));
            }
            (text, total, day)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48)
    ))]

    #[test]
    fn no_budget_is_ever_exceeded_and_no_grant_takes_value_back(
        (text, total, day) in playbook()
    ) {
        let checked = playbook::check_text("p.playbook", &text);
        let Some(program) = checked.program else {
            // Rejected at check (e.g. `points -5`): nothing can be granted.
            return Ok(());
        };
        let tz = program.settings.timezone;
        let data = community();
        let compiled = compile(program.clone());
        let request = RunRequest {
            since: Some(parse_instant("2026-04-09 00:00", tz).unwrap()),
            ..RunRequest::new(&compiled, &data, parse_instant("2026-04-15 23:59", tz).unwrap())
        };
        let mut grants = Collect::default();
        run(&request, &mut grants).expect("the run completes");
        let mut by_day: BTreeMap<chrono::NaiveDate, i128> = BTreeMap::new();
        let mut sum = 0i128;
        for g in grants.grants() {
            prop_assert!(g.value.0 >= 0, "a grant of {} in\n{text}", g.value);
            sum += i128::from(g.value.0);
            *by_day.entry(local_date(tz, g.at)).or_default() += i128::from(g.value.0);
        }
        prop_assert!(sum <= i128::from(total), "spent {sum} of {total} in\n{text}");
        if let Some(day) = day {
            for (date, spent) in by_day {
                prop_assert!(spent <= i128::from(day), "{date}: {spent} of {day} in\n{text}");
            }
        }
    }
}
