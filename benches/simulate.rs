//! A month's forecast against one tick (docs/performance.md, "Simulate"), measured
//! side by side in one criterion group over the same file:
//!
//! * `run_one_tick` — `playbook::app::run::run` of the reference workload
//!   (`bench/workload.playbook`, one tick at 2026-05-01 20:00);
//! * `run_one_tick_of_the_month` — `run` of `bench/simulate.playbook` at one of its
//!   ticks (2026-05-01 10:00, the daily rule's): one scan of the members and, as
//!   every run of a playbook with events, one read of the events table;
//! * `simulate_31_days` — `playbook::app::simulate::simulate` of
//!   `bench/simulate.playbook` from 2026-04-01 to 2026-05-01: a rule every two hours
//!   from 08:00 to 22:00 (248 ticks), a daily rule (31 ticks) and a rule on each of
//!   the paid orders;
//! * `diff_31_days` — `playbook::app::diff::effect` of `bench/simulate.playbook`
//!   against itself with the cash-back threshold lowered from ¥300 to ¥200, over the
//!   same month, with five explained examples: about two forecasts, as both
//!   versions share one read of the data.
//!
//! Before timing it checks that the forecast's grants are those of a `run` of the
//! same period, and that the diff's totals are those of each version's forecast.
//!
//! The data file is `target/bench-simulate-N.db`: N members of
//! `bench/gen_members.py` and N paid orders of `bench/gen_events.py`, made once when
//! missing; N is `PLAYBOOK_BENCH_MEMBERS` (default 1,000,000). Run with
//! `cargo bench --bench simulate`.

mod common;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use chrono::NaiveDate;
use common::{data_file, members, root};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use playbook::app::diff::{self, EffectRequest, Period, Version};
use playbook::app::run::{RunRequest, run};
use playbook::app::simulate::{SimulateRequest, simulate};
use playbook::compile::{Compiled, compile};
use playbook::data::TableNames;
use playbook::interpret::engine::{Sink, SinkError};
use playbook::interpret::grant::{Grant, Refusal};
use playbook::source::SourceMap;
use playbook::time::parse_instant;

/// Counts grants and sums their value.
#[derive(Default)]
struct Count {
    grants: u64,
    value: i64,
}

impl Sink for Count {
    fn grant(&mut self, g: &Grant) -> Result<(), SinkError> {
        self.grants += 1;
        self.value += g.value.0;
        Ok(())
    }
    fn refusal(&mut self, _: &Refusal) -> Result<(), SinkError> {
        Ok(())
    }
}

fn compiled(file: &str) -> Compiled {
    let checked = playbook::check_file(&root().join("bench").join(file)).expect("read");
    compile(checked.program.expect("the benchmark playbook checks"))
}

/// `bench/simulate.playbook` with its cash-back threshold lowered, and its sources.
fn lowered() -> (Compiled, SourceMap) {
    let text = std::fs::read_to_string(root().join("bench").join("simulate.playbook"))
        .expect("read")
        .replace("event.amount >= ¥300", "event.amount >= ¥200");
    let checked = playbook::check_text("lowered.playbook", &text);
    let program = checked.program.expect("the lowered playbook checks");
    (compile(program), checked.sources)
}

fn diff_request<'a>(
    old: (&'a Compiled, &'a SourceMap),
    new: (&'a Compiled, &'a SourceMap),
    db: &'a Path,
) -> EffectRequest<'a> {
    EffectRequest {
        old: Version {
            compiled: old.0,
            sources: old.1,
        },
        new: Version {
            compiled: new.0,
            sources: new.1,
        },
        data: db,
        tables: TableNames::default(),
        period: Period::Days {
            from: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        },
        ledger: None,
        skip_bad_rows: false,
        examples: 5,
    }
}

