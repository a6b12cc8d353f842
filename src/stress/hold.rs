//! A real hold, measured: one thread of this process blocked inside a
//! kernel user access (a `read()` whose copy to user space faults on a
//! page registered with userfaultfd, so the fault sleeps in
//! `handle_userfault()`), while other threads of the same mm run
//! `munmap(1, 0)`, and the `mmap_lock/mmap_lock_acquire_returned`
//! tracepoint counts their write acquisitions while it stays blocked.
//!
//! This is the window of a reader that may sleep (the shstk sigreturn
//! reader, `holds/userfaultfd.toml`): whatever holds the fault holds the
//! reader, and the count is how far its counter moves meanwhile.
//!
//! The count is the ring buffer's own (`Tracer::written`) for the writer
//! threads' tids only, so nothing else on the machine adds to it; the
//! writers' own call counts are reported beside it as a cross-check.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::uffd::{BytePipe, Uffd};
use crate::error::{Error, Result};
use crate::host::sys;
use crate::host::tracefs::Tracer;

/// How long to hold.
#[derive(Clone, Copy, Debug)]
pub enum HoldUntil {
    /// A fixed time.
    For(Duration),
    /// Until this many write acquisitions were counted inside the hold
    /// (or `limit` passes first: then the report says it was not reached).
    Acquisitions {
        /// The count to reach (2^31 for a 32-bit counter's wrap).
        target: u64,
        /// Give up after this long.
        limit: Duration,
    },
}

/// What one hold measured.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct HoldReport {
    /// The mechanism (`userfaultfd`).
    pub mechanism: String,
    /// How the userfaultfd was obtained.
    pub uffd_via: String,
    /// What the blocked thread is doing.
    pub access: String,
    /// The blocked thread's `wchan` while held (where the kernel has it
    /// sleeping), when readable.
    pub blocked_in: Option<String>,
    /// Its scheduler state while held (`S`: sleeping).
    pub state: Option<String>,
    /// Writer threads on the same mm.
    pub writers: usize,
    /// From the fault's arrival to its resolution, seconds.
    pub held_s: f64,
    /// How long the writers ran inside the hold, seconds.
    pub writing_s: f64,
    /// Write acquisitions the tracepoint counted inside the hold.
    pub counted: u64,
    /// `munmap(1, 0)` calls the writers made (one write acquisition each).
    pub calls: u64,
    /// counted / writing_s.
    pub rate: f64,
    /// The count asked for, if any.
    pub target: Option<u64>,
    /// Whether it was reached inside this one hold.
    pub reached: Option<bool>,
    /// What the blocked read() returned once released (1: the byte).
    pub read_returned: usize,
}

/// A hold measured, or why it could not be here.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum HoldOutcome {
    /// Measured.
    Measured(HoldReport),
    /// Not permitted or not available here, with the reason.
    Skipped {
        /// One line.
        reason: String,
    },
}

