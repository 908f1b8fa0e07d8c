//! The checked program: everything resolved to indices and types, ready to compile.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use chrono_tz::Tz;

use super::types::{TExpr, Type, Value};
pub use crate::calendar::WorkCalendar;
use crate::money::{Fen, Rate};
use crate::source::Span;
use crate::syntax::ast::{self, BinaryOp, Period, TargetKind, Window};

/// A checked playbook.
#[derive(Debug, Clone)]
pub struct Program {
    /// Header settings, defaults filled in.
    pub settings: Settings,
    /// The member schema.
    pub member: RecordSchema,
    /// The group schema, when declared.
    pub group: Option<RecordSchema>,
    /// Declared events, implicit fields first.
    pub events: Vec<RecordSchema>,
    /// Segments in declaration order.
    pub segments: Vec<Segment>,
    /// Segment indices in an order where each comes after those it uses.
    pub segment_order: Vec<usize>,
    /// Declared rewards (checked where used).
    pub rewards: Vec<RewardDef>,
    /// Rules in file order.
    pub rules: Vec<Rule>,
    /// Test blocks, checked, with their values resolved.
    pub tests: Vec<TestCase>,
    /// The distinct aggregates over members' earlier events that expressions use
    /// (`TExprKind::History` indexes here).
    pub histories: Vec<HistoryDef>,
    /// The first `workday(…)` or `holiday(…)` outside rules (in a segment), when
    /// one asks the working calendar.
    pub calendar_read_at: Option<Span>,
    /// How `playbook import` maps an export's columns, per table or event kind.
    pub imports: Vec<ImportMap>,
}

/// How `playbook import` reads an export into one table: column → field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportMap {
    /// The table (or event kind) it fills.
    pub of: ast::ImportOf,
    /// The export's column and the field it fills, in source order.
    pub columns: Vec<(String, String)>,
}

/// What a history aggregate reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HistoryOf {
    /// The member's events of one kind (index into `Program::events`).
    Events(usize),
    /// What the member was granted, by one rule (named) or by any.
    Granted(Option<String>),
}

/// A grant's value, as a history reads it.
pub const GRANT_VALUE: usize = 0;
/// A grant's instant (when it was handed out), as a history reads it.
pub const GRANT_AT: usize = 1;

/// An aggregate over the events of one kind that the target member had before the
/// instant evaluated: in the run's time order (`at`, then `id`), an event is not
/// part of the history of its own firing, and an event at a tick's instant is part
/// of that tick's.
#[derive(Debug, Clone)]
pub struct HistoryDef {
    /// What it computes.
    pub func: crate::syntax::ast::Aggregate,
    /// The events or grants it reads.
    pub source: HistoryOf,
    /// The field summed, compared, or taken from the first or last event (index into
    /// the kind's schema), or of a grant ([`GRANT_VALUE`], [`GRANT_AT`]).
    pub field: Option<usize>,
    /// Which events count: reads only the event's fields.
    pub filter: Option<TExpr>,
    /// Only events at or after `now` minus this many seconds.
    pub within: Option<i64>,
    /// Its type.
    pub ty: Type,
    /// Where it was first written.
    pub span: Span,
}

/// Header settings with their defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Playbook name.
    pub name: String,
    /// Timezone of every date, time and period.
    pub timezone: Tz,
    /// First and last active day, inclusive.
    pub active: Option<(NaiveDate, NaiveDate)>,
    /// Budget for the ledger's lifetime.
    pub budget_total: Option<Fen>,
    /// Budgets per period.
    pub budget_per: Vec<(Period, Fen)>,
    /// Seed of every random draw.
    pub seed: String,
    /// Quiet hours `[from, to)`; may wrap midnight.
    pub quiet: Option<(NaiveTime, NaiveTime)>,
    /// Smallest red-packet share.
    pub red_packet_min: Fen,
    /// Largest red-packet share.
    pub red_packet_max: Fen,
    /// Most shares in one red packet.
    pub red_packet_max_shares: u64,
    /// What one point costs.
    pub point_value: Fen,
    /// What the payout channel takes per member a day (`per_member_daily`).
    pub channel: ChannelLimits,
    /// The working calendar: the official one, with the company's days when the
    /// header names a `calendar` file.
    pub calendar: WorkCalendar,
    /// Names the playbook's runs were recorded under before (`renamed from`).
    pub renamed_from: Vec<String>,
    /// Rules removed on purpose (`retired`): their grants in the ledger still count
    /// against budgets, and do not stop a run.
    pub retired: Vec<String>,
}

impl Settings {
    /// Whether any budget is set.
    pub fn has_budget(&self) -> bool {
        self.budget_total.is_some() || !self.budget_per.is_empty()
    }
}

