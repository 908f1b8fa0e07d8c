//! The interpreter: a compiled program run over data, producing grants and
//! refusals within limits, caps and budgets.

pub mod candidates;
pub mod engine;
pub mod error;
pub mod eval;
pub mod grant;
pub mod history;
mod pushdown;
pub mod random;
pub mod split;
pub mod usage;
