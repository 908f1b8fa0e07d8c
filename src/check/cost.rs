//! The static worst-case spend of a checked playbook, with no data: for each rule
//! the most it can spend per firing, per day, per week, per month and over its
//! whole active period, and for the playbook the sums of those against its budgets.
//!
//! A bound comes from what the text fixes: the rewards' static money bounds (fixed
//! amounts, the bounds of computed amounts, red packets' totals, points at
//! `point_value`, a lottery's or tier's dearest outcome, gifts' worth), the rule's
//! limits and caps, how many times its schedule ticks inside `active` ∩ `during`, and
//! `top N` segments (at most N targets a tick). Where only the data decides — how
//! many members there are, how many events they send — the bound is
//! [`Spend::Unbounded`] with the [`Unbounded`] factor that decides it. Budgets are
//! not applied to a rule's bound: the bound says what the rule would spend if the
//! budgets did not stop it.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Offset, TimeZone};
use chrono_tz::Tz;

use super::bounds::money_bounds;
use super::schedule::{parse_cron, ticks_on};
use super::types::{TExpr, TExprKind};
use super::{Program, Reward, RewardKind, Rule, ScheduleSpec, SegmentDef, Settings, Trigger};
use crate::money::Fen;
use crate::source::Span;
use crate::syntax::ast::{BinaryOp, TargetKind, Window};
use crate::time::Period;

/// What only the data decides, making a bound unbounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unbounded {
    /// How many members there are.
    Members,
    /// How many groups there are.
    Groups,
    /// How many events of this kind arrive.
    Events(String),
    /// A computed amount with no static upper bound (points).
    Amount,
    /// The playbook has no `active` period, so its length is unknown.
    Period,
    /// The bound is larger than money can hold.
    Overflow,
}

impl Unbounded {
    /// A short, stable name: `members`, `groups`, `events`, `amount`, `period`,
    /// `overflow`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Unbounded::Members => "members",
            Unbounded::Groups => "groups",
            Unbounded::Events(_) => "events",
            Unbounded::Amount => "amount",
            Unbounded::Period => "period",
            Unbounded::Overflow => "overflow",
        }
    }
}

impl std::fmt::Display for Unbounded {
    /// What the bound depends on, as a sentence ends: `the number of members`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unbounded::Members => write!(f, "the number of members"),
            Unbounded::Groups => write!(f, "the number of groups"),
            Unbounded::Events(kind) => write!(f, "the number of `{kind}` events"),
            Unbounded::Amount => write!(f, "a computed amount with no upper bound"),
            Unbounded::Period => write!(f, "the length of the campaign (no `active` period)"),
            Unbounded::Overflow => write!(f, "an amount larger than money holds"),
        }
    }
}

/// The most something can spend: exact fen, or unbounded by a factor of the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spend {
    /// At most this much.
    Bounded(Fen),
    /// No bound without the data; the factor says what decides it.
    Unbounded(Unbounded),
}

impl Spend {
    /// The bound in fen, `None` when unbounded.
    pub fn fen(&self) -> Option<Fen> {
        match self {
            Spend::Bounded(f) => Some(*f),
            Spend::Unbounded(_) => None,
        }
    }

    /// What makes it unbounded, if it is.
    pub fn unbounded_by(&self) -> Option<&Unbounded> {
        match self {
            Spend::Bounded(_) => None,
            Spend::Unbounded(u) => Some(u),
        }
    }

    fn from_count(c: Count) -> Spend {
        match c {
            Ok(n) => i64::try_from(n).map_or(Spend::Unbounded(Unbounded::Overflow), |n| {
                Spend::Bounded(Fen(n))
            }),
            Err(u) => Spend::Unbounded(u),
        }
    }

    fn count(&self) -> Count {
        match self {
            // Spends are never negative (E0309 rejects rewards that take value back).
            Spend::Bounded(f) => Ok(u64::try_from(f.0).unwrap_or(0)),
            Spend::Unbounded(u) => Err(u.clone()),
        }
    }
}

/// One rule's worst case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCost {
    /// The rule's name.
    pub name: String,
    /// Where its name is written.
    pub span: Span,
    /// The most one firing (all its rewards) can cost.
    pub per_firing: Spend,
    /// The most it can spend on one local day.
    pub per_day: Spend,
    /// The most it can spend in one ISO week.
    pub per_week: Spend,
    /// The most it can spend in one calendar month.
    pub per_month: Spend,
    /// The most it can spend over its whole active period (`active` ∩ `during`).
    pub total: Spend,
}

