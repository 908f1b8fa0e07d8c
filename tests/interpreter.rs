//! The interpreter's semantics, one playbook test block per behaviour.
//!
//! `tests/semantics/*.playbook` hold the semantic matrix: every block there must pass.
//! The Rust tests below check what `expect` lines cannot say: instants, shares,
//! labels, details and messages of grants and refusals.

use std::path::{Path, PathBuf};

use playbook::app::test::case::{TestOutcome, run_test};
use playbook::check::Program;
use playbook::compile::compile;
use playbook::compile::plan::RewardClass;
use playbook::interpret::grant::{Cause, Grant};

fn run_file(path: &str) -> Vec<String> {
    let outcome = playbook::check_file(std::path::Path::new(path)).unwrap();
    let program = outcome
        .program
        .unwrap_or_else(|| panic!("{path} does not check: {:?}", outcome.diagnostics));
    let engine = compile(program.clone());
    program
        .tests
        .iter()
        .map(|t| run_test(&engine, t))
        .filter(|o| !o.passed())
        .map(|o| format!("{}: {:?} {:?}", o.name, o.failures, o.error))
        .collect()
}

#[test]
fn example_tests_pass() {
    let mut failures = Vec::new();
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "playbook") {
            failures.extend(run_file(path.to_str().unwrap()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// ---------------------------------------------------------------- the matrix

const SEMANTICS: &str = "tests/semantics";

/// The `.playbook` files directly in `dir`, sorted.
fn playbooks(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "playbook"))
        .collect();
    files.sort();
    files
}

/// A semantics file, checked: it must have no errors.
fn program(path: &Path) -> Program {
    let outcome = playbook::check_file(path).unwrap();
    assert_eq!(
        outcome.errors(),
        0,
        "{} does not check: {:#?}",
        path.display(),
        outcome.diagnostics
    );
    outcome.program.expect("a program without errors")
}

/// Runs every block of a file; one line per failing block with all its messages.
fn failing_blocks(path: &Path) -> (usize, Vec<String>) {
    let program = program(path);
    let engine = compile(program.clone());
    let failures = program
        .tests
        .iter()
        .map(|t| run_test(&engine, t))
        .filter(|o| !o.passed())
        .map(|o| {
            let mut text = format!("{} › {}", path.display(), o.name);
            for (_, message) in &o.failures {
                text.push_str("\n    ");
                text.push_str(message);
            }
            if let Some(error) = &o.error {
                text.push_str("\n    run error: ");
                text.push_str(error);
            }
            text
        })
        .collect();
    (program.tests.len(), failures)
}

fn run_all(dir: &str) -> (usize, Vec<String>) {
    let mut blocks = 0;
    let mut failures = Vec::new();
    for path in playbooks(dir) {
        let (n, f) = failing_blocks(&path);
        assert!(n > 0, "{} has no test blocks", path.display());
        blocks += n;
        failures.extend(f);
    }
    (blocks, failures)
}

#[test]
fn every_semantic_block_passes() {
    let (blocks, failures) = run_all(SEMANTICS);
    assert!(blocks > 0, "no test blocks under {SEMANTICS}");
    assert!(
        failures.is_empty(),
        "{} of {blocks} semantic test blocks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn semantic_files_check_without_warnings_and_name_blocks_once() {
    for path in playbooks(SEMANTICS) {
        let outcome = playbook::check_file(&path).unwrap();
        assert_eq!(
            outcome.diagnostics.len(),
            0,
            "{}: {:#?}",
            path.display(),
            outcome.diagnostics
        );
        let program = outcome.program.unwrap();
        let mut names: Vec<&str> = program.tests.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(
            before,
            names.len(),
            "{}: two blocks share a name",
            path.display()
        );
    }
}

// ---------------------------------------------------------------- grants in detail

/// Runs the block `name` of `tests/semantics/<file>`; it must pass its own
/// expectations too.
fn block(file: &str, name: &str) -> TestOutcome {
    let program = program(&Path::new(SEMANTICS).join(file));
    let engine = compile(program.clone());
    let case = program
        .tests
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("{file} has no block named {name:?}"));
    let outcome = run_test(&engine, case);
    assert!(
        outcome.passed(),
        "{file} › {name}: {:?} {:?}",
        outcome.failures,
        outcome.error
    );
    outcome
}

/// A local time in Asia/Shanghai, the timezone of every semantics file.
fn instant(text: &str) -> i64 {
    playbook::time::parse_instant(text, chrono_tz::Asia::Shanghai).unwrap()
}

fn grants_to<'a>(outcome: &'a TestOutcome, target: &str) -> Vec<&'a Grant> {
    outcome
        .grants
        .iter()
        .filter(|g| g.target.id == target)
        .collect()
}

