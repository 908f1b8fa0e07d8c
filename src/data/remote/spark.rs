//! A Spark cluster, through Spark Connect, as a [`Warehouse`].
//!
//! Spark Connect is gRPC carrying Spark's protobuf plans and Arrow results. This
//! module does not speak it itself: it drives the official Python client
//! (`pyspark-client`, or `pyspark[connect]`) through a small runner script bundled
//! in the binary (`spark_runner.py`), started as `python3 -c <script>`. The Python
//! client is the reference client, released and versioned with Spark itself; the
//! Rust clients are young, and would add protoc, tonic and Arrow to every build of
//! playbook for the few users who read from Spark.
//!
//! # The runner protocol
//!
//! JSON lines over the child's stdin and stdout. Each request is one object with
//! an `op`: `connect` (`url`, `host`, `port`, `timezone`, `timeout`), `columns`
//! (`name`), `query` (`sql`, `chunk`) and `execute` (`sql`). Each request gets
//! exactly one final line, `{"ok": {...}}` or `{"error": {"kind", "message"}}`
//! (kinds `client`, `connect`, `query`, `protocol`); a query's rows come before it
//! as `{"rows": [[cell, ...], ...]}` lines of at most `chunk` rows, written as the
//! server streams Arrow batches, so neither side holds a whole result. A cell is
//! `null`, a JSON integer (always within i64: the runner refuses others), a JSON
//! float, a string, `{"b": base64}` for bytes or `{"f": "NaN" | "Infinity" |
//! "-Infinity"}`. Booleans arrive as 0 / 1; types the SELECT lists should not
//! produce arrive as text: dates `YYYY-MM-DD`, timestamps as Spark casts them in
//! the session time zone, decimals exactly, arrays, maps and structs as JSON. The
//! connection string, which may hold a token, goes over stdin rather than the
//! command line, where other users could read it.
//!
//! The interpreter is `python3` unless the caller names another
//! ([`SparkConnect::connect_with`]); this module reads no environment variables.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Cell, ColumnInfo, Warehouse};
use crate::data::DataError;
use crate::data::sql::Dialect;
use parse::{
    decode_cell, first_line, parameter_values, parse_url, safe_location, scrub, spark_message,
};

mod parse;

/// The runner, run by the Python interpreter.
const RUNNER: &str = include_str!("spark_runner.py");
/// How long the runner waits for the server's TCP port before giving up; the gRPC
/// client alone would retry for minutes.
const TCP_TIMEOUT_SECS: u64 = 10;
/// How long connecting may take in all (starting Python, importing the client,
/// the first calls), in case something hangs where no timeout reaches.
const CONNECT_WAIT: Duration = Duration::from_secs(45);
/// Rows per line of a query's results.
const CHUNK_ROWS: usize = 1000;
/// How much of the runner's stderr is kept for messages when it dies.
const STDERR_TAIL: usize = 4096;
/// Result lines buffered between the reader thread and the caller: beyond it the
/// runner blocks, so a slow caller slows the stream instead of filling memory.
const LINES_BUFFERED: usize = 8;

/// A Spark Connect session, held by a Python runner process that ends when this is
/// dropped.
pub struct SparkConnect {
    location: String,
    /// The URL's parameter values, kept out of messages (a token among them).
    secrets: Vec<String>,
    version: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<std::io::Result<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_reader: Option<JoinHandle<()>>,
    /// Why the runner can no longer be used (it died, or stopped answering).
    broken: Option<String>,
}

/// What went wrong in one request.
#[derive(Debug, PartialEq)]
enum Failure {
    /// The runner answered with an error.
    Runner { kind: String, message: String },
    /// The runner is gone or unusable.
    Broken(String),
}

/// One line from the runner.
#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    rows: Option<Vec<Vec<Value>>>,
    #[serde(default)]
    ok: Option<Value>,
    #[serde(default)]
    error: Option<RunnerError>,
}

#[derive(Deserialize)]
struct RunnerError {
    kind: String,
    message: String,
}

impl SparkConnect {
    /// Connects to the Spark Connect server at `url` (`sc://host:port`, possibly
    /// with `/;token=…;user_id=…` parameters) through `python3`, and sets the
    /// session time zone to `timezone` (an IANA name).
    pub fn connect(url: &str, timezone: &str) -> Result<SparkConnect, DataError> {
        SparkConnect::connect_with(url, timezone, Path::new("python3"))
    }

