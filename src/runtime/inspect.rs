//! Looking into a playbook over data: how big every segment is, and why each rule
//! does or does not fire for one member.

use std::collections::{BTreeSet, HashSet};

use super::book::Book;
use super::engine::{Engine, RunError};
use super::eval::{Env, EvalError, Segments, holds};
use super::grant::Cause;
use super::plan::expr_reading;
use super::time::{format_instant, instant_local};
use super::timeline::{RuleSchedule, allowed_at};
use super::value::{Row, V, show};
use crate::check::model::{SegmentDef, Trigger};
use crate::check::types::{Record, TExpr, TExprKind};
use crate::data::{BadValue, DataSource, Table};
use crate::source::SourceMap;
use crate::syntax::ast::{BinaryOp, TargetKind};

/// The size of one segment at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentSize {
    /// Segment name.
    pub name: String,
    /// Members or groups.
    pub target: TargetKind,
    /// How many are in it.
    pub size: u64,
    /// How many were evaluated.
    pub of: u64,
}

/// Counts every segment at `at`: one scan of members, one of groups.
pub fn segment_sizes(
    engine: &Engine<'_>,
    data: &mut dyn DataSource,
    at: i64,
    skip_bad_rows: bool,
) -> Result<(Vec<SegmentSize>, Vec<BadValue>), RunError> {
    let program = engine.program;
    let mut segs = engine.segments();
    engine.rank_tops(data, at, &mut segs)?;
    let mut sizes: Vec<SegmentSize> = program
        .segments
        .iter()
        .map(|s| SegmentSize {
            name: s.name.clone(),
            target: s.target,
            size: 0,
            of: 0,
        })
        .collect();
    let base = Env::at(at, program.settings.timezone);
    for kind in [TargetKind::Member, TargetKind::Group] {
        let wanted: Vec<usize> = (0..sizes.len())
            .filter(|&i| sizes[i].target == kind)
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let mut failure = None;
        let table = if kind == TargetKind::Member {
            Table::Members
        } else {
            Table::Groups
        };
        data.scan(table, &engine.all_fields(kind), &mut |row| {
            segs.reset();
            let env = match kind {
                TargetKind::Member => Env {
                    member: Some(row),
                    ..base
                },
                TargetKind::Group => Env {
                    group: Some(row),
                    ..base
                },
            };
            for &i in &wanted {
                sizes[i].of += 1;
                match segs.contains(i, &env) {
                    Ok(true) => sizes[i].size += 1,
                    Ok(false) => {}
                    Err(e) => {
                        failure = Some(RunError::Eval {
                            rule: format!("segment {}", program.segments[i].name),
                            target: format!("{} {}", kind.keyword(), row.id),
                            error: e.to_string(),
                        });
                        return false;
                    }
                }
            }
            true
        })?;
        if let Some(f) = failure {
            return Err(f);
        }
    }
    let problems = data.take_problems();
    if !problems.is_empty() && !skip_bad_rows {
        return Err(RunError::BadData(problems));
    }
    Ok((sizes, problems))
}

/// The sizes as a table for people, headed `segments at AT`.
pub fn segments_text(sizes: &[SegmentSize], at: &str) -> String {
    use unicode_width::UnicodeWidthStr;
    let w = sizes.iter().map(|s| s.name.width()).max().unwrap_or(0);
    let mut out = format!("segments at {at}\n");
    for s in sizes {
        let pct = if s.of == 0 {
            0.0
        } else {
            100.0 * s.size as f64 / s.of as f64
        };
        let pad = " ".repeat(w.saturating_sub(s.name.width()));
        out.push_str(&format!(
            "  {}{pad}  {:>10} of {:>10} {}s  ({pct:.1}%)\n",
            s.name,
            s.size,
            s.of,
            s.target.keyword()
        ));
    }
    out
}

/// Whether one rule fires for the member, and if not, what stopped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleExplanation {
    /// Rule name.
    pub rule: String,
    /// Whether it would grant.
    pub fires: bool,
    /// One line: what it gives, or the first thing that stopped it.
    pub verdict: String,
    /// The values that decided it, as `name = value`.
    pub seen: Vec<String>,
}

