//! Positions as editors count them. The checker's spans are byte offsets into UTF-8
//! text; the Language Server Protocol counts lines and, within a line, UTF-16 code
//! units: a Chinese character is one unit, a character outside the Basic
//! Multilingual Plane (🧧, 𠀀) two. Every conversion goes through here.

/// A zero-based line and UTF-16 column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Line, from 0.
    pub line: u32,
    /// UTF-16 code units from the start of the line.
    pub utf16: u32,
}

/// The start of every line of one text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// Indexes `text`. A line ends after `\n` (a `\r` before it belongs to the line).
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: crate::source::line_starts(text),
            len: text.len(),
        }
    }

    /// The position of byte `offset` of `text` (the text indexed). An offset inside
    /// a character or past the end is taken to the character's start or the end.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char(text, offset.min(self.len));
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let utf16 = text[start..offset].encode_utf16().count();
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            utf16: u32::try_from(utf16).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset of `pos` in `text`. A column past the end of its line is the
    /// line's end (before its line break), a column inside a surrogate pair the
    /// character's start, and a line past the last the end of the text, as the
    /// protocol asks.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return self.len;
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .copied()
            .unwrap_or(self.len);
        let line = &text[start..end];
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0u32;
        for (i, c) in line.char_indices() {
            units += c.len_utf16() as u32;
            if units > pos.utf16 {
                return start + i;
            }
        }
        start + line.len()
    }
}

/// `offset` moved back to the start of the character it falls in.
fn floor_char(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, utf16: u32) -> Position {
        Position { line, utf16 }
    }

    #[test]
    fn chinese_characters_are_one_unit_and_astral_ones_two() {
        let text = "rule 首单 {\n  // 🧧红包 𠀀x\r\n  give red_packet ¥5\n}";
        let index = LineIndex::new(text);
        // `首单` starts at byte 5, column 5; `{` after two 3-byte characters.
        assert_eq!(index.position(text, 5), pos(0, 5));
        assert_eq!(index.position(text, text.find('{').unwrap()), pos(0, 8));
        // 🧧 is 4 bytes and 2 units; 红 after it at column 5 + 2.
        let red = text.find('红').unwrap();
        assert_eq!(index.position(text, red), pos(1, 7));
        let x = text.find('x').unwrap();
        // `🧧红包 𠀀` = 2 + 1 + 1 + 1 + 2 units after `  // `.
        assert_eq!(index.position(text, x), pos(1, 12));
        for offset in [5, red, x, text.find('¥').unwrap(), text.len()] {
            assert_eq!(index.offset(text, index.position(text, offset)), offset);
        }
    }

    #[test]
    fn columns_past_the_line_or_inside_a_pair_are_clamped() {
        let text = "a🧧b\r\nsecond\n";
        let index = LineIndex::new(text);
        // Inside the surrogate pair of 🧧 (column 2): the character's start.
        assert_eq!(index.offset(text, pos(0, 2)), 1);
        assert_eq!(index.offset(text, pos(0, 3)), 5);
        // Past the end of line 0: before `\r\n`.
        assert_eq!(index.offset(text, pos(0, 99)), 6);
        assert_eq!(index.offset(text, pos(1, 3)), 11);
        // Past the last line: the end.
        assert_eq!(index.offset(text, pos(7, 0)), text.len());
        // An offset inside a character is its start.
        assert_eq!(index.position(text, 3), pos(0, 1));
        assert_eq!(index.position(text, text.len()), pos(2, 0));
    }
}
