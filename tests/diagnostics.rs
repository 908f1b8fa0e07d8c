//! Every diagnostic kind, tested with the input `docs/diagnostics.md` documents for
//! it: the code fires, it underlines the documented text on the documented line (in
//! the JSON output, columns in characters), and its rendering is snapshot-tested.
//! Run-time errors with a place in the playbook are run over their documented data.

use playbook::check_text;
use playbook::diagnostics::{Code, Format, render, render_json_value};

/// One `## CODE name` section of the docs.
struct Example {
    code: String,
    name: String,
    input: String,
    underlined: String,
    line: usize,
    /// A run-time error's data (SQL text) and window (`at`, `since`).
    run: Option<(String, String, Option<String>)>,
}

/// The text between the first `open` and the next `close` after it.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    text.split_once(open)
        .and_then(|(_, rest)| rest.split_once(close))
        .map(|(inside, _)| inside)
}

/// A `## R…` section without a playbook block: an error with no place in the
/// playbook, documented by its description.
fn placeless(heading: &str, body: &str) -> bool {
    heading.starts_with('R') && !body.contains("```playbook")
}

fn examples() -> Vec<Example> {
    let doc = include_str!("../docs/diagnostics.md");
    let mut out = Vec::new();
    for section in doc.split("\n## ").skip(1) {
        let (heading, body) = section.split_once('\n').expect("section heading");
        let (code, name) = heading.split_once(' ').expect("`## CODE name`");
        // A section runs until the next heading of any level.
        let body = body.split("\n# ").next().unwrap_or(body);
        if placeless(heading, body) {
            out.push(Example {
                code: code.into(),
                name: name.trim().into(),
                input: String::new(),
                underlined: String::new(),
                line: 0,
                run: None,
            });
            continue;
        }
        let run = code.starts_with('R').then(|| {
            let sql = between(body, "```sql\n", "\n```").expect("an sql block");
            let at = between(body, "Run at `", "`").expect("Run at `…`");
            let since = between(body, "` since `", "`").map(str::to_owned);
            (format!("{sql}\n"), at.to_owned(), since)
        });
        let input = body
            .split_once("```playbook\n")
            .and_then(|(_, rest)| rest.split_once("\n```"))
            .map(|(block, _)| format!("{block}\n"))
            .unwrap_or_else(|| panic!("{code}: no playbook block"));
        let marker = body
            .split_once("Underlines `")
            .unwrap_or_else(|| panic!("{code}: no `Underlines` line"))
            .1;
        let (underlined, rest) = marker
            .split_once("` on line ")
            .expect("Underlines `TEXT` on line N.");
        let line = rest
            .split('.')
            .next()
            .and_then(|n| n.trim().parse().ok())
            .expect("line number");
        out.push(Example {
            code: code.into(),
            name: name.trim().into(),
            input,
            underlined: underlined.into(),
            line,
            run,
        });
    }
    out
}

#[test]
fn every_code_is_documented_in_order() {
    let documented: Vec<String> = examples()
        .into_iter()
        .map(|e| format!("{} {}", e.code, e.name))
        .collect();
    let codes: Vec<String> = Code::ALL
        .iter()
        .map(|c| format!("{} {}", c.code(), c.name()))
        .collect();
    assert_eq!(documented, codes);
}

#[test]
fn every_documented_example_triggers_its_code() {
    for ex in examples().into_iter().filter(|e| !e.input.is_empty()) {
        let file = format!("{}.playbook", ex.code);
        let mut out = check_text(&file, &ex.input);
        if let Some((sql, at, since)) = &ex.run {
            out.diagnostics = vec![run_error(&ex.code, &out, sql, at, since.as_deref())];
        }
        let json = render_json_value(&out.diagnostics, &out.sources);
        let hit = json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .find(|d| d["code"] == ex.code.as_str())
            .unwrap_or_else(|| panic!("{}: not reported; got {json:#}", ex.code));
        assert_eq!(hit["name"], ex.name.as_str(), "{}", ex.code);
        assert_eq!(hit["file"], file.as_str());
        let (line, col, end_line, end_col) = (
            hit["line"].as_u64().unwrap() as usize,
            hit["column"].as_u64().unwrap() as usize,
            hit["end_line"].as_u64().unwrap() as usize,
            hit["end_column"].as_u64().unwrap() as usize,
        );
        assert_eq!(line, ex.line, "{}: line", ex.code);
        assert_eq!(end_line, line, "{}: one-line span", ex.code);
        let text: String = ex
            .input
            .lines()
            .nth(line - 1)
            .unwrap()
            .chars()
            .skip(col - 1)
            .take(end_col - col)
            .collect();
        assert_eq!(text, ex.underlined, "{}: underlined text", ex.code);
        insta::assert_snapshot!(
            format!("{}-{}", ex.code, ex.name),
            render(
                Format::Human { color: false },
                &out.diagnostics,
                &out.sources
            )
        );
    }
}

