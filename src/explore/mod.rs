//! The exhaustive explorer: every execution of R readers and N writers of
//! a protocol under a memory model.
//!
//! Two modes share one semantics ([`machine`]) and one search
//! ([`search`]):
//! - brute ([`brute`]): every move, one at a time;
//! - accelerated ([`accelerated`]): writer-only stretches jumped in O(1),
//!   exact at 32 and 64 bits for every protocol whose writer adds
//!   constants to its words and carries between them (or is piecewise on
//!   one word) and whose reader compares loaded values for equality — the
//!   whole catalog; anything else is explored by brute force, and the
//!   report says so.
//!
//! The cost of a run is the number of modifications inside reader 0's
//! window (DESIGN, `min_cycles`); both modes are Dijkstra searches on it,
//! so the first false positive they settle is a shortest one.
//!
//! Reductions, each exact for the question asked:
//! - translation symmetry ([`crate::protocol::shape::Shape::symmetry`]);
//! - dead locals forgotten;
//! - cone of influence: when no writer step depends on readers (no
//!   `synchronize_rcu()`), nothing reads another reader's state, so R > 1
//!   explores what R = 1 does;
//! - writer symmetry: writers serialize on the lock and run one program;
//!   which one holds it is invisible to every load, and under every model
//!   the lock orders one cycle before the next (`po-unlock-lock-po` in
//!   LKMM), so N > 1 explores what N = 1 does.
//!
//! A verdict always carries its scope: a false positive, none at all (the
//! reduced state space was exhausted), none within `--max-cycles`, or
//! *incomplete* when a bound (states, seconds, memory) stopped the search,
//! with what it covered: every run with fewer window cycles than it had
//! reached.

mod accelerated;
mod brute;
pub mod cycle;
pub mod machine;
mod pack;
mod progress;
pub mod search;
pub mod state;
pub mod trace;

use std::time::Instant;

use num_bigint::BigUint;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::memory::Model;
use crate::protocol::Protocol;
use machine::Machine;
use search::{Bounds, Search};

pub use search::Cut;
pub use trace::{TRACE_COLUMNS, Trace, TraceStep, count_text};

/// How the explorer walks writer-only stretches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExploreMode {
    /// Move by move.
    Brute,
    /// Jump writer-only stretches exactly.
    Accelerated,
    /// Accelerated where the protocol's shape allows it, else brute.
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
/// The default memory ceiling: the search stops, *incomplete*, past it.
pub const DEFAULT_MAX_MEMORY: u64 = 4 << 30;
/// Brute searches estimated to take longer than this many seconds are
/// refused unless `--max-seconds` bounds them or `--force` is given.
pub const BRUTE_REFUSE_SECONDS: f64 = 600.0;
/// Brute-mode moves per second this estimate assumes (this machine class,
/// one core; measured by `cargo bench --bench explore`).
pub const BRUTE_MOVES_PER_SECOND: f64 = 1e8;

/// What to explore and within which bounds. Every bound is documented
/// here and nowhere else.
#[derive(Clone, Debug)]
pub struct ExploreConfig {
    /// The protocol.
    pub protocol: Protocol,
    /// Readers, one speculation each (1..=4).
    pub readers: u8,
    /// Writers, serialized by the lock (1..=4).
    pub writers: u8,
    /// Brute, accelerated or auto.
    pub mode: ExploreMode,
    /// The memory model.
    pub model: Model,
    /// `--max-cycles`: only runs whose window holds at most this many
    /// cycles (a scope, not a bound: "none within" is a verdict).
    pub max_cycles: Option<u128>,
    /// `--max-states`: stop after expanding this many states (incomplete).
    pub max_states: Option<u64>,
    /// `--max-seconds`: stop after this long (incomplete).
    pub max_seconds: Option<f64>,
    /// `--max-memory`: stop once the search holds this many bytes
    /// (incomplete); default [`DEFAULT_MAX_MEMORY`].
    pub max_memory: Option<u64>,
    /// The writer runs at most this many cycles in all (not a window bound:
    /// the litmus cross-check's question, "a false positive with a writer
    /// unrolled K times", which herd7 answers too). Brute mode only.
    pub max_writer_cycles: Option<u32>,
    /// `--force`: run a brute search estimated to take longer than
    /// [`BRUTE_REFUSE_SECONDS`] without `--max-seconds`.
    pub force: bool,
    /// Show a progress bar on stderr for long runs.
    pub progress: bool,
}

