//! Every diagnostic kind, tested with the input `docs/diagnostics.md` documents for
//! it: the code fires, it underlines the documented text on the documented line (in
//! the JSON output, columns in characters), and its rendering is snapshot-tested.

use playbook::check_text;
use playbook::diagnostics::{Code, Format, render, render_json_value};

/// One `## CODE name` section of the docs.
struct Example {
    code: String,
    name: String,
    input: String,
    underlined: String,
    line: usize,
}

fn examples() -> Vec<Example> {
    let doc = include_str!("../docs/diagnostics.md");
    let mut out = Vec::new();
    for section in doc.split("\n## ").skip(1) {
        let (heading, body) = section.split_once('\n').expect("section heading");
        let (code, name) = heading.split_once(' ').expect("`## CODE name`");
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
    for ex in examples() {
        let file = format!("{}.playbook", ex.code);
        let out = check_text(&file, &ex.input);
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
