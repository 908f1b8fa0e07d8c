//! `playbook history`: every grant and refusal a ledger holds for one member or
//! group, in time order.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;
use unicode_width::UnicodeWidthStr;

use super::{Status, print_stderr_line, print_stdout};
use playbook::ledger::{HistoryEntry, Ledger};
use playbook::money::Fen;
use playbook::syntax::ast::TargetKind;
use playbook::time::{format_instant, instant_local};

/// Arguments of `playbook history`.
#[derive(Debug, Args)]
#[command(after_help = "\
Lists what the ledger holds for the target, oldest first: each grant, and each refusal \
(with its reason) that a run recorded. Refusals are recorded by ledgers of schema \
version 2 and later.

Exit status: 0 listed (possibly nothing), 2 bad usage or a ledger that cannot be read.")]
pub struct HistoryArgs {
    /// The ledger (read only; never created or changed).
    #[arg(long, value_name = "DB")]
    ledger: PathBuf,

    /// The member whose history to list.
    #[arg(
        long,
        value_name = "ID",
        conflicts_with = "group",
        required_unless_present = "group"
    )]
    member: Option<String>,

    /// The group whose history to list.
    #[arg(long, value_name = "ID")]
    group: Option<String>,

    /// Only this playbook's entries.
    #[arg(long, value_name = "NAME")]
    playbook: Option<String>,

    /// Show instants in this timezone.
    #[arg(long, value_name = "TZ", default_value = "Asia/Shanghai")]
    timezone: String,

    /// How to print.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Table)]
    format: HistoryFormat,
}

/// Output formats of `history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum HistoryFormat {
    /// Aligned columns for people.
    Table,
    /// One JSON object: the target and its entries.
    Json,
}

/// Runs `playbook history`.
pub fn run(args: &HistoryArgs) -> Status {
    let Ok(tz) = args.timezone.parse::<chrono_tz::Tz>() else {
        print_stderr_line(&format!("error: unknown timezone `{}`", args.timezone));
        return Status::Usage;
    };
    if !args.ledger.exists() {
        print_stderr_line(&format!("error: no ledger at {}", args.ledger.display()));
        return Status::Usage;
    }
    let (kind, id) = match (&args.member, &args.group) {
        (Some(m), _) => (TargetKind::Member, m.as_str()),
        (None, Some(g)) => (TargetKind::Group, g.as_str()),
        (None, None) => return Status::Usage,
    };
    let entries = match Ledger::open_read_only(&args.ledger).and_then(|l| l.history(kind, id)) {
        Ok(entries) => entries,
        Err(e) => {
            print_stderr_line(&format!("error: {e}"));
            return Status::Usage;
        }
    };
    let entries: Vec<HistoryEntry> = entries
        .into_iter()
        .filter(|e| args.playbook.as_ref().is_none_or(|p| *p == e.playbook))
        .collect();
    let text = match args.format {
        HistoryFormat::Table => table(kind, id, &entries, tz),
        HistoryFormat::Json => json_text(kind, id, &entries, tz),
    };
    print_stdout(&text);
    Status::Success
}

fn json_text(kind: TargetKind, id: &str, entries: &[HistoryEntry], tz: chrono_tz::Tz) -> String {
    let list: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({
                "record": e.record, "run": e.run, "playbook": e.playbook, "rule": e.rule,
                "reward": e.reward, "value_fen": e.value_fen, "cause": e.cause,
                "at": format_instant(tz, e.at), "reason": e.reason, "message": e.message,
            })
        })
        .collect();
    let value = json!({"target": {"kind": kind.keyword(), "id": id}, "entries": list});
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    )
}

fn table(kind: TargetKind, id: &str, entries: &[HistoryEntry], tz: chrono_tz::Tz) -> String {
    let who = format!("{} {id}", kind.keyword());
    if entries.is_empty() {
        return format!("the ledger holds nothing for {who}\n");
    }
    let several = entries.iter().any(|e| e.playbook != entries[0].playbook);
    let width = |f: fn(&HistoryEntry) -> &str, min: usize| {
        entries
            .iter()
            .map(|e| f(e).width())
            .max()
            .unwrap_or(0)
            .max(min)
    };
    let (rule_w, reward_w) = (width(|e| &e.rule, 4), width(|e| &e.reward, 6).min(40));
    let mut out = String::new();
    for e in entries {
        let playbook = if several {
            format!("{}  ", e.playbook)
        } else {
            String::new()
        };
        let tail = match (&e.reason, &e.message) {
            (Some(reason), Some(message)) => format!("REFUSED {reason}: {message}"),
            _ => e.cause.clone(),
        };
        out.push_str(&format!(
            "{}  run {:<4}  {playbook}{}  {}  {:>10}  {tail}\n",
            instant_local(tz, e.at).format("%Y-%m-%d %H:%M:%S"),
            e.run,
            pad(&e.rule, rule_w),
            pad(&e.reward, reward_w),
            Fen(e.value_fen).to_string(),
        ));
    }
    let grants = entries.iter().filter(|e| e.record == "grant").count();
    let value: i128 = entries
        .iter()
        .filter(|e| e.record == "grant")
        .map(|e| i128::from(e.value_fen))
        .sum();
    let refused = entries.len() - grants;
    out.push_str(&format!(
        "\n{who}: {grants} grant{} worth {}, {refused} refusal{}\n",
        if grants == 1 { "" } else { "s" },
        i64::try_from(value).map_or_else(|_| format!("{value} fen"), |v| Fen(v).to_string()),
        if refused == 1 { "" } else { "s" },
    ));
    out
}

/// Pads to a display width (CJK characters take two columns).
fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}
