//! `segments`: every segment's size at an instant, the table read once.

use crate::compile::Compiled;
use crate::data::{BadValue, DataSource, Table};
use crate::interpret::engine::RunError;
use crate::interpret::eval::Env;
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

/// Counts every segment at `at`: one scan of members, one of groups.
pub fn segment_sizes(
    engine: &Compiled,
    data: &mut dyn DataSource,
    at: i64,
    skip_bad_rows: bool,
) -> Result<(Vec<SegmentSize>, Vec<BadValue>), RunError> {
    let program = &engine.program;
    let mut segs = engine.segments();
    engine.rank_tops(data, at, &mut segs)?;
    let mut sizes: Vec<SegmentSize> = program
        .segments
        .iter()
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
        if wanted.is_empty() {
            continue;
        }
        let mut failure = None;
        let table = if kind == TargetKind::Member {
            Table::Members
        } else {
            Table::Groups
        };
        data.scan(table, &engine.all_fields(kind), &mut |row| {
            if !engine.existed(kind, row, at) {
                return true; // not a member (group) yet
            }
            segs.reset();
            let env = base.with_target(kind, row);
            for &i in &wanted {
                sizes[i].of += 1;
                match segs.contains(i, &env) {
                    Ok(true) => sizes[i].size += 1,
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
