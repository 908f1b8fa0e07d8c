//! The structural part of a diff: declarations added, removed, renamed or changed,
//! compared clause by clause in the formatter's canonical text, so that layout and
//! comments never count as a change.

use std::collections::BTreeMap;

use super::{Change, ChangeKind, Kind};
use crate::format::print_program;
use crate::source::Span;
use crate::syntax::ast::{Clause, Item, Program, RuleDecl};

/// One declaration as compared: its canonical parts, by name.
struct Decl {
    kind: Kind,
    name: String,
    /// Part name → canonical text, in source order (`""` for a one-part item).
    parts: Vec<(String, String)>,
    /// Where each part starts (for pointing at a changed line).
    spans: Vec<Span>,
    span: Span,
    renamed_from: Vec<String>,
}

/// The changes from `old` to `new`, in the order of `new` (removed ones last).
pub fn changes(old: &Program, new: &Program) -> Vec<Change> {
    let old_decls = decls(old);
    let new_decls = decls(new);
    let key = |d: &Decl| (d.kind, d.name.clone());
    let old_by_key: BTreeMap<(Kind, String), &Decl> =
        old_decls.iter().map(|d| (key(d), d)).collect();
    let new_keys: BTreeMap<(Kind, String), &Decl> = new_decls.iter().map(|d| (key(d), d)).collect();
    let mut used_old = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for d in &new_decls {
        if let Some(o) = old_by_key.get(&key(d)) {
            used_old.insert(key(d));
            if let Some(c) = compare(o, d, ChangeKind::Changed) {
                out.push(c);
            }
            continue;
        }
        // A rule renamed with its declaration: the old name is gone from `new`.
        let renamed = d.renamed_from.iter().find(|from| {
            let k = (d.kind, (*from).clone());
            old_by_key.contains_key(&k) && !new_keys.contains_key(&k)
        });
        match renamed {
            Some(from) => {
                let k = (d.kind, from.clone());
                used_old.insert(k.clone());
                let mut c = compare(old_by_key[&k], d, ChangeKind::Renamed).unwrap_or(Change {
                    details: Vec::new(),
                    ..change(d, ChangeKind::Renamed)
                });
                c.from = Some(from.clone());
                c.change = ChangeKind::Renamed;
                out.push(c);
            }
            None => out.push(Change {
                details: d.parts.iter().map(|(p, t)| labelled(p, t)).collect(),
                ..change(d, ChangeKind::Added)
            }),
        }
    }
    for o in &old_decls {
        if !used_old.contains(&key(o)) {
            out.push(Change {
                details: o.parts.iter().map(|(p, t)| labelled(p, t)).collect(),
                span: None,
                ..change(o, ChangeKind::Removed)
            });
        }
    }
    out
}

fn change(d: &Decl, change: ChangeKind) -> Change {
    Change {
        kind: d.kind,
        name: d.name.clone(),
        change,
        from: None,
        details: Vec::new(),
        span: Some(d.span),
    }
}

/// The parts that differ, side by side; `None` when nothing does (and it is not a
/// rename).
fn compare(old: &Decl, new: &Decl, kind: ChangeKind) -> Option<Change> {
    let old_parts: BTreeMap<&str, &str> = old
        .parts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let mut details = Vec::new();
    let mut first_changed = None;
    for ((part, text), span) in new.parts.iter().zip(&new.spans) {
        match old_parts.get(part.as_str()) {
            Some(before) if before == text => {}
            Some(before) => {
                details.push(format!("{}{before} → {text}", label(part, text)));
                first_changed.get_or_insert(*span);
            }
            None => {
                details.push(format!("added: {}{text}", label(part, text)));
                first_changed.get_or_insert(*span);
            }
        }
    }
    for (part, text) in &old.parts {
        if !new.parts.iter().any(|(p, _)| p == part) {
            details.push(format!("removed: {}{text}", label(part, text)));
        }
    }
    if details.is_empty() && kind != ChangeKind::Renamed {
        return None;
    }
    Some(Change {
        details,
        span: first_changed.or(Some(new.span)),
        ..change(new, kind)
    })
}

/// `part: ` before a part's text, unless the text says it (`when …`, `limit …`).
fn label(part: &str, text: &str) -> String {
    let keyword = part.split(' ').next().unwrap_or_default();
    if part.is_empty() || part == "trigger" || text.starts_with(keyword) {
        String::new()
    } else {
        format!("{part}: ")
    }
}

fn labelled(part: &str, text: &str) -> String {
    format!("{}{text}", label(part, text))
}

/// The declarations of a program that a diff compares, each cut into parts.
fn decls(program: &Program) -> Vec<Decl> {
    program.items.iter().filter_map(decl).collect()
}

