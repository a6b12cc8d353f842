//! The one `--json` style of every command.
//!
//! Conventions (README, "JSON output"):
//!
//! 1. One JSON object per run, pretty-printed with two-space indents and a
//!    trailing newline; keys sorted (serde_json's map), so output is
//!    byte-stable.
//! 2. Every object carries `"seqwrap_version"` and `"command"` at the top.
//! 3. Quantities are JSON numbers. Durations are seconds in `*_s` fields.
//! 4. A value that a JSON number (an f64 in most readers) cannot carry
//!    exactly — an integer beyond 2^53, a probability below 1e-308 — is
//!    written twice: `NAME` as the nearest f64 (or `null` where that would
//!    be wrong: an underflow to 0, an overflow), and `NAME_exact` as the
//!    exact decimal or scientific string. `NAME_exact` is present whenever
//!    `NAME` comes from an exact computation, so readers need not guess.
//! 5. Absent values are `null`, never `""`.

use serde::Serialize;
use serde_json::{Map, Value};

use super::exact::Exact;
use crate::error::{Error, Result};

/// The version every document carries.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Wrap a command's result: an object gains `command` and
/// `seqwrap_version`; anything else (an array) is put under `key`.
pub fn document(command: &str, key: &str, body: Value) -> Value {
    let mut m = match body {
        Value::Object(m) => m,
        other => {
            let mut m = Map::new();
            m.insert(key.to_string(), other);
            m
        }
    };
    m.insert("command".into(), Value::from(command));
    m.insert("seqwrap_version".into(), Value::from(VERSION));
    Value::Object(m)
}

/// Serialize any result struct into a [`Value`].
pub fn value<T: Serialize>(t: &T) -> Result<Value> {
    serde_json::to_value(t).map_err(|e| Error::Run(format!("json: {e}")))
}

/// The text of a document: pretty, newline-terminated.
pub fn render(v: &Value) -> String {
    // Serializing a Value cannot fail (no non-string keys, no I/O).
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// The JSON number of an exact text: an integer within ±2^53 as an
/// integer, otherwise the nearest f64, or `null` where no f64 is right.
pub fn number(text: &str) -> Value {
    match Exact::parse(text) {
        Some(e) => match e.small_int {
            Some(i) => Value::from(i),
            None => e.as_f64().map_or(Value::Null, Value::from),
        },
        None => Value::Null,
    }
}

/// Insert `name` (a number) and `name_exact` (the text) for an exact
/// value; `None` gives two `null`s.
pub fn put_exact(m: &mut Map<String, Value>, name: &str, text: Option<&str>) {
    let text = text.filter(|t| !t.is_empty());
    m.insert(name.to_string(), text.map_or(Value::Null, number));
    m.insert(
        format!("{name}_exact"),
        text.map_or(Value::Null, Value::from),
    );
}

/// Apply rule 4 to fields a result struct serializes as strings: each
/// named field of the object `v` holding a string becomes a number plus
/// `NAME_exact`. Fields that are absent or already numbers are left alone.
pub fn promote_exact(v: &mut Value, names: &[&str]) {
    let Value::Object(m) = v else { return };
    for name in names {
        match m.get(*name) {
            Some(Value::String(s)) => {
                let s = s.clone();
                put_exact(m, name, Some(&s));
            }
            Some(Value::Null) => put_exact(m, name, None),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exact_values_become_numbers_with_their_text() {
        let mut v = json!({"p": "2.34645e-344", "n": "9223372034707292161", "c": "2147483648", "z": null, "k": 3});
        promote_exact(&mut v, &["p", "n", "c", "z", "k", "missing"]);
        assert_eq!(v["p"], Value::Null);
        assert_eq!(v["p_exact"], "2.34645e-344");
        assert_eq!(v["n"].as_f64(), Some(9223372034707292161f64));
        assert_eq!(v["n_exact"], "9223372034707292161");
        assert_eq!(v["c"].as_u64(), Some(2147483648));
        assert_eq!(v["z"], Value::Null);
        assert_eq!(v["z_exact"], Value::Null);
        assert_eq!(v["k"], 3);
        assert!(v.get("k_exact").is_none() && v.get("missing").is_none());
    }

    #[test]
    fn documents_carry_version_and_command() {
        let d = document("protocols", "protocols", json!([1, 2]));
        assert_eq!(d["seqwrap_version"], VERSION);
        assert_eq!(d["command"], "protocols");
        assert_eq!(d["protocols"], json!([1, 2]));
        let text = render(&d);
        assert!(text.ends_with("}\n") && text.contains("\n  \"command\""));
    }
}
