//! Jobs that combine the stages: a run with its ledger, test suites with their
//! coverage, explanations of one member's decisions, and a period's forecast with
//! its chart and its spread over seeds.

pub mod chart;
pub mod decisions;
pub mod diff;
pub mod explain;
pub mod files;
pub mod import;
pub mod payouts;
pub mod run;
pub mod simulate;
pub mod spread;
pub mod sql;
pub mod test;
