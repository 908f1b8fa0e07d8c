//! Deterministic random draws.
//!
//! Every random choice the engine makes (lottery outcomes, experiment arms, random
//! amounts, 拼手气 shares) is a pure function of its inputs: the same inputs give the
//! same draw on every machine, in every version. This module is the specification of
//! that function; anyone can reproduce a draw from it.
//!
//! # The stream
//!
//! A draw stream is seeded by an ordered list of text parts (for example the playbook
//! seed, the rule name, the target id and the tick or event id).
//!
//! 1. **Input.** For each part in order, append its length in bytes (UTF-8) as an
//!    unsigned 64-bit little-endian integer, then its UTF-8 bytes. The length prefix
//!    makes the encoding unambiguous: `["ab", "c"]` and `["a", "bc"]` differ.
//! 2. **Hash.** Hash that byte string with BLAKE3 (default mode, no key) and read its
//!    extendable output (XOF) from offset 0.
//! 3. **Words.** The stream yields the output 8 bytes at a time, each read as an
//!    unsigned 64-bit little-endian integer: word 0 is output bytes 0..8, word 1 is bytes
//!    8..16, and so on.
//!
//! # Derived draws
//!
//! - **`below(n)`**, uniform in `[0, n)`: for `n = 0` the result is 0 and no word is
//!   read. Otherwise let `zone` be the largest multiple of `n` that is at most 2^64,
//!   i.e. `2^64 − (2^64 mod n)`. Read words until one, `w`, satisfies `w < zone`
//!   (rejection sampling, so there is no modulo bias; a power-of-two `n` never
//!   rejects); the result is `w mod n`. Even `n = 1` reads one word.
//! - **`between(lo, hi)`**, uniform in `[lo, hi]` inclusive: if `lo > hi` the result is
//!   `lo` and no word is read. Otherwise let `span = hi − lo + 1` (computed exactly; at
//!   most 2^64). If `span = 2^64` the result is `lo + w` for the next word `w`;
//!   otherwise it is `lo + below(span)`. So `between(x, x)` reads one word.
//! - **`basis_point(parts)`**: `below(10000)` on a fresh stream for `parts`, a number
//!   of basis points in `[0, 9999]`, used for lottery draws and experiment arms.

use blake3::{Hasher, OutputReader};

/// A reproducible stream of pseudo-random words derived from text parts with BLAKE3.
/// See the module documentation for the exact construction.
#[derive(Debug, Clone)]
pub struct DrawStream {
    reader: OutputReader,
}

impl DrawStream {
    /// A stream seeded by `parts`, each length-prefixed (u64 little-endian byte length,
    /// then the UTF-8 bytes) and hashed in order with BLAKE3.
    pub fn new(parts: &[&str]) -> DrawStream {
        let mut hasher = Hasher::new();
        for part in parts {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        DrawStream {
            reader: hasher.finalize_xof(),
        }
    }

    /// The next 8 bytes of the BLAKE3 output, as a little-endian `u64`.
    pub fn next_u64(&mut self) -> u64 {
        let mut word = [0u8; 8];
        self.reader.fill(&mut word);
        u64::from_le_bytes(word)
    }

    /// A uniform draw in `[0, n)` by rejection sampling (no modulo bias); `0` when
    /// `n == 0`, without reading the stream.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // 2^64 − (2^64 mod n): the words below it split evenly into n residues.
        let zone = (1u128 << 64) - ((1u128 << 64) % u128::from(n));
        loop {
            let word = self.next_u64();
            if u128::from(word) < zone {
                return word % n;
            }
        }
    }

    /// A uniform draw in `[lo, hi]`, both inclusive; `lo` when `lo > hi`, without
    /// reading the stream.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if lo > hi {
            return lo;
        }
        // Exact in i128: the span of the whole i64 range is 2^64, one more than u64::MAX.
        let span = i128::from(hi) - i128::from(lo) + 1;
        let offset = match u64::try_from(span) {
            Ok(span) => i128::from(self.below(span)),
            Err(_) => i128::from(self.next_u64()),
        };
        // lo + offset <= hi, so it fits; the fallback is unreachable.
        i64::try_from(i128::from(lo) + offset).unwrap_or(hi)
    }
}