impl ExploreConfig {
    /// One reader, one writer, auto mode, SC, default bounds.
    pub fn new(protocol: Protocol) -> ExploreConfig {
        ExploreConfig {
            protocol,
            readers: 1,
            writers: 1,
            mode: ExploreMode::Auto,
            model: Model::DEFAULT,
            max_cycles: None,
            max_states: None,
            max_seconds: None,
            max_memory: Some(DEFAULT_MAX_MEMORY),
            max_writer_cycles: None,
            force: false,
            progress: false,
        }
    }
}

/// The verdict, always with its scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A false positive is reachable.
    FalsePositive,
    /// The whole (reduced) state space was explored: none at all.
    NoneAtAll,
    /// No false positive in a window of at most this many cycles.
    NoneWithin(u128),
    /// A bound stopped the search: nothing is known beyond `below` cycles.
    Incomplete {
        /// The bound that stopped it.
        reason: String,
        /// Every run with fewer window cycles than this was explored.
        below: u128,
        /// A false positive was found, at this many cycles, but a shorter
        /// one is not excluded below it.
        found_at: Option<u128>,
    },
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::FalsePositive => write!(f, "FALSE POSITIVE reachable"),
            Verdict::NoneAtAll => write!(f, "no false positive at all (state space exhausted)"),
            Verdict::NoneWithin(c) => {
                write!(f, "no false positive within {c} cycles (bounded search)")
            }
            Verdict::Incomplete {
                reason,
                below,
                found_at,
            } => {
                if *below == 0 {
                    write!(
                        f,
                        "INCOMPLETE ({reason}): nothing settled, not even windows of 0 cycles"
                    )?;
                } else if *below == 1 {
                    write!(
                        f,
                        "INCOMPLETE ({reason}): no false positive in windows of 0 cycles, \
                         nothing settled beyond"
                    )?;
                } else {
                    write!(
                        f,
                        "INCOMPLETE ({reason}): no false positive below {below} cycles"
                    )?;
                }
                if let Some(c) = found_at {
                    write!(f, "; one found at {c}, shorter ones not excluded")?;
                }
                Ok(())
            }
        }
    }
}

/// What the explorer found.
#[derive(Clone, Debug)]
pub struct ExploreReport {
    /// The protocol.
    pub protocol: Protocol,
    /// The mode that ran (auto resolved).
    pub mode: ExploreMode,
    /// Why auto mode fell back to brute, if it did.
    pub mode_note: Option<String>,
    /// The memory model.
    pub model: Model,
    /// Readers asked for.
    pub readers: u8,
    /// Writers asked for.
    pub writers: u8,
    /// The writer's cycles in all, when limited (the litmus question).
    pub max_writer_cycles: Option<u32>,
    /// The verdict.
    pub verdict: Verdict,
    /// Minimal writer cycles inside a window that yields a false positive.
    pub min_cycles: Option<BigUint>,
    /// A shortest counterexample.
    pub trace: Trace,
    /// States visited.
    pub states: u64,
    /// Wall time in seconds.
    pub elapsed_s: f64,
}

impl ExploreReport {
    /// Was a false positive found (and proven shortest)?
    pub fn false_positive(&self) -> bool {
        self.verdict == Verdict::FalsePositive
    }

