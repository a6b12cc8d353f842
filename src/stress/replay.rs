//! A description on real threads and real atomics, following a schedule.
//!
//! The writer threads run the description's writer body, one lock cycle at
//! a time under a real `Mutex` (the critical section), storing into real
//! atomics of each word's width (`AtomicU8/16/32/64`) with the orderings
//! the description states: `WRITE_ONCE` a relaxed store,
//! `smp_store_release` a release store, `smp_wmb()` a release fence,
//! `smp_rmb()` an acquire fence, `smp_mb()` a sequentially consistent
//! fence, `modify()` a store of a fresh version to the protected data,
//! `synchronize_rcu()` a wait until the reader's speculation (announced in
//! an atomic, as `rcu_read_lock` would) is over. The reader runs the
//! description's reader body on the same atomics (`READ_ONCE` relaxed,
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

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use std::sync::atomic::{
    AtomicBool, AtomicU8, AtomicU16, AtomicU32, AtomicU64, compiler_fence, fence,
};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::explore::cycle::run_writer;
use crate::explore::trace::{Op, Trace};
use crate::protocol::parse::FenceKind;
use crate::protocol::program::{
    CExpr, Instr, LoadOrder, MAX_LOCALS, MAX_WORDS, Node, RmwOrder, StoreOrder,
};
use crate::protocol::shape::{Sym, TEvent, TKind};
use crate::protocol::{Outcome, Scheme, verdict};
use crate::width::mask;

/// Where the writers stand: whole cycles completed, and memory events of
/// the next cycle done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct At {
    /// Cycles completed.
    pub cycles: u64,
    /// Events of the next cycle done.
    pub events: u32,
}

/// The reader's loads to take at one writer position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Where the writers stand meanwhile.
    pub at: At,
    /// How many loads (counting `read()`'s two).
    pub loads: Take,
}

/// How many loads a group takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Take {
    /// Exactly this many.
    Count(usize),
    /// Up to and including the first data load (a speculation's begin).
    Begin,
    /// Everything left, to the return.
    Rest,
}

/// A schedule: the reader's loads, grouped by writer position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// What it is, one line.
    pub what: String,
    /// The groups in order.
    pub groups: Vec<Group>,
    /// The reader's loads as the explorer took them (instructions), to
    /// check the real run follows the same path.
    pub expect_nodes: Vec<Node>,
}

impl Schedule {
    /// The explorer's counterexample as a schedule. Every step must be the
    /// writer's or reader 0's, in program order (a trace that reorders
    /// cannot be replayed: the CPU decides its own orders).
    pub fn of(trace: &Trace, what: &str) -> Result<Schedule> {
        let mut groups: Vec<Group> = Vec::new();
        let mut nodes = Vec::new();
        for s in &trace.steps {
            if s.reorder.is_some() {
                return Err(Error::Run(
                    "internal: a reordering trace cannot be replayed".into(),
                ));
            }
            if s.thread == "W" {
                continue;
            }
            if s.thread != "R0" {
                return Err(Error::Run(format!(
                    "internal: stress replays one reader, the trace has {}",
                    s.thread
                )));
            }
            if !matches!(s.op, Op::Load | Op::ReadBegins | Op::ReadEnds) {
                continue;
            }
            let cycles: u64 = s.writer_cycles.parse().map_err(|_| {
                Error::Run(format!(
                    "stress: the counterexample needs {} writer cycles; allowed: at most 2^64",
                    s.writer_cycles
                ))
            })?;
            // A load's position is the writer's before it: the step records
            // the position after, and a reader step does not move the writer.
            let at = At {
                cycles,
                events: s.writer_events,
            };
            nodes.push(s.node.unwrap_or(0));
            match groups.last_mut() {
                Some(g) if g.at == at => {
                    if let Take::Count(n) = &mut g.loads {
                        *n += 1;
                    }
                }
                _ => groups.push(Group {
                    at,
                    loads: Take::Count(1),
                }),
            }
        }
        Ok(Schedule {
            what: what.to_string(),
            groups,
            expect_nodes: nodes,
        })
    }

