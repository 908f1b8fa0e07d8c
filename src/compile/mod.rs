//! The compile stage: a checked program turned into what the interpreter runs — an
//! evaluation plan with column slots, and the timeline of its schedules.

pub mod plan;
pub mod timeline;