impl RuleCost {
    /// The bound for a budget's window.
    pub fn in_window(&self, window: Window) -> &Spend {
        match window {
            Window::Total => &self.total,
            Window::Per(Period::Day) => &self.per_day,
            Window::Per(Period::Week) => &self.per_week,
            Window::Per(Period::Month) => &self.per_month,
        }
    }
}

/// A budget and what all rules together can spend in its window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetBound {
    /// `total` or `per day|week|month`.
    pub window: Window,
    /// The budget.
    pub budget: Fen,
    /// The sum of every rule's bound in that window.
    pub bound: Spend,
}

impl BudgetBound {
    /// Whether the rules can never reach the budget: it never refuses anything.
    pub fn never_reached(&self) -> bool {
        self.bound.fen().is_some_and(|b| b < self.budget)
    }
}

/// The static worst-case spend of a playbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostBounds {
    /// One entry per rule, in file order.
    pub rules: Vec<RuleCost>,
    /// The sum of the rules' daily bounds.
    pub per_day: Spend,
    /// The sum of the rules' total bounds.
    pub total: Spend,
    /// Each budget of the header (total first, then per period as written) against
    /// the sum of the rules' bounds in its window.
    pub budgets: Vec<BudgetBound>,
}

/// Computes the worst-case spend of every rule and of the whole playbook.
pub fn cost_bounds(program: &Program) -> CostBounds {
    let rules: Vec<RuleCost> = program
        .rules
        .iter()
        .map(|r| rule_cost(program, r))
        .collect();
    let sum = |w: Window| sum_spends(rules.iter().map(|r| r.in_window(w)));
    let mut budgets = Vec::new();
    if let Some(b) = program.settings.budget_total {
        budgets.push(BudgetBound {
            window: Window::Total,
            budget: b,
            bound: sum(Window::Total),
        });
    }
    for (period, b) in &program.settings.budget_per {
        let window = Window::Per(*period);
        budgets.push(BudgetBound {
            window,
            budget: *b,
            bound: sum(window),
        });
    }
    CostBounds {
        per_day: sum(Window::Per(Period::Day)),
        total: sum(Window::Total),
        rules,
        budgets,
    }
}

/// A number of firings, ticks or periods; `Err` when the data decides it.
type Count = Result<u64, Unbounded>;

/// The smaller bound; unbounded only when both are (then the first one's factor).
fn min_count(a: Count, b: Count) -> Count {
    match (a, b) {
        (Ok(x), Ok(y)) => Ok(x.min(y)),
        (Ok(x), Err(_)) | (Err(_), Ok(x)) => Ok(x),
        (Err(u), Err(_)) => Err(u),
    }
}

/// The product; zero times anything is zero, else the first factor's reason.
fn mul_count(a: Count, b: Count) -> Count {
    match (a, b) {
        (Ok(0), _) | (_, Ok(0)) => Ok(0),
        (Ok(x), Ok(y)) => x.checked_mul(y).ok_or(Unbounded::Overflow),
        (Err(u), _) | (_, Err(u)) => Err(u),
    }
}

fn add_count(a: Count, b: Count) -> Count {
    match (a, b) {
        (Ok(x), Ok(y)) => x.checked_add(y).ok_or(Unbounded::Overflow),
        (Err(u), _) | (_, Err(u)) => Err(u),
    }
}

fn max_count(a: Count, b: Count) -> Count {
    match (a, b) {
        (Ok(x), Ok(y)) => Ok(x.max(y)),
        (Err(u), _) | (_, Err(u)) => Err(u),
    }
}

fn sum_spends<'a>(mut spends: impl Iterator<Item = &'a Spend>) -> Spend {
    Spend::from_count(spends.try_fold(0, |acc, s| add_count(Ok(acc), s.count())))
}

/// The most one grant of `reward` can cost against caps and budgets.
pub fn reward_cost(reward: &Reward, settings: &Settings) -> Spend {
    Spend::from_count(reward_max(reward, settings))
}

