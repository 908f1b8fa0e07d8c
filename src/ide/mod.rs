//! What an editor asks of a playbook, answered in byte offsets: the diagnostics of
//! an open file checked with the files it uses, completion, hover, definitions,
//! references, rename, formatting, code actions and semantic colouring. The
//! language server ([`server`]) is a thin shell that converts positions
//! ([`line_index`]) and speaks the protocol.
//!
//! Open files are taken from the editor, not the disk: a `use` of an open file
//! reads what the editor holds, so a change shows in every file that uses it.

pub mod actions;
pub mod complete;
mod convert;
pub mod hover;
pub mod line_index;
pub mod server;
pub mod symbols;
pub mod tokens;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::check::{
    CheckOutcome, FsLoader, LoadError, Loaded, Loader, check_items, parse_with_uses,
};
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, SourceFile, Span};
use crate::syntax::ast::Item;
use symbols::{Occurrence, Symbols};

/// The files an editor has open, by path, with their text.
#[derive(Debug, Default)]
pub struct Workspace {
    open: HashMap<PathBuf, String>,
    /// A data file for hover's segment sizes.
    pub data: Option<PathBuf>,
}

impl Workspace {
    /// An empty workspace.
    pub fn new() -> Workspace {
        Workspace::default()
    }

    /// Opens `path` with `text`, or replaces the text of an open file.
    pub fn set(&mut self, path: &Path, text: String) {
        self.open.insert(key(path), text);
    }

    /// Closes `path` (a `use` of it reads the disk again).
    pub fn close(&mut self, path: &Path) {
        self.open.remove(&key(path));
    }

    /// The text of open file `path`.
    pub fn text(&self, path: &Path) -> Option<&str> {
        self.open.get(&key(path)).map(String::as_str)
    }

    /// Every open file.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.open.keys().map(PathBuf::as_path)
    }

    /// Parses and checks open file `path` with every file it uses.
    pub fn analyse(&self, path: &Path) -> Option<Analysis> {
        let text = self.text(path)?;
        let mut sources = crate::source::SourceMap::new();
        let main = sources.add(SourceFile::new(path.display().to_string(), text));
        let loader = Overlay { open: &self.open };
        let (items, earlier) = parse_with_uses(&mut sources, main, &loader);
        let symbols = Symbols::new(&items);
        let outcome = check_items(sources, &items, earlier);
        Some(Analysis {
            main,
            items,
            symbols,
            outcome,
        })
    }
}

/// What a path is known by: its canonical form when it exists on disk, so that
/// `a/../b.playbook` and `b.playbook` are one file.
fn key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Loads `use`d files from the editor's open files first, then from the disk.
struct Overlay<'a> {
    open: &'a HashMap<PathBuf, String>,
}

impl Loader for Overlay<'_> {
    fn load(&self, from: &str, path: &str) -> Result<Loaded, LoadError> {
        let base = Path::new(from).parent().unwrap_or(Path::new(""));
        let full = base.join(path);
        match self.open.get(&key(&full)) {
            Some(text) => Ok(Loaded {
                key: key(&full).display().to_string(),
                name: full.display().to_string(),
                text: text.clone(),
            }),
            None => FsLoader.load(from, path),
        }
    }

    fn load_calendar(&self, from: &str, path: &str) -> Result<Loaded, LoadError> {
        let full = Path::new(from).parent().unwrap_or(Path::new("")).join(path);
        match self.open.get(&key(&full)) {
            Some(text) => Ok(Loaded {
                key: key(&full).display().to_string(),
                name: full.display().to_string(),
                text: text.clone(),
            }),
            None => FsLoader.load_calendar(from, path),
        }
    }

    fn identify(&self, name: &str) -> Option<String> {
        Some(key(Path::new(name)).display().to_string())
    }
}

