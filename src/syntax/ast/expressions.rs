//! Expressions: their forms, literals (durations among them) and operators with
//! their precedence.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use super::{Ident, Spanned};
use crate::money::{Fen, Rate};

/// An expression.
pub type Expr = Spanned<ExprKind>;

/// Expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Literal(Literal),
    /// A bare name: a field of the target or a segment.
    Name(String),
    /// `event.f`, `member.f`, `group.f`.
    Field {
        /// Which record.
        scope: Spanned<Scope>,
        /// The field.
        field: Ident,
    },
    /// `exists PATH`
    Exists(Box<Expr>),
    /// `f(args)`
    Call {
        /// Function name.
        func: Ident,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `[a, b]`
    List(Vec<Expr>),
    /// `not x`, `-x`
    Unary {
        /// Operator.
        op: UnaryOp,
        /// Operand.
        operand: Box<Expr>,
    },
    /// `count(order_paid where … within 30d)` and the other aggregates over the
    /// target member's earlier events.
    History(Box<History>),
    /// `a OP b`: one operator (a comparison or `in` always stands alone).
    Binary {
        /// Operator.
        op: Spanned<BinaryOp>,
        /// Left side.
        lhs: Box<Expr>,
        /// Right side.
        rhs: Box<Expr>,
    },
    /// `a OP b OP c …`: two or more operators of one precedence level written in a
    /// row (`and`, `or`, `??`, `+ -` or `* /`), applied left to right. A chain is one
    /// node however long, so it counts as one level of nesting. An operand written
    /// in parentheses stays one operand: `(a + b) + c` is a `Binary` whose left side
    /// is `a + b`.
    Chain {
        /// The leftmost operand.
        first: Box<Expr>,
        /// Each further operand with the operator before it.
        rest: Vec<(Spanned<BinaryOp>, Expr)>,
    },
}

/// An aggregate over the events of one kind that the target member had before the
/// instant being evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// `count`, `sum`, …
    pub func: Spanned<Aggregate>,
    /// The events, or the grants, it reads.
    pub source: HistorySource,
    /// `where …`: which of those events count (reads only `event.` fields).
    pub filter: Option<Box<Expr>>,
    /// `within 30d`: only events at or after `now - 30d`.
    pub within: Option<Spanned<Duration>>,
    /// `first(order_paid).at`: the field of the first or last event.
    pub then: Option<Ident>,
}

/// What a history aggregate reads.
#[derive(Debug, Clone, PartialEq)]
pub enum HistorySource {
    /// The member's events of one kind.
    Events {
        /// The event kind.
        kind: Ident,
        /// `order_paid.amount`: the field summed or compared.
        field: Option<Ident>,
    },
    /// What the member was granted (earlier runs in the ledger, then this run).
    Granted {
        /// `granted 新人礼包`: only by this rule.
        rule: Option<Ident>,
        /// `granted value`: their value (what `sum`, `min` and `max` read).
        value: Option<Spanned<()>>,
        /// Where `granted …` is written (spans never count in comparisons).
        written: Spanned<()>,
    },
}

/// What a history aggregate computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregate {
    /// How many events.
    Count,
    /// The sum of a field (zero for none).
    Sum,
    /// The least value of a field (missing for none).
    Min,
    /// The greatest value of a field.
    Max,
    /// The earliest event.
    First,
    /// The latest event.
    Last,
    /// Whether there is one.
    Exists,
}

impl Aggregate {
    /// Every aggregate with its name.
    pub const ALL: [(&'static str, Aggregate); 7] = [
        ("count", Aggregate::Count),
        ("sum", Aggregate::Sum),
        ("min", Aggregate::Min),
        ("max", Aggregate::Max),
        ("first", Aggregate::First),
        ("last", Aggregate::Last),
        ("exists", Aggregate::Exists),
    ];

    /// The name written.
    pub fn name(self) -> &'static str {
        Aggregate::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("count", |(n, _)| n)
    }

    /// Looks an aggregate up by name.
    pub fn by_name(name: &str) -> Option<Aggregate> {
        Aggregate::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a)
    }
}

/// The record a qualified field belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `event.`
    Event,
    /// `member.`
    Member,
    /// `group.`
    Group,
}

impl Scope {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Scope::Event => "event",
            Scope::Member => "member",
            Scope::Group => "group",
        }
    }
}

/// Literal values.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `42`
    Int(i64),
    /// `0.2`
    Decimal(Decimal),
    /// `¥12.34`
    Money(Fen),
    /// `50%`
    Percent(Rate),
    /// `30d`
    Duration(Duration),
    /// `2026-04-18`
    Date(NaiveDate),
    /// `2026-04-18 10:00`
    DateTime(NaiveDateTime),
    /// `20:00`
    Time(NaiveTime),
    /// `"text"`
    Text(String),
    /// `true` / `false`
    Bool(bool),
    /// `now`
    Now,
    /// `today`
    Today,
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// Infix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `??`
    Coalesce,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinaryOp {
    /// The operator with its operands swapped: `c < f` is `f > c`.
    pub fn flipped(self) -> BinaryOp {
        match self {
            BinaryOp::Lt => BinaryOp::Gt,
            BinaryOp::Le => BinaryOp::Ge,
            BinaryOp::Gt => BinaryOp::Lt,
            BinaryOp::Ge => BinaryOp::Le,
            other => other,
        }
    }

    /// Binding power, loosest first (LANGUAGE.md §7.14); `not` sits at 3.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In
            | BinaryOp::NotIn => 4,
            BinaryOp::Coalesce => 5,
            BinaryOp::Add | BinaryOp::Sub => 6,
            BinaryOp::Mul | BinaryOp::Div => 7,
        }
    }

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Coalesce => "??",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }

    /// Whether this is a comparison (`==` … `>=`).
    pub fn is_comparison(self) -> bool {
        self.precedence() == 4 && !matches!(self, BinaryOp::In | BinaryOp::NotIn)
    }

    /// Whether a run of this operator and others of its precedence forms one
    /// [`ExprKind::Chain`]: every operator but the comparisons and `in`, which
    /// group to the left one at a time (`a == b == c` is `(a == b) == c`).
    pub fn chains(self) -> bool {
        self.precedence() != 4
    }
}

/// Precedence of prefix `not`.
pub const NOT_PRECEDENCE: u8 = 3;
/// Precedence of prefix `-`.
pub const NEG_PRECEDENCE: u8 = 8;

/// A length of time in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    /// Seconds.
    pub seconds: i64,
    /// The unit it was written in, for printing back.
    pub unit: DurationUnit,
}

/// `m`, `h`, `d`, `w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DurationUnit {
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days.
    Days,
    /// Weeks.
    Weeks,
}

impl DurationUnit {
    /// Seconds in one unit.
    pub fn seconds(self) -> i64 {
        match self {
            DurationUnit::Minutes => 60,
            DurationUnit::Hours => 3600,
            DurationUnit::Days => 86_400,
            DurationUnit::Weeks => 7 * 86_400,
        }
    }

    /// The suffix.
    pub fn suffix(self) -> &'static str {
        match self {
            DurationUnit::Minutes => "m",
            DurationUnit::Hours => "h",
            DurationUnit::Days => "d",
            DurationUnit::Weeks => "w",
        }
    }
}
