//! The properties the fuzz targets check, one function each, written against the
//! library's public API and the standard library only: the fuzz targets call them
//! with generated input, and `tests/fuzz_regressions.rs` includes this file to call
//! them again on every saved finding under `tests/fixtures/fuzz/`.

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};

use playbook::check::{self, FsLoader, LoadError, Loaded, Loader};
use playbook::compile::plan::Plan;
use playbook::data::sqlite::SqliteData;
use playbook::data::{BadValue, DataSource, Table, TableNames};
use playbook::diagnostics::{Code, Diagnostic};
use playbook::diagnostics::{Format, render};
use playbook::format::{FormatError, format_source};
use playbook::repl::Session;
use playbook::repl::input::split_statements;
use playbook::source::{FileId, SourceFile, SourceMap};
use playbook::syntax;
use playbook::syntax::ast::TargetKind;
use playbook::value::Row;

/// The name checked texts go by.
pub const INPUT_NAME: &str = "input.playbook";

/// A file the in-memory loader serves to `use "shared.playbook"`.
const SHARED: &str = "member { orders: int, spend: money }\nsegment buyers = orders > 0\n";

/// Serves `use` from a fixed set of in-memory files, so that checking arbitrary
/// text never touches the file system (`use` resolution on disk has a target of its
/// own, `use_resolution`).
pub struct MemoryLoader {
    files: HashMap<&'static str, &'static str>,
}

impl MemoryLoader {
    /// `shared.playbook` (a schema and a segment), `rule.playbook` (a rule, which a
    /// shared file may not hold) and `self.playbook` (which uses itself).
    pub fn new() -> MemoryLoader {
        let files = HashMap::from([
            ("shared.playbook", SHARED),
            (
                "rule.playbook",
                "rule r { every day at 10:00 give coupon ¥1 limit once per member }\n",
            ),
            (
                "self.playbook",
                "use \"self.playbook\"\nevent e { n: int }\n",
            ),
        ]);
        MemoryLoader { files }
    }
}

impl Default for MemoryLoader {
    fn default() -> Self {
        MemoryLoader::new()
    }
}

impl Loader for MemoryLoader {
    fn load(&self, _from: &str, path: &str) -> Result<Loaded, LoadError> {
        match self.files.get(path) {
            Some(text) => Ok(Loaded {
                key: path.to_owned(),
                name: path.to_owned(),
                text: (*text).to_owned(),
            }),
            None => Err(LoadError {
                message: "no such file".to_owned(),
                help: None,
            }),
        }
    }

    fn identify(&self, name: &str) -> Option<String> {
        Some(name.to_owned())
    }
}

/// Checks `text` as `playbook check` would (with `use` served by [`MemoryLoader`]).
pub fn check_text(text: &str) -> playbook::CheckOutcome {
    let mut sources = SourceMap::new();
    let id = sources.add(SourceFile::new(INPUT_NAME, text));
    check::check(sources, id, &MemoryLoader::new())
}

/// The codes of a check's diagnostics, sorted.
pub fn codes(outcome: &playbook::CheckOutcome) -> Vec<Code> {
    let mut codes: Vec<Code> = outcome.diagnostics.iter().map(|d| d.code).collect();
    codes.sort();
    codes
}

/// `check`: checking never panics, every span lies on character boundaries inside
/// its file, a program comes back exactly when there is no error, and the
/// diagnostics render in every format: JSON that parses, one GitHub workflow
/// command per diagnostic.
pub fn check_and_render(text: &str) {
    let outcome = check_text(text);
    assert_eq!(
        outcome.program.is_some(),
        outcome.errors() == 0,
        "a program must come back exactly when there is no error"
    );
    for d in &outcome.diagnostics {
        assert_spans_inside(d, &outcome.sources);
    }
    let sources = &outcome.sources;
    let diagnostics = &outcome.diagnostics;
    for color in [false, true] {
        let human = render(Format::Human { color }, diagnostics, sources);
        assert_eq!(human.is_empty(), diagnostics.is_empty());
    }
    let json = render(Format::Json, diagnostics, sources);
    let value: serde_json::Value = serde_json::from_str(&json).expect("the JSON output parses");
    assert_eq!(
        value["diagnostics"].as_array().map(Vec::len),
        Some(diagnostics.len())
    );
    let github = render(Format::Github, diagnostics, sources);
    assert_eq!(
        github.lines().count(),
        diagnostics.len(),
        "one workflow command per diagnostic:\n{github}"
    );
}

