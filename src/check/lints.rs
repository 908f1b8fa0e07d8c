//! Pass 6: the warnings of LANGUAGE.md §8 that need the whole program — unused
//! declarations, recurring rules that spend without any bound, and rules that can
//! use up the daily budget by themselves.

use super::context::Context;
use super::cost::{RuleCost, Spend, cost_bounds};
use super::rewards::check_reward;
use super::rules::is_recurring;
use super::{Checker, Program, Reward, RewardKind, Settings};
use crate::diagnostics::{Code, Diagnostic};
use crate::money::Fen;
use crate::syntax::ast::{Item, TargetKind};
use crate::time::Period;

/// Whether `per_member_daily` bounds what the rule gives: red packets to members.
fn channel_bounds(rule: &crate::check::Rule, p: &Program) -> bool {
    p.settings.channel.is_set()
        && rule.target == TargetKind::Member
        && rule.give.iter().all(only_red_packets)
}

/// Whether every grant a reward can make is a red packet (a lottery, tier or
/// experiment whose every outcome is one).
fn only_red_packets(r: &crate::check::Reward) -> bool {
    match r.outcomes() {
        Some((outcomes, _)) => outcomes.into_iter().all(only_red_packets),
        None => matches!(r.kind, crate::check::RewardKind::RedPacket { .. }),
    }
}

pub(super) fn lint(c: &mut Checker<'_>, p: &Program, items: &[Item]) {
    unused_rewards(c, p, items);
    for (i, s) in p.segments.iter().enumerate() {
        if !c.used_segments.contains(&i) {
            unused(c, "segment", &s.name, s.span);
        }
    }
    for (i, e) in p.events.iter().enumerate() {
        if !c.used_events.contains(&i) {
            unused(c, "event", &e.name, e.span);
        }
    }
    for rule in &p.rules {
        let spends = rule.give.iter().any(|r| can_spend(r, &p.settings));
        if spends
            && is_recurring(&rule.trigger)
            && rule.limits.is_empty()
            && rule.caps.is_empty()
            && !p.settings.has_budget()
            && !channel_bounds(rule, p)
        {
            // `per member` is not a limit a group rule can have.
            let who = match rule.target {
                TargetKind::Member => "member",
                TargetKind::Group => "group",
            };
            c.report(
                Diagnostic::new(Code::UnlimitedSpending, rule.span, format!("rule `{}` spends money again and again with no bound", rule.name))
                    .label("no limit, cap or budget")
                    .help(format!("add `limit 1 per {who} per day`, a `cap ¥500 per day`, or a `budget` in the header")),
            );
        }
    }
    exhausting_rules(c, p);
}

/// W0006: a rule whose own worst case for one day reaches the daily budget, while
/// other rules spend too: on a bad day it alone can use the budget up.
fn exhausting_rules(c: &mut Checker<'_>, p: &Program) {
    let Some(daily) = p
        .settings
        .budget_per
        .iter()
        .find(|(period, _)| *period == Period::Day)
        .map(|(_, b)| *b)
    else {
        return;
    };
    let costs = cost_bounds(p);
    let spends = |r: &RuleCost| r.per_firing != Spend::Bounded(Fen::ZERO);
    for rule in &costs.rules {
        let Some(day) = rule.per_day.fen() else {
            continue;
        };
        let others = costs.rules.iter().any(|o| o.span != rule.span && spends(o));
        if day < daily || !others {
            continue;
        }
        c.report(
            Diagnostic::new(
                Code::RuleCanExhaustBudget,
                rule.span,
                format!(
                    "rule `{}` alone can spend up to {day} in one day, enough to use up the daily budget of {daily}",
                    rule.name
                ),
            )
            .label(format!("up to {day} a day"))
            .help(format!(
                "leave room for the other rules: add a `cap` per day below {daily}, a tighter `limit`, or give a smaller reward"
            )),
        );
    }
}

fn unused(c: &mut Checker<'_>, what: &str, name: &str, span: crate::source::Span) {
    c.report(
        Diagnostic::new(Code::Unused, span, format!("{what} `{name}` is never used"))
            .label("unused")
            .help("remove it, or use it in a rule"),
    );
}

/// Unused rewards are still checked (as member rewards) so their mistakes show.
fn unused_rewards(c: &mut Checker<'_>, p: &Program, items: &[Item]) {
    let declared: std::collections::HashSet<crate::source::Span> =
        p.rewards.iter().map(|d| d.span).collect();
    for item in items {
        let Item::Reward(r) = item else { continue };
        let name = &r.node.name;
        if c.used_rewards.contains(&name.node) || !declared.contains(&name.span) {
            continue;
        }
        let outer = c.current_reward_decl.replace(r.span);
        check_reward(c, p, &Context::of(TargetKind::Member), &r.node.reward, 1);
        c.current_reward_decl = outer;
        c.used_rewards.remove(&name.node);
        unused(c, "reward", &name.node, name.span);
    }
}

/// Whether granting `r` can cost anything against caps and budgets.
fn can_spend(r: &Reward, s: &Settings) -> bool {
    match &r.kind {
        RewardKind::Coupon(spec) => spec.face_value() > Fen::ZERO,
        RewardKind::RedPacket { .. } => true,
        RewardKind::Points(_) => s.point_value > Fen::ZERO,
        RewardKind::Gift { worth, .. } => *worth > Fen::ZERO,
        RewardKind::Lottery { .. }
        | RewardKind::Tier { .. }
        | RewardKind::TierBy { .. }
        | RewardKind::Experiment { .. } => r
            .outcomes()
            .is_some_and(|(outcomes, _)| outcomes.into_iter().any(|o| can_spend(o, s))),
    }
}
