//! `playbook simulate`: a campaign's period replayed, summed per day and per rule.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use playbook::app::chart::{forecast_html, forecast_svg};
use playbook::app::run::Spend;
use playbook::app::simulate::{Exhausted, Forecast, SimulateRequest, local_time};
use playbook::app::spread::Spread;
use playbook::data::TableNames;
use playbook::interpret::grant::Reason;
use playbook::money::FenSum;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use super::{Status, load_program, print_stderr_line, print_stdout, spread};

/// Arguments of `playbook simulate`.
#[derive(Debug, Args)]
#[command(after_help = "\
Replays every schedule tick and event from --from 00:00 to the end of --to (local to \
the playbook) through the same run as `playbook run`, and sums the decisions per day \
and per rule: grants, spend, refusals by reason, what the budgets have left, and the \
moment a budget ran out or a cap was first reached. With --ledger, the ledger's \
history counts as it would for `run` (the ledger is read, never written); without \
it, the period starts from nothing.

With --seeds N, the forecast is run with N seeds: seed 0 is the playbook's own (the \
forecast printed), seed k the playbook's seed followed by `#k`. Each seed is one possible \
future of its lottery draws and experiment arms; the spend of the period, of each day \
and of each rule over them is printed as min, P50, P95 and max (nearest rank). A \
playbook without lotteries or experiments spends the same with every seed and is run once.

With --chart, the forecast is also drawn to FILE.svg (a standalone SVG) or \
FILE.html (a page with the SVG inline): spend to date against the budget, each \
day's spend by rule, and each day's refused firings by reason.

Exit status: 0 forecast printed, 1 the run failed, 2 bad usage, unreadable data or \
a chart file that cannot be written.")]
pub struct SimulateArgs {
    /// The playbook.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// The data: a SQLite file, or a `.sql` file of SQL statements.
    #[arg(long, value_name = "DB")]
    data: PathBuf,

    /// First day (`YYYY-MM-DD`, local to the playbook).
    #[arg(long, value_name = "DATE")]
    from: NaiveDate,

    /// Last day, included.
    #[arg(long, value_name = "DATE")]
    to: NaiveDate,

    /// A ledger whose history counts (read only).
    #[arg(long, value_name = "DB")]
    ledger: Option<PathBuf>,

    /// How to print.
    #[arg(long, value_enum, default_value_t = SimulateFormat::Text)]
    format: SimulateFormat,

    /// Threads reading the data (the forecast is the same for any number).
    #[arg(long, value_name = "N", default_value_t = 1)]
    threads: usize,

    /// Leave out rows with bad values (each is reported) instead of stopping.
    #[arg(long)]
    skip_bad_rows: bool,

    /// Count only the ledger's confirmed payouts against budgets and caps: failed,
    /// expired and undelivered payouts' money back in the budgets (needs --ledger).
    #[arg(long, requires = "ledger")]
    confirmed_spend: bool,

    /// Also forecast with N seeds (1 to 1000) and print the spread of the spend.
    #[arg(long, value_name = "N", value_parser = spread::parse_seeds)]
    seeds: Option<NonZeroU32>,

    /// Also draw the forecast to this file: `.svg`, or `.html` for a page.
    #[arg(long, value_name = "PATH")]
    chart: Option<PathBuf>,
}

/// The kinds of chart file, by the name's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChartKind {
    Svg,
    Html,
}

impl ChartKind {
    fn of(path: &Path) -> Option<ChartKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "svg" => Some(ChartKind::Svg),
            "html" => Some(ChartKind::Html),
            _ => None,
        }
    }
}

/// Output formats of `simulate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SimulateFormat {
    /// A per-day table with bars, the budgets and the rules.
    Text,
    /// One JSON object.
    Json,
    /// One CSV row per day.
    Csv,
}

/// Widest bar, in cells.
const BAR: usize = 24;

