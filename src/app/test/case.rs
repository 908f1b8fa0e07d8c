//! `test` blocks run through the real interpreter: the block's members, groups and
//! events become in-memory data, its `ledger` the history, and its expectations are
//! checked against the grants and refusals the run made.

use std::fmt::Write as _;

use crate::app::decisions::Collect;
use crate::app::explain::explain_member;
use crate::check::types::Value;
use crate::check::{Expectation, RecordSchema, Reward, RewardKind, TestCase, TestRecord};
use crate::compile::Compiled;
use crate::compile::plan::{Leaf, RewardClass};
use crate::data::{DataSource, EventRecord, MemoryData};
use crate::interpret::engine::{RunOptions, RunReport};
use crate::interpret::grant::{Grant, Refusal};
use crate::interpret::usage::{HistoryGrant, Usage};
use crate::money::Fen;
use crate::source::{SourceMap, Span};
use crate::syntax::ast::TargetKind;
use crate::time::{day_start, local_date};
use crate::value::{Row, SET_SEPARATOR, Val};

/// The outcome of one test block.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The test's name.
    pub name: String,
    /// The whole block.
    pub span: Span,
    /// Expectations that did not hold: where, and what happened instead.
    pub failures: Vec<(Span, String)>,
    /// Everything the run granted.
    pub grants: Vec<Grant>,
    /// Everything it refused.
    pub refusals: Vec<Refusal>,
    /// An error that stopped the run, if any.
    pub error: Option<String>,
}

impl TestOutcome {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.error.is_none()
    }
}

/// Runs one test block.
pub fn run_test(engine: &Compiled, case: &TestCase) -> TestOutcome {
    run_test_over(engine, case, &mut test_data(engine, case))
}

/// Runs one test block over `data` in place of its own members, groups and events
/// ([`test_data`]): the same block with its data in a file or a database server.
pub fn run_test_over(engine: &Compiled, case: &TestCase, data: &mut dyn DataSource) -> TestOutcome {
    let opts = test_options(engine, case);
    let mut usage = test_usage(engine, case, &opts);
    let mut sink = Collect::default();
    let result = engine.run(data, &mut usage, &opts, &mut sink);
    let mut outcome = TestOutcome {
        name: case.name.clone(),
        span: case.span,
        failures: Vec::new(),
        grants: sink.grants().cloned().collect(),
        refusals: sink.refusals().cloned().collect(),
        error: None,
    };
    match result {
        Ok(report) => {
            for e in &case.expectations {
                if let Some(message) = check(&e.node, &outcome, &report) {
                    outcome.failures.push((e.span, message));
                }
            }
        }
        Err(e) => outcome.error = Some(e.to_string()),
    }
    outcome
}

/// The block's members, groups and events as in-memory data (sorted by id).
pub fn test_data(engine: &Compiled, case: &TestCase) -> MemoryData {
    let program = &engine.program;
    let mut data = MemoryData {
        members: case
            .members
            .iter()
            .map(|m| record_row(m, &program.member))
            .collect(),
        groups: program.group.as_ref().map_or_else(Vec::new, |g| {
            case.groups.iter().map(|r| record_row(r, g)).collect()
        }),
        events: Vec::new(),
    };
    data.members.sort_by(|a, b| a.id.cmp(&b.id));
    data.groups.sort_by(|a, b| a.id.cmp(&b.id));
    for (n, e) in case.events.iter().enumerate() {
        let schema = &program.events[e.kind];
        let mut row = Row::with_width(schema.fields.len());
        row.id = format!("e{}", n + 1);
        row.vals[0] = Val::Text(row.id.clone());
        row.vals[1] = Val::Text(e.by.clone());
        row.vals[2] = Val::Time(e.at);
        for (i, v) in &e.values {
            row.vals[*i] = value(v);
        }
        data.events.push(EventRecord {
            kind: e.kind,
            at: e.at,
            row,
        });
    }
    data
}

/// The run of a block: the window starts with the test's day, or its first event or
/// ledger grant, and ends at its `at`.
fn test_options(engine: &Compiled, case: &TestCase) -> RunOptions {
    let tz = engine.program.settings.timezone;
    let start = case
        .events
        .iter()
        .map(|e| e.at)
        .chain(case.ledger.iter().map(|l| l.at + 1))
        .chain([day_start(tz, local_date(tz, case.at))])
        .min()
        .unwrap_or(case.at);
    RunOptions {
        at: case.at,
        since: Some(start - 1),
        skip_bad_rows: false,
        threads: 1,
        pushdown: true,
        hold: true,
    }
}

