//! Pass 4: rules — one trigger, targets, conditions, rewards, limits and caps.

use std::collections::HashMap;

use super::context::Context;
use super::expr::{infer_bool, infer_value};
use super::rewards::check_reward;
use super::schedule::check_schedule;
use super::{Checker, LimitSpec, Program, Reward, RewardKind, Rule, ScheduleSpec, Trigger};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::money::Fen;
use crate::source::Span;
use crate::syntax::ast::{self, Clause, Item, Spanned, TargetKind, Window};

/// Checks every rule (the first of duplicates) into `p.rules`.
pub(super) fn check_rules(c: &mut Checker<'_>, p: &mut Program, items: &[Item]) {
    for item in items {
        let Item::Rule(r) = item else { continue };
        if c.rule_names.get(&r.node.name.node) != Some(&r.node.name.span) {
            continue;
        }
        if let Some(rule) = check_rule(c, p, &r.node, r.span) {
            p.rules.push(rule);
        }
    }
    check_renames(c, items);
}

/// A former name hands a rule the ledger's history under that name, so it must
/// belong to one rule only and must not be a rule's current name.
fn check_renames(c: &mut Checker<'_>, items: &[Item]) {
    let mut claimed: HashMap<String, Span> = HashMap::new();
    for item in items {
        let Item::Rule(r) = item else { continue };
        for clause in &r.node.clauses {
            let Clause::RenamedFrom(names) = &clause.node else {
                continue;
            };
            for n in names {
                let (message, related) = if n.node == r.node.name.node {
                    (
                        format!("rule `{}` is renamed from its own name", n.node),
                        None,
                    )
                } else if let Some(current) = c.rule_names.get(&n.node) {
                    (
                        format!(
                            "`{}` is still a rule: its grants cannot also be `{}`'s",
                            n.node, r.node.name.node
                        ),
                        Some((*current, "declared here")),
                    )
                } else if let Some(first) = claimed.insert(n.node.clone(), n.span) {
                    (
                        format!("two rules are renamed from `{}`", n.node),
                        Some((first, "also claimed here")),
                    )
                } else {
                    continue;
                };
                let mut d = Diagnostic::new(Code::Duplicate, n.span, message)
                    .label("a former name must belong to one rule")
                    .help("list under `renamed from` only names that no rule has now, each in one rule");
                if let Some((span, label)) = related {
                    d = d.related(span, label);
                }
                c.report(d);
            }
        }
    }
}

/// The clauses of one rule, sorted by kind, with single-valued ones deduplicated.
#[derive(Default)]
struct Clauses<'a> {
    trigger: Option<&'a Spanned<Clause>>,
    during: Option<&'a Spanned<Clause>>,
    for_group: Option<&'a Spanned<Clause>>,
    when: Option<&'a Spanned<Clause>>,
    give: Option<&'a Spanned<Clause>>,
    priority: Option<&'a Spanned<Clause>>,
    exclusive: Option<&'a Spanned<Clause>>,
    order_by: Option<&'a Spanned<Clause>>,
    renamed: Option<&'a Spanned<Clause>>,
    limits: Vec<&'a Spanned<Clause>>,
    caps: Vec<&'a Spanned<Clause>>,
}

fn clause_keyword(c: &Clause) -> &'static str {
    match c {
        Clause::On { .. } | Clause::Schedule(_) => "trigger",
        Clause::During { .. } => "during",
        Clause::ForGroup(_) => "for group in",
        Clause::When(_) => "when",
        Clause::Give(_) => "give",
        Clause::Limit(_) => "limit",
        Clause::Cap { .. } => "cap",
        Clause::Priority(_) => "priority",
        Clause::Exclusive { .. } => "exclusive",
        Clause::OrderBy { .. } => "order by",
        Clause::RenamedFrom(_) => "renamed from",
    }
}

fn sort_clauses<'a>(c: &mut Checker<'_>, clauses: &'a [Spanned<Clause>]) -> Clauses<'a> {
    let mut out = Clauses::default();
    for clause in clauses {
        let slot = match &clause.node {
            Clause::On { .. } | Clause::Schedule(_) => &mut out.trigger,
            Clause::During { .. } => &mut out.during,
            Clause::ForGroup(_) => &mut out.for_group,
            Clause::When(_) => &mut out.when,
            Clause::Give(_) => &mut out.give,
            Clause::Priority(_) => &mut out.priority,
            Clause::Exclusive { .. } => &mut out.exclusive,
            Clause::OrderBy { .. } => &mut out.order_by,
            Clause::RenamedFrom(_) => &mut out.renamed,
            Clause::Limit(_) => {
                out.limits.push(clause);
                continue;
            }
            Clause::Cap { .. } => {
                out.caps.push(clause);
                continue;
            }
        };
        if let Some(first) = slot {
            let kw = clause_keyword(&clause.node);
            let help = if kw == "trigger" {
                "a rule has one trigger; write a second rule for another".to_string()
            } else if kw == "when" {
                "combine the conditions with `and`".to_string()
            } else if kw == "give" {
                "give several rewards in one clause: `give A, B`".to_string()
            } else {
                format!("keep one `{kw}`")
            };
            c.report(
                Diagnostic::new(
                    Code::DuplicateClause,
                    clause.span,
                    format!("a rule takes one `{kw}`"),
                )
                .label("again here")
                .related(first.span, "first here")
                .help(help),
            );
        } else {
            *slot = Some(clause);
        }
    }
    out
}

