//! Showing diagnostics: miette's graphical report for people, JSON for tools, and
//! GitHub Actions workflow commands for CI annotations.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde_json::{Value, json};

use super::{Diagnostic, Severity};
use crate::source::{SourceFile, SourceMap, Span};
use crate::terminal::{ShownSource, escape};

/// Output formats of `playbook check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// miette's graphical report.
    Human {
        /// ANSI colours.
        color: bool,
    },
    /// One JSON object with every diagnostic.
    Json,
    /// `::error file=…` workflow commands.
    Github,
}

/// Renders `diagnostics` in `format`; the text ends with a newline unless empty.
pub fn render(format: Format, diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    match format {
        Format::Human { color } => diagnostics
            .iter()
            .map(|d| render_human(d, sources, color))
            .collect(),
        Format::Json => {
            let mut text = render_json_value(diagnostics, sources).to_string();
            text.push('\n');
            text
        }
        Format::Github => diagnostics
            .iter()
            .map(|d| render_github(d, sources))
            .collect(),
    }
}

/// One diagnostic as miette draws it, with the file name and source snippet. Text
/// from the file is shown safe for a terminal ([`crate::terminal`]).
pub fn render_human(diagnostic: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let file = sources.get(diagnostic.span.file);
    let shown = file.shown();
    let view = MietteView {
        diagnostic,
        text_len: shown.text.len(),
        source: CharColumns {
            name: escape(file.name()).into_owned(),
            file,
            shown,
        },
    };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    if handler.render_report(&mut out, &view).is_err() {
        // Rendering into a String cannot fail short of a bug in miette; fall back to
        // the plain form rather than lose the diagnostic.
        out = plain(diagnostic, file);
    }
    out
}

fn plain(d: &Diagnostic, file: &SourceFile) -> String {
    let at = file.line_col(d.span.start);
    format!(
        "{}[{}]: {} at {}:{}:{}\n",
        d.severity().as_str(),
        d.code.code(),
        escape(&d.message),
        escape(file.name()),
        at.line,
        at.column
    )
}

struct MietteView<'a> {
    diagnostic: &'a Diagnostic,
    source: CharColumns<'a>,
    text_len: usize,
}

/// A named source whose reported columns count characters, as the JSON output does
/// (miette's own count bytes, which disagree on every Chinese line). miette reads
/// the shown text ([`crate::terminal`]); positions are counted in the original.
///
/// miette reads a span by counting lines from the start of the text, which made
/// rendering every diagnostic of a long file quadratic. Here the file's line table
/// finds the lines around the span and miette reads only those: the cost of one
/// diagnostic is the size of its snippet, not its distance from the top.
struct CharColumns<'a> {
    name: String,
    file: &'a SourceFile,
    shown: &'a ShownSource,
}

impl SourceCode for CharColumns<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let (file, shown) = (self.file, self.shown);
        let text = shown.text.as_str();
        let start = span.offset().min(text.len());
        let end = span.offset().saturating_add(span.len()).min(text.len());
        // Lines are found in the original's line table: the shown text has the same
        // lines (only a lone `\r` became `\n`, and escapes hold no line break).
        let line_of = |shown_at: usize| file.line_index(shown.original(shown_at));
        let line_start = |line: usize| file.line_start(line).map(|o| shown.shown(o));
        // The lines miette looks at: `before` lines above the span's first line (and
        // the one before, as miette can stop a byte before an empty span), and one
        // more than it reads below the last (so it stops before the window ends).
        let window_line = line_of(start.saturating_sub(1)).saturating_sub(before);
        let last_line = line_of(end);
        let lo = line_start(window_line).unwrap_or(0);
        let hi =
            line_start(last_line.saturating_add(after).saturating_add(2)).unwrap_or(text.len());
        let window = text.get(lo..hi).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - lo.min(span.offset())).into(), span.len());
        let inner = window.read_span(&local, before, after)?;
        let offset = inner.span().offset() + lo;
        let at = shown.original(offset).min(file.text().len());
        let from = file.line_start(file.line_index(at)).unwrap_or(0);
        let column = file.text().get(from..at).map_or(0, |s| s.chars().count());
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                SourceSpan::new(offset.into(), inner.span().len()),
                (inner.line() + window_line).saturating_add(self.file.first_line() - 1),
                column,
                inner.line_count() + window_line,
            )
            .with_language("playbook"),
        ))
    }
}

