//! What names mean where an expression is written, and what a condition
//! establishes where it holds: fields known present (`exists f and …`) and fields
//! known not to be zero (`orders > 0 and …`).

use super::types::{Record, TExpr, TExprKind, Value};
use crate::syntax::ast::{BinaryOp, TargetKind};

/// What names mean where an expression is written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    /// Whose fields bare names read; `None` where only constants are allowed.
    pub target: Option<TargetKind>,
    /// The triggering event's kind, inside `on` rules.
    pub event: Option<usize>,
    /// Optional fields known to be present here (`exists f and …`).
    pub narrowed: Vec<(Record, usize)>,
    /// Inside an `on` rule whose event is not declared (already reported): `event.`
    /// fields are of unknown type, so the rule's other mistakes are still found.
    pub unknown_event: bool,
    /// Numeric fields known not to be zero here (`orders > 0 and …`): a divisor
    /// among them cannot fail.
    pub nonzero: Vec<(Record, usize)>,
}

impl Context {
    /// This context with what `condition` establishes when it holds: fields that
    /// `exists` and fields that are not zero (for a rule's rewards under its `when`,
    /// a tier arm's reward under its condition).
    pub fn assuming(&self, condition: &TExpr) -> Context {
        let mut cx = self.clone();
        facts(condition, false, &mut cx.narrowed);
        nonzero_facts(condition, false, &mut cx.nonzero);
        cx
    }
}

impl Context {
    /// Bare names read fields of `target`.
    pub fn of(target: TargetKind) -> Context {
        Context {
            target: Some(target),
            ..Context::default()
        }
    }

    /// Inside an `on EVENT` rule.
    pub fn with_event(mut self, event: Option<usize>) -> Context {
        self.event = event;
        self
    }
}

/// Facts `exists f` establishes when `e` is true (`negated`: when it is false).
pub(super) fn facts(e: &TExpr, negated: bool, out: &mut Vec<(Record, usize)>) {
    match &e.kind {
        TExprKind::Exists(inner) if !negated => {
            if let TExprKind::Field { record, index } = inner.kind {
                out.push((record, index));
            }
        }
        TExprKind::Not(inner) => facts(inner, !negated, out),
        TExprKind::Chain { .. } => {
            let joins = if negated { BinaryOp::Or } else { BinaryOp::And };
            if e.chain_op() == Some(joins) {
                for part in e.operands_of(joins) {
                    facts(part, negated, out);
                }
            }
        }
        _ => {}
    }
}

/// Fields that are not zero when `e` is true (`negated`: when it is false):
/// `f > 0`, `f >= 1`, `f != 0`, `f < 0`, `f == 5` and the like, through `and` (or,
/// negated, `or`) and `not`.
pub(super) fn nonzero_facts(e: &TExpr, negated: bool, out: &mut Vec<(Record, usize)>) {
    match &e.kind {
        TExprKind::Not(inner) => nonzero_facts(inner, !negated, out),
        TExprKind::Chain { .. } => {
            let joins = if negated { BinaryOp::Or } else { BinaryOp::And };
            if e.chain_op() == Some(joins) {
                for part in e.operands_of(joins) {
                    nonzero_facts(part, negated, out);
                }
            }
        }
        TExprKind::Binary { op, lhs, rhs } => {
            let (field, op, constant) = match (&lhs.kind, &rhs.kind) {
                (TExprKind::Field { record, index }, _) => ((*record, *index), *op, rhs.constant()),
                (_, TExprKind::Field { record, index }) => {
                    ((*record, *index), op.flipped(), lhs.constant())
                }
                _ => return,
            };
            let op = if negated { negation(op) } else { Some(op) };
            let (Some(op), Some(c)) = (op, constant.and_then(|v| sign_of(&v))) else {
                return;
            };
            // Whether every value `f` with `f OP c` is non-zero.
            let excludes_zero = match op {
                BinaryOp::Gt => c >= 0,
                BinaryOp::Ge => c > 0,
                BinaryOp::Lt => c <= 0,
                BinaryOp::Le => c < 0,
                BinaryOp::Eq => c != 0,
                BinaryOp::Ne => c == 0,
                _ => false,
            };
            if excludes_zero {
                out.push(field);
            }
        }
        _ => {}
    }
}

/// The comparison that holds exactly when `op` does not.
fn negation(op: BinaryOp) -> Option<BinaryOp> {
    Some(match op {
        BinaryOp::Lt => BinaryOp::Ge,
        BinaryOp::Le => BinaryOp::Gt,
        BinaryOp::Gt => BinaryOp::Le,
        BinaryOp::Ge => BinaryOp::Lt,
        BinaryOp::Eq => BinaryOp::Ne,
        BinaryOp::Ne => BinaryOp::Eq,
        _ => return None,
    })
}

/// -1, 0 or 1 for a numeric constant.
fn sign_of(v: &Value) -> Option<i32> {
    let sign = |n: i128| n.signum() as i32;
    match v {
        Value::Int(i) => Some(sign(i128::from(*i))),
        Value::Money(f) => Some(sign(i128::from(f.0))),
        Value::Percent(r) => Some(sign(i128::from(r.0))),
        Value::Decimal(d) => Some(if d.is_zero() {
            0
        } else if d.is_sign_negative() {
            -1
        } else {
            1
        }),
        _ => None,
    }
}
