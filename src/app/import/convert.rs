//! One cell → the value `run` reads, by the field's declared type. Nothing is guessed
//! or rounded: a cell that does not convert exactly is a message saying what was
//! expected. Money is read from its decimal text, never through a float.

use std::str::FromStr;

use chrono::{Datelike, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::dates::{When, date_text, duration_text, time_text};
use super::read::Cell;
use crate::check::types::{Base, Type};
use crate::value::SET_SEPARATOR;

/// What a money column's numbers count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MoneyUnit {
    /// Yuan, with up to two decimals (`12.50`, `¥1,234.50`, `12.5元`).
    #[default]
    Yuan,
    /// Whole fen (`1250`).
    Fen,
}

/// A converted value, before it becomes an SQL value or a JSON value of event data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// A missing value of an optional field: NULL, JSON `null`.
    Null,
    /// INTEGER: int, money (fen), duration (seconds).
    Int(i64),
    /// 0 or 1 in a column, `true`/`false` in event data.
    Bool(bool),
    /// TEXT: text, decimal, percent (`12.5%`), time, date, time of day.
    Text(String),
    /// A `set<text>`: elements trimmed, each once, in their first order.
    Set(Vec<String>),
}

/// The spellings of a missing value (ASCII letters in any case): a blank cell, `-`,
/// `--`, `—`, `——`, `null`, `N/A`. Words such as `无` are left alone: they can be
/// real values.
pub fn is_missing(cell: &Cell) -> bool {
    match cell {
        Cell::Empty => true,
        Cell::Text(t) => {
            let t = t.trim();
            matches!(t, "" | "-" | "--" | "—" | "——")
                || t.eq_ignore_ascii_case("null")
                || t.eq_ignore_ascii_case("n/a")
        }
        _ => false,
    }
}

/// A cell as the report shows it: its text as written, a number without a needless
/// `.0`, a date cell as `YYYY-MM-DD HH:MM:SS`.
pub fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(t) => t.clone(),
        Cell::Number(f) => f.to_string(),
        Cell::Int(i) => i.to_string(),
        Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Cell::When(t) => local_text(*t),
        Cell::Clock(t) => clock_text(*t),
        Cell::Error(e) => e.clone(),
    }
}

