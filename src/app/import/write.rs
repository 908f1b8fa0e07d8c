//! Writing converted rows into a SQLite table the way `run` reads it, in one
//! transaction: the table is created when absent, columns it lacks are added, and
//! rows are upserted by id, so importing a file again changes nothing.

use std::path::Path;

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, TransactionBehavior, params_from_iter};

use super::convert::Stored;
use crate::value::SET_SEPARATOR;

/// The table an import writes: its name and columns, `id` first, each with the
/// SQL type it is declared with when created.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The table's name.
    pub table: String,
    /// Column names and declared types.
    pub columns: Vec<(String, &'static str)>,
}

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Rows whose id was not in the table.
    pub new: usize,
    /// Rows whose id was (their imported columns replaced).
    pub updated: usize,
    /// Whether the table was created.
    pub created: bool,
    /// Columns added to an existing table.
    pub added: Vec<String>,
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A value as SQL: a set as comma-separated text when no element has a comma (the
/// form `run` may filter in SQL), else as a JSON array.
pub fn to_sql(value: &Stored) -> Sql {
    match value {
        Stored::Null => Sql::Null,
        Stored::Int(i) => Sql::Integer(*i),
        Stored::Bool(b) => Sql::Integer(i64::from(*b)),
        Stored::Text(t) => Sql::Text(t.clone()),
        Stored::Set(items) => {
            let joined = items.join(",");
            let plain = !items.iter().any(|e| e.contains([',', '，']))
                && !joined.starts_with('[')
                && !joined.contains(SET_SEPARATOR);
            if plain {
                Sql::Text(joined)
            } else {
                Sql::Text(serde_json::Value::from(items.clone()).to_string())
            }
        }
    }
}

/// Upserts `rows` (values in the layout's column order) into the database at `db`,
/// created when absent. All or nothing.
pub fn write(db: &Path, layout: &Layout, rows: &[Vec<Stored>]) -> Result<Written, String> {
    let name = db.display();
    let mut conn = Connection::open(db).map_err(|e| format!("cannot open {name}: {e}"))?;
    let _ = conn.busy_timeout(std::time::Duration::from_secs(5));
    let fail = |e: rusqlite::Error| format!("cannot write {name}: {e}");
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(fail)?;
    let table = quoted(&layout.table);
    let existing: Vec<String> = {
        let mut stmt = tx
            .prepare(&format!(
                "SELECT name FROM pragma_table_info({})",
                sql_text(&layout.table)
            ))
            .map_err(fail)?;
        stmt.query_map([], |r| r.get::<_, String>(0))
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?
    };
    let mut written = Written::default();
    if existing.is_empty() {
        let columns: Vec<String> = layout
            .columns
            .iter()
            .enumerate()
            .map(|(i, (c, ty))| {
                let key = if i == 0 { " PRIMARY KEY" } else { "" };
                format!("{} {ty}{key}", quoted(c))
            })
            .collect();
        tx.execute(
            &format!("CREATE TABLE {table} ({})", columns.join(", ")),
            [],
        )
        .map_err(fail)?;
        written.created = true;
    } else {
        for (c, ty) in &layout.columns {
            if !existing.iter().any(|e| e.eq_ignore_ascii_case(c)) {
                tx.execute(
                    &format!("ALTER TABLE {table} ADD COLUMN {} {ty}", quoted(c)),
                    [],
                )
                .map_err(fail)?;
                written.added.push(c.clone());
            }
        }
    }
    let names: Vec<String> = layout.columns.iter().map(|(c, _)| quoted(c)).collect();
    let id = &names[0];
    let updates: Vec<String> = names[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let upsert = format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT({id}) DO {}",
        names.join(", "),
        vec!["?"; names.len()].join(", "),
        if updates.is_empty() {
            "NOTHING".to_owned()
        } else {
            format!("UPDATE SET {}", updates.join(", "))
        }
    );
    {
        let mut exists = tx
            .prepare(&format!("SELECT 1 FROM {table} WHERE {id} = ?"))
            .map_err(fail)?;
        let mut insert = tx.prepare(&upsert).map_err(|e| {
            if e.to_string().contains("ON CONFLICT clause does not match") {
                format!(
                    "table `{}` in {name} has no PRIMARY KEY or UNIQUE index on `id`, and an \
                     import updates rows by id; add one: CREATE UNIQUE INDEX {}_id ON {table}(id)",
                    layout.table, layout.table
                )
            } else {
                fail(e)
            }
        })?;
        for row in rows {
            let values: Vec<Sql> = row.iter().map(to_sql).collect();
            if exists.exists([&values[0]]).map_err(fail)? {
                written.updated += 1;
            } else {
                written.new += 1;
            }
            insert
                .execute(params_from_iter(values.iter()))
                .map_err(fail)?;
        }
    }
    tx.commit().map_err(fail)?;
    Ok(written)
}

/// A string literal for SQL.
fn sql_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            table: "members".into(),
            columns: vec![
                ("id".into(), "TEXT"),
                ("spend".into(), "INTEGER"),
                ("tags".into(), "TEXT"),
            ],
        }
    }

    fn row(id: &str, spend: i64, tags: &[&str]) -> Vec<Stored> {
        vec![
            Stored::Text(id.into()),
            Stored::Int(spend),
            Stored::Set(tags.iter().map(|t| (*t).to_owned()).collect()),
        ]
    }

    #[test]
    fn a_second_write_updates_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("shop.db");
        let rows = vec![row("m1", 100, &["a", "b"]), row("m2", 200, &["x,y"])];
        let first = write(&db, &layout(), &rows).unwrap();
        assert_eq!((first.new, first.updated, first.created), (2, 0, true));
        let again = write(&db, &layout(), &rows).unwrap();
        assert_eq!((again.new, again.updated, again.created), (0, 2, false));
        let conn = Connection::open(&db).unwrap();
        let tags: Vec<String> = conn
            .prepare("SELECT tags FROM members ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(tags, ["a,b", "[\"x,y\"]"]);
    }

    #[test]
    fn missing_columns_are_added_and_a_table_without_a_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("shop.db");
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE members (id TEXT PRIMARY KEY, spend INTEGER, note TEXT)")
            .unwrap();
        let done = write(&db, &layout(), &[row("m1", 1, &[])]).unwrap();
        assert_eq!(done.added, ["tags"]);
        conn.execute_batch("CREATE TABLE groups (id TEXT, spend INTEGER, tags TEXT)")
            .unwrap();
        let keyless = Layout {
            table: "groups".into(),
            ..layout()
        };
        let err = write(&db, &keyless, &[row("g1", 1, &[])]).unwrap_err();
        assert!(err.contains("no PRIMARY KEY or UNIQUE index"), "{err}");
        let count: i64 = conn
            .query_row("SELECT count(*) FROM groups", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 0);
    }
}
