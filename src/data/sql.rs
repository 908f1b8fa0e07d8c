//! SQL in the dialects of the engines that may hold the data: SQLite, PostgreSQL
//! and Spark SQL.
//!
//! Every column is read through a [`ColumnRead`]: a SELECT expression that turns the
//! engine's type into the stored form the SQLite layout uses (a timestamp into
//! `'YYYY-MM-DD HH:MM:SS'` text, a boolean into 0 / 1, an array into JSON text), so
//! that the values are decoded, and their problems reported, exactly as a SQLite
//! file's are. Which engine types a field may have is decided here too: a type
//! whose values could not all be read exactly (money in a floating-point column)
//! is refused when the source is opened, naming the table and column.
//!
//! A [`RowFilter`] is written over those columns only where the comparison means
//! the same in the engine as in the language: a column of the field's own type,
//! compared with a value of that type. Anything else is written `TRUE` ("may
//! hold"), which only means more rows are read; the engine decides every row.

use std::fmt::Write as _;

use super::filter::{FilterOp, RowFilter, Stored, TIME_MARGIN};
use crate::check::model::RecordSchema;
use crate::check::types::{Base, Type};

/// An SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite (files and `.sql` scripts).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// Spark SQL (through Spark Connect).
    Spark,
}

/// What a column's declared type is, as far as reading it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    /// Whole numbers of any width.
    Int,
    /// Exact decimals (`numeric`, `decimal(p,s)`).
    Decimal,
    /// Floating point.
    Float,
    /// Text of any length.
    Text,
    /// Fixed-length text (`char(n)`): read with its padding, but compared by the
    /// engine without it (`'ab  ' = 'ab'`), so never compared there.
    Char,
    /// `boolean`.
    Bool,
    /// A calendar date.
    Date,
    /// A date and time without a zone: local time.
    Timestamp,
    /// An instant (`timestamptz`; Spark's `timestamp`).
    TimestampTz,
    /// `json` / `jsonb`.
    Json,
    /// An array of text.
    TextArray,
    /// Bytes.
    Bytes,
    /// Anything else.
    Other,
}

impl Dialect {
    /// The name `--dialect` takes.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Spark => "spark",
        }
    }

    /// The engine's name, for messages.
    pub fn engine(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
            Dialect::Spark => "Spark",
        }
    }

    /// An identifier, quoted.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::Sqlite | Dialect::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A table name, quoted: `analytics.members` is a table in a schema (database)
    /// for PostgreSQL and Spark; SQLite names are taken whole.
    pub fn table(self, name: &str) -> String {
        match self {
            Dialect::Sqlite => self.ident(name),
            Dialect::Postgres | Dialect::Spark => name
                .split('.')
                .map(|part| self.ident(part))
                .collect::<Vec<_>>()
                .join("."),
        }
    }

    /// A text literal.
    pub fn text(self, text: &str) -> String {
        match self {
            // Spark reads backslash escapes inside literals.
            Dialect::Spark => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
            Dialect::Sqlite | Dialect::Postgres => format!("'{}'", text.replace('\'', "''")),
        }
    }

    /// The type a declared type name stands for (`bigint`, `character varying(20)`,
    /// `timestamp with time zone`, `decimal(12,2)`, `array<string>` …).
    pub fn classify(self, type_name: &str) -> SqlType {
        let name = type_name.trim().to_ascii_lowercase();
        let bare = name.split('(').next().unwrap_or("").trim();
        let zoned = name.contains("with time zone") && !name.contains("without");
        if self == Dialect::Postgres && name.ends_with("[]") {
            // An array, whatever its element's length (`character varying(20)[]`).
            let element = bare.trim_end_matches("[]");
            return match element {
                "text" | "character varying" | "varchar" => SqlType::TextArray,
                _ => SqlType::Other,
            };
        }
        match (self, bare) {
            (_, "smallint" | "integer" | "int" | "bigint" | "int2" | "int4" | "int8") => {
                SqlType::Int
            }
            (Dialect::Spark, "tinyint" | "byte" | "short" | "long") => SqlType::Int,
            (_, "numeric" | "decimal" | "dec") => SqlType::Decimal,
            (_, "real" | "double precision" | "double" | "float" | "float4" | "float8") => {
                SqlType::Float
            }
            (_, "text" | "string" | "character varying" | "varchar") => SqlType::Text,
            (Dialect::Sqlite, "character" | "char" | "bpchar") => SqlType::Text,
            (_, "character" | "char" | "bpchar") => SqlType::Char,
            (_, "boolean" | "bool") => SqlType::Bool,
            (_, "date") => SqlType::Date,
            (Dialect::Postgres, "timestamptz") => SqlType::TimestampTz,
            (Dialect::Postgres, b) if b.starts_with("timestamp") && zoned => SqlType::TimestampTz,
            (Dialect::Postgres, b) if b.starts_with("timestamp") => SqlType::Timestamp,
            (Dialect::Spark, "timestamp" | "timestamp_ltz") => SqlType::TimestampTz,
            (Dialect::Spark, "timestamp_ntz") => SqlType::Timestamp,
            (_, "json" | "jsonb") => SqlType::Json,
            (Dialect::Spark, "array<string>") => SqlType::TextArray,
            (_, "bytea" | "binary" | "blob") => SqlType::Bytes,
            _ => SqlType::Other,
        }
    }
}

