//! Stage 1: source text → [`ast::Program`] with spans, plus syntax diagnostics.
//!
//! The file is parsed one declaration at a time. A syntax error loses only the
//! declaration it is in: parsing resumes at the next line that starts (in column 1)
//! with a declaration keyword, so one run reports the errors of every declaration.

pub mod ast;
mod errors;
mod grammar;
pub mod literal;
mod parser;
pub mod words;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// How deep brackets, prefix operators and operands may nest. Real playbooks stay
/// under ten; the limit keeps every recursive stage (parser, builder, checker,
/// formatter) far from the end of the stack, whatever the input. A flat chain of
/// operators of one precedence level (`a and b and …`) is one level however long:
/// every stage walks it in a loop.
pub const MAX_NESTING: usize = 100;

/// A parsed file: every declaration that parsed, and every problem found.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The declarations that could be read.
    pub program: ast::Program,
    /// Syntax and literal errors.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a whole playbook file.
pub fn parse(file: FileId, text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    if let Some(d) = nesting_error(file, text) {
        parsed.diagnostics.push(d);
        return parsed;
    }
    let mut pos = 0;
    while pos < text.len() && !parser::only_trivia(&text[pos..]) {
        match parser::parse_item(file, &text[pos..], pos, &mut parsed.diagnostics) {
            Ok((item, used)) => {
                parsed.program.items.push(item);
                pos += used.max(1);
            }
            Err(d) => {
                // An unfinished declaration is often cut off by the next one: when
                // the error is at a line that starts a declaration, resume there.
                let line = crate::source::line_start_before(text, d.span.start);
                let after = d.span.end.max(pos + 1);
                parsed.diagnostics.push(d);
                let here = (line > pos)
                    .then(|| next_declaration(text, line - 1))
                    .flatten();
                match here
                    .filter(|&h| h == line)
                    .or_else(|| next_declaration(text, after))
                {
                    Some(next) => pos = next,
                    None => break,
                }
            }
        }
    }
    parsed
}

/// Parses a lone expression (the REPL's bare input).
pub fn parse_expression(file: FileId, text: &str) -> Result<ast::Expr, Vec<Diagnostic>> {
    parse_expression_at(file, text, 0)
}

/// Parses a lone expression that starts at byte `base` of `file` (the argument of
/// a REPL command such as `:count EXPR`), so spans point into the whole line.
pub fn parse_expression_at(
    file: FileId,
    text: &str,
    base: usize,
) -> Result<ast::Expr, Vec<Diagnostic>> {
    if let Some(mut d) = nesting_error(file, text) {
        d.span.start += base;
        d.span.end += base;
        return Err(vec![d]);
    }
    let mut errors = Vec::new();
    match parser::parse_expr(file, text, base, &mut errors) {
        Ok(e) if errors.is_empty() => Ok(e),
        Ok(_) => Err(errors),
        Err(d) => {
            errors.push(d);
            Err(errors)
        }
    }
}

/// Whether `text` can be written as a bare name (an identifier, not a reserved word);
/// other ids are written as strings.
pub fn is_identifier(text: &str) -> bool {
    parser::is_ident(text)
}

/// The byte offset of the next line at or after `from` that begins a declaration.
fn next_declaration(text: &str, from: usize) -> Option<usize> {
    let mut line_start = text.get(from..)?.find(['\n', '\r']).map(|i| from + i + 1)?;
    while line_start < text.len() {
        let line = &text[line_start..];
        let starts_declaration = words::DECLARATION_WORDS.iter().any(|kw| {
            line.strip_prefix(kw).is_some_and(|rest| {
                rest.chars()
                    .next()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
            })
        });
        if starts_declaration {
            return Some(line_start);
        }
        line_start += line.find(['\n', '\r'])? + 1;
    }
    None
}

/// Rejects brackets nested deeper than [`MAX_NESTING`] before pest recurses into them.
fn nesting_error(file: FileId, text: &str) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '/' if chars.peek().is_some_and(|&(_, n)| n == '/') => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' || n == '\r' {
                        break;
                    }
                }
            }
            '"' | '“' => {
                let close = if c == '"' { '"' } else { '”' };
                while let Some((_, n)) = chars.next() {
                    match n {
                        '\\' => {
                            chars.next();
                        }
                        '\n' | '\r' => break,
                        n if n == close => break,
                        _ => {}
                    }
                }
            }
            '(' | '[' | '{' | '（' | '［' | '｛' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(
                        Diagnostic::new(
                            Code::NestingTooDeep,
                            Span::new(file, i, i + 1),
                            format!("brackets nest deeper than {MAX_NESTING} levels"),
                        )
                        .label(format!("level {depth} opens here"))
                        .help("split the expression into named segments or rewards"),
                    );
                }
            }
            ')' | ']' | '}' | '）' | '］' | '｝' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests;
