//! The REPL's `:commands`.

use std::path::PathBuf;

use unicode_width::UnicodeWidthStr;

use super::declarations::{Decl, Key};
use super::{Reply, Session, opened};
use crate::app::decisions::{Collect, Decision};
use crate::app::explain::{explain_member, segment_sizes, segments_text};
use crate::app::run::{RunRequest, summary::summary_text};
use crate::check::{self, FsLoader};
use crate::compile::plan::{Plan, compile_expr};
use crate::data::sqlite::SqliteData;
use crate::data::{DataSource, Table, TableNames};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::interpret::eval::{Env, holds};
use crate::source::SourceFile;
use crate::syntax::ast::TargetKind;
use crate::time::{day_start, format_instant, instant_local, local_date, parse_instant};
use crate::value::{Row, show};

/// A command's name, arguments and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandInfo {
    /// The name, without the colon.
    pub name: &'static str,
    /// Its arguments, for help and hints.
    pub args: &'static str,
    /// One line on what it does.
    pub about: &'static str,
}

const fn cmd(name: &'static str, args: &'static str, about: &'static str) -> CommandInfo {
    CommandInfo { name, args, about }
}

/// Every command, in the order `:help` lists them.
pub const COMMANDS: &[CommandInfo] = &[
    cmd("help", "", "this list"),
    cmd(
        "load",
        "FILE",
        "add a playbook's declarations (each replaces one of the same name)",
    ),
    cmd("reload", "", "read the loaded files again"),
    cmd(
        "data",
        "DB",
        "read members, groups and events from a SQLite file or a .sql script",
    ),
    cmd(
        "at",
        "TIME",
        "evaluate at TIME: `YYYY-MM-DD HH:MM[:SS]`, RFC 3339 or `now`",
    ),
    cmd(
        "member",
        "ID",
        "select a member: bare names read its fields; shows them",
    ),
    cmd(
        "group",
        "ID",
        "select a group instead of a member; shows it",
    ),
    cmd("segments", "", "the size of every segment"),
    cmd(
        "count",
        "EXPR",
        "how many members (or groups) the condition holds for",
    ),
    cmd(
        "explain",
        "[RULE]",
        "why each rule fires or not for the selected member",
    ),
    cmd(
        "run",
        "[SINCE]",
        "dry-run the window (SINCE, at]: summary, then grants; SINCE defaults to the day's start",
    ),
    cmd("type", "EXPR", "the type of an expression"),
    cmd(
        "show",
        "[NAME]",
        "a declaration's text; without NAME, every declared name",
    ),
    cmd("quit", "", "end the session (or Ctrl-D)"),
];

/// How many decisions `:run` lists after its summary.
const RUN_ROWS: usize = 20;

/// How many ids `:count` shows.
const COUNT_SAMPLE: usize = 10;

