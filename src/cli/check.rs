//! `playbook check FILE…`: parse and check each file and report every diagnostic.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use playbook::CheckOutcome;
use playbook::check::cost::{CostBounds, Spend, cost_bounds};
use playbook::diagnostics::{Format, render, render_human, render_json_value};
use playbook::syntax::ast::Window;
use playbook::terminal::escape;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use super::{Status, print_stderr_line, print_stdout};

/// Arguments of `playbook check`.
#[derive(Debug, Args)]
#[command(after_help = "\
Output: the report goes to stdout — for `human` every diagnostic and then a summary \
line, for `json` one object {\"diagnostics\": [...], \"errors\": N, \"warnings\": N} \
covering all files, for `github` one workflow command per diagnostic. Files that cannot \
be read are reported on stderr. Human output is coloured only when stdout is a terminal \
and NO_COLOR is not set.

Exit status: 0 no errors (warnings allowed), 1 errors found (or warnings, with \
--deny-warnings), 2 bad usage or a file that cannot be read (the other files are still \
checked).")]
pub struct CheckArgs {
    /// Playbook files, or directories searched for `*.playbook` files.
    #[arg(value_name = "FILE|DIR", required = true)]
    files: Vec<PathBuf>,

    /// How to report diagnostics.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,

    /// Fail (exit 1) on warnings as well as on errors.
    #[arg(long)]
    deny_warnings: bool,

    /// Also print each playbook's worst-case spend with no data: per rule per
    /// firing, per day and in total, and the sums against the budgets (`human`
    /// prints a table after the diagnostics, `json` adds a `cost` object).
    #[arg(long)]
    cost: bool,
}

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// Source snippets with the problem underlined, then a summary line.
    Human,
    /// One JSON object with the diagnostics of every file.
    Json,
    /// GitHub Actions workflow commands (`::error file=…`) for CI annotations.
    Github,
}

/// What checking every file on the command line produced.
struct Checked {
    /// One outcome per file that could be read, in command-line order.
    outcomes: Vec<CheckOutcome>,
    /// The file each outcome is of.
    paths: Vec<PathBuf>,
    /// How many files could not be read.
    unreadable: usize,
}

impl Checked {
    /// Errors over all files.
    fn errors(&self) -> usize {
        self.outcomes.iter().map(CheckOutcome::errors).sum()
    }

    /// Warnings over all files.
    fn warnings(&self) -> usize {
        self.outcomes.iter().map(CheckOutcome::warnings).sum()
    }
}

/// Runs `playbook check`: checks every file, prints the report, and says how it ended.
pub fn run(args: &CheckArgs) -> Status {
    let checked = check_all(&args.files);
    let mut report = match args.format {
        OutputFormat::Human => human_report(&checked, super::use_color(&std::io::stdout())),
        OutputFormat::Json => json_report(&checked),
        OutputFormat::Github => github_report(&checked),
    };
    if args.cost {
        report = match args.format {
            OutputFormat::Json => with_json_cost(&report, &checked),
            OutputFormat::Human => with_human_cost(&report, &checked),
            OutputFormat::Github => {
                let tables: String = costs(&checked)
                    .iter()
                    .map(|(path, cost)| cost_text(&path.display().to_string(), cost))
                    .collect();
                report + &tables
            }
        };
    }
    print_stdout(&report);
    status(&checked, args.deny_warnings)
}

/// Checks each file in turn; a file that cannot be read is reported on stderr and
/// skipped.
fn check_all(files: &[PathBuf]) -> Checked {
    let mut checked = Checked {
        outcomes: Vec::with_capacity(files.len()),
        paths: Vec::with_capacity(files.len()),
        unreadable: 0,
    };
    let (files, unreadable) = playbook::playbook_files(files);
    for (path, reason) in &unreadable {
        print_stderr_line(&format!(
            "error: cannot read `{}`: {reason}",
            path.display()
        ));
    }
    checked.unreadable = unreadable.len();
    for path in &files {
        match playbook::check_file(path) {
            Ok(outcome) => {
                checked.outcomes.push(outcome);
                checked.paths.push(path.clone());
            }
            Err(err) => {
                print_stderr_line(&format!("error: cannot read `{}`: {err}", path.display()));
                checked.unreadable += 1;
            }
        }
    }
    checked
}

