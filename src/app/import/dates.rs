//! The date, time and duration spellings of shop exports: `2026/5/1 9:05`,
//! `2026-05-01 09:05:00`, `2026-05-01T09:05:00+08:00`, `2026年5月1日`, `20260501`;
//! `30d`, `2小时`, `15分钟`.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

/// A time as written: a wall-clock time (in the playbook's timezone) or, when the
/// text carried an offset or was Unix seconds, an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// A local wall-clock time.
    Local(NaiveDateTime),
    /// Unix seconds.
    Instant(i64),
}

const TIME_SPELLINGS: &str = "expected a time like `2026-05-01 09:05:00`, `2026/5/1 9:05`, \
    `2026-05-01T09:05:00+08:00` or `2026年5月1日`";
const DATE_SPELLINGS: &str =
    "expected a date like `2026-05-01`, `2026/5/1`, `2026年5月1日` or `20260501`";
/// Unix seconds of 1900-01-01 and 9999-12-31, the range `run` reads.
const UNIX_RANGE: std::ops::RangeInclusive<i64> = -2_208_988_800..=253_402_300_799;

/// Reads a time. A date alone is its midnight; digits alone are Unix seconds, from
/// 1000000000 (2001-09-09) on: fewer are refused, as a serial date they likely are.
pub fn time_text(text: &str) -> Result<When, String> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && text.len() != 8 {
        let n: i64 = text.parse().map_err(|_| "out of range".to_owned())?;
        if n < 1_000_000_000 {
            // Unix seconds this small are before 2001-09-09: far likelier a
            // spreadsheet's serial date (46000 is 2025-12-09) read as seconds of 1970.
            return Err(
                "digits below 1000000000: an Excel serial date, or too small for Unix seconds \
                 (before 2001-09-09)? write the time as `2026-05-01 09:05:00`"
                    .to_owned(),
            );
        }
        if UNIX_RANGE.contains(&n) {
            return Ok(When::Instant(n));
        }
        let hint = if UNIX_RANGE.contains(&(n / 1000)) {
            " (milliseconds? give Unix seconds)"
        } else {
            ""
        };
        return Err(format!("Unix seconds outside the years 1900 to 9999{hint}"));
    }
    let (date, rest) = split_date(text).ok_or_else(|| TIME_SPELLINGS.to_owned())?;
    let date = calendar_day(date)?;
    let rest = rest.trim_start_matches(['T', ' ']).trim_start();
    if rest.is_empty() {
        return Ok(When::Local(date.and_time(NaiveTime::MIN)));
    }
    let (clock, offset) = clock_and_offset(rest).ok_or_else(|| TIME_SPELLINGS.to_owned())?;
    let local = date.and_time(clock);
    match offset {
        None => Ok(When::Local(local)),
        Some(offset) => offset
            .from_local_datetime(&local)
            .single()
            .map(|t| When::Instant(t.timestamp()))
            .ok_or_else(|| TIME_SPELLINGS.to_owned()),
    }
}

/// Reads a date; a time of exactly midnight after it is allowed (`2026/5/1 0:00`,
/// as spreadsheets export date columns).
pub fn date_text(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let (date, rest) = split_date(text).ok_or_else(|| DATE_SPELLINGS.to_owned())?;
    let day = calendar_day(date)?;
    let rest = rest.trim_start_matches(['T', ' ']).trim_start();
    if rest.is_empty() {
        return Ok(day);
    }
    match clock_and_offset(rest) {
        Some((clock, None)) if clock == NaiveTime::MIN => Ok(day),
        Some(_) => Err("a date is a day: found a time of day after it".to_owned()),
        None => Err(DATE_SPELLINGS.to_owned()),
    }
}

/// Splits `text` into its date part (year, month and day as numbers) and the rest.
fn split_date(text: &str) -> Option<((i32, u32, u32), &str)> {
    // `2026年5月1日`: the units are the separators.
    if let Some((year, rest)) = text.split_once('年') {
        let (month, rest) = rest.split_once('月')?;
        let (day, rest) = rest.split_once(['日', '号'])?;
        return Some(((number(year)?, number(month)?, number(day)?), rest));
    }
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '/' | '.')))
        .unwrap_or(text.len());
    let (date, rest) = text.split_at(end);
    if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
        let (y, md) = date.split_at(4);
        let (m, d) = md.split_at(2);
        return Some(((number(y)?, number(m)?, number(d)?), rest));
    }
    let sep = date.chars().find(|c| !c.is_ascii_digit())?;
    let mut parts = date.split(sep);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let well_formed = parts.next().is_none()
        && y.len() == 4
        && (1..=2).contains(&m.len())
        && (1..=2).contains(&d.len());
    well_formed.then_some(((number(y)?, number(m)?, number(d)?), rest))
}

fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    let text = text.trim();
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn calendar_day((y, m, d): (i32, u32, u32)) -> Result<NaiveDate, String> {
    if !(1900..=9999).contains(&y) {
        return Err(format!("year {y} is outside 1900 to 9999"));
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("{y}-{m:02}-{d:02} is no calendar day"))
}

