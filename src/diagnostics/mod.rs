//! Diagnostics: every error and warning checking or running a playbook can report.
//!
//! Each kind has a stable code (`E…` errors and `W…` warnings of checking, `R…`
//! errors of running) and a kebab-case name; the docs (`docs/diagnostics.md`) show
//! the smallest input that triggers each, and the test suite runs exactly those
//! inputs.

mod render;

pub use render::{
    Format, escape_data, escape_property, github_command, render, render_human, render_json_value,
};

use crate::source::Span;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Informational only, never fails a check.
    Warning,
    /// The program is rejected.
    Error,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $name:literal, $sev:ident; )*) => {
        /// Every kind of diagnostic.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable code, e.g. `E0101`.
            pub fn code(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The kebab-case name, e.g. `unknown-name`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// Error or warning.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }
        }
    };
}

codes! {
    /// The text does not follow the grammar.
    Syntax = "E0001", "syntax-error", Error;
    /// Brackets or operators nested deeper than the parser allows.
    NestingTooDeep = "E0002", "nesting-too-deep", Error;
    /// A literal that cannot be read: `¥1.234`, `2026-02-30`, `25:00`, `10折`.
    InvalidLiteral = "E0003", "invalid-literal", Error;
    /// A name that is not declared.
    UnknownName = "E0101", "unknown-name", Error;
    /// A name declared twice (reported at the second).
    Duplicate = "E0102", "duplicate-declaration", Error;
    /// Segments that depend on each other in a circle.
    SegmentCycle = "E0103", "segment-cycle", Error;
    /// A member thing used where a group is meant, or the reverse.
    WrongTarget = "E0104", "wrong-target", Error;
    /// `event.` outside an `on` rule.
    NoEventHere = "E0105", "no-event-here", Error;
    /// A type name that does not exist.
    UnknownType = "E0106", "unknown-type", Error;
    /// `use` of a file that cannot be loaded.
    BadUse = "E0107", "bad-use", Error;
    /// Operands or values of the wrong type.
    TypeMismatch = "E0201", "type-mismatch", Error;
    /// An optional value used where a value is required.
    UnguardedOptional = "E0202", "unguarded-optional", Error;
    /// A built-in called with the wrong number of arguments.
    WrongArguments = "E0203", "wrong-arguments", Error;
    /// A value that must be known when checking is not a constant.
    NotConstant = "E0204", "not-constant", Error;
    /// Arithmetic that fails whatever the data: a divisor that is always zero, or
    /// constant operands whose result does not fit.
    ConstantFails = "E0205", "constant-fails", Error;
    /// Bounds that leave no value between them: `clamp(x, ¥5, ¥1)`, or a `min`/`max`
    /// argument that can never be chosen.
    ReversedBounds = "E0206", "reversed-bounds", Error;
    /// A division whose divisor can be zero for some row and is not guarded.
    UnguardedDivision = "E0207", "unguarded-division", Error;
    /// An aggregate over a member's earlier events that cannot be computed as
    /// written: a field where it counts, none where it sums, a `where` that reads
    /// more than the event, an empty `within`.
    InvalidHistory = "E0208", "invalid-history", Error;
    /// A coupon that takes off as much as (or more than) its threshold.
    CouponExceedsThreshold = "E0301", "coupon-exceeds-threshold", Error;
    /// A discount outside (0%, 100%).
    DiscountOutOfRange = "E0302", "discount-out-of-range", Error;
    /// A red-packet amount or share outside the limits in force.
    RedPacketOutOfLimits = "E0303", "red-packet-out-of-limits", Error;
    /// A split that cannot be paid out in valid shares.
    BadSplit = "E0304", "bad-split", Error;
    /// Lottery chances that add up to more than 100%.
    LotteryOver100 = "E0305", "lottery-over-100", Error;
    /// A computed amount with no static upper or lower bound.
    UnboundedAmount = "E0306", "unbounded-amount", Error;
    /// Experiment shares that do not add up to 100%.
    ExperimentShares = "E0307", "experiment-shares", Error;
    /// A coupon option that is repeated or makes no sense for the coupon.
    InvalidCouponOption = "E0308", "invalid-coupon-option", Error;
    /// A reward that gives nothing or takes something back: `points 0`,
    /// `points -1000`, `gift ""`, a coupon `on ""`.
    EmptyReward = "E0309", "empty-reward", Error;
    /// One experiment given with different arms or shares in two places, which
    /// would put a target in one arm for one rule and another arm for the next.
    ExperimentMismatch = "E0310", "experiment-mismatch", Error;
    /// A red packet bigger than `per_member_daily` lets one member receive in a
    /// day, or more red packets in one firing than it allows: never granted.
    BeyondChannelLimit = "E0311", "beyond-channel-limit", Error;
    /// A schedule with no tick inside `active` / `during`.
    ScheduleNeverFires = "E0401", "schedule-never-fires", Error;
    /// A schedule that ticks in quiet hours.
    ScheduleInQuietHours = "E0402", "schedule-in-quiet-hours", Error;
    /// A schedule that is malformed (bad cron, zero step, day 32).
    InvalidSchedule = "E0403", "invalid-schedule", Error;
    /// A date or time range whose end comes before its start.
    EmptyRange = "E0404", "empty-range", Error;
    /// A timezone name that is not in the tz database.
    UnknownTimezone = "E0405", "unknown-timezone", Error;
    /// A working-calendar day asked about in a year the calendar has no data for.
    CalendarNotCovered = "E0406", "calendar-not-covered", Error;
    /// A `calendar` file that cannot be read, or whose text has errors.
    BadCalendar = "E0407", "bad-calendar", Error;
    /// A rule without a trigger or without `give`.
    MissingClause = "E0501", "missing-clause", Error;
    /// A clause or setting given twice where only one is allowed.
    DuplicateClause = "E0502", "duplicate-clause", Error;
    /// A limit, cap or budget that cannot work.
    InvalidLimit = "E0503", "invalid-limit", Error;
    /// A test member, group or event missing a required field.
    MissingField = "E0601", "missing-field", Error;
    /// A test that names a member, group or rule it never declared.
    UnknownTestTarget = "E0602", "unknown-test-target", Error;
    /// A segment, reward or event that nothing uses.
    Unused = "W0001", "unused-declaration", Warning;
    /// A recurring rule that spends money with no limit, cap or budget.
    UnlimitedSpending = "W0002", "unlimited-spending", Warning;
    /// A percentage coupon without `max` under a budget.
    UncappedPercentCoupon = "W0003", "uncapped-percentage-coupon", Warning;
    /// A tier arm that earlier arms always catch first.
    UnreachableTierArm = "W0004", "unreachable-tier-arm", Warning;
    /// A header setting that works but is almost certainly not meant: a daily
    /// budget above the total, red-packet limits beyond WeChat's own.
    SuspiciousSetting = "W0005", "suspicious-setting", Warning;
    /// A rule that can spend the whole daily budget by itself within one day,
    /// starving the rules after it.
    RuleCanExhaustBudget = "W0006", "rule-can-exhaust-budget", Warning;
    /// A segment's expression that could not be computed for a target while
    /// running: an overflow or a division by zero the data brought. (A rule's
    /// expression that fails refuses that firing instead; the run goes on.)
    EvalFailed = "R0001", "evaluation-failed", Error;
    /// A rule that would tick more often in the run's window than a run goes
    /// through.
    TooManyTicks = "R0002", "too-many-ticks", Error;
    /// The data file could not be opened or read.
    DataUnreadable = "R0101", "data-unreadable", Error;
    /// Values in the data that do not fit the schema; each names its table, column
    /// and row.
    BadData = "R0102", "bad-data", Error;
    /// Where decisions go (the output, the ledger) failed.
    OutputFailed = "R0201", "output-failed", Error;
    /// A total to report does not fit in money.
    TotalOverflow = "R0202", "total-overflow", Error;
}