/// `per_member_daily ¥1,000, 10 red_packets`: the most red-packet money and the most
/// red packets one member may receive a day, across rules, counted the way the
/// payout channel counts them (WeCom and WeChat Pay refuse more).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelLimits {
    /// Most red-packet money a member receives a day.
    pub amount: Option<Fen>,
    /// Most red packets a member receives a day.
    pub count: Option<u64>,
}

impl ChannelLimits {
    /// Whether any limit is set.
    pub fn is_set(&self) -> bool {
        self.amount.is_some() || self.count.is_some()
    }
}

/// WeChat group red packets: each share at least ¥0.01, at most ¥200, 100 shares.
pub const WECHAT_RED_PACKET_MIN: Fen = Fen(1);
/// See [`WECHAT_RED_PACKET_MIN`].
pub const WECHAT_RED_PACKET_MAX: Fen = Fen(20_000);
/// See [`WECHAT_RED_PACKET_MIN`].
pub const WECHAT_RED_PACKET_MAX_SHARES: u64 = 100;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            name: String::new(),
            timezone: chrono_tz::Asia::Shanghai,
            active: None,
            budget_total: None,
            budget_per: Vec::new(),
            seed: String::new(),
            quiet: None,
            red_packet_min: WECHAT_RED_PACKET_MIN,
            red_packet_max: WECHAT_RED_PACKET_MAX,
            red_packet_max_shares: WECHAT_RED_PACKET_MAX_SHARES,
            point_value: Fen::ZERO,
            channel: ChannelLimits::default(),
            calendar: WorkCalendar::Official,
            renamed_from: Vec::new(),
            retired: Vec::new(),
        }
    }
}

/// A declared field.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// Name.
    pub name: String,
    /// Type.
    pub ty: Type,
    /// Declaration (empty for implicit fields).
    pub span: Span,
}

/// The fields of members, groups or one event kind.
#[derive(Debug, Clone, Default)]
pub struct RecordSchema {
    /// Event kind name; empty for members and groups.
    pub name: String,
    /// Fields in order (for events, `id`, `member_id`, `at`, `group_id` first).
    pub fields: Vec<FieldDef>,
    /// Where it was declared.
    pub span: Span,
    /// The field marked `joined`: a member (group) does not exist before it.
    pub joined: Option<usize>,
    by_name: HashMap<String, usize>,
}

impl RecordSchema {
    /// A schema with these fields.
    pub fn new(name: String, fields: Vec<FieldDef>, span: Span) -> RecordSchema {
        let mut schema = RecordSchema {
            name,
            fields: Vec::new(),
            span,
            joined: None,
            by_name: HashMap::new(),
        };
        fields.into_iter().for_each(|f| schema.push(f));
        schema
    }

    /// Adds a field (or replaces the one of the same name).
    pub fn push(&mut self, field: FieldDef) {
        match self.by_name.get(&field.name) {
            Some(&i) => self.fields[i] = field,
            None => {
                self.by_name.insert(field.name.clone(), self.fields.len());
                self.fields.push(field);
            }
        }
    }

    /// The index of a field.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

/// A segment.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Name.
    pub name: String,
    /// Members or groups.
    pub target: TargetKind,
    /// Definition.
    pub def: SegmentDef,
    /// Name span.
    pub span: Span,
}

/// A segment's definition.
#[derive(Debug, Clone)]
pub enum SegmentDef {
    /// A condition.
    Expr(TExpr),
    /// `top N by KEY where FILTER`: ranks descending, ties by id ascending.
    Top {
        /// How many.
        count: u64,
        /// Ranking key.
        by: TExpr,
        /// Filter applied first.
        filter: Option<TExpr>,
    },
}

/// A declared reward. Its definition is checked, and inlined, where it is used: a
/// reward that reads `event.amount` means the event of the rule that gives it.
#[derive(Debug, Clone)]
pub struct RewardDef {
    /// Name.
    pub name: String,
    /// Name span.
    pub span: Span,
}

/// A checked reward.
#[derive(Debug, Clone)]
pub struct Reward {
    /// The name on grants: the declared name, or the inline reward's source text.
    pub label: String,
    /// What it is.
    pub kind: RewardKind,
    /// Where it was written.
    pub span: Span,
}

