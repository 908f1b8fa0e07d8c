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

use std::path::{Path, PathBuf};

use diagnostics::{Diagnostic, Severity};
use source::{SourceFile, SourceMap};

/// What checking a playbook produced.
#[derive(Debug)]
pub struct CheckOutcome {
    /// Every file read (the playbook and the files it `use`s), for rendering.
    pub sources: SourceMap,
    /// The checked program, when there were no errors.
    pub program: Option<check::Program>,
    /// Errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckOutcome {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Parses and checks playbook source text; `name` is shown in diagnostics. `use`
/// declarations are resolved relative to the current directory.
pub fn check_text(name: &str, text: &str) -> CheckOutcome {
    let mut sources = SourceMap::new();
    let id = sources.add(SourceFile::new(name, text));
    check::check(sources, id, &check::FsLoader)
}

/// Reads, parses and checks a playbook file; `use` paths are relative to it. A file
/// that is not UTF-8 fails with the byte and line where it stops being so.
pub fn check_file(path: &Path) -> std::io::Result<CheckOutcome> {
    let text = source::read_source(path)?;
    let mut sources = SourceMap::new();
    let id = sources.add(SourceFile::new(path.display().to_string(), text));
    Ok(check::check(sources, id, &check::FsLoader))
}

/// The playbook files named by command-line `paths`: files as given, directories
/// searched recursively for `*.playbook`, each directory's entries in name order.
/// Directories that cannot be read come back with the reason.
pub fn playbook_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        if path.is_dir() {
            if let Err(e) = walk(path, &mut files) {
                unreadable.push((path.clone(), e.to_string()));
            }
        } else {
            files.push(path.clone());
        }
    }
    (files, unreadable)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "playbook") {
            files.push(path);
        }
    }
    Ok(())
}
