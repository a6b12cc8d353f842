//! The measurement loop: each thread's operation state (`OpState`),
//! the inner loop, timed runs of 1..=N threads on one mm, and
//! [`kernel_table`], which takes them round-robin over the cells and
//! assembles the [`KernelTable`].

use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::config::{KernelConfig, KernelOp, check};
use super::stats::{KernelCell, Spread};
use super::verify::{VerifyReport, verify_ops};
use super::{linux_only, run_err};
use crate::error::{Error, Result};
use crate::host::{Host, sys};

/// io_uring here, or why not.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Availability {
    /// Usable.
    pub available: bool,
    /// Why not (one line), when not.
    pub reason: Option<String>,
}

/// The probe's result: the JSON of `seqwrap stress --kernel --json`.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct KernelTable {
    /// Where it ran.
    pub machine: Host,
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
pub(super) enum OpState {
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

impl OpState {
    pub(super) fn new(op: KernelOp, batch: u32) -> Result<OpState> {
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
    pub(super) fn step(&mut self) -> Result<u64> {
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
pub(super) fn worker(st: &mut OpState, stop: &AtomicBool, limit: u64) -> Result<u64> {
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
        machine: Host::current(),
        runs: cfg.runs,
        run_s: run.as_secs_f64(),
        uring_batch: cfg.uring_batch,
        io_uring,
        cells,
        verification,
        munmap_errno,
    })
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
