//! Reading member, group and event data from SQLite: every encoding of the runtime
//! spec, and one test per class of bad data.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use playbook::check::Program;
use playbook::data::sqlite::SqliteData;
use playbook::data::{BadValue, DataError, DataSource, EventBatch, Table, TableNames};
use playbook::money::{Fen, Rate};
use playbook::time::parse_instant;
use playbook::value::{Row, SET_SEPARATOR, Val};
use rust_decimal::Decimal;
use tempfile::TempDir;

/// A playbook with only a member schema.
const MEMBERS: &str = r#"
playbook "data" {
  timezone "Asia/Shanghai"
}

member {
  level: int
  ratio: decimal
  spend: money
  share: percent
  vip: bool
  name: text
  joined_at: time
  birthday: date?
  cooldown: duration
  tags: set<text>
  note: text?
}
"#;

/// Groups and events, added to [`MEMBERS`] by [`full`].
const GROUPS_AND_EVENTS: &str = r#"
group {
  kind: text
  size: int
}

event order_paid { amount: money  note: text? }
event join_group { group_id: text }
"#;

/// Member columns in schema order (after `id`).
const MEMBER_COLUMNS: &str =
    "level, ratio, spend, share, vip, name, joined_at, birthday, cooldown, tags, note";

/// Members, groups and events.
fn full() -> Program {
    program(&format!("{MEMBERS}{GROUPS_AND_EVENTS}"))
}

fn program(src: &str) -> Program {
    let out = playbook::check_text("t.playbook", src);
    let errors: Vec<String> = out.diagnostics.iter().map(|d| format!("{d:?}")).collect();
    out.program
        .unwrap_or_else(|| panic!("the test playbook checks: {errors:#?}"))
}

/// A SQLite file in `dir` made by `sql`.
fn db(dir: &TempDir, sql: &str) -> PathBuf {
    let path = dir.path().join("data.db");
    let conn = rusqlite::Connection::open(&path).expect("create");
    conn.execute_batch(sql).expect("fill");
    path
}

fn members_table(primary_key: bool) -> String {
    let key = if primary_key { " PRIMARY KEY" } else { "" };
    format!(
        "CREATE TABLE members (id TEXT{key}, level, ratio, spend, share, vip, name, joined_at, \
         birthday, cooldown, tags, note);"
    )
}

/// A members row whose values are all good, with `column` replaced by `value`.
fn member(id: &str, column: &str, value: &str) -> String {
    let good = [
        ("level", "1"),
        ("ratio", "'1.5'"),
        ("spend", "100"),
        ("share", "10"),
        ("vip", "0"),
        ("name", "'n'"),
        ("joined_at", "'2026-04-20 10:00:00'"),
        ("birthday", "NULL"),
        ("cooldown", "60"),
        ("tags", "''"),
        ("note", "NULL"),
    ];
    assert!(column.is_empty() || good.iter().any(|(c, _)| *c == column));
    let values: Vec<&str> = good
        .iter()
        .map(|(c, v)| if *c == column { value } else { v })
        .collect();
    format!(
        "INSERT INTO members (id, {MEMBER_COLUMNS}) VALUES ('{id}', {});",
        values.join(", ")
    )
}

fn open(path: &Path, program: &Program) -> SqliteData {
    SqliteData::open(path, program, TableNames::default()).expect("opens")
}

/// Every member field index.
fn all_member_fields(program: &Program) -> Vec<usize> {
    (0..program.member.fields.len()).collect()
}

fn scan_all(data: &mut SqliteData, program: &Program) -> Vec<Row> {
    let fields = all_member_fields(program);
    let mut rows = Vec::new();
    data.scan(Table::Members, &fields, &mut |row| {
        rows.push(row.clone());
        true
    })
    .expect("scan");
    rows
}

fn field(program: &Program, name: &str) -> usize {
    program.member.index(name).expect("member field")
}

fn at(text: &str) -> i64 {
    parse_instant(text, chrono_tz::Asia::Shanghai).expect("instant")
}

fn set(elements: &[&str]) -> Val {
    Val::Set(elements.join(&SET_SEPARATOR.to_string()))
}

/// The single problem found, checked against table, column and row.
fn only_problem(data: &mut SqliteData, column: &str, row: &str) -> BadValue {
    let problems = data.take_problems();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let p = problems.into_iter().next().expect("one");
    assert_eq!(
        (p.table.as_str(), p.column.as_str(), p.row.as_str()),
        ("members", column, row)
    );
    p
}

