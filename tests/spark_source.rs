//! `--data sc://…` from the command line: bad input is a clear error naming the
//! source, table and column, and nothing is written to the ledger. (The same data
//! giving the same run is `warehouse_differential` and `warehouse_bad_values`.)

mod common;

use common::bin;
use common::warehouse::{ColumnData, ColumnKind, Dataset, TableData, load_spark, spark_url};
use rusqlite::types::Value;

const PLAYBOOK: &str = r#"
playbook "spark" { timezone "Asia/Shanghai"  seed "s" }
member { level: int, spend: money, joined_at: time }
rule 日礼 { every day at 10:00  when level >= 2 and spend >= ¥100  give coupon ¥5 }
"#;

fn column(name: &str, kind: ColumnKind) -> ColumnData {
    ColumnData {
        name: name.to_owned(),
        kind,
    }
}

fn run(data: &str, members: &str, ledger: &std::path::Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let playbook = dir.path().join("spark.playbook");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let out = bin()
        .arg("run")
        .arg(&playbook)
        .args([
            "--data",
            data,
            "--members-table",
            members,
            "--at",
            "2026-04-28 10:00",
        ])
        .arg("--ledger")
        .arg(ledger)
        .assert()
        .code(1);
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

fn nothing_recorded(ledger: &std::path::Path) {
    let runs = rusqlite::Connection::open(ledger)
        .and_then(|c| c.query_row("SELECT count(*) FROM runs", [], |r| r.get::<_, i64>(0)))
        .unwrap_or(0);
    assert_eq!(runs, 0, "no run is recorded");
}

#[test]
fn an_unreachable_spark_server_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.db");
    let err = run("sc://127.0.0.1:1/;token=s3cret", "members", &ledger);
    assert!(err.contains("cannot connect to sc://127.0.0.1:1"), "{err}");
    assert!(!err.contains("s3cret"), "the token is never shown: {err}");
    assert!(err.contains("nothing was recorded in the ledger"), "{err}");
    nothing_recorded(&ledger);
}

#[test]
fn a_missing_table_a_missing_column_and_a_type_that_cannot_be_read_exactly() {
    let Some(url) = spark_url() else { return };
    let members = TableData {
        name: "members".to_owned(),
        columns: vec![
            column("id", ColumnKind::Text),
            column("level", ColumnKind::BigInt),
            column("spend", ColumnKind::Double),
        ],
        rows: vec![vec![
            Value::Text("m1".into()),
            Value::Integer(2),
            Value::Real(1.5),
        ]],
    };
    let data = Dataset {
        tables: vec![members],
        normalized: false,
    };
    load_spark(&url, "s_bad", &data);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.db");
    let err = run(&url, "s_bad.members", &ledger);
    assert!(
        err.contains("the data does not match the playbook's schema"),
        "{err}"
    );
    assert!(
        err.contains("table s_bad.members, column spend: Spark type double cannot be read exactly: money is whole fen"),
        "{err}"
    );
    assert!(
        err.contains("table s_bad.members has no column `joined_at`"),
        "{err}"
    );
    let err = run(&url, "s_bad.nowhere", &ledger);
    assert!(err.contains("no table `s_bad.nowhere`"), "{err}");
    nothing_recorded(&ledger);
}