/// The most one reward can cost against caps and budgets.
fn reward_max(r: &Reward, s: &Settings) -> Count {
    match &r.kind {
        RewardKind::Coupon(spec) => fen_count(spec.face_value()),
        RewardKind::RedPacket { bounds, .. } => fen_count(bounds.1),
        RewardKind::Points(amount) => {
            if s.point_value <= Fen::ZERO {
                return Ok(0);
            }
            let hi = money_bounds(amount).hi.ok_or(Unbounded::Amount)?;
            let points = u64::try_from(hi.max(0)).map_err(|_| Unbounded::Overflow)?;
            mul_count(Ok(points), fen_count(s.point_value))
        }
        RewardKind::Gift { worth, .. } => fen_count(*worth),
        RewardKind::Lottery { arms, rest } => max_of(
            arms.iter()
                .map(|(_, r)| r)
                .chain(rest.as_deref())
                .map(|r| reward_max(r, s)),
        ),
        RewardKind::Tier { arms, otherwise } => max_of(
            arms.iter()
                .map(|(_, r)| r)
                .chain(otherwise.as_deref())
                .map(|r| reward_max(r, s)),
        ),
        RewardKind::TierBy {
            arms, otherwise, ..
        } => max_of(
            arms.iter()
                .map(|(_, _, r)| r)
                .chain(otherwise.as_deref())
                .map(|r| reward_max(r, s)),
        ),
        RewardKind::Experiment { arms, .. } => {
            max_of(arms.iter().map(|(_, _, r)| reward_max(r, s)))
        }
    }
}

fn fen_count(f: Fen) -> Count {
    Ok(u64::try_from(f.0).unwrap_or(0))
}

fn max_of(counts: impl Iterator<Item = Count>) -> Count {
    counts.fold(Ok(0), max_count)
}

/// A window of time a bound is taken over, as the numbers that decide it: how many
/// local days, ISO weeks and calendar months of the rule's period it touches, and
/// how many times the rule's schedule ticks in it.
#[derive(Debug, Clone, PartialEq)]
struct Stretch {
    days: Count,
    weeks: Count,
    months: Count,
    ticks: Count,
}

impl Stretch {
    fn periods(&self, window: Window) -> Count {
        match window {
            Window::Total => Ok(1),
            Window::Per(Period::Day) => self.days.clone(),
            Window::Per(Period::Week) => self.weeks.clone(),
            Window::Per(Period::Month) => self.months.clone(),
        }
    }

    /// Componentwise the larger: a bound over both.
    fn max(self, other: Stretch) -> Stretch {
        Stretch {
            days: max_count(self.days, other.days),
            weeks: max_count(self.weeks, other.weeks),
            months: max_count(self.months, other.months),
            ticks: max_count(self.ticks, other.ticks),
        }
    }
}

/// The most days a rule's period is walked day by day; a longer period (a century)
/// is bounded as if it had no dates.
const MAX_DAYS: i64 = 40_000;

fn rule_cost(p: &Program, rule: &Rule) -> RuleCost {
    let per_firing = rule
        .give
        .iter()
        .map(|r| reward_max(r, &p.settings))
        .fold(Ok(0), add_count);
    let ticks = TickCounter::new(rule);
    let days = rule_days(p, rule);
    let [day, week, month, total] = stretches(&ticks, days, p.settings.timezone);
    // A grant an event caused in quiet hours is handed out when they end, possibly
    // the day after the last active day: one more day of limits and caps.
    let total = match (&rule.trigger, p.settings.quiet, days) {
        (Trigger::Event { .. }, Some(_), Some((from, to))) => {
            let later = to.checked_add_signed(Duration::days(1)).unwrap_or(to);
            stretches(&ticks, Some((from, later)), p.settings.timezone)[3].clone()
        }
        _ => total,
    };
    let spend = |s: &Stretch| Spend::from_count(spend_in(p, rule, per_firing.clone(), s));
    RuleCost {
        name: rule.name.clone(),
        span: rule.span,
        per_day: spend(&day),
        per_week: spend(&week),
        per_month: spend(&month),
        total: spend(&total),
        per_firing: Spend::from_count(per_firing),
    }
}

