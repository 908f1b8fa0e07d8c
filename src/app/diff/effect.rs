//! The effect part of a diff: both versions run over the same period (dry, as
//! `simulate` does), their grants compared per rule and per target.
//!
//! The data is read once for both when they read it alike ([`SharedReads`]): the
//! members each version holds (their fields widened to what both read) and the
//! window's events. Segment sizes are counted only for segments whose definitions
//! may differ; the others are the same by construction.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use super::why::{Explaining, Refused, why};
use super::{Effect, Example, Period, RuleEffect, SegmentChange, Totals};
use crate::app::explain::{segment_sizes_of, segments_read};
use crate::app::run::{RunFailure, RunRequest, run};
use crate::check::Program;
use crate::compile::Compiled;
use crate::data::sqlite::{SharedReads, SqliteData};
use crate::data::{DataSource, Table, TableNames};
use crate::interpret::engine::{RunError, Sink, SinkError};
use crate::interpret::grant::{Grant, Refusal};
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
    /// The stretch of time both run over.
    pub period: Period,
    /// A ledger whose history counts for both (read only).
    pub ledger: Option<&'a Path>,
    /// Leave out rows with bad values.
    pub skip_bad_rows: bool,
    /// Targets to show with what made their difference.
    pub examples: usize,
}

impl EffectRequest<'_> {
    /// The run window `(since, at]`; days are local to the new version.
    pub(super) fn window(&self) -> (i64, i64) {
        self.period
            .window(self.new.compiled.program.settings.timezone)
    }

    /// A version's view of the data (its schema checked against it), sharing reads.
    pub(super) fn open(
        &self,
        v: Version<'_>,
        reads: &SharedReads,
    ) -> Result<SqliteData, RunFailure> {
        let program = &v.compiled.program;
        let mut data =
            SqliteData::open(self.data, program, self.tables.clone()).map_err(RunError::from)?;
        data.share(reads.clone());
        Ok(data)
    }
}

/// A target: a member or a group, by id.
pub(super) type TargetKey = (TargetKind, String);

