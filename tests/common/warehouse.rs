//! The same data in SQLite, PostgreSQL and Spark, for tests that compare the data
//! sources: a [`Dataset`] read from a SQLite file, with one engine-neutral
//! [`ColumnKind`] per column, loaded into each engine by [`load_postgres`] and
//! [`load_spark`] (and written back to SQLite by [`Dataset::write_sqlite`]).
//!
//! The servers come from the environment (`.ci/postgres.sh` starts one):
//! `PLAYBOOK_TEST_POSTGRES` (`postgres://user:password@host:port/db`) and
//! `PLAYBOOK_TEST_SPARK` (`sc://host:port`, a Spark Connect server on this machine:
//! it reads the rows from a local file). Tests without a server skip loudly, or fail
//! when `PLAYBOOK_REQUIRE_SERVERS=1`.

mod postgres_load;
mod spark_load;

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use rusqlite::Connection;
use rusqlite::types::{Value, ValueRef};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

// Each test crate uses only some (as `dead_code` is allowed in `common`).
#[allow(unused_imports)]
pub use postgres_load::load_postgres;
#[allow(unused_imports)]
pub use spark_load::{load_spark, run_spark_python};

/// The PostgreSQL server to test against, from `PLAYBOOK_TEST_POSTGRES`.
pub fn postgres_url() -> Option<String> {
    server_url("PLAYBOOK_TEST_POSTGRES", "PostgreSQL")
}

/// The Spark Connect server to test against, from `PLAYBOOK_TEST_SPARK`.
pub fn spark_url() -> Option<String> {
    server_url("PLAYBOOK_TEST_SPARK", "Spark")
}

fn server_url(var: &str, engine: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("PLAYBOOK_REQUIRE_SERVERS").as_deref() == Ok("1") => {
            panic!("PLAYBOOK_REQUIRE_SERVERS=1 but {var} is not set: no {engine} server to test")
        }
        _ => {
            // Straight to stderr: `eprintln!` is captured, and hidden, in passing tests.
            let line = format!("!!! SKIPPED: no {engine} server (set {var}) !!!\n");
            let _ = std::io::stderr().write_all(line.as_bytes());
            None
        }
    }
}

/// Tables to load, every value in the SQLite stored form of its column's kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub tables: Vec<TableData>,
    /// Whether some value differs from the file it was read from (rendered as text,
    /// or an INTEGER made REAL): the file is then not what the engines hold, and
    /// [`Dataset::write_sqlite`] writes the SQLite file to compare with.
    pub normalized: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableData {
    pub name: String,
    pub columns: Vec<ColumnData>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnData {
    pub name: String,
    pub kind: ColumnKind,
}

/// A column's type in every engine, with the form its values take in SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    /// INTEGER.
    BigInt,
    /// REAL.
    Double,
    /// TEXT.
    Text,
    /// INTEGER 0 / 1.
    Bool,
    /// TEXT `YYYY-MM-DD`, years 1900 to 9999.
    Date,
    /// TEXT `YYYY-MM-DD HH:MM:SS`, local time, years 1900 to 9999.
    Timestamp,
    /// INTEGER Unix seconds, years 1900 to 9999.
    TimestampTz,
    /// TEXT holding a JSON array of strings.
    TextArray,
    /// TEXT holding JSON (objects without repeated keys, numbers without exponent).
    Json,
}

/// The kind a caller would like a column to have (from its playbook field type).
pub type Preferred = ColumnKind;

