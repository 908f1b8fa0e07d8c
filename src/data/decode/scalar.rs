//! Decoding each scalar type (int, decimal, money, percent, bool, text, time, date,
//! duration, time of day) from the forms it may be stored in.

use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::calendar::{
    LocalZone, Stamp, is_calendar_day, local_datetime_fast, ordinal, parse_time_text, ymd_shape,
};
use super::raw::{Raw, utf8, wrong};
use crate::money::{Fen, Rate};

const UNPARSABLE_TIME: &str = "unparsable time: expected 'YYYY-MM-DD HH:MM:SS' in the playbook's \
     timezone (an offset like +08:00 is honoured) or INTEGER Unix seconds";
/// Unix seconds of 1900-01-01T00:00:00Z and 9999-12-31T23:59:59Z: integers outside are
/// not seconds (milliseconds, usually).
const UNIX_RANGE: std::ops::RangeInclusive<i64> = -2_208_988_800..=253_402_300_799;

pub(super) fn int(raw: Raw<'_>) -> Result<i64, String> {
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

pub(super) fn decimal(raw: Raw<'_>, scratch: &mut String) -> Result<Decimal, String> {
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

pub(super) fn money(raw: Raw<'_>) -> Result<Fen, String> {
    match raw {
        Raw::Int(i) => Ok(Fen(i)),
        _ => Err(format!(
            "wrong type: money is stored as INTEGER fen (¥12.50 is 1250), found {}",
            raw.type_name()
        )),
    }
}

pub(super) fn percent(raw: Raw<'_>, scratch: &mut String) -> Result<Rate, String> {
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

pub(super) fn boolean(raw: Raw<'_>) -> Result<bool, String> {
    match raw {
        Raw::Int(0) => Ok(false),
        Raw::Int(1) => Ok(true),
        Raw::Int(_) => Err("out of range: bool is 0 or 1".to_owned()),
        Raw::Bool(b) => Ok(b),
        _ => Err(wrong("a bool as INTEGER 0 or 1", raw)),
    }
}

pub(super) fn text(raw: Raw<'_>, out: &mut String) -> Result<(), String> {
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

pub(super) fn time(raw: Raw<'_>, zone: &mut LocalZone) -> Result<i64, String> {
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

pub(super) fn date(raw: Raw<'_>) -> Result<NaiveDate, String> {
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

pub(super) fn duration(raw: Raw<'_>) -> Result<i64, String> {
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
pub(super) fn duration_text(b: &[u8]) -> Option<i64> {
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

pub(super) fn time_of_day(raw: Raw<'_>) -> Result<NaiveTime, String> {
    match raw {
        Raw::Text(b) => crate::syntax::literal::time_of_day(utf8(b)?),
        _ => Err(wrong("a time of day as TEXT 'HH:MM'", raw)),
    }
}
