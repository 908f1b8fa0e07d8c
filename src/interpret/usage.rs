//! Usage: everything granted so far (earlier runs from the ledger, then this
//! run), counted the way limits, exclusivity, caps and budgets read it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono_tz::Tz;

use crate::check::Program;
use crate::check::model::{ChannelLimits, LimitSpec};
use crate::compile::plan::RewardClass;
use crate::interpret::grant::{Grant, Reason};
use crate::money::{Fen, FenSum};
use crate::syntax::ast::{Period, TargetKind, Window};
use crate::time::period_key;

/// A window and the period it is in (`Total` has one period, 0).
type WindowKey = (Window, i64);

/// Per-target counts, one map per target kind so lookups borrow the id.
#[derive(Debug, Default)]
struct PerTarget<T> {
    members: HashMap<String, T>,
    groups: HashMap<String, T>,
}

impl<T: Default> PerTarget<T> {
    fn get(&self, kind: TargetKind, id: &str) -> Option<&T> {
        match kind {
            TargetKind::Member => self.members.get(id),
            TargetKind::Group => self.groups.get(id),
        }
    }

    fn entry(&mut self, kind: TargetKind, id: &str) -> &mut T {
        let map = match kind {
            TargetKind::Member => &mut self.members,
            TargetKind::Group => &mut self.groups,
        };
        if !map.contains_key(id) {
            map.insert(id.to_owned(), T::default());
        }
        #[allow(clippy::expect_used, reason = "inserted just above when missing")]
        map.get_mut(id).expect("just inserted")
    }
}

/// What has been granted, by the windows constraints count in.
#[derive(Debug)]
pub struct Usage {
    tz: Tz,
    rule_index: HashMap<String, usize>,
    limits: Vec<Vec<LimitSpec>>,
    caps: Vec<Vec<(Window, Fen)>>,
    exclusive: Vec<Option<(Arc<str>, Option<Period>)>>,
    budget_total: Option<Fen>,
    budget_per: Vec<(Period, Fen)>,
    /// Sums are exact: no history or run, however large, wraps or saturates them.
    spent_total: FenSum,
    spent: HashMap<(Period, i64), FenSum>,
    rule_spent: HashMap<(usize, WindowKey), FenSum>,
    rule_firings: HashMap<(usize, WindowKey), u64>,
    target_firings: Vec<PerTarget<Vec<(WindowKey, u64)>>>,
    /// Per exclusivity group: each target's grants as (rule, instant).
    holders: HashMap<Arc<str>, PerTarget<Vec<(usize, i64)>>>,
    /// Firings the ledger already holds for causes inside this run's window.
    held: HashSet<(usize, TargetKind, String, String)>,
    last_firing: Option<(String, TargetKind, String, String)>,
    /// Per member, every grant so far, when the program reads them (`granted`).
    granted: Option<GrantLog>,
    /// `per_member_daily`, and per member the red packets received on each day.
    channel: ChannelLimits,
    packets: HashMap<String, Vec<(i64, Packets)>>,
}

/// A firing's red packets to a member, what `per_member_daily` counts (a group's
/// packet is grabbed in shares by whoever is quick, not paid to one member).
pub fn red_packets(kind: TargetKind, grants: &[Grant]) -> Packets {
    if kind != TargetKind::Member {
        return Packets::default();
    }
    grants
        .iter()
        .filter(|g| g.kind == RewardClass::RedPacket)
        .fold(Packets::default(), |sum, g| sum.plus(Packets::one(g.value)))
}

/// Red packets to one member: their money and their number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Packets {
    /// Their money, exact.
    pub value: FenSum,
    /// How many.
    pub count: u64,
}

impl Packets {
    /// One red packet worth `value`.
    pub fn one(value: Fen) -> Packets {
        Packets {
            value: FenSum::from(value),
            count: 1,
        }
    }

    /// Both added.
    pub fn plus(self, other: Packets) -> Packets {
        Packets {
            value: self.value.plus_sum(other.value),
            count: self.count.saturating_add(other.count),
        }
    }
}

/// Per member, what they were granted, in decision order.
pub type GrantLog = HashMap<String, Vec<GrantRecord>>;

/// One grant as a member's history reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantRecord {
    /// The rule (index into `Program::rules`; `None`: a rule no longer in it).
    pub rule: Option<u32>,
    /// Its cost.
    pub value: Fen,
    /// When it was handed out.
    pub at: i64,
}

