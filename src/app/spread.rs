//! The spread of a forecast over seeds. One seed is one possible future: the same
//! forecast run with other seeds draws other lottery outcomes and experiment arms,
//! and the spread of their spend — total, per day, per rule — says how far the
//! future may stray from the single forecast.
//!
//! Seed 0 is the playbook's own `seed`, so the spread always holds the plain
//! forecast; seed `k ≥ 1` is that seed followed by `#` and `k` in decimal
//! ([`seed_of`]). Percentiles are nearest-rank ([`nearest_rank`]).

use std::num::NonZeroU32;

use chrono::NaiveDate;

use crate::app::run::RunFailure;
use crate::app::simulate::{Forecast, SimulateRequest, simulate};
use crate::compile::plan::{Plan, RewardPlan, RewardPlanKind};
use crate::compile::{Compiled, compile};
use crate::money::FenSum;

/// Most seeds one spread takes: each is a whole run of the period.
pub const MAX_SEEDS: u32 = 1000;

/// Where a spend lies over the seeds, in exact fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quantiles {
    /// The lowest.
    pub min: FenSum,
    /// The nearest-rank 50th percentile (the median).
    pub p50: FenSum,
    /// The nearest-rank 95th percentile.
    pub p95: FenSum,
    /// The highest.
    pub max: FenSum,
}

impl Quantiles {
    /// The quantiles of `values`, in any order (all zero when there are none).
    pub fn of(mut values: Vec<FenSum>) -> Quantiles {
        values.sort_unstable();
        let at = |percent| nearest_rank(&values, percent).unwrap_or_default();
        Quantiles {
            min: at(0),
            p50: at(50),
            p95: at(95),
            max: at(100),
        }
    }
}

/// The nearest-rank `percent`th percentile of `sorted` (ascending): the value of
/// rank `⌈percent × n / 100⌉` counting from 1, or the first for a rank of 0. So it
/// is always one of the values, the 100th is the highest, and at least `percent`%
/// of the values are at or below it. `None` when there are no values; a percent
/// above 100 counts as 100.
pub fn nearest_rank(sorted: &[FenSum], percent: u32) -> Option<FenSum> {
    let n = sorted.len() as u128;
    let rank = (u128::from(percent.min(100)) * n).div_ceil(100);
    let index = usize::try_from(rank.saturating_sub(1)).unwrap_or(usize::MAX);
    sorted
        .get(index.min(sorted.len().saturating_sub(1)))
        .copied()
}

/// The seed run `k` draws with: the playbook's seed itself for `k = 0`, else the
/// seed, `#` and `k` in decimal (`"s"` → `"s#1"`, `"s#2"`, …; no seed → `"#1"`).
pub fn seed_of(seed: &str, k: u32) -> String {
    if k == 0 {
        seed.to_owned()
    } else {
        format!("{seed}#{k}")
    }
}

/// Whether a forecast's spend can depend on the seed: some rule draws a lottery
/// or an experiment arm. A 拼手气 split draws the shares of a red packet, never its
/// total, so it alone leaves every seed's spend the same.
pub fn spend_depends_on_seed(plan: &Plan) -> bool {
    plan.rules.iter().flat_map(|r| &r.give).any(draws)
}

fn draws(reward: &RewardPlan) -> bool {
    match &reward.kind {
        RewardPlanKind::Lottery { .. } | RewardPlanKind::Experiment { .. } => true,
        RewardPlanKind::Tier { arms, otherwise } => arms
            .iter()
            .map(|(_, r)| r)
            .chain(otherwise.as_deref())
            .any(draws),
        RewardPlanKind::TierBy {
            arms, otherwise, ..
        } => arms
            .iter()
            .map(|(_, _, r)| r)
            .chain(otherwise.as_deref())
            .any(draws),
        RewardPlanKind::Coupon(_)
        | RewardPlanKind::RedPacket { .. }
        | RewardPlanKind::Points(_)
        | RewardPlanKind::Gift { .. } => false,
    }
}

