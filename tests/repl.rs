//! The REPL's line evaluation (`Session::eval_line`): every command, declarations,
//! expressions and errors, as transcripts snapshotted with insta. The example
//! playbooks and their data in `examples/` are the session's content.

use playbook::repl::Session;

const LAUNCH: &str = "examples/package_card_launch.playbook";
const LAUNCH_DATA: &str = "examples/data/package_card_launch.sql";
const MEMBER_DAY: &str = "examples/member_day_birthday.playbook";
const MEMBER_DAY_DATA: &str = "examples/data/member_day_birthday.sql";

/// Feeds `inputs` to `session` and writes what a user sees: `> input`, the reply,
/// and `[failed]` after a failed one.
fn transcript(session: &mut Session, inputs: &[&str]) -> String {
    let mut out = String::new();
    for input in inputs {
        let reply = session.eval_line(input);
        out.push_str(&format!("> {}\n", input.replace('\n', "\n. ")));
        out.push_str(&reply.text);
        if reply.failed {
            out.push_str("[failed]\n");
        }
        if reply.quit {
            out.push_str("[quit]\n");
        }
    }
    out
}

/// A session with the launch playbook and its data at 2026-04-27 22:00.
fn launch() -> Session {
    let mut session = Session::new("<repl>", false);
    for line in [
        format!(":load {LAUNCH}"),
        format!(":data {LAUNCH_DATA}"),
        ":at 2026-04-27 22:00".to_owned(),
    ] {
        let reply = session.eval_line(&line);
        assert!(!reply.failed, "{line}: {}", reply.text);
    }
    session
}

fn failed(session: &mut Session, input: &str) -> bool {
    session.eval_line(input).failed
}

#[test]
fn help_lists_every_command() {
    let mut s = Session::new("<repl>", false);
    let reply = s.eval_line(":help");
    for c in playbook::repl::COMMANDS {
        assert!(reply.text.contains(&format!(":{}", c.name)), "{}", c.name);
    }
    insta::assert_snapshot!("help", transcript(&mut s, &[":help"]));
}

#[test]
fn load_data_and_at_set_up_the_session() {
    let mut s = Session::new("<repl>", false);
    insta::assert_snapshot!(
        "setup",
        transcript(
            &mut s,
            &[
                ":data",
                &format!(":load {LAUNCH}"),
                &format!(":data {LAUNCH_DATA}"),
                ":data",
                ":at 2026-04-27 22:00",
                ":at",
                ":at 2026-04-27T14:00:00Z",
                ":at yesterday",
                ":load examples/no_such.playbook",
                ":data examples/no_such.db",
                ":load",
            ]
        )
    );
}

#[test]
fn a_declaration_is_added_and_a_redefinition_replaces_it() {
    let mut s = launch();
    insta::assert_snapshot!(
        "declarations",
        transcript(
            &mut s,
            &[
                "segment 老主顾 = orders >= 2",
                ":count 老主顾",
                "segment 老主顾 = orders >= 3",
                ":count 老主顾",
                "reward 小红包 = red_packet ¥1",
                "rule 复购红包 {\n  on order_paid where event.amount >= ¥100\n  when 老主顾\n  give 小红包\n  limit once per member\n}",
                ":show 复购红包",
                "segment a = orders > 1 segment b = orders > 2",
            ]
        )
    );
    assert_eq!(s.program().segments.len(), 5);
}

#[test]
fn a_declaration_with_errors_is_rejected_and_shown_at_its_line() {
    let mut s = launch();
    insta::assert_snapshot!(
        "declaration_errors",
        transcript(
            &mut s,
            &[
                "segment 高消费 = spend_365d >= 500",
                "segment 潜客 = nosuch == 0",
                "segment x = (orders",
                "use \"other.playbook\"",
                "segment 首单 = first_order_at > now - 7d",
            ]
        )
    );
    // Nothing was changed by the rejected declarations.
    assert_eq!(s.program().segments.len(), 2);
    assert!(!failed(&mut s, ":count 潜客"));
}

