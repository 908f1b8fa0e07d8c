//! Completion: which words fit where the cursor is — a declaration at the start of
//! a line, a clause inside a rule, a reward after `give`, an event kind after `on`,
//! the fields of the rule's event after `event.`, names and functions inside an
//! expression — read from the text before the cursor, so a half-typed rule (which
//! does not parse) still completes.

use super::Analysis;
use super::symbols::SymbolKind;
use crate::syntax::words::{BUILTINS, KEYWORDS};

/// What a completion is, for the editor's icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    /// A keyword.
    Keyword,
    /// A template with placeholders.
    Snippet,
    /// A segment.
    Segment,
    /// A reward.
    Reward,
    /// A rule.
    Rule,
    /// An event kind.
    Event,
    /// A field.
    Field,
    /// A built-in function or aggregate.
    Function,
}

/// One candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// What the list shows (and inserts, without a snippet).
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A short description.
    pub detail: Option<String>,
    /// A template in the editor's snippet syntax (`${1:name}`), to insert instead.
    pub snippet: Option<String>,
}

fn item(label: &str, kind: CompletionKind, detail: &str) -> Completion {
    Completion {
        label: label.to_owned(),
        kind,
        detail: (!detail.is_empty()).then(|| detail.to_owned()),
        snippet: None,
    }
}

fn snippet(label: &str, detail: &str, body: &str) -> Completion {
    Completion {
        snippet: Some(body.to_owned()),
        ..item(label, CompletionKind::Snippet, detail)
    }
}

/// Declarations, offered at the start of a line.
const DECLARATIONS: &[(&str, &str, &str)] = &[
    (
        "playbook",
        "the header",
        "playbook \"${1:名称}\" {\n  timezone \"${2:Asia/Shanghai}\"\n}",
    ),
    (
        "use",
        "share another file's declarations",
        "use \"${1:shared.playbook}\"",
    ),
    (
        "import",
        "which export column fills which field",
        "import ${1:member} {\n  \"${2:会员编号}\" -> ${3:id}\n}",
    ),
    (
        "member",
        "the member schema",
        "member {\n  ${1:level}: ${2:int}\n}",
    ),
    (
        "group",
        "the group schema",
        "group {\n  ${1:size}: ${2:int}\n}",
    ),
    (
        "event",
        "an event kind",
        "event ${1:order_paid} {\n  ${2:amount}: ${3:money}\n}",
    ),
    (
        "segment",
        "a named condition",
        "segment ${1:名称} = ${2:condition}",
    ),
    (
        "reward",
        "a named reward",
        "reward ${1:名称} = ${2:coupon ¥10 over ¥99 valid 7d}",
    ),
    (
        "rule",
        "who gets what, when",
        "rule ${1:名称} {\n  every day at ${2:10:00}\n  when ${3:condition}\n  give ${4:red_packet ¥5}\n  limit once per member\n}",
    ),
];

/// Clauses, offered at the start of a line inside a rule.
const CLAUSES: &[(&str, &str, &str)] = &[
    ("on", "an event triggers it", "on ${1:event}"),
    (
        "every day at",
        "a daily schedule",
        "every day at ${1:10:00}",
    ),
    (
        "every weekday at",
        "a weekly schedule",
        "every ${1:monday} at ${2:10:00}",
    ),
    (
        "every workday at",
        "on working days (调休 included)",
        "every workday at ${1:10:00}",
    ),
    (
        "every holiday at",
        "on official days off",
        "every holiday at ${1:10:00}",
    ),
    (
        "every … from … to",
        "an interval",
        "every ${1:2h} from ${2:09:00} to ${3:21:00}",
    ),
    (
        "every month on",
        "a monthly schedule",
        "every month on ${1:1} at ${2:09:00}",
    ),
    ("at", "once", "at ${1:2026-05-01 20:00}"),
    (
        "during",
        "only between two dates",
        "during ${1:2026-05-01} .. ${2:2026-05-31}",
    ),
    (
        "during … except holidays",
        "between two dates, not on holidays",
        "during ${1:2026-05-01} .. ${2:2026-05-31} except holidays",
    ),
    ("for group in", "target groups", "for group in ${1:segment}"),
    ("when", "a condition", "when ${1:condition}"),
    ("give", "the rewards", "give ${1:reward}"),
    (
        "limit once per member",
        "at most once per member",
        "limit once per member",
    ),
    (
        "limit … per member per …",
        "a count per member",
        "limit ${1:1} per member per ${2:day}",
    ),
    ("cap", "money per period", "cap ¥${1:1,000} per ${2:day}"),
    ("priority", "order among rules", "priority ${1:1}"),
    (
        "exclusive",
        "one of a group of rules",
        "exclusive \"${1:名称}\"",
    ),
    ("order by", "who goes first", "order by ${1:key} ${2:desc}"),
];

