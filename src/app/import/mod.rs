//! `playbook import`: a shop's export (CSV in UTF-8 or GBK, or a workbook) into
//! the SQLite table `run` reads — members, groups or events — mapped to the
//! playbook's schema and converted exactly, all rows or none.
//!
//! `read` turns the file into cells, `plan` binds columns to fields (`--map`, then
//! the playbook's `import` blocks, then headers named like fields), `convert`
//! turns a cell into a value by the field's type (`dates` reads the calendar
//! spellings), `rows` converts whole rows and finds duplicate ids, `report` words
//! the bad values, and `write` upserts into SQLite in one transaction.

mod convert;
mod dates;
mod plan;
mod read;
mod report;
mod rows;
mod write;

use std::fmt;
use std::path::Path;

pub use convert::{Converter, MoneyUnit, Stored, int_text, is_missing, yuan_text};
pub use read::{Cell, Encoding};
pub use report::{BadValue, BadValues};

use crate::check::types::{Base, Type};
use crate::check::{Program, RecordSchema};
use crate::syntax::ast::ImportOf;
use plan::{BindError, Binding, close_header, listed};
use rows::Converted;

/// The table an import fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// `members`, by the playbook's `member { … }`.
    Members,
    /// `groups`, by `group { … }`.
    Groups,
    /// `events`, by the playbook's `event` declarations.
    Events,
}

impl TableKind {
    /// The table's name.
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Members => "members",
            TableKind::Groups => "groups",
            TableKind::Events => "events",
        }
    }
}

/// What to import and how.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// The export: CSV, or a workbook.
    pub file: &'a Path,
    /// The SQLite database written (created when absent).
    pub into: &'a Path,
    /// Which table.
    pub table: TableKind,
    /// `COLUMN=FIELD` mappings.
    pub maps: &'a [String],
    /// The CSV's encoding; `None` is UTF-8, and other bytes are an error.
    pub encoding: Option<Encoding>,
    /// What money numbers count.
    pub money: MoneyUnit,
    /// For events: the kind of every row (else a `kind` column says).
    pub kind: Option<&'a str>,
    /// A workbook's sheet (default the first).
    pub sheet: Option<&'a str>,
    /// Import the good rows and list the others, instead of importing nothing.
    pub skip_bad_rows: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// The table written.
    pub table: String,
    /// Rows written.
    pub rows: usize,
    /// Rows whose id was new to the table.
    pub new: usize,
    /// Rows whose id the table had: their columns replaced by the file's.
    pub updated: usize,
    /// Things the user should know (columns ignored, optional fields absent, the
    /// ids derived, columns added), one line each.
    pub notes: Vec<String>,
    /// Rows left out by `--skip-bad-rows`, one line each.
    pub skipped: Vec<String>,
    /// The warning naming the share of rows skipped.
    pub warning: Option<String>,
}

impl Imported {
    /// `imported 200 rows into members (180 new, 20 updated)`.
    pub fn summary(&self) -> String {
        format!(
            "imported {} into {} ({} new, {} updated)",
            plural(self.rows, "row", "rows"),
            self.table,
            self.new,
            self.updated
        )
    }
}

/// Why nothing was imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// Bad usage: a wrong option, an unreadable or unrecognised file, a database that
    /// cannot be written (exit 2).
    Usage(String),
    /// Bytes that are not text in the encoding given, by line (exit 1).
    Undecodable(Vec<String>),
    /// The file lacks columns the schema needs, or has two for one field (exit 1).
    Columns {
        /// The file, as the user named it.
        file: String,
        /// The table.
        table: String,
        /// One line per problem.
        problems: Vec<String>,
    },
    /// Values that do not convert (exit 1).
    BadValues(BadValues),
    /// With `--skip-bad-rows`, every row had a bad value (exit 1).
    AllRowsBad(BadValues),
}

