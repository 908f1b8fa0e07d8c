//! The shipped examples and the README tour check clean; the spec's own example
//! parses and reports exactly what is wrong with it.

use playbook::diagnostics::{Code, Format, render};
use playbook::{check_file, check_text};

#[test]
fn every_example_checks_clean() {
    let mut seen = 0;
    for entry in std::fs::read_dir("examples").expect("examples folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "playbook") {
            continue;
        }
        let out = check_file(&path).expect("readable");
        let shown = render(
            Format::Human { color: false },
            &out.diagnostics,
            &out.sources,
        );
        assert!(out.diagnostics.is_empty(), "{}:\n{shown}", path.display());
        assert!(
            out.program
                .is_some_and(|p| !p.rules.is_empty() && !p.tests.is_empty())
        );
        seen += 1;
    }
    assert!(seen >= 4, "at least four examples, found {seen}");
}

#[test]
fn the_readme_tour_checks_clean() {
    let readme = include_str!("../README.md");
    let tour = readme
        .split("## A tour of the language")
        .nth(1)
        .expect("tour section");
    let block = tour.split("```\n").nth(1).expect("code block");
    let out = check_text("README.md", block);
    let shown = render(
        Format::Human { color: false },
        &out.diagnostics,
        &out.sources,
    );
    assert!(out.diagnostics.is_empty(), "{shown}");
}

#[test]
fn the_spec_example_reports_its_test_gaps_and_unused_names() {
    let out =
        check_file(std::path::Path::new("tests/fixtures/spec_example.playbook")).expect("fixture");
    let codes: Vec<Code> = out.diagnostics.iter().map(|d| d.code).collect();
    // Its test member leaves out required fields; 新客, 羊毛党, 入群红包 and the
    // `order_paid` event are declared but never used.
    assert_eq!(
        codes,
        vec![
            Code::Unused,
            Code::Unused,
            Code::Unused,
            Code::Unused,
            Code::MissingField
        ]
    );
    insta::assert_snapshot!(render(
        Format::Human { color: false },
        &out.diagnostics,
        &out.sources
    ));
}
