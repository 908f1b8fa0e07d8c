//! Aggregates over a member's earlier events (LANGUAGE.md "History"): each form,
//! each reading of the run's time order — the first order, an event at a tick's
//! instant, `within` boundaries, events before the window — and the checker's
//! errors.

mod common;

use std::path::{Path, PathBuf};

use playbook::app::decisions::Collect;
use playbook::app::run::{RunRequest, run};
use playbook::compile::compile;
use playbook::time::parse_instant;

const HEADER: &str = "playbook \"历史\" { timezone \"Asia/Shanghai\" }\n\
                      member { city: text }\n\
                      event order_paid { amount: money, channel: text }\n\
                      event check_in { streak: int }\n";

/// Members m1..m3 and the events given as (id, kind, member, local time, data).
fn data(dir: &Path, events: &[(&str, &str, &str, &str, &str)]) -> PathBuf {
    let mut sql = String::from(
        "CREATE TABLE members (id TEXT PRIMARY KEY, city TEXT);\n\
         INSERT INTO members VALUES ('m1', '杭州'), ('m2', '上海'), ('m3', '北京');\n\
         CREATE TABLE events (id TEXT PRIMARY KEY, kind TEXT, member_id TEXT, at TEXT, data TEXT);\n",
    );
    for (id, kind, member, at, json) in events {
        sql.push_str(&format!(
            "INSERT INTO events VALUES ('{id}', '{kind}', '{member}', '{at}', '{json}');\n"
        ));
    }
    let path = dir.join("data.sql");
    std::fs::write(&path, sql).unwrap();
    path
}

/// The grants of `rules` (after the header) over `(since, at]`, as `rule member
/// local-time` lines.
fn grants(rules: &str, data: &Path, (since, at): (&str, &str)) -> Vec<String> {
    let checked = playbook::check_text("h.playbook", &format!("{HEADER}{rules}"));
    let program = checked
        .program
        .unwrap_or_else(|| panic!("checks: {:?}", checked.diagnostics));
    let tz = program.settings.timezone;
    let compiled = compile(program);
    let request = RunRequest {
        since: Some(parse_instant(since, tz).unwrap()),
        ..RunRequest::new(&compiled, data, parse_instant(at, tz).unwrap())
    };
    let mut sink = Collect::default();
    run(&request, &mut sink).unwrap_or_else(|e| panic!("runs: {e}"));
    sink.decisions
        .iter()
        .map(|d| {
            let line = common::short_line(d);
            let at = match d {
                playbook::app::decisions::Decision::Grant(g) => g.at,
                playbook::app::decisions::Decision::Refusal(r) => r.grants[0].at,
            };
            let local = playbook::time::instant_local(tz, at).format("%m-%d %H:%M");
            let mut parts = line.split(' ');
            format!(
                "{} {} {local}",
                parts.next().unwrap(),
                parts.next().unwrap()
            )
        })
        .collect()
}

fn order(
    id: &'static str,
    member: &'static str,
    at: &'static str,
    yuan: i64,
) -> (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
) {
    let json: &'static str = Box::leak(
        format!("{{\"amount\": {}, \"channel\": \"淘宝\"}}", yuan * 100).into_boxed_str(),
    );
    (id, "order_paid", member, at, json)
}

/// `rules` after the header, written to `dir/name`.
fn write_playbook(dir: &Path, name: &str, rules: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{HEADER}{rules}")).unwrap();
    path
}

