//! Every input the fuzzers found a defect with, run again through the property the
//! fuzz target checks (`fuzz/src/properties.rs`, shared with the targets). Inputs
//! live in `tests/fixtures/fuzz/<target>/`; see `fuzz/README.md` for how a finding
//! becomes one.

#[path = "../fuzz/src/properties.rs"]
#[allow(dead_code)]
mod properties;

use std::path::{Path, PathBuf};

/// The files in `tests/fixtures/fuzz/<target>/` with extension `ext`, in name order.
fn inputs(target: &str, ext: &str) -> Vec<PathBuf> {
    // Absolute: `repl_findings` changes the current directory.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("the folder lists").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `property` on each input, naming the file that fails.
fn each(files: Vec<PathBuf>, property: impl Fn(&Path)) {
    for file in files {
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| property(&file)));
        if let Err(e) = run {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{}: {message}", file.display());
        }
    }
}

#[test]
fn check_findings() {
    each(inputs("check", "playbook"), |f| {
        properties::check_and_render(&text(f))
    });
}

#[test]
fn format_findings() {
    each(inputs("format", "playbook"), |f| {
        properties::format_round_trip(&text(f))
    });
}

/// Includes `use` once finding files by the path as written: `shared.playbook` used
/// directly and through `sub/../shared.playbook` loaded twice, and two files using
/// each other through `../sub/` hundreds of times under ever longer names. Files are
/// now known by their canonical path.
#[test]
fn use_resolution_findings() {
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    let root = sandbox.path().canonicalize().expect("the directory exists");
    properties::fill_use_sandbox(&root).expect("the sandbox is filled");
    each(inputs("use_resolution", "playbook"), |f| {
        properties::use_resolution(&root, &text(f))
    });
}

/// Each finding is a `.sql` script with the data and a `.playbook` with the schema
/// the fuzzer generated for it.
#[test]
fn decode_findings() {
    each(inputs("decode", "sql"), decode_case);
}

fn decode_case(script: &Path) {
    let schema = text(&script.with_extension("playbook"));
    let outcome = properties::check_text(&schema);
    let program = outcome.program.expect("the schema checks");
    let conn = rusqlite::Connection::open_in_memory().expect("SQLite opens");
    conn.execute_batch(&text(script)).expect("the script runs");
    let count = |table: &str| {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .map_or(0, |n| n as usize)
    };
    let rows = [count("members"), count("groups")];
    properties::decode_all(script, &program, rows);
}

/// The REPL reads `:load` and `:data` paths from the current directory, so this is
/// the only test here that changes it.
#[test]
fn repl_findings() {
    let files = inputs("repl", "txt");
    if files.is_empty() {
        return;
    }
    let files: Vec<(PathBuf, String)> = files.into_iter().map(|f| (f.clone(), text(&f))).collect();
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    properties::fill_repl_sandbox(sandbox.path()).expect("the sandbox is filled");
    std::env::set_current_dir(sandbox.path()).expect("the sandbox is entered");
    for (file, input) in files {
        let run = std::panic::catch_unwind(|| properties::repl_session(&input));
        assert!(run.is_ok(), "{}", file.display());
    }
}
