//! Evaluate compiled expressions against rows. Values are borrowed views, so
//! evaluation never allocates; segments are computed at most once per target.

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::check::types::{Builtin, Record};
use crate::compile::Compiled;
use crate::compile::plan::{Node, SegmentPlan};
use crate::interpret::history::{Histories, MemberHistory};
use crate::interpret::usage::GrantLog;
use crate::syntax::ast::{CalendarDay, TargetKind};
use crate::time::instant_local;
use crate::value::arith::{EvalError, arith, compare, compare_holds, negate};
use crate::value::{Row, V, show};
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

/// What an expression can see: the instant and the records in scope.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    /// The instant being evaluated (`now`).
    pub now: i64,
    /// Its local date (`today`).
    pub today: NaiveDate,
    /// The playbook's timezone.
    pub tz: Tz,
    /// The member, when targeting members or for event rules.
    pub member: Option<&'a Row>,
    /// The group, when targeting groups.
    pub group: Option<&'a Row>,
    /// The triggering event.
    pub event: Option<&'a Row>,
    /// The member's earlier events, for aggregates over them.
    pub history: Option<MemberHistory<'a>>,
}

impl<'a> Env<'a> {
    /// An environment at `now` with no records.
    pub fn at(now: i64, tz: Tz) -> Env<'a> {
        Env {
            now,
            today: instant_local(tz, now).date(),
            tz,
            member: None,
            group: None,
            event: None,
            history: None,
        }
    }

    /// This environment with `history` as the member's (`None`: no aggregate is
    /// read).
    pub fn with_history(self, history: Option<MemberHistory<'a>>) -> Env<'a> {
        Env { history, ..self }
    }

    /// This environment with `row` as the target of `kind`.
    pub fn with_target(self, kind: TargetKind, row: &'a Row) -> Env<'a> {
        match kind {
            TargetKind::Member => Env {
                member: Some(row),
                ..self
            },
            TargetKind::Group => Env {
                group: Some(row),
                ..self
            },
        }
    }
}

type Result<T> = std::result::Result<T, EvalError>;

impl Compiled {
    /// Segment membership state for evaluating this program's expressions.
    pub fn segments(&self) -> Segments<'_> {
        Segments::new(&self.plan.segments, self.segment_targets.clone())
    }
}

/// Segment membership for the current target, memoised.
#[derive(Debug)]
pub struct Segments<'p> {
    plans: &'p [SegmentPlan],
    targets: Vec<TargetKind>,
    memo: Vec<u8>,
    /// Members of each `top N` segment at the current instant.
    pub tops: Vec<Option<HashSet<String>>>,
    /// Members' histories, for the rankings of `top N` segments (which build their
    /// own environments).
    pub histories: Option<&'p Histories>,
    /// Members' grants so far, for rankings that read them.
    pub granted: Option<&'p GrantLog>,
}

const UNKNOWN: u8 = 0;
const NO: u8 = 1;
const YES: u8 = 2;

