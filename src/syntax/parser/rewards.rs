//! Rewards: coupons and their options, red packets, points and gifts, and the
//! forms with arms (lottery, tier, tier by, experiment), where an `else` or
//! `rest` arm must come last and only once.

use pest::iterators::Pair;

use super::expressions::infix_op;
use super::{Builder, R, children, internal, too_deep};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::grammar::Rule;
use crate::syntax::{MAX_NESTING, literal};

impl Builder<'_> {
    /// Builds a reward; `depth` counts the rewards it is nested in.
    pub(super) fn reward(&mut self, pair: Pair<'_, Rule>, depth: usize) -> R<Reward> {
        let span = self.span(&pair);
        if depth > MAX_NESTING {
            return Err(too_deep(span));
        }
        let rule = pair.as_rule();
        let parts: Vec<_> = children(pair).collect();
        let kind = match rule {
            Rule::coupon => RewardKind::Coupon(self.coupon(parts)),
            Rule::red_packet => {
                let mut it = parts.into_iter();
                let amount =
                    self.expr(it.next().ok_or_else(|| internal(self.file, span.start))?, 0)?;
                let split = it.next().map(|s| self.split(s));
                RewardKind::RedPacket { amount, split }
            }
            Rule::points_reward => {
                let p = parts
                    .into_iter()
                    .next()
                    .ok_or_else(|| internal(self.file, span.start))?;
                RewardKind::Points(self.expr(p, 0)?)
            }
            Rule::gift => {
                let mut it = parts.into_iter();
                let name = self.string(it.next().ok_or_else(|| internal(self.file, span.start))?);
                let worth = it
                    .next()
                    .and_then(|w| children(w).next())
                    .map(|m| self.money(&m));
                RewardKind::Gift { name, worth }
            }
            Rule::lottery => self.lottery(parts, depth)?,
            Rule::tier => self.tier(parts, depth)?,
            Rule::tier_by => self.tier_by(parts, depth)?,
            Rule::experiment => self.experiment(parts, depth)?,
            _ => {
                let p = parts
                    .into_iter()
                    .next()
                    .ok_or_else(|| internal(self.file, span.start))?;
                RewardKind::Ref(self.ident(p))
            }
        };
        Ok(Spanned::new(kind, span))
    }

    #[allow(
        clippy::expect_used,
        reason = "the grammar requires a coupon's value, and a percentage's number"
    )]
    fn coupon(&mut self, parts: Vec<Pair<'_, Rule>>) -> Coupon {
        let mut it = parts.into_iter();
        let value_pair = it.next().expect("grammar: coupon value");
        let value = match value_pair.as_rule() {
            Rule::money => {
                let m = self.money(&value_pair);
                Spanned::new(CouponValue::Amount(m.node), m.span)
            }
            Rule::zhe => {
                let r = self.lit(&value_pair, literal::zhe, crate::money::Rate(5000));
                Spanned::new(CouponValue::Zhe(r.node), r.span)
            }
            _ => {
                let span = self.span(&value_pair);
                let pct = children(value_pair).next().expect("grammar: percent");
                let r = self.percent(&pct);
                Spanned::new(CouponValue::PercentOff(r.node), span)
            }
        };
        let options = it.map(|o| self.coupon_option(o)).collect();
        Coupon { value, options }
    }

    fn coupon_option(&mut self, pair: Pair<'_, Rule>) -> Spanned<CouponOption> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let arg = children(pair).next();
        let option = match (rule, arg) {
            (Rule::coupon_over, Some(m)) => CouponOption::Over(self.money(&m).node),
            (Rule::coupon_max, Some(m)) => CouponOption::Max(self.money(&m).node),
            (Rule::coupon_scope, Some(s)) => CouponOption::Scope(self.string(s).node),
            (Rule::coupon_valid, Some(d)) => CouponOption::Valid(self.duration(&d).node),
            _ => CouponOption::Stackable,
        };
        Spanned::new(option, span)
    }

    fn split(&mut self, pair: Pair<'_, Rule>) -> Spanned<Split> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let shares = it.next().map_or(0, |p| self.integer(&p).node);
        let random = it.next().is_some_and(|m| m.as_str() == "random");
        Spanned::new(Split { shares, random }, span)
    }

    fn arm_reward(&mut self, pair: Option<Pair<'_, Rule>>, depth: usize, at: usize) -> R<Reward> {
        self.reward(pair.ok_or_else(|| internal(self.file, at))?, depth + 1)
    }

    fn lottery(&mut self, parts: Vec<Pair<'_, Rule>>, depth: usize) -> R<RewardKind> {
        let mut arms = Vec::new();
        let mut rest = None;
        for arm in parts {
            let at = self.span(&arm).start;
            let is_rest = arm.as_rule() == Rule::rest_arm;
            let mut it = children(arm);
            if is_rest {
                self.catch_all_last(&rest, "rest", at);
                rest = Some(Box::new(self.arm_reward(it.next(), depth, at)?));
            } else {
                self.nothing_after(&rest, "rest");
                let chance = self.percent(&it.next().ok_or_else(|| internal(self.file, at))?);
                let reward = self.arm_reward(it.next(), depth, at)?;
                arms.push(LotteryArm { chance, reward });
            }
        }
        Ok(RewardKind::Lottery { arms, rest })
    }

    /// A second `else` / `rest` arm: only one can take what is left.
    fn catch_all_last(&mut self, earlier: &Option<Box<Reward>>, word: &str, at: usize) {
        if let Some(first) = earlier {
            self.errors.push(
                Diagnostic::new(
                    Code::Syntax,
                    Span::new(self.file, at, at + word.len()),
                    format!("a second `{word}` arm"),
                )
                .label("again here")
                .related(first.span, "the first")
                .help(format!("keep one `{word} -> …`, as the last arm")),
            );
        }
    }

    /// An arm after `else` / `rest`, which already took every target left.
    fn nothing_after(&mut self, catch_all: &Option<Box<Reward>>, word: &str) {
        if let Some(arm) = catch_all {
            self.errors.push(
                Diagnostic::new(
                    Code::Syntax,
                    arm.span,
                    format!("`{word}` must be the last arm"),
                )
                .label(format!("`{word}` comes before other arms"))
                .help(format!(
                    "arms are tried in order and `{word}` takes every target left: move `{word} -> …` to the end"
                )),
            );
        }
    }

    fn tier(&mut self, parts: Vec<Pair<'_, Rule>>, depth: usize) -> R<RewardKind> {
        let mut arms = Vec::new();
        let mut otherwise = None;
        for arm in parts {
            let at = self.span(&arm).start;
            let is_else = arm.as_rule() == Rule::else_arm;
            let mut it = children(arm);
            if is_else {
                self.catch_all_last(&otherwise, "else", at);
                otherwise = Some(Box::new(self.arm_reward(it.next(), depth, at)?));
            } else {
                self.nothing_after(&otherwise, "else");
                let when = self.expr(it.next().ok_or_else(|| internal(self.file, at))?, 0)?;
                let reward = self.arm_reward(it.next(), depth, at)?;
                arms.push(TierArm { when, reward });
            }
        }
        Ok(RewardKind::Tier { arms, otherwise })
    }

    fn tier_by(&mut self, parts: Vec<Pair<'_, Rule>>, depth: usize) -> R<RewardKind> {
        let mut it = parts.into_iter();
        let first = it.next().ok_or_else(|| internal(self.file, 0))?;
        let subject = self.expr(first, 0)?;
        let mut arms = Vec::new();
        let mut otherwise = None;
        for arm in it {
            let at = self.span(&arm).start;
            let is_else = arm.as_rule() == Rule::else_arm;
            let mut it = children(arm);
            if is_else {
                self.catch_all_last(&otherwise, "else", at);
                otherwise = Some(Box::new(self.arm_reward(it.next(), depth, at)?));
            } else {
                self.nothing_after(&otherwise, "else");
                let op_pair = it.next().ok_or_else(|| internal(self.file, at))?;
                let op_span = self.span(&op_pair);
                let op = children(op_pair)
                    .next()
                    .map_or(BinaryOp::Ge, |p| infix_op(p.as_rule()));
                let value = self.expr(it.next().ok_or_else(|| internal(self.file, at))?, 0)?;
                let reward = self.arm_reward(it.next(), depth, at)?;
                arms.push(TierByArm {
                    op: Spanned::new(op, op_span),
                    value,
                    reward,
                });
            }
        }
        Ok(RewardKind::TierBy {
            subject,
            arms,
            otherwise,
        })
    }

    fn experiment(&mut self, parts: Vec<Pair<'_, Rule>>, depth: usize) -> R<RewardKind> {
        let mut it = parts.into_iter();
        let name = self.string(it.next().ok_or_else(|| internal(self.file, 0))?);
        let mut arms = Vec::new();
        for arm in it {
            let at = self.span(&arm).start;
            let mut parts = children(arm);
            let arm_name = self.ident(parts.next().ok_or_else(|| internal(self.file, at))?);
            let share = self.percent(&parts.next().ok_or_else(|| internal(self.file, at))?);
            let reward = self.arm_reward(parts.next(), depth, at)?;
            arms.push(ExperimentArm {
                name: arm_name,
                share,
                reward,
            });
        }
        Ok(RewardKind::Experiment { name, arms })
    }
}
