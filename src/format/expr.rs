//! Expressions and literals as text, on one line.
//!
//! Parentheses are printed exactly where the parser needs them to build the same tree
//! (LANGUAGE.md §7.14): a left operand that binds more loosely than its operator (or
//! as loosely, when the two would read as one chain: `(a + b) + c` is not
//! `a + b + c`), a right operand that binds no tighter (every operator groups to the
//! left), and a `not` anywhere but at the loose end of a chain. A chain prints flat,
//! in one loop, however long.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};
use rust_decimal::Decimal;

use crate::money::{Fen, Rate};
use crate::syntax::ast::{
    BinaryOp, Duration, Expr, ExprKind, History, HistorySource, Literal, NEG_PRECEDENCE,
    NOT_PRECEDENCE, UnaryOp,
};

/// How tightly an expression binds: binary operators by their precedence, prefix
/// operators by theirs, everything else (operands) tighter than any operator.
pub fn binding(e: &Expr) -> u8 {
    match &e.node {
        ExprKind::Binary { op, .. } => op.node.precedence(),
        ExprKind::Chain { rest, .. } => {
            rest.first().map_or(u8::MAX, |(op, _)| op.node.precedence())
        }
        ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => NOT_PRECEDENCE,
        ExprKind::Unary {
            op: UnaryOp::Neg, ..
        } => NEG_PRECEDENCE,
        _ => u8::MAX,
    }
}

/// The expression on one line.
pub fn expr(e: &Expr) -> String {
    match &e.node {
        ExprKind::Literal(l) => literal(l),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Field { scope, field } => format!("{}.{}", scope.node.keyword(), field.node),
        ExprKind::Exists(path) => format!("exists {}", expr(path)),
        ExprKind::Call { func, args } => format!("{}({})", func.node, list(args)),
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::History(h) => history(h),
        ExprKind::Unary { op, operand } => unary(*op, operand),
        ExprKind::Binary { op, lhs, rhs } => format!(
            "{} {} {}",
            left_operand(op.node, lhs),
            op.node.symbol(),
            right_operand(op.node, rhs)
        ),
        ExprKind::Chain { first, rest } => {
            let mut out = rest
                .first()
                .map_or_else(|| expr(first), |(op, _)| left_operand(op.node, first));
            for (op, operand) in rest {
                out.push(' ');
                out.push_str(op.node.symbol());
                out.push(' ');
                out.push_str(&right_operand(op.node, operand));
            }
            out
        }
    }
}

/// `count(order_paid where event.amount >= ¥300 within 30d)`, `first(order_paid).at`.
fn history(h: &History) -> String {
    let mut out = format!("{}(", h.func.node.name());
    match &h.source {
        HistorySource::Events { kind, field } => {
            out.push_str(&kind.node);
            if let Some(f) = field {
                out.push('.');
                out.push_str(&f.node);
            }
        }
        HistorySource::Granted { rule, value, .. } => {
            out.push_str("granted");
            if let Some(r) = rule {
                out.push(' ');
                out.push_str(&r.node);
            }
            if value.is_some() {
                out.push_str(" value");
            }
        }
    }
    if let Some(w) = &h.filter {
        out.push_str(" where ");
        out.push_str(&expr(w));
    }
    if let Some(d) = &h.within {
        out.push_str(" within ");
        out.push_str(&duration(d.node));
    }
    out.push(')');
    if let Some(t) = &h.then {
        out.push('.');
        out.push_str(&t.node);
    }
    out
}

fn list(items: &[Expr]) -> String {
    items.iter().map(expr).collect::<Vec<_>>().join(", ")
}

fn unary(op: UnaryOp, operand: &Expr) -> String {
    match op {
        // `not` takes everything that binds tighter than itself.
        UnaryOp::Not => format!("not {}", wrap(operand, binding(operand) < NOT_PRECEDENCE)),
        // `-` takes only an operand; a nested prefix is bracketed for the reader.
        UnaryOp::Neg => format!("-{}", wrap(operand, binding(operand) <= NEG_PRECEDENCE)),
    }
}

/// The left operand of `op`, bracketed when it binds more loosely, or as loosely
/// and would otherwise join `op` in one chain.
pub fn left_operand(op: BinaryOp, lhs: &Expr) -> String {
    let b = binding(lhs);
    let p = op.precedence();
    wrap(
        lhs,
        b < p || (b == p && op.chains()) || for_clarity(op, lhs),
    )
}

/// The right operand of `op`, bracketed when it binds no tighter. A `not` on the
/// right is bracketed too unless `op` is `and`/`or`, so that it cannot take what
/// follows the operand.
pub fn right_operand(op: BinaryOp, rhs: &Expr) -> String {
    wrap(rhs, binding(rhs) <= op.precedence() || for_clarity(op, rhs))
}

/// A `??` compared with something is bracketed although it binds tighter, as the
/// examples write it: `(first_order_at ?? joined_at) >= now - 30d`.
fn for_clarity(op: BinaryOp, operand: &Expr) -> bool {
    op.precedence() == BinaryOp::Eq.precedence()
        && binding(operand) == BinaryOp::Coalesce.precedence()
}

