//! The exhaustive explorer: every execution of R readers and N writers of
//! a protocol description under a memory model.
//!
//! Two modes share one semantics ([`machine`]) and one search
//! ([`search`]):
//! - brute ([`brute`]): every move, one at a time;
//! - accelerated ([`accelerated`]): writer-only stretches jumped in O(1),
//!   exact at 32 and 64 bits for every description whose writer adds
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
mod progress;
pub mod search;
pub mod state;
pub mod trace;

use std::time::Instant;

use num_bigint::BigUint;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::memory::Model;
use crate::protocol::Scheme;
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
    /// Accelerated where the description's shape allows it, else brute.
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
    pub scheme: Scheme,
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
    pub fn new(scheme: Scheme) -> ExploreConfig {
        ExploreConfig {
            scheme,
            readers: 1,
            writers: 1,
            mode: ExploreMode::Auto,
            model: Model::Sc,
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
                write!(f, "INCOMPLETE ({reason}): no false positive below {below} cycles")?;
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
    pub scheme: Scheme,
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
        let who = format!(
            "{} reader(s), {} writer(s), {} model, {} mode",
            self.readers, self.writers, self.model, self.mode
        );
        match &self.mode_note {
            Some(n) => format!("{who} ({n})"),
            None => who,
        }
    }
}

/// Explore. Errors on a bad configuration (readers or writers out of
/// range, accelerated mode asked for a description it does not apply to, a
/// brute search too long to start) or a description that fails at run
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
    let shape = cfg.scheme.shape();
    let readers_eff = if shape.has_gp { cfg.readers } else { 1 };
    if cfg.model == Model::Lkmm && readers_eff > 1 {
        return Err(Error::usage(format!(
            "--readers {}: under lkmm each reader has its own view of the writer's stores, \
             and with synchronize_rcu() the readers interact; seqwrap models one view. \
             allowed: --readers 1 under lkmm for {}",
            cfg.readers,
            cfg.scheme.name()
        )));
    }
    let (mode, mode_note) = match (cfg.mode, &shape.accel_blocker) {
        (ExploreMode::Brute, _) => (ExploreMode::Brute, None),
        (_, _) if cfg.max_writer_cycles.is_some() => (ExploreMode::Brute, None),
        (ExploreMode::Accelerated, Some(why)) => {
            return Err(Error::usage(format!(
                "--mode accelerated does not apply to {}: {why}; allowed: --mode brute or auto",
                cfg.scheme.name()
            )));
        }
        (_, None) => (ExploreMode::Accelerated, None),
        (ExploreMode::Auto, Some(why)) => (
            ExploreMode::Brute,
            Some(format!("accelerated mode does not apply: {why}; explored by brute force")),
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
        scheme: cfg.scheme.clone(),
        mode,
        mode_note,
        model: cfg.model,
        readers: cfg.readers,
        writers: cfg.writers,
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
    if cfg.force || cfg.max_seconds.is_some() || cfg.max_states.is_some() {
        return Ok(());
    }
    let bits = cfg.scheme.total_bits();
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
            cfg.scheme,
            cycles.log2(),
            crate::timing::human_duration(secs)
        )));
    }
    Ok(())
}

type Found = (Verdict, Option<u128>, Trace, u64);

