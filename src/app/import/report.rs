//! What an import tells: bad values grouped by column (the first few rows of each,
//! and how many), and the rows `--skip-bad-rows` left out.

use std::fmt;

/// How many rows of one column a report shows before `… and N more`.
pub const SHOWN_PER_COLUMN: usize = 5;

/// A value that could not be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue {
    /// The header column it is in (`None` for a problem of the whole row).
    pub column: Option<usize>,
    /// The row's number as a spreadsheet shows it.
    pub row: usize,
    /// The row's id, when it has one.
    pub id: Option<String>,
    /// The cell as written.
    pub value: String,
    /// What is wrong.
    pub problem: String,
}

/// Every bad value of a file, with what a report needs to name columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValues {
    /// The file, as the user named it.
    pub file: String,
    /// Each column's header and what it was mapped to (`amount: money`); the last
    /// entry names the problems of whole rows.
    pub columns: Vec<(String, String)>,
    /// The bad values in row order.
    pub values: Vec<BadValue>,
    /// Rows in the file.
    pub rows: usize,
}

impl BadValues {
    /// The distinct rows with a bad value, in order.
    pub fn bad_rows(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = self.values.iter().map(|v| v.row).collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    fn column_name(&self, column: Option<usize>) -> (&str, &str) {
        let i = column.unwrap_or(self.columns.len().saturating_sub(1));
        self.columns
            .get(i)
            .map_or(("", ""), |(h, f)| (h.as_str(), f.as_str()))
    }

    /// One line per row left out by `--skip-bad-rows`: the row, its id and every bad
    /// value in it.
    pub fn skipped_lines(&self) -> Vec<String> {
        self.bad_rows()
            .into_iter()
            .map(|row| {
                let values: Vec<&BadValue> = self.values.iter().filter(|v| v.row == row).collect();
                let id = values.iter().find_map(|v| v.id.as_deref());
                let problems: Vec<String> = values
                    .iter()
                    .map(|v| match v.column {
                        None if v.value.is_empty() => v.problem.clone(),
                        column => {
                            let (header, _) = self.column_name(column);
                            format!("{header} {}: {}", quoted(&v.value), v.problem)
                        }
                    })
                    .collect();
                format!("skipped {}: {}", row_label(row, id), problems.join("; "))
            })
            .collect()
    }
}

/// A cell in backticks, or `blank`; a line break shown as `\n` so that the report
/// keeps one line per value.
fn quoted(value: &str) -> String {
    if value.trim().is_empty() {
        "blank".to_owned()
    } else {
        format!("`{}`", value.replace('\n', "\\n"))
    }
}

fn row_label(row: usize, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("row {row} (id {id})"),
        None => format!("row {row}"),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The grouped report: per column, its count and first rows.
impl fmt::Display for BadValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut order: Vec<Option<usize>> = self.values.iter().map(|v| v.column).collect();
        // Header order, problems of whole rows last.
        order.sort_by_key(|c| c.unwrap_or(usize::MAX));
        order.dedup();
        write!(
            f,
            "{} in {} ({} of {} rows)",
            plural(self.values.len(), "bad value", "bad values"),
            self.file,
            self.bad_rows().len(),
            self.rows
        )?;
        for column in order {
            let values: Vec<&BadValue> =
                self.values.iter().filter(|v| v.column == column).collect();
            let (header, field) = self.column_name(column);
            let what = if column.is_some() {
                format!("column `{header}` ({field})")
            } else {
                header.to_owned()
            };
            write!(
                f,
                "\n  {what}: {}",
                plural(values.len(), "bad value", "bad values")
            )?;
            for v in values.iter().take(SHOWN_PER_COLUMN) {
                let label = row_label(v.row, v.id.as_deref());
                if v.column.is_none() && v.value.is_empty() {
                    write!(f, "\n    {label}: {}", v.problem)?;
                } else {
                    write!(f, "\n    {label}: {}: {}", quoted(&v.value), v.problem)?;
                }
            }
            if values.len() > SHOWN_PER_COLUMN {
                write!(f, "\n    … and {} more", values.len() - SHOWN_PER_COLUMN)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_grouped_by_column_with_the_first_rows_of_each() {
        let bad = |column, row: usize| BadValue {
            column,
            row,
            id: Some(format!("m{row}")),
            value: "x".into(),
            problem: "wrong".into(),
        };
        let mut values: Vec<BadValue> = (2..10).map(|r| bad(Some(1), r)).collect();
        values.insert(1, bad(Some(0), 3));
        let report = BadValues {
            file: "a.csv".into(),
            columns: vec![
                ("金额".into(), "spend: money".into()),
                ("时间".into(), "at: time".into()),
                ("(rows)".into(), String::new()),
            ],
            values,
            rows: 20,
        };
        let text = report.to_string();
        assert!(text.starts_with("9 bad values in a.csv (8 of 20 rows)\n  column `金额` (spend: money): 1 bad value\n    row 3 (id m3): `x`: wrong\n  column `时间`"), "{text}");
        assert!(text.ends_with("… and 3 more"), "{text}");
        assert_eq!(
            report.skipped_lines()[1],
            "skipped row 3 (id m3): 金额 `x`: wrong; 时间 `x`: wrong"
        );
    }
}