/// One open file analysed: its declarations and those of the files it uses, the
/// checker's outcome, and the names written.
#[derive(Debug)]
pub struct Analysis {
    /// The file analysed.
    pub main: FileId,
    /// Every declaration that parsed, the file's first.
    pub items: Vec<Item>,
    /// Every name written.
    pub symbols: Symbols,
    /// The checker's outcome: sources, diagnostics and (without errors) the program.
    pub outcome: CheckOutcome,
}

/// A change to one file's text: replace `span` with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The bytes replaced.
    pub span: Span,
    /// What replaces them.
    pub text: String,
}

impl Analysis {
    /// The diagnostics whose place is in the analysed file (those of used files are
    /// shown when they are opened).
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.outcome
            .diagnostics
            .iter()
            .filter(|d| d.span.file == self.main)
    }

    /// The text of file `id`.
    pub fn text(&self, id: FileId) -> &str {
        self.outcome.sources.get(id).text()
    }

    /// The path of file `id`.
    pub fn path(&self, id: FileId) -> PathBuf {
        PathBuf::from(self.outcome.sources.get(id).name())
    }

    /// The name at `offset` of the analysed file.
    pub fn symbol_at(&self, offset: usize) -> Option<&Occurrence> {
        self.symbols.at(self.main, offset)
    }

    /// Where the name at `offset` is declared.
    pub fn definition(&self, offset: usize) -> Option<Span> {
        let o = self.symbol_at(offset)?;
        self.symbols.declaration(&o.kind, &o.name).map(|d| d.span)
    }

    /// Every place the name at `offset` is written, its declaration first (with
    /// `declaration`, else without it).
    pub fn references(&self, offset: usize, declaration: bool) -> Vec<Span> {
        let Some(o) = self.symbol_at(offset) else {
            return Vec::new();
        };
        self.symbols
            .of(&o.kind, &o.name)
            .into_iter()
            .filter(|x| declaration || !x.declaration)
            .map(|x| x.span)
            .collect()
    }

    /// The edits that rename the name at `offset` to `new_name` in the file and the
    /// files it uses, or why it cannot be renamed.
    pub fn rename(&self, offset: usize, new_name: &str) -> Result<Vec<Edit>, String> {
        let Some(o) = self.symbol_at(offset) else {
            return Err("no name here to rename".into());
        };
        if !crate::syntax::is_identifier(new_name) {
            return Err(format!("`{new_name}` is not a name"));
        }
        let declared = self
            .symbols
            .of(&o.kind, &o.name)
            .iter()
            .any(|x| x.declaration);
        if !declared {
            // `id`, `member_id`, `at`…: built in, not declared, so not ours to rename.
            return Err(format!(
                "`{}` is not declared in the playbook, so it cannot be renamed",
                o.name
            ));
        }
        let taken = self
            .symbols
            .all
            .iter()
            .find(|x| x.declaration && x.name == new_name);
        if let Some(taken) = taken {
            return Err(format!(
                "there is already a {} `{new_name}`",
                taken.kind.describe()
            ));
        }
        // Words a name in their place would be read as: reward forms, and the fields
        // every event (and target) has.
        const BUILT_IN: [&str; 12] = [
            "coupon",
            "red_packet",
            "points",
            "gift",
            "lottery",
            "tier",
            "experiment",
            "at",
            "id",
            "member_id",
            "group_id",
            "kind",
        ];
        if BUILT_IN.contains(&new_name) {
            return Err(format!(
                "`{new_name}` would be read as the built-in `{new_name}`"
            ));
        }
        Ok(self
            .symbols
            .of(&o.kind, &o.name)
            .into_iter()
            .map(|x| Edit {
                span: x.span,
                text: new_name.to_owned(),
            })
            .collect())
    }

    /// The analysed file in the canonical layout (`playbook fmt`), or `None` when
    /// it has syntax errors or is formatted already.
    pub fn format(&self) -> Option<String> {
        let text = self.text(self.main);
        let formatted = crate::format::format_source(self.main, text).ok()?;
        (formatted != text).then_some(formatted)
    }
}

#[cfg(test)]
mod tests;
