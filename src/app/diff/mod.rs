//! `diff`: a change to a playbook reviewed by its effect. The structural part
//! compares the two texts declaration by declaration (no data needed); the effect
//! part runs both versions over the same period of the same data and compares what
//! each grants, rule by rule and target by target.

mod effect;
pub mod render;
mod structural;
mod why;

use crate::money::FenSum;
use crate::source::Span;

pub use effect::{EffectRequest, Version, effect};
pub use structural::changes;

use crate::check::Program;
use crate::check::cost::{Spend, cost_bounds};

/// What kind of declaration changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The `playbook { … }` header: budgets, active dates, timezone, seed…
    Playbook,
    /// A `member` or `group` schema.
    Schema,
    /// An `event` declaration.
    Event,
    /// A segment.
    Segment,
    /// A named reward.
    Reward,
    /// A rule.
    Rule,
}

impl Kind {
    /// As JSON and the text output name it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Playbook => "playbook",
            Kind::Schema => "schema",
            Kind::Event => "event",
            Kind::Segment => "segment",
            Kind::Reward => "reward",
            Kind::Rule => "rule",
        }
    }
}

/// How a declaration changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// Renamed with a `renamed from` declaration (and maybe changed too).
    Renamed,
    /// Same name, different parts.
    Changed,
}

impl ChangeKind {
    /// As JSON and the text output name it.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One declaration that differs between the versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What it declares.
    pub kind: Kind,
    /// Its name (in the new version when it is there).
    pub name: String,
    /// How it changed.
    pub change: ChangeKind,
    /// The old name of a renamed declaration.
    pub from: Option<String>,
    /// Each changed part, `part: old → new` (or `part added: …`); for an added or
    /// removed declaration, its parts.
    pub details: Vec<String>,
    /// Where in the new version the (first) change is; `None` when removed.
    pub span: Option<Span>,
}

/// Grants, spend and distinct targets of one rule (or of all) over the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Grants made.
    pub grants: u64,
    /// Their value.
    pub spend: FenSum,
    /// Distinct members and groups granted.
    pub targets: u64,
}

/// One rule before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleEffect {
    /// Its name in the new version (the old one when removed).
    pub name: String,
    /// In the old version (zero when added).
    pub old: Totals,
    /// In the new version (zero when removed).
    pub new: Totals,
}

/// A target whose rewards differ, with what made the difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// `member ID` or `group ID`.
    pub target: String,
    /// What it got from the old version, as `RULE: REWARD`.
    pub old: Vec<String>,
    /// What it gets from the new one.
    pub new: Vec<String>,
    /// The rule that differs, explained in each version at the instant it differs.
    pub why: String,
}

/// A segment's size at the end of the period, in each version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentChange {
    /// Segment name.
    pub name: String,
    /// Size in the old version (`None`: no such segment there).
    pub old: Option<u64>,
    /// Size in the new version.
    pub new: Option<u64>,
}

/// The stretch of time both versions run over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Whole days, local to the new version, both included.
    Days {
        /// First day.
        from: chrono::NaiveDate,
        /// Last day.
        to: chrono::NaiveDate,
    },
    /// The run window `since < t <= at`, as `run --since --at` takes it.
    Window {
        /// Start (exclusive).
        since: i64,
        /// End (included).
        at: i64,
    },
}

impl Period {
    /// The run window `(since, at]` (days local to `tz`).
    pub fn window(self, tz: chrono_tz::Tz) -> (i64, i64) {
        match self {
            Period::Days { from, to } => crate::app::simulate::period_window(tz, from, to),
            Period::Window { since, at } => (since, at),
        }
    }

    /// Its two ends as shown: days, or instants in `tz`.
    pub fn shown(self, tz: chrono_tz::Tz) -> (String, String) {
        match self {
            Period::Days { from, to } => (from.to_string(), to.to_string()),
            Period::Window { since, at } => (
                crate::time::format_instant(tz, since),
                crate::time::format_instant(tz, at),
            ),
        }
    }
}

/// Both versions run over the same period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    /// First day, or the window's start (exclusive).
    pub from: String,
    /// Last day (included), or the window's end (included).
    pub to: String,
    /// Per rule, in the new version's order, then the removed ones.
    pub rules: Vec<RuleEffect>,
    /// All rules of the old version.
    pub old: Totals,
    /// All rules of the new version.
    pub new: Totals,
    /// Targets granted nothing before and something now.
    pub gained: u64,
    /// Targets granted something before and nothing now.
    pub lost: u64,
    /// Targets granted in both, but not the same.
    pub changed: u64,
    /// Up to the number asked for, by target id.
    pub examples: Vec<Example>,
    /// Segments whose size differs (or that exist in one version only).
    pub segments: Vec<SegmentChange>,
}

impl Effect {
    /// Whether the new version spends more than `percent` % more than the old one,
    /// compared exactly (any spend is more than none).
    pub fn spend_grows_more_than(&self, percent: u32) -> bool {
        let (old, new) = (self.old.spend.0, self.new.spend.0);
        if old <= 0 {
            return new > old;
        }
        (new - old).saturating_mul(100) > old.saturating_mul(i128::from(percent))
    }
}

/// `+12.3%` / `-4.0%` / `±0%` of `new` against `old`, rounded toward zero;
/// `new` when there was nothing before.
pub fn percent_change(old: FenSum, new: FenSum) -> String {
    if old.0 == new.0 {
        return "±0%".to_owned();
    }
    if old.0 <= 0 {
        return "new".to_owned();
    }
    let permille = (new.0 - old.0).saturating_mul(1000) / old.0;
    let sign = if permille < 0 { "-" } else { "+" };
    let p = permille.unsigned_abs();
    format!("{sign}{}.{}%", p / 10, p % 10)
}

/// The static worst-case spend (`check --cost`) before and after, as one change
/// of the playbook's `cost bound` when any rule's or the whole's bound moved.
pub fn cost_change(old: &Program, new: &Program) -> Option<Change> {
    let (before, after) = (cost_bounds(old), cost_bounds(new));
    let mut details = Vec::new();
    let mut line = |what: &str, a: &Spend, b: &Spend| {
        if a != b {
            details.push(format!("{what}: {} → {}", spend(a), spend(b)));
        }
    };
    for r in &after.rules {
        // A renamed rule is compared with its old self.
        let old = before.rules.iter().find(|o| {
            o.name == r.name
                || new
                    .rules
                    .iter()
                    .any(|n| n.name == r.name && n.renamed_from.contains(&o.name))
        });
        if let Some(o) = old {
            line(&format!("{} per day", r.name), &o.per_day, &r.per_day);
            line(&format!("{} in total", r.name), &o.total, &r.total);
        }
    }
    line("all rules per day", &before.per_day, &after.per_day);
    line("all rules in total", &before.total, &after.total);
    (!details.is_empty()).then(|| Change {
        kind: Kind::Playbook,
        name: "cost bound".to_owned(),
        change: ChangeKind::Changed,
        from: None,
        details,
        span: None,
    })
}

/// A bound as `check --cost` says it.
fn spend(s: &Spend) -> String {
    s.fen().map_or("unbounded".to_owned(), |f| f.to_string())
}
