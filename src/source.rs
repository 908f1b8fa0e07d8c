//! Source files, spans and line/column positions.

use std::sync::{Arc, OnceLock};

use crate::terminal::ShownSource;

/// Which loaded file a span points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range `[start, end)` in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span in `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers nothing.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A 1-based line and column; columns count characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LineCol {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

/// One loaded source text with its name as shown to the user.
#[derive(Debug, Clone)]
pub struct SourceFile {
    name: String,
    text: Arc<str>,
    line_starts: Vec<usize>,
    /// The line number of the text's first line (1 for a whole file; more for a
    /// piece of a longer input, such as one statement typed into the REPL).
    first_line: usize,
    /// The text as a terminal shows it, made once: rendering many diagnostics of a
    /// long file must not copy it for each.
    shown: OnceLock<Arc<ShownSource>>,
}

impl SourceFile {
    /// Loads `text` under the display name `name`.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        let line_starts = line_starts(&text);
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            first_line: 1,
            shown: OnceLock::new(),
        }
    }

    /// Loads `text`, a piece of a longer input whose first line is line `first_line`
    /// of that input, so positions are reported as the user counts lines.
    pub fn starting_at_line(
        name: impl Into<String>,
        text: impl Into<Arc<str>>,
        first_line: usize,
    ) -> SourceFile {
        SourceFile {
            first_line: first_line.max(1),
            ..SourceFile::new(name, text)
        }
    }

    /// The text as a terminal may show it ([`ShownSource`]), made on first use.
    pub fn shown(&self) -> &ShownSource {
        self.shown
            .get_or_init(|| Arc::new(ShownSource::new(&self.text)))
    }

    /// The line number of the text's first line.
    pub fn first_line(&self) -> usize {
        self.first_line
    }

    /// The display name (usually the path given on the command line).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text, shared.
    pub fn shared_text(&self) -> Arc<str> {
        self.text.clone()
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    /// The 0-based index of the line holding byte `offset` (clamped to the text),
    /// counting from the text's own first line; a binary search, not a scan.
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    /// The byte offset where 0-based line `index` starts, `None` past the last line.
    pub fn line_start(&self, index: usize) -> Option<usize> {
        self.line_starts.get(index).copied()
    }

    /// Line and character column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        LineCol {
            line: line.saturating_add(self.first_line),
            column,
        }
    }
}

impl SourceFile {
    /// The same file with every character outside `keep` blanked: the same lines,
    /// byte offsets and character columns, so every position still points where it
    /// did, but nothing else of the text can be shown.
    pub fn masked_except(&self, keep: Span) -> SourceFile {
        let masked: String = self
            .text
            .char_indices()
            .map(|(i, c)| {
                if (keep.start..keep.end).contains(&i) || c == '\n' || c == '\r' {
                    c
                } else {
                    blank_of_len(c.len_utf8())
                }
            })
            .collect();
        SourceFile {
            text: masked.into(),
            shown: OnceLock::new(),
            ..self.clone()
        }
    }
}

/// A blank character with the given UTF-8 length (ideographic space for CJK).
fn blank_of_len(len: usize) -> char {
    match len {
        1 => ' ',
        2 => '\u{a0}',
        3 => '\u{3000}',
        _ => '\u{e0020}',
    }
}

/// Where each line of `text` starts. One rule for every position the tool reports:
/// `\n`, `\r\n` and a lone `\r` each end a line.
pub fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, _) in text.match_indices(['\n', '\r']) {
        if bytes[i] == b'\n' && i > 0 && bytes[i - 1] == b'\r' {
            *starts.last_mut().unwrap_or(&mut 0) = i + 1; // the `\n` of a `\r\n`
        } else {
            starts.push(i + 1);
        }
    }
    starts
}

/// The byte offset where the line holding `at` starts (see [`line_starts`]).
pub fn line_start_before(text: &str, at: usize) -> usize {
    text.get(..at)
        .and_then(|before| before.rfind(['\n', '\r']))
        .map_or(0, |i| i + 1)
}

/// The byte offset where the first line of `text` ends: its first `\n` or `\r`.
pub fn line_end(text: &str) -> usize {
    text.find(['\n', '\r']).unwrap_or(text.len())
}

/// Reads a playbook file as text; bytes that are not UTF-8 are reported with their
/// place: `not valid UTF-8 at byte 1234 (line 5)`.
pub fn read_source(path: &std::path::Path) -> std::io::Result<String> {
    decode_source(std::fs::read(path)?)
}

/// Playbook text from bytes (a file, standard input), as [`read_source`].
pub fn decode_source(bytes: Vec<u8>) -> std::io::Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let valid = std::str::from_utf8(&e.as_bytes()[..at]).unwrap_or_default();
        let line = line_starts(valid).len();
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not valid UTF-8 at byte {at} (line {line})"),
        )
    })
}

/// All files of one check, indexed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Files read because a string in another file names them (a header's
    /// `calendar "…"`), by that string's span.
    named: Vec<(Span, FileId)>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// Replaces the file with this id (its id stays valid).
    pub fn replace(&mut self, id: FileId, file: SourceFile) {
        self.files[id.0 as usize] = file;
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Records that `file` was read for the path written at `at`.
    pub fn name_file(&mut self, at: Span, file: FileId) {
        self.named.push((at, file));
    }

    /// The file read for the path written at `at`, if it could be read.
    pub fn named_file(&self, at: Span) -> Option<FileId> {
        self.named.iter().find(|(s, _)| *s == at).map(|(_, f)| *f)
    }

    /// All files.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let f = SourceFile::new("t", "ab\n潜客 = x\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        let x = f.text().find('x').unwrap();
        assert_eq!(f.line_col(x), LineCol { line: 2, column: 6 });
        assert_eq!(f.line_col(10_000).line, 3);
    }

    #[test]
    fn every_line_ending_style_ends_a_line() {
        for text in ["a\nb\nc", "a\r\nb\r\nc", "a\rb\rc", "a\r\nb\rc"] {
            let f = SourceFile::new("t", text);
            let c = text.find('c').unwrap();
            assert_eq!(f.line_col(c), LineCol { line: 3, column: 1 }, "{text:?}");
            assert_eq!(line_start_before(text, c), c, "{text:?}");
        }
        assert_eq!(line_starts("\r\n\r\n"), [0, 2, 4]);
        assert_eq!(line_starts("\n\r"), [0, 1, 2]);
        assert_eq!(line_end("ab\rc"), 2);
    }

    #[test]
    fn invalid_utf8_is_placed() {
        let err = decode_source(b"a\nb\r\nc\xff".to_vec()).unwrap_err();
        assert_eq!(err.to_string(), "not valid UTF-8 at byte 6 (line 3)");
        assert_eq!(decode_source(b"ok".to_vec()).unwrap(), "ok");
    }

    #[test]
    fn a_piece_counts_lines_from_its_first_line() {
        let f = SourceFile::starting_at_line("<stdin>", "a\nb", 7);
        assert_eq!(f.line_col(2), LineCol { line: 8, column: 1 });
    }
}
