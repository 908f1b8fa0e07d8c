//! The SQLite layout of the runtime spec ("Data in"): `members`, `groups` and
//! `events` tables, checked against the playbook's schema when opened and decoded
//! column by column with `decode`.
//!
//! The file is opened read-only and never changed. A `.sql` file is read as SQL text
//! into an in-memory database instead, so example data can ship readable and diffable.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;

use rusqlite::Connection;

use super::decode::{Context, Decoder, NULL_IN_REQUIRED, Raw, is_plain, plain_id_code, read_id};
use super::event_json::{self, DataError as JsonError, EventData};
use super::filter::RowFilter;
use super::{
    BadValue, DataError, DataSource, EventBatch, EventRecord, FieldSet, Table, TableNames,
};
use crate::check::model::{FieldDef, Program, RecordSchema};
use crate::check::types::{Base, Type};
use crate::runtime::value::{Row, Val};

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
        let opening = |e: rusqlite::Error| DataError::Open {
            path: shown.clone(),
            message: e.to_string(),
        };
        let conn = connect(path)?;
        let mut problems = Problems::default();
        let layout = Layout::read(&conn, program, &names, &mut problems).map_err(opening)?;
        if !layout.missing.is_empty() {
            return Err(DataError::Schema(layout.missing));
        }
        let is_script = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sql"));
        Ok(SqliteData {
            lookups: Vec::new(),
            file: (!is_script).then(|| path.to_path_buf()),
            tz: program.settings.timezone,
            conn,
            tables: Tables {
                members: layout.members.expect("no table is missing"),
                groups: layout.groups,
            },
            events: layout.events,
            cx: Context::new(program.settings.timezone),
            problems,
        })
    }

    /// The index of the lookup plan for (`table`, `fields`), made once.
    fn lookup_plan(&mut self, table: Table, fields: &FieldSet) -> Result<usize, DataError> {
        if let Some(i) = self
            .lookups
            .iter()
            .position(|l| l.table == table && l.fields == fields)
        {
            return Ok(i);
        }
        let Some(spec) = self.tables.get(table)? else {
            return Err(DataError::Sql("the playbook declares no groups".to_owned()));
        };
        let plan = ReadPlan::new(spec, fields)?;
        let sql = plan.select(spec, true);
        self.lookups.push(Lookup {
            table,
            fields: fields.to_vec(),
            plan,
            sql,
        });
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
        let i = match self.tables.get(table)? {
            None => return Ok(None),
            Some(spec) if spec.duplicates.contains(id) => return Ok(None),
            Some(_) => self.lookup_plan(table, fields)?,
        };
        let spec = self.tables.get(table)?.expect("found above");
        let Lookup { plan, sql, .. } = &mut self.lookups[i];
        // Prepared by the first lookup, then taken from the connection's cache.
        let mut stmt = self.conn.prepare_cached(sql).map_err(sql_error)?;
        let as_integer = id
            .parse::<i64>()
            .ok()
            .filter(|n| n.to_string() == id)
            .map_or_else(
                || rusqlite::types::Value::Text(id.to_owned()),
                rusqlite::types::Value::Integer,
            );
        let mut rows = stmt.query((id, as_integer)).map_err(sql_error)?;
        let Some(r) = rows.next().map_err(sql_error)? else {
            return Ok(None);
        };
        let mut row = Row::with_width(spec.fields.len());
        let good = plan.read(r, spec, 1, &mut row, &mut self.cx, &mut self.problems)?;
        Ok(good.then_some(row))
    }

    fn events(&mut self, after: i64, until: i64) -> Result<EventBatch, DataError> {
        let mut batch = EventBatch::default();
        let Some(spec) = &self.events else {
            return Ok(batch);
        };
        let mut stmt = self
            .conn
            .prepare_cached(&spec.select())
            .map_err(sql_error)?;
        let mut rows = stmt.query([]).map_err(sql_error)?;
        let mut reader = EventReader {
            spec,
            cx: &mut self.cx,
            problems: &mut self.problems,
            window: (after, until),
            position: 0,
        };
        let mut id = String::new();
        while let Some(r) = rows.next().map_err(sql_error)? {
            reader.read(r, &mut id, &mut batch)?;
        }
        batch
            .events
            .sort_by(|a, b| (a.at, &a.row.id).cmp(&(b.at, &b.row.id)));
        Ok(batch)
    }

    fn take_problems(&mut self) -> Vec<BadValue> {
        std::mem::take(&mut self.problems.pending)
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

/// A source's decoding state, lent to one scan.
struct Reader<'a> {
    cx: &'a mut Context,
    problems: &'a mut Problems,
}