    /// The speculation parked over `cycles` writer cycles: it begins with
    /// the writer at rest, the writers run `cycles` cycles, it ends. What a
    /// protocol with no false positive at all is shown to survive (its
    /// counter's period: a plain counter would wrap).
    pub fn parked(cycles: u64) -> Schedule {
        Schedule {
            what: format!("reader begins, writers run {cycles} cycles, reader ends"),
            groups: vec![
                Group {
                    at: At {
                        cycles: 0,
                        events: 0,
                    },
                    loads: Take::Begin,
                },
                Group {
                    at: At { cycles, events: 0 },
                    loads: Take::Rest,
                },
            ],
            expect_nodes: Vec::new(),
        }
    }

    /// The same schedule with the longest writer stretch between two
    /// groups one cycle shorter (and every later position moved with it):
    /// the check that one cycle fewer is not enough.
    pub fn one_cycle_fewer(&self) -> Option<Schedule> {
        let (k, _) = self
            .groups
            .windows(2)
            .enumerate()
            .map(|(i, w)| (i + 1, w[1].at.cycles.saturating_sub(w[0].at.cycles)))
            .filter(|&(_, d)| d >= 1)
            .max_by_key(|&(_, d)| d)?;
        let mut s = self.clone();
        for g in &mut s.groups[k..] {
            g.at.cycles -= 1;
        }
        s.what = format!("{}, one cycle fewer", self.what);
        Some(s)
    }

    /// Writer cycles the schedule runs (its last position, rounded up).
    pub fn cycles(&self) -> u64 {
        self.groups
            .last()
            .map_or(0, |g| g.at.cycles + u64::from(g.at.events > 0))
    }
}

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

/// A word on the hardware atomic of its width.
enum AWord {
    U8(AtomicU8),
    U16(AtomicU16),
    U32(AtomicU32),
    U64(AtomicU64),
}

impl AWord {
    fn new(bits: u32) -> AWord {
        match bits {
            0..=8 => AWord::U8(AtomicU8::new(0)),
            9..=16 => AWord::U16(AtomicU16::new(0)),
            17..=32 => AWord::U32(AtomicU32::new(0)),
            _ => AWord::U64(AtomicU64::new(0)),
        }
    }

    #[inline(always)]
    fn load(&self, o: std::sync::atomic::Ordering) -> u64 {
        match self {
            AWord::U8(a) => u64::from(a.load(o)),
            AWord::U16(a) => u64::from(a.load(o)),
            AWord::U32(a) => u64::from(a.load(o)),
            AWord::U64(a) => a.load(o),
        }
    }
}

#[inline(always)]
fn fence_for(k: FenceKind) {
    match k {
        FenceKind::Rmb => fence(Acquire),
        FenceKind::Wmb => fence(Release),
        // The atomic barriers stand next to their RMW (the compiler checks
        // it), where they are an smp_mb(); a fully ordered RMW's own
        // ordering is its SeqCst swap/fetch_add plus these fences.
        FenceKind::Mb | FenceKind::BeforeAtomic | FenceKind::AfterAtomic | FenceKind::RmwFull => {
            fence(SeqCst)
        }
        FenceKind::Barrier => compiler_fence(SeqCst),
    }
}

/// A store as the hot loop runs it: the word's new value from its
/// current one, `(x & sel) + add` masked to the width. `sel` is all ones
/// and `add` the step from the word's previous store in the cycle (or its
/// start) for `x_w + c`, `sel` is 0 for a constant. Sums mod 2^64 then
/// masked to a width of at most 64 bits agree with the i128 sum truncated,
/// and chaining the steps agrees with `x_w + c` from the start. The current
/// value is the atomic's own: only writers store, and only holding the
/// lock, so a relaxed load sees the last store (as the minimal loop's
/// `seq.load` does), and nothing is copied or kept beside the words.
#[derive(Clone, Copy, Debug)]
struct St {
    release: bool,
    sel: u64,
    add: u64,
    mask: u64,
    /// A read-modify-write (`atomic_inc()`...) with this ordering: run as a
    /// real locked instruction, `fetch_add` where the step is an add over
    /// the atomic's full width, else `swap` of the computed value.
    rmw: Option<std::sync::atomic::Ordering>,
    /// The word is as wide as its atomic (a `fetch_add` wraps as it does).
    full_width: bool,
}

impl St {
    /// The word's next value after `x`.
    #[inline(always)]
    fn next(self, x: u64) -> u64 {
        (x & self.sel).wrapping_add(self.add) & self.mask
    }

    #[inline(always)]
    fn order(self) -> std::sync::atomic::Ordering {
        match self.rmw {
            Some(o) => o,
            None if self.release => Release,
            None => Relaxed,
        }
    }
}

