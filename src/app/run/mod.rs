//! Running a checked playbook over a data file, with or without a ledger: the whole
//! job of `playbook run`, as a library call.
//!
//! ```no_run
//! use std::path::Path;
//! use playbook::app::run::{RunRequest, run};
//! use playbook::interpret::engine::{Sink, SinkError};
//! # struct Print;
//! # impl Sink for Print {
//! #     fn grant(&mut self, g: &playbook::interpret::grant::Grant) -> Result<(), SinkError> { Ok(()) }
//! #     fn refusal(&mut self, r: &playbook::interpret::grant::Refusal) -> Result<(), SinkError> { Ok(()) }
//! # }
//! let checked = playbook::check_file(Path::new("examples/package_card_launch.playbook")).unwrap();
//! let program = checked.program.expect("the playbook checks");
//! let at = playbook::time::parse_instant("2026-04-20 10:00", program.settings.timezone).unwrap();
//! let compiled = playbook::compile::compile(program);
//! let request = RunRequest::new(&compiled, Path::new("examples/community.sql"), at);
//! let outcome = run(&request, &mut Print).unwrap();
//! println!("{} grants", outcome.report.granted.count);
//! ```

pub mod identity;
pub mod summary;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::app::payouts::{PayoutSpend, payout_spend};
use crate::check::Program;
use crate::compile::Compiled;
use crate::data::sqlite::{SharedReads, SqliteData};
use crate::data::{DataSource, TableNames, remote};
use crate::interpret::engine::{RunError, RunOptions, RunReport, Sink, SinkError};
use crate::interpret::grant::{Grant, Reason, Refusal};
use crate::interpret::usage::Usage;
use crate::ledger::{Ledger, LedgerEntry, LedgerError, RunRecord, RunWriter};
use crate::time::{day_start, instant_local};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunRequest<'a> {
    /// The compiled playbook.
    pub compiled: &'a Compiled,
    /// The data file (SQLite, or a `.sql` text file).
    pub data: &'a Path,
    /// Table names in the data file.
    pub tables: TableNames,
    /// End of the window.
    pub at: i64,
    /// Start of the window (exclusive); default: the ledger's last run, else only
    /// instants exactly at `at`.
    pub since: Option<i64>,
    /// The ledger file.
    pub ledger: Option<&'a Path>,
    /// Read the ledger but write nothing.
    pub dry_run: bool,
    /// Leave out rows with bad values, reporting each.
    pub skip_bad_rows: bool,
    /// Threads reading the data (1: one); the result is the same for any number.
    pub threads: usize,
    /// Let SQLite skip rows no rule can fire for; the result is the same either way.
    pub pushdown: bool,
    /// Hold the members (groups) in memory when the window reads them more than once;
    /// the result is the same either way.
    pub hold: bool,
    /// Reads to take from, and leave for, other runs over the same data (see
    /// [`SharedReads`]); the result is the same either way.
    pub shared: Option<&'a SharedReads>,
    /// Which of the ledger's grants count against budgets and caps.
    pub spend: Spend,
    /// Also sum the playbook's grants in the ledger by payout status, after the run
    /// ([`RunOutcome::payouts`]).
    pub payout_spend: bool,
}

/// Which of the ledger's earlier grants count against budgets and caps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Spend {
    /// Every grant, whatever became of its payout: what a run counts, so that no
    /// budget is ever exceeded by money that may still be paid.
    #[default]
    Granted,
    /// Only grants whose payout is confirmed: a forecast's what-if, with failed,
    /// expired and undelivered payouts' money back in the budgets (limits and
    /// exclusivity still count every grant). Only with `dry_run`.
    Confirmed,
}

