//! Test blocks: statements, records and ledgers.

use super::super::expr::{self, expr};
use super::super::layout::Kind;
use super::Printer;
use crate::syntax::ast::*;
use crate::syntax::is_identifier;

impl Printer<'_> {
    pub(super) fn test(&mut self, t: &TestDecl, span: crate::source::Span) {
        self.begin(span.start, Kind::Statement);
        self.push(&format!("test {} {{", expr::quote(&t.name.node)));
        self.reach(t.name.span.end);
        self.finish(true);
        self.indent += 1;
        for item in &t.items {
            self.begin(item.span.start, Kind::Statement);
            self.test_item(&item.node, item.span);
            self.reach(item.span.end);
            self.finish(false);
        }
        self.indent -= 1;
        self.closer(span);
        self.finish(false);
    }

    fn test_item(&mut self, item: &TestItem, span: crate::source::Span) {
        match item {
            TestItem::At(t) => self.push(&format!("at {}", expr::datetime(*t))),
            TestItem::Member { id, fields } | TestItem::Group { id, fields } => {
                let keyword = if matches!(item, TestItem::Member { .. }) {
                    "member"
                } else {
                    "group"
                };
                self.push(&format!("{keyword} {} ", target(&id.node)));
                self.reach(id.span.end);
                self.record(fields, span);
            }
            TestItem::Event {
                kind,
                by,
                at,
                fields,
            } => {
                self.push(&format!(
                    "event {} by {} at {}",
                    kind.node,
                    target(&by.node),
                    expr::datetime(at.node)
                ));
                self.reach(at.span.end);
                if !fields.is_empty() {
                    self.push(" ");
                    self.record(fields, span);
                }
            }
            TestItem::Ledger(entries) => self.ledger(entries, span),
            TestItem::ExpectGets {
                target: who,
                negated,
                rewards,
            } => {
                let not = if *negated { "not " } else { "" };
                let what = match rewards {
                    Some(names) => names
                        .iter()
                        .map(|n| n.node.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    None => "nothing".to_string(),
                };
                self.push(&format!("expect {} {not}gets {what}", target(&who.node)));
            }
            TestItem::ExpectRefused {
                target: who,
                rule,
                reason,
            } => self.push(&format!(
                "expect refused {} by {} because {}",
                target(&who.node),
                rule.node,
                reason.node
            )),
            TestItem::ExpectSpend(m) => self.push(&format!("expect spend {}", expr::money(m.node))),
        }
    }

    /// `{ field: value, … }` on the line when it fits and holds no comment, else one
    /// field a line. Only comments after what the line already holds count: one
    /// before the record moves above the line and must not decide its layout.
    fn record(&mut self, fields: &[FieldValue], span: crate::source::Span) {
        let from = self.reached();
        let parts: Vec<String> = fields
            .iter()
            .map(|f| format!("{}: {}", f.name.node, expr(&f.value)))
            .collect();
        let inline = if parts.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", parts.join(", "))
        };
        if parts.is_empty() || (self.fits(&inline) && !self.has_comment(from, span.end)) {
            self.push(&inline);
            return;
        }
        self.push("{");
        self.finish(true);
        self.indent += 1;
        for (f, text) in fields.iter().zip(parts) {
            self.line(&format!("{text},"), f.name.span.start, f.value.span.end);
        }
        self.indent -= 1;
        self.closer(span);
    }

    fn ledger(&mut self, entries: &[Spanned<LedgerEntry>], span: crate::source::Span) {
        let texts: Vec<String> = entries.iter().map(|e| ledger_entry(&e.node)).collect();
        let inline = match texts.as_slice() {
            [] => "ledger {}".to_string(),
            [one] => format!("ledger {{ {one} }}"),
            _ => String::new(),
        };
        let after_keyword = span.start + "ledger".len();
        if !inline.is_empty() && self.fits(&inline) && !self.has_comment(after_keyword, span.end) {
            self.push(&inline);
            return;
        }
        self.push("ledger {");
        self.reach(after_keyword);
        self.finish(true);
        self.indent += 1;
        for (e, text) in entries.iter().zip(texts) {
            self.line(&text, e.span.start, e.span.end);
        }
        self.indent -= 1;
        self.closer(span);
    }
}

fn ledger_entry(e: &LedgerEntry) -> String {
    format!(
        "granted {} to {} by {} at {}",
        e.reward.node,
        target(&e.target.node),
        e.rule.node,
        expr::datetime(e.at.node)
    )
}

/// A member or group id: bare when it is a name, else a string.
fn target(id: &str) -> String {
    if is_identifier(id) {
        id.to_string()
    } else {
        expr::quote(id)
    }
}
