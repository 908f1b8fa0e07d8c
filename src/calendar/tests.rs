use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn china() -> &'static Calendar {
    Calendar::china()
}

/// The errors of a text, each as (the text its span covers, its message).
fn errors(text: &str) -> Vec<(&str, String)> {
    let errs = Calendar::china().with_overrides(text).unwrap_err();
    errs.into_iter()
        .map(|e| (&text[e.span.clone()], e.message))
        .collect()
}

#[test]
fn the_bundled_data_parses_and_covers_2018_to_2026() {
    let parsed = Calendar::parse(CHINA);
    assert!(parsed.is_ok(), "{:?}", parsed.err());
    let years: Vec<i32> = china().covered_years().collect();
    assert_eq!(years, (2018..=2026).collect::<Vec<_>>());
}

#[test]
fn every_covered_year_names_its_notice_and_url() {
    for year in china().covered_years() {
        let source = china().source(year).unwrap();
        assert!(
            source.contains(&format!("国务院办公厅关于{year}年部分节假日安排的通知")),
            "{year}: {source}"
        );
        assert!(source.contains("https://www.gov.cn/"), "{year}: {source}");
    }
    assert!(china().source(2019).unwrap().contains("调整2019年劳动节"));
    assert!(china().source(2020).unwrap().contains("延长2020年春节"));
    assert_eq!(china().source(2017), None);
}

#[test]
fn every_official_make_up_day_is_a_saturday_or_sunday() {
    for (date, listed) in &china().days {
        if !listed.off {
            assert!(
                matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
                "{date} {}",
                listed.name
            );
        }
    }
}

/// The 2026 notice (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04), typed
/// here again from its text, independently of china.txt.
fn notice_2026() -> BTreeMap<NaiveDate, (bool, &'static str)> {
    let mut days = BTreeMap::new();
    let off = [
        ("元旦", "2026-01-01", "2026-01-03"),
        ("春节", "2026-02-15", "2026-02-23"),
        ("清明节", "2026-04-04", "2026-04-06"),
        ("劳动节", "2026-05-01", "2026-05-05"),
        ("端午节", "2026-06-19", "2026-06-21"),
        ("中秋节", "2026-09-25", "2026-09-27"),
        ("国庆节", "2026-10-01", "2026-10-07"),
    ];
    for (name, from, to) in off {
        for day in d(from).iter_days().take_while(|x| *x <= d(to)) {
            days.insert(day, (true, name));
        }
    }
    let work = [
        ("元旦", "2026-01-04"),
        ("春节", "2026-02-14"),
        ("春节", "2026-02-28"),
        ("劳动节", "2026-05-09"),
        ("国庆节", "2026-09-20"),
        ("国庆节", "2026-10-10"),
    ];
    for (name, day) in work {
        days.insert(d(day), (false, name));
    }
    days
}

#[test]
fn every_day_of_2026_is_classified_as_the_notice_says() {
    let notice = notice_2026();
    for day in d("2026-01-01").iter_days().take_while(|x| x.year() == 2026) {
        let expected = match notice.get(&day) {
            Some((true, name)) => Day::Holiday { name },
            Some((false, name)) => Day::MakeUpWorkday { name },
            None if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) => Day::Weekend,
            None => Day::Workday,
        };
        assert_eq!(china().day(day), Ok(expected), "{day}");
    }
}

#[test]
fn working_days_per_month_of_2026() {
    // Counted from the notice: 248 working days in 2026.
    let expected = [21, 16, 22, 21, 19, 21, 23, 21, 22, 18, 21, 23];
    let mut counted = [0; 12];
    for day in d("2026-01-01").iter_days().take_while(|x| x.year() == 2026) {
        if china().is_workday(day).unwrap() {
            counted[day.month0() as usize] += 1;
        }
    }
    assert_eq!(counted, expected);
    assert_eq!(counted.iter().sum::<i32>(), 248);
}

#[test]
fn labour_day_2026() {
    let cal = china();
    assert_eq!(
        cal.day(d("2026-05-09")),
        Ok(Day::MakeUpWorkday { name: "劳动节" })
    );
    assert_eq!(
        cal.day(d("2026-05-04")),
        Ok(Day::Holiday { name: "劳动节" })
    );
    assert_eq!(cal.day(d("2026-05-06")), Ok(Day::Workday));
    assert_eq!(cal.day(d("2026-05-10")), Ok(Day::Weekend));
    assert_eq!(cal.is_workday(d("2026-05-09")), Ok(true));
    assert_eq!(cal.is_holiday(d("2026-05-09")), Ok(false));
    assert_eq!(cal.is_holiday(d("2026-05-02")), Ok(true));
    assert_eq!(cal.is_holiday(d("2026-05-10")), Ok(false));
    assert_eq!(Day::Holiday { name: "劳动节" }.name(), Some("劳动节"));
}

