//! `--data postgres://…`: a real PostgreSQL server (started by `.ci/run`, URL in
//! `PLAYBOOK_TEST_POSTGRES`). The same run as over a SQLite file; and bad input —
//! an unreachable server, wrong credentials, a missing table or column, a type the
//! schema does not allow, bad values — each a clear error naming the source, table
//! and column, with nothing written to the ledger.

mod common;

use std::path::Path;

use common::bin;
use postgres::{Client, NoTls};

const PLAYBOOK: &str = r#"
playbook "pg" { timezone "Asia/Shanghai"  seed "pg"  budget ¥100 total }
member { level: int, spend: money, joined_at: time, tags: set<text>, vip: bool, birthday: date? }
event order_paid { amount: money }
segment 高级 = level >= 2 and spend >= ¥100
rule 日礼 { every day at 10:00  when 高级 and not vip  give coupon ¥5 }
rule 首单 { on order_paid where event.amount >= ¥50  give red_packet ¥8 }
rule 标签 { every day at 12:00  when "宝妈" in tags and joined_at >= now - 30d  give points 10 }
"#;

const TABLES: &str = r#"
CREATE TABLE members (id text PRIMARY KEY, level bigint NOT NULL, spend bigint NOT NULL,
  joined_at timestamp NOT NULL, tags text[] NOT NULL, vip boolean NOT NULL, birthday date);
CREATE TABLE events (id text PRIMARY KEY, kind text NOT NULL, member_id text, group_id text,
  at timestamp NOT NULL, data jsonb);
INSERT INTO members VALUES
  ('m1', 2, 20000, '2026-04-20 09:00:00', '{宝妈,学生}', false, NULL),
  ('m2', 3, 50000, '2026-01-01 09:00:00', '{}', true, '1990-05-01'),
  ('m3', 1, 100, '2026-04-25 09:00:00', '{宝妈}', false, NULL),
  ('m''4', 2, 10000, '2026-04-01 00:00:00', '{"it''s"}', false, '2000-02-29');
INSERT INTO events VALUES
  ('e1', 'order_paid', 'm3', NULL, '2026-04-28 09:30:00', '{"amount": 6000}'),
  ('e2', 'order_paid', 'm1', NULL, '2026-04-28 11:00:00', '{"amount": 1000}'),
  ('e3', 'live_view', 'm2', NULL, '2026-04-28 11:30:00', '{}');
"#;

/// The same data as SQLite text (times as local text, sets as JSON, bools 0/1).
const SQLITE: &str = r#"
CREATE TABLE members (id TEXT PRIMARY KEY, level INTEGER, spend INTEGER, joined_at TEXT,
  tags TEXT, vip INTEGER, birthday TEXT);
CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT, member_id TEXT, group_id TEXT, at TEXT, data TEXT);
INSERT INTO members VALUES
  ('m1', 2, 20000, '2026-04-20 09:00:00', '["宝妈","学生"]', 0, NULL),
  ('m2', 3, 50000, '2026-01-01 09:00:00', '[]', 1, '1990-05-01'),
  ('m3', 1, 100, '2026-04-25 09:00:00', '["宝妈"]', 0, NULL),
  ('m''4', 2, 10000, '2026-04-01 00:00:00', '["it''s"]', 0, '2000-02-29');
INSERT INTO events VALUES
  ('e1', 'order_paid', 'm3', NULL, '2026-04-28 09:30:00', '{"amount": 6000}'),
  ('e2', 'order_paid', 'm1', NULL, '2026-04-28 11:00:00', '{"amount": 1000}'),
  ('e3', 'live_view', 'm2', NULL, '2026-04-28 11:30:00', '{}');
"#;

/// The server's URL, or `None` (said loudly) when no server was started.
fn server() -> Option<String> {
    match std::env::var("PLAYBOOK_TEST_POSTGRES") {
        Ok(url) => Some(url),
        Err(_) if std::env::var("PLAYBOOK_REQUIRE_SERVERS").as_deref() == Ok("1") => {
            panic!("PLAYBOOK_REQUIRE_SERVERS=1 but PLAYBOOK_TEST_POSTGRES is not set")
        }
        Err(_) => {
            eprintln!("!!! SKIPPED: no PostgreSQL server (set PLAYBOOK_TEST_POSTGRES) !!!");
            None
        }
    }
}

/// A fresh schema `name` holding `tables`.
fn schema(url: &str, name: &str, tables: &str) {
    let mut client = Client::connect(url, NoTls).expect("connect to the test server");
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; SET search_path TO {name};\n{tables}"
        ))
        .expect("create the test tables");
}

