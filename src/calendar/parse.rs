//! The calendar text format, read line by line into statements with byte spans.
//!
//! This file only reads what each line says and the errors a line shows by
//! itself (bad dates, backward ranges, unknown words, a day both off and work in
//! one entry, a date outside its `year` block). What needs the whole file or the
//! calendar it overrides — a day listed twice, a year declared twice, a day in a
//! year nothing covers — is judged in `mod.rs`.

use std::ops::Range;

use chrono::{Datelike, NaiveDate};

use super::CalendarError;

/// One line that says something.
#[derive(Debug)]
pub(super) enum Statement {
    /// `year N`: the year is covered, and the entries below belong to its block.
    Year { year: i32, span: Range<usize> },
    /// `source TEXT`, for the block it is in.
    Source { year: i32, text: String },
    /// One day of an entry (ranges come out day by day).
    Day(DayLine),
}

/// A day an entry names, with what it makes of it.
#[derive(Debug)]
pub(super) struct DayLine {
    pub date: NaiveDate,
    pub off: bool,
    /// Index into [`Parsed::names`].
    pub name: usize,
    /// The date or range that named it.
    pub span: Range<usize>,
    /// The `year` block it was written in, if any.
    pub block: Option<i32>,
}

/// A whole file read.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub statements: Vec<Statement>,
    /// Entry names, each once per entry line.
    pub names: Vec<String>,
    pub errors: Vec<CalendarError>,
}

/// Longest range accepted: a year. Longer is a typo, and would be a lot of days.
const MAX_RANGE_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokKind {
    Word,
    Quoted,
    DotDot,
}

#[derive(Debug, Clone)]
struct Tok<'a> {
    kind: TokKind,
    text: &'a str,
    span: Range<usize>,
}

fn error(span: Range<usize>, message: impl Into<String>, help: Option<&str>) -> CalendarError {
    CalendarError {
        span,
        message: message.into(),
        help: help.map(str::to_owned),
    }
}

/// Separators between words: whitespace (the ideographic space included) and commas.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == ',' || c == '，'
}

/// The tokens of one line that starts at byte `base`, up to a comment. A comment
/// starts only where a word would, so a URL's `//` or `#` stays in its word.
fn tokens<'a>(line: &'a str, base: usize, errors: &mut Vec<CalendarError>) -> Vec<Tok<'a>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        let Some(c) = rest.chars().next() else { break };
        if is_separator(c) {
            i += c.len_utf8();
        } else if c == '#' || rest.starts_with("//") {
            break;
        } else if rest.starts_with("..") {
            out.push(Tok {
                kind: TokKind::DotDot,
                text: "..",
                span: base + i..base + i + 2,
            });
            i += 2;
        } else if c == '"' {
            match rest[1..].find('"') {
                Some(end) => {
                    out.push(Tok {
                        kind: TokKind::Quoted,
                        text: &rest[1..1 + end],
                        span: base + i..base + i + end + 2,
                    });
                    i += end + 2;
                }
                None => {
                    errors.push(error(
                        base + i..base + line.len(),
                        "this quoted name has no closing `\"`",
                        Some("close the name on the same line"),
                    ));
                    break;
                }
            }
        } else {
            // A word ends at a separator or at `..`, so `2026-05-01..2026-05-05` is a range.
            let end = rest
                .char_indices()
                .find(|&(j, ch)| is_separator(ch) || rest[j..].starts_with(".."))
                .map_or(rest.len(), |(j, _)| j);
            out.push(Tok {
                kind: TokKind::Word,
                text: &rest[..end],
                span: base + i..base + i + end,
            });
            i += end;
        }
    }
    out
}

