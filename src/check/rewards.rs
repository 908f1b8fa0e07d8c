//! Pass 3: rewards — validity of every form, static bounds of computed amounts, and
//! reachability of tier arms. Declared rewards are checked where they are used, in
//! the context of the rule that gives them.

use std::collections::HashSet;

use super::bounds::money_bounds;
use super::expr::{Context, expect_base, infer, infer_bool, infer_value};
use super::types::{Base, TExpr, TExprKind, Value};
use super::{Checker, CouponOff, CouponSpec, Program, Reward, RewardDef, RewardKind, SegmentDef};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::money::{FULL_RATE, Fen, Rate};
use crate::source::Span;
use crate::syntax::MAX_NESTING;
use crate::syntax::ast::{self, BinaryOp, CouponOption, CouponValue, Item};

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
    let label = canonical(c.text(r.span));
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

/// Points must give at least one point: a negative amount would take back value
/// and, priced by `point_value`, offset a budget. Reported when the static bounds
/// show it; amounts with no static lower bound are checked when they are computed.
fn check_points(c: &mut Checker<'_>, t: &TExpr) {
    let b = money_bounds(t);
    let message = match (b.lo, b.hi) {
        (Some(lo), _) if lo >= 1 => return,
        (Some(0), _) if t.constant().is_some() => "`points 0` gives nothing".to_string(),
        (Some(lo), _) if t.constant().is_some() => format!("`points {lo}` would take points away"),
        (Some(lo), _) => format!("these points can be as few as {lo}"),
        (None, Some(hi)) if hi < 1 => format!("these points are never more than {hi}"),
        // Unknown until run time: a firing whose points come out below 1 is refused.
        (None, _) => return,
    };
    empty_reward(
        c,
        t.span,
        &message,
        "points give at least 1 point; a reward can never take value back",
    );
}

fn empty_reward(c: &mut Checker<'_>, span: Span, message: &str, help: &str) {
    c.report(
        Diagnostic::new(Code::EmptyReward, span, message)
            .label("gives nothing")
            .help(help),
    );
}

/// An inline reward's name on grants: its source text with whitespace collapsed.
fn canonical(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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

fn check_coupon(c: &mut Checker<'_>, p: &Program, coupon: &ast::Coupon, span: Span) -> CouponSpec {
    let off = match coupon.value.node {
        CouponValue::Amount(f) => CouponOff::Amount(f),
        CouponValue::PercentOff(r) => CouponOff::Percent(r),
        CouponValue::Zhe(paid) => CouponOff::Percent(Rate(FULL_RATE - paid.0)),
    };
    let mut spec = CouponSpec {
        off,
        threshold: None,
        max: None,
        scope: None,
        valid_seconds: None,
        stackable: false,
    };
    let mut seen: Vec<(&'static str, Span)> = Vec::new();
    for o in &coupon.options {
        let key = option_key(&o.node);
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            c.report(
                Diagnostic::new(
                    Code::InvalidCouponOption,
                    o.span,
                    format!("`{key}` is given twice"),
                )
                .label("again here")
                .related(*first, "first here")
                .help(format!("keep one `{key}`")),
            );
            continue;
        }
        seen.push((key, o.span));
        apply_option(c, &mut spec, &o.node, o.span);
    }
    validate_coupon(c, p, &spec, coupon.value.span, span);
    spec
}

fn option_key(o: &CouponOption) -> &'static str {
    match o {
        CouponOption::Over(_) => "over",
        CouponOption::Max(_) => "max",
        CouponOption::Scope(_) => "on",
        CouponOption::Valid(_) => "valid",
        CouponOption::Stackable => "stackable",
    }
}

