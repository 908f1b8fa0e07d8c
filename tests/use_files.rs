//! `use "…"` and the REPL's `:load` read only playbook files: never system files,
//! devices or pipes, each file once however its path is spelled, and nothing of a
//! file that does not parse beyond the token its error points at.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

const HEADER: &str = r#"playbook "use" {
  timezone "Asia/Shanghai"
  active 2026-04-18 .. 2026-05-31
}
"#;

const SHARED: &str = "member { orders: int }\nsegment 老客 = orders > 0\n";

const RULE: &str = "
rule 回购 {
  every day at 10:00
  when 老客
  give points 10
  limit once per member per day
}
";

/// The binary, killed after 20 seconds, so that a read that blocks (a pipe, a
/// device) fails the test instead of hanging it.
fn bin() -> Command {
    let mut cmd = common::bin();
    cmd.timeout(Duration::from_secs(20));
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// A playbook that uses `target`, with a rule that needs what it shares.
fn using(dir: &TempDir, target: &str) -> PathBuf {
    write(
        dir.path(),
        "main.playbook",
        &format!("use \"{target}\"\n{HEADER}{RULE}"),
    )
}

fn check(path: &Path) -> (i32, String) {
    let out = bin().arg("check").arg(path).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn use_of_the_environment_does_not_print_it() {
    let dir = TempDir::new().unwrap();
    let main = using(&dir, "/proc/self/environ");
    let out = bin()
        .arg("check")
        .arg(&main)
        .env("CI_DEPLOY_TOKEN", "s3cr3t-value")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(!text.contains("s3cr3t-value"), "{text}");
    assert!(
        text.contains("only `.playbook` files can be used"),
        "{text}"
    );
}

#[test]
fn use_of_a_system_file_is_refused_without_reading_it() {
    let dir = TempDir::new().unwrap();
    let (code, text) = check(&using(&dir, "/etc/passwd"));
    assert_eq!(code, 1, "{text}");
    assert!(!text.contains("root:"), "{text}");
    assert!(text.contains("E0107"), "{text}");
}

#[test]
fn use_of_an_endless_device_does_not_exhaust_memory() {
    let dir = TempDir::new().unwrap();
    let (code, text) = check(&using(&dir, "/dev/zero"));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("E0107"), "{text}");
}

#[test]
fn use_of_a_fifo_does_not_hang() {
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("pipe.playbook");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (code, text) = check(&using(&dir, "pipe.playbook"));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("not a regular file"), "{text}");
}

#[test]
fn use_through_a_link_to_another_kind_of_file_is_refused() {
    let dir = TempDir::new().unwrap();
    let secret = write(dir.path(), "key.pem", "-----BEGIN PRIVATE KEY-----\n");
    std::os::unix::fs::symlink(&secret, dir.path().join("key.playbook")).unwrap();
    let (code, text) = check(&using(&dir, "key.playbook"));
    assert_eq!(code, 1, "{text}");
    assert!(!text.contains("PRIVATE"), "{text}");
    assert!(text.contains("not a `.playbook` file"), "{text}");
}

#[test]
fn use_of_an_oversized_file_is_refused_without_reading_it() {
    let dir = TempDir::new().unwrap();
    let big = std::fs::File::create(dir.path().join("big.playbook")).unwrap();
    big.set_len(playbook::check::MAX_USED_FILE_BYTES + 1)
        .unwrap();
    let (code, text) = check(&using(&dir, "big.playbook"));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("larger than the limit"), "{text}");
}

#[test]
fn a_used_file_that_is_not_a_playbook_shows_only_the_offending_token() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "notes.playbook",
        "password hunter2 for the shop account\napi_key = 0123456789abcdef\n",
    );
    let (code, text) = check(&using(&dir, "notes.playbook"));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("notes.playbook:1:1"), "{text}");
    assert!(text.contains("`password`"), "{text}");
    for secret in ["hunter2", "shop account", "api_key", "0123456789abcdef"] {
        assert!(!text.contains(secret), "{secret} shown:\n{text}");
    }
}

#[test]
fn a_file_used_under_two_spellings_loads_once() {
    let dir = TempDir::new().unwrap();
    // The shared file uses itself through its own directory, and the main file uses
    // it under a second spelling: before paths were resolved this loaded hundreds of
    // times with a false "duplicate declaration" each time.
    write(
        dir.path(),
        "sub/shared.playbook",
        &format!("use \"../sub/shared.playbook\"\nuse \"./shared.playbook\"\n{SHARED}"),
    );
    let main = write(
        dir.path(),
        "main.playbook",
        &format!(
            "use \"sub/shared.playbook\"\nuse \"./sub/../sub/shared.playbook\"\n{HEADER}{RULE}"
        ),
    );
    let (code, text) = check(&main);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("0 errors") || !text.contains("error"),
        "{text}"
    );
}

#[test]
fn a_file_that_uses_the_main_playbook_does_not_load_it_again() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "shared.playbook",
        &format!("use \"main.playbook\"\n{SHARED}"),
    );
    let (code, text) = check(&using(&dir, "./shared.playbook"));
    assert_eq!(code, 0, "{text}");
}

#[test]
fn repl_load_refuses_what_use_refuses() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "notes.playbook", "password hunter2\n");
    bin()
        .arg("repl")
        .current_dir(dir.path())
        .write_stdin(":load /etc/passwd\n:load notes.playbook\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "only `.playbook` files can be used",
        ))
        .stderr(predicate::str::contains("`password`"))
        .stderr(predicate::str::contains("root:").not())
        .stderr(predicate::str::contains("hunter2").not());
}
