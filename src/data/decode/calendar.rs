//! Date and time texts: the exports' own `YYYY-MM-DD HH:MM:SS` read fast, every other
//! accepted shape, day numbers, and the per-day offset cache of the playbook's timezone.

use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Tz;

use crate::time::local_to_instant;

/// A parsed time text: a local wall-clock time, or an instant when it had an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stamp {
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
pub(super) fn ymd_shape(b: &[u8]) -> Option<(i32, u32, u32)> {
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
pub(super) fn parse_date(b: &[u8]) -> Option<(i32, u32, u32)> {
    let (y, m, d) = ymd_shape(b)?;
    is_calendar_day(y, m, d).then_some((y, m, d))
}

#[inline]
pub(super) fn is_calendar_day(year: i32, month: u32, day: u32) -> bool {
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
pub(super) fn ordinal(year: i32, month: u32, day: u32) -> u32 {
    const BEFORE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    BEFORE[month as usize - 1] + day + u32::from(month > 2 && is_leap(year))
}

/// Days since 1970-01-01 of a valid proleptic Gregorian date with a four-digit year
/// (H. Hinnant's `days_from_civil`, shifted one 400-year era so that every step is an
/// unsigned division by a constant).
#[inline(always)]
pub(super) fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
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
pub(super) fn local_datetime_fast(b: &[u8]) -> Option<(i64, u32)> {
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
pub(super) fn parse_time_text(b: &[u8]) -> Option<Stamp> {
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
pub(super) struct LocalZone {
    tz: Tz,
    /// (day number, offset east of UTC in seconds, or [`MIXED`]).
    days: Box<[(i32, i32); ZONE_SLOTS]>,
}

impl LocalZone {
    /// An empty cache for `tz`.
    pub(super) fn new(tz: Tz) -> LocalZone {
        LocalZone {
            tz,
            days: Box::new([(i32::MIN, 0); ZONE_SLOTS]),
        }
    }

    /// The instant of local time `secs` into day `days` (since 1970-01-01).
    #[inline]
    pub(super) fn instant(&mut self, days: i64, secs: u32) -> i64 {
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

#[allow(
    clippy::expect_used,
    reason = "days come from four-digit years, well inside chrono's range"
)]
fn naive(days: i64, secs: u32) -> NaiveDateTime {
    DateTime::from_timestamp(days * 86_400 + i64::from(secs), 0)
        .expect("four-digit years are within chrono's range")
        .naive_utc()
}