fn apply_option(c: &mut Checker<'_>, spec: &mut CouponSpec, o: &CouponOption, span: Span) {
    match o {
        CouponOption::Over(t) => spec.threshold = Some(*t),
        CouponOption::Max(m) => {
            if let CouponOff::Amount(_) = spec.off {
                c.report(
                    Diagnostic::new(
                        Code::InvalidCouponOption,
                        span,
                        "`max` caps percentage coupons only",
                    )
                    .label("a fixed coupon takes off exactly its amount")
                    .help(
                        "remove `max`, or make the coupon a percentage: `coupon 30% off max ¥50`",
                    ),
                );
            } else if *m <= Fen::ZERO {
                c.report(
                    Diagnostic::new(
                        Code::DiscountOutOfRange,
                        span,
                        "a `max` of ¥0 takes nothing off",
                    )
                    .label("zero")
                    .help("give the largest discount above ¥0"),
                );
            }
            spec.max = Some(*m);
        }
        CouponOption::Scope(s) => {
            if s.trim().is_empty() {
                empty_reward(
                    c,
                    span,
                    "a coupon `on` nothing can be used on nothing",
                    "name what it applies to, e.g. `on \"会员专区\"`, or leave `on` out",
                );
            }
            spec.scope = Some(s.clone());
        }
        CouponOption::Valid(d) => {
            if d.seconds <= 0 {
                c.report(
                    Diagnostic::new(
                        Code::InvalidCouponOption,
                        span,
                        "a coupon valid for no time cannot be used",
                    )
                    .label("zero validity")
                    .help("give a validity such as `valid 7d`"),
                );
            }
            spec.valid_seconds = Some(d.seconds);
        }
        CouponOption::Stackable => spec.stackable = true,
    }
}

fn validate_coupon(
    c: &mut Checker<'_>,
    p: &Program,
    spec: &CouponSpec,
    value_span: Span,
    span: Span,
) {
    match spec.off {
        CouponOff::Amount(off) => {
            if off <= Fen::ZERO {
                c.report(
                    Diagnostic::new(
                        Code::DiscountOutOfRange,
                        value_span,
                        "a coupon must take something off",
                    )
                    .label("¥0 off")
                    .help("give an amount above ¥0"),
                );
            } else if let Some(t) = spec.threshold
                && off >= t
            {
                c.report(
                    Diagnostic::new(Code::CouponExceedsThreshold, value_span, format!("a coupon of {off} off over {t} makes the order free or better"))
                        .label(format!("{off} off"))
                        .help(format!("满减 coupons take off less than their threshold: lower the amount or raise `over` above {off}")),
                );
            }
        }
        CouponOff::Percent(rate) => {
            if rate.0 <= 0 || rate.0 >= FULL_RATE {
                c.report(
                    Diagnostic::new(
                        Code::DiscountOutOfRange,
                        value_span,
                        format!("a discount of {rate} is outside (0%, 100%)"),
                    )
                    .label("impossible discount")
                    .help("give a discount above 0% and below 100%, e.g. `30% off` or `7折`"),
                );
            }
            if spec.max.is_none() && p.settings.has_budget() {
                c.report(
                    Diagnostic::new(
                        Code::UncappedPercentCoupon,
                        span,
                        "a percentage coupon without `max` counts as ¥0 against the budget",
                    )
                    .label("no `max`")
                    .help("add `max ¥X` so that the budget knows what the coupon can cost"),
                );
            }
        }
    }
}

fn red_packet(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    amount: &ast::Expr,
    split: Option<&ast::Spanned<ast::Split>>,
) -> RewardKind {
    let t = infer_value(c, p, cx, amount);
    let zero = (Fen::ZERO, Fen::ZERO);
    if !expect_base(c, &t, &Base::Money, "a red-packet amount") || t.ty.is_error() {
        return RewardKind::RedPacket {
            amount: t,
            bounds: zero,
            split: split.map(|s| s.node),
        };
    }
    let b = money_bounds(&t);
    let (Some(lo), Some(hi)) = (b.lo, b.hi) else {
        let side = if b.lo.is_none() && b.hi.is_none() {
            "neither a lower nor an upper"
        } else if b.lo.is_none() {
            "no lower"
        } else {
            "no upper"
        };
        c.report(
            Diagnostic::new(
                Code::UnboundedAmount,
                t.span,
                format!("this amount has {side} bound"),
            )
            .label("could be any amount")
            .help(format!(
                "bound it within the red-packet limits, e.g. `clamp({}, {}, {})`",
                c.text(t.span),
                p.settings.red_packet_min,
                p.settings.red_packet_max
            )),
        );
        return RewardKind::RedPacket {
            amount: t,
            bounds: zero,
            split: split.map(|s| s.node),
        };
    };
    let bounds = (Fen(lo as i64), Fen(hi as i64));
    match split {
        None => check_share_range(c, p, t.span, bounds, 1),
        Some(s) => check_split(c, p, s, t.span, bounds),
    }
    RewardKind::RedPacket {
        amount: t,
        bounds,
        split: split.map(|s| s.node),
    }
}

