//! The kernel probe: drive the Linux mmap_lock write path from user space
//! and count write-lock cycles per second.
//!
//! Every operation below takes `mmap_write_lock` and releases it, and the
//! seed's RFC bumps `mm->mm_lock_seq` at both (`inc_mm_lock_seq` in
//! `mmap_write_lock*` and `vma_end_write_all`): one write-lock cycle is two
//! increments, so a 32-bit counter wraps after 2^31 cycles and a 64-bit one
//! after 2^63.
//!
//! - `munmap-null`: `munmap(1, 0)`; `__vm_munmap` takes the write lock,
//!   `do_vmi_munmap` rejects the unaligned start (EINVAL), unlock. 1 cycle.
//! - `mprotect`: toggle one private page read-only / read-write
//!   (`do_mprotect_pkey` under the write lock). 1 cycle a call.
//! - `mmap-munmap`: map a page and unmap it. 2 cycles an iteration.
//!
//! Threads share one mm, so they contend on one mmap_lock: the rate is the
//! whole process's.

use std::fmt;
use std::str::FromStr;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::median;
use super::sys;
use crate::error::{Error, Result};

/// A user-space operation that takes the mmap write lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KernelOp {
    /// `munmap(1, 0)`: lock, reject, unlock.
    MunmapNull,
    /// Toggle the protection of one private page.
    Mprotect,
    /// Map one page, unmap it.
    MmapMunmap,
}

impl KernelOp {
    /// The name `--op` takes.
    pub fn name(self) -> &'static str {
        match self {
            KernelOp::MunmapNull => "munmap-null",
            KernelOp::Mprotect => "mprotect",
            KernelOp::MmapMunmap => "mmap-munmap",
        }
    }

    /// mmap write-lock cycles one call of the operation makes.
    pub fn cycles_per_call(self) -> u64 {
        match self {
            KernelOp::MmapMunmap => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for KernelOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KernelOp {
    type Err = Error;
    fn from_str(s: &str) -> Result<KernelOp> {
        match s {
            "munmap-null" => Ok(KernelOp::MunmapNull),
            "mprotect" => Ok(KernelOp::Mprotect),
            "mmap-munmap" => Ok(KernelOp::MmapMunmap),
            _ => Err(Error::usage(format!(
                "--op: '{s}' is not a probe operation; allowed: munmap-null, mprotect, mmap-munmap"
            ))),
        }
    }
}

/// What to measure and for how long.
#[derive(Clone, Debug)]
pub struct KernelConfig {
    /// The operation.
    pub op: KernelOp,
    /// Threads calling it (1..=256).
    pub threads: usize,
    /// Total measuring time, split into `runs` equal timed runs.
    pub duration: Duration,
    /// Timed runs (the rate is their median).
    pub runs: usize,
}

impl Default for KernelConfig {
    fn default() -> Self {
        KernelConfig {
            op: KernelOp::MunmapNull,
            threads: 1,
            duration: Duration::from_secs(1),
            runs: 5,
        }
    }
}

/// The probe's result. The JSON of `seqwrap stress --kernel --json`.
#[derive(Clone, Debug, Serialize)]
pub struct KernelReport {
    /// The operation.
    pub op: KernelOp,
    /// Threads.
    pub threads: usize,
    /// Median mmap write-lock cycles per second over the runs.
    pub cycles_per_s: f64,
    /// Each run's rate.
    pub cycles_per_s_runs: Vec<f64>,
    /// ns per write-lock cycle at the median rate.
    pub ns_per_cycle: f64,
    /// Seconds for 2^31 cycles: a 32-bit `mm_lock_seq` back to its value.
    pub wrap_s_32: f64,
    /// Seconds for 2^63 cycles: a 64-bit one.
    pub wrap_s_64: f64,
    /// `wrap_s_64` in years of 365.25 days.
    pub wrap_years_64: f64,
    /// The running kernel's release (`uname -r`).
    pub kernel: String,
    /// munmap-null: the errno every call returned (EINVAL expected).
    pub errno: Option<String>,
    /// Its number.
    pub errno_code: Option<i32>,
    /// Calls made in all.
    pub calls: u64,
    /// Length of each run.
    pub run_s: f64,
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
    MmapMunmap,
}

impl OpState {
    fn new(op: KernelOp) -> Result<OpState> {
        Ok(match op {
            KernelOp::MunmapNull => OpState::MunmapNull {
                expect: sys::munmap_null(),
            },
            KernelOp::Mprotect => OpState::Mprotect {
                page: sys::Page::map().map_err(|e| Error::Run(format!("mmap: {e}")))?,
                writable: true,
            },
            KernelOp::MmapMunmap => OpState::MmapMunmap,
        })
    }

    #[inline]
    fn call(&mut self) -> Result<()> {
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
                    .map_err(|e| Error::Run(format!("mprotect: {e}")))?;
            }
            OpState::MmapMunmap => {
                drop(sys::Page::map().map_err(|e| Error::Run(format!("mmap: {e}")))?);
            }
        }
        Ok(())
    }
}