fn run<const R: usize>(cfg: &ExploreConfig, mode: ExploreMode, bounds: Bounds) -> Result<Found> {
    // A total cycle bound needs absolute positions: no symmetry then.
    let symmetric = cfg.max_writer_cycles.is_none();
    let m = Machine::new(&cfg.scheme, cfg.model, symmetric)?.with_cycle_cap(cfg.max_writer_cycles);
    let init = m.initial::<R>()?;
    let mut search = Search::new(init, cfg.max_cycles, bounds);
    let period = 1u128 << cfg.scheme.total_bits().min(127);
    let mut meter = progress::Meter::new(cfg.progress, cfg.max_cycles.unwrap_or(period).min(period));
    match mode {
        ExploreMode::Brute => brute::run(&m, &mut search, &mut meter)?,
        _ => accelerated::run(&m, &mut search, &mut meter)?,
    }
    meter.finish();
    if search.jump_mismatch {
        return Err(Error::Run(format!(
            "internal: brute stepping and the O(1) jump disagree for {}; please report",
            cfg.scheme
        )));
    }
    let states = search.states;
    let abs = Machine::new(&cfg.scheme, cfg.model, false)?.with_cycle_cap(cfg.max_writer_cycles);
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

#[cfg(test)]
mod probe {
    use super::*;
    use crate::protocol::catalog::scheme;

    fn go(name: &str, params: &[(&str, &str)], mode: ExploreMode, model: Model) -> String {
        let s = scheme(name, params).unwrap();
        let mut c = ExploreConfig::new(s);
        c.mode = mode;
        c.model = model;
        match explore(&c) {
            Ok(r) => format!(
                "{:<40} {:<5} {:<12} {:?} min={:?} states={} {:.3}s{}",
                r.scheme.to_string(),
                model.to_string(),
                r.mode.to_string(),
                r.verdict,
                r.min_cycles.map(|m| m.to_string()),
                r.states,
                r.elapsed_s,
                r.mode_note.map(|n| format!(" [{n}]")).unwrap_or_default()
            ),
            Err(e) => format!("{name} {params:?}: ERROR {e}"),
        }
    }

    #[test]
    #[ignore]
    fn probe() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("plain", &[("W", "8")]),
            ("rfc-v1", &[("W", "8")]),
            ("rfc-v2", &[("W", "8")]),
            ("seqcount", &[("W", "8")]),
            ("guard", &[("W", "6")]),
            ("bounded", &[("W", "6")]),
            ("bounded", &[("W", "6"), ("T", "32")]),
            ("saturate", &[("W", "6")]),
            ("split", &[("H", "3"), ("L", "3")]),
            ("split", &[("H", "3"), ("L", "3"), ("READ", "hi-lo-hi")]),
            ("split", &[("H", "3"), ("L", "3"), ("READ", "hi-lo-hi"), ("ORDER", "hi-first")]),
            ("split", &[("H", "3"), ("L", "3"), ("READ", "lo-hi-lo")]),
            ("split", &[("H", "3"), ("L", "3"), ("READ", "lo-hi-lo"), ("ORDER", "hi-first")]),
            ("epoch", &[("W", "3"), ("E", "3")]),
            ("epoch", &[("W", "3"), ("E", "3"), ("ORDER", "epoch-first")]),
        ];
        for (n, p) in cases {
            for model in Model::ALL {
                for mode in [ExploreMode::Brute, ExploreMode::Accelerated] {
                    eprintln!("{}", go(n, p, mode, model));
                }
            }
        }
    }
}

#[cfg(test)]
mod herd_probe {
    use super::*;
    use crate::protocol::catalog::scheme;

    #[test]
    #[ignore]
    fn write_litmus() {
        let dir = std::path::Path::new("/tmp/h/gen");
        std::fs::create_dir_all(dir).unwrap();
        for (n, p, k) in [("rfc-v1", vec![("W", "2")], 1u32), ("rfc-v2", vec![("W", "2")], 2), ("split", vec![("H", "1"), ("L", "2"), ("READ", "lo-hi-lo")], 2)] {
            let s = scheme(n, &p).unwrap();
            let t = crate::litmus::litmus(&s, k).unwrap();
            std::fs::write(dir.join(format!("{n}-{k}.litmus")), t).unwrap();
        }
    }
}

#[cfg(test)]
mod herd_compare {
    use super::*;
    use crate::protocol::catalog::scheme;
    use std::process::Command;

    fn herd(path: &std::path::Path) -> Option<String> {
        let h = "/work/shared/herd";
        let out = Command::new("timeout")
            .args(["120", &format!("{h}/herd7"), "-I", &format!("{h}/libdir"), "-I", &format!("{h}/lkmm"), "-conf", &format!("{h}/lkmm/linux-kernel.cfg")])
            .arg(path)
            .output()
            .ok()?;
        let s = String::from_utf8_lossy(&out.stdout).to_string();
        crate::litmus::herd_verdict(&s).map(String::from)
    }

