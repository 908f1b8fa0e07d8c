//! Grants made from resolved outcomes: coupons' facts, red packets' shares,
//! points' worth, and the stand-in refusal of a firing that could not be computed.

use std::sync::Arc;

use super::phase_one::{Candidates, Outcome, candidate};
use crate::check::model::CouponOff;
use crate::compile::Compiled;
use crate::compile::plan::{Leaf, RewardClass, RulePlan};
use crate::compile::timeline::hold_until;
use crate::interpret::eval::{Env, Segments};
use crate::interpret::grant::{Cause, Detail, Grant, Reason, Refusal, Target};
use crate::interpret::random::DrawStream;
use crate::interpret::split::{split_equal, split_random};
use crate::money::Fen;
use crate::syntax::ast::TargetKind;
use crate::value::arith::EvalError;

impl Compiled {
    /// The grants a rule would make for one target, before any constraint: for
    /// explanations and the REPL.
    pub fn preview(
        &self,
        rule: usize,
        env: &Env<'_>,
        segs: &mut Segments<'_>,
        kind: TargetKind,
        id: &str,
        cause: &Cause,
    ) -> Result<Vec<Grant>, EvalError> {
        let cause_key = cause.key(self.program.settings.timezone);
        let mut cands = Candidates::new();
        let seed = self.program.settings.seed.as_str();
        candidate(
            self,
            rule,
            env,
            segs,
            seed,
            (kind, id),
            &cause_key,
            &mut cands,
        )?;
        if cands.entries.is_empty() {
            return Ok(Vec::new());
        }
        let target = Target {
            kind,
            id: id.to_owned(),
        };
        let held_at = handed_out_at(&self.program.settings, cause);
        cands
            .outcomes(0)
            .iter()
            .map(|o| {
                self.build_grant(rule, o, &target, cause, &cause_key, held_at)
                    .map_err(EvalError::Reward)
            })
            .collect()
    }

    /// Builds the grant of one resolved outcome; fails with the reason when the
    /// reward cannot be made from its amount.
    pub(super) fn build_grant(
        &self,
        rule: usize,
        o: &Outcome,
        target: &Target,
        cause: &Cause,
        cause_key: &str,
        at: i64,
    ) -> Result<Grant, String> {
        let plan = &self.plan.rules[rule];
        let leaf = &plan.leaves[o.leaf as usize];
        let settings = &self.program.settings;
        let mut detail = Detail {
            arm: leaf.arm.clone(),
            ..Detail::default()
        };
        let value = match leaf.class {
            RewardClass::Coupon => coupon_detail(leaf, at, &mut detail),
            RewardClass::RedPacket => {
                let total = Fen(o.amount);
                if let Some(split) = &leaf.split {
                    detail.shares = self.shares(plan, leaf, split, total, target, cause_key)?;
                }
                total
            }
            RewardClass::Points => {
                detail.points = Some(o.amount);
                settings
                    .point_value
                    .checked_mul_int(o.amount)
                    .ok_or_else(|| {
                        format!(
                            "arithmetic overflow in `{} points * point_value {}`",
                            o.amount, settings.point_value
                        )
                    })?
            }
            RewardClass::Gift => {
                let (name, worth) = leaf.gift.clone().unwrap_or((leaf.label.clone(), Fen::ZERO));
                detail.gift = Some(name);
                worth
            }
        };
        Ok(Grant {
            rule: plan.name.clone(),
            target: target.clone(),
            cause: cause.clone(),
            position: o.position,
            reward: leaf.label.clone(),
            leaf: o.leaf,
            kind: leaf.class,
            value,
            at,
            detail,
        })
    }

    pub(super) fn shares(
        &self,
        plan: &RulePlan,
        leaf: &Leaf,
        split: &crate::syntax::ast::Split,
        total: Fen,
        target: &Target,
        cause_key: &str,
    ) -> Result<Vec<Fen>, String> {
        let n = u32::try_from(split.shares).unwrap_or(u32::MAX);
        if !split.random {
            return Ok(split_equal(total, n));
        }
        let settings = &self.program.settings;
        let node = leaf.node.to_string();
        let mut draws = DrawStream::new(&[
            "split",
            &settings.seed,
            &plan.name,
            target.kind.keyword(),
            &target.id,
            cause_key,
            &node,
        ]);
        split_random(
            total,
            n,
            settings.red_packet_min,
            settings.red_packet_max,
            &mut draws,
        )
        .map_err(|e| e.to_string())
    }

    /// The refusal of a firing that could not be computed: one stand-in grant
    /// naming the rule's rewards as written, worth nothing, and the reason.
    pub(super) fn failed(
        &self,
        rule: usize,
        target: Target,
        cause: &Cause,
        at: i64,
        why: String,
    ) -> Refusal {
        let plan = &self.plan.rules[rule];
        let reward = plan
            .give
            .iter()
            .map(|r| &*r.label)
            .collect::<Vec<_>>()
            .join(", ");
        let kind = plan
            .give
            .first()
            .and_then(|r| plan.leaves.get(r.leaf))
            .map_or(RewardClass::Gift, |l| l.class);
        Refusal {
            grants: vec![Grant {
                rule: plan.name.clone(),
                target,
                cause: cause.clone(),
                position: 0,
                reward: Arc::from(reward),
                leaf: 0,
                kind,
                value: Fen::ZERO,
                at,
                detail: Detail::default(),
            }],
            value: None,
            reason: Reason::Error,
            message: why,
        }
    }
}

/// When a firing's grants are handed out: an event's in quiet hours wait for their
/// end; a tick's at the tick.
pub fn handed_out_at(settings: &crate::check::Settings, cause: &Cause) -> i64 {
    match cause {
        Cause::Event { at, .. } => hold_until(settings, *at),
        Cause::Tick { at } => *at,
    }
}

pub(super) fn coupon_detail(leaf: &Leaf, at: i64, detail: &mut Detail) -> Fen {
    let Some(spec) = &leaf.coupon else {
        return Fen::ZERO;
    };
    match spec.off {
        CouponOff::Amount(f) => detail.off = Some(f),
        CouponOff::Percent(r) => detail.percent_off = Some(r),
    }
    detail.threshold = spec.threshold;
    detail.max = spec.max;
    detail.scope = leaf.scope.clone();
    detail.valid_until = spec.valid_seconds.and_then(|s| at.checked_add(s));
    detail.stackable = spec.stackable;
    spec.face_value()
}
