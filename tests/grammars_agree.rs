//! The tree-sitter grammar (`editors/tree-sitter-playbook`) and the pest grammar
//! (`grammar/playbook.pest`) accept the same texts: every `*.playbook` file in the
//! repository, and tables of snippets below, are parsed with both, and the test
//! fails naming the text and where each parser stopped when they disagree.
//!
//! The pest side is the crate's own parser, [`playbook::syntax::parse`]; a text is
//! invalid for it when a diagnostic has the syntax-error code (`E0001`), whether
//! pest raised it or the AST builder did (a `rest` arm that is not last, `foo.bar`
//! as a path: the tree-sitter grammar has those rules in its grammar). Two other
//! codes the parser reports are left out of the comparison:
//!
//! - `E0003` invalid literal (`2026-02-30`, `25:00`, `¥1.234`, `10折`): the text
//!   has the shape the grammar asks for and only its value is impossible. The
//!   tree-sitter grammar reads shapes, as pest does; values are the checker's.
//! - `E0002` nesting too deep: a limit of the implementation (100 levels of
//!   brackets), not of the language; tree-sitter has none, and no text here
//!   comes near it.
//!
//! On the tree-sitter side a text is invalid when its tree has an `ERROR` or a
//! `MISSING` node.

use std::path::{Path, PathBuf};

use playbook::diagnostics::Code;
use playbook::source::{FileId, SourceFile};
use tree_sitter::{Node, Parser, Query};

/// Where a parser first found the text invalid: line, column and what it said.
#[derive(Debug)]
struct Failure {
    line: usize,
    column: usize,
    message: String,
}

/// The pest grammar's verdict: `None` when the text parses.
fn pest_failure(text: &str) -> Option<Failure> {
    let parsed = playbook::syntax::parse(FileId(0), text);
    let first = parsed
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::Syntax)
        .min_by_key(|d| d.span.start)?;
    let at = SourceFile::new("", text).line_col(first.span.start);
    Some(Failure {
        line: at.line,
        column: at.column,
        message: first.message.clone(),
    })
}

fn ts_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_playbook::LANGUAGE.into())
        .expect("the tree-sitter grammar's ABI is supported by the tree-sitter crate");
    parser
}

/// The tree-sitter grammar's verdict: `None` when the tree has no error.
fn ts_failure(parser: &mut Parser, text: &str) -> Option<Failure> {
    let tree = parser
        .parse(text, None)
        .expect("no timeout or cancellation is set");
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let node = first_error(root).unwrap_or(root);
    let at = SourceFile::new("", text).line_col(node.start_byte());
    let message = if node.is_missing() {
        format!("missing `{}`", node.kind())
    } else {
        let found = text
            .get(node.start_byte()..node.end_byte())
            .unwrap_or("")
            .chars()
            .take(40)
            .collect::<String>();
        format!("ERROR node over `{found}`")
    };
    Some(Failure {
        line: at.line,
        column: at.column,
        message,
    })
}

/// The first `ERROR` or `MISSING` node in document order.
fn first_error(node: Node<'_>) -> Option<Node<'_>> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    if !node.has_error() {
        return None;
    }
    let mut cursor = node.walk();
    node.children(&mut cursor).find_map(first_error)
}

/// Both verdicts on `text`; `Err` describes a disagreement.
fn compare(parser: &mut Parser, name: &str, text: &str) -> Result<bool, String> {
    let pest = pest_failure(text);
    let ts = ts_failure(parser, text);
    match (&pest, &ts) {
        (None, None) => Ok(true),
        (Some(_), Some(_)) => Ok(false),
        (Some(p), None) => Err(format!(
            "{name}: pest rejects it at {}:{} ({}), tree-sitter accepts it",
            p.line, p.column, p.message
        )),
        (None, Some(t)) => Err(format!(
            "{name}: tree-sitter rejects it at {}:{} ({}), pest accepts it",
            t.line, t.column, t.message
        )),
    }
}

