//! `format`: a text that parses without syntax errors is formatted; the result must
//! parse to an equal AST (spans aside), check with the same error and warning
//! codes, and format to itself. Texts with syntax errors are skipped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use playbook_fuzz::properties;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        properties::format_round_trip(text);
    }
});
