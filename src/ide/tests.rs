//! The analysis an editor asks for, on small playbooks: names resolved by context,
//! completion where the cursor is (in a rule that does not parse yet too), the
//! quick fixes applied and checked, rename across a used file, tokens.

use std::path::{Path, PathBuf};

use super::complete::CompletionKind;
use super::symbols::SymbolKind;
use super::tokens::TokenKind;
use super::{Analysis, Edit, Workspace};

const BASE: &str = "playbook \"测\" { timezone \"Asia/Shanghai\" }\n\
member { level: int, spend: money, birthday: date? }\n\
event order_paid { amount: money, channel: text }\n\
segment 高价值 = spend >= ¥1,000\n\
reward 满减 = coupon ¥20 over ¥300 valid 7d\n";

fn analyse(text: &str) -> Analysis {
    let mut ws = Workspace::new();
    let path = Path::new("/nonexistent/测.playbook");
    ws.set(path, text.to_owned());
    ws.analyse(path).unwrap()
}

/// The labels offered where `|` is written in `text` (the `|` removed).
fn complete(text: &str) -> Vec<(String, CompletionKind)> {
    let at = text.find('|').unwrap();
    let text = text.replacen('|', "", 1);
    let (_, items) = analyse(&text).complete(at);
    items.into_iter().map(|c| (c.label, c.kind)).collect()
}

fn labels(items: &[(String, CompletionKind)]) -> Vec<&str> {
    items.iter().map(|(l, _)| l.as_str()).collect()
}

/// `edits` applied to `text` (all in one file).
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut out = text.to_owned();
    for e in edits {
        out.replace_range(e.span.start..e.span.end, &e.text);
    }
    out
}

#[test]
fn names_resolve_by_where_they_are_written() {
    let text = format!(
        "{BASE}rule 复购 {{ on order_paid where event.amount > ¥10\n  when 高价值 and count(order_paid where event.channel == \"小程序\") > 1\n  give 满减 limit once per member }}\n"
    );
    let a = analyse(&text);
    let kind_at = |needle: &str| {
        let at = text.find(needle).unwrap();
        a.symbol_at(at).map(|o| o.kind.clone())
    };
    assert_eq!(
        kind_at("amount >"),
        Some(SymbolKind::EventField("order_paid".into()))
    );
    assert_eq!(
        kind_at("channel =="),
        Some(SymbolKind::EventField("order_paid".into()))
    );
    assert_eq!(kind_at("高价值 and"), Some(SymbolKind::Segment));
    assert_eq!(kind_at("满减 limit"), Some(SymbolKind::Reward));
    assert_eq!(kind_at("spend >="), Some(SymbolKind::MemberField));
    // The definition of the event field is in the event's declaration.
    let def = a.definition(text.find("channel ==").unwrap()).unwrap();
    assert_eq!(&text[def.start..def.end], "channel");
    assert!(def.start < text.find("segment").unwrap());
    assert_eq!(
        a.references(text.find("order_paid {").unwrap(), true).len(),
        3
    );
}

#[test]
fn completion_fits_the_place() {
    let at_line_start = complete(&format!("{BASE}|"));
    assert!(labels(&at_line_start).contains(&"rule"));
    assert!(
        at_line_start
            .iter()
            .all(|(_, k)| *k == CompletionKind::Snippet)
    );
    let in_rule = complete(&format!("{BASE}rule r {{\n  |\n}}\n"));
    assert!(labels(&in_rule).contains(&"every day at") && labels(&in_rule).contains(&"高价值"));
    let after_give = complete(&format!("{BASE}rule r {{ every day at 10:00 give |"));
    assert!(labels(&after_give).contains(&"满减") && labels(&after_give).contains(&"red_packet"));
    assert!(!labels(&after_give).contains(&"高价值"));
    let after_on = complete(&format!("{BASE}rule r {{\n  on |"));
    assert_eq!(labels(&after_on), ["order_paid"]);
    let event_fields = complete(&format!("{BASE}rule r {{\n  on order_paid\n  when event.|"));
    assert_eq!(labels(&event_fields), ["amount", "channel", "at", "id"]);
    let kind_fields = complete(&format!(
        "{BASE}segment s = sum(order_paid.| within 7d) > ¥0\n"
    ));
    assert!(labels(&kind_fields).contains(&"amount"));
    // A Chinese prefix is replaced whole: the word starts before it.
    let text = format!("{BASE}segment s = 高|");
    let at = text.find('|').unwrap();
    let (start, _) = analyse(&text.replacen('|', "", 1)).complete(at);
    assert_eq!(start, at - "高".len());
}

