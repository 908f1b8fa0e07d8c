//! Members' histories: for each aggregate a program uses (`count(order_paid within
//! 30d)`, `first(order_paid).at` …), a small state per member, folded event by event
//! in the run's time order. An aggregate is read as of the instant evaluated and
//! holds every event folded before it: a run folds an event after serving it, so an
//! event is never part of its own firing's history, and the events at a tick's
//! instant (served before the tick) are part of the tick's.
//!
//! Memory is one state per member with events per aggregate: a number for `count`,
//! `sum`, `min`, `max`, `first` and `last`; with `within D`, the member's counted
//! events of the last D (older ones are dropped as newer ones arrive).

use std::cmp::Ordering;
use std::collections::HashMap;

use thin_vec::ThinVec;

use compact_str::CompactString;

use chrono_tz::Tz;

use crate::check::model::GRANT_AT;
use crate::compile::history::{HistoryPlan, Source, Whole};
use crate::compile::plan::Node;
use crate::data::EventRecord;
use crate::interpret::usage::{GrantLog, GrantRecord};
use crate::syntax::ast::Aggregate;
use crate::value::arith::{EvalError, arith, compare};
use crate::value::{V, Val};

/// One aggregate's state for one member: two words each (a million members'
/// states add up), a value that is not a whole number boxed.
#[derive(Debug, Clone)]
enum Acc {
    /// `count`, `exists`: how many.
    Count(i64),
    /// `min`, `max`, `first`, `last` before any value.
    Nothing,
    /// A `sum` that overflowed (reported when read).
    Overflowed,
    /// The running sum, the best so far (`min`, `max`), the first or the latest
    /// value, as a whole number (see [`Whole`]).
    Whole(i64),
    /// The same for any other value.
    Val(Box<Val>),
    /// Any aggregate `within D`: the counted events' instants and values, oldest
    /// first, none older than D before the latest.
    Recent(ThinVec<(i64, Val)>),
    /// The same for whole numbers.
    RecentWhole(ThinVec<(i64, i64)>),
}

/// Every member's history, for the aggregates of one program.
#[derive(Debug, Default)]
pub struct Histories {
    plans: Vec<HistoryPlan>,
    /// Whether any aggregate reads each event kind.
    kinds: Vec<bool>,
    /// Each member's place in `accs`. Ids inline (most are short): no separate
    /// allocation per id, a million times over.
    members: HashMap<CompactString, u32>,
    /// The states, one run of `plans.len()` per member: one allocation for all
    /// (whose spare room is never touched, so never resident), not one each.
    accs: Vec<Acc>,
}

impl Histories {
    /// Empty histories for `plans` over `kinds` event kinds.
    pub fn new(plans: Vec<HistoryPlan>, kinds: usize) -> Histories {
        let mut read = vec![false; kinds];
        for p in &plans {
            if let Source::Events(kind) = p.source {
                read[kind] = true;
            }
        }
        Histories {
            plans,
            kinds: read,
            members: HashMap::new(),
            accs: Vec::new(),
        }
    }

    /// Whether there is any aggregate to keep.
    pub fn is_empty(&self) -> bool {
        self.plans.is_empty()
    }

    /// Whether an aggregate reads events at all (not only grants).
    pub fn reads_events(&self) -> bool {
        self.kinds.contains(&true)
    }

    /// Whether an aggregate reads events of `kind`.
    pub fn reads(&self, kind: usize) -> bool {
        self.kinds.get(kind).copied().unwrap_or(false)
    }

    /// Folds `event` into its member's history, for each aggregate of its kind
    /// whose filter `passes` it (evaluated by the caller). A filter that cannot be
    /// computed is an error, with the aggregate's index.
    pub fn fold(
        &mut self,
        event: &EventRecord,
        tz: Tz,
        passes: &mut dyn FnMut(&Node) -> Result<bool, EvalError>,
    ) -> Result<(), (usize, EvalError)> {
        self.fold_in(event, tz, passes, Order::Time)
    }