fn local_text(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn clock_text(t: NaiveTime) -> String {
    t.format("%H:%M:%S").to_string()
}

/// Converts cells for one playbook: its timezone, and the unit of money columns.
#[derive(Debug, Clone, Copy)]
pub struct Converter {
    /// The playbook's timezone: times with an offset are written in it.
    pub tz: Tz,
    /// What money numbers count.
    pub money: MoneyUnit,
}

impl Converter {
    /// Converts `cell` for a field of type `ty`.
    pub fn convert(&self, cell: &Cell, ty: &Type) -> Result<Stored, String> {
        if is_missing(cell) {
            return match (ty.optional, &ty.base) {
                (true, _) => Ok(Stored::Null),
                (false, Base::TextSet) => Ok(Stored::Set(Vec::new())),
                (false, _) => Err("missing value in a non-optional field".to_owned()),
            };
        }
        if let Cell::Error(e) = cell {
            return Err(format!("the spreadsheet cell holds the error {e}"));
        }
        match &ty.base {
            Base::Int => self.int(cell).map(Stored::Int),
            Base::Money => self.money(cell).map(Stored::Int),
            Base::Decimal => decimal(cell).map(|d| Stored::Text(d.to_string())),
            Base::Percent => percent(cell).map(Stored::Text),
            Base::Bool => boolean(cell).map(Stored::Bool),
            Base::Text => text(cell).map(Stored::Text),
            Base::Time => self.time(cell).map(Stored::Text),
            Base::Date => date(cell).map(Stored::Text),
            Base::Duration => duration(cell).map(Stored::Int),
            Base::TimeOfDay => time_of_day(cell).map(Stored::Text),
            Base::TextSet => text_set(cell).map(Stored::Set),
            Base::List(_) | Base::Error => {
                Err(format!("a field of type {} cannot be imported", ty.base))
            }
        }
    }

    fn int(&self, cell: &Cell) -> Result<i64, String> {
        match cell {
            Cell::Int(i) => Ok(*i),
            Cell::Number(f) => whole_number(*f),
            Cell::Text(t) => int_text(&unquote(t)),
            _ => Err("expected a whole number like `12` or `1,200`".to_owned()),
        }
    }

    fn money(&self, cell: &Cell) -> Result<i64, String> {
        match (self.money, cell) {
            (MoneyUnit::Fen, Cell::Int(i)) => Ok(*i),
            (MoneyUnit::Fen, Cell::Number(f)) => whole_number(*f),
            (MoneyUnit::Fen, Cell::Text(t)) => int_text(&unquote(t))
                .map_err(|_| "expected whole fen like `1250` (--money fen)".to_owned()),
            (MoneyUnit::Yuan, Cell::Int(i)) => {
                i.checked_mul(100).ok_or_else(|| TOO_LARGE.to_owned())
            }
            // The shortest text that reads back as the same float is the decimal the
            // spreadsheet holds (`12.5`, `0.1`); a float sum like `0.30000000000000004`
            // keeps its digits and is refused for its decimals, never rounded.
            (MoneyUnit::Yuan, Cell::Number(f)) => yuan_text(&f.to_string()),
            (MoneyUnit::Yuan, Cell::Text(t)) => yuan_text(&unquote(t)),
            _ => Err("expected an amount of yuan like `12.50` or `¥1,234.50`".to_owned()),
        }
    }

    fn time(&self, cell: &Cell) -> Result<String, String> {
        let local = self.local_time(cell)?;
        // An offset or Unix seconds near the ends of the range can land outside it
        // once in the playbook's timezone; `run` reads years 1900 to 9999 only.
        if !(1900..=9999).contains(&local.year()) {
            return Err(format!(
                "year {} in the playbook's timezone is outside 1900 to 9999",
                local.year()
            ));
        }
        Ok(local_text(local))
    }

    fn local_time(&self, cell: &Cell) -> Result<NaiveDateTime, String> {
        match cell {
            Cell::When(t) => Ok(*t),
            Cell::Clock(_) => Err(
                "a time of day without a date: a time needs its day (format the column as a date and time)"
                    .to_owned(),
            ),
            Cell::Text(t) => match time_text(&unquote(t))? {
                When::Local(t) => Ok(t),
                When::Instant(secs) => Ok(crate::time::instant_local(self.tz, secs)),
            },
            Cell::Int(_) | Cell::Number(_) => {
                Err("a number, not a date cell: format the column as a date or text".to_owned())
            }
            _ => Err("expected a time like `2026-05-01 09:05:00`".to_owned()),
        }
    }
}

const TOO_LARGE: &str = "out of range: too large an amount";

/// An integral float as an `i64`, when it fits; floats beyond 2^53 are no longer
/// exact, so they are refused rather than read as some nearby number.
fn whole_number(f: f64) -> Result<i64, String> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.fract() != 0.0 {
        return Err(format!("not a whole number: {f}"));
    }
    if !(-EXACT..=EXACT).contains(&f) {
        return Err("a number this large is not exact in a spreadsheet: store it as text".into());
    }
    Ok(f as i64)
}

/// Text with `="…"` (the spelling exports use to keep long numbers as text in Excel)
/// reduced to what is inside, and surrounding white space dropped.
fn unquote(text: &str) -> String {
    let t = text.trim();
    t.strip_prefix("=\"")
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(t)
        .trim()
        .to_owned()
}

/// A sign, then digits in groups of three (`1,234`) or not, as text.
fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, text[1..].trim_start()),
        Some(b'+') => (false, text[1..].trim_start()),
        _ => (false, text),
    }
}

/// The digits of a whole part, with thousands separators checked and removed.
fn whole_digits(whole: &str) -> Option<String> {
    let groups: Vec<&str> = whole.split(',').collect();
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let well_grouped =
        groups.len() == 1 || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
    (well_grouped && groups.iter().all(|g| digits(g))).then(|| groups.concat())
}

