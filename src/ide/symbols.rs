//! Every name a file declares or refers to, with its place: what go to definition,
//! find references, rename, hover and semantic colouring read. Built from the
//! syntax tree alone, so that a file with type errors (or a declaration that does
//! not parse) still has its other names indexed.

use std::collections::HashSet;

use crate::source::Span;
use crate::syntax::ast::{
    Clause, Expr, ExprKind, HistorySource, Item, Reward, RewardKind, RuleDecl, Scope, SegmentBody,
    TargetKind, TestItem,
};

/// What a name names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SymbolKind {
    /// A segment.
    Segment,
    /// A reward.
    Reward,
    /// A rule.
    Rule,
    /// An event kind.
    Event,
    /// A member field.
    MemberField,
    /// A group field.
    GroupField,
    /// A field of the named event kind.
    EventField(String),
    /// An experiment (declared where first given, named again by other rules).
    Experiment,
}

impl SymbolKind {
    /// How the kind is called in hover text.
    pub fn describe(&self) -> String {
        match self {
            SymbolKind::Segment => "segment".into(),
            SymbolKind::Reward => "reward".into(),
            SymbolKind::Rule => "rule".into(),
            SymbolKind::Event => "event".into(),
            SymbolKind::MemberField => "member field".into(),
            SymbolKind::GroupField => "group field".into(),
            SymbolKind::EventField(e) => format!("field of event `{e}`"),
            SymbolKind::Experiment => "experiment".into(),
        }
    }
}

/// One place a name is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// What it names.
    pub kind: SymbolKind,
    /// The name.
    pub name: String,
    /// Where it is written (only the name, never quotes around it).
    pub span: Span,
    /// Whether this is where it is declared.
    pub declaration: bool,
}

/// The occurrences of names in a set of declarations (a file and the files it
/// uses), in the order written.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    /// Every occurrence.
    pub all: Vec<Occurrence>,
}

impl Symbols {
    /// Indexes `items` (the spans may point into several files).
    pub fn new(items: &[Item]) -> Symbols {
        let (mut segments, mut rewards, mut rules) =
            (HashSet::new(), HashSet::new(), HashSet::new());
        for item in items {
            match item {
                Item::Segment(s) => segments.insert(s.node.name.node.clone()),
                Item::Reward(r) => rewards.insert(r.node.name.node.clone()),
                Item::Rule(r) => rules.insert(r.node.name.node.clone()),
                _ => false,
            };
        }
        let mut walk = Walk {
            segments: &segments,
            rewards: &rewards,
            rules: &rules,
            out: Vec::new(),
            experiments: HashSet::new(),
            target: TargetKind::Member,
            event: None,
        };
        for item in items {
            walk.item(item);
        }
        Symbols { all: walk.out }
    }

    /// The occurrence whose name covers byte `offset` of a file (its end included,
    /// so that a cursor just after a name finds it).
    pub fn at(&self, file: crate::source::FileId, offset: usize) -> Option<&Occurrence> {
        self.all
            .iter()
            .find(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
    }

    /// Every occurrence of the symbol `kind name`, its declaration first.
    pub fn of<'s>(&'s self, kind: &SymbolKind, name: &str) -> Vec<&'s Occurrence> {
        let mut found: Vec<&Occurrence> = self
            .all
            .iter()
            .filter(|o| &o.kind == kind && o.name == name)
            .collect();
        found.sort_by_key(|o| !o.declaration);
        found
    }

    /// Where `kind name` is declared.
    pub fn declaration(&self, kind: &SymbolKind, name: &str) -> Option<&Occurrence> {
        self.of(kind, name).into_iter().find(|o| o.declaration)
    }

    /// The declared names of one kind, in the order declared.
    pub fn declared(&self, kind: &SymbolKind) -> Vec<&str> {
        let mut seen = HashSet::new();
        self.all
            .iter()
            .filter(|o| o.declaration && &o.kind == kind && seen.insert(o.name.as_str()))
            .map(|o| o.name.as_str())
            .collect()
    }
}

struct Walk<'a> {
    segments: &'a HashSet<String>,
    rewards: &'a HashSet<String>,
    rules: &'a HashSet<String>,
    out: Vec<Occurrence>,
    experiments: HashSet<String>,
    /// Whom the expressions being walked are about.
    target: TargetKind,
    /// The event kind `event.` reads, if any.
    event: Option<String>,
}

