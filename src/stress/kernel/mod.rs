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
//!
//! Layout: `config.rs` (the operations, `--op` and `--threads`, what to
//! measure and its bounds), `probe.rs` (the measurement loop: each
//! thread's operation state, the timed runs, the table), `stats.rs` (a
//! cell's statistics: [`Spread`] and [`KernelCell`]), `verify.rs` (the
//! tracepoint check).

use std::fmt;

use crate::error::{Error, Result};

mod config;
mod probe;
mod stats;
mod verify;

pub use config::{KernelConfig, KernelOp, MAX_THREADS, default_threads, parse_ops, parse_threads};
pub use probe::{Availability, KernelTable, kernel_table, probe_iterations, uring_availability};
pub use stats::{KernelCell, Spread};
pub(crate) use verify::current_tid;
pub use verify::{VerifyReport, verify_ops};

fn run_err(what: &str, e: impl fmt::Display) -> Error {
    Error::Run(format!("{what}: {e}"))
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