impl Reader<'_> {
    /// Reads `spec`'s table in its order (only rowids in `range`, when given), the
    /// `fields` decoded, until `visit` says stop; bad rows are recorded, not visited.
    /// Rows `filter` rules out are left to SQLite to skip when it can (see
    /// [`ReadPlan::pushdown`]).
    fn scan(
        self,
        conn: &Connection,
        spec: &TableSpec,
        fields: &FieldSet,
        range: Option<(i64, i64)>,
        filter: &RowFilter,
        visit: &mut dyn FnMut(&Row) -> bool,
    ) -> Result<(), DataError> {
        let mut plan = ReadPlan::new(spec, fields)?;
        let mut sql = plan.select(spec, false);
        let mut conditions = Vec::new();
        if range.is_some() {
            conditions.push("rowid >= ?1 AND rowid < ?2".to_owned());
        }
        conditions.extend(plan.pushdown(spec, filter));
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        let mut stmt = conn.prepare_cached(&sql).map_err(sql_error)?;
        let mut rows = match range {
            Some(range) => stmt.query(range),
            None => stmt.query([]),
        }
        .map_err(sql_error)?;
        let mut row = Row::with_width(spec.fields.len());
        let mut position = 0;
        while let Some(r) = rows.next().map_err(sql_error)? {
            position += 1;
            let good = plan.read(r, spec, position, &mut row, self.cx, self.problems)?;
            if good && !visit(&row) {
                break;
            }
        }
        Ok(())
    }
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

/// What `open` found: the tables it can read, and every table or column missing.
struct Layout {
    members: Option<TableSpec>,
    groups: Option<TableSpec>,
    events: Option<EventSpec>,
    missing: Vec<String>,
}

/// The columns `events` must have (`group_id` may be absent).
const EVENT_COLUMNS: [&str; 5] = ["id", "kind", "member_id", "at", "data"];

impl Layout {
    fn read(
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
        Ok(Some(EventSpec {
            name: name.to_owned(),
            has_group_column: has(&columns, "group_id"),
            row_names: row_names(conn, name),
            duplicates: duplicates(conn, Table::Events, name, problems)?,
            kinds: program.events.iter().map(KindSpec::of).collect(),
            at: Decoder::new(&Type::required(Base::Time)),
        }))
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

/// A lookup by id of some fields: its plan, and the `SELECT … WHERE id IN (?1, ?2)`
/// that the connection's statement cache keeps prepared.
struct Lookup {
    table: Table,
    fields: Vec<usize>,
    plan: ReadPlan,
    sql: String,
}

/// Bad values found and not yet taken; each (table, row, column) reported once.
#[derive(Default)]
struct Problems {
    seen: HashSet<(Table, String, String)>,
    pending: Vec<BadValue>,
}

/// Where a value sits: enough to find it in the data.
struct Place<'a> {
    table: Table,
    name: &'a str,
    row: &'a str,
}

impl Problems {
    fn record(&mut self, at: &Place<'_>, column: &str, raw: Raw<'_>, problem: String) {
        if self
            .seen
            .insert((at.table, at.row.to_owned(), column.to_owned()))
        {
            self.pending.push(BadValue {
                table: at.name.to_owned(),
                column: column.to_owned(),
                row: at.row.to_owned(),
                value: raw.sql_text(),
                problem,
            });
        }
    }
}

/// How a row whose id cannot be read is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowNames {
    /// `rowid N`, read in the same query.
    Rowid,
    /// `row N`, counting in table order (a `WITHOUT ROWID` table or a view).
    Position,
}

impl RowNames {
    fn name(self, r: &rusqlite::Row<'_>, column: usize, position: u64) -> String {
        match (self, r.get_ref(column)) {
            (RowNames::Rowid, Ok(rusqlite::types::ValueRef::Integer(n))) => format!("rowid {n}"),
            _ => format!("row {position}"),
        }
    }
}

/// A members or groups table as found at open.
#[derive(Clone)]
struct TableSpec {
    table: Table,
    name: String,
    fields: Vec<FieldSpec>,
    row_names: RowNames,
    /// Ids held by more than one row (recorded at open); those rows are left out.
    duplicates: HashSet<String>,
}

/// A schema field and the column it is read from.
#[derive(Clone)]
struct FieldSpec {
    name: String,
    decoder: Decoder,
}

