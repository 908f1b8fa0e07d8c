//! `playbook sql`: the candidate queries a run of a window would send to a
//! warehouse, written out in a dialect for review.
//!
//! The plans are [`crate::interpret::candidates`]'s; this module only writes them.
//! Each query's WHERE is a candidate filter (a superset of the rows the run decides
//! something about); the arm and order key are SQL only where they are exact, else
//! `NULL` with the reason in a comment. The engine decides every row.

pub mod columns;
pub mod cond;

use std::fmt::Write as _;

use chrono::DateTime;

use crate::check::types::Type;
use crate::compile::Compiled;
use crate::data::filter::{FilterOp, RowFilter, Stored};
use crate::data::sql::{ColumnRead, Dialect, filter_sql};
use crate::data::{DataError, TableNames};
use crate::interpret::candidates::{CandidateQuery, QueryCause, RuleCandidates, candidate_queries};
use crate::syntax::ast::TargetKind;
use crate::time::instant_local;
use columns::{Catalog, Column, Layout, layout};
use cond::Target;

/// What to write.
#[derive(Debug)]
pub struct SqlRequest<'a> {
    /// The compiled playbook.
    pub compiled: &'a Compiled,
    /// The dialect.
    pub dialect: Dialect,
    /// The tables' names.
    pub tables: TableNames,
    /// Start of the window (exclusive); `None`: only instants exactly at `at`.
    pub since: Option<i64>,
    /// End of the window.
    pub at: i64,
    /// The warehouse's declared columns; `None`: the recommended layout.
    pub catalog: Option<&'a Catalog>,
}

/// One query, written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlQuery {
    /// The rules it serves, in serving order.
    pub rules: Vec<String>,
    /// The table read (its name as given).
    pub table: String,
    /// `tick 2026-05-01 10:00` or `events scan_card`.
    pub cause: String,
    /// Comment lines (without `-- `): what was pushed and what is kept.
    pub notes: Vec<String>,
    /// The statement, without a trailing `;`.
    pub sql: String,
    /// Per rule, what the interpreter decides (`rule: what`).
    pub kept_in_engine: Vec<String>,
}

/// Why no queries could be written.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// A table or column of the warehouse does not fit.
    #[error("{0}")]
    Layout(String),
    /// The window has too many ticks.
    #[error("the window would take more than {0} queries; give a shorter one")]
    TooMany(usize),
    /// The warehouse could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
}

/// The queries of the request's window, in run order: ticks, then event kinds.
pub fn queries(request: &SqlRequest<'_>) -> Result<Vec<SqlQuery>, SqlError> {
    let engine = request.compiled;
    let program = &*engine.program;
    let layout = layout(program, request.dialect, &request.tables, request.catalog)
        .map_err(SqlError::Layout)?;
    let after = request.since.unwrap_or(request.at.saturating_sub(1));
    let plans = candidate_queries(engine, after, request.at).map_err(SqlError::TooMany)?;
    let writer = Writer {
        engine,
        layout: &layout,
        tables: &request.tables,
    };
    Ok(plans.iter().map(|q| writer.query(q)).collect())
}

/// The queries as SQL text: a header, then each statement after its comments.
pub fn text(queries: &[SqlQuery], header: &[String]) -> String {
    let mut out = String::new();
    for line in header {
        let _ = writeln!(out, "-- {line}");
    }
    for q in queries {
        out.push('\n');
        let _ = writeln!(
            out,
            "-- {} · {} · {}",
            rules_label(&q.rules),
            q.cause,
            q.table
        );
        for line in &q.notes {
            let _ = writeln!(out, "-- {line}");
        }
        let _ = writeln!(out, "{};", q.sql);
    }
    out
}