fn assert_spans_inside(d: &Diagnostic, sources: &SourceMap) {
    let spans = std::iter::once(d.span).chain(d.related.iter().map(|l| l.span));
    for span in spans {
        let text = sources.get(span.file).text();
        assert!(
            span.start <= span.end && span.end <= text.len(),
            "{} span {}..{} outside a text of {} bytes",
            d.code.code(),
            span.start,
            span.end,
            text.len()
        );
        assert!(
            text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
            "{} span {}..{} cuts a character",
            d.code.code(),
            span.start,
            span.end
        );
    }
}

/// `format`: a text that parses without errors formats; the result parses to the
/// same AST (spans aside), checks with the same diagnostic codes, and formats to
/// itself. Texts with syntax errors are skipped.
pub fn format_round_trip(text: &str) {
    let file = FileId(0);
    let parsed = syntax::parse(file, text);
    if !parsed.diagnostics.is_empty() {
        return;
    }
    let formatted = match format_source(file, text) {
        Ok(f) => f,
        Err(FormatError::Internal(message)) => panic!("the formatter failed: {message}"),
        Err(FormatError::Syntax(d)) => panic!("a text that parsed has syntax errors: {d:?}"),
    };
    let again = syntax::parse(file, &formatted);
    assert!(
        again.diagnostics.is_empty(),
        "the formatted text does not parse: {:?}\n{formatted}",
        again.diagnostics
    );
    assert_eq!(
        parsed.program, again.program,
        "formatting changed the AST:\n{formatted}"
    );
    assert_eq!(
        codes(&check_text(text)),
        codes(&check_text(&formatted)),
        "formatting changed the check verdict:\n{formatted}"
    );
    match format_source(file, &formatted) {
        Ok(twice) => assert_eq!(twice, formatted, "formatting is not idempotent"),
        Err(e) => panic!("the formatted text does not format again: {e:?}\n{formatted}"),
    }
}

/// Files the REPL sandbox holds, by path inside it (the layout of the repository, so
/// that transcripts from the REPL tests work as they are).
pub const REPL_FILES: &[(&str, &str)] = &[
    (
        "examples/package_card_launch.playbook",
        include_str!("../../examples/package_card_launch.playbook"),
    ),
    (
        "examples/data/package_card_launch.sql",
        include_str!("../../examples/data/package_card_launch.sql"),
    ),
    (
        "examples/member_day_birthday.playbook",
        include_str!("../../examples/member_day_birthday.playbook"),
    ),
    (
        "examples/data/member_day_birthday.sql",
        include_str!("../../examples/data/member_day_birthday.sql"),
    ),
    (
        "tests/fixtures/run/community.playbook",
        include_str!("../../tests/fixtures/run/community.playbook"),
    ),
    (
        "tests/fixtures/run/bad_rows.sql",
        include_str!("../../tests/fixtures/run/bad_rows.sql"),
    ),
];

/// Writes [`REPL_FILES`] under `dir`.
pub fn fill_repl_sandbox(dir: &Path) -> io::Result<()> {
    for (path, text) in REPL_FILES {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(full, text)?;
    }
    Ok(())
}

/// How many statements one REPL input may run.
pub const MAX_STATEMENTS: usize = 32;

/// `repl`: a fresh session evaluates the statements of `input` without panicking,
/// and every reply is empty or ends with a newline. The current directory must be a
/// sandbox filled by [`fill_repl_sandbox`]: statements that would read a file
/// outside it are skipped (see [`stays_inside`]).
pub fn repl_session(input: &str) {
    let mut session = Session::new("<repl>", false);
    session.eval_line(":at 2026-04-27 22:00");
    for statement in split_statements(input).into_iter().take(MAX_STATEMENTS) {
        if !stays_inside(&statement.text) {
            continue;
        }
        let reply = session.eval_at(&statement.text, statement.line);
        assert!(
            reply.text.is_empty() || reply.text.ends_with('\n'),
            "a reply must end with a newline: {:?}",
            reply.text
        );
        if reply.quit {
            break;
        }
    }
}

