//! Phase one of a tick: each target's conditions evaluated and rewards resolved
//! into compact candidates, over the table once (in parallel parts when asked).

use super::{PROGRESS_EVERY, Run, RunError, table_of};
use crate::compile::Compiled;
use crate::compile::plan::{RewardPlan, RewardPlanKind};
use crate::data::filter::RowFilter;
use crate::data::{BadValue, DataSource};
use crate::interpret::eval::{Env, Segments, eval, holds};
use crate::interpret::history::Histories;
use crate::interpret::pushdown::scan_filter;
use crate::interpret::random::basis_point;
use crate::interpret::usage::GrantLog;
use crate::money::FULL_RATE;
use crate::syntax::ast::TargetKind;
use crate::value::arith::{EvalError, compare};
use crate::value::{V, Val};

impl Run<'_> {
    /// Phase one of a tick: one scan, every rule's candidates.
    pub(super) fn scan_candidates(
        &mut self,
        kind: TargetKind,
        rules: &[usize],
        instant: i64,
        cause_key: &str,
    ) -> Result<Vec<Candidates>, RunError> {
        let threads = self.opts.threads.max(1);
        let parts = if threads > 1 {
            self.data.partitions(table_of(kind), threads)?
        } else {
            None
        };
        let filter = if self.opts.pushdown {
            scan_filter(self.engine, kind, rules, instant)
        } else {
            RowFilter::True
        };
        // Read by every part of the scan while the run goes on: set aside meanwhile.
        let histories = std::mem::take(&mut self.histories);
        let granted = self.usage.take_granted();
        let scan = PhaseOne {
            engine: self.engine,
            kind,
            rules,
            instant,
            cause_key,
            filter,
            histories: self.histories_read.then_some(&histories),
            granted: granted.as_ref(),
        };
        let found = match parts {
            Some(parts) => self.scan_parallel(&scan, parts),
            None => {
                let sink = &mut *self.sink;
                scan.run(&mut *self.data, &mut self.segs, &mut |rows| {
                    sink.progress(rows)
                })
            }
        };
        self.histories = histories;
        self.usage.restore_granted(granted);
        let found = found?;
        if kind == TargetKind::Member {
            self.members_scanned = true;
        }
        self.checkpoint()?;
        if kind == TargetKind::Member {
            self.flush()?;
        }
        Ok(found)
    }

    /// Phase one over independent parts of the table, one thread each; the parts'
    /// candidates are joined in table order, so the result is the same as one scan.
    pub(super) fn scan_parallel(
        &mut self,
        scan: &PhaseOne<'_>,
        parts: Vec<Box<dyn DataSource + Send>>,
    ) -> Result<Vec<Candidates>, RunError> {
        let tops = self.segs.tops.clone();
        let sink = &mut *self.sink;
        let results: Vec<Result<PartResult, RunError>> = std::thread::scope(|threads| {
            // Each part reports the rows it has read; this thread adds them up for the
            // sink (which stays on this thread), so progress shows for any count.
            let (tell, heard) = std::sync::mpsc::channel::<(usize, u64)>();
            let parts_count = parts.len();
            let handles: Vec<_> = parts
                .into_iter()
                .enumerate()
                .map(|(k, mut part)| {
                    let tops = tops.clone();
                    let tell = tell.clone();
                    threads.spawn(move || {
                        let mut segs = scan.engine.segments();
                        segs.tops = tops;
                        let found = scan.run(part.as_mut(), &mut segs, &mut |rows| {
                            let _ = tell.send((k, rows));
                        })?;
                        Ok((found, part.take_problems()))
                    })
                })
                .collect();
            // Every sender is a thread's: the loop ends when the last one finishes.
            drop(tell);
            let mut rows = vec![0u64; parts_count];
            while let Ok((k, read)) = heard.recv() {
                rows[k] = read;
                sink.progress(rows.iter().sum());
            }
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(RunError::Sink("a scan thread panicked".into())))
                })
                .collect()
        });
        let mut joined: Option<Vec<Candidates>> = None;
        for result in results {
            let (found, problems) = result?;
            self.problems.extend(problems);
            joined = Some(match joined {
                None => found,
                Some(mut all) => {
                    for (a, b) in all.iter_mut().zip(found) {
                        a.append(b);
                    }
                    all
                }
            });
        }
        Ok(joined.unwrap_or_else(|| scan.rules.iter().map(|_| Candidates::new()).collect()))
    }

    // ------------------------------------------------------------- firings
}