/// One grant read back from the ledger.
#[derive(Debug, Clone, Copy)]
pub struct HistoryGrant<'a> {
    /// Rule name.
    pub rule: &'a str,
    /// Target kind.
    pub target_kind: TargetKind,
    /// Target id.
    pub target: &'a str,
    /// Cause key.
    pub cause: &'a str,
    /// The cause's instant.
    pub cause_at: i64,
    /// Cost.
    pub value: Fen,
    /// When it was handed out.
    pub at: i64,
    /// Whether it is a red packet (what `per_member_daily` counts).
    pub red_packet: bool,
    /// Whether its value counts against budgets and caps: always for a run; a
    /// forecast may count only the payouts confirmed ([`crate::app::run::Spend`]).
    pub counts_spend: bool,
}

impl Usage {
    /// An empty usage for a program.
    pub fn new(program: &Program) -> Usage {
        let rules = &program.rules;
        Usage {
            tz: program.settings.timezone,
            // A rule's former names index it too: its history under them is its own.
            rule_index: rules
                .iter()
                .enumerate()
                .flat_map(|(i, r)| {
                    std::iter::once(&r.name)
                        .chain(&r.renamed_from)
                        .map(move |n| (n.clone(), i))
                })
                .collect(),
            limits: rules.iter().map(|r| r.limits.clone()).collect(),
            caps: rules.iter().map(|r| r.caps.clone()).collect(),
            exclusive: rules
                .iter()
                .map(|r| {
                    r.exclusive
                        .as_ref()
                        .map(|(g, p)| (Arc::from(g.as_str()), *p))
                })
                .collect(),
            budget_total: program.settings.budget_total,
            budget_per: program.settings.budget_per.clone(),
            spent_total: FenSum::ZERO,
            spent: HashMap::new(),
            rule_spent: HashMap::new(),
            rule_firings: HashMap::new(),
            target_firings: rules.iter().map(|_| PerTarget::default()).collect(),
            holders: HashMap::new(),
            held: HashSet::new(),
            last_firing: None,
            granted: program
                .histories
                .iter()
                .any(|h| matches!(h.source, crate::check::model::HistoryOf::Granted(_)))
                .then(HashMap::new),
            channel: program.settings.channel,
            packets: HashMap::new(),
        }
    }

    /// Records a grant to member `id` for histories that read grants.
    pub fn log_grant(
        &mut self,
        kind: TargetKind,
        id: &str,
        rule: Option<usize>,
        value: Fen,
        at: i64,
    ) {
        let Some(log) = self.granted.as_mut().filter(|_| kind == TargetKind::Member) else {
            return;
        };
        let record = GrantRecord {
            rule: rule.and_then(|r| u32::try_from(r).ok()),
            value,
            at,
        };
        match log.get_mut(id) {
            Some(v) => v.push(record),
            None => {
                log.insert(id.to_owned(), vec![record]);
            }
        }
    }

    /// Every member's grants so far (`None` when no history reads them).
    pub fn granted(&self) -> Option<&GrantLog> {
        self.granted.as_ref()
    }

    /// Takes the grant log out (to lend it while the usage is borrowed otherwise);
    /// give it back with [`Usage::restore_granted`].
    pub fn take_granted(&mut self) -> Option<GrantLog> {
        self.granted.take()
    }

    /// Puts back what [`Usage::take_granted`] took.
    pub fn restore_granted(&mut self, log: Option<GrantLog>) {
        self.granted = log;
    }

    /// Adds a grant from the ledger. Grants of one firing arrive together; causes
    /// inside `(after, until]` are remembered so the run does not grant them again.
    pub fn load(&mut self, g: HistoryGrant<'_>, after: i64, until: i64) {
        let spent = if g.counts_spend { g.value } else { Fen::ZERO };
        self.spend(None, g.at, spent);
        if g.red_packet && g.target_kind == TargetKind::Member {
            self.receive(g.target, g.at, Packets::one(g.value));
        }
        let known = self.rule_index.get(g.rule).copied();
        self.log_grant(g.target_kind, g.target, known, g.value, g.at);
        let Some(&rule) = self.rule_index.get(g.rule) else {
            return; // a rule no longer in the playbook still spent the budget
        };
        self.rule_spend(rule, g.at, spent);
        let firing = (g.rule, g.target_kind, g.target, g.cause);
        let same = self
            .last_firing
            .as_ref()
            .is_some_and(|(r, k, t, c)| (r.as_str(), *k, t.as_str(), c.as_str()) == firing);
        if same {
            return;
        }
        self.last_firing = Some((
            g.rule.to_owned(),
            g.target_kind,
            g.target.to_owned(),
            g.cause.to_owned(),
        ));
        self.count_firing(rule, g.target_kind, g.target, g.at);
        if after < g.cause_at && g.cause_at <= until {
            self.held
                .insert((rule, g.target_kind, g.target.to_owned(), g.cause.to_owned()));
        }
    }

