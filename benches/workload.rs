//! The reference workload (docs/performance.md): ten segments and one tiered coupon
//! over a generated `members` table, measured side by side in one criterion group:
//!
//! * `sql` — the hand-written query `bench/workload.sql`, through rusqlite;
//! * `rust_loop` — a hand-written rusqlite loop in Rust computing the same numbers;
//! * `playbook_run` — `playbook::app::run::run` of `bench/workload.playbook`;
//! * `playbook_segments` — `playbook::app::explain::segment_sizes` (what
//!   `playbook segments` prints).
//!
//! Before timing, all four must agree on the ten segment counts and on the coupons.
//!
//! The data file is `target/bench-members-N.db`, made once by
//! `python3 bench/gen_members.py N target/bench-members-N.db` when missing; N is
//! `PLAYBOOK_BENCH_MEMBERS` (default 1,000,000).
//!
//! Run with `cargo bench --bench workload`; `python3 bench/report.py` then prints
//! the medians, ns/member and the ratios to `sql`.

mod common;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use common::{data_file, members, root};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use playbook::app::explain::segment_sizes;
use playbook::app::run::{RunRequest, run};
use playbook::check::Program;
use playbook::compile::{Compiled, compile};
use playbook::data::TableNames;
use playbook::data::sqlite::SqliteData;
use playbook::interpret::engine::{Sink, SinkError};
use playbook::interpret::grant::{Grant, Refusal};
use playbook::time::parse_instant;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

/// The evaluation instant of the workload.
const AT: &str = "2026-05-01 20:00";
/// now - 30d and now - 90d, in the data's 'YYYY-MM-DD HH:MM:SS' local format.
const NOW_30D: &[u8] = b"2026-04-01 20:00:00";
const NOW_90D: &[u8] = b"2026-01-31 20:00:00";

/// Segment names, in the order of the playbook, the query and [`Numbers::segments`].
const SEGMENTS: [&str; 10] = [
    "潜客",
    "新客",
    "老客",
    "忠诚",
    "沉睡",
    "羊毛党",
    "高活跃",
    "裂变达人",
    "生日月",
    "渠道高级",
];

/// What every engine must agree on.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Numbers {
    /// S1..S10 sizes.
    segments: [u64; 10],
    /// Total tiered coupon value, fen.
    coupon_fen: i64,
    /// Members with a non-zero coupon.
    coupons: u64,
}

fn open_read_only(db: &Path) -> Connection {
    Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("open the data file")
}

/// (a) The hand-written query.
fn by_sql(conn: &Connection, sql: &str) -> Numbers {
    let mut stmt = conn.prepare(sql).expect("prepare bench/workload.sql");
    stmt.query_row([], |row| {
        let mut n = Numbers::default();
        for (i, s) in n.segments.iter_mut().enumerate() {
            *s = row.get::<_, i64>(i)? as u64;
        }
        n.coupon_fen = row.get(10)?;
        n.coupons = row.get::<_, i64>(11)? as u64;
        Ok(n)
    })
    .expect("run bench/workload.sql")
}

fn int(v: ValueRef<'_>) -> i64 {
    match v {
        ValueRef::Integer(i) => i,
        other => panic!("expected an integer, got {other:?}"),
    }
}

/// The bytes of a text column; `None` for NULL.
fn text(v: ValueRef<'_>) -> Option<&[u8]> {
    match v {
        ValueRef::Text(t) => Some(t),
        ValueRef::Null => None,
        other => panic!("expected text, got {other:?}"),
    }
}

/// (b) A hand-written streaming loop over the rows.
fn by_loop(conn: &Connection) -> Numbers {
    const TAG: &[u8] = "价格敏感".as_bytes();
    const TAOBAO: &[u8] = "淘宝".as_bytes();
    const DOUYIN: &[u8] = "抖音".as_bytes();
    let mut stmt = conn
        .prepare(
            "SELECT orders, joined_at, first_order_at, last_order_at, spend_365d, tags, \
             messages_7d, invites, birthday, channel, level FROM members",
        )
        .expect("prepare the loop's select");
    let mut rows = stmt.query([]).expect("query members");
    let mut n = Numbers::default();
    while let Some(row) = rows.next().expect("read a member") {
        let get = |i| row.get_ref(i).expect("column");
        let orders = int(get(0));
        let joined_at = text(get(1)).expect("joined_at is not null");
        let first_order_at = text(get(2));
        let last_order_at = text(get(3));
        let spend_365d = int(get(4));
        let tags = text(get(5)).expect("tags is not null");
        let messages_7d = int(get(6));
        let invites = int(get(7));
        let birthday = text(get(8));
        let channel = text(get(9)).expect("channel is not null");
        let level = int(get(10));

        let s1 = orders == 0 && joined_at >= NOW_30D;
        let s2 = orders == 1 && first_order_at.is_some_and(|t| t >= NOW_30D);
        let s4 = orders >= 5 || spend_365d >= 1_000_000;
        let s3 = orders >= 2 && !s4;
        let s5 = last_order_at.is_some_and(|t| t < NOW_90D);
        let s6 = tags.split(|&b| b == b',').any(|t| t == TAG);
        let s7 = messages_7d >= 20;
        let s8 = invites >= 3;
        let s9 = birthday.is_some_and(|b| b.get(5..7) == Some(b"05".as_slice()));
        let s10 = (channel == TAOBAO || channel == DOUYIN) && level >= 2;
        for (count, hit) in n
            .segments
            .iter_mut()
            .zip([s1, s2, s3, s4, s5, s6, s7, s8, s9, s10])
        {
            *count += u64::from(hit);
        }
        let coupon = if s5 {
            0
        } else if s4 && spend_365d >= 2_000_000 {
            10_000
        } else if s4 {
            5_000
        } else if s3 {
            2_000
        } else if s2 {
            1_000
        } else if s1 {
            500
        } else {
            0
        };
        n.coupon_fen += coupon;
        n.coupons += u64::from(coupon != 0);
    }
    n
}