/// Whether a REPL statement reads files only under the current directory. The
/// `Session` API reads whatever path `:load` and `:data` name, and has no root to
/// confine it to; so a command that may be one of those (any prefix of the names,
/// as the REPL accepts unambiguous prefixes) must name a relative path with plain
/// components only: no root, no `..`. Declarations cannot `use` files (the REPL
/// refuses), and the sandbox's own files `use` nothing, so nothing else reads files.
pub fn stays_inside(statement: &str) -> bool {
    let body = statement.trim_start();
    let Some(body) = body.strip_prefix(':') else {
        return true;
    };
    let name_len = body.find(char::is_whitespace).unwrap_or(body.len());
    let name = &body[..name_len];
    let reads_file = ["load", "data"].iter().any(|c| c.starts_with(name));
    if !reads_file {
        return true;
    }
    let arg = body[name_len..].trim();
    Path::new(arg)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Loads `use`d files with [`FsLoader`], but only those that lie inside `root` once
/// `.` and `..` are resolved (the sandbox holds no symbolic links to directories, so
/// this is where the file system would look too); others fail as not permitted.
pub struct SandboxLoader {
    /// The sandbox directory, absolute.
    pub root: PathBuf,
}

impl Loader for SandboxLoader {
    fn load(&self, from: &str, path: &str) -> Result<Loaded, LoadError> {
        let base = Path::new(from).parent().unwrap_or(Path::new(""));
        let full = normalize(&base.join(path));
        if !full.starts_with(&self.root) {
            return Err(LoadError {
                message: "outside the fuzz sandbox".to_owned(),
                help: None,
            });
        }
        FsLoader.load(from, path)
    }

    fn identify(&self, name: &str) -> Option<String> {
        FsLoader.identify(name)
    }
}

/// `path` with `.` and `..` resolved lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// What the `use_resolution` sandbox holds: shared files that use each other (`c`
/// and `d` by a path through the parent directory), a
/// file with a rule (not allowed in a shared file), a syntax error, an empty file,
/// a file that is not UTF-8, and a directory named like a playbook.
pub const USE_FILES: &[(&str, &[u8])] = &[
    (
        "shared.playbook",
        b"member { orders: int, spend: money }\nsegment buyers = orders > 0\n",
    ),
    (
        "events.playbook",
        b"use \"shared.playbook\"\nevent order { amount: money }\n",
    ),
    (
        "sub/a.playbook",
        b"use \"../shared.playbook\"\nuse \"b.playbook\"\nreward r = coupon \xc2\xa55 over \xc2\xa530\n",
    ),
    ("sub/b.playbook", b"use \"a.playbook\"\nsegment big = spend > \xc2\xa5100\n"),
    (
        "sub/c.playbook",
        b"use \"../sub/d.playbook\"\nsegment c = orders > 2\n",
    ),
    ("sub/d.playbook", b"use \"c.playbook\"\nsegment d = orders > 3\n"),
    (
        "rule.playbook",
        b"rule r { every day at 10:00 give coupon \xc2\xa51 limit once per member }\n",
    ),
    ("broken.playbook", b"segment = = =\n"),
    ("empty.playbook", b""),
    ("latin1.playbook", b"segment caf\xe9 = orders > 1\n"),
    ("dir.playbook/inner.playbook", b"event inner { n: int }\n"),
];

/// Writes [`USE_FILES`] under `dir`.
pub fn fill_use_sandbox(dir: &Path) -> io::Result<()> {
    for (path, bytes) in USE_FILES {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(full, bytes)?;
    }
    Ok(())
}

/// Writes `path` as a playbook string literal.
pub fn quote(path: &str) -> String {
    let mut out = String::from("\"");
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The playbook text that `use`s each of `paths` (those a string literal can hold),
/// then `body`.
pub fn use_text(paths: &[String], body: &str) -> String {
    let mut text = String::new();
    // A string literal has no way to hold a carriage return.
    for p in paths.iter().filter(|p| !p.contains('\r')) {
        text.push_str("use ");
        text.push_str(&quote(p));
        text.push('\n');
    }
    text.push_str(body);
    text
}

/// `use_resolution`: `text`, checked as the file `main.playbook` of the sandbox
/// `root` (filled by [`fill_use_sandbox`]), checks without panicking and loads only
/// files inside the sandbox; its diagnostics' spans lie inside their files and
/// render; and no file is read twice under two spellings of its path.
pub fn use_resolution(root: &Path, text: &str) {
    let mut sources = SourceMap::new();
    let main_name = root.join("main.playbook").display().to_string();
    let id = sources.add(SourceFile::new(main_name, text));
    let loader = SandboxLoader {
        root: root.to_path_buf(),
    };
    let outcome = check::check(sources, id, &loader);
    for d in &outcome.diagnostics {
        assert_spans_inside(d, &outcome.sources);
    }
    let human = render(
        Format::Human { color: false },
        &outcome.diagnostics,
        &outcome.sources,
    );
    assert_eq!(human.is_empty(), outcome.diagnostics.is_empty());
    let mut read: Vec<(PathBuf, &str)> = Vec::new();
    for (file, source) in outcome.sources.files() {
        if file == id {
            continue;
        }
        let Ok(path) = std::fs::canonicalize(source.name()) else {
            continue;
        };
        if let Some((_, first)) = read.iter().find(|(p, _)| *p == path) {
            panic!(
                "{} is read twice: as `{first}` and as `{}`",
                path.display(),
                source.name()
            );
        }
        read.push((path, source.name()));
    }
}

/// `decode`: every value of a data file is read or reported. Opens `path` for
/// `program`; scans members and groups, looks every id up, reads every event; a
/// scan that leaves a row out has reported a bad value, and every bad value names
/// its table, column and row. `rows` is how many rows each table holds.
pub fn decode_all(path: &Path, program: &check::Program, rows: [usize; 2]) {
    let mut data = match SqliteData::open(path, program, TableNames::default()) {
        Ok(d) => d,
        Err(e) => panic!("the data file does not open: {e}"),
    };
    let names = TableNames::default();
    let tables = [
        (Table::Members, TargetKind::Member, rows[0]),
        (Table::Groups, TargetKind::Group, rows[1]),
    ];
    // Duplicate ids are found, and recorded, when the file is opened.
    let mut problems = data.take_problems();
    for (table, kind, count) in tables {
        if table == Table::Groups && program.group.is_none() {
            continue;
        }
        let fields = Plan::all_fields(program, kind);
        let mut ids = Vec::new();
        let mut scanned = Vec::new();
        data.scan(table, &fields, &mut |row| {
            ids.push(row.id.clone());
            scanned.push(row.clone());
            true
        })
        .unwrap_or_else(|e| panic!("scanning {} failed: {e}", names.name(table)));
        let found = data.take_problems();
        held_reads_the_same(path, program, table, &fields, &scanned, &found);
        problems.extend(found);
        assert!(ids.len() <= count, "{} rows visited of {count}", ids.len());
        let reported = problems.iter().any(|p| p.table == names.name(table));
        assert!(
            ids.len() == count || reported,
            "{}: {} of {count} rows visited, and no bad value reported",
            names.name(table),
            ids.len()
        );
        for id in &ids {
            let row = data
                .lookup(table, id, &fields)
                .unwrap_or_else(|e| panic!("looking up {id:?} failed: {e}"));
            assert!(
                row.is_some_and(|r| &r.id == id),
                "{id:?} scanned but not found"
            );
        }
        problems.extend(data.take_problems());
    }
    if !program.events.is_empty() {
        data.events(i64::MIN, i64::MAX)
            .unwrap_or_else(|e| panic!("reading events failed: {e}"));
        data.events(0, 1_800_000_000)
            .unwrap_or_else(|e| panic!("reading events failed: {e}"));
    }
    problems.extend(data.take_problems());
    for p in &problems {
        assert!(
            [&names.members, &names.groups, &names.events].contains(&&p.table),
            "bad value in an unknown table: {p}"
        );
        assert!(!p.column.is_empty(), "bad value without a column: {p}");
        assert!(!p.row.is_empty(), "bad value without a row: {p}");
        assert!(!p.problem.is_empty(), "bad value without a problem: {p}");
    }
}

/// The table held in memory (`DataSource::hold`) scans to the same rows with the
/// same bad values, in the same order, and looks every row up the same.
fn held_reads_the_same(
    path: &Path,
    program: &check::Program,
    table: Table,
    fields: &[usize],
    scanned: &[Row],
    found: &[BadValue],
) {
    let mut held = match SqliteData::open(path, program, TableNames::default()) {
        Ok(d) => d,
        Err(e) => panic!("the data file does not open again: {e}"),
    };
    let _ = held.take_problems(); // duplicates, recorded at open
    let holds = held
        .hold(table, fields)
        .unwrap_or_else(|e| panic!("holding the table failed: {e}"));
    assert!(holds, "a SQLite table is held when asked");
    let mut rows = Vec::new();
    held.scan(table, fields, &mut |row| {
        rows.push(row.clone());
        true
    })
    .unwrap_or_else(|e| panic!("scanning the held table failed: {e}"));
    assert_eq!(rows, scanned, "held rows differ from the file's");
    assert_eq!(held.take_problems(), found, "held bad values differ");
    for row in scanned {
        let again = held
            .lookup(table, &row.id, fields)
            .unwrap_or_else(|e| panic!("looking up {:?} failed: {e}", row.id));
        assert_eq!(again.as_ref(), Some(row), "held lookup of {:?}", row.id);
    }
}
