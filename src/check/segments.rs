//! Pass 2: segment definitions, their dependencies, cycles and evaluation order.

use super::expr::{Context, infer_bool, infer_value};
use super::types::{TExpr, TExprKind};
use super::{Checker, Program, SegmentDef};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{Item, SegmentBody};

/// Types every segment, then orders them so each follows the segments it uses.
pub(super) fn check_segments(c: &mut Checker<'_>, p: &mut Program, items: &[Item]) {
    for item in items {
        let Item::Segment(s) = item else { continue };
        let Some(&i) = c.segment_index.get(&s.node.name.node) else {
            continue;
        };
        if p.segments[i].span != s.node.name.span {
            continue; // a duplicate, already reported
        }
        let cx = Context::of(p.segments[i].target);
        let def = match &s.node.body {
            SegmentBody::Expr(e) => SegmentDef::Expr(infer_bool(c, p, &cx, e, "a segment")),
            SegmentBody::Top { count, by, filter } => {
                if count.node == 0 {
                    c.report(
                        Diagnostic::new(Code::InvalidLimit, count.span, "`top 0` selects nobody")
                            .label("zero")
                            .help("rank at least one: `top 100 by …`"),
                    );
                }
                let by_t = infer_value(c, p, &cx, by);
                if !by_t.ty.base.is_ordered() {
                    c.report(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            by.span,
                            format!("cannot rank by {}", by_t.ty),
                        )
                        .label("not orderable")
                        .help("rank by a number, money, time or date field"),
                    );
                }
                let filter = filter
                    .as_ref()
                    .map(|f| infer_bool(c, p, &cx, f, "the `where` of `top`"));
                SegmentDef::Top {
                    count: count.node,
                    by: by_t,
                    filter,
                }
            }
        };
        p.segments[i].def = def;
    }
    p.segment_order = order(c, p);
}

/// The segments an expression uses directly.
pub(super) fn segment_refs(e: &TExpr, out: &mut Vec<usize>) {
    match &e.kind {
        TExprKind::Segment(i) => out.push(*i),
        TExprKind::Exists(x) | TExprKind::Not(x) | TExprKind::Neg(x) => segment_refs(x, out),
        TExprKind::Binary { lhs, rhs, .. } => {
            segment_refs(lhs, out);
            segment_refs(rhs, out);
        }
        TExprKind::Call { args: xs, .. } | TExprKind::List(xs) => {
            xs.iter().for_each(|x| segment_refs(x, out))
        }
        _ => {}
    }
}

fn dependencies(def: &SegmentDef) -> Vec<usize> {
    let mut out = Vec::new();
    match def {
        SegmentDef::Expr(e) => segment_refs(e, &mut out),
        SegmentDef::Top { by, filter, .. } => {
            segment_refs(by, &mut out);
            if let Some(f) = filter {
                segment_refs(f, &mut out);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Depth-first post-order with an explicit stack (a chain of ten thousand segments
/// must not recurse ten thousand deep); reports each cycle once, at its first segment
/// in file order.
fn order(c: &mut Checker<'_>, p: &Program) -> Vec<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let deps: Vec<Vec<usize>> = p.segments.iter().map(|s| dependencies(&s.def)).collect();
    let mut mark = vec![Mark::New; deps.len()];
    let mut out = Vec::with_capacity(deps.len());
    for root in 0..deps.len() {
        if mark[root] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        mark[root] = Mark::Open;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&dep) = deps[node].get(*next) {
                *next += 1;
                match mark[dep] {
                    Mark::New => {
                        mark[dep] = Mark::Open;
                        stack.push((dep, 0));
                    }
                    Mark::Open => {
                        let from = stack.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                        let cycle: Vec<usize> = stack[from..].iter().map(|&(n, _)| n).collect();
                        report_cycle(c, p, &cycle);
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                out.push(node);
                stack.pop();
            }
        }
    }
    out
}

fn report_cycle(c: &mut Checker<'_>, p: &Program, cycle: &[usize]) {
    let Some(start) = cycle
        .iter()
        .enumerate()
        .min_by_key(|(_, s)| p.segments[**s].span.start)
        .map(|(i, _)| i)
    else {
        return;
    };
    let rotated: Vec<usize> = cycle[start..]
        .iter()
        .chain(&cycle[..start])
        .copied()
        .collect();
    let first = &p.segments[rotated[0]];
    let path: Vec<&str> = rotated
        .iter()
        .chain(std::iter::once(&rotated[0]))
        .map(|&s| p.segments[s].name.as_str())
        .collect();
    let mut d = Diagnostic::new(
        Code::SegmentCycle,
        first.span,
        format!("segment `{}` depends on itself", first.name),
    )
    .label(path.join(" → "))
    .help("a segment cannot be defined in terms of itself; break the circle");
    for &s in &rotated[1..] {
        d = d.related(p.segments[s].span, "part of the circle");
    }
    c.report(d);
}
