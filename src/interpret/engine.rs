//! Run: every event and schedule tick of the window in time order; for each firing,
//! the rewards it resolves to, checked against limits, exclusivity, caps and
//! budgets, then granted or refused.
//!
//! A tick reads the members (or groups) table once for all rules ticking then:
//! phase one evaluates conditions and resolves rewards into compact candidates,
//! phase two serves the candidates rule by rule in their serving order. Decisions
//! therefore follow the language's order exactly while the table is read once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono_tz::Tz;

use crate::check::Program;
use crate::check::model::CouponOff;
use crate::compile::Compiled;
use crate::compile::plan::{
    Leaf, Node, RewardClass, RewardPlan, RewardPlanKind, RulePlan, SegmentPlan,
};
use crate::compile::timeline::{allowed_at, hold_until};
use crate::data::filter::RowFilter;
use crate::data::{BadValue, DataError, DataSource, EventRecord, Table};
use crate::interpret::eval::{Env, Segments, eval, holds};
use crate::interpret::grant::{Cause, Detail, Grant, Reason, Refusal, Target};
use crate::interpret::pushdown::scan_filter;
use crate::interpret::random::{DrawStream, basis_point};
use crate::interpret::split::{split_equal, split_random};
use crate::interpret::usage::Book;
use crate::money::{FULL_RATE, Fen, FenSum};
use crate::syntax::ast::TargetKind;
use crate::time::format_instant;
use crate::value::arith::{EvalError, compare};
use crate::value::{Row, V, Val};

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
    fn grant(&mut self, grant: &Grant) -> Result<(), String>;
    /// A firing was refused.
    fn refusal(&mut self, refusal: &Refusal) -> Result<(), String>;
    /// Rows read so far in the current scan, every [`PROGRESS_EVERY`] rows; for
    /// showing progress on long runs.
    fn progress(&mut self, _rows: u64) {}
    /// A firing the ledger already held, so not granted again; for `explain`, which
    /// must say what the run did.
    fn held(&mut self, _firing: &Held) -> Result<(), String> {
        Ok(())
    }
}

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

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The data could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The data has values that do not fit the schema: every one is listed.
    #[error("{} bad value{} in the data:\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, .0.iter().map(|b| format!("  {b}")).collect::<Vec<_>>().join("\n"))]
    BadData(Vec<BadValue>),
    /// An expression could not be computed for a target.
    #[error("rule `{rule}`, {target}: {error}")]
    Eval {
        /// Rule or segment name.
        rule: String,
        /// `member ID` / `group ID`.
        target: String,
        /// What went wrong.
        error: String,
    },
    /// The sink (output, ledger) failed.
    #[error("{0}")]
    Sink(String),
    /// A total to report does not fit in money (history read from a ledger).
    #[error("{0}")]
    Total(String),
    /// A rule would tick more often in the window than a run goes through.
    #[error(
        "rule `{rule}` (`{schedule}`) would tick more than {max} times between {since} and {at} ({days} days); a run goes through at most {max} ticks of one rule: run the window in shorter pieces (`--since` / `--at`)",
        max = crate::compile::timeline::MAX_TICKS
    )]
    TooManyTicks {
        /// Rule name.
        rule: String,
        /// Its schedule, as written.
        schedule: String,
        /// Window start, shown.
        since: String,
        /// Window end, shown.
        at: String,
        /// Local days of the window it may tick on.
        days: u64,
    },
}

impl Compiled {
    /// A fresh book for this program.
    pub fn book(&self) -> Book {
        Book::new(&self.program)
    }

    /// Runs the window of `opts` over `data`, counting against `book` (loaded from
    /// the ledger beforehand) and sending decisions to `sink`.
    pub fn run(
        &self,
        data: &mut dyn DataSource,
        book: &mut Book,
        opts: &RunOptions,
        sink: &mut dyn Sink,
    ) -> Result<RunReport, RunError> {
        let mut run = Run::new(self, data, book, opts, sink);
        run.all()?;
        run.finish()
    }

    /// Ranks every `top N` segment at `now`, reading the data once per segment.
    pub fn rank_tops(
        &self,
        data: &mut dyn DataSource,
        now: i64,
        segs: &mut Segments<'_>,
    ) -> Result<(), RunError> {
        for &i in &self.program.segment_order {
            let SegmentPlan::Top { count, by, filter } = &self.plan.segments[i] else {
                continue;
            };
            let mut ranking = Ranking::new(*count);
            self.rank_keys(data, now, i, (by, filter.as_ref()), segs, &mut |key, id| {
                ranking.offer(key, id);
            })?;
            segs.tops[i] = Some(ranking.ids());
        }
        segs.reset();
        Ok(())
    }

