//! Typing expressions: operators, calls and lists, with null safety. Each operand
//! of a chain sees what the ones before it establish; arithmetic is checked for
//! steps that fail at run time. Literals and names are resolved in `names`, what
//! conditions establish is in `context`, constant folding in `fold`.

use super::bounds::check_call_bounds;
use super::context::{Context, facts, nonzero_facts};
use super::fold::{constant_fails, folded, unguarded_division};
use super::names::{literal, name_ref, qualified};
use super::types::{Base, Builtin, TExpr, TExprKind, Type, arithmetic, typed};
use super::{Checker, Program};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast::{BinaryOp, CalendarDay, Expr, ExprKind, Spanned, UnaryOp};

/// Types `e`; every problem is reported and the result typed `Error` where it failed.
pub(crate) fn infer(c: &mut Checker<'_>, p: &Program, cx: &Context, e: &Expr) -> TExpr {
    let span = e.span;
    match &e.node {
        ExprKind::Literal(lit) => literal(p, lit, span),
        ExprKind::Name(name) => name_ref(c, p, cx, name, span),
        ExprKind::Field { scope, field } => qualified(c, p, cx, scope.node, &field.node, span),
        ExprKind::Exists(inner) => {
            let t = infer(c, p, cx, inner);
            if !matches!(t.kind, TExprKind::Field { .. } | TExprKind::Error) {
                c.report(
                    Diagnostic::new(Code::TypeMismatch, inner.span, "`exists` takes a field")
                        .label("not a field")
                        .help("write `exists FIELD`, e.g. `exists last_order_at`"),
                );
            }
            typed(
                TExprKind::Exists(Box::new(t)),
                Type::required(Base::Bool),
                span,
            )
        }
        ExprKind::Call { func, args } => call(c, p, cx, &func.node, func.span, args, span),
        ExprKind::List(items) => list(c, p, cx, items, span),
        ExprKind::History(h) => {
            let with = super::history::Infer {
                any: infer,
                condition: infer_bool,
            };
            super::history::history(c, (p, cx), h, span, &with)
        }
        ExprKind::Unary { op, operand } => unary(c, p, cx, *op, operand, span),
        ExprKind::Binary { op, lhs, rhs } if !op.node.chains() => {
            binary(c, p, cx, op.node, op.span, lhs, rhs, span)
        }
        ExprKind::Binary { op, lhs, rhs } => chain(c, p, cx, lhs, &[(op, &**rhs)], span),
        ExprKind::Chain { first, rest } => {
            let rest: Vec<_> = rest.iter().map(|(op, x)| (op, x)).collect();
            chain(c, p, cx, first, &rest, span)
        }
    }
}

/// Types `e` and requires it to be present (not optional).
pub(crate) fn infer_value(c: &mut Checker<'_>, p: &Program, cx: &Context, e: &Expr) -> TExpr {
    let t = infer(c, p, cx, e);
    require_value(c, t)
}

/// Types `e` and requires a (non-optional) `bool`.
pub(crate) fn infer_bool(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    e: &Expr,
    what: &str,
) -> TExpr {
    let t = infer(c, p, cx, e);
    let t = require_value(c, t);
    expect_base(c, &t, &Base::Bool, what);
    t
}

/// Reports a type mismatch unless `t` has `base` (or already failed).
pub(crate) fn expect_base(c: &mut Checker<'_>, t: &TExpr, base: &Base, what: &str) -> bool {
    if t.ty.base == *base || t.ty.is_error() {
        return true;
    }
    c.report(
        Diagnostic::new(
            Code::TypeMismatch,
            t.span,
            format!("{what} must be {base}, found {}", t.ty),
        )
        .label(format!("this is {}", t.ty))
        .help(conversion_help(&t.ty.base, base)),
    );
    false
}

fn conversion_help(found: &Base, wanted: &Base) -> String {
    match (found, wanted) {
        (Base::Int | Base::Decimal, Base::Money) => {
            "write money with a yen sign, e.g. `¥10`".into()
        }
        (Base::Date, Base::Time) => "write a date and time, e.g. `2026-04-18 00:00`".into(),
        (_, Base::Bool) => "a condition compares values, e.g. `orders >= 2`".into(),
        _ => format!("give a value of type {wanted}"),
    }
}

