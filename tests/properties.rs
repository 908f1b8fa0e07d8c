//! Properties of runs over random communities, for one fixed playbook with a total
//! and a daily budget, caps, limits, exclusivity, a lottery, quiet hours and
//! random-split group red packets:
//!
//! - budgets, caps, limits and exclusivity are never broken, not by one fen;
//! - every split red packet's shares sum exactly to its total, each within WeChat's
//!   limits (¥0.01 .. ¥200);
//! - the same input always gives the same decisions;
//! - running the window `(since, at]` as two consecutive runs that share their
//!   history (a usage loaded with the first run's grants; a real ledger file) grants
//!   exactly what one run over the whole window grants.
//!
//! Its rules also read members' histories (earlier events, earlier grants), so all
//! of the above holds for aggregates too.
//!
//! Independence of the thread count is tested in `tests/threads.rs`: parallel reads
//! need a SQLite file large enough to be cut into parts.
//!
//! The cases are few by default; set `PROPTEST_CASES` for a long run, e.g.
//! `PROPTEST_CASES=2000 cargo test --release --test properties`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use chrono_tz::Tz;
use playbook::app::decisions::Collect;
use playbook::app::run::RunRequest;
use playbook::check::Program;
use playbook::compile::plan::RewardClass;
use playbook::compile::{Compiled, compile};
use playbook::data::{EventRecord, MemoryData};
use playbook::interpret::engine::{RunOptions, RunReport};
use playbook::interpret::grant::Grant;
use playbook::interpret::usage::{HistoryGrant, Usage};
use playbook::ledger::Ledger;
use playbook::money::Fen;
use playbook::syntax::ast::{Period, Window};
use playbook::time::period_key;
use playbook::value::{Row, SET_SEPARATOR, Val};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const PLAYBOOK: &str = r#"playbook "properties" {
  timezone "Asia/Shanghai"
  active 2026-04-01 .. 2026-05-31
  budget ¥700 total, ¥250 per day
  seed "properties"
  quiet 23:00 .. 07:00
  point_value ¥0.01
}

member {
  orders: int
  spend: money
  joined_at: time
  tags: set<text>
}

group {
  kind: text
  messages_today: int
}

event join_group { group_id: text }
event order_paid { amount: money }
event check_in { streak: int }

segment 潜客 = orders == 0
segment 老客 = orders >= 2
segment 新人 = joined_at >= now - 7d
segment 大客 = top 3 by spend where 老客
segment 新星 = top 2 by spend where 新人
segment 冷群 of group = kind == "福利群" and messages_today < 50

reward 拼手气 = red_packet ¥30 split 8 random
reward 周末红包 = red_packet ¥300 split 2 random

rule 入群 {
  on join_group
  when 潜客 and not exists(order_paid)
  give red_packet ¥2
  limit once per member
  exclusive "新人"
}

rule 返现 {
  on order_paid where event.amount >= ¥50 and count(order_paid where event.amount >= ¥50 within 1d) < 3
  give red_packet clamp(event.amount * 2%, ¥0.5, ¥8)
  limit 2 per member per day
  limit 6 per day
  cap ¥30 per day
}

rule 打卡 {
  on check_in
  when event.streak >= 3 and sum(granted value within 1d) < ¥12
  give experiment "打卡实验" {
    A 50% -> red_packet clamp(event.streak * ¥0.3, ¥1, ¥5)
    B 50% -> coupon ¥3 valid 1d
  }
  limit 1 per member per day
}

rule 新星积分 {
  every day at 12:00
  when 新星
  give points 300
  limit 1 per member per week
  priority 5
}

rule 复购 {
  every day at 10:00
  when 老客 and not ("价格敏感" in tags) and count(granted within 12h) < 2
  give tier {
    大客 -> coupon ¥20 over ¥200 valid 7d
    else -> coupon ¥10 over ¥100 valid 7d
  }
  limit 1 per member per week
  cap ¥100 per day
  order by spend desc
}

