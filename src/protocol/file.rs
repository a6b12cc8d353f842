//! Reading a protocol file (TOML) into a [`ProtocolFile`]: names,
//! parameters, words and the two bodies as text with their positions. The
//! bodies are parsed and compiled per instantiation ([`super::compile`]).
//!
//! ```toml
//! name   = "plain"
//! about  = "one W-bit counter, +1 at lock and unlock"
//! source = "where the code comes from"
//! [params]                    # integers with defaults; --param NAME=VALUE
//! W = { default = 32, min = 2, max = 64 }
//! [words]                     # shared words: name = width (integer or expression)
//! seq = "W"
//! writer = """ ... """
//! reader = """ ... """
//! ```
//!
//! Optional: `constraints = ["H + L <= 64"]` (expressions over params that
//! must hold), `[expect]` (`sc = "1 << (W - 1)"`: the closed-form minimal
//! cycles a catalog entry claims, 0 for "no false positive at all", checked
//! by the tests against both explorer modes), `[costs] note = "..."` (what
//! the protocol cannot show: a locked read, a tree-wide change).

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::source::{BodyMap, SourceFile, TomlValue};
use crate::error::{Error, Result};
use crate::memory::Model;

/// A string from the file with the map back to its position.
#[derive(Clone, Debug)]
pub struct Located {
    /// The string's value.
    pub text: String,
    /// Body offset -> file offset.
    pub map: BodyMap,
    /// File offset of the value.
    pub at: usize,
}

/// A parameter's default.
#[derive(Clone, Debug)]
pub enum ParamDefault {
    /// An integer.
    Int(i128),
    /// A choice name, a preset name or an expression over earlier params.
    Text(Located),
}

/// One `[params]` entry.
#[derive(Clone, Debug)]
pub struct ParamDecl {
    /// Its name (also the name bodies use).
    pub name: String,
    /// File offset of the key.
    pub at: usize,
    /// The default value.
    pub default: ParamDefault,
    /// Smallest allowed value.
    pub min: Option<i128>,
    /// Largest allowed value.
    pub max: Option<i128>,
    /// Named choices; the value is the index. Each choice is also a constant
    /// bodies may compare with (`hi-lo-hi` -> `HI_LO_HI`).
    pub choices: Vec<String>,
    /// Named values (`max-safe = "(1 << (W - 1)) - 1"`).
    pub presets: Vec<(String, Located)>,
    /// One line for `seqwrap protocols --show`.
    pub about: String,
    /// Whether `pick` tries every value (choices, on/off barriers) as an
    /// option; `pick = false` keeps the default (a superseded form kept
    /// reachable, not a fix).
    pub pick: bool,
}

/// One `[words]` entry.
#[derive(Clone, Debug)]
pub struct WordDecl {
    /// Its name: a C identifier, or a member path as the kernel writes it
    /// (`mm->mm_lock_seq`), which the bodies name as written.
    pub name: String,
    /// Width: an integer or an expression over params (a type's width
    /// when the entry names a type and no `bits`).
    pub width: Located,
    /// The C type the entry names (`seqcount_t`), if it names one.
    pub ty: Option<String>,
}

/// The C types a word may be declared as, with their width in bits. `long`
/// and `atomic_long_t` are read as on a 64-bit kernel (LP64); a 32-bit one
/// says `{ type = "atomic_long_t", bits = 32 }`. `seqcount_t` holds an
/// `unsigned sequence` on every architecture (`include/linux/
/// seqlock_types.h`); `atomic_t` is an `int`, `atomic64_t` an `s64`
/// (`include/linux/types.h`).
pub const WORD_TYPES: &[(&str, u32)] = &[
    ("u8", 8),
    ("s8", 8),
    ("unsigned char", 8),
    ("char", 8),
    ("u16", 16),
    ("s16", 16),
    ("unsigned short", 16),
    ("short", 16),
    ("u32", 32),
    ("s32", 32),
    ("unsigned", 32),
    ("unsigned int", 32),
    ("int", 32),
    ("u64", 64),
    ("s64", 64),
    ("unsigned long long", 64),
    ("long long", 64),
    ("unsigned long", 64),
    ("long", 64),
    ("seqcount_t", 32),
    ("seqcount_latch_t", 32),
    ("seqcount_spinlock_t", 32),
    ("seqcount_raw_spinlock_t", 32),
    ("seqcount_rwlock_t", 32),
    ("seqcount_mutex_t", 32),
    ("atomic_t", 32),
    ("atomic64_t", 64),
    ("atomic_long_t", 64),
];