    /// [`connect`](Self::connect) with the Python interpreter `python` (a name
    /// looked up on PATH, or a path).
    pub fn connect_with(
        url: &str,
        timezone: &str,
        python: &Path,
    ) -> Result<SparkConnect, DataError> {
        let endpoint = parse_url(url).map_err(|message| DataError::Connect {
            location: safe_location(url),
            message,
        })?;
        let location = endpoint.describe();
        let secrets = parameter_values(url);
        let connect_error = |message: String| DataError::Connect {
            location: location.clone(),
            message: scrub(&message, &secrets),
        };
        let mut spark = spawn(python, location.clone()).map_err(connect_error)?;
        spark.secrets = secrets.clone();
        let request = json!({
            "op": "connect",
            "url": url,
            "host": endpoint.host,
            "port": endpoint.port,
            "timezone": timezone,
            "timeout": TCP_TIMEOUT_SECS,
        });
        match spark.call(&request, Some(CONNECT_WAIT), &mut |_| ()) {
            Ok(ok) => {
                spark.version = ok["version"].as_str().unwrap_or_default().to_string();
                Ok(spark)
            }
            Err(Failure::Runner { kind, message }) if kind == "client" => {
                Err(connect_error(format!(
                    "the Python Spark Connect client is not installed for `{}` ({}): \
                     pip install pyspark-client (or pyspark[connect])",
                    python.display(),
                    first_line(&message)
                )))
            }
            Err(Failure::Runner { message, .. }) => Err(connect_error(spark_message(&message))),
            Err(Failure::Broken(message)) => Err(connect_error(message)),
        }
    }

    /// The server's Spark version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Runs a statement that returns no rows the caller wants — `CREATE TEMP VIEW`,
    /// `INSERT`, `SET` — for loading test data and administrative statements.
    /// Reading goes through [`Warehouse::query`].
    pub fn execute(&mut self, sql: &str) -> Result<(), DataError> {
        let request = json!({"op": "execute", "sql": sql});
        let result = self.call(&request, None, &mut |_| ());
        result
            .map(|_| ())
            .map_err(|failure| self.query_error(failure))
    }

    fn query_error(&self, failure: Failure) -> DataError {
        let message = match failure {
            Failure::Runner { message, .. } => spark_message(&message),
            Failure::Broken(message) => message,
        };
        DataError::Query {
            location: self.location.clone(),
            message: scrub(&message, &self.secrets),
        }
    }

    /// Sends `request` and reads lines until its final one, passing row chunks to
    /// `rows`; `wait` bounds the whole exchange.
    fn call(
        &mut self,
        request: &Value,
        wait: Option<Duration>,
        rows: &mut dyn FnMut(Vec<Vec<Value>>),
    ) -> Result<Value, Failure> {
        if let Some(why) = &self.broken {
            return Err(Failure::Broken(why.clone()));
        }
        let sent = match &mut self.stdin {
            Some(stdin) => writeln!(stdin, "{request}").and_then(|()| stdin.flush()),
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        };
        if sent.is_err() {
            return Err(self.break_off("the Spark Connect runner exited"));
        }
        let deadline = wait.map(|wait| Instant::now() + wait);
        loop {
            let line = match deadline {
                None => self
                    .lines
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
                Some(at) => self
                    .lines
                    .recv_timeout(at.saturating_duration_since(Instant::now())),
            };
            let line = match line {
                Ok(Ok(line)) => line,
                Ok(Err(e)) => {
                    return Err(self.break_off(&format!("reading from the runner failed: {e}")));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(self.break_off("the Spark Connect runner exited"));
                }
                Err(RecvTimeoutError::Timeout) => {
                    let secs = wait.map_or(0, |w| w.as_secs());
                    return Err(self.break_off(&format!(
                        "no answer from the Spark Connect client within {secs} s"
                    )));
                }
            };
            let reply: Reply = match serde_json::from_slice(&line) {
                Ok(reply) => reply,
                Err(e) => {
                    return Err(self.break_off(&format!("the runner wrote a bad line ({e})")));
                }
            };
            if let Some(chunk) = reply.rows {
                rows(chunk);
            } else if let Some(ok) = reply.ok {
                return Ok(ok);
            } else if let Some(RunnerError { kind, message }) = reply.error {
                return Err(Failure::Runner { kind, message });
            }
        }
    }

