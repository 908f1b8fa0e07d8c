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

fn expr_of(text: &str) -> ast::Expr {
    parse_expression(FileId(0), text).expect("parses")
}

/// The operators of `e` when it is a chain, or `None`.
fn chain_ops(e: &ast::Expr) -> Option<Vec<&'static str>> {
    match &e.node {
        ast::ExprKind::Chain { rest, .. } => {
            Some(rest.iter().map(|(op, _)| op.node.symbol()).collect())
        }
        _ => None,
    }
}

#[test]
fn a_run_of_one_precedence_level_is_one_chain() {
    assert_eq!(
        chain_ops(&expr_of("a + b - c + d")),
        Some(vec!["+", "-", "+"])
    );
    assert_eq!(
        chain_ops(&expr_of("a and b and c")),
        Some(vec!["and", "and"])
    );
    assert_eq!(chain_ops(&expr_of("a ?? b ?? c")), Some(vec!["??", "??"]));
    // Tighter operators are operands of the looser chain.
    let e = expr_of("a * b * c + d or e or f and g");
    assert_eq!(chain_ops(&e), Some(vec!["or", "or"]));
    let ast::ExprKind::Chain { first, .. } = &e.node else {
        panic!("{e:?}")
    };
    assert_eq!(chain_ops(first), None, "`a * b * c + d` has one `+`");
    let ast::ExprKind::Binary { lhs, .. } = &first.node else {
        panic!("{first:?}")
    };
    assert_eq!(chain_ops(lhs), Some(vec!["*", "*"]));
}

#[test]
fn one_operator_parentheses_and_comparisons_stay_binary() {
    assert!(matches!(
        expr_of("a + b").node,
        ast::ExprKind::Binary { .. }
    ));
    // A parenthesized operand stays one operand.
    let e = expr_of("(a + b) + c");
    let ast::ExprKind::Binary { lhs, .. } = &e.node else {
        panic!("{e:?}")
    };
    assert!(matches!(lhs.node, ast::ExprKind::Binary { .. }));
    assert_ne!(e, expr_of("a + b + c"));
    // Comparisons group to the left one at a time, as before.
    let e = expr_of("a < b < c");
    let ast::ExprKind::Binary { lhs, .. } = &e.node else {
        panic!("{e:?}")
    };
    assert!(matches!(lhs.node, ast::ExprKind::Binary { .. }));
}

#[test]
fn a_flat_chain_is_one_level_however_long() {
    let chain = vec!["a"; 10_000].join(" and ");
    let e = expr_of(&format!("not ({chain})"));
    let ast::ExprKind::Unary { operand, .. } = &e.node else {
        panic!("not a `not`")
    };
    assert_eq!(chain_ops(operand).map(|ops| ops.len()), Some(9_999));
    // Real nesting keeps its limit.
    let deep = format!(
        "{}a{}",
        "(".repeat(MAX_NESTING + 1),
        ")".repeat(MAX_NESTING + 1)
    );
    assert!(parse_expression(FileId(0), &deep).is_err());
    let nots = format!("{}a", "not ".repeat(MAX_NESTING + 1));
    assert!(parse_expression(FileId(0), &nots).is_err());
}
