//! The SQLite layout of the runtime spec ("Data in"): `members`, `groups` and
//! `events` tables, checked against the playbook's schema when opened and decoded
//! column by column with `decode`.
//!
//! The file is opened read-only and never changed. A `.sql` file is read as SQL text
//! into an in-memory database instead, so example data can ship readable and diffable.
//!
//! Opening, connecting and the [`DataSource`] of a file are here; `layout` checks the
//! tables at open, `read` reads members and groups rows, `events` reads events.

mod events;
mod layout;
mod read;
mod shared;

use std::path::Path;
use std::sync::Arc;

use rusqlite::Connection;

use super::columns::Columns;
use super::decode::{Context, Raw, is_plain};
use super::filter::RowFilter;
use super::{BadValue, DataError, DataSource, EventBatch, FieldSet, NOT_HELD, Table, TableNames};
use crate::check::model::Program;
use crate::value::Row;
use events::EventSpec;
use layout::Layout;
use read::{Lookup, Problems, Reader, TableSpec};
pub use shared::SharedReads;

/// Members, groups and events in a SQLite file (or a `.sql` script).
///
/// Problems with single values are recorded, not returned: see
/// [`DataSource::take_problems`]. Problems with the layout (a missing table or column)
/// stop [`SqliteData::open`].
pub struct SqliteData {
    /// The plans of the lookups made so far; their statements stay in `conn`'s cache.
    lookups: Vec<Lookup>,
    /// The file, for opening more connections (`None` for a `.sql` script in memory).
    file: Option<std::path::PathBuf>,
    tz: chrono_tz::Tz,
    /// Statements are prepared through its cache (`prepare_cached`), per scan or
    /// lookup, never per row. The default capacity (16) holds the few that recur:
    /// lookups, the events query, scans without a filter; a scan whose filter holds
    /// values of the tick's instant is new each tick, prepared once either way.
    conn: Connection,
    tables: Tables,
    events: Option<EventSpec>,
    cx: Context,
    problems: Problems,
    /// Members and groups held in memory (see [`DataSource::hold`]).
    held: Held,
    /// Reads shared with other sources on the same file (see [`SqliteData::share`]).
    shared: Option<SharedReads>,
}

/// The tables held in memory, when asked to.
#[derive(Default)]
struct Held {
    members: Option<Arc<Columns>>,
    groups: Option<Arc<Columns>>,
}

impl Held {
    fn get(&self, table: Table) -> Option<&Columns> {
        match table {
            Table::Members => self.members.as_deref(),
            Table::Groups => self.groups.as_deref(),
            Table::Events => None,
        }
    }
}

impl std::fmt::Debug for SqliteData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteData")
            .field("members", &self.tables.members.name)
            .field("groups", &self.tables.groups.as_ref().map(|g| &g.name))
            .field("events", &self.events.as_ref().map(|e| &e.name))
            .finish_non_exhaustive()
    }
}

impl SqliteData {
    /// Opens `path` read-only (a `.sql` file: runs it into an in-memory database) and
    /// checks its tables against `program`; every missing table and column is listed
    /// in one [`DataError::Schema`]. Duplicate ids, when no unique index rules them
    /// out, are found here and recorded as problems.
    pub fn open(
        path: &Path,
        program: &Program,
        names: TableNames,
    ) -> Result<SqliteData, DataError> {
        let shown = path.display().to_string();
        let conn = connect(path)?;
        let is_script = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sql"));
        let file = (!is_script).then(|| path.to_path_buf());
        SqliteData::over(conn, file, program, names).map_err(|e| match e {
            DataError::Sql(message) => DataError::Open {
                path: shown,
                message,
            },
            other => other,
        })
    }

    /// A source over tables in an open connection: the staging database of a
    /// source elsewhere (see [`crate::data::remote`]), which fills the tables before
    /// each read.
    pub(crate) fn staged(
        conn: Connection,
        program: &Program,
        names: TableNames,
    ) -> Result<SqliteData, DataError> {
        register_plain(&conn).map_err(sql_error)?;
        SqliteData::over(conn, None, program, names)
    }

