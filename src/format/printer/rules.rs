//! Rules and their clauses, one clause a line.

use super::super::expr::{self, expr};
use super::super::layout::Kind;
use super::Printer;
use super::{date_range, window_text};
use crate::syntax::ast::*;

impl Printer<'_> {
    pub(super) fn rule(&mut self, r: &RuleDecl, span: crate::source::Span) {
        self.begin(span.start, Kind::Statement);
        self.push(&format!("rule {} {{", r.name.node));
        self.reach(r.name.span.end);
        self.finish(true);
        self.indent += 1;
        for c in &r.clauses {
            self.begin(c.span.start, Kind::Statement);
            self.clause(&c.node);
            self.reach(c.span.end);
            self.finish(false);
        }
        self.indent -= 1;
        self.closer(span);
        self.finish(false);
    }

    fn clause(&mut self, c: &Clause) {
        match c {
            Clause::On { event, filter } => {
                self.push(&format!("on {}", event.node));
                self.reach(event.span.end);
                if let Some(f) = filter {
                    self.push(" where ");
                    self.condition(f);
                }
            }
            Clause::When(e) => {
                self.push("when ");
                self.condition(e);
            }
            Clause::Give(rewards) => {
                self.push("give ");
                for (i, r) in rewards.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.reward(r);
                }
            }
            other => self.push(&simple_clause(other)),
        }
    }
}

/// A clause that never spans lines.
fn simple_clause(c: &Clause) -> String {
    match c {
        Clause::Schedule(s) => schedule(s),
        Clause::During {
            range,
            except_holidays,
        } => {
            let except = if except_holidays.is_some() {
                " except holidays"
            } else {
                ""
            };
            format!("during {}{except}", date_range(range))
        }
        Clause::ForGroup(s) => format!("for group in {}", s.node),
        Clause::Limit(l) => limit(l),
        Clause::Cap { amount, window } => {
            format!("cap {} {}", expr::money(amount.node), window_text(*window))
        }
        Clause::Priority(n) => format!("priority {n}"),
        Clause::RenamedFrom(names) => super::renamed_from(names),
        Clause::Exclusive { group, period } => match period {
            Some(p) => format!("exclusive {} per {}", expr::quote(&group.node), p.keyword()),
            None => format!("exclusive {}", expr::quote(&group.node)),
        },
        Clause::OrderBy {
            key,
            descending,
            explicit,
        } => {
            let direction = match (explicit, descending) {
                (false, _) => "",
                (true, true) => " desc",
                (true, false) => " asc",
            };
            format!("order by {}{direction}", expr(key))
        }
        // Printed by `Printer::clause`.
        Clause::On { .. } | Clause::When(_) | Clause::Give(_) => String::new(),
    }
}

fn schedule(s: &Schedule) -> String {
    match s {
        Schedule::Daily(t) => format!("every day at {}", expr::time(t.node)),
        Schedule::Weekly { days, at } => {
            let days: Vec<&str> = days.iter().map(|d| expr::weekday(d.node)).collect();
            format!("every {} at {}", days.join(", "), expr::time(at.node))
        }
        Schedule::Interval { step, from, to } => format!(
            "every {} from {} to {}",
            expr::duration(step.node),
            expr::time(from.node),
            expr::time(to.node)
        ),
        Schedule::Calendar { day, at } => {
            format!("every {} at {}", day.node.keyword(), expr::time(at.node))
        }
        Schedule::Monthly { day, at } => {
            format!("every month on {} at {}", day.node, expr::time(at.node))
        }
        Schedule::Once(t) => format!("at {}", expr::datetime(t.node)),
        Schedule::Cron(c) => format!("cron {}", expr::quote(&c.node)),
    }
}

fn limit(l: &Limit) -> String {
    let mut s = if l.once {
        "limit once".to_string()
    } else {
        format!("limit {}", l.count.node)
    };
    if let Some(t) = &l.per_target {
        s.push_str(&format!(" per {}", t.node.keyword()));
    }
    if let Some(w) = l.window {
        s.push(' ');
        s.push_str(&window_text(w));
    }
    s
}
