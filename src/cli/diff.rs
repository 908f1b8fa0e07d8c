//! `playbook diff`: two versions of a playbook compared by their declarations and,
//! with data, by what each grants over the same period.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use playbook::app::diff::{EffectRequest, Period, Version, changes, cost_change, effect, render};
use playbook::check::{CheckOutcome, LoadError, Loaded, Loader, check};
use playbook::data::TableNames;
use playbook::source::{FileId, SourceFile, SourceMap};
use playbook::syntax;

use super::{Status, print_stderr_line, print_stdout, use_color};

/// Arguments of `playbook diff`.
#[derive(Debug, Args)]
#[command(after_help = "\
OLD and NEW are paths, or `git:REV:PATH` for the file as commit REV has it (PATH \
relative to the current directory, as for a path; `use`d files are read from the same \
commit), so a CI job can compare the base branch with the change without a second \
checkout.

Without --data, only the declarations are compared: rules, segments, rewards, \
schemas and header settings added, removed, renamed (with `renamed from`) or \
changed, each changed clause old → new, in the formatter's canonical text (layout \
and comments do not count); declarations of `use`d files count too. With --data and a \
period (--from and --to: whole days; or --since and --at: the window (--since, --at] as \
`run` takes it; local to the new version), both versions also run over that period of \
the same data (dry, as `simulate` does; with --ledger, from its \
state): grants, spend and distinct targets per rule and in total, old → new; the \
members and groups who gain a reward, lose one or get a different one, with \
examples and the rule that made the difference explained in each version; and the \
segments whose size changed.

Exit status: 0 compared, 1 a check error in either version, a run that failed, or \
spend that grew more than --fail-if-spend-grows allows; 2 bad usage or an \
unreadable file.")]
pub struct DiffArgs {
    /// The version before the change: a path or `git:REV:PATH`.
    #[arg(value_name = "OLD")]
    old: String,

    /// The version after it.
    #[arg(value_name = "NEW")]
    new: String,

    /// The data to run both versions over (SQLite, or a `.sql` file).
    #[arg(long, value_name = "DB")]
    data: Option<PathBuf>,

    /// First day of the period (`YYYY-MM-DD`, local to the new version).
    #[arg(long, value_name = "DATE", requires_all = ["data", "to"], conflicts_with_all = ["since", "at"])]
    from: Option<NaiveDate>,

    /// Last day, included.
    #[arg(long, value_name = "DATE", requires_all = ["data", "from"])]
    to: Option<NaiveDate>,

    /// Start of the window, exclusive (`YYYY-MM-DD HH:MM[:SS]` local to the new
    /// version, or RFC 3339).
    #[arg(long, value_name = "TIME", requires_all = ["data", "at"])]
    since: Option<String>,

    /// End of the window, included.
    #[arg(long, value_name = "TIME", requires_all = ["data", "since"])]
    at: Option<String>,

    /// A ledger whose history counts for both versions (read only).
    #[arg(long, value_name = "DB", requires = "data")]
    ledger: Option<PathBuf>,

    /// How to print.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,

    /// Members or groups to show as examples of a difference.
    #[arg(long, value_name = "N", default_value_t = 5)]
    examples: usize,

    /// Exit 1 when the new version spends more than PCT percent more.
    #[arg(long, value_name = "PCT", requires = "data")]
    fail_if_spend_grows: Option<u32>,

    /// Leave out rows with bad values (each is reported) instead of stopping.
    #[arg(long)]
    skip_bad_rows: bool,
}

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    /// For people.
    Text,
    /// One JSON document.
    Json,
    /// A pull-request comment.
    Markdown,
    /// GitHub Actions annotations on the new file's changed lines.
    Github,
}

/// One version, read and checked.
struct Side {
    outcome: CheckOutcome,
    main: FileId,
    /// The path shown (without `git:REV:`), for annotations.
    path: String,
}

/// Runs `playbook diff`.
pub fn run(args: &DiffArgs) -> Status {
    let (old, new) = match (read_side(&args.old), read_side(&args.new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => {
            print_stderr_line(&format!("error: {e}"));
            return Status::Usage;
        }
    };
    let mut failed = false;
    for (side, name) in [(&old, &args.old), (&new, &args.new)] {
        failed |= report_errors(side, name);
    }
    if failed {
        return Status::Failure;
    }
    let (Some(old_program), Some(new_program)) = (&old.outcome.program, &new.outcome.program)
    else {
        return Status::Failure;
    };
    let mut found = changes(&declarations(&old), &declarations(&new));
    found.extend(cost_change(old_program, new_program));
    let period = match period(args, new_program) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let effect = match (&args.data, period) {
        (Some(data), Some(period)) => {
            let old_compiled = playbook::compile::compile(old_program.clone());
            let new_compiled = playbook::compile::compile(new_program.clone());
            let request = EffectRequest {
                old: Version {
                    compiled: &old_compiled,
                    sources: &old.outcome.sources,
                },
                new: Version {
                    compiled: &new_compiled,
                    sources: &new.outcome.sources,
                },
                data,
                tables: TableNames::default(),
                period,
                ledger: args.ledger.as_deref(),
                skip_bad_rows: args.skip_bad_rows,
                examples: args.examples,
            };
            match effect(&request) {
                Ok(e) => Some(e),
                Err(e) => {
                    print_stderr_line(&format!("error: {e}"));
                    return Status::Failure;
                }
            }
        }
        _ => None,
    };
    let out = match args.format {
        DiffFormat::Text => render::text(&found, effect.as_ref()),
        DiffFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&render::json(&found, effect.as_ref()))
                .unwrap_or_default()
        ),
        DiffFormat::Markdown => render::markdown(&found, effect.as_ref(), &args.old, &args.new),
        DiffFormat::Github => {
            let path = |file: Option<FileId>| new.path_of(file);
            render::github(&found, effect.as_ref(), &new.outcome.sources, &path)
        }
    };
    print_stdout(&out);
    match (args.fail_if_spend_grows, &effect) {
        (Some(pct), Some(e)) if e.spend_grows_more_than(pct) => {
            print_stderr_line(&format!(
                "error: spend grows from {} to {} ({}), more than the {pct}% allowed",
                e.old.spend,
                e.new.spend,
                playbook::app::diff::percent_change(e.old.spend, e.new.spend)
            ));
            Status::Failure
        }
        _ => Status::Success,
    }
}