#[test]
fn redefining_a_schema_that_others_use_is_rejected() {
    let mut s = launch();
    let reply = s.eval_line("member { level: int }");
    assert!(reply.failed);
    assert!(
        reply.text.contains("unknown name `orders`"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("nothing was changed"));
}

#[test]
fn expressions_print_value_and_type() {
    let mut s = launch();
    insta::assert_snapshot!(
        "expressions",
        transcript(
            &mut s,
            &[
                "1 + 2",
                "¥20 * 3",
                "now",
                "today",
                "orders",
                ":member m033",
                "orders",
                "spend_365d * 5%",
                "first_order_at",
                "first_order_at ?? joined_at",
                "days_since(joined_at)",
                "tags",
                "\"价格敏感\" in tags",
                "潜客 or 新客",
                "member.channel",
                "orders >=\n  1",
            ]
        )
    );
}

#[test]
fn expression_errors_are_shown_with_their_span() {
    let mut s = launch();
    s.eval_line(":member m033");
    insta::assert_snapshot!(
        "expression_errors",
        transcript(
            &mut s,
            &[
                "orderz + 1",
                "orders + ¥1",
                "first_order_at > now",
                "event.amount",
                "orders +",
                "1 / 0",
                "group.kind",
            ]
        )
    );
}

#[test]
fn member_and_group_select_and_show_records() {
    let mut s = Session::new("<repl>", false);
    s.eval_line(&format!(":load {MEMBER_DAY}"));
    s.eval_line(&format!(":data {MEMBER_DAY_DATA}"));
    s.eval_line(":at 2026-05-20 10:00");
    insta::assert_snapshot!(
        "member_group",
        transcript(
            &mut s,
            &[
                ":member",
                ":member c001",
                ":member",
                ":member nobody",
                ":group g01",
                "size",
                ":count size > 200",
                ":member c001",
                "orders",
            ]
        )
    );
    assert_eq!(s.member(), Some("c001"));
    assert_eq!(s.group(), Some("g01"));
}

#[test]
fn group_needs_a_group_schema() {
    let mut s = launch();
    let reply = s.eval_line(":group g1");
    assert!(reply.failed);
    assert!(reply.text.contains("no group schema"), "{}", reply.text);
}

#[test]
fn segments_and_count_scan_the_data() {
    let mut s = launch();
    insta::assert_snapshot!(
        "segments_count",
        transcript(
            &mut s,
            &[
                ":segments",
                ":count 潜客 and days_since(joined_at) >= 7",
                ":count orders >= 100",
                ":count orders",
                ":count",
            ]
        )
    );
}

#[test]
fn count_agrees_with_the_segment_sizes() {
    let mut s = launch();
    let sizes = s.eval_line(":segments").text;
    let count = s.eval_line(":count 潜客").text;
    let n = count.split_whitespace().next().unwrap_or("");
    let line = sizes
        .lines()
        .find(|l| l.trim_start().starts_with("潜客"))
        .unwrap_or("");
    assert!(line.contains(&format!(" {n} of")), "{line} vs {count}");
}

#[test]
fn commands_that_need_data_or_a_member_say_so() {
    let mut s = Session::new("<repl>", false);
    s.eval_line(&format!(":load {LAUNCH}"));
    insta::assert_snapshot!(
        "needs",
        transcript(
            &mut s,
            &[
                ":segments",
                ":count orders > 1",
                ":run",
                ":member c001",
                "orders"
            ]
        )
    );
    s.eval_line(&format!(":data {LAUNCH_DATA}"));
    assert!(failed(&mut s, ":explain"));
    assert!(failed(&mut s, "orders"));
}

#[test]
fn explain_judges_rules_for_the_selected_member() {
    let mut s = launch();
    s.eval_line(":member m033");
    insta::assert_snapshot!(
        "explain",
        transcript(
            &mut s,
            &[":explain 首单返现", ":explain 首单反现", ":explain"]
        )
    );
}

#[test]
fn run_prints_the_summary_then_the_grants() {
    let mut s = launch();
    insta::assert_snapshot!(
        "run",
        transcript(&mut s, &[":run 2026-04-25 00:00", ":run", ":run soon"])
    );
}

#[test]
fn run_grants_what_the_run_command_grants() {
    let mut s = launch();
    let text = s.eval_line(":run 2026-04-25 00:00").text;
    // The README's first command: the same window grants 59 grants worth ¥1,344.4.
    assert!(text.contains("granted 59 grants worth ¥1,344.4"), "{text}");
}

#[test]
fn type_and_show() {
    let mut s = launch();
    insta::assert_snapshot!(
        "type_show",
        transcript(
            &mut s,
            &[
                ":type spend_365d * 2",
                ":type first_order_at",
                ":type   orders  >=  2",
                ":type orderz",
                ":type",
                ":show 新客",
                ":show orders",
                ":show member",
                ":show 新课",
                ":show",
            ]
        )
    );
}

#[test]
fn unknown_and_ambiguous_commands_get_suggestions() {
    let mut s = Session::new("<repl>", false);
    insta::assert_snapshot!(
        "unknown_commands",
        transcript(
            &mut s,
            &[":segmnets", ":s", ":xyz", ":", ":segments now", ":q"]
        )
    );
}

#[test]
fn quit_ends_the_session() {
    let mut s = Session::new("<repl>", false);
    let reply = s.eval_line(":quit");
    assert!(reply.quit && !reply.failed);
}

#[test]
fn reload_reads_the_file_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p.playbook");
    let write = |text: &str| std::fs::write(&path, text).expect("write");
    write("member { orders: int }\nsegment a = orders > 1\nsegment b = orders > 2\n");
    let mut s = Session::new("<repl>", false);
    assert!(failed(&mut s, ":reload"));
    let loaded = s.eval_line(&format!(":load {}", path.display()));
    assert!(!loaded.failed, "{}", loaded.text);
    write("member { orders: int }\nsegment a = orders > 5\n");
    let reloaded = s.eval_line(":reload");
    assert!(!reloaded.failed, "{}", reloaded.text);
    let text = reloaded.text.replace(&path.display().to_string(), "FILE");
    insta::assert_snapshot!("reload", text);
    assert_eq!(s.program().segments.len(), 1);
    write("member { orders: int }\nsegment a = orderz > 5\n");
    assert!(failed(&mut s, ":reload"));
    assert_eq!(s.program().segments.len(), 1);
}

