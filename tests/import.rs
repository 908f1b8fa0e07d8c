//! `playbook import`: one export in every spelling (UTF-8 with a byte order mark,
//! GBK, .xlsx) becomes the same table, which `run` and `segments` read without a
//! bad value; bad values are reported by column and stop the import (or, with
//! `--skip-bad-rows`, their rows); importing again changes nothing.

mod common;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;

/// The maps from the fixture export's Chinese headers to the playbook's fields.
const MEMBER_MAPS: [&str; 8] = [
    "手机号=id",
    "昵称=nickname",
    "累计消费=spend",
    "注册时间=joined_at",
    "最近下单=last_order_at",
    "生日=birthday",
    "标签=tags",
    "是否会员=vip",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

/// `playbook import FILE --into DB --table TABLE --playbook shop.playbook EXTRA…`,
/// run in the fixtures' folder so that messages name files as a user would.
fn import(file: &str, db: &Path, table: &str, extra: &[&str]) -> std::process::Output {
    common::bin()
        .current_dir(fixtures())
        .args([
            "import",
            file,
            "--table",
            table,
            "--playbook",
            "shop.playbook",
            "--into",
        ])
        .arg(db)
        .args(extra)
        .output()
        .unwrap()
}

fn member_args(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = MEMBER_MAPS
        .iter()
        .flat_map(|m| ["--map".to_owned(), (*m).to_owned()])
        .collect();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn import_members(file: &str, db: &Path, extra: &[&str]) -> std::process::Output {
    let args = member_args(extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    import(file, db, "members", &args)
}

fn import_orders(db: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "--kind",
        "order_paid",
        "--map",
        "买家手机=member_id",
        "--map",
        "实付金额=amount",
        "--map",
        "付款时间=at",
    ];
    args.extend(extra);
    import("orders.csv", db, "events", &args)
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_ok(out: &std::process::Output) {
    assert!(out.status.success(), "{}", stderr(out));
}

/// Every row of `table` in id order, each value with its SQLite type.
fn dump(db: &Path, table: &str) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {table} ORDER BY id"))
        .unwrap();
    let width = stmt.column_count();
    let rows = stmt
        .query_map([], |row| {
            let cells: Vec<String> = (0..width)
                .map(|i| match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Null => "NULL".to_owned(),
                    rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                    rusqlite::types::ValueRef::Text(t) => {
                        format!("'{}'", String::from_utf8_lossy(t))
                    }
                    other => format!("{other:?}"),
                })
                .collect();
            Ok(cells.join(" | "))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    rows.join("\n")
}

#[test]
fn one_export_in_three_spellings_imports_to_the_same_table() {
    let dir = tempfile::tempdir().unwrap();
    let bom = dir.path().join("bom.db");
    let gbk = dir.path().join("gbk.db");
    let xlsx = dir.path().join("xlsx.db");
    let out = import_members("members_bom.csv", &bom, &[]);
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        "imported 6 rows into members (6 new, 0 updated)\n"
    );
    assert!(stderr(&out).contains("note: ignored 1 column the playbook does not use: `备注`"));
    assert_ok(&import_members(
        "members_gbk.csv",
        &gbk,
        &["--encoding", "gbk"],
    ));
    assert_ok(&import_members("members.xlsx", &xlsx, &[]));
    let table = dump(&bom, "members");
    assert_eq!(dump(&gbk, "members"), table, "GBK and UTF-8 differ");
    assert_eq!(dump(&xlsx, "members"), table, "xlsx and CSV differ");
    insta::assert_snapshot!("imported_members", table);
}

#[test]
fn run_and_segments_read_the_imported_data_without_a_bad_value() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    assert_ok(&import_members("members.xlsx", &db, &[]));
    let out = import_orders(&db, &[]);
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        "imported 5 rows into events (5 new, 0 updated)\n"
    );
    assert!(stderr(&out).contains("no `id` column: each event's id is derived"));

    let out = common::bin()
        .current_dir(fixtures())
        .args([
            "segments",
            "shop.playbook",
            "--at",
            "2026-05-10 12:00",
            "--format",
            "json",
            "--data",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(!stderr(&out).contains("bad value"), "{}", stderr(&out));
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sizes: Vec<String> = value["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{} {}", s["segment"].as_str().unwrap(), s["size"]))
        .collect();
    assert_eq!(
        sizes,
        [
            "有昵称 6",
            "高消费 3",
            "会员 4",
            "活跃 3",
            "老客 3",
            "五月生日 4",
            "抖音 3",
            "高分成 3"
        ]
    );

    let out = common::bin()
        .current_dir(fixtures())
        .args([
            "run",
            "shop.playbook",
            "--since",
            "2026-05-05 00:00",
            "--at",
            "2026-05-07 00:00",
        ])
        .args(["--format", "json", "--data"])
        .arg(&db)
        .output()
        .unwrap();
    assert_ok(&out);
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    let grants: Vec<String> = value["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| format!("{} {}", g["target"]["id"].as_str().unwrap(), g["value_fen"]))
        .collect();
    // ¥128.00, `1,000` and 300元 are at least ¥100 (1%, between ¥1 and ¥5); 59.9 and ¥88 are not.
    assert_eq!(
        grants,
        ["13800138000 128", "13800138003 500", "13800138004 300"],
        "{value}"
    );
}

#[test]
fn gbk_bytes_without_an_encoding_are_refused_with_the_line_and_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let out = import_members("members_gbk.csv", &db, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: members_gbk.csv: line 1 (byte 0) is not UTF-8; it reads as GBK: add `--encoding gbk`\n"
    );
    assert!(!db.exists());
}

#[test]
fn bad_values_are_reported_by_column_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    assert_ok(&import_members("members_bom.csv", &db, &[]));
    let before = dump(&db, "members");
    let out = import_members("members_bad.csv", &db, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    insta::assert_snapshot!("bad_values_by_column", stderr(&out));
    assert_eq!(
        dump(&db, "members"),
        before,
        "a failed import wrote something"
    );
}

#[test]
fn skip_bad_rows_imports_the_rest_lists_the_skipped_and_warns_with_their_share() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let out = import_members("members_bad.csv", &db, &["--skip-bad-rows"]);
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        "imported 2 rows into members (2 new, 0 updated)\n"
    );
    insta::assert_snapshot!("skipped_rows", stderr(&out));
    let table = dump(&db, "members");
    assert!(
        table.starts_with("'13800138016' | '壬' | 1 | 150 |"),
        "{table}"
    );
    assert!(
        table.contains("'13800138017' | '癸' | 2 | 100000 |"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 2);
}