#[test]
fn a_notice_may_start_in_december_of_the_year_before() {
    // 2023's 元旦: 2022-12-31 .. 2023-01-02, from the 2023 notice.
    assert_eq!(
        china().day(d("2022-12-31")),
        Ok(Day::Holiday { name: "元旦" })
    );
    assert_eq!(
        china().day(d("2018-12-29")),
        Ok(Day::MakeUpWorkday { name: "元旦" })
    );
    // 2020: 春节 extended to 02-02; 02-01 no longer worked; 02-03 an ordinary Monday.
    assert_eq!(
        china().day(d("2020-02-01")),
        Ok(Day::Holiday { name: "春节" })
    );
    assert_eq!(china().day(d("2020-02-03")), Ok(Day::Workday));
}

#[test]
fn an_uncovered_year_is_an_error_naming_it() {
    let err = china().day(d("2027-03-01")).unwrap_err();
    assert_eq!(err, Uncovered { year: 2027 });
    let message = err.to_string();
    assert!(message.contains("no data for 2027"), "{message}");
    assert!(message.contains("`year 2027`"), "{message}");
    assert_eq!(
        china().is_workday(d("2017-06-01")),
        Err(Uncovered { year: 2017 })
    );
    assert!(!china().covers(2027));
    assert_eq!(
        china().first_uncovered(d("2025-06-01"), d("2027-02-01")),
        Some(2027)
    );
    assert_eq!(
        china().first_uncovered(d("2016-06-01"), d("2020-02-01")),
        Some(2016)
    );
    assert_eq!(
        china().first_uncovered(d("2020-01-01"), d("2026-12-31")),
        None
    );
    assert_eq!(
        china().first_uncovered(d("2026-12-31"), d("2020-01-01")),
        None
    );
}

const COMPANY: &str = "\
# 某公司 2026 calendar
公司年会 off 2026-01-30          // a Friday
补班     work 2026-03-07          # a Saturday
不调休   off 2026-05-09
\"Team offsite\" off 2026-10-08 .. 2026-10-09

year 2027
source 公司行政部通知 2026-12-01 https://intranet.example.com/notice#2027
元旦 off 2027-01-01
";

#[test]
fn an_override_adds_company_days_and_a_year() {
    let cal = china().with_overrides(COMPANY).unwrap();
    assert_eq!(
        cal.day(d("2026-01-30")),
        Ok(Day::Holiday {
            name: "公司年会"
        })
    );
    assert_eq!(
        cal.day(d("2026-03-07")),
        Ok(Day::MakeUpWorkday { name: "补班" })
    );
    // A later listing replaces the official one.
    assert_eq!(
        cal.day(d("2026-05-09")),
        Ok(Day::Holiday { name: "不调休" })
    );
    assert_eq!(
        cal.day(d("2026-10-09")),
        Ok(Day::Holiday {
            name: "Team offsite"
        })
    );
    // Official days the file leaves alone stay.
    assert_eq!(
        cal.day(d("2026-05-04")),
        Ok(Day::Holiday { name: "劳动节" })
    );
    assert_eq!(cal.day(d("2026-01-29")), Ok(Day::Workday));
    // The new year: its days follow the weekday rule unless listed.
    assert!(cal.covers(2027));
    assert_eq!(cal.day(d("2027-01-01")), Ok(Day::Holiday { name: "元旦" }));
    assert_eq!(cal.day(d("2027-01-04")), Ok(Day::Workday));
    assert_eq!(
        cal.source(2027),
        Some("公司行政部通知 2026-12-01 https://intranet.example.com/notice#2027")
    );
    assert_eq!(cal.first_uncovered(d("2026-01-01"), d("2027-12-31")), None);
    // The bundled calendar is unchanged.
    assert_eq!(
        china().day(d("2026-05-09")),
        Ok(Day::MakeUpWorkday { name: "劳动节" })
    );
    assert!(!china().covers(2027));
}

#[test]
fn an_override_source_is_added_to_the_official_one() {
    let cal = china()
        .with_overrides("year 2026\nsource 公司补充通知\n")
        .unwrap();
    let source = cal.source(2026).unwrap();
    assert!(source.starts_with("国务院办公厅关于2026年"), "{source}");
    assert!(source.ends_with("\n公司补充通知"), "{source}");
}

