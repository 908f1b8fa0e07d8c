//! Typing aggregates over a member's earlier events: `count(order_paid where
//! event.amount >= ¥300 within 30d)`, `sum(order_paid.amount within 365d)`,
//! `first(order_paid).at`. Each distinct aggregate is registered once in
//! [`Program::histories`]; the expression refers to it by index.

use super::context::Context;
use super::model::{GRANT_AT, GRANT_VALUE, HistoryDef, HistoryOf};
use super::types::{Base, Record, TExpr, TExprKind, Type, typed};
use super::{Checker, Program};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast::{self, Aggregate, ExprKind, HistorySource, Spanned, TargetKind};

/// The expression checker, handed in: it is what calls this module for an
/// aggregate, and an aggregate's `where` (or a built-in `min(x)`) is an expression.
pub(super) struct Infer {
    /// Types any expression.
    pub any: fn(&mut Checker<'_>, &Program, &Context, &ast::Expr) -> TExpr,
    /// Types a condition (a required `bool`), naming it `what` in errors.
    pub condition: fn(&mut Checker<'_>, &Program, &Context, &ast::Expr, &str) -> TExpr,
}

/// Types an aggregate; every problem is reported and the result typed `Error`.
pub(super) fn history(
    c: &mut Checker<'_>,
    (p, cx): (&Program, &Context),
    h: &ast::History,
    span: Span,
    infer: &Infer,
) -> TExpr {
    let func = h.func.node;
    let (kind_name, field) = match &h.source {
        HistorySource::Events { kind, field } => (kind, field.as_ref()),
        HistorySource::Granted {
            rule,
            value,
            written,
        } => {
            if !member_here(c, cx, func, span) {
                return TExpr::error(span);
            }
            let value = value.as_ref().map(|v| v.span);
            return granted(c, h, (rule.as_ref(), value, written.span), span);
        }
    };
    let Some(&kind) = c.event_index.get(&kind_name.node) else {
        return unknown_kind(c, (p, cx), h, (kind_name, field), span, infer);
    };
    if !member_here(c, cx, func, span) {
        return TExpr::error(span);
    }
    c.used_events.insert(kind);
    let schema = &p.events[kind];
    let field_index = |c: &mut Checker<'_>, f: &ast::Ident| -> Option<usize> {
        let found = schema.index(&f.node);
        if found.is_none() {
            let help = did_you_mean(&f.node, schema.fields.iter().map(|x| x.name.as_str()))
                .unwrap_or_else(|| {
                    let names: Vec<&str> = schema.fields.iter().map(|x| x.name.as_str()).collect();
                    format!("event `{}` has: {}", schema.name, names.join(", "))
                });
            c.report(
                Diagnostic::new(
                    Code::UnknownName,
                    f.span,
                    format!("event `{}` has no field `{}`", schema.name, f.node),
                )
                .label("no such field")
                .help(help),
            );
        }
        found
    };
    let field = field.map(|f| (f, field_index(c, f)));
    let then = h.then.as_ref().map(|f| (f, field_index(c, f)));
    if field.is_some_and(|(_, i)| i.is_none()) || then.is_some_and(|(_, i)| i.is_none()) {
        return TExpr::error(span);
    }
    let field = field.and_then(|(f, i)| Some((f, i?)));
    let then = then.and_then(|(f, i)| Some((f, i?)));
    let Some((ty, read)) = shape(c, p, kind, func, field, then, kind_name.span, span) else {
        return TExpr::error(span);
    };
    let filter = h.filter.as_ref().map(|f| filter(c, p, kind, f, infer));
    if filter.as_ref().is_some_and(|f| f.ty.is_error()) {
        return TExpr::error(span);
    }
    register(c, h, (HistoryOf::Events(kind), read, filter), ty, span)
}

/// Whether a member's history can be read here (reported when not).
fn member_here(c: &mut Checker<'_>, cx: &Context, func: Aggregate, span: Span) -> bool {
    if cx.target == Some(TargetKind::Member) {
        return true;
    }
    let why = match cx.target {
        Some(TargetKind::Group) => "a group's rules read the group, which has no history here",
        _ => "only a member's conditions and amounts can read its history",
    };
    c.report(
        Diagnostic::new(
            if cx.target.is_some() {
                Code::WrongTarget
            } else {
                Code::NotConstant
            },
            span,
            format!("`{}(…)` reads a member's history", func.name()),
        )
        .label("no member here")
        .help(why),
    );
    false
}

/// Checks `within`, then registers the aggregate once and refers to it.
fn register(
    c: &mut Checker<'_>,
    h: &ast::History,
    (source, read, filter): (HistoryOf, Option<usize>, Option<TExpr>),
    ty: Type,
    span: Span,
) -> TExpr {
    let func = h.func.node;
    let within = h.within.as_ref().map(|d| d.node.seconds);
    if let Some(d) = h.within.as_ref().filter(|d| d.node.seconds <= 0) {
        c.report(
            Diagnostic::new(
                Code::InvalidHistory,
                d.span,
                "`within` needs a positive duration",
            )
            .label("nothing is within this")
            .help("write how far back to look, e.g. `within 30d`"),
        );
        return TExpr::error(span);
    }
    let key = format!(
        "{}|{source:?}|{read:?}|{within:?}|{}",
        func.name(),
        h.filter
            .as_ref()
            .map_or(String::new(), |f| c.canonical(f.span))
    );
    let index = match c.history_keys.get(&key) {
        Some(&i) => i,
        None => {
            c.histories.push(HistoryDef {
                func,
                source,
                field: read,
                filter,
                within,
                ty: ty.clone(),
                span,
            });
            c.history_keys.insert(key, c.histories.len() - 1);
            c.histories.len() - 1
        }
    };
    typed(TExprKind::History(index), ty, span)
}

/// The aggregate's type and the field it reads, or `None` when misused (reported).
#[allow(clippy::too_many_arguments)]
fn shape(
    c: &mut Checker<'_>,
    p: &Program,
    kind: usize,
    func: Aggregate,
    field: Option<(&ast::Ident, usize)>,
    then: Option<(&ast::Ident, usize)>,
    kind_span: Span,
    span: Span,
) -> Option<(Type, Option<usize>)> {
    let schema = &p.events[kind];
    let name = &schema.name;
    let mut misuse = |at: Span, message: String, help: String| {
        c.report(invalid(at, message, help));
        None
    };
    match func {
        Aggregate::Count | Aggregate::Exists => {
            if let Some((f, _)) = field.or(then) {
                return misuse(
                    f.span,
                    format!("`{}` counts events, not a field", func.name()),
                    format!(
                        "write `{}({name} where event.{} …)` to count some of them",
                        func.name(),
                        f.node
                    ),
                );
            }
            let base = if func == Aggregate::Count {
                Base::Int
            } else {
                Base::Bool
            };
            Some((Type::required(base), None))
        }
        Aggregate::Sum | Aggregate::Min | Aggregate::Max => {
            if let Some((t, _)) = then {
                return misuse(
                    t.span,
                    format!("`{}(…)` is a value, it has no fields", func.name()),
                    format!("write `{}({name}.{})`", func.name(), t.node),
                );
            }
            let Some((f, i)) = field else {
                return misuse(
                    kind_span,
                    format!("`{}` needs a field of `{name}`", func.name()),
                    format!(
                        "write `{}({name}.FIELD)`, e.g. `{}({name}.amount)`",
                        func.name(),
                        func.name()
                    ),
                );
            };
            let ty = &schema.fields[i].ty;
            let fits = match func {
                Aggregate::Sum => matches!(ty.base, Base::Int | Base::Decimal | Base::Money),
                _ => matches!(
                    ty.base,
                    Base::Int
                        | Base::Decimal
                        | Base::Money
                        | Base::Percent
                        | Base::Time
                        | Base::Date
                ),
            };
            if !fits {
                c.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        f.span,
                        format!(
                            "`{}` of `{name}.{}`, which is {}",
                            func.name(),
                            f.node,
                            ty.base
                        ),
                    )
                    .label(format!("this is {}", ty.base))
                    .help(if func == Aggregate::Sum {
                        "only numbers and money add up: int, decimal or money".to_owned()
                    } else {
                        "only numbers, money, times and dates have a least and a greatest"
                            .to_owned()
                    }),
                );
                return None;
            }
            // A sum of none is zero; the least of none is missing.
            let optional = func != Aggregate::Sum;
            Some((
                Type {
                    base: ty.base.clone(),
                    optional,
                },
                Some(i),
            ))
        }
        Aggregate::First | Aggregate::Last => {
            if let Some((f, _)) = field {
                return misuse(
                    f.span,
                    format!("`{}` takes an event kind", func.name()),
                    format!("write `{}({name}).{}`", func.name(), f.node),
                );
            }
            let Some((_, i)) = then else {
                return misuse(
                    span,
                    format!("`{}({name})` is an event, not a value", func.name()),
                    format!("take one of its fields, e.g. `{}({name}).at`", func.name()),
                );
            };
            let base = schema.fields[i].ty.base.clone();
            Some((
                Type {
                    base,
                    optional: true,
                },
                Some(i),
            ))
        }
    }
}

