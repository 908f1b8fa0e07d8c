//! Decoding `set<text>`: comma-separated TEXT or a JSON array of strings, each
//! element trimmed and kept once.

use serde_json::Value as Json;

use super::raw::{Raw, utf8, wrong};
use crate::value::{SET_SEPARATOR, V};

pub(super) fn text_set(raw: Raw<'_>, out: &mut String) -> Result<(), String> {
    match raw {
        Raw::Text(b) => {
            let s = utf8(b)?;
            if s.trim_ascii_start().starts_with('[') {
                json_set(s, out)
            } else {
                comma_set(s, out)
            }
        }
        Raw::Json(Json::Array(items)) => json_elements(items, out),
        _ => Err(wrong(
            "set<text> as comma-separated TEXT or a JSON array",
            raw,
        )),
    }
}

/// Splits on `,` and the full-width `，` in one pass over the bytes (a two-char
/// pattern would decode every char).
pub(super) fn comma_set(s: &str, out: &mut String) -> Result<(), String> {
    const FULL_WIDTH_COMMA: &[u8] = "，".as_bytes();
    let b = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        let width = match b[i] {
            b',' => 1,
            0xEF if b[i..].starts_with(FULL_WIDTH_COMMA) => 3,
            _ => 0,
        };
        if width == 0 {
            i += 1;
            continue;
        }
        push_element(out, &s[start..i])?;
        i += width;
        start = i;
    }
    push_element(out, &s[start..])
}

fn json_set(s: &str, out: &mut String) -> Result<(), String> {
    match serde_json::from_str::<Json>(s) {
        Ok(Json::Array(items)) => json_elements(&items, out),
        Ok(_) => Err("set<text> in JSON must be an array of strings".to_owned()),
        Err(e) => Err(format!("invalid JSON array: {e}")),
    }
}

fn json_elements(items: &[Json], out: &mut String) -> Result<(), String> {
    items.iter().try_for_each(|item| match item {
        Json::String(e) => push_element(out, e),
        _ => Err("set elements are text: the JSON array holds a non-string".to_owned()),
    })
}

/// Adds one element: trimmed, empty ones dropped, repeats kept once (so `len` counts
/// distinct elements).
fn push_element(out: &mut String, element: &str) -> Result<(), String> {
    let element = trim_spaces(element);
    if element.as_bytes().contains(&(SET_SEPARATOR as u8)) {
        return Err("a set element contains the control character U+001F".to_owned());
    }
    if element.is_empty() || (!out.is_empty() && V::set_contains(out, element)) {
        return Ok(());
    }
    if !out.is_empty() {
        out.push(SET_SEPARATOR);
    }
    out.push_str(element);
    Ok(())
}

/// `s` without surrounding white space (`char::is_whitespace`). Tags almost never
/// have any, and looking at the bytes is cheaper than decoding the chars.
pub(super) fn trim_spaces(s: &str) -> &str {
    let b = s.as_bytes();
    if space_at_start(b) || space_at_end(b) {
        s.trim()
    } else {
        s
    }
}

/// Whether `b` starts with a white-space char: ASCII, or the UTF-8 of U+0085, U+00A0,
/// U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F or U+3000.
fn space_at_start(b: &[u8]) -> bool {
    matches!(
        b,
        [b'\t'..=b'\r' | b' ', ..]
            | [0xC2, 0x85 | 0xA0, ..]
            | [0xE1, 0x9A, 0x80, ..]
            | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF, ..]
            | [0xE2, 0x81, 0x9F, ..]
            | [0xE3, 0x80, 0x80, ..]
    )
}

/// Whether `b` ends with a white-space char (see [`space_at_start`]).
fn space_at_end(b: &[u8]) -> bool {
    matches!(
        b,
        [.., b'\t'..=b'\r' | b' ']
            | [.., 0xC2, 0x85 | 0xA0]
            | [.., 0xE1, 0x9A, 0x80]
            | [.., 0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF]
            | [.., 0xE2, 0x81, 0x9F]
            | [.., 0xE3, 0x80, 0x80]
    )
}
