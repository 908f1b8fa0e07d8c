//! SQL in the dialects of the engines that may hold the data: SQLite, PostgreSQL
//! and Spark SQL.

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

impl Dialect {
    /// The name `--dialect` takes.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Spark => "spark",
        }
    }
}
