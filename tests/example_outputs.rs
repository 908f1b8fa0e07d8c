//! What a user reads for every shipped example, through the command line only:
//! `run` (table and JSON), `segments`, `explain` of a member the run served, `test`,
//! and a REPL session. The snapshots pin the output, so a change of the machinery
//! behind the commands (the compile stage, the application layer) shows as a diff
//! here or nowhere.

use std::path::Path;

use assert_cmd::Command;

/// Each example with the README's window.
const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "package_card_launch",
        "2026-04-25 00:00",
        "2026-04-27 22:00",
    ),
    (
        "store_owner_red_packets",
        "2026-05-05 00:00",
        "2026-05-06 22:00",
    ),
    ("tiered_groups", "2026-06-14 00:00", "2026-06-15 22:00"),
    (
        "member_day_birthday",
        "2026-05-01 00:00",
        "2026-05-08 22:00",
    ),
];

fn playbook(args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = Command::cargo_bin("playbook").expect("the binary");
    cmd.args(args).env("NO_COLOR", "1").env_remove("COLUMNS");
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().expect("runs");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The first target the run granted something to, from its JSON.
fn first_served(file: &str, data: &str, since: &str, at: &str) -> (String, String) {
    let mut cmd = Command::cargo_bin("playbook").expect("the binary");
    let out = cmd
        .args(["run", file, "--data", data, "--since", since, "--at", at])
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let target = &json["grants"][0]["target"];
    (
        target["kind"].as_str().expect("a kind").to_owned(),
        target["id"].as_str().expect("an id").to_owned(),
    )
}

#[test]
fn every_example_reads_the_same() {
    for &(name, since, at) in EXAMPLES {
        let file = format!("examples/{name}.playbook");
        let data = format!("examples/data/{name}.sql");
        assert!(Path::new(&file).exists(), "{file}");
        let window = ["--data", &data, "--since", since, "--at", at];
        let run = |extra: &[&str]| {
            let mut args = vec!["run", file.as_str()];
            args.extend_from_slice(&window);
            args.extend_from_slice(extra);
            playbook(&args, None)
        };
        insta::assert_snapshot!(format!("{name}-run"), run(&[]));
        insta::assert_snapshot!(format!("{name}-run-json"), run(&["--format", "json"]));
        insta::assert_snapshot!(
            format!("{name}-segments"),
            playbook(&["segments", &file, "--data", &data, "--at", at], None)
        );
        let (kind, id) = first_served(&file, &data, since, at);
        let flag = format!("--{kind}");
        let mut explain = vec!["explain", file.as_str()];
        explain.extend_from_slice(&window);
        explain.extend_from_slice(&[&flag, &id]);
        insta::assert_snapshot!(format!("{name}-explain"), playbook(&explain, None));
        insta::assert_snapshot!(format!("{name}-test"), playbook(&["test", &file], None));
        let script = format!(":segments\n:{kind} {id}\n:explain\n:run {since}\n");
        insta::assert_snapshot!(
            format!("{name}-repl"),
            playbook(&["repl", &file, "--data", &data, "--at", at], Some(&script))
        );
    }
}
