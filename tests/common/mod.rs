//! What the integration tests share: the `playbook` binary, the fixture community
//! of `tests/fixtures/run/`, and decisions written as the one-line strings tests
//! compare.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

pub mod warehouse;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use playbook::app::decisions::Decision;

/// The `playbook` binary, as a command to add arguments to.
pub fn bin() -> Command {
    Command::cargo_bin("playbook").expect("the playbook binary is built")
}

/// The file `name` of the fixture community in `tests/fixtures/run/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/run")
        .join(name)
}

/// The fixture community's playbook.
pub fn playbook_file() -> PathBuf {
    fixture("community.playbook")
}

/// The fixture community's data.
pub fn community() -> PathBuf {
    fixture("community.sql")
}

/// A decision as `rule target reward value at` (value in fen, `at` in epoch
/// seconds), or `refused rule target reason` for the first grant refused.
pub fn timed_line(decision: &Decision) -> String {
    match decision {
        Decision::Grant(g) => format!(
            "{} {} {} {} {}",
            g.rule, g.target.id, g.reward, g.value.0, g.at
        ),
        Decision::Refusal(r) => {
            let g = &r.grants[0];
            format!("refused {} {} {}", g.rule, g.target.id, r.reason.as_str())
        }
    }
}

/// A decision as `rule target reward value` (value in fen), or `refused: message`.
pub fn short_line(decision: &Decision) -> String {
    match decision {
        Decision::Grant(g) => format!("{} {} {} {}", g.rule, g.target.id, g.reward, g.value.0),
        Decision::Refusal(r) => format!("refused: {}", r.message),
    }
}

/// A community in a temporary `community.sql`: 30 members with orders and spend,
/// and `events` `order_paid` events over 2026-04-10 .. 14. The directory lives as
/// long as the returned handle.
pub fn order_community(events: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("community.sql");
    let mut sql = String::from(
        "CREATE TABLE members (id TEXT PRIMARY KEY, orders INTEGER, spend INTEGER);\n",
    );
    for i in 0..30 {
        sql.push_str(&format!(
            "INSERT INTO members VALUES ('m{i:02}', {}, {});\n",
            i % 6,
            (i * 7919) % 200_000
        ));
    }
    sql.push_str(
        "CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT, member_id TEXT,
                              group_id TEXT, at TEXT, data TEXT);\n",
    );
    for i in 0..events {
        sql.push_str(&format!(
            "INSERT INTO events VALUES ('e{i:02}', 'order_paid', 'm{:02}', NULL, \
             '2026-04-{:02} {:02}:{:02}:00', '{{\"amount\": {}}}');\n",
            (i * 7) % 30,
            10 + i % 5,
            9 + i % 12,
            (i * 13) % 60,
            ((i * 104_729) % 90_000) + 100
        ));
    }
    std::fs::write(&path, sql).expect("write the community");
    (dir, path)
}

/// Fen written as a playbook money literal, `¥12.34`.
pub fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

/// The words of a shell command line: whitespace-separated, double quotes group (and
/// are removed), an unquoted `#` starts a comment.
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            '#' if !quoted && word.is_none() => break,
            c if c.is_whitespace() && !quoted => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    assert!(!quoted, "unbalanced quotes in `{line}`");
    words.extend(word);
    words
}