impl RuleExplanation {
    /// For people: `✓ RULE: verdict` or `✗ RULE: verdict`, then the values seen,
    /// indented; ends with a newline.
    pub fn text(&self) -> String {
        let mark = if self.fires { "✓" } else { "✗" };
        let mut out = format!("{mark} {}: {}\n", self.rule, self.verdict);
        for line in &self.seen {
            out.push_str(&format!("    {line}\n"));
        }
        out
    }
}

/// Explains every rule for member `id` at `at`. Event rules are judged on the
/// member's latest event of their kind up to `at`; schedules as if they ticked at
/// `at`. `book` holds what the ledger already granted.
pub fn explain_member(
    engine: &Engine<'_>,
    sources: &SourceMap,
    data: &mut dyn DataSource,
    book: &Book,
    id: &str,
    at: i64,
) -> Result<Option<Vec<RuleExplanation>>, RunError> {
    let program = engine.program;
    let all = (0..program.member.fields.len()).collect::<Vec<_>>();
    let Some(member) = data.lookup(Table::Members, id, &all)? else {
        let problems = data.take_problems();
        if problems.is_empty() {
            return Ok(None);
        }
        return Err(RunError::BadData(problems));
    };
    let mut segs = engine.segments();
    if engine.plan.has_top {
        engine.rank_tops(data, at, &mut segs)?;
    }
    let events = if program.events.is_empty() {
        Vec::new()
    } else {
        data.events(i64::MIN, at)?.events
    };
    let cx = Explainer {
        engine,
        sources,
        member: &member,
        at,
        event_kind: None,
    };
    let mut out = Vec::new();
    for (r, rule) in program.rules.iter().enumerate() {
        let latest = match rule.trigger {
            Trigger::Event { event, .. } => events.iter().rev().find(|e| {
                e.kind == event
                    && matches!(e.row.vals.get(1), Some(super::value::Val::Text(m)) if m == id)
            }),
            Trigger::Schedule(_) => None,
        };
        segs.reset();
        let cx = Explainer {
            event_kind: match rule.trigger {
                Trigger::Event { event, .. } => Some(event),
                Trigger::Schedule(_) => None,
            },
            ..cx
        };
        // As a run refuses the firing, the explanation says why it cannot fire.
        let explanation = match cx.rule(r, latest.map(|e| &e.row), book, &mut segs) {
            Ok(explanation) => explanation,
            Err(e) => cx.stopped(r, format!("refused (error): {e}"), Vec::new()),
        };
        out.push(explanation);
    }
    Ok(Some(out))
}

#[derive(Clone, Copy)]
struct Explainer<'a, 'p> {
    engine: &'a Engine<'p>,
    sources: &'a SourceMap,
    member: &'a Row,
    at: i64,
    /// The event kind of the rule being explained.
    event_kind: Option<usize>,
}