fn only_grant<'a>(outcome: &'a TestOutcome, target: &str) -> &'a Grant {
    let grants = grants_to(outcome, target);
    assert_eq!(
        grants.len(),
        1,
        "{}: grants to {target}: {grants:#?}",
        outcome.name
    );
    grants[0]
}

fn fen(grants: &[playbook::money::Fen]) -> Vec<i64> {
    grants.iter().map(|f| f.0).collect()
}

#[test]
fn quiet_hours_hold_the_grant_but_not_its_cause() {
    let cases = [
        (
            "quiet: an event in quiet hours is still granted",
            "2026-04-20 23:30",
            "2026-04-21 08:00",
        ),
        (
            "quiet: an event at the start of quiet hours is granted",
            "2026-04-20 22:00",
            "2026-04-21 08:00",
        ),
        (
            "quiet: an event after midnight in quiet hours is granted",
            "2026-04-21 07:59:59",
            "2026-04-21 08:00",
        ),
    ];
    for (name, event_at, handed_out) in cases {
        let out = block("quiet.playbook", name);
        let g = only_grant(&out, "m1");
        assert_eq!(
            g.at,
            instant(handed_out),
            "{name}: the grant is held to the end of quiet hours"
        );
        assert_eq!(
            g.cause,
            Cause::Event {
                id: "e1".into(),
                at: instant(event_at)
            },
            "{name}: the cause stays the event"
        );
    }
    // Outside quiet hours a grant goes out at its cause's instant; 08:00 is outside.
    let out = block(
        "quiet.playbook",
        "quiet: an event at 08:00 is outside quiet hours",
    );
    assert_eq!(only_grant(&out, "m1").at, instant("2026-04-21 08:00"));
    let out = block(
        "quiet.playbook",
        "quiet: a grant just before quiet hours counts on its own day",
    );
    for g in &out.grants {
        assert_eq!(g.at, g.cause.at(), "{g:#?}");
    }
    assert_eq!(only_grant(&out, "m1").at, instant("2026-04-20 21:59:59"));
    let out = block(
        "quiet.playbook",
        "quiet: a schedule outside quiet hours ticks as usual",
    );
    let g = only_grant(&out, "m1");
    assert_eq!(
        g.cause,
        Cause::Tick {
            at: instant("2026-04-20 21:00")
        }
    );
    assert_eq!(g.at, instant("2026-04-20 21:00"));
}

/// Checks a split packet: its shares sum exactly to its value, each within limits.
fn check_shares(g: &Grant, count: usize, min: i64, max: i64) {
    let shares = fen(&g.detail.shares);
    assert_eq!(shares.len(), count, "{}: {shares:?}", g.reward);
    assert_eq!(
        shares.iter().sum::<i64>(),
        g.value.0,
        "{}: {shares:?}",
        g.reward
    );
    for s in &shares {
        assert!(
            (min..=max).contains(s),
            "{}: share {s} outside {min}..={max}: {shares:?}",
            g.reward
        );
    }
}

/// Checks the double-mean method with the minimum reserved (LANGUAGE.md §5): every
/// share but the last lies in `[min, 2 × (remaining − min × left) / left + min]`.
fn check_double_mean(g: &Grant, min: i64) {
    let shares = fen(&g.detail.shares);
    let mut remaining = g.value.0;
    for (k, s) in shares.iter().enumerate().take(shares.len() - 1) {
        let left = (shares.len() - k) as i64;
        let hi = 2 * (remaining - min * left) / left + min;
        assert!(
            *s >= min && *s <= hi,
            "{}: share {k} = {s} outside [{min}, {hi}] with {remaining} left for {left}: {shares:?}",
            g.reward
        );
        remaining -= s;
    }
    assert_eq!(
        shares.last().copied(),
        Some(remaining),
        "the last share takes the remainder"
    );
}

