//! Compile: a checked program becomes an evaluation plan — expressions with fields
//! as row slots, constants decoded once, `and`/`or` chains flattened, and the list
//! of columns each table must supply, so a scan reads nothing it does not need.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::check::Program;
use crate::check::model::{self, CouponSpec, Reward, RewardKind, SegmentDef, WorkCalendar};
use crate::check::types::{Builtin, Record, TExpr, TExprKind, Value};
use crate::money::{Fen, Rate};
use crate::source::Span;
use crate::syntax::ast::{BinaryOp, CalendarDay, Split, TargetKind};

use crate::value::Val;

/// A compiled expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A constant.
    Const(Val),
    /// The instant being evaluated.
    Now,
    /// Its local date.
    Today,
    /// A field slot of a record.
    Field(Record, usize),
    /// Membership of the current target in a segment.
    Segment(usize),
    /// Aggregate `index` of `Program::histories` for the current member.
    History(usize),
    /// `exists x`
    Exists(Box<Node>),
    /// `not x`
    Not(Box<Node>),
    /// `-x`
    Neg(Box<Node>),
    /// All true (short-circuit, left to right).
    And(Vec<Node>),
    /// Any true (short-circuit, left to right).
    Or(Vec<Node>),
    /// `a ?? b ?? …`: the first value present, left to right.
    Coalesce(Vec<Node>),
    /// A comparison.
    Compare(BinaryOp, Box<Node>, Box<Node>),
    /// A field compared with a constant: the commonest condition, one step.
    CompareField {
        /// The comparison.
        op: BinaryOp,
        /// Whose field.
        record: Record,
        /// Which field.
        index: usize,
        /// The constant on the right.
        value: Val,
    },
    /// `+ - * /` applied left to right in one loop: `a - b + c` is `(a - b) + c`.
    Arith(Box<Node>, Vec<(BinaryOp, Node)>),
    /// `x in y` (`negated` for `not in`).
    In {
        /// Element.
        elem: Box<Node>,
        /// Set or list.
        within: Box<Node>,
        /// `not in`.
        negated: bool,
    },
    /// `[a, b]`
    List(Vec<Node>),
    /// A built-in call.
    Call(Builtin, Vec<Node>),
    /// `workday(x)` / `holiday(x)`: asks the working calendar about a day.
    OnCalendar(CalendarDay, Box<Node>, WorkCalendar),
}

/// A compiled segment.
#[derive(Debug, Clone)]
pub enum SegmentPlan {
    /// A condition.
    Expr(Node),
    /// `top N by KEY where FILTER`, computed over the whole table at an instant.
    Top {
        /// How many.
        count: u64,
        /// Ranking key.
        by: Node,
        /// Applied first.
        filter: Option<Node>,
    },
}

/// A compiled reward.
#[derive(Debug, Clone)]
pub struct RewardPlan {
    /// The name on grants.
    pub label: Arc<str>,
    /// What it is.
    pub kind: RewardPlanKind,
    /// Where it was written (for explanations).
    pub span: Span,
    /// Number of this node within its rule (depth first), naming its random draws.
    pub node: usize,
    /// Index into [`RulePlan::leaves`] when this is a coupon, red packet, points or
    /// gift.
    pub leaf: usize,
}

/// A reward that is handed out as it is (not a choice between rewards).
#[derive(Debug, Clone)]
pub struct Leaf {
    /// The name on grants.
    pub label: Arc<str>,
    /// Kind on grants.
    pub class: RewardClass,
    /// Coupon terms, when a coupon.
    pub coupon: Option<CouponSpec>,
    /// Coupon scope.
    pub scope: Option<Arc<str>>,
    /// Red packet split.
    pub split: Option<Split>,
    /// Gift item and cost.
    pub gift: Option<(Arc<str>, Fen)>,
    /// The experiment arm it sits under (innermost).
    pub arm: Option<(Arc<str>, Arc<str>)>,
    /// Its cost when it does not depend on data (coupons, gifts, fixed red packets).
    pub fixed_cost: Option<Fen>,
    /// Its node number.
    pub node: usize,
}

