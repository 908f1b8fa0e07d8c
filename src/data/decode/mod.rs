//! Stored values → runtime values, one declared type at a time.
//!
//! The encodings are those of the runtime spec ("Data in"), as shop and SCRM exports
//! deliver them. A decoder never guesses: a value it cannot read exactly becomes a
//! message naming what was expected, and the caller records it as a bad value. Decoding
//! a good value allocates nothing: text goes into the slot's reused buffer.

use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;
use rusqlite::types::ValueRef;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value as Json;

use crate::check::types::{Base, Type};
use crate::money::{Fen, Rate};
use crate::runtime::time::local_to_instant;
use crate::runtime::value::{SET_SEPARATOR, V, Val};

/// The problem of a NULL where the schema wants a value.
pub(crate) const NULL_IN_REQUIRED: &str = "NULL in a non-optional field";
const EMPTY_TEXT: &str = "empty text: use NULL for a missing value";
const UNPARSABLE_TIME: &str = "unparsable time: expected 'YYYY-MM-DD HH:MM:SS' in the playbook's \
     timezone (an offset like +08:00 is honoured) or INTEGER Unix seconds";
/// Unix seconds of 1900-01-01T00:00:00Z and 9999-12-31T23:59:59Z: integers outside are
/// not seconds (milliseconds, usually).
const UNIX_RANGE: std::ops::RangeInclusive<i64> = -2_208_988_800..=253_402_300_799;
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

    /// A value of event data as read by [`super::event_json`].
    pub(crate) fn from_data(v: &'a super::event_json::DataValue) -> Raw<'a> {
        match v {
            super::event_json::DataValue::Json(v) => Raw::from_json(v),
            super::event_json::DataValue::BigInt(digits) => Raw::BigInt(digits),
        }
    }

    fn type_name(&self) -> &'static str {
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

fn shortened(text: &str) -> String {
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

#[cold]
fn wrong(expected: &str, raw: Raw<'_>) -> String {
    format!("wrong type: expected {expected}, found {}", raw.type_name())
}

fn utf8(bytes: &[u8]) -> Result<&str, String> {
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

/// Per-source decoding state: the timezone's offset cache and a scratch buffer.
pub(crate) struct Context {
    zone: LocalZone,
    scratch: String,
}

impl Context {
    /// A context for a playbook in `tz`.
    pub(crate) fn new(tz: Tz) -> Context {
        Context {
            zone: LocalZone::new(tz),
            scratch: String::new(),
        }
    }
}

/// What a column's declared type is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Decimal,
    Money,
    Percent,
    Bool,
    Text,
    Time,
    Date,
    Duration,
    TimeOfDay,
    TextSet,
    /// Types no field can have (lists, failed types).
    Unreadable,
}

/// Decodes one column into its slot. Built once per scan, so the per-value work is a
/// match on a small enum; `spare` keeps a text buffer while the slot is NULL, so that
/// optional text columns do not allocate row after row.
#[derive(Debug, Clone)]
pub(crate) struct Decoder {
    kind: Kind,
    optional: bool,
    spare: String,
}

impl Decoder {
    /// The decoder of a field of type `ty`.
    pub(crate) fn new(ty: &Type) -> Decoder {
        let kind = match ty.base {
            Base::Int => Kind::Int,
            Base::Decimal => Kind::Decimal,
            Base::Money => Kind::Money,
            Base::Percent => Kind::Percent,
            Base::Bool => Kind::Bool,
            Base::Text => Kind::Text,
            Base::Time => Kind::Time,
            Base::Date => Kind::Date,
            Base::Duration => Kind::Duration,
            Base::TimeOfDay => Kind::TimeOfDay,
            Base::TextSet => Kind::TextSet,
            Base::List(_) | Base::Error => Kind::Unreadable,
        };
        Decoder {
            kind,
            optional: ty.optional,
            spare: String::new(),
        }
    }

    /// Whether NULL is a valid value.
    pub(crate) fn is_optional(&self) -> bool {
        self.optional
    }

    /// Decodes `raw` into `slot`, or says what is wrong with it (then `slot` is left in
    /// an unspecified state).
    #[inline(always)]
    pub(crate) fn decode(
        &mut self,
        raw: Raw<'_>,
        slot: &mut Val,
        cx: &mut Context,
    ) -> Result<(), String> {
        // The shapes that fill a million-row export are decoded here, inline in the
        // scan loop; everything else takes the out-of-line path.
        match (self.kind, &raw) {
            (_, Raw::Null) if self.optional => self.set_null(slot),
            (Kind::Int, &Raw::Int(i)) => *slot = Val::Int(i),
            (Kind::Money, &Raw::Int(i)) => *slot = Val::Money(Fen(i)),
            (Kind::Date, Raw::Text(b)) => match parse_date(b) {
                Some((y, m, d)) => match NaiveDate::from_yo_opt(y, ordinal(y, m, d)) {
                    Some(date) => *slot = Val::Date(date),
                    None => return self.decode_other(&raw, slot, cx),
                },
                None => return self.decode_other(&raw, slot, cx),
            },
            (Kind::Time, Raw::Text(b)) => match local_datetime_fast(b) {
                Some((days, secs)) => *slot = Val::Time(cx.zone.instant(days, secs)),
                None => return self.decode_other(&raw, slot, cx),
            },
            _ => return self.decode_other(&raw, slot, cx),
        }
        Ok(())
    }

    /// [`Decoder::decode`] for every case but the commonest.
    #[inline(never)]
    fn decode_other(
        &mut self,
        raw: &Raw<'_>,
        slot: &mut Val,
        cx: &mut Context,
    ) -> Result<(), String> {
        let raw = *raw;
        match raw {
            Raw::Null if self.optional => {
                self.set_null(slot);
                return Ok(());
            }
            Raw::Null => return Err(NULL_IN_REQUIRED.to_owned()),
            Raw::Text([]) if !matches!(self.kind, Kind::Text | Kind::TextSet) => {
                return Err(EMPTY_TEXT.to_owned());
            }
            Raw::BigInt(digits) if self.kind != Kind::Decimal => {
                return Err(format!(
                    "integer {} does not fit in 64 bits (integers run from {} to {})",
                    shortened(digits),
                    i64::MIN,
                    i64::MAX
                ));
            }
            _ => {}
        }
        *slot = match self.kind {
            Kind::Int => Val::Int(int(raw)?),
            Kind::Decimal => Val::Decimal(decimal(raw, &mut cx.scratch)?),
            Kind::Money => Val::Money(money(raw)?),
            Kind::Percent => Val::Percent(percent(raw, &mut cx.scratch)?),
            Kind::Bool => Val::Bool(boolean(raw)?),
            Kind::Text => return text(raw, self.text_slot(slot)),
            Kind::Time => Val::Time(time(raw, &mut cx.zone)?),
            Kind::Date => Val::Date(date(raw)?),
            Kind::Duration => Val::Duration(duration(raw)?),
            Kind::TimeOfDay => Val::TimeOfDay(time_of_day(raw)?),
            Kind::TextSet => return text_set(raw, self.set_slot(slot)),
            Kind::Unreadable => return Err("this type cannot be read from data".to_owned()),
        };
        Ok(())
    }

    fn set_null(&mut self, slot: &mut Val) {
        if let Val::Text(s) | Val::Set(s) = std::mem::take(slot) {
            self.spare = s;
        }
    }

    fn text_slot<'s>(&mut self, slot: &'s mut Val) -> &'s mut String {
        if !matches!(slot, Val::Text(_)) {
            *slot = Val::Text(std::mem::take(&mut self.spare));
        }
        let Val::Text(s) = slot else {
            unreachable!("made text above")
        };
        s.clear();
        s
    }

    fn set_slot<'s>(&mut self, slot: &'s mut Val) -> &'s mut String {
        if !matches!(slot, Val::Set(_)) {
            *slot = Val::Set(std::mem::take(&mut self.spare));
        }
        slot.set_buffer()
    }
}

