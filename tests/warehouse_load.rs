//! The warehouse loaders of `tests/common/warehouse.rs`: the kinds chosen from a
//! SQLite file, and every kind loaded into PostgreSQL and Spark and read back
//! exactly (those two skip loudly without a server; see `.ci/postgres.sh`).

mod common;

use std::time::Instant;

use common::warehouse::{
    ColumnData, ColumnKind, Dataset, TableData, dataset_from_sqlite, load_postgres, load_spark,
    postgres_url, quote, spark_url,
};
use postgres::{Client, NoTls};
use rusqlite::types::Value;

const KINDS: [(&str, ColumnKind); 10] = [
    ("id", ColumnKind::Text),
    ("n", ColumnKind::BigInt),
    ("x", ColumnKind::Double),
    ("flag", ColumnKind::Bool),
    ("day", ColumnKind::Date),
    ("at", ColumnKind::Timestamp),
    ("at_tz", ColumnKind::TimestampTz),
    ("tags", ColumnKind::TextArray),
    ("data", ColumnKind::Json),
    ("note", ColumnKind::Text),
];

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// Every kind, its extremes, NULLs, and text that quoting and escaping could break.
fn sample() -> Dataset {
    use Value::{Integer as I, Null, Real as R};
    let rows = vec![
        vec![
            text("m1"),
            I(i64::MIN),
            R(0.1),
            I(0),
            text("1900-01-01"),
            text("1900-01-01 00:00:00"),
            I(-2_208_988_800),
            text(r#"["a,b", "引号\"", "back\\slash", "{}", "NULL", "", " x "]"#),
            text(r#"{"amount": 1250, "note": "中文\n\t", "deep": {"a": [1, 2.50, null, true]}}"#),
            text("老王便利店 \"q\" 'single' back\\slash\ttab\nnewline\r\n 🎉 \\N ,{}"),
        ],
        vec![
            text("m2"),
            I(i64::MAX),
            R(-0.0),
            I(1),
            text("2024-02-29"),
            text("2024-02-29 23:59:59"),
            I(1_700_000_000),
            text("[]"),
            text("[]"),
            text(""),
        ],
        vec![
            text("m3"),
            I(0),
            R(1e300),
            I(1),
            text("9999-12-31"),
            text("9999-12-31 23:59:59"),
            I(253_402_300_799),
            text(r#"["🎉"]"#),
            text(r#""just a string""#),
            text("\\N"),
        ],
        vec![
            text("m4"),
            Null,
            R(5e-324),
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
        ],
        vec![
            text("m5"),
            I(-1),
            R(f64::INFINITY),
            Null,
            Null,
            Null,
            Null,
            Null,
            text("null"),
            text("NULL"),
        ],
        vec![
            text("m6"),
            I(42),
            R(f64::NAN),
            Null,
            Null,
            Null,
            Null,
            Null,
            text("12.5"),
            Null,
        ],
        vec![
            text("m7"),
            I(7),
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            text(" 中 \u{1}"),
        ],
    ];
    let columns = KINDS.iter().map(|(name, kind)| ColumnData {
        name: name.to_string(),
        kind: *kind,
    });
    let table = TableData {
        name: "members".into(),
        columns: columns.collect(),
        rows,
    };
    Dataset {
        tables: vec![table],
        normalized: false,
    }
}

/// Whether two values of a column of `kind` are the same value: doubles bit for bit
/// (NaN as NaN), arrays and JSON as the JSON they hold.
fn same(kind: ColumnKind, a: &Value, b: &Value) -> bool {
    match (kind, a, b) {
        (_, Value::Real(x), Value::Real(y)) => {
            x.to_bits() == y.to_bits() || x.is_nan() && y.is_nan()
        }
        (ColumnKind::TextArray | ColumnKind::Json, Value::Text(x), Value::Text(y)) => {
            serde_json::from_str::<serde_json::Value>(x).unwrap()
                == serde_json::from_str::<serde_json::Value>(y).unwrap()
        }
        _ => a == b,
    }
}

/// A value read back as text (the engines' casts below) in the stored form of `kind`.
fn stored(kind: ColumnKind, s: Option<String>) -> Value {
    match (kind, s) {
        (_, None) => Value::Null,
        (ColumnKind::BigInt | ColumnKind::Bool | ColumnKind::TimestampTz, Some(s)) => {
            Value::Integer(s.parse().unwrap())
        }
        (ColumnKind::Double, Some(s)) => Value::Real(s.parse().unwrap()),
        (_, Some(s)) => Value::Text(s),
    }
}

fn assert_same_rows(engine: &str, table: &TableData, mut got: Vec<Vec<Value>>) {
    let key = |r: &Vec<Value>| match &r[0] {
        Value::Text(s) => s.clone(),
        other => format!("{other:?}"),
    };
    let mut want = table.rows.clone();
    want.sort_by_key(key);
    got.sort_by_key(key);
    assert_eq!(want.len(), got.len(), "{engine}: row count");
    for (want_row, got_row) in want.iter().zip(&got) {
        for ((column, w), g) in table.columns.iter().zip(want_row).zip(got_row) {
            assert!(
                same(column.kind, w, g),
                "{engine}: {}.{} of row {:?}: loaded {w:?}, read back {g:?}",
                table.name,
                column.name,
                want_row[0]
            );
        }
    }
}

/// The table read back from PostgreSQL, after checking the columns' types.
fn read_postgres(client: &mut Client, schema: &str, table: &TableData) -> Vec<Vec<Value>> {
    let name = format!("{}.{}", quote(schema), quote(&table.name));
    for column in &table.columns {
        let row = client
            .query_one(
                "SELECT atttypid = to_regtype($3)::oid FROM pg_attribute \
                 WHERE attrelid = to_regclass($1) AND attname = $2",
                &[&name, &column.name, &column.kind.postgres_type()],
            )
            .unwrap();
        assert!(
            row.get::<_, bool>(0),
            "{name}.{}: not {}",
            column.name,
            column.kind.postgres_type()
        );
    }
    let select: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let q = quote(&c.name);
            match c.kind {
                ColumnKind::Bool => format!("{q}::int::text"),
                ColumnKind::Date => format!("to_char({q}, 'YYYY-MM-DD')"),
                ColumnKind::Timestamp => format!("to_char({q}, 'YYYY-MM-DD HH24:MI:SS')"),
                ColumnKind::TimestampTz => format!("extract(epoch FROM {q})::bigint::text"),
                ColumnKind::TextArray => format!("array_to_json({q})::text"),
                _ => format!("{q}::text"),
            }
        })
        .collect();
    let rows = client
        .query(&format!("SELECT {} FROM {name}", select.join(", ")), &[])
        .unwrap();
    rows.iter()
        .map(|row| {
            let cells = table.columns.iter().enumerate();
            cells.map(|(i, c)| stored(c.kind, row.get(i))).collect()
        })
        .collect()
}

/// The table read back from Spark through `spark_load.py dump`, after checking the
/// columns' types.
fn read_spark(url: &str, database: &str, table: &TableData) -> Vec<Vec<Value>> {
    let name = format!("`{database}`.`{}`", table.name);
    let out = common::warehouse::run_spark_python(&["dump", url, &name]);
    let mut lines = out.lines();
    let fields: Vec<(String, String)> = serde_json::from_str(lines.next().unwrap()).unwrap();
    let want: Vec<(String, String)> = table
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.kind.spark_type().to_owned()))
        .collect();
    assert_eq!(fields, want, "Spark column types");
    lines
        .map(|line| {
            let cells: Vec<Option<String>> = serde_json::from_str(line).unwrap();
            table
                .columns
                .iter()
                .zip(cells)
                .map(|(c, s)| stored(c.kind, s))
                .collect()
        })
        .collect()
}

