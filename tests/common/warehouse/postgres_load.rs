//! Loading a [`Dataset`] into PostgreSQL: one `COPY … FROM STDIN` (text format) per
//! table, the fastest way in without a file on the server.

use std::io::Write;

use postgres::{Client, NoTls};
use rusqlite::types::Value;

use super::{ColumnKind, Dataset, TableData, quote, text_array};

/// Replaces the schema `schema` of the server at `url` with the tables of `data`,
/// named `schema.table`, typed by [`ColumnKind::postgres_type`].
pub fn load_postgres(url: &str, schema: &str, data: &Dataset) {
    let mut client = Client::connect(url, NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL at {url}: {e}"));
    let schema = quote(schema);
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .unwrap();
    for table in &data.tables {
        load_table(&mut client, &schema, table);
    }
}

fn load_table(client: &mut Client, schema: &str, table: &TableData) {
    let name = format!("{schema}.{}", quote(&table.name));
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("{} {}", quote(&c.name), c.kind.postgres_type()))
        .collect();
    client
        .batch_execute(&format!("CREATE TABLE {name} ({})", columns.join(", ")))
        .unwrap();

    let mut copy = client.copy_in(&format!("COPY {name} FROM STDIN")).unwrap();
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    for row in &table.rows {
        for (i, (value, column)) in row.iter().zip(&table.columns).enumerate() {
            if i > 0 {
                buf.push(b'\t');
            }
            copy_field(&mut buf, column.kind, value, &table.name, &column.name);
        }
        buf.push(b'\n');
        if buf.len() >= 1 << 20 {
            copy.write_all(&buf).unwrap();
            buf.clear();
        }
    }
    copy.write_all(&buf).unwrap();
    copy.finish()
        .unwrap_or_else(|e| panic!("COPY into {name} failed: {e}"));

    // Lookups by id should not scan a million rows; not unique, since duplicate
    // ids are data the sources must report.
    if table.has_id() {
        client
            .batch_execute(&format!("CREATE INDEX ON {name} (\"id\")"))
            .unwrap();
    }
    client.batch_execute(&format!("ANALYZE {name}")).unwrap();
}

/// One value in COPY's text format (`\N` for NULL, backslash escapes).
fn copy_field(buf: &mut Vec<u8>, kind: ColumnKind, value: &Value, table: &str, column: &str) {
    let text = match (kind, value) {
        (_, Value::Null) => {
            buf.extend_from_slice(b"\\N");
            return;
        }
        (ColumnKind::Bool, Value::Integer(i)) => (if *i == 0 { "f" } else { "t" }).to_owned(),
        (ColumnKind::TimestampTz, Value::Integer(n)) => {
            let at = chrono::DateTime::from_timestamp(*n, 0).unwrap();
            at.format("%Y-%m-%d %H:%M:%S+00").to_string()
        }
        (ColumnKind::TextArray, Value::Text(s)) => array_literal(&text_array(s).unwrap()),
        (_, Value::Integer(i)) => i.to_string(),
        (_, Value::Real(r)) => float(*r),
        (_, Value::Text(s)) => s.clone(),
        (_, Value::Blob(_)) => panic!("{table}.{column} holds a BLOB"),
    };
    assert!(
        !text.contains('\0'),
        "{table}.{column}: PostgreSQL text cannot hold U+0000"
    );
    escape(buf, &text);
}

/// A double as PostgreSQL reads it back exactly.
pub fn float(r: f64) -> String {
    match r {
        _ if r.is_nan() => "NaN".to_owned(),
        f64::INFINITY => "Infinity".to_owned(),
        f64::NEG_INFINITY => "-Infinity".to_owned(),
        _ => format!("{r:?}"),
    }
}

/// `{"a","b"}`: every element quoted, so none is read as NULL or split.
fn array_literal(items: &[String]) -> String {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in item.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
    out
}

fn escape(buf: &mut Vec<u8>, text: &str) {
    for &b in text.as_bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            _ => buf.push(b),
        }
    }
}
