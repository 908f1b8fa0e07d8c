//! The stored value a decoder reads ([`Raw`]), as a report shows it, and row ids.

use std::fmt::Write as _;

use rusqlite::types::ValueRef;
use serde_json::Value as Json;

use crate::data::event_json::DataValue;

/// Characters of a text value shown in a report; long JSON would drown the message.
const SHOWN_CHARS: usize = 100;
/// Bytes of a blob shown in a report.
const SHOWN_BYTES: usize = 32;

/// A stored value: a SQLite column, or a value inside an event's JSON `data`.
// A full-word tag leaves no padding: with a byte tag, copies of a `Raw` in the scan
// loop move odd-sized pieces that defeat store forwarding (measured: 10% of a scan).
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub(crate) enum Raw<'a> {
    /// SQL NULL or JSON null.
    Null,
    /// INTEGER, or a JSON integer.
    Int(i64),
    /// REAL, or a JSON number with a fraction.
    Real(f64),
    /// TEXT (SQLite does not promise UTF-8, so bytes).
    Text(&'a [u8]),
    /// BLOB.
    Blob(&'a [u8]),
    /// JSON `true` / `false`.
    Bool(bool),
    /// A JSON array or object.
    Json(&'a Json),
    /// A JSON integer outside the 64-bit range, as written.
    BigInt(&'a str),
}

impl<'a> From<ValueRef<'a>> for Raw<'a> {
    #[inline(always)]
    fn from(v: ValueRef<'a>) -> Raw<'a> {
        match v {
            ValueRef::Null => Raw::Null,
            ValueRef::Integer(i) => Raw::Int(i),
            ValueRef::Real(f) => Raw::Real(f),
            ValueRef::Text(t) => Raw::Text(t),
            ValueRef::Blob(b) => Raw::Blob(b),
        }
    }
}

impl<'a> Raw<'a> {
    /// A value of event data.
    pub(crate) fn from_json(v: &'a Json) -> Raw<'a> {
        match v {
            Json::Null => Raw::Null,
            Json::Bool(b) => Raw::Bool(*b),
            Json::Number(n) => n
                .as_i64()
                .map_or_else(|| Raw::Real(n.as_f64().unwrap_or(f64::INFINITY)), Raw::Int),
            Json::String(s) => Raw::Text(s.as_bytes()),
            Json::Array(_) | Json::Object(_) => Raw::Json(v),
        }
    }

    /// A value of event data as read by [`crate::data::event_json`].
    pub(crate) fn from_data(v: &'a DataValue) -> Raw<'a> {
        match v {
            DataValue::Json(v) => Raw::from_json(v),
            DataValue::BigInt(digits) => Raw::BigInt(digits),
        }
    }

    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Raw::Null => "NULL",
            Raw::Int(_) => "INTEGER",
            Raw::Real(_) => "REAL",
            Raw::Text(_) => "TEXT",
            Raw::Blob(_) => "BLOB",
            Raw::Bool(_) => "a JSON bool",
            Raw::Json(Json::Array(_)) => "a JSON array",
            Raw::Json(_) => "a JSON object",
            Raw::BigInt(_) => "a JSON integer",
        }
    }

    /// The value as SQL would write it (`NULL`, `12`, `1.5`, `'abc'`, `X'00ff'`), long
    /// values cut short with `…`.
    pub(crate) fn sql_text(&self) -> String {
        match self {
            Raw::Null => "NULL".to_owned(),
            Raw::Int(i) => i.to_string(),
            Raw::Real(f) => format!("{f:?}"),
            Raw::Text(b) => quoted(&String::from_utf8_lossy(b)),
            Raw::Blob(b) => blob_literal(b),
            Raw::Bool(b) => b.to_string(),
            Raw::Json(v) => shortened(&v.to_string()),
            Raw::BigInt(digits) => shortened(digits),
        }
    }
}

fn quoted(text: &str) -> String {
    format!("'{}'", shortened(text).replace('\'', "''"))
}

/// `text`, cut short with `…` after [`SHOWN_CHARS`] characters.
pub(super) fn shortened(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn blob_literal(bytes: &[u8]) -> String {
    let mut out = String::from("X'");
    for b in bytes.iter().take(SHOWN_BYTES) {
        let _ = write!(out, "{b:02x}");
    }
    if bytes.len() > SHOWN_BYTES {
        out.push('…');
    }
    out.push('\'');
    out
}

/// The problem of a value of another type than `expected`.
#[cold]
pub(super) fn wrong(expected: &str, raw: Raw<'_>) -> String {
    format!("wrong type: expected {expected}, found {}", raw.type_name())
}

/// TEXT as a `str`; SQLite does not promise UTF-8.
pub(super) fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|_| "text is not valid UTF-8".to_owned())
}

/// Reads a row id: TEXT, or INTEGER written as its decimal text.
pub(crate) fn read_id(raw: Raw<'_>, out: &mut String) -> Result<(), String> {
    out.clear();
    match raw {
        Raw::Text([]) => Err("empty id".to_owned()),
        Raw::Text(b) => {
            out.push_str(utf8(b)?);
            Ok(())
        }
        Raw::Int(i) => {
            let _ = write!(out, "{i}");
            Ok(())
        }
        Raw::Null => Err("NULL id: every row needs one".to_owned()),
        _ => Err(wrong("an id as TEXT or INTEGER", raw)),
    }
}