/// The members file with `n` paid orders added, made once.
fn simulate_file(n: u64) -> PathBuf {
    let db = root().join("target").join(format!("bench-simulate-{n}.db"));
    if !db.exists() {
        let tmp = db.with_extension("db.tmp");
        std::fs::copy(data_file(n), &tmp).expect("copy the members file");
        eprintln!("adding {n} events to {}…", db.display());
        let status = Command::new("python3")
            .arg(root().join("bench").join("gen_events.py"))
            .arg(n.to_string())
            .arg(&tmp)
            .status()
            .expect("run python3 bench/gen_events.py");
        assert!(status.success(), "bench/gen_events.py failed: {status}");
        std::fs::rename(&tmp, &db).expect("rename the generated data file");
    }
    db
}

fn one_tick(engine: &Compiled, db: &Path, at: &str) -> Count {
    let at = parse_instant(at, engine.program.settings.timezone).unwrap();
    let mut sink = Count::default();
    run(&RunRequest::new(engine, db, at), &mut sink).expect("the run");
    sink
}

fn request<'a>(engine: &'a Compiled, db: &'a Path) -> SimulateRequest<'a> {
    SimulateRequest {
        compiled: engine,
        data: db,
        tables: TableNames::default(),
        from: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        ledger: None,
        skip_bad_rows: false,
        threads: 1,
        spend: Default::default(),
    }
}

fn bench_simulate(c: &mut Criterion) {
    let n = members();
    let db = simulate_file(n);
    let tick = compiled("workload.playbook");
    let month = compiled("simulate.playbook");
    let tz = month.program.settings.timezone;

    let ticked = one_tick(&tick, &db, "2026-05-01 20:00");
    let forecast = simulate(&request(&month, &db)).expect("the forecast");
    let (grants, spend) = forecast.total();
    let mut ran = Count::default();
    let whole = RunRequest {
        since: Some(parse_instant("2026-04-01 00:00", tz).unwrap() - 1),
        ..RunRequest::new(
            &month,
            &db,
            parse_instant("2026-05-02 00:00", tz).unwrap() - 1,
        )
    };
    run(&whole, &mut ran).expect("the run of the month");
    eprintln!(
        "{n} members: one tick {} grants worth {} fen; the month {grants} grants worth {spend} \
         (a run of the month: {} grants worth {} fen)",
        ticked.grants, ticked.value, ran.grants, ran.value
    );
    assert_eq!(
        (grants, spend.to_fen().map(|f| f.0)),
        (ran.grants, Some(ran.value)),
        "the forecast disagrees with the run of its period"
    );

    let month_sources = playbook::check_file(&root().join("bench").join("simulate.playbook"))
        .expect("read")
        .sources;
    let (lower, lower_sources) = lowered();
    let old = (&month, &month_sources);
    let new = (&lower, &lower_sources);
    let effect = diff::effect(&diff_request(old, new, &db)).expect("the diff");
    let lower_forecast = simulate(&request(&lower, &db)).expect("the lowered forecast");
    for (totals, forecast) in [(&effect.old, &forecast), (&effect.new, &lower_forecast)] {
        let (grants, spend) = forecast.total();
        assert_eq!(
            (totals.grants, totals.spend),
            (grants, spend),
            "diff vs simulate"
        );
    }
    eprintln!(
        "the diff: {} → {} grants, {} → {}; {} gain, {} lose, {} change",
        effect.old.grants,
        effect.new.grants,
        effect.old.spend,
        effect.new.spend,
        effect.gained,
        effect.lost,
        effect.changed
    );

    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(40));
    group.bench_function("run_one_tick", |b| {
        b.iter(|| one_tick(black_box(&tick), &db, "2026-05-01 20:00"))
    });
    group.bench_function("run_one_tick_of_the_month", |b| {
        b.iter(|| one_tick(black_box(&month), &db, "2026-05-01 10:00"))
    });
    group.bench_function("simulate_31_days", |b| {
        b.iter(|| simulate(&request(black_box(&month), &db)).expect("the forecast"))
    });
    group.bench_function("diff_31_days", |b| {
        b.iter(|| diff::effect(&diff_request(black_box(old), new, &db)).expect("the diff"))
    });
    group.finish();
}

criterion_group!(benches, bench_simulate);
criterion_main!(benches);
