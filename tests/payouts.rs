//! Payout ids and delivery results: ids fit for payment APIs and the same however
//! the grants were made (one run or several, any thread count); `payouts` lists them
//! with where each stands; `payouts ack` records results once, all or nothing.

mod common;

use std::path::Path;

use serde_json::Value;

const PLAYBOOK: &str = "examples/store_owner_red_packets.playbook";
const DATA: &str = "examples/data/store_owner_red_packets.sql";

fn root(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `run` of the example over `(since, at]` into `ledger` with `threads`, as JSON.
fn run(ledger: &Path, (since, at): (&str, &str), threads: &str) -> Value {
    let out = common::bin()
        .arg("run")
        .arg(root(PLAYBOOK))
        .arg("--data")
        .arg(root(DATA))
        .args([
            "--since",
            since,
            "--at",
            at,
            "--threads",
            threads,
            "--format",
            "json",
            "--ledger",
        ])
        .arg(ledger)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `payouts --ledger L ARGS… --format jsonl`, one object per payout.
fn payouts(ledger: &Path, args: &[&str]) -> Vec<Value> {
    let out = common::bin()
        .args(["payouts", "--format", "jsonl", "--ledger"])
        .arg(ledger)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(values: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = values
        .iter()
        .map(|v| v["payout_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn payout_ids_fit_payment_apis_and_do_not_depend_on_how_the_grants_were_made() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, split) = (dir.path().join("whole.db"), dir.path().join("split.db"));
    let ran = run(&whole, ("2026-05-05 00:00", "2026-05-06 22:00"), "1");
    let grants = ran["grants"].as_array().unwrap();
    assert!(grants.len() > 10);
    let listed = payouts(&whole, &[]);
    assert_eq!(
        ids(grants),
        ids(&listed),
        "run and payouts show the same ids"
    );
    let all = ids(grants);
    let unique: std::collections::BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), grants.len(), "no two grants share an id");
    for id in ids(grants) {
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{id}"
        );
    }
    // Two windows, two threads: the same grants, the same ids.
    run(&split, ("2026-05-05 00:00", "2026-05-05 20:00"), "2");
    run(&split, ("2026-05-05 20:00", "2026-05-06 22:00"), "2");
    assert_eq!(ids(&payouts(&split, &[])), ids(&listed));
    // Everything is pending until a channel reports.
    assert_eq!(
        payouts(&whole, &["--status", "pending"]).len(),
        listed.len()
    );
}

#[test]
fn acknowledged_results_are_recorded_once_and_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.db");
    run(&ledger, ("2026-05-05 00:00", "2026-05-06 22:00"), "1");
    let listed = payouts(&ledger, &[]);
    let id = |i: usize| listed[i]["payout_id"].as_str().unwrap().to_owned();
    let file = dir.path().join("results.csv");
    std::fs::write(
        &file,
        format!(
            "payout_id,status,reason,at\n{},sent,,2026-05-06T10:00:00+08:00\n{},failed,NO_AUTH 商户号无权限,2026-05-06T10:00:01+08:00\n{},waiting,,2026-05-06T10:00:02+08:00\n{},confirmed,,2026-05-06T11:00:00+08:00\n",
            id(0), id(1), id(2), id(2)
        ),
    )
    .unwrap();
    let ack = |file: &Path| {
        common::bin()
            .args(["payouts", "ack", "--ledger"])
            .arg(&ledger)
            .arg(file)
            .output()
            .unwrap()
    };
    let first = ack(&file);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&first.stdout),
        "recorded 4 result(s); 0 already recorded\n"
    );
    let again = ack(&file);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        "recorded 0 result(s); 4 already recorded\n"
    );

    let status = |s: &str| ids(&payouts(&ledger, &["--status", s]));
    assert_eq!(status("sent"), [id(0)]);
    assert_eq!(
        status("confirmed"),
        [id(2)],
        "the latest result is where it stands"
    );
    let failed = payouts(&ledger, &["--status", "failed"]);
    assert_eq!(failed[0]["reason"], "NO_AUTH 商户号无权限");
    assert_eq!(
        payouts(&ledger, &["--status", "pending"]).len(),
        listed.len() - 3
    );

    // A failed payout is not granted again by a re-run of the window.
    let rerun = run(&ledger, ("2026-05-05 00:00", "2026-05-06 22:00"), "1");
    assert!(rerun["grants"].as_array().unwrap().is_empty());

    // One unknown id, or one bad line: nothing of the file is recorded.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        format!(
            "{{\"payout_id\": \"{}\", \"status\": \"confirmed\", \"at\": \"x\"}}\n{{\"payout_id\": \"{}\", \"status\": \"sent\"}}\n",
            id(3),
            "0".repeat(32)
        ),
    )
    .unwrap();
    let refused = ack(&bad);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains(&format!("payout id `{}` is not in ledger", "0".repeat(32)))
            && err.contains("nothing recorded"),
        "{err}"
    );
    assert!(status("confirmed") == [id(2)]);
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("payout_id,status\n{},paid\n{},failed\n", id(3), id(4)),
    )
    .unwrap();
    let refused = ack(&bad);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("bad.csv:2: status `paid` is not one of sent")
            && err.contains("bad.csv:3: a failed payout needs a reason"),
        "{err}"
    );
}

