//! Reading the data with several threads never changes a run's decisions.

mod common;

use std::path::Path;

use playbook::app::decisions::Collect;
use playbook::app::run::{RunRequest, run};
use playbook::compile::compile;
use playbook::interpret::engine::{Sink, SinkError};
use playbook::interpret::grant::{Grant, Refusal};
use playbook::time::parse_instant;
use rusqlite::Connection;

const PLAYBOOK: &str = r#"
playbook "threads" { budget ¥20,000 total, ¥9,000 per day  seed "t" }
member { orders: int, spend: money, joined_at: time, tags: set<text> }
segment 老客 = orders >= 2
segment 羊毛党 = "价格敏感" in tags
rule 早安 {
  every day at 09:00
  when not 羊毛党
  give tier {
    老客 -> lottery { 30% -> red_packet ¥3  rest -> coupon ¥5 }
    else -> coupon ¥2
  }
  limit 1 per member per day
  order by spend desc
}
rule 晚安 {
  every day at 21:00
  when orders == 0 and joined_at >= now - 30d
  give red_packet ¥1
  cap ¥500 per day
}
"#;

/// Members inserted out of id order, so table order and serving order differ.
fn write_members(path: &Path, n: u64) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE members (id TEXT PRIMARY KEY, orders INTEGER, spend INTEGER, joined_at TEXT, tags TEXT)",
    )
    .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO members VALUES (?1, ?2, ?3, ?4, ?5)")
            .unwrap();
        for i in 0..n {
            let k = (i * 7919) % n; // a permutation: ids arrive shuffled
            let day = 1 + k % 28;
            let tags = if k.is_multiple_of(7) {
                "价格敏感,穿搭"
            } else {
                "穿搭"
            };
            insert
                .execute((
                    format!("m{k:07}"),
                    (k % 6) as i64,
                    ((k * 37) % 50_000) as i64,
                    format!("2026-04-{day:02} 10:00:00"),
                    tags,
                ))
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

#[test]
fn decisions_are_identical_for_any_thread_count() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().join("members.db");
    write_members(&data, 60_000);
    let checked = playbook::check_text("threads.playbook", PLAYBOOK);
    let program = checked
        .program
        .unwrap_or_else(|| panic!("{:?}", checked.diagnostics));
    let tz = program.settings.timezone;
    let runs: Vec<Vec<String>> = [1, 2, 3]
        .into_iter()
        .map(|threads| {
            let compiled = compile(program.clone());
            let request = RunRequest {
                since: Some(parse_instant("2026-04-20 00:00", tz).unwrap()),
                threads,
                // Read from the file each tick: held members are read on one thread.
                hold: false,
                ..RunRequest::new(
                    &compiled,
                    &data,
                    parse_instant("2026-04-21 23:00", tz).unwrap(),
                )
            };
            let mut sink = Collect::default();
            run(&request, &mut sink).unwrap();
            sink.decisions.iter().map(common::timed_line).collect()
        })
        .collect();
    assert!(
        runs[0].len() > 500,
        "the run decides something: {}",
        runs[0].len()
    );
    assert!(
        runs[0].iter().any(|d| d.starts_with("refused")),
        "budgets and caps bind"
    );
    assert_eq!(runs[0], runs[1], "2 threads");
    assert_eq!(runs[0], runs[2], "3 threads");
}

/// Counts the progress reports of a run.
#[derive(Default)]
struct Progress(Vec<u64>);

impl Sink for Progress {
    fn grant(&mut self, _: &Grant) -> Result<(), SinkError> {
        Ok(())
    }

    fn refusal(&mut self, _: &Refusal) -> Result<(), SinkError> {
        Ok(())
    }

    fn progress(&mut self, rows: u64) {
        self.0.push(rows);
    }
}

