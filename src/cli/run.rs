//! `playbook run`: evaluate a playbook over a data file and print grants, refusals
//! and a closing summary.

use std::io::{BufWriter, IsTerminal, Stdout, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use playbook::app::run::{RunFailure, RunOutcome, RunRequest};
use playbook::check::Program;
use playbook::data::TableNames;
use playbook::interpret::engine::{RunReport, Sink, SinkError};
use playbook::interpret::grant::{Grant, Refusal};
use playbook::time::{format_instant, parse_instant};
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use super::{Status, load_program, print_stderr_line};
use playbook::app::decisions::{HEADER, cells};
use playbook::compile::Compiled;
use playbook::diagnostics::{Format, render};
use playbook::source::SourceMap;

/// Where the data is and which instant to evaluate: shared by `run`, `explain` and
/// `segments`.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// The data: a SQLite file, or a `.sql` file of SQL statements.
    #[arg(long, value_name = "DB")]
    pub data: PathBuf,

    /// The instant to evaluate (`YYYY-MM-DD HH:MM[:SS]` in the playbook's timezone,
    /// or RFC 3339); default: now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,

    /// Name of the members table.
    #[arg(long, value_name = "TABLE", default_value = "members")]
    pub members_table: String,

    /// Name of the groups table.
    #[arg(long, value_name = "TABLE", default_value = "groups")]
    pub groups_table: String,

    /// Name of the events table.
    #[arg(long, value_name = "TABLE", default_value = "events")]
    pub events_table: String,

    /// Leave out rows with bad values (each is reported) instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

impl DataArgs {
    /// The table names given.
    pub fn tables(&self) -> TableNames {
        TableNames {
            members: self.members_table.clone(),
            groups: self.groups_table.clone(),
            events: self.events_table.clone(),
        }
    }

    /// `--at` read in the playbook's timezone, or now.
    pub fn instant(&self, program: &Program) -> Result<i64, Status> {
        match &self.at {
            Some(text) => parse_time(text, program, "--at"),
            None => Ok(chrono::Utc::now().timestamp()),
        }
    }
}

/// Reads a time option, reporting a bad one as a usage error.
pub fn parse_time(text: &str, program: &Program, option: &str) -> Result<i64, Status> {
    parse_instant(text, program.settings.timezone).map_err(|e| {
        print_stderr_line(&format!("error: {option}: {e}"));
        Status::Usage
    })
}

/// Arguments of `playbook run`.
#[derive(Debug, Args)]
#[command(after_help = "\
The window evaluated is (--since, --at]: every event and schedule tick inside it, in \
time order. Without --since it starts at the ledger's last run, or without a ledger \
only instants exactly at --at are evaluated.

Output goes to stdout: grants and refusals in decision order, then a summary. With \
--ledger every grant is recorded in one transaction, so re-running a window grants \
nothing twice and a run that stops leaves the ledger as it was.

Exit status: 0 the run completed, 1 the playbook has errors or the data has bad \
values or the run failed (nothing recorded), 2 bad usage or unreadable files.")]
pub struct RunArgs {
    /// The playbook.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    #[command(flatten)]
    data: DataArgs,

    /// Start of the window (exclusive).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,

    /// The ledger (SQLite, created if missing).
    #[arg(long, value_name = "DB")]
    ledger: Option<PathBuf>,

    /// Read the ledger but record nothing.
    #[arg(long)]
    dry_run: bool,

    /// How to print.
    #[arg(long, value_enum, default_value_t = RunFormat::Table)]
    format: RunFormat,

    /// Threads reading the data (default: one per core). Grants are the same for
    /// any number.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,

    /// List only grants or only refusals (the summary counts both).
    #[arg(long, value_enum, value_name = "WHAT")]
    only: Option<Only>,

    /// Start CSV output with a UTF-8 byte order mark, so that Excel on Windows reads
    /// Chinese text (only with `--format csv`).
    #[arg(long)]
    bom: bool,

    /// Also count the playbook's spend in the ledger by payout status: the summary
    /// shows how much is confirmed, in all and within each budget (needs --ledger).
    #[arg(long, requires = "ledger")]
    confirmed_spend: bool,
}

/// What `--only` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Only {
    /// Grants only.
    Grants,
    /// Refusals only.
    Refusals,
}

/// Output formats of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RunFormat {
    /// Aligned columns for people, then the summary.
    Table,
    /// One JSON object: grants, refusals, summary.
    Json,
    /// One JSON object per line (grants and refusals), the summary last.
    Jsonl,
    /// CSV rows (grants and refusals); the summary goes to stderr.
    Csv,
    /// Only the summary.
    Summary,
}