fn check_rule(c: &mut Checker<'_>, p: &Program, r: &ast::RuleDecl, span: Span) -> Option<Rule> {
    let calendar_uses = c.calendar_uses.len();
    let cl = sort_clauses(c, &r.clauses);
    let head = Span {
        end: r.name.span.end,
        ..span
    };
    let missing = |c: &mut Checker<'_>, what: &str, help: &str| {
        c.report(
            Diagnostic::new(
                Code::MissingClause,
                head,
                format!("rule `{}` has no {what}", r.name.node),
            )
            .label(format!("no {what}"))
            .help(help.to_string()),
        );
    };
    if cl.trigger.is_none() {
        missing(
            c,
            "trigger",
            "add `on EVENT` or a schedule such as `every day at 20:00`",
        );
    }
    if cl.give.is_none() {
        missing(
            c,
            "`give`",
            "add what the rule grants, e.g. `give red_packet ¥2`",
        );
    }
    let (target, target_segment) = target(c, p, cl.for_group, cl.trigger);
    let during = match cl.during.map(|d| &d.node) {
        Some(Clause::During { range, .. }) => super::declarations::date_range(c, range, "during")
            .map(Some)
            .filter(|_| !c.days_unknown),
        _ => Some(None).filter(|_| !c.days_unknown),
    };
    let except_holidays = match cl.during.map(|d| &d.node) {
        Some(Clause::During {
            except_holidays: Some(at),
            ..
        }) => {
            super::schedule::calendar_covers(c, p, at.span, during);
            true
        }
        _ => false,
    };
    let checked = trigger(c, p, cl.trigger?, target, during);
    let mut cx = Context::of(target).with_event(checked.as_ref().and_then(|t| t.1));
    // An undeclared event is reported once; the rule's other clauses are still checked.
    cx.unknown_event = checked.is_none() && matches!(cl.trigger?.node, Clause::On { .. });
    let when = cl.when.and_then(|w| match &w.node {
        Clause::When(e) => Some(infer_bool(c, p, &cx, e, "the `when` condition")),
        _ => None,
    });
    // The rewards are computed only for targets the `when` lets through.
    let given = when.as_ref().map_or_else(|| cx.clone(), |w| cx.assuming(w));
    let give = match &cl.give?.node {
        Clause::Give(rewards) => rewards
            .iter()
            .map(|g| check_reward(c, p, &given, g, 0))
            .collect(),
        _ => Vec::new(),
    };
    if target == TargetKind::Member
        && let Some(g) = cl.give
    {
        beyond_channel(c, p, g.span, &give);
    }
    let limits = cl
        .limits
        .iter()
        .filter_map(|l| limit(c, l, target))
        .collect::<Vec<_>>();
    duplicate_windows(c, &cl.limits, |l| match &l.node {
        Clause::Limit(l) => Some((l.per_target.is_some(), l.window.unwrap_or(Window::Total))),
        _ => None,
    });
    let caps = cl
        .caps
        .iter()
        .filter_map(|cap| caps(c, cap))
        .collect::<Vec<_>>();
    duplicate_windows(c, &cl.caps, |l| match &l.node {
        Clause::Cap { window, .. } => Some((false, *window)),
        _ => None,
    });
    let (trigger, _) = checked?;
    let order_by = cl.order_by.and_then(|o| order_by(c, p, &cx, o));
    // `workday(…)` / `holiday(…)` in this rule ask about its own days.
    let asked: Vec<Span> = c.calendar_uses.drain(calendar_uses..).collect();
    if let Some(&first) = asked.first() {
        super::schedule::calendar_covers(c, p, first, during);
    }
    let asks_calendar = !asked.is_empty()
        || except_holidays
        || matches!(trigger, Trigger::Schedule(ScheduleSpec::Calendar(..)));
    Some(Rule {
        name: r.name.node.clone(),
        span: r.name.span,
        trigger,
        during: during.flatten(),
        except_holidays,
        target,
        target_segment,
        when,
        give,
        limits,
        caps,
        priority: match cl.priority.map(|x| &x.node) {
            Some(Clause::Priority(n)) => *n,
            _ => 0,
        },
        exclusive: match cl.exclusive.map(|x| &x.node) {
            Some(Clause::Exclusive { group, period }) => Some((group.node.clone(), *period)),
            _ => None,
        },
        order_by,
        asks_calendar,
        renamed_from: match cl.renamed.map(|x| &x.node) {
            Some(Clause::RenamedFrom(names)) => names.iter().map(|n| n.node.clone()).collect(),
            _ => Vec::new(),
        },
    })
}