/// Header settings, offered at the start of a line inside `playbook "…" { }`.
const SETTINGS: &[(&str, &str, &str)] = &[
    (
        "timezone",
        "dates and times are local to it",
        "timezone \"${1:Asia/Shanghai}\"",
    ),
    (
        "active",
        "the days the playbook runs",
        "active ${1:2026-05-01} .. ${2:2026-05-31}",
    ),
    (
        "budget",
        "never exceeded",
        "budget ¥${1:50,000} total, ¥${2:3,000} per day",
    ),
    ("seed", "every random draw", "seed \"${1:seed}\""),
    (
        "quiet",
        "no schedule ticks; grants wait",
        "quiet ${1:22:00} .. ${2:08:00}",
    ),
    (
        "red_packet_limits",
        "each share's range",
        "red_packet_limits ¥${1:1} .. ¥${2:200}",
    ),
    (
        "per_member_daily",
        "the payout channel's limits per member a day",
        "per_member_daily ¥${1:1,000}, ${2:10} red_packets",
    ),
    (
        "calendar",
        "the company's own days off and working days",
        "calendar \"${1:company.calendar}\"",
    ),
    (
        "point_value",
        "what one point costs",
        "point_value ¥${1:0.01}",
    ),
    (
        "renamed from",
        "names the ledger knows this playbook by",
        "renamed from \"${1:旧名}\"",
    ),
    (
        "retired",
        "rules removed on purpose",
        "retired \"${1:规则}\"",
    ),
];

/// Reward forms, offered after `give` (and `->`, `else`, `rest`).
const REWARDS: &[(&str, &str, &str)] = &[
    ("coupon", "无门槛 / 满减", "coupon ¥${1:20} over ¥${2:300}"),
    ("coupon 折", "a discount", "coupon ${1:8}折"),
    ("red_packet", "a red packet", "red_packet ¥${1:5}"),
    (
        "red_packet split",
        "拼手气",
        "red_packet ¥${1:50} split ${2:20} random",
    ),
    ("points", "loyalty points", "points ${1:100}"),
    ("gift", "a gift", "gift \"${1:名称}\" worth ¥${2:30}"),
    (
        "lottery",
        "one draw",
        "lottery {\n  ${1:10%} -> ${2:reward}\n  rest -> ${3:reward}\n}",
    ),
    (
        "tier",
        "first arm that holds",
        "tier {\n  ${1:segment} -> ${2:reward}\n  else -> ${3:reward}\n}",
    ),
    (
        "experiment",
        "sticky A/B arms",
        "experiment \"${1:名称}\" {\n  A 50% -> ${2:reward}\n  B 50% -> ${3:reward}\n}",
    ),
];

/// Words inside expressions.
const EXPRESSION_WORDS: &[&str] = &[
    "and", "or", "not", "in", "exists", "true", "false", "now", "today",
];

/// Aggregates over history, with templates.
const AGGREGATES: &[(&str, &str)] = &[
    ("count", "count(${1:event} within ${2:30d})"),
    ("exists", "exists(${1:event} within ${2:7d})"),
    ("sum", "sum(${1:event}.${2:amount} within ${3:365d})"),
];

impl Analysis {
    /// What may be written at `offset` of the analysed file: where the word being
    /// typed starts, and the candidates.
    pub fn complete(&self, offset: usize) -> (usize, Vec<Completion>) {
        let text = self.text(self.main);
        let offset = floor(text, offset.min(text.len()));
        let start = text[..offset]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
            .last()
            .map_or(offset, |(i, _)| i);
        let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let before = &text[line_start..start];
        if in_comment_or_string(before) {
            return (start, Vec::new());
        }
        (start, self.candidates(text, (before, start)))
    }

