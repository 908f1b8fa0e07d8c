//! The ledger: a SQLite record of every run and every grant it made.
//!
//! Limits, caps and budgets count what the ledger holds, and a grant's identity
//! (playbook, rule, target, cause, reward position) is unique in it, so re-running a
//! window grants nothing twice. A run is one transaction: a run killed at any point
//! leaves the ledger as before it or as after it.
//!
//! The intended order for a run is [`Ledger::begin`] (which takes the write lock),
//! then reading history through the [`RunWriter`], evaluating, [`RunWriter::record`]
//! and [`RunWriter::commit`]. Reading history inside the run's transaction is what
//! makes two concurrent runs serialize instead of both counting stale history.
//!
//! Schema (version 3, kept in `PRAGMA user_version`; version 2 added `refusals`, see
//! [`refusals`], and version 3 `payout_results`, see [`payouts`]):
//!
//! ```sql
//! runs(id INTEGER PRIMARY KEY, playbook TEXT NOT NULL, since INTEGER NULL,
//!      at INTEGER NOT NULL, started TEXT NOT NULL, grants INTEGER NOT NULL,
//!      value_fen INTEGER NOT NULL)
//! grants(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),
//!        playbook TEXT NOT NULL, rule TEXT NOT NULL, target_kind TEXT NOT NULL,
//!        target TEXT NOT NULL, cause TEXT NOT NULL, cause_at INTEGER NOT NULL,
//!        position INTEGER NOT NULL, reward TEXT NOT NULL, kind TEXT NOT NULL,
//!        value_fen INTEGER NOT NULL, at INTEGER NOT NULL, detail TEXT NOT NULL,
//!        UNIQUE(playbook, rule, target_kind, target, cause, position))
//! grants_by_playbook ON grants(playbook)
//! ```
//!
//! Instants are Unix seconds; `runs.started` is the wall clock in RFC 3339 UTC and
//! only informational; `grants.detail` is the grant's detail JSON object.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use rusqlite::types::Type;
use rusqlite::{Connection, Transaction, TransactionBehavior};

pub mod payout;
pub mod payouts;
mod read;
pub mod refusals;
mod writer;

use read::{SchemaState, for_each_grant, last_run_at, rules, schema_state};
use writer::CauseKey;
pub use writer::RunWriter;

pub use refusals::HistoryEntry;
use refusals::RefusalRow;

use crate::compile::plan::RewardClass;
use crate::interpret::grant::Refusal;
use crate::money::Fen;
use crate::syntax::ast::TargetKind;

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = 3;

/// How long to wait for another run's write lock before giving up. A run holds the
/// lock while it evaluates, so this is generous.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

const SCHEMA: &str = "
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    playbook TEXT NOT NULL,
    since INTEGER NULL,
    at INTEGER NOT NULL,
    started TEXT NOT NULL,
    grants INTEGER NOT NULL,
    value_fen INTEGER NOT NULL
);
CREATE TABLE grants (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    playbook TEXT NOT NULL,
    rule TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target TEXT NOT NULL,
    cause TEXT NOT NULL,
    cause_at INTEGER NOT NULL,
    position INTEGER NOT NULL,
    reward TEXT NOT NULL,
    kind TEXT NOT NULL,
    value_fen INTEGER NOT NULL,
    at INTEGER NOT NULL,
    detail TEXT NOT NULL,
    UNIQUE (playbook, rule, target_kind, target, cause, position)
);
-- The bundled SQLite enforces foreign keys: each grant's run_id is looked up in runs
-- (the row inserted in the same transaction); the ledger benchmark includes that.
-- Reading a playbook's history in insertion order: the index carries the rowid, so
-- `WHERE playbook = ? ORDER BY id` walks it without sorting millions of rows, and
-- it is appended to at the end of the playbook's range, so inserts stay cheap.
CREATE INDEX grants_by_playbook ON grants (playbook);
";

const INSERT_GRANT: &str = "
INSERT INTO grants (run_id, playbook, rule, target_kind, target, cause, cause_at,
                    position, reward, kind, value_fen, at, detail)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
ON CONFLICT DO NOTHING";

const SELECT_GRANTS: &str = "
SELECT id, run_id, rule, target_kind, target, cause, cause_at, position, reward, kind,
       value_fen, at
FROM grants WHERE playbook = ?1 ORDER BY id";