/// Column codes for [`is_plain`]: one letter per kind, upper case when NULL is a
/// plain value too (an optional field).
const PLAIN_ID: u8 = b'k';

impl Decoder {
    /// The code [`is_plain`] checks this decoder's column with; `None` for kinds
    /// without a plain form (their values always go through the decoder).
    pub(crate) fn plain_code(&self) -> Option<u8> {
        let code = match self.kind {
            Kind::Int => b'i',
            Kind::Money => b'm',
            Kind::Bool => b'b',
            Kind::Text => b's',
            Kind::TextSet => b'e',
            Kind::Time => b't',
            Kind::Date => b'd',
            _ => return None,
        };
        Some(if self.optional {
            code.to_ascii_uppercase()
        } else {
            code
        })
    }
}

/// The code of a row id column for [`is_plain`].
pub(crate) fn plain_id_code() -> u8 {
    PLAIN_ID
}

/// Whether `raw` has the plain stored form of a column with `code` (see
/// [`Decoder::plain_code`]): the one form whose SQL comparisons agree with the
/// decoded value's. A plain value always decodes without a problem: INTEGER for
/// int and money; 0 or 1 for bool; UTF-8 TEXT for text, and for a set without
/// U+001F or a leading `[`; exactly `YYYY-MM-DD HH:MM:SS`, a real time of a
/// calendar day, for time; a calendar day `YYYY-MM-DD` for date; NULL when the
/// field is optional. Other values may be good too, they are just not plain.
pub(crate) fn is_plain(code: u8, raw: Raw<'_>) -> bool {
    if let Raw::Null = raw {
        return code.is_ascii_uppercase();
    }
    match (code.to_ascii_lowercase(), raw) {
        (b'i' | b'm', Raw::Int(_)) => true,
        (b'b', Raw::Int(i)) => i == 0 || i == 1,
        (b's', Raw::Text(b)) => std::str::from_utf8(b).is_ok(),
        (PLAIN_ID, Raw::Text(b)) => !b.is_empty() && std::str::from_utf8(b).is_ok(),
        (PLAIN_ID, Raw::Int(_)) => true,
        (b'e', Raw::Text(b)) => {
            !b.contains(&(SET_SEPARATOR as u8))
                && !b.trim_ascii_start().starts_with(b"[")
                && std::str::from_utf8(b).is_ok()
        }
        (b't', Raw::Text(b)) => local_datetime_fast(b).is_some(),
        (b'd', Raw::Text(b)) => parse_date(b).is_some(),
        _ => false,
    }
}