#[test]
fn split_shares_sum_exactly_to_the_total_within_the_red_packet_limits() {
    // red_packet_limits ¥1 .. ¥200
    let out = block(
        "shares.playbook",
        "split random: every group of the segment gets one packet",
    );
    for id in ["g1", "g2"] {
        let g = only_grant(&out, id);
        assert_eq!(g.value.0, 6600);
        check_shares(g, 20, 100, 20000);
        check_double_mean(g, 100);
    }
    assert_ne!(
        only_grant(&out, "g1").detail.shares,
        only_grant(&out, "g2").detail.shares,
        "each group draws its own shares"
    );
    let tight = only_grant(&out, "g4");
    assert_eq!(tight.value.0, 2000);
    check_shares(tight, 19, 100, 20000);
    check_double_mean(tight, 100);
    let large = only_grant(&out, "g5");
    assert_eq!(large.value.0, 35000);
    check_shares(large, 2, 15000, 20000);
    let equal = only_grant(&out, "g3");
    assert_eq!(fen(&equal.detail.shares), vec![1000; 10]);
    let remainder = only_grant(&out, "g6");
    assert_eq!(fen(&remainder.detail.shares), vec![334, 333, 333]);

    // Default WeChat group limits: each share ¥0.01 .. ¥200.
    let out = block(
        "rewards.playbook",
        "split random: one group red packet per group, counted at its total",
    );
    for id in ["g1", "g2"] {
        let g = only_grant(&out, id);
        assert_eq!(g.value.0, 5000);
        check_shares(g, 20, 1, 20000);
        check_double_mean(g, 1);
    }
    let out = block(
        "rewards.playbook",
        "split equal: group red packet counted at its total",
    );
    assert_eq!(fen(&only_grant(&out, "g1").detail.shares), vec![1000; 10]);

    // Two ticks draw two different packets for one group.
    let out = block(
        "shares.playbook",
        "split random: the same group on two days gets two packets",
    );
    let days = grants_to(&out, "g1");
    assert_eq!(days.len(), 2);
    for g in &days {
        check_shares(g, 20, 100, 20000);
    }
    assert_ne!(days[0].detail.shares, days[1].detail.shares);

    // An unsplit red packet records no shares.
    let out = block(
        "rewards.playbook",
        "fixed red packet: counted at its amount",
    );
    assert!(only_grant(&out, "m1").detail.shares.is_empty());
}

#[test]
fn inline_rewards_are_named_by_their_canonical_source_text() {
    let label = |file: &str, name: &str, target: &str| {
        only_grant(&block(file, name), target).reward.to_string()
    };
    let names = "names.playbook";
    assert_eq!(
        label(
            names,
            "reading 12: an inline red packet is named by its source text",
            "m1"
        ),
        "red_packet ¥100"
    );
    assert_eq!(
        label(
            names,
            "reading 12: an inline coupon is named by its source text, spaces collapsed",
            "m1"
        ),
        "coupon ¥5 over ¥50"
    );
    assert_eq!(
        label(
            names,
            "reading 12: a lottery outcome written inline is named by its text",
            "m1"
        ),
        "red_packet ¥3"
    );
    assert_eq!(
        label(
            names,
            "reading 12: a lottery outcome is named by its arm's declared reward",
            "m1"
        ),
        "无门槛10"
    );
    assert_eq!(
        label(
            names,
            "reading 12: a declared lottery's outcome is named by the arm, not the lottery",
            "m1"
        ),
        "帆布袋"
    );
    let tier = block(
        names,
        "reading 12: a tier outcome is named by its arm's reward",
    );
    assert_eq!(&*only_grant(&tier, "m1").reward, "满减券");
    assert_eq!(&*only_grant(&tier, "m2").reward, "coupon ¥1");
    assert_eq!(
        label(
            names,
            "experiment: an inline arm reward is named by its text",
            "m1"
        ),
        "red_packet ¥4"
    );
    assert_eq!(
        label(
            "rewards.playbook",
            "computed red packet: 1% of the order",
            "m1"
        ),
        "red_packet clamp(event.amount * 1%, ¥1, ¥20)"
    );
    assert_eq!(
        label(
            "rewards.playbook",
            "inline coupon in give: granted under its rule, at face value",
            "m1"
        ),
        "coupon ¥5 over ¥50 valid 3d"
    );
    // Every grant also names its rule.
    let out = block(
        names,
        "reading 12: an inline red packet is named by its source text",
    );
    assert_eq!(&*only_grant(&out, "m1").rule, "内联红包");
}