/// Compiled reward forms.
#[derive(Debug, Clone)]
pub enum RewardPlanKind {
    /// A coupon.
    Coupon(CouponSpec),
    /// A red packet: total and how it is split.
    RedPacket {
        /// Total.
        amount: Node,
        /// Shares.
        split: Option<Split>,
    },
    /// Points.
    Points(Node),
    /// A gift.
    Gift {
        /// Item.
        name: String,
        /// Cost.
        worth: Fen,
    },
    /// One draw.
    Lottery {
        /// Chances and outcomes.
        arms: Vec<(Rate, RewardPlan)>,
        /// The remainder's outcome.
        rest: Option<Box<RewardPlan>>,
    },
    /// First matching condition.
    Tier {
        /// Conditions and outcomes.
        arms: Vec<(Node, RewardPlan)>,
        /// Fallback.
        otherwise: Option<Box<RewardPlan>>,
    },
    /// First matching threshold.
    TierBy {
        /// Compared value.
        subject: Node,
        /// Comparison, threshold, outcome.
        arms: Vec<(BinaryOp, Val, RewardPlan)>,
        /// Fallback.
        otherwise: Option<Box<RewardPlan>>,
    },
    /// Sticky arms.
    Experiment {
        /// Experiment name.
        name: String,
        /// Arm name, share, outcome.
        arms: Vec<(String, Rate, RewardPlan)>,
    },
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct RulePlan {
    /// Event filter (`on E where …`).
    pub filter: Option<Node>,
    /// Whether the filter reads nothing of the target (no field, no segment): it can
    /// then be decided before the target's row is read.
    pub filter_reads_event_only: bool,
    /// Condition on the target.
    pub when: Option<Node>,
    /// Rewards in `give` order.
    pub give: Vec<RewardPlan>,
    /// Serving order key and whether descending.
    pub order_by: Option<(Node, bool)>,
    /// Every leaf reward the rule can hand out.
    pub leaves: Vec<Leaf>,
    /// Rule name, shared by its grants.
    pub name: Arc<str>,
}

/// The evaluation plan of a program.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Segments by index.
    pub segments: Vec<SegmentPlan>,
    /// Rules by index.
    pub rules: Vec<RulePlan>,
    /// Member fields the rules read (directly or through segments): what a run
    /// decodes.
    pub member_fields: Vec<usize>,
    /// Per rule, the member fields it reads (directly or through segments).
    pub rule_member_fields: Vec<Vec<usize>>,
    /// Group fields the rules read.
    pub group_fields: Vec<usize>,
    /// Member fields any expression reads (every segment counted).
    pub all_member_fields: Vec<usize>,
    /// Group fields any expression reads.
    pub all_group_fields: Vec<usize>,
    /// Per segment, the fields of its target kind it reads (directly or through
    /// other segments), with the `joined` field: what counting its members decodes.
    pub segment_fields: Vec<Vec<usize>>,
    /// Whether any segment is a `top N`.
    pub has_top: bool,
    /// The member field marked `joined` (read with the others): a member does not
    /// exist before it.
    pub member_joined: Option<usize>,
    /// The group field marked `joined`.
    pub group_joined: Option<usize>,
}

