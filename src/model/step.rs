//! Applying one move: the bookkeeping every engine shares.
//!
//! DESIGN.md fixes what a run means; this file is where it is enforced:
//! - a cycle *starts* when the lock is taken (counted for `bounded`);
//! - a modification (`ver += 1`) makes every reader in its data-read phase
//!   DIRTY, and costs 1 if the designated reader 0 is in its window —
//!   `min_cycles` counts modifications from reader 0's first begin load to
//!   its last end load;
//! - a run is over when reader 0 is DONE.

use super::{Event, Outcome, Protocol, State, flags};

/// Who moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    /// Writer w (takes the lock if it is free, else must be the holder).
    Writer(u8),
    /// Reader i.
    Reader(u8),
}

/// The moves enabled in `st`. Writers serialize on the lock and run the same
/// program, and which one holds the lock is invisible to every load: so the
/// state does not record the holder (writer symmetry), and "some writer
/// takes the lock" is one move, `Writer(0)`, whatever the number of
/// writers. The holder moves only if [`Protocol::writer_ready`].
pub fn moves<P: Protocol, const R: usize>(p: &P, st: &State<R>, _writers: u8) -> Moves {
    let mut m = Moves::default();
    if st.writer.pc == 0 || p.writer_ready(st) {
        m.push(Actor::Writer(st.writer.holder));
    }
    for (i, r) in st.readers.iter().enumerate() {
        if !r.has(flags::DONE) {
            m.push(Actor::Reader(i as u8));
        }
    }
    m
}

/// A small fixed-capacity list of moves (at most 4 writers + 4 readers).
#[derive(Clone, Copy, Debug, Default)]
pub struct Moves {
    items: [Option<Actor>; 8],
    len: usize,
}

impl Moves {
    fn push(&mut self, a: Actor) {
        self.items[self.len] = Some(a);
        self.len += 1;
    }
    /// The moves in order: writers first, then readers by index.
    pub fn iter(&self) -> impl Iterator<Item = Actor> + '_ {
        self.items[..self.len].iter().flatten().copied()
    }
}

/// Apply move `a` to `st`; returns the event and the cost (modifications
/// inside reader 0's window, 0 or 1). `st` is canonicalized afterwards.
#[inline]
pub fn apply<P: Protocol, const R: usize>(p: &P, st: &mut State<R>, a: Actor) -> (Event, u128) {
    match a {
        Actor::Writer(w) => writer(p, st, w),
        Actor::Reader(i) => (reader(p, st, i as usize), 0),
    }
}

/// The writer's next step (writer `who` takes the lock if it is free).
#[inline]
pub fn writer<P: Protocol, const R: usize>(p: &P, st: &mut State<R>, who: u8) -> (Event, u128) {
    if st.writer.pc == 0 {
        st.writer.holder = who;
        if let Some(cap) = p.started_cap() {
            for r in st.readers.iter_mut().filter(|r| r.in_window()) {
                r.started_cycles = (r.started_cycles + 1).min(cap);
            }
        }
    }
    let ev = p.writer_step(st);
    let mut cost = 0;
    if ev == Event::Modify {
        for r in st.readers.iter_mut() {
            if r.has(flags::DATA) {
                r.flags |= flags::DIRTY;
            }
        }
        if st.readers[0].in_window() {
            cost = 1;
        }
    }
    if st.writer.pc == 0 {
        st.writer.holder = 0;
    }
    p.canonicalize(st);
    (ev, cost)
}

/// Reader `i`'s next load.
#[inline]
pub fn reader<P: Protocol, const R: usize>(p: &P, st: &mut State<R>, i: usize) -> Event {
    let ev = p.reader_step(st, i);
    p.canonicalize(st);
    ev
}

/// Jump `k` complete writer cycles from a cycle boundary (lock free) with no
/// reader moving: the words become the decomposition of counter + 2k, every
/// reader in its data phase turns DIRTY, counts of started cycles advance.
/// Returns the cost (k if reader 0's window is open). Exact because a
/// writer-only stretch is deterministic (DESIGN.md, accelerated mode);
/// brute mode checks this against stepping (see `explore::brute`).
pub fn jump<P: Protocol, const R: usize>(p: &P, st: &mut State<R>, k: u128) -> u128 {
    debug_assert_eq!(st.writer.pc, 0, "jumps start at a cycle boundary");
    if k == 0 {
        return 0;
    }
    let c = p.counter();
    let v = c.combine(st.vars).wrapping_add(k.wrapping_mul(2));
    st.vars = c.split(v);
    let cap = p.started_cap();
    for r in st.readers.iter_mut().filter(|r| r.in_window()) {
        if let Some(cap) = cap {
            let add = u64::try_from(k).unwrap_or(u64::MAX);
            r.started_cycles = r.started_cycles.saturating_add(add).min(cap);
        }
        if r.has(flags::DATA) {
            r.flags |= flags::DIRTY;
        }
    }
    let cost = if st.readers[0].in_window() { k } else { 0 };
    p.canonicalize(st);
    cost
}

/// The state a search starts from: all words 0, lock free, no reader
/// started — except that readers other than reader 0 start finished when
/// no writer step depends on readers (see
/// [`Protocol::writer_waits_for_readers`]).
pub fn initial<P: Protocol, const R: usize>(p: &P) -> State<R> {
    let mut st = State::<R>::initial();
    if !p.writer_waits_for_readers() {
        for r in st.readers.iter_mut().skip(1) {
            r.finish(Outcome::Observer);
        }
    }
    p.canonicalize(&mut st);
    st
}
