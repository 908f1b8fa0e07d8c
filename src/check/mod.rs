//! Stage 2: the AST → a resolved, typed [`Program`] and every diagnostic at once.
//!
//! Passes, in order: gather declarations (duplicates, header settings, schemas) →
//! segments (types, cycles, dependency order) → rewards (validity, static bounds of
//! computed amounts) → rules (triggers, schedules against `active` and quiet hours,
//! limits) → test blocks → lints (the warnings of LANGUAGE.md §8). Each pass reports
//! what it finds and goes on; later passes see error types as "anything" so that one
//! mistake is reported once.

mod amounts;
mod bounds;
mod context;
pub mod cost;
mod declarations;
mod expr;
mod fold;
mod history;
mod imports;
mod lints;
pub mod model;
mod names;
mod rewards;
mod rules;
pub mod schedule;
mod segments;
mod test_blocks;
mod tiers;
pub mod types;

pub use model::*;
pub use segments::segment_dependencies;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::syntax::{self, ast};

/// Where `use "…"` finds its files.
pub trait Loader {
    /// Reads `path` as written in a `use` of the file named `from`.
    fn load(&self, from: &str, path: &str) -> Result<Loaded, LoadError>;

    /// Reads `path` as written in the header's `calendar` of the file named `from`:
    /// a company's working-calendar file. A loader that reads no such files (a
    /// sandbox, memory) refuses.
    fn load_calendar(&self, from: &str, path: &str) -> Result<Loaded, LoadError> {
        let _ = (from, path);
        Err(LoadError {
            message: "calendar files cannot be read here".to_string(),
            help: None,
        })
    }

    /// The identity of the file shown as `name` (the way [`Loaded::key`] names it),
    /// when it is one this loader could load; a file is loaded once per identity.
    fn identify(&self, name: &str) -> Option<String>;
}

/// A file read for a `use`.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// What makes two spellings of a path the same file (its canonical path).
    pub key: String,
    /// The name shown in diagnostics: the path as the `use` spelled it, from the
    /// using file's directory.
    pub name: String,
    /// The text.
    pub text: String,
}

/// Why a `use` could not be loaded: the message and the help that goes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// What went wrong, without the file's content.
    pub message: String,
    /// How to put it right, when there is more to say than the message.
    pub help: Option<&'static str>,
}

/// The largest file a `use` (or the REPL's `:load`) reads: far above any real
/// playbook, small enough that a hostile path cannot exhaust memory.
pub const MAX_USED_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Loads `use`d files from the file system, relative to the using file. Only
/// regular files whose names end in `.playbook` (after following links) are read,
/// up to [`MAX_USED_FILE_BYTES`], so a playbook cannot make `check` read devices,
/// FIFOs or system files and print them in a diagnostic.
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, from: &str, path: &str) -> Result<Loaded, LoadError> {
        let base = Path::new(from).parent().unwrap_or(Path::new(""));
        let full: PathBuf = base.join(path);
        let relative = |e: LoadError| LoadError {
            help: e.help.or(Some(RELATIVE_HELP)),
            ..e
        };
        let text = read_playbook_file(&full).map_err(relative)?;
        let key = std::fs::canonicalize(&full).map_err(|e| {
            relative(LoadError {
                message: io_message(&e),
                help: None,
            })
        })?;
        Ok(Loaded {
            key: key.display().to_string(),
            name: full.display().to_string(),
            text,
        })
    }

    fn load_calendar(&self, from: &str, path: &str) -> Result<Loaded, LoadError> {
        let full = Path::new(from).parent().unwrap_or(Path::new("")).join(path);
        let text = read_named_file(&full, CALENDAR_EXTENSION).map_err(|e| LoadError {
            help: e.help.or(Some(CALENDAR_HELP)),
            ..e
        })?;
        Ok(Loaded {
            key: full.display().to_string(),
            name: full.display().to_string(),
            text,
        })
    }

    fn identify(&self, name: &str) -> Option<String> {
        let key = std::fs::canonicalize(name).ok()?;
        Some(key.display().to_string())
    }
}

