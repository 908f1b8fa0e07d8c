//! Holding the members in memory never changes a run: the same grants, refusals,
//! skipped rows and errors as reading the file tick by tick, on every example, on
//! the bad-data fixture, and on random members with bad values and many events
//! (enough that the members are held for the events alone). Nor does taking the
//! members and events another run read ([`SharedReads`], as `diff` does), whether
//! that run was of the same playbook or of a changed one.

mod common;

use std::path::Path;

use playbook::app::decisions::Collect;
use playbook::app::run::{RunRequest, run};
use playbook::compile::compile;
use playbook::data::Table;
use playbook::data::sqlite::SharedReads;
use playbook::time::parse_instant;
use proptest::prelude::*;
use rusqlite::Connection;

/// Everything a run tells: its decisions, window, counts and skipped rows, or its
/// error.
fn outcome(text: &str, data: &Path, window: (&str, &str), skip: bool, hold: bool) -> String {
    outcome_sharing(text, data, window, skip, (hold, None))
}

/// [`outcome`], the run taking reads from and leaving them in `shared`.
fn outcome_sharing(
    text: &str,
    data: &Path,
    window: (&str, &str),
    skip: bool,
    (hold, shared): (bool, Option<&SharedReads>),
) -> String {
    let checked = playbook::check_text("hold.playbook", text);
    let program = checked
        .program
        .unwrap_or_else(|| panic!("{:?}", checked.diagnostics));
    let tz = program.settings.timezone;
    let compiled = compile(program);
    let request = RunRequest {
        since: Some(parse_instant(window.0, tz).unwrap()),
        skip_bad_rows: skip,
        hold,
        shared,
        ..RunRequest::new(&compiled, data, parse_instant(window.1, tz).unwrap())
    };
    let mut sink = Collect::default();
    match run(&request, &mut sink) {
        Ok(done) => {
            let r = &done.report;
            let decisions: Vec<String> = sink.decisions.iter().map(common::timed_line).collect();
            let skipped: Vec<String> = r.skipped.iter().map(|b| b.to_string()).collect();
            format!(
                "{} ticks, {} events ({} skipped), {:?} granted, {:?}\n{}\nskipped:\n{}",
                r.ticks,
                r.events,
                r.events_skipped,
                r.granted,
                r.refusals,
                decisions.join("\n"),
                skipped.join("\n")
            )
        }
        Err(e) => format!("error: {e}"),
    }
}

/// Runs `text` over `data` held and not held, and twice sharing reads (after a run
/// of `other` took them first), with and without skipping bad rows.
fn assert_same(text: &str, other: &str, data: &Path, window: (&str, &str)) {
    for skip in [false, true] {
        let read = outcome(text, data, window, skip, false);
        let held = outcome(text, data, window, skip, true);
        assert_eq!(read, held, "skip_bad_rows {skip}");
        for first in [text, other] {
            let shared = SharedReads::new();
            shared.retain_events();
            let _ = outcome_sharing(first, data, window, skip, (true, Some(&shared)));
            let second = outcome_sharing(text, data, window, skip, (true, Some(&shared)));
            assert_eq!(
                read, second,
                "shared after another run, skip_bad_rows {skip}"
            );
        }
    }
}

#[test]
fn every_example_runs_the_same_held() {
    let windows = [
        (
            "member_day_birthday",
            ("2026-05-01 00:00", "2026-05-20 00:00"),
        ),
        (
            "package_card_launch",
            ("2026-04-20 00:00", "2026-05-05 00:00"),
        ),
        (
            "store_owner_red_packets",
            ("2026-05-01 00:00", "2026-05-15 00:00"),
        ),
        ("tiered_groups", ("2026-06-01 00:00", "2026-06-15 00:00")),
    ];
    for (name, window) in windows {
        let text = std::fs::read_to_string(format!("examples/{name}.playbook")).unwrap();
        let data = format!("examples/data/{name}.sql");
        let read = outcome(&text, Path::new(&data), window, false, false);
        assert!(read.contains("grant"), "{name} grants something:\n{read}");
        assert_same(&text, &changed(&text), Path::new(&data), window);
    }
}

#[test]
fn bad_rows_are_reported_the_same_held() {
    let text = std::fs::read_to_string("tests/fixtures/run/community.playbook").unwrap();
    let data = Path::new("tests/fixtures/run/bad_rows.sql");
    let window = ("2026-05-01 00:00", "2026-05-08 00:00");
    assert!(outcome(&text, data, window, false, true).starts_with("error:"));
    assert_same(&text, &changed(&text), data, window);
}

