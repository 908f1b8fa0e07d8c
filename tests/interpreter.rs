//! The interpreter's semantics, one playbook test block per behaviour.
//!
//! `tests/semantics/*.playbook` hold the semantic matrix: every block there must pass.
//! Blocks in `tests/semantics/known_failures/` show engine bugs; they are run only
//! with `--ignored`. The Rust tests below check what `expect` lines cannot say:
//! instants, shares, labels, details and messages of grants and refusals.

use std::path::{Path, PathBuf};

use playbook::check::Program;
use playbook::runtime::engine::Engine;
use playbook::runtime::grant::{Cause, Grant, RewardClass};
use playbook::runtime::testing::{TestOutcome, run_test};

fn run_file(path: &str) -> Vec<String> {
    let outcome = playbook::check_file(std::path::Path::new(path)).unwrap();
    let program = outcome
        .program
        .unwrap_or_else(|| panic!("{path} does not check: {:?}", outcome.diagnostics));
    let engine = Engine::new(&program);
    program
        .tests
        .iter()
        .map(|t| run_test(&engine, t))
        .filter(|o| !o.passed())
        .map(|o| format!("{}: {:?} {:?}", o.name, o.failures, o.error))
        .collect()
}

#[test]
fn example_tests_pass() {
    let mut failures = Vec::new();
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "playbook") {
            failures.extend(run_file(path.to_str().unwrap()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// ---------------------------------------------------------------- the matrix

const SEMANTICS: &str = "tests/semantics";

/// The `.playbook` files directly in `dir`, sorted.
fn playbooks(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "playbook"))
        .collect();
    files.sort();
    files
}

/// A semantics file, checked: it must have no errors.
fn program(path: &Path) -> Program {
    let outcome = playbook::check_file(path).unwrap();
    assert_eq!(
        outcome.errors(),
        0,
        "{} does not check: {:#?}",
        path.display(),
        outcome.diagnostics
    );
    outcome.program.expect("a program without errors")
}

/// Runs every block of a file; one line per failing block with all its messages.
fn failing_blocks(path: &Path) -> (usize, Vec<String>) {
    let program = program(path);
    let engine = Engine::new(&program);
    let failures = program
        .tests
        .iter()
        .map(|t| run_test(&engine, t))
        .filter(|o| !o.passed())
        .map(|o| {
            let mut text = format!("{} › {}", path.display(), o.name);
            for (_, message) in &o.failures {
                text.push_str("\n    ");
                text.push_str(message);
            }
            if let Some(error) = &o.error {
                text.push_str("\n    run error: ");
                text.push_str(error);
            }
            text
        })
        .collect();
    (program.tests.len(), failures)
}

fn run_all(dir: &str) -> (usize, Vec<String>) {
    let mut blocks = 0;
    let mut failures = Vec::new();
    for path in playbooks(dir) {
        let (n, f) = failing_blocks(&path);
        assert!(n > 0, "{} has no test blocks", path.display());
        blocks += n;
        failures.extend(f);
    }
    (blocks, failures)
}

#[test]
fn every_semantic_block_passes() {
    let (blocks, failures) = run_all(SEMANTICS);
    assert!(blocks > 0, "no test blocks under {SEMANTICS}");
    assert!(
        failures.is_empty(),
        "{} of {blocks} semantic test blocks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn semantic_files_check_without_warnings_and_name_blocks_once() {
    for path in playbooks(SEMANTICS) {
        let outcome = playbook::check_file(&path).unwrap();
        assert_eq!(
            outcome.diagnostics.len(),
            0,
            "{}: {:#?}",
            path.display(),
            outcome.diagnostics
        );
        let program = outcome.program.unwrap();
        let mut names: Vec<&str> = program.tests.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(
            before,
            names.len(),
            "{}: two blocks share a name",
            path.display()
        );
    }
}

/// The blocks that show suspected engine bugs: expected to fail until the engine is
/// fixed. Run with `cargo test --test interpreter -- --ignored`.
#[test]
#[ignore = "known engine bugs; see tests/semantics/known_failures"]
fn known_failures_still_fail() {
    let dir = "tests/semantics/known_failures";
    if !Path::new(dir).is_dir() {
        return;
    }
    let (blocks, failures) = run_all(dir);
    assert_eq!(
        failures.len(),
        blocks,
        "some known failures pass now: move them to the matrix\n{}",
        failures.join("\n")
    );
}