impl ColumnKind {
    pub fn postgres_type(self) -> &'static str {
        match self {
            ColumnKind::BigInt => "bigint",
            ColumnKind::Double => "double precision",
            ColumnKind::Text => "text",
            ColumnKind::Bool => "boolean",
            ColumnKind::Date => "date",
            ColumnKind::Timestamp => "timestamp",
            ColumnKind::TimestampTz => "timestamptz",
            ColumnKind::TextArray => "text[]",
            ColumnKind::Json => "jsonb",
        }
    }

    pub fn spark_type(self) -> &'static str {
        match self {
            ColumnKind::BigInt => "bigint",
            ColumnKind::Double => "double",
            ColumnKind::Text | ColumnKind::Json => "string",
            ColumnKind::Bool => "boolean",
            ColumnKind::Date => "date",
            ColumnKind::Timestamp => "timestamp_ntz",
            ColumnKind::TimestampTz => "timestamp",
            ColumnKind::TextArray => "array<string>",
        }
    }

    /// Whether `value` (not NULL) converts exactly to this kind.
    pub fn fits(self, value: &Value) -> bool {
        match (self, value) {
            (ColumnKind::BigInt, Value::Integer(_)) => true,
            (ColumnKind::Double, Value::Real(_)) => true,
            // Beyond 2^53 not every integer has a double.
            (ColumnKind::Double, Value::Integer(i)) => i.unsigned_abs() <= 1 << 53,
            (ColumnKind::Text, Value::Text(_)) => true,
            (ColumnKind::Bool, Value::Integer(i)) => *i == 0 || *i == 1,
            (ColumnKind::Date, Value::Text(s)) => is_date(s),
            (ColumnKind::Timestamp, Value::Text(s)) => is_timestamp(s),
            (ColumnKind::TimestampTz, Value::Integer(i)) => (MIN_SECONDS..=MAX_SECONDS).contains(i),
            (ColumnKind::TextArray, Value::Text(s)) => text_array(s).is_some(),
            (ColumnKind::Json, Value::Text(s)) => is_strict_json(s),
            _ => false,
        }
    }
}

/// 1900-01-01 00:00:00 UTC and 9999-12-31 23:59:59 UTC, the years `time` reads.
const MIN_SECONDS: i64 = -2_208_988_800;
const MAX_SECONDS: i64 = 253_402_300_799;

impl Dataset {
    pub fn table(&self, name: &str) -> &TableData {
        let found = self.tables.iter().find(|t| t.name == name);
        found.unwrap_or_else(|| panic!("the dataset has no table {name}"))
    }

