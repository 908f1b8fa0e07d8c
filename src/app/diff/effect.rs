//! The effect part of a diff: both versions run over the same period (dry, as
//! `simulate` does), their grants compared per rule and per target.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use chrono::{Days, NaiveDate};

use super::{Effect, Example, RuleEffect, SegmentChange, Totals};
use crate::app::explain::{explain_target, segment_sizes};
use crate::app::run::{RunFailure, RunRequest, run};
use crate::compile::Compiled;
use crate::data::TableNames;
use crate::data::sqlite::SqliteData;
use crate::interpret::engine::{RunError, Sink, SinkError};
use crate::interpret::grant::{Grant, Refusal};
use crate::interpret::usage::Usage;
use crate::source::SourceMap;
use crate::syntax::ast::TargetKind;
use crate::time::day_start;

/// One version of the playbook.
#[derive(Debug, Clone, Copy)]
pub struct Version<'a> {
    /// Compiled.
    pub compiled: &'a Compiled,
    /// Its sources (for explaining).
    pub sources: &'a SourceMap,
}

/// What to compare over.
#[derive(Debug, Clone)]
pub struct EffectRequest<'a> {
    /// The version under review's base.
    pub old: Version<'a>,
    /// The version under review.
    pub new: Version<'a>,
    /// The data file.
    pub data: &'a Path,
    /// Table names in it.
    pub tables: TableNames,
    /// First day (local to the new version).
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// A ledger whose history counts for both (read only).
    pub ledger: Option<&'a Path>,
    /// Leave out rows with bad values.
    pub skip_bad_rows: bool,
    /// Targets to show with what made their difference.
    pub examples: usize,
}

/// Runs both versions over the period and compares them.
pub fn effect(request: &EffectRequest<'_>) -> Result<Effect, RunFailure> {
    let old = gather(request, request.old.compiled)?;
    let new = gather(request, request.new.compiled)?;
    // A renamed rule's grants are compared under its new name.
    let new_program = &request.new.compiled.program;
    let renamed: HashMap<&str, &str> = new_program
        .rules
        .iter()
        .flat_map(|r| {
            r.renamed_from
                .iter()
                .map(move |f| (f.as_str(), r.name.as_str()))
        })
        .collect();
    let now_named = |rule: &str| renamed.get(rule).copied().unwrap_or(rule).to_owned();
    let old = old.renamed(&now_named);
    let mut rules: Vec<RuleEffect> = new_program
        .rules
        .iter()
        .map(|r| RuleEffect {
            name: r.name.clone(),
            old: old.total(&r.name),
            new: new.total(&r.name),
        })
        .collect();
    for r in &request.old.compiled.program.rules {
        let name = now_named(&r.name);
        if !rules.iter().any(|e| e.name == name) {
            rules.push(RuleEffect {
                old: old.total(&name),
                new: Totals::default(),
                name,
            });
        }
    }
    let mut out = Effect {
        from: request.from,
        to: request.to,
        rules,
        old: old.all(),
        new: new.all(),
        gained: 0,
        lost: 0,
        changed: 0,
        examples: Vec::new(),
        segments: Vec::new(),
    };
    let targets: BTreeSet<&(TargetKind, String)> =
        old.by_target.keys().chain(new.by_target.keys()).collect();
    for key in targets {
        let before = old
            .by_target
            .get(key)
            .map(|g| labels(g))
            .unwrap_or_default();
        let after = new
            .by_target
            .get(key)
            .map(|g| labels(g))
            .unwrap_or_default();
        if before == after {
            continue;
        }
        match (before.is_empty(), after.is_empty()) {
            (true, _) => out.gained += 1,
            (_, true) => out.lost += 1,
            _ => out.changed += 1,
        }
        if out.examples.len() < request.examples {
            let why = why(request, key, old.by_target.get(key), new.by_target.get(key));
            out.examples.push(Example {
                target: format!("{} {}", key.0.keyword(), key.1),
                old: before,
                new: after,
                why,
            });
        }
    }
    out.segments = segments(request)?;
    Ok(out)
}

/// One grant as a diff keeps it: rule, reward, when.
#[derive(Debug, Clone)]
struct Got {
    rule: String,
    reward: String,
    at: i64,
}

/// Every grant of one version, by target and by rule.
#[derive(Default)]
struct Gathered {
    by_target: BTreeMap<(TargetKind, String), Vec<Got>>,
    by_rule: BTreeMap<String, Totals>,
}

impl Gathered {
    fn renamed(mut self, name: &impl Fn(&str) -> String) -> Gathered {
        for grants in self.by_target.values_mut() {
            for g in grants {
                g.rule = name(&g.rule);
            }
        }
        self.by_rule = std::mem::take(&mut self.by_rule)
            .into_iter()
            .map(|(r, t)| (name(&r), t))
            .collect();
        self
    }

    fn total(&self, rule: &str) -> Totals {
        let mut t = self.by_rule.get(rule).copied().unwrap_or_default();
        t.targets = self
            .by_target
            .values()
            .filter(|g| g.iter().any(|x| x.rule == rule))
            .count() as u64;
        t
    }

