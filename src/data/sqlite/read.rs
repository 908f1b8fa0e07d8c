//! Reading members and groups rows: the tables as found at open, the plan of one
//! scan or lookup, and the bad values recorded on the way.

use std::collections::HashSet;

use rusqlite::Connection;

use super::{quote, sql_error};
use crate::check::model::FieldDef;
use crate::check::types::Base;
use crate::data::columns::{Columns, ColumnsBuilder};
use crate::data::decode::{Context, Decoder, Raw, plain_id_code, read_id};
use crate::data::filter::RowFilter;
use crate::data::{BadValue, DataError, FieldSet, Table};
use crate::value::Row;

/// A source's decoding state, lent to one scan or lookup.
pub(super) struct Reader<'a> {
    pub(super) cx: &'a mut Context,
    pub(super) problems: &'a mut Problems,
}

impl Reader<'_> {
    /// Reads `spec`'s table in its order (only rowids in `range`, when given), the
    /// `fields` decoded, until `visit` says stop; bad rows are recorded, not visited.
    /// Rows `filter` rules out are left to SQLite to skip when it can (see
    /// [`ReadPlan::pushdown`]).
    pub(super) fn scan(
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

    /// Every row of `spec`'s table with `fields` decoded, held in memory. A value
    /// that does not decode is kept beside its row, not recorded: the scans that
    /// read its field report it (see [`Columns`]).
    pub(super) fn hold(
        self,
        conn: &Connection,
        spec: &TableSpec,
        fields: &FieldSet,
    ) -> Result<Columns, DataError> {
        let mut plan = ReadPlan::new(spec, fields)?;
        let sql = plan.select(spec, false);
        let mut stmt = conn.prepare(&sql).map_err(sql_error)?;
        let mut rows = stmt.query([]).map_err(sql_error)?;
        let bases: Vec<Base> = spec.fields.iter().map(|f| f.base.clone()).collect();
        let mut held = ColumnsBuilder::new(&bases, fields);
        let mut row = Row::with_width(spec.fields.len());
        let mut bad = Vec::new();
        let mut position = 0;
        while let Some(r) = rows.next().map_err(sql_error)? {
            position += 1;
            bad.clear();
            let read = plan.decode_row(r, spec, position, &mut row, self.cx, &mut |f, b| {
                bad.push((f, b));
            })?;
            match read {
                Err(bad_id) => held.push_bad_id(bad_id),
                Ok(false) => {} // a duplicate id: recorded at open
                Ok(true) => held.push(&row, &bad).map_err(DataError::Sql)?,
            }
        }
        Ok(held.finish())
    }

    /// The row of `spec`'s table with this id, `lookup`'s fields decoded; `None` when
    /// there is none or it has a bad value (recorded).
    pub(super) fn lookup(
        self,
        conn: &Connection,
        spec: &TableSpec,
        lookup: &mut Lookup,
        id: &str,
    ) -> Result<Option<Row>, DataError> {
        // Prepared by the first lookup, then taken from the connection's cache.
        let mut stmt = conn.prepare_cached(&lookup.sql).map_err(sql_error)?;
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
        let good = lookup
            .plan
            .read(r, spec, 1, &mut row, self.cx, self.problems)?;
        Ok(good.then_some(row))
    }
}

/// A lookup by id of some fields: its plan, and the `SELECT … WHERE id IN (?1, ?2)`
/// that the connection's statement cache keeps prepared.
pub(super) struct Lookup {
    table: Table,
    fields: Vec<usize>,
    plan: ReadPlan,
    sql: String,
}

impl Lookup {
    /// The lookup of `fields` in `spec`'s table.
    pub(super) fn new(spec: &TableSpec, fields: &FieldSet) -> Result<Lookup, DataError> {
        let plan = ReadPlan::new(spec, fields)?;
        let sql = plan.select(spec, true);
        Ok(Lookup {
            table: spec.table,
            fields: fields.to_vec(),
            plan,
            sql,
        })
    }

    /// Whether this is the lookup of `fields` in `table`.
    pub(super) fn is_for(&self, table: Table, fields: &FieldSet) -> bool {
        self.table == table && self.fields == fields
    }
}

/// Bad values found and not yet taken; each (table, row, column) reported once.
#[derive(Default)]
pub(super) struct Problems {
    seen: HashSet<(Table, String, String)>,
    /// Found and not yet taken.
    pub(super) pending: Vec<BadValue>,
}

/// Where a value sits: enough to find it in the data.
pub(super) struct Place<'a> {
    pub(super) table: Table,
    /// The table's name in the data.
    pub(super) name: &'a str,
    /// The row's id, or `rowid N` / `row N` when it has none.
    pub(super) row: &'a str,
}

