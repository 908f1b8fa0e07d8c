//! Data in an SQL engine elsewhere — a PostgreSQL server, a Spark cluster — read
//! through a [`Warehouse`] connection.
//!
//! The engine stays the one definition of the semantics: the warehouse only runs
//! the queries [`crate::data::sql`] writes in its dialect — the candidate rows of a
//! scan (the pushed-down filter), the rows of given ids, the events of a window —
//! and sends back their values already in the stored forms the SQLite layout uses
//! (`Cell`s). Those rows are decoded, checked and reported exactly as a SQLite
//! file's are.

pub mod postgres;
pub mod spark;
mod staged;

pub use staged::RemoteData;

use super::DataError;
use super::sql::Dialect;

/// One value of a result row, in the storage classes of SQLite: what the SELECT
/// lists of [`crate::data::sql`] turn every engine's types into.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// NULL.
    Null,
    /// A whole number (also booleans, as 0 / 1).
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// A column of a table as the engine declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    /// The column's name, as the engine spells it.
    pub name: String,
    /// The engine's name of its type, as the catalog shows it (`bigint`,
    /// `timestamp with time zone`, `array<string>`, `decimal(12,2)` …).
    pub type_name: String,
}

/// A connection to an SQL engine holding the members, groups and events.
pub trait Warehouse {
    /// The SQL the engine speaks.
    fn dialect(&self) -> Dialect;

    /// The source for messages: its URL without the password
    /// (`postgres://app@127.0.0.1:5432/shop`, `sc://spark.internal:15002`).
    fn describe(&self) -> String;

    /// The columns of the table or view `name` (as given: possibly qualified,
    /// `analytics.members`), in declared order; `None` when there is no such table.
    fn columns(&mut self, name: &str) -> Result<Option<Vec<ColumnInfo>>, DataError>;

    /// Runs `sql` (one SELECT, no parameters), calling `visit` with each result
    /// row's cells in order. Every result column is NULL, an integer type, a
    /// floating-point type, text or bytes (the SELECT lists cast everything else).
    /// How many rows came back.
    fn query(&mut self, sql: &str, visit: &mut dyn FnMut(&[Cell])) -> Result<u64, DataError>;
}

/// The warehouse URL `data` is, when it is one rather than a file:
/// `postgres://…` / `postgresql://…` (PostgreSQL) or `sc://…` (Spark Connect).
pub fn url(data: &std::path::Path) -> Option<&str> {
    let text = data.to_str()?;
    let scheme = text.split_once("://")?.0.to_ascii_lowercase();
    matches!(scheme.as_str(), "postgres" | "postgresql" | "sc").then_some(text)
}

/// The Python interpreter that runs the Spark Connect client, when not `python3`:
/// set once by the program (the command line reads `PLAYBOOK_PYTHON`).
static PYTHON: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Uses `python` for Spark Connect from now on (only the first call counts).
pub fn set_python(python: std::path::PathBuf) {
    let _ = PYTHON.set(python);
}

/// Connects to the warehouse at `url` (see [`url()`]); `timezone` is the session's,
/// for the engines that have one (an IANA name).
pub fn connect(url: &str, timezone: &str) -> Result<Box<dyn Warehouse>, DataError> {
    Ok(match url.split_once("://").map(|(s, _)| s) {
        Some(s) if s.eq_ignore_ascii_case("sc") => {
            let python = PYTHON.get().map_or(std::path::Path::new("python3"), |p| p);
            Box::new(spark::SparkConnect::connect_with(url, timezone, python)?)
        }
        _ => Box::new(postgres::Postgres::connect(url)?),
    })
}

/// Connects to the warehouse at `url` and opens its tables as `program` reads them
/// (see [`RemoteData::open`]).
pub fn open(
    url: &str,
    program: &crate::check::model::Program,
    names: super::TableNames,
) -> Result<RemoteData, DataError> {
    let warehouse = connect(url, program.settings.timezone.name())?;
    RemoteData::open(warehouse, program, names)
}
