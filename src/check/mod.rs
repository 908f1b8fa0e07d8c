//! Stage 2: the AST → a resolved, typed [`Program`] and every diagnostic at once.
//!
//! Passes, in order: gather declarations (duplicates, header settings, schemas) →
//! segments (types, cycles, dependency order) → rewards (validity, static bounds of
//! computed amounts) → rules (triggers, schedules against `active` and quiet hours,
//! limits) → test blocks → lints (the warnings of LANGUAGE.md §8). Each pass reports
//! what it finds and goes on; later passes see error types as "anything" so that one
//! mistake is reported once.

mod declarations;
mod expr;
mod lints;
pub mod model;
mod rewards;
mod rules;
pub mod schedule;
mod segments;
mod test_blocks;
pub mod types;

pub use model::*;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::syntax::{self, ast};

/// Where `use "…"` finds its files.
pub trait Loader {
    /// Reads `path` as written in a `use` of the file named `from`; returns the display
    /// name and the text.
    fn load(&self, from: &str, path: &str) -> std::io::Result<(String, String)>;
}

/// Loads `use`d files from the file system, relative to the using file.
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, from: &str, path: &str) -> std::io::Result<(String, String)> {
        let base = Path::new(from).parent().unwrap_or(Path::new(""));
        let full: PathBuf = base.join(path);
        let text = std::fs::read_to_string(&full)?;
        Ok((full.display().to_string(), text))
    }
}

/// Parses `main` (already in `sources`) and every file it uses, then checks the whole.
pub fn check(mut sources: SourceMap, main: FileId, loader: &dyn Loader) -> crate::CheckOutcome {
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
    let used = load_uses(sources, main, &items, loader, &mut diagnostics);
    items.extend(used);
    (items, diagnostics)
}

/// Checks declarations parsed beforehand, possibly from several files (the REPL
/// keeps every statement as a source of its own); `sources` holds every file their
/// spans point into, and `earlier` the diagnostics of parsing them. `use`
/// declarations among `items` are not followed.
pub fn check_items(
    sources: SourceMap,
    items: &[ast::Item],
    earlier: Vec<Diagnostic>,
) -> crate::CheckOutcome {
    let syntax_ok = earlier.is_empty();
    let mut diagnostics = earlier;
    let mut checker = Checker::new(&sources);
    let program = checker.run(items);
    diagnostics.extend(checker.diagnostics);
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start, d.code));
    diagnostics.dedup();
    let has_errors = diagnostics
        .iter()
        .any(|d| d.severity() == crate::diagnostics::Severity::Error);
    crate::CheckOutcome {
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
    let cx = expr::Context::of(target);
    let typed = if condition {
        expr::infer_bool(&mut checker, program, &cx, e, "the condition")
    } else {
        expr::infer(&mut checker, program, &cx, e)
    };
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
    let mut loaded: HashMap<String, FileId> = HashMap::new();
    let mut queue: Vec<(FileId, Vec<ast::Item>)> = vec![(main, items.to_vec())];
    let mut shared = Vec::new();
    while let Some((from, items)) = queue.pop() {
        for item in &items {
            let ast::Item::Use(path) = item else { continue };
            let from_name = sources.get(from).name().to_string();
            let (name, text) = match loader.load(&from_name, &path.node) {
                Ok(x) => x,
                Err(e) => {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::BadUse,
                            path.span,
                            format!("cannot read `{}`: {e}", path.node),
                        )
                        .label("this file")
                        .help("paths in `use` are relative to the file that uses them"),
                    );
                    continue;
                }
            };
            if loaded.contains_key(&name) || name == sources.get(main).name() {
                continue;
            }
            let id = sources.add(SourceFile::new(name.clone(), text));
            loaded.insert(name, id);
            let parsed = syntax::parse(id, sources.get(id).text());
            diagnostics.extend(parsed.diagnostics);
            for used in &parsed.program.items {
                match used {
                    ast::Item::Use(_) => {}
                    ast::Item::MemberSchema(_)
                    | ast::Item::GroupSchema(_)
                    | ast::Item::Event(_)
                    | ast::Item::Segment(_)
                    | ast::Item::Reward(_) => shared.push(used.clone()),
                    other => diagnostics.push(
                        Diagnostic::new(
                            Code::BadUse,
                            first_line(other.span(), sources.get(id)),
                            "a shared file may only declare schemas, events, segments and rewards",
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
    /// `active` has no days (a date that is not a calendar date, or reversed): it is
    /// reported, and nothing is said about when schedules fire.
    pub(crate) days_unknown: bool,
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
        }
    }

    pub(crate) fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// The source text of a span.
    pub(crate) fn text(&self, span: Span) -> &'s str {
        self.sources.get(span.file).slice(span)
    }

    fn run(&mut self, items: &[ast::Item]) -> Program {
        let mut program = declarations::gather(self, items);
        segments::check_segments(self, &mut program, items);
        rewards::check_rewards(self, &mut program, items);
        rules::check_rules(self, &mut program, items);
        test_blocks::check_tests(self, &mut program, items);
        lints::lint(self, &program, items);
        program
    }
}
