//! Ranking `top N` segments: every target's key, the places that get in.

use std::collections::HashSet;

use super::{RunError, table_of};
use crate::compile::Compiled;
use crate::compile::plan::{Node, SegmentPlan};
use crate::data::DataSource;
use crate::interpret::eval::{Env, Segments, eval, holds};
use crate::value::arith::{EvalError, compare};
use crate::value::{V, Val};

impl Compiled {
    /// Ranks every `top N` segment at `now`, reading the data once per segment.
    pub fn rank_tops(
        &self,
        data: &mut dyn DataSource,
        now: i64,
        segs: &mut Segments<'_>,
    ) -> Result<(), RunError> {
        for &i in &self.program.segment_order {
            let SegmentPlan::Top { count, by, filter } = &self.plan.segments[i] else {
                continue;
            };
            let mut ranking = Ranking::new(*count);
            self.rank_keys(data, now, i, (by, filter.as_ref()), segs, &mut |key, id| {
                ranking.offer(key, id);
            })?;
            segs.tops[i] = Some(ranking.ids());
        }
        segs.reset();
        Ok(())
    }

    /// Where target `id` stands in the `top N` segment `segment` at `now`: its rank
    /// (from 1) among the targets the ranking admits, their number, and the key of
    /// the last place that gets in (`None` when fewer than N are ranked). For
    /// explanations; a run keeps only the places that get in.
    pub fn rank_of(
        &self,
        data: &mut dyn DataSource,
        now: i64,
        segment: usize,
        id: &str,
        segs: &mut Segments<'_>,
    ) -> Result<Option<TopRank>, RunError> {
        let SegmentPlan::Top { count, by, filter } = &self.plan.segments[segment] else {
            return Ok(None);
        };
        let mut all: Vec<(Val, String)> = Vec::new();
        self.rank_keys(
            data,
            now,
            segment,
            (by, filter.as_ref()),
            segs,
            &mut |key, id| {
                all.push((key, id.to_owned()));
            },
        )?;
        all.sort_by(Ranking::better);
        let places = usize::try_from(*count).unwrap_or(usize::MAX);
        Ok(Some(TopRank {
            rank: all.iter().position(|(_, i)| i == id).map(|p| p + 1),
            ranked: all.len(),
            places,
            cutoff: all
                .get(places.saturating_sub(1))
                .filter(|_| all.len() >= places)
                .map(|(k, _)| k.clone()),
        }))
    }

    /// Offers the ranking key of every target of `top N` segment `segment` that
    /// existed at `now` and passes its `where` (`rank`: its key and filter).
    pub(super) fn rank_keys(
        &self,
        data: &mut dyn DataSource,
        now: i64,
        segment: usize,
        (by, filter): (&Node, Option<&Node>),
        segs: &mut Segments<'_>,
        offer: &mut dyn FnMut(Val, &str),
    ) -> Result<(), RunError> {
        let kind = self.segment_targets[segment];
        let mut failure = None;
        let env0 = Env::at(now, self.program.settings.timezone);
        let fields = self.all_fields(kind);
        let (histories, granted) = (segs.histories, segs.granted);
        data.scan(table_of(kind), &fields, &mut |row| {
            if !self.existed(kind, row, now) {
                return true;
            }
            segs.reset();
            let env = env0
                .with_target(kind, row)
                .with_history(histories.map(|h| h.of(&row.id).with_granted(granted, &row.id)));
            match rank_one(by, filter, &env, segs) {
                Ok(Some(key)) => offer(key, &row.id),
                Ok(None) => {}
                Err(e) => {
                    let segment_def = &self.program.segments[segment];
                    failure = Some(RunError::segment(segment_def, kind, &row.id, e));
                    return false;
                }
            }
            true
        })?;
        failure.map_or(Ok(()), Err)
    }
}

pub(super) fn rank_one(
    by: &Node,
    filter: Option<&Node>,
    env: &Env<'_>,
    segs: &mut Segments<'_>,
) -> Result<Option<Val>, EvalError> {
    if let Some(f) = filter
        && !holds(f, env, segs)?
    {
        return Ok(None);
    }
    let key = eval(by, env, segs)?;
    Ok((key != V::Null).then(|| key.to_val()))
}

/// A target's place in a `top N` ranking (see [`Compiled::rank_of`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TopRank {
    /// Its rank from 1, `None` when the ranking leaves it out (its key is missing, or
    /// the segment's `where` is false).
    pub rank: Option<usize>,
    /// How many targets are ranked.
    pub ranked: usize,
    /// How many places get in (N).
    pub places: usize,
    /// The key of place N, when there are that many.
    pub cutoff: Option<Val>,
}

/// The best `count` (key descending, id ascending) seen so far.
pub(super) struct Ranking {
    count: usize,
    entries: Vec<(Val, String)>,
}

impl Ranking {
    pub(super) fn new(count: u64) -> Ranking {
        Ranking {
            count: usize::try_from(count).unwrap_or(usize::MAX),
            entries: Vec::new(),
        }
    }

    pub(super) fn better(a: &(Val, String), b: &(Val, String)) -> std::cmp::Ordering {
        compare(b.0.view(), a.0.view())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.1.cmp(&b.1))
    }

    pub(super) fn offer(&mut self, key: Val, id: &str) {
        self.entries.push((key, id.to_owned()));
        // Trim in batches: sorting 2N entries now and then keeps the cost near
        // linear without a heap keyed by a custom order.
        if self.entries.len() >= self.count.saturating_mul(2).max(1024) {
            self.trim();
        }
    }

    pub(super) fn trim(&mut self) {
        self.entries.sort_by(Ranking::better);
        self.entries.truncate(self.count);
    }

    pub(super) fn ids(mut self) -> HashSet<String> {
        self.trim();
        self.entries.into_iter().map(|(_, id)| id).collect()
    }
}