    /// Whether no aggregate depends on the order events are folded in (none is a
    /// `first` or `last`): events before a window can then be folded as they are
    /// read ([`Histories::fold_unordered`]), none of them held.
    pub fn order_free(&self) -> bool {
        self.plans
            .iter()
            .all(|p| !matches!(p.func, Aggregate::First | Aggregate::Last))
    }

    /// [`Histories::fold`] of an event read in no particular order, before instant
    /// `from` (the window's start): a `within D` aggregate keeps it unless it is
    /// older than `from - D` (no instant of the window can count it). Call
    /// [`Histories::settle`] once all are in; only for [`Histories::order_free`]
    /// aggregates.
    pub fn fold_unordered(
        &mut self,
        event: &EventRecord,
        tz: Tz,
        passes: &mut dyn FnMut(&Node) -> Result<bool, EvalError>,
        from: i64,
    ) -> Result<(), (usize, EvalError)> {
        self.fold_in(event, tz, passes, Order::Any { from })
    }

    /// Puts every `within` window folded by [`Histories::fold_unordered`] in time
    /// order.
    pub fn settle(&mut self) {
        for acc in &mut self.accs {
            match acc {
                Acc::Recent(r) => r.sort_by_key(|(t, _)| *t),
                Acc::RecentWhole(r) => r.sort_by_key(|(t, _)| *t),
                _ => {}
            }
        }
    }

    fn fold_in(
        &mut self,
        event: &EventRecord,
        tz: Tz,
        passes: &mut dyn FnMut(&Node) -> Result<bool, EvalError>,
        order: Order,
    ) -> Result<(), (usize, EvalError)> {
        if !self.reads(event.kind) {
            return Ok(());
        }
        let Some(Val::Text(member)) = event.row.vals.get(1) else {
            return Ok(());
        };
        let mut counted = Vec::new();
        for (i, plan) in self.plans.iter().enumerate() {
            if plan.source != Source::Events(event.kind) {
                continue;
            }
            if let Some(f) = &plan.filter
                && !passes(f).map_err(|e| (i, e))?
            {
                continue;
            }
            counted.push(i);
        }
        if counted.is_empty() {
            return Ok(());
        }
        let plans = &self.plans;
        let place = match self.members.get(member.as_str()) {
            Some(&place) => place as usize,
            None => {
                let place = self.accs.len() / plans.len();
                let Ok(key) = u32::try_from(place) else {
                    return Err((
                        counted[0],
                        EvalError::Internal("more than 4 billion members"),
                    ));
                };
                self.accs.extend(plans.iter().map(start));
                self.members
                    .insert(CompactString::from(member.as_str()), key);
                place
            }
        };
        let accs = &mut self.accs[place * plans.len()..(place + 1) * plans.len()];
        for i in counted {
            let plan = &plans[i];
            let value = plan
                .field
                .and_then(|f| event.row.vals.get(f))
                .cloned()
                .unwrap_or(Val::Null);
            add(&mut accs[i], plan, (event.at, order), value, tz);
        }
        Ok(())
    }

    /// The history of member `id` (empty when it has no counted event).
    pub fn of<'h>(&'h self, id: &str) -> MemberHistory<'h> {
        MemberHistory {
            plans: &self.plans,
            accs: self.members.get(id).map(|&place| {
                let n = self.plans.len();
                &self.accs[place as usize * n..(place as usize + 1) * n]
            }),
            granted: &[],
        }
    }
}

fn start(plan: &HistoryPlan) -> Acc {
    match (plan.func, plan.within, plan.whole) {
        (_, Some(_), Some(_)) => Acc::RecentWhole(ThinVec::new()),
        (_, Some(_), None) => Acc::Recent(ThinVec::new()),
        (Aggregate::Count | Aggregate::Exists, None, _) => Acc::Count(0),
        (Aggregate::Sum, None, Some(_)) => Acc::Whole(0),
        (Aggregate::Sum, None, None) => Acc::Val(Box::new(plan.empty.clone())),
        _ => Acc::Nothing,
    }
}