/// An optional value used where a value is required: reported once, then treated
/// as present so the mistake does not cascade.
pub(crate) fn require_value(c: &mut Checker<'_>, mut t: TExpr) -> TExpr {
    if t.ty.optional {
        let name = c.text(t.span).to_string();
        c.report(
            Diagnostic::new(
                Code::UnguardedOptional,
                t.span,
                format!("`{name}` may be missing here"),
            )
            .label(format!("this is {}, which may be null", t.ty))
            .help(format!(
                "guard it with `exists {name} and …`, or give a default: `{name} ?? …`"
            )),
        );
        t.ty.optional = false;
    }
    t
}

fn list(c: &mut Checker<'_>, p: &Program, cx: &Context, items: &[Expr], span: Span) -> TExpr {
    let typed_items: Vec<TExpr> = items.iter().map(|i| infer_value(c, p, cx, i)).collect();
    let mut elem = Base::Error;
    for t in &typed_items {
        if elem == Base::Error {
            elem = t.ty.base.clone();
        } else if !compatible(&elem, &t.ty.base) {
            expect_base(c, t, &elem.clone(), "every item of a list");
        }
    }
    typed(
        TExprKind::List(typed_items),
        Type::required(Base::List(Box::new(elem))),
        span,
    )
}

fn unary(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    op: UnaryOp,
    operand: &Expr,
    span: Span,
) -> TExpr {
    let t = infer_value(c, p, cx, operand);
    match op {
        UnaryOp::Not => {
            expect_base(c, &t, &Base::Bool, "the operand of `not`");
            typed(
                TExprKind::Not(Box::new(t)),
                Type::required(Base::Bool),
                span,
            )
        }
        UnaryOp::Neg => {
            let base = t.ty.base.clone();
            if !(base.is_numeric() || base == Base::Duration) {
                mismatch(
                    c,
                    t.span,
                    format!("cannot negate {base}"),
                    "negation applies to numbers, money and durations",
                );
                return TExpr::error(span);
            }
            typed(TExprKind::Neg(Box::new(t)), Type::required(base), span)
        }
    }
}

fn mismatch(c: &mut Checker<'_>, span: Span, message: String, help: &str) {
    c.report(
        Diagnostic::new(Code::TypeMismatch, span, message)
            .label("here")
            .help(help),
    );
}

/// Whether values of `a` and `b` compare: equal types, or int with decimal.
fn compatible(a: &Base, b: &Base) -> bool {
    a == b
        || *a == Base::Error
        || *b == Base::Error
        || matches!(
            (a, b),
            (Base::Int, Base::Decimal) | (Base::Decimal, Base::Int)
        )
        || matches!((a, b), (Base::List(x), Base::List(y)) if compatible(x, y))
}

/// A comparison, `in` or `not in`.
#[allow(clippy::too_many_arguments)]
fn binary(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    op: BinaryOp,
    op_span: Span,
    lhs: &Expr,
    rhs: &Expr,
    span: Span,
) -> TExpr {
    let l = infer(c, p, cx, lhs);
    let r = infer(c, p, cx, rhs);
    let (l, r) = (require_value(c, l), require_value(c, r));
    let (lb, rb) = (l.ty.base.clone(), r.ty.base.clone());
    let result = match op {
        BinaryOp::Eq | BinaryOp::Ne => compatible(&lb, &rb),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            compatible(&lb, &rb) && lb.is_ordered() && rb.is_ordered()
        }
        _ => match &rb {
            Base::TextSet => compatible(&lb, &Base::Text),
            Base::List(elem) => compatible(&lb, elem),
            Base::Error => true,
            _ => false,
        },
    };
    if !result {
        operator_mismatch(c, op, op_span, (&l.ty.base, l.span), (&r.ty.base, r.span));
        return TExpr::error(span);
    }
    typed(
        TExprKind::Binary {
            op,
            lhs: Box::new(l),
            rhs: Box::new(r),
        },
        Type::required(Base::Bool),
        span,
    )
}

