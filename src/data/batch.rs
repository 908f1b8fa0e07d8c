//! The events of a window, packed: each event's decoded values as a few bytes in
//! one buffer instead of a row of boxed values, so a window of a million events
//! takes tens of megabytes, not hundreds. Events are unpacked one at a time, into a
//! record reused from event to event.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use rust_decimal::Decimal;

use crate::data::EventRecord;
use crate::money::{Fen, Rate};
use crate::value::{Row, Val};

/// The events of a window, in time order once [`EventBatch::sort`] ran.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventBatch {
    /// Per event: its instant and where its bytes start (its id, its kind, its
    /// values).
    index: Vec<Entry>,
    /// The bytes, in chunks that are never moved: a growing buffer would hold its
    /// old and new copies at once, twice the memory at the worst moment.
    /// Shared between clones: a window's events handed to two runs are held once.
    chunks: Vec<Arc<Vec<u8>>>,
    /// One event's bytes, before they go to a chunk.
    scratch: Vec<u8>,
    /// Events of kinds the playbook does not declare, counted by kind.
    pub ignored: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    at: i64,
    chunk: u32,
    offset: u32,
}

/// Bytes in a chunk: events are packed into chunks of this size (an event larger
/// than that gets a chunk of its own).
const CHUNK: usize = 1 << 20;

/// Value tags in the packed form.
const NULL: u8 = 0;
const INT: u8 = 1;
const DECIMAL: u8 = 2;
const MONEY: u8 = 3;
const PERCENT: u8 = 4;
const FALSE: u8 = 5;
const TRUE: u8 = 6;
const TEXT: u8 = 7;
const TIME: u8 = 8;
const DATE: u8 = 9;
const DURATION: u8 = 10;
const TIME_OF_DAY: u8 = 11;
const SET: u8 = 12;
/// Text equal to the event's id (the `id` field repeats it).
const SAME_AS_ID: u8 = 13;
/// The event's instant (the `at` field repeats it).
const SAME_AS_AT: u8 = 14;
/// A length that does not fit in one byte: four bytes follow.
const LONG: u8 = u8::MAX;

impl EventBatch {
    /// Events held.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Adds an event.
    pub fn push(&mut self, event: &EventRecord) {
        let bytes = &mut self.scratch;
        bytes.clear();
        let id = &event.row.id;
        put_text(bytes, id);
        put_len(bytes, event.kind);
        put_len(bytes, event.row.vals.len());
        for v in &event.row.vals {
            match v {
                Val::Text(t) if t == id => bytes.push(SAME_AS_ID),
                Val::Time(t) if *t == event.at => bytes.push(SAME_AS_AT),
                _ => put_val(bytes, v),
            }
        }
        // A chunk a clone shares is never written to again: it starts a new one.
        let fits = self.chunks.last_mut().is_some_and(|c| {
            Arc::get_mut(c).is_some_and(|c| c.capacity() - c.len() >= bytes.len())
        });
        if !fits {
            let chunk = Vec::with_capacity(CHUNK.max(bytes.len()));
            self.chunks.push(Arc::new(chunk));
        }
        let chunk = self.chunks.len() - 1;
        let Some(last) = self.chunks.last_mut().and_then(Arc::get_mut) else {
            return;
        };
        // Chunks are few and small: both fit in 32 bits on any real window.
        let entry = Entry {
            at: event.at,
            chunk: u32::try_from(chunk).unwrap_or(u32::MAX),
            offset: u32::try_from(last.len()).unwrap_or(u32::MAX),
        };
        last.extend_from_slice(bytes);
        self.index.push(entry);
    }

    /// Puts the events in time order: by (`at`, `id`).
    pub fn sort(&mut self) {
        self.index.shrink_to_fit();
        let chunks = &self.chunks;
        self.index.sort_by(|a, b| {
            (a.at, id_at(bytes_of(chunks, a))).cmp(&(b.at, id_at(bytes_of(chunks, b))))
        });
    }

    /// The instant of event `i`.
    pub fn at(&self, i: usize) -> i64 {
        self.index[i].at
    }

    /// The kind of event `i` (its index in `Program::events`).
    pub fn kind(&self, i: usize) -> usize {
        let bytes = bytes_of(&self.chunks, &self.index[i]);
        let mut pos = 0;
        take_text(bytes, &mut pos);
        take_len(bytes, &mut pos)
    }

