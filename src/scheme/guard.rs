//! `guard`: before the increment that would wrap seq, the writer waits for
//! a grace period — until no speculation that started before the wait is
//! still in flight (`synchronize_rcu()` with readers inside
//! `rcu_read_lock()`, as proposed in the thread). No window can then span a
//! wrap, at the cost of one grace period per 2^(W-1) cycles.
//!
//! Writer cycle: lock (`seq += 1`), modify, and if `seq + 1` wraps to 0:
//! grace-period start (records the readers in flight), grace-period end
//! (enabled once all of them are done), then unlock (`seq += 1`).
//! Readers starting during the wait see an odd seq and ABORT.

use crate::model::Outcome;
use crate::model::{Event, Protocol, State, var};
use crate::scheme::SchemeSpec;
use crate::scheme::plain::{
    single_word_basics, single_word_peek, single_word_reader, single_word_writer,
};
use crate::width::mask;

/// The grace-period wrap guard.
#[derive(Clone, Debug)]
pub struct Guard {
    spec: SchemeSpec,
    bits: u32,
}

impl Guard {
    /// `guard` with a `bits`-wide counter.
    pub fn new(spec: SchemeSpec, bits: u32) -> Guard {
        Guard { spec, bits }
    }
}

/// Writer pc: waiting for the grace period to end.
const GP_WAIT: u8 = 4;
/// Writer pc: grace period over, the wrapping unlock is next.
const GP_DONE: u8 = 5;

impl Protocol for Guard {
    single_word_basics!();
    fn writer_waits_for_readers(&self) -> bool {
        true
    }
    /// The grace period ends only when every reader it waits for is done.
    fn writer_ready<const R: usize>(&self, st: &State<R>) -> bool {
        st.writer.pc != GP_WAIT
            || st
                .readers
                .iter()
                .enumerate()
                .all(|(i, r)| st.writer.wait_mask & (1 << i) == 0 || !r.in_window())
    }
    fn writer_step<const R: usize>(&self, st: &mut State<R>) -> Event {
        let m = mask(self.bits);
        match st.writer.pc {
            2 if st.vars[var::LOW] == m => {
                let mut mask_ = 0u8;
                for (i, r) in st.readers.iter().enumerate() {
                    if r.in_window() {
                        mask_ |= 1 << i;
                    }
                }
                st.writer.wait_mask = mask_;
                st.writer.pc = GP_WAIT;
                Event::GraceStart { mask: mask_ }
            }
            GP_WAIT => {
                st.writer.wait_mask = 0;
                st.writer.pc = GP_DONE;
                Event::GraceEnd
            }
            GP_DONE => {
                st.writer.pc = 2;
                single_word_writer(st, self.bits)
            }
            _ => single_word_writer(st, self.bits),
        }
    }
    #[inline]
    fn peek<const R: usize>(&self, st: &State<R>, i: usize) -> Option<Outcome> {
        single_word_peek(st, i, |_| false)
    }
    fn reader_step<const R: usize>(&self, st: &mut State<R>, i: usize) -> Event {
        single_word_reader(st, i, |_| false)
    }
    /// The wrap point is absolute, so no translation symmetry.
    fn symmetry(&self) -> Option<(usize, u64)> {
        None
    }
    /// Jumps stop before the cycle whose unlock would wrap.
    fn jump_limit<const R: usize>(&self, st: &State<R>) -> Option<u128> {
        let m = mask(self.bits);
        let seq = st.vars[var::LOW];
        Some(u128::from((m.wrapping_sub(1).wrapping_sub(seq) & m) / 2))
    }
}
