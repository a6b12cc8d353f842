//! The semantics every explorer mode shares: which moves are enabled, what
//! a move does, jumps, and the reductions that keep states few. The modes
//! only choose among moves (the cut shuttle makes between model and
//! scheduler), so when brute and accelerated disagree the chooser is wrong,
//! never the model.
//!
//! A move is either the writer making one more event of its current cycle
//! visible (in the order the memory model allows; the next cycle starts
//! once every event of this one is visible), or a reader satisfying one
//! load (its next one, or under a weak model a later one its model lets go
//! first, on the path it then commits to). Local instructions run eagerly
//! after each satisfied load.
//!
//! The two data loads of `read()` are placed as the adversary would: the
//! first as early as the model allows, the second as late. Neither load's
//! value steers the reader, a data phase that starts earlier or ends later
//! can only see more modifications, and an earlier first load or a later
//! second one only relaxes the order of the reader's other loads; so this
//! loses no false positive and no shorter one. Under SC and TSO the first
//! is taken with the load before it and the second with the load after it,
//! so the data phase is exactly the stretch between the last load before
//! `read()` and the first after it (DESIGN §1). Under LKMM the first is
//! forced as soon as it is enabled once the speculation has begun, and the
//! second is taken only together with a load that must follow it (or
//! alone, right before the reader returns). The herd7 cross-check tests
//! hold this to LKMM itself.
//!
//! Layout: this file holds the machine, its moves and the writer's step;
//! `walk.rs` finds the loads a reader may satisfy (ahead of its position
//! under a weak model), `reader.rs` is a reader satisfying one and running
//! its local instructions, `canon.rs` the reduction to a canonical state,
//! `reader_code.rs` what is read off the reader's code once (liveness,
//! partial evaluation). Each job is its own file so that the model's part
//! (`walk.rs`, the one place that asks `reader_orders`) reads alone.

mod canon;
mod reader;
mod reader_code;
mod walk;

use crate::error::Result;
use crate::memory::Model;
use crate::protocol::program::{Instr, MAX_WORDS, Node, Program, WordId};
use crate::protocol::shape::{CycleMap, Shape};
use crate::protocol::{Outcome, Protocol};

use super::cycle::{EvKind, NO_PATH, WriterCycles};
use super::state::{RState, State, View, flags};
use reader_code::{liveness, uses_window};

/// A move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Move {
    /// The writer makes event `j` of its current cycle visible.
    Writer(u8),
    /// Reader `r` satisfies the load at `node`, on the path whose branch
    /// decisions from its `pc` are `guess` (`n_guess` of them).
    Reader {
        /// Which reader.
        r: u8,
        /// The load.
        node: Node,
        /// Branch decisions.
        guess: u32,
        /// How many.
        n_guess: u8,
        /// The second data load, satisfied just before `node` (weak models:
        /// it waits until a load ordered after it needs it); `NONE`.
        pre: Node,
    },
}

/// No instruction (for [`Move::Reader`]'s `pre`).
pub const NONE: Node = Node::MAX;

/// The shared semantics of one protocol under one model.
pub struct Machine<'a> {
    /// The protocol.
    pub protocol: &'a Protocol,
    prog: &'a Program,
    /// Its shape.
    pub shape: &'a Shape,
    /// The memory model.
    pub model: Model,
    /// Cycle templates.
    pub cycles: WriterCycles,
    live: Vec<u16>,
    /// Translation symmetries applied by [`Machine::canonicalize`].
    pub symmetry: Vec<(WordId, u64)>,
    window_cap: u64,
    auto_data: bool,
    /// Does any writer step depend on the readers (a grace period)?
    pub readers_matter: bool,
    nwords: usize,
    bits: [u32; MAX_WORDS],
    cycle_cap: Option<u32>,
}

