//! The compile stage: a checked program turned, once, into what the interpreter
//! runs — an evaluation plan with column slots ([`plan`]), the timeline of its
//! schedules ([`timeline`]), the rules listening to each event and how `top N`
//! segments are ranked. Every command that runs a program builds one [`Compiled`]
//! and passes it to everything that runs it.

pub mod history;
pub mod plan;
pub mod timeline;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use crate::check::Program;
use crate::check::model::Trigger;
use crate::syntax::ast::TargetKind;
use crate::value::{Row, Val};
use plan::{Node, Plan, SegmentPlan};
use timeline::Timeline;

/// A checked program compiled for running over data.
#[derive(Debug)]
pub struct Compiled {
    /// The checked program.
    pub program: Arc<Program>,
    /// Its evaluation plan.
    pub plan: Plan,
    /// When each rule ticks and may hand out rewards.
    pub timeline: Timeline,
    /// Rules listening to each event kind, in serving order.
    pub event_rules: Vec<Vec<usize>>,
    /// Per event kind, the member fields its rules read: what serving an event
    /// needs of its member's row.
    pub event_member_fields: Vec<Vec<usize>>,
    /// Whom each segment is of, by segment index.
    pub segment_targets: Vec<TargetKind>,
    /// Whether ranking `top` segments depends on the instant.
    pub tops_depend_on_now: bool,
    /// The aggregates over members' earlier events, compiled.
    pub histories: Vec<history::HistoryPlan>,
}

/// Compiles a checked program (owned, or shared with other holders).
pub fn compile(program: impl Into<Arc<Program>>) -> Compiled {
    let program: Arc<Program> = program.into();
    let plan = plan::plan(&program);
    let mut event_rules = vec![Vec::new(); program.events.len()];
    for (i, rule) in program.rules.iter().enumerate() {
        if let Trigger::Event { event, .. } = rule.trigger {
            event_rules[event].push(i);
        }
    }
    for rules in &mut event_rules {
        rules.sort_by_key(|&i| (std::cmp::Reverse(program.rules[i].priority), i));
    }
    // Who may take a place changes over time when a schema says when targets
    // joined, so the ranking is then made again at each instant.
    let joined = plan.member_joined.is_some() || plan.group_joined.is_some();
    let tops_depend_on_now = plan.segments.iter().any(|s| match s {
        SegmentPlan::Top { by, filter, .. } => {
            joined || uses_now(by, &plan) || filter.as_ref().is_some_and(|f| uses_now(f, &plan))
        }
        SegmentPlan::Expr(_) => false,
    });
    let event_member_fields = event_rules
        .iter()
        .map(|rules| {
            let fields: BTreeSet<usize> = rules
                .iter()
                .flat_map(|&r| plan.rule_member_fields[r].iter().copied())
                .collect();
            fields.into_iter().collect()
        })
        .collect();
    Compiled {
        timeline: Timeline::new(&program),
        event_rules,
        event_member_fields,
        segment_targets: program.segments.iter().map(|s| s.target).collect(),
        tops_depend_on_now,
        histories: program
            .histories
            .iter()
            .map(|h| history::HistoryPlan::new(h, &program))
            .collect(),
        plan,
        program,
    }
}

impl Compiled {
    /// The fields a run's scan of `kind` must decode: those its rules read.
    pub fn fields(&self, kind: TargetKind) -> Vec<usize> {
        match kind {
            TargetKind::Member => self.plan.member_fields.clone(),
            TargetKind::Group => self.plan.group_fields.clone(),
        }
    }

    /// Whether the target of `row` existed at `at`: the schema's `joined` field is
    /// not after it (a missing value, or no such field, means it always did). A
    /// member who joined later is no target of a tick and takes no `top N` place.
    pub fn existed(&self, kind: TargetKind, row: &Row, at: i64) -> bool {
        let slot = match kind {
            TargetKind::Member => self.plan.member_joined,
            TargetKind::Group => self.plan.group_joined,
        };
        match slot.and_then(|i| row.vals.get(i)) {
            Some(Val::Time(joined)) => *joined <= at,
            _ => true,
        }
    }

