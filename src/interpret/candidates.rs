//! Candidate queries: for a run's window, which rows of the members (groups) table
//! each rule may fire for, written out so a warehouse can be asked for them
//! (`playbook sql`).
//!
//! Only the stateless member stage is described: the [`RowFilter`] over-approximates
//! (every row the run may decide something about is in it), and a rule's arm and
//! order key are given as a [`Cond`] tree only where the language's meaning of
//! every part is known exactly; anything else carries the reason it stays in the
//! interpreter. Limits, caps, budgets, draws and the ledger are always the
//! interpreter's: the engine decides every row.

use crate::check::types::Record;
use crate::compile::Compiled;
use crate::compile::plan::{Node, RewardPlan, RewardPlanKind, SegmentPlan};
use crate::data::filter::{FilterOp, RowFilter};
use crate::interpret::eval::{Env, eval};
use crate::interpret::pushdown::{reads_clock, row_free, rules_filter, scan_filter};
use crate::syntax::ast::{BinaryOp, TargetKind};
use crate::value::Val;

/// Most queries one window may describe; a longer listing is refused.
pub const MAX_QUERIES: usize = 100_000;

/// What a query's rows are served for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryCause {
    /// A schedule tick at this instant.
    Tick(i64),
    /// The events of one kind (index into `Program::events`) in `(after, until]`.
    Events {
        /// Event kind.
        kind: usize,
        /// Start of the window, exclusive.
        after: i64,
        /// End of the window, inclusive.
        until: i64,
    },
}

/// One query: the candidate rows of a table for some rules and one cause.
#[derive(Debug, Clone)]
pub struct CandidateQuery {
    /// Whose table: members or groups.
    pub target: TargetKind,
    /// Why the rows are read.
    pub cause: QueryCause,
    /// The rules served, in serving order.
    pub rules: Vec<RuleCandidates>,
    /// True for every row any of the rules may fire for (a superset).
    pub filter: RowFilter,
    /// Schema fields (not the id) the later stages read, ascending.
    pub fields: Vec<usize>,
}

/// What is known, per rule, of the rows it fires for.
#[derive(Debug, Clone)]
pub struct RuleCandidates {
    /// Rule index.
    pub rule: usize,
    /// The arm a row takes, when it can be told exactly; else why not.
    pub arm: Result<ArmPlan, String>,
    /// The serving order key: `None` when the rule has none (or serves one event
    /// at a time); `Some(Err(why))` when it is not exact.
    pub order: Option<Result<OrderKey, String>>,
    /// What the interpreter decides for this rule whatever the arm says.
    pub kept: Vec<String>,
}

/// Which arm of a rule a row takes: `-1` unless `fires`; then the first of `tiers`
/// that holds; none holding, `tiers.len()` with an `otherwise`, else `-1`. A rule
/// without a tier has no `tiers` and an `otherwise`: arm 0 whenever it fires.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmPlan {
    /// The segment and `when` together.
    pub fires: Cond,
    /// The tier's conditions, in order.
    pub tiers: Vec<Cond>,
    /// Whether the tier has an `else` (or there is no tier).
    pub otherwise: bool,
}

/// A serving order key read straight from a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    /// Schema index.
    pub field: usize,
    /// Largest first.
    pub descending: bool,
}

/// A condition on one row in two-valued logic: a comparison with a missing value
/// is false (and `not` of it true), as in the language.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// Always.
    True,
    /// Never.
    False,
    /// All hold.
    And(Vec<Cond>),
    /// Any holds.
    Or(Vec<Cond>),
    /// Does not hold.
    Not(Box<Cond>),
    /// `field OP value`; false when the field is missing.
    Compare {
        /// Schema index.
        field: usize,
        /// How.
        op: FilterOp,
        /// A constant of the field's type.
        value: Val,
    },
    /// The field is present.
    Exists(usize),
    /// The `set<text>` field holds this text.
    Contains {
        /// Schema index.
        field: usize,
        /// The element.
        value: String,
    },
}