fn describe_bounds(bounds: (Fen, Fen)) -> String {
    if bounds.0 == bounds.1 {
        bounds.0.to_string()
    } else {
        format!("{} to {}", bounds.0, bounds.1)
    }
}

/// Every share of a packet of `bounds` in `shares` must lie within the limits.
fn check_share_range(
    c: &mut Checker<'_>,
    p: &Program,
    span: Span,
    bounds: (Fen, Fen),
    shares: u64,
) {
    let (min, max) = (p.settings.red_packet_min, p.settings.red_packet_max);
    let n = shares as i128;
    let low = (bounds.0.0 as i128) < (min.0 as i128) * n;
    let high = bounds.1.0 as i128 > max.0 as i128 * n;
    if !(low || high) {
        return;
    }
    let per = if shares == 1 {
        String::new()
    } else {
        format!(" in {shares} shares")
    };
    let (code, what) = if low && shares > 1 {
        (
            Code::BadSplit,
            format!(
                "{} cannot pay {shares} shares of at least {min}",
                describe_bounds(bounds)
            ),
        )
    } else {
        (
            Code::RedPacketOutOfLimits,
            format!(
                "a red packet of {}{per} is outside the limits {min} .. {max} per share",
                describe_bounds(bounds)
            ),
        )
    };
    c.report(
        Diagnostic::new(code, span, what)
            .label(if low { "too small" } else { "too large" })
            .help(format!(
                "each share must be {min} to {max}{}; change the amount or set `red_packet_limits` in the header",
                if shares > 1 { ", so change the amount or the number of shares" } else { "" }
            )),
    );
}

fn check_split(
    c: &mut Checker<'_>,
    p: &Program,
    s: &ast::Spanned<ast::Split>,
    amount_span: Span,
    bounds: (Fen, Fen),
) {
    let most = p.settings.red_packet_max_shares;
    if s.node.shares == 0 || s.node.shares > most {
        c.report(
            Diagnostic::new(
                Code::BadSplit,
                s.span,
                format!(
                    "a red packet splits into 1 to {most} shares, not {}",
                    s.node.shares
                ),
            )
            .label("shares out of range")
            .help(format!(
                "WeChat group red packets have at most {most} shares"
            )),
        );
        return;
    }
    check_share_range(c, p, amount_span, bounds, s.node.shares);
}

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

fn unreachable_arm(c: &mut Checker<'_>, span: Span, earlier: Span, earlier_text: String) {
    c.report(
        Diagnostic::new(
            Code::UnreachableTierArm,
            span,
            "this tier arm can never be reached",
        )
        .label("always caught by an earlier arm")
        .related(earlier, format!("`{earlier_text}` matches first"))
        .help("first match wins: put the narrower arm before the broader one"),
    );
}

fn always_true(e: &TExpr) -> bool {
    matches!(e.kind, TExprKind::Const(Value::Bool(true)))
}

/// Whether every target matching `later` already matches `earlier`.
fn catches(c: &Checker<'_>, p: &Program, earlier: &TExpr, later: &TExpr) -> bool {
    if earlier.ty.is_error() || later.ty.is_error() {
        return false;
    }
    always_true(earlier)
        || canonical(c.text(earlier.span)) == canonical(c.text(later.span))
        || implies(p, later, earlier)
        || implies_by_comparison(p, later, earlier)
}

/// `later` implies `earlier` through segment definitions: a segment defined as
/// `T and …` or `top N by … where T` implies `T`.
fn implies(p: &Program, later: &TExpr, earlier: &TExpr) -> bool {
    let TExprKind::Segment(goal) = earlier.kind else {
        return false;
    };
    let mut todo = Vec::new();
    conjuncts_segments(later, &mut todo);
    let mut seen = HashSet::new();
    while let Some(s) = todo.pop() {
        if s == goal {
            return true;
        }
        if !seen.insert(s) {
            continue;
        }
        match &p.segments[s].def {
            SegmentDef::Expr(e) => conjuncts_segments(e, &mut todo),
            SegmentDef::Top {
                filter: Some(f), ..
            } => conjuncts_segments(f, &mut todo),
            SegmentDef::Top { .. } => {}
        }
    }
    false
}