/// The header of [`text`]: what the queries are, and what they are not.
pub fn header(request: &SqlRequest<'_>) -> Vec<String> {
    let program = &*request.compiled.program;
    let tz = program.settings.timezone;
    let at = local(tz, request.at);
    let window = match request.since {
        Some(s) => format!("({}, {at}]", local(tz, s)),
        None => format!("ticks at {at}"),
    };
    vec![
        format!(
            "playbook sql · {} · {} · {window} ({tz})",
            program.settings.name,
            request.dialect.engine()
        ),
        "Candidate queries: each WHERE keeps every row the run may decide something".to_owned(),
        "about (a superset, never fewer); the engine decides every row. Rows with values"
            .to_owned(),
        "the run cannot read are not candidates here: the run reads and reports them.".to_owned(),
        "Columns: id, cause (the tick, or the event's id), arm (-1: no arm taken; NULL:".to_owned(),
        "decided in the interpreter), order_key (serve by it, then by id; NULL: none or".to_owned(),
        "decided in the interpreter), then the fields later stages read.".to_owned(),
    ]
}

fn rules_label(rules: &[String]) -> String {
    match rules {
        [one] => format!("rule {one}"),
        _ => format!("rules {}", rules.join(", ")),
    }
}

/// `YYYY-MM-DD HH:MM` local.
fn local(tz: chrono_tz::Tz, t: i64) -> String {
    instant_local(tz, t).format("%Y-%m-%d %H:%M").to_string()
}

struct Writer<'a> {
    engine: &'a Compiled,
    layout: &'a Layout,
    tables: &'a TableNames,
}

