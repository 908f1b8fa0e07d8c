//! Types and the resolved, typed expression tree the checker produces.

use std::fmt;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;

use crate::money::{Fen, Rate};
use crate::source::Span;
use crate::syntax::ast::BinaryOp;
use crate::value::Val;

/// A type without optionality.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Base {
    /// Whole numbers.
    Int,
    /// Exact decimals.
    Decimal,
    /// Money in fen.
    Money,
    /// A rate (`50%`).
    Percent,
    /// `true` / `false`.
    Bool,
    /// Text.
    Text,
    /// An instant.
    Time,
    /// A local calendar date.
    Date,
    /// A length of time.
    Duration,
    /// A time of day (`20:00`).
    TimeOfDay,
    /// `set<text>`.
    TextSet,
    /// A list literal of this element type.
    List(Box<Base>),
    /// The type of an expression that already failed: compatible with everything, so
    /// one mistake yields one diagnostic.
    Error,
}

impl Base {
    /// Whether arithmetic applies.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Base::Int | Base::Decimal | Base::Money | Base::Percent | Base::Error
        )
    }

    /// Whether `<`, `>` apply.
    pub fn is_ordered(&self) -> bool {
        self.is_numeric()
            || matches!(
                self,
                Base::Time | Base::Date | Base::Duration | Base::TimeOfDay | Base::Text
            )
    }
}

/// Result type of `+ - * /`, or `None` when the operands do not go together.
pub(super) fn arithmetic(op: BinaryOp, l: &Base, r: &Base) -> Option<Base> {
    use Base::*;
    if *l == Error || *r == Error {
        return Some(Error);
    }
    let number = |b: &Base| matches!(b, Int | Decimal);
    match (op, l, r) {
        (BinaryOp::Add | BinaryOp::Sub, Int, Int) => Some(Int),
        (BinaryOp::Add | BinaryOp::Sub, a, b) if number(a) && number(b) => Some(Decimal),
        (BinaryOp::Add | BinaryOp::Sub, Money, Money) => Some(Money),
        (BinaryOp::Add | BinaryOp::Sub, Percent, Percent) => Some(Percent),
        (BinaryOp::Add | BinaryOp::Sub, Duration, Duration) => Some(Duration),
        (BinaryOp::Add | BinaryOp::Sub, Time, Duration) => Some(Time),
        (BinaryOp::Add, Duration, Time) => Some(Time),
        (BinaryOp::Sub, Time, Time) => Some(Duration),
        (BinaryOp::Mul, Int, Int) => Some(Int),
        (BinaryOp::Mul, a, b) if number(a) && number(b) => Some(Decimal),
        (BinaryOp::Mul, Money, b) | (BinaryOp::Mul, b, Money) if number(b) || *b == Percent => {
            Some(Money)
        }
        (BinaryOp::Mul, Percent, b) | (BinaryOp::Mul, b, Percent) if number(b) => Some(Percent),
        (BinaryOp::Mul, Duration, Int) | (BinaryOp::Mul, Int, Duration) => Some(Duration),
        (BinaryOp::Div, a, b) if number(a) && number(b) => Some(Decimal),
        (BinaryOp::Div, Money, b) if number(b) => Some(Money),
        (BinaryOp::Div, Money, Money) => Some(Decimal),
        _ => None,
    }
}

impl fmt::Display for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Base::Int => f.write_str("int"),
            Base::Decimal => f.write_str("decimal"),
            Base::Money => f.write_str("money"),
            Base::Percent => f.write_str("percent"),
            Base::Bool => f.write_str("bool"),
            Base::Text => f.write_str("text"),
            Base::Time => f.write_str("time"),
            Base::Date => f.write_str("date"),
            Base::Duration => f.write_str("duration"),
            Base::TimeOfDay => f.write_str("time of day"),
            Base::TextSet => f.write_str("set<text>"),
            Base::List(e) => write!(f, "list of {e}"),
            Base::Error => f.write_str("unknown"),
        }
    }
}

/// A type: a base and whether it may be null.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Type {
    /// The value's type.
    pub base: Base,
    /// Whether the value may be missing (`time?`).
    pub optional: bool,
}