/// A type's width, its spelling's spaces normalised.
pub fn type_bits(ty: &str) -> Option<u32> {
    let t = ty.split_whitespace().collect::<Vec<_>>().join(" ");
    WORD_TYPES.iter().find(|(n, _)| *n == t).map(|(_, b)| *b)
}

/// A parsed protocol file.
#[derive(Clone, Debug)]
pub struct ProtocolFile {
    /// The file.
    pub raw: SourceFile,
    /// `name`.
    pub name: String,
    /// `about`: one line.
    pub about: String,
    /// `source`: where the code comes from.
    pub source: String,
    /// `[params]` in file order.
    pub params: Vec<ParamDecl>,
    /// `[words]` in file order.
    pub words: Vec<WordDecl>,
    /// `constraints`.
    pub constraints: Vec<Located>,
    /// `[expect]`: memory model name -> closed-form minimal cycles.
    pub expect: Vec<(String, Located)>,
    /// `[costs] note`: what the protocol cannot show.
    pub cost_note: Option<String>,
    /// The writer's body.
    pub writer: Located,
    /// The reader's body.
    pub reader: Located,
}

const TOP_KEYS: &[&str] = &[
    "name",
    "about",
    "source",
    "params",
    "words",
    "constraints",
    "expect",
    "costs",
    "writer",
    "reader",
];
/// The two bodies and the constraints. TOML puts keys written after a `[table]` header into
/// that table, so `writer = """..."""` after `[words]` (as DESIGN.md's
/// example writes it) is `words.writer`: the bodies are looked up at the
/// top level and then in the protocol's tables.
const BODIES: &[&str] = &["writer", "reader", "constraints"];

/// A table's entries in file order (the parser's map may sort them).
fn in_order<'t, 'i>(
    t: &'t DeTable<'i>,
) -> Vec<(&'t Spanned<std::borrow::Cow<'i, str>>, &'t TomlValue<'i>)> {
    let mut v: Vec<_> = t.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

fn body<'t, 'i>(top: &'t DeTable<'i>, key: &str) -> Option<&'t TomlValue<'i>> {
    top.get(key).or_else(|| {
        ["words", "params", "expect", "costs"]
            .iter()
            .filter_map(|t| top.get(*t)?.get_ref().as_table()?.get(key))
            .next()
    })
}

const PARAM_KEYS: &[&str] = &[
    "default", "min", "max", "choices", "presets", "about", "pick",
];

struct ProtocolReader<'a> {
    file: &'a SourceFile,
}

impl ProtocolReader<'_> {
    fn err(&self, span: &Range<usize>, msg: impl std::fmt::Display) -> Error {
        self.file.error(span.start, msg)
    }

    fn string(&self, v: &TomlValue<'_>, key: &str) -> Result<Located> {
        match v.get_ref() {
            DeValue::String(s) => {
                let span = v.span();
                let raw = &self.file.text[span.clone()];
                Ok(Located {
                    text: s.to_string(),
                    map: BodyMap::new(span.start, raw, s),
                    at: span.start,
                })
            }
            other => Err(self.err(
                &v.span(),
                format!("'{key}' must be a string, found {}", other.type_str()),
            )),
        }
    }

    fn int(&self, v: &TomlValue<'_>, key: &str) -> Result<i128> {
        match v.get_ref() {
            DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix())
                .map_err(|_| self.err(&v.span(), format!("'{key}': not an integer"))),
            other => Err(self.err(
                &v.span(),
                format!("'{key}' must be an integer, found {}", other.type_str()),
            )),
        }
    }

    fn table<'t, 'i>(&self, v: &'t TomlValue<'i>, key: &str) -> Result<&'t DeTable<'i>> {
        v.get_ref().as_table().ok_or_else(|| {
            self.err(
                &v.span(),
                format!("'{key}' must be a table, found {}", v.get_ref().type_str()),
            )
        })
    }
}

