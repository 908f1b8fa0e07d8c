//! The canonical layout: the AST printed as lines of code, each with the stretch of
//! source it came from (for [`super::layout`] to put comments back).
//!
//! The rules: two spaces per level; one declaration, clause, field, arm or test
//! statement per line; blocks (`{ … }`) of the header, schemas, rules, tests and
//! lottery/tier/experiment rewards always open onto their own lines; an event's
//! fields, a test record and a ledger stay on one line when they fit and hold no
//! comment. A condition longer than the line breaks before each `and`/`or` of its
//! loosest chain. Consecutive one-line segments (or rewards) align their `=`, and the
//! arms of a block align their `->`.

use unicode_width::UnicodeWidthStr;

use super::comments::Comment;
use super::expr::{self, expr, left_operand, right_operand};
use super::layout::{Kind, Line};
use crate::syntax::ast::*;

/// Widest line, in terminal columns, before a condition or record is broken.
pub const MAX_WIDTH: usize = 100;

/// The line being built.
struct Current {
    indent: usize,
    text: String,
    start: usize,
    end: usize,
    kind: Kind,
}

/// Prints a program as [`Line`]s.
pub struct Printer<'a> {
    comments: &'a [Comment],
    source: &'a str,
    lines: Vec<Line>,
    indent: usize,
    current: Option<Current>,
}

impl<'a> Printer<'a> {
    /// A printer for a program parsed from `source`, whose `comments` decide where
    /// blocks must stay open. Without a source, pass `""` and no comments.
    pub fn new(source: &'a str, comments: &'a [Comment]) -> Self {
        Printer {
            comments,
            source,
            lines: Vec::new(),
            indent: 0,
            current: None,
        }
    }

    /// Prints the whole program and returns its lines.
    pub fn program(mut self, program: &Program) -> Vec<Line> {
        let pads = self.alignment(&program.items);
        let mut previous_multi = false;
        for (item, pad) in program.items.iter().zip(pads) {
            let first = self.lines.len();
            self.item(item, pad);
            let multi = self.lines.len() - first > 1;
            if first > 0
                && (multi || previous_multi)
                && let Some(line) = self.lines.get_mut(first)
            {
                line.force_blank = true;
            }
            previous_multi = multi;
        }
        self.lines
    }

    // ------------------------------------------------------------ line building

    /// Starts a line whose code starts at `start` in the source (finishing any
    /// line still open).
    fn begin(&mut self, start: usize, kind: Kind) {
        self.finish(false);
        self.current = Some(Current {
            indent: self.indent,
            text: String::new(),
            start,
            end: start,
            kind,
        });
    }

    /// Adds text to the current line.
    fn push(&mut self, text: &str) {
        if let Some(c) = &mut self.current {
            c.text.push_str(text);
        }
    }

    /// Marks that the current line's code reaches `end` in the source.
    fn reach(&mut self, end: usize) {
        if let Some(c) = &mut self.current {
            c.end = c.end.max(end);
        }
    }

    /// Ends the current line; `opens` when it ends with `{`.
    fn finish(&mut self, opens: bool) {
        if let Some(c) = self.current.take() {
            self.lines.push(Line {
                indent: c.indent,
                text: c.text,
                start: c.start,
                end: c.end,
                kind: c.kind,
                opens,
                force_blank: false,
            });
        }
    }

    /// A whole line of code.
    fn line(&mut self, text: &str, start: usize, end: usize) {
        self.begin(start, Kind::Statement);
        self.push(text);
        self.reach(end);
        self.finish(false);
    }

    /// Opens the closing `}` of a block spanning `span`; the caller finishes it.
    fn closer(&mut self, span: crate::source::Span) {
        self.begin(span.end.saturating_sub(1), Kind::Closer);
        self.push("}");
        self.reach(span.end);
    }

    /// Where in the source the current line's code reaches so far.
    fn reached(&self) -> usize {
        self.current.as_ref().map_or(0, |c| c.end)
    }

    /// Columns used by the current line so far.
    fn width(&self) -> usize {
        self.current.as_ref().map_or(0, |c| {
            c.indent * super::layout::INDENT.len() + c.text.width()
        })
    }