/// A whole number kept for `whole` (a count keeps none: 0), or `None` for a
/// value that is not one.
fn to_whole(value: &Val) -> Option<i64> {
    match value {
        Val::Int(i) | Val::Time(i) => Some(*i),
        Val::Money(f) => Some(f.0),
        _ => None,
    }
}

/// A whole number kept as `whole`, as a value.
fn from_whole(whole: Option<Whole>, x: i64) -> V<'static> {
    match whole {
        Some(Whole::Int) => V::Int(x),
        Some(Whole::Money) => V::Money(crate::money::Fen(x)),
        Some(Whole::Time) => V::Time(x),
        _ => V::Null,
    }
}

/// How events arrive: in time order, or in any order before an instant.
#[derive(Debug, Clone, Copy)]
enum Order {
    Time,
    Any { from: i64 },
}

fn add(acc: &mut Acc, plan: &HistoryPlan, (at, order): (i64, Order), value: Val, tz: Tz) {
    match acc {
        Acc::Count(n) => *n += 1,
        Acc::Recent(recent) => push_recent(recent, plan, (at, order), value),
        // A count keeps no value (nor can a whole field be missing).
        Acc::RecentWhole(recent) => {
            push_recent(recent, plan, (at, order), to_whole(&value).unwrap_or(0));
        }
        Acc::Overflowed => {}
        Acc::Whole(_) | Acc::Val(_) | Acc::Nothing if plan.func == Aggregate::Sum => {
            let sum = match (&*acc, value.view()) {
                (_, V::Null) => return,
                (Acc::Whole(s), V::Int(x)) => s.checked_add(x).map(Acc::Whole),
                (Acc::Whole(s), V::Money(x)) => s.checked_add(x.0).map(Acc::Whole),
                (Acc::Val(s), v) => arith(crate::syntax::ast::BinaryOp::Add, s.view(), v, tz)
                    .ok()
                    .map(|x| Acc::Val(Box::new(x.to_val()))),
                _ => None,
            };
            *acc = sum.unwrap_or(Acc::Overflowed);
        }
        Acc::Whole(_) | Acc::Val(_) | Acc::Nothing => {
            let best = match &*acc {
                Acc::Whole(x) => from_whole(plan.whole, *x),
                Acc::Val(v) => v.view(),
                _ => V::Null,
            };
            let decided = !matches!(acc, Acc::Nothing);
            let replace = match plan.func {
                Aggregate::First => !decided,
                Aggregate::Last => true,
                Aggregate::Min => !decided || better(value.view(), best, Ordering::Less),
                _ => !decided || better(value.view(), best, Ordering::Greater),
            };
            // `min` and `max` skip missing values; `first` and `last` keep them.
            if replace
                && (value != Val::Null || matches!(plan.func, Aggregate::First | Aggregate::Last))
            {
                *acc = match (plan.whole, to_whole(&value)) {
                    (Some(_), Some(x)) => Acc::Whole(x),
                    _ => Acc::Val(Box::new(value)),
                };
            }
        }
    }
}

/// Appends an event to a `within` window, dropping the events no later instant
/// can count.
fn push_recent<T>(
    recent: &mut ThinVec<(i64, T)>,
    plan: &HistoryPlan,
    (at, order): (i64, Order),
    value: T,
) {
    let within = plan.within.unwrap_or(0);
    match order {
        Order::Time => {
            let oldest = at.saturating_sub(within);
            let old = recent.partition_point(|(t, _)| *t < oldest);
            if old > 0 {
                recent.drain(..old);
            }
        }
        // Out of order: kept unless no instant from `from` on can count it.
        Order::Any { from } if at < from.saturating_sub(within) => return,
        Order::Any { .. } => {}
    }
    if recent.len() == recent.capacity() {
        // Most members have a few events: grow by a quarter, not double (a
        // million members' spare room adds up).
        recent.reserve_exact((recent.len() / 4).max(1));
    }
    recent.push((at, value));
}

