//! Support for the fuzz targets in `fuzz_targets/`: the properties they check live
//! in [`properties`], which `tests/fuzz_regressions.rs` shares.

pub mod properties;