#[test]
fn every_row_bad_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let out = import_members("members_all_bad.csv", &db, &["--skip-bad-rows"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: every row has a bad value, so nothing was imported: 2 bad values in members_all_bad.csv (2 of 2 rows)"),
        "{err}"
    );
    assert!(!db.exists(), "the database was created");
}

#[test]
fn importing_the_same_files_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    assert_ok(&import_members("members_bom.csv", &db, &[]));
    assert_ok(&import_orders(&db, &[]));
    let (members, events) = (dump(&db, "members"), dump(&db, "events"));
    let again = import_members("members_bom.csv", &db, &[]);
    assert_eq!(
        stdout(&again),
        "imported 6 rows into members (0 new, 6 updated)\n"
    );
    let again = import_orders(&db, &[]);
    assert_eq!(
        stdout(&again),
        "imported 5 rows into events (0 new, 5 updated)\n"
    );
    // The same members from the workbook, and the orders by their order numbers.
    assert_ok(&import_members("members.xlsx", &db, &[]));
    assert_eq!(dump(&db, "members"), members);
    assert_eq!(dump(&db, "events"), events);
    let by_number = import_orders(&db, &["--map", "订单号=id"]);
    assert_eq!(
        stdout(&by_number),
        "imported 5 rows into events (5 new, 0 updated)\n"
    );
}

#[test]
fn missing_columns_are_listed_at_once_with_close_headers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let out = import(
        "members_missing.csv",
        &db,
        "members",
        &["--map", "手机号=id"],
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("missing_columns", stderr(&out));
    assert!(!db.exists());
}

