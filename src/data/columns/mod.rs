//! A table held in memory, column by column: the decoded values of the fields a run
//! reads, so a run of many ticks reads and decodes the table once instead of once
//! per tick.
//!
//! Numbers, instants, dates and bools are kept as `i64`, text as codes into a
//! dictionary of the column's distinct values, sets as runs of such codes; a missing
//! value is a bit. A value that did not decode is kept as a [`BadValue`] beside its
//! row, so a scan leaves the row out and reports it exactly when a scan of the file
//! would have (only scans that read that field). Filters are evaluated a column at a
//! time into bitsets ([`Columns::matching`]).

use std::collections::HashMap;
use std::hash::BuildHasher as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use fixedbitset::{Block, FixedBitSet};
use hashbrown::HashTable;
use rust_decimal::Decimal;

use crate::check::types::Base;
use crate::data::filter::{FilterOp, RowFilter, Stored};
use crate::data::{BadValue, FieldSet};
use crate::money::{Fen, Rate};
use crate::value::{Row, SET_SEPARATOR, Val};

/// The rows of one table, in table order, with the chosen fields decoded.
#[derive(Debug)]
pub struct Columns {
    /// Schema width of a row.
    width: usize,
    /// Row ids: one text arena with the end of each id.
    ids: String,
    id_ends: Vec<u32>,
    /// Row positions by the hash of their id, for lookups.
    by_id: HashTable<u32>,
    /// By schema index: the field's column, when held.
    columns: Vec<Option<Column>>,
    /// Values that did not decode, in table order: the row's position, the field
    /// (`None`: the id did not read, so the row is not held and every scan reports
    /// it; its position is that of the next row held) and why.
    bad: Vec<(u32, Option<usize>, BadValue)>,
}

/// One field's values.
#[derive(Debug)]
struct Column {
    base: Base,
    missing: FixedBitSet,
    /// Whether any value is missing: when none is, filling a row skips `missing`
    /// (one cache miss less per field of a row picked at random).
    any_missing: bool,
    store: Store,
    /// For an `i64` column compared more than once (a time against each tick's
    /// `now`, say): the rows with a value, sorted by it, so a comparison costs the
    /// rows it picks (or leaves out), not a pass over the column.
    order: OnceLock<Vec<u32>>,
    /// Whether the column was compared once before `order` was built.
    compared: AtomicBool,
}

#[derive(Debug)]
enum Store {
    Ints(Vec<i64>),
    Decimals(Vec<Decimal>),
    /// Codes into `dict`.
    Texts {
        codes: Vec<u32>,
        dict: Dict,
    },
    /// Row `r`'s elements are `elems[starts[r]..starts[r + 1]]`, codes into `dict`.
    Sets {
        starts: Vec<u32>,
        elems: Vec<u32>,
        dict: Dict,
    },
}

/// Distinct texts of a column; the map is only needed while building.
#[derive(Debug, Default)]
struct Dict {
    texts: Vec<Box<str>>,
    codes: HashMap<Box<str>, u32, foldhash::fast::RandomState>,
}

impl Dict {
    fn code(&mut self, text: &str) -> Result<u32, String> {
        if let Some(&c) = self.codes.get(text) {
            return Ok(c);
        }
        let c = u32::try_from(self.texts.len()).map_err(|_| too_many())?;
        self.texts.push(text.into());
        self.codes.insert(text.into(), c);
        Ok(c)
    }
}

fn too_many() -> String {
    "more than 4,294,967,295 rows or distinct values to hold in memory".to_owned()
}

/// Builds [`Columns`] row by row.
#[derive(Debug)]
pub struct ColumnsBuilder {
    cols: Columns,
    fields: Vec<usize>,
    rows: u32,
}

