//! Arithmetic and ordering over values, exact: the one definition the checker
//! (folding constants) and the interpreter (evaluating rows) share.

use std::cmp::Ordering;

use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::{V, show};
use crate::money::{Fen, Rate};
use crate::syntax::ast::BinaryOp;

/// Why an expression could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A result too large for its type; the operation with its values.
    #[error("arithmetic overflow in `{0}`")]
    Overflow(String),
    /// A division by zero; the operation with its values.
    #[error("division by zero in `{0}`")]
    DivisionByZero(String),
    /// A reward that cannot be made from its computed amount (a red packet that
    /// cannot be split, points worth more money than fits).
    #[error("{0}")]
    Reward(String),
    /// `workday(…)` or `holiday(…)` asked about a year the working calendar has no
    /// data for.
    #[error("{0}")]
    Calendar(String),
    /// A value of an unexpected shape (a checked program never produces one).
    #[error("internal error: {0}")]
    Internal(&'static str),
}

type Result<T> = std::result::Result<T, EvalError>;

/// Whether `a OP b` holds for a comparison operator. A missing operand makes every
/// comparison false (the checker makes this unreachable for optional fields).
pub fn compare_holds(op: BinaryOp, a: V<'_>, b: V<'_>) -> bool {
    let Some(ord) = compare(a, b) else {
        return false;
    };
    match op {
        BinaryOp::Eq => ord == Ordering::Equal,
        BinaryOp::Ne => ord != Ordering::Equal,
        BinaryOp::Lt => ord == Ordering::Less,
        BinaryOp::Le => ord != Ordering::Greater,
        BinaryOp::Gt => ord == Ordering::Greater,
        BinaryOp::Ge => ord != Ordering::Less,
        _ => false,
    }
}

