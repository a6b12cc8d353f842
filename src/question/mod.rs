//! Question specs: one TOML file a question (`analysis/*.toml`).
//!
//! A spec names a grid — protocols × widths × writer rates × processes ×
//! hold times × window distributions × engines — plus a seed and a sample
//! count. The format is documented in `analysis/README.md`. Loading checks
//! everything before any point runs: unknown keys, wrong types, empty grids
//! and grids over [`MAX_POINTS`] are one line naming file, line and key.

mod walk;

use std::path::Path;

use toml::de::DeTable;

use crate::analyze::Fleet;
use crate::error::{Error, Result};
use crate::explore::ExploreMode;
use crate::protocol::Protocol;
use crate::protocol::catalog::{self, LEGACY_FLAGS, ProtocolRef};
use crate::results::EngineKind;
use crate::timing::{Process, RateSpec, Window, Writer, parse_count, parse_rate, parse_time};
use crate::width::Width;
use walk::{Field, SpecSource, SpecTable};

/// The most points one spec may expand to. A grid this size already takes
/// hours of sampling; beyond it a typo (an extra zero in a list) is likelier
/// than intent, so it is refused before anything runs.
pub const MAX_POINTS: usize = 100_000;
/// The most Monte Carlo windows per sample point.
pub const MAX_SAMPLES: u64 = 1_000_000_000;

/// A value of a spec: parsed once when the spec is loaded, with the text
/// it was written as (the sweep CSV records that text, so a row names the
/// value as its spec did).
#[derive(Clone, Debug, PartialEq)]
pub struct Spelled<T> {
    /// As written in the spec.
    pub text: String,
    /// Parsed and checked.
    pub value: T,
}

/// A writer rate as a spec gives it.
pub type Rate = Spelled<RateSpec>;

/// A validated question. Invariants: every list is non-empty where its
/// engines need it; the grid expands to at most [`MAX_POINTS`] points.
#[derive(Clone, Debug)]
pub struct Question {
    /// The file it came from, as given (for messages).
    pub file: String,
    /// Short name (`mm_lock_seq`), used for the CSV `spec` column and file names.
    pub name: String,
    /// A sentence for plot titles and the summary.
    pub title: String,
    /// Base seed; each point's seed is derived from it and the point index.
    pub seed: u64,
    /// Monte Carlo windows per sample point.
    pub samples: u64,
    /// Engines, in spec order.
    pub engines: Vec<EngineKind>,
    /// Protocol instances, in spec order (entries × widths).
    pub protocols: Vec<Protocol>,
    /// Writer rates.
    pub rates: Vec<Rate>,
    /// Writer processes.
    pub processes: Vec<Process>,
    /// Lock hold times per cycle, in seconds.
    pub holds: Vec<Spelled<f64>>,
    /// Window distributions (a `hist:` file is read when the spec loads).
    pub windows: Vec<Spelled<Window>>,
    /// The fleet for fleet risk, if asked.
    pub fleet: Option<Fleet>,
    /// Explorer mode.
    pub explore_mode: ExploreMode,
    /// Memory models the explore points run under (default
    /// [`Model::DEFAULT`](crate::memory::Model::DEFAULT), `["sc"]`).
    pub memory_models: Vec<crate::memory::Model>,
    /// Explorer readers.
    pub readers: u8,
    /// Explorer writers.
    pub writers: u8,
    /// Stress runs only protocols of at most this many bits (2^(W-1) real
    /// lock cycles must fit in a sweep).
    pub stress_max_bits: u32,
    /// FNV-1a of the file's bytes: a resumed sweep must run the same spec.
    pub fingerprint: u64,
}

const TOP_KEYS: &[&str] = &[
    "name",
    "title",
    "seed",
    "samples",
    "engines",
    "widths",
    "rates",
    "processes",
    "holds",
    "windows",
    "fleet",
    "explore_mode",
    "memory_models",
    "readers",
    "writers",
    "stress_max_bits",
    "protocols",
];

const PROTOCOL_KEYS: &[&str] = &[
    "protocol",
    "params",
    "widths",
    "bits",
    "hi",
    "lo",
    "read",
    "write-order",
    "epoch-bits",
    "max-window-cycles",
];

