//! The writers' side of the harness: what the threads share
//! ([`Shared`]: the words, the data's version, the lock, the target
//! position), and the writer loop that runs cycles toward the target and
//! stops there, mid-cycle if need be, holding the lock.

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, fence};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use super::atomics::{AWord, Ev, Path, Wop, fence_for, run_store};
use super::schedule::At;
use crate::error::{Error, Result};
use crate::explore::cycle::run_writer;
use crate::protocol::Protocol;
use crate::protocol::parse::FenceKind;
use crate::protocol::program::MAX_WORDS;

/// The writers' program state, guarded by the lock.
pub(super) struct WriterState<'a> {
    stmts: Stmts<'a>,
    /// The path before `stmts` (`usize::MAX`: none yet).
    prev: usize,
    next: usize,
    pub(super) at: At,
}

/// A cycle's statements: a path of the shape analysis (no allocation per
/// cycle), or the writer run concretely where there is none.
enum Stmts<'a> {
    Path(usize),
    Own(Path<'a>),
}

impl<'a> Stmts<'a> {
    #[inline(always)]
    fn get<'b>(&'b self, paths: &'b [Path<'a>]) -> &'b Path<'a> {
        match self {
            Stmts::Path(i) => &paths[*i],
            Stmts::Own(p) => p,
        }
    }
}

/// Everything the threads share.
pub(super) struct Shared<'s> {
    pub(super) protocol: &'s Protocol,
    /// The shape's paths, compiled (empty when there are none).
    paths: Vec<Path<'s>>,
    /// The program's words' widths.
    bits: Vec<u32>,
    pub(super) words: &'s [AWord],
    pub(super) data: AtomicU64,
    /// Odd while the reader's speculation is in flight.
    pub(super) in_flight: AtomicU64,
    pub(super) lock: Mutex<WriterState<'s>>,
    target_cycles: AtomicU64,
    target_events: AtomicU32,
    /// Bumped whenever the target moves (waiters watch it).
    pub(super) generation: AtomicU64,
    pub(super) quit: AtomicBool,
    status: Mutex<Status>,
    pub(super) changed: Condvar,
    pub(super) grace_waited: AtomicBool,
    progress: &'s (dyn Fn(u64) + Sync),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    Running,
    Reached(At),
    Blocked,
    Failed,
}