fn thread_file(tid: u32, f: &str) -> Option<String> {
    std::fs::read_to_string(format!("/proc/self/task/{tid}/{f}"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && s != "0")
}

/// The state letter of `/proc/self/task/TID/stat` (after the comm).
fn thread_state(tid: u32) -> Option<String> {
    let stat = thread_file(tid, "stat")?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().next().map(str::to_string)
}

fn tid() -> u32 {
    super::kernel::current_tid().unwrap_or(0)
}

/// Hold one thread in a userfaultfd-held kernel fault while `writers`
/// threads run `munmap(1, 0)` on the same mm; count their write
/// acquisitions by tracepoint. `progress(counted, elapsed_s)` is called a
/// few times a second.
pub fn uffd_hold(
    writers: usize,
    until: HoldUntil,
    progress: &dyn Fn(u64, f64),
) -> Result<HoldOutcome> {
    let skip = |reason: String| Ok(HoldOutcome::Skipped { reason });
    if !cfg!(target_os = "linux") {
        return skip("the hold needs Linux".into());
    }
    if writers == 0 {
        return Err(Error::usage("the hold needs at least one writer thread"));
    }
    let uffd = match Uffd::new() {
        Ok(u) => Arc::new(u),
        Err(e) => return skip(e.0),
    };
    let tracer = match Tracer::open(64) {
        Ok(t) => t,
        Err(e) => return skip(format!("no tracepoint to count with: {}", e.0)),
    };
    let run = |what: &str, e: std::io::Error| Error::Run(format!("hold: {what}: {e}"));
    let pipe = Arc::new(BytePipe::new().map_err(|e| run("pipe", e))?);

    // The holder: blocked in read() until the fault is resolved.
    let (tid_tx, tid_rx) = mpsc::channel();
    let done = Arc::new(AtomicBool::new(false));
    let holder = {
        let (u, p, done) = (uffd.clone(), pipe.clone(), done.clone());
        std::thread::spawn(move || {
            let _ = tid_tx.send(tid());
            let r = u.read_into(p.rd);
            done.store(true, Ordering::SeqCst);
            r
        })
    };
    let holder_tid = tid_rx
        .recv()
        .map_err(|_| Error::Run("hold: the holder thread died".into()))?;
    let faulted = uffd.wait_fault(5000).map_err(|e| run("poll", e))?;
    let held_from = Instant::now();
    let release = |u: &Uffd| u.release().map_err(|e| run("UFFDIO_ZEROPAGE", e));
    if !faulted {
        release(&uffd)?;
        let _ = holder.join();
        return Err(Error::Run(
            "hold: no fault arrived on the registered page within 5 s".into(),
        ));
    }
    // Let it go to sleep before reading where it sleeps.
    std::thread::sleep(Duration::from_millis(20));
    let blocked_in = thread_file(holder_tid, "wchan");
    let state = thread_state(holder_tid);

    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));
    let gate = Arc::new(Barrier::new(writers + 1));
    let (wtx, wrx) = mpsc::channel();
    let handles: Vec<_> = (0..writers)
        .map(|_| {
            let (stop, calls, gate, wtx) = (stop.clone(), calls.clone(), gate.clone(), wtx.clone());
            std::thread::spawn(move || {
                let _ = wtx.send(tid());
                gate.wait();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..256 {
                        let _ = sys::munmap_null();
                    }
                    n += 256;
                }
                calls.fetch_add(n, Ordering::Relaxed);
            })
        })
        .collect();
    let tids: Vec<u32> = (0..writers).filter_map(|_| wrx.recv().ok()).collect();
    let filter = format!(
        "write==1 && success==1 && ({})",
        tids.iter()
            .map(|t| format!("common_pid=={t}"))
            .collect::<Vec<_>>()
            .join(" || ")
    );
    let traced = tracer
        .set_filter(&filter)
        .and_then(|_| tracer.start())
        .map_err(|e| run("tracefs", e));
    gate.wait();
    let t0 = Instant::now();
    let mut last = Ok(0u64);
    if traced.is_ok() {
        loop {
            std::thread::sleep(Duration::from_millis(250));
            let el = t0.elapsed();
            last = tracer.written().map_err(|e| run("tracefs stats", e));
            let Ok(n) = last else { break };
            progress(n, el.as_secs_f64());
            let enough = match until {
                HoldUntil::For(d) => el >= d,
                HoldUntil::Acquisitions { target, limit } => n >= target || el >= limit,
            };
            if enough || done.load(Ordering::SeqCst) {
                break;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        let _ = h.join();
    }
    let writing_s = t0.elapsed().as_secs_f64();
    let _ = tracer.stop();
    let counted = tracer.written().map_err(|e| run("tracefs stats", e));
    // Still held? Only then do the counts lie inside one hold.
    let still_held = !done.load(Ordering::SeqCst);
    release(&uffd)?;
    let held_s = held_from.elapsed().as_secs_f64();
    let read = holder
        .join()
        .map_err(|_| Error::Run("hold: the holder thread panicked".into()))?
        .map_err(|e| run("the held read()", e))?;
    traced?;
    last?;
    let counted = counted?;
    if !still_held {
        return Err(Error::Run(
            "hold: the blocked read() returned before the fault was resolved".into(),
        ));
    }
    let target = match until {
        HoldUntil::Acquisitions { target, .. } => Some(target),
        HoldUntil::For(_) => None,
    };
    Ok(HoldOutcome::Measured(HoldReport {
        mechanism: "userfaultfd".into(),
        uffd_via: uffd.via.into(),
        access: "read() from a pipe into a page registered for missing faults: \
                 the copy to user space faults in kernel mode"
            .into(),
        blocked_in,
        state,
        writers,
        held_s,
        writing_s,
        counted,
        calls: calls.load(Ordering::Relaxed),
        rate: counted as f64 / writing_s,
        target,
        reached: target.map(|t| counted >= t),
        read_returned: read,
    }))
}