/// What a column holds, as the playbook reads it.
#[derive(Debug, Clone, Copy)]
pub enum Holds<'t> {
    /// Row ids (`id`, `member_id`, `group_id`).
    Id,
    /// A field of the schema.
    Field(&'t Type),
    /// An event's kind name.
    Kind,
    /// An event's instant.
    At,
    /// An event's JSON `data`.
    Data,
}

/// The columns of a members or groups schema and what each holds: `id` first,
/// then the fields.
pub fn schema_columns(schema: &RecordSchema) -> Vec<(String, Holds<'_>)> {
    let holds = |i: usize, ty| if i == 0 { Holds::Id } else { Holds::Field(ty) };
    schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.clone(), holds(i, &f.ty)))
        .collect()
}

/// How one column is read from an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRead {
    /// The SELECT expression giving the value in its SQLite stored form.
    pub select: String,
    /// How a filter may compare the column; `None`: not at all.
    pub compare: Option<Comparable>,
    /// An expression true exactly when the value is certainly read without a
    /// problem (never NULL itself); `None` when that cannot be told in SQL.
    pub plain: Option<String>,
}

/// A column a filter may compare, by the kind of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparable {
    /// Integers (ints, money in fen, booleans as 0 / 1): this expression.
    Int(String),
    /// Text, compared as bytes.
    Text(String),
    /// A date column.
    Date(String),
    /// A timestamp column: local time (`true`) or an instant.
    Time(String, bool),
}

