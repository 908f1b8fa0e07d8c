//! A PostgreSQL server as a [`Warehouse`], through the `postgres` client.

use std::str::FromStr;
use std::time::Duration;

use postgres::types::Type as PgType;
use postgres::{Client, Config, NoTls};

use super::{Cell, ColumnInfo, Warehouse};
use crate::data::DataError;
use crate::data::sql::Dialect;

/// How long connecting may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The password for URLs that give none: set once by the program (the command line
/// reads `PGPASSWORD`, as PostgreSQL's own tools do), so that it need not be written
/// in a command line where other users of the machine can see it.
static PASSWORD: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Uses `password` when a URL gives none (only the first call counts).
pub fn set_default_password(password: String) {
    let _ = PASSWORD.set(password);
}

/// A connection to a PostgreSQL database.
pub struct Postgres {
    client: Client,
    shown: String,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("source", &self.shown)
            .finish()
    }
}

impl Postgres {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`, or the
    /// `key=value` form). A server that cannot be reached in 10 seconds, or refuses
    /// the user, is a [`DataError::Connect`].
    pub fn connect(url: &str) -> Result<Postgres, DataError> {
        let mut config = Config::from_str(url).map_err(|e| DataError::Connect {
            location: redact(url),
            message: format!("not a PostgreSQL URL: {e}"),
        })?;
        let shown = describe(&config);
        if let (None, Some(password)) = (config.get_password(), PASSWORD.get()) {
            config.password(password);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("playbook");
        let client = config.connect(NoTls).map_err(|e| DataError::Connect {
            location: shown.clone(),
            message: message(&e),
        })?;
        Ok(Postgres { client, shown })
    }

    fn failed(&self, e: &postgres::Error) -> DataError {
        DataError::Query {
            location: self.shown.clone(),
            message: message(e),
        }
    }
}

impl Warehouse for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn columns(&mut self, name: &str) -> Result<Option<Vec<ColumnInfo>>, DataError> {
        // `to_regclass` follows the search path and schema-qualified names, and is
        // NULL (no rows) when there is no such table or view.
        let sql = "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) \
                   FROM pg_attribute a \
                   WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped \
                   ORDER BY a.attnum";
        let quoted = Dialect::Postgres.table(name);
        let rows = self
            .client
            .query(sql, &[&quoted])
            .map_err(|e| self.failed(&e))?;
        if rows.is_empty() {
            return Ok(None);
        }
        let columns = rows
            .iter()
            .map(|r| ColumnInfo {
                name: r.get(0),
                type_name: r.get(1),
            })
            .collect();
        Ok(Some(columns))
    }

    fn query(&mut self, sql: &str, visit: &mut dyn FnMut(&[Cell])) -> Result<u64, DataError> {
        let params: [&str; 0] = [];
        let mut rows = self
            .client
            .query_raw(sql, params)
            .map_err(|e| DataError::Query {
                location: self.shown.clone(),
                message: message(&e),
            })?;
        let mut cells = Vec::new();
        let mut count = 0;
        loop {
            let next = postgres::fallible_iterator::FallibleIterator::next(&mut rows);
            let row = match next {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(e) => {
                    return Err(DataError::Query {
                        location: self.shown.clone(),
                        message: message(&e),
                    });
                }
            };
            cells.clear();
            for (i, column) in row.columns().iter().enumerate() {
                cells.push(
                    cell(&row, i, column.type_()).map_err(|message| DataError::Query {
                        location: self.shown.clone(),
                        message: format!("column {}: {message}", column.name()),
                    })?,
                );
            }
            visit(&cells);
            count += 1;
        }
        Ok(count)
    }
}

/// Result column `i` as a cell; the queries cast everything to these types.
fn cell(row: &postgres::Row, i: usize, ty: &PgType) -> Result<Cell, String> {
    let got = |e: postgres::Error| e.to_string();
    Ok(match *ty {
        PgType::INT2 => opt(row.try_get::<_, Option<i16>>(i).map_err(got)?, |v| {
            Cell::Int(v.into())
        }),
        PgType::INT4 => opt(row.try_get::<_, Option<i32>>(i).map_err(got)?, |v| {
            Cell::Int(v.into())
        }),
        PgType::INT8 => opt(row.try_get::<_, Option<i64>>(i).map_err(got)?, Cell::Int),
        PgType::FLOAT4 => opt(row.try_get::<_, Option<f32>>(i).map_err(got)?, |v| {
            Cell::Real(v.into())
        }),
        PgType::FLOAT8 => opt(row.try_get::<_, Option<f64>>(i).map_err(got)?, Cell::Real),
        PgType::BOOL => opt(row.try_get::<_, Option<bool>>(i).map_err(got)?, |v| {
            Cell::Int(v.into())
        }),
        PgType::TEXT | PgType::VARCHAR | PgType::BPCHAR | PgType::NAME => opt(
            row.try_get::<_, Option<String>>(i).map_err(got)?,
            Cell::Text,
        ),
        PgType::BYTEA => opt(
            row.try_get::<_, Option<Vec<u8>>>(i).map_err(got)?,
            Cell::Blob,
        ),
        ref other => return Err(format!("type {other} is not read (cast it to text)")),
    })
}

fn opt<T>(value: Option<T>, cell: impl FnOnce(T) -> Cell) -> Cell {
    value.map_or(Cell::Null, cell)
}

/// The server's own message (with its detail and hint), or the client's.
fn message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_owned();
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            if let Some(hint) = db.hint() {
                text.push_str(&format!("; hint: {hint}"));
            }
            text
        }
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            text
        }
    }
}

/// `postgres://user@host:port/database`, without the password.
fn describe(config: &Config) -> String {
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config
        .get_ports()
        .first()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let db = config.get_dbname().unwrap_or("");
    format!("postgres://{user}{host}{port}/{db}")
}

/// A URL that does not parse, its password (if any) left out.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(None);
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "the PostgreSQL URL".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_without_the_password() {
        let config = Config::from_str("postgres://app:secret@db.internal:5433/shop").unwrap();
        assert_eq!(describe(&config), "postgres://app@db.internal:5433/shop");
        assert_eq!(
            redact("postgres://app:secret@db/shop?x"),
            "postgres://app@db/shop?x"
        );
    }

    #[test]
    fn an_unreachable_server_is_a_connect_error() {
        // Nothing listens on port 1 of this machine.
        let err = Postgres::connect("postgres://app:secret@127.0.0.1:1/shop").unwrap_err();
        let DataError::Connect { location, message } = err else {
            panic!("expected a connect error, got {err:?}");
        };
        assert_eq!(location, "postgres://app@127.0.0.1:1/shop");
        assert!(message.to_lowercase().contains("refused"), "{message}");
    }
}