/// What a company's working-calendar file is called: `NAME.calendar`.
pub const CALENDAR_EXTENSION: &str = "calendar";

const CALENDAR_HELP: &str =
    "the path in `calendar` is relative to the playbook; see docs/calendar.md for the format";

/// An I/O error as a diagnostic says it (lowercase, no OS error number).
fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

const RELATIVE_HELP: &str = "paths in `use` are relative to the file that uses them";

/// Reads a playbook file that another file (or the REPL's `:load`) names: a
/// regular file with the `.playbook` extension, also once links are followed, of
/// at most [`MAX_USED_FILE_BYTES`], in UTF-8. Errors never quote the content.
pub fn read_playbook_file(path: &Path) -> Result<String, LoadError> {
    read_named_file(path, "playbook")
}

/// Reads a file another file names: a regular file whose name ends in
/// `.EXTENSION`, also once links are followed, of at most [`MAX_USED_FILE_BYTES`],
/// in UTF-8. Errors never quote the content.
pub fn read_named_file(path: &Path, extension: &'static str) -> Result<String, LoadError> {
    use std::io::Read;
    let is_named = |p: &Path| p.extension().is_some_and(|e| e == extension);
    let fail = |message: String, help| LoadError { message, help };
    if !is_named(path) {
        let (message, help) = match extension {
            "playbook" => (
                "only `.playbook` files can be used",
                "name the shared file `NAME.playbook`",
            ),
            _ => (
                "only `.calendar` files can be a calendar",
                "name the calendar file `NAME.calendar`",
            ),
        };
        return Err(fail(message.to_string(), Some(help)));
    }
    let real = std::fs::canonicalize(path).map_err(|e| fail(io_message(&e), None))?;
    if !is_named(&real) {
        let help: &'static str = match extension {
            "playbook" => "link only to `.playbook` files",
            _ => "link only to `.calendar` files",
        };
        return Err(fail(
            format!("it links to a file that is not a `.{extension}` file"),
            Some(help),
        ));
    }
    let meta = std::fs::metadata(&real).map_err(|e| fail(io_message(&e), None))?;
    if !meta.is_file() {
        return Err(fail(
            "not a regular file".to_string(),
            Some("only plain files can be used, not directories, devices or pipes"),
        ));
    }
    let too_big = || {
        fail(
            format!("larger than the limit of {MAX_USED_FILE_BYTES} bytes"),
            Some("split the shared declarations into smaller files"),
        )
    };
    if meta.len() > MAX_USED_FILE_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&real)
        .and_then(|f| f.take(MAX_USED_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(io_message(&e), None))?;
    if bytes.len() as u64 > MAX_USED_FILE_BYTES {
        return Err(too_big());
    }
    crate::source::decode_source(bytes)
        .map_err(|e| fail(e.to_string(), Some("save the file as UTF-8")))
}

/// Parses `main` (already in `sources`) and every file it uses, then checks the whole.
pub fn check(mut sources: SourceMap, main: FileId, loader: &dyn Loader) -> CheckOutcome {
    let (items, diagnostics) = parse_with_uses(&mut sources, main, loader);
    check_items(sources, &items, diagnostics)
}

/// Parses `main` (already in `sources`) and adds every file it uses to `sources`:
/// returns `main`'s declarations followed by those the used files share, with the
/// syntax and `use` diagnostics.
pub fn parse_with_uses(
    sources: &mut SourceMap,
    main: FileId,
    loader: &dyn Loader,
) -> (Vec<ast::Item>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let parsed = syntax::parse(main, sources.get(main).text());
    diagnostics.extend(parsed.diagnostics);
    let mut items = parsed.program.items;
    load_calendar(sources, main, &items, loader, &mut diagnostics);
    let used = load_uses(sources, main, &items, loader, &mut diagnostics);
    items.extend(used);
    (items, diagnostics)
}

