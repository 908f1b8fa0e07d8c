//! From source text to the AST: pest does the matching, this module builds owned,
//! spanned nodes, reads literals, applies operator precedence and enforces the
//! nesting limit.
//!
//! This file holds the entry points and the builder's readers of spans and
//! literals; the builder's other parts follow the grammar's sections: `items`,
//! `rewards`, `rules`, `test_blocks` and `expressions`.

// Builder functions return the one diagnostic that stops an item; it is rare and
// large, and boxing it would only move the allocation.
#![allow(clippy::result_large_err)]

mod expressions;
mod items;
mod rewards;
mod rules;
mod test_blocks;

use pest::Parser as _;
use pest::iterators::Pair;

use super::ast::{Duration, DurationUnit, Expr, Ident, Item, Spanned};
use super::grammar::{PlaybookParser, Rule, is_keyword};
use super::literal;
use super::{MAX_NESTING, errors};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// The children of `pair` that carry data (keywords left out).
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

/// Parses one declaration from `text` (which starts at byte `base` of the file) and
/// returns it with the number of bytes consumed.
pub(super) fn parse_item(
    file: FileId,
    text: &str,
    base: usize,
    errors: &mut Vec<Diagnostic>,
) -> Result<(Item, usize), Diagnostic> {
    let mut pairs = PlaybookParser::parse(Rule::item_entry, text)
        .map_err(|_| detailed_error(Rule::item_entry, file, base, text))?;
    let entry = pairs.next().ok_or_else(|| internal(file, base))?;
    let end = entry.as_span().end();
    let item_pair = children(entry).next().ok_or_else(|| internal(file, base))?;
    let mut builder = Builder { file, base, errors };
    Ok((builder.item(item_pair)?, end))
}

/// Whether `text` holds nothing but whitespace and comments. (Done by hand: a pest
/// failure here would build an error whose position lookup scans the whole input.)
pub(super) fn only_trivia(text: &str) -> bool {
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        match rest.strip_prefix("//") {
            Some(comment) => rest = &comment[crate::source::line_end(comment)..],
            None => return rest.is_empty(),
        }
    }
}

/// Whether `text` is exactly one name: an identifier that is not a reserved word.
pub(super) fn is_ident(text: &str) -> bool {
    PlaybookParser::parse(Rule::ident, text)
        .is_ok_and(|mut pairs| pairs.next().is_some_and(|p| p.as_str().len() == text.len()))
}

/// Parses a lone expression (for the REPL and tests).
pub(super) fn parse_expr(
    file: FileId,
    text: &str,
    base: usize,
    errors: &mut Vec<Diagnostic>,
) -> Result<Expr, Diagnostic> {
    let mut pairs = PlaybookParser::parse(Rule::expr_entry, text)
        .map_err(|_| detailed_error(Rule::expr_entry, file, base, text))?;
    let entry = pairs.next().ok_or_else(|| internal(file, base))?;
    let expr = children(entry).next().ok_or_else(|| internal(file, base))?;
    Builder { file, base, errors }.expr(expr, 0)
}

/// Parses again with pest's error detail on, which names the expected `{` or `->`.
/// Collecting that detail halves parsing speed, so it is only switched on once an
/// error has happened — and never off again, so every error message is the same
/// whichever thread asks.
fn detailed_error(rule: Rule, file: FileId, base: usize, text: &str) -> Diagnostic {
    pest::set_error_detail(true);
    match PlaybookParser::parse(rule, text) {
        Err(e) => errors::from_pest(e, file, base, text),
        Ok(_) => internal(file, base),
    }
}

fn internal(file: FileId, at: usize) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        Span::new(file, at, at),
        "the parser lost its place here",
    )
    .help("this is a bug in playbook; please report it with this input")
}

type R<T> = Result<T, Diagnostic>;

struct Builder<'e> {
    file: FileId,
    base: usize,
    /// Literal errors: reported, and the item still built with a placeholder.
    errors: &'e mut Vec<Diagnostic>,
}