/// Runs `playbook simulate`.
pub fn run(args: &SimulateArgs) -> Status {
    if args.to < args.from {
        print_stderr_line(&format!(
            "error: --to {} is before --from {}",
            args.to, args.from
        ));
        return Status::Usage;
    }
    // Checked before the run, which can take a while.
    let chart = match args.chart.as_deref().map(|p| (p, ChartKind::of(p))) {
        None => None,
        Some((path, Some(kind))) => Some((path, kind)),
        Some((path, None)) => {
            print_stderr_line(&format!(
                "error: --chart {}: the chart is written as SVG or as an HTML page; \
                 name a file ending in `.svg` or `.html`",
                path.display()
            ));
            return Status::Usage;
        }
    };
    let (_, compiled) = match load_program(&args.file) {
        Ok(x) => x,
        Err(s) => return s,
    };
    let request = SimulateRequest {
        compiled: &compiled,
        data: &args.data,
        tables: TableNames::default(),
        from: args.from,
        to: args.to,
        ledger: args.ledger.as_deref(),
        skip_bad_rows: args.skip_bad_rows,
        threads: args.threads.max(1),
        spend: if args.confirmed_spend {
            Spend::Confirmed
        } else {
            Spend::Granted
        },
    };
    let (forecast, spread) = match spread::forecast(&request, args.seeds) {
        Ok(f) => f,
        Err(e) => {
            print_stderr_line(&format!("error: {e}"));
            return Status::Failure;
        }
    };
    let tz = compiled.program.settings.timezone;
    let settings = &compiled.program.settings;
    let spread = spread.as_ref();
    match args.format {
        SimulateFormat::Text => {
            let mut out = text(&forecast, &settings.name, tz);
            if let Some(s) = spread {
                out.push_str(&spread::text(s, &settings.seed));
            }
            print_stdout(&out);
        }
        SimulateFormat::Json => {
            let mut value = to_json(&forecast, tz);
            if let (Some(s), Value::Object(map)) = (spread, &mut value) {
                map.insert("seeds".to_owned(), spread::json(s));
            }
            print_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            ));
        }
        SimulateFormat::Csv => print_stdout(&csv(&forecast, spread)),
    }
    match chart {
        Some((path, kind)) => write_chart(&forecast, &settings.name, path, kind),
        None => Status::Success,
    }
}

/// Draws the forecast and writes it to `path`.
fn write_chart(forecast: &Forecast, name: &str, path: &Path, kind: ChartKind) -> Status {
    let drawn = match kind {
        ChartKind::Svg => forecast_svg(forecast, name),
        ChartKind::Html => forecast_html(forecast, name),
    };
    let text = match drawn {
        Ok(t) => t,
        Err(e) => {
            print_stderr_line(&format!("error: {e}"));
            return Status::Failure;
        }
    };
    match std::fs::write(path, text) {
        Ok(()) => Status::Success,
        Err(e) => {
            print_stderr_line(&format!(
                "error: cannot write the chart to `{}`: {e}",
                path.display()
            ));
            Status::Usage
        }
    }
}

/// A sum of fen as a JSON number (`null` beyond the range of `i64`).
pub(super) fn fen(sum: FenSum) -> Value {
    i64::try_from(sum.0).map_or(Value::Null, Value::from)
}

fn to_json(f: &Forecast, tz: chrono_tz::Tz) -> Value {
    let days: Vec<Value> = f
        .days
        .iter()
        .map(|(date, d)| {
            let refusals: serde_json::Map<String, Value> = Reason::ALL
                .iter()
                .map(|r| {
                    (
                        r.as_str().to_owned(),
                        json!(d.refusals.get(r).copied().unwrap_or(0)),
                    )
                })
                .collect();
            let by_rule: serde_json::Map<String, Value> = d
                .by_rule
                .iter()
                .map(|(rule, (n, v))| (rule.clone(), json!({"grants": n, "spend_fen": fen(*v)})))
                .collect();
            json!({
                "date": date.to_string(),
                "grants": d.grants,
                "spend_fen": fen(d.spend),
                "refusals": refusals,
                "by_rule": by_rule,
            })
        })
        .collect();
    let rules: serde_json::Map<String, Value> = f
        .rules
        .iter()
        .map(|(rule, t)| {
            (
                rule.clone(),
                json!({"grants": t.grants, "spend_fen": fen(t.spend), "targets": t.targets, "refused": t.refused}),
            )
        })
        .collect();
    let moment = |e: &Option<Exhausted>| {
        e.as_ref()
            .map(|e| format!("{} {}", e.date, local_time(tz, e.at)))
    };
    json!({
        "from": f.from.to_string(),
        "to": f.to.to_string(),
        "spend_counted": match f.spend {
            Spend::Granted => "granted",
            Spend::Confirmed => "confirmed",
        },
        "days": days,
        "budget": {
            "total_fen": f.budget_total.map(|b| b.0),
            "per_day_fen": f.budget_per_day.map(|b| b.0),
            "exhausted_on": f.budget_exhausted.as_ref().map(|e| e.date.to_string()),
            "exhausted_at": moment(&f.budget_exhausted),
        },
        "cap_reached_at": moment(&f.cap_reached),
        "rules": rules,
    })
}

