//! The language server: the Language Server Protocol over a connection (standard
//! input and output for `playbook lsp`), answered from [`Workspace`] analyses.
//!
//! [`Server`] turns each message into the messages to send back, with no I/O of its
//! own; [`serve`] is the loop around it, which waits for typing to pause
//! ([`DEBOUNCE`]) before checking changed files and publishing their diagnostics.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use serde_json::{Value, json};

use super::complete::CompletionKind;
use super::convert::{self, Spans, path_of, uri_of};
use super::hover::Sizes;
use super::line_index::LineIndex;
use super::tokens::TokenKind;
use super::{Analysis, Workspace};

/// How long typing must pause before changed files are checked again.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Serves `connection` until the client says `exit` after `shutdown`.
pub fn serve(connection: &Connection) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (id, params) = connection.initialize_start()?;
    let mut server = Server::new(&params);
    connection.initialize_finish(id, Server::capabilities())?;
    loop {
        // Typing pauses when no change came for DEBOUNCE, whatever else arrives.
        let wait = server
            .changed_at
            .map(|t| (t + DEBOUNCE).saturating_duration_since(std::time::Instant::now()));
        let message = if let Some(wait) = wait {
            match connection.receiver.recv_timeout(wait) {
                Ok(m) => Some(m),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => None,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Ok(()),
            }
        } else {
            match connection.receiver.recv() {
                Ok(m) => Some(m),
                Err(_) => return Ok(()),
            }
        };
        let out = match message {
            None => server.flush(),
            Some(Message::Request(req)) => {
                if connection.handle_shutdown(&req)? {
                    return Ok(());
                }
                vec![Message::Response(server.request(req))]
            }
            Some(Message::Notification(n)) if n.method == "exit" => {
                return Err("`exit` came before `shutdown`".into());
            }
            Some(Message::Notification(n)) => {
                server.notify(n);
                Vec::new()
            }
            Some(Message::Response(_)) => Vec::new(),
        };
        for m in out {
            connection.sender.send(m)?;
        }
    }
}

/// The state of one editor session.
#[derive(Default)]
pub struct Server {
    workspace: Workspace,
    /// Files changed since their diagnostics were last published.
    pending: HashSet<PathBuf>,
    /// Analyses of the current texts, dropped on any change.
    analyses: HashMap<PathBuf, Rc<Analysis>>,
    /// Segment sizes in the data file, for the current texts.
    sizes: HashMap<PathBuf, Rc<Sizes>>,
    /// Each open file's URI as the client wrote it, to answer in the same words.
    uris: HashMap<PathBuf, lsp::Uri>,
    /// When the last change came, while changed files wait to be checked.
    pub changed_at: Option<std::time::Instant>,
}

impl Server {
    /// A server for a client that sent `initialize` with `params`; its
    /// `initializationOptions` may name a data file: `{"data": "members.db"}`.
    pub fn new(params: &Value) -> Server {
        let mut server = Server::default();
        server.workspace.data = params
            .pointer("/initializationOptions/data")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
        server
    }

    /// What this server can do, as `initialize` answers.
    pub fn capabilities() -> Value {
        let legend: Vec<&str> = TokenKind::ALL.iter().map(|k| k.lsp_name()).collect();
        json!({
            "capabilities": {
                "positionEncoding": "utf-16",
                "textDocumentSync": { "openClose": true, "change": 2, "save": { "includeText": false } },
                "completionProvider": { "triggerCharacters": [".", " ", "("] },
                "hoverProvider": true,
                "definitionProvider": true,
                "referencesProvider": true,
                "renameProvider": true,
                "documentFormattingProvider": true,
                "codeActionProvider": { "codeActionKinds": ["quickfix"] },
                "semanticTokensProvider": {
                    "legend": { "tokenTypes": legend, "tokenModifiers": ["declaration"] },
                    "full": true
                }
            },
            "serverInfo": { "name": "playbook", "version": env!("CARGO_PKG_VERSION") }
        })
    }