impl FieldSpec {
    fn of(field: &FieldDef) -> FieldSpec {
        FieldSpec {
            name: field.name.clone(),
            decoder: Decoder::new(&field.ty),
        }
    }
}

/// The columns one scan or lookup reads, with their decoders: chosen once, then
/// applied row after row.
struct ReadPlan {
    /// Schema index and decoder of each selected column after `id`.
    columns: Vec<(usize, Decoder)>,
    /// Whether schema field 0 (`id`) is wanted in `vals` too.
    want_id: bool,
}

impl ReadPlan {
    fn new(spec: &TableSpec, fields: &FieldSet) -> Result<ReadPlan, DataError> {
        let mut columns = Vec::with_capacity(fields.len());
        for &i in fields {
            let Some(field) = spec.fields.get(i) else {
                return Err(DataError::Sql(format!(
                    "field {i} is outside the {} schema",
                    spec.name
                )));
            };
            if i != 0 {
                columns.push((i, field.decoder.clone()));
            }
        }
        Ok(ReadPlan {
            columns,
            want_id: fields.contains(&0),
        })
    }

    /// `SELECT id, <columns>[, rowid] FROM t [WHERE id = ?1]`, in table order.
    fn select(&self, spec: &TableSpec, by_id: bool) -> String {
        let mut sql = String::from("SELECT \"id\"");
        for &(i, _) in &self.columns {
            sql.push_str(", ");
            sql.push_str(&quote(&spec.fields[i].name));
        }
        if spec.row_names == RowNames::Rowid {
            sql.push_str(", rowid");
        }
        sql.push_str(" FROM ");
        sql.push_str(&quote(&spec.name));
        if by_id {
            // `?2` is the id as an INTEGER when it reads as one: a column without a
            // type stores `42` as an integer, which `= '42'` does not find (a scan
            // shows it as `42`, so a lookup must find it too).
            sql.push_str(" WHERE \"id\" IN (?1, ?2)");
        }
        sql
    }

    /// The condition that leaves out the rows `filter` rules out and whose read
    /// columns are all plain, checked by the `playbook_plain` function (the same
    /// check the decoder trusts): `(FILTER) OR NOT playbook_plain(…)`. A row with a
    /// value that is not plain, a bad one above all, is always read. `None` when
    /// nothing can be skipped safely: no filter; a column kind without a plain form;
    /// the filter naming a field the scan does not read; or rows named by position
    /// (a skipped row would shift the names of those after it).
    fn pushdown(&self, spec: &TableSpec, filter: &RowFilter) -> Option<String> {
        if filter.is_true() || spec.row_names != RowNames::Rowid {
            return None;
        }
        let read = |f: usize| f == 0 || self.columns.iter().any(|(i, _)| *i == f);
        if !filter.fields().into_iter().all(read) {
            return None;
        }
        let mut codes = vec![plain_id_code()];
        for (_, decoder) in &self.columns {
            codes.push(decoder.plain_code()?);
        }
        let names: Vec<String> = spec.fields.iter().map(|f| quote(&f.name)).collect();
        let mut sql = String::from("(");
        filter.sql(&names, &mut sql);
        sql.push_str(") OR NOT playbook_plain('");
        sql.extend(codes.iter().map(|&c| char::from(c)));
        sql.push_str("', \"id\"");
        for (i, _) in &self.columns {
            sql.push_str(", ");
            sql.push_str(&names[*i]);
        }
        sql.push(')');
        Some(format!("({sql})"))
    }

    /// Decodes one result row into `row`; `false` when a value is bad (each bad value
    /// is recorded).
    fn read(
        &mut self,
        r: &rusqlite::Row<'_>,
        spec: &TableSpec,
        position: u64,
        row: &mut Row,
        cx: &mut Context,
        problems: &mut Problems,
    ) -> Result<bool, DataError> {
        let raw_id = Raw::from(r.get_ref(0).map_err(sql_error)?);
        if let Err(problem) = read_id(raw_id, &mut row.id) {
            let name = spec.row_names.name(r, self.columns.len() + 1, position);
            let at = Place {
                table: spec.table,
                name: &spec.name,
                row: &name,
            };
            problems.record(&at, "id", raw_id, problem);
            return Ok(false);
        }
        if !spec.duplicates.is_empty() && spec.duplicates.contains(&row.id) {
            return Ok(false);
        }
        if self.want_id {
            row.vals[0].set_text(&row.id);
        }
        let mut good = true;
        for (k, (slot, decoder)) in self.columns.iter_mut().enumerate() {
            // The plan chose the columns: an index out of range is a bug, not data.
            let raw = Raw::from(r.get_ref_unwrap(k + 1));
            if let Err(problem) = decoder.decode(raw, &mut row.vals[*slot], cx) {
                let at = Place {
                    table: spec.table,
                    name: &spec.name,
                    row: &row.id,
                };
                problems.record(&at, &spec.fields[*slot].name, raw, problem);
                good = false;
            }
        }
        Ok(good)
    }
}