/// Every `*.playbook` file under `dir`, build output and installed packages left out.
fn playbook_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            // `target` covers `fuzz/target` too; dot-folders hold git's data and the
            // grammar's locally installed CLI.
            if !matches!(name, "target" | "node_modules") && !name.starts_with('.') {
                playbook_files(&path, found);
            }
        } else if path.extension().is_some_and(|e| e == "playbook") {
            found.push(path);
        }
    }
}

#[test]
fn every_playbook_in_the_repository_gets_the_same_verdict() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    playbook_files(root, &mut files);
    files.sort();
    assert!(
        files.len() >= 30,
        "expected the examples, benches and tests' playbooks, found {}",
        files.len()
    );
    let mut parser = ts_parser();
    let mut disagreements = Vec::new();
    for path in &files {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        if let Err(e) = compare(&mut parser, &name, &text) {
            disagreements.push(e);
        }
    }
    assert!(
        disagreements.is_empty(),
        "the grammars disagree:\n{}",
        disagreements.join("\n")
    );
}

/// Texts both grammars must reject: the mistakes people make while typing, and
/// the places where the two parsing methods could part (PEG's greedy choices).
const INVALID: &[(&str, &str)] = &[
    (
        "missing closing brace",
        "rule r {\n  on order_paid\n  give coupon ¥5\n",
    ),
    ("missing opening brace", "member orders: int }"),
    (
        "half-typed comparison",
        "rule r {\n  on order_paid where event.amount >=\n}",
    ),
    (
        "half-typed rule",
        "rule 新规则 {\n  on order_paid\n  give\n}",
    ),
    (
        "half-typed limit",
        "rule r { on e give coupon ¥5 limit 1 per }",
    ),
    (
        "keyword out of place",
        "segment s = orders > 1 limit once per member",
    ),
    ("clause outside a rule", "give coupon ¥5"),
    ("bare word at top level", "hello"),
    ("yen sign without amount", "reward r = coupon ¥ over ¥300"),
    ("money without yen sign", "reward r = coupon 10 over ¥300"),
    ("money with a space", "reward r = coupon ¥ 10"),
    ("reserved word as a name", "segment and = orders > 1"),
    ("reserved word as a field", "member { event: text }"),
    ("assignment for comparison", "segment s = orders = 1"),
    ("duration without unit", "reward r = coupon ¥5 valid 7"),
    (
        "duration glued to a word",
        "reward r = coupon ¥5 valid 7days",
    ),
    ("number glued to a word", "segment s = orders > 5x"),
    (
        "number glued to a keyword",
        "rule r { when orders > 5on e give coupon ¥1 }",
    ),
    ("decimal glued to a word", "segment s = orders > 1.5x"),
    (
        "date glued to a word",
        "rule r { during 2026-04-18x .. 2026-05-01 give coupon ¥1 }",
    ),
    (
        "time with a letter for seconds",
        "rule r { every day at 10:00x give coupon ¥1 }",
    ),
    (
        "date-time written with T",
        "rule r { at 2026-04-18T10:00 give coupon ¥1 }",
    ),
    (
        "whole number with a fraction",
        "rule r { on e give coupon ¥1 limit 1.5 per day }",
    ),
    (
        "priority with a spaced sign",
        "rule r { on e give coupon ¥1 priority - 1 }",
    ),
    ("full-width digits", "reward r = coupon ３０％ off"),
    ("full-width full stop", "segment s = orders >= 1。"),
    ("ideographic comma", "member { a: int、 b: int }"),
    (
        "percentage coupon without off",
        "reward r = coupon 30% max ¥5",
    ),
    ("unterminated string", "use \"shared.playbook"),
    ("string across lines", "use \"shared\n.playbook\""),
    ("`not` without `in`", "segment s = a not b"),
    (
        "`exists` before a bracket",
        "segment s = exists (last_order_at)",
    ),
    (
        "call name apart from its bracket",
        "segment s = max (a, b) > 1",
    ),
    ("trailing comma in a call", "segment s = max(a, b,) > 1"),
    ("path through a non-scope", "segment s = order.amount > 1"),
    ("path two fields deep", "segment s = event.a.b > 1"),
    ("scope without a field", "segment s = exists member"),
    ("field after a call", "segment s = max(a, b).c > 1"),
    (
        "`rest` arm before another",
        "reward r = lottery { rest -> coupon ¥1  5% -> coupon ¥2 }",
    ),
    (
        "two `else` arms",
        "reward r = tier { else -> coupon ¥1  else -> coupon ¥2 }",
    ),
    (
        "`tier by` arm ending in an amount before a threshold",
        "reward r = tier by x { >= 5 -> points 1  >= 3 -> points 2 }",
    ),
    (
        "`stackable` is a coupon option, not the next arm",
        "reward r = tier { a -> coupon ¥1 stackable -> coupon ¥2 }",
    ),
    (
        "`-` after an amount continues it",
        "reward r = tier { a -> points 5  -b > 0 -> points 1 }",
    ),
    (
        "reward keyword as a reference",
        "rule r { on e give points }",
    ),
    (
        "`nothing` and more",
        "test \"t\" { expect m1 gets nothing, r }",
    ),
    ("unknown test item", "test \"t\" { assert m1 }"),
    (
        "`refused` without a reason",
        "test \"t\" { expect refused m1 by r because }",
    ),
    (
        "unknown refusal reason",
        "test \"t\" { expect refused m1 by r because bored }",
    ),
    (
        "record without commas",
        "test \"t\" { member m1 { a: 1 b: 2 } }",
    ),
    ("event field without type", "event e { amount }"),
    ("segment of member", "segment s of member = a"),
    ("lone operator", "segment s = orders >"),
    ("unclosed bracket", "segment s = (orders > 1"),
    ("unclosed list", "segment s = channel in [\"a\", \"b\""),
    (
        "list without commas",
        "segment s = channel in [\"a\" \"b\"]",
    ),
    ("arrow as subtraction", "segment s = a -> b"),
    (
        "header setting in a rule",
        "rule r { timezone \"Asia/Shanghai\" }",
    ),
    (
        "active with one date",
        "playbook \"p\" { active 2026-04-18 }",
    ),
    (
        "quiet with dates",
        "playbook \"p\" { quiet 2026-04-18 .. 2026-04-19 }",
    ),
    (
        "weekday typo",
        "rule r { every mondy at 10:00 give coupon ¥1 }",
    ),
    (
        "cron without string",
        "rule r { cron 0 20 * * * give coupon ¥1 }",
    ),
    (
        "channel limit without a unit",
        "playbook \"p\" { per_member_daily 10 }",
    ),
    (
        "channel limit with a singular unit",
        "playbook \"p\" { per_member_daily 10 red_packet }",
    ),
    (
        "channel limit of a fraction of red packets",
        "playbook \"p\" { per_member_daily 1.5 red_packets }",
    ),
    (
        "channel limit with a trailing comma",
        "playbook \"p\" { per_member_daily ¥1,000, }",
    ),
    (
        "channel limit without a value",
        "playbook \"p\" { per_member_daily }",
    ),
    (
        "calendar without a file",
        "playbook \"p\" { calendar company }",
    ),
    (
        "calendar in a rule",
        "rule r { calendar \"c\" give coupon ¥1 }",
    ),
    (
        "`except` without `holidays`",
        "rule r { during 2026-05-01 .. 2026-05-31 except give coupon ¥1 }",
    ),
    (
        "`except` with a singular holiday",
        "rule r { during 2026-05-01 .. 2026-05-31 except holiday give coupon ¥1 }",
    ),
    (
        "`except holidays` without `during`",
        "rule r { every day at 10:00 except holidays give coupon ¥1 }",
    ),
    (
        "calendar day in the plural",
        "rule r { every workdays at 10:00 give coupon ¥1 }",
    ),
    (
        "calendar day without a time",
        "rule r { every holiday give coupon ¥1 }",
    ),
    (
        "calendar days in a list",
        "rule r { every workday, holiday at 10:00 give coupon ¥1 }",
    ),
    (
        "calendar day glued to a word",
        "rule r { every workday_ at 10:00 give coupon ¥1 }",
    ),
    (
        "refusal reason in the plural",
        "test \"t\" { expect refused m1 by r because channels }",
    ),
    ("import without a kind", "import { \"a\" -> id }"),
    (
        "import of a column that is no string",
        "import member { a -> id }",
    ),
    (
        "import entry without an arrow",
        "import member { \"a\" id }",
    ),
    ("import entry without a field", "import member { \"a\" -> }"),
    (
        "import entry with a string field",
        "import member { \"a\" -> \"id\" }",
    ),
    (
        "import of a reserved word",
        "import segment { \"a\" -> id }",
    ),
    (
        "import entry with a reserved field",
        "import member { \"a\" -> member }",
    ),
    ("import of two kinds", "import member group { \"a\" -> id }"),
    (
        "import entries with two commas",
        "import member { \"a\" -> id,, \"b\" -> level }",
    ),
    (
        "import entry with a leading comma",
        "import member { , \"a\" -> id }",
    ),
    (
        "import with a full-width arrow",
        "import member { \"a\" －> id }",
    ),
    (
        "import with a colon for the arrow",
        "import member { \"a\": id }",
    ),
    ("import without braces", "import member \"a\" -> id"),
    (
        "import without its closing brace",
        "import member { \"a\" -> id",
    ),
    ("import glued to its kind", "importmember { \"a\" -> id }"),
    (
        "import inside a header",
        "playbook \"p\" { import member { \"a\" -> id } }",
    ),
];

