//! Opening SQLite files that are not ours to change: data files, and ledgers read
//! by a dry run or probed before a run writes to them.
//!
//! A plain read-only connection is not enough. A database in WAL mode needs its
//! `-wal` and `-shm` files: a read-only connection creates them when they are missing
//! (and leaves them behind when it closes), and cannot open the file at all on a
//! read-only mount. When the file is in WAL mode and no `-wal` file exists, the main
//! file holds every committed transaction, so it is opened `immutable`: SQLite then
//! reads it as it is and creates nothing beside it.

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

/// What the first bytes of a file say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// An empty file (SQLite treats it as an empty database).
    Empty,
    /// Not a SQLite database.
    NotSqlite,
    /// A SQLite database; `wal` when it is in WAL mode.
    Sqlite {
        /// The file format's read and write versions are 2 (WAL).
        wal: bool,
    },
}

/// The 16 bytes every SQLite 3 database file starts with.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Reads the header of `path` without opening it as a database.
pub fn header(path: &Path) -> std::io::Result<Header> {
    let mut bytes = Vec::with_capacity(100);
    std::fs::File::open(path)?
        .take(100)
        .read_to_end(&mut bytes)?;
    if bytes.is_empty() {
        return Ok(Header::Empty);
    }
    if bytes.len() < 100 || &bytes[..16] != MAGIC {
        return Ok(Header::NotSqlite);
    }
    // Offsets 18 and 19: file format write and read versions, 1 = legacy, 2 = WAL.
    Ok(Header::Sqlite {
        wal: bytes[18] == 2 || bytes[19] == 2,
    })
}

/// `path` with `suffix` appended to its file name (`data.db` → `data.db-wal`).
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Opens `path` read-only, creating and changing nothing on disk (see the module
/// documentation). The file must exist.
pub fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let wal = matches!(header(path), Ok(Header::Sqlite { wal: true }));
    let immutable = wal && !sibling(path, "-wal").exists();
    let mut uri = String::from("file:");
    uri.push_str(&percent_encode(path));
    uri.push_str("?mode=ro");
    if immutable {
        uri.push_str("&immutable=1");
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags)?;
    // Belt and braces: SQLite itself refuses any write on this connection.
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// A path as the path part of a SQLite URI: every byte outside the unreserved set
/// is `%HH`, so `?`, `#` and `%` in file names stay part of the name.
fn percent_encode(path: &Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wal_database(dir: &Path) -> PathBuf {
        let path = dir.join("a ?#%.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(conn);
        path
    }

    #[test]
    fn a_wal_database_without_a_wal_file_is_read_without_creating_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = wal_database(dir.path());
        assert_eq!(header(&path).unwrap(), Header::Sqlite { wal: true });
        let before = std::fs::read(&path).unwrap();
        let conn = open_read_only(&path).unwrap();
        let n: i64 = conn.query_row("SELECT x FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        assert!(conn.execute("INSERT INTO t VALUES (2)", []).is_err());
        drop(conn);
        assert_eq!(std::fs::read(&path).unwrap(), before);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn headers_tell_empty_foreign_and_legacy_files_apart() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").unwrap();
        assert_eq!(header(&empty).unwrap(), Header::Empty);
        let text = dir.path().join("text");
        std::fs::write(&text, "name,orders\n").unwrap();
        assert_eq!(header(&text).unwrap(), Header::NotSqlite);
        let legacy = dir.path().join("legacy.db");
        Connection::open(&legacy)
            .unwrap()
            .execute_batch("CREATE TABLE t(x)")
            .unwrap();
        assert_eq!(header(&legacy).unwrap(), Header::Sqlite { wal: false });
    }
}
