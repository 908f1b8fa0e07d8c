//! Turning pest's parse errors into `syntax-error` diagnostics a person can act on:
//! what was found, what would have fitted, and a hint for the usual slips.

use std::collections::BTreeSet;

use pest::error::{ErrorVariant, InputLocation};

use super::grammar::{Rule, is_infix};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Converts a pest error in `text` (which starts at byte `base` of the file).
pub(super) fn from_pest(
    error: pest::error::Error<Rule>,
    file: FileId,
    base: usize,
    text: &str,
) -> Diagnostic {
    let at = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let found = token_at(text, at);
    let span = Span::new(file, base + at, base + at + found.len());
    let mut expected = BTreeSet::new();
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        expected.extend(positives.iter().filter_map(|r| describe(*r)));
    }
    if let Some(attempts) = error.parse_attempts().filter(|a| a.max_position == at) {
        for token in attempts.expected_tokens() {
            // Only literal punctuation (`{`, `->`, `..`) adds to what the rules say.
            let token = token.to_string();
            if token != "//" && token.chars().all(|c| c.is_ascii_punctuation()) {
                expected.insert(format!("`{token}`"));
            }
        }
    }
    if let ErrorVariant::CustomError { message } = &error.variant {
        // pest's own guards: call or stack limit.
        return Diagnostic::new(
            Code::NestingTooDeep,
            span,
            format!("the parser gave up here: {message}"),
        )
        .label("too deep or too long")
        .help("split the playbook into smaller declarations");
    }
    let found_text = if found.is_empty() {
        "end of file".to_string()
    } else {
        format!("`{found}`")
    };
    let expected_text = join_or(expected.iter().map(String::as_str).collect());
    let message = if expected_text.is_empty() {
        format!("unexpected {found_text}")
    } else {
        format!("expected {expected_text}, found {found_text}")
    };
    let mut d = Diagnostic::new(Code::Syntax, span, message).label(if found.is_empty() {
        "the file ends here".to_string()
    } else {
        format!("unexpected {found_text}")
    });
    let after = text
        .get(at + found.len()..)
        .map_or("", |rest| rest.trim_start_matches([' ', '\t']));
    if let Some(help) = hint(&found, &expected).or_else(|| option_hint(&found, after)) {
        d = d.help(help);
    }
    d
}

/// The token starting at `at`: a word, a number with its unit, or one symbol.
fn token_at(text: &str, at: usize) -> String {
    let rest = text.get(at..).unwrap_or("");
    let mut chars = rest.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    if first.is_alphanumeric() || first == '_' || first == '¥' || first == '￥' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '¥' | '￥' | '.' | ',' | '%'))
            .take(40)
            .collect::<String>()
            .trim_end_matches([',', '.'])
            .to_string()
    } else {
        let two: String = rest.chars().take(2).collect();
        if ["->", "==", "!=", "<=", ">=", "??", "..", "//"].contains(&two.as_str()) {
            two
        } else {
            first.to_string()
        }
    }
}

fn join_or(items: Vec<&str>) -> String {
    const MOST: usize = 8;
    let shown: Vec<&str> = items.iter().copied().take(MOST).collect();
    match shown.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] if items.len() <= MOST => format!("{} or {last}", init.join(", ")),
        _ => format!("{}, …", shown.join(", ")),
    }
}

fn hint(found: &str, expected: &BTreeSet<String>) -> Option<String> {
    let wants = |s: &str| expected.iter().any(|e| e.contains(s));
    let first = found.chars().next()?;
    if let Some(ascii) = half_width(first) {
        return Some(if ",:()[]{}=<>!%.-+*/?\"".contains(ascii) {
            format!(
                "`{first}` is full-width punctuation; type `{ascii}` (switch the input method to half-width 英文标点)"
            )
        } else {
            format!("`{first}` is full-width punctuation the language does not use; remove it")
        });
    }
    if first.is_ascii_digit() && wants("a duration") {
        return Some(duration_help(found));
    }
    if first.is_ascii_digit() && wants("an amount") && !wants("a whole number") {
        return Some(format!("money is written with a yen sign: `¥{found}`"));
    }
    if found == "=" && wants("`==`") {
        return Some("comparison is written `==`".to_string());
    }
    if found == "&" || found == "|" || found == "!" {
        return Some("boolean operators are the words `and`, `or`, `not`".to_string());
    }
    if wants("a name") && is_reserved(found) {
        return Some(format!(
            "`{found}` is a reserved word and cannot be used as a name"
        ));
    }
    None
}

/// A coupon option whose value is mistyped ends the reward before it, so the error
/// lands on the option's keyword; say what its value should look like.
fn option_hint(found: &str, after: &str) -> Option<String> {
    let value = token_at(after, 0);
    if !value.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    match found {
        "valid" => Some(duration_help(&value)),
        "over" | "max" => Some(format!(
            "money is written with a yen sign: `{found} ¥{value}`"
        )),
        _ => None,
    }
}

fn duration_help(value: &str) -> String {
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    format!("durations are written `{digits}d`: `d` days, `h` hours, `m` minutes, `w` weeks")
}