fn int(raw: Raw<'_>) -> Result<i64, String> {
    match raw {
        Raw::Int(i) => Ok(i),
        Raw::Real(f) if f.is_infinite() => Err("out of range: not a finite number".to_owned()),
        Raw::Real(f) if f.fract() == 0.0 => {
            real_to_i64(f).ok_or_else(|| "out of range: beyond a 64-bit integer".to_owned())
        }
        _ => Err(wrong("an integer", raw)),
    }
}

/// An integral REAL as an `i64`, when it fits. `i64::MAX as f64` rounds up to 2^63,
/// so the upper bound is exclusive.
fn real_to_i64(f: f64) -> Option<i64> {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (-LIMIT..LIMIT).contains(&f).then_some(f as i64)
}

fn decimal(raw: Raw<'_>, scratch: &mut String) -> Result<Decimal, String> {
    match raw {
        Raw::Int(i) => Ok(Decimal::from(i)),
        Raw::Real(f) => real_decimal(f, scratch),
        Raw::BigInt(digits) => {
            Decimal::from_str(digits).map_err(|_| "out of range for a decimal".to_owned())
        }
        Raw::Text(b) => {
            let s = utf8(b)?;
            Decimal::from_str(s)
                .or_else(|_| Decimal::from_scientific(s))
                .map_err(|_| "not a decimal number".to_owned())
        }
        _ => Err(wrong("a decimal number", raw)),
    }
}

/// A REAL as the decimal it was written as: its shortest round-trip text (`0.1`, not
/// the binary `0.1000000000000000055…`).
fn real_decimal(f: f64, scratch: &mut String) -> Result<Decimal, String> {
    if !f.is_finite() {
        return Err("out of range: not a finite number".to_owned());
    }
    scratch.clear();
    let _ = write!(scratch, "{f}");
    Decimal::from_str(scratch).map_err(|_| "out of range for a decimal".to_owned())
}

fn money(raw: Raw<'_>) -> Result<Fen, String> {
    match raw {
        Raw::Int(i) => Ok(Fen(i)),
        _ => Err(format!(
            "wrong type: money is stored as INTEGER fen (¥12.50 is 1250), found {}",
            raw.type_name()
        )),
    }
}