rule 抽奖 {
  every day at 12:00
  when 新人
  give lottery {
    10% -> red_packet ¥20
    30% -> red_packet ¥3
    rest -> coupon ¥5
  }
  limit 1 per member per day
  exclusive "新人" per day
}

rule 晚八点 {
  every day at 20:00
  for group in 冷群
  give 拼手气
  cap ¥150 per day
  order by messages_today asc
}

rule 周末 {
  every saturday at 21:00
  for group in 冷群
  give 周末红包, red_packet ¥5 split 5 equal
  limit 1 per group per week
}
"#;

/// 2026-04-20T00:00:00+08:00, a Monday.
const T0: i64 = 1_776_614_400;
const MINUTE: i64 = 60;
const QUARTER: i64 = 15 * MINUTE;
const DAY: i64 = 86_400;
const TAGS: [&str; 3] = ["价格敏感", "宝妈", "老客"];

fn program() -> &'static Program {
    static PROGRAM: OnceLock<Program> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let outcome = playbook::check_text("properties.playbook", PLAYBOOK);
        assert_eq!(outcome.errors(), 0, "{:#?}", outcome.diagnostics);
        outcome.program.expect("the playbook checks")
    })
}

fn tz() -> Tz {
    program().settings.timezone
}

// ------------------------------------------------------------------ input

#[derive(Debug, Clone)]
struct Member {
    orders: i64,
    spend: i64,
    /// Seconds from [`T0`].
    joined: i64,
    tags: Vec<&'static str>,
}

#[derive(Debug, Clone)]
struct Group {
    kind: &'static str,
    messages: i64,
}

#[derive(Debug, Clone)]
enum What {
    Join(u8),
    Order(i64),
    CheckIn(i64),
}

#[derive(Debug, Clone)]
struct Event {
    /// Index into the members (modulo their number).
    member: usize,
    at: i64,
    what: What,
}

#[derive(Debug, Clone)]
struct Community {
    members: Vec<Member>,
    groups: Vec<Group>,
    events: Vec<Event>,
}

/// The window `(since, at]` and a split point `mid` inside it (ends included).
#[derive(Debug, Clone, Copy)]
struct Span {
    since: i64,
    mid: i64,
    at: i64,
}

fn member() -> impl Strategy<Value = Member> {
    (
        prop_oneof![Just(0i64), Just(1), 2i64..8],
        prop_oneof![0i64..30_000, 30_000i64..400_000],
        (-30 * 24 * 4i64..9 * 24 * 4).prop_map(|q| q * QUARTER),
        proptest::sample::subsequence(TAGS.to_vec(), 0..=2),
    )
        .prop_map(|(orders, spend, joined, tags)| Member {
            orders,
            spend,
            joined,
            tags,
        })
}

fn group() -> impl Strategy<Value = Group> {
    (
        prop_oneof![3 => Just("福利群"), 1 => Just("VIP群")],
        0i64..80,
    )
        .prop_map(|(kind, messages)| Group { kind, messages })
}

fn event() -> impl Strategy<Value = Event> {
    let what = prop_oneof![
        (0u8..4).prop_map(What::Join),
        (0i64..60_000).prop_map(What::Order),
        (0i64..15).prop_map(What::CheckIn),
    ];
    // On quarter hours from a day before T0 to eight days after: ties between
    // events, and with ticks, happen often; so do nights (quiet hours).
    (any::<usize>(), -24 * 4i64..8 * 24 * 4, what).prop_map(|(member, q, what)| Event {
        member,
        at: T0 + q * QUARTER,
        what,
    })
}

fn community() -> impl Strategy<Value = Community> {
    (
        prop::collection::vec(member(), 0..24),
        prop::collection::vec(group(), 0..6),
        prop::collection::vec(event(), 0..50),
    )
        .prop_map(|(members, groups, mut events)| {
            if members.is_empty() {
                events.clear();
            }
            Community {
                members,
                groups,
                events,
            }
        })
}

