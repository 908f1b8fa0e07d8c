//! The pure parts of the Spark Connect warehouse: its URL, the runner's cells and
//! what to show of Spark's error messages.

use serde_json::Value;

use crate::data::remote::Cell;

/// Spark Connect's port when the URL names none.
const DEFAULT_PORT: u16 = 15002;

/// The host and port of an `sc://` URL.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Endpoint {
    pub(super) host: String,
    pub(super) port: u16,
}

impl Endpoint {
    /// `sc://host:port`: the parameters are left out, since besides `token` any
    /// of them may be a header carrying a secret.
    pub(super) fn describe(&self) -> String {
        if self.host.contains(':') {
            format!("sc://[{}]:{}", self.host, self.port)
        } else {
            format!("sc://{}:{}", self.host, self.port)
        }
    }
}

/// Parses `sc://host[:port][/;key=value…]`; the parameters are left to the client.
pub(super) fn parse_url(url: &str) -> Result<Endpoint, String> {
    let Some(rest) = url.strip_prefix("sc://") else {
        return Err("a Spark Connect URL starts with sc:// (sc://host:15002)".into());
    };
    let authority = rest.split(['/', ';']).next().unwrap_or_default();
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err("an IPv6 address in the URL lacks its closing ]".into());
        };
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("the URL names no host (sc://host:15002)".into());
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(port) => match port.parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => return Err(format!("`{port}` is not a port number")),
        },
    };
    Ok(Endpoint {
        host: host.to_string(),
        port,
    })
}

/// The URL up to its parameters, for messages about a URL that does not parse.
pub(super) fn safe_location(url: &str) -> String {
    let body = url.split_once("://").map_or(url, |(_, body)| body);
    let end = body.find(['/', ';', '@']).unwrap_or(body.len());
    let keep = url.len() - body.len() + end;
    url[..keep].to_string()
}

/// The values of the URL's `;key=value` parameters that may be secret: the
/// token, and any the client sends as a header; not the client's own settings.
pub(super) fn parameter_values(url: &str) -> Vec<String> {
    const PLAIN: [&str; 4] = ["use_ssl", "user_id", "user_agent", "session_id"];
    url.split(';')
        .skip(1)
        .filter_map(|param| param.split_once('='))
        .filter(|(key, value)| {
            !value.is_empty() && !PLAIN.contains(key) && !key.starts_with("grpc_")
        })
        .map(|(_, value)| value.to_string())
        .collect()
}

/// `message` with every one of `secrets` blanked out.
pub(super) fn scrub(message: &str, secrets: &[String]) -> String {
    secrets.iter().fold(message.to_string(), |message, secret| {
        message.replace(secret.as_str(), "…")
    })
}

/// One cell of the wire format.
pub(super) fn decode_cell(value: &Value) -> Result<Cell, String> {
    Ok(match value {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Int(i64::from(*b)),
        Value::String(s) => Cell::Text(s.clone()),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Cell::Int(i),
            (None, _) if n.is_u64() => {
                return Err(format!("the integer {n} does not fit in 64 bits"));
            }
            (None, Some(f)) => Cell::Real(f),
            (None, None) => return Err(format!("the number {n} cannot be read")),
        },
        Value::Object(map) => match (map.get("b"), map.get("f")) {
            (Some(Value::String(b)), None) => {
                Cell::Blob(base64_decode(b).ok_or_else(|| format!("bad base64 bytes {b:?}"))?)
            }
            (None, Some(Value::String(f))) => match f.as_str() {
                "NaN" => Cell::Real(f64::NAN),
                "Infinity" => Cell::Real(f64::INFINITY),
                "-Infinity" => Cell::Real(f64::NEG_INFINITY),
                _ => return Err(format!("unknown float {f:?}")),
            },
            _ => return Err(format!("unknown cell {value}")),
        },
        Value::Array(_) => return Err(format!("unexpected array {value}")),
    })
}

/// Standard base64 with padding, as Python's `base64.b64encode` writes it.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (i, quad) in bytes.chunks(4).enumerate() {
        let last = i + 1 == bytes.len() / 4;
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &quad[..4 - pad] {
            n = (n << 6) | sextet(c)?;
        }
        n <<= 6 * pad as u32;
        let three = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&three[..3 - pad]);
    }
    Some(out)
}

/// The first line of `text`.
pub(super) fn first_line(text: &str) -> &str {
    text.trim().lines().next().unwrap_or_default()
}

