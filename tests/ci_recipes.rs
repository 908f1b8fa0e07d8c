//! The recipes in docs/ci.md work as written: the GitHub Actions workflow's
//! `playbook` steps pass on the examples, and the pre-commit hook passes a clean
//! commit and stops a bad one.

use std::path::{Path, PathBuf};
use std::process::Command;

const DOC: &str = "docs/ci.md";

/// The body of the first fenced block of `lang` after the heading `heading`.
fn block(heading: &str, lang: &str) -> String {
    let doc = std::fs::read_to_string(DOC).expect("docs/ci.md is readable");
    let section = doc
        .split_once(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("no section `{heading}` in {DOC}"))
        .1;
    let body = section
        .split_once(&format!("```{lang}\n"))
        .unwrap_or_else(|| panic!("no {lang} block under `{heading}`"))
        .1;
    body.split_once("```").expect("a closed block").0.to_owned()
}

fn binary_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_playbook"))
        .parent()
        .expect("the binary has a directory")
        .to_path_buf()
}

/// `PATH` with the freshly built `playbook` first.
fn path_with_playbook() -> std::ffi::OsString {
    let mut paths = vec![binary_dir()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).expect("a valid PATH")
}

#[test]
fn the_workflow_steps_pass_on_the_examples() {
    let workflow = block("GitHub Actions", "yaml");
    let steps: Vec<String> = workflow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("run: playbook "))
        .map(|l| l.replace("campaigns", "examples"))
        .collect();
    assert_eq!(steps.len(), 3, "check, test and fmt steps: {workflow}");
    for step in steps {
        let out = Command::new(env!("CARGO_BIN_EXE_playbook"))
            .args(step.split_whitespace())
            .output()
            .expect("playbook runs");
        assert!(
            out.status.success(),
            "`playbook {step}` failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

/// Runs the hook in `dir`; whether it let the commit through, and what it said.
fn run_hook(dir: &Path, hook: &Path) -> (bool, String) {
    let out = Command::new("sh")
        .arg(hook)
        .current_dir(dir)
        .env("PATH", path_with_playbook())
        .env("NO_COLOR", "1")
        .output()
        .expect("the hook runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_pre_commit_hook_passes_good_playbooks_and_stops_bad_ones() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let repo = dir.path();
    let hook = repo.join("pre-commit.sh");
    std::fs::write(&hook, block("A pre-commit hook", "sh")).expect("write the hook");
    git(repo, &["init", "-q"]);

    let (ok, text) = run_hook(repo, &hook);
    assert!(ok, "nothing staged must pass: {text}");

    let example = std::fs::read_to_string("examples/package_card_launch.playbook")
        .expect("the example is readable");
    std::fs::write(repo.join("包裹卡.playbook"), &example).expect("write");
    git(repo, &["add", "包裹卡.playbook"]);
    let (ok, text) = run_hook(repo, &hook);
    assert!(
        ok,
        "a formatted, checked, tested playbook must pass: {text}"
    );
    assert!(text.contains("passed, 0 failed"), "{text}");

    std::fs::write(repo.join("包裹卡.playbook"), example.replace("\n  ", "\n ")).expect("write");
    git(repo, &["add", "包裹卡.playbook"]);
    let (ok, text) = run_hook(repo, &hook);
    assert!(!ok, "an unformatted playbook must be stopped: {text}");
    assert!(text.contains("playbook fmt"), "{text}");

    let broken = example.replace("when 潜客\n", "when 潜客们\n");
    assert_ne!(broken, example, "the example still has `when 潜客`");
    std::fs::write(repo.join("包裹卡.playbook"), broken).expect("write");
    git(repo, &["add", "包裹卡.playbook"]);
    let (ok, text) = run_hook(repo, &hook);
    assert!(!ok, "a playbook with an error must be stopped: {text}");
    assert!(text.contains("E0101"), "{text}");
}

#[test]
fn the_diff_step_reports_a_change_to_an_example_and_blocks_a_costly_one() {
    let workflow = block("Reviewing a change by its effect", "yaml");
    assert!(
        workflow.contains("run: sh .github/playbook-diff.sh"),
        "{workflow}"
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    let repo = dir.path();
    let script = repo.join("playbook-diff.sh");
    std::fs::write(&script, block("Reviewing a change by its effect", "sh")).expect("write");
    git(repo, &["init", "-q"]);
    let name = "store_owner_red_packets";
    let file = format!("examples/{name}.playbook");
    std::fs::create_dir_all(repo.join("examples/data")).expect("dirs");
    let example = std::fs::read_to_string(&file).expect("the example");
    for path in [file.clone(), format!("examples/data/{name}.sql")] {
        std::fs::copy(&path, repo.join(&path)).expect("copy");
    }
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "base"]);
    let run_step = |change: &str| {
        std::fs::write(repo.join(&file), change).expect("write");
        git(repo, &["commit", "-qam", "change"]);
        let out = Command::new("sh")
            .arg(&script)
            .current_dir(repo)
            .env("PATH", path_with_playbook())
            .env("BASE", "HEAD~1")
            .env("FROM", "2026-05-01")
            .env("TO", "2026-05-10")
            .output()
            .expect("the step runs");
        let report = std::fs::read_to_string(repo.join("diff.md")).expect("diff.md");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            report,
        )
    };

    let lower = example.replace("when event.streak >= 3", "when event.streak >= 2");
    assert_ne!(
        lower, example,
        "the example still has `when event.streak >= 3`"
    );
    let (code, annotations, report) = run_step(&lower);
    assert_eq!(code, Some(0), "{annotations}{report}");
    let line = lower
        .lines()
        .position(|l| l.contains("event.streak >= 2"))
        .expect("the changed line")
        + 1;
    assert!(
        annotations.starts_with(&format!(
            "::notice file={file},line={line},title=rule 打卡红包::"
        )),
        "{annotations}"
    );
    assert!(report.contains("| 打卡红包 | 20 → 21 |"), "{report}");
    assert!(
        report.contains("2 members or groups gain a reward"),
        "{report}"
    );

    // Twice the daily budget, twice the morning packets: the spend grows past 20%.
    let costly = lower
        .replace("¥2,000 per day", "¥4,000 per day")
        .replace("red_packet ¥30 split 15", "red_packet ¥60 split 15");
    assert_ne!(costly, lower, "the example's budget or packet changed");
    let (code, _, report) = run_step(&costly);
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("**total**"), "{report}");
}