    /// Whether the ledger already holds this firing.
    pub fn is_held(&self, rule: usize, kind: TargetKind, id: &str, cause: &str) -> bool {
        !self.held.is_empty()
            && self
                .held
                .contains(&(rule, kind, id.to_owned(), cause.to_owned()))
    }

    fn key(&self, window: Window, at: i64) -> WindowKey {
        match window {
            Window::Total => (window, 0),
            Window::Per(p) => (window, period_key(self.tz, at, p)),
        }
    }

    /// The first constraint a firing would break, in the order limit, exclusive,
    /// channel, cap, budget, with a sentence saying what it saw. `packets` are the
    /// firing's red packets to a member.
    pub fn check(
        &self,
        rule: usize,
        kind: TargetKind,
        id: &str,
        at: i64,
        cost: Fen,
        packets: Packets,
    ) -> Option<(Reason, String)> {
        self.check_limits(rule, kind, id, at)
            .map(|m| (Reason::Limit, m))
            .or_else(|| {
                self.check_exclusive(rule, kind, id, at)
                    .map(|m| (Reason::Exclusive, m))
            })
            .or_else(|| {
                self.check_channel(id, at, packets)
                    .map(|m| (Reason::Channel, m))
            })
            .or_else(|| self.check_caps(rule, at, cost).map(|m| (Reason::Cap, m)))
            .or_else(|| self.check_budget(at, cost).map(|m| (Reason::Budget, m)))
    }

    fn check_limits(&self, rule: usize, kind: TargetKind, id: &str, at: i64) -> Option<String> {
        self.limits[rule].iter().find_map(|limit| {
            let key = self.key(limit.window, at);
            let used = if limit.per_target {
                self.target_firings[rule]
                    .get(kind, id)
                    .and_then(|v| v.iter().find(|(k, _)| *k == key))
                    .map_or(0, |(_, n)| *n)
            } else {
                self.rule_firings.get(&(rule, key)).copied().unwrap_or(0)
            };
            (used >= limit.count).then(|| {
                let clause =
                    if limit.count == 1 && limit.per_target && limit.window == Window::Total {
                        format!("once per {}", kind.keyword())
                    } else {
                        format!(
                            "{} {}",
                            limit.count,
                            describe_window(limit.window, limit.per_target.then_some(kind))
                        )
                    };
                format!(
                    "limit {clause}: already fired {used} time{}",
                    if used == 1 { "" } else { "s" }
                )
            })
        })
    }

    fn check_exclusive(&self, rule: usize, kind: TargetKind, id: &str, at: i64) -> Option<String> {
        let (group, period) = self.exclusive[rule].as_ref()?;
        let grants = self.holders.get(group)?.get(kind, id)?;
        let period_key = |t| period.map(|p| period_key(self.tz, t, p));
        grants
            .iter()
            .find(|(other, t)| *other != rule && period_key(*t) == period_key(at))
            .map(|(other, _)| {
                let name = self
                    .rule_index
                    .iter()
                    .find(|(_, i)| **i == *other)
                    .map_or("another rule", |(n, _)| n.as_str());
                format!("exclusive \"{group}\": already granted by rule {name}")
            })
    }

    fn check_channel(&self, id: &str, at: i64, packets: Packets) -> Option<String> {
        if packets.count == 0 || !self.channel.is_set() {
            return None;
        }
        let day = period_key(self.tz, at, Period::Day);
        let had = self
            .packets
            .get(id)
            .and_then(|days| days.iter().find(|(d, _)| *d == day))
            .map_or(Packets::default(), |(_, p)| *p);
        let after = had.plus(packets);
        if let Some(most) = self.channel.count
            && after.count > most
        {
            return Some(format!(
                "per_member_daily {most} red_packets: {} received today, this gives {}",
                had.count, packets.count
            ));
        }
        let most = self.channel.amount?;
        (after.value > FenSum::from(most)).then(|| {
            format!(
                "per_member_daily {most}: {} in red packets received today, this gives {}",
                had.value, packets.value
            )
        })
    }

