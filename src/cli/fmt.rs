//! `playbook fmt FILE…`: rewrite playbooks in the canonical layout, or with `--check`
//! show what would change.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use playbook::diagnostics::render_human;
use playbook::format::{FormatError, format_source};
use playbook::source::{SourceFile, SourceMap};

use super::{Status, print_stderr_line, print_stdout};

/// Arguments of `playbook fmt`.
#[derive(Debug, Args)]
#[command(after_help = "\
Files are rewritten in place only when their layout changes; each one rewritten is \
named on stderr. With `-` the playbook is read from stdin and the formatted text \
written to stdout. A file with syntax errors is left alone and its errors shown. \
Every result is checked before it is written: it must parse to the same playbook \
and keep every comment, or the file is left as it was.

Exit status: 0 done (or, with --check, everything formatted), 1 syntax errors (or, \
with --check, a file that is not formatted), 2 bad usage, a file that cannot be read \
or written, or an internal error of the formatter.")]
pub struct FmtArgs {
    /// Playbook files, directories (every `*.playbook` under them) or `-` for stdin.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,

    /// Change nothing: print a unified diff for each file that is not formatted and
    /// exit 1 if there is one. (On a very large file the diff is correct but may be
    /// longer than the smallest one.)
    #[arg(long)]
    check: bool,
}

/// Where one playbook comes from.
enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }

    fn read(&self) -> std::io::Result<String> {
        match self {
            Input::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin().read_to_end(&mut bytes)?;
                playbook::source::decode_source(bytes)
            }
            Input::File(p) => playbook::source::read_source(p),
        }
    }
}

/// Runs `playbook fmt`: formats every input and says how it ended.
pub fn run(args: &FmtArgs) -> Status {
    let mut status = Status::Success;
    let mut inputs = Vec::new();
    for path in &args.files {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            match playbooks_under(path) {
                Ok(found) => inputs.extend(found.into_iter().map(Input::File)),
                Err(e) => {
                    print_stderr_line(&format!("error: cannot read `{}`: {e}", path.display()));
                    status = Status::Usage;
                }
            }
        } else {
            inputs.push(Input::File(path.clone()));
        }
    }
    let mut unformatted = 0;
    for input in &inputs {
        let (outcome, changed) = format_one(input, args.check);
        status = status.max(outcome);
        unformatted += usize::from(changed);
    }
    if args.check && unformatted > 0 {
        let s = if unformatted == 1 { "" } else { "s" };
        print_stderr_line(&format!("{unformatted} file{s} would be reformatted"));
    }
    status
}

/// Every `*.playbook` file under `dir`, in path order; hidden entries are skipped.
fn playbooks_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut entries = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?;
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            found.extend(playbooks_under(&path)?);
        } else if path.extension().is_some_and(|e| e == "playbook") {
            found.push(path);
        }
    }
    Ok(found)
}

/// Formats one input; returns how it ended and whether its layout changed.
fn format_one(input: &Input, check: bool) -> (Status, bool) {
    let name = input.name();
    let text = match input.read() {
        Ok(t) => t,
        Err(e) => {
            print_stderr_line(&format!("error: cannot read `{name}`: {e}"));
            return (Status::Usage, false);
        }
    };
    let mut sources = SourceMap::new();
    let id = sources.add(SourceFile::new(name.clone(), text.as_str()));
    let formatted = match format_source(id, &text) {
        Ok(f) => f,
        Err(FormatError::Syntax(diagnostics)) => {
            let color = super::use_color(&std::io::stderr());
            for d in &diagnostics {
                eprint!("{}", render_human(d, &sources, color));
            }
            print_stderr_line(&format!("error: `{name}` has syntax errors; not formatted"));
            return (Status::Failure, false);
        }
        Err(FormatError::Internal(message)) => {
            print_stderr_line(&format!(
                "error: internal error formatting `{name}`: {message}; the file was left as \
                 it was (this is a bug in playbook; please report it with this file)"
            ));
            return (Status::Usage, false);
        }
    };
    let changed = formatted != text;
    match (input, check) {
        (_, true) if changed => {
            print_stdout(&diff(&name, &text, &formatted));
            (Status::Failure, true)
        }
        (_, true) => (Status::Success, false),
        (Input::Stdin, false) => {
            print_stdout(&formatted);
            (Status::Success, changed)
        }
        (Input::File(_), false) if !changed => (Status::Success, false),
        (Input::File(path), false) => match std::fs::write(path, &formatted) {
            Ok(()) => {
                print_stderr_line(&format!("reformatted {name}"));
                (Status::Success, true)
            }
            Err(e) => {
                print_stderr_line(&format!("error: cannot write `{name}`: {e}"));
                (Status::Usage, false)
            }
        },
    }
}

/// How long the line diff may search for the smallest set of changes. Myers' diff
/// costs the file's length times the number of changed lines, which is hours for a
/// large file where most lines change; past this deadline the rest is shown as
/// removed and added, so the diff is still correct, only not the smallest.
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_secs(1);

/// A unified diff from `before` to `after`.
fn diff(name: &str, before: &str, after: &str) -> String {
    similar::TextDiff::configure()
        .timeout(DIFF_DEADLINE)
        .diff_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(name, &format!("{name} (formatted)"))
        .to_string()
}