/// A small playbook: a ¥2 red packet a day to each of four members, a ¥10 budget,
/// at most ¥3 of red packets per member a day.
const SMALL: &str = r#"playbook "小预算" {
  timezone "Asia/Shanghai"
  budget ¥10 total
  per_member_daily ¥3
}

member {
  level: int
}

event claim { code: text }

rule 每日红包 {
  every day at 10:00
  give red_packet ¥2
  limit 1 per member per day
}

rule 加码 {
  on claim
  give red_packet ¥2
}
"#;

const SMALL_DATA: &str = "CREATE TABLE members (id TEXT PRIMARY KEY, level INTEGER);
INSERT INTO members VALUES ('m1', 1), ('m2', 1), ('m3', 1), ('m4', 1);
CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT, member_id TEXT, at TEXT, data TEXT);
INSERT INTO events VALUES ('e1', 'claim', 'm1', '2026-05-05 11:00:00', '{\"code\": \"x\"}');
";

fn small(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (pb, data) = (dir.join("small.playbook"), dir.join("small.sql"));
    std::fs::write(&pb, SMALL).unwrap();
    std::fs::write(&data, SMALL_DATA).unwrap();
    (pb, data)
}

fn json_out(out: std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_channel_limit_counts_what_earlier_runs_paid_the_member_that_day() {
    let dir = tempfile::tempdir().unwrap();
    let (pb, data) = small(dir.path());
    let ledger = dir.path().join("ledger.db");
    let run = |since: &str, at: &str| {
        json_out(
            common::bin()
                .arg("run")
                .arg(&pb)
                .arg("--data")
                .arg(&data)
                .args(["--since", since, "--at", at, "--format", "json", "--ledger"])
                .arg(&ledger)
                .output()
                .unwrap(),
        )
    };
    let morning = run("2026-05-05 00:00", "2026-05-05 10:30");
    assert_eq!(morning["grants"].as_array().unwrap().len(), 4);
    // m1's claim at 11:00 would make ¥4 in red packets today: the channel refuses.
    let later = run("2026-05-05 10:30", "2026-05-05 12:00");
    assert!(later["grants"].as_array().unwrap().is_empty());
    let refusals = later["refusals"].as_array().unwrap();
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0]["reason"], "channel");
    assert_eq!(refusals[0]["target"]["id"], "m1");
    assert!(
        refusals[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("per_member_daily ¥3: ¥2 in red packets received today"),
        "{}",
        refusals[0]["message"]
    );
}