    /// Ends an unusable runner: the message says why, with the end of its stderr.
    fn break_off(&mut self, why: &str) -> Failure {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let status = self.child.wait().ok();
        // The stderr reader ends with the process; give it a moment to catch up.
        let until = Instant::now() + Duration::from_millis(300);
        while self
            .stderr_reader
            .as_ref()
            .is_some_and(|r| !r.is_finished())
        {
            if Instant::now() > until {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let mut message = why.to_string();
        if let Some(code) = status.and_then(|s| s.code()) {
            message.push_str(&format!(" (exit status {code})"));
        }
        let tail = match self.stderr.lock() {
            Ok(tail) => String::from_utf8_lossy(&tail).into_owned(),
            Err(_) => String::new(),
        };
        let tail: Vec<&str> = tail.lines().filter(|l| !l.trim().is_empty()).collect();
        if !tail.is_empty() {
            message.push_str(": ");
            message.push_str(&tail[tail.len().saturating_sub(3)..].join("\n"));
        }
        self.broken = Some(message.clone());
        Failure::Broken(message)
    }
}

/// Starts the runner, with threads reading its stdout (lines, into a bounded
/// channel) and its stderr (the last few KB, for messages).
fn spawn(python: &Path, location: String) -> Result<SparkConnect, String> {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(RUNNER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "`{}` not found: Spark is read through the Python Spark Connect client; \
                 install Python 3, then pip install pyspark-client (or pyspark[connect])",
                python.display()
            ),
            _ => format!("cannot start `{}`: {e}", python.display()),
        })?;
    let (Some(stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err("the runner's pipes were not opened".into());
    };
    let (send, lines) = sync_channel(LINES_BUFFERED);
    let reader = thread::Builder::new()
        .name("spark-runner-out".into())
        .spawn(move || {
            let mut stdout = BufReader::with_capacity(1 << 16, stdout);
            loop {
                let mut line = Vec::new();
                match stdout.read_until(b'\n', &mut line) {
                    Ok(0) => break,
                    Ok(_) => {
                        if send.send(Ok(line)).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        let _ = send.send(Err(e));
                        break;
                    }
                }
            }
        });
    let tail = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&tail);
    let stderr_reader = thread::Builder::new()
        .name("spark-runner-err".into())
        .spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buf) {
                if let Ok(mut kept) = kept.lock() {
                    kept.extend_from_slice(&buf[..n]);
                    let excess = kept.len().saturating_sub(STDERR_TAIL);
                    kept.drain(..excess);
                }
            }
        });
    let (Ok(_), Ok(stderr_reader)) = (reader, stderr_reader) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err("cannot start a thread to read the runner".into());
    };
    Ok(SparkConnect {
        location,
        secrets: Vec::new(),
        version: String::new(),
        stdin: child.stdin.take(),
        child,
        lines,
        stderr: tail,
        stderr_reader: Some(stderr_reader),
        broken: None,
    })
}

impl Warehouse for SparkConnect {
    fn dialect(&self) -> Dialect {
        Dialect::Spark
    }

    fn describe(&self) -> String {
        self.location.clone()
    }

    fn columns(&mut self, name: &str) -> Result<Option<Vec<ColumnInfo>>, DataError> {
        let request = json!({"op": "columns", "name": name});
        let ok = self
            .call(&request, None, &mut |_| ())
            .map_err(|failure| self.query_error(failure))?;
        let Some(columns) = ok["columns"].as_array() else {
            return Ok(None);
        };
        let columns = columns
            .iter()
            .map(|pair| match (pair[0].as_str(), pair[1].as_str()) {
                (Some(name), Some(type_name)) => Some(ColumnInfo {
                    name: name.to_string(),
                    type_name: type_name.to_string(),
                }),
                _ => None,
            })
            .collect::<Option<Vec<_>>>();
        columns.map(Some).ok_or_else(|| DataError::Query {
            location: self.location.clone(),
            message: format!("the runner described the columns of {name} oddly: {ok}"),
        })
    }

    fn query(&mut self, sql: &str, visit: &mut dyn FnMut(&[Cell])) -> Result<u64, DataError> {
        let request = json!({"op": "query", "sql": sql, "chunk": CHUNK_ROWS});
        let mut count = 0u64;
        let mut cells = Vec::new();
        // After a value that cannot be decoded the rest of the stream is read and
        // dropped, so the runner stays in step for the next request.
        let mut bad: Option<String> = None;
        let result = self.call(&request, None, &mut |chunk| {
            for row in &chunk {
                if bad.is_some() {
                    return;
                }
                cells.clear();
                for value in row {
                    match decode_cell(value) {
                        Ok(cell) => cells.push(cell),
                        Err(e) => {
                            bad = Some(format!("row {}: {e}", count + 1));
                            return;
                        }
                    }
                }
                visit(&cells);
                count += 1;
            }
        });
        result.map_err(|failure| self.query_error(failure))?;
        match bad {
            Some(message) => Err(DataError::Query {
                location: self.location.clone(),
                message,
            }),
            None => Ok(count),
        }
    }
}

impl Drop for SparkConnect {
    fn drop(&mut self) {
        // End of input: the runner releases its server session and exits. It gets
        // a moment for that, then is killed (the server may be gone).
        drop(self.stdin.take());
        if self.broken.is_none() {
            let until = Instant::now() + Duration::from_secs(2);
            while let Ok(None) = self.child.try_wait() {
                if Instant::now() > until {
                    break;
                }
                thread::sleep(Duration::from_millis(10));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
