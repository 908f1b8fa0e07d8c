//! Pass 3: rewards. Declared rewards are registered here and checked where they
//! are used, in the context of the rule that gives them. [`check_reward`] takes
//! every form; those that hold other rewards (references, lotteries, tiers,
//! experiments) are checked here, arm by arm, since each arm is a reward again.
//! The forms that pay an amount are checked in `amounts`, and whether a tier arm
//! can be reached in `tiers`.

use std::collections::HashSet;

use super::amounts::{check_coupon, check_points, empty_reward, red_packet};
use super::context::Context;
use super::expr::{expect_base, infer, infer_bool, infer_value};
use super::tiers::{always_true, catches, covers, unreachable_arm};
use super::types::{Base, TExpr, Value};
use super::{Checker, Program, Reward, RewardDef, RewardKind};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::money::{FULL_RATE, Fen, Rate};
use crate::source::Span;
use crate::syntax::MAX_NESTING;
use crate::syntax::ast::{self, BinaryOp, Item};

/// Registers declared rewards; their bodies are checked where used.
pub(super) fn check_rewards(_c: &mut Checker<'_>, p: &mut Program, items: &[Item]) {
    let mut seen = HashSet::new();
    for item in items {
        if let Item::Reward(r) = item
            && seen.insert(r.node.name.node.clone())
        {
            p.rewards.push(RewardDef {
                name: r.node.name.node.clone(),
                span: r.node.name.span,
            });
        }
    }
}

/// Checks a reward in the context of its rule; `depth` bounds nested references.
pub(crate) fn check_reward(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    r: &ast::Reward,
    depth: usize,
) -> Reward {
    let label = c.canonical(r.span);
    let kind = match &r.node {
        ast::RewardKind::Coupon(coupon) => RewardKind::Coupon(check_coupon(c, p, coupon, r.span)),
        ast::RewardKind::RedPacket { amount, split } => {
            red_packet(c, p, cx, amount, split.as_ref())
        }
        ast::RewardKind::Points(e) => {
            let t = infer_value(c, p, cx, e);
            if expect_base(c, &t, &Base::Int, "points") && !t.ty.is_error() {
                check_points(c, &t);
            }
            RewardKind::Points(t)
        }
        ast::RewardKind::Gift { name, worth } => {
            if name.node.trim().is_empty() {
                empty_reward(
                    c,
                    name.span,
                    "a gift with no name",
                    "name the gift: `gift \"定制帆布袋\"`",
                );
            }
            RewardKind::Gift {
                name: name.node.clone(),
                worth: worth.as_ref().map_or(Fen::ZERO, |w| w.node),
            }
        }
        ast::RewardKind::Lottery { arms, rest } => {
            lottery(c, p, cx, arms, rest.as_deref(), r.span, depth)
        }
        ast::RewardKind::Tier { arms, otherwise } => {
            tier(c, p, cx, arms, otherwise.as_deref(), depth)
        }
        ast::RewardKind::TierBy {
            subject,
            arms,
            otherwise,
        } => tier_by(c, p, cx, subject, arms, otherwise.as_deref(), depth),
        ast::RewardKind::Experiment { name, arms } => experiment(c, p, cx, name, arms, depth),
        ast::RewardKind::Ref(name) => return reference(c, p, cx, name, r.span, depth),
    };
    Reward {
        label,
        kind,
        span: r.span,
    }
}

fn reference(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    name: &ast::Ident,
    span: Span,
    depth: usize,
) -> Reward {
    c.used_rewards.insert(name.node.clone());
    let Some(decl) = c.reward_decls.get(&name.node).cloned() else {
        let help = did_you_mean(&name.node, c.reward_decls.keys().map(String::as_str))
            .unwrap_or_else(|| format!("declare it: `reward {} = coupon ¥10`", name.node));
        c.report(
            Diagnostic::new(
                Code::UnknownName,
                name.span,
                format!("unknown reward `{}`", name.node),
            )
            .label("not a declared reward")
            .help(help),
        );
        return placeholder(name, span);
    };
    // A reward may only refer to rewards declared before it, so references never loop.
    if c.current_reward_decl
        .is_some_and(|w| decl.span.file == w.file && decl.span.start >= w.start)
    {
        c.report(
            Diagnostic::new(
                Code::UnknownName,
                name.span,
                format!("reward `{}` is declared later", name.node),
            )
            .label("used before its declaration")
            .related(decl.node.name.span, "declared here")
            .help("a reward can use only rewards declared above it; move this one down"),
        );
        return placeholder(name, span);
    }
    c.reward_expansions += 1;
    if depth > MAX_NESTING || c.reward_expansions > MAX_REWARD_EXPANSIONS {
        c.report(
            Diagnostic::new(
                Code::NestingTooDeep,
                name.span,
                "rewards refer to rewards too deeply",
            )
            .label("too deep")
            .help("give the reward directly instead of through a chain of names"),
        );
        return placeholder(name, span);
    }
    let outer = c.current_reward_decl.replace(decl.span);
    let mut inner = check_reward(c, p, cx, &decl.node.reward, depth + 1);
    c.current_reward_decl = outer;
    inner.label = name.node.clone();
    inner
}

