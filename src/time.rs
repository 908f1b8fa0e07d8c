//! Instants and local calendars: every instant is Unix seconds; days, ISO weeks and
//! months are local to the playbook's timezone.

use chrono::{
    DateTime, Datelike, Days, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone,
};
use chrono_tz::Tz;

/// A calendar period local to the playbook's timezone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// A local calendar day.
    Day,
    /// An ISO week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
}

impl Period {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }
}

/// The instant of a local wall-clock time. An ambiguous time (clocks turned back)
/// is its earlier instant; a time skipped by a DST jump is read an hour later.
pub fn local_to_instant(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.timestamp(),
        LocalResult::Ambiguous(a, _) => a.timestamp(),
        LocalResult::None => tz
            .from_local_datetime(&(local + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| local.and_utc().timestamp(), |t| t.timestamp()),
    }
}

/// The local wall-clock time of an instant.
pub fn instant_local(tz: Tz, instant: i64) -> NaiveDateTime {
    DateTime::from_timestamp(instant, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .naive_local()
}

/// The local date of an instant.
pub fn local_date(tz: Tz, instant: i64) -> NaiveDate {
    instant_local(tz, instant).date()
}

/// The instant a local day starts.
pub fn day_start(tz: Tz, day: NaiveDate) -> i64 {
    local_to_instant(tz, day.and_time(chrono::NaiveTime::MIN))
}

/// RFC 3339 with the local offset, e.g. `2026-04-20T09:59:00+08:00`.
pub fn format_instant(tz: Tz, instant: i64) -> String {
    DateTime::from_timestamp(instant, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A number naming the local day, ISO week or month an instant falls in; equal
/// numbers mean the same period.
pub fn period_key(tz: Tz, instant: i64, period: Period) -> i64 {
    let date = local_date(tz, instant);
    match period {
        Period::Day => i64::from(date.num_days_from_ce()),
        Period::Week => {
            let monday = date
                .checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
                .unwrap_or(date);
            i64::from(monday.num_days_from_ce())
        }
        Period::Month => i64::from(date.year()) * 12 + i64::from(date.month0()),
    }
}

/// Reads `--at` / `--since`: `YYYY-MM-DD HH:MM[:SS]` local to `tz`, a bare date
/// (its midnight), or RFC 3339 with an offset.
pub fn parse_instant(text: &str, tz: Tz) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::<FixedOffset>::parse_from_rfc3339(text) {
        return Ok(t.timestamp());
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(local_to_instant(tz, local));
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day_start(tz, day));
    }
    Err(format!(
        "`{text}` is not a time: write `YYYY-MM-DD HH:MM[:SS]` (local to the playbook) or RFC 3339 like `2026-04-20T10:00:00+08:00`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SH: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn local_and_rfc3339_agree() {
        let a = parse_instant("2026-04-20 10:00", SH).unwrap();
        let b = parse_instant("2026-04-20T10:00:00+08:00", SH).unwrap();
        assert_eq!(a, b);
        assert_eq!(format_instant(SH, a), "2026-04-20T10:00:00+08:00");
        assert!(parse_instant("20 April", SH).is_err());
    }

    #[test]
    fn weeks_start_on_monday_locally() {
        // 2026-04-19 is a Sunday, 2026-04-20 a Monday (local).
        let sun = parse_instant("2026-04-19 23:59:59", SH).unwrap();
        let mon = parse_instant("2026-04-20 00:00", SH).unwrap();
        assert_ne!(
            period_key(SH, sun, Period::Week),
            period_key(SH, mon, Period::Week)
        );
        assert_eq!(
            period_key(SH, mon, Period::Week),
            period_key(SH, mon + 6 * 86_400, Period::Week)
        );
        assert_eq!(
            period_key(SH, sun, Period::Month),
            period_key(SH, mon, Period::Month)
        );
    }
}
