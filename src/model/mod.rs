//! The protocol model of DESIGN.md: shared words, one writer program, one
//! reader program, and the ghost bookkeeping that decides what a run means.
//!
//! A scheme ([`Protocol`]) only says which store or load comes next and what
//! it does to the words and the thread's registers. Everything the engines
//! share — who may move, what a modification does to the readers' ghost
//! flags, what a step costs, when a run is over — lives in [`step`], so the
//! brute and the accelerated explorer disagree only if a chooser is wrong,
//! never the model (the same cut shuttle makes between model and scheduler).

mod state;
pub mod step;

pub use state::{Event, Outcome, ReaderState, State, WriterState, flags};

use crate::scheme::SchemeSpec;

/// The two shared words every scheme is built from. `LOW` is the word that
/// changes on every increment (`seq`, or the low half of a split counter),
/// `HIGH` the word that changes only when `LOW` wraps (the high half, the
/// epoch); single-word schemes leave `HIGH` at 0.
pub mod var {
    /// The low word: `seq`, or `lo` of a split counter.
    pub const LOW: usize = 0;
    /// The high word: `hi` of a split counter, or the epoch.
    pub const HIGH: usize = 1;
}

/// The logical counter a scheme's words encode, read when all stores of a
/// cycle are done: `HIGH * 2^low_bits + LOW`, `low_bits + high_bits` bits.
/// Every writer cycle adds 2 to it (lock and unlock); at a cycle boundary
/// the words are exactly its decomposition. This is what lets the
/// accelerated explorer jump k cycles in O(1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterView {
    /// Bits of the low word.
    pub low_bits: u32,
    /// Bits of the high word (0 for single-word schemes).
    pub high_bits: u32,
}

impl CounterView {
    /// Total bits of the logical counter.
    pub fn total_bits(&self) -> u32 {
        self.low_bits + self.high_bits
    }

    /// The counter value of the words `[low, high]`.
    pub fn combine(&self, words: [u64; 2]) -> u128 {
        (u128::from(words[var::HIGH]) << self.low_bits) | u128::from(words[var::LOW])
    }

    /// The words of counter value `c` (taken mod 2^total_bits).
    pub fn split(&self, c: u128) -> [u64; 2] {
        let c = c & mask128(self.total_bits());
        let low = (c & mask128(self.low_bits)) as u64;
        let high = (c >> self.low_bits) as u64;
        [low, high]
    }
}

/// `2^bits - 1` as u128, `bits <= 128`.
pub fn mask128(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// One scheme's stores and loads. Implementations are small and say in
/// their docs exactly which kernel-side code they model.
///
/// Order of calls: an engine asks [`Protocol::writer_ready`] /
/// [`Protocol::reader_ready`] which threads may move, then applies one
/// move with [`step::writer`] or [`step::reader`], which call
/// [`Protocol::writer_step`] / [`Protocol::reader_step`] and do the shared
/// bookkeeping, then [`Protocol::canonicalize`].
pub trait Protocol: Sync {
    /// The scheme this protocol implements.
    fn spec(&self) -> &SchemeSpec;
    /// Names of the shared words, indexed by [`var`].
    fn var_names(&self) -> [&'static str; 2];
    /// The logical counter the words encode.
    fn counter(&self) -> CounterView;

    /// May the lock holder take its next step? Only the guard's grace
    /// period ever says no.
    fn writer_ready<const R: usize>(&self, _st: &State<R>) -> bool {
        true
    }
    /// Perform the writer's next step. `st.writer.pc == 0` means the lock
    /// is free and this step starts a cycle (takes the lock).
    fn writer_step<const R: usize>(&self, st: &mut State<R>) -> Event;
    /// Perform reader `i`'s next load (and the thread-local checks merged
    /// into it). Only called while the reader is not done.
    fn reader_step<const R: usize>(&self, st: &mut State<R>, i: usize) -> Event;

    /// How reader `i`'s next move would end reader 0's speculation, if it
    /// would: `Some(outcome)` when the move finishes reader 0, `None` when
    /// the run goes on. Must equal stepping a copy (the default does
    /// exactly that); schemes may answer faster without the copy, and a
    /// unit test holds every override to the default.
    #[inline]
    fn peek<const R: usize>(&self, st: &State<R>, i: usize) -> Option<Outcome> {
        let mut s2 = *st;
        self.reader_step(&mut s2, i);
        s2.readers[0].outcome
    }

    /// Does any writer step depend on the readers? Only the guard's grace
    /// period does. When none does, no thread ever reads another reader's
    /// state, so reader 0's outcome cannot depend on the other readers
    /// (cone of influence): the explorers then start them finished.
    fn writer_waits_for_readers(&self) -> bool {
        false
    }

    /// Translation symmetry: adding a multiple of `step` to word `var` (and
    /// to every register holding that word) maps runs to runs with the same
    /// outcomes. `None` when positions are absolute (the guard's wrap).
    fn symmetry(&self) -> Option<(usize, u64)>;
    /// Cap on the reader's count of cycles started in its window (bounded:
    /// T+1, since only `count > T` matters); `None` when not counted.
    fn started_cap(&self) -> Option<u64> {
        None
    }
    /// Writer cycles the accelerated explorer may jump from a boundary
    /// without passing a step that waits for readers; `None` = unlimited.
    fn jump_limit<const R: usize>(&self, _st: &State<R>) -> Option<u128> {
        None
    }
    /// Bits of word `v`.
    fn bits_of(&self, v: usize) -> u32 {
        let c = self.counter();
        if v == var::LOW {
            c.low_bits
        } else {
            c.high_bits
        }
    }

    /// Bring `st` to the representative of its symmetry class. Readers do
    /// not need registers once nothing will read them; canonicalize also
    /// clears those so equal situations compare equal.
    fn canonicalize<const R: usize>(&self, st: &mut State<R>) {
        let Some((v, stride)) = self.symmetry() else {
            return;
        };
        let bits = self.bits_of(v);
        let m = crate::width::mask(bits);
        // Anchor: reader 0's first register holding word v, else the word
        // itself rounded down to the stride. Equal for every member of a
        // class, so subtracting it yields one representative.
        let r0 = &st.readers[0];
        let anchor = (0..4)
            .find(|&k| r0.tags[k] == v as u8 + 1)
            .map(|k| r0.regs[k])
            .unwrap_or_else(|| st.vars[v] - st.vars[v] % stride);
        if anchor == 0 {
            return;
        }
        st.vars[v] = st.vars[v].wrapping_sub(anchor) & m;
        for r in st.readers.iter_mut() {
            for k in 0..4 {
                if r.tags[k] == v as u8 + 1 {
                    r.regs[k] = r.regs[k].wrapping_sub(anchor) & m;
                }
            }
        }
    }
}
