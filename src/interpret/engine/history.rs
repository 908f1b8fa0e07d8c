//! A run's members' histories: the events before the window folded in first, then
//! each event of the window once it has been served (so that it is not part of its
//! own firing's history).

use super::{Run, RunError};
use crate::compile::Compiled;
use crate::data::EventRecord;
use crate::interpret::eval::{Env, Segments, holds};
use crate::interpret::history::Histories;

impl Run<'_> {
    /// Folds in every event up to `until` (the window's start): a member's history
    /// is the data's events table, not only the window's part of it.
    pub(super) fn read_history(&mut self, until: i64) -> Result<(), RunError> {
        if !self.histories.reads_events() {
            return Ok(());
        }
        if !self.histories.order_free() {
            // `first` and `last` need the events in time order: held, then folded.
            let before = self.data.events(i64::MIN, until)?;
            let mut event = EventRecord::default();
            for i in 0..before.len() {
                before.read(i, &mut event);
                self.fold(&event)?;
            }
            return self.checkpoint();
        }
        // Folded as they are read, none held: a year of events costs only what the
        // aggregates keep.
        let (engine, histories) = (self.engine, &mut self.histories);
        let mut failure = None;
        self.data.each_event(i64::MIN, until, &mut |event| {
            if failure.is_none() {
                failure = fold(engine, histories, event, Some(until)).err();
            }
        })?;
        if let Some(f) = failure {
            return Err(f);
        }
        self.histories.settle();
        self.checkpoint()
    }

    /// Folds a served event into its member's history.
    pub(super) fn fold(&mut self, event: &EventRecord) -> Result<(), RunError> {
        if self.histories.is_empty() {
            return Ok(());
        }
        fold(self.engine, &mut self.histories, event, None)
    }
}

/// Folds `event` into `histories`, its filters evaluated on it alone: in time
/// order, or (`before` the window's start) in any order, to be settled after.
fn fold(
    engine: &Compiled,
    histories: &mut Histories,
    event: &EventRecord,
    before: Option<i64>,
) -> Result<(), RunError> {
    let tz = engine.program.settings.timezone;
    let env = Env {
        event: Some(&event.row),
        ..Env::at(event.at, tz)
    };
    let mut segs = Segments::new(&[], Vec::new());
    let mut passes = |filter: &_| holds(filter, &env, &mut segs);
    match before {
        None => histories.fold(event, tz, &mut passes),
        Some(from) => histories.fold_unordered(event, tz, &mut passes, from),
    }
    .map_err(|(i, error)| RunError::History {
        span: engine.program.histories[i].span,
        event: event.row.id.clone(),
        error,
    })
}

/// Members' histories made of `events` (in time order), for commands that look at
/// one instant (`explain`, `segments`) rather than run a window.
pub fn histories_from<'e>(
    engine: &Compiled,
    events: impl IntoIterator<Item = &'e EventRecord>,
) -> Result<Histories, RunError> {
    let mut out = Histories::new(engine.histories.clone(), engine.program.events.len());
    for e in events {
        fold(engine, &mut out, e, None)?;
    }
    Ok(out)
}
