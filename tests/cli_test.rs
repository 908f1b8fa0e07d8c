//! `playbook test` run as a real process: the report of passing and failing test
//! blocks (snapshot), the filter, JSON, coverage and its minimum, and bad input.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

/// A file with one passing and one deliberately failing test block.
const WELCOME: &str = "tests/fixtures/test/welcome.playbook";

fn playbook() -> Command {
    let mut cmd = common::bin();
    cmd.env("NO_COLOR", "1");
    cmd
}

fn stdout_of(args: &[&str], code: i32) -> String {
    let out = playbook().arg("test").args(args).assert().code(code);
    String::from_utf8(out.get_output().stdout.clone()).expect("utf-8 output")
}

#[test]
fn a_failing_block_is_reported_with_its_expectations_and_grant_diff() {
    let out = stdout_of(&[WELCOME], 1);
    insta::assert_snapshot!(out);
}

#[test]
fn the_examples_pass() {
    let out = stdout_of(&["examples"], 0);
    assert!(out.contains(" 0 failed\n"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
}

#[test]
fn the_last_line_counts_passed_and_failed() {
    let out = stdout_of(&[WELCOME], 1);
    assert_eq!(out.lines().last(), Some("1 passed, 1 failed"));
}

#[test]
fn filter_runs_only_matching_tests() {
    let out = stdout_of(&[WELCOME, "--filter", "^新人"], 0);
    assert!(out.contains("ok    新人入群拿红包"), "{out}");
    assert!(!out.contains("老客周一"), "{out}");
    assert!(
        out.ends_with("1 filtered out\n1 passed, 0 failed\n"),
        "{out}"
    );
}

#[test]
fn a_bad_filter_is_bad_usage() {
    playbook()
        .args(["test", WELCOME, "--filter", "("])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid --filter"));
}

#[test]
fn json_has_every_test_failure_and_diff() {
    let out = stdout_of(&[WELCOME, "--format", "json"], 1);
    let v: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 1);
    let failing = &v["tests"][1];
    assert_eq!(failing["passed"], false);
    assert_eq!(failing["line"], 43);
    let failures = failing["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 3);
    assert_eq!(failures[2]["expectation"], "expect spend ¥5");
    assert_eq!(failures[2]["line"], 50);
    let lines = &failing["diff"][0]["lines"];
    assert_eq!(failing["diff"][0]["target"], "m2");
    assert_eq!(lines[0]["status"], "missing");
    assert_eq!(lines[0]["reward"], "入群红包");
    assert!(
        lines[0]["refused"]
            .as_str()
            .is_some_and(|r| r.contains("limit"))
    );
    assert_eq!(lines[2]["status"], "unexpected");
    assert_eq!(lines[2]["reward"], "满300减20");
    assert_eq!(failing["grants"][0]["value_fen"], 2000);
    assert!(v.get("coverage").is_none());
}

#[test]
fn coverage_lists_rules_and_arms_no_test_exercised() {
    let out = stdout_of(&[WELCOME, "--filter", "新人", "--coverage"], 0);
    assert!(
        out.contains("coverage: 1 of 4 rules and arms exercised (25.0%)"),
        "{out}"
    );
    assert!(out.contains("not exercised: rule 周券  ("), "{out}");
    assert!(
        out.contains("not exercised: rule 周券, tier arm 2 `coupon ¥10 valid 7d`"),
        "{out}"
    );
}

#[test]
fn coverage_in_json() {
    let out = stdout_of(&[WELCOME, "--format", "json", "--coverage"], 1);
    let v: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["coverage"]["total"], 4);
    assert_eq!(v["coverage"]["covered"], 3);
    let items = v["coverage"]["items"].as_array().expect("items");
    let arm = &items[3];
    assert_eq!(arm["item"], "tier arm 2");
    assert_eq!(arm["covered"], false);
    assert_eq!(arm["rule"], "周券");
}

#[test]
fn min_coverage_fails_below_and_passes_at_or_above() {
    playbook()
        .args(["test", WELCOME, "--filter", "新人", "--min-coverage", "30"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "coverage 25.0% is below the minimum 30%",
        ));
    playbook()
        .args(["test", WELCOME, "--filter", "新人", "--min-coverage", "25%"])
        .assert()
        .code(0);
    playbook()
        .args(["test", WELCOME, "--min-coverage", "101"])
        .assert()
        .code(2);
}

#[test]
fn a_file_with_check_errors_runs_no_tests_and_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.playbook");
    std::fs::write(&path, "member { orders: int }\nsegment a = orderz > 1\n").expect("write");
    let out = playbook()
        .args(["test"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("E0101"))
        .stdout(predicate::str::contains("1 file did not check"));
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.ends_with("0 passed, 0 failed\n"), "{text}");
}

#[test]
fn an_unreadable_file_is_bad_usage_and_the_rest_still_run() {
    playbook()
        .args(["test", "no/such/file.playbook", WELCOME, "--filter", "新人"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read `no/such/file.playbook`",
        ))
        .stdout(predicate::str::contains("1 passed, 0 failed"));
}

#[test]
fn github_format_annotates_each_failed_expectation_and_uncovered_arm() {
    let out = stdout_of(&[WELCOME, "--format", "github", "--coverage"], 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines[0].starts_with(
            "::error file=tests/fixtures/test/welcome.playbook,line=48,col=3,endLine=48,endColumn=29,title=test failed%3A 老客周一拿满减券"
        ),
        "{out}"
    );
    assert!(lines[2].ends_with("::expected spend ¥5, but the run spent ¥20 on 1 grant"));
    assert!(lines[3].starts_with("::warning file=tests/fixtures/test/welcome.playbook,line=20,"));
    assert!(lines[3].ends_with("::no test reaches tier arm 2 of rule 周券"));
    assert_eq!(lines[4], "1 passed, 1 failed");
}
