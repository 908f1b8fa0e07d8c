//! The effect part of a diff: both versions run over the same period (dry, as
//! `simulate` does), their grants compared per rule and per target.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use chrono::NaiveDate;

use super::{Effect, Example, RuleEffect, SegmentChange, Totals};
use crate::app::explain::{explain_target, segment_sizes};
use crate::app::run::{RunFailure, RunRequest, run};
use crate::app::simulate::period_window;
use crate::compile::Compiled;
use crate::data::TableNames;
use crate::data::sqlite::SqliteData;
use crate::interpret::engine::{RunError, Sink, SinkError};
use crate::interpret::grant::{Grant, Refusal};
use crate::interpret::usage::Usage;
use crate::source::SourceMap;
use crate::syntax::ast::TargetKind;

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
    // Each version's data, opened once for the explanations and segment sizes.
    let mut data = [open(request, request.old)?, open(request, request.new)?];
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
            let grants = (old.by_target.get(key), new.by_target.get(key));
            let why = why(request, &mut data, key, grants);
            out.examples.push(Example {
                target: format!("{} {}", key.0.keyword(), key.1),
                old: before,
                new: after,
                why,
            });
        }
    }
    out.segments = segments(request, &mut data)?;
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

fn gather(request: &EffectRequest<'_>, compiled: &Compiled) -> Result<Gathered, RunFailure> {
    let (since, at) = period_window(new_tz(request), request.from, request.to);
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
    [old_data, new_data]: &mut [SqliteData; 2],
    (kind, id): &(TargetKind, String),
    (old, new): (Option<&Vec<Got>>, Option<&Vec<Got>>),
) -> String {
    let empty = Vec::new();
    let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    let rewards = |grants: &'_ [Got], rule: &str| -> Vec<String> {
        grants
            .iter()
            .filter(|x| x.rule == rule)
            .map(|x| x.reward.clone())
            .collect()
    };
    let mut all: Vec<&Got> = old.iter().chain(new).collect();
    all.sort_by_key(|g| g.at);
    let Some(first) = all
        .into_iter()
        .find(|g| rewards(old, &g.rule) != rewards(new, &g.rule))
    else {
        return String::new();
    };
    let side = |v: Version<'_>, data: &mut SqliteData, name: &str| -> Option<String> {
        let program = &v.compiled.program;
        let rule = program
            .rules
            .iter()
            .find(|r| r.name == name || r.renamed_from.iter().any(|f| f == name))?;
        let usage = Usage::new(program);
        let all: Result<_, RunError> =
            explain_target(v.compiled, v.sources, data, &usage, *kind, id, first.at);
        let found = all.ok()??.into_iter().find(|e| e.rule == rule.name)?;
        Some(found.verdict)
    };
    let no_rule = || "no such rule".to_owned();
    let before = side(request.old, old_data, &first.rule).unwrap_or_else(no_rule);
    let after = side(request.new, new_data, &first.rule).unwrap_or_else(no_rule);
    format!("{}: before — {before}; now — {after}", first.rule)
}

/// The period's days are local to the new version.
fn new_tz(request: &EffectRequest<'_>) -> chrono_tz::Tz {
    request.new.compiled.program.settings.timezone
}

/// A version's view of the data (its schema checked against it).
fn open(request: &EffectRequest<'_>, v: Version<'_>) -> Result<SqliteData, RunFailure> {
    let program = &v.compiled.program;
    Ok(SqliteData::open(request.data, program, request.tables.clone()).map_err(RunError::from)?)
}

/// Segment sizes at the end of the period that differ between the versions.
fn segments(
    request: &EffectRequest<'_>,
    [old_data, new_data]: &mut [SqliteData; 2],
) -> Result<Vec<SegmentChange>, RunFailure> {
    let (_, at) = period_window(new_tz(request), request.from, request.to);
    let sizes =
        |v: Version<'_>, data: &mut SqliteData| -> Result<BTreeMap<String, u64>, RunFailure> {
            let (sizes, _) = segment_sizes(v.compiled, data, at, true)?;
            Ok(sizes.into_iter().map(|s| (s.name, s.size)).collect())
        };
    let (old, new) = (sizes(request.old, old_data)?, sizes(request.new, new_data)?);
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
