//! What the integration tests share: the `playbook` binary, the fixture community
//! of `tests/fixtures/run/`, and decisions written as the one-line strings tests
//! compare.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

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