/// The candidate queries of the window `(after, until]`: one per scheduled rule
/// and tick, then one per event kind that rules listen to. `Err` with the count
/// when there would be more than [`MAX_QUERIES`].
pub fn candidate_queries(
    engine: &Compiled,
    after: i64,
    until: i64,
) -> Result<Vec<CandidateQuery>, usize> {
    let mut out = Vec::new();
    for (tick, rules) in engine.timeline.schedule_causes(after, until) {
        for r in rules {
            if out.len() >= MAX_QUERIES {
                return Err(out.len() + 1);
            }
            out.push(tick_query(engine, r, tick));
        }
    }
    for (kind, rules) in engine.event_rules.iter().enumerate() {
        if !rules.is_empty() {
            out.push(event_query(engine, kind, rules, after, until));
        }
    }
    Ok(out)
}

fn tick_query(engine: &Compiled, r: usize, tick: i64) -> CandidateQuery {
    let target = engine.program.rules[r].target;
    let fields = match target {
        TargetKind::Member => engine.plan.rule_member_fields[r].clone(),
        TargetKind::Group => engine.fields(TargetKind::Group),
    };
    CandidateQuery {
        target,
        cause: QueryCause::Tick(tick),
        rules: vec![rule_candidates(engine, r, Some(tick))],
        filter: scan_filter(engine, target, &[r], tick),
        fields: fields.into_iter().filter(|&f| f != 0).collect(),
    }
}

fn event_query(
    engine: &Compiled,
    kind: usize,
    rules: &[usize],
    after: i64,
    until: i64,
) -> CandidateQuery {
    CandidateQuery {
        target: TargetKind::Member,
        cause: QueryCause::Events { kind, after, until },
        rules: rules
            .iter()
            .map(|&r| rule_candidates(engine, r, None))
            .collect(),
        // Each event is served at its own instant: nothing reading the clock, and
        // no `joined` condition (an event's member is served whenever it joined).
        filter: rules_filter(engine, TargetKind::Member, rules, None),
        fields: engine.event_member_fields[kind]
            .iter()
            .copied()
            .filter(|&f| f != 0)
            .collect(),
    }
}

/// The arm, order key and kept stages of rule `r` at `now` (`None`: any instant).
fn rule_candidates(engine: &Compiled, r: usize, now: Option<i64>) -> RuleCandidates {
    let rule = &engine.program.rules[r];
    let plan = &engine.plan.rules[r];
    let cx = Exact {
        engine,
        record: match rule.target {
            TargetKind::Member => Record::Member,
            TargetKind::Group => Record::Group,
        },
        env: Env::at(now.unwrap_or(0), engine.program.settings.timezone),
        clock: now.is_some(),
    };
    let fires = || -> Result<Cond, String> {
        let segment = rule.target_segment.map(Node::Segment);
        let parts = segment.iter().chain(plan.when.iter());
        Ok(Cond::And(
            parts.map(|n| cx.cond(n, 0)).collect::<Result<_, _>>()?,
        ))
    };
    let arm = fires().and_then(|fires| {
        let (tiers, otherwise) = cx.tiers(&plan.give)?;
        Ok(ArmPlan {
            fires,
            tiers,
            otherwise,
        })
    });
    let order = match (&plan.order_by, now) {
        (Some((key, descending)), Some(_)) => Some(match cx.field(key) {
            Some(field) => Ok(OrderKey {
                field,
                descending: *descending,
            }),
            None => Err("the order key is computed, not a field".to_owned()),
        }),
        _ => None,
    };
    let mut kept = Vec::new();
    if plan.filter.is_some() {
        kept.push("the event filter (`where`)".to_owned());
    }
    if !rule.limits.is_empty() {
        kept.push("limits".to_owned());
    }
    if !rule.caps.is_empty() {
        kept.push("caps".to_owned());
    }
    if let Some((group, _)) = &rule.exclusive {
        kept.push(format!("exclusive \"{group}\""));
    }
    kept.push("budgets and the ledger's earlier grants".to_owned());
    RuleCandidates {
        rule: r,
        arm,
        order,
        kept,
    }
}

