//! Runtime values: decoded data (owned, reused row to row) and the borrowed views
//! expressions compute with.

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;

pub mod arith;

use crate::money::{Fen, Rate};

/// Separates the elements of a decoded `set<text>` value. Data elements never
/// contain it (the decoder rejects them), so membership is a byte search.
pub const SET_SEPARATOR: char = '\u{1f}';

/// One decoded field value. Text and sets own buffers that a scan reuses row after
/// row, so reading a million members does not allocate a million strings.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Val {
    /// Missing (an optional field), or a field the plan does not read.
    #[default]
    Null,
    /// int
    Int(i64),
    /// decimal
    Decimal(Decimal),
    /// money, in fen
    Money(Fen),
    /// percent, in basis points
    Percent(Rate),
    /// bool
    Bool(bool),
    /// text
    Text(String),
    /// An instant, Unix seconds.
    Time(i64),
    /// A local date.
    Date(NaiveDate),
    /// A length of time, seconds.
    Duration(i64),
    /// A time of day.
    TimeOfDay(NaiveTime),
    /// `set<text>`: elements joined by [`SET_SEPARATOR`].
    Set(String),
}

impl Val {
    /// Sets this slot to `text`, reusing its buffer when it already holds text.
    pub fn set_text(&mut self, text: &str) {
        match self {
            Val::Text(s) => {
                s.clear();
                s.push_str(text);
            }
            _ => *self = Val::Text(text.to_owned()),
        }
    }

    /// A mutable, cleared set buffer in this slot (reused when it already is a set).
    pub fn set_buffer(&mut self) -> &mut String {
        if !matches!(self, Val::Set(_)) {
            *self = Val::Set(String::new());
        }
        #[allow(clippy::unreachable, reason = "made a set just above")]
        match self {
            Val::Set(s) => {
                s.clear();
                s
            }
            _ => unreachable!("just made a set"),
        }
    }

    /// A borrowed view for evaluation.
    pub fn view(&self) -> V<'_> {
        match self {
            Val::Null => V::Null,
            Val::Int(i) => V::Int(*i),
            Val::Decimal(d) => V::Decimal(*d),
            Val::Money(m) => V::Money(*m),
            Val::Percent(r) => V::Percent(*r),
            Val::Bool(b) => V::Bool(*b),
            Val::Text(s) => V::Text(s),
            Val::Time(t) => V::Time(*t),
            Val::Date(d) => V::Date(*d),
            Val::Duration(d) => V::Duration(*d),
            Val::TimeOfDay(t) => V::TimeOfDay(*t),
            Val::Set(s) => V::Set(s),
        }
    }
}

/// A value during evaluation: copied numbers, borrowed text. No operator makes new
/// text, so evaluation never allocates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum V<'a> {
    /// Missing.
    Null,
    /// int
    Int(i64),
    /// decimal
    Decimal(Decimal),
    /// money
    Money(Fen),
    /// percent
    Percent(Rate),
    /// bool
    Bool(bool),
    /// text
    Text(&'a str),
    /// instant, Unix seconds
    Time(i64),
    /// local date
    Date(NaiveDate),
    /// seconds
    Duration(i64),
    /// time of day
    TimeOfDay(NaiveTime),
    /// elements joined by [`SET_SEPARATOR`]
    Set(&'a str),
}

impl<'a> V<'a> {
    /// The elements of a set view.
    pub fn set_elements(set: &'a str) -> impl Iterator<Item = &'a str> {
        set.split(SET_SEPARATOR).filter(|e| !e.is_empty())
    }

    /// Whether `elem` is one of the set's elements.
    pub fn set_contains(set: &str, elem: &str) -> bool {
        V::set_elements(set).any(|e| e == elem)
    }

    /// An owned copy.
    pub fn to_val(self) -> Val {
        match self {
            V::Null => Val::Null,
            V::Int(i) => Val::Int(i),
            V::Decimal(d) => Val::Decimal(d),
            V::Money(m) => Val::Money(m),
            V::Percent(r) => Val::Percent(r),
            V::Bool(b) => Val::Bool(b),
            V::Text(s) => Val::Text(s.to_owned()),
            V::Time(t) => Val::Time(t),
            V::Date(d) => Val::Date(d),
            V::Duration(d) => Val::Duration(d),
            V::TimeOfDay(t) => Val::TimeOfDay(t),
            V::Set(s) => Val::Set(s.to_owned()),
        }
    }
}

/// A decoded record: a member, a group or an event. `vals` follows the schema's field
/// order; fields the plan does not read stay [`Val::Null`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// The record's id.
    pub id: String,
    /// Field values by schema index.
    pub vals: Vec<Val>,
}

impl Row {
    /// A row of `width` null fields.
    pub fn with_width(width: usize) -> Row {
        Row {
            id: String::new(),
            vals: vec![Val::Null; width],
        }
    }
}

/// A value as the operator reads it: money with a yen sign, instants in local time,
/// text quoted, a missing value as `null`.
pub fn show(v: V<'_>, tz: chrono_tz::Tz) -> String {
    match v {
        V::Null => "null".into(),
        V::Int(i) => i.to_string(),
        V::Decimal(d) => d.normalize().to_string(),
        V::Money(m) => m.to_string(),
        V::Percent(r) => format!("{}%", Decimal::new(r.0, 2).normalize()),
        V::Bool(b) => b.to_string(),
        V::Text(s) => format!("{s:?}"),
        V::Time(t) => crate::time::instant_local(tz, t)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        V::Date(d) => d.format("%Y-%m-%d").to_string(),
        V::Duration(s) => show_duration(s),
        V::TimeOfDay(t) => t.format("%H:%M").to_string(),
        V::Set(s) => format!(
            "[{}]",
            V::set_elements(s)
                .map(|e| format!("{e:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn show_duration(seconds: i64) -> String {
    let units = [
        (604_800, "w"),
        (86_400, "d"),
        (3_600, "h"),
        (60, "m"),
        (1, "s"),
    ];
    if seconds == 0 {
        return "0s".into();
    }
    let sign = if seconds < 0 { "-" } else { "" };
    let mut rest = seconds.unsigned_abs();
    let mut out = String::from(sign);
    for (size, unit) in units {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}
