//! `playbook diff`: a change reviewed by its declarations and by its effect on the
//! same data — nothing for identical versions, exactly the targets a threshold
//! moves, renames as renames, versions read from git.

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

const EXAMPLES: &[(&str, &str, &str)] = &[
    ("package_card_launch", "2026-04-24", "2026-04-28"),
    ("store_owner_red_packets", "2026-05-01", "2026-05-10"),
    ("tiered_groups", "2026-06-08", "2026-06-21"),
    ("member_day_birthday", "2026-05-01", "2026-05-08"),
];

fn playbook() -> Command {
    Command::cargo_bin("playbook").expect("the binary")
}

/// Runs `diff` with `args`, expecting `code`; its stdout.
fn diff(args: &[&str], code: i32) -> String {
    let out = playbook().arg("diff").args(args).output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(code),
        "diff {args:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&diff(&all, 0)).expect("JSON")
}

#[test]
fn identical_versions_differ_in_nothing() {
    for &(name, from, to) in EXAMPLES {
        let file = format!("examples/{name}.playbook");
        let data = format!("examples/data/{name}.sql");
        let v = json(&[&file, &file, "--data", &data, "--from", from, "--to", to]);
        assert_eq!(v["structural"], Value::Array(vec![]), "{name}");
        let e = &v["effect"];
        assert_eq!(e["totals"]["old"], e["totals"]["new"], "{name}");
        assert!(
            e["totals"]["new"]["grants"].as_u64().unwrap() > 0,
            "{name}: nothing granted"
        );
        for key in ["gained", "lost", "changed"] {
            assert_eq!(e[key], 0, "{name}: {key}");
        }
        for (rule, sides) in e["rules"].as_object().unwrap() {
            assert_eq!(sides["old"], sides["new"], "{name}: {rule}");
        }
    }
}

#[test]
fn layout_and_comments_are_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("examples/tiered_groups.playbook").unwrap();
    let moved = text
        .replace("\n", "\n\n")
        .replace("{\n", "{  // 改了排版\n");
    let new = dir.path().join("new.playbook");
    std::fs::write(&new, moved).unwrap();
    let out = diff(
        &["examples/tiered_groups.playbook", new.to_str().unwrap()],
        0,
    );
    assert_eq!(
        out,
        "No change to rules, segments, rewards, schemas or settings.\n"
    );
}

