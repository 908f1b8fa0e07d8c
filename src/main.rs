//! The `playbook` command-line tool; everything lives in [`cli`].

// As in the library: errors are returned and rendered, never unwrapped.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable
)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