impl Explainer<'_, '_> {
    fn text(&self, e: &TExpr) -> String {
        let text = self.sources.get(e.span.file).slice(e.span);
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn stopped(&self, rule: usize, verdict: String, seen: Vec<String>) -> RuleExplanation {
        RuleExplanation {
            rule: self.engine.program.rules[rule].name.clone(),
            fires: false,
            verdict,
            seen,
        }
    }

    fn rule(
        &self,
        r: usize,
        event: Option<&Row>,
        book: &Book,
        segs: &mut Segments<'_>,
    ) -> Result<RuleExplanation, EvalError> {
        let program = self.engine.program;
        let rule = &program.rules[r];
        let tz = program.settings.timezone;
        if rule.target == TargetKind::Group {
            return Ok(self.stopped(r, "targets groups, not members".into(), vec![]));
        }
        let now = match (&rule.trigger, event) {
            (Trigger::Event { event: kind, .. }, None) => {
                let name = &program.events[*kind].name;
                return Ok(self.stopped(
                    r,
                    format!(
                        "no `{name}` event by this member up to {}",
                        format_instant(tz, self.at)
                    ),
                    vec![],
                ));
            }
            (Trigger::Event { .. }, Some(e)) => match e.vals.get(2) {
                Some(super::value::Val::Time(t)) => *t,
                _ => self.at,
            },
            (Trigger::Schedule(_), _) => self.at,
        };
        if !allowed_at(program, rule, now) {
            return Ok(self.stopped(
                r,
                format!(
                    "{} is outside the days the rule is active (`active` / `during`)",
                    instant_local(tz, now).date()
                ),
                vec![],
            ));
        }
        let mut seen = Vec::new();
        if let Trigger::Schedule(_) = rule.trigger {
            let ticks_now = RuleSchedule::new(program, rule)
                .is_none_or(|s| s.ticks(tz, self.at - 1, self.at).next().is_some());
            if !ticks_now {
                seen.push(format!(
                    "(the schedule does not tick at {}; judged as if it did)",
                    format_instant(tz, self.at)
                ));
            }
        } else if let Some(e) = event {
            seen.push(format!("event {} at {}", e.id, format_instant(tz, now)));
        }
        let env = Env {
            member: Some(self.member),
            event,
            ..Env::at(now, tz)
        };
        if let Trigger::Event {
            filter: Some(f), ..
        } = &rule.trigger
            && let Some((part, values)) = self.first_false(f, &env, segs)?
        {
            seen.extend(values);
            return Ok(self.stopped(r, format!("the event does not match `where {part}`"), seen));
        }
        if let Some(w) = &rule.when
            && let Some((part, values)) = self.first_false(w, &env, segs)?
        {
            seen.extend(values);
            return Ok(self.stopped(r, format!("`{part}` is false"), seen));
        }
        self.rewards(r, &env, segs, book, seen)
    }

    fn rewards(
        &self,
        r: usize,
        env: &Env<'_>,
        segs: &mut Segments<'_>,
        book: &Book,
        seen: Vec<String>,
    ) -> Result<RuleExplanation, EvalError> {
        let program = self.engine.program;
        // The same cause as the run's, so draws and splits agree with `run`.
        let cause = match env.event {
            Some(e) => Cause::Event {
                id: std::sync::Arc::from(e.id.as_str()),
                at: env.now,
            },
            None => Cause::Tick { at: env.now },
        };
        let at = super::engine::handed_out_at(&program.settings, &cause);
        let grants =
            self.engine
                .preview(r, env, segs, TargetKind::Member, &self.member.id, &cause)?;
        if grants.is_empty() {
            return Ok(self.stopped(
                r,
                "no reward applies (no tier arm matches, or the draw gave nothing)".into(),
                seen,
            ));
        }
        let names = grants
            .iter()
            .map(|g| format!("{} ({})", g.reward, g.value))
            .collect::<Vec<_>>()
            .join(", ");
        let Some(cost) = crate::money::FenSum::of(grants.iter().map(|g| g.value)).to_fen() else {
            return Ok(self.stopped(
                r,
                format!(
                    "refused (error): arithmetic overflow: the rewards together cost more than {}; it would give {names}",
                    crate::money::Fen(i64::MAX)
                ),
                seen,
            ));
        };
        if let Some((reason, message)) =
            book.check(r, TargetKind::Member, &self.member.id, at, cost)
        {
            return Ok(self.stopped(
                r,
                format!(
                    "refused ({}): {message}; it would give {names}",
                    reason.as_str()
                ),
                seen,
            ));
        }
        Ok(RuleExplanation {
            rule: program.rules[r].name.clone(),
            fires: true,
            verdict: format!("fires: gives {names}"),
            seen,
        })
    }

    /// The first part of an `and` chain that is false (the whole expression when it
    /// is not a chain), with the values it read.
    fn first_false(
        &self,
        e: &TExpr,
        env: &Env<'_>,
        segs: &mut Segments<'_>,
    ) -> Result<Option<(String, Vec<String>)>, EvalError> {
        match first_false_part(e, env, segs)? {
            Some(part) => Ok(Some((self.text(part), self.values(part, env, segs)?))),
            None => Ok(None),
        }
    }

    /// `name = value` for every field and segment an expression reads. A segment
    /// that is false is followed by what decided it, indented, and then by the
    /// segments that used in turn, each explained once (a later mention says "see
    /// above"): a chain of segments reads as a list, not a staircase, and a segment
    /// used twice is not explained twice.
    fn values(
        &self,
        e: &TExpr,
        env: &Env<'_>,
        segs: &mut Segments<'_>,
    ) -> Result<Vec<String>, EvalError> {
        let program = self.engine.program;
        let mut out = Vec::new();
        let mut seen_lines = HashSet::new();
        let mut explained = HashSet::new();
        let mut pending = Vec::new();
        references(e, &mut pending);
        pending.reverse();
        while let Some(r) = pending.pop() {
            let Ref::Segment(i) = r else {
                if let Some(line) = self.value_line(r, env)
                    && seen_lines.insert(line.clone())
                {
                    out.push(line);
                }
                continue;
            };
            let seg = &program.segments[i];
            let inside = segs.contains(i, env)?;
            if !explained.insert(i) {
                out.push(format!("{} = {inside} (see above)", seg.name));
                continue;
            }
            out.push(format!("{} = {inside}", seg.name));
            let SegmentDef::Expr(def) = &seg.def else {
                continue;
            };
            let Some(part) = first_false_part(def, env, segs)?.filter(|_| !inside) else {
                continue;
            };
            out.push(format!("  because `{}` is false", self.text(part)));
            let mut inner = Vec::new();
            references(part, &mut inner);
            let mut block = Vec::new();
            let mut then = Vec::new();
            for r in inner {
                match r {
                    Ref::Segment(j) if explained.contains(&j) => {
                        let used = &program.segments[j];
                        let line =
                            format!("  {} = {} (see above)", used.name, segs.contains(j, env)?);
                        if !block.contains(&line) {
                            block.push(line);
                        }
                    }
                    Ref::Segment(j) => {
                        if !then.contains(&j) {
                            then.push(j);
                        }
                    }
                    r => {
                        if let Some(line) = self.value_line(r, env).map(|l| format!("  {l}"))
                            && !block.contains(&line)
                        {
                            block.push(line);
                        }
                    }
                }
            }
            out.extend(block);
            pending.extend(then.into_iter().rev().map(Ref::Segment));
        }
        Ok(out)
    }

    /// `name = value` for a field or `now`; `None` for a segment.
    fn value_line(&self, r: Ref, env: &Env<'_>) -> Option<String> {
        let program = self.engine.program;
        let tz = program.settings.timezone;
        match r {
            Ref::Field(record, index) => {
                let (row, schema, prefix) = match (record, self.event_kind) {
                    (Record::Member, _) => (env.member, &program.member, ""),
                    (Record::Event, Some(kind)) => (env.event, &program.events[kind], "event."),
                    _ => return None,
                };
                let name = schema.fields.get(index).map_or("", |f| f.name.as_str());
                let value = row
                    .and_then(|r| r.vals.get(index))
                    .map_or(V::Null, |v| v.view());
                Some(format!("{prefix}{name} = {}", show(value, tz)))
            }
            Ref::Now => Some(format!("now = {}", show(V::Time(env.now), tz))),
            Ref::Segment(_) => None,
        }
    }
}

/// The first part of an `and` chain that is false (the whole expression when it is
/// not a chain).
fn first_false_part<'e>(
    e: &'e TExpr,
    env: &Env<'_>,
    segs: &mut Segments<'_>,
) -> Result<Option<&'e TExpr>, EvalError> {
    let mut parts = Vec::new();
    conjuncts(e, &mut parts);
    for part in parts {
        let (mut m, mut g) = (BTreeSet::new(), BTreeSet::new());
        let node = expr_reading(part, &mut m, &mut g);
        if !holds(&node, env, segs)? {
            return Ok(Some(part));
        }
    }
    Ok(None)
}

#[derive(Clone, Copy)]
enum Ref {
    Field(Record, usize),
    Segment(usize),
    Now,
}

fn conjuncts<'e>(e: &'e TExpr, out: &mut Vec<&'e TExpr>) {
    match &e.kind {
        TExprKind::Chain { .. } if e.chain_op() == Some(BinaryOp::And) => {
            for part in e.operands_of(BinaryOp::And) {
                conjuncts(part, out);
            }
        }
        _ => out.push(e),
    }
}

fn references(e: &TExpr, out: &mut Vec<Ref>) {
    match &e.kind {
        TExprKind::Field { record, index } => out.push(Ref::Field(*record, *index)),
        TExprKind::Segment(i) => out.push(Ref::Segment(*i)),
        TExprKind::Now | TExprKind::Today => out.push(Ref::Now),
        _ => e.children().into_iter().for_each(|x| references(x, out)),
    }
}
