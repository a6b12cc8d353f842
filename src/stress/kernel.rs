//! The kernel probe: drive the Linux mmap_lock write path from user space,
//! count write-lock cycles per second, and check against the kernel's own
//! tracepoint that each call takes the write lock exactly as often as
//! claimed.
//!
//! Every write-lock cycle bumps `mm->mm_lock_seq` twice (begin and end of
//! the write section), so a 32-bit counter returns to a value after 2^31
//! cycles and a 64-bit one after 2^63.
//!
//! Operations (`--op`):
//!
//! - `munmap-null`: `munmap(1, 0)`; `__vm_munmap` takes the write lock,
//!   `do_vmi_munmap` rejects the unaligned start (EINVAL), unlock.
//! - `mprotect`: toggle one private page read-only / read-write.
//! - `madvise`: `madvise(page, MADV_NORMAL)` on a page whose hints are
//!   already normal: the lock is taken for a flag change that turns out to
//!   be a no-op (advice that changes `vm_flags` takes the mmap write lock;
//!   `MADV_DONTNEED`/`MADV_FREE` take only a VMA lock and `MADV_WILLNEED`
//!   the read lock on current kernels, so they would not count).
//! - `madvise-toggle`: alternate `MADV_RANDOM` and `MADV_NORMAL`, a real
//!   `vm_flags` change every call.
//! - `mmap-munmap`: map a page and unmap it: 2 cycles an iteration.
//! - `uring-madvise`: batches of `IORING_OP_MADVISE` (`MADV_NORMAL`) on
//!   one io_uring per thread; the kernel runs them on io-wq worker threads
//!   of this process, with no syscall entry per request.
//!
//! Threads share one mm and so one mmap_lock: the lock serialises the
//! writers but not the syscall entry and exit around them, so whether more
//! threads add rate is measured, not assumed (`speedup` in the table).
//!
//! Verification: [`verify_ops`] records `mmap_lock/mmap_lock_acquire_returned`
//! with `write=true` in a tracefs instance while this thread (and, for
//! io_uring, its io-wq workers) makes a fixed number of calls, then again
//! while it makes as many `getpid` calls (the control: no mmap lock), and
//! reports (acquisitions - control) / calls. "verified" means exactly
//! `cycles_per_call` per call for every call.

use std::fmt;
use std::str::FromStr;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;
use statrs::statistics::{Data, Max, Min, OrderStatistics};

use super::rate::Machine;
use super::sys;
use super::tracefs::{Event, Tracer};
use crate::error::{Error, Result};

/// A user-space operation that takes the mmap write lock.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum KernelOp {
    /// `munmap(1, 0)`: lock, reject, unlock.
    MunmapNull,
    /// Toggle the protection of one private page.
    Mprotect,
    /// `madvise(MADV_NORMAL)` on a page already normal.
    Madvise,
    /// Alternate `MADV_RANDOM` and `MADV_NORMAL` on one page.
    MadviseToggle,
    /// Map one page, unmap it.
    MmapMunmap,
    /// Batches of `IORING_OP_MADVISE` (`MADV_NORMAL`).
    UringMadvise,
}

impl KernelOp {
    /// Every operation, in table order.
    pub const ALL: [KernelOp; 6] = [
        KernelOp::MunmapNull,
        KernelOp::Mprotect,
        KernelOp::Madvise,
        KernelOp::MadviseToggle,
        KernelOp::MmapMunmap,
        KernelOp::UringMadvise,
    ];

    /// What `stress --kernel` measures by default (the four the report's rate table uses).
    pub const DEFAULT: [KernelOp; 4] = [
        KernelOp::MunmapNull,
        KernelOp::Mprotect,
        KernelOp::Madvise,
        KernelOp::UringMadvise,
    ];

    /// The name `--op` takes.
    pub fn name(self) -> &'static str {
        match self {
            KernelOp::MunmapNull => "munmap-null",
            KernelOp::Mprotect => "mprotect",
            KernelOp::Madvise => "madvise",
            KernelOp::MadviseToggle => "madvise-toggle",
            KernelOp::MmapMunmap => "mmap-munmap",
            KernelOp::UringMadvise => "uring-madvise",
        }
    }

    /// mmap write-lock cycles one call of the operation makes (one
    /// io_uring request counts as one call).
    pub fn cycles_per_call(self) -> u64 {
        match self {
            KernelOp::MmapMunmap => 2,
            _ => 1,
        }
    }

    /// One line: what a call does.
    pub fn describe(self) -> &'static str {
        match self {
            KernelOp::MunmapNull => "munmap(1, 0): lock, EINVAL, unlock",
            KernelOp::Mprotect => "mprotect one page RO <-> RW",
            KernelOp::Madvise => "madvise(page, MADV_NORMAL), already normal",
            KernelOp::MadviseToggle => "madvise(page) MADV_RANDOM <-> MADV_NORMAL",
            KernelOp::MmapMunmap => "mmap one page + munmap it (2 cycles)",
            KernelOp::UringMadvise => "io_uring IORING_OP_MADVISE batches",
        }
    }
}

