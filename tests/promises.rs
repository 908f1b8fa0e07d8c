//! The engine's promises against adversarial playbooks: every case here was once a
//! way to lose money or trust, and each test is named after it.

use playbook::check_text;

const HEADER: &str = r#"playbook "promises" {
  timezone "Asia/Shanghai"
  active 2026-04-18 .. 2026-05-31
  budget ¥10 total
  point_value ¥0.01
}

member { orders: int  spend: money }
event order_paid { amount: money }
"#;

/// The codes `check` reports for `HEADER` followed by `body`, in order.
fn codes(body: &str) -> Vec<String> {
    let out = check_text("promises.playbook", &format!("{HEADER}{body}"));
    out.diagnostics
        .iter()
        .filter(|d| d.code.code().starts_with('E'))
        .map(|d| d.code.code().to_string())
        .collect()
}

/// The messages `check` reports, for asserting what a diagnostic says.
fn messages(body: &str) -> Vec<String> {
    let out = check_text("promises.playbook", &format!("{HEADER}{body}"));
    out.diagnostics
        .iter()
        .filter(|d| d.code.code().starts_with('E'))
        .map(|d| d.message.clone())
        .collect()
}

fn rule(give: &str) -> String {
    format!("rule r {{\n  every day at 10:00\n  give {give}\n  limit once per member per day\n}}\n")
}

#[test]
fn negative_points_cannot_offset_a_budget() {
    // With point_value ¥0.01, `points -1000` was a ¥-10 grant that let ¥30 of red
    // packets through a ¥10 budget.
    let body = format!(
        "{}{}",
        rule("points -1000"),
        rule("red_packet ¥10").replace("rule r", "rule r2")
    );
    assert_eq!(codes(&body), ["E0309"]);
    assert_eq!(messages(&body), ["`points -1000` would take points away"]);
}

#[test]
fn zero_points_are_a_check_error() {
    assert_eq!(codes(&rule("points 0")), ["E0309"]);
}

#[test]
fn computed_points_whose_bound_is_below_one_are_a_check_error() {
    assert_eq!(codes(&rule("points min(orders * 10, 0)")), ["E0309"]);
    assert_eq!(codes(&rule("points max(orders * 10, 0)")), ["E0309"]);
    assert_eq!(
        codes(&rule("points max(orders * 10, 1)")),
        Vec::<String>::new()
    );
    assert_eq!(codes(&rule("points 10")), Vec::<String>::new());
}

#[test]
fn a_gift_without_a_name_is_a_check_error() {
    assert_eq!(codes(&rule("gift \"\"")), ["E0309"]);
    assert_eq!(codes(&rule("gift \"  \" worth ¥5")), ["E0309"]);
}

#[test]
fn a_coupon_on_nothing_is_a_check_error() {
    assert_eq!(codes(&rule("coupon ¥5 over ¥50 on \"\"")), ["E0309"]);
}

#[test]
fn reversed_clamp_bounds_are_a_check_error() {
    let on_order = |give: &str| {
        format!("rule r {{\n  on order_paid\n  give {give}\n  limit once per member per day\n}}\n")
    };
    assert_eq!(
        codes(&on_order("red_packet clamp(event.amount * 1%, ¥5, ¥1)")),
        ["E0206"]
    );
    assert_eq!(
        codes(&on_order("red_packet clamp(event.amount * 1%, ¥1, ¥5)")),
        Vec::<String>::new()
    );
    // Bounds that are themselves computed: `max(…, ¥6)` is never below ¥6.
    assert_eq!(
        codes(&on_order(
            "red_packet clamp(event.amount * 1%, max(event.amount * 1%, ¥6), ¥5)"
        )),
        ["E0206"]
    );
}

#[test]
fn min_and_max_written_the_wrong_way_round_are_a_check_error() {
    let on_order = |give: &str| {
        format!("rule r {{\n  on order_paid\n  give {give}\n  limit once per member per day\n}}\n")
    };
    // `min(max(x, ¥5), ¥1)` is ¥1 whatever the order: the bounds are reversed.
    assert_eq!(
        codes(&on_order("red_packet min(max(event.amount * 1%, ¥5), ¥1)")),
        ["E0206"]
    );
    assert_eq!(
        codes(&on_order("red_packet max(min(event.amount * 1%, ¥1), ¥5)")),
        ["E0206"]
    );
    assert_eq!(
        codes(&on_order("red_packet min(max(event.amount * 1%, ¥1), ¥5)")),
        Vec::<String>::new()
    );
    // In conditions too.
    assert_eq!(
        codes(
            "segment 大单 = clamp(spend, ¥500, ¥100) > ¥200\nrule r { every day at 10:00 when 大单 give points 10 limit once per member per day }\n"
        ),
        ["E0206"]
    );
}

