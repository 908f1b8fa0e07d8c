//! Run: every event and schedule tick of the window in time order; for each firing,
//! the rewards it resolves to, checked against limits, exclusivity, caps and
//! budgets, then granted or refused.
//!
//! A tick reads the members (or groups) table once for all rules ticking then:
//! phase one evaluates conditions and resolves rewards into compact candidates,
//! phase two serves the candidates rule by rule in their serving order. Decisions
//! therefore follow the language's order exactly while the table is read once.

mod events;
mod grants;
mod history;
mod phase_one;
mod phase_two;
mod rank;
mod ticks;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono_tz::Tz;

use crate::check::Program;
use crate::compile::Compiled;
use crate::compile::timeline::uncovered_year;
use crate::data::{BadValue, DataSource, EventBatch, EventRecord, Table};
use crate::interpret::eval::Segments;
use crate::interpret::grant::{Cause, Grant, Reason, Refusal, Target};
use crate::interpret::history::Histories;
use crate::interpret::usage::Usage;
use crate::money::{Fen, FenSum};
use crate::syntax::ast::TargetKind;
use crate::time::format_instant;
use crate::value::{Row, Val};

pub use crate::interpret::error::{RunError, SinkError, TicksOver};
pub use grants::handed_out_at;
pub use history::histories_from;
pub use rank::TopRank;

/// How to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// End of the window (inclusive), Unix seconds.
    pub at: i64,
    /// Start of the window (exclusive); `None` means only instants exactly at `at`.
    pub since: Option<i64>,
    /// Leave out rows with bad values (each reported) instead of stopping.
    pub skip_bad_rows: bool,
    /// Threads reading the data in a tick (1: one). The result never depends on it.
    pub threads: usize,
    /// Let the data source skip, unread, rows no ticking rule can fire for (see
    /// [`crate::data::filter`]). The result never depends on it.
    pub pushdown: bool,
    /// Let the data source hold a table in memory when the window reads it more
    /// than once (see [`DataSource::hold`]). The result never depends on it.
    pub hold: bool,
}

impl RunOptions {
    /// The window `(after, until]`.
    pub fn window(&self) -> (i64, i64) {
        (self.since.unwrap_or(self.at - 1).min(self.at), self.at)
    }
}

/// Where decisions go, in decision order.
pub trait Sink {
    /// A grant was made.
    fn grant(&mut self, grant: &Grant) -> Result<(), SinkError>;
    /// A firing was refused.
    fn refusal(&mut self, refusal: &Refusal) -> Result<(), SinkError>;
    /// Rows read so far in the current scan, every [`PROGRESS_EVERY`] rows; for
    /// showing progress on long runs.
    fn progress(&mut self, _rows: u64) {}
    /// A firing the ledger already held, so not granted again; for `explain`, which
    /// must say what the run did.
    fn held(&mut self, _firing: &Held) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Events whose members, looked up one by one, cost about what reading the whole
/// members table once does: with more, the table is held in memory.
const HOLD_FOR_EVENTS: usize = 20_000;

/// How often a scan reports progress.
pub const PROGRESS_EVERY: u64 = 1 << 16;

/// Grants and value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// How many.
    pub count: u64,
    /// Their cost.
    pub value: Fen,
}

impl Tally {
    /// The tally with one more grant of `value`; `None` when the value no longer
    /// fits in money.
    fn plus(self, value: Fen) -> Option<Tally> {
        Some(Tally {
            count: self.count + 1,
            value: self.value.checked_add(value)?,
        })
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    /// The window `(after, until]`.
    pub window: (i64, i64),
    /// Events in the window (declared kinds).
    pub events: u64,
    /// Events left out for bad values (with `skip_bad_rows`), not in `events`.
    pub events_skipped: u64,
    /// Events of undeclared kinds, ignored, by kind.
    pub ignored_events: BTreeMap<String, u64>,
    /// Distinct tick instants.
    pub ticks: u64,
    /// All new grants.
    pub granted: Tally,
    /// New grants by rule name, in rule order.
    pub by_rule: Vec<(String, Tally)>,
    /// New grants by reward name.
    pub by_reward: BTreeMap<String, Tally>,
    /// Refused firings by reason.
    pub refusals: BTreeMap<Reason, u64>,
    /// Firings the ledger already held (not granted again).
    pub already_held: u64,
    /// Refusals the ledger already held from an earlier run (not listed again, and
    /// not counted in `refusals`).
    pub already_refused: u64,
    /// Budget state after the run: total (limit, used) and per period at `at`.
    pub budget: Vec<BudgetLine>,
    /// Rows left out for bad values (with `skip_bad_rows`).
    pub skipped: Vec<BadValue>,
    /// Per table with rows left out: its name, the rows left out and the rows it
    /// holds (when the source can tell).
    pub skipped_share: Vec<SkippedShare>,
}

/// What share of one table `--skip-bad-rows` left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedShare {
    /// The table as named in the data.
    pub table: String,
    /// Distinct rows left out.
    pub rows: u64,
    /// Rows the table holds, when known.
    pub of: Option<u64>,
}