/// The declarations of a version: its main file's and those of the files it
/// `use`s, as one program (each keeps its file in its spans).
fn declarations(side: &Side) -> syntax::ast::Program {
    let mut items = Vec::new();
    for (id, file) in side.outcome.sources.files() {
        items.extend(syntax::parse(id, file.text()).program.items);
    }
    syntax::ast::Program { items }
}

impl Side {
    /// The path an annotation names for a file of this version (`None`: the main
    /// file), without `git:REV:`.
    fn path_of(&self, file: Option<FileId>) -> String {
        match file.filter(|f| *f != self.main) {
            None => self.path.clone(),
            Some(f) => {
                let name = self.outcome.sources.get(f).name();
                parse_git(name).map_or(name, |(_, p)| p).to_owned()
            }
        }
    }
}

/// The period asked for: days or a window (times local to the new version).
fn period(args: &DiffArgs, new: &playbook::check::Program) -> Result<Option<Period>, Status> {
    if let (Some(from), Some(to)) = (args.from, args.to) {
        return Ok(Some(Period::Days { from, to }));
    }
    if let (Some(since), Some(at)) = (&args.since, &args.at) {
        let since = super::run::parse_time(since, new, "--since")?;
        let at = super::run::parse_time(at, new, "--at")?;
        if since >= at {
            print_stderr_line("error: --since must be before --at");
            return Err(Status::Usage);
        }
        return Ok(Some(Period::Window { since, at }));
    }
    if args.data.is_some() {
        print_stderr_line("error: --data needs a period: --from and --to, or --since and --at");
        return Err(Status::Usage);
    }
    Ok(None)
}

/// Prints a version's check errors (warnings are for `check`); whether it had any.
fn report_errors(side: &Side, name: &str) -> bool {
    let errors = side.outcome.errors();
    if errors == 0 {
        return false;
    }
    let color = use_color(&std::io::stderr());
    for d in &side.outcome.diagnostics {
        let text = playbook::diagnostics::render_human(d, &side.outcome.sources, color);
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
    print_stderr_line(&format!(
        "error: {name} has {errors} error{}",
        if errors == 1 { "" } else { "s" }
    ));
    true
}

/// Reads and checks one version: a path, or `git:REV:PATH`.
fn read_side(spec: &str) -> Result<Side, String> {
    let mut sources = SourceMap::new();
    let (text, path, loader): (String, String, Box<dyn Loader>) = match parse_git(spec) {
        Some((rev, path)) => {
            let text = git_show(rev, path)?;
            (
                text,
                path.to_owned(),
                Box::new(GitLoader {
                    rev: rev.to_owned(),
                }),
            )
        }
        None => {
            let text = playbook::source::read_source(Path::new(spec))
                .map_err(|e| format!("cannot read {spec}: {e}"))?;
            (text, spec.to_owned(), Box::new(playbook::check::FsLoader))
        }
    };
    let main = sources.add(SourceFile::new(spec, text));
    Ok(Side {
        outcome: check(sources, main, loader.as_ref()),
        main,
        path,
    })
}

/// `git:REV:PATH` → (REV, PATH).
fn parse_git(spec: &str) -> Option<(&str, &str)> {
    let rest = spec.strip_prefix("git:")?;
    let (rev, path) = rest.split_once(':')?;
    Some((rev, path))
}

/// The file at `path` (relative to the current directory) as commit `rev` has it.
fn git_show(rev: &str, path: &str) -> Result<String, String> {
    let relative = if path.starts_with("./") || path.starts_with("../") {
        path.to_owned()
    } else {
        format!("./{path}")
    };
    let output = Command::new("git")
        .args(["show", &format!("{rev}:{relative}")])
        .output()
        .map_err(|e| format!("cannot run git to read {rev}:{path}: {e}"))?;
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        return Err(format!("cannot read {path} at {rev}: {}", why.trim()));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("{path} at {rev} is not UTF-8"))
}

/// `use`d files read from the same commit as the file that uses them.
struct GitLoader {
    rev: String,
}

impl Loader for GitLoader {
    fn load_calendar(&self, from: &str, path: &str) -> Result<Loaded, LoadError> {
        self.load(from, path)
    }

    fn load(&self, from: &str, path: &str) -> Result<Loaded, LoadError> {
        let from = parse_git(from).map_or(from, |(_, p)| p);
        let full = Path::new(from)
            .parent()
            .unwrap_or(Path::new(""))
            .join(path)
            .display()
            .to_string();
        let text = git_show(&self.rev, &full).map_err(|message| LoadError {
            message,
            help: None,
        })?;
        let name = format!("git:{}:{full}", self.rev);
        Ok(Loaded {
            key: name.clone(),
            name,
            text,
        })
    }

    fn identify(&self, name: &str) -> Option<String> {
        Some(name.to_owned())
    }
}