impl<'s> Shared<'s> {
    /// `words` from [`words_of`](super::atomics::words_of): owned by the
    /// caller so that the compiled events can point at them.
    pub(super) fn new(
        protocol: &'s Protocol,
        words: &'s [AWord],
        progress: &'s (dyn Fn(u64) + Sync),
    ) -> Result<Shared<'s>> {
        let bits: Vec<u32> = protocol.program().words.iter().map(|w| w.bits).collect();
        let paths = match &protocol.shape().paths {
            Ok(ps) => ps
                .iter()
                .map(|sp| Path::of(sp.bx, &sp.events, words, &bits))
                .collect::<Result<_>>()?,
            Err(_) => Vec::new(),
        };
        let mut sh = Shared {
            protocol,
            paths,
            bits,
            words,
            data: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            lock: Mutex::new(WriterState {
                // Set below, once the paths can be searched.
                stmts: Stmts::Path(0),
                prev: usize::MAX,
                next: 0,
                at: At {
                    cycles: 0,
                    events: 0,
                },
            }),
            target_cycles: AtomicU64::new(0),
            target_events: AtomicU32::new(0),
            generation: AtomicU64::new(0),
            quit: AtomicBool::new(false),
            status: Mutex::new(Status::Running),
            changed: Condvar::new(),
            grace_waited: AtomicBool::new(false),
            progress,
        };
        let stmts = sh.stmts_of(&[0; MAX_WORDS])?;
        sh.lock
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .stmts = stmts;
        Ok(sh)
    }

    /// The statements of a cycle from `start`, found from scratch.
    fn stmts_of(&self, start: &[u64; MAX_WORDS]) -> Result<Stmts<'s>> {
        if !self.paths.is_empty()
            && let Some(i) = self.protocol.shape().path_of(&start[..self.words.len()])
        {
            return Ok(Stmts::Path(i));
        }
        let events = run_writer(self.protocol.program(), start)?;
        Ok(Stmts::Own(Path::of(
            [(0, 0); MAX_WORDS],
            &events,
            self.words,
            &self.bits,
        )?))
    }

    fn set_status(&self, s: Status) {
        *self.status.lock().unwrap_or_else(PoisonError::into_inner) = s;
        self.changed.notify_all();
    }

    pub(super) fn target(&self) -> At {
        At {
            cycles: self.target_cycles.load(Acquire),
            events: self.target_events.load(Acquire),
        }
    }

    pub(super) fn retarget(&self, at: At) {
        {
            let mut st = self.status.lock().unwrap_or_else(PoisonError::into_inner);
            self.target_events.store(at.events, Release);
            self.target_cycles.store(at.cycles, Release);
            self.generation.fetch_add(1, SeqCst);
            if *st != Status::Failed {
                *st = Status::Running;
            }
        }
        self.changed.notify_all();
    }

    /// Wait until a writer reports the target reached, a writer blocked on
    /// a grace period, or a failure.
    pub(super) fn wait_reached(&self, at: At) -> Result<Status> {
        let mut st = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            match *st {
                Status::Reached(a) if a == at => return Ok(*st),
                Status::Blocked => return Ok(Status::Blocked),
                Status::Failed => return Err(Error::Run("stress: a writer failed".into())),
                _ => {}
            }
            st = self
                .changed
                .wait_timeout(st, Duration::from_millis(50))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// A writer thread: run cycles toward the target, stop there.
    pub(super) fn writer(&self) {
        if let Err(e) = self.writer_loop() {
            let _ = e;
            self.set_status(Status::Failed);
        }
    }

    fn writer_loop(&self) -> Result<()> {
        // The path this writer's last whole cycle took, with its events: a
        // cycle on it again starts its stores from pointers already at
        // hand, not from loads chained behind the lock's acquisition.
        let none = Path {
            bx: [(0, 0); MAX_WORDS],
            events: Vec::new(),
        };
        let mut hot: (usize, &Path<'s>, &[Ev<'s>]) = (usize::MAX, &none, &[]);
        loop {
            let mut w = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
            if self.quit.load(Acquire) {
                return Ok(());
            }
            if self.target_cycles.load(Acquire) > w.at.cycles {
                // The target lies past this cycle's end (targets only move
                // forward): no position inside it is one to stop at, so it
                // runs to its end unchecked. The hot path: one target load.
                match w.stmts {
                    Stmts::Path(i) if i == hot.0 && w.next == 0 => {
                        self.events(hot.2);
                        if !hot.1.holds(self.words) {
                            self.relocate(&mut w)?;
                            if let Stmts::Path(j) = w.stmts {
                                hot = (j, &self.paths[j], &self.paths[j].events);
                            }
                        }
                        // `next` and `at.events` are 0 still: nothing of
                        // this cycle had run.
                        w.at.cycles += 1;
                        if w.at.cycles & 0xFFFF == 0 {
                            (self.progress)(0x1_0000);
                        }
                    }
                    Stmts::Path(i) => {
                        hot = (i, &self.paths[i], &self.paths[i].events);
                        self.finish_cycle(&mut w)?;
                    }
                    Stmts::Own(_) => self.finish_cycle(&mut w)?,
                }
                continue;
            }
            loop {
                if self.quit.load(Acquire) {
                    return Ok(());
                }
                let target = self.target();
                if w.at == target {
                    // Stop here (mid-cycle: holding the lock) until the
                    // target moves.
                    let generation = self.generation.load(SeqCst);
                    {
                        let mut st = self.status.lock().unwrap_or_else(PoisonError::into_inner);
                        if self.generation.load(SeqCst) == generation && *st != Status::Failed {
                            *st = Status::Reached(w.at);
                            self.changed.notify_all();
                        }
                        while self.generation.load(SeqCst) == generation && !self.quit.load(Acquire)
                        {
                            st = self
                                .changed
                                .wait_timeout(st, Duration::from_millis(50))
                                .unwrap_or_else(PoisonError::into_inner)
                                .0;
                        }
                    }
                    continue;
                }
                if w.at > target {
                    return Err(Error::Run(format!(
                        "internal: the writers passed their target {target:?} at {:?}",
                        w.at
                    )));
                }
                if target.cycles > w.at.cycles {
                    self.finish_cycle(&mut w)?;
                    break;
                }
                if self.step(&mut w)? {
                    break; // a cycle ended: let the lock go between cycles
                }
            }
        }
    }

    /// Run the rest of the current cycle and end it: what repeated
    /// [`Shared::step`] calls do, without stopping between events.
    #[inline(always)]
    fn finish_cycle(&self, w: &mut WriterState<'s>) -> Result<()> {
        self.events(w.stmts.get(&self.paths).events.get(w.next..).unwrap_or(&[]));
        self.end_cycle(w)
    }

    /// Run events in order. Three (begin, `modify()`, end, the fences
    /// folded in) is the common path of every catalog protocol, so it gets
    /// a dispatch per event, each predicted on its own: one indirect jump
    /// shared by the three mispredicts, measured at about a twentieth of a
    /// cycle's time. Unrolling more lengths grew the loop past what it won.
    #[inline(always)]
    fn events(&self, es: &[Ev<'s>]) {
        if let [a, b, c] = es {
            self.event(a);
            self.event(b);
            self.event(c);
        } else {
            for e in es {
                self.event(e);
            }
        }
    }

    #[inline(always)]
    fn event(&self, e: &Ev<'s>) {
        if let Some(k) = e.pre {
            fence_for(k);
        }
        match e.op {
            Wop::U8(a, st) => run_store!(a, st, u8),
            Wop::U16(a, st) => run_store!(a, st, u16),
            Wop::U32(a, st) => run_store!(a, st, u32),
            Wop::U64(a, st) => run_store!(a, st, u64),
            // The data's version: only writers store it, holding the lock.
            Wop::Modify => self
                .data
                .store(self.data.load(Relaxed).wrapping_add(1), Relaxed),
            Wop::Rmb => fence_for(FenceKind::Rmb),
            Wop::Wmb => fence_for(FenceKind::Wmb),
            Wop::Mb => fence_for(FenceKind::Mb),
            Wop::Barrier => fence_for(FenceKind::Barrier),
            Wop::SyncRcu => self.sync_rcu(),
        }
    }

    /// The cycle's end: the words are the next cycle's start, and the lock
    /// is released (by the caller).
    #[inline(always)]
    fn end_cycle(&self, w: &mut WriterState<'s>) -> Result<()> {
        // Most cycles start where the last one's path holds again (a
        // counter far from its wrap): only a start outside it looks again.
        let again = match w.stmts {
            Stmts::Path(i) => self.paths[i].holds(self.words),
            Stmts::Own(_) => false,
        };
        if !again {
            self.relocate(w)?;
        }
        w.next = 0;
        w.at = At {
            cycles: w.at.cycles + 1,
            events: 0,
        };
        if w.at.cycles & 0xFFFF == 0 {
            (self.progress)(0x1_0000);
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn relocate(&self, w: &mut WriterState<'s>) -> Result<()> {
        // A counter's wrap goes from its path to another and back: the
        // path before the current one is the first guess.
        if let Stmts::Path(i) = w.stmts {
            let back = w.prev;
            w.prev = i;
            if self.paths.get(back).is_some_and(|p| p.holds(self.words)) {
                w.stmts = Stmts::Path(back);
                return Ok(());
            }
        }
        let mut start = [0; MAX_WORDS];
        for (x, a) in start.iter_mut().zip(self.words) {
            *x = a.load(Relaxed);
        }
        w.stmts = self.stmts_of(&start)?;
        Ok(())
    }

    /// `synchronize_rcu()`: wait until the speculation in flight now has
    /// ended.
    fn sync_rcu(&self) {
        fence(SeqCst);
        let snap = self.in_flight.load(SeqCst);
        if snap & 1 == 1 {
            self.grace_waited.store(true, SeqCst);
            self.set_status(Status::Blocked);
            while self.in_flight.load(SeqCst) == snap && !self.quit.load(Acquire) {
                std::thread::sleep(Duration::from_micros(20));
            }
        }
        fence(SeqCst);
    }

    /// Run the writer's statements up to and including its next memory
    /// event. `true` when that ended the cycle.
    fn step(&self, w: &mut WriterState<'s>) -> Result<bool> {
        loop {
            let WriterState {
                stmts, next, at, ..
            } = &mut *w;
            let Some(e) = stmts.get(&self.paths).events.get(*next) else {
                self.end_cycle(w)?;
                return Ok(true);
            };
            *next += 1;
            self.event(e);
            if let Wop::Rmb | Wop::Wmb | Wop::Mb | Wop::Barrier = e.op {
                continue;
            }
            // After a cycle's last event the writer stands at (c, n) until
            // its next step ends the cycle: a schedule may stop it there
            // (the unlock has no memory event, so (c, n) and (c + 1, 0)
            // show the readers the same memory).
            at.events += 1;
            return Ok(false);
        }
    }
}
