//! Reads handed from one source to another: two versions of a playbook compared over
//! the same file (`diff`) decode its members and its events once, not once each.
//!
//! A read is reused only when it would come out the same: the same table read with
//! the same columns, types and timezone (and, for events, the same window). Bad values
//! are kept with the read and recorded by each source that uses it, so every version
//! reports exactly what it would have found reading the file itself.

use std::sync::{Arc, Mutex, PoisonError};

use super::events::EventSpec;
use super::read::TableSpec;
use crate::data::columns::Columns;
use crate::data::{BadValue, EventBatch, FieldSet, Table};

/// Decoded reads that the sources it is given to ([`super::SqliteData::share`]) hand
/// to each other. Cloning gives another handle on the same reads.
#[derive(Clone, Default)]
pub struct SharedReads {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for SharedReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("SharedReads")
            .field("tables", &inner.tables.len())
            .field("events", &inner.events.len())
            .finish()
    }
}

#[derive(Default)]
struct Inner {
    /// Members and groups held in memory, by what was read.
    tables: Vec<(TableSpec, chrono_tz::Tz, Arc<Columns>)>,
    /// Events of a window waiting for the next source that reads the same.
    events: Vec<EventsRead>,
    /// Fields to hold besides those asked for, per table (members, groups).
    wider: [Vec<usize>; 2],
    /// Whether events stay after they were handed on (see [`SharedReads::retain_events`]).
    retain_events: bool,
}

struct EventsRead {
    spec: EventSpec,
    tz: chrono_tz::Tz,
    window: (i64, i64),
    batch: Arc<EventBatch>,
    bad: Vec<BadValue>,
}

impl SharedReads {
    /// Reads that nothing has read yet.
    pub fn new() -> SharedReads {
        SharedReads::default()
    }

    /// When holding `table`, also hold `fields`, so that a later source that needs
    /// them finds them held (schema indices; those outside a table's schema are
    /// ignored).
    pub fn hold_also(&self, table: Table, fields: &FieldSet) {
        let mut inner = self.lock();
        let Some(wider) = slot(&mut inner.wider, table) else {
            return;
        };
        wider.extend_from_slice(fields);
        wider.sort_unstable();
        wider.dedup();
    }