/// The ASCII character an input method's full-width punctuation stands for, for
/// the full-width characters the grammar does not read as such.
fn half_width(c: char) -> Option<char> {
    match c {
        '。' => Some('.'),
        '、' => Some(','),
        '‘' | '’' => Some('\''),
        '【' => Some('['),
        '】' => Some(']'),
        '《' => Some('<'),
        '》' => Some('>'),
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        _ => None,
    }
}

fn is_reserved(word: &str) -> bool {
    matches!(
        word,
        "and"
            | "or"
            | "not"
            | "in"
            | "exists"
            | "true"
            | "false"
            | "now"
            | "today"
            | "event"
            | "member"
            | "group"
            | "by"
            | "where"
            | "split"
            | "asc"
            | "desc"
            | "else"
            | "rest"
            | "rule"
            | "segment"
            | "reward"
            | "playbook"
            | "test"
    )
}

/// How a grammar rule is named in a message; `None` hides rules that say nothing new.
fn describe(rule: Rule) -> Option<String> {
    let name = format!("{rule:?}");
    if let Some(kw) = name.strip_prefix("kw_") {
        return Some(format!("`{kw}`"));
    }
    if is_infix(rule) {
        return Some("an operator".to_string());
    }
    let text = match rule {
        Rule::EOI => "end of file",
        Rule::ident | Rule::reward_ref | Rule::path_root | Rule::path | Rule::call_name => "a name",
        Rule::expr
        | Rule::paren
        | Rule::list
        | Rule::exists
        | Rule::call
        | Rule::op_not
        | Rule::op_neg => "an expression",
        Rule::money => "an amount (`¥10`)",
        Rule::percent | Rule::percent_off => "a percentage (`50%`)",
        Rule::zhe => "a discount (`7折`)",
        Rule::integer | Rule::signed_int | Rule::limit_count => "a whole number",
        Rule::number => "a number",
        Rule::string => "a string (`\"…\"`)",
        Rule::date => "a date (`2026-04-18`)",
        Rule::datetime => "a date and time (`2026-04-18 10:00`)",
        Rule::time_of_day => "a time of day (`20:00`)",
        Rule::duration => "a duration (`30d`)",
        Rule::weekday => "a weekday (`monday`)",
        Rule::type_expr => "a type",
        Rule::field_decl => "a field (`name: type`)",
        Rule::field_value => "a field value (`name: value`)",
        Rule::item_entry
        | Rule::header
        | Rule::use_decl
        | Rule::member_schema
        | Rule::group_schema
        | Rule::event_decl
        | Rule::segment_decl
        | Rule::reward_decl
        | Rule::rule_decl
        | Rule::test_decl => "a declaration",
        Rule::coupon
        | Rule::red_packet
        | Rule::points_reward
        | Rule::gift
        | Rule::lottery
        | Rule::tier
        | Rule::tier_by
        | Rule::experiment => "a reward",
        Rule::coupon_over
        | Rule::coupon_max
        | Rule::coupon_scope
        | Rule::coupon_valid
        | Rule::coupon_stackable => "a coupon option",
        Rule::compare_op => "a comparison (`>=`)",
        Rule::on_event
        | Rule::every_day
        | Rule::every_weekdays
        | Rule::every_calendar_day
        | Rule::every_interval
        | Rule::every_month
        | Rule::once_at
        | Rule::cron
        | Rule::during
        | Rule::for_group
        | Rule::when_clause
        | Rule::give_clause
        | Rule::limit_clause
        | Rule::cap_clause
        | Rule::priority_clause
        | Rule::exclusive_clause
        | Rule::order_clause => "a rule clause",
        Rule::set_timezone
        | Rule::set_active
        | Rule::set_budget
        | Rule::set_seed
        | Rule::set_quiet
        | Rule::set_red_packet_limits
        | Rule::set_point_value
        | Rule::set_per_member_daily
        | Rule::set_calendar
        | Rule::set_retired => "a setting",
        Rule::channel_item => "an amount (`¥1,000`) or a count (`10 red_packets`)",
        Rule::except_holidays => "`except holidays`",
        Rule::renamed_from => "`renamed from`",
        Rule::test_at
        | Rule::test_member
        | Rule::test_group
        | Rule::test_event
        | Rule::test_ledger
        | Rule::expect_gets
        | Rule::expect_refused
        | Rule::expect_spend => "a test statement",
        Rule::lottery_arm | Rule::rest_arm => "a lottery arm (`10% -> REWARD`)",
        Rule::tier_arm | Rule::else_arm => "a tier arm (`SEGMENT -> REWARD`)",
        Rule::tier_by_arm => "a tier arm (`>= VALUE -> REWARD`)",
        Rule::experiment_arm => "an experiment arm (`A 50% -> REWARD`)",
        Rule::ledger_entry => "`granted`",
        Rule::per_target | Rule::per_period => "`per`",
        Rule::total => "`total`",
        Rule::split => "`split`",
        Rule::split_mode => "`random` or `equal`",
        Rule::direction => "`asc` or `desc`",
        Rule::refusal_reason => "`budget`, `limit`, `cap`, `exclusive` or `channel`",
        Rule::lit_true | Rule::lit_false | Rule::lit_now | Rule::lit_today => "an expression",
        Rule::negated => "`not`",
        Rule::nothing => "`nothing`",
        _ => return None,
    };
    Some(text.to_string())
}