impl fmt::Display for KernelOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const OPS_ALLOWED: &str =
    "munmap-null, mprotect, madvise, madvise-toggle, mmap-munmap, uring-madvise, all";

impl FromStr for KernelOp {
    type Err = Error;
    fn from_str(s: &str) -> Result<KernelOp> {
        KernelOp::ALL
            .into_iter()
            .find(|o| o.name() == s)
            .ok_or_else(|| {
                Error::usage(format!(
                    "--op: '{s}' is not a probe operation; allowed: {OPS_ALLOWED}"
                ))
            })
    }
}

/// Parse `--op`: one name, a comma list, or `all`.
pub fn parse_ops(s: &str) -> Result<Vec<KernelOp>> {
    if s.trim() == "all" {
        return Ok(KernelOp::ALL.to_vec());
    }
    let mut out: Vec<KernelOp> = Vec::new();
    for part in s.split(',') {
        let op: KernelOp = part.trim().parse()?;
        if !out.contains(&op) {
            out.push(op);
        }
    }
    Ok(out)
}

/// Most threads a cell may use.
pub const MAX_THREADS: usize = 256;

/// Parse `--threads`: `N` (just N), `A..B` or `A-B` (every count from A to
/// B), or a comma list.
pub fn parse_threads(s: &str) -> Result<Vec<usize>> {
    let bad = || {
        Error::usage(format!(
            "--threads: '{s}' is not a thread count; allowed: N, A..B or a list like 1,2,4 (each 1..={MAX_THREADS})"
        ))
    };
    let num = |t: &str| -> Result<usize> {
        t.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_THREADS).contains(n))
            .ok_or_else(bad)
    };
    let t = s.trim();
    let range = t.split_once("..").or_else(|| t.split_once('-'));
    let mut out = match range {
        Some((a, b)) => {
            let (a, b) = (num(a)?, num(b)?);
            if a > b {
                return Err(bad());
            }
            (a..=b).collect()
        }
        None => t.split(',').map(num).collect::<Result<Vec<_>>>()?,
    };
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The default thread counts: 1, 2, 4, ... up to the core count (at least
/// 1 and 2, so that "do threads add rate?" is always asked), at most 8.
pub fn default_threads() -> Vec<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let top = cores.clamp(2, 8);
    let mut v: Vec<usize> = (0..4).map(|k| 1 << k).filter(|&n| n <= top).collect();
    if !v.contains(&top) {
        v.push(top);
    }
    v
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct KernelConfig {
    /// Operations (rows).
    pub ops: Vec<KernelOp>,
    /// Thread counts (one cell per op and count).
    pub threads: Vec<usize>,
    /// Timed runs per cell; the rate is their median.
    pub runs: usize,
    /// Measuring time per cell, split into `runs` equal runs.
    pub duration: Duration,
    /// io_uring requests per submission.
    pub uring_batch: u32,
    /// Check each operation against the tracepoint (when tracefs can be
    /// used).
    pub verify: bool,
    /// Calls in each verification window.
    pub verify_calls: u64,
}

impl Default for KernelConfig {
    fn default() -> Self {
        KernelConfig {
            ops: KernelOp::DEFAULT.to_vec(),
            threads: default_threads(),
            runs: 7,
            duration: Duration::from_millis(700),
            uring_batch: 32,
            verify: true,
            verify_calls: 2000,
        }
    }
}

/// Median and spread of repeated runs (cycles per second). Quartiles are
/// statrs' R-8 estimate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Spread {
    /// Median.
    pub median: f64,
    /// Smallest run.
    pub min: f64,
    /// Lower quartile.
    pub q1: f64,
    /// Upper quartile.
    pub q3: f64,
    /// Largest run.
    pub max: f64,
    /// Runs.
    pub runs: usize,
}

impl Spread {
    /// The spread of `xs`; `None` when empty or not all finite.
    pub fn of(xs: &[f64]) -> Option<Spread> {
        if xs.is_empty() || xs.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let mut d = Data::new(xs.to_vec());
        Some(Spread {
            median: d.median(),
            min: d.min(),
            q1: d.lower_quartile(),
            q3: d.upper_quartile(),
            max: d.max(),
            runs: xs.len(),
        })
    }