fn better(v: V<'_>, best: V<'_>, want: Ordering) -> bool {
    v != V::Null && (best == V::Null || compare(v, best) == Some(want))
}

/// One member's history, as expressions read it.
#[derive(Debug, Clone, Copy)]
pub struct MemberHistory<'h> {
    plans: &'h [HistoryPlan],
    accs: Option<&'h [Acc]>,
    /// The member's grants so far, in decision order.
    granted: &'h [GrantRecord],
}

impl<'h> MemberHistory<'h> {
    /// This history with the member's grants so far (from
    /// [`crate::interpret::usage::Usage::granted`]).
    pub fn with_granted(self, log: Option<&'h GrantLog>, id: &str) -> MemberHistory<'h> {
        self.with_grants(log.and_then(|l| l.get(id)).map_or(&[][..], Vec::as_slice))
    }

    /// This history with `granted`, the member's grants in decision order.
    pub fn with_grants(self, granted: &'h [GrantRecord]) -> MemberHistory<'h> {
        MemberHistory { granted, ..self }
    }

    /// Aggregate `i` as of `now`.
    pub fn value(&self, i: usize, now: i64) -> Result<V<'h>, EvalError> {
        let Some(plan) = self.plans.get(i) else {
            return Err(EvalError::Internal("an aggregate this run does not keep"));
        };
        if let Source::Granted(rule) = plan.source {
            let from = plan.within.map(|w| now.saturating_sub(w));
            let mut values = self
                .granted
                .iter()
                .filter(|g| rule.is_none_or(|r| g.rule.is_some_and(|x| x as usize == r)))
                .filter(|g| from.is_none_or(|f| g.at >= f))
                .map(|g| match plan.field {
                    Some(GRANT_AT) => V::Time(g.at),
                    _ => V::Money(g.value),
                });
            return recent_value(plan, &mut values);
        }
        let Some(acc) = self.accs.map(|a| &a[i]) else {
            return Ok(plan.empty.view());
        };
        Ok(match acc {
            Acc::Count(n) if plan.func == Aggregate::Exists => V::Bool(*n > 0),
            Acc::Count(n) => V::Int(*n),
            Acc::Nothing => V::Null,
            Acc::Overflowed => return Err(overflow(plan)),
            Acc::Whole(x) => from_whole(plan.whole, *x),
            Acc::Val(v) => v.view(),
            Acc::Recent(recent) => {
                let from = now.saturating_sub(plan.within.unwrap_or(0));
                let start = recent.partition_point(|(t, _)| *t < from);
                let mut values = recent[start..].iter().map(|(_, v)| v.view());
                recent_value(plan, &mut values)?
            }
            Acc::RecentWhole(recent) => {
                let from = now.saturating_sub(plan.within.unwrap_or(0));
                let start = recent.partition_point(|(t, _)| *t < from);
                let mut values = recent[start..]
                    .iter()
                    .map(|(_, x)| from_whole(plan.whole, *x));
                recent_value(plan, &mut values)?
            }
        })
    }
}

/// Aggregate `plan` of the values of the events within its window.
fn recent_value<'h>(
    plan: &'h HistoryPlan,
    values: &mut dyn Iterator<Item = V<'h>>,
) -> Result<V<'h>, EvalError> {
    // Sums add numbers and money only: no time zone is involved.
    let tz = chrono_tz::UTC;
    {
        Ok(match plan.func {
            Aggregate::Count => V::Int(values.count() as i64),
            Aggregate::Exists => V::Bool(values.next().is_some()),
            Aggregate::First => values.next().unwrap_or(V::Null),
            Aggregate::Last => values.last().unwrap_or(V::Null),
            Aggregate::Sum => {
                let mut sum = plan.empty.view();
                for v in values.filter(|v| *v != V::Null) {
                    sum = arith(crate::syntax::ast::BinaryOp::Add, sum, v, tz)
                        .map_err(|_| overflow(plan))?;
                }
                sum
            }
            Aggregate::Min | Aggregate::Max => {
                let want = if plan.func == Aggregate::Min {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                values.fold(
                    V::Null,
                    |best, v| if better(v, best, want) { v } else { best },
                )
            }
        })
    }
}

