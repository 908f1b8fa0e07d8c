//! Reading REPL input: when a statement is complete (an open bracket or a trailing
//! operator continues it on the next line), splitting piped text into statements,
//! and the words of the language for completion and highlighting.

/// Words that end an unfinished expression: a statement ending in one continues on
/// the next line.
const TRAILING_WORDS: [&str; 7] = ["and", "or", "not", "in", "exists", "by", "where"];

/// Operators that need a right operand, longest first.
const TRAILING_OPERATORS: [&str; 16] = [
    "==", "!=", "<=", ">=", "??", "->", "..", "=", "<", ">", "+", "-", "*", "/", ",", "|",
];

pub use crate::syntax::words::{BUILTINS, DECLARATION_WORDS, KEYWORDS};

/// Whether `text` is a whole statement: a command (one line), or source text whose
/// brackets are all closed and which does not end in an operator. Text that can
/// never be completed (an unterminated string, a stray closing bracket) counts as
/// complete, so the error is reported rather than waited on.
pub fn is_complete(text: &str) -> bool {
    let trimmed = text.trim_start();
    if trimmed.starts_with(':') || trimmed.is_empty() {
        return true;
    }
    let scan = scan(text);
    if scan.depth > 0 {
        return false;
    }
    let code = scan.code.trim_end();
    if TRAILING_OPERATORS.iter().any(|op| code.ends_with(op)) {
        // `->` and `..` end in `>` and `.`; a lone `.` (a field access) is no
        // operator, and neither is a closing `>` of `set<text>`.
        return code.ends_with("set<text>");
    }
    let last_word: String = code
        .chars()
        .rev()
        .take_while(|c| is_word_char(*c))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    !TRAILING_WORDS.contains(&last_word.as_str())
}

/// One statement of piped input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The line of the input it starts on, from 1.
    pub line: usize,
    /// Its text, lines joined with `\n`.
    pub text: String,
}

/// Splits piped input into statements with the same rule as the interactive
/// prompt: lines are gathered until [`is_complete`]. Blank lines between
/// statements are skipped.
pub fn split_statements(input: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut current: Option<Statement> = None;
    for (i, line) in input.lines().enumerate() {
        let statement = match current.as_mut() {
            Some(s) => {
                s.text.push('\n');
                s.text.push_str(line);
                s
            }
            None if line.trim().is_empty() => continue,
            None => current.insert(Statement {
                line: i + 1,
                text: line.to_owned(),
            }),
        };
        if is_complete(&statement.text) {
            out.extend(current.take());
        }
    }
    out.extend(current);
    out
}

/// Whether `c` may appear in a name (identifiers are Unicode letters, digits and
/// `_`, so Chinese names are words).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The input with strings and comments blanked out, and the bracket depth at its end.
struct Scan {
    code: String,
    depth: usize,
}

fn scan(text: &str) -> Scan {
    let mut code = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        code.push('\n');
                        break;
                    }
                }
            }
            '"' | '“' => {
                let close = closing_quote(c);
                code.push('"');
                while let Some(n) = chars.next() {
                    match n {
                        '\\' => {
                            chars.next();
                        }
                        '\n' => break,
                        n if n == close => break,
                        _ => {}
                    }
                }
                code.push('"');
            }
            '(' | '[' | '{' | '（' | '［' | '｛' => {
                depth += 1;
                code.push(c);
            }
            ')' | ']' | '}' | '）' | '］' | '｝' => {
                depth = depth.saturating_sub(1);
                code.push(c);
            }
            _ => code.push(c),
        }
    }
    Scan { code, depth }
}

/// A token for highlighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword of the language.
    Keyword,
    /// A name: a field, segment, reward, rule, event or built-in.
    Name,
    /// A number, money, percent, duration, date or time.
    Number,
    /// A quoted string.
    Text,
    /// A `//` comment.
    Comment,
    /// A REPL command (`:help`).
    Command,
    /// Anything else: operators, brackets, spaces.
    Other,
}

/// Splits a line into `(byte range, kind)` tokens covering all of it, for
/// highlighting.
pub fn tokens(text: &str) -> Vec<(std::ops::Range<usize>, TokenKind)> {
    let mut out: Vec<(std::ops::Range<usize>, TokenKind)> = Vec::new();
    let mut pos = 0;
    while let Some(c) = text[pos..].chars().next() {
        let (len, kind) = token_at(text, pos, c);
        let range = pos..pos + len.max(c.len_utf8());
        pos = range.end;
        match out.last_mut() {
            Some((last, TokenKind::Other)) if kind == TokenKind::Other => last.end = range.end,
            _ => out.push((range, kind)),
        }
    }
    out
}

