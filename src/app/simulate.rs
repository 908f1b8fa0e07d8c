//! A forecast of a campaign: every tick and event of a period replayed through the
//! same run as `playbook run`, with the ledger's history (when given) read but never
//! written, summed per local day and per rule, with the moment each budget ran out.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;

use crate::app::run::{RunFailure, RunRequest, Spend, identity, run};
use crate::compile::Compiled;
use crate::data::TableNames;
use crate::interpret::engine::{Sink, SinkError};
use crate::interpret::grant::{Grant, Reason, Refusal};
use crate::ledger::Ledger;
use crate::money::{Fen, FenSum};
use crate::syntax::ast::Period;
use crate::time::{day_start, instant_local, local_date};

/// What to forecast.
#[derive(Debug, Clone)]
pub struct SimulateRequest<'a> {
    /// The compiled playbook.
    pub compiled: &'a Compiled,
    /// The data file.
    pub data: &'a Path,
    /// Table names in the data file.
    pub tables: TableNames,
    /// First day, local to the playbook.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// A ledger whose history counts (read only, never written).
    pub ledger: Option<&'a Path>,
    /// Leave out rows with bad values, reporting each.
    pub skip_bad_rows: bool,
    /// Threads reading the data.
    pub threads: usize,
    /// Which of the ledger's grants count against budgets and caps.
    pub spend: Spend,
}

/// One local day of the forecast.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Day {
    /// Grants made.
    pub grants: u64,
    /// What they are worth.
    pub spend: FenSum,
    /// Refused firings by reason.
    pub refusals: BTreeMap<Reason, u64>,
    /// Grants and spend of each rule that granted something.
    pub by_rule: BTreeMap<String, (u64, FenSum)>,
}

/// One rule over the whole period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleTotal {
    /// Grants made.
    pub grants: u64,
    /// What they are worth.
    pub spend: FenSum,
    /// Distinct members or groups served.
    pub targets: u64,
    /// Firings refused.
    pub refused: u64,
}

/// When a budget or cap first refused a firing, and what it refused after that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exhausted {
    /// `budget` or `cap`.
    pub reason: Reason,
    /// The first refusal's instant.
    pub at: i64,
    /// Its local day.
    pub date: NaiveDate,
    /// Its message: which budget or cap, what was used, what the firing needed.
    pub message: String,
    /// Rules refused for this reason from then on: firings and their value (as far
    /// as known).
    pub refused: BTreeMap<String, (u64, FenSum)>,
}

/// The forecast of a period.
#[derive(Debug, Clone)]
pub struct Forecast {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// The playbook's timezone: the days and instants here are local to it.
    pub timezone: Tz,
    /// Every day of the period, in order (days without decisions included).
    pub days: Vec<(NaiveDate, Day)>,
    /// Every rule of the playbook, in declaration order.
    pub rules: Vec<(String, RuleTotal)>,
    /// The total budget, if any.
    pub budget_total: Option<Fen>,
    /// The daily budget, if any.
    pub budget_per_day: Option<Fen>,
    /// The first refusal by a budget, if one ran out.
    pub budget_exhausted: Option<Exhausted>,
    /// The first refusal by a cap, if one was reached.
    pub cap_reached: Option<Exhausted>,
    /// Grants the ledger held before the period.
    pub ledger_grants_before: u64,
    /// Which of the ledger's grants counted against budgets and caps.
    pub spend: Spend,
    /// What the ledger's grants (those it held before the forecast) counted against
    /// the total budget (`None` without a total budget).
    pub spent_before: Option<FenSum>,
    /// What the ledger's grants spent on days of the period (a period partly run
    /// already): the daily budget counts them with the forecast's.
    pub ledger_days: BTreeMap<NaiveDate, FenSum>,
}

impl Forecast {
    /// Grants and spend over the whole period.
    pub fn total(&self) -> (u64, FenSum) {
        self.days.iter().fold((0, FenSum::ZERO), |(n, v), (_, d)| {
            (n + d.grants, v.plus_sum(d.spend))
        })
    }
}

/// Replays the period `from 00:00 .. to 24:00` (local) and sums it up.
pub fn simulate(request: &SimulateRequest<'_>) -> Result<Forecast, RunFailure> {
    let program = &*request.compiled.program;
    let tz = program.settings.timezone;
    let (since, at) = period_window(tz, request.from, request.to);
    let run_request = RunRequest {
        since: Some(since),
        ledger: request.ledger,
        dry_run: request.ledger.is_some(),
        skip_bad_rows: request.skip_bad_rows,
        threads: request.threads,
        tables: request.tables.clone(),
        spend: request.spend,
        ..RunRequest::new(request.compiled, request.data, at)
    };
    let mut tally = Tally::new(tz);
    let outcome = run(&run_request, &mut tally)?;
    let ledger_days = match request.ledger {
        Some(path) => ledger_spend_by_day(path, program, request.spend, request.from, request.to)?,
        None => BTreeMap::new(),
    };
    let mut days = Vec::new();
    let mut day = request.from;
    while day <= request.to {
        days.push((day, tally.days.remove(&day).unwrap_or_default()));
        match day.checked_add_days(Days::new(1)) {
            Some(next) => day = next,
            None => break,
        }
    }
    let rules = program
        .rules
        .iter()
        .map(|r| {
            let mut total = tally.rules.remove(&r.name).unwrap_or_default();
            total.targets = tally
                .targets
                .get(&r.name)
                .map_or(0, |[members, groups]| (members.len() + groups.len()) as u64);
            (r.name.clone(), total)
        })
        .collect();
    let settings = &program.settings;
    let in_period = tally
        .days
        .values()
        .chain(days.iter().map(|(_, d)| d))
        .fold(FenSum::ZERO, |sum, d| sum.plus_sum(d.spend));
    let spent_before = outcome
        .report
        .budget
        .iter()
        .find(|b| b.window == "total")
        .map(|b| FenSum::from(b.used).minus_sum(in_period).max(FenSum::ZERO));
    Ok(Forecast {
        from: request.from,
        to: request.to,
        timezone: tz,
        days,
        rules,
        budget_total: settings.budget_total,
        budget_per_day: settings
            .budget_per
            .iter()
            .find(|(p, _)| *p == Period::Day)
            .map(|(_, f)| *f),
        budget_exhausted: tally.budget,
        cap_reached: tally.cap,
        ledger_grants_before: outcome.ledger_grants_before,
        spend: request.spend,
        spent_before,
        ledger_days,
    })
}