/// A resolved leaf reward of a candidate firing.
#[derive(Debug, Clone, Copy)]
pub(super) struct Outcome {
    pub(super) position: u32,
    pub(super) leaf: u32,
    /// Red packet total in fen, or points.
    pub(super) amount: i64,
}

/// Candidate firings of one rule at one cause, stored compactly: a million
/// members must fit in a few tens of megabytes.
#[derive(Debug, Default)]
pub(super) struct Candidates {
    pub(super) ids: String,
    pub(super) entries: Vec<(u32, u32, u32, u32)>,
    pub(super) outcomes: Vec<Outcome>,
    pub(super) keys: Vec<Val>,
    pub(super) sorted: bool,
    /// Targets whose firing could not be computed, with the reason.
    pub(super) failed: Vec<(String, String)>,
}

impl Candidates {
    pub(super) fn new() -> Candidates {
        Candidates {
            sorted: true,
            ..Candidates::default()
        }
    }

    pub(super) fn id(&self, entry: usize) -> &str {
        let (start, len, _, _) = self.entries[entry];
        &self.ids[start as usize..(start + len) as usize]
    }

    pub(super) fn outcomes(&self, entry: usize) -> &[Outcome] {
        let (_, _, start, len) = self.entries[entry];
        &self.outcomes[start as usize..(start + len) as usize]
    }

    pub(super) fn push(&mut self, id: &str, outcomes_from: usize, key: Option<Val>) {
        if let Some(last) = self.entries.len().checked_sub(1)
            && self.sorted
            && self.id(last) >= id
        {
            self.sorted = false;
        }
        let start = self.ids.len() as u32;
        self.ids.push_str(id);
        self.entries.push((
            start,
            id.len() as u32,
            outcomes_from as u32,
            (self.outcomes.len() - outcomes_from) as u32,
        ));
        self.keys.extend(key);
    }

    /// Adds the candidates of the next part of the table.
    pub(super) fn append(&mut self, next: Candidates) {
        if let (Some(last), Some(first)) = (self.entries.len().checked_sub(1), next.entries.first())
        {
            let first_id = &next.ids[first.0 as usize..(first.0 + first.1) as usize];
            if self.id(last) >= first_id {
                self.sorted = false;
            }
        }
        self.sorted &= next.sorted;
        let (ids, outcomes) = (self.ids.len() as u32, self.outcomes.len() as u32);
        self.ids.push_str(&next.ids);
        self.outcomes.extend(next.outcomes);
        self.keys.extend(next.keys);
        self.failed.extend(next.failed);
        self.entries.extend(
            next.entries
                .into_iter()
                .map(|(i, il, o, ol)| (i + ids, il, o + outcomes, ol)),
        );
    }

    /// Records a target whose firing could not be computed.
    pub(super) fn fail(&mut self, id: &str, why: &EvalError) {
        self.failed.push((id.to_owned(), why.to_string()));
    }

    /// The targets whose firing could not be computed, by id: they are refused
    /// before the rule's other firings are served (they spend nothing).
    pub(super) fn failures(&self) -> Vec<(&str, &String)> {
        let mut failed: Vec<(&str, &String)> = self
            .failed
            .iter()
            .map(|(id, why)| (id.as_str(), why))
            .collect();
        failed.sort_by(|a, b| a.0.cmp(b.0));
        failed
    }

    /// Entry indices in serving order: by key (ties by id ascending), else by id.
    pub(super) fn order(&self, descending: Option<bool>) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        match descending {
            Some(desc) => order.sort_by(|&a, &b| {
                let by_key = compare(self.keys[a].view(), self.keys[b].view())
                    .unwrap_or(std::cmp::Ordering::Equal);
                let by_key = if desc { by_key.reverse() } else { by_key };
                by_key.then_with(|| self.id(a).cmp(self.id(b)))
            }),
            None if !self.sorted => order.sort_by(|&a, &b| self.id(a).cmp(self.id(b))),
            None => {}
        }
        order
    }
}