#[test]
fn a_rule_that_does_not_parse_yet_still_completes_and_the_rest_is_checked() {
    let text = format!("{BASE}rule 半 {{\n  when 高|\n\nsegment 坏 = nosuch > 1\n");
    let items = complete(&text);
    assert!(labels(&items).contains(&"高价值"));
    let a = analyse(&text.replacen('|', "", 1));
    let codes: Vec<&str> = a.diagnostics().map(|d| d.code.code()).collect();
    assert!(
        codes.contains(&"E0001") && codes.contains(&"E0101"),
        "{codes:?}"
    );
}

#[test]
fn quick_fixes_do_what_the_help_says() {
    let cases = [
        (
            "segment s = spend >= 1000\nrule r { every day at 10:00 when s give 满减 limit once per member }\n",
            "E0201",
            "spend >= ¥1000",
        ),
        (
            "rule r { every day at 10:00 when levl > 1 give 满减 limit once per member }\n",
            "E0101",
            "when level > 1",
        ),
        (
            "rule r { every day at 10:00 when level > 1 and birthday == today give 满减 limit once per member }\n",
            "E0202",
            "exists birthday and birthday == today",
        ),
        (
            "rule r { every day at 10:00 when 高价值 give red_packet ¥1 }\n",
            "W0002",
            "limit 1 per member per day",
        ),
    ];
    for (rules, code, fixed) in cases {
        let text = format!("{BASE}{rules}");
        let a = analyse(&text);
        let d = a
            .diagnostics()
            .find(|d| d.code.code() == code)
            .unwrap_or_else(|| panic!("{code} in {rules}"));
        let actions = a.actions(d.span);
        let action = actions
            .iter()
            .find(|x| x.fixes.code.code() == code)
            .unwrap_or_else(|| panic!("no fix for {d:?}"));
        let after = apply(&text, &action.edits);
        assert!(after.contains(fixed), "{code}: {after}");
        let again = analyse(&after);
        assert!(
            again.diagnostics().all(|d| d.code.code() != code),
            "{code} still after the fix: {after}"
        );
    }
}

#[test]
fn rename_reaches_the_used_file_and_refuses_a_taken_name() {
    let dir = tempfile::tempdir().unwrap();
    let shared: PathBuf = dir.path().join("共享.playbook");
    std::fs::write(
        &shared,
        "member { spend: money }\nsegment 老客 = spend > ¥0\n",
    )
    .unwrap();
    let main = dir.path().join("主.playbook");
    let text = "use \"共享.playbook\"\nsegment 新客 = not 老客\n";
    let mut ws = Workspace::new();
    ws.set(&main, text.to_owned());
    let a = ws.analyse(&main).unwrap();
    let at = text.find("老客").unwrap();
    let edits = a.rename(at, "回头客").unwrap();
    let files: Vec<PathBuf> = edits.iter().map(|e| a.path(e.span.file)).collect();
    assert_eq!(edits.len(), 2);
    assert!(
        files.iter().any(|f| f.ends_with("共享.playbook"))
            && files.iter().any(|f| f.ends_with("主.playbook"))
    );
    assert!(a.rename(at, "新客").unwrap_err().contains("already"));
    assert!(a.rename(at, "not").is_err());
    // The used file open in the editor is read from there, not from the disk.
    ws.set(
        &shared,
        "member { spend: money }\nsegment 熟客 = spend > ¥0\n".to_owned(),
    );
    let a = ws.analyse(&main).unwrap();
    assert!(a.diagnostics().any(|d| d.message.contains("老客")));
}

