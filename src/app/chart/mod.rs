//! A forecast as a picture: one SVG of three panels over the days of the period —
//! spend to date against the budget, each day's spend by rule, and each day's
//! refused firings by reason — drawn with plotters.
//!
//! Text is laid out by whoever shows the SVG: it names a list of fonts that covers
//! Chinese, so nothing here reads a font file, and the same forecast always gives
//! the same bytes (the README's chart is checked against a fresh one).

mod draw;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::app::simulate::{Forecast, local_time};
use crate::interpret::grant::Reason;

pub use draw::{HEIGHT, WIDTH};

/// Rules shown by name in the daily panel; the rest are summed as one.
const MAX_RULES: usize = 9;
/// Widest legend entry, in terminal cells (a Chinese character is two).
const MAX_LABEL: usize = 30;

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart: {0}")]
pub struct ChartError(String);

/// The forecast of `name` (the playbook's name, shown in the title with the
/// period) as a standalone SVG document.
pub fn forecast_svg(forecast: &Forecast, name: &str) -> Result<String, ChartError> {
    let mut svg = String::new();
    draw::picture(
        &mut svg,
        forecast,
        &Panels::of(forecast),
        &title(forecast, name),
    )?;
    Ok(svg)
}

/// The same chart inline in a small HTML page, for a browser.
pub fn forecast_html(forecast: &Forecast, name: &str) -> Result<String, ChartError> {
    let svg = forecast_svg(forecast, name)?;
    let title = escape_html(&title(forecast, name));
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n<style>body {{ margin: 24px; font-family: {}; }}</style>\n\
         </head>\n<body>\n{svg}</body>\n</html>\n",
        draw::FONTS
    ))
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn title(forecast: &Forecast, name: &str) -> String {
    format!(
        "{name} — forecast {} to {}",
        forecast.from.format("%Y-%m-%d"),
        forecast.to.format("%Y-%m-%d")
    )
}

/// The numbers the panels draw, one entry per day of the forecast, money in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Panels {
    /// Each day as the axis shows it (`MM-DD`).
    labels: Vec<String>,
    /// Spend from the first day to the end of each day.
    cumulative: Vec<i128>,
    /// The total budget.
    total: Option<i128>,
    /// The daily budget.
    per_day: Option<i128>,
    /// The daily budget times the days so far, no more than the total budget: what
    /// the budgets allowed to be spent by the end of each day.
    allowance: Option<Vec<i128>>,
    /// The day a budget first refused a firing, and what the chart says of it.
    exhausted: Option<(usize, String)>,
    /// Daily spend of each rule that spent something, in declaration order; past
    /// [`MAX_RULES`] the smallest spenders are summed as one series.
    rules: Vec<(String, Vec<i128>)>,
    /// Whether the last of `rules` sums the rules left out.
    others: bool,
    /// Refused firings per day of each reason that refused any.
    reasons: Vec<(Reason, Vec<u64>)>,
}

impl Panels {
    fn of(f: &Forecast) -> Panels {
        let labels = f
            .days
            .iter()
            .map(|(d, _)| d.format("%m-%d").to_string())
            .collect();
        let cumulative = f
            .days
            .iter()
            .scan(0i128, |sum, (_, d)| {
                *sum = sum.saturating_add(d.spend.0);
                Some(*sum)
            })
            .collect();
        let total = f.budget_total.map(|b| i128::from(b.0));
        let per_day = f.budget_per_day.map(|b| i128::from(b.0));
        let allowance = per_day.map(|p| {
            (1..=f.days.len() as i128)
                .map(|n| {
                    let a = p.saturating_mul(n);
                    total.map_or(a, |t| a.min(t))
                })
                .collect()
        });
        let exhausted = f.budget_exhausted.as_ref().and_then(|e| {
            let i = f.days.iter().position(|(d, _)| *d == e.date)?;
            let when = format!(
                "{} {}",
                e.date.format("%m-%d"),
                local_time(f.timezone, e.at)
            );
            Some((i, format!("budget ran out {when}")))
        });
        let (rules, others) = rule_series(f);
        Panels {
            labels,
            cumulative,
            total,
            per_day,
            allowance,
            exhausted,
            rules,
            others,
            reasons: Reason::ALL
                .iter()
                .map(|r| {
                    let per_day: Vec<u64> = f
                        .days
                        .iter()
                        .map(|(_, d)| d.refusals.get(r).copied().unwrap_or(0))
                        .collect();
                    (*r, per_day)
                })
                .filter(|(_, counts)| counts.iter().any(|&n| n > 0))
                .collect(),
        }
    }
}

