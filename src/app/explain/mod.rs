//! Looking into a playbook over data: how big every segment is, and why each rule
//! does or does not fire for one member.

mod days;
mod replay;
mod request;
mod segments;

pub use replay::MemberDecisions;
pub use request::{ExplainError, ExplainRequest, explain, segments};
pub use segments::{SegmentSize, segment_sizes, segment_sizes_of, segments_read, segments_text};

use std::collections::{BTreeSet, HashSet};

use crate::check::model::{Reward, RewardKind, SegmentDef, Trigger};
use crate::check::types::{Record, TExpr, TExprKind};
use crate::compile::Compiled;
use crate::compile::history::Source;
use crate::compile::plan::expr_reading;
use crate::compile::timeline::{RuleSchedule, allowed_at};
use crate::data::EventRecord;
use crate::data::{DataSource, Table};
use crate::interpret::engine::RunError;
use crate::interpret::eval::{Env, Segments, eval, holds};
use crate::interpret::grant::Cause;
use crate::interpret::history::MemberHistory;
use crate::interpret::usage::{GrantRecord, Usage};
use crate::source::SourceMap;
use crate::syntax::ast::{BinaryOp, TargetKind};
use crate::time::{format_instant, instant_local};
use crate::value::arith::{EvalError, compare_holds};
use crate::value::{Row, V, show};

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
/// `at`. `usage` holds what the ledger already granted.
pub fn explain_member(
    engine: &Compiled,
    sources: &SourceMap,
    data: &mut dyn DataSource,
    usage: &Usage,
    id: &str,
    at: i64,
) -> Result<Option<Vec<RuleExplanation>>, RunError> {
    explain_target(engine, sources, data, usage, TargetKind::Member, id, at)
}

/// As [`explain_member`], for a member or a group: a group is judged by the rules
/// that target groups (`for group in SEGMENT`), on their schedules.
pub fn explain_target(
    engine: &Compiled,
    sources: &SourceMap,
    data: &mut dyn DataSource,
    usage: &Usage,
    kind: TargetKind,
    id: &str,
    at: i64,
) -> Result<Option<Vec<RuleExplanation>>, RunError> {
    explain_target_in(engine, sources, data, usage, (kind, id), (i64::MIN, at))
}

