//! `playbook check FILE…`: parse and check each file and report every diagnostic.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use playbook::CheckOutcome;
use playbook::diagnostics::{Format, render, render_human, render_json_value};
use serde_json::{Value, json};

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
    let report = match args.format {
        OutputFormat::Human => human_report(&checked, super::use_color(&std::io::stdout())),
        OutputFormat::Json => json_report(&checked),
        OutputFormat::Github => github_report(&checked),
    };
    print_stdout(&report);
    status(&checked, args.deny_warnings)
}

/// Checks each file in turn; a file that cannot be read is reported on stderr and
/// skipped.
fn check_all(files: &[PathBuf]) -> Checked {
    let mut checked = Checked {
        outcomes: Vec::with_capacity(files.len()),
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
            Ok(outcome) => checked.outcomes.push(outcome),
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