/// The evaluation plan of a checked program.
pub fn plan(program: &Program) -> Plan {
    let mut segment_uses = Vec::new();
    let segments = program
        .segments
        .iter()
        .map(|s| {
            let mut uses = FieldUse::default();
            let plan = compile_segment(&s.def, &mut uses);
            segment_uses.push(uses);
            plan
        })
        .collect::<Vec<_>>();
    let mut rule_use = FieldUse::default();
    let mut rule_member_fields = Vec::with_capacity(program.rules.len());
    let rules = program
        .rules
        .iter()
        .map(|r| {
            let mut own = FieldUse::default();
            own.segments.extend(r.target_segment);
            let plan = compile_rule(r, program.settings.point_value, &mut own);
            rule_use.merge(&own);
            let mut member = reachable(own, &segment_uses).member;
            member.extend(program.member.joined);
            rule_member_fields.push(member.into_iter().collect());
            plan
        })
        .collect();
    let segment_fields = program
        .segments
        .iter()
        .zip(&segment_uses)
        .map(|(s, uses)| {
            let reached = reachable(uses.clone(), &segment_uses);
            let (mut fields, joined) = match s.target {
                TargetKind::Member => (reached.member, program.member.joined),
                TargetKind::Group => (reached.group, program.group.as_ref().and_then(|g| g.joined)),
            };
            fields.extend(joined);
            fields.into_iter().collect()
        })
        .collect();
    let has_top = segments
        .iter()
        .any(|s| matches!(s, SegmentPlan::Top { .. }));
    let mut all = FieldUse::default();
    for u in &segment_uses {
        all.member.extend(&u.member);
        all.group.extend(&u.group);
    }
    all.member.extend(&rule_use.member);
    all.group.extend(&rule_use.group);
    let mut needed = reachable(rule_use, &segment_uses);
    let member_joined = program.member.joined;
    let group_joined = program.group.as_ref().and_then(|g| g.joined);
    needed.member.extend(member_joined);
    all.member.extend(member_joined);
    needed.group.extend(group_joined);
    all.group.extend(group_joined);
    Plan {
        segments,
        rules,
        member_fields: needed.member.into_iter().collect(),
        rule_member_fields,
        group_fields: needed.group.into_iter().collect(),
        all_member_fields: all.member.into_iter().collect(),
        all_group_fields: all.group.into_iter().collect(),
        segment_fields,
        has_top,
        member_joined,
        group_joined,
    }
}

/// The fields `start` reads, with those of every segment it reaches.
fn reachable(mut start: FieldUse, segments: &[FieldUse]) -> FieldUse {
    let mut todo: Vec<usize> = start.segments.iter().copied().collect();
    let mut seen = BTreeSet::new();
    while let Some(s) = todo.pop() {
        if !seen.insert(s) {
            continue;
        }
        start.member.extend(&segments[s].member);
        start.group.extend(&segments[s].group);
        todo.extend(segments[s].segments.iter().copied());
    }
    start
}

impl Plan {
    /// All fields of a schema, for commands that show whole records.
    pub fn all_fields(program: &Program, kind: TargetKind) -> Vec<usize> {
        let width = match kind {
            TargetKind::Member => program.member.fields.len(),
            TargetKind::Group => program.group.as_ref().map_or(0, |g| g.fields.len()),
        };
        (0..width).collect()
    }
}

#[derive(Default, Clone)]
struct FieldUse {
    member: BTreeSet<usize>,
    group: BTreeSet<usize>,
    segments: BTreeSet<usize>,
    /// Reads a member's history (which needs the member, not only the event).
    history: bool,
}

impl FieldUse {
    fn merge(&mut self, other: &FieldUse) {
        self.member.extend(&other.member);
        self.group.extend(&other.group);
        self.segments.extend(&other.segments);
        self.history |= other.history;
    }
}

fn compile_segment(def: &SegmentDef, fields: &mut FieldUse) -> SegmentPlan {
    match def {
        SegmentDef::Expr(e) => SegmentPlan::Expr(expr(e, fields)),
        SegmentDef::Top { count, by, filter } => SegmentPlan::Top {
            count: *count,
            by: expr(by, fields),
            filter: filter.as_ref().map(|f| expr(f, fields)),
        },
    }
}

