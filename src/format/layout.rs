//! From printed lines to the final text: comments put back, blank lines kept,
//! trailing comments aligned.
//!
//! The printer produces code lines, each knowing the stretch of source it came from.
//! Every comment goes to the first line whose stretch ends after it: on the line
//! before it, as a trailing comment, when it followed that line's code on the same
//! source line; otherwise on a line of its own just above. A comment written inside
//! what became one line moves above that line. So comments keep their order, and
//! formatting the output again puts each one in the same place.

use unicode_width::UnicodeWidthStr;

use super::comments::Comment;

/// Spaces per indentation level.
pub const INDENT: &str = "  ";

/// What a line is, for blank lines and the indentation of comments above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A declaration, clause, field, arm or test statement: a blank line above it in
    /// the source is kept.
    Statement,
    /// The rest of a broken expression: never preceded by a blank line.
    Continuation,
    /// A closing `}`: comments above it belong to the block, one level deeper.
    Closer,
}

/// One printed line of code.
#[derive(Debug, Clone)]
pub struct Line {
    /// Indentation level.
    pub indent: usize,
    /// The code.
    pub text: String,
    /// Where its code starts in the source.
    pub start: usize,
    /// Where its code ends in the source.
    pub end: usize,
    /// Its role.
    pub kind: Kind,
    /// Whether it ends with an opening `{`.
    pub opens: bool,
    /// A blank line goes above it (and above the comments that lead it) whatever the
    /// source had: between top-level declarations when one spans several lines.
    pub force_blank: bool,
}

/// One line of the output.
enum Out {
    Blank,
    Comment {
        indent: usize,
        text: String,
    },
    Code {
        line: Line,
        trailing: Option<String>,
    },
}

/// Lays out `lines` with the `comments` of `source` and returns the file's text.
pub fn render(lines: Vec<Line>, comments: &[Comment], source: &str) -> String {
    let mut out: Vec<Out> = Vec::with_capacity(lines.len() + comments.len());
    let mut pending = comments.iter().peekable();
    // End in the source of what was output last, and whether it opened a block.
    let mut last_end: Option<usize> = None;
    let mut last_opens = false;
    for line in lines {
        let mut group_started = false;
        while let Some(c) = pending.next_if(|c| c.start < line.end.max(line.start + 1)) {
            if attach_trailing(&mut out, c, source) {
                last_end = Some(c.end);
                continue;
            }
            // A comment from inside the line's code only counts the blank lines
            // before that code, as it will once it stands above the line.
            let gap_end = c.start.min(line.start);
            let blank = last_end.is_some()
                && !last_opens
                && line.kind != Kind::Continuation
                && ((line.force_blank && !group_started)
                    || last_end.is_some_and(|e| blank_between(source, e, gap_end)));
            if blank {
                out.push(Out::Blank);
            }
            group_started = true;
            let indent = line.indent + usize::from(line.kind == Kind::Closer);
            out.push(Out::Comment {
                indent,
                text: c.text.clone(),
            });
            last_end = Some(c.end);
            last_opens = false;
        }
        let blank = last_end.is_some()
            && !last_opens
            && line.kind == Kind::Statement
            && ((line.force_blank && !group_started)
                || last_end.is_some_and(|e| blank_between(source, e, line.start)));
        if blank {
            out.push(Out::Blank);
        }
        last_end = Some(line.end);
        last_opens = line.opens;
        out.push(Out::Code {
            line,
            trailing: None,
        });
    }
    for c in pending {
        if attach_trailing(&mut out, c, source) {
            last_end = Some(c.end);
            continue;
        }
        if last_end.is_some_and(|e| blank_between(source, e, c.start)) {
            out.push(Out::Blank);
        }
        out.push(Out::Comment {
            indent: 0,
            text: c.text.clone(),
        });
        last_end = Some(c.end);
    }
    text(out)
}

/// Attaches `c` to the last output line when that is code which `c` followed on the
/// same source line.
fn attach_trailing(out: &mut [Out], c: &Comment, source: &str) -> bool {
    let Some(Out::Code { line, trailing }) = out.last_mut() else {
        return false;
    };
    let same_line = c.start >= line.end
        && source
            .get(line.end..c.start)
            .is_some_and(|gap| !gap.contains(['\n', '\r']));
    if trailing.is_none() && same_line {
        *trailing = Some(c.text.clone());
        true
    } else {
        false
    }
}

/// Whether the source between `from` and `to` holds an empty line.
pub fn blank_between(source: &str, from: usize, to: usize) -> bool {
    let Some(gap) = source.get(from..to) else {
        return false;
    };
    let mut newlines = 0;
    let mut after_cr = false;
    for c in gap.chars() {
        let crlf = after_cr && c == '\n';
        after_cr = c == '\r';
        match c {
            // `\n`, `\r\n` and a lone `\r` each end a line.
            '\n' | '\r' if !crlf => {
                newlines += 1;
                if newlines == 2 {
                    return true;
                }
            }
            c if c.is_whitespace() || c == '\u{FEFF}' => {}
            _ => newlines = 0,
        }
    }
    false
}

/// The final text. Trailing comments on consecutive code lines start in one column,
/// two spaces after the longest of those lines.
fn text(out: Vec<Out>) -> String {
    let widths: Vec<usize> = out
        .iter()
        .map(|o| match o {
            Out::Code { line, .. } => line.indent * INDENT.len() + line.text.width(),
            _ => 0,
        })
        .collect();
    let mut columns = vec![0; out.len()];
    let mut i = 0;
    while i < out.len() {
        let has_trailing = |o: &Out| {
            matches!(
                o,
                Out::Code {
                    trailing: Some(_),
                    ..
                }
            )
        };
        if !has_trailing(&out[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < out.len() && has_trailing(&out[j]) {
            j += 1;
        }
        let column = widths[i..j].iter().max().copied().unwrap_or(0) + 2;
        columns[i..j].iter_mut().for_each(|c| *c = column);
        i = j;
    }
    let mut s = String::new();
    for (k, o) in out.iter().enumerate() {
        match o {
            Out::Blank => {}
            Out::Comment { indent, text } => {
                s.push_str(&INDENT.repeat(*indent));
                s.push_str(text);
            }
            Out::Code { line, trailing } => {
                s.push_str(&INDENT.repeat(line.indent));
                s.push_str(&line.text);
                if let Some(t) = trailing {
                    s.push_str(&" ".repeat(columns[k].saturating_sub(widths[k])));
                    s.push_str(t);
                }
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_are_found_across_whitespace_only() {
        assert!(blank_between("a\n  \n b", 1, 6));
        assert!(!blank_between("a\n// c\nb", 1, 7));
        assert!(blank_between("a\r\n\r\nb", 1, 5));
        assert!(!blank_between("ab", 2, 1));
    }
}