/// Each spending rule's daily spend, and whether the last series sums the rules
/// left out.
fn rule_series(f: &Forecast) -> (Vec<(String, Vec<i128>)>, bool) {
    let series: Vec<(String, Vec<i128>)> = f
        .rules
        .iter()
        .filter(|(_, t)| t.spend.0 != 0)
        .map(|(rule, _)| {
            let daily = f
                .days
                .iter()
                .map(|(_, d)| d.by_rule.get(rule).map_or(0, |(_, v)| v.0))
                .collect();
            (rule.clone(), daily)
        })
        .collect();
    if series.len() <= MAX_RULES {
        return (series, false);
    }
    // The biggest spenders keep their names (and declaration order); the rest are
    // one grey series, so the legend fits and every day still adds up.
    let mut by_spend: Vec<(usize, i128)> = series
        .iter()
        .enumerate()
        .map(|(i, (_, daily))| (i, daily.iter().sum()))
        .collect();
    by_spend.sort_by_key(|&(i, spend)| (std::cmp::Reverse(spend), i));
    let named: Vec<usize> = by_spend
        .iter()
        .take(MAX_RULES - 1)
        .map(|&(i, _)| i)
        .collect();
    let others = series.len() - named.len();
    let mut rest = vec![0i128; f.days.len()];
    let mut kept = Vec::new();
    for (i, (rule, daily)) in series.into_iter().enumerate() {
        if named.contains(&i) {
            kept.push((rule, daily));
        } else {
            for (sum, v) in rest.iter_mut().zip(daily) {
                *sum = sum.saturating_add(v);
            }
        }
    }
    kept.push((format!("{others} other rules"), rest));
    (kept, true)
}

/// Evenly spaced ticks from 0 to at least `highest` (fen, or a count), at most
/// eight of them, at round steps (1, 2 or 5 times a power of ten, and 2.5 for
/// money): the top of the axis is the last tick. In integers, so the same numbers
/// always give the same axis.
fn ticks(highest: i128, money: bool) -> Vec<i128> {
    let highest = highest.max(if money { 100 } else { 1 });
    let mut step = highest;
    let mut power: i128 = 1;
    'search: loop {
        // Tenths of the power: 2.5 only where it is a whole number of fen.
        for tenths in [10, 20, 25, 50] {
            if tenths == 25 && (!money || power < 10) {
                continue;
            }
            let s = power * tenths / 10;
            if div_ceil(highest, s) <= 7 {
                step = s;
                break 'search;
            }
        }
        match power.checked_mul(100) {
            Some(_) => power *= 10,
            None => break,
        }
    }
    (0..=div_ceil(highest, step)).map(|k| k * step).collect()
}

/// `a / b` rounded up, for positive numbers.
fn div_ceil(a: i128, b: i128) -> i128 {
    a / b + i128::from(a % b != 0)
}

/// Each day's sum over the series.
fn stacked<T: Copy + std::iter::Sum<T>>(series: &[&[T]], days: usize) -> Vec<T> {
    (0..days)
        .map(|i| series.iter().filter_map(|s| s.get(i).copied()).sum())
        .collect()
}

/// `1 grant`, `2 grants`.
fn plural(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Fen as yuan, for an axis.
fn yuan(fen: i128) -> f64 {
    fen as f64 / 100.0
}

/// A legend entry cut to [`MAX_LABEL`] cells, so a long rule name stays in its column.
fn fit(label: &str) -> String {
    if label.width() <= MAX_LABEL {
        return label.to_owned();
    }
    let mut width = 0;
    let mut out = String::new();
    for c in label.chars() {
        width += c.width().unwrap_or(0);
        if width > MAX_LABEL - 1 {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests;