#[test]
fn lines_are_numbered_across_statements() {
    let mut s = Session::new("<stdin>", false);
    s.eval_line("member { orders: int }");
    s.eval_line("segment a =\n  orders > 1");
    let reply = s.eval_line("segment b = orderz > 1");
    assert!(reply.text.contains("<stdin>:4:13"), "{}", reply.text);
    let reply = s.eval_at("segment c = orderz > 1", 10);
    assert!(reply.text.contains("<stdin>:10:13"), "{}", reply.text);
}

#[test]
fn comments_and_blank_input_do_nothing() {
    let mut s = Session::new("<repl>", false);
    for input in ["", "   ", "// a comment", "\n// two\n"] {
        let reply = s.eval_line(input);
        assert_eq!(reply.text, "");
        assert!(!reply.failed);
    }
}

#[test]
fn completion_offers_commands_names_and_fields() {
    let mut s = launch();
    let words = s.vocabulary();
    let complete = |line: &str| words.complete(line, line.len()).1;
    assert_eq!(complete(":seg"), vec!["segments"]);
    assert!(complete("spend").contains(&"spend_365d".to_owned()));
    assert!(complete("潜").contains(&"潜客".to_owned()));
    assert!(complete("segm").contains(&"segment".to_owned()));
    assert_eq!(
        complete("rule r { on order_paid when event.am"),
        vec!["amount"]
    );
    assert!(complete("event.").contains(&"platform".to_owned()));
    assert_eq!(complete(":explain 首单"), vec!["首单返现"]);
    assert_eq!(complete("member.inv"), vec!["invites"]);
    // History: the aggregates, `within`, and a kind's fields after its name.
    assert!(complete("when cou").contains(&"count".to_owned()));
    assert!(complete("count(order_paid wit").contains(&"within".to_owned()));
    assert_eq!(complete("sum(order_paid.am"), vec!["amount"]);
    assert!(complete("first(order_paid).").contains(&"at".to_owned()));
    assert_eq!(words.complete("orders >= 1 and 包", 18).0, 16);
    assert_eq!(words.hint(":mem", 4).as_deref(), Some("ber ID"));
    assert_eq!(words.hint(":segments", 9), None);
    s.eval_line("segment 老主顾 = orders >= 2");
    assert!(
        s.vocabulary()
            .complete("老", 3)
            .1
            .contains(&"老主顾".to_owned())
    );
}

