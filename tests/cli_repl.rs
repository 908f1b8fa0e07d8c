//! `playbook repl` with stdin piped: statements are read from stdin, results go to
//! stdout, failures to stderr, and the exit status says whether any failed.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

const LAUNCH: &str = "examples/package_card_launch.playbook";
const LAUNCH_DATA: &str = "examples/data/package_card_launch.sql";

fn repl() -> Command {
    let mut cmd = common::bin();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).arg("repl");
    cmd
}

#[test]
fn a_piped_script_runs_every_statement() {
    let script = "\
// how many 潜客 have waited a week?
:count 潜客 and days_since(joined_at) >= 7

segment 老主顾 = orders >= 2 and
  spend_365d >= ¥200
:count 老主顾
:member m033
spend_365d * 5%
:explain 首单返现
";
    let out = repl()
        .args([LAUNCH, "--data", LAUNCH_DATA, "--at", "2026-04-27 22:00"])
        .write_stdin(script)
        .assert()
        .success()
        .stderr("");
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    insta::assert_snapshot!("piped_script", stdout);
}

#[test]
fn a_failed_statement_fails_the_script_but_the_rest_still_runs() {
    let script = "member { orders: int }\n\nsegment a = orderz > 1\n1 + 1\n";
    repl()
        .write_stdin(script)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("defined the member schema"))
        .stdout(predicate::str::contains("2 : int"))
        .stderr(predicate::str::contains("unknown name `orderz`"))
        .stderr(predicate::str::contains("<stdin>:3:13"));
}

#[test]
fn a_multi_line_block_is_one_statement() {
    let script = "member { orders: int }\nevent order_paid { amount: money }\nrule r {\n  on order_paid\n  give red_packet ¥1\n  limit once per member\n}\n:show r\n";
    repl()
        .write_stdin(script)
        .assert()
        .success()
        .stdout(predicate::str::contains("defined rule `r`"))
        .stdout(predicate::str::contains("  give red_packet ¥1\n"));
}

#[test]
fn quit_stops_reading() {
    repl()
        .write_stdin("1 + 1\n:quit\nnosuch\n")
        .assert()
        .success()
        .stdout("2 : int\n");
}

#[test]
fn a_playbook_with_errors_fails_at_start() {
    repl()
        .arg("tests/fixtures/no_such.playbook")
        .write_stdin("1\n")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("1 : int"))
        .stderr(predicate::str::contains("cannot load"));
}

#[test]
fn bad_at_on_the_command_line_fails() {
    repl()
        .args([LAUNCH, "--at", "someday"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`someday` is not a time"));
}
