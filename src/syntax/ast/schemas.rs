//! What the data looks like and which targets are meant: member and group
//! schemas, events, and segments.

use super::expressions::Expr;
use super::{Ident, Spanned};

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

/// `import member|group|EVENT { "列名" -> field … }`: which column of a shop's
/// export fills which field when `playbook import` reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportDecl {
    /// The table the export fills.
    pub of: Spanned<ImportOf>,
    /// Column → field, in source order.
    pub entries: Vec<ImportEntry>,
}

/// What an `import` block maps.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ImportOf {
    /// The members table.
    Member,
    /// The groups table.
    Group,
    /// Events of one kind.
    Event(String),
}

impl ImportOf {
    /// As written after `import`: `member`, `group` or the event kind.
    pub fn name(&self) -> &str {
        match self {
            ImportOf::Member => "member",
            ImportOf::Group => "group",
            ImportOf::Event(kind) => kind,
        }
    }
}

/// `"列名" -> field`
#[derive(Debug, Clone, PartialEq)]
pub struct ImportEntry {
    /// The export's column header, as written there.
    pub column: Spanned<String>,
    /// The field it fills.
    pub field: Ident,
}