/// Checked reward forms.
#[derive(Debug, Clone)]
pub enum RewardKind {
    /// A coupon.
    Coupon(CouponSpec),
    /// A red packet, maybe split.
    RedPacket {
        /// Total (a money expression).
        amount: TExpr,
        /// Static bounds of the total.
        bounds: (Fen, Fen),
        /// Shares.
        split: Option<ast::Split>,
    },
    /// Loyalty points.
    Points(TExpr),
    /// A gift with its cost.
    Gift {
        /// Item.
        name: String,
        /// Cost for budgets.
        worth: Fen,
    },
    /// One draw.
    Lottery {
        /// Chances and outcomes.
        arms: Vec<(Rate, Reward)>,
        /// Outcome of the remainder.
        rest: Option<Box<Reward>>,
    },
    /// First matching condition.
    Tier {
        /// Conditions and outcomes.
        arms: Vec<(TExpr, Reward)>,
        /// Fallback.
        otherwise: Option<Box<Reward>>,
    },
    /// First matching threshold.
    TierBy {
        /// Value compared.
        subject: TExpr,
        /// Comparison, threshold, outcome.
        arms: Vec<(BinaryOp, Value, Reward)>,
        /// Fallback.
        otherwise: Option<Box<Reward>>,
    },
    /// Sticky A/B arms.
    Experiment {
        /// Experiment name.
        name: String,
        /// Arm name, share, outcome.
        arms: Vec<(String, Rate, Reward)>,
    },
}

/// A coupon's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct CouponSpec {
    /// What it takes off.
    pub off: CouponOff,
    /// 满 threshold.
    pub threshold: Option<Fen>,
    /// Cap of a percentage discount.
    pub max: Option<Fen>,
    /// Scope (`on "指定商品"`).
    pub scope: Option<String>,
    /// Validity in seconds.
    pub valid_seconds: Option<i64>,
    /// Combines with other coupons.
    pub stackable: bool,
}

/// A coupon's discount.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CouponOff {
    /// A fixed amount.
    Amount(Fen),
    /// A percentage of the price.
    Percent(Rate),
}

impl Reward {
    /// The rewards a lottery, tier or experiment can come out as, in order, and
    /// whether it may give none of them (a lottery without `rest` whose chances make
    /// less than 100%, a tier without `else`); `None` for a reward that is no choice.
    pub fn outcomes(&self) -> Option<(Vec<&Reward>, bool)> {
        Some(match &self.kind {
            RewardKind::Lottery { arms, rest } => {
                let chances: i64 = arms.iter().map(|(chance, _)| chance.0).sum();
                let may_miss = rest.is_none() && chances < crate::money::FULL_RATE;
                let all = arms.iter().map(|(_, r)| r).chain(rest.as_deref());
                (all.collect(), may_miss)
            }
            RewardKind::Tier { arms, otherwise } => {
                let all = arms.iter().map(|(_, r)| r).chain(otherwise.as_deref());
                (all.collect(), otherwise.is_none())
            }
            RewardKind::TierBy {
                arms, otherwise, ..
            } => {
                let all = arms.iter().map(|(_, _, r)| r).chain(otherwise.as_deref());
                (all.collect(), otherwise.is_none())
            }
            RewardKind::Experiment { arms, .. } => {
                (arms.iter().map(|(_, _, r)| r).collect(), false)
            }
            RewardKind::Coupon(_)
            | RewardKind::RedPacket { .. }
            | RewardKind::Points(_)
            | RewardKind::Gift { .. } => return None,
        })
    }
}

impl CouponSpec {
    /// Face value for caps and budgets: the amount, or a percentage coupon's `max`.
    pub fn face_value(&self) -> Fen {
        match self.off {
            CouponOff::Amount(f) => f,
            CouponOff::Percent(_) => self.max.unwrap_or(Fen::ZERO),
        }
    }
}

/// A checked rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Name.
    pub name: String,
    /// Name span.
    pub span: Span,
    /// What makes it fire.
    pub trigger: Trigger,
    /// Inclusive local days it may fire.
    pub during: Option<(NaiveDate, NaiveDate)>,
    /// `except holidays` after `during`: never fires on a holiday of the calendar.
    pub except_holidays: bool,
    /// Whether it asks the working calendar (`every workday`, `every holiday`,
    /// `except holidays`, `workday(…)`, `holiday(…)`): a run over days the calendar
    /// does not cover stops.
    pub asks_calendar: bool,
    /// Members, or groups of a segment.
    pub target: TargetKind,
    /// `for group in SEGMENT`.
    pub target_segment: Option<usize>,
    /// Condition on the target.
    pub when: Option<TExpr>,
    /// Rewards, all or none.
    pub give: Vec<Reward>,
    /// Limits on firings.
    pub limits: Vec<LimitSpec>,
    /// Caps on spend.
    pub caps: Vec<(Window, Fen)>,
    /// Higher first.
    pub priority: i64,
    /// Exclusivity group and period.
    pub exclusive: Option<(String, Option<Period>)>,
    /// Serving order of targets: key and descending.
    pub order_by: Option<(TExpr, bool)>,
    /// Names the rule's grants were recorded under before (`renamed from`): its
    /// history in the ledger under those names is its own.
    pub renamed_from: Vec<String>,
}