/// The standard output of `playbook COMMAND PLAYBOOK --data DATA ARGS…`, fed `stdin`.
fn cli(command: &str, playbook: &Path, data: &Path, args: &[&str], stdin: &str) -> String {
    let out = common::bin()
        .arg(command)
        .arg(playbook)
        .arg("--data")
        .arg(data)
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_first_order_is_the_one_with_no_order_before_it_even_before_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(
        dir.path(),
        &[
            order("e0", "m1", "2026-04-20 09:00:00", 150), // before the window
            order("e1", "m1", "2026-05-01 09:00:00", 200),
            order("e2", "m2", "2026-05-01 09:30:00", 120),
            order("e3", "m2", "2026-05-01 09:30:00", 130), // same instant: after e2 by id
            order("e4", "m3", "2026-05-02 12:00:00", 90),
        ],
    );
    let rule = "rule 首单返现 { on order_paid where count(order_paid) == 0  give red_packet ¥5 }\n";
    let got = grants(rule, &data, ("2026-05-01 00:00", "2026-05-03 00:00"));
    assert_eq!(got, ["首单返现 m2 05-01 09:30", "首单返现 m3 05-02 12:00"]);
    // `exists` is the same question.
    let rule = "rule 首单返现 { on order_paid where not exists(order_paid)  give red_packet ¥5 }\n";
    let same = grants(rule, &data, ("2026-05-01 00:00", "2026-05-03 00:00"));
    assert_eq!(same, got);
}

#[test]
fn an_event_at_a_ticks_instant_is_part_of_the_ticks_history() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(
        dir.path(),
        &[
            order("e1", "m1", "2026-05-01 10:00:00", 100), // at the tick
            order("e2", "m2", "2026-05-01 10:00:01", 100), // just after it
        ],
    );
    let rule = "rule 下单即券 { every day at 10:00  when count(order_paid) >= 1  give coupon ¥3 over ¥50 }\n";
    let got = grants(rule, &data, ("2026-05-01 00:00", "2026-05-02 11:00"));
    assert_eq!(
        got,
        [
            "下单即券 m1 05-01 10:00",
            "下单即券 m1 05-02 10:00",
            "下单即券 m2 05-02 10:00"
        ]
    );
}

#[test]
fn within_counts_events_at_or_after_now_minus_the_duration() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(
        dir.path(),
        &[
            order("e1", "m1", "2026-04-24 10:00:00", 100), // exactly 7 days before
            order("e2", "m2", "2026-04-24 09:59:59", 100), // one second more
            order("e3", "m3", "2026-04-30 10:00:00", 100),
        ],
    );
    let rule =
        "rule 近七天 { every day at 10:00  when exists(order_paid within 7d)  give points 1 }\n";
    let got = grants(rule, &data, ("2026-05-01 09:00", "2026-05-01 10:00"));
    assert_eq!(got, ["近七天 m1 05-01 10:00", "近七天 m3 05-01 10:00"]);
    let rule = "rule 近七天 { every day at 10:00  when count(order_paid within 7d) == 1  give points 1 }\n";
    assert_eq!(
        grants(rule, &data, ("2026-05-01 09:00", "2026-05-01 10:00")),
        got
    );
}

#[test]
fn sums_minimums_maximums_and_the_first_and_last_event() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(
        dir.path(),
        &[
            order("e1", "m1", "2026-03-01 10:00:00", 100),
            order("e2", "m1", "2026-04-25 10:00:00", 250),
            order("e3", "m2", "2026-04-28 10:00:00", 400),
            order("e4", "m3", "2026-04-29 10:00:00", 50),
            (
                "c1",
                "check_in",
                "m3",
                "2026-04-30 08:00:00",
                "{\"streak\": 4}",
            ),
        ],
    );
    let window = ("2026-05-01 09:00", "2026-05-01 10:00");
    let when = |condition: &str| {
        grants(
            &format!("rule 测 {{ every day at 10:00  when {condition}  give points 1 }}\n"),
            &data,
            window,
        )
        .into_iter()
        .map(|l| l.split(' ').nth(1).unwrap().to_owned())
        .collect::<Vec<_>>()
    };
    // m1: ¥350 in all, ¥250 of it in the last 30 days.
    assert_eq!(when("sum(order_paid.amount) >= ¥350"), ["m1", "m2"]);
    assert_eq!(when("sum(order_paid.amount within 30d) >= ¥300"), ["m2"]);
    assert_eq!(when("sum(order_paid.amount) == ¥0"), Vec::<String>::new());
    assert_eq!(when("(max(order_paid.amount) ?? ¥0) >= ¥300"), ["m2"]);
    assert_eq!(
        when("(min(order_paid.amount within 60d) ?? ¥999) < ¥100"),
        ["m3"]
    );
    assert_eq!(
        when("(first(order_paid).at ?? now) < 2026-04-01 00:00"),
        ["m1"]
    );
    assert_eq!(
        when("(last(order_paid).at ?? 2000-01-01 00:00) >= now - 3d"),
        ["m2", "m3"]
    );
    assert_eq!(when("(last(check_in).streak ?? 0) >= 3"), ["m3"]);
    assert_eq!(
        when("count(order_paid where event.amount >= ¥200 and event.channel == \"淘宝\") >= 1"),
        ["m1", "m2"]
    );
}

