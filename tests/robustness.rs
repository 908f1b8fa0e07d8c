//! No input makes `check` panic or exhaust the stack: pathological nesting, huge
//! files, random token soup and mutated examples.
//!
//! The property tests run briefly in CI; set `PROPTEST_CASES` for a long run.

use playbook::check_text;
use playbook::diagnostics::Code;
use proptest::prelude::*;

fn codes(text: &str) -> Vec<Code> {
    check_text("input.playbook", text)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

const PRELUDE: &str = "member { orders: int, spend: money }\n";

#[test]
fn hundred_thousand_nested_parentheses_are_a_clear_error() {
    let depth = 100_000;
    let text = format!(
        "{PRELUDE}segment s = {}orders{} == 1\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    assert_eq!(codes(&text), vec![Code::NestingTooDeep]);
}

#[test]
fn long_prefix_chains_are_a_clear_error() {
    for prefix in ["not ", "- ", "not -"] {
        let text = format!(
            "{PRELUDE}segment s = {}orders == 1\n",
            prefix.repeat(100_000)
        );
        assert!(
            codes(&text).contains(&Code::NestingTooDeep),
            "prefix {prefix:?}"
        );
    }
}

/// A flat chain is not nesting: a hundred thousand `+` (or `and`, `or`) in a row
/// check, as one level; a chain inside 100 levels of real nesting is one too many.
#[test]
fn long_operator_chains_are_one_level() {
    let sum = vec!["orders"; 100_000].join(" + ");
    let all = vec!["orders > 1"; 10_000].join(" and ");
    let any = vec!["orders > 1"; 10_000].join(" or ");
    let text = format!("{PRELUDE}segment a = {sum} > 1\nsegment b = {all}\nsegment c = {any}\n");
    assert_eq!(codes(&text), vec![Code::Unused; 3]);
    let sum = vec!["orders"; 1_000].join(" + ");
    let deep = |depth: usize| {
        format!(
            "{PRELUDE}segment s = {}{sum} > 1{}\n",
            "not (".repeat(depth),
            ")".repeat(depth)
        )
    };
    assert_eq!(codes(&deep(45)), vec![Code::Unused]);
    assert_eq!(codes(&deep(50)), vec![Code::NestingTooDeep]);
}

#[test]
fn deeply_nested_rewards_are_a_clear_error() {
    let depth = 50_000;
    let text = format!(
        "{PRELUDE}reward r = {}coupon ¥1{}\n",
        "lottery { 1% -> ".repeat(depth),
        " }".repeat(depth)
    );
    assert_eq!(codes(&text), vec![Code::NestingTooDeep]);
}

/// A date that is not a calendar date is one error at its place; no schedule is
/// then searched for ticks from a made-up year (which took seconds per `cron` rule).
#[test]
fn invalid_dates_in_active_and_during_are_one_error_each_and_stop_schedule_analysis() {
    let mut text = format!("playbook \"p\" {{ active 2026-04-00 .. 2026-05-01 }}\n{PRELUDE}");
    for i in 0..8 {
        text.push_str(&format!(
            "rule r{i} {{ cron \"*/5 * * * *\" give coupon ¥1 limit once per member }}\n"
        ));
    }
    text.push_str("rule d { cron \"0 3 * * *\" during 2026-02-30 .. 2026-13-01 give coupon ¥1 limit once per member }\n");
    let out = check_text("dates.playbook", &text);
    let found: Vec<(Code, &str)> = out
        .diagnostics
        .iter()
        .map(|d| (d.code, out.sources.get(d.span.file).slice(d.span)))
        .collect();
    assert_eq!(
        found,
        [
            (Code::InvalidLiteral, "2026-04-00"),
            (Code::InvalidLiteral, "2026-02-30"),
            (Code::InvalidLiteral, "2026-13-01"),
        ]
    );
    for d in &out.diagnostics {
        assert!(!d.message.contains("262"), "{}", d.message);
    }
}

/// `segment s0 = …`, `segment s1 = s0`, … `segment s{n-1} = s{n-2}`.
fn segment_chain(n: usize) -> String {
    let mut text = String::from(PRELUDE);
    text.push_str("segment s0 = orders > 0\n");
    for i in 1..n {
        text.push_str(&format!("segment s{i} = s{}\n", i - 1));
    }
    text
}

#[test]
fn a_chain_of_a_hundred_thousand_segments_is_one_clear_error() {
    let out = check_text("chain.playbook", &segment_chain(100_000));
    let errors: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code != Code::Unused)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let d = errors[0];
    assert_eq!(d.code, Code::NestingTooDeep);
    assert_eq!(out.sources.get(d.span.file).slice(d.span), "s255");
    assert!(
        d.message
            .contains("segment `s255` nests 257 levels deep through a chain of 256 segments"),
        "{}",
        d.message
    );
    assert!(
        d.label
            .contains("`s255` → `s254` → `s253` → … → `s1` → `s0`"),
        "{}",
        d.label
    );
}

/// Just below the limit, checking, compiling, evaluating and the test blocks all
/// work on an ordinary test thread's stack; and so does a chain whose every link
/// nests a few levels.
#[test]
fn chains_of_segments_just_below_the_limit_run() {
    let plain = segment_chain(254);
    let mut nested = String::from(PRELUDE);
    nested.push_str("segment s0 = orders > 0\n");
    for i in 1..62 {
        nested.push_str(&format!(
            "segment s{i} = not (not s{} and spend >= ¥0)\n",
            i - 1
        ));
    }
    for (text, last) in [(plain, 253), (nested, 61)] {
        let text = format!(
            "{text}rule r {{ every day at 10:00 when s{last} give coupon ¥1 limit once per member }}\n\
             test \"chain\" {{\n  at 2026-04-20 10:00\n  member a {{ orders: 1, spend: ¥0 }}\n  \
             member b {{ orders: 0, spend: ¥0 }}\n  expect a gets r\n  expect b gets nothing\n}}\n"
        );
        let out = check_text("chain.playbook", &text);
        assert_eq!(out.errors(), 0, "{:#?}", out.diagnostics);
        let result =
            playbook::app::test::run_file("chain.playbook".into(), out, &Default::default());
        assert_eq!(result.tests.len(), 1);
        assert!(
            result.tests[0].outcome.passed(),
            "{:#?}",
            result.tests[0].outcome
        );
    }
}

#[test]
fn moderate_nesting_is_fine() {
    let depth = 60;
    let text = format!(
        "{PRELUDE}segment s = {}orders{} == 1\nrule r {{ every day at 10:00 when s give coupon ¥1 limit once per member }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    assert_eq!(codes(&text), vec![]);
}

#[test]
fn ten_megabytes_of_declarations_check() {
    let mut text = String::from(PRELUDE);
    let mut i = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!(
            "segment 段{i} = orders >= {i} and spend >= ¥{i}\n"
        ));
        i += 1;
    }
    let out = check_text("big.playbook", &text);
    assert_eq!(out.errors(), 0);
    assert_eq!(out.warnings(), i, "every segment is unused");
}

