//! Typed access to a parsed TOML document that remembers where each key sits.
//!
//! serde's `deny_unknown_fields` would reject unknown keys too, but its
//! messages do not always carry the key and line together; every error
//! here is one line `FILE:LINE: key 'KEY': what is wrong; what is allowed`.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::Error;

/// A source file being read: its name (as the user gave it) and text.
pub(crate) struct SpecSource<'a> {
    /// The file as the user named it.
    pub file: &'a str,
    /// Its text.
    pub text: &'a str,
}

impl SpecSource<'_> {
    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text[..end].bytes().filter(|b| *b == b'\n').count() + 1
    }

    /// A usage error at `span` about `key`.
    pub fn err(&self, span: Range<usize>, key: &str, msg: impl std::fmt::Display) -> Error {
        Error::usage(format!(
            "{}:{}: key '{key}': {msg}",
            self.file,
            self.line(span.start)
        ))
    }
}

/// A value with its span and the dotted key that leads to it.
pub(crate) struct Field<'t, 'i> {
    /// Dotted key (`protocols[2].bits`).
    pub key: String,
    /// The value.
    pub value: &'t Spanned<DeValue<'i>>,
}

impl<'t, 'i> Field<'t, 'i> {
    fn err(&self, src: &SpecSource<'_>, msg: impl std::fmt::Display) -> Error {
        src.err(self.value.span(), &self.key, msg)
    }

    /// A string value.
    pub fn str(&self, src: &SpecSource<'_>) -> Result<&'t str, Error> {
        self.value.get_ref().as_str().ok_or_else(|| {
            self.err(
                src,
                format!(
                    "expected a string, found {}",
                    self.value.get_ref().type_str()
                ),
            )
        })
    }

    /// A non-negative integer in `lo..=hi`.
    pub fn uint(&self, src: &SpecSource<'_>, lo: u64, hi: u64) -> Result<u64, Error> {
        let bad = || self.err(src, format!("expected an integer {lo}..={hi}"));
        let i = self.value.get_ref().as_integer().ok_or_else(bad)?;
        let v = u64::from_str_radix(i.as_str(), i.radix()).map_err(|_| bad())?;
        (lo..=hi).contains(&v).then_some(v).ok_or_else(bad)
    }

    /// A scalar (string, integer or float) as text, for values such as
    /// rates and widths that may be written either way.
    pub fn scalar_text(&self, src: &SpecSource<'_>) -> Result<String, Error> {
        match self.value.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            DeValue::Integer(i) if i.radix() == 10 => Ok(i.as_str().to_string()),
            DeValue::Float(f) => Ok(f.as_str().to_string()),
            other => Err(self.err(
                src,
                format!("expected a string or number, found {}", other.type_str()),
            )),
        }
    }

    /// A non-empty array; each element comes back as a field `key[i]`.
    pub fn array(&self, src: &SpecSource<'_>) -> Result<Vec<Field<'t, 'i>>, Error> {
        let arr = self.value.get_ref().as_array().ok_or_else(|| {
            self.err(
                src,
                format!(
                    "expected an array, found {}",
                    self.value.get_ref().type_str()
                ),
            )
        })?;
        if arr.is_empty() {
            return Err(self.err(src, "empty grid; give at least one value"));
        }
        Ok(arr
            .iter()
            .enumerate()
            .map(|(i, v)| Field {
                key: format!("{}[{i}]", self.key),
                value: v,
            })
            .collect())
    }

    /// A table with any keys: its entries in file order, each a field
    /// `key.NAME`.
    pub fn entries(&self, src: &SpecSource<'_>) -> Result<Vec<(String, Field<'t, 'i>)>, Error> {
        let t = self.value.get_ref().as_table().ok_or_else(|| {
            self.err(
                src,
                format!(
                    "expected a table, found {}",
                    self.value.get_ref().type_str()
                ),
            )
        })?;
        let mut v: Vec<_> = t.iter().collect();
        v.sort_by_key(|(k, _)| k.span().start);
        Ok(v.into_iter()
            .map(|(k, val)| {
                let name = k.get_ref().to_string();
                (
                    name.clone(),
                    Field {
                        key: format!("{}.{name}", self.key),
                        value: val,
                    },
                )
            })
            .collect())
    }

    /// A table, with its keys checked against `allowed`.
    pub fn table(
        &self,
        src: &SpecSource<'_>,
        allowed: &[&str],
    ) -> Result<SpecTable<'t, 'i>, Error> {
        let t = self.value.get_ref().as_table().ok_or_else(|| {
            self.err(
                src,
                format!(
                    "expected a table, found {}",
                    self.value.get_ref().type_str()
                ),
            )
        })?;
        SpecTable::new(src, t, &self.key, allowed)
    }
}

/// A table whose keys have all been checked against a list.
pub(crate) struct SpecTable<'t, 'i> {
    prefix: String,
    table: &'t DeTable<'i>,
    /// Span of the table (for "missing key" errors): its first key, or 0.
    span: Range<usize>,
}

impl<'t, 'i> SpecTable<'t, 'i> {
    /// Check every key of `table` against `allowed`.
    pub fn new(
        src: &SpecSource<'_>,
        table: &'t DeTable<'i>,
        prefix: &str,
        allowed: &[&str],
    ) -> Result<SpecTable<'t, 'i>, Error> {
        let mut span = 0..0;
        let mut first = usize::MAX;
        for (k, _) in table.iter() {
            let name = k.get_ref().as_ref();
            let full = join(prefix, name);
            if !allowed.contains(&name) {
                return Err(src.err(
                    k.span(),
                    &full,
                    format!("unknown key; allowed: {}", allowed.join(", ")),
                ));
            }
            if k.span().start < first {
                first = k.span().start;
                span = k.span();
            }
        }
        Ok(SpecTable {
            prefix: prefix.to_string(),
            table,
            span,
        })
    }

    /// The field `key`, if present.
    pub fn get(&self, key: &str) -> Option<Field<'t, 'i>> {
        self.table.get(key).map(|v| Field {
            key: join(&self.prefix, key),
            value: v,
        })
    }

    /// The field `key`, or an error naming it.
    pub fn need(&self, src: &SpecSource<'_>, key: &str) -> Result<Field<'t, 'i>, Error> {
        self.get(key)
            .ok_or_else(|| src.err(self.span.clone(), &join(&self.prefix, key), "missing"))
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}