    /// (max - min) / median: the relative width of the runs.
    pub fn relative_range(&self) -> f64 {
        (self.max - self.min) / self.median
    }
}

/// One operation at one thread count.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct KernelCell {
    /// The operation.
    pub op: KernelOp,
    /// Threads on the one mm.
    pub threads: usize,
    /// Write-lock cycles per second of each run, in run order.
    pub cycles_per_s_runs: Vec<f64>,
    /// Their median and spread.
    pub spread: Spread,
    /// ns per write-lock cycle at the median rate.
    pub ns_per_cycle: f64,
    /// Seconds for 2^31 cycles at the median rate (32-bit counter back to
    /// its value).
    pub wrap_s_32: f64,
    /// Seconds for 2^63 cycles (64-bit).
    pub wrap_s_64: f64,
    /// Median rate over the same op's 1-thread median (when measured).
    pub speedup_vs_1_thread: Option<f64>,
    /// Calls made in all runs.
    pub calls: u64,
}

/// io_uring here, or why not.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Availability {
    /// Usable.
    pub available: bool,
    /// Why not (one line), when not.
    pub reason: Option<String>,
}

/// An operation checked against the tracepoint.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct VerifyReport {
    /// The operation.
    pub op: KernelOp,
    /// `verified` (exactly the claimed count per call), `mismatch`,
    /// `incomplete` (the ring buffer lost events), or `not-verified`
    /// (tracefs not usable; see `reason`).
    pub status: String,
    /// Why not verified, or what did not match.
    pub reason: Option<String>,
    /// Calls made in the window.
    pub calls: u64,
    /// Successful write acquisitions by the calling thread (and its io-wq
    /// workers) in the window.
    pub write_acquisitions: u64,
    /// The same count over as many `getpid` calls.
    pub control_acquisitions: u64,
    /// (write_acquisitions - control) / calls.
    pub per_call: Option<f64>,
    /// What the operation claims (`cycles_per_call`).
    pub expected_per_call: u64,
    /// Distinct mms among the counted events (1 expected: this process's).
    pub mms_seen: usize,
    /// Events the ring buffer lost during the windows.
    pub lost_events: u64,
}

impl VerifyReport {
    fn not_verified(op: KernelOp, why: &str) -> VerifyReport {
        VerifyReport {
            op,
            status: "not-verified".into(),
            reason: Some(why.to_string()),
            calls: 0,
            write_acquisitions: 0,
            control_acquisitions: 0,
            per_call: None,
            expected_per_call: op.cycles_per_call(),
            mms_seen: 0,
            lost_events: 0,
        }
    }

    /// Whether the op was checked and matched.
    pub fn verified(&self) -> bool {
        self.status == "verified"
    }
}

/// The probe's result: the JSON of `seqwrap stress --kernel --json`.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct KernelTable {
    /// Where it ran.
    pub machine: Machine,
    /// Runs per cell.
    pub runs: usize,
    /// Length of each run, seconds.
    pub run_s: f64,
    /// io_uring requests per submission.
    pub uring_batch: u32,
    /// io_uring availability (uring-madvise cells are absent when not).
    pub io_uring: Availability,
    /// The cells, op-major, threads ascending.
    pub cells: Vec<KernelCell>,
    /// One check per measured op (empty with `verify` off).
    pub verification: Vec<VerifyReport>,
    /// `munmap(1, 0)`'s errno (EINVAL expected), when measured.
    pub munmap_errno: Option<String>,
}

impl KernelTable {
    /// The cell with the highest median rate.
    pub fn fastest(&self) -> Option<&KernelCell> {
        self.cells
            .iter()
            .max_by(|a, b| a.spread.median.total_cmp(&b.spread.median))
    }

    /// The check of `op`, when one ran.
    pub fn verification_of(&self, op: KernelOp) -> Option<&VerifyReport> {
        self.verification.iter().find(|v| v.op == op)
    }
}

/// Per-thread state of an operation.
enum OpState {
    MunmapNull {
        expect: std::result::Result<(), i32>,
    },
    Mprotect {
        page: sys::Page,
        writable: bool,
    },
    Madvise {
        page: sys::Page,
    },
    MadviseToggle {
        page: sys::Page,
        random: bool,
    },
    MmapMunmap,
    /// Boxed: the ring is large and there is one state per thread.
    #[cfg(target_os = "linux")]
    Uring(Box<sys::UringMadvise>),
}