impl ColumnsBuilder {
    /// A builder of the `fields` (schema indices) of a schema whose fields have
    /// these base types.
    pub fn new(bases: &[Base], fields: &FieldSet) -> ColumnsBuilder {
        let mut columns: Vec<Option<Column>> = bases.iter().map(|_| None).collect();
        // Field 0 is the id, kept apart.
        for &f in fields.iter().filter(|&&f| f != 0) {
            if let (Some(slot), Some(base)) = (columns.get_mut(f), bases.get(f)) {
                *slot = Column::new(base.clone());
            }
        }
        ColumnsBuilder {
            cols: Columns {
                width: bases.len(),
                ids: String::new(),
                id_ends: Vec::new(),
                by_id: HashTable::new(),
                columns,
                bad: Vec::new(),
            },
            fields: fields.to_vec(),
            rows: 0,
        }
    }

    /// The fields held.
    pub fn fields(&self) -> &[usize] {
        &self.fields
    }

    /// A row whose id did not read: never visited, reported by every scan.
    pub fn push_bad_id(&mut self, bad: BadValue) {
        self.cols.bad.push((self.rows, None, bad));
    }

    /// Adds a row: its id and its held fields' values in `row`, except those in
    /// `bad` (schema index and why), which did not decode.
    pub fn push(&mut self, row: &Row, bad: &[(usize, BadValue)]) -> Result<(), String> {
        let r = self.rows;
        self.rows = r.checked_add(1).ok_or_else(too_many)?;
        self.cols.ids.push_str(&row.id);
        let end = u32::try_from(self.cols.ids.len()).map_err(|_| too_many())?;
        self.cols.id_ends.push(end);
        for &f in &self.fields {
            let Some(Some(col)) = self.cols.columns.get_mut(f) else {
                continue;
            };
            match bad.iter().find(|(b, _)| *b == f) {
                None => col.push(&row.vals[f])?,
                Some((_, why)) => {
                    col.push(&Val::Null)?;
                    self.cols.bad.push((r, Some(f), why.clone()));
                }
            }
        }
        Ok(())
    }

    /// The finished table.
    pub fn finish(mut self) -> Columns {
        let cols = &mut self.cols;
        for col in cols.columns.iter_mut().flatten() {
            col.shrink();
        }
        let mut by_id = HashTable::with_capacity(self.rows as usize);
        for r in 0..self.rows {
            let hash = id_hash(cols.id(r));
            by_id.insert_unique(hash, r, |&r| id_hash(cols.id(r)));
        }
        cols.by_id = by_id;
        self.cols
    }
}

impl Column {
    fn new(base: Base) -> Option<Column> {
        let store = match base {
            Base::Decimal => Store::Decimals(Vec::new()),
            Base::Text => Store::Texts {
                codes: Vec::new(),
                dict: Dict::default(),
            },
            Base::TextSet => Store::Sets {
                starts: vec![0],
                elems: Vec::new(),
                dict: Dict::default(),
            },
            Base::Int
            | Base::Money
            | Base::Percent
            | Base::Bool
            | Base::Time
            | Base::Date
            | Base::Duration
            | Base::TimeOfDay => Store::Ints(Vec::new()),
            // No field has these types; such a column is not held (scans read the file).
            Base::List(_) | Base::Error => return None,
        };
        Some(Column {
            base,
            missing: FixedBitSet::new(),
            any_missing: false,
            store,
            order: OnceLock::new(),
            compared: AtomicBool::new(false),
        })
    }

    fn push(&mut self, v: &Val) -> Result<(), String> {
        let r = self.missing.len();
        self.missing.grow(r + 1);
        if matches!(v, Val::Null) {
            self.missing.insert(r);
            self.any_missing = true;
        }
        match &mut self.store {
            Store::Ints(xs) => xs.push(as_int(v)),
            Store::Decimals(xs) => xs.push(match v {
                Val::Decimal(d) => *d,
                _ => Decimal::ZERO,
            }),
            Store::Texts { codes, dict } => codes.push(match v {
                Val::Text(t) => dict.code(t)?,
                _ => 0,
            }),
            Store::Sets {
                starts,
                elems,
                dict,
            } => {
                if let Val::Set(s) = v {
                    for e in crate::value::V::set_elements(s) {
                        elems.push(dict.code(e)?);
                    }
                }
                starts.push(u32::try_from(elems.len()).map_err(|_| too_many())?);
            }
        }
        Ok(())
    }