/// Reads the file a header's `calendar "…"` names into `sources`, for the checker
/// to find by the path's span (the REPL calls it for a header typed at its prompt).
pub(crate) fn load_calendar(
    sources: &mut SourceMap,
    main: FileId,
    items: &[ast::Item],
    loader: &dyn Loader,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let paths = items.iter().filter_map(|i| match i {
        ast::Item::Header(h) => Some(h.node.settings.iter()),
        _ => None,
    });
    for setting in paths.flatten() {
        let ast::Setting::Calendar(path) = &setting.node else {
            continue;
        };
        let from = sources.get(main).name().to_string();
        match loader.load_calendar(&from, &path.node) {
            Ok(file) => {
                let id = sources.add(SourceFile::new(file.name, file.text));
                sources.name_file(path.span, id);
            }
            Err(e) => diagnostics.push(
                Diagnostic::new(
                    Code::BadCalendar,
                    path.span,
                    format!("cannot read the calendar `{}`: {}", path.node, e.message),
                )
                .label("this file")
                .help(e.help.unwrap_or(CALENDAR_HELP)),
            ),
        }
    }
}

/// Checks declarations parsed beforehand, possibly from several files (the REPL
/// keeps every statement as a source of its own); `sources` holds every file their
/// spans point into, and `earlier` the diagnostics of parsing them. `use`
/// declarations among `items` are not followed.
pub fn check_items(
    sources: SourceMap,
    items: &[ast::Item],
    earlier: Vec<Diagnostic>,
) -> CheckOutcome {
    let syntax_ok = earlier.is_empty();
    let mut checker = Checker::new(&sources);
    checker.invalid_literals = earlier
        .iter()
        .filter(|d| d.code == Code::InvalidLiteral)
        .map(|d| d.span)
        .collect();
    let mut diagnostics = earlier;
    let program = checker.run(items);
    let invalid = std::mem::take(&mut checker.invalid_literals);
    // A literal the parser could not read stands in as a placeholder (`0%`, `¥0`):
    // what the checker then says about the placeholder is not the user's mistake.
    diagnostics.extend(
        checker
            .diagnostics
            .into_iter()
            .filter(|d| !invalid.iter().any(|l| overlaps(*l, d.span))),
    );
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start, d.code));
    diagnostics.dedup();
    let has_errors = diagnostics
        .iter()
        .any(|d| d.severity() == crate::diagnostics::Severity::Error);
    CheckOutcome {
        sources,
        program: (syntax_ok && !has_errors).then_some(program),
        diagnostics,
    }
}

/// Types a lone expression against a checked program, as if written in a segment
/// of `target` (bare names are its fields and segments; there is no `event`). With
/// `condition` it must be a present `bool`, as in `when`. `sources` must hold the
/// expression's file.
pub fn check_expression(
    program: &Program,
    sources: &SourceMap,
    e: &ast::Expr,
    target: ast::TargetKind,
    condition: bool,
) -> Result<types::TExpr, Vec<Diagnostic>> {
    let mut checker = Checker::new(sources);
    checker.segment_index = program
        .segments
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.clone(), i))
        .collect();
    checker.event_index = program
        .events
        .iter()
        .enumerate()
        .map(|(i, ev)| (ev.name.clone(), i))
        .collect();
    let cx = context::Context::of(target);
    let typed = if condition {
        expr::infer_bool(&mut checker, program, &cx, e, "the condition")
    } else {
        expr::infer(&mut checker, program, &cx, e)
    };
    if let Some(h) = checker.histories.first() {
        // A lone expression has no run to keep members' histories for it.
        checker.report(
            Diagnostic::new(
                crate::diagnostics::Code::InvalidHistory,
                h.span,
                "a member's history is read by runs, not by a lone expression",
            )
            .label("not evaluated here")
            .help("use it in a rule and `run` or `explain` it, or count a segment that uses it with `playbook segments`"),
        );
    }
    if checker.diagnostics.is_empty() {
        Ok(typed)
    } else {
        Err(checker.diagnostics)
    }
}

