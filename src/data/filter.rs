//! Row filters: a condition on stored column values that a source may use to leave
//! out, unread, rows no rule can fire for ("predicate pushdown").
//!
//! A filter is only ever a hint. The engine builds one that is true for every row it
//! could decide something about; a source may skip a row for which it is false, but
//! only when every column the scan reads holds its *plain* stored form (see
//! `decode::is_plain`). Any other row — one with a bad value above all — is read and
//! decoded as without a filter, so every bad value is still reported.

use std::fmt::Write as _;

/// A comparison operator of a [`RowFilter::Compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl FilterOp {
    /// The operator that holds exactly when this one does not (for two values).
    pub fn negated(self) -> FilterOp {
        match self {
            FilterOp::Eq => FilterOp::Ne,
            FilterOp::Ne => FilterOp::Eq,
            FilterOp::Lt => FilterOp::Ge,
            FilterOp::Le => FilterOp::Gt,
            FilterOp::Gt => FilterOp::Le,
            FilterOp::Ge => FilterOp::Lt,
        }
    }

    /// The operator with its operands swapped (`a < b` is `b > a`).
    pub fn flipped(self) -> FilterOp {
        match self {
            FilterOp::Lt => FilterOp::Gt,
            FilterOp::Le => FilterOp::Ge,
            FilterOp::Gt => FilterOp::Lt,
            FilterOp::Ge => FilterOp::Le,
            other => other,
        }
    }

    /// The operator as SQL writes it.
    pub fn sql(self) -> &'static str {
        match self {
            FilterOp::Eq => "=",
            FilterOp::Ne => "<>",
            FilterOp::Lt => "<",
            FilterOp::Le => "<=",
            FilterOp::Gt => ">",
            FilterOp::Ge => ">=",
        }
    }
}

/// A stored value a column is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// INTEGER (ints, money in fen, bools as 0 / 1).
    Int(i64),
    /// TEXT, compared byte by byte (texts, and `YYYY-MM-DD` dates, whose text order
    /// is their date order).
    Text(String),
    /// An instant, Unix seconds, for a `time` column. A file stores times as local
    /// `YYYY-MM-DD HH:MM:SS` text, so SQL compares that text widened by
    /// [`TIME_MARGIN`]; decoded instants compare exactly.
    Time(i64),
}

/// Seconds a stored local time may lie from its instant: the widest UTC offset any
/// zone has used (under 16 hours) plus a skipped DST day, rounded up. Time
/// comparisons are written in SQL as text comparisons this much wider than exact,
/// so no zone's offsets, however irregular, can make one exclude a row wrongly;
/// the few rows inside the margin are decided by the engine as usual.
pub const TIME_MARGIN: i64 = 26 * 3_600;

/// A condition on one row's stored values, fields named by schema index. A
/// comparison with NULL is false, as in the language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowFilter {
    /// Every row.
    True,
    /// No row.
    False,
    /// All hold.
    All(Vec<RowFilter>),
    /// Any holds.
    Any(Vec<RowFilter>),
    /// The field is not NULL.
    Present(usize),
    /// The field is NULL.
    Absent(usize),
    /// The field's stored value compared with a value of the same storage class.
    Compare {
        /// Schema index.
        field: usize,
        /// How.
        op: FilterOp,
        /// With what.
        value: Stored,
    },
}

