//! Jobs that combine the stages: a run with its ledger, test suites with their
//! coverage, and explanations of one member's decisions.

pub mod decisions;
pub mod explain;
pub mod files;
pub mod run;
pub mod simulate;
pub mod test;
