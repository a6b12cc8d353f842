//! The exhaustive explorer: every interleaving of R readers (one
//! speculation each) and N writers (serialized by the lock) over a scheme.
//!
//! Two modes share the model and the search ([`search`]):
//! - [`brute`]: steps every thread cycle by cycle;
//! - [`accelerated`]: jumps writer-only stretches in O(1).
//!
//! The cost of a run is the number of modifications in reader 0's window
//! (DESIGN.md, `min_cycles`); both modes are Dijkstra searches on it, so the
//! first false positive they settle is a shortest one.
//!
//! Reductions, each exact for the question asked:
//! - translation symmetry ([`crate::model::Protocol::symmetry`]): only
//!   `seq - snapshot` matters (plain), the high word only relative to the
//!   snapshot (split, epoch);
//! - readers are symmetric and only load, so reader 0 is the designated
//!   one; the others keep what their own control flow needs (and the
//!   guard's grace period sees them in flight) but drop their snapshots,
//!   which no other thread reads;
//! - cone of influence: when no writer step depends on readers (every
//!   scheme but `guard`), nothing reads another reader's state at all, so
//!   the other readers start finished and R > 1 explores what R = 1 does;
//! - writer symmetry: writers serialize on the lock and run one program;
//!   the holder's identity is invisible to every load and is not kept, so
//!   N > 1 explores what N = 1 does.
//!
//! The last two say something about the protocol, not just the search:
//! extra readers or writers cannot make a false positive shorter.
//!
//! A verdict always carries its scope: a false positive, none at all (the
//! reduced state space was exhausted), or none within `--max-cycles`.

mod accelerated;
mod brute;
mod path;
mod search;
mod trace;

use std::time::Instant;

use num_bigint::BigUint;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Protocol;
use crate::scheme::SchemeSpec;
use crate::scheme::bounded::Bounded;
use crate::scheme::epoch::Epoch;
use crate::scheme::guard::Guard;
use crate::scheme::plain::Plain;
use crate::scheme::split::Split;
use search::Search;

pub use trace::{TRACE_COLUMNS, count_text};

/// How the explorer walks writer-only stretches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExploreMode {
    /// Step cycle by cycle.
    Brute,
    /// Jump writer-only stretches exactly.
    Accelerated,
    /// Accelerated wherever the scheme supports it (all schemes do).
    Auto,
}

impl std::str::FromStr for ExploreMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<ExploreMode> {
        match s {
            "brute" => Ok(ExploreMode::Brute),
            "accelerated" => Ok(ExploreMode::Accelerated),
            "auto" => Ok(ExploreMode::Auto),
            other => Err(Error::usage(format!(
                "--mode: '{other}' is not a mode; allowed: brute, accelerated, auto"
            ))),
        }
    }
}

impl std::fmt::Display for ExploreMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ExploreMode::Brute => "brute",
            ExploreMode::Accelerated => "accelerated",
            ExploreMode::Auto => "auto",
        })
    }
}

/// Most readers the explorer models.
pub const MAX_READERS: u8 = 4;
/// Most writers the explorer models.
pub const MAX_WRITERS: u8 = 4;

/// What to explore and within which bounds.
#[derive(Clone, Debug)]
pub struct ExploreConfig {
    /// The scheme.
    pub scheme: SchemeSpec,
    /// Readers, one speculation each (1..=4).
    pub readers: u8,
    /// Writers, serialized by the lock (1..=4).
    pub writers: u8,
    /// Brute, accelerated or auto.
    pub mode: ExploreMode,
    /// Only consider runs whose window holds at most this many cycles.
    pub max_cycles: Option<u128>,
    /// Show a progress bar on stderr for long runs.
    pub progress: bool,
}

impl ExploreConfig {
    /// One reader, one writer, auto mode, no bound, no progress bar.
    pub fn new(scheme: SchemeSpec) -> ExploreConfig {
        ExploreConfig {
            scheme,
            readers: 1,
            writers: 1,
            mode: ExploreMode::Auto,
            max_cycles: None,
            progress: false,
        }
    }
}

/// The verdict, always with its scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A false positive is reachable.
    FalsePositive,
    /// The whole (reduced) state space was explored: no false positive at all.
    NoneAtAll,
    /// No false positive in a window of at most this many cycles.
    NoneWithin(u128),
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::FalsePositive => write!(f, "FALSE POSITIVE reachable"),
            Verdict::NoneAtAll => write!(f, "no false positive at all (state space exhausted)"),
            Verdict::NoneWithin(c) => {
                write!(f, "no false positive within {c} cycles (bounded search)")
            }
        }
    }
}