/// One writer store on its atomic: a plain store, or a real RMW.
macro_rules! run_store {
    ($a:expr, $st:expr, $t:ty) => {{
        let (a, st) = ($a, $st);
        match st.rmw {
            None => a.store(st.next(a.load(Relaxed).into()) as $t, st.order()),
            Some(o) if st.sel == u64::MAX && st.full_width => {
                a.fetch_add(st.add as $t, o);
            }
            Some(o) => {
                a.swap(st.next(a.load(Relaxed).into()) as $t, o);
            }
        }
    }};
}

/// A writer event as the hot loop runs it, compiled once per path: one
/// dispatch per event straight to the word's atomic of its width, and no
/// i128 arithmetic, width lookup or walk through the description's types.
#[derive(Clone, Copy, Debug)]
struct Ev<'a> {
    /// The fence just before the event in program order, run in the
    /// event's dispatch: the seqcount's `smp_wmb()`s then cost no dispatch
    /// of their own (a fence followed by another fence, or ending the
    /// cycle, stays an event of its own).
    pre: Option<FenceKind>,
    op: Wop<'a>,
}

#[derive(Clone, Copy, Debug)]
enum Wop<'a> {
    U8(&'a AtomicU8, St),
    U16(&'a AtomicU16, St),
    U32(&'a AtomicU32, St),
    U64(&'a AtomicU64, St),
    Modify,
    // The fences one variant each, not `Fence(FenceKind)`: one dispatch,
    // not two, for what is often no instruction at all.
    Rmb,
    Wmb,
    Mb,
    Barrier,
    SyncRcu,
}

/// A cycle's events ready to run.
struct Path<'a> {
    /// The start values it covers (a shape path's box; unused for a
    /// concrete run).
    bx: [(u64, u64); MAX_WORDS],
    events: Vec<Ev<'a>>,
}

impl<'a> Path<'a> {
    fn of(
        bx: [(u64, u64); MAX_WORDS],
        events: &[TEvent],
        words: &'a [AWord],
        bits: &[u32],
    ) -> Result<Path<'a>> {
        // Per word: what its last store added to its start value, `None`
        // after a constant store (the start value is gone from the word).
        let mut added: [Option<u64>; MAX_WORDS] = [Some(0); MAX_WORDS];
        let mut out = Vec::with_capacity(events.len());
        let mut pre = None;
        for (i, e) in events.iter().enumerate() {
            if let TKind::Fence(k) = e.kind
                && events
                    .get(i + 1)
                    .is_some_and(|n| !matches!(n.kind, TKind::Fence(_)))
            {
                pre = Some(k);
                continue;
            }
            let op = match &e.kind {
                TKind::Store {
                    word,
                    value,
                    order,
                    rmw,
                } => {
                    let w = *word as usize;
                    let (sel, add) = match *value {
                        Sym::Const(c) => {
                            added[w] = None;
                            (0, c as u64)
                        }
                        Sym::Rel(src, c) => match added[w] {
                            Some(prev) if src == *word => {
                                added[w] = Some(c as u64);
                                (u64::MAX, (c as u64).wrapping_sub(prev))
                            }
                            // The shape analysis reads a word's latest
                            // value and refuses stores of one word from
                            // another: neither happens.
                            _ => {
                                return Err(Error::Run(format!(
                                    "internal: stress cannot run the writer store {:?}",
                                    e.kind
                                )));
                            }
                        },
                    };
                    let atomic_bits = match &words[w] {
                        AWord::U8(_) => 8,
                        AWord::U16(_) => 16,
                        AWord::U32(_) => 32,
                        AWord::U64(_) => 64,
                    };
                    let st = St {
                        release: *order == StoreOrder::Release,
                        sel,
                        add,
                        mask: mask(bits[w]),
                        rmw: rmw.map(|r| match r.order {
                            RmwOrder::Full => SeqCst,
                            RmwOrder::Release => Release,
                            RmwOrder::Acquire => Acquire,
                            RmwOrder::Relaxed => Relaxed,
                        }),
                        full_width: bits[w] == atomic_bits,
                    };
                    match &words[w] {
                        AWord::U8(a) => Wop::U8(a, st),
                        AWord::U16(a) => Wop::U16(a, st),
                        AWord::U32(a) => Wop::U32(a, st),
                        AWord::U64(a) => Wop::U64(a, st),
                    }
                }
                TKind::Modify => Wop::Modify,
                TKind::Fence(FenceKind::Rmb) => Wop::Rmb,
                TKind::Fence(FenceKind::Wmb) => Wop::Wmb,
                TKind::Fence(
                    FenceKind::Mb
                    | FenceKind::BeforeAtomic
                    | FenceKind::AfterAtomic
                    | FenceKind::RmwFull,
                ) => Wop::Mb,
                TKind::Fence(FenceKind::Barrier) => Wop::Barrier,
                TKind::SyncRcu => Wop::SyncRcu,
            };
            out.push(Ev {
                pre: pre.take(),
                op,
            });
        }
        Ok(Path { bx, events: out })
    }

    /// Whether a cycle from the words as they stand takes this path: the
    /// path's events hold for every start in its box, so a hit needs no
    /// search through the map.
    #[inline(always)]
    fn holds(&self, words: &[AWord]) -> bool {
        words.iter().zip(&self.bx).all(|(a, &(lo, hi))| {
            let v = a.load(Relaxed);
            lo <= v && v <= hi
        })
    }
}

/// The writers' program state, guarded by the lock.
struct WriterState<'a> {
    stmts: Stmts<'a>,
    /// The path before `stmts` (`usize::MAX`: none yet).
    prev: usize,
    next: usize,
    at: At,
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
struct Shared<'s> {
    scheme: &'s Scheme,
    /// The shape's paths, compiled (empty when there are none).
    paths: Vec<Path<'s>>,
    /// The program's words' widths.
    bits: Vec<u32>,
    words: &'s [AWord],
    data: AtomicU64,
    /// Odd while the reader's speculation is in flight.
    in_flight: AtomicU64,
    lock: Mutex<WriterState<'s>>,
    target_cycles: AtomicU64,
    target_events: AtomicU32,
    /// Bumped whenever the target moves (waiters watch it).
    generation: AtomicU64,
    quit: AtomicBool,
    status: Mutex<Status>,
    changed: Condvar,
    grace_waited: AtomicBool,
    progress: &'s (dyn Fn(u64) + Sync),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Running,
    Reached(At),
    Blocked,
    Failed,
}

