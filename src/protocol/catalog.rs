//! The built-in catalog (the files under `protocols/`, compiled into the
//! binary so seqwrap works from any directory), user files, and the one
//! place that maps the old protocol flags onto files and parameters.
//!
//! This module is the only code that knows protocols by name: it maps
//! `--protocol NAME` to the file `protocols/NAME.toml` and each old flag to
//! the parameter of the same meaning (`--bits` to `W`, `--hi` to `H`, ...).
//! A flag applies to a protocol iff the protocol's file declares the parameter,
//! so the mapping itself never matches on a protocol's name; a test guards
//! that no engine does either.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::compile::Override;
use super::{Protocol, ProtocolFile};
use crate::error::{Error, Result};

/// The catalog's files, in the order `seqwrap protocols` lists them.
const FILES: &[(&str, &str)] = &[
    ("plain", include_str!("../../protocols/plain.toml")),
    ("rfc-v1", include_str!("../../protocols/rfc-v1.toml")),
    ("rfc-v2", include_str!("../../protocols/rfc-v2.toml")),
    ("seqcount", include_str!("../../protocols/seqcount.toml")),
    ("split", include_str!("../../protocols/split.toml")),
    ("epoch", include_str!("../../protocols/epoch.toml")),
    ("guard", include_str!("../../protocols/guard.toml")),
    ("bounded", include_str!("../../protocols/bounded.toml")),
    ("saturate", include_str!("../../protocols/saturate.toml")),
    ("atomic64", include_str!("../../protocols/atomic64.toml")),
];

/// The old protocol flags and the parameter each stands for.
pub const LEGACY_FLAGS: &[(&str, &str)] = &[
    ("bits", "W"),
    ("hi", "H"),
    ("lo", "L"),
    ("read", "READ"),
    ("write-order", "ORDER"),
    ("epoch-bits", "E"),
    ("max-window-cycles", "T"),
];

/// The catalog, parsed once. A built-in file that does not parse is a bug
/// caught by the tests, so this panics rather than return an error.
pub fn catalog() -> &'static [Arc<ProtocolFile>] {
    static CAT: OnceLock<Vec<Arc<ProtocolFile>>> = OnceLock::new();
    CAT.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, text)| {
                let d = ProtocolFile::parse(&format!("protocols/{name}.toml"), text)
                    .unwrap_or_else(|e| panic!("built-in protocol {name}: {e}"));
                assert_eq!(&d.name, name, "protocols/{name}.toml names itself");
                Arc::new(d)
            })
            .collect()
    })
}

/// The raw text of a catalog file (for `seqwrap protocols --show`).
pub fn text(name: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Names of the catalog's entries.
pub fn names() -> Vec<&'static str> {
    FILES.iter().map(|(n, _)| *n).collect()
}

/// A catalog entry by name.
pub fn find(name: &str) -> Result<Arc<ProtocolFile>> {
    catalog()
        .iter()
        .find(|d| d.name == name)
        .cloned()
        .ok_or_else(|| {
            Error::usage(format!(
                "unknown protocol '{name}'; allowed: {} (or a protocol file's path)",
                names().join(", ")
            ))
        })
}

/// Read a user's protocol file.
pub fn load_file(path: &Path) -> Result<Arc<ProtocolFile>> {
    let text = std::fs::read_to_string(path).map_err(|error| Error::Input {
        path: path.to_path_buf(),
        error,
    })?;
    Ok(Arc::new(ProtocolFile::parse(
        &path.display().to_string(),
        &text,
    )?))
}

/// Which protocol a command line, a spec or a test names: a catalog entry
/// or a user's file. One flag (`--protocol`) and one spec key
/// (`protocol =`) take both, so the user never chooses between two words
/// for one thing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolRef {
    /// A catalog entry, by its name.
    Catalog(String),
    /// A protocol file (TOML with kernel C).
    File(PathBuf),
}

