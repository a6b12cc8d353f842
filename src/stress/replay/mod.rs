//! A protocol on real threads and real atomics, following a schedule.
//!
//! The writer threads run the protocol's writer body, one lock cycle at
//! a time under a real `Mutex` (the critical section), storing into real
//! atomics of each word's width (`AtomicU8/16/32/64`) with the orderings
//! the protocol states: `WRITE_ONCE` a relaxed store,
//! `smp_store_release` a release store, `smp_wmb()` a release fence,
//! `smp_rmb()` an acquire fence, `smp_mb()` a sequentially consistent
//! fence, `modify()` a store of a fresh version to the protected data,
//! `synchronize_rcu()` a wait until the reader's speculation (announced in
//! an atomic, as `rcu_read_lock` would) is over. The reader runs the
//! protocol's reader body on the same atomics (`READ_ONCE` relaxed,
//! `smp_load_acquire` acquire, `read()` two loads of the data), and the
//! one verdict rule ([`crate::protocol::verdict`]) judges it: ACCEPT with
//! two different data versions is a false positive.
//!
//! A schedule says where the writers stand (cycles completed, events of the
//! next cycle done) before each of the reader's loads: the explorer's
//! counterexample, replayed. The writers run to that point and stop there —
//! mid-cycle if need be, holding the lock — while the reader takes its
//! loads. A writer that reaches `synchronize_rcu()` with the reader in
//! flight reports it and waits; the reader then finishes its speculation,
//! as a grace period would make it.
//!
//! Layout: `schedule.rs` (where the writers stand before each of the
//! reader's loads: the explorer's counterexample as a [`Schedule`]),
//! `atomics.rs` (the words on hardware atomics and the writer's events
//! compiled onto them), `writers.rs` (what the threads share and the
//! writers' loop toward a target position), `reader.rs` (the reader's
//! body on the same atomics, group by group); here, [`run`] and
//! [`time_cycles`].

use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::Result;
use crate::protocol::{Outcome, Protocol};

mod atomics;
mod reader;
mod schedule;
mod writers;

use atomics::words_of;
use reader::reader;
pub use schedule::{At, Group, Schedule, Take};
use writers::Shared;

/// One replay as it ran.
#[derive(Clone, Debug, Serialize)]
pub struct Replayed {
    /// The schedule, one line.
    pub schedule: String,
    /// How the speculation ended.
    pub outcome: Outcome,
    /// Modifications between the reader's first and last load, measured
    /// from the protected data's version (not copied from the schedule).
    pub window_cycles: u64,
    /// Writer cycles run in all.
    pub writer_cycles: u64,
    /// The two data versions `read()` saw.
    pub data: (u64, u64),
    /// A writer reached `synchronize_rcu()` with the reader in flight and
    /// waited for it.
    pub grace_period_waited: bool,
    /// The reader took the loads the schedule expected.
    pub followed: bool,
    /// Wall time.
    pub seconds: f64,
}

/// Run `schedule` on `writers` writer threads. Every replay starts from a
/// fresh harness (words and data at 0).
/// `progress(k)` is called from a writer thread every 65536 cycles.
pub fn run(
    s: &Protocol,
    schedule: &Schedule,
    writers: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Replayed> {
    let words = words_of(s);
    let sh = Shared::new(s, &words, progress)?;
    let t0 = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..writers.max(1) {
            scope.spawn(|| sh.writer());
        }
        let r = reader(&sh, schedule);
        sh.quit.store(true, SeqCst);
        sh.generation.fetch_add(1, SeqCst);
        sh.changed.notify_all();
        r.map(|mut x| {
            x.seconds = t0.elapsed().as_secs_f64();
            x
        })
    })
}

/// Time `cycles` writer cycles on `writers` threads with no reader (the
/// harness's own rate, `measured:stress`).
pub fn time_cycles(
    s: &Protocol,
    writers: usize,
    cycles: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Duration> {
    let words = words_of(s);
    let sh = Shared::new(s, &words, progress)?;
    std::thread::scope(|scope| {
        for _ in 0..writers.max(1) {
            scope.spawn(|| sh.writer());
        }
        // Park the writers at the start, then time the run to the end.
        let zero = At {
            cycles: 0,
            events: 0,
        };
        sh.retarget(zero);
        sh.wait_reached(zero)?;
        let t = Instant::now();
        let end = At { cycles, events: 0 };
        sh.retarget(end);
        let r = sh.wait_reached(end).map(|_| t.elapsed());
        sh.quit.store(true, SeqCst);
        sh.generation.fetch_add(1, SeqCst);
        sh.changed.notify_all();
        r
    })
}
