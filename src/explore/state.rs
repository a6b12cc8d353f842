//! The state of one run: the writer's progress as one reader view sees
//! it, and each reader's speculation.

use crate::protocol::Outcome;
use crate::protocol::program::{MAX_LOCALS, MAX_WORDS, Node};

/// Loads a reader may have satisfied ahead of its program order at once.
pub const MAX_AHEAD: usize = 6;

/// Ghost flags of a reader.
pub mod flags {
    /// It has satisfied a load: its window is open.
    pub const STARTED: u8 = 1;
    /// Between its two data loads (`read()`): a `modify()` that becomes
    /// visible now changes the data under it.
    pub const DATA: u8 = 2;
    /// A `modify()` became visible between its two data loads.
    pub const DIRTY: u8 = 4;
    /// It returned; `outcome` says how.
    pub const DONE: u8 = 8;
}

/// The writer as the readers see it: the words at the start of the cycle
/// being propagated, which of that cycle's events are visible (or
/// overwritten unseen), and the values visible now. Everything of earlier
/// cycles is visible: the writer's lock orders cycles (DESIGN §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct View {
    /// Words at the start of the current cycle.
    pub start: [u64; MAX_WORDS],
    /// Words visible now (a function of `start` and `done`, kept for speed).
    pub vis: [u64; MAX_WORDS],
    /// Events of the current cycle visible or overwritten.
    pub done: u32,
    /// The writer path of the current cycle (`cycle::NO_PATH` when
    /// interpreted).
    pub path: u16,
    /// Cycles begun so far, counted only when the writer's total is
    /// bounded (`ExploreConfig::max_writer_cycles`), else 0.
    pub cycle: u32,
}

/// One reader's speculation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RState {
    /// The next instruction in program order not yet executed; every load
    /// before it is satisfied.
    pub pc: Node,
    /// [`flags`] bits.
    pub flags: u8,
    /// How it ended, once DONE.
    pub outcome: Option<Outcome>,
    /// Loads satisfied ahead of `pc` (weak models), in program order.
    pub n_ahead: u8,
    /// Branch decisions on the path from `pc` to the furthest load
    /// satisfied ahead, first in the low bit.
    pub guess: u32,
    /// How many decisions `guess` holds.
    pub n_guess: u8,
    /// `window_cycles()`: writer cycles begun since the first load (capped
    /// where the program only compares it with smaller constants).
    pub window: u64,
    /// Locals (zero once dead).
    pub locals: [i128; MAX_LOCALS],
    /// Loads satisfied ahead: instruction and the value read.
    pub ahead: [(Node, u64); MAX_AHEAD],
}

impl RState {
    /// A reader that has not started.
    pub fn new() -> RState {
        RState {
            pc: 0,
            flags: 0,
            outcome: None,
            n_ahead: 0,
            guess: 0,
            n_guess: 0,
            window: 0,
            locals: [0; MAX_LOCALS],
            ahead: [(0, 0); MAX_AHEAD],
        }
    }

    /// Is flag `f` set?
    #[inline]
    pub fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }

    /// Window open and not yet closed.
    #[inline]
    pub fn in_window(&self) -> bool {
        self.flags & (flags::STARTED | flags::DONE) == flags::STARTED
    }
}

impl Default for RState {
    fn default() -> Self {
        RState::new()
    }
}

/// A whole configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct State<const R: usize> {
    /// The writer, as the (one) view sees it.
    pub view: View,
    /// The readers; reader 0 is the one whose window is costed.
    pub readers: [RState; R],
    /// Accelerated mode: single cycles the writer may still begin before a
    /// jump or a reader move is required.
    pub budget: u8,
    /// Accelerated mode: the last move was a jump and no reader has moved.
    pub after_jump: bool,
}