/// What the ledger's grants (as `spend` counts them) spent on each local day of
/// `from ..= to`: days a forecast does not grant again, but whose budget they use.
fn ledger_spend_by_day(
    path: &Path,
    program: &crate::check::Program,
    spend: Spend,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NaiveDate, FenSum>, RunFailure> {
    let ledger = Ledger::open_read_only(path)?;
    let confirmed = match spend {
        Spend::Granted => None,
        Spend::Confirmed => Some(ledger.confirmed_ids()?),
    };
    let tz = program.settings.timezone;
    let mut days: BTreeMap<NaiveDate, FenSum> = BTreeMap::new();
    for name in identity::playbook_names(program) {
        ledger.for_each_grant(&name, |e| {
            let day = local_date(tz, e.at);
            let counted = confirmed
                .as_ref()
                .is_none_or(|ids| ids.contains(&e.payout_id(&name)));
            if counted && from <= day && day <= to {
                let slot = days.entry(day).or_default();
                *slot = slot.plus(e.value);
            }
        })?;
    }
    Ok(days)
}

/// The run window `(since, at]` of the days `from` ..= `to` local to `tz`: one
/// second before midnight keeps a tick at 00:00 of the first day in, and one at
/// 00:00 after the last day out.
pub fn period_window(tz: Tz, from: NaiveDate, to: NaiveDate) -> (i64, i64) {
    let end = to
        .checked_add_days(Days::new(1))
        .map_or(i64::MAX, |d| day_start(tz, d));
    (day_start(tz, from) - 1, end - 1)
}

/// The sink summing decisions by day and rule.
struct Tally {
    tz: Tz,
    days: BTreeMap<NaiveDate, Day>,
    rules: BTreeMap<String, RuleTotal>,
    /// Per rule, the ids of the members and of the groups granted something.
    targets: BTreeMap<String, [HashSet<String>; 2]>,
    budget: Option<Exhausted>,
    cap: Option<Exhausted>,
}

impl Tally {
    fn new(tz: Tz) -> Tally {
        Tally {
            tz,
            days: BTreeMap::new(),
            rules: BTreeMap::new(),
            targets: BTreeMap::new(),
            budget: None,
            cap: None,
        }
    }
}

impl Sink for Tally {
    fn grant(&mut self, g: &Grant) -> Result<(), SinkError> {
        let day = self.days.entry(local_date(self.tz, g.at)).or_default();
        day.grants += 1;
        day.spend = day.spend.plus(g.value);
        let by_rule = entry(&mut day.by_rule, &g.rule);
        by_rule.0 += 1;
        by_rule.1 = by_rule.1.plus(g.value);
        let rule = entry(&mut self.rules, &g.rule);
        rule.grants += 1;
        rule.spend = rule.spend.plus(g.value);
        let group = g.target.kind == crate::syntax::ast::TargetKind::Group;
        let targets = &mut entry(&mut self.targets, &g.rule)[usize::from(group)];
        // Most grants go to a target already counted: no copy of its id then.
        if !targets.contains(g.target.id.as_str()) {
            targets.insert(g.target.id.clone());
        }
        Ok(())
    }

    fn refusal(&mut self, r: &Refusal) -> Result<(), SinkError> {
        let Some(first) = r.grants.first() else {
            return Ok(());
        };
        let day = self.days.entry(local_date(self.tz, first.at)).or_default();
        *day.refusals.entry(r.reason).or_default() += 1;
        self.rules
            .entry(first.rule.to_string())
            .or_default()
            .refused += 1;
        let slot = match r.reason {
            Reason::Budget => &mut self.budget,
            Reason::Cap => &mut self.cap,
            _ => return Ok(()),
        };
        let exhausted = slot.get_or_insert_with(|| Exhausted {
            reason: r.reason,
            at: first.at,
            date: local_date(self.tz, first.at),
            message: r.message.clone(),
            refused: BTreeMap::new(),
        });
        let entry = exhausted.refused.entry(first.rule.to_string()).or_default();
        entry.0 += 1;
        entry.1 = entry.1.plus(r.value.unwrap_or(Fen::ZERO));
        Ok(())
    }
}

/// The value of `key` in `map`, made when missing (the key copied only then).
fn entry<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    #[allow(clippy::expect_used, reason = "inserted just above")]
    map.get_mut(key).expect("inserted just above")
}

/// The local hour of an instant, `HH:MM`.
pub fn local_time(tz: Tz, at: i64) -> String {
    instant_local(tz, at).format("%H:%M").to_string()
}
