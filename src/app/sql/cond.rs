//! A rule's exact arm and order key in SQL. Every comparison is wrapped in
//! `COALESCE(…, FALSE)`: in the language a comparison with a missing value is
//! false and `not` of it true, which SQL's NULL would not give.

use chrono::DateTime;

use super::columns::Column;
use crate::check::types::{Base, Type};
use crate::data::filter::FilterOp;
use crate::data::sql::{Dialect, SqlType};
use crate::interpret::candidates::{ArmPlan, Cond, OrderKey};
use crate::value::Val;

/// The columns of the target's table with their fields' types.
pub struct Target<'a> {
    /// The dialect written.
    pub dialect: Dialect,
    /// Columns by schema index.
    pub columns: &'a [Column],
    /// Field types by schema index.
    pub types: Vec<&'a Type>,
}

impl Target<'_> {
    /// The arm expression: `-1` when no arm is taken, else its index.
    pub fn arm(&self, plan: &ArmPlan) -> Result<String, String> {
        let fires = self.cond(&plan.fires)?;
        let mut out = format!("CASE WHEN NOT {fires} THEN -1");
        for (i, tier) in plan.tiers.iter().enumerate() {
            out.push_str(&format!(" WHEN {} THEN {i}", self.cond(tier)?));
        }
        let rest = if plan.otherwise {
            plan.tiers.len() as i64
        } else {
            -1
        };
        out.push_str(&format!(" ELSE {rest} END"));
        Ok(out)
    }

    /// The order key, read as the run compares it.
    pub fn order(&self, key: OrderKey) -> Result<String, String> {
        let c = self.column(key.field)?;
        match (&self.types[key.field].base, c.ty) {
            (Base::Int | Base::Money, SqlType::Int) | (Base::Text, SqlType::Text) => {
                Ok(c.raw.clone())
            }
            (Base::Date, SqlType::Date) if self.dialect != Dialect::Sqlite => Ok(c.raw.clone()),
            (Base::Date, SqlType::Text) if self.dialect == Dialect::Sqlite => Ok(c.raw.clone()),
            (Base::Time, SqlType::TimestampTz) => Ok(c.raw.clone()),
            (base, ty) => Err(not_exact(base, ty)),
        }
    }

    /// A condition as an SQL boolean that is never NULL.
    pub fn cond(&self, cond: &Cond) -> Result<String, String> {
        let join = |parts: &[Cond], with: &str, empty: &str| -> Result<String, String> {
            if parts.is_empty() {
                return Ok(empty.to_owned());
            }
            let parts: Vec<String> = parts
                .iter()
                .map(|p| self.cond(p))
                .collect::<Result<_, _>>()?;
            Ok(format!("({})", parts.join(with)))
        };
        match cond {
            Cond::True => Ok("TRUE".to_owned()),
            Cond::False => Ok("FALSE".to_owned()),
            Cond::And(parts) => join(parts, " AND ", "TRUE"),
            Cond::Or(parts) => join(parts, " OR ", "FALSE"),
            Cond::Not(x) => Ok(format!("(NOT {})", self.cond(x)?)),
            Cond::Exists(f) => Ok(format!("({} IS NOT NULL)", self.column(*f)?.raw)),
            Cond::Contains { field, value } => self.contains(*field, value),
            Cond::Compare { field, op, value } => self.compare(*field, *op, value),
        }
    }

    fn column(&self, field: usize) -> Result<&Column, String> {
        self.columns
            .get(field)
            .ok_or_else(|| "a field with no column".to_owned())
    }

    fn contains(&self, field: usize, value: &str) -> Result<String, String> {
        let c = self.column(field)?;
        let lit = self.dialect.text(value);
        match (self.dialect, c.ty) {
            (Dialect::Postgres, SqlType::TextArray) => {
                Ok(format!("COALESCE({lit} = ANY({}), FALSE)", c.raw))
            }
            (Dialect::Spark, SqlType::TextArray) => {
                Ok(format!("COALESCE(array_contains({}, {lit}), FALSE)", c.raw))
            }
            _ => Err("membership of a set not stored as an array".to_owned()),
        }
    }

    fn compare(&self, field: usize, op: FilterOp, value: &Val) -> Result<String, String> {
        let c = self.column(field)?;
        let base = &self.types[field].base;
        let sqlite = self.dialect == Dialect::Sqlite;
        let simple = |column: String, lit: String| {
            Ok(format!("COALESCE({column} {} {lit}, FALSE)", op.sql()))
        };
        match (base, c.ty, value) {
            (Base::Int, SqlType::Int, Val::Int(i)) => simple(c.raw.clone(), i.to_string()),
            (Base::Money, SqlType::Int, Val::Money(m)) => simple(c.raw.clone(), m.0.to_string()),
            (Base::Bool, SqlType::Int, Val::Bool(b)) => {
                simple(c.raw.clone(), i64::from(*b).to_string())
            }
            (Base::Bool, SqlType::Bool, Val::Bool(b)) => {
                simple(c.raw.clone(), if *b { "TRUE" } else { "FALSE" }.to_owned())
            }
            (Base::Text, SqlType::Text, Val::Text(t)) => {
                simple(self.bytes(c), self.dialect.text(t))
            }
            (Base::Date, SqlType::Text, Val::Date(d)) if sqlite => simple(
                self.bytes(c),
                self.dialect.text(&d.format("%Y-%m-%d").to_string()),
            ),
            (Base::Date, SqlType::Date, Val::Date(d)) if !sqlite => {
                let lit = format!(
                    "DATE {}",
                    self.dialect.text(&d.format("%Y-%m-%d").to_string())
                );
                simple(c.raw.clone(), lit)
            }
            (Base::Time, SqlType::TimestampTz, Val::Time(t)) => self.instant(&c.raw, op, *t),
            (Base::Time, SqlType::Timestamp | SqlType::Text, _) => {
                Err("a local time: its instant depends on the zone's offsets".to_owned())
            }
            (base, ty, _) => Err(not_exact(base, ty)),
        }
    }

    /// A text column compared byte by byte, as the language compares text.
    fn bytes(&self, c: &Column) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("{} COLLATE BINARY", c.raw),
            Dialect::Postgres => format!("{} COLLATE \"C\"", c.raw),
            Dialect::Spark => c.raw.clone(),
        }
    }

    /// `column OP t` for an instant column. The run drops fractions of a second
    /// when it reads one, so the comparison is of the whole second.
    fn instant(&self, column: &str, op: FilterOp, t: i64) -> Result<String, String> {
        let lit = |x: i64| -> Result<String, String> {
            let text = DateTime::from_timestamp(x, 0)
                .ok_or("an instant out of range")?
                .naive_utc()
                .format("%Y-%m-%d %H:%M:%S");
            Ok(match self.dialect {
                Dialect::Spark => format!("timestamp_seconds({x})"),
                _ => format!("TIMESTAMPTZ '{text}+00:00'"),
            })
        };
        let next = t.checked_add(1).ok_or("an instant out of range")?;
        let holds = match op {
            FilterOp::Ge => format!("{column} >= {}", lit(t)?),
            FilterOp::Gt => format!("{column} >= {}", lit(next)?),
            FilterOp::Le => format!("{column} < {}", lit(next)?),
            FilterOp::Lt => format!("{column} < {}", lit(t)?),
            FilterOp::Eq => format!("({column} >= {} AND {column} < {})", lit(t)?, lit(next)?),
            FilterOp::Ne => format!(
                "NOT ({column} >= {} AND {column} < {})",
                lit(t)?,
                lit(next)?
            ),
        };
        Ok(format!("COALESCE({holds}, FALSE)"))
    }
}

fn not_exact(base: &Base, ty: SqlType) -> String {
    format!("a {base} field in a {ty:?} column is not compared exactly")
}
