//! `plain`: the RFC as posted (seed mail, `inc_mm_lock_seq` and
//! `mmap_lock_speculation_{start,end}`).
//!
//! Writer cycle (under `down_write(&mm->mmap_lock)`):
//! 1. lock:   `seq += 1` — `inc_mm_lock_seq()` in `mmap_write_lock()`; odd
//!    means write-locked;
//! 2. modify: `ver += 1` — the protected mm changes;
//! 3. unlock: `seq += 1` — `vma_end_write_all()` before `up_write()`.
//!
//! Reader (one speculation):
//! 1. begin: `s = load(seq)`; odd → ABORT (`mmap_lock_speculation_start`
//!    returns false);
//! 2. the data-read phase;
//! 3. end: `e = load(seq)`; `e == s` → ACCEPT, else RETRY
//!    (`mmap_lock_speculation_end`).
//!
//! Every store and load is a separate step; the RFC's orderings are release
//! stores and acquire loads (annotated, treated as sequentially consistent
//! by the current engines).

use crate::model::{Event, Outcome, Protocol, State, flags, var};
use crate::scheme::SchemeSpec;
use crate::width::mask;

/// The plain scheme at one width.
#[derive(Clone, Debug)]
pub struct Plain {
    spec: SchemeSpec,
    bits: u32,
}

impl Plain {
    /// `plain` with a `bits`-wide counter.
    pub fn new(spec: SchemeSpec, bits: u32) -> Plain {
        Plain { spec, bits }
    }
}

/// The single-word writer's lock and unlock stores (plain, guard, bounded):
/// `pc` 0 → lock → 1 → modify → 2 → unlock → 0.
pub(crate) fn single_word_writer<const R: usize>(st: &mut State<R>, bits: u32) -> Event {
    let m = mask(bits);
    match st.writer.pc {
        0 => {
            st.vars[var::LOW] = (st.vars[var::LOW] + 1) & m;
            st.writer.pc = 1;
            Event::Store {
                var: var::LOW,
                value: st.vars[var::LOW],
                what: "lock",
            }
        }
        1 => {
            st.writer.pc = 2;
            Event::Modify
        }
        _ => {
            st.vars[var::LOW] = st.vars[var::LOW].wrapping_add(1) & m;
            st.writer.pc = 0;
            Event::Store {
                var: var::LOW,
                value: st.vars[var::LOW],
                what: "unlock",
            }
        }
    }
}

/// The single-word reader (plain, guard, bounded). `too_long` says whether
/// the window saw too many cycles (bounded; false otherwise).
///
/// Register 0 holds the snapshot `s` for reader 0; other readers keep no
/// snapshot (nothing reads it: see [`Outcome::Observer`]).
pub(crate) fn single_word_reader<const R: usize>(
    st: &mut State<R>,
    i: usize,
    too_long: impl Fn(u64) -> bool,
) -> Event {
    let v = st.vars[var::LOW];
    let r = &mut st.readers[i];
    match r.pc {
        0 => {
            r.flags |= flags::STARTED;
            if v & 1 == 1 {
                r.finish(Outcome::Abort);
                return Event::Load {
                    var: var::LOW,
                    value: v,
                    note: "begin, odd",
                    outcome: Some(Outcome::Abort),
                };
            }
            if i == 0 {
                r.set(0, var::LOW, v);
            }
            r.flags |= flags::DATA;
            r.pc = 1;
            Event::Load {
                var: var::LOW,
                value: v,
                note: "begin",
                outcome: None,
            }
        }
        _ => {
            r.flags &= !flags::DATA;
            let outcome = if i != 0 {
                Outcome::Observer
            } else if v != r.regs[0] || too_long(r.started_cycles) {
                Outcome::Retry
            } else if r.has(flags::DIRTY) {
                Outcome::FalsePositive
            } else {
                Outcome::Accept
            };
            r.finish(outcome);
            Event::Load {
                var: var::LOW,
                value: v,
                note: "end",
                outcome: Some(outcome),
            }
        }
    }
}

/// [`single_word_reader`]'s verdict on reader 0 without stepping.
#[inline]
pub(crate) fn single_word_peek<const R: usize>(
    st: &State<R>,
    i: usize,
    too_long: impl Fn(u64) -> bool,
) -> Option<Outcome> {
    if i != 0 {
        return None; // another reader's move never ends reader 0
    }
    let v = st.vars[var::LOW];
    let r = &st.readers[0];
    match r.pc {
        0 => (v & 1 == 1).then_some(Outcome::Abort),
        _ => Some(if v != r.regs[0] || too_long(r.started_cycles) {
            Outcome::Retry
        } else if r.has(flags::DIRTY) {
            Outcome::FalsePositive
        } else {
            Outcome::Accept
        }),
    }
}

/// The [`Protocol`] methods every single-word scheme (plain, guard,
/// bounded) answers alike: its spec, the one word `seq`, a `bits`-wide
/// counter. The type must have `spec: SchemeSpec` and `bits: u32` fields.
macro_rules! single_word_basics {
    () => {
        fn spec(&self) -> &$crate::scheme::SchemeSpec {
            &self.spec
        }
        fn var_names(&self) -> [&'static str; 2] {
            ["seq", "-"]
        }
        fn counter(&self) -> $crate::model::CounterView {
            $crate::model::CounterView {
                low_bits: self.bits,
                high_bits: 0,
            }
        }
    };
}
pub(crate) use single_word_basics;

impl Protocol for Plain {
    single_word_basics!();
    fn writer_step<const R: usize>(&self, st: &mut State<R>) -> Event {
        single_word_writer(st, self.bits)
    }
    fn reader_step<const R: usize>(&self, st: &mut State<R>, i: usize) -> Event {
        single_word_reader(st, i, |_| false)
    }
    #[inline]
    fn peek<const R: usize>(&self, st: &State<R>, i: usize) -> Option<Outcome> {
        single_word_peek(st, i, |_| false)
    }
    /// Only `seq - s` matters, and parity: shift by even amounts.
    fn symmetry(&self) -> Option<(usize, u64)> {
        Some((var::LOW, 2))
    }
}