fn span() -> impl Strategy<Value = Span> {
    // Starts within two days of T0 on a quarter hour (often exactly on a tick),
    // lasts up to seven days; the split point is anywhere after the start (a first
    // part from `since` to `since` is an empty window, which `run` refuses), the end
    // included.
    (0i64..2 * 24 * 4, 1i64..7 * 24 * 4, 0u32..=1000).prop_map(|(start, len, split)| {
        let since = T0 + start * QUARTER;
        let at = since + len * QUARTER;
        let mid = (since + (at - since) * i64::from(split) / 1000).max(since + 1);
        Span { since, mid, at }
    })
}

fn member_id(i: usize) -> String {
    format!("m{i:02}")
}

fn group_id(i: usize) -> String {
    format!("g{i}")
}

fn event_id(i: usize) -> String {
    format!("e{i:03}")
}

fn event_kind(what: &What) -> &'static str {
    match what {
        What::Join(_) => "join_group",
        What::Order(_) => "order_paid",
        What::CheckIn(_) => "check_in",
    }
}

/// The community as decoded in-memory data.
fn memory(c: &Community) -> MemoryData {
    let p = program();
    let field = |schema: &playbook::check::RecordSchema, name: &str| {
        schema
            .index(name)
            .unwrap_or_else(|| panic!("no field {name}"))
    };
    let members = c
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut row = Row::with_width(p.member.fields.len());
            row.id = member_id(i);
            row.vals[field(&p.member, "orders")] = Val::Int(m.orders);
            row.vals[field(&p.member, "spend")] = Val::Money(Fen(m.spend));
            row.vals[field(&p.member, "joined_at")] = Val::Time(T0 + m.joined);
            row.vals[field(&p.member, "tags")] = Val::Set(m.tags.join(&SET_SEPARATOR.to_string()));
            row
        })
        .collect();
    let schema = p.group.as_ref().expect("the playbook declares groups");
    let groups = c
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut row = Row::with_width(schema.fields.len());
            row.id = group_id(i);
            row.vals[field(schema, "kind")] = Val::Text(g.kind.to_owned());
            row.vals[field(schema, "messages_today")] = Val::Int(g.messages);
            row
        })
        .collect();
    let events = c
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let kind = p
                .events
                .iter()
                .position(|s| s.name == event_kind(&e.what))
                .expect("a declared kind");
            let schema = &p.events[kind];
            let mut row = Row::with_width(schema.fields.len());
            row.id = event_id(i);
            row.vals[0] = Val::Text(row.id.clone());
            row.vals[1] = Val::Text(member_id(e.member % c.members.len()));
            row.vals[2] = Val::Time(e.at);
            match e.what {
                What::Join(g) => {
                    row.vals[field(schema, "group_id")] = Val::Text(group_id(usize::from(g)));
                }
                What::Order(amount) => row.vals[field(schema, "amount")] = Val::Money(Fen(amount)),
                What::CheckIn(streak) => row.vals[field(schema, "streak")] = Val::Int(streak),
            }
            EventRecord {
                kind,
                at: e.at,
                row,
            }
        })
        .collect();
    MemoryData {
        members,
        groups,
        events,
    }
}