/// Loads the files named by `use` (transitively, each once) and returns the
/// declarations they share: schemas, events, segments and rewards.
fn load_uses(
    sources: &mut SourceMap,
    main: FileId,
    items: &[ast::Item],
    loader: &dyn Loader,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ast::Item> {
    let mut loaded: HashSet<String> = HashSet::new();
    loaded.extend(loader.identify(sources.get(main).name()));
    let mut queue: Vec<(FileId, Vec<ast::Item>)> = vec![(main, items.to_vec())];
    let mut shared = Vec::new();
    while let Some((from, items)) = queue.pop() {
        for item in &items {
            let ast::Item::Use(path) = item else { continue };
            let from_name = sources.get(from).name().to_string();
            let file = match loader.load(&from_name, &path.node) {
                Ok(file) => file,
                Err(e) => {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::BadUse,
                            path.span,
                            format!("cannot use `{}`: {}", path.node, e.message),
                        )
                        .label("this file")
                        .help(e.help.unwrap_or(RELATIVE_HELP)),
                    );
                    continue;
                }
            };
            if !loaded.insert(file.key) {
                continue;
            }
            let id = sources.add(SourceFile::new(file.name, file.text));
            let parsed = syntax::parse(id, sources.get(id).text());
            if !parsed.diagnostics.is_empty() {
                diagnostics.extend(conceal(sources, id, parsed.diagnostics));
                continue;
            }
            for used in &parsed.program.items {
                match used {
                    ast::Item::Use(_) => {}
                    ast::Item::MemberSchema(_)
                    | ast::Item::GroupSchema(_)
                    | ast::Item::Event(_)
                    | ast::Item::Segment(_)
                    | ast::Item::Import(_)
                    | ast::Item::Reward(_) => shared.push(used.clone()),
                    other => diagnostics.push(
                        Diagnostic::new(
                            Code::BadUse,
                            first_line(other.span(), sources.get(id)),
                            "a shared file may only declare schemas, imports, events, segments and rewards",
                        )
                        .label("not shared")
                        .related(path.span, "used here")
                        .help(
                            "move headers, rules and tests into the playbook that uses this file",
                        ),
                    ),
                }
            }
            queue.push((id, parsed.program.items));
        }
    }
    shared
}

/// What is shown of a file that another file or the REPL named but that does not
/// parse as a playbook: its first syntax error, and of its text only the token that
/// error points at. A path can name any file the user can read (a key, a config
/// with secrets); a diagnostic must not become a way to print it.
pub fn conceal(
    sources: &mut SourceMap,
    file: FileId,
    diagnostics: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let Some(first) = diagnostics.into_iter().find(|d| d.span.file == file) else {
        return Vec::new();
    };
    let shown = sources.get(file).masked_except(first.span);
    sources.replace(file, shown);
    vec![first]
}

fn overlaps(a: Span, b: Span) -> bool {
    a.file == b.file && a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1)
}

impl Checker<'_> {
    /// Whether any of `spans` is a literal the parser could not read.
    pub(crate) fn any_invalid_literal(&self, mut spans: impl Iterator<Item = Span>) -> bool {
        !self.invalid_literals.is_empty() && spans.any(|s| self.invalid_literals.contains(&s))
    }
}

/// The span of the first line of `span` (a whole declaration is too much to underline).
fn first_line(span: Span, file: &SourceFile) -> Span {
    let text = file.slice(span);
    let end = text.find('\n').map_or(span.end, |i| span.start + i);
    Span { end, ..span }
}

