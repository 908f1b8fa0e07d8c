//! Every test block of every semantics and example playbook, its members, groups
//! and events written to a SQLite file and loaded into PostgreSQL (and, one block per
//! playbook, Spark): the block gives the same grants, refusals, expectation results
//! and errors from the server as from the file.

mod common;

use std::path::{Path, PathBuf};

use common::warehouse::{
    Dataset, dataset_from_sqlite, load_postgres, load_spark, postgres_url, preferred_kind,
    spark_url,
};
use playbook::app::test::case::{TestOutcome, run_test_over, test_data};
use playbook::check::Program;
use playbook::compile::{Compiled, compile};
use playbook::data::sqlite::SqliteData;
use playbook::data::{MemoryData, TableNames, remote};
use playbook::value::{Row, SET_SEPARATOR, Val};
use rusqlite::types::Value;
use serde_json::json;

/// The semantics and example playbooks.
fn playbooks() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["tests/semantics", "examples"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "playbook") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(out.len() >= 20, "the playbooks are found");
    out
}

/// A value in the stored form of the SQLite layout, and as JSON for event data.
fn stored(v: &Val, tz: chrono_tz::Tz) -> (Value, serde_json::Value) {
    let text = |t: String| (Value::Text(t.clone()), json!(t));
    match v {
        Val::Null => (Value::Null, serde_json::Value::Null),
        Val::Int(i) | Val::Duration(i) => (Value::Integer(*i), json!(i)),
        Val::Money(m) => (Value::Integer(m.0), json!(m.0)),
        Val::Bool(b) => (Value::Integer(i64::from(*b)), json!(b)),
        Val::Decimal(d) => text(d.to_string()),
        Val::Percent(r) => text(r.to_string()),
        Val::Text(t) => text(t.clone()),
        Val::Time(t) => {
            let local = chrono::DateTime::from_timestamp(*t, 0)
                .unwrap()
                .with_timezone(&tz);
            text(local.format("%Y-%m-%d %H:%M:%S").to_string())
        }
        Val::Date(d) => text(d.format("%Y-%m-%d").to_string()),
        Val::TimeOfDay(t) => text(t.format("%H:%M:%S").to_string()),
        Val::Set(s) => {
            let items: Vec<&str> = s.split(SET_SEPARATOR).filter(|e| !e.is_empty()).collect();
            let array = json!(items);
            (Value::Text(array.to_string()), array)
        }
    }
}

fn create(conn: &rusqlite::Connection, table: &str, columns: &[String]) {
    let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    conn.execute_batch(&format!("CREATE TABLE {table} ({})", quoted.join(", ")))
        .unwrap();
}

fn insert(conn: &rusqlite::Connection, table: &str, values: Vec<Value>) {
    let marks = vec!["?"; values.len()].join(", ");
    conn.execute(
        &format!("INSERT INTO {table} VALUES ({marks})"),
        rusqlite::params_from_iter(values),
    )
    .unwrap();
}

/// The block's data as a SQLite file in the layout of docs/running.md.
fn write(program: &Program, data: &MemoryData, path: &Path) -> Vec<&'static str> {
    let tz = program.settings.timezone;
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut tables = vec!["members"];
    let record = |name: &str, schema: &playbook::check::model::RecordSchema, rows: &[Row]| {
        let names: Vec<String> = schema.fields.iter().map(|f| f.name.clone()).collect();
        create(&conn, name, &names);
        for row in rows {
            let mut values = vec![Value::Text(row.id.clone())];
            values.extend(row.vals.iter().skip(1).map(|v| stored(v, tz).0));
            values.resize(names.len(), Value::Null);
            insert(&conn, name, values);
        }
    };
    record("members", &program.member, &data.members);
    if let Some(g) = &program.group {
        record("groups", g, &data.groups);
        tables.push("groups");
    }
    if !program.events.is_empty() {
        let columns = ["id", "kind", "member_id", "at", "data", "group_id"].map(String::from);
        create(&conn, "events", &columns);
        for e in &data.events {
            let schema = &program.events[e.kind];
            let mut fields = serde_json::Map::new();
            let mut group = Value::Null;
            for (i, f) in schema.fields.iter().enumerate() {
                let v = &e.row.vals[i];
                match f.name.as_str() {
                    "id" | "member_id" | "at" | "kind" => {}
                    "group_id" => group = stored(v, tz).0,
                    name if *v != Val::Null => {
                        fields.insert(name.to_owned(), stored(v, tz).1);
                    }
                    _ => {}
                }
            }
            let member = stored(&e.row.vals[1], tz).0;
            let at = stored(&Val::Time(e.at), tz).0;
            let data = Value::Text(serde_json::Value::Object(fields).to_string());
            let row = vec![
                Value::Text(e.row.id.clone()),
                Value::Text(schema.name.clone()),
            ];
            insert(
                &conn,
                "events",
                [row, vec![member, at, data, group]].concat(),
            );
        }
        tables.push("events");
    }
    tables
}