/// Runs both versions over the period and compares them.
pub fn effect(request: &EffectRequest<'_>) -> Result<Effect, RunFailure> {
    let (old_program, new_program) = (&request.old.compiled.program, &request.new.compiled.program);
    let segments = changed_segments(old_program, new_program, request);
    let reads = SharedReads::new();
    hold_for_both(request, &reads, &segments);
    if request.examples > 0 {
        // The examples are explained on the period's events, not a new read.
        reads.retain_events();
    }
    let old = gather(request, request.old.compiled, &reads)?;
    let new = gather(request, request.new.compiled, &reads)?;
    // A renamed rule's grants are compared under its new name.
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
    let old = old.renamed(&now_named).count_targets();
    let new = new.count_targets();
    let mut rules: Vec<RuleEffect> = new_program
        .rules
        .iter()
        .map(|r| RuleEffect {
            name: r.name.clone(),
            old: old.total(&r.name),
            new: new.total(&r.name),
        })
        .collect();
    for r in &old_program.rules {
        let name = now_named(&r.name);
        if !rules.iter().any(|e| e.name == name) {
            rules.push(RuleEffect {
                old: old.total(&name),
                new: Totals::default(),
                name,
            });
        }
    }
    let tz = new_program.settings.timezone;
    let (from, to) = request.period.shown(tz);
    let mut out = Effect {
        from,
        to,
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
    let window = request.window();
    let [old_data, new_data] = [request.old, request.new].map(|v| {
        request.open(v, &reads).map(|data| Explaining {
            events: data.shared_events(window),
            data,
        })
    });
    let mut data = [old_data?, new_data?];
    let empty = Vec::new();
    let mut targets: Vec<&TargetKey> = old.by_target.keys().chain(new.by_target.keys()).collect();
    targets.sort_unstable();
    targets.dedup();
    for key in targets {
        let before = old.by_target.get(key).unwrap_or(&empty);
        let after = new.by_target.get(key).unwrap_or(&empty);
        if same_rewards(before, after) {
            continue;
        }
        match (before.is_empty(), after.is_empty()) {
            (true, _) => out.gained += 1,
            (_, true) => out.lost += 1,
            _ => out.changed += 1,
        }
        if out.examples.len() < request.examples {
            let refused = (old.refused_of(key), new.refused_of(key));
            let why = why(request, &mut data, key, (before, after), refused);
            out.examples.push(Example {
                target: format!("{} {}", key.0.keyword(), key.1),
                old: labels(before),
                new: labels(after),
                why,
            });
        }
    }
    out.segments = segment_changes(request, &mut data, &segments)?;
    Ok(out)
}

/// One grant as a diff keeps it: rule, reward, and the instant of its cause.
#[derive(Debug, Clone)]
pub(super) struct Got {
    pub(super) rule: Arc<str>,
    pub(super) reward: Arc<str>,
    pub(super) value: crate::money::Fen,
    pub(super) at: i64,
}

/// Every grant of one version by target and by rule, and its refusals by target.
#[derive(Default)]
struct Gathered {
    by_target: HashMap<TargetKey, Vec<Got>>,
    by_rule: BTreeMap<Arc<str>, Totals>,
    refused: HashMap<TargetKey, Vec<Refused>>,
}

impl Gathered {
    fn renamed(mut self, name: &impl Fn(&str) -> String) -> Gathered {
        let mut names: HashMap<Arc<str>, Arc<str>> = HashMap::new();
        let mut rename = |rule: &mut Arc<str>| {
            let to = names
                .entry(rule.clone())
                .or_insert_with(|| Arc::from(name(rule)));
            *rule = to.clone();
        };
        for grants in self.by_target.values_mut() {
            grants.iter_mut().for_each(|g| rename(&mut g.rule));
        }
        for refusals in self.refused.values_mut() {
            refusals.iter_mut().for_each(|r| rename(&mut r.rule));
        }
        self.by_rule = std::mem::take(&mut self.by_rule)
            .into_iter()
            .map(|(mut r, t)| {
                rename(&mut r);
                (r, t)
            })
            .collect();
        self
    }

    /// Counts each rule's distinct targets (once all grants are in).
    fn count_targets(mut self) -> Gathered {
        let mut rules: Vec<&str> = Vec::new();
        for grants in self.by_target.values() {
            rules.clear();
            rules.extend(grants.iter().map(|g| &*g.rule));
            rules.sort_unstable();
            rules.dedup();
            for r in &rules {
                if let Some(t) = self.by_rule.get_mut(*r) {
                    t.targets += 1;
                }
            }
        }
        self
    }

    fn total(&self, rule: &str) -> Totals {
        self.by_rule.get(rule).copied().unwrap_or_default()
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

    fn refused_of(&self, key: &TargetKey) -> &[Refused] {
        self.refused.get(key).map_or(&[], Vec::as_slice)
    }
}

impl Sink for Gathered {
    fn grant(&mut self, g: &Grant) -> Result<(), SinkError> {
        let t = self.by_rule.entry(g.rule.clone()).or_default();
        t.grants += 1;
        t.spend = t.spend.plus(g.value);
        self.by_target
            .entry((g.target.kind, g.target.id.clone()))
            .or_default()
            .push(Got {
                rule: g.rule.clone(),
                reward: g.reward.clone(),
                value: g.value,
                at: g.cause.at(),
            });
        Ok(())
    }

    fn refusal(&mut self, r: &Refusal) -> Result<(), SinkError> {
        let Some(g) = r.grants.first() else {
            return Ok(());
        };
        self.refused
            .entry((g.target.kind, g.target.id.clone()))
            .or_default()
            .push(Refused {
                rule: g.rule.clone(),
                at: g.cause.at(),
                message: r.message.clone(),
            });
        Ok(())
    }
}

fn gather(
    request: &EffectRequest<'_>,
    compiled: &Compiled,
    reads: &SharedReads,
) -> Result<Gathered, RunFailure> {
    let (since, at) = request.window();
    let run_request = RunRequest {
        since: Some(since),
        ledger: request.ledger,
        dry_run: true,
        skip_bad_rows: request.skip_bad_rows,
        tables: request.tables.clone(),
        shared: Some(reads),
        ..RunRequest::new(compiled, request.data, at)
    };
    let mut gathered = Gathered::default();
    run(&run_request, &mut gathered)?;
    Ok(gathered)
}

/// When both versions read members (groups) alike, the first holds every field
/// either reads, the changed segments' too, so the second reads nothing again.
fn hold_for_both(request: &EffectRequest<'_>, reads: &SharedReads, segments: &[String]) {
    let (old, new) = (request.old.compiled, request.new.compiled);
    let (a, b) = (&old.program, &new.program);
    for (kind, table) in [
        (TargetKind::Member, Table::Members),
        (TargetKind::Group, Table::Groups),
    ] {
        let same = match kind {
            TargetKind::Member => same_fields(&a.member, &b.member),
            TargetKind::Group => match (&a.group, &b.group) {
                (Some(x), Some(y)) => same_fields(x, y),
                _ => false,
            },
        };
        if !same {
            continue;
        }
        let mut fields = old.fields(kind);
        fields.extend(new.fields(kind));
        for (c, p) in [(old, a), (new, b)] {
            let wanted = indices(p, segments, kind);
            fields.extend(segments_read(c, &wanted));
        }
        reads.hold_also(table, &fields);
    }
}

fn same_fields(
    a: &crate::check::model::RecordSchema,
    b: &crate::check::model::RecordSchema,
) -> bool {
    a.fields.len() == b.fields.len()
        && a.fields
            .iter()
            .zip(&b.fields)
            .all(|(x, y)| x.name == y.name && x.ty == y.ty)
}

/// Whether the two got the same rewards from the same rules (instants aside).
fn same_rewards(a: &[Got], b: &[Got]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    pairs(a) == pairs(b)
}

fn pairs(g: &[Got]) -> Vec<(&str, &str)> {
    let mut p: Vec<(&str, &str)> = g.iter().map(|x| (&*x.rule, &*x.reward)).collect();
    p.sort_unstable();
    p
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

/// Names of the segments whose members may differ between the versions: those in
/// one version only, those whose definition reads differently, and those that use
/// one of these. All of them when the timezone or a schema changed.
fn changed_segments(old: &Program, new: &Program, request: &EffectRequest<'_>) -> Vec<String> {
    let everything = old.settings.timezone != new.settings.timezone
        || !same_fields(&old.member, &new.member)
        || match (&old.group, &new.group) {
            (Some(a), Some(b)) => !same_fields(a, b),
            (None, None) => false,
            _ => true,
        };
    let text = |p: &Program, sources: &SourceMap| -> HashMap<String, String> {
        p.segments
            .iter()
            .map(|s| (s.name.clone(), definition_text(s, sources)))
            .collect()
    };
    let (before, after) = (
        text(old, request.old.sources),
        text(new, request.new.sources),
    );
    let mut changed: BTreeSet<String> = before
        .iter()
        .filter(|(name, def)| everything || after.get(*name) != Some(*def))
        .map(|(name, _)| name.clone())
        .collect();
    changed.extend(
        after
            .iter()
            .filter(|(name, _)| !before.contains_key(*name))
            .map(|(name, _)| name.clone()),
    );
    // A segment that uses a changed one changes with it, in either version.
    for p in [old, new] {
        for &i in &p.segment_order {
            let uses = crate::check::segment_dependencies(&p.segments[i].def);
            if uses.iter().any(|&d| changed.contains(&p.segments[d].name)) {
                changed.insert(p.segments[i].name.clone());
            }
        }
    }
    changed.into_iter().collect()
}

/// A segment's target and definition as written, spacing aside.
fn definition_text(s: &crate::check::model::Segment, sources: &SourceMap) -> String {
    use crate::check::model::SegmentDef;
    let text = |e: &crate::check::types::TExpr| {
        let t = sources.get(e.span.file).slice(e.span);
        t.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    match &s.def {
        SegmentDef::Expr(e) => format!("{:?} {}", s.target, text(e)),
        SegmentDef::Top { count, by, filter } => format!(
            "{:?} top {count} by {} where {}",
            s.target,
            text(by),
            filter.as_ref().map(text).unwrap_or_default()
        ),
    }
}

/// The indices in `p` of the segments named in `names` of target `kind`.
fn indices(p: &Program, names: &[String], kind: TargetKind) -> Vec<usize> {
    (0..p.segments.len())
        .filter(|&i| p.segments[i].target == kind && names.contains(&p.segments[i].name))
        .collect()
}

/// Sizes at the end of the period of the segments that may have changed, where
/// they differ (or exist in one version only).
fn segment_changes(
    request: &EffectRequest<'_>,
    [old_data, new_data]: &mut [Explaining; 2],
    names: &[String],
) -> Result<Vec<SegmentChange>, RunFailure> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let (_, at) = request.window();
    let skip = request.skip_bad_rows;
    let sizes =
        |v: Version<'_>, data: &mut SqliteData| -> Result<BTreeMap<String, u64>, RunFailure> {
            let c = v.compiled;
            let mut out = BTreeMap::new();
            for (kind, table) in [
                (TargetKind::Member, Table::Members),
                (TargetKind::Group, Table::Groups),
            ] {
                let wanted = indices(&c.program, names, kind);
                if wanted.is_empty() {
                    continue;
                }
                // From the runs' held columns when they hold these fields.
                data.hold(table, &segments_read(c, &wanted))
                    .map_err(RunError::from)?;
                let (sizes, _) = segment_sizes_of(c, data, at, skip, &wanted)?;
                out.extend(sizes.into_iter().map(|s| (s.name, s.size)));
            }
            Ok(out)
        };
    let (old, new) = (
        sizes(request.old, &mut old_data.data)?,
        sizes(request.new, &mut new_data.data)?,
    );
    let all: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    Ok(all
        .into_iter()
        .filter(|n| old.get(*n) != new.get(*n))
        .map(|n| SegmentChange {
            name: n.clone(),
            old: old.get(n).copied(),
            new: new.get(n).copied(),
        })
        .collect())
}
