//! `playbook simulate`: a forecast is the run of its period summed up — the same
//! grants, per local day and per rule, on every example — and it names the day and
//! hour a budget ran out.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Days, NaiveDate};
use playbook::app::simulate::{SimulateRequest, simulate};
use playbook::data::TableNames;
use playbook::money::FenSum;
use playbook::time::{day_start, local_date};
use playbook::{Collect, RunRequest, compile, run};
use serde_json::Value;

/// Each example with a period around the README's window.
const EXAMPLES: &[(&str, &str, &str)] = &[
    ("package_card_launch", "2026-04-24", "2026-04-28"),
    ("store_owner_red_packets", "2026-05-01", "2026-05-10"),
    ("tiered_groups", "2026-06-08", "2026-06-21"),
    ("member_day_birthday", "2026-05-01", "2026-05-08"),
];

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

#[test]
fn a_forecast_is_the_run_of_its_period_summed_per_day_and_rule() {
    for &(name, from, to) in EXAMPLES {
        let file = format!("examples/{name}.playbook");
        let data = format!("examples/data/{name}.sql");
        let checked = playbook::check_file(Path::new(&file)).expect("reads");
        let compiled = compile(checked.program.expect("checks"));
        let tz = compiled.program.settings.timezone;
        let (from, to) = (date(from), date(to));
        let forecast = simulate(&SimulateRequest {
            compiled: &compiled,
            data: Path::new(&data),
            tables: TableNames::default(),
            from,
            to,
            ledger: None,
            skip_bad_rows: false,
            threads: 1,
            spend: Default::default(),
        })
        .expect("simulates");
        // The same period as a plain run: (from 00:00 - 1s, to + 1 day 00:00 - 1s].
        let end = day_start(tz, to.checked_add_days(Days::new(1)).expect("a day"));
        let request = RunRequest {
            since: Some(day_start(tz, from) - 1),
            ..RunRequest::new(&compiled, Path::new(&data), end - 1)
        };
        let mut decisions = Collect::default();
        run(&request, &mut decisions).expect("runs");
        let mut by_day: BTreeMap<NaiveDate, (u64, FenSum)> = BTreeMap::new();
        let mut by_rule: BTreeMap<String, (u64, FenSum)> = BTreeMap::new();
        for g in decisions.grants() {
            let day = by_day.entry(local_date(tz, g.at)).or_default();
            *day = (day.0 + 1, day.1.plus(g.value));
            let rule = by_rule.entry(g.rule.to_string()).or_default();
            *rule = (rule.0 + 1, rule.1.plus(g.value));
        }
        assert!(!by_day.is_empty(), "{name}: the period grants something");
        let days: Vec<NaiveDate> = forecast.days.iter().map(|(d, _)| *d).collect();
        assert_eq!(days.first(), Some(&from), "{name}");
        assert_eq!(days.last(), Some(&to), "{name}");
        assert!(
            by_day.keys().all(|d| days.contains(d)),
            "{name}: every day the run granted on is a day of the forecast"
        );
        for (day, d) in &forecast.days {
            let want = by_day.get(day).copied().unwrap_or_default();
            assert_eq!((d.grants, d.spend), want, "{name} {day}");
            let rules: (u64, FenSum) = d
                .by_rule
                .values()
                .fold((0, FenSum::ZERO), |(n, v), (m, w)| (n + m, v.plus_sum(*w)));
            assert_eq!(rules, want, "{name} {day}: the rules add up to the day");
        }
        for (rule, total) in &forecast.rules {
            let want = by_rule.get(rule).copied().unwrap_or_default();
            assert_eq!((total.grants, total.spend), want, "{name} {rule}");
        }
        let refused = decisions.refusals().count() as u64;
        let forecast_refused: u64 = forecast
            .days
            .iter()
            .map(|(_, d)| d.refusals.values().sum::<u64>())
            .sum();
        assert_eq!(forecast_refused, refused, "{name}: refusals");
    }
}

