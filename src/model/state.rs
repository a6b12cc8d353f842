//! The state of one run: shared words, the lock holder, the readers.

use std::fmt;

/// Ghost flags of a reader (bit set in [`ReaderState::flags`]).
pub mod flags {
    /// The reader made its first begin load: its window is open.
    pub const STARTED: u8 = 1;
    /// Between its last begin load and its first end load: the data-read
    /// phase, where a modification makes the data possibly torn.
    pub const DATA: u8 = 2;
    /// A modification happened during the data-read phase.
    pub const DIRTY: u8 = 4;
    /// The speculation is over; `outcome` says how.
    pub const DONE: u8 = 8;
}

/// How one speculation ended (DESIGN.md, "Outcomes of one speculation").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Counter unchanged, data unchanged: correct.
    Accept,
    /// Counter compared equal although the data changed under the reader.
    FalsePositive,
    /// The counter changed (or the window was too long): try again.
    Retry,
    /// The begin load saw the lock held: take the lock instead.
    Abort,
    /// A reader other than the designated one: its snapshot was dropped
    /// (nothing reads it), so its verdict is not computed. By symmetry
    /// among readers, reader 0's outcomes cover it.
    Observer,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Accept => "ACCEPT",
            Outcome::FalsePositive => "FALSE POSITIVE",
            Outcome::Retry => "RETRY",
            Outcome::Abort => "ABORT",
            Outcome::Observer => "done",
        })
    }
}

/// One reader thread: program counter, registers, ghost flags.
///
/// Registers 0 and 1 hold the snapshot (what the begin loads returned),
/// 2 and 3 scratch values of a phase in progress. `tags[k]` is `1 + word`
/// for a register holding a value of that word, 0 for an empty one; the
/// symmetry reduction shifts tagged registers with their word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct ReaderState {
    /// Program counter; its meaning is the scheme's.
    pub pc: u8,
    /// [`flags`] bits.
    pub flags: u8,
    /// Set once `DONE`.
    pub outcome: Option<Outcome>,
    /// Loaded values.
    pub regs: [u64; 4],
    /// What each register holds (0 = nothing, 1 + word index).
    pub tags: [u8; 4],
    /// Writer cycles started since the first begin load (bounded only).
    pub started_cycles: u64,
}

impl ReaderState {
    /// Is `f` set?
    pub fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
    /// Window open and not yet closed.
    pub fn in_window(&self) -> bool {
        self.has(flags::STARTED) && !self.has(flags::DONE)
    }
    /// Store a loaded value of word `var` in register `k`.
    pub fn set(&mut self, k: usize, var: usize, value: u64) {
        self.regs[k] = value;
        self.tags[k] = var as u8 + 1;
    }
    /// Empty register `k`.
    pub fn clear(&mut self, k: usize) {
        self.regs[k] = 0;
        self.tags[k] = 0;
    }
    /// Empty the scratch registers.
    pub fn clear_scratch(&mut self) {
        self.clear(2);
        self.clear(3);
    }
    /// End the speculation with `outcome`; registers are dropped.
    pub fn finish(&mut self, outcome: Outcome) {
        self.flags = (self.flags | flags::DONE) & !flags::DATA;
        self.outcome = Some(outcome);
        self.regs = [0; 4];
        self.tags = [0; 4];
    }
}

/// The lock holder (writers serialize on the lock, so at most one moves).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct WriterState {
    /// Step of the current cycle; 0 = lock free.
    pub pc: u8,
    /// Which writer holds the lock (meaningful while `pc != 0`).
    pub holder: u8,
    /// Guard: readers whose speculation the grace period waits for.
    pub wait_mask: u8,
}

/// A whole configuration of R readers and the writers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct State<const R: usize> {
    /// Shared words, indexed by [`crate::model::var`].
    pub vars: [u64; 2],
    /// The lock holder.
    pub writer: WriterState,
    /// The readers; reader 0 is the designated one whose window is costed.
    pub readers: [ReaderState; R],
    /// Accelerated explorer only: single writer cycles left before a jump
    /// or a reader step is required (0 and unused in brute mode).
    pub budget: u8,
    /// Accelerated explorer only: the last move was a jump and no reader
    /// has moved since (a second jump would only be a longer first one).
    pub after_jump: bool,
}

impl<const R: usize> State<R> {
    /// All words 0, lock free, no reader started.
    pub fn initial() -> State<R> {
        State {
            vars: [0; 2],
            writer: WriterState::default(),
            readers: [ReaderState::default(); R],
            budget: 0,
            after_jump: false,
        }
    }
}

/// What one step did, for traces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The writer stored `value` to word `var`; `what` names the step
    /// (`lock`, `unlock`, `carry`, `epoch`).
    Store {
        /// Word index.
        var: usize,
        /// Value stored.
        value: u64,
        /// Name of the step.
        what: &'static str,
    },
    /// The writer changed the protected data (`ver += 1`).
    Modify,
    /// Guard: the grace period starts, waiting for these readers.
    GraceStart {
        /// Bit i set = waits for reader i.
        mask: u8,
    },
    /// Guard: the grace period is over.
    GraceEnd,
    /// A reader loaded `value` from word `var`.
    Load {
        /// Word index.
        var: usize,
        /// Value loaded.
        value: u64,
        /// What the load was for and what the merged checks decided.
        note: &'static str,
        /// Set when this load ended the speculation.
        outcome: Option<Outcome>,
    },
}
