//! When things happen in a run: the schedule ticks inside a window, which local days
//! a rule may fire on, and when quiet hours hold a grant back.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use chrono::{Days, NaiveDate, NaiveTime};
use chrono_tz::Tz;

use crate::check::schedule::{in_quiet, parse_cron, ticks_on};
use crate::check::{Program, Rule, ScheduleSpec, Settings, Trigger, WorkCalendar};
use crate::source::Span;
use crate::time::{instant_local, local_date, local_to_instant};

/// Inclusive local days, `None` when unbounded.
type DayRange = Option<(NaiveDate, NaiveDate)>;

/// A rule's schedule compiled once: its form, its parsed cron, the local days it may
/// tick on (`active` ∩ `during`) and the quiet hours its ticks must avoid.
#[derive(Debug, Clone)]
pub struct RuleSchedule {
    spec: ScheduleSpec,
    cron: Option<croner::Cron>,
    days: DayRange,
    quiet: Option<(NaiveTime, NaiveTime)>,
    /// `except holidays`: the calendar whose holidays it never ticks on.
    except: Option<WorkCalendar>,
}

impl RuleSchedule {
    /// Compiles a scheduled rule; `None` for an event-triggered one.
    pub fn new(program: &Program, rule: &Rule) -> Option<RuleSchedule> {
        let Trigger::Schedule(spec) = &rule.trigger else {
            return None;
        };
        let cron = match spec {
            // The checker rejected a bad pattern; if one slips through it never ticks.
            ScheduleSpec::Cron(text) => parse_cron(text).ok(),
            _ => None,
        };
        Some(RuleSchedule {
            spec: spec.clone(),
            cron,
            days: intersect(program.settings.active, rule.during),
            quiet: program.settings.quiet,
            except: rule
                .except_holidays
                .then(|| program.settings.calendar.clone()),
        })
    }

    /// Every tick instant `t` with `after < t <= until`, ascending and deduplicated,
    /// on allowed days and outside quiet hours. Local times go through
    /// [`local_to_instant`]: a time skipped by DST ticks an hour later, an ambiguous
    /// one at its earlier instant. The ticks are computed a day at a time as they
    /// are taken, so a long window holds no more than two days of them.
    pub fn ticks(&self, tz: Tz, after: i64, until: i64) -> Ticks<'_> {
        let days = self.days_to_visit(tz, after, until);
        Ticks {
            schedule: self,
            tz,
            after,
            until,
            next_day: days.map(|(first, _)| first),
            last_day: days.map_or(NaiveDate::MIN, |(_, last)| last),
            ready: BTreeSet::new(),
        }
    }

    /// The local days whose ticks may fall in `(after, until]`, clamped to the
    /// allowed days, so the cost is the smaller of the window and the allowed range.
    fn days_to_visit(&self, tz: Tz, after: i64, until: i64) -> Option<(NaiveDate, NaiveDate)> {
        if after >= until {
            return None;
        }
        // One day early: a skipped late-evening time moved an hour later belongs to
        // the previous day but ticks on this one.
        let from = local_date(tz, after);
        let window = Some((from.pred_opt().unwrap_or(from), local_date(tz, until)));
        let once = match &self.spec {
            ScheduleSpec::Once(at) => Some((at.date(), at.date())),
            _ => None,
        };
        intersect(intersect(window, self.days), once).filter(|(lo, hi)| lo <= hi)
    }

    fn instants_on(&self, tz: Tz, day: NaiveDate) -> impl Iterator<Item = i64> {
        let off = self.except.as_ref().is_some_and(|c| off_day(c, day));
        let times = if off {
            Vec::new()
        } else {
            ticks_on(&self.spec, self.cron.as_ref(), day)
        };
        times
            .into_iter()
            .map(move |t| local_to_instant(tz, day.and_time(t)))
    }

    fn is_quiet(&self, tz: Tz, instant: i64) -> bool {
        self.quiet
            .is_some_and(|q| in_quiet(instant_local(tz, instant).time(), q))
    }
}