/// The block's `ledger` as history.
fn test_usage(engine: &Compiled, case: &TestCase, opts: &RunOptions) -> Usage {
    let mut usage = engine.usage();
    let (after, until) = opts.window();
    for (n, entry) in case.ledger.iter().enumerate() {
        let kind = if case.groups.iter().any(|g| g.id == entry.target) {
            TargetKind::Group
        } else {
            TargetKind::Member
        };
        let cause = format!("ledger:{}", n + 1);
        usage.load(
            HistoryGrant {
                rule: &entry.rule,
                target_kind: kind,
                target: &entry.target,
                cause: &cause,
                cause_at: entry.at,
                value: reward_cost(engine, &entry.reward),
                at: entry.at,
                red_packet: reward_class(engine, &entry.reward) == Some(RewardClass::RedPacket),
                counts_spend: true,
            },
            after,
            until,
        );
    }
    usage
}

fn record_row(rec: &TestRecord, schema: &RecordSchema) -> Row {
    let mut row = Row::with_width(schema.fields.len());
    row.id = rec.id.clone();
    if let Some(slot) = schema.index("id") {
        row.vals[slot] = Val::Text(rec.id.clone());
    }
    for (i, v) in &rec.values {
        row.vals[*i] = value(v);
    }
    row
}

/// A test value as a runtime value (a list literal given for a set becomes a set).
fn value(v: &Value) -> Val {
    match v {
        Value::List(items) => {
            let mut set = String::new();
            for item in items {
                if let Value::Text(t) = item {
                    if !set.is_empty() {
                        set.push(SET_SEPARATOR);
                    }
                    set.push_str(t);
                }
            }
            Val::Set(set)
        }
        other => other.val(),
    }
}

/// What a declared reward costs when a test's `ledger` says it was granted: its
/// fixed cost where it has one, else nothing.
fn reward_leaf<'e>(engine: &'e Compiled, reward: &str) -> Option<&'e Leaf> {
    engine
        .plan
        .rules
        .iter()
        .flat_map(|r| &r.leaves)
        .find(|l| &*l.label == reward)
}

fn reward_cost(engine: &Compiled, reward: &str) -> Fen {
    reward_leaf(engine, reward)
        .and_then(|leaf| leaf.fixed_cost)
        .unwrap_or(Fen::ZERO)
}

fn reward_class(engine: &Compiled, reward: &str) -> Option<RewardClass> {
    reward_leaf(engine, reward).map(|leaf| leaf.class)
}

fn check(e: &Expectation, out: &TestOutcome, report: &RunReport) -> Option<String> {
    match e {
        Expectation::Gets {
            target,
            negated,
            rewards,
        } => {
            let got: Vec<&Grant> = out
                .grants
                .iter()
                .filter(|g| g.target.id == *target)
                .collect();
            let has = |x: &str| got.iter().any(|g| &*g.reward == x || &*g.rule == x);
            match (rewards, negated) {
                (None, false) if !got.is_empty() => Some(format!(
                    "expected {target} to get nothing, but {target} got {}",
                    list(&got)
                )),
                (None, true) if got.is_empty() => Some(format!(
                    "expected {target} to get something, but {target} got nothing"
                )),
                (None, _) => None,
                (Some(xs), false) => {
                    let missing: Vec<&str> =
                        xs.iter().map(String::as_str).filter(|x| !has(x)).collect();
                    (!missing.is_empty()).then(|| {
                        format!(
                            "expected {target} to get {}, but {target} got {}{}",
                            missing.join(", "),
                            list(&got),
                            refusals_of(out, target)
                        )
                    })
                }
                (Some(xs), true) => {
                    let present: Vec<&str> =
                        xs.iter().map(String::as_str).filter(|x| has(x)).collect();
                    (!present.is_empty()).then(|| {
                        format!(
                            "expected {target} not to get {}, but {target} got {}",
                            present.join(", "),
                            list(&got)
                        )
                    })
                }
            }
        }
        Expectation::Refused {
            target,
            rule,
            reason,
        } => {
            let found = out.refusals.iter().any(|r| {
                r.grants[0].target.id == *target
                    && &*r.grants[0].rule == rule
                    && r.reason.as_str() == reason
            });
            (!found).then(|| {
                let granted: Vec<&Grant> = out
                    .grants
                    .iter()
                    .filter(|g| g.target.id == *target && &*g.rule == rule)
                    .collect();
                let what = if granted.is_empty() {
                    refusals_of(out, target)
                } else {
                    format!("; rule {rule} granted {}", list(&granted))
                };
                let what = if what.is_empty() {
                    format!("; rule {rule} neither granted nor refused anything to {target}")
                } else {
                    what
                };
                format!("expected rule {rule} to refuse {target} because of {reason}{what}")
            })
        }
        Expectation::Spend(amount) => (report.granted.value != *amount).then(|| {
            format!(
                "expected spend {amount}, but the run spent {} on {} grant{}",
                report.granted.value,
                report.granted.count,
                if report.granted.count == 1 { "" } else { "s" }
            )
        }),
    }
}

