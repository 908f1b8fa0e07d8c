//! The rows of an export converted into the values of a table's columns: members
//! and groups field by field, events into `id, kind, member_id, group_id, at, data`.
//! Every bad value is collected; a row with one is left out of the result.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value as Json};

use super::convert::{Converter, Stored, shown};
use super::plan::Binding;
use super::read::{Cell, Sheet};
use super::report::BadValue;
use crate::check::RecordSchema;
use crate::check::types::{Base, Type};

/// One row converted: its spreadsheet number and its column values, id first.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The row's number.
    pub row: usize,
    /// The values in the layout's column order; the first is the id.
    pub values: Vec<Stored>,
}

/// The columns of the events table, in order.
pub const EVENT_COLUMNS: [&str; 6] = ["id", "kind", "member_id", "group_id", "at", "data"];

/// Converts each row for a members or groups `schema` (its first field is `id`).
pub fn records(
    sheet: &Sheet,
    schema: &RecordSchema,
    binding: &Binding,
    conv: &Converter,
    bad: &mut Vec<BadValue>,
) -> Vec<Converted> {
    let mut out = Vec::new();
    for row in &sheet.rows {
        let mut cx = RowCx::new(row.number, &row.cells, binding, conv);
        cx.id = binding.column_of.get("id").map(|&i| id_text(&row.cells[i]));
        let values: Vec<Stored> = schema
            .fields
            .iter()
            .map(|f| cx.field(&f.name, &f.ty).unwrap_or(Stored::Null))
            .collect();
        cx.extra_cells(row.extra);
        if cx.finish(bad) {
            out.push(Converted {
                row: row.number,
                values,
            });
        }
    }
    out
}

/// Converts each row into an event of the kind `fixed` names or the row's `kind`
/// column says. Without an `id` column, an event's id is derived from its content.
pub fn events(
    sheet: &Sheet,
    kinds: &[RecordSchema],
    fixed: Option<usize>,
    binding: &Binding,
    conv: &Converter,
    bad: &mut Vec<BadValue>,
) -> Vec<Converted> {
    let mut out = Vec::new();
    for row in &sheet.rows {
        let mut cx = RowCx::new(row.number, &row.cells, binding, conv);
        let id_column = binding.column_of.get("id").copied();
        cx.id = id_column.map(|i| id_text(&row.cells[i]));
        let kind = match fixed {
            Some(k) => Some(k),
            None => cx.kind(kinds),
        };
        cx.extra_cells(row.extra);
        let Some(kind) = kind else {
            cx.finish(bad);
            continue;
        };
        let schema = &kinds[kind];
        let text = Type::required(Base::Text);
        let id = match id_column {
            Some(_) => cx.field("id", &text),
            None => None,
        };
        let member = cx.field("member_id", &text);
        let at = cx.field("at", &schema.fields[2].ty);
        let group = cx.field("group_id", &schema.fields[3].ty);
        let mut data = Map::new();
        for f in schema.fields.iter().skip(4) {
            match cx.field(&f.name, &f.ty) {
                Some(Stored::Null) | None => {}
                Some(v) => {
                    data.insert(f.name.clone(), json(v));
                }
            }
        }
        if !cx.finish(bad) {
            continue;
        }
        let kind = Stored::Text(schema.name.clone());
        let (member, group, at) = (
            member.unwrap_or(Stored::Null),
            group.unwrap_or(Stored::Null),
            at.unwrap_or(Stored::Null),
        );
        let data = Json::Object(data).to_string();
        let id = id.unwrap_or_else(|| derived_id(&[&kind, &member, &group, &at], &data));
        out.push(Converted {
            row: row.number,
            values: vec![id, kind, member, group, at, Stored::Text(data)],
        });
    }
    out
}

/// A stable id from an event's content: the same event imported again, from this
/// file or an overlapping export, gets the same id.
fn derived_id(parts: &[&Stored], data: &str) -> Stored {
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        let text = match part {
            Stored::Text(t) => t.as_str(),
            _ => "",
        };
        hasher.update(text.as_bytes());
        hasher.update(b"\x1f");
    }
    hasher.update(data.as_bytes());
    let hex = hasher.finalize().to_hex();
    Stored::Text(format!("e{}", &hex.as_str()[..24]))
}

