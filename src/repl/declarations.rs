//! The session's declarations, keyed by what they declare: a new declaration of a
//! name replaces the old one in its place, and every change re-checks the whole.

use std::path::{Path, PathBuf};

use crate::check::{self, Program};
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, SourceMap};
use crate::syntax::ast::Item;

/// What a declaration declares; a second declaration with the same key replaces
/// the first. Each kind has its own names, as in the checker.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// `playbook "…" { … }`
    Header,
    /// `member { … }`
    MemberSchema,
    /// `group { … }`
    GroupSchema,
    /// `event NAME { … }`
    Event(String),
    /// `segment NAME = …`
    Segment(String),
    /// `reward NAME = …`
    Reward(String),
    /// `rule NAME { … }`
    Rule(String),
    /// `test "NAME" { … }`
    Test(String),
    /// `import member|group|EVENT { … }`, by what it maps.
    Import(String),
}

impl Key {
    /// The key of a declaration; `use` has none (its declarations come in instead).
    pub fn of(item: &Item) -> Option<Key> {
        Some(match item {
            Item::Header(_) => Key::Header,
            Item::Use(_) => return None,
            Item::Import(d) => Key::Import(d.node.of.node.name().to_owned()),
            Item::MemberSchema(_) => Key::MemberSchema,
            Item::GroupSchema(_) => Key::GroupSchema,
            Item::Event(e) => Key::Event(e.node.name.node.clone()),
            Item::Segment(s) => Key::Segment(s.node.name.node.clone()),
            Item::Reward(r) => Key::Reward(r.node.name.node.clone()),
            Item::Rule(r) => Key::Rule(r.node.name.node.clone()),
            Item::Test(t) => Key::Test(t.node.name.node.clone()),
        })
    }

    /// The declared name (`member`, `group` and `playbook` for the unnamed ones).
    pub fn name(&self) -> &str {
        match self {
            Key::Header => "playbook",
            Key::MemberSchema => "member",
            Key::GroupSchema => "group",
            Key::Event(n)
            | Key::Segment(n)
            | Key::Reward(n)
            | Key::Rule(n)
            | Key::Test(n)
            | Key::Import(n) => n,
        }
    }

    /// For messages: ``segment `潜客` ``, `the member schema`.
    pub fn describe(&self) -> String {
        match self {
            Key::Header => "the playbook header".into(),
            Key::MemberSchema => "the member schema".into(),
            Key::GroupSchema => "the group schema".into(),
            Key::Event(n) => format!("event `{n}`"),
            Key::Segment(n) => format!("segment `{n}`"),
            Key::Reward(n) => format!("reward `{n}`"),
            Key::Rule(n) => format!("rule `{n}`"),
            Key::Test(n) => format!("test `{n}`"),
            Key::Import(n) => format!("the import of `{n}`"),
        }
    }

    /// The kind, for listings: `header`, `schema`, `import`, `event`, `segment`,
    /// `reward`, `rule` or `test`.
    pub fn kind(&self) -> &'static str {
        match self {
            Key::Header => "header",
            Key::MemberSchema | Key::GroupSchema => "schema",
            Key::Event(_) => "event",
            Key::Segment(_) => "segment",
            Key::Reward(_) => "reward",
            Key::Rule(_) => "rule",
            Key::Test(_) => "test",
            Key::Import(_) => "import",
        }
    }
}

/// One declaration of the session.
#[derive(Debug, Clone)]
pub struct Decl {
    /// What it declares.
    pub key: Key,
    /// The parsed declaration; its spans point into the session's sources.
    pub item: Item,
    /// The file it was loaded from, `None` when typed in.
    pub file: Option<PathBuf>,
}

/// What adding declarations did, for the reply.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// Keys declared for the first time.
    pub added: Vec<Key>,
    /// Keys whose earlier declaration was replaced.
    pub replaced: Vec<Key>,
    /// Keys a reloaded file no longer declares.
    pub removed: Vec<Key>,
}