/// What triggers a rule.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// An event of kind `event` (index into `Program::events`).
    Event {
        /// Event kind.
        event: usize,
        /// Filter.
        filter: Option<TExpr>,
    },
    /// A schedule.
    Schedule(ScheduleSpec),
}

/// A checked schedule.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleSpec {
    /// Every day at a time.
    Daily(NaiveTime),
    /// On some weekdays at a time.
    Weekly(Vec<Weekday>, NaiveTime),
    /// Every `step_seconds` from `from` to `to` (inclusive when on a step).
    Interval {
        /// Step.
        step_seconds: i64,
        /// First tick.
        from: NaiveTime,
        /// Last possible tick.
        to: NaiveTime,
    },
    /// Every working day, or every holiday, of the calendar at a time.
    Calendar(ast::CalendarDay, NaiveTime, WorkCalendar),
    /// Day of month at a time (months without that day are skipped).
    Monthly(u32, NaiveTime),
    /// Once, at a local date-time.
    Once(NaiveDateTime),
    /// A five-field cron expression, in local time.
    Cron(String),
}

impl std::fmt::Display for ScheduleSpec {
    /// The schedule as a playbook writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let time = |t: &NaiveTime| t.format("%H:%M").to_string();
        match self {
            ScheduleSpec::Daily(t) => write!(f, "every day at {}", time(t)),
            ScheduleSpec::Weekly(days, t) => {
                let names: Vec<String> = days
                    .iter()
                    .map(|d| format!("{d:?}").to_lowercase())
                    .collect();
                write!(f, "every {} at {}", names.join(", "), time(t))
            }
            ScheduleSpec::Interval {
                step_seconds,
                from,
                to,
            } => {
                let step = match step_seconds {
                    s if s % 86_400 == 0 => format!("{}d", s / 86_400),
                    s if s % 3_600 == 0 => format!("{}h", s / 3_600),
                    s => format!("{}m", s / 60),
                };
                write!(f, "every {step} from {} to {}", time(from), time(to))
            }
            ScheduleSpec::Calendar(day, t, _) => {
                write!(f, "every {} at {}", day.keyword(), time(t))
            }
            ScheduleSpec::Monthly(day, t) => write!(f, "every month on {day} at {}", time(t)),
            ScheduleSpec::Once(at) => write!(f, "at {}", at.format("%Y-%m-%d %H:%M")),
            ScheduleSpec::Cron(text) => write!(f, "cron \"{text}\""),
        }
    }
}

/// A checked limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSpec {
    /// Most firings.
    pub count: u64,
    /// Counted per target (else rule-wide).
    pub per_target: bool,
    /// Window; `Total` is the ledger's lifetime.
    pub window: Window,
}

/// A checked `test` block.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// Its name.
    pub name: String,
    /// The whole block.
    pub span: Span,
    /// The evaluation instant (`at`).
    pub at: i64,
    /// Members, fields by schema index.
    pub members: Vec<TestRecord>,
    /// Groups.
    pub groups: Vec<TestRecord>,
    /// Events, in the order written.
    pub events: Vec<TestEvent>,
    /// Earlier grants.
    pub ledger: Vec<TestLedgerEntry>,
    /// What must hold afterwards.
    pub expectations: Vec<ast::Spanned<Expectation>>,
}

/// A member or group of a test.
#[derive(Debug, Clone)]
pub struct TestRecord {
    /// Its id.
    pub id: String,
    /// Given values by schema field index.
    pub values: Vec<(usize, Value)>,
}

/// An event of a test.
#[derive(Debug, Clone)]
pub struct TestEvent {
    /// Index into `Program::events`.
    pub kind: usize,
    /// The member who caused it.
    pub by: String,
    /// When.
    pub at: i64,
    /// Given values by the kind's schema index.
    pub values: Vec<(usize, Value)>,
}

/// `granted REWARD to ID by RULE at T`.
#[derive(Debug, Clone)]
pub struct TestLedgerEntry {
    /// Declared reward.
    pub reward: String,
    /// Receiver.
    pub target: String,
    /// Rule.
    pub rule: String,
    /// When.
    pub at: i64,
}

/// One `expect`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// `expect ID [not] gets R, … | nothing` (`rewards` is `None` for nothing).
    Gets {
        /// Receiver.
        target: String,
        /// `not gets`.
        negated: bool,
        /// Reward or rule names.
        rewards: Option<Vec<String>>,
    },
    /// `expect refused ID by RULE because REASON`.
    Refused {
        /// Receiver.
        target: String,
        /// Rule.
        rule: String,
        /// `limit`, `exclusive`, `cap` or `budget`.
        reason: String,
    },
    /// `expect spend ¥X`: the value of all new grants.
    Spend(Fen),
}
