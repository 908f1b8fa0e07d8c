//! The shipped examples and the README tour check clean; the spec's own example
//! parses and reports exactly what is wrong with it.

mod common;

use playbook::diagnostics::{Code, Format, render};
use playbook::{check_file, check_text};

#[test]
fn every_example_checks_clean() {
    let mut seen = 0;
    for entry in std::fs::read_dir("examples").expect("examples folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "playbook") {
            continue;
        }
        let out = check_file(&path).expect("readable");
        let shown = render(
            Format::Human { color: false },
            &out.diagnostics,
            &out.sources,
        );
        assert!(out.diagnostics.is_empty(), "{}:\n{shown}", path.display());
        assert!(
            out.program
                .is_some_and(|p| !p.rules.is_empty() && !p.tests.is_empty())
        );
        seen += 1;
    }
    assert!(seen >= 4, "at least four examples, found {seen}");
}

#[test]
fn the_readme_tour_checks_clean() {
    let readme = include_str!("../README.md");
    let tour = readme
        .split("## A tour of the language")
        .nth(1)
        .expect("tour section");
    let block = tour.split("```\n").nth(1).expect("code block");
    let out = check_text("README.md", block);
    let shown = render(
        Format::Human { color: false },
        &out.diagnostics,
        &out.sources,
    );
    assert!(out.diagnostics.is_empty(), "{shown}");
}

#[test]
fn the_spec_example_reports_its_test_gaps_and_unused_names() {
    let out =
        check_file(std::path::Path::new("tests/fixtures/spec_example.playbook")).expect("fixture");
    let codes: Vec<Code> = out.diagnostics.iter().map(|d| d.code).collect();
    // Its test member leaves out required fields; 新客, 羊毛党, 入群红包 and the
    // `order_paid` event are declared but never used.
    assert_eq!(
        codes,
        vec![
            Code::Unused,
            Code::Unused,
            Code::Unused,
            Code::Unused,
            Code::MissingField
        ]
    );
    insta::assert_snapshot!(render(
        Format::Human { color: false },
        &out.diagnostics,
        &out.sources
    ));
}

// ---------------------------------------------------------------- running the examples

/// The lines of the README's fenced code blocks, block by block.
fn readme_code_blocks() -> Vec<Vec<&'static str>> {
    let readme = include_str!("../README.md");
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in readme.lines() {
        if line.starts_with("```") {
            match current.take() {
                Some(block) => blocks.push(block),
                None => current = Some(Vec::new()),
            }
        } else if let Some(block) = current.as_mut() {
            block.push(line);
        }
    }
    blocks
}

/// The arguments after `cargo run --release --` of a README command line.
fn playbook_args(line: &str) -> Vec<String> {
    let words = common::shell_words(line);
    let prefix = ["cargo", "run", "--release", "--"];
    assert!(
        words.len() > prefix.len() && words[..prefix.len()] == prefix,
        "not a `cargo run --release -- …` command: {line}"
    );
    words[prefix.len()..].to_vec()
}