impl<'a> RunRequest<'a> {
    /// A run at `at` without a ledger, default table names.
    pub fn new(compiled: &'a Compiled, data: &'a Path, at: i64) -> RunRequest<'a> {
        RunRequest {
            compiled,
            data,
            tables: TableNames::default(),
            at,
            since: None,
            ledger: None,
            dry_run: false,
            skip_bad_rows: false,
            threads: 1,
            pushdown: true,
            hold: true,
            shared: None,
            spend: Spend::Granted,
            payout_spend: false,
        }
    }

    /// The name runs of this playbook are recorded under in the ledger.
    pub fn playbook_name(&self) -> &str {
        &self.compiled.program.settings.name
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Counts, values, refusals, budget.
    pub report: RunReport,
    /// The ledger's record of the run (not with `dry_run` or without a ledger).
    pub recorded: Option<RunRecord>,
    /// Grants the ledger already held before this run, over its lifetime.
    pub ledger_grants_before: u64,
    /// What the counts alone would not tell: a run that evaluated one instant, a
    /// window outside the active period or with nothing in it.
    pub notes: Vec<String>,
    /// The playbook's grants in the ledger by payout status, when asked.
    pub payouts: Option<PayoutSpend>,
    /// Rows read from a database server (`None` for a file).
    pub transferred: Option<u64>,
}

