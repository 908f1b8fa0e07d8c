//! The REPL's library side: a [`Session`] holds declarations, data, an instant and
//! a selected member or group, and [`Session::eval_line`] turns one statement — a
//! declaration, a bare expression or a `:command` — into the text to print. The
//! command-line shell (line editing, history, completion) only reads lines and
//! prints replies.
//!
//! ```
//! use playbook::repl::Session;
//!
//! let mut session = Session::new("<repl>", false);
//! session.eval_line("member { orders: int }");
//! let reply = session.eval_line("¥20 * 3");
//! assert_eq!(reply.text, "¥60 : money\n");
//! ```

mod commands;
pub mod complete;
pub mod declarations;
pub mod input;

use std::path::PathBuf;

use crate::check::types::{Record, TExpr, TExprKind};
use crate::compile::plan::compile_expr;
use crate::compile::{Compiled, compile};
use crate::data::sqlite::SqliteData;
use crate::data::{DataSource, Table, TableNames};
use crate::diagnostics::{Code, Diagnostic, render_human};
use crate::interpret::eval::{Env, eval};
use crate::interpret::history::Histories;
use crate::source::{FileId, SourceFile};
use crate::syntax::{self, ast::TargetKind};
use crate::value::{Row, show};
use std::rc::Rc;

use declarations::{Decl, Declarations, Key};

pub use commands::{COMMANDS, CommandInfo};

/// What one statement produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// The text to print: empty, or ending with a newline.
    pub text: String,
    /// Whether the statement failed (an error, a rejected declaration).
    pub failed: bool,
    /// Whether the session should end (`:quit`).
    pub quit: bool,
}

impl Reply {
    /// A successful reply.
    pub fn ok(text: impl Into<String>) -> Reply {
        Reply {
            text: ended(text.into()),
            ..Reply::default()
        }
    }

    /// A failed reply.
    pub fn error(text: impl Into<String>) -> Reply {
        Reply {
            text: ended(text.into()),
            failed: true,
            quit: false,
        }
    }
}

