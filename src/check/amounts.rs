//! The reward forms that pay an amount and hold no other reward: coupons (their
//! options, discount and threshold), red packets (static bounds of the amount
//! against the per-share limits and the split) and points.

use super::bounds::money_bounds;
use super::context::Context;
use super::expr::{expect_base, infer_value};
use super::types::{Base, TExpr};
use super::{Checker, CouponOff, CouponSpec, Program, RewardKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::money::{FULL_RATE, Fen, Rate};
use crate::source::Span;
use crate::syntax::ast::{self, CouponOption, CouponValue};

/// Points must give at least one point: a negative amount would take back value
/// and, priced by `point_value`, offset a budget. Reported when the static bounds
/// show it; amounts with no static lower bound are checked when they are computed.
pub(super) fn check_points(c: &mut Checker<'_>, t: &TExpr) {
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

/// Reports a reward that gives nothing.
pub(super) fn empty_reward(c: &mut Checker<'_>, span: Span, message: &str, help: &str) {
    c.report(
        Diagnostic::new(Code::EmptyReward, span, message)
            .label("gives nothing")
            .help(help),
    );
}

/// Checks a coupon's value and options (each given once) and what they allow.
pub(super) fn check_coupon(
    c: &mut Checker<'_>,
    p: &Program,
    coupon: &ast::Coupon,
    span: Span,
) -> CouponSpec {
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

/// Checks a red packet: a money amount whose static bounds lie within the
/// per-share limits, in an allowed number of shares.
pub(super) fn red_packet(
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