    /// The connection read from, for filling a staging database.
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    fn over(
        conn: Connection,
        file: Option<std::path::PathBuf>,
        program: &Program,
        names: TableNames,
    ) -> Result<SqliteData, DataError> {
        let mut problems = Problems::default();
        let layout = Layout::read(&conn, program, &names, &mut problems).map_err(sql_error)?;
        let Some(members) = layout.members.filter(|_| layout.missing.is_empty()) else {
            return Err(DataError::Schema(layout.missing));
        };
        Ok(SqliteData {
            lookups: Vec::new(),
            file,
            tz: program.settings.timezone,
            conn,
            tables: Tables {
                members,
                groups: layout.groups,
            },
            events: layout.events,
            cx: Context::new(program.settings.timezone),
            problems,
            held: Held::default(),
            shared: None,
        })
    }

    /// Takes held tables and events from `reads` when another source already read
    /// them alike, and leaves what this source reads there for the next: see
    /// [`SharedReads`]. What a source answers and reports is the same either way.
    pub fn share(&mut self, reads: SharedReads) {
        self.shared = Some(reads);
    }

    /// The events of `window` as a source sharing this one's reads read them, when
    /// they are kept there ([`SharedReads::retain_events`]); bad values aside.
    pub fn shared_events(&self, window: (i64, i64)) -> Option<Arc<EventBatch>> {
        let (shared, spec) = (self.shared.as_ref()?, self.events.as_ref()?);
        shared.kept_events(spec, self.tz, window)
    }

    /// The index of the lookup plan for (`table`, `fields`), made once.
    fn lookup_plan(&mut self, table: Table, fields: &FieldSet) -> Result<usize, DataError> {
        if let Some(i) = self.lookups.iter().position(|l| l.is_for(table, fields)) {
            return Ok(i);
        }
        let Some(spec) = self.tables.get(table)? else {
            return Err(DataError::Sql("the playbook declares no groups".to_owned()));
        };
        self.lookups.push(Lookup::new(spec, fields)?);
        Ok(self.lookups.len() - 1)
    }
}

impl DataSource for SqliteData {
    fn scan(
        &mut self,
        table: Table,
        fields: &FieldSet,
        visit: &mut dyn FnMut(&Row) -> bool,
    ) -> Result<(), DataError> {
        self.scan_where(table, fields, &RowFilter::True, visit)
    }

    fn scan_where(
        &mut self,
        table: Table,
        fields: &FieldSet,
        filter: &RowFilter,
        visit: &mut dyn FnMut(&Row) -> bool,
    ) -> Result<(), DataError> {
        if let Some(held) = self.held.get(table).filter(|h| h.holds(fields)) {
            scan_held(held, table, fields, filter, &mut self.problems, visit);
            return Ok(());
        }
        let Some(spec) = self.tables.get(table)? else {
            return Ok(());
        };
        let conn = &self.conn;
        let reader = Reader {
            cx: &mut self.cx,
            problems: &mut self.problems,
        };
        reader.scan(conn, spec, fields, None, filter, visit)
    }

    fn lookup(
        &mut self,
        table: Table,
        id: &str,
        fields: &FieldSet,
    ) -> Result<Option<Row>, DataError> {
        if let Some(held) = self.held.get(table).filter(|h| h.holds(fields)) {
            let Some(r) = find_held(held, table, id, fields, &mut self.problems) else {
                return Ok(None);
            };
            let mut row = Row::default();
            held.fill(r, fields, &mut row);
            return Ok(Some(row));
        }
        let i = match self.tables.get(table)? {
            None => return Ok(None),
            Some(spec) if spec.duplicates.contains(id) => return Ok(None),
            Some(_) => self.lookup_plan(table, fields)?,
        };
        let Some(spec) = self.tables.get(table)? else {
            return Ok(None);
        };
        let reader = Reader {
            cx: &mut self.cx,
            problems: &mut self.problems,
        };
        reader.lookup(&self.conn, spec, &mut self.lookups[i], id)
    }

    fn held_rows<'i>(
        &self,
        table: Table,
        ids: &(dyn Fn(usize) -> Option<&'i str> + Sync),
        out: &mut [u32],
    ) {
        match self.held.get(table) {
            Some(held) => find_all(held, ids, out),
            None => out.fill(NOT_HELD),
        }
    }

    fn held_good(&mut self, table: Table, position: usize, fields: &FieldSet) -> bool {
        self.held
            .get(table)
            .is_some_and(|held| good_held(held, table, position, fields, &mut self.problems))
    }

    fn held_fill(&mut self, table: Table, position: usize, fields: &FieldSet, out: &mut Row) {
        if let Some(held) = self.held.get(table) {
            held.fill_values(position, fields, out);
        }
    }

