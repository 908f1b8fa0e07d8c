//! `repl`: the input, split into statements as piped input is, is evaluated line by
//! line in a fresh `repl::Session` (at a fixed instant). Nothing may panic and
//! every reply is empty or ends with a newline.
//!
//! File commands are confined to a sandbox: a temporary directory, made once per
//! process and made the current directory, holding two example playbooks with their
//! data and the `community` fixture, laid out as in the repository. The `Session`
//! API reads any path it is given, so `:load`/`:data` lines naming an absolute path
//! or one with `..` are skipped (`properties::stays_inside`).
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use playbook_fuzz::properties;

static SANDBOX: Once = Once::new();

fn enter_sandbox() {
    SANDBOX.call_once(|| {
        let dir = std::env::temp_dir().join(format!("playbook-fuzz-repl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the sandbox is created");
        properties::fill_repl_sandbox(&dir).expect("the sandbox is filled");
        std::env::set_current_dir(&dir).expect("the sandbox is entered");
    });
}

fuzz_target!(|data: &[u8]| {
    enter_sandbox();
    if let Ok(text) = std::str::from_utf8(data) {
        properties::repl_session(text);
    }
});
