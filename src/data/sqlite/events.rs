//! Reading the events of a window: the `events` table as found at open, the declared
//! kinds, and the reader that decodes a row into its kind's schema.

use std::borrow::Cow;
use std::collections::HashSet;

use rusqlite::Connection;

use super::read::{FieldSpec, Place, Problems, RowNames};
use super::{quote, sql_error};
use crate::check::model::RecordSchema;
use crate::check::types::{Base, Type};
use crate::data::decode::{Context, Decoder, NULL_IN_REQUIRED, Raw, read_id};
use crate::data::event_json::{self, DataError as JsonError, EventData};
use crate::data::{DataError, EventBatch, EventRecord, Table};
use crate::value::{Row, Val};

/// The `events` table as found at open, and the declared kinds.
#[derive(Clone, PartialEq)]
pub(super) struct EventSpec {
    /// Its name in the data.
    pub(super) name: String,
    has_group_column: bool,
    row_names: RowNames,
    duplicates: HashSet<String>,
    kinds: Vec<KindSpec>,
    at: Decoder,
}

/// A declared event kind: decoders for `member_id`, `group_id` and its data fields.
#[derive(Clone, PartialEq)]
struct KindSpec {
    name: String,
    width: usize,
    member_id: Decoder,
    group_id: Decoder,
    data: Vec<FieldSpec>,
    /// `data.FIELD` of each data field, as problems name it.
    columns: Vec<String>,
}

/// Column positions in [`EventSpec::select`].
const EV_ID: usize = 0;
const EV_KIND: usize = 1;
const EV_MEMBER: usize = 2;
const EV_AT: usize = 3;
const EV_DATA: usize = 4;
const EV_GROUP: usize = 5;

impl EventSpec {
    /// The spec of the events table `name`, its events read as the declared `kinds`.
    pub(super) fn new(
        name: &str,
        has_group_column: bool,
        row_names: RowNames,
        duplicates: HashSet<String>,
        kinds: &[RecordSchema],
    ) -> EventSpec {
        EventSpec {
            name: name.to_owned(),
            has_group_column,
            row_names,
            duplicates,
            kinds: kinds.iter().map(KindSpec::of).collect(),
            at: Decoder::new(&Type::required(Base::Time)),
        }
    }

    /// The events with `after < at <= until`, sorted by (`at`, `id`); an event with a
    /// bad value is left out (recorded), and those of undeclared kinds are counted.
    pub(super) fn read_window(
        &self,
        conn: &Connection,
        cx: &mut Context,
        problems: &mut Problems,
        (after, until): (i64, i64),
    ) -> Result<EventBatch, DataError> {
        let mut batch = EventBatch::default();
        self.read_into(conn, (cx, problems), (after, until), &mut batch)?;
        batch.sort();
        Ok(batch)
    }

    /// The events of [`EventSpec::read_window`], each given to `visit` as it is
    /// read, in the table's order (nothing is held).
    pub(super) fn each_in_window(
        &self,
        conn: &Connection,
        (cx, problems): (&mut Context, &mut Problems),
        window: (i64, i64),
        visit: &mut dyn FnMut(&EventRecord),
    ) -> Result<(), DataError> {
        self.read_into(conn, (cx, problems), window, &mut Visit(visit))
    }

    fn read_into(
        &self,
        conn: &Connection,
        (cx, problems): (&mut Context, &mut Problems),
        window: (i64, i64),
        out: &mut dyn EventsOut,
    ) -> Result<(), DataError> {
        let mut stmt = conn.prepare_cached(&self.select()).map_err(sql_error)?;
        let mut rows = stmt.query([]).map_err(sql_error)?;
        let mut reader = EventReader {
            spec: self,
            cx,
            problems,
            window,
            position: 0,
            rows: vec![Row::default(); self.kinds.len()],
        };
        let mut id = String::new();
        while let Some(r) = rows.next().map_err(sql_error)? {
            reader.read(r, &mut id, out)?;
        }
        Ok(())
    }

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
            columns: schema.fields[4..]
                .iter()
                .map(|f| format!("data.{}", f.name))
                .collect(),
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
    /// A row per kind, reused from event to event.
    rows: Vec<Row>,
}

impl EventReader<'_> {
    /// Reads one row; `id` is a buffer reused from row to row.
    fn read(
        &mut self,
        r: &rusqlite::Row<'_>,
        id: &mut String,
        out: &mut dyn EventsOut,
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
        #[allow(
            clippy::unreachable,
            reason = "`at` is declared a time and decoded as one"
        )]
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
            Some(k) => self.read_declared(r, k, id, at, out),
            None => {
                out.ignored(kind);
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
        out: &mut dyn EventsOut,
    ) -> Result<(), DataError> {
        let spec = self.spec;
        let kind = &spec.kinds[k];
        // The kind's row, reused from event to event (packed into the batch).
        let mut row = std::mem::take(&mut self.rows[k]);
        if row.vals.len() != kind.width {
            row = Row::with_width(kind.width);
        }
        row.vals[0].set_text(id);
        row.vals[2] = Val::Time(at);
        row.id.clear();
        row.id.push_str(id);
        let good = self.decode_declared(r, kind, &mut row)?;
        let record = EventRecord { kind: k, at, row };
        if good {
            out.event(&record);
        }
        self.rows[k] = record.row;
        Ok(())
    }

    /// Decodes an event's member, group and data into `row` (id and `at` set);
    /// whether every value is good (each bad one is recorded).
    fn decode_declared(
        &mut self,
        r: &rusqlite::Row<'_>,
        kind: &KindSpec,
        row: &mut Row,
    ) -> Result<bool, DataError> {
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
            return Ok(false);
        };
        let (value, column) = self.group_source(r, &data)?;
        good &= self.decode(&row.id, column, value, &kind.group_id, &mut row.vals[3]);
        for (i, (field, column)) in kind.data.iter().zip(&kind.columns).enumerate() {
            let value = match data.get(&field.name) {
                Some(v) => Raw::from_data(v),
                None if field.decoder.is_optional() => Raw::Null,
                None => {
                    let problem = format!("missing field: data has no `{}`", field.name);
                    self.record(&row.id, column, raw_data, problem);
                    good = false;
                    continue;
                }
            };
            good &= self.decode(&row.id, column, value, &field.decoder, &mut row.vals[4 + i]);
        }
        Ok(good)
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
            Raw::Null => return Some(EventData::default()),
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
/// Where the events of a window go as they are read.
trait EventsOut {
    /// A good event of a declared kind.
    fn event(&mut self, e: &EventRecord);
    /// An event of a kind the playbook does not declare.
    fn ignored(&mut self, kind: Cow<'_, str>);
}

impl EventsOut for EventBatch {
    fn event(&mut self, e: &EventRecord) {
        self.push(e);
    }

    fn ignored(&mut self, kind: Cow<'_, str>) {
        count_ignored(self, kind);
    }
}

/// Events handed to a function, one by one.
struct Visit<'v>(&'v mut dyn FnMut(&EventRecord));

impl EventsOut for Visit<'_> {
    fn event(&mut self, e: &EventRecord) {
        (self.0)(e);
    }

    fn ignored(&mut self, _: Cow<'_, str>) {}
}

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