fn json(value: Stored) -> Json {
    match value {
        Stored::Null => Json::Null,
        Stored::Int(i) => Json::from(i),
        Stored::Bool(b) => Json::Bool(b),
        Stored::Text(t) => Json::String(t),
        Stored::Set(items) => Json::from(items),
    }
}

/// The id a report shows for a row: its id cell as written, trimmed.
fn id_text(cell: &Cell) -> String {
    let text = match cell {
        // Whole-number cells are ids without `.0`.
        Cell::Number(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => shown(other),
    };
    text.trim().to_owned()
}

/// One row being converted: its bad values so far.
struct RowCx<'a> {
    row: usize,
    cells: &'a [Cell],
    binding: &'a Binding,
    conv: &'a Converter,
    id: Option<String>,
    bad: Vec<BadValue>,
}

impl<'a> RowCx<'a> {
    fn new(row: usize, cells: &'a [Cell], binding: &'a Binding, conv: &'a Converter) -> Self {
        RowCx {
            row,
            cells,
            binding,
            conv,
            id: None,
            bad: Vec::new(),
        }
    }

    /// The field's value, `None` when its column is absent or the value is bad.
    fn field(&mut self, name: &str, ty: &Type) -> Option<Stored> {
        let &column = self.binding.column_of.get(name)?;
        let cell = &self.cells[column];
        match self.conv.convert(cell, ty) {
            Ok(v) => Some(v),
            Err(problem) => {
                self.push(Some(column), shown(cell), problem);
                None
            }
        }
    }

    fn kind(&mut self, kinds: &[RecordSchema]) -> Option<usize> {
        let &column = self.binding.column_of.get("kind")?;
        let cell = &self.cells[column];
        let name = id_text(cell);
        if let Some(k) = kinds.iter().position(|k| k.name == name) {
            return Some(k);
        }
        let declared: Vec<String> = kinds.iter().map(|k| format!("`{}`", k.name)).collect();
        let problem = if name.is_empty() {
            "missing event kind".to_owned()
        } else {
            format!("the playbook declares no event `{name}`")
        };
        self.push(
            Some(column),
            shown(cell),
            format!("{problem}; declared: {}", declared.join(", ")),
        );
        None
    }

    fn extra_cells(&mut self, extra: usize) {
        if extra > 0 {
            let problem =
                format!("{extra} cells beyond the header's columns: is a comma unquoted?");
            self.push(None, String::new(), problem);
        }
    }

    fn push(&mut self, column: Option<usize>, value: String, problem: String) {
        self.bad.push(BadValue {
            column,
            row: self.row,
            id: None,
            value,
            problem,
        });
    }

    /// Moves the row's bad values to `bad`, each with the row's id; whether the row
    /// was good.
    fn finish(self, bad: &mut Vec<BadValue>) -> bool {
        let good = self.bad.is_empty();
        let id = self.id.filter(|i| !i.is_empty());
        bad.extend(self.bad.into_iter().map(|b| BadValue {
            id: id.clone(),
            ..b
        }));
        good
    }
}

/// Rows sharing an id: all of them are bad values of the id column (`column`, or of
/// the whole row when ids were derived), and they are taken out of `rows`.
pub fn duplicate_ids(rows: &mut Vec<Converted>, column: Option<usize>, bad: &mut Vec<BadValue>) {
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
    for r in rows.iter() {
        if let Some(Stored::Text(id)) = r.values.first() {
            by_id.entry(id.clone()).or_default().push(r.row);
        }
    }
    let mut dropped: HashSet<usize> = HashSet::new();
    for r in rows.iter() {
        let Some(Stored::Text(id)) = r.values.first() else {
            continue;
        };
        let sharing = &by_id[id];
        if sharing.len() < 2 {
            continue;
        }
        let others: Vec<String> = sharing
            .iter()
            .filter(|&&n| n != r.row)
            .map(|n| n.to_string())
            .collect();
        let (value, problem) = match column {
            Some(_) => (
                id.clone(),
                format!("duplicate id: also in row {}", others.join(", ")),
            ),
            None => (
                String::new(),
                format!(
                    "the same event as row {} (no id column: map the order number to `id` with --map)",
                    others.join(", ")
                ),
            ),
        };
        bad.push(BadValue {
            column,
            row: r.row,
            id: column.map(|_| id.clone()),
            value,
            problem,
        });
        dropped.insert(r.row);
    }
    rows.retain(|r| !dropped.contains(&r.row));
}