fn decl(item: &Item) -> Option<Decl> {
    let one = |kind: Kind, name: &str| {
        Some(Decl {
            kind,
            name: name.to_owned(),
            parts: vec![(String::new(), canonical(item))],
            spans: vec![item.span()],
            span: item.span(),
            renamed_from: Vec::new(),
        })
    };
    match item {
        Item::Header(h) => header(
            h.node.settings.iter().map(|s| {
                let text = canonical_setting(item, &s.node);
                (text, s.span)
            }),
            &h.node.name.node,
            item.span(),
        ),
        Item::Import(d) => one(Kind::Schema, &format!("import {}", d.node.of.node.name())),
        Item::MemberSchema(_) => one(Kind::Schema, "member"),
        Item::GroupSchema(_) => one(Kind::Schema, "group"),
        Item::Event(e) => one(Kind::Event, &e.node.name.node),
        Item::Segment(s) => one(Kind::Segment, &s.node.name.node),
        Item::Reward(r) => one(Kind::Reward, &r.node.name.node),
        Item::Rule(r) => Some(rule(&r.node, r.span)),
        Item::Use(_) | Item::Test(_) => None,
    }
}

/// The header: one part per setting, named by its keyword (`budget`, `active`…).
fn header(settings: impl Iterator<Item = (String, Span)>, name: &str, span: Span) -> Option<Decl> {
    let mut parts = vec![("name".to_owned(), format!("\"{name}\""))];
    let mut spans = vec![span];
    for (text, at) in settings {
        let keyword = text
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        parts.push((numbered(&parts, &keyword), text));
        spans.push(at);
    }
    Some(Decl {
        kind: Kind::Playbook,
        name: "header".to_owned(),
        parts,
        spans,
        span,
        renamed_from: Vec::new(),
    })
}

/// A rule: one part per clause, named by its kind; a second `limit` is `limit 2`.
fn rule(r: &RuleDecl, span: Span) -> Decl {
    let mut parts: Vec<(String, String)> = Vec::new();
    let mut spans = Vec::new();
    let mut renamed_from = Vec::new();
    for c in &r.clauses {
        if let Clause::RenamedFrom(names) = &c.node {
            renamed_from.extend(names.iter().map(|n| n.node.clone()));
            continue;
        }
        let keyword = clause_keyword(&c.node);
        let alone = RuleDecl {
            name: r.name.clone(),
            clauses: vec![c.clone()],
        };
        parts.push((numbered(&parts, keyword), body_of(&rule_text(&alone))));
        spans.push(c.span);
    }
    Decl {
        kind: Kind::Rule,
        name: r.name.node.clone(),
        parts,
        spans,
        span,
        renamed_from,
    }
}

/// `keyword`, or `keyword N` when it is the Nth of its kind (N ≥ 2).
fn numbered(parts: &[(String, String)], keyword: &str) -> String {
    let n = parts
        .iter()
        .filter(|(p, _)| p == keyword || p.starts_with(&format!("{keyword} ")))
        .count();
    if n == 0 {
        keyword.to_owned()
    } else {
        format!("{keyword} {}", n + 1)
    }
}

fn clause_keyword(c: &Clause) -> &'static str {
    match c {
        Clause::On { .. } | Clause::Schedule(_) => "trigger",
        Clause::During { .. } => "during",
        Clause::ForGroup(_) => "for group",
        Clause::When(_) => "when",
        Clause::Give(_) => "give",
        Clause::Limit(_) => "limit",
        Clause::Cap { .. } => "cap",
        Clause::Priority(_) => "priority",
        Clause::RenamedFrom(_) => "renamed from",
        Clause::Exclusive { .. } => "exclusive",
        Clause::OrderBy { .. } => "order by",
    }
}

fn rule_text(r: &RuleDecl) -> String {
    print_program(&Program {
        items: vec![Item::Rule(crate::syntax::ast::Spanned {
            node: r.clone(),
            span: Span::default(),
        })],
    })
}

/// The canonical text of a declaration, on one line.
fn canonical(item: &Item) -> String {
    one_line(&print_program(&Program {
        items: vec![item.clone()],
    }))
}

/// A header setting's canonical text: the header printed with that setting alone.
fn canonical_setting(item: &Item, setting: &crate::syntax::ast::Setting) -> String {
    let Item::Header(h) = item else {
        return String::new();
    };
    let mut alone = h.clone();
    alone.node.settings = h
        .node
        .settings
        .iter()
        .filter(|s| &s.node == setting)
        .take(1)
        .cloned()
        .collect();
    body_of(&print_program(&Program {
        items: vec![Item::Header(alone)],
    }))
}

/// What is between a printed block's first and last line, on one line.
fn body_of(printed: &str) -> String {
    let lines: Vec<&str> = printed.trim_end().lines().collect();
    let inner = if lines.len() > 2 {
        lines[1..lines.len() - 1].join("\n")
    } else {
        // A block printed on one line: `rule x { when a }`.
        let line = lines.first().copied().unwrap_or_default();
        let open = line.find('{').map_or(0, |i| i + 1);
        let close = line.rfind('}').unwrap_or(line.len());
        line.get(open..close).unwrap_or(line).to_owned()
    };
    one_line(&inner)
}

/// Lines trimmed and joined with single spaces (a text literal keeps its spaces).
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
