//! Predicate pushdown: from the rules ticking at one instant, a [`RowFilter`] that
//! holds for every row any of them could fire for, so the data source can leave the
//! others out unread (see [`crate::data::filter`]).
//!
//! Every translation errs towards keeping a row. For a condition the filter gives
//! two over-approximations: rows where it *may be true* and rows where it *may be
//! false* (what `not` needs); anything not translated is "maybe" both ways. A rule
//! whose conditions could fail to evaluate for some row (arithmetic on fields may
//! overflow or divide by zero) pushes nothing: skipping a row must never hide an
//! error.

use std::cell::Cell;

use chrono::Datelike;

use crate::check::types::{Base, Record, Type};
use crate::compile::Compiled;
use crate::compile::plan::{Node, RewardPlan, RewardPlanKind, SegmentPlan};
use crate::data::filter::{FilterOp, RowFilter, Stored};
use crate::interpret::eval::{Env, eval};
use crate::syntax::ast::{BinaryOp, TargetKind};
use crate::value::Val;

/// The filter for a scan of `kind`'s table that serves `rules` at `now`: true for
/// every row for which some rule may fire. [`RowFilter::True`] when nothing can be
/// left out.
pub(crate) fn scan_filter(
    engine: &Compiled,
    kind: TargetKind,
    rules: &[usize],
    now: i64,
) -> RowFilter {
    let rules = rules_filter(engine, kind, rules, Some(now));
    if rules.is_true() {
        // Not worth a filter (and the plain check of every row it costs in SQL).
        return rules;
    }
    // A target that joined after `now` is no target yet (see `Compiled::existed`).
    let joined = match kind {
        TargetKind::Member => engine.plan.member_joined,
        TargetKind::Group => engine.plan.group_joined,
    };
    let existed = joined.map_or(RowFilter::True, |j| {
        RowFilter::any([
            RowFilter::Absent(j),
            RowFilter::Compare {
                field: j,
                op: FilterOp::Le,
                value: Stored::Time(now),
            },
        ])
    });
    RowFilter::all([existed, rules])
}

/// Rows of `kind`'s table for which some of `rules` may fire at `now` — or, when
/// `now` is `None`, at any instant (events of a window: each is served at its
/// own), so nothing reading the clock is translated. No `joined` condition.
pub(crate) fn rules_filter(
    engine: &Compiled,
    kind: TargetKind,
    rules: &[usize],
    now: Option<i64>,
) -> RowFilter {
    let program = &engine.program;
    let schema = match kind {
        TargetKind::Member => &program.member,
        TargetKind::Group => match &program.group {
            Some(g) => g,
            None => return RowFilter::True,
        },
    };
    let cx = Translate {
        engine,
        record: match kind {
            TargetKind::Member => Record::Member,
            TargetKind::Group => Record::Group,
        },
        types: schema.fields.iter().map(|f| &f.ty).collect(),
        env: Env::at(now.unwrap_or(0), program.settings.timezone),
        clock: now.is_some(),
        inlined: Cell::new(0),
    };
    RowFilter::any(rules.iter().map(|&r| cx.rule(r)))
}

/// Most segment definitions one scan filter looks into. Segments using a segment
/// twice (`segment b = a or a`, `segment c = b or b`, …) would otherwise double the
/// work at every link; past this, a segment is taken as "may hold, may fail", which
/// only pushes less down.
const MAX_INLINED_SEGMENTS: usize = 4_096;

struct Translate<'e, 'p> {
    engine: &'e Compiled,
    record: Record,
    types: Vec<&'p Type>,
    env: Env<'static>,
    /// Whether `env`'s instant is the one evaluated (else `now` is unknown).
    clock: bool,
    /// Segment definitions looked into so far.
    inlined: Cell<usize>,
}

impl Translate<'_, '_> {
    /// Whether one more segment definition may be looked into (and counts it).
    fn inline(&self) -> bool {
        self.inlined.set(self.inlined.get() + 1);
        self.inlined.get() <= MAX_INLINED_SEGMENTS
    }