/// The community as a SQLite data file in the runtime spec's layout.
fn write_sqlite(path: &Path, c: &Community) {
    let mut conn = rusqlite::Connection::open(path).expect("create the data file");
    let tx = conn.transaction().unwrap();
    tx.execute_batch(
        "CREATE TABLE members (id TEXT PRIMARY KEY, orders INTEGER, spend INTEGER,
                               joined_at INTEGER, tags TEXT);
         CREATE TABLE groups (id TEXT PRIMARY KEY, kind TEXT, messages_today INTEGER);
         CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT, member_id TEXT,
                              group_id TEXT NULL, at INTEGER, data TEXT);",
    )
    .unwrap();
    for (i, m) in c.members.iter().enumerate() {
        // Sets as a JSON array for even rows, comma-separated text for odd ones.
        let tags = if i % 2 == 0 {
            serde_json::to_string(&m.tags).unwrap()
        } else {
            m.tags.join(",")
        };
        tx.execute(
            "INSERT INTO members VALUES (?1, ?2, ?3, ?4, ?5)",
            (member_id(i), m.orders, m.spend, T0 + m.joined, tags),
        )
        .unwrap();
    }
    for (i, g) in c.groups.iter().enumerate() {
        tx.execute(
            "INSERT INTO groups VALUES (?1, ?2, ?3)",
            (group_id(i), g.kind, g.messages),
        )
        .unwrap();
    }
    for (i, e) in c.events.iter().enumerate() {
        let (group, data) = match e.what {
            What::Join(g) => {
                let g = group_id(usize::from(g));
                (Some(g.clone()), serde_json::json!({ "group_id": g }))
            }
            What::Order(amount) => (None, serde_json::json!({ "amount": amount })),
            What::CheckIn(streak) => (None, serde_json::json!({ "streak": streak })),
        };
        tx.execute(
            "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            (
                event_id(i),
                event_kind(&e.what),
                member_id(e.member % c.members.len()),
                group,
                e.at,
                data.to_string(),
            ),
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

// ------------------------------------------------------------------ running

fn run_memory(
    engine: &Compiled,
    data: &MemoryData,
    usage: &mut Usage,
    since: i64,
    at: i64,
) -> (RunReport, Collect) {
    let opts = RunOptions {
        at,
        since: Some(since),
        skip_bad_rows: false,
        threads: 1,
        pushdown: true,
        hold: true,
    };
    let mut sink = Collect::default();
    let report = engine
        .run(&mut data.clone(), usage, &opts, &mut sink)
        .expect("the run completes");
    (report, sink)
}

/// Loads grants into a usage the way a run loads its ledger's history.
fn load<'a>(usage: &mut Usage, grants: impl IntoIterator<Item = &'a Grant>, since: i64, at: i64) {
    for g in grants {
        let cause = g.cause.key(tz());
        usage.load(
            HistoryGrant {
                rule: &g.rule,
                target_kind: g.target.kind,
                target: &g.target.id,
                cause: &cause,
                cause_at: g.cause.at(),
                value: g.value,
                at: g.at,
                red_packet: g.kind == playbook::compile::plan::RewardClass::RedPacket,
                counts_spend: true,
            },
            since,
            at,
        );
    }
}

/// A grant's identity and what it gave: (rule, target kind, target, cause,
/// position, reward, value, at, shares).
type Key = (
    String,
    &'static str,
    String,
    String,
    u32,
    String,
    i64,
    i64,
    Vec<i64>,
);

fn key(g: &Grant) -> Key {
    (
        g.rule.to_string(),
        g.target.kind.keyword(),
        g.target.id.clone(),
        g.cause.key(tz()),
        g.position,
        g.reward.to_string(),
        g.value.0,
        g.at,
        g.detail.shares.iter().map(|s| s.0).collect(),
    )
}

fn sorted_keys<'a>(grants: impl IntoIterator<Item = &'a Grant>) -> Vec<Key> {
    let mut keys: Vec<Key> = grants.into_iter().map(key).collect();
    keys.sort();
    keys
}

// ------------------------------------------------------------------ invariants