/// Finds a command by name or unambiguous prefix.
pub(super) fn resolve(name: &str) -> Result<&'static CommandInfo, String> {
    if let Some(c) = COMMANDS.iter().find(|c| c.name == name) {
        return Ok(c);
    }
    let matching: Vec<&CommandInfo> = COMMANDS
        .iter()
        .filter(|c| !name.is_empty() && c.name.starts_with(name))
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => {
            let help = did_you_mean(name, COMMANDS.iter().map(|c| c.name))
                .map(|d| d.replacen('`', "`:", 1))
                .unwrap_or_else(|| "`:help` lists the commands".into());
            Err(format!("error: unknown command `:{name}`; {help}"))
        }
        many => Err(format!(
            "error: `:{name}` could be {}",
            many.iter()
                .map(|c| format!("`:{}`", c.name))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

impl Session {
    /// Runs a `:command`; `input` is the whole statement, `line` its line.
    pub(super) fn command(&mut self, input: &str, line: usize) -> Reply {
        let body = input.trim_start();
        let offset = input.len() - body.len() + 1;
        let body = body.strip_prefix(':').unwrap_or(body);
        let name_len = body.find(char::is_whitespace).unwrap_or(body.len());
        let name = &body[..name_len];
        let arg = body[name_len..].trim();
        let command = match resolve(name) {
            Ok(c) => c,
            Err(message) => return Reply::error(message),
        };
        if command.args.is_empty() && !arg.is_empty() {
            return Reply::error(format!("error: `:{}` takes no argument", command.name));
        }
        // Where the argument starts, so an expression's spans point into the line.
        let arg_start =
            offset + name_len + (body[name_len..].len() - body[name_len..].trim_start().len());
        match command.name {
            "help" => Reply::ok(help_text()),
            "load" => self.load(arg),
            "reload" => self.reload(),
            "data" => self.set_data(arg),
            "at" => self.set_at(arg),
            "member" => self.select(TargetKind::Member, arg),
            "group" => self.select(TargetKind::Group, arg),
            "segments" => self.segments(),
            "count" => self.count(input, arg_start, line),
            "explain" => self.explain(arg),
            "run" => self.run(arg),
            "type" => self.type_of(input, arg_start, line),
            "show" => self.show(arg),
            // `quit`
            _ => Reply {
                quit: true,
                ..Reply::default()
            },
        }
    }

    /// `:load FILE`: adds the file's declarations (and those of the files it
    /// uses); loading a file again reloads it.
    pub fn load(&mut self, arg: &str) -> Reply {
        if arg.is_empty() {
            return Reply::error("error: `:load` needs a file: `:load FILE`");
        }
        self.load_files(&[PathBuf::from(arg)])
    }

    fn reload(&mut self) -> Reply {
        let files = self.decls.files();
        if files.is_empty() {
            return Reply::error("error: no file is loaded; load one with `:load FILE`");
        }
        self.load_files(&files)
    }

    fn load_files(&mut self, paths: &[PathBuf]) -> Reply {
        let mut new = Vec::new();
        for path in paths {
            let text = match check::read_playbook_file(path) {
                Ok(t) => t,
                Err(e) => {
                    let mut text = format!("error: cannot load {}: {}", path.display(), e.message);
                    if let Some(help) = e.help {
                        text.push_str(&format!("\nhelp: {help}"));
                    }
                    return Reply::error(text);
                }
            };
            let sources = &mut self.decls.sources;
            let id = sources.add(SourceFile::new(path.display().to_string(), text));
            let (items, mut diagnostics) = check::parse_with_uses(sources, id, &FsLoader);
            let unparsed = |d: &Diagnostic| d.span.file == id && d.code != Code::BadUse;
            if diagnostics.iter().any(unparsed) {
                // Like a `use`d file: a file that is not a playbook is not shown.
                let (own, rest) = diagnostics.into_iter().partition(unparsed);
                diagnostics = check::conceal(sources, id, own);
                diagnostics.extend(rest);
            }
            if !diagnostics.is_empty() {
                let mut text = self.render(&diagnostics);
                text.push_str("nothing was changed\n");
                return Reply::error(text);
            }
            new.extend(items.into_iter().filter_map(|item| {
                Some(Decl {
                    key: Key::of(&item)?,
                    item,
                    file: Some(path.clone()),
                })
            }));
        }
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let counts = kind_counts(new.iter().map(|d| &d.key));
        self.apply(paths, new, |change| {
            let mut text = format!("loaded {}: {counts}", names.join(", "));
            if !change.replaced.is_empty() {
                text.push_str(&format!("\nreplaced {}", describe_keys(&change.replaced)));
            }
            if !change.removed.is_empty() {
                text.push_str(&format!(
                    "\nremoved {} (no longer in the file)",
                    describe_keys(&change.removed)
                ));
            }
            text
        })
    }

    /// `:data DB`: opens a data file for the session's playbook.
    pub fn set_data(&mut self, arg: &str) -> Reply {
        if arg.is_empty() {
            return match &self.data {
                Some(path) => Reply::ok(format!("data {}", path.display())),
                None => Reply::ok("no data yet: open some with `:data DB`"),
            };
        }
        let path = PathBuf::from(arg);
        let mut data = match SqliteData::open(&path, self.decls.program(), TableNames::default()) {
            Ok(d) => d,
            Err(e) => return Reply::error(format!("error: {e}")),
        };
        let mut counts = vec![format!("{} members", count_rows(&mut data, Table::Members))];
        if self.decls.program().group.is_some() {
            counts.push(format!("{} groups", count_rows(&mut data, Table::Groups)));
        }
        data.take_problems();
        self.data = Some(path);
        self.opened = Some((self.generation, data));
        Reply::ok(format!("data {arg}: {}", counts.join(", ")))
    }

    /// `:at TIME`: the instant expressions and commands are evaluated at.
    pub fn set_at(&mut self, arg: &str) -> Reply {
        let tz = self.decls.program().settings.timezone;
        if arg == "now" {
            self.at = chrono::Utc::now().timestamp();
        } else if !arg.is_empty() {
            match parse_instant(arg, tz) {
                Ok(t) => self.at = t,
                Err(e) => return Reply::error(format!("error: {e}")),
            }
        }
        let weekday = instant_local(tz, self.at).format("%A");
        Reply::ok(format!("at {} ({weekday})", format_instant(tz, self.at)))
    }

    /// `:member ID` / `:group ID`: selects a record and shows its fields and
    /// segments.
    fn select(&mut self, kind: TargetKind, arg: &str) -> Reply {
        if kind == TargetKind::Group && self.decls.program().group.is_none() {
            return Reply::error("error: there is no group schema; declare `group { … }` first");
        }
        let id = if arg.is_empty() {
            let selected = match kind {
                TargetKind::Member => self.member.clone(),
                TargetKind::Group => self.group.clone(),
            };
            match selected {
                Some(id) => id,
                None => {
                    return Reply::error(format!(
                        "error: no {0} selected: `:{0} ID`",
                        kind.keyword()
                    ));
                }
            }
        } else {
            arg.to_owned()
        };
        let table = match kind {
            TargetKind::Member => Table::Members,
            TargetKind::Group => Table::Groups,
        };
        let row = match self.lookup(kind, table, &id) {
            Ok(Some(row)) => row,
            Ok(None) => {
                return Reply::error(format!("error: no {} `{id}` in the data", kind.keyword()));
            }
            Err(e) => return Reply::error(format!("error: {e}")),
        };
        match kind {
            TargetKind::Member => self.member = Some(id),
            TargetKind::Group => self.group = Some(id),
        }
        self.focus = kind;
        match self.describe_record(kind, &row) {
            Ok(text) => Reply::ok(text),
            Err(e) => Reply::error(format!("error: {e}")),
        }
    }

    /// A record's fields, aligned, and the segments it is in.
    fn describe_record(&mut self, kind: TargetKind, row: &Row) -> Result<String, String> {
        let engine = self.compiled();
        let program = &*engine.program;
        let tz = program.settings.timezone;
        let schema = match kind {
            TargetKind::Member => &program.member,
            TargetKind::Group => program.group.as_ref().ok_or("there is no group schema")?,
        };
        let width = schema
            .fields
            .iter()
            .map(|f| f.name.width())
            .max()
            .unwrap_or(0);
        let mut out = format!("{} {}\n", kind.keyword(), row.id);
        for (i, field) in schema.fields.iter().enumerate() {
            let value = row.vals.get(i).map_or(crate::value::V::Null, |v| v.view());
            let pad = " ".repeat(width.saturating_sub(field.name.width()));
            out.push_str(&format!("  {}{pad}  {}\n", field.name, show(value, tz)));
        }
        let histories = self.histories()?;
        let mut segs = engine.segments();
        segs.histories = histories.as_deref();
        if engine.plan.has_top {
            let (_, data) = opened(&mut self.opened)?;
            engine
                .rank_tops(data, self.at, &mut segs)
                .map_err(|e| e.to_string())?;
        }
        let env = Env::at(self.at, tz)
            .with_target(kind, row)
            .with_history(histories.as_deref().map(|h| h.of(&row.id)));
        let mut inside = Vec::new();
        for (i, seg) in program.segments.iter().enumerate() {
            if seg.target == kind && segs.contains(i, &env).map_err(|e| e.to_string())? {
                inside.push(seg.name.as_str());
            }
        }
        if !program.segments.is_empty() {
            let list = if inside.is_empty() {
                "none".to_owned()
            } else {
                inside.join(", ")
            };
            out.push_str(&format!("  in segments: {list}\n"));
        }
        Ok(out)
    }

    /// `:segments`
    fn segments(&mut self) -> Reply {
        if self.decls.program().segments.is_empty() {
            return Reply::ok("no segments declared");
        }
        if let Err(e) = self.open_data() {
            return Reply::error(format!("error: {e}"));
        }
        let engine = self.compiled();
        let program = &*engine.program;
        let result = opened(&mut self.opened).and_then(|(_, data)| {
            segment_sizes(&engine, data, (self.at, None), true).map_err(|e| e.to_string())
        });
        match result {
            Ok((sizes, skipped)) => {
                let at = format_instant(program.settings.timezone, self.at);
                let mut text = segments_text(&sizes, &at);
                text.push_str(&skipped_note(skipped.len()));
                Reply::ok(text)
            }
            Err(e) => Reply::error(format!("error: {e}")),
        }
    }

    /// `:count EXPR`: how many members (or groups) a condition holds for.
    fn count(&mut self, input: &str, start: usize, line: usize) -> Reply {
        if input[start..].trim().is_empty() {
            return Reply::error("error: `:count` needs a condition, e.g. `:count orders >= 2`");
        }
        let typed = match self.typed_expression(input, start, line, true) {
            Ok(t) => t,
            Err(reply) => return reply,
        };
        if let Err(e) = self.open_data() {
            return Reply::error(format!("error: {e}"));
        }
        let histories = match self.histories() {
            Ok(h) => h,
            Err(e) => return Reply::error(format!("error: {e}")),
        };
        let kind = self.focus;
        let engine = self.compiled();
        let program = &*engine.program;
        let node = compile_expr(&typed);
        let fields = Plan::all_fields(program, kind);
        let base = Env::at(self.at, program.settings.timezone);
        let counted = opened(&mut self.opened).and_then(|(_, data)| {
            let mut segs = engine.segments();
            segs.histories = histories.as_deref();
            if engine.plan.has_top {
                engine
                    .rank_tops(data, self.at, &mut segs)
                    .map_err(|e| e.to_string())?;
            }
            let (mut holding, mut of, mut sample) = (0u64, 0u64, Vec::new());
            let mut failure = None;
            let table = match kind {
                TargetKind::Member => Table::Members,
                TargetKind::Group => Table::Groups,
            };
            data.scan(table, &fields, &mut |row| {
                segs.reset();
                of += 1;
                let env = base
                    .with_target(kind, row)
                    .with_history(histories.as_deref().map(|h| h.of(&row.id)));
                match holds(&node, &env, &mut segs) {
                    Ok(true) => {
                        holding += 1;
                        if sample.len() < COUNT_SAMPLE {
                            sample.push(row.id.clone());
                        }
                        true
                    }
                    Ok(false) => true,
                    Err(e) => {
                        failure = Some(format!("{} {}: {e}", kind.keyword(), row.id));
                        false
                    }
                }
            })
            .map_err(|e| e.to_string())?;
            if let Some(f) = failure {
                return Err(f);
            }
            Ok((holding, of, sample, data.take_problems().len()))
        });
        match counted {
            Ok((holding, of, sample, skipped)) => {
                let pct = if of == 0 {
                    0.0
                } else {
                    100.0 * holding as f64 / of as f64
                };
                let mut text = format!("{holding} of {of} {}s ({pct:.1}%)\n", kind.keyword());
                if !sample.is_empty() {
                    let more = if holding > sample.len() as u64 {
                        ", …"
                    } else {
                        ""
                    };
                    text.push_str(&format!("  {}{more}\n", sample.join(", ")));
                }
                text.push_str(&skipped_note(skipped));
                Reply::ok(text)
            }
            Err(e) => Reply::error(format!("error: {e}")),
        }
    }

    /// `:explain [RULE]` for the selected member.
    fn explain(&mut self, arg: &str) -> Reply {
        let program = self.decls.program();
        if !arg.is_empty() && !program.rules.iter().any(|r| r.name == arg) {
            let help = did_you_mean(arg, program.rules.iter().map(|r| r.name.as_str()))
                .unwrap_or_else(|| "`:show` lists the declared names".into());
            return Reply::error(format!("error: there is no rule `{arg}`; {help}"));
        }
        if program.rules.is_empty() {
            return Reply::ok("no rules declared");
        }
        let Some(id) = self.member.clone() else {
            return Reply::error("error: no member selected: `:member ID`");
        };
        if let Err(e) = self.open_data() {
            return Reply::error(format!("error: {e}"));
        }
        let engine = self.compiled();
        let program = &*engine.program;
        let usage = engine.usage();
        let explained = opened(&mut self.opened).and_then(|(_, data)| {
            explain_member(&engine, &self.decls.sources, data, &usage, &id, self.at)
                .map_err(|e| e.to_string())
        });
        let rules = match explained {
            Ok(Some(rules)) => rules,
            Ok(None) => return Reply::error(format!("error: no member `{id}` in the data")),
            Err(e) => return Reply::error(format!("error: {e}")),
        };
        let tz = program.settings.timezone;
        let mut text = format!("member {id} at {}\n", format_instant(tz, self.at));
        for r in rules.iter().filter(|r| arg.is_empty() || r.rule == arg) {
            text.push('\n');
            text.push_str(&r.text());
        }
        Reply::ok(text)
    }

    /// `:run [SINCE]`: a dry run of the window, summary first.
    fn run(&mut self, arg: &str) -> Reply {
        let Some(path) = self.data.clone() else {
            return Reply::error("error: no data: open some with `:data DB`");
        };
        let engine = self.compiled();
        let program = &*engine.program;
        let tz = program.settings.timezone;
        let since = if arg.is_empty() {
            let start = day_start(tz, local_date(tz, self.at));
            if start < self.at {
                start
            } else {
                day_start(tz, local_date(tz, self.at - 1))
            }
        } else {
            match parse_instant(arg, tz) {
                Ok(t) => t,
                Err(e) => return Reply::error(format!("error: {e}")),
            }
        };
        let request = RunRequest {
            since: Some(since),
            ..RunRequest::new(&engine, &path, self.at)
        };
        let mut decisions = Collect::default();
        match crate::app::run::run(&request, &mut decisions) {
            Ok(outcome) => {
                let mut text = summary_text(program, &outcome);
                text.push_str(&decisions_table(&decisions, tz));
                text.push_str("dry run: no ledger, nothing recorded\n");
                Reply::ok(text)
            }
            Err(e) => Reply::error(format!("error: {e}")),
        }
    }

    /// `:type EXPR`
    fn type_of(&mut self, input: &str, start: usize, line: usize) -> Reply {
        let arg = input[start..].trim();
        if arg.is_empty() {
            return Reply::error("error: `:type` needs an expression, e.g. `:type spend_365d * 2`");
        }
        match self.typed_expression(input, start, line, false) {
            Ok(typed) => Reply::ok(format!(
                "{} : {}",
                arg.split_whitespace().collect::<Vec<_>>().join(" "),
                typed.ty
            )),
            Err(reply) => reply,
        }
    }

    /// `:show [NAME]`
    fn show(&self, arg: &str) -> Reply {
        let decls = self.decls.all();
        if arg.is_empty() {
            if decls.is_empty() {
                return Reply::ok("nothing declared yet");
            }
            return Reply::ok(listing(decls.iter().map(|d| &d.key)));
        }
        let mut parts: Vec<String> = decls
            .iter()
            .filter(|d| d.key.name() == arg)
            .map(|d| self.decls.text(d).trim_end().to_owned())
            .collect();
        let program = self.decls.program();
        let schemas = std::iter::once(&program.member).chain(program.group.as_ref());
        for (schema, kind) in schemas.zip(["member", "group"]) {
            if let Some(i) = schema.index(arg) {
                parts.push(format!("{kind}.{arg}: {}", schema.fields[i].ty));
            }
        }
        if parts.is_empty() {
            let names = decls.iter().map(|d| d.key.name());
            let help = did_you_mean(arg, names)
                .unwrap_or_else(|| "`:show` lists the declared names".into());
            return Reply::error(format!("error: nothing is named `{arg}`; {help}"));
        }
        Reply::ok(parts.join("\n\n"))
    }
}

/// The list of `:help`.
fn help_text() -> String {
    let width = COMMANDS
        .iter()
        .map(|c| c.name.len() + c.args.len() + 2)
        .max()
        .unwrap_or(0);
    let mut out = String::from(
        "Type a declaration (segment, reward, rule, member, group, event, playbook, test) to add\n\
         it; declaring a name again replaces it. Type an expression to see its value and type\n\
         for the selected member at the current instant. An open bracket or a trailing\n\
         operator continues on the next line.\n\n",
    );
    for c in COMMANDS {
        let usage = if c.args.is_empty() {
            format!(":{}", c.name)
        } else {
            format!(":{} {}", c.name, c.args)
        };
        out.push_str(&format!("  {usage:<width$}  {}\n", c.about));
    }
    out
}

/// Every declared name, by kind: `segments: 潜客, 新客`.
fn listing<'a>(keys: impl Iterator<Item = &'a Key>) -> String {
    let mut groups: Vec<(&'static str, Vec<&str>)> = Vec::new();
    for key in keys {
        let kind = key.kind();
        match groups.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, names)) => names.push(key.name()),
            None => groups.push((kind, vec![key.name()])),
        }
    }
    groups
        .iter()
        .map(|(kind, names)| {
            let plural = if names.len() == 1 { "" } else { "s" };
            format!("{kind}{plural}: {}", names.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `2 segments, 1 rule`.
fn kind_counts<'a>(keys: impl Iterator<Item = &'a Key>) -> String {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for key in keys {
        let kind = key.kind();
        match counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((kind, 1)),
        }
    }
    if counts.is_empty() {
        return "no declarations".into();
    }
    counts
        .iter()
        .map(|(kind, n)| format!("{n} {kind}{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_keys(keys: &[Key]) -> String {
    keys.iter()
        .map(Key::describe)
        .collect::<Vec<_>>()
        .join(", ")
}

fn skipped_note(skipped: usize) -> String {
    if skipped == 0 {
        String::new()
    } else {
        format!(
            "left out {skipped} row{} with bad values\n",
            if skipped == 1 { "" } else { "s" }
        )
    }
}

fn count_rows(data: &mut SqliteData, table: Table) -> u64 {
    let mut n = 0;
    let _ = data.scan(table, &[], &mut |_| {
        n += 1;
        true
    });
    n
}

/// The first decisions of a `:run` as aligned rows, after a blank line.
fn decisions_table(decisions: &Collect, tz: chrono_tz::Tz) -> String {
    let shown: Vec<&Decision> = decisions
        .decisions
        .iter()
        .filter(|d| d.grant().is_some())
        .collect();
    if shown.is_empty() {
        return String::new();
    }
    let rows: Vec<[String; 6]> = shown
        .iter()
        .take(RUN_ROWS)
        .map(|d| {
            d.cells(tz)
                .map(|cell| crate::terminal::escape(&cell).into_owned())
        })
        .collect();
    let mut widths = [0usize; 5];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::from("\n");
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths.get(i).map_or(0, |w| w.saturating_sub(cell.width()));
            if i == 4 {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else if i < 5 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(cell);
            }
            if i < 5 {
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if shown.len() > RUN_ROWS {
        out.push_str(&format!(
            "… and {} more (`playbook run` prints them all)\n",
            shown.len() - RUN_ROWS
        ));
    }
    out
}