#[test]
fn the_format_reads_loosely_written_lines() {
    let text = "year 2026\n国庆加班 work 2026-10-10,2026-10-11，2026-10-17\r\n  休假 off 2026-08-03..2026-08-04 2026-08-06 # trailing\n";
    let cal = Calendar::parse(text).unwrap();
    assert_eq!(
        cal.day(d("2026-10-11")),
        Ok(Day::MakeUpWorkday {
            name: "国庆加班"
        })
    );
    assert_eq!(
        cal.day(d("2026-10-17")),
        Ok(Day::MakeUpWorkday {
            name: "国庆加班"
        })
    );
    assert_eq!(cal.day(d("2026-08-04")), Ok(Day::Holiday { name: "休假" }));
    assert_eq!(cal.day(d("2026-08-05")), Ok(Day::Workday));
    assert_eq!(cal.day(d("2026-08-06")), Ok(Day::Holiday { name: "休假" }));
    // The same day listed twice the same way is no conflict.
    assert!(
        Calendar::parse("year 2026\na off 2026-01-01 .. 2026-01-03\na off 2026-01-02\n").is_ok()
    );
}

#[test]
fn line_errors_with_their_spans() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "元旦 off 2026-02-30",
            "2026-02-30",
            "no such date: 2026-02-30",
        ),
        ("元旦 off 2026-13-01", "2026-13-01", "no such date"),
        (
            "元旦 off 26-01-01",
            "26-01-01",
            "expected a date like 2026-05-01",
        ),
        (
            "元旦 off 2026-01-03 .. 2026-01-01",
            "2026-01-03 .. 2026-01-01",
            "runs backwards",
        ),
        ("元旦 off 2026-01-01 ..", "..", "a range needs an end date"),
        (
            "元旦 off .. 2026-01-01",
            "..",
            "`..` needs a date before it",
        ),
        (
            "元旦 off 2026-01-01 .. 2026-01-03 work 2026-01-02",
            "2026-01-02",
            "both off and work",
        ),
        (
            "元旦 holiday 2026-01-01",
            "holiday",
            "unknown word `holiday`",
        ),
        ("元旦 off 2026-01-01 extra", "extra", "unknown word `extra`"),
        ("元旦 off", "off", "`off` needs at least one date"),
        (
            "元旦 off work 2026-01-04",
            "off",
            "`off` needs at least one date",
        ),
        ("元旦", "元旦", "needs `off` or `work`"),
        ("off 2026-01-01", "off", "needs the holiday's name"),
        ("2026-01-01 off", "2026-01-01", "starts with its name"),
        (
            "\"年会 off 2026-01-30",
            "\"年会 off 2026-01-30",
            "no closing",
        ),
        ("元旦 off 2025-05-01", "2025-05-01", "outside `year 2026`"),
        ("元旦 off 2025-11-30", "2025-11-30", "outside `year 2026`"),
        ("元旦 off 2027-01-01", "2027-01-01", "outside `year 2026`"),
        (
            "元旦 off 2025-12-01 .. 2027-01-01",
            "2025-12-01 .. 2027-01-01",
            "longer than a year",
        ),
        ("year 2027 2028", "2028", "unexpected `2028` after the year"),
        ("year next", "next", "`next` is not a year"),
        ("source", "source", "`source` needs the document"),
    ];
    for (line, spanned, message) in cases {
        let text = format!("year 2026\n{line}\n");
        let got = errors(&text);
        assert_eq!(got.len(), 1, "{line}: {got:?}");
        assert_eq!(got[0].0, *spanned, "{line}: {got:?}");
        assert!(got[0].1.contains(message), "{line}: {got:?}");
    }
}

#[test]
fn file_errors_with_their_spans() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "year 2026\n甲 off 2026-01-30\n乙 work 2026-01-30\n",
            "2026-01-30",
            "listed twice: off (甲) on line 2, work (乙) here",
        ),
        (
            "year 2026\n甲 off 2026-01-30\n乙 off 2026-01-29 .. 2026-01-30\n",
            "2026-01-29 .. 2026-01-30",
            "listed twice: off (甲) on line 2, off (乙) here",
        ),
        (
            "year 2026\nyear 2026\n",
            "year 2026",
            "declared twice (first on line 1)",
        ),
        (
            "年会 off 2030-01-30\n",
            "2030-01-30",
            "2030, which is not covered",
        ),
        ("source 通知\n", "source", "`source` outside a year"),
    ];
    for (text, spanned, message) in cases {
        let got = errors(text);
        assert_eq!(got.len(), 1, "{text}: {got:?}");
        assert_eq!(got[0].0, *spanned, "{text}: {got:?}");
        assert!(got[0].1.contains(message), "{text}: {got:?}");
    }
    // The duplicate points at its second listing.
    let text = "year 2026\n甲 off 2026-01-30\n乙 work 2026-01-30\n";
    let errs = Calendar::parse(text).unwrap_err();
    assert_eq!(errs[0].span.start, text.rfind("2026-01-30").unwrap());
    assert_eq!(
        errs[0].help.as_deref(),
        Some("list each day once in a file")
    );
}