#[test]
fn grants_record_their_kind() {
    let out = block(
        "names.playbook",
        "reading 12: kinds are coupon, red_packet, gift and points",
    );
    let kinds: Vec<(&str, RewardClass, i64)> = grants_to(&out, "m1")
        .iter()
        .map(|g| (&*g.reward, g.kind, g.value.0))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("无门槛10", RewardClass::Coupon, 1000),
            ("red_packet ¥1", RewardClass::RedPacket, 100),
            ("帆布袋", RewardClass::Gift, 3000),
            ("五百积分", RewardClass::Points, 0),
        ]
    );
    let gift = grants_to(&out, "m1")[2];
    assert_eq!(gift.detail.gift.as_deref(), Some("定制帆布袋"));
    let points = grants_to(&out, "m1")[3];
    assert_eq!(points.detail.points, Some(500));
    // The position in `give` is part of a grant's identity.
    let positions: Vec<u32> = grants_to(&out, "m1").iter().map(|g| g.position).collect();
    assert_eq!(positions, vec![0, 1, 2, 3]);

    let out = block(
        "point_value.playbook",
        "computed points: the expression is evaluated per member",
    );
    assert_eq!(only_grant(&out, "m1").detail.points, Some(350));
    assert_eq!(only_grant(&out, "m1").value.0, 350);
    assert_eq!(only_grant(&out, "m2").detail.points, Some(50));
}

#[test]
fn the_experiment_arm_is_recorded_on_every_grant_it_causes() {
    let names = "names.playbook";
    let out = block(names, "experiment: the grant is named by the arm's reward");
    let arm = only_grant(&out, "m1").detail.arm.clone();
    assert_eq!(arm, Some(("券面测试".into(), "A".into())));
    let out = block(
        names,
        "experiment: an inline arm reward is named by its text",
    );
    let arm = only_grant(&out, "m1").detail.arm.clone();
    assert_eq!(arm, Some(("红包测试".into(), "乙".into())));
    // Grants outside an experiment carry no arm.
    let out = block(
        names,
        "reading 12: a declared reward is granted under its declared name",
    );
    assert_eq!(only_grant(&out, "m1").detail.arm, None);

    // A 50/50 experiment over three days, given by two rules: each member keeps its
    // arm on every tick and in both rules, and the reward is always that arm's.
    let out = block(
        names,
        "experiment: every target lands in one arm and keeps it on every tick and in every rule",
    );
    let mut arms_seen = std::collections::BTreeSet::new();
    for n in 1..=12 {
        let id = format!("m{n:02}");
        let grants = grants_to(&out, &id);
        assert_eq!(
            grants.len(),
            6,
            "{id}: one grant per rule and tick: {grants:#?}"
        );
        let arms: Vec<_> = grants
            .iter()
            .map(|g| g.detail.arm.clone().unwrap())
            .collect();
        assert!(
            arms.iter().all(|a| *a == arms[0]),
            "{id} changed arm: {arms:?}"
        );
        let arm = arms[0].1.to_string();
        for g in &grants {
            let expected = match (&*g.rule, arm.as_str()) {
                ("每日实验", "A") => "无门槛10",
                ("每日实验", _) => "满减券",
                (_, "A") => "red_packet ¥1",
                _ => "red_packet ¥2",
            };
            assert_eq!(&*g.reward, expected, "{id} in arm {arm}: {g:#?}");
        }
        arms_seen.insert(arm);
    }
    assert_eq!(
        arms_seen.len(),
        2,
        "12 members split 50/50 all landed in {arms_seen:?}"
    );
}