#[test]
fn events_from_a_kind_column_and_repeated_events_without_ids() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let file = dir.path().join("events.csv");
    std::fs::write(
        &file,
        "kind,member_id,at,amount\n\
         order_paid,m1,2026-05-05 10:00,¥128\n\
         order_paid,m1,2026-05-05T02:00:00Z,128.00\n\
         live_view,m2,2026-05-05 10:00,\n\
         order_paid,m3,2026-05-05 11:00,12.345\n",
    )
    .unwrap();
    let out = common::bin()
        .current_dir(dir.path())
        .args([
            "import",
            "events.csv",
            "--table",
            "events",
            "--into",
            "shop.db",
            "--playbook",
        ])
        .arg(fixtures().join("shop.playbook"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("event_rows", stderr(&out));
    assert!(!db.exists());
}

#[test]
fn wrong_options_are_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let out = import("members_bom.csv", &db, "members", &["--map", "手机号=idd"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no field `idd` here; did you mean `id`?"),
        "{}",
        stderr(&out)
    );
    let out = import("orders.csv", &db, "events", &["--kind", "order_payed"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `order_paid`?"),
        "{}",
        stderr(&out)
    );
    let out = import("members_bom.csv", &db, "groups", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!db.exists());
}

/// Fen as yuan in one of the spellings exports use.
fn spelled(fen: i64, style: u8) -> String {
    let (sign, abs) = if fen < 0 {
        ("-", fen.unsigned_abs())
    } else {
        ("", fen.unsigned_abs())
    };
    let (yuan, cents) = (abs / 100, abs % 100);
    let grouped = {
        let digits = yuan.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    match style % 6 {
        0 => format!("{sign}{yuan}.{cents:02}"),
        1 => format!("{sign}¥{grouped}.{cents:02}"),
        2 => format!("{sign}￥{yuan}.{cents:02}0"),
        3 => format!("{sign}{grouped}.{cents:02}元"),
        4 if cents == 0 => format!("{sign}{yuan}"),
        4 if cents % 10 == 0 => format!("{sign}{yuan}.{}", cents / 10),
        _ => format!("¥{sign}{grouped}.{cents:02}"),
    }
}

proptest! {
    #[test]
    fn yuan_text_in_any_accepted_spelling_converts_back_to_its_fen(
        fen in -10_000_000_000_000i64..10_000_000_000_000,
        style in 0u8..6,
    ) {
        let text = spelled(fen, style);
        prop_assert_eq!(playbook::app::import::yuan_text(&text), Ok(fen), "{}", text);
    }

    #[test]
    fn a_third_decimal_that_is_not_zero_is_never_rounded(
        fen in 0i64..10_000_000_000, digit in 1u8..10,
    ) {
        let text = format!("{}.{:02}{digit}", fen / 100, fen % 100);
        prop_assert!(playbook::app::import::yuan_text(&text).is_err(), "{}", text);
    }
}

/// The README's "three commands": the lines of its code block that imports
/// `examples/exports/`, continuation lines joined, as words.
fn readme_three_commands() -> Vec<Vec<String>> {
    let readme = include_str!("../README.md");
    let block = readme
        .split("```sh\n")
        .skip(1)
        .filter_map(|b| b.split_once("\n```").map(|(inside, _)| inside))
        .find(|b| b.contains("playbook import examples/exports/"))
        .expect("the README imports examples/exports/");
    block
        .replace("\\\n", " ")
        .lines()
        .map(common::shell_words)
        .collect()
}

/// Every row of `table`, in id order, as SQLite values.
fn rows(conn: &rusqlite::Connection, table: &str) -> Vec<Vec<rusqlite::types::Value>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT id, level, channel, orders, spend_365d, joined_at, first_order_at, \
             last_order_at, tags, messages_7d, invites FROM {table} ORDER BY id"
        ))
        .unwrap();
    stmt.query_map([], |r| (0..11).map(|i| r.get(i)).collect())
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn the_readme_three_commands_turn_the_shop_exports_into_grants() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let commands = readme_three_commands();
    assert_eq!(commands.len(), 3, "{commands:?}");
    let mut last = String::new();
    for words in &commands {
        assert_eq!(words[0], "playbook");
        let args: Vec<String> = words[1..]
            .iter()
            .map(|w| {
                if w == "shop.db" {
                    db.display().to_string()
                } else {
                    w.clone()
                }
            })
            .collect();
        let out = common::bin()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        last = String::from_utf8(out.stdout).unwrap();
    }
    // The members are exactly the example's own.
    let shipped = rusqlite::Connection::open_in_memory().unwrap();
    shipped
        .execute_batch(
            &std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/tiered_groups.sql"),
            )
            .unwrap(),
        )
        .unwrap();
    let imported = rusqlite::Connection::open(&db).unwrap();
    let expected = rows(&shipped, "members");
    assert_eq!(expected.len(), 90);
    assert_eq!(rows(&imported, "members"), expected);
    // So are the paid orders (ids aside: the export numbers them its own way).
    let orders = |conn: &rusqlite::Connection| -> Vec<(String, String, String)> {
        let mut stmt = conn
            .prepare(
                "SELECT member_id, at, data FROM events WHERE kind = 'order_paid' \
                 ORDER BY at, member_id",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .map(|(m, at, data): (String, String, String)| {
                let data: Value = serde_json::from_str(&data).unwrap();
                (m, at, data["amount"].to_string())
            })
            .collect()
    };
    assert_eq!(orders(&imported), orders(&shipped));
    assert!(last.contains("granted "), "{last}");
    assert!(!last.contains("granted 0 grants"), "{last}");
}

