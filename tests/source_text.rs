//! Source text at the edges, run as real processes: every line-ending style gives the
//! same positions everywhere, a playbook that is not UTF-8 is reported with its byte
//! and line, and control characters from playbooks and data never reach the
//! terminal raw.

mod common;

use std::path::Path;

use common::bin;
use serde_json::Value;
use tempfile::TempDir;

/// The same playbook, one line per item; its error, `orderz`, is at 7:13.
const LINES: [&str; 7] = [
    "playbook \"x\" {",
    "  timezone \"Asia/Shanghai\"",
    "}",
    "",
    "member { orders: int }",
    "// a comment",
    "segment a = orderz > 1",
];

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write the file");
    path
}

fn check(path: &Path, format: &str) -> String {
    let out = bin()
        .args(["check", "--format", format])
        .arg(path)
        .output()
        .expect("the binary runs");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The place of the `E0101` error in each output format: (human, json, github).
fn places(path: &Path) -> (String, String, String) {
    let human = check(path, "human");
    let header = human
        .split("E0101(unknown-name)")
        .nth(1)
        .and_then(|rest| rest.split_once(".playbook:"))
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(place, _)| place.to_owned())
        .unwrap_or_else(|| panic!("a snippet header: {human}"));
    let json: Value = serde_json::from_str(&check(path, "json")).expect("JSON");
    let error = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "E0101")
        .expect("the error")
        .clone();
    let json_place = format!("{}:{}", error["line"], error["column"]);
    let github = check(path, "github");
    let line = github
        .lines()
        .find(|l| l.contains("E0101"))
        .expect("a github line");
    let github_place = line
        .split_once(",line=")
        .and_then(|(_, rest)| rest.split_once(",endLine"))
        .map(|(place, _)| place.replace(",col=", ":"))
        .expect("line and col");
    (header, json_place, github_place)
}

#[test]
fn the_same_error_has_the_same_place_in_lf_crlf_and_cr_files() {
    let dir = TempDir::new().expect("temp dir");
    for (name, ending) in [
        ("lf", "\n"),
        ("crlf", "\r\n"),
        ("cr", "\r"),
        ("mixed", "\r"),
    ] {
        let mut text = LINES.join(ending);
        if name == "mixed" {
            text = format!(
                "{}\n{}\r\n{}",
                LINES[..3].join("\r"),
                LINES[3..5].join("\n"),
                LINES[5..].join("\r")
            );
        }
        text.push_str(ending);
        let path = write(&dir, &format!("{name}.playbook"), text.as_bytes());
        let (human, json, github) = places(&path);
        assert_eq!(
            (human.as_str(), json.as_str(), github.as_str()),
            ("7:13", "7:13", "7:13"),
            "{name}"
        );
        let snippet = check(&path, "human");
        assert!(
            snippet.contains(" 7 │ segment a = orderz > 1\n"),
            "{name}: the snippet shows line 7 as line 7:\n{snippet}"
        );
        assert!(
            !snippet.contains('\r'),
            "{name}: no carriage return reaches the terminal"
        );
    }
}