    fn events(&mut self, after: i64, until: i64) -> Result<EventBatch, DataError> {
        let Some(spec) = &self.events else {
            return Ok(EventBatch::default());
        };
        let Some(shared) = &self.shared else {
            return spec.read_window(&self.conn, &mut self.cx, &mut self.problems, (after, until));
        };
        let window = (after, until);
        let (batch, bad) = match shared.take_events(spec, self.tz, window) {
            Some(read) => read,
            None => {
                let mut problems = Problems::default();
                let batch = spec.read_window(&self.conn, &mut self.cx, &mut problems, window)?;
                shared.keep_events(spec, self.tz, window, &batch, &problems.pending);
                (batch, problems.pending)
            }
        };
        for b in bad {
            self.problems.record_value(Table::Events, b);
        }
        Ok(batch)
    }

    fn take_problems(&mut self) -> Vec<BadValue> {
        std::mem::take(&mut self.problems.pending)
    }

    fn each_event(
        &mut self,
        after: i64,
        until: i64,
        visit: &mut dyn FnMut(&super::EventRecord),
    ) -> Result<(), DataError> {
        let Some(spec) = &self.events else {
            return Ok(());
        };
        let sources = (&mut self.cx, &mut self.problems);
        spec.each_in_window(&self.conn, sources, (after, until), visit)
    }

    fn hold(&mut self, table: Table, fields: &FieldSet) -> Result<bool, DataError> {
        let (conn, cx) = (&self.conn, &mut self.cx);
        hold_into(
            conn,
            (&self.tables, self.shared.as_ref().map(|s| (s, self.tz))),
            &mut self.held,
            cx,
            &mut self.problems,
            table,
            fields,
        )
    }

    /// Reads the events on a second connection while this one holds the table: the
    /// two largest reads of a long window, each on its own core.
    fn events_and_hold(
        &mut self,
        window: (i64, i64),
        table: Table,
        fields: &FieldSet,
    ) -> Result<(EventBatch, bool), DataError> {
        let (Some(file), Some(spec)) = (&self.file, &self.events) else {
            // A script lives in this connection only.
            let events = self.events(window.0, window.1)?;
            return Ok((events, self.hold(table, fields)?));
        };
        if let Some(shared) = &self.shared
            && let Some((batch, bad)) = shared.take_events(spec, self.tz, window)
        {
            for b in bad {
                self.problems.record_value(Table::Events, b);
            }
            return Ok((batch, self.hold(table, fields)?));
        }
        let tz = self.tz;
        let (events, held) = std::thread::scope(|s| {
            let events = s.spawn(move || {
                let conn = connect(file)?;
                let mut problems = Problems::default();
                let batch = spec.read_window(&conn, &mut Context::new(tz), &mut problems, window);
                batch.map(|b| (b, problems.pending))
            });
            let mut problems = Problems::default();
            let held = hold_into(
                &self.conn,
                (&self.tables, self.shared.as_ref().map(|s| (s, self.tz))),
                &mut self.held,
                &mut self.cx,
                &mut problems,
                table,
                fields,
            );
            let events = events
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (events, held.map(|h| (h, problems.pending)))
        });
        let (batch, found) = events?;
        if let Some(shared) = &self.shared {
            shared.keep_events(spec, tz, window, &batch, &found);
        }
        let (held, found_holding) = held?;
        for bad in found {
            self.problems.record_value(Table::Events, bad);
        }
        for bad in found_holding {
            self.problems.record_value(table, bad);
        }
        Ok((batch, held))
    }

    fn table_name(&self, table: Table) -> Option<String> {
        match table {
            Table::Members => Some(self.tables.members.name.clone()),
            Table::Groups => self.tables.groups.as_ref().map(|g| g.name.clone()),
            Table::Events => self.events.as_ref().map(|e| e.name.clone()),
        }
    }

    fn row_count(&mut self, name: &str) -> Result<Option<u64>, DataError> {
        let known = std::iter::once(&self.tables.members.name)
            .chain(self.tables.groups.as_ref().map(|g| &g.name))
            .chain(self.events.as_ref().map(|e| &e.name))
            .any(|n| n == name);
        if !known {
            return Ok(None);
        }
        let sql = format!("SELECT count(*) FROM {}", quote(name));
        let n: i64 = self
            .conn
            .query_row(&sql, [], |r| r.get(0))
            .map_err(sql_error)?;
        Ok(u64::try_from(n).ok())
    }

