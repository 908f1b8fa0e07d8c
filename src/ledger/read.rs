//! Reading a ledger: its schema's state, the rules it holds grants of, a
//! playbook's last run and its grants; shared by the ledger and a run being written.

use std::path::Path;

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::{LedgerEntry, LedgerError, SCHEMA_VERSION, SELECT_GRANTS, sqlite_error};

use crate::compile::plan::RewardClass;
use crate::money::Fen;
use crate::syntax::ast::TargetKind;

/// Whether a database holds the current ledger schema, an older one, or nothing.
pub(super) enum SchemaState {
    Blank,
    /// A ledger of this older schema version.
    Old(i64),
    Current,
}

pub(super) fn schema_state(conn: &Connection, path: &Path) -> Result<SchemaState, LedgerError> {
    let fail = sqlite_error(path);
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(&fail)?;
    if version > SCHEMA_VERSION {
        return Err(LedgerError::NewerSchema {
            path: path.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version == SCHEMA_VERSION {
        return Ok(SchemaState::Current);
    }
    if version >= 1 {
        return Ok(SchemaState::Old(version));
    }
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
            [],
            |row| row.get(0),
        )
        .map_err(&fail)?;
    if tables > 0 {
        return Err(LedgerError::NotALedger {
            path: path.to_owned(),
        });
    }
    Ok(SchemaState::Blank)
}

pub(super) fn rules(conn: &Connection, path: &Path) -> Result<Vec<(String, String)>, LedgerError> {
    let fail = sqlite_error(path);
    let mut stmt = conn
        .prepare("SELECT DISTINCT playbook, rule FROM grants ORDER BY playbook, rule")
        .map_err(&fail)?;
    let rows = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(&fail)?;
    rows.collect::<Result<_, _>>().map_err(&fail)
}

pub(super) fn last_run_at(
    conn: &Connection,
    path: &Path,
    playbook: &str,
    except_run: Option<i64>,
) -> Result<Option<i64>, LedgerError> {
    conn.query_row(
        "SELECT max(at) FROM runs WHERE playbook = ?1 AND id IS NOT ?2",
        (playbook, except_run),
        |row| row.get(0),
    )
    .map_err(sqlite_error(path))
}

pub(super) fn for_each_grant(
    conn: &Connection,
    path: &Path,
    playbook: &str,
    mut visit: impl FnMut(LedgerEntry<'_>),
) -> Result<u64, LedgerError> {
    let fail = sqlite_error(path);
    let mut stmt = conn.prepare(SELECT_GRANTS).map_err(&fail)?;
    let mut rows = stmt.query([playbook]).map_err(&fail)?;
    let mut count = 0;
    while let Some(row) = rows.next().map_err(&fail)? {
        // The rowid is always an integer; every other column is checked, so a
        // damaged row is reported by id instead of being misread.
        let id: i64 = row.get(0).map_err(&fail)?;
        let corrupt = |problem: String| LedgerError::Corrupt {
            path: path.to_owned(),
            row: id,
            problem,
        };
        let column = |index: usize, name: &str| {
            row.get_ref(index)
                .map_err(|e| corrupt(format!("column {name}: {e}")))
        };
        let text = |index: usize, name: &str| {
            column(index, name)?
                .as_str()
                .map_err(|e| corrupt(format!("column {name} is not text: {e}")))
        };
        let int = |index: usize, name: &str| match column(index, name)? {
            ValueRef::Integer(n) => Ok(n),
            other => Err(corrupt(format!(
                "column {name} is not an integer ({:?})",
                other.data_type()
            ))),
        };
        let target_kind = match text(3, "target_kind")? {
            "member" => TargetKind::Member,
            "group" => TargetKind::Group,
            other => return Err(corrupt(format!("unknown target_kind `{other}`"))),
        };
        let kind = text(9, "kind")?;
        let Some(kind) = RewardClass::parse(kind) else {
            return Err(corrupt(format!("unknown kind `{kind}`")));
        };
        let position = int(7, "position")?;
        let Ok(position) = u32::try_from(position) else {
            return Err(corrupt(format!("position {position} out of range")));
        };
        visit(LedgerEntry {
            id,
            run_id: int(1, "run_id")?,
            rule: text(2, "rule")?,
            target_kind,
            target: text(4, "target")?,
            cause: text(5, "cause")?,
            cause_at: int(6, "cause_at")?,
            position,
            reward: text(8, "reward")?,
            kind,
            value: Fen(int(10, "value_fen")?),
            at: int(11, "at")?,
        });
        count += 1;
    }
    Ok(count)
}