fn list(grants: &[&Grant]) -> String {
    if grants.is_empty() {
        return "nothing".into();
    }
    grants
        .iter()
        .map(|g| format!("{} (rule {})", g.reward, g.rule))
        .collect::<Vec<_>>()
        .join(", ")
}

fn refusals_of(out: &TestOutcome, target: &str) -> String {
    let mut text = String::new();
    for r in out
        .refusals
        .iter()
        .filter(|r| r.grants[0].target.id == target)
    {
        let _ = write!(
            text,
            "; rule {} was refused ({}: {})",
            r.grants[0].rule,
            r.reason.as_str(),
            r.message
        );
    }
    text
}

/// One line of what a failing test expected a target to get against what it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// Expected and granted.
    Granted {
        /// Reward name.
        reward: String,
        /// The rule that granted it.
        rule: String,
    },
    /// Expected but not granted.
    Missing {
        /// The reward (or rule) the test named.
        reward: String,
        /// Why not, when a limit, cap, budget or `exclusive` refused it.
        refused: Option<String>,
        /// Otherwise, the `explain` line of the rule that gives it: the first thing
        /// that stopped it (`✗ 新人礼: \`潜客\` is false`).
        why: Option<String>,
    },
    /// Granted but not expected.
    Unexpected {
        /// Reward name.
        reward: String,
        /// The rule that granted it.
        rule: String,
    },
}

/// Expected against actual grants for one target of a failing test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetDiff {
    /// Member or group id.
    pub target: String,
    /// The target's expected rewards in the order the test names them, then every
    /// grant it did not expect.
    pub lines: Vec<DiffLine>,
    /// Refusals of firings for the target that no missing line already gives:
    /// `rule R refused X: reason — message`.
    pub refusals: Vec<String>,
}

/// The grant diff of a failed test, one entry per target a failed expectation names
/// (every target that got something when the failed expectation is `expect spend`).
pub fn grant_diff(
    engine: &Compiled,
    sources: &SourceMap,
    case: &TestCase,
    outcome: &TestOutcome,
) -> Vec<TargetDiff> {
    let failed: Vec<&Expectation> = case
        .expectations
        .iter()
        .filter(|e| outcome.failures.iter().any(|(span, _)| *span == e.span))
        .map(|e| &e.node)
        .collect();
    let mut targets: Vec<&str> = Vec::new();
    for e in &failed {
        match e {
            Expectation::Gets { target, .. } | Expectation::Refused { target, .. } => {
                targets.push(target);
            }
            Expectation::Spend(_) => targets.extend(outcome.grants.iter().map(|g| &*g.target.id)),
        }
    }
    let mut seen = std::collections::HashSet::new();
    targets.retain(|t| seen.insert(*t));
    targets
        .into_iter()
        .map(|t| {
            let mut diff = target_diff(case, outcome, t);
            explain_missing(engine, sources, case, &mut diff);
            diff
        })
        .collect()
}

