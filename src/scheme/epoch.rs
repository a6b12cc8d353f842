//! `epoch`: a W-bit seq plus an E-bit epoch word that the writer bumps,
//! still under the lock, whenever seq wraps.
//!
//! Writer: lock `seq += 1`; modify; unlock `seq += 1`, and when that wraps
//! seq to 0 the epoch is bumped as a second store, in the chosen order
//! (`seq-first`: seq = 0 then epoch += 1; `epoch-first`: epoch += 1 then
//! seq = 0).
//!
//! Reader: begin loads epoch then seq (odd seq → ABORT); end loads seq then
//! epoch; accept only if both match the snapshot. Reading the slow word
//! first at begin and last at end is the usual order for a two-word
//! counter; whether it is enough across a wrap is the explorer's question.

use crate::model::{CounterView, Event, Outcome, Protocol, State, flags, var};
use crate::scheme::split::two_word_writer;
use crate::scheme::{EpochWriteOrder, SchemeSpec};

/// The epoch scheme.
#[derive(Clone, Debug)]
pub struct Epoch {
    spec: SchemeSpec,
    bits: u32,
    epoch_bits: u32,
    seq_first: bool,
}

impl Epoch {
    /// `epoch` with W seq bits and E epoch bits.
    pub fn new(spec: SchemeSpec, bits: u32, epoch_bits: u32, order: EpochWriteOrder) -> Epoch {
        Epoch {
            spec,
            bits,
            epoch_bits,
            seq_first: order == EpochWriteOrder::SeqFirst,
        }
    }
}

impl Protocol for Epoch {
    fn spec(&self) -> &SchemeSpec {
        &self.spec
    }
    fn var_names(&self) -> [&'static str; 2] {
        ["seq", "epoch"]
    }
    fn counter(&self) -> CounterView {
        CounterView {
            low_bits: self.bits,
            high_bits: self.epoch_bits,
        }
    }
    fn writer_step<const R: usize>(&self, st: &mut State<R>) -> Event {
        two_word_writer(
            st,
            self.bits,
            self.epoch_bits,
            self.seq_first,
            ("unlock, seq wraps", "epoch bump"),
        )
    }
    /// Registers 0/1 = snapshot seq/epoch, 2 = begin epoch or end seq.
    fn reader_step<const R: usize>(&self, st: &mut State<R>, i: usize) -> Event {
        let pc = st.readers[i].pc;
        let word = if pc == 0 || pc == 3 {
            var::HIGH
        } else {
            var::LOW
        };
        let v = st.vars[word];
        let r = &mut st.readers[i];
        let ev = |note, outcome| Event::Load {
            var: word,
            value: v,
            note,
            outcome,
        };
        match pc {
            0 => {
                r.flags |= flags::STARTED;
                if i == 0 {
                    r.set(2, var::HIGH, v);
                }
                r.pc = 1;
                ev("begin", None)
            }
            1 => {
                if v & 1 == 1 {
                    r.finish(Outcome::Abort);
                    return ev("begin, odd", Some(Outcome::Abort));
                }
                if i == 0 {
                    let e = r.regs[2];
                    r.clear_scratch();
                    r.set(0, var::LOW, v);
                    r.set(1, var::HIGH, e);
                }
                r.flags |= flags::DATA;
                r.pc = 2;
                ev("begin", None)
            }
            2 => {
                r.flags &= !flags::DATA;
                if i == 0 {
                    r.set(2, var::LOW, v);
                }
                r.pc = 3;
                ev("end", None)
            }
            _ => {
                let out = if i != 0 {
                    Outcome::Observer
                } else if r.regs[2] != r.regs[0] || v != r.regs[1] {
                    Outcome::Retry
                } else if r.has(flags::DIRTY) {
                    Outcome::FalsePositive
                } else {
                    Outcome::Accept
                };
                r.finish(out);
                ev("end", Some(out))
            }
        }
    }
    /// Adding to the epoch moves no wrap point: shift the epoch freely.
    fn symmetry(&self) -> Option<(usize, u64)> {
        Some((var::HIGH, 1))
    }
}
