//! The static cost bound (`check --cost`) is never below what a run spends: over
//! random playbooks without budgets run over a fixed community, and over every
//! example run over its own community, each rule's spend in the window stays within
//! its total bound and, on every day, within its daily bound, whenever those are
//! bounded.
//!
//! The random cases are few by default; `PROPTEST_CASES=2000 cargo test --release
//! --test cost_property` for a long run.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use playbook::app::decisions::Collect;
use playbook::app::run::{RunRequest, run};
use playbook::check::Program;
use playbook::check::cost::cost_bounds;
use playbook::compile::compile;
use playbook::time::{local_date, parse_instant};
use proptest::prelude::*;

/// A fixed community: 30 members, 80 orders over five days.
fn community() -> PathBuf {
    static PATH: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = PATH.get_or_init(|| common::order_community(80));
    path.clone()
}

/// One rule of a random playbook.
fn rule() -> impl Strategy<Value = String> {
    let reward = prop_oneof![
        (100i64..5_000).prop_map(|f| format!("red_packet {}", common::yuan(f))),
        (1i64..1_000).prop_map(|n| format!("points {n}")),
        (1i64..6).prop_map(|k| format!("points clamp(orders * {k}, 1, 20)")),
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
        Just("limit 3 per week".to_string()),
        Just("limit once per member".to_string()),
    ];
    let cap = prop_oneof![
        Just(String::new()),
        (100i64..20_000).prop_map(|f| format!("cap {} per day", common::yuan(f))),
        (100i64..50_000).prop_map(|f| format!("cap {} total", common::yuan(f))),
    ];
    let when = prop_oneof![
        Just(String::new()),
        Just("when 头部".to_string()),
        Just("when 头部 and orders >= 1".to_string()),
    ];
    let schedule = prop_oneof![
        (8u32..21).prop_map(|h| format!("every day at {h:02}:00")),
        Just("every 3h from 09:00 to 21:00".to_string()),
        Just("every monday, friday at 10:00".to_string()),
        Just("at 2026-04-12 10:00".to_string()),
    ];
    prop_oneof![
        (schedule, when, reward, limit.clone(), cap.clone())
            .prop_map(|(s, w, r, l, c)| { format!("  {s}\n  {w}\n  give {r}\n  {l}\n  {c}\n") }),
        (event_reward, limit, cap)
            .prop_map(|(r, l, c)| format!("  on order_paid\n  give {r}\n  {l}\n  {c}\n")),
    ]
}

/// A random playbook without budgets (a budget would hide what a rule can spend).
fn playbook() -> impl Strategy<Value = String> {
    (
        prop::option::of(1i64..20),
        1u64..12,
        prop::collection::vec(rule(), 1..5),
    )
        .prop_map(|(point_value, top, rules)| {
            let mut text = String::from(
                "playbook \"p\" {\n  timezone \"Asia/Shanghai\"\n  active 2026-04-01 .. 2026-04-30\n",
            );
            if let Some(v) = point_value {
                text.push_str(&format!("  point_value {}\n", common::yuan(v)));
            }
            text.push_str("}\nmember { orders: int  spend: money }\nevent order_paid { amount: money }\n");
            text.push_str(&format!("segment 头部 = top {top} by spend\n"));
            for (i, r) in rules.iter().enumerate() {
                text.push_str(&format!("rule r{i} {{\n{r}}}\n"));
            }
            text
        })
}

/// Runs `program` over `data` in `(since, at]` and checks every rule's spend, in
/// total and per day, against its bounds; the first violation, if any.
fn spend_within_bounds(program: Program, data: &Path, since: &str, at: &str) -> Result<(), String> {
    let bounds = cost_bounds(&program);
    let tz = program.settings.timezone;
    let compiled = compile(program);
    let request = RunRequest {
        since: Some(parse_instant(since, tz).map_err(|e| e.to_string())?),
        ..RunRequest::new(
            &compiled,
            data,
            parse_instant(at, tz).map_err(|e| e.to_string())?,
        )
    };
    let mut decisions = Collect::default();
    run(&request, &mut decisions).map_err(|e| e.to_string())?;
    let mut total: BTreeMap<&str, i128> = BTreeMap::new();
    let mut by_day: BTreeMap<(&str, chrono::NaiveDate), i128> = BTreeMap::new();
    for g in decisions.grants() {
        *total.entry(&*g.rule).or_default() += i128::from(g.value.0);
        *by_day.entry((&*g.rule, local_date(tz, g.at))).or_default() += i128::from(g.value.0);
    }
    for rule in &bounds.rules {
        let spent = total.get(rule.name.as_str()).copied().unwrap_or(0);
        if let Some(bound) = rule.total.fen()
            && spent > i128::from(bound.0)
        {
            return Err(format!("{} spent {spent}, bound {bound}", rule.name));
        }
        let Some(daily) = rule.per_day.fen() else {
            continue;
        };
        for ((name, day), spent) in &by_day {
            if *name == rule.name && *spent > i128::from(daily.0) {
                return Err(format!(
                    "{name} spent {spent} on {day}, bound {daily} a day"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn no_example_spends_more_than_its_bound() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let windows = [
        (
            "package_card_launch",
            "2026-04-25 00:00",
            "2026-04-27 22:00",
        ),
        (
            "store_owner_red_packets",
            "2026-05-05 00:00",
            "2026-05-06 22:00",
        ),
        ("tiered_groups", "2026-06-14 00:00", "2026-06-15 22:00"),
        (
            "member_day_birthday",
            "2026-05-01 00:00",
            "2026-05-08 22:00",
        ),
    ];
    for (name, since, at) in windows {
        let file = root.join(format!("examples/{name}.playbook"));
        let checked = playbook::check_file(&file).expect("the example reads");
        let program = checked.program.expect("the example checks");
        let data = root.join(format!("examples/data/{name}.sql"));
        if let Err(e) = spend_within_bounds(program, &data, since, at) {
            panic!("{name}: {e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48)
    ))]

    #[test]
    fn no_rule_spends_more_than_its_bound(text in playbook()) {
        let checked = playbook::check_text("p.playbook", &text);
        let Some(program) = checked.program else {
            return Ok(());
        };
        let data = community();
        let result = spend_within_bounds(program, &data, "2026-04-09 00:00", "2026-04-15 23:59");
        prop_assert!(result.is_ok(), "{}\nin\n{text}", result.unwrap_err());
    }
}
