//! `playbook test FILE…|DIR`: runs every `test` block and reports, for each failure,
//! what the test expected against what the run granted; optionally, which rules and
//! arms no test exercised.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use playbook::app::test::case::{DiffLine, TargetDiff};
use playbook::app::test::coverage::{CoverageItem, ItemKind};
use playbook::app::test::{FileResult, SuiteOptions, SuiteReport, TestResult, run_suite};
use playbook::diagnostics::{Format, github_command, render, render_human, render_json_value};
use playbook::source::{SourceMap, Span};
use regex::Regex;
use serde_json::{Value, json};

use super::{Status, print_stderr_line, print_stdout};

/// Arguments of `playbook test`.
#[derive(Debug, Args)]
#[command(after_help = "\
Output: one line per test (`ok` or `FAIL`), then each failure with the expectation \
that did not hold and, per member or group, the rewards it expected (`-` when not \
granted, with the refusal that stopped it) against those it got (`+` when not \
expected); then, with --coverage, every rule and tier/lottery/experiment arm no test \
exercised; the last line is `N passed, N failed`. `--format github` prints GitHub \
Actions annotations instead: an error on each expectation that did not hold, a warning \
on each rule or arm not covered. A file with check errors runs no \
tests: its diagnostics are shown and it counts as a failure.

Exit status: 0 every test passed (and coverage reached --min-coverage), 1 a test \
failed, a file did not check or coverage is below the minimum, 2 bad usage or a file \
that cannot be read.")]
pub struct TestArgs {
    /// Playbook files, or directories searched for `*.playbook` files.
    #[arg(value_name = "FILE|DIR", required = true)]
    paths: Vec<PathBuf>,

    /// Run only the tests whose name matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    filter: Option<String>,

    /// How to report.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,

    /// Report the rules and arms no test exercised.
    #[arg(long)]
    coverage: bool,

    /// Fail (exit 1) when less than P percent of rules and arms are exercised;
    /// implies --coverage.
    #[arg(long, value_name = "P", value_parser = percent)]
    min_coverage: Option<f64>,
}

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// One line per test, failures with their diff, a closing count.
    Human,
    /// One JSON object with every test, failure, diff and the coverage.
    Json,
    /// GitHub Actions workflow commands: an `::error` on each expectation that did
    /// not hold and each check error, a `::warning` on each rule or arm no test
    /// exercised (with --coverage), then the closing count.
    Github,
}

