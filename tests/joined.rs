//! A schema field marked `joined` says when a member joined: replaying a past window
//! never pays a member on a tick before they existed, nor gives them a `top N` place,
//! and `segments` and `explain` agree.

mod common;

use std::path::{Path, PathBuf};

use common::bin;
use serde_json::Value;
use tempfile::TempDir;

const PLAYBOOK: &str = r#"playbook "joined" {
  timezone "Asia/Shanghai"
  active 2026-04-01 .. 2026-04-30
}

member {
  joined_at: time joined
  orders: int
}

segment 榜首 = top 1 by orders

rule 签到红包 {
  every day at 10:00
  give red_packet ¥1
  limit 1 per member per day
}

rule 榜首礼 {
  every day at 11:00
  when 榜首
  give points 10
  limit 1 per member per day
}
"#;

/// m2 joins on 2026-04-15 at 12:00 with the most orders.
const DATA: &str = "CREATE TABLE members (id TEXT PRIMARY KEY, joined_at TEXT, orders INTEGER);
INSERT INTO members VALUES
  ('m1', '2026-04-01 09:00:00', 1),
  ('m2', '2026-04-15 12:00:00', 9);
";

fn files(playbook: &str) -> (TempDir, PathBuf, PathBuf) {
    let dir = TempDir::new().unwrap();
    let pb = dir.path().join("joined.playbook");
    let data = dir.path().join("joined.sql");
    std::fs::write(&pb, playbook).unwrap();
    std::fs::write(&data, DATA).unwrap();
    (dir, pb, data)
}

fn grants(pb: &Path, data: &Path) -> Vec<(String, String, String)> {
    let out = bin()
        .arg("run")
        .arg(pb)
        .arg("--data")
        .arg(data)
        .args(["--since", "2026-04-14 00:00", "--at", "2026-04-16 23:59"])
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&out).unwrap();
    json["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["at"].as_str().unwrap()[5..13].to_string(),
                g["rule"].as_str().unwrap().to_string(),
                g["target"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn grant(at: &str, rule: &str, id: &str) -> (String, String, String) {
    (at.into(), rule.into(), id.into())
}

#[test]
fn a_replay_never_pays_a_member_before_they_joined() {
    let (_dir, pb, data) = files(PLAYBOOK);
    assert_eq!(
        grants(&pb, &data),
        [
            grant("04-14T10", "签到红包", "m1"),
            grant("04-14T11", "榜首礼", "m1"),
            grant("04-15T10", "签到红包", "m1"),
            // m2 joins at 12:00: first place is still m1's at 11:00.
            grant("04-15T11", "榜首礼", "m1"),
            grant("04-16T10", "签到红包", "m1"),
            grant("04-16T10", "签到红包", "m2"),
            grant("04-16T11", "榜首礼", "m2"),
        ]
    );
    // Without the mark the export's snapshot is all there is: m2 is paid from day one.
    let (_dir, pb, data) = files(&PLAYBOOK.replace("time joined", "time"));
    assert!(grants(&pb, &data).contains(&grant("04-14T10", "签到红包", "m2")));
}

#[test]
fn segments_and_explain_leave_out_a_member_who_had_not_joined() {
    let (_dir, pb, data) = files(PLAYBOOK);
    let out = bin()
        .arg("segments")
        .arg(&pb)
        .arg("--data")
        .arg(&data)
        .args(["--at", "2026-04-15 10:00", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&out).unwrap();
    let text = json.to_string();
    assert!(text.contains("\"evaluated\":1"), "{text}");
    let out = bin()
        .arg("explain")
        .arg(&pb)
        .arg("--data")
        .arg(&data)
        .args(["--member", "m2", "--at", "2026-04-15 10:00"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("not a member yet at this instant: joined 2026-04-15T12:00:00+08:00"),
        "{text}"
    );
}

#[test]
fn joined_must_mark_one_time_field_of_members_or_groups() {
    let codes = |text: &str| -> Vec<String> {
        playbook::check_text("j.playbook", text)
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code.code(), d.message))
            .collect()
    };
    assert_eq!(
        codes("member { orders: int joined }\n"),
        ["E0201 `orders` is not a time, so it cannot say when a member joined"]
    );
    assert_eq!(
        codes("member { a: time joined  b: time joined }\n"),
        ["E0102 a second field is marked `joined`"]
    );
    assert_eq!(
        codes(
            "event e { at2: time joined }\nrule r { on e give points 1 limit once per member }\n"
        ),
        ["E0201 an event has no join time"]
    );
    // A field called `joined` is still a field.
    assert!(codes("member { a: time\n joined: int }\n").is_empty());
}

#[test]
fn explain_gives_the_rank_and_the_cut_off_of_a_top_segment() {
    let (_dir, pb, data) = files(PLAYBOOK);
    let out = bin()
        .arg("explain")
        .arg(&pb)
        .arg("--data")
        .arg(&data)
        .args(["--member", "m1", "--at", "2026-04-16 11:00"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(
            "✗ 榜首礼: `榜首` is false\n    榜首 = false\n      rank 2 of 2 by `orders`: the first 1 get in, place 1 has 9\n"
        ),
        "{text}"
    );
}