impl Writer<'_> {
    fn query(&self, q: &CandidateQuery) -> SqlQuery {
        let program = &*self.engine.program;
        let dialect = self.layout.dialect;
        let (columns, schema, table) = match q.target {
            TargetKind::Member => (&self.layout.members, &program.member, &self.tables.members),
            TargetKind::Group => match &program.group {
                Some(g) => (&self.layout.groups, g, &self.tables.groups),
                None => (&self.layout.members, &program.member, &self.tables.members),
            },
        };
        let target = Target {
            dialect,
            columns,
            types: schema.fields.iter().map(|f| &f.ty).collect::<Vec<&Type>>(),
        };
        let numbered = q.rules.len() > 1;
        let mut select = vec![format!(
            "{} AS {}",
            columns[0].read.select,
            dialect.ident("id")
        )];
        let mut notes = Vec::new();
        let mut kept_all = Vec::new();
        select.push(format!(
            "{} AS {}",
            self.cause_sql(&q.cause),
            dialect.ident("cause")
        ));
        for (k, r) in q.rules.iter().enumerate() {
            let suffix = if numbered {
                format!("_{}", k + 1)
            } else {
                String::new()
            };
            let (arm, order, rule_notes, kept) = self.rule(r, &target);
            select.push(format!(
                "{arm} AS {}",
                dialect.ident(&format!("arm{suffix}"))
            ));
            select.push(format!(
                "{order} AS {}",
                dialect.ident(&format!("order_key{suffix}"))
            ));
            let name = &program.rules[r.rule].name;
            let label = if numbered {
                format!("{name} (arm{suffix}): ")
            } else {
                String::new()
            };
            notes.extend(rule_notes.into_iter().map(|n| format!("{label}{n}")));
            kept_all.extend(kept.iter().map(|k| format!("{name}: {k}")));
            notes.push(format!(
                "{label}kept in the interpreter: {}",
                kept.join("; ")
            ));
        }
        for &f in &q.fields {
            select.push(format!(
                "{} AS {}",
                columns[f].read.select,
                dialect.ident(&schema.fields[f].name)
            ));
        }
        let filter = self.filter(&q.filter, columns);
        notes.insert(0, self.where_note(q));
        let (from, condition) = self.tables_and_condition(q, table, filter);
        SqlQuery {
            rules: q
                .rules
                .iter()
                .map(|r| program.rules[r.rule].name.clone())
                .collect(),
            table: table.clone(),
            cause: self.cause_label(&q.cause),
            notes,
            sql: format!(
                "SELECT {}\nFROM {from}\nWHERE {condition}",
                select.join(",\n       ")
            ),
            kept_in_engine: kept_all,
        }
    }

    /// The arm and order key SQL of one rule, notes on them, and what is kept.
    fn rule(
        &self,
        r: &RuleCandidates,
        target: &Target<'_>,
    ) -> (String, String, Vec<String>, Vec<String>) {
        let mut notes = Vec::new();
        let mut kept = Vec::new();
        let arm = r.arm.clone().and_then(|plan| target.arm(&plan));
        let arm = match arm {
            Ok(sql) => {
                notes.push(
                    "pushed: the arm (segment, `when` and tier conditions), exactly".to_owned(),
                );
                sql
            }
            Err(why) => {
                kept.push(format!("the arm: {why}"));
                "NULL".to_owned()
            }
        };
        let order = match &r.order {
            None => "NULL".to_owned(),
            Some(key) => match key.clone().and_then(|k| target.order(k)) {
                Ok(sql) => {
                    notes.push("pushed: the order key".to_owned());
                    sql
                }
                Err(why) => {
                    kept.push(format!("the order key: {why}"));
                    "NULL".to_owned()
                }
            },
        };
        kept.extend(r.kept.iter().cloned());
        (arm, order, notes, kept)
    }

    fn where_note(&self, q: &CandidateQuery) -> String {
        if q.filter.is_true() {
            "WHERE: every row (no condition can leave one out safely)".to_owned()
        } else {
            "WHERE: a candidate filter from the conditions that can be written (a superset)"
                .to_owned()
        }
    }

    /// The target filter in the dialect: SQLite's as the run writes it for a data
    /// file; the others' over the typed columns.
    fn filter(&self, filter: &RowFilter, columns: &[Column]) -> String {
        match self.layout.dialect {
            Dialect::Sqlite => {
                let names: Vec<String> = columns.iter().map(|c| c.raw.clone()).collect();
                let mut out = String::new();
                filter.sql(&names, &mut out);
                out
            }
            d => {
                let reads: Vec<Option<&ColumnRead>> =
                    columns.iter().map(|c| Some(&c.read)).collect();
                filter_sql(d, filter, &reads)
            }
        }
    }

    fn tables_and_condition(
        &self,
        q: &CandidateQuery,
        table: &str,
        filter: String,
    ) -> (String, String) {
        let d = self.layout.dialect;
        let target = format!("{} AS {}", d.table(table), columns::TARGET);
        let QueryCause::Events { kind, after, until } = q.cause else {
            return (target, filter);
        };
        let [_, kind_col, member, at] = &self.layout.events;
        let events = format!("{} AS {}", d.table(&self.tables.events), columns::EVENTS);
        let window = self.window(at, after, until);
        let name = &self.engine.program.events[kind].name;
        let from = format!(
            "{target}\nJOIN {events} ON {} = {}",
            member.raw, self.layout.members[0].raw
        );
        let mut condition = format!("{} = {} AND {window}", kind_col.raw, d.text(name));
        if !q.filter.is_true() {
            condition.push_str(&format!("\n  AND {filter}"));
        }
        (from, condition)
    }

    /// `after < at <= until` for the events' `at`, widened where it is local time.
    fn window(&self, at: &Column, after: i64, until: i64) -> String {
        let bound = |op, t| RowFilter::Compare {
            field: 0,
            op,
            value: Stored::Time(t),
        };
        let filter = RowFilter::all([bound(FilterOp::Gt, after), bound(FilterOp::Le, until)]);
        match self.layout.dialect {
            Dialect::Sqlite => {
                let mut out = String::new();
                filter.sql(std::slice::from_ref(&at.raw), &mut out);
                out
            }
            d => filter_sql(d, &filter, &[Some(&at.read)]),
        }
    }

    fn cause_sql(&self, cause: &QueryCause) -> String {
        match cause {
            QueryCause::Tick(t) => {
                let tz = self.engine.program.settings.timezone;
                let text = DateTime::from_timestamp(*t, 0)
                    .unwrap_or_default()
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M:%S%:z")
                    .to_string();
                self.layout.dialect.text(&text)
            }
            QueryCause::Events { .. } => self.layout.events[0].read.select.clone(),
        }
    }

    fn cause_label(&self, cause: &QueryCause) -> String {
        let tz = self.engine.program.settings.timezone;
        match cause {
            QueryCause::Tick(t) => format!("tick {} ({tz})", local(tz, *t)),
            QueryCause::Events { kind, .. } => {
                format!("events {}", self.engine.program.events[*kind].name)
            }
        }
    }
}

#[cfg(test)]
mod tests;