/// The most a rule spends in a stretch of time.
fn spend_in(p: &Program, rule: &Rule, per_firing: Count, s: &Stretch) -> Count {
    let bound = |count: u64, window: Window| mul_count(Ok(count), s.periods(window));
    let mut rule_wide: Count = Err(Unbounded::Overflow);
    let mut per_target: Count = match &rule.trigger {
        Trigger::Event { event, .. } => Err(Unbounded::Events(
            p.events
                .get(*event)
                .map(|e| e.name.clone())
                .unwrap_or_default(),
        )),
        Trigger::Schedule(_) => s.ticks.clone(),
    };
    let mut any_rule_wide = false;
    for l in &rule.limits {
        if l.per_target {
            per_target = min_count(bound(l.count, l.window), per_target);
        } else {
            any_rule_wide = true;
            rule_wide = min_count(bound(l.count, l.window), rule_wide);
        }
    }
    let targets = match rule.target {
        TargetKind::Member => Unbounded::Members,
        TargetKind::Group => Unbounded::Groups,
    };
    let mut firings = mul_count(per_target.clone(), Err(targets));
    // An event rule with no per-member limit fires once an event, whoever sends it.
    if let (Trigger::Event { .. }, Err(u)) = (&rule.trigger, &per_target) {
        firings = Err(u.clone());
    }
    if let (Trigger::Schedule(_), Some(n)) = (&rule.trigger, top_targets(p, rule)) {
        firings = min_count(mul_count(s.ticks.clone(), Ok(n)), firings);
    }
    if any_rule_wide {
        firings = min_count(rule_wide, firings);
    }
    let mut spend = mul_count(firings, per_firing);
    for (window, cap) in &rule.caps {
        spend = min_count(mul_count(fen_count(*cap), s.periods(*window)), spend);
    }
    spend
}

/// At most how many targets one tick of the rule serves, when a `top N` segment
/// that every target must be in says so.
fn top_targets(p: &Program, rule: &Rule) -> Option<u64> {
    let from_segment = rule.target_segment.and_then(|i| segment_top(p, i, 0));
    let from_when = rule.when.as_ref().and_then(|w| expr_top(p, w, 0));
    match (from_segment, from_when) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Segments are followed at most this deep (the checker limits nesting anyway).
const MAX_SEGMENT_DEPTH: usize = 64;

fn segment_top(p: &Program, index: usize, depth: usize) -> Option<u64> {
    if depth > MAX_SEGMENT_DEPTH {
        return None;
    }
    match &p.segments.get(index)?.def {
        SegmentDef::Top { count, .. } => Some(*count),
        SegmentDef::Expr(e) => expr_top(p, e, depth + 1),
    }
}

/// The size of a `top N` segment that a condition requires: the segment itself, or
/// one operand of an `and` chain.
fn expr_top(p: &Program, e: &TExpr, depth: usize) -> Option<u64> {
    match &e.kind {
        TExprKind::Segment(i) => segment_top(p, *i, depth),
        TExprKind::Chain { first, rest } if rest.iter().all(|(op, _)| *op == BinaryOp::And) => {
            std::iter::once(first.as_ref())
                .chain(rest.iter().map(|(_, x)| x))
                .filter_map(|x| expr_top(p, x, depth))
                .min()
        }
        _ => None,
    }
}

/// The rule's days: `active` ∩ `during`, narrowed to the date of an `at` schedule.
fn rule_days(p: &Program, rule: &Rule) -> Option<(NaiveDate, NaiveDate)> {
    let meet = |a: Option<(NaiveDate, NaiveDate)>, b: Option<(NaiveDate, NaiveDate)>| match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.max(b0), a1.min(b1))),
        (a, b) => a.or(b),
    };
    let once = match &rule.trigger {
        Trigger::Schedule(ScheduleSpec::Once(at)) => Some((at.date(), at.date())),
        _ => None,
    };
    meet(meet(p.settings.active, rule.during), once)
}

/// Counts a schedule's ticks on a local day, cheaply for every form.
struct TickCounter {
    spec: Option<ScheduleSpec>,
    cron: Option<croner::Cron>,
    /// Ticks on a day it ticks at all, for forms whose times of day never change.
    per_day: u64,
}