impl SkippedShare {
    /// Whether the share is above what a run passes quietly (5%), or all.
    pub fn is_large(&self) -> bool {
        self.of.is_some_and(|of| self.rows * 20 > of)
    }

    /// Whether every row of the table was left out.
    pub fn is_all(&self) -> bool {
        self.of.is_some_and(|of| of > 0 && self.rows >= of)
    }
}

/// One budget after the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLine {
    /// `total`, `day`, `week` or `month`.
    pub window: &'static str,
    /// The budget.
    pub limit: Fen,
    /// Used (the period of the run's `at` for periods).
    pub used: Fen,
}

impl BudgetLine {
    /// What is left to spend, exactly (none when overspent).
    pub fn left(&self) -> FenSum {
        FenSum::from(self.limit).minus(self.used).max(FenSum::ZERO)
    }
}

impl Compiled {
    /// A fresh account of what has been used, for this program.
    pub fn usage(&self) -> Usage {
        Usage::new(&self.program)
    }

    /// Runs the window of `opts` over `data`, counting against `usage` (loaded from
    /// the ledger beforehand) and sending decisions to `sink`.
    pub fn run(
        &self,
        data: &mut dyn DataSource,
        usage: &mut Usage,
        opts: &RunOptions,
        sink: &mut dyn Sink,
    ) -> Result<RunReport, RunError> {
        let mut run = Run::new(self, data, usage, opts, sink);
        run.all()?;
        run.finish()
    }
}

/// Decisions waiting until the data has been read once without problems, so a
/// run stopped by bad data has emitted nothing.
enum Emission {
    Grant(Box<Grant>),
    Refusal(Refusal),
    Held(Held),
}

/// A firing the ledger already held (see [`Sink::held`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// Rule name.
    pub rule: String,
    /// Member or group.
    pub target: Target,
    /// What caused it.
    pub cause: Cause,
}

struct Run<'e> {
    engine: &'e Compiled,
    data: &'e mut dyn DataSource,
    usage: &'e mut Usage,
    opts: RunOptions,
    sink: &'e mut dyn Sink,
    tz: Tz,
    seed: String,
    report: RunReport,
    reward_tallies: HashMap<Arc<str>, Tally>,
    rule_tallies: Vec<Tally>,
    pending: Option<Vec<Emission>>,
    problems: Vec<BadValue>,
    seen_problems: HashSet<(String, String, String)>,
    members_scanned: bool,
    tops_at: Option<i64>,
    segs: Segments<'e>,
    /// The members of the window's events, read once (`None`: missing or bad);
    /// unused when the source holds the members (a lookup is then cheap, and a
    /// copy of every buyer's row would cost more memory than the table).
    event_members: HashMap<String, Option<Row>>,
    /// Whether the source holds the members table in memory.
    members_held: bool,
    /// A member row reused from event to event when the members are held.
    member_row: Row,
    /// When the members are held: the position of each event's member, found
    /// before the run (`u32::MAX`: missing or bad, or no rule listens).
    member_rows: Vec<u32>,
    missing_members: HashSet<String>,
    /// The rules an event is served to, reused from event to event.
    event_rules: Vec<usize>,
    /// Members' earlier events, for the aggregates the program reads.
    histories: Histories,
    /// Whether there are any (then every member's environment carries its own).
    histories_read: bool,
}

