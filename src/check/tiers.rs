//! Reachability of tier arms: first match wins, so an arm whose every target an
//! earlier arm already matches is never reached. Conditions are compared as
//! written, through segment definitions, and as comparisons of one field with
//! constants; `tier by` thresholds by the values they admit.

use std::collections::HashSet;

use super::types::{Record, TExpr, TExprKind, Value};
use super::{Checker, Program, SegmentDef};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::BinaryOp;

/// Reports the tier arm at `span`, which the earlier arm `earlier_text` (at
/// `earlier`) always catches.
pub(super) fn unreachable_arm(
    c: &mut Checker<'_>,
    span: Span,
    earlier: Span,
    earlier_text: String,
) {
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

/// Whether a condition is the literal `true`, which catches every target.
pub(super) fn always_true(e: &TExpr) -> bool {
    matches!(e.kind, TExprKind::Const(Value::Bool(true)))
}

/// Whether every target matching `later` already matches `earlier`.
pub(super) fn catches(c: &Checker<'_>, p: &Program, earlier: &TExpr, later: &TExpr) -> bool {
    if earlier.ty.is_error() || later.ty.is_error() {
        return false;
    }
    always_true(earlier)
        || c.canonical(earlier.span) == c.canonical(later.span)
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
fn compared_field(e: &TExpr) -> Option<((Record, usize), BinaryOp, Value)> {
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

/// Orders two constants of the same type, as a run orders their values.
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    crate::value::arith::compare(a.val().view(), b.val().view())
}

/// Whether every value matching `later` also matches `earlier` (`x OP v`).
pub(super) fn covers(earlier: (BinaryOp, &Value), later: (BinaryOp, &Value)) -> bool {
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
