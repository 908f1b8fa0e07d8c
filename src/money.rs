//! Exact money and rates.
//!
//! Money is a whole number of fen (1/100 yuan) in an `i64`; rates are basis points
//! (1% = 100 bp). Binary floating point is never used for either. Every operation that
//! could overflow is checked and returns `None` instead.
//!
//! Rounding rule (the only one): a product that falls between two fen is rounded to
//! the nearest fen, halves away from zero — `¥0.125` becomes `¥0.13`, `-¥0.125`
//! becomes `-¥0.13`.

use std::fmt;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// An exact amount of money in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fen(pub i64);

/// A rate in basis points: `100` is 1%, `10_000` is 100%.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rate(pub i64);

/// Basis points in 100%.
pub const FULL_RATE: i64 = 10_000;

impl Fen {
    /// Zero fen.
    pub const ZERO: Fen = Fen(0);

    /// Whole yuan.
    pub const fn yuan(y: i64) -> Fen {
        Fen(y * 100)
    }

    /// Checked sum.
    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    /// Checked difference.
    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }

    /// Money times an integer, exact.
    pub fn checked_mul_int(self, n: i64) -> Option<Fen> {
        self.0.checked_mul(n).map(Fen)
    }

    /// Money times an exact decimal, rounded to the fen (halves away from zero).
    pub fn checked_mul_decimal(self, d: Decimal) -> Option<Fen> {
        let product = Decimal::from(self.0).checked_mul(d)?;
        round_half_away(product).map(Fen)
    }

    /// Money times a rate, rounded to the fen (halves away from zero).
    pub fn checked_mul_rate(self, rate: Rate) -> Option<Fen> {
        let product = (self.0 as i128).checked_mul(rate.0 as i128)?;
        let rounded = div_round_half_away(product, FULL_RATE as i128)?;
        i64::try_from(rounded).ok().map(Fen)
    }

    /// Money divided by an integer, rounded to the fen (halves away from zero).
    pub fn checked_div_int(self, n: i64) -> Option<Fen> {
        if n == 0 {
            return None;
        }
        let q = div_round_half_away(self.0 as i128, n as i128)?;
        i64::try_from(q).ok().map(Fen)
    }

    /// The amount as an exact decimal number of yuan.
    pub fn to_yuan_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }
}

fn round_half_away(d: Decimal) -> Option<i64> {
    d.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
}

fn div_round_half_away(n: i128, d: i128) -> Option<i128> {
    let q = n.checked_div(d)?;
    let r = n.checked_rem(d)?;
    if r.checked_mul(2)?.abs() >= d.abs() {
        let sign = if (n < 0) != (d < 0) { -1 } else { 1 };
        q.checked_add(sign)
    } else {
        Some(q)
    }
}

/// An exact sum of amounts of money, in fen. It holds the sum of 2^64 amounts of
/// any size, so adding [`Fen`]s to it never overflows; [`FenSum::to_fen`] says
/// whether the total fits back into money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FenSum(pub i128);

impl FenSum {
    /// Nothing yet.
    pub const ZERO: FenSum = FenSum(0);

    /// The sum with `amount` added. Saturates only past 2^64 additions of the
    /// largest amounts, which no run or ledger reaches.
    pub fn plus(self, amount: Fen) -> FenSum {
        FenSum(self.0.saturating_add(i128::from(amount.0)))
    }

    /// The sum of two sums.
    pub fn plus_sum(self, other: FenSum) -> FenSum {
        FenSum(self.0.saturating_add(other.0))
    }

    /// The sum with `amount` taken away.
    pub fn minus(self, amount: Fen) -> FenSum {
        FenSum(self.0.saturating_sub(i128::from(amount.0)))
    }

    /// The sum with another sum taken away.
    pub fn minus_sum(self, other: FenSum) -> FenSum {
        FenSum(self.0.saturating_sub(other.0))
    }

    /// The total as money, when it fits.
    pub fn to_fen(self) -> Option<Fen> {
        i64::try_from(self.0).ok().map(Fen)
    }

    /// The sum of `amounts`, exactly.
    pub fn of(amounts: impl IntoIterator<Item = Fen>) -> FenSum {
        amounts.into_iter().fold(FenSum::ZERO, FenSum::plus)
    }
}

impl From<Fen> for FenSum {
    fn from(f: Fen) -> FenSum {
        FenSum(i128::from(f.0))
    }
}

impl fmt::Display for Fen {
    /// `¥1,234.5` style: comma grouping, no trailing zeros beyond what is needed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        FenSum::from(*self).fmt(f)
    }
}

impl fmt::Display for FenSum {
    /// As [`Fen`] shows money.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (yuan, fen) = (abs / 100, abs % 100);
        write!(f, "{sign}¥{}", group_thousands(yuan))?;
        match fen {
            0 => Ok(()),
            f10 if f10 % 10 == 0 => write!(f, ".{}", f10 / 10),
            _ => write!(f, ".{fen:02}"),
        }
    }
}

fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Rate {
    /// `30%`, `12.5%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", Decimal::new(self.0, 2).normalize())
    }
}

/// Why a money or rate literal could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiteralError {
    /// More than two digits after the point (money) or than `places` (rates).
    TooManyDecimals,
    /// Comma groups that are not three digits each.
    BadGrouping,
    /// The number does not fit.
    TooLarge,
}

/// Parses the digits of a money literal (without the yen sign): `1,000.50` → 100050 fen.
pub fn parse_money_digits(text: &str) -> Result<Fen, LiteralError> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 2 {
        return Err(LiteralError::TooManyDecimals);
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let well_grouped = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    if !well_grouped {
        return Err(LiteralError::BadGrouping);
    }
    let yuan: i64 = groups
        .concat()
        .parse()
        .map_err(|_| LiteralError::TooLarge)?;
    let fen: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    yuan.checked_mul(100)
        .and_then(|y| y.checked_add(fen))
        .map(Fen)
        .ok_or(LiteralError::TooLarge)
}

/// Parses a decimal number of percent (`12.5`) into basis points.
pub fn parse_percent_digits(text: &str) -> Result<Rate, LiteralError> {
    scaled(text, 2).map(Rate)
}

/// Parses `text` (digits with an optional fraction) scaled by 10^places, exactly.
pub fn scaled(text: &str, places: usize) -> Result<i64, LiteralError> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > places {
        return Err(LiteralError::TooManyDecimals);
    }
    let whole: i64 = whole.parse().map_err(|_| LiteralError::TooLarge)?;
    let frac_scaled: i64 = if places == 0 {
        0
    } else {
        format!("{frac:0<places$}").parse().unwrap_or(0)
    };
    10_i64
        .checked_pow(places as u32)
        .and_then(|p| whole.checked_mul(p))
        .and_then(|w| w.checked_add(frac_scaled))
        .ok_or(LiteralError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_grouped_money() {
        assert_eq!(parse_money_digits("1,000"), Ok(Fen(100_000)));
        assert_eq!(parse_money_digits("12.34"), Ok(Fen(1234)));
        assert_eq!(parse_money_digits("0.2"), Ok(Fen(20)));
        assert_eq!(parse_money_digits("50,000"), Ok(Fen(5_000_000)));
        assert_eq!(
            parse_money_digits("1.234"),
            Err(LiteralError::TooManyDecimals)
        );
        assert_eq!(parse_money_digits("1,00"), Err(LiteralError::BadGrouping));
        assert_eq!(
            parse_money_digits("1000,000"),
            Err(LiteralError::BadGrouping)
        );
        assert_eq!(
            parse_money_digits("99999999999999999999"),
            Err(LiteralError::TooLarge)
        );
    }

    #[test]
    fn displays_money_canonically() {
        assert_eq!(Fen(100_000).to_string(), "¥1,000");
        assert_eq!(Fen(1234).to_string(), "¥12.34");
        assert_eq!(Fen(20).to_string(), "¥0.2");
        assert_eq!(Fen(-5).to_string(), "-¥0.05");
        assert_eq!(Rate(1250).to_string(), "12.5%");
        assert_eq!(Rate(100).to_string(), "1%");
    }

    #[test]
    fn rounds_halves_away_from_zero() {
        assert_eq!(Fen(25).checked_mul_rate(Rate(5000)), Some(Fen(13)));
        assert_eq!(Fen(-25).checked_mul_rate(Rate(5000)), Some(Fen(-13)));
        assert_eq!(Fen(24).checked_mul_rate(Rate(5000)), Some(Fen(12)));
        assert_eq!(
            Fen(20).checked_mul_decimal(Decimal::new(5, 1)),
            Some(Fen(10))
        );
        assert_eq!(Fen(5).checked_mul_decimal(Decimal::new(5, 1)), Some(Fen(3)));
        assert_eq!(Fen(5).checked_div_int(2), Some(Fen(3)));
        assert_eq!(Fen(i64::MAX).checked_mul_int(2), None);
    }

    proptest! {
        #[test]
        fn money_display_parses_back(fen in 0i64..1_000_000_000_000) {
            let shown = Fen(fen).to_string();
            prop_assert_eq!(parse_money_digits(&shown[shown.find('¥').unwrap() + '¥'.len_utf8()..]), Ok(Fen(fen)));
        }

        #[test]
        fn rate_product_is_within_half_a_fen(fen in -1_000_000_000i64..1_000_000_000, bp in 0i64..=20_000) {
            let exact = fen as i128 * bp as i128; // in fen × 1/10000
            let got = Fen(fen).checked_mul_rate(Rate(bp)).unwrap().0 as i128 * 10_000;
            prop_assert!((got - exact).abs() <= 5_000);
        }
    }
}
