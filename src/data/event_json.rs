//! An event's `data` column, read strictly. Plain JSON parsing would hide two
//! mistakes: a key given twice keeps only its last value, and an integer too large
//! for 64 bits turns into a rounded floating-point number. Here the first is an
//! error naming the key, and the second keeps its digits so it is reported (or, for
//! a `decimal` field, read) as written.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value as Json;
use serde_json::value::RawValue;

/// One top-level value of `data`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DataValue {
    /// Any JSON value that reads as itself.
    Json(Json),
    /// An integer literal outside the 64-bit range, as written (`100000000000000000000`).
    BigInt(String),
}

/// The fields of an event's `data` object, by key (a fast hasher, seeded per map:
/// events are many and their keys few).
pub(crate) type EventData = HashMap<String, DataValue, foldhash::fast::RandomState>;

/// Why `data` could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DataError {
    /// Not JSON, or JSON that is not an object: the message says which.
    Invalid(String),
    /// A key that appears more than once.
    DuplicateKey(String),
}

/// Reads `data` as a JSON object of unique keys.
pub(crate) fn parse(text: &[u8]) -> Result<EventData, DataError> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let object = de
        .deserialize_any(Object)
        .map_err(|e| DataError::Invalid(format!("invalid JSON: {e}")))?;
    de.end()
        .map_err(|e| DataError::Invalid(format!("invalid JSON: {e}")))?;
    let entries = object?;
    let mut data = EventData::with_capacity_and_hasher(entries.len(), Default::default());
    for (key, raw) in entries {
        let value = value(raw.get())?;
        if data.insert(key.clone(), value).is_some() {
            return Err(DataError::DuplicateKey(key));
        }
    }
    Ok(data)
}

/// A value from its JSON text: an integer literal that does not fit in 64 bits keeps
/// its digits.
fn value(text: &str) -> Result<DataValue, DataError> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let integer = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    if integer && text.parse::<i64>().is_err() {
        return Ok(DataValue::BigInt(text.to_owned()));
    }
    // The common case, a plain non-negative integer (JSON allows no leading zero),
    // without parsing it a second time.
    if integer
        && digits.len() == text.len()
        && (text == "0" || !text.starts_with('0'))
        && let Ok(n) = text.parse::<i64>()
    {
        return Ok(DataValue::Json(Json::from(n)));
    }
    serde_json::from_str(text)
        .map(DataValue::Json)
        .map_err(|e| DataError::Invalid(format!("invalid JSON: {e}")))
}

/// The top-level visitor: an object's entries with their values' text, or the
/// problem when `data` is some other JSON value.
struct Object;

type Entries<'de> = Vec<(String, &'de RawValue)>;

impl<'de> Visitor<'de> for Object {
    type Value = Result<Entries<'de>, DataError>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let raw: &'de RawValue = map.next_value()?;
            entries.push((key, raw));
        }
        Ok(Ok(entries))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(not_an_object())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(not_an_object())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(not_an_object())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(not_an_object())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(not_an_object())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(not_an_object())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(not_an_object())
    }
}

fn not_an_object<'de>() -> Result<Entries<'de>, DataError> {
    Err(DataError::Invalid("data is not a JSON object".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_object() {
        let data = parse(br#"{"amount": 1250, "tags": ["a"], "note": null}"#).unwrap();
        assert_eq!(data["amount"], DataValue::Json(Json::from(1250)));
        assert_eq!(data["note"], DataValue::Json(Json::Null));
        assert_eq!(data.len(), 3);
    }

    #[test]
    fn a_key_given_twice_is_an_error() {
        assert_eq!(
            parse(br#"{"amount": 1, "amount": 2}"#),
            Err(DataError::DuplicateKey("amount".into()))
        );
        assert_eq!(
            parse(br#"{"a\u0062": 1, "ab": 2}"#),
            Err(DataError::DuplicateKey("ab".into())),
            "keys are compared after unescaping"
        );
    }

    #[test]
    fn an_integer_past_64_bits_keeps_its_digits() {
        let data = parse(br#"{"a": 100000000000000000000, "b": -9223372036854775809, "c": 9223372036854775807, "d": 1e20}"#).unwrap();
        assert_eq!(data["a"], DataValue::BigInt("100000000000000000000".into()));
        assert_eq!(data["b"], DataValue::BigInt("-9223372036854775809".into()));
        assert_eq!(data["c"], DataValue::Json(Json::from(i64::MAX)));
        assert!(matches!(data["d"], DataValue::Json(Json::Number(_))));
    }

    #[test]
    fn integers_read_as_json_reads_them() {
        for text in ["0", "7", "1250", "9223372036854775807", "-0", "-5"] {
            let data = parse(format!("{{\"a\": {text}}}").as_bytes()).unwrap();
            let json: Json = serde_json::from_str(text).unwrap();
            assert_eq!(data["a"], DataValue::Json(json), "{text}");
        }
        assert!(matches!(parse(br#"{"a": 01}"#), Err(DataError::Invalid(_))));
    }

    #[test]
    fn other_json_is_not_an_object() {
        assert_eq!(
            parse(b"[1, 2]"),
            Err(DataError::Invalid("data is not a JSON object".into()))
        );
        assert!(
            matches!(parse(b"{\"a\": }"), Err(DataError::Invalid(m)) if m.starts_with("invalid JSON"))
        );
        assert!(matches!(parse(b"{} x"), Err(DataError::Invalid(_))));
    }
}
