//! The interpreter: a checked program compiled to an evaluation plan and run over
//! data, producing grants and refusals.

pub mod grant;
pub mod time;
pub mod value;