/// Scans a table with one member whose `column` holds `value`; the row must be left
/// out and the problem is returned.
fn bad_member(column: &str, value: &str) -> BadValue {
    let dir = TempDir::new().expect("tempdir");
    let p = program(MEMBERS);
    let sql = format!("{}{}", members_table(true), member("m1", column, value));
    let mut data = open(&db(&dir, &sql), &p);
    assert!(
        scan_all(&mut data, &p).is_empty(),
        "{column} = {value} is read"
    );
    only_problem(&mut data, column, "m1")
}

#[test]
fn every_encoding_decodes_to_its_value() {
    let dir = TempDir::new().expect("tempdir");
    let p = program(MEMBERS);
    let sql = format!(
        "{}
        INSERT INTO members (id, {MEMBER_COLUMNS}) VALUES
          ('m1', 3, '12.50', 1250, 30, 1, 'Alice', '2026-04-20 10:00:00', '1990-05-01', 86400,
           '价格敏感, 穿搭,,', 'hi'),
          ('m2', 4.0, 0.1, 0, '12.5%', 0, 42, '2026-04-20T02:00:00Z', NULL, '30d',
           '[\"a\", \"b\", \"a\"]', NULL),
          (7, -1, 7, -5, 12.25, 1, '', 1776650400, '2024-02-29', '2h', '价格敏感，穿搭', '');",
        members_table(true)
    );
    let mut data = open(&db(&dir, &sql), &p);
    let rows = scan_all(&mut data, &p);
    assert_eq!(data.take_problems(), vec![]);
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2", "7"]);
    let get = |row: usize, name: &str| rows[row].vals[field(&p, name)].clone();
    let ten = at("2026-04-20 10:00");

    assert_eq!(get(0, "id"), Val::Text("m1".into()));
    assert_eq!(get(0, "level"), Val::Int(3));
    assert_eq!(get(1, "level"), Val::Int(4));
    assert_eq!(get(2, "level"), Val::Int(-1));
    assert_eq!(get(0, "ratio"), Val::Decimal(Decimal::new(1250, 2)));
    assert_eq!(get(1, "ratio"), Val::Decimal(Decimal::new(1, 1)));
    assert_eq!(get(2, "ratio"), Val::Decimal(Decimal::from(7)));
    assert_eq!(get(0, "spend"), Val::Money(Fen(1250)));
    assert_eq!(get(2, "spend"), Val::Money(Fen(-5)));
    assert_eq!(get(0, "share"), Val::Percent(Rate(3000)));
    assert_eq!(get(1, "share"), Val::Percent(Rate(1250)));
    assert_eq!(get(2, "share"), Val::Percent(Rate(1225)));
    assert_eq!(get(0, "vip"), Val::Bool(true));
    assert_eq!(get(1, "vip"), Val::Bool(false));
    assert_eq!(get(0, "name"), Val::Text("Alice".into()));
    assert_eq!(get(1, "name"), Val::Text("42".into()));
    assert_eq!(get(2, "name"), Val::Text(String::new()));
    for row in 0..3 {
        assert_eq!(get(row, "joined_at"), Val::Time(ten), "row {row}");
    }
    let day = |y, m, d| Val::Date(NaiveDate::from_ymd_opt(y, m, d).expect("date"));
    assert_eq!(get(0, "birthday"), day(1990, 5, 1));
    assert_eq!(get(1, "birthday"), Val::Null);
    assert_eq!(get(2, "birthday"), day(2024, 2, 29));
    assert_eq!(get(0, "cooldown"), Val::Duration(86_400));
    assert_eq!(get(1, "cooldown"), Val::Duration(30 * 86_400));
    assert_eq!(get(2, "cooldown"), Val::Duration(7_200));
    assert_eq!(get(0, "tags"), set(&["价格敏感", "穿搭"]));
    assert_eq!(get(1, "tags"), set(&["a", "b"]));
    assert_eq!(get(2, "tags"), set(&["价格敏感", "穿搭"]));
    assert_eq!(get(0, "note"), Val::Text("hi".into()));
    assert_eq!(get(1, "note"), Val::Null);
}

