//! `stress`: the protocol on real hardware, and the kernel's own rate.
//!
//! Three measurements that turn the model's counts into evidence:
//!
//! 1. [`stress`]: real threads, real atomics (`AtomicU8/16/32/64`, other
//!    widths masked, see `atomic.rs`), a real `std::sync::Mutex` around the
//!    writer's change of a real published structure. The reader takes its
//!    begin snapshot, parks inside its window while the writers run exactly
//!    the number of cycles [`SchemeSpec::min_cycles_closed_form`] predicts,
//!    then validates and checks the data it read. For plain i8, i16 and i32
//!    the false positive is *observed* at 2^(W-1) cycles, and a read-only
//!    end check one cycle earlier shows RETRY, so the count is exact.
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
//! Layout: `atomic.rs` (the shim per width), `seqlock.rs` (each scheme's
//! stores and loads on real atomics), `plan.rs` (which windows, how many
//! cycles where), `harness.rs` (threads, lock, the parked reader),
//! `kernel.rs` (the probe and its tracepoint check), `tracefs.rs` (tracefs
//! instances and trace parsing), `observe.rs` (system-wide observation and
//! the generated workload), `sys.rs` (the only unsafe code in the crate:
//! the syscalls and io_uring), `rate.rs` (measured rates and their cache).
//!
//! # Decisions
//!
//! - **Each window replays one of the explorer's counterexample schedules**
//!   (see `plan.rs`), on real threads: the full wrap, a torn begin (the
//!   reader parked between its begin loads across a carry or an epoch
//!   bump), a torn end (the writer stopped between the two stores of a
//!   carry while the reader's end loads run). The shortest window that ends
//!   in a false positive is `observed_at_cycles`; it is compared with
//!   [`SchemeSpec::min_cycles_closed_form`] and the report says whether they
//!   agree. The torn end is what breaks split hi-lo-hi (lo-first) at
//!   2^(L-1), hi-first at (2^H - 1) * 2^(L-1) + 1, and epoch seq-first at
//!   2^(W-1): the explorer's findings, which the closed forms now carry.
//! - **Infeasible windows are skipped, and all-infeasible is refused.** A
//!   window that would push the run past `max_cycles` writer cycles
//!   (default 2^33, ~2 min here) is listed in `skipped` with its count; if
//!   none fits (plain u64, guard 40, epoch-first 32+32: ~2^63 cycles, ~3000
//!   years at 10 ns) the command is bad input: exit 2, one line with the
//!   count, the limit and "use explore or analyze". A 32+32 split or epoch
//!   still runs its 2^31-cycle torn-end window, which is the point: a
//!   64-bit counter kept in two words can wrap like a 32-bit one.
//! - **Safe schemes run their unsafe sibling's schedule, at its count and
//!   more.** guard runs plain's schedule for 2 * 2^(W-1) cycles: the writer
//!   blocks at the wrap until the parked reader's speculation ends, the
//!   harness lets the reader finish then (it sees seq odd: RETRY) and the
//!   writers complete all cycles; that is the guard working. hi-lo-hi also
//!   runs naive's torn begin at 2^(L-1) and at 2^(H+L-1) - 1 cycles: its
//!   re-read closes the torn begin (RETRY), whatever the end does.
//! - **Every window starts from a fresh harness** (counter and data at 0),
//!   so a plan's pre-run lands where it must.
//! - **Counts are measured, not copied.** `window_cycles` is the number of
//!   modifications the published structure recorded between the reader's
//!   first begin load and its last end load, and a read-only end check one
//!   cycle before the last shows RETRY: the count is exact, not merely
//!   enough.
//! - `bounded` is not run here: its reader needs a clock or a cycle oracle,
//!   which explore and sample model. Exit 2.

mod atomic;
mod harness;
mod kernel;
mod observe;
mod plan;
mod rate;
mod seqlock;
pub mod sys;
pub mod tracefs;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::scheme::SchemeSpec;
use atomic::with_word;
use seqlock::{Counter, Epoch, Plain, Split};

pub use kernel::{
    Availability, KernelCell, KernelConfig, KernelOp, KernelTable, MAX_THREADS, Spread,
    VerifyReport, default_threads, kernel_table, parse_ops, parse_threads, probe_iterations,
    uring_availability, verify_ops,
};
pub use observe::{
    ObserveConfig, ObserveReport, ObservedMm, Workload, WorkloadRun, WorkloadSize, observe,
};
pub use rate::{
    CACHE_ENV, CACHE_FILE, Machine, MeasuredRate, RateKind, default_cache_dir, default_cache_path,
    measured_rate, record_table,
};