/// `9:05`, `09:05:00`, `09:05:00.123` (the fraction dropped), then an optional
/// offset: `Z`, `+08:00`, `+0800`, `+08`, optionally after one space.
fn clock_and_offset(text: &str) -> Option<(NaiveTime, Option<FixedOffset>)> {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(text.len());
    let (clock, offset) = text.split_at(end);
    let clock = clock.split_once('.').map_or(clock, |(whole, frac)| {
        if frac.bytes().all(|b| b.is_ascii_digit()) {
            whole
        } else {
            ""
        }
    });
    let mut parts = clock.split(':');
    let h: u32 = number(parts.next()?)?;
    let m = parts.next()?;
    let s = parts.next();
    if parts.next().is_some() || m.len() != 2 || s.is_some_and(|s| s.len() != 2) {
        return None;
    }
    let time = NaiveTime::from_hms_opt(h, number(m)?, s.map_or(Some(0), number)?)?;
    let offset = offset.strip_prefix(' ').unwrap_or(offset);
    if offset.is_empty() {
        return Some((time, None));
    }
    Some((time, Some(parse_offset(offset)?)))
}

fn parse_offset(text: &str) -> Option<FixedOffset> {
    if text == "Z" || text == "z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits = digits.replacen(':', "", 1);
    if !matches!(digits.len(), 2 | 4) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// Reads a duration: whole seconds, or a number with a unit: `30d`, `2h`, `15m`,
/// `1w`, `45s`, or `30天`, `2小时`, `15分钟`, `1周`, `45秒`.
pub fn duration_text(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(end);
    let unit_seconds = match unit.trim() {
        "" | "s" | "秒" => 1,
        "m" | "分" | "分钟" => 60,
        "h" | "时" | "小时" => 3_600,
        "d" | "天" | "日" => 86_400,
        "w" | "周" | "星期" => 604_800,
        _ => 0,
    };
    if digits.is_empty() || unit_seconds == 0 {
        return Err(
            "expected a duration like `30d`, `2h`, `15m`, `30天`, `2小时` or seconds".into(),
        );
    }
    digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_seconds))
        .ok_or_else(|| "out of range for a duration".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> String {
        match time_text(text) {
            Ok(When::Local(t)) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn shop_time_spellings_are_read() {
        for text in [
            "2026/5/1 9:05",
            "2026-05-01 09:05:00",
            "2026-05-01T09:05",
            "2026.05.01 09:05:00.250",
            "2026年5月1日 9:05",
            " 2026/05/01 09:05 ",
        ] {
            assert_eq!(local(text), "2026-05-01 09:05:00", "{text}");
        }
        assert_eq!(local("2026年5月1日"), "2026-05-01 00:00:00");
        assert_eq!(local("20260501"), "2026-05-01 00:00:00");
    }

    #[test]
    fn offsets_and_unix_seconds_are_instants() {
        let at = 1_777_597_500; // 2026-05-01T09:05:00+08:00
        for text in [
            "2026-05-01T09:05:00+08:00",
            "2026-05-01 09:05:00 +0800",
            "2026-05-01T01:05:00Z",
            "2026-05-01 01:05+00",
            "1777597500",
        ] {
            assert_eq!(time_text(text), Ok(When::Instant(at)), "{text}");
        }
        assert!(
            time_text("1777597500000")
                .unwrap_err()
                .contains("milliseconds")
        );
        for serial in ["46000", "46143.5", "0", "999999999"] {
            assert!(time_text(serial).is_err(), "{serial}");
        }
        assert!(
            time_text("46000")
                .unwrap_err()
                .contains("Excel serial date")
        );
        assert_eq!(time_text("1000000000"), Ok(When::Instant(1_000_000_000)));
    }

    #[test]
    fn wrong_times_are_refused() {
        for text in [
            "2026-02-30 10:00",
            "2026/5/1 25:00",
            "5/1/2026",
            "2026-05-01 9",
            "2026-05-01 09:05:00+25:00",
            "yesterday",
            "26-5-1",
        ] {
            assert!(time_text(text).is_err(), "{text}");
        }
    }

    #[test]
    fn dates_allow_midnight_only() {
        let day = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        for text in [
            "2026-05-01",
            "2026/5/1",
            "2026年5月1日",
            "20260501",
            "2026/5/1 0:00",
        ] {
            assert_eq!(date_text(text), Ok(day), "{text}");
        }
        assert!(date_text("2026/5/1 9:05").is_err());
        assert!(date_text("2026-13-01").is_err());
    }

    #[test]
    fn durations_in_both_languages() {
        assert_eq!(duration_text("30d"), Ok(2_592_000));
        assert_eq!(duration_text("2小时"), Ok(7_200));
        assert_eq!(duration_text("15 分钟"), Ok(900));
        assert_eq!(duration_text("45"), Ok(45));
        assert!(duration_text("1.5h").is_err());
        assert!(duration_text("h").is_err());
    }
}