impl Builder<'_> {
    /// The pair's span without the whitespace and comments pest's implicit skipping
    /// leaves at its end, so that underlines cover exactly what was written.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let len = meaningful_len(pair.as_str());
        Span::new(
            self.file,
            self.base + s.start(),
            self.base + s.start() + len,
        )
    }

    fn spanned<T>(&self, pair: &Pair<'_, Rule>, node: T) -> Spanned<T> {
        Spanned::new(node, self.span(pair))
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        self.spanned(&pair, pair.as_str().to_string())
    }

    /// Reads a literal with `read`; a bad literal is reported and replaced by `fallback`
    /// so that the rest of the item is still checked.
    fn lit<T>(
        &mut self,
        pair: &Pair<'_, Rule>,
        read: impl Fn(&str) -> Result<T, String>,
        fallback: T,
    ) -> Spanned<T> {
        match read(pair.as_str()) {
            Ok(v) => self.spanned(pair, v),
            Err(message) => {
                let span = self.span(pair);
                self.errors.push(
                    Diagnostic::new(Code::InvalidLiteral, span, message).label("this literal"),
                );
                Spanned::new(fallback, span)
            }
        }
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> Spanned<String> {
        let body = pair.clone().into_inner().next().map_or("", |b| b.as_str());
        let body = body.to_string();
        self.lit(&pair, move |_| literal::string_body(&body), String::new())
    }

    fn money(&mut self, pair: &Pair<'_, Rule>) -> Spanned<crate::money::Fen> {
        self.lit(pair, literal::money, Default::default())
    }

    fn integer(&mut self, pair: &Pair<'_, Rule>) -> Spanned<u64> {
        self.lit(
            pair,
            |t| t.parse::<u64>().map_err(|_| format!("`{t}` is too large")),
            0,
        )
    }

    fn time(&mut self, pair: &Pair<'_, Rule>) -> Spanned<chrono::NaiveTime> {
        self.lit(pair, literal::time_of_day, chrono::NaiveTime::MIN)
    }

    fn date(&mut self, pair: &Pair<'_, Rule>) -> Spanned<chrono::NaiveDate> {
        self.lit(pair, literal::date, chrono::NaiveDate::MIN)
    }

    /// A day of a date range: `None` when it is not a calendar date.
    fn day(&mut self, pair: &Pair<'_, Rule>) -> Spanned<Option<chrono::NaiveDate>> {
        self.lit(pair, |t| literal::date(t).map(Some), None)
    }

    fn datetime(&mut self, pair: &Pair<'_, Rule>) -> Spanned<chrono::NaiveDateTime> {
        self.lit(pair, literal::datetime, chrono::NaiveDateTime::MIN)
    }

    fn duration(&mut self, pair: &Pair<'_, Rule>) -> Spanned<Duration> {
        let zero = Duration {
            seconds: 0,
            unit: DurationUnit::Days,
        };
        self.lit(pair, literal::duration, zero)
    }

    fn percent(&mut self, pair: &Pair<'_, Rule>) -> Spanned<crate::money::Rate> {
        self.lit(pair, literal::percent, Default::default())
    }
}

/// Length of `text` without trailing whitespace and `//` comments.
fn meaningful_len(text: &str) -> usize {
    let mut end = text.len();
    loop {
        let trimmed = text[..end].trim_end_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        if trimmed.len() == end && end < text.len() {
            return end;
        }
        end = trimmed.len();
        // A comment runs to the end of its line: look for `//` outside a string on the
        // last line (only its last stretch, so long lines stay linear).
        let line_start = crate::source::line_start_before(trimmed, trimmed.len());
        let mut from = line_start.max(end.saturating_sub(2048));
        while !trimmed.is_char_boundary(from) {
            from += 1;
        }
        match comment_start(&trimmed[from..]) {
            Some(i) => end = from + i,
            None => return end,
        }
    }
}

/// Where a `//` comment starts in one line, ignoring `//` inside strings.
fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
    }
    None
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::NestingTooDeep,
        span,
        format!("this nests deeper than {MAX_NESTING} levels"),
    )
    .label("too deep")
    .help("split the expression into named segments")
}
