//! The harness: writer threads serialised by a real lock, a real published
//! structure they change under it, and one reader that takes its snapshot,
//! parks inside its window while the writers run a planned number of cycles,
//! then validates and checks the data it read.
//!
//! Threads and messages: each writer waits for a `Run` command, runs its
//! share of cycles, and answers `Done`. At a wrap (the unlock increment that
//! takes the low word back to 0) a writer may instead answer `Paused` (the
//! plan asked it to stop mid-cycle: after its modification and before its
//! unlock stores, or between the two stores of a two-word wrap) or
//! `Blocked` (guard: a speculation is in flight, the writer waits for its
//! grace period holding the lock). The reader is the
//! calling thread; while writers run it is blocked in `Crew::wait`, parked
//! inside its window.

use std::cell::Cell;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use std::sync::atomic::{AtomicU64, fence};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::plan::{Pause, Plan};
use super::seqlock::{Counter, Snap, is_odd};
use super::{Outcome, WindowReport};
use crate::error::{Error, Result};

/// Cycles a writer runs between progress reports: large enough that the
/// report costs nothing per cycle, small enough for a smooth bar.
const CHUNK: u64 = 1 << 16;

/// State the writers and the reader share.
pub(crate) struct Shared<C> {
    /// The scheme's counter words.
    pub(crate) counter: C,
    /// The real lock. It owns the protected structure's version: a writer
    /// cycle is lock, seq odd, version + 1 published, seq even, unlock.
    lock: Mutex<u64>,
    /// The published structure the reader reads without the lock. Invariant
    /// kept by every writer under the lock: `a == b == version`. A reader
    /// that reads `a` at the start of its data-read phase and `b` at its end
    /// and sees `a != b` read data that changed under it.
    a: AtomicU64,
    b: AtomicU64,
    /// Odd while the reader's speculation is in flight (guard's grace period
    /// waits for it to change, as `synchronize_rcu` waits for readers).
    reader: AtomicU64,
    /// Whether the writer waits for a grace period at the wrap (`guard`).
    guard: bool,
}

enum Cmd {
    Run { cycles: u64, pause: Pause },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    Done,
    Paused,
    Blocked,
}

/// A one-shot gate a paused writer waits at.
struct Gate {
    open: Mutex<bool>,
    cv: Condvar,
}

impl Gate {
    fn pass(&self) {
        let mut g = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        while !*g {
            g = self.cv.wait(g).unwrap_or_else(PoisonError::into_inner);
        }
        *g = false;
    }
    fn open(&self) {
        *self.open.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.cv.notify_all();
    }
}

impl<C: Counter> Shared<C> {
    /// One writer cycle. Hot: a lock, two seq stores, two data stores, an
    /// unlock; the wrap path is out of line.
    #[inline(always)]
    fn cycle(&self, at_wrap: impl FnOnce(), mid_wrap: impl FnOnce()) {
        let mut ver = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.counter.lock_inc();
        // write_seqcount_begin's smp_wmb(): seq odd before the data stores.
        fence(Release);
        *ver += 1;
        self.a.store(*ver, Relaxed);
        self.b.store(*ver, Relaxed);
        self.counter.unlock_inc(at_wrap, mid_wrap);
    }

    /// The wrap path (rare): guard's grace period, then an optional pause
    /// before the unlock stores.
    #[cold]
    #[inline(never)]
    fn at_wrap(&self, pause: &Cell<Pause>, msgs: &Sender<Event>, gate: &Gate) {
        if self.guard {
            // Wait until no speculation that started before now is in flight.
            fence(SeqCst);
            let snap = self.reader.load(SeqCst);
            if snap & 1 == 1 {
                let _ = msgs.send(Event::Blocked);
                while self.reader.load(SeqCst) == snap {
                    thread::sleep(Duration::from_micros(20));
                }
            }
        }
        Self::pause_if(Pause::BeforeUnlock, pause, msgs, gate);
    }

    /// Between the two stores of a two-word wrap (rare).
    #[cold]
    #[inline(never)]
    fn mid_wrap(pause: &Cell<Pause>, msgs: &Sender<Event>, gate: &Gate) {
        Self::pause_if(Pause::MidWrap, pause, msgs, gate);
    }

    /// Stop here once if the run asked for a pause at this point.
    fn pause_if(here: Pause, pause: &Cell<Pause>, msgs: &Sender<Event>, gate: &Gate) {
        if pause.get() == here {
            pause.set(Pause::None);
            let _ = msgs.send(Event::Paused);
            gate.pass();
        }
    }

    fn writer(
        &self,
        cmds: Receiver<Cmd>,
        msgs: Sender<Event>,
        gate: &Gate,
        progress: &(dyn Fn(u64) + Sync),
    ) {
        for Cmd::Run { cycles, pause } in cmds {
            let pause = Cell::new(pause);
            let mut left = cycles;
            while left > 0 {
                let k = left.min(CHUNK);
                for _ in 0..k {
                    self.cycle(
                        || self.at_wrap(&pause, &msgs, gate),
                        || Self::mid_wrap(&pause, &msgs, gate),
                    );
                }
                left -= k;
                progress(k);
            }
            if msgs.send(Event::Done).is_err() {
                return;
            }
        }
    }
}