    fn all(&self) -> Totals {
        let mut t = Totals {
            targets: self.by_target.len() as u64,
            ..Totals::default()
        };
        for r in self.by_rule.values() {
            t.grants += r.grants;
            t.spend = t.spend.plus_sum(r.spend);
        }
        t
    }
}

impl Sink for Gathered {
    fn grant(&mut self, g: &Grant) -> Result<(), SinkError> {
        let t = self.by_rule.entry(g.rule.to_string()).or_default();
        t.grants += 1;
        t.spend = t.spend.plus(g.value);
        self.by_target
            .entry((g.target.kind, g.target.id.clone()))
            .or_default()
            .push(Got {
                rule: g.rule.to_string(),
                reward: g.reward.to_string(),
                at: g.at,
            });
        Ok(())
    }

    fn refusal(&mut self, _: &Refusal) -> Result<(), SinkError> {
        Ok(())
    }
}

/// The period's window, as `simulate` takes it: (one second before the first
/// day, the last second of the last day].
fn window(compiled: &Compiled, from: NaiveDate, to: NaiveDate) -> (i64, i64) {
    let tz = compiled.program.settings.timezone;
    let end = to
        .checked_add_days(Days::new(1))
        .map_or(i64::MAX, |d| day_start(tz, d));
    (day_start(tz, from) - 1, end - 1)
}

fn gather(request: &EffectRequest<'_>, compiled: &Compiled) -> Result<Gathered, RunFailure> {
    let (since, at) = window(request.new.compiled, request.from, request.to);
    let run_request = RunRequest {
        since: Some(since),
        ledger: request.ledger,
        dry_run: true,
        skip_bad_rows: request.skip_bad_rows,
        tables: request.tables.clone(),
        ..RunRequest::new(compiled, request.data, at)
    };
    let mut gathered = Gathered::default();
    run(&run_request, &mut gathered)?;
    Ok(gathered)
}

/// `RULE: REWARD` (`× N` when more than once) for what a target got, sorted.
fn labels(grants: &[Got]) -> Vec<String> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for g in grants {
        *counts
            .entry(format!("{}: {}", g.rule, g.reward))
            .or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(label, n)| {
            if n == 1 {
                label
            } else {
                format!("{label} × {n}")
            }
        })
        .collect()
}

/// The first rule whose grants to the target differ, explained in both versions
/// at the first instant they differ; empty when explaining fails.
fn why(
    request: &EffectRequest<'_>,
    (kind, id): &(TargetKind, String),
    old: Option<&Vec<Got>>,
    new: Option<&Vec<Got>>,
) -> String {
    let empty = Vec::new();
    let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    let count = |grants: &[Got], rule: &str| grants.iter().filter(|g| g.rule == rule).count();
    let mut rules: Vec<&Got> = old.iter().chain(new).collect();
    rules.sort_by_key(|g| g.at);
    let Some(first) = rules.into_iter().find(|g| {
        let (a, b) = (
            old.iter()
                .filter(|x| x.rule == g.rule)
                .map(|x| &x.reward)
                .collect::<Vec<_>>(),
            new.iter()
                .filter(|x| x.rule == g.rule)
                .map(|x| &x.reward)
                .collect::<Vec<_>>(),
        );
        a != b || count(old, &g.rule) != count(new, &g.rule)
    }) else {
        return String::new();
    };
    let side = |v: super::effect::Version<'_>, name: &str| -> Option<String> {
        let program = &v.compiled.program;
        let rule = program
            .rules
            .iter()
            .find(|r| r.name == name || r.renamed_from.iter().any(|f| f == name))?;
        let mut data = SqliteData::open(request.data, program, request.tables.clone()).ok()?;
        let usage = Usage::new(program);
        let all: Result<_, RunError> = explain_target(
            v.compiled, v.sources, &mut data, &usage, *kind, id, first.at,
        );
        let found = all.ok()??.into_iter().find(|e| e.rule == rule.name)?;
        Some(found.verdict)
    };
    let before = side(request.old, &first.rule).unwrap_or_else(|| "no such rule".to_owned());
    let after = side(request.new, &first.rule).unwrap_or_else(|| "no such rule".to_owned());
    format!("{}: before — {before}; now — {after}", first.rule)
}

/// Segment sizes at the end of the period that differ between the versions.
fn segments(request: &EffectRequest<'_>) -> Result<Vec<SegmentChange>, RunFailure> {
    let sizes = |v: Version<'_>| -> Result<BTreeMap<String, u64>, RunFailure> {
        let program = &v.compiled.program;
        let (_, at) = window(request.new.compiled, request.from, request.to);
        let mut data = SqliteData::open(request.data, program, request.tables.clone())
            .map_err(RunError::from)?;
        let (sizes, _) = segment_sizes(v.compiled, &mut data, at, true)?;
        Ok(sizes.into_iter().map(|s| (s.name, s.size)).collect())
    };
    let (old, new) = (sizes(request.old)?, sizes(request.new)?);
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    Ok(names
        .into_iter()
        .filter(|n| old.get(*n) != new.get(*n))
        .map(|n| SegmentChange {
            name: n.clone(),
            old: old.get(n).copied(),
            new: new.get(n).copied(),
        })
        .collect())
}
