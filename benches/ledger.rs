//! The ledger benchmark (docs/performance.md): a run that records about 557,000
//! grants in a ledger file, against a hand-written rusqlite loop inserting the same
//! rows, in one criterion group:
//!
//! * `run_with_ledger` — `playbook::app::run::run` of `bench/ledger.playbook` over the
//!   workload's members with a fresh ledger file: reading and deciding, then every
//!   grant recorded in the run's one transaction;
//! * `rusqlite_insert` — the same grant rows (read back from a ledger the run wrote)
//!   inserted into a fresh file with the ledger's own schema, in one transaction
//!   through one prepared statement, with the ledger's settings (WAL, synchronous
//!   NORMAL).
//!
//! Before timing, the run's recorded grants must equal its decisions. The data file
//! is `target/bench-members-N.db` as for `benches/workload.rs`.
//!
//! Run with `cargo bench --bench ledger`.

mod common;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{data_file, members, root};
use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use playbook::app::run::{RunOutcome, RunRequest, run};
use playbook::check::Program;
use playbook::compile::compile;
use playbook::interpret::engine::{Sink, SinkError};
use playbook::interpret::grant::{Grant, Refusal};
use playbook::time::parse_instant;
use rusqlite::Connection;
use rusqlite::types::Value;

/// The evaluation instant, the rule's `at`.
const AT: &str = "2026-05-01 20:00";

/// The grant columns the ledger writes, in its insert's order.
const COLUMNS: &str = "run_id, playbook, rule, target_kind, target, cause, cause_at, position, \
                       reward, kind, value_fen, at, detail";

/// Removes a SQLite file and its WAL companions.
fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// Counts grants.
#[derive(Default)]
struct Count {
    grants: u64,
    refusals: u64,
}

impl Sink for Count {
    fn grant(&mut self, _grant: &Grant) -> Result<(), SinkError> {
        self.grants += 1;
        Ok(())
    }

    fn refusal(&mut self, _refusal: &Refusal) -> Result<(), SinkError> {
        self.refusals += 1;
        Ok(())
    }
}

/// (a) `playbook run --ledger` into a fresh ledger file.
fn by_run(program: &Program, db: &Path, ledger: &Path, at: i64) -> (RunOutcome, Count) {
    remove(ledger);
    let compiled = compile(program.clone());
    let request = RunRequest {
        ledger: Some(ledger),
        ..RunRequest::new(&compiled, db, at)
    };
    let mut sink = Count::default();
    let outcome = run(&request, &mut sink).expect("playbook run");
    (outcome, sink)
}

/// What the run wrote: the ledger's schema, its `runs` rows (which the grants
/// reference) and its grant rows.
struct Written {
    schema: Vec<String>,
    runs: Vec<Vec<Value>>,
    grants: Vec<Vec<Value>>,
}

/// Every row of a query, all its columns.
fn all_rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut stmt = conn.prepare(sql).expect("prepare a read");
    let width = stmt.column_count();
    stmt.query_map([], |r| (0..width).map(|i| r.get::<_, Value>(i)).collect())
        .expect("read")
        .collect::<Result<Vec<Vec<Value>>, _>>()
        .expect("read")
}

fn read_back(ledger: &Path) -> Written {
    let conn = Connection::open(ledger).expect("open the ledger");
    let mut stmt = conn
        .prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid")
        .expect("read the schema");
    let schema = stmt
        .query_map([], |r| r.get(0))
        .expect("read the schema")
        .collect::<Result<Vec<String>, _>>()
        .expect("read the schema");
    Written {
        schema,
        runs: all_rows(&conn, "SELECT * FROM runs ORDER BY id"),
        grants: all_rows(&conn, &format!("SELECT {COLUMNS} FROM grants ORDER BY id")),
    }
}

/// A fresh file with the ledger's schema, settings and `runs` rows, ready for the
/// hand loop.
fn fresh_table(path: &Path, written: &Written) -> Connection {
    remove(path);
    let conn = Connection::open(path).expect("create the file");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("synchronous");
    for sql in &written.schema {
        conn.execute_batch(sql).expect("create the schema");
    }
    for run in &written.runs {
        conn.execute(
            "INSERT INTO runs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params_from_iter(run),
        )
        .expect("copy a run");
    }
    conn
}

/// (b) The hand-written insert: one transaction, one prepared statement.
fn by_insert(conn: Connection, rows: &[Vec<Value>]) -> usize {
    let tx = conn.unchecked_transaction().expect("begin");
    let mut inserted = 0;
    {
        let mut insert = tx
            .prepare(&format!(
                "INSERT INTO grants ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, \
                 ?10, ?11, ?12, ?13)"
            ))
            .expect("prepare the insert");
        for row in rows {
            inserted += insert
                .execute(rusqlite::params_from_iter(row))
                .expect("insert a grant");
        }
    }
    tx.commit().expect("commit");
    inserted
}

fn bench_ledger(c: &mut Criterion) {
    let n = members();
    let db = data_file(n);
    let checked = playbook::check_file(&root().join("bench").join("ledger.playbook"))
        .expect("read bench/ledger.playbook");
    assert_eq!(checked.errors(), 0, "bench/ledger.playbook has errors");
    let program = checked.program.expect("bench/ledger.playbook checks");
    let at = parse_instant(AT, program.settings.timezone).expect("the instant");
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let ledger = dir.path().join("ledger.db");
    let copy = dir.path().join("insert.db");

    // Agreement, before any timing.
    let (outcome, count) = by_run(&program, &db, &ledger, at);
    let recorded = outcome.recorded.expect("the run is recorded").grants;
    let written = read_back(&ledger);
    let rows = &written.grants;
    eprintln!(
        "ledger over {n} members at {AT}: {} grants decided, {recorded} recorded, {} rows \
         read back, {} refusals",
        count.grants,
        rows.len(),
        count.refusals
    );
    assert_eq!((count.grants, rows.len() as u64), (recorded, recorded));
    assert_eq!(
        by_insert(fresh_table(&copy, &written), rows),
        rows.len(),
        "the hand loop inserts every row"
    );

    let mut group = c.benchmark_group("ledger");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(25));
    group.throughput(Throughput::Elements(recorded));
    group.bench_function("run_with_ledger", |b| {
        b.iter(|| by_run(black_box(&program), &db, &ledger, at).1.grants)
    });
    group.bench_function("rusqlite_insert", |b| {
        b.iter_batched(
            || fresh_table(&copy, &written),
            |conn| by_insert(conn, black_box(rows)),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_ledger);
criterion_main!(benches);
