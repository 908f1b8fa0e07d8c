//! Rules: their clauses, schedules and limits, and the kind of target they are
//! about.

use chrono::{NaiveDateTime, NaiveTime, Weekday};

use super::expressions::{Duration, Expr};
use super::header::{DateRange, Period, Window};
use super::rewards::Reward;
use super::{Ident, Spanned};
use crate::money::Fen;

/// `rule NAME { CLAUSES }`
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDecl {
    /// Rule name.
    pub name: Ident,
    /// Clauses in source order.
    pub clauses: Vec<Spanned<Clause>>,
}

/// One clause of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// `on EVENT [where EXPR]`
    On {
        /// Event kind.
        event: Ident,
        /// Filter on the event.
        filter: Option<Expr>,
    },
    /// A schedule trigger.
    Schedule(Schedule),
    /// `during D .. D [except holidays]`
    During {
        /// The days, both included.
        range: DateRange,
        /// `except holidays` written here: official days off are left out.
        except_holidays: Option<Spanned<()>>,
    },
    /// `for group in SEGMENT`
    ForGroup(Ident),
    /// `when EXPR`
    When(Expr),
    /// `give R, R…`
    Give(Vec<Reward>),
    /// `limit …`
    Limit(Limit),
    /// `cap ¥X per day | total`
    Cap {
        /// Most the rule may spend in the window.
        amount: Spanned<Fen>,
        /// The window.
        window: Window,
    },
    /// `priority N`
    Priority(i64),
    /// `renamed from "旧名", …`: names this rule was recorded under before.
    RenamedFrom(Vec<Spanned<String>>),
    /// `exclusive "X" [per day|week|month]`
    Exclusive {
        /// Exclusivity group.
        group: Spanned<String>,
        /// Narrowed to a period.
        period: Option<Period>,
    },
    /// `order by EXPR [asc|desc]`
    OrderBy {
        /// Sort key.
        key: Expr,
        /// `desc` given.
        descending: bool,
        /// `asc` or `desc` written explicitly.
        explicit: bool,
    },
}

/// When a scheduled rule ticks.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// `every day at T`
    Daily(Spanned<NaiveTime>),
    /// `every monday, thursday at T`
    Weekly {
        /// Days of the week.
        days: Vec<Spanned<Weekday>>,
        /// Time of day.
        at: Spanned<NaiveTime>,
    },
    /// `every 2h from 09:00 to 21:00`
    Interval {
        /// Step.
        step: Spanned<Duration>,
        /// First tick of the day.
        from: Spanned<NaiveTime>,
        /// Last possible tick of the day (inclusive).
        to: Spanned<NaiveTime>,
    },
    /// `every workday at T`, `every holiday at T`: days of the working calendar.
    Calendar {
        /// Which days.
        day: Spanned<CalendarDay>,
        /// Time of day.
        at: Spanned<NaiveTime>,
    },
    /// `every month on D at T`
    Monthly {
        /// Day of month.
        day: Spanned<u64>,
        /// Time of day.
        at: Spanned<NaiveTime>,
    },
    /// `at 2026-05-01 20:00`
    Once(Spanned<NaiveDateTime>),
    /// `cron "0 20 * * *"`
    Cron(Spanned<String>),
}

/// Days of the working calendar a schedule can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CalendarDay {
    /// A working day: Monday to Friday unless a holiday, or a make-up working day.
    Workday,
    /// A day off of an official holiday period.
    Holiday,
}

impl CalendarDay {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            CalendarDay::Workday => "workday",
            CalendarDay::Holiday => "holiday",
        }
    }
}

/// `limit COUNT [per member|group] [per PERIOD | total]`
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// How many firings.
    pub count: Spanned<u64>,
    /// Written as `once`.
    pub once: bool,
    /// `per member` / `per group`: counted per target rather than rule-wide.
    pub per_target: Option<Spanned<TargetKind>>,
    /// The window; `None` with a target means the ledger's lifetime.
    pub window: Option<Window>,
}

/// Members or groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    /// A member.
    Member,
    /// A group.
    Group,
}

impl TargetKind {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            TargetKind::Member => "member",
            TargetKind::Group => "group",
        }
    }
}
