//! `playbook fmt`: one canonical layout for a playbook, comments kept.
//!
//! The file is parsed, its AST printed in the canonical layout (`printer`), and its
//! comments put back by position (`layout`). The formatter proves every result
//! before handing it out: the output must parse to the same AST (spans aside) and hold
//! the same comments in the same order. A result that fails either test is an
//! internal error, and the caller must leave the file as it was.

mod comments;
mod expr;
mod layout;
mod printer;

use crate::diagnostics::Diagnostic;
use crate::source::FileId;
use crate::syntax::{self, ast::Program};

pub use printer::MAX_WIDTH;

/// Why a text could not be formatted.
#[derive(Debug, Clone)]
pub enum FormatError {
    /// The text has syntax errors; a file is only formatted when it parses.
    Syntax(Vec<Diagnostic>),
    /// The formatted text would not mean the same or would lose a comment. This is a
    /// bug in the formatter; the message says what went wrong.
    Internal(String),
}

/// Formats playbook source text. `file` is the id the diagnostics point into.
pub fn format_source(file: FileId, text: &str) -> Result<String, FormatError> {
    let parsed = syntax::parse(file, text);
    if !parsed.diagnostics.is_empty() {
        return Err(FormatError::Syntax(parsed.diagnostics));
    }
    let comments = comments::scan(text);
    let lines = printer::Printer::new(text, &comments).program(&parsed.program);
    let formatted = layout::render(lines, &comments, text);
    verify(file, text, &parsed.program, &formatted)?;
    Ok(formatted)
}

/// Prints a program in the canonical layout, with no source to take comments and
/// blank lines from (for programs built in code, and for tests).
pub fn print_program(program: &Program) -> String {
    let lines = printer::Printer::new("", &[]).program(program);
    layout::render(lines, &[], "")
}

/// Checks that `formatted` parses to `program` and keeps every comment of `original`
/// in order.
pub fn verify(
    file: FileId,
    original: &str,
    program: &Program,
    formatted: &str,
) -> Result<(), FormatError> {
    let again = syntax::parse(file, formatted);
    if let Some(d) = again.diagnostics.first() {
        return Err(FormatError::Internal(format!(
            "the formatted text does not parse: {} (at byte {} of the output)",
            d.message, d.span.start
        )));
    }
    if let Some(i) = first_difference(program, &again.program) {
        let line = original
            .get(
                ..program
                    .items
                    .get(i)
                    .map_or(original.len(), |it| it.span().start),
            )
            .map_or(0, |before| crate::source::line_starts(before).len());
        return Err(FormatError::Internal(format!(
            "the formatted text would change the meaning of the declaration at line {line}"
        )));
    }
    check_comments(original, formatted)
}

/// The index of the first declaration that differs between two programs.
fn first_difference(a: &Program, b: &Program) -> Option<usize> {
    let common = a.items.len().min(b.items.len());
    (0..common)
        .find(|&i| a.items[i] != b.items[i])
        .or((a.items.len() != b.items.len()).then_some(common))
}

/// Checks that `formatted` holds exactly the comments of `original`, in order.
pub fn check_comments(original: &str, formatted: &str) -> Result<(), FormatError> {
    let before = comments::texts(original);
    let after = comments::texts(formatted);
    if before == after {
        return Ok(());
    }
    let lost = before
        .iter()
        .zip(after.iter().chain(std::iter::repeat(&String::new())))
        .find(|(b, a)| b != a)
        .map(|(b, _)| b.clone());
    Err(FormatError::Internal(match lost {
        Some(comment) => format!("the formatted text would lose or move the comment `{comment}`"),
        None => "the formatted text would add a comment".to_string(),
    }))
}

#[cfg(test)]
mod tests;
