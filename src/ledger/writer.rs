//! Writing a run: its grants and refusals, in the run's one transaction.

use std::fmt::Write as _;
use std::path::Path;

use chrono_tz::Tz;
use rusqlite::{Statement, Transaction};

use super::read::{for_each_grant, last_run_at, rules};
use super::refusals::RefusalRow;
use super::{LedgerEntry, LedgerError, RunRecord, sqlite_error};

use crate::interpret::grant::{Cause, Grant, Refusal};

/// A run in progress: one open transaction. Record grants, then
/// [`RunWriter::commit`]; dropping it instead rolls the whole run back.
#[derive(Debug)]
pub struct RunWriter<'a> {
    // Declared before `tx` so the statement is finalized before the transaction
    // ends on drop.
    pub(super) insert: Statement<'a>,
    pub(super) insert_refusal: Statement<'a>,
    pub(super) tx: Transaction<'a>,
    pub(super) path: &'a Path,
    pub(super) run: RunRecord,
    pub(super) cause: CauseKey,
    pub(super) detail: String,
}

impl RunWriter<'_> {
    /// Records a grant. Returns `false`, without error, when a grant with the same
    /// identity (playbook, rule, target, cause, position) is already in the ledger,
    /// from an earlier run or this one.
    pub fn record(&mut self, grant: &Grant, tz: Tz) -> Result<bool, LedgerError> {
        let cause = self.cause.key(&grant.cause, tz);
        self.detail.clear();
        // serde_json's Display is the compact form; writing into a kept buffer
        // saves the per-row String (and writing to a String cannot fail).
        let _ = write!(self.detail, "{}", grant.detail.to_json(tz));
        let inserted = self
            .insert
            .execute((
                self.run.id,
                &self.run.playbook,
                &*grant.rule,
                grant.target.kind.keyword(),
                &*grant.target.id,
                cause,
                grant.cause.at(),
                grant.position,
                &*grant.reward,
                grant.kind.as_str(),
                grant.value.0,
                grant.at,
                &self.detail,
            ))
            .map_err(sqlite_error(self.path))?;
        if inserted == 0 {
            return Ok(false);
        }
        self.run.grants += 1;
        self.run.value =
            self.run
                .value
                .checked_add(grant.value)
                .ok_or_else(|| LedgerError::TotalTooLarge {
                    path: self.path.to_path_buf(),
                })?;
        Ok(true)
    }

    /// Records a refusal. Returns `false`, without error, when the ledger already
    /// holds a refusal of the same firing (playbook, rule, target, cause): a re-run
    /// of a recorded window does not report it again as new.
    pub fn record_refusal(&mut self, r: &Refusal, tz: Tz) -> Result<bool, LedgerError> {
        let Some(row) = RefusalRow::of(r, tz) else {
            return Ok(true);
        };
        let inserted = self
            .insert_refusal
            .execute((
                self.run.id,
                &self.run.playbook,
                &row.rule,
                row.target_kind,
                &row.target,
                &row.cause,
                row.cause_at,
                row.reason,
                &row.message,
                &row.rewards,
                row.value.0,
                row.at,
            ))
            .map_err(sqlite_error(self.path))?;
        Ok(inserted > 0)
    }

    /// Reads `playbook`'s history inside this run's transaction: everything
    /// committed before the run started plus what this run has recorded so far.
    pub fn for_each_grant(
        &self,
        playbook: &str,
        visit: impl FnMut(LedgerEntry<'_>),
    ) -> Result<u64, LedgerError> {
        for_each_grant(&self.tx, self.path, playbook, visit)
    }

    /// The latest `at` of the playbook's earlier runs, read under this run's lock
    /// (this run itself is left out).
    pub fn last_run_at(&self, playbook: &str) -> Result<Option<i64>, LedgerError> {
        last_run_at(&self.tx, self.path, playbook, Some(self.run.id))
    }

    /// Sets the window start stored for this run, for a caller that decides it
    /// from [`RunWriter::last_run_at`] after taking the lock.
    pub fn set_since(&mut self, since: Option<i64>) {
        self.run.since = since;
    }

    /// Every (playbook, rule) pair the ledger holds grants of, sorted; read inside
    /// the run's transaction.
    pub fn rules(&self) -> Result<Vec<(String, String)>, LedgerError> {
        rules(&self.tx, self.path)
    }

    /// The run as it will be recorded: id, window, grants and value so far.
    pub fn run(&self) -> &RunRecord {
        &self.run
    }

    /// Stores the run's grant count and value and commits the whole run.
    pub fn commit(self) -> Result<RunRecord, LedgerError> {
        let RunWriter {
            insert,
            insert_refusal,
            tx,
            path,
            run,
            ..
        } = self;
        drop(insert);
        drop(insert_refusal);
        let fail = sqlite_error(path);
        let grants = i64::try_from(run.grants).unwrap_or(i64::MAX);
        tx.execute(
            "UPDATE runs SET since = ?1, grants = ?2, value_fen = ?3 WHERE id = ?4",
            (run.since, grants, run.value.0, run.id),
        )
        .map_err(&fail)?;
        tx.commit().map_err(&fail)?;
        Ok(run)
    }
}

/// The cause key of the grant being recorded, kept between calls: all the grants of
/// one tick share it, so it is formatted once per tick, and an event's key is built
/// in the same buffer. Must match [`Cause::key`].
#[derive(Debug, Default)]
pub(super) struct CauseKey {
    text: String,
    tick: Option<(i64, Tz)>,
}

impl CauseKey {
    fn key(&mut self, cause: &Cause, tz: Tz) -> &str {
        match cause {
            Cause::Event { id, .. } => {
                self.tick = None;
                self.text.clear();
                self.text.push_str("event:");
                self.text.push_str(id);
            }
            Cause::Tick { at } => {
                if self.tick != Some((*at, tz)) {
                    self.text = cause.key(tz);
                    self.tick = Some((*at, tz));
                }
            }
        }
        &self.text
    }
}