    /// Where target `id` stands in the `top N` segment `segment` at `now`: its rank
    /// (from 1) among the targets the ranking admits, their number, and the key of
    /// the last place that gets in (`None` when fewer than N are ranked). For
    /// explanations; a run keeps only the places that get in.
    pub fn rank_of(
        &self,
        data: &mut dyn DataSource,
        now: i64,
        segment: usize,
        id: &str,
        segs: &mut Segments<'_>,
    ) -> Result<Option<TopRank>, RunError> {
        let SegmentPlan::Top { count, by, filter } = &self.plan.segments[segment] else {
            return Ok(None);
        };
        let mut all: Vec<(Val, String)> = Vec::new();
        self.rank_keys(
            data,
            now,
            segment,
            (by, filter.as_ref()),
            segs,
            &mut |key, id| {
                all.push((key, id.to_owned()));
            },
        )?;
        all.sort_by(Ranking::better);
        let places = usize::try_from(*count).unwrap_or(usize::MAX);
        Ok(Some(TopRank {
            rank: all.iter().position(|(_, i)| i == id).map(|p| p + 1),
            ranked: all.len(),
            places,
            cutoff: all
                .get(places.saturating_sub(1))
                .filter(|_| all.len() >= places)
                .map(|(k, _)| k.clone()),
        }))
    }

    /// Offers the ranking key of every target of `top N` segment `segment` that
    /// existed at `now` and passes its `where` (`rank`: its key and filter).
    fn rank_keys(
        &self,
        data: &mut dyn DataSource,
        now: i64,
        segment: usize,
        (by, filter): (&Node, Option<&Node>),
        segs: &mut Segments<'_>,
        offer: &mut dyn FnMut(Val, &str),
    ) -> Result<(), RunError> {
        let kind = self.segment_targets[segment];
        let mut failure = None;
        let env0 = Env::at(now, self.program.settings.timezone);
        let fields = self.all_fields(kind);
        data.scan(table_of(kind), &fields, &mut |row| {
            if !self.existed(kind, row, now) {
                return true;
            }
            segs.reset();
            let env = target_env(env0, kind, row);
            match rank_one(by, filter, &env, segs) {
                Ok(Some(key)) => offer(key, &row.id),
                Ok(None) => {}
                Err(e) => {
                    let name = &self.program.segments[segment].name;
                    failure = Some(eval_error(name, kind, &row.id, e));
                    return false;
                }
            }
            true
        })?;
        failure.map_or(Ok(()), Err)
    }

    /// The grants a rule would make for one target, before any constraint: for
    /// explanations and the REPL.
    pub fn preview(
        &self,
        rule: usize,
        env: &Env<'_>,
        segs: &mut Segments<'_>,
        kind: TargetKind,
        id: &str,
        cause: &Cause,
    ) -> Result<Vec<Grant>, EvalError> {
        let cause_key = cause.key(self.program.settings.timezone);
        let mut cands = Candidates::new();
        let seed = self.program.settings.seed.as_str();
        candidate(
            self,
            rule,
            env,
            segs,
            seed,
            (kind, id),
            &cause_key,
            &mut cands,
        )?;
        if cands.entries.is_empty() {
            return Ok(Vec::new());
        }
        let target = Target {
            kind,
            id: id.to_owned(),
        };
        let held_at = handed_out_at(&self.program.settings, cause);
        cands
            .outcomes(0)
            .iter()
            .map(|o| {
                self.build_grant(rule, o, &target, cause, &cause_key, held_at)
                    .map_err(EvalError::Reward)
            })
            .collect()
    }

    /// Builds the grant of one resolved outcome; fails with the reason when the
    /// reward cannot be made from its amount.
    fn build_grant(
        &self,
        rule: usize,
        o: &Outcome,
        target: &Target,
        cause: &Cause,
        cause_key: &str,
        at: i64,
    ) -> Result<Grant, String> {
        let plan = &self.plan.rules[rule];
        let leaf = &plan.leaves[o.leaf as usize];
        let settings = &self.program.settings;
        let mut detail = Detail {
            arm: leaf.arm.clone(),
            ..Detail::default()
        };
        let value = match leaf.class {
            RewardClass::Coupon => coupon_detail(leaf, at, &mut detail),
            RewardClass::RedPacket => {
                let total = Fen(o.amount);
                if let Some(split) = &leaf.split {
                    detail.shares = self.shares(plan, leaf, split, total, target, cause_key)?;
                }
                total
            }
            RewardClass::Points => {
                detail.points = Some(o.amount);
                settings
                    .point_value
                    .checked_mul_int(o.amount)
                    .ok_or_else(|| {
                        format!(
                            "arithmetic overflow in `{} points * point_value {}`",
                            o.amount, settings.point_value
                        )
                    })?
            }
            RewardClass::Gift => {
                let (name, worth) = leaf.gift.clone().unwrap_or((leaf.label.clone(), Fen::ZERO));
                detail.gift = Some(name);
                worth
            }
        };
        Ok(Grant {
            rule: plan.name.clone(),
            target: target.clone(),
            cause: cause.clone(),
            position: o.position,
            reward: leaf.label.clone(),
            leaf: o.leaf,
            kind: leaf.class,
            value,
            at,
            detail,
        })
    }

    fn shares(
        &self,
        plan: &RulePlan,
        leaf: &Leaf,
        split: &crate::syntax::ast::Split,
        total: Fen,
        target: &Target,
        cause_key: &str,
    ) -> Result<Vec<Fen>, String> {
        let n = u32::try_from(split.shares).unwrap_or(u32::MAX);
        if !split.random {
            return Ok(split_equal(total, n));
        }
        let settings = &self.program.settings;
        let node = leaf.node.to_string();
        let mut draws = DrawStream::new(&[
            "split",
            &settings.seed,
            &plan.name,
            target.kind.keyword(),
            &target.id,
            cause_key,
            &node,
        ]);
        split_random(
            total,
            n,
            settings.red_packet_min,
            settings.red_packet_max,
            &mut draws,
        )
        .map_err(|e| e.to_string())
    }