    fn shrink(&mut self) {
        match &mut self.store {
            Store::Ints(xs) => xs.shrink_to_fit(),
            Store::Decimals(xs) => xs.shrink_to_fit(),
            Store::Texts { codes, dict } => {
                codes.shrink_to_fit();
                dict.codes = HashMap::default();
            }
            Store::Sets {
                starts,
                elems,
                dict,
            } => {
                starts.shrink_to_fit();
                elems.shrink_to_fit();
                dict.codes = HashMap::default();
            }
        }
    }

    /// The rows sorted by value, from the second comparison on.
    fn order(&self, xs: &[i64]) -> Option<&[u32]> {
        if let Some(order) = self.order.get() {
            return Some(order);
        }
        if !self.compared.swap(true, Ordering::Relaxed) {
            return None;
        }
        let order = self.order.get_or_init(|| {
            let mut order: Vec<u32> = (0..xs.len() as u32)
                .filter(|&r| !self.missing.contains(r as usize))
                .collect();
            order.sort_unstable_by_key(|&r| xs[r as usize]);
            order
        });
        Some(order)
    }

    /// Row `r`'s value into `slot` (reusing its buffers).
    fn fill(&self, r: usize, slot: &mut Val) {
        if self.any_missing && self.missing.contains(r) {
            *slot = Val::Null;
            return;
        }
        match &self.store {
            Store::Ints(xs) => *slot = of_int(&self.base, xs[r]),
            Store::Decimals(xs) => *slot = Val::Decimal(xs[r]),
            Store::Texts { codes, dict } => slot.set_text(&dict.texts[codes[r] as usize]),
            Store::Sets {
                starts,
                elems,
                dict,
            } => {
                // The decoder's form: elements joined by the separator.
                let buf = slot.set_buffer();
                for (k, &e) in elems[starts[r] as usize..starts[r + 1] as usize]
                    .iter()
                    .enumerate()
                {
                    if k > 0 {
                        buf.push(SET_SEPARATOR);
                    }
                    buf.push_str(&dict.texts[e as usize]);
                }
            }
        }
    }

    /// Rows whose value may satisfy `value OP stored`.
    fn compare(&self, op: FilterOp, stored: &Stored, rows: usize) -> FixedBitSet {
        let mut out = match (&self.store, stored) {
            (Store::Ints(xs), _) => match int_bound(&self.base, op, stored) {
                Some((op, c)) if let Some(order) = self.order(xs) => {
                    return by_order(order, xs, &self.missing, op, c);
                }
                Some((FilterOp::Eq, c)) => bits_where(xs, |x| x == c),
                Some((FilterOp::Ne, c)) => bits_where(xs, |x| x != c),
                Some((FilterOp::Lt, c)) => bits_where(xs, |x| x < c),
                Some((FilterOp::Le, c)) => bits_where(xs, |x| x <= c),
                Some((FilterOp::Gt, c)) => bits_where(xs, |x| x > c),
                Some((FilterOp::Ge, c)) => bits_where(xs, |x| x >= c),
                None => every_row(rows),
            },
            (Store::Texts { codes, dict }, Stored::Text(t)) => {
                let by_code: Vec<bool> = dict
                    .texts
                    .iter()
                    .map(|d| holds(op, (**d).cmp(t.as_str())))
                    .collect();
                // A missing value's slot holds code 0 even when no text was read at
                // all (an empty dictionary); it is taken out just below.
                bits_where(codes, |c| by_code.get(c as usize).copied().unwrap_or(false))
            }
            _ => every_row(rows),
        };
        // A comparison with a missing value is false.
        out.difference_with(&self.missing);
        out
    }
}

