//! Pass 2: segment definitions, their dependencies, cycles and evaluation order.

use super::context::Context;
use super::expr::{infer_bool, infer_value};
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
    too_deep(c, p);
}

/// How deep a segment may nest, counting the expressions of the segments it uses as
/// if written out in place (a segment used inside `not (… and s)` adds its own depth
/// to the three levels around it). Evaluating, explaining and pushing a segment down
/// recurse that deep; real playbooks stay under thirty.
pub const MAX_SEGMENT_DEPTH: usize = 256;

/// Reports each segment that nests deeper than [`MAX_SEGMENT_DEPTH`] while the
/// segments it uses do not: once per chain, at the segment that crosses the limit.
fn too_deep(c: &mut Checker<'_>, p: &Program) {
    let n = p.segments.len();
    let mut depth = vec![0usize; n];
    // The segment each one's depth comes through, to show the chain.
    let mut via: Vec<Option<usize>> = vec![None; n];
    let mut over = vec![false; n];
    for &i in &p.segment_order {
        let mut deepest = (0, None);
        let mut deps_over = false;
        let mut visit = |e: &TExpr| {
            let (d, through) = expr_depth(e, &depth);
            if d > deepest.0 {
                deepest = (d, through);
            }
            let mut refs = Vec::new();
            segment_refs(e, &mut refs);
            deps_over |= refs.iter().any(|&r| over[r]);
        };
        match &p.segments[i].def {
            SegmentDef::Expr(e) => visit(e),
            SegmentDef::Top { by, filter, .. } => {
                visit(by);
                if let Some(f) = filter {
                    visit(f);
                }
            }
        }
        (depth[i], via[i]) = deepest;
        over[i] = deps_over || depth[i] > MAX_SEGMENT_DEPTH;
        if over[i] && !deps_over {
            report_too_deep(c, p, i, depth[i], &via);
        }
    }
}

/// The nesting of `e` with each segment counted at its own depth, and the segment
/// on its deepest path, if any. A chain (`a and b and …`) is one level, as in the
/// parser; recursion is bounded by the parser's nesting limit.
fn expr_depth(e: &TExpr, depth: &[usize]) -> (usize, Option<usize>) {
    let (d, through) = match &e.kind {
        TExprKind::Segment(i) => (depth.get(*i).copied().unwrap_or(0), Some(*i)),
        _ => e
            .children()
            .into_iter()
            .map(|x| expr_depth(x, depth))
            .max_by_key(|(d, _)| *d)
            .unwrap_or((0, None)),
    };
    (d + 1, through)
}

fn report_too_deep(
    c: &mut Checker<'_>,
    p: &Program,
    i: usize,
    depth: usize,
    via: &[Option<usize>],
) {
    let mut chain = vec![i];
    while let Some(next) = chain.last().and_then(|&s| via[s]) {
        if chain.contains(&next) || chain.len() > MAX_SEGMENT_DEPTH + 1 {
            break;
        }
        chain.push(next);
    }
    let names: Vec<String> = chain
        .iter()
        .map(|&s| format!("`{}`", p.segments[s].name))
        .collect();
    let shown = if names.len() > 6 {
        format!(
            "{} → … → {}",
            names[..3].join(" → "),
            names[names.len() - 2..].join(" → ")
        )
    } else {
        names.join(" → ")
    };
    let seg = &p.segments[i];
    c.report(
        Diagnostic::new(
            Code::NestingTooDeep,
            seg.span,
            format!(
                "segment `{}` nests {depth} levels deep through a chain of {} segments, more than {MAX_SEGMENT_DEPTH}",
                seg.name,
                chain.len()
            ),
        )
        .label(shown)
        .help(format!(
            "a segment may nest at most {MAX_SEGMENT_DEPTH} levels, counting the segments it uses; define some of the chain from fields rather than from the segment before"
        )),
    );
}

/// The segments an expression uses directly.
pub(super) fn segment_refs(e: &TExpr, out: &mut Vec<usize>) {
    match &e.kind {
        TExprKind::Segment(i) => out.push(*i),
        _ => e.children().into_iter().for_each(|x| segment_refs(x, out)),
    }
}

/// The segments a definition uses directly (indices, in the order written).
pub fn segment_dependencies(def: &SegmentDef) -> Vec<usize> {
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
    let deps: Vec<Vec<usize>> = p
        .segments
        .iter()
        .map(|s| segment_dependencies(&s.def))
        .collect();
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