    /// The scope of the verdict in words.
    pub fn scope(&self) -> String {
        let mut who = format!(
            "{} reader(s), {} writer(s), {} model, {} mode",
            self.readers, self.writers, self.model, self.mode
        );
        if let Some(k) = self.max_writer_cycles {
            who += &format!(", the writer limited to {k} cycle(s) in all");
        }
        match &self.mode_note {
            Some(n) => format!("{who} ({n})"),
            None => who,
        }
    }
}

/// What the timed engines (`analyze`, `sample`) need to know of a
/// protocol from the explorer, under SC. Their caller resolves it with
/// [`sc_facts`] and passes it in: an engine never runs another.
#[derive(Clone, Debug, PartialEq)]
pub struct ScFacts {
    /// The fewest writer cycles inside one speculation that give a false
    /// positive, against an adversary who schedules everything: a catalog
    /// entry's closed form (tested against the explorer at every width),
    /// else the explorer's exact answer (a user file's `[expect]` is not
    /// trusted); `Ok(None)` when there is none at all; `Err` with the
    /// reason when the explorer did not settle.
    pub min_cycles: std::result::Result<Option<BigUint>, String>,
    /// The explorer explored every execution and found no false positive
    /// at all.
    pub none_at_all: bool,
}

/// Resolve [`ScFacts`] for `s`: one exploration (auto mode, SC).
pub fn sc_facts(s: &Protocol) -> Result<ScFacts> {
    let mut cfg = ExploreConfig::new(s.clone());
    cfg.mode = ExploreMode::Auto;
    let r = explore(&cfg)?;
    let none_at_all = r.verdict == Verdict::NoneAtAll;
    let min_cycles = if s.is_catalog()
        && let Some(c) = s.expected_min_cycles("sc")?
    {
        Ok(c)
    } else {
        match r.verdict {
            Verdict::FalsePositive | Verdict::NoneAtAll => Ok(r.min_cycles),
            other => Err(format!("{s}: explore did not settle: {other}")),
        }
    };
    Ok(ScFacts {
        min_cycles,
        none_at_all,
    })
}

/// Explore. Errors on a bad configuration (readers or writers out of
/// range, accelerated mode asked for a protocol it does not apply to, a
/// brute search too long to start) or a protocol that fails at run
/// time (a division by zero on some path).
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
    let shape = cfg.protocol.shape();
    let readers_eff = if shape.has_gp { cfg.readers } else { 1 };
    if !cfg.model.shares_one_view() && readers_eff > 1 {
        return Err(Error::usage(format!(
            "--readers {}: under {} each reader has its own view of the writer's stores, \
             and with synchronize_rcu() the readers interact; seqwrap models one view. \
             allowed: --readers 1 under {} for {}",
            cfg.readers,
            cfg.model,
            cfg.model,
            cfg.protocol.name()
        )));
    }
    let (mode, mode_note) = match (cfg.mode, &shape.accel_blocker) {
        (ExploreMode::Brute, _) => (ExploreMode::Brute, None),
        (_, _) if cfg.max_writer_cycles.is_some() => (ExploreMode::Brute, None),
        (ExploreMode::Accelerated, Some(why)) => {
            return Err(Error::usage(format!(
                "--mode accelerated does not apply to {}: {why}; allowed: --mode brute or auto",
                cfg.protocol.name()
            )));
        }
        (_, None) => (ExploreMode::Accelerated, None),
        (ExploreMode::Auto, Some(why)) => (
            ExploreMode::Brute,
            Some(format!(
                "accelerated mode does not apply: {why}; explored by brute force"
            )),
        ),
    };
    if mode == ExploreMode::Brute {
        check_brute_cost(cfg)?;
    }
    let bounds = Bounds {
        max_states: cfg.max_states,
        max_seconds: cfg.max_seconds,
        max_memory: cfg.max_memory,
    };
    let (verdict, min, trace, states) = match readers_eff {
        1 => run::<1>(cfg, mode, bounds)?,
        2 => run::<2>(cfg, mode, bounds)?,
        3 => run::<3>(cfg, mode, bounds)?,
        _ => run::<4>(cfg, mode, bounds)?,
    };
    Ok(ExploreReport {
        protocol: cfg.protocol.clone(),
        mode,
        mode_note,
        model: cfg.model,
        readers: cfg.readers,
        writers: cfg.writers,
        max_writer_cycles: cfg.max_writer_cycles,
        verdict,
        min_cycles: min.map(BigUint::from),
        trace,
        states,
        elapsed_s: start.elapsed().as_secs_f64(),
    })
}