/// Fills in the `why` of each missing reward that no refusal explains, from the
/// explanation of the rule that gives it, as `playbook explain` shows it.
fn explain_missing(engine: &Compiled, sources: &SourceMap, case: &TestCase, diff: &mut TargetDiff) {
    let unexplained = |l: &DiffLine| matches!(l, DiffLine::Missing { refused: None, .. });
    if !diff.lines.iter().any(unexplained) || !case.members.iter().any(|m| m.id == diff.target) {
        return;
    }
    let mut data = test_data(engine, case);
    let usage = test_usage(engine, case, &test_options(engine, case));
    let Ok(Some(explanations)) =
        explain_member(engine, sources, &mut data, &usage, &diff.target, case.at)
    else {
        return;
    };
    let program = &engine.program;
    for line in &mut diff.lines {
        let DiffLine::Missing {
            reward,
            refused: None,
            why,
        } = line
        else {
            continue;
        };
        *why = program
            .rules
            .iter()
            .filter(|r| r.name == *reward || r.give.iter().any(|g| gives(g, reward)))
            .find_map(|r| explanations.iter().find(|e| e.rule == r.name))
            .map(|e| e.text().lines().next().unwrap_or_default().to_owned());
    }
}

/// Whether `reward` is, or can come out as, the reward named `name`.
fn gives(reward: &Reward, name: &str) -> bool {
    reward.label == name
        || match &reward.kind {
            RewardKind::Lottery { arms, rest } => {
                arms.iter().any(|(_, r)| gives(r, name))
                    || rest.as_ref().is_some_and(|r| gives(r, name))
            }
            RewardKind::Tier { arms, otherwise } => {
                arms.iter().any(|(_, r)| gives(r, name))
                    || otherwise.as_ref().is_some_and(|r| gives(r, name))
            }
            RewardKind::TierBy {
                arms, otherwise, ..
            } => {
                arms.iter().any(|(_, _, r)| gives(r, name))
                    || otherwise.as_ref().is_some_and(|r| gives(r, name))
            }
            RewardKind::Experiment { arms, .. } => arms.iter().any(|(_, _, r)| gives(r, name)),
            _ => false,
        }
}

fn target_diff(case: &TestCase, outcome: &TestOutcome, target: &str) -> TargetDiff {
    let mut expected: Vec<&str> = Vec::new();
    for e in &case.expectations {
        if let Expectation::Gets {
            target: t,
            negated: false,
            rewards: Some(rewards),
        } = &e.node
            && t == target
        {
            for reward in rewards {
                if !expected.contains(&reward.as_str()) {
                    expected.push(reward);
                }
            }
        }
    }
    let got: Vec<&Grant> = outcome
        .grants
        .iter()
        .filter(|g| g.target.id == target)
        .collect();
    let refusals: Vec<&Refusal> = outcome
        .refusals
        .iter()
        .filter(|r| r.grants[0].target.id == target)
        .collect();
    let names = |g: &Grant, x: &str| &*g.reward == x || &*g.rule == x;
    let mut lines = Vec::new();
    for x in &expected {
        match got.iter().find(|g| names(g, x)) {
            Some(g) => lines.push(DiffLine::Granted {
                reward: g.reward.to_string(),
                rule: g.rule.to_string(),
            }),
            None => lines.push(DiffLine::Missing {
                reward: (*x).to_owned(),
                refused: refusals
                    .iter()
                    .find(|r| r.grants.iter().any(|g| names(g, x)))
                    .map(|r| refusal_line(r)),
                why: None,
            }),
        }
    }
    for g in got.iter().filter(|g| !expected.iter().any(|x| names(g, x))) {
        lines.push(DiffLine::Unexpected {
            reward: g.reward.to_string(),
            rule: g.rule.to_string(),
        });
    }
    let shown: Vec<&String> = lines
        .iter()
        .filter_map(|l| match l {
            DiffLine::Missing { refused, .. } => refused.as_ref(),
            _ => None,
        })
        .collect();
    let refusals = refusals
        .iter()
        .map(|r| refusal_line(r))
        .filter(|r| !shown.contains(&r))
        .collect();
    TargetDiff {
        target: target.to_owned(),
        lines,
        refusals,
    }
}

fn refusal_line(r: &Refusal) -> String {
    let rewards: Vec<&str> = r.grants.iter().map(|g| &*g.reward).collect();
    format!(
        "rule {} refused {}: {} — {}",
        r.grants[0].rule,
        rewards.join(", "),
        r.reason.as_str(),
        r.message
    )
}
