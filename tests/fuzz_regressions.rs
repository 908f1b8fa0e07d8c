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

#[test]
fn use_resolution_findings() {
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    let root = sandbox.path().canonicalize().expect("the directory exists");
    properties::fill_use_sandbox(&root).expect("the sandbox is filled");
    each(inputs("use_resolution", "playbook"), |f| {
        properties::use_resolution(&root, &text(f), false)
    });
}

/// Checks each of `files` (under `open/use_resolution/`) as `main.playbook` of the
/// `use_resolution` sandbox.
fn use_case(files: &[&str]) {
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    let root = sandbox.path().canonicalize().expect("the directory exists");
    properties::fill_use_sandbox(&root).expect("the sandbox is filled");
    let files = files.iter().map(|f| open(&format!("use_resolution/{f}")));
    each(files.collect(), |f| {
        properties::use_resolution(&root, &text(f), false)
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
    properties::decode_all(script, &program, rows, false);
}

// Findings whose defect is still open, one test each, in `tests/fixtures/fuzz/open/`.
// With the fix, move the files to the target's folder and drop the test.

fn open(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz/open")
        .join(path)
}

/// A member whose id is an INTEGER in a column without type affinity is scanned as
/// `42`, but `lookup("42")` finds nothing: the lookup binds the id as TEXT, and
/// SQLite does not convert it for an untyped column. So `:member 42` fails, and an
/// event whose `member_id` is 42 reports `no member with this id`.
#[test]
#[ignore = "open defect: an INTEGER id in an untyped column is not found by lookup"]
fn open_integer_id_lookup() {
    decode_case(&open("decode/integer_id_lookup.sql"));
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

/// `use` finds files by the path as written, joined to the using file's directory,
/// and remembers them by that name: `shared.playbook` used directly and through
/// `sub/a.playbook` (as `sub/../shared.playbook`) is loaded twice, and its
/// declarations are reported as duplicates; `sub/c.playbook` and `sub/d.playbook`,
/// which use each other through `../sub/`, are loaded hundreds of times under ever
/// longer names (`sub/../sub/../sub/…`) until the path is too long, with an error for
/// every copy.
#[test]
#[ignore = "open defect: a file reached by two spellings of its path is loaded twice"]
fn open_use_by_two_spellings() {
    use_case(&["diamond.playbook", "mutual.playbook"]);
}
