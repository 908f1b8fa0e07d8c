//! Data in: members, groups and events, decoded against the playbook's schema.
//!
//! [`DataSource`] is what the engine reads; [`sqlite::SqliteData`] reads the SQLite
//! layout of the runtime spec and [`MemoryData`] holds records built in memory (test
//! blocks, the REPL, unit tests). A source never hands the engine a row with a bad
//! value: it records a [`BadValue`] and leaves the row out, and the engine decides
//! whether that stops the run or is reported as a skipped row.

pub mod batch;
pub mod columns;
mod decode;
mod event_json;
pub mod filter;
pub mod remote;
pub mod sql;
pub mod sqlite;

use std::fmt;

pub use batch::EventBatch;

use crate::value::Row;
use filter::RowFilter;

/// Which table a record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// `members`
    Members,
    /// `groups`
    Groups,
    /// `events`
    Events,
}

/// Table names, overridable on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    /// Members table.
    pub members: String,
    /// Groups table.
    pub groups: String,
    /// Events table.
    pub events: String,
}

impl Default for TableNames {
    fn default() -> Self {
        TableNames {
            members: "members".into(),
            groups: "groups".into(),
            events: "events".into(),
        }
    }
}

impl TableNames {
    /// The name of `table`.
    pub fn name(&self, table: Table) -> &str {
        match table {
            Table::Members => &self.members,
            Table::Groups => &self.groups,
            Table::Events => &self.events,
        }
    }
}

/// One value that does not fit the schema, with everything needed to find it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BadValue {
    /// Table name as in the data file.
    pub table: String,
    /// Column (for event data, `data.FIELD`).
    pub column: String,
    /// The row's id (or `rowid N` when the id itself is unreadable).
    pub row: String,
    /// The value as stored, shown SQL-style (`NULL`, `'abc'`, `12`, `1.5`).
    pub value: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{} row {}: {} (value {})",
            self.table, self.column, self.row, self.problem, self.value
        )
    }
}

/// An error that stops reading altogether.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// The file cannot be opened or read.
    #[error("cannot read data file {path}: {message}")]
    Open {
        /// The path given.
        path: String,
        /// Why.
        message: String,
    },
    /// Tables or columns the schema needs are missing: every one is listed.
    #[error("the data does not match the playbook's schema:\n{}", .0.join("\n"))]
    Schema(Vec<String>),
    /// SQLite failed while reading.
    #[error("reading the data failed: {0}")]
    Sql(String),
    /// A server cannot be reached, or refused the connection (wrong credentials, no
    /// such database).
    #[error("cannot connect to {location}: {message}")]
    Connect {
        /// The source, without its password.
        location: String,
        /// Why, as the server or the network said.
        message: String,
    },
    /// A query failed on a server.
    #[error("reading from {location} failed: {message}")]
    Query {
        /// The source, without its password.
        location: String,
        /// Why, as the server said.
        message: String,
    },
}

/// The fields of a schema a plan reads, as sorted schema indices.
pub type FieldSet = [usize];

/// No held row: see [`DataSource::held_rows`].
pub const NOT_HELD: u32 = u32::MAX;

/// An event inside the run's window, decoded with its kind's schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventRecord {
    /// Index of the kind in `Program::events`.
    pub kind: usize,
    /// The event's instant (also in `row`).
    pub at: i64,
    /// Fields by the kind's schema: `id`, `member_id`, `at`, `group_id`, then the
    /// declared fields.
    pub row: Row,
}

/// What the engine reads.
pub trait DataSource {
    /// Calls `visit` with every readable row of `table` (members or groups) in the
    /// table's order, `fields` decoded (others left null), until `visit` returns
    /// `false`. Rows with a bad value are left out and recorded.
    fn scan(
        &mut self,
        table: Table,
        fields: &FieldSet,
        visit: &mut dyn FnMut(&Row) -> bool,
    ) -> Result<(), DataError>;

    /// [`DataSource::scan`], told that rows for which `filter` is false are not
    /// wanted: a source may leave such a row out, unread, when every one of its
    /// `fields` holds its plain stored form (see [`filter`]); every other row is
    /// visited (or recorded as bad) exactly as by `scan`. By default the filter is
    /// ignored.
    fn scan_where(
        &mut self,
        table: Table,
        fields: &FieldSet,
        filter: &RowFilter,
        visit: &mut dyn FnMut(&Row) -> bool,
    ) -> Result<(), DataError> {
        let _ = filter;
        self.scan(table, fields, visit)
    }

    /// The row with this id, `fields` decoded; `None` when there is none or it has a
    /// bad value (then recorded).
    fn lookup(
        &mut self,
        table: Table,
        id: &str,
        fields: &FieldSet,
    ) -> Result<Option<Row>, DataError>;

    /// For a table this source holds (its [`DataSource::hold`] said so): where the
    /// row of each id is, `ids(i)` for every `i` below `out.len()` into `out[i]`
    /// ([`NOT_HELD`] when there is none, or `ids(i)` is `None`). Values are not
    /// looked at: see [`DataSource::held_good`]. A source that holds nothing is never
    /// asked.
    fn held_rows<'i>(
        &self,
        table: Table,
        ids: &(dyn Fn(usize) -> Option<&'i str> + Sync),
        out: &mut [u32],
    ) {
        let _ = (table, ids);
        out.fill(NOT_HELD);
    }