/// Texts both grammars must accept: contextual keywords, full-width punctuation
/// and the places where a keyword could start either of two things.
const VALID: &[(&str, &str)] = &[
    ("empty file", ""),
    ("only comments", "// a comment\n// and another"),
    (
        "keywords as field names",
        "member { points: int, day: int, max: int, count: int, top: int, on: int, valid: int }",
    ),
    (
        "a field called joined after a joined mark",
        "member {\n  joined_at: time joined\n  joined: time?\n}",
    ),
    ("a field called joined", "member { a: time\n joined: int }"),
    (
        "history aggregate names as fields",
        "segment s = count > 1 and max < 2 and first ?? 0 > 0",
    ),
    (
        "aggregates and calls",
        "segment s = max(a, b) > 1 and count(order_paid) > 0 and (first(order_paid).at ?? now) < now",
    ),
    (
        "aggregate over grants",
        "segment s = count(granted within 7d) < 3 and sum(granted 新人礼包 value) > ¥0 and exists(granted 礼包)",
    ),
    (
        "aggregate with a filter",
        "segment s = count(order_paid where event.amount >= ¥300 within 30d) >= 2",
    ),
    (
        "call of an aggregate name",
        "segment s = min(count(order_paid), 3) > 1",
    ),
    ("top", "segment s = top 10 by spend where orders > 1"),
    ("a name called top", "segment s = top > 1"),
    (
        "full-width punctuation",
        "member｛ orders：int，tags：set＜text＞ ｝\nsegment s ＝ （orders ＞＝ 2） and orders ！＝ 3 and orders ＝＝ 4 and [1，2] != []",
    ),
    ("full-width quotes", "use “shared.playbook”"),
    ("full-width percent", "reward r = coupon 30％ off"),
    (
        "money forms",
        "playbook \"p\" { budget ¥1,000.50 total, ￥5 per day\n red_packet_limits ¥1 .. ¥200 point_value ¥0.01 }",
    ),
    (
        "quiet hours",
        "playbook \"p\" { quiet 22:00..8:00 active 2026-04-18..2026-05-31 }",
    ),
    (
        "discount",
        "reward r = coupon 8.5折 max ¥20 on \"指定商品\" valid 7d stackable",
    ),
    (
        "a coupon option's keyword starting the next arm",
        "reward r = tier { a -> coupon ¥5  max(b, c) > 1 -> coupon ¥1  over -> coupon ¥2 }",
    ),
    (
        "`on` after a coupon starting the trigger",
        "rule r { give coupon ¥5\n on order_paid }",
    ),
    (
        "`on` after a coupon as its scope",
        "rule r { on e give coupon ¥5 on \"全场\" }",
    ),
    (
        "`not` after an amount starting the next arm",
        "reward r = tier { a -> points 5  not b -> points 1 }",
    ),
    (
        "`not in` after an amount",
        "reward r = points 5 not in tags",
    ),
    (
        "experiment arm named like a coupon option",
        "reward r = experiment \"e\" { A 50% -> coupon ¥5  max 50% -> coupon ¥1 }",
    ),
    (
        "gift worth",
        "reward r = tier { a -> gift \"包\" worth ¥30  worth -> gift \"袋\" }",
    ),
    ("a date-looking subtraction", "segment s = x > 2026-04-185"),
    ("date minus number", "segment s = x > 2026-04 - 1"),
    (
        "date-time",
        "segment s = x > 2026-04-18 10:00:30 and y < 2026-04-18   9:05",
    ),
    (
        "times and durations",
        "segment s = t > 10：00 and d < 15m + 2h + 1w",
    ),
    ("unary chains", "segment s = - - orders < 0 and not not a"),
    (
        "operators",
        "segment s = a + b * c / d - e ?? f >= g or h <= i and j != k",
    ),
    ("strings with escapes", "use \"a\\\"b\\\\c\\n\""),
    (
        "comment inside an expression",
        "segment s = a and // why\n b",
    ),
    (
        "tests with contextual targets",
        "test \"t\" {\n  at 2026-04-20 10:00\n  member refused { orders: 0, tags: [], }\n  event join_group by m1 at 2026-04-20 09:59 { group_id: \"g1\" }\n  ledger { granted 礼包 to \"m 1\" by 规则 at 2026-04-01 10:00 }\n  expect refused gets r1, r2\n  expect spend not gets nothing\n  expect refused m1 by r because limit\n  expect spend ¥5\n}",
    ),
    (
        "every schedule",
        "rule r {\n  every monday, thursday at 10:00\n  every 2h from 09:00 to 21:00\n  every month on 1 at 09:00\n  every day at 20:00\n  at 2026-05-01 20:00\n  cron \"0 20 * * *\"\n  give coupon ¥1\n}",
    ),
    (
        "channel limits and a calendar",
        "playbook \"p\" {\n  per_member_daily ¥1,000, 10 red_packets\n  calendar \"company.calendar\"\n}",
    ),
    (
        "channel limits in either order, full-width comma",
        "playbook \"p\" { per_member_daily 3 red_packets，￥200.50 point_value ¥0.01 }",
    ),
    (
        "calendar schedules",
        "rule r {\n  every workday at 10:00\n  every holiday at 9:30\n  give coupon ¥1\n}",
    ),
    (
        "during except holidays",
        "rule r {\n  during 2026-05-01 .. 2026-05-31 except holidays\n  give coupon ¥1\n}",
    ),
    (
        "during without except, then a trigger",
        "rule r { during 2026-05-01..2026-05-31 on e give coupon ¥1 }",
    ),
    (
        "calendar functions",
        "segment s = workday(today) and not holiday(now) or holiday(2026-05-01)",
    ),
    (
        "calendar words as names",
        "member { calendar: text, workday: int, holiday: int, holidays: int, except: int, channel: text, red_packets: int, per_member_daily: int }\nsegment s = calendar == \"c\" and workday > holidays and channel in [\"wx\"]",
    ),
    (
        "refused because of the channel",
        "test \"t\" { expect refused m1 by r because channel }",
    ),
    ("import member", "import member { \"a\" -> id }"),
    (
        "import an event kind, commas",
        "import order_paid { \"订单号\" -> id, \"付款时间\" -> at }",
    ),
    (
        "import group, one entry a line, a trailing comma",
        "import group {\n  \"群号\" -> id\n  \"人数\" -> size,\n}",
    ),
    ("empty import blocks", "import member {}\nimport 打卡 { }"),
    (
        "import with full-width braces and commas, Chinese quotes",
        "import member ｛ “会员编号” -> id， \"等级\" -> level ｝",
    ),
    (
        "import of keywords as kinds and fields",
        "import points { \"a\" -> count, \"b\" -> max, \"c\" -> import }",
    ),
    (
        "import as a name",
        "member { import: int }\nevent import { at: time }\nimport import { \"时间\" -> at }\nsegment s = import > 1",
    ),
    (
        "import after an expression",
        "segment s = a\nimport member { \"a\" -> id }\nreward r = x\nimport group {}",
    ),
    (
        "every clause",
        "rule r {\n  on e where event.a > 1\n  during 2026-04-18 .. 2026-05-01\n  for group in 群\n  when a\n  give red_packet ¥50 split 20 random, points 5\n  limit once per member\n  limit 2 per group per week\n  limit 3 total\n  cap ¥5 per month\n  priority -1\n  exclusive \"x\" per day\n  order by a desc\n  renamed from \"旧\", \"更旧\"\n}",
    ),
];

