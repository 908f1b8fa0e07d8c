//! The `playbook "name" { … }` header: its settings, the dates it is active, the
//! budget and the windows money and firings are counted in.

use chrono::{NaiveDate, NaiveTime};

use super::Spanned;
use crate::money::Fen;

/// The `playbook "name" { … }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The playbook's display name.
    pub name: Spanned<String>,
    /// Settings in source order.
    pub settings: Vec<Spanned<Setting>>,
}

/// One header setting.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    /// `timezone "Asia/Shanghai"`
    Timezone(Spanned<String>),
    /// `active 2026-04-18 .. 2026-05-31`
    Active(DateRange),
    /// `budget ¥50,000 total, ¥3,000 per day`
    Budget(Vec<Spanned<BudgetItem>>),
    /// `seed "s"`
    Seed(Spanned<String>),
    /// `quiet 22:00 .. 08:00`
    Quiet {
        /// Start of the quiet period (inclusive).
        from: Spanned<NaiveTime>,
        /// End of the quiet period (exclusive).
        to: Spanned<NaiveTime>,
    },
    /// `red_packet_limits ¥1 .. ¥200`
    RedPacketLimits {
        /// Smallest share.
        min: Spanned<Fen>,
        /// Largest share.
        max: Spanned<Fen>,
    },
    /// `per_member_daily ¥1,000, 10 red_packets`: the payout channel's limits per
    /// recipient and day, across rules.
    PerMemberDaily(Vec<Spanned<ChannelItem>>),
    /// `point_value ¥0.01`
    PointValue(Spanned<Fen>),
    /// `calendar "company.days"`: the company's own days off and working days, on
    /// top of the official calendar.
    Calendar(Spanned<String>),
    /// `renamed from "旧名", …`: names this playbook was recorded under before.
    RenamedFrom(Vec<Spanned<String>>),
    /// `retired "规则", …`: rules removed on purpose, whose grants stay in the ledger.
    Retired(Vec<Spanned<String>>),
}

/// An inclusive range of whole local days. A date that is not a calendar date
/// (`2026-04-00`) is reported when parsed and is `None` here, so that nothing later
/// works with a made-up day.
#[derive(Debug, Clone, PartialEq)]
pub struct DateRange {
    /// First day.
    pub from: Spanned<Option<NaiveDate>>,
    /// Last day (inclusive).
    pub to: Spanned<Option<NaiveDate>>,
}

/// One item of `per_member_daily`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelItem {
    /// `¥1,000`: most red-packet money a member receives a day.
    Amount(Fen),
    /// `10 red_packets`: most red packets a member receives a day.
    RedPackets(u64),
}

/// One amount of a `budget` setting.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetItem {
    /// The amount.
    pub amount: Spanned<Fen>,
    /// Over which window it applies.
    pub window: Window,
}

pub use crate::time::Period;

/// The window a budget, cap or limit counts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    /// `per day|week|month`
    Per(Period),
    /// `total` — for the ledger's lifetime.
    Total,
}