#[test]
fn tokens_say_what_each_name_is() {
    let text = format!(
        "{BASE}// 注释\nrule 首单 {{ on order_paid when 高价值 and event.amount > ¥5 give 满减 limit once per member }}\n"
    );
    let a = analyse(&text);
    let tokens = a.tokens();
    let kind = |needle: &str| {
        let at = text.rfind(needle).unwrap();
        tokens
            .iter()
            .find(|t| t.span.start == at)
            .map(|t| (t.kind, &text[t.span.start..t.span.end]))
    };
    assert_eq!(kind("首单"), Some((TokenKind::Rule, "首单")));
    assert_eq!(kind("高价值 and"), Some((TokenKind::Segment, "高价值")));
    assert_eq!(kind("满减 limit"), Some((TokenKind::Reward, "满减")));
    assert_eq!(kind("amount >"), Some((TokenKind::Field, "amount")));
    assert_eq!(
        kind("order_paid when"),
        Some((TokenKind::Event, "order_paid"))
    );
    assert_eq!(kind("¥5"), Some((TokenKind::Number, "¥5")));
    assert_eq!(kind("¥1,000"), Some((TokenKind::Number, "¥1,000")));
    assert_eq!(kind("7d"), Some((TokenKind::Number, "7d")));
    assert_eq!(kind("// 注释"), Some((TokenKind::Comment, "// 注释")));
    assert_eq!(kind("limit"), Some((TokenKind::Keyword, "limit")));
    assert_eq!(kind("\"Asia"), Some((TokenKind::Str, "\"Asia/Shanghai\"")));
    for pair in tokens.windows(2) {
        assert!(pair[0].span.end <= pair[1].span.start);
    }
    assert!(
        tokens
            .iter()
            .all(|t| !text[t.span.start..t.span.end].contains('\n'))
    );
}

#[test]
fn the_word_lists_follow_the_grammar() {
    let grammar = include_str!("../../grammar/playbook.pest");
    let reserved = grammar
        .split("reserved   = @{")
        .nth(1)
        .unwrap()
        .split('}')
        .next()
        .unwrap();
    let mut words: Vec<&str> = reserved.split('"').skip(1).step_by(2).collect();
    let mut ours = crate::syntax::words::RESERVED.to_vec();
    words.sort_unstable();
    ours.sort_unstable();
    assert_eq!(words, ours);
    for line in grammar.lines().filter(|l| l.starts_with("kw_")) {
        let word = line.split('"').nth(1).unwrap();
        assert!(
            crate::syntax::words::KEYWORDS.contains(&word) || ours.contains(&word),
            "keyword `{word}` of the grammar is missing from the word lists"
        );
    }
}

#[test]
fn hover_tells_types_definitions_and_costs() {
    let text = format!(
        "{BASE}rule 满减券 {{ every day at 10:00 when 高价值 give 满减 limit once per member }}\n"
    );
    let a = analyse(&text);
    let hover = |needle: &str| a.hover(text.rfind(needle).unwrap(), None).unwrap().1;
    assert_eq!(hover("birthday: date?"), "member field `birthday`: `date?`");
    assert_eq!(
        hover("amount: money"),
        "event field `order_paid.amount`: `money`"
    );
    let reward = hover("满减 limit");
    assert!(
        reward.starts_with("```playbook\nreward 满减 = coupon ¥20 over ¥300 valid 7d\n```"),
        "{reward}"
    );
    assert!(
        reward.ends_with("At most ¥20 a grant (against caps and budgets)"),
        "{reward}"
    );
    let rule = hover("满减券");
    assert!(
        rule.contains("Static cost bound: ¥20 a firing, unbounded (the number of members) a day"),
        "{rule}"
    );
    assert!(a.hover(text.find("timezone").unwrap(), None).is_none());
}