/// The probe's inner loop: call `op` until `limit` calls or `stop`.
/// Returns the calls made. The same loop serves timed runs and benches.
fn worker(op: KernelOp, stop: &AtomicBool, limit: u64) -> Result<u64> {
    let mut st = OpState::new(op)?;
    let mut calls = 0u64;
    while calls < limit && !stop.load(Ordering::Relaxed) {
        st.call()?;
        calls += 1;
    }
    Ok(calls)
}

/// Run the probe loop for exactly `iters` calls on this thread (benches:
/// compare with a bare loop of the same syscall).
pub fn probe_iterations(op: KernelOp, iters: u64) -> Result<u64> {
    linux_only()?;
    worker(op, &AtomicBool::new(false), iters)
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

/// Measure `cfg.op`'s write-lock cycles per second: `cfg.runs` timed runs of
/// `duration / runs` each, `cfg.threads` threads, median rate.
/// `progress(done_runs, runs)` after each run.
///
/// Errors: `Usage` off Linux or for 0 threads/runs; `Run` if a syscall fails
/// unexpectedly.
pub fn kernel_probe(
    cfg: &KernelConfig,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<KernelReport> {
    linux_only()?;
    if cfg.threads == 0 || cfg.threads > 256 {
        return Err(Error::usage(format!(
            "--threads: {}; allowed: 1..=256",
            cfg.threads
        )));
    }
    if cfg.runs == 0 || cfg.runs > 1000 {
        return Err(Error::usage(format!(
            "--runs: {}; allowed: 1..=1000",
            cfg.runs
        )));
    }
    let run = cfg.duration / cfg.runs as u32;
    if run < Duration::from_millis(1) || cfg.duration > Duration::from_secs(3600) {
        return Err(Error::usage(
            "--duration: allowed: 1 ms per run up to 3600 s in all (e.g. 2s, 500ms)",
        ));
    }
    let errno = match cfg.op {
        KernelOp::MunmapNull => sys::munmap_null().err(),
        _ => None,
    };
    let mut rates = Vec::with_capacity(cfg.runs);
    let mut calls_total = 0u64;
    for i in 0..cfg.runs {
        let stop = AtomicBool::new(false);
        let start = Barrier::new(cfg.threads + 1);
        let (calls, elapsed) = thread::scope(|s| -> Result<(u64, Duration)> {
            let hs: Vec<_> = (0..cfg.threads)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        worker(cfg.op, &stop, u64::MAX)
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
        calls_total += calls;
        rates.push((calls * cfg.op.cycles_per_call()) as f64 / elapsed.as_secs_f64());
        progress(i + 1, cfg.runs);
    }
    let rate = median(&rates);
    let wrap_s_64 = 2f64.powi(63) / rate;
    Ok(KernelReport {
        op: cfg.op,
        threads: cfg.threads,
        cycles_per_s: rate,
        cycles_per_s_runs: rates,
        ns_per_cycle: 1e9 / rate,
        wrap_s_32: 2f64.powi(31) / rate,
        wrap_s_64,
        wrap_years_64: wrap_s_64 / (365.25 * 86400.0),
        kernel: sys::kernel_release(),
        errno: errno.map(sys::errno_name),
        errno_code: errno,
        calls: calls_total,
        run_s: run.as_secs_f64(),
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn every_op_reports_a_positive_rate() {
        for op in [
            KernelOp::MunmapNull,
            KernelOp::Mprotect,
            KernelOp::MmapMunmap,
        ] {
            let cfg = KernelConfig {
                op,
                threads: 1,
                duration: Duration::from_millis(30),
                runs: 3,
            };
            let r = kernel_probe(&cfg, &|_, _| {}).unwrap();
            assert!(r.cycles_per_s > 0.0, "{op}");
            assert!((r.wrap_s_32 * r.cycles_per_s - 2f64.powi(31)).abs() < 1.0);
        }
    }

    #[test]
    fn munmap_null_reports_einval() {
        let cfg = KernelConfig {
            duration: Duration::from_millis(10),
            runs: 1,
            ..Default::default()
        };
        let r = kernel_probe(&cfg, &|_, _| {}).unwrap();
        assert_eq!(r.errno.as_deref(), Some("EINVAL"));
        assert_eq!(probe_iterations(KernelOp::MunmapNull, 100).unwrap(), 100);
    }

    /// Does `munmap(1, 0)` really take the mmap lock on this kernel? A
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

    #[test]
    fn bad_ops_are_usage_errors() {
        assert!(matches!("munmap".parse::<KernelOp>(), Err(Error::Usage(_))));
    }
}
