//! Arithmetic that would fail at run time, found when checking: steps over
//! constants are folded with the runtime's own arithmetic (a constant zero
//! divisor or an overflow fails on every row), and a divisor that can be zero
//! must be guarded.

use super::bounds::money_bounds;
use super::context::Context;
use super::types::{Base, TExpr, TExprKind, Value};
use super::{Checker, Program};
use crate::diagnostics::{Code, Diagnostic};
use crate::money::{Fen, Rate};
use crate::source::Span;
use crate::syntax::ast::BinaryOp;

/// `E0207`: a division whose divisor can be zero for some row: a field not guarded
/// by a condition that excludes zero, or an expression whose static bounds include
/// zero. One member's zero would otherwise refuse that member's firing at run time.
pub(super) fn unguarded_division(c: &mut Checker<'_>, cx: &Context, r: &TExpr, step: Span) {
    if !matches!(
        r.ty.base,
        Base::Int | Base::Decimal | Base::Money | Base::Percent
    ) || r.ty.is_error()
        || r.constant().is_some()
    {
        return;
    }
    if let TExprKind::Field { record, index } = r.kind
        && cx.nonzero.contains(&(record, index))
    {
        return;
    }
    let b = money_bounds(r);
    if b.lo.is_some_and(|lo| lo > 0) || b.hi.is_some_and(|hi| hi < 0) {
        return;
    }
    let divisor = c.text(r.span).to_owned();
    let step_text = c.text(step).to_owned();
    c.report(
        Diagnostic::new(
            Code::UnguardedDivision,
            r.span,
            format!("`{step_text}` divides by `{divisor}`, which can be 0"),
        )
        .label("can be zero")
        .help(format!(
            "guard it: `{divisor} > 0 and {step_text} …` (a rule's `when {divisor} > 0` guards its rewards too), or divide by `max({divisor}, 1)`"
        )),
    );
}

/// `E0205`: one step `left OP r` of arithmetic (`span`: the whole step) that fails
/// on every row — a divisor that is a constant zero, or constant operands whose
/// result does not fit. Constants are folded with the runtime's own arithmetic, so
/// the check and a run agree exactly. Returns the step's constant value, if any.
pub(super) fn constant_fails(
    c: &mut Checker<'_>,
    p: &Program,
    op: BinaryOp,
    left: Option<Value>,
    r: &TExpr,
    span: Span,
) -> Option<Value> {
    let divisor = folded(r, p);
    let zero = match &divisor {
        Some(Value::Int(0)) | Some(Value::Money(Fen(0))) => true,
        Some(Value::Decimal(d)) => d.is_zero(),
        _ => false,
    };
    if op == BinaryOp::Div && zero {
        let text = c.text(span).to_owned();
        c.report(
            Diagnostic::new(
                Code::ConstantFails,
                r.span,
                format!("`{text}` divides by zero"),
            )
            .label("always zero")
            .help("it fails on every row, so every firing that computes it is refused; divide by something that is not zero"),
        );
        return None;
    }
    match fold_step(p, op, &left?, &divisor?) {
        Ok(v) => v,
        Err(values) => {
            let text = c.text(span).to_owned();
            let label = if values == text.trim_start_matches('(').trim_end_matches(')') {
                "the result does not fit".to_owned()
            } else {
                format!("`{values}` does not fit")
            };
            c.report(
                Diagnostic::new(
                    Code::ConstantFails,
                    span,
                    format!("`{text}` overflows"),
                )
                .label(label)
                .help(format!(
                    "it fails on every row, so every firing that computes it is refused; money holds at most {} and an int {}",
                    Fen(i64::MAX),
                    i64::MAX
                )),
            );
            None
        }
    }
}

/// `a OP b` over constants, computed as a run would: `Ok(None)` when it cannot be
/// computed here, `Err` with the operation's values when it overflows.
fn fold_step(p: &Program, op: BinaryOp, a: &Value, b: &Value) -> Result<Option<Value>, String> {
    use crate::value::V;
    use crate::value::arith::{EvalError, arith};
    let (a, b) = (a.val(), b.val());
    Ok(match arith(op, a.view(), b.view(), p.settings.timezone) {
        Ok(V::Int(i)) => Some(Value::Int(i)),
        Ok(V::Decimal(d)) => Some(Value::Decimal(d)),
        Ok(V::Money(m)) => Some(Value::Money(m)),
        Ok(V::Percent(r)) => Some(Value::Percent(r)),
        Ok(V::Duration(d)) => Some(Value::Duration(d)),
        Ok(V::Time(t)) => Some(Value::Time(t)),
        Err(EvalError::Overflow(values)) => return Err(values),
        _ => None,
    })
}

/// The value of an arithmetic expression over constants, computed as a run would;
/// `None` when it reads data or cannot be computed.
pub(super) fn folded(e: &TExpr, p: &Program) -> Option<Value> {
    match &e.kind {
        TExprKind::Chain { first, rest }
            if rest.iter().all(|(op, _)| {
                matches!(
                    op,
                    BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div
                )
            }) =>
        {
            let mut value = folded(first, p)?;
            for (op, x) in rest {
                value = fold_step(p, *op, &value, &folded(x, p)?).ok()??;
            }
            Some(value)
        }
        TExprKind::Neg(inner) if !matches!(inner.kind, TExprKind::Const(_)) => {
            match folded(inner, p)? {
                Value::Int(i) => i.checked_neg().map(Value::Int),
                Value::Decimal(d) => Some(Value::Decimal(-d)),
                Value::Money(m) => m.0.checked_neg().map(|f| Value::Money(Fen(f))),
                Value::Percent(r) => r.0.checked_neg().map(|b| Value::Percent(Rate(b))),
                Value::Duration(s) => s.checked_neg().map(Value::Duration),
                _ => None,
            }
        }
        _ => e.constant(),
    }
}
