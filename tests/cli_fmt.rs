//! `playbook fmt` run as a real process: rewriting in place, `--check` with its diff,
//! stdin, directories, syntax errors and exit codes.

mod common;

use std::path::{Path, PathBuf};

use common::bin;
use predicates::prelude::*;
use tempfile::TempDir;

const FORMATTED: &str = "member {\n  orders: int  // 订单数\n}\n\nsegment 潜客 = orders == 0\n";
const MESSY: &str = "member{orders:int // 订单数\n}\n\nsegment   潜客=orders==0\n";

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("folder");
    }
    std::fs::write(&path, text).expect("write");
    path
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read")
}

#[test]
fn rewrites_a_file_in_place_and_names_it() {
    let dir = TempDir::new().expect("temp dir");
    let path = write(&dir, "a.playbook", MESSY);
    bin()
        .arg("fmt")
        .arg(&path)
        .assert()
        .success()
        .stdout("")
        .stderr(format!("reformatted {}\n", path.display()));
    assert_eq!(read(&path), FORMATTED);
    // Already formatted: nothing is written or said.
    bin().arg("fmt").arg(&path).assert().success().stderr("");
}

#[test]
fn check_prints_a_diff_and_changes_nothing() {
    let dir = TempDir::new().expect("temp dir");
    let path = write(&dir, "a.playbook", MESSY);
    bin()
        .args(["fmt", "--check"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("-segment   潜客=orders==0\n"))
        .stdout(predicate::str::contains("+segment 潜客 = orders == 0\n"))
        .stdout(predicate::str::contains(format!(
            "+++ {} (formatted)",
            path.display()
        )))
        .stderr("1 file would be reformatted\n");
    assert_eq!(read(&path), MESSY);
    let clean = write(&dir, "b.playbook", FORMATTED);
    bin()
        .args(["fmt", "--check"])
        .arg(&clean)
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

#[test]
fn a_dash_reads_stdin_and_writes_stdout() {
    bin()
        .args(["fmt", "-"])
        .write_stdin(MESSY)
        .assert()
        .success()
        .stdout(FORMATTED);
    bin()
        .args(["fmt", "--check", "-"])
        .write_stdin(MESSY)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("--- <stdin>"));
}

#[test]
fn directories_format_every_playbook_under_them() {
    let dir = TempDir::new().expect("temp dir");
    let nested = write(&dir, "x/y/deep.playbook", MESSY);
    let top = write(&dir, "top.playbook", MESSY);
    let other = write(&dir, "notes.txt", MESSY);
    bin()
        .arg("fmt")
        .arg(dir.path())
        .assert()
        .success()
        .stderr(format!(
            "reformatted {}\nreformatted {}\n",
            top.display(),
            nested.display()
        ));
    assert_eq!(read(&nested), FORMATTED);
    assert_eq!(read(&top), FORMATTED);
    assert_eq!(read(&other), MESSY);
}

#[test]
fn a_file_with_syntax_errors_is_shown_and_left_alone() {
    let dir = TempDir::new().expect("temp dir");
    let broken = "segment = orders\n";
    let path = write(&dir, "bad.playbook", broken);
    let good = write(&dir, "good.playbook", MESSY);
    bin()
        .env("NO_COLOR", "1")
        .arg("fmt")
        .arg(&path)
        .arg(&good)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0001"))
        .stderr(predicate::str::contains("bad.playbook:1:9"))
        .stderr(predicate::str::contains(format!(
            "error: `{}` has syntax errors; not formatted",
            path.display()
        )));
    assert_eq!(read(&path), broken);
    // The other file is still formatted.
    assert_eq!(read(&good), FORMATTED);
}

#[test]
fn an_unreadable_file_is_bad_usage() {
    bin()
        .args(["fmt", "no/such/file.playbook"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: cannot read `no/such/file.playbook`",
        ));
}

#[test]
fn the_shipped_examples_pass_the_check() {
    bin()
        .args(["fmt", "--check", "examples"])
        .assert()
        .success()
        .stdout("");
}
