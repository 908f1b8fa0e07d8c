//! [`RemoteData`]: a [`DataSource`] over a [`Warehouse`], through a staging database.
//!
//! Each read asks the warehouse for the rows it needs — a scan's candidates (its
//! filter, or any row whose values are not certainly plain), the row of an id, the
//! events of a window — and puts them into an in-memory SQLite database laid out
//! like a data file, which a [`SqliteData`] then reads. So decoding, bad values and
//! their reports are the SQLite source's own, whatever the engine.
//!
//! Rows whose id cannot be read, and every row of an id held twice, are staged
//! once at open and kept: their problems are then found, and named, as in a file.

use std::collections::HashSet;

use rusqlite::Connection;
use rusqlite::types::{Value, ValueRef};

use super::{Cell, ColumnInfo, Warehouse};
use crate::check::model::Program;
use crate::data::filter::{FilterOp, RowFilter, Stored};
use crate::data::sql::{
    ColumnRead, Comparable, Dialect, Holds, filter_sql, read_column, schema_columns,
};
use crate::data::sqlite::SqliteData;
use crate::data::{BadValue, DataError, DataSource, EventBatch, EventRecord, FieldSet};
use crate::data::{Table, TableNames};
use crate::value::Row;

/// Members, groups and events in a warehouse.
pub struct RemoteData {
    warehouse: Box<dyn Warehouse>,
    local: SqliteData,
    members: RemoteTable,
    groups: Option<RemoteTable>,
    events: Option<RemoteTable>,
    /// Rows read from the warehouse so far.
    transferred: u64,
    /// The condition of the window's events last staged, until their members are
    /// prefetched.
    window: Option<String>,
    /// The members staged now, when they are those of the window's events.
    prefetched: Option<Prefetched>,
}

/// Members staged for the window's events.
struct Prefetched {
    /// The fields read.
    fields: Vec<usize>,
    /// The events' member ids: each one's row is staged, or it has none.
    ids: HashSet<String>,
}

impl std::fmt::Debug for RemoteData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteData")
            .field("source", &self.warehouse.describe())
            .finish_non_exhaustive()
    }
}

/// A table in the warehouse and its staging copy.
struct RemoteTable {
    /// The table, quoted in the warehouse's dialect.
    from: String,
    /// The staging table, quoted for SQLite.
    local: String,
    /// The columns by schema index (members, groups) or event column: the name in
    /// the staging table and how the warehouse's column is read.
    columns: Vec<(String, ColumnRead)>,
    /// Staged rows up to this rowid stay: bad ids and duplicated ids.
    kept: i64,
}

/// The columns of the events table, in the staging table's order.
const EVENT_COLUMNS: [&str; 6] = ["id", "kind", "member_id", "at", "data", "group_id"];
const EVENT_AT: usize = 3;

impl RemoteData {
    /// Checks the warehouse's tables against `program` — every missing table or
    /// column, and every column of a type its field cannot be read from exactly, is
    /// listed in one [`DataError::Schema`] — and stages the rows kept for the
    /// source's life.
    pub fn open(
        mut warehouse: Box<dyn Warehouse>,
        program: &Program,
        names: TableNames,
    ) -> Result<RemoteData, DataError> {
        let dialect = warehouse.dialect();
        let mut problems = Vec::new();
        let mut find = |name: &str, wanted: Vec<(String, Holds<'_>)>, what: &str| {
            table(&mut *warehouse, dialect, name, wanted, what, &mut problems)
        };
        let members = find(&names.members, schema_columns(&program.member), "members")?;
        let groups = match &program.group {
            Some(g) => find(&names.groups, schema_columns(g), "groups")?,
            None => None,
        };
        let events = if program.events.is_empty() {
            None
        } else {
            let holds = [
                Holds::Id,
                Holds::Kind,
                Holds::Id,
                Holds::At,
                Holds::Data,
                Holds::Id,
            ];
            let wanted = EVENT_COLUMNS.iter().map(|c| c.to_string()).zip(holds);
            find(&names.events, wanted.collect(), "events")?
        };
        let (Some(members), true) = (members, problems.is_empty()) else {
            let source = warehouse.describe();
            let lines = problems.iter().map(|p| format!("{source}: {p}")).collect();
            return Err(DataError::Schema(lines));
        };
        let conn = Connection::open_in_memory().map_err(local_error)?;
        let mut staged = Staging {
            warehouse: &mut *warehouse,
            conn: &conn,
            transferred: 0,
        };
        let mut tables = [Some(members), groups, events];
        for t in tables.iter_mut().flatten() {
            staged.create(t)?;
            staged.keep(t)?;
        }
        let transferred = staged.transferred;
        let local = SqliteData::staged(conn, program, names)?;
        let [Some(members), groups, events] = tables else {
            return Err(DataError::Sql("staging: no members table".to_owned()));
        };
        Ok(RemoteData {
            warehouse,
            local,
            members,
            groups,
            events,
            transferred,
            window: None,
            prefetched: None,
        })
    }