#[test]
fn coupons_record_their_terms_and_valid_until() {
    let out = block("names.playbook", "coupon terms are recorded on the grant");
    let grants = grants_to(&out, "m1");
    assert_eq!(grants.len(), 2);
    let issued = instant("2026-04-20 09:00");
    let fixed = grants[0];
    assert_eq!(&*fixed.reward, "全选项券");
    assert_eq!(fixed.kind, RewardClass::Coupon);
    assert_eq!(fixed.detail.off.map(|f| f.0), Some(1500));
    assert_eq!(fixed.detail.threshold.map(|f| f.0), Some(19900));
    assert_eq!(fixed.detail.percent_off, None);
    assert_eq!(fixed.detail.scope.as_deref(), Some("新品"));
    assert!(fixed.detail.stackable);
    assert_eq!(fixed.detail.valid_until, Some(issued + 7 * 86_400));
    assert_eq!(fixed.value.0, 1500);
    let percent = grants[1];
    assert_eq!(&*percent.reward, "七折券");
    assert_eq!(percent.detail.percent_off.map(|r| r.0), Some(3000));
    assert_eq!(percent.detail.max.map(|f| f.0), Some(5000));
    assert_eq!(percent.detail.off, None);
    assert_eq!(percent.detail.threshold, None);
    assert_eq!(percent.detail.scope.as_deref(), Some("指定商品"));
    assert!(!percent.detail.stackable);
    assert_eq!(percent.detail.valid_until, Some(issued + 2 * 3600));
    assert_eq!(percent.value.0, 5000);
    // Without `valid`, no end.
    let out = block(
        "names.playbook",
        "reading 12: a declared reward is granted under its declared name",
    );
    assert_eq!(only_grant(&out, "m1").detail.valid_until, None);
    // 8.5折 is 15% off.
    let out = block("rewards.playbook", "折 coupon: counted at its max");
    assert_eq!(
        only_grant(&out, "m1").detail.percent_off.map(|r| r.0),
        Some(1500)
    );
}

#[test]
fn refusals_name_the_constraint_that_failed() {
    let limits = "readings_limits.playbook";
    let constraints = "constraints.playbook";
    let cases: [(&str, &str, &str, &str, &[&str]); 7] = [
        (
            constraints,
            "reading 4: a cap is named before the budget",
            "有上限",
            "cap",
            &["cap", "¥5", "per day"],
        ),
        (
            constraints,
            "daily budget: a grant that would pass it by one fen is refused",
            "红包",
            "budget",
            &["budget", "¥30", "per day", "¥29.99", "¥0.02"],
        ),
        (
            constraints,
            "total budget: a grant that would pass it by one fen is refused",
            "红包",
            "budget",
            &["budget", "¥100", "total", "¥99.99"],
        ),
        (
            limits,
            "reading 4: limit is named before exclusive and cap",
            "处处受限",
            "limit",
            &["limit"],
        ),
        (
            limits,
            "reading 4: exclusive is named before cap",
            "处处受限",
            "exclusive",
            &["exclusive", "顺序", "顺序伙伴"],
        ),
        (
            limits,
            "reading 4: cap is named when only the cap fails",
            "处处受限",
            "cap",
            &["cap", "¥5", "total"],
        ),
        (
            limits,
            "reading 3: N per day without per member is rule-wide",
            "全场每天两次",
            "limit",
            &["limit", "2", "per day"],
        ),
    ];
    for (file, name, rule, reason, mentions) in cases {
        let out = block(file, name);
        assert_eq!(out.refusals.len(), 1, "{name}: {:#?}", out.refusals);
        let r = &out.refusals[0];
        assert_eq!(&*r.grants[0].rule, rule, "{name}");
        assert_eq!(r.reason.as_str(), reason, "{name}: {}", r.message);
        for m in mentions {
            assert!(
                r.message.contains(m),
                "{name}: {:?} does not mention {m:?}",
                r.message
            );
        }
    }
}

#[test]
fn a_refused_firing_is_one_refusal_listing_all_its_rewards() {
    let out = block(
        "readings_limits.playbook",
        "reading 4: a firing is atomic: none of give A, B, C when all do not fit",
    );
    assert!(out.grants.is_empty(), "{:#?}", out.grants);
    assert_eq!(out.refusals.len(), 1, "{:#?}", out.refusals);
    let rewards: Vec<&str> = out.refusals[0].grants.iter().map(|g| &*g.reward).collect();
    assert_eq!(rewards, ["十元", "十元乙", "十元丙"]);
    let value: i64 = out.refusals[0].grants.iter().map(|g| g.value.0).sum();
    assert_eq!(value, 3000);
}

#[test]
fn what_is_no_firing_refuses_nothing() {
    for (file, name) in [
        (
            "readings_ranking.playbook",
            "reading 11: a tier with no matching arm and no else is no firing",
        ),
        (
            "rewards.playbook",
            "tier without else: no matching arm grants nothing (reading 11)",
        ),
        (
            "rewards.playbook",
            "lottery: arms under 100% without rest can grant nothing",
        ),
    ] {
        let out = block(file, name);
        assert!(out.refusals.is_empty(), "{name}: {:#?}", out.refusals);
    }
}