    /// Keeps every window's events after handing them on, for
    /// [`super::SqliteData::shared_events`]: more memory, for a caller that looks
    /// into them afterwards.
    pub fn retain_events(&self) {
        self.lock().retain_events = true;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The reads stay valid when another user panicked: each is whole once stored.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Held columns of `spec`'s table that include `fields`, read by another source.
    pub(super) fn columns(
        &self,
        spec: &TableSpec,
        tz: chrono_tz::Tz,
        fields: &FieldSet,
    ) -> Option<Arc<Columns>> {
        let inner = self.lock();
        inner
            .tables
            .iter()
            .find(|(s, z, c)| s == spec && *z == tz && c.holds(fields))
            .map(|(_, _, c)| c.clone())
    }

    /// `fields` with the ones to hold besides, sorted.
    pub(super) fn widened(&self, spec: &TableSpec, fields: &FieldSet) -> Vec<usize> {
        let mut inner = self.lock();
        let width = spec.fields.len();
        let mut out = fields.to_vec();
        if let Some(wider) = slot(&mut inner.wider, spec.table) {
            out.extend(wider.iter().filter(|&&f| f < width));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Keeps `columns` for the sources that come next.
    pub(super) fn keep_columns(&self, spec: &TableSpec, tz: chrono_tz::Tz, columns: Arc<Columns>) {
        self.lock().tables.push((spec.clone(), tz, columns));
    }

    /// The events of `window` read by another source, with the bad values it found;
    /// taken, so the memory goes with them.
    pub(super) fn take_events(
        &self,
        spec: &EventSpec,
        tz: chrono_tz::Tz,
        window: (i64, i64),
    ) -> Option<(EventBatch, Vec<BadValue>)> {
        let mut inner = self.lock();
        let i = inner
            .events
            .iter()
            .position(|e| e.spec == *spec && e.tz == tz && e.window == window)?;
        if inner.retain_events {
            let read = &inner.events[i];
            return Some((EventBatch::clone(&read.batch), read.bad.clone()));
        }
        let read = inner.events.swap_remove(i);
        let batch = Arc::try_unwrap(read.batch).unwrap_or_else(|b| EventBatch::clone(&b));
        Some((batch, read.bad))
    }

    /// The events of `window` kept by [`SharedReads::retain_events`].
    pub(super) fn kept_events(
        &self,
        spec: &EventSpec,
        tz: chrono_tz::Tz,
        window: (i64, i64),
    ) -> Option<Arc<EventBatch>> {
        let inner = self.lock();
        inner
            .events
            .iter()
            .find(|e| e.spec == *spec && e.tz == tz && e.window == window)
            .map(|e| e.batch.clone())
    }

    /// Keeps a copy of the events of `window` for the next source that reads them.
    pub(super) fn keep_events(
        &self,
        spec: &EventSpec,
        tz: chrono_tz::Tz,
        window: (i64, i64),
        batch: &EventBatch,
        bad: &[BadValue],
    ) {
        self.lock().events.push(EventsRead {
            spec: spec.clone(),
            tz,
            window,
            batch: Arc::new(batch.clone()),
            bad: bad.to_vec(),
        });
    }
}

fn slot(wider: &mut [Vec<usize>; 2], table: Table) -> Option<&mut Vec<usize>> {
    match table {
        Table::Members => Some(&mut wider[0]),
        Table::Groups => Some(&mut wider[1]),
        Table::Events => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DataSource;
    use crate::data::sqlite::SqliteData;

    const SCHEMA: &str = r#"
playbook "s" { timezone "Asia/Shanghai" }
member { orders: int, city: text }
event paid { amount: money }
rule r { on paid  give points 1 }
"#;

    fn program(text: &str) -> crate::check::Program {
        crate::check_text("s.playbook", text)
            .program
            .expect("checks")
    }

    fn file(dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("s.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE members (id TEXT PRIMARY KEY, orders, city);
             INSERT INTO members VALUES ('m1', 1, '杭州'), ('m2', 'x', '上海');
             CREATE TABLE events (id TEXT PRIMARY KEY, kind, member_id, at, data);
             INSERT INTO events VALUES ('e1', 'paid', 'm1', '2026-05-01 10:00:00', '{\"amount\": 100}'),
                                       ('e2', 'paid', 'm2', '2026-05-01 11:00:00', '{\"amount\": \"bad\"}');",
        )
        .unwrap();
        path
    }

    #[test]
    fn a_second_source_takes_what_the_first_read_with_its_bad_values() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = file(dir.path());
        let shared = SharedReads::new();
        shared.hold_also(Table::Members, &[2, 9]);
        let p = program(SCHEMA);
        let open = || {
            let mut d = SqliteData::open(&path, &p, Default::default()).unwrap();
            d.share(shared.clone());
            d
        };
        let (mut first, mut second) = (open(), open());
        let window = (0, i64::MAX);
        let a = first.events(window.0, window.1).unwrap();
        assert!(first.hold(Table::Members, &[1]).unwrap());
        let b = second.events(window.0, window.1).unwrap();
        // Widened to `city`; index 9 is outside the schema and left out.
        assert!(second.hold(Table::Members, &[1, 2]).unwrap());
        assert_eq!(a, b);
        {
            let inner = shared.lock();
            assert_eq!((inner.tables.len(), inner.events.len()), (1, 0));
        }
        let bad = |d: &mut SqliteData| {
            let mut found: Vec<String> = d.take_problems().iter().map(|b| b.to_string()).collect();
            found.sort();
            found
        };
        let found = bad(&mut first);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found, bad(&mut second));
    }

    #[test]
    fn another_timezone_or_schema_reads_again() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = file(dir.path());
        let shared = SharedReads::new();
        let other_tz = SCHEMA.replace("Asia/Shanghai", "UTC");
        let other_schema = SCHEMA.replace("city: text", "city: text?");
        for text in [SCHEMA, &other_tz, &other_schema] {
            let mut d = SqliteData::open(&path, &program(text), Default::default()).unwrap();
            d.share(shared.clone());
            d.hold(Table::Members, &[1, 2]).unwrap();
        }
        assert_eq!(shared.lock().tables.len(), 3);
    }
}