/// Stands in for a reward that failed, so the rule around it is still checked.
fn placeholder(name: &ast::Ident, span: Span) -> Reward {
    Reward {
        label: name.node.clone(),
        kind: RewardKind::Gift {
            name: String::new(),
            worth: Fen::ZERO,
        },
        span,
    }
}

/// Most reward references expanded in one check: bounds the work of rewards that
/// refer to rewards that refer to rewards…
const MAX_REWARD_EXPANSIONS: usize = 200_000;

fn lottery(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    arms: &[ast::LotteryArm],
    rest: Option<&ast::Reward>,
    span: Span,
    depth: usize,
) -> RewardKind {
    let mut total = 0i64;
    let mut out = Vec::new();
    for arm in arms {
        if arm.chance.node.0 <= 0 || arm.chance.node.0 > FULL_RATE {
            c.report(
                Diagnostic::new(
                    Code::LotteryOver100,
                    arm.chance.span,
                    format!("a chance of {} is outside (0%, 100%]", arm.chance.node),
                )
                .label("impossible chance")
                .help("give each arm a chance above 0%"),
            );
        }
        total = total.saturating_add(arm.chance.node.0);
        out.push((
            arm.chance.node,
            check_reward(c, p, cx, &arm.reward, depth + 1),
        ));
    }
    if total > FULL_RATE && !c.any_invalid_literal(arms.iter().map(|a| a.chance.span)) {
        let mut d = Diagnostic::new(
            Code::LotteryOver100,
            first_line(c, span),
            format!("the lottery's chances add up to {}", Rate(total)),
        )
        .label("more than 100%")
        .help("lower the chances so they add up to at most 100%; `rest` takes what is left");
        for arm in arms {
            d = d.related(arm.chance.span, arm.chance.node.to_string());
        }
        c.report(d);
    }
    if total == FULL_RATE
        && let Some(r) = rest
    {
        c.report(
            Diagnostic::new(
                Code::UnreachableTierArm,
                r.span,
                "the arms above already take 100%: `rest` is never drawn",
            )
            .label("never drawn")
            .help("lower the chances above, or remove `rest`"),
        );
    }
    let rest = rest.map(|r| Box::new(check_reward(c, p, cx, r, depth + 1)));
    RewardKind::Lottery { arms: out, rest }
}

fn first_line(c: &Checker<'_>, span: Span) -> Span {
    let text = c.text(span);
    Span {
        end: span.start + crate::source::line_end(text),
        ..span
    }
}

fn tier(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    arms: &[ast::TierArm],
    otherwise: Option<&ast::Reward>,
    depth: usize,
) -> RewardKind {
    let mut out: Vec<(TExpr, Reward)> = Vec::new();
    for arm in arms {
        let when = infer_bool(c, p, cx, &arm.when, "a tier condition");
        if let Some(earlier) = out.iter().find(|(e, _)| catches(c, p, e, &when)) {
            let earlier_span = earlier.0.span;
            unreachable_arm(c, when.span, earlier_span, c.text(earlier_span).to_string());
        }
        let reward = check_reward(c, p, &cx.assuming(&when), &arm.reward, depth + 1);
        out.push((when, reward));
    }
    let otherwise = otherwise.map(|r| {
        if let Some((e, _)) = out.iter().find(|(e, _)| always_true(e)) {
            let s = e.span;
            unreachable_arm(c, r.span, s, c.text(s).to_string());
        }
        Box::new(check_reward(c, p, cx, r, depth + 1))
    });
    RewardKind::Tier {
        arms: out,
        otherwise,
    }
}

