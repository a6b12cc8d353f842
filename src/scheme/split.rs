//! `split`: an (H+L)-bit counter kept as two words, as a 64-bit
//! `mm_lock_seq` would be on a 32-bit kernel without 64-bit atomics.
//!
//! Writer: each increment (lock, then unlock) stores the low word; when the
//! low word wraps to 0 it also carries into the high word, as a separate
//! store, in the chosen order:
//! - `lo-first`: store `lo = 0`, then `hi += 1`;
//! - `hi-first`: store `hi += 1`, then `lo = 0`.
//!
//! The lock increment never carries (the low word is even at a cycle
//! boundary), so a carry always happens at an unlock.
//!
//! Readers, with the parity check on the low word:
//! - `naive`: begin loads lo then hi; end loads lo then hi; accept iff both
//!   words equal the snapshot.
//! - `hi-lo-hi`: begin loads hi, lo, hi and re-reads all three while the two
//!   high loads differ; end does the same; accept iff both words equal.

use crate::model::{CounterView, Event, Outcome, Protocol, State, flags, var};
use crate::scheme::{SchemeSpec, SplitRead, SplitWriteOrder};
use crate::width::mask;

/// A split counter with a read order and a carry store order.
#[derive(Clone, Debug)]
pub struct Split {
    spec: SchemeSpec,
    hi: u32,
    lo: u32,
    read: SplitRead,
    low_first: bool,
}

impl Split {
    /// `split` with H high bits, L low bits.
    pub fn new(
        spec: SchemeSpec,
        hi: u32,
        lo: u32,
        read: SplitRead,
        order: SplitWriteOrder,
    ) -> Split {
        Split {
            spec,
            hi,
            lo,
            read,
            low_first: order == SplitWriteOrder::LoFirst,
        }
    }
}

/// The two-word writer shared by `split` and `epoch`: `pc` 0 → lock → 1 →
/// modify → 2 → unlock (→ 3 → second carry store when the low word wraps) → 0.
/// `low_first` picks the order of the two stores of a carry.
pub(crate) fn two_word_writer<const R: usize>(
    st: &mut State<R>,
    low_bits: u32,
    high_bits: u32,
    low_first: bool,
    names: (&'static str, &'static str),
) -> Event {
    let lm = mask(low_bits);
    let hm = mask(high_bits);
    let low_store = |st: &mut State<R>, what| {
        st.vars[var::LOW] = (st.vars[var::LOW] + 1) & lm;
        Event::Store {
            var: var::LOW,
            value: st.vars[var::LOW],
            what,
        }
    };
    let high_store = |st: &mut State<R>| {
        st.vars[var::HIGH] = (st.vars[var::HIGH] + 1) & hm;
        Event::Store {
            var: var::HIGH,
            value: st.vars[var::HIGH],
            what: names.1,
        }
    };
    match st.writer.pc {
        0 => {
            st.writer.pc = 1;
            low_store(st, "lock")
        }
        1 => {
            st.writer.pc = 2;
            Event::Modify
        }
        2 => {
            let carries = (st.vars[var::LOW] + 1) & lm == 0;
            if !carries {
                st.writer.pc = 0;
                low_store(st, "unlock")
            } else {
                st.writer.pc = 3;
                if low_first {
                    low_store(st, names.0)
                } else {
                    high_store(st)
                }
            }
        }
        _ => {
            st.writer.pc = 0;
            if low_first {
                high_store(st)
            } else {
                low_store(st, names.0)
            }
        }
    }
}

impl Protocol for Split {
    fn spec(&self) -> &SchemeSpec {
        &self.spec
    }
    fn var_names(&self) -> [&'static str; 2] {
        ["lo", "hi"]
    }
    fn counter(&self) -> CounterView {
        CounterView {
            low_bits: self.lo,
            high_bits: self.hi,
        }
    }
    fn writer_step<const R: usize>(&self, st: &mut State<R>) -> Event {
        two_word_writer(
            st,
            self.lo,
            self.hi,
            self.low_first,
            ("unlock, lo wraps", "carry"),
        )
    }
    fn reader_step<const R: usize>(&self, st: &mut State<R>, i: usize) -> Event {
        match self.read {
            SplitRead::Naive => naive_reader(st, i),
            SplitRead::HiLoHi => hi_lo_hi_reader(st, i),
        }
    }
    /// Adding to the high word moves no carry point: shift hi freely.
    fn symmetry(&self) -> Option<(usize, u64)> {
        Some((var::HIGH, 1))
    }
}