#[test]
fn time_local_offset_and_unix_are_the_same_instant() {
    let dir = TempDir::new().expect("tempdir");
    let p = program(MEMBERS);
    let shapes = [
        "'2026-04-20 10:00:00'",
        "'2026-04-20 10:00'",
        "'2026-04-20T10:00:00'",
        "'2026-04-20 10:00:00.999'",
        "'2026-04-20 10:00:00+08:00'",
        "'2026-04-20T10:00:00+0800'",
        "'2026-04-20T02:00:00Z'",
        "'2026-04-19 21:00:00-05:00'",
        "1776650400",
    ];
    let mut sql = members_table(true);
    for (i, shape) in shapes.iter().enumerate() {
        sql.push_str(&member(&format!("m{i}"), "joined_at", shape));
    }
    let mut data = open(&db(&dir, &sql), &p);
    let rows = scan_all(&mut data, &p);
    assert_eq!(data.take_problems(), vec![]);
    assert_eq!(rows.len(), shapes.len());
    for (row, shape) in rows.iter().zip(shapes) {
        assert_eq!(
            row.vals[field(&p, "joined_at")],
            Val::Time(at("2026-04-20 10:00")),
            "{shape}"
        );
    }
}

#[test]
fn scan_decodes_only_the_fields_asked_for() {
    let dir = TempDir::new().expect("tempdir");
    let p = program(MEMBERS);
    let sql = format!("{}{}", members_table(true), member("m1", "level", "4"));
    let mut data = open(&db(&dir, &sql), &p);
    let level = field(&p, "level");
    let mut seen = Vec::new();
    data.scan(Table::Members, &[level], &mut |row| {
        seen.push(row.clone());
        true
    })
    .expect("scan");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].id, "m1");
    assert_eq!(seen[0].vals.len(), p.member.fields.len());
    for (i, v) in seen[0].vals.iter().enumerate() {
        let expected = if i == level { Val::Int(4) } else { Val::Null };
        assert_eq!(*v, expected, "field {i}");
    }
}

#[test]
fn null_in_non_optional_field() {
    let p = bad_member("level", "NULL");
    assert_eq!(p.value, "NULL");
    assert_eq!(p.problem, "NULL in a non-optional field");
}

#[test]
fn empty_text_is_not_null() {
    for column in ["level", "joined_at", "birthday"] {
        let p = bad_member(column, "''");
        assert_eq!(p.value, "''");
        assert!(p.problem.contains("use NULL for a missing value"), "{p}");
    }
}

#[test]
fn wrong_type() {
    let p = bad_member("level", "'abc'");
    assert_eq!(p.value, "'abc'");
    assert!(p.problem.contains("expected an integer"), "{p}");
    let p = bad_member("level", "1.5");
    assert_eq!(p.value, "1.5");
    assert!(p.problem.contains("expected an integer"), "{p}");
    let p = bad_member("spend", "12.5");
    assert!(p.problem.contains("money is stored as INTEGER fen"), "{p}");
    let p = bad_member("spend", "'¥12'");
    assert!(p.problem.contains("money is stored as INTEGER fen"), "{p}");
    let p = bad_member("name", "X'00ff'");
    assert_eq!(p.value, "X'00ff'");
    let p = bad_member("birthday", "20260420");
    assert!(p.problem.contains("wrong type"), "{p}");
    let p = bad_member("share", "'12.505%'");
    assert!(p.problem.contains("two decimals"), "{p}");
}

#[test]
fn unparsable_time() {
    for value in [
        "'2026-02-30 10:00:00'",
        "'20/04/2026 10:00'",
        "'2026-04-20 25:00:00'",
    ] {
        let p = bad_member("joined_at", value);
        assert_eq!(p.value, value);
        assert!(p.problem.starts_with("unparsable time"), "{p}");
    }
    let p = bad_member("birthday", "'2026-02-30'");
    assert!(p.problem.contains("not a calendar date"), "{p}");
    let p = bad_member("cooldown", "'soon'");
    assert!(p.problem.contains("unparsable duration"), "{p}");
}

#[test]
fn out_of_range_number() {
    let p = bad_member("level", "1e20");
    assert!(p.problem.starts_with("out of range"), "{p}");
    let p = bad_member("vip", "2");
    assert_eq!(p.problem, "out of range: bool is 0 or 1");
    let p = bad_member("joined_at", "1776650400000");
    assert!(p.problem.starts_with("out of range"), "{p}");
    assert!(p.problem.contains("milliseconds"), "{p}");
}

#[test]
fn set_element_with_the_separator_is_bad() {
    let p = bad_member("tags", "'a' || char(31) || 'b'");
    assert!(p.problem.contains("U+001F"), "{p}");
}

