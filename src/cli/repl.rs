//! `playbook repl`: the interactive shell over [`playbook::repl::Session`] — line
//! editing, multi-line input, completion, hints, highlighting and history with
//! rustyline — or, when stdin is not a terminal, a script runner.

use std::borrow::Cow;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::Args;
use playbook::repl::complete::Vocabulary;
use playbook::repl::input::{TokenKind, is_complete, split_statements, tokens};
use playbook::repl::{Reply, Session};
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hinter, HistoryHinter};
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};

use super::{Status, print_stderr_line, print_stdout};

/// Arguments of `playbook repl`.
#[derive(Debug, Args)]
#[command(after_help = "\
Type declarations to add them (a name declared again is replaced), expressions to \
see their value and type for the selected member at the current instant, and \
:commands (:help lists them). An open bracket or a trailing operator continues on \
the next line. Tab completes, Ctrl-C cancels the input, Ctrl-D ends the session.

With stdin not a terminal, statements are read from stdin and their results \
printed; the exit status is 1 if any statement failed. History is kept in the \
user's data directory (or the file PLAYBOOK_HISTORY names).")]
pub struct ReplArgs {
    /// A playbook to load first.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,

    /// The data: a SQLite file, or a `.sql` file of SQL statements.
    #[arg(long, value_name = "DB")]
    data: Option<PathBuf>,

    /// The instant to evaluate (`YYYY-MM-DD HH:MM[:SS]` in the playbook's timezone,
    /// or RFC 3339); default: now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

/// Runs `playbook repl`.
pub fn run(args: &ReplArgs) -> Status {
    if std::io::stdin().is_terminal() {
        interactive(args)
    } else {
        piped(args)
    }
}

/// Loads the file, data and instant given on the command line; false if one
/// failed.
fn start(session: &mut Session, args: &ReplArgs, out: &mut dyn FnMut(&Reply)) -> bool {
    let mut ok = true;
    let mut step = |reply: Reply| {
        ok &= !reply.failed;
        out(&reply);
    };
    if let Some(file) = &args.file {
        step(session.load(&file.display().to_string()));
    }
    if let Some(data) = &args.data {
        step(session.set_data(&data.display().to_string()));
    }
    if let Some(at) = &args.at {
        step(session.set_at(at));
    }
    ok
}

/// Statements from stdin, results to stdout, failures to stderr.
fn piped(args: &ReplArgs) -> Status {
    let mut session = Session::new("<stdin>", false);
    let mut ok = start(&mut session, args, &mut print_reply);
    let mut bytes = Vec::new();
    let input = std::io::stdin()
        .read_to_end(&mut bytes)
        .and_then(|_| playbook::source::decode_source(bytes));
    let input = match input {
        Ok(input) => input,
        Err(e) => {
            print_stderr_line(&format!("error: cannot read stdin: {e}"));
            return Status::Usage;
        }
    };
    for statement in split_statements(&input) {
        let reply = session.eval_at(&statement.text, statement.line);
        ok &= !reply.failed;
        print_reply(&reply);
        if reply.quit {
            break;
        }
    }
    if ok { Status::Success } else { Status::Failure }
}

fn print_reply(reply: &Reply) {
    if reply.failed {
        // As is: diagnostics in it are coloured and already show control characters
        // escaped.
        let mut err = std::io::stderr().lock();
        for line in reply.text.lines() {
            let _ = writeln!(err, "{line}");
        }
    } else {
        print_stdout(&reply.text);
    }
}

/// The line editor's helper: completion, hints, highlighting, multi-line input.
struct ReplHelper {
    vocabulary: Vocabulary,
    files: FilenameCompleter,
    history: HistoryHinter,
    color: bool,
}

impl Helper for ReplHelper {}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let command = line.trim_start();
        if command.starts_with(":load ") || command.starts_with(":data ") {
            return self.files.complete(line, pos, ctx);
        }
        let (start, words) = self.vocabulary.complete(line, pos);
        let pairs = words
            .into_iter()
            .map(|w| Pair {
                display: w.clone(),
                replacement: w,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        self.vocabulary
            .hint(line, pos)
            .or_else(|| self.history.hint(line, pos, ctx))
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color {
            return Cow::Borrowed(line);
        }
        let mut out = String::with_capacity(line.len() * 2);
        for (range, kind) in tokens(line) {
            let text = &line[range];
            match style(kind) {
                Some(code) => out.push_str(&format!("\x1b[{code}m{text}\x1b[0m")),
                None => out.push_str(text),
            }
        }
        Cow::Owned(out)
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color
    }
}

/// The ANSI style of a token: keywords bold blue, names plain, literals green,
/// text yellow, comments dim, commands magenta.
fn style(kind: TokenKind) -> Option<&'static str> {
    match kind {
        TokenKind::Keyword => Some("1;34"),
        TokenKind::Number => Some("32"),
        TokenKind::Text => Some("33"),
        TokenKind::Comment => Some("2"),
        TokenKind::Command => Some("35"),
        TokenKind::Name | TokenKind::Other => None,
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(if is_complete(ctx.input()) {
            ValidationResult::Valid(None)
        } else {
            ValidationResult::Incomplete
        })
    }
}

/// Where history is kept: `PLAYBOOK_HISTORY`, else the user's data directory.
fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PLAYBOOK_HISTORY") {
        return Some(PathBuf::from(path));
    }
    dirs::data_dir().map(|d| d.join("playbook").join("repl_history"))
}

fn interactive(args: &ReplArgs) -> Status {
    let color = super::use_color(&std::io::stdout());
    let mut session = Session::new("<repl>", color);
    let config = rustyline::Config::builder()
        .auto_add_history(false)
        .max_history_size(10_000)
        .map(|b| b.build())
        .unwrap_or_default();
    let mut editor: Editor<ReplHelper, FileHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            print_stderr_line(&format!("error: cannot start the line editor: {e}"));
            return Status::Usage;
        }
    };
    let history = history_path();
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // A first session has no history file yet.
        let _ = editor.load_history(path);
    }
    print_stdout("playbook repl — :help lists the commands, Ctrl-D ends\n");
    start(&mut session, args, &mut print_reply);
    editor.set_helper(Some(ReplHelper {
        vocabulary: session.vocabulary(),
        files: FilenameCompleter::new(),
        history: HistoryHinter::new(),
        color,
    }));
    loop {
        let prompt = match session.selected() {
            Some(id) => format!("playbook[{id}]> "),
            None => "playbook> ".to_owned(),
        };
        match editor.readline(&prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                    if let Some(path) = &history {
                        let _ = editor.append_history(path);
                    }
                }
                let reply = session.eval_line(&line);
                print_reply(&reply);
                if reply.quit {
                    break;
                }
                if let Some(helper) = editor.helper_mut() {
                    helper.vocabulary = session.vocabulary();
                }
            }
            // Ctrl-C drops the input being typed; the session goes on.
            Err(ReadlineError::Interrupted) => {}
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                print_stderr_line(&format!("error: {e}"));
                return Status::Failure;
            }
        }
    }
    Status::Success
}