/// A schema or database of this test run's own, so concurrent runs do not collide.
fn scratch(name: &str) -> String {
    format!("playbook_{name}_{}", std::process::id())
}

#[test]
fn every_kind_round_trips_through_postgres() {
    let Some(url) = postgres_url() else { return };
    let data = sample();
    let schema = scratch("load");
    load_postgres(&url, &schema, &data);
    let mut client = Client::connect(&url, NoTls).unwrap();
    let got = read_postgres(&mut client, &schema, &data.tables[0]);
    assert_same_rows("PostgreSQL", &data.tables[0], got);
    client
        .batch_execute(&format!("DROP SCHEMA {} CASCADE", quote(&schema)))
        .unwrap();
}

#[test]
fn every_kind_round_trips_through_spark() {
    let Some(url) = spark_url() else { return };
    let data = sample();
    let database = scratch("load");
    load_spark(&url, &database, &data);
    let got = read_spark(&url, &database, &data.tables[0]);
    assert_same_rows("Spark", &data.tables[0], got);
    common::warehouse::run_spark_python(&["drop", &url, &database]);
}

/// A file whose columns fit their preferred kinds, or do not: the kinds chosen, the
/// values rewritten, and the written file read back the same.
#[test]
fn kinds_are_chosen_from_every_value() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("data.sql");
    std::fs::write(
        &script,
        r#"
        CREATE TABLE members (id, orders, joined_at, seen_at, flag, level, tags, born, paid_at,
            score, mixed, ratio, unset);
        INSERT INTO members VALUES ('m1', 3, '2026-05-01 10:00:00', '2026-05-01 10:00:00', 1,
            1, '["a","b"]', '2000-02-29', 1700000000, 7, 12, 0.5, NULL);
        INSERT INTO members VALUES (2, NULL, '2026-05-01 23:59:59', '2026-05-01T10:00:00+08:00',
            0, 2, 'a,b', '2001-02-29', '1700000000', 2.5, 'x', 1.5, NULL);
        CREATE TABLE events (id, data);
        INSERT INTO events VALUES ('e1', '{"amount": 1250, "tags": ["x"]}');
        INSERT INTO events VALUES ('e2', '{"amount": 1e3}');
        CREATE TABLE events_ok (id, data);
        INSERT INTO events_ok VALUES ('e1', '{"amount": 1250}');
        INSERT INTO events_ok VALUES ('e2', '{"amount": 12.50, "note": "\u4e2d"}');
        "#,
    )
    .unwrap();
    let choose = |_: &str, column: &str| match column {
        "id" | "mixed" => Some(ColumnKind::Text),
        "orders" | "level" => Some(ColumnKind::BigInt),
        "joined_at" | "seen_at" => Some(ColumnKind::Timestamp),
        "flag" => Some(ColumnKind::Bool),
        "tags" => Some(ColumnKind::TextArray),
        "born" => Some(ColumnKind::Date),
        "paid_at" => Some(ColumnKind::TimestampTz),
        "score" => Some(ColumnKind::Double),
        "data" => Some(ColumnKind::Json),
        _ => None,
    };
    let tables = ["members", "events", "events_ok"];
    let data = dataset_from_sqlite(&script, &tables, choose);
    let kinds = |table: &str| -> Vec<(String, ColumnKind)> {
        let columns = &data.table(table).columns;
        columns.iter().map(|c| (c.name.clone(), c.kind)).collect()
    };
    let named = |pairs: &[(&str, ColumnKind)]| -> Vec<(String, ColumnKind)> {
        pairs.iter().map(|(n, k)| (n.to_string(), *k)).collect()
    };
    use ColumnKind::*;
    assert_eq!(
        kinds("members"),
        named(&[
            ("id", Text),       // 'm1' and 2: rendered as text
            ("orders", BigInt), // NULLs do not count
            ("joined_at", Timestamp),
            ("seen_at", Text), // one with an offset
            ("flag", Bool),
            ("level", BigInt),
            ("tags", Text),    // one comma-separated
            ("born", Text),    // 2001-02-29 is no day
            ("paid_at", Text), // one as digits in TEXT: rendered as text
            ("score", Double), // 7 becomes 7.0
            ("mixed", Text),
            ("ratio", Double), // every value REAL, no preference
            ("unset", Text),   // only NULLs
        ])
    );
    assert_eq!(kinds("events"), named(&[("id", Text), ("data", Text)]));
    assert_eq!(kinds("events_ok"), named(&[("id", Text), ("data", Json)]));
    assert!(data.normalized);

    let members = &data.table("members").rows;
    assert_eq!(members[1][0], text("2"));
    assert_eq!(members[0][9], Value::Real(7.0));
    assert_eq!(members[0][10], text("12"));
    assert_eq!(members[1][8], text("1700000000"));

    // The written file holds the same values with the same storage classes.
    let file = dir.path().join("normalized.db");
    data.write_sqlite(&file);
    let again = dataset_from_sqlite(&file, &tables, choose);
    assert!(!again.normalized);
    assert_eq!(again.tables, data.tables);
}

