//! Test coverage: which rules, and which arms of their tier, lottery and experiment
//! rewards, the `test` blocks of a playbook exercised.
//!
//! A rule is exercised when some test made it fire — a grant or a refusal, since a
//! refused firing still went down the rule's path. An arm is exercised when some
//! test granted (or was refused) a reward under it. An arm that gives nothing (a
//! lottery's empty remainder) cannot be seen in grants and is not counted.

use std::collections::HashSet;

use crate::app::test::case::TestOutcome;
use crate::check::Program;
use crate::compile::plan::{Plan, RewardPlan, RewardPlanKind};
use crate::interpret::grant::Grant;
use crate::source::Span;

/// One thing a test can exercise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageItem {
    /// The rule it belongs to.
    pub rule: String,
    /// A whole rule, or one arm of a choice in its `give`.
    pub kind: ItemKind,
    /// The rule's name, or the reward the arm gives, as written.
    pub span: Span,
    /// Whether a test exercised it.
    pub covered: bool,
}

/// What a coverage item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A rule.
    Rule,
    /// Arm `index` (0-based, `otherwise`/remainder last) of a `tier`.
    TierArm(usize),
    /// Arm of a `lottery`.
    LotteryArm(usize),
    /// Arm of an `experiment`.
    ExperimentArm(usize),
}

impl ItemKind {
    /// How the item is named in reports: `rule`, `tier arm 2`, ….
    pub fn describe(self) -> String {
        match self {
            ItemKind::Rule => "rule".to_owned(),
            ItemKind::TierArm(i) => format!("tier arm {}", i + 1),
            ItemKind::LotteryArm(i) => format!("lottery arm {}", i + 1),
            ItemKind::ExperimentArm(i) => format!("experiment arm {}", i + 1),
        }
    }
}

/// What the tests of one program reached, gathered outcome by outcome.
#[derive(Debug, Default, Clone)]
pub struct Reached {
    rules: HashSet<String>,
    leaves: HashSet<(String, u32)>,
}

impl Reached {
    /// Adds what one test run granted and refused.
    pub fn add(&mut self, outcome: &TestOutcome) {
        let refused = outcome.refusals.iter().flat_map(|r| &r.grants);
        for grant in outcome.grants.iter().chain(refused) {
            self.add_grant(grant);
        }
    }

    fn add_grant(&mut self, grant: &Grant) {
        self.rules.insert(grant.rule.to_string());
        self.leaves.insert((grant.rule.to_string(), grant.leaf));
    }
}

/// Every rule and arm of `program`, each marked covered or not.
pub fn coverage(program: &Program, plan: &Plan, reached: &Reached) -> Vec<CoverageItem> {
    let mut items = Vec::new();
    for (rule, rule_plan) in program.rules.iter().zip(&plan.rules) {
        items.push(CoverageItem {
            rule: rule.name.clone(),
            kind: ItemKind::Rule,
            span: rule.span,
            covered: reached.rules.contains(&rule.name),
        });
        let covered = |leaf: usize| {
            u32::try_from(leaf).is_ok_and(|l| reached.leaves.contains(&(rule.name.clone(), l)))
        };
        for reward in &rule_plan.give {
            arms(reward, &rule.name, &covered, &mut items);
        }
    }
    items
}

/// The arms of every choice in `reward`, outermost first.
fn arms(
    reward: &RewardPlan,
    rule: &str,
    covered: &dyn Fn(usize) -> bool,
    items: &mut Vec<CoverageItem>,
) {
    let Some((kind, outcomes)) = choice(reward) else {
        return;
    };
    for (index, outcome) in outcomes.into_iter().enumerate() {
        items.push(CoverageItem {
            rule: rule.to_owned(),
            kind: kind(index),
            span: outcome.span,
            covered: leaves(outcome).into_iter().any(covered),
        });
        arms(outcome, rule, covered, items);
    }
}

/// How the arms of a choice are named, by position.
type ArmKind = fn(usize) -> ItemKind;