/// Runs `playbook run`.
pub fn run(args: &RunArgs) -> Status {
    let (outcome, compiled) = match load_program(&args.file) {
        Ok(x) => x,
        Err(status) => return status,
    };
    let _ = outcome;
    let program = &*compiled.program;
    let at = match args.data.instant(program) {
        Ok(t) => t,
        Err(s) => return s,
    };
    let since = match args
        .since
        .as_deref()
        .map(|s| parse_time(s, program, "--since"))
    {
        Some(Err(s)) => return s,
        Some(Ok(t)) => Some(t),
        None => None,
    };
    if args.bom && args.format != RunFormat::Csv {
        print_stderr_line("error: --bom applies to --format csv only");
        return Status::Usage;
    }
    if args.dry_run && args.ledger.is_none() {
        print_stderr_line(
            "error: --dry-run needs --ledger (without a ledger nothing is recorded anyway)",
        );
        return Status::Usage;
    }
    let request = RunRequest {
        since,
        ledger: args.ledger.as_deref(),
        dry_run: args.dry_run,
        skip_bad_rows: args.data.skip_bad_rows,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(8))),
        tables: args.data.tables(),
        payout_spend: args.confirmed_spend,
        ..RunRequest::new(&compiled, &args.data.data, at)
    };
    let mut printer = Printer::new(args.format, &compiled, args.bom);
    printer.only = args.only;
    let result = playbook::app::run::run(&request, &mut printer);
    match result {
        Ok(outcome) => {
            printer.finish(&outcome);
            if outcome.report.skipped_share.iter().any(|s| s.is_all()) {
                // A run that evaluated none of a table's rows proves nothing.
                return Status::Failure;
            }
            Status::Success
        }
        Err(
            e @ (RunFailure::Run(playbook::interpret::engine::RunError::Data(
                playbook::data::DataError::Open { .. },
            ))
            | RunFailure::EmptyWindow { .. }
            | RunFailure::Identity(_)),
        ) => {
            print_stderr_line(&format!("error: {e}"));
            Status::Usage
        }
        Err(e) => {
            report_failure(&e, &outcome.sources, args.format);
            if request.ledger.is_some() && !request.dry_run {
                print_stderr_line("nothing was recorded in the ledger");
            }
            Status::Failure
        }
    }
}

/// Prints why a run stopped. An error about a place in the playbook is rendered as
/// check renders diagnostics (JSON for the JSON formats); others carry their code.
fn report_failure(e: &RunFailure, sources: &SourceMap, format: RunFormat) {
    let RunFailure::Run(run) = e else {
        print_stderr_line(&format!("error: {e}"));
        return;
    };
    let Some(diagnostic) = run.diagnostic() else {
        print_stderr_line(&format!("error[{}]: {run}", run.code().code()));
        return;
    };
    let format = match format {
        RunFormat::Json | RunFormat::Jsonl => Format::Json,
        _ => Format::Human {
            color: super::use_color(&std::io::stderr()),
        },
    };
    let text = render(format, &[diagnostic], sources);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Prints decisions as they come in the chosen format.
struct Printer<'p> {
    format: RunFormat,
    program: &'p Program,
    out: BufWriter<Stdout>,
    /// stdout went away (`| head`): keep running (and recording), stop printing.
    closed: bool,
    json: Vec<Value>,
    json_refusals: Vec<Value>,
    csv: Option<csv::Writer<Stdout>>,
    widths: (usize, usize),
    rows: u64,
    /// Whether a progress line is on the terminal (stderr) now.
    progress: Option<bool>,
    /// `--only`.
    only: Option<Only>,
}

