//! The layering docs/ARCHITECTURE.md promises, read from the source: every
//! `crate::…` and `super::…` path of the library's files (unit tests left out) goes
//! to a module lower in the pipeline, no files of one module import each other in a
//! circle, and no file is longer than a sitting's reading.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The library's top-level modules, lowest first; a module may use only modules of
/// a lower rank. Modules of one rank do not use each other.
const LAYERS: &[&[&str]] = &[
    &["terminal", "money", "time", "sqlite_file", "calendar"],
    &["source"],
    &["diagnostics"],
    &["syntax"],
    &["value"],
    &["check"],
    &["compile", "format"],
    &["data"],
    &["interpret"],
    &["ledger"],
    &["app"],
    &["repl", "ide"],
];

/// Longest a source file may be.
const MAX_LINES: usize = 800;

fn rank(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is not in LAYERS: place it in the pipeline"))
}

fn library_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("cli") {
                library_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.ends_with("main.rs")
            && !path.ends_with("tests.rs")
        {
            out.push(path);
        }
    }
}

/// The module path of a file under `src`: `src/check/expr.rs` → `[check, expr]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix("src").unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The file's code: without its unit tests (`#[cfg(test)]` to the end) and
/// comments (a doc link is no dependency of the code).
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let text = match text.find("\n#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => &text,
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    (end > 0).then(|| &text[..end])
}

/// The modules a file's paths reach: `(top-level module, second segment)` for every
/// `crate::a::b`, `crate::{a::b, c}` and `super::x`.
fn targets(module: &[String], text: &str) -> BTreeSet<(String, Option<String>)> {
    let mut out = BTreeSet::new();
    let mut push = |path: &str| {
        let mut parts = path.split("::").filter(|p| !p.is_empty());
        if let Some(first) = parts.next() {
            let second = parts.next().and_then(ident_at).map(str::to_owned);
            out.insert((first.to_owned(), second));
        }
    };
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inside = &group[..group.find('}').unwrap_or(group.len())];
            for item in inside.split(',') {
                push(item.trim());
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            push(&rest[..end]);
        }
    }
    for (i, _) in text.match_indices("super::") {
        let Some(name) = ident_at(&text[i + "super::".len()..]) else {
            continue;
        };
        if module.len() >= 2 && name != "*" {
            let mut path = module[..module.len() - 1].to_vec();
            path.push(name.to_owned());
            push(&path.join("::"));
        }
    }
    out
}

#[test]
fn every_arrow_points_down_the_pipeline_and_files_form_no_cycle() {
    let mut files = Vec::new();
    library_files(Path::new("src"), &mut files);
    files.sort();
    let mut wrong = Vec::new();
    // Within each top-level module: which of its children use which.
    let mut inner: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut long = Vec::new();
    for file in &files {
        let module = module_of(file);
        let text = code(file);
        let lines = std::fs::read_to_string(file).unwrap().lines().count();
        if lines > MAX_LINES {
            long.push(format!("{} ({lines} lines)", file.display()));
        }
        let Some(top) = module.first() else { continue };
        for (to, second) in targets(&module, &text) {
            let known = LAYERS.iter().any(|l| l.contains(&to.as_str()));
            if !known {
                continue; // an item of the crate root, or a type's path
            }
            if &to != top {
                if rank(&to) >= rank(top) {
                    wrong.push(format!("{} uses `{to}`", file.display()));
                }
            } else if let (Some(from), Some(to)) = (module.get(1), second)
                && from != &to
            {
                inner
                    .entry(top.clone())
                    .or_default()
                    .entry(from.clone())
                    .or_default()
                    .insert(to);
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows pointing up:\n{}",
        wrong.join("\n")
    );
    for (top, edges) in &inner {
        if let Some(cycle) = find_cycle(edges) {
            panic!(
                "files of `{top}` use each other in a circle: {}",
                cycle.join(" → ")
            );
        }
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}

/// A cycle of the graph, if it has one (depth-first search).
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut edges = BTreeMap::new();
    edges.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    edges.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        find_cycle(&edges),
        Some(vec!["a".to_owned(), "b".to_owned(), "a".to_owned()])
    );
    edges.remove("b");
    assert_eq!(find_cycle(&edges), None);
}