/// `12`, `-3`, `1,200`, `12.0`: a whole number written as text.
pub fn int_text(text: &str) -> Result<i64, String> {
    const EXPECTED: &str = "expected a whole number like `12` or `1,200`";
    let (negative, rest) = split_sign(text);
    let (whole, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let digits = whole_digits(whole).ok_or_else(|| EXPECTED.to_owned())?;
    if !frac.bytes().all(|b| b == b'0') {
        return Err(format!("not a whole number: {EXPECTED}"));
    }
    let n: i64 = digits
        .parse()
        .map_err(|_| "out of range for an int".to_owned())?;
    Ok(if negative { -n } else { n })
}

/// Yuan as written by shops → fen, exactly: `12.50`, `¥12.5`, `￥1,234.50`,
/// `12元`, `-¥3.00`. Decimals beyond the second must be zeros.
pub fn yuan_text(text: &str) -> Result<i64, String> {
    const EXPECTED: &str = "expected an amount of yuan like `12.50` or `¥1,234.50`";
    let t = text.trim();
    let (negative, t) = split_sign(t);
    let t = t.strip_prefix(['¥', '￥']).unwrap_or(t).trim_start();
    let (negative, t) = match split_sign(t) {
        (true, rest) if !negative => (true, rest),
        (false, _) => (negative, t),
        (true, _) => return Err(EXPECTED.to_owned()),
    };
    let t = t.strip_suffix('元').unwrap_or(t).trim_end();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = whole_digits(whole).ok_or_else(|| EXPECTED.to_owned())?;
    if t.contains('.') && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
        return Err(EXPECTED.to_owned());
    }
    let (cents, rest) = frac.split_at(frac.len().min(2));
    if !rest.bytes().all(|b| b == b'0') {
        return Err(format!(
            "more than two decimals: `{t}` is not a whole number of fen (never rounded)"
        ));
    }
    let yuan: i64 = digits.parse().map_err(|_| TOO_LARGE.to_owned())?;
    let cents: i64 = format!("{cents:0<2}").parse().unwrap_or(0);
    let fen = yuan
        .checked_mul(100)
        .and_then(|y| y.checked_add(cents))
        .ok_or_else(|| TOO_LARGE.to_owned())?;
    Ok(if negative { -fen } else { fen })
}

fn decimal(cell: &Cell) -> Result<Decimal, String> {
    let text = match cell {
        Cell::Int(i) => return Ok(Decimal::from(*i)),
        Cell::Number(f) => f.to_string(),
        Cell::Text(t) => unquote(t),
        _ => String::new(),
    };
    let (negative, rest) = split_sign(&text);
    let (whole, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let Some(digits) = whole_digits(whole).filter(|_| frac.bytes().all(|b| b.is_ascii_digit()))
    else {
        return Err("expected a decimal number like `12.75`".to_owned());
    };
    // The value exactly, without the zeros that change nothing: what the decimal read
    // must print, or it was rounded.
    let whole = digits.trim_start_matches('0');
    let frac_digits = frac.trim_end_matches('0');
    let exact = match (whole.is_empty(), frac_digits.is_empty()) {
        (true, true) => "0".to_owned(),
        (true, false) => format!("0.{frac_digits}"),
        (false, true) => whole.to_owned(),
        (false, false) => format!("{whole}.{frac_digits}"),
    };
    let sign = if negative && exact != "0" { "-" } else { "" };
    let exact = format!("{sign}{exact}");
    let point = if frac.is_empty() { "" } else { "." };
    match Decimal::from_str(&format!("{sign}{digits}{point}{frac}")) {
        Ok(d) if d.normalize().to_string() == exact => Ok(d),
        Ok(_) if whole.len() + frac_digits.len() > 28 => Err(format!(
            "{} digits: a decimal holds at most 28 exactly (never rounded)",
            whole.len() + frac_digits.len()
        )),
        Ok(_) => Err("more decimals than a decimal holds exactly (never rounded)".to_owned()),
        Err(_) if whole.len() >= 29 => Err(format!(
            "out of range: a decimal is below 79,228,162,514,264,337,593,543,950,335 (29 digits), and this has {} digits before the point",
            whole.len()
        )),
        Err(_) => Err(format!(
            "{} digits: a decimal holds at most 28 exactly (never rounded)",
            whole.len() + frac_digits.len()
        )),
    }
}

/// `12.5%` → `12.5%`, checked to hold at most two decimals (0.01%). A bare number is
/// refused: `0.3` could mean 0.3% or 30%.
fn percent(cell: &Cell) -> Result<String, String> {
    let Cell::Text(t) = cell else {
        return Err("a bare number is ambiguous (0.3 could be 0.3% or 30%): write `30%`".into());
    };
    let t = unquote(t);
    let Some(number) = t.strip_suffix(['%', '％']) else {
        return Err("a percent needs its % sign, like `12.5%` (a bare `0.3` is ambiguous)".into());
    };
    let number = number.trim_end();
    let value = decimal(&Cell::Text(number.to_owned()))
        .map_err(|e| {
            if e.starts_with("expected") {
                "expected a percent like `12.5%`".to_owned()
            } else {
                e
            }
        })?
        .normalize();
    if value.scale() > 2 {
        return Err("more than two decimals: a percent is exact to 0.01%".into());
    }
    // `run` reads a percent as whole basis points (0.01%) in 64 bits.
    let in_range = value
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|points| points.to_i64())
        .is_some();
    if !in_range {
        return Err(format!(
            "out of range for a percent: at most {}% either way",
            i64::MAX / 100
        ));
    }
    Ok(format!("{value}%"))
}