    /// When the target of `row` joined, if it had not yet at `at`.
    pub fn joined_after(&self, kind: TargetKind, row: &Row, at: i64) -> Option<i64> {
        let slot = match kind {
            TargetKind::Member => self.plan.member_joined,
            TargetKind::Group => self.plan.group_joined,
        };
        match slot.and_then(|i| row.vals.get(i)) {
            Some(Val::Time(joined)) if *joined > at => Some(*joined),
            _ => None,
        }
    }

    /// The fields any expression reads, every segment counted.
    pub fn all_fields(&self, kind: TargetKind) -> Vec<usize> {
        match kind {
            TargetKind::Member => self.plan.all_member_fields.clone(),
            TargetKind::Group => self.plan.all_group_fields.clone(),
        }
    }
}

fn uses_now(node: &Node, plan: &Plan) -> bool {
    let mut seen = HashSet::new();
    uses_now_in(node, plan, &mut seen)
}

fn uses_now_in(node: &Node, plan: &Plan, seen: &mut HashSet<usize>) -> bool {
    let any = |nodes: &[Node], seen: &mut HashSet<usize>| {
        nodes.iter().any(|n| uses_now_in(n, plan, seen))
    };
    match node {
        // A member's history changes as events arrive, whatever its `within`.
        Node::Now | Node::Today | Node::History(_) => true,
        Node::Const(_) | Node::Field(..) | Node::CompareField { .. } => false,
        Node::Segment(i) => {
            seen.insert(*i)
                && match &plan.segments[*i] {
                    SegmentPlan::Expr(e) => uses_now_in(e, plan, seen),
                    SegmentPlan::Top { by, filter, .. } => {
                        uses_now_in(by, plan, seen)
                            || filter.as_ref().is_some_and(|f| uses_now_in(f, plan, seen))
                    }
                }
        }
        Node::Exists(x) | Node::Not(x) | Node::Neg(x) | Node::OnCalendar(_, x, _) => {
            uses_now_in(x, plan, seen)
        }
        Node::And(xs) | Node::Or(xs) | Node::Coalesce(xs) | Node::List(xs) | Node::Call(_, xs) => {
            any(xs, seen)
        }
        Node::Compare(_, a, b) => uses_now_in(a, plan, seen) || uses_now_in(b, plan, seen),
        Node::Arith(first, rest) => {
            uses_now_in(first, plan, seen) || rest.iter().any(|(_, x)| uses_now_in(x, plan, seen))
        }
        Node::In { elem, within, .. } => {
            uses_now_in(elem, plan, seen) || uses_now_in(within, plan, seen)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(rules: &str) -> Compiled {
        let text = format!(
            "playbook \"p\" {{ timezone \"Asia/Shanghai\" }}\n\
             member {{ orders: int, spend: money, city: text }}\n\
             event order_paid {{ amount: money, shop: text }}\n\
             segment 老客 = orders >= 2\n{rules}"
        );
        let checked = crate::check_text("p.playbook", &text);
        let program = checked
            .program
            .unwrap_or_else(|| panic!("{:?}", checked.diagnostics));
        compile(program)
    }

    #[test]
    fn a_filter_of_the_event_alone_is_known_as_such() {
        let engine = compiled(
            "rule a { on order_paid where event.amount >= ¥300 and event.shop == \"西湖\" give points 1 }\n\
             rule b { on order_paid where event.amount >= ¥300 and orders > 1 give points 1 }\n\
             rule c { on order_paid where 老客 give points 1 }\n\
             rule d { on order_paid give points 1 }\n",
        );
        let event_only: Vec<bool> = engine
            .plan
            .rules
            .iter()
            .map(|r| r.filter_reads_event_only)
            .collect();
        assert_eq!(event_only, [true, false, false, true]);
    }

    #[test]
    fn an_event_fills_only_what_its_rules_read() {
        let engine = compiled(
            "rule a { on order_paid where event.amount >= ¥300 when 老客 give points 1 }\n\
             rule b { every day at 10:00 when city == \"杭州\" and spend > ¥0 give points 1 }\n",
        );
        // orders (through 老客), not city or spend: field 0 is the id.
        assert_eq!(engine.event_member_fields, [vec![1]]);
        assert_eq!(engine.plan.member_fields, [1, 2, 3]);
    }
}
