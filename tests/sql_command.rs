//! `playbook sql`: the candidate queries of a window, per dialect, and proof on the
//! example data that each is valid SQL whose rows include every target the run
//! grants or refuses.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use playbook::app::decisions::Collect;
use playbook::app::run::{RunRequest, run};
use playbook::app::sql::{SqlQuery, SqlRequest, queries};
use playbook::compile::{Compiled, compile};
use playbook::data::TableNames;
use playbook::data::sql::Dialect;
use playbook::interpret::grant::Cause;
use playbook::time::parse_instant;

const SINCE: &str = "2026-04-27 00:00";
const AT: &str = "2026-04-28 10:00";

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn sql_output(dialect: &str, format: &str) -> String {
    let out = common::bin()
        .args(["sql", "--dialect", dialect, "--since", SINCE, "--at", AT])
        .args(["--format", format])
        .arg(example("package_card_launch.playbook"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sqlite_queries() {
    insta::assert_snapshot!(sql_output("sqlite", "sql"));
}

#[test]
fn postgres_queries() {
    insta::assert_snapshot!(sql_output("postgres", "sql"));
}

#[test]
fn spark_queries() {
    insta::assert_snapshot!(sql_output("spark", "sql"));
}

#[test]
fn json_lists_each_query_with_what_the_engine_keeps() {
    let value: serde_json::Value = serde_json::from_str(&sql_output("postgres", "json")).unwrap();
    let first = &value[0];
    assert_eq!(first["rules"][0], "七日未购召回");
    assert_eq!(first["dialect"], "postgres");
    assert_eq!(first["table"], "members");
    assert!(first["sql"].as_str().unwrap().starts_with("SELECT "));
    let kept = first["kept_in_engine"].as_array().unwrap();
    assert!(
        kept.iter()
            .any(|k| k.as_str().unwrap().contains("history aggregate"))
    );
}

#[test]
fn a_bad_dialect_is_bad_usage() {
    common::bin()
        .args(["sql", "--dialect", "mysql"])
        .arg(example("package_card_launch.playbook"))
        .assert()
        .code(2);
}

fn compiled() -> Compiled {
    let outcome = playbook::check_file(&example("package_card_launch.playbook")).unwrap();
    compile(outcome.program.unwrap())
}

fn written(engine: &Compiled, dialect: Dialect) -> Vec<SqlQuery> {
    let tz = engine.program.settings.timezone;
    let request = SqlRequest {
        compiled: engine,
        dialect,
        tables: TableNames::default(),
        since: Some(parse_instant(SINCE, tz).unwrap()),
        at: parse_instant(AT, tz).unwrap(),
        catalog: None,
    };
    queries(&request).unwrap()
}

/// `(rule, target, cause)` of every grant and refusal of the window's run.
fn decided(engine: &Compiled) -> BTreeSet<(String, String, String)> {
    let tz = engine.program.settings.timezone;
    let data = example("data/package_card_launch.sql");
    let request = RunRequest {
        since: Some(parse_instant(SINCE, tz).unwrap()),
        ..RunRequest::new(engine, &data, parse_instant(AT, tz).unwrap())
    };
    let mut sink = Collect::default();
    run(&request, &mut sink).unwrap();
    let out: BTreeSet<_> = sink
        .decisions
        .iter()
        .filter_map(|d| d.grant())
        .map(|g| {
            let cause = match &g.cause {
                Cause::Event { id, .. } => id.to_string(),
                Cause::Tick { at } => chrono::DateTime::from_timestamp(*at, 0)
                    .unwrap()
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M:%S%:z")
                    .to_string(),
            };
            (g.rule.to_string(), g.target.id.clone(), cause)
        })
        .collect();
    assert!(!out.is_empty(), "the window decides something");
    out
}

#[test]
fn sqlite_candidates_cover_every_decision_of_the_run() {
    let engine = compiled();
    let db = rusqlite::Connection::open_in_memory().unwrap();
    let script = std::fs::read_to_string(example("data/package_card_launch.sql")).unwrap();
    db.execute_batch(&script).unwrap();
    let mut candidates = BTreeSet::new();
    for q in written(&engine, Dialect::Sqlite) {
        let mut stmt = db
            .prepare(&q.sql)
            .unwrap_or_else(|e| panic!("{e}\n{}", q.sql));
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .unwrap();
        for row in rows {
            let (id, cause) = row.unwrap();
            for rule in &q.rules {
                candidates.insert((rule.clone(), id.clone(), cause.clone()));
            }
        }
    }
    let missing: Vec<_> = decided(&engine).difference(&candidates).cloned().collect();
    assert!(missing.is_empty(), "not candidates: {missing:?}");
}

/// The same against PostgreSQL, when `PLAYBOOK_TEST_POSTGRES` names a database to
/// load the example into (tables `members` and `events` are replaced).
#[test]
fn postgres_candidates_cover_every_decision_of_the_run() {
    let Ok(url) = std::env::var("PLAYBOOK_TEST_POSTGRES") else {
        eprintln!(
            "SKIPPED postgres_candidates_cover_every_decision_of_the_run: \
             set PLAYBOOK_TEST_POSTGRES=postgres://… to run it"
        );
        return;
    };
    let engine = compiled();
    let mut pg = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    load_typed(&mut pg);
    let mut candidates = BTreeSet::new();
    for q in written(&engine, Dialect::Postgres) {
        for row in pg
            .query(q.sql.as_str(), &[])
            .unwrap_or_else(|e| panic!("{e}\n{}", q.sql))
        {
            let (id, cause): (String, String) = (row.get(0), row.get(1));
            for rule in &q.rules {
                candidates.insert((rule.clone(), id.clone(), cause.clone()));
            }
        }
    }
    let missing: Vec<_> = decided(&engine).difference(&candidates).cloned().collect();
    assert!(missing.is_empty(), "not candidates: {missing:?}");
}

/// The example's data in the recommended typed layout.
fn load_typed(pg: &mut postgres::Client) {
    pg.batch_execute(
        "DROP TABLE IF EXISTS members; DROP TABLE IF EXISTS events;
         CREATE TABLE members (id text PRIMARY KEY, level bigint, channel text, orders bigint,
           spend_365d bigint, joined_at timestamp, first_order_at timestamp, tags text[],
           invites bigint);
         CREATE TABLE events (id text PRIMARY KEY, kind text, member_id text, group_id text,
           at timestamp, data text);",
    )
    .unwrap();
    let db = rusqlite::Connection::open_in_memory().unwrap();
    let script = std::fs::read_to_string(example("data/package_card_launch.sql")).unwrap();
    db.execute_batch(&script).unwrap();
    let mut members = db
        .prepare("SELECT id, level, channel, orders, spend_365d, joined_at, first_order_at, tags, invites FROM members")
        .unwrap();
    let rows = members
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, i64>(8)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (id, level, channel, orders, spend, joined, first, tags, invites) = row.unwrap();
        let tags: Vec<&str> = tags.split(',').filter(|t| !t.is_empty()).collect();
        pg.execute(
            "INSERT INTO members VALUES ($1, $2, $3, $4, $5, $6::text::timestamp, $7::text::timestamp, $8, $9)",
            &[&id, &level, &channel, &orders, &spend, &joined, &first, &tags, &invites],
        )
        .unwrap();
    }
    let mut events = db
        .prepare("SELECT id, kind, member_id, group_id, at, data FROM events")
        .unwrap();
    let rows = events
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (id, kind, member, group, at, data) = row.unwrap();
        pg.execute(
            "INSERT INTO events VALUES ($1, $2, $3, $4, $5::text::timestamp, $6)",
            &[&id, &kind, &member, &group, &at, &data],
        )
        .unwrap();
    }
}