fn run(dir: &Path, data: &str, prefix: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let playbook = dir.join("pg.playbook");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let members = format!("{prefix}members");
    let events = format!("{prefix}events");
    bin()
        .arg("run")
        .arg(&playbook)
        .args([
            "--data",
            data,
            "--members-table",
            &members,
            "--events-table",
            &events,
        ])
        .args(["--since", "2026-04-27 12:00", "--at", "2026-04-28 12:00"])
        .args(["--format", "csv"])
        .args(extra)
        .assert()
}

#[test]
fn a_run_over_postgres_grants_what_the_same_data_in_sqlite_grants() {
    let Some(url) = server() else { return };
    schema(&url, "t_same", TABLES);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("same.sql");
    std::fs::write(&sqlite, SQLITE).unwrap();
    let file = run(dir.path(), sqlite.to_str().unwrap(), "", &[]).success();
    let server = run(dir.path(), &url, "t_same.", &[]).success();
    let file = String::from_utf8_lossy(&file.get_output().stdout).into_owned();
    let server = String::from_utf8_lossy(&server.get_output().stdout).into_owned();
    assert_eq!(file, server);
    assert!(
        file.contains("日礼") && file.contains("首单") && file.contains("标签"),
        "{file}"
    );
}

#[test]
fn an_unreachable_server_is_named_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.db");
    let out = run(
        dir.path(),
        "postgres://app:secret@127.0.0.1:1/shop",
        "",
        &["--ledger", ledger.to_str().unwrap()],
    )
    .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("cannot connect to postgres://app@127.0.0.1:1/shop"),
        "{err}"
    );
    assert!(
        !err.contains("secret"),
        "the password is never shown: {err}"
    );
    assert!(err.contains("nothing was recorded in the ledger"), "{err}");
}

#[test]
fn wrong_credentials_are_named() {
    let Some(url) = server() else { return };
    let wrong = url::Url::parse(&url).map(|mut u| {
        u.set_password(Some("not-the-password")).unwrap();
        u.to_string()
    });
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &wrong.unwrap(), "", &[]).code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("cannot connect to postgres://"), "{err}");
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains("not-the-password"), "{err}");
}

#[test]
fn missing_tables_columns_and_types_that_cannot_be_read_exactly_are_all_listed() {
    let Some(url) = server() else { return };
    schema(
        &url,
        "t_schema",
        "CREATE TABLE members (id text, level bigint, spend double precision, joined_at timestamp, \
         tags text[], vip text);",
    );
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &url, "t_schema.", &[]).code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    insta::assert_snapshot!(err.replace(
        &url::Url::parse(&url).unwrap()[url::Position::BeforeHost..url::Position::AfterPort],
        "SERVER"
    ));
}

#[test]
fn bad_values_name_table_column_and_row_and_nothing_is_recorded() {
    let Some(url) = server() else { return };
    schema(
        &url,
        "t_bad",
        "CREATE TABLE members (id text, level bigint, spend bigint, joined_at text, \
           tags text, vip integer, birthday date);
         CREATE TABLE events (id text, kind text, member_id text, at timestamp, data text);
         INSERT INTO members VALUES ('m1', NULL, 100, '2026-04-20 09:00:00', '[]', 0, NULL),
           ('m2', 1, 100, 'yesterday', '[]', 2, NULL), ('m2', 1, 1, '2026-04-20 09:00:00', '[]', 0, NULL),
           ('m3', 1, 100, '2026-04-20 09:00:00', '[\"a\"', 0, '1850-01-01');
         INSERT INTO events VALUES ('e1', 'order_paid', 'm9', '2026-04-28 10:00:00', '{\"amount\": \"x\"}'),
           ('e2', 'order_paid', 'm3', NULL, '{}');",
    );
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.db");
    let out = run(
        dir.path(),
        &url,
        "t_bad.",
        &["--ledger", ledger.to_str().unwrap()],
    )
    .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    insta::assert_snapshot!(err);
    let recorded = rusqlite::Connection::open(&ledger)
        .and_then(|c| c.query_row("SELECT count(*) FROM runs", [], |r| r.get::<_, i64>(0)))
        .unwrap_or(0);
    assert_eq!(recorded, 0, "no run is recorded");
}