    /// The warehouse, for messages.
    pub fn describe(&self) -> String {
        self.warehouse.describe()
    }

    /// Stages the rows of `table` where `filter` (over schema indices) may hold or a
    /// value of `fields` may not be plain, `fields` read.
    fn stage(
        &mut self,
        table: Table,
        fields: &FieldSet,
        filter: &RowFilter,
    ) -> Result<bool, DataError> {
        self.stage_where(table, fields, filter, fields)
    }

    /// [`RemoteData::stage`], rows with a value of `plain_of` that may not be plain
    /// staged whatever the filter.
    fn stage_where(
        &mut self,
        table: Table,
        fields: &FieldSet,
        filter: &RowFilter,
        plain_of: &[usize],
    ) -> Result<bool, DataError> {
        let Some(condition) = self.condition(table, filter, plain_of) else {
            return Ok(false);
        };
        self.stage_rows(table, fields, &condition)?;
        Ok(true)
    }

    fn table(&self, table: Table) -> Option<&RemoteTable> {
        match table {
            Table::Members => Some(&self.members),
            Table::Groups => self.groups.as_ref(),
            Table::Events => self.events.as_ref(),
        }
    }

    /// The SQL condition of the rows where `filter` may hold or a value of
    /// `plain_of` may not be plain; `None` when the playbook has no such table.
    fn condition(&self, table: Table, filter: &RowFilter, plain_of: &[usize]) -> Option<String> {
        let t = self.table(table)?;
        let by_index: Vec<Option<&ColumnRead>> = t.columns.iter().map(|(_, c)| Some(c)).collect();
        let wanted = filter_sql(self.warehouse.dialect(), filter, &by_index);
        let plain: Option<Vec<&str>> = plain_of
            .iter()
            .map(|&f| t.columns[f].1.plain.as_deref())
            .collect();
        Some(match plain {
            Some(plain) if !filter.is_true() && !plain.is_empty() => {
                format!("({wanted}) OR NOT ({})", plain.join(" AND "))
            }
            Some(_) if !filter.is_true() => wanted,
            _ => "TRUE".to_owned(),
        })
    }