    #[test]
    #[ignore]
    fn compare() {
        let dir = std::path::Path::new("/tmp/h/cmp");
        std::fs::create_dir_all(dir).unwrap();
        let filter = std::env::var("CMP").unwrap_or_default();
        let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("plain", vec![("W", "2")]),
            ("rfc-v1", vec![("W", "2")]),
            ("rfc-v2", vec![("W", "2")]),
            ("seqcount", vec![("W", "2")]),
            ("guard", vec![("W", "2")]),
            ("saturate", vec![("W", "2")]),
            ("split", vec![("H", "1"), ("L", "2")]),
            ("split", vec![("H", "1"), ("L", "2"), ("RMB", "0")]),
            ("split", vec![("H", "1"), ("L", "2"), ("WMB", "0")]),
            ("split", vec![("H", "1"), ("L", "2"), ("READ", "hi-lo-hi")]),
            ("split", vec![("H", "1"), ("L", "2"), ("READ", "hi-lo-hi"), ("RMB", "0")]),
            ("split", vec![("H", "1"), ("L", "2"), ("READ", "lo-hi-lo"), ("ORDER", "hi-first")]),
            ("split", vec![("H", "1"), ("L", "2"), ("READ", "lo-hi-lo"), ("ORDER", "hi-first"), ("RMB", "0")]),
            ("split", vec![("H", "1"), ("L", "2"), ("READ", "lo-hi-lo"), ("ORDER", "hi-first"), ("WMB", "0")]),
            ("epoch", vec![("W", "2"), ("E", "1")]),
        ];
        for (n, p) in &cases {
            for k in 1..=3u32 {
                let s = scheme(n, p).unwrap();
                let name = format!("{}-K{k}", s.to_string().replace(' ', "_"));
                if !name.contains(&filter) {
                    continue;
                }
                let mut c = ExploreConfig::new(s.clone());
                c.model = Model::Lkmm;
                c.mode = ExploreMode::Brute;
                c.max_writer_cycles = Some(k);
                let t0 = std::time::Instant::now();
                let r = explore(&c).unwrap();
                let ours = r.verdict == Verdict::FalsePositive;
                let et = t0.elapsed().as_secs_f64();
                let path = dir.join(format!("{name}.litmus"));
                std::fs::write(&path, crate::litmus::litmus(&s, k).unwrap()).unwrap();
                let t1 = std::time::Instant::now();
                let h = herd(&path);
                let ht = t1.elapsed().as_secs_f64();
                let theirs = h.as_deref().map(|v| v != "Never");
                let mark = match theirs { Some(t) if t == ours => "ok", Some(_) => "MISMATCH", None => "herd timeout" };
                eprintln!("{mark:<12} {name:<70} ours={ours} ({et:.2}s) herd={h:?} ({ht:.1}s)");
            }
        }
    }
}

#[cfg(test)]
mod probe2 {
    use super::*;
    use crate::protocol::catalog::scheme;
    #[test]
    #[ignore]
    fn guard_growth() {
        for w in 4..=10 {
            for model in [Model::Sc, Model::Lkmm] {
                let s = scheme("guard", &[("W", &w.to_string())]).unwrap();
                let mut c = ExploreConfig::new(s);
                c.mode = ExploreMode::Brute;
                c.model = model;
                let r = explore(&c).unwrap();
                eprintln!("guard W={w} {model}: {:?} states={} {:.2}s", r.verdict, r.states, r.elapsed_s);
            }
        }
        eprintln!("state size {}", std::mem::size_of::<state::State<1>>());
    }
}

#[cfg(test)]
mod probe3 {
    use super::*;
    use crate::protocol::catalog::scheme;
    #[test]
    #[ignore]
    fn walk_plain() {
        let s = scheme("plain", &[("W", "3")]).unwrap();
        let m = Machine::new(&s, Model::Lkmm, true).unwrap();
        let mut st = m.initial::<1>().unwrap();
        let mut mv = Vec::new();
        for step in 0..12 {
            m.moves(&st, &mut mv).unwrap();
            eprintln!("step {step}: pc={} flags={} view={:?} moves={mv:?}", st.readers[0].pc, st.readers[0].flags, st.view);
            // prefer the reader
            let pick = *mv.iter().rev().next().unwrap();
            let (c, alive) = m.apply(&mut st, pick).unwrap();
            eprintln!("   applied {pick:?} cost={c} alive={alive} outcome={:?}", st.readers[0].outcome);
            if st.readers[0].outcome.is_some() { break; }
        }
    }
}

#[cfg(test)]
mod probe4 {
    use super::*;
    use crate::protocol::catalog::scheme;
    #[test]
    #[ignore]
    fn brute_speed() {
        for w in [16u32, 32] {
            let s = scheme("plain", &[("W", &w.to_string())]).unwrap();
            let mut c = ExploreConfig::new(s);
            c.mode = ExploreMode::Brute;
            let r = explore(&c).unwrap();
            eprintln!("plain W={w} brute: {:?} min={:?} states={} {:.3}s", r.verdict, r.min_cycles.map(|m| m.to_string()), r.states, r.elapsed_s);
        }
    }
}

#[cfg(test)]
mod probe5 {
    use super::*;
    use crate::protocol::catalog::scheme;
    #[test]
    #[ignore]
    fn split_speed() {
        for (h, l) in [(1u32, 1u32), (1, 2), (2, 2), (3, 3), (2, 4)] {
            for read in ["naive", "hi-lo-hi", "lo-hi-lo"] {
                for order in ["lo-first", "hi-first"] {
                    for model in Model::ALL {
                        let s = scheme("split", &[("H", &h.to_string()), ("L", &l.to_string()), ("READ", read), ("ORDER", order)]).unwrap();
                        let mut c = ExploreConfig::new(s.clone());
                        c.mode = ExploreMode::Brute;
                        c.model = model;
                        c.max_seconds = Some(5.0);
                        let r = explore(&c).unwrap();
                        if r.elapsed_s > 0.5 {
                            eprintln!("SLOW {s} {model}: {:?} {:.2}s states={}", r.verdict, r.elapsed_s, r.states);
                        }
                    }
                }
            }
        }
    }
}
