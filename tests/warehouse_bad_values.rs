//! Generated members, groups and events with every encoding a column may have in a
//! warehouse and every bad-value kind it can hold, in SQLite, PostgreSQL and Spark:
//! with `--skip-bad-rows`, the same grants, refusals and skipped rows from each.

mod common;

use std::path::Path;

use common::bin;
use common::warehouse::{
    ColumnKind, Dataset, dataset_from_sqlite, load_postgres, load_spark, postgres_url, spark_url,
};
use rusqlite::types::Value;

const PLAYBOOK: &str = r#"
playbook "坏值" { timezone "Asia/Shanghai"  seed "bad"  budget ¥50,000 total, ¥900 per day }
member {
  level: int, spend: money, joined_at: time, last_seen: time?, birthday: date?,
  vip: bool, channel: text, tags: set<text>, score: decimal?, note_at: time?
}
group { owner: text, size: int }
event order_paid { amount: money, coupon: text? }
segment 高级 = level >= 2 and spend >= ¥100
segment 活跃 = exists last_seen and last_seen >= now - 7d
segment 大群 of group = size >= 10
rule 日礼 {
  every day at 10:00
  when (高级 or 活跃) and not vip and channel in ["淘宝", "抖音", "it's"]
  give tier { spend >= ¥300 -> coupon ¥20  exists birthday and birthday >= 2026-05-01 -> coupon ¥8 }
  limit 1 per member per week
}
rule 标签 { every day at 12:00  when "宝妈" in tags and joined_at >= now - 20d  give points 10 }
rule 备注 { every day at 12:00  when exists note_at and note_at <= now and (score ?? 0) >= 0  give points 1 }
rule 首单 { on order_paid where event.amount >= ¥50  give red_packet ¥8  limit 2 per member per day }
rule 群主 { every day at 20:00  for group in 大群  give red_packet ¥30 split 5 random }
"#;

/// A small deterministic generator (no dependency): xorshift.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// One of `good`, or (one time in `rate`) one of `bad`.
    fn pick(&mut self, good: &[Value], bad: &[Value], rate: u64) -> Value {
        let from = if !bad.is_empty() && self.below(rate) == 0 {
            bad
        } else {
            good
        };
        from[self.below(from.len() as u64) as usize].clone()
    }
}