/// The `events` table as found at open, and the declared kinds.
struct EventSpec {
    name: String,
    has_group_column: bool,
    row_names: RowNames,
    duplicates: HashSet<String>,
    kinds: Vec<KindSpec>,
    at: Decoder,
}

/// A declared event kind: decoders for `member_id`, `group_id` and its data fields.
struct KindSpec {
    name: String,
    width: usize,
    member_id: Decoder,
    group_id: Decoder,
    data: Vec<FieldSpec>,
}

/// Column positions in [`EventSpec::select`].
const EV_ID: usize = 0;
const EV_KIND: usize = 1;
const EV_MEMBER: usize = 2;
const EV_AT: usize = 3;
const EV_DATA: usize = 4;
const EV_GROUP: usize = 5;

impl EventSpec {
    fn select(&self) -> String {
        let mut sql = String::from("SELECT \"id\", \"kind\", \"member_id\", \"at\", \"data\"");
        if self.has_group_column {
            sql.push_str(", \"group_id\"");
        }
        if self.row_names == RowNames::Rowid {
            sql.push_str(", rowid");
        }
        sql.push_str(" FROM ");
        sql.push_str(&quote(&self.name));
        sql
    }

    fn rowid_column(&self) -> usize {
        EV_DATA + 1 + usize::from(self.has_group_column)
    }
}

impl KindSpec {
    fn of(schema: &RecordSchema) -> KindSpec {
        KindSpec {
            name: schema.name.clone(),
            width: schema.fields.len(),
            member_id: Decoder::new(&schema.fields[1].ty),
            group_id: Decoder::new(&schema.fields[3].ty),
            data: schema.fields[4..].iter().map(FieldSpec::of).collect(),
        }
    }
}

/// Reads the events of one window, row by row.
struct EventReader<'a> {
    spec: &'a EventSpec,
    cx: &'a mut Context,
    problems: &'a mut Problems,
    window: (i64, i64),
    position: u64,
}