fn load<const R: usize>(st: &State<R>, v: usize, note: &'static str) -> (u64, Event) {
    let value = st.vars[v];
    (
        value,
        Event::Load {
            var: v,
            value,
            note,
            outcome: None,
        },
    )
}

fn ended(ev: Event, outcome: Outcome) -> Event {
    match ev {
        Event::Load {
            var, value, note, ..
        } => Event::Load {
            var,
            value,
            note,
            outcome: Some(outcome),
        },
        other => other,
    }
}

/// Reader 0 compares `(lo, hi)` with its snapshot; others are observers.
fn verdict(i: usize, r: &crate::model::ReaderState, lo: u64, hi: u64) -> Outcome {
    if i != 0 {
        Outcome::Observer
    } else if lo != r.regs[0] || hi != r.regs[1] {
        Outcome::Retry
    } else if r.has(flags::DIRTY) {
        Outcome::FalsePositive
    } else {
        Outcome::Accept
    }
}

/// naive: registers 0/1 = snapshot lo/hi, 2 = end lo.
fn naive_reader<const R: usize>(st: &mut State<R>, i: usize) -> Event {
    let pc = st.readers[i].pc;
    let r_vars = st.vars;
    let r = &mut st.readers[i];
    let (v, ev) = match pc {
        0 | 2 => (
            r_vars[var::LOW],
            Event::Load {
                var: var::LOW,
                value: r_vars[var::LOW],
                note: "",
                outcome: None,
            },
        ),
        _ => (
            r_vars[var::HIGH],
            Event::Load {
                var: var::HIGH,
                value: r_vars[var::HIGH],
                note: "",
                outcome: None,
            },
        ),
    };
    let note = |n| match ev {
        Event::Load { var, value, .. } => Event::Load {
            var,
            value,
            note: n,
            outcome: None,
        },
        e => e,
    };
    match pc {
        0 => {
            r.flags |= flags::STARTED;
            if v & 1 == 1 {
                r.finish(Outcome::Abort);
                return ended(note("begin, odd"), Outcome::Abort);
            }
            if i == 0 {
                r.set(0, var::LOW, v);
            }
            r.pc = 1;
            note("begin")
        }
        1 => {
            if i == 0 {
                r.set(1, var::HIGH, v);
            }
            r.flags |= flags::DATA;
            r.pc = 2;
            note("begin")
        }
        2 => {
            r.flags &= !flags::DATA;
            if i == 0 {
                r.set(2, var::LOW, v);
            }
            r.pc = 3;
            note("end")
        }
        _ => {
            let lo = r.regs[2];
            let out = verdict(i, r, lo, v);
            r.finish(out);
            ended(note("end"), out)
        }
    }
}

/// hi-lo-hi: registers 0/1 = snapshot lo/hi, 2 = first hi, 3 = lo of the
/// phase in progress.
fn hi_lo_hi_reader<const R: usize>(st: &mut State<R>, i: usize) -> Event {
    let pc = st.readers[i].pc;
    let word = if pc == 1 || pc == 4 {
        var::LOW
    } else {
        var::HIGH
    };
    let (v, _) = load(st, word, "");
    let r = &mut st.readers[i];
    let ev = |note| Event::Load {
        var: word,
        value: v,
        note,
        outcome: None,
    };
    match pc {
        0 | 3 => {
            if pc == 0 {
                r.flags |= flags::STARTED;
            } else {
                r.flags &= !flags::DATA;
            }
            r.set(2, var::HIGH, v);
            r.pc = pc + 1;
            ev(if pc == 0 { "begin" } else { "end" })
        }
        1 | 4 => {
            r.set(3, var::LOW, v);
            r.pc = pc + 1;
            ev(if pc == 1 { "begin" } else { "end" })
        }
        2 => {
            if v != r.regs[2] {
                r.clear_scratch();
                r.pc = 0;
                return ev("begin, hi moved: re-read");
            }
            let lo = r.regs[3];
            r.clear_scratch();
            if lo & 1 == 1 {
                r.finish(Outcome::Abort);
                return ended(ev("begin, lo odd"), Outcome::Abort);
            }
            if i == 0 {
                r.set(0, var::LOW, lo);
                r.set(1, var::HIGH, v);
            }
            r.flags |= flags::DATA;
            r.pc = 3;
            ev("begin, hi same")
        }
        _ => {
            if v != r.regs[2] {
                r.clear_scratch();
                r.pc = 3;
                return ev("end, hi moved: re-read");
            }
            let lo = r.regs[3];
            let out = verdict(i, r, lo, v);
            r.finish(out);
            ended(ev("end, hi same"), out)
        }
    }
}
