//! Why a run stops: typed, each with a stable `R…` code, and — when the cause is a
//! place in the playbook — a [`Diagnostic`] the check renderers show (human, JSON,
//! GitHub).

use crate::check::model::Segment;
use crate::data::{BadValue, DataError};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::TargetKind;
use crate::value::arith::EvalError;

/// What a [`crate::interpret::engine::Sink`] reports when it cannot take a
/// decision: an output that went away, a ledger that cannot be written.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The data could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The data has values that do not fit the schema: every one is listed.
    #[error("{} bad value{} in the data:\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, .0.iter().map(|b| format!("  {b}")).collect::<Vec<_>>().join("\n"))]
    BadData(Vec<BadValue>),
    /// A segment's expression could not be computed for a target (ranking a
    /// `top N` segment, or counting segments).
    #[error("segment `{segment}`, {target}: {error}")]
    Eval {
        /// Segment name.
        segment: String,
        /// Where the segment is declared.
        span: Span,
        /// `member ID` / `group ID`.
        target: String,
        /// What went wrong.
        error: EvalError,
    },
    /// An aggregate's `where` could not be computed for an event of a member's
    /// history.
    #[error("a history's `where` cannot be computed for event {event}: {error}")]
    History {
        /// Where the aggregate is written.
        span: Span,
        /// The event's id.
        event: String,
        /// What went wrong.
        error: EvalError,
    },
    /// The sink (output, ledger) failed.
    #[error("{0}")]
    Sink(SinkError),
    /// A total to report does not fit in money (history read from a ledger).
    #[error("{0}")]
    Total(String),
    /// A rule would tick more often in the window than a run goes through.
    #[error(
        "rule `{}` (`{}`) would tick more than {max} times between {} and {} ({} days); a run goes through at most {max} ticks of one rule: run the window in shorter pieces (`--since` / `--at`)",
        .0.rule, .0.schedule, .0.since, .0.at, .0.days,
        max = crate::compile::timeline::MAX_TICKS
    )]
    TooManyTicks(Box<TicksOver>),
    /// The window asks the working calendar about a year it has no data for.
    #[error("{message}")]
    Calendar {
        /// What asks: a rule, or a `workday(…)` / `holiday(…)`.
        span: Span,
        /// The year without data.
        year: i32,
        /// The calendar's own explanation.
        message: String,
    },
}

/// A rule that would tick more often in a run's window than a run goes through.
#[derive(Debug)]
pub struct TicksOver {
    /// Rule name.
    pub rule: String,
    /// Where the rule is declared.
    pub span: Span,
    /// Its schedule, as written.
    pub schedule: String,
    /// Window start, shown.
    pub since: String,
    /// Window end, shown.
    pub at: String,
    /// Local days of the window it may tick on.
    pub days: u64,
}

impl RunError {
    /// `segment` could not be computed for the target `kind` `id`.
    pub fn segment(segment: &Segment, kind: TargetKind, id: &str, error: EvalError) -> RunError {
        RunError::Eval {
            segment: segment.name.clone(),
            span: segment.span,
            target: format!("{} {id}", kind.keyword()),
            error,
        }
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        match self {
            RunError::Data(_) => Code::DataUnreadable,
            RunError::BadData(_) => Code::BadData,
            RunError::Eval { .. } | RunError::History { .. } => Code::EvalFailed,
            RunError::Sink(_) => Code::OutputFailed,
            RunError::Total(_) => Code::TotalOverflow,
            RunError::TooManyTicks(_) => Code::TooManyTicks,
            RunError::Calendar { .. } => Code::CalendarNotCovered,
        }
    }

    /// The error as a diagnostic at the declaration it concerns; `None` when its
    /// cause has no place in the playbook (the data's place — file, table, column,
    /// row — is in the message).
    pub fn diagnostic(&self) -> Option<Diagnostic> {
        match self {
            RunError::Eval {
                segment,
                span,
                target,
                error,
            } => Some(
                Diagnostic::new(
                    Code::EvalFailed,
                    *span,
                    format!("segment `{segment}` cannot be computed for {target}: {error}"),
                )
                .label(format!("fails for {target}"))
                .help(
                    "guard the expression against the values the data holds (`clamp`, `min`, \
                     a condition before a division), or correct the data",
                ),
            ),
            RunError::History { span, event, error } => Some(
                Diagnostic::new(
                    Code::EvalFailed,
                    *span,
                    format!("this history's `where` cannot be computed for event {event}: {error}"),
                )
                .label(format!("fails for event {event}"))
                .help(
                    "guard the condition against the values the events hold, or correct the data",
                ),
            ),
            RunError::TooManyTicks(over) => Some(
                Diagnostic::new(
                    Code::TooManyTicks,
                    over.span,
                    format!(
                        "rule `{}` (`{}`) would tick more than {} times between {} and {} \
                         ({} days)",
                        over.rule,
                        over.schedule,
                        crate::compile::timeline::MAX_TICKS,
                        over.since,
                        over.at,
                        over.days
                    ),
                )
                .label("ticks too often for one run")
                .help(format!(
                    "a run goes through at most {} ticks of one rule: run the window in \
                     shorter pieces (`--since` / `--at`)",
                    crate::compile::timeline::MAX_TICKS
                )),
            ),
            RunError::Calendar { span, year, .. } => Some(
                Diagnostic::new(
                    Code::CalendarNotCovered,
                    *span,
                    format!("the run's window asks the working calendar about {year}, which it has no data for"),
                )
                .label(format!("needs the working days of {year}"))
                .help(format!(
                    "add `year {year}` with its holidays to a `calendar` file (docs/calendar.md), or run a window that ends before {year}"
                )),
            ),
            _ => None,
        }
    }
}
