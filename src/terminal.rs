//! Text from playbooks and data made safe to print on a terminal: control
//! characters (ESC, BEL, backspace, the C1 controls…) are shown escaped, `\u{1b}`,
//! so a hostile file cannot move the cursor, retitle the window or hide text. Tabs
//! and line feeds are kept. JSON output needs none of this: serde escapes controls.

use std::borrow::Cow;

/// Whether `c` is shown escaped: a C0 control other than tab and line feed, DEL, or
/// a C1 control.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || ('\u{80}'..='\u{9f}').contains(&c)
}

/// `text` with every unsafe character written `\u{1b}`; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_char(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_char(out: &mut String, c: char) {
    if is_unsafe(c) {
        out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
    } else {
        out.push(c);
    }
}

/// A source text as a terminal may show it, with the way back to the original's byte
/// offsets: unsafe characters escaped, and every lone `\r` made a `\n` (it ends a
/// line either way; see `source::line_starts`).
#[derive(Debug, Clone)]
pub struct ShownSource {
    /// The text to show.
    pub text: String,
    /// Each escaped character: its offset in the original, its length there, and how
    /// many bytes all escapes up to and including it add; in text order, so both
    /// directions are a binary search.
    shifts: Vec<(usize, usize, usize)>,
}

impl ShownSource {
    /// The shown form of `text`.
    pub fn new(text: &str) -> ShownSource {
        let bytes = text.as_bytes();
        let plain = !text.contains(|c: char| is_unsafe(c) && c != '\r');
        let lone_cr = |i: usize| bytes.get(i + 1) != Some(&b'\n');
        if plain && !text.contains('\r') {
            return ShownSource {
                text: text.to_owned(),
                shifts: Vec::new(),
            };
        }
        let mut out = String::with_capacity(text.len() + 8);
        let mut shifts = Vec::new();
        let mut added = 0;
        for (i, c) in text.char_indices() {
            match c {
                '\r' if lone_cr(i) => out.push('\n'),
                '\r' => out.push('\r'),
                c if is_unsafe(c) => {
                    let before = out.len();
                    push_char(&mut out, c);
                    added += out.len() - before - c.len_utf8();
                    shifts.push((i, c.len_utf8(), added));
                }
                c => out.push(c),
            }
        }
        ShownSource { text: out, shifts }
    }

    /// Bytes the escapes before the `k`-th escaped character add.
    fn added_before(&self, k: usize) -> usize {
        k.checked_sub(1).map_or(0, |j| self.shifts[j].2)
    }

    /// Where byte `offset` of the original is in the shown text.
    pub fn shown(&self, offset: usize) -> usize {
        let k = self.shifts.partition_point(|(at, _, _)| *at < offset);
        offset + self.added_before(k)
    }

    /// Where byte `offset` of the shown text came from in the original (the escaped
    /// character itself for an offset inside its escape).
    pub fn original(&self, offset: usize) -> usize {
        // The escaped characters that start (in the shown text) before `offset`.
        let k = self
            .shifts
            .partition_point(|(at, _, _)| *at + self.added_before_at(*at) < offset);
        if let Some(j) = k.checked_sub(1) {
            let (at, len, added) = self.shifts[j];
            let shown_at = at + self.added_before(j);
            if offset < shown_at + len + (added - self.added_before(j)) {
                return at;
            }
            return offset - added;
        }
        offset
    }

    /// Bytes the escapes before original offset `at` add (`at` is an escaped
    /// character's offset).
    fn added_before_at(&self, at: usize) -> usize {
        let k = self.shifts.partition_point(|(a, _, _)| *a < at);
        self.added_before(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        assert_eq!(escape("a\u{1b}[2Jb\u{7}"), "a\\u{1b}[2Jb\\u{7}");
        assert_eq!(escape("tab\there\nline 会员"), "tab\there\nline 会员");
        assert_eq!(escape("\u{9b}31m\u{7f}\r"), "\\u{9b}31m\\u{7f}\\u{d}");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn shown_source_maps_offsets_both_ways() {
        let text = "ab\u{1b}cd\re\r\nf";
        let shown = ShownSource::new(text);
        assert_eq!(shown.text, "ab\\u{1b}cd\ne\r\nf");
        let d = text.find('d').unwrap();
        assert_eq!(&shown.text[shown.shown(d)..shown.shown(d) + 1], "d");
        assert_eq!(shown.original(shown.shown(d)), d);
        assert_eq!(shown.shown(2), 2, "the escaped character starts its escape");
        assert_eq!(shown.original(4), 2, "inside the escape");
        assert_eq!(shown.original(1), 1);
        let c1 = ShownSource::new("x\u{9b}y");
        assert_eq!(c1.text, "x\\u{9b}y");
        assert_eq!(c1.original(c1.text.find('y').unwrap()), "x\u{9b}".len());
        assert_eq!(c1.original(3), 1);
    }
}
