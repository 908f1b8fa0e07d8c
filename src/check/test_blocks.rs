//! Pass 5: `test` blocks — records complete and well-typed, names that exist.

use std::collections::HashMap;

use super::context::Context;
use super::expr::infer;
use super::types::{Base, Type, Value};
use super::{
    Checker, Expectation, Program, RecordSchema, TestCase, TestEvent, TestLedgerEntry, TestRecord,
};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast::{FieldValue, Item, Spanned, TestDecl, TestItem};

/// Checks every test block and keeps it in the program.
pub(super) fn check_tests(c: &mut Checker<'_>, p: &mut Program, items: &[Item]) {
    for item in items {
        let Item::Test(t) = item else { continue };
        let case = check_test(c, p, &t.node, t.span);
        p.tests.push(case);
    }
}

fn check_test(c: &mut Checker<'_>, p: &Program, t: &TestDecl, span: Span) -> TestCase {
    let mut targets: HashMap<String, Span> = HashMap::new();
    let mut has_at = false;
    let tz = p.settings.timezone;
    let mut case = TestCase {
        name: t.name.node.clone(),
        span,
        at: 0,
        members: Vec::new(),
        groups: Vec::new(),
        events: Vec::new(),
        ledger: Vec::new(),
        expectations: Vec::new(),
    };
    for item in &t.items {
        match &item.node {
            TestItem::Member { id, fields } | TestItem::Group { id, fields } => {
                let is_group = matches!(item.node, TestItem::Group { .. });
                if let Some(first) = targets.get(&id.node) {
                    super::declarations::duplicate(c, "test record", &id.node, id.span, *first);
                }
                targets.insert(id.node.clone(), id.span);
                let schema = if is_group {
                    p.group.as_ref()
                } else {
                    Some(&p.member)
                };
                match schema {
                    Some(s) => {
                        let values = record(c, p, s, fields, id.span, &[]);
                        let rec = TestRecord {
                            id: id.node.clone(),
                            values,
                        };
                        if is_group {
                            case.groups.push(rec);
                        } else {
                            case.members.push(rec);
                        }
                    }
                    None => c.report(
                        Diagnostic::new(
                            Code::UnknownName,
                            item.span,
                            "this playbook declares no `group` schema",
                        )
                        .label("groups unknown")
                        .help("declare `group { … }` to test group rules"),
                    ),
                }
            }
            TestItem::Event {
                kind,
                by,
                fields,
                at,
            } => {
                known_target(c, &targets, by);
                match c.event_index.get(&kind.node) {
                    Some(&i) => {
                        let values = record(
                            c,
                            p,
                            &p.events[i],
                            fields,
                            kind.span,
                            &["id", "member_id", "at"],
                        );
                        case.events.push(TestEvent {
                            kind: i,
                            by: by.node.clone(),
                            at: crate::time::local_to_instant(tz, at.node),
                            values,
                        });
                    }
                    None => {
                        let help =
                            did_you_mean(&kind.node, c.event_index.keys().map(String::as_str))
                                .unwrap_or_else(|| "declare the event first".into());
                        c.report(
                            Diagnostic::new(
                                Code::UnknownName,
                                kind.span,
                                format!("unknown event `{}`", kind.node),
                            )
                            .label("not a declared event")
                            .help(help),
                        );
                    }
                }
            }
            TestItem::At(at) => {
                has_at = true;
                case.at = crate::time::local_to_instant(tz, *at);
            }
            TestItem::Ledger(entries) => {
                for e in entries {
                    known_target(c, &targets, &e.node.target);
                    known_rule(c, &e.node.rule);
                    known_reward(c, &e.node.reward);
                    case.ledger.push(TestLedgerEntry {
                        reward: e.node.reward.node.clone(),
                        target: e.node.target.node.clone(),
                        rule: e.node.rule.node.clone(),
                        at: crate::time::local_to_instant(tz, e.node.at.node),
                    });
                }
            }
            TestItem::ExpectGets {
                target,
                rewards,
                negated,
            } => {
                known_target(c, &targets, target);
                for r in rewards.iter().flatten() {
                    // `gets X`: a reward, or any grant of the rule X.
                    if !c.rule_names.contains_key(&r.node) {
                        known_reward(c, r);
                    }
                }
                let expectation = Expectation::Gets {
                    target: target.node.clone(),
                    negated: *negated,
                    rewards: rewards
                        .as_ref()
                        .map(|rs| rs.iter().map(|r| r.node.clone()).collect()),
                };
                case.expectations.push(Spanned::new(expectation, item.span));
            }
            TestItem::ExpectRefused {
                target,
                rule,
                reason,
            } => {
                known_target(c, &targets, target);
                known_rule(c, rule);
                let expectation = Expectation::Refused {
                    target: target.node.clone(),
                    rule: rule.node.clone(),
                    reason: reason.node.clone(),
                };
                case.expectations.push(Spanned::new(expectation, item.span));
            }
            TestItem::ExpectSpend(amount) => {
                case.expectations
                    .push(Spanned::new(Expectation::Spend(amount.node), item.span));
            }
        }
    }
    if !has_at {
        let head = Span {
            end: t.name.span.end,
            ..span
        };
        c.report(
            Diagnostic::new(
                Code::MissingClause,
                head,
                format!("test `{}` has no `at`", t.name.node),
            )
            .label("when is this evaluated?")
            .help("add the evaluation instant, e.g. `at 2026-04-20 10:00`"),
        );
    }
    case
}

