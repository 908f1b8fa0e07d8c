//! A run's members' histories: the events before the window folded in first, then
//! each event of the window once it has been served (so that it is not part of its
//! own firing's history).

use super::{Run, RunError};
use crate::data::EventRecord;

impl Run<'_> {
    /// Folds in every event up to `until` (the window's start): a member's history
    /// is the data's events table, not only the window's part of it.
    pub(super) fn read_history(&mut self, until: i64) -> Result<(), RunError> {
        if self.histories.is_empty() {
            return Ok(());
        }
        let before = self.data.events(i64::MIN, until)?;
        let mut event = EventRecord::default();
        for i in 0..before.len() {
            before.read(i, &mut event);
            self.fold(&event)?;
        }
        self.checkpoint()
    }

    /// Folds a served event into its member's history.
    pub(super) fn fold(&mut self, event: &EventRecord) -> Result<(), RunError> {
        if self.histories.is_empty() {
            return Ok(());
        }
        self.histories
            .fold(event, self.tz)
            .map_err(|(i, error)| RunError::History {
                span: self.engine.program.histories[i].span,
                event: event.row.id.clone(),
                error,
            })
    }
}