/// How the column `column` (quoted) of type `ty` is read when it `holds` what the
/// playbook says; `Err` with the types it may have instead when it cannot be read
/// exactly.
pub fn read_column(
    dialect: Dialect,
    column: &str,
    ty: SqlType,
    holds: Holds<'_>,
) -> Result<ColumnRead, String> {
    let c = column;
    let (base, optional) = match holds {
        Holds::Id => {
            let plain = format!("{c} IS NOT NULL");
            return match ty {
                SqlType::Int => Ok(read(
                    c.to_owned(),
                    Some(Comparable::Int(c.to_owned())),
                    Some(plain),
                )),
                // Ids are only compared for equality (lookups), which the engine's
                // padding-blind `char(n)` equality only widens.
                SqlType::Text | SqlType::Char => Ok(read(
                    c.to_owned(),
                    Some(Comparable::Text(c.to_owned())),
                    Some(format!("{plain} AND {c} <> ''")),
                )),
                _ => Err("an id is text or an integer".to_owned()),
            };
        }
        Holds::Kind => {
            return match ty {
                SqlType::Text | SqlType::Char => Ok(read(c.to_owned(), None, None)),
                _ => Err("an event's kind is text".to_owned()),
            };
        }
        Holds::Data => {
            return match ty {
                SqlType::Text | SqlType::Char => Ok(read(c.to_owned(), None, None)),
                SqlType::Json => Ok(read(dialect.cast_text(c), None, None)),
                _ => Err("an event's data is JSON (json, jsonb or text)".to_owned()),
            };
        }
        Holds::At => (&Base::Time, false),
        Holds::Field(t) => (&t.base, t.optional),
    };
    let present = |plain: String| {
        if optional {
            format!("({c} IS NULL OR {plain})")
        } else {
            format!("({c} IS NOT NULL AND {plain})")
        }
    };
    let not_null = || {
        if optional {
            "TRUE".to_owned()
        } else {
            format!("{c} IS NOT NULL")
        }
    };
    let same =
        |compare: Option<Comparable>, plain: Option<String>| Ok(read(c.to_owned(), compare, plain));
    match (base, ty) {
        (Base::Int | Base::Money, SqlType::Int) => {
            same(Some(Comparable::Int(c.to_owned())), Some(not_null()))
        }
        (Base::Money, _) => Err("money is whole fen in an integer column (bigint)".to_owned()),
        (Base::Int, _) => Err("an int is an integer column (bigint)".to_owned()),
        (
            Base::Decimal | Base::Percent,
            SqlType::Int | SqlType::Float | SqlType::Text | SqlType::Char,
        ) => same(None, None),
        (Base::Decimal | Base::Percent, SqlType::Decimal) => {
            Ok(read(dialect.cast_text(c), None, None))
        }
        (Base::Decimal, _) => Err("a decimal is numeric, an integer, a float or text".to_owned()),
        (Base::Percent, _) => Err("a percent is numeric, an integer, a float or text".to_owned()),
        (Base::Bool, SqlType::Bool) => {
            let as_int = format!("CASE WHEN {c} THEN 1 WHEN NOT {c} THEN 0 END");
            Ok(read(
                as_int.clone(),
                Some(Comparable::Int(as_int)),
                Some(not_null()),
            ))
        }
        (Base::Bool, SqlType::Int) => same(
            Some(Comparable::Int(c.to_owned())),
            Some(present(format!("{c} IN (0, 1)"))),
        ),
        (Base::Bool, SqlType::Text | SqlType::Char) => same(None, None),
        (Base::Bool, _) => Err("a bool is boolean, an integer 0 / 1 or text".to_owned()),
        (Base::Text, SqlType::Text) => same(Some(Comparable::Text(c.to_owned())), Some(not_null())),
        (Base::Text, SqlType::Char) => same(None, Some(not_null())),
        (Base::Text, _) => Err("text is a text column".to_owned()),
        (Base::Time, SqlType::Timestamp) => Ok(read(
            dialect.local_text(c),
            Some(Comparable::Time(c.to_owned(), true)),
            Some(present(dialect.in_years(c, "TIMESTAMP"))),
        )),
        (Base::Time, SqlType::TimestampTz) => Ok(read(
            dialect.instant_text(c),
            Some(Comparable::Time(c.to_owned(), false)),
            Some(present(dialect.in_years(c, "TIMESTAMPTZ"))),
        )),
        (Base::Time, SqlType::Int | SqlType::Text | SqlType::Char) => same(None, None),
        (Base::Time, _) => Err(
            "a time is a timestamp (local time), timestamp with time zone, integer Unix \
             seconds or text"
                .to_owned(),
        ),
        (Base::Date, SqlType::Date) => Ok(read(
            dialect.date_text(c),
            Some(Comparable::Date(c.to_owned())),
            Some(present(dialect.in_years(c, "DATE"))),
        )),
        (Base::Date, SqlType::Text | SqlType::Char) => same(None, None),
        (Base::Date, _) => Err("a date is a date column or text".to_owned()),
        (Base::Duration, SqlType::Int | SqlType::Text | SqlType::Char) => same(None, None),
        (Base::Duration, _) => Err("a duration is integer seconds or text".to_owned()),
        (Base::TimeOfDay, SqlType::Text | SqlType::Char) => same(None, None),
        (Base::TimeOfDay, _) => Err("a time of day is text (`20:00`)".to_owned()),
        (Base::TextSet, SqlType::TextArray) => Ok(read(dialect.array_json(c), None, None)),
        (Base::TextSet, SqlType::Text | SqlType::Char) => same(None, None),
        (Base::TextSet, SqlType::Json) => Ok(read(dialect.cast_text(c), None, None)),
        (Base::TextSet, _) => Err("a set<text> is an array of text, JSON or text".to_owned()),
        (Base::List(_) | Base::Error, _) => Err("not a stored type".to_owned()),
    }
}