    /// Whether `more` still fits on the current line.
    fn fits(&self, more: &str) -> bool {
        self.width() + more.width() <= MAX_WIDTH
    }

    /// Whether a comment starts inside `[start, end)` (comments are in source order).
    fn has_comment(&self, start: usize, end: usize) -> bool {
        let first = self.comments.partition_point(|c| c.start < start);
        self.comments.get(first).is_some_and(|c| c.start < end)
    }

    // ------------------------------------------------------------ items

    /// How far each item's name part is padded so that runs of one-line segments or
    /// rewards, not separated by a blank line, align their `=`.
    fn alignment(&self, items: &[Item]) -> Vec<usize> {
        let parts: Vec<Option<(u8, String)>> = items.iter().map(aligned_prefix).collect();
        let mut pads = vec![0; items.len()];
        let mut i = 0;
        while i < items.len() {
            let Some((kind, _)) = &parts[i] else {
                i += 1;
                continue;
            };
            let mut j = i + 1;
            while j < items.len()
                && parts[j].as_ref().is_some_and(|(k, _)| k == kind)
                && !self.blank_between(items[j - 1].span().end, items[j].span().start)
            {
                j += 1;
            }
            let widest = parts[i..j]
                .iter()
                .flatten()
                .map(|(_, p)| p.width())
                .max()
                .unwrap_or(0);
            pads[i..j].iter_mut().for_each(|p| *p = widest);
            i = j;
        }
        pads
    }

    fn blank_between(&self, from: usize, to: usize) -> bool {
        super::layout::blank_between(self.source, from, to)
    }

    fn item(&mut self, item: &Item, pad: usize) {
        let span = item.span();
        match item {
            Item::Header(h) => self.header(&h.node, span),
            Item::Use(path) => self.line(
                &format!("use {}", expr::quote(&path.node)),
                span.start,
                span.end,
            ),
            Item::Import(d) => self.import(&d.node, span),
            Item::MemberSchema(s) => self.schema("member", &s.node, span),
            Item::GroupSchema(s) => self.schema("group", &s.node, span),
            Item::Event(e) => self.event(&e.node, span),
            Item::Segment(s) => self.segment(&s.node, span, pad),
            Item::Reward(r) => {
                self.begin(span.start, Kind::Statement);
                self.push(&padded(&format!("reward {}", r.node.name.node), pad));
                self.push(" = ");
                self.reward(&r.node.reward);
                self.reach(span.end);
                self.finish(false);
            }
            Item::Rule(r) => self.rule(&r.node, span),
            Item::Test(t) => self.test(&t.node, span),
        }
    }

    fn header(&mut self, h: &Header, span: crate::source::Span) {
        self.begin(span.start, Kind::Statement);
        self.push(&format!("playbook {} {{", expr::quote(&h.name.node)));
        self.reach(h.name.span.end);
        self.finish(true);
        self.indent += 1;
        for s in &h.settings {
            self.line(&setting(&s.node), s.span.start, s.span.end);
        }
        self.indent -= 1;
        self.closer(span);
        self.finish(false);
    }

    /// `import member {` then one `"column" -> field` a line, arrows aligned.
    fn import(&mut self, d: &ImportDecl, span: crate::source::Span) {
        self.begin(span.start, Kind::Statement);
        let of = d.of.node.name();
        if d.entries.is_empty() {
            self.push(&format!("import {of} {{}}"));
            self.reach(span.end);
            self.finish(false);
            return;
        }
        self.push(&format!("import {of} {{"));
        self.reach(d.of.span.end);
        self.finish(true);
        self.indent += 1;
        let columns: Vec<String> = d
            .entries
            .iter()
            .map(|e| expr::quote(&e.column.node))
            .collect();
        let pad = columns.iter().map(|c| c.width()).max().unwrap_or(0);
        for (e, column) in d.entries.iter().zip(&columns) {
            let text = format!("{} -> {}", padded(column, pad), e.field.node);
            self.line(&text, e.column.span.start, e.field.span.end);
        }
        self.indent -= 1;
        self.closer(span);
        self.finish(false);
    }