#[test]
fn confirmed_spend_is_reported_by_run_and_counted_by_simulate_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (pb, data) = small(dir.path());
    let ledger = dir.path().join("ledger.db");
    let ran = json_out(
        common::bin()
            .arg("run")
            .arg(&pb)
            .arg("--data")
            .arg(&data)
            .args([
                "--since",
                "2026-05-04 00:00",
                "--at",
                "2026-05-04 23:00",
                "--format",
                "json",
                "--ledger",
            ])
            .arg(&ledger)
            .output()
            .unwrap(),
    );
    let grants = ran["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 4, "¥8 of the ¥10 budget");
    let id = |i: usize| grants[i]["payout_id"].as_str().unwrap().to_owned();
    let results = dir.path().join("results.csv");
    std::fs::write(
        &results,
        format!(
            "payout_id,status,reason\n{},confirmed,\n{},failed,余额不足\n{},expired,\n{},waiting,\n",
            id(0),
            id(1),
            id(2),
            id(3)
        ),
    )
    .unwrap();
    let acked = common::bin()
        .args(["payouts", "ack", "--ledger"])
        .arg(&ledger)
        .arg(&results)
        .output()
        .unwrap();
    assert!(acked.status.success());

    // run --confirmed-spend: the summary says how much of the spend is confirmed.
    let dry = json_out(
        common::bin()
            .arg("run")
            .arg(&pb)
            .arg("--data")
            .arg(&data)
            .args(["--at", "2026-05-04 23:30", "--format", "json", "--dry-run"])
            .arg("--confirmed-spend")
            .arg("--ledger")
            .arg(&ledger)
            .output()
            .unwrap(),
    );
    let summary = &dry["summary"];
    assert_eq!(summary["budget"][0]["used_fen"], 800);
    assert_eq!(summary["budget"][0]["confirmed_fen"], 200);
    assert_eq!(summary["payouts"]["confirmed_fen"], 200);
    assert_eq!(summary["payouts"]["failed_fen"], 200);
    assert_eq!(summary["payouts"]["expired_fen"], 200);
    assert_eq!(summary["payouts"]["waiting_fen"], 200);
    assert_eq!(summary["payouts"]["pending_fen"], 0);

    // simulate the next day: ¥2 left of the budget as granted, ¥8 as confirmed.
    let simulate = |extra: &[&str]| {
        json_out(
            common::bin()
                .arg("simulate")
                .arg(&pb)
                .arg("--data")
                .arg(&data)
                .args([
                    "--from",
                    "2026-05-05",
                    "--to",
                    "2026-05-05",
                    "--format",
                    "json",
                ])
                .arg("--ledger")
                .arg(&ledger)
                .args(extra)
                .output()
                .unwrap(),
        )
    };
    let granted = simulate(&[]);
    assert_eq!(granted["spend_counted"], "granted");
    assert_eq!(granted["days"][0]["spend_fen"], 200);
    let confirmed = simulate(&["--confirmed-spend"]);
    assert_eq!(confirmed["spend_counted"], "confirmed");
    assert_eq!(confirmed["days"][0]["spend_fen"], 800);
    // Limits still count every grant: nobody gets a second packet on 05-04.
    assert_eq!(confirmed["days"][0]["grants"], 4);
}

#[test]
fn a_forecast_over_days_the_ledger_already_ran_counts_their_spend_for_the_daily_budget() {
    let dir = tempfile::tempdir().unwrap();
    let (pb, data) = small(dir.path());
    std::fs::write(
        &pb,
        SMALL.replace("budget ¥10 total", "budget ¥10 total, ¥9 per day"),
    )
    .unwrap();
    let ledger = dir.path().join("ledger.db");
    let ran = common::bin()
        .arg("run")
        .arg(&pb)
        .arg("--data")
        .arg(&data)
        .args([
            "--since",
            "2026-05-05 00:00",
            "--at",
            "2026-05-05 10:30",
            "--ledger",
        ])
        .arg(&ledger)
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let out = common::bin()
        .arg("simulate")
        .arg(&pb)
        .arg("--data")
        .arg(&data)
        .args(["--from", "2026-05-05", "--to", "2026-05-05", "--ledger"])
        .arg(&ledger)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The run paid ¥8 at 10:00; the forecast adds nothing that day (m1's claim is
    // refused by the channel), and the day's use is still ¥8 of ¥9.
    assert!(
        text.contains("budget ¥9 per day: highest day ¥8 (2026-05-05)"),
        "{text}"
    );
}