/// `n` members each scanning a card once: a lottery drawn `n` times.
fn lottery_outcomes(arms: &str, n: usize, seed: &str) -> TestOutcome {
    let mut text = format!(
        "playbook \"抽奖统计\" {{ timezone \"Asia/Shanghai\" seed \"{seed}\" }}\n\
         member {{ level: int }}\n\
         event scan {{ card: text }}\n\
         reward 大奖 = red_packet ¥8\n\
         reward 小奖 = coupon ¥1\n\
         rule 抽奖 {{ on scan give lottery {{ {arms} }} limit once per member }}\n\
         test \"draws\" {{\n  at 2026-04-20 12:00\n"
    );
    for i in 0..n {
        text.push_str(&format!("  member m{i:03} {{ level: 0 }}\n"));
    }
    for i in 0..n {
        text.push_str(&format!(
            "  event scan by m{i:03} at 2026-04-20 10:00 {{ card: \"A\" }}\n"
        ));
    }
    text.push_str("}\n");
    let outcome = playbook::check_text("lottery.playbook", &text);
    assert_eq!(outcome.errors(), 0, "{:#?}", outcome.diagnostics);
    let program = outcome.program.unwrap();
    let engine = compile(program.clone());
    let out = run_test(&engine, &program.tests[0]);
    assert!(out.error.is_none(), "{:?}", out.error);
    out
}

/// Each member's outcome, by member id.
fn draws(out: &TestOutcome) -> Vec<(String, String)> {
    let mut draws: Vec<(String, String)> = out
        .grants
        .iter()
        .map(|g| (g.target.id.clone(), g.reward.to_string()))
        .collect();
    draws.sort();
    draws
}

#[test]
fn a_lottery_without_rest_may_miss_and_a_miss_is_no_refusal() {
    let out = lottery_outcomes("50% -> 大奖", 60, "stats");
    let hits = out.grants.len();
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(hits > 0 && hits < 60, "{hits} of 60 draws at 50% hit");
    assert!(out.grants.iter().all(|g| &*g.reward == "大奖"));
    assert!(out.refusals.is_empty(), "{:#?}", out.refusals);
}

#[test]
fn a_lottery_with_rest_always_grants_one_of_its_arms() {
    let out = lottery_outcomes("50% -> 大奖 rest -> 小奖", 60, "stats");
    assert_eq!(out.grants.len(), 60, "every draw grants");
    let big = out.grants.iter().filter(|g| &*g.reward == "大奖").count();
    assert!(big > 0 && big < 60, "{big} of 60 draws hit the 50% arm");
    for i in 0..60 {
        assert_eq!(grants_to(&out, &format!("m{i:03}")).len(), 1);
    }
}

#[test]
fn the_same_block_gives_identical_grants_every_time() {
    let mut compared = 0;
    for path in playbooks(SEMANTICS) {
        let program = program(&path);
        let first = compile(program.clone());
        let second = compile(program.clone());
        for case in &program.tests {
            let a = run_test(&first, case);
            let b = run_test(&first, case);
            let c = run_test(&second, case);
            assert_eq!(a.grants, b.grants, "{} › {}", path.display(), case.name);
            assert_eq!(a.refusals, b.refusals, "{} › {}", path.display(), case.name);
            assert_eq!(
                a.grants,
                c.grants,
                "{} › {}: a fresh engine",
                path.display(),
                case.name
            );
            assert_eq!(a.refusals, c.refusals, "{} › {}", path.display(), case.name);
            compared += 1;
        }
    }
    assert!(compared > 0);
}

#[test]
fn a_draw_depends_on_the_seed_rule_target_and_cause_only() {
    let arms = "50% -> 大奖 rest -> 小奖";
    let few = lottery_outcomes(arms, 30, "s1");
    assert_eq!(few.grants, lottery_outcomes(arms, 30, "s1").grants);
    // More members in the data do not change the draws of the others.
    let many = draws(&lottery_outcomes(arms, 60, "s1"));
    assert_eq!(draws(&few), many[..30].to_vec());
    // Another seed draws otherwise.
    assert_ne!(draws(&few), draws(&lottery_outcomes(arms, 30, "s2")));
}

