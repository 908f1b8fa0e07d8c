//! Loading a [`Dataset`] into Spark through the official Python client: there is no
//! Spark Connect client in Rust to write with. The rows go to JSON-lines files, every
//! value as a string (so nothing is guessed or rounded on the way), and
//! `tests/common/spark_load.py` has the server read them, cast each column to its
//! type and save the tables. The server reads the files by path, so it must run on
//! this machine.

use std::io::{BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use rusqlite::types::Value;
use serde_json::json;

use super::postgres_load::float;
use super::{ColumnKind, Dataset, TableData};

/// Replaces the database `database` of the Spark Connect server at `url` with the
/// tables of `data`, named `database.table`, typed by [`ColumnKind::spark_type`].
pub fn load_spark(url: &str, database: &str, data: &Dataset) {
    // Readable by a server running as another user of this machine.
    let dir = tempfile::Builder::new()
        .prefix("playbook-spark-load")
        .permissions(std::fs::Permissions::from_mode(0o755))
        .tempdir()
        .unwrap();
    let tables: Vec<_> = data
        .tables
        .iter()
        .enumerate()
        .map(|(i, table)| {
            let path = dir.path().join(format!("t{i}.json"));
            write_rows(&path, table);
            json!({
                "name": table.name,
                "path": path,
                "columns": table.columns.iter()
                    .map(|c| json!({"name": c.name, "kind": format!("{:?}", c.kind)}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let spec = json!({"url": url, "database": database, "tables": tables});
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    run_spark_python(&["load", spec_path.to_str().unwrap()]);
}

/// Runs `tests/common/spark_load.py` with `args`; its standard output.
pub fn run_spark_python(args: &[&str]) -> String {
    let python = std::env::var("PLAYBOOK_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .arg(script())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "spark_load.py {args:?} failed:\n{stderr}"
    );
    String::from_utf8(out.stdout).unwrap()
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common/spark_load.py")
}

/// One JSON object a line, `{"c0": "…", "c1": null, …}`: positional keys, so column
/// names need no escaping for Spark's reader.
fn write_rows(path: &Path, table: &TableData) {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let keys: Vec<String> = (0..table.columns.len())
        .map(|i| format!("\"c{i}\":"))
        .collect();
    for row in &table.rows {
        out.write_all(b"{").unwrap();
        for (i, (value, column)) in row.iter().zip(&table.columns).enumerate() {
            if i > 0 {
                out.write_all(b",").unwrap();
            }
            out.write_all(keys[i].as_bytes()).unwrap();
            match as_string(column.kind, value) {
                Some(s) => serde_json::to_writer(&mut out, &s).unwrap(),
                None => out.write_all(b"null").unwrap(),
            }
        }
        out.write_all(b"}\n").unwrap();
    }
    out.flush().unwrap();
}

/// The string Spark casts to the column's type (`spark_load.py` has the casts).
fn as_string(kind: ColumnKind, value: &Value) -> Option<String> {
    Some(match (kind, value) {
        (_, Value::Null) => return None,
        (ColumnKind::Bool, Value::Integer(i)) => (*i != 0).to_string(),
        (_, Value::Integer(i)) => i.to_string(),
        (_, Value::Real(r)) => float(*r),
        (_, Value::Text(s)) => s.clone(),
        (_, Value::Blob(_)) => panic!("a BLOB in {kind:?}: not loadable"),
    })
}