/// Every declaration of the session, in order, with the sources they were read
/// from and the checked program they make.
#[derive(Debug)]
pub struct Declarations {
    /// Every text read: typed statements, loaded files, and the files they use.
    pub sources: SourceMap,
    decls: Vec<Decl>,
    program: Program,
}

/// Why a change was not made: the diagnostics to show, the session unchanged.
#[derive(Debug)]
pub struct Rejected(pub Vec<Diagnostic>);

impl Declarations {
    /// No declarations: an empty playbook.
    pub fn new() -> Declarations {
        let sources = SourceMap::new();
        let outcome = check::check_items(sources.clone(), &[], Vec::new());
        Declarations {
            sources,
            decls: Vec::new(),
            // An empty playbook always checks; the fallback only keeps this total.
            program: outcome.program.unwrap_or_else(empty_program),
        }
    }

    /// The checked program of the current declarations.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The declarations, in order.
    pub fn all(&self) -> &[Decl] {
        &self.decls
    }

    /// The text a declaration was written as.
    pub fn text(&self, decl: &Decl) -> &str {
        let span = decl.item.span();
        self.sources.get(span.file).slice(span)
    }

    /// Adds `new` (a key declared again replaces the earlier declaration in its
    /// place; a new key goes last), drops the declarations loaded from the files in
    /// `reloading` that `new` does not declare again, and re-checks everything. On
    /// errors nothing changes. Warnings about the new declarations come back with
    /// the change.
    pub fn apply(
        &mut self,
        reloading: &[PathBuf],
        new: Vec<Decl>,
    ) -> Result<(Change, Vec<Diagnostic>), Rejected> {
        let mut decls = self.decls.clone();
        let new_files: Vec<FileId> = new.iter().map(|d| d.item.span().file).collect();
        let new_keys: Vec<Key> = new.iter().map(|d| d.key.clone()).collect();
        let mut change = Change::default();
        let before = decls.len();
        for decl in new {
            match decls[..before].iter().position(|d| d.key == decl.key) {
                Some(i) => {
                    change.replaced.push(decl.key.clone());
                    decls[i] = decl;
                }
                None => {
                    change.added.push(decl.key.clone());
                    decls.push(decl);
                }
            }
        }
        decls.retain(|d| {
            let stale = d.file.as_ref().is_some_and(|f| reloading.contains(f))
                && !new_keys.contains(&d.key);
            if stale {
                change.removed.push(d.key.clone());
            }
            !stale
        });
        let items: Vec<Item> = decls.iter().map(|d| d.item.clone()).collect();
        let outcome = check::check_items(self.sources.clone(), &items, Vec::new());
        let Some(program) = outcome.program else {
            let errors = outcome
                .diagnostics
                .into_iter()
                .filter(|d| d.severity() == crate::diagnostics::Severity::Error)
                .collect();
            return Err(Rejected(errors));
        };
        let warnings = outcome
            .diagnostics
            .into_iter()
            .filter(|d| new_files.contains(&d.span.file))
            .collect();
        self.decls = decls;
        self.program = program;
        Ok((change, warnings))
    }

    /// The files declarations were loaded from, in first-load order.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for d in &self.decls {
            if let Some(f) = &d.file
                && !out.contains(f)
            {
                out.push(f.clone());
            }
        }
        out
    }

    /// Whether any declaration came from `path`.
    pub fn has_file(&self, path: &Path) -> bool {
        self.decls.iter().any(|d| d.file.as_deref() == Some(path))
    }
}

impl Default for Declarations {
    fn default() -> Self {
        Declarations::new()
    }
}

fn empty_program() -> Program {
    Program {
        settings: check::Settings::default(),
        member: check::RecordSchema::default(),
        group: None,
        events: Vec::new(),
        segments: Vec::new(),
        histories: Vec::new(),
        segment_order: Vec::new(),
        rewards: Vec::new(),
        rules: Vec::new(),
        tests: Vec::new(),
        calendar_read_at: None,
        imports: Vec::new(),
    }
}
