//! `stress`: the protocol on real hardware, and the kernel's own rate.
//!
//! Three measurements that turn the model's counts into evidence:
//!
//! 1. [`stress`]: real threads, real atomics of each word's width, a real
//!    lock, running the protocol itself ([`replay`]). The reader follows
//!    the explorer's shortest counterexample — the structured trace, not a
//!    hand copy: before each of its loads the writers are run to where the
//!    trace has them, mid-cycle if need be. The false positive is
//!    *observed* (the reader accepts two different versions of the data)
//!    at the count the explorer found, measured from the data's versions,
//!    and the same schedule one cycle shorter does not accept: the count is
//!    exact, not merely enough. A protocol with no false positive at all
//!    runs the reader parked over its counter's whole period instead (a
//!    guard's writer then waits for the reader's grace period). A
//!    counterexample that needs a reordering this CPU does not do (under
//!    LKMM, on an x86-TSO machine) is reported as not reproducible here —
//!    which is the finding: a stress test on x86 cannot catch it. On a CPU
//!    seqwrap has no model of ([`host_model`] is `None`) the replays follow
//!    the SC counterexample, and a weaker model's shorter one is reported
//!    as one seqwrap cannot say this CPU forbids.
//! 2. [`kernel_table`]: drives the Linux mmap_lock write path from user
//!    space (`munmap(1, 0)`, `mprotect`, `madvise`, io_uring
//!    `IORING_OP_MADVISE`, ...) on 1..=N threads of one mm, repeated runs
//!    with median and spread, each operation checked against the
//!    `mmap_lock/mmap_lock_acquire_returned` tracepoint ([`verify_ops`]):
//!    the rate that turns 2^31 into wall-clock time on this machine.
//! 3. [`observe`]: the same tracepoint system-wide while the machine does
//!    something real (optionally a `cargo build` it starts itself): the
//!    accidental write rates per mm.
//!
//! [`measured_rate`] gives a rate to the rest of seqwrap, cached per CPU
//! model, kernel, operation and thread count outside the checkout
//! ([`default_cache_path`]).
//!
//! Layout: `replay/` (a protocol on real threads and atomics,
//! following a schedule: the schedule, the atomics, the writers, the
//! reader), `kernel/` (the probe: its configuration, statistics,
//! measurement loop and tracepoint check), `observe.rs` (system-wide
//! observation and the generated workload), `rate.rs` (measured rates and
//! their cache). The syscalls, tracefs and this machine's identity are
//! below, in [`crate::host`].

pub mod hold;
mod kernel;
mod observe;
mod rate;
pub mod rename;
pub mod replay;
pub mod uffd;
pub mod uprobe;

use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::explore::{ExploreConfig, ExploreMode, Verdict, explore};
use crate::memory::{Model, host_model};
use crate::protocol::{Outcome, Protocol};
use replay::{Replayed, Schedule};

pub use kernel::{
    Availability, KernelCell, KernelConfig, KernelOp, KernelTable, MAX_THREADS, Spread,
    VerifyReport, default_threads, kernel_table, parse_ops, parse_threads, probe_iterations,
    uring_availability, verify_ops,
};
pub use observe::{
    ObserveConfig, ObserveReport, ObservedMm, Workload, WorkloadRun, WorkloadSize, observe,
};
pub use rate::{
    CACHE_ENV, CACHE_FILE, MeasuredRate, Measurement, RateKind, default_cache_dir,
    default_cache_path, measure, measure_with_cache, measured_rate, record_table, resolve_rate,
};

/// Bounds and repetitions of a stress run.
#[derive(Clone, Debug)]
pub struct StressConfig {
    /// Writer threads (>= 1); they serialise on the lock.
    pub writers: usize,
    /// Timed runs for `ns_per_cycle` (median), after the replays.
    pub timing_runs: usize,
    /// Writer cycles in each timed run.
    pub timing_cycles: u64,
    /// The most writer cycles the replays may need in all; more is refused
    /// as bad input (a 64-bit counter needs 2^63).
    pub max_cycles: u64,
}

impl Default for StressConfig {
    fn default() -> Self {
        StressConfig {
            writers: 1,
            timing_runs: 5,
            timing_cycles: 1 << 22,
            max_cycles: 1 << 33,
        }
    }
}