/// What a block did, as lines to compare (table names without the schema).
fn lines(outcome: &TestOutcome, schema: &str) -> String {
    let mut out = vec![format!("passed {}", outcome.passed())];
    out.extend(outcome.grants.iter().map(|g| {
        format!(
            "grant {} {} {} {} {}",
            g.rule, g.target.id, g.reward, g.value.0, g.at
        )
    }));
    out.extend(
        outcome
            .refusals
            .iter()
            .map(|r| format!("refused {}", r.message)),
    );
    out.extend(outcome.failures.iter().map(|(_, m)| format!("failure {m}")));
    out.extend(outcome.error.iter().map(|e| format!("error {e}")));
    out.join("\n").replace(&format!("{schema}."), "")
}

/// One block from a file (the baseline) and from a server loaded with `load`.
fn compare(
    compiled: &Compiled,
    case: usize,
    schema: &str,
    url: &str,
    load: &dyn Fn(&str, &Dataset),
) -> String {
    let program = &compiled.program;
    let test = &program.tests[case];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("block.db");
    let tables = write(program, &test_data(compiled, test), &file);
    let dataset = dataset_from_sqlite(&file, &tables, |t, c| preferred_kind(program, t, c));
    let baseline = if dataset.normalized {
        let normalized = dir.path().join("normalized.db");
        dataset.write_sqlite(&normalized);
        normalized
    } else {
        file
    };
    let mut local = SqliteData::open(&baseline, program, TableNames::default()).unwrap();
    let expected = lines(&run_test_over(compiled, test, &mut local), schema);
    load(schema, &dataset);
    let names = TableNames {
        members: format!("{schema}.members"),
        groups: format!("{schema}.groups"),
        events: format!("{schema}.events"),
    };
    let mut server = remote::open(url, program, names).unwrap();
    let actual = lines(&run_test_over(compiled, test, &mut server), schema);
    assert_eq!(
        actual, expected,
        "block `{}` of {}",
        test.name, program.settings.name
    );
    expected
}

fn compiled(path: &Path) -> Compiled {
    let checked = playbook::check_file(path).unwrap();
    compile(checked.program.expect("the playbook checks"))
}

#[test]
fn every_block_of_every_playbook_gives_the_same_outcome_from_postgres() {
    let Some(url) = postgres_url() else { return };
    let load = |schema: &str, data: &Dataset| load_postgres(&url, schema, data);
    let files = playbooks();
    // A few files at a time: each block waits mostly on the server.
    let counts: Vec<(usize, usize)> = std::thread::scope(|s| {
        let workers: Vec<_> = files
            .chunks(files.len().div_ceil(4))
            .enumerate()
            .map(|(w, chunk)| {
                let (url, load) = (&url, &load);
                s.spawn(move || {
                    let (mut blocks, mut passed) = (0, 0);
                    for (f, path) in chunk.iter().enumerate() {
                        let compiled = compiled(path);
                        for case in 0..compiled.program.tests.len() {
                            let schema = format!("b{w}_{f}_{case}");
                            let outcome = compare(&compiled, case, &schema, url, load);
                            blocks += 1;
                            passed += usize::from(outcome.starts_with("passed true"));
                        }
                    }
                    (blocks, passed)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let blocks: usize = counts.iter().map(|c| c.0).sum();
    let passed: usize = counts.iter().map(|c| c.1).sum();
    assert!(blocks >= 250, "{blocks} blocks");
    // Most blocks also pass from a file (some leave required fields out, which a file
    // reports as bad values).
    assert!(passed * 2 > blocks, "{passed} of {blocks} pass");
}

#[test]
fn the_first_block_of_every_playbook_gives_the_same_outcome_from_spark() {
    let Some(url) = spark_url() else { return };
    let load = |database: &str, data: &Dataset| load_spark(&url, database, data);
    for (f, path) in playbooks().iter().enumerate() {
        let compiled = compiled(path);
        if !compiled.program.tests.is_empty() {
            compare(&compiled, 0, &format!("b{f}"), &url, &load);
        }
    }
}