impl Question {
    /// Read and validate a spec file.
    pub fn load(path: &Path) -> Result<Question> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Question::parse(&path.display().to_string(), &text)
    }

    /// Validate spec text; `file` names it in messages.
    pub fn parse(file: &str, text: &str) -> Result<Question> {
        let src = SpecSource { file, text };
        let doc = DeTable::parse(text).map_err(|e| {
            let line = e.span().map_or(1, |s| src.line(s.start));
            let msg = e.message().lines().next().unwrap_or("bad TOML").to_string();
            Error::usage(format!("{file}:{line}: key '-': not TOML: {msg}"))
        })?;
        let top = SpecTable::new(&src, doc.get_ref(), "", TOP_KEYS)?;

        let name = top.need(&src, "name")?;
        let name_text = name.str(&src)?.to_string();
        if name_text.is_empty()
            || !name_text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(src.err(
                name.value.span(),
                "name",
                "allowed: letters, digits, _ and -",
            ));
        }
        let title = top.need(&src, "title")?.str(&src)?.to_string();
        let seed = top.need(&src, "seed")?.uint(&src, 0, u64::MAX)?;
        let samples = match top.get("samples") {
            Some(f) => count(&src, &f, 1, MAX_SAMPLES)?,
            None => 100_000,
        };

        let engines_f = top.need(&src, "engines")?;
        let mut engines = Vec::new();
        for f in engines_f.array(&src)? {
            let s = f.str(&src)?;
            let e = EngineKind::from_name(s).ok_or_else(|| {
                src.err(
                    f.value.span(),
                    &f.key,
                    format!("unknown engine '{s}'; allowed: explore, analyze, sample, stress"),
                )
            })?;
            if engines.contains(&e) {
                return Err(src.err(f.value.span(), &f.key, "engine listed twice"));
            }
            engines.push(e);
        }
        let timed = engines.iter().any(|e| e.is_timed());

        let widths = match top.get("widths") {
            Some(f) => Some(widths_of(&src, &f)?),
            None => None,
        };

        let strings = |key: &str, default: &[&str]| -> Result<Vec<(String, Field<'_, '_>)>> {
            match top.get(key) {
                Some(f) => f
                    .array(&src)?
                    .into_iter()
                    .map(|e| Ok((e.scalar_text(&src)?, e)))
                    .collect(),
                None if !default.is_empty() || !timed => Ok(Vec::new()),
                None => Err(src.err(
                    top.need(&src, "engines")?.value.span(),
                    key,
                    "missing; the analyze and sample engines need it",
                )),
            }
        };
        let mut rates = Vec::new();
        for (t, f) in strings("rates", &[])? {
            let value = parse_rate(&t).map_err(at(&src, &f))?;
            rates.push(Spelled { text: t, value });
        }
        let mut processes = Vec::new();
        for (t, f) in strings("processes", &["poisson"])? {
            processes.push(Process::parse(&t).map_err(at(&src, &f))?);
        }
        if processes.is_empty() {
            processes.push(Process::Poisson);
        }
        let mut holds = Vec::new();
        for (t, f) in strings("holds", &["0"])? {
            let value = parse_time(&t).map_err(at(&src, &f))?;
            // Each given rate must leave the lock free sometimes; measured
            // rates are checked when the sweep has taken them.
            for r in &rates {
                if let RateSpec::PerSecond(r) = r.value {
                    Writer::with_hold(r, Process::Poisson, value).map_err(at(&src, &f))?;
                }
            }
            holds.push(Spelled { text: t, value });
        }
        if holds.is_empty() {
            holds.push(Spelled {
                text: "0".into(),
                value: 0.0,
            });
        }
        let mut windows = Vec::new();
        for (t, f) in strings("windows", &[])? {
            let value = Window::parse(&t).map_err(at(&src, &f))?;
            windows.push(Spelled { text: t, value });
        }
        let fleet = match top.get("fleet") {
            Some(f) => Some(Fleet::parse(f.str(&src)?).map_err(at(&src, &f))?),
            None => None,
        };
        let explore_mode = match top.get("explore_mode") {
            None => ExploreMode::Auto,
            Some(f) => match f.str(&src)? {
                "auto" => ExploreMode::Auto,
                "brute" => ExploreMode::Brute,
                "accelerated" => ExploreMode::Accelerated,
                other => {
                    return Err(src.err(
                        f.value.span(),
                        &f.key,
                        format!("'{other}' is not a mode; allowed: auto, brute, accelerated"),
                    ));
                }
            },
        };
        let mut memory_models = Vec::new();
        if let Some(f) = top.get("memory_models") {
            for e in f.array(&src)? {
                let m: crate::memory::Model = e.str(&src)?.parse().map_err(|x: Error| {
                    src.err(
                        e.value.span(),
                        &e.key,
                        x.to_string().replace("--memory-model: ", ""),
                    )
                })?;
                if memory_models.contains(&m) {
                    return Err(src.err(e.value.span(), &e.key, "memory model listed twice"));
                }
                memory_models.push(m);
            }
        } else {
            memory_models.push(crate::memory::Model::DEFAULT);
        }
        let small = |key: &str, lo: u64, hi: u64, default: u64| -> Result<u64> {
            top.get(key).map_or(Ok(default), |f| f.uint(&src, lo, hi))
        };
        let readers = small("readers", 1, 4, 1)? as u8;
        let writers = small("writers", 1, 4, 1)? as u8;
        let stress_max_bits = small("stress_max_bits", 2, 64, 16)? as u32;

        let protocols_f = top.need(&src, "protocols")?;
        let mut protocols = Vec::new();
        for entry in protocols_f.array(&src)? {
            let t = entry.table(&src, PROTOCOL_KEYS)?;
            let ws = match t.get("widths") {
                Some(f) => Some(widths_of(&src, &f)?),
                None => widths.clone(),
            };
            for s in expand_protocol(&src, &t, ws.as_deref(), &entry)? {
                if !protocols.contains(&s) {
                    protocols.push(s);
                }
            }
        }

        let q = Question {
            file: file.to_string(),
            name: name_text,
            title,
            seed,
            samples,
            engines,
            protocols,
            rates,
            processes,
            holds,
            windows,
            fleet,
            explore_mode,
            memory_models,
            readers,
            writers,
            stress_max_bits,
            fingerprint: fnv1a(text.as_bytes()),
        };
        let n = q.point_count();
        if n > MAX_POINTS {
            return Err(src.err(
                protocols_f.value.span(),
                "protocols",
                format!("grid of {n} points is over the limit of {MAX_POINTS}; split the spec"),
            ));
        }
        if n == 0 {
            return Err(src.err(
                engines_f.value.span(),
                "engines",
                "empty grid: no engine has a point to run (stress_max_bits below every width?)",
            ));
        }
        Ok(q)
    }

    /// Points per timed engine: rates × processes × holds × windows.
    pub fn timed_axes(&self) -> usize {
        self.rates.len() * self.processes.len() * self.holds.len() * self.windows.len()
    }

    /// Number of points the grid expands to (see `sweep::grid`).
    pub fn point_count(&self) -> usize {
        self.protocols
            .iter()
            .map(|s| {
                self.engines
                    .iter()
                    .map(|e| match e {
                        e if e.is_timed() => self.timed_axes(),
                        EngineKind::Stress if s.total_bits() > self.stress_max_bits => 0,
                        EngineKind::Explore => self.memory_models.len(),
                        _ => 1,
                    })
                    .sum::<usize>()
            })
            .sum()
    }
}