impl<'e> Run<'e> {
    fn new(
        engine: &'e Compiled,
        data: &'e mut dyn DataSource,
        usage: &'e mut Usage,
        opts: &RunOptions,
        sink: &'e mut dyn Sink,
    ) -> Run<'e> {
        let program = &engine.program;
        Run {
            engine,
            data,
            usage,
            opts: *opts,
            sink,
            tz: program.settings.timezone,
            seed: program.settings.seed.clone(),
            report: RunReport {
                window: opts.window(),
                ..RunReport::default()
            },
            reward_tallies: HashMap::new(),
            rule_tallies: vec![Tally::default(); program.rules.len()],
            pending: Some(Vec::new()),
            problems: Vec::new(),
            seen_problems: HashSet::new(),
            members_scanned: false,
            tops_at: None,
            segs: engine.segments(),
            event_members: HashMap::new(),
            members_held: false,
            member_row: Row::default(),
            member_rows: Vec::new(),
            missing_members: HashSet::new(),
            event_rules: Vec::new(),
            histories: Histories::new(engine.histories.clone(), program.events.len()),
            histories_read: !engine.histories.is_empty(),
        }
    }

    fn program(&self) -> &'e Program {
        &self.engine.program
    }

    fn all(&mut self) -> Result<(), RunError> {
        let (after, until) = self.report.window;
        if let Some(over) = self.engine.timeline.too_many_ticks(after, until) {
            let tz = self.tz;
            let rule = &self.program().rules[over.rule];
            return Err(RunError::TooManyTicks(Box::new(TicksOver {
                rule: rule.name.clone(),
                span: rule.span,
                schedule: over.schedule,
                since: format_instant(tz, after),
                at: format_instant(tz, until),
                days: over.days,
            })));
        }
        if let Some((span, year)) = uncovered_year(self.program(), after, until) {
            let message = crate::calendar::Uncovered { year }.to_string();
            return Err(RunError::Calendar {
                span,
                year,
                message,
            });
        }
        let needs_events =
            self.histories.reads_events() || self.engine.event_rules.iter().any(|r| !r.is_empty());
        self.read_history(after)?;
        let mut batch = if !needs_events {
            EventBatch::default()
        } else if self.opts.hold && self.scans(after, until, TargetKind::Member) >= 2 {
            // Held in any case: read at once with the events.
            let fields = self.engine.fields(TargetKind::Member);
            let (batch, held) =
                self.data
                    .events_and_hold((after, until), Table::Members, &fields)?;
            self.members_held = held;
            batch
        } else {
            self.data.events(after, until)?
        };
        self.report.events = batch.len() as u64;
        self.report.ignored_events = std::mem::take(&mut batch.ignored);
        if self.opts.hold {
            self.hold_tables(after, until, &batch)?;
        }
        self.read_event_members(&batch)?;
        self.checkpoint()?;
        let ticks = self.engine.timeline.schedule_causes(after, until);
        // One record, refilled event after event.
        let mut event = EventRecord::default();
        let mut next = 0;
        for (instant, rules) in ticks {
            self.report.ticks += 1;
            while next < batch.len() && batch.at(next) <= instant {
                batch.read(next, &mut event);
                self.event(next, &event)?;
                self.fold(&event)?;
                next += 1;
            }
            self.tick(instant, &rules)?;
        }
        for i in next..batch.len() {
            batch.read(i, &mut event);
            self.event(i, &event)?;
            self.fold(&event)?;
        }
        self.checkpoint()?;
        self.flush()
    }

    /// Asks the source to hold each table the window reads more than once: in two
    /// or more ticks, or (members) for more events than looking their members up one
    /// by one is worth.
    fn hold_tables(&mut self, after: i64, until: i64, events: &EventBatch) -> Result<(), RunError> {
        let lookups = (0..events.len())
            .filter(|&i| !self.engine.event_rules[events.kind(i)].is_empty())
            .take(HOLD_FOR_EVENTS)
            .count();
        let scans = self.scans(after, until, TargetKind::Member);
        if !self.members_held && (scans >= 2 || lookups >= HOLD_FOR_EVENTS) {
            let fields = self.engine.fields(TargetKind::Member);
            self.members_held = self.data.hold(Table::Members, &fields)?;
        }
        let program = self.program();
        if program.group.is_some() && self.scans(after, until, TargetKind::Group) >= 2 {
            let fields = self.engine.fields(TargetKind::Group);
            self.data.hold(Table::Groups, &fields)?;
        }
        Ok(())
    }

    /// How many ticks of the window scan `kind` targets, counted up to 2.
    fn scans(&self, after: i64, until: i64, kind: TargetKind) -> usize {
        let rules = &self.program().rules;
        self.engine
            .timeline
            .schedule_causes(after, until)
            .filter(|(_, fired)| fired.iter().any(|&r| rules[r].target == kind))
            .take(2)
            .count()
    }

    // ------------------------------------------------------------- bad data

    /// Collects problems found so far; stops the run unless skipping bad rows.
    fn checkpoint(&mut self) -> Result<(), RunError> {
        let mut found = self.data.take_problems();
        found.append(&mut self.problems);
        if found.is_empty() {
            return Ok(());
        }
        if self.opts.skip_bad_rows {
            for p in found {
                if self
                    .seen_problems
                    .insert((p.table.clone(), p.row.clone(), p.column.clone()))
                {
                    self.report.skipped.push(p);
                }
            }
            return Ok(());
        }
        Err(self.all_problems(found))
    }

    /// Every problem in the data the run reads: the tables not yet read in full are
    /// read now, so the operator fixes everything in one go.
    fn all_problems(&mut self, mut found: Vec<BadValue>) -> RunError {
        if !self.members_scanned {
            let fields = self.engine.fields(TargetKind::Member);
            let _ = self.data.scan(Table::Members, &fields, &mut |_| true);
        }
        if self.program().group.is_some() {
            let fields = self.engine.fields(TargetKind::Group);
            let _ = self.data.scan(Table::Groups, &fields, &mut |_| true);
        }
        found.extend(self.data.take_problems());
        found.sort();
        found.dedup();
        RunError::BadData(found)
    }

    fn flush(&mut self) -> Result<(), RunError> {
        for e in self.pending.take().unwrap_or_default() {
            match e {
                Emission::Grant(g) => self.sink.grant(g.as_ref()),
                Emission::Refusal(r) => self.sink.refusal(&r),
                Emission::Held(h) => self.sink.held(&h),
            }
            .map_err(RunError::Sink)?;
        }
        Ok(())
    }

    fn emit(&mut self, e: Emission) -> Result<(), RunError> {
        match &mut self.pending {
            Some(pending) => {
                pending.push(e);
                Ok(())
            }
            None => match e {
                Emission::Grant(g) => self.sink.grant(g.as_ref()),
                Emission::Refusal(r) => self.sink.refusal(&r),
                Emission::Held(h) => self.sink.held(&h),
            }
            .map_err(RunError::Sink),
        }
    }

    // ------------------------------------------------------------- causes

    fn refuse(&mut self, refusal: Refusal) -> Result<(), RunError> {
        *self.report.refusals.entry(refusal.reason).or_default() += 1;
        self.emit(Emission::Refusal(refusal))
    }

    fn finish(mut self) -> Result<RunReport, RunError> {
        let program = &self.engine.program;
        self.report.by_rule = program
            .rules
            .iter()
            .zip(&self.rule_tallies)
            .map(|(r, t)| (r.name.clone(), *t))
            .collect();
        self.report.by_reward = self
            .reward_tallies
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        let settings = &program.settings;
        let total = settings
            .budget_total
            .map(|limit| ("total", limit, self.usage.spent_total()));
        let periods = settings.budget_per.iter().map(|(period, limit)| {
            (
                period.keyword(),
                *limit,
                self.usage.spent_of(*period, self.opts.at),
            )
        });
        self.report.skipped_share = skipped_shares(&self.report.skipped, self.data)?;
        let events_table = self.data.table_name(Table::Events);
        self.report.events_skipped = self
            .report
            .skipped_share
            .iter()
            .find(|s| Some(&s.table) == events_table.as_ref())
            .map_or(0, |s| s.rows);
        for (window, limit, used) in total.into_iter().chain(periods) {
            let used = used.to_fen().ok_or_else(|| {
                RunError::Total(format!(
                    "budget {limit} {window}: the ledger's spending, {used}, is more than money holds"
                ))
            })?;
            self.report.budget.push(BudgetLine {
                window,
                limit,
                used,
            });
        }
        Ok(self.report)
    }
}

