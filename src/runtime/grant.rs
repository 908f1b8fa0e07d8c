//! Grants and refusals: what a run decides.

use chrono_tz::Tz;

use super::time::format_instant;
use crate::money::{Fen, Rate};
use crate::syntax::ast::TargetKind;

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
        id: String,
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

/// The kind of a granted reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RewardClass {
    /// A coupon.
    Coupon,
    /// A red packet.
    RedPacket,
    /// A physical gift.
    Gift,
    /// Loyalty points.
    Points,
}

impl RewardClass {
    /// The name on grants.
    pub fn as_str(self) -> &'static str {
        match self {
            RewardClass::Coupon => "coupon",
            RewardClass::RedPacket => "red_packet",
            RewardClass::Gift => "gift",
            RewardClass::Points => "points",
        }
    }

    /// Reads [`RewardClass::as_str`] back.
    pub fn parse(text: &str) -> Option<RewardClass> {
        [
            RewardClass::Coupon,
            RewardClass::RedPacket,
            RewardClass::Gift,
            RewardClass::Points,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
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
    pub scope: Option<String>,
    /// Last valid instant of a coupon.
    pub valid_until: Option<i64>,
    /// Whether the coupon stacks.
    pub stackable: bool,
    /// Red-packet shares (one share for an unsplit packet is left out).
    pub shares: Vec<Fen>,
    /// Points granted.
    pub points: Option<i64>,
    /// Gift item.
    pub gift: Option<String>,
    /// Experiment and arm that chose this reward.
    pub arm: Option<(String, String)>,
}

/// One reward to one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Rule name.
    pub rule: String,
    /// Receiver.
    pub target: Target,
    /// What made the rule fire.
    pub cause: Cause,
    /// Position of the reward in the rule's `give` list (part of the identity).
    pub position: u32,
    /// Reward name (declared name, inline source text, or the chosen arm's reward).
    pub reward: String,
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
    /// A `cap` clause.
    Cap,
    /// The playbook's budget.
    Budget,
}

impl Reason {
    /// The name on refusals.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Limit => "limit",
            Reason::Exclusive => "exclusive",
            Reason::Cap => "cap",
            Reason::Budget => "budget",
        }
    }
}

/// A firing that a constraint stopped: the grants it would have made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The grants not made (at least one).
    pub grants: Vec<Grant>,
    /// The first constraint that failed.
    pub reason: Reason,
    /// Human explanation, e.g. `cap ¥500 per day: ¥499 used, this needs ¥2`.
    pub message: String,
}