/// A PostgreSQL date or timestamp `c` as `formatted` when it lies in the years
/// from 1 on, else as PostgreSQL writes it: `to_char` writes a year BC without its
/// era (`0044-03-15` for 44 BC) and `infinity` as NULL, which would read as another
/// day or as a missing value; `infinity` and `0044-03-15 BC` are reported.
fn pg_calendar_text(c: &str, first: &str, formatted: &str) -> String {
    format!(
        "CASE WHEN isfinite({c}) AND {c} >= {first} THEN {formatted} ELSE CAST({c} AS TEXT) END"
    )
}

fn read(select: String, compare: Option<Comparable>, plain: Option<String>) -> ColumnRead {
    ColumnRead {
        select,
        compare,
        plain,
    }
}

impl Dialect {
    /// `CAST(c AS TEXT)` (Spark: `STRING`).
    pub fn cast_text(self, c: &str) -> String {
        match self {
            Dialect::Spark => format!("CAST({c} AS STRING)"),
            Dialect::Sqlite | Dialect::Postgres => format!("CAST({c} AS TEXT)"),
        }
    }

    /// A local timestamp as `YYYY-MM-DD HH:MM:SS.ffffff` (the fraction is dropped
    /// when read, as from a SQLite file).
    fn local_text(self, c: &str) -> String {
        match self {
            Dialect::Spark => format!("date_format({c}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')"),
            _ => pg_calendar_text(
                c,
                "TIMESTAMP '0001-01-01 00:00:00'",
                &format!("to_char({c}, 'YYYY-MM-DD HH24:MI:SS.US')"),
            ),
        }
    }

    /// An instant as text with its offset, so that no local reading is involved.
    fn instant_text(self, c: &str) -> String {
        match self {
            Dialect::Spark => format!("date_format({c}, 'yyyy-MM-dd HH:mm:ss.SSSSSSxxx')"),
            _ => pg_calendar_text(
                c,
                "TIMESTAMPTZ '0001-01-01 00:00:00+00:00'",
                &format!("to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00:00')"),
            ),
        }
    }

    fn date_text(self, c: &str) -> String {
        match self {
            Dialect::Spark => format!("date_format({c}, 'yyyy-MM-dd')"),
            _ => pg_calendar_text(
                c,
                "DATE '0001-01-01'",
                &format!("to_char({c}, 'YYYY-MM-DD')"),
            ),
        }
    }

    fn array_json(self, c: &str) -> String {
        match self {
            Dialect::Spark => format!("to_json({c})"),
            _ => format!("CAST(array_to_json({c}) AS TEXT)"),
        }
    }

    /// Whether a date or timestamp lies in the years 1900 – 9998, which every
    /// reading of it handles (four-digit years, offsets known).
    fn in_years(self, c: &str, kind: &str) -> String {
        let kind = match (self, kind) {
            (Dialect::Spark, "TIMESTAMP") => "TIMESTAMP_NTZ",
            (Dialect::Spark, "TIMESTAMPTZ") => "TIMESTAMP",
            (_, k) => k,
        };
        let (low, high) = if kind == "DATE" {
            ("1900-01-01", "9998-12-31")
        } else {
            ("1900-01-02 00:00:00", "9998-12-30 00:00:00")
        };
        format!("{c} >= {kind} '{low}' AND {c} <= {kind} '{high}'")
    }
}

/// `filter` over the columns read (by schema index; `None`: not comparable), in
/// `dialect`: true for every row the filter keeps. Never NULL-sensitive in the
/// wrong direction: no `NOT` is written.
pub fn filter_sql(dialect: Dialect, filter: &RowFilter, columns: &[Option<&ColumnRead>]) -> String {
    let mut out = String::new();
    write_filter(dialect, filter, columns, &mut out);
    out
}