/// Why a run could not complete. Nothing was recorded in the ledger.
#[derive(Debug, thiserror::Error)]
pub enum RunFailure {
    /// Reading data, bad values, evaluation.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The ledger holds grants this playbook does not account for (see
    /// [`identity`]); running would pay recorded firings again.
    #[error("{0}")]
    Identity(String),
    /// The window's start is not before its end.
    #[error("the window start {since} is not before its end {at}")]
    EmptyWindow {
        /// The start, as the playbook's timezone shows it.
        since: String,
        /// The end.
        at: String,
    },
    /// The ledger could not be opened, read or written.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Runs the request, sending every grant and refusal to `sink` in decision order.
/// With a ledger (and not `dry_run`), the run is one transaction: it is recorded
/// completely or not at all.
pub fn run(request: &RunRequest<'_>, sink: &mut dyn Sink) -> Result<RunOutcome, RunFailure> {
    let mut outcome = run_window(request, sink)?;
    outcome.notes = notes(request, &outcome.report);
    if let (true, Some(path)) = (request.payout_spend, request.ledger) {
        let program = &*request.compiled.program;
        let names = identity::playbook_names(program);
        let windows: Vec<&'static str> = outcome.report.budget.iter().map(|b| b.window).collect();
        let ledger = Ledger::open_read_only(path)?;
        outcome.payouts = Some(payout_spend(
            &ledger,
            &names,
            program.settings.timezone,
            request.at,
            &windows,
        )?);
    }
    Ok(outcome)
}

/// The request's data: a warehouse URL, or a SQLite file (sharing reads when asked).
fn open_data(request: &RunRequest<'_>) -> Result<Box<dyn DataSource>, RunError> {
    let program = &*request.compiled.program;
    let tables = request.tables.clone();
    if remote::url(request.data).is_some() {
        return Ok(crate::data::open(request.data, program, tables)?);
    }
    let mut data = SqliteData::open(request.data, program, tables)?;
    if let Some(shared) = request.shared {
        data.share(shared.clone());
    }
    Ok(Box::new(data))
}

fn run_window(request: &RunRequest<'_>, sink: &mut dyn Sink) -> Result<RunOutcome, RunFailure> {
    let engine = request.compiled;
    let program = &*engine.program;
    let tz = program.settings.timezone;
    if let Some(since) = request.since.filter(|s| *s >= request.at) {
        return Err(RunFailure::EmptyWindow {
            since: local(tz, since),
            at: local(tz, request.at),
        });
    }
    let mut data = open_data(request)?;
    let data = &mut *data;
    let mut usage = engine.usage();
    let name = request.playbook_name().to_owned();
    let Some(path) = request.ledger else {
        let opts = options(request, None);
        let report = engine.run(data, &mut usage, &opts, sink)?;
        return Ok(RunOutcome {
            report,
            recorded: None,
            ledger_grants_before: 0,
            notes: Vec::new(),
            payouts: None,
            transferred: data.transferred(),
        });
    };
    let names = identity::playbook_names(program);
    if request.dry_run {
        let ledger = Ledger::open_read_only(path)?;
        identity::verify(program, &ledger.rules()?).map_err(RunFailure::Identity)?;
        let last = latest(names.iter().map(|n| ledger.last_run_at(n)))?;
        let opts = options(request, last);
        let confirmed = match request.spend {
            Spend::Granted => None,
            Spend::Confirmed => Some(ledger.confirmed_ids()?),
        };
        let before = load(&mut usage, &opts, &names, confirmed.as_ref(), |n, visit| {
            ledger.for_each_grant(n, visit)
        })?;
        let mut known = KnownRefusals {
            ledger: &ledger,
            playbook: &name,
            sink,
            tz,
            already_refused: BTreeMap::new(),
        };
        let mut report = engine.run(data, &mut usage, &opts, &mut known)?;
        set_aside(&mut report, known.already_refused);
        return Ok(RunOutcome {
            report,
            recorded: None,
            ledger_grants_before: before,
            notes: Vec::new(),
            payouts: None,
            transferred: data.transferred(),
        });
    }
    let mut ledger = Ledger::open(path)?;
    let mut writer = ledger.begin(&name, request.since, request.at)?;
    identity::verify(program, &writer.rules()?).map_err(RunFailure::Identity)?;
    let last = latest(names.iter().map(|n| writer.last_run_at(n)))?;
    let opts = options(request, last);
    writer.set_since(opts.since);
    let before = load(&mut usage, &opts, &names, None, |n, visit| {
        writer.for_each_grant(n, visit)
    })?;
    let mut recording = Recording {
        writer: &mut writer,
        sink,
        tz,
        already_refused: BTreeMap::new(),
    };
    let mut report = engine.run(data, &mut usage, &opts, &mut recording)?;
    set_aside(&mut report, recording.already_refused);
    let recorded = writer.commit()?;
    Ok(RunOutcome {
        report,
        recorded: Some(recorded),
        ledger_grants_before: before,
        notes: Vec::new(),
        payouts: None,
        transferred: data.transferred(),
    })
}

/// An instant as the run summary shows it, in the playbook's timezone.
fn local(tz: chrono_tz::Tz, t: i64) -> String {
    instant_local(tz, t).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The notes of [`RunOutcome::notes`].
fn notes(request: &RunRequest<'_>, report: &RunReport) -> Vec<String> {
    let settings = &request.compiled.program.settings;
    let tz = settings.timezone;
    let (after, until) = report.window;
    let mut notes = Vec::new();
    if until - after <= 1 {
        notes.push(format!(
            "evaluated only the instant {}: give a window start (--since) or a ledger that has recorded a run, to evaluate a period",
            local(tz, until)
        ));
    }
    if let Some((first, last)) = settings.active {
        let start = day_start(tz, first);
        let end = last.succ_opt().map_or(i64::MAX, |d| day_start(tz, d));
        if until < start || after >= end {
            notes.push(format!(
                "the window lies outside the active period {first} .. {last}: no rule can fire in it"
            ));
            return notes;
        }
    }
    if report.ticks == 0 && report.events == 0 {
        notes.push(
            "the window holds no schedule tick and no event: nothing was evaluated".to_string(),
        );
    }
    notes
}

fn options(request: &RunRequest<'_>, last_run: Option<i64>) -> RunOptions {
    RunOptions {
        at: request.at,
        since: request.since.or(last_run.filter(|t| *t < request.at)),
        skip_bad_rows: request.skip_bad_rows,
        threads: request.threads,
        pushdown: request.pushdown,
        hold: request.hold,
    }
}

/// Feeds a ledger's history of `program` (under its name and former names) into
/// `usage`, as a run of the window `(after, until]` would see it; for commands that
/// read a ledger without running, such as `explain`.
pub fn load_history(
    ledger: &Ledger,
    program: &Program,
    usage: &mut Usage,
    after: i64,
    until: i64,
) -> Result<u64, LedgerError> {
    let mut total = 0;
    for name in identity::playbook_names(program) {
        total += ledger.for_each_grant(&name, |e| usage.load(e.history(), after, until))?;
    }
    Ok(total)
}

/// The latest of the playbook's last runs under each of its names.
fn latest(
    runs: impl Iterator<Item = Result<Option<i64>, LedgerError>>,
) -> Result<Option<i64>, LedgerError> {
    runs.collect::<Result<Vec<_>, _>>()
        .map(|v| v.into_iter().flatten().max())
}

/// Feeds the ledger's history under each of the playbook's `names` into the usage;
/// with `confirmed`, only those payouts count against budgets and caps.
fn load(
    usage: &mut Usage,
    opts: &RunOptions,
    names: &[String],
    confirmed: Option<&HashSet<String>>,
    mut read: impl FnMut(&str, &mut dyn FnMut(LedgerEntry<'_>)) -> Result<u64, LedgerError>,
) -> Result<u64, LedgerError> {
    let (after, until) = opts.window();
    let mut total = 0;
    for name in names {
        let mut visit = |e: LedgerEntry<'_>| {
            let mut history = e.history();
            if let Some(confirmed) = confirmed {
                history.counts_spend = confirmed.contains(&e.payout_id(name));
            }
            usage.load(history, after, until);
        };
        total += read(name, &mut visit)?;
    }
    Ok(total)
}

/// Records every grant and refusal in the run's transaction, then passes it on; a
/// refusal the ledger already held from an earlier run is counted, not passed on.
struct Recording<'w, 'l, 's> {
    writer: &'w mut RunWriter<'l>,
    sink: &'s mut dyn Sink,
    tz: chrono_tz::Tz,
    already_refused: BTreeMap<Reason, u64>,
}

impl Sink for Recording<'_, '_, '_> {
    fn grant(&mut self, grant: &Grant) -> Result<(), SinkError> {
        self.writer.record(grant, self.tz)?;
        self.sink.grant(grant)
    }

    fn refusal(&mut self, refusal: &Refusal) -> Result<(), SinkError> {
        let new = self.writer.record_refusal(refusal, self.tz)?;
        if new {
            return self.sink.refusal(refusal);
        }
        *self.already_refused.entry(refusal.reason).or_default() += 1;
        Ok(())
    }

    fn progress(&mut self, rows: u64) {
        self.sink.progress(rows);
    }

    fn held(&mut self, firing: &crate::interpret::engine::Held) -> Result<(), SinkError> {
        self.sink.held(firing)
    }
}

/// A dry run's filter: refusals the ledger already holds are counted, not passed on.
struct KnownRefusals<'l, 's> {
    ledger: &'l Ledger,
    playbook: &'l str,
    sink: &'s mut dyn Sink,
    tz: chrono_tz::Tz,
    already_refused: BTreeMap<Reason, u64>,
}

impl Sink for KnownRefusals<'_, '_> {
    fn grant(&mut self, grant: &Grant) -> Result<(), SinkError> {
        self.sink.grant(grant)
    }

    fn refusal(&mut self, refusal: &Refusal) -> Result<(), SinkError> {
        let known = self.ledger.holds_refusal(self.playbook, refusal, self.tz)?;
        if !known {
            return self.sink.refusal(refusal);
        }
        *self.already_refused.entry(refusal.reason).or_default() += 1;
        Ok(())
    }

    fn progress(&mut self, rows: u64) {
        self.sink.progress(rows);
    }

    fn held(&mut self, firing: &crate::interpret::engine::Held) -> Result<(), SinkError> {
        self.sink.held(firing)
    }
}

/// Moves the refusals an earlier run already recorded out of the report's new
/// refusals.
fn set_aside(report: &mut RunReport, already: BTreeMap<Reason, u64>) {
    for (reason, n) in already {
        if let Some(count) = report.refusals.get_mut(&reason) {
            *count -= n.min(*count);
            if *count == 0 {
                report.refusals.remove(&reason);
            }
        }
        report.already_refused += n;
    }
}