/// Members with spend 0, ¥50, ¥100 … ¥490 and a rule for those at or above
/// `threshold` (¥).
fn threshold_case(dir: &Path, threshold: u32, name: &str) -> String {
    let text = format!(
        "playbook \"门槛\" {{ timezone \"Asia/Shanghai\"  budget ¥10,000 total }}\n\
         member {{ spend: money }}\n\
         rule 满额券 {{\n  every day at 10:00\n  when spend >= ¥{threshold}\n  \
         give coupon ¥20 over ¥300 valid 7d\n  limit once per member\n}}\n"
    );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_threshold_change_moves_exactly_the_targets_between_the_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let mut sql = String::from("CREATE TABLE members (id TEXT PRIMARY KEY, spend INTEGER);\n");
    let spends: Vec<i64> = (0..50).map(|i| i * 1_000).collect(); // fen: ¥0 .. ¥490
    for (i, s) in spends.iter().enumerate() {
        sql.push_str(&format!("INSERT INTO members VALUES ('m{i:02}', {s});\n"));
    }
    let data = dir.path().join("members.sql");
    std::fs::write(&data, sql).unwrap();
    let old = threshold_case(dir.path(), 300, "old.playbook");
    let new = threshold_case(dir.path(), 200, "new.playbook");
    let data = data.display().to_string();
    let period = [
        "--data",
        &data,
        "--from",
        "2026-05-01",
        "--to",
        "2026-05-03",
    ];
    let v = json(
        &[
            [old.as_str(), new.as_str()].as_slice(),
            &period,
            &["--examples", "100"],
        ]
        .concat(),
    );
    // Direct: the members whose spend is in [¥200, ¥300) cross the new threshold.
    let crossing: Vec<String> = spends
        .iter()
        .enumerate()
        .filter(|(_, s)| (20_000..30_000).contains(*s))
        .map(|(i, _)| format!("member m{i:02}"))
        .collect();
    let e = &v["effect"];
    assert_eq!(e["gained"], crossing.len());
    assert_eq!(
        (e["lost"].as_u64(), e["changed"].as_u64()),
        (Some(0), Some(0))
    );
    let shown: Vec<&str> = e["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["target"].as_str().unwrap())
        .collect();
    assert_eq!(shown, crossing);
    let why = e["examples"][0]["why"].as_str().unwrap();
    assert!(
        why.contains("spend >= ¥300") && why.contains("now — gives coupon"),
        "{why}"
    );
    let rule = &e["rules"]["满额券"];
    let above = |fen: i64| spends.iter().filter(|s| **s >= fen).count() as u64;
    assert_eq!(rule["old"]["grants"].as_u64(), Some(above(30_000)));
    assert_eq!(rule["new"]["grants"].as_u64(), Some(above(20_000)));
    assert_eq!(
        rule["new"]["spend_fen"].as_u64(),
        Some(above(20_000) * 2_000)
    );
    let s = &v["structural"][0];
    assert_eq!(
        (s["kind"].as_str(), s["change"].as_str()),
        (Some("rule"), Some("changed"))
    );
    assert_eq!(s["details"][0], "when spend >= ¥300 → when spend >= ¥200");
    // The spend grows by 50%: a CI gate at 40% fails, one at 60% passes.
    let gate = |pct: &str, code| {
        let args = [
            [old.as_str(), new.as_str()].as_slice(),
            &period,
            &["--fail-if-spend-grows", pct],
        ]
        .concat();
        diff(&args, code)
    };
    gate("40", 1);
    gate("60", 0);
}

#[test]
fn a_renamed_rule_is_renamed_not_removed_and_added() {
    let dir = tempfile::tempdir().unwrap();
    let old = threshold_case(dir.path(), 300, "old.playbook");
    let text = std::fs::read_to_string(&old).unwrap().replace(
        "rule 满额券 {",
        "rule 满额优惠 {\n  renamed from \"满额券\"",
    );
    let new = dir.path().join("new.playbook");
    std::fs::write(&new, text).unwrap();
    let v = json(&[&old, new.to_str().unwrap()]);
    let s = v["structural"].as_array().unwrap();
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0]["change"], "renamed");
    assert_eq!(
        (s[0]["name"].as_str(), s[0]["from"].as_str()),
        (Some("满额优惠"), Some("满额券"))
    );
    assert_eq!(s[0]["details"], Value::Array(vec![]));
}

#[test]
fn added_and_removed_rules_and_settings_are_listed_with_their_clauses() {
    let dir = tempfile::tempdir().unwrap();
    let old = threshold_case(dir.path(), 300, "old.playbook");
    let text = std::fs::read_to_string(&old)
        .unwrap()
        .replace(
            "budget ¥10,000 total",
            "budget ¥10,000 total, ¥500 per day  seed \"s2\"",
        )
        .replace("rule 满额券", "rule 新券");
    let new = dir.path().join("new.playbook");
    std::fs::write(&new, text).unwrap();
    let out = diff(&[&old, new.to_str().unwrap()], 0);
    insta::assert_snapshot!(out.replace(&old, "OLD"));
}