/// The reader's handle on the writers.
pub(crate) struct Crew<'a> {
    cmds: Vec<Sender<Cmd>>,
    msgs: Receiver<Event>,
    outstanding: usize,
    gate: &'a Gate,
}

impl Crew<'_> {
    /// Start `cycles` writer cycles, split evenly over the writers (or all
    /// on writer 0 when `first_only`). The total is exact whatever the split:
    /// only the number of increments matters to the counter.
    fn start(&mut self, cycles: u64, pause: Pause, first_only: bool) {
        let n = if first_only {
            1
        } else {
            self.cmds.len() as u64
        };
        for (i, tx) in self.cmds.iter().enumerate().take(n as usize) {
            let share = cycles / n + u64::from((i as u64) < cycles % n);
            if share > 0
                && tx
                    .send(Cmd::Run {
                        cycles: share,
                        pause,
                    })
                    .is_ok()
            {
                self.outstanding += 1;
            }
        }
    }

    /// Park until every started writer is done, or one pauses or blocks.
    fn wait(&mut self) -> Result<Event> {
        while self.outstanding > 0 {
            match self.msgs.recv() {
                Ok(Event::Done) => self.outstanding -= 1,
                Ok(e) => return Ok(e),
                Err(_) => return Err(Error::Run("stress: a writer thread died".into())),
            }
        }
        Ok(Event::Done)
    }

    /// Run `cycles` and time them from the command to the last `Done`.
    pub(crate) fn timed(&mut self, cycles: u64) -> Result<Duration> {
        let t = Instant::now();
        self.start(cycles, Pause::None, false);
        match self.wait()? {
            Event::Done => Ok(t.elapsed()),
            e => Err(Error::Run(format!(
                "stress: unexpected {e:?} in a timing run"
            ))),
        }
    }
}

impl Drop for Crew<'_> {
    fn drop(&mut self) {
        // Never leave a writer parked at the gate: the scope joins them.
        self.gate.open();
    }
}

/// Spawn `writers` writer threads over `counter`, hand the reader side to
/// `f`, and join everything when `f` returns.
pub(crate) fn with_crew<C: Counter, R>(
    counter: C,
    guard: bool,
    writers: usize,
    progress: &(dyn Fn(u64) + Sync),
    f: impl FnOnce(&Shared<C>, &mut Crew<'_>) -> R,
) -> R {
    let sh = Shared {
        counter,
        lock: Mutex::new(0),
        a: AtomicU64::new(0),
        b: AtomicU64::new(0),
        reader: AtomicU64::new(0),
        guard,
    };
    let gate = Gate {
        open: Mutex::new(false),
        cv: Condvar::new(),
    };
    let (msg_tx, msg_rx) = channel();
    thread::scope(|s| {
        let mut cmds = Vec::with_capacity(writers);
        for _ in 0..writers.max(1) {
            let (tx, rx) = channel();
            cmds.push(tx);
            let msg_tx = msg_tx.clone();
            let (sh, gate) = (&sh, &gate);
            s.spawn(move || sh.writer(rx, msg_tx, gate, progress));
        }
        drop(msg_tx);
        let mut crew = Crew {
            cmds,
            msgs: msg_rx,
            outstanding: 0,
            gate: &gate,
        };
        f(&sh, &mut crew)
    })
}

/// The reader's announcement that a speculation is in flight (the slot is
/// odd). Ends exactly once: explicitly, or on drop when an error cuts the
/// window short, so a guard writer waiting for the grace period is never
/// left waiting for a reader that is gone.
struct InFlight<'a> {
    slot: &'a AtomicU64,
    live: bool,
}

impl<'a> InFlight<'a> {
    fn start(slot: &'a AtomicU64) -> Self {
        slot.fetch_add(1, SeqCst);
        fence(SeqCst);
        InFlight { slot, live: true }
    }

