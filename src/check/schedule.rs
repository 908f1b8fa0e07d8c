//! Schedules: well-formed, firing at least once inside `active` ∩ `during`, and never
//! ticking in quiet hours.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::{Checker, Program, ScheduleSpec};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{CalendarDay, Schedule};

/// Parses a five-field cron expression (minute hour day-of-month month day-of-week).
pub fn parse_cron(pattern: &str) -> Result<croner::Cron, String> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Disallowed)
        .year(croner::parser::Year::Disallowed)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())
}

/// The local times of day at which a schedule ticks on `day`, in order.
pub fn ticks_on(
    spec: &ScheduleSpec,
    cron: Option<&croner::Cron>,
    day: NaiveDate,
) -> Vec<NaiveTime> {
    match spec {
        ScheduleSpec::Daily(t) => vec![*t],
        ScheduleSpec::Weekly(days, t) => {
            if days.contains(&day.weekday()) {
                vec![*t]
            } else {
                vec![]
            }
        }
        ScheduleSpec::Interval {
            step_seconds,
            from,
            to,
        } => interval_times(*step_seconds, *from, *to),
        ScheduleSpec::Monthly(d, t) => {
            if day.day() == *d {
                vec![*t]
            } else {
                vec![]
            }
        }
        ScheduleSpec::Once(at) => {
            if at.date() == day {
                vec![at.time()]
            } else {
                vec![]
            }
        }
        ScheduleSpec::Cron(_) => cron.map_or_else(Vec::new, |c| cron_times(c, day)),
        // A day of a year without data never ticks: a run stops before it asks.
        ScheduleSpec::Calendar(kind, t, calendar) => {
            let on = match kind {
                CalendarDay::Workday => calendar.is_workday(day),
                CalendarDay::Holiday => calendar.is_holiday(day),
            };
            if on.unwrap_or(false) {
                vec![*t]
            } else {
                vec![]
            }
        }
    }
}

fn interval_times(step: i64, from: NaiveTime, to: NaiveTime) -> Vec<NaiveTime> {
    let (start, end) = (
        from.num_seconds_from_midnight() as i64,
        to.num_seconds_from_midnight() as i64,
    );
    if step <= 0 {
        return Vec::new();
    }
    (0..)
        .map(|k| start + k * step)
        .take_while(|s| *s <= end)
        .filter_map(|s| NaiveTime::from_num_seconds_from_midnight_opt(s as u32, 0))
        .collect()
}

fn cron_times(cron: &croner::Cron, day: NaiveDate) -> Vec<NaiveTime> {
    let start = day.and_time(NaiveTime::MIN);
    let mut out = Vec::new();
    let mut cursor: NaiveDateTime = start;
    let mut inclusive = true;
    while let Ok(next) = cron.find_next_occurrence(&cursor, inclusive) {
        if next.date() != day || out.len() >= 24 * 60 {
            break;
        }
        out.push(next.time());
        cursor = next;
        inclusive = false;
    }
    out
}

/// Checks a schedule clause and returns its checked form. `during` is the rule's
/// days (`Some(None)` without `during`), `None` when a date range could not be read:
/// then whether and when the schedule fires inside it is not looked into.
pub(super) fn check_schedule(
    c: &mut Checker<'_>,
    p: &Program,
    s: &Schedule,
    span: Span,
    during: Option<Option<(NaiveDate, NaiveDate)>>,
) -> Option<ScheduleSpec> {
    let spec = well_formed(c, p, s)?;
    if matches!(spec, ScheduleSpec::Calendar(..)) && !calendar_covers(c, p, span, during) {
        return Some(spec);
    }
    let cron = match &spec {
        ScheduleSpec::Cron(text) => parse_cron(text).ok(),
        _ => None,
    };
    let window = during.and_then(|d| window(p.settings.active, d));
    match window {
        Some((from, to)) if from > to => {
            c.report(
                Diagnostic::new(
                    Code::ScheduleNeverFires,
                    span,
                    "`during` lies outside `active`",
                )
                .label("never fires")
                .help("move `during` inside the active period"),
            );
            return Some(spec);
        }
        Some((from, to)) if first_tick(&spec, cron.as_ref(), from, to).is_none() => {
            c.report(
                Diagnostic::new(
                    Code::ScheduleNeverFires,
                    span,
                    format!("this schedule never fires between {from} and {to}"),
                )
                .label("no tick in the active period")
                .help("change the schedule, `during` or `active` so that they meet"),
            );
        }
        _ => {}
    }
    if let Some((q0, q1)) = p.settings.quiet {
        quiet_ticks(c, &spec, cron.as_ref(), (q0, q1), span, window);
    }
    Some(spec)
}