fn percent(raw: Raw<'_>, scratch: &mut String) -> Result<Rate, String> {
    let points = match raw {
        Raw::Int(i) => {
            return i
                .checked_mul(100)
                .map(Rate)
                .ok_or_else(|| "out of range for a percent".to_owned());
        }
        Raw::Real(f) => real_decimal(f, scratch)?,
        Raw::Text(b) => percent_text(utf8(b)?)?,
        _ => return Err(wrong("a percent (30 or '30%' is 30%)", raw)),
    };
    let basis_points = points
        .checked_mul(Decimal::ONE_HUNDRED)
        .ok_or_else(|| "out of range for a percent".to_owned())?;
    if !basis_points.fract().is_zero() {
        return Err("more than two decimals: a percent is exact to 0.01%".to_owned());
    }
    basis_points
        .to_i64()
        .map(Rate)
        .ok_or_else(|| "out of range for a percent".to_owned())
}

/// `'12.5%'` → 12.5. The sign is required: a bare `'0.3'` could mean 0.3% or 30%.
fn percent_text(s: &str) -> Result<Decimal, String> {
    let Some(number) = s.strip_suffix('%') else {
        return Err("a percent stored as TEXT needs its % sign, like '12.5%'".to_owned());
    };
    Decimal::from_str(number.trim_end()).map_err(|_| "not a percent like '12.5%'".to_owned())
}

fn boolean(raw: Raw<'_>) -> Result<bool, String> {
    match raw {
        Raw::Int(0) => Ok(false),
        Raw::Int(1) => Ok(true),
        Raw::Int(_) => Err("out of range: bool is 0 or 1".to_owned()),
        Raw::Bool(b) => Ok(b),
        _ => Err(wrong("a bool as INTEGER 0 or 1", raw)),
    }
}

fn text(raw: Raw<'_>, out: &mut String) -> Result<(), String> {
    match raw {
        Raw::Text(b) => out.push_str(utf8(b)?),
        // Numeric ids and codes often arrive as INTEGER.
        Raw::Int(i) => {
            let _ = write!(out, "{i}");
        }
        _ => return Err(wrong("text", raw)),
    }
    Ok(())
}

fn time(raw: Raw<'_>, zone: &mut LocalZone) -> Result<i64, String> {
    match raw {
        Raw::Int(i) => unix_seconds(i),
        Raw::Text(b) => {
            let stamp = match local_datetime_fast(b) {
                Some((days, secs)) => Stamp::Local { days, secs },
                // A TEXT column turns INTEGER Unix seconds into digits: read them back.
                None if digits_only(b) => {
                    let n = std::str::from_utf8(b).ok().and_then(|t| t.parse().ok());
                    return n.map_or_else(|| Err(UNPARSABLE_TIME.to_owned()), unix_seconds);
                }
                None => parse_time_text(b).ok_or_else(|| UNPARSABLE_TIME.to_owned())?,
            };
            Ok(match stamp {
                Stamp::Local { days, secs } => zone.instant(days, secs),
                Stamp::Instant(t) => t,
            })
        }
        _ => Err(wrong(
            "a time as TEXT 'YYYY-MM-DD HH:MM:SS' or INTEGER Unix seconds",
            raw,
        )),
    }
}