/// The brute search's cost, estimated before it starts: it walks at least
/// a whole period of the counter (2^(bits-1) cycles for a plain counter).
/// Past [`BRUTE_REFUSE_SECONDS`] it is refused unless bounded.
fn check_brute_cost(cfg: &ExploreConfig) -> Result<()> {
    if cfg.force
        || cfg.max_seconds.is_some()
        || cfg.max_states.is_some()
        || cfg.max_writer_cycles.is_some()
    {
        return Ok(());
    }
    let bits = cfg.protocol.total_bits();
    let cycles = 2f64.powi(bits.saturating_sub(1) as i32);
    let cycles = match cfg.max_cycles {
        Some(m) => cycles.min(m as f64),
        None => cycles,
    };
    let secs = cycles * 3.0 / BRUTE_MOVES_PER_SECOND;
    if secs > BRUTE_REFUSE_SECONDS {
        return Err(Error::usage(format!(
            "--mode brute on {} ({bits} bits) walks ~2^{:.0} cycles, about {}; allowed: \
             --mode accelerated, a bound (--max-seconds S or --max-states N, reported as \
             incomplete), or --force",
            cfg.protocol,
            cycles.log2(),
            crate::text::units::human_duration(secs)
        )));
    }
    Ok(())
}

type Found = (Verdict, Option<u128>, Trace, u64);

fn run<const R: usize>(cfg: &ExploreConfig, mode: ExploreMode, bounds: Bounds) -> Result<Found> {
    // A total cycle bound needs absolute positions: no symmetry then.
    let symmetric = cfg.max_writer_cycles.is_none();
    let m =
        Machine::new(&cfg.protocol, cfg.model, symmetric)?.with_cycle_cap(cfg.max_writer_cycles);
    let init = m.initial::<R>()?;
    let mut search = Search::new(&m, init, cfg.max_cycles, bounds);
    let period = 1u128 << cfg.protocol.total_bits().min(127);
    let mut meter =
        progress::Meter::new(cfg.progress, cfg.max_cycles.unwrap_or(period).min(period));
    match mode {
        ExploreMode::Brute => brute::run(&m, &mut search, &mut meter)?,
        _ => accelerated::run(&m, &mut search, &mut meter)?,
    }
    meter.finish();
    if search.jump_mismatch {
        return Err(Error::Run(format!(
            "internal: brute stepping and the O(1) jump disagree for {}; please report",
            cfg.protocol
        )));
    }
    let states = search.states;
    let abs = Machine::new(&cfg.protocol, cfg.model, false)?.with_cycle_cap(cfg.max_writer_cycles);
    if let Some((cut, below)) = search.cut.clone() {
        let found = search.best.as_ref().map(|(c, _)| *c);
        let trace = match &search.best {
            Some((_, path)) => trace::replay(&abs, path)?,
            None => Trace::default(),
        };
        return Ok((
            Verdict::Incomplete {
                reason: cut.to_string(),
                below,
                found_at: found,
            },
            None,
            trace,
            states,
        ));
    }
    Ok(match search.best {
        Some((cost, path)) => (
            Verdict::FalsePositive,
            Some(cost),
            trace::replay(&abs, &path)?,
            states,
        ),
        None => {
            let v = match (search.pruned, cfg.max_cycles) {
                (true, Some(mc)) => Verdict::NoneWithin(mc),
                _ => Verdict::NoneAtAll,
            };
            (v, None, Trace::default(), states)
        }
    })
}