impl<'a> Machine<'a> {
    /// The machine for `protocol` under `model`; `symmetric` turns the
    /// translation symmetry on (the search) or off (a trace's replay, which
    /// must show the values the threads really see).
    pub fn new(protocol: &'a Protocol, model: Model, symmetric: bool) -> Result<Machine<'a>> {
        let prog = protocol.program();
        let shape = protocol.shape();
        let cycles = WriterCycles::new(prog, shape, model)?;
        let u = &shape.reader;
        let uses_ghost = prog.reader.code.iter().any(|i| match i {
            Instr::Branch { cond, .. } => uses_window(cond),
            Instr::Assign { value, .. } => uses_window(value),
            _ => false,
        });
        let window_cap = if !uses_ghost {
            0
        } else if u.outside.is_none() {
            u.ghost_consts
                .iter()
                .copied()
                .max()
                .map_or(0, |m| m.saturating_add(1))
        } else {
            u64::MAX
        };
        let mut bits = [0u32; MAX_WORDS];
        for (i, w) in prog.words.iter().enumerate() {
            bits[i] = w.bits;
        }
        Ok(Machine {
            protocol,
            prog,
            shape,
            model,
            cycles,
            live: liveness(&prog.reader),
            symmetry: if symmetric {
                shape.symmetry.clone()
            } else {
                Vec::new()
            },
            window_cap,
            auto_data: !model.reorders_loads(),
            readers_matter: shape.has_gp,
            nwords: prog.words.len(),
            bits,
            cycle_cap: None,
        })
    }

    /// Bound the writer to `cap` cycles in all (the litmus cross-check asks
    /// what herd7 asks of a writer unrolled `cap` times).
    pub fn with_cycle_cap(mut self, cap: Option<u32>) -> Self {
        self.cycle_cap = cap;
        self
    }

    /// The writer's cycles in all, when limited.
    pub fn cycle_cap(&self) -> Option<u32> {
        self.cycle_cap
    }

    /// Locals live at reader instruction `pc`.
    pub fn live_at(&self, pc: Node) -> u16 {
        self.live[pc as usize]
    }

    /// The `window_cycles()` cap (0: the ghost is not used).
    pub fn window_cap(&self) -> u64 {
        self.window_cap
    }

    /// The program.
    pub fn program(&self) -> &Program {
        self.prog
    }

    /// Number of words.
    pub fn nwords(&self) -> usize {
        self.nwords
    }

    /// Word widths.
    pub fn bits(&self) -> &[u32; MAX_WORDS] {
        &self.bits
    }

    /// The writer path of a cycle starting from `start`.
    pub fn path_of(&self, start: &[u64; MAX_WORDS]) -> u16 {
        if !self.cycles.templated() {
            return NO_PATH;
        }
        self.shape
            .path_of(&start[..self.nwords])
            .map_or(NO_PATH, |p| p as u16)
    }

    /// All words 0, no reader started.
    pub fn initial<const R: usize>(&self) -> Result<State<R>> {
        let start = [0u64; MAX_WORDS];
        let mut st = State {
            view: View {
                start,
                vis: start,
                done: 0,
                path: self.path_of(&start),
                cycle: 0,
            },
            readers: [RState::new(); R],
            budget: super::accelerated::BUDGET,
            after_jump: false,
        };
        for r in 0..R {
            self.commit(&mut st.readers[r], false)?;
        }
        self.canonicalize(&mut st);
        Ok(st)
    }

    /// The writer events that may become visible now.
    pub fn writer_enabled<const R: usize>(&self, st: &State<R>) -> Result<u32> {
        if st.view.done == 0 && self.cycle_cap.is_some_and(|c| st.view.cycle >= c) {
            return Ok(0);
        }
        let t = self.cycles.get(st.view.path, &st.view.start)?;
        let mut en = t.enabled(st.view.done);
        if self.readers_matter && st.readers.iter().any(|r| r.in_window()) {
            // A grace period cannot end inside a speculation that has begun:
            // a reader's whole speculation is its RCU read-side section.
            for (j, e) in t.ev.iter().enumerate() {
                if e.kind == EvKind::Gp {
                    en &= !(1 << j);
                }
            }
        }
        Ok(en)
    }

    /// Every enabled move, writers first.
    pub fn moves<const R: usize>(&self, st: &State<R>, out: &mut Vec<Move>) -> Result<()> {
        out.clear();
        let mut en = self.writer_enabled(st)?;
        while en != 0 {
            let j = en.trailing_zeros();
            out.push(Move::Writer(j as u8));
            en &= en - 1;
        }
        let writers = out.len();
        for (i, r) in st.readers.iter().enumerate() {
            let from = out.len();
            self.reader_moves(r, i as u8, out);
            // A first data load that may be taken now is taken now (module
            // docs): every other move of the state waits for it.
            if r.has(flags::STARTED)
                && let Some(k) = (from..out.len()).find(|&k| self.is_first_data_load(out[k]))
            {
                let forced = out[k];
                out.clear();
                out.push(forced);
                return Ok(());
            }
        }
        let _ = writers;
        Ok(())
    }

    /// Apply `mv`. Returns the cost (modifications inside reader 0's
    /// window) and whether the run is alive (a reader that guessed a branch
    /// wrong makes it impossible). The state is canonicalized.
    pub fn apply<const R: usize>(&self, st: &mut State<R>, mv: Move) -> Result<(u128, bool)> {
        self.apply_logged(st, mv, &mut None)
    }

    /// [`Machine::apply`], also listing the reader loads the move satisfied
    /// (a move under SC takes a data load with its neighbour), for traces:
    /// each load's instruction, the value read, and the reader's program
    /// counter at that moment (a load satisfied ahead of it is early).
    pub fn apply_logged<const R: usize>(
        &self,
        st: &mut State<R>,
        mv: Move,
        log: &mut Option<Vec<(Node, u64, Node)>>,
    ) -> Result<(u128, bool)> {
        let r = match mv {
            Move::Writer(j) => self.writer(st, j as usize).map(|c| (c, true)),
            Move::Reader {
                r,
                node,
                guess,
                n_guess,
                pre,
            } => {
                let mut alive = true;
                let (mut g, mut n) = (guess, n_guess);
                if pre != NONE {
                    alive = self.reader(st, r as usize, pre, g, n, log)?;
                    // The decisions still ahead of the reader's new pc.
                    g = st.readers[r as usize].guess;
                    n = st.readers[r as usize].n_guess;
                }
                if alive && !st.readers[r as usize].has(flags::DONE) {
                    alive = self.reader(st, r as usize, node, g, n, log)?;
                }
                Ok((0, alive))
            }
        }?;
        self.canonicalize(st);
        Ok(r)
    }

    /// Writer event `j` without canonicalizing (brute mode's fast path).
    pub fn writer_step_raw<const R: usize>(
        &self,
        st: &mut State<R>,
        j: usize,
    ) -> Result<(u128, bool)> {
        self.writer(st, j).map(|c| (c, true))
    }

    /// Writer event `j`: it becomes visible (and earlier stores to its word
    /// not yet visible never will be).
    fn writer<const R: usize>(&self, st: &mut State<R>, j: usize) -> Result<u128> {
        let t = self.cycles.get(st.view.path, &st.view.start)?;
        let first = st.view.done == 0;
        if first && self.cycle_cap.is_some() {
            st.view.cycle += 1;
        }
        st.view.done |= (1 << j) | t.co_before[j];
        let mut cost = 0;
        match t.ev[j].kind {
            EvKind::Store(w) => {
                st.view.vis[w as usize] = t.value(j, &st.view.start, &self.bits);
            }
            EvKind::Modify => {
                if st.readers[0].in_window() {
                    cost = 1;
                }
                for rd in st.readers.iter_mut() {
                    if rd.has(flags::DATA) {
                        rd.flags |= flags::DIRTY;
                    }
                }
            }
            EvKind::Gp => {}
        }
        if first && self.window_cap > 0 {
            for rd in st.readers.iter_mut().filter(|r| r.in_window()) {
                rd.window = (rd.window + 1).min(self.window_cap);
            }
        }
        if st.view.done == t.all {
            st.view.start = st.view.vis;
            st.view.done = 0;
            st.view.path = self.path_of(&st.view.start);
        }
        Ok(cost)
    }

    /// Jump `k` whole cycles from a cycle boundary with no reader moving.
    /// Exact: a writer-only stretch is deterministic. Returns the cost.
    pub fn jump<const R: usize>(&self, st: &mut State<R>, k: u128) -> u128 {
        debug_assert_eq!(st.view.done, 0, "jumps start at a cycle boundary");
        if k == 0 {
            return 0;
        }
        let map = self.shape.map.as_ref().expect("jumps need a cycle map");
        map.jump(&mut st.view.start[..self.nwords], k);
        st.view.vis = st.view.start;
        st.view.path = self.path_of(&st.view.start);
        for rd in st.readers.iter_mut().filter(|r| r.in_window()) {
            if self.window_cap > 0 {
                let add = u64::try_from(k).unwrap_or(u64::MAX);
                rd.window = rd.window.saturating_add(add).min(self.window_cap);
            }
            if rd.has(flags::DATA) {
                rd.flags |= flags::DIRTY;
            }
        }
        let cost = if st.readers[0].in_window() { k } else { 0 };
        self.canonicalize(st);
        cost
    }

    /// The cycle map (when the writer has one).
    pub fn map(&self) -> Option<&CycleMap> {
        self.shape.map.as_ref().ok()
    }

    /// Reader 0's outcome, once it is done.
    pub fn outcome<const R: usize>(st: &State<R>) -> Option<Outcome> {
        st.readers[0].outcome
    }
}