/// A daily budget of ¥100 and a 10:00 tick granting ¥30 to each of five members:
/// the fourth member's coupon would overspend it, so the budget runs out on the
/// first day at 10:00, in the middle of the tick.
#[test]
fn the_day_and_hour_a_budget_runs_out_in_the_middle_of_a_tick() {
    let dir = tempfile::TempDir::new().expect("a directory");
    let file = dir.path().join("budget.playbook");
    std::fs::write(
        &file,
        "playbook \"日预算\" {\n  timezone \"Asia/Shanghai\"\n  budget ¥1,000 total, ¥100 per day\n}\n\
         member { orders: int }\n\
         rule 早安券 {\n  every day at 10:00\n  give coupon ¥30\n  limit once per member per day\n}\n",
    )
    .expect("writes");
    let data = dir.path().join("members.sql");
    std::fs::write(
        &data,
        "CREATE TABLE members (id TEXT PRIMARY KEY, orders INTEGER NOT NULL);\n\
         INSERT INTO members VALUES ('m1', 1), ('m2', 2), ('m3', 3), ('m4', 4), ('m5', 5);\n",
    )
    .expect("writes");
    let out = stdout_of(
        common::bin()
            .arg("simulate")
            .arg(&file)
            .arg("--data")
            .arg(&data)
            .args([
                "--from",
                "2026-04-01",
                "--to",
                "2026-04-03",
                "--format",
                "json",
            ]),
    );
    let json: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(json["budget"]["exhausted_on"], "2026-04-01", "{json:#}");
    assert_eq!(
        json["budget"]["exhausted_at"], "2026-04-01 10:00",
        "{json:#}"
    );
    assert_eq!(json["budget"]["per_day_fen"], 10_000);
    for day in json["days"].as_array().expect("days") {
        assert_eq!(day["grants"], 3, "{day:#}");
        assert_eq!(day["spend_fen"], 9_000, "{day:#}");
        assert_eq!(day["refusals"]["budget"], 2, "{day:#}");
    }
    assert_eq!(json["rules"]["早安券"]["targets"], 3);
}

#[test]
fn the_forecast_reads_as_a_table_with_bars() {
    let out = stdout_of(
        common::bin()
            .args(["simulate", "examples/store_owner_red_packets.playbook"])
            .args(["--data", "examples/data/store_owner_red_packets.sql"])
            .args(["--from", "2026-05-01", "--to", "2026-05-10"]),
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&out));
}

#[test]
fn a_period_ending_before_it_starts_is_bad_usage() {
    common::bin()
        .args(["simulate", "examples/store_owner_red_packets.playbook"])
        .args(["--data", "examples/data/store_owner_red_packets.sql"])
        .args(["--from", "2026-05-10", "--to", "2026-05-01"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--to 2026-05-01 is before --from 2026-05-10",
        ));
}

/// The example with a lottery (包裹卡抽奖), over the README's window.
const LOTTERY: [&str; 8] = [
    "simulate",
    "examples/package_card_launch.playbook",
    "--data",
    "examples/data/package_card_launch.sql",
    "--from",
    "2026-04-24",
    "--to",
    "2026-04-28",
];