    /// Whether changed files wait to be checked.
    pub fn has_pending(&self) -> bool {
        self.changed_at.is_some()
    }

    /// Handles a notification: open, change, save, close.
    pub fn notify(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params)
                    && let Some(path) = path_of(&p.text_document.uri)
                {
                    self.workspace.set(&path, p.text_document.text);
                    self.uris.insert(super::key(&path), p.text_document.uri);
                    self.changed(path);
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                    && let Some(path) = path_of(&p.text_document.uri)
                    && let Some(text) = self.workspace.text(&path)
                {
                    let text = apply_changes(text.to_owned(), &p.content_changes);
                    self.workspace.set(&path, text);
                    self.changed(path);
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params)
                    && let Some(path) = path_of(&p.text_document.uri)
                {
                    self.workspace.close(&path);
                    self.changed(path);
                }
            }
            // A file changed outside the editor may be one an open file uses.
            "workspace/didChangeWatchedFiles" => self.touch(),
            "workspace/didChangeConfiguration" => {
                // A string sets the data file; an empty one or `null` clears it.
                if let Some(data) = n.params.pointer("/settings/playbook/data") {
                    let data = data.as_str().filter(|d| !d.is_empty());
                    self.workspace.data = data.map(PathBuf::from);
                    self.sizes.clear();
                }
            }
            _ => {}
        }
    }

    fn changed(&mut self, path: PathBuf) {
        self.pending.insert(super::key(&path));
        self.touch();
    }

    /// Forgets every analysis: the open files are checked again once typing pauses.
    fn touch(&mut self) {
        self.analyses.clear();
        self.sizes.clear();
        self.changed_at = Some(std::time::Instant::now());
    }

    /// Checks the open files again and returns their diagnostics to publish (an
    /// empty list for a closed file clears its own). Every open file is checked, not
    /// only those that read a changed one: a file may `use` one that did not exist
    /// until now.
    pub fn flush(&mut self) -> Vec<Message> {
        let changed = std::mem::take(&mut self.pending);
        self.changed_at = None;
        let mut affected: Vec<PathBuf> = self.workspace.paths().map(Path::to_path_buf).collect();
        affected.sort();
        let mut out = Vec::new();
        let closed: Vec<&PathBuf> = changed
            .iter()
            .filter(|p| self.workspace.text(p).is_none())
            .collect();
        for path in closed {
            let uri = self.uris.remove(path);
            out.extend(publish(uri, path, Vec::new()));
        }
        for path in affected {
            let Some(analysis) = self.analysis(&path) else {
                continue;
            };
            let mut spans = Spans::new(&analysis, &self.uris);
            let diagnostics = analysis
                .diagnostics()
                .map(|d| spans.diagnostic(d))
                .collect();
            out.extend(publish(self.uris.get(&path).cloned(), &path, diagnostics));
        }
        out
    }

    fn analysis(&mut self, path: &Path) -> Option<Rc<Analysis>> {
        let key = super::key(path);
        if let Some(a) = self.analyses.get(&key) {
            return Some(a.clone());
        }
        let analysis = Rc::new(self.workspace.analyse(path)?);
        self.analyses.insert(key, analysis.clone());
        Some(analysis)
    }

    /// Answers a request.
    pub fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        match self.answer(&req) {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    fn answer(&mut self, req: &Request) -> Result<Value, (ErrorCode, String)> {
        let uri = req
            .params
            .pointer("/textDocument/uri")
            .cloned()
            .and_then(|u| serde_json::from_value::<lsp::Uri>(u).ok());
        let path = uri.as_ref().and_then(path_of);
        let analysis = match &path {
            Some(p) => self.analysis(p),
            None => None,
        };
        let Some(analysis) = analysis else {
            return match req.method.as_str() {
                "textDocument/completion"
                | "textDocument/hover"
                | "textDocument/definition"
                | "textDocument/references"
                | "textDocument/formatting"
                | "textDocument/codeAction"
                | "textDocument/semanticTokens/full" => Ok(Value::Null),
                "textDocument/rename" => {
                    Err((ErrorCode::InvalidParams, "the file is not open".into()))
                }
                _ => Err((
                    ErrorCode::MethodNotFound,
                    format!("unknown request `{}`", req.method),
                )),
            };
        };
        let text = analysis.text(analysis.main);
        let index = LineIndex::new(text);
        let at = req
            .params
            .get("position")
            .cloned()
            .and_then(|p| serde_json::from_value::<lsp::Position>(p).ok())
            .map(|p| convert::offset(&index, text, p));
        let sizes = match req.method.as_str() {
            "textDocument/hover" => self.sizes_for(&analysis, path.as_deref()),
            _ => None,
        };
        let mut spans = Spans::new(&analysis, &self.uris);
        let value = match (req.method.as_str(), at) {
            ("textDocument/completion", Some(at)) => completion(&analysis, (&index, text), at),
            ("textDocument/hover", Some(at)) => match analysis.hover(at, sizes.as_deref()) {
                Some((span, markdown)) => json!({
                    "contents": { "kind": "markdown", "value": markdown },
                    "range": spans.range(span),
                }),
                None => Value::Null,
            },
            ("textDocument/definition", Some(at)) => {
                json!(analysis.definition(at).and_then(|s| spans.location(s)))
            }
            ("textDocument/references", Some(at)) => {
                let declaration = req
                    .params
                    .pointer("/context/includeDeclaration")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                let found: Vec<lsp::Location> = analysis
                    .references(at, declaration)
                    .into_iter()
                    .filter_map(|s| spans.location(s))
                    .collect();
                json!(found)
            }
            ("textDocument/rename", Some(at)) => {
                let new_name = req
                    .params
                    .get("newName")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let edits = analysis
                    .rename(at, new_name)
                    .map_err(|e| (ErrorCode::InvalidParams, e))?;
                workspace_edit(&mut spans, &edits)
            }
            ("textDocument/formatting", _) => match analysis.format() {
                Some(formatted) => json!([{
                    "range": convert::range(&index, text, crate::source::Span::new(analysis.main, 0, text.len())),
                    "newText": formatted,
                }]),
                None => json!([]),
            },
            ("textDocument/codeAction", _) => {
                let range: lsp::Range = req
                    .params
                    .get("range")
                    .cloned()
                    .and_then(|r| serde_json::from_value(r).ok())
                    .unwrap_or_default();
                let span = crate::source::Span::new(
                    analysis.main,
                    convert::offset(&index, text, range.start),
                    convert::offset(&index, text, range.end),
                );
                let actions: Vec<Value> = analysis
                    .actions(span)
                    .iter()
                    .map(|a| {
                        json!({
                            "title": a.title,
                            "kind": "quickfix",
                            "diagnostics": [spans.diagnostic(&a.fixes)],
                            "isPreferred": true,
                            "edit": workspace_edit(&mut spans, &a.edits),
                        })
                    })
                    .collect();
                json!(actions)
            }
            ("textDocument/semanticTokens/full", _) => semantic_tokens(&analysis, (&index, text)),
            (
                "textDocument/completion"
                | "textDocument/hover"
                | "textDocument/definition"
                | "textDocument/references"
                | "textDocument/rename",
                None,
            ) => {
                let message = format!("`{}` needs a position", req.method);
                return Err((ErrorCode::InvalidParams, message));
            }
            (method, _) => {
                let message = format!("unknown request `{method}`");
                return Err((ErrorCode::MethodNotFound, message));
            }
        };
        Ok(value)
    }

    /// Segment sizes in the data file, computed once per text.
    fn sizes_for(&mut self, analysis: &Analysis, path: Option<&Path>) -> Option<Rc<Sizes>> {
        let (data, path) = (self.workspace.data.clone()?, path?);
        let key = super::key(path);
        if let Some(s) = self.sizes.get(&key) {
            return Some(s.clone());
        }
        let sizes = Rc::new(analysis.segment_sizes(&data).ok()?);
        self.sizes.insert(key, sizes.clone());
        Some(sizes)
    }
}

