//! Semantic colouring: every token of a file with what it is, so an editor colours
//! names by what they name (a segment, a reward, a rule, an event, a field) even
//! without a grammar of its own.

use std::collections::HashMap;

use super::Analysis;
use super::symbols::SymbolKind;
use crate::source::Span;
use crate::syntax::words::{BUILTINS, KEYWORDS, RESERVED};

/// What a token is. The order is the legend the server announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword.
    Keyword,
    /// A comment.
    Comment,
    /// A string.
    Str,
    /// A number, amount of money, percentage, discount, duration, date or time.
    Number,
    /// An operator.
    Operator,
    /// A segment's name.
    Segment,
    /// A reward's name.
    Reward,
    /// A rule's name.
    Rule,
    /// An event kind.
    Event,
    /// A field.
    Field,
    /// A built-in function or aggregate.
    Function,
}

impl TokenKind {
    /// Every kind, in legend order.
    pub const ALL: [TokenKind; 11] = [
        TokenKind::Keyword,
        TokenKind::Comment,
        TokenKind::Str,
        TokenKind::Number,
        TokenKind::Operator,
        TokenKind::Segment,
        TokenKind::Reward,
        TokenKind::Rule,
        TokenKind::Event,
        TokenKind::Field,
        TokenKind::Function,
    ];

    /// The standard semantic token type an editor themes.
    pub fn lsp_name(self) -> &'static str {
        match self {
            TokenKind::Keyword => "keyword",
            TokenKind::Comment => "comment",
            TokenKind::Str => "string",
            TokenKind::Number => "number",
            TokenKind::Operator => "operator",
            TokenKind::Segment => "type",
            TokenKind::Reward => "class",
            TokenKind::Rule => "namespace",
            TokenKind::Event => "event",
            TokenKind::Field => "property",
            TokenKind::Function => "function",
        }
    }
}

/// One token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Where (never across a line break).
    pub span: Span,
    /// What it is.
    pub kind: TokenKind,
    /// Whether it is where a name is declared.
    pub declaration: bool,
}

const OPERATORS: [&str; 19] = [
    "==", "!=", "<=", ">=", "??", "->", "..", "=", "<", ">", "+", "-", "*", "/", "＝", "＜", "＞",
    "≤", "≥",
];

impl Analysis {
    /// The tokens of the analysed file, in order.
    pub fn tokens(&self) -> Vec<Token> {
        let file = self.main;
        let text = self.text(file);
        let names: HashMap<usize, _> = self
            .symbols
            .all
            .iter()
            .filter(|o| o.span.file == file)
            .map(|o| (o.span.start, o))
            .collect();
        let mut out = Vec::new();
        let mut push = |start: usize, end: usize, kind, declaration| {
            out.push(Token {
                span: Span::new(file, start, end),
                kind,
                declaration,
            });
        };
        let mut i = 0;
        while let Some(c) = text[i..].chars().next() {
            let rest = &text[i..];
            let end = if rest.starts_with("//") {
                let end = i + rest.find(['\n', '\r']).unwrap_or(rest.len());
                push(i, end, TokenKind::Comment, false);
                end
            } else if c == '"' || c == '“' {
                let close = if c == '"' { '"' } else { '”' };
                let body = &rest[c.len_utf8()..];
                let len = string_len(body, close);
                let end = i + c.len_utf8() + len;
                push(i, end, TokenKind::Str, false);
                end
            } else if c.is_ascii_digit() || c == '¥' || c == '￥' {
                let end = i + number_len(rest);
                push(i, end, TokenKind::Number, false);
                end
            } else if c.is_alphabetic() || c == '_' {
                let len = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                let word = &rest[..len];
                let kind = match names.get(&i) {
                    Some(o) if o.span.end == i + len => Some((symbol_kind(&o.kind), o.declaration)),
                    _ if KEYWORDS.contains(&word) || RESERVED.contains(&word) => {
                        Some((TokenKind::Keyword, false))
                    }
                    _ if BUILTINS.contains(&word) => Some((TokenKind::Function, false)),
                    _ => None,
                };
                if let Some((kind, declaration)) = kind {
                    push(i, i + len, kind, declaration);
                }
                i + len
            } else if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
                push(i, i + op.len(), TokenKind::Operator, false);
                i + op.len()
            } else {
                i + c.len_utf8()
            };
            i = end.max(i + c.len_utf8());
        }
        out
    }
}

fn symbol_kind(kind: &SymbolKind) -> TokenKind {
    match kind {
        SymbolKind::Segment => TokenKind::Segment,
        SymbolKind::Reward => TokenKind::Reward,
        SymbolKind::Rule => TokenKind::Rule,
        SymbolKind::Event => TokenKind::Event,
        SymbolKind::MemberField | SymbolKind::GroupField | SymbolKind::EventField(_) => {
            TokenKind::Field
        }
        SymbolKind::Experiment => TokenKind::Str,
    }
}

/// The length of a string's body and its closing quote (to the end of the line
/// when it is not closed).
fn string_len(body: &str, close: char) -> usize {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\n' | '\r' => return i,
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            _ if c == close => return i + c.len_utf8(),
            _ => {}
        }
    }
    body.len()
}

/// The length of a number-like literal at the start of `text`: `¥1,000.50`,
/// `2026-05-01`, `10:00`, `30%`, `5折`, `7d`.
fn number_len(text: &str) -> usize {
    let mut chars = text.char_indices().peekable();
    let mut end = 0;
    if let Some((_, c @ ('¥' | '￥'))) = chars.peek().copied() {
        chars.next();
        end = c.len_utf8();
    }
    while let Some((i, c)) = chars.next() {
        let joins = matches!(c, ',' | '，' | '.' | ':' | '：' | '-')
            && chars.peek().is_some_and(|(_, n)| n.is_ascii_digit());
        if c.is_ascii_digit() || joins {
            end = i + c.len_utf8();
            continue;
        }
        if matches!(c, '%' | '％' | '折') {
            return i + c.len_utf8();
        }
        if matches!(c, 'w' | 'd' | 'h' | 'm') {
            let after = text[i + 1..].chars().next();
            if !after.is_some_and(|n| n.is_alphanumeric() || n == '_') {
                return i + 1;
            }
        }
        break;
    }
    end
}