/// Runs the binary with `args` and `--format json`; the parsed output.
fn run_json(args: &[String]) -> serde_json::Value {
    let out = common::bin()
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "playbook {} exited with {}:\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

#[test]
fn every_example_runs_on_its_data_in_the_readme_window() {
    // One `cargo run --release -- run examples/NAME.playbook --data
    // examples/data/NAME.sql --since … --at …` line per example, as the README shows.
    let mut windows = std::collections::BTreeMap::new();
    for line in readme_code_blocks().into_iter().flatten() {
        if line.starts_with("cargo run --release -- run examples/") {
            let args = playbook_args(line);
            windows.entry(args[1].clone()).or_insert(args);
        }
    }
    let mut seen = 0;
    for entry in std::fs::read_dir("examples").expect("examples folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "playbook") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap();
        let playbook = format!("examples/{name}.playbook");
        let args = windows
            .get(&playbook)
            .unwrap_or_else(|| panic!("the README shows no run of {playbook}"));
        let data = format!("examples/data/{name}.sql");
        assert!(
            args.windows(2).any(|w| w[0] == "--data" && w[1] == data),
            "{playbook} runs on {data}: {args:?}"
        );
        assert!(args.iter().any(|a| a == "--since") && args.iter().any(|a| a == "--at"));
        let first = run_json(args);
        let grants = first["grants"].as_array().expect("grants");
        assert!(!grants.is_empty(), "{playbook}: no grant in its window");
        // The README promises something refused and an ignored undeclared event.
        assert!(
            !first["refusals"].as_array().expect("refusals").is_empty(),
            "{playbook}: nothing refused in its window"
        );
        assert!(
            first["summary"]["ignored_events"]
                .as_object()
                .is_some_and(|kinds| !kinds.is_empty()),
            "{playbook}: no event of an undeclared kind in its window"
        );
        assert_eq!(first, run_json(args), "{playbook}: a second run differs");
        seen += 1;
    }
    assert!(seen >= 4, "at least four examples, found {seen}");
}

#[test]
fn the_readme_first_command_works() {
    let blocks = readme_code_blocks();
    let first = blocks
        .first()
        .expect("a code block at the top of the README");
    assert_eq!(
        first.get(1).map(|l| common::shell_words(l)),
        Some(vec!["cargo".into(), "test".into()])
    );
    let args = playbook_args(first[0]);
    assert_eq!(args[0], "run", "the first command runs a playbook");
    let out = common::bin().args(&args).output().expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("granted "), "{stdout}");
    assert!(!stdout.contains("granted 0 grants"), "{stdout}");
}

#[test]
fn shell_words_reads_quotes_and_comments() {
    assert_eq!(
        common::shell_words(r#"cargo run -- run a.playbook --at "2026-04-27 22:00"   # note"#),
        [
            "cargo",
            "run",
            "--",
            "run",
            "a.playbook",
            "--at",
            "2026-04-27 22:00"
        ]
    );
    assert_eq!(common::shell_words(r#"x "" y"#), ["x", "", "y"]);
}

/// `explain` says what `run` did: for every member the run of an example's README
/// window decided something for, explaining that member over the same window gives,
/// rule by rule, the run's last decision — granted, or refused for the same reason.
#[test]
fn explain_agrees_with_run_for_every_member_of_the_examples() {
    use std::collections::BTreeMap;
    // The first run of each example, as `every_example_runs_on_its_data_in_the_readme_window`.
    let mut runs = BTreeMap::new();
    for line in readme_code_blocks().into_iter().flatten() {
        if line.starts_with("cargo run --release -- run examples/") {
            let args = playbook_args(line);
            runs.entry(args[1].clone()).or_insert(args);
        }
    }
    assert!(runs.len() >= 4, "{runs:?}");
    let mut checked = 0;
    for args in runs.values() {
        let out = run_json(args);
        // (member, rule) → (at, what), the last decision in the window.
        let mut last: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
        let mut note = |d: &serde_json::Value, what: String| {
            if d["target"]["kind"] != "member" {
                return;
            }
            let key = (
                d["target"]["id"].as_str().unwrap().to_owned(),
                d["rule"].as_str().unwrap().to_owned(),
            );
            let at = d["at"].as_str().unwrap().to_owned();
            if last.get(&key).is_none_or(|(seen, _)| *seen <= at) {
                last.insert(key, (at, what));
            }
        };
        for g in out["grants"].as_array().unwrap() {
            note(g, "granted".to_owned());
        }
        for r in out["refusals"].as_array().unwrap() {
            note(r, format!("refused ({})", r["reason"].as_str().unwrap()));
        }
        let mut members: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        for ((member, rule), (_, what)) in &last {
            members.entry(member).or_default().push((rule, what));
        }
        for (member, decided) in members {
            let mut explain: Vec<String> = args.clone();
            explain[0] = "explain".to_owned();
            explain.extend(["--member".to_owned(), member.to_owned()]);
            let doc = run_json(&explain);
            for (rule, what) in decided {
                let verdict = doc["rules"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["rule"] == rule)
                    .map(|r| r["verdict"].as_str().unwrap().to_owned())
                    .unwrap_or_default();
                assert!(
                    verdict.starts_with(what),
                    "{}: run {what} {member} by {rule}, explain says `{verdict}`",
                    args[1]
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} decisions compared");
}
