//! Reading from Spark through Spark Connect (`src/data/remote/spark.rs`), against
//! the server `PLAYBOOK_TEST_SPARK` names (`sc://127.0.0.1:15002`; `.ci/spark.sh
//! start` runs one and prints the variables). `PLAYBOOK_PYTHON` is the Python with
//! the Spark Connect client, `python3` when unset. Without a server the tests say
//! SKIPPED loudly, or fail when `PLAYBOOK_REQUIRE_SERVERS=1`.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use playbook::data::DataError;
use playbook::data::remote::spark::SparkConnect;
use playbook::data::remote::{Cell, ColumnInfo, Warehouse};

/// The server's URL, or `None` after saying why the test is skipped.
fn server() -> Option<String> {
    match std::env::var("PLAYBOOK_TEST_SPARK") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("PLAYBOOK_REQUIRE_SERVERS").as_deref() != Ok("1"),
                "PLAYBOOK_REQUIRE_SERVERS=1 but PLAYBOOK_TEST_SPARK is not set"
            );
            // Straight to stderr: the test harness captures eprintln!.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: no Spark Connect server (set PLAYBOOK_TEST_SPARK)"
            );
            None
        }
    }
}

fn python() -> PathBuf {
    std::env::var_os("PLAYBOOK_PYTHON").map_or_else(|| "python3".into(), PathBuf::from)
}

fn connect(url: &str) -> SparkConnect {
    SparkConnect::connect_with(url, "Asia/Shanghai", &python()).unwrap_or_else(|e| panic!("{e}"))
}

fn rows(spark: &mut SparkConnect, sql: &str) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    let n = spark
        .query(sql, &mut |row| rows.push(row.to_vec()))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert_eq!(n, rows.len() as u64);
    rows
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