    /// Replaces the staged rows of `table` (those kept aside) with its rows where
    /// `condition` holds and the id reads, `fields` read.
    fn stage_rows(
        &mut self,
        table: Table,
        fields: &FieldSet,
        condition: &str,
    ) -> Result<(), DataError> {
        if table == Table::Members {
            self.prefetched = None;
        }
        let t = match table {
            Table::Members => Some(&self.members),
            Table::Groups => self.groups.as_ref(),
            Table::Events => self.events.as_ref(),
        };
        let Some(t) = t else {
            return Ok(());
        };
        let read: Vec<usize> = std::iter::once(0)
            .chain(fields.iter().copied().filter(|&f| f != 0))
            .collect();
        let id_good = t.columns[0].1.plain.as_deref().unwrap_or("TRUE");
        let sql = format!(
            "SELECT {} FROM {} WHERE {id_good} AND ({condition})",
            read.iter()
                .map(|&f| t.columns[f].1.select.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            t.from
        );
        let mut staging = Staging {
            warehouse: &mut *self.warehouse,
            conn: self.local.connection(),
            transferred: 0,
        };
        staging.clear(t)?;
        staging.fill(t, &read, &sql)?;
        self.transferred += staging.transferred;
        Ok(())
    }

    /// Stages, in one query, the members of the window's events last staged (a
    /// semi-join in the warehouse), `fields` read: the engine looks each of them up
    /// before deciding anything, which would otherwise be a query per member.
    fn prefetch_event_members(&mut self, fields: &FieldSet) -> Result<(), DataError> {
        let (Some(events), Some(window)) = (&self.events, self.window.take()) else {
            return Ok(());
        };
        let dialect = self.warehouse.dialect();
        let (id, member_id) = (&self.members.columns[0].1, &events.columns[2].1);
        let as_text = |c: &ColumnRead| match c.compare {
            Some(Comparable::Int(_)) => dialect.cast_text(&c.select),
            _ => c.select.clone(),
        };
        let same_kind = |a: &ColumnRead, b: &ColumnRead| {
            let kind = |c: &ColumnRead| c.compare.as_ref().map(std::mem::discriminant);
            kind(a) == kind(b)
        };
        // Both sides as they are when they hold the same kind (an index on the id
        // is then used); as text otherwise.
        let (id, member_id) = if same_kind(id, member_id) {
            (id.select.clone(), member_id.select.clone())
        } else {
            (as_text(id), as_text(member_id))
        };
        let condition = format!(
            "{id} IN (SELECT {member_id} FROM {} WHERE {window})",
            events.from
        );
        let ids = self.staged_event_members(&events.local)?;
        self.stage_rows(Table::Members, fields, &condition)?;
        self.prefetched = Some(Prefetched {
            fields: fields.to_vec(),
            ids,
        });
        Ok(())
    }

    /// The member ids of the staged events, as ids read.
    fn staged_event_members(&self, local: &str) -> Result<HashSet<String>, DataError> {
        let conn = self.local.connection();
        let sql =
            format!("SELECT DISTINCT \"member_id\" FROM {local} WHERE \"member_id\" IS NOT NULL");
        let mut stmt = conn.prepare(&sql).map_err(local_error)?;
        let mut rows = stmt.query([]).map_err(local_error)?;
        let mut ids = HashSet::new();
        while let Some(r) = rows.next().map_err(local_error)? {
            match r.get_ref(0).map_err(local_error)? {
                ValueRef::Integer(i) => ids.insert(i.to_string()),
                ValueRef::Text(t) => ids.insert(String::from_utf8_lossy(t).into_owned()),
                _ => false,
            };
        }
        Ok(ids)
    }

    /// The filter `id = ID` for `table`'s id column; `None` when no row can have it
    /// (a text id in an integer column).
    fn id_is(&self, table: Table, id: &str) -> Option<RowFilter> {
        let t = match table {
            Table::Members => &self.members,
            Table::Groups => self.groups.as_ref()?,
            Table::Events => self.events.as_ref()?,
        };
        let value = match t.columns[0].1.compare {
            Some(Comparable::Int(_)) => match id.parse::<i64>() {
                Ok(n) if n.to_string() == id => Stored::Int(n),
                _ => return None,
            },
            _ => Stored::Text(id.to_owned()),
        };
        Some(RowFilter::Compare {
            field: 0,
            op: FilterOp::Eq,
            value,
        })
    }

    /// Stages the events with `after < at <= until` (widened), and those whose `at`
    /// may not read.
    fn stage_events(&mut self, after: i64, until: i64) -> Result<(), DataError> {
        let at = |op, t| RowFilter::Compare {
            field: EVENT_AT,
            op,
            value: Stored::Time(t),
        };
        let mut window = vec![at(FilterOp::Le, until)];
        if after > i64::MIN {
            window.push(at(FilterOp::Gt, after));
        }
        let all: Vec<usize> = match &self.events {
            Some(t) => (1..t.columns.len()).collect(),
            None => return Ok(()),
        };
        let Some(condition) = self.condition(Table::Events, &RowFilter::all(window), &[EVENT_AT])
        else {
            return Ok(());
        };
        self.stage_rows(Table::Events, &all, &condition)?;
        // The window's members are prefetched at the first lookup; the events
        // before a window (members' histories) need none.
        self.window = (after > i64::MIN).then_some(condition);
        Ok(())
    }
}

/// The staging database being filled.
struct Staging<'a> {
    warehouse: &'a mut dyn Warehouse,
    conn: &'a Connection,
    transferred: u64,
}

