//! A flat chain of operators — `a and b and …`, `a or b or …`, `a + b + …`, as
//! playbooks generated from spreadsheets write them — is one level of nesting however
//! long it is. Chains of 100 and 10,000 operators parse, check, format (and read back
//! the same), run and explain, the long ones on a thread with the default 2 MB stack,
//! so that no stage recurses once per operator.

mod common;

use std::path::Path;

use playbook::app::decisions::Collect;
use playbook::app::explain::explain_member;
use playbook::app::run::{RunRequest, run};
use playbook::check::Program;
use playbook::compile::compile;
use playbook::source::{FileId, SourceMap};
use playbook::time::parse_instant;
use tempfile::TempDir;

/// The stack a spawned thread gets by default.
const STACK: usize = 2 * 1024 * 1024;

/// Runs `f` on a thread with [`STACK`] bytes of stack.
fn on_default_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("a thread starts")
        .join()
        .expect("the thread finishes without panicking")
}

/// `item(1) OP item(2) OP … OP item(n)`.
fn chain(n: usize, op: &str, item: impl Fn(usize) -> String) -> String {
    (1..=n).map(item).collect::<Vec<_>>().join(op)
}

/// A playbook whose segments are chains of `n` operands: `many` (`and`), `listed`
/// (`or`) and `rich` (`+`), and whose reward is `points 1 + 1 + …` (`n` points, worth
/// `n` fen).
fn playbook(n: usize) -> String {
    format!(
        "playbook \"chains\" {{ timezone \"Asia/Shanghai\"  point_value ¥0.01 }}\n\
         member {{ orders: int, spend: money }}\n\
         segment many = {}\n\
         segment listed = {}\n\
         segment rich = {} >= ¥{n}\n\
         reward 积分 = points {}\n\
         rule chains {{\n  every day at 10:00\n  when many and listed and rich\n  \
         give 积分\n  limit once per member\n}}\n",
        chain(n, " and ", |i| format!("orders >= {i}")),
        chain(n, " or ", |i| format!("orders == {i}")),
        chain(n, " + ", |_| "spend".to_string()),
        chain(n, " + ", |_| "1".to_string()),
    )
}

/// `a` has `n` orders and ¥1 spent: in every segment. `b` has one order too few:
/// only the last part of `many` is false. `c` has one too many and spent nothing:
/// in `many` only.
fn members(n: usize) -> String {
    format!(
        "CREATE TABLE members (id TEXT PRIMARY KEY, orders INTEGER, spend INTEGER);\n\
         INSERT INTO members VALUES ('a', {n}, 100), ('b', {}, 100), ('c', {}, 0);\n",
        n - 1,
        n + 1
    )
}

fn checked(name: &str, text: &str) -> (Program, SourceMap) {
    let out = playbook::check_text(name, text);
    assert_eq!(out.errors(), 0, "{:#?}", out.diagnostics);
    (out.program.expect("a checked program"), out.sources)
}

/// Formats `text`, and checks that the result reads back as the same tree and is
/// formatted already.
fn formats(text: &str) -> String {
    let formatted = playbook::format::format_source(FileId(0), text).expect("formats");
    let before = playbook::syntax::parse(FileId(0), text).program;
    let after = playbook::syntax::parse(FileId(0), &formatted);
    assert!(after.diagnostics.is_empty(), "{:#?}", after.diagnostics);
    assert!(
        after.program == before,
        "the formatted text reads back differently"
    );
    let again = playbook::format::format_source(FileId(0), &formatted).expect("formats");
    assert!(again == formatted, "formatting is not stable");
    formatted
}

fn run_day(program: &Program, data: &Path) -> Vec<String> {
    let tz = program.settings.timezone;
    let compiled = compile(program.clone());
    let request = RunRequest {
        since: Some(parse_instant("2026-04-20 00:00", tz).expect("instant")),
        ..RunRequest::new(
            &compiled,
            data,
            parse_instant("2026-04-20 23:59", tz).expect("instant"),
        )
    };
    let mut sink = Collect::default();
    run(&request, &mut sink).expect("the run completes");
    sink.decisions.iter().map(common::short_line).collect()
}

/// `explain` for `member` at the day's tick: the rule's verdict and values.
fn explain(program: &Program, sources: &SourceMap, data: &Path, member: &str) -> String {
    let engine = compile(program.clone());
    let mut data = playbook::data::sqlite::SqliteData::open(data, program, Default::default())
        .expect("the data opens");
    let at = parse_instant("2026-04-20 10:00", program.settings.timezone).expect("instant");
    let rules = explain_member(&engine, sources, &mut data, &engine.usage(), member, at)
        .expect("explains")
        .expect("the member exists");
    rules.iter().map(|r| r.text()).collect()
}

/// Everything a chain of `n` goes through, with the answers it must give.
fn chains_of(n: usize) {
    let text = playbook(n);
    let formatted = formats(&text);
    assert!(
        formatted.contains(&format!("\n  and orders >= {n}\n")),
        "a long `and` breaks before each operator"
    );
    let (program, sources) = checked("chains.playbook", &text);
    let dir = TempDir::new().expect("a temporary directory");
    let data = dir.path().join("members.sql");
    std::fs::write(&data, members(n)).expect("write the data");

    let decisions = run_day(&program, &data);
    assert_eq!(decisions, [format!("chains a 积分 {n}")]);

    let a = explain(&program, &sources, &data, "a");
    let worth = playbook::money::Fen(n as i64);
    assert_eq!(a, format!("✓ chains: fires: gives 积分 ({worth})\n"));
    let b = explain(&program, &sources, &data, "b");
    assert!(
        b.contains(&format!(
            "many = false\n      because `orders >= {n}` is false\n      orders = {}\n",
            n - 1
        )),
        "{}",
        &b[..b.len().min(2000)]
    );
    let c = explain(&program, &sources, &data, "c");
    let because = format!(
        "because `{}` is false\n",
        chain(n, " or ", |i| format!("orders == {i}"))
    );
    assert!(
        c.starts_with("✗ chains: `listed` is false\n    listed = false\n")
            && c.contains(&because)
            && c.ends_with(&format!("\n      orders = {}\n", n + 1)),
        "{}",
        &c[..c.len().min(2000)]
    );
}

#[test]
fn chains_of_a_hundred_operators_parse_check_format_run_and_explain() {
    chains_of(100);
}

#[test]
fn chains_of_ten_thousand_operators_do_so_on_a_default_stack() {
    on_default_stack(|| chains_of(10_000));
}

/// A chain fails at the step that fails, named with that step's values, as the
/// same expression nested to the left did.
#[test]
fn an_overflow_in_a_chain_names_the_step_that_failed() {
    let text = "playbook \"chains\" { timezone \"Asia/Shanghai\" }\n\
                member { orders: int, spend: money }\n\
                rule r { every day at 10:00  when orders + 9223372036854775800 + 10 - 20 > 0  \
                give coupon ¥1  limit once per member }\n";
    let (program, _) = checked("overflow.playbook", text);
    let dir = TempDir::new().expect("a temporary directory");
    let data = dir.path().join("members.sql");
    std::fs::write(&data, members(2)).expect("write the data");
    assert_eq!(
        run_day(&program, &data),
        [
            "refused: arithmetic overflow in `9223372036854775802 + 10`",
            "refused: arithmetic overflow in `9223372036854775801 + 10`",
            "refused: arithmetic overflow in `9223372036854775803 + 10`",
        ]
    );
}