#[test]
fn pathological_input_is_an_error_not_a_crash() {
    let mut s = launch();
    s.eval_line(":member m033");
    let deep = format!("{}orders{} == 1", "(".repeat(100_000), ")".repeat(100_000));
    for input in [
        deep.clone(),
        format!(":count {deep}"),
        format!(":type {deep}"),
        format!("segment deep = {deep}"),
        "-".repeat(100_000) + "1",
        "\u{0}\u{feff}".to_owned(),
        ":member ".to_owned() + &"x".repeat(10_000),
        "¥99999999999999999999 * 99999999".to_owned(),
        "9223372036854775807 + 1".to_owned(),
        ":at 99999-01-01 00:00".to_owned(),
    ] {
        let reply = s.eval_line(&input);
        assert!(!reply.quit);
    }
    assert!(!failed(&mut s, "orders"));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        ":count",
        ":type",
        ":member",
        ":explain",
        ":show",
        ":run",
        ":at",
        ":segments",
        ":data",
        ":load",
        ":group",
        "segment",
        "rule",
        "reward",
        "member",
        "event",
        "group",
        "playbook",
        "test",
        "orders",
        "潜客",
        "新客",
        "spend_365d",
        "first_order_at",
        "tags",
        "event.amount",
        "member.orders",
        "now",
        "today",
        "and",
        "or",
        "not",
        "exists",
        "in",
        "??",
        "==",
        ">=",
        "+",
        "-",
        "*",
        "/",
        "(",
        ")",
        "{",
        "}",
        "[",
        "]",
        ",",
        "=",
        "->",
        "¥10",
        "5%",
        "7折",
        "30d",
        "1",
        "0",
        "2026-04-27",
        "2026-04-27 10:00",
        "\"x\"",
        "m033",
        "top",
        "by",
        "where",
        "give",
        "on",
        "every",
        "day",
        "at",
        "coupon",
        "red_packet",
        "clamp",
        "len",
        "\n",
        "//",
        ":",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn token_soup_never_panics(words in prop::collection::vec(prop::sample::select(WORDS), 0..12)) {
            let mut s = launch();
            let input = words.join(" ");
            let reply = s.eval_line(&input);
            prop_assert!(reply.text.is_empty() || reply.text.ends_with('\n'));
            // The session goes on.
            prop_assert!(!s.eval_line("1 + 1").failed);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,40}") {
            let mut s = launch();
            let _ = s.eval_line(&text);
            let _ = s.eval_line(&format!(":{text}"));
            prop_assert!(!s.eval_line("1 + 1").failed);
        }
    }
}

/// The session shown in the README, replayed: every input gives the output shown.
#[test]
fn the_readme_session_is_what_the_repl_prints() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let start = readme
        .find("$ cargo run --release -- repl ")
        .expect("the README shows a REPL session");
    let block = &readme[start..];
    let block = &block[..block.find("```").expect("the block ends")];
    let mut lines = block.lines().skip(1);
    assert_eq!(
        lines.next(),
        Some("playbook repl — :help lists the commands, Ctrl-D ends")
    );
    let mut s = Session::new("<repl>", false);
    let mut expected = String::new();
    let mut actual = String::new();
    for reply in [
        s.load(LAUNCH),
        s.set_data(LAUNCH_DATA),
        s.set_at("2026-04-27 22:00"),
    ] {
        actual.push_str(&reply.text);
    }
    let mut pending: Option<String> = None;
    for line in lines {
        if let Some(input) = pending.as_mut() {
            input.push('\n');
            input.push_str(line);
        } else if let Some(input) = prompt_input(line) {
            pending = Some(input.to_owned());
        } else {
            expected.push_str(line);
            expected.push('\n');
            continue;
        }
        let input = pending.take().unwrap_or_default();
        if !playbook::repl::input::is_complete(&input) {
            pending = Some(input);
            continue;
        }
        let prompt = match s.selected() {
            Some(m) => format!("playbook[{m}]> "),
            None => "playbook> ".to_owned(),
        };
        expected_prompt_check(line, &input, &prompt);
        actual.push_str(&s.eval_line(&input).text);
    }
    assert_eq!(actual, expected);
}

/// The input of a line that starts with a prompt.
fn prompt_input(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("playbook")?;
    let at = rest.find("> ")?;
    let prompt = &rest[..at];
    (prompt.is_empty() || (prompt.starts_with('[') && prompt.ends_with(']')))
        .then(|| &rest[at + 2..])
}

/// A one-line input's prompt shows the member selected then.
fn expected_prompt_check(line: &str, input: &str, prompt: &str) {
    if !input.contains('\n') {
        assert_eq!(line, format!("{prompt}{input}"));
    }
}
