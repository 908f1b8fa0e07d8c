//! The numbers each panel is drawn from, read off hand-made forecasts: they add up
//! to the forecast's own totals, and the day a budget ran out is the one marked.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::*;
use crate::app::simulate::{Day, Exhausted, Forecast, RuleTotal};
use crate::money::Fen;

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, day).unwrap()
}

/// A day on which each `(rule, fen)` granted once, with `refusals`.
fn day(spends: &[(&str, i64)], refusals: &[(Reason, u64)]) -> Day {
    let mut d = Day::default();
    for &(rule, fen) in spends {
        d.grants += 1;
        d.spend = d.spend.plus(Fen(fen));
        let entry = d.by_rule.entry(rule.to_owned()).or_default();
        entry.0 += 1;
        entry.1 = entry.1.plus(Fen(fen));
    }
    d.refusals = refusals.iter().copied().collect();
    d
}

/// A forecast of the days given, from May 1st, with rule totals summed from them.
fn forecast(rules: &[&str], days: Vec<Day>) -> Forecast {
    let days: Vec<(NaiveDate, Day)> = days
        .into_iter()
        .enumerate()
        .map(|(i, d)| (date(1 + i as u32), d))
        .collect();
    let rules = rules
        .iter()
        .map(|r| {
            let mut t = RuleTotal::default();
            for (_, d) in &days {
                if let Some((n, v)) = d.by_rule.get(*r) {
                    t.grants += n;
                    t.spend = t.spend.plus_sum(*v);
                }
            }
            (r.to_string(), t)
        })
        .collect();
    Forecast {
        from: date(1),
        to: days.last().map_or(date(1), |(d, _)| *d),
        timezone: chrono_tz::Asia::Shanghai,
        days,
        rules,
        budget_total: Some(Fen(100_000)),
        budget_per_day: Some(Fen(30_000)),
        budget_exhausted: None,
        cap_reached: None,
        ledger_grants_before: 0,
        spend: crate::app::run::Spend::Granted,
        spent_before: None,
        ledger_days: BTreeMap::new(),
    }
}

fn three_days() -> Forecast {
    forecast(
        &["早安红包", "晚间红包", "沉睡唤醒"],
        vec![
            day(&[("早安红包", 10_000), ("晚间红包", 5_000)], &[]),
            day(&[], &[(Reason::Limit, 2)]),
            day(
                &[("早安红包", 10_000), ("晚间红包", 19_000)],
                &[(Reason::Budget, 3), (Reason::Cap, 1)],
            ),
        ],
    )
}

#[test]
fn spend_to_date_ends_at_the_forecast_total_and_each_day_adds_its_spend() {
    let f = three_days();
    let p = Panels::of(&f);
    assert_eq!(p.labels, ["05-01", "05-02", "05-03"]);
    assert_eq!(p.cumulative, [15_000, 15_000, 44_000]);
    assert_eq!(p.cumulative.last().copied(), Some(f.total().1.0));
    assert_eq!((p.total, p.per_day), (Some(100_000), Some(30_000)));
}

#[test]
fn the_allowance_is_the_daily_budget_times_the_days_up_to_the_total() {
    let mut f = three_days();
    assert_eq!(Panels::of(&f).allowance, Some(vec![30_000, 60_000, 90_000]));
    f.budget_total = Some(Fen(50_000));
    assert_eq!(Panels::of(&f).allowance, Some(vec![30_000, 50_000, 50_000]));
    f.budget_per_day = None;
    assert_eq!(Panels::of(&f).allowance, None);
}

#[test]
fn the_rules_bars_add_up_to_each_days_spend_and_leave_out_rules_that_spent_nothing() {
    let f = three_days();
    let p = Panels::of(&f);
    let names: Vec<&str> = p.rules.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        names,
        ["早安红包", "晚间红包"],
        "declaration order, 沉睡唤醒 spent nothing"
    );
    assert!(!p.others);
    let series: Vec<&[i128]> = p.rules.iter().map(|(_, d)| d.as_slice()).collect();
    let spend: Vec<i128> = f.days.iter().map(|(_, d)| d.spend.0).collect();
    assert_eq!(stacked(&series, f.days.len()), spend);
}