impl TickCounter {
    fn new(rule: &Rule) -> TickCounter {
        let Trigger::Schedule(spec) = &rule.trigger else {
            return TickCounter {
                spec: None,
                cron: None,
                per_day: 0,
            };
        };
        let cron = match spec {
            ScheduleSpec::Cron(text) => parse_cron(text).ok(),
            _ => None,
        };
        // Hours and minutes of a cron pattern are the same on every day it fires.
        let sample = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let per_day = match (spec, &cron) {
            (ScheduleSpec::Cron(_), Some(c)) => (0..800)
                .filter_map(|k| sample.checked_add_signed(Duration::days(k)))
                .map(|d| ticks_on(spec, Some(c), d).len() as u64)
                .find(|n| *n > 0)
                .unwrap_or(0),
            _ => ticks_on(spec, None, sample).len() as u64,
        };
        TickCounter {
            spec: Some(spec.clone()),
            cron,
            per_day,
        }
    }

    fn on(&self, day: NaiveDate) -> u64 {
        match &self.spec {
            None => 0,
            Some(ScheduleSpec::Daily(_) | ScheduleSpec::Interval { .. }) => self.per_day,
            Some(ScheduleSpec::Cron(_)) => {
                let start = day.and_time(NaiveTime::MIN);
                let fires = self.cron.as_ref().is_some_and(|c| {
                    c.find_next_occurrence(&start, true)
                        .is_ok_and(|t| t.date() == day)
                });
                if fires { self.per_day } else { 0 }
            }
            Some(spec) => ticks_on(spec, None, day).len() as u64,
        }
    }

    /// The most ticks on any day, whatever the date.
    fn most_on_any_day(&self) -> u64 {
        match &self.spec {
            None => 0,
            Some(ScheduleSpec::Daily(_) | ScheduleSpec::Interval { .. })
            | Some(ScheduleSpec::Cron(_)) => self.per_day,
            Some(_) => 1,
        }
    }
}

/// The UTC offset at local noon of a day, in seconds.
fn offset_at(tz: Tz, day: NaiveDate) -> Option<i32> {
    let noon = day.and_time(NaiveTime::from_hms_opt(12, 0, 0)?);
    tz.from_local_datetime(&noon)
        .earliest()
        .map(|t| t.offset().fix().local_minus_utc())
}

/// The stretches of a day, a week, a month and the whole period, each the most of
/// any such stretch of the rule's days (`None`: dates unknown).
fn stretches(ticks: &TickCounter, days: Option<(NaiveDate, NaiveDate)>, tz: Tz) -> [Stretch; 4] {
    let known = days.filter(|(from, to)| (*to - *from).num_days() <= MAX_DAYS);
    let Some((from, to)) = known else {
        return open_stretches(ticks, tz);
    };
    let mut total = Stretch {
        days: Ok(0),
        weeks: Ok(0),
        months: Ok(0),
        ticks: Ok(0),
    };
    let (mut day, mut week, mut month) = (total.clone(), total.clone(), total.clone());
    let (mut weeks, mut months) = (Distinct::default(), Distinct::default());
    // Running stretches of the current week and month: days, ticks, and the months
    // (weeks) they touch.
    let mut this_week = (None, 0u64, 0u64, Distinct::default());
    let mut this_month = (None, 0u64, 0u64, Distinct::default());
    // The day before: its UTC offset and ticks (each day's are computed once).
    let mut previous: Option<(Option<i32>, u64)> = None;
    let mut d = from;
    while d <= to {
        let (offset, on_day) = (offset_at(tz, d), ticks.on(d));
        let mut n = on_day;
        // A day whose UTC offset changed may also take the ticks of the day before
        // that a DST gap pushed past midnight.
        if let Some((before_offset, before)) = previous
            && before_offset != offset
        {
            n = n.saturating_add(before);
        }
        previous = Some((offset, on_day));
        // A schedule spends nothing on a day it does not tick: such days count in
        // no cap's or limit's periods.
        if ticks.spec.is_some() && n == 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
            continue;
        }
        let w = (d.iso_week().year(), d.iso_week().week());
        let m = (d.year(), d.month());
        weeks.see(w);
        months.see(m);
        total.days = add_count(total.days, Ok(1));
        total.ticks = add_count(total.ticks, Ok(n));
        day.ticks = max_count(day.ticks, Ok(n));
        if this_week.0 != Some(w) {
            this_week = (Some(w), 0, 0, Distinct::default());
        }
        this_week.1 += 1;
        this_week.2 = this_week.2.saturating_add(n);
        this_week.3.see(m);
        week = week.max(Stretch {
            days: Ok(this_week.1),
            weeks: Ok(1),
            months: Ok(this_week.3.count),
            ticks: Ok(this_week.2),
        });
        if this_month.0 != Some(m) {
            this_month = (Some(m), 0, 0, Distinct::default());
        }
        this_month.1 += 1;
        this_month.2 = this_month.2.saturating_add(n);
        this_month.3.see(w);
        month = month.max(Stretch {
            days: Ok(this_month.1),
            weeks: Ok(this_month.3.count),
            months: Ok(1),
            ticks: Ok(this_month.2),
        });
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    total.weeks = Ok(weeks.count);
    total.months = Ok(months.count);
    day.days = Ok(1);
    day.weeks = Ok(1);
    day.months = Ok(1);
    [day, week, month, total]
}