/// The stdout of `cmd`, run without colour; it must succeed.
fn stdout_of(cmd: &mut assert_cmd::Command) -> Vec<u8> {
    let out = cmd.env("NO_COLOR", "1").output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `simulate` with `args` and reads its JSON.
fn json_of(args: &[&str]) -> Value {
    let out = stdout_of(common::bin().args(args).args(["--format", "json"]));
    serde_json::from_slice(&out).expect("JSON")
}

/// `min ≤ p50 ≤ p95 ≤ max`, and the single forecast's `value` within `[min, max]`.
fn assert_spread(q: [&Value; 4], value: &Value, what: &str) {
    let [min, p50, p95, max] = q.map(|v| v.as_i64().expect("fen"));
    let value = value.as_i64().expect("fen");
    assert!(min <= p50 && p50 <= p95 && p95 <= max, "{what}: {q:?}");
    assert!(min <= value && value <= max, "{what}: {value} in {q:?}");
}

#[test]
fn seeds_spread_the_spend_around_the_single_forecast() {
    let plain = json_of(&LOTTERY);
    let mut spread = json_of(&[&LOTTERY[..], &["--seeds", "5"]].concat());
    let seeds = spread
        .as_object_mut()
        .and_then(|o| o.remove("seeds"))
        .expect("a seeds object");
    assert_eq!(spread, plain, "seed 0's forecast is the plain one");
    assert_eq!(seeds["n"], 5);
    assert_eq!(seeds["random"], true);
    let total: i64 = plain["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| d["spend_fen"].as_i64().expect("fen"))
        .sum();
    let t = &seeds["total_fen"];
    assert_spread(
        [&t["min"], &t["p50"], &t["p95"], &t["max"]],
        &total.into(),
        "total",
    );
    assert!(t["min"] != t["max"], "the lottery spreads the spend: {t}");
    let days = seeds["days"].as_array().expect("days");
    assert_eq!(days.len(), 5);
    for (q, day) in days.iter().zip(plain["days"].as_array().expect("days")) {
        assert_eq!(q["date"], day["date"]);
        let cells = [&q["min_fen"], &q["p50_fen"], &q["p95_fen"], &q["max_fen"]];
        assert_spread(cells, &day["spend_fen"], &day["date"].to_string());
    }
    for (rule, q) in seeds["rules"].as_object().expect("rules") {
        let cells = [&q["min_fen"], &q["p50_fen"], &q["p95_fen"], &q["max_fen"]];
        assert_spread(cells, &plain["rules"][rule]["spend_fen"], rule);
    }
}

/// Seed k ≥ 1 is the playbook's seed and `#k`: the spread is that of the forecasts
/// of the playbook compiled with each of those seeds.
#[test]
fn the_spread_is_that_of_the_forecasts_with_the_derived_seeds() {
    use playbook::app::spread::{Quantiles, seed_of, simulate_seeds};
    let file = Path::new("examples/package_card_launch.playbook");
    let program = playbook::check_file(file)
        .expect("reads")
        .program
        .expect("checks");
    fn forecast(compiled: &playbook::compile::Compiled) -> SimulateRequest<'_> {
        SimulateRequest {
            compiled,
            data: Path::new("examples/data/package_card_launch.sql"),
            tables: TableNames::default(),
            from: date("2026-04-24"),
            to: date("2026-04-28"),
            ledger: None,
            skip_bad_rows: false,
            threads: 1,
            spend: Default::default(),
        }
    }
    let mut totals = Vec::new();
    for k in 0..7 {
        let mut program = program.clone();
        program.settings.seed = seed_of(&program.settings.seed, k);
        let compiled = compile(program);
        totals.push(simulate(&forecast(&compiled)).expect("simulates").total().1);
    }
    let compiled = compile(program);
    let seeds = std::num::NonZeroU32::new(7).expect("not zero");
    let (first, spread) = simulate_seeds(&forecast(&compiled), seeds).expect("simulates");
    assert_eq!(first.total().1, totals[0]);
    assert_eq!(spread.total, Quantiles::of(totals));
    assert!(spread.random);
}

/// 拼手气 shares are drawn, the packets' totals are not: the spend is the same for
/// every seed, so the playbook is run once and the spread is its forecast.
#[test]
fn a_playbook_without_lotteries_or_experiments_has_no_spread() {
    let args = [
        "simulate",
        "examples/store_owner_red_packets.playbook",
        "--data",
        "examples/data/store_owner_red_packets.sql",
        "--from",
        "2026-05-01",
        "--to",
        "2026-05-03",
    ];
    let plain = json_of(&args);
    let json = json_of(&[&args[..], &["--seeds", "20"]].concat());
    let seeds = &json["seeds"];
    assert_eq!(seeds["n"], 20);
    assert_eq!(seeds["random"], false);
    let t = &seeds["total_fen"];
    assert_eq!(t["min"], t["max"]);
    for (q, day) in seeds["days"]
        .as_array()
        .expect("days")
        .iter()
        .zip(plain["days"].as_array().expect("days"))
    {
        for key in ["min_fen", "p50_fen", "p95_fen", "max_fen"] {
            assert_eq!(q[key], day["spend_fen"], "{day}");
        }
    }
    let text = common::bin()
        .args(args)
        .args(["--seeds", "20"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.ends_with(
            "\nspread over 20 seeds: none, no lottery or experiment draws, so every seed \
             spends as above\n"
        ),
        "{text}"
    );
}

#[test]
fn the_spread_reads_as_tables_after_the_forecast() {
    let out = stdout_of(common::bin().args(LOTTERY).args(["--seeds", "5"]));
    insta::assert_snapshot!(String::from_utf8_lossy(&out));
}

#[test]
fn csv_has_the_spread_columns_only_with_seeds() {
    let csv = |extra: &[&str]| {
        let out = common::bin()
            .args(LOTTERY)
            .args(["--format", "csv"])
            .args(extra)
            .output()
            .expect("runs");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let plain = csv(&[]);
    let spread = csv(&["--seeds", "3"]);
    let extra = ",spend_min_fen,spend_p50_fen,spend_p95_fen,spend_max_fen";
    assert!(!plain.contains("spend_p50_fen"), "{plain}");
    for (p, s) in plain.lines().zip(spread.lines()) {
        assert!(s.starts_with(p), "{s} extends {p}");
        assert_eq!(s[p.len()..].split(',').count(), 5, "{s}");
    }
    assert!(spread.lines().next().expect("a header").ends_with(extra));
    assert_eq!(plain.lines().count(), spread.lines().count());
}

#[test]
fn seeds_run_from_one_to_a_thousand() {
    for (n, message) in [
        ("0", "at least 1 seed"),
        ("1001", "at most 1000 seeds"),
        ("many", "expected a number of seeds from 1 to 1000"),
    ] {
        common::bin()
            .args(LOTTERY)
            .args(["--seeds", n])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(message));
    }
}

/// The README's forecast: the store owners' red packets, whose daily budget binds.
const STORE: [&str; 8] = [
    "simulate",
    "examples/store_owner_red_packets.playbook",
    "--data",
    "examples/data/store_owner_red_packets.sql",
    "--from",
    "2026-05-01",
    "--to",
    "2026-05-10",
];

/// The text of every `<text>` of an SVG document, which must parse as XML.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect()
}

#[test]
fn chart_draws_an_svg_naming_every_rule_and_the_budgets_beside_the_usual_forecast() {
    let dir = tempfile::TempDir::new().expect("a directory");
    let path = dir.path().join("forecast.svg");
    let out = stdout_of(
        common::bin()
            .args(STORE)
            .args(["--format", "json", "--chart"])
            .arg(&path),
    );
    // The forecast is printed as ever, in the format asked for.
    let json: Value = serde_json::from_slice(&out).expect("JSON on stdout");
    let svg = std::fs::read_to_string(&path).expect("the chart is written");
    let texts = svg_texts(&svg);
    let rules = json["rules"].as_object().expect("rules");
    let spent: Vec<&String> = rules
        .iter()
        .filter(|(_, r)| r["spend_fen"].as_i64() > Some(0))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(spent.len(), 7, "{json:#}");
    for rule in spent {
        assert!(
            texts.contains(rule),
            "{rule} is not in the legend: {texts:?}"
        );
    }
    for label in [
        "XX饮品 店主群红包激活 Q2 — forecast 2026-05-01 to 2026-05-10",
        "total budget ¥40,000",
        "daily budget ¥2,000",
        "budget ran out 05-06 20:00",
        "¥2,000",
        "limit",
        "cap",
        "budget",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label}: {texts:?}");
    }
    assert!(
        svg.contains("sans-serif"),
        "a font list ending in a generic family"
    );
}

