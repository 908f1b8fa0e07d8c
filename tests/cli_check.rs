//! `playbook check` run as a real process: exit codes, the three report formats, and
//! how several files and unreadable files are handled.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::bin;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

/// A playbook with no errors and no warnings.
const CLEAN: &str = r#"playbook "cli test" {
  timezone "Asia/Shanghai"
  active 2026-04-18 .. 2026-05-31
}

member { orders: int }

event join_group { group_id: text }

segment 潜客 = orders == 0

rule 入群礼 {
  on join_group
  when 潜客
  give red_packet ¥2
  limit once per member
}
"#;

/// [`CLEAN`] with line 10 naming `orderz`, which is not declared (E0101); the
/// Chinese segment name puts it at character column 14 (byte column 18).
fn unknown_name() -> String {
    CLEAN.replace("segment 潜客 = orders == 0", "segment 潜客 = orderz == 0")
}

/// Line and column of `orderz` in [`unknown_name`].
const UNKNOWN_AT: (u64, u64) = (10, 14);

/// [`CLEAN`] plus a segment nothing uses: a warning (W0001) and no error.
fn unused_segment() -> String {
    format!("{CLEAN}\nsegment 沉睡 = orders > 9\n")
}

/// A temporary directory to write playbooks into; removed when dropped.
struct Files(TempDir);

impl Files {
    fn new() -> Files {
        Files(tempfile::tempdir().expect("create a temporary directory"))
    }

    /// Writes `text` to `name` in the directory and returns its path.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, text).expect("write a test playbook");
        path
    }

    /// A path in the directory that does not exist.
    fn missing(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

/// `playbook check ARGS…`, with colour forced off.
fn check(args: &[&str], files: &[&Path]) -> Command {
    let mut cmd = bin();
    cmd.env("NO_COLOR", "1").arg("check").args(args).args(files);
    cmd
}

/// Runs `check --format json` and parses its stdout.
fn check_json(files: &[&Path], code: i32) -> Value {
    let output = check(&["--format", "json"], files).assert().code(code);
    let stdout = &output.get_output().stdout;
    serde_json::from_slice(stdout).expect("stdout is one JSON object")
}

/// The diagnostics in a JSON report with the given code.
fn with_code<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["diagnostics"]
        .as_array()
        .expect("`diagnostics` is an array")
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

#[test]
fn clean_file_exits_0_and_says_no_problems() {
    let files = Files::new();
    let good = files.write("good.playbook", CLEAN);
    check(&[], &[&good])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("checked 1 file: no problems"));
}

#[test]
fn error_exits_1_and_names_file_and_line() {
    let files = Files::new();
    let bad = files.write("bad.playbook", &unknown_name());
    // miette's header is `[FILE:LINE:COLUMN]`; only the line is asserted here, the
    // column is checked (in characters) through `--format json`.
    let place = format!("{}:{}:", bad.display(), UNKNOWN_AT.0);
    check(&[], &[&bad])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(place))
        .stdout(predicate::str::contains("E0101"))
        .stdout(predicate::str::contains("`orderz`"))
        .stdout(predicate::str::contains("checked 1 file: 1 error"));
}

#[test]
fn json_has_one_based_lines_and_character_columns() {
    let files = Files::new();
    let bad = files.write("bad.playbook", &unknown_name());
    let report = check_json(&[&bad], 1);
    let unknown = with_code(&report, "E0101");
    assert_eq!(unknown.len(), 1, "{report:#}");
    let d = unknown[0];
    assert_eq!(d["name"], "unknown-name");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], bad.display().to_string());
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(UNKNOWN_AT.0), Some(UNKNOWN_AT.1))
    );
    assert_eq!(report["errors"], 1);
}

#[test]
fn json_of_a_clean_file_is_empty() {
    let files = Files::new();
    let good = files.write("good.playbook", CLEAN);
    let report = check_json(&[&good], 0);
    assert_eq!(
        report,
        serde_json::json!({"diagnostics": [], "errors": 0, "warnings": 0})
    );
}

#[test]
fn github_prints_workflow_commands() {
    let files = Files::new();
    let bad = files.write("bad.playbook", &unknown_name());
    let command = format!(
        "::error file={},line={},col={},",
        bad.display(),
        UNKNOWN_AT.0,
        UNKNOWN_AT.1
    );
    check(&["--format", "github"], &[&bad])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(command))
        .stdout(predicate::str::contains("checked").not());
}