#[test]
fn github_annotations_point_at_the_changed_line_of_the_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let old = threshold_case(dir.path(), 300, "old.playbook");
    let new = threshold_case(dir.path(), 200, "new.playbook");
    let out = diff(&[&old, &new, "--format", "github"], 0);
    assert_eq!(
        out,
        format!(
            "::notice file={new},line=5,title=rule 满额券::rule 满额券 changed%0Awhen spend >= ¥300 → when spend >= ¥200\n"
        )
    );
    // With data, a rule's annotation carries its effect and the header's carries
    // the effect on all rules (a budget binds them all).
    let data = members_sql(dir.path(), 50);
    let tight = dir.path().join("tight.playbook");
    let text = std::fs::read_to_string(&new).unwrap();
    std::fs::write(&tight, text.replace("¥10,000 total", "¥100 total")).unwrap();
    let tight = tight.display().to_string();
    let out = diff(
        &[
            &old,
            &tight,
            "--format",
            "github",
            "--data",
            &data,
            "--from",
            "2026-05-01",
            "--to",
            "2026-05-01",
        ],
        0,
    );
    assert_eq!(
        out,
        format!(
            "::notice file={tight},line=1,title=playbook header::playbook header changed%0Abudget ¥10,000 total → budget ¥100 total%0A\
             effect on all rules: 20 grants, ¥400, 20 targets → 5 grants, ¥100, 5 targets (-75.0%25)\n\
             ::notice file={tight},line=5,title=rule 满额券::rule 满额券 changed%0Awhen spend >= ¥300 → when spend >= ¥200%0A\
             effect: 20 grants, ¥400, 20 targets → 5 grants, ¥100, 5 targets (-75.0%25)\n"
        )
    );
}

#[test]
fn markdown_is_a_pull_request_comment() {
    let dir = tempfile::tempdir().unwrap();
    let old = "examples/store_owner_red_packets.playbook";
    let text = std::fs::read_to_string(old)
        .unwrap()
        .replace("when event.streak >= 3", "when event.streak >= 2");
    let new = dir.path().join("store_owner_red_packets.playbook");
    std::fs::write(&new, text).unwrap();
    let data = "examples/data/store_owner_red_packets.sql";
    let args = [
        old,
        new.to_str().unwrap(),
        "--data",
        data,
        "--from",
        "2026-05-01",
        "--to",
        "2026-05-10",
    ];
    let out = diff(
        &[
            args.as_slice(),
            &["--format", "markdown", "--examples", "2"],
        ]
        .concat(),
        0,
    );
    insta::assert_snapshot!(out.replace(new.to_str().unwrap(), "NEW"));
}