#[test]
fn chart_draws_an_html_page_with_the_svg_inline() {
    let dir = tempfile::TempDir::new().expect("a directory");
    let path = dir.path().join("forecast.html");
    let out = stdout_of(common::bin().args(STORE).arg("--chart").arg(&path));
    let stdout = String::from_utf8_lossy(&out);
    assert!(stdout.starts_with("forecast of XX饮品"), "{stdout}");
    let html = std::fs::read_to_string(&path).expect("the page is written");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(
        html.contains(
            "<title>XX饮品 店主群红包激活 Q2 — forecast 2026-05-01 to 2026-05-10</title>"
        )
    );
    let start = html.find("<svg").expect("an inline SVG");
    let end = html.rfind("</svg>").expect("its end") + "</svg>".len();
    assert!(svg_texts(&html[start..end]).contains(&"晚八点拼手气".to_owned()));
}

#[test]
fn a_chart_file_neither_svg_nor_html_is_bad_usage_before_anything_runs() {
    let dir = tempfile::TempDir::new().expect("a directory");
    let path = dir.path().join("forecast.png");
    let out = common::bin()
        .args(STORE)
        .arg("--chart")
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("forecast.png"), "{stderr}");
    assert!(stderr.contains("`.svg` or `.html`"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing ran");
    assert!(!path.exists());
}

#[test]
fn a_chart_that_cannot_be_written_names_its_path() {
    let dir = tempfile::TempDir::new().expect("a directory");
    let path = dir.path().join("no such folder").join("forecast.svg");
    let out = common::bin()
        .args(STORE)
        .arg("--chart")
        .arg(&path)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "error: cannot write the chart to `{}`",
            path.display()
        )),
        "{stderr}"
    );
    // The forecast itself was still printed.
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("forecast of "));
}

/// The chart in the README is the one its command draws today: the README's
/// command line, run with the chart going to a temporary file, gives the
/// committed file byte for byte.
#[test]
fn the_readme_chart_is_what_its_command_draws() {
    let committed = "docs/simulate-chart.svg";
    let readme = include_str!("../README.md");
    assert!(
        readme.contains(&format!("]({committed})")),
        "the README shows {committed}"
    );
    let line = readme
        .lines()
        .find(|l| {
            l.starts_with("cargo run --release -- simulate ")
                && l.ends_with(&format!("--chart {committed}"))
        })
        .expect("the README shows the command that draws the chart");
    let mut args: Vec<&str> = line.split_whitespace().skip(4).collect();
    args.pop();
    let dir = tempfile::TempDir::new().expect("a directory");
    let fresh = dir.path().join("chart.svg");
    stdout_of(common::bin().args(&args).arg(&fresh));
    let fresh = std::fs::read(&fresh).expect("drawn");
    let old = std::fs::read(committed).expect("committed");
    assert!(
        fresh == old,
        "{committed} is not what the README's command draws now; draw it again:\n{line}"
    );
}
