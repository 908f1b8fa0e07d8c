//! Static bounds of computed amounts: the interval a money (or int) expression
//! stays within whatever the data, found by interval analysis, and the `clamp`,
//! `min` and `max` calls whose bounds are the wrong way round.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::Checker;
use super::types::{Base, Builtin, TExpr, TExprKind, Value, arithmetic};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::BinaryOp;

/// Static bounds of a money expression, in fen; `None` is unbounded on that side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bounds {
    pub lo: Option<i128>,
    pub hi: Option<i128>,
}

const UNBOUNDED: Bounds = Bounds { lo: None, hi: None };

/// Interval analysis: literals are points, `clamp`/`min`/`max` bound, arithmetic
/// with constants scales; fields are unbounded.
pub(crate) fn money_bounds(e: &TExpr) -> Bounds {
    match &e.kind {
        TExprKind::Const(Value::Money(f)) => Bounds {
            lo: Some(f.0 as i128),
            hi: Some(f.0 as i128),
        },
        TExprKind::Const(Value::Int(i)) => Bounds {
            lo: Some(*i as i128),
            hi: Some(*i as i128),
        },
        TExprKind::Neg(x) => {
            let b = money_bounds(x);
            Bounds {
                lo: b.hi.map(|v| -v),
                hi: b.lo.map(|v| -v),
            }
        }
        TExprKind::Call {
            func: Builtin::Clamp,
            args,
        } => {
            let (x, lo, hi) = (
                money_bounds(&args[0]),
                money_bounds(&args[1]),
                money_bounds(&args[2]),
            );
            let low = max_opt(x.lo, lo.lo);
            let high = min_opt(x.hi, hi.hi);
            Bounds {
                lo: low.or(lo.lo),
                hi: high.or(hi.hi),
            }
        }
        TExprKind::Call {
            func: Builtin::Min,
            args,
        } => {
            let bs: Vec<Bounds> = args.iter().map(money_bounds).collect();
            Bounds {
                lo: bs
                    .iter()
                    .map(|b| b.lo)
                    .collect::<Option<Vec<_>>>()
                    .and_then(|v| v.into_iter().min()),
                hi: bs.iter().filter_map(|b| b.hi).min(),
            }
        }
        TExprKind::Call {
            func: Builtin::Max,
            args,
        } => {
            let bs: Vec<Bounds> = args.iter().map(money_bounds).collect();
            Bounds {
                lo: bs.iter().filter_map(|b| b.lo).max(),
                hi: bs
                    .iter()
                    .map(|b| b.hi)
                    .collect::<Option<Vec<_>>>()
                    .and_then(|v| v.into_iter().max()),
            }
        }
        TExprKind::Chain { first, rest } => chain_bounds(first, rest),
        _ => UNBOUNDED,
    }
}

fn max_opt(a: Option<i128>, b: Option<i128>) -> Option<i128> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

fn min_opt(a: Option<i128>, b: Option<i128>) -> Option<i128> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// The bounds of a chain, one step at a time: `a OP b OP c` as `(a OP b) OP c`.
fn chain_bounds(first: &TExpr, rest: &[(BinaryOp, TExpr)]) -> Bounds {
    let mut left = Left {
        bounds: money_bounds(first),
        base: first.ty.base.clone(),
        factor: first,
        alone: true,
    };
    for (op, rhs) in rest {
        left.bounds = binary_bounds(*op, &left, rhs);
        left.base = match op {
            BinaryOp::Coalesce => left.base,
            _ => arithmetic(*op, &left.base, &rhs.ty.base).unwrap_or(Base::Error),
        };
        left.alone = false;
    }
    left.bounds
}

/// The left operand of one step of a chain: what came before it.
struct Left<'a> {
    bounds: Bounds,
    base: Base,
    /// The first operand, which is the whole left side while `alone`.
    factor: &'a TExpr,
    alone: bool,
}

