//! The command line: parses arguments with clap and hands each subcommand to its own
//! module, which calls the library and renders what it returns.

mod check;
mod completions;
mod diff;
mod fmt;
mod history;
mod import;
mod inspect;
mod lsp;
mod payouts;
mod repl;
mod run;
mod simulate;
mod spread;
mod sql;
mod test;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The `playbook` command line.
#[derive(Debug, Parser)]
#[command(
    name = "playbook",
    version,
    about = "A rules engine for private-domain community marketing",
    long_about = "playbook is a rules engine for private-domain community marketing. It \
        reads a playbook — member and group schemas, segments, rewards \
        and rules that say who gets which coupon, red packet, points or gift, when, and \
        within which limits and budgets — and checks it for mistakes before any money \
        is spent: unknown names, type errors, impossible rewards, schedules that never \
        fire, spending with no limit. Every problem is reported with its file, line and \
        column, a stable code and a hint on how to fix it."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands; each one's arguments and code live in its own module.
#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and check playbook files and report every error and warning.
    Check(check::CheckArgs),
    /// Evaluate a playbook over member data and print grants and refusals.
    Run(run::RunArgs),
    /// Explain, rule by rule, why a member gets or does not get a reward.
    Explain(inspect::ExplainArgs),
    /// Print the size of every segment.
    Segments(inspect::SegmentsArgs),
    /// Forecast a period: every day's grants, spend and refusals, and when budgets run out.
    Simulate(simulate::SimulateArgs),
    /// Print the candidate queries a run of a window would send to a warehouse, in a dialect.
    Sql(sql::SqlArgs),
    /// Compare two versions of a playbook: what changed, and with data what it does.
    Diff(diff::DiffArgs),
    /// List every grant and refusal a ledger holds for one member or group.
    History(history::HistoryArgs),
    /// List a ledger's grants to deliver with their payout ids, or record delivery results.
    Payouts(payouts::PayoutsArgs),
    /// Import a shop's export (CSV or .xlsx) into the members, groups or events table.
    Import(import::ImportArgs),
    /// Run the `test` blocks of playbooks and report what failed and what no test covered.
    Test(test::TestArgs),
    /// Rewrite playbook files in the canonical layout, comments kept.
    Fmt(fmt::FmtArgs),
    /// Try declarations, expressions and commands interactively (or from a piped script).
    Repl(repl::ReplArgs),
    /// Serve the Language Server Protocol over standard input and output (for editors).
    Lsp(lsp::LspArgs),
    /// Print a shell completion script: `playbook completions bash > …`.
    Completions(completions::CompletionsArgs),
}

/// How a command ended; each outcome is one process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Everything went well (exit 0).
    Success,
    /// The input has problems the user asked to fail on (exit 1).
    Failure,
    /// The command could not do its job: bad usage or unreadable input (exit 2).
    Usage,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Failure => ExitCode::from(1),
            Status::Usage => ExitCode::from(2),
        }
    }
}

/// Runs the command line and returns the process exit code. Clap itself exits with 2
/// on bad usage and with 0 after `--help` or `--version`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The interpreter with the Spark Connect client (docs/warehouse.md).
    if let Some(python) = std::env::var_os("PLAYBOOK_PYTHON").filter(|p| !p.is_empty()) {
        playbook::data::remote::set_python(python.into());
    }
    // A PostgreSQL URL without a password takes it from here, as psql does.
    if let Ok(password) = std::env::var("PGPASSWORD") {
        playbook::data::remote::postgres::set_default_password(password);
    }
    let status = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Explain(args) => inspect::explain(&args),
        Command::Segments(args) => inspect::segments(&args),
        Command::History(args) => history::run(&args),
        Command::Payouts(args) => payouts::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Sql(args) => sql::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Repl(args) => repl::run(&args),
        Command::Lsp(args) => lsp::run(&args),
        Command::Completions(args) => completions::run(&args),
    };
    status.into()
}

/// Reads, checks and compiles a playbook for a command that runs it: diagnostics go
/// to stderr; errors stop the command (exit 1), an unreadable file is bad usage.
pub(crate) fn load_program(
    path: &std::path::Path,
) -> Result<(playbook::CheckOutcome, playbook::compile::Compiled), Status> {
    let mut outcome = match playbook::check_file(path) {
        Ok(o) => o,
        Err(e) => {
            print_stderr_line(&format!("error: cannot read {}: {e}", path.display()));
            return Err(Status::Usage);
        }
    };
    let color = use_color(&std::io::stderr());
    let errors = outcome.errors();
    if errors > 0 {
        for d in &outcome.diagnostics {
            let text = playbook::diagnostics::render_human(d, &outcome.sources, color);
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }
        print_stderr_line(&format!(
            "error: {} has {errors} error{}; fix them first (`playbook check {}`)",
            path.display(),
            if errors == 1 { "" } else { "s" },
            path.display()
        ));
        return Err(Status::Failure);
    }
    match outcome.program.take() {
        Some(program) => Ok((outcome, playbook::compile::compile(program))),
        None => Err(Status::Failure),
    }
}

/// Whether to colour what goes to `stream`: only a terminal, and never when
/// `NO_COLOR` is set to a non-empty value (no-color.org).
pub(crate) fn use_color(stream: &impl std::io::IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Writes `text` to stdout. A closed pipe (`playbook check … | head`) is not an error
/// worth reporting, so write failures are ignored.
pub(crate) fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Writes one line to stderr, ignoring failures for the same reason as [`print_stdout`].
/// Control characters from files and data are shown escaped ([`playbook::terminal`]).
pub(crate) fn print_stderr_line(line: &str) {
    let line = playbook::terminal::escape(line);
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
