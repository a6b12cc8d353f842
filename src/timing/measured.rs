//! What a `measured:` rate names (`measured:kernel:OP:THREADS`,
//! `measured:stress`): the user-space operation that takes the mmap write
//! lock, the threads on one mm, or the user-space harness. Names only: the
//! measurements themselves are `stress`'s, which sits above the timed
//! model and resolves a [`RateKind`] into a rate before any engine runs.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Result};

/// Most threads a cell may use.
pub const MAX_THREADS: usize = 256;

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

/// What `--op` accepts.
pub const OPS_ALLOWED: &str =
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

/// Which rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateKind {
    /// The kernel's mmap write-lock cycles per second for one operation
    /// and thread count (`measured:kernel` is `munmap-null`, 1 thread).
    Kernel {
        /// The operation.
        op: KernelOp,
        /// Threads on one mm.
        threads: usize,
    },
    /// The user-space harness's write cycles per second (plain i32).
    Stress,
}

impl RateKind {
    /// `measured:kernel`: `munmap(1, 0)` on one thread.
    pub const KERNEL: RateKind = RateKind::Kernel {
        op: KernelOp::MunmapNull,
        threads: 1,
    };

    /// As written after `measured:` (`kernel`, `kernel:mprotect:2`, `stress`).
    pub fn spelling(self) -> String {
        match self {
            k if k == RateKind::KERNEL => "kernel".into(),
            RateKind::Kernel { op, threads: 1 } => format!("kernel:{}", op.name()),
            RateKind::Kernel { op, threads } => format!("kernel:{}:{threads}", op.name()),
            RateKind::Stress => "stress".into(),
        }
    }

    /// `kernel` or `stress`.
    pub fn name(self) -> &'static str {
        match self {
            RateKind::Kernel { .. } => "kernel",
            RateKind::Stress => "stress",
        }
    }

    pub(crate) fn op_name(self) -> &'static str {
        match self {
            RateKind::Kernel { op, .. } => op.name(),
            RateKind::Stress => "plain-i32",
        }
    }

    pub(crate) fn threads(self) -> usize {
        match self {
            RateKind::Kernel { threads, .. } => threads,
            RateKind::Stress => 1,
        }
    }
}

impl FromStr for RateKind {
    type Err = Error;
    /// `kernel`, `kernel:OP`, `kernel:OP:THREADS` or `stress`.
    fn from_str(s: &str) -> Result<RateKind> {
        let bad = || {
            Error::usage(format!(
                "--rate: 'measured:{s}' is not a measured rate; allowed: measured:kernel, \
                 measured:kernel:OP, measured:kernel:OP:THREADS (OP as for stress --kernel --op), \
                 measured:stress"
            ))
        };
        let mut parts = s.split(':');
        match parts.next() {
            Some("stress") if parts.next().is_none() => Ok(RateKind::Stress),
            Some("kernel") => {
                let op = match parts.next() {
                    Some(o) => o.parse::<KernelOp>().map_err(|_| bad())?,
                    None => KernelOp::MunmapNull,
                };
                let threads = match parts.next() {
                    Some(t) => t
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MAX_THREADS).contains(n))
                        .ok_or_else(bad)?,
                    None => 1,
                };
                if parts.next().is_some() {
                    return Err(bad());
                }
                Ok(RateKind::Kernel { op, threads })
            }
            _ => Err(bad()),
        }
    }
}