fn tier_by(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    subject: &ast::Expr,
    arms: &[ast::TierByArm],
    otherwise: Option<&ast::Reward>,
    depth: usize,
) -> RewardKind {
    let subject_t = infer_value(c, p, cx, subject);
    let mut out: Vec<(BinaryOp, Value, Reward)> = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    for arm in arms {
        let value_t = infer(c, p, &Context::default(), &arm.value);
        let value = value_t.constant();
        if value_t.ty.is_error() {
            // already reported
        } else if !subject_t.ty.is_error()
            && value_t.ty.base != subject_t.ty.base
            && !matches!(
                (&value_t.ty.base, &subject_t.ty.base),
                (Base::Int, Base::Decimal) | (Base::Decimal, Base::Int)
            )
        {
            expect_base(c, &value_t, &subject_t.ty.base, "a threshold");
        }
        let reward = check_reward(c, p, cx, &arm.reward, depth + 1);
        let Some(value) = value else {
            if !value_t.ty.is_error() {
                c.report(
                    Diagnostic::new(
                        Code::NotConstant,
                        arm.value.span,
                        "a tier threshold must be a literal",
                    )
                    .label("computed")
                    .help("write the threshold itself, e.g. `>= ¥1,000`"),
                );
            }
            continue;
        };
        let arm_span = arm.op.span.to(arm.value.span);
        if let Some(j) = out
            .iter()
            .position(|(op, v, _)| covers((*op, v), (arm.op.node, &value)))
        {
            unreachable_arm(c, arm_span, spans[j], c.text(spans[j]).to_string());
        }
        spans.push(arm_span);
        out.push((arm.op.node, value, reward));
    }
    let otherwise = otherwise.map(|r| Box::new(check_reward(c, p, cx, r, depth + 1)));
    RewardKind::TierBy {
        subject: subject_t,
        arms: out,
        otherwise,
    }
}

fn experiment(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    name: &ast::Spanned<String>,
    arms: &[ast::ExperimentArm],
    depth: usize,
) -> RewardKind {
    let mut total = 0i64;
    let mut out: Vec<(String, Rate, Reward)> = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    for arm in arms {
        if let Some(i) = out.iter().position(|(n, _, _)| *n == arm.name.node) {
            super::declarations::duplicate(
                c,
                "experiment arm",
                &arm.name.node,
                arm.name.span,
                spans[i],
            );
        }
        total = total.saturating_add(arm.share.node.0);
        spans.push(arm.name.span);
        out.push((
            arm.name.node.clone(),
            arm.share.node,
            check_reward(c, p, cx, &arm.reward, depth + 1),
        ));
    }
    if total != FULL_RATE && !c.any_invalid_literal(arms.iter().map(|a| a.share.span)) {
        c.report(
            Diagnostic::new(
                Code::ExperimentShares,
                name.span,
                format!(
                    "the arms of experiment `{}` add up to {}, not 100%",
                    name.node,
                    Rate(total)
                ),
            )
            .label("every target must land in exactly one arm")
            .help("make the shares add up to 100%, e.g. `A 50% -> …  B 50% -> …`"),
        );
    }
    same_split(c, name, arms);
    RewardKind::Experiment {
        name: name.node.clone(),
        arms: out,
    }
}

/// An experiment's arm is drawn from its name and the target alone, so two uses of
/// one name with other arms or shares would put a member in arm A for one rule and
/// in arm B for the next: every use must list the same arms with the same shares.
fn same_split(c: &mut Checker<'_>, name: &ast::Spanned<String>, arms: &[ast::ExperimentArm]) {
    let split: Vec<(String, i64)> = arms
        .iter()
        .map(|a| (a.name.node.clone(), a.share.node.0))
        .collect();
    let Some((first, first_span)) = c.experiments.get(&name.node).cloned() else {
        c.experiments.insert(name.node.clone(), (split, name.span));
        return;
    };
    if first == split || first_span == name.span {
        return;
    }
    let show = |s: &[(String, i64)]| {
        s.iter()
            .map(|(n, r)| format!("{n} {}", Rate(*r)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    c.report(
        Diagnostic::new(
            Code::ExperimentMismatch,
            name.span,
            format!(
                "experiment `{}` is split {} here but {} where it was first given",
                name.node,
                show(&split),
                show(&first)
            ),
        )
        .label("another split")
        .related(first_span, "first given here")
        .help("give every use of an experiment the same arms and shares, or a name of its own; declaring it once as a reward and giving that reward keeps them equal"),
    );
}