    /// Rows the rule may fire for: in its segment, its `when` may hold, and its
    /// rewards may resolve to something.
    fn rule(&self, r: usize) -> RowFilter {
        let segment = self.engine.program.rules[r].target_segment;
        let plan = &self.engine.plan.rules[r];
        let mut checked: Vec<&Node> = plan.when.iter().collect();
        let segment_node = segment.map(Node::Segment);
        checked.extend(segment_node.as_ref());
        for reward in &plan.give {
            reward_conditions(reward, &mut checked);
        }
        if !checked.iter().all(|n| self.cannot_fail(n)) {
            return RowFilter::True;
        }
        let gives = RowFilter::any(plan.give.iter().map(|g| self.gives(g)));
        RowFilter::all([
            segment_node.map_or(RowFilter::True, |n| self.maybe(&n, true)),
            plan.when
                .as_ref()
                .map_or(RowFilter::True, |w| self.maybe(w, true)),
            gives,
        ])
    }

    /// Rows for which a reward may resolve to a grant.
    fn gives(&self, reward: &RewardPlan) -> RowFilter {
        match &reward.kind {
            RewardPlanKind::Tier {
                arms,
                otherwise: None,
            } => RowFilter::any(
                arms.iter()
                    .map(|(cond, r)| RowFilter::all([self.maybe(cond, true), self.gives(r)])),
            ),
            _ => RowFilter::True,
        }
    }

    /// Rows for which `node` may evaluate to `want` (a bool).
    fn maybe(&self, node: &Node, want: bool) -> RowFilter {
        if let Some(v) = self.constant(node) {
            return filter_of(matches!(v, Val::Bool(true)) == want);
        }
        match node {
            Node::Not(x) => self.maybe(x, !want),
            Node::And(parts) if want => RowFilter::all(parts.iter().map(|p| self.maybe(p, true))),
            Node::And(parts) => RowFilter::any(parts.iter().map(|p| self.maybe(p, false))),
            Node::Or(parts) if want => RowFilter::any(parts.iter().map(|p| self.maybe(p, true))),
            Node::Or(parts) => RowFilter::all(parts.iter().map(|p| self.maybe(p, false))),
            Node::Segment(i) => match &self.engine.plan.segments[*i] {
                SegmentPlan::Expr(e) if self.inline() => self.maybe(e, want),
                _ => RowFilter::True,
            },
            Node::Exists(x) => match self.field(x) {
                Some(f) if want => RowFilter::Present(f),
                Some(f) => RowFilter::Absent(f),
                None => RowFilter::True,
            },
            Node::Field(..) => match self.field(node) {
                Some(f) if self.types[f].base == Base::Bool => {
                    self.compare(f, BinaryOp::Eq, &Val::Bool(true), want)
                }
                _ => RowFilter::True,
            },
            Node::CompareField {
                op,
                record,
                index,
                value,
            } if *record == self.record => self.compare(*index, *op, value, want),
            Node::Compare(op, a, b) => {
                let (field, op, other) = match (self.field(a), self.field(b)) {
                    (Some(f), None) => (f, *op, &**b),
                    (None, Some(f)) => (f, op.flipped(), &**a),
                    _ => return RowFilter::True,
                };
                match self.constant(other) {
                    Some(v) => self.compare(field, op, &v, want),
                    None => RowFilter::True,
                }
            }
            Node::In {
                elem,
                within,
                negated,
            } => {
                let (Some(f), Node::List(items)) = (self.field(elem), &**within) else {
                    return RowFilter::True;
                };
                let values: Option<Vec<Val>> = items.iter().map(|i| self.constant(i)).collect();
                let Some(values) = values else {
                    return RowFilter::True;
                };
                // `x in [a, b]` is `x == a or x == b`; a missing x is in nothing.
                let inside = want != *negated;
                let parts = values
                    .iter()
                    .map(|v| self.compare(f, BinaryOp::Eq, v, inside));
                if inside {
                    RowFilter::any(parts)
                } else {
                    RowFilter::any([RowFilter::Absent(f), RowFilter::all(parts)])
                }
            }
            _ => RowFilter::True,
        }
    }

    /// Rows for which `field OP value` may be `want`. A comparison with a missing
    /// value is false.
    fn compare(&self, field: usize, op: BinaryOp, value: &Val, want: bool) -> RowFilter {
        let Some(op) = filter_op(op) else {
            return RowFilter::True;
        };
        let op = if want { op } else { op.negated() };
        let holds = self.stored_compare(field, op, value);
        if want {
            holds
        } else {
            RowFilter::any([RowFilter::Absent(field), holds])
        }
    }