impl Staging<'_> {
    /// The staging table: every column untyped, so values stay as the warehouse
    /// gave them.
    fn create(&mut self, t: &RemoteTable) -> Result<(), DataError> {
        let columns: Vec<String> = t.columns.iter().map(|(n, _)| quote(n)).collect();
        let sql = format!("CREATE TABLE {} ({})", t.local, columns.join(", "));
        self.conn.execute_batch(&sql).map_err(local_error)
    }

    /// Stages, for good, the rows whose id does not read and every row of an id
    /// held twice.
    fn keep(&mut self, t: &mut RemoteTable) -> Result<(), DataError> {
        let all: Vec<usize> = (0..t.columns.len()).collect();
        let selects = all
            .iter()
            .map(|&f| t.columns[f].1.select.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let id = &t.columns[0].1;
        let good = id.plain.as_deref().unwrap_or("TRUE");
        if id.plain.is_some() {
            let sql = format!("SELECT {selects} FROM {} WHERE NOT ({good})", t.from);
            self.fill(t, &all, &sql)?;
        }
        // Only ids that read: the others are staged above, once.
        let sql = format!(
            "SELECT {selects} FROM {from} WHERE {good} AND {id} IN (SELECT {id} FROM {from} WHERE {good} GROUP BY {id} HAVING count(*) > 1)",
            id = id.select,
            from = t.from
        );
        self.fill(t, &all, &sql)?;
        t.kept = self
            .conn
            .query_row(
                &format!("SELECT coalesce(max(rowid), 0) FROM {}", t.local),
                [],
                |r| r.get(0),
            )
            .map_err(local_error)?;
        Ok(())
    }

    fn clear(&mut self, t: &RemoteTable) -> Result<(), DataError> {
        let sql = format!("DELETE FROM {} WHERE rowid > {}", t.local, t.kept);
        self.conn.execute_batch(&sql).map_err(local_error)
    }

    /// Runs `sql` in the warehouse and stages its rows into columns `read`.
    fn fill(&mut self, t: &RemoteTable, read: &[usize], sql: &str) -> Result<(), DataError> {
        let names: Vec<String> = read.iter().map(|&f| quote(&t.columns[f].0)).collect();
        let marks = vec!["?"; read.len()].join(", ");
        let insert = format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            t.local,
            names.join(", ")
        );
        let tx = self.conn.unchecked_transaction().map_err(local_error)?;
        let mut stmt = tx.prepare(&insert).map_err(local_error)?;
        let mut failed = None;
        let rows = self.warehouse.query(sql, &mut |cells| {
            if failed.is_some() {
                return;
            }
            let values = cells.iter().map(value);
            if let Err(e) = stmt.execute(rusqlite::params_from_iter(values)) {
                failed = Some(e);
            }
        })?;
        if let Some(e) = failed {
            return Err(local_error(e));
        }
        drop(stmt);
        tx.commit().map_err(local_error)?;
        self.transferred += rows;
        Ok(())
    }
}

fn value(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Int(i) => Value::Integer(*i),
        // SQLite stores a NaN as NULL, which would read as a missing value: it is
        // staged as the text it is, to be reported as such.
        Cell::Real(f) if f.is_nan() => Value::Text("NaN".to_owned()),
        Cell::Real(f) => Value::Real(*f),
        Cell::Text(t) => Value::Text(t.clone()),
        Cell::Blob(b) => Value::Blob(b.clone()),
    }
}