/// (a) Budgets, caps, limits and exclusivity hold over `grants` (in decision order).
fn check_constraints<'a>(grants: impl IntoIterator<Item = &'a Grant>) -> Result<(), TestCaseError> {
    let grants: Vec<&Grant> = grants.into_iter().collect();
    let p = program();
    let tz = tz();
    let total: i64 = grants.iter().map(|g| g.value.0).sum();
    let budget = p.settings.budget_total.expect("a total budget").0;
    prop_assert!(total <= budget, "granted {total} fen of a {budget} budget");
    let daily = p
        .settings
        .budget_per
        .iter()
        .find(|(period, _)| *period == Period::Day)
        .expect("a daily budget")
        .1
        .0;
    let mut per_day: BTreeMap<i64, i64> = BTreeMap::new();
    for &g in &grants {
        *per_day
            .entry(period_key(tz, g.at, Period::Day))
            .or_default() += g.value.0;
    }
    for (day, spent) in &per_day {
        prop_assert!(*spent <= daily, "day {day}: {spent} fen of {daily}");
    }

    let window_key = |window: Window, at: i64| match window {
        Window::Total => 0,
        Window::Per(period) => period_key(tz, at, period),
    };
    for rule in &p.rules {
        let mine: Vec<&Grant> = grants
            .iter()
            .copied()
            .filter(|g| *g.rule == rule.name)
            .collect();
        for (window, cap) in &rule.caps {
            let mut used: HashMap<i64, i64> = HashMap::new();
            for g in &mine {
                *used.entry(window_key(*window, g.at)).or_default() += g.value.0;
            }
            for (period, spent) in used {
                prop_assert!(
                    spent <= cap.0,
                    "rule {} spent {spent} fen in period {period} of a {} cap",
                    rule.name,
                    cap.0
                );
            }
        }
        // Firings: one per (target, cause), at the grant's instant.
        let mut firings: Vec<(&str, String, i64)> = mine
            .iter()
            .map(|g| (g.target.id.as_str(), g.cause.key(tz), g.at))
            .collect();
        firings.dedup();
        for limit in &rule.limits {
            let mut count: HashMap<(Option<&str>, i64), u64> = HashMap::new();
            for (target, _, at) in &firings {
                let who = limit.per_target.then_some(*target);
                *count
                    .entry((who, window_key(limit.window, *at)))
                    .or_default() += 1;
            }
            for ((who, period), n) in count {
                prop_assert!(
                    n <= limit.count,
                    "rule {} fired {n} times for {who:?} in period {period}, limit {}",
                    rule.name,
                    limit.count
                );
            }
        }
    }

    // Exclusivity: a grant of a rule in group X finds no earlier grant of another
    // rule of X to the same target (in the same period, for a per-period group).
    let mut holders: HashMap<(&str, &str), Vec<(&str, i64)>> = HashMap::new();
    for &g in &grants {
        let rule = p.rules.iter().find(|r| r.name == *g.rule).unwrap();
        let Some((group, period)) = &rule.exclusive else {
            continue;
        };
        let same = |t: i64| period.is_none_or(|p| period_key(tz, t, p) == period_key(tz, g.at, p));
        let held = holders
            .entry((group.as_str(), g.target.id.as_str()))
            .or_default();
        prop_assert!(
            !held.iter().any(|(other, t)| *other != &*g.rule && same(*t)),
            "{} got {} from {} despite exclusive {group:?}: {held:?}",
            g.target.id,
            g.reward,
            g.rule
        );
        held.push((&g.rule, g.at));
    }
    Ok(())
}

/// (b) Split red packets: shares sum exactly to the packet, each within ¥0.01 .. ¥200.
fn check_shares<'a>(grants: impl IntoIterator<Item = &'a Grant>) -> Result<usize, TestCaseError> {
    let settings = &program().settings;
    assert_eq!(
        (settings.red_packet_min, settings.red_packet_max),
        (Fen(1), Fen(20_000)),
        "WeChat group red-packet limits"
    );
    let mut packets = 0;
    for g in grants {
        if g.detail.shares.is_empty() {
            continue;
        }
        packets += 1;
        prop_assert_eq!(g.kind, RewardClass::RedPacket);
        let sum: i64 = g.detail.shares.iter().map(|s| s.0).sum();
        prop_assert_eq!(
            sum,
            g.value.0,
            "shares {:?} of {}",
            &g.detail.shares,
            g.value
        );
        for share in &g.detail.shares {
            prop_assert!(
                (1..=20_000).contains(&share.0),
                "share {} of {:?}",
                share,
                &g.detail.shares
            );
        }
        let expected = match &*g.reward {
            "拼手气" => 8,
            "周末红包" => 2,
            "red_packet ¥5 split 5 equal" => 5,
            other => return Err(TestCaseError::fail(format!("unexpected split {other}"))),
        };
        prop_assert_eq!(g.detail.shares.len(), expected, "{}", &g.reward);
    }
    Ok(packets)
}