/// One secondary label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What it says.
    pub message: String,
}

/// An error or warning about a place in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Which kind.
    pub code: Code,
    /// One lowercase line, no final period; user input in backticks.
    pub message: String,
    /// The exact place.
    pub span: Span,
    /// Text of the primary label.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Other related places.
    pub related: Vec<Label>,
}

impl Diagnostic {
    /// A diagnostic of `code` at `span`; the label defaults to empty.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            related: Vec::new(),
        }
    }

    /// Sets the primary label.
    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    /// Sets the help text.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary label.
    pub fn related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Error or warning.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// "did you mean `x`?" — the closest candidate by edit distance, if close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        // Enough for any real playbook; keeps pathological inputs linear.
        .take(10_000)
        .filter(|c| *c != name)
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.code()), "{} twice", code.code());
            assert!(seen.insert(code.name()), "{} twice", code.name());
            assert!(
                code.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
            );
            let warn = code.code().starts_with('W');
            assert_eq!(warn, code.severity() == Severity::Warning);
        }
    }

    #[test]
    fn suggests_close_names() {
        let names = ["orders", "spend_365d", "潜客"];
        assert_eq!(
            did_you_mean("order", names).as_deref(),
            Some("did you mean `orders`?")
        );
        assert_eq!(
            did_you_mean("潜", names).as_deref(),
            Some("did you mean `潜客`?")
        );
        assert_eq!(did_you_mean("zzzzzz", names), None);
    }
}
