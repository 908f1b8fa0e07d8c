//! `check`: arbitrary bytes that are UTF-8 are checked as a playbook, and the
//! diagnostics rendered in every format (human with and without colour, JSON,
//! GitHub). Nothing may panic; spans stay on character boundaries inside their
//! file; JSON parses; GitHub output is one line per diagnostic.
//!
//! This is `playbook::check_text` with `use` served from memory
//! (`properties::MemoryLoader`) instead of the file system, so the fuzzer never
//! reads files of the machine; `use` on disk is the `use_resolution` target's job.
#![no_main]

use libfuzzer_sys::fuzz_target;
use playbook_fuzz::properties;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        properties::check_and_render(text);
    }
});