fn config(default_cases: u32) -> ProptestConfig {
    // PROPTEST_CASES, when set, is read by the default configuration.
    if std::env::var_os("PROPTEST_CASES").is_some() {
        ProptestConfig::default()
    } else {
        ProptestConfig::with_cases(default_cases)
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// (a), (b), (c) and (d) with in-memory data and books.
    #[test]
    fn runs_keep_budgets_split_exactly_and_are_deterministic(
        c in community(),
        w in span(),
    ) {
        let engine = compile(program().clone());
        let data = memory(&c);

        let mut usage = engine.usage();
        let (report, whole) = run_memory(&engine, &data, &mut usage, w.since, w.at);
        check_constraints(whole.grants())?;
        check_shares(whole.grants().chain(whole.refusals().flat_map(|r| &r.grants)))?;
        prop_assert_eq!(report.granted.count, whole.grants().count() as u64);
        prop_assert_eq!(
            report.granted.value.0,
            whole.grants().map(|g| g.value.0).sum::<i64>()
        );

        // (c) The same input, again: the same decisions, in the same order.
        let mut again_book = engine.usage();
        let (again_report, again) = run_memory(&engine, &data, &mut again_book, w.since, w.at);
        prop_assert_eq!(again.grants().collect::<Vec<_>>(), whole.grants().collect::<Vec<_>>());
        prop_assert_eq!(again.refusals().collect::<Vec<_>>(), whole.refusals().collect::<Vec<_>>());
        prop_assert_eq!(&again_report, &report);

        // (d) Two consecutive runs: the second loads what the first granted.
        let mut first_book = engine.usage();
        let (_, first) = run_memory(&engine, &data, &mut first_book, w.since, w.mid);
        let mut second_book = engine.usage();
        load(&mut second_book, first.grants(), w.mid, w.at);
        let (_, second) = run_memory(&engine, &data, &mut second_book, w.mid, w.at);
        prop_assert_eq!(
            sorted_keys(first.grants().chain(second.grants())),
            sorted_keys(whole.grants()),
            "split at {}", w.mid
        );
        // Carrying the first run's own usage on gives the same.
        let (_, carried) = run_memory(&engine, &data, &mut first_book, w.mid, w.at);
        prop_assert_eq!(sorted_keys(carried.grants()), sorted_keys(second.grants()));
    }
}

/// A grant recorded in a ledger file: (rule, target kind, target, cause, position,
/// reward, value, at).
type LedgerKey = (String, &'static str, String, String, u32, String, i64, i64);

fn ledger_keys(path: &Path) -> Vec<LedgerKey> {
    let ledger = Ledger::open_read_only(path).expect("open the ledger");
    let mut keys = Vec::new();
    ledger
        .for_each_grant(&program().settings.name, |e| {
            keys.push((
                e.rule.to_owned(),
                e.target_kind.keyword(),
                e.target.to_owned(),
                e.cause.to_owned(),
                e.position,
                e.reward.to_owned(),
                e.value.0,
                e.at,
            ));
        })
        .expect("read the ledger");
    keys.sort();
    keys
}

fn run_file(data: &Path, ledger: &Path, since: Option<i64>, at: i64) -> Collect {
    let compiled = compile(program().clone());
    let request = RunRequest {
        since,
        ledger: Some(ledger),
        ..RunRequest::new(&compiled, data, at)
    };
    let mut sink = Collect::default();
    playbook::app::run::run(&request, &mut sink).expect("the run completes");
    sink
}

proptest! {
    #![proptest_config(config(12))]

    /// (d) through the real thing: SQLite data and ledger files, the second run's
    /// window starting by default where the ledger's last run ended; and a rerun of
    /// the whole window over the first part's ledger. Also: SQLite data gives the
    /// same decisions as the same community in memory.
    #[test]
    fn two_ledger_runs_grant_what_one_run_grants(c in community(), w in span()) {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("community.db");
        write_sqlite(&data, &c);

        let whole_ledger = dir.path().join("whole.db");
        let whole = run_file(&data, &whole_ledger, Some(w.since), w.at);
        check_constraints(whole.grants())?;

        let split_ledger = dir.path().join("split.db");
        let first = run_file(&data, &split_ledger, Some(w.since), w.mid);
        let second = run_file(&data, &split_ledger, None, w.at);
        prop_assert_eq!(
            sorted_keys(first.grants().chain(second.grants())),
            sorted_keys(whole.grants()),
            "split at {}", w.mid
        );
        prop_assert_eq!(ledger_keys(&split_ledger), ledger_keys(&whole_ledger));

        // Running the whole window again after the first part (an overlapping
        // window) grants only what the first part did not: again the same set.
        let overlap_ledger = dir.path().join("overlap.db");
        let part = run_file(&data, &overlap_ledger, Some(w.since), w.mid);
        let rest = run_file(&data, &overlap_ledger, Some(w.since), w.at);
        prop_assert_eq!(
            sorted_keys(part.grants().chain(rest.grants())),
            sorted_keys(whole.grants()),
            "whole window again after {}", w.mid
        );
        prop_assert_eq!(ledger_keys(&overlap_ledger), ledger_keys(&whole_ledger));

        let engine = compile(program().clone());
        let mut usage = engine.usage();
        let (_, memory) = run_memory(&engine, &memory(&c), &mut usage, w.since, w.at);
        prop_assert_eq!(memory.grants().collect::<Vec<_>>(), whole.grants().collect::<Vec<_>>());
        prop_assert_eq!(memory.refusals().collect::<Vec<_>>(), whole.refusals().collect::<Vec<_>>());
    }
}

/// The generated communities do reach the budgets: without this the budget
/// property could pass vacuously.
#[test]
fn a_busy_week_runs_into_both_budgets() {
    let c = Community {
        members: (0..24)
            .map(|i| Member {
                orders: 2 + i % 3,
                spend: 50_000 + i * 10_000,
                joined: -30 * DAY,
                tags: Vec::new(),
            })
            .collect(),
        groups: (0..5)
            .map(|i| Group {
                kind: "福利群",
                messages: i,
            })
            .collect(),
        events: (0..40)
            .map(|i| Event {
                member: i,
                at: T0 + 9 * 3600 + (i as i64) * 37 * MINUTE,
                what: What::Order(40_000),
            })
            .collect(),
    };
    let engine = compile(program().clone());
    let mut usage = engine.usage();
    let (report, out) = run_memory(&engine, &memory(&c), &mut usage, T0, T0 + 7 * DAY);
    check_constraints(out.grants()).unwrap();
    let packets = check_shares(out.grants()).unwrap();
    assert!(packets > 0, "no split packet was granted");
    let reasons: Vec<_> = out.refusals().map(|r| r.reason.as_str()).collect();
    assert!(reasons.contains(&"budget"), "{:?}", report.refusals);
    let daily_refusal = out
        .refusals()
        .any(|r| r.reason.as_str() == "budget" && r.message.contains("per day"));
    let total_refusal = out
        .refusals()
        .any(|r| r.reason.as_str() == "budget" && r.message.contains("total"));
    assert!(daily_refusal && total_refusal, "{reasons:?}");
}