/// Whether the working calendar covers every year of `active` ∩ `during` (see
/// [`check_schedule`] for `during`); reports the first year it does not. Days
/// without bounds are not looked into here: a run stops at a year without data.
pub(super) fn calendar_covers(
    c: &mut Checker<'_>,
    p: &Program,
    span: Span,
    during: Option<Option<(NaiveDate, NaiveDate)>>,
) -> bool {
    let Some((from, to)) = during.and_then(|d| window(p.settings.active, d)) else {
        return true;
    };
    let Some(year) = p.settings.calendar.first_uncovered(from, to) else {
        return true;
    };
    let years: Vec<i32> = p.settings.calendar.covered_years().collect();
    let covered = match (years.first(), years.last()) {
        (Some(a), Some(b)) if (b - a) as usize + 1 == years.len() => format!("{a} to {b}"),
        _ => years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    };
    c.report(
        Diagnostic::new(
            Code::CalendarNotCovered,
            span,
            format!("the working calendar has no data for {year}"),
        )
        .label(format!("asks about days of {year} ({from} .. {to})"))
        .help(format!(
            "the calendar covers {covered}; add `year {year}` with its holidays to a `calendar` file (docs/calendar.md)"
        )),
    );
    false
}

fn window(
    active: Option<(NaiveDate, NaiveDate)>,
    during: Option<(NaiveDate, NaiveDate)>,
) -> Option<(NaiveDate, NaiveDate)> {
    match (active, during) {
        (Some((a0, a1)), Some((d0, d1))) => Some((a0.max(d0), a1.min(d1))),
        (a, d) => a.or(d),
    }
}

/// Most days searched for a tick; a schedule that fires at all fires within a year
/// (a `monthly on 29` fires in some month of any 366 days… except `on 31` in short
/// windows, which the window bound covers).
const SEARCH_DAYS: i64 = 800;