/// The ticks of one schedule in a window, ascending: see [`RuleSchedule::ticks`].
#[derive(Debug)]
pub struct Ticks<'s> {
    schedule: &'s RuleSchedule,
    tz: Tz,
    after: i64,
    until: i64,
    /// The next local day to compute, `None` once past the last.
    next_day: Option<NaiveDate>,
    last_day: NaiveDate,
    /// Computed ticks not yet taken, sorted and without repeats: a time skipped by
    /// DST and moved an hour later can land on, or after, another tick.
    ready: BTreeSet<i64>,
}

impl Iterator for Ticks<'_> {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        loop {
            if let Some(&t) = self.ready.first() {
                // A later day's ticks are never a day earlier than its midnight.
                let settled = self.next_day.is_none_or(|day| {
                    t < local_to_instant(self.tz, day.and_time(NaiveTime::MIN)) - 86_400
                });
                if settled {
                    self.ready.pop_first();
                    return Some(t);
                }
            }
            let day = self.next_day?;
            self.next_day = day.succ_opt().filter(|d| *d <= self.last_day);
            let (after, until) = (self.after, self.until);
            let found = self
                .schedule
                .instants_on(self.tz, day)
                .filter(|t| after < *t && *t <= until)
                .filter(|t| !self.schedule.is_quiet(self.tz, *t));
            self.ready.extend(found);
        }
    }
}

/// The intersection of two inclusive day ranges, either unbounded when `None`. An
/// empty result has its start after its end.
fn intersect(a: DayRange, b: DayRange) -> DayRange {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.max(b0), a1.min(b1))),
        (a, b) => a.or(b),
    }
}

/// Whether an event at `instant` may fire `rule`: its local date lies inside the
/// playbook's `active` days and the rule's `during` days (both inclusive, either
/// may be absent).
pub fn allowed_at(program: &Program, rule: &Rule, instant: i64) -> bool {
    let day = local_date(program.settings.timezone, instant);
    within_days(program, rule, day)
        && !(rule.except_holidays && off_day(&program.settings.calendar, day))
}

/// Whether `day` lies inside the playbook's `active` days and the rule's `during`.
pub fn within_days(program: &Program, rule: &Rule, day: NaiveDate) -> bool {
    intersect(program.settings.active, rule.during)
        .is_none_or(|(first, last)| first <= day && day <= last)
}

/// The first place, and year, that asks the working calendar about a day of the
/// window `(after, until]` in a year it has no data for: a rule that asks it
/// (`every workday`, `except holidays`, `workday(…)`…) on its days, or a segment's
/// `workday(…)` / `holiday(…)` on the playbook's active days. A run stops there, before it
/// decides anything, rather than guess whether a day is worked.
pub fn uncovered_year(program: &Program, after: i64, until: i64) -> Option<(Span, i32)> {
    if after >= until {
        return None;
    }
    let tz = program.settings.timezone;
    let window = Some((local_date(tz, after + 1), local_date(tz, until)));
    let calendar = &program.settings.calendar;
    let first_uncovered = |days: DayRange| {
        days.filter(|(lo, hi)| lo <= hi)
            .and_then(|(lo, hi)| calendar.first_uncovered(lo, hi))
    };
    let rules = program
        .rules
        .iter()
        .filter(|r| r.asks_calendar)
        .filter_map(|rule| {
            let days = intersect(intersect(window, program.settings.active), rule.during);
            first_uncovered(days).map(|y| (rule.span, y))
        });
    let expressions = program.calendar_read_at.and_then(|at| {
        first_uncovered(intersect(window, program.settings.active)).map(|y| (at, y))
    });
    rules.chain(expressions).next()
}

/// Whether `except holidays` leaves `day` out. A day of a year without data is left
/// out too, never guessed at; a run stops before it reaches one
/// ([`uncovered_year`]).
fn off_day(calendar: &WorkCalendar, day: NaiveDate) -> bool {
    calendar.is_holiday(day).unwrap_or(true)
}