fn check_name(r: &ProtocolReader<'_>, span: &Range<usize>, what: &str, name: &str) -> Result<()> {
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(r.err(
            span,
            format!("{what} '{name}' must be a C identifier (letters, digits, _)"),
        ))
    }
}

/// A word's name: a C identifier, or a member path (`mm->mm_lock_seq`,
/// `s.seq`) of identifiers joined by `->` or `.`.
fn check_word_name(r: &ProtocolReader<'_>, span: &Range<usize>, name: &str) -> Result<()> {
    let ident = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if name.replace("->", ".").split('.').all(ident) {
        Ok(())
    } else {
        Err(r.err(
            span,
            format!(
                "word '{name}' must be a C identifier or a member path (mm->mm_lock_seq): \
                 letters, digits, _, -> and ."
            ),
        ))
    }
}

/// A `[words]` entry's width and type: `seq = 32`, `seq = "W"` (an
/// expression), `seq = "seqcount_t"` (a type), or `seq = { type =
/// "seqcount_t", bits = "W" }` (a type whose width a parameter overrides).
fn word_width(
    r: &ProtocolReader<'_>,
    name: &str,
    v: &TomlValue<'_>,
) -> Result<(Located, Option<String>)> {
    let at = v.span().start;
    let int_located = |n: i128| Located {
        text: n.to_string(),
        map: BodyMap::new(at, "", ""),
        at,
    };
    match v.get_ref() {
        DeValue::Integer(_) => Ok((int_located(r.int(v, name)?), None)),
        DeValue::Table(t) => {
            let mut ty = None;
            let mut bits = None;
            for (k, fv) in in_order(t) {
                let key = k.get_ref().as_ref();
                let full = format!("words.{name}.{key}");
                match key {
                    "type" => {
                        let s = r.string(fv, &full)?;
                        let b = type_bits(&s.text).ok_or_else(|| {
                            r.err(
                                &fv.span(),
                                format!("'{}' is not a word type; {}", s.text, types_allowed()),
                            )
                        })?;
                        ty = Some((s.text, b));
                    }
                    "bits" => {
                        bits = Some(match fv.get_ref() {
                            DeValue::Integer(_) => {
                                let n = r.int(fv, &full)?;
                                Located {
                                    text: n.to_string(),
                                    map: BodyMap::new(fv.span().start, "", ""),
                                    at: fv.span().start,
                                }
                            }
                            _ => r.string(fv, &full)?,
                        })
                    }
                    _ => {
                        return Err(r.err(
                            &k.span(),
                            format!("unknown key '{full}'; allowed: type, bits"),
                        ));
                    }
                }
            }
            let Some((ty, b)) = ty else {
                return Err(r.err(
                    &v.span(),
                    format!("words.{name}: a table needs 'type' (and may give 'bits')"),
                ));
            };
            Ok((bits.unwrap_or_else(|| int_located(i128::from(b))), Some(ty)))
        }
        _ => {
            let s = r.string(v, &format!("words.{name}"))?;
            match type_bits(&s.text) {
                Some(b) => Ok((
                    Located {
                        text: b.to_string(),
                        ..s.clone()
                    },
                    Some(s.text),
                )),
                None => Ok((s, None)),
            }
        }
    }
}