/// What can go wrong with a ledger; every message names the ledger file.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// SQLite failed (cannot open, locked by another run for too long, disk full…).
    #[error("ledger {}: {error}", path.display())]
    Sqlite {
        /// The ledger file.
        path: PathBuf,
        /// What SQLite said.
        error: rusqlite::Error,
    },
    /// The ledger was written by a newer version of playbook.
    #[error(
        "ledger {} has schema version {found}, but this playbook understands only up to version {supported}; use a newer playbook",
        path.display()
    )]
    NewerSchema {
        /// The ledger file.
        path: PathBuf,
        /// Its `user_version`.
        found: i64,
        /// [`SCHEMA_VERSION`].
        supported: i64,
    },
    /// The file is some other SQLite database (e.g. the data file given by mistake).
    #[error(
        "{} is not a playbook ledger: it already holds other tables; give --ledger a file of its own",
        path.display()
    )]
    NotALedger {
        /// The file.
        path: PathBuf,
    },
    /// A stored row cannot be read back as written; the ledger is damaged.
    #[error("ledger {} is damaged: grant row {row}: {problem}", path.display())]
    Corrupt {
        /// The ledger file.
        path: PathBuf,
        /// The `grants.id` of the bad row.
        row: i64,
        /// What is wrong with it.
        problem: String,
    },
    /// The run's grants are worth more together than money holds, so its
    /// `runs.value_fen` cannot be stored exactly.
    #[error("ledger {}: this run's grants are worth more than {} together; nothing was recorded", path.display(), Fen(i64::MAX))]
    TotalTooLarge {
        /// The ledger file.
        path: PathBuf,
    },
    /// A write was attempted on a ledger opened with [`Ledger::open_read_only`].
    #[error("ledger {} is open read-only (dry run); nothing can be recorded", path.display())]
    ReadOnly {
        /// The ledger file.
        path: PathBuf,
    },
}

/// One recorded grant, borrowed from the row being read (valid only inside the
/// visitor of [`Ledger::for_each_grant`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerEntry<'a> {
    /// `grants.id`: increases in insertion order.
    pub id: i64,
    /// The run that recorded it.
    pub run_id: i64,
    /// Rule name.
    pub rule: &'a str,
    /// Member or group.
    pub target_kind: TargetKind,
    /// Target id.
    pub target: &'a str,
    /// The cause key, as [`Cause::key`](crate::interpret::grant::Cause::key) writes it.
    pub cause: &'a str,
    /// The cause's instant.
    pub cause_at: i64,
    /// Position of the reward in the rule's `give` list.
    pub position: u32,
    /// Reward name.
    pub reward: &'a str,
    /// Reward kind.
    pub kind: RewardClass,
    /// Cost counted against caps and budgets.
    pub value: Fen,
    /// When it was handed out.
    pub at: i64,
}

impl<'a> LedgerEntry<'a> {
    /// Its payout id, as recorded under `playbook` ([`payout::payout_id`]).
    pub fn payout_id(&self, playbook: &str) -> String {
        payout::payout_id(
            playbook,
            self.rule,
            (self.target_kind, self.target),
            self.cause,
            self.position,
        )
    }

    /// What limits, caps and budgets count of this grant.
    pub fn history(&self) -> crate::interpret::usage::HistoryGrant<'a> {
        crate::interpret::usage::HistoryGrant {
            rule: self.rule,
            target_kind: self.target_kind,
            target: self.target,
            cause: self.cause,
            cause_at: self.cause_at,
            value: self.value,
            at: self.at,
            red_packet: self.kind == RewardClass::RedPacket,
            counts_spend: true,
        }
    }
}

/// One run as recorded in the `runs` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// `runs.id`.
    pub id: i64,
    /// Playbook name.
    pub playbook: String,
    /// Start of the evaluated window `(since, at]`, if there was one.
    pub since: Option<i64>,
    /// End of the evaluated window.
    pub at: i64,
    /// Wall-clock start of the run, RFC 3339 UTC (informational only).
    pub started: String,
    /// Grants this run newly recorded.
    pub grants: u64,
    /// Their total value.
    pub value: Fen,
}

/// A ledger file (or an in-memory ledger for simulations).
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
    /// Whether the `refusals` table exists (not in a version 1 ledger read by a
    /// dry run, which cannot upgrade it).
    has_refusals: bool,
}