fn write_filter(
    dialect: Dialect,
    filter: &RowFilter,
    columns: &[Option<&ColumnRead>],
    out: &mut String,
) {
    let compare = |f: usize| {
        columns
            .get(f)
            .copied()
            .flatten()
            .and_then(|c| c.compare.as_ref())
    };
    let column = |f: usize| columns.get(f).copied().flatten();
    match filter {
        RowFilter::True => out.push_str("TRUE"),
        RowFilter::False => out.push_str("FALSE"),
        RowFilter::All(parts) | RowFilter::Any(parts) => {
            let with = if matches!(filter, RowFilter::All(_)) {
                " AND "
            } else {
                " OR "
            };
            out.push('(');
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(with);
                }
                write_filter(dialect, p, columns, out);
            }
            out.push(')');
        }
        RowFilter::Present(f) | RowFilter::Absent(f) => match column(*f) {
            // Only a column of the field's type: NULL means absent there.
            Some(c) if c.compare.is_some() => {
                let what = if matches!(filter, RowFilter::Present(_)) {
                    "IS NOT NULL"
                } else {
                    "IS NULL"
                };
                let _ = write!(out, "{} {what}", c.select);
            }
            _ => out.push_str("TRUE"),
        },
        RowFilter::Compare { field, op, value } => match (compare(*field), value) {
            (Some(Comparable::Int(c)), Stored::Int(i)) => {
                let _ = write!(out, "{c} {} {i}", op.sql());
            }
            // A NUL cannot be sent in a literal: not pushed (kept as "maybe").
            (Some(Comparable::Text(_) | Comparable::Date(_)), Stored::Text(t))
                if t.contains('\0') =>
            {
                out.push_str("TRUE");
            }
            (Some(Comparable::Text(c)), Stored::Text(t)) => {
                let c = match dialect {
                    Dialect::Postgres => format!("{c} COLLATE \"C\""),
                    Dialect::Sqlite => format!("{c} COLLATE BINARY"),
                    Dialect::Spark => c.clone(),
                };
                let _ = write!(out, "{c} {} {}", op.sql(), dialect.text(t));
            }
            // The engines have no year 0 (PostgreSQL refuses `DATE '0000-06-01'`):
            // only dates from year 1 are compared there.
            (Some(Comparable::Date(c)), Stored::Text(t)) if !t.starts_with("0000") => {
                let _ = write!(out, "{c} {} DATE {}", op.sql(), dialect.text(t));
            }
            (Some(Comparable::Time(c, local)), Stored::Time(t)) => {
                time_sql(dialect, c, *local, *op, *t, out);
            }
            _ => out.push_str("TRUE"),
        },
    }
}