/// Every diagnostic as miette draws it, each followed by a blank line, then the
/// summary line.
fn human_report(checked: &Checked, color: bool) -> String {
    let mut out = String::new();
    for outcome in &checked.outcomes {
        for diagnostic in &outcome.diagnostics {
            out.push_str(&render_human(diagnostic, &outcome.sources, color));
            out.push('\n');
        }
    }
    out.push_str(&summary(checked));
    out.push('\n');
    out
}

/// `checked 3 files: 2 errors, 1 warning`, `checked 1 file: no problems`, with a note
/// when some files could not be read.
fn summary(checked: &Checked) -> String {
    let (errors, warnings) = (checked.errors(), checked.warnings());
    let problems = match (errors, warnings) {
        (0, 0) => "no problems".to_string(),
        (0, w) => plural(w, "warning"),
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    };
    let mut line = format!(
        "checked {}: {problems}",
        plural(checked.outcomes.len(), "file")
    );
    if checked.unreadable > 0 {
        line.push_str(&format!(
            "; {} could not be read",
            plural(checked.unreadable, "file")
        ));
    }
    line
}

/// `1 error`, `2 errors`.
fn plural(n: usize, word: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{n} {word}{s}")
}

/// One JSON object for all files: each file's diagnostics (as the library renders them)
/// in command-line order, and the totals.
fn json_report(checked: &Checked) -> String {
    let mut diagnostics = Vec::new();
    for outcome in &checked.outcomes {
        let mut value = render_json_value(&outcome.diagnostics, &outcome.sources);
        if let Some(Value::Array(list)) = value.get_mut("diagnostics").map(Value::take) {
            diagnostics.extend(list);
        }
    }
    let report = json!({
        "diagnostics": diagnostics,
        "errors": checked.errors(),
        "warnings": checked.warnings(),
    });
    format!("{report}\n")
}

/// The playbooks that checked without errors, with their cost bounds.
fn costs(checked: &Checked) -> Vec<(&PathBuf, CostBounds)> {
    checked
        .outcomes
        .iter()
        .zip(&checked.paths)
        .filter_map(|(o, path)| o.program.as_ref().map(|p| (path, cost_bounds(p))))
        .collect()
}

/// The human report with a cost table for each playbook inserted before the
/// summary line (its last line).
fn with_human_cost(report: &str, checked: &Checked) -> String {
    let body = report.trim_end_matches('\n');
    let (before, summary) = body.rsplit_once('\n').unwrap_or(("", body));
    let mut out = String::from(before);
    if !out.is_empty() {
        out.push('\n');
    }
    for (path, cost) in costs(checked) {
        out.push_str(&cost_text(&path.display().to_string(), &cost));
        out.push('\n');
    }
    out.push_str(summary);
    out.push('\n');
    out
}

