//! `playbook repl` on a pseudo-terminal, driven as a person would: tab completion,
//! a multi-line declaration, history recall (also in a second session), Ctrl-C
//! dropping the input being typed and Ctrl-D ending the session.

#![cfg(unix)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::{ControlCode, Eof, Expect, Regex, Session};

const LAUNCH: &str = "examples/package_card_launch.playbook";
const LAUNCH_DATA: &str = "examples/data/package_card_launch.sql";

/// Enter, as a terminal sends it.
const ENTER: &str = "\r";
/// The up arrow.
const UP: &str = "\x1b[A";

type Pty = Session<expectrl::process::unix::UnixProcess, expectrl::process::unix::PtyStream>;

/// Starts the REPL on a terminal with its history in `history`, without colours.
fn start(history: &Path) -> Pty {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_playbook"));
    cmd.env("NO_COLOR", "1");
    spawn(cmd, history)
}

/// Starts `cmd` as the REPL over the launch data and waits for the first prompt.
fn spawn(mut cmd: Command, history: &Path) -> Pty {
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "repl",
            LAUNCH,
            "--data",
            LAUNCH_DATA,
            "--at",
            "2026-04-27 22:00",
        ])
        .env("PLAYBOOK_HISTORY", history)
        .env("TERM", "xterm");
    let mut p = Session::spawn(cmd).expect("the REPL starts on a pseudo-terminal");
    // A shared machine may be slow; every wait below is for output, never a sleep.
    p.set_expect_timeout(Some(Duration::from_secs(120)));
    p.expect("playbook> ").expect("the first prompt");
    p
}

fn ctrl_d(mut p: Pty) {
    p.send(ControlCode::EndOfTransmission).expect("send Ctrl-D");
    p.expect(Eof).expect("the session ends");
    let status = p.get_process().wait().expect("exit status");
    assert!(
        matches!(status, WaitStatus::Exited(_, 0)),
        "exit status {status:?}"
    );
}

/// Waits for `prompt` at the start of a new line: the next input. (The line
/// editor redraws the current prompt as keys come in; input sent before the new
/// prompt could be dropped while the terminal changes mode.)
fn next_prompt(p: &mut Pty, prompt: &str) {
    let escaped: String = prompt
        .chars()
        .flat_map(|c| {
            let special = "[](){}.*+?^$|\\".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect();
    p.expect(Regex(format!("\n[^\n]*{escaped}")))
        .unwrap_or_else(|e| panic!("the prompt `{prompt}`: {e}"));
}

/// Types `input`, presses Enter, waits for `output` and then for the next prompt.
fn eval(p: &mut Pty, input: &str, output: &str, prompt: &str) {
    p.send(input).expect("type");
    p.send(ENTER).expect("enter");
    p.expect(output)
        .unwrap_or_else(|e| panic!("`{input}` should print `{output}`: {e}"));
    next_prompt(p, prompt);
}

#[test]
fn completion_continuation_history_and_control_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let history = dir.path().join("history");
    let mut p = start(&history);

    // Tab completes a command, then a field.
    p.send(":segm\t").expect("type");
    p.expect(":segments").expect("the command completed");
    eval(&mut p, "", "包裹卡用户", "playbook> ");
    eval(
        &mut p,
        ":member m033",
        "in segments: 包裹卡用户",
        "playbook[m033]> ",
    );
    p.send("spend_3\t").expect("type");
    p.expect("spend_365d").expect("the field completed");
    eval(&mut p, " * 2", "¥178 : money", "playbook[m033]> ");

    // An unfinished declaration continues on the next line.
    p.send("segment 老主顾 = orders >= 2 and").expect("type");
    p.send(ENTER).expect("enter");
    eval(
        &mut p,
        "  spend_365d >= ¥200",
        "defined segment `老主顾`",
        "playbook[m033]> ",
    );

    // The up arrow recalls the last statement.
    eval(&mut p, "1 + 41", "42 : int", "playbook[m033]> ");
    eval(&mut p, UP, "42 : int", "playbook[m033]> ");

    // Ctrl-C drops what is being typed; the session goes on.
    p.send("orders >= ").expect("type");
    p.expect("orders >= ").expect("echo");
    p.send(ControlCode::EndOfText).expect("Ctrl-C");
    next_prompt(&mut p, "playbook[m033]> ");
    eval(&mut p, "2 + 3", "5 : int", "playbook[m033]> ");

    ctrl_d(p);

    // History outlives the session.
    let saved = std::fs::read_to_string(&history).expect("history saved");
    assert!(saved.contains("2 + 3"), "{saved}");
    let mut p = start(&history);
    eval(&mut p, UP, "5 : int", "playbook> ");
    ctrl_d(p);
}

#[test]
fn errors_and_hints_on_a_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut p = start(&dir.path().join("history"));
    // A hint shows the rest of the command and its arguments.
    p.send(":expl").expect("type");
    p.expect("ain [RULE]").expect("the hint");
    p.send(ControlCode::EndOfText).expect("Ctrl-C");
    next_prompt(&mut p, "playbook> ");
    eval(&mut p, "orderz > 1", "did you mean `orders`?", "playbook> ");
    eval(
        &mut p,
        ":segmnets",
        "did you mean `:segments`?",
        "playbook> ",
    );
    p.send(":quit").expect("type");
    p.send(ENTER).expect("enter");
    p.expect(Eof).expect("the session ends");
}

#[test]
fn a_terminal_gets_highlighting_and_coloured_diagnostics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_playbook"));
    cmd.env_remove("NO_COLOR");
    let mut p = spawn(cmd, &dir.path().join("history"));
    // Keywords bold blue, money green, as they are typed.
    p.send("segment s = spend_365d >= ¥10").expect("type");
    p.expect("\x1b[1;34msegment\x1b[0m")
        .expect("the keyword highlighted");
    p.expect("\x1b[32m¥10\x1b[0m")
        .expect("the amount highlighted");
    p.send(ControlCode::EndOfText).expect("Ctrl-C");
    next_prompt(&mut p, "playbook> ");
    p.send("orderz > 1").expect("type");
    p.send(ENTER).expect("enter");
    p.expect(Regex("\x1b\\[[0-9;]*m[^\n]*unknown name `orderz`"))
        .expect("a coloured diagnostic");
    next_prompt(&mut p, "playbook> ");
    ctrl_d(p);
}