/// The result of [`stress`]. The JSON of `seqwrap stress --json`.
#[derive(Clone, Debug, Serialize)]
pub struct StressReport {
    /// The protocol's name.
    pub protocol: String,
    /// Its parameters (`W=32`).
    pub params: String,
    /// Total bits of its words.
    pub bits: u32,
    /// Writer threads.
    pub writers: usize,
    /// The memory model the replayed counterexample was explored under:
    /// this CPU's (`tso` on x86), or on a CPU seqwrap has no model of the
    /// strongest, `sc`, which claims nothing about this CPU.
    pub model: Model,
    /// The explorer's minimal cycles under it (decimal), or `None` when it
    /// proves there is no false positive at all.
    pub explore_min_cycles: Option<String>,
    /// The replays: the counterexample, and the same one cycle shorter (or
    /// the reader parked over a whole period, when there is none).
    pub replays: Vec<Replayed>,
    /// Whether a replay ended in a false positive.
    pub false_positive_observed: bool,
    /// Writer modifications in the shortest window that did.
    pub observed_at_cycles: Option<u64>,
    /// A false positive a weaker model allows that the replays do not
    /// follow: one this CPU's model forbids, or, on a CPU seqwrap has no
    /// model of, one it cannot say this CPU forbids.
    pub not_reproducible: Option<String>,
    /// Median ns per writer cycle over the timed runs.
    pub ns_per_cycle: f64,
    /// Each timed run's ns per cycle.
    pub ns_per_cycle_runs: Vec<f64>,
    /// Cycles per timed run.
    pub timing_cycles: u64,
    /// What the run shows, in words.
    pub note: String,
}

/// Median of a non-empty slice (mean of the middle two when even).
pub(crate) fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn check(cfg: &StressConfig) -> Result<()> {
    if cfg.writers == 0 || cfg.writers > 1024 {
        return Err(Error::usage(format!(
            "--writers: {} writers; allowed: 1..=1024",
            cfg.writers
        )));
    }
    if cfg.timing_runs == 0 || cfg.timing_cycles == 0 {
        return Err(Error::usage(
            "--timing-runs and --timing-cycles: allowed: at least 1",
        ));
    }
    Ok(())
}

/// The plan of a stress run: the schedules to replay, what the explorer
/// said, and what a weaker model would add.
struct Plan {
    model: Model,
    min: Option<String>,
    schedules: Vec<Schedule>,
    not_reproducible: Option<String>,
}

fn explore_under(s: &Protocol, model: Model) -> Result<crate::explore::ExploreReport> {
    let mut c = ExploreConfig::new(s.clone());
    c.model = model;
    c.mode = ExploreMode::Auto;
    explore(&c)
}

fn plan(s: &Protocol, cfg: &StressConfig) -> Result<Plan> {
    // On a CPU seqwrap has no model of, plan under the strongest model: the
    // replays follow an interleaving, and nothing is claimed of the CPU.
    let host = host_model();
    let model = host.unwrap_or_else(Model::strongest);
    let r = explore_under(s, model)?;
    let too_many = |what: &str, n: &str| {
        Error::usage(format!(
            "stress: {s}: {what} needs {n} writer cycles; allowed: at most --max-cycles {} in \
            all; use explore or analyze for wider counters",
            cfg.max_cycles
        ))
    };
    let mut schedules = Vec::new();
    match &r.verdict {
        Verdict::FalsePositive => {
            let sch = Schedule::of(&r.trace, "the explorer's shortest counterexample")?;
            let total = r
                .trace
                .steps
                .last()
                .map(|x| x.writer_cycles.clone())
                .unwrap_or_default();
            if total.parse::<u64>().map_or(true, |c| c > cfg.max_cycles) {
                return Err(too_many("the counterexample", &total));
            }
            if let Some(fewer) = sch.one_cycle_fewer() {
                schedules.push(fewer);
            }
            schedules.push(sch);
        }
        Verdict::NoneAtAll => {
            let period = s
                .shape()
                .map
                .as_ref()
                .ok()
                .and_then(|m| {
                    m.period(&[0; crate::protocol::program::MAX_WORDS][..s.program().words.len()])
                })
                .unwrap_or(1u128 << s.total_bits().min(127));
            let cycles = u64::try_from(period).ok().filter(|c| *c <= cfg.max_cycles);
            let Some(cycles) = cycles else {
                return Err(too_many(
                    "parking the reader over a whole period",
                    &period.to_string(),
                ));
            };
            schedules.push(Schedule::parked(cycles));
        }
        other => {
            return Err(Error::Run(format!(
                "stress: explore did not settle {s}: {other}"
            )));
        }
    }
    // What the weakest model allows that the replays do not follow.
    let weakest = Model::weakest();
    let mut not_reproducible = None;
    if weakest.is_weaker_than(model)
        && let Ok(l) = explore_under(s, weakest)
        && l.verdict == Verdict::FalsePositive
        && l.trace.reorders()
        && (r.min_cycles.is_none() || l.min_cycles < r.min_cycles)
    {
        let store = l
            .trace
            .steps
            .iter()
            .any(|x| x.thread == "W" && x.reorder.is_some());
        let load = l
            .trace
            .steps
            .iter()
            .any(|x| x.thread != "W" && x.reorder.is_some());
        let kinds = match (store, load) {
            (true, true) => "store-store and load-load reordering",
            (true, false) => "store-store reordering",
            _ => "load-load reordering",
        };
        let min = l.min_cycles.map(|m| m.to_string()).unwrap_or_default();
        not_reproducible = Some(weaker_note(weakest, &min, kinds, host, model));
    }
    Ok(Plan {
        model,
        min: r.min_cycles.map(|m| m.to_string()),
        schedules,
        not_reproducible,
    })
}

