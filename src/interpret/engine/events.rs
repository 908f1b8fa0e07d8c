//! Events: each one's member read once for the window, then the rules listening
//! to its kind fired in serving order.

use std::sync::Arc;

use super::phase_one::{Candidates, candidate};
use super::{Run, RunError, event_member, missing_member};
use crate::compile::timeline::allowed_at;
use crate::data::{EventBatch, EventRecord, Table};
use crate::interpret::eval::{Env, holds};
use crate::interpret::grant::Cause;
use crate::syntax::ast::TargetKind;
use crate::value::Row;

/// No member row: the event's member is missing or bad.
const NO_ROW: u32 = u32::MAX;

impl Run<'_> {
    /// Serves event `i` of the window (`event`, unpacked).
    pub(super) fn event(&mut self, i: usize, event: &EventRecord) -> Result<(), RunError> {
        let rules: Vec<usize> = self.engine.event_rules[event.kind]
            .iter()
            .copied()
            .filter(|&r| allowed_at(self.program(), &self.program().rules[r], event.at))
            .collect();
        if rules.is_empty() {
            return Ok(());
        }
        let Some(id) = event_member(event) else {
            return Ok(());
        };
        let member = if self.members_held {
            // Where the member was found before the run; the row of the previous
            // event's member, refilled.
            match self.member_rows.get(i).copied().filter(|&r| r != NO_ROW) {
                Some(r) => {
                    let mut row = std::mem::take(&mut self.member_row);
                    let fields = &self.engine.plan.member_fields;
                    self.data
                        .held_fill(Table::Members, r as usize, fields, &mut row);
                    Some(row)
                }
                None => None,
            }
        } else {
            self.event_members.get(id).cloned().flatten()
        };
        let Some(member) = member else {
            return Ok(()); // missing or bad: recorded when the members were read
        };
        let result = self.serve_event(event, &rules, &member);
        if self.members_held {
            self.member_row = member;
        }
        result
    }

    fn serve_event(
        &mut self,
        event: &EventRecord,
        rules: &[usize],
        member: &Row,
    ) -> Result<(), RunError> {
        self.prepare_tops(event.at)?;
        let cause = Cause::Event {
            id: Arc::from(event.row.id.as_str()),
            at: event.at,
        };
        let cause_key = cause.key(self.tz);
        let base = Env {
            event: Some(&event.row),
            ..Env::at(event.at, self.tz)
        };
        for &r in rules {
            let mut cands = Candidates::new();
            self.segs.reset();
            let env = base.with_target(TargetKind::Member, member);
            let plan = &self.engine.plan.rules[r];
            let passes = match &plan.filter {
                Some(f) => holds(f, &env, &mut self.segs),
                None => Ok(true),
            };
            let result = passes.and_then(|p| {
                if p {
                    candidate(
                        self.engine,
                        r,
                        &env,
                        &mut self.segs,
                        &self.seed,
                        (TargetKind::Member, &member.id),
                        &cause_key,
                        &mut cands,
                    )
                } else {
                    Ok(())
                }
            });
            if let Err(e) = result {
                cands.fail(&member.id, &e);
            }
            self.serve(r, TargetKind::Member, &cands, &cause, &cause_key)?;
        }
        Ok(())
    }

    /// Reads the member of every event a rule listens to, once each, before anything
    /// is decided: a missing or bad member is then known (and reported with every
    /// other problem) before the first grant.
    pub(super) fn read_event_members(&mut self, events: &EventBatch) -> Result<(), RunError> {
        let fields = self.engine.fields(TargetKind::Member);
        let mut event = EventRecord::default();
        for i in 0..events.len() {
            if self.engine.event_rules[events.kind(i)].is_empty() {
                continue;
            }
            events.read(i, &mut event);
            let event = &event;
            let Some(id) = event_member(event) else {
                continue;
            };
            if self.members_held {
                // Its position, for when the event is served.
                let earlier = self.data.take_problems();
                self.problems.extend(earlier);
                let found = self.data.held_row(Table::Members, id, &fields)?;
                if found.is_none() && self.data_problem_free() {
                    self.problems.push(missing_member(event, id));
                }
                if self.member_rows.len() < events.len() {
                    self.member_rows.resize(events.len(), NO_ROW);
                }
                // A held table has fewer than 2^32 rows (the columns count in u32).
                self.member_rows[i] = found.map_or(NO_ROW, |r| r as u32);
                continue;
            }
            if self.event_members.contains_key(id) {
                if self.event_members[id].is_none() && self.missing_members.contains(id) {
                    self.problems.push(missing_member(event, id));
                }
                continue;
            }
            let earlier = self.data.take_problems();
            self.problems.extend(earlier);
            let row = self.data.lookup(Table::Members, id, &fields)?;
            if row.is_none() && self.data_problem_free() {
                self.missing_members.insert(id.to_owned());
                self.problems.push(missing_member(event, id));
            }
            self.event_members.insert(id.to_owned(), row);
        }
        Ok(())
    }
}
