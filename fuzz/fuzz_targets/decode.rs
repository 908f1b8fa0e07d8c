//! `decode`: the SQLite data decoder over arbitrary stored values. The input picks a
//! timezone, member, group and event schemas (every field type, optional or not),
//! the declared SQL type of each column (which changes what SQLite stores) and typed
//! values for every row: NULL, INTEGER, REAL, TEXT (free, or shaped like the
//! encodings the decoder accepts: dates, times with offsets, durations, decimals,
//! sets), TEXT that is not UTF-8, BLOB. The tables are written to a SQLite file in
//! the temporary directory, opened with `SqliteData::open`, and every row scanned,
//! looked up and (for events) read by window (`properties::decode_all`): nothing may
//! panic, a row left out must have been reported, and every bad value names its
//! table, column and row.
//!
//! The library opens data only from a path, so each input is written to a file.
#![no_main]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use playbook_fuzz::properties;
use rusqlite::{Connection, params_from_iter, types::Value as Sql};

#[derive(Debug, Arbitrary)]
struct Case {
    timezone: Zone,
    member: Vec<Field>,
    group: Option<Vec<Field>>,
    events: Vec<Vec<Field>>,
    id_unique: bool,
    without_rowid: bool,
    members: Vec<Record>,
    groups: Vec<Record>,
    event_rows: Vec<EventRow>,
}

#[derive(Debug, Arbitrary)]
enum Zone {
    Shanghai,
    NewYork,
    LordHowe,
    Utc,
}

#[derive(Debug, Arbitrary)]
struct Field {
    ty: FieldType,
    optional: bool,
    affinity: Affinity,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum FieldType {
    Int,
    Decimal,
    Money,
    Percent,
    Bool,
    Text,
    Time,
    Date,
    Duration,
    TextSet,
}

#[derive(Debug, Arbitrary)]
enum Affinity {
    None,
    Integer,
    Real,
    Text,
    Blob,
    Numeric,
}

#[derive(Debug, Arbitrary)]
struct Record {
    id: Value,
    values: Vec<Value>,
}

#[derive(Debug, Arbitrary)]
struct EventRow {
    id: Value,
    kind: u8,
    member: u8,
    group: Option<Value>,
    at: Value,
    data: Option<Vec<(u8, Json)>>,
    raw_data: Option<Value>,
}

#[derive(Debug, Arbitrary)]
enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(Text),
    Bytes(Vec<u8>),
    Blob(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
enum Text {
    Free(String),
    Number(i64),
    Decimal {
        units: i64,
        scale: u8,
        suffix: bool,
    },
    Date {
        y: i16,
        m: u8,
        d: u8,
    },
    DateTime {
        y: i16,
        m: u8,
        d: u8,
        h: u8,
        min: u8,
        s: u8,
        sep: bool,
        frac: Option<u16>,
        offset: Option<(i8, u8, u8)>,
    },
    Duration {
        n: i32,
        unit: u8,
    },
    Set {
        items: Vec<String>,
        json: bool,
    },
}

#[derive(Debug, Arbitrary)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Text),
    Array(Vec<String>),
    Object,
}

const TYPES: [&str; 10] = [
    "int",
    "decimal",
    "money",
    "percent",
    "bool",
    "text",
    "time",
    "date",
    "duration",
    "set<text>",
];
const MAX_FIELDS: usize = 6;
const MAX_ROWS: usize = 12;

fn schema(fields: &[Field]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().take(MAX_FIELDS).enumerate() {
        let opt = if f.optional { "?" } else { "" };
        let _ = write!(out, "f{i}: {}{opt}, ", TYPES[f.ty as usize]);
    }
    out
}

fn playbook(case: &Case) -> String {
    let tz = match case.timezone {
        Zone::Shanghai => "Asia/Shanghai",
        Zone::NewYork => "America/New_York",
        Zone::LordHowe => "Australia/Lord_Howe",
        Zone::Utc => "UTC",
    };
    let mut text = format!(
        "playbook \"fuzz\" {{ timezone \"{tz}\" }}\nmember {{ {} }}\n",
        schema(&case.member)
    );
    if let Some(g) = &case.group {
        let _ = writeln!(text, "group {{ {} }}", schema(g));
    }
    for (i, e) in case.events.iter().take(3).enumerate() {
        let _ = writeln!(text, "event e{i} {{ {} }}", schema(e));
    }
    text
}

fn text(t: &Text) -> String {
    match t {
        Text::Free(s) => s.clone(),
        Text::Number(n) => n.to_string(),
        Text::Decimal {
            units,
            scale,
            suffix,
        } => {
            let scale = u32::from(scale % 6);
            let div = 10i64.pow(scale);
            let mut s = if scale == 0 {
                units.to_string()
            } else {
                format!(
                    "{}{}.{:0w$}",
                    if *units < 0 { "-" } else { "" },
                    (units / div).unsigned_abs(),
                    (units % div).unsigned_abs(),
                    w = scale as usize
                )
            };
            if *suffix {
                s.push('%');
            }
            s
        }
        Text::Date { y, m, d } => format!("{y:04}-{m:02}-{d:02}"),
        Text::DateTime {
            y,
            m,
            d,
            h,
            min,
            s,
            sep,
            frac,
            offset,
        } => {
            let mut out = format!(
                "{y:04}-{m:02}-{d:02}{}{h:02}:{min:02}:{s:02}",
                if *sep { 'T' } else { ' ' }
            );
            if let Some(f) = frac {
                let _ = write!(out, ".{f}");
            }
            if let Some((oh, om, style)) = offset {
                match style % 4 {
                    0 => out.push('Z'),
                    1 => {
                        let _ = write!(out, "{oh:+03}:{om:02}");
                    }
                    2 => {
                        let _ = write!(out, " {oh:+03}{om:02}");
                    }
                    _ => {
                        let _ = write!(out, "{oh:+03}");
                    }
                }
            }
            out
        }
        Text::Duration { n, unit } => {
            let unit = ["s", "m", "h", "d", "w", "y", ""][usize::from(unit % 7)];
            format!("{n}{unit}")
        }
        Text::Set { items, json } => {
            if *json {
                serde_json::to_string(items).unwrap_or_default()
            } else {
                items.join(",")
            }
        }
    }
}

fn to_sql(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Int(i) => Sql::Integer(*i),
        Value::Real(f) => Sql::Real(*f),
        Value::Text(t) => Sql::Text(text(t)),
        // Bound as a blob and cast to TEXT in the INSERT (see `insert`).
        Value::Bytes(b) | Value::Blob(b) => Sql::Blob(b.clone()),
    }
}