/// What a weaker model's shorter false positive, needing `min` cycles and
/// `kinds` of reordering, means for the replays planned under `planned`:
/// on a CPU whose model is `host`, that model forbids it; on a CPU seqwrap
/// has no model of, it cannot say.
fn weaker_note(
    weaker: Model,
    min: &str,
    kinds: &str,
    host: Option<Model>,
    planned: Model,
) -> String {
    let what = format!("under {weaker} a false positive needs only {min} cycle(s), with {kinds}");
    let trace = format!("(`seqwrap explore --memory-model {weaker}` shows the trace)");
    match host {
        Some(h) => format!(
            "{what}; {} forbids it: not reproducible here {trace}",
            h.title()
        ),
        None => format!(
            "{what}; seqwrap has no model of this CPU, so it cannot claim this CPU's model \
            forbids it: the replays follow the {planned} counterexample instead {trace}"
        ),
    }
}

/// Writer cycles [`stress`] will run for `s` under `cfg` (replays plus
/// timed runs), or the usage error it would fail with. For progress bars
/// and sweep estimates.
pub fn planned_cycles(s: &Protocol, cfg: &StressConfig) -> Result<u64> {
    check(cfg)?;
    let p = plan(s, cfg)?;
    let replays: u64 = p.schedules.iter().map(Schedule::cycles).sum();
    Ok(replays.saturating_add((cfg.timing_runs as u64).saturating_mul(cfg.timing_cycles)))
}