/// The id of the member who caused an event.
fn event_member(event: &EventRecord) -> Option<&str> {
    match event.row.vals.get(1) {
        Some(Val::Text(id)) => Some(id),
        _ => None,
    }
}

/// An event whose member is not in the data, reported in the events table `table`.
fn missing_member(table: Option<String>, event: &EventRecord, id: &str) -> BadValue {
    BadValue {
        table: table.unwrap_or_else(|| "events".into()),
        column: "member_id".into(),
        row: event.row.id.clone(),
        value: format!("'{id}'"),
        problem: "no member with this id".into(),
    }
}

fn table_of(kind: TargetKind) -> Table {
    match kind {
        TargetKind::Member => Table::Members,
        TargetKind::Group => Table::Groups,
    }
}

/// The share of each table the skipped rows make up.
fn skipped_shares(
    skipped: &[BadValue],
    data: &mut dyn DataSource,
) -> Result<Vec<SkippedShare>, RunError> {
    let mut rows: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    for b in skipped {
        rows.entry(b.table.as_str())
            .or_default()
            .insert(b.row.as_str());
    }
    rows.into_iter()
        .map(|(table, ids)| {
            Ok(SkippedShare {
                table: table.to_string(),
                rows: ids.len() as u64,
                of: data.row_count(table)?,
            })
        })
        .collect()
}