#[test]
fn github_format_names_file_line_and_column() {
    let ex = examples()
        .into_iter()
        .find(|e| e.code == "E0101")
        .expect("E0101 documented");
    let out = check_text("E0101.playbook", &ex.input);
    let text = render(Format::Github, &out.diagnostics, &out.sources);
    assert!(
        text.starts_with(&format!(
            "::error file=E0101.playbook,line={},col=",
            ex.line
        )),
        "{text}"
    );
    assert!(text.contains("title=E0101 unknown-name::"), "{text}");
}

#[test]
fn several_diagnostics_are_reported_at_once() {
    let text = "member { orders: int }\nsegment a = orderz > 1\nsegment b = order > 1\nrule r { every day at 10:00 when a and b give coupon ¥20 over ¥10 limit once per member }\n";
    let out = check_text("many.playbook", text);
    let codes: Vec<Code> = out.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        vec![
            Code::UnknownName,
            Code::UnknownName,
            Code::CouponExceedsThreshold
        ]
    );
}

#[test]
fn a_syntax_error_loses_only_its_declaration() {
    let text = "member { orders: int }\nsegment a = (orders > )\nsegment b = orderz > 1\nrule r { every day at 10:00 when b give coupon ¥5 limit once per member }\n";
    let out = check_text("recover.playbook", text);
    let codes: Vec<Code> = out.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec![Code::Syntax, Code::UnknownName]);
}

/// The diagnostic of the run-time error a documented run stops with.
fn run_error(
    code: &str,
    checked: &playbook::CheckOutcome,
    sql: &str,
    at: &str,
    since: Option<&str>,
) -> playbook::diagnostics::Diagnostic {
    use playbook::app::decisions::Collect;
    use playbook::app::run::{RunFailure, RunRequest, run};
    let program = checked
        .program
        .clone()
        .unwrap_or_else(|| panic!("{code}: the example checks: {:?}", checked.diagnostics));
    let tz = program.settings.timezone;
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let data = dir.path().join(format!("{code}.sql"));
    std::fs::write(&data, sql).expect("the data file");
    let compiled = playbook::compile::compile(program);
    let instant = |t: &str| playbook::time::parse_instant(t, tz).expect("an instant");
    let request = RunRequest {
        since: since.map(instant),
        ..RunRequest::new(&compiled, &data, instant(at))
    };
    let mut sink = Collect::default();
    match run(&request, &mut sink) {
        Err(RunFailure::Run(e)) => {
            assert_eq!(e.code().code(), code, "{e}");
            e.diagnostic()
                .unwrap_or_else(|| panic!("{code}: no place in the playbook: {e}"))
        }
        other => panic!("{code}: the run did not stop with it: {other:?}"),
    }
}

#[test]
fn run_time_errors_render_as_json_and_github_too() {
    let ex = examples()
        .into_iter()
        .find(|e| e.code == "R0001")
        .expect("R0001 documented");
    let out = check_text("R0001.playbook", &ex.input);
    let (sql, at, since) = ex.run.as_ref().expect("a run");
    let d = run_error("R0001", &out, sql, at, since.as_deref());
    let json = render_json_value(std::slice::from_ref(&d), &out.sources);
    assert_eq!(json["errors"], 1, "{json:#}");
    assert_eq!(json["diagnostics"][0]["line"], 3, "{json:#}");
    let github = render(Format::Github, &[d], &out.sources);
    assert!(
        github.starts_with("::error file=R0001.playbook,line=3,col=9,"),
        "{github}"
    );
    assert!(
        github.contains("title=R0001 evaluation-failed::"),
        "{github}"
    );
}