    /// The refusal of a firing that could not be computed: one stand-in grant
    /// naming the rule's rewards as written, worth nothing, and the reason.
    fn failed(&self, rule: usize, target: Target, cause: &Cause, at: i64, why: String) -> Refusal {
        let plan = &self.plan.rules[rule];
        let reward = plan
            .give
            .iter()
            .map(|r| &*r.label)
            .collect::<Vec<_>>()
            .join(", ");
        let kind = plan
            .give
            .first()
            .and_then(|r| plan.leaves.get(r.leaf))
            .map_or(RewardClass::Gift, |l| l.class);
        Refusal {
            grants: vec![Grant {
                rule: plan.name.clone(),
                target,
                cause: cause.clone(),
                position: 0,
                reward: Arc::from(reward),
                leaf: 0,
                kind,
                value: Fen::ZERO,
                at,
                detail: Detail::default(),
            }],
            value: None,
            reason: Reason::Error,
            message: why,
        }
    }
}

fn rank_one(
    by: &Node,
    filter: Option<&Node>,
    env: &Env<'_>,
    segs: &mut Segments<'_>,
) -> Result<Option<Val>, EvalError> {
    if let Some(f) = filter
        && !holds(f, env, segs)?
    {
        return Ok(None);
    }
    let key = eval(by, env, segs)?;
    Ok((key != V::Null).then(|| key.to_val()))
}

/// A target's place in a `top N` ranking (see [`Compiled::rank_of`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TopRank {
    /// Its rank from 1, `None` when the ranking leaves it out (its key is missing, or
    /// the segment's `where` is false).
    pub rank: Option<usize>,
    /// How many targets are ranked.
    pub ranked: usize,
    /// How many places get in (N).
    pub places: usize,
    /// The key of place N, when there are that many.
    pub cutoff: Option<Val>,
}

/// The best `count` (key descending, id ascending) seen so far.
struct Ranking {
    count: usize,
    entries: Vec<(Val, String)>,
}

impl Ranking {
    fn new(count: u64) -> Ranking {
        Ranking {
            count: usize::try_from(count).unwrap_or(usize::MAX),
            entries: Vec::new(),
        }
    }

    fn better(a: &(Val, String), b: &(Val, String)) -> std::cmp::Ordering {
        compare(b.0.view(), a.0.view())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.1.cmp(&b.1))
    }

    fn offer(&mut self, key: Val, id: &str) {
        self.entries.push((key, id.to_owned()));
        // Trim in batches: sorting 2N entries now and then keeps the cost near
        // linear without a heap keyed by a custom order.
        if self.entries.len() >= self.count.saturating_mul(2).max(1024) {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.entries.sort_by(Ranking::better);
        self.entries.truncate(self.count);
    }

    fn ids(mut self) -> HashSet<String> {
        self.trim();
        self.entries.into_iter().map(|(_, id)| id).collect()
    }
}

/// When a firing's grants are handed out: an event's in quiet hours wait for their
/// end; a tick's at the tick.
pub fn handed_out_at(settings: &crate::check::Settings, cause: &Cause) -> i64 {
    match cause {
        Cause::Event { at, .. } => hold_until(settings, *at),
        Cause::Tick { at } => *at,
    }
}

/// The id of the member who caused an event.
fn event_member(event: &EventRecord) -> Option<&str> {
    match event.row.vals.get(1) {
        Some(Val::Text(id)) => Some(id),
        _ => None,
    }
}