#[test]
fn a_timestamp_is_a_real_instant_in_exactly_one_layout() {
    let fits = |s: &str| ColumnKind::Timestamp.fits(&text(s));
    assert!(fits("2024-02-29 00:00:00"));
    assert!(fits("1900-01-01 00:00:00"));
    for bad in [
        "2023-02-29 00:00:00",
        "2024-01-01 24:00:00",
        "2024-01-01 23:59:60",
        "2024-01-01T00:00:00",
        "2024-01-01 00:00",
        "2024-1-01 00:00:00",
        "1899-12-31 23:59:59",
        "２０２４-01-01 00:00:00",
    ] {
        assert!(!fits(bad), "{bad}");
    }
    assert!(ColumnKind::TimestampTz.fits(&Value::Integer(-2_208_988_800)));
    assert!(!ColumnKind::TimestampTz.fits(&Value::Integer(-2_208_988_801)));
    assert!(!ColumnKind::TimestampTz.fits(&Value::Integer(1_700_000_000_000)));
    assert!(!ColumnKind::Json.fits(&text(r#"{"a": 1, "a": 2}"#)));
    assert!(!ColumnKind::Json.fits(&text(r#"{"a": "\u0000"}"#)));
    assert!(ColumnKind::Json.fits(&text(r#"{"e": "1e3", "E": true}"#)));
    assert!(!ColumnKind::TextArray.fits(&text(r#"["a", 1]"#)));
}

/// A million members into each engine, timed (run with `--ignored --nocapture`).
#[test]
#[ignore = "loads a million rows into the servers; slow"]
fn a_million_members_load_in_reasonable_time() {
    let rows: Vec<Vec<Value>> = (0..1_000_000i64)
        .map(|i| {
            vec![
                text(&format!("m{i:07}")),
                Value::Integer(i % 50),
                Value::Real(i as f64 / 7.0),
                Value::Integer(i % 2),
                text("2024-02-29"),
                text(&format!("2026-05-{:02} 10:{:02}:00", 1 + i % 28, i % 60)),
                Value::Integer(1_700_000_000 + i),
                text(r#"["vip","北京"]"#),
                text(r#"{"amount": 1250}"#),
                text(&format!("店铺 {i}")),
            ]
        })
        .collect();
    let mut data = sample();
    data.tables[0].rows = rows;
    if let Some(url) = postgres_url() {
        let start = Instant::now();
        load_postgres(&url, &scratch("million"), &data);
        eprintln!("1M rows into PostgreSQL: {:.1?}", start.elapsed());
        let mut client = Client::connect(&url, NoTls).unwrap();
        let schema = quote(&scratch("million"));
        let n: i64 = client
            .query_one(&format!("SELECT count(*) FROM {schema}.members"), &[])
            .unwrap()
            .get(0);
        assert_eq!(n, 1_000_000);
        client
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .unwrap();
    }
    if let Some(url) = spark_url() {
        let start = Instant::now();
        load_spark(&url, &scratch("million"), &data);
        eprintln!("1M rows into Spark: {:.1?}", start.elapsed());
        common::warehouse::run_spark_python(&["drop", &url, &scratch("million")]);
    }
}