/// The rows whose value satisfies `value OP c`, from the rows sorted by value:
/// the matching rows are one range of `order` (two for `!=`), set one by one, or
/// the rows outside it cleared when that is less work.
fn by_order(order: &[u32], xs: &[i64], missing: &FixedBitSet, op: FilterOp, c: i64) -> FixedBitSet {
    let below = |strict: bool| {
        order.partition_point(|&r| {
            let x = xs[r as usize];
            if strict { x < c } else { x <= c }
        })
    };
    let (start, end) = match op {
        FilterOp::Lt => (0, below(true)),
        FilterOp::Le => (0, below(false)),
        FilterOp::Gt => (below(false), order.len()),
        FilterOp::Ge => (below(true), order.len()),
        FilterOp::Eq | FilterOp::Ne => (below(true), below(false)),
    };
    let n = xs.len();
    let inside = &order[start..end];
    // Few rows inside: set them; else start from every row with a value.
    let sparse = op != FilterOp::Ne && inside.len() <= order.len() / 2;
    let mut bits = if sparse {
        FixedBitSet::with_capacity(n)
    } else {
        let mut all = every_row(n);
        all.difference_with(missing);
        all
    };
    if op == FilterOp::Ne {
        inside.iter().for_each(|&r| bits.set(r as usize, false));
    } else if sparse {
        inside.iter().for_each(|&r| bits.insert(r as usize));
    } else {
        let outside = order[..start].iter().chain(&order[end..]);
        outside.for_each(|&r| bits.set(r as usize, false));
    }
    bits
}

/// A bitset of `n` rows, all in.
fn every_row(n: usize) -> FixedBitSet {
    let mut b = FixedBitSet::with_capacity(n);
    b.insert_range(..);
    b
}

/// An `i64` column's value compared with a stored value: the operator and the
/// constant in the column's own terms; `None` when it cannot be said (every row
/// then may match).
fn int_bound(base: &Base, op: FilterOp, stored: &Stored) -> Option<(FilterOp, i64)> {
    match (base, stored) {
        (Base::Int | Base::Money | Base::Bool, Stored::Int(i)) => Some((op, *i)),
        (Base::Date, Stored::Text(t)) => {
            let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
            Some((op, i64::from(d.num_days_from_ce())))
        }
        (Base::Time, Stored::Time(t)) => Some((op, *t)),
        _ => None,
    }
}

/// The hash an id is found by (fixed, so lookups are the same from run to run).
fn id_hash(id: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0).hash_one(id)
}

/// The rows of `values` for which `test` holds, a machine word at a time.
fn bits_where<T: Copy>(values: &[T], test: impl Fn(T) -> bool) -> FixedBitSet {
    let blocks = values.chunks(Block::BITS as usize).map(|chunk| {
        chunk
            .iter()
            .enumerate()
            .fold(0 as Block, |w, (i, &x)| w | (Block::from(test(x)) << i))
    });
    FixedBitSet::with_capacity_and_blocks(values.len(), blocks)
}

fn holds(op: FilterOp, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        FilterOp::Eq => o == Equal,
        FilterOp::Ne => o != Equal,
        FilterOp::Lt => o == Less,
        FilterOp::Le => o != Greater,
        FilterOp::Gt => o == Greater,
        FilterOp::Ge => o != Less,
    }
}

/// A scalar value as the `i64` its column keeps.
fn as_int(v: &Val) -> i64 {
    match v {
        Val::Int(i) | Val::Time(i) | Val::Duration(i) => *i,
        Val::Money(m) => m.0,
        Val::Percent(r) => r.0,
        Val::Bool(b) => i64::from(*b),
        Val::Date(d) => i64::from(d.num_days_from_ce()),
        Val::TimeOfDay(t) => i64::from(t.num_seconds_from_midnight()),
        _ => 0,
    }
}

/// The value an `i64` of a column of `base` stands for.
fn of_int(base: &Base, x: i64) -> Val {
    match base {
        Base::Money => Val::Money(Fen(x)),
        Base::Percent => Val::Percent(Rate(x)),
        Base::Bool => Val::Bool(x != 0),
        Base::Time => Val::Time(x),
        Base::Duration => Val::Duration(x),
        Base::Date => i32::try_from(x)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .map_or(Val::Null, Val::Date),
        Base::TimeOfDay => u32::try_from(x)
            .ok()
            .and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0))
            .map_or(Val::Null, Val::TimeOfDay),
        _ => Val::Int(x),
    }
}

impl Columns {
    /// Rows held.
    pub fn len(&self) -> usize {
        self.id_ends.len()
    }

