//! playbook — a rules engine for private-domain community marketing.
//!
//! The pipeline, one module per stage: [`syntax`] (text → AST with spans) →
//! [`check`] (names, types, rewards, schedules, lints → a checked program and
//! [`diagnostics`]) → [`compile`](mod@compile) (the plan and timeline a run executes) →
//! [`interpret`] (the engine over [`data`], into grants and refusals) → [`ledger`].
//! [`app`] holds the jobs that combine stages: a run with its ledger, test suites,
//! explanations. The command line and the [`repl`] are thin shells over these;
//! `docs/ARCHITECTURE.md` is the map.
//!
//! The types an embedding program needs are re-exported here:
//!
//! ```no_run
//! use std::path::Path;
//!
//! let checked = playbook::check_file(Path::new("examples/tiered_groups.playbook")).unwrap();
//! let compiled = playbook::compile(checked.program.expect("no errors"));
//! let at = playbook::time::parse_instant("2026-06-15 10:00", compiled.program.settings.timezone)
//!     .unwrap();
//! let request = playbook::RunRequest::new(&compiled, Path::new("examples/data/tiered_groups.sql"), at);
//! let mut decisions = playbook::Collect::default();
//! playbook::run(&request, &mut decisions).unwrap();
//! for grant in decisions.grants() {
//!     println!("{} {} {}", grant.rule, grant.target.id, grant.value);
//! }
//! ```

// Input-reachable code returns errors; a justified exception says why in an
// `#[allow]` next to it. Unit tests may unwrap.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable
    )
)]

pub mod app;
pub mod calendar;
pub mod check;
pub mod compile;
pub mod data;
pub mod diagnostics;
pub mod format;
pub mod ide;
pub mod interpret;
pub mod ledger;
pub mod money;
pub mod repl;
pub mod source;
pub mod sqlite_file;
pub mod syntax;
pub mod terminal;
pub mod time;
pub mod value;

pub use app::decisions::{Collect, Decision};
pub use app::files::playbook_files;
pub use app::run::{RunFailure, RunOutcome, RunRequest, run};
pub use check::{CheckOutcome, Program, check_file, check_text};
pub use compile::{Compiled, compile};
pub use diagnostics::{Code, Diagnostic, Format, render};
pub use interpret::engine::{RunError, RunOptions, RunReport, Sink, SinkError};
pub use interpret::grant::{Grant, Refusal};
