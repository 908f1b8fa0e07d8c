//! `explain` and `segments` as library calls: the data opened, the ledger's history
//! read, every rule judged for one target, and the rules the run of the window
//! decided shown as that run decided them.

use std::path::Path;

use super::{MemberDecisions, RuleExplanation, SegmentSize, explain_target, segment_sizes};
use crate::app::run::{RunFailure, RunRequest, load_history, run};
use crate::compile::Compiled;
use crate::data::{BadValue, DataError, TableNames};
use crate::interpret::engine::RunError;
use crate::ledger::{Ledger, LedgerError};
use crate::source::SourceMap;
use crate::syntax::ast::TargetKind;
use crate::time::format_instant;

/// What to explain.
#[derive(Debug, Clone)]
pub struct ExplainRequest<'a> {
    /// The compiled playbook.
    pub compiled: &'a Compiled,
    /// Its sources, for quoting conditions.
    pub sources: &'a SourceMap,
    /// The data file.
    pub data: &'a Path,
    /// Table names in the data file.
    pub tables: TableNames,
    /// A ledger whose history limits, caps and budgets count (read only).
    pub ledger: Option<&'a Path>,
    /// Start of the window whose run decisions are shown, as `run` takes it.
    pub since: Option<i64>,
    /// The instant rules are judged at; the window's end.
    pub at: i64,
    /// Leave out rows with bad values in the run of the window.
    pub skip_bad_rows: bool,
    /// Member or group.
    pub kind: TargetKind,
    /// Its id.
    pub id: &'a str,
}

/// Why an explanation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// The data file could not be opened or does not fit the playbook.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The ledger could not be read.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Judging the rules failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The run of the window failed.
    #[error(transparent)]
    Window(#[from] RunFailure),
    /// No such target in the data.
    #[error("no {} `{id}` in the data", .kind.keyword())]
    NotFound {
        /// Member or group.
        kind: TargetKind,
        /// The id asked for.
        id: String,
    },
}

/// Every rule judged for the target at `at`, with the decisions the run of the
/// window made in place of the verdicts for the rules it decided: a dry run, as
/// `run --dry-run` with the same window and ledger, so explain and run cannot
/// disagree.
pub fn explain(request: &ExplainRequest<'_>) -> Result<Vec<RuleExplanation>, ExplainError> {
    let compiled = request.compiled;
    let program = &*compiled.program;
    let mut data = crate::data::open(request.data, program, request.tables.clone())?;
    let mut usage = compiled.usage();
    if let Some(path) = request.ledger {
        let ledger = Ledger::open_read_only(path)?;
        load_history(&ledger, program, &mut usage, request.at, request.at)?;
    }
    let (kind, id, at) = (request.kind, request.id, request.at);
    let run_request = RunRequest {
        since: request.since,
        ledger: request.ledger,
        dry_run: request.ledger.is_some(),
        skip_bad_rows: request.skip_bad_rows,
        tables: request.tables.clone(),
        ..RunRequest::new(compiled, request.data, at)
    };
    let mut decisions = MemberDecisions::of(kind, id);
    let outcome = run(&run_request, &mut decisions)?;
    // What the run granted the target up to `at` is part of its history, as the
    // ledger's grants are (aggregates over `granted` read both).
    for g in decisions.grants().iter().filter(|g| g.cause.at() <= at) {
        let rule = program.rules.iter().position(|r| *r.name == *g.rule);
        usage.log_grant(kind, id, rule, g.value, g.at);
    }
    let Some(mut rules) =
        explain_target(compiled, request.sources, &mut *data, &usage, kind, id, at)?
    else {
        return Err(ExplainError::NotFound {
            kind,
            id: id.to_owned(),
        });
    };
    let tz = program.settings.timezone;
    let (after, until) = outcome.report.window;
    let window = format!(
        "({} .. {}]",
        format_instant(tz, after),
        format_instant(tz, until)
    );
    decisions.apply(&mut rules, tz, &window);
    Ok(rules)
}

/// Every segment's size at `at`, and the rows left out for bad values (with
/// `skip_bad_rows`; otherwise a bad value is an error). Aggregates over `granted`
/// read the grants of `ledger` up to `at` (none without one).
pub fn segments(
    compiled: &Compiled,
    (data, tables): (&Path, TableNames),
    ledger: Option<&Path>,
    at: i64,
    skip_bad_rows: bool,
) -> Result<(Vec<SegmentSize>, Vec<BadValue>), ExplainError> {
    let program = &compiled.program;
    let mut usage = compiled.usage();
    if let Some(path) = ledger {
        let ledger = Ledger::open_read_only(path)?;
        load_history(&ledger, program, &mut usage, at, at)?;
    }
    let mut data = crate::data::open(data, program, tables)?;
    Ok(segment_sizes(
        compiled,
        &mut *data,
        (at, usage.granted()),
        skip_bad_rows,
    )?)
}
