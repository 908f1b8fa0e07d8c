//! `playbook explain` and `playbook segments`: looking into a playbook over data.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use playbook::app::explain::{ExplainError, ExplainRequest};
use playbook::data::DataError;
use playbook::syntax::ast::TargetKind;
use playbook::time::format_instant;
use serde_json::json;

use super::run::DataArgs;
use super::{Status, load_program, print_stderr_line, print_stdout};

/// Text or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// For people.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `playbook explain`.
#[derive(Debug, Args)]
#[command(after_help = "\
Every rule is judged for the member at --at: event rules on the member's latest event \
of their kind up to --at, schedules as if they ticked at --at. For a rule that does not \
fire, the first condition or constraint that stopped it is shown with the values it saw. \
With --ledger, limits, caps and budgets count what the ledger holds (read only).

A rule that the run of the window (--since, --at] decided for the member — granted, \
refused, or already in the ledger — shows that decision, exactly as `playbook run` \
with the same window and ledger makes it (caps and budgets used by the targets served \
before this one included). Without --since the window starts where `run` would start \
it: at the ledger's last run, or at --at itself.")]
pub struct ExplainArgs {
    /// The playbook.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    #[command(flatten)]
    data: DataArgs,

    /// The member to explain.
    #[arg(
        long,
        value_name = "ID",
        conflicts_with = "group",
        required_unless_present = "group"
    )]
    member: Option<String>,

    /// The group to explain (judged by the rules that target groups).
    #[arg(long, value_name = "ID")]
    group: Option<String>,

    /// A ledger to count limits, caps and budgets against (never written).
    #[arg(long, value_name = "DB")]
    ledger: Option<PathBuf>,

    /// Start of the window whose run decisions are shown (exclusive), as `run`.
    #[arg(long, value_name = "TIME")]
    since: Option<String>,

    /// How to print.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    format: InspectFormat,
}

/// Arguments of `playbook segments`.
#[derive(Debug, Args)]
pub struct SegmentsArgs {
    /// The playbook.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    #[command(flatten)]
    data: DataArgs,

    /// A ledger whose grants up to the instant aggregates over `granted` read
    /// (never written).
    #[arg(long, value_name = "DB")]
    ledger: Option<PathBuf>,

    /// How to print.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    format: InspectFormat,
}

/// Runs `playbook explain`.
pub fn explain(args: &ExplainArgs) -> Status {
    let (outcome, compiled) = match load_program(&args.file) {
        Ok(x) => x,
        Err(s) => return s,
    };
    let program = &*compiled.program;
    let at = match args.data.instant(program) {
        Ok(t) => t,
        Err(s) => return s,
    };
    let since = match args.since.as_deref() {
        Some(text) => match super::run::parse_time(text, program, "--since") {
            Ok(t) => Some(t),
            Err(s) => return s,
        },
        None => None,
    };
    let (kind, id) = target(args);
    let request = ExplainRequest {
        compiled: &compiled,
        sources: &outcome.sources,
        data: &args.data.data,
        tables: args.data.tables(),
        ledger: args.ledger.as_deref(),
        since,
        at,
        skip_bad_rows: args.data.skip_bad_rows,
        kind,
        id,
    };
    let rules = match playbook::app::explain::explain(&request) {
        Ok(rules) => rules,
        Err(e) => return explain_failure(&e),
    };
    let tz = program.settings.timezone;
    match args.format {
        InspectFormat::Json => {
            let value = json!({
                kind.keyword(): id,
                "at": format_instant(tz, at),
                "rules": rules.iter().map(|r| json!({"rule": r.rule, "fires": r.fires, "verdict": r.verdict, "seen": r.seen})).collect::<Vec<_>>(),
            });
            print_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            ));
        }
        InspectFormat::Text => {
            let mut out = format!("{} {id} at {}\n", kind.keyword(), format_instant(tz, at));
            if args.ledger.is_none() {
                out.push_str("(no --ledger: limits, caps and budgets count no earlier grants)\n");
            }
            for r in &rules {
                out.push('\n');
                out.push_str(&r.text());
            }
            print_stdout(&out);
        }
    }
    Status::Success
}

/// The member or group `explain` was asked about.
fn target(args: &ExplainArgs) -> (TargetKind, &str) {
    match (&args.member, &args.group) {
        (Some(m), _) => (TargetKind::Member, m),
        (None, Some(g)) => (TargetKind::Group, g),
        (None, None) => (TargetKind::Member, ""),
    }
}

/// Runs `playbook segments`.
pub fn segments(args: &SegmentsArgs) -> Status {
    let (_, engine) = match load_program(&args.file) {
        Ok(x) => x,
        Err(s) => return s,
    };
    let program = &*engine.program;
    let at = match args.data.instant(program) {
        Ok(t) => t,
        Err(s) => return s,
    };
    let segments = playbook::app::explain::segments(
        &engine,
        (&args.data.data, args.data.tables()),
        args.ledger.as_deref(),
        at,
        args.data.skip_bad_rows,
    );
    let (sizes, skipped) = match segments {
        Ok(x) => x,
        Err(e) => return explain_failure(&e),
    };
    for row in &skipped {
        print_stderr_line(&format!("skipped: {row}"));
    }
    match args.format {
        InspectFormat::Json => {
            let value = json!({
                "at": format_instant(program.settings.timezone, at),
                "segments": sizes.iter().map(|s| json!({"segment": s.name, "of": s.target.keyword(), "size": s.size, "evaluated": s.of})).collect::<Vec<_>>(),
            });
            print_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            ));
        }
        InspectFormat::Text => {
            let at = format_instant(program.settings.timezone, at);
            print_stdout(&playbook::app::explain::segments_text(&sizes, &at));
        }
    }
    Status::Success
}

/// An unreadable data file is bad usage (exit 2), as in `run`; a data file that
/// does not fit the playbook, or any other failure, is a failure (exit 1).
fn explain_failure(e: &ExplainError) -> Status {
    print_stderr_line(&format!("error: {e}"));
    match e {
        ExplainError::Data(DataError::Open { .. }) => Status::Usage,
        _ => Status::Failure,
    }
}