/// The table `name` in the warehouse with the `wanted` columns, or what is wrong
/// with it (into `problems`); `Ok(None)` when it is not there or does not fit.
fn table(
    warehouse: &mut dyn Warehouse,
    dialect: Dialect,
    name: &str,
    wanted: Vec<(String, Holds<'_>)>,
    what: &str,
    problems: &mut Vec<String>,
) -> Result<Option<RemoteTable>, DataError> {
    let Some(found) = warehouse.columns(name)? else {
        problems.push(format!(
            "no table `{name}` (the playbook's {what} are read from it)"
        ));
        return Ok(None);
    };
    let before = problems.len();
    let mut columns = Vec::new();
    for (i, (field, holds)) in wanted.into_iter().enumerate() {
        let Some(column) = lookup(&found, &field) else {
            // `group_id` of events may be absent.
            if !(what == "events" && i == 5) {
                problems.push(format!(
                    "table {name} has no column `{field}`{}",
                    about(what, &field, holds)
                ));
            }
            continue;
        };
        let ty = dialect.classify(&column.type_name);
        match read_column(dialect, &dialect.ident(&column.name), ty, holds) {
            Ok(read) => columns.push((field, read)),
            Err(allowed) => problems.push(format!(
                "table {name}, column {}: {} type {} cannot be read exactly: {allowed}",
                column.name,
                dialect.engine(),
                column.type_name
            )),
        }
    }
    if problems.len() > before {
        return Ok(None);
    }
    Ok(Some(RemoteTable {
        from: dialect.table(name),
        local: quote(name),
        columns,
        kept: 0,
    }))
}

fn about(what: &str, field: &str, holds: Holds<'_>) -> String {
    match holds {
        Holds::Field(_) if what != "events" => format!(" ({what} field {field})"),
        _ => String::new(),
    }
}

/// The column named `name`: exactly, else ignoring ASCII case (PostgreSQL folds
/// unquoted names to lower case).
fn lookup<'c>(columns: &'c [ColumnInfo], name: &str) -> Option<&'c ColumnInfo> {
    columns
        .iter()
        .find(|c| c.name == name)
        .or_else(|| columns.iter().find(|c| c.name.eq_ignore_ascii_case(name)))
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn local_error(e: rusqlite::Error) -> DataError {
    DataError::Sql(format!("staging: {e}"))
}

impl DataSource for RemoteData {
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
        if self.stage(table, fields, filter)? {
            self.local.scan(table, fields, visit)?;
        }
        Ok(())
    }

    fn lookup(
        &mut self,
        table: Table,
        id: &str,
        fields: &FieldSet,
    ) -> Result<Option<Row>, DataError> {
        if table == Table::Members && self.window.is_some() {
            self.prefetch_event_members(fields)?;
        }
        if let Some(p) = &self.prefetched
            && table == Table::Members
            && p.ids.contains(id)
            && fields.iter().all(|f| p.fields.contains(f))
        {
            return self.local.lookup(table, id, fields);
        }
        let Some(filter) = self.id_is(table, id) else {
            return Ok(None);
        };
        if !self.stage_where(table, fields, &filter, &[])? {
            return Ok(None);
        }
        self.local.lookup(table, id, fields)
    }

    fn events(&mut self, after: i64, until: i64) -> Result<EventBatch, DataError> {
        self.stage_events(after, until)?;
        self.local.events(after, until)
    }

    fn each_event(
        &mut self,
        after: i64,
        until: i64,
        visit: &mut dyn FnMut(&EventRecord),
    ) -> Result<(), DataError> {
        self.stage_events(after, until)?;
        self.local.each_event(after, until, visit)
    }

    fn take_problems(&mut self) -> Vec<BadValue> {
        self.local.take_problems()
    }

    fn row_count(&mut self, name: &str) -> Result<Option<u64>, DataError> {
        let tables = [Table::Members, Table::Groups, Table::Events];
        if !tables
            .iter()
            .any(|&t| self.local.table_name(t).as_deref() == Some(name))
        {
            return Ok(None);
        }
        let dialect = self.warehouse.dialect();
        let sql = format!("SELECT count(*) FROM {}", dialect.table(name));
        let mut count = None;
        self.warehouse.query(&sql, &mut |cells| {
            if let [Cell::Int(n)] = cells {
                count = u64::try_from(*n).ok();
            }
        })?;
        Ok(count)
    }

    fn table_name(&self, table: Table) -> Option<String> {
        self.local.table_name(table)
    }

    fn transferred(&self) -> Option<u64> {
        Some(self.transferred)
    }
}
