//! Finding the `// comments` of a source text.
//!
//! The grammar skips comments silently, so the formatter collects them itself with a
//! small scanner that knows string literals: `"http://x"` (or `“http://x”`) holds no
//! comment.

/// One `// …` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Byte offset of the first `/`.
    pub start: usize,
    /// Byte offset just past the comment's last character (before the line break).
    pub end: usize,
    /// The comment from `//` on, trailing whitespace removed.
    pub text: String,
}

/// Every comment of `text`, in order.
pub fn scan(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = string_end(bytes, i + 1, b"\""),
            _ if bytes[i..].starts_with(OPEN_CN.as_bytes()) => {
                i = string_end(bytes, i + OPEN_CN.len(), CLOSE_CN.as_bytes());
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n' || b == b'\r')
                    .map_or(bytes.len(), |n| i + n);
                // `end` is at an ASCII byte or the end, so both slices are on
                // character boundaries.
                let body = text[i..end].trim_end();
                comments.push(Comment {
                    start: i,
                    end: i + body.len(),
                    text: body.to_string(),
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    comments
}

/// The full-width quotes that may also delimit a string (“…”).
const OPEN_CN: &str = "“";
const CLOSE_CN: &str = "”";

/// The offset just past a string literal whose body starts at `i`: after the closing
/// quote `close`, or at the line break where an unterminated string stops.
fn string_end(bytes: &[u8], mut i: usize, close: &[u8]) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' | b'\r' => return i,
            _ if bytes[i..].starts_with(close) => return i + close.len(),
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The comment texts of `text`, in order: what a formatted file must still hold.
pub fn texts(text: &str) -> Vec<String> {
    scan(text).into_iter().map(|c| c.text).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_but_not_inside_strings() {
        let src = "seed \"http://x\" // one  \n// two\r\nx = \"a\\\"//b\" //three";
        assert_eq!(texts(src), vec!["// one", "// two", "//three"]);
        let first = &scan(src)[0];
        assert_eq!(&src[first.start..first.end], "// one");
    }

    #[test]
    fn an_unterminated_string_stops_at_the_line_end() {
        assert_eq!(texts("x \"abc\n// c"), vec!["// c"]);
    }

    #[test]
    fn keeps_non_ascii_text() {
        assert_eq!(texts("a // 会员等级 0-4\n"), vec!["// 会员等级 0-4"]);
    }
}
