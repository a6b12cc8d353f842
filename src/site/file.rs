//! Reading a site or hold file: TOML keys with their positions, so every
//! error is one line `FILE:LINE:COL: what is wrong; what is allowed`, as for
//! protocols (DESIGN §1.6).

use std::collections::BTreeMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::{Error, Result};
use crate::protocol::source::{SourceFile, TomlValue};

/// A string and the file offset it starts at.
#[derive(Clone, Debug)]
pub struct Position {
    /// The text.
    pub text: String,
    /// File offset.
    pub at: usize,
}

/// The file and its parsed top table.
pub struct Doc<'a> {
    file: SourceFile,
    top: Spanned<DeTable<'a>>,
}

impl<'a> Doc<'a> {
    /// Parse `text` (named `path` in messages) as TOML.
    pub fn parse(path: &str, text: &'a str) -> Result<Doc<'a>> {
        let file = SourceFile {
            name: path.to_string(),
            text: text.to_string(),
        };
        let top = DeTable::parse(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            file.error(at, format!("not valid TOML: {}", e.message()))
        })?;
        Ok(Doc { file, top })
    }

    /// Its keys.
    pub fn reader(&self) -> SiteReader<'_, 'a> {
        SiteReader {
            file: &self.file,
            top: self.top.get_ref(),
        }
    }
}

/// The value `text` names in `table`, or the message `WHAT 'text':
/// allowed: ...` (for a file key or a command-line flag alike).
pub fn lookup<T: Copy>(
    what: &str,
    text: &str,
    table: &[(&str, T)],
) -> std::result::Result<T, String> {
    table
        .iter()
        .find(|(n, _)| *n == text.trim())
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            format!(
                "{what} '{text}': allowed: {}",
                table.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )
        })
}

/// Typed access to the top table's keys, each error at its position.
pub struct SiteReader<'d, 'a> {
    file: &'d SourceFile,
    top: &'d DeTable<'a>,
}

impl SiteReader<'_, '_> {
    /// An error at a file offset.
    pub fn err_at(&self, at: usize, msg: impl std::fmt::Display) -> Error {
        self.file.error(at, msg)
    }

    /// An error at a key's value (or the file's start if it is missing).
    pub fn err_key(&self, key: &str, msg: impl std::fmt::Display) -> Error {
        let at = self.top.get(key).map_or(0, |v| v.span().start);
        self.file.error(at, msg)
    }

    /// Refuse any key not in `allowed`.
    pub fn only_keys(&self, allowed: &[&str]) -> Result<()> {
        let mut keys: Vec<_> = self.top.iter().collect();
        keys.sort_by_key(|(k, _)| k.span().start);
        for (k, _) in keys {
            if !allowed.contains(&k.get_ref().as_ref()) {
                return Err(self.file.error(
                    k.span().start,
                    format!(
                        "unknown key '{}'; allowed: {}",
                        k.get_ref(),
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn need(&self, key: &str) -> Result<&TomlValue<'_>> {
        self.top
            .get(key)
            .ok_or_else(|| self.file.error(0, format!("missing key '{key}'")))
    }

    fn as_string(&self, v: &TomlValue<'_>, key: &str) -> Result<Position> {
        match v.get_ref() {
            DeValue::String(s) => Ok(Position {
                text: s.to_string(),
                at: v.span().start,
            }),
            other => Err(self.file.error(
                v.span().start,
                format!("'{key}' must be a string, found {}", other.type_str()),
            )),
        }
    }

    /// A required string.
    pub fn string(&self, key: &str) -> Result<Position> {
        let s = self.as_string(self.need(key)?, key)?;
        if s.text.trim().is_empty() {
            return Err(self.file.error(s.at, format!("'{key}' is empty")));
        }
        Ok(s)
    }

    /// An optional string.
    pub fn string_opt(&self, key: &str) -> Result<Option<Position>> {
        self.top
            .get(key)
            .map(|v| self.as_string(v, key))
            .transpose()
    }

    /// A required name: letters, digits, `-`, `_`.
    pub fn name(&self, key: &str) -> Result<String> {
        let s = self.string(key)?;
        let ok = s
            .text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(self.file.error(
                s.at,
                format!("{key} '{}': allowed: letters, digits, '-', '_'", s.text),
            ));
        }
        Ok(s.text)
    }

    fn array_items(&self, key: &str) -> Result<Option<Vec<Position>>> {
        let Some(v) = self.top.get(key) else {
            return Ok(None);
        };
        let arr = v.get_ref().as_array().ok_or_else(|| {
            self.file.error(
                v.span().start,
                format!("'{key}' must be an array of strings"),
            )
        })?;
        arr.iter()
            .map(|item| self.as_string(item, key))
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// A required array of strings.
    pub fn string_array(&self, key: &str) -> Result<Vec<String>> {
        self.need(key)?;
        self.string_array_opt(key)
    }

    /// An optional array of strings (empty when absent).
    pub fn string_array_opt(&self, key: &str) -> Result<Vec<String>> {
        Ok(self
            .array_items(key)?
            .unwrap_or_default()
            .into_iter()
            .map(|a| a.text)
            .collect())
    }

    /// A required array of names from `table`, each checked.
    pub fn enum_array<T: Copy>(&self, key: &str, table: &[(&str, T)]) -> Result<Vec<T>> {
        self.need(key)?;
        self.array_items(key)?
            .unwrap_or_default()
            .iter()
            .map(|item| lookup(key, &item.text, table).map_err(|m| self.file.error(item.at, m)))
            .collect()
    }

    /// A required name from `table`.
    pub fn enum_one<T: Copy>(&self, key: &str, table: &[(&str, T)]) -> Result<T> {
        let s = self.string(key)?;
        lookup(key, &s.text, table).map_err(|m| self.file.error(s.at, m))
    }

    /// An optional table of strings or integers, as strings.
    pub fn string_table_opt(&self, key: &str) -> Result<BTreeMap<String, Position>> {
        let mut out = BTreeMap::new();
        let Some(v) = self.top.get(key) else {
            return Ok(out);
        };
        let t = v.get_ref().as_table().ok_or_else(|| {
            self.file
                .error(v.span().start, format!("'{key}' must be a table"))
        })?;
        for (k, val) in t.iter() {
            let text = match val.get_ref() {
                DeValue::String(s) => s.to_string(),
                DeValue::Integer(i) => i.as_str().to_string(),
                other => {
                    return Err(self.file.error(
                        val.span().start,
                        format!(
                            "'{key}.{}' must be a string or an integer, found {}",
                            k.get_ref(),
                            other.type_str()
                        ),
                    ));
                }
            };
            out.insert(
                k.get_ref().to_string(),
                Position {
                    text,
                    at: val.span().start,
                },
            );
        }
        Ok(out)
    }

    /// A required boolean.
    pub fn bool(&self, key: &str) -> Result<bool> {
        let v = self.need(key)?;
        v.get_ref().as_bool().ok_or_else(|| {
            self.file
                .error(v.span().start, format!("'{key}' must be true or false"))
        })
    }
}
