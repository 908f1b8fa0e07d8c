use super::*;
use crate::source::FileId;

fn parse_ok(text: &str) -> ast::Program {
    let parsed = parse(FileId(0), text);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    parsed.program
}

#[test]
fn parses_the_spec_example() {
    let program = parse_ok(include_str!("../../tests/fixtures/spec_example.playbook"));
    assert_eq!(program.items.len(), 26);
}