    fn schema(&mut self, keyword: &str, schema: &Schema, span: crate::source::Span) {
        self.begin(span.start, Kind::Statement);
        if schema.fields.is_empty() {
            self.push(&format!("{keyword} {{}}"));
            self.reach(span.end);
            self.finish(false);
            return;
        }
        self.push(&format!("{keyword} {{"));
        self.reach(span.start + keyword.len());
        self.finish(true);
        self.fields(&schema.fields);
        self.closer(span);
        self.finish(false);
    }

    fn fields(&mut self, fields: &[FieldDecl]) {
        self.indent += 1;
        for f in fields {
            let end = f
                .joined
                .as_ref()
                .map_or(f.ty.span.end, |mark| mark.span.end);
            self.line(&field_decl(f), f.name.span.start, end);
        }
        self.indent -= 1;
    }

    fn event(&mut self, e: &EventDecl, span: crate::source::Span) {
        self.begin(span.start, Kind::Statement);
        let head = format!("event {} {{", e.name.node);
        let fields: Vec<String> = e.schema.fields.iter().map(field_decl).collect();
        let inline = if fields.is_empty() {
            format!("{head}}}")
        } else {
            format!("{head} {} }}", fields.join(", "))
        };
        // A comment before the name moves above the line and does not count.
        let inside = self.has_comment(e.name.span.end, span.end);
        if fields.is_empty() || (self.fits(&inline) && !inside) {
            self.push(&inline);
            self.reach(span.end);
            self.finish(false);
            return;
        }
        self.push(&head);
        self.reach(e.name.span.end);
        self.finish(true);
        self.fields(&e.schema.fields);
        self.closer(span);
        self.finish(false);
    }

    fn segment(&mut self, s: &SegmentDecl, span: crate::source::Span, pad: usize) {
        self.begin(span.start, Kind::Statement);
        self.push(&padded(&segment_prefix(s), pad));
        self.push(" = ");
        // An aligned segment fits its line by definition (before padding), and
        // padding must not make it break.
        let aligned = pad > 0;
        match &s.body {
            SegmentBody::Expr(e) if aligned => self.push(&expr(e)),
            SegmentBody::Expr(e) => self.condition(e),
            SegmentBody::Top { count, by, filter } => {
                self.push(&format!("top {} by {}", count.node, expr(by)));
                match filter {
                    Some(f) if aligned => self.push(&format!(" where {}", expr(f))),
                    Some(f) => {
                        self.push(" where ");
                        self.condition(f);
                    }
                    None => {}
                }
            }
        }
        self.reach(span.end);
        self.finish(false);
    }

    // ------------------------------------------------------------ conditions

    /// A condition after the text already on the line. Too long for the line, its
    /// loosest `and`/`or` chain breaks: each further operand on a line of its own,
    /// one level deeper, starting with the operator. The last line stays open.
    fn condition(&mut self, e: &Expr) {
        let text = expr(e);
        let breaks = chain(e).filter(|(_, op, _)| matches!(op, BinaryOp::And | BinaryOp::Or));
        let Some((first, op, rest)) = breaks.filter(|_| !self.fits(&text)) else {
            self.push(&text);
            self.reach(e.span.end);
            return;
        };
        self.push(&left_operand(op, first));
        self.reach(first.span.end);
        self.indent += 1;
        for (op, operand) in rest {
            self.begin(op.span.start, Kind::Continuation);
            self.push(&format!(
                "{} {}",
                op.node.symbol(),
                right_operand(op.node, operand)
            ));
            self.reach(operand.span.end);
        }
        self.indent -= 1;
    }
}

/// The operands of a binary expression or chain: the first, the (first) operator,
/// then each further operand with the operator before it.
type Operands<'e> = (&'e Expr, BinaryOp, Vec<(&'e Spanned<BinaryOp>, &'e Expr)>);

fn chain(e: &Expr) -> Option<Operands<'_>> {
    match &e.node {
        ExprKind::Binary { op, lhs, rhs } => Some((lhs, op.node, vec![(op, rhs.as_ref())])),
        ExprKind::Chain { first, rest } => {
            let (op, _) = rest.first()?;
            Some((first, op.node, rest.iter().map(|(op, x)| (op, x)).collect()))
        }
        _ => None,
    }
}