/// A `publishDiagnostics` notification, for the file's URI as the client wrote it.
fn publish(
    uri: Option<lsp::Uri>,
    path: &Path,
    diagnostics: Vec<lsp::Diagnostic>,
) -> Option<Message> {
    let params = lsp::PublishDiagnosticsParams {
        uri: uri.or_else(|| uri_of(path))?,
        diagnostics,
        version: None,
    };
    Some(Message::Notification(Notification::new(
        "textDocument/publishDiagnostics".to_owned(),
        params,
    )))
}

/// `text` after the editor's changes, in order (a change without a range replaces
/// the whole text).
fn apply_changes(mut text: String, changes: &[lsp::TextDocumentContentChangeEvent]) -> String {
    for change in changes {
        match change.range {
            Some(range) => {
                let index = LineIndex::new(&text);
                let start = convert::offset(&index, &text, range.start);
                let end = convert::offset(&index, &text, range.end).max(start);
                text.replace_range(start..end, &change.text);
            }
            None => text = change.text.clone(),
        }
    }
    text
}

fn workspace_edit(spans: &mut Spans<'_>, edits: &[super::Edit]) -> Value {
    let mut changes: HashMap<String, Vec<Value>> = HashMap::new();
    for e in edits {
        if let Some(location) = spans.location(e.span) {
            changes
                .entry(location.uri.as_str().to_owned())
                .or_default()
                .push(json!({ "range": location.range, "newText": e.text }));
        }
    }
    json!({ "changes": changes })
}

