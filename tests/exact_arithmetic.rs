//! Exact arithmetic at the edges, run as real processes: a value that overflows for
//! one member refuses that member's firing (reason `error`, the values named) while
//! everyone else is served, and sums of money are never wrapped or saturated.

mod common;

use common::bin;
use serde_json::Value;
use tempfile::TempDir;

const HEADER: &str = r#"playbook "edges" {
  timezone "Asia/Shanghai"
  active 2026-04-18 .. 2026-05-31
}

member {
  spend: money
  orders: int
}
"#;

/// `m2` spends the largest amount money holds.
const MEMBERS: &str = "CREATE TABLE members (id TEXT PRIMARY KEY, spend INTEGER, orders INTEGER);
INSERT INTO members VALUES
  ('m1', 100, 1),
  ('m2', 9223372036854775807, 2),
  ('m3', 200, 3);
";

/// Writes the playbook (`HEADER` + `rules`) and the data, and runs the 10:00 tick
/// of 2026-04-20 in `format`.
fn run_in(dir: &TempDir, rules: &str, data: &str, format: &str) -> std::process::Output {
    let playbook = dir.path().join("edges.playbook");
    let sql = dir.path().join("edges.sql");
    std::fs::write(&playbook, format!("{HEADER}{rules}")).expect("write the playbook");
    std::fs::write(&sql, data).expect("write the data");
    bin()
        .arg("run")
        .arg(&playbook)
        .arg("--data")
        .arg(&sql)
        .args(["--at", "2026-04-20 10:00", "--format", format])
        .output()
        .expect("the binary runs")
}