fn run_err(what: &str, e: impl fmt::Display) -> Error {
    Error::Run(format!("{what}: {e}"))
}

impl OpState {
    fn new(op: KernelOp, batch: u32) -> Result<OpState> {
        let page = || sys::Page::map().map_err(|e| run_err("mmap", e));
        Ok(match op {
            KernelOp::MunmapNull => OpState::MunmapNull {
                expect: sys::munmap_null(),
            },
            KernelOp::Mprotect => OpState::Mprotect {
                page: page()?,
                writable: true,
            },
            KernelOp::Madvise => OpState::Madvise { page: page()? },
            KernelOp::MadviseToggle => OpState::MadviseToggle {
                page: page()?,
                random: false,
            },
            KernelOp::MmapMunmap => OpState::MmapMunmap,
            KernelOp::UringMadvise => {
                #[cfg(target_os = "linux")]
                {
                    OpState::Uring(Box::new(
                        sys::UringMadvise::new(batch, sys::Advice::Normal)
                            .map_err(|e| run_err("io_uring", e))?,
                    ))
                }
                #[cfg(not(target_os = "linux"))]
                {
                    let _ = batch;
                    return Err(Error::Run("io_uring needs Linux".into()));
                }
            }
        })
    }

    /// One call (one io_uring batch); returns the calls made.
    #[inline]
    fn step(&mut self) -> Result<u64> {
        match self {
            OpState::MunmapNull { expect } => {
                let got = sys::munmap_null();
                if got != *expect {
                    return Err(Error::Run(format!(
                        "munmap(1, 0) returned {got:?}, earlier {expect:?}"
                    )));
                }
            }
            OpState::Mprotect { page, writable } => {
                *writable = !*writable;
                page.protect(*writable)
                    .map_err(|e| run_err("mprotect", e))?;
            }
            OpState::Madvise { page } => {
                page.advise(sys::Advice::Normal)
                    .map_err(|e| run_err("madvise", e))?;
            }
            OpState::MadviseToggle { page, random } => {
                *random = !*random;
                let a = if *random {
                    sys::Advice::Random
                } else {
                    sys::Advice::Normal
                };
                page.advise(a).map_err(|e| run_err("madvise", e))?;
            }
            OpState::MmapMunmap => {
                drop(sys::Page::map().map_err(|e| run_err("mmap", e))?);
            }
            #[cfg(target_os = "linux")]
            OpState::Uring(u) => return u.run_batch().map_err(|e| run_err("io_uring", e)),
        }
        Ok(1)
    }
}

/// The probe's inner loop: step until at least `limit` calls or `stop`.
fn worker(st: &mut OpState, stop: &AtomicBool, limit: u64) -> Result<u64> {
    let mut calls = 0u64;
    while calls < limit && !stop.load(Ordering::Relaxed) {
        calls += st.step()?;
    }
    Ok(calls)
}

/// Run the probe loop for at least `iters` calls on this thread (benches:
/// compare with a bare loop of the same syscall).
pub fn probe_iterations(op: KernelOp, iters: u64) -> Result<u64> {
    linux_only()?;
    let mut st = OpState::new(op, 32)?;
    worker(&mut st, &AtomicBool::new(false), iters)
}

fn linux_only() -> Result<()> {
    if cfg!(target_os = "linux") {
        Ok(())
    } else {
        Err(Error::usage(
            "--kernel: the kernel probe needs Linux (mmap_lock); this system is not",
        ))
    }
}

/// Whether io_uring with `IORING_OP_MADVISE` works here (one ring is set
/// up and one batch run).
pub fn uring_availability(batch: u32) -> Availability {
    match OpState::new(KernelOp::UringMadvise, batch).and_then(|mut s| s.step()) {
        Ok(_) => Availability {
            available: true,
            reason: None,
        },
        Err(e) => Availability {
            available: false,
            reason: Some(e.to_string()),
        },
    }
}

