//! Rewards: the declaration, every form, and the arms of the forms that hold
//! other rewards.

use super::expressions::{BinaryOp, Duration, Expr};
use super::{Ident, Spanned};
use crate::money::{Fen, Rate};

/// `reward NAME = REWARD`
#[derive(Debug, Clone, PartialEq)]
pub struct RewardDecl {
    /// Reward name.
    pub name: Ident,
    /// Its definition.
    pub reward: Reward,
}

/// A reward expression.
pub type Reward = Spanned<RewardKind>;

/// Every reward form of LANGUAGE.md §5.
#[derive(Debug, Clone, PartialEq)]
pub enum RewardKind {
    /// `coupon …`
    Coupon(Coupon),
    /// `red_packet AMOUNT [split N random|equal]`
    RedPacket {
        /// Total amount (a money expression).
        amount: Expr,
        /// Shares of a group red packet.
        split: Option<Spanned<Split>>,
    },
    /// `points N`
    Points(Expr),
    /// `gift "name" [worth ¥X]`
    Gift {
        /// What is given.
        name: Spanned<String>,
        /// Its cost for budgets.
        worth: Option<Spanned<Fen>>,
    },
    /// `lottery { P% -> R … rest -> R }`
    Lottery {
        /// Arms with their probabilities.
        arms: Vec<LotteryArm>,
        /// What the remaining probability gives.
        rest: Option<Box<Reward>>,
    },
    /// `tier { COND -> R … else -> R }`
    Tier {
        /// Arms, first match wins.
        arms: Vec<TierArm>,
        /// Fallback.
        otherwise: Option<Box<Reward>>,
    },
    /// `tier by EXPR { >= V -> R … else -> R }`
    TierBy {
        /// The value compared.
        subject: Expr,
        /// Thresholds, first match wins.
        arms: Vec<TierByArm>,
        /// Fallback.
        otherwise: Option<Box<Reward>>,
    },
    /// `experiment "name" { A 50% -> R  B 50% -> R }`
    Experiment {
        /// Experiment name (part of the arm assignment).
        name: Spanned<String>,
        /// Arms.
        arms: Vec<ExperimentArm>,
    },
    /// A declared reward, by name.
    Ref(Ident),
}

/// `coupon VALUE OPTIONS…`
#[derive(Debug, Clone, PartialEq)]
pub struct Coupon {
    /// What it takes off.
    pub value: Spanned<CouponValue>,
    /// Options in source order.
    pub options: Vec<Spanned<CouponOption>>,
}

/// The discount of a coupon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CouponValue {
    /// `¥10` off.
    Amount(Fen),
    /// `30% off`.
    PercentOff(Rate),
    /// `7折`: pay this rate (70%), i.e. 30% off.
    Zhe(Rate),
}

/// A coupon option.
#[derive(Debug, Clone, PartialEq)]
pub enum CouponOption {
    /// `over ¥300`: threshold (满300).
    Over(Fen),
    /// `max ¥100`: largest discount of a percentage coupon.
    Max(Fen),
    /// `on "指定商品"`: scope.
    Scope(String),
    /// `valid 7d`.
    Valid(Duration),
    /// `stackable`.
    Stackable,
}

/// `split N random|equal`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Split {
    /// Number of shares.
    pub shares: u64,
    /// 拼手气 (random) or equal shares.
    pub random: bool,
}

/// `P% -> REWARD`
#[derive(Debug, Clone, PartialEq)]
pub struct LotteryArm {
    /// Probability.
    pub chance: Spanned<Rate>,
    /// Outcome.
    pub reward: Reward,
}

/// `COND -> REWARD`
#[derive(Debug, Clone, PartialEq)]
pub struct TierArm {
    /// Condition (usually a segment name).
    pub when: Expr,
    /// Outcome.
    pub reward: Reward,
}

/// `>= V -> REWARD`
#[derive(Debug, Clone, PartialEq)]
pub struct TierByArm {
    /// Comparison against the subject.
    pub op: Spanned<BinaryOp>,
    /// Threshold.
    pub value: Expr,
    /// Outcome.
    pub reward: Reward,
}

/// `A 50% -> REWARD`
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentArm {
    /// Arm name.
    pub name: Ident,
    /// Share of targets.
    pub share: Spanned<Rate>,
    /// Outcome.
    pub reward: Reward,
}
