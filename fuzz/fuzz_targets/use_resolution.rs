//! `use_resolution`: a playbook in a sandbox directory `use`s arbitrary path strings
//! (then an arbitrary body); checking it must not panic or hang. Files are loaded
//! by the library's `FsLoader` behind a guard that refuses paths outside the sandbox
//! (`properties::SandboxLoader`), so the fuzzer never reads files of the machine.
//!
//! The sandbox, made once per process in the temporary directory, holds shared
//! files that use each other across directories, a file with a rule, a syntax
//! error, an empty file, one that is not UTF-8 and a directory named `*.playbook`.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use playbook_fuzz::properties;

#[derive(Debug, Arbitrary)]
struct Input {
    paths: Vec<String>,
    body: String,
}

static SANDBOX: OnceLock<PathBuf> = OnceLock::new();

fn sandbox() -> &'static PathBuf {
    SANDBOX.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("playbook-fuzz-use-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the sandbox is created");
        properties::fill_use_sandbox(&dir).expect("the sandbox is filled");
        dir
    })
}

fuzz_target!(|input: Input| {
    let paths: Vec<String> = input.paths.into_iter().take(8).collect();
    properties::use_resolution(sandbox(), &properties::use_text(&paths, &input.body));
});