fn compile_rule(rule: &model::Rule, point_value: Fen, fields: &mut FieldUse) -> RulePlan {
    let mut filter_use = FieldUse::default();
    let filter = match &rule.trigger {
        model::Trigger::Event { filter, .. } => filter.as_ref().map(|f| expr(f, &mut filter_use)),
        model::Trigger::Schedule(_) => None,
    };
    fields.merge(&filter_use);
    let filter_reads_event_only = filter_use.member.is_empty()
        && filter_use.group.is_empty()
        && filter_use.segments.is_empty()
        && !filter_use.history;
    let mut numbering = Numbering {
        point_value,
        ..Numbering::default()
    };
    let give = rule
        .give
        .iter()
        .map(|r| reward(r, fields, &mut numbering))
        .collect();
    RulePlan {
        filter,
        filter_reads_event_only,
        when: rule.when.as_ref().map(|w| expr(w, fields)),
        give,
        order_by: rule.order_by.as_ref().map(|(k, d)| (expr(k, fields), *d)),
        leaves: numbering.leaves,
        name: Arc::from(rule.name.as_str()),
    }
}

/// Numbers a rule's reward nodes and collects its leaves.
#[derive(Default)]
struct Numbering {
    point_value: Fen,
    nodes: usize,
    leaves: Vec<Leaf>,
    arms: Vec<(Arc<str>, Arc<str>)>,
}

impl Numbering {
    fn leaf(&mut self, label: &Arc<str>, class: RewardClass, node: usize) -> Leaf {
        Leaf {
            label: label.clone(),
            class,
            coupon: None,
            scope: None,
            split: None,
            gift: None,
            arm: self.arms.last().cloned(),
            fixed_cost: None,
            node,
        }
    }
}

fn reward(r: &Reward, fields: &mut FieldUse, n: &mut Numbering) -> RewardPlan {
    let node = n.nodes;
    n.nodes += 1;
    let label: Arc<str> = Arc::from(r.label.as_str());
    let leaf_index = n.leaves.len();
    let leaf = match &r.kind {
        RewardKind::Coupon(spec) => Some(Leaf {
            coupon: Some(spec.clone()),
            fixed_cost: Some(spec.face_value()),
            scope: spec.scope.as_deref().map(Arc::from),
            ..n.leaf(&label, RewardClass::Coupon, node)
        }),
        RewardKind::RedPacket { split, amount, .. } => Some(Leaf {
            split: *split,
            fixed_cost: match amount.constant() {
                Some(Value::Money(m)) => Some(m),
                _ => None,
            },
            ..n.leaf(&label, RewardClass::RedPacket, node)
        }),
        RewardKind::Points(points) => Some(Leaf {
            fixed_cost: match points.constant() {
                Some(Value::Int(p)) => n.point_value.checked_mul_int(p),
                _ => None,
            },
            ..n.leaf(&label, RewardClass::Points, node)
        }),
        RewardKind::Gift { name, worth } => Some(Leaf {
            gift: Some((Arc::from(name.as_str()), *worth)),
            fixed_cost: Some(*worth),
            ..n.leaf(&label, RewardClass::Gift, node)
        }),
        _ => None,
    };
    n.leaves.extend(leaf);
    let kind = reward_kind(r, fields, n);
    RewardPlan {
        label,
        kind,
        span: r.span,
        node,
        leaf: leaf_index,
    }
}

