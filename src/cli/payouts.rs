//! `playbook payouts`: the grants of a ledger to deliver, with their payout ids and
//! where each stands; `playbook payouts ack` records what the channel reported.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::{Status, print_stderr_line, print_stdout};
use playbook::ledger::Ledger;
use playbook::ledger::payouts::{Payout, Status as PayoutStatus};

/// Arguments of `playbook payouts`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "\
Each grant has a payout id: 32 letters and digits, a pure function of the grant's \
identity (playbook, rule, target, cause, reward position), the same on every re-run and \
machine; use it as WeChat Pay's out_bill_no / out_detail_no or a red packet's mch_billno, \
so the channel never pays one grant twice. A failed or expired payout is never granted \
again by itself.

Exit status: 0 listed (possibly nothing), 2 bad usage or a ledger that cannot be read."
)]
pub struct PayoutsArgs {
    #[command(subcommand)]
    action: Option<PayoutsAction>,

    /// The ledger (read only).
    #[arg(long, value_name = "DB")]
    ledger: Option<PathBuf>,

    /// Only payouts that stand so.
    #[arg(long, value_enum)]
    status: Option<StatusArg>,

    /// How to print.
    #[arg(long, value_enum, default_value_t = PayoutsFormat::Csv)]
    format: PayoutsFormat,
}

#[derive(Debug, Subcommand)]
enum PayoutsAction {
    /// Record what a payment channel reported: a CSV file with the header
    /// `payout_id,status[,reason][,at]`, or JSON lines with those keys.
    #[command(after_help = "\
Statuses: sent, waiting (for the recipient to confirm), confirmed, failed (with a reason), \
expired. A result already recorded is not recorded again, so acknowledging a file twice \
changes nothing; every result is kept, and the latest one is where a payout stands. \
Nothing is recorded when a line is wrong or names a payout id the ledger does not hold.

Exit status: 0 recorded, 1 a line was wrong or named an unknown payout, 2 bad usage or a \
ledger that cannot be read or written.")]
    Ack {
        /// The ledger the results go into.
        #[arg(long, value_name = "DB")]
        ledger: PathBuf,

        /// The channel's results.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StatusArg {
    Pending,
    Sent,
    Waiting,
    Confirmed,
    Failed,
    Expired,
}

/// Output formats of `payouts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PayoutsFormat {
    /// Comma-separated, with a header.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Runs `playbook payouts`.
pub fn run(args: &PayoutsArgs) -> Status {
    match &args.action {
        Some(PayoutsAction::Ack { ledger, file }) => ack(ledger, file),
        None => match &args.ledger {
            Some(ledger) => list(args, ledger),
            None => {
                print_stderr_line("error: `playbook payouts` needs --ledger DB");
                Status::Usage
            }
        },
    }
}

fn list(args: &PayoutsArgs, path: &std::path::Path) -> Status {
    let payouts = match Ledger::open_read_only(path).and_then(|l| l.payouts()) {
        Ok(p) => p,
        Err(e) => {
            print_stderr_line(&format!("error: {e}"));
            return Status::Usage;
        }
    };
    let wanted = args.status.map(|s| match s {
        StatusArg::Pending => PayoutStatus::Pending,
        StatusArg::Sent => PayoutStatus::Sent,
        StatusArg::Waiting => PayoutStatus::Waiting,
        StatusArg::Confirmed => PayoutStatus::Confirmed,
        StatusArg::Failed => PayoutStatus::Failed,
        StatusArg::Expired => PayoutStatus::Expired,
    });
    let shown = payouts
        .iter()
        .filter(|p| wanted.is_none_or(|w| p.status == w));
    let mut out = String::new();
    match args.format {
        PayoutsFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(COLUMNS);
            for p in shown {
                let _ = w.write_record(cells(p));
            }
            out = String::from_utf8_lossy(&w.into_inner().unwrap_or_default()).into_owned();
        }
        PayoutsFormat::Jsonl => {
            for p in shown {
                let object: serde_json::Map<String, serde_json::Value> = COLUMNS
                    .iter()
                    .zip(cells(p))
                    .map(|(k, v)| ((*k).to_owned(), json!(v)))
                    .collect();
                let mut value = serde_json::Value::Object(object);
                value["value_fen"] = json!(p.value.0);
                value["at"] = json!(p.at);
                out.push_str(&value.to_string());
                out.push('\n');
            }
        }
    }
    print_stdout(&out);
    Status::Success
}

const COLUMNS: [&str; 12] = [
    "payout_id",
    "playbook",
    "rule",
    "target_kind",
    "target",
    "reward",
    "kind",
    "value_fen",
    "at",
    "status",
    "reason",
    "status_at",
];

fn cells(p: &Payout) -> [String; 12] {
    [
        p.payout_id.clone(),
        p.playbook.clone(),
        p.rule.clone(),
        p.target_kind.keyword().to_owned(),
        p.target.clone(),
        p.reward.clone(),
        p.kind.clone(),
        p.value.0.to_string(),
        p.at.to_string(),
        p.status.as_str().to_owned(),
        p.reason.clone(),
        p.status_at.clone(),
    ]
}

fn ack(path: &std::path::Path, file: &std::path::Path) -> Status {
    let acks = match playbook::app::payouts::read_acks(file) {
        Ok(a) => a,
        Err(errors) => {
            for e in &errors {
                print_stderr_line(&format!("error: {e}"));
            }
            print_stderr_line("nothing recorded");
            return Status::Failure;
        }
    };
    let mut ledger = match Ledger::open(path) {
        Ok(l) => l,
        Err(e) => {
            print_stderr_line(&format!("error: {e}"));
            return Status::Usage;
        }
    };
    match ledger.ack(&acks) {
        Ok(Ok(report)) => {
            print_stdout(&format!(
                "recorded {} result(s); {} already recorded\n",
                report.recorded, report.already
            ));
            Status::Success
        }
        Ok(Err(unknown)) => {
            for id in unknown.iter().take(10) {
                print_stderr_line(&format!(
                    "error: {}: payout id `{id}` is not in ledger {}",
                    file.display(),
                    path.display()
                ));
            }
            if unknown.len() > 10 {
                print_stderr_line(&format!("… and {} more", unknown.len() - 10));
            }
            print_stderr_line("nothing recorded");
            Status::Failure
        }
        Err(e) => {
            print_stderr_line(&format!("error: {e}"));
            Status::Usage
        }
    }
}