impl RowFilter {
    /// `a and b …`, simplified: `True` parts dropped, `False` if any part is.
    pub fn all(parts: impl IntoIterator<Item = RowFilter>) -> RowFilter {
        let mut kept = Vec::new();
        for p in parts {
            match p {
                RowFilter::True => {}
                RowFilter::False => return RowFilter::False,
                RowFilter::All(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => RowFilter::True,
            1 => kept.pop().unwrap_or(RowFilter::True),
            _ => RowFilter::All(kept),
        }
    }

    /// `a or b …`, simplified: `False` parts dropped, `True` if any part is.
    pub fn any(parts: impl IntoIterator<Item = RowFilter>) -> RowFilter {
        let mut kept = Vec::new();
        for p in parts {
            match p {
                RowFilter::False => {}
                RowFilter::True => return RowFilter::True,
                RowFilter::Any(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => RowFilter::False,
            1 => kept.pop().unwrap_or(RowFilter::False),
            _ => RowFilter::Any(kept),
        }
    }

    /// Whether the filter keeps every row (then there is nothing to push down).
    pub fn is_true(&self) -> bool {
        matches!(self, RowFilter::True)
    }

    /// The fields the filter names, sorted, each once.
    pub fn fields(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    fn collect_fields(&self, out: &mut Vec<usize>) {
        match self {
            RowFilter::True | RowFilter::False => {}
            RowFilter::All(parts) | RowFilter::Any(parts) => {
                parts.iter().for_each(|p| p.collect_fields(out));
            }
            RowFilter::Present(f) | RowFilter::Absent(f) => out.push(*f),
            RowFilter::Compare { field, .. } => out.push(*field),
        }
    }

    /// The filter as an SQLite expression over `columns` (quoted names by schema
    /// index). Every column is written `+"name"`: no affinity, so values are
    /// compared exactly as stored, and no index, so the table is read in its order.
    /// No `NOT` is ever written, so a NULL inside counts as false, as it does in
    /// the language.
    pub(crate) fn sql(&self, columns: &[String], out: &mut String) {
        match self {
            RowFilter::True => out.push('1'),
            RowFilter::False => out.push('0'),
            RowFilter::All(parts) => join(parts, " AND ", columns, out),
            RowFilter::Any(parts) => join(parts, " OR ", columns, out),
            RowFilter::Present(f) => {
                let _ = write!(out, "+{} IS NOT NULL", columns[*f]);
            }
            RowFilter::Absent(f) => {
                let _ = write!(out, "+{} IS NULL", columns[*f]);
            }
            RowFilter::Compare { field, op, value } => {
                let column = &columns[*field];
                if let Stored::Time(t) = value {
                    return time_sql(column, *op, *t, out);
                }
                let op = op.sql();
                match value {
                    Stored::Time(_) => {}
                    Stored::Int(i) => {
                        let _ = write!(out, "+{column} {op} {i}");
                    }
                    // A NUL would end the literal early: such a comparison is not
                    // pushed (kept as "maybe").
                    Stored::Text(t) if t.contains('\0') => out.push('1'),
                    Stored::Text(t) => {
                        let literal = t.replace('\'', "''");
                        let _ = write!(out, "+{column} COLLATE BINARY {op} '{literal}'");
                    }
                }
            }
        }
    }
}

/// `column OP t` for a time column stored as local text, widened by
/// [`TIME_MARGIN`] on the side that could exclude a row.
fn time_sql(column: &str, op: FilterOp, t: i64, out: &mut String) {
    let bound = |out: &mut String, op: &str, x: i64| match local_text(x) {
        Some(text) => {
            let _ = write!(out, "+{column} COLLATE BINARY {op} '{text}'");
        }
        None => {
            let _ = write!(out, "+{column} IS NOT NULL");
        }
    };
    match op {
        FilterOp::Ge | FilterOp::Gt => bound(out, ">=", t.saturating_sub(TIME_MARGIN)),
        FilterOp::Le | FilterOp::Lt => bound(out, "<=", t.saturating_add(TIME_MARGIN)),
        FilterOp::Eq => {
            out.push('(');
            bound(out, ">=", t.saturating_sub(TIME_MARGIN));
            out.push_str(" AND ");
            bound(out, "<=", t.saturating_add(TIME_MARGIN));
            out.push(')');
        }
        FilterOp::Ne => {
            let _ = write!(out, "+{column} IS NOT NULL");
        }
    }
}

/// Seconds since 1970 as `YYYY-MM-DD HH:MM:SS` read without any offset, when the
/// year has four digits (the form stored times have).
fn local_text(seconds: i64) -> Option<String> {
    let t = chrono::DateTime::from_timestamp(seconds, 0)?.naive_utc();
    (0..=9999)
        .contains(&chrono::Datelike::year(&t))
        .then(|| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn join(parts: &[RowFilter], with: &str, columns: &[String], out: &mut String) {
    out.push('(');
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(with);
        }
        p.sql(columns, out);
    }
    out.push(')');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplifies_and_writes_sql() {
        let cols = vec!["\"a\"".to_owned(), "\"b\"".to_owned()];
        let f = RowFilter::any([
            RowFilter::False,
            RowFilter::all([
                RowFilter::True,
                RowFilter::Compare {
                    field: 0,
                    op: FilterOp::Ge,
                    value: Stored::Int(5),
                },
                RowFilter::Compare {
                    field: 1,
                    op: FilterOp::Eq,
                    value: Stored::Text("it's".into()),
                },
            ]),
            RowFilter::Absent(1),
        ]);
        let mut sql = String::new();
        f.sql(&cols, &mut sql);
        assert_eq!(
            sql,
            "((+\"a\" >= 5 AND +\"b\" COLLATE BINARY = 'it''s') OR +\"b\" IS NULL)"
        );
        assert_eq!(f.fields(), vec![0, 1]);
        assert!(RowFilter::any([RowFilter::Present(0), RowFilter::True]).is_true());
        assert_eq!(
            RowFilter::all([RowFilter::Present(0), RowFilter::False]),
            RowFilter::False
        );
        assert_eq!(FilterOp::Lt.negated(), FilterOp::Ge);
        assert_eq!(FilterOp::Lt.flipped(), FilterOp::Gt);
    }
}