    /// Whether no row is held.
    pub fn is_empty(&self) -> bool {
        self.id_ends.is_empty()
    }

    /// Whether every one of `fields` is held.
    pub fn holds(&self, fields: &FieldSet) -> bool {
        fields
            .iter()
            .all(|&f| matches!(self.columns.get(f), Some(Some(_))) || f == 0)
    }

    fn id(&self, r: u32) -> &str {
        let r = r as usize;
        let start = if r == 0 {
            0
        } else {
            self.id_ends[r - 1] as usize
        };
        &self.ids[start..self.id_ends[r] as usize]
    }

    /// The position of the row with this id.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.by_id
            .find(id_hash(id), |&r| self.id(r) == id)
            .map(|&r| r as usize)
    }

    /// The values that did not decode in row `r` among `fields`.
    pub fn bad_in(&self, r: usize, fields: &FieldSet) -> impl Iterator<Item = &BadValue> {
        let r = r as u32;
        let start = self.bad.partition_point(|(row, _, _)| *row < r);
        self.bad[start..]
            .iter()
            .take_while(move |(row, _, _)| *row == r)
            .filter(|(_, f, _)| f.is_some_and(|f| fields.contains(&f)))
            .map(|(_, _, b)| b)
    }

    /// Every value a scan of `fields` finds bad, in table order, and the rows it
    /// therefore leaves out.
    pub fn bad_for(&self, fields: &FieldSet) -> (Vec<&BadValue>, FixedBitSet) {
        let mut out: Vec<&BadValue> = Vec::new();
        let mut rows = FixedBitSet::with_capacity(self.len());
        for (r, f, b) in &self.bad {
            match f {
                None => out.push(b),
                Some(f) if fields.contains(f) => {
                    out.push(b);
                    rows.insert(*r as usize);
                }
                Some(_) => {}
            }
        }
        (out, rows)
    }

    /// Row `r` into `row`: its id and `fields` (others left as they are).
    pub fn fill(&self, r: usize, fields: &FieldSet, row: &mut Row) {
        self.fill_values(r, fields, row);
        row.id.clear();
        row.id.push_str(self.id(r as u32));
    }

    /// `fields` of row `r` into `row`, its id left as it is: for a caller that
    /// found the row by its id.
    pub fn fill_values(&self, r: usize, fields: &FieldSet, row: &mut Row) {
        if row.vals.len() != self.width {
            *row = Row::with_width(self.width);
        }
        for &f in fields {
            match self.columns.get(f) {
                Some(Some(col)) => col.fill(r, &mut row.vals[f]),
                _ if f == 0 => row.vals[0].set_text(self.id(r as u32)),
                _ => {}
            }
        }
    }

    /// The rows `filter` may hold for: every row for which it holds, and maybe more
    /// (never fewer). A field not held counts as "may hold".
    pub fn matching(&self, filter: &RowFilter) -> FixedBitSet {
        let n = self.len();
        let all = || every_row(n);
        match filter {
            RowFilter::True => all(),
            RowFilter::False => FixedBitSet::with_capacity(n),
            RowFilter::All(parts) => {
                let mut acc = all();
                for p in parts {
                    acc.intersect_with(&self.matching(p));
                }
                acc
            }
            RowFilter::Any(parts) => {
                let mut acc = FixedBitSet::with_capacity(n);
                for p in parts {
                    acc.union_with(&self.matching(p));
                }
                acc
            }
            RowFilter::Present(f) | RowFilter::Absent(f) => match self.column(*f) {
                Some(col) => {
                    let mut b = col.missing.clone();
                    if matches!(filter, RowFilter::Present(_)) {
                        b.toggle_range(..);
                    }
                    b
                }
                None => all(),
            },
            RowFilter::Compare { field, op, value } => match self.column(*field) {
                Some(col) => col.compare(*op, value, n),
                None => all(),
            },
        }
    }

    fn column(&self, f: usize) -> Option<&Column> {
        self.columns.get(f).and_then(Option::as_ref)
    }
}

#[cfg(test)]
mod tests;