/// The error of the value at `f`: `FILE:LINE: key 'KEY': message`.
fn at<'s>(src: &'s SpecSource<'_>, f: &'s Field<'_, '_>) -> impl FnOnce(String) -> Error + 's {
    move |e| src.err(f.value.span(), &f.key, e)
}

/// A count (`1000000`, `1e6`, `2^20`, as a TOML integer, float or
/// string) in `lo..=hi`.
fn count(src: &SpecSource<'_>, f: &Field<'_, '_>, lo: u64, hi: u64) -> Result<u64> {
    if f.value.get_ref().as_integer().is_some() {
        return f.uint(src, lo, hi);
    }
    let v = parse_count(&f.scalar_text(src)?).map_err(at(src, f))?;
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(src.err(
            f.value.span(),
            &f.key,
            format!("{v} is out of range; allowed: a count {lo}..={hi}"),
        ))
    }
}

fn widths_of(src: &SpecSource<'_>, f: &Field<'_, '_>) -> Result<Vec<u32>> {
    f.array(src)?
        .into_iter()
        .map(|e| {
            let t = e.scalar_text(src)?;
            t.parse::<Width>()
                .map(|w| w.bits())
                .map_err(|m| src.err(e.value.span(), &e.key, m))
        })
        .collect()
}

/// The protocol instances one `[[protocols]]` entry stands for: a catalog
/// entry (`protocol = "split"`) or a protocol file (`protocol = "x.toml"`,
/// relative to the spec; the rule of [`ProtocolRef::parse`]), its parameters given under the old flag names
/// (`bits`, `hi`, `read`, ...) or as `params = { NAME = VALUE }`. The
/// widths fill in the parameters that size the words and were not given:
/// a total width is split evenly among them (plain: `W`; split: `H` and
/// `L`, half each; epoch: `W` and `E`), so one grid covers every family.
fn expand_protocol(
    src: &SpecSource<'_>,
    t: &SpecTable<'_, '_>,
    widths: Option<&[u32]>,
    entry: &Field<'_, '_>,
) -> Result<Vec<Protocol>> {
    let at = |msg: String| src.err(entry.value.span(), &entry.key, msg.replace("--", ""));
    let Some(f) = t.get("protocol") else {
        return Err(at(
            "'protocol' is required: a catalog name or a protocol file beside the spec".into(),
        ));
    };
    let base = std::path::Path::new(src.file)
        .parent()
        .unwrap_or(std::path::Path::new(""));
    let file = ProtocolRef::parse(f.str(src)?, base)
        .and_then(|r| r.load())
        .map_err(|e| src.err(f.value.span(), &f.key, e))?;
    let mut given: Vec<(String, String)> = Vec::new();
    for (flag, param) in LEGACY_FLAGS {
        if let Some(f) = t.get(flag) {
            if !file.params.iter().any(|p| &p.name == param) {
                return Err(src.err(
                    f.value.span(),
                    &f.key,
                    format!(
                        "does not apply to {}; it takes: {}",
                        file.name,
                        catalog::flags_of(&file).replace("--", "")
                    ),
                ));
            }
            let v = f.scalar_text(src)?;
            given.push((param.to_string(), v));
        }
    }
    if let Some(pf) = t.get("params") {
        for (name, f) in pf.entries(src)? {
            given.push((name, f.scalar_text(src)?));
        }
    }
    // The parameters that size the words by themselves (`seq = "W"`).
    let mut sizing: Vec<String> = Vec::new();
    for w in &file.words {
        let p = w.width.text.trim();
        if file.params.iter().any(|q| q.name == p) && !sizing.iter().any(|s| s == p) {
            sizing.push(p.to_string());
        }
    }
    let open: Vec<&String> = sizing
        .iter()
        .filter(|p| !given.iter().any(|(g, _)| g == *p))
        .collect();
    let mut sets: Vec<Vec<(String, String)>> = Vec::new();
    match (open.is_empty(), widths) {
        (false, Some(ws)) => {
            for &w in ws {
                let n = open.len() as u32;
                if w % n != 0 {
                    return Err(src.err(
                        entry.value.span(),
                        &format!("{}.widths", entry.key),
                        format!(
                            "{} splits a width among {} ({n} words); {w} is not a multiple of {n}",
                            file.name,
                            open.iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                let mut set = given.clone();
                for p in &open {
                    set.push(((*p).clone(), (w / n).to_string()));
                }
                sets.push(set);
            }
        }
        _ => sets.push(given.clone()),
    }
    let mut out = Vec::new();
    for set in sets {
        let s = Protocol::new(file.clone(), &set, "param").map_err(|e| at(e.to_string()))?;
        out.push(s);
    }
    Ok(out)
}

/// FNV-1a, 64 bits: a stable fingerprint (std's hasher may change between
/// releases, and a progress file must outlive a toolchain upgrade).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
title = "a test"
seed = 7
engines = ["explore", "analyze"]
widths = ["i8", 16]
rates = ["1e6", "measured:kernel"]
windows = ["fixed:1us"]

[[protocols]]
protocol = "plain"

[[protocols]]
protocol = "split"
read = "hi-lo-hi"

[[protocols]]
protocol = "bounded"
max-window-cycles = "max-safe"
"#;

    #[test]
    fn a_good_spec_expands() {
        let q = Question::parse("t.toml", GOOD).unwrap();
        assert_eq!(q.protocols.len(), 6);
        assert_eq!(
            q.protocols[2].params_string(),
            "H=4 L=4 READ=hi-lo-hi ORDER=lo-first WMB=1 RMB=1"
        );
        assert_eq!(q.protocols[5].params_string(), "W=16 T=32767");
        // explore: 6 points; analyze: 6 protocols x 2 rates x 1 x 1 x 1.
        assert_eq!(q.point_count(), 6 + 12);
        // values are typed once, with their spelling kept
        assert_eq!(q.rates[0].value, RateSpec::PerSecond(1e6));
        assert_eq!(
            q.rates[1].value,
            RateSpec::Measured(crate::stress::RateKind::KERNEL)
        );
        assert_eq!(q.windows[0].value, Window::Fixed { len: 1e-6 });
        assert_eq!(q.windows[0].text, "fixed:1us");
        assert_eq!(q.holds[0].value, 0.0);
        assert_eq!(q.processes, vec![Process::Poisson]);
        let counted = Question::parse(
            "t.toml",
            &GOOD.replace("seed = 7", "seed = 7\nsamples = \"2^20\""),
        )
        .unwrap();
        assert_eq!(counted.samples, 1 << 20);
        let counted = Question::parse(
            "t.toml",
            &GOOD.replace("seed = 7", "seed = 7\nsamples = 1e6"),
        )
        .unwrap();
        assert_eq!(counted.samples, 1_000_000);
    }

    fn err(text: &str) -> String {
        Question::parse("t.toml", text).unwrap_err().to_string()
    }

    #[test]
    fn bad_specs_name_file_line_and_key() {
        let cases = [
            (GOOD.replace("seed = 7", "seed = 7\ncolour = 1"), "t.toml:5: key 'colour'"),
            (GOOD.replace("seed = 7", "seed = \"7\""), "t.toml:4: key 'seed'"),
            (GOOD.replace("[\"i8\", 16]", "[]"), "t.toml:6: key 'widths': empty grid"),
            (GOOD.replace("\"1e6\",", "\"0\","), "t.toml:7: key 'rates[0]'"),
            (GOOD.replace("fixed:1us", "fixed:1parsec"), "t.toml:8: key 'windows[0]'"),
            (GOOD.replace("fixed:1us", "fixed:10"), "t.toml:8: key 'windows[0]': fixed T: '10' has no unit (did you mean 10s?)"),
            (GOOD.replace("fixed:1us", "fixed:1m"), "'m' is ambiguous"),
            (GOOD.replace("seed = 7", "seed = 7\nholds = [\"0\", \"2us\"]"), "t.toml:5: key 'holds[1]': rate x hold"),
            (GOOD.replace("seed = 7", "seed = 7\nholds = [\"50\"]"), "key 'holds[0]': '50' has no unit"),
            (GOOD.replace("seed = 7", "seed = 7\nprocesses = [\"bursty\"]"), "key 'processes[0]': 'bursty' is not a writer process"),
            (GOOD.replace("seed = 7", "seed = 7\nfleet = \"1,2\""), "key 'fleet': '1,2' is not a fleet"),
            (GOOD.replace("seed = 7", "seed = 7\nsamples = \"1.5\""), "key 'samples': '1.5' is not a whole number"),
            (GOOD.replace("seed = 7", "seed = 7\nsamples = 2e9"), "key 'samples': 2000000000 is out of range"),
            (GOOD.replace("read = ", "colour = "), "key 'protocols[1].colour'"),
            (GOOD.replace("\"i8\", 16", "\"i8\", 65"), "key 'widths[1]'"),
            (
                GOOD.replace("windows = [\"fixed:1us\"]", "windows = [\"fixed:1us\"]\nholds = [\"0\", \"0.1ns\", \"0.2ns\", \"0.3ns\", \"0.4ns\", \"0.5ns\", \"0.6ns\", \"0.7ns\"]\nprocesses = [\"fixed\", \"poisson\"]\n")
                    .replace("rates = [", "rates = [\"1e1\",\"1e2\",\"1e3\",\"1e4\",\"1e5\",\"1e7\",\"1e8\",\"1e9\",")
                    .replace("fixed:1us\"]", &format!("fixed:1us\"{}]", ",\"fixed:2us\"".repeat(200))),
                "over the limit",
            ),
        ];
        for (text, want) in cases {
            let e = err(&text);
            assert!(e.contains(want), "{e:?} should contain {want:?}");
            assert!(!e.contains('\n'), "{e:?}");
        }
    }
}