impl Type {
    /// A required value of `base`.
    pub fn required(base: Base) -> Type {
        Type {
            base,
            optional: false,
        }
    }

    /// A value of `base` that may be missing.
    pub fn optional(base: Base) -> Type {
        Type {
            base,
            optional: true,
        }
    }

    /// The error type.
    pub fn error() -> Type {
        Type::required(Base::Error)
    }

    /// Whether this is the error type.
    pub fn is_error(&self) -> bool {
        self.base == Base::Error
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.base, if self.optional { "?" } else { "" })
    }
}

/// A constant value known when checking.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// int
    Int(i64),
    /// decimal
    Decimal(Decimal),
    /// money
    Money(Fen),
    /// percent
    Percent(Rate),
    /// bool
    Bool(bool),
    /// text
    Text(String),
    /// An instant, as Unix seconds.
    Time(i64),
    /// date
    Date(NaiveDate),
    /// duration, seconds
    Duration(i64),
    /// time of day
    TimeOfDay(NaiveTime),
    /// A list (or set) of values.
    List(Vec<Value>),
}

impl Value {
    /// This constant as a runtime value.
    pub fn val(&self) -> Val {
        match self {
            Value::Int(i) => Val::Int(*i),
            Value::Decimal(d) => Val::Decimal(*d),
            Value::Money(m) => Val::Money(*m),
            Value::Percent(r) => Val::Percent(*r),
            Value::Bool(b) => Val::Bool(*b),
            Value::Text(s) => Val::Text(s.clone()),
            Value::Time(t) => Val::Time(*t),
            Value::Date(d) => Val::Date(*d),
            Value::Duration(d) => Val::Duration(*d),
            Value::TimeOfDay(t) => Val::TimeOfDay(*t),
            // Lists only appear on the right of `in`; they compile to a list node.
            Value::List(_) => Val::Null,
        }
    }
}

/// Whose field a resolved field reference reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Record {
    /// The member being evaluated.
    Member,
    /// The group being evaluated.
    Group,
    /// The triggering event.
    Event,
}

/// Built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `days_since(time)`: whole 24-hour periods since.
    DaysSince,
    /// `month(date|time)`: 1–12, local.
    Month,
    /// `weekday(date|time)`: 1 (Monday) – 7 (Sunday), local.
    Weekday,
    /// `min(a, b, …)`
    Min,
    /// `max(a, b, …)`
    Max,
    /// `clamp(x, lo, hi)`
    Clamp,
    /// `len(set)`
    Len,
}

impl Builtin {
    /// Every built-in with its name.
    pub const ALL: [(&'static str, Builtin); 7] = [
        ("days_since", Builtin::DaysSince),
        ("month", Builtin::Month),
        ("weekday", Builtin::Weekday),
        ("min", Builtin::Min),
        ("max", Builtin::Max),
        ("clamp", Builtin::Clamp),
        ("len", Builtin::Len),
    ];

    /// Looks a built-in up by name.
    pub fn by_name(name: &str) -> Option<Builtin> {
        Builtin::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| *b)
    }
}

/// A resolved, typed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct TExpr {
    /// What it computes.
    pub kind: TExprKind,
    /// Its type.
    pub ty: Type,
    /// Where it was written.
    pub span: Span,
}

