//! Decisions as a run makes them: collected in order by [`Collect`], and shown as
//! the cells of a table row by [`Decision::cells`] — the one formatter `run`'s table
//! and the REPL's `:run` share.

use chrono_tz::Tz;

use crate::interpret::engine::{Sink, SinkError};
use crate::interpret::grant::{Grant, Refusal};
use crate::time::instant_local;

/// One decision of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A grant made.
    Grant(Box<Grant>),
    /// A firing refused.
    Refusal(Refusal),
}

/// The header of a decisions table, one title per [`Decision::cells`] cell.
pub const HEADER: [&str; 6] = [
    "at",
    "rule",
    "target",
    "reward",
    "value",
    "cause / refused because",
];

impl Decision {
    /// The grant made, or the first of those refused.
    pub fn grant(&self) -> Option<&Grant> {
        match self {
            Decision::Grant(g) => Some(g),
            Decision::Refusal(r) => r.grants.first(),
        }
    }

    /// The cells of its table row (see [`cells`]).
    pub fn cells(&self, tz: Tz) -> [String; 6] {
        match (self, self.grant()) {
            (Decision::Grant(g), _) => cells(g, None, tz),
            (Decision::Refusal(r), Some(g)) => cells(g, Some(r), tz),
            (Decision::Refusal(_), None) => Default::default(),
        }
    }

    /// The cells joined by two spaces: one line per decision, for logs and tests.
    pub fn line(&self, tz: Tz) -> String {
        self.cells(tz).join("  ")
    }
}

/// A sink keeping every decision, in decision order.
#[derive(Debug, Default)]
pub struct Collect {
    /// The decisions so far.
    pub decisions: Vec<Decision>,
}

impl Collect {
    /// The grants made.
    pub fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.decisions.iter().filter_map(|d| match d {
            Decision::Grant(g) => Some(&**g),
            Decision::Refusal(_) => None,
        })
    }

    /// The firings refused.
    pub fn refusals(&self) -> impl Iterator<Item = &Refusal> {
        self.decisions.iter().filter_map(|d| match d {
            Decision::Refusal(r) => Some(r),
            Decision::Grant(_) => None,
        })
    }
}

impl Sink for Collect {
    fn grant(&mut self, grant: &Grant) -> Result<(), SinkError> {
        self.decisions
            .push(Decision::Grant(Box::new(grant.clone())));
        Ok(())
    }

    fn refusal(&mut self, refusal: &Refusal) -> Result<(), SinkError> {
        self.decisions.push(Decision::Refusal(refusal.clone()));
        Ok(())
    }
}

/// The cells of a decision's table row, unescaped: local time, rule, target id,
/// reward(s), value (`-` when a refused firing's cost is unknown), and the cause or
/// `REFUSED reason: message`. `grant` is the grant made or, with `refusal`, the
/// first of those refused.
pub fn cells(grant: &Grant, refusal: Option<&Refusal>, tz: Tz) -> [String; 6] {
    let (reward, value, tail) = match refusal {
        Some(r) => (
            r.grants
                .iter()
                .map(|g| &*g.reward)
                .collect::<Vec<_>>()
                .join(", "),
            r.value.map_or_else(|| "-".to_owned(), |v| v.to_string()),
            format!("REFUSED {}: {}", r.reason.as_str(), r.message),
        ),
        None => (
            grant.reward.to_string(),
            grant.value.to_string(),
            grant.cause.key(tz),
        ),
    };
    [
        instant_local(tz, grant.at)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        grant.rule.to_string(),
        grant.target.id.clone(),
        reward,
        value,
        tail,
    ]
}