/// The checker's state across passes.
pub(crate) struct Checker<'s> {
    pub(crate) sources: &'s SourceMap,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Segment name → index in `Program::segments`.
    pub(crate) segment_index: HashMap<String, usize>,
    /// Event kind → index in `Program::events`.
    pub(crate) event_index: HashMap<String, usize>,
    /// Reward name → its declaration (first of duplicates).
    pub(crate) reward_decls: HashMap<String, ast::Spanned<ast::RewardDecl>>,
    /// Rule name → index in `Program::rules`.
    pub(crate) rule_names: HashMap<String, Span>,
    /// Segments some rule, reward or segment uses.
    pub(crate) used_segments: HashSet<usize>,
    /// Rewards some rule or reward uses.
    pub(crate) used_rewards: HashSet<String>,
    /// Events some rule is triggered by.
    pub(crate) used_events: HashSet<usize>,
    /// The reward declaration whose body is being checked, if any.
    pub(crate) current_reward_decl: Option<Span>,
    /// Reward references expanded so far (bounded).
    pub(crate) reward_expansions: usize,
    /// Experiment name → its arms (name, share) and where they were first given:
    /// every use of one experiment must split targets the same way.
    pub(crate) experiments: HashMap<String, (Vec<(String, i64)>, Span)>,
    /// Literals the parser could not read (already reported): their placeholder
    /// values must not cause a second, false diagnostic.
    pub(crate) invalid_literals: HashSet<Span>,
    /// `active` has no days (a date that is not a calendar date, or reversed): it is
    /// reported, and nothing is said about when schedules fire.
    pub(crate) days_unknown: bool,
    /// Aggregates over members' earlier events, each once (see `history`).
    pub(crate) histories: Vec<HistoryDef>,
    /// An aggregate's written form → its index in `histories`.
    pub(crate) history_keys: HashMap<String, usize>,
    /// Where `workday(…)` or `holiday(…)` asks the working calendar.
    pub(crate) calendar_uses: Vec<Span>,
}

impl<'s> Checker<'s> {
    fn new(sources: &'s SourceMap) -> Self {
        Checker {
            sources,
            diagnostics: Vec::new(),
            segment_index: HashMap::new(),
            event_index: HashMap::new(),
            reward_decls: HashMap::new(),
            rule_names: HashMap::new(),
            used_segments: HashSet::new(),
            used_rewards: HashSet::new(),
            used_events: HashSet::new(),
            reward_expansions: 0,
            days_unknown: false,
            current_reward_decl: None,
            experiments: HashMap::new(),
            invalid_literals: HashSet::new(),
            histories: Vec::new(),
            history_keys: HashMap::new(),
            calendar_uses: Vec::new(),
        }
    }

    pub(crate) fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// The source text of a span.
    pub(crate) fn text(&self, span: Span) -> &'s str {
        self.sources.get(span.file).slice(span)
    }

    /// The source text of a span with its whitespace collapsed: the name an inline
    /// reward has on grants, and how two conditions are seen to be written alike.
    pub(crate) fn canonical(&self, span: Span) -> String {
        self.text(span)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn run(&mut self, items: &[ast::Item]) -> Program {
        let mut program = declarations::gather(self, items);
        imports::check_imports(self, &mut program, items);
        segments::check_segments(self, &mut program, items);
        rewards::check_rewards(self, &mut program, items);
        rules::check_rules(self, &mut program, items);
        test_blocks::check_tests(self, &mut program, items);
        program.calendar_read_at = self.calendar_uses.first().copied();
        if let Some(first) = program.calendar_read_at {
            schedule::calendar_covers(self, &program, first, Some(None));
        }
        program.histories = std::mem::take(&mut self.histories);
        lints::lint(self, &program, items);
        program
    }
}

/// What checking a playbook produced.
#[derive(Debug)]
pub struct CheckOutcome {
    /// Every file read (the playbook and the files it `use`s), for rendering.
    pub sources: SourceMap,
    /// The checked program, when there were no errors.
    pub program: Option<Program>,
    /// Errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckOutcome {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Parses and checks playbook source text; `name` is shown in diagnostics. `use`
/// declarations are resolved relative to the current directory.
pub fn check_text(name: &str, text: &str) -> CheckOutcome {
    let mut sources = SourceMap::new();
    let id = sources.add(SourceFile::new(name, text));
    check(sources, id, &FsLoader)
}

/// Reads, parses and checks a playbook file; `use` paths are relative to it. A file
/// that is not UTF-8 fails with the byte and line where it stops being so.
pub fn check_file(path: &Path) -> std::io::Result<CheckOutcome> {
    let text = crate::source::read_source(path)?;
    let mut sources = SourceMap::new();
    let id = sources.add(SourceFile::new(path.display().to_string(), text));
    Ok(check(sources, id, &FsLoader))
}