/// The member header of the fixture playbook, in field names.
const MEMBER_HEADER: &str =
    "id,nickname,level,spend,share,joined_at,last_order_at,birthday,tags,vip";

/// `playbook import FILE --table TABLE --into shop.db` in `dir`, with `text` written
/// to `FILE` and the fixture playbook.
fn import_in(
    dir: &Path,
    file: &str,
    text: &str,
    table: &str,
    extra: &[&str],
) -> std::process::Output {
    std::fs::write(dir.join(file), text).unwrap();
    common::bin()
        .current_dir(dir)
        .args(["import", file, "--table", table, "--into", "shop.db"])
        .arg("--playbook")
        .arg(fixtures().join("shop.playbook"))
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn an_unclosed_quote_is_refused_with_its_line_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{MEMBER_HEADER}\n\
         m1,a,3,7,1%,2026-05-01,,2000-01-01,\"x,1\n\
         m2,b,1,8,1%,2026-05-01,,2000-01-01,y,1\n"
    );
    let out = import_in(dir.path(), "m.csv", &text, "members", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "error: m.csv: not CSV: a quote opened on line 2 is never closed\n"
    );
    assert!(!dir.path().join("shop.db").exists());
}

#[test]
fn csv_rows_are_numbered_by_their_line_past_blank_lines_and_multiline_cells() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{MEMBER_HEADER}\n\n\
         m1,\"two\nlines\",1,7,1%,2026-05-01,,2000-01-01,x,1\n\
         m2,b,1,abc,1%,2026-05-01,,2000-01-01,x,1\n"
    );
    let out = import_in(dir.path(), "m.csv", &text, "members", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "column `spend` (→ member field spend: money): 1 bad value\n    row 5 (id m2): `abc`"
        ),
        "{err}"
    );
}

#[test]
fn an_existing_table_whose_declared_types_would_convert_the_values_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TABLE members(id INTEGER PRIMARY KEY, nickname TEXT, level REAL, \
             spend TEXT, share TEXT, joined_at TEXT, last_order_at TEXT, birthday DATE, \
             tags TEXT, vip INTEGER)",
        )
        .unwrap();
    let text = format!("{MEMBER_HEADER}\n013800138001,a,3,7,1%,2026-05-01,,2000-01-01,x,1\n");
    let out = import_in(dir.path(), "m.csv", &text, "members", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for column in [
        "column `id` is declared INTEGER (INTEGER affinity), and playbook writes text as TEXT there",
        "column `level` is declared REAL (REAL affinity), and playbook writes int as INTEGER there",
        "column `spend` is declared TEXT (TEXT affinity), and playbook writes money as INTEGER fen there",
        "column `birthday` is declared DATE (NUMERIC affinity), and playbook writes date as TEXT there",
    ] {
        assert!(err.contains(column), "{err}");
    }
    assert!(err.contains("table `members` in shop.db"), "{err}");
    assert!(
        !err.contains("`nickname`") && !err.contains("`vip`"),
        "{err}"
    );
    assert!(err.contains("import into a new table or database"), "{err}");
    assert_eq!(dump(&db, "members"), "");
}

#[test]
fn a_reimport_without_an_optional_column_keeps_it_in_the_rows_already_there() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let text = format!(
        "{MEMBER_HEADER}\n\
         m1,a,3,7,1%,2026-05-01,2026-05-02 10:00,2000-01-01,x,1\n"
    );
    assert_ok(&import_in(dir.path(), "m.csv", &text, "members", &[]));
    let without = "id,nickname,level,spend,share,joined_at,birthday,tags,vip\n\
                   m1,a,4,7,1%,2026-05-01,2000-01-01,x,1\n\
                   m2,b,1,8,1%,2026-05-01,2000-01-01,y,0\n";
    let out = import_in(dir.path(), "m2.csv", without, "members", &[]);
    assert_ok(&out);
    assert_eq!(
        dump(&db, "members"),
        "'m1' | 'a' | 4 | 700 | '1%' | '2026-05-01 00:00:00' | '2026-05-02 10:00:00' | '2000-01-01' | 'x' | 1\n\
         'm2' | 'b' | 1 | 800 | '1%' | '2026-05-01 00:00:00' | NULL | '2000-01-01' | 'y' | 0"
    );
}

