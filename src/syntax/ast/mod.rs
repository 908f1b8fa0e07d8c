//! The owned syntax tree of a playbook, straight from the source text.
//!
//! Every node that a diagnostic may point at carries a [`Span`]; spans are left out of
//! equality so that two trees printed differently compare equal when they mean the
//! same (the formatter proves itself this way).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use rust_decimal::Decimal;

use crate::money::{Fen, Rate};
use crate::source::Span;

/// A node with the place in the source it came from.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    /// The node itself.
    pub node: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `node` with `span`.
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T: Eq> Eq for Spanned<T> {}

/// A name as written.
pub type Ident = Spanned<String>;

/// A whole file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    /// Declarations in file order.
    pub items: Vec<Item>,
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `playbook "name" { … }`
    Header(Spanned<Header>),
    /// `use "path.playbook"`
    Use(Spanned<String>),
    /// `member { … }`
    MemberSchema(Spanned<Schema>),
    /// `group { … }`
    GroupSchema(Spanned<Schema>),
    /// `event NAME { … }`
    Event(Spanned<EventDecl>),
    /// `segment NAME [of group] = …`
    Segment(Spanned<SegmentDecl>),
    /// `reward NAME = …`
    Reward(Spanned<RewardDecl>),
    /// `rule NAME { … }`
    Rule(Spanned<RuleDecl>),
    /// `test "name" { … }`
    Test(Spanned<TestDecl>),
}

impl Item {
    /// The span of the whole declaration.
    pub fn span(&self) -> Span {
        match self {
            Item::Header(x) => x.span,
            Item::Use(x) => x.span,
            Item::MemberSchema(x) | Item::GroupSchema(x) => x.span,
            Item::Event(x) => x.span,
            Item::Segment(x) => x.span,
            Item::Reward(x) => x.span,
            Item::Rule(x) => x.span,
            Item::Test(x) => x.span,
        }
    }
}

// ------------------------------------------------------------------ header

/// The `playbook "name" { … }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The playbook's display name.
    pub name: Spanned<String>,
    /// Settings in source order.
    pub settings: Vec<Spanned<Setting>>,
}

/// One header setting.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    /// `timezone "Asia/Shanghai"`
    Timezone(Spanned<String>),
    /// `active 2026-04-18 .. 2026-05-31`
    Active(DateRange),
    /// `budget ¥50,000 total, ¥3,000 per day`
    Budget(Vec<Spanned<BudgetItem>>),
    /// `seed "s"`
    Seed(Spanned<String>),
    /// `quiet 22:00 .. 08:00`
    Quiet {
        /// Start of the quiet period (inclusive).
        from: Spanned<NaiveTime>,
        /// End of the quiet period (exclusive).
        to: Spanned<NaiveTime>,
    },
    /// `red_packet_limits ¥1 .. ¥200`
    RedPacketLimits {
        /// Smallest share.
        min: Spanned<Fen>,
        /// Largest share.
        max: Spanned<Fen>,
    },
    /// `point_value ¥0.01`
    PointValue(Spanned<Fen>),
    /// `renamed from "旧名", …`: names this playbook was recorded under before.
    RenamedFrom(Vec<Spanned<String>>),
    /// `retired "规则", …`: rules removed on purpose, whose grants stay in the ledger.
    Retired(Vec<Spanned<String>>),
}

/// An inclusive range of whole local days. A date that is not a calendar date
/// (`2026-04-00`) is reported when parsed and is `None` here, so that nothing later
/// works with a made-up day.
#[derive(Debug, Clone, PartialEq)]
pub struct DateRange {
    /// First day.
    pub from: Spanned<Option<NaiveDate>>,
    /// Last day (inclusive).
    pub to: Spanned<Option<NaiveDate>>,
}

/// One amount of a `budget` setting.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetItem {
    /// The amount.
    pub amount: Spanned<Fen>,
    /// Over which window it applies.
    pub window: Window,
}

pub use crate::time::Period;

/// The window a budget, cap or limit counts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    /// `per day|week|month`
    Per(Period),
    /// `total` — for the ledger's lifetime.
    Total,
}

// ------------------------------------------------------------------ schemas

/// A `member { … }`, `group { … }` or event body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// Declared fields in source order.
    pub fields: Vec<FieldDecl>,
}

/// `name: type`
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// Field name.
    pub name: Ident,
    /// Declared type.
    pub ty: Spanned<TypeExpr>,
    /// `joined`: the field says when the member joined (or the group was created);
    /// where the mark is written.
    pub joined: Option<Spanned<()>>,
}

/// A type as written: `int`, `time?`, `set<text>`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// The type's name.
    pub name: Ident,
    /// `<…>` argument, for `set<text>`.
    pub arg: Option<Box<Spanned<TypeExpr>>>,
    /// Whether `?` follows.
    pub optional: bool,
}

/// `event NAME { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct EventDecl {
    /// Event kind.
    pub name: Ident,
    /// Declared fields (besides the implicit ones).
    pub schema: Schema,
}

// ------------------------------------------------------------------ segments