impl ProtocolRef {
    /// `TEXT` as `--protocol` reads it: a catalog name if it is exactly
    /// one, otherwise a path (relative ones resolved against `base`, the
    /// spec's directory for a spec and the working directory for the CLI).
    /// A file named like a catalog entry is reached as `./NAME`. A value
    /// that is no file and looks like a name (no `/`, no `.`) is most
    /// likely a mistyped catalog name, so that error lists the catalog.
    pub fn parse(text: &str, base: &Path) -> Result<ProtocolRef> {
        if names().contains(&text) {
            return Ok(ProtocolRef::Catalog(text.to_string()));
        }
        let path = base.join(text);
        if !text.contains(['/', '.']) && !path.exists() {
            return Err(Error::usage(format!(
                "'{text}' is neither a catalog protocol nor a file; allowed: {} \
                 or a protocol file's path",
                names().join(", ")
            )));
        }
        Ok(ProtocolRef::File(path))
    }

    /// The protocol's file, parsed.
    pub fn load(&self) -> Result<Arc<ProtocolFile>> {
        match self {
            ProtocolRef::Catalog(name) => find(name),
            ProtocolRef::File(path) => load_file(path),
        }
    }
}

/// A protocol as asked for on a command line or in a spec: a catalog name or
/// a file, old-style flags, and `NAME=VALUE` parameters.
#[derive(Clone, Debug, Default)]
pub struct ProtocolRequest {
    /// `--protocol NAME|FILE`.
    pub protocol: Option<ProtocolRef>,
    /// Old flags as given (`bits`, `32`), without the `--`.
    pub legacy: Vec<(String, String)>,
    /// `--param NAME=VALUE`, as typed.
    pub params: Vec<String>,
}