#[test]
fn every_type_comes_back_as_its_cell() {
    let Some(url) = server() else { return };
    let mut spark = connect(&url);
    spark
        .execute(
            "CREATE OR REPLACE TEMP VIEW every_type AS SELECT * FROM VALUES
             (CAST(9223372036854775807 AS BIGINT), -42, 'x', 1.5D, X'00FF', true,
              DATE'2026-01-02', TIMESTAMP'2026-01-02 03:04:05',
              TIMESTAMP_NTZ'2026-01-02 03:04:05.5', CAST(12.50 AS DECIMAL(12,2)),
              array('a', 'b'), '中文会员'),
             (CAST(-9223372036854775808 AS BIGINT), NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, NULL, NULL, NULL, NULL)
             AS t(big, small, name, ratio, raw, vip, birthday, joined_at, seen_at,
                  spend, tags, nick)",
        )
        .unwrap();

    let columns = spark.columns("every_type").unwrap().unwrap();
    let declared: Vec<(&str, &str)> = columns
        .iter()
        .map(|ColumnInfo { name, type_name }| (name.as_str(), type_name.as_str()))
        .collect();
    assert_eq!(
        declared,
        [
            ("big", "bigint"),
            ("small", "int"),
            ("name", "string"),
            ("ratio", "double"),
            ("raw", "binary"),
            ("vip", "boolean"),
            ("birthday", "date"),
            ("joined_at", "timestamp"),
            ("seen_at", "timestamp_ntz"),
            ("spend", "decimal(12,2)"),
            ("tags", "array<string>"),
            ("nick", "string"),
        ]
    );

    let got = rows(&mut spark, "SELECT * FROM every_type ORDER BY big DESC");
    assert_eq!(
        got[0],
        [
            Cell::Int(i64::MAX),
            Cell::Int(-42),
            text("x"),
            Cell::Real(1.5),
            Cell::Blob(vec![0, 255]),
            Cell::Int(1),
            text("2026-01-02"),
            text("2026-01-02 03:04:05"),
            text("2026-01-02 03:04:05.5"),
            text("12.50"),
            text(r#"["a","b"]"#),
            text("中文会员"),
        ]
    );
    let mut second = vec![Cell::Int(i64::MIN)];
    second.resize(12, Cell::Null);
    assert_eq!(got[1], second);
    assert_eq!(got.len(), 2);

    // The session time zone is the one given; values stay exact.
    assert_eq!(
        rows(
            &mut spark,
            "SELECT current_timezone(), CAST(CAST(0 AS TIMESTAMP) AS STRING), \
             isnan(CAST('NaN' AS DOUBLE)), 0.1D, CAST(-1 AS TINYINT)"
        ),
        [[
            text("Asia/Shanghai"),
            text("1970-01-01 08:00:00"),
            Cell::Int(1),
            Cell::Real(0.1),
            Cell::Int(-1),
        ]]
    );
    let nan = rows(
        &mut spark,
        "SELECT CAST('NaN' AS DOUBLE), CAST('-Infinity' AS DOUBLE)",
    );
    assert!(matches!(nan[0][0], Cell::Real(f) if f.is_nan()));
    assert_eq!(nan[0][1], Cell::Real(f64::NEG_INFINITY));

    // Qualified names.
    spark
        .execute("CREATE OR REPLACE GLOBAL TEMP VIEW pb_global AS SELECT 1L AS id, 'a' AS tag")
        .unwrap();
    let global = spark.columns("global_temp.pb_global").unwrap().unwrap();
    assert_eq!(global.len(), 2);
    assert_eq!(
        (global[0].name.as_str(), global[0].type_name.as_str()),
        ("id", "bigint")
    );
}

#[test]
fn results_stream_in_chunks() {
    let Some(url) = server() else { return };
    let mut spark = connect(&url);
    let (mut n, mut sum) = (0u64, 0i64);
    let count = spark
        .query("SELECT id, id * 2 FROM range(2500)", &mut |row| {
            n += 1;
            if let [Cell::Int(id), Cell::Int(twice)] = row {
                assert_eq!(*twice, id * 2);
                sum += id;
            } else {
                panic!("{row:?}");
            }
        })
        .unwrap();
    assert_eq!((count, n, sum), (2500, 2500, 2500 * 2499 / 2));
    assert_eq!(spark.query("SELECT 1 WHERE false", &mut |_| ()).unwrap(), 0);
}

#[test]
fn missing_tables_and_failing_queries() {
    let Some(url) = server() else { return };
    let mut spark = connect(&format!("{url}/;user_id=playbook_test"));
    assert!(
        !spark.describe().contains("user_id"),
        "{}",
        spark.describe()
    );
    assert!(spark.describe().starts_with("sc://"));
    assert_eq!(spark.columns("no_such_table").unwrap(), None);
    assert_eq!(spark.columns("no_such_db.no_such_table").unwrap(), None);
    assert_eq!(spark.columns("global_temp.no_such_view").unwrap(), None);

    for sql in ["SELEC 1", "SELECT * FROM no_such_table", "SELECT 1/0"] {
        match spark.query(sql, &mut |_| ()) {
            Err(DataError::Query { location, message }) => {
                assert_eq!(location, spark.describe());
                assert!(message.starts_with('['), "{sql}: {message}");
                assert!(!message.contains("\tat "), "{sql}: {message}");
                assert!(!message.contains("JVM"), "{sql}: {message}");
                assert!(message.lines().count() <= 4, "{sql}: {message}");
            }
            other => panic!("{sql}: {other:?}"),
        }
    }
    assert!(matches!(
        spark.execute("DROP VIEW no_such_view"),
        Err(DataError::Query { .. })
    ));
    // The session is still usable.
    assert_eq!(rows(&mut spark, "SELECT 2"), [[Cell::Int(2)]]);
}

#[test]
fn an_unreachable_server_fails_fast() {
    let Some(_) = server() else { return };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("sc://127.0.0.1:{port}/;token=sekrit-token");
    let started = Instant::now();
    let result = SparkConnect::connect_with(&url, "UTC", &python());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    match result {
        Err(e @ DataError::Connect { .. }) => {
            let text = e.to_string();
            assert!(!text.contains("sekrit"), "{text}");
            assert!(text.contains(&format!("sc://127.0.0.1:{port}")), "{text}");
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("connected to a closed port"),
    }
}

#[test]
fn a_missing_python_is_named() {
    let result = SparkConnect::connect_with(
        "sc://127.0.0.1:15002",
        "UTC",
        std::path::Path::new("no-such-python-3"),
    );
    match result {
        Err(DataError::Connect { message, .. }) => {
            assert!(message.contains("no-such-python-3"), "{message}");
            assert!(message.contains("pip install pyspark-client"), "{message}");
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("connected without Python"),
    }
}
