//! The interpreter: a checked program compiled to an evaluation plan and run over
//! data, producing grants and refusals.

pub mod book;
pub mod coverage;
pub mod engine;
pub mod eval;
pub mod grant;
pub mod inspect;
pub mod plan;
mod pushdown;
pub mod random;
pub mod split;
pub mod testing;
pub mod time;
pub mod timeline;
pub mod value;