fn boolean(cell: &Cell) -> Result<bool, String> {
    const EXPECTED: &str = "expected 是/否, true/false, 1/0 or Y/N";
    match cell {
        Cell::Bool(b) => Ok(*b),
        Cell::Int(0) => Ok(false),
        Cell::Int(1) => Ok(true),
        Cell::Number(f) if *f == 0.0 => Ok(false),
        Cell::Number(f) if *f == 1.0 => Ok(true),
        Cell::Text(t) => {
            let t = unquote(t).to_ascii_lowercase();
            match t.as_str() {
                "是" | "true" | "1" | "y" | "yes" => Ok(true),
                "否" | "false" | "0" | "n" | "no" => Ok(false),
                _ => Err(EXPECTED.to_owned()),
            }
        }
        _ => Err(EXPECTED.to_owned()),
    }
}

/// Text as written, without surrounding white space (exports pad numbers with tabs
/// to keep spreadsheets from reading them). A number cell is its digits: a phone
/// number stays `13800138000`.
fn text(cell: &Cell) -> Result<String, String> {
    match cell {
        Cell::Text(t) => Ok(unquote(t)),
        Cell::Int(i) => Ok(i.to_string()),
        // Excel keeps 15 significant digits: a longer number (an ID card number) has
        // already lost digits, and must be stored as text in the workbook.
        Cell::Number(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(format!("{}", *f as i64)),
        Cell::Number(f) if f.fract() == 0.0 => Err(
            "a number of more than 15 digits has lost digits in the spreadsheet: store the column as text"
                .to_owned(),
        ),
        Cell::Number(f) => Ok(f.to_string()),
        Cell::Bool(b) => Ok(b.to_string()),
        Cell::When(t) => Ok(local_text(*t)),
        Cell::Clock(t) => Ok(clock_text(*t)),
        Cell::Empty | Cell::Error(_) => Err("expected text".to_owned()),
    }
}

fn date(cell: &Cell) -> Result<String, String> {
    match cell {
        Cell::When(t) if t.time() == NaiveTime::MIN => Ok(t.date().to_string()),
        Cell::When(_) => Err("a date is a day: the cell has a time of day".to_owned()),
        Cell::Clock(_) => Err("a time of day, not a date: the cell has no date part".to_owned()),
        Cell::Text(t) => date_text(&unquote(t)).map(|d| d.to_string()),
        _ => Err("a number, not a date cell: format the column as a date or text".to_owned()),
    }
}

fn duration(cell: &Cell) -> Result<i64, String> {
    match cell {
        Cell::Int(i) => Ok(*i),
        Cell::Number(f) => whole_number(*f),
        Cell::Text(t) => duration_text(&unquote(t)),
        _ => Err("expected a duration like `30d` or `2小时`".to_owned()),
    }
}

fn time_of_day(cell: &Cell) -> Result<String, String> {
    match cell {
        Cell::When(t) => Ok(t.time().format("%H:%M").to_string()),
        Cell::Clock(t) => Ok(t.format("%H:%M").to_string()),
        Cell::Text(t) => {
            let t = unquote(t);
            crate::syntax::literal::time_of_day(&t).map(|c| c.format("%H:%M").to_string())
        }
        _ => Err("expected a time of day like `20:00`".to_owned()),
    }
}

/// Elements separated by `,` `，` `;` `；` `|` or `、`, or a JSON array of strings.
fn text_set(cell: &Cell) -> Result<Vec<String>, String> {
    let raw: Vec<String> = match cell {
        Cell::Text(t) if t.trim_start().starts_with('[') => {
            match serde_json::from_str::<Vec<String>>(t.trim()) {
                Ok(items) => items,
                Err(_) => {
                    return Err("expected a JSON array of strings like `[\"a\", \"b\"]`".into());
                }
            }
        }
        Cell::Text(t) => t
            .split([',', '，', ';', '；', '|', '、'])
            .map(str::to_owned)
            .collect(),
        other => vec![text(other)?],
    };
    let mut out: Vec<String> = Vec::new();
    for element in raw {
        let element = element.trim();
        if element.contains(SET_SEPARATOR) {
            return Err("a set element holds the control character U+001F".to_owned());
        }
        if !element.is_empty() && !out.iter().any(|e| e == element) {
            out.push(element.to_owned());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_cell(t: &str) -> Cell {
        Cell::Text(t.to_owned())
    }

    #[test]
    fn yuan_becomes_exact_fen() {
        for (text, fen) in [
            ("12.50", 1250),
            ("12.5", 1250),
            ("¥12.5", 1250),
            ("￥1,234.50", 123_450),
            ("12元", 1200),
            ("-¥3.00", -300),
            ("¥-3", -300),
            ("0.01", 1),
            ("1,234,567.89", 123_456_789),
            ("12.500", 1250),
            (" 7 ", 700),
        ] {
            assert_eq!(yuan_text(text), Ok(fen), "{text}");
        }
        for text in [
            "12.345", "1,23.00", "12.", ".5", "1.2万", "abc", "--3", "¥", "12,3",
        ] {
            assert!(yuan_text(text).is_err(), "{text}");
        }
        assert!(yuan_text("0.125").unwrap_err().contains("never rounded"));
    }

    #[test]
    fn money_cells_of_a_workbook_keep_their_decimals() {
        let c = Converter {
            tz: chrono_tz::Asia::Shanghai,
            money: MoneyUnit::Yuan,
        };
        let money = Type::required(Base::Money);
        assert_eq!(c.convert(&Cell::Number(0.1), &money), Ok(Stored::Int(10)));
        assert_eq!(
            c.convert(&Cell::Number(199.99), &money),
            Ok(Stored::Int(19_999))
        );
        assert!(c.convert(&Cell::Number(0.1 + 0.2), &money).is_err());
        let fen = Converter {
            money: MoneyUnit::Fen,
            ..c
        };
        assert_eq!(
            fen.convert(&text_cell("1,250"), &money),
            Ok(Stored::Int(1250))
        );
        assert!(fen.convert(&text_cell("12.50"), &money).is_err());
    }

    #[test]
    fn missing_values_are_null_only_where_optional() {
        let c = Converter {
            tz: chrono_tz::Asia::Shanghai,
            money: MoneyUnit::Yuan,
        };
        for spelling in ["", " ", "-", "—", "null", "NULL", "N/A"] {
            let cell = text_cell(spelling);
            assert_eq!(
                c.convert(&cell, &Type::optional(Base::Time)),
                Ok(Stored::Null)
            );
            assert!(c.convert(&cell, &Type::required(Base::Int)).is_err());
            assert_eq!(
                c.convert(&cell, &Type::required(Base::TextSet)),
                Ok(Stored::Set(vec![]))
            );
        }
        assert_eq!(
            c.convert(&text_cell("无"), &Type::required(Base::Text)),
            Ok(Stored::Text("无".into()))
        );
    }

    #[test]
    fn ints_percents_bools_and_decimals_as_text() {
        assert_eq!(int_text("1,200"), Ok(1200));
        assert_eq!(int_text("-12"), Ok(-12));
        assert_eq!(int_text("12.00"), Ok(12));
        assert!(int_text("12.5").is_err());
        assert!(int_text("12,00").is_err());
        assert_eq!(percent(&text_cell("12.5%")), Ok("12.5%".into()));
        assert_eq!(percent(&text_cell("30.00 %")), Ok("30%".into()));
        assert!(percent(&text_cell("0.3")).is_err());
        assert!(percent(&text_cell("12.345%")).is_err());
        assert!(percent(&Cell::Number(0.3)).is_err());
        for (t, b) in [
            ("是", true),
            ("否", false),
            ("TRUE", true),
            ("n", false),
            ("1", true),
        ] {
            assert_eq!(boolean(&text_cell(t)), Ok(b), "{t}");
        }
        assert!(boolean(&text_cell("2")).is_err());
        assert_eq!(
            decimal(&text_cell("1,234.5")).map(|d| d.to_string()),
            Ok("1234.5".into())
        );
        assert_eq!(
            decimal(&Cell::Number(0.1)).map(|d| d.to_string()),
            Ok("0.1".into())
        );
        assert!(decimal(&text_cell("1e3x")).is_err());
        // Exact or refused: never rounded to what a decimal holds.
        assert_eq!(
            decimal(&text_cell("-0.1000")).map(|d| d.to_string()),
            Ok("-0.1000".into())
        );
        assert_eq!(
            decimal(&text_cell("79228162514264337593543950335")).map(|d| d.to_string()),
            Ok("79228162514264337593543950335".into())
        );
        assert_eq!(
            decimal(&text_cell("0.1234567890123456789012345678901234567890")),
            Err("39 digits: a decimal holds at most 28 exactly (never rounded)".into())
        );
        assert!(
            decimal(&text_cell("99999999999999999999999999999"))
                .unwrap_err()
                .starts_with(
                    "out of range: a decimal is below 79,228,162,514,264,337,593,543,950,335"
                )
        );
        assert_eq!(
            percent(&text_cell("100000000000000000000%")),
            Err("out of range for a percent: at most 92233720368547758% either way".into())
        );
        assert_eq!(percent(&text_cell("-0.00%")), Ok("0%".into()));
    }

    #[test]
    fn numbers_in_workbooks_are_text_without_a_fraction() {
        assert_eq!(
            text(&Cell::Number(13_800_138_000.0)),
            Ok("13800138000".into())
        );
        assert_eq!(text(&Cell::Int(42)), Ok("42".into()));
        assert!(text(&Cell::Number(110_101_199_001_011_234.0)).is_err());
        assert_eq!(
            text(&text_cell("=\"2026050100123\"")),
            Ok("2026050100123".into())
        );
        assert_eq!(text(&text_cell("\t13800138000")), Ok("13800138000".into()));
    }

    #[test]
    fn sets_split_on_every_separator_shops_use() {
        let set = |t: &str| text_set(&text_cell(t));
        let want: Vec<String> = vec!["新客".into(), "高价值".into(), "抖音".into()];
        for t in [
            "新客,高价值,抖音",
            "新客，高价值，抖音",
            "新客; 高价值;抖音",
            "新客|高价值|抖音|新客",
            "新客、高价值、抖音",
            "[\"新客\", \"高价值\", \"抖音\"]",
        ] {
            assert_eq!(set(t), Ok(want.clone()), "{t}");
        }
        assert!(set("[1, 2]").is_err());
        assert!(set("a\u{1f}b").is_err());
    }

    #[test]
    fn times_past_the_years_run_reads_are_bad_values() {
        let c = Converter {
            tz: chrono_tz::Asia::Shanghai,
            money: MoneyUnit::Yuan,
        };
        let time = Type::required(Base::Time);
        for late in ["9999-12-31 23:00Z", "253402300799"] {
            let err = c.convert(&text_cell(late), &time).unwrap_err();
            assert!(err.contains("year 10000"), "{late}: {err}");
        }
        assert!(c.convert(&text_cell("9999-12-31 15:00Z"), &time).is_ok());
    }

    #[test]
    fn times_with_an_offset_are_written_in_the_playbook_timezone() {
        let c = Converter {
            tz: chrono_tz::Asia::Shanghai,
            money: MoneyUnit::Yuan,
        };
        let time = Type::required(Base::Time);
        assert_eq!(
            c.convert(&text_cell("2026-05-01T01:05:00Z"), &time),
            Ok(Stored::Text("2026-05-01 09:05:00".into()))
        );
        assert_eq!(
            c.convert(&text_cell("2026/5/1 9:05"), &time),
            Ok(Stored::Text("2026-05-01 09:05:00".into()))
        );
        assert!(c.convert(&Cell::Number(46143.0), &time).is_err());
        let date = Type::required(Base::Date);
        assert_eq!(
            c.convert(&text_cell("2026年5月1日"), &date),
            Ok(Stored::Text("2026-05-01".into()))
        );
    }
}
