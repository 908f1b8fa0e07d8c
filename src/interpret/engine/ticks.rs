//! Schedule ticks: the rules ticking at an instant, their `top N` rankings, and
//! the table read once for all of them.

use std::collections::HashMap;

use super::phase_one::Candidates;
use super::{Run, RunError};
use crate::interpret::grant::Cause;
use crate::syntax::ast::TargetKind;

impl Run<'_> {
    pub(super) fn prepare_tops(&mut self, now: i64) -> Result<(), RunError> {
        if !self.engine.plan.has_top {
            return Ok(());
        }
        let key = if self.engine.tops_depend_on_now {
            now
        } else {
            i64::MIN
        };
        if self.tops_at == Some(key) {
            return Ok(());
        }
        if self.histories_read {
            // Rankings read members' histories as they stand.
            let mut segs = self.engine.segments();
            segs.histories = Some(&self.histories);
            segs.granted = self.usage.granted();
            self.engine.rank_tops(self.data, now, &mut segs)?;
            self.segs.tops = segs.tops;
        } else {
            self.engine.rank_tops(self.data, now, &mut self.segs)?;
        }
        self.tops_at = Some(key);
        self.checkpoint()
    }

    pub(super) fn tick(&mut self, instant: i64, rules: &[usize]) -> Result<(), RunError> {
        self.prepare_tops(instant)?;
        let cause = Cause::Tick { at: instant };
        let cause_key = cause.key(self.tz);
        let program = self.program();
        let (member_rules, group_rules): (Vec<usize>, Vec<usize>) = rules
            .iter()
            .partition(|&&r| program.rules[r].target == TargetKind::Member);
        let mut candidates: HashMap<usize, Candidates> = HashMap::new();
        if self.usage.granted().is_some() {
            // Conditions read what earlier rules of this very tick granted: each rule
            // is decided after the ones served before it.
            for &r in rules {
                let kind = program.rules[r].target;
                let found = self.scan_candidates(kind, &[r], instant, &cause_key)?;
                if let Some(cands) = found.first() {
                    self.serve(r, kind, cands, &cause, &cause_key)?;
                }
            }
            return Ok(());
        }
        for (kind, group) in [
            (TargetKind::Member, member_rules),
            (TargetKind::Group, group_rules),
        ] {
            if group.is_empty() {
                continue;
            }
            let found = self.scan_candidates(kind, &group, instant, &cause_key)?;
            candidates.extend(group.into_iter().zip(found));
        }
        for &r in rules {
            if let Some(cands) = candidates.remove(&r) {
                let kind = program.rules[r].target;
                self.serve(r, kind, &cands, &cause, &cause_key)?;
            }
        }
        Ok(())
    }

    /// Whether the lookup that just failed did so for a missing row rather than a
    /// bad one (a bad row is already recorded by the source).
    pub(super) fn data_problem_free(&mut self) -> bool {
        let found = self.data.take_problems();
        let free = found.is_empty();
        self.problems.extend(found);
        free
    }
}
