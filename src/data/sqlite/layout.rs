//! The layout found at open: each table and column the schema needs (every missing
//! one listed), how rows are named, and the ids held twice, found unless a unique
//! index rules them out.

use std::collections::HashSet;

use rusqlite::Connection;

use super::events::EventSpec;
use super::quote;
use super::read::{FieldSpec, Place, Problems, RowNames, TableSpec};
use crate::check::model::{Program, RecordSchema};
use crate::data::decode::{Raw, read_id};
use crate::data::{Table, TableNames};

/// What `open` found: the tables it can read, and every table or column missing.
pub(super) struct Layout {
    pub(super) members: Option<TableSpec>,
    pub(super) groups: Option<TableSpec>,
    pub(super) events: Option<EventSpec>,
    /// What is missing, one line each.
    pub(super) missing: Vec<String>,
}

/// The columns `events` must have (`group_id` may be absent).
const EVENT_COLUMNS: [&str; 5] = ["id", "kind", "member_id", "at", "data"];

impl Layout {
    /// The tables `program` reads, by `names`; duplicate ids are recorded in
    /// `problems`.
    pub(super) fn read(
        conn: &Connection,
        program: &Program,
        names: &TableNames,
        problems: &mut Problems,
    ) -> rusqlite::Result<Layout> {
        let mut layout = Layout {
            members: None,
            groups: None,
            events: None,
            missing: Vec::new(),
        };
        let members = (Table::Members, names.members.as_str(), "member");
        layout.members = layout.table(conn, members, &program.member, problems)?;
        if let Some(schema) = &program.group {
            let groups = (Table::Groups, names.groups.as_str(), "group");
            layout.groups = layout.table(conn, groups, schema, problems)?;
        }
        if !program.events.is_empty() {
            layout.events = layout.events(conn, &names.events, program, problems)?;
        }
        Ok(layout)
    }

    /// A members or groups table: every schema field needs its column.
    fn table(
        &mut self,
        conn: &Connection,
        (table, name, what): (Table, &str, &str),
        schema: &RecordSchema,
        problems: &mut Problems,
    ) -> rusqlite::Result<Option<TableSpec>> {
        let columns = columns(conn, name)?;
        if columns.is_empty() {
            self.missing.push(format!(
                "no table `{name}` (the playbook's {what} schema is read from it)"
            ));
            return Ok(None);
        }
        let before = self.missing.len();
        for f in schema.fields.iter().filter(|f| !has(&columns, &f.name)) {
            self.missing.push(format!(
                "table {name} has no column `{}` ({what} field {}: {})",
                f.name, f.name, f.ty
            ));
        }
        if self.missing.len() > before {
            return Ok(None);
        }
        Ok(Some(TableSpec {
            table,
            name: name.to_owned(),
            fields: schema.fields.iter().map(FieldSpec::of).collect(),
            row_names: row_names(conn, name),
            duplicates: duplicates(conn, table, name, problems)?,
        }))
    }

    /// The events table: fixed columns; the kinds' fields are inside `data`.
    fn events(
        &mut self,
        conn: &Connection,
        name: &str,
        program: &Program,
        problems: &mut Problems,
    ) -> rusqlite::Result<Option<EventSpec>> {
        let columns = columns(conn, name)?;
        if columns.is_empty() {
            self.missing.push(format!(
                "no table `{name}` (the playbook declares events; they are read from it)"
            ));
            return Ok(None);
        }
        let absent: Vec<&str> = EVENT_COLUMNS
            .into_iter()
            .filter(|c| !has(&columns, c))
            .collect();
        for c in &absent {
            self.missing.push(format!(
                "table {name} has no column `{c}` (events are read from id, kind, member_id, \
                 at, data and optionally group_id)"
            ));
        }
        if !absent.is_empty() {
            return Ok(None);
        }
        Ok(Some(EventSpec::new(
            name,
            has(&columns, "group_id"),
            row_names(conn, name),
            duplicates(conn, Table::Events, name, problems)?,
            &program.events,
        )))
    }
}

/// The column names of a table or view; empty when there is none.
fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names = stmt.query_map([table], |r| r.get(0))?;
    names.collect()
}

/// SQLite matches ASCII names case-insensitively; so does this.
fn has(columns: &[String], name: &str) -> bool {
    columns.iter().any(|c| c.eq_ignore_ascii_case(name))
}

fn row_names(conn: &Connection, table: &str) -> RowNames {
    let probe = format!("SELECT rowid FROM {} LIMIT 0", quote(table));
    match conn.prepare(&probe) {
        Ok(_) => RowNames::Rowid,
        Err(_) => RowNames::Position,
    }
}

/// Ids held by more than one row, each recorded as a problem. Skipped when a unique
/// index guarantees there are none: the grouping query costs seconds on a million rows.
fn duplicates(
    conn: &Connection,
    table: Table,
    name: &str,
    problems: &mut Problems,
) -> rusqlite::Result<HashSet<String>> {
    let mut ids = HashSet::new();
    // Without a type, a column keeps `42` and `'42'` apart (a unique key too), but
    // both read as the id `42`: they are grouped by their text.
    let typed = id_has_affinity(conn, name)?;
    if typed && id_is_unique(conn, name)? {
        return Ok(ids);
    }
    let key = if typed {
        "\"id\""
    } else {
        "CAST(\"id\" AS TEXT)"
    };
    let sql = format!(
        "SELECT min(\"id\"), count(*) FROM {} WHERE \"id\" IS NOT NULL \
         GROUP BY {key} HAVING count(*) > 1",
        quote(name)
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let value = Raw::from(r.get_ref(0)?);
        let mut id = String::new();
        if read_id(value, &mut id).is_err() {
            continue; // reported when the rows are read
        }
        let count: i64 = r.get(1)?;
        let at = Place {
            table,
            name,
            row: &id,
        };
        let problem = format!("duplicate id: {count} rows have it, and all are left out");
        problems.record(&at, "id", value, problem);
        ids.insert(id);
    }
    Ok(ids)
}

/// Whether the `id` column's declared type gives it an affinity that stores every
/// id in one form (TEXT turns `42` into `'42'`, INTEGER or NUMERIC the reverse);
/// a column declared without a type, or BLOB, keeps each value as given.
fn id_has_affinity(conn: &Connection, table: &str) -> rusqlite::Result<bool> {
    let declared: Option<String> = conn
        .query_row(
            "SELECT type FROM pragma_table_info(?1) WHERE lower(name) = 'id'",
            [table],
            |r| r.get(0),
        )
        .unwrap_or(None);
    let t = declared.unwrap_or_default().to_ascii_uppercase();
    Ok(!(t.trim().is_empty() || t.contains("BLOB")))
}

/// Whether `id` alone is the primary key or has a full (not partial) unique index.
fn id_is_unique(conn: &Connection, table: &str) -> rusqlite::Result<bool> {
    let single_id = |names: Vec<Option<String>>| matches!(names.as_slice(), [Some(n)] if n.eq_ignore_ascii_case("id"));
    let key = names(
        conn,
        "SELECT name FROM pragma_table_info(?1) WHERE pk > 0",
        table,
    )?;
    if single_id(key) {
        return Ok(true);
    }
    let unique = "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" AND NOT partial";
    for index in names(conn, unique, table)?.into_iter().flatten() {
        if single_id(names(
            conn,
            "SELECT name FROM pragma_index_info(?1)",
            &index,
        )?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The first column of a one-parameter query (names may be NULL: expression indexes).
fn names(conn: &Connection, sql: &str, arg: &str) -> rusqlite::Result<Vec<Option<String>>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([arg], |r| r.get(0))?;
    rows.collect()
}