#[test]
fn a_cr_only_playbook_formats_like_its_lf_twin() {
    let source = |ending: &str| {
        format!(
            "member {{ orders: int }}{ending}// a comment{ending}{ending}{ending}segment a = orders > 1 // trailing{ending}segment b = orders > 2{ending}"
        )
    };
    let format = |text: String| {
        let out = bin()
            .args(["fmt", "-"])
            .write_stdin(text)
            .output()
            .expect("the binary runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let lf = format(source("\n"));
    assert_eq!(format(source("\r")), lf);
    assert_eq!(format(source("\r\n")), lf);
    assert!(
        lf.contains("\n\n// a comment\n\nsegment a = orders > 1  // trailing\n"),
        "{lf}"
    );
}

#[test]
fn invalid_utf8_in_a_playbook_is_reported_with_its_byte_and_line() {
    let dir = TempDir::new().expect("temp dir");
    let mut bytes = b"member { orders: int }\r\n// \xe4\xbc\x9a\xe5\x91\x98\n".to_vec();
    bytes.extend_from_slice(b"segment a = orders > 1 // \xff\xfe\n");
    let path = write(&dir, "bad.playbook", &bytes);
    let expected = "not valid UTF-8 at byte 60 (line 3)";
    assert_eq!(&bytes[60..62], b"\xff\xfe");
    for args in [vec!["check"], vec!["fmt", "--check"], vec!["test"]] {
        let out = bin().args(&args).arg(&path).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("bad.playbook") && stderr.contains(expected),
            "{args:?}: {stderr}"
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: an unreadable file");
    }
    let out = bin()
        .arg("run")
        .arg(&path)
        .args(["--data", "nothing.sql"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stderr).contains(expected));
    let out = bin()
        .arg("repl")
        .write_stdin(format!(":load {}\n", path.display()))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(expected), "repl :load: {stderr}");
}

#[test]
fn control_characters_in_a_playbook_are_escaped_in_diagnostics() {
    let dir = TempDir::new().expect("temp dir");
    let text = "member { orders: int }\nsegment a = orderz > 1 // \u{1b}[2J\u{7}\nplaybook \"x\" { timezone \"Asia/\u{1b}[31mShanghai\" }\n";
    let path = write(&dir, "hostile.playbook", text.as_bytes());
    let human = check(&path, "human");
    assert!(
        !human.contains('\u{1b}') && !human.contains('\u{7}'),
        "{human:?}"
    );
    assert!(
        human.contains("// \\u{1b}[2J\\u{7}"),
        "the snippet: {human}"
    );
    assert!(
        human.contains("Asia/\\u{1b}[31mShanghai"),
        "the message: {human}"
    );
    let (place, json, _) = places(&path);
    assert_eq!((place.as_str(), json.as_str()), ("2:13", "2:13"));
    let github = check(&path, "github");
    assert!(!github.contains('\u{1b}'), "{github:?}");
    let json: Value = serde_json::from_str(&check(&path, "json")).expect("JSON");
    let messages: Vec<&str> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("Asia/\u{1b}[31mShanghai")),
        "JSON keeps the text (serde escapes it): {messages:?}"
    );
}

const RUN_PLAYBOOK: &str = r#"playbook "hostile" {
  timezone "Asia/Shanghai"
  active 2026-04-18 .. 2026-05-31
}

member { orders: int }

rule 礼 {
  every day at 10:00
  when orders >= 0
  give points 10
  limit 1 per member per day
}
"#;

#[test]
fn control_characters_in_data_are_escaped_in_run_output() {
    let dir = TempDir::new().expect("temp dir");
    let playbook = write(&dir, "hostile.playbook", RUN_PLAYBOOK.as_bytes());
    let data = write(
        &dir,
        "hostile.sql",
        b"CREATE TABLE members (id TEXT PRIMARY KEY, orders INTEGER);
INSERT INTO members VALUES ('m' || char(27) || '[2J1', 1), ('m2', 'x' || char(7));",
    );
    let run = |extra: &[&str]| {
        bin()
            .arg("run")
            .arg(&playbook)
            .arg("--data")
            .arg(&data)
            .args(["--at", "2026-04-20 10:00"])
            .args(extra)
            .output()
            .expect("runs")
    };
    let out = run(&["--skip-bad-rows"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stdout.contains("m\\u{1b}[2J1"), "{stdout}");
    assert!(!stderr.contains('\u{7}'), "{stderr:?}");
    assert!(
        stderr.contains("x\\u{7}"),
        "the skipped row's value: {stderr}"
    );
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert!(
        !stderr.contains('\u{7}') && stderr.contains("x\\u{7}"),
        "the bad value in the error: {stderr:?}"
    );
    let out = run(&["--skip-bad-rows", "--format", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        json["grants"][0]["target"]["id"], "m\u{1b}[2J1",
        "JSON keeps the id exactly (serde escapes it)"
    );
}