/// The length and kind of the token starting with `c` at `pos`.
fn token_at(text: &str, pos: usize, c: char) -> (usize, TokenKind) {
    let rest = &text[pos..];
    let span_while = |skip: usize, f: fn(char) -> bool| {
        skip + rest[skip..]
            .char_indices()
            .find(|(_, n)| !f(*n))
            .map_or(rest.len() - skip, |(i, _)| i)
    };
    match c {
        ':' if text[..pos].trim().is_empty() => (span_while(1, is_word_char), TokenKind::Command),
        '/' if rest.starts_with("//") => {
            (rest.find('\n').unwrap_or(rest.len()), TokenKind::Comment)
        }
        '"' | '“' => (string_len(rest), TokenKind::Text),
        '¥' | '￥' => (
            span_while(c.len_utf8(), |n| n.is_ascii_digit() || n == ',' || n == '.'),
            TokenKind::Number,
        ),
        _ if c.is_ascii_digit() => (
            span_while(1, |n| {
                n.is_ascii_alphanumeric() || matches!(n, '.' | ':' | '-' | '%' | '折')
            }),
            TokenKind::Number,
        ),
        _ if is_word_char(c) => {
            let len = span_while(c.len_utf8(), is_word_char);
            let kind = if KEYWORDS.contains(&&rest[..len]) {
                TokenKind::Keyword
            } else {
                TokenKind::Name
            };
            (len, kind)
        }
        _ => (c.len_utf8(), TokenKind::Other),
    }
}

/// The length of the string literal at the start of `rest` (to its closing quote,
/// or the end of the line when it has none).
/// The quote that ends a string opened by `open` (`"` or the full-width `“`).
fn closing_quote(open: char) -> char {
    if open == '“' { '”' } else { '"' }
}

fn string_len(rest: &str) -> usize {
    let close = rest.chars().next().map_or('"', closing_quote);
    let mut escaped = false;
    for (i, n) in rest.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if n == '\\' {
            escaped = true;
        } else if n == close {
            return i + n.len_utf8();
        } else if n == '\n' {
            return i;
        }
    }
    rest.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_brackets_and_trailing_operators_continue() {
        assert!(!is_complete("rule r {"));
        assert!(!is_complete("segment a = orders > 1 and"));
        assert!(!is_complete("segment a = orders >"));
        assert!(!is_complete("segment a ="));
        assert!(!is_complete("give lottery { 1% -> red_packet ¥1,"));
        assert!(!is_complete("segment t = top 3 by"));
        assert!(is_complete("segment a = orders > 1"));
        assert!(is_complete("member { tags: set<text> }"));
        assert!(is_complete("orders + 1 // and"));
        assert!(is_complete("\"unterminated and"));
        assert!(is_complete(":count orders > 1 and"));
        assert!(is_complete("band"));
        assert!(is_complete(""));
        assert!(is_complete("}"));
    }

    #[test]
    fn strings_and_comments_do_not_open_blocks() {
        assert!(is_complete("\"{\" in tags"));
        assert!(is_complete("1 // {"));
        assert!(!is_complete("rule r { // }"));
    }

    #[test]
    fn piped_text_splits_into_statements_with_their_lines() {
        let input =
            "segment a = orders > 1\n\nrule r {\n  every day at 10:00\n}\norders and\n  a\n";
        let statements = split_statements(input);
        let lines: Vec<usize> = statements.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![1, 3, 6]);
        assert_eq!(statements[1].text, "rule r {\n  every day at 10:00\n}");
        assert_eq!(statements[2].text, "orders and\n  a");
    }

    #[test]
    fn an_unfinished_last_statement_is_kept() {
        let statements = split_statements("a and\n");
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].text, "a and");
    }

    #[test]
    fn tokens_cover_the_line_and_classify_words() {
        let line = "segment 潜客 = orders >= ¥10 and \"x\" in tags // c";
        let toks = tokens(line);
        let covered: usize = toks.iter().map(|(r, _)| r.len()).sum();
        assert_eq!(covered, line.len());
        let kind_of = |word: &str| {
            toks.iter()
                .find(|(r, _)| &line[r.clone()] == word)
                .map(|(_, k)| *k)
        };
        assert_eq!(kind_of("segment"), Some(TokenKind::Keyword));
        assert_eq!(kind_of("潜客"), Some(TokenKind::Name));
        assert_eq!(kind_of("¥10"), Some(TokenKind::Number));
        assert_eq!(kind_of("\"x\""), Some(TokenKind::Text));
        assert_eq!(kind_of("// c"), Some(TokenKind::Comment));
        assert_eq!(tokens(":help")[0].1, TokenKind::Command);
    }
}
