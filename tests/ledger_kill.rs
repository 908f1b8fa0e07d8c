//! A ledger run killed at any point leaves the ledger at a run boundary: as before
//! the run or as after it, never between (LANGUAGE.md §7, "Idempotency").
//!
//! A community large enough that `playbook run --ledger` takes a while is built in a
//! temporary directory; a clean reference run gives the exact totals. Then, again and
//! again, a run is started on a fresh ledger, killed (SIGKILL on Unix) after a seeded
//! delay spread over the reference run's duration, and the ledger is inspected: it
//! must hold no run, or complete runs whose totals are the reference's. A rerun
//! without the kill must then bring the ledger to exactly the reference totals.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;

const PLAYBOOK: &str = r#"playbook "ledger kill test" {
  timezone "Asia/Shanghai"
  active 2026-04-01 .. 2026-06-30
  budget ¥75,000 total, ¥30,000 per day
  seed "ledger-kill"
}

member {
  orders: int
  spend: money
}

rule 每日红包 {
  every day at 10:00
  when orders >= 1
  give red_packet ¥0.5
  limit 1 per member per day
}

rule 晚间券 {
  every day at 20:00
  when spend >= ¥300
  give coupon ¥5 over ¥100 valid 3d
  limit 2 per member per week
  order by spend desc
}
"#;

/// Members in the data: enough for a run of a second or more in a debug build.
const MEMBERS: u32 = 40_000;
/// Three days: six ticks. The total budget runs out on the third day.
const SINCE: &str = "2026-04-20 00:00";
const AT: &str = "2026-04-23 00:00";
const BUDGET_TOTAL_FEN: i64 = 7_500_000;
/// Kill attempts.
const KILLS: u32 = 10;

/// What a ledger holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Totals {
    grants: i64,
    value_fen: i64,
    /// Per rule: (grants, value).
    by_rule: BTreeMap<String, (i64, i64)>,
}

/// The ledger after a run, checked to be at a run boundary.
#[derive(Debug)]
enum State {
    /// No ledger file, no schema yet, or no run recorded.
    NoRun,
    /// This many complete runs, and what they granted.
    Runs(usize, Totals),
}

fn build_data(path: &Path) {
    let conn = Connection::open(path).expect("create the data file");
    conn.execute_batch(&format!(
        "CREATE TABLE members (id TEXT PRIMARY KEY, orders INTEGER NOT NULL, spend INTEGER NOT NULL);
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last})
         INSERT INTO members
           SELECT printf('m%07d', i), (i * 7919) % 5, (i * 104729) % 100000 FROM n;",
        last = MEMBERS - 1
    ))
    .expect("fill the data file");
}

fn start_run(playbook: &Path, data: &Path, ledger: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_playbook"))
        .arg("run")
        .arg(playbook)
        .arg("--data")
        .arg(data)
        .args(["--since", SINCE, "--at", AT, "--format", "summary"])
        .arg("--ledger")
        .arg(ledger)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start playbook run")
}