fn missing_member(event: &EventRecord, id: &str) -> BadValue {
    BadValue {
        table: "events".into(),
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

fn target_env<'a>(base: Env<'a>, kind: TargetKind, row: &'a Row) -> Env<'a> {
    match kind {
        TargetKind::Member => Env {
            member: Some(row),
            ..base
        },
        TargetKind::Group => Env {
            group: Some(row),
            ..base
        },
    }
}

fn eval_error(rule: &str, kind: TargetKind, id: &str, e: EvalError) -> RunError {
    RunError::Eval {
        rule: rule.to_owned(),
        target: format!("{} {id}", kind.keyword()),
        error: e.to_string(),
    }
}

/// A resolved leaf reward of a candidate firing.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    position: u32,
    leaf: u32,
    /// Red packet total in fen, or points.
    amount: i64,
}

/// Candidate firings of one rule at one cause, stored compactly: a million
/// members must fit in a few tens of megabytes.
#[derive(Debug, Default)]
struct Candidates {
    ids: String,
    entries: Vec<(u32, u32, u32, u32)>,
    outcomes: Vec<Outcome>,
    keys: Vec<Val>,
    sorted: bool,
    /// Targets whose firing could not be computed, with the reason.
    failed: Vec<(String, String)>,
}

impl Candidates {
    fn new() -> Candidates {
        Candidates {
            sorted: true,
            ..Candidates::default()
        }
    }

    fn id(&self, entry: usize) -> &str {
        let (start, len, _, _) = self.entries[entry];
        &self.ids[start as usize..(start + len) as usize]
    }

    fn outcomes(&self, entry: usize) -> &[Outcome] {
        let (_, _, start, len) = self.entries[entry];
        &self.outcomes[start as usize..(start + len) as usize]
    }

    fn push(&mut self, id: &str, outcomes_from: usize, key: Option<Val>) {
        if let Some(last) = self.entries.len().checked_sub(1)
            && self.sorted
            && self.id(last) >= id
        {
            self.sorted = false;
        }
        let start = self.ids.len() as u32;
        self.ids.push_str(id);
        self.entries.push((
            start,
            id.len() as u32,
            outcomes_from as u32,
            (self.outcomes.len() - outcomes_from) as u32,
        ));
        self.keys.extend(key);
    }

    /// Adds the candidates of the next part of the table.
    fn append(&mut self, next: Candidates) {
        if let (Some(last), Some(first)) = (self.entries.len().checked_sub(1), next.entries.first())
        {
            let first_id = &next.ids[first.0 as usize..(first.0 + first.1) as usize];
            if self.id(last) >= first_id {
                self.sorted = false;
            }
        }
        self.sorted &= next.sorted;
        let (ids, outcomes) = (self.ids.len() as u32, self.outcomes.len() as u32);
        self.ids.push_str(&next.ids);
        self.outcomes.extend(next.outcomes);
        self.keys.extend(next.keys);
        self.failed.extend(next.failed);
        self.entries.extend(
            next.entries
                .into_iter()
                .map(|(i, il, o, ol)| (i + ids, il, o + outcomes, ol)),
        );
    }

    /// Records a target whose firing could not be computed.
    fn fail(&mut self, id: &str, why: &EvalError) {
        self.failed.push((id.to_owned(), why.to_string()));
    }

    /// The targets whose firing could not be computed, by id: they are refused
    /// before the rule's other firings are served (they spend nothing).
    fn failures(&self) -> Vec<(&str, &String)> {
        let mut failed: Vec<(&str, &String)> = self
            .failed
            .iter()
            .map(|(id, why)| (id.as_str(), why))
            .collect();
        failed.sort_by(|a, b| a.0.cmp(b.0));
        failed
    }

    /// Entry indices in serving order: by key (ties by id ascending), else by id.
    fn order(&self, descending: Option<bool>) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        match descending {
            Some(desc) => order.sort_by(|&a, &b| {
                let by_key = compare(self.keys[a].view(), self.keys[b].view())
                    .unwrap_or(std::cmp::Ordering::Equal);
                let by_key = if desc { by_key.reverse() } else { by_key };
                by_key.then_with(|| self.id(a).cmp(self.id(b)))
            }),
            None if !self.sorted => order.sort_by(|&a, &b| self.id(a).cmp(self.id(b))),
            None => {}
        }
        order
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
    book: &'e mut Book,
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
    /// The members of the window's events, read once (`None`: missing or bad).
    event_members: HashMap<String, Option<Row>>,
    missing_members: HashSet<String>,
}

impl<'e> Run<'e> {
    fn new(
        engine: &'e Compiled,
        data: &'e mut dyn DataSource,
        book: &'e mut Book,
        opts: &RunOptions,
        sink: &'e mut dyn Sink,
    ) -> Run<'e> {
        let program = &engine.program;
        Run {
            engine,
            data,
            book,
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
            missing_members: HashSet::new(),
        }
    }

    fn program(&self) -> &'e Program {
        &self.engine.program
    }

    fn all(&mut self) -> Result<(), RunError> {
        let (after, until) = self.report.window;
        if let Some(over) = self.engine.timeline.too_many_ticks(after, until) {
            let tz = self.tz;
            return Err(RunError::TooManyTicks {
                rule: self.program().rules[over.rule].name.clone(),
                schedule: over.schedule,
                since: format_instant(tz, after),
                at: format_instant(tz, until),
                days: over.days,
            });
        }
        let needs_events = self.engine.event_rules.iter().any(|r| !r.is_empty());
        let batch = if needs_events {
            self.data.events(after, until)?
        } else {
            Default::default()
        };
        self.report.events = batch.events.len() as u64;
        self.report.ignored_events = batch.ignored;
        self.read_event_members(&batch.events)?;
        self.checkpoint()?;
        let ticks = self.engine.timeline.schedule_causes(after, until);
        let mut events = batch.events.into_iter().peekable();
        for (instant, rules) in ticks {
            self.report.ticks += 1;
            while let Some(event) = events.next_if(|e| e.at <= instant) {
                self.event(&event)?;
            }
            self.tick(instant, &rules)?;
        }
        for event in events {
            self.event(&event)?;
        }
        self.checkpoint()?;
        self.flush()
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

    fn prepare_tops(&mut self, now: i64) -> Result<(), RunError> {
        if !self.engine.plan.has_top {
            return Ok(());
        }
        let key = if self.engine.tops_depend_on_now {
            now
        } else {
            i64::MIN
        };
        if self.tops_at == Some(key) {
            return Ok(());
        }
        self.engine.rank_tops(self.data, now, &mut self.segs)?;
        self.tops_at = Some(key);
        self.checkpoint()
    }

    fn event(&mut self, event: &EventRecord) -> Result<(), RunError> {
        let rules: Vec<usize> = self.engine.event_rules[event.kind]
            .iter()
            .copied()
            .filter(|&r| allowed_at(self.program(), &self.program().rules[r], event.at))
            .collect();
        if rules.is_empty() {
            return Ok(());
        }
        let Some(member) = event_member(event).and_then(|id| self.event_members.get(id)) else {
            return Ok(());
        };
        let Some(member) = member.clone() else {
            return Ok(()); // missing or bad: recorded when the members were read
        };
        self.prepare_tops(event.at)?;
        let cause = Cause::Event {
            id: Arc::from(event.row.id.as_str()),
            at: event.at,
        };
        let cause_key = cause.key(self.tz);
        let base = Env {
            event: Some(&event.row),
            ..Env::at(event.at, self.tz)
        };
        for r in rules {
            let mut cands = Candidates::new();
            self.segs.reset();
            let env = target_env(base, TargetKind::Member, &member);
            let plan = &self.engine.plan.rules[r];
            let passes = match &plan.filter {
                Some(f) => holds(f, &env, &mut self.segs),
                None => Ok(true),
            };
            let result = passes.and_then(|p| {
                if p {
                    candidate(
                        self.engine,
                        r,
                        &env,
                        &mut self.segs,
                        &self.seed,
                        (TargetKind::Member, &member.id),
                        &cause_key,
                        &mut cands,
                    )
                } else {
                    Ok(())
                }
            });
            if let Err(e) = result {
                cands.fail(&member.id, &e);
            }
            self.serve(r, TargetKind::Member, &cands, &cause, &cause_key)?;
        }
        Ok(())
    }

    /// Reads the member of every event a rule listens to, once each, before anything
    /// is decided: a missing or bad member is then known (and reported with every
    /// other problem) before the first grant.
    fn read_event_members(&mut self, events: &[EventRecord]) -> Result<(), RunError> {
        let fields = self.engine.fields(TargetKind::Member);
        for event in events {
            if self.engine.event_rules[event.kind].is_empty() {
                continue;
            }
            let Some(id) = event_member(event) else {
                continue;
            };
            if self.event_members.contains_key(id) {
                if self.event_members[id].is_none() && self.missing_members.contains(id) {
                    self.problems.push(missing_member(event, id));
                }
                continue;
            }
            let earlier = self.data.take_problems();
            self.problems.extend(earlier);
            let row = self.data.lookup(Table::Members, id, &fields)?;
            if row.is_none() && self.data_problem_free() {
                self.missing_members.insert(id.to_owned());
                self.problems.push(missing_member(event, id));
            }
            self.event_members.insert(id.to_owned(), row);
        }
        Ok(())
    }

    /// Whether the lookup that just failed did so for a missing row rather than a
    /// bad one (a bad row is already recorded by the source).
    fn data_problem_free(&mut self) -> bool {
        let found = self.data.take_problems();
        let free = found.is_empty();
        self.problems.extend(found);
        free
    }

    fn tick(&mut self, instant: i64, rules: &[usize]) -> Result<(), RunError> {
        self.prepare_tops(instant)?;
        let cause = Cause::Tick { at: instant };
        let cause_key = cause.key(self.tz);
        let program = self.program();
        let (member_rules, group_rules): (Vec<usize>, Vec<usize>) = rules
            .iter()
            .partition(|&&r| program.rules[r].target == TargetKind::Member);
        let mut candidates: HashMap<usize, Candidates> = HashMap::new();
        for (kind, group) in [
            (TargetKind::Member, member_rules),
            (TargetKind::Group, group_rules),
        ] {
            if group.is_empty() {
                continue;
            }
            let found = self.scan_candidates(kind, &group, instant, &cause_key)?;
            candidates.extend(group.into_iter().zip(found));
        }
        for &r in rules {
            if let Some(cands) = candidates.remove(&r) {
                let kind = program.rules[r].target;
                self.serve(r, kind, &cands, &cause, &cause_key)?;
            }
        }
        Ok(())
    }

    /// Phase one of a tick: one scan, every rule's candidates.
    fn scan_candidates(
        &mut self,
        kind: TargetKind,
        rules: &[usize],
        instant: i64,
        cause_key: &str,
    ) -> Result<Vec<Candidates>, RunError> {
        let threads = self.opts.threads.max(1);
        let parts = if threads > 1 {
            self.data.partitions(table_of(kind), threads)?
        } else {
            None
        };
        let filter = if self.opts.pushdown {
            scan_filter(self.engine, kind, rules, instant)
        } else {
            RowFilter::True
        };
        let scan = PhaseOne {
            engine: self.engine,
            kind,
            rules,
            instant,
            cause_key,
            filter,
        };
        let found = match parts {
            Some(parts) => self.scan_parallel(&scan, parts)?,
            None => {
                let sink = &mut *self.sink;
                scan.run(&mut *self.data, &mut self.segs, &mut |rows| {
                    sink.progress(rows)
                })?
            }
        };
        if kind == TargetKind::Member {
            self.members_scanned = true;
        }
        self.checkpoint()?;
        if kind == TargetKind::Member {
            self.flush()?;
        }
        Ok(found)
    }

    /// Phase one over independent parts of the table, one thread each; the parts'
    /// candidates are joined in table order, so the result is the same as one scan.
    fn scan_parallel(
        &mut self,
        scan: &PhaseOne<'_>,
        parts: Vec<Box<dyn DataSource + Send>>,
    ) -> Result<Vec<Candidates>, RunError> {
        let tops = self.segs.tops.clone();
        let sink = &mut *self.sink;
        let results: Vec<Result<PartResult, RunError>> = std::thread::scope(|threads| {
            // Each part reports the rows it has read; this thread adds them up for the
            // sink (which stays on this thread), so progress shows for any count.
            let (tell, heard) = std::sync::mpsc::channel::<(usize, u64)>();
            let parts_count = parts.len();
            let handles: Vec<_> = parts
                .into_iter()
                .enumerate()
                .map(|(k, mut part)| {
                    let tops = tops.clone();
                    let tell = tell.clone();
                    threads.spawn(move || {
                        let mut segs = scan.engine.segments();
                        segs.tops = tops;
                        let found = scan.run(part.as_mut(), &mut segs, &mut |rows| {
                            let _ = tell.send((k, rows));
                        })?;
                        Ok((found, part.take_problems()))
                    })
                })
                .collect();
            // Every sender is a thread's: the loop ends when the last one finishes.
            drop(tell);
            let mut rows = vec![0u64; parts_count];
            while let Ok((k, read)) = heard.recv() {
                rows[k] = read;
                sink.progress(rows.iter().sum());
            }
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(RunError::Sink("a scan thread panicked".into())))
                })
                .collect()
        });
        let mut joined: Option<Vec<Candidates>> = None;
        for result in results {
            let (found, problems) = result?;
            self.problems.extend(problems);
            joined = Some(match joined {
                None => found,
                Some(mut all) => {
                    for (a, b) in all.iter_mut().zip(found) {
                        a.append(b);
                    }
                    all
                }
            });
        }
        Ok(joined.unwrap_or_else(|| scan.rules.iter().map(|_| Candidates::new()).collect()))
    }

    // ------------------------------------------------------------- firings

    /// Phase two: serve one rule's candidates in order.
    fn serve(
        &mut self,
        rule: usize,
        kind: TargetKind,
        cands: &Candidates,
        cause: &Cause,
        cause_key: &str,
    ) -> Result<(), RunError> {
        let plan = &self.engine.plan.rules[rule];
        let descending = plan.order_by.as_ref().map(|(_, desc)| *desc);
        for (id, why) in cands.failures() {
            self.fail(rule, kind, id, cause, cause_key, why.clone())?;
        }
        for entry in cands.order(descending) {
            self.fire(
                rule,
                kind,
                cands.id(entry),
                cands.outcomes(entry),
                cause,
                cause_key,
            )?;
        }
        Ok(())
    }

    fn fire(
        &mut self,
        rule: usize,
        kind: TargetKind,
        id: &str,
        outcomes: &[Outcome],
        cause: &Cause,
        cause_key: &str,
    ) -> Result<(), RunError> {
        if self.book.is_held(rule, kind, id, cause_key) {
            self.report.already_held += 1;
            let held = Held {
                rule: self.program().rules[rule].name.clone(),
                target: Target {
                    kind,
                    id: id.to_owned(),
                },
                cause: cause.clone(),
            };
            return self.emit(Emission::Held(held));
        }
        let at = handed_out_at(&self.program().settings, cause);
        let target = Target {
            kind,
            id: id.to_owned(),
        };
        let grants = outcomes
            .iter()
            .map(|o| {
                self.engine
                    .build_grant(rule, o, &target, cause, cause_key, at)
            })
            .collect::<Result<Vec<Grant>, String>>();
        let grants = match grants {
            Ok(grants) => grants,
            Err(why) => {
                let refusal = self.engine.failed(rule, target, cause, at, why);
                return self.refuse(refusal);
            }
        };
        let Some(cost) = FenSum::of(grants.iter().map(|g| g.value)).to_fen() else {
            let message = format!(
                "arithmetic overflow: the rewards together cost more than {}",
                Fen(i64::MAX)
            );
            return self.refuse(Refusal {
                grants,
                value: None,
                reason: Reason::Error,
                message,
            });
        };
        if let Some((reason, message)) = self.book.check(rule, kind, id, at, cost) {
            return self.refuse(Refusal {
                grants,
                value: Some(cost),
                reason,
                message,
            });
        }
        let Some(tallies) = self.tallies_after(rule, &grants) else {
            let message = format!(
                "arithmetic overflow: this run's grants would be worth more than {} together",
                Fen(i64::MAX)
            );
            return self.refuse(Refusal {
                grants,
                value: Some(cost),
                reason: Reason::Error,
                message,
            });
        };
        self.book.record(rule, kind, id, at, cost);
        let (granted, by_rule, by_reward) = tallies;
        self.report.granted = granted;
        self.rule_tallies[rule] = by_rule;
        self.reward_tallies.extend(by_reward);
        for g in grants {
            self.emit(Emission::Grant(Box::new(g)))?;
        }
        Ok(())
    }

    /// The run's tallies (in all, of the rule, of each reward) with `grants` added,
    /// or `None` when one of them would no longer fit in money.
    #[allow(clippy::type_complexity)] // three tallies, used once
    fn tallies_after(
        &self,
        rule: usize,
        grants: &[Grant],
    ) -> Option<(Tally, Tally, Vec<(Arc<str>, Tally)>)> {
        let mut granted = self.report.granted;
        let mut by_rule = self.rule_tallies[rule];
        let mut by_reward: Vec<(Arc<str>, Tally)> = Vec::with_capacity(grants.len());
        for g in grants {
            granted = granted.plus(g.value)?;
            by_rule = by_rule.plus(g.value)?;
            let earlier = match by_reward.iter().rposition(|(r, _)| *r == g.reward) {
                Some(i) => by_reward[i].1,
                None => self
                    .reward_tallies
                    .get(&g.reward)
                    .copied()
                    .unwrap_or_default(),
            };
            by_reward.push((g.reward.clone(), earlier.plus(g.value)?));
        }
        Some((granted, by_rule, by_reward))
    }

    fn refuse(&mut self, refusal: Refusal) -> Result<(), RunError> {
        *self.report.refusals.entry(refusal.reason).or_default() += 1;
        self.emit(Emission::Refusal(refusal))
    }

    /// Refuses, with the reason, a firing whose condition or rewards could not be
    /// computed for one target.
    fn fail(
        &mut self,
        rule: usize,
        kind: TargetKind,
        id: &str,
        cause: &Cause,
        cause_key: &str,
        why: String,
    ) -> Result<(), RunError> {
        if self.book.is_held(rule, kind, id, cause_key) {
            self.report.already_held += 1;
            let held = Held {
                rule: self.program().rules[rule].name.clone(),
                target: Target {
                    kind,
                    id: id.to_owned(),
                },
                cause: cause.clone(),
            };
            return self.emit(Emission::Held(held));
        }
        let at = handed_out_at(&self.program().settings, cause);
        let target = Target {
            kind,
            id: id.to_owned(),
        };
        let refusal = self.engine.failed(rule, target, cause, at, why);
        self.refuse(refusal)
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
            .map(|limit| ("total", limit, self.book.spent_total()));
        let periods = settings.budget_per.iter().map(|(period, limit)| {
            (
                period.keyword(),
                *limit,
                self.book.spent_of(*period, self.opts.at),
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

fn coupon_detail(leaf: &Leaf, at: i64, detail: &mut Detail) -> Fen {
    let Some(spec) = &leaf.coupon else {
        return Fen::ZERO;
    };
    match spec.off {
        CouponOff::Amount(f) => detail.off = Some(f),
        CouponOff::Percent(r) => detail.percent_off = Some(r),
    }
    detail.threshold = spec.threshold;
    detail.max = spec.max;
    detail.scope = leaf.scope.clone();
    detail.valid_until = spec.valid_seconds.and_then(|s| at.checked_add(s));
    detail.stackable = spec.stackable;
    spec.face_value()
}

/// Phase one for one target: the condition, then the rewards it resolves to. A
/// firing that resolves to no reward (a tier without a matching arm, a lottery
/// miss) is no firing.
#[allow(clippy::too_many_arguments)] // the inputs of a draw, kept apart for the hot loop
fn candidate(
    engine: &Compiled,
    rule: usize,
    env: &Env<'_>,
    segs: &mut Segments<'_>,
    seed: &str,
    (kind, id): (TargetKind, &str),
    cause_key: &str,
    out: &mut Candidates,
) -> Result<(), EvalError> {
    let from = out.outcomes.len();
    let found = resolve_firing(engine, rule, env, segs, seed, (kind, id), cause_key, out);
    match found {
        Ok(Some(key)) => out.push(id, from, key),
        Ok(None) => {}
        Err(e) => {
            out.outcomes.truncate(from);
            return Err(e);
        }
    }
    Ok(())
}

/// The condition and rewards of [`candidate`]: `Some(order key)` when the firing
/// resolves to at least one reward (left in `out.outcomes`).
#[allow(clippy::too_many_arguments)] // as `candidate`
fn resolve_firing(
    engine: &Compiled,
    rule: usize,
    env: &Env<'_>,
    segs: &mut Segments<'_>,
    seed: &str,
    (kind, id): (TargetKind, &str),
    cause_key: &str,
    out: &mut Candidates,
) -> Result<Option<Option<Val>>, EvalError> {
    let plan = &engine.plan.rules[rule];
    if let Some(when) = &plan.when
        && !holds(when, env, segs)?
    {
        return Ok(None);
    }
    let from = out.outcomes.len();
    let draw = Draw {
        seed,
        rule: &plan.name,
        kind,
        id,
        cause: cause_key,
    };
    for (position, reward) in plan.give.iter().enumerate() {
        resolve(reward, position as u32, env, segs, &draw, &mut out.outcomes)?;
    }
    if out.outcomes.len() == from {
        return Ok(None);
    }
    let key = match &plan.order_by {
        Some((key, _)) => Some(eval(key, env, segs)?.to_val()),
        None => None,
    };
    Ok(Some(key))
}

/// What one part of a parallel scan found: candidates per rule, and bad values.
type PartResult = (Vec<Candidates>, Vec<BadValue>);

/// Phase one of a tick: which targets of a table each ticking rule would serve,
/// with the rewards they resolve to.
struct PhaseOne<'a> {
    engine: &'a Compiled,
    kind: TargetKind,
    rules: &'a [usize],
    instant: i64,
    cause_key: &'a str,
    /// Rows no rule can fire for (see [`scan_filter`]).
    filter: RowFilter,
}

impl PhaseOne<'_> {
    fn run(
        &self,
        data: &mut dyn DataSource,
        segs: &mut Segments<'_>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Vec<Candidates>, RunError> {
        let engine = self.engine;
        let program = &engine.program;
        let (kind, rules) = (self.kind, self.rules);
        let seed = program.settings.seed.as_str();
        let mut found: Vec<Candidates> = rules.iter().map(|_| Candidates::new()).collect();
        let base = Env::at(self.instant, program.settings.timezone);
        let fields = engine.fields(kind);
        let mut rows = 0u64;
        data.scan_where(table_of(kind), &fields, &self.filter, &mut |row| {
            rows += 1;
            if rows.is_multiple_of(PROGRESS_EVERY) {
                progress(rows);
            }
            if !engine.existed(kind, row, self.instant) {
                return true;
            }
            segs.reset();
            let env = target_env(base, kind, row);
            for (k, &r) in rules.iter().enumerate() {
                let in_segment = match program.rules[r].target_segment {
                    Some(s) => segs.contains(s, &env),
                    None => Ok(true),
                };
                let result = in_segment.and_then(|inside| {
                    if !inside {
                        return Ok(());
                    }
                    let target = (kind, row.id.as_str());
                    candidate(
                        engine,
                        r,
                        &env,
                        segs,
                        seed,
                        target,
                        self.cause_key,
                        &mut found[k],
                    )
                });
                if let Err(e) = result {
                    found[k].fail(&row.id, &e);
                }
            }
            true
        })?;
        Ok(found)
    }
}

/// The inputs of a firing's random draws.
struct Draw<'a> {
    seed: &'a str,
    rule: &'a str,
    kind: TargetKind,
    id: &'a str,
    cause: &'a str,
}

fn resolve(
    reward: &RewardPlan,
    position: u32,
    env: &Env<'_>,
    segs: &mut Segments<'_>,
    draw: &Draw<'_>,
    out: &mut Vec<Outcome>,
) -> Result<(), EvalError> {
    let leaf = |amount| Outcome {
        position,
        leaf: reward.leaf as u32,
        amount,
    };
    match &reward.kind {
        RewardPlanKind::Coupon(_) | RewardPlanKind::Gift { .. } => out.push(leaf(0)),
        RewardPlanKind::RedPacket { amount, .. } => match eval(amount, env, segs)? {
            V::Money(m) => out.push(leaf(m.0)),
            _ => return Err(EvalError::Internal("red packet amount is not money")),
        },
        RewardPlanKind::Points(n) => match eval(n, env, segs)? {
            // A reward never takes value back: below one point it would offset a
            // budget (the checker rejects amounts whose bounds allow it).
            V::Int(p) if p < 1 => {
                return Err(EvalError::Reward(format!(
                    "the points come out as {p}: a reward gives at least 1 point"
                )));
            }
            V::Int(p) => out.push(leaf(p)),
            _ => return Err(EvalError::Internal("points are not an int")),
        },
        RewardPlanKind::Lottery { arms, rest } => {
            let node = reward.node.to_string();
            let point = basis_point(&[
                "lottery",
                draw.seed,
                draw.rule,
                draw.kind.keyword(),
                draw.id,
                draw.cause,
                &node,
            ]);
            if let Some(r) = pick(arms.iter().map(|(p, r)| (p.0, r)), point).or(rest.as_deref()) {
                resolve(r, position, env, segs, draw, out)?;
            }
        }
        RewardPlanKind::Tier { arms, otherwise } => {
            let mut chosen = otherwise.as_deref();
            for (cond, r) in arms {
                if holds(cond, env, segs)? {
                    chosen = Some(r);
                    break;
                }
            }
            if let Some(r) = chosen {
                resolve(r, position, env, segs, draw, out)?;
            }
        }
        RewardPlanKind::TierBy {
            subject,
            arms,
            otherwise,
        } => {
            let value = eval(subject, env, segs)?;
            let chosen = arms
                .iter()
                .find(|(op, threshold, _)| {
                    crate::value::arith::compare_holds(*op, value, threshold.view())
                })
                .map(|(_, _, r)| r)
                .or(otherwise.as_deref());
            if let Some(r) = chosen {
                resolve(r, position, env, segs, draw, out)?;
            }
        }
        RewardPlanKind::Experiment { name, arms } => {
            let point = basis_point(&["experiment", draw.seed, name, draw.kind.keyword(), draw.id]);
            if let Some(r) = pick(arms.iter().map(|(_, p, r)| (p.0, r)), point) {
                resolve(r, position, env, segs, draw, out)?;
            }
        }
    }
    Ok(())
}

/// The arm whose cumulative share covers `point` (in basis points).
fn pick<'a>(
    arms: impl Iterator<Item = (i64, &'a RewardPlan)>,
    point: i64,
) -> Option<&'a RewardPlan> {
    let mut upper = 0;
    for (share, r) in arms {
        upper += share;
        if point < upper.min(FULL_RATE) {
            return Some(r);
        }
    }
    None
}
