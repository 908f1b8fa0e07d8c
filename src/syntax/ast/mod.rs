//! The owned syntax tree of a playbook, straight from the source text.
//!
//! Every node that a diagnostic may point at carries a [`Span`]; spans are left out of
//! equality so that two trees printed differently compare equal when they mean the
//! same (the formatter proves itself this way).

mod expressions;
mod header;
mod rewards;
mod rules;
mod schemas;
mod test_blocks;

pub use expressions::*;
pub use header::*;
pub use rewards::*;
pub use rules::*;
pub use schemas::*;
pub use test_blocks::*;

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
    /// `import member { "会员编号" -> id … }`
    Import(Spanned<ImportDecl>),
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
            Item::Import(x) => x.span,
            Item::MemberSchema(x) | Item::GroupSchema(x) => x.span,
            Item::Event(x) => x.span,
            Item::Segment(x) => x.span,
            Item::Reward(x) => x.span,
            Item::Rule(x) => x.span,
            Item::Test(x) => x.span,
        }
    }
}