#[test]
fn past_nine_rules_the_smallest_spenders_are_one_series_and_days_still_add_up() {
    let names: Vec<String> = (1..=12).map(|i| format!("规则{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    // Rule i spends i yuan on day 1 and 2i on day 2.
    let d1: Vec<(&str, i64)> = refs
        .iter()
        .enumerate()
        .map(|(i, r)| (*r, 100 * (i as i64 + 1)))
        .collect();
    let d2: Vec<(&str, i64)> = refs
        .iter()
        .enumerate()
        .map(|(i, r)| (*r, 200 * (i as i64 + 1)))
        .collect();
    let f = forecast(&refs, vec![day(&d1, &[]), day(&d2, &[])]);
    let p = Panels::of(&f);
    let shown: Vec<&str> = p.rules.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        shown,
        [
            "规则5",
            "规则6",
            "规则7",
            "规则8",
            "规则9",
            "规则10",
            "规则11",
            "规则12",
            "4 other rules"
        ]
    );
    assert!(p.others);
    assert_eq!(p.rules[8].1, [1_000, 2_000], "rules 1 to 4: ¥10 and ¥20");
    let series: Vec<&[i128]> = p.rules.iter().map(|(_, d)| d.as_slice()).collect();
    let spend: Vec<i128> = f.days.iter().map(|(_, d)| d.spend.0).collect();
    assert_eq!(stacked(&series, 2), spend);
}

#[test]
fn refusals_are_counted_per_day_for_the_reasons_that_refused_anything() {
    let f = three_days();
    let p = Panels::of(&f);
    assert_eq!(
        p.reasons,
        [
            (Reason::Limit, vec![0, 2, 0]),
            (Reason::Cap, vec![0, 0, 1]),
            (Reason::Budget, vec![0, 0, 3]),
        ]
    );
    let series: Vec<&[u64]> = p.reasons.iter().map(|(_, d)| d.as_slice()).collect();
    let per_day: Vec<u64> = f
        .days
        .iter()
        .map(|(_, d)| d.refusals.values().sum())
        .collect();
    assert_eq!(stacked(&series, 3), per_day);
}

#[test]
fn the_day_a_budget_ran_out_is_marked_with_its_local_time() {
    let mut f = three_days();
    assert_eq!(Panels::of(&f).exhausted, None);
    // 2026-05-03 20:00 in Shanghai.
    let at = crate::time::day_start(f.timezone, date(3)) + 20 * 3600;
    f.budget_exhausted = Some(Exhausted {
        reason: Reason::Budget,
        at,
        date: date(3),
        message: "budget ¥300 per day: ¥290 used, this needs ¥60".to_owned(),
        refused: BTreeMap::new(),
    });
    assert_eq!(
        Panels::of(&f).exhausted,
        Some((2, "budget ran out 05-03 20:00".to_owned()))
    );
}

#[test]
fn axes_end_on_a_round_tick_at_or_above_the_highest_value() {
    // ¥41,600 → steps of ¥10,000 up to ¥50,000.
    assert_eq!(
        ticks(4_160_000, true),
        [0, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000]
    );
    // ¥2,080 → steps of ¥500 (¥250 would need 9).
    assert_eq!(ticks(208_000, true).last(), Some(&250_000));
    // Counts step by whole numbers.
    assert_eq!(ticks(9, false), [0, 2, 4, 6, 8, 10]);
    assert_eq!(ticks(0, false), [0, 1]);
    assert_eq!(ticks(3, false), [0, 1, 2, 3]);
    // Nothing spent still draws an axis: ¥0 to ¥1.
    assert_eq!(ticks(0, true), [0, 20, 40, 60, 80, 100]);
    for highest in [1, 7, 99, 101, 12_345, 999_999, 31_200_000, i64::MAX as i128] {
        for money in [true, false] {
            let t = ticks(highest, money);
            let top = *t.last().unwrap();
            assert!(top >= highest, "{highest} {money}: {t:?}");
            assert!(t.len() <= 8, "{highest} {money}: {t:?}");
            let step = t[1];
            assert!(t.windows(2).all(|w| w[1] - w[0] == step));
        }
    }
}

#[test]
fn long_legend_entries_are_cut_by_display_width() {
    assert_eq!(fit("早安红包"), "早安红包");
    let long = "超".repeat(20);
    let cut = fit(&long);
    assert_eq!(cut, format!("{}…", "超".repeat(14)));
    assert!(cut.width() <= MAX_LABEL);
    let exact = "a".repeat(MAX_LABEL);
    assert_eq!(fit(&exact), exact);
}

#[test]
fn the_svg_is_the_same_for_the_same_forecast_and_names_every_rule() {
    let f = three_days();
    let svg = forecast_svg(&f, "店主群 <Q2>").unwrap();
    assert_eq!(svg, forecast_svg(&f, "店主群 <Q2>").unwrap());
    assert!(svg.starts_with("<svg"));
    for name in [
        "早安红包",
        "晚间红包",
        "店主群 &lt;Q2&gt;",
        "total budget ¥1,000",
        "sans-serif",
    ] {
        assert!(svg.contains(name), "{name}");
    }
    let html = forecast_html(&f, "店主群 <Q2>").unwrap();
    assert!(html.contains("<title>店主群 &lt;Q2&gt; — forecast 2026-05-01 to 2026-05-03</title>"));
    assert!(html.contains(&svg));
}