    fn candidates(&self, text: &str, (before, start): (&str, usize)) -> Vec<Completion> {
        let names = |kind: SymbolKind, as_kind: CompletionKind, detail: &str| -> Vec<Completion> {
            let declared = self.symbols.declared(&kind);
            declared
                .into_iter()
                .map(|n| item(n, as_kind, detail))
                .collect()
        };
        if let Some(record) = before.strip_suffix('.') {
            let word = last_word(record);
            let event = match word {
                "event" => enclosing_event(text, start),
                "member" => {
                    return names(
                        SymbolKind::MemberField,
                        CompletionKind::Field,
                        "member field",
                    );
                }
                "group" => {
                    return names(SymbolKind::GroupField, CompletionKind::Field, "group field");
                }
                kind => Some(kind.to_owned()),
            };
            let Some(event) = event else {
                return Vec::new();
            };
            let detail = format!("field of `{event}`");
            let mut fields = names(
                SymbolKind::EventField(event),
                CompletionKind::Field,
                &detail,
            );
            fields
                .extend(["at", "id"].map(|f| item(f, CompletionKind::Field, "every event has it")));
            return fields;
        }
        let trimmed = before.trim_end();
        let previous = last_word(trimmed);
        if trimmed.ends_with("->")
            || matches!(previous, "give" | "else" | "rest")
            || trimmed.ends_with("give")
        {
            let mut out = names(SymbolKind::Reward, CompletionKind::Reward, "reward");
            out.extend(REWARDS.iter().map(|(l, d, b)| snippet(l, d, b)));
            return out;
        }
        match previous {
            "on" => return names(SymbolKind::Event, CompletionKind::Event, "event"),
            "granted" => return names(SymbolKind::Rule, CompletionKind::Rule, "rule"),
            _ => {}
        }
        if trimmed.ends_with("for group in") {
            return names(SymbolKind::Segment, CompletionKind::Segment, "segment");
        }
        if [
            "count(", "exists(", "sum(", "min(", "max(", "first(", "last(",
        ]
        .iter()
        .any(|f| trimmed.ends_with(f))
        {
            let mut out = names(SymbolKind::Event, CompletionKind::Event, "event");
            out.push(item(
                "granted",
                CompletionKind::Keyword,
                "what the member was granted",
            ));
            return out;
        }
        if before.is_empty() {
            return DECLARATIONS
                .iter()
                .map(|(l, d, b)| snippet(l, d, b))
                .collect();
        }
        if trimmed.is_empty() && in_header(text, start) {
            return SETTINGS.iter().map(|(l, d, b)| snippet(l, d, b)).collect();
        }
        let mut out = Vec::new();
        if trimmed.is_empty() && in_rule(text, start) {
            out.extend(CLAUSES.iter().map(|(l, d, b)| snippet(l, d, b)));
        }
        out.extend(names(
            SymbolKind::Segment,
            CompletionKind::Segment,
            "segment",
        ));
        out.extend(names(
            SymbolKind::MemberField,
            CompletionKind::Field,
            "member field",
        ));
        out.extend(
            EXPRESSION_WORDS
                .iter()
                .map(|w| item(w, CompletionKind::Keyword, "")),
        );
        out.extend(AGGREGATES.iter().map(|(l, b)| Completion {
            snippet: Some((*b).to_owned()),
            ..item(l, CompletionKind::Function, "over the member's history")
        }));
        out.extend(
            BUILTINS
                .iter()
                .filter(|b| !AGGREGATES.iter().any(|(a, _)| a == *b))
                .map(|b| item(b, CompletionKind::Function, "built-in")),
        );
        if trimmed.is_empty() {
            out.extend(
                KEYWORDS
                    .iter()
                    .filter(|k| !EXPRESSION_WORDS.contains(k))
                    .map(|k| item(k, CompletionKind::Keyword, "")),
            );
        }
        out
    }
}

/// Whether the end of `line` (the line before the cursor) is inside a comment or a
/// string, where no name is written.
fn in_comment_or_string(line: &str) -> bool {
    let mut close = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (close, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(end), c) if c == end => close = None,
            (Some(_), _) => {}
            (None, '"') => close = Some('"'),
            (None, '“') => close = Some('”'),
            (None, '/') if chars.peek() == Some(&'/') => return true,
            (None, _) => {}
        }
    }
    close.is_some()
}

/// The last word of `text` (letters, digits, `_`), or the empty string.
fn last_word(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(text.len(), |(i, _)| i);
    &text[start..]
}

/// The declaration around `offset`: from the last line before it that starts a
/// declaration in column 1.
fn enclosing_declaration(text: &str, offset: usize) -> &str {
    let mut start = 0;
    let mut at = 0;
    for line in text[..offset].split_inclusive('\n') {
        if crate::syntax::words::DECLARATION_WORDS
            .iter()
            .any(|w| line.starts_with(w) && line[w.len()..].starts_with([' ', '\t', '"', '{']))
        {
            start = at;
        }
        at += line.len();
    }
    &text[start..offset]
}

/// Whether `offset` is inside the `playbook "…" { }` header, its brace still open.
fn in_header(text: &str, offset: usize) -> bool {
    let decl = enclosing_declaration(text, offset);
    let depth = |open: [char; 2], close: [char; 2]| {
        decl.matches(open).count() as i64 - decl.matches(close).count() as i64
    };
    decl.starts_with("playbook") && depth(['{', '｛'], ['}', '｝']) > 0
}

fn in_rule(text: &str, offset: usize) -> bool {
    enclosing_declaration(text, offset).starts_with("rule")
}

/// The event kind the rule around `offset` is triggered by: the word after an `on`
/// that begins a clause (at the start of a line, or just after the rule's `{`; not
/// a coupon's `on "scope"` or `every month on 1`).
fn enclosing_event(text: &str, offset: usize) -> Option<String> {
    let decl = enclosing_declaration(text, offset);
    let mut from = 0;
    while let Some(i) = decl[from..].find("on") {
        let at = from + i;
        from = at + 2;
        let before = decl[..at].trim_end_matches([' ', '\t']);
        let after = &decl[at + 2..];
        let clause = before.is_empty() || before.ends_with(['\n', '\r', '{', '｛']);
        if clause && after.starts_with([' ', '\t']) {
            let word = first_word(after.trim_start());
            return (!word.is_empty()).then(|| word.to_owned());
        }
    }
    None
}

/// The first word of `text`.
fn first_word(text: &str) -> &str {
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(text.len(), |(i, _)| i);
    &text[..end]
}

fn floor(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