#[test]
fn a_change_to_a_used_file_republishes_the_files_that_use_it() {
    use lsp_server::{Message, Notification};
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("共享.playbook");
    let main = dir.path().join("主.playbook");
    let shared_text = "member { spend: money }\nsegment 老客 = spend > ¥0\n";
    let main_text = "use \"共享.playbook\"\nsegment 新客 = not 老客\n";
    std::fs::write(&shared, shared_text).unwrap();
    std::fs::write(&main, main_text).unwrap();
    let uri = |p: &Path| url::Url::from_file_path(p).unwrap().to_string();
    let mut server = super::server::Server::new(&json!({}));
    for (path, text) in [(&shared, shared_text), (&main, main_text)] {
        server.notify(Notification::new(
            "textDocument/didOpen".into(),
            json!({"textDocument": {"uri": uri(path), "languageId": "playbook", "version": 1, "text": text}}),
        ));
    }
    let published = |messages: Vec<Message>| -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = messages
            .into_iter()
            .filter_map(|m| match m {
                Message::Notification(n) => Some((
                    n.params["uri"].as_str().unwrap().to_owned(),
                    // Errors only: each file alone also has an unused segment.
                    n.params["diagnostics"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|d| d["severity"] == 1)
                        .count(),
                )),
                _ => None,
            })
            .collect();
        out.sort();
        out
    };
    assert_eq!(
        published(server.flush()),
        [(uri(&main), 0), (uri(&shared), 0)]
    );
    // Renaming the segment in the used file (not saved) breaks the file using it.
    server.notify(Notification::new(
        "textDocument/didChange".into(),
        json!({"textDocument": {"uri": uri(&shared), "version": 2},
               "contentChanges": [{"text": shared_text.replace("老客", "熟客")}]}),
    ));
    assert!(server.has_pending());
    assert_eq!(
        published(server.flush()),
        [(uri(&main), 1), (uri(&shared), 0)]
    );
    assert!(!server.has_pending());
}

#[test]
fn an_experiment_given_by_two_rules_is_one_symbol() {
    let arms = "experiment \"首购实验\" { A 50% -> 满减  B 50% -> coupon ¥5 }";
    let text = format!(
        "{BASE}rule a {{ every day at 10:00 when 高价值 give {arms} limit once per member }}\n\
         rule b {{ on order_paid give {arms} limit once per member }}\n"
    );
    let a = analyse(&text);
    let second = text.rfind("首购实验").unwrap();
    assert_eq!(
        a.symbol_at(second).map(|o| o.kind.clone()),
        Some(SymbolKind::Experiment)
    );
    let refs = a.references(second, true);
    assert_eq!(refs.len(), 2);
    assert_eq!(&text[refs[0].start..refs[0].end], "首购实验");
    assert_eq!(
        a.definition(second).map(|s| s.start),
        Some(text.find("首购实验").unwrap())
    );
    let edits = a.rename(second, "复购实验").unwrap();
    assert_eq!(apply(&text, &edits).matches("\"复购实验\"").count(), 2);
}

