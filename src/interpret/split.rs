//! Group red packets split into shares (LANGUAGE.md §5): `split N equal` (普通红包)
//! and `split N random` (拼手气红包).
//!
//! All amounts are whole fen and every split sums exactly to its total.
//!
//! # Equal split
//!
//! `total` in `n` shares: with `q = ⌊total / n⌋` and `r = total − q × n` (so
//! `0 ≤ r < n`, rounding toward negative infinity), the first `r` shares are `q + 1` and
//! the other `n − r` are `q`. ¥1.00 in 3 is 34, 33, 33 fen.
//!
//! # Random split (double mean, minimum reserved)
//!
//! Inputs: `total`, `n` shares, limits `min` and `max` per share, and a
//! [`DrawStream`]. All arithmetic below is exact (no overflow, no rounding except the
//! one integer division noted).
//!
//! 1. **Validate**, in this order: `n = 0` is an error; `total < min × n` is an error;
//!    `total > max × n` is an error. (Together these also rule out `min > max`.)
//! 2. **Draw** the shares one at a time. Start with `remaining = total`. For share
//!    `k = 1, 2, …, n − 1`, let `left = n − k + 1` (the shares still to hand out,
//!    this one included) and
//!    - `surplus = remaining − min × left` (never negative),
//!    - `hi = min(max, ⌊2 × surplus / left⌋ + min, remaining − min × (left − 1))`,
//!    - `lo = max(min, remaining − max × (left − 1))`;
//!
//!    the share is `draws.between(lo, hi)` (uniform, inclusive; see
//!    [`crate::interpret::random`]), and `remaining` decreases by it. Every such share
//!    reads at least one word from the stream, even when `lo = hi`.
//! 3. **Last share**: share `n` is `remaining`, with no draw (so a one-share split
//!    reads nothing).
//!
//! Shares are returned in the order drawn. The middle term of `hi` is the classic
//! double-mean bound: a share's amount above the minimum is drawn from zero to twice
//! the average surplus per remaining share, so on average it gets its fair part. The
//! other terms keep the rest feasible: later shares can always still get at least `min`
//! and at most `max` each. `lo ≤ hi` always holds, so no share is ever
//! forced outside its limits (proof at `share_bounds` in the source).

use thiserror::Error;

use crate::interpret::random::DrawStream;
use crate::money::Fen;

/// Why an amount cannot be split into the requested shares.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SplitError {
    /// A split needs at least one share.
    #[error("a red packet cannot be split into 0 shares")]
    NoShares,
    /// The total cannot give every share the minimum.
    #[error("{total} cannot be split into {shares} {} of at least {min}", share_word(*.shares))]
    BelowMinimum {
        /// The amount to split.
        total: Fen,
        /// The number of shares asked for.
        shares: u32,
        /// The least amount per share.
        min: Fen,
    },
    /// The total is more than every share at the maximum.
    #[error("{total} cannot be split into {shares} {} of at most {max}", share_word(*.shares))]
    AboveMaximum {
        /// The amount to split.
        total: Fen,
        /// The number of shares asked for.
        shares: u32,
        /// The greatest amount per share.
        max: Fen,
    },
}

fn share_word(shares: u32) -> &'static str {
    if shares == 1 { "share" } else { "shares" }
}

/// `total` in `shares` shares that differ by at most 1 fen, the larger ones first,
/// summing exactly to `total`; empty when `shares == 0`.
pub fn split_equal(total: Fen, shares: u32) -> Vec<Fen> {
    if shares == 0 {
        return Vec::new();
    }
    let n = i64::from(shares);
    // Euclidean division: 0 <= r < n even for a negative total, so "larger first" holds.
    let (q, r) = (total.0.div_euclid(n), total.0.rem_euclid(n));
    // r > 0 needs n >= 2, so q <= i64::MAX / 2 and q + 1 cannot overflow.
    (0..n).map(|i| Fen(if i < r { q + 1 } else { q })).collect()
}