#[test]
fn duplicate_id() {
    let dir = TempDir::new().expect("tempdir");
    let p = program(MEMBERS);
    let sql = [
        members_table(false),
        member("m1", "level", "1"),
        member("m2", "level", "2"),
        member("m1", "level", "3"),
    ]
    .concat();
    let mut data = open(&db(&dir, &sql), &p);
    let problem = only_problem(&mut data, "id", "m1");
    assert_eq!(problem.value, "'m1'");
    assert!(problem.problem.starts_with("duplicate id"), "{problem}");
    // The rows sharing an id are left out; the others are read.
    let rows = scan_all(&mut data, &p);
    assert_eq!(
        rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["m2"]
    );
    assert_eq!(
        data.lookup(Table::Members, "m1", &[1]).expect("lookup"),
        None
    );
    assert_eq!(data.take_problems(), vec![]);
}

#[test]
fn unique_index_on_id_skips_the_duplicate_query() {
    let dir = TempDir::new().expect("tempdir");
    let p = program(MEMBERS);
    let sql = format!(
        "{}CREATE UNIQUE INDEX by_id ON members(id);{}",
        members_table(false),
        member("m1", "", "")
    );
    let mut data = open(&db(&dir, &sql), &p);
    assert_eq!(data.take_problems(), vec![]);
    assert_eq!(scan_all(&mut data, &p).len(), 1);
}

#[test]
fn missing_column() {
    let dir = TempDir::new().expect("tempdir");
    let p = full();
    let path = db(
        &dir,
        "CREATE TABLE members (id TEXT PRIMARY KEY, level, ratio, share, vip, name, joined_at,
           birthday, cooldown, note, extra_column_is_ignored);
         CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT, at TEXT, data TEXT);",
    );
    let err = SqliteData::open(&path, &p, TableNames::default()).expect_err("schema");
    let DataError::Schema(missing) = err else {
        panic!("not a schema error: {err:?}");
    };
    assert_eq!(
        missing,
        [
            "table members has no column `spend` (member field spend: money)",
            "table members has no column `tags` (member field tags: set<text>)",
            "no table `groups` (the playbook's group schema is read from it)",
            "table events has no column `member_id` (events are read from id, kind, member_id, \
             at, data and optionally group_id)",
        ]
    );
}

#[test]
fn missing_members_table_and_renamed_tables() {
    let dir = TempDir::new().expect("tempdir");
    let p = program("member { level: int? }");
    let path = db(
        &dir,
        "CREATE TABLE users (id TEXT PRIMARY KEY, level INTEGER);",
    );
    let err = SqliteData::open(&path, &p, TableNames::default()).expect_err("no members");
    assert_eq!(
        err,
        DataError::Schema(vec![
            "no table `members` (the playbook's member schema is read from it)".into()
        ])
    );
    let names = TableNames {
        members: "users".into(),
        ..TableNames::default()
    };
    let mut data = SqliteData::open(&path, &p, names).expect("opens renamed");
    assert!(data.scan(Table::Members, &[1], &mut |_| true).is_ok());
}