/// `column OP t`, widened by [`TIME_MARGIN`] on the side that could exclude a row:
/// a local timestamp's instant depends on offsets the engine need not know.
fn time_sql(dialect: Dialect, c: &str, local: bool, op: FilterOp, t: i64, out: &mut String) {
    let literal = |x: i64| -> Option<String> {
        let naive = chrono::DateTime::from_timestamp(x, 0)?.naive_utc();
        if !(1..=9999).contains(&chrono::Datelike::year(&naive)) {
            return None;
        }
        let text = naive.format("%Y-%m-%d %H:%M:%S");
        Some(match (dialect, local) {
            (Dialect::Spark, true) => format!("TIMESTAMP_NTZ '{text}'"),
            (Dialect::Spark, false) => format!("timestamp_seconds({x})"),
            (_, true) => format!("TIMESTAMP '{text}'"),
            (_, false) => format!("TIMESTAMPTZ '{text}+00:00'"),
        })
    };
    let bound = |out: &mut String, op: &str, x: i64| match literal(x) {
        Some(l) => {
            let _ = write!(out, "{c} {op} {l}");
        }
        None => {
            let _ = write!(out, "{c} IS NOT NULL");
        }
    };
    let (low, high) = (t.saturating_sub(TIME_MARGIN), t.saturating_add(TIME_MARGIN));
    match op {
        FilterOp::Ge | FilterOp::Gt => bound(out, ">=", low),
        FilterOp::Le | FilterOp::Lt => bound(out, "<=", high),
        FilterOp::Eq => {
            out.push('(');
            bound(out, ">=", low);
            out.push_str(" AND ");
            bound(out, "<=", high);
            out.push(')');
        }
        FilterOp::Ne => {
            let _ = write!(out, "{c} IS NOT NULL");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_catalogs_type_names() {
        let pg = Dialect::Postgres;
        assert_eq!(pg.classify("bigint"), SqlType::Int);
        assert_eq!(pg.classify("numeric(12,2)"), SqlType::Decimal);
        assert_eq!(pg.classify("character varying(20)"), SqlType::Text);
        assert_eq!(
            pg.classify("timestamp without time zone"),
            SqlType::Timestamp
        );
        assert_eq!(
            pg.classify("timestamp(3) with time zone"),
            SqlType::TimestampTz
        );
        assert_eq!(pg.classify("text[]"), SqlType::TextArray);
        assert_eq!(pg.classify("double precision"), SqlType::Float);
        assert_eq!(pg.classify("character varying(20)[]"), SqlType::TextArray);
        assert_eq!(pg.classify("numeric(5,2)[]"), SqlType::Other);
        assert_eq!(pg.classify("character(5)"), SqlType::Char);
        assert_eq!(Dialect::Sqlite.classify("CHARACTER(5)"), SqlType::Text);
        let spark = Dialect::Spark;
        assert_eq!(spark.classify("timestamp"), SqlType::TimestampTz);
        assert_eq!(spark.classify("timestamp_ntz"), SqlType::Timestamp);
        assert_eq!(spark.classify("array<string>"), SqlType::TextArray);
        assert_eq!(spark.classify("decimal(38,0)"), SqlType::Decimal);
        assert_eq!(spark.classify("map<string,int>"), SqlType::Other);
    }

    #[test]
    fn refuses_types_that_would_not_read_exactly() {
        let money = Type::required(Base::Money);
        let err = read_column(
            Dialect::Postgres,
            "\"spend\"",
            SqlType::Float,
            Holds::Field(&money),
        );
        assert!(err.unwrap_err().contains("whole fen"));
        let when = Type::optional(Base::Time);
        let ok = read_column(
            Dialect::Postgres,
            "\"t\"",
            SqlType::TimestampTz,
            Holds::Field(&when),
        );
        let ok = ok.unwrap();
        assert!(ok.plain.unwrap().starts_with("(\"t\" IS NULL OR"));
    }

    #[test]
    fn writes_filters_only_where_they_mean_the_same() {
        let int = read_column(
            Dialect::Spark,
            "`level`",
            SqlType::Int,
            Holds::Field(&Type::required(Base::Int)),
        )
        .unwrap();
        let text_time = read_column(
            Dialect::Spark,
            "`t`",
            SqlType::Text,
            Holds::Field(&Type::required(Base::Time)),
        )
        .unwrap();
        let name = read_column(
            Dialect::Spark,
            "`name`",
            SqlType::Text,
            Holds::Field(&Type::required(Base::Text)),
        )
        .unwrap();
        let f = RowFilter::any([
            RowFilter::Compare {
                field: 0,
                op: FilterOp::Ge,
                value: Stored::Int(2),
            },
            RowFilter::Compare {
                field: 1,
                op: FilterOp::Ge,
                value: Stored::Time(0),
            },
            RowFilter::Compare {
                field: 2,
                op: FilterOp::Eq,
                value: Stored::Text("it's \\".into()),
            },
        ]);
        let sql = filter_sql(
            Dialect::Spark,
            &f,
            &[Some(&int), Some(&text_time), Some(&name)],
        );
        assert_eq!(sql, "(`level` >= 2 OR TRUE OR `name` = 'it\\'s \\\\')");
    }

    #[test]
    fn leaves_out_constants_the_engine_cannot_spell() {
        let pg = Dialect::Postgres;
        let name = read_column(
            pg,
            "\"n\"",
            SqlType::Text,
            Holds::Field(&Type::required(Base::Text)),
        );
        let day = read_column(
            pg,
            "\"d\"",
            SqlType::Date,
            Holds::Field(&Type::required(Base::Date)),
        );
        let (name, day) = (name.unwrap(), day.unwrap());
        let cmp = |field, value| RowFilter::Compare {
            field,
            op: FilterOp::Ge,
            value,
        };
        let f = RowFilter::all([
            cmp(0, Stored::Text("a\0b".into())),
            cmp(1, Stored::Text("0000-06-01".into())),
            cmp(1, Stored::Text("0001-06-01".into())),
        ]);
        let sql = filter_sql(pg, &f, &[Some(&name), Some(&day)]);
        assert_eq!(sql, "(TRUE AND TRUE AND \"d\" >= DATE '0001-06-01')");
        // A char(n) text is compared by the engine without its padding: never.
        let code = read_column(
            pg,
            "\"c\"",
            SqlType::Char,
            Holds::Field(&Type::required(Base::Text)),
        );
        assert_eq!(code.unwrap().compare, None);
        // Dates BC and infinities keep PostgreSQL's own text, to be reported.
        assert!(day.select.contains("isfinite(\"d\")"), "{}", day.select);
    }
}