/// What the explorer found.
#[derive(Clone, Debug)]
pub struct ExploreReport {
    /// The scheme explored.
    pub scheme: SchemeSpec,
    /// The mode that ran (auto resolved).
    pub mode: ExploreMode,
    /// Readers.
    pub readers: u8,
    /// Writers.
    pub writers: u8,
    /// The verdict.
    pub verdict: Verdict,
    /// Minimal complete writer cycles inside a window that yields a false positive.
    pub min_cycles: Option<BigUint>,
    /// A shortest counterexample, one step a line, each <= 72 columns.
    pub trace: Vec<String>,
    /// States visited.
    pub states: u64,
    /// Wall time in seconds.
    pub elapsed_s: f64,
}

impl ExploreReport {
    /// Was a false positive found?
    pub fn false_positive(&self) -> bool {
        self.verdict == Verdict::FalsePositive
    }
}

/// Explore a scheme. Errors only on a bad configuration (readers or writers
/// out of range).
pub fn explore(cfg: &ExploreConfig) -> Result<ExploreReport> {
    if !(1..=MAX_READERS).contains(&cfg.readers) {
        return Err(Error::usage(format!(
            "--readers: {} is out of range; allowed: 1..={MAX_READERS}",
            cfg.readers
        )));
    }
    if !(1..=MAX_WRITERS).contains(&cfg.writers) {
        return Err(Error::usage(format!(
            "--writers: {} is out of range; allowed: 1..={MAX_WRITERS}",
            cfg.writers
        )));
    }
    let start = Instant::now();
    let mode = match cfg.mode {
        ExploreMode::Auto => ExploreMode::Accelerated,
        m => m,
    };
    let (verdict, min, trace, states) = (match &cfg.scheme {
        SchemeSpec::Plain { width } => {
            by_readers(&Plain::new(cfg.scheme.clone(), width.bits()), cfg, mode)
        }
        SchemeSpec::Guard { width } => {
            by_readers(&Guard::new(cfg.scheme.clone(), width.bits()), cfg, mode)
        }
        SchemeSpec::Bounded {
            width,
            max_window_cycles,
        } => by_readers(
            &Bounded::new(cfg.scheme.clone(), width.bits(), *max_window_cycles),
            cfg,
            mode,
        ),
        SchemeSpec::Split {
            hi,
            lo,
            read,
            write_order,
        } => by_readers(
            &Split::new(cfg.scheme.clone(), *hi, *lo, *read, *write_order),
            cfg,
            mode,
        ),
        SchemeSpec::Epoch {
            width,
            epoch_bits,
            write_order,
        } => by_readers(
            &Epoch::new(cfg.scheme.clone(), width.bits(), *epoch_bits, *write_order),
            cfg,
            mode,
        ),
    })?;
    Ok(ExploreReport {
        scheme: cfg.scheme.clone(),
        mode,
        readers: cfg.readers,
        writers: cfg.writers,
        verdict,
        min_cycles: min.map(BigUint::from),
        trace,
        states,
        elapsed_s: start.elapsed().as_secs_f64(),
    })
}

type Found = Result<(Verdict, Option<u128>, Vec<String>, u64)>;

fn by_readers<P: Protocol>(p: &P, cfg: &ExploreConfig, mode: ExploreMode) -> Found {
    match cfg.readers {
        1 => run::<P, 1>(p, cfg, mode),
        2 => run::<P, 2>(p, cfg, mode),
        3 => run::<P, 3>(p, cfg, mode),
        _ => run::<P, 4>(p, cfg, mode),
    }
}

fn run<P: Protocol, const R: usize>(p: &P, cfg: &ExploreConfig, mode: ExploreMode) -> Found {
    let search: Search<R> = match mode {
        ExploreMode::Brute => brute::run(p, cfg.writers, cfg.max_cycles, cfg.progress),
        _ => accelerated::run(p, cfg.writers, cfg.max_cycles),
    };
    let states = search.states;
    if search.jump_mismatch {
        return Err(Error::Run(format!(
            "internal: brute stepping and the O(1) jump disagree for {}; please report",
            p.spec()
        )));
    }
    Ok(match search.best {
        Some((cost, path)) => (
            Verdict::FalsePositive,
            Some(cost),
            trace::render(p, &path),
            states,
        ),
        None => {
            let v = match (search.pruned, cfg.max_cycles) {
                (true, Some(m)) => Verdict::NoneWithin(m),
                _ => Verdict::NoneAtAll,
            };
            (v, None, Vec::new(), states)
        }
    })
}
