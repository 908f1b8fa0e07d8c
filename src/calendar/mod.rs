//! China's official working calendar: which days are workdays, weekends, holidays
//! and make-up working days (调休上班), from the State Council's yearly notices
//! (国务院办公厅关于YYYY年部分节假日安排的通知), and a company's own days on top.
//!
//! The data is text (`china.txt` beside this file, bundled with `include_str!`);
//! an override file uses the same format and parser. `docs/calendar.md` describes
//! the format, the years covered and how to add the next one.
//!
//! A day of a covered year is looked up among the listed days (a sorted `Vec`,
//! a binary search), otherwise its weekday decides. A day of a year the data does
//! not cover is an error ([`Uncovered`]), never a guess: a schedule firing on a
//! weekday that was in fact a holiday is worse than one refusing to run.

mod parse;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, NaiveDate, Weekday};

use parse::Statement;

/// The bundled official schedule, in the calendar text format.
pub const CHINA: &str = include_str!("china.txt");

static CHINA_CALENDAR: LazyLock<Calendar> =
    // A unit test guarantees the bundled text parses; were it not to, every year
    // would be uncovered (an error at check time), not a panic.
    LazyLock::new(|| Calendar::parse(CHINA).unwrap_or_default());

/// What kind of day a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Day<'a> {
    /// An ordinary working day, Monday to Friday.
    Workday,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A day off of a holiday period (weekend days inside the period included),
    /// or a company's day off from an override file.
    Holiday {
        /// The holiday's name as written, like `春节` or `国庆节、中秋节`.
        name: &'a str,
    },
    /// A working day by exception: a Saturday or Sunday worked to make up for a
    /// holiday (调休, 补班), or a company's extra working day.
    MakeUpWorkday {
        /// The holiday it makes up for, as written.
        name: &'a str,
    },
}

impl<'a> Day<'a> {
    /// Whether people work: an ordinary workday or a make-up working day.
    pub fn is_workday(self) -> bool {
        matches!(self, Day::Workday | Day::MakeUpWorkday { .. })
    }

    /// Whether it is a holiday's day off (an ordinary weekend is not).
    pub fn is_holiday(self) -> bool {
        matches!(self, Day::Holiday { .. })
    }

    /// The holiday's name, for a holiday or a make-up working day.
    pub fn name(self) -> Option<&'a str> {
        match self {
            Day::Holiday { name } | Day::MakeUpWorkday { name } => Some(name),
            Day::Workday | Day::Weekend => None,
        }
    }
}

/// A date in a year the calendar has no data for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Uncovered {
    /// The year without data.
    pub year: i32,
}

impl fmt::Display for Uncovered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let year = self.year;
        write!(
            f,
            "the working calendar has no data for {year}: its holidays and make-up working \
             days are unknown. Add them under `year {year}` in a calendar override file, or to \
             src/calendar/china.txt once the State Council publishes {year}'s schedule \
             (docs/calendar.md)"
        )
    }
}

impl std::error::Error for Uncovered {}

/// An error in calendar text, at a byte range of that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError {
    /// The bytes of the text the error is about.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CalendarError {}

/// A listed day: off or worked, and the name it was listed under.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    off: bool,
    name: Arc<str>,
}

/// A working calendar: the years it covers, with their sources, and the days that
/// differ from the weekday rule.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    /// Covered years, ascending, each with its sources (one per line).
    years: Vec<(i32, String)>,
    /// Listed days, ascending by date, each once.
    days: Vec<(NaiveDate, Listed)>,
}