/// `segment NAME [of group] = BODY`
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentDecl {
    /// Segment name.
    pub name: Ident,
    /// `of group`: a segment of groups rather than members.
    pub of_group: bool,
    /// The definition.
    pub body: SegmentBody,
}

/// What a segment is.
#[derive(Debug, Clone, PartialEq)]
pub enum SegmentBody {
    /// A boolean condition.
    Expr(Expr),
    /// `top N by EXPR [where EXPR]`
    Top {
        /// How many.
        count: Spanned<u64>,
        /// Ranking key, descending.
        by: Expr,
        /// Filter applied before ranking.
        filter: Option<Expr>,
    },
}

// ------------------------------------------------------------------ rewards

/// `reward NAME = REWARD`
#[derive(Debug, Clone, PartialEq)]
pub struct RewardDecl {
    /// Reward name.
    pub name: Ident,
    /// Its definition.
    pub reward: Reward,
}

/// A reward expression.
pub type Reward = Spanned<RewardKind>;

/// Every reward form of LANGUAGE.md §5.
#[derive(Debug, Clone, PartialEq)]
pub enum RewardKind {
    /// `coupon …`
    Coupon(Coupon),
    /// `red_packet AMOUNT [split N random|equal]`
    RedPacket {
        /// Total amount (a money expression).
        amount: Expr,
        /// Shares of a group red packet.
        split: Option<Spanned<Split>>,
    },
    /// `points N`
    Points(Expr),
    /// `gift "name" [worth ¥X]`
    Gift {
        /// What is given.
        name: Spanned<String>,
        /// Its cost for budgets.
        worth: Option<Spanned<Fen>>,
    },
    /// `lottery { P% -> R … rest -> R }`
    Lottery {
        /// Arms with their probabilities.
        arms: Vec<LotteryArm>,
        /// What the remaining probability gives.
        rest: Option<Box<Reward>>,
    },
    /// `tier { COND -> R … else -> R }`
    Tier {
        /// Arms, first match wins.
        arms: Vec<TierArm>,
        /// Fallback.
        otherwise: Option<Box<Reward>>,
    },
    /// `tier by EXPR { >= V -> R … else -> R }`
    TierBy {
        /// The value compared.
        subject: Expr,
        /// Thresholds, first match wins.
        arms: Vec<TierByArm>,
        /// Fallback.
        otherwise: Option<Box<Reward>>,
    },
    /// `experiment "name" { A 50% -> R  B 50% -> R }`
    Experiment {
        /// Experiment name (part of the arm assignment).
        name: Spanned<String>,
        /// Arms.
        arms: Vec<ExperimentArm>,
    },
    /// A declared reward, by name.
    Ref(Ident),
}

/// `coupon VALUE OPTIONS…`
#[derive(Debug, Clone, PartialEq)]
pub struct Coupon {
    /// What it takes off.
    pub value: Spanned<CouponValue>,
    /// Options in source order.
    pub options: Vec<Spanned<CouponOption>>,
}

/// The discount of a coupon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CouponValue {
    /// `¥10` off.
    Amount(Fen),
    /// `30% off`.
    PercentOff(Rate),
    /// `7折`: pay this rate (70%), i.e. 30% off.
    Zhe(Rate),
}

/// A coupon option.
#[derive(Debug, Clone, PartialEq)]
pub enum CouponOption {
    /// `over ¥300`: threshold (满300).
    Over(Fen),
    /// `max ¥100`: largest discount of a percentage coupon.
    Max(Fen),
    /// `on "指定商品"`: scope.
    Scope(String),
    /// `valid 7d`.
    Valid(Duration),
    /// `stackable`.
    Stackable,
}

/// `split N random|equal`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Split {
    /// Number of shares.
    pub shares: u64,
    /// 拼手气 (random) or equal shares.
    pub random: bool,
}

/// `P% -> REWARD`
#[derive(Debug, Clone, PartialEq)]
pub struct LotteryArm {
    /// Probability.
    pub chance: Spanned<Rate>,
    /// Outcome.
    pub reward: Reward,
}

/// `COND -> REWARD`
#[derive(Debug, Clone, PartialEq)]
pub struct TierArm {
    /// Condition (usually a segment name).
    pub when: Expr,
    /// Outcome.
    pub reward: Reward,
}

/// `>= V -> REWARD`
#[derive(Debug, Clone, PartialEq)]
pub struct TierByArm {
    /// Comparison against the subject.
    pub op: Spanned<BinaryOp>,
    /// Threshold.
    pub value: Expr,
    /// Outcome.
    pub reward: Reward,
}

/// `A 50% -> REWARD`
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentArm {
    /// Arm name.
    pub name: Ident,
    /// Share of targets.
    pub share: Spanned<Rate>,
    /// Outcome.
    pub reward: Reward,
}

// ------------------------------------------------------------------ rules

/// `rule NAME { CLAUSES }`
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDecl {
    /// Rule name.
    pub name: Ident,
    /// Clauses in source order.
    pub clauses: Vec<Spanned<Clause>>,
}