fn first_tick(
    spec: &ScheduleSpec,
    cron: Option<&croner::Cron>,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<NaiveDateTime> {
    let days = (to - from).num_days().min(SEARCH_DAYS);
    (0..=days)
        .filter_map(|k| from.checked_add_signed(Duration::days(k)))
        .find_map(|day| ticks_on(spec, cron, day).first().map(|t| day.and_time(*t)))
}

/// Whether `t` is inside quiet hours `[from, to)`, which may wrap midnight.
pub fn in_quiet(t: NaiveTime, (from, to): (NaiveTime, NaiveTime)) -> bool {
    if from < to {
        from <= t && t < to
    } else {
        t >= from || t < to
    }
}

fn quiet_ticks(
    c: &mut Checker<'_>,
    spec: &ScheduleSpec,
    cron: Option<&croner::Cron>,
    quiet: (NaiveTime, NaiveTime),
    span: Span,
    window: Option<(NaiveDate, NaiveDate)>,
) {
    // Times of day repeat weekly at most (cron may vary by day): a sample week
    // from the window's start covers every form.
    let start = window.map_or(
        NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default(),
        |w| w.0,
    );
    let days: Vec<NaiveDate> = match spec {
        ScheduleSpec::Once(at) => vec![at.date()],
        ScheduleSpec::Monthly(..) | ScheduleSpec::Cron(_) => (0..62)
            .filter_map(|k| start.checked_add_signed(Duration::days(k)))
            .collect(),
        _ => (0..7)
            .filter_map(|k| start.checked_add_signed(Duration::days(k)))
            .collect(),
    };
    let hit = days
        .iter()
        .flat_map(|d| ticks_on(spec, cron, *d))
        .find(|t| in_quiet(*t, quiet));
    if let Some(t) = hit {
        c.report(
            Diagnostic::new(
                Code::ScheduleInQuietHours,
                span,
                format!(
                    "this schedule ticks at {} in quiet hours",
                    t.format("%H:%M")
                ),
            )
            .label(format!(
                "quiet from {} to {}",
                quiet.0.format("%H:%M"),
                quiet.1.format("%H:%M")
            ))
            .help("move the schedule outside the quiet period, or change `quiet` in the header"),
        );
    }
}

fn well_formed(c: &mut Checker<'_>, p: &Program, s: &Schedule) -> Option<ScheduleSpec> {
    let bad = |c: &mut Checker<'_>, at: Span, msg: String, help: &str| {
        c.report(
            Diagnostic::new(Code::InvalidSchedule, at, msg)
                .label("invalid schedule")
                .help(help.to_string()),
        );
        None
    };
    Some(match s {
        Schedule::Daily(t) => ScheduleSpec::Daily(t.node),
        Schedule::Weekly { days, at } => {
            ScheduleSpec::Weekly(days.iter().map(|d| d.node).collect(), at.node)
        }
        Schedule::Interval { step, from, to } => {
            // A step that does not divide a day would tick at other times of day on
            // each day it carried over: only steps that fit a day evenly are steps.
            let seconds = step.node.seconds;
            if seconds <= 0 || seconds > 86_400 || 86_400 % seconds != 0 {
                return bad(
                    c,
                    step.span,
                    format!(
                        "a step of `{}{}` does not divide a day",
                        seconds / step.node.unit.seconds(),
                        step.node.unit.suffix()
                    ),
                    "give a step that divides 24h (1h, 2h, 3h, 4h, 6h, 8h, 12h, or minutes such as 30m, 45m, 90m); for other times list them: `every day at 09:00` rules or `cron \"0 9,14,19 * * *\"`",
                );
            }
            if to.node < from.node {
                c.report(
                    Diagnostic::new(
                        Code::EmptyRange,
                        from.span.to(to.span),
                        "the interval ends before it starts",
                    )
                    .label(format!(
                        "{} is after {}",
                        from.node.format("%H:%M"),
                        to.node.format("%H:%M")
                    ))
                    .help("write the earlier time first: `from 09:00 to 21:00`"),
                );
                return None;
            }
            ScheduleSpec::Interval {
                step_seconds: step.node.seconds,
                from: from.node,
                to: to.node,
            }
        }
        Schedule::Monthly { day, at } => {
            if !(1..=31).contains(&day.node) {
                return bad(
                    c,
                    day.span,
                    format!("there is no day {} in a month", day.node),
                    "give a day from 1 to 31",
                );
            }
            ScheduleSpec::Monthly(day.node as u32, at.node)
        }
        Schedule::Once(at) => ScheduleSpec::Once(at.node),
        Schedule::Calendar { day, at } => {
            ScheduleSpec::Calendar(day.node, at.node, p.settings.calendar.clone())
        }
        Schedule::Cron(text) => {
            if let Err(e) = parse_cron(&text.node) {
                return bad(
                    c,
                    text.span,
                    format!("`{}` is not a cron expression: {e}", text.node),
                    "write five fields: minute hour day-of-month month day-of-week, e.g. `\"0 20 * * *\"`",
                );
            }
            ScheduleSpec::Cron(text.node.clone())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn quiet_hours_wrap_midnight() {
        let q = (t(22, 0), t(8, 0));
        assert!(in_quiet(t(22, 0), q));
        assert!(in_quiet(t(3, 0), q));
        assert!(!in_quiet(t(8, 0), q));
        assert!(!in_quiet(t(21, 59), q));
    }

    #[test]
    fn interval_includes_both_ends_on_the_step() {
        let times = interval_times(7200, t(9, 0), t(21, 0));
        assert_eq!(times.len(), 7);
        assert_eq!(times.last(), Some(&t(21, 0)));
    }

    #[test]
    fn cron_ticks_in_local_time() {
        let cron = parse_cron("0 20 * * 5").unwrap();
        let friday = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        assert_eq!(cron_times(&cron, friday), vec![t(20, 0)]);
        assert!(cron_times(&cron, friday.succ_opt().unwrap()).is_empty());
        assert!(parse_cron("0 0 20 * * *").is_err());
    }
}