#[test]
fn ten_megabytes_of_garbage_is_one_error_per_declaration_at_most() {
    let text = "§".repeat(5 * 1024 * 1024);
    let out = check_text("garbage.playbook", &text);
    assert_eq!(out.errors(), 1);
    assert_eq!(out.diagnostics[0].code, Code::Syntax);
}

/// Words and symbols the grammar knows, so that random input gets deep into it.
const TOKENS: &[&str] = &[
    "playbook",
    "member",
    "group",
    "event",
    "segment",
    "reward",
    "rule",
    "test",
    "use",
    "of",
    "top",
    "by",
    "where",
    "coupon",
    "over",
    "max",
    "on",
    "valid",
    "stackable",
    "off",
    "red_packet",
    "split",
    "random",
    "equal",
    "points",
    "gift",
    "worth",
    "lottery",
    "rest",
    "tier",
    "else",
    "experiment",
    "every",
    "day",
    "monday",
    "month",
    "at",
    "from",
    "to",
    "cron",
    "during",
    "for",
    "in",
    "when",
    "give",
    "limit",
    "once",
    "per",
    "total",
    "cap",
    "priority",
    "exclusive",
    "order",
    "asc",
    "desc",
    "and",
    "or",
    "not",
    "exists",
    "now",
    "today",
    "true",
    "expect",
    "gets",
    "nothing",
    "refused",
    "because",
    "budget",
    "spend",
    "ledger",
    "granted",
    "timezone",
    "active",
    "quiet",
    "seed",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "??",
    "->",
    "..",
    "?",
    "<text>",
    "int",
    "money",
    "time?",
    "set",
    "orders",
    "spend",
    "潜客",
    "新人礼包",
    "¥10",
    "￥1,000.5",
    "¥1.234",
    "7折",
    "10折",
    "50%",
    "30d",
    "2h",
    "2026-04-18",
    "2026-02-30",
    "2026-04-18 10:00",
    "20:00",
    "25:00",
    "42",
    "0.2",
    "\"淘宝\"",
    "\"a\\q\"",
    "clamp",
    "days_since",
    "// note\n",
    "\n",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..200).prop_map(|t| t.join(" "))
}

fn example_texts() -> Vec<String> {
    let mut texts = Vec::new();
    for entry in std::fs::read_dir("examples").expect("examples folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "playbook") {
            texts.push(std::fs::read_to_string(path).expect("example"));
        }
    }
    texts.push(include_str!("fixtures/spec_example.playbook").to_string());
    texts
}

/// An example with a few characters deleted, replaced or inserted.
fn mutated_example() -> impl Strategy<Value = String> {
    let texts = example_texts();
    (
        0..texts.len(),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                0u8..3,
                prop::sample::select(TOKENS),
            ),
            1..6,
        ),
    )
        .prop_map(move |(i, edits)| {
            let mut chars: Vec<char> = texts[i].chars().collect();
            for (at, kind, token) in edits {
                if chars.is_empty() {
                    break;
                }
                let at = at.index(chars.len());
                match kind {
                    0 => {
                        chars.remove(at);
                    }
                    1 => chars.splice(at..=at, token.chars()).for_each(drop),
                    _ => chars.splice(at..at, token.chars()).for_each(drop),
                }
            }
            chars.into_iter().collect()
        })
}

proptest! {
    // Short in CI; `PROPTEST_CASES=20000 cargo test --release --test robustness` for a long run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn token_soup_never_panics(text in token_soup()) {
        let out = check_text("soup.playbook", &text);
        for d in &out.diagnostics {
            prop_assert!(d.span.end <= text.len() && d.span.start <= d.span.end);
            prop_assert!(text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end));
        }
    }

    #[test]
    fn mutated_examples_never_panic(text in mutated_example()) {
        let out = check_text("mutated.playbook", &text);
        for d in &out.diagnostics {
            prop_assert!(d.span.end <= text.len() && d.span.start <= d.span.end);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = check_text("any.playbook", &text);
    }
}