fn json_run(rules: &str, data: &str) -> Value {
    let dir = TempDir::new().expect("temp dir");
    let out = run_in(&dir, rules, data, "json");
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

fn targets(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|g| {
            (
                g["rule"].as_str().unwrap_or_default().to_owned(),
                g["target"]["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

const AMOUNT_OVERFLOWS: &str = "
rule 返现 {
  every day at 10:00
  give red_packet clamp(2 * spend, ¥0.01, ¥200)
  limit 1 per member per day
}
";

#[test]
fn an_overflowing_amount_refuses_only_that_member_and_names_the_values() {
    let out = json_run(AMOUNT_OVERFLOWS, MEMBERS);
    assert_eq!(
        targets(&out["grants"]),
        [("返现".into(), "m1".into()), ("返现".into(), "m3".into())]
    );
    let refusals = out["refusals"].as_array().expect("refusals");
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    let r = &refusals[0];
    assert_eq!(r["target"]["id"], "m2");
    assert_eq!(r["reason"], "error");
    assert_eq!(
        r["message"], "arithmetic overflow in `2 * ¥92,233,720,368,547,758.07`",
        "the overflow, not an internal error about unlike values"
    );
    assert_eq!(r["value_fen"], Value::Null, "nothing was computed");
    assert_eq!(out["summary"]["refusals"]["error"], 1);
    assert_eq!(out["summary"]["value_fen"], 600);
}

#[test]
fn an_overflowing_product_with_money_on_the_left_is_an_overflow_too() {
    let rules = "
rule 返现 {
  every day at 10:00
  give red_packet clamp(spend * 3, ¥0.01, ¥200)
  limit 1 per member per day
}
";
    let out = json_run(rules, MEMBERS);
    assert_eq!(
        out["refusals"][0]["message"],
        "arithmetic overflow in `¥92,233,720,368,547,758.07 * 3`"
    );
}

#[test]
fn an_overflowing_condition_refuses_that_member_and_the_others_still_get_theirs() {
    let rules = "
rule 大户 {
  every day at 10:00
  when spend * 1000 > ¥1
  give points 10
  limit 1 per member per day
}
";
    let out = json_run(rules, MEMBERS);
    assert_eq!(
        targets(&out["grants"]),
        [("大户".into(), "m1".into()), ("大户".into(), "m3".into())]
    );
    let r = &out["refusals"][0];
    assert_eq!(r["target"]["id"], "m2");
    assert_eq!(r["reason"], "error");
    assert_eq!(r["reward"], "points 10");
    assert_eq!(
        r["message"],
        "arithmetic overflow in `¥92,233,720,368,547,758.07 * 1000`"
    );
}

#[test]
fn a_division_by_a_field_that_can_be_zero_is_stopped_before_any_run() {
    // Unguarded, the run would have to refuse m2 (0 orders): `check` rejects it, and
    // the guarded form runs for everyone else.
    let rules = "
rule 均单 {
  every day at 10:00
  when spend / orders > ¥0.5
  give points 10
  limit 1 per member per day
}
";
    let data = "CREATE TABLE members (id TEXT PRIMARY KEY, spend INTEGER, orders INTEGER);
INSERT INTO members VALUES ('m1', 100, 1), ('m2', 500, 0), ('m3', 200, 3);
";
    let dir = TempDir::new().expect("temp dir");
    let out = run_in(&dir, rules, data, "json");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0207"));
    let guarded = rules.replace("when spend", "when orders > 0 and spend");
    let out = json_run(&guarded, data);
    assert_eq!(
        targets(&out["grants"]),
        [("均单".into(), "m1".into()), ("均单".into(), "m3".into())]
    );
    assert_eq!(out["refusals"], serde_json::json!([]));
}

#[test]
fn an_overflow_refusal_shows_in_the_table_with_its_reason() {
    let dir = TempDir::new().expect("temp dir");
    let out = run_in(&dir, AMOUNT_OVERFLOWS, MEMBERS, "table");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let line = text
        .lines()
        .find(|l| l.contains(" m2 "))
        .expect("a row for m2");
    assert!(
        line.contains("REFUSED error: arithmetic overflow in `2 * ¥92,233,720,368,547,758.07`"),
        "{line}"
    );
    assert!(text.contains("refused 1 firing (error 1)"), "{text}");
    assert!(text.contains("granted 2 grants worth ¥6"), "{text}");
}

#[test]
fn an_overflow_with_several_threads_is_the_same_refusal() {
    let dir = TempDir::new().expect("temp dir");
    let one = run_in(&dir, AMOUNT_OVERFLOWS, MEMBERS, "jsonl");
    let playbook = dir.path().join("edges.playbook");
    let sql = dir.path().join("edges.sql");
    let four = bin()
        .arg("run")
        .arg(&playbook)
        .arg("--data")
        .arg(&sql)
        .args([
            "--at",
            "2026-04-20 10:00",
            "--format",
            "jsonl",
            "--threads",
            "4",
        ])
        .output()
        .expect("the binary runs");
    assert!(one.status.success() && four.status.success());
    assert_eq!(one.stdout, four.stdout);
}

// ------------------------------------------------------------------ sums of money

mod sums {
    use std::sync::OnceLock;

    use playbook::app::decisions::{Collect, Decision};
    use playbook::check::Program;
    use playbook::compile::compile;
    use playbook::data::MemoryData;
    use playbook::interpret::engine::RunOptions;
    use playbook::interpret::grant::Reason;
    use playbook::interpret::usage::{HistoryGrant, Usage};
    use playbook::money::{Fen, FenSum};
    use playbook::syntax::ast::TargetKind;
    use playbook::time::parse_instant;
    use playbook::value::{Row, Val};
    use proptest::prelude::*;

    /// A total budget of the largest amount money holds; points worth ¥1 each and
    /// a gift worth 2^62 fen, so sums of a firing and of a run reach past `i64`.
    const PLAYBOOK: &str = r#"playbook "extremes" {
  timezone "Asia/Shanghai"
  active 2026-04-01 .. 2026-05-31
  budget ¥92,233,720,368,547,758.07 total
  point_value ¥1
}

member { n: int }

reward 金条 = gift "金条" worth ¥46,116,860,184,273,879.04

rule 积分 {
  every day at 10:00
  give points n, 金条
  limit 1 per member per day
}
"#;

    fn program() -> &'static Program {
        static PROGRAM: OnceLock<Program> = OnceLock::new();
        PROGRAM.get_or_init(|| {
            let outcome = playbook::check_text("extremes.playbook", PLAYBOOK);
            assert_eq!(outcome.errors(), 0, "{:#?}", outcome.diagnostics);
            outcome.program.expect("the playbook checks")
        })
    }

    fn instant(text: &str) -> i64 {
        parse_instant(text, program().settings.timezone).expect("a valid instant")
    }

    /// Amounts of every size, the extremes often.
    fn extreme() -> impl Strategy<Value = i64> {
        prop_oneof![
            Just(i64::MAX),
            Just(i64::MIN),
            Just(i64::MAX / 100),
            Just(-(i64::MAX / 100)),
            (i64::MAX - 1_000..=i64::MAX),
            (-1_000_000i64..1_000_000),
            any::<i64>(),
        ]
    }

    fn load_history(usage: &mut Usage, history: &[i64]) {
        let at = instant("2026-04-10 10:00");
        for (i, value) in history.iter().enumerate() {
            let target = format!("old{i}");
            usage.load(
                HistoryGrant {
                    rule: "积分",
                    target_kind: TargetKind::Member,
                    target: &target,
                    cause: "tick:2026-04-10T10:00:00+08:00",
                    cause_at: at,
                    value: Fen(*value),
                    at,
                    red_packet: false,
                    counts_spend: true,
                },
                at,
                at,
            );
        }
    }

    /// A member row with `n`.
    fn member(id: String, n: i64) -> Row {
        let p = program();
        let mut row = Row::with_width(p.member.fields.len());
        row.id = id;
        row.vals[p.member.index("n").expect("field n")] = Val::Int(n);
        row
    }

    fn exact(values: impl IntoIterator<Item = Fen>) -> i128 {
        values.into_iter().map(|f| i128::from(f.0)).sum()
    }

    proptest! {
        #[test]
        fn budget_checks_compare_exactly_whatever_the_history(
            history in prop::collection::vec(extreme(), 0..6),
            cost in extreme(),
        ) {
            let engine = compile(program().clone());
            let mut usage = engine.usage();
            load_history(&mut usage, &history);
            let spent = exact(history.iter().copied().map(Fen));
            prop_assert_eq!(usage.spent_total(), FenSum(spent), "the usage's sum is exact");
            let at = instant("2026-04-20 10:00");
            let verdict = usage.check(0, TargetKind::Member, "m", at, Fen(cost), Default::default());
            let over = spent + i128::from(cost) > i128::from(i64::MAX);
            prop_assert_eq!(
                verdict.as_ref().map(|(r, _)| *r),
                over.then_some(Reason::Budget),
                "{:?}",
                verdict
            );
            if let Some((_, message)) = verdict {
                prop_assert!(
                    message.contains(&format!("{} used", FenSum(spent))),
                    "the message shows the exact sum: {}",
                    message
                );
            }
        }

        #[test]
        fn no_sum_of_money_in_a_run_wraps_saturates_or_overspends(
            history in prop::collection::vec(extreme(), 0..4),
            points in prop::collection::vec(extreme(), 1..8),
        ) {
            let engine = compile(program().clone());
            let mut usage = engine.usage();
            load_history(&mut usage, &history);
            let data = MemoryData {
                members: points
                    .iter()
                    .enumerate()
                    .map(|(i, n)| member(format!("m{i}"), *n))
                    .collect(),
                groups: Vec::new(),
                events: Vec::new(),
            };
            let opts = RunOptions {
                at: instant("2026-04-20 10:00"),
                since: Some(instant("2026-04-20 09:00")),
                skip_bad_rows: false,
                threads: 1,
                pushdown: true,
                hold: true,
            };
            let mut sink = Collect::default();
            let result = engine.run(&mut data.clone(), &mut usage, &opts, &mut sink);
            let budget = i128::from(i64::MAX);
            let mut spent = exact(history.iter().copied().map(Fen));
            let mut granted = 0i128;
            for decision in &sink.decisions {
                match decision {
                    Decision::Grant(g) => {
                        spent += i128::from(g.value.0);
                        granted += i128::from(g.value.0);
                        prop_assert!(spent <= budget, "overspent: {}", spent);
                    }
                    Decision::Refusal(r) => {
                        let sum = exact(r.grants.iter().map(|g| g.value));
                        match r.value {
                            Some(v) => prop_assert_eq!(i128::from(v.0), sum, "a refusal's value is exact"),
                            None => prop_assert_eq!(r.reason, Reason::Error),
                        }
                        if r.reason == Reason::Budget {
                            prop_assert!(spent + sum > budget, "refused within budget: {}", r.message);
                        }
                        if r.reason == Reason::Error {
                            // An overflow, or points below one (a reward never takes
                            // value back).
                            prop_assert!(
                                r.message.contains("overflow")
                                    || r.message.contains("a reward gives at least 1 point"),
                                "{}",
                                r.message
                            );
                        }
                    }
                }
            }
            match result {
                Ok(report) => {
                    prop_assert_eq!(i128::from(report.granted.value.0), granted);
                    prop_assert_eq!(i128::from(report.budget[0].used.0), spent);
                    prop_assert_eq!(
                        report.budget[0].left().0,
                        (budget - spent).max(0),
                        "left is exact"
                    );
                }
                Err(e) => {
                    // Only a ledger history that sums past what money holds.
                    prop_assert!(FenSum(spent).to_fen().is_none(), "{}", e);
                    prop_assert!(e.to_string().contains("more than money holds"), "{}", e);
                }
            }
        }
    }

    #[test]
    fn a_firing_whose_rewards_sum_past_money_is_refused_with_no_value() {
        let engine = compile(program().clone());
        let mut usage = engine.usage();
        let data = MemoryData {
            members: vec![member("m1".into(), i64::MAX / 100)],
            groups: Vec::new(),
            events: Vec::new(),
        };
        let opts = RunOptions {
            at: instant("2026-04-20 10:00"),
            since: None,
            skip_bad_rows: false,
            threads: 1,
            pushdown: true,
            hold: true,
        };
        let mut sink = Collect::default();
        engine
            .run(&mut data.clone(), &mut usage, &opts, &mut sink)
            .expect("the run completes");
        let [Decision::Refusal(refusal)] = sink.decisions.as_slice() else {
            panic!("one refusal: {:?}", sink.decisions.len());
        };
        assert_eq!(refusal.reason, Reason::Error);
        assert_eq!(refusal.value, None);
        assert_eq!(
            refusal.message,
            "arithmetic overflow: the rewards together cost more than ¥92,233,720,368,547,758.07"
        );
        let json = refusal.to_json(program().settings.timezone);
        assert_eq!(json["value_fen"], serde_json::Value::Null);
    }
}

// ------------------------------------------------------- constants that always fail

/// The `E0205` diagnostics of a playbook of one member schema and `segments`, as
/// (underlined text, line).
fn constant_failures(segments: &str) -> Vec<(String, u64)> {
    let text = format!("member {{ spend: money  orders: int }}\n{segments}");
    let out = playbook::check_text("c.playbook", &text);
    let json = playbook::diagnostics::render_json_value(&out.diagnostics, &out.sources);
    let lines: Vec<&str> = text.lines().collect();
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "E0205")
        .map(|d| {
            assert_eq!(d["name"], "constant-fails");
            let line = d["line"].as_u64().expect("line");
            let chars: Vec<char> = lines[line as usize - 1].chars().collect();
            let (from, to) = (
                d["column"].as_u64().expect("column") as usize - 1,
                d["end_column"].as_u64().expect("end column") as usize - 1,
            );
            (chars[from..to].iter().collect(), line)
        })
        .collect()
}

#[test]
fn a_constant_zero_divisor_is_a_check_error() {
    assert_eq!(
        constant_failures("segment a = spend / 0 > ¥1\nsegment b = spend / (1 - 1) > ¥1\n"),
        [("0".into(), 2), ("(1 - 1)".into(), 3)]
    );
}

#[test]
fn constant_operands_that_overflow_are_a_check_error() {
    assert_eq!(
        constant_failures(
            "segment a = orders == 9223372036854775807 + 1\nsegment b = spend > ¥1 * 9223372036854775807\n"
        ),
        [
            ("9223372036854775807 + 1".into(), 2),
            ("¥1 * 9223372036854775807".into(), 3)
        ]
    );
}

#[test]
fn an_overflow_inside_a_constant_is_reported_once_at_its_cause() {
    assert_eq!(
        constant_failures("segment a = orders > (9223372036854775807 + 1) * 2\n"),
        [("(9223372036854775807 + 1)".into(), 2)]
    );
}

/// A chain is checked one step at a time, as `((a + b) + c) + …`: the step that
/// fails is reported with what came before it, once, and the steps after are not.
#[test]
fn a_chain_of_constants_is_reported_at_the_step_that_fails() {
    assert_eq!(
        constant_failures(
            "segment a = orders > 9223372036854775806 + 1 + 1 + 1 + 1\n\
             segment b = spend / 2 / 0 / 2 > ¥1\n"
        ),
        [("9223372036854775806 + 1 + 1".into(), 2), ("0".into(), 3)]
    );
}

#[test]
fn arithmetic_that_fails_only_for_some_rows_is_left_to_the_run() {
    assert_eq!(
        constant_failures(
            "segment a = spend / orders > ¥1\nsegment b = spend * 1000 > ¥1\nsegment c = spend > ¥1 * 92233720368547758\n"
        ),
        []
    );
}

#[test]
fn an_overflowing_event_filter_refuses_that_event_and_serves_the_next() {
    let rules = "
event order_paid { amount: money }

rule 返现 {
  on order_paid where event.amount * 1000 > ¥1
  give red_packet ¥1
  limit 5 per member per day
}
";
    let data = format!(
        "{MEMBERS}CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT, member_id TEXT, at TEXT, data TEXT);
INSERT INTO events VALUES
  ('e1', 'order_paid', 'm1', '2026-04-20 09:10:00', '{{\"amount\": 9223372036854775807}}'),
  ('e2', 'order_paid', 'm1', '2026-04-20 09:20:00', '{{\"amount\": 500}}');
"
    );
    let dir = TempDir::new().expect("temp dir");
    let playbook = dir.path().join("edges.playbook");
    let sql = dir.path().join("edges.sql");
    std::fs::write(&playbook, format!("{HEADER}{rules}")).expect("write the playbook");
    std::fs::write(&sql, data).expect("write the data");
    let out = bin()
        .arg("run")
        .arg(&playbook)
        .arg("--data")
        .arg(&sql)
        .args(["--since", "2026-04-20 09:00", "--at", "2026-04-20 10:00"])
        .args(["--format", "json"])
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(out["grants"][0]["cause"], "event:e2");
    assert_eq!(out["refusals"][0]["cause"], "event:e1");
    assert_eq!(out["refusals"][0]["reason"], "error");
    assert_eq!(
        out["refusals"][0]["message"],
        "arithmetic overflow in `¥92,233,720,368,547,758.07 * 1000`"
    );
}

#[test]
fn explain_says_an_overflowing_rule_is_refused_with_the_values() {
    let dir = TempDir::new().expect("temp dir");
    let playbook = dir.path().join("edges.playbook");
    let sql = dir.path().join("edges.sql");
    std::fs::write(&playbook, format!("{HEADER}{AMOUNT_OVERFLOWS}")).expect("write");
    std::fs::write(&sql, MEMBERS).expect("write");
    let out = bin()
        .arg("explain")
        .arg(&playbook)
        .arg("--data")
        .arg(&sql)
        .args(["--member", "m2", "--at", "2026-04-20 10:00"])
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        text.contains("refused (error): arithmetic overflow in `2 * ¥92,233,720,368,547,758.07`"),
        "{text}"
    );
}

#[test]
fn computed_points_below_one_refuse_that_firing_and_never_offset_a_budget() {
    let rules = "
rule 积分 {
  every day at 10:00
  give points orders - 2
  limit 1 per member per day
}
";
    let out = json_run(rules, MEMBERS);
    assert_eq!(targets(&out["grants"]), [("积分".into(), "m3".into())]);
    let refusals = out["refusals"].as_array().expect("refusals");
    let messages: Vec<(&str, &str)> = refusals
        .iter()
        .map(|r| {
            (
                r["target"]["id"].as_str().unwrap(),
                r["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        [
            (
                "m1",
                "the points come out as -1: a reward gives at least 1 point"
            ),
            (
                "m2",
                "the points come out as 0: a reward gives at least 1 point"
            ),
        ]
    );
    assert!(refusals.iter().all(|r| r["reason"] == "error"));
}