/// The words of a fresh harness, at 0, each on the atomic of its width.
fn words_of(s: &Scheme) -> Vec<AWord> {
    s.program()
        .words
        .iter()
        .map(|w| AWord::new(w.bits))
        .collect()
}

impl<'s> Shared<'s> {
    /// `words` from [`words_of`]: owned by the caller so that the compiled
    /// events can point at them.
    fn new(
        scheme: &'s Scheme,
        words: &'s [AWord],
        progress: &'s (dyn Fn(u64) + Sync),
    ) -> Result<Shared<'s>> {
        let bits: Vec<u32> = scheme.program().words.iter().map(|w| w.bits).collect();
        let paths = match &scheme.shape().paths {
            Ok(ps) => ps
                .iter()
                .map(|sp| Path::of(sp.bx, &sp.events, words, &bits))
                .collect::<Result<_>>()?,
            Err(_) => Vec::new(),
        };
        let mut sh = Shared {
            scheme,
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
            && let Some(i) = self.scheme.shape().path_of(&start[..self.words.len()])
        {
            return Ok(Stmts::Path(i));
        }
        let events = run_writer(self.scheme.program(), start)?;
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

    fn target(&self) -> At {
        At {
            cycles: self.target_cycles.load(Acquire),
            events: self.target_events.load(Acquire),
        }
    }

    fn retarget(&self, at: At) {
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
    fn wait_reached(&self, at: At) -> Result<Status> {
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
    fn writer(&self) {
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

/// Run `schedule` on `writers` writer threads. Every replay starts from a
/// fresh harness (words and data at 0).
/// `progress(k)` is called from a writer thread every 65536 cycles.
pub fn run(
    s: &Scheme,
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

/// The reader's side: its body on the real atomics, load by load, each
/// group after the writers have reached its position.
fn reader(sh: &Shared<'_>, schedule: &Schedule) -> Result<Replayed> {
    let p = sh.scheme.program();
    let code = &p.reader.code;
    let file = &sh.scheme.description().file;
    let eval = |e: &CExpr, locals: &[i128; MAX_LOCALS], window: u64| {
        e.eval_reader(locals, window)
            .map_err(|x| file.error(x.at, format!("reader: {}", x.msg)))
    };
    let mut locals = [0i128; MAX_LOCALS];
    let mut pc: Node = 0;
    let mut taken: Vec<Node> = Vec::new();
    let mut data = (0u64, 0u64);
    let mut first_version: Option<u64> = None;
    let mut last_version = 0u64;
    let mut first_cycle = 0u64;
    let mut gi = 0usize;
    let mut left_in_group: Option<Take> = None;
    let mut free = false; // blocked writer: finish without waiting
    let mut data_seen = false;
    // window_cycles() (a ghost): cycles begun since the reader's first
    // load; the writers stand at the current target while the reader runs.
    let begun = |at: At| at.cycles + u64::from(at.events > 0);
    let window = |sh: &Shared<'_>, first: u64| -> u64 { begun(sh.target()).saturating_sub(first) };
    let outcome = loop {
        match &code[pc as usize] {
            Instr::Load { .. } | Instr::DataLoad { .. } => {
                // Which group this load belongs to; wait for its position.
                loop {
                    if free {
                        break;
                    }
                    match left_in_group {
                        Some(Take::Count(0)) | None => {
                            let Some(g) = schedule.groups.get(gi) else {
                                // Beyond the schedule: take the rest now.
                                free = true;
                                break;
                            };
                            gi += 1;
                            sh.retarget(g.at);
                            if sh.wait_reached(g.at)? == Status::Blocked {
                                free = true;
                            }
                            left_in_group = Some(g.loads);
                        }
                        Some(Take::Begin) if data_seen => {
                            left_in_group = Some(Take::Count(0));
                        }
                        _ => break,
                    }
                }
                if first_version.is_none() {
                    sh.in_flight.fetch_add(1, SeqCst);
                    fence(SeqCst);
                    first_version = Some(sh.data.load(Relaxed));
                    first_cycle = begun(sh.target());
                }
                taken.push(pc);
                match code[pc as usize] {
                    Instr::Load {
                        dst,
                        word,
                        order,
                        next,
                        ..
                    } => {
                        let v = sh.words[word as usize].load(match order {
                            LoadOrder::Acquire => Acquire,
                            LoadOrder::Once => Relaxed,
                        });
                        locals[dst as usize] = i128::from(v);
                        pc = next;
                    }
                    Instr::DataLoad { second, next } => {
                        let v = sh.data.load(Relaxed);
                        if second {
                            data.1 = v;
                        } else {
                            data.0 = v;
                            data_seen = true;
                        }
                        pc = next;
                    }
                    _ => unreachable!(),
                }
                last_version = sh.data.load(Relaxed);
                if let Some(Take::Count(n)) = &mut left_in_group {
                    *n = n.saturating_sub(1);
                }
            }
            Instr::Assign { dst, value, next } => {
                locals[*dst as usize] = eval(value, &locals, window(sh, first_cycle))?;
                pc = *next;
            }
            Instr::Fence { kind, next } => {
                fence_for(*kind);
                pc = *next;
            }
            Instr::Branch { cond, then, els } => {
                pc = if eval(cond, &locals, window(sh, first_cycle))? != 0 {
                    *then
                } else {
                    *els
                };
            }
            Instr::Return(k) => break verdict(*k, data.0 != data.1),
            other => {
                return Err(Error::Run(format!(
                    "internal: reader instruction {other:?}"
                )));
            }
        }
    };
    sh.in_flight.fetch_add(1, SeqCst);
    // Let the writers finish what the schedule asked (a grace period that
    // waited is over now).
    let end = schedule.groups.last().map(|g| g.at).unwrap_or(At {
        cycles: 0,
        events: 0,
    });
    let followed = schedule.expect_nodes.is_empty() || schedule.expect_nodes == taken;
    let writer_cycles = {
        sh.retarget(end);
        let _ = sh.wait_reached(end);
        sh.lock
            .try_lock()
            .map(|g| g.at.cycles)
            .unwrap_or(end.cycles)
    };
    Ok(Replayed {
        schedule: schedule.what.clone(),
        outcome,
        window_cycles: last_version - first_version.unwrap_or(0),
        writer_cycles,
        data,
        grace_period_waited: sh.grace_waited.load(SeqCst),
        followed,
        seconds: 0.0,
    })
}

/// Time `cycles` writer cycles on `writers` threads with no reader (the
/// harness's own rate, `measured:stress`).
pub fn time_cycles(
    s: &Scheme,
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