fn csv(f: &Forecast, spread: Option<&Spread>) -> String {
    let mut out = String::from("date,grants,spend_fen");
    for r in Reason::ALL {
        out.push_str(&format!(",refused_{}", r.as_str()));
    }
    if spread.is_some() {
        out.push_str(spread::CSV_HEADER);
    }
    out.push('\n');
    for (i, (date, d)) in f.days.iter().enumerate() {
        out.push_str(&format!("{date},{},{}", d.grants, d.spend.0));
        for r in Reason::ALL {
            out.push_str(&format!(",{}", d.refusals.get(&r).copied().unwrap_or(0)));
        }
        if let Some(s) = spread {
            out.push_str(&spread::csv_cells(s, i));
        }
        out.push('\n');
    }
    out
}

/// `text` padded with spaces to `width` terminal cells.
pub(super) fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

fn text(f: &Forecast, name: &str, tz: chrono_tz::Tz) -> String {
    let mut out = format!("forecast of {name} from {} to {}\n", f.from, f.to);
    if f.spend == Spend::Confirmed {
        out.push_str(
            "the ledger's grants count against budgets and caps only where their payout is confirmed\n",
        );
    }
    out.push('\n');
    let most = f
        .days
        .iter()
        .map(|(_, d)| d.spend.0)
        .max()
        .unwrap_or(0)
        .max(1);
    out.push_str(&format!(
        "{:<10}  {:>6}  {:>12}  {:>7}  spend\n",
        "date", "grants", "spend", "refused"
    ));
    for (date, d) in &f.days {
        let refused: u64 = d.refusals.values().sum();
        let cells = usize::try_from(d.spend.0.max(0) * BAR as i128 / most).unwrap_or(BAR);
        out.push_str(&format!(
            "{date}  {:>6}  {:>12}  {:>7}  {}\n",
            d.grants,
            d.spend.to_string(),
            refused,
            "█".repeat(cells)
        ));
    }
    let (grants, spend) = f.total();
    out.push_str(&format!(
        "{:<10}  {grants:>6}  {:>12}\n",
        "total",
        spend.to_string()
    ));
    out.push_str(&budget_lines(f, spend, tz));
    let width = f
        .rules
        .iter()
        .map(|(r, _)| r.width())
        .max()
        .unwrap_or(4)
        .max(4);
    out.push_str(&format!(
        "\n{}  {:>6}  {:>12}  {:>7}  {:>7}  of budget\n",
        pad("rule", width),
        "grants",
        "spend",
        "targets",
        "refused"
    ));
    for (rule, t) in &f.rules {
        let share = match f.budget_total {
            Some(b) if b.0 > 0 => format!("{:.1}%", t.spend.0 as f64 * 100.0 / b.0 as f64),
            _ => "-".to_owned(),
        };
        out.push_str(&format!(
            "{}  {:>6}  {:>12}  {:>7}  {:>7}  {share}\n",
            pad(rule, width),
            t.grants,
            t.spend.to_string(),
            t.targets,
            t.refused
        ));
    }
    out
}

fn budget_lines(f: &Forecast, spend: FenSum, tz: chrono_tz::Tz) -> String {
    let mut out = String::new();
    if let Some(total) = f.budget_total {
        let before = f.spent_before.unwrap_or(FenSum::ZERO);
        let earlier = if before > FenSum::ZERO || f.ledger_grants_before > 0 {
            let counted = match f.spend {
                Spend::Granted => "",
                Spend::Confirmed => " confirmed",
            };
            format!("{before}{counted} already in the ledger, ")
        } else {
            String::new()
        };
        let left = FenSum::from(total).minus_sum(before).minus_sum(spend);
        out.push_str(&format!(
            "budget {total} total: used {earlier}{spend} in the period, left {}\n",
            left.max(FenSum::ZERO)
        ));
    }
    if let Some(per_day) = f.budget_per_day {
        let (day, highest) = f
            .days
            .iter()
            .map(|(date, d)| {
                let earlier = f.ledger_days.get(date).copied().unwrap_or_default();
                (*date, d.spend.plus_sum(earlier))
            })
            .max_by_key(|(_, s)| s.0)
            .unwrap_or((f.from, FenSum::ZERO));
        out.push_str(&format!(
            "budget {per_day} per day: highest day {highest} ({day})\n"
        ));
    }
    for e in [&f.budget_exhausted, &f.cap_reached].into_iter().flatten() {
        let what = if e.reason == Reason::Budget {
            "budget ran out"
        } else {
            "cap first reached"
        };
        out.push_str(&format!(
            "\n{what} on {} at {} ({})\nrefused by {} from then on:\n",
            e.date,
            local_time(tz, e.at),
            e.message,
            e.reason.as_str()
        ));
        for (rule, (n, v)) in &e.refused {
            out.push_str(&format!(
                "  {rule}: {n} firing{} ({v})\n",
                if *n == 1 { "" } else { "s" }
            ));
        }
    }
    out
}