/// The spend of a forecast over its seeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spread {
    /// Seeds asked for.
    pub seeds: u32,
    /// Whether the spend can depend on the seed ([`spend_depends_on_seed`]); when
    /// not, only seed 0 was run and every quantile is its value.
    pub random: bool,
    /// The whole period's spend.
    pub total: Quantiles,
    /// Each day's spend, in the forecast's order.
    pub days: Vec<(NaiveDate, Quantiles)>,
    /// Each rule's spend over the period, in the forecast's order.
    pub rules: Vec<(String, Quantiles)>,
}

/// The spend of one run: total, per day and per rule, in the forecast's order.
struct Spend {
    total: FenSum,
    days: Vec<FenSum>,
    rules: Vec<FenSum>,
}

impl Spend {
    fn of(forecast: &Forecast) -> Spend {
        Spend {
            total: forecast.total().1,
            days: forecast.days.iter().map(|(_, d)| d.spend).collect(),
            rules: forecast.rules.iter().map(|(_, r)| r.spend).collect(),
        }
    }
}

/// Forecasts the period with `seeds` seeds: seed 0's forecast (the plain one, the
/// same as [`simulate`]'s) and the spread over all of them. A playbook whose spend
/// does not depend on the seed is run once.
pub fn simulate_seeds(
    request: &SimulateRequest<'_>,
    seeds: NonZeroU32,
) -> Result<(Forecast, Spread), RunFailure> {
    let forecast = simulate(request)?;
    let random = spend_depends_on_seed(&request.compiled.plan);
    let mut runs = vec![Spend::of(&forecast)];
    if random {
        for k in 1..seeds.get() {
            let compiled = reseeded(request.compiled, k);
            let other = simulate(&SimulateRequest {
                compiled: &compiled,
                ..request.clone()
            })?;
            runs.push(Spend::of(&other));
        }
    }
    let spread = spread(&forecast, &runs, seeds.get(), random);
    Ok((forecast, spread))
}

/// The program compiled again with seed `k`: the seed is read from the settings
/// by every draw and by nothing else, so this is the only change.
fn reseeded(compiled: &Compiled, k: u32) -> Compiled {
    let mut program = (*compiled.program).clone();
    program.settings.seed = seed_of(&program.settings.seed, k);
    compile(program)
}