/// A draw in basis points, uniform in `[0, 9999]`: `DrawStream::new(parts).below(10_000)`.
pub fn basis_point(parts: &[&str]) -> i64 {
    // below(10_000) < 10_000, so the cast is exact.
    DrawStream::new(parts).below(10_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_words() {
        // Pinned outputs: if these change, every recorded draw changes with them.
        let mut s = DrawStream::new(&["seed", "rule", "target"]);
        let words: Vec<u64> = (0..3).map(|_| s.next_u64()).collect();
        assert_eq!(words, GOLDEN_WORDS);
        let mut empty = DrawStream::new(&[]);
        assert_eq!(empty.next_u64(), GOLDEN_EMPTY);
    }

    #[test]
    fn golden_derived_draws() {
        assert_eq!(basis_point(&["seed", "lottery", "m1", "tick"]), GOLDEN_BP);
        let mut s = DrawStream::new(&["between"]);
        let draws: Vec<i64> = (0..4).map(|_| s.between(-5, 5)).collect();
        assert_eq!(draws, GOLDEN_BETWEEN);
    }

    const GOLDEN_WORDS: [u64; 3] = [
        7_009_228_682_738_211_043,
        7_189_867_476_769_111_841,
        12_883_067_011_839_942_083,
    ];
    const GOLDEN_EMPTY: u64 = 12_007_152_915_317_330_863;
    const GOLDEN_BP: i64 = 6420;
    const GOLDEN_BETWEEN: [i64; 4] = [2, 4, 2, 0];

    #[test]
    fn input_matches_manual_encoding() {
        let mut manual = Vec::new();
        for part in ["seed", "机器"] {
            manual.extend_from_slice(&(part.len() as u64).to_le_bytes());
            manual.extend_from_slice(part.as_bytes());
        }
        let mut expected = [0u8; 16];
        blake3::Hasher::new()
            .update(&manual)
            .finalize_xof()
            .fill(&mut expected);
        let mut s = DrawStream::new(&["seed", "机器"]);
        assert_eq!(s.next_u64().to_le_bytes(), expected[..8]);
        assert_eq!(s.next_u64().to_le_bytes(), expected[8..]);
    }

    #[test]
    fn length_prefix_is_unambiguous() {
        let a = DrawStream::new(&["ab", "c"]).next_u64();
        let b = DrawStream::new(&["a", "bc"]).next_u64();
        let c = DrawStream::new(&["abc"]).next_u64();
        let d = DrawStream::new(&["abc", ""]).next_u64();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(b, c);
        assert_ne!(c, d);
    }

    #[test]
    fn same_parts_same_stream() {
        let mut a = DrawStream::new(&["x", "y"]);
        let mut b = DrawStream::new(&["x", "y"]);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn below_stays_in_range() {
        let mut s = DrawStream::new(&["below"]);
        for n in [1u64, 2, 3, 7, 10, 10_000, 1 << 63, (1 << 63) + 1, u64::MAX] {
            for _ in 0..200 {
                assert!(s.below(n) < n, "below({n})");
            }
        }
        assert_eq!(s.below(1), 0);
    }

    #[test]
    fn below_rejects_words_at_or_above_the_zone() {
        // For n = 2^63 + 1 the zone is n itself, so about half the words are rejected.
        let n = (1u64 << 63) + 1;
        let mut a = DrawStream::new(&["reject"]);
        let mut b = a.clone();
        let mut rejected = 0;
        for _ in 0..100 {
            let expected = loop {
                let w = b.next_u64();
                if w < n {
                    break w;
                }
                rejected += 1;
            };
            assert_eq!(a.below(n), expected);
        }
        assert!(rejected > 0);
        // A power of two never rejects: the result is the word's low bits.
        let w = b.next_u64();
        assert_eq!(a.below(1 << 10), w % (1 << 10));
    }

    #[test]
    fn below_zero_is_zero_and_reads_nothing() {
        let mut a = DrawStream::new(&["zero"]);
        let mut b = a.clone();
        assert_eq!(a.below(0), 0);
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut s = DrawStream::new(&["chi-square"]);
        let mut counts = [0u64; 10];
        let draws = 100_000u64;
        for _ in 0..draws {
            counts[s.below(10) as usize] += 1;
        }
        let expected = (draws / 10) as f64;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        // 9 degrees of freedom: 99.99% of fair samples score below ~33.7.
        assert!(chi2 < 40.0, "chi-square {chi2}, counts {counts:?}");
    }

    #[test]
    fn between_extremes_do_not_overflow() {
        let mut s = DrawStream::new(&["extremes"]);
        for _ in 0..1000 {
            let _ = s.between(i64::MIN, i64::MAX);
            let x = s.between(i64::MIN, i64::MIN + 1);
            assert!(x == i64::MIN || x == i64::MIN + 1);
            let y = s.between(i64::MAX - 1, i64::MAX);
            assert!(y == i64::MAX - 1 || y == i64::MAX);
            let z = s.between(-1, i64::MAX);
            assert!(z >= -1);
        }
        assert_eq!(s.between(i64::MAX, i64::MAX), i64::MAX);
        assert_eq!(s.between(i64::MIN, i64::MIN), i64::MIN);
    }

    #[test]
    fn between_full_range_is_lo_plus_word() {
        let mut a = DrawStream::new(&["full"]);
        let mut b = a.clone();
        let w = b.next_u64();
        assert_eq!(
            i128::from(a.between(i64::MIN, i64::MAX)),
            i128::from(i64::MIN) + i128::from(w)
        );
    }

    #[test]
    fn between_inverted_returns_lo_and_reads_nothing() {
        let mut a = DrawStream::new(&["inverted"]);
        let mut b = a.clone();
        assert_eq!(a.between(5, 4), 5);
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn between_covers_the_range() {
        let mut s = DrawStream::new(&["cover"]);
        let mut seen = [false; 11];
        for _ in 0..1000 {
            let x = s.between(-5, 5);
            assert!((-5..=5).contains(&x));
            seen[(x + 5) as usize] = true;
        }
        assert!(seen.iter().all(|&b| b));
    }

    #[test]
    fn basis_point_in_range() {
        for i in 0..1000 {
            let id = i.to_string();
            let bp = basis_point(&["seed", &id]);
            assert!((0..10_000).contains(&bp));
        }
    }
}