#[test]
fn every_bad_row_is_reported_not_just_the_first() {
    let dir = TempDir::new().expect("tempdir");
    let p = program(MEMBERS);
    let sql = [
        members_table(true),
        member("m1", "level", "'one'"),
        member("m2", "", ""),
        member("m3", "joined_at", "'yesterday'"),
        member("m4", "spend", "9.99"),
    ]
    .concat();
    let mut data = open(&db(&dir, &sql), &p);
    let rows = scan_all(&mut data, &p);
    assert_eq!(
        rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["m2"]
    );
    let found: Vec<(String, String, String)> = data
        .take_problems()
        .into_iter()
        .map(|p| (p.row, p.column, p.value))
        .collect();
    let expected = [
        ("m1", "level", "'one'"),
        ("m3", "joined_at", "'yesterday'"),
        ("m4", "spend", "9.99"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(r, c, v)| (r.to_string(), c.to_string(), v.to_string()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn every_bad_column_of_a_row_is_reported() {
    let dir = TempDir::new().expect("tempdir");
    let p = program(MEMBERS);
    let sql = format!(
        "{}INSERT INTO members (id, {MEMBER_COLUMNS}) VALUES
           ('m1', 'x', '1', 1, 1, 7, 'n', 'later', NULL, 1, '', NULL),
           (NULL, 1, '1', 1, 1, 0, 'n', '2026-01-01 00:00:00', NULL, 1, '', NULL);",
        members_table(false)
    );
    let mut data = open(&db(&dir, &sql), &p);
    assert!(scan_all(&mut data, &p).is_empty());
    let found: Vec<(String, String)> = data
        .take_problems()
        .into_iter()
        .map(|p| (p.row, p.column))
        .collect();
    let expected = [
        ("m1", "level"),
        ("m1", "vip"),
        ("m1", "joined_at"),
        ("rowid 2", "id"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(r, c)| (r.to_string(), c.to_string()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn problems_are_not_reported_twice() {
    let dir = TempDir::new().expect("tempdir");
    let p = program(MEMBERS);
    let sql = format!("{}{}", members_table(true), member("m1", "level", "'x'"));
    let mut data = open(&db(&dir, &sql), &p);
    assert!(scan_all(&mut data, &p).is_empty());
    assert_eq!(data.take_problems().len(), 1);
    assert!(scan_all(&mut data, &p).is_empty());
    assert_eq!(
        data.lookup(Table::Members, "m1", &[1]).expect("lookup"),
        None
    );
    assert_eq!(data.take_problems(), vec![]);
}

#[test]
fn lookup_reads_one_row_by_id() {
    let dir = TempDir::new().expect("tempdir");
    let p = full();
    let sql = [
        members_table(true),
        member("m1", "level", "1"),
        member("m2", "level", "2"),
        "CREATE TABLE groups (id TEXT PRIMARY KEY, kind TEXT, size INTEGER);
         INSERT INTO groups VALUES ('g1', '福利群', 120);
         CREATE TABLE events (id TEXT PRIMARY KEY, kind, member_id, at, data);"
            .to_owned(),
    ]
    .concat();
    let mut data = open(&db(&dir, &sql), &p);
    let level = field(&p, "level");
    for _ in 0..3 {
        let row = data
            .lookup(Table::Members, "m2", &[0, level])
            .expect("lookup");
        let row = row.expect("found");
        assert_eq!(row.id, "m2");
        assert_eq!(row.vals[0], Val::Text("m2".into()));
        assert_eq!(row.vals[level], Val::Int(2));
    }
    assert_eq!(
        data.lookup(Table::Members, "m9", &[level]).expect("lookup"),
        None
    );
    let group = data.lookup(Table::Groups, "g1", &[1, 2]).expect("lookup");
    let group = group.expect("found");
    assert_eq!(group.vals[1..], [Val::Text("福利群".into()), Val::Int(120)]);
    let mut groups = 0;
    data.scan(Table::Groups, &[2], &mut |_| {
        groups += 1;
        true
    })
    .expect("scan groups");
    assert_eq!(groups, 1);
}

/// Members and groups, with `events` rows as given.
fn events_db(dir: &TempDir, rows: &str) -> PathBuf {
    db(
        dir,
        &format!(
            "{}{}
             CREATE TABLE groups (id TEXT PRIMARY KEY, kind TEXT, size INTEGER);
             CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT, member_id TEXT,
               group_id TEXT NULL, at TEXT, data TEXT);
             INSERT INTO events (id, kind, member_id, group_id, at, data) VALUES {rows};",
            members_table(true),
            member("m1", "", "")
        ),
    )
}

fn events(path: &Path, p: &Program, after: &str, until: &str) -> (SqliteData, EventBatch) {
    let mut data = open(path, p);
    let batch = data.events(at(after), at(until)).expect("events");
    (data, batch)
}

#[test]
fn events_in_the_window_sorted_by_time_and_id() {
    let dir = TempDir::new().expect("tempdir");
    let p = full();
    let path = events_db(
        &dir,
        r#"('e3', 'order_paid', 'm1', NULL, '2026-04-20 12:00:00', '{"amount": 1999, "extra": 1}'),
           ('e2', 'order_paid', 'm1', 'g1', '2026-04-20 10:00:00', '{"amount": 500, "note": "a"}'),
           ('e1', 'join_group', 'm1', 'g7', '2026-04-20T02:00:00Z', NULL),
           ('e4', 'join_group', 'm1', NULL, '2026-04-20 11:00:00', '{"group_id": "g8"}'),
           ('e0', 'order_paid', 'm1', NULL, '2026-04-20 09:00:00', '{"amount": 1}'),
           ('e5', 'order_paid', 'm1', NULL, '2026-04-20 12:00:01', '{"amount": 2}')"#,
    );
    let (mut data, batch) = events(&path, &p, "2026-04-20 09:00", "2026-04-20 12:00");
    let events: Vec<_> = batch.records().collect();
    assert_eq!(data.take_problems(), vec![]);
    let ids: Vec<&str> = events.iter().map(|e| e.row.id.as_str()).collect();
    assert_eq!(ids, ["e1", "e2", "e4", "e3"]);
    let e2 = &events[1];
    assert_eq!(p.events[e2.kind].name, "order_paid");
    assert_eq!(e2.at, at("2026-04-20 10:00"));
    assert_eq!(
        e2.row.vals,
        [
            Val::Text("e2".into()),
            Val::Text("m1".into()),
            Val::Time(at("2026-04-20 10:00")),
            Val::Text("g1".into()),
            Val::Money(Fen(500)),
            Val::Text("a".into()),
        ]
    );
    assert_eq!(events[0].row.vals[3], Val::Text("g7".into()));
    assert_eq!(events[2].row.vals[3], Val::Text("g8".into()));
    assert_eq!(events[3].row.vals[3], Val::Null);
    assert_eq!(events[3].row.vals[5], Val::Null);
    assert!(batch.ignored.is_empty());
}

#[test]
fn undeclared_event_kind_counted() {
    let dir = TempDir::new().expect("tempdir");
    let p = full();
    let path = events_db(
        &dir,
        r#"('e1', 'page_view', 'm1', NULL, '2026-04-20 10:00:00', 'not even json'),
           ('e2', 'page_view', 'm1', NULL, '2026-04-20 10:05:00', NULL),
           ('e3', 'refund', 'm1', NULL, '2026-04-20 10:10:00', '{}'),
           ('e4', 'page_view', 'm1', NULL, '2026-05-20 10:00:00', NULL),
           ('e5', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '{"amount": 1}')"#,
    );
    let (mut data, batch) = events(&path, &p, "2026-04-20 00:00", "2026-04-21 00:00");
    let events: Vec<_> = batch.records().collect();
    assert_eq!(data.take_problems(), vec![]);
    assert_eq!(events.len(), 1);
    let ignored: Vec<(&str, u64)> = batch
        .ignored
        .iter()
        .map(|(k, n)| (k.as_str(), *n))
        .collect();
    assert_eq!(ignored, [("page_view", 2), ("refund", 1)]);
}

#[test]
fn bad_event_json() {
    let dir = TempDir::new().expect("tempdir");
    let p = full();
    let path = events_db(
        &dir,
        r#"('e1', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '{"amount": 1'),
           ('e2', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '[1, 2]'),
           ('e3', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '{"amount": "¥5"}')"#,
    );
    let (mut data, batch) = events(&path, &p, "2026-04-20 00:00", "2026-04-21 00:00");
    let events: Vec<_> = batch.records().collect();
    assert!(events.is_empty());
    let problems = data.take_problems();
    let found: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p.row.as_str(), p.column.as_str()))
        .collect();
    assert_eq!(
        found,
        [("e1", "data"), ("e2", "data"), ("e3", "data.amount")]
    );
    assert!(problems.iter().all(|p| p.table == "events"));
    assert!(
        problems[0].problem.starts_with("invalid JSON"),
        "{}",
        problems[0]
    );
    assert_eq!(problems[0].value, r#"'{"amount": 1'"#);
    assert_eq!(problems[1].problem, "data is not a JSON object");
    assert_eq!(problems[2].value, "'¥5'");
}

#[test]
fn duplicate_keys_in_event_data_are_a_bad_value() {
    let dir = TempDir::new().expect("tempdir");
    let p = full();
    let path = events_db(
        &dir,
        r#"('e1', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '{"amount": 100, "amount": 999999}'),
           ('e2', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '{"amount": 100, "note": "a", "note": "b"}'),
           ('e3', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '{"amount": 100}')"#,
    );
    let (mut data, batch) = events(&path, &p, "2026-04-20 00:00", "2026-04-21 00:00");
    let events: Vec<_> = batch.records().collect();
    let ids: Vec<&str> = events.iter().map(|e| e.row.id.as_str()).collect();
    assert_eq!(ids, ["e3"], "neither value of a repeated key is taken");
    let problems = data.take_problems();
    let found: Vec<(&str, &str, &str, &str)> = problems
        .iter()
        .map(|p| {
            (
                p.table.as_str(),
                p.row.as_str(),
                p.column.as_str(),
                p.problem.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "events",
                "e1",
                "data.amount",
                "duplicate key: `amount` appears more than once in data"
            ),
            (
                "events",
                "e2",
                "data.note",
                "duplicate key: `note` appears more than once in data"
            ),
        ]
    );
    assert_eq!(problems[0].value, r#"'{"amount": 100, "amount": 999999}'"#);
}

#[test]
fn a_json_integer_too_large_for_64_bits_is_reported_as_an_integer_not_a_real() {
    let dir = TempDir::new().expect("tempdir");
    let p = full();
    let path = events_db(
        &dir,
        r#"('e1', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '{"amount": 100000000000000000000}'),
           ('e2', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '{"amount": 9223372036854775808}'),
           ('e3', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '{"amount": 9223372036854775807}')"#,
    );
    let (mut data, batch) = events(&path, &p, "2026-04-20 00:00", "2026-04-21 00:00");
    let events: Vec<_> = batch.records().collect();
    let ids: Vec<&str> = events.iter().map(|e| e.row.id.as_str()).collect();
    assert_eq!(ids, ["e3"]);
    let problems = data.take_problems();
    let found: Vec<(&str, &str, &str, &str)> = problems
        .iter()
        .map(|p| {
            (
                p.row.as_str(),
                p.column.as_str(),
                p.value.as_str(),
                p.problem.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "e1",
                "data.amount",
                "100000000000000000000",
                "integer 100000000000000000000 does not fit in 64 bits (integers run from -9223372036854775808 to 9223372036854775807)"
            ),
            (
                "e2",
                "data.amount",
                "9223372036854775808",
                "integer 9223372036854775808 does not fit in 64 bits (integers run from -9223372036854775808 to 9223372036854775807)"
            ),
        ]
    );
}

#[test]
fn a_json_integer_too_large_for_64_bits_reads_exactly_as_a_decimal() {
    let dir = TempDir::new().expect("tempdir");
    let p = program(&format!(
        "{MEMBERS}{GROUPS_AND_EVENTS}event weigh {{ grams: decimal }}\n"
    ));
    let path = events_db(
        &dir,
        r#"('e1', 'weigh', 'm1', 'g1', '2026-04-20 10:00:00', '{"grams": 123456789012345678901234}')"#,
    );
    let (mut data, batch) = events(&path, &p, "2026-04-20 00:00", "2026-04-21 00:00");
    let events: Vec<_> = batch.records().collect();
    assert_eq!(data.take_problems(), vec![]);
    assert_eq!(
        events[0].row.vals[4],
        Val::Decimal(Decimal::from_str_exact("123456789012345678901234").expect("a decimal"))
    );
}

#[test]
fn missing_event_field() {
    let dir = TempDir::new().expect("tempdir");
    let p = full();
    let path = events_db(
        &dir,
        r#"('e1', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '{"amount_fen": 100}'),
           ('e2', 'join_group', 'm1', NULL, '2026-04-20 10:00:00', '{}'),
           ('e3', 'order_paid', NULL, NULL, '2026-04-20 10:00:00', '{"amount": null}')"#,
    );
    let (mut data, batch) = events(&path, &p, "2026-04-20 00:00", "2026-04-21 00:00");
    let events: Vec<_> = batch.records().collect();
    assert!(events.is_empty());
    let found: Vec<(String, String, String)> = data
        .take_problems()
        .into_iter()
        .map(|p| (p.row, p.column, p.problem))
        .collect();
    let expected = [
        ("e1", "data.amount", "missing field: data has no `amount`"),
        ("e2", "group_id", "NULL in a non-optional field"),
        ("e3", "member_id", "NULL in a non-optional field"),
        ("e3", "data.amount", "NULL in a non-optional field"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(r, c, m)| (r.to_string(), c.to_string(), m.to_string()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn unparsable_event_time_is_reported_whatever_the_window() {
    let dir = TempDir::new().expect("tempdir");
    let p = full();
    let path = events_db(
        &dir,
        r#"('e1', 'order_paid', 'm1', NULL, 'last tuesday', '{"amount": 1}'),
           ('e2', 'page_view', 'm1', NULL, NULL, NULL)"#,
    );
    let (mut data, batch) = events(&path, &p, "2030-01-01 00:00", "2030-01-02 00:00");
    let events: Vec<_> = batch.records().collect();
    assert!(events.is_empty());
    let problems = data.take_problems();
    let found: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p.row.as_str(), p.column.as_str()))
        .collect();
    assert_eq!(found, [("e1", "at"), ("e2", "at")]);
    assert!(problems[0].problem.starts_with("unparsable time"));
    // A second window does not report them again.
    let again = data.events(0, i64::MAX / 2).expect("events");
    assert!(again.is_empty());
    assert_eq!(data.take_problems(), vec![]);
}

#[test]
fn sql_data_files_are_run_into_memory() {
    let dir = TempDir::new().expect("tempdir");
    let p = program("member { level: int  tags: set<text> }");
    let path = dir.path().join("members.sql");
    std::fs::write(
        &path,
        "-- example data\nCREATE TABLE members (id TEXT PRIMARY KEY, level INTEGER, tags TEXT);\n\
         INSERT INTO members VALUES ('m1', 2, '穿搭,美妆'), ('m2', 0, '');\n",
    )
    .expect("write");
    let mut data = open(&path, &p);
    let mut seen = Vec::new();
    data.scan(Table::Members, &[1, 2], &mut |row| {
        seen.push((row.id.clone(), row.vals[1].clone(), row.vals[2].clone()));
        true
    })
    .expect("scan");
    assert_eq!(
        seen,
        [
            ("m1".to_owned(), Val::Int(2), set(&["穿搭", "美妆"])),
            ("m2".to_owned(), Val::Int(0), set(&[])),
        ]
    );
    assert!(!dir.path().join("members.db").exists());

    std::fs::write(&path, "CREATE TABLE members (id TEXT,, level);").expect("write");
    let err = SqliteData::open(&path, &p, TableNames::default()).expect_err("bad SQL");
    let DataError::Open {
        path: shown,
        message,
    } = err
    else {
        panic!("not an open error: {err:?}");
    };
    assert_eq!(shown, path.display().to_string());
    assert!(message.contains("syntax error"), "{message}");
}

#[test]
fn data_is_opened_read_only() {
    let dir = TempDir::new().expect("tempdir");
    let p = full();
    let path = events_db(
        &dir,
        r#"('e1', 'order_paid', 'm1', NULL, '2026-04-20 10:00:00', '{"amount": 1}')"#,
    );
    let before = std::fs::read(&path).expect("read");
    {
        let mut data = open(&path, &p);
        scan_all(&mut data, &p);
        data.lookup(Table::Members, "m1", &[1]).expect("lookup");
        data.events(0, i64::MAX / 2).expect("events");
    }
    assert_eq!(std::fs::read(&path).expect("read"), before);
    let entries = std::fs::read_dir(dir.path()).expect("dir").count();
    assert_eq!(entries, 1, "no journal or other file left behind");

    let missing = dir.path().join("nope.db");
    let err = SqliteData::open(&missing, &p, TableNames::default()).expect_err("missing");
    let DataError::Open { path: shown, .. } = err else {
        panic!("not an open error: {err:?}");
    };
    assert_eq!(shown, missing.display().to_string());
    assert!(!missing.exists(), "a missing file is not created");
}

#[test]
fn not_a_database_is_an_open_error() {
    let dir = TempDir::new().expect("tempdir");
    let p = program(MEMBERS);
    let path = dir.path().join("data.db");
    std::fs::write(&path, "member,level\nm1,2\n").expect("write");
    let err = SqliteData::open(&path, &p, TableNames::default()).expect_err("not sqlite");
    assert!(matches!(err, DataError::Open { .. }), "{err:?}");
}

/// Found by fuzzing: a column without a type keeps `42` and `'42'` apart, even under
/// a unique key, but both read as the id `42`. They are one id held twice.
#[test]
fn an_id_as_text_and_as_integer_in_an_untyped_column_is_a_duplicate() {
    let dir = TempDir::new().expect("tempdir");
    let p = program("member { level: int }\n");
    let sql = "CREATE TABLE members (id PRIMARY KEY, level INTEGER);
               INSERT INTO members VALUES ('42', 1), (42, 2), (7, 3);";
    let mut data = open(&db(&dir, sql), &p);
    let problem = only_problem(&mut data, "id", "42");
    assert!(
        problem.problem.starts_with("duplicate id: 2 rows"),
        "{problem}"
    );
    let rows = scan_all(&mut data, &p);
    assert_eq!(
        rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["7"]
    );
    // The integer id the scan shows is found by a lookup too.
    let found = data
        .lookup(Table::Members, "7", &all_member_fields(&p))
        .expect("lookup");
    assert_eq!(found.map(|r| r.id), Some("7".to_owned()));
    assert_eq!(
        data.lookup(Table::Members, "42", &all_member_fields(&p))
            .expect("lookup"),
        None
    );
}