impl ImportError {
    /// Whether this is bad usage (exit 2) rather than bad data (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(self, ImportError::Usage(_))
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Usage(m) => f.write_str(m),
            ImportError::Undecodable(lines) => {
                write!(f, "the file has bytes that are not text in its encoding:")?;
                lines.iter().try_for_each(|l| write!(f, "\n  {l}"))?;
                write!(f, "\nnothing was imported")
            }
            ImportError::Columns {
                file,
                table,
                problems,
            } => {
                write!(f, "{file} does not fill the playbook's `{table}`:")?;
                problems.iter().try_for_each(|l| write!(f, "\n  {l}"))?;
                write!(
                    f,
                    "\nnothing was imported; name a column for a field with --map COLUMN=FIELD"
                )
            }
            ImportError::BadValues(bad) => write!(
                f,
                "{bad}\nnothing was imported; correct the file, or import the other rows with --skip-bad-rows"
            ),
            ImportError::AllRowsBad(bad) => {
                write!(
                    f,
                    "every row has a bad value, so nothing was imported: {bad}"
                )
            }
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A field an import can fill, and whether the file must have a column for it.
struct Target {
    name: String,
    /// What a missing-column message says it is (`member field orders: int`).
    what: String,
    required: bool,
}

/// Imports `options.file` into `options.into` for `program`.
pub fn import(program: &Program, options: &Options<'_>) -> Result<Imported, ImportError> {
    let table = options.table.name().to_owned();
    let into = options.into;
    if into
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
    {
        return Err(ImportError::Usage(format!(
            "--into {}: an import writes a SQLite database file, not a .sql script",
            into.display()
        )));
    }
    let (schema, kinds, fixed) = schemas(program, options)?;
    let sheet =
        read::read_export(options.file, options.encoding, options.sheet).map_err(|e| match e {
            read::ReadError::Unreadable(m) => ImportError::Usage(m),
            read::ReadError::Undecodable(lines) => ImportError::Undecodable(lines),
        })?;
    let mut notes = sheet.notes.clone();
    let bind_error = |e| match e {
        BindError::Usage(m) => ImportError::Usage(m),
        BindError::Ambiguous(problems) => ImportError::Columns {
            file: options.file.display().to_string(),
            table: table.clone(),
            problems,
        },
    };
    let maps = plan::parse_maps(options.maps).map_err(ImportError::Usage)?;
    // Events: the kinds the file holds decide which blocks apply; a block's `kind`
    // column (any block's) helps find them.
    let in_play = match schema {
        Some(_) => Vec::new(),
        None => {
            let all = declared_columns(program, options.table, None);
            let kind_columns: Vec<(String, String)> =
                all.into_iter().filter(|(_, f)| f == "kind").collect();
            let with_kind = plan::with_declared(maps.clone(), &kind_columns, &sheet.headers)
                .map_err(bind_error)?;
            kinds_in_play(&sheet, kinds, fixed, &with_kind)
        }
    };
    let names_in_play: Vec<&str> = in_play.iter().map(|&k| kinds[k].name.as_str()).collect();
    let mut declared = declared_columns(program, options.table, Some(&names_in_play));
    if fixed.is_some() {
        // `--kind` gives every row its kind; a block's kind column is not read.
        declared.retain(|(_, f)| f != "kind");
    }
    let maps = plan::with_declared(maps, &declared, &sheet.headers).map_err(bind_error)?;
    let targets = match (schema, options.table) {
        (Some(schema), _) => record_targets(schema, options.table),
        (None, _) => event_targets(kinds, fixed, &in_play),
    };
    let names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
    let file = options.file.display().to_string();
    let binding = plan::bind(&file, &sheet.headers, &names, &maps).map_err(bind_error)?;
    check_columns(&file, &table, &targets, &binding, &mut notes)?;
    if !binding.ignored.is_empty() {
        notes.push(format!(
            "ignored {} the playbook does not use: {}",
            plural(binding.ignored.len(), "column", "columns"),
            listed(&binding.ignored)
        ));
    }
    let conv = Converter {
        tz: program.settings.timezone,
        money: options.money,
    };
    let mut bad = Vec::new();
    let (mut converted, layout) = match schema {
        Some(schema) => (
            rows::records(&sheet, schema, &binding, &conv, &mut bad),
            record_layout(&table, schema, &binding),
        ),
        None => {
            if !binding.column_of.contains_key("id") {
                notes.push(
                    "no `id` column: each event's id is derived from its kind, member, group, \
                     time and data, so importing the rows again updates them; to keep the \
                     shop's order numbers, map them: --map 订单号=id"
                        .to_owned(),
                );
            }
            (
                rows::events(&sheet, kinds, fixed, &binding, &conv, &mut bad),
                event_layout(&table, &binding),
            )
        }
    };
    rows::duplicate_ids(
        &mut converted,
        binding.column_of.get("id").copied(),
        &mut bad,
    );
    let mut imported = Imported {
        table: table.clone(),
        ..Imported::default()
    };
    if !bad.is_empty() {
        bad.sort_by_key(|b| (b.row, b.column.unwrap_or(usize::MAX)));
        let report = bad_values(options.file, &sheet, &binding, &targets, bad);
        if !options.skip_bad_rows {
            return Err(ImportError::BadValues(report));
        }
        if converted.is_empty() {
            return Err(ImportError::AllRowsBad(report));
        }
        let skipped = report.bad_rows().len();
        imported.skipped = report.skipped_lines();
        imported.warning = Some(format!(
            "skipped {skipped} of {} rows of {} ({:.1}%) for bad values (listed above); they were not imported",
            sheet.rows.len(),
            options.file.display(),
            skipped as f64 * 100.0 / sheet.rows.len().max(1) as f64
        ));
    }
    converted.sort_by_key(|c| c.row);
    let values: Vec<Vec<Stored>> = converted.into_iter().map(|c: Converted| c.values).collect();
    let written = write::write(into, &layout, &values).map_err(ImportError::Usage)?;
    if !written.added.is_empty() {
        notes.push(format!(
            "added {} to table `{table}`: {} (rows not in this file have NULL there)",
            plural(written.added.len(), "column", "columns"),
            listed(&written.added)
        ));
    }
    imported.rows = values.len();
    imported.new = written.new;
    imported.updated = written.updated;
    imported.notes = notes;
    Ok(imported)
}

/// A members or groups schema, or (`None`) the event kinds with `--kind`'s index.
type Schemas<'p> = (Option<&'p RecordSchema>, &'p [RecordSchema], Option<usize>);

/// The schema of a members or groups import, or the event kinds of an events
/// import with the one `--kind` names.
fn schemas<'p>(program: &'p Program, options: &Options<'_>) -> Result<Schemas<'p>, ImportError> {
    let usage = |m: &str| Err(ImportError::Usage(m.to_owned()));
    if options.kind.is_some() && options.table != TableKind::Events {
        return usage("--kind is for --table events");
    }
    match options.table {
        TableKind::Members => Ok((Some(&program.member), &[], None)),
        TableKind::Groups => match &program.group {
            Some(g) => Ok((Some(g), &[], None)),
            None => usage("the playbook declares no `group { … }`, so it reads no groups"),
        },
        TableKind::Events if program.events.is_empty() => {
            usage("the playbook declares no `event`, so it reads no events")
        }
        TableKind::Events => {
            let Some(kind) = options.kind else {
                return Ok((None, &program.events, None));
            };
            match program.events.iter().position(|e| e.name == kind) {
                Some(k) => Ok((None, &program.events, Some(k))),
                None => {
                    let names: Vec<&str> = program.events.iter().map(|e| e.name.as_str()).collect();
                    let hint = crate::diagnostics::did_you_mean(kind, names.iter().copied())
                        .unwrap_or_default();
                    Err(ImportError::Usage(format!(
                        "--kind {kind}: the playbook declares no event `{kind}` (it declares {}) {hint}",
                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    ).trim_end().to_owned()))
                }
            }
        }
    }
}

fn record_targets(schema: &RecordSchema, table: TableKind) -> Vec<Target> {
    let whose = if table == TableKind::Groups {
        "group"
    } else {
        "member"
    };
    schema
        .fields
        .iter()
        .map(|f| Target {
            name: f.name.clone(),
            what: format!("{whose} field {}: {}", f.name, f.ty),
            required: !f.ty.optional,
        })
        .collect()
}

/// The playbook's `import` blocks for this table: `member`, `group`, or the
/// events of `kinds` (every event kind's block with `None`).
fn declared_columns(
    program: &Program,
    table: TableKind,
    kinds: Option<&[&str]>,
) -> Vec<(String, String)> {
    let applies = |of: &ImportOf| match (table, of) {
        (TableKind::Members, ImportOf::Member) | (TableKind::Groups, ImportOf::Group) => true,
        (TableKind::Events, ImportOf::Event(k)) => kinds.is_none_or(|ks| ks.contains(&k.as_str())),
        _ => false,
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for map in program.imports.iter().filter(|m| applies(&m.of)) {
        for pair in &map.columns {
            if !out.contains(pair) {
                out.push(pair.clone());
            }
        }
    }
    out
}

/// The event kinds an events import holds: `--kind`'s, or those the rows of the
/// kind column name (found as binding will find it: `maps` first, then a header
/// named `kind`).
fn kinds_in_play(
    sheet: &read::Sheet,
    kinds: &[RecordSchema],
    fixed: Option<usize>,
    maps: &[(String, String)],
) -> Vec<usize> {
    if let Some(k) = fixed {
        return vec![k];
    }
    let column = maps
        .iter()
        .find(|(_, f)| f == "kind")
        .and_then(|(c, _)| {
            sheet
                .headers
                .iter()
                .position(|h| h == c || h.eq_ignore_ascii_case(c))
        })
        .or_else(|| {
            sheet
                .headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case("kind"))
        });
    (0..kinds.len())
        .filter(|&k| {
            column.is_some_and(|c| {
                sheet
                    .rows
                    .iter()
                    .any(|r| matches!(&r.cells[c], Cell::Text(t) if t.trim() == kinds[k].name))
            })
        })
        .collect()
}

/// The columns of an events import: the implicit ones, then every data field of
/// the kinds in play (`--kind`'s, or those the `kind` column names). A field is
/// required when a kind in play declares it without `?`.
fn event_targets(kinds: &[RecordSchema], fixed: Option<usize>, in_play: &[usize]) -> Vec<Target> {
    let in_play: Vec<&RecordSchema> = in_play.iter().map(|&k| &kinds[k]).collect();
    let mut targets = vec![Target {
        name: "id".into(),
        what: "event id".into(),
        required: false,
    }];
    if fixed.is_none() {
        targets.push(Target {
            name: "kind".into(),
            what: "the event's kind; or give every row one with --kind".into(),
            required: true,
        });
    }
    let implicit = [
        ("member_id", "the member who caused the event", true),
        ("at", "when it happened", true),
        (
            "group_id",
            "the group it happened in",
            in_play.iter().any(|k| !k.fields[3].ty.optional),
        ),
    ];
    for (name, what, required) in implicit {
        targets.push(Target {
            name: name.into(),
            what: what.into(),
            required,
        });
    }
    // Only the kinds the file holds: another kind's fields are not this file's.
    for kind in in_play.iter() {
        for f in kind.fields.iter().skip(4) {
            let required = !f.ty.optional;
            match targets.iter_mut().find(|t| t.name == f.name) {
                Some(t) => t.required |= required,
                None => targets.push(Target {
                    name: f.name.clone(),
                    what: format!("event {} field {}: {}", kind.name, f.name, f.ty),
                    required,
                }),
            }
        }
    }
    targets
}

/// Every required field without a column is one error; optional ones are a note.
fn check_columns(
    file: &str,
    table: &str,
    targets: &[Target],
    binding: &Binding,
    notes: &mut Vec<String>,
) -> Result<(), ImportError> {
    let absent = |required: bool| {
        targets
            .iter()
            .filter(move |t| t.required == required && !binding.column_of.contains_key(&t.name))
    };
    let problems: Vec<String> = absent(true)
        .map(|t| {
            let hint = close_header(&t.name, &binding.ignored)
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            format!("no column for `{}` ({}){hint}", t.name, t.what)
        })
        .collect();
    if !problems.is_empty() {
        return Err(ImportError::Columns {
            file: file.to_owned(),
            table: table.to_owned(),
            problems,
        });
    }
    let optional: Vec<String> = absent(false)
        .filter(|t| t.name != "id")
        .map(|t| t.name.clone())
        .collect();
    if !optional.is_empty() {
        notes.push(format!(
            "optional fields not in the file are left missing (NULL): {}",
            listed(&optional)
        ));
    }
    Ok(())
}

fn bad_values(
    file: &Path,
    sheet: &read::Sheet,
    binding: &Binding,
    targets: &[Target],
    values: Vec<BadValue>,
) -> BadValues {
    let mut columns: Vec<(String, String)> = sheet
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let field = binding
                .column_of
                .iter()
                .find(|(_, c)| **c == i)
                .map(|(f, _)| f.as_str())
                .unwrap_or_default();
            let what = targets
                .iter()
                .find(|t| t.name == field)
                .map_or_else(|| format!("→ {field}"), |t| format!("→ {}", t.what));
            (h.clone(), what)
        })
        .collect();
    columns.push(("whole rows".to_owned(), String::new()));
    BadValues {
        file: file.display().to_string(),
        columns,
        values,
        rows: sheet.rows.len(),
    }
}