/// As [`explain_target`] at `at`, with event rules judged on the target's latest
/// event in `after < at' <= at` only (no event before `after` is read): for a caller
/// that knows which instant made the difference.
pub fn explain_target_in(
    engine: &Compiled,
    sources: &SourceMap,
    data: &mut dyn DataSource,
    usage: &Usage,
    (kind, id): (TargetKind, &str),
    (after, at): (i64, i64),
) -> Result<Option<Vec<RuleExplanation>>, RunError> {
    let program = &engine.program;
    let (table, width) = match kind {
        TargetKind::Member => (Table::Members, program.member.fields.len()),
        TargetKind::Group => match &program.group {
            Some(g) => (Table::Groups, g.fields.len()),
            None => return Ok(None),
        },
    };
    let all = (0..width).collect::<Vec<_>>();
    let Some(member) = data.lookup(table, id, &all)? else {
        let problems = data.take_problems();
        if problems.is_empty() {
            return Ok(None);
        }
        return Err(RunError::BadData(problems));
    };
    let events = if program.events.is_empty() {
        Vec::new()
    } else {
        data.events(after, at)?.records().collect()
    };
    // Every event up to `at` makes the histories, whatever window the rules are
    // judged on: as a tick at `at` sees them.
    let past: Vec<EventRecord> = match (engine.histories.is_empty(), after) {
        (true, _) => Vec::new(),
        (false, i64::MIN) => events.clone(),
        (false, _) => data.events(i64::MIN, at)?.records().collect(),
    };
    // The member's own events up to `at`, to show which ones an aggregate counted.
    let mine: Vec<EventRecord> = past
        .iter()
        .filter(|e| event_member_is(e, id))
        .cloned()
        .collect();
    // Everyone's history only when a `top N` ranking may read it.
    let ranked = if engine.plan.has_top { &past } else { &mine };
    let at_tick = crate::interpret::engine::histories_from(engine, ranked)?;
    let mut segs = engine.segments();
    segs.histories = Some(&at_tick);
    segs.granted = usage.granted();
    if engine.plan.has_top {
        engine.rank_tops(data, at, &mut segs)?;
    }
    let mut tops = std::collections::HashMap::new();
    for (i, segment) in program.segments.iter().enumerate() {
        if segment.target == kind
            && matches!(segment.def, SegmentDef::Top { .. })
            && let Some(rank) = engine.rank_of(data, at, i, id, &mut segs)?
        {
            tops.insert(i, rank);
        }
    }
    let cx = Explainer {
        history: (!engine.histories.is_empty())
            .then(|| at_tick.of(id).with_granted(usage.granted(), id)),
        engine,
        sources,
        kind,
        member: &member,
        at,
        event_kind: None,
        tops: &tops,
        mine: &mine,
    };
    let mut out = Vec::new();
    for (r, rule) in program.rules.iter().enumerate() {
        let latest = match rule.trigger {
            Trigger::Event { event, .. } => events
                .iter()
                .rev()
                .find(|e| e.kind == event && event_member_is(e, id)),
            Trigger::Schedule(_) => None,
        };
        segs.reset();
        let grants = seen_grants(engine, usage.granted().and_then(|l| l.get(id)), r, at);
        // An event's own firing does not see it (nor what came after it).
        let before_event = match latest {
            Some(l) if !engine.histories.is_empty() => {
                Some(crate::interpret::engine::histories_from(
                    engine,
                    past.iter().filter(|e| {
                        event_member_is(e, id) && (e.at, &e.row.id) < (l.at, &l.row.id)
                    }),
                )?)
            }
            _ => None,
        };
        let cx = Explainer {
            event_kind: match rule.trigger {
                Trigger::Event { event, .. } => Some(event),
                Trigger::Schedule(_) => None,
            },
            history: before_event
                .as_ref()
                .map(|h| h.of(id))
                .or(cx.history)
                .map(|h| h.with_grants(&grants)),
            mine: match latest {
                Some(l) => &mine[..mine.partition_point(|e| (e.at, &e.row.id) < (l.at, &l.row.id))],
                None => &mine,
            },
            ..cx
        };
        let joined_later = match rule.trigger {
            Trigger::Schedule(_) => engine.joined_after(kind, &member, at),
            Trigger::Event { .. } => None,
        };
        if let Some(joined) = joined_later {
            let when = crate::time::format_instant(program.settings.timezone, joined);
            let what = match kind {
                TargetKind::Member => "not a member yet at this instant: joined",
                TargetKind::Group => "no such group yet at this instant: created",
            };
            let why = format!("{what} {when}");
            out.push(cx.stopped(r, why, Vec::new()));
            continue;
        }
        // As a run refuses the firing, the explanation says why it cannot fire.
        let explanation = match cx.rule(r, latest.map(|e| &e.row), usage, &mut segs) {
            Ok(explanation) => explanation,
            Err(e) => cx.stopped(r, format!("refused (error): {e}"), Vec::new()),
        };
        out.push(explanation);
    }
    Ok(Some(out))
}

/// The member's grants (`log`, in decision order) as rule `r` saw them when
/// decided at `at`: the earlier ones, and at `at` those decided before it. The
/// events of an instant are served before its ticks, and each cause's rules go by
/// priority, then file order; a rule that granted at `at` saw what came before its
/// own grant. (Two events of the member at `at` are not told apart.)
fn seen_grants(
    engine: &Compiled,
    log: Option<&Vec<GrantRecord>>,
    r: usize,
    at: i64,
) -> Vec<GrantRecord> {
    let log = log.map_or(&[][..], Vec::as_slice);
    let upto = log.partition_point(|g| g.at < at);
    if let Some(own) = log[upto..]
        .iter()
        .position(|g| g.at == at && g.rule == Some(r as u32))
    {
        return log[..upto + own].to_vec();
    }
    let rules = &engine.program.rules;
    let order = |i: usize| {
        let ticks = matches!(rules[i].trigger, Trigger::Schedule(_));
        (ticks, std::cmp::Reverse(rules[i].priority), i)
    };
    let mut seen = log[..upto].to_vec();
    seen.extend(
        log[upto..]
            .iter()
            .filter(|g| g.at == at && g.rule.is_none_or(|x| order(x as usize) < order(r))),
    );
    seen
}

/// Whether `e` is an event of member `id`.
fn event_member_is(e: &EventRecord, id: &str) -> bool {
    matches!(e.row.vals.get(1), Some(crate::value::Val::Text(m)) if m == id)
}

#[derive(Clone, Copy)]
struct Explainer<'a> {
    engine: &'a Compiled,
    sources: &'a SourceMap,
    /// Whether `member` is a member or a group.
    kind: TargetKind,
    /// The target explained (a member or a group).
    member: &'a Row,
    at: i64,
    /// The event kind of the rule being explained.
    event_kind: Option<usize>,
    /// The target's place in each `top N` segment of its kind.
    tops: &'a std::collections::HashMap<usize, crate::interpret::engine::TopRank>,
    /// The member's history as the rule being explained sees it.
    history: Option<MemberHistory<'a>>,
    /// The member's events in that history, in time order.
    mine: &'a [EventRecord],
}

