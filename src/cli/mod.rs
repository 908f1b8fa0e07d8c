//! The command line: parses arguments with clap and hands each subcommand to its own
//! module, which calls the library and renders what it returns.

mod check;

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
    let status = match cli.command {
        Command::Check(args) => check::run(&args),
    };
    status.into()
}

/// Writes `text` to stdout. A closed pipe (`playbook check … | head`) is not an error
/// worth reporting, so write failures are ignored.
pub(crate) fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Writes one line to stderr, ignoring failures for the same reason as [`print_stdout`].
pub(crate) fn print_stderr_line(line: &str) {
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
