//! `host`: what talks to the host OS and describes this machine, below
//! `stress/` and `stall/`, which use it.
//!
//! - [`sys`]: the syscalls (`munmap`, `mprotect`, `madvise`, io_uring,
//!   `mount`), with `stress/uffd.rs` the only unsafe code in the crate;
//! - [`tracefs`]: tracefs instances and the parsing of their trace (the
//!   `mmap_lock` tracepoint);
//! - [`identity`]: [`Host`], the machine a measurement was taken on (CPU
//!   model, cores, kernel);
//! - [`texts`]: the texts the kernel gives about its preemption and RCU
//!   stall settings (config, debugfs, boot log, sysctls), read and not
//!   interpreted.
//!
//! Nothing here uses the rest of seqwrap: the measurements and models
//! above interpret what this layer reads.

pub mod identity;
pub mod sys;
pub mod texts;
pub mod tracefs;

pub use identity::Host;