/// `e`, in parentheses when `parens`.
fn wrap(e: &Expr, parens: bool) -> String {
    if parens {
        format!("({})", expr(e))
    } else {
        expr(e)
    }
}

/// A literal in the form the examples use.
pub fn literal(l: &Literal) -> String {
    match l {
        Literal::Int(n) => n.to_string(),
        Literal::Decimal(d) => decimal(*d),
        Literal::Money(m) => money(*m),
        Literal::Percent(r) => rate(*r),
        Literal::Duration(d) => duration(*d),
        Literal::Date(d) => date(*d),
        Literal::DateTime(t) => datetime(*t),
        Literal::Time(t) => time(*t),
        Literal::Text(s) => quote(s),
        Literal::Bool(b) => b.to_string(),
        Literal::Now => "now".to_string(),
        Literal::Today => "today".to_string(),
    }
}

/// `0.2`; a whole number keeps a point (`5.0`) so that it reads back as a decimal.
fn decimal(d: Decimal) -> String {
    let text = d.to_string();
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

/// `¥1,000`, `¥0.2`.
pub fn money(m: Fen) -> String {
    m.to_string()
}

/// `30%`, `12.5%`.
pub fn rate(r: Rate) -> String {
    r.to_string()
}

/// `7折`, `8.5折`: the rate paid, in tenths.
pub fn zhe(r: Rate) -> String {
    format!("{}折", Decimal::new(r.0, 3).normalize())
}

/// `30d`, in the unit it was written in.
pub fn duration(d: Duration) -> String {
    format!("{}{}", d.seconds / d.unit.seconds(), d.unit.suffix())
}

/// `2026-04-18`.
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `20:00`, or `20:00:30` when the seconds are not zero.
pub fn time(t: NaiveTime) -> String {
    if t.second() == 0 {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}

/// `2026-04-18 10:00`.
pub fn datetime(t: NaiveDateTime) -> String {
    format!("{} {}", date(t.date()), time(t.time()))
}

/// `monday`.
pub fn weekday(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// A string literal with `\"`, `\\`, `\n` and `\t` escaped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::syntax::parse_expression;

    fn round(text: &str) -> String {
        let e = parse_expression(FileId(0), text).expect("parses");
        let printed = expr(&e);
        let again = parse_expression(FileId(0), &printed).expect("printed text parses");
        assert_eq!(e, again, "`{text}` printed as `{printed}`");
        printed
    }

    #[test]
    fn keeps_only_the_parentheses_the_tree_needs() {
        assert_eq!(round("a - (b - c)"), "a - (b - c)");
        assert_eq!(round("(a - b) - c"), "(a - b) - c");
        assert_eq!(round("a - b - c"), "a - b - c");
        assert_eq!(round("a - b + (c - d) - e"), "a - b + (c - d) - e");
        assert_eq!(round("(a and b) and c and d"), "(a and b) and c and d");
        assert_eq!(round("a < b < c"), "a < b < c");
        assert_eq!(round("(a ?? b) ?? c"), "(a ?? b) ?? c");
        assert_eq!(round("a ?? b ?? c >= d"), "(a ?? b ?? c) >= d");
        assert_eq!(round("not (a and b)"), "not (a and b)");
        assert_eq!(round("(not a) and b"), "not a and b");
        assert_eq!(round("(not a) == b"), "(not a) == b");
        assert_eq!(round("a == (not b)"), "a == (not b)");
        assert_eq!(round("-(a * b)"), "-(a * b)");
        assert_eq!(round("(-a) * b"), "-a * b");
        assert_eq!(round("- -a"), "-(-a)");
        assert_eq!(round("(a or b) and c"), "(a or b) and c");
        assert_eq!(round("x not in [1, 2]"), "x not in [1, 2]");
        assert_eq!(round("f ?? g >= now - 30d"), "(f ?? g) >= now - 30d");
        assert_eq!(round("x ?? (y ?? z)"), "x ?? (y ?? z)");
        assert_eq!(
            round("clamp(event.amount*5%,¥2,¥20)"),
            "clamp(event.amount * 5%, ¥2, ¥20)"
        );
    }

    #[test]
    fn prints_literals_canonically() {
        assert_eq!(round("￥10000"), "¥10,000");
        assert_eq!(round("¥0.20"), "¥0.2");
        assert_eq!(round("9:05"), "09:05");
        assert_eq!(round("2026-4-1  10:00:00"), "2026-04-01 10:00");
        assert_eq!(round("12.50%"), "12.5%");
        assert_eq!(round("1w + 7d"), "1w + 7d");
        assert_eq!(round("\"a\\\"b\\\\c\\nd\""), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(zhe(Rate(8500)), "8.5折");
        assert_eq!(zhe(Rate(7000)), "7折");
    }

    #[test]
    fn a_whole_decimal_keeps_its_point() {
        let e = parse_expression(FileId(0), "5.0").expect("parses");
        assert_eq!(expr(&e), "5.0");
        assert_eq!(decimal(Decimal::new(5, 0)), "5.0");
    }
}