    /// Rows whose stored value may satisfy `field OP value`.
    fn stored_compare(&self, field: usize, op: FilterOp, value: &Val) -> RowFilter {
        let cmp = |op, value| RowFilter::Compare { field, op, value };
        let exact = match (&self.types[field].base, value) {
            (Base::Int, Val::Int(i)) => Stored::Int(*i),
            (Base::Money, Val::Money(m)) => Stored::Int(m.0),
            (Base::Bool, Val::Bool(b)) => Stored::Int(i64::from(*b)),
            (Base::Text, Val::Text(t)) => Stored::Text(t.clone()),
            (Base::Date, Val::Date(d)) if (0..=9999).contains(&d.year()) => {
                Stored::Text(d.format("%Y-%m-%d").to_string())
            }
            (Base::Time, Val::Time(t)) => Stored::Time(*t),
            _ => return RowFilter::True,
        };
        cmp(op, exact)
    }

    /// The schema index of a field of the scanned record.
    fn field(&self, node: &Node) -> Option<usize> {
        match node {
            Node::Field(record, index) if *record == self.record => Some(*index),
            _ => None,
        }
    }

    /// The value of a node that reads no row (`now - 30d`), the same for every row
    /// of the tick; `None` when it reads one or cannot be computed.
    fn constant(&self, node: &Node) -> Option<Val> {
        if !row_free(node) || (!self.clock && reads_clock(node)) {
            return None;
        }
        let mut segs = self.engine.segments();
        eval(node, &self.env, &mut segs).ok().map(|v| v.to_val())
    }

    /// Whether evaluating `node` can never fail, for any row.
    fn cannot_fail(&self, node: &Node) -> bool {
        // A list is only ever read item by item, by `in`.
        if row_free(node) && !matches!(node, Node::List(_)) {
            return self.constant(node).is_some();
        }
        let all = |nodes: &[Node]| nodes.iter().all(|n| self.cannot_fail(n));
        match node {
            Node::Const(_) | Node::Now | Node::Today | Node::Field(..) => true,
            Node::CompareField { .. } => true,
            Node::Segment(i) => match &self.engine.plan.segments[*i] {
                SegmentPlan::Expr(e) => self.inline() && self.cannot_fail(e),
                SegmentPlan::Top { .. } => true,
            },
            Node::Exists(x) | Node::Not(x) => self.cannot_fail(x),
            Node::And(xs)
            | Node::Or(xs)
            | Node::Coalesce(xs)
            | Node::List(xs)
            | Node::Call(_, xs) => all(xs),
            Node::Compare(_, a, b) => self.cannot_fail(a) && self.cannot_fail(b),
            Node::In { elem, within, .. } => self.cannot_fail(elem) && self.cannot_fail(within),
            // Overflow, division by zero; a sum of history that overflows; a day
            // of a year the calendar has no data for.
            Node::Neg(_) | Node::Arith(..) | Node::History(_) | Node::OnCalendar(..) => false,
        }
    }
}

/// The conditions a reward evaluates before it is known to resolve to a grant.
fn reward_conditions<'a>(reward: &'a RewardPlan, out: &mut Vec<&'a Node>) {
    match &reward.kind {
        RewardPlanKind::Tier { arms, otherwise } => {
            for (cond, r) in arms {
                out.push(cond);
                reward_conditions(r, out);
            }
            if let Some(r) = otherwise {
                reward_conditions(r, out);
            }
        }
        RewardPlanKind::TierBy {
            subject,
            arms,
            otherwise,
        } => {
            out.push(subject);
            for (_, _, r) in arms {
                reward_conditions(r, out);
            }
            if let Some(r) = otherwise {
                reward_conditions(r, out);
            }
        }
        RewardPlanKind::Lottery { arms, rest } => {
            for (_, r) in arms {
                reward_conditions(r, out);
            }
            if let Some(r) = rest {
                reward_conditions(r, out);
            }
        }
        RewardPlanKind::Experiment { arms, .. } => {
            for (_, _, r) in arms {
                reward_conditions(r, out);
            }
        }
        // Amounts are computed only for a firing, whose row the filter keeps.
        RewardPlanKind::Coupon(_)
        | RewardPlanKind::RedPacket { .. }
        | RewardPlanKind::Points(_)
        | RewardPlanKind::Gift { .. } => {}
    }
}