    /// Whether none of `fields` is bad in the held row at `position` (from
    /// [`DataSource::held_rows`]); bad values are recorded, as by
    /// [`DataSource::lookup`].
    fn held_good(&mut self, table: Table, position: usize, fields: &FieldSet) -> bool {
        let _ = (table, position, fields);
        true
    }

    /// `fields` of the held row at `position` (from [`DataSource::held_rows`]) into
    /// `out`, its buffers reused; `out.id` is left as it is (the caller found the row
    /// by it).
    fn held_fill(&mut self, table: Table, position: usize, fields: &FieldSet, out: &mut Row) {
        let _ = (table, position, fields, out);
    }

    /// Events with `after < at <= until`, in time order.
    fn events(&mut self, after: i64, until: i64) -> Result<EventBatch, DataError>;

    /// Calls `visit` with every event of [`DataSource::events`]`(after, until)`, in
    /// no particular order, holding none of them: for a caller that does not need
    /// them in time order (bad values are recorded the same). By default through
    /// `events`.
    fn each_event(
        &mut self,
        after: i64,
        until: i64,
        visit: &mut dyn FnMut(&EventRecord),
    ) -> Result<(), DataError> {
        let batch = self.events(after, until)?;
        let mut record = EventRecord::default();
        for i in 0..batch.len() {
            batch.read(i, &mut record);
            visit(&record);
        }
        Ok(())
    }

    /// Bad values found since the last call, each row once over the source's life.
    fn take_problems(&mut self) -> Vec<BadValue>;

    /// Told that `table` will be scanned and looked up many times for `fields`: a
    /// source may read those fields of every row once and answer from memory from
    /// then on (see [`columns`]), trading memory for time. Scans, lookups and the
    /// problems they report are the same either way. Whether the table is held now;
    /// by default nothing is.
    fn hold(&mut self, table: Table, fields: &FieldSet) -> Result<bool, DataError> {
        let _ = (table, fields);
        Ok(false)
    }

    /// [`DataSource::events`] and then [`DataSource::hold`] of `table`, as one call
    /// so that a source able to do both at once may: the window's events and whether
    /// the table is held now, bad values recorded in the same order as by the two
    /// calls one after the other. An error in the events comes first.
    fn events_and_hold(
        &mut self,
        (after, until): (i64, i64),
        table: Table,
        fields: &FieldSet,
    ) -> Result<(EventBatch, bool), DataError> {
        let events = self.events(after, until)?;
        Ok((events, self.hold(table, fields)?))
    }

    /// How many rows the table named `name` (as in the data, as [`BadValue::table`]
    /// names it) holds; `None` when the source cannot tell. For saying what share of
    /// a table `--skip-bad-rows` left out.
    fn row_count(&mut self, name: &str) -> Result<Option<u64>, DataError> {
        let _ = name;
        Ok(None)
    }

    /// The name `table` has in the data, when the source has one.
    fn table_name(&self, table: Table) -> Option<String> {
        let _ = table;
        None
    }

    /// Rows read from a database server so far, when the data is held in one (see
    /// [`remote`]); `None` for a file, which is read in place.
    fn transferred(&self) -> Option<u64> {
        None
    }

    /// Up to `parts` independent sources that together scan `table` in its order,
    /// each a consecutive part, so a scan can use several threads; `None` when this
    /// source cannot be split (the scan then runs on one thread).
    fn partitions(
        &mut self,
        _table: Table,
        _parts: usize,
    ) -> Result<Option<Vec<Box<dyn DataSource + Send>>>, DataError> {
        Ok(None)
    }
}

/// Records built in memory, already decoded, in the order given.
#[derive(Debug, Clone, Default)]
pub struct MemoryData {
    /// Members (all fields decoded).
    pub members: Vec<Row>,
    /// Groups.
    pub groups: Vec<Row>,
    /// Events of declared kinds.
    pub events: Vec<EventRecord>,
}

impl MemoryData {
    fn rows(&self, table: Table) -> &[Row] {
        match table {
            Table::Members => &self.members,
            Table::Groups => &self.groups,
            Table::Events => &[],
        }
    }
}

impl DataSource for MemoryData {
    fn scan(
        &mut self,
        table: Table,
        _fields: &FieldSet,
        visit: &mut dyn FnMut(&Row) -> bool,
    ) -> Result<(), DataError> {
        for row in self.rows(table) {
            if !visit(row) {
                break;
            }
        }
        Ok(())
    }

    fn lookup(
        &mut self,
        table: Table,
        id: &str,
        _fields: &FieldSet,
    ) -> Result<Option<Row>, DataError> {
        Ok(self.rows(table).iter().find(|r| r.id == id).cloned())
    }

    fn events(&mut self, after: i64, until: i64) -> Result<EventBatch, DataError> {
        let mut batch = EventBatch::default();
        for e in self.events.iter().filter(|e| after < e.at && e.at <= until) {
            batch.push(e);
        }
        batch.sort();
        Ok(batch)
    }

    fn take_problems(&mut self) -> Vec<BadValue> {
        Vec::new()
    }
}

/// Opens the data `data` names: a database server's URL (see [`remote::url`]), else
/// a SQLite file or `.sql` script; its tables checked against `program`.
pub fn open(
    data: &std::path::Path,
    program: &crate::check::model::Program,
    names: TableNames,
) -> Result<Box<dyn DataSource>, DataError> {
    Ok(match remote::url(data) {
        Some(url) => Box::new(remote::open(url, program, names)?),
        None => Box::new(sqlite::SqliteData::open(data, program, names)?),
    })
}
