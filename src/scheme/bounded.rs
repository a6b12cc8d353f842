//! `bounded`: the plain protocol, but the reader RETRYs a speculation during
//! which more than T writer cycles started.
//!
//! In the kernel this is a time bound (the reader checks a clock at the
//! end); the explorer measures it in cycles started since the reader's
//! first begin load, the sampler in time. It is safe iff
//! T < 2^(W-1): the counter cannot come back within T cycles.

use crate::model::Outcome;
use crate::model::{Event, Protocol, State, var};
use crate::scheme::SchemeSpec;
use crate::scheme::plain::{
    single_word_basics, single_word_peek, single_word_reader, single_word_writer,
};

/// The bounded-window scheme.
#[derive(Clone, Debug)]
pub struct Bounded {
    spec: SchemeSpec,
    bits: u32,
    max_window_cycles: u64,
}

impl Bounded {
    /// `bounded` with a `bits`-wide counter and window bound T.
    pub fn new(spec: SchemeSpec, bits: u32, max_window_cycles: u64) -> Bounded {
        Bounded {
            spec,
            bits,
            max_window_cycles,
        }
    }
}

impl Protocol for Bounded {
    single_word_basics!();
    fn writer_step<const R: usize>(&self, st: &mut State<R>) -> Event {
        single_word_writer(st, self.bits)
    }
    #[inline]
    fn peek<const R: usize>(&self, st: &State<R>, i: usize) -> Option<Outcome> {
        single_word_peek(st, i, |started| started > self.max_window_cycles)
    }
    fn reader_step<const R: usize>(&self, st: &mut State<R>, i: usize) -> Event {
        let t = self.max_window_cycles;
        single_word_reader(st, i, |started| started > t)
    }
    fn symmetry(&self) -> Option<(usize, u64)> {
        Some((var::LOW, 2))
    }
    /// Only `count > T` matters, so counting stops at T+1.
    fn started_cap(&self) -> Option<u64> {
        Some(self.max_window_cycles.saturating_add(1))
    }
}