    fn partitions(
        &mut self,
        table: Table,
        parts: usize,
    ) -> Result<Option<Vec<Box<dyn DataSource + Send>>>, DataError> {
        if self.held.get(table).is_some() {
            // Held rows are read from memory, faster than threads start.
            return Ok(None);
        }
        let (Some(file), Some(spec)) = (&self.file, self.tables.get(table)?) else {
            return Ok(None);
        };
        let sql = format!("SELECT min(rowid), max(rowid) FROM {}", quote(&spec.name));
        // A table without rowids cannot be cut into ranges: one thread reads it.
        let Ok((Some(lo), Some(hi))) = self.conn.query_row(&sql, [], |r| {
            Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?))
        }) else {
            return Ok(None);
        };
        let span = i128::from(hi) - i128::from(lo) + 1;
        if parts < 2 || span < MIN_ROWS_PER_PART * parts as i128 {
            return Ok(None);
        }
        let mut out: Vec<Box<dyn DataSource + Send>> = Vec::with_capacity(parts);
        for k in 0..parts as i128 {
            let start = i128::from(lo) + span * k / parts as i128;
            let end = i128::from(lo) + span * (k + 1) / parts as i128;
            out.push(Box::new(SqlitePart {
                conn: connect(file)?,
                spec: spec.clone(),
                range: (start as i64, end as i64),
                cx: Context::new(self.tz),
                problems: Problems::default(),
            }));
        }
        Ok(Some(out))
    }
}

/// [`DataSource::hold`] on `conn`, into `held`.
fn hold_into(
    conn: &Connection,
    (tables, shared): (&Tables, Option<(&SharedReads, chrono_tz::Tz)>),
    held: &mut Held,
    cx: &mut Context,
    problems: &mut Problems,
    table: Table,
    fields: &FieldSet,
) -> Result<bool, DataError> {
    if held.get(table).is_some_and(|h| h.holds(fields)) {
        return Ok(true);
    }
    let Some(spec) = tables.get(table)? else {
        return Ok(false);
    };
    let columns = match shared {
        Some((s, tz)) => match s.columns(spec, tz, fields) {
            Some(c) => c,
            None => {
                let wider = s.widened(spec, fields);
                let c = Arc::new(Reader { cx, problems }.hold(conn, spec, &wider)?);
                s.keep_columns(spec, tz, c.clone());
                c
            }
        },
        None => Arc::new(Reader { cx, problems }.hold(conn, spec, fields)?),
    };
    match table {
        Table::Members => held.members = Some(columns),
        Table::Groups => held.groups = Some(columns),
        Table::Events => return Ok(false),
    }
    Ok(true)
}

/// A scan of held rows: as a scan of the file would, it reports the bad values of
/// the fields read (each once) and leaves their rows out; it visits the rows
/// `filter` may hold for (the file's scan may visit more, never fewer).
fn scan_held(
    held: &Columns,
    table: Table,
    fields: &FieldSet,
    filter: &RowFilter,
    problems: &mut Problems,
    visit: &mut dyn FnMut(&Row) -> bool,
) {
    let (bad, bad_rows) = held.bad_for(fields);
    for b in bad {
        problems.record_value(table, b.clone());
    }
    let mut rows = held.matching(filter);
    rows.difference_with(&bad_rows);
    let mut row = Row::default();
    for r in rows.ones() {
        held.fill(r, fields, &mut row);
        if !visit(&row) {
            break;
        }
    }
}

/// The position of the held row with this id when it is there and none of `fields`
/// is bad (each bad value recorded).
fn find_held(
    held: &Columns,
    table: Table,
    id: &str,
    fields: &FieldSet,
    problems: &mut Problems,
) -> Option<usize> {
    let r = held.find(id)?;
    good_held(held, table, r, fields, problems).then_some(r)
}

/// Whether none of `fields` is bad in held row `r` (each bad value recorded).
fn good_held(
    held: &Columns,
    table: Table,
    r: usize,
    fields: &FieldSet,
    problems: &mut Problems,
) -> bool {
    let mut good = true;
    for b in held.bad_in(r, fields) {
        problems.record_value(table, b.clone());
        good = false;
    }
    good
}

/// [`DataSource::held_rows`] of `held`: the lookups are independent and each a few
/// cache misses, so a long list is split between two threads.
fn find_all<'i>(held: &Columns, ids: &(dyn Fn(usize) -> Option<&'i str> + Sync), out: &mut [u32]) {
    let find = |start: usize, part: &mut [u32]| {
        for (k, slot) in part.iter_mut().enumerate() {
            // A held table has fewer than 2^32 rows (the columns count in u32).
            *slot = ids(start + k)
                .and_then(|id| held.find(id))
                .map_or(NOT_HELD, |r| r as u32);
        }
    };
    if out.len() < MIN_ROWS_PER_PART as usize * 2 {
        return find(0, out);
    }
    let half = out.len() / 2;
    let (first, second) = out.split_at_mut(half);
    std::thread::scope(|s| {
        s.spawn(|| find(0, first));
        find(half, second);
    });
}