fn spread(forecast: &Forecast, runs: &[Spend], seeds: u32, random: bool) -> Spread {
    let over = |pick: &dyn Fn(&Spend) -> FenSum| Quantiles::of(runs.iter().map(pick).collect());
    let day = |i: usize| over(&|s: &Spend| s.days.get(i).copied().unwrap_or_default());
    let rule = |i: usize| over(&|s: &Spend| s.rules.get(i).copied().unwrap_or_default());
    Spread {
        seeds,
        random,
        total: over(&|s: &Spend| s.total),
        days: (forecast.days.iter().enumerate())
            .map(|(i, (date, _))| (*date, day(i)))
            .collect(),
        rules: (forecast.rules.iter().enumerate())
            .map(|(i, (name, _))| (name.clone(), rule(i)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(values: &[i128]) -> Vec<FenSum> {
        values.iter().map(|&v| FenSum(v)).collect()
    }

    fn rank(values: &[i128], percent: u32) -> Option<i128> {
        nearest_rank(&sums(values), percent).map(|s| s.0)
    }

    #[test]
    fn nearest_rank_takes_the_value_of_rank_ceiling_p_n_over_100() {
        let ten: Vec<i128> = (1..=10).map(|v| v * 100).collect();
        assert_eq!(rank(&ten, 0), Some(100));
        assert_eq!(rank(&ten, 10), Some(100));
        assert_eq!(rank(&ten, 11), Some(200));
        assert_eq!(rank(&ten, 50), Some(500));
        assert_eq!(rank(&ten, 51), Some(600));
        assert_eq!(rank(&ten, 95), Some(1000));
        assert_eq!(rank(&ten, 100), Some(1000));
        assert_eq!(rank(&ten, 250), Some(1000));
        // Four values: the median is the second (⌈2⌉), P95 the fourth (⌈3.8⌉).
        assert_eq!(rank(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(rank(&[1, 2, 3, 4], 95), Some(4));
        // Twenty values: P95 is the 19th, not the highest.
        let twenty: Vec<i128> = (1..=20).collect();
        assert_eq!(rank(&twenty, 95), Some(19));
        assert_eq!(rank(&twenty, 50), Some(10));
    }

    #[test]
    fn nearest_rank_of_one_value_or_none() {
        for p in [0, 50, 95, 100] {
            assert_eq!(rank(&[7], p), Some(7));
            assert_eq!(rank(&[], p), None);
        }
    }

    #[test]
    fn ties_give_the_tied_value() {
        assert_eq!(rank(&[5, 5, 5, 9], 50), Some(5));
        assert_eq!(rank(&[5, 5, 5, 9], 75), Some(5));
        assert_eq!(rank(&[5, 5, 5, 9], 76), Some(9));
        let q = Quantiles::of(sums(&[3, 3, 3]));
        assert_eq!(
            (q.min, q.p50, q.p95, q.max),
            (FenSum(3), FenSum(3), FenSum(3), FenSum(3))
        );
    }

    #[test]
    fn quantiles_sort_their_values_first() {
        let q = Quantiles::of(sums(&[900, -5, 300, 100, 700]));
        assert_eq!(q.min, FenSum(-5));
        assert_eq!(q.p50, FenSum(300));
        assert_eq!(q.p95, FenSum(900));
        assert_eq!(q.max, FenSum(900));
        assert_eq!(Quantiles::of(Vec::new()), Quantiles::default());
    }

    #[test]
    fn seed_zero_is_the_playbooks_own() {
        assert_eq!(seed_of("s", 0), "s");
        assert_eq!(seed_of("s", 1), "s#1");
        assert_eq!(seed_of("s", 999), "s#999");
        assert_eq!(seed_of("", 0), "");
        assert_eq!(seed_of("", 2), "#2");
    }

    fn plan(give: &str) -> Plan {
        let text = format!(
            "playbook \"t\" {{ seed \"s\" }}\nmember {{ orders: int }}\n\
             rule r {{\n  every day at 10:00\n  give {give}\n  cap ¥100 per day\n}}\n"
        );
        let outcome = crate::check::check_text("t.playbook", &text);
        assert_eq!(outcome.errors(), 0, "{text}\n{:#?}", outcome.diagnostics);
        compile(outcome.program.expect("checks")).plan
    }

    #[test]
    fn lotteries_and_experiments_make_the_spend_depend_on_the_seed() {
        let random = [
            "lottery { 10% -> coupon ¥5 rest -> coupon ¥1 }",
            "experiment \"e\" { A 50% -> coupon ¥5 B 50% -> coupon ¥1 }",
            "tier { orders > 3 -> lottery { 10% -> coupon ¥5 } else -> coupon ¥1 }",
            "tier by orders { >= 3 -> coupon ¥1 else -> experiment \"e\" { A 50% -> coupon ¥5 B 50% -> coupon ¥1 } }",
            "coupon ¥1, lottery { 10% -> coupon ¥5 }",
        ];
        for give in random {
            assert!(spend_depends_on_seed(&plan(give)), "{give}");
        }
        let fixed = [
            "coupon ¥5",
            "red_packet ¥10 split 5 random",
            "red_packet ¥10 split 5 equal",
            "tier { orders > 3 -> coupon ¥5 else -> points 10 }",
        ];
        for give in fixed {
            assert!(!spend_depends_on_seed(&plan(give)), "{give}");
        }
    }
}