/// What one reader speculation ended in (DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The counter matched and the data did not change.
    Accept,
    /// The counter matched although the data changed under the reader.
    FalsePositive,
    /// The counter differed: the reader would retry.
    Retry,
    /// The begin snapshot was odd: the reader would take the lock.
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

/// Bounds and repetitions of a stress run.
#[derive(Clone, Debug)]
pub struct StressConfig {
    /// Writer threads (>= 1); they serialise on the lock.
    pub writers: usize,
    /// Timed runs for `ns_per_cycle` (median), after the windows.
    pub timing_runs: usize,
    /// Writer cycles in each timed run.
    pub timing_cycles: u64,
    /// The most writer cycles the windows may need in all; more is refused
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

/// One reader window as it ran.
#[derive(Clone, Debug, Serialize)]
pub struct WindowReport {
    /// What the window does, one line.
    pub plan: String,
    /// Cycles before the speculation (outside the window).
    pub pre_cycles: u64,
    /// Cycles between the reader's first and second begin loads.
    pub gap_cycles: u64,
    /// Cycles asked for in the data-read phase.
    pub data_cycles: u64,
    /// Cycles run between the reader's end loads (schedules that tear the
    /// end check).
    pub end_gap_cycles: Vec<u64>,
    /// Writer modifications inside the window (first begin load to last end
    /// load), measured from the published data's version.
    pub window_cycles: u64,
    /// Times the reader ran its begin loads (hi-lo-hi runs them again
    /// while the two high-word loads differ; 1 otherwise).
    pub begin_passes: u32,
    /// How the speculation ended.
    pub outcome: Outcome,
    /// A read-only end check one cycle before the last: anything but
    /// `false-positive` (`retry`, or `accept` when nothing changed yet)
    /// shows that one cycle fewer is not enough. `None` when not taken
    /// (guard blocked, or cycles run between the end loads).
    pub end_check_one_cycle_earlier: Option<Outcome>,
    /// Guard: a writer reached the wrap during the window and waited for the
    /// reader's grace period; the reader then finished its speculation.
    pub guard_waited: bool,
    /// The data version the reader read at the start of its data phase.
    pub data_a: u64,
    /// The data version it read at the end (differs from `data_a` iff the
    /// data changed under it).
    pub data_b: u64,
    /// Wall time of the data-read phase.
    pub data_phase_s: f64,
}

/// The result of [`stress`]. The JSON of `seqwrap stress --json`.
#[derive(Clone, Debug, Serialize)]
pub struct StressReport {
    /// Scheme name.
    pub scheme: String,
    /// Scheme parameters by flag name.
    pub params: BTreeMap<String, String>,
    /// Total counter bits the reader compares.
    pub bits: u32,
    /// Writer threads.
    pub writers: usize,
    /// The closed-form minimal cycles to a false positive (decimal), or
    /// `None` when the scheme has none.
    pub predicted_min_cycles: Option<String>,
    /// Whether any window ended in a false positive.
    pub false_positive_observed: bool,
    /// Writer cycles in the shortest window that ended in a false positive.
    pub observed_at_cycles: Option<u64>,
    /// Median ns per writer cycle over the timed runs.
    pub ns_per_cycle: f64,
    /// Each timed run's ns per cycle.
    pub ns_per_cycle_runs: Vec<f64>,
    /// Cycles per timed run.
    pub timing_cycles: u64,
    /// The windows, shortest first.
    pub windows: Vec<WindowReport>,
    /// Windows not run because they need more than `max_cycles`, and why.
    pub skipped: Vec<String>,
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

/// Writer cycles [`stress`] will run for `spec` under `cfg` (windows plus
/// timed runs), or the usage error it would fail with. For progress bars.
pub fn planned_cycles(spec: &SchemeSpec, cfg: &StressConfig) -> Result<u64> {
    let windows: u64 = plan::plans(spec, cfg.max_cycles)?
        .run
        .iter()
        .map(plan::Plan::total)
        .sum();
    Ok(windows.saturating_add((cfg.timing_runs as u64).saturating_mul(cfg.timing_cycles)))
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

/// Run `spec` on real threads and atomics: its windows (see `plan.rs`),
/// then `cfg.timing_runs` timed runs. `progress(done, total)` is called from
/// writer threads every 65536 cycles.
///
/// Errors: `Usage` for a scheme or width the hardware run cannot do
/// (`bounded`; a window over `cfg.max_cycles`), `Run` if a thread fails.
pub fn stress(
    spec: &SchemeSpec,
    cfg: &StressConfig,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<StressReport> {
    check(cfg)?;
    let plans = plan::plans(spec, cfg.max_cycles)?;
    let total = planned_cycles(spec, cfg)?;
    let done = AtomicU64::new(0);
    let tick = |k: u64| progress(done.fetch_add(k, Ordering::Relaxed) + k, total);
    // Each window gets a fresh harness (counter 0, version 0): a plan's
    // pre-run counts from zero.
    let mut windows = Vec::with_capacity(plans.run.len());
    for p in &plans.run {
        windows.push(dispatch(spec, cfg.writers, &tick, |sh, crew| {
            sh.window(crew, p)
        })?);
    }
    let runs = dispatch(spec, cfg.writers, &tick, |_, crew| {
        let mut runs = Vec::with_capacity(cfg.timing_runs);
        for _ in 0..cfg.timing_runs {
            let t = crew.timed(cfg.timing_cycles)?;
            runs.push(t.as_secs_f64() * 1e9 / cfg.timing_cycles as f64);
        }
        Ok(runs)
    })?;
    let fp = windows
        .iter()
        .filter(|w| w.outcome == Outcome::FalsePositive)
        .min_by_key(|w| w.window_cycles);
    let mut report = StressReport {
        scheme: spec.name().into(),
        params: spec
            .params()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        bits: spec.total_bits(),
        writers: cfg.writers,
        predicted_min_cycles: spec.min_cycles_closed_form().map(|n| n.to_string()),
        false_positive_observed: fp.is_some(),
        observed_at_cycles: fp.map(|w| w.window_cycles),
        ns_per_cycle: median(&runs),
        ns_per_cycle_runs: runs,
        timing_cycles: cfg.timing_cycles,
        windows,
        skipped: plans.skipped,
        note: String::new(),
    };
    report.note = note(spec, &report);
    Ok(report)
}

/// Time `cycles` writer cycles of `spec` through the harness (no reader in
/// flight). `measured_rate` uses it.
pub fn time_cycles(spec: &SchemeSpec, writers: usize, cycles: u64) -> Result<Duration> {
    with_timed_harness(spec, writers, |run| run(cycles))?
}

/// Start the harness for `spec` once (writer threads, lock, counter) and
/// hand `f` a timer: `run(n)` has the writers run `n` cycles and returns
/// the wall time from command to the last writer's `Done`. Benches use it
/// so that thread start-up is not timed.
pub fn with_timed_harness<R>(
    spec: &SchemeSpec,
    writers: usize,
    f: impl FnOnce(&mut dyn FnMut(u64) -> Result<Duration>) -> R,
) -> Result<R> {
    check(&StressConfig {
        writers,
        ..StressConfig::default()
    })?;
    if matches!(spec, SchemeSpec::Bounded { .. }) {
        return Err(Error::usage(
            "stress: scheme bounded is not run on hardware",
        ));
    }
    dispatch(spec, writers, &|_| {}, |_, crew| {
        Ok(f(&mut |n| crew.timed(n)))
    })
}

/// Monomorphise the harness for the scheme's counter on the right atomic.
fn dispatch<R>(
    spec: &SchemeSpec,
    writers: usize,
    tick: &(dyn Fn(u64) + Sync),
    f: impl for<'a> FnOnce(&dyn Reader, &mut harness::Crew<'a>) -> Result<R>,
) -> Result<R> {
    fn go<C: Counter, R>(
        c: C,
        guard: bool,
        writers: usize,
        tick: &(dyn Fn(u64) + Sync),
        f: impl for<'a> FnOnce(&dyn Reader, &mut harness::Crew<'a>) -> Result<R>,
    ) -> Result<R> {
        harness::with_crew(c, guard, writers, tick, |sh, crew| f(&ReaderOf(sh), crew))
    }
    match *spec {
        SchemeSpec::Plain { width } | SchemeSpec::Bounded { width, .. } => {
            let b = width.bits();
            with_word!(b, A => go(Plain::<A>::new(b), false, writers, tick, f))
        }
        SchemeSpec::Guard { width } => {
            let b = width.bits();
            with_word!(b, A => go(Plain::<A>::new(b), true, writers, tick, f))
        }
        SchemeSpec::Split {
            hi,
            lo,
            read,
            write_order,
        } => {
            with_word!(hi.max(lo), A => go(Split::<A>::new(hi, lo, read, write_order), false, writers, tick, f))
        }
        SchemeSpec::Epoch {
            width,
            epoch_bits,
            write_order,
        } => {
            let b = width.bits();
            with_word!(b.max(epoch_bits), A => go(Epoch::<A>::new(b, epoch_bits, write_order), false, writers, tick, f))
        }
    }
}

/// The reader's side of a harness, with the counter type erased (the
/// writers stay monomorphic; only the reader's few calls go through here).
trait Reader {
    fn window(&self, crew: &mut harness::Crew<'_>, p: &plan::Plan) -> Result<WindowReport>;
}

struct ReaderOf<'s, C>(&'s harness::Shared<C>);

impl<C: Counter> Reader for ReaderOf<'_, C> {
    fn window(&self, crew: &mut harness::Crew<'_>, p: &plan::Plan) -> Result<WindowReport> {
        harness::window(self.0, crew, p)
    }
}

fn note(spec: &SchemeSpec, r: &StressReport) -> String {
    let predicted = r.predicted_min_cycles.as_deref().unwrap_or("none");
    match (spec, r.observed_at_cycles) {
        (SchemeSpec::Guard { .. }, _) if r.windows.iter().any(|w| w.guard_waited) => format!(
            "guard working: the writer reached the wrap with the reader's speculation in \
             flight and waited for its grace period; the harness let the parked reader \
             finish (outcome {}), then the writers went on. No false positive.",
            r.windows
                .iter()
                .map(|w| w.outcome.label())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (_, Some(n)) => format!(
            "false positive observed at {n} writer cycles; closed form predicts {predicted}{}",
            match spec.min_cycles_closed_form() {
                Some(c) if c == num_bigint::BigUint::from(n) => " (agrees)",
                Some(c) if c > num_bigint::BigUint::from(n) => {
                    " (DISAGREES: fewer; this window tears a two-word check that the \
                     closed form treats as one load; `seqwrap explore` with the same flags \
                     prints the trace)"
                }
                _ => {
                    " (DISAGREES: more; no window here reaches the closed form's count; \
                     `seqwrap explore` with the same flags is the judge)"
                }
            }
        ),
        (_, None) => {
            let reached = spec.min_cycles_closed_form().is_some_and(|n| {
                r.windows
                    .iter()
                    .any(|w| num_bigint::BigUint::from(w.window_cycles) >= n)
            });
            format!(
                "no false positive in {} window(s); closed-form minimum {predicted}{}",
                r.windows.len(),
                if reached {
                    " (a window reached it without one: this schedule is not the \
                     counterexample; see explore's trace)"
                } else {
                    " (every window is shorter)"
                }
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use num_bigint::BigUint;

    use super::*;
    use crate::scheme::{EpochWriteOrder, SplitRead, SplitWriteOrder};
    use crate::width::Width;

    fn quick() -> StressConfig {
        StressConfig {
            timing_runs: 1,
            timing_cycles: 64,
            ..StressConfig::default()
        }
    }

    fn observed(spec: &SchemeSpec) -> Option<u64> {
        stress(spec, &quick(), &|_, _| {})
            .unwrap()
            .observed_at_cycles
    }

    /// DESIGN.md's cross-check, on hardware: for every scheme of total
    /// width up to 8 bits and every store and read order, the first false
    /// positive observed on real threads and atomics is at exactly the
    /// closed-form count (which the explorer's tests pin down), and guard
    /// observes none.
    #[test]
    fn every_small_scheme_breaks_at_its_closed_form() {
        let mut specs = Vec::new();
        for w in 2..=8 {
            specs.push(SchemeSpec::plain(w));
        }
        for hi in 1..=4 {
            for lo in 1..=4 {
                for read in [SplitRead::Naive, SplitRead::HiLoHi] {
                    for write_order in [SplitWriteOrder::LoFirst, SplitWriteOrder::HiFirst] {
                        specs.push(SchemeSpec::Split {
                            hi,
                            lo,
                            read,
                            write_order,
                        });
                    }
                }
            }
        }
        for w in 2..=5 {
            for epoch_bits in 1..=3 {
                for write_order in [EpochWriteOrder::SeqFirst, EpochWriteOrder::EpochFirst] {
                    let width = Width::new(w).unwrap();
                    specs.push(SchemeSpec::Epoch {
                        width,
                        epoch_bits,
                        write_order,
                    });
                }
            }
        }
        for spec in &specs {
            let want = spec.min_cycles_closed_form();
            assert_eq!(observed(spec).map(BigUint::from), want, "{spec}");
        }
        for w in 2..=8 {
            let guard = SchemeSpec::Guard {
                width: Width::new(w).unwrap(),
            };
            assert_eq!(observed(&guard), None, "{guard}");
        }
    }

    #[test]
    fn bounded_and_zero_writers_are_usage_errors() {
        let b = SchemeSpec::Bounded {
            width: Width::new(8).unwrap(),
            max_window_cycles: 9,
        };
        assert!(matches!(
            stress(&b, &quick(), &|_, _| {}),
            Err(Error::Usage(_))
        ));
        let cfg = StressConfig {
            writers: 0,
            ..quick()
        };
        let e = stress(&SchemeSpec::plain(8), &cfg, &|_, _| {});
        assert!(matches!(e, Err(Error::Usage(_))));
    }
}