#[test]
fn a_map_or_import_block_naming_a_repeated_header_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = "id,nickname,level,金额,share,joined_at,birthday,tags,vip,金额\n\
                m1,a,3,7,1%,2026-05-01,2000-01-01,x,1,8\n";
    let out = import_in(
        dir.path(),
        "m.csv",
        text,
        "members",
        &["--map", "金额=spend"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: m.csv does not fill the playbook's `members`:\n  \
         --map 金额=spend: the file has 2 columns `金额`: columns 4 (D) and 10 (J); rename all but one\n\
         nothing was imported; name a column for a field with --map COLUMN=FIELD\n"
    );
    assert!(!dir.path().join("shop.db").exists());
    let playbook = std::fs::read_to_string(fixtures().join("shop.playbook")).unwrap()
        + "\nimport member { \"金额\" -> spend }\n";
    std::fs::write(dir.path().join("declared.playbook"), playbook).unwrap();
    let out = common::bin()
        .current_dir(dir.path())
        .args(["import", "m.csv", "--table", "members", "--into", "shop.db"])
        .args(["--playbook", "declared.playbook"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "the playbook's import block reads `spend` from `金额`, and the file has 2 columns `金额`: columns 4 (D) and 10 (J)"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("shop.db").exists());
}

#[test]
fn serial_dates_in_a_csv_time_column_are_refused_and_unix_seconds_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{MEMBER_HEADER}\n\
         m1,a,3,7,1%,46000,,2000-01-01,x,1\n\
         m2,b,3,7,1%,1777597500,,2000-01-01,x,1\n"
    );
    let out = import_in(dir.path(), "m.csv", &text, "members", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("row 2 (id m1): `46000`: digits below 1000000000: an Excel serial date"),
        "{err}"
    );
    assert!(!err.contains("row 3"), "{err}");
}

#[test]
fn decimals_and_percents_that_run_would_not_read_exactly_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{MEMBER_HEADER}\n\
         m1,a,3,7,100000000000000000000%,2026-05-01,,2000-01-01,x,1\n\
         m2,a,3,7,0.1234567890123456789012345678901234567890%,2026-05-01,,2000-01-01,x,1\n\
         m3,a,3,7,92233720368547758.07%,2026-05-01,,2000-01-01,x,1\n"
    );
    let out = import_in(dir.path(), "m.csv", &text, "members", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("row 2 (id m1): `100000000000000000000%`: out of range for a percent"),
        "{err}"
    );
    assert!(
        err.contains("row 3 (id m2): `0.1234567890123456789012345678901234567890%`: 39 digits: a decimal holds at most 28 exactly (never rounded)"),
        "{err}"
    );
    assert!(!err.contains("row 4"), "{err}");
}

#[test]
fn a_time_of_day_cell_without_a_date_is_no_time_and_no_date() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let out = import_members("members_time_only.xlsx", &db, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("row 2 (id 13800138000): `10:00:00`: a time of day without a date"),
        "{err}"
    );
    assert!(
        err.contains("row 2 (id 13800138000): `00:00:00`: a time of day, not a date"),
        "{err}"
    );
    assert!(!err.contains("row 3"), "{err}");
    assert!(!db.exists());
}

#[test]
fn an_events_file_without_kinds_asks_for_kind_not_for_a_map_nobody_gave() {
    // The README's orders export without `--kind`: the playbook's `import order_paid`
    // block applies only to the kinds the file holds, and it holds none.
    let dir = tempfile::tempdir().unwrap();
    let out = common::bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "import",
            "examples/exports/订单导出.csv",
            "--encoding",
            "gbk",
            "--table",
            "events",
            "--playbook",
            "examples/tiered_groups.playbook",
            "--into",
        ])
        .arg(dir.path().join("t.db"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("--kind") && !err.contains("--map 实付金额"),
        "{err}"
    );
}

#[test]
fn lone_carriage_returns_number_rows_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mac.csv");
    std::fs::write(
        &file,
        "手机号,昵称,累计消费,注册时间,最近下单,生日,标签,是否会员,Level,share\r13800000001,甲,12.5,2026-01-01 10:00,-,1990-05-01,a,是,1,5%\r13800000002,乙,abc,2026-01-01 10:00,-,1990-05-01,a,是,1,5%\r13800000003,丙,xyz,2026-01-01 10:00,-,1990-05-01,a,是,1,5%\r",
    )
    .unwrap();
    let out = import_members(file.to_str().unwrap(), &dir.path().join("t.db"), &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("row 3") && err.contains("row 4"), "{err}");
}