const WRONG: &str = r#"
playbook "会失败的测试" { timezone "Asia/Shanghai" }
member { orders: int }
event join_group { group_id: text }
reward 无门槛10 = coupon ¥10
reward 满300减20 = coupon ¥20 over ¥300
rule 新人礼 { on join_group give 无门槛10 limit once per member }
rule 复购礼 { on join_group when orders >= 1 give 满300减20 limit once per member }
test "wrong" {
  at 2026-04-20 10:00
  member m1 { orders: 0 }
  member m2 { orders: 0 }
  event join_group by m1 at 2026-04-20 09:59 { group_id: "g1" }
  expect m1 gets 满300减20
  expect m1 not gets 无门槛10
  expect m2 gets 无门槛10
  expect spend ¥30
  expect refused m1 by 新人礼 because limit
  expect m1 gets nothing
}
"#;

#[test]
fn the_runner_fails_a_wrong_expectation_and_says_what_was_granted() {
    let outcome = playbook::check_text("wrong.playbook", WRONG);
    assert_eq!(outcome.errors(), 0, "{:#?}", outcome.diagnostics);
    let program = outcome.program.unwrap();
    let engine = compile(program.clone());
    let out = run_test(&engine, &program.tests[0]);
    assert!(!out.passed());
    let messages: Vec<&str> = out.failures.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(
        messages.len(),
        6,
        "every wrong expectation fails: {messages:#?}"
    );
    let has = |parts: &[&str]| messages.iter().any(|m| parts.iter().all(|p| m.contains(p)));
    assert!(
        has(&["expected m1 to get 满300减20", "无门槛10"]),
        "names what was expected and what was granted: {messages:#?}"
    );
    assert!(has(&["m1 not to get 无门槛10"]), "{messages:#?}");
    assert!(
        has(&["expected m2 to get 无门槛10", "nothing"]),
        "{messages:#?}"
    );
    assert!(has(&["expected spend ¥30", "¥10"]), "{messages:#?}");
    assert!(has(&["新人礼", "m1", "limit", "无门槛10"]), "{messages:#?}");
    assert!(
        has(&["expected m1 to get nothing", "无门槛10"]),
        "{messages:#?}"
    );
    // Each failure points at its own `expect` line.
    let lines: Vec<&str> = out
        .failures
        .iter()
        .map(|(span, _)| &WRONG[span.start..span.end])
        .collect();
    assert!(lines.iter().all(|l| l.starts_with("expect")), "{lines:#?}");
    // The correct expectations of the same run pass.
    let right = WRONG
        .replace("expect m1 gets 满300减20", "expect m1 gets 无门槛10")
        .replace(
            "expect m1 not gets 无门槛10",
            "expect m1 not gets 满300减20",
        )
        .replace("expect m2 gets 无门槛10", "expect m2 gets nothing")
        .replace("expect spend ¥30", "expect spend ¥10")
        .replace("expect refused m1 by 新人礼 because limit\n", "")
        .replace("expect m1 gets nothing", "expect m1 gets 新人礼");
    let outcome = playbook::check_text("right.playbook", &right);
    let program = outcome.program.unwrap();
    let engine = compile(program.clone());
    let out = run_test(&engine, &program.tests[0]);
    assert!(out.passed(), "{:#?}", out.failures);
}

#[test]
fn top_n_over_thousands_of_members_breaks_ties_by_id() {
    // 3,000 members, spend ¥0 … ¥6 by id: seven-way ties everywhere, ranked in batches.
    let mut text = String::from(
        "playbook \"大名单\" { timezone \"Asia/Shanghai\" seed \"top\" }\n\
         member { spend: money }\n\
         segment 前五 = top 5 by spend\n\
         reward 一元 = red_packet ¥1\n\
         rule 前五礼 { every day at 10:00 when 前五 give 一元 limit 1 per member per day }\n\
         test \"top\" {\n  at 2026-04-20 10:00\n",
    );
    for i in 0..3000 {
        text.push_str(&format!("  member m{i:04} {{ spend: ¥{} }}\n", i % 7));
    }
    text.push_str("}\n");
    let outcome = playbook::check_text("top.playbook", &text);
    assert_eq!(outcome.errors(), 0, "{:#?}", outcome.diagnostics);
    let program = outcome.program.unwrap();
    let engine = compile(program.clone());
    let out = run_test(&engine, &program.tests[0]);
    let ids: Vec<&str> = out.grants.iter().map(|g| g.target.id.as_str()).collect();
    assert_eq!(ids, ["m0006", "m0013", "m0020", "m0027", "m0034"]);
}