/// The `where` of an aggregate: a condition on the aggregated event alone.
fn filter(c: &mut Checker<'_>, p: &Program, kind: usize, e: &ast::Expr, infer: &Infer) -> TExpr {
    let cx = Context {
        target: Some(TargetKind::Member),
        event: Some(kind),
        narrowed: Vec::new(),
        unknown_event: false,
        nonzero: Vec::new(),
    };
    let t = (infer.condition)(c, p, &cx, e, "a history's `where`");
    let mut bad = Vec::new();
    reads_more_than_the_event(&t, &mut bad);
    if bad.is_empty() {
        return t;
    }
    for (span, what) in bad {
        c.report(
            Diagnostic::new(
                Code::InvalidHistory,
                span,
                format!("a history's `where` reads only the event, not {what}"),
            )
            .label("not a field of the event")
            .help("the events counted are decided once, when each happens: use `event.` fields and constants here, `within` for a time window, and the member's fields outside the aggregate"),
        );
    }
    TExpr::error(t.span)
}

fn reads_more_than_the_event(t: &TExpr, out: &mut Vec<(Span, &'static str)>) {
    let what = match &t.kind {
        TExprKind::Field {
            record: Record::Member | Record::Group,
            ..
        } => Some("the member's fields"),
        TExprKind::Segment(_) => Some("segments"),
        TExprKind::Now | TExprKind::Today => Some("`now` or `today`"),
        TExprKind::History(_) => Some("another history"),
        _ => None,
    };
    match what {
        Some(w) => out.push((t.span, w)),
        None => t
            .children()
            .into_iter()
            .for_each(|x| reads_more_than_the_event(x, out)),
    }
}

/// An aggregate of a name that is no event kind: `min(x)` and `max(x)` of a field
/// are the built-ins; anything else is an unknown event kind.
fn unknown_kind(
    c: &mut Checker<'_>,
    (p, cx): (&Program, &Context),
    h: &ast::History,
    (kind, field): (&ast::Ident, Option<&ast::Ident>),
    span: Span,
    infer: &Infer,
) -> TExpr {
    let plain = field.is_none() && h.filter.is_none() && h.within.is_none() && h.then.is_none();
    if plain && matches!(h.func.node, Aggregate::Min | Aggregate::Max) {
        let call = Spanned::new(
            ExprKind::Call {
                func: Spanned::new(h.func.node.name().to_owned(), h.func.span),
                args: vec![Spanned::new(ExprKind::Name(kind.node.clone()), kind.span)],
            },
            span,
        );
        return (infer.any)(c, p, cx, &call);
    }
    let kinds: Vec<&str> = p.events.iter().map(|e| e.name.as_str()).collect();
    let help = did_you_mean(&kind.node, kinds.iter().copied()).unwrap_or_else(|| {
        if kinds.is_empty() {
            "declare the event first: `event order_paid { amount: money }`".to_owned()
        } else {
            format!("declared events: {}", kinds.join(", "))
        }
    });
    c.report(
        Diagnostic::new(
            Code::UnknownName,
            kind.span,
            format!("`{}` is not a declared event", kind.node),
        )
        .label("no such event")
        .help(help),
    );
    TExpr::error(span)
}

/// An aggregate over what the member was granted: `count(granted 打卡红包 within
/// 7d)`, `sum(granted value within 1d)`, `exists(granted 新人礼包)`,
/// `last(granted).at`.
fn granted(
    c: &mut Checker<'_>,
    h: &ast::History,
    (rule, value, at): (Option<&ast::Ident>, Option<Span>, Span),
    span: Span,
) -> TExpr {
    let func = h.func.node;
    let misuse = |c: &mut Checker<'_>, place: Span, message: String, help: &str| {
        c.report(invalid(place, message, help));
        TExpr::error(span)
    };
    if let Some(r) = rule
        && !c.rule_names.contains_key(&r.node)
    {
        let help =
            did_you_mean(&r.node, c.rule_names.keys().map(String::as_str)).unwrap_or_else(|| {
                "name a rule of this playbook, or leave it out for every rule".to_owned()
            });
        c.report(
            Diagnostic::new(
                Code::UnknownName,
                r.span,
                format!("`{}` is not a rule", r.node),
            )
            .label("no such rule")
            .help(help),
        );
        return TExpr::error(span);
    }
    if let Some(f) = &h.filter {
        return misuse(
            c,
            f.span,
            "grants are chosen by rule, not with `where`".to_owned(),
            "write `granted RULE` for one rule's grants, and `within` for a time window",
        );
    }
    let rule = rule.map(|r| r.node.clone());
    let (ty, read) = match func {
        Aggregate::Count | Aggregate::Exists => {
            if let Some(v) = value.or(h.then.as_ref().map(|t| t.span)) {
                return misuse(
                    c,
                    v,
                    format!("`{}` counts grants, not their value", func.name()),
                    "write `sum(granted value …)` for what they were worth",
                );
            }
            let base = if func == Aggregate::Count {
                Base::Int
            } else {
                Base::Bool
            };
            (Type::required(base), None)
        }
        Aggregate::Sum | Aggregate::Min | Aggregate::Max => {
            if value.is_none() || h.then.is_some() {
                return misuse(
                    c,
                    at,
                    format!("`{}` of grants reads their value", func.name()),
                    "write `granted value`, e.g. `sum(granted value within 1d)`",
                );
            }
            let optional = func != Aggregate::Sum;
            (
                Type {
                    base: Base::Money,
                    optional,
                },
                Some(GRANT_VALUE),
            )
        }
        Aggregate::First | Aggregate::Last => {
            let field = match h.then.as_ref().map(|t| t.node.as_str()) {
                Some("at") if value.is_none() => (Base::Time, GRANT_AT),
                Some("value") if value.is_none() => (Base::Money, GRANT_VALUE),
                _ => {
                    return misuse(
                        c,
                        h.then.as_ref().map_or(span, |t| t.span),
                        format!(
                            "`{}(granted …)` is a grant: take its `.at` or `.value`",
                            func.name()
                        ),
                        "e.g. `last(granted 新人礼包).at`",
                    );
                }
            };
            (
                Type {
                    base: field.0,
                    optional: true,
                },
                Some(field.1),
            )
        }
    };
    register(c, h, (HistoryOf::Granted(rule), read, None), ty, span)
}

/// An aggregate written in a way that cannot be computed (E0208), at `at`.
fn invalid(at: Span, message: String, help: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Code::InvalidHistory, at, message)
        .label("here")
        .help(help.into())
}