impl Explainer<'_> {
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
        usage: &Usage,
        segs: &mut Segments<'_>,
    ) -> Result<RuleExplanation, EvalError> {
        let program = &self.engine.program;
        let rule = &program.rules[r];
        let tz = program.settings.timezone;
        if rule.target != self.kind {
            let why = match rule.target {
                TargetKind::Group => "targets groups, not members",
                TargetKind::Member => "targets members, not groups",
            };
            return Ok(self.stopped(r, why.into(), vec![]));
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
                Some(crate::value::Val::Time(t)) => *t,
                _ => self.at,
            },
            (Trigger::Schedule(_), _) => self.at,
        };
        if !allowed_at(program, rule, now) {
            let why = days::not_allowed(program, rule, instant_local(tz, now).date());
            return Ok(self.stopped(r, why, vec![]));
        }
        let mut seen = Vec::new();
        if let Trigger::Schedule(_) = rule.trigger {
            let ticks_now = RuleSchedule::new(program, rule)
                .is_none_or(|s| s.ticks(tz, self.at - 1, self.at).next().is_some());
            if !ticks_now {
                let why = days::no_tick(program, rule, instant_local(tz, self.at).date());
                seen.push(format!(
                    "(the schedule does not tick at {}{why}; judged as if it did)",
                    format_instant(tz, self.at)
                ));
            }
        } else if let Some(e) = event {
            seen.push(format!("event {} at {}", e.id, format_instant(tz, now)));
        }
        let env = match self.kind {
            TargetKind::Member => Env {
                member: Some(self.member),
                event,
                history: self.history,
                ..Env::at(now, tz)
            },
            TargetKind::Group => Env {
                group: Some(self.member),
                ..Env::at(now, tz)
            },
        };
        if let Some(s) = rule.target_segment
            && !segs.contains(s, &env)?
        {
            let segment = &program.segments[s];
            seen.push(format!("{} = false", segment.name));
            if let SegmentDef::Expr(def) = &segment.def
                && let Some((part, values)) = self.first_false(def, &env, segs)?
            {
                seen.push(format!("  because `{part}` is false"));
                seen.extend(values.into_iter().map(|v| format!("  {v}")));
            }
            return Ok(self.stopped(r, format!("not in `{}`", segment.name), seen));
        }
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
        self.rewards(r, &env, segs, usage, seen)
    }

    fn rewards(
        &self,
        r: usize,
        env: &Env<'_>,
        segs: &mut Segments<'_>,
        usage: &Usage,
        seen: Vec<String>,
    ) -> Result<RuleExplanation, EvalError> {
        let program = &self.engine.program;
        // The same cause as the run's, so draws and splits agree with `run`.
        let cause = match env.event {
            Some(e) => Cause::Event {
                id: std::sync::Arc::from(e.id.as_str()),
                at: env.now,
            },
            None => Cause::Tick { at: env.now },
        };
        let at = crate::interpret::engine::handed_out_at(&program.settings, &cause);
        let grants = self
            .engine
            .preview(r, env, segs, self.kind, &self.member.id, &cause)?;
        let mut seen = seen;
        for reward in &program.rules[r].give {
            self.tier_lines(reward, env, segs, &mut seen)?;
        }
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
        let packets = crate::interpret::usage::red_packets(self.kind, &grants);
        if let Some((reason, message)) =
            usage.check(r, self.kind, &self.member.id, at, cost, packets)
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

    /// `rank 3 of 40 by \`spend\`: the first 10 get in, place 10 has ¥2,000`.
    fn rank_line(&self, rank: &crate::interpret::engine::TopRank, by: &TExpr) -> String {
        let tz = self.engine.program.settings.timezone;
        let place = match rank.rank {
            Some(r) => format!("rank {r} of {} by `{}`", rank.ranked, self.text(by)),
            None => format!(
                "not ranked by `{}` (no value, or the `where` is false)",
                self.text(by)
            ),
        };
        let cutoff = match &rank.cutoff {
            Some(key) => format!(
                "the first {} get in, place {} has {}",
                rank.places,
                rank.places,
                show(key.view(), tz)
            ),
            None => format!(
                "all {} ranked get in (fewer than {})",
                rank.ranked, rank.places
            ),
        };
        format!("  {place}: {cutoff}")
    }

    /// For a tier among `reward`: which arm matched and why the arms above it did not
    /// (first match wins), through nested tiers.
    fn tier_lines(
        &self,
        reward: &Reward,
        env: &Env<'_>,
        segs: &mut Segments<'_>,
        out: &mut Vec<String>,
    ) -> Result<(), EvalError> {
        let tz = self.engine.program.settings.timezone;
        let (chosen, otherwise) = match &reward.kind {
            RewardKind::Tier { arms, otherwise } => {
                let mut chosen = None;
                for (condition, arm) in arms {
                    let arm_text = self.text(condition);
                    match first_false_part(condition, env, segs)? {
                        Some(part) => out.push(format!(
                            "tier arm `{arm_text}` does not match: `{}` is false",
                            self.text(part)
                        )),
                        None => {
                            out.push(format!("tier arm `{arm_text}` matches: {}", arm.label));
                            chosen = Some(arm);
                            break;
                        }
                    }
                }
                (chosen, otherwise)
            }
            RewardKind::TierBy {
                subject,
                arms,
                otherwise,
            } => {
                let (mut m, mut g) = (BTreeSet::new(), BTreeSet::new());
                let node = expr_reading(subject, &mut m, &mut g);
                let value = eval(&node, env, segs)?;
                out.push(format!("`{}` = {}", self.text(subject), show(value, tz)));
                let mut chosen = None;
                for (op, threshold, arm) in arms {
                    let limit = threshold.val();
                    let arm_text = format!("{} {}", op.symbol(), show(limit.view(), tz));
                    if compare_holds(*op, value, limit.view()) {
                        out.push(format!("tier arm `{arm_text}` matches: {}", arm.label));
                        chosen = Some(arm);
                        break;
                    }
                    out.push(format!("tier arm `{arm_text}` does not match"));
                }
                (chosen, otherwise)
            }
            _ => return Ok(()),
        };
        match (chosen, otherwise) {
            (Some(arm), _) => self.tier_lines(arm, env, segs, out),
            (None, Some(rest)) => {
                out.push(format!("no tier arm matches: else {}", rest.label));
                self.tier_lines(rest, env, segs, out)
            }
            (None, None) => {
                out.push("no tier arm matches and there is no `else`".to_string());
                Ok(())
            }
        }
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
        let program = &self.engine.program;
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
            if let (SegmentDef::Top { by, .. }, Some(rank)) = (&seg.def, self.tops.get(&i)) {
                out.push(self.rank_line(rank, by));
            }
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
        let program = &self.engine.program;
        let tz = program.settings.timezone;
        match r {
            Ref::Field(record, index) => {
                let (row, schema, prefix) = match (record, self.event_kind) {
                    (Record::Member, _) => (env.member, &program.member, ""),
                    (Record::Group, _) => match &program.group {
                        Some(g) => (env.group, g, ""),
                        None => return None,
                    },
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
            Ref::History(i, span) => Some(self.history_line(i, span, env)),
            Ref::Segment(_) => None,
        }
    }

    /// `count(order_paid within 30d) = 2 (e1 2026-04-20 09:00, e3 …)`: an
    /// aggregate's value and, over events, the events it counted.
    fn history_line(&self, i: usize, span: crate::source::Span, env: &Env<'_>) -> String {
        let tz = self.engine.program.settings.timezone;
        let written = self.text_of(span);
        let value = match env.history.map(|h| h.value(i, env.now)) {
            Some(Ok(v)) => show(v, tz),
            Some(Err(e)) => format!("cannot be computed: {e}"),
            None => "not known here".to_owned(),
        };
        let plan = &self.engine.histories[i];
        let Source::Events(kind) = plan.source else {
            return format!("{written} = {value}");
        };
        let from = plan.within.map(|w| env.now.saturating_sub(w));
        let mut segs = Segments::new(&[], Vec::new());
        let counted: Vec<String> = self
            .mine
            .iter()
            .filter(|e| e.kind == kind && from.is_none_or(|f| e.at >= f))
            .filter(|e| {
                let on = Env {
                    event: Some(&e.row),
                    ..Env::at(e.at, tz)
                };
                plan.filter
                    .as_ref()
                    .is_none_or(|f| matches!(holds(f, &on, &mut segs), Ok(true)))
            })
            .map(|e| format!("{} {}", e.row.id, show(V::Time(e.at), tz)))
            .collect();
        const SHOWN: usize = 5;
        let mut list = counted
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if counted.len() > SHOWN {
            list.push_str(&format!(", … {} in all", counted.len()));
        }
        if counted.is_empty() {
            format!("{written} = {value} (no event counted)")
        } else {
            format!("{written} = {value} (counted: {list})")
        }
    }

    fn text_of(&self, span: crate::source::Span) -> String {
        let text = self.sources.get(span.file).slice(span);
        text.split_whitespace().collect::<Vec<_>>().join(" ")
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
    /// An aggregate over the member's history, and where it is written.
    History(usize, crate::source::Span),
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
        TExprKind::History(i) => out.push(Ref::History(*i, e.span)),
        _ => e.children().into_iter().for_each(|x| references(x, out)),
    }
}