/// One clause of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// `on EVENT [where EXPR]`
    On {
        /// Event kind.
        event: Ident,
        /// Filter on the event.
        filter: Option<Expr>,
    },
    /// A schedule trigger.
    Schedule(Schedule),
    /// `during D .. D`
    During(DateRange),
    /// `for group in SEGMENT`
    ForGroup(Ident),
    /// `when EXPR`
    When(Expr),
    /// `give R, R…`
    Give(Vec<Reward>),
    /// `limit …`
    Limit(Limit),
    /// `cap ¥X per day | total`
    Cap {
        /// Most the rule may spend in the window.
        amount: Spanned<Fen>,
        /// The window.
        window: Window,
    },
    /// `priority N`
    Priority(i64),
    /// `renamed from "旧名", …`: names this rule was recorded under before.
    RenamedFrom(Vec<Spanned<String>>),
    /// `exclusive "X" [per day|week|month]`
    Exclusive {
        /// Exclusivity group.
        group: Spanned<String>,
        /// Narrowed to a period.
        period: Option<Period>,
    },
    /// `order by EXPR [asc|desc]`
    OrderBy {
        /// Sort key.
        key: Expr,
        /// `desc` given.
        descending: bool,
        /// `asc` or `desc` written explicitly.
        explicit: bool,
    },
}

/// When a scheduled rule ticks.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// `every day at T`
    Daily(Spanned<NaiveTime>),
    /// `every monday, thursday at T`
    Weekly {
        /// Days of the week.
        days: Vec<Spanned<Weekday>>,
        /// Time of day.
        at: Spanned<NaiveTime>,
    },
    /// `every 2h from 09:00 to 21:00`
    Interval {
        /// Step.
        step: Spanned<Duration>,
        /// First tick of the day.
        from: Spanned<NaiveTime>,
        /// Last possible tick of the day (inclusive).
        to: Spanned<NaiveTime>,
    },
    /// `every month on D at T`
    Monthly {
        /// Day of month.
        day: Spanned<u64>,
        /// Time of day.
        at: Spanned<NaiveTime>,
    },
    /// `at 2026-05-01 20:00`
    Once(Spanned<NaiveDateTime>),
    /// `cron "0 20 * * *"`
    Cron(Spanned<String>),
}

/// `limit COUNT [per member|group] [per PERIOD | total]`
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// How many firings.
    pub count: Spanned<u64>,
    /// Written as `once`.
    pub once: bool,
    /// `per member` / `per group`: counted per target rather than rule-wide.
    pub per_target: Option<Spanned<TargetKind>>,
    /// The window; `None` with a target means the ledger's lifetime.
    pub window: Option<Window>,
}

/// Members or groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    /// A member.
    Member,
    /// A group.
    Group,
}

impl TargetKind {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            TargetKind::Member => "member",
            TargetKind::Group => "group",
        }
    }
}

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

// ------------------------------------------------------------------ tests

/// `test "name" { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct TestDecl {
    /// Test name.
    pub name: Spanned<String>,
    /// Statements in source order.
    pub items: Vec<Spanned<TestItem>>,
}

/// One statement of a test block.
#[derive(Debug, Clone, PartialEq)]
pub enum TestItem {
    /// `at DATETIME`: the evaluation instant.
    At(NaiveDateTime),
    /// `member ID { field: value, … }`
    Member {
        /// Member id.
        id: Spanned<String>,
        /// Field values.
        fields: Vec<FieldValue>,
    },
    /// `group ID { … }`
    Group {
        /// Group id.
        id: Spanned<String>,
        /// Field values.
        fields: Vec<FieldValue>,
    },
    /// `event KIND by ID at DATETIME { … }`
    Event {
        /// Event kind.
        kind: Ident,
        /// Member id.
        by: Spanned<String>,
        /// When.
        at: Spanned<NaiveDateTime>,
        /// Field values.
        fields: Vec<FieldValue>,
    },
    /// `ledger { granted REWARD to ID by RULE at DATETIME … }`
    Ledger(Vec<Spanned<LedgerEntry>>),
    /// `expect ID [not] gets R, … | nothing`
    ExpectGets {
        /// Member or group id.
        target: Spanned<String>,
        /// `not gets`.
        negated: bool,
        /// `None` for `nothing`.
        rewards: Option<Vec<Ident>>,
    },
    /// `expect refused ID by RULE because REASON`
    ExpectRefused {
        /// Member or group id.
        target: Spanned<String>,
        /// Rule name.
        rule: Ident,
        /// `budget`, `limit`, `cap` or `exclusive`.
        reason: Spanned<String>,
    },
    /// `expect spend ¥X`
    ExpectSpend(Spanned<Fen>),
}

/// `name: value` in a test record.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldValue {
    /// Field name.
    pub name: Ident,
    /// Value (a constant expression).
    pub value: Expr,
}

/// An earlier grant written into a test.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    /// Reward name.
    pub reward: Ident,
    /// Member or group id.
    pub target: Spanned<String>,
    /// Rule that granted it.
    pub rule: Ident,
    /// When.
    pub at: Spanned<NaiveDateTime>,
}

// ------------------------------------------------------------------ expressions

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
