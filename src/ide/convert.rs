//! Between the analysis (paths, byte offsets, spans) and the protocol (URIs,
//! lines and UTF-16 columns).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types as lsp;

use super::Analysis;
use super::line_index::{LineIndex, Position};
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::{FileId, Span};

/// The path of a `file:` URI.
pub fn path_of(uri: &lsp::Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

/// The `file:` URI of `path`, made absolute and with `.` and `..` taken out (a
/// `use "../shared.playbook"` names the file the editor knows as `shared.playbook`).
pub fn uri_of(path: &Path) -> Option<lsp::Uri> {
    let mut absolute = PathBuf::new();
    for part in std::path::absolute(path).ok()?.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                absolute.pop();
            }
            other => absolute.push(other),
        }
    }
    let url = url::Url::from_file_path(absolute).ok()?;
    lsp::Uri::from_str(url.as_str()).ok()
}

/// The protocol's position of byte `offset` in `text`.
pub fn position(index: &LineIndex, text: &str, offset: usize) -> lsp::Position {
    let p = index.position(text, offset);
    lsp::Position::new(p.line, p.utf16)
}

/// The byte offset of a protocol position in `text`.
pub fn offset(index: &LineIndex, text: &str, p: lsp::Position) -> usize {
    index.offset(
        text,
        Position {
            line: p.line,
            utf16: p.character,
        },
    )
}

/// The protocol's range of `span` (in `text`).
pub fn range(index: &LineIndex, text: &str, span: Span) -> lsp::Range {
    lsp::Range::new(
        position(index, text, span.start),
        position(index, text, span.end),
    )
}

/// Converts spans of one analysis, indexing each file's lines once.
pub struct Spans<'a> {
    analysis: &'a Analysis,
    /// The URIs of the open files, as the client wrote them.
    uris: &'a std::collections::HashMap<PathBuf, lsp::Uri>,
    indexes: std::collections::HashMap<FileId, LineIndex>,
}

impl<'a> Spans<'a> {
    /// Converter for the files of `analysis`; `uris` are the open files' URIs by
    /// their paths' canonical form.
    pub fn new(
        analysis: &'a Analysis,
        uris: &'a std::collections::HashMap<PathBuf, lsp::Uri>,
    ) -> Spans<'a> {
        Spans {
            analysis,
            uris,
            indexes: std::collections::HashMap::new(),
        }
    }

    /// The range of `span` in its file.
    pub fn range(&mut self, span: Span) -> lsp::Range {
        let text = self.analysis.text(span.file);
        let index = self
            .indexes
            .entry(span.file)
            .or_insert_with(|| LineIndex::new(text));
        range(index, text, span)
    }

    /// The location of `span`: its file's URI and range.
    pub fn location(&mut self, span: Span) -> Option<lsp::Location> {
        let path = self.analysis.path(span.file);
        let uri = match self.uris.get(&super::key(&path)) {
            Some(uri) => uri.clone(),
            None => uri_of(&path)?,
        };
        Some(lsp::Location::new(uri, self.range(span)))
    }

    /// A checker diagnostic as the protocol shows it: code, message with its label
    /// and help, and the related places.
    pub fn diagnostic(&mut self, d: &Diagnostic) -> lsp::Diagnostic {
        let mut message = d.message.clone();
        if !d.label.is_empty() {
            message.push_str(&format!(" ({})", d.label));
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let related: Vec<lsp::DiagnosticRelatedInformation> = d
            .related
            .iter()
            .filter_map(|l| {
                Some(lsp::DiagnosticRelatedInformation {
                    location: self.location(l.span)?,
                    message: l.message.clone(),
                })
            })
            .collect();
        lsp::Diagnostic {
            range: self.range(d.span),
            severity: Some(match d.severity() {
                Severity::Error => lsp::DiagnosticSeverity::ERROR,
                Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            }),
            code: Some(lsp::NumberOrString::String(d.code.code().to_owned())),
            source: Some("playbook".to_owned()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..lsp::Diagnostic::default()
        }
    }
}
