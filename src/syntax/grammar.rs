//! The grammar (`grammar/playbook.pest`) as pest derives it, the parser and its
//! rules, and how rules are classed. The builder in `parser` and the messages in
//! `errors` both read rules; they share them through here, not through each other.

use std::sync::LazyLock;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/playbook.pest"]
pub(super) struct PlaybookParser;

/// `true` for every `kw_*` rule: keyword tokens carry no data, the builder skips them.
static KEYWORD_RULES: LazyLock<Vec<bool>> = LazyLock::new(|| {
    let rules = Rule::all_rules();
    let mut table = vec![false; rules.len() + 1];
    for &rule in rules {
        if format!("{rule:?}").starts_with("kw_") {
            table[rule as usize] = true;
        }
    }
    table
});

/// Whether `rule` is a keyword token.
pub(super) fn is_keyword(rule: Rule) -> bool {
    KEYWORD_RULES.get(rule as usize).copied().unwrap_or(false)
}

/// Whether `rule` is an infix operator.
pub(super) fn is_infix(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::op_or
            | Rule::op_and
            | Rule::op_in
            | Rule::op_not_in
            | Rule::op_coalesce
            | Rule::op_eq
            | Rule::op_ne
            | Rule::op_le
            | Rule::op_ge
            | Rule::op_lt
            | Rule::op_gt
            | Rule::op_add
            | Rule::op_sub
            | Rule::op_mul
            | Rule::op_div
    )
}