/// A 拼手气 split of `total` into `shares` shares, each in `[min, max]`, summing
/// exactly to `total`, drawn from `draws` by the double-mean method with the minimum
/// reserved (specified in the module documentation).
///
/// # Errors
///
/// [`SplitError::NoShares`] when `shares == 0`, [`SplitError::BelowMinimum`] when
/// `total < min × shares`, [`SplitError::AboveMaximum`] when `total > max × shares`,
/// checked in that order.
pub fn split_random(
    total: Fen,
    shares: u32,
    min: Fen,
    max: Fen,
    draws: &mut DrawStream,
) -> Result<Vec<Fen>, SplitError> {
    if shares == 0 {
        return Err(SplitError::NoShares);
    }
    let n = i128::from(shares);
    let (lo_limit, hi_limit) = (i128::from(min.0), i128::from(max.0));
    let mut remaining = i128::from(total.0);
    // i64 × u32 fits easily in i128, so these comparisons are exact.
    if remaining < lo_limit * n {
        return Err(SplitError::BelowMinimum { total, shares, min });
    }
    if remaining > hi_limit * n {
        return Err(SplitError::AboveMaximum { total, shares, max });
    }
    // From here min <= max, and by the proof below every bound lies in [min, max].
    let fit = |x: i128| -> i64 {
        // A no-op clamp (by the proof) that makes the narrowing cast exact.
        x.max(lo_limit).min(hi_limit) as i64
    };
    let mut out = Vec::with_capacity(shares as usize);
    for left in (2..=n).rev() {
        let (lo, hi) = share_bounds(remaining, left, lo_limit, hi_limit);
        let share = draws.between(fit(lo), fit(hi));
        remaining -= i128::from(share);
        out.push(Fen(share));
    }
    out.push(Fen(fit(remaining)));
    Ok(out)
}