/// What a word's type may be, for messages.
fn types_allowed() -> String {
    format!(
        "allowed: {}",
        WORD_TYPES
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

impl ProtocolFile {
    /// Parse a protocol file. Every error is one line
    /// `FILE:LINE:COL: what is wrong; what is allowed`.
    pub fn parse(name: &str, text: &str) -> Result<ProtocolFile> {
        let file = SourceFile {
            name: name.to_string(),
            text: text.to_string(),
        };
        let r = ProtocolReader { file: &file };
        let doc = DeTable::parse(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            file.error(at, format!("not valid TOML: {}", e.message()))
        })?;
        let top = doc.get_ref();
        for (k, _) in in_order(top) {
            if !TOP_KEYS.contains(&k.get_ref().as_ref()) {
                return Err(r.err(
                    &k.span(),
                    format!(
                        "unknown key '{}'; allowed: {}",
                        k.get_ref(),
                        TOP_KEYS.join(", ")
                    ),
                ));
            }
        }
        let need = |key: &str| -> Result<&TomlValue<'_>> {
            top.get(key)
                .ok_or_else(|| file.error(0, format!("missing key '{key}'")))
        };
        let dname = r.string(need("name")?, "name")?.text;
        let name_ok = !dname.is_empty()
            && dname
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            return Err(r.err(
                &need("name")?.span(),
                format!("name '{dname}': allowed: letters, digits, '-', '_'"),
            ));
        }
        let text_of = |key: &str| -> Result<String> {
            top.get(key)
                .map(|v| r.string(v, key).map(|l| l.text))
                .unwrap_or(Ok(String::new()))
        };
        let about = text_of("about")?;
        let source = text_of("source")?;

        let mut params = Vec::new();
        if let Some(pv) = top.get("params") {
            for (k, v) in in_order(r.table(pv, "params")?) {
                let pname = k.get_ref().to_string();
                if BODIES.contains(&pname.as_str()) {
                    continue;
                }
                check_name(&r, &k.span(), "param", &pname)?;
                params.push(param(&r, &pname, k.span().start, v)?);
            }
        }

        let mut words = Vec::new();
        let wv = need("words")?;
        for (k, v) in in_order(r.table(wv, "words")?) {
            let wname = k.get_ref().to_string();
            if BODIES.contains(&wname.as_str()) {
                continue;
            }
            check_word_name(&r, &k.span(), &wname)?;
            let (width, ty) = word_width(&r, &wname, v)?;
            words.push(WordDecl {
                name: wname,
                width,
                ty,
            });
        }
        if words.is_empty() {
            return Err(r.err(&wv.span(), "[words] is empty; declare at least one word"));
        }

        let mut constraints = Vec::new();
        if let Some(cv) = body(top, "constraints") {
            let arr = cv.get_ref().as_array().ok_or_else(|| {
                r.err(
                    &cv.span(),
                    "'constraints' must be an array of strings (expressions over params)",
                )
            })?;
            for c in arr.iter() {
                constraints.push(r.string(c, "constraints")?);
            }
        }

        let mut expect = Vec::new();
        if let Some(ev) = top.get("expect") {
            for (k, v) in in_order(r.table(ev, "expect")?) {
                let m = k.get_ref().to_string();
                if BODIES.contains(&m.as_str()) {
                    continue;
                }
                if Model::from_name(&m).is_none() {
                    return Err(r.err(
                        &k.span(),
                        format!("expect.{m}: allowed keys: {}", Model::allowed()),
                    ));
                }
                expect.push((m.clone(), r.string(v, &format!("expect.{m}"))?));
            }
        }

        let mut cost_note = None;
        if let Some(cv) = top.get("costs") {
            for (k, v) in r.table(cv, "costs")?.iter() {
                if BODIES.contains(&k.get_ref().as_ref()) {
                    continue;
                }
                if k.get_ref().as_ref() != "note" {
                    return Err(r.err(
                        &k.span(),
                        format!("costs.{}: allowed keys: note", k.get_ref()),
                    ));
                }
                cost_note = Some(r.string(v, "costs.note")?.text);
            }
        }

        let writer = r.string(
            body(top, "writer").ok_or_else(|| file.error(0, "missing key 'writer'"))?,
            "writer",
        )?;
        let reader = r.string(
            body(top, "reader").ok_or_else(|| file.error(0, "missing key 'reader'"))?,
            "reader",
        )?;
        Ok(ProtocolFile {
            raw: file,
            name: dname,
            about,
            source,
            params,
            words,
            constraints,
            expect,
            cost_note,
            writer,
            reader,
        })
    }

    /// The constant a choice stands for in bodies: `hi-lo-hi` -> `HI_LO_HI`.
    pub fn choice_constant(choice: &str) -> String {
        choice
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    }
}

