//! Payouts: each grant's delivery through a payment channel, as the channel
//! reported it. `playbook payouts` lists the grants with their payout ids and where
//! each stands; `playbook payouts ack` records what the channel said. A result is
//! recorded once however often it is acknowledged, and every result is kept, so a
//! payout's history reads as it happened. A failed or expired payout is never
//! granted again by itself: the grant stays in the ledger, and an operator decides.
//!
//! Schema (version 3):
//!
//! ```sql
//! payout_results(id INTEGER PRIMARY KEY, payout_id TEXT NOT NULL,
//!                status TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL,
//!                UNIQUE(payout_id, status, reason, at))
//! ```

use std::collections::HashMap;

use rusqlite::OptionalExtension;

use super::payout::payout_id;
use super::{Ledger, LedgerError, sqlite_error};
use crate::money::Fen;
use crate::syntax::ast::TargetKind;

pub(super) const SCHEMA_V3: &str = "
CREATE TABLE payout_results (
    id INTEGER PRIMARY KEY,
    payout_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (payout_id, status, reason, at)
);
";

/// Where a payout stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Nothing reported yet: to deliver.
    Pending,
    /// Handed to the channel.
    Sent,
    /// The channel refused or failed it (with a reason).
    Failed,
    /// Waiting for the recipient to confirm (WeChat Pay's transfers ask them to).
    Waiting,
    /// Received.
    Confirmed,
    /// Not confirmed in time; the money went back.
    Expired,
}

impl Status {
    /// Every status, in the order a payout goes through them.
    pub const ALL: [Status; 6] = [
        Status::Pending,
        Status::Sent,
        Status::Waiting,
        Status::Confirmed,
        Status::Failed,
        Status::Expired,
    ];

    /// The word written in files and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::Waiting => "waiting",
            Status::Confirmed => "confirmed",
            Status::Expired => "expired",
        }
    }

    /// The status written as `word`.
    pub fn parse(word: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

/// One grant to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    /// Its payout id ([`super::payout::payout_id`]).
    pub payout_id: String,
    /// The playbook that granted it.
    pub playbook: String,
    /// The rule.
    pub rule: String,
    /// Member or group.
    pub target_kind: TargetKind,
    /// Who receives it.
    pub target: String,
    /// The reward.
    pub reward: String,
    /// Its kind (`red_packet`, `coupon`, …).
    pub kind: String,
    /// Its value.
    pub value: Fen,
    /// When it was granted (Unix seconds).
    pub at: i64,
    /// Where it stands: its latest result, or pending.
    pub status: Status,
    /// The latest result's reason (for a failure), or empty.
    pub reason: String,
    /// When the latest result happened, as reported, or empty.
    pub status_at: String,
}

/// A result a channel reported for one payout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// The payout.
    pub payout_id: String,
    /// Its new status (never pending).
    pub status: Status,
    /// Why, for a failure; may be empty.
    pub reason: String,
    /// When, as the channel said it.
    pub at: String,
}

/// What recording acknowledgements did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AckReport {
    /// Results recorded now.
    pub recorded: u64,
    /// Results the ledger held already (acknowledged before).
    pub already: u64,
}

const SELECT_PAYOUTS: &str = "
SELECT playbook, rule, target_kind, target, cause, position, reward, kind, value_fen, at
FROM grants ORDER BY id";

impl Ledger {
    /// Every grant of the ledger, in the order granted, with its payout id and
    /// where it stands.
    pub fn payouts(&self) -> Result<Vec<Payout>, LedgerError> {
        let fail = sqlite_error(&self.path);
        let latest = self.latest_results()?;
        let mut stmt = self.conn.prepare(SELECT_PAYOUTS).map_err(&fail)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, u32>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, String>(7)?,
                    row.get::<_, i64>(8)?,
                    row.get::<_, i64>(9)?,
                ))
            })
            .map_err(&fail)?;
        let mut out = Vec::new();
        for row in rows {
            let (playbook, rule, kind_word, target, cause, position, reward, kind, fen, at) =
                row.map_err(&fail)?;
            let target_kind = match kind_word.as_str() {
                "group" => TargetKind::Group,
                _ => TargetKind::Member,
            };
            let id = payout_id(&playbook, &rule, (target_kind, &target), &cause, position);
            let (status, reason, status_at) =
                latest
                    .get(&id)
                    .cloned()
                    .unwrap_or((Status::Pending, String::new(), String::new()));
            out.push(Payout {
                payout_id: id,
                playbook,
                rule,
                target_kind,
                target,
                reward,
                kind,
                value: Fen(fen),
                at,
                status,
                reason,
                status_at,
            });
        }
        Ok(out)
    }

    /// The payouts whose latest result is `confirmed`.
    pub fn confirmed_ids(&self) -> Result<std::collections::HashSet<String>, LedgerError> {
        Ok(self
            .latest_results()?
            .into_iter()
            .filter(|(_, (status, _, _))| *status == Status::Confirmed)
            .map(|(id, _)| id)
            .collect())
    }

    /// Each payout's latest result (the last recorded).
    fn latest_results(&self) -> Result<HashMap<String, (Status, String, String)>, LedgerError> {
        let fail = sqlite_error(&self.path);
        let mut latest = HashMap::new();
        if !self.has_payouts()? {
            return Ok(latest);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT payout_id, status, reason, at FROM payout_results ORDER BY id")
            .map_err(&fail)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get(2)?,
                    row.get(3)?,
                ))
            })
            .map_err(&fail)?;
        for row in rows {
            let (id, status, reason, at) = row.map_err(&fail)?;
            if let Some(status) = Status::parse(&status) {
                latest.insert(id, (status, reason, at));
            }
        }
        Ok(latest)
    }

    fn has_payouts(&self) -> Result<bool, LedgerError> {
        self.conn
            .query_row(
                "SELECT 1 FROM sqlite_schema WHERE name = 'payout_results'",
                [],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
            .map_err(sqlite_error(&self.path))
    }

    /// Records what a channel reported, in one transaction: all of `acks`, or
    /// nothing when one names a payout id the ledger does not hold (those ids are
    /// returned, in order, in the error). A result recorded before is not recorded
    /// again.
    pub fn ack(&mut self, acks: &[Ack]) -> Result<Result<AckReport, Vec<String>>, LedgerError> {
        let known: std::collections::HashSet<String> =
            self.payouts()?.into_iter().map(|p| p.payout_id).collect();
        let unknown: Vec<String> = acks
            .iter()
            .filter(|a| !known.contains(&a.payout_id))
            .map(|a| a.payout_id.clone())
            .collect();
        if !unknown.is_empty() {
            return Ok(Err(unknown));
        }
        self.ensure_schema()?;
        let fail = sqlite_error(&self.path);
        let tx = self.conn.transaction().map_err(&fail)?;
        let mut report = AckReport::default();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO payout_results (payout_id, status, reason, at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT DO NOTHING",
                )
                .map_err(&fail)?;
            for a in acks {
                let n = insert
                    .execute((&a.payout_id, a.status.as_str(), &a.reason, &a.at))
                    .map_err(&fail)?;
                if n == 0 {
                    report.already += 1;
                } else {
                    report.recorded += 1;
                }
            }
        }
        tx.commit().map_err(&fail)?;
        Ok(Ok(report))
    }
}