fn reward_kind(r: &Reward, fields: &mut FieldUse, n: &mut Numbering) -> RewardPlanKind {
    match &r.kind {
        RewardKind::Coupon(spec) => RewardPlanKind::Coupon(spec.clone()),
        RewardKind::RedPacket { amount, split, .. } => RewardPlanKind::RedPacket {
            amount: expr(amount, fields),
            split: *split,
        },
        RewardKind::Points(points) => RewardPlanKind::Points(expr(points, fields)),
        RewardKind::Gift { name, worth } => RewardPlanKind::Gift {
            name: name.clone(),
            worth: *worth,
        },
        RewardKind::Lottery { arms, rest } => RewardPlanKind::Lottery {
            arms: arms
                .iter()
                .map(|(p, r)| (*p, reward(r, fields, n)))
                .collect(),
            rest: rest.as_ref().map(|r| Box::new(reward(r, fields, n))),
        },
        RewardKind::Tier { arms, otherwise } => RewardPlanKind::Tier {
            arms: arms
                .iter()
                .map(|(c, r)| (expr(c, fields), reward(r, fields, n)))
                .collect(),
            otherwise: otherwise.as_ref().map(|r| Box::new(reward(r, fields, n))),
        },
        RewardKind::TierBy {
            subject,
            arms,
            otherwise,
        } => RewardPlanKind::TierBy {
            subject: expr(subject, fields),
            arms: arms
                .iter()
                .map(|(op, v, r)| (*op, v.val(), reward(r, fields, n)))
                .collect(),
            otherwise: otherwise.as_ref().map(|r| Box::new(reward(r, fields, n))),
        },
        RewardKind::Experiment { name, arms } => {
            let experiment: Arc<str> = Arc::from(name.as_str());
            let arms = arms
                .iter()
                .map(|(arm, p, r)| {
                    n.arms.push((experiment.clone(), Arc::from(arm.as_str())));
                    let plan = reward(r, fields, n);
                    n.arms.pop();
                    (arm.clone(), *p, plan)
                })
                .collect();
            RewardPlanKind::Experiment {
                name: name.clone(),
                arms,
            }
        }
    }
}

fn boxed(e: &TExpr, fields: &mut FieldUse) -> Box<Node> {
    Box::new(expr(e, fields))
}

/// Compiles one expression on its own (the REPL's bare expressions and `:count`).
pub fn compile_expr(e: &TExpr) -> Node {
    expr(e, &mut FieldUse::default())
}

/// Compiles one expression, recording the fields it reads.
pub(crate) fn expr_reading(
    e: &TExpr,
    member: &mut BTreeSet<usize>,
    group: &mut BTreeSet<usize>,
) -> Node {
    let mut fields = FieldUse::default();
    let node = expr(e, &mut fields);
    member.extend(fields.member);
    group.extend(fields.group);
    node
}

fn expr(e: &TExpr, fields: &mut FieldUse) -> Node {
    match &e.kind {
        TExprKind::Const(Value::List(items)) => {
            Node::List(items.iter().map(|v| Node::Const(v.val())).collect())
        }
        TExprKind::Const(v) => Node::Const(v.val()),
        TExprKind::Now => Node::Now,
        TExprKind::Today => Node::Today,
        TExprKind::Field { record, index } => {
            match record {
                Record::Member => fields.member.insert(*index),
                Record::Group => fields.group.insert(*index),
                Record::Event => false,
            };
            Node::Field(*record, *index)
        }
        TExprKind::Segment(i) => {
            fields.segments.insert(*i);
            Node::Segment(*i)
        }
        TExprKind::History(i) => {
            fields.history = true;
            Node::History(*i)
        }
        TExprKind::Exists(x) => Node::Exists(boxed(x, fields)),
        TExprKind::Not(x) => Node::Not(boxed(x, fields)),
        TExprKind::Neg(x) => match expr(x, fields) {
            Node::Const(v) => negated_constant(v),
            other => Node::Neg(Box::new(other)),
        },
        TExprKind::Binary { op, lhs, rhs } => binary(*op, lhs, rhs, fields),
        TExprKind::Chain { first, rest } => chain(e, first, rest, fields),
        TExprKind::Call { func, args } => {
            Node::Call(*func, args.iter().map(|a| expr(a, fields)).collect())
        }
        TExprKind::List(items) => Node::List(items.iter().map(|i| expr(i, fields)).collect()),
        TExprKind::OnCalendar { day, of, calendar } => {
            Node::OnCalendar(*day, boxed(of, fields), calendar.clone())
        }
        // A checked program has no error nodes; a constant null keeps this total.
        TExprKind::Error => Node::Const(Val::Null),
    }
}

