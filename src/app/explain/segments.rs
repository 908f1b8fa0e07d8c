//! `segments`: every segment's size at an instant, the table read once.

use crate::compile::Compiled;
use crate::data::{BadValue, DataSource, Table};
use crate::interpret::engine::RunError;
use crate::interpret::eval::Env;
use crate::interpret::usage::GrantLog;
use crate::syntax::ast::TargetKind;

/// The size of one segment at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentSize {
    /// Segment name.
    pub name: String,
    /// Members or groups.
    pub target: TargetKind,
    /// How many are in it.
    pub size: u64,
    /// How many were evaluated.
    pub of: u64,
}

/// Counts every segment at `at`: one scan of members, one of groups, reading every
/// field any expression reads (a row with a bad value in one is left out).
/// Aggregates over `granted` read `granted` (e.g. a ledger's grants up to `at`).
pub fn segment_sizes(
    engine: &Compiled,
    data: &mut dyn DataSource,
    (at, granted): (i64, Option<&GrantLog>),
    skip_bad_rows: bool,
) -> Result<(Vec<SegmentSize>, Vec<BadValue>), RunError> {
    let all: Vec<usize> = (0..engine.program.segments.len()).collect();
    let read_all = |kind, _: &[usize]| engine.all_fields(kind);
    count(engine, data, (at, granted, skip_bad_rows), &all, &read_all)
}

/// Counts the segments `only` (indices, in that order) at `at`, reading only the
/// fields they read: a row is left out for a bad value in one of those.
pub fn segment_sizes_of(
    engine: &Compiled,
    data: &mut dyn DataSource,
    at: i64,
    skip_bad_rows: bool,
    only: &[usize],
) -> Result<(Vec<SegmentSize>, Vec<BadValue>), RunError> {
    count(
        engine,
        data,
        (at, None, skip_bad_rows),
        only,
        &|_, wanted| segments_read(engine, wanted),
    )
}

/// The fields counting segments `wanted` reads, sorted.
pub fn segments_read(engine: &Compiled, wanted: &[usize]) -> Vec<usize> {
    let mut fields: Vec<usize> = wanted
        .iter()
        .flat_map(|&i| engine.plan.segment_fields[i].iter().copied())
        .collect();
    fields.sort_unstable();
    fields.dedup();
    fields
}

/// The fields a scan for segments `wanted` (all of one kind) decodes.
type ReadFor<'a> = dyn Fn(TargetKind, &[usize]) -> Vec<usize> + 'a;

fn count(
    engine: &Compiled,
    data: &mut dyn DataSource,
    (at, granted, skip_bad_rows): (i64, Option<&GrantLog>, bool),
    only: &[usize],
    read_for: &ReadFor<'_>,
) -> Result<(Vec<SegmentSize>, Vec<BadValue>), RunError> {
    let program = &engine.program;
    let histories = if engine.histories.is_empty() {
        None
    } else {
        let past: Vec<_> = data.events(i64::MIN, at)?.records().collect();
        Some(crate::interpret::engine::histories_from(engine, &past)?)
    };
    let mut segs = engine.segments();
    segs.histories = histories.as_ref();
    segs.granted = granted;
    if engine.plan.has_top {
        engine.rank_tops(data, at, &mut segs)?;
    }
    let mut sizes: Vec<SegmentSize> = only
        .iter()
        .map(|&i| &program.segments[i])
        .map(|s| SegmentSize {
            name: s.name.clone(),
            target: s.target,
            size: 0,
            of: 0,
        })
        .collect();
    let base = Env::at(at, program.settings.timezone);
    for kind in [TargetKind::Member, TargetKind::Group] {
        let wanted: Vec<usize> = (0..sizes.len())
            .filter(|&i| sizes[i].target == kind)
            .collect();
        let segments: Vec<usize> = wanted.iter().map(|&k| only[k]).collect();
        if wanted.is_empty() {
            continue;
        }
        let mut failure = None;
        let table = if kind == TargetKind::Member {
            Table::Members
        } else {
            Table::Groups
        };
        data.scan(table, &read_for(kind, &segments), &mut |row| {
            if !engine.existed(kind, row, at) {
                return true; // not a member (group) yet
            }
            segs.reset();
            let env = base.with_target(kind, row).with_history(
                histories
                    .as_ref()
                    .map(|h| h.of(&row.id).with_granted(granted, &row.id)),
            );
            for (&k, &i) in wanted.iter().zip(&segments) {
                sizes[k].of += 1;
                match segs.contains(i, &env) {
                    Ok(true) => sizes[k].size += 1,
                    Ok(false) => {}
                    Err(e) => {
                        failure = Some(RunError::segment(&program.segments[i], kind, &row.id, e));
                        return false;
                    }
                }
            }
            true
        })?;
        if let Some(f) = failure {
            return Err(f);
        }
    }
    let problems = data.take_problems();
    if !problems.is_empty() && !skip_bad_rows {
        return Err(RunError::BadData(problems));
    }
    Ok((sizes, problems))
}

/// The sizes as a table for people, headed `segments at AT`.
pub fn segments_text(sizes: &[SegmentSize], at: &str) -> String {
    use unicode_width::UnicodeWidthStr;
    let w = sizes.iter().map(|s| s.name.width()).max().unwrap_or(0);
    let mut out = format!("segments at {at}\n");
    for s in sizes {
        let pct = if s.of == 0 {
            0.0
        } else {
            100.0 * s.size as f64 / s.of as f64
        };
        let pad = " ".repeat(w.saturating_sub(s.name.width()));
        out.push_str(&format!(
            "  {}{pad}  {:>10} of {:>10} {}s  ({pct:.1}%)\n",
            s.name,
            s.size,
            s.of,
            s.target.keyword()
        ));
    }
    out
}