fn target(
    c: &mut Checker<'_>,
    p: &Program,
    for_group: Option<&Spanned<Clause>>,
    trigger: Option<&Spanned<Clause>>,
) -> (TargetKind, Option<usize>) {
    let Some(Spanned {
        node: Clause::ForGroup(seg),
        span,
    }) = for_group
    else {
        return (TargetKind::Member, None);
    };
    if let Some(t) = trigger
        && matches!(t.node, Clause::On { .. })
    {
        c.report(
            Diagnostic::new(
                Code::WrongTarget,
                *span,
                "an event rule grants to the member who caused the event",
            )
            .label("groups cannot be targeted here")
            .related(t.span, "triggered by an event")
            .help("use a schedule (`every day at 20:00`) for group rules"),
        );
    }
    let Some(&i) = c.segment_index.get(&seg.node) else {
        let groups = p
            .segments
            .iter()
            .filter(|s| s.target == TargetKind::Group)
            .map(|s| s.name.as_str());
        let help = did_you_mean(&seg.node, groups)
            .unwrap_or_else(|| format!("declare it: `segment {} of group = …`", seg.node));
        c.report(
            Diagnostic::new(
                Code::UnknownName,
                seg.span,
                format!("unknown segment `{}`", seg.node),
            )
            .label("not a declared segment")
            .help(help),
        );
        return (TargetKind::Group, None);
    };
    c.used_segments.insert(i);
    if p.segments[i].target != TargetKind::Group {
        c.report(
            Diagnostic::new(
                Code::WrongTarget,
                seg.span,
                format!("`{}` is a segment of members", seg.node),
            )
            .label("not a group segment")
            .related(p.segments[i].span, "declared here")
            .help(format!(
                "declare it `segment {} of group = …`, or drop `for group in` to target members",
                seg.node
            )),
        );
    }
    (TargetKind::Group, Some(i))
}

/// `during` is the rule's days (`Some(None)` when it has no `during`), or `None`
/// when a date of `active` or `during` is not a calendar date or a range is reversed:
/// that is reported, and when the rule fires is then left unsaid.
fn trigger(
    c: &mut Checker<'_>,
    p: &Program,
    t: &Spanned<Clause>,
    target: TargetKind,
    during: Option<Option<(chrono::NaiveDate, chrono::NaiveDate)>>,
) -> Option<(Trigger, Option<usize>)> {
    match &t.node {
        Clause::On { event, filter } => {
            let Some(&i) = c.event_index.get(&event.node) else {
                let help = did_you_mean(&event.node, c.event_index.keys().map(String::as_str))
                    .unwrap_or_else(|| format!("declare it: `event {} {{ … }}`", event.node));
                c.report(
                    Diagnostic::new(
                        Code::UnknownName,
                        event.span,
                        format!("unknown event `{}`", event.node),
                    )
                    .label("not a declared event")
                    .help(help),
                );
                if let Some(f) = filter {
                    let mut cx = Context::of(target);
                    cx.unknown_event = true;
                    infer_bool(c, p, &cx, f, "the `where` filter");
                }
                return None;
            };
            c.used_events.insert(i);
            let cx = Context::of(target).with_event(Some(i));
            let filter = filter
                .as_ref()
                .map(|f| infer_bool(c, p, &cx, f, "the `where` filter"));
            if let Some(during) = during {
                never_active(c, p, t.span, during);
            }
            Some((Trigger::Event { event: i, filter }, Some(i)))
        }
        Clause::Schedule(s) => {
            let spec = check_schedule(c, p, s, t.span, during)?;
            Some((Trigger::Schedule(spec), None))
        }
        _ => None,
    }
}

/// A firing whose red packets alone break `per_member_daily` is refused every time.
fn beyond_channel(c: &mut Checker<'_>, p: &Program, at: Span, give: &[Reward]) {
    let channel = p.settings.channel;
    let (count, least) = give
        .iter()
        .map(least_packets)
        .fold((0u64, crate::money::FenSum::ZERO), |(n, sum), (k, v)| {
            (n.saturating_add(k), sum.plus(v))
        });
    let broken = match (channel.count, channel.amount) {
        (Some(most), _) if count > most => Some(format!(
            "each firing gives at least {count} red packets, more than `per_member_daily {most} red_packets`"
        )),
        (_, Some(most)) if least > crate::money::FenSum::from(most) => Some(format!(
            "each firing gives at least {least} in red packets, more than `per_member_daily {most}`"
        )),
        _ => None,
    };
    if let Some(message) = broken {
        c.report(
            Diagnostic::new(Code::BeyondChannelLimit, at, message)
                .label("refused for every member, every time")
                .help("give less per firing, or raise `per_member_daily` if your payout channel allows more"),
        );
    }
}

