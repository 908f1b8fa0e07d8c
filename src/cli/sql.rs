//! `playbook sql`: print the candidate queries a run of a window would send to a
//! warehouse, in a dialect, for review.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use playbook::app::sql::{SqlError, SqlQuery, SqlRequest, columns, header, queries, text};
use playbook::data::TableNames;
use playbook::data::remote::{self, Warehouse};
use playbook::data::sql::Dialect;
use serde_json::json;

use super::{Status, load_program, print_stderr_line, print_stdout};

/// The dialects `--dialect` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// SQLite: the layout of a data file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// Spark SQL.
    Spark,
}

/// Text or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlFormat {
    /// SQL statements with comments.
    Sql,
    /// A JSON array of queries.
    Json,
}

/// Arguments of `playbook sql`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints one query per scheduled rule and tick, and one per event kind over the window \
(--since, --at]; without --since only ticks exactly at --at. Each WHERE is a candidate \
filter: it keeps every row the run may decide something about, never fewer. The arm \
and order key are written as SQL only where the translation is exact; the engine \
decides every row (limits, caps, budgets, draws, histories).

Without --data the columns have the recommended types (docs/warehouse.md); with a \
postgres:// URL the warehouse's own declared types are used.")]
pub struct SqlArgs {
    /// The playbook.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// The SQL dialect to write.
    #[arg(long, value_enum)]
    dialect: DialectArg,

    /// End of the window (`YYYY-MM-DD HH:MM[:SS]` in the playbook's timezone, or
    /// RFC 3339); default: now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,

    /// Start of the window (exclusive).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,

    /// A warehouse (`postgres://…`) whose declared column types to write for.
    #[arg(long, value_name = "URL")]
    data: Option<PathBuf>,

    /// Name of the members table.
    #[arg(long, value_name = "TABLE", default_value = "members")]
    members_table: String,

    /// Name of the groups table.
    #[arg(long, value_name = "TABLE", default_value = "groups")]
    groups_table: String,

    /// Name of the events table.
    #[arg(long, value_name = "TABLE", default_value = "events")]
    events_table: String,

    /// How to print.
    #[arg(long, value_enum, default_value_t = SqlFormat::Sql)]
    format: SqlFormat,
}

/// Runs `playbook sql`.
pub fn run(args: &SqlArgs) -> Status {
    let (_, compiled) = match load_program(&args.file) {
        Ok(x) => x,
        Err(s) => return s,
    };
    let program = &*compiled.program;
    let at = match &args.at {
        Some(text) => super::run::parse_time(text, program, "--at"),
        None => Ok(chrono::Utc::now().timestamp()),
    };
    let since = args
        .since
        .as_deref()
        .map(|t| super::run::parse_time(t, program, "--since"))
        .transpose();
    let (at, since) = match (at, since) {
        (Ok(at), Ok(since)) => (at, since),
        (Err(s), _) | (_, Err(s)) => return s,
    };
    let dialect = match args.dialect {
        DialectArg::Sqlite => Dialect::Sqlite,
        DialectArg::Postgres => Dialect::Postgres,
        DialectArg::Spark => Dialect::Spark,
    };
    let tables = TableNames {
        members: args.members_table.clone(),
        groups: args.groups_table.clone(),
        events: args.events_table.clone(),
    };
    let catalog = match &args.data {
        Some(data) => {
            match read_catalog(data, (dialect, program.settings.timezone.name()), &tables) {
                Ok(c) => Some(c),
                Err(s) => return s,
            }
        }
        None => None,
    };
    let request = SqlRequest {
        compiled: &compiled,
        dialect,
        tables,
        since,
        at,
        catalog: catalog.as_ref(),
    };
    let written = match queries(&request) {
        Ok(q) => q,
        Err(e) => {
            print_stderr_line(&format!("error: {e}"));
            return match e {
                SqlError::Data(_) => Status::Usage,
                _ => Status::Failure,
            };
        }
    };
    match args.format {
        SqlFormat::Sql => print_stdout(&text(&written, &header(&request))),
        SqlFormat::Json => print_stdout(&json_text(&written, dialect)),
    }
    Status::Success
}

/// The declared columns of the warehouse at `data`, which must speak `dialect`.
fn read_catalog(
    data: &std::path::Path,
    (dialect, timezone): (Dialect, &str),
    tables: &TableNames,
) -> Result<columns::Catalog, Status> {
    let Some(url) = remote::url(data) else {
        print_stderr_line("error: --data takes a postgres:// or sc:// URL");
        return Err(Status::Usage);
    };
    let mut warehouse = match remote::connect(url, timezone) {
        Ok(w) => w,
        Err(e) => {
            print_stderr_line(&format!("error: {e}"));
            return Err(Status::Failure);
        }
    };
    if warehouse.dialect() != dialect {
        let engine = warehouse.dialect().name();
        print_stderr_line(&format!(
            "error: --data {url} speaks {engine}: give --dialect {engine}"
        ));
        return Err(Status::Usage);
    }
    let w: &mut dyn Warehouse = &mut *warehouse;
    columns::catalog(w, tables).map_err(|e| {
        print_stderr_line(&format!("error: {e}"));
        Status::Failure
    })
}

fn json_text(queries: &[SqlQuery], dialect: Dialect) -> String {
    let value: Vec<_> = queries
        .iter()
        .map(|q| {
            json!({
                "rules": q.rules,
                "table": q.table,
                "cause": q.cause,
                "dialect": dialect.name(),
                "sql": q.sql,
                "notes": q.notes,
                "kept_in_engine": q.kept_in_engine,
            })
        })
        .collect();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    )
}