    /// Writes the tables to a new SQLite file at `path`, with columns declared
    /// without a type so every value keeps the storage class it has here. A column
    /// named `id` gets a (non-unique) index, as the other engines' tables do.
    pub fn write_sqlite(&self, path: &Path) {
        let _ = std::fs::remove_file(path);
        let mut conn = Connection::open(path).unwrap();
        let tx = conn.transaction().unwrap();
        for table in &self.tables {
            let name = quote(&table.name);
            let columns: Vec<String> = table.columns.iter().map(|c| quote(&c.name)).collect();
            tx.execute_batch(&format!("CREATE TABLE {name} ({})", columns.join(", ")))
                .unwrap();
            let marks = vec!["?"; columns.len()].join(", ");
            let mut insert = tx
                .prepare(&format!("INSERT INTO {name} VALUES ({marks})"))
                .unwrap();
            for row in &table.rows {
                insert.execute(rusqlite::params_from_iter(row)).unwrap();
            }
            if table.has_id() {
                let index = quote(&format!("{}_id", table.name));
                tx.execute_batch(&format!("CREATE INDEX {index} ON {name} (\"id\")"))
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
}

impl TableData {
    pub fn has_id(&self) -> bool {
        self.columns.iter().any(|c| c.name == "id")
    }
}

/// Reads `tables` from a SQLite file, or a `.sql` script run into memory, choosing
/// each column's kind: `choose(table, column)` when every non-NULL value converts to
/// it exactly; else BigInt when every value is INTEGER, Double when every one is
/// REAL, Text when every one is TEXT; else (storage classes mixed) Text with every
/// value rendered as text, and the dataset is then [`Dataset::normalized`].
pub fn dataset_from_sqlite(
    path: &Path,
    tables: &[&str],
    choose: impl Fn(&str, &str) -> Option<Preferred>,
) -> Dataset {
    let conn = open(path);
    let mut normalized = false;
    let tables = tables
        .iter()
        .map(|name| {
            let (table, changed) = read_table(&conn, name, &choose);
            normalized |= changed;
            table
        })
        .collect();
    Dataset { tables, normalized }
}

fn open(path: &Path) -> Connection {
    let script = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"));
    if script {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&std::fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        conn
    } else {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
        Connection::open_with_flags(path, flags)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

fn read_table(
    conn: &Connection,
    name: &str,
    choose: &impl Fn(&str, &str) -> Option<Preferred>,
) -> (TableData, bool) {
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {}", quote(name)))
        .unwrap_or_else(|e| panic!("table {name}: {e}"));
    let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let mut result = stmt.query([]).unwrap();
    while let Some(row) = result.next().unwrap() {
        let values = (0..names.len()).map(|i| owned(row.get_ref(i).unwrap(), name, &names[i]));
        rows.push(values.collect());
    }
    let mut changed = false;
    let mut columns = Vec::with_capacity(names.len());
    for (i, column) in names.into_iter().enumerate() {
        let kind = {
            let values = rows.iter().map(|r| &r[i]).filter(|v| **v != Value::Null);
            kind_of(values, choose(name, &column))
        };
        for row in &mut rows {
            if let Some(stored) = restore(kind, &row[i]) {
                row[i] = stored;
                changed = true;
            }
        }
        columns.push(ColumnData { name: column, kind });
    }
    let table = TableData {
        name: name.to_owned(),
        columns,
        rows,
    };
    (table, changed)
}

/// A value as owned, refusing what no engine here gets the same: BLOBs, and TEXT
/// that is not UTF-8.
fn owned(value: ValueRef<'_>, table: &str, column: &str) -> Value {
    match value {
        ValueRef::Text(b) => match std::str::from_utf8(b) {
            Ok(s) => Value::Text(s.to_owned()),
            Err(_) => panic!("{table}.{column} holds TEXT that is not UTF-8: not loadable"),
        },
        ValueRef::Blob(_) => panic!("{table}.{column} holds a BLOB: not loadable"),
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(r) => Value::Real(r),
    }
}

fn kind_of<'a>(
    values: impl Iterator<Item = &'a Value> + Clone,
    preferred: Option<Preferred>,
) -> ColumnKind {
    let all = |kind: ColumnKind| values.clone().all(|v| kind.fits(v));
    if let Some(kind) = preferred
        && all(kind)
    {
        return kind;
    }
    let all_real = values.clone().all(|v| matches!(v, Value::Real(_)));
    if all(ColumnKind::Text) {
        ColumnKind::Text
    } else if all(ColumnKind::BigInt) {
        ColumnKind::BigInt
    } else if all_real {
        ColumnKind::Double
    } else {
        ColumnKind::Text
    }
}

/// The stored form of `value` in a column of `kind`, when it is not already that.
fn restore(kind: ColumnKind, value: &Value) -> Option<Value> {
    match (kind, value) {
        (ColumnKind::Double, Value::Integer(i)) => Some(Value::Real(*i as f64)),
        (ColumnKind::Text, Value::Integer(i)) => Some(Value::Text(i.to_string())),
        // Rust's shortest form that reads back as the same double ("0.1", "3.0").
        (ColumnKind::Text, Value::Real(r)) => Some(Value::Text(format!("{r:?}"))),
        _ => None,
    }
}

/// `name` as a quoted identifier, in SQLite and PostgreSQL.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && date_parts(b).is_some()
}

fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let layout = b.len() == 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b' ';
    let time = layout && b[13] == b':' && b[16] == b':';
    // No second 60: engines disagree on leap seconds.
    time && date_parts(b).is_some()
        && matches!((digits(&b[11..13]), digits(&b[14..16]), digits(&b[17..19])),
            (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s < 60)
}

/// Whether `b` starts with a real calendar day `YYYY-MM-DD` of the years 1900 to 9999
/// (before 1900 Spark and the `time` encodings part ways on old calendars).
fn date_parts(b: &[u8]) -> Option<()> {
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let day = chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
    (y >= 1900).then_some(day).map(|_| ())
}

fn digits(b: &[u8]) -> Option<u32> {
    let all = b.iter().all(u8::is_ascii_digit);
    all.then(|| b.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

/// The strings of a JSON array of strings (none holding U+0000, which PostgreSQL's
/// text refuses).
pub fn text_array(s: &str) -> Option<Vec<String>> {
    let items: Vec<String> = serde_json::from_str(s).ok()?;
    items.iter().all(|i| !i.contains('\0')).then_some(items)
}

/// Whether `s` is JSON that PostgreSQL's jsonb keeps meaning the same: no object
/// repeats a key (jsonb keeps the last, the SQLite layout reports it), no number has
/// an exponent (jsonb writes `1e3` as `1000`, an integer where SQLite read a REAL),
/// and no string holds U+0000 (jsonb refuses it).
pub fn is_strict_json(s: &str) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    let mut previous = b' ';
    for &c in s.as_bytes() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if c == b'"' {
            in_string = true;
        } else if (c == b'e' || c == b'E') && (previous.is_ascii_digit() || previous == b'.') {
            return false;
        }
        previous = c;
    }
    serde_json::from_str::<StrictJson>(s).is_ok()
}

/// JSON read only to check it: objects without repeated keys, strings without NUL.
struct StrictJson;

impl<'de> Deserialize<'de> for StrictJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = StrictJson;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> Result<StrictJson, E> {
        Ok(StrictJson)
    }
    fn visit_i64<E>(self, _: i64) -> Result<StrictJson, E> {
        Ok(StrictJson)
    }
    fn visit_u64<E>(self, _: u64) -> Result<StrictJson, E> {
        Ok(StrictJson)
    }
    fn visit_f64<E>(self, _: f64) -> Result<StrictJson, E> {
        Ok(StrictJson)
    }
    fn visit_unit<E>(self) -> Result<StrictJson, E> {
        Ok(StrictJson)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<StrictJson, E> {
        no_nul(s)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrictJson, A::Error> {
        while seq.next_element::<StrictJson>()?.is_some() {}
        Ok(StrictJson)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictJson, A::Error> {
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            no_nul(&key)?;
            if !keys.insert(key) {
                return Err(de::Error::custom("a repeated key"));
            }
            map.next_value::<StrictJson>()?;
        }
        Ok(StrictJson)
    }
}

fn no_nul<E: de::Error>(s: &str) -> Result<StrictJson, E> {
    match s.contains('\0') {
        true => Err(E::custom("U+0000 in a string")),
        false => Ok(StrictJson),
    }
}

/// The kind a column of the SQLite layout would like, from the playbook's type of
/// its field (events: `at` a timestamp, `data` JSON).
pub fn preferred_kind(
    program: &playbook::check::Program,
    table: &str,
    column: &str,
) -> Option<ColumnKind> {
    use playbook::check::types::Base;
    let schema = match table {
        "members" => &program.member,
        "groups" => program.group.as_ref()?,
        _ => {
            return match column {
                "at" => Some(ColumnKind::Timestamp),
                "data" => Some(ColumnKind::Json),
                _ => None,
            };
        }
    };
    let field = schema.fields.iter().find(|f| f.name == column)?;
    Some(match field.ty.base {
        Base::Int | Base::Money => ColumnKind::BigInt,
        Base::Bool => ColumnKind::Bool,
        Base::Time => ColumnKind::Timestamp,
        Base::Date => ColumnKind::Date,
        Base::TextSet => ColumnKind::TextArray,
        Base::Text => ColumnKind::Text,
        _ => return None,
    })
}