/// Below this many rows per thread, one thread reads faster than several start.
const MIN_ROWS_PER_PART: i128 = 20_000;

/// One rowid range `[start, end)` of a members or groups table, on its own
/// connection: a part of a parallel scan.
struct SqlitePart {
    conn: Connection,
    spec: TableSpec,
    range: (i64, i64),
    cx: Context,
    problems: Problems,
}

impl DataSource for SqlitePart {
    fn scan(
        &mut self,
        table: Table,
        fields: &FieldSet,
        visit: &mut dyn FnMut(&Row) -> bool,
    ) -> Result<(), DataError> {
        self.scan_where(table, fields, &RowFilter::True, visit)
    }

    fn scan_where(
        &mut self,
        table: Table,
        fields: &FieldSet,
        filter: &RowFilter,
        visit: &mut dyn FnMut(&Row) -> bool,
    ) -> Result<(), DataError> {
        if table != self.spec.table {
            return Ok(());
        }
        let reader = Reader {
            cx: &mut self.cx,
            problems: &mut self.problems,
        };
        reader.scan(
            &self.conn,
            &self.spec,
            fields,
            Some(self.range),
            filter,
            visit,
        )
    }

    fn lookup(&mut self, _: Table, _: &str, _: &FieldSet) -> Result<Option<Row>, DataError> {
        Ok(None)
    }

    fn events(&mut self, _: i64, _: i64) -> Result<EventBatch, DataError> {
        Ok(EventBatch::default())
    }

    fn take_problems(&mut self) -> Vec<BadValue> {
        std::mem::take(&mut self.problems.pending)
    }
}

/// The members and groups tables.
struct Tables {
    members: TableSpec,
    groups: Option<TableSpec>,
}

impl Tables {
    /// The table to scan or look up in; `None` when the playbook declares no groups.
    fn get(&self, table: Table) -> Result<Option<&TableSpec>, DataError> {
        match table {
            Table::Members => Ok(Some(&self.members)),
            Table::Groups => Ok(self.groups.as_ref()),
            Table::Events => Err(DataError::Sql(
                "events are read by time window, not scanned or looked up".to_owned(),
            )),
        }
    }
}

/// Opens the file read-only (creating nothing beside it), or runs a `.sql` script into memory.
fn connect(path: &Path) -> Result<Connection, DataError> {
    let failed = |message: String| DataError::Open {
        path: path.display().to_string(),
        message,
    };
    let is_script = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"));
    if is_script {
        let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
        let conn = Connection::open_in_memory().map_err(|e| failed(e.to_string()))?;
        conn.execute_batch(&text)
            .map_err(|e| failed(e.to_string()))?;
        register_plain(&conn).map_err(|e| failed(e.to_string()))?;
        return Ok(conn);
    }
    // SQLite's own message for a missing file is "unable to open database file".
    match std::fs::metadata(path) {
        Err(e) => return Err(failed(e.to_string())),
        Ok(m) if m.is_dir() => return Err(failed("is a directory".to_owned())),
        Ok(_) => {}
    }
    let conn = crate::sqlite_file::open_read_only(path).map_err(|e| failed(e.to_string()))?;
    register_plain(&conn).map_err(|e| failed(e.to_string()))?;
    Ok(conn)
}

/// `playbook_plain(CODES, v1, v2, …)`: 1 when every value has the plain stored form
/// of its column (`CODES` holds one letter per value, see `Decoder::plain_code`),
/// else 0. Used by scans that push a filter down.
fn register_plain(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("playbook_plain", -1, flags, |cx| {
        let rusqlite::types::ValueRef::Text(codes) = cx.get_raw(0) else {
            return Ok(false);
        };
        if codes.len() + 1 != cx.len() {
            return Ok(false);
        }
        Ok(codes
            .iter()
            .enumerate()
            .all(|(i, &code)| is_plain(code, Raw::from(cx.get_raw(i + 1)))))
    })
}

fn sql_error(e: rusqlite::Error) -> DataError {
    DataError::Sql(e.to_string())
}

/// `name` as an SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
