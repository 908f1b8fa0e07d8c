//! Rules and their clauses: triggers, conditions, rewards given, limits, caps and
//! schedules, and the periods and windows they count in.

use pest::iterators::Pair;

use super::{Builder, R, children, internal};
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::grammar::Rule;

impl Builder<'_> {
    /// Builds a rule and its clauses.
    pub(super) fn rule(&mut self, pair: Pair<'_, Rule>) -> R<RuleDecl> {
        let at = self.span(&pair).start;
        let mut it = children(pair);
        let name = self.ident(it.next().ok_or_else(|| internal(self.file, at))?);
        let clauses = it.map(|c| self.clause(c)).collect::<R<Vec<_>>>()?;
        Ok(RuleDecl { name, clauses })
    }

    fn clause(&mut self, pair: Pair<'_, Rule>) -> R<Spanned<Clause>> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = children(pair).collect::<Vec<_>>().into_iter();
        let file = self.file;
        let mut next = || parts.next().ok_or_else(|| internal(file, span.start));
        let clause = match rule {
            Rule::on_event => {
                let event = next()?;
                let event = self.ident(event);
                let filter = match parts.next() {
                    Some(w) => Some(
                        self.expr(
                            children(w)
                                .next()
                                .ok_or_else(|| internal(self.file, span.start))?,
                            0,
                        )?,
                    ),
                    None => None,
                };
                Clause::On { event, filter }
            }
            Rule::during => {
                let (a, b) = (next()?, next()?);
                Clause::During {
                    range: DateRange {
                        from: self.day(&a),
                        to: self.day(&b),
                    },
                    except_holidays: next().ok().map(|e| self.spanned(&e, ())),
                }
            }
            Rule::for_group => Clause::ForGroup(self.ident(next()?)),
            Rule::when_clause => Clause::When(self.expr(next()?, 0)?),
            Rule::give_clause => {
                let rewards = parts.map(|r| self.reward(r, 0)).collect::<R<Vec<_>>>()?;
                Clause::Give(rewards)
            }
            Rule::limit_clause => Clause::Limit(self.limit(parts.collect())),
            Rule::cap_clause => {
                let amount = self.money(&next()?);
                let window = next().map_or(Window::Total, window_of);
                Clause::Cap { amount, window }
            }
            Rule::priority_clause => {
                let p = next()?;
                let n = self.lit(
                    &p,
                    |t| t.parse::<i64>().map_err(|_| format!("`{t}` is too large")),
                    0,
                );
                Clause::Priority(n.node)
            }
            Rule::exclusive_clause => {
                let group = self.string(next()?);
                let period = parts.next().map(|p| period_of(&p));
                Clause::Exclusive { group, period }
            }
            Rule::renamed_from => Clause::RenamedFrom(parts.map(|p| self.string(p)).collect()),
            Rule::order_clause => {
                let key = self.expr(next()?, 0)?;
                let dir = parts.next();
                Clause::OrderBy {
                    key,
                    descending: dir.as_ref().is_some_and(|d| d.as_str() == "desc"),
                    explicit: dir.is_some(),
                }
            }
            _ => Clause::Schedule(self.schedule(rule, parts.collect(), span)?),
        };
        Ok(Spanned::new(clause, span))
    }

    fn schedule(&mut self, rule: Rule, parts: Vec<Pair<'_, Rule>>, span: Span) -> R<Schedule> {
        let file = self.file;
        let missing = || internal(file, span.start);
        Ok(match rule {
            Rule::every_day => Schedule::Daily(self.time(parts.first().ok_or_else(missing)?)),
            Rule::every_weekdays => {
                let (time, days) = parts.split_last().ok_or_else(missing)?;
                let days = days
                    .iter()
                    .map(|d| self.spanned(d, weekday_of(d.as_str())))
                    .collect();
                Schedule::Weekly {
                    days,
                    at: self.time(time),
                }
            }
            Rule::every_calendar_day => {
                let [day, at] = parts.as_slice() else {
                    return Err(missing());
                };
                let which = if day.as_str() == "holiday" {
                    CalendarDay::Holiday
                } else {
                    CalendarDay::Workday
                };
                Schedule::Calendar {
                    day: self.spanned(day, which),
                    at: self.time(at),
                }
            }
            Rule::every_interval => {
                let [step, from, to] = parts.as_slice() else {
                    return Err(missing());
                };
                Schedule::Interval {
                    step: self.duration(step),
                    from: self.time(from),
                    to: self.time(to),
                }
            }
            Rule::every_month => {
                let [day, at] = parts.as_slice() else {
                    return Err(missing());
                };
                Schedule::Monthly {
                    day: self.integer(day),
                    at: self.time(at),
                }
            }
            Rule::once_at => Schedule::Once(self.datetime(parts.first().ok_or_else(missing)?)),
            _ => Schedule::Cron(self.string(parts.into_iter().next().ok_or_else(missing)?)),
        })
    }

    fn limit(&mut self, parts: Vec<Pair<'_, Rule>>) -> Limit {
        let mut count = Spanned::new(1, Span::default());
        let mut once = false;
        let mut per_target = None;
        let mut window = None;
        for p in parts {
            match p.as_rule() {
                Rule::limit_count => match children(p.clone()).next() {
                    Some(n) => count = self.integer(&n),
                    None => {
                        once = true;
                        count = self.spanned(&p, 1);
                    }
                },
                Rule::per_target => {
                    let kind = if p.as_str().trim_end().ends_with("group") {
                        TargetKind::Group
                    } else {
                        TargetKind::Member
                    };
                    per_target = Some(self.spanned(&p, kind));
                }
                _ => window = Some(window_of(p)),
            }
        }
        Limit {
            count,
            once,
            per_target,
            window,
        }
    }
}

fn period_of(pair: &Pair<'_, Rule>) -> Period {
    let text = pair.as_str();
    if text.ends_with("day") {
        Period::Day
    } else if text.ends_with("week") {
        Period::Week
    } else {
        Period::Month
    }
}

/// A window that money or firings are counted in: `total`, or per day, week or
/// month.
pub(super) fn window_of(pair: Pair<'_, Rule>) -> Window {
    if pair.as_rule() == Rule::total {
        Window::Total
    } else {
        Window::Per(period_of(&pair))
    }
}

fn weekday_of(text: &str) -> chrono::Weekday {
    use chrono::Weekday::*;
    match text {
        "monday" => Mon,
        "tuesday" => Tue,
        "wednesday" => Wed,
        "thursday" => Thu,
        "friday" => Fri,
        "saturday" => Sat,
        _ => Sun,
    }
}