fn t(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn i(n: i64) -> Value {
    Value::Integer(n)
}

/// Members: typed columns hold their type's values (bad: NULL where required, an
/// out-of-range bool); text columns hold every spelling the decoders read and
/// values they refuse.
fn members(rng: &mut Rng, n: usize) -> Vec<Vec<Value>> {
    let times = [
        "2026-04-20 09:00:00",
        "2026-04-28 23:59:59",
        "2026-03-01 00:00:00",
        "2026-04-30 10:00:00",
    ];
    let times: Vec<Value> = times.into_iter().map(t).collect();
    let text_times: Vec<Value> = [
        "2026-04-29 10:00:00",
        "2026-04-29T10:00:00+08:00",
        "2026-04-27 08:00:00.5",
        "2026-04-25 10:00:00Z",
    ]
    .into_iter()
    .map(t)
    .collect();
    let bad_text_times: Vec<Value> = [
        "yesterday",
        "2026-02-30 10:00:00",
        "",
        "2026-04-01 24:00:00",
    ]
    .into_iter()
    .map(t)
    .collect();
    let mut out = Vec::new();
    for k in 0..n {
        let id = match k {
            7 | 8 => t("m007"), // held twice
            11 => t(""),        // an empty id
            _ => t(&format!("m{k:03}")),
        };
        out.push(vec![
            id,
            rng.pick(&[i(0), i(1), i(2), i(3)], &[Value::Null], 15),
            rng.pick(&[i(0), i(10_000), i(20_000), i(50_000)], &[Value::Null], 20),
            rng.pick(&times, &[Value::Null], 25),
            rng.pick(&[times[1].clone(), times[3].clone(), Value::Null], &[], 1),
            rng.pick(&[t("2026-05-02"), t("1990-05-01"), Value::Null], &[], 1),
            rng.pick(&[i(0), i(1)], &[i(2)], 20),
            rng.pick(
                &[t("淘宝"), t("抖音"), t("门店"), t("it's")],
                &[Value::Null],
                30,
            ),
            rng.pick(
                &[t("宝妈,学生"), t("[\"宝妈\"]"), t(""), t(" 宝妈 ，美妆")],
                &[t("[bad"), Value::Null],
                15,
            ),
            rng.pick(
                &[t("1.5"), t("0"), t("-2.25"), Value::Null],
                &[t("abc")],
                20,
            ),
            rng.pick(&text_times, &bad_text_times, 6),
        ]);
    }
    out
}

fn groups(rng: &mut Rng) -> Vec<Vec<Value>> {
    (0..12)
        .map(|k| {
            vec![
                t(&format!("g{k:02}")),
                rng.pick(&[t("m001"), t("m002"), t("店长")], &[Value::Null], 8),
                rng.pick(&[i(3), i(10), i(40)], &[Value::Null], 8),
            ]
        })
        .collect()
}

/// Events: JSON data of every type a field reads, and the bad ones.
fn events(rng: &mut Rng, members: usize) -> Vec<Vec<Value>> {
    let at = |rng: &mut Rng| {
        let day = 26 + rng.below(4);
        let hour = rng.below(24);
        t(&format!(
            "2026-04-{day:02} {hour:02}:{:02}:00",
            rng.below(60)
        ))
    };
    let data = [
        r#"{"amount": 6000}"#,
        r#"{"amount": 6000, "coupon": "新人"}"#,
        r#"{"amount": 1000, "coupon": null}"#,
        r#"{"amount": 9900}"#,
    ];
    let bad_data = [r#"{"amount": "x"}"#, r#"{"amount": 1.5}"#, "{", r#"{}"#];
    (0..150)
        .map(|k| {
            let id = if k == 5 {
                t("e004")
            } else {
                t(&format!("e{k:03}"))
            };
            let kind = rng.pick(&[t("order_paid")], &[t("page_view")], 10);
            let someone = t(&format!("m{:03}", rng.below(members as u64)));
            let member = rng.pick(&[someone], &[t("nobody"), Value::Null], 25);
            let at = if rng.below(40) == 0 {
                Value::Null
            } else {
                at(rng)
            };
            let good: Vec<Value> = data.into_iter().map(t).collect();
            let bad: Vec<Value> = bad_data.into_iter().map(t).collect();
            vec![id, kind, member, at, rng.pick(&good, &bad, 12), Value::Null]
        })
        .collect()
}

fn write(path: &Path, seed: u64) {
    let mut rng = Rng(seed);
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE members (id, level, spend, joined_at, last_seen, birthday, vip, channel, \
           tags, score, note_at);
         CREATE TABLE groups (id, owner, size);
         CREATE TABLE events (id, kind, member_id, at, data, group_id);",
    )
    .unwrap();
    let insert = |table: &str, rows: Vec<Vec<Value>>| {
        for row in rows {
            let marks = vec!["?"; row.len()].join(", ");
            conn.execute(
                &format!("INSERT INTO {table} VALUES ({marks})"),
                rusqlite::params_from_iter(row),
            )
            .unwrap();
        }
    };
    let n = 60;
    insert("members", members(&mut rng, n));
    insert("groups", groups(&mut rng));
    insert("events", events(&mut rng, n));
}

/// Typed where the field's type allows every value, else text (the loader decides).
fn preferred(table: &str, column: &str) -> Option<ColumnKind> {
    Some(match (table, column) {
        (_, "id") | ("events", "member_id" | "kind" | "group_id") => ColumnKind::Text,
        ("members", "level" | "spend") | ("groups", "size") => ColumnKind::BigInt,
        ("members", "joined_at" | "last_seen") | ("events", "at") => ColumnKind::Timestamp,
        ("members", "birthday") => ColumnKind::Date,
        ("members", "vip") => ColumnKind::Bool,
        ("events", "data") => ColumnKind::Json,
        _ => ColumnKind::Text,
    })
}

fn run(dir: &Path, data: &str, prefix: &str) -> String {
    let playbook = dir.join("bad.playbook");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let assert = bin()
        .arg("run")
        .arg(&playbook)
        .args([
            "--data",
            data,
            "--since",
            "2026-04-26 00:00",
            "--at",
            "2026-04-30 00:00",
        ])
        .args(["--format", "json", "--skip-bad-rows"])
        .args(["--members-table", &format!("{prefix}members")])
        .args(["--groups-table", &format!("{prefix}groups")])
        .args(["--events-table", &format!("{prefix}events")])
        .assert()
        .success();
    let mut json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let summary = json["summary"].as_object_mut().unwrap();
    summary.remove("rows_transferred");
    // The data's table names differ by the schema; rows without an id are named by
    // their place in the table, which a server does not have.
    let text = serde_json::to_string_pretty(&json)
        .unwrap()
        .replace(prefix, "");
    text.lines()
        .filter(|l| !l.contains(" row rowid "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn compare(engine: &str, url: &str, load: impl Fn(&str, &Dataset)) {
    for seed in [7, 2026] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("generated.db");
        write(&file, seed);
        let tables = ["members", "groups", "events"];
        let dataset = dataset_from_sqlite(&file, &tables, preferred);
        let baseline = dir.path().join("baseline.db");
        dataset.write_sqlite(&baseline);
        let schema = format!("g{seed}");
        load(&schema, &dataset);
        let expected = run(dir.path(), baseline.to_str().unwrap(), "");
        let actual = run(dir.path(), url, &format!("{schema}."));
        assert_eq!(
            actual, expected,
            "{engine} and SQLite differ on seed {seed}"
        );
        // The data is what the test says it is: bad values of many kinds, and grants.
        for kind in [
            "NULL in a non-optional field",
            "duplicate id",
            "unparsable time",
            "no member",
        ] {
            assert!(
                expected.contains(kind),
                "seed {seed} has `{kind}`:\n{expected}"
            );
        }
        assert!(expected.contains("\"grants\": ["), "{expected}");
    }
}

#[test]
fn generated_data_with_bad_values_gives_the_same_run_from_postgres() {
    let Some(url) = postgres_url() else { return };
    compare("PostgreSQL", &url, |schema, data| {
        load_postgres(&url, schema, data)
    });
}

#[test]
fn generated_data_with_bad_values_gives_the_same_run_from_spark() {
    let Some(url) = spark_url() else { return };
    compare("Spark", &url, |database, data| {
        load_spark(&url, database, data)
    });
}