/// `first OP x OP y …` — `and`, `or`, `??` or arithmetic, one operator or a run of
/// them — typed left to right in one loop, exactly as if it nested to the left:
/// each operand of `and` sees what the ones before it establish (`exists f and
/// f < x`), each of `or` what they refute (`not exists f or f < x`).
fn chain(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    first: &Expr,
    rest: &[(&Spanned<BinaryOp>, &Expr)],
    span: Span,
) -> TExpr {
    let Some((op, _)) = rest.first() else {
        return infer(c, p, cx, first);
    };
    match op.node {
        BinaryOp::And | BinaryOp::Or => logical(c, p, cx, op.node, first, rest, span),
        BinaryOp::Coalesce => defaults(c, p, cx, first, rest, span),
        _ => arithmetic_chain(c, p, cx, first, rest, span),
    }
}

/// A run of `and` (or of `or`): each operand a required `bool`.
fn logical(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    op: BinaryOp,
    first: &Expr,
    rest: &[(&Spanned<BinaryOp>, &Expr)],
    span: Span,
) -> TExpr {
    let refutes = op == BinaryOp::Or;
    let mut narrowed = cx.clone();
    let operand = |c: &mut Checker<'_>, cx: &mut Context, e: &Expr, side: &str| {
        let t = infer(c, p, cx, e);
        facts(&t, refutes, &mut cx.narrowed);
        nonzero_facts(&t, refutes, &mut cx.nonzero);
        let t = require_value(c, t);
        let what = format!("the {side} side of `{}`", op.symbol());
        expect_base(c, &t, &Base::Bool, &what);
        t
    };
    let head = operand(c, &mut narrowed, first, "left");
    let parts = rest
        .iter()
        .map(|(_, x)| (op, operand(c, &mut narrowed, x, "right")))
        .collect();
    typed(
        TExprKind::Chain {
            first: Box::new(head),
            rest: parts,
        },
        Type::required(Base::Bool),
        span,
    )
}

/// A run of `??`: the first value that is present. Each default must have the type
/// of what it replaces; the result may be missing only when the last may.
fn defaults(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    first: &Expr,
    rest: &[(&Spanned<BinaryOp>, &Expr)],
    span: Span,
) -> TExpr {
    let head = infer(c, p, cx, first);
    let mut ty = head.ty.clone();
    let mut failed = false;
    let mut parts = Vec::with_capacity(rest.len());
    for (_, x) in rest {
        let r = infer(c, p, cx, x);
        failed = !compatible(&ty.base, &r.ty.base);
        ty = if failed {
            mismatch(
                c,
                r.span,
                format!("the default must be {}, found {}", ty.base, r.ty.base),
                "`a ?? b` gives `b` when `a` is missing, so both must have the same type",
            );
            Type::error()
        } else {
            Type {
                base: if ty.is_error() {
                    r.ty.base.clone()
                } else {
                    ty.base
                },
                optional: r.ty.optional,
            }
        };
        parts.push((BinaryOp::Coalesce, r));
    }
    if failed {
        return TExpr::error(span);
    }
    typed(
        TExprKind::Chain {
            first: Box::new(head),
            rest: parts,
        },
        ty,
        span,
    )
}

/// A run of `+ -` (or of `* /`): each step typed as `(a OP b) OP c` would be, and
/// checked for arithmetic that fails on every row (E0205) with the constant value
/// of everything before it carried along.
fn arithmetic_chain(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    first: &Expr,
    rest: &[(&Spanned<BinaryOp>, &Expr)],
    span: Span,
) -> TExpr {
    let head = infer(c, p, cx, first);
    let head = require_value(c, head);
    let mut base = head.ty.base.clone();
    let mut value = folded(&head, p);
    let mut prefix = head.span;
    let mut failed = false;
    let mut parts = Vec::with_capacity(rest.len());
    for (i, (op, x)) in rest.iter().enumerate() {
        let r = infer(c, p, cx, x);
        let r = require_value(c, r);
        let left_span = prefix;
        // The last step is the whole expression, with its parentheses if it has them.
        prefix = if i + 1 == rest.len() {
            span
        } else {
            prefix.to(r.span)
        };
        match arithmetic(op.node, &base, &r.ty.base) {
            Some(b) => {
                if op.node == BinaryOp::Div && folded(&r, p).is_none() {
                    unguarded_division(c, cx, &r, prefix);
                }
                value = constant_fails(c, p, op.node, value, &r, prefix);
                base = b;
                failed = false;
            }
            None => {
                operator_mismatch(
                    c,
                    op.node,
                    op.span,
                    (&base, left_span),
                    (&r.ty.base, r.span),
                );
                (base, value, failed) = (Base::Error, None, true);
            }
        }
        parts.push((op.node, r));
    }
    if failed {
        return TExpr::error(span);
    }
    typed(
        TExprKind::Chain {
            first: Box::new(head),
            rest: parts,
        },
        Type::required(base),
        span,
    )
}

