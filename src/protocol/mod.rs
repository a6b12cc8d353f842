//! Protocols as protocols: a seqcount variant is a file, not Rust.
//!
//! A protocol (TOML, DESIGN §1) names shared words with their widths,
//! integer parameters, and two bodies in a subset of kernel C with the
//! kernel's own macros: the writer's critical section (run once per lock
//! cycle, forever) and the reader's speculation (run once). This module
//! reads it ([`file`]), parses the C ([`parse`]), compiles it with
//! parameter values into a [`Program`] of steps each carrying its ordering
//! ([`compile`], [`program`]), analyses its shape for the engines
//! ([`shape`]), and holds the one verdict rule ([`verdict`]).
//!
//! The catalog ([`catalog`]) is a set of such files built into the binary;
//! the only code that knows a protocol by name is the mapping of the old
//! `--protocol`/`--bits`/`--hi` flags onto files and parameters there.

mod lexer;

pub mod api;
pub mod catalog;
pub mod compile;
pub mod cost;
pub mod file;
pub mod parse;
pub mod program;
pub mod shape;
pub mod source;

use std::fmt;
use std::sync::{Arc, OnceLock};

use num_bigint::BigUint;
use serde::Serialize;

pub use catalog::{ProtocolRef, ProtocolRequest};
pub use compile::ParamValue;
pub use file::ProtocolFile;
pub use parse::ReturnKind;
pub use program::Program;

use crate::error::{Error, Result};

/// How one speculation ended. One type for every engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The counter did not change and neither did the data: correct.
    Accept,
    /// The reader accepted although the data changed under it.
    FalsePositive,
    /// The counter changed (or the reader's own rule refused): try again.
    Retry,
    /// The lock was held at the start: take the lock instead.
    Abort,
}

impl Outcome {
    /// Upper-case name for text output.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Accept => "ACCEPT",
            Outcome::FalsePositive => "FALSE POSITIVE",
            Outcome::Retry => "RETRY",
            Outcome::Abort => "ABORT",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The verdict rule, the one place it is written (DESIGN §1): a reader that
/// returns ACCEPT although the protected data changed during its data phase
/// has a FALSE POSITIVE; every other return is what it says.
///
/// "Changed during its data phase" is observed the same way by every engine:
/// `read()` is two loads of the protected data, and the data changed iff a
/// `modify()` became visible to this reader between them (explore), or the
/// two loads returned different versions (stress). Under sequential
/// consistency this is exactly "a modify() happened after the reader's last
/// load before read() and before its first load after it"; under weaker
/// models it is what the memory model lets the two loads see.
pub fn verdict(ret: ReturnKind, data_changed: bool) -> Outcome {
    match ret {
        ReturnKind::Accept if data_changed => Outcome::FalsePositive,
        ReturnKind::Accept => Outcome::Accept,
        ReturnKind::Retry => Outcome::Retry,
        ReturnKind::Abort => Outcome::Abort,
    }
}

/// A protocol instantiated with parameter values: what every engine
/// runs.
#[derive(Clone)]
pub struct Protocol {
    file: Arc<ProtocolFile>,
    params: Vec<ParamValue>,
    program: Arc<Program>,
    shape: Arc<OnceLock<shape::Shape>>,
}

impl fmt::Debug for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Protocol({self})")
    }
}

impl PartialEq for Protocol {
    fn eq(&self, other: &Protocol) -> bool {
        self.file.name == other.file.name
            && self.file.raw.text == other.file.raw.text
            && self.params == other.params
    }
}

impl Eq for Protocol {}

impl std::hash::Hash for Protocol {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.file.name.hash(h);
        self.params.hash(h);
    }
}

impl Protocol {
    /// Instantiate `file` with `overrides` (`NAME`, `VALUE` pairs from
    /// `--param`); `origin` names where the overrides came from.
    pub fn new(
        file: Arc<ProtocolFile>,
        overrides: &[(String, String)],
        origin: &str,
    ) -> Result<Protocol> {
        let o: Vec<compile::Override> = overrides
            .iter()
            .map(|(n, t)| compile::Override::new(origin, n, t))
            .collect();
        Protocol::with_overrides(file, &o)
    }