fn check(cfg: &KernelConfig) -> Result<Duration> {
    linux_only()?;
    if cfg.ops.is_empty() {
        return Err(Error::usage(format!(
            "--op: none given; allowed: {OPS_ALLOWED}"
        )));
    }
    if cfg.threads.is_empty() || cfg.threads.iter().any(|&t| t == 0 || t > MAX_THREADS) {
        return Err(Error::usage(format!(
            "--threads: {:?}; allowed: 1..={MAX_THREADS}",
            cfg.threads
        )));
    }
    if cfg.runs == 0 || cfg.runs > 1000 {
        return Err(Error::usage(format!(
            "--runs: {}; allowed: 1..=1000",
            cfg.runs
        )));
    }
    if !(1..=4096).contains(&cfg.uring_batch) {
        return Err(Error::usage(format!(
            "--batch: {}; allowed: 1..=4096",
            cfg.uring_batch
        )));
    }
    if cfg.verify_calls == 0 || cfg.verify_calls > 1_000_000 {
        return Err(Error::usage(format!(
            "verify calls: {}; allowed: 1..=1000000",
            cfg.verify_calls
        )));
    }
    let run = cfg.duration / cfg.runs as u32;
    if run < Duration::from_millis(1) || cfg.duration > Duration::from_secs(3600) {
        return Err(Error::usage(
            "--duration: allowed: 1 ms per run up to 3600 s in all (e.g. 2s, 500ms)",
        ));
    }
    Ok(run)
}

/// One timed run: `threads` threads call `op` for `run`; returns the
/// process's write-lock cycles per second and the calls made. Each
/// thread's state (page, ring) is set up before the clock starts.
fn timed_run(op: KernelOp, threads: usize, run: Duration, batch: u32) -> Result<(f64, u64)> {
    let mut states = (0..threads)
        .map(|_| OpState::new(op, batch))
        .collect::<Result<Vec<_>>>()?;
    let stop = AtomicBool::new(false);
    let start = Barrier::new(threads + 1);
    let (calls, elapsed) = thread::scope(|s| -> Result<(u64, Duration)> {
        let hs: Vec<_> = states
            .iter_mut()
            .map(|st| {
                let (stop, start) = (&stop, &start);
                s.spawn(move || {
                    start.wait();
                    worker(st, stop, u64::MAX)
                })
            })
            .collect();
        start.wait();
        let t = Instant::now();
        thread::sleep(run);
        stop.store(true, Ordering::Relaxed);
        let mut calls = 0;
        for h in hs {
            calls += h
                .join()
                .map_err(|_| Error::Run("probe thread panicked".into()))??;
        }
        Ok((calls, t.elapsed()))
    })?;
    Ok((
        (calls * op.cycles_per_call()) as f64 / elapsed.as_secs_f64(),
        calls,
    ))
}

/// Measure every (op, threads) cell of `cfg`: `cfg.runs` timed runs each,
/// taken round-robin over the cells (run 1 of every cell, then run 2, ...)
/// so that a change in background load spreads over all cells instead of
/// biasing one; then, with `cfg.verify`, check each op against the
/// tracepoint. `progress(done, total)` counts timed runs.
///
/// io_uring being unavailable is not an error: its cells are left out and
/// `io_uring.reason` says why.
///
/// Errors: `Usage` off Linux or for bad counts; `Run` if a syscall fails
/// unexpectedly.
pub fn kernel_table(
    cfg: &KernelConfig,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<KernelTable> {
    let run = check(cfg)?;
    let io_uring = if cfg.ops.contains(&KernelOp::UringMadvise) {
        uring_availability(cfg.uring_batch)
    } else {
        Availability {
            available: false,
            reason: Some("not asked for".into()),
        }
    };
    let ops: Vec<KernelOp> = cfg
        .ops
        .iter()
        .copied()
        .filter(|&o| o != KernelOp::UringMadvise || io_uring.available)
        .collect();
    let keys: Vec<(KernelOp, usize)> = ops
        .iter()
        .flat_map(|&o| cfg.threads.iter().map(move |&t| (o, t)))
        .collect();
    let mut rates = vec![Vec::with_capacity(cfg.runs); keys.len()];
    let mut calls = vec![0u64; keys.len()];
    let total = keys.len() * cfg.runs;
    for r in 0..cfg.runs {
        for (i, &(op, t)) in keys.iter().enumerate() {
            let (rate, n) = timed_run(op, t, run, cfg.uring_batch)?;
            rates[i].push(rate);
            calls[i] += n;
            progress(r * keys.len() + i + 1, total);
        }
    }
    let mut cells: Vec<KernelCell> = keys
        .iter()
        .zip(rates)
        .zip(calls)
        .map(|((&(op, threads), runs), calls)| {
            let spread = Spread::of(&runs)
                .ok_or_else(|| Error::Run(format!("{op} x{threads}: a run gave no finite rate")))?;
            let m = spread.median;
            Ok(KernelCell {
                op,
                threads,
                cycles_per_s_runs: runs,
                spread,
                ns_per_cycle: 1e9 / m,
                wrap_s_32: 2f64.powi(31) / m,
                wrap_s_64: 2f64.powi(63) / m,
                speedup_vs_1_thread: None,
                calls,
            })
        })
        .collect::<Result<_>>()?;
    let one: Vec<(KernelOp, f64)> = cells
        .iter()
        .filter(|c| c.threads == 1)
        .map(|c| (c.op, c.spread.median))
        .collect();
    for c in &mut cells {
        c.speedup_vs_1_thread = one
            .iter()
            .find(|(o, _)| *o == c.op)
            .map(|(_, m)| c.spread.median / m);
    }
    let verification = if cfg.verify {
        verify_ops(&ops, cfg.uring_batch, cfg.verify_calls)?
    } else {
        Vec::new()
    };
    let munmap_errno = ops
        .contains(&KernelOp::MunmapNull)
        .then(|| sys::munmap_null().err().map(sys::errno_name))
        .flatten();
    Ok(KernelTable {
        machine: Machine::current(),
        runs: cfg.runs,
        run_s: run.as_secs_f64(),
        uring_batch: cfg.uring_batch,
        io_uring,
        cells,
        verification,
        munmap_errno,
    })
}

/// This thread's id, from procfs (`/proc/thread-self` -> `PID/task/TID`).
pub(crate) fn current_tid() -> Option<u32> {
    std::fs::read_link("/proc/thread-self")
        .ok()?
        .file_name()?
        .to_str()?
        .parse()
        .ok()
}

/// The io-wq workers serving `tid`'s rings: threads of this process named
/// `iou-wrk-TID` (they linger for seconds after their last request).
fn uring_workers(tid: u32) -> Vec<u32> {
    let want = format!("iou-wrk-{tid}");
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| {
            let t: u32 = e.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
            (comm.trim() == want).then_some(t)
        })
        .collect()
}