/// The fewest red packets a reward can give a member, and the least money in them:
/// a lottery or tier that may give nothing gives none.
fn least_packets(r: &Reward) -> (u64, Fen) {
    if let RewardKind::RedPacket {
        bounds,
        split: None,
        ..
    } = &r.kind
    {
        return (1, bounds.0);
    }
    match r.outcomes() {
        Some((outcomes, false)) => outcomes
            .into_iter()
            .map(least_packets)
            .reduce(|(n, v), (k, w)| (n.min(k), v.min(w)))
            .unwrap_or((0, Fen::ZERO)),
        _ => (0, Fen::ZERO),
    }
}

/// An event rule whose `during` misses `active` entirely can never fire.
fn never_active(
    c: &mut Checker<'_>,
    p: &Program,
    span: Span,
    during: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
) {
    if let (Some((a0, a1)), Some((d0, d1))) = (p.settings.active, during)
        && (d1 < a0 || d0 > a1)
    {
        c.report(
            Diagnostic::new(
                Code::ScheduleNeverFires,
                span,
                format!("`during {d0} .. {d1}` lies outside `active {a0} .. {a1}`"),
            )
            .label("never fires")
            .help("move `during` inside the active period"),
        );
    }
}

fn limit(c: &mut Checker<'_>, clause: &Spanned<Clause>, target: TargetKind) -> Option<LimitSpec> {
    let Clause::Limit(l) = &clause.node else {
        return None;
    };
    if l.count.node == 0 {
        c.report(
            Diagnostic::new(
                Code::InvalidLimit,
                l.count.span,
                "a limit of 0 means the rule never grants",
            )
            .label("zero")
            .help("remove the rule, or allow at least one firing"),
        );
        return None;
    }
    if let Some(per) = &l.per_target
        && per.node != target
    {
        c.report(
            Diagnostic::new(
                Code::InvalidLimit,
                per.span,
                format!(
                    "this rule targets {}s, not {}s",
                    target.keyword(),
                    per.node.keyword()
                ),
            )
            .label("wrong target")
            .help(format!("write `per {}`", target.keyword())),
        );
        return None;
    }
    Some(LimitSpec {
        count: l.count.node,
        per_target: l.per_target.is_some(),
        window: l.window.unwrap_or(Window::Total),
    })
}

fn caps(c: &mut Checker<'_>, clause: &Spanned<Clause>) -> Option<(Window, Fen)> {
    let Clause::Cap { amount, window } = &clause.node else {
        return None;
    };
    if amount.node <= Fen::ZERO {
        c.report(
            Diagnostic::new(
                Code::InvalidLimit,
                amount.span,
                "a cap of ¥0 allows nothing",
            )
            .label("zero")
            .help("give a cap above ¥0"),
        );
        return None;
    }
    Some((*window, amount.node))
}

fn duplicate_windows(
    c: &mut Checker<'_>,
    clauses: &[&Spanned<Clause>],
    key: impl Fn(&Spanned<Clause>) -> Option<(bool, Window)>,
) {
    let mut seen: Vec<((bool, Window), Span)> = Vec::new();
    for cl in clauses {
        let Some(k) = key(cl) else { continue };
        if let Some((_, first)) = seen.iter().find(|(x, _)| *x == k) {
            c.report(
                Diagnostic::new(
                    Code::DuplicateClause,
                    cl.span,
                    "this window is limited twice",
                )
                .label("again here")
                .related(*first, "first here")
                .help("keep the stricter one"),
            );
        } else {
            seen.push((k, cl.span));
        }
    }
}

fn order_by(
    c: &mut Checker<'_>,
    p: &Program,
    cx: &Context,
    o: &Spanned<Clause>,
) -> Option<(super::types::TExpr, bool)> {
    let Clause::OrderBy {
        key, descending, ..
    } = &o.node
    else {
        return None;
    };
    let t = infer_value(c, p, cx, key);
    if !t.ty.base.is_ordered() {
        c.report(
            Diagnostic::new(
                Code::TypeMismatch,
                key.span,
                format!("cannot order by {}", t.ty),
            )
            .label("not orderable")
            .help("order by a number, money, time, date or text"),
        );
        return None;
    }
    Some((t, *descending))
}

/// Whether a schedule repeats (everything but a one-shot `at`).
pub(super) fn is_recurring(trigger: &Trigger) -> bool {
    !matches!(trigger, Trigger::Schedule(ScheduleSpec::Once(_)))
}