/// Most segment definitions one condition looks into.
const MAX_DEPTH: usize = 64;

/// Translates compiled expressions into [`Cond`]s where the meaning is exact.
struct Exact<'e> {
    engine: &'e Compiled,
    record: Record,
    env: Env<'static>,
    /// Whether `env`'s instant is the one evaluated.
    clock: bool,
}

impl Exact<'_> {
    /// The tier conditions of `give` and whether it has an `otherwise`.
    fn tiers(&self, give: &[RewardPlan]) -> Result<(Vec<Cond>, bool), String> {
        if give.iter().all(|g| self.leaf(g).is_ok()) {
            return Ok((Vec::new(), true));
        }
        let [reward] = give else {
            return Err("several rewards, one of them a choice".to_owned());
        };
        match &reward.kind {
            RewardPlanKind::Tier { arms, otherwise } => {
                let mut conds = Vec::new();
                for (cond, r) in arms {
                    self.leaf(r)?;
                    conds.push(self.cond(cond, 0)?);
                }
                otherwise.as_deref().map(|r| self.leaf(r)).transpose()?;
                Ok((conds, otherwise.is_some()))
            }
            RewardPlanKind::TierBy {
                subject,
                arms,
                otherwise,
            } => {
                let field = self
                    .field(subject)
                    .ok_or("a `tier by` of a computed value")?;
                let mut conds = Vec::new();
                for (op, value, r) in arms {
                    self.leaf(r)?;
                    conds.push(self.compare(field, *op, value)?);
                }
                otherwise.as_deref().map(|r| self.leaf(r)).transpose()?;
                Ok((conds, otherwise.is_some()))
            }
            _ => self.leaf(reward).map(|()| (Vec::new(), true)),
        }
    }

    /// Ok when `reward` always resolves to itself, whatever the row.
    fn leaf(&self, reward: &RewardPlan) -> Result<(), String> {
        match &reward.kind {
            RewardPlanKind::Coupon(_) | RewardPlanKind::Gift { .. } => Ok(()),
            RewardPlanKind::RedPacket { amount: n, .. } | RewardPlanKind::Points(n) => match n {
                Node::Const(_) => Ok(()),
                _ => Err("an amount computed per row, which may fail".to_owned()),
            },
            RewardPlanKind::Lottery { .. } => Err("a lottery draws in the interpreter".to_owned()),
            RewardPlanKind::Experiment { .. } => {
                Err("experiment arms are assigned in the interpreter".to_owned())
            }
            RewardPlanKind::Tier { .. } | RewardPlanKind::TierBy { .. } => {
                Err("a choice inside a choice".to_owned())
            }
        }
    }

    /// `node` as a condition on the row, or why it cannot be one exactly.
    fn cond(&self, node: &Node, depth: usize) -> Result<Cond, String> {
        if let Some(v) = self.constant(node) {
            return match v {
                Val::Bool(b) => Ok(if b { Cond::True } else { Cond::False }),
                _ => Err("a constant that is not a condition".to_owned()),
            };
        }
        let all = |xs: &[Node]| -> Result<Vec<Cond>, String> {
            xs.iter().map(|x| self.cond(x, depth)).collect()
        };
        match node {
            Node::Not(x) => Ok(Cond::Not(Box::new(self.cond(x, depth)?))),
            Node::And(xs) => Ok(Cond::And(all(xs)?)),
            Node::Or(xs) => Ok(Cond::Or(all(xs)?)),
            Node::Segment(i) => match &self.engine.plan.segments[*i] {
                SegmentPlan::Expr(e) if depth < MAX_DEPTH => self.cond(e, depth + 1),
                SegmentPlan::Expr(_) => Err("segments nested too deeply".to_owned()),
                SegmentPlan::Top { .. } => Err("`top N` ranks the whole table".to_owned()),
            },
            Node::Exists(x) => self.field(x).map(Cond::Exists).ok_or_else(|| why(x)),
            Node::Field(..) => match self.field(node) {
                Some(f) => self.compare(f, BinaryOp::Eq, &Val::Bool(true)),
                None => Err(why(node)),
            },
            Node::CompareField {
                op,
                record,
                index,
                value,
            } if *record == self.record => self.compare(*index, *op, value),
            Node::Compare(op, a, b) => {
                let (field, op, other) = match (self.field(a), self.field(b)) {
                    (Some(f), None) => (f, *op, &**b),
                    (None, Some(f)) => (f, op.flipped(), &**a),
                    // The side that is not a constant says why.
                    _ if self.constant(a).is_none() => return Err(why(a)),
                    _ => return Err(why(b)),
                };
                let value = self.constant(other).ok_or_else(|| why(other))?;
                self.compare(field, op, &value)
            }
            Node::In {
                elem,
                within,
                negated,
            } => {
                let inside = self.membership(elem, within)?;
                Ok(if *negated {
                    Cond::Not(Box::new(inside))
                } else {
                    inside
                })
            }
            other => Err(why(other)),
        }
    }

    /// `elem in within`: a field in a list of constants, or a constant in a set.
    fn membership(&self, elem: &Node, within: &Node) -> Result<Cond, String> {
        if let (Some(f), Node::List(items)) = (self.field(elem), within) {
            let parts = items.iter().map(|i| {
                let v = self.constant(i).ok_or_else(|| why(i))?;
                self.compare(f, BinaryOp::Eq, &v)
            });
            return Ok(Cond::Or(parts.collect::<Result<_, _>>()?));
        }
        match (self.constant(elem), self.field(within)) {
            (Some(Val::Text(value)), Some(field)) => Ok(Cond::Contains { field, value }),
            _ => Err("`in` over computed values".to_owned()),
        }
    }

    fn compare(&self, field: usize, op: BinaryOp, value: &Val) -> Result<Cond, String> {
        let op = match op {
            BinaryOp::Eq => FilterOp::Eq,
            BinaryOp::Ne => FilterOp::Ne,
            BinaryOp::Lt => FilterOp::Lt,
            BinaryOp::Le => FilterOp::Le,
            BinaryOp::Gt => FilterOp::Gt,
            BinaryOp::Ge => FilterOp::Ge,
            _ => return Err("an operator that is not a comparison".to_owned()),
        };
        if matches!(value, Val::Null) {
            return Err("a comparison with a missing value".to_owned());
        }
        Ok(Cond::Compare {
            field,
            op,
            value: value.clone(),
        })
    }

    /// The schema index of a field of the target's record.
    fn field(&self, node: &Node) -> Option<usize> {
        match node {
            Node::Field(record, index) if *record == self.record => Some(*index),
            _ => None,
        }
    }

    /// The value of a node that reads no row, the same for every row served.
    fn constant(&self, node: &Node) -> Option<Val> {
        if !row_free(node) || (!self.clock && reads_clock(node)) {
            return None;
        }
        let mut segs = self.engine.segments();
        eval(node, &self.env, &mut segs).ok().map(|v| v.to_val())
    }
}

/// Why `node` stays in the interpreter.
fn why(node: &Node) -> String {
    match node {
        Node::History(_) => "a history aggregate over earlier events or grants",
        Node::Arith(..) | Node::Neg(_) => "arithmetic may overflow",
        Node::Call(..) => "a built-in function",
        Node::OnCalendar(..) => "the working calendar",
        Node::Coalesce(_) => "`??`",
        Node::Field(Record::Event, _)
        | Node::CompareField {
            record: Record::Event,
            ..
        } => "reads the event",
        Node::Now | Node::Today => "reads the clock, which differs per event",
        _ => "an expression with no exact SQL form",
    }
    .to_owned()
}
