//! Reading literal tokens: money, rates, durations, dates, times, strings.
//!
//! The grammar only decides the shape of a token; these functions decide whether its
//! value is valid and say why not in a form the builder turns into `invalid-literal`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::ast::{Duration, DurationUnit};
use crate::money::{self, Fen, LiteralError, Rate};

/// Reads `¥1,000.50` / `￥12` (a full-width `，` groups digits too).
pub fn money(text: &str) -> Result<Fen, String> {
    let digits = text.trim_start_matches(['¥', '￥']).replace('，', ",");
    money::parse_money_digits(&digits).map_err(|e| match e {
        LiteralError::TooManyDecimals => {
            format!("`{text}` has more than two decimals; money is exact to the fen (¥0.01)")
        }
        LiteralError::BadGrouping => {
            format!("`{text}` is grouped oddly; commas go between groups of three digits")
        }
        LiteralError::TooLarge => format!("`{text}` is too large"),
    })
}

/// Reads `12.5%` (or `12.5％`) into basis points.
pub fn percent(text: &str) -> Result<Rate, String> {
    money::parse_percent_digits(text.trim_end_matches(['%', '％'])).map_err(|e| match e {
        LiteralError::TooManyDecimals => {
            format!("`{text}` has more than two decimals; rates are exact to 0.01%")
        }
        _ => format!("`{text}` is too large"),
    })
}

/// Reads `7折` (pay 70%) into the rate paid. `0折` and `10折` or more are errors.
pub fn zhe(text: &str) -> Result<Rate, String> {
    let digits = text.trim_end_matches('折');
    // 7折 = 70%, 8.5折 = 85%: one 折 is 10%, i.e. 1000 bp, so two decimals of 折 are
    // exact in basis points with one to spare.
    let paid = money::scaled(digits, 3).map_err(|_| format!("`{text}` has too many decimals"))?;
    if paid <= 0 || paid >= 10_000 {
        return Err(format!(
            "`{text}` is not a discount: 折 runs from above 0 to below 10 (`9折` pays 90%)"
        ));
    }
    Ok(Rate(paid))
}

/// Reads `30d`, `2h`, `15m`, `1w`.
pub fn duration(text: &str) -> Result<Duration, String> {
    let (digits, unit) = text.split_at(text.len() - 1);
    let unit = match unit {
        "m" => DurationUnit::Minutes,
        "h" => DurationUnit::Hours,
        "d" => DurationUnit::Days,
        _ => DurationUnit::Weeks,
    };
    digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(unit.seconds()))
        .map(|seconds| Duration { seconds, unit })
        .ok_or_else(|| format!("`{text}` is too long"))
}

/// Reads `2026-04-18`.
pub fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a calendar date"))
}

/// Reads `20:00` or `20:00:30` (a full-width `：` too).
pub fn time_of_day(text: &str) -> Result<NaiveTime, String> {
    let ascii = text.replace('：', ":");
    NaiveTime::parse_from_str(&ascii, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(&ascii, "%H:%M"))
        .map_err(|_| format!("`{text}` is not a time of day (00:00 to 23:59:59)"))
}

/// Reads `2026-04-18 10:00[:00]` (or with `T`).
pub fn datetime(text: &str) -> Result<NaiveDateTime, String> {
    let (d, t) = text
        .split_once(['T', ' '])
        .ok_or_else(|| format!("`{text}` is not a date and time"))?;
    Ok(NaiveDateTime::new(date(d)?, time_of_day(t.trim_start())?))
}

/// Reads the body of a string literal, resolving `\"`, `\\`, `\n`, `\t`.
pub fn string_body(body: &str) -> Result<String, String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => {
                return Err(format!(
                    "unknown escape `\\{other}`; strings know `\\\"`, `\\\\`, `\\n` and `\\t`"
                ));
            }
            None => return Err("a string cannot end with a lone `\\`".to_string()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_zhe() {
        assert_eq!(zhe("7折"), Ok(Rate(7000)));
        assert_eq!(zhe("8.5折"), Ok(Rate(8500)));
        assert_eq!(zhe("8.75折"), Ok(Rate(8750)));
        assert!(zhe("0折").is_err());
        assert!(zhe("10折").is_err());
    }

    #[test]
    fn reads_times_and_dates() {
        assert!(date("2026-02-30").is_err());
        assert!(time_of_day("25:00").is_err());
        assert_eq!(time_of_day("9:05").unwrap().to_string(), "09:05:00");
        assert_eq!(
            datetime("2026-04-18 10:00").unwrap().to_string(),
            "2026-04-18 10:00:00"
        );
        assert_eq!(duration("2h").unwrap().seconds, 7200);
    }

    #[test]
    fn reads_escapes() {
        assert_eq!(string_body(r#"a\"b\\n\n"#).unwrap(), "a\"b\\n\n");
        assert!(string_body(r"\q").is_err());
    }
}