/// `E0201` for `l OP r`, each side given by its type and span.
fn operator_mismatch(
    c: &mut Checker<'_>,
    op: BinaryOp,
    op_span: Span,
    (lb, l_span): (&Base, Span),
    (rb, r_span): (&Base, Span),
) {
    let help = match (op, lb, rb) {
        (BinaryOp::Add | BinaryOp::Sub, Base::Money, Base::Int | Base::Decimal)
        | (BinaryOp::Add | BinaryOp::Sub, Base::Int | Base::Decimal, Base::Money) => {
            "money only adds to money: write the number as an amount, e.g. `¥5`".to_string()
        }
        (BinaryOp::Mul, Base::Money, Base::Money) => "multiply money by a number or a percentage".to_string(),
        (BinaryOp::In | BinaryOp::NotIn, _, _) => "`in` looks in a `set<text>` field or a list like `[\"淘宝\", \"抖音\"]`".to_string(),
        // `spend >= 500`: the number is meant as yuan.
        (_, Base::Money, Base::Int | Base::Decimal) | (_, Base::Int | Base::Decimal, Base::Money)
            if op.is_comparison() =>
        {
            let number = c
                .text(if *lb == Base::Money { r_span } else { l_span })
                .trim();
            let literal = !number.is_empty()
                && number.chars().all(|ch| ch.is_ascii_digit() || ch == '.');
            if literal {
                format!("money is written with a yen sign: `¥{number}`")
            } else {
                "compare money with money, e.g. `spend >= ¥500`".to_string()
            }
        }
        (_, Base::Time, Base::Date) | (_, Base::Date, Base::Time) => {
            "a time is an instant and a date a day: compare like with like, e.g. `joined_at >= 2026-04-18 00:00`".to_string()
        }
        _ if op.is_comparison() => "compare values of the same type".to_string(),
        _ => format!("`{}` does not apply to these types", op.symbol()),
    };
    c.report(
        Diagnostic::new(
            Code::TypeMismatch,
            op_span,
            format!("`{}` cannot combine {} and {}", op.symbol(), lb, rb),
        )
        .label(format!("{lb} {} {rb}", op.symbol()))
        .related(l_span, format!("{lb}"))
        .related(r_span, format!("{rb}"))
        .help(help),
    );
}

fn call(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    name: &str,
    name_span: Span,
    args: &[Expr],
    span: Span,
) -> TExpr {
    if let Some(day) = calendar_day(name) {
        return on_calendar(c, p, cx, day, args, span);
    }
    let Some(func) = Builtin::by_name(name) else {
        let names = Builtin::ALL
            .iter()
            .map(|(n, _)| *n)
            .chain(["workday", "holiday"]);
        let help = did_you_mean(name, names).unwrap_or_else(|| {
            "the built-ins are days_since, month, weekday, workday, holiday, min, max, clamp and len".into()
        });
        c.report(
            Diagnostic::new(
                Code::UnknownName,
                name_span,
                format!("unknown function `{name}`"),
            )
            .label("not a built-in")
            .help(help),
        );
        return TExpr::error(span);
    };
    let targs: Vec<TExpr> = args.iter().map(|a| infer_value(c, p, cx, a)).collect();
    let (arity_ok, expected) = match func {
        Builtin::DaysSince | Builtin::Month | Builtin::Weekday | Builtin::Len => {
            (targs.len() == 1, "1 argument")
        }
        Builtin::Min | Builtin::Max => (targs.len() >= 2, "2 or more arguments"),
        Builtin::Clamp => (targs.len() == 3, "3 arguments: `clamp(x, lo, hi)`"),
    };
    if !arity_ok {
        c.report(
            Diagnostic::new(
                Code::WrongArguments,
                span,
                format!("`{name}` takes {expected}, given {}", targs.len()),
            )
            .label("wrong number of arguments")
            .help(format!("call it as `{}`", signature(func))),
        );
        return TExpr::error(span);
    }
    let Some(base) = call_type(c, func, &targs) else {
        return TExpr::error(span);
    };
    check_call_bounds(c, func, &targs);
    typed(
        TExprKind::Call { func, args: targs },
        Type::required(base),
        span,
    )
}