    /// Counts red packets a member received at `at` for `per_member_daily`.
    pub fn receive(&mut self, id: &str, at: i64, packets: Packets) {
        if packets.count == 0 || !self.channel.is_set() {
            return;
        }
        let day = period_key(self.tz, at, Period::Day);
        let days = match self.packets.get_mut(id) {
            Some(days) => days,
            None => self.packets.entry(id.to_owned()).or_default(),
        };
        match days.iter_mut().find(|(d, _)| *d == day) {
            Some((_, p)) => *p = p.plus(packets),
            None => days.push((day, packets)),
        }
    }

    fn check_caps(&self, rule: usize, at: i64, cost: Fen) -> Option<String> {
        self.caps[rule].iter().find_map(|(window, cap)| {
            let used = self
                .rule_spent
                .get(&(rule, self.key(*window, at)))
                .copied()
                .unwrap_or_default();
            exceeds(used, cost, *cap).then(|| {
                format!(
                    "cap {cap} {}: {used} used, this needs {cost}",
                    describe_window(*window, None)
                )
            })
        })
    }

    fn check_budget(&self, at: i64, cost: Fen) -> Option<String> {
        if let Some(total) = self.budget_total
            && exceeds(self.spent_total, cost, total)
        {
            return Some(format!(
                "budget {total} total: {} used, this needs {cost}",
                self.spent_total
            ));
        }
        self.budget_per.iter().find_map(|(period, budget)| {
            let used = self.spent_of(*period, at);
            exceeds(used, cost, *budget).then(|| {
                format!(
                    "budget {budget} per {}: {used} used, this needs {cost}",
                    period.keyword()
                )
            })
        })
    }

    /// Money spent in the period of `at`.
    pub fn spent_of(&self, period: Period, at: i64) -> FenSum {
        self.spent
            .get(&(period, period_key(self.tz, at, period)))
            .copied()
            .unwrap_or_default()
    }

    /// Money spent over the ledger's lifetime.
    pub fn spent_total(&self) -> FenSum {
        self.spent_total
    }

    /// Records a granted firing.
    pub fn record(&mut self, rule: usize, kind: TargetKind, id: &str, at: i64, cost: Fen) {
        self.spend(Some(rule), at, cost);
        self.count_firing(rule, kind, id, at);
    }

    fn spend(&mut self, rule: Option<usize>, at: i64, cost: Fen) {
        self.spent_total = self.spent_total.plus(cost);
        for period in [Period::Day, Period::Week, Period::Month] {
            if self.budget_per.iter().any(|(p, _)| *p == period) {
                let slot = self
                    .spent
                    .entry((period, period_key(self.tz, at, period)))
                    .or_default();
                *slot = slot.plus(cost);
            }
        }
        if let Some(rule) = rule {
            self.rule_spend(rule, at, cost);
        }
    }

    fn rule_spend(&mut self, rule: usize, at: i64, cost: Fen) {
        for i in 0..self.caps[rule].len() {
            let key = self.key(self.caps[rule][i].0, at);
            let slot = self.rule_spent.entry((rule, key)).or_default();
            *slot = slot.plus(cost);
        }
    }

    fn count_firing(&mut self, rule: usize, kind: TargetKind, id: &str, at: i64) {
        for i in 0..self.limits[rule].len() {
            let limit = self.limits[rule][i];
            let key = self.key(limit.window, at);
            if limit.per_target {
                let counts = self.target_firings[rule].entry(kind, id);
                match counts.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, n)) => *n += 1,
                    None => {
                        if counts.is_empty() {
                            // Many targets fire in one window only: room for one,
                            // not the four a first push makes (a million add up).
                            counts.reserve_exact(1);
                        }
                        counts.push((key, 1));
                    }
                }
            } else {
                *self.rule_firings.entry((rule, key)).or_default() += 1;
            }
        }
        if let Some((group, _)) = self.exclusive[rule].clone() {
            self.holders
                .entry(group)
                .or_default()
                .entry(kind, id)
                .push((rule, at));
        }
    }
}

/// Whether `used + cost > limit`, compared exactly.
fn exceeds(used: FenSum, cost: Fen, limit: Fen) -> bool {
    used.plus(cost) > FenSum::from(limit)
}

fn describe_window(window: Window, per: Option<TargetKind>) -> String {
    let per = per
        .map(|k| format!("per {} ", k.keyword()))
        .unwrap_or_default();
    match window {
        Window::Total => format!("{per}total").trim_end().to_owned(),
        Window::Per(p) => format!("{per}per {}", p.keyword()),
    }
}