/// The instant a grant caused at `instant` is handed out: `instant` itself outside
/// quiet hours; inside quiet hours `[from, to)`, the next local `to` (later the same
/// day, or the next day when the period wraps midnight and `instant` is before it).
pub fn hold_until(settings: &Settings, instant: i64) -> i64 {
    let Some((from, to)) = settings.quiet else {
        return instant;
    };
    let tz = settings.timezone;
    let local = instant_local(tz, instant);
    if !in_quiet(local.time(), (from, to)) {
        return instant;
    }
    let day = if local.time() < to {
        local.date()
    } else {
        local.date() + Days::new(1)
    };
    // Inside a repeated DST hour the earlier `to` may already have passed: then the
    // quiet period is over and the grant goes out at once.
    local_to_instant(tz, day.and_time(to)).max(instant)
}

/// Every scheduled rule of a program, compiled once and kept in firing order
/// (priority descending, then file order).
#[derive(Debug, Clone)]
pub struct Timeline {
    tz: Tz,
    schedules: Vec<(usize, RuleSchedule)>,
}

impl Timeline {
    /// Compiles the schedules of `program`'s rules.
    pub fn new(program: &Program) -> Timeline {
        let mut order: Vec<usize> = (0..program.rules.len()).collect();
        order.sort_by_key(|&i| (Reverse(program.rules[i].priority), i));
        let schedules = order
            .into_iter()
            .filter_map(|i| RuleSchedule::new(program, &program.rules[i]).map(|s| (i, s)))
            .collect();
        Timeline {
            tz: program.settings.timezone,
            schedules,
        }
    }

    /// For each distinct tick instant in `(after, until]`, ascending, the indices of
    /// the rules ticking then, by priority descending, then file order. The rules'
    /// ticks are merged as they are taken, never all held at once.
    pub fn schedule_causes(&self, after: i64, until: i64) -> Causes<'_> {
        let mut streams: Vec<Ticks<'_>> = self
            .schedules
            .iter()
            .map(|(_, s)| s.ticks(self.tz, after, until))
            .collect();
        let heads = streams
            .iter_mut()
            .enumerate()
            .filter_map(|(k, s)| s.next().map(|t| Reverse((t, k))))
            .collect();
        Causes {
            timeline: self,
            streams,
            heads,
        }
    }

    /// The first scheduled rule that would tick more than [`MAX_TICKS`] times in
    /// `(after, until]`, if any: counting stops at the limit, so this costs at most
    /// that many ticks per rule.
    pub fn too_many_ticks(&self, after: i64, until: i64) -> Option<TooManyTicks> {
        self.ticking_over(MAX_TICKS, after, until)
    }

    fn ticking_over(&self, limit: usize, after: i64, until: i64) -> Option<TooManyTicks> {
        self.schedules.iter().find_map(|(rule, s)| {
            let over = s.ticks(self.tz, after, until).nth(limit).is_some();
            over.then(|| TooManyTicks {
                rule: *rule,
                schedule: s.spec.to_string(),
                days: s
                    .days_to_visit(self.tz, after, until)
                    .map_or(0, |(first, last)| {
                        (last - first).num_days().saturating_add(1).max(0) as u64
                    }),
            })
        })
    }
}

/// Most ticks of one rule a run goes through: about two years of a schedule that
/// ticks every minute. A longer run is refused before it starts (running.md).
pub const MAX_TICKS: usize = 1_000_000;

/// A rule that would tick more than [`MAX_TICKS`] times in a run's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooManyTicks {
    /// Index of the rule.
    pub rule: usize,
    /// Its schedule, as written.
    pub schedule: String,
    /// How many local days of the window it may tick on.
    pub days: u64,
}

/// The merged ticks of every scheduled rule: see [`Timeline::schedule_causes`].
#[derive(Debug)]
pub struct Causes<'t> {
    timeline: &'t Timeline,
    streams: Vec<Ticks<'t>>,
    /// The next tick of each stream that has one, smallest (then first rule) on top.
    heads: BinaryHeap<Reverse<(i64, usize)>>,
}