#[test]
fn every_error_is_reported_in_text_order() {
    let text =
        "year 2026\n元旦 off 2026-02-30\n年会 frobnicate\n年会 off 2026-05-05 .. 2026-05-01\n";
    let got = errors(text);
    let spanned: Vec<&str> = got.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        spanned,
        ["2026-02-30", "frobnicate", "2026-05-05 .. 2026-05-01"]
    );
    // Byte spans, not character counts: the Chinese names before them are 3 bytes each.
    let errs = Calendar::parse(text).unwrap_err();
    assert_eq!(errs[0].span, 21..31);
}

#[test]
fn comments_do_not_cut_a_url_or_a_word() {
    let text = "// company days\nyear 2026 # covered\nsource https://a.example/x#y // z\n年会#1 off 2026-01-30\n";
    let cal = Calendar::parse(text).unwrap();
    assert_eq!(cal.source(2026), Some("https://a.example/x#y // z"));
    assert_eq!(
        cal.day(d("2026-01-30")),
        Ok(Day::Holiday { name: "年会#1" })
    );
}

proptest! {
    #[test]
    fn every_day_of_a_covered_year_classifies(offset in 0i64..(9 * 366)) {
        let day = d("2018-01-01") + chrono::Duration::days(offset);
        prop_assume!(day.year() <= 2026);
        let kind = china().day(day);
        prop_assert!(kind.is_ok());
        // Unlisted weekdays are workdays; a listed day is never ordinary.
        let listed = china().days.binary_search_by_key(&day, |(x, _)| *x).is_ok();
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        match kind.unwrap() {
            Day::Workday => prop_assert!(!listed && !weekend),
            Day::Weekend => prop_assert!(!listed && weekend),
            Day::Holiday { .. } | Day::MakeUpWorkday { .. } => prop_assert!(listed),
        }
    }

    #[test]
    fn a_written_calendar_reads_back_as_written(
        listed in proptest::collection::btree_map(0u32..365, any::<bool>(), 0..20),
        probe in 0u32..365,
    ) {
        let start = d("2025-01-01");
        let mut text = String::from("year 2025\n");
        for (i, (day, off)) in listed.iter().enumerate() {
            let date = start + chrono::Duration::days(i64::from(*day));
            let word = if *off { "off" } else { "work" };
            text.push_str(&format!("名{i} {word} {date}\n"));
        }
        let cal = Calendar::parse(&text).unwrap();
        let date = start + chrono::Duration::days(i64::from(probe));
        let got = cal.day(date).unwrap();
        match listed.get(&probe) {
            Some(true) => prop_assert!(got.is_holiday()),
            Some(false) => prop_assert!(got.is_workday() && got.name().is_some()),
            None if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) => {
                prop_assert_eq!(got, Day::Weekend)
            }
            None => prop_assert_eq!(got, Day::Workday),
        }
    }
}

#[test]
fn the_documented_examples_parse() {
    let doc = include_str!("../../docs/calendar.md");
    // The calendar-format blocks: fenced without a language (the playbook example
    // is fenced as `playbook`).
    let blocks: Vec<&str> = doc
        .split("\n```")
        .skip(1)
        .step_by(2)
        .filter_map(|b| b.strip_prefix('\n'))
        .collect();
    assert_eq!(blocks.len(), 2);
    assert!(
        Calendar::parse(blocks[0]).is_ok(),
        "{:?}",
        Calendar::parse(blocks[0]).err()
    );
    let cal = china().with_overrides(blocks[1]).unwrap();
    assert_eq!(
        cal.day(d("2026-01-30")),
        Ok(Day::Holiday {
            name: "公司年会"
        })
    );
    assert_eq!(
        cal.day(d("2026-03-07")),
        Ok(Day::MakeUpWorkday { name: "补班" })
    );
    assert_eq!(cal.day(d("2027-01-01")), Ok(Day::Holiday { name: "元旦" }));
}

#[test]
fn a_byte_order_mark_and_any_line_ending_are_read_like_playbook_files() {
    let text = "\u{FEFF}# 公司日历\r公司年会 off 2026-06-12\r\n仓库盘点 work 2026-06-14\n";
    let cal = china().with_overrides(text).unwrap();
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    assert_eq!(
        cal.day(d(6, 12)),
        Ok(Day::Holiday {
            name: "公司年会"
        })
    );
    assert_eq!(
        cal.day(d(6, 14)),
        Ok(Day::MakeUpWorkday {
            name: "仓库盘点"
        })
    );
    // Errors keep the file's own byte offsets, the mark included.
    let bad = "\u{FEFF}year 2026x\n";
    let errors = Calendar::parse(bad).unwrap_err();
    assert_eq!(&bad[errors[0].span.clone()], "2026x");
}