impl<'p> Segments<'p> {
    /// Segments of a plan; `targets` gives each segment's target kind.
    pub fn new(plans: &'p [SegmentPlan], targets: Vec<TargetKind>) -> Segments<'p> {
        Segments {
            plans,
            targets,
            memo: vec![UNKNOWN; plans.len()],
            tops: vec![None; plans.len()],
            histories: None,
            granted: None,
        }
    }

    /// Forgets memberships: call when the target or the instant changes.
    pub fn reset(&mut self) {
        self.memo.fill(UNKNOWN);
    }

    /// Whether the current target is in segment `index`.
    pub fn contains(&mut self, index: usize, env: &Env<'_>) -> Result<bool> {
        match self.memo[index] {
            YES => return Ok(true),
            NO => return Ok(false),
            _ => {}
        }
        let inside = match &self.plans[index] {
            SegmentPlan::Expr(node) => truth(eval(node, env, self)?),
            SegmentPlan::Top { .. } => {
                let row = match self.targets[index] {
                    TargetKind::Member => env.member,
                    TargetKind::Group => env.group,
                };
                let top = self.tops[index]
                    .as_ref()
                    .ok_or(EvalError::Internal("top segment not ranked"))?;
                row.is_some_and(|r| top.contains(&r.id))
            }
        };
        self.memo[index] = if inside { YES } else { NO };
        Ok(inside)
    }
}

/// Whether a value is `true`.
pub fn truth(v: V<'_>) -> bool {
    matches!(v, V::Bool(true))
}

/// Evaluates a boolean node.
pub fn holds(node: &Node, env: &Env<'_>, segs: &mut Segments<'_>) -> Result<bool> {
    eval(node, env, segs).map(truth)
}

/// Evaluates a node.
pub fn eval<'a>(node: &'a Node, env: &Env<'a>, segs: &mut Segments<'_>) -> Result<V<'a>> {
    Ok(match node {
        Node::Const(v) => v.view(),
        Node::Now => V::Time(env.now),
        Node::Today => V::Date(env.today),
        Node::Field(record, index) => field(env, *record, *index),
        Node::Segment(i) => V::Bool(segs.contains(*i, env)?),
        Node::History(i) => match env.history {
            Some(h) => h.value(*i, env.now)?,
            None => return Err(EvalError::Internal("a member's history is not known here")),
        },
        Node::Exists(x) => V::Bool(eval(x, env, segs)? != V::Null),
        Node::Not(x) => V::Bool(!holds(x, env, segs)?),
        Node::Neg(x) => negate(eval(x, env, segs)?, env.tz)?,
        Node::And(parts) => {
            for p in parts {
                if !holds(p, env, segs)? {
                    return Ok(V::Bool(false));
                }
            }
            V::Bool(true)
        }
        Node::Or(parts) => {
            for p in parts {
                if holds(p, env, segs)? {
                    return Ok(V::Bool(true));
                }
            }
            V::Bool(false)
        }
        Node::Coalesce(parts) => {
            let mut value = V::Null;
            for p in parts {
                value = eval(p, env, segs)?;
                if value != V::Null {
                    break;
                }
            }
            value
        }
        Node::Compare(op, a, b) => {
            let (a, b) = (eval(a, env, segs)?, eval(b, env, segs)?);
            V::Bool(compare_holds(*op, a, b))
        }
        Node::CompareField {
            op,
            record,
            index,
            value,
        } => V::Bool(compare_holds(
            *op,
            field(env, *record, *index),
            value.view(),
        )),
        Node::Arith(first, rest) => {
            let mut value = eval(first, env, segs)?;
            for (op, x) in rest {
                value = arith(*op, value, eval(x, env, segs)?, env.tz)?;
            }
            value
        }
        Node::In {
            elem,
            within,
            negated,
        } => {
            let e = eval(elem, env, segs)?;
            V::Bool(contains(e, within, env, segs)? != *negated)
        }
        Node::List(_) => return Err(EvalError::Internal("list outside `in`")),
        Node::Call(func, args) => call(*func, args, env, segs)?,
        Node::OnCalendar(day, of, calendar) => {
            let Some(date) = local_date(eval(of, env, segs)?, env.tz) else {
                return Ok(V::Null);
            };
            let answer = match day {
                CalendarDay::Workday => calendar.is_workday(date),
                CalendarDay::Holiday => calendar.is_holiday(date),
            };
            V::Bool(answer.map_err(|e| EvalError::Calendar(e.to_string()))?)
        }
    })
}

fn field<'a>(env: &Env<'a>, record: Record, index: usize) -> V<'a> {
    let row = match record {
        Record::Member => env.member,
        Record::Group => env.group,
        Record::Event => env.event,
    };
    row.and_then(|r| r.vals.get(index))
        .map_or(V::Null, |v| v.view())
}

fn contains<'a>(
    elem: V<'a>,
    within: &'a Node,
    env: &Env<'a>,
    segs: &mut Segments<'_>,
) -> Result<bool> {
    if let Node::List(items) = within {
        for item in items {
            if compare(elem, eval(item, env, segs)?) == Some(Ordering::Equal) {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    match (elem, eval(within, env, segs)?) {
        (V::Text(e), V::Set(s)) => Ok(V::set_contains(s, e)),
        (_, V::Null) | (V::Null, _) => Ok(false),
        _ => Err(EvalError::Internal("`in` needs a set or a list")),
    }
}

fn call<'a>(
    func: Builtin,
    args: &'a [Node],
    env: &Env<'a>,
    segs: &mut Segments<'_>,
) -> Result<V<'a>> {
    let first = eval(&args[0], env, segs)?;
    Ok(match func {
        Builtin::DaysSince => match first {
            V::Time(t) => match env.now.checked_sub(t) {
                Some(seconds) => V::Int(seconds.div_euclid(86_400)),
                None => {
                    let shown = show(first, env.tz);
                    return Err(EvalError::Overflow(format!("days_since({shown})")));
                }
            },
            _ => V::Null,
        },
        Builtin::Month => {
            local_date(first, env.tz).map_or(V::Null, |d| V::Int(i64::from(d.month())))
        }
        Builtin::Weekday => local_date(first, env.tz).map_or(V::Null, |d| {
            V::Int(i64::from(d.weekday().number_from_monday()))
        }),
        Builtin::Len => match first {
            V::Set(s) => V::Int(V::set_elements(s).count() as i64),
            _ => V::Null,
        },
        Builtin::Min | Builtin::Max => {
            let want = if func == Builtin::Min {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            let mut best = first;
            for a in &args[1..] {
                let v = eval(a, env, segs)?;
                if compare(v, best) == Some(want) {
                    best = v;
                }
            }
            best
        }
        Builtin::Clamp => {
            let lo = eval(&args[1], env, segs)?;
            let hi = eval(&args[2], env, segs)?;
            if compare(first, lo) == Some(Ordering::Less) {
                lo
            } else if compare(first, hi) == Some(Ordering::Greater) {
                hi
            } else {
                first
            }
        }
    })
}

fn local_date(v: V<'_>, tz: Tz) -> Option<NaiveDate> {
    match v {
        V::Date(d) => Some(d),
        V::Time(t) => Some(instant_local(tz, t).date()),
        _ => None,
    }
}