#[test]
fn history_mistakes_are_check_errors_with_their_place() {
    let errors = |condition: &str| -> Vec<String> {
        let text =
            format!("{HEADER}rule 测 {{ every day at 10:00  when {condition}  give points 1 }}\n");
        let checked = playbook::check_text("h.playbook", &text);
        checked
            .diagnostics
            .iter()
            .filter(|d| d.severity() == playbook::diagnostics::Severity::Error)
            .map(|d| format!("{} {}", d.code.code(), d.message))
            .collect()
    };
    assert_eq!(
        errors("count(order_payed) > 0"),
        ["E0101 `order_payed` is not a declared event"]
    );
    assert_eq!(
        errors("sum(order_paid.channel) > 0"),
        ["E0201 `sum` of `order_paid.channel`, which is text"]
    );
    assert_eq!(
        errors("sum(order_paid.amout) > ¥0"),
        ["E0101 event `order_paid` has no field `amout`"]
    );
    assert_eq!(
        errors("count(order_paid where event.streak > 2) > 0"),
        ["E0101 event `order_paid` has no field `streak`"]
    );
    assert_eq!(
        errors("count(order_paid where city == \"杭州\") > 0"),
        ["E0208 a history's `where` reads only the event, not the member's fields"]
    );
    assert_eq!(
        errors("count(order_paid where event.at >= now - 1d) > 0"),
        ["E0208 a history's `where` reads only the event, not `now` or `today`"]
    );
    assert_eq!(
        errors("first(order_paid) > 0"),
        ["E0208 `first(order_paid)` is an event, not a value"]
    );
    assert_eq!(
        errors("first(order_paid).at > now - 1d"),
        ["E0202 `first(order_paid).at` may be missing here"]
    );
    assert_eq!(
        errors("count(order_paid.amount) > 0"),
        ["E0208 `count` counts events, not a field"]
    );
    // `max(x)` of a field is still the built-in.
    assert!(
        errors("max(city) == \"杭州\"")
            .iter()
            .all(|e| !e.contains("event"))
    );
}

#[test]
fn the_formatter_prints_every_form_back_as_it_reads() {
    let text = format!(
        "{HEADER}rule 测 {{\n  every day at 10:00\n  when count(order_paid  where event.amount>=¥300 within 30d)>=2 \
         and sum( order_paid.amount within 365d ) >= ¥1,000 and (first(order_paid).at ?? now) < now - 30d \
         and exists(check_in within 1d)\n  give points 1\n}}\n"
    );
    let formatted = playbook::format::format_source(playbook::source::FileId(0), &text)
        .unwrap_or_else(|e| panic!("formats: {e:?}"));
    assert!(
        formatted.contains(
            "  when count(order_paid where event.amount >= ¥300 within 30d) >= 2\n    \
             and sum(order_paid.amount within 365d) >= ¥1,000\n    \
             and (first(order_paid).at ?? now) < now - 30d\n    \
             and exists(check_in within 1d)\n"
        ),
        "{formatted}"
    );
    let again = playbook::format::format_source(playbook::source::FileId(0), &formatted)
        .unwrap_or_else(|e| panic!("formats: {e:?}"));
    assert_eq!(again, formatted);
}

