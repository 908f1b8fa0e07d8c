//! The language server end to end: the real binary driven over standard input and
//! output by a small client speaking JSON-RPC with `Content-Length` framing, as an
//! editor does — open a file with a typo, see the diagnostic at the right UTF-16
//! place, complete, hover, jump, rename, fix the typo, see the diagnostics cleared,
//! format, shut down.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// A client of one `playbook lsp` process.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    notifications: Vec<Value>,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("playbook"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (send, incoming) = channel();
        std::thread::spawn(move || {
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                stdout.read_exact(&mut body).unwrap();
                if send.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            next_id: 0,
            notifications: Vec::new(),
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn receive(&mut self) -> Value {
        self.incoming
            .recv_timeout(Duration::from_secs(20))
            .expect("the server answers within 20 s")
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.receive();
            if m["id"] == json!(id) {
                assert!(m.get("error").is_none(), "{method} failed: {m}");
                return m["result"].clone();
            }
            self.notifications.push(m);
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let published = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        if let Some(i) = self.notifications.iter().position(published) {
            let m = self.notifications.remove(i);
            return m["params"]["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            let m = self.receive();
            if published(&m) {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.notifications.push(m);
        }
    }
}

const HEADER: &str = "playbook \"编辑器\" { timezone \"Asia/Shanghai\"  budget ¥1,000 total }\n\
member { spend: money, city: text }\n\
segment 大客户 = spend >= ¥1,000\n";

/// Line 3 (from 0): the typo `spennd` comes after a string with 🧧, two UTF-16
/// units: the column counts units, not characters or bytes.
const RULE: &str = "rule 红包 {   every day at 10:00\n\
  when 大客户 and city != \"🧧杭州\" and spennd > ¥0\n\
  give red_packet ¥1\n\
  limit once per member\n\
}\n";

fn position(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).unwrap();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() as u64;
    (line, text[line_start..at].encode_utf16().count() as u64)
}

#[test]
fn an_editor_session_from_open_to_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("活动.playbook");
    let text = format!("{HEADER}{RULE}");
    std::fs::write(&path, &text).unwrap();
    let uri = url::Url::from_file_path(&path).unwrap().to_string();
    let doc = json!({"uri": uri});

    let mut client = Client::start();
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "playbook", "version": 1, "text": text}}),
    );

    // The typo, at its UTF-16 place, with its code and did-you-mean help.
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    let (line, col) = position(&text, "spennd");
    assert_eq!(d["code"], "E0101");
    assert_eq!(d["range"]["start"], json!({"line": line, "character": col}));
    assert_eq!(
        d["range"]["end"],
        json!({"line": line, "character": col + 6})
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `spend`?"),
        "{d}"
    );
    // 🧧 is two units: the column is one more than the count of characters.
    assert_eq!(
        col,
        text.lines().nth(line as usize).unwrap()[..text
            .lines()
            .nth(line as usize)
            .unwrap()
            .find("spennd")
            .unwrap()]
            .chars()
            .count() as u64
            + 1
    );

    // The fix the help describes, as a code action.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": doc, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    assert_eq!(actions[0]["title"], "Change to `spend`");

    // Completion after `when ` offers the segment names.
    let (wl, wc) = position(&text, "大客户 and");
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": doc, "position": {"line": wl, "character": wc}}),
    );
    let labels: Vec<&str> = completion["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"大客户") && labels.contains(&"spend"),
        "{labels:?}"
    );

    // Hover on a field gives its type; definition of the segment its declaration.
    let (cl, cc) = position(&text, "city !=");
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": {"line": cl, "character": cc + 1}}),
    );
    assert_eq!(hover["contents"]["value"], "member field `city`: `text`");
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": doc, "position": {"line": wl, "character": wc + 1}}),
    );
    let (dl, dc) = position(&text, "大客户 =");
    assert_eq!(
        definition["range"]["start"],
        json!({"line": dl, "character": dc})
    );
    let references = client.request(
        "textDocument/references",
        json!({"textDocument": doc, "position": {"line": wl, "character": wc}, "context": {"includeDeclaration": true}}),
    );
    assert_eq!(references.as_array().unwrap().len(), 2);

    // Fix the typo with an incremental change.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{
            "range": {"start": {"line": line, "character": col + 3}, "end": {"line": line, "character": col + 4}},
            "text": ""
        }]}),
    );
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());

    // Rename the segment everywhere it is written.
    let rename = client.request(
        "textDocument/rename",
        json!({"textDocument": doc, "position": {"line": wl, "character": wc}, "newName": "高价值"}),
    );
    assert_eq!(rename["changes"][&uri].as_array().unwrap().len(), 2);

    // Formatting gives what `playbook fmt` prints.
    let fixed = text.replace("spennd", "spend");
    let formatting = client.request(
        "textDocument/formatting",
        json!({"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let expected = playbook::format::format_source(playbook::source::FileId(0), &fixed).unwrap();
    assert_ne!(expected, fixed);
    assert_eq!(formatting[0]["newText"], expected);

    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().unwrap();
    assert!(status.success());
}

#[test]
fn hover_gives_a_segments_size_in_the_data_file_and_tokens_name_what_they_colour() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join("examples/tiered_groups.playbook");
    let data = root.join("examples/data/tiered_groups.sql");
    let text = std::fs::read_to_string(&file).unwrap();
    let uri = url::Url::from_file_path(&file).unwrap().to_string();
    let mut client = Client::start();
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {},
               "initializationOptions": {"data": data.to_str().unwrap()}}),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "playbook", "version": 1, "text": text}}),
    );
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    let (line, col) = position(&text, "忠诚老客 =");
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col}}),
    );
    let shown = hover["contents"]["value"].as_str().unwrap().to_owned();
    // The size `playbook segments` gives for the same file at (about) the same time.
    let sizes: Value = serde_json::from_slice(
        &common::bin()
            .args(["segments"])
            .arg(&file)
            .arg("--data")
            .arg(&data)
            .args(["--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let loyal = sizes["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["segment"] == "忠诚老客")
        .unwrap();
    let expected = format!(
        "{} of {} now, in the data file",
        loyal["size"], loyal["evaluated"]
    );
    assert!(
        shown.starts_with("```playbook\nsegment 忠诚老客"),
        "{shown}"
    );
    assert!(shown.ends_with(&expected), "{shown}\nexpected: {expected}");

    // Semantic tokens: the legend's `type` (segments) colours `忠诚老客` where declared.
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    let (mut at_line, mut at_col, mut found) = (0, 0, false);
    for t in data.chunks(5) {
        at_line += t[0];
        at_col = if t[0] == 0 { at_col + t[1] } else { t[1] };
        if (at_line, at_col) == (line, col) {
            assert_eq!((t[2], t[3], t[4]), (4, 5, 1), "length, `type`, declaration");
            found = true;
        }
    }
    assert!(found);
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert!(client.child.wait().unwrap().success());
}

#[test]
fn shell_completions_cover_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = common::bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for sub in [
            "check",
            "run",
            "simulate",
            "diff",
            "lsp",
            "completions",
            "skip-bad-rows",
        ] {
            assert!(script.contains(sub), "{shell} script lacks `{sub}`");
        }
    }
    common::bin().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn diagnostics_come_while_other_requests_keep_coming_and_protocol_slips_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.playbook");
    let text = format!("{HEADER}{RULE}");
    let uri = url::Url::from_file_path(&path).unwrap().to_string();
    let mut client = Client::start();
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "playbook", "version": 1, "text": text}}),
    );
    // A hover every 50 ms for 1.5 s: the diagnostics still come 150 ms after the
    // change, not after the hovers stop.
    let (line, col) = position(&text, "city !=");
    for _ in 0..30 {
        client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col}}),
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        client
            .notifications
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"),
        "no diagnostics while hovering"
    );
    // An unknown request is MethodNotFound.
    client.next_id += 1;
    let id = client.next_id;
    client.send(json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/unknownThing", "params": {"textDocument": {"uri": uri}}}));
    let answer = loop {
        let m = client.receive();
        if m["id"] == json!(id) {
            break m;
        }
    };
    assert_eq!(answer["error"]["code"], -32601);
    // `exit` without `shutdown`: exit code 1, as the protocol says.
    client.notify("exit", Value::Null);
    assert_eq!(client.child.wait().unwrap().code(), Some(1));
}