impl<'p> Printer<'p> {
    fn new(format: RunFormat, compiled: &'p Compiled, bom: bool) -> Printer<'p> {
        let program = &*compiled.program;
        let width = |names: &mut dyn Iterator<Item = &str>| {
            names.map(|n| n.width()).max().unwrap_or(4).max(4)
        };
        let rule_width = width(&mut program.rules.iter().map(|r| r.name.as_str()));
        let reward_width = width(
            &mut compiled
                .plan
                .rules
                .iter()
                .flat_map(|r| r.leaves.iter().map(|l| &*l.label)),
        );
        let csv = (format == RunFormat::Csv).then(|| {
            if bom {
                let _ = std::io::stdout().write_all("\u{FEFF}".as_bytes());
            }
            let mut w = csv::Writer::from_writer(std::io::stdout());
            let _ = w.write_record([
                "record",
                "rule",
                "target_kind",
                "target",
                "reward",
                "kind",
                "value_fen",
                "at",
                "cause",
                "reason",
                "message",
                "detail",
                "payout_id",
            ]);
            w
        });
        Printer {
            format,
            program,
            out: BufWriter::new(std::io::stdout()),
            closed: false,
            json: Vec::new(),
            json_refusals: Vec::new(),
            csv,
            widths: (rule_width, reward_width.min(REWARD_WIDTH)),
            rows: 0,
            progress: show_progress().then_some(false),
            only: None,
        }
    }

    /// Writes decisions or the summary; ids, names and values from the playbook and
    /// the data are shown with their control characters escaped.
    fn write(&mut self, text: &str) {
        self.clear_progress();
        let text = playbook::terminal::escape(text);
        if !self.closed && self.out.write_all(text.as_bytes()).is_err() {
            self.closed = true;
        }
    }

    fn table_row(&mut self, g: &Grant, refusal: Option<&Refusal>) {
        let tz = self.program.settings.timezone;
        if self.rows == 0 {
            let [at, rule, target, reward, value, tail] = HEADER;
            let header = format!(
                "{at:<19}  {}  {target:<10}  {}  {value:>10}  {tail}\n",
                pad(rule, self.widths.0),
                pad(reward, self.widths.1),
            );
            self.write(&header);
        }
        self.rows += 1;
        let [at, rule, target, reward, value, tail] = cells(g, refusal, tz);
        let line = format!(
            "{at}  {}  {}  {}  {value:>10}  {tail}\n",
            pad(&rule, self.widths.0),
            pad(&target, 10),
            pad(&shorten(&reward, self.widths.1), self.widths.1),
        );
        self.write(&line);
    }

    fn csv_row(&mut self, g: &Grant, refusal: Option<&Refusal>) {
        let tz = self.program.settings.timezone;
        let payout_id = match refusal {
            Some(_) => String::new(),
            None => self.payout_id(g),
        };
        let Some(w) = self.csv.as_mut() else { return };
        let value = match refusal {
            Some(r) => r.value.map_or_else(String::new, |v| v.0.to_string()),
            None => g.value.0.to_string(),
        };
        let reward = refusal.map_or_else(
            || g.reward.to_string(),
            |r| {
                r.grants
                    .iter()
                    .map(|g| &*g.reward)
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
        let _ = w.write_record([
            if refusal.is_some() {
                "refusal"
            } else {
                "grant"
            },
            &g.rule,
            g.target.kind.keyword(),
            &g.target.id,
            &reward,
            g.kind.as_str(),
            &value,
            &format_instant(tz, g.at),
            &g.cause.key(tz),
            refusal.map_or("", |r| r.reason.as_str()),
            refusal.map_or("", |r| r.message.as_str()),
            &g.detail.to_json(tz).to_string(),
            &payout_id,
        ]);
    }

    /// A grant as JSON, with its payout id.
    fn grant_json(&self, g: &Grant) -> serde_json::Value {
        let tz = self.program.settings.timezone;
        let mut value = g.to_json(tz);
        value["payout_id"] = self.payout_id(g).into();
        value
    }

    fn payout_id(&self, g: &Grant) -> String {
        let tz = self.program.settings.timezone;
        playbook::ledger::payout::of_grant(&self.program.settings.name, g, tz)
    }

    fn clear_progress(&mut self) {
        if self.progress == Some(true) {
            eprint!("\r\x1b[2K");
            self.progress = Some(false);
        }
    }

    fn finish(mut self, outcome: &RunOutcome) {
        self.clear_progress();
        let summary = summary_json(self.program, outcome);
        match self.format {
            RunFormat::Table | RunFormat::Summary => {
                if self.rows > 0 {
                    self.write("\n");
                }
                let text = playbook::app::run::summary::summary_text(self.program, outcome);
                self.write(&text);
            }
            RunFormat::Json => {
                let all = json!({
                    "grants": std::mem::take(&mut self.json),
                    "refusals": std::mem::take(&mut self.json_refusals),
                    "summary": summary,
                });
                let text = serde_json::to_string_pretty(&all).unwrap_or_default();
                self.write(&text);
                self.write("\n");
            }
            RunFormat::Jsonl => {
                let line = json!({ "summary": summary }).to_string();
                self.write(&line);
                self.write("\n");
            }
            RunFormat::Csv => {
                if let Some(w) = self.csv.as_mut() {
                    let _ = w.flush();
                }
                for line in playbook::app::run::summary::summary_text(self.program, outcome).lines()
                {
                    print_stderr_line(line);
                }
            }
        }
        for row in &outcome.report.skipped {
            print_stderr_line(&format!("skipped: {row}"));
        }
        for share in &outcome.report.skipped_share {
            if share.is_large() {
                print_stderr_line(&playbook::app::run::summary::skipped_share_line(share));
            }
        }
        let _ = self.out.flush();
    }
}

impl Sink for Printer<'_> {
    fn progress(&mut self, rows: u64) {
        if self.progress.is_some() {
            eprint!("\r\x1b[2K  reading data: {rows} rows…");
            self.progress = Some(true);
        }
    }

    fn grant(&mut self, g: &Grant) -> Result<(), SinkError> {
        if self.only == Some(Only::Refusals) {
            return Ok(());
        }
        match self.format {
            RunFormat::Table => self.table_row(g, None),
            RunFormat::Json => {
                let value = self.grant_json(g);
                self.json.push(value);
            }
            RunFormat::Jsonl => {
                let line = self.grant_json(g).to_string();
                self.write(&line);
                self.write("\n");
            }
            RunFormat::Csv => self.csv_row(g, None),
            RunFormat::Summary => {}
        }
        Ok(())
    }

    fn refusal(&mut self, r: &Refusal) -> Result<(), SinkError> {
        if self.only == Some(Only::Grants) {
            return Ok(());
        }
        let tz = self.program.settings.timezone;
        match self.format {
            RunFormat::Table => self.table_row(&r.grants[0], Some(r)),
            RunFormat::Json => self.json_refusals.push(r.to_json(tz)),
            RunFormat::Jsonl => {
                let line = r.to_json(tz).to_string();
                self.write(&line);
                self.write("\n");
            }
            RunFormat::Csv => self.csv_row(&r.grants[0], Some(r)),
            RunFormat::Summary => {}
        }
        Ok(())
    }
}

/// The widest the reward column gets in the table; longer names (inline rewards,
/// several rewards of one refused firing) are shortened there, never in JSON or CSV.
const REWARD_WIDTH: usize = 32;

/// `text` cut to at most `width` display columns, ending in `…` when cut.
fn shorten(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Pads to a display width (CJK characters take two columns).
fn pad(text: &str, width: usize) -> String {
    let w = text.width();
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
}

/// The summary object of JSON outputs.
pub fn summary_json(program: &Program, outcome: &RunOutcome) -> Value {
    let tz = program.settings.timezone;
    let r: &RunReport = &outcome.report;
    let payouts = outcome.payouts.as_ref();
    let budget: Vec<Value> = r
        .budget
        .iter()
        .map(|b| {
            let mut line = json!({"window": b.window, "limit_fen": b.limit.0, "used_fen": b.used.0, "left_fen": serde_json::Number::from_i128(b.left().0)});
            if let (Some(confirmed), Value::Object(map)) =
                (payouts.and_then(|p| p.confirmed(b.window)), &mut line)
            {
                map.insert("confirmed_fen".into(), json!(serde_json::Number::from_i128(confirmed.0)));
            }
            line
        })
        .collect();
    let mut summary = json!({
        "playbook": program.settings.name,
        "window": {"after": format_instant(tz, r.window.0), "until": format_instant(tz, r.window.1)},
        "events": r.events,
        "ignored_events": r.ignored_events,
        "ticks": r.ticks,
        "grants": r.granted.count,
        "value_fen": r.granted.value.0,
        "by_rule": r.by_rule.iter().map(|(rule, t)| json!({"rule": rule, "grants": t.count, "value_fen": t.value.0})).collect::<Vec<_>>(),
        "by_reward": r.by_reward.iter().map(|(reward, t)| json!({"reward": reward, "grants": t.count, "value_fen": t.value.0})).collect::<Vec<_>>(),
        "refusals": r.refusals.iter().map(|(k, n)| (k.as_str().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "already_in_ledger": r.already_held,
        "already_refused": r.already_refused,
        "ledger_grants_before": outcome.ledger_grants_before,
        "recorded_run": outcome.recorded.as_ref().map(|run| run.id),
        "budget": budget,
        "skipped_rows": r.skipped.iter().map(|b| b.to_string()).collect::<Vec<_>>(),
        "events_skipped": r.events_skipped,
        "skipped_share": r.skipped_share.iter().map(|s| json!({"table": s.table, "rows": s.rows, "of": s.of})).collect::<Vec<_>>(),
        "notes": outcome.notes,
    });
    if let (Some(n), Value::Object(map)) = (outcome.transferred, &mut summary) {
        map.insert("rows_transferred".into(), json!(n));
    }
    if let (Some(p), Value::Object(map)) = (payouts, &mut summary) {
        let by_status: serde_json::Map<String, Value> = p
            .by_status
            .iter()
            .map(|(s, v)| {
                (
                    format!("{}_fen", s.as_str()),
                    json!(serde_json::Number::from_i128(v.0)),
                )
            })
            .collect();
        map.insert("payouts".into(), Value::Object(by_status));
    }
    summary
}

/// Whether progress may be drawn (stderr is a terminal).
pub fn show_progress() -> bool {
    std::io::stderr().is_terminal()
}