impl Iterator for Causes<'_> {
    type Item = (i64, Vec<usize>);

    fn next(&mut self) -> Option<(i64, Vec<usize>)> {
        let Reverse((at, _)) = *self.heads.peek()?;
        let mut rules = Vec::new();
        while let Some(&Reverse((t, k))) = self.heads.peek() {
            if t != at {
                break;
            }
            self.heads.pop();
            // Streams are in firing order, so equal instants come out in that order.
            rules.push(self.timeline.schedules[k].0);
            if let Some(next) = self.streams[k].next() {
                self.heads.push(Reverse((next, k)));
            }
        }
        Some((at, rules))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_instant;

    const SCHEMA: &str = "member { orders: int }\n";

    /// Checks a playbook made of `header` settings and `rules`.
    fn program(header: &str, rules: &str) -> Program {
        let text = format!("playbook \"t\" {{\n{header}\n}}\n{SCHEMA}{rules}");
        let outcome = crate::check::check_text("t.playbook", &text);
        assert_eq!(outcome.errors(), 0, "{text}\n{:#?}", outcome.diagnostics);
        outcome.program.unwrap()
    }

    /// A playbook in Shanghai with one rule ticking on `schedule`.
    fn one_rule(header: &str, schedule: &str) -> Program {
        let header = format!("timezone \"Asia/Shanghai\"\n{header}");
        let rule = format!("rule r {{\n{schedule}\ngive red_packet ¥1\ncap ¥10 per day\n}}\n");
        program(&header, &rule)
    }

    fn instant(p: &Program, text: &str) -> i64 {
        parse_instant(text, p.settings.timezone).unwrap()
    }

    /// Ticks of the first rule in `(after, until]`, as local `YYYY-MM-DD HH:MM`.
    fn ticks(p: &Program, after: &str, until: &str) -> Vec<String> {
        let schedule = RuleSchedule::new(p, &p.rules[0]).unwrap();
        let tz = p.settings.timezone;
        schedule
            .ticks(tz, instant(p, after), instant(p, until))
            .map(|t| instant_local(tz, t).format("%Y-%m-%d %H:%M").to_string())
            .collect()
    }

    #[test]
    fn daily_ticks_once_a_day_at_its_time() {
        let p = one_rule("", "every day at 20:00");
        assert_eq!(
            ticks(&p, "2026-04-20", "2026-04-23"),
            ["2026-04-20 20:00", "2026-04-21 20:00", "2026-04-22 20:00"]
        );
    }

    #[test]
    fn weekly_ticks_on_listed_weekdays_only() {
        // 2026-04-20 is a Monday.
        let p = one_rule("", "every monday, thursday at 10:00");
        assert_eq!(
            ticks(&p, "2026-04-20", "2026-04-30"),
            ["2026-04-20 10:00", "2026-04-23 10:00", "2026-04-27 10:00"]
        );
    }

    #[test]
    fn interval_includes_both_ends_on_the_step() {
        let p = one_rule("", "every 2h from 09:00 to 21:00");
        let got = ticks(&p, "2026-04-20", "2026-04-21");
        assert_eq!(got.len(), 7);
        assert_eq!(got.first().unwrap(), "2026-04-20 09:00");
        assert_eq!(got.last().unwrap(), "2026-04-20 21:00");
    }

    #[test]
    fn interval_excludes_an_end_off_the_step() {
        let p = one_rule("", "every 90m from 09:00 to 20:00");
        let got = ticks(&p, "2026-04-20", "2026-04-21");
        assert_eq!(got.len(), 8);
        assert_eq!(got.last().unwrap(), "2026-04-20 19:30");
        // Twelve hours are exactly eight steps of 90m: 21:00 is on the step.
        let p = one_rule("", "every 90m from 09:00 to 21:00");
        let got = ticks(&p, "2026-04-20", "2026-04-21");
        assert_eq!(got.last().unwrap(), "2026-04-20 21:00");
    }

    #[test]
    fn monthly_on_31_skips_short_months() {
        let p = one_rule("", "every month on 31 at 09:00");
        assert_eq!(
            ticks(&p, "2026-01-01", "2026-08-01"),
            [
                "2026-01-31 09:00",
                "2026-03-31 09:00",
                "2026-05-31 09:00",
                "2026-07-31 09:00"
            ]
        );
    }

    #[test]
    fn once_ticks_at_its_instant_only() {
        let p = one_rule("", "at 2026-05-01 20:00");
        assert_eq!(ticks(&p, "2026-01-01", "2126-01-01"), ["2026-05-01 20:00"]);
        assert!(ticks(&p, "2026-05-01 20:00", "2026-05-02").is_empty());
    }

    #[test]
    fn cron_ticks_in_local_time_on_its_weekdays() {
        // 2026-04-24 is a Friday; the weekend has no tick.
        let p = one_rule("", "cron \"0 20 * * 1-5\"");
        let got = ticks(&p, "2026-04-23", "2026-04-28");
        assert_eq!(
            got,
            ["2026-04-23 20:00", "2026-04-24 20:00", "2026-04-27 20:00"]
        );
        let first: Vec<i64> = RuleSchedule::new(&p, &p.rules[0])
            .unwrap()
            .ticks(
                p.settings.timezone,
                instant(&p, "2026-04-23"),
                instant(&p, "2026-04-24"),
            )
            .collect();
        // 20:00 in Shanghai is 12:00 UTC.
        assert_eq!(
            first,
            [parse_instant("2026-04-23T12:00:00Z", chrono_tz::UTC).unwrap()]
        );
    }

    #[test]
    fn window_excludes_after_and_includes_until() {
        let p = one_rule("", "every day at 20:00");
        assert_eq!(
            ticks(&p, "2026-04-20 20:00", "2026-04-22 20:00"),
            ["2026-04-21 20:00", "2026-04-22 20:00"]
        );
    }

    #[test]
    fn window_ending_at_at_from_one_second_before_gives_ticks_exactly_at_at() {
        let p = one_rule("", "every 2h from 09:00 to 21:00");
        assert_eq!(
            ticks(&p, "2026-04-20 10:59:59", "2026-04-20 11:00"),
            ["2026-04-20 11:00"]
        );
        assert!(ticks(&p, "2026-04-20 11:59:59", "2026-04-20 12:00").is_empty());
    }

    #[test]
    fn active_includes_its_first_and_last_whole_days() {
        let p = one_rule(
            "active 2026-04-20 .. 2026-04-22",
            "every 12h from 00:00 to 23:59",
        );
        assert_eq!(
            ticks(&p, "2026-01-01", "2027-01-01"),
            [
                "2026-04-20 00:00",
                "2026-04-20 12:00",
                "2026-04-21 00:00",
                "2026-04-21 12:00",
                "2026-04-22 00:00",
                "2026-04-22 12:00"
            ]
        );
    }

    #[test]
    fn during_narrows_active_and_includes_whole_days() {
        let p = one_rule(
            "active 2026-04-01 .. 2026-04-30",
            "every day at 23:59\nduring 2026-04-29 .. 2026-05-10",
        );
        assert_eq!(
            ticks(&p, "2026-01-01", "2027-01-01"),
            ["2026-04-29 23:59", "2026-04-30 23:59"]
        );
    }

    #[test]
    fn a_century_window_costs_only_the_active_days() {
        let p = one_rule(
            "active 2026-04-01 .. 2026-04-30",
            "every 1m from 00:00 to 23:59",
        );
        let got = ticks(&p, "1970-01-02", "2126-01-01");
        assert_eq!(got.len(), 30 * 24 * 60);
    }

    #[test]
    fn allowed_at_takes_whole_local_days_of_active_and_during() {
        let p = program(
            "timezone \"Asia/Shanghai\"\nactive 2026-04-01 .. 2026-04-30",
            "event ping { n: int }\n\
             rule r { on ping during 2026-04-20 .. 2026-05-10 give red_packet ¥1 cap ¥10 per day }\n",
        );
        let rule = &p.rules[0];
        assert!(RuleSchedule::new(&p, rule).is_none());
        let at = |text: &str| allowed_at(&p, rule, instant(&p, text));
        assert!(!at("2026-04-19 23:59:59"));
        assert!(at("2026-04-20 00:00"));
        assert!(at("2026-04-30 23:59:59"));
        assert!(!at("2026-05-01 00:00"));
        // 2026-04-19 16:00 UTC is already the 20th in Shanghai.
        assert!(allowed_at(&p, rule, instant(&p, "2026-04-19T16:00:00Z")));
    }

    #[test]
    fn dst_skipped_time_ticks_an_hour_later() {
        // 2026-03-08 02:30 does not exist in New York: clocks jump from 02:00 to 03:00.
        let p = program(
            "timezone \"America/New_York\"",
            "rule r { every day at 02:30 give red_packet ¥1 cap ¥10 per day }\n",
        );
        assert_eq!(
            ticks(&p, "2026-03-07", "2026-03-09"),
            ["2026-03-07 02:30", "2026-03-08 03:30"]
        );
    }

    #[test]
    fn dst_collisions_tick_once() {
        // 02:00 and 02:30 move onto 03:00 and 03:30, which tick anyway.
        let p = program(
            "timezone \"America/New_York\"",
            "rule r { every 30m from 01:00 to 04:00 give red_packet ¥1 cap ¥10 per day }\n",
        );
        assert_eq!(
            ticks(&p, "2026-03-08", "2026-03-08 12:00"),
            [
                "2026-03-08 01:00",
                "2026-03-08 01:30",
                "2026-03-08 03:00",
                "2026-03-08 03:30",
                "2026-03-08 04:00"
            ]
        );
    }

    #[test]
    fn dst_ambiguous_time_ticks_at_its_earlier_instant() {
        // 2026-11-01 01:30 happens twice in New York; the first is 05:30 UTC (EDT).
        let p = program(
            "timezone \"America/New_York\"",
            "rule r { every day at 01:30 give red_packet ¥1 cap ¥10 per day }\n",
        );
        let schedule = RuleSchedule::new(&p, &p.rules[0]).unwrap();
        let tz = p.settings.timezone;
        let got: Vec<i64> = schedule
            .ticks(tz, instant(&p, "2026-11-01"), instant(&p, "2026-11-02"))
            .collect();
        assert_eq!(got, [parse_instant("2026-11-01T05:30:00Z", tz).unwrap()]);
    }

    #[test]
    fn quiet_ticks_from_cron_are_dropped() {
        // The checker samples cron from January, so a June-only pattern gets through.
        let p = one_rule("quiet 22:00 .. 08:00", "cron \"0 7,9,23 1 6 *\"");
        assert_eq!(ticks(&p, "2026-05-31", "2026-06-03"), ["2026-06-01 09:00"]);
    }

    #[test]
    fn quiet_holds_across_midnight_until_it_ends() {
        let p = one_rule("quiet 22:00 .. 08:00", "every day at 20:00");
        let held = |text: &str| hold_until(&p.settings, instant(&p, text));
        let next_morning = instant(&p, "2026-04-21 08:00");
        assert_eq!(held("2026-04-20 22:00"), next_morning);
        assert_eq!(held("2026-04-20 23:30"), next_morning);
        assert_eq!(held("2026-04-21 03:00"), next_morning);
        assert_eq!(held("2026-04-21 07:59:59"), next_morning);
    }

    #[test]
    fn quiet_does_not_hold_outside_its_hours() {
        let p = one_rule("quiet 22:00 .. 08:00", "every day at 20:00");
        for text in [
            "2026-04-21 08:00",
            "2026-04-21 12:00",
            "2026-04-21 21:59:59",
        ] {
            assert_eq!(
                hold_until(&p.settings, instant(&p, text)),
                instant(&p, text)
            );
        }
        let loud = one_rule("", "every day at 20:00");
        let night = instant(&loud, "2026-04-21 03:00");
        assert_eq!(hold_until(&loud.settings, night), night);
    }

    #[test]
    fn quiet_within_a_day_holds_to_its_end_the_same_day() {
        let p = one_rule("quiet 12:00 .. 14:00", "every day at 20:00");
        let noon = instant(&p, "2026-04-21 12:30");
        assert_eq!(
            hold_until(&p.settings, noon),
            instant(&p, "2026-04-21 14:00")
        );
    }

    #[test]
    fn causes_order_rules_by_priority_then_file_order() {
        let p = program(
            "timezone \"Asia/Shanghai\"",
            "rule low { every day at 20:00 give red_packet ¥1 cap ¥10 per day }\n\
             rule high { every day at 20:00 give red_packet ¥1 cap ¥10 per day priority 5 }\n\
             rule low_too { every day at 20:00 give red_packet ¥1 cap ¥10 per day }\n\
             rule morning { every day at 09:00 give red_packet ¥1 cap ¥10 per day }\n",
        );
        let causes: Vec<_> = Timeline::new(&p)
            .schedule_causes(instant(&p, "2026-04-20"), instant(&p, "2026-04-21"))
            .collect();
        assert_eq!(
            causes,
            [
                (instant(&p, "2026-04-20 09:00"), vec![3]),
                (instant(&p, "2026-04-20 20:00"), vec![1, 0, 2])
            ]
        );
    }

    /// Ticks come a day at a time: a century of a once-a-minute schedule is only
    /// computed as far as it is taken.
    #[test]
    fn a_century_of_minutes_is_streamed_not_collected() {
        let p = one_rule("", "cron \"* * * * *\"");
        let schedule = RuleSchedule::new(&p, &p.rules[0]).unwrap();
        let tz = p.settings.timezone;
        let mut ticks = schedule.ticks(tz, instant(&p, "2026-01-01"), instant(&p, "2126-01-01"));
        let first: Vec<i64> = ticks.by_ref().take(3).collect();
        assert_eq!(first[1] - first[0], 60);
        assert!(ticks.ready.len() <= 2 * 24 * 60, "{}", ticks.ready.len());
    }

    #[test]
    fn a_window_with_more_ticks_than_a_run_takes_names_the_rule_and_schedule() {
        let p = one_rule("", "cron \"* * * * *\"");
        let timeline = Timeline::new(&p);
        let over = timeline
            .ticking_over(1440, instant(&p, "2026-01-01"), instant(&p, "2126-01-01"))
            .unwrap();
        assert_eq!(over.rule, 0);
        assert_eq!(over.schedule, "cron \"* * * * *\"");
        assert_eq!(over.days, 36_526);
        // A day of minutes is exactly the limit.
        let day = timeline.ticking_over(1440, instant(&p, "2026-01-01"), instant(&p, "2026-01-02"));
        assert_eq!(day, None);
    }

    #[test]
    fn streamed_causes_merge_rules_in_time_order() {
        let p = program(
            "timezone \"Asia/Shanghai\"",
            "rule a { every 8m from 00:00 to 23:59 give red_packet ¥1 cap ¥10 per day }\n\
             rule b { every 5m from 00:00 to 23:59 give red_packet ¥1 cap ¥10 per day }\n",
        );
        let causes: Vec<_> = Timeline::new(&p)
            .schedule_causes(instant(&p, "2026-04-20"), instant(&p, "2026-04-23"))
            .collect();
        assert!(causes.windows(2).all(|w| w[0].0 < w[1].0));
        let at_40m = causes
            .iter()
            .find(|(t, _)| *t == instant(&p, "2026-04-21 00:40"))
            .unwrap();
        assert_eq!(at_40m.1, [0, 1]);
        assert_eq!(causes.len(), 3 * (180 + 288 - 36));
    }
}