impl EventReader<'_> {
    /// Reads one row; `id` is a buffer reused from row to row.
    fn read(
        &mut self,
        r: &rusqlite::Row<'_>,
        id: &mut String,
        batch: &mut EventBatch,
    ) -> Result<(), DataError> {
        let spec = self.spec;
        self.position += 1;
        let raw_id = raw(r, EV_ID)?;
        if let Err(problem) = read_id(raw_id, id) {
            let row = spec.row_names.name(r, spec.rowid_column(), self.position);
            self.record(&row, "id", raw_id, problem);
            return Ok(());
        }
        // Decoded before the window test: an event that cannot be placed in time is
        // reported whatever the window.
        let mut at = Val::Null;
        if !self.decode(id, "at", raw(r, EV_AT)?, &spec.at, &mut at) {
            return Ok(());
        }
        let Val::Time(at) = at else {
            unreachable!("`at` decodes as a time")
        };
        if !(self.window.0 < at && at <= self.window.1) || spec.duplicates.contains(id.as_str()) {
            return Ok(());
        }
        let Some(kind) = self.kind(id, raw(r, EV_KIND)?) else {
            return Ok(());
        };
        match spec.kinds.iter().position(|k| k.name == kind) {
            Some(k) => self.read_declared(r, k, id, at, batch),
            None => {
                count_ignored(batch, kind);
                Ok(())
            }
        }
    }

    /// The event's kind, or `None` when it is not text (recorded).
    fn kind<'r>(&mut self, id: &str, value: Raw<'r>) -> Option<Cow<'r, str>> {
        let problem = match value {
            Raw::Text(b) => return Some(String::from_utf8_lossy(b)),
            Raw::Null => NULL_IN_REQUIRED,
            _ => "wrong type: expected TEXT",
        };
        self.record(id, "kind", value, problem);
        None
    }

    /// Decodes an event of declared kind `k`; it joins the batch when every value is
    /// good.
    fn read_declared(
        &mut self,
        r: &rusqlite::Row<'_>,
        k: usize,
        id: &str,
        at: i64,
        batch: &mut EventBatch,
    ) -> Result<(), DataError> {
        let spec = self.spec;
        let kind = &spec.kinds[k];
        let mut row = Row::with_width(kind.width);
        row.vals[0] = Val::Text(id.to_owned());
        row.vals[2] = Val::Time(at);
        row.id = id.to_owned();
        let raw_member = raw(r, EV_MEMBER)?;
        let mut good = self.decode(
            &row.id,
            "member_id",
            raw_member,
            &kind.member_id,
            &mut row.vals[1],
        );
        let raw_data = raw(r, EV_DATA)?;
        let Some(data) = self.data_object(&row.id, raw_data) else {
            return Ok(());
        };
        let (value, column) = self.group_source(r, &data)?;
        good &= self.decode(&row.id, column, value, &kind.group_id, &mut row.vals[3]);
        for (i, field) in kind.data.iter().enumerate() {
            let column = format!("data.{}", field.name);
            let value = match data.get(&field.name) {
                Some(v) => Raw::from_data(v),
                None if field.decoder.is_optional() => Raw::Null,
                None => {
                    let problem = format!("missing field: data has no `{}`", field.name);
                    self.record(&row.id, &column, raw_data, problem);
                    good = false;
                    continue;
                }
            };
            good &= self.decode(
                &row.id,
                &column,
                value,
                &field.decoder,
                &mut row.vals[4 + i],
            );
        }
        if good {
            batch.events.push(EventRecord { kind: k, at, row });
        }
        Ok(())
    }

    /// Where `group_id` comes from: its column, or `data` when the column is absent
    /// or NULL.
    fn group_source<'r>(
        &self,
        r: &'r rusqlite::Row<'_>,
        data: &'r EventData,
    ) -> Result<(Raw<'r>, &'static str), DataError> {
        let column = match self.spec.has_group_column {
            true => raw(r, EV_GROUP)?,
            false => Raw::Null,
        };
        Ok(match (column, data.get("group_id")) {
            (Raw::Null, Some(v)) => (Raw::from_data(v), "data.group_id"),
            (column, _) => (column, "group_id"),
        })
    }

    /// The `data` column as a JSON object of unique keys (NULL reads as `{}`), or
    /// `None` when it is not one (recorded).
    fn data_object(&mut self, id: &str, value: Raw<'_>) -> Option<EventData> {
        let (column, problem) = match value {
            Raw::Null => return Some(EventData::new()),
            Raw::Text(text) => match event_json::parse(text) {
                Ok(data) => return Some(data),
                Err(JsonError::Invalid(problem)) => ("data".to_owned(), problem),
                Err(JsonError::DuplicateKey(key)) => (
                    format!("data.{key}"),
                    format!("duplicate key: `{key}` appears more than once in data"),
                ),
            },
            _ => (
                "data".to_owned(),
                "wrong type: expected a JSON object as TEXT".to_owned(),
            ),
        };
        self.record(id, &column, value, problem);
        None
    }

    /// Decodes one value into `slot`; `false` when it is bad (recorded). The spec's
    /// decoders are shared, so a copy decodes (cheap: its spare buffer is empty).
    fn decode(
        &mut self,
        id: &str,
        column: &str,
        value: Raw<'_>,
        decoder: &Decoder,
        slot: &mut Val,
    ) -> bool {
        match decoder.clone().decode(value, slot, self.cx) {
            Ok(()) => true,
            Err(problem) => {
                self.record(id, column, value, problem);
                false
            }
        }
    }

    fn record(&mut self, row: &str, column: &str, value: Raw<'_>, problem: impl Into<String>) {
        let at = Place {
            table: Table::Events,
            name: &self.spec.name,
            row,
        };
        self.problems.record(&at, column, value, problem.into());
    }
}

/// Counts an event of a kind the playbook does not declare (allocating only for a
/// kind not seen before).
fn count_ignored(batch: &mut EventBatch, kind: Cow<'_, str>) {
    match batch.ignored.get_mut(kind.as_ref()) {
        Some(n) => *n += 1,
        None => {
            batch.ignored.insert(kind.into_owned(), 1);
        }
    }
}

fn raw<'r>(r: &'r rusqlite::Row<'_>, column: usize) -> Result<Raw<'r>, DataError> {
    r.get_ref(column).map(Raw::from).map_err(sql_error)
}
