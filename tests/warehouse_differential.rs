//! The same data in SQLite, PostgreSQL and Spark gives the same grants, refusals and
//! summary: every example playbook over its example data and window, loaded into
//! each engine with the typed layout of docs/warehouse.md (a column keeps its
//! field's own type when every value fits it, else text).

mod common;

use std::path::{Path, PathBuf};

use common::bin;
use common::warehouse::{
    Dataset, dataset_from_sqlite, load_postgres, load_spark, postgres_url, preferred_kind,
    spark_url,
};

/// Each example with its data file, and the window its header runs.
fn examples() -> Vec<(PathBuf, PathBuf, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "playbook") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let data = root.join("data").join(format!("{stem}.sql"));
        let text = std::fs::read_to_string(&data).unwrap();
        let window = text
            .lines()
            .find_map(|l| l.split_once("--since \"")?.1.split_once("\" --at \""))
            .map(|(since, rest)| (since.to_owned(), rest.trim_end_matches('"').to_owned()))
            .unwrap_or_else(|| panic!("{} names its window in a comment", data.display()));
        out.push((path, data, window.0, window.1));
    }
    out.sort();
    assert!(out.len() >= 4, "the examples are found");
    out
}

/// The run's decisions and summary (JSON), over `data`.
fn run(playbook: &Path, data: &str, prefix: &str, (since, at): (&str, &str)) -> String {
    let assert = bin()
        .arg("run")
        .arg(playbook)
        .args([
            "--data", data, "--since", since, "--at", at, "--format", "json",
        ])
        .args(["--members-table", &format!("{prefix}members")])
        .args(["--groups-table", &format!("{prefix}groups")])
        .args(["--events-table", &format!("{prefix}events")])
        .assert()
        .success();
    let mut json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    // The one field that differs by design: a server says how many rows it sent.
    let summary = json.get_mut("summary").and_then(|s| s.as_object_mut());
    let sent = summary.and_then(|s| s.remove("rows_transferred"));
    assert_eq!(
        sent.is_some(),
        !data.ends_with(".sql") && !data.ends_with(".db")
    );
    serde_json::to_string_pretty(&json).unwrap()
}

/// Loads each example into `load`'s engine and compares its run with SQLite's.
fn compare(engine: &str, url: &str, load: impl Fn(&str, &Dataset)) {
    for (playbook, data, since, at) in examples() {
        let checked = playbook::check_file(&playbook).unwrap();
        let program = checked.program.expect("the example checks");
        let mut tables = vec!["members"];
        tables.extend(program.group.as_ref().map(|_| "groups"));
        tables.extend((!program.events.is_empty()).then_some("events"));
        let dataset = dataset_from_sqlite(&data, &tables, |t, c| preferred_kind(&program, t, c));
        let dir = tempfile::tempdir().unwrap();
        let baseline = if dataset.normalized {
            let path = dir.path().join("normalized.db");
            dataset.write_sqlite(&path);
            path
        } else {
            data.clone()
        };
        let stem = playbook.file_stem().unwrap().to_str().unwrap();
        let schema = format!("d_{stem}");
        load(&schema, &dataset);
        let window = (since.as_str(), at.as_str());
        let expected = run(&playbook, baseline.to_str().unwrap(), "", window);
        let actual = run(&playbook, url, &format!("{schema}."), window);
        assert_eq!(actual, expected, "{engine} and SQLite differ on {stem}");
        assert!(expected.lines().count() > 5, "{stem} decides something");
    }
}

#[test]
fn every_example_gives_the_same_decisions_from_postgres_as_from_sqlite() {
    let Some(url) = postgres_url() else { return };
    compare("PostgreSQL", &url, |schema, data| {
        load_postgres(&url, schema, data)
    });
}

#[test]
fn every_example_gives_the_same_decisions_from_spark_as_from_sqlite() {
    let Some(url) = spark_url() else { return };
    compare("Spark", &url, |database, data| {
        load_spark(&url, database, data)
    });
}