/// Whether a word is shaped like a date (`2026-5-1` too), valid or not.
fn date_shaped(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 4
        && parts[1..].iter().all(|p| (1..=2).contains(&p.len()))
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// A date word: `2026-05-01`.
fn date(tok: &Tok<'_>) -> Result<NaiveDate, CalendarError> {
    if tok.kind != TokKind::Word || !date_shaped(tok.text) {
        return Err(error(
            tok.span.clone(),
            format!("expected a date like 2026-05-01, found `{}`", tok.text),
            None,
        ));
    }
    let mut parts = tok.text.split('-').map(str::parse::<u32>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return Err(error(tok.span.clone(), "unreadable date", None));
    };
    i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or_else(|| {
            error(
                tok.span.clone(),
                format!("no such date: {}", tok.text),
                Some("check the month's length"),
            )
        })
}

/// Reads a calendar file. Errors of every line are collected; a line with an error
/// adds none of its days.
pub(super) fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut block: Option<i32> = None;
    // A byte order mark is no part of the first line (offsets stay the file's).
    let bom = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    let mut base = bom;
    // Lines end as in playbook files: `\n`, `\r\n` or a lone `\r` (a `\r\n` makes
    // an extra empty line here, which holds nothing).
    for raw in text[bom..].split_inclusive(['\n', '\r']) {
        let line = raw.trim_end_matches(['\n', '\r']);
        parse_line(line, base, &mut block, &mut parsed);
        base += raw.len();
    }
    parsed
}

fn parse_line(line: &str, base: usize, block: &mut Option<i32>, parsed: &mut Parsed) {
    let errors = &mut parsed.errors;
    let toks = tokens(line, base, errors);
    let Some(first) = toks.first() else { return };
    match (first.kind, first.text) {
        (TokKind::Word, "year") => {
            let Some(number) = toks.get(1) else {
                errors.push(error(
                    first.span.clone(),
                    "`year` needs the year it declares",
                    Some("write it like `year 2027`"),
                ));
                return;
            };
            if let Some(extra) = toks.get(2) {
                errors.push(error(
                    extra.span.clone(),
                    format!("unexpected `{}` after the year", extra.text),
                    Some("a `year` line holds only the year; days go on lines below it"),
                ));
            }
            match number.text.parse::<i32>() {
                Ok(year) if (1..=9999).contains(&year) => {
                    *block = Some(year);
                    parsed.statements.push(Statement::Year {
                        year,
                        span: first.span.start..number.span.end,
                    });
                }
                _ => errors.push(error(
                    number.span.clone(),
                    format!("`{}` is not a year", number.text),
                    Some("write it like `year 2027`"),
                )),
            }
        }
        (TokKind::Word, "source") => {
            // The rest of the line, as written: a title and URL may hold `#` and `//`.
            let offset = first.span.end - base;
            let text = line[offset..].trim();
            match *block {
                _ if text.is_empty() => errors.push(error(
                    first.span.clone(),
                    "`source` needs the document it names",
                    Some("write the notice's title and URL after `source`"),
                )),
                Some(year) => parsed.statements.push(Statement::Source {
                    year,
                    text: text.to_owned(),
                }),
                None => errors.push(error(
                    first.span.clone(),
                    "`source` outside a year",
                    Some("write it on a line after `year N`, for the year it documents"),
                )),
            }
        }
        (TokKind::Word, "off" | "work") => errors.push(error(
            first.span.clone(),
            format!("`{}` needs the holiday's name before it", first.text),
            Some("write the entry like `元旦 off 2026-01-01 .. 2026-01-03`"),
        )),
        (TokKind::DotDot, _) => errors.push(error(
            first.span.clone(),
            "an entry starts with its name, not `..`",
            None,
        )),
        (TokKind::Word, word) if date_shaped(word) => errors.push(error(
            first.span.clone(),
            "an entry starts with its name, not a date",
            Some("write the entry like `公司年会 off 2026-01-30`"),
        )),
        _ => entry(&toks, *block, parsed),
    }
}