/// Checks field values against a schema and that every required field is given.
fn record(
    c: &mut Checker<'_>,
    p: &Program,
    schema: &RecordSchema,
    fields: &[FieldValue],
    head: Span,
    implicit: &[&str],
) -> Vec<(usize, Value)> {
    let mut values = Vec::new();
    let mut given: HashMap<&str, Span> = HashMap::new();
    for f in fields {
        if let Some(first) = given.get(f.name.node.as_str()) {
            super::declarations::duplicate(c, "field value", &f.name.node, f.name.span, *first);
            continue;
        }
        given.insert(&f.name.node, f.name.span);
        let Some(i) = schema
            .index(&f.name.node)
            .filter(|_| !implicit.contains(&f.name.node.as_str()) && f.name.node != "id")
        else {
            let names = schema
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .filter(|n| !implicit.contains(n) && *n != "id");
            let help = did_you_mean(&f.name.node, names)
                .unwrap_or_else(|| "give only fields the schema declares".into());
            c.report(
                Diagnostic::new(
                    Code::UnknownName,
                    f.name.span,
                    format!("no field `{}` to set", f.name.node),
                )
                .label("not in the schema")
                .help(help),
            );
            continue;
        };
        if let Some(v) = value(c, p, &schema.fields[i].ty, f) {
            values.push((i, v));
        }
    }
    let missing: Vec<&str> = schema
        .fields
        .iter()
        .filter(|f| {
            !f.ty.optional
                && f.name != "id"
                && !implicit.contains(&f.name.as_str())
                && !given.contains_key(f.name.as_str())
        })
        .map(|f| f.name.as_str())
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        c.report(
            Diagnostic::new(
                Code::MissingField,
                head,
                format!(
                    "missing required field{} {list}",
                    if missing.len() > 1 { "s" } else { "" }
                ),
            )
            .label("incomplete record")
            .help("only optional fields (`type?`) may be left out; give the others a value"),
        );
    }
    values
}

fn value(c: &mut Checker<'_>, p: &Program, ty: &Type, f: &FieldValue) -> Option<Value> {
    let t = infer(c, p, &Context::default(), &f.value);
    if t.ty.is_error() {
        return None;
    }
    let Some(constant) = t.constant() else {
        c.report(
            Diagnostic::new(
                Code::NotConstant,
                f.value.span,
                "test values must be literals",
            )
            .label("computed")
            .help("write the value itself, e.g. `¥100` or `2026-04-18 10:00`"),
        );
        return None;
    };
    let fits = match (&ty.base, &t.ty.base) {
        (Base::TextSet, Base::List(e)) => matches!(**e, Base::Text | Base::Error),
        (Base::Decimal, Base::Int) => true,
        (a, b) => a == b,
    };
    if !fits {
        c.report(
            Diagnostic::new(
                Code::TypeMismatch,
                f.value.span,
                format!(
                    "`{}` is {}, but this value is {}",
                    f.name.node, ty.base, t.ty.base
                ),
            )
            .label(format!("this is {}", t.ty.base))
            .help(match ty.base {
                Base::Money => "write money with a yen sign, e.g. `¥100`".to_string(),
                Base::Time => "write a date and time, e.g. `2026-04-18 10:00`".to_string(),
                Base::TextSet => "write a list of text, e.g. `[\"价格敏感\"]`".to_string(),
                _ => format!("give a {} value", ty.base),
            }),
        );
        return None;
    }
    Some(match (&ty.base, constant) {
        (Base::Decimal, Value::Int(i)) => Value::Decimal(i.into()),
        (_, v) => v,
    })
}

fn known_target(c: &mut Checker<'_>, targets: &HashMap<String, Span>, id: &Spanned<String>) {
    if !targets.contains_key(&id.node) {
        let help = did_you_mean(&id.node, targets.keys().map(String::as_str))
            .unwrap_or_else(|| format!("declare it in the test: `member {} {{ … }}`", id.node));
        c.report(
            Diagnostic::new(
                Code::UnknownTestTarget,
                id.span,
                format!("`{}` is not a member or group of this test", id.node),
            )
            .label("not declared in this test")
            .help(help),
        );
    }
}

fn known_rule(c: &mut Checker<'_>, rule: &Spanned<String>) {
    if !c.rule_names.contains_key(&rule.node) {
        let help = did_you_mean(&rule.node, c.rule_names.keys().map(String::as_str))
            .unwrap_or_else(|| "name a rule of this playbook".into());
        c.report(
            Diagnostic::new(
                Code::UnknownTestTarget,
                rule.span,
                format!("unknown rule `{}`", rule.node),
            )
            .label("not a rule")
            .help(help),
        );
    }
}

fn known_reward(c: &mut Checker<'_>, reward: &Spanned<String>) {
    if !c.reward_decls.contains_key(&reward.node) {
        let help = did_you_mean(&reward.node, c.reward_decls.keys().map(String::as_str))
            .unwrap_or_else(|| "name a declared reward".into());
        c.report(
            Diagnostic::new(
                Code::UnknownName,
                reward.span,
                format!("unknown reward `{}`", reward.node),
            )
            .label("not a declared reward")
            .help(help),
        );
    }
}
