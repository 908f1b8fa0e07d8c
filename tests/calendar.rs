//! The working calendar from the command line: a company's calendar file with errors
//! is reported at its own line and column, and a run whose window reaches a year the
//! calendar has no data for stops before deciding or recording anything.

mod common;

use std::fs;
use std::path::Path;

use tempfile::TempDir;

const PLAYBOOK: &str = r#"playbook "工作日早安" {
  timezone "Asia/Shanghai"
  calendar "company.calendar"
}

member {
  level: int
}

rule 早安红包 {
  every workday at 09:00
  give red_packet ¥1
  limit 1 per member per day
}
"#;

const DATA: &str = "CREATE TABLE members (id TEXT PRIMARY KEY, level INTEGER);
INSERT INTO members VALUES ('m1', 1);
";

fn community(calendar: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("p.playbook"), PLAYBOOK).unwrap();
    fs::write(dir.path().join("company.calendar"), calendar).unwrap();
    fs::write(dir.path().join("data.sql"), DATA).unwrap();
    dir
}

fn run(dir: &Path, since: &str, at: &str) -> std::process::Output {
    common::bin()
        .current_dir(dir)
        .args([
            "run",
            "p.playbook",
            "--data",
            "data.sql",
            "--format",
            "jsonl",
        ])
        .args(["--since", since, "--at", at, "--ledger", "ledger.db"])
        .output()
        .unwrap()
}

#[test]
fn errors_in_a_calendar_file_name_its_line_and_column() {
    let dir =
        community("# 公司日历\n公司年会 off 2026-02-30\n补班 work 2026-03-08 .. 2026-03-07\n");
    let out = common::bin()
        .current_dir(dir.path())
        .args(["check", "--format", "github", "p.playbook"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("file=company.calendar,line=2,col=10")
            && text.contains("no such date: 2026-02-30"),
        "{text}"
    );
    assert!(
        text.contains("file=company.calendar,line=3,col=9") && text.contains("backwards"),
        "{text}"
    );
}

#[test]
fn the_company_calendar_decides_the_days() {
    // 2026-06-12 is a Friday the company takes off; Sunday 06-14 is worked.
    let dir = community("公司年会 off 2026-06-12\n仓库盘点 work 2026-06-14\n");
    let out = run(dir.path(), "2026-06-11 00:00", "2026-06-15 00:00");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let days: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|g| g.get("summary").is_none())
        .map(|g| g["at"].as_str().unwrap()[..10].to_owned())
        .collect();
    assert_eq!(days, ["2026-06-11", "2026-06-14"]);
}

#[test]
fn a_window_reaching_an_uncovered_year_stops_before_anything_is_recorded() {
    let dir = community("# nothing of our own\n");
    let out = run(dir.path(), "2026-12-30 00:00", "2027-01-05 00:00");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("E0406") && err.contains("2027"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let ledger = dir.path().join("ledger.db");
    if ledger.exists() {
        let conn = rusqlite::Connection::open(&ledger).unwrap();
        let grants: i64 = conn
            .query_row("SELECT count(*) FROM grants", [], |r| r.get(0))
            .unwrap_or(0);
        assert_eq!(grants, 0);
    }
    // The same window with the year added to the company's file runs.
    fs::write(
        dir.path().join("company.calendar"),
        "year 2027\nsource 公司行政部\n元旦 off 2027-01-01\n",
    )
    .unwrap();
    let out = run(dir.path(), "2026-12-30 00:00", "2027-01-05 00:00");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 12-30, 12-31, then 01-04 (01-01 off, 01-02 and 01-03 a weekend).
    let grants = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        grants
            .lines()
            .filter(|l| l.contains("\"payout_id\""))
            .count(),
        3
    );
}

fn check_output(dir: &Path, text: &str) -> String {
    fs::write(dir.join("q.playbook"), text).unwrap();
    let out = common::bin()
        .current_dir(dir)
        .args(["check", "q.playbook"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_rules_workday_question_is_checked_against_its_own_days() {
    let dir = community("");
    let text = "member {\n  level: int\n}\n\nrule 早安 {\n  every day at 09:00\n  during 2026-12-01 .. 2027-01-05\n  when workday(today)\n  give points 5\n  limit 1 per member per day\n}\n";
    let out = check_output(dir.path(), text);
    assert!(
        out.contains("E0406") && out.contains("no data for 2027") && out.contains("workday(today)"),
        "{out}"
    );
    let within = check_output(dir.path(), &text.replace("2027-01-05", "2026-12-31"));
    assert!(within.contains("no problems"), "{within}");
}

#[test]
fn a_tier_whose_every_arm_passes_the_channel_limit_is_an_error() {
    let dir = community("");
    let text = "playbook \"x\" {\n  per_member_daily ¥10\n}\n\nmember {\n  level: int\n}\n\nrule 大红包 {\n  every day at 09:00\n  give tier {\n    level >= 3 -> red_packet ¥20\n    else       -> red_packet ¥11\n  }\n  limit 1 per member per day\n}\n";
    let out = check_output(dir.path(), text);
    assert!(
        out.contains("E0311") && out.contains("at least ¥11"),
        "{out}"
    );
    // An arm that may give less (or nothing) leaves it to the run.
    let some = check_output(dir.path(), &text.replace("¥11", "¥5"));
    assert!(!some.contains("E0311"), "{some}");
    // A lottery always draws when its chances make 100%, with or without `rest`.
    let lottery = "give lottery {\n    50% -> red_packet ¥20\n    50% -> red_packet ¥12\n  }";
    let drawn = text.replace(
        "give tier {\n    level >= 3 -> red_packet ¥20\n    else       -> red_packet ¥11\n  }",
        lottery,
    );
    let out = check_output(dir.path(), &drawn);
    assert!(
        out.contains("E0311") && out.contains("at least ¥12"),
        "{out}"
    );
    let may_miss = check_output(
        dir.path(),
        &drawn.replace("50% -> red_packet ¥12", "40% -> red_packet ¥12"),
    );
    assert!(!may_miss.contains("E0311"), "{may_miss}");
}

#[test]
fn the_repl_reads_the_calendar_a_typed_header_names() {
    let dir = community("公司年会 off 2026-06-12\n");
    let out = common::bin()
        .current_dir(dir.path())
        .arg("repl")
        .write_stdin("playbook \"x\" {\n  calendar \"company.calendar\"\n}\nholiday(2026-06-12)\nworkday(2026-05-09)\n")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("true : bool\ntrue : bool"), "{text}");
}