/// Phase one for one target: the condition, then the rewards it resolves to. A
/// firing that resolves to no reward (a tier without a matching arm, a lottery
/// miss) is no firing.
#[allow(clippy::too_many_arguments)] // the inputs of a draw, kept apart for the hot loop
pub(super) fn candidate(
    engine: &Compiled,
    rule: usize,
    env: &Env<'_>,
    segs: &mut Segments<'_>,
    seed: &str,
    (kind, id): (TargetKind, &str),
    cause_key: &str,
    out: &mut Candidates,
) -> Result<(), EvalError> {
    let from = out.outcomes.len();
    let found = resolve_firing(engine, rule, env, segs, seed, (kind, id), cause_key, out);
    match found {
        Ok(Some(key)) => out.push(id, from, key),
        Ok(None) => {}
        Err(e) => {
            out.outcomes.truncate(from);
            return Err(e);
        }
    }
    Ok(())
}

/// The condition and rewards of [`candidate`]: `Some(order key)` when the firing
/// resolves to at least one reward (left in `out.outcomes`).
#[allow(clippy::too_many_arguments)] // as `candidate`
pub(super) fn resolve_firing(
    engine: &Compiled,
    rule: usize,
    env: &Env<'_>,
    segs: &mut Segments<'_>,
    seed: &str,
    (kind, id): (TargetKind, &str),
    cause_key: &str,
    out: &mut Candidates,
) -> Result<Option<Option<Val>>, EvalError> {
    let plan = &engine.plan.rules[rule];
    if let Some(when) = &plan.when
        && !holds(when, env, segs)?
    {
        return Ok(None);
    }
    let from = out.outcomes.len();
    let draw = Draw {
        seed,
        rule: &plan.name,
        kind,
        id,
        cause: cause_key,
    };
    for (position, reward) in plan.give.iter().enumerate() {
        resolve(reward, position as u32, env, segs, &draw, &mut out.outcomes)?;
    }
    if out.outcomes.len() == from {
        return Ok(None);
    }
    let key = match &plan.order_by {
        Some((key, _)) => Some(eval(key, env, segs)?.to_val()),
        None => None,
    };
    Ok(Some(key))
}

/// What one part of a parallel scan found: candidates per rule, and bad values.
pub(super) type PartResult = (Vec<Candidates>, Vec<BadValue>);

/// Phase one of a tick: which targets of a table each ticking rule would serve,
/// with the rewards they resolve to.
pub(super) struct PhaseOne<'a> {
    engine: &'a Compiled,
    kind: TargetKind,
    rules: &'a [usize],
    instant: i64,
    cause_key: &'a str,
    /// Rows no rule can fire for (see [`scan_filter`]).
    filter: RowFilter,
    /// Members' earlier events, when the program reads them.
    histories: Option<&'a Histories>,
    /// Members' grants so far, when the program reads them.
    granted: Option<&'a GrantLog>,
}

impl PhaseOne<'_> {
    pub(super) fn run(
        &self,
        data: &mut dyn DataSource,
        segs: &mut Segments<'_>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Vec<Candidates>, RunError> {
        let engine = self.engine;
        let program = &engine.program;
        let (kind, rules) = (self.kind, self.rules);
        let seed = program.settings.seed.as_str();
        let mut found: Vec<Candidates> = rules.iter().map(|_| Candidates::new()).collect();
        let base = Env::at(self.instant, program.settings.timezone);
        let fields = engine.fields(kind);
        let mut rows = 0u64;
        data.scan_where(table_of(kind), &fields, &self.filter, &mut |row| {
            rows += 1;
            if rows.is_multiple_of(PROGRESS_EVERY) {
                progress(rows);
            }
            if !engine.existed(kind, row, self.instant) {
                return true;
            }
            segs.reset();
            let env = base.with_target(kind, row).with_history(
                self.histories
                    .map(|h| h.of(&row.id).with_granted(self.granted, &row.id)),
            );
            for (k, &r) in rules.iter().enumerate() {
                let in_segment = match program.rules[r].target_segment {
                    Some(s) => segs.contains(s, &env),
                    None => Ok(true),
                };
                let result = in_segment.and_then(|inside| {
                    if !inside {
                        return Ok(());
                    }
                    let target = (kind, row.id.as_str());
                    candidate(
                        engine,
                        r,
                        &env,
                        segs,
                        seed,
                        target,
                        self.cause_key,
                        &mut found[k],
                    )
                });
                if let Err(e) = result {
                    found[k].fail(&row.id, &e);
                }
            }
            true
        })?;
        Ok(found)
    }
}