/// Counts grants and sums their value.
#[derive(Default)]
struct Count {
    grants: u64,
    value: i64,
    refusals: u64,
}

impl Sink for Count {
    fn grant(&mut self, grant: &Grant) -> Result<(), SinkError> {
        self.grants += 1;
        self.value += grant.value.0;
        Ok(())
    }

    fn refusal(&mut self, _refusal: &Refusal) -> Result<(), SinkError> {
        self.refusals += 1;
        Ok(())
    }
}

/// (c) `playbook run`.
fn by_run(program: &Program, db: &Path, at: i64, threads: usize) -> Count {
    let mut sink = Count::default();
    let compiled = compile(program.clone());
    let request = RunRequest {
        threads,
        ..RunRequest::new(&compiled, db, at)
    };
    run(&request, &mut sink).expect("playbook run");
    sink
}

/// (d) `playbook segments`.
fn by_segments(engine: &Compiled, program: &Program, db: &Path, at: i64) -> [u64; 10] {
    let mut data =
        SqliteData::open(db, program, TableNames::default()).expect("open the data file");
    let (sizes, bad) = segment_sizes(engine, &mut data, (at, None), false).expect("segment sizes");
    assert!(bad.is_empty(), "bad values: {bad:?}");
    let mut out = [0; 10];
    for (slot, name) in out.iter_mut().zip(SEGMENTS) {
        *slot = sizes
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no segment {name}"))
            .size;
    }
    out
}

fn bench_workload(c: &mut Criterion) {
    let n = members();
    let db = data_file(n);
    let sql = std::fs::read_to_string(root().join("bench").join("workload.sql"))
        .expect("read bench/workload.sql");
    let checked = playbook::check_file(&root().join("bench").join("workload.playbook"))
        .expect("read bench/workload.playbook");
    assert_eq!(checked.errors(), 0, "bench/workload.playbook has errors");
    let program = checked.program.expect("bench/workload.playbook checks");
    let at = parse_instant(AT, program.settings.timezone).expect("the instant");
    let engine = compile(program.clone());
    let conn = open_read_only(&db);

    // Agreement, before any timing.
    let by_sql_n = by_sql(&conn, &sql);
    let by_loop_n = by_loop(&conn);
    let ran = by_run(&program, &db, at, 1);
    let sizes = by_segments(&engine, &program, &db, at);
    eprintln!("workload over {n} members at {AT}:");
    for (i, name) in SEGMENTS.iter().enumerate() {
        eprintln!(
            "  S{:<2} {name:<6} sql {:>8}  loop {:>8}  segments {:>8}",
            i + 1,
            by_sql_n.segments[i],
            by_loop_n.segments[i],
            sizes[i]
        );
    }
    eprintln!(
        "  coupons: sql {} worth {} fen, loop {} worth {} fen, run {} grants worth {} fen ({} refusals)",
        by_sql_n.coupons,
        by_sql_n.coupon_fen,
        by_loop_n.coupons,
        by_loop_n.coupon_fen,
        ran.grants,
        ran.value,
        ran.refusals
    );
    assert_eq!(
        by_loop_n, by_sql_n,
        "the Rust loop disagrees with the SQL query"
    );
    assert_eq!(
        sizes, by_sql_n.segments,
        "segments disagrees with the SQL query"
    );
    assert_eq!(
        (ran.grants, ran.value, ran.refusals),
        (by_sql_n.coupons, by_sql_n.coupon_fen, 0),
        "run disagrees with the SQL query"
    );

    let mut group = c.benchmark_group("workload");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(n));
    group.bench_function("sql", |b| b.iter(|| by_sql(black_box(&conn), &sql)));
    group.bench_function("rust_loop", |b| b.iter(|| by_loop(black_box(&conn))));
    group.bench_function("playbook_run", |b| {
        b.iter(|| by_run(black_box(&program), &db, at, 1))
    });
    group.bench_function("playbook_run_2_threads", |b| {
        b.iter(|| by_run(black_box(&program), &db, at, 2))
    });
    group.bench_function("playbook_segments", |b| {
        b.iter(|| by_segments(&engine, black_box(&program), &db, at))
    });
    group.finish();
}

criterion_group!(benches, bench_workload);
criterion_main!(benches);