#[test]
fn progress_is_reported_whatever_the_thread_count() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().join("members.db");
    // Enough rows that each of two parts passes one report interval.
    let rows = 2 * playbook::interpret::engine::PROGRESS_EVERY + 10;
    write_members(&data, rows);
    let program = playbook::check_text("threads.playbook", PLAYBOOK)
        .program
        .expect("checks");
    let tz = program.settings.timezone;
    for threads in [1, 2] {
        let compiled = compile(program.clone());
        let request = RunRequest {
            threads,
            // Every row read, none skipped by the pushed-down filter.
            pushdown: false,
            hold: false,
            ..RunRequest::new(
                &compiled,
                &data,
                parse_instant("2026-04-20 21:00", tz).unwrap(),
            )
        };
        let mut sink = Progress::default();
        run(&request, &mut sink).unwrap();
        let last = sink.0.last().copied().unwrap_or(0);
        assert!(
            last >= 2 * playbook::interpret::engine::PROGRESS_EVERY,
            "{threads} threads: progress {:?}",
            sink.0
        );
    }
}

const HISTORY_PLAYBOOK: &str = r#"
playbook "history threads" { budget ¥20,000 total, ¥6,000 per day  seed "h" }
member { orders: int, spend: money, joined_at: time, tags: set<text> }
event order_paid { amount: money }
segment 近期买家 = count(order_paid where event.amount >= ¥50 within 3d) >= 1
rule 早安 {
  every day at 09:00
  when 近期买家 and sum(granted value within 1d) < ¥3
  give red_packet ¥2
  order by spend desc
}
rule 午安 {
  every day at 09:00
  when orders >= 1 and count(granted within 1d) == 0 and (last(order_paid).at ?? now) < now - 2d
  give coupon ¥1
}
rule 返现 {
  on order_paid where count(order_paid) == 0
  when not exists(granted 返现 within 1d)
  give red_packet ¥1
  cap ¥800 per day
}
"#;

/// `n` paid orders over 2026-04-15 .. 04-21 by members of `write_members(_, m)`.
fn write_orders(path: &Path, n: u64, m: u64) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT, member_id TEXT, at TEXT, data TEXT)",
    )
    .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO events VALUES (?1, 'order_paid', ?2, ?3, ?4)")
            .unwrap();
        for i in 0..n {
            let member = (i * 104_729) % m;
            let second = i * 7 * 86_400 / n;
            let at = format!(
                "2026-04-{:02} {:02}:{:02}:{:02}",
                15 + second / 86_400,
                second / 3_600 % 24,
                second / 60 % 60,
                second % 60
            );
            let amount = (i % 9) * 2_000;
            insert
                .execute((
                    format!("e{i:07}"),
                    format!("m{member:07}"),
                    at,
                    format!("{{\"amount\": {amount}}}"),
                ))
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

#[test]
fn histories_decide_the_same_for_any_thread_count_pushdown_and_holding() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().join("members.db");
    write_members(&data, 60_000);
    write_orders(&data, 40_000, 60_000);
    let checked = playbook::check_text("history.playbook", HISTORY_PLAYBOOK);
    let program = checked
        .program
        .unwrap_or_else(|| panic!("{:?}", checked.diagnostics));
    let tz = program.settings.timezone;
    let decide = |threads: usize, pushdown: bool, hold: bool| -> Vec<String> {
        let compiled = compile(program.clone());
        let request = RunRequest {
            // Orders from 04-15 on are history before the window.
            since: Some(parse_instant("2026-04-18 00:00", tz).unwrap()),
            threads,
            pushdown,
            hold,
            ..RunRequest::new(
                &compiled,
                &data,
                parse_instant("2026-04-21 23:00", tz).unwrap(),
            )
        };
        let mut sink = Collect::default();
        run(&request, &mut sink).unwrap();
        sink.decisions.iter().map(common::timed_line).collect()
    };
    let first = decide(1, true, false);
    for rule in ["早安", "午安", "返现"] {
        assert!(first.iter().any(|d| d.contains(rule)), "{rule} fires");
    }
    assert!(first.iter().any(|d| d.starts_with("refused")), "caps bind");
    assert_eq!(first, decide(2, true, false), "2 threads");
    assert_eq!(first, decide(3, false, false), "3 threads, no pushdown");
    assert_eq!(first, decide(1, true, true), "held");
}