fn completion(analysis: &Analysis, (index, text): (&LineIndex, &str), at: usize) -> Value {
    let (start, items) = analysis.complete(at);
    let range = convert::range(
        index,
        text,
        crate::source::Span::new(analysis.main, start, at),
    );
    let items: Vec<Value> = items
        .into_iter()
        .map(|c| {
            let kind = match c.kind {
                CompletionKind::Keyword => lsp::CompletionItemKind::KEYWORD,
                CompletionKind::Snippet => lsp::CompletionItemKind::SNIPPET,
                CompletionKind::Segment => lsp::CompletionItemKind::CLASS,
                CompletionKind::Reward => lsp::CompletionItemKind::VALUE,
                CompletionKind::Rule => lsp::CompletionItemKind::MODULE,
                CompletionKind::Event => lsp::CompletionItemKind::EVENT,
                CompletionKind::Field => lsp::CompletionItemKind::FIELD,
                CompletionKind::Function => lsp::CompletionItemKind::FUNCTION,
            };
            let (new_text, format) = match &c.snippet {
                Some(s) => (s.clone(), lsp::InsertTextFormat::SNIPPET),
                None => (c.label.clone(), lsp::InsertTextFormat::PLAIN_TEXT),
            };
            let mut item = json!({
                "label": c.label,
                "kind": kind,
                "insertTextFormat": format,
                "textEdit": { "range": range, "newText": new_text },
            });
            // `detail` is an optional string: left out rather than `null`.
            if let Some(detail) = c.detail {
                item["detail"] = detail.into();
            }
            item
        })
        .collect();
    json!({ "isIncomplete": false, "items": items })
}

fn semantic_tokens(analysis: &Analysis, (index, text): (&LineIndex, &str)) -> Value {
    let mut data = Vec::new();
    let mut last = lsp::Position::new(0, 0);
    for t in analysis.tokens() {
        let r = convert::range(index, text, t.span);
        if r.start.line != r.end.line {
            continue; // tokens never span lines; a stray one is skipped
        }
        let kind = TokenKind::ALL
            .iter()
            .position(|k| *k == t.kind)
            .unwrap_or(0);
        let delta_line = r.start.line - last.line;
        let delta_start = if delta_line == 0 {
            r.start.character - last.character
        } else {
            r.start.character
        };
        data.extend([
            delta_line,
            delta_start,
            r.end.character - r.start.character,
            kind as u32,
            u32::from(t.declaration),
        ]);
        last = r.start;
    }
    json!({ "data": data })
}