/// When `reward` chooses between rewards: what its arms are called and their
/// outcomes in order (a fallback or remainder last).
fn choice(reward: &RewardPlan) -> Option<(ArmKind, Vec<&RewardPlan>)> {
    Some(match &reward.kind {
        RewardPlanKind::Tier { arms, otherwise } => (
            ItemKind::TierArm,
            arms.iter()
                .map(|(_, r)| r)
                .chain(otherwise.as_deref())
                .collect(),
        ),
        RewardPlanKind::TierBy {
            arms, otherwise, ..
        } => (
            ItemKind::TierArm,
            arms.iter()
                .map(|(_, _, r)| r)
                .chain(otherwise.as_deref())
                .collect(),
        ),
        RewardPlanKind::Lottery { arms, rest } => (
            ItemKind::LotteryArm,
            arms.iter().map(|(_, r)| r).chain(rest.as_deref()).collect(),
        ),
        RewardPlanKind::Experiment { arms, .. } => (
            ItemKind::ExperimentArm,
            arms.iter().map(|(_, _, r)| r).collect(),
        ),
        RewardPlanKind::Coupon(_)
        | RewardPlanKind::RedPacket { .. }
        | RewardPlanKind::Points(_)
        | RewardPlanKind::Gift { .. } => return None,
    })
}

/// The leaf rewards a reward can hand out.
fn leaves(reward: &RewardPlan) -> Vec<usize> {
    match choice(reward) {
        Some((_, outcomes)) => outcomes.into_iter().flat_map(leaves).collect(),
        None => vec![reward.leaf],
    }
}

/// Covered items over all items, in percent (100 when there is nothing to cover).
pub fn percent(items: &[CoverageItem]) -> f64 {
    if items.is_empty() {
        return 100.0;
    }
    let covered = items.iter().filter(|i| i.covered).count();
    #[allow(clippy::cast_precision_loss)] // counts of rules and arms are small
    let ratio = covered as f64 / items.len() as f64;
    ratio * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::test::case::run_test;
    use crate::compile::compile;

    const PLAYBOOK: &str = r#"
member { orders: int }
segment 老客 = orders >= 2
rule 周券 {
  at 2026-05-04 10:00
  give tier {
    老客 -> coupon ¥20 over ¥300 valid 7d
    else -> lottery {
      50% -> points 10
      50% -> points 10
    }
  }
}
test "老客" {
  at 2026-05-04 10:00
  member m1 { orders: 3 }
  member m2 { orders: 0 }
  expect m1 gets 周券
  expect m2 gets 周券
}
"#;

    fn items(run_tests: bool) -> Vec<CoverageItem> {
        let outcome = crate::check::check_text("t.playbook", PLAYBOOK);
        let program = outcome.program.expect("checks");
        let engine = compile(program.clone());
        let mut reached = Reached::default();
        if run_tests {
            for case in &program.tests {
                reached.add(&run_test(&engine, case));
            }
        }
        coverage(&program, &engine.plan, &reached)
    }

    #[test]
    fn rules_and_nested_arms_are_items_outermost_first() {
        let kinds: Vec<ItemKind> = items(false).iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            [
                ItemKind::Rule,
                ItemKind::TierArm(0),
                ItemKind::TierArm(1),
                ItemKind::LotteryArm(0),
                ItemKind::LotteryArm(1),
            ]
        );
    }

    #[test]
    fn arms_giving_the_same_reward_are_told_apart() {
        // m2's draw takes one of two arms that both give `points 10`.
        let covered: Vec<bool> = items(true).iter().map(|i| i.covered).collect();
        assert_eq!(covered[..3], [true, true, true]);
        assert!(covered[3] != covered[4], "{covered:?}");
        assert!((percent(&items(true)) - 80.0).abs() < 1e-9);
    }

    #[test]
    fn nothing_to_cover_is_full_coverage() {
        assert!((percent(&[]) - 100.0).abs() < 1e-9);
    }
}