/// The working-calendar question a function name asks, if it is one.
fn calendar_day(name: &str) -> Option<CalendarDay> {
    match name {
        "workday" => Some(CalendarDay::Workday),
        "holiday" => Some(CalendarDay::Holiday),
        _ => None,
    }
}

/// `workday(d)` / `holiday(d)`: a date or a time, asked of the playbook's calendar.
fn on_calendar(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    day: CalendarDay,
    args: &[Expr],
    span: Span,
) -> TExpr {
    let name = day.keyword();
    let mut targs: Vec<TExpr> = args.iter().map(|a| infer_value(c, p, cx, a)).collect();
    let (Some(of), true) = (targs.pop(), targs.is_empty()) else {
        c.report(
            Diagnostic::new(
                Code::WrongArguments,
                span,
                format!("`{name}` takes 1 argument, given {}", args.len()),
            )
            .label("wrong number of arguments")
            .help(format!("call it as `{name}(today)` or `{name}(event.at)`")),
        );
        return TExpr::error(span);
    };
    if !matches!(of.ty.base, Base::Date | Base::Time | Base::Error) {
        mismatch(
            c,
            of.span,
            format!("`{name}(date or time)` cannot take {}", of.ty.base),
            "give a date or a time, e.g. `today` or `event.at`",
        );
        return TExpr::error(span);
    }
    c.calendar_uses.push(span);
    typed(
        TExprKind::OnCalendar {
            day,
            of: Box::new(of),
            calendar: p.settings.calendar.clone(),
        },
        Type::required(Base::Bool),
        span,
    )
}

fn signature(func: Builtin) -> &'static str {
    match func {
        Builtin::DaysSince => "days_since(time)",
        Builtin::Month => "month(date or time)",
        Builtin::Weekday => "weekday(date or time)",
        Builtin::Min => "min(a, b, …)",
        Builtin::Max => "max(a, b, …)",
        Builtin::Clamp => "clamp(x, lo, hi)",
        Builtin::Len => "len(set)",
    }
}

fn call_type(c: &mut Checker<'_>, func: Builtin, args: &[TExpr]) -> Option<Base> {
    let first = &args[0];
    let bad = |c: &mut Checker<'_>, t: &TExpr| {
        mismatch(
            c,
            t.span,
            format!("`{}` cannot take {}", signature(func), t.ty.base),
            "check the argument's type",
        );
        None
    };
    match func {
        Builtin::DaysSince => {
            if expect_base(c, first, &Base::Time, "the argument of `days_since`") {
                Some(Base::Int)
            } else {
                None
            }
        }
        Builtin::Month | Builtin::Weekday => match first.ty.base {
            Base::Date | Base::Time | Base::Error => Some(Base::Int),
            _ => bad(c, first),
        },
        Builtin::Len => match first.ty.base {
            Base::TextSet | Base::List(_) | Base::Error => Some(Base::Int),
            _ => bad(c, first),
        },
        Builtin::Min | Builtin::Max | Builtin::Clamp => {
            let mut base = Base::Error;
            for a in args {
                if !a.ty.base.is_ordered() {
                    return bad(c, a);
                }
                if base == Base::Error {
                    base = a.ty.base.clone();
                } else if !compatible(&base, &a.ty.base) {
                    expect_base(
                        c,
                        a,
                        &base.clone(),
                        &format!("every argument of `{}`", signature(func)),
                    );
                    return None;
                } else if a.ty.base == Base::Decimal {
                    base = Base::Decimal;
                }
            }
            Some(base)
        }
    }
}
