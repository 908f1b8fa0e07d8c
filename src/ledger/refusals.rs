//! Refusals in the ledger (schema version 2), and a target's whole history.
//!
//! A refused firing is recorded once, by its identity (playbook, rule, target,
//! cause), so that re-running a recorded window does not list the same refusals
//! again as if they were new, and so that `playbook history` can say why a member
//! did not get something, as well as what they got.

use chrono_tz::Tz;
use rusqlite::Connection;

use super::{LedgerError, sqlite_error};
use crate::interpret::grant::Refusal;
use crate::money::Fen;
use crate::syntax::ast::TargetKind;

/// What version 2 adds to version 1.
pub(super) const SCHEMA_V2: &str = "
CREATE TABLE refusals (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    playbook TEXT NOT NULL,
    rule TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target TEXT NOT NULL,
    cause TEXT NOT NULL,
    cause_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    message TEXT NOT NULL,
    rewards TEXT NOT NULL,
    value_fen INTEGER NOT NULL,
    at INTEGER NOT NULL,
    UNIQUE (playbook, rule, target_kind, target, cause)
);
";

pub(super) const INSERT_REFUSAL: &str = "
INSERT INTO refusals (run_id, playbook, rule, target_kind, target, cause, cause_at,
                      reason, message, rewards, value_fen, at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
ON CONFLICT DO NOTHING";

const HOLDS_REFUSAL: &str = "
SELECT 1 FROM refusals
WHERE playbook = ?1 AND rule = ?2 AND target_kind = ?3 AND target = ?4 AND cause = ?5";

/// The columns of one refusal row, as [`INSERT_REFUSAL`] takes them after the run id
/// and playbook.
pub(super) struct RefusalRow {
    pub rule: String,
    pub target_kind: &'static str,
    pub target: String,
    pub cause: String,
    pub cause_at: i64,
    pub reason: &'static str,
    pub message: String,
    pub rewards: String,
    pub value: Fen,
    pub at: i64,
}

impl RefusalRow {
    /// The row of `r`; its value is the sum of the grants it stopped (checked: a
    /// sum that does not fit is shown as the largest amount, never wrapped).
    pub(super) fn of(r: &Refusal, tz: Tz) -> Option<RefusalRow> {
        let first = r.grants.first()?;
        let value = r
            .grants
            .iter()
            .try_fold(0i64, |sum, g| sum.checked_add(g.value.0))
            .unwrap_or(i64::MAX);
        Some(RefusalRow {
            rule: first.rule.to_string(),
            target_kind: first.target.kind.keyword(),
            target: first.target.id.to_string(),
            cause: first.cause.key(tz),
            cause_at: first.cause.at(),
            reason: r.reason.as_str(),
            message: r.message.clone(),
            rewards: r
                .grants
                .iter()
                .map(|g| &*g.reward)
                .collect::<Vec<_>>()
                .join(", "),
            value: Fen(value),
            at: first.at,
        })
    }
}

/// Whether the ledger already holds a refusal of the same firing as `r`.
pub(super) fn holds(
    conn: &Connection,
    path: &std::path::Path,
    playbook: &str,
    row: &RefusalRow,
) -> Result<bool, LedgerError> {
    let mut stmt = conn
        .prepare_cached(HOLDS_REFUSAL)
        .map_err(sqlite_error(path))?;
    stmt.exists((
        playbook,
        &row.rule,
        row.target_kind,
        &row.target,
        &row.cause,
    ))
    .map_err(sqlite_error(path))
}

/// One line of a target's history: a grant or a refusal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    /// `grant` or `refusal`.
    pub record: &'static str,
    /// The run that recorded it.
    pub run: i64,
    /// Playbook name.
    pub playbook: String,
    /// Rule name.
    pub rule: String,
    /// Reward name (the rewards of a refused firing, joined with `, `).
    pub reward: String,
    /// Value in fen.
    pub value_fen: i64,
    /// The cause key.
    pub cause: String,
    /// The cause's instant (Unix seconds).
    pub cause_at: i64,
    /// When it was (or would have been) handed out (Unix seconds).
    pub at: i64,
    /// For refusals: the reason (`limit`, `cap`, `budget`, `exclusive`, …).
    pub reason: Option<String>,
    /// For refusals: the message.
    pub message: Option<String>,
}

/// Every grant and refusal the ledger holds for one target, in time order (the
/// cause's instant, then when it was handed out, then grants before refusals).
pub(super) fn history(
    conn: &Connection,
    path: &std::path::Path,
    kind: TargetKind,
    target: &str,
    with_refusals: bool,
) -> Result<Vec<HistoryEntry>, LedgerError> {
    let fail = sqlite_error(path);
    let grants = "SELECT 'grant', run_id, playbook, rule, reward, value_fen, cause, cause_at,
                         at, NULL, NULL, id
                  FROM grants WHERE target_kind = ?1 AND target = ?2";
    let refusals = "SELECT 'refusal', run_id, playbook, rule, rewards, value_fen, cause,
                           cause_at, at, reason, message, id
                    FROM refusals WHERE target_kind = ?1 AND target = ?2";
    let sql = if with_refusals {
        format!("{grants} UNION ALL {refusals} ORDER BY 8, 9, 1, 12")
    } else {
        format!("{grants} ORDER BY 8, 9, 1, 12")
    };
    let mut stmt = conn.prepare(&sql).map_err(&fail)?;
    let rows = stmt
        .query_map((kind.keyword(), target), |row| {
            let record: String = row.get(0)?;
            Ok(HistoryEntry {
                record: if record == "grant" {
                    "grant"
                } else {
                    "refusal"
                },
                run: row.get(1)?,
                playbook: row.get(2)?,
                rule: row.get(3)?,
                reward: row.get(4)?,
                value_fen: row.get(5)?,
                cause: row.get(6)?,
                cause_at: row.get(7)?,
                at: row.get(8)?,
                reason: row.get(9)?,
                message: row.get(10)?,
            })
        })
        .map_err(&fail)?;
    rows.collect::<Result<_, _>>().map_err(&fail)
}
