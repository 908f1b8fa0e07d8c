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
    assert_eq!(
        out,
        "segment a = orders >= 5 or x\nreward r = coupon ¥10 valid 7d\n"
    );
}

#[test]
fn keeps_comments_everywhere_and_is_stable() {
    let src = "\
// head

rule r { // after brace
  on e   where a and // inside a condition
     b
  // before give
  give lottery { 1% -> x // arm
    rest -> y
    // last in block
  }
  limit once per member // trailing
  // before closer
} // after closer
// at the end
";
    let out = stable(src);
    assert_eq!(
        out,
        "\
// head

rule r {  // after brace
  // inside a condition
  on e where a and b
  // before give
  give lottery {
    1%   -> x  // arm
    rest -> y
    // last in block
  }
  limit once per member  // trailing
  // before closer
}  // after closer
// at the end
"
    );
}

#[test]
fn a_double_slash_in_a_string_is_not_a_comment() {
    let out = stable("playbook \"p\" { seed \"http://x\" } // real\n");
    assert_eq!(out, "playbook \"p\" {\n  seed \"http://x\"\n}  // real\n");
}

#[test]
fn blank_lines_collapse_to_one_and_none_open_or_close_a_block() {
    let src = "segment a = x\n\n\n\nsegment b = y\nrule r {\n\n  when a\n\n\n  give z\n\n}\n";
    let out = stable(src);
    assert_eq!(
        out,
        "segment a = x\n\nsegment b = y\n\nrule r {\n  when a\n\n  give z\n}\n"
    );
}

#[test]
fn long_conditions_break_before_each_operator_of_the_loosest_chain() {
    let long = "segment 很长的名字 = orders >= 5 and spend_365d >= ¥10,000 and messages_7d >= 1 \
                and invites >= 3 and level >= 2";
    let out = stable(long);
    assert_eq!(
        out,
        "segment 很长的名字 = orders >= 5\n  and spend_365d >= ¥10,000\n  and messages_7d >= 1\n  \
         and invites >= 3\n  and level >= 2\n"
    );
    let rule = format!(
        "rule r {{ when {} or b\n give x }}",
        ["aaaaaaaaaa and bbbbbbbbbb"; 4].join(" or ")
    );
    let out = stable(&rule);
    assert!(
        out.contains("  when aaaaaaaaaa and bbbbbbbbbb\n    or aaaaaaaaaa"),
        "{out}"
    );
}

#[test]
fn aligns_runs_of_segments_and_rewards_but_not_across_blank_lines() {
    let out = stable("segment a = x\nsegment 长名字 = y\n\nsegment bb = z\nreward r = coupon ¥1\n");
    assert_eq!(
        out,
        "segment a      = x\nsegment 长名字 = y\n\nsegment bb = z\nreward r = coupon ¥1\n"
    );
}

#[test]
fn nested_blocks_indent_and_align_their_arms() {
    let src = "rule r { every day at 9:00 give tier { 老客 -> lottery { 10% -> a rest -> b } \
               else -> c }, d }";
    let out = stable(src);
    assert_eq!(
        out,
        "\
rule r {
  every day at 09:00
  give tier {
    老客 -> lottery {
      10%  -> a
      rest -> b
    }
    else -> c
  }, d
}
"
    );
}

#[test]
fn a_tier_condition_starting_with_minus_is_bracketed() {
    // Unbracketed, `-b` would continue the amount of the arm before it.
    let src = "reward r = tier { a -> points 1\n (-b > 0) -> x }";
    assert_eq!(
        stable(src),
        "reward r = tier {\n  a        -> points 1\n  (-b > 0) -> x\n}\n"
    );
}

#[test]
fn records_break_one_field_a_line_when_long_or_commented() {
    let src = "test \"t\" { member m1 { a: 1, // why\n b: 2 }\n event e by \"not\" at 2026-01-01 9:00 {} }";
    let out = stable(src);
    assert_eq!(
        out,
        "\
test \"t\" {
  member m1 {
    a: 1,  // why
    b: 2,
  }
  event e by \"not\" at 2026-01-01 09:00
}
"
    );
}

#[test]
fn a_file_with_syntax_errors_is_not_formatted() {
    match format_source(FileId(0), "segment = \n") {
        Err(FormatError::Syntax(d)) => assert!(!d.is_empty()),
        other => panic!("expected syntax errors, got {other:?}"),
    }
}

#[test]
fn a_lost_comment_is_an_internal_error() {
    assert!(check_comments("a // one\nb // two\n", "a // one\nb // two\n").is_ok());
    let Err(FormatError::Internal(m)) = check_comments("a // one\nb // two\n", "a // one\nb\n")
    else {
        panic!("a lost comment must be reported");
    };
    assert_eq!(
        m,
        "the formatted text would lose or move the comment `// two`"
    );
    assert!(check_comments("// a\n// b\n", "// b\n// a\n").is_err());
}

#[test]
fn a_changed_meaning_is_an_internal_error() {
    let original = "segment a = x - (y - z)\n";
    let program = syntax::parse(FileId(0), original).program;
    let wrong = "segment a = x - y - z\n";
    let Err(FormatError::Internal(m)) = verify(FileId(0), original, &program, wrong) else {
        panic!("a changed tree must be reported");
    };
    assert_eq!(
        m,
        "the formatted text would change the meaning of the declaration at line 1"
    );
    assert!(verify(FileId(0), original, &program, "segment a = x - (y - z)").is_ok());
    assert!(matches!(
        verify(FileId(0), original, &program, "segment a = "),
        Err(FormatError::Internal(_))
    ));
}

#[test]
fn an_empty_or_comment_only_file_formats() {
    assert_eq!(stable(""), "");
    assert_eq!(
        stable("  // only\n\n\n// comments  \n"),
        "// only\n\n// comments\n"
    );
}

#[test]
fn a_comment_before_a_record_or_block_does_not_decide_its_layout() {
    // The comment moves above the line; the record stays on one line both times.
    let out = stable("test \"t\" {\n  event e// c\n by m1 at 2026-01-01 10:00 { a: 1 }\n}\n");
    assert_eq!(
        out,
        "test \"t\" {\n  // c\n  event e by m1 at 2026-01-01 10:00 { a: 1 }\n}\n"
    );
    let out = stable("event // c\n e { a: int }\n");
    assert_eq!(out, "// c\nevent e { a: int }\n");
    let out = stable("test \"t\" { ledger // c\n { granted r to m1 by x at 2026-01-01 10:00 } }");
    assert!(out.contains("  ledger {  // c\n    granted r"), "{out}");
}

#[test]
fn a_blank_line_inside_a_line_s_code_is_not_kept() {
    let src = "segment a = x\nsegment bb = y and\n\n// c\n z\n";
    assert_eq!(stable(src), "segment a  = x\n// c\nsegment bb = y and z\n");
}
