//! The language server's response time: a 2,000-line playbook open, one character
//! typed, the changed file checked and its diagnostics ready to publish — what
//! `playbook lsp` does once typing pauses, without the pause and the pipe.
//!
//! Run with `cargo bench --bench lsp`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use lsp_server::{Message, Notification};
use playbook::ide::server::Server;
use serde_json::json;

mod generated;

const LINES: usize = 2_000;

fn change(uri: &str, version: i32, line: usize, text: &str) -> Notification {
    Notification::new(
        "textDocument/didChange".to_owned(),
        json!({
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{
                "range": {"start": {"line": line, "character": 3}, "end": {"line": line, "character": 4}},
                "text": text,
            }],
        }),
    )
}

fn bench_diagnostics(c: &mut Criterion) {
    let text = generated::playbook(LINES);
    assert_eq!(text.lines().count(), LINES);
    let dir = tempfile::tempdir().expect("a scratch directory");
    let path = dir.path().join("generated.playbook");
    let uri = url::Url::from_file_path(&path)
        .expect("an absolute path")
        .to_string();
    let mut server = Server::new(&json!({}));
    server.notify(Notification::new(
        "textDocument/didOpen".to_owned(),
        json!({"textDocument": {"uri": uri, "languageId": "playbook", "version": 1, "text": text}}),
    ));
    let published = server.flush();
    assert_eq!(published.len(), 1);
    // The change: one character of a comment in the middle, typed over and over
    // (the file stays valid, so every check runs to the end).
    let line = text
        .lines()
        .enumerate()
        .skip(LINES / 2)
        .find(|(_, l)| l.starts_with("//"))
        .map(|(i, _)| i)
        .expect("a comment line in the middle");
    let mut version = 1;
    c.bench_function("lsp_diagnostics_after_one_char_2000_lines", |b| {
        b.iter(|| {
            version += 1;
            let typed = if version % 2 == 0 { "甲" } else { "乙" };
            server.notify(change(&uri, version, line, typed));
            let out = server.flush();
            let Some(Message::Notification(n)) = out.first() else {
                panic!("diagnostics are published");
            };
            black_box(n.params["diagnostics"].as_array().map(Vec::len))
        })
    });
}

criterion_group!(benches, bench_diagnostics);
criterion_main!(benches);
