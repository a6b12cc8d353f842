//! # seqwrap
//!
//! How wide must a sequence counter be before a lockless reader can trust
//! "the counter did not change"?
//!
//! A Linux mm patch added `mm_lock_seq`, bumped on every mmap_lock
//! write-lock and write-unlock; a speculating reader records it at the start
//! and checks it at the end. A W-bit counter comes back to the recorded value
//! after 2^(W-1) write-lock cycles and the reader then accepts data changed
//! under it: a *false positive*. seqwrap answers the question four ways that
//! check one another:
//!
//! - [`explore`]: every execution of readers and writers of a protocol
//!   protocol ([`protocol`]) under a memory model ([`memory`]: SC,
//!   x86-TSO, the Linux-kernel memory model), brute force or with writer
//!   runs jumped exactly; [`litmus`] exports the same question to herd7;
//! - [`analyze`]: closed forms, exact (num-bigint, log-space);
//! - [`sample`]: Monte Carlo over timed schedules, seeded;
//! - [`stress`]: real threads and atomics replaying the explorer's
//!   counterexamples, and the kernel's own write-lock rates.
//!
//! The protocol format and the semantics every engine shares are in
//! `docs/DESIGN.md` (cited as "DESIGN §N" in the code) and in
//! [`protocol`].
#![deny(missing_docs, rust_2018_idioms)]
#![deny(unsafe_code)]

pub mod error;
pub mod explore;
pub mod files;
pub mod litmus;
pub mod memory;
pub mod protocol;
pub mod text;
pub mod width;

pub mod analyze;
pub mod sample;
pub mod timing;

pub mod host;
pub mod stall;
pub mod stress;

pub mod pick;
pub mod plot;
pub mod question;
pub mod report;
pub mod results;
pub mod site;
pub mod sweep;

pub use error::{Error, Result};
