//! A diff for people (text), for tools (JSON), for a pull request (Markdown) and
//! for GitHub's annotations on the changed lines.

use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use super::{Change, ChangeKind, Effect, Kind, Totals, percent_change};
use crate::diagnostics::{escape_data, escape_property};
use crate::money::FenSum;
use crate::source::{FileId, SourceMap};

/// The diff as text.
pub fn text(changes: &[Change], effect: Option<&Effect>) -> String {
    let mut out = String::new();
    if changes.is_empty() {
        out.push_str("No change to rules, segments, rewards, schemas or settings.\n");
    }
    for c in changes {
        out.push_str(&headline(c));
        out.push('\n');
        for d in &c.details {
            out.push_str(&format!("    {d}\n"));
        }
    }
    if let Some(e) = effect {
        out.push_str(&format!("\nEffect, {} .. {}:\n", e.from, e.to));
        let rows = effect_rows(e);
        let width = rows.iter().map(|r| r.0.width()).max().unwrap_or(0);
        for (name, old, new) in &rows {
            let pad = width - name.width();
            out.push_str(&format!(
                "  {name}{}  {} → {}  ({})\n",
                " ".repeat(pad),
                totals(old),
                totals(new),
                percent_change(old.spend, new.spend)
            ));
        }
        out.push_str(&format!(
            "Targets: {} gain a reward, {} lose theirs, {} get a different one.\n",
            e.gained, e.lost, e.changed
        ));
        for x in &e.examples {
            out.push_str(&format!(
                "  {}: [{}] → [{}]\n    {}\n",
                x.target,
                x.old.join(", "),
                x.new.join(", "),
                x.why
            ));
        }
        for s in &e.segments {
            out.push_str(&format!(
                "Segment {}: {} → {}\n",
                s.name,
                size(s.old),
                size(s.new)
            ));
        }
    }
    out
}

/// `rule 满额返现 changed`, `rule 新名 renamed from 旧名`…
fn headline(c: &Change) -> String {
    match (&c.change, &c.from) {
        (ChangeKind::Renamed, Some(from)) => {
            format!("{} {} renamed from {from}", c.kind.name(), c.name)
        }
        _ => format!("{} {} {}", c.kind.name(), c.name, c.change.name()),
    }
}

fn size(n: Option<u64>) -> String {
    n.map_or("—".to_owned(), |n| n.to_string())
}

fn totals(t: &Totals) -> String {
    format!("{} grants, {}, {} targets", t.grants, t.spend, t.targets)
}

/// Per rule, then the total: (name, old, new).
fn effect_rows(e: &Effect) -> Vec<(String, Totals, Totals)> {
    e.rules
        .iter()
        .map(|r| (r.name.clone(), r.old, r.new))
        .chain(std::iter::once(("total".to_owned(), e.old, e.new)))
        .collect()
}

/// The diff as JSON (the shape in docs/running.md).
pub fn json(changes: &[Change], effect: Option<&Effect>) -> Value {
    let structural: Vec<Value> = changes
        .iter()
        .map(|c| {
            let mut v = json!({
                "kind": c.kind.name(),
                "name": c.name,
                "change": c.change.name(),
                "details": c.details,
            });
            if let Some(from) = &c.from {
                v["from"] = json!(from);
            }
            v
        })
        .collect();
    let mut out = json!({ "structural": structural });
    if let Some(e) = effect {
        let side = |t: &Totals| json!({"grants": t.grants, "spend_fen": fen(t.spend), "targets": t.targets});
        let rules: serde_json::Map<String, Value> = e
            .rules
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    json!({"old": side(&r.old), "new": side(&r.new)}),
                )
            })
            .collect();
        let examples: Vec<Value> = e
            .examples
            .iter()
            .map(|x| json!({"target": x.target, "old": x.old, "new": x.new, "why": x.why}))
            .collect();
        let segments: serde_json::Map<String, Value> = e
            .segments
            .iter()
            .map(|s| (s.name.clone(), json!({"old": s.old, "new": s.new})))
            .collect();
        out["effect"] = json!({
            "from": e.from.to_string(),
            "to": e.to.to_string(),
            "rules": rules,
            "totals": {"old": side(&e.old), "new": side(&e.new)},
            "gained": e.gained,
            "lost": e.lost,
            "changed": e.changed,
            "examples": examples,
            "segments": segments,
        });
    }
    out
}