    fn end(&mut self) {
        if std::mem::take(&mut self.live) {
            self.slot.fetch_add(1, SeqCst);
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.end();
    }
}

/// Let a writer stopped at the gate finish its cycle.
fn resume(crew: &mut Crew<'_>, paused: &mut bool) -> Result<()> {
    if std::mem::take(paused) {
        crew.gate.open();
        expect_done(crew.wait()?)?;
    }
    Ok(())
}

/// Run `cycles` plain writer cycles and wait for them.
fn run(crew: &mut Crew<'_>, cycles: u64) -> Result<()> {
    if cycles > 0 {
        crew.start(cycles, Pause::None, false);
        expect_done(crew.wait()?)?;
    }
    Ok(())
}

fn expect_done(e: Event) -> Result<()> {
    match e {
        Event::Done => Ok(()),
        e => Err(unexpected(e)),
    }
}

fn unexpected(e: Event) -> Error {
    Error::Run(format!("stress: unexpected writer event {e:?}"))
}

/// One reader speculation under `plan` (see [`Plan`] for the schedule).
///
/// The counts reported are measured, not copied from the plan:
/// `window_cycles` is the number of modifications the published structure
/// recorded between the reader's first begin load and its last end load.
pub(crate) fn window<C: Counter>(
    sh: &Shared<C>,
    crew: &mut Crew<'_>,
    plan: &Plan,
) -> Result<WindowReport> {
    // Outside the window: bring the counter to the plan's starting state.
    let mut paused = false;
    if plan.pre_cycles > 0 {
        crew.start(plan.pre_cycles, plan.pre_pause, true);
        match (crew.wait()?, plan.pre_pause) {
            (Event::Done, Pause::None) => {}
            (Event::Paused, Pause::BeforeUnlock | Pause::MidWrap) => paused = true,
            (e, _) => return Err(unexpected(e)),
        }
    }
    // Modifications so far (a paused cycle's modification included).
    let v0 = sh.b.load(Relaxed);
    // The speculation starts (guard's grace period now waits for it).
    let mut spec = InFlight::start(&sh.reader);
    let mut passes = 0u32;
    let mut gap_result = Ok(());
    let s: Snap = sh.counter.begin(&mut || {
        passes += 1;
        if passes == 1 {
            gap_result = resume(crew, &mut paused).and_then(|()| run(crew, plan.gap_cycles));
        }
    });
    gap_result?;
    if paused {
        return Err(Error::Run(
            "stress: plan paused a writer but the scheme has no begin gap".into(),
        ));
    }
    let mut report = WindowReport {
        plan: plan.what.clone(),
        pre_cycles: plan.pre_cycles,
        gap_cycles: plan.gap_cycles,
        data_cycles: plan.data_cycles,
        end_gap_cycles: plan.end_gaps.clone(),
        window_cycles: 0,
        begin_passes: passes.max(1),
        outcome: Outcome::Abort,
        end_check_one_cycle_earlier: None,
        guard_waited: false,
        data_a: 0,
        data_b: 0,
        data_phase_s: 0.0,
    };
    if is_odd(s) {
        spec.end();
        return Ok(report);
    }
    let a = sh.a.load(Relaxed);
    let t = Instant::now();
    let mut blocked = false;
    let mut started_last = false;
    if plan.data_cycles > 0 {
        crew.start(plan.data_cycles - 1, Pause::None, false);
        match crew.wait()? {
            Event::Done => {
                // A read-only end check one cycle before the last: shows the
                // count is exact, and changes nothing the final check sees.
                // (Not for schedules that run cycles between the end loads:
                // their end check is not one point in time.)
                if plan.end_gaps.is_empty() {
                    let b_early = sh.b.load(Relaxed);
                    fence(Acquire);
                    let e_early = sh.counter.end(&mut || {});
                    report.end_check_one_cycle_earlier = Some(classify(e_early == s, a == b_early));
                }
                crew.start(1, plan.data_pause, false);
                started_last = true;
                match (crew.wait()?, plan.data_pause) {
                    (Event::Done, Pause::None) => {}
                    (Event::Paused, Pause::BeforeUnlock | Pause::MidWrap) => paused = true,
                    (Event::Blocked, _) => blocked = true,
                    (e, _) => return Err(unexpected(e)),
                }
            }
            Event::Blocked => blocked = true,
            e => return Err(unexpected(e)),
        }
    }
    let b = sh.b.load(Relaxed);
    // read_seqcount_retry's smp_rmb(): the data reads before the end loads.
    fence(Acquire);
    // End gaps: the first one lets a paused writer finish its cycle.
    let mut gaps = plan.end_gaps.iter();
    let mut gap_result = Ok(());
    let e = sh.counter.end(&mut || {
        if let Some(&k) = gaps.next() {
            let r = resume(crew, &mut paused).and_then(|()| run(crew, k));
            if gap_result.is_ok() {
                gap_result = r;
            }
        }
    });
    gap_result?;
    let v1 = sh.a.load(Relaxed);
    report.data_phase_s = t.elapsed().as_secs_f64();
    spec.end();
    // A writer still stopped mid-wrap (a torn end check) finishes now.
    resume(crew, &mut paused)?;
    if blocked {
        // The grace period is over: the writers finish the cycles asked for
        // (the last one too, if they blocked before it was started).
        report.guard_waited = true;
        expect_done(crew.wait()?)?;
        if !started_last {
            run(crew, 1)?;
        }
    }
    report.data_a = a;
    report.data_b = b;
    report.window_cycles = v1.wrapping_sub(v0);
    report.outcome = classify(e == s, a == b);
    Ok(report)
}

/// DESIGN.md's outcomes: the counter matched (`same`) and the data did not
/// change (`unchanged`): ACCEPT; matched but changed: FALSE POSITIVE; did
/// not match: RETRY.
fn classify(same: bool, unchanged: bool) -> Outcome {
    match (same, unchanged) {
        (true, false) => Outcome::FalsePositive,
        (true, true) => Outcome::Accept,
        (false, _) => Outcome::Retry,
    }
}