    /// Value `k` of event `i` when it is a text, the values before it skipped and
    /// none unpacked.
    pub fn text(&self, i: usize, k: usize) -> Option<&str> {
        let bytes = bytes_of(&self.chunks, &self.index[i]);
        let mut pos = 0;
        let id = take_text(bytes, &mut pos);
        take_len(bytes, &mut pos);
        if k >= take_len(bytes, &mut pos) {
            return None;
        }
        for _ in 0..k {
            skip_val(bytes, &mut pos);
        }
        match bytes.get(pos) {
            Some(&SAME_AS_ID) => Some(id),
            Some(&TEXT) => Some(take_text(bytes, &mut (pos + 1))),
            _ => None,
        }
    }

    /// Event `i` into `out` (its buffers reused).
    pub fn read(&self, i: usize, out: &mut EventRecord) {
        let e = &self.index[i];
        out.at = e.at;
        let bytes = bytes_of(&self.chunks, e);
        let mut pos = 0;
        let id = take_text(bytes, &mut pos);
        out.row.id.clear();
        out.row.id.push_str(id);
        out.kind = take_len(bytes, &mut pos);
        let n = take_len(bytes, &mut pos);
        out.row.vals.resize(n, Val::Null);
        for slot in &mut out.row.vals {
            match bytes.get(pos) {
                Some(&SAME_AS_ID) => {
                    pos += 1;
                    slot.set_text(id);
                }
                Some(&SAME_AS_AT) => {
                    pos += 1;
                    *slot = Val::Time(e.at);
                }
                _ => take_val(bytes, &mut pos, slot),
            }
        }
    }

    /// The events at instant `at` whose value `k` is the text `value` (for
    /// `k` = 1: a member's events at that instant), in order.
    pub fn at_instant_with(&self, at: i64, k: usize, value: &str) -> EventBatch {
        let start = self.index.partition_point(|e| e.at < at);
        let end = self.index.partition_point(|e| e.at <= at);
        let mut out = EventBatch::default();
        let mut record = EventRecord::default();
        for i in (start..end).filter(|&i| self.text(i, k) == Some(value)) {
            self.read(i, &mut record);
            out.push(&record);
        }
        out
    }

    /// Every event, unpacked.
    pub fn records(&self) -> impl Iterator<Item = EventRecord> + '_ {
        (0..self.len()).map(|i| {
            let mut e = EventRecord {
                kind: 0,
                at: 0,
                row: Row::default(),
            };
            self.read(i, &mut e);
            e
        })
    }
}

/// A length: one byte when under 255 (ids, kinds, short texts), else [`LONG`] and
/// four bytes.
fn put_len(out: &mut Vec<u8>, n: usize) {
    match u8::try_from(n) {
        Ok(b) if b != LONG => out.push(b),
        // Texts, rows and kinds of a data file are far below 4 GiB.
        _ => {
            out.push(LONG);
            out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
        }
    }
}

fn put_text(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_val(out: &mut Vec<u8>, v: &Val) {
    let int = |tag: u8, x: i64, out: &mut Vec<u8>| {
        out.push(tag);
        out.extend_from_slice(&x.to_le_bytes());
    };
    match v {
        Val::Null => out.push(NULL),
        Val::Int(i) => int(INT, *i, out),
        Val::Decimal(d) => {
            out.push(DECIMAL);
            out.extend_from_slice(&d.serialize());
        }
        Val::Money(m) => int(MONEY, m.0, out),
        Val::Percent(r) => int(PERCENT, r.0, out),
        Val::Bool(b) => out.push(if *b { TRUE } else { FALSE }),
        Val::Text(s) => {
            out.push(TEXT);
            put_text(out, s);
        }
        Val::Time(t) => int(TIME, *t, out),
        Val::Date(d) => int(DATE, i64::from(d.num_days_from_ce()), out),
        Val::Duration(d) => int(DURATION, *d, out),
        Val::TimeOfDay(t) => int(TIME_OF_DAY, i64::from(t.num_seconds_from_midnight()), out),
        Val::Set(s) => {
            out.push(SET);
            put_text(out, s);
        }
    }
}

fn take<const N: usize>(bytes: &[u8], pos: &mut usize) -> [u8; N] {
    let mut out = [0; N];
    if let Some(b) = bytes.get(*pos..*pos + N) {
        out.copy_from_slice(b);
    }
    *pos += N;
    out
}

fn take_len(bytes: &[u8], pos: &mut usize) -> usize {
    match take::<1>(bytes, pos)[0] {
        LONG => u32::from_le_bytes(take(bytes, pos)) as usize,
        b => usize::from(b),
    }
}

fn take_text<'b>(bytes: &'b [u8], pos: &mut usize) -> &'b str {
    let n = take_len(bytes, pos);
    let s = bytes.get(*pos..*pos + n).unwrap_or_default();
    *pos += n;
    // Written from a `&str` by `put_text`.
    std::str::from_utf8(s).unwrap_or_default()
}