#[test]
fn broken_snippets_are_rejected_by_both() {
    let mut parser = ts_parser();
    let mut problems = Vec::new();
    for (name, text) in INVALID {
        match compare(&mut parser, name, text) {
            Ok(true) => problems.push(format!("{name}: both grammars accept it")),
            Ok(false) => {}
            Err(e) => problems.push(e),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn tricky_snippets_are_accepted_by_both() {
    let mut parser = ts_parser();
    let mut problems = Vec::new();
    for (name, text) in VALID {
        match compare(&mut parser, name, text) {
            Ok(true) => {}
            Ok(false) => problems.push(format!("{name}: both grammars reject it")),
            Err(e) => problems.push(e),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The capture names `queries/highlights.scm` may use: names from tree-sitter's
/// standard list (`tree-sitter highlight --check`), which Neovim and Helix colour
/// too.
const CAPTURE_NAMES: &[&str] = &[
    "boolean",
    "comment",
    "constant",
    "constant.builtin",
    "function",
    "function.builtin",
    "keyword",
    "number",
    "operator",
    "property",
    "punctuation.bracket",
    "punctuation.delimiter",
    "string",
    "string.special",
    "type",
    "type.builtin",
    "variable",
    "variable.builtin",
];

#[test]
fn the_highlight_query_compiles_with_known_captures() {
    let language = tree_sitter_playbook::LANGUAGE.into();
    let query = Query::new(&language, tree_sitter_playbook::HIGHLIGHTS_QUERY)
        .unwrap_or_else(|e| panic!("queries/highlights.scm: {e}"));
    let unknown: Vec<&str> = query
        .capture_names()
        .iter()
        .copied()
        .filter(|name| !CAPTURE_NAMES.contains(name))
        .collect();
    assert!(
        unknown.is_empty(),
        "capture names not in the list: {unknown:?}"
    );
    assert!(
        query.capture_names().len() >= 10,
        "the query captures little: {:?}",
        query.capture_names()
    );
}

/// A small deterministic generator (xorshift), so that a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Splits `text` into words, strings, comments, whitespace runs and single other
/// characters: the pieces a mutation moves around.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let width = c.len_utf8();
        let len = if c == '"' || c == '“' {
            let close = if c == '"' { '"' } else { '”' };
            rest[width..]
                .find(close)
                .map_or(rest.len(), |i| width + i + close.len_utf8())
        } else if rest.starts_with("//") {
            rest.find(['\n', '\r']).unwrap_or(rest.len())
        } else if c.is_whitespace() {
            rest.find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len())
        } else if c.is_alphanumeric() || matches!(c, '_' | '¥' | '￥') {
            rest[width..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(rest.len(), |i| width + i)
        } else {
            width
        };
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

/// What mutations insert: keywords (reserved and contextual), operators,
/// punctuation in both widths, and literals, some glued to a letter.
const VOCABULARY: &[&str] = &[
    "not",
    "in",
    "and",
    "or",
    "exists",
    "max",
    "min",
    "count",
    "first",
    "granted",
    "value",
    "within",
    "where",
    "by",
    "top",
    "on",
    "over",
    "valid",
    "stackable",
    "worth",
    "split",
    "random",
    "points",
    "coupon",
    "red_packet",
    "tier",
    "lottery",
    "else",
    "rest",
    "->",
    "-",
    "+",
    "*",
    "/",
    "??",
    "==",
    ">=",
    "<",
    ">",
    "=",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ".",
    "..",
    "?",
    "5",
    "5x",
    "1.5",
    "30%",
    "8折",
    "7d",
    "2026-04-18",
    "10:00",
    "¥5",
    "¥",
    "\"s\"",
    "event",
    "member",
    "group",
    "per",
    "day",
    "total",
    "once",
    "joined",
    "refused",
    "spend",
    "gets",
    "nothing",
    "at",
    "every",
    "give",
    "when",
    "limit",
    "during",
    "except",
    "holidays",
    "workday",
    "holiday",
    "per_member_daily",
    "red_packets",
    "calendar",
    "channel",
    "import",
    "（",
    "，",
    "：",
];

/// Every declaration of the repository's playbooks, mutated a few times each
/// (pieces deleted, repeated, swapped, replaced, inserted, or the text cut
/// short): both grammars give every mutant the same verdict. Deterministic; set
/// `MUTATION_ROUNDS` (mutants per declaration) and `MUTATION_SEED` to search
/// further.
#[test]
fn mutated_declarations_get_the_same_verdict() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    playbook_files(root, &mut files);
    files.sort();
    let setting = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let rounds = setting("MUTATION_ROUNDS", 2);
    let mut rng = Rng(setting("MUTATION_SEED", 0x9E37_79B9_7F4A_7C15).max(1));
    let mut parser = ts_parser();
    let mut disagreements = std::collections::BTreeSet::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        // Blank lines separate the declarations in these files.
        for declaration in text.split("\n\n") {
            let original = pieces(declaration);
            if original.is_empty() {
                continue;
            }
            for _ in 0..rounds {
                let mut p = original.clone();
                for _ in 0..=rng.below(3) {
                    if p.is_empty() {
                        break;
                    }
                    let i = rng.below(p.len());
                    let word = VOCABULARY[rng.below(VOCABULARY.len())];
                    match rng.below(7) {
                        0 => {
                            p.remove(i);
                        }
                        1 => p.insert(i, p[i]),
                        2 if i + 2 < p.len() => p.swap(i, i + 2),
                        3 => p.insert(i, word),
                        4 => {
                            p.insert(i, " ");
                            p.insert(i, word);
                        }
                        5 => p[i] = word,
                        _ => p.truncate(i.max(1)),
                    }
                }
                let mutant = p.concat();
                if let Err(e) = compare(&mut parser, "a mutant", &mutant) {
                    disagreements.insert(format!("{e}:\n{mutant}\n"));
                }
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} mutants get different verdicts:\n{}",
        disagreements.len(),
        disagreements.into_iter().collect::<Vec<_>>().join("\n")
    );
}