impl fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape(&self.diagnostic.message))
    }
}

impl std::error::Error for MietteView<'_> {}

impl miette::Diagnostic for MietteView<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let code = self.diagnostic.code;
        Some(Box::new(format!("{}({})", code.code(), code.name())))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(escape(h)) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let primary = LabeledSpan::new_primary_with_span(
            (!d.label.is_empty()).then(|| escape(&d.label).into_owned()),
            self.clamp(d.span),
        );
        let related = d
            .related
            .iter()
            .filter(|l| l.span.file == d.span.file)
            .map(|l| {
                let message = escape(&l.message).into_owned();
                LabeledSpan::new_with_span(Some(message), self.clamp(l.span))
            });
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

impl MietteView<'_> {
    fn clamp(&self, span: Span) -> (usize, usize) {
        let (start, end) = (
            self.source.shown.shown(span.start),
            self.source.shown.shown(span.end),
        );
        let start = start.min(self.text_len);
        let end = end.clamp(start, self.text_len);
        (start, end - start)
    }
}

/// The JSON object of `check --format json` (RUNTIME.md).
pub fn render_json_value(diagnostics: &[Diagnostic], sources: &SourceMap) -> Value {
    let list: Vec<Value> = diagnostics.iter().map(|d| json_one(d, sources)).collect();
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .count();
    json!({
        "diagnostics": list,
        "errors": errors,
        "warnings": diagnostics.len() - errors,
    })
}

fn json_one(d: &Diagnostic, sources: &SourceMap) -> Value {
    let file = sources.get(d.span.file);
    let (start, end) = (file.line_col(d.span.start), file.line_col(d.span.end));
    let mut labels = vec![json!({
        "line": start.line, "column": start.column,
        "end_line": end.line, "end_column": end.column,
        "message": d.label,
    })];
    for l in &d.related {
        let f = sources.get(l.span.file);
        let (s, e) = (f.line_col(l.span.start), f.line_col(l.span.end));
        labels.push(json!({
            "line": s.line, "column": s.column, "end_line": e.line, "end_column": e.column,
            "message": l.message, "file": f.name(),
        }));
    }
    json!({
        "code": d.code.code(),
        "name": d.code.name(),
        "severity": d.severity().as_str(),
        "message": d.message,
        "help": d.help,
        "file": file.name(),
        "line": start.line,
        "column": start.column,
        "end_line": end.line,
        "end_column": end.column,
        "labels": labels,
    })
}

fn render_github(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    github_command(
        d.severity().as_str(),
        sources,
        d.span,
        &format!("{} {}", d.code.code(), d.code.name()),
        &message,
    )
}

/// One GitHub Actions workflow command (`::error file=…,line=…::message`) for a place
/// in a source file, escaped as the Actions toolkit does it; `level` is `error`,
/// `warning` or `notice`.
pub fn github_command(
    level: &str,
    sources: &SourceMap,
    span: Span,
    title: &str,
    message: &str,
) -> String {
    let file = sources.get(span.file);
    let (start, end) = (file.line_col(span.start), file.line_col(span.end));
    format!(
        "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
        escape_property(&escape(file.name())),
        start.line,
        start.column,
        end.line,
        end.column,
        escape_property(title),
        escape_data(&escape(message))
    )
}