/// Count the events that belong to this thread's calls: taken by `tid`
/// itself or by its io-wq workers, and successful. Returns (count,
/// distinct mms).
fn count_own(events: &[Event], tid: u32, workers: &[u32]) -> (u64, usize) {
    let pid = std::process::id();
    let wrk = format!("iou-wrk-{tid}");
    let mut mms = std::collections::BTreeSet::new();
    let mut n = 0u64;
    for e in events.iter().filter(|e| e.success) {
        let mine =
            e.tid == tid || workers.contains(&e.tid) || (e.tgid == Some(pid) && e.comm == wrk);
        if mine {
            n += 1;
            mms.insert(e.mm.as_str());
        }
    }
    (n, mms.len())
}

/// Check each op against `mmap_lock/mmap_lock_acquire_returned`: `calls`
/// calls on this thread inside a trace window, and a control window of as
/// many `getpid` calls. When tracefs cannot be used every op is
/// `not-verified` with the reason (not an error).
///
/// Counting is per thread (this thread's tid, and its io-wq workers for
/// io_uring), so other threads of the same process (tests running in
/// parallel) do not disturb the count.
pub fn verify_ops(ops: &[KernelOp], batch: u32, calls: u64) -> Result<Vec<VerifyReport>> {
    linux_only()?;
    let tracer = match Tracer::open(2048) {
        Ok(t) => t,
        Err(why) => {
            return Ok(ops
                .iter()
                .map(|&o| VerifyReport::not_verified(o, &why.0))
                .collect());
        }
    };
    let Some(tid) = current_tid() else {
        return Ok(ops
            .iter()
            .map(|&o| VerifyReport::not_verified(o, "cannot read /proc/thread-self"))
            .collect());
    };
    let io = |e: std::io::Error| run_err("tracefs", e);
    let mut out = Vec::with_capacity(ops.len());
    for &op in ops {
        let mut st = match OpState::new(op, batch) {
            Ok(s) => s,
            Err(e) => {
                out.push(VerifyReport::not_verified(op, &e.to_string()));
                continue;
            }
        };
        // Warm-up outside the window: io_uring starts its workers here.
        st.step()?;
        tracer.start().map_err(io)?;
        let done = worker(&mut st, &AtomicBool::new(false), calls)?;
        tracer.stop().map_err(io)?;
        let (events, lost_a) = tracer.snapshot().map_err(io)?;
        let workers = uring_workers(tid);
        let (n, mms_seen) = count_own(&events, tid, &workers);
        tracer.start().map_err(io)?;
        for _ in 0..done {
            std::hint::black_box(std::process::id());
        }
        tracer.stop().map_err(io)?;
        let (events, lost_b) = tracer.snapshot().map_err(io)?;
        let (control, _) = count_own(&events, tid, &workers);
        let lost = lost_a + lost_b;
        let expected = op.cycles_per_call();
        let net = n as i64 - control as i64;
        let (status, reason) = if lost > 0 {
            (
                "incomplete",
                Some(format!("the trace ring buffer lost {lost} events")),
            )
        } else if net == (expected * done) as i64 {
            ("verified", None)
        } else {
            (
                "mismatch",
                Some(format!(
                    "{n} write acquisitions (control {control}) for {done} calls; expected {}",
                    expected * done
                )),
            )
        };
        out.push(VerifyReport {
            op,
            status: status.into(),
            reason,
            calls: done,
            write_acquisitions: n,
            control_acquisitions: control,
            per_call: Some(net as f64 / done as f64),
            expected_per_call: expected,
            mms_seen,
            lost_events: lost,
        });
    }
    Ok(out)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn quick(ops: &[KernelOp], threads: &[usize]) -> KernelConfig {
        KernelConfig {
            ops: ops.to_vec(),
            threads: threads.to_vec(),
            runs: 3,
            duration: Duration::from_millis(30),
            verify: false,
            ..KernelConfig::default()
        }
    }

    #[test]
    fn every_op_reports_a_positive_rate_and_consistent_wrap_times() {
        let t = kernel_table(&quick(&KernelOp::ALL, &[1]), &|_, _| {}).unwrap();
        let expect = if t.io_uring.available { 6 } else { 5 };
        if !t.io_uring.available {
            eprintln!(
                "io_uring not available, uring-madvise not measured: {:?}",
                t.io_uring.reason
            );
        }
        assert_eq!(t.cells.len(), expect);
        for c in &t.cells {
            assert!(c.spread.median > 0.0, "{}", c.op);
            assert!(c.spread.min <= c.spread.q1 && c.spread.q1 <= c.spread.median);
            assert!(c.spread.median <= c.spread.q3 && c.spread.q3 <= c.spread.max);
            assert!((c.wrap_s_32 * c.spread.median / 2f64.powi(31) - 1.0).abs() < 1e-12);
            assert_eq!(c.speedup_vs_1_thread, Some(1.0));
            assert_eq!(c.cycles_per_s_runs.len(), 3);
        }
        assert_eq!(t.munmap_errno.as_deref(), Some("EINVAL"));
    }

    #[test]
    fn two_threads_share_one_table_and_report_a_speedup() {
        let t = kernel_table(&quick(&[KernelOp::MunmapNull], &[1, 2]), &|_, _| {}).unwrap();
        assert_eq!(t.cells.len(), 2);
        let two = &t.cells[1];
        assert_eq!(two.threads, 2);
        let s = two.speedup_vs_1_thread.unwrap();
        assert!((s - two.spread.median / t.cells[0].spread.median).abs() < 1e-12);
    }

    #[test]
    fn spread_is_the_order_statistics_of_the_runs() {
        let s = Spread::of(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!((s.min, s.median, s.max, s.runs), (1.0, 3.0, 5.0, 5));
        // R-8 quartiles of 1..5: h = (5 + 1/3) * 0.25 + 1/3 = 5/3.
        assert!((s.q1 - (1.0 + 2.0 / 3.0)).abs() < 1e-12);
        assert!((s.q3 - (4.0 + 1.0 / 3.0)).abs() < 1e-12);
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn thread_and_op_lists_parse() {
        assert_eq!(parse_threads("3").unwrap(), vec![3]);
        assert_eq!(parse_threads("1..3").unwrap(), vec![1, 2, 3]);
        assert_eq!(parse_threads("2-4").unwrap(), vec![2, 3, 4]);
        assert_eq!(parse_threads("4,1,2,2").unwrap(), vec![1, 2, 4]);
        for bad in ["0", "3..1", "x", "", "1..", "257"] {
            assert!(matches!(parse_threads(bad), Err(Error::Usage(_))), "{bad}");
        }
        assert_eq!(parse_ops("all").unwrap().len(), 6);
        assert_eq!(
            parse_ops("madvise,munmap-null,madvise").unwrap(),
            vec![KernelOp::Madvise, KernelOp::MunmapNull]
        );
        assert!(matches!("munmap".parse::<KernelOp>(), Err(Error::Usage(_))));
        let d = default_threads();
        assert!(d.starts_with(&[1, 2]));
    }

    #[test]
    fn munmap_null_reports_einval() {
        assert_eq!(sys::munmap_null(), Err(libc::EINVAL));
        assert_eq!(probe_iterations(KernelOp::MunmapNull, 100).unwrap(), 100);
    }

    #[test]
    fn bad_counts_are_usage_errors() {
        let bad = [
            KernelConfig {
                runs: 0,
                ..quick(&[KernelOp::MunmapNull], &[1])
            },
            KernelConfig {
                ops: vec![],
                ..quick(&[KernelOp::MunmapNull], &[1])
            },
            KernelConfig {
                uring_batch: 0,
                ..quick(&[KernelOp::MunmapNull], &[1])
            },
            KernelConfig {
                duration: Duration::from_micros(10),
                ..quick(&[KernelOp::MunmapNull], &[1])
            },
        ];
        for cfg in bad {
            assert!(matches!(
                kernel_table(&cfg, &|_, _| {}),
                Err(Error::Usage(_))
            ));
        }
    }

    /// The tracepoint check against independent facts: `munmap(1, 0)`
    /// takes the write lock once, `mmap`+`munmap` twice, `MADV_WILLNEED`
    /// (a read-lock advice, measured through the same counting) never. On
    /// a machine where tracefs cannot be used the check says so and does
    /// not pass.
    #[test]
    fn the_tracepoint_counts_one_write_lock_per_call() {
        let v = verify_ops(
            &[
                KernelOp::MunmapNull,
                KernelOp::MmapMunmap,
                KernelOp::Mprotect,
            ],
            8,
            500,
        )
        .unwrap();
        if v[0].status == "not-verified" {
            eprintln!(
                "tracefs not usable here, write-lock counts not checked: {:?}",
                v[0].reason
            );
            assert!(
                v.iter()
                    .all(|r| r.status == "not-verified" && r.reason.is_some())
            );
            return;
        }
        for r in &v {
            assert_eq!(r.status, "verified", "{r:?}");
            assert_eq!(r.calls, 500);
            assert_eq!(
                r.write_acquisitions - r.control_acquisitions,
                500 * r.expected_per_call
            );
            assert_eq!(r.mms_seen, 1, "{r:?}");
        }
        assert_eq!(v[1].expected_per_call, 2);
    }

    /// The negative control: a read-lock advice counted by the same code
    /// shows no write acquisition, so "verified" is not a tautology.
    #[test]
    fn a_read_lock_advice_counts_zero_write_locks() {
        let Ok(tracer) = Tracer::open(1024) else {
            eprintln!("tracefs not usable here, negative control not run");
            return;
        };
        let tid = current_tid().unwrap();
        let page = sys::Page::map().unwrap();
        tracer.start().unwrap();
        for _ in 0..300 {
            page.advise(sys::Advice::WillNeed).unwrap();
        }
        tracer.stop().unwrap();
        let (events, lost) = tracer.snapshot().unwrap();
        assert_eq!(lost, 0);
        assert_eq!(count_own(&events, tid, &[]).0, 0);
        tracer.start().unwrap();
        for _ in 0..300 {
            page.advise(sys::Advice::Normal).unwrap();
        }
        tracer.stop().unwrap();
        let (events, _) = tracer.snapshot().unwrap();
        assert_eq!(count_own(&events, tid, &[]).0, 300);
    }

    /// Does `munmap(1, 0)` really take the mmap lock on this kernel,
    /// without tracefs? A
    /// holder thread keeps the lock busy (MAP_POPULATE faults 64 MB under
    /// the mmap lock; dropping the mapping zaps it under the write lock). A
    /// call that takes the lock waits for the holder; `getpid` never does.
    /// Timing-sensitive on a loaded machine, so run on demand:
    /// `cargo test --release --lib munmap_null_waits -- --ignored`.
    #[test]
    #[ignore]
    fn munmap_null_waits_for_a_held_mmap_lock() {
        use std::time::Instant;
        // Alternate the two calls so both see the same preemptions; sum the
        // time spent inside each.
        let stop = AtomicBool::new(false);
        let (m, g) = thread::scope(|s| {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    drop(sys::Page::map_len(64 << 20, true).unwrap());
                }
            });
            thread::sleep(Duration::from_millis(20));
            let (mut m, mut g, t0) = (Duration::ZERO, Duration::ZERO, Instant::now());
            while t0.elapsed() < Duration::from_millis(400) {
                let t = Instant::now();
                let _ = std::hint::black_box(sys::munmap_null());
                let u = Instant::now();
                std::hint::black_box(std::process::id());
                m += u - t;
                g += u.elapsed();
            }
            stop.store(true, Ordering::Relaxed);
            (m, g)
        });
        eprintln!("time inside calls while the mmap lock is busy: munmap(1,0) {m:?}, getpid {g:?}");
        assert!(m > 2 * g, "munmap {m:?} getpid {g:?}");
    }
}
