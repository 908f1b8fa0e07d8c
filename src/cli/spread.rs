//! `playbook simulate --seeds N`: the spread of the forecast's spend over N seeds,
//! as a text section, a JSON object and CSV columns.

use std::num::NonZeroU32;

use playbook::app::run::RunFailure;
use playbook::app::simulate::{Forecast, SimulateRequest, simulate};
use playbook::app::spread::{MAX_SEEDS, Quantiles, Spread, simulate_seeds};
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use super::simulate::{fen, pad};

/// Parses `--seeds`: a whole number from 1 to [`MAX_SEEDS`].
pub fn parse_seeds(text: &str) -> Result<NonZeroU32, String> {
    let n: u32 = text
        .parse()
        .map_err(|_| format!("expected a number of seeds from 1 to {MAX_SEEDS}"))?;
    match NonZeroU32::new(n) {
        None => Err("at least 1 seed (the playbook's own) is run".to_owned()),
        Some(_) if n > MAX_SEEDS => Err(format!(
            "at most {MAX_SEEDS} seeds: each one is a whole run of the period"
        )),
        Some(n) => Ok(n),
    }
}

/// The forecast, and with `seeds` its spread over them.
pub fn forecast(
    request: &SimulateRequest<'_>,
    seeds: Option<NonZeroU32>,
) -> Result<(Forecast, Option<Spread>), RunFailure> {
    match seeds {
        None => simulate(request).map(|f| (f, None)),
        Some(n) => simulate_seeds(request, n).map(|(f, s)| (f, Some(s))),
    }
}

/// The text section after the forecast; `seed` is the playbook's.
pub fn text(s: &Spread, seed: &str) -> String {
    if !s.random {
        return format!(
            "\nspread over {} seeds: none, no lottery or experiment draws, so every seed \
             spends as above\n",
            s.seeds
        );
    }
    let mut out = format!(
        "\nspread over {} seeds (seed 0 is the forecast above, seed k draws with {:?})\n",
        s.seeds,
        // What `seed_of` makes of seed k.
        format!("{seed}#k")
    );
    let rows = s.days.iter().map(|(d, q)| (d.to_string(), q));
    out.push_str(&table("date", rows.chain([("total".to_owned(), &s.total)])));
    out.push('\n');
    out.push_str(&table("rule", s.rules.iter().map(|(r, q)| (r.clone(), q))));
    out
}

/// A table of quantiles, one row per name, names padded by display width.
fn table<'a>(head: &str, rows: impl Iterator<Item = (String, &'a Quantiles)>) -> String {
    let rows: Vec<(String, &Quantiles)> = rows.collect();
    let width = rows
        .iter()
        .map(|(name, _)| name.width())
        .max()
        .unwrap_or(0)
        .max(head.width());
    let mut out = format!(
        "{}  {:>12}  {:>12}  {:>12}  {:>12}\n",
        pad(head, width),
        "min",
        "p50",
        "p95",
        "max"
    );
    for (name, q) in rows {
        out.push_str(&format!(
            "{}  {:>12}  {:>12}  {:>12}  {:>12}\n",
            pad(&name, width),
            q.min.to_string(),
            q.p50.to_string(),
            q.p95.to_string(),
            q.max.to_string()
        ));
    }
    out
}

/// The `"seeds"` object of the JSON output.
pub fn json(s: &Spread) -> Value {
    let days: Vec<Value> = s
        .days
        .iter()
        .map(|(date, q)| quantiles(Some(date.to_string()), q))
        .collect();
    let rules: serde_json::Map<String, Value> = s
        .rules
        .iter()
        .map(|(rule, q)| (rule.clone(), quantiles(None, q)))
        .collect();
    let total = &s.total;
    json!({
        "n": s.seeds,
        "random": s.random,
        "total_fen": {"min": fen(total.min), "p50": fen(total.p50), "p95": fen(total.p95), "max": fen(total.max)},
        "days": days,
        "rules": rules,
    })
}

/// `{"date"?, "min_fen", "p50_fen", "p95_fen", "max_fen"}`.
fn quantiles(date: Option<String>, q: &Quantiles) -> Value {
    let mut map = serde_json::Map::new();
    if let Some(date) = date {
        map.insert("date".to_owned(), Value::from(date));
    }
    for (key, value) in [
        ("min_fen", q.min),
        ("p50_fen", q.p50),
        ("p95_fen", q.p95),
        ("max_fen", q.max),
    ] {
        map.insert(key.to_owned(), fen(value));
    }
    Value::Object(map)
}

/// The CSV columns the spread adds to each day's row.
pub const CSV_HEADER: &str = ",spend_min_fen,spend_p50_fen,spend_p95_fen,spend_max_fen";

/// The spread's cells of day `i`'s CSV row.
pub fn csv_cells(s: &Spread, i: usize) -> String {
    let q = s.days.get(i).map(|(_, q)| *q).unwrap_or_default();
    format!(",{},{},{},{}", q.min.0, q.p50.0, q.p95.0, q.max.0)
}
