//! `test` blocks: the records, events and ledger entries they set up, and what
//! they expect.

use chrono::NaiveDateTime;

use super::expressions::Expr;
use super::{Ident, Spanned};
use crate::money::Fen;

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
