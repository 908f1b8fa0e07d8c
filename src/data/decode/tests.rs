//! Unit tests of the decoders: the fast date and time shapes against chrono, the
//! other time shapes, the offset cache across DST days, percents, sets, durations.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use super::Raw;
use super::calendar::{
    LocalZone, Stamp, days_from_civil, local_datetime_fast, parse_date, parse_time_text,
};
use super::scalar::{duration_text, percent, time};
use super::set::{comma_set, trim_spaces};
use crate::money::Rate;
use crate::time::local_to_instant;
use crate::value::SET_SEPARATOR;

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