impl Ledger {
    /// Opens a ledger for reading and writing, creating the file and its schema if
    /// needed. Refuses a ledger written by a newer version, and a database that
    /// holds other tables but no ledger; a refused file is left byte for byte as it
    /// was, and a new file that cannot be set up is removed again.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let existed = path.exists();
        if existed {
            // Decide what the file is before changing anything in it: switching to
            // WAL below rewrites the header of whatever database it is.
            let probe = crate::sqlite_file::open_read_only(path).map_err(sqlite_error(path))?;
            schema_state(&probe, path)?;
        }
        let opened = Ledger::open_writable(path);
        if opened.is_err() && !existed {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                // Best effort: what is left is at worst an empty file.
                let _ = std::fs::remove_file(crate::sqlite_file::sibling(path, suffix));
            }
        }
        opened
    }

    fn open_writable(path: &Path) -> Result<Ledger, LedgerError> {
        let fail = sqlite_error(path);
        let conn = Connection::open(path).map_err(&fail)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&fail)?;
        // WAL lets readers (reports, dry runs) work while a run writes; NORMAL
        // synchronous keeps every commit atomic and skips an fsync per commit.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&fail)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(&fail)?;
        let mut ledger = Ledger {
            conn,
            path: path.to_owned(),
            read_only: false,
            has_refusals: true,
        };
        ledger.ensure_schema()?;
        Ok(ledger)
    }

    /// Opens a ledger for a dry run: nothing is ever created or written, not even
    /// SQLite's `-wal`/`-shm` files when the ledger has none, so a dry run works on
    /// a read-only mount. A missing file (or an empty one) is an empty history, not
    /// an error; [`Ledger::begin`] on a read-only ledger fails with
    /// [`LedgerError::ReadOnly`].
    pub fn open_read_only(path: &Path) -> Result<Ledger, LedgerError> {
        let fail = sqlite_error(path);
        if !path.exists() {
            return Ledger::empty_read_only(path);
        }
        let conn = crate::sqlite_file::open_read_only(path).map_err(&fail)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&fail)?;
        let mut ledger = Ledger {
            conn,
            path: path.to_owned(),
            read_only: true,
            has_refusals: true,
        };
        match schema_state(&ledger.conn, &ledger.path)? {
            SchemaState::Current => Ok(ledger),
            SchemaState::Old(version) => {
                ledger.has_refusals = version >= 2;
                Ok(ledger)
            }
            SchemaState::Blank => Ledger::empty_read_only(path),
        }
    }

    /// A fresh ledger in memory, for simulations that replay a period without
    /// touching a file.
    pub fn open_in_memory() -> Result<Ledger, LedgerError> {
        let path = Path::new(":memory:");
        let conn = Connection::open_in_memory().map_err(sqlite_error(path))?;
        let mut ledger = Ledger {
            conn,
            path: path.to_owned(),
            read_only: false,
            has_refusals: true,
        };
        ledger.ensure_schema()?;
        Ok(ledger)
    }

    /// Whether the ledger already holds a refusal of the same firing as `r` (for a
    /// dry run, which records nothing; a run learns it from
    /// [`RunWriter::record_refusal`]).
    pub fn holds_refusal(&self, playbook: &str, r: &Refusal, tz: Tz) -> Result<bool, LedgerError> {
        match RefusalRow::of(r, tz) {
            Some(row) if self.has_refusals => {
                refusals::holds(&self.conn, &self.path, playbook, &row)
            }
            _ => Ok(false),
        }
    }

    /// Every grant and refusal the ledger holds for one target, of any playbook, in
    /// time order.
    pub fn history(
        &self,
        kind: TargetKind,
        target: &str,
    ) -> Result<Vec<HistoryEntry>, LedgerError> {
        refusals::history(&self.conn, &self.path, kind, target, self.has_refusals)
    }

    /// The file this ledger was opened from (`:memory:` for an in-memory one).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this ledger was opened with [`Ledger::open_read_only`].
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The latest `at` of any run of `playbook`: where the next run's window starts
    /// by default. `None` if the playbook has never run.
    pub fn last_run_at(&self, playbook: &str) -> Result<Option<i64>, LedgerError> {
        last_run_at(&self.conn, &self.path, playbook, None)
    }

    /// Streams every grant of `playbook` in insertion order, without collecting
    /// them; returns how many were visited. A row that cannot be read back exactly
    /// is an error naming its id, never skipped.
    pub fn for_each_grant(
        &self,
        playbook: &str,
        visit: impl FnMut(LedgerEntry<'_>),
    ) -> Result<u64, LedgerError> {
        for_each_grant(&self.conn, &self.path, playbook, visit)
    }

    /// Every (playbook, rule) pair the ledger holds grants of, sorted.
    pub fn rules(&self) -> Result<Vec<(String, String)>, LedgerError> {
        rules(&self.conn, &self.path)
    }

    /// The recorded runs, oldest first; only those of `playbook` if given.
    pub fn runs(&self, playbook: Option<&str>) -> Result<Vec<RunRecord>, LedgerError> {
        let fail = sqlite_error(&self.path);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, playbook, since, at, started, grants, value_fen FROM runs
                 WHERE ?1 IS NULL OR playbook = ?1 ORDER BY id",
            )
            .map_err(&fail)?;
        let rows = stmt
            .query_map([playbook], |row| {
                Ok(RunRecord {
                    id: row.get(0)?,
                    playbook: row.get(1)?,
                    since: row.get(2)?,
                    at: row.get(3)?,
                    started: row.get(4)?,
                    grants: u64::try_from(row.get::<_, i64>(5)?).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(5, Type::Integer, Box::new(e))
                    })?,
                    value: Fen(row.get(6)?),
                })
            })
            .map_err(&fail)?;
        rows.collect::<Result<_, _>>().map_err(&fail)
    }

    /// Starts a run over the window `(since, at]`: one IMMEDIATE transaction for the
    /// whole run (so a concurrent run waits instead of reading stale history) and
    /// its `runs` row. Dropping the [`RunWriter`] without [`RunWriter::commit`]
    /// rolls everything back, the `runs` row included.
    pub fn begin(
        &mut self,
        playbook: &str,
        since: Option<i64>,
        at: i64,
    ) -> Result<RunWriter<'_>, LedgerError> {
        if self.read_only {
            return Err(LedgerError::ReadOnly {
                path: self.path.clone(),
            });
        }
        // `&mut self` guarantees no other transaction is open on this connection,
        // which is what `new_unchecked` leaves to the caller; a shared borrow lets
        // the transaction and the prepared insert live side by side.
        let ledger: &Ledger = self;
        let fail = sqlite_error(&ledger.path);
        let tx = Transaction::new_unchecked(&ledger.conn, TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        tx.execute(
            "INSERT INTO runs (playbook, since, at, started, grants, value_fen)
             VALUES (?1, ?2, ?3, ?4, 0, 0)",
            (playbook, since, at, &started),
        )
        .map_err(&fail)?;
        let run_id = tx.last_insert_rowid();
        let insert = ledger.conn.prepare(INSERT_GRANT).map_err(&fail)?;
        let insert_refusal = ledger
            .conn
            .prepare(refusals::INSERT_REFUSAL)
            .map_err(&fail)?;
        Ok(RunWriter {
            insert,
            insert_refusal,
            tx,
            path: &ledger.path,
            run: RunRecord {
                id: run_id,
                playbook: playbook.to_owned(),
                since,
                at,
                started,
                grants: 0,
                value: Fen::ZERO,
            },
            cause: CauseKey::default(),
            detail: String::new(),
        })
    }

    /// Creates the schema on a blank database, or adds what a newer version added
    /// to an older ledger, under the write lock so two runs opening a new ledger at
    /// once do not both create it.
    fn ensure_schema(&mut self) -> Result<(), LedgerError> {
        if let SchemaState::Current = schema_state(&self.conn, &self.path)? {
            return Ok(());
        }
        let fail = sqlite_error(&self.path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        match schema_state(&tx, &self.path)? {
            SchemaState::Current => {}
            SchemaState::Blank => {
                tx.execute_batch(SCHEMA).map_err(&fail)?;
                tx.execute_batch(refusals::SCHEMA_V2).map_err(&fail)?;
                tx.execute_batch(payouts::SCHEMA_V3).map_err(&fail)?;
            }
            SchemaState::Old(version) => {
                if version < 2 {
                    tx.execute_batch(refusals::SCHEMA_V2).map_err(&fail)?;
                }
                tx.execute_batch(payouts::SCHEMA_V3).map_err(&fail)?;
            }
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(&fail)?;
        tx.commit().map_err(&fail)
    }

    /// The stand-in for a ledger file that does not exist yet: an empty in-memory
    /// ledger that still reports the file's path.
    fn empty_read_only(path: &Path) -> Result<Ledger, LedgerError> {
        let mut ledger = Ledger::open_in_memory()?;
        ledger.path = path.to_owned();
        ledger.read_only = true;
        Ok(ledger)
    }
}

pub(super) fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> LedgerError + '_ {
    move |error| LedgerError::Sqlite {
        path: path.to_owned(),
        error,
    }
}