/// What to show of a Spark error: its first paragraph, without the JVM stack
/// trace or the `== SQL ==` excerpt (which repeats a possibly long query).
pub(super) fn spark_message(text: &str) -> String {
    let text = text.split("JVM stacktrace:").next().unwrap_or_default();
    let lines: Vec<&str> = text
        .trim_start()
        .lines()
        .take_while(|line| !line.trim().is_empty() && !line.starts_with("== SQL"))
        // A failed task's message carries the executor's Java stack inline.
        .take_while(|line| !line.trim_start().starts_with("at java.") && !line.starts_with('\t'))
        .take(4)
        .collect();
    match lines.is_empty() {
        true => first_line(text).to_string(),
        false => lines.join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn urls() {
        let e = |host: &str, port| {
            Ok(Endpoint {
                host: host.into(),
                port,
            })
        };
        assert_eq!(parse_url("sc://localhost"), e("localhost", 15002));
        assert_eq!(
            parse_url("sc://spark.internal:443"),
            e("spark.internal", 443)
        );
        assert_eq!(
            parse_url("sc://h:15002/;token=abc;user_id=me"),
            e("h", 15002)
        );
        assert_eq!(parse_url("sc://h/;use_ssl=true"), e("h", 15002));
        assert_eq!(parse_url("sc://[::1]:15003"), e("::1", 15003));
        assert!(parse_url("http://h:15002").is_err());
        assert!(parse_url("sc://:15002").is_err());
        assert!(parse_url("sc://h:99999").is_err());
        assert!(parse_url("sc://h:0").is_err());
        assert!(parse_url("sc://[::1").is_err());
        assert_eq!(
            parse_url("sc://[::1]:15003").map(|e| e.describe()),
            Ok("sc://[::1]:15003".to_string())
        );
    }

    #[test]
    fn locations_hide_parameters() {
        assert_eq!(safe_location("sc://h:x/;token=secret"), "sc://h:x");
        assert_eq!(safe_location("sc://h;token=secret"), "sc://h");
        assert_eq!(safe_location("http://u:pw@h"), "http://u:pw");
        assert_eq!(
            parse_url("sc://h:1/;token=secret").map(|e| e.describe()),
            Ok("sc://h:1".to_string())
        );
        let secrets = parameter_values("sc://h:1/;token=s3cret;user_id=me;x=;x-api-key=k3y");
        assert_eq!(secrets, ["s3cret", "k3y"]);
        assert_eq!(
            scrub("sc://h:1/;token=s3cret failed", &secrets),
            "sc://h:1/;token=… failed"
        );
    }

    #[test]
    fn cells() {
        let line = r#"{"rows":[[9223372036854775807,-9223372036854775808,1.5,1e300,null,"中文",{"b":"AP8="},{"f":"NaN"},{"f":"-Infinity"},true,"",{"b":""}]]}"#;
        let reply: Value = serde_json::from_str(line).unwrap();
        let row: Vec<Cell> = reply["rows"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| decode_cell(v).unwrap())
            .collect();
        assert_eq!(row[0], Cell::Int(i64::MAX));
        assert_eq!(row[1], Cell::Int(i64::MIN));
        assert_eq!(row[2], Cell::Real(1.5));
        assert_eq!(row[3], Cell::Real(1e300));
        assert_eq!(row[4], Cell::Null);
        assert_eq!(row[5], Cell::Text("中文".into()));
        assert_eq!(row[6], Cell::Blob(vec![0, 255]));
        assert!(matches!(row[7], Cell::Real(f) if f.is_nan()));
        assert_eq!(row[8], Cell::Real(f64::NEG_INFINITY));
        assert_eq!(row[9], Cell::Int(1));
        assert_eq!(row[10], Cell::Text(String::new()));
        assert_eq!(row[11], Cell::Blob(Vec::new()));
        // A whole number stays one: 2.0 is a float, 2 an integer.
        let v: Value = serde_json::from_str("[2.0, 2]").unwrap();
        assert_eq!(decode_cell(&v[0]), Ok(Cell::Real(2.0)));
        assert_eq!(decode_cell(&v[1]), Ok(Cell::Int(2)));
        let big: Value = serde_json::from_str("9223372036854775808").unwrap();
        assert!(decode_cell(&big).unwrap_err().contains("64 bits"));
        assert!(decode_cell(&json!([1])).is_err());
        assert!(decode_cell(&json!({"b": "A"})).is_err());
        assert!(decode_cell(&json!({"x": 1})).is_err());
    }

    #[test]
    fn base64() {
        let cases: [(&str, &[u8]); 5] = [
            ("", b""),
            ("Zg==", b"f"),
            ("Zm8=", b"fo"),
            ("Zm9v", b"foo"),
            ("AP/+7Q==", &[0, 255, 254, 237]),
        ];
        for (text, bytes) in cases {
            assert_eq!(base64_decode(text).as_deref(), Some(bytes), "{text}");
        }
        for bad in ["Zg", "Zg=a", "Z===", "Zg==Zm9v", "Zm9*"] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
    }

    #[test]
    pub(super) fn spark_messages_lose_stack_traces_and_sql() {
        let parse = "\n[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'. SQLSTATE: 42601 \
                     (line 1, pos 0)\n\n== SQL ==\nSELEC 1\n^^^\n\n\nJVM stacktrace:\n\
                     org.apache.spark.sql.catalyst.parser.ParseException\n\tat x(y.scala:1)";
        assert_eq!(
            spark_message(parse),
            "[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'. SQLSTATE: 42601 (line 1, pos 0)"
        );
        let divide = "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012\n== SQL (line 1, \
                      position 8) ==\nSELECT 1/0\n       ^^^\n\n\nJVM stacktrace:\nat x";
        assert_eq!(
            spark_message(divide),
            "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012"
        );
        assert_eq!(spark_message("plain"), "plain");
        let task = "INTERNAL: Job aborted due to stage failure: java.io.IOException: No space \
                    left on device\n\tat java.base/java.io.FileOutputStream.writeBytes(Native Method)";
        assert_eq!(
            spark_message(task),
            "INTERNAL: Job aborted due to stage failure: java.io.IOException: No space left on device"
        );
    }
}