/// Run `s` on real threads and atomics: its replays, then
/// `cfg.timing_runs` timed runs. `progress(done, total)` is called from
/// writer threads every 65536 cycles.
///
/// Errors: `Usage` for a protocol or width the hardware run cannot do (a
/// replay over `cfg.max_cycles`), `Run` if a thread fails.
pub fn stress(
    s: &Protocol,
    cfg: &StressConfig,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<StressReport> {
    check(cfg)?;
    let p = plan(s, cfg)?;
    let total: u64 = p
        .schedules
        .iter()
        .map(Schedule::cycles)
        .sum::<u64>()
        .saturating_add((cfg.timing_runs as u64).saturating_mul(cfg.timing_cycles));
    let done = std::sync::atomic::AtomicU64::new(0);
    let tick = |k: u64| {
        let d = done.fetch_add(k, std::sync::atomic::Ordering::Relaxed) + k;
        progress(d, total)
    };
    let mut replays = Vec::new();
    for sch in &p.schedules {
        replays.push(replay::run(s, sch, cfg.writers, &tick)?);
    }
    let mut runs = Vec::new();
    for _ in 0..cfg.timing_runs {
        let t = replay::time_cycles(s, cfg.writers, cfg.timing_cycles, &tick)?;
        runs.push(t.as_secs_f64() * 1e9 / cfg.timing_cycles as f64);
    }
    let fp = replays
        .iter()
        .filter(|r| r.outcome == Outcome::FalsePositive)
        .min_by_key(|r| r.window_cycles);
    let mut report = StressReport {
        protocol: s.name().to_string(),
        params: s.params_string(),
        bits: s.total_bits(),
        writers: cfg.writers,
        model: p.model,
        explore_min_cycles: p.min,
        false_positive_observed: fp.is_some(),
        observed_at_cycles: fp.map(|r| r.window_cycles),
        replays,
        not_reproducible: p.not_reproducible,
        ns_per_cycle: median(&runs),
        ns_per_cycle_runs: runs,
        timing_cycles: cfg.timing_cycles,
        note: String::new(),
    };
    report.note = note(&report);
    Ok(report)
}

/// Time `cycles` writer cycles of `s` (no reader in flight): the harness's
/// own rate, `measured:stress`.
pub fn time_cycles(s: &Protocol, writers: usize, cycles: u64) -> Result<Duration> {
    check(&StressConfig {
        writers,
        ..StressConfig::default()
    })?;
    replay::time_cycles(s, writers, cycles, &|_| {})
}

fn note(r: &StressReport) -> String {
    let mut n = match (&r.explore_min_cycles, r.observed_at_cycles) {
        (Some(m), Some(o)) => {
            let agree = m.parse::<u64>().ok() == Some(o);
            format!(
                "false positive observed at {o} writer cycles; explore ({}) finds {m}{}",
                r.model,
                if agree {
                    " (agrees)"
                } else {
                    " (DISAGREES: please report, with `seqwrap explore` on the same protocol)"
                }
            )
        }
        (Some(m), None) => format!(
            "no false positive observed, though explore ({}) finds one at {m} cycles: the \
            replay did not follow the counterexample (please report)",
            r.model
        ),
        (None, Some(o)) => {
            format!("FALSE POSITIVE at {o} cycles although explore proves none (please report)")
        }
        (None, None) => {
            let waited = r.replays.iter().any(|x| x.grace_period_waited);
            format!(
                "no false positive, as explore ({}) proves: the reader parked over a whole \
            period ended with {}{}",
                r.model,
                r.replays
                    .iter()
                    .map(|x| x.outcome.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                if waited {
                    "; the writer reached synchronize_rcu() with the reader in flight and \
            waited for its grace period"
                } else {
                    ""
                }
            )
        }
    };
    if let Some(x) = &r.not_reproducible {
        n += "; ";
        n += x;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::catalog::protocol;

    fn quick() -> StressConfig {
        StressConfig {
            timing_runs: 1,
            timing_cycles: 64,
            ..StressConfig::default()
        }
    }

    /// DESIGN §6 on hardware, small: the first false positive observed on
    /// real threads and atomics is at exactly the explorer's count, and one
    /// cycle fewer does not give one.
    #[test]
    fn plain_breaks_at_the_explorers_count() {
        for w in [2u32, 5, 8] {
            let s = protocol("plain", &[("W", &w.to_string())]).unwrap();
            let r = stress(&s, &quick(), &|_, _| {}).unwrap();
            assert_eq!(r.observed_at_cycles, Some(1 << (w - 1)), "{s}: {}", r.note);
            assert!(r.replays.iter().all(|x| x.followed));
            assert!(
                r.replays[0].outcome != Outcome::FalsePositive,
                "one cycle fewer"
            );
        }
    }

    /// On x86 the note names x86-TSO as forbidding what LKMM allows; on a
    /// CPU without a model of ours it claims nothing about the CPU.
    #[test]
    fn weaker_note_claims_only_a_known_cpu_model() {
        let k = "store-store reordering";
        assert_eq!(
            weaker_note(Model::Lkmm, "1", k, Some(Model::Tso), Model::Tso),
            "under lkmm a false positive needs only 1 cycle(s), with store-store reordering; \
             x86-TSO forbids it: not reproducible here (`seqwrap explore --memory-model lkmm` \
             shows the trace)"
        );
        let none = weaker_note(Model::Lkmm, "1", k, None, Model::strongest());
        assert!(
            none.contains("cannot claim this CPU's model forbids it"),
            "{none}"
        );
        assert!(none.contains("follow the sc counterexample"), "{none}");
        assert!(!none.contains("forbids it: not reproducible"), "{none}");
    }

    #[test]
    fn zero_writers_are_a_usage_error() {
        let cfg = StressConfig {
            writers: 0,
            ..quick()
        };
        let s = protocol("plain", &[("W", "8")]).unwrap();
        assert!(matches!(stress(&s, &cfg, &|_, _| {}), Err(Error::Usage(_))));
    }
}