impl Calendar {
    /// The official schedule bundled with playbook, parsed once.
    pub fn china() -> &'static Calendar {
        &CHINA_CALENDAR
    }

    /// A calendar read from text alone (the years it declares, nothing else).
    pub fn parse(text: &str) -> Result<Calendar, Vec<CalendarError>> {
        Calendar::default().with_overrides(text)
    }

    /// This calendar with an override file's days on top.
    ///
    /// The override uses the same format. A day it lists replaces the day this
    /// calendar had (a company day off on an official workday, a working day in
    /// an official holiday). A `year N` line declares a further year covered (or
    /// starts a block for one already covered, adding nothing); its `source`
    /// lines are added to the year's sources. A day listed outside any `year`
    /// block must be in a year that this calendar or the file covers. Within the
    /// file a day may be listed twice only the same way; conflicting listings, a
    /// year declared twice and every line error are reported together.
    pub fn with_overrides(&self, text: &str) -> Result<Calendar, Vec<CalendarError>> {
        let parse::Parsed {
            statements,
            names,
            mut errors,
        } = parse::parse(text);
        let names: Vec<Arc<str>> = names.into_iter().map(Arc::from).collect();
        let mut years: BTreeMap<i32, String> = self.years.iter().cloned().collect();
        // The file's own years, with the span of their `year` line.
        let mut declared: BTreeMap<i32, Range<usize>> = BTreeMap::new();
        for statement in &statements {
            match statement {
                Statement::Year { year, span } => {
                    if let Some(first) = declared.get(year) {
                        errors.push(CalendarError {
                            span: span.clone(),
                            message: format!(
                                "year {year} is declared twice (first on line {})",
                                line_of(text, first.start)
                            ),
                            help: Some("put the year's days in one block".to_owned()),
                        });
                    } else {
                        declared.insert(*year, span.clone());
                        years.entry(*year).or_default();
                    }
                }
                Statement::Source { year, text } => {
                    let sources = years.entry(*year).or_default();
                    if !sources.is_empty() {
                        sources.push('\n');
                    }
                    sources.push_str(text);
                }
                Statement::Day(_) => {}
            }
        }
        let mut days: BTreeMap<NaiveDate, Listed> = self.days.iter().cloned().collect();
        // The file's own listing of each day, to catch a conflicting second one.
        let mut mine: BTreeMap<NaiveDate, (bool, usize, usize)> = BTreeMap::new();
        for statement in statements {
            let Statement::Day(day) = statement else {
                continue;
            };
            let Some(name) = names.get(day.name) else {
                continue;
            };
            if day.block.is_none() && !years.contains_key(&day.date.year()) {
                let year = day.date.year();
                errors.push(CalendarError {
                    span: day.span,
                    message: format!("{} is in {year}, which is not covered", day.date),
                    help: Some(format!(
                        "declare `year {year}` above it: the calendar then covers {year}, with \
                         every day this file does not list following its weekday"
                    )),
                });
                continue;
            }
            if let Some(&(off, first_name, at)) = mine.get(&day.date) {
                if off != day.off || names.get(first_name) != Some(name) {
                    errors.push(CalendarError {
                        span: day.span,
                        message: format!(
                            "{} is listed twice: {} ({}) on line {}, {} ({name}) here",
                            day.date,
                            kind_word(off),
                            names.get(first_name).map_or("", |n| n),
                            line_of(text, at),
                            kind_word(day.off),
                        ),
                        help: Some("list each day once in a file".to_owned()),
                    });
                }
                continue;
            }
            mine.insert(day.date, (day.off, day.name, day.span.start));
            days.insert(
                day.date,
                Listed {
                    off: day.off,
                    name: Arc::clone(name),
                },
            );
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| (e.span.start, e.span.end));
            return Err(errors);
        }
        Ok(Calendar {
            years: years.into_iter().collect(),
            days: days.into_iter().collect(),
        })
    }

    /// What kind of day `date` is, or [`Uncovered`] for a year without data.
    pub fn day(&self, date: NaiveDate) -> Result<Day<'_>, Uncovered> {
        if !self.covers(date.year()) {
            return Err(Uncovered { year: date.year() });
        }
        Ok(match self.days.binary_search_by_key(&date, |(d, _)| *d) {
            Ok(i) => match self.days.get(i) {
                Some((_, Listed { off: true, name })) => Day::Holiday { name },
                Some((_, Listed { off: false, name })) => Day::MakeUpWorkday { name },
                None => weekday_rule(date),
            },
            Err(_) => weekday_rule(date),
        })
    }

    /// Whether people work on `date` (an ordinary or a make-up working day).
    pub fn is_workday(&self, date: NaiveDate) -> Result<bool, Uncovered> {
        self.day(date).map(Day::is_workday)
    }

    /// Whether `date` is a holiday's day off (an ordinary weekend is not).
    pub fn is_holiday(&self, date: NaiveDate) -> Result<bool, Uncovered> {
        self.day(date).map(Day::is_holiday)
    }

    /// Whether every day of `year` can be classified.
    pub fn covers(&self, year: i32) -> bool {
        self.years.binary_search_by_key(&year, |(y, _)| *y).is_ok()
    }

    /// The covered years, ascending.
    pub fn covered_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().map(|(y, _)| *y)
    }

    /// Where `year`'s days come from: one document per line (title and URL for
    /// the official years). `None` for a year not covered or given no source.
    pub fn source(&self, year: i32) -> Option<&str> {
        let i = self.years.binary_search_by_key(&year, |(y, _)| *y).ok()?;
        self.years
            .get(i)
            .map(|(_, s)| s.as_str())
            .filter(|s| !s.is_empty())
    }

    /// The first year from `from`'s to `to`'s (inclusive) the calendar does not
    /// cover: for a schedule whose active range needs the calendar.
    pub fn first_uncovered(&self, from: NaiveDate, to: NaiveDate) -> Option<i32> {
        (from.year()..=to.year()).find(|&y| !self.covers(y))
    }
}

/// A day no list mentions: Monday to Friday work, Saturday and Sunday not.
fn weekday_rule(date: NaiveDate) -> Day<'static> {
    match date.weekday() {
        Weekday::Sat | Weekday::Sun => Day::Weekend,
        _ => Day::Workday,
    }
}

fn kind_word(off: bool) -> &'static str {
    if off { "off" } else { "work" }
}

/// The 1-based line of a byte offset, for messages naming another line.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests;

/// The working calendar a playbook reads (`every workday`, `except holidays`,
/// `workday(…)`): the official one bundled with playbook, or it with the company's
/// own days. Two are equal when they are the same calendar, not merely alike.
#[derive(Clone, Default)]
pub enum WorkCalendar {
    /// The State Council's schedule as bundled.
    #[default]
    Official,
    /// The official schedule with a company's calendar file on top.
    Own(Arc<Calendar>),
}

impl std::ops::Deref for WorkCalendar {
    type Target = Calendar;

    fn deref(&self) -> &Calendar {
        match self {
            WorkCalendar::Official => Calendar::china(),
            WorkCalendar::Own(c) => c,
        }
    }
}

impl PartialEq for WorkCalendar {
    fn eq(&self, other: &WorkCalendar) -> bool {
        match (self, other) {
            (WorkCalendar::Official, WorkCalendar::Official) => true,
            (WorkCalendar::Own(a), WorkCalendar::Own(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl std::fmt::Debug for WorkCalendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkCalendar::Official => f.write_str("WorkCalendar::Official"),
            WorkCalendar::Own(_) => f.write_str("WorkCalendar::Own(..)"),
        }
    }
}