fn negated_constant(v: Val) -> Node {
    let negated = match v {
        Val::Int(i) => i.checked_neg().map(Val::Int),
        Val::Decimal(d) => Some(Val::Decimal(-d)),
        Val::Money(m) => m.0.checked_neg().map(|f| Val::Money(Fen(f))),
        Val::Percent(r) => r.0.checked_neg().map(|p| Val::Percent(Rate(p))),
        Val::Duration(d) => d.checked_neg().map(Val::Duration),
        _ => None,
    };
    match negated {
        Some(n) => Node::Const(n),
        None => Node::Neg(Box::new(Node::Const(v))),
    }
}

/// A chain becomes one node with a list: `and`/`or` short-circuit over it, `??`
/// takes the first value present, arithmetic folds it left to right.
fn chain(e: &TExpr, first: &TExpr, rest: &[(BinaryOp, TExpr)], fields: &mut FieldUse) -> Node {
    match e.chain_op() {
        Some(op @ (BinaryOp::And | BinaryOp::Or)) => {
            let mut parts = Vec::with_capacity(rest.len() + 1);
            for part in e.operands_of(op) {
                flatten(op, part, fields, &mut parts);
            }
            if op == BinaryOp::And {
                Node::And(parts)
            } else {
                Node::Or(parts)
            }
        }
        Some(BinaryOp::Coalesce) => Node::Coalesce(
            e.operands_of(BinaryOp::Coalesce)
                .into_iter()
                .map(|x| expr(x, fields))
                .collect(),
        ),
        Some(_) => Node::Arith(
            boxed(first, fields),
            rest.iter().map(|(op, x)| (*op, expr(x, fields))).collect(),
        ),
        None => expr(first, fields),
    }
}

/// A comparison, `in` or `not in`.
fn binary(op: BinaryOp, lhs: &TExpr, rhs: &TExpr, fields: &mut FieldUse) -> Node {
    match op {
        BinaryOp::In | BinaryOp::NotIn => Node::In {
            elem: boxed(lhs, fields),
            within: boxed(rhs, fields),
            negated: op == BinaryOp::NotIn,
        },
        _ if op.is_comparison() => match (expr(lhs, fields), expr(rhs, fields)) {
            (Node::Field(record, index), Node::Const(value)) => Node::CompareField {
                op,
                record,
                index,
                value,
            },
            (l, r) => Node::Compare(op, Box::new(l), Box::new(r)),
        },
        // The checker leaves nothing else in a `Binary`; kept total all the same.
        _ => Node::Arith(boxed(lhs, fields), vec![(op, expr(rhs, fields))]),
    }
}

/// `a and (b and c)` becomes one list, so explanations can name the first false part.
fn flatten(op: BinaryOp, e: &TExpr, fields: &mut FieldUse, out: &mut Vec<Node>) {
    match e.chain_op() {
        Some(inner) if inner == op => {
            for part in e.operands_of(op) {
                flatten(op, part, fields, out);
            }
        }
        _ => out.push(expr(e, fields)),
    }
}

/// The kind of a granted reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RewardClass {
    /// A coupon.
    Coupon,
    /// A red packet.
    RedPacket,
    /// A physical gift.
    Gift,
    /// Loyalty points.
    Points,
}

impl RewardClass {
    /// The name on grants.
    pub fn as_str(self) -> &'static str {
        match self {
            RewardClass::Coupon => "coupon",
            RewardClass::RedPacket => "red_packet",
            RewardClass::Gift => "gift",
            RewardClass::Points => "points",
        }
    }

    /// Reads [`RewardClass::as_str`] back.
    pub fn parse(text: &str) -> Option<RewardClass> {
        [
            RewardClass::Coupon,
            RewardClass::RedPacket,
            RewardClass::Gift,
            RewardClass::Points,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
    }
}