impl ProtocolRequest {
    /// Set an old flag by name (`bits`, `write-order`, ...).
    pub fn set_legacy(&mut self, flag: &str, value: &str) -> Result<()> {
        if !LEGACY_FLAGS.iter().any(|(f, _)| *f == flag) {
            return Err(Error::usage(format!(
                "--{flag} is not a protocol flag; allowed: {}, --param NAME=VALUE",
                LEGACY_FLAGS
                    .iter()
                    .map(|(f, _)| format!("--{f}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
        }
        self.legacy.push((flag.to_string(), value.to_string()));
        Ok(())
    }

    /// Resolve into a protocol. Errors name the flag and what is allowed.
    pub fn resolve(&self) -> Result<Protocol> {
        let Some(protocol) = &self.protocol else {
            return Err(Error::usage(format!(
                "--protocol is required; allowed: --protocol {} or --protocol FILE",
                names().join("|")
            )));
        };
        // A file's errors name the file (FILE:LINE:COL); a name's, the flag.
        let file = protocol.load().map_err(|e| match (protocol, e) {
            (ProtocolRef::Catalog(_), Error::Usage(m)) => Error::usage(format!("--protocol: {m}")),
            (_, e) => e,
        })?;
        let mut overrides = Vec::new();
        for (flag, value) in &self.legacy {
            let param = LEGACY_FLAGS
                .iter()
                .find(|(f, _)| f == flag)
                .map(|(_, p)| *p)
                .expect("checked by set_legacy");
            if !file.params.iter().any(|p| p.name == param) {
                return Err(Error::usage(format!(
                    "--{flag} does not apply to protocol {}; it takes: {}",
                    file.name,
                    flags_of(&file)
                )));
            }
            let v = if matches!(flag.as_str(), "bits" | "hi" | "lo" | "epoch-bits") {
                // Widths keep the old spellings (i8, i32, u64).
                width_text(flag, value)?
            } else {
                value.clone()
            };
            overrides.push(Override {
                name: param.to_string(),
                text: v,
                label: format!("--{flag} {value} ({param})"),
            });
        }
        for p in &self.params {
            let Some((k, v)) = p.split_once('=') else {
                return Err(Error::usage(format!(
                    "--param '{p}': allowed: NAME=VALUE (e.g. --param W=32)"
                )));
            };
            overrides.push(Override::new("--param", k.trim(), v.trim()));
        }
        Protocol::with_overrides(file, &overrides)
    }
}

fn width_text(flag: &str, v: &str) -> Result<String> {
    let t = v.trim();
    let n = match t {
        "i8" | "u8" => Some(8),
        "i16" | "u16" => Some(16),
        "i32" | "u32" => Some(32),
        "i64" | "u64" => Some(64),
        _ => t.parse::<u32>().ok(),
    };
    n.map(|n| n.to_string()).ok_or_else(|| {
        Error::usage(format!(
            "--{flag}: '{v}' is not a width; allowed: i8, i16, i32, u64 or an integer"
        ))
    })
}

/// The flags a protocol takes: old flags where one maps to a parameter,
/// `--param NAME=` for the rest.
pub fn flags_of(d: &ProtocolFile) -> String {
    let v: Vec<String> = d
        .params
        .iter()
        .map(|p| {
            LEGACY_FLAGS
                .iter()
                .find(|(_, q)| *q == p.name)
                .map(|(f, _)| format!("--{f}"))
                .unwrap_or_else(|| format!("--param {}=", p.name))
        })
        .collect();
    if v.is_empty() {
        "no parameters".into()
    } else {
        v.join(" ")
    }
}

/// A short label for a protocol as CSV rows name it (`protocol`, `params` as
/// `NAME=VALUE ...`): the name, then the parameters that size a word
/// (always), and the others where they differ from the default — a
/// choice by its value alone (`split H=32 L=32 hi-lo-hi hi-first`), a
/// number near a power of two as one (`T=2^31-1`). A name outside the
/// catalog (a user's file) keeps every parameter.
pub fn label(name: &str, params: &str) -> String {
    let pairs: Vec<(&str, &str)> = params
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let Ok(d) = find(name) else {
        return if params.trim().is_empty() {
            name.to_string()
        } else {
            format!("{name} {}", params.trim())
        };
    };
    let defaults = Protocol::new(d.clone(), &[], "default")
        .map(|s| s.params_map())
        .unwrap_or_default();
    let sizes = |p: &str| {
        d.words.iter().any(|w| {
            w.width
                .text
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|t| t == p)
        })
    };
    let mut out = name.to_string();
    for (k, v) in pairs {
        let is_choice = d
            .params
            .iter()
            .any(|q| q.name == k && !q.choices.is_empty());
        if !sizes(k) && defaults.get(k).is_some_and(|dv| dv == v) {
            continue;
        }
        out.push(' ');
        if is_choice {
            out.push_str(v);
        } else {
            out.push_str(&format!("{k}={}", near_pow2(v)));
        }
    }
    out
}

/// `2147483647` -> `2^31-1`, `4096` -> `2^12`; other values as they are.
fn near_pow2(v: &str) -> String {
    match v.parse::<u128>() {
        Ok(n) if n >= 1024 && n.is_power_of_two() => format!("2^{}", n.trailing_zeros()),
        Ok(n) if n >= 1023 && (n + 1).is_power_of_two() => {
            format!("2^{}-1", (n + 1).trailing_zeros())
        }
        _ => v.to_string(),
    }
}

/// A catalog protocol with parameters, for code and tests
/// (`catalog::protocol("plain", &[("W", "8")])`).
pub fn protocol(name: &str, params: &[(&str, &str)]) -> Result<Protocol> {
    let overrides: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Protocol::new(find(name)?, &overrides, "--param")
}

/// [`label`] with the parameters that size the words written as
/// one total (`split 32+32 hi-lo-hi hi-first`, `plain 64`, `epoch 32+32
/// epoch-first`), for tables that must fit 72 columns. Which parameters
/// size a word is read from the protocol (its `[words]`); a protocol
/// outside the catalog keeps the long label.
pub fn short_label(protocol: &str, params: &str) -> String {
    let long = label(protocol, params);
    let Ok(d) = find(protocol) else {
        return long;
    };
    let sizing: Vec<&str> = d.words.iter().map(|w| w.width.text.trim()).collect();
    let mut sizes = Vec::new();
    let mut rest = Vec::new();
    for tok in long.split_whitespace().skip(1) {
        match tok.split_once('=') {
            Some((k, v)) if sizing.contains(&k) => sizes.push(v.to_string()),
            _ => rest.push(tok.to_string()),
        }
    }
    let mut out = protocol.to_string();
    if !sizes.is_empty() {
        out.push(' ');
        out.push_str(&sizes.join("+"));
    }
    for t in rest {
        out.push(' ');
        out.push_str(&t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_keep_widths_and_what_differs_from_the_default() {
        assert_eq!(label("plain", "W=32"), "plain W=32");
        assert_eq!(
            label(
                "split",
                "H=32 L=32 READ=hi-lo-hi ORDER=hi-first WMB=1 RMB=1"
            ),
            "split H=32 L=32 hi-lo-hi hi-first"
        );
        assert_eq!(
            label("split", "H=1 L=2 READ=naive ORDER=lo-first WMB=0 RMB=1"),
            "split H=1 L=2 WMB=0"
        );
        assert_eq!(label("bounded", "W=32 T=2147483647"), "bounded W=32");
        assert_eq!(label("bounded", "W=32 T=4096"), "bounded W=32 T=2^12");
        assert_eq!(label("mine", "A=3 B=2"), "mine A=3 B=2");
    }

    #[test]
    fn every_catalog_file_parses_and_compiles_with_its_defaults() {
        for d in catalog() {
            Protocol::new(d.clone(), &[], "test").unwrap_or_else(|e| panic!("{}: {e}", d.name));
        }
    }

    #[test]
    fn old_flags_map_onto_parameters() {
        let mut r = ProtocolRequest {
            protocol: Some(ProtocolRef::Catalog("split".into())),
            ..Default::default()
        };
        for (f, v) in [
            ("hi", "32"),
            ("lo", "32"),
            ("read", "hi-lo-hi"),
            ("write-order", "hi-first"),
        ] {
            r.set_legacy(f, v).unwrap();
        }
        let s = r.resolve().unwrap();
        assert_eq!(s.param("H"), Some(32));
        assert_eq!(s.param("READ"), Some(1));
        assert_eq!(s.param("ORDER"), Some(1));
        let mut bad = ProtocolRequest {
            protocol: Some(ProtocolRef::Catalog("plain".into())),
            ..Default::default()
        };
        bad.set_legacy("hi", "3").unwrap();
        let e = bad.resolve().unwrap_err().to_string();
        assert!(
            e.contains("--hi does not apply to protocol plain; it takes: --bits"),
            "{e}"
        );
        let mut w = ProtocolRequest {
            protocol: Some(ProtocolRef::Catalog("plain".into())),
            ..Default::default()
        };
        w.set_legacy("bits", "i32").unwrap();
        assert_eq!(w.resolve().unwrap().param("W"), Some(32));
    }

    #[test]
    fn one_flag_names_a_catalog_entry_or_a_file() {
        let here = Path::new("");
        assert_eq!(
            ProtocolRef::parse("plain", here).unwrap(),
            ProtocolRef::Catalog("plain".into())
        );
        // A path, even one spelling a catalog name, is a file.
        assert_eq!(
            ProtocolRef::parse("./plain", here).unwrap(),
            ProtocolRef::File(PathBuf::from("./plain"))
        );
        assert_eq!(
            ProtocolRef::parse("mine.toml", Path::new("specs")).unwrap(),
            ProtocolRef::File(PathBuf::from("specs/mine.toml"))
        );
        // A mistyped name is not mistaken for a missing file.
        let e = ProtocolRef::parse("plian", here).unwrap_err().to_string();
        assert!(
            e.contains("'plian' is neither a catalog protocol nor a file; allowed: plain, "),
            "{e}"
        );
        let mut r = ProtocolRequest::default();
        assert!(
            r.resolve()
                .unwrap_err()
                .to_string()
                .contains("--protocol is required")
        );
        r.protocol = Some(ProtocolRef::File(PathBuf::from("/nonexistent/x.toml")));
        assert!(
            r.resolve()
                .unwrap_err()
                .to_string()
                .contains("/nonexistent/x.toml")
        );
    }
}