/// An event's bytes, from its start to the end of its chunk.
fn bytes_of<'c>(chunks: &'c [Arc<Vec<u8>>], e: &Entry) -> &'c [u8] {
    chunks
        .get(e.chunk as usize)
        .and_then(|c| c.get(e.offset as usize..))
        .unwrap_or_default()
}

fn id_at(bytes: &[u8]) -> &str {
    take_text(bytes, &mut 0)
}

/// Moves past one value, as [`take_val`] would.
fn skip_val(bytes: &[u8], pos: &mut usize) {
    let tag = take::<1>(bytes, pos)[0];
    match tag {
        INT | MONEY | PERCENT | TIME | DATE | DURATION | TIME_OF_DAY => *pos += 8,
        DECIMAL => *pos += 16,
        TEXT | SET => {
            take_text(bytes, pos);
        }
        _ => {}
    }
}

fn take_val(bytes: &[u8], pos: &mut usize, slot: &mut Val) {
    let tag = take::<1>(bytes, pos)[0];
    let int = |pos: &mut usize| i64::from_le_bytes(take(bytes, pos));
    *slot = match tag {
        INT => Val::Int(int(pos)),
        DECIMAL => Val::Decimal(Decimal::deserialize(take(bytes, pos))),
        MONEY => Val::Money(Fen(int(pos))),
        PERCENT => Val::Percent(Rate(int(pos))),
        FALSE => Val::Bool(false),
        TRUE => Val::Bool(true),
        TEXT => {
            slot.set_text(take_text(bytes, pos));
            return;
        }
        TIME => Val::Time(int(pos)),
        DATE => i32::try_from(int(pos))
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .map_or(Val::Null, Val::Date),
        DURATION => Val::Duration(int(pos)),
        TIME_OF_DAY => u32::try_from(int(pos))
            .ok()
            .and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0))
            .map_or(Val::Null, Val::TimeOfDay),
        SET => {
            let s = take_text(bytes, pos);
            let buf = slot.set_buffer();
            buf.push_str(s);
            return;
        }
        _ => Val::Null,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::SET_SEPARATOR;

    fn record(kind: usize, at: i64, id: &str, vals: Vec<Val>) -> EventRecord {
        EventRecord {
            kind,
            at,
            row: Row {
                id: id.to_owned(),
                vals,
            },
        }
    }

    #[test]
    fn every_value_comes_back_as_it_went_in_and_in_time_order() {
        let set = format!("{SET_SEPARATOR}冰柜{SET_SEPARATOR}烟酒{SET_SEPARATOR}");
        let all = vec![
            Val::Null,
            Val::Int(-42),
            Val::Decimal(Decimal::new(-12345, 3)),
            Val::Money(Fen(i64::MAX)),
            Val::Percent(Rate(250)),
            Val::Bool(true),
            Val::Bool(false),
            Val::Text("满300减20".into()),
            Val::Time(1_777_777_777),
            Val::Date(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()),
            Val::Duration(86_400),
            Val::TimeOfDay(NaiveTime::from_hms_opt(20, 0, 0).unwrap()),
            Val::Set(set),
            Val::Set(String::new()),
        ];
        let mut batch = EventBatch::default();
        batch.push(&record(
            1,
            20,
            "e2",
            vec![Val::Text("e2".into()), Val::Text("e".into())],
        ));
        let mut all = all;
        all.push(Val::Time(10));
        all.push(Val::Text("长".repeat(300)));
        batch.push(&record(0, 10, "e9", all.clone()));
        batch.push(&record(2, 20, "e10", vec![]));
        batch.sort();
        let got: Vec<EventRecord> = batch.records().collect();
        assert_eq!(
            got,
            vec![
                record(0, 10, "e9", all),
                record(2, 20, "e10", vec![]),
                record(
                    1,
                    20,
                    "e2",
                    vec![Val::Text("e2".into()), Val::Text("e".into())]
                ),
            ]
        );
        assert_eq!((batch.len(), batch.at(1), batch.kind(2)), (3, 20, 1));
        // A record reused for a shorter event keeps nothing of the longer one.
        let mut reused = got[0].clone();
        batch.read(2, &mut reused);
        assert_eq!(reused, got[2]);
    }

    #[test]
    fn large_events_spread_over_chunks() {
        let big = |n: usize| Val::Text("红".repeat(n));
        let events = [
            record(0, 3, "e1", vec![big(200_000)]),
            record(0, 2, "e2", vec![big(200_000)]),
            record(0, 1, "e3", vec![big(500_000)]),
            record(0, 4, "e4", vec![Val::Int(1)]),
        ];
        let mut batch = EventBatch::default();
        events.iter().for_each(|e| batch.push(e));
        batch.sort();
        assert!(batch.chunks.len() >= 2);
        let ids: Vec<String> = batch.records().map(|e| e.row.id).collect();
        assert_eq!(ids, ["e3", "e2", "e1", "e4"]);
        assert_eq!(batch.records().next(), Some(events[2].clone()));
    }

    #[test]
    fn a_clone_shares_its_chunks_and_writes_to_its_own() {
        let mut batch = EventBatch::default();
        batch.push(&record(0, 1, "e1", vec![Val::Int(1)]));
        let mut clone = batch.clone();
        assert!(Arc::ptr_eq(&batch.chunks[0], &clone.chunks[0]));
        clone.push(&record(0, 2, "e2", vec![Val::Int(2)]));
        batch.push(&record(0, 3, "e3", vec![Val::Int(3)]));
        let ids = |b: &EventBatch| b.records().map(|e| e.row.id).collect::<Vec<_>>();
        assert_eq!(ids(&batch), ["e1", "e3"]);
        assert_eq!(ids(&clone), ["e1", "e2"]);
    }

    #[test]
    fn events_of_one_member_at_one_instant() {
        let mut batch = EventBatch::default();
        let e = |id: &str, at: i64, member: &str| {
            record(
                0,
                at,
                id,
                vec![Val::Text(id.into()), Val::Text(member.into())],
            )
        };
        for ev in [
            e("a", 1, "m1"),
            e("b", 2, "m1"),
            e("c", 2, "m2"),
            e("d", 2, "m1"),
            e("f", 3, "m1"),
        ] {
            batch.push(&ev);
        }
        batch.sort();
        let ids: Vec<String> = batch
            .at_instant_with(2, 1, "m1")
            .records()
            .map(|e| e.row.id)
            .collect();
        assert_eq!(ids, ["b", "d"]);
        assert!(batch.at_instant_with(4, 1, "m1").is_empty());
    }

    #[test]
    fn a_text_is_found_past_every_kind_of_value() {
        let mut vals = vec![
            Val::Null,
            Val::Int(-42),
            Val::Decimal(Decimal::new(-12345, 3)),
            Val::Money(Fen(7)),
            Val::Percent(Rate(250)),
            Val::Bool(true),
            Val::Text("长".repeat(300)),
            Val::Time(10),
            Val::Date(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()),
            Val::Duration(86_400),
            Val::TimeOfDay(NaiveTime::from_hms_opt(20, 0, 0).unwrap()),
            Val::Set(format!("{SET_SEPARATOR}冰柜")),
            Val::Text("e1".into()),
            Val::Time(10),
            Val::Text("m甲".into()),
        ];
        let mut batch = EventBatch::default();
        batch.push(&record(0, 10, "e1", vals.clone()));
        vals.truncate(2);
        batch.push(&record(0, 11, "e2", vals));
        batch.sort();
        let texts: Vec<Option<&str>> = (0..16).map(|k| batch.text(0, k)).collect();
        let mut want = vec![None; 16];
        want[6] = Some("长".repeat(300));
        want[12] = Some("e1".to_owned());
        want[14] = Some("m甲".to_owned());
        assert_eq!(texts, want.iter().map(|t| t.as_deref()).collect::<Vec<_>>());
        assert_eq!((batch.text(1, 1), batch.text(1, 2)), (None, None));
    }
}