/// `playbook` run over the SQLite script `sqlite` and over the schema `name` holding
/// `tables`: (exit code, stdout, stderr) of each, the schema's name taken out of
/// the messages.
fn both(
    url: &str,
    name: &str,
    playbook: &str,
    (tables, sqlite): (&str, &str),
    extra: &[&str],
) -> [(Option<i32>, String, String); 2] {
    schema(url, name, tables);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data.sql");
    std::fs::write(&file, sqlite).unwrap();
    let source = dir.path().join("t.playbook");
    std::fs::write(&source, playbook).unwrap();
    let one = |data: &str, prefix: &str| {
        let out = bin()
            .arg("run")
            .arg(&source)
            .args(["--data", data])
            .args(["--members-table", &format!("{prefix}members")])
            .args(["--events-table", &format!("{prefix}events")])
            .args(["--since", "2026-04-27 12:00", "--at", "2026-04-28 12:00"])
            .args(["--format", "csv"])
            .args(extra)
            .output()
            .unwrap();
        let text = |b: &[u8]| {
            String::from_utf8_lossy(b)
                .replace(prefix, "")
                .lines()
                .filter(|l| !l.starts_with("read ") || !l.contains("database server"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    [
        one(file.to_str().unwrap(), ""),
        one(url, &format!("{name}.")),
    ]
}

#[test]
fn dates_and_timestamps_bc_or_infinite_are_reported_not_read_as_other_days() {
    let Some(url) = server() else { return };
    let playbook = r#"
playbook "t" { timezone "Asia/Shanghai"  seed "t"  budget ¥100 total }
member { level: int, birthday: date?, joined: time?, paid: time? }
rule r { every day at 10:00  when level >= 2 and (exists birthday or exists joined or exists paid)  give points 1 }
"#;
    let [file, server] = both(
        &url,
        "r_calendar_edges",
        playbook,
        (
            "CREATE TABLE members (id text, level bigint NOT NULL, birthday date, joined timestamp, \
               paid timestamptz);
             INSERT INTO members VALUES ('m1', 2, '0044-03-15 BC', NULL, NULL),
               ('m2', 2, 'infinity', '-infinity', 'infinity'), ('m3', 2, '1990-01-01', NULL, NULL);",
            "CREATE TABLE members (id TEXT, level INTEGER, birthday TEXT, joined TEXT, paid TEXT);
             INSERT INTO members VALUES ('m1', 2, '0044-03-15 BC', NULL, NULL),
               ('m2', 2, 'infinity', '-infinity', 'infinity'), ('m3', 2, '1990-01-01', NULL, NULL);",
        ),
        &[],
    );
    assert_eq!(server.0, Some(1), "{server:?}");
    for bad in [
        "'0044-03-15 BC'",
        "birthday row m2",
        "joined row m2",
        "paid row m2",
    ] {
        assert!(server.2.contains(bad), "{bad}: {server:?}");
    }
    assert_eq!(file, server);
}

#[test]
fn duplicated_empty_ids_are_staged_and_reported_once() {
    let Some(url) = server() else { return };
    let playbook = r#"
playbook "t" { timezone "Asia/Shanghai"  seed "t"  budget ¥100 total }
member { level: int }
rule r { every day at 10:00  when level >= 2  give points 1 }
"#;
    let rows = "('', 2), ('', 3), ('m1', 2), ('m1', 3), ('m2', 2)";
    let tables = (
        &*format!(
            "CREATE TABLE members (id text, level bigint NOT NULL); INSERT INTO members VALUES {rows};"
        ),
        &*format!(
            "CREATE TABLE members (id TEXT, level INTEGER); INSERT INTO members VALUES {rows};"
        ),
    );
    let [file, server] = both(&url, "r_empty_ids", playbook, tables, &[]);
    assert_eq!(server.2.matches("empty id").count(), 2, "{server:?}");
    assert_eq!(file, server);
    let [file, server] = both(&url, "r_empty_ids", playbook, tables, &["--skip-bad-rows"]);
    assert_eq!(server.0, Some(0), "{server:?}");
    assert_eq!(file, server);
}

#[test]
fn char_columns_compare_with_their_padding_as_read() {
    let Some(url) = server() else { return };
    let playbook = r#"
playbook "t" { timezone "Asia/Shanghai"  seed "t"  budget ¥100 total }
member { level: int, code: text }
rule r1 { every day at 10:00  when code != "abc"  give points 1 }
rule r2 { every day at 10:00  when code > "abc"  give points 2 }
"#;
    let [file, server] = both(
        &url,
        "r_char",
        playbook,
        (
            "CREATE TABLE members (id char(4), level bigint NOT NULL, code char(5) NOT NULL);
             INSERT INTO members VALUES ('m1', 2, 'abc'), ('m2', 1, 'abd');",
            "CREATE TABLE members (id TEXT, level INTEGER, code TEXT);
             INSERT INTO members VALUES ('m1  ', 2, 'abc  '), ('m2  ', 1, 'abd  ');",
        ),
        &[],
    );
    assert_eq!(server.0, Some(0), "{server:?}");
    assert_eq!(server.1.matches(",r1,").count(), 2, "{server:?}");
    assert_eq!(file, server);
}

#[test]
fn a_float_nan_is_a_bad_value_not_a_missing_one() {
    let Some(url) = server() else { return };
    let playbook = r#"
playbook "t" { timezone "Asia/Shanghai"  seed "t"  budget ¥100 total }
member { level: int, ratio: decimal? }
rule r { every day at 10:00  when exists ratio  give points 1 }
"#;
    let [file, server] = both(
        &url,
        "r_nan",
        playbook,
        (
            "CREATE TABLE members (id text, level bigint NOT NULL, ratio float8);
             INSERT INTO members VALUES ('m1', 2, 'NaN'), ('m2', 1, 1.5);",
            "CREATE TABLE members (id TEXT, level INTEGER, ratio REAL);
             INSERT INTO members VALUES ('m1', 2, 'NaN'), ('m2', 1, 1.5);",
        ),
        &[],
    );
    assert!(server.2.contains("ratio row m1"), "{server:?}");
    assert_eq!(file, server);
}

#[test]
fn constants_the_server_cannot_spell_are_not_pushed_down() {
    let Some(url) = server() else { return };
    // A date in year 0 (PostgreSQL has none) and a text holding a NUL (which
    // cannot be sent in a query).
    let playbook = "playbook \"t\" { timezone \"Asia/Shanghai\"  seed \"t\"  budget ¥100 total }
member { level: int, birthday: date?, code: text }
rule r1 { every day at 10:00  when exists birthday and birthday >= 0000-06-01  give points 1 }
rule r2 { every day at 10:00  when code == \"a\0b\" or level >= 3  give points 2 }
";
    let [file, server] = both(
        &url,
        "r_constants",
        playbook,
        (
            "CREATE TABLE members (id text, level bigint NOT NULL, birthday date, code text NOT NULL);
             INSERT INTO members VALUES ('m1', 2, '1990-01-01', 'x'), ('m2', 3, NULL, 'y');",
            "CREATE TABLE members (id TEXT, level INTEGER, birthday TEXT, code TEXT);
             INSERT INTO members VALUES ('m1', 2, '1990-01-01', 'x'), ('m2', 3, NULL, 'y');",
        ),
        &[],
    );
    assert_eq!(server.0, Some(0), "{server:?}");
    assert!(
        server.1.contains(",r1,") && server.1.contains(",r2,"),
        "{server:?}"
    );
    assert_eq!(file, server);
}

#[test]
fn arrays_of_bounded_text_are_sets_and_other_arrays_are_refused_at_open() {
    let Some(url) = server() else { return };
    let playbook = r#"
playbook "t" { timezone "Asia/Shanghai"  seed "t"  budget ¥100 total }
member { level: int, tags: set<text>, ratio: decimal? }
rule r { every day at 10:00  when "a" in tags  give points 1 }
"#;
    let tables = "CREATE TABLE members (id text, level bigint NOT NULL, tags varchar(20)[] NOT NULL, \
                  ratio numeric(5,2)[]); INSERT INTO members VALUES ('m1', 2, '{a,b}', NULL);";
    let [_, server] = both(&url, "r_arrays", playbook, (tables, ""), &[]);
    assert_eq!(server.0, Some(1), "{server:?}");
    assert!(
        server
            .2
            .contains("column ratio: PostgreSQL type numeric(5,2)[] cannot be read exactly"),
        "{server:?}"
    );
    assert!(!server.2.contains("column tags"), "{server:?}");
    schema(
        &url,
        "r_arrays",
        &tables.replace("numeric(5,2)[]", "numeric(5,2)"),
    );
    let [file, server] = both(
        &url,
        "r_arrays",
        playbook,
        (
            &tables.replace("numeric(5,2)[]", "numeric(5,2)"),
            "CREATE TABLE members (id TEXT, level INTEGER, tags TEXT, ratio TEXT);
             INSERT INTO members VALUES ('m1', 2, '[\"a\",\"b\"]', NULL);",
        ),
        &[],
    );
    assert_eq!(server.0, Some(0), "{server:?}");
    assert_eq!(file, server);
}

#[test]
fn the_password_may_come_from_pgpassword() {
    let Some(url) = server() else { return };
    schema(&url, "t_pgpass", TABLES);
    let mut bare = url::Url::parse(&url).unwrap();
    let password = bare.password().unwrap_or_default().to_owned();
    bare.set_password(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let playbook = dir.path().join("pg.playbook");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let run = |password: Option<&str>| {
        let mut cmd = bin();
        cmd.arg("run")
            .arg(&playbook)
            .args([
                "--data",
                bare.as_str(),
                "--members-table",
                "t_pgpass.members",
            ])
            .args([
                "--events-table",
                "t_pgpass.events",
                "--at",
                "2026-04-28 12:00",
            ])
            .env_remove("PGPASSWORD");
        if let Some(p) = password {
            cmd.env("PGPASSWORD", p);
        }
        cmd.assert()
    };
    run(Some(&password)).success();
    let out = run(None).code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("cannot connect to postgres://"), "{err}");
}