fn param(r: &ProtocolReader<'_>, name: &str, at: usize, v: &TomlValue<'_>) -> Result<ParamDecl> {
    let mut p = ParamDecl {
        name: name.to_string(),
        at,
        default: ParamDefault::Int(0),
        min: None,
        max: None,
        choices: Vec::new(),
        presets: Vec::new(),
        about: String::new(),
        pick: true,
    };
    match v.get_ref() {
        DeValue::Integer(_) => {
            p.default = ParamDefault::Int(r.int(v, name)?);
            Ok(p)
        }
        DeValue::String(_) => {
            p.default = ParamDefault::Text(r.string(v, name)?);
            Ok(p)
        }
        DeValue::Table(t) => {
            let mut default = None;
            for (k, fv) in in_order(t) {
                let key = k.get_ref().as_ref();
                let full = format!("params.{name}.{key}");
                match key {
                    "default" => {
                        default = Some(match fv.get_ref() {
                            DeValue::Integer(_) => ParamDefault::Int(r.int(fv, &full)?),
                            _ => ParamDefault::Text(r.string(fv, &full)?),
                        })
                    }
                    "min" => p.min = Some(r.int(fv, &full)?),
                    "max" => p.max = Some(r.int(fv, &full)?),
                    "about" => p.about = r.string(fv, &full)?.text,
                    "pick" => {
                        p.pick = fv.get_ref().as_bool().ok_or_else(|| {
                            r.err(&fv.span(), format!("'{full}' must be true or false"))
                        })?
                    }
                    "choices" => {
                        let arr = fv.get_ref().as_array().ok_or_else(|| {
                            r.err(&fv.span(), format!("'{full}' must be an array of names"))
                        })?;
                        for c in arr.iter() {
                            let s = r.string(c, &full)?.text;
                            if s.is_empty()
                                || !s
                                    .chars()
                                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                            {
                                return Err(r.err(
                                    &c.span(),
                                    format!("choice '{s}': allowed: letters, digits, '-', '_'"),
                                ));
                            }
                            p.choices.push(s);
                        }
                    }
                    "presets" => {
                        let pt = r.table(fv, &full)?;
                        for (pk, pv) in pt.iter() {
                            p.presets.push((
                                pk.get_ref().to_string(),
                                r.string(pv, &format!("{full}.{}", pk.get_ref()))?,
                            ));
                        }
                    }
                    _ => {
                        return Err(r.err(
                            &k.span(),
                            format!("unknown key '{full}'; allowed: {}", PARAM_KEYS.join(", ")),
                        ));
                    }
                }
            }
            p.default = default
                .ok_or_else(|| r.err(&v.span(), format!("params.{name}: missing 'default'")))?;
            Ok(p)
        }
        other => Err(r.err(
            &v.span(),
            format!(
                "params.{name}: expected an integer, a string or a table \
                 {{ default, min, max, choices, presets, about }}, found {}",
                other.type_str()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"name = "mini"
about = "a test"
[params]
W = { default = 8, min = 2, max = 64, about = "bits" }
READ = { default = "a", choices = ["a", "hi-lo"] }
[words]
seq = "W"
writer = """
WRITE_ONCE(seq, seq + 1);
modify();
WRITE_ONCE(seq, seq + 1);
"""
reader = '''
s = READ_ONCE(seq);
read();
return ACCEPT;
'''
"#;

    #[test]
    fn a_protocol_file_reads_with_positions() {
        let d = ProtocolFile::parse("m.toml", MINI).unwrap();
        assert_eq!(d.name, "mini");
        assert_eq!(d.params.len(), 2);
        assert_eq!(d.params[1].choices, vec!["a", "hi-lo"]);
        assert_eq!(d.words[0].name, "seq");
        // The writer's first byte is on line 10, column 1.
        let off = d.writer.map.file(0);
        assert_eq!(d.raw.line_col(off), (9, 1));
        let off = d.reader.map.file(4);
        assert_eq!(d.raw.line_col(off), (14, 5));
        assert_eq!(ProtocolFile::choice_constant("hi-lo-hi"), "HI_LO_HI");
    }

    #[test]
    fn unknown_keys_and_missing_bodies_are_errors_with_lines() {
        let e = ProtocolFile::parse("m.toml", &MINI.replace("about =", "colour ="))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m.toml:2:1: unknown key 'colour'"), "{e}");
        let e = ProtocolFile::parse("m.toml", &MINI.replace("reader =", "rdr ="))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing key 'reader'"), "{e}");
        let e = ProtocolFile::parse("m.toml", "name = [")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m.toml:1:"), "{e}");
    }
}