/// `text` padded with spaces to `width` columns.
fn padded(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

fn window_text(w: Window) -> String {
    match w {
        Window::Per(p) => format!("per {}", p.keyword()),
        Window::Total => "total".to_string(),
    }
}

/// `renamed from "a", "b"`.
pub(super) fn renamed_from(names: &[Spanned<String>]) -> String {
    format!("renamed from {}", quoted_list(names))
}

fn quoted_list(names: &[Spanned<String>]) -> String {
    let names: Vec<String> = names.iter().map(|n| expr::quote(&n.node)).collect();
    names.join(", ")
}

fn date_range(r: &DateRange) -> String {
    // A file with an unreadable date has a literal error and is never formatted.
    let day = |d: Option<chrono::NaiveDate>| d.map_or_else(String::new, expr::date);
    format!("{} .. {}", day(r.from.node), day(r.to.node))
}

// ---------------------------------------------------------------- small parts

fn setting(s: &Setting) -> String {
    match s {
        Setting::Timezone(tz) => format!("timezone {}", expr::quote(&tz.node)),
        Setting::Active(r) => format!("active {}", date_range(r)),
        Setting::Budget(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|b| {
                    format!(
                        "{} {}",
                        expr::money(b.node.amount.node),
                        window_text(b.node.window)
                    )
                })
                .collect();
            format!("budget {}", items.join(", "))
        }
        Setting::Seed(seed) => format!("seed {}", expr::quote(&seed.node)),
        Setting::RenamedFrom(names) => renamed_from(names),
        Setting::Retired(names) => format!("retired {}", quoted_list(names)),
        Setting::Quiet { from, to } => {
            format!("quiet {} .. {}", expr::time(from.node), expr::time(to.node))
        }
        Setting::RedPacketLimits { min, max } => format!(
            "red_packet_limits {} .. {}",
            expr::money(min.node),
            expr::money(max.node)
        ),
        Setting::PointValue(m) => format!("point_value {}", expr::money(m.node)),
        Setting::PerMemberDaily(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|i| match i.node {
                    ChannelItem::Amount(m) => expr::money(m),
                    ChannelItem::RedPackets(n) => format!("{n} red_packets"),
                })
                .collect();
            format!("per_member_daily {}", items.join(", "))
        }
        Setting::Calendar(file) => format!("calendar {}", expr::quote(&file.node)),
    }
}

fn field_decl(f: &FieldDecl) -> String {
    let joined = if f.joined.is_some() { " joined" } else { "" };
    format!("{}: {}{joined}", f.name.node, type_expr(&f.ty.node))
}

fn type_expr(t: &TypeExpr) -> String {
    let mut s = t.name.node.clone();
    if let Some(arg) = &t.arg {
        s.push_str(&format!("<{}>", type_expr(&arg.node)));
    }
    if t.optional {
        s.push('?');
    }
    s
}

fn segment_prefix(s: &SegmentDecl) -> String {
    if s.of_group {
        format!("segment {} of group", s.name.node)
    } else {
        format!("segment {}", s.name.node)
    }
}

/// The part before ` = ` of a segment or reward that is printed on one line, with
/// which of the two it is; `None` for every other item.
fn aligned_prefix(item: &Item) -> Option<(u8, String)> {
    match item {
        Item::Segment(s) => {
            let prefix = segment_prefix(&s.node);
            let body = match &s.node.body {
                SegmentBody::Expr(e) => expr(e),
                SegmentBody::Top { count, by, filter } => {
                    let filter = filter.as_ref().map(|f| format!(" where {}", expr(f)));
                    format!(
                        "top {} by {}{}",
                        count.node,
                        expr(by),
                        filter.unwrap_or_default()
                    )
                }
            };
            let fits = prefix.width() + 3 + body.width() <= MAX_WIDTH;
            // Segments of groups align among themselves, not with member segments.
            fits.then_some((u8::from(s.node.of_group), prefix))
        }
        Item::Reward(r) if !rewards::is_block(&r.node.reward) => {
            Some((2, format!("reward {}", r.node.name.node)))
        }
        _ => None,
    }
}

mod rewards;
mod rules;
mod test_blocks;