const TOUCH_CAP: &str = "\
rule 早安 { every day at 10:00  when count(granted within 1d) < 2  give red_packet ¥1 }
rule 午安 { every day at 10:00  when count(granted within 1d) < 2  give red_packet ¥2 }
rule 晚安 { every day at 10:00  when count(granted within 1d) < 2  give red_packet ¥3 }
rule 打卡 {
  on check_in
  when sum(granted value within 1d) < ¥5 and not exists(granted 打卡 within 1d)
  give red_packet ¥1
}
rule 回访 {
  every day at 12:00
  when exists(granted 早安) and (last(granted 早安).at ?? now) <= now - 1d
  give points 1
}
";

fn check_ins(dir: &Path) -> PathBuf {
    data(
        dir,
        &[
            (
                "c1",
                "check_in",
                "m1",
                "2026-05-01 11:00:00",
                "{\"streak\": 1}",
            ),
            (
                "c2",
                "check_in",
                "m1",
                "2026-05-01 11:30:00",
                "{\"streak\": 2}",
            ),
            (
                "c3",
                "check_in",
                "m1",
                "2026-05-02 11:00:00",
                "{\"streak\": 3}",
            ),
        ],
    )
}

#[test]
fn what_was_granted_caps_touches_across_rules_even_at_one_instant() {
    let dir = tempfile::tempdir().unwrap();
    let data = check_ins(dir.path());
    let got = grants(TOUCH_CAP, &data, ("2026-05-01 00:00", "2026-05-02 13:00"));
    let m1: Vec<&String> = got.iter().filter(|l| l.contains(" m1 ")).collect();
    assert_eq!(
        m1,
        [
            // Two a day across the three rules of 10:00, the third sees both.
            "早安 m1 05-01 10:00",
            "午安 m1 05-01 10:00",
            // ¥3 granted today, and no check-in packet yet; the second check-in
            // sees the first one's packet.
            "打卡 m1 05-01 11:00",
            // 05-02 10:00 sees three grants within the day (05-01 10:00 counts:
            // `within` includes its boundary); 05-02 11:00 sees 打卡 of 05-01 11:00.
            "回访 m1 05-02 12:00",
        ]
    );
}

#[test]
fn grants_in_the_ledger_count_as_grants_of_the_same_run_do() {
    let dir = tempfile::tempdir().unwrap();
    let data = check_ins(dir.path());
    let ledger = dir.path().join("ledger.db");
    let playbook = write_playbook(dir.path(), "cap.playbook", TOUCH_CAP);
    let run_into = |since: &str, at: &str| {
        common::bin()
            .arg("run")
            .arg(&playbook)
            .arg("--data")
            .arg(&data)
            .args(["--since", since, "--at", at, "--format", "csv", "--ledger"])
            .arg(&ledger)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let rows = |csv: Vec<u8>| -> Vec<String> {
        String::from_utf8(csv)
            .unwrap()
            .lines()
            .skip(1)
            .filter(|l| !l.contains("refused"))
            .map(|l| l.split(',').take(4).collect::<Vec<_>>().join(","))
            .collect()
    };
    let mut split = rows(run_into("2026-05-01 00:00", "2026-05-01 10:30"));
    split.extend(rows(run_into("2026-05-01 10:30", "2026-05-02 11:59")));
    split.extend(rows(run_into("2026-05-02 11:59", "2026-05-02 13:00")));
    std::fs::remove_file(&ledger).unwrap();
    let whole = rows(run_into("2026-05-01 00:00", "2026-05-02 13:00"));
    assert_eq!(split, whole);
    // m1..m3: 早安 and 午安 on 05-01 (not 05-02: three grants within the day) and
    // 回访 on 05-02; m1's one check-in packet.
    assert_eq!(whole.len(), 3 * 3 + 1, "{whole:?}");
}

#[test]
fn a_top_n_ranking_reads_what_was_granted_before_the_tick() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path(), &[]);
    // One packet a day, to whoever has had the fewest (ties by id): a rotation.
    let rules = "segment 轮到 = top 1 by 0 - count(granted)\n\
                 rule 轮流 { every day at 10:00  when 轮到  give points 1 }\n";
    let got = grants(rules, &data, ("2026-05-01 00:00", "2026-05-04 12:00"));
    assert_eq!(
        got,
        [
            "轮流 m1 05-01 10:00",
            "轮流 m2 05-02 10:00",
            "轮流 m3 05-03 10:00",
            "轮流 m1 05-04 10:00",
        ]
    );
}