/// `?` for a value, or `CAST(? AS TEXT)` for text that need not be UTF-8.
fn placeholder(v: &Value) -> &'static str {
    match v {
        Value::Bytes(_) => "CAST(? AS TEXT)",
        _ => "?",
    }
}

fn json(j: &Json) -> serde_json::Value {
    match j {
        Json::Null => serde_json::Value::Null,
        Json::Bool(b) => (*b).into(),
        Json::Int(i) => (*i).into(),
        Json::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        Json::Str(t) => text(t).into(),
        Json::Array(items) => items.clone().into(),
        Json::Object => serde_json::json!({"k": 1}),
    }
}

fn affinity(a: &Affinity) -> &'static str {
    match a {
        Affinity::None => "",
        Affinity::Integer => "INTEGER",
        Affinity::Real => "REAL",
        Affinity::Text => "TEXT",
        Affinity::Blob => "BLOB",
        Affinity::Numeric => "NUMERIC",
    }
}

fn create(conn: &Connection, name: &str, fields: &[Field], case: &Case) -> rusqlite::Result<()> {
    let mut sql = format!(
        "CREATE TABLE {name} (id{}",
        if case.id_unique { " PRIMARY KEY" } else { "" }
    );
    for (i, f) in fields.iter().take(MAX_FIELDS).enumerate() {
        let _ = write!(sql, ", f{i} {}", affinity(&f.affinity));
    }
    sql.push(')');
    if case.id_unique && case.without_rowid {
        sql.push_str(" WITHOUT ROWID");
    }
    conn.execute(&sql, [])?;
    Ok(())
}

fn insert(conn: &Connection, name: &str, values: &[&Value]) -> rusqlite::Result<usize> {
    let marks: Vec<&str> = values.iter().map(|v| placeholder(v)).collect();
    let sql = format!("INSERT OR IGNORE INTO {name} VALUES ({})", marks.join(", "));
    conn.execute(&sql, params_from_iter(values.iter().map(|v| to_sql(v))))
}

/// Fills `name` with `records` (values padded with NULL); returns the row count.
fn fill(
    conn: &Connection,
    name: &str,
    width: usize,
    records: &[Record],
) -> rusqlite::Result<usize> {
    let mut rows = 0;
    for r in records.iter().take(MAX_ROWS) {
        let mut values = vec![&r.id];
        values.extend(r.values.iter().take(width));
        while values.len() < width + 1 {
            values.push(&Value::Null);
        }
        rows += insert(conn, name, &values)?;
    }
    Ok(rows)
}

fn write_db(case: &Case, path: &PathBuf) -> rusqlite::Result<[usize; 2]> {
    let _ = std::fs::remove_file(path);
    let conn = Connection::open(path)?;
    create(&conn, "members", &case.member, case)?;
    let members = fill(
        &conn,
        "members",
        case.member.len().min(MAX_FIELDS),
        &case.members,
    )?;
    let mut groups = 0;
    if let Some(g) = &case.group {
        create(&conn, "groups", g, case)?;
        groups = fill(&conn, "groups", g.len().min(MAX_FIELDS), &case.groups)?;
    }
    conn.execute(
        "CREATE TABLE events (id, kind, member_id, group_id, at, data)",
        [],
    )?;
    for e in case.event_rows.iter().take(MAX_ROWS) {
        let kind = Value::Text(Text::Free(format!("e{}", e.kind % 4)));
        let member = match case.members.get(usize::from(e.member)) {
            Some(r) => &r.id,
            None => &Value::Null,
        };
        let data = match (&e.data, &e.raw_data) {
            (Some(fields), _) => {
                let object: serde_json::Map<String, serde_json::Value> = fields
                    .iter()
                    .map(|(i, j)| (format!("f{}", i % 8), json(j)))
                    .collect();
                Value::Text(Text::Free(serde_json::Value::Object(object).to_string()))
            }
            (None, Some(raw)) => Value::Text(Text::Free(format!("{raw:?}"))),
            (None, None) => Value::Null,
        };
        let group = e.group.as_ref().unwrap_or(&Value::Null);
        insert(
            &conn,
            "events",
            &[&e.id, &kind, member, group, &e.at, &data],
        )?;
    }
    Ok([members, groups])
}

static DB: OnceLock<PathBuf> = OnceLock::new();

fn db_path() -> &'static PathBuf {
    DB.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        dir.join(format!("playbook-fuzz-decode-{}.db", std::process::id()))
    })
}

fuzz_target!(|case: Case| {
    let text = playbook(&case);
    let outcome = properties::check_text(&text);
    let Some(program) = outcome.program else {
        panic!(
            "the generated schema does not check:\n{text}\n{:?}",
            outcome.diagnostics
        );
    };
    let path = db_path();
    let rows = write_db(&case, path).expect("the data file is written");
    properties::decode_all(path, &program, rows);
});