fn percent(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{text}` is not a percentage"))?;
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("`{text}` is not between 0 and 100"))
    }
}

/// Runs `playbook test`.
pub fn run(args: &TestArgs) -> Status {
    let filter = match args.filter.as_deref().map(Regex::new).transpose() {
        Ok(f) => f,
        Err(e) => {
            print_stderr_line(&format!("error: invalid --filter: {e}"));
            return Status::Usage;
        }
    };
    let report = run_suite(&args.paths, &SuiteOptions { filter });
    for (path, reason) in &report.unreadable {
        print_stderr_line(&format!(
            "error: cannot read `{}`: {reason}",
            path.display()
        ));
    }
    let show_coverage = args.coverage || args.min_coverage.is_some();
    let text = match args.format {
        OutputFormat::Human => {
            human_report(&report, show_coverage, super::use_color(&std::io::stdout()))
        }
        OutputFormat::Json => json_report(&report, show_coverage),
        OutputFormat::Github => github_report(&report, show_coverage),
    };
    print_stdout(&text);
    let below = args
        .min_coverage
        .filter(|min| report.coverage_percent() + 1e-9 < *min);
    if let Some(min) = below {
        print_stderr_line(&format!(
            "error: coverage {:.1}% is below the minimum {min}%",
            report.coverage_percent()
        ));
    }
    if !report.unreadable.is_empty() {
        Status::Usage
    } else if !report.success() || below.is_some() {
        Status::Failure
    } else {
        Status::Success
    }
}

/// ANSI colour, or nothing.
struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// The human report: per file its tests, then failures, coverage and the count.
fn human_report(report: &SuiteReport, show_coverage: bool, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    for file in &report.files {
        file_lines(file, &paint, &mut out);
    }
    let failed: Vec<(&FileResult, &TestResult)> = report
        .files
        .iter()
        .flat_map(|f| f.tests.iter().map(move |t| (f, t)))
        .filter(|(_, t)| !t.outcome.passed())
        .collect();
    if !failed.is_empty() {
        out.push_str("\nfailures:\n");
        for (file, test) in failed {
            failure(file, test, &paint, &mut out);
        }
    }
    if show_coverage {
        coverage_lines(report, &mut out);
    }
    out.push('\n');
    notes(report, &mut out);
    let _ = writeln!(
        out,
        "{} passed, {} failed",
        report.passed(),
        report.failed()
    );
    out
}

fn file_lines(file: &FileResult, paint: &Paint, out: &mut String) {
    let _ = writeln!(out, "{}", file.path.display());
    if file.broken() {
        for d in &file.check.diagnostics {
            out.push_str(&render_human(d, &file.check.sources, paint.0));
        }
        let _ = writeln!(
            out,
            "  {} the file has check errors; no test ran",
            paint.wrap("31", "error:")
        );
        return;
    }
    if file.tests.is_empty() {
        let _ = writeln!(out, "  (no tests)");
    }
    for test in &file.tests {
        let mark = if test.outcome.passed() {
            paint.wrap("32", "ok  ")
        } else {
            paint.wrap("31", "FAIL")
        };
        let _ = writeln!(out, "  {mark}  {}", test.outcome.name);
    }
}

/// `path:line:col`.
fn place(sources: &SourceMap, span: Span) -> String {
    let (line, column) = position(sources, span);
    format!("{}:{line}:{column}", sources.get(span.file).name())
}

/// The first line of the source text under `span`.
fn first_line(sources: &SourceMap, span: Span) -> &str {
    let text = sources.get(span.file).slice(span);
    text.lines().next().unwrap_or("").trim()
}

fn failure(file: &FileResult, test: &TestResult, paint: &Paint, out: &mut String) {
    let sources = &file.check.sources;
    let o = &test.outcome;
    let _ = writeln!(
        out,
        "\n{} {}  ({})",
        paint.wrap("31", "FAIL"),
        o.name,
        place(sources, o.span)
    );
    if let Some(error) = &o.error {
        let _ = writeln!(out, "  the run stopped: {error}");
    }
    for (span, message) in &o.failures {
        let _ = writeln!(out, "  {}", paint.wrap("1", first_line(sources, *span)));
        let _ = writeln!(out, "    at {}", place(sources, *span));
        let _ = writeln!(out, "    {message}");
    }
    for diff in &test.diff {
        target_diff(diff, paint, out);
    }
}

fn target_diff(diff: &TargetDiff, paint: &Paint, out: &mut String) {
    let _ = writeln!(out, "  {} (- expected, + not expected):", diff.target);
    if diff.lines.is_empty() {
        let _ = writeln!(out, "      got nothing");
    }
    for line in &diff.lines {
        let text = match line {
            DiffLine::Granted { reward, rule } => format!("    {reward}  (rule {rule})"),
            DiffLine::Missing {
                reward,
                refused,
                why,
            } => {
                let why = match (refused, why) {
                    (Some(r), _) => format!("refused: {r}"),
                    (None, Some(line)) => format!("not granted: {line}"),
                    (None, None) => "not granted".to_owned(),
                };
                paint.wrap("31", &format!("  - {reward}  ({why})"))
            }
            DiffLine::Unexpected { reward, rule } => {
                paint.wrap("32", &format!("  + {reward}  (rule {rule})"))
            }
        };
        let _ = writeln!(out, "    {text}");
    }
    for refusal in &diff.refusals {
        let _ = writeln!(out, "      refused: {refusal}");
    }
}

fn coverage_lines(report: &SuiteReport, out: &mut String) {
    let items: Vec<(&FileResult, &CoverageItem)> = report.coverage().collect();
    let covered = items.iter().filter(|(_, c)| c.covered).count();
    let _ = writeln!(
        out,
        "\ncoverage: {covered} of {} rules and arms exercised ({:.1}%)",
        items.len(),
        report.coverage_percent()
    );
    for (file, item) in items.iter().filter(|(_, c)| !c.covered) {
        let sources = &file.check.sources;
        let what = match item.kind {
            ItemKind::Rule => format!("rule {}", item.rule),
            kind => format!(
                "rule {}, {} `{}`",
                item.rule,
                kind.describe(),
                first_line(sources, item.span)
            ),
        };
        let _ = writeln!(
            out,
            "  not exercised: {what}  ({})",
            place(sources, item.span)
        );
    }
}

/// Lines about what did not run, before the closing count.
fn notes(report: &SuiteReport, out: &mut String) {
    let broken = report.broken_files();
    if broken > 0 {
        let _ = writeln!(
            out,
            "{broken} file{} did not check; {} tests did not run",
            if broken == 1 { "" } else { "s" },
            if broken == 1 { "its" } else { "their" }
        );
    }
    if report.filtered_out() > 0 {
        let _ = writeln!(out, "{} filtered out", report.filtered_out());
    }
    if report.passed() + report.failed() == 0 && broken == 0 {
        let _ = writeln!(out, "no tests ran");
    }
}

/// Workflow commands for the failures (and uncovered items), then the count.
fn github_report(report: &SuiteReport, show_coverage: bool) -> String {
    let mut out = String::new();
    for file in &report.files {
        let sources = &file.check.sources;
        out.push_str(&render(Format::Github, &file.check.diagnostics, sources));
        for test in file.tests.iter().filter(|t| !t.outcome.passed()) {
            let o = &test.outcome;
            let title = format!("test failed: {}", o.name);
            if let Some(error) = &o.error {
                let message = format!("the run stopped: {error}");
                out.push_str(&github_command("error", sources, o.span, &title, &message));
            }
            for (span, message) in &o.failures {
                out.push_str(&github_command("error", sources, *span, &title, message));
            }
        }
    }
    if show_coverage {
        for (file, item) in report.coverage().filter(|(_, c)| !c.covered) {
            let what = match item.kind {
                ItemKind::Rule => format!("no test makes rule {} fire", item.rule),
                kind => format!("no test reaches {} of rule {}", kind.describe(), item.rule),
            };
            out.push_str(&github_command(
                "warning",
                &file.check.sources,
                item.span,
                "not covered by tests",
                &what,
            ));
        }
    }
    notes(report, &mut out);
    let _ = writeln!(
        out,
        "{} passed, {} failed",
        report.passed(),
        report.failed()
    );
    out
}

/// One JSON object: files, tests with failures and diffs, coverage and counts.
fn json_report(report: &SuiteReport, show_coverage: bool) -> String {
    let mut files = Vec::new();
    let mut tests = Vec::new();
    for file in &report.files {
        let diagnostics = render_json_value(&file.check.diagnostics, &file.check.sources);
        files.push(json!({
            "file": file.path.display().to_string(),
            "checked": !file.broken(),
            "diagnostics": diagnostics.get("diagnostics").cloned().unwrap_or(Value::Null),
            "tests": file.tests.len(),
            "filtered_out": file.filtered_out,
        }));
        tests.extend(file.tests.iter().map(|t| test_json(file, t)));
    }
    let mut value = json!({
        "files": files,
        "tests": tests,
        "passed": report.passed(),
        "failed": report.failed(),
        "filtered_out": report.filtered_out(),
    });
    if show_coverage {
        value["coverage"] = coverage_json(report);
    }
    format!("{value}\n")
}

fn position(sources: &SourceMap, span: Span) -> (usize, usize) {
    let at = sources.get(span.file).line_col(span.start);
    (at.line, at.column)
}

fn test_json(file: &FileResult, test: &TestResult) -> Value {
    let sources = &file.check.sources;
    let o = &test.outcome;
    let tz = file
        .check
        .program
        .as_ref()
        .map_or(chrono_tz::Asia::Shanghai, |p| p.settings.timezone);
    let (line, column) = position(sources, o.span);
    let failures: Vec<Value> = o
        .failures
        .iter()
        .map(|(span, message)| {
            let (line, column) = position(sources, *span);
            json!({
                "line": line,
                "column": column,
                "expectation": sources.get(span.file).slice(*span),
                "message": message,
            })
        })
        .collect();
    json!({
        "file": file.path.display().to_string(),
        "name": o.name,
        "line": line,
        "column": column,
        "passed": o.passed(),
        "error": o.error,
        "failures": failures,
        "diff": test.diff.iter().map(diff_json).collect::<Vec<_>>(),
        "grants": o.grants.iter().map(|g| g.to_json(tz)).collect::<Vec<_>>(),
        "refusals": o.refusals.iter().map(|r| r.to_json(tz)).collect::<Vec<_>>(),
    })
}

fn diff_json(diff: &TargetDiff) -> Value {
    let lines: Vec<Value> = diff
        .lines
        .iter()
        .map(|line| match line {
            DiffLine::Granted { reward, rule } => {
                json!({"status": "granted", "reward": reward, "rule": rule})
            }
            DiffLine::Missing {
                reward,
                refused,
                why,
            } => {
                json!({"status": "missing", "reward": reward, "refused": refused, "why": why})
            }
            DiffLine::Unexpected { reward, rule } => {
                json!({"status": "unexpected", "reward": reward, "rule": rule})
            }
        })
        .collect();
    json!({"target": diff.target, "lines": lines, "refusals": diff.refusals})
}

fn coverage_json(report: &SuiteReport) -> Value {
    let items: Vec<Value> = report
        .coverage()
        .map(|(file, item)| {
            let (line, column) = position(&file.check.sources, item.span);
            json!({
                "file": file.path.display().to_string(),
                "line": line,
                "column": column,
                "rule": item.rule,
                "item": item.kind.describe(),
                "text": first_line(&file.check.sources, item.span),
                "covered": item.covered,
            })
        })
        .collect();
    let covered = items.iter().filter(|i| i["covered"] == true).count();
    json!({
        "percent": report.coverage_percent(),
        "covered": covered,
        "total": items.len(),
        "items": items,
    })
}
