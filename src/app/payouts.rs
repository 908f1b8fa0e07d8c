//! Reading a payment channel's results for `playbook payouts ack`: a CSV file with
//! the header `payout_id,status[,reason][,at]`, or JSON lines with those keys. Every
//! line is checked before anything is recorded; each problem names its line. And
//! what a playbook's grants come to by where their payouts stand.

use std::path::Path;

use chrono_tz::Tz;

use crate::ledger::payout::PAYOUT_ID_LEN;
use crate::ledger::payouts::{Ack, Status};
use crate::ledger::{Ledger, LedgerError};
use crate::money::FenSum;
use crate::time::{Period, period_key};

/// Reads the results in `path` (JSON lines when its name ends in `.jsonl` or
/// `.json`, CSV otherwise). Errors are `FILE:LINE: what is wrong`, every one found.
pub fn read_acks(path: &Path) -> Result<Vec<Ack>, Vec<String>> {
    let name = path.display().to_string();
    let text = crate::source::read_source(path).map_err(|e| vec![format!("{name}: {e}")])?;
    let jsonl = path
        .extension()
        .is_some_and(|e| e == "jsonl" || e == "json");
    let rows = if jsonl {
        json_rows(&text)
    } else {
        csv_rows(&text)
    };
    let rows = rows.map_err(|(line, e)| vec![format!("{name}:{line}: {e}")])?;
    let mut acks = Vec::new();
    let mut errors = Vec::new();
    for (line, fields) in rows {
        match ack(&fields) {
            Ok(a) => acks.push(a),
            Err(e) => errors.push(format!("{name}:{line}: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(acks)
    } else {
        Err(errors)
    }
}

/// The fields of one result: payout id, status, reason, at.
type Fields = [String; 4];

fn ack([id, status, reason, at]: &Fields) -> Result<Ack, String> {
    let id_ok = id.len() == PAYOUT_ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric());
    if !id_ok {
        return Err(format!(
            "`{id}` is not a payout id ({PAYOUT_ID_LEN} letters and digits)"
        ));
    }
    let words: Vec<&str> = Status::ALL[1..].iter().map(|s| s.as_str()).collect();
    let status = match Status::parse(status.trim()) {
        Some(Status::Pending) | None => {
            return Err(format!(
                "status `{status}` is not one of {}",
                words.join(", ")
            ));
        }
        Some(s) => s,
    };
    if status == Status::Failed && reason.trim().is_empty() {
        return Err("a failed payout needs a reason".into());
    }
    Ok(Ack {
        payout_id: id.clone(),
        status,
        reason: reason.trim().to_owned(),
        at: at.trim().to_owned(),
    })
}

fn csv_rows(text: &str) -> Result<Vec<(usize, Fields)>, (usize, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let headers = reader.headers().map_err(|e| (1, e.to_string()))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(id), Some(status)) = (column("payout_id"), column("status")) else {
        return Err((
            1,
            "the header must name `payout_id` and `status` (and may name `reason`, `at`)".into(),
        ));
    };
    let (reason, at) = (column("reason"), column("at"));
    let mut out = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| (e.position().map_or(0, |p| p.line() as usize), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let get = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").to_owned();
        out.push((
            line,
            [get(Some(id)), get(Some(status)), get(reason), get(at)],
        ));
    }
    Ok(out)
}

fn json_rows(text: &str) -> Result<Vec<(usize, Fields)>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| (i + 1, format!("not JSON: {e}")))?;
        let get = |key: &str| {
            value
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        out.push((
            i + 1,
            [get("payout_id"), get("status"), get("reason"), get("at")],
        ));
    }
    Ok(out)
}

/// What a playbook's grants in a ledger come to by where their payouts stand: the
/// run summary's `--confirmed-spend`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutSpend {
    /// Money by status, every status in [`Status::ALL`] order.
    pub by_status: Vec<(Status, FenSum)>,
    /// Per budget window (`total`, `day`, `week`, `month`), the confirmed money in
    /// the window's period that contains the run's `at`.
    pub confirmed_in: Vec<(&'static str, FenSum)>,
}

impl PayoutSpend {
    /// The confirmed money in one budget window.
    pub fn confirmed(&self, window: &str) -> Option<FenSum> {
        self.confirmed_in
            .iter()
            .find(|(w, _)| *w == window)
            .map(|(_, v)| *v)
    }
}

/// Sums the grants recorded under `names` by payout status, and the confirmed ones
/// per budget window (`windows`: `total`, `day`, `week` or `month`) at `at`.
pub fn payout_spend(
    ledger: &Ledger,
    names: &[String],
    tz: Tz,
    at: i64,
    windows: &[&'static str],
) -> Result<PayoutSpend, LedgerError> {
    let mut by_status: Vec<(Status, FenSum)> =
        Status::ALL.iter().map(|s| (*s, FenSum::ZERO)).collect();
    let mut confirmed_in: Vec<(&'static str, FenSum)> =
        windows.iter().map(|w| (*w, FenSum::ZERO)).collect();
    for p in ledger.payouts()? {
        if !names.contains(&p.playbook) {
            continue;
        }
        if let Some((_, sum)) = by_status.iter_mut().find(|(s, _)| *s == p.status) {
            *sum = sum.plus(p.value);
        }
        if p.status != Status::Confirmed {
            continue;
        }
        for (window, sum) in &mut confirmed_in {
            let inside = match period_of(window) {
                None => true,
                Some(period) => period_key(tz, p.at, period) == period_key(tz, at, period),
            };
            if inside {
                *sum = sum.plus(p.value);
            }
        }
    }
    Ok(PayoutSpend {
        by_status,
        confirmed_in,
    })
}

fn period_of(window: &str) -> Option<Period> {
    match window {
        "day" => Some(Period::Day),
        "week" => Some(Period::Week),
        "month" => Some(Period::Month),
        _ => None,
    }
}