#[test]
fn versions_are_read_from_git_with_the_files_they_use() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let ok = Process::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git runs");
        assert!(
            ok.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&ok.stderr)
        );
    };
    git(&["init", "-q"]);
    std::fs::create_dir(dir.path().join("pb")).unwrap();
    std::fs::write(
        dir.path().join("pb/shared.playbook"),
        "segment 高消费 = spend >= ¥300\n",
    )
    .unwrap();
    let main = |threshold: u32| {
        format!(
            "use \"shared.playbook\"\n\
             playbook \"门槛\" {{ timezone \"Asia/Shanghai\" }}\n\
             member {{ spend: money }}\n\
             rule 满额券 {{\n  every day at 10:00\n  when 高消费 and spend < ¥{threshold}\n  \
             give coupon ¥20 over ¥300 valid 7d\n  limit once per member\n}}\n"
        )
    };
    std::fs::write(dir.path().join("pb/main.playbook"), main(1000)).unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "one"]);
    std::fs::write(dir.path().join("pb/main.playbook"), main(2000)).unwrap();
    git(&["commit", "-qam", "two"]);
    let out = playbook()
        .current_dir(dir.path())
        .args([
            "diff",
            "git:HEAD~1:pb/main.playbook",
            "git:HEAD:pb/main.playbook",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "rule 满额券 changed\n    when 高消费 and spend < ¥1,000 → when 高消费 and spend < ¥2,000\n"
    );
    // A change in the used file only: found there, annotated on its own line.
    std::fs::write(
        dir.path().join("pb/shared.playbook"),
        "// 门槛调低\nsegment 高消费 = spend >= ¥200\n",
    )
    .unwrap();
    git(&["commit", "-qam", "three"]);
    let used = playbook()
        .current_dir(dir.path())
        .args([
            "diff",
            "git:HEAD~1:pb/main.playbook",
            "git:HEAD:pb/main.playbook",
        ])
        .args(["--format", "github"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(used.stdout).unwrap(),
        "::notice file=pb/shared.playbook,line=2,title=segment 高消费::\
         segment 高消费 changed%0Asegment 高消费 = spend >= ¥300 → segment 高消费 = spend >= ¥200\n"
    );
    let missing = playbook()
        .current_dir(dir.path())
        .args(["diff", "git:HEAD~5:pb/main.playbook", "pb/main.playbook"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8(missing.stderr).unwrap();
    assert!(
        err.starts_with("error: cannot read pb/main.playbook at HEAD~5:"),
        "{err}"
    );
}

#[test]
fn a_version_with_check_errors_fails_and_bad_usage_is_2() {
    let dir = tempfile::tempdir().unwrap();
    let old = threshold_case(dir.path(), 300, "old.playbook");
    let bad = dir.path().join("bad.playbook");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&old)
            .unwrap()
            .replace("spend >=", "spnd >="),
    )
    .unwrap();
    let out = playbook()
        .args(["diff", &old, bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("spnd") && err.contains("has 1 error"), "{err}");
    diff(&[&old, "no/such.playbook"], 2);
    diff(&[&old, &old, "--from", "2026-05-01"], 2);
}

#[test]
fn the_worst_case_spend_is_compared_too() {
    let dir = tempfile::tempdir().unwrap();
    let old = threshold_case(dir.path(), 300, "old.playbook");
    let capped = |cap: &str| {
        std::fs::read_to_string(&old).unwrap().replace(
            "limit once per member",
            &format!("limit once per member\n  cap {cap} per day"),
        )
    };
    let (a, b) = (dir.path().join("a.playbook"), dir.path().join("b.playbook"));
    std::fs::write(&a, capped("¥1,000")).unwrap();
    std::fs::write(&b, capped("¥1,500")).unwrap();
    let v = json(&[a.to_str().unwrap(), b.to_str().unwrap()]);
    let cost = v["structural"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "cost bound")
        .expect("a cost bound change");
    assert_eq!(cost["kind"], "playbook");
    let details: Vec<&str> = cost["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        details.contains(&"满额券 per day: ¥1,000 → ¥1,500"),
        "{details:?}"
    );
    assert!(
        details.contains(&"all rules per day: ¥1,000 → ¥1,500"),
        "{details:?}"
    );
}

/// Members `m00`.. with spends ¥0, ¥10, … and `orders` = i % 4, `city` bad in one
/// row (a field only an unchanged segment reads).
fn members_sql(dir: &Path, n: usize) -> String {
    let mut sql = String::from(
        "CREATE TABLE members (id TEXT PRIMARY KEY, spend INTEGER, orders INTEGER, city TEXT);\n",
    );
    for i in 0..n {
        let city = if i == 7 { "NULL" } else { "'杭州'" };
        sql.push_str(&format!(
            "INSERT INTO members VALUES ('m{i:02}', {}, {}, {city});\n",
            i * 1_000,
            i % 4
        ));
    }
    let data = dir.join("members.sql");
    std::fs::write(&data, sql).unwrap();
    data.display().to_string()
}

#[test]
fn changed_segments_are_counted_against_a_direct_count_and_only_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let data = members_sql(dir.path(), 50);
    let version = |threshold: u32, name: &str| {
        let text = format!(
            "playbook \"分群\" {{ timezone \"Asia/Shanghai\" }}\n\
             member {{ spend: money, orders: int, city: text }}\n\
             segment 高消费 = spend >= ¥{threshold}\n\
             segment 高消费老客 = 高消费 and orders >= 2\n\
             segment 杭州 = city == \"杭州\"\n\
             rule 券 {{ every day at 10:00  when 高消费老客  give coupon ¥5  limit once per member }}\n"
        );
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let (old, new) = (version(300, "old.playbook"), version(200, "new.playbook"));
    // `city` is bad in one row and only 杭州 reads it: a diff that counted every
    // segment would stop there.
    let v = json(&[
        &old,
        &new,
        "--data",
        &data,
        "--from",
        "2026-05-01",
        "--to",
        "2026-05-01",
    ]);
    let count = |f: &dyn Fn(usize) -> bool| (0..50).filter(|&i| f(i)).count() as u64;
    let size =
        |t: usize, old_too: bool| count(&|i| i * 1_000 >= t * 100 && (old_too || i % 4 >= 2));
    let expected = serde_json::json!({
        "高消费": {"old": size(300, true), "new": size(200, true)},
        "高消费老客": {"old": size(300, false), "new": size(200, false)},
    });
    assert_eq!(v["effect"]["segments"], expected);
    assert_eq!(
        v["effect"]["rules"]["券"]["new"]["grants"].as_u64(),
        Some(size(200, false))
    );
}

#[test]
fn a_window_and_a_budget_refusal_are_explained_by_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = members_sql(dir.path(), 50);
    let version = |threshold: u32, name: &str, rule: &str| {
        let text = format!(
            "playbook \"预算\" {{ timezone \"Asia/Shanghai\"  budget ¥100 total }}\n\
             member {{ spend: money }}\n\
             rule {rule}\n  every day at 10:00\n  when spend >= ¥{threshold}\n  \
             give coupon ¥20 over ¥300 valid 7d\n  limit once per member\n}}\n"
        );
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let old = version(300, "old.playbook", "满额券 {");
    // Renamed as well: the old side is explained under its old name.
    let new = version(200, "new.playbook", "满额优惠 {\n  renamed from \"满额券\"");
    let v = json(&[
        &old,
        &new,
        "--data",
        &data,
        "--since",
        "2026-05-01 09:00",
        "--at",
        "2026-05-01 10:00",
        "--examples",
        "50",
    ]);
    let e = &v["effect"];
    assert_eq!(
        (e["from"].as_str(), e["to"].as_str()),
        (
            Some("2026-05-01T09:00:00+08:00"),
            Some("2026-05-01T10:00:00+08:00")
        )
    );
    // ¥100 pays five coupons: m30..m34 before, m20..m24 now.
    assert_eq!(e["rules"]["满额优惠"]["old"]["grants"].as_u64(), Some(5));
    assert_eq!(e["rules"]["满额优惠"]["new"]["grants"].as_u64(), Some(5));
    assert_eq!(
        (e["gained"].as_u64(), e["lost"].as_u64()),
        (Some(5), Some(5))
    );
    let why = |target: &str| {
        e["examples"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["target"] == target)
            .map(|x| x["why"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(
        why("member m20"),
        "满额优惠 at 2026-05-01 10:00: before — `spend >= ¥300` is false; \
         now — gives coupon ¥20 over ¥300 valid 7d (¥20)"
    );
    let lost = why("member m30");
    assert!(
        lost.starts_with("满额优惠 at 2026-05-01 10:00: before — gives coupon ¥20 over ¥300 valid 7d (¥20); now — refused: budget"),
        "{lost}"
    );
    // Outside the window nothing ticks: the same versions differ in nothing.
    let quiet = json(&[
        &old,
        &new,
        "--data",
        &data,
        "--since",
        "2026-05-01 10:00",
        "--at",
        "2026-05-01 12:00",
    ]);
    assert_eq!(quiet["effect"]["gained"].as_u64(), Some(0));
    // A period needs its two ends, one kind of them, in order.
    diff(&[&old, &new, "--data", &data], 2);
    diff(
        &[
            &old,
            &new,
            "--data",
            &data,
            "--since",
            "2026-05-02 00:00",
            "--at",
            "2026-05-01 00:00",
        ],
        2,
    );
    diff(
        &[
            &old,
            &new,
            "--data",
            &data,
            "--from",
            "2026-05-01",
            "--to",
            "2026-05-02",
            "--at",
            "2026-05-01 10:00",
        ],
        2,
    );
}