#[test]
fn segments_read_the_ledgers_grants_when_given_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = check_ins(dir.path());
    let ledger = dir.path().join("ledger.db");
    let segment = "segment 今天打扰过 = exists(granted within 1d)\n";
    let playbook = write_playbook(dir.path(), "cap.playbook", &format!("{TOUCH_CAP}{segment}"));
    let at = ["--at", "2026-05-01 12:00", "--format", "json"];
    let ran = [
        &["--since", "2026-05-01 00:00"][..],
        &at[..2],
        &["--ledger"],
    ]
    .concat();
    common::bin()
        .arg("run")
        .arg(&playbook)
        .arg("--data")
        .arg(&data)
        .args(&ran)
        .arg(&ledger)
        .assert()
        .success();
    let size = |extra: &[&str]| -> u64 {
        let args = [&at[..], extra].concat();
        let out: serde_json::Value =
            serde_json::from_str(&cli("segments", &playbook, &data, &args, "")).unwrap();
        out["segments"][0]["size"].as_u64().unwrap()
    };
    let path = ledger.to_str().unwrap();
    // m1..m3 got 早安 and 午安 at 10:00.
    assert_eq!(size(&["--ledger", path]), 3);
    assert_eq!(size(&[]), 0);
}

#[test]
fn granted_mistakes_are_check_errors() {
    let errors = |condition: &str| -> Vec<String> {
        let text =
            format!("{HEADER}rule 测 {{ every day at 10:00  when {condition}  give points 1 }}\n");
        playbook::check_text("h.playbook", &text)
            .diagnostics
            .iter()
            .filter(|d| d.severity() == playbook::diagnostics::Severity::Error)
            .map(|d| format!("{} {}", d.code.code(), d.message))
            .collect()
    };
    assert_eq!(
        errors("count(granted 侧) > 0"),
        ["E0101 `侧` is not a rule"]
    );
    assert_eq!(
        errors("sum(granted within 1d) > ¥0"),
        ["E0208 `sum` of grants reads their value"]
    );
    assert_eq!(
        errors("count(granted value) > 0"),
        ["E0208 `count` counts grants, not their value"]
    );
    assert_eq!(
        errors("count(granted where event.amount > ¥0) > 0"),
        ["E0208 grants are chosen by rule, not with `where`"]
    );
    assert!(errors("exists(granted 测 within 7d) and sum(granted value) < ¥100").is_empty());
}

#[test]
fn explain_shows_each_aggregate_with_the_events_it_counted() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(
        dir.path(),
        &[
            order("e0", "m1", "2026-04-20 09:00:00", 150),
            order("e2", "m2", "2026-05-01 09:30:00", 120),
            order("e3", "m2", "2026-05-01 09:30:00", 130),
        ],
    );
    let playbook = write_playbook(
        dir.path(),
        "first.playbook",
        "rule 首单返现 { on order_paid where count(order_paid) == 0  give red_packet ¥5 }\n",
    );
    let explain = |member: &str| {
        let args = ["--member", member, "--at", "2026-05-01 09:30"];
        cli("explain", &playbook, &data, &args, "")
    };
    // The run paid e2, m2's first order; e3, the latest event explained, came after
    // it at the same instant and counts it.
    let m2 = explain("m2");
    assert!(
        m2.contains("✓ 首单返现: granted red_packet ¥5 (¥5) at 2026-05-01T09:30:00+08:00 (event:e2)")
            && m2.contains("    event e3 at 2026-05-01T09:30:00+08:00\n    count(order_paid) = 1 (counted: e2 2026-05-01 09:30:00)"),
        "{m2}"
    );
    // m1's only order, e0, had none before it.
    let m1 = explain("m1");
    assert!(
        m1.contains(
            "✓ 首单返现: fires: gives red_packet ¥5 (¥5)\n    event e0 at 2026-04-20T09:00:00+08:00"
        ),
        "{m1}"
    );
}