/// Whether text is a (possibly negative) whole number.
fn digits_only(b: &[u8]) -> bool {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

fn unix_seconds(i: i64) -> Result<i64, String> {
    if UNIX_RANGE.contains(&i) {
        return Ok(i);
    }
    let hint = if UNIX_RANGE.contains(&(i / 1000)) {
        " (milliseconds? store Unix seconds)"
    } else {
        ""
    };
    Err(format!(
        "out of range: Unix seconds outside the years 1900 to 9999{hint}"
    ))
}

fn date(raw: Raw<'_>) -> Result<NaiveDate, String> {
    let Raw::Text(b) = raw else {
        return Err(wrong("a date as TEXT 'YYYY-MM-DD'", raw));
    };
    let Some((y, m, d)) = ymd_shape(b) else {
        return Err("unparsable date: expected 'YYYY-MM-DD'".to_owned());
    };
    // From the ordinal: cheaper than chrono's month-and-day constructor.
    is_calendar_day(y, m, d)
        .then(|| NaiveDate::from_yo_opt(y, ordinal(y, m, d)))
        .flatten()
        .ok_or_else(|| "not a calendar date (no such day)".to_owned())
}

fn duration(raw: Raw<'_>) -> Result<i64, String> {
    match raw {
        Raw::Int(i) => Ok(i),
        Raw::Text(b) => duration_text(b).ok_or_else(|| {
            "unparsable duration: expected INTEGER seconds or TEXT like '30d', '2h', '15m', '1w'"
                .to_owned()
        }),
        _ => Err(wrong(
            "a duration as INTEGER seconds or TEXT like '30d'",
            raw,
        )),
    }
}

/// `30d`, `2h`, `15m`, `1w` (the language's units) and `45s`.
fn duration_text(b: &[u8]) -> Option<i64> {
    let (unit, digits) = b.split_last()?;
    let unit_seconds = match unit {
        b's' => 1,
        b'm' => 60,
        b'h' => 3_600,
        b'd' => 86_400,
        b'w' => 604_800,
        _ => return None,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits)
        .ok()?
        .parse::<i64>()
        .ok()?
        .checked_mul(unit_seconds)
}

fn time_of_day(raw: Raw<'_>) -> Result<NaiveTime, String> {
    match raw {
        Raw::Text(b) => crate::syntax::literal::time_of_day(utf8(b)?),
        _ => Err(wrong("a time of day as TEXT 'HH:MM'", raw)),
    }
}

fn text_set(raw: Raw<'_>, out: &mut String) -> Result<(), String> {
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
fn comma_set(s: &str, out: &mut String) -> Result<(), String> {
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
fn trim_spaces(s: &str) -> &str {
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

/// A parsed time text: a local wall-clock time, or an instant when it had an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamp {
    /// Days since 1970-01-01 and seconds into the day, local.
    Local { days: i64, secs: u32 },
    /// Unix seconds.
    Instant(i64),
}

/// Two ASCII digits at `at`.
#[inline]
fn two(b: &[u8], at: usize) -> Option<u32> {
    match b.get(at..at + 2)? {
        [h @ b'0'..=b'9', l @ b'0'..=b'9'] => Some(u32::from(h - b'0') * 10 + u32::from(l - b'0')),
        _ => None,
    }
}

/// The digit at `i`, or 10 or more when the byte is not one.
#[inline]
fn digit(b: &[u8], i: usize) -> u32 {
    u32::from(b[i].wrapping_sub(b'0'))
}

/// Whether all the bytes at `positions` are digits.
#[inline]
fn all_digits(b: &[u8], positions: &[usize]) -> bool {
    positions.iter().all(|&i| digit(b, i) < 10)
}

/// Exactly `YYYY-MM-DD`, split but not yet validated.
#[inline]
fn ymd_shape(b: &[u8]) -> Option<(i32, u32, u32)> {
    let b: &[u8; 10] = b.try_into().ok()?;
    if b[4] != b'-' || b[7] != b'-' || !all_digits(b, &[0, 1, 2, 3, 5, 6, 8, 9]) {
        return None;
    }
    let year = digit(b, 0) * 1_000 + digit(b, 1) * 100 + digit(b, 2) * 10 + digit(b, 3);
    let month = digit(b, 5) * 10 + digit(b, 6);
    Some((year as i32, month, digit(b, 8) * 10 + digit(b, 9)))
}

/// Exactly `YYYY-MM-DD`, a real calendar day.
#[inline]
pub(crate) fn parse_date(b: &[u8]) -> Option<(i32, u32, u32)> {
    let (y, m, d) = ymd_shape(b)?;
    is_calendar_day(y, m, d).then_some((y, m, d))
}

#[inline]
fn is_calendar_day(year: i32, month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The day of the year (1-based) of a valid date.
fn ordinal(year: i32, month: u32, day: u32) -> u32 {
    const BEFORE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    BEFORE[month as usize - 1] + day + u32::from(month > 2 && is_leap(year))
}

/// Days since 1970-01-01 of a valid proleptic Gregorian date with a four-digit year
/// (H. Hinnant's `days_from_civil`, shifted one 400-year era so that every step is an
/// unsigned division by a constant).
#[inline(always)]
pub(crate) fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = year.unsigned_abs() + 400 - u32::from(month <= 2);
    let era = y / 400;
    let year_of_era = y - era * 400;
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (i64::from(era) - 1) * 146_097 + i64::from(day_of_era) - 719_468
}

/// The exports' own shape, exactly `YYYY-MM-DD HH:MM:SS`, validated: (days since
/// 1970-01-01, seconds into the day). Anything else is `None` and goes the long way.
#[inline(always)]
pub(crate) fn local_datetime_fast(b: &[u8]) -> Option<(i64, u32)> {
    let b: &[u8; 19] = b.try_into().ok()?;
    if b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !all_digits(b, &[11, 12, 14, 15, 17, 18]) {
        return None;
    }
    let (y, m, d) = parse_date(&b[..10])?;
    let pair = |i: usize| digit(b, i) * 10 + digit(b, i + 1);
    let (h, mi, s) = (pair(11), pair(14), pair(17));
    if h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some((days_from_civil(y, m, d), h * 3_600 + mi * 60 + s))
}

/// Every accepted time shape: `YYYY-MM-DD` then ` ` or `T`, `HH:MM[:SS[.fraction]]`
/// (the fraction is dropped), then optionally (after one space) `Z`, `+HH:MM`, `+HHMM`
/// or `+HH`.
fn parse_time_text(b: &[u8]) -> Option<Stamp> {
    let b = b.trim_ascii();
    let (y, m, d) = parse_date(b.get(..10)?)?;
    if !matches!(b.get(10)?, b' ' | b'T') {
        return None;
    }
    let (secs, rest) = clock(&b[11..])?;
    let days = days_from_civil(y, m, d);
    Some(match zone_offset(rest)? {
        None => Stamp::Local { days, secs },
        Some(east) => Stamp::Instant(days * 86_400 + i64::from(secs) - i64::from(east)),
    })
}

/// `HH:MM[:SS[.fraction]]` → seconds into the day and what follows.
fn clock(b: &[u8]) -> Option<(u32, &[u8])> {
    let (h, mi) = (two(b, 0)?, two(b, 3)?);
    if b[2] != b':' {
        return None;
    }
    let mut rest = &b[5..];
    let mut s = 0;
    if let [b':', tail @ ..] = rest {
        s = two(tail, 0)?;
        rest = &tail[2..];
        if let [b'.', fraction @ ..] = rest {
            let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            rest = &fraction[digits..];
        }
    }
    (h <= 23 && mi <= 59 && s <= 59).then_some((h * 3_600 + mi * 60 + s, rest))
}

/// Nothing (local time), or an offset: seconds east of UTC.
fn zone_offset(b: &[u8]) -> Option<Option<i32>> {
    let b = b.strip_prefix(b" ").unwrap_or(b);
    let (sign, hm) = match b {
        [] => return Some(None),
        [b'Z' | b'z'] => return Some(Some(0)),
        [b'+', hm @ ..] => (1, hm),
        [b'-', hm @ ..] => (-1, hm),
        _ => return None,
    };
    let h = two(hm, 0)?;
    let m = match hm.len() {
        2 => 0,
        4 => two(hm, 2)?,
        5 if hm[2] == b':' => two(hm, 3)?,
        _ => return None,
    };
    (h <= 23 && m <= 59).then_some(Some(sign * (h * 3_600 + m * 60) as i32))
}

/// Days cached: eleven years of distinct days before two share a slot.
const ZONE_SLOTS: usize = 4096;
/// Offset marker of a day the zone's offset changes in (a DST switch).
const MIXED: i32 = i32::MIN;

/// Local wall-clock time → instant, cached per local day. Almost every day has one
/// offset from start to end; those are kept in a direct-mapped table keyed by day
/// number, so a million timestamps cost a million additions, not a million timezone
/// lookups. Days with a switch go through [`local_to_instant`] every time.
pub(crate) struct LocalZone {
    tz: Tz,
    /// (day number, offset east of UTC in seconds, or [`MIXED`]).
    days: Box<[(i32, i32); ZONE_SLOTS]>,
}

impl LocalZone {
    /// An empty cache for `tz`.
    pub(crate) fn new(tz: Tz) -> LocalZone {
        LocalZone {
            tz,
            days: Box::new([(i32::MIN, 0); ZONE_SLOTS]),
        }
    }

    /// The instant of local time `secs` into day `days` (since 1970-01-01).
    #[inline]
    pub(crate) fn instant(&mut self, days: i64, secs: u32) -> i64 {
        // Four-digit years keep `days` well inside i32; the fallback covers the rest.
        let Ok(key) = i32::try_from(days) else {
            return local_to_instant(self.tz, naive(days, secs));
        };
        let slot = &mut self.days[(key as usize) & (ZONE_SLOTS - 1)];
        if slot.0 != key {
            *slot = (key, day_offset(self.tz, days));
        }
        if slot.1 == MIXED {
            return local_to_instant(self.tz, naive(days, secs));
        }
        days * 86_400 + i64::from(secs) - i64::from(slot.1)
    }
}

/// The zone's offset on a local day when it is the same at its start and its end.
fn day_offset(tz: Tz, days: i64) -> i32 {
    let start = days * 86_400;
    let end = start + 86_399;
    let at_start = start - local_to_instant(tz, naive(days, 0));
    let at_end = end - local_to_instant(tz, naive(days, 86_399));
    match i32::try_from(at_start) {
        Ok(offset) if at_start == at_end => offset,
        _ => MIXED,
    }
}

fn naive(days: i64, secs: u32) -> NaiveDateTime {
    DateTime::from_timestamp(days * 86_400 + i64::from(secs), 0)
        .expect("four-digit years are within chrono's range")
        .naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SH: Tz = chrono_tz::Asia::Shanghai;
    const NY: Tz = chrono_tz::America::New_York;

    fn local(text: &str, tz: Tz) -> i64 {
        let t = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap();
        local_to_instant(tz, t)
    }

    #[test]
    fn fast_date_accepts_calendar_days_only() {
        assert_eq!(parse_date(b"2026-04-20"), Some((2026, 4, 20)));
        assert_eq!(parse_date(b"2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_date(b"2000-02-29"), Some((2000, 2, 29)));
        assert_eq!(parse_date(b"1900-02-29"), None);
        assert_eq!(parse_date(b"2026-02-29"), None);
        assert_eq!(parse_date(b"2026-02-30"), None);
        assert_eq!(parse_date(b"2026-04-31"), None);
        assert_eq!(parse_date(b"2026-13-01"), None);
        assert_eq!(parse_date(b"2026-00-10"), None);
        assert_eq!(parse_date(b"2026-01-00"), None);
        assert_eq!(parse_date(b"2026-1-01"), None);
        assert_eq!(parse_date(b"2026/01/01"), None);
        assert_eq!(parse_date("２026-01-01".as_bytes()), None);
    }

    #[test]
    fn day_numbers_match_chrono() {
        for text in [
            "0000-01-01",
            "0000-03-01",
            "0399-12-31",
            "1900-01-01",
            "1969-12-31",
            "1970-01-01",
            "2000-02-29",
            "2026-05-01",
            "9999-12-31",
        ] {
            let (y, m, d) = parse_date(text.as_bytes()).unwrap();
            let chrono = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            assert_eq!(
                days_from_civil(y, m, d),
                (chrono - epoch).num_days(),
                "{text}"
            );
        }
    }

    #[test]
    fn fast_datetime_validates_every_part() {
        let (days, secs) = local_datetime_fast(b"2026-05-01 20:00:00").unwrap();
        assert_eq!(
            days * 86_400 + i64::from(secs) - 8 * 3_600,
            local("2026-05-01 20:00:00", SH)
        );
        assert!(local_datetime_fast(b"2024-02-29 23:59:59").is_some());
        for bad in [
            "2026-02-29 10:00:00",
            "2026-04-31 10:00:00",
            "2026-13-01 10:00:00",
            "2026-05-01 24:00:00",
            "2026-05-01 10:60:00",
            "2026-05-01 10:00:60",
            "2026-05-01T10:00:00",
            "2026-05-01 10:00",
            "2026-05-01 1:00:00 ",
        ] {
            assert_eq!(local_datetime_fast(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn other_time_shapes_agree_with_the_fast_one() {
        let expected = Stamp::Local {
            days: days_from_civil(2026, 5, 1),
            secs: 20 * 3_600,
        };
        for text in [
            "2026-05-01 20:00:00",
            "2026-05-01T20:00:00",
            "2026-05-01 20:00",
            "2026-05-01T20:00:00.250",
            " 2026-05-01 20:00:00 ",
        ] {
            assert_eq!(parse_time_text(text.as_bytes()), Some(expected), "{text}");
        }
        let utc = local("2026-05-01 20:00:00", SH);
        for text in [
            "2026-05-01 20:00:00+08:00",
            "2026-05-01T20:00:00+0800",
            "2026-05-01 20:00:00 +08",
            "2026-05-01T12:00:00Z",
            "2026-05-01T07:00:00-05:00",
        ] {
            assert_eq!(
                parse_time_text(text.as_bytes()),
                Some(Stamp::Instant(utc)),
                "{text}"
            );
        }
        for bad in [
            "2026-05-01",
            "2026-05-01 20",
            "2026-05-01 20:00:00+8",
            "2026-05-01 20:00:00.",
            "yesterday",
        ] {
            assert_eq!(parse_time_text(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn unix_seconds_stored_as_text_are_read_back() {
        // A TEXT-affinity column (the spec's `events.at TEXT`) keeps 1776650400 as text.
        let mut zone = LocalZone::new(NY);
        assert_eq!(time(Raw::Text(b"1776650400"), &mut zone), Ok(1_776_650_400));
        assert!(time(Raw::Text(b"99999999999999"), &mut zone).is_err());
        assert!(time(Raw::Text(b"12a"), &mut zone).is_err());
    }

    #[test]
    fn offset_cache_handles_dst_days() {
        let mut zone = LocalZone::new(NY);
        // 2026-03-08: clocks go 02:00 → 03:00; 2026-11-01: 02:00 → 01:00.
        for text in [
            "2026-03-07 12:00:00",
            "2026-03-08 01:30:00",
            "2026-03-08 02:30:00",
            "2026-03-08 03:30:00",
            "2026-11-01 01:30:00",
            "2026-11-01 23:00:00",
            "2026-11-02 00:00:00",
        ] {
            let (days, secs) = local_datetime_fast(text.as_bytes()).unwrap();
            // Twice: the second read comes from the cache.
            assert_eq!(zone.instant(days, secs), local(text, NY), "{text}");
            assert_eq!(zone.instant(days, secs), local(text, NY), "{text}");
        }
    }

    #[test]
    fn percents_are_exact_basis_points() {
        let mut scratch = String::new();
        assert_eq!(percent(Raw::Int(30), &mut scratch), Ok(Rate(3_000)));
        assert_eq!(percent(Raw::Real(12.5), &mut scratch), Ok(Rate(1_250)));
        assert_eq!(percent(Raw::Real(0.01), &mut scratch), Ok(Rate(1)));
        assert_eq!(percent(Raw::Text(b"12.5%"), &mut scratch), Ok(Rate(1_250)));
        assert_eq!(percent(Raw::Text(b"-0.25%"), &mut scratch), Ok(Rate(-25)));
        assert!(percent(Raw::Text(b"12.505%"), &mut scratch).is_err());
        assert!(percent(Raw::Real(0.001), &mut scratch).is_err());
        assert!(percent(Raw::Text(b"12.5"), &mut scratch).is_err());
    }

    #[test]
    fn set_elements_are_trimmed_of_any_white_space() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let padded = format!("{c}价格{c}");
            let expected = if c.is_whitespace() { "价格" } else { &padded };
            assert_eq!(trim_spaces(&padded), expected, "U+{:04X}", c as u32);
        }
        assert_eq!(trim_spaces("穿搭"), "穿搭");
        let mut out = String::new();
        comma_set(" a，b ,,a,\u{3000}c\u{3000}", &mut out).unwrap();
        assert_eq!(out, ["a", "b", "c"].join(&SET_SEPARATOR.to_string()));
    }

    #[test]
    fn durations_and_sql_text() {
        assert_eq!(duration_text(b"30d"), Some(30 * 86_400));
        assert_eq!(duration_text(b"1w"), Some(604_800));
        assert_eq!(duration_text(b"15m"), Some(900));
        assert_eq!(duration_text(b"d"), None);
        assert_eq!(duration_text(b"-1d"), None);
        assert_eq!(duration_text(b"3x"), None);
        assert_eq!(Raw::Text(b"it's").sql_text(), "'it''s'");
        assert_eq!(Raw::Real(2.0).sql_text(), "2.0");
        assert_eq!(Raw::Blob(&[0, 255]).sql_text(), "X'00ff'");
        assert_eq!(Raw::Null.sql_text(), "NULL");
    }
}
