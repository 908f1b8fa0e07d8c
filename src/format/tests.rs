//! Unit tests of the formatter: layout rules, comments and the self-check.

use super::*;

fn fmt(text: &str) -> String {
    match format_source(FileId(0), text) {
        Ok(s) => s,
        Err(FormatError::Syntax(d)) => panic!("syntax: {:?}", d[0].message),
        Err(FormatError::Internal(m)) => panic!("internal: {m}"),
    }
}

/// Formats `text` and checks that formatting again changes nothing.
fn stable(text: &str) -> String {
    let once = fmt(text);
    assert_eq!(fmt(&once), once, "formatting twice differs from once");
    once
}

#[test]
fn formats_a_small_playbook() {
    let out = stable("segment a=orders>=5 or x\nreward r=coupon ¥10 valid 7d\n");
    assert_eq!(out, "segment a = orders >= 5 or x\nreward r = coupon ¥10 valid 7d\n");
}