/// Orders two values of like type (ints and decimals together); `None` for a
/// missing value or unlike types.
pub fn compare(a: V<'_>, b: V<'_>) -> Option<Ordering> {
    Some(match (a, b) {
        (V::Int(x), V::Int(y)) => x.cmp(&y),
        (V::Int(x), V::Decimal(y)) => Decimal::from(x).cmp(&y),
        (V::Decimal(x), V::Int(y)) => x.cmp(&Decimal::from(y)),
        (V::Decimal(x), V::Decimal(y)) => x.cmp(&y),
        (V::Money(x), V::Money(y)) => x.cmp(&y),
        (V::Percent(x), V::Percent(y)) => x.cmp(&y),
        (V::Bool(x), V::Bool(y)) => x.cmp(&y),
        (V::Text(x), V::Text(y)) => x.cmp(y),
        (V::Time(x), V::Time(y)) | (V::Duration(x), V::Duration(y)) => x.cmp(&y),
        (V::Date(x), V::Date(y)) => x.cmp(&y),
        (V::TimeOfDay(x), V::TimeOfDay(y)) => x.cmp(&y),
        (V::Set(x), V::Set(y)) => {
            let sorted = |s| {
                let mut v: Vec<&str> = V::set_elements(s).collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            sorted(x).cmp(&sorted(y))
        }
        _ => return None,
    })
}

/// `-v`, exact; overflow names the operation with its value.
pub fn negate(v: V<'_>, tz: Tz) -> Result<V<'_>> {
    let overflow = || EvalError::Overflow(format!("-({})", show(v, tz)));
    Ok(match v {
        V::Int(i) => V::Int(i.checked_neg().ok_or_else(overflow)?),
        V::Decimal(d) => V::Decimal(-d),
        V::Money(m) => V::Money(Fen(m.0.checked_neg().ok_or_else(overflow)?)),
        V::Percent(r) => V::Percent(Rate(r.0.checked_neg().ok_or_else(overflow)?)),
        V::Duration(d) => V::Duration(d.checked_neg().ok_or_else(overflow)?),
        V::Null => V::Null,
        _ => return Err(EvalError::Internal("negating a non-number")),
    })
}

fn decimal(v: V<'_>) -> Option<Decimal> {
    match v {
        V::Int(i) => Some(Decimal::from(i)),
        V::Decimal(d) => Some(d),
        _ => None,
    }
}

/// Why one arithmetic step failed, before the operands are named.
enum Fail {
    Overflow,
    DivisionByZero,
    Unlike(&'static str),
}

type Step<T> = std::result::Result<T, Fail>;

fn overflow<T>(v: Option<T>) -> Step<T> {
    v.ok_or(Fail::Overflow)
}

/// `+ - * /` over typed operands, exact; money is rounded to the fen (halves away
/// from zero) and rates to the basis point. An overflow or a division by zero names
/// the operation with its values (`¥1 * 9223372036854775807`), instants shown in `tz`.
pub fn arith<'a>(op: BinaryOp, a: V<'a>, b: V<'a>, tz: Tz) -> Result<V<'a>> {
    if a == V::Null || b == V::Null {
        return Ok(V::Null);
    }
    let step = match op {
        BinaryOp::Add => add(a, b),
        BinaryOp::Sub => sub(a, b),
        BinaryOp::Mul => {
            let (x, y) = scale_first(a, b);
            mul(x, y)
        }
        BinaryOp::Div => div(a, b),
        _ => return Err(EvalError::Internal("not an arithmetic operator")),
    };
    step.map_err(|fail| {
        let shown = || format!("{} {} {}", show(a, tz), op.symbol(), show(b, tz));
        match fail {
            Fail::Overflow => EvalError::Overflow(shown()),
            Fail::DivisionByZero => EvalError::DivisionByZero(shown()),
            Fail::Unlike(what) => EvalError::Internal(what),
        }
    })
}

/// The operands of a product with the money, rate or duration one on the left, the
/// only order [`mul`] reads: `2 * ¥1` is computed as `¥1 * 2`.
fn scale_first<'a>(a: V<'a>, b: V<'a>) -> (V<'a>, V<'a>) {
    let rank = |v: V<'_>| match v {
        V::Money(_) | V::Duration(_) => 2,
        V::Percent(_) => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { (b, a) } else { (a, b) }
}

fn add<'a>(a: V<'a>, b: V<'a>) -> Step<V<'a>> {
    Ok(match (a, b) {
        (V::Int(x), V::Int(y)) => V::Int(overflow(x.checked_add(y))?),
        (V::Money(x), V::Money(y)) => V::Money(overflow(x.checked_add(y))?),
        (V::Percent(x), V::Percent(y)) => V::Percent(Rate(overflow(x.0.checked_add(y.0))?)),
        (V::Duration(x), V::Duration(y)) => V::Duration(overflow(x.checked_add(y))?),
        (V::Time(t), V::Duration(d)) | (V::Duration(d), V::Time(t)) => {
            V::Time(overflow(t.checked_add(d))?)
        }
        _ => match (decimal(a), decimal(b)) {
            (Some(x), Some(y)) => V::Decimal(overflow(x.checked_add(y))?),
            _ => return Err(Fail::Unlike("adding unlike values")),
        },
    })
}

fn sub<'a>(a: V<'a>, b: V<'a>) -> Step<V<'a>> {
    Ok(match (a, b) {
        (V::Int(x), V::Int(y)) => V::Int(overflow(x.checked_sub(y))?),
        (V::Money(x), V::Money(y)) => V::Money(overflow(x.checked_sub(y))?),
        (V::Percent(x), V::Percent(y)) => V::Percent(Rate(overflow(x.0.checked_sub(y.0))?)),
        (V::Duration(x), V::Duration(y)) => V::Duration(overflow(x.checked_sub(y))?),
        (V::Time(t), V::Duration(d)) => V::Time(overflow(t.checked_sub(d))?),
        (V::Time(x), V::Time(y)) => V::Duration(overflow(x.checked_sub(y))?),
        _ => match (decimal(a), decimal(b)) {
            (Some(x), Some(y)) => V::Decimal(overflow(x.checked_sub(y))?),
            _ => return Err(Fail::Unlike("subtracting unlike values")),
        },
    })
}

/// Multiplication with the money, rate or duration operand on the left (see
/// [`scale_first`]).
fn mul<'a>(a: V<'a>, b: V<'a>) -> Step<V<'a>> {
    Ok(match (a, b) {
        (V::Int(x), V::Int(y)) => V::Int(overflow(x.checked_mul(y))?),
        (V::Money(m), V::Int(i)) => V::Money(overflow(m.checked_mul_int(i))?),
        (V::Money(m), V::Decimal(d)) => V::Money(overflow(m.checked_mul_decimal(d))?),
        (V::Money(m), V::Percent(r)) => V::Money(overflow(m.checked_mul_rate(r))?),
        (V::Percent(r), V::Int(i)) => V::Percent(Rate(overflow(r.0.checked_mul(i))?)),
        (V::Percent(r), V::Decimal(d)) => {
            let bp = overflow(Decimal::from(r.0).checked_mul(d))?;
            V::Percent(Rate(round_to_i64(bp)?))
        }
        (V::Duration(s), V::Int(i)) => V::Duration(overflow(s.checked_mul(i))?),
        (V::Decimal(_), V::Decimal(_) | V::Int(_)) | (V::Int(_), V::Decimal(_)) => {
            let (x, y) = (
                decimal(a).unwrap_or_default(),
                decimal(b).unwrap_or_default(),
            );
            V::Decimal(overflow(x.checked_mul(y))?)
        }
        _ => return Err(Fail::Unlike("multiplying unlike values")),
    })
}

fn div<'a>(a: V<'a>, b: V<'a>) -> Step<V<'a>> {
    let zero = match b {
        V::Int(0) | V::Money(Fen(0)) => true,
        V::Decimal(d) => d.is_zero(),
        _ => false,
    };
    if zero {
        return Err(Fail::DivisionByZero);
    }
    Ok(match (a, b) {
        (V::Money(m), V::Int(i)) => V::Money(overflow(m.checked_div_int(i))?),
        (V::Money(m), V::Decimal(d)) => {
            let fen = overflow(Decimal::from(m.0).checked_div(d))?;
            V::Money(Fen(round_to_i64(fen)?))
        }
        (V::Money(x), V::Money(y)) => V::Decimal(overflow(
            Decimal::from(x.0).checked_div(Decimal::from(y.0)),
        )?),
        _ => match (decimal(a), decimal(b)) {
            (Some(x), Some(y)) => V::Decimal(overflow(x.checked_div(y))?),
            _ => return Err(Fail::Unlike("dividing unlike values")),
        },
    })
}

fn round_to_i64(d: Decimal) -> Step<i64> {
    use rust_decimal::prelude::ToPrimitive;
    d.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .ok_or(Fail::Overflow)
}