fn overflow(plan: &HistoryPlan) -> EvalError {
    EvalError::Overflow(format!("sum of {} events", plan.func.name()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Row;

    /// The aggregates of a playbook over `order_paid { amount: money }`.
    fn histories(conditions: &[&str]) -> (crate::compile::Compiled, Histories) {
        let rules: String = conditions
            .iter()
            .enumerate()
            .map(|(i, c)| format!("rule r{i} {{ every day at 10:00  when {c}  give points 1 }}\n"))
            .collect();
        let text = format!(
            "playbook \"h\" {{ timezone \"Asia/Shanghai\" }}\nmember {{ level: int }}\n\
             event order_paid {{ amount: money }}\n{rules}"
        );
        let checked = crate::check_text("h.playbook", &text);
        let compiled = crate::compile::compile(checked.program.expect("checks"));
        let h = Histories::new(compiled.histories.clone(), 1);
        (compiled, h)
    }

    fn order(i: i64, member: &str, at: i64, fen: i64) -> EventRecord {
        let id = format!("e{i:04}");
        EventRecord {
            kind: 0,
            at,
            row: Row {
                id: id.clone(),
                vals: vec![
                    Val::Text(id),
                    Val::Text(member.to_owned()),
                    Val::Time(at),
                    Val::Null,
                    Val::Money(crate::money::Fen(fen)),
                ],
            },
        }
    }

    #[test]
    fn events_folded_out_of_order_then_settled_read_as_in_time_order() {
        let conditions = [
            "count(order_paid within 3d) >= 1",
            "sum(order_paid.amount within 10d) >= ¥1",
            "(max(order_paid.amount within 5d) ?? ¥0) >= ¥1",
            "(min(order_paid.amount) ?? ¥0) >= ¥1",
            "sum(order_paid.amount where event.amount >= ¥50) >= ¥1",
            "exists(order_paid within 1d)",
        ];
        let (_, mut ordered) = histories(&conditions);
        let (_, mut shuffled) = histories(&conditions);
        let day = 86_400;
        let events: Vec<EventRecord> = (0..60)
            .map(|i| {
                order(
                    i,
                    ["m1", "m2", "m3"][(i % 3) as usize],
                    (i * 7_919) % (30 * day),
                    (i * 37) % 9_000,
                )
            })
            .collect();
        let mut in_time = events.clone();
        in_time.sort_by(|a, b| (a.at, &a.row.id).cmp(&(b.at, &b.row.id)));
        let tz = chrono_tz::Asia::Shanghai;
        let from = 30 * day;
        let pass = |e: &EventRecord, f: &Node| {
            let env = crate::interpret::eval::Env {
                event: Some(&e.row),
                ..crate::interpret::eval::Env::at(e.at, tz)
            };
            let mut segs = crate::interpret::eval::Segments::new(&[], Vec::new());
            crate::interpret::eval::holds(f, &env, &mut segs)
        };
        for e in &in_time {
            ordered.fold(e, tz, &mut |f| pass(e, f)).unwrap();
        }
        for e in &events {
            shuffled
                .fold_unordered(e, tz, &mut |f| pass(e, f), from)
                .unwrap();
        }
        shuffled.settle();
        for now in [from + 1, from + day, from + 4 * day, from + 20 * day] {
            for m in ["m1", "m2", "m3", "m4"] {
                for i in 0..conditions.len() {
                    assert_eq!(
                        ordered.of(m).value(i, now).unwrap(),
                        shuffled.of(m).value(i, now).unwrap(),
                        "aggregate {i} of {m} at {now}"
                    );
                }
            }
        }
    }
}