/// A GitHub workflow command's message, escaped as the Actions toolkit does it.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A GitHub workflow command's property (`file=`, `title=`…): also `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::source::{FileId, SourceFile};

    fn sample() -> (Vec<Diagnostic>, SourceMap) {
        let mut sources = SourceMap::new();
        let id = sources.add(SourceFile::new(
            "a.playbook",
            "segment 潜客 = orderz == 0\n",
        ));
        let start = "segment 潜客 = ".len();
        let d = Diagnostic::new(
            Code::UnknownName,
            Span::new(id, start, start + 6),
            "unknown name `orderz`",
        )
        .label("not declared")
        .help("did you mean `orders`?");
        assert_eq!(id, FileId(0));
        (vec![d], sources)
    }

    #[test]
    fn json_counts_columns_in_characters() {
        let (d, s) = sample();
        let v = render_json_value(&d, &s);
        assert_eq!(v["diagnostics"][0]["line"], 1);
        assert_eq!(v["diagnostics"][0]["column"], 14);
        assert_eq!(v["diagnostics"][0]["end_column"], 20);
        assert_eq!(v["errors"], 1);
    }

    #[test]
    fn github_escapes_and_names_the_place() {
        let (d, s) = sample();
        let out = render(Format::Github, &d, &s);
        assert_eq!(
            out,
            "::error file=a.playbook,line=1,col=14,endLine=1,endColumn=20,title=E0101 unknown-name::unknown name `orderz`%0Ahelp: did you mean `orders`?\n"
        );
    }

    /// The lines around a span, read from the line table, are what miette reads by
    /// counting from the top: same text, offset, line and line count.
    #[test]
    fn reading_a_span_from_the_line_table_matches_reading_from_the_top() {
        // Line endings of every kind, and control characters that are shown escaped.
        for original in [
            "a\n\nsegment 潜客 = x\r\nfoo bar\nbaz\n\n\nend",
            "a\r\rsegment\u{1b}[2J 潜客 = x\r\nfoo\u{7} bar\rbaz\n\n\u{9b}\nend",
        ] {
            read_every_span(original);
        }
    }

    fn read_every_span(original: &str) {
        let file = SourceFile::new("t", original);
        let source = CharColumns {
            name: "t".into(),
            file: &file,
            shown: file.shown(),
        };
        let text = file.shown().text.as_str();
        for start in 0..=text.len() {
            for len in 0..=(text.len() - start).min(12) {
                for context in 0..3 {
                    let span = SourceSpan::new(start.into(), len);
                    let ours = source.read_span(&span, context, context);
                    let theirs = text.read_span(&span, context, context);
                    let (Ok(ours), Ok(theirs)) = (ours, theirs) else {
                        continue;
                    };
                    assert_eq!(ours.data(), theirs.data(), "{start}+{len}, {context}");
                    assert_eq!(ours.span(), theirs.span(), "{start}+{len}, {context}");
                    assert_eq!(ours.line(), theirs.line(), "{start}+{len}, {context}");
                    assert_eq!(ours.line_count(), theirs.line_count());
                }
            }
        }
    }

    /// Rendering costs the size of the snippet, not the distance from the top: every
    /// warning of a 50,000-line file renders, with its own line number.
    #[test]
    fn every_diagnostic_of_a_long_file_renders_with_its_line() {
        let lines = 50_000;
        let text: String = (0..lines).map(|i| format!("segment s{i} = x\n")).collect();
        let mut sources = SourceMap::new();
        let id = sources.add(SourceFile::new("long.playbook", text.as_str()));
        let mut at = 0;
        let diagnostics: Vec<Diagnostic> = text
            .lines()
            .map(|line| {
                let start = at + "segment ".len();
                at += line.len() + 1;
                Diagnostic::new(Code::UnknownName, Span::new(id, start, start + 2), "m")
            })
            .collect();
        let out = render(Format::Human { color: false }, &diagnostics, &sources);
        assert!(
            out.contains(&format!("long.playbook:{lines}:9")),
            "{}",
            &out[out.len() - 500..]
        );
    }
}