/// The effect a change can be credited with: a rule's own, or all rules' for a
/// change to the header (budgets, dates, timezone touch every rule).
fn attributed(c: &Change, effect: &Effect) -> String {
    let (old, new, what) = match c.kind {
        Kind::Rule => match effect.rules.iter().find(|r| r.name == c.name) {
            Some(r) => (&r.old, &r.new, "effect"),
            None => return String::new(),
        },
        Kind::Playbook => (&effect.old, &effect.new, "effect on all rules"),
        _ => return String::new(),
    };
    format!(
        "\n{what}: {} → {} ({})",
        totals(old),
        totals(new),
        percent_change(old.spend, new.spend)
    )
}

/// A sum of fen as a JSON number (exact: no run reaches 2^63 fen).
fn fen(s: FenSum) -> Value {
    i64::try_from(s.0).map_or_else(|_| json!(s.0.to_string()), |n| json!(n))
}

/// The diff as a pull-request comment.
pub fn markdown(changes: &[Change], effect: Option<&Effect>, old: &str, new: &str) -> String {
    let mut out = format!("### Playbook change: `{old}` → `{new}`\n\n");
    if let Some(e) = effect {
        out.push_str(&format!("**Effect over {} .. {}**\n\n", e.from, e.to));
        out.push_str("| rule | grants | spend | targets |\n|---|---:|---:|---:|\n");
        for (name, o, n) in effect_rows(e) {
            let name = if name == "total" {
                "**total**".to_owned()
            } else {
                cell(&name)
            };
            out.push_str(&format!(
                "| {name} | {} → {} | {} → {} ({}) | {} → {} |\n",
                o.grants,
                n.grants,
                o.spend,
                n.spend,
                percent_change(o.spend, n.spend),
                o.targets,
                n.targets
            ));
        }
        out.push_str(&format!(
            "\n{} members or groups gain a reward, {} lose theirs, {} get a different one.\n",
            e.gained, e.lost, e.changed
        ));
        if !e.examples.is_empty() {
            out.push_str("\n<details><summary>Examples</summary>\n\n");
            for x in &e.examples {
                out.push_str(&format!(
                    "- `{}`: {} → {}<br>{}\n",
                    x.target,
                    list(&x.old),
                    list(&x.new),
                    cell(&x.why)
                ));
            }
            out.push_str("\n</details>\n");
        }
        if !e.segments.is_empty() {
            out.push_str("\n| segment | size |\n|---|---:|\n");
            for s in &e.segments {
                out.push_str(&format!(
                    "| {} | {} → {} |\n",
                    cell(&s.name),
                    size(s.old),
                    size(s.new)
                ));
            }
        }
        out.push('\n');
    }
    out.push_str("**Changes**\n\n");
    if changes.is_empty() {
        out.push_str("No change to rules, segments, rewards, schemas or settings.\n");
    }
    for c in changes {
        out.push_str(&format!("- {}\n", cell(&headline(c))));
        for d in &c.details {
            out.push_str(&format!("  - `{}`\n", d.replace('`', "'")));
        }
    }
    out
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".to_owned()
    } else {
        items.iter().map(|i| cell(i)).collect::<Vec<_>>().join(", ")
    }
}

/// Text safe in a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// GitHub workflow commands: a notice on the first changed line of each changed
/// declaration in the new file, with its effect when a rule's effect is known.
pub fn github(
    changes: &[Change],
    effect: Option<&Effect>,
    sources: &SourceMap,
    path: &dyn Fn(Option<FileId>) -> String,
) -> String {
    let mut out = String::new();
    for c in changes {
        let Some(span) = c.span else {
            out.push_str(&format!(
                "::notice file={}::{}\n",
                escape_property(&path(None)),
                escape_data(&headline(c))
            ));
            continue;
        };
        let line = sources.get(span.file).line_col(span.start).line;
        let mut message = headline(c);
        for d in &c.details {
            message.push('\n');
            message.push_str(d);
        }
        if let Some(effect) = effect {
            message.push_str(&attributed(c, effect));
        }
        out.push_str(&format!(
            "::notice file={},line={line},title={}::{}\n",
            escape_property(&path(Some(span.file))),
            escape_property(&format!("{} {}", c.kind.name(), c.name)),
            escape_data(&message)
        ));
    }
    out
}