/// A changed version of a playbook: every `>= ¥` threshold raised (a `1` put before
/// its digits), and one rule more that reads another field when the schema has `vip`.
fn changed(text: &str) -> String {
    let mut out = text.replace(">= ¥", ">= ¥1");
    if text.contains("vip: bool?") {
        out.push_str("rule 会员日 { every day at 12:00  when vip ?? false  give points 5 }\n");
    }
    out
}

const EVENTS_PLAYBOOK: &str = r#"
playbook "held" { timezone "Asia/Shanghai"  seed "h"  budget ¥3,000 per day }
member { orders: int, spend: money, joined_at: time joined, vip: bool?, tags: set<text> }
event order_paid { amount: money }
segment 老客 = orders >= 2
rule 返现 {
  on order_paid where event.amount >= ¥100
  give tier { 老客 -> red_packet ¥3  else -> red_packet ¥1 }
  limit 2 per member per day
  cap ¥900 per day
}
rule 早安 {
  every day at 09:00
  when not ("价格敏感" in tags) and joined_at >= now - 3d and spend < ¥100,000
  give coupon ¥5
}
"#;

/// Events past the number that makes a run hold the members for them alone.
const EVENTS: u32 = 20_500;

/// Members (some with a bad value, `bad` of them in every eleven) and paid orders
/// over three days (some by members who do not exist, a few with a bad amount).
fn write(path: &Path, members: &[(u8, u8, bool)], missing_every: u32) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE members (id TEXT PRIMARY KEY, orders, spend, joined_at, vip, tags);
         CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT, member_id TEXT, at TEXT, data TEXT);",
    )
    .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    for (i, &(orders, day, bad)) in members.iter().enumerate() {
        let spend: rusqlite::types::Value = if bad {
            "¥12".to_owned().into() // money must be INTEGER fen
        } else {
            (i64::from(orders) * 1_000).into()
        };
        let tags = if i % 5 == 0 { "价格敏感" } else { "" };
        tx.execute(
            "INSERT INTO members VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
                format!("m{i:03}"),
                orders,
                spend,
                format!("2026-05-0{} 08:30:00", 1 + day % 4),
                (i % 3 == 0).then_some(1),
                tags
            ],
        )
        .unwrap();
    }
    let n = members.len() as u32;
    for e in 0..EVENTS {
        let member = if missing_every > 0 && e % missing_every == 0 {
            format!("x{e}")
        } else {
            format!("m{:03}", (e * 7_919) % n)
        };
        let second = u64::from(e) * 3 * 86_400 / u64::from(EVENTS);
        tx.execute(
            "INSERT INTO events VALUES (?1, 'order_paid', ?2, ?3, ?4)",
            rusqlite::params![
                format!("e{e:05}"),
                member,
                format!(
                    "2026-05-0{} {:02}:{:02}:{:02}",
                    2 + second / 86_400,
                    second / 3_600 % 24,
                    second / 60 % 60,
                    second % 60
                ),
                if e % 1_013 == 5 {
                    // A bad value in an event: reported beside the members' ones.
                    "{\"amount\": \"¥5\"}".to_owned()
                } else {
                    format!("{{\"amount\": {}}}", (e % 7) * 5_000)
                }
            ],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn events_and_ticks_run_the_same_held(
        members in proptest::collection::vec(
            (0u8..6, 0u8..4, prop_oneof![9 => Just(false), 1 => Just(true)]),
            1..60,
        ),
        missing_every in prop_oneof![Just(0u32), Just(997)],
    ) {
        let dir = tempfile::TempDir::new().unwrap();
        let data = dir.path().join("held.db");
        write(&data, &members, missing_every);
        let window = ("2026-05-01 00:00", "2026-05-05 00:00");
        for skip in [false, true] {
            let read = outcome(EVENTS_PLAYBOOK, &data, window, skip, false);
            let held = outcome(EVENTS_PLAYBOOK, &data, window, skip, true);
            prop_assert_eq!(&read, &held, "skip_bad_rows {}", skip);
            // After a changed version (another threshold, one more field read) read
            // the file, sharing what it read, reading wider or not.
            let changed = changed(EVENTS_PLAYBOOK);
            for wider in [false, true] {
                let shared = SharedReads::new();
                if wider {
                    shared.hold_also(Table::Members, &[0, 1, 2, 3, 4, 5]);
                }
                let _ = outcome_sharing(&changed, &data, window, skip, (true, Some(&shared)));
                let second = outcome_sharing(EVENTS_PLAYBOOK, &data, window, skip, (true, Some(&shared)));
                prop_assert_eq!(&read, &second, "shared, wider {}, skip_bad_rows {}", wider, skip);
            }
        }
    }
}