/// The inputs of a firing's random draws.
pub(super) struct Draw<'a> {
    seed: &'a str,
    rule: &'a str,
    kind: TargetKind,
    id: &'a str,
    cause: &'a str,
}

pub(super) fn resolve(
    reward: &RewardPlan,
    position: u32,
    env: &Env<'_>,
    segs: &mut Segments<'_>,
    draw: &Draw<'_>,
    out: &mut Vec<Outcome>,
) -> Result<(), EvalError> {
    let leaf = |amount| Outcome {
        position,
        leaf: reward.leaf as u32,
        amount,
    };
    match &reward.kind {
        RewardPlanKind::Coupon(_) | RewardPlanKind::Gift { .. } => out.push(leaf(0)),
        RewardPlanKind::RedPacket { amount, .. } => match eval(amount, env, segs)? {
            V::Money(m) => out.push(leaf(m.0)),
            _ => return Err(EvalError::Internal("red packet amount is not money")),
        },
        RewardPlanKind::Points(n) => match eval(n, env, segs)? {
            // A reward never takes value back: below one point it would offset a
            // budget (the checker rejects amounts whose bounds allow it).
            V::Int(p) if p < 1 => {
                return Err(EvalError::Reward(format!(
                    "the points come out as {p}: a reward gives at least 1 point"
                )));
            }
            V::Int(p) => out.push(leaf(p)),
            _ => return Err(EvalError::Internal("points are not an int")),
        },
        RewardPlanKind::Lottery { arms, rest } => {
            let node = reward.node.to_string();
            let point = basis_point(&[
                "lottery",
                draw.seed,
                draw.rule,
                draw.kind.keyword(),
                draw.id,
                draw.cause,
                &node,
            ]);
            if let Some(r) = pick(arms.iter().map(|(p, r)| (p.0, r)), point).or(rest.as_deref()) {
                resolve(r, position, env, segs, draw, out)?;
            }
        }
        RewardPlanKind::Tier { arms, otherwise } => {
            let mut chosen = otherwise.as_deref();
            for (cond, r) in arms {
                if holds(cond, env, segs)? {
                    chosen = Some(r);
                    break;
                }
            }
            if let Some(r) = chosen {
                resolve(r, position, env, segs, draw, out)?;
            }
        }
        RewardPlanKind::TierBy {
            subject,
            arms,
            otherwise,
        } => {
            let value = eval(subject, env, segs)?;
            let chosen = arms
                .iter()
                .find(|(op, threshold, _)| {
                    crate::value::arith::compare_holds(*op, value, threshold.view())
                })
                .map(|(_, _, r)| r)
                .or(otherwise.as_deref());
            if let Some(r) = chosen {
                resolve(r, position, env, segs, draw, out)?;
            }
        }
        RewardPlanKind::Experiment { name, arms } => {
            let point = basis_point(&["experiment", draw.seed, name, draw.kind.keyword(), draw.id]);
            if let Some(r) = pick(arms.iter().map(|(_, p, r)| (p.0, r)), point) {
                resolve(r, position, env, segs, draw, out)?;
            }
        }
    }
    Ok(())
}

/// The arm whose cumulative share covers `point` (in basis points).
pub(super) fn pick<'a>(
    arms: impl Iterator<Item = (i64, &'a RewardPlan)>,
    point: i64,
) -> Option<&'a RewardPlan> {
    let mut upper = 0;
    for (share, r) in arms {
        upper += share;
        if point < upper.min(FULL_RATE) {
            return Some(r);
        }
    }
    None
}
