//! Exact arithmetic at the edges, run as real processes: a value that overflows for
//! one member refuses that member's firing (reason `error`, the values named) while
//! everyone else is served, and sums of money are never wrapped or saturated.

use assert_cmd::Command;
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

fn bin() -> Command {
    Command::cargo_bin("playbook").expect("the playbook binary is built")
}

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
fn a_division_by_a_zero_field_refuses_that_member() {
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
    let out = json_run(rules, data);
    assert_eq!(
        targets(&out["grants"]),
        [("均单".into(), "m1".into()), ("均单".into(), "m3".into())]
    );
    assert_eq!(out["refusals"][0]["target"]["id"], "m2");
    assert_eq!(
        out["refusals"][0]["message"],
        "division by zero in `¥5 / 0`"
    );
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
