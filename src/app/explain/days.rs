//! What `explain` says about the days a rule may fire on: `active`, `during`, and
//! the working calendar (`except holidays`, `every workday`).

use chrono::NaiveDate;

use crate::calendar::Day;
use crate::check::model::{Program, Rule, ScheduleSpec, Trigger};
use crate::compile::timeline::within_days;

/// Why a rule may not fire on `day`: a holiday it is `except`, or outside its days.
pub(super) fn not_allowed(program: &Program, rule: &Rule, day: NaiveDate) -> String {
    match program.settings.calendar.day(day) {
        Ok(Day::Holiday { name }) if rule.except_holidays && within_days(program, rule, day) => {
            format!("{day} is a holiday ({name}) and the rule is `except holidays`")
        }
        _ => format!("{day} is outside the days the rule is active (`active` / `during`)"),
    }
}

/// For a calendar schedule that does not tick on `day`, what kind of day it is
/// (` (`every workday at 10:00`: 2026-05-02 is a holiday (劳动节))`); else nothing.
pub(super) fn no_tick(program: &Program, rule: &Rule, day: NaiveDate) -> String {
    match (&rule.trigger, program.settings.calendar.day(day)) {
        (Trigger::Schedule(spec @ ScheduleSpec::Calendar(..)), Ok(kind)) => {
            format!(" (`{spec}`: {day} is {})", day_kind(kind))
        }
        _ => String::new(),
    }
}

/// A day of the working calendar, as `explain` says it.
fn day_kind(day: Day<'_>) -> String {
    match day {
        Day::Workday => "a working day".into(),
        Day::Weekend => "a weekend day".into(),
        Day::Holiday { name } => format!("a holiday ({name})"),
        Day::MakeUpWorkday { name } => format!("a make-up working day ({name})"),
    }
}