fn binary_bounds(op: BinaryOp, lhs: &Left<'_>, rhs: &TExpr) -> Bounds {
    let add = |a: Option<i128>, b: Option<i128>| a?.checked_add(b?);
    match op {
        BinaryOp::Add => {
            let (a, b) = (lhs.bounds, money_bounds(rhs));
            Bounds {
                lo: add(a.lo, b.lo),
                hi: add(a.hi, b.hi),
            }
        }
        BinaryOp::Sub => {
            let (a, b) = (lhs.bounds, money_bounds(rhs));
            Bounds {
                lo: add(a.lo, b.hi.map(|v| -v)),
                hi: add(a.hi, b.lo.map(|v| -v)),
            }
        }
        BinaryOp::Mul | BinaryOp::Div => {
            let (b, factor) = if lhs.base == Base::Money || rhs.constant().is_some() {
                (lhs.bounds, Some(rhs))
            } else {
                // Only a lone constant on the left is a factor (as `rhs.constant()`).
                (money_bounds(rhs), lhs.alone.then_some(lhs.factor))
            };
            let Some(f) = factor.and_then(|x| factor_of(x, op == BinaryOp::Div)) else {
                return UNBOUNDED;
            };
            let scale = |v: Option<i128>| {
                v.and_then(|v| (Decimal::from_i128_with_scale(v, 0) * f).round().to_i128())
            };
            let (x, y) = (scale(b.lo), scale(b.hi));
            if f.is_sign_negative() {
                Bounds { lo: y, hi: x }
            } else {
                Bounds { lo: x, hi: y }
            }
        }
        BinaryOp::Coalesce => {
            let (a, b) = (lhs.bounds, money_bounds(rhs));
            Bounds {
                lo: a.lo.zip(b.lo).map(|(x, y)| x.min(y)),
                hi: a.hi.zip(b.hi).map(|(x, y)| x.max(y)),
            }
        }
        _ => UNBOUNDED,
    }
}

/// A constant multiplier as a decimal (`1%` is 0.01); `invert` for division.
fn factor_of(e: &TExpr, invert: bool) -> Option<Decimal> {
    let d = match e.constant()? {
        Value::Int(i) => Decimal::from(i),
        Value::Decimal(d) => d,
        Value::Percent(r) => Decimal::new(r.0, 4),
        _ => return None,
    };
    if invert {
        Decimal::ONE.checked_div(d)
    } else {
        Some(d)
    }
}

/// Reports a `clamp` whose lower bound can exceed its upper bound, and a `min` or
/// `max` argument that can never be chosen because another argument always wins
/// (`min(max(x, ¥5), ¥1)` is `¥1` whatever `x` is): either is a pair of bounds the
/// wrong way round, which pays small orders more than big ones.
pub(crate) fn check_call_bounds(c: &mut Checker<'_>, func: Builtin, args: &[TExpr]) {
    if args
        .iter()
        .any(|a| a.ty.is_error() || !matches!(a.ty.base, Base::Money | Base::Int))
    {
        return;
    }
    let bounds: Vec<Bounds> = args.iter().map(money_bounds).collect();
    match func {
        Builtin::Clamp if args.len() == 3 => {
            if let (Some(lo), Some(hi)) = (bounds[1].lo, bounds[2].hi)
                && lo > hi
            {
                let (l, h) = (c.text(args[1].span), c.text(args[2].span));
                c.report(
                    Diagnostic::new(
                        Code::ReversedBounds,
                        args[1].span.to(args[2].span),
                        format!("the lower bound `{l}` is above the upper bound `{h}`"),
                    )
                    .label("reversed")
                    .help(format!(
                        "write the smaller bound first: `clamp(x, {h}, {l})`"
                    )),
                );
            }
        }
        Builtin::Min | Builtin::Max => {
            let min = func == Builtin::Min;
            for (i, a) in args.iter().enumerate() {
                if a.constant().is_some() {
                    continue;
                }
                let beaten = bounds.iter().enumerate().find(|(j, b)| {
                    *j != i
                        && if min {
                            matches!((bounds[i].lo, b.hi), (Some(lo), Some(hi)) if lo > hi)
                        } else {
                            matches!((bounds[i].hi, b.lo), (Some(hi), Some(lo)) if hi < lo)
                        }
                });
                if let Some((j, _)) = beaten {
                    let (name, side) = if min {
                        ("min", "above")
                    } else {
                        ("max", "below")
                    };
                    c.report(
                        Diagnostic::new(
                            Code::ReversedBounds,
                            a.span,
                            format!(
                                "`{}` is always {side} `{}`, so `{name}` never chooses it",
                                c.text(a.span),
                                c.text(args[j].span)
                            ),
                        )
                        .label("never chosen")
                        .help("the bounds are the wrong way round: to keep x between lo and hi write `clamp(x, lo, hi)`"),
                    );
                }
            }
        }
        _ => {}
    }
}