/// `NAME (off|work) DAYS ...`: the days go to `parsed` only if the line has no error.
fn entry(toks: &[Tok<'_>], block: Option<i32>, parsed: &mut Parsed) {
    let errors_before = parsed.errors.len();
    let errors = &mut parsed.errors;
    let Some(name_tok) = toks.first() else { return };
    let name = name_tok.text.to_owned();
    let mut days: Vec<(NaiveDate, bool, Range<usize>)> = Vec::new();
    // The keyword in force and whether it has named a day yet.
    let mut kind: Option<(bool, &Tok<'_>, bool)> = None;
    let mut i = 1;
    while let Some(tok) = toks.get(i) {
        i += 1;
        if tok.kind == TokKind::Word && (tok.text == "off" || tok.text == "work") {
            if let Some((_, k, false)) = kind {
                errors.push(needs_a_date(k));
            }
            kind = Some((tok.text == "off", tok, false));
            continue;
        }
        let Some((off, _, named)) = kind.as_mut() else {
            errors.push(unknown(tok, "after the name"));
            return;
        };
        *named = true;
        if tok.kind == TokKind::DotDot {
            errors.push(error(tok.span.clone(), "`..` needs a date before it", None));
            continue;
        }
        if tok.kind == TokKind::Word
            && !date_shaped(tok.text)
            && !tok.text.starts_with(|c: char| c.is_ascii_digit())
        {
            errors.push(unknown(tok, "in an entry"));
            continue;
        }
        let start = match date(tok) {
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut span = tok.span.clone();
        let mut end = start;
        if toks.get(i).is_some_and(|t| t.kind == TokKind::DotDot) {
            let dots = &toks[i];
            i += 1;
            let Some(end_tok) = toks.get(i).filter(|t| t.kind != TokKind::DotDot) else {
                errors.push(error(
                    dots.span.clone(),
                    "a range needs an end date",
                    Some("write it like `2026-05-01 .. 2026-05-05`"),
                ));
                continue;
            };
            i += 1;
            span.end = end_tok.span.end;
            match date(end_tok) {
                Ok(d) => end = d,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            }
            if end < start {
                errors.push(error(
                    span,
                    format!("this range runs backwards: {end} comes before {start}"),
                    Some("write the earlier day first"),
                ));
                continue;
            }
            if (end - start).num_days() >= MAX_RANGE_DAYS {
                errors.push(error(
                    span,
                    "this range is longer than a year",
                    Some("a range lies within one year's block"),
                ));
                continue;
            }
        }
        if let Some(year) = block {
            for d in [start, end] {
                let before = NaiveDate::from_ymd_opt(year - 1, 12, 1).unwrap_or(NaiveDate::MIN);
                if d.year() != year && !(d.year() == year - 1 && d >= before) {
                    errors.push(error(
                        span.clone(),
                        format!("{d} is outside `year {year}`"),
                        Some(
                            "a year's block holds its own days (and December days before it that \
                             its notice moves); start a `year` block for this day's year",
                        ),
                    ));
                    break;
                }
            }
        }
        let mut d = start;
        loop {
            days.push((d, *off, span.clone()));
            match d.succ_opt() {
                Some(next) if next <= end => d = next,
                _ => break,
            }
        }
    }
    match kind {
        None => {
            errors.push(error(
                name_tok.span.clone(),
                format!("`{}` needs `off` or `work` and its days", name_tok.text),
                Some("write the entry like `公司年会 off 2026-01-30`"),
            ));
            return;
        }
        Some((_, k, false)) => errors.push(needs_a_date(k)),
        Some(_) => {}
    }
    // A day both off and work in one entry: the entry contradicts itself.
    let mut seen: Vec<(NaiveDate, bool)> = Vec::with_capacity(days.len());
    for (date, off, span) in &days {
        if seen.iter().any(|&(d, o)| d == *date && o != *off) {
            errors.push(error(
                span.clone(),
                format!("{date} is both off and work in this entry"),
                Some("a day is either a day off or a working day; list it once"),
            ));
        }
        seen.push((*date, *off));
    }
    if parsed.errors.len() > errors_before {
        return;
    }
    let name_index = parsed.names.len();
    parsed.names.push(name);
    for (date, off, span) in days {
        parsed.statements.push(Statement::Day(DayLine {
            date,
            off,
            name: name_index,
            span,
            block,
        }));
    }
}

fn needs_a_date(keyword: &Tok<'_>) -> CalendarError {
    error(
        keyword.span.clone(),
        format!("`{}` needs at least one date", keyword.text),
        Some("write dates or ranges after it: `off 2026-05-01 .. 2026-05-05`"),
    )
}

fn unknown(tok: &Tok<'_>, place: &str) -> CalendarError {
    error(
        tok.span.clone(),
        format!("unknown word `{}` {place}", tok.text),
        Some("an entry is a name, then `off` or `work` followed by dates or ranges"),
    )
}
