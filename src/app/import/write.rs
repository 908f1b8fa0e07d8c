//! Writing converted rows into a SQLite table the way `run` reads it, in one
//! transaction: the table is created when absent, columns it lacks are added, and
//! rows are upserted by id, so importing a file again changes nothing.

use std::path::Path;

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, TransactionBehavior, params_from_iter};

use super::convert::Stored;
use crate::value::SET_SEPARATOR;

/// The table an import writes: its name and columns, `id` first.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The table's name.
    pub table: String,
    /// The columns.
    pub columns: Vec<Column>,
}

/// One column of a layout.
#[derive(Debug, Clone)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// The SQL type it is declared with when created, and the storage class of the
    /// values written: `INTEGER` or `TEXT`.
    pub sql: &'static str,
    /// What the import writes there, for a message: `money, as INTEGER fen`.
    pub what: String,
    /// Whether the file has a column for it. A column it lacks is NULL in a new row
    /// and left alone in a row already there.
    pub from_file: bool,
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
    let existing: Vec<(String, String)> = {
        let mut stmt = tx
            .prepare(&format!(
                "SELECT name, type FROM pragma_table_info({})",
                sql_text(&layout.table)
            ))
            .map_err(fail)?;
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?
    };
    let mismatched: Vec<String> = layout
        .columns
        .iter()
        .filter(|c| c.from_file)
        .filter_map(|c| {
            let (_, declared) = existing.iter().find(|(e, _)| e.eq_ignore_ascii_case(&c.name))?;
            let affinity = affinity(declared);
            let change = match (c.sql, affinity) {
                ("TEXT", "INTEGER" | "REAL" | "NUMERIC") => {
                    "SQLite would store text that looks like a number as a number (`013800138001` as 13800138001)"
                }
                ("INTEGER", "TEXT") => "SQLite would store the numbers as text, which `run` refuses",
                ("INTEGER", "REAL") => {
                    "SQLite would store the numbers as floating point, which `run` refuses"
                }
                _ => return None,
            };
            Some(format!(
                "column `{}` is declared {} ({affinity} affinity), and playbook writes {} there: {change}",
                c.name,
                declared.trim(),
                c.what
            ))
        })
        .collect();
    if !mismatched.is_empty() {
        return Err(format!(
            "table `{}` in {name} does not hold what playbook writes:\n  {}\nnothing was \
             imported; import into a new table or database (--into), where playbook creates \
             the table with the types it writes",
            layout.table,
            mismatched.join("\n  ")
        ));
    }
    let mut written = Written::default();
    if existing.is_empty() {
        let columns: Vec<String> = layout
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let key = if i == 0 { " PRIMARY KEY" } else { "" };
                format!("{} {}{key}", quoted(&c.name), c.sql)
            })
            .collect();
        tx.execute(
            &format!("CREATE TABLE {table} ({})", columns.join(", ")),
            [],
        )
        .map_err(fail)?;
        written.created = true;
    } else {
        for c in &layout.columns {
            if !existing
                .iter()
                .any(|(e, _)| e.eq_ignore_ascii_case(&c.name))
            {
                tx.execute(
                    &format!(
                        "ALTER TABLE {table} ADD COLUMN {} {}",
                        quoted(&c.name),
                        c.sql
                    ),
                    [],
                )
                .map_err(fail)?;
                written.added.push(c.name.clone());
            }
        }
    }
    let names: Vec<String> = layout.columns.iter().map(|c| quoted(&c.name)).collect();
    let id = &names[0];
    // A row already there keeps the columns the file does not have.
    let updates: Vec<String> = names[1..]
        .iter()
        .zip(&layout.columns[1..])
        .filter(|(_, c)| c.from_file)
        .map(|(c, _)| format!("{c} = excluded.{c}"))
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

/// The type affinity SQLite gives a column declared `declared` (its rules, in order:
/// INT, then CHAR/CLOB/TEXT, then BLOB or no type, then REAL/FLOA/DOUB, else NUMERIC).
fn affinity(declared: &str) -> &'static str {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|k| t.contains(k)) {
        "TEXT"
    } else if t.contains("BLOB") || t.trim().is_empty() {
        "BLOB"
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|k| t.contains(k)) {
        "REAL"
    } else {
        "NUMERIC"
    }
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
            columns: [("id", "TEXT"), ("spend", "INTEGER"), ("tags", "TEXT")]
                .into_iter()
                .map(|(name, sql)| Column {
                    name: name.into(),
                    sql,
                    what: format!("{sql} values"),
                    from_file: true,
                })
                .collect(),
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

    #[test]
    fn declared_types_that_would_convert_the_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("shop.db");
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE members (id INTEGER PRIMARY KEY, spend TEXT, tags VARCHAR(20))",
        )
        .unwrap();
        let err = write(&db, &layout(), &[row("013800138001", 700, &[])]).unwrap_err();
        assert!(
            err.contains("column `id` is declared INTEGER (INTEGER affinity)"),
            "{err}"
        );
        assert!(
            err.contains("column `spend` is declared TEXT (TEXT affinity)"),
            "{err}"
        );
        assert!(!err.contains("`tags`"), "{err}");
        assert!(err.contains("import into a new table or database"), "{err}");
        let count: i64 = conn
            .query_row("SELECT count(*) FROM members", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 0);
        for (declared, want) in [
            ("", "BLOB"),
            ("BIGINT", "INTEGER"),
            ("NVARCHAR(10)", "TEXT"),
            ("DOUBLE PRECISION", "REAL"),
            ("DECIMAL(10,2)", "NUMERIC"),
            ("DATETIME", "NUMERIC"),
        ] {
            assert_eq!(affinity(declared), want, "{declared}");
        }
    }

    #[test]
    fn a_column_the_file_lacks_is_kept_on_update_and_null_on_insert() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("shop.db");
        write(&db, &layout(), &[row("m1", 100, &["a"])]).unwrap();
        let mut without_tags = layout();
        without_tags.columns[2].from_file = false;
        let rows = [
            vec![Stored::Text("m1".into()), Stored::Int(200), Stored::Null],
            vec![Stored::Text("m2".into()), Stored::Int(300), Stored::Null],
        ];
        write(&db, &without_tags, &rows).unwrap();
        let conn = Connection::open(&db).unwrap();
        let got: Vec<(String, i64, Option<String>)> = conn
            .prepare("SELECT id, spend, tags FROM members ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            got,
            [
                ("m1".to_owned(), 200, Some("a".to_owned())),
                ("m2".to_owned(), 300, None)
            ]
        );
    }
}