/// Runs to the end; panics unless it succeeds.
fn run_to_end(playbook: &Path, data: &Path, ledger: &Path) -> Duration {
    let started = Instant::now();
    let out = start_run(playbook, data, ledger)
        .wait_with_output()
        .expect("wait for playbook run");
    assert!(
        out.status.success(),
        "run failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

/// Opens the ledger (recovering its WAL like any next run would) and checks that it
/// is at a run boundary: every run row's counts match its grant rows, no grant row
/// belongs to no run, and the database is intact.
fn inspect(ledger: &Path) -> State {
    if !ledger.exists() {
        return State::NoRun;
    }
    let conn = Connection::open(ledger).expect("open the ledger");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(integrity, "ok");
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('runs', 'grants')",
            [],
            |r| r.get(0),
        )
        .expect("list tables");
    match tables {
        0 => return State::NoRun,
        2 => {}
        n => panic!("the ledger schema is half made: {n} of 2 tables"),
    }
    let runs: Vec<(i64, i64, i64)> = conn
        .prepare("SELECT id, grants, value_fen FROM runs ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for &(id, grants, value) in &runs {
        let (rows, sum): (i64, i64) = conn
            .query_row(
                "SELECT count(*), coalesce(sum(value_fen), 0) FROM grants WHERE run_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (rows, sum),
            (grants, value),
            "run {id} records {grants} grants worth {value} fen but has {rows} grant rows worth {sum}"
        );
    }
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM grants WHERE run_id NOT IN (SELECT id FROM runs)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "grant rows of a run that is not recorded");
    if runs.is_empty() {
        return State::NoRun;
    }
    let (grants, value_fen) = conn
        .query_row(
            "SELECT count(*), coalesce(sum(value_fen), 0) FROM grants",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let by_rule = conn
        .prepare("SELECT rule, count(*), sum(value_fen) FROM grants GROUP BY rule ORDER BY rule")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    State::Runs(
        runs.len(),
        Totals {
            grants,
            value_fen,
            by_rule,
        },
    )
}

/// splitmix64: a fixed seed gives the same delays on every machine.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn a_killed_run_leaves_the_ledger_at_a_run_boundary() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temporary directory");
    let at = |name: &str| -> PathBuf { dir.path().join(name) };
    let playbook = at("kill.playbook");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let data = at("community.db");
    build_data(&data);

    // The reference: one clean run.
    let reference_ledger = at("reference.db");
    let duration = run_to_end(&playbook, &data, &reference_ledger);
    let reference = match inspect(&reference_ledger) {
        State::Runs(1, totals) => totals,
        other => panic!("the reference run left {other:?}"),
    };
    assert_eq!(
        reference.value_fen, BUDGET_TOTAL_FEN,
        "the budget binds, so the total is exact"
    );
    assert_eq!(
        reference.by_rule.len(),
        2,
        "both rules grant: {reference:?}"
    );
    eprintln!(
        "reference run: {:.2} s, {} grants worth {} fen",
        duration.as_secs_f64(),
        reference.grants,
        reference.value_fen
    );

    let mut rng = Rng(0x5eed_1ed9_e7c1_0000);
    let (mut before, mut after) = (0, 0);
    for i in 0..KILLS {
        // Stratified: attempt i lands in the i-th tenth of 1.1 × the reference time,
        // so the kills cover start-up, evaluation, the commit and (rarely) after it.
        let fraction = (f64::from(i) + rng.unit()) / f64::from(KILLS) * 1.1;
        let delay = duration.mul_f64(fraction);
        let ledger = at(&format!("ledger-{i}.db"));
        let mut child = start_run(&playbook, &data, &ledger);
        std::thread::sleep(delay);
        // An error here means the run had already ended; `wait` tells which.
        let _ = child.kill();
        let status = child.wait().expect("wait for the killed run");

        let left = match inspect(&ledger) {
            State::NoRun => {
                assert!(
                    !status.success(),
                    "attempt {i}: the run succeeded but recorded nothing"
                );
                before += 1;
                "no run"
            }
            State::Runs(n, totals) => {
                assert_eq!(n, 1, "attempt {i}");
                assert_eq!(totals, reference, "attempt {i}: a complete run differs");
                after += 1;
                "the complete run"
            }
        };

        // Running again without the kill completes the ledger exactly.
        run_to_end(&playbook, &data, &ledger);
        match inspect(&ledger) {
            State::Runs(_, totals) => assert_eq!(totals, reference, "attempt {i}: rerun"),
            State::NoRun => panic!("attempt {i}: the rerun recorded nothing"),
        }
        eprintln!(
            "attempt {i}: killed after {:.0} ms ({status}); the ledger held {left}",
            delay.as_secs_f64() * 1000.0,
        );
    }
    eprintln!(
        "{before} kills left no run, {after} left the complete run; {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
    assert!(
        before >= 1,
        "no kill landed inside a run: the test proved nothing"
    );
}