/// The inclusive range `[lo, hi]` of the next share when `remaining` is still to be
/// split into `left >= 2` shares, each in `[min, max]`.
///
/// Requires the invariant `min × left <= remaining <= max × left` (true at the start
/// after validation). Then:
///
/// - **`lo <= hi`.** Write `S = remaining − min × left >= 0` (the surplus) and
///   `C = max − min`; the invariant gives `0 <= S <= C × left`, so `C >= 0`, i.e.
///   `min <= max`. The three terms of `hi` are each `>= min`: `max` since `C >= 0`;
///   `⌊2S / left⌋ + min` since `S >= 0`; `remaining − min × (left − 1) = S + min`.
///   The two terms of `lo` are each `<= every term of hi`: `min` by the above; and
///   `B = remaining − max × (left − 1) = S − C × (left − 1) + min`, where
///   `B <= max` because `S <= C × left`; `B <= S + min` because `C >= 0`; and
///   `B <= ⌊2S / left⌋ + min` because `C >= S / left` gives
///   `S − C × (left − 1) <= S / left <= 2S / left`, and the left side is an integer so
///   it is also `<= ⌊2S / left⌋`. Hence `min <= lo <= hi <= max`, and no rounding case
///   can make the range empty.
/// - **The invariant carries over.** A share `x <= remaining − min × (left − 1)` leaves
///   at least `min × (left − 1)`; `x >= remaining − max × (left − 1)` leaves at most
///   `max × (left − 1)`. So after the last draw `min <= remaining <= max`, and the last
///   share (the remainder) is within the limits too.
///
/// Magnitudes stay below 2^100, so i128 never overflows.
fn share_bounds(remaining: i128, left: i128, min: i128, max: i128) -> (i128, i128) {
    let surplus = remaining - min * left;
    // surplus >= 0, so truncating division is floor division.
    let double_mean = 2 * surplus / left + min;
    let hi = max.min(double_mean).min(remaining - min * (left - 1));
    let lo = min.max(remaining - max * (left - 1));
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stream() -> DrawStream {
        DrawStream::new(&["seed", "rule", "m1", "tick"])
    }

    #[test]
    fn golden_random_split() {
        // Pinned: ¥100 in 10 shares within WeChat limits (¥0.01 .. ¥200).
        let shares = split_random(Fen(10_000), 10, Fen(1), Fen(20_000), &mut stream()).unwrap();
        assert_eq!(shares, GOLDEN_SHARES.map(Fen));
    }

    const GOLDEN_SHARES: [i64; 10] = [1638, 1493, 1079, 250, 717, 186, 1008, 1669, 845, 1115];

    #[test]
    fn golden_random_split_with_binding_limits() {
        // Pinned: ¥20 in 5 shares of ¥1 .. ¥5, where the max bound does bind.
        let mut s = DrawStream::new(&["seed", "rule", "m2", "tick"]);
        let shares = split_random(Fen(2_000), 5, Fen(100), Fen(500), &mut s).unwrap();
        assert_eq!(shares, [329, 280, 471, 436, 484].map(Fen));
    }

    #[test]
    fn equal_split_of_one_yuan_in_three() {
        assert_eq!(split_equal(Fen(100), 3), vec![Fen(34), Fen(33), Fen(33)]);
        assert_eq!(split_equal(Fen(101), 3), vec![Fen(34), Fen(34), Fen(33)]);
        assert_eq!(split_equal(Fen(99), 3), vec![Fen(33); 3]);
        assert_eq!(
            split_equal(Fen(2), 5),
            vec![Fen(1), Fen(1), Fen(0), Fen(0), Fen(0)]
        );
        assert_eq!(split_equal(Fen(-1), 3), vec![Fen(0), Fen(0), Fen(-1)]);
        assert_eq!(split_equal(Fen(100), 0), vec![]);
    }

    #[test]
    fn one_share_takes_everything_and_reads_nothing() {
        let mut s = stream();
        let shares = split_random(Fen(500), 1, Fen(1), Fen(20_000), &mut s).unwrap();
        assert_eq!(shares, vec![Fen(500)]);
        assert_eq!(s.next_u64(), stream().next_u64());
    }

    #[test]
    fn total_exactly_min_times_shares() {
        let shares = split_random(Fen(100), 100, Fen(1), Fen(20_000), &mut stream()).unwrap();
        assert_eq!(shares, vec![Fen(1); 100]);
    }

    #[test]
    fn total_exactly_max_times_shares() {
        let shares = split_random(Fen(2_000), 10, Fen(100), Fen(200), &mut stream()).unwrap();
        assert_eq!(shares, vec![Fen(200); 10]);
    }

    #[test]
    fn every_share_reads_the_stream_even_when_forced() {
        // n − 1 forced shares read one word each.
        let mut s = stream();
        split_random(Fen(30), 3, Fen(10), Fen(10), &mut s).unwrap();
        let mut expected = stream();
        expected.next_u64();
        expected.next_u64();
        assert_eq!(s.next_u64(), expected.next_u64());
    }

    #[test]
    fn errors_and_messages() {
        let err = |total, shares, min, max| {
            split_random(Fen(total), shares, Fen(min), Fen(max), &mut stream()).unwrap_err()
        };
        assert_eq!(err(100, 0, 1, 20_000), SplitError::NoShares);
        assert_eq!(
            err(50, 100, 1, 20_000).to_string(),
            "¥0.5 cannot be split into 100 shares of at least ¥0.01"
        );
        assert_eq!(
            err(50_000, 2, 100, 20_000).to_string(),
            "¥500 cannot be split into 2 shares of at most ¥200"
        );
        assert_eq!(
            err(50, 1, 100, 20_000).to_string(),
            "¥0.5 cannot be split into 1 share of at least ¥1"
        );
        assert_eq!(
            err(0, 0, 1, 1).to_string(),
            "a red packet cannot be split into 0 shares"
        );
        // min > max is always caught by one of the two range checks.
        assert!(matches!(
            err(150, 1, 200, 100),
            SplitError::BelowMinimum { .. }
        ));
    }

    /// Valid inputs over the whole i64 range: min ≤ ⌊total/n⌋ and max ≥ ⌈total/n⌉.
    fn valid_inputs() -> impl Strategy<Value = (i64, u32, i64, i64)> {
        (any::<i64>(), 1u32..=30, 0..=i64::MAX, 0..=i64::MAX).prop_map(
            |(total, shares, below, above)| {
                let n = i64::from(shares);
                let floor = total.div_euclid(n);
                let ceil = floor + i64::from(total.rem_euclid(n) != 0);
                (
                    total,
                    shares,
                    floor.saturating_sub(below),
                    ceil.saturating_add(above),
                )
            },
        )
    }

    /// Valid inputs at red-packet scale, where limits actually bind.
    fn packet_inputs() -> impl Strategy<Value = (i64, u32, i64, i64)> {
        (1u32..=100, 0i64..=1_000, 0i64..=30_000)
            .prop_flat_map(|(shares, min, extra)| {
                let n = i64::from(shares);
                let max = min + extra;
                (Just(shares), Just(min), Just(max), min * n..=max * n)
            })
            .prop_map(|(shares, min, max, total)| (total, shares, min, max))
    }

    fn assert_valid_split(total: i64, shares: u32, min: i64, max: i64, seed: &str) {
        let got = split_random(
            Fen(total),
            shares,
            Fen(min),
            Fen(max),
            &mut DrawStream::new(&[seed]),
        )
        .unwrap();
        assert_eq!(got.len(), shares as usize);
        let sum: i128 = got.iter().map(|f| i128::from(f.0)).sum();
        assert_eq!(sum, i128::from(total));
        assert!(got.iter().all(|f| (min..=max).contains(&f.0)), "{got:?}");
        let again = split_random(
            Fen(total),
            shares,
            Fen(min),
            Fen(max),
            &mut DrawStream::new(&[seed]),
        )
        .unwrap();
        assert_eq!(got, again);
    }

    proptest! {
        #[test]
        fn random_split_is_exact_within_limits_and_deterministic(
            (total, shares, min, max) in packet_inputs(),
            seed in "[a-z0-9]{0,8}",
        ) {
            assert_valid_split(total, shares, min, max, &seed);
        }

        #[test]
        fn random_split_handles_extreme_amounts(
            (total, shares, min, max) in valid_inputs(),
            seed in "[a-z0-9]{0,8}",
        ) {
            assert_valid_split(total, shares, min, max, &seed);
        }

        #[test]
        fn random_split_errors_exactly_on_invalid_input(
            total in any::<i64>(),
            shares in 0u32..=200,
            min in any::<i64>(),
            max in any::<i64>(),
        ) {
            let n = i128::from(shares);
            let valid = shares > 0
                && i128::from(min) * n <= i128::from(total)
                && i128::from(total) <= i128::from(max) * n;
            let got = split_random(Fen(total), shares, Fen(min), Fen(max), &mut stream());
            prop_assert_eq!(got.is_ok(), valid);
            if let Ok(got) = got {
                let sum: i128 = got.iter().map(|f| i128::from(f.0)).sum();
                prop_assert_eq!(sum, i128::from(total));
            }
        }

        #[test]
        fn bounds_are_feasible_under_the_invariant(
            left in 2i128..=1_000,
            min in any::<i64>(),
            width in 0..=u64::MAX,
            pick in 0.0f64..=1.0,
        ) {
            let (min, max) = (i128::from(min), i128::from(min) + i128::from(width));
            let (low, high) = (min * left, max * left);
            // Both ends of [min × left, max × left] and a point inside it.
            let inside = (low + ((high - low) as f64 * pick) as i128).clamp(low, high);
            for remaining in [low, inside, high] {
                let (lo, hi) = share_bounds(remaining, left, min, max);
                prop_assert!(min <= lo && lo <= hi && hi <= max, "{remaining}: {lo} {hi}");
            }
        }

        #[test]
        fn equal_split_is_exact_and_even(total in any::<i64>(), shares in 0u32..=1_000) {
            let got = split_equal(Fen(total), shares);
            prop_assert_eq!(got.len(), shares as usize);
            if shares > 0 {
                let sum: i128 = got.iter().map(|f| i128::from(f.0)).sum();
                prop_assert_eq!(sum, i128::from(total));
                prop_assert!(got.windows(2).all(|w| w[0] >= w[1]));
                prop_assert!(got[0].0 - got[got.len() - 1].0 <= 1);
            }
        }
    }
}
