//! Aggregates over members' earlier events, compiled: which events each folds and
//! how (the state is kept by `interpret::history`).

use crate::check::Program;
use crate::check::model::{HistoryDef, HistoryOf};
use crate::check::types::Base;
use crate::compile::plan::{Node, expr_reading};
use crate::money::Fen;
use crate::syntax::ast::Aggregate;
use crate::value::Val;

/// What an aggregate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The member's events of this kind.
    Events(usize),
    /// The member's grants, by this rule (index into `Program::rules`) or by any.
    Granted(Option<usize>),
}

/// An aggregate compiled: which events it folds and how.
#[derive(Debug, Clone)]
pub struct HistoryPlan {
    /// What it computes.
    pub func: Aggregate,
    /// The events or grants it reads.
    pub source: Source,
    /// The field it reads of each event.
    pub field: Option<usize>,
    /// Which events count.
    pub filter: Option<Node>,
    /// Only events at or after `now` minus this many seconds.
    pub within: Option<i64>,
    /// The value with no event: `0` (or `¥0`) for a sum, `false` for `exists`.
    pub empty: Val,
    /// Whether the values it keeps are whole numbers, and of what: kept as
    /// integers, a third of the memory of values.
    pub whole: Option<Whole>,
}

/// Whether the event field an aggregate reads may be missing.
fn optional_field(def: &HistoryDef, program: &Program) -> bool {
    match (&def.source, def.field) {
        (HistoryOf::Events(kind), Some(f)) => program.events[*kind]
            .fields
            .get(f)
            .is_none_or(|x| x.ty.optional),
        _ => false,
    }
}

/// What a whole number kept by an aggregate stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// Nothing: a count reads no value.
    Uncounted,
    /// An `int`.
    Int,
    /// Money, in fen.
    Money,
    /// An instant.
    Time,
}

impl HistoryPlan {
    /// Compiles a checked aggregate.
    pub fn new(def: &HistoryDef, program: &Program) -> HistoryPlan {
        let filter = def.filter.as_ref().map(|f| {
            // The filter reads only the event (the checker sees to it).
            expr_reading(f, &mut Default::default(), &mut Default::default())
        });
        let empty = match def.func {
            Aggregate::Count => Val::Int(0),
            Aggregate::Exists => Val::Bool(false),
            Aggregate::Sum => match def.ty.base {
                Base::Money => Val::Money(Fen(0)),
                Base::Decimal => Val::Decimal(Default::default()),
                _ => Val::Int(0),
            },
            _ => Val::Null,
        };
        HistoryPlan {
            func: def.func,
            source: match &def.source {
                HistoryOf::Events(kind) => Source::Events(*kind),
                // The checker saw to it that the rule exists.
                HistoryOf::Granted(rule) => Source::Granted(
                    rule.as_ref()
                        .and_then(|r| program.rules.iter().position(|x| &x.name == r)),
                ),
            },
            field: def.field,
            filter,
            within: def.within,
            empty,
            whole: match (def.func, &def.ty.base) {
                (Aggregate::Count | Aggregate::Exists, _) => Some(Whole::Uncounted),
                // A field that may be missing keeps its values as values.
                _ if optional_field(def, program) => None,
                (_, Base::Int) => Some(Whole::Int),
                (_, Base::Money) => Some(Whole::Money),
                (_, Base::Time) => Some(Whole::Time),
                _ => None,
            },
        }
    }
}
