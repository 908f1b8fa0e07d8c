//! Code actions: the mechanical fixes a diagnostic's help describes — a name it
//! suggests (did you mean), a yen sign on a number compared with money, an
//! `exists` guard before a comparison with an optional value, a limit on a rule
//! that spends without one.

use super::{Analysis, Edit};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Item};

/// A fix for one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// What it does.
    pub title: String,
    /// The diagnostic it fixes.
    pub fixes: Diagnostic,
    /// The edits, all in the analysed file.
    pub edits: Vec<Edit>,
}

impl Analysis {
    /// The fixes for the diagnostics of the analysed file that touch `range`.
    pub fn actions(&self, range: Span) -> Vec<Action> {
        let touches = |d: &&Diagnostic| d.span.start <= range.end && range.start <= d.span.end;
        self.diagnostics()
            .filter(touches)
            .filter_map(|d| self.fix(d))
            .collect()
    }

    fn fix(&self, d: &Diagnostic) -> Option<Action> {
        let help = d.help.as_deref().unwrap_or("");
        let action = |title: String, edits: Vec<Edit>| Action {
            title,
            fixes: d.clone(),
            edits,
        };
        if let Some(name) = quoted_after(help, "did you mean `") {
            let edit = Edit {
                span: d.span,
                text: name.to_owned(),
            };
            return Some(action(format!("Change to `{name}`"), vec![edit]));
        }
        match d.code {
            Code::TypeMismatch => {
                let money = quoted_after(help, "written with a yen sign: `")?;
                let number = money.trim_start_matches(['¥', '￥']);
                let span = d
                    .related
                    .iter()
                    .map(|l| l.span)
                    .chain([d.span])
                    .find(|s| self.text(s.file).get(s.start..s.end) == Some(number))?;
                let edit = Edit {
                    span,
                    text: money.to_owned(),
                };
                Some(action(format!("Write `{money}`"), vec![edit]))
            }
            Code::UnguardedOptional => {
                let name = self.text(d.span.file).get(d.span.start..d.span.end)?;
                let comparison = self.comparison_around(d.span)?;
                let edit = Edit {
                    span: Span::new(d.span.file, comparison.start, comparison.start),
                    text: format!("exists {name} and "),
                };
                Some(action(format!("Guard with `exists {name}`"), vec![edit]))
            }
            Code::UnlimitedSpending => {
                let limit = quoted_after(help, "add `")?;
                let edit = self.before_closing_brace(d.span, limit)?;
                Some(action(format!("Add `{limit}`"), vec![edit]))
            }
            _ => None,
        }
    }

    /// The smallest comparison that holds `span`.
    fn comparison_around(&self, span: Span) -> Option<Span> {
        let mut best: Option<Span> = None;
        for item in &self.items {
            visit_exprs(item, &mut |e| {
                let compares =
                    matches!(&e.node, ExprKind::Binary { op, .. } if is_comparison(op.node));
                let holds = e.span.file == span.file
                    && e.span.start <= span.start
                    && span.end <= e.span.end;
                if compares && holds && best.is_none_or(|b| e.span.len() < b.len()) {
                    best = Some(e.span);
                }
            });
        }
        best
    }

    /// An edit that adds clause `clause` to the rule named at `name`, on its own
    /// line before the rule's closing brace.
    fn before_closing_brace(&self, name: Span, clause: &str) -> Option<Edit> {
        let rule = self.items.iter().find_map(|item| match item {
            Item::Rule(r) if r.node.name.span == name => Some(r.span),
            _ => None,
        })?;
        let text = self.text(rule.file);
        let brace = rule.start + text[rule.start..rule.end].rfind(['}', '｝'])?;
        let line_start = text[..brace].rfind('\n').map_or(0, |i| i + 1);
        let at_line_start = text[line_start..brace].trim().is_empty();
        // The file's own line ending: a CRLF file stays CRLF.
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let text = if at_line_start {
            format!("  {clause}{newline}")
        } else {
            format!(" {clause} ")
        };
        let at = if at_line_start { line_start } else { brace };
        Some(Edit {
            span: Span::new(rule.file, at, at),
            text,
        })
    }
}

/// The text between `opening` (ending in a backtick) and the next backtick.
fn quoted_after<'h>(help: &'h str, opening: &str) -> Option<&'h str> {
    let rest = &help[help.find(opening)? + opening.len()..];
    Some(&rest[..rest.find('`')?])
}

fn is_comparison(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
    )
}

/// Calls `f` on every expression of `item`, outermost first.
pub(crate) fn visit_exprs(item: &Item, f: &mut dyn FnMut(&Expr)) {
    use crate::syntax::ast::{Clause, SegmentBody};
    let mut roots: Vec<&Expr> = Vec::new();
    match item {
        Item::Segment(s) => match &s.node.body {
            SegmentBody::Expr(e) => roots.push(e),
            SegmentBody::Top { by, filter, .. } => roots.extend(std::iter::once(by).chain(filter)),
        },
        Item::Rule(r) => {
            for c in &r.node.clauses {
                match &c.node {
                    Clause::When(e) | Clause::OrderBy { key: e, .. } => roots.push(e),
                    Clause::On {
                        filter: Some(e), ..
                    } => roots.push(e),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    for root in roots {
        walk(root, f);
    }
}

fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.node {
        ExprKind::Literal(_) | ExprKind::Name(_) | ExprKind::Field { .. } => {}
        ExprKind::Exists(x) | ExprKind::Unary { operand: x, .. } => walk(x, f),
        ExprKind::Call { args, .. } | ExprKind::List(args) => args.iter().for_each(|a| walk(a, f)),
        ExprKind::Binary { lhs, rhs, .. } => {
            walk(lhs, f);
            walk(rhs, f);
        }
        ExprKind::Chain { first, rest } => {
            walk(first, f);
            rest.iter().for_each(|(_, x)| walk(x, f));
        }
        ExprKind::History(h) => h.filter.iter().for_each(|x| walk(x, f)),
    }
}
