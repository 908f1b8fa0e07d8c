//! Literals and names in expressions: bare names are fields or segments of the
//! target, `event.`, `member.` and `group.` read a record's field, and a name that
//! is not there is reported with the names that are.

use chrono::TimeZone;

use super::context::Context;
use super::types::{Base, Record, TExpr, TExprKind, Type, Value, typed};
use super::{Checker, Program, RecordSchema};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast::{Literal, Scope, TargetKind};

/// A literal as a constant (`now` and `today` as what they read).
pub(super) fn literal(p: &Program, lit: &Literal, span: Span) -> TExpr {
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

/// A bare name: a field of the target, else one of its segments.
pub(super) fn name_ref(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    name: &str,
    span: Span,
) -> TExpr {
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

/// `event.f`, `member.f` or `group.f`, where that record is available.
pub(super) fn qualified(
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