impl Problems {
    /// Records a bad value, unless its (table, row, column) already was.
    pub(super) fn record(&mut self, at: &Place<'_>, column: &str, raw: Raw<'_>, problem: String) {
        if !self
            .seen
            .contains(&(at.table, at.row.to_owned(), column.to_owned()))
        {
            self.record_value(at.table, bad_value(at, column, raw, problem));
        }
    }

    /// Records a bad value found earlier, unless its (table, row, column) already was.
    pub(super) fn record_value(&mut self, table: Table, bad: BadValue) {
        if self
            .seen
            .insert((table, bad.row.clone(), bad.column.clone()))
        {
            self.pending.push(bad);
        }
    }
}

/// The bad value `raw` of `column` at a place.
fn bad_value(at: &Place<'_>, column: &str, raw: Raw<'_>, problem: String) -> BadValue {
    BadValue {
        table: at.name.to_owned(),
        column: column.to_owned(),
        row: at.row.to_owned(),
        value: raw.sql_text(),
        problem,
    }
}

/// How a row whose id cannot be read is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RowNames {
    /// `rowid N`, read in the same query.
    Rowid,
    /// `row N`, counting in table order (a `WITHOUT ROWID` table or a view).
    Position,
}

impl RowNames {
    /// The name of result row `r`, whose rowid (if any) is in `column`, at
    /// `position` in the query.
    pub(super) fn name(self, r: &rusqlite::Row<'_>, column: usize, position: u64) -> String {
        match (self, r.get_ref(column)) {
            (RowNames::Rowid, Ok(rusqlite::types::ValueRef::Integer(n))) => format!("rowid {n}"),
            _ => format!("row {position}"),
        }
    }
}

/// A members or groups table as found at open.
#[derive(Clone, PartialEq)]
pub(super) struct TableSpec {
    pub(super) table: Table,
    /// Its name in the data.
    pub(super) name: String,
    /// The schema's fields, in schema order.
    pub(super) fields: Vec<FieldSpec>,
    pub(super) row_names: RowNames,
    /// Ids held by more than one row (recorded at open); those rows are left out.
    pub(super) duplicates: HashSet<String>,
}

/// A schema field and the column it is read from.
#[derive(Clone, PartialEq)]
pub(super) struct FieldSpec {
    pub(super) name: String,
    pub(super) base: Base,
    pub(super) decoder: Decoder,
}

impl FieldSpec {
    /// The spec of a schema field: its column has the field's name.
    pub(super) fn of(field: &FieldDef) -> FieldSpec {
        FieldSpec {
            name: field.name.clone(),
            base: field.ty.base.clone(),
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

    /// Decodes one result row into `row`, each column on its own, telling `bad` of
    /// each value that does not decode (its schema index and why). `Err` when the id
    /// does not read, `Ok(false)` for a duplicate id, else `Ok(true)`.
    fn decode_row(
        &mut self,
        r: &rusqlite::Row<'_>,
        spec: &TableSpec,
        position: u64,
        row: &mut Row,
        cx: &mut Context,
        bad: &mut impl FnMut(usize, BadValue),
    ) -> Result<Result<bool, BadValue>, DataError> {
        let raw_id = Raw::from(r.get_ref(0).map_err(sql_error)?);
        if let Err(problem) = read_id(raw_id, &mut row.id) {
            let name = spec.row_names.name(r, self.columns.len() + 1, position);
            let at = Place {
                table: spec.table,
                name: &spec.name,
                row: &name,
            };
            return Ok(Err(bad_value(&at, "id", raw_id, problem)));
        }
        if !spec.duplicates.is_empty() && spec.duplicates.contains(&row.id) {
            return Ok(Ok(false));
        }
        if self.want_id {
            row.vals[0].set_text(&row.id);
        }
        for (k, (slot, decoder)) in self.columns.iter_mut().enumerate() {
            // The plan chose the columns: an index out of range is a bug, not data.
            let raw = Raw::from(r.get_ref_unwrap(k + 1));
            if let Err(problem) = decoder.decode(raw, &mut row.vals[*slot], cx) {
                let at = Place {
                    table: spec.table,
                    name: &spec.name,
                    row: &row.id,
                };
                bad(
                    *slot,
                    bad_value(&at, &spec.fields[*slot].name, raw, problem),
                );
            }
        }
        Ok(Ok(true))
    }

    /// Decodes one result row into `row`; `false` when a value is bad (each bad value
    /// is recorded) or the id is a duplicate.
    fn read(
        &mut self,
        r: &rusqlite::Row<'_>,
        spec: &TableSpec,
        position: u64,
        row: &mut Row,
        cx: &mut Context,
        problems: &mut Problems,
    ) -> Result<bool, DataError> {
        let mut good = true;
        let read = self.decode_row(r, spec, position, row, cx, &mut |_, bad| {
            problems.record_value(spec.table, bad);
            good = false;
        })?;
        match read {
            Err(bad_id) => {
                problems.record_value(spec.table, bad_id);
                Ok(false)
            }
            Ok(read) => Ok(read && good),
        }
    }
}
