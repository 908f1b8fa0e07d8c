use super::*;
use crate::compile::compile;
use crate::time::parse_instant;

const PLAYBOOK: &str = r#"
playbook "p" { timezone "Asia/Shanghai" }
member { level: int, spend: money, channel: text, vip: bool, birthday: date?, tags: set<text>, seen_at: time? }
segment 高 = level >= 2 and channel in ["淘宝", "it's"]
rule 分层 {
  every day at 10:00
  when 高 and not vip
  order by spend desc
  give tier { spend >= ¥100 -> coupon ¥10  exists birthday -> coupon ¥5 }
  limit once per member
}
rule 集合 { every day at 10:00  when "包裹卡" in tags  give coupon ¥1  limit once per member }
rule 时间 { every day at 10:00  when exists seen_at and seen_at >= now - 7d  give coupon ¥1  limit once per member }
rule 算术 { every day at 10:00  when level * 2 > 3  give coupon ¥1  limit once per member }
"#;

fn written(dialect: Dialect, catalog: Option<&Catalog>) -> Vec<SqlQuery> {
    let checked = crate::check::check_text("p.playbook", PLAYBOOK);
    let program = checked.program.expect("the playbook checks");
    let tz = program.settings.timezone;
    let engine = compile(program);
    let request = SqlRequest {
        compiled: &engine,
        dialect,
        tables: TableNames::default(),
        since: None,
        at: parse_instant("2026-05-01 10:00", tz).unwrap(),
        catalog,
    };
    queries(&request).unwrap()
}

#[test]
fn exact_arms_are_written_with_two_valued_logic() {
    let pg = written(Dialect::Postgres, None);
    assert_eq!(pg.len(), 4, "one query per rule ticking at --at");
    let tiered = &pg[0].sql;
    assert!(
        tiered.contains(
            "CASE WHEN NOT (((COALESCE(t.\"level\" >= 2, FALSE) AND (COALESCE(t.\"channel\" \
             COLLATE \"C\" = '淘宝', FALSE) OR COALESCE(t.\"channel\" COLLATE \"C\" = 'it''s', \
             FALSE))) AND (NOT COALESCE(t.\"vip\" = TRUE, FALSE)))) THEN -1 WHEN \
             COALESCE(t.\"spend\" >= 10000, FALSE) THEN 0 WHEN (t.\"birthday\" IS NOT NULL) \
             THEN 1 ELSE -1 END AS \"arm\""
        ),
        "{tiered}"
    );
    assert!(tiered.contains("t.\"spend\" AS \"order_key\""), "{tiered}");
    assert!(
        pg[1]
            .sql
            .contains("COALESCE('包裹卡' = ANY(t.\"tags\"), FALSE)")
    );
    // Local timestamps and arithmetic are the interpreter's.
    assert!(pg[2].sql.contains("NULL AS \"arm\""));
    assert!(
        pg[2].kept_in_engine[0].contains("local time"),
        "{:?}",
        pg[2]
    );
    assert!(pg[3].kept_in_engine[0].contains("overflow"));
}

#[test]
fn each_dialect_writes_what_it_can_exactly() {
    let spark = written(Dialect::Spark, None);
    assert!(
        spark[0]
            .sql
            .contains("COALESCE(t.`channel` = 'it\\'s', FALSE)")
    );
    assert!(spark[1].sql.contains("array_contains(t.`tags`, '包裹卡')"));
    let sqlite = written(Dialect::Sqlite, None);
    assert!(sqlite[0].sql.contains("COALESCE(t.\"vip\" = 1, FALSE)"));
    // A set stored as text: membership is not exact.
    assert!(sqlite[1].sql.contains("NULL AS \"arm\""));
}

#[test]
fn a_catalogs_instant_column_is_compared_to_the_second() {
    let columns = [
        ("id", "text"),
        ("level", "bigint"),
        ("spend", "bigint"),
        ("channel", "text"),
        ("vip", "boolean"),
        ("birthday", "date"),
        ("tags", "text[]"),
        ("seen_at", "timestamp with time zone"),
    ];
    let mut catalog = Catalog::new();
    catalog.insert(
        "members".to_owned(),
        columns
            .iter()
            .map(|(n, t)| crate::data::remote::ColumnInfo {
                name: n.to_string(),
                type_name: t.to_string(),
            })
            .collect(),
    );
    let pg = written(Dialect::Postgres, Some(&catalog));
    // now - 7d is 2026-04-24 02:00 UTC; the run drops fractions of a second.
    assert!(
        pg[2]
            .sql
            .contains("COALESCE(t.\"seen_at\" >= TIMESTAMPTZ '2026-04-24 02:00:00+00:00', FALSE)"),
        "{}",
        pg[2].sql
    );
    let mut broken = catalog.clone();
    broken.get_mut("members").unwrap().pop();
    let checked = crate::check::check_text("p.playbook", PLAYBOOK);
    let program = checked.program.unwrap();
    let err = layout(
        &program,
        Dialect::Postgres,
        &TableNames::default(),
        Some(&broken),
    );
    assert!(err.unwrap_err().contains("no column `seen_at`"));
}