/// Resolved expression forms: names are slots, operators know their operand types.
#[derive(Debug, Clone, PartialEq)]
pub enum TExprKind {
    /// A constant.
    Const(Value),
    /// The instant being evaluated.
    Now,
    /// Its local date.
    Today,
    /// Field `index` of a record's schema (events: implicit fields first).
    Field {
        /// Which record.
        record: Record,
        /// Position in that record's field list.
        index: usize,
    },
    /// Membership of the current target in segment `index`.
    Segment(usize),
    /// Aggregate `index` of `Program::histories` for the current member.
    History(usize),
    /// `exists f`
    Exists(Box<TExpr>),
    /// `not x`
    Not(Box<TExpr>),
    /// `-x`
    Neg(Box<TExpr>),
    /// A comparison, `in` or `not in`, with operand types known from the children.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<TExpr>,
        /// Right operand.
        rhs: Box<TExpr>,
    },
    /// Every other infix operator: `and`, `or`, `??`, `+ -` or `* /` over two or more
    /// operands, applied left to right (`a - b + c` is `(a - b) + c`). The operators
    /// of one chain share a precedence level; a chain is flat however long it is.
    Chain {
        /// The leftmost operand.
        first: Box<TExpr>,
        /// Each further operand with the operator before it (never empty).
        rest: Vec<(BinaryOp, TExpr)>,
    },
    /// A built-in call.
    Call {
        /// Which.
        func: Builtin,
        /// Arguments.
        args: Vec<TExpr>,
    },
    /// `workday(d)` / `holiday(d)`: whether a date (or a time's local date) is a
    /// working day, or a holiday, of the playbook's calendar.
    OnCalendar {
        /// Which kind of day is asked about.
        day: crate::syntax::ast::CalendarDay,
        /// The date or time.
        of: Box<TExpr>,
        /// The calendar asked.
        calendar: crate::calendar::WorkCalendar,
    },
    /// `[a, b]`
    List(Vec<TExpr>),
    /// An expression that failed to check.
    Error,
}

impl TExpr {
    /// A failed expression at `span`.
    pub fn error(span: Span) -> TExpr {
        TExpr {
            kind: TExprKind::Error,
            ty: Type::error(),
            span,
        }
    }

    /// The constant, if this is one (literals, negated literals, lists of them).
    pub fn constant(&self) -> Option<Value> {
        match &self.kind {
            TExprKind::Const(v) => Some(v.clone()),
            TExprKind::Neg(inner) => match inner.constant()? {
                Value::Int(i) => i.checked_neg().map(Value::Int),
                Value::Decimal(d) => Some(Value::Decimal(-d)),
                Value::Money(m) => m.0.checked_neg().map(|f| Value::Money(Fen(f))),
                Value::Percent(r) => Some(Value::Percent(Rate(-r.0))),
                Value::Duration(s) => s.checked_neg().map(Value::Duration),
                _ => None,
            },
            TExprKind::List(items) => items
                .iter()
                .map(TExpr::constant)
                .collect::<Option<Vec<_>>>()
                .map(Value::List),
            _ => None,
        }
    }

    /// The operator of a chain (its first; `+` and `-` share one chain).
    pub fn chain_op(&self) -> Option<BinaryOp> {
        match &self.kind {
            TExprKind::Chain { rest, .. } => rest.first().map(|(op, _)| *op),
            _ => None,
        }
    }

    /// The operands of a chain of `op` alone (`a and b and c`), or `self` when it is
    /// not one.
    pub fn operands_of(&self, op: BinaryOp) -> Vec<&TExpr> {
        match &self.kind {
            TExprKind::Chain { first, rest }
                if !rest.is_empty() && rest.iter().all(|(o, _)| *o == op) =>
            {
                std::iter::once(&**first)
                    .chain(rest.iter().map(|(_, x)| x))
                    .collect()
            }
            _ => vec![self],
        }
    }

    /// Every operand directly below this node.
    pub fn children(&self) -> Vec<&TExpr> {
        match &self.kind {
            TExprKind::Exists(x)
            | TExprKind::Not(x)
            | TExprKind::Neg(x)
            | TExprKind::OnCalendar { of: x, .. } => vec![x],
            TExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            TExprKind::Chain { first, rest } => std::iter::once(&**first)
                .chain(rest.iter().map(|(_, x)| x))
                .collect(),
            TExprKind::Call { args, .. } | TExprKind::List(args) => args.iter().collect(),
            TExprKind::Const(_)
            | TExprKind::Now
            | TExprKind::Today
            | TExprKind::Field { .. }
            | TExprKind::Segment(_)
            | TExprKind::History(_)
            | TExprKind::Error => Vec::new(),
        }
    }
}

/// A typed node; the checker builds every [`TExpr`] with this.
pub(super) fn typed(kind: TExprKind, ty: Type, span: Span) -> TExpr {
    TExpr { kind, ty, span }
}