#[test]
fn explain_counts_what_the_run_granted_before() {
    let dir = tempfile::tempdir().unwrap();
    let data = check_ins(dir.path());
    // 先 is decided first at 10:00 (priority): it saw none of that tick's grants.
    let first = "rule 先 { every day at 10:00  when count(granted within 1d) > 0  give points 1  priority 5 }\n";
    let playbook = write_playbook(dir.path(), "cap.playbook", &format!("{TOUCH_CAP}{first}"));
    let args = [
        "--member",
        "m1",
        "--since",
        "2026-05-01 00:00",
        "--at",
        "2026-05-01 10:00",
    ];
    let text = cli("explain", &playbook, &data, &args, "");
    assert!(
        text.contains(
            "✗ 晚安: `count(granted within 1d) < 2` is false\n    count(granted within 1d) = 2"
        ) && text.contains(
            "✗ 先: `count(granted within 1d) > 0` is false\n    count(granted within 1d) = 0"
        ),
        "{text}"
    );
    // The rules that granted saw what came before their own grant: none shows
    // a value that would have refused it.
    assert!(!text.contains("✓ 早安: granted red_packet ¥1 (¥1) at 2026-05-01T10:00:00+08:00 (tick:2026-05-01T10:00:00+08:00)\n    as the run of the window (2026-05-01T00:00:00+08:00 .. 2026-05-01T10:00:00+08:00] decided it\n    count"), "{text}");
}

#[test]
fn the_formatter_prints_grant_aggregates_back_as_they_read() {
    let text = format!(
        "{HEADER}rule 测 {{ every day at 10:00  when count( granted  within 1d )<3 and exists(granted 测) \
         and sum(granted value within 7d) < ¥20 and (last(granted 测).at ?? now) <= now - 1d give points 1 }}\n"
    );
    let formatted = playbook::format::format_source(playbook::source::FileId(0), &text)
        .unwrap_or_else(|e| panic!("formats: {e:?}"));
    assert!(
        formatted.contains("when count(granted within 1d) < 3\n    and exists(granted 测)\n    and sum(granted value within 7d) < ¥20\n    and (last(granted 测).at ?? now) <= now - 1d\n"),
        "{formatted}"
    );
    let again = playbook::format::format_source(playbook::source::FileId(0), &formatted)
        .unwrap_or_else(|e| panic!("formats: {e:?}"));
    assert_eq!(again, formatted);
}

#[test]
fn the_repl_counts_and_shows_segments_over_history() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(
        dir.path(),
        &[
            order("e1", "m1", "2026-04-20 09:00:00", 150),
            order("e2", "m1", "2026-05-01 09:00:00", 200),
            order("e3", "m2", "2026-05-01 09:30:00", 120),
        ],
    );
    let playbook = write_playbook(
        dir.path(),
        "repl.playbook",
        "segment 复购 = count(order_paid) >= 2\nrule r { every day at 10:00  when 复购  give points 1 }\n",
    );
    let stdin = ":count 复购\n:member m2\n复购\n";
    let text = cli(
        "repl",
        &playbook,
        &data,
        &["--at", "2026-05-02 12:00"],
        stdin,
    );
    assert!(text.contains("1 of 3 members (33.3%)\n  m1\n"), "{text}");
    assert!(text.contains("false : bool"), "{text}");
}
