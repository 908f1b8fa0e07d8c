//! Stored values → runtime values, one declared type at a time.
//!
//! The encodings are those of the runtime spec ("Data in"), as shop and SCRM exports
//! deliver them. A decoder never guesses: a value it cannot read exactly becomes a
//! message naming what was expected, and the caller records it as a bad value. Decoding
//! a good value allocates nothing: text goes into the slot's reused buffer.
//!
//! The [`Decoder`] and the plain forms a filter may trust are here; `raw` holds the
//! stored value and how a report shows it, `scalar` and `set` decode each type, and
//! `calendar` reads date and time texts.

mod calendar;
mod raw;
mod scalar;
mod set;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::check::types::{Base, Type};
use crate::money::Fen;
use crate::value::{SET_SEPARATOR, Val};
use calendar::{LocalZone, local_datetime_fast, ordinal, parse_date};
use raw::shortened;
pub(crate) use raw::{Raw, read_id};
use scalar::{boolean, date, decimal, duration, int, money, percent, text, time, time_of_day};
use set::text_set;

/// The problem of a NULL where the schema wants a value.
pub(crate) const NULL_IN_REQUIRED: &str = "NULL in a non-optional field";
const EMPTY_TEXT: &str = "empty text: use NULL for a missing value";

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

/// Decoders are equal when they decode alike (`spare` is a buffer).
impl PartialEq for Decoder {
    fn eq(&self, other: &Decoder) -> bool {
        self.kind == other.kind && self.optional == other.optional
    }
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
        #[allow(clippy::unreachable, reason = "made text just above")]
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