/// Whether a node reads nothing of the row (fields, segments, history).
pub(crate) fn row_free(node: &Node) -> bool {
    match node {
        Node::Const(_) | Node::Now | Node::Today => true,
        Node::Field(..) | Node::Segment(_) | Node::CompareField { .. } | Node::History(_) => false,
        Node::Exists(x) | Node::Not(x) | Node::Neg(x) | Node::OnCalendar(_, x, _) => row_free(x),
        Node::And(xs) | Node::Or(xs) | Node::Coalesce(xs) | Node::List(xs) | Node::Call(_, xs) => {
            xs.iter().all(row_free)
        }
        Node::Compare(_, a, b) => row_free(a) && row_free(b),
        Node::Arith(first, rest) => row_free(first) && rest.iter().all(|(_, x)| row_free(x)),
        Node::In { elem, within, .. } => row_free(elem) && row_free(within),
    }
}

/// Whether a node reads `now` or `today`.
pub(crate) fn reads_clock(node: &Node) -> bool {
    match node {
        Node::Now | Node::Today => true,
        Node::Const(_) | Node::Field(..) | Node::Segment(_) | Node::CompareField { .. } => false,
        Node::History(_) => true,
        Node::Exists(x) | Node::Not(x) | Node::Neg(x) | Node::OnCalendar(_, x, _) => reads_clock(x),
        Node::And(xs) | Node::Or(xs) | Node::Coalesce(xs) | Node::List(xs) | Node::Call(_, xs) => {
            xs.iter().any(reads_clock)
        }
        Node::Compare(_, a, b) => reads_clock(a) || reads_clock(b),
        Node::Arith(first, rest) => reads_clock(first) || rest.iter().any(|(_, x)| reads_clock(x)),
        Node::In { elem, within, .. } => reads_clock(elem) || reads_clock(within),
    }
}

fn filter_of(b: bool) -> RowFilter {
    if b { RowFilter::True } else { RowFilter::False }
}

fn filter_op(op: BinaryOp) -> Option<FilterOp> {
    Some(match op {
        BinaryOp::Eq => FilterOp::Eq,
        BinaryOp::Ne => FilterOp::Ne,
        BinaryOp::Lt => FilterOp::Lt,
        BinaryOp::Le => FilterOp::Le,
        BinaryOp::Gt => FilterOp::Gt,
        BinaryOp::Ge => FilterOp::Ge,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile;
    use crate::time::parse_instant;

    const PLAYBOOK: &str = r#"
playbook "p" { seed "s" }
member { level: int, orders: int, spend: money, joined_at: time, channel: text, vip: bool, age: int? }
segment 新人 = orders == 0 and joined_at >= now - 30d
rule 新人礼 { every day at 10:00  when 新人 and not vip  give coupon ¥1 }
rule 渠道 { every day at 10:00  when channel in ["淘宝", "it's"] and level >= 2  give coupon ¥2 }
rule 算术 { every day at 12:00  when exists age and age * 9223372036854775807 > 1  give coupon ¥3 }
rule 全部 { every day at 14:00  give tier { spend >= ¥10 -> coupon ¥4  else -> coupon ¥1 } }
"#;

    fn filter_sql(rules: &[usize]) -> String {
        let checked = crate::check::check_text("p.playbook", PLAYBOOK);
        let program = checked.program.expect("the playbook checks");
        let engine = compile(program.clone());
        let now = parse_instant("2026-05-01 10:00", program.settings.timezone).unwrap();
        let filter = scan_filter(&engine, TargetKind::Member, rules, now);
        let names: Vec<String> = program
            .member
            .fields
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let mut sql = String::new();
        filter.sql(&names, &mut sql);
        sql
    }

    #[test]
    fn conditions_become_sql_widened_for_times() {
        assert_eq!(
            filter_sql(&[0, 1]),
            "((+orders = 0 AND +joined_at COLLATE BINARY >= '2026-03-31 00:00:00' \
             AND (+vip IS NULL OR +vip <> 1)) OR ((+channel COLLATE BINARY = '淘宝' \
             OR +channel COLLATE BINARY = 'it''s') AND +level >= 2))"
        );
    }

    #[test]
    fn nothing_is_pushed_when_a_condition_may_fail_or_every_row_fires() {
        assert_eq!(filter_sql(&[2]), "1", "a product may overflow");
        assert_eq!(filter_sql(&[3]), "1", "a tier with `else` always gives");
        assert_eq!(filter_sql(&[0, 2]), "1", "one rule needing every row");
    }
}