fn sql_type(ty: &Type) -> &'static str {
    match ty.base {
        Base::Int | Base::Money | Base::Bool | Base::Duration => "INTEGER",
        _ => "TEXT",
    }
}

/// What a column of `ty` holds, for a message: `money as INTEGER fen`.
fn written_as(ty: &Type) -> String {
    let sql = match ty.base {
        Base::Money => "INTEGER fen",
        Base::Bool => "INTEGER 0 or 1",
        Base::Duration => "INTEGER seconds",
        _ => sql_type(ty),
    };
    format!("{} as {sql}", ty.base)
}

fn record_layout(table: &str, schema: &RecordSchema, binding: &Binding) -> write::Layout {
    write::Layout {
        table: table.to_owned(),
        columns: schema
            .fields
            .iter()
            .map(|f| write::Column {
                name: f.name.clone(),
                sql: sql_type(&f.ty),
                what: written_as(&f.ty),
                from_file: binding.column_of.contains_key(&f.name),
            })
            .collect(),
    }
}

fn event_layout(table: &str, binding: &Binding) -> write::Layout {
    write::Layout {
        table: table.to_owned(),
        columns: rows::EVENT_COLUMNS
            .iter()
            .map(|c| write::Column {
                name: (*c).to_owned(),
                sql: "TEXT",
                what: match *c {
                    "at" => "time as TEXT",
                    "data" => "a JSON object as TEXT",
                    _ => "text as TEXT",
                }
                .to_owned(),
                // Every event has its id, kind, member, time and data; its group only
                // when the file has a column for it.
                from_file: *c != "group_id" || binding.column_of.contains_key(*c),
            })
            .collect(),
    }
}