/// One playbook's bounds as a table: each rule per firing, per day and in total
/// (with what an unbounded one depends on), the sums, and each budget.
fn cost_text(file: &str, cost: &CostBounds) -> String {
    let show = |s: &Spend| match s.fen() {
        Some(f) => f.to_string(),
        None => "unbounded".to_string(),
    };
    let mut rows = vec![[
        "rule".to_string(),
        "per firing".to_string(),
        "per day".to_string(),
        "total".to_string(),
        String::new(),
    ]];
    for r in &cost.rules {
        let why = [&r.per_firing, &r.per_day, &r.total]
            .into_iter()
            .find_map(Spend::unbounded_by)
            .map_or(String::new(), |u| format!("depends on {u}"));
        rows.push([
            escape(&r.name).into_owned(),
            show(&r.per_firing),
            show(&r.per_day),
            show(&r.total),
            why,
        ]);
    }
    let why = [&cost.per_day, &cost.total]
        .into_iter()
        .find_map(Spend::unbounded_by)
        .map_or(String::new(), |u| format!("depends on {u}"));
    rows.push([
        "all rules".to_string(),
        String::new(),
        show(&cost.per_day),
        show(&cost.total),
        why,
    ]);
    let width = |i: usize| rows.iter().map(|r| r[i].width()).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2), width(3)];
    let mut out = format!(
        "cost of {}: the most each rule can spend, with no data\n",
        escape(file)
    );
    for row in &rows {
        let mut line = format!("  {}{}", row[0], " ".repeat(widths[0] - row[0].width()));
        for i in 1..4 {
            line.push_str(&format!(
                "  {}{}",
                " ".repeat(widths[i] - row[i].width()),
                row[i]
            ));
        }
        if !row[4].is_empty() {
            line.push_str(&format!("  ({})", row[4]));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for b in &cost.budgets {
        let verdict = match &b.bound {
            Spend::Bounded(f) if b.never_reached() => {
                format!("never reached: the rules spend at most {f}")
            }
            Spend::Bounded(f) => format!("can be used up: the rules can spend {f}"),
            Spend::Unbounded(u) => {
                format!("can be used up: what the rules can spend depends on {u}")
            }
        };
        out.push_str(&format!(
            "  budget {} {}: {verdict}\n",
            b.budget,
            window_name(b.window)
        ));
    }
    out
}

/// `total`, `per day`, `per week`, `per month`.
fn window_name(w: Window) -> String {
    match w {
        Window::Total => "total".to_string(),
        Window::Per(p) => format!("per {}", p.keyword()),
    }
}

/// The JSON report with a `cost` object: per file its rules and budgets, money in
/// fen (null when unbounded, with `unbounded_by` naming what decides it).
fn with_json_cost(report: &str, checked: &Checked) -> String {
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(report) else {
        return report.to_string();
    };
    let fen = |s: &Spend| s.fen().map_or(Value::Null, |f| json!(f.0));
    let by = |spends: &[&Spend]| {
        spends
            .iter()
            .find_map(|s| s.unbounded_by())
            .map_or(Value::Null, |u| json!(u.as_str()))
    };
    let files: Vec<Value> = costs(checked)
        .into_iter()
        .map(|(path, cost)| {
            let rules: Vec<Value> = cost
                .rules
                .iter()
                .map(|r| {
                    json!({
                        "rule": r.name,
                        "per_firing_fen": fen(&r.per_firing),
                        "per_day_fen": fen(&r.per_day),
                        "total_fen": fen(&r.total),
                        "unbounded_by": by(&[&r.per_firing, &r.per_day, &r.total]),
                    })
                })
                .collect();
            let budgets: Vec<Value> = cost
                .budgets
                .iter()
                .map(|b| {
                    json!({
                        "window": window_name(b.window),
                        "budget_fen": b.budget.0,
                        "bound_fen": fen(&b.bound),
                        "unbounded_by": by(&[&b.bound]),
                        "never_reached": b.never_reached(),
                    })
                })
                .collect();
            json!({
                "file": path.display().to_string(),
                "rules": rules,
                "per_day_fen": fen(&cost.per_day),
                "total_fen": fen(&cost.total),
                "unbounded_by": by(&[&cost.per_day, &cost.total]),
                "budgets": budgets,
            })
        })
        .collect();
    object.insert("cost".to_string(), json!({ "files": files }));
    format!("{}\n", Value::Object(object))
}

/// One `::error …` / `::warning …` workflow command per diagnostic.
fn github_report(checked: &Checked) -> String {
    checked
        .outcomes
        .iter()
        .map(|o| render(Format::Github, &o.diagnostics, &o.sources))
        .collect()
}

/// Unreadable files beat everything (exit 2); then errors, or warnings when denied
/// (exit 1).
fn status(checked: &Checked, deny_warnings: bool) -> Status {
    if checked.unreadable > 0 {
        Status::Usage
    } else if checked.errors() > 0 || (deny_warnings && checked.warnings() > 0) {
        Status::Failure
    } else {
        Status::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `files` clean outcomes (no diagnostics) and `unreadable` unread files.
    fn checked(files: usize, unreadable: usize) -> Checked {
        let clean = || CheckOutcome {
            sources: playbook::source::SourceMap::new(),
            program: None,
            diagnostics: Vec::new(),
        };
        Checked {
            outcomes: (0..files).map(|_| clean()).collect(),
            paths: (0..files)
                .map(|i| PathBuf::from(format!("{i}.playbook")))
                .collect(),
            unreadable,
        }
    }

    #[test]
    fn summary_counts_files_and_says_no_problems() {
        assert_eq!(summary(&checked(1, 0)), "checked 1 file: no problems");
        assert_eq!(
            summary(&checked(2, 1)),
            "checked 2 files: no problems; 1 file could not be read"
        );
    }

    #[test]
    fn plural_uses_singular_for_one() {
        assert_eq!(plural(1, "error"), "1 error");
        assert_eq!(plural(0, "warning"), "0 warnings");
        assert_eq!(plural(2, "file"), "2 files");
    }

    #[test]
    fn unreadable_files_exit_2_even_when_clean() {
        assert_eq!(status(&checked(1, 1), false), Status::Usage);
        assert_eq!(status(&checked(1, 0), true), Status::Success);
    }
}