/// `later` implies `earlier` through comparisons of one field with constants: every
/// conjunct of `earlier` (segments expanded) follows from a conjunct of `later`,
/// e.g. `忠诚 = orders >= 5` implies `老客 = orders >= 2`.
fn implies_by_comparison(p: &Program, later: &TExpr, earlier: &TExpr) -> bool {
    let (mut goals, mut facts) = (Vec::new(), Vec::new());
    if !atoms(p, earlier, &mut goals, &mut HashSet::new())
        || !atoms(p, later, &mut facts, &mut HashSet::new())
    {
        return false;
    }
    !goals.is_empty()
        && goals.iter().all(|g| {
            facts.iter().any(|f| {
                compared_field(f)
                    .zip(compared_field(g))
                    .is_some_and(|(f, g)| f.0 == g.0 && covers((g.1, &g.2), (f.1, &f.2)))
            })
        })
}

/// The conjuncts of `e`, through segment definitions; `false` when a segment is
/// seen twice or too many conjuncts pile up (nothing is concluded then).
fn atoms<'a>(
    p: &'a Program,
    e: &'a TExpr,
    out: &mut Vec<&'a TExpr>,
    seen: &mut HashSet<usize>,
) -> bool {
    const MOST: usize = 64;
    match &e.kind {
        TExprKind::Segment(i) => match &p.segments[*i].def {
            SegmentDef::Expr(def) if seen.insert(*i) => atoms(p, def, out, seen),
            _ => false,
        },
        TExprKind::Chain { .. } if e.chain_op() == Some(BinaryOp::And) => e
            .operands_of(BinaryOp::And)
            .into_iter()
            .all(|part| atoms(p, part, out, seen)),
        _ => {
            out.push(e);
            out.len() <= MOST
        }
    }
}

/// `field OP constant` as (field, op, constant).
fn compared_field(e: &TExpr) -> Option<((super::types::Record, usize), BinaryOp, Value)> {
    let TExprKind::Binary { op, lhs, rhs } = &e.kind else {
        return None;
    };
    let TExprKind::Field { record, index } = lhs.kind else {
        return None;
    };
    matches!(
        op,
        BinaryOp::Ge | BinaryOp::Gt | BinaryOp::Le | BinaryOp::Lt | BinaryOp::Eq
    )
    .then(|| Some(((record, index), *op, rhs.constant()?)))
    .flatten()
}

fn conjuncts_segments(e: &TExpr, out: &mut Vec<usize>) {
    match &e.kind {
        TExprKind::Segment(i) => out.push(*i),
        TExprKind::Chain { .. } if e.chain_op() == Some(BinaryOp::And) => {
            for part in e.operands_of(BinaryOp::And) {
                conjuncts_segments(part, out);
            }
        }
        _ => {}
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

/// Orders two constants of the same type, as a run orders their values.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    crate::value::arith::compare(a.val().view(), b.val().view())
}

/// Whether every value matching `later` also matches `earlier` (`x OP v`).
fn covers(earlier: (BinaryOp, &Value), later: (BinaryOp, &Value)) -> bool {
    use std::cmp::Ordering::*;
    let Some(ord) = compare(later.1, earlier.1) else {
        return false;
    };
    match (earlier.0, later.0) {
        (BinaryOp::Ge, BinaryOp::Ge | BinaryOp::Gt | BinaryOp::Eq) => ord != Less,
        (BinaryOp::Gt, BinaryOp::Gt) => ord != Less,
        (BinaryOp::Gt, BinaryOp::Ge | BinaryOp::Eq) => ord == Greater,
        (BinaryOp::Le, BinaryOp::Le | BinaryOp::Lt | BinaryOp::Eq) => ord != Greater,
        (BinaryOp::Lt, BinaryOp::Lt) => ord != Greater,
        (BinaryOp::Lt, BinaryOp::Le | BinaryOp::Eq) => ord == Less,
        (BinaryOp::Eq, BinaryOp::Eq) => ord == Equal,
        (BinaryOp::Ne, BinaryOp::Eq) => ord != Equal,
        _ => false,
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