#[test]
fn one_experiment_with_two_splits_is_a_check_error() {
    let body = "rule a { every day at 10:00 give experiment \"面额\" { A 50% -> coupon ¥5  B 50% -> coupon ¥10 } limit once per member }
rule b { every day at 11:00 give experiment \"面额\" { A 50% -> red_packet ¥1  B 50% -> red_packet ¥2 } limit once per member }
";
    // The same arms and shares with other rewards: one split, no error.
    assert_eq!(codes(body), Vec::<String>::new());
    assert_eq!(
        codes(&body.replace("B 50% -> red", "C 50% -> red")),
        ["E0310"]
    );
    assert_eq!(
        codes(&body.replace(
            "A 50% -> red_packet ¥1  B 50%",
            "A 20% -> red_packet ¥1  B 80%"
        )),
        ["E0310"]
    );
}

#[test]
fn a_former_name_that_is_still_a_rule_is_a_check_error() {
    let body = "rule 入群 { every day at 10:00 give points 5 limit once per member }
rule 入群红包 { renamed from \"入群\" every day at 11:00 give points 5 limit once per member }
";
    assert_eq!(codes(body), ["E0102"]);
    assert_eq!(
        messages(body),
        ["`入群` is still a rule: its grants cannot also be `入群红包`'s"]
    );
}

#[test]
fn two_rules_renamed_from_one_name_is_a_check_error() {
    let body =
        "rule a { renamed from \"旧\" every day at 10:00 give points 5 limit once per member }
rule b { renamed from \"老\", \"旧\" every day at 11:00 give points 5 limit once per member }
";
    assert_eq!(codes(body), ["E0102"]);
    assert_eq!(messages(body), ["two rules are renamed from `旧`"]);
}

#[test]
fn renamed_from_and_retired_survive_formatting() {
    let text = format!(
        "{}rule b {{ renamed from \"老\", \"旧\" every day at 11:00 give points 5 limit once per member }}\n",
        HEADER.replace(
            "  point_value",
            "  renamed from \"旧名\"\n  retired \"签到\", \"打卡\"\n  point_value"
        )
    );
    let formatted =
        playbook::format::format_source(playbook::source::FileId(0), &text).expect("formats");
    assert!(
        formatted.contains("  renamed from \"旧名\"\n  retired \"签到\", \"打卡\"\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains("  renamed from \"老\", \"旧\"\n"),
        "{formatted}"
    );
    let out = check_text("promises.playbook", &formatted);
    let program = out.program.expect("checks");
    assert_eq!(program.settings.renamed_from, ["旧名"]);
    assert_eq!(program.settings.retired, ["签到", "打卡"]);
    assert_eq!(program.rules[0].renamed_from, ["老", "旧"]);
}

// ------------------------------------------------ what Chinese input methods type

const FULL_WIDTH: &str = "playbook \"全角\" ｛
  timezone “Asia/Shanghai”
  active 2026-04-18 .. 2026-05-31
  budget ¥1，000 total，¥100 per day
｝
member ｛ orders：int， spend: money， tags: set＜text＞ ｝
segment 老客 ＝ （orders ＞= 2） and spend ＞＝ ¥500 and orders ！= 9 and \"a\" in tags
rule r ｛
  every day at 10：00
  when 老客 and orders ＜ 50
  give coupon 10％ off max ¥5 on “会员“专区”， red_packet ¥1
  limit once per member
｝
";

#[test]
fn full_width_punctuation_is_read_as_ascii_and_fmt_normalises_it() {
    let out = check_text("全角.playbook", FULL_WIDTH);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let program = out.program.expect("checks");
    assert_eq!(
        program.settings.budget_total,
        Some(playbook::money::Fen(100_000))
    );
    let formatted =
        playbook::format::format_source(playbook::source::FileId(0), FULL_WIDTH).expect("formats");
    for c in [
        '｛', '｝', '，', '：', '（', '）', '＞', '＝', '＜', '！', '％', '“',
    ] {
        assert!(
            !formatted.replace("会员“专区", "").contains(c),
            "{c} left in:\n{formatted}"
        );
    }
    assert!(
        formatted.contains("budget ¥1,000 total, ¥100 per day"),
        "{formatted}"
    );
    assert!(
        formatted.contains("segment 老客 = orders >= 2 and spend >= ¥500"),
        "{formatted}"
    );
    // A “…” string keeps what is inside it, an ASCII “ included.
    assert!(formatted.contains("on \"会员“专区\""), "{formatted}");
    assert!(formatted.contains("every day at 10:00"), "{formatted}");
}

/// The help of the one error `text` gives.
fn only_help(text: &str) -> String {
    let out = check_text("typed.playbook", text);
    let errors: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code.code().starts_with('E'))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].help.clone().unwrap_or_default()
}

#[test]
fn full_width_punctuation_the_language_does_not_read_gets_the_exact_fix() {
    let help = only_help("member { orders: int }\nsegment a = orders >= 2。\n");
    assert_eq!(
        help,
        "`。` is full-width punctuation; type `.` (switch the input method to half-width 英文标点)"
    );
    let help = only_help("member { orders: int }\nsegment a = orders >= 2；\n");
    assert_eq!(
        help,
        "`；` is full-width punctuation the language does not use; remove it"
    );
}

#[test]
fn a_duration_in_chinese_gets_the_exact_fix() {
    let help = only_help("reward c = coupon ¥5 valid 30天\n");
    assert!(help.starts_with("durations are written `30d`"), "{help}");
}

#[test]
fn money_without_a_yen_sign_gets_the_exact_fix() {
    let help = only_help("reward c = coupon ¥5 over 300\n");
    assert_eq!(help, "money is written with a yen sign: `over ¥300`");
}

#[test]
fn an_unknown_event_does_not_hide_the_rules_other_errors() {
    let body = "rule r {\n  on join where event.x > 1\n  when orderz > 1\n  give red_packet ¥0.001\n  limit once per member\n}\n";
    // The unknown event, the misspelt field, the bad literal: each once, and no
    // complaint about `event.x`, whose type cannot be known.
    let codes = codes(body);
    assert_eq!(codes, ["E0101", "E0101", "E0003"], "{codes:?}");
}

#[test]
fn an_invalid_percent_does_not_add_a_false_range_error() {
    assert_eq!(codes(&rule("coupon 33.333% off max ¥5")), ["E0003"]);
    assert_eq!(
        codes(&rule(
            "experiment \"e\" { A 33.333% -> points 1  B 33.333% -> points 2  C 33.334% -> points 3 }"
        )),
        ["E0003", "E0003", "E0003"]
    );
    assert_eq!(
        codes(&rule("lottery { 50.555% -> points 1  rest -> points 2 }")),
        ["E0003"]
    );
}

#[test]
fn else_written_first_in_a_tier_gets_a_clear_message() {
    let body = "segment 老客 = orders >= 2\n".to_string()
        + &rule("tier { else -> points 5  老客 -> points 10 }");
    assert_eq!(messages(&body), ["`else` must be the last arm"]);
    let body = rule("tier by orders { else -> coupon ¥5  >= 2 -> coupon ¥10 }");
    assert_eq!(messages(&body), ["`else` must be the last arm"]);
    let body = rule("lottery { rest -> points 5  10% -> points 10 }");
    assert_eq!(messages(&body), ["`rest` must be the last arm"]);
    let body = rule("lottery { 10% -> points 10  rest -> points 5  rest -> points 6 }");
    assert_eq!(messages(&body), ["a second `rest` arm"]);
}

/// Every code, warnings included, `check` reports for `text`.
fn all_codes(text: &str) -> Vec<String> {
    check_text("lints.playbook", text)
        .diagnostics
        .iter()
        .map(|d| d.code.code().to_string())
        .collect()
}

#[test]
fn a_daily_budget_above_the_total_budget_is_a_warning() {
    let text = "playbook \"b\" {\n  budget ¥5,000 total, ¥50,000 per day\n}\n";
    assert_eq!(all_codes(text), ["W0005"]);
    assert!(all_codes("playbook \"b\" {\n  budget ¥5,000 total, ¥500 per day\n}\n").is_empty());
}

#[test]
fn red_packet_limits_beyond_wechats_warn() {
    let text = "playbook \"b\" {\n  red_packet_limits ¥1 .. ¥500\n}\n";
    assert_eq!(all_codes(text), ["W0005"]);
    assert!(all_codes("playbook \"b\" {\n  red_packet_limits ¥1 .. ¥200\n}\n").is_empty());
}

#[test]
fn the_no_limit_warning_suggests_a_clause_valid_for_group_rules() {
    let text = "group { kind: text }\nsegment 福利群 of group = kind == \"福利\"\nrule 晚八点 { every day at 20:00 for group in 福利群 give red_packet ¥10 split 5 random }\n";
    let out = check_text("lints.playbook", text);
    let help = out.diagnostics[0].help.clone().unwrap();
    assert!(
        help.starts_with("add `limit 1 per group per day`"),
        "{help}"
    );
}

#[test]
fn a_segment_tier_arm_implied_by_an_earlier_one_is_unreachable() {
    let body = "segment 老客 = orders >= 2\nsegment 忠诚 = orders >= 5 and spend >= ¥1,000\n"
        .to_string()
        + &rule("tier { 老客 -> points 10  忠诚 -> points 50 }");
    assert_eq!(all_codes(&format!("{HEADER}{body}")), ["W0001", "W0004"]);
    // The narrower arm first is right.
    let body = body.replace(
        "老客 -> points 10  忠诚 -> points 50",
        "忠诚 -> points 50  老客 -> points 10",
    );
    assert_eq!(all_codes(&format!("{HEADER}{body}")), ["W0001"]);
}

#[test]
fn a_lottery_whose_arms_reach_100_percent_before_rest_warns() {
    let body = rule("lottery { 60% -> points 1  40% -> points 2  rest -> points 3 }");
    assert_eq!(all_codes(&format!("{HEADER}{body}")), ["W0001", "W0004"]);
}

#[test]
fn a_plain_number_compared_with_money_gets_the_exact_fix() {
    let body = "segment 大户 = spend >= 500\n".to_string() + &rule("points 10 ");
    let out = check_text("p.playbook", &format!("{HEADER}{body}"));
    let d = out
        .diagnostics
        .iter()
        .find(|d| d.code.code() == "E0201")
        .expect("a type mismatch");
    assert_eq!(
        d.help.as_deref(),
        Some("money is written with a yen sign: `¥500`")
    );
}

#[test]
fn a_step_that_does_not_divide_a_day_is_treated_as_every_0h() {
    let schedule = |every: &str| {
        codes(&format!(
            "rule r {{ every {every} from 09:00 to 21:00 give points 1 limit 1 per member per day }}\n"
        ))
    };
    assert_eq!(schedule("0h"), ["E0403"]);
    assert_eq!(schedule("5h"), ["E0403"]);
    assert_eq!(schedule("7m"), ["E0403"]);
    assert_eq!(schedule("3h"), Vec::<String>::new());
    assert_eq!(schedule("90m"), Vec::<String>::new());
}

#[test]
fn a_division_whose_divisor_can_be_zero_is_a_check_error_unless_guarded() {
    let segment = |def: &str| {
        codes(&format!(
            "segment s = {def}\n{}",
            rule("points 1").replace("every day at 10:00", "every day at 10:00\n  when s")
        ))
    };
    assert_eq!(segment("30 / orders >= 10"), ["E0207"]);
    assert_eq!(segment("spend / orders > ¥100"), ["E0207"]);
    assert!(segment("orders > 0 and 30 / orders >= 10").is_empty());
    assert!(segment("orders >= 1 and spend / orders > ¥100").is_empty());
    assert!(segment("orders == 0 or spend / orders > ¥100").is_empty());
    assert!(segment("not (orders <= 0) and 30 / orders >= 10").is_empty());
    assert!(segment("spend / max(orders, 1) > ¥100").is_empty());
    // A guard on another field, or one that allows zero, guards nothing.
    assert_eq!(segment("spend > ¥0 and 30 / orders >= 10"), ["E0207"]);
    assert_eq!(segment("orders >= 0 and 30 / orders >= 10"), ["E0207"]);
}

#[test]
fn a_rules_when_and_a_tier_arm_guard_the_division_in_their_rewards() {
    let guarded = "rule r {\n  every day at 10:00\n  when orders > 0\n  give red_packet clamp(spend / orders * 1%, ¥1, ¥5)\n  limit once per member\n}\n";
    assert!(codes(guarded).is_empty(), "{:?}", codes(guarded));
    assert_eq!(
        codes(&guarded.replace("  when orders > 0\n", "")),
        ["E0207"]
    );
    let tier = rule(
        "tier { orders > 0 -> red_packet clamp(spend / orders * 1%, ¥1, ¥5)  else -> points 1 }",
    );
    assert!(codes(&tier).is_empty(), "{:?}", codes(&tier));
    let message = messages(&rule("red_packet clamp(spend / orders, ¥1, ¥5)"));
    assert_eq!(
        message,
        ["`spend / orders` divides by `orders`, which can be 0"]
    );
}
