//! Events: each one's member read once for the window, then the rules listening
//! to its kind fired in serving order.

use std::sync::Arc;

use super::phase_one::{Candidates, candidate};
use super::{Run, RunError, event_member, missing_member};
use crate::compile::timeline::allowed_at;
use crate::data::{EventBatch, EventRecord, NOT_HELD, Table};
use crate::interpret::eval::{Env, holds};
use crate::interpret::grant::Cause;
use crate::syntax::ast::TargetKind;
use crate::value::Row;

/// Where an event's member id is among its values (after its id).
const MEMBER_ID: usize = 1;

impl Run<'_> {
    /// Serves event `i` of the window (`event`, unpacked).
    pub(super) fn event(&mut self, i: usize, event: &EventRecord) -> Result<(), RunError> {
        let mut rules = std::mem::take(&mut self.event_rules);
        rules.clear();
        let listening = &self.engine.event_rules[event.kind];
        if !listening.is_empty() {
            let env = Env {
                event: Some(&event.row),
                ..Env::at(event.at, self.tz)
            };
            rules.extend(listening.iter().copied().filter(|&r| {
                allowed_at(self.program(), &self.program().rules[r], event.at)
                    && !self.event_says_no(r, &env)
            }));
        }
        let result = self.event_to(i, event, &rules);
        self.event_rules = rules;
        result
    }

    /// Whether rule `r`'s filter, reading only the event, is false for it: the
    /// rule then cannot fire, whoever the member is (an error is left for when
    /// the rule is served, where it is reported against the member).
    fn event_says_no(&mut self, r: usize, env: &Env<'_>) -> bool {
        let plan = &self.engine.plan.rules[r];
        match &plan.filter {
            Some(f) if plan.filter_reads_event_only => {
                matches!(holds(f, env, &mut self.segs), Ok(false))
            }
            _ => false,
        }
    }

    /// Serves event `i` to `rules`, the rules that may fire for it.
    fn event_to(&mut self, i: usize, event: &EventRecord, rules: &[usize]) -> Result<(), RunError> {
        if rules.is_empty() {
            return Ok(());
        }
        let Some(id) = event_member(event) else {
            return Ok(());
        };
        let member = if self.members_held {
            // Where the member was found before the run; the row of the previous
            // event's member, refilled.
            match self.member_rows.get(i).copied().filter(|&r| r != NOT_HELD) {
                Some(r) => {
                    let mut row = std::mem::take(&mut self.member_row);
                    // Only what this kind's rules read: the rest of the reused
                    // row is never looked at.
                    let fields = &self.engine.event_member_fields[event.kind];
                    self.data
                        .held_fill(Table::Members, r as usize, fields, &mut row);
                    row.id.clear();
                    row.id.push_str(id);
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
        let result = self.serve_event(event, rules, &member);
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
            let env = base.with_target(TargetKind::Member, member).with_history(
                self.histories_read.then(|| {
                    self.histories
                        .of(&member.id)
                        .with_granted(self.usage.granted(), &member.id)
                }),
            );
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
        if self.members_held {
            self.find_event_members(events, &fields);
            return Ok(());
        }
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
            if self.event_members.contains_key(id) {
                if self.event_members[id].is_none() && self.missing_members.contains(id) {
                    self.problems.push(missing_member(
                        self.data.table_name(Table::Events),
                        event,
                        id,
                    ));
                }
                continue;
            }
            let earlier = self.data.take_problems();
            self.problems.extend(earlier);
            let row = self.data.lookup(Table::Members, id, &fields)?;
            if row.is_none() && self.data_problem_free() {
                self.missing_members.insert(id.to_owned());
                self.problems.push(missing_member(
                    self.data.table_name(Table::Events),
                    event,
                    id,
                ));
            }
            self.event_members.insert(id.to_owned(), row);
        }
        Ok(())
    }

    /// With the members held: where each event's member is, for when the event is
    /// served (looked up all at once), then each checked for bad values in event
    /// order, as the lookups one by one would.
    fn find_event_members(&mut self, events: &EventBatch, fields: &[usize]) {
        let engine = self.engine;
        let listened = |i: usize| !engine.event_rules[events.kind(i)].is_empty();
        let ids = |i: usize| listened(i).then(|| events.text(i, MEMBER_ID)).flatten();
        let mut rows = vec![NOT_HELD; events.len()];
        self.data.held_rows(Table::Members, &ids, &mut rows);
        for (i, row) in rows.iter_mut().enumerate() {
            let Some(id) = ids(i) else {
                continue;
            };
            let earlier = self.data.take_problems();
            self.problems.extend(earlier);
            if *row == NOT_HELD {
                if self.data_problem_free() {
                    let mut event = EventRecord::default();
                    events.read(i, &mut event);
                    self.problems.push(missing_member(
                        self.data.table_name(Table::Events),
                        &event,
                        id,
                    ));
                }
            } else if !self.data.held_good(Table::Members, *row as usize, fields) {
                // Bad, not missing: its bad values are recorded (the first time).
                *row = NOT_HELD;
            }
        }
        self.member_rows = rows;
    }
}
