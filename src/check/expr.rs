//! Typing expressions: name resolution, operator typing, null safety with narrowing.

use chrono::TimeZone;

use super::bounds::{check_call_bounds, money_bounds};
use super::types::{Base, Builtin, Record, TExpr, TExprKind, Type, Value, arithmetic};
use super::{Checker, Program, RecordSchema};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::money::{Fen, Rate};
use crate::source::Span;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Literal, Scope, Spanned, TargetKind, UnaryOp};

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

fn typed(kind: TExprKind, ty: Type, span: Span) -> TExpr {
    TExpr { kind, ty, span }
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

fn literal(p: &Program, lit: &Literal, span: Span) -> TExpr {
    let (value, base) = match lit {
        Literal::Int(i) => (Value::Int(*i), Base::Int),
        Literal::Decimal(d) => (Value::Decimal(*d), Base::Decimal),
        Literal::Money(m) => (Value::Money(*m), Base::Money),
        Literal::Percent(r) => (Value::Percent(*r), Base::Percent),
        Literal::Duration(d) => (Value::Duration(d.seconds), Base::Duration),
        Literal::Date(d) => (Value::Date(*d), Base::Date),
        Literal::DateTime(dt) => {
            let tz = p.settings.timezone;
            let secs = tz
                .from_local_datetime(dt)
                .earliest()
                .map_or(dt.and_utc().timestamp(), |t| t.timestamp());
            (Value::Time(secs), Base::Time)
        }
        Literal::Time(t) => (Value::TimeOfDay(*t), Base::TimeOfDay),
        Literal::Text(s) => (Value::Text(s.clone()), Base::Text),
        Literal::Bool(b) => (Value::Bool(*b), Base::Bool),
        Literal::Now => return typed(TExprKind::Now, Type::required(Base::Time), span),
        Literal::Today => return typed(TExprKind::Today, Type::required(Base::Date), span),
    };
    typed(TExprKind::Const(value), Type::required(base), span)
}

fn schema_of(p: &Program, record: Record, event: Option<usize>) -> Option<&RecordSchema> {
    match record {
        Record::Member => Some(&p.member),
        Record::Group => p.group.as_ref(),
        Record::Event => event.and_then(|e| p.events.get(e)),
    }
}

fn field(cx: &Context, schema: &RecordSchema, record: Record, index: usize, span: Span) -> TExpr {
    let mut ty = schema.fields[index].ty.clone();
    if cx.narrowed.contains(&(record, index)) {
        ty.optional = false;
    }
    typed(TExprKind::Field { record, index }, ty, span)
}

fn record_of(target: TargetKind) -> Record {
    match target {
        TargetKind::Member => Record::Member,
        TargetKind::Group => Record::Group,
    }
}

fn name_ref(c: &mut Checker<'_>, p: &Program, cx: &Context, name: &str, span: Span) -> TExpr {
    let Some(target) = cx.target else {
        c.report(
            Diagnostic::new(
                Code::NotConstant,
                span,
                format!("`{name}` is not a constant"),
            )
            .label("a name here")
            .help(
                "only literal values are allowed here, e.g. `¥10`, `\"淘宝\"`, `2026-04-18 10:00`",
            ),
        );
        return TExpr::error(span);
    };
    let record = record_of(target);
    if let Some(schema) = schema_of(p, record, None)
        && let Some(i) = schema.index(name)
    {
        return field(cx, schema, record, i, span);
    }
    if let Some(&i) = c.segment_index.get(name) {
        let seg = &p.segments[i];
        c.used_segments.insert(i);
        if seg.target != target {
            c.report(
                Diagnostic::new(
                    Code::WrongTarget,
                    span,
                    format!(
                        "`{name}` is a segment of {}s, but this is about {}s",
                        seg.target.keyword(),
                        target.keyword()
                    ),
                )
                .label(format!("a {} segment", seg.target.keyword()))
                .related(seg.span, "declared here")
                .help(if seg.target == TargetKind::Group {
                    "use it in a rule with `for group in …`".to_string()
                } else {
                    "group rules can only use segments declared `of group`".to_string()
                }),
            );
            return TExpr::error(span);
        }
        return typed(TExprKind::Segment(i), Type::required(Base::Bool), span);
    }
    unknown_name(c, p, cx, target, name, span);
    TExpr::error(span)
}

fn unknown_name(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    target: TargetKind,
    name: &str,
    span: Span,
) {
    let mut candidates: Vec<String> = Vec::new();
    if let Some(schema) = schema_of(p, record_of(target), None) {
        candidates.extend(schema.fields.iter().map(|f| f.name.clone()));
    }
    candidates.extend(
        p.segments
            .iter()
            .filter(|s| s.target == target)
            .map(|s| s.name.clone()),
    );
    let event_field = cx
        .event
        .and_then(|e| p.events.get(e))
        .filter(|e| e.index(name).is_some())
        .map(|_| format!("the event's field is written `event.{name}`"));
    let help = event_field
        .or_else(|| did_you_mean(name, candidates.iter().map(String::as_str)))
        .unwrap_or_else(|| {
            format!(
                "declare it as a field of `{}` or as a segment",
                target.keyword()
            )
        });
    c.report(
        Diagnostic::new(Code::UnknownName, span, format!("unknown name `{name}`"))
            .label(format!("not a {} field or segment", target.keyword()))
            .help(help),
    );
}

fn qualified(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    scope: Scope,
    name: &str,
    span: Span,
) -> TExpr {
    let record = match scope {
        Scope::Event => Record::Event,
        Scope::Member => Record::Member,
        Scope::Group => Record::Group,
    };
    let available = match record {
        Record::Event => cx.event.is_some(),
        Record::Member => cx.target == Some(TargetKind::Member),
        Record::Group => cx.target == Some(TargetKind::Group),
    };
    if !available && record == Record::Event && cx.unknown_event {
        return TExpr::error(span);
    }
    if !available {
        let (code, help) = if record == Record::Event {
            (
                Code::NoEventHere,
                "`event.` is only available in rules triggered `on` an event",
            )
        } else {
            (
                Code::WrongTarget,
                "member rules see `member.`, group rules (`for group in …`) see `group.`",
            )
        };
        c.report(
            Diagnostic::new(
                code,
                span,
                format!("there is no `{}` here", scope.keyword()),
            )
            .label(format!("`{}.` not available", scope.keyword()))
            .help(help),
        );
        return TExpr::error(span);
    }
    let Some(schema) = schema_of(p, record, cx.event) else {
        return TExpr::error(span);
    };
    if let Some(i) = schema.index(name) {
        return field(cx, schema, record, i, span);
    }
    let what = if record == Record::Event {
        format!("event `{}`", schema.name)
    } else {
        scope.keyword().to_string()
    };
    let help =
        did_you_mean(name, schema.fields.iter().map(|f| f.name.as_str())).unwrap_or_else(|| {
            format!(
                "{what} has: {}",
                schema
                    .fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    c.report(
        Diagnostic::new(
            Code::UnknownName,
            span,
            format!("{what} has no field `{name}`"),
        )
        .label("unknown field")
        .help(help),
    );
    TExpr::error(span)
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

/// Facts `exists f` establishes when `e` is true (`negated`: when it is false).
fn facts(e: &TExpr, negated: bool, out: &mut Vec<(Record, usize)>) {
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
fn nonzero_facts(e: &TExpr, negated: bool, out: &mut Vec<(Record, usize)>) {
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
                    ((*record, *index), flipped(*op), lhs.constant())
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

/// `c OP f` as `f OP' c`.
fn flipped(op: BinaryOp) -> BinaryOp {
    match op {
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::Le => BinaryOp::Ge,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::Ge => BinaryOp::Le,
        other => other,
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

/// `E0207`: a division whose divisor can be zero for some row: a field not guarded
/// by a condition that excludes zero, or an expression whose static bounds include
/// zero. One member's zero would otherwise refuse that member's firing at run time.
fn unguarded_division(c: &mut Checker<'_>, cx: &Context, r: &TExpr, step: Span) {
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

/// `E0205`: one step `left OP r` of arithmetic (`span`: the whole step) that fails
/// on every row — a divisor that is a constant zero, or constant operands whose
/// result does not fit. Constants are folded with the runtime's own arithmetic, so
/// the check and a run agree exactly. Returns the step's constant value, if any.
fn constant_fails(
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
fn folded(e: &TExpr, p: &Program) -> Option<Value> {
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
    let Some(func) = Builtin::by_name(name) else {
        let help = did_you_mean(name, Builtin::ALL.iter().map(|(n, _)| *n)).unwrap_or_else(|| {
            "the built-ins are days_since, month, weekday, min, max, clamp and len".into()
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