impl Walk<'_> {
    fn push(&mut self, kind: SymbolKind, name: &str, span: Span, declaration: bool) {
        self.out.push(Occurrence {
            kind,
            name: name.to_owned(),
            span,
            declaration,
        });
    }

    fn item(&mut self, item: &Item) {
        (self.target, self.event) = (TargetKind::Member, None);
        match item {
            Item::Header(_) | Item::Use(_) => {}
            Item::Import(d) => {
                let kind = match &d.node.of.node {
                    crate::syntax::ast::ImportOf::Member => SymbolKind::MemberField,
                    crate::syntax::ast::ImportOf::Group => SymbolKind::GroupField,
                    crate::syntax::ast::ImportOf::Event(event) => {
                        self.push(SymbolKind::Event, event, d.node.of.span, false);
                        SymbolKind::EventField(event.clone())
                    }
                };
                for e in &d.node.entries {
                    self.push(kind.clone(), &e.field.node, e.field.span, false);
                }
            }
            Item::MemberSchema(s) | Item::GroupSchema(s) => {
                let kind = match item {
                    Item::GroupSchema(_) => SymbolKind::GroupField,
                    _ => SymbolKind::MemberField,
                };
                for f in &s.node.fields {
                    self.push(kind.clone(), &f.name.node, f.name.span, true);
                }
            }
            Item::Event(e) => {
                let name = &e.node.name;
                self.push(SymbolKind::Event, &name.node, name.span, true);
                for f in &e.node.schema.fields {
                    let kind = SymbolKind::EventField(name.node.clone());
                    self.push(kind, &f.name.node, f.name.span, true);
                }
            }
            Item::Segment(s) => {
                let s = &s.node;
                self.push(SymbolKind::Segment, &s.name.node, s.name.span, true);
                if s.of_group {
                    self.target = TargetKind::Group;
                }
                match &s.body {
                    SegmentBody::Expr(e) => self.expr(e),
                    SegmentBody::Top { by, filter, .. } => {
                        self.expr(by);
                        filter.iter().for_each(|f| self.expr(f));
                    }
                }
            }
            Item::Reward(r) => {
                let r = &r.node;
                self.push(SymbolKind::Reward, &r.name.node, r.name.span, true);
                self.reward(&r.reward);
            }
            Item::Rule(r) => self.rule(&r.node),
            Item::Test(t) => {
                for i in &t.node.items {
                    self.test_item(&i.node);
                }
            }
        }
    }

    fn rule(&mut self, rule: &RuleDecl) {
        self.push(SymbolKind::Rule, &rule.name.node, rule.name.span, true);
        for c in &rule.clauses {
            match &c.node {
                Clause::On { event, .. } => self.event = Some(event.node.clone()),
                Clause::ForGroup(_) => self.target = TargetKind::Group,
                _ => {}
            }
        }
        for c in &rule.clauses {
            match &c.node {
                Clause::On { event, filter } => {
                    self.push(SymbolKind::Event, &event.node, event.span, false);
                    filter.iter().for_each(|f| self.expr(f));
                }
                Clause::ForGroup(s) => self.push(SymbolKind::Segment, &s.node, s.span, false),
                Clause::When(e) | Clause::OrderBy { key: e, .. } => self.expr(e),
                Clause::Give(rewards) => rewards.iter().for_each(|r| self.reward(r)),
                _ => {}
            }
        }
    }

    fn reward(&mut self, reward: &Reward) {
        match &reward.node {
            RewardKind::Coupon(_) | RewardKind::Gift { .. } => {}
            RewardKind::Ref(name) => self.push(SymbolKind::Reward, &name.node, name.span, false),
            RewardKind::RedPacket { amount: e, .. } | RewardKind::Points(e) => self.expr(e),
            RewardKind::Lottery { arms, rest } => {
                arms.iter().for_each(|a| self.reward(&a.reward));
                rest.iter().for_each(|r| self.reward(r));
            }
            RewardKind::Tier { arms, otherwise } => {
                for a in arms {
                    self.expr(&a.when);
                    self.reward(&a.reward);
                }
                otherwise.iter().for_each(|r| self.reward(r));
            }
            RewardKind::TierBy {
                subject,
                arms,
                otherwise,
            } => {
                self.expr(subject);
                for a in arms {
                    self.expr(&a.value);
                    self.reward(&a.reward);
                }
                otherwise.iter().for_each(|r| self.reward(r));
            }
            RewardKind::Experiment { name, arms } => {
                // The name is written in quotes: the symbol is what is inside them.
                let inner = quoted_inner(name.span, &name.node);
                let first = self.experiments.insert(name.node.clone());
                self.push(SymbolKind::Experiment, &name.node, inner, first);
                arms.iter().for_each(|a| self.reward(&a.reward));
            }
        }
    }

    fn test_item(&mut self, item: &TestItem) {
        let fields =
            |walk: &mut Walk<'_>, kind: SymbolKind, fields: &[crate::syntax::ast::FieldValue]| {
                for f in fields {
                    walk.push(kind.clone(), &f.name.node, f.name.span, false);
                    walk.expr(&f.value);
                }
            };
        match item {
            TestItem::Member { fields: f, .. } => fields(self, SymbolKind::MemberField, f),
            TestItem::Group { fields: f, .. } => fields(self, SymbolKind::GroupField, f),
            TestItem::Event {
                kind, fields: f, ..
            } => {
                self.push(SymbolKind::Event, &kind.node, kind.span, false);
                fields(self, SymbolKind::EventField(kind.node.clone()), f);
            }
            TestItem::Ledger(entries) => {
                for e in entries {
                    let e = &e.node;
                    self.push(SymbolKind::Reward, &e.reward.node, e.reward.span, false);
                    self.push(SymbolKind::Rule, &e.rule.node, e.rule.span, false);
                }
            }
            TestItem::ExpectGets { rewards, .. } => {
                // `expect m1 gets NAME`: a reward, or a rule when no reward has the name.
                for r in rewards.iter().flatten() {
                    let rule = self.rules.contains(&r.node) && !self.rewards.contains(&r.node);
                    let kind = if rule {
                        SymbolKind::Rule
                    } else {
                        SymbolKind::Reward
                    };
                    self.push(kind, &r.node, r.span, false);
                }
            }
            TestItem::ExpectRefused { rule, .. } => {
                self.push(SymbolKind::Rule, &rule.node, rule.span, false);
            }
            TestItem::At(_) | TestItem::ExpectSpend(_) => {}
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.node {
            ExprKind::Literal(_) => {}
            ExprKind::Name(n) => {
                let kind = if self.segments.contains(n) {
                    SymbolKind::Segment
                } else {
                    self.field_kind()
                };
                self.push(kind, n, e.span, false);
            }
            ExprKind::Field { scope, field } => {
                let kind = match (scope.node, &self.event) {
                    (Scope::Event, Some(ev)) => SymbolKind::EventField(ev.clone()),
                    (Scope::Event, None) => return,
                    (Scope::Member, _) => SymbolKind::MemberField,
                    (Scope::Group, _) => SymbolKind::GroupField,
                };
                self.push(kind, &field.node, field.span, false);
            }
            ExprKind::Exists(x) | ExprKind::Unary { operand: x, .. } => self.expr(x),
            ExprKind::Call { args, .. } | ExprKind::List(args) => {
                args.iter().for_each(|a| self.expr(a));
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Chain { first, rest } => {
                self.expr(first);
                rest.iter().for_each(|(_, x)| self.expr(x));
            }
            ExprKind::History(h) => match &h.source {
                HistorySource::Events { kind, field } => {
                    self.push(SymbolKind::Event, &kind.node, kind.span, false);
                    let of_kind = SymbolKind::EventField(kind.node.clone());
                    for f in field.iter().chain(&h.then) {
                        self.push(of_kind.clone(), &f.node, f.span, false);
                    }
                    let outer = self.event.replace(kind.node.clone());
                    h.filter.iter().for_each(|f| self.expr(f));
                    self.event = outer;
                }
                HistorySource::Granted { rule, .. } => {
                    if let Some(r) = rule {
                        self.push(SymbolKind::Rule, &r.node, r.span, false);
                    }
                }
            },
        }
    }

    fn field_kind(&self) -> SymbolKind {
        match self.target {
            TargetKind::Member => SymbolKind::MemberField,
            TargetKind::Group => SymbolKind::GroupField,
        }
    }
}

/// The span of `text` inside the quotes of `span` (`"…"` or `“…”`, whose quotes
/// are longer than a byte).
fn quoted_inner(span: Span, text: &str) -> Span {
    let open = span.len().saturating_sub(text.len()) / 2;
    Span::new(span.file, span.start + open, span.start + open + text.len())
}