#[test]
fn what_a_review_found_stays_fixed() {
    // Semantic tokens of a digit before a full-width character (a crash).
    let text = format!("{BASE}segment s = （level ＞= 2） and spend >= ¥5\n// 10：00 5元\n");
    let a = analyse(&text);
    assert!(a.tokens().iter().all(|t| text.is_char_boundary(t.span.end)));
    // No completion in comments and strings.
    assert!(complete(&format!("{BASE}// give |")).is_empty());
    assert!(complete(&format!("{BASE}segment s = level == \"杭|")).is_empty());
    assert!(!complete(&format!("{BASE}segment s = \"x\" != \"y\" and |")).is_empty());
    // An experiment in full-width quotes: the name without its quotes.
    let text = format!(
        "{BASE}rule a {{ every day at 10:00 give experiment “复购” {{ A 50% -> 满减  B 50% -> 满减 }} limit once per member }}\n"
    );
    let a = analyse(&text);
    let refs = a.references(text.find("复购").unwrap(), true);
    assert_eq!(&text[refs[0].start..refs[0].end], "复购");
    // A rule named in `expect … gets` is the rule; a rename may not take another
    // kind's name or a built-in word.
    let text = format!(
        "{BASE}rule 打卡 {{ every day at 10:00 give points 1 limit once per member }}\n\
         test \"t\" {{ at 2026-05-01 10:00  member m1 {{ level: 1, spend: ¥0 }}  expect m1 gets 打卡 }}\n"
    );
    let a = analyse(&text);
    let at = text.rfind("打卡").unwrap();
    assert_eq!(
        a.symbol_at(at).map(|o| o.kind.clone()),
        Some(SymbolKind::Rule)
    );
    assert_eq!(a.rename(at, "签到").unwrap().len(), 2);
    assert!(a.rename(at, "高价值").unwrap_err().contains("segment"));
    assert!(a.rename(at, "coupon").is_err() && a.rename(at, "at").is_err());
}

#[test]
fn the_limit_fix_keeps_a_crlf_file_crlf() {
    let text =
        format!("{BASE}rule r {{\n  every day at 10:00\n  when 高价值\n  give red_packet ¥1\n}}\n")
            .replace('\n', "\r\n");
    let a = analyse(&text);
    let d = a.diagnostics().find(|d| d.code.code() == "W0002").unwrap();
    let fixed = apply(&text, &a.actions(d.span)[0].edits);
    assert!(
        fixed.contains("  limit 1 per member per day\r\n}"),
        "{fixed:?}"
    );
    assert_eq!(fixed.matches('\n').count(), fixed.matches("\r\n").count());
}

#[test]
fn renaming_a_field_renames_it_in_import_blocks_and_built_in_fields_stay() {
    let text = "member {\n  spend: money\n}\n\nevent order_paid { amount: money }\n\nimport member {\n  \"累计消费\" -> spend\n  \"会员编号\" -> id\n}\n\nimport order_paid {\n  \"会员编号\" -> member_id\n  \"实付金额\" -> amount\n}\n\nrule 返现 {\n  on order_paid where event.amount >= ¥100\n  give points 10\n  limit 1 per member per day\n}\n";
    let a = analyse(text);
    let spend = text.find("spend").unwrap();
    assert_eq!(a.rename(spend, "消费").unwrap().len(), 2);
    let amount = text.find("-> amount").unwrap() + 3;
    assert_eq!(a.rename(amount, "金额").unwrap().len(), 3);
    for built_in in ["-> id", "-> member_id"] {
        let at = text.find(built_in).unwrap() + 3;
        let err = a.rename(at, "编号").unwrap_err();
        assert!(err.contains("not declared"), "{err}");
    }
}

#[test]
fn header_settings_are_offered_inside_the_header_only() {
    let labels = |items: Vec<(String, CompletionKind)>| -> Vec<String> {
        items.into_iter().map(|(l, _)| l).collect()
    };
    let items = complete("playbook \"x\" {\n  timezone \"Asia/Shanghai\"\n  |\n}\n");
    assert!(
        items.iter().all(|(_, k)| *k == CompletionKind::Snippet),
        "{items:?}"
    );
    let inside = labels(items);
    assert!(
        inside.contains(&"per_member_daily".to_owned()),
        "{inside:?}"
    );
    assert!(inside.contains(&"calendar".to_owned()), "{inside:?}");
    // Expression words are no setting.
    assert!(!inside.contains(&"and".to_owned()), "{inside:?}");
    // After the header's `}` no setting snippet is offered (the keyword may be).
    let after = complete("playbook \"x\" {\n  seed \"s\"\n}\n  |\n");
    assert!(
        !after
            .iter()
            .any(|(l, k)| l == "per_member_daily" && *k == CompletionKind::Snippet),
        "{after:?}"
    );
}
