//! Grants and refusals: what a run decides.

use std::sync::Arc;

use chrono_tz::Tz;

use crate::compile::plan::RewardClass;
use crate::money::{Fen, Rate};
use crate::syntax::ast::TargetKind;
use crate::time::format_instant;

/// Who receives a grant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    /// A member or a group.
    pub kind: TargetKind,
    /// Its id.
    pub id: String,
}

/// What made a rule fire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cause {
    /// An event, by id.
    Event {
        /// Event id.
        id: Arc<str>,
        /// Its instant.
        at: i64,
    },
    /// A schedule tick.
    Tick {
        /// The tick's instant.
        at: i64,
    },
}

impl Cause {
    /// The instant of the event or tick.
    pub fn at(&self) -> i64 {
        match self {
            Cause::Event { at, .. } | Cause::Tick { at } => *at,
        }
    }

    /// The cause as written on grants and in the ledger: `event:ID` or
    /// `tick:RFC3339`.
    pub fn key(&self, tz: Tz) -> String {
        match self {
            Cause::Event { id, .. } => format!("event:{id}"),
            Cause::Tick { at } => format!("tick:{}", format_instant(tz, *at)),
        }
    }
}

/// Kind-specific facts of a grant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Detail {
    /// A coupon's fixed discount.
    pub off: Option<Fen>,
    /// A percentage coupon's discount.
    pub percent_off: Option<Rate>,
    /// 满 threshold.
    pub threshold: Option<Fen>,
    /// Cap of a percentage discount.
    pub max: Option<Fen>,
    /// Coupon scope.
    pub scope: Option<Arc<str>>,
    /// Last valid instant of a coupon.
    pub valid_until: Option<i64>,
    /// Whether the coupon stacks.
    pub stackable: bool,
    /// Red-packet shares (one share for an unsplit packet is left out).
    pub shares: Vec<Fen>,
    /// Points granted.
    pub points: Option<i64>,
    /// Gift item.
    pub gift: Option<Arc<str>>,
    /// Experiment and arm that chose this reward.
    pub arm: Option<(Arc<str>, Arc<str>)>,
}

/// One reward to one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Rule name (shared: a run may make millions of grants).
    pub rule: Arc<str>,
    /// Receiver.
    pub target: Target,
    /// What made the rule fire.
    pub cause: Cause,
    /// Position of the reward in the rule's `give` list (part of the identity).
    pub position: u32,
    /// Reward name (declared name, inline source text, or the chosen arm's reward).
    pub reward: Arc<str>,
    /// Which of the rule's leaf rewards this is (an index into the compiled rule's
    /// leaves): tells apart tier, lottery and experiment arms that give the same
    /// reward, for test coverage.
    pub leaf: u32,
    /// Kind.
    pub kind: RewardClass,
    /// Cost counted against caps and budgets.
    pub value: Fen,
    /// When it is handed out: the cause's instant, or the end of quiet hours.
    pub at: i64,
    /// Kind-specific facts.
    pub detail: Detail,
}

/// Why a firing was refused; also the order the constraints are checked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// A `limit` clause.
    Limit,
    /// An `exclusive` group.
    Exclusive,
    /// The payout channel's limits per member and day (`per_member_daily`).
    Channel,
    /// A `cap` clause.
    Cap,
    /// The playbook's budget.
    Budget,
    /// The firing could not be computed for this target (an overflow, a division by
    /// zero): nothing was granted and the run went on.
    Error,
}

impl Reason {
    /// Every reason, in the order the constraints are checked (and tables list them).
    pub const ALL: [Reason; 6] = [
        Reason::Limit,
        Reason::Exclusive,
        Reason::Channel,
        Reason::Cap,
        Reason::Budget,
        Reason::Error,
    ];

    /// The name on refusals.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Limit => "limit",
            Reason::Exclusive => "exclusive",
            Reason::Channel => "channel",
            Reason::Cap => "cap",
            Reason::Budget => "budget",
            Reason::Error => "error",
        }
    }
}

/// A firing that a constraint stopped, or that could not be computed: the grants it
/// would have made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The grants not made (at least one). For a firing that could not be computed
    /// ([`Reason::Error`]) they are the rule's rewards as written, worth nothing.
    pub grants: Vec<Grant>,
    /// What the firing would have cost: `None` when that is not known (the firing
    /// could not be computed, or its rewards together cost more than money holds).
    pub value: Option<Fen>,
    /// The first constraint that failed.
    pub reason: Reason,
    /// Human explanation, e.g. `cap ¥500 per day: ¥499 used, this needs ¥2`.
    pub message: String,
}

impl Detail {
    /// The detail object of a grant's JSON: only the facts that apply.
    pub fn to_json(&self, tz: Tz) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        let mut put = |k: &str, v: serde_json::Value| {
            map.insert(k.to_owned(), v);
        };
        if let Some(off) = self.off {
            put("off_fen", off.0.into());
        }
        if let Some(p) = self.percent_off {
            put("percent_off", rate_json(p));
        }
        if let Some(t) = self.threshold {
            put("threshold_fen", t.0.into());
        }
        if let Some(m) = self.max {
            put("max_fen", m.0.into());
        }
        if let Some(s) = &self.scope {
            put("scope", s.as_ref().into());
        }
        if let Some(v) = self.valid_until {
            put("valid_until", format_instant(tz, v).into());
        }
        if self.stackable {
            put("stackable", true.into());
        }
        if !self.shares.is_empty() {
            put(
                "shares_fen",
                self.shares.iter().map(|s| s.0).collect::<Vec<_>>().into(),
            );
        }
        if let Some(p) = self.points {
            put("points", p.into());
        }
        if let Some(g) = &self.gift {
            put("gift", g.as_ref().into());
        }
        if let Some((experiment, arm)) = &self.arm {
            put("experiment", experiment.as_ref().into());
            put("arm", arm.as_ref().into());
        }
        serde_json::Value::Object(map)
    }
}

/// A rate as a JSON number of percent (`12.5`), exact for basis points.
fn rate_json(rate: Rate) -> serde_json::Value {
    let percent = rust_decimal::Decimal::new(rate.0, 2).normalize();
    serde_json::from_str(&percent.to_string()).unwrap_or(serde_json::Value::Null)
}

impl Grant {
    /// The grant as the runtime spec's JSON object.
    pub fn to_json(&self, tz: Tz) -> serde_json::Value {
        serde_json::json!({
            "rule": self.rule.as_ref(),
            "target": {"kind": self.target.kind.keyword(), "id": self.target.id},
            "reward": self.reward.as_ref(),
            "kind": self.kind.as_str(),
            "value_fen": self.value.0,
            "at": format_instant(tz, self.at),
            "cause": self.cause.key(tz),
            "detail": self.detail.to_json(tz),
        })
    }
}

impl Refusal {
    /// The refusal as JSON: the grant fields (rewards joined, `value_fen` the firing's
    /// cost or `null` when unknown) plus `reason`, `message` and, for several
    /// rewards, each of them in `rewards`.
    pub fn to_json(&self, tz: Tz) -> serde_json::Value {
        let first = &self.grants[0];
        let mut value = first.to_json(tz);
        value["value_fen"] = self.value.map(|v| v.0).into();
        value["reason"] = self.reason.as_str().into();
        value["message"] = self.message.as_str().into();
        if self.grants.len() > 1 {
            value["reward"] = self
                .grants
                .iter()
                .map(|g| g.reward.as_ref())
                .collect::<Vec<_>>()
                .join(", ")
                .into();
            value["rewards"] = self.grants.iter().map(|g| g.to_json(tz)).collect();
        }
        value
    }
}