#[test]
fn warnings_pass_unless_denied() {
    let files = Files::new();
    let warn = files.write("warn.playbook", &unused_segment());
    let report = check_json(&[&warn], 0);
    assert_eq!(report["errors"], 0, "{report:#}");
    assert_eq!(with_code(&report, "W0001").len(), 1, "{report:#}");
    check(&[], &[&warn])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("checked 1 file: 1 warning"));
    check(&["--deny-warnings"], &[&warn]).assert().code(1);
}

#[test]
fn missing_file_exits_2() {
    let files = Files::new();
    let missing = files.missing("nope.playbook");
    let message = format!("error: cannot read `{}`: ", missing.display());
    check(&[], &[&missing])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message));
}

#[test]
fn missing_file_does_not_stop_the_others() {
    let files = Files::new();
    let missing = files.missing("nope.playbook");
    let bad = files.write("bad.playbook", &unknown_name());
    check(&[], &[&missing, &bad])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.playbook"))
        .stdout(predicate::str::contains("E0101"))
        .stdout(predicate::str::contains("1 file could not be read"));
}

#[test]
fn bad_usage_exits_2() {
    let files = Files::new();
    let good = files.write("good.playbook", CLEAN);
    check(&["--bogus"], &[&good]).assert().code(2);
    check(&["--format", "xml"], &[&good]).assert().code(2);
    check(&[], &[]).assert().code(2);
}

#[test]
fn several_files_are_all_checked() {
    let files = Files::new();
    let bad = files.write("bad.playbook", &unknown_name());
    let warn = files.write("warn.playbook", &unused_segment());
    check(&[], &[&bad, &warn])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(bad.display().to_string()))
        .stdout(predicate::str::contains(warn.display().to_string()))
        .stdout(predicate::str::contains(
            "checked 2 files: 1 error, 1 warning",
        ));

    let report = check_json(&[&bad, &warn], 1);
    let named: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("`diagnostics` is an array")
        .iter()
        .filter_map(|d| d["file"].as_str())
        .collect();
    assert!(
        named.contains(&bad.to_str().expect("utf-8 path")),
        "{report:#}"
    );
    assert!(
        named.contains(&warn.to_str().expect("utf-8 path")),
        "{report:#}"
    );
    assert_eq!(
        (report["errors"].as_u64(), report["warnings"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn version_and_help() {
    let mut version = bin();
    version
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(concat!(
            "playbook ",
            env!("CARGO_PKG_VERSION")
        )));
    let mut help = bin();
    help.arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("check"))
        .stdout(predicate::str::contains("rules engine"));
}

/// `check --cost` on an example: the bounds table after the (absent) diagnostics.
#[test]
fn cost_prints_the_bounds_of_each_rule_and_the_budgets() {
    let output = bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(["check", "--cost", "examples/package_card_launch.playbook"])
        .assert()
        .code(0);
    let stdout = String::from_utf8(output.get_output().stdout.clone()).expect("UTF-8");
    insta::assert_snapshot!(stdout);
}

/// Without `--cost` nothing about cost is printed.
#[test]
fn without_cost_the_report_is_unchanged() {
    let files = Files::new();
    let clean = files.write("clean.playbook", CLEAN);
    check(&[], &[&clean])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("cost of").not());
    let json = check_json(&[&clean], 0);
    assert!(json.get("cost").is_none());
}

/// `--format json --cost`: fen or null, what an unbounded bound depends on, and each
/// budget against the sum of the rules.
#[test]
fn cost_in_json_gives_fen_or_null_with_the_reason() {
    let files = Files::new();
    let clean = files.write("clean.playbook", CLEAN);
    let output = check(&["--format", "json", "--cost"], &[&clean])
        .assert()
        .code(0);
    let json: Value = serde_json::from_slice(&output.get_output().stdout).expect("JSON");
    let file = &json["cost"]["files"][0];
    let rule = &file["rules"][0];
    assert_eq!(rule["rule"], "入群礼");
    assert_eq!(rule["per_firing_fen"], 200);
    assert_eq!(rule["per_day_fen"], Value::Null);
    assert_eq!(rule["total_fen"], Value::Null);
    assert_eq!(rule["unbounded_by"], "members");
    assert_eq!(file["total_fen"], Value::Null);
    assert_eq!(file["budgets"], serde_json::json!([]));
    assert_eq!(json["errors"], 0);
}
