//! playbook — a rules engine for private-domain community marketing.
//!
//! The stages, one module each: [`syntax`] (text → AST with spans) → [`check`]
//! (names, types, rewards, schedules, lints → a checked program and diagnostics).
//! The command-line tool is a thin shell over these; a Rust program can call
//! [`check_file`] or [`check_text`] directly.

pub mod app;
pub mod check;
pub mod compile;
pub mod data;
pub mod diagnostics;
pub mod format;
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

pub use app::files::playbook_files;
pub use check::{CheckOutcome, check_file, check_text};