    /// Instantiate `file` with overrides that each say where they came from.
    pub fn with_overrides(
        file: Arc<ProtocolFile>,
        overrides: &[compile::Override],
    ) -> Result<Protocol> {
        let params = compile::resolve_params(&file, overrides)?;
        let program = compile::compile(&file, &params)?;
        // A closed form that does not parse or evaluate is a bad file, found
        // now rather than when a test first compares with it.
        for (_, l) in &file.expect {
            compile::eval_with_params(&file, &params, l)?;
        }
        Ok(Protocol {
            file,
            params,
            program: Arc::new(program),
            shape: Arc::new(OnceLock::new()),
        })
    }

    /// The same protocol with some parameters changed.
    pub fn with_params(&self, overrides: &[(String, String)]) -> Result<Protocol> {
        let mut all: Vec<(String, String)> = self
            .params
            .iter()
            .map(|p| (p.name.clone(), p.text.clone()))
            .collect();
        all.extend(overrides.iter().cloned());
        Protocol::new(self.file.clone(), &all, "--param")
    }

    /// The protocol's name.
    pub fn name(&self) -> &str {
        &self.file.name
    }

    /// The protocol.
    pub fn file(&self) -> &ProtocolFile {
        &self.file
    }

    /// The resolved parameters, in declaration order.
    pub fn params(&self) -> &[ParamValue] {
        &self.params
    }

    /// A parameter's value.
    pub fn param(&self, name: &str) -> Option<i128> {
        self.params.iter().find(|p| p.name == name).map(|p| p.value)
    }

    /// The parameters by name, as shown (JSON).
    pub fn params_map(&self) -> std::collections::BTreeMap<String, String> {
        self.params
            .iter()
            .map(|p| (p.name.clone(), p.text.clone()))
            .collect()
    }

    /// `NAME=VALUE` pairs joined by spaces (CSV, tables).
    pub fn params_string(&self) -> String {
        self.params
            .iter()
            .map(|p| format!("{}={}", p.name, p.text))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Is this a built-in catalog protocol, unchanged? Only those have
    /// closed forms the tests check against the explorer at every width; a
    /// user file's `[expect]` is a claim, not a fact.
    pub fn is_catalog(&self) -> bool {
        catalog::text(&self.file.name).is_some_and(|t| t == self.file.raw.text)
    }

    /// The compiled program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Total bits of all shared words.
    pub fn total_bits(&self) -> u32 {
        self.program.words.iter().map(|w| w.bits).sum()
    }

    /// The shape analysis the engines use (computed once).
    pub fn shape(&self) -> &shape::Shape {
        self.shape.get_or_init(|| shape::Shape::of(&self.program))
    }

    /// The closed-form minimal cycles the protocol claims under memory
    /// model `model` (`sc`, `tso`, `lkmm`): `None` when it claims nothing,
    /// `Some(None)` for "no false positive at all" (written as 0),
    /// `Some(Some(n))` otherwise.
    pub fn expected_min_cycles(&self, model: &str) -> Result<Option<Option<BigUint>>> {
        let Some((_, l)) = self.file.expect.iter().find(|(m, _)| m == model) else {
            return Ok(None);
        };
        let v = compile::eval_with_params(&self.file, &self.params, l)?;
        if v < 0 {
            return Err(Error::usage(format!(
                "{}: expect.{model} is negative for {self}",
                self.file.raw.name
            )));
        }
        Ok(Some((v > 0).then(|| BigUint::from(v as u128))))
    }
}

impl fmt::Display for Protocol {
    /// `plain W=32`, `split H=32 L=32 READ=hi-lo-hi ORDER=hi-first ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.params.is_empty() {
            write!(f, "{}", self.file.name)
        } else {
            write!(f, "{} {}", self.file.name, self.params_string())
        }
    }
}
