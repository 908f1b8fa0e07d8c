//! Phase two: candidates served rule by rule in serving order, each firing checked
//! against limits, exclusivity, caps and budgets, then granted or refused.

use std::sync::Arc;

use super::grants::handed_out_at;
use super::phase_one::{Candidates, Outcome};
use super::{Emission, Held, Run, RunError, Tally};
use crate::interpret::grant::{Cause, Grant, Reason, Refusal, Target};
use crate::interpret::usage::red_packets;
use crate::money::{Fen, FenSum};
use crate::syntax::ast::TargetKind;

impl Run<'_> {
    /// Phase two: serve one rule's candidates in order.
    pub(super) fn serve(
        &mut self,
        rule: usize,
        kind: TargetKind,
        cands: &Candidates,
        cause: &Cause,
        cause_key: &str,
    ) -> Result<(), RunError> {
        let plan = &self.engine.plan.rules[rule];
        let descending = plan.order_by.as_ref().map(|(_, desc)| *desc);
        for (id, why) in cands.failures() {
            self.fail(rule, kind, id, cause, cause_key, why.clone())?;
        }
        for entry in cands.order(descending) {
            self.fire(
                rule,
                kind,
                cands.id(entry),
                cands.outcomes(entry),
                cause,
                cause_key,
            )?;
        }
        Ok(())
    }

    pub(super) fn fire(
        &mut self,
        rule: usize,
        kind: TargetKind,
        id: &str,
        outcomes: &[Outcome],
        cause: &Cause,
        cause_key: &str,
    ) -> Result<(), RunError> {
        if self.usage.is_held(rule, kind, id, cause_key) {
            self.report.already_held += 1;
            let held = Held {
                rule: self.program().rules[rule].name.clone(),
                target: Target {
                    kind,
                    id: id.to_owned(),
                },
                cause: cause.clone(),
            };
            return self.emit(Emission::Held(held));
        }
        let at = handed_out_at(&self.program().settings, cause);
        let target = Target {
            kind,
            id: id.to_owned(),
        };
        let grants = outcomes
            .iter()
            .map(|o| {
                self.engine
                    .build_grant(rule, o, &target, cause, cause_key, at)
            })
            .collect::<Result<Vec<Grant>, String>>();
        let grants = match grants {
            Ok(grants) => grants,
            Err(why) => {
                let refusal = self.engine.failed(rule, target, cause, at, why);
                return self.refuse(refusal);
            }
        };
        let Some(cost) = FenSum::of(grants.iter().map(|g| g.value)).to_fen() else {
            let message = format!(
                "arithmetic overflow: the rewards together cost more than {}",
                Fen(i64::MAX)
            );
            return self.refuse(Refusal {
                grants,
                value: None,
                reason: Reason::Error,
                message,
            });
        };
        let packets = red_packets(kind, &grants);
        if let Some((reason, message)) = self.usage.check(rule, kind, id, at, cost, packets) {
            return self.refuse(Refusal {
                grants,
                value: Some(cost),
                reason,
                message,
            });
        }
        let Some(tallies) = self.tallies_after(rule, &grants) else {
            let message = format!(
                "arithmetic overflow: this run's grants would be worth more than {} together",
                Fen(i64::MAX)
            );
            return self.refuse(Refusal {
                grants,
                value: Some(cost),
                reason: Reason::Error,
                message,
            });
        };
        self.usage.record(rule, kind, id, at, cost);
        self.usage.receive(id, at, packets);
        for g in &grants {
            self.usage.log_grant(kind, id, Some(rule), g.value, g.at);
        }
        let (granted, by_rule, by_reward) = tallies;
        self.report.granted = granted;
        self.rule_tallies[rule] = by_rule;
        self.reward_tallies.extend(by_reward);
        for g in grants {
            self.emit(Emission::Grant(Box::new(g)))?;
        }
        Ok(())
    }

    /// The run's tallies (in all, of the rule, of each reward) with `grants` added,
    /// or `None` when one of them would no longer fit in money.
    #[allow(clippy::type_complexity)] // three tallies, used once
    pub(super) fn tallies_after(
        &self,
        rule: usize,
        grants: &[Grant],
    ) -> Option<(Tally, Tally, Vec<(Arc<str>, Tally)>)> {
        let mut granted = self.report.granted;
        let mut by_rule = self.rule_tallies[rule];
        let mut by_reward: Vec<(Arc<str>, Tally)> = Vec::with_capacity(grants.len());
        for g in grants {
            granted = granted.plus(g.value)?;
            by_rule = by_rule.plus(g.value)?;
            let earlier = match by_reward.iter().rposition(|(r, _)| *r == g.reward) {
                Some(i) => by_reward[i].1,
                None => self
                    .reward_tallies
                    .get(&g.reward)
                    .copied()
                    .unwrap_or_default(),
            };
            by_reward.push((g.reward.clone(), earlier.plus(g.value)?));
        }
        Some((granted, by_rule, by_reward))
    }

    /// Refuses, with the reason, a firing whose condition or rewards could not be
    /// computed for one target.
    pub(super) fn fail(
        &mut self,
        rule: usize,
        kind: TargetKind,
        id: &str,
        cause: &Cause,
        cause_key: &str,
        why: String,
    ) -> Result<(), RunError> {
        if self.usage.is_held(rule, kind, id, cause_key) {
            self.report.already_held += 1;
            let held = Held {
                rule: self.program().rules[rule].name.clone(),
                target: Target {
                    kind,
                    id: id.to_owned(),
                },
                cause: cause.clone(),
            };
            return self.emit(Emission::Held(held));
        }
        let at = handed_out_at(&self.program().settings, cause);
        let target = Target {
            kind,
            id: id.to_owned(),
        };
        let refusal = self.engine.failed(rule, target, cause, at, why);
        self.refuse(refusal)
    }
}