fn ended(mut text: String) -> String {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// A REPL session.
#[derive(Debug)]
pub struct Session {
    /// How typed statements are named in diagnostics (`<repl>`, `<stdin>`).
    input_name: String,
    /// The line number the next statement starts on.
    next_line: usize,
    /// Colour diagnostics.
    color: bool,
    decls: Declarations,
    /// Bumped whenever the program changes: an open data file is checked against
    /// the program it was opened for.
    generation: u64,
    data: Option<PathBuf>,
    opened: Option<(u64, SqliteData)>,
    /// The program compiled, for the generation it was compiled at.
    compiled: Option<(u64, Rc<Compiled>)>,
    /// Members' histories as of an instant, for the generation they were read at.
    histories: Option<((u64, i64), Rc<Histories>)>,
    at: i64,
    member: Option<String>,
    group: Option<String>,
    /// Whose fields bare names read: the last one selected.
    focus: TargetKind,
}

impl Session {
    /// An empty session at the current instant. `input_name` names typed
    /// statements in diagnostics; `color` colours them.
    pub fn new(input_name: &str, color: bool) -> Session {
        Session {
            input_name: input_name.to_owned(),
            next_line: 1,
            color,
            decls: Declarations::new(),
            generation: 0,
            data: None,
            opened: None,
            compiled: None,
            histories: None,
            at: chrono::Utc::now().timestamp(),
            member: None,
            group: None,
            focus: TargetKind::Member,
        }
    }

    /// Evaluates one statement; its lines are numbered on from the previous one's.
    pub fn eval_line(&mut self, input: &str) -> Reply {
        let line = self.next_line;
        self.eval_at(input, line)
    }

    /// Evaluates one statement that starts on line `line` of the input.
    pub fn eval_at(&mut self, input: &str, line: usize) -> Reply {
        self.next_line = line.saturating_add(input.lines().count().max(1));
        let trimmed = input.trim();
        if trimmed.is_empty() || only_comments(trimmed) {
            return Reply::default();
        }
        if trimmed.starts_with(':') {
            return self.command(input, line);
        }
        if is_declaration(trimmed) {
            return self.declare(input, line);
        }
        self.expression(input, line)
    }

    /// The session's program compiled: once per change of the program, shared by
    /// the commands that run it.
    fn compiled(&mut self) -> Rc<Compiled> {
        match &self.compiled {
            Some((generation, compiled)) if *generation == self.generation => compiled.clone(),
            _ => {
                let compiled = Rc::new(compile(self.decls.program().clone()));
                self.compiled = Some((self.generation, compiled.clone()));
                compiled
            }
        }
    }

    /// The checked program of the session's declarations.
    pub fn program(&self) -> &crate::check::Program {
        self.decls.program()
    }

    /// The instant expressions and commands are evaluated at.
    pub fn at(&self) -> i64 {
        self.at
    }

    /// The selected member, if any.
    pub fn member(&self) -> Option<&str> {
        self.member.as_deref()
    }

    /// The member or group bare names read (the one selected last), if any.
    pub fn selected(&self) -> Option<&str> {
        match self.focus {
            TargetKind::Member => self.member.as_deref(),
            TargetKind::Group => self.group.as_deref(),
        }
    }

    /// The selected group, if any.
    pub fn group(&self) -> Option<&str> {
        self.group.as_deref()
    }

    /// Adds typed declarations.
    fn declare(&mut self, input: &str, line: usize) -> Reply {
        let file = self.add_source(input, line);
        let mut parsed = syntax::parse(file, input);
        // A header's `calendar` file is read now, relative to where the REPL runs.
        crate::check::load_calendar(
            &mut self.decls.sources,
            file,
            &parsed.program.items,
            &crate::check::FsLoader,
            &mut parsed.diagnostics,
        );
        if !parsed.diagnostics.is_empty() {
            let mut text = self.render(&parsed.diagnostics);
            text.push_str("nothing was changed\n");
            return Reply::error(text);
        }
        let mut new = Vec::new();
        for item in parsed.program.items {
            let Some(key) = Key::of(&item) else {
                return Reply::error(
                    "error: `use` is not available here; load the file with `:load FILE`",
                );
            };
            new.push(Decl {
                key,
                item,
                file: None,
            });
        }
        self.apply(&[], new, |change| {
            let mut lines = Vec::new();
            for key in &change.added {
                lines.push(format!("defined {}", key.describe()));
            }
            for key in &change.replaced {
                lines.push(format!(
                    "redefined {} (it replaces the earlier declaration)",
                    key.describe()
                ));
            }
            lines.join("\n")
        })
    }

    /// Applies a change of declarations and describes it, or shows why not.
    fn apply(
        &mut self,
        reloading: &[PathBuf],
        new: Vec<Decl>,
        describe: impl FnOnce(&declarations::Change) -> String,
    ) -> Reply {
        match self.decls.apply(reloading, new) {
            Ok((change, warnings)) => {
                self.generation += 1;
                if self.decls.program().group.is_none() {
                    // A reload may have dropped the group schema.
                    self.group = None;
                    self.focus = TargetKind::Member;
                }
                let warnings: Vec<Diagnostic> = warnings
                    .into_iter()
                    .filter(|d| d.code != Code::Unused)
                    .collect();
                let mut text = self.render(&warnings);
                text.push_str(&ended(describe(&change)));
                Reply::ok(text)
            }
            Err(declarations::Rejected(errors)) => {
                let mut text = self.render(&errors);
                text.push_str("nothing was changed\n");
                Reply::error(text)
            }
        }
    }

    /// A bare expression: `value : type` for the selected member or group.
    fn expression(&mut self, input: &str, line: usize) -> Reply {
        let typed = match self.typed_expression(input, 0, line, false) {
            Ok(t) => t,
            Err(reply) => return reply,
        };
        match self.evaluate(&typed) {
            Ok(value) => Reply::ok(format!("{value} : {}", typed.ty)),
            Err(message) => Reply::error(format!("error: {message}")),
        }
    }

    /// Parses and types the expression at byte `start` of a statement written on
    /// line `line`; `condition` requires a `bool`.
    fn typed_expression(
        &mut self,
        input: &str,
        start: usize,
        line: usize,
        condition: bool,
    ) -> Result<TExpr, Reply> {
        let file = self.add_source(input, line);
        let expr = syntax::parse_expression_at(file, input.get(start..).unwrap_or(""), start)
            .map_err(|diagnostics| Reply::error(self.render(&diagnostics)))?;
        crate::check::check_expression(
            self.decls.program(),
            &self.decls.sources,
            &expr,
            self.focus,
            condition,
        )
        .map_err(|diagnostics| Reply::error(self.render(&diagnostics)))
    }

    /// Evaluates a typed expression for the selected target at the session's
    /// instant, shown as the operator reads values.
    fn evaluate(&mut self, typed: &TExpr) -> Result<String, String> {
        let reads = Reads::of(typed);
        let tz = self.decls.program().settings.timezone;
        let node = compile_expr(typed);
        let row = if reads.target {
            Some(self.target_row()?)
        } else {
            None
        };
        if reads.segment
            && self
                .decls
                .program()
                .segments
                .iter()
                .any(|s| matches!(s.def, crate::check::SegmentDef::Top { .. }))
        {
            self.open_data()?;
        }
        let histories = if reads.segment {
            self.histories()?
        } else {
            None
        };
        let engine = self.compiled();
        let mut segs = engine.segments();
        segs.histories = histories.as_deref();
        if reads.segment && engine.plan.has_top {
            let (_, data) = opened(&mut self.opened)?;
            engine
                .rank_tops(data, self.at, &mut segs)
                .map_err(|e| e.to_string())?;
        }
        let base = Env::at(self.at, tz);
        let env = match self.focus {
            TargetKind::Member => Env {
                member: row.as_ref(),
                history: histories
                    .as_deref()
                    .zip(row.as_ref())
                    .map(|(h, r)| h.of(&r.id)),
                ..base
            },
            TargetKind::Group => Env {
                group: row.as_ref(),
                ..base
            },
        };
        let value = eval(&node, &env, &mut segs).map_err(|e| e.to_string())?;
        Ok(show(value, tz))
    }

    /// The selected member's (or group's) record, every field read.
    fn target_row(&mut self) -> Result<Row, String> {
        let (kind, table, id) = match self.focus {
            TargetKind::Member => (TargetKind::Member, Table::Members, self.member.clone()),
            TargetKind::Group => (TargetKind::Group, Table::Groups, self.group.clone()),
        };
        let Some(id) = id else {
            return Err(format!(
                "this reads a {0}'s fields: select one with `:{0} ID`",
                kind.keyword()
            ));
        };
        self.lookup(kind, table, &id)?
            .ok_or_else(|| format!("no {} `{id}` in the data", kind.keyword()))
    }

    /// Reads one record with every field.
    fn lookup(&mut self, kind: TargetKind, table: Table, id: &str) -> Result<Option<Row>, String> {
        let fields = crate::compile::plan::Plan::all_fields(self.decls.program(), kind);
        self.open_data()?;
        let (_, data) = opened(&mut self.opened)?;
        let row = data.lookup(table, id, &fields).map_err(|e| e.to_string())?;
        if row.is_none() {
            let problems = data.take_problems();
            if let Some(p) = problems.first() {
                return Err(format!("the record has a bad value: {p}"));
            }
        }
        Ok(row)
    }

    /// Opens the data file for the current program, unless it already is.
    fn open_data(&mut self) -> Result<(), String> {
        let Some(path) = &self.data else {
            return Err("no data: open some with `:data DB`".into());
        };
        if self
            .opened
            .as_ref()
            .is_some_and(|(generation, _)| *generation == self.generation)
        {
            return Ok(());
        }
        self.opened = None;
        let data = SqliteData::open(path, self.decls.program(), TableNames::default())
            .map_err(|e| e.to_string())?;
        self.opened = Some((self.generation, data));
        Ok(())
    }

    /// Adds a typed statement to the sources, numbered from `line`.
    fn add_source(&mut self, input: &str, line: usize) -> FileId {
        self.decls.sources.add(SourceFile::starting_at_line(
            self.input_name.clone(),
            input,
            line,
        ))
    }

    /// Diagnostics as `playbook check` draws them.
    fn render(&self, diagnostics: &[Diagnostic]) -> String {
        diagnostics
            .iter()
            .map(|d| render_human(d, &self.decls.sources, self.color))
            .collect()
    }
}

/// The open data, after [`Session::open_data`].
impl Session {
    /// Every member's history as of the session's instant, when the program reads
    /// any (read from the data's events once per program and instant).
    fn histories(&mut self) -> Result<Option<Rc<Histories>>, String> {
        let engine = self.compiled();
        if engine.histories.is_empty() {
            return Ok(None);
        }
        let key = (self.generation, self.at);
        if let Some((k, h)) = &self.histories
            && *k == key
        {
            return Ok(Some(h.clone()));
        }
        self.open_data()?;
        let (_, data) = opened(&mut self.opened)?;
        let past: Vec<_> = data
            .events(i64::MIN, self.at)
            .map_err(|e| e.to_string())?
            .records()
            .collect();
        let histories = Rc::new(
            crate::interpret::engine::histories_from(&engine, &past).map_err(|e| e.to_string())?,
        );
        self.histories = Some((key, histories.clone()));
        Ok(Some(histories))
    }
}

fn opened(opened: &mut Option<(u64, SqliteData)>) -> Result<(u64, &mut SqliteData), String> {
    match opened {
        Some((generation, data)) => Ok((*generation, data)),
        None => Err("no data: open some with `:data DB`".into()),
    }
}

/// What an expression reads besides constants and the instant.
#[derive(Debug, Clone, Copy, Default)]
struct Reads {
    /// Fields or segments of the target.
    target: bool,
    /// A segment (which may be, or use, a `top N` ranked over the whole table).
    segment: bool,
}

impl Reads {
    fn of(e: &TExpr) -> Reads {
        let mut reads = Reads::default();
        reads.visit(e);
        reads
    }

    fn visit(&mut self, e: &TExpr) {
        match &e.kind {
            TExprKind::Field { record, .. } => self.target |= *record != Record::Event,
            TExprKind::Segment(_) => {
                self.target = true;
                self.segment = true;
            }
            _ => e.children().into_iter().for_each(|x| self.visit(x)),
        }
    }
}

/// Whether a statement declares something (rather than being an expression such as
/// `member.orders > 1` or `event.amount`).
fn is_declaration(text: &str) -> bool {
    let word: String = text
        .chars()
        .take_while(|c| input::is_word_char(*c))
        .collect();
    if !input::DECLARATION_WORDS.contains(&word.as_str()) {
        return false;
    }
    let rest = text[word.len()..].trim_start();
    !rest.starts_with('.')
}

fn only_comments(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with("//")
    })
}