/// How many different values were seen, of values that come in order (days walked
/// forward: their weeks and months never come back), without a set.
#[derive(Debug, Clone, Copy, Default)]
struct Distinct<T> {
    last: Option<T>,
    count: u64,
}

impl<T: PartialEq + Copy> Distinct<T> {
    fn see(&mut self, x: T) {
        if self.last != Some(x) {
            self.last = Some(x);
            self.count += 1;
        }
    }
}

/// Stretches when the rule's dates are unknown: any day, any week (7 days over at
/// most 2 months), any month (31 days over at most 6 weeks), and an open total.
fn open_stretches(ticks: &TickCounter, tz: Tz) -> [Stretch; 4] {
    let mut daily = ticks.most_on_any_day();
    // In a zone with DST a day may also take a tick pushed past midnight.
    let jan = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap_or_default();
    let jul = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap_or_default();
    if offset_at(tz, jan) != offset_at(tz, jul) {
        daily = daily.saturating_mul(2);
    }
    let once = matches!(ticks.spec, Some(ScheduleSpec::Once(_)));
    let over = |days: u64| {
        let n = daily.saturating_mul(days);
        if once { n.min(1) } else { n }
    };
    let stretch = |days: u64, weeks: u64, months: u64| Stretch {
        days: Ok(days),
        weeks: Ok(weeks),
        months: Ok(months),
        ticks: Ok(over(days)),
    };
    let total = Stretch {
        days: Err(Unbounded::Period),
        weeks: Err(Unbounded::Period),
        months: Err(Unbounded::Period),
        ticks: if once { Ok(1) } else { Err(Unbounded::Period) },
    };
    [stretch(1, 1, 1), stretch(7, 1, 2), stretch(31, 6, 1), total]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(text: &str) -> CostBounds {
        let checked = crate::check::check_text("t.playbook", text);
        let program = checked
            .program
            .unwrap_or_else(|| panic!("{:?}", checked.diagnostics));
        cost_bounds(&program)
    }

    const HEADER: &str = "playbook \"p\" {\n  active 2026-05-01 .. 2026-05-31\n  budget ¥10,000 total, ¥500 per day\n  point_value ¥0.01\n}\nmember { orders: int  spend: money }\nevent order_paid { amount: money }\n";

    fn one(rule: &str) -> RuleCost {
        let b = bounds(&format!("{HEADER}rule r {{\n{rule}\n}}\n"));
        b.rules.into_iter().next().unwrap()
    }

    #[test]
    fn a_cap_per_day_bounds_the_day_and_the_month() {
        let r = one(
            "every day at 10:00\ngive red_packet ¥5\nlimit 1 per member per day\ncap ¥300 per day",
        );
        assert_eq!(r.per_firing, Spend::Bounded(Fen(500)));
        assert_eq!(r.per_day, Spend::Bounded(Fen(30_000)));
        assert_eq!(r.total, Spend::Bounded(Fen(31 * 30_000)));
    }

    #[test]
    fn a_per_member_limit_alone_depends_on_the_number_of_members() {
        let r = one("every day at 10:00\ngive coupon ¥10\nlimit 1 per member per day");
        assert_eq!(r.per_day, Spend::Unbounded(Unbounded::Members));
        let r = one("on order_paid\ngive coupon ¥10");
        assert_eq!(
            r.per_day,
            Spend::Unbounded(Unbounded::Events("order_paid".into()))
        );
    }

    #[test]
    fn rule_wide_limits_count_periods_of_the_active_days() {
        let r = one("on order_paid\ngive red_packet ¥2\nlimit 3 per day");
        assert_eq!(r.per_day, Spend::Bounded(Fen(600)));
        assert_eq!(r.total, Spend::Bounded(Fen(31 * 600)));
        // May 2026 touches ISO weeks 18 to 22: five of them.
        let r = one("on order_paid\ngive red_packet ¥2\nlimit 3 per week");
        assert_eq!(r.total, Spend::Bounded(Fen(5 * 600)));
        assert_eq!(r.per_day, Spend::Bounded(Fen(600)));
    }

    #[test]
    fn ticks_times_top_n_bounds_a_schedule() {
        let text = format!(
            "{HEADER}segment 头部 = top 10 by spend\nrule r {{\n every 2h from 10:00 to 20:00\n when 头部 and orders > 0\n give points clamp(orders * 10, 1, 500)\n}}\n"
        );
        let r = bounds(&text).rules.remove(0);
        assert_eq!(r.per_firing, Spend::Bounded(Fen(500)));
        assert_eq!(r.per_day, Spend::Bounded(Fen(6 * 10 * 500)));
        assert_eq!(r.total, Spend::Bounded(Fen(31 * 6 * 10 * 500)));
    }

    #[test]
    fn lotteries_and_tiers_cost_their_dearest_outcome() {
        let r = one(
            "at 2026-05-20 20:00\ngive lottery { 1% -> red_packet ¥88  rest -> gift \"袋\" worth ¥25 }, points 100\nlimit 2 total",
        );
        assert_eq!(r.per_firing, Spend::Bounded(Fen(8_800 + 100)));
        assert_eq!(r.total, Spend::Bounded(Fen(2 * 8_900)));
    }

    #[test]
    fn points_without_an_upper_bound_are_unbounded_by_their_amount() {
        let r = one("every day at 10:00\ngive points orders\ncap ¥100 total");
        assert_eq!(r.per_firing, Spend::Unbounded(Unbounded::Amount));
        assert_eq!(r.per_day, Spend::Bounded(Fen(10_000)));
    }

    #[test]
    fn weekly_schedules_tick_on_their_days_only() {
        // Mondays of May 2026: 4, 11, 18, 25.
        let text = format!(
            "{HEADER}segment 头部 = top 1 by spend\nrule r {{\n every monday at 10:00\n when 头部\n give red_packet ¥1\n}}\n"
        );
        let r = bounds(&text).rules.remove(0);
        assert_eq!(r.total, Spend::Bounded(Fen(400)));
        assert_eq!(r.per_week, Spend::Bounded(Fen(100)));
    }

    #[test]
    fn without_active_the_total_is_open_but_a_total_cap_bounds_it() {
        let text = "member { orders: int }\nrule r {\n every day at 10:00\n give red_packet ¥1\n limit 5 per day\n}\nrule s {\n every day at 10:00\n give red_packet ¥1\n cap ¥9 total\n}\n";
        let b = bounds(text);
        assert_eq!(b.rules[0].per_day, Spend::Bounded(Fen(500)));
        assert_eq!(b.rules[0].total, Spend::Unbounded(Unbounded::Period));
        assert_eq!(b.rules[1].total, Spend::Bounded(Fen(900)));
        assert_eq!(b.total, Spend::Unbounded(Unbounded::Period));
    }

    #[test]
    fn the_playbook_sums_its_rules_against_each_budget() {
        let text = format!(
            "{HEADER}rule a {{\n every day at 10:00\n give red_packet ¥1\n limit 100 per day\n}}\nrule b {{\n on order_paid\n give coupon ¥10\n cap ¥200 per day\n}}\n"
        );
        let b = bounds(&text);
        assert_eq!(b.per_day, Spend::Bounded(Fen(30_000)));
        assert_eq!(b.budgets.len(), 2);
        assert_eq!(b.budgets[1].bound, Spend::Bounded(Fen(30_000)));
        assert!(b.budgets[1].never_reached());
        assert_eq!(b.budgets[0].bound, Spend::Bounded(Fen(31 * 30_000)));
        assert!(b.budgets[0].never_reached());
    }

    #[test]
    fn overflow_saturates_to_unbounded() {
        assert_eq!(mul_count(Ok(u64::MAX), Ok(2)), Err(Unbounded::Overflow));
        assert_eq!(
            Spend::from_count(Ok(u64::MAX)),
            Spend::Unbounded(Unbounded::Overflow)
        );
        assert_eq!(mul_count(Err(Unbounded::Members), Ok(0)), Ok(0));
    }
}
