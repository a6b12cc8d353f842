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

use crate::error::{Error, Result};
use crate::memory::{Fences, LoadOrder, Model, ReaderLoad};
use crate::protocol::program::{
    Body, CExpr, CKind, Instr, MAX_LOCALS, MAX_WORDS, Node, Program, WordId,
};
use crate::protocol::shape::{CycleMap, Shape};
use crate::protocol::{Outcome, Scheme, verdict};

use super::cycle::{Cycles, EvKind, NO_PATH};
use super::state::{MAX_AHEAD, RState, State, View, flags};

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

/// The data location, as a reader-load location (words are 0..MAX_WORDS).
const DATA: u8 = MAX_WORDS as u8;

/// The shared semantics of one scheme under one model.
pub struct Machine<'a> {
    /// The scheme.
    pub scheme: &'a Scheme,
    prog: &'a Program,
    /// Its shape.
    pub shape: &'a Shape,
    /// The memory model.
    pub model: Model,
    /// Cycle templates.
    pub cycles: Cycles,
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

/// Locals each reader instruction may still read (backward liveness).
fn liveness(b: &Body) -> Vec<u16> {
    let n = b.code.len();
    let uses = |e: &CExpr| {
        let mut m = 0u16;
        e.visit(&mut |k| {
            if let CKind::Local(l) = k {
                m |= 1 << l;
            }
        });
        m
    };
    let mut live = vec![0u16; n];
    let mut changed = true;
    while changed {
        changed = false;
        for x in (0..n).rev() {
            let out: u16 = b.code[x]
                .successors()
                .map(|s| live[s as usize])
                .fold(0, |a, v| a | v);
            let v = match &b.code[x] {
                Instr::Load { dst, .. } => out & !(1 << dst),
                Instr::Assign { dst, value, .. } => (out & !(1 << dst)) | uses(value),
                Instr::Branch { cond, .. } => out | uses(cond),
                _ => out,
            };
            if v != live[x] {
                live[x] = v;
                changed = true;
            }
        }
    }
    live
}

/// Does `e` read `window_cycles()`?
fn uses_window(e: &CExpr) -> bool {
    let mut found = false;
    e.visit(&mut |k| found |= matches!(k, CKind::WindowCycles));
    found
}

/// Evaluate `e` with the locals known so far; `None` if it needs one that
/// is not (or `window_cycles()`).
fn eval_known(e: &CExpr, known: &[Option<i128>; MAX_LOCALS]) -> Option<i128> {
    use crate::protocol::parse::BinOp;
    match &e.kind {
        CKind::Const(v) => Some(*v),
        CKind::Local(l) => known[*l as usize],
        CKind::WindowCycles | CKind::Word(_) => None,
        CKind::Un(op, a) => crate::protocol::program::unary(*op, eval_known(a, known)?, e.at).ok(),
        CKind::Bin(op, a, b) => {
            let x = eval_known(a, known);
            if *op == BinOp::And && x == Some(0) {
                return Some(0);
            }
            if *op == BinOp::Or && x.is_some_and(|v| v != 0) {
                return Some(1);
            }
            let y = eval_known(b, known);
            if *op == BinOp::And && y == Some(0) {
                return Some(0);
            }
            if *op == BinOp::Or && y.is_some_and(|v| v != 0) {
                return Some(1);
            }
            crate::protocol::program::binary(*op, x?, y?, e.at).ok()
        }
        CKind::Cond(c, a, b) => {
            if eval_known(c, known)? != 0 {
                eval_known(a, known)
            } else {
                eval_known(b, known)
            }
        }
    }
}

impl<'a> Machine<'a> {
    /// The machine for `scheme` under `model`; `symmetric` turns the
    /// translation symmetry on (the search) or off (a trace's replay, which
    /// must show the values the threads really see).
    pub fn new(scheme: &'a Scheme, model: Model, symmetric: bool) -> Result<Machine<'a>> {
        let prog = scheme.program();
        let shape = scheme.shape();
        let cycles = Cycles::new(prog, shape, model)?;
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
            scheme,
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

    fn is_first_data_load(&self, mv: Move) -> bool {
        matches!(mv, Move::Reader { node, pre: NONE, .. }
            if matches!(self.prog.reader.code[node as usize], Instr::DataLoad { second: false, .. }))
    }

    /// Reader `r`'s moves.
    pub fn reader_moves(&self, rs: &RState, r: u8, out: &mut Vec<Move>) {
        if rs.has(flags::DONE) {
            return;
        }
        if !self.model.reorders_loads() {
            out.push(Move::Reader {
                r,
                node: rs.pc,
                guess: rs.guess,
                n_guess: rs.n_guess,
                pre: NONE,
            });
            return;
        }
        self.walk(rs, r, out);
    }

    /// Weak models: the loads the reader may satisfy now, walking its
    /// program from `pc` along every path it may still take (guessing
    /// branches whose inputs it has not loaded yet), never across a loop's
    /// back edge (see the crate docs on re-reads).
    fn walk(&self, rs: &RState, r: u8, out: &mut Vec<Move>) {
        // The data loads of `read()` are marked loads.
        use LoadOrder::Once;
        let code = &self.prog.reader.code;
        #[derive(Clone)]
        struct W {
            node: Node,
            gi: u8,
            guess: u32,
            n_guess: u8,
            known: [Option<i128>; MAX_LOCALS],
            pending: Vec<(ReaderLoad, Fences, bool)>,
            ai: usize,
            /// The second data load, unsatisfied and free to go: it is not
            /// offered alone but with the load that needs it.
            r2: Option<Node>,
        }
        let mut known = [None; MAX_LOCALS];
        let live = self.live[rs.pc as usize];
        for (l, k) in known.iter_mut().enumerate() {
            if live & (1 << l) != 0 {
                *k = Some(rs.locals[l]);
            }
        }
        let mut stack = vec![W {
            node: rs.pc,
            gi: 0,
            guess: rs.guess,
            n_guess: rs.n_guess,
            known,
            pending: Vec::new(),
            ai: 0,
            r2: None,
        }];
        while let Some(mut w) = stack.pop() {
            for _ in 0..code.len() + 1 {
                let node = w.node;
                let next = match &code[node as usize] {
                    Instr::Load { .. } | Instr::DataLoad { .. } => {
                        let (loc, order, dst, next, second) = match code[node as usize] {
                            Instr::Load {
                                word,
                                order,
                                dst,
                                next,
                                ..
                            } => (word, order, Some(dst), next, false),
                            Instr::DataLoad { next, second } => (DATA, Once, None, next, second),
                            _ => unreachable!(),
                        };
                        if w.ai < rs.n_ahead as usize && rs.ahead[w.ai].0 == node {
                            if let Some(d) = dst {
                                w.known[d as usize] = Some(i128::from(rs.ahead[w.ai].1));
                            }
                            w.ai += 1;
                            next
                        } else {
                            let me = ReaderLoad {
                                location: loc,
                                order,
                            };
                            let by_others = w
                                .pending
                                .iter()
                                .any(|(e, f, is2)| !is2 && self.model.reader_orders(*e, *f, me));
                            let by_r2 = w
                                .pending
                                .iter()
                                .any(|(e, f, is2)| *is2 && self.model.reader_orders(*e, *f, me));
                            let room = node == rs.pc || (rs.n_ahead as usize) + 1 < MAX_AHEAD;
                            if second {
                                if !by_others && !by_r2 {
                                    w.r2 = Some(node);
                                }
                            } else if !by_others && room {
                                let pre = match (by_r2, w.r2) {
                                    (false, _) => Some(NONE),
                                    (true, Some(n2)) => Some(n2),
                                    (true, None) => None,
                                };
                                if let Some(pre) = pre {
                                    out.push(Move::Reader {
                                        r,
                                        node,
                                        guess: w.guess,
                                        n_guess: w.n_guess,
                                        pre,
                                    });
                                }
                            }
                            w.pending.push((me, Fences::default(), second));
                            if let Some(d) = dst {
                                w.known[d as usize] = None;
                            }
                            next
                        }
                    }
                    Instr::Fence { kind, next } => {
                        for p in w.pending.iter_mut() {
                            p.1 = p.1.with(*kind);
                        }
                        *next
                    }
                    Instr::Return(_) => {
                        // The second data load goes last, right before the
                        // return, if it is the last load still to take.
                        if let Some(n2) = w.r2
                            && w.pending.last().is_some_and(|(_, _, is2)| *is2)
                        {
                            out.push(Move::Reader {
                                r,
                                node: n2,
                                guess: w.guess,
                                n_guess: w.n_guess,
                                pre: NONE,
                            });
                        }
                        break;
                    }
                    Instr::Assign { dst, value, next } => {
                        if uses_window(value) && !w.pending.is_empty() {
                            break;
                        }
                        w.known[*dst as usize] = eval_known(value, &w.known);
                        *next
                    }
                    Instr::Branch { cond, then, els } => {
                        if uses_window(cond) && !w.pending.is_empty() {
                            break;
                        }
                        let take = if w.gi < w.n_guess {
                            let b = (w.guess >> w.gi) & 1 == 1;
                            w.gi += 1;
                            b
                        } else {
                            if w.n_guess >= 31 {
                                break;
                            }
                            let b = match eval_known(cond, &w.known) {
                                Some(v) => v != 0,
                                None => {
                                    let mut other = w.clone();
                                    other.n_guess += 1;
                                    other.gi += 1;
                                    other.node = *els;
                                    if !Body::is_back_edge(node, *els) {
                                        stack.push(other);
                                    }
                                    true
                                }
                            };
                            if b {
                                w.guess |= 1 << w.n_guess;
                            }
                            w.n_guess += 1;
                            w.gi += 1;
                            b
                        };
                        let target = if take { *then } else { *els };
                        if Body::is_back_edge(node, target) {
                            break;
                        }
                        target
                    }
                    Instr::End
                    | Instr::Store { .. }
                    | Instr::Modify { .. }
                    | Instr::SyncRcu { .. } => break,
                };
                w.node = next;
            }
        }
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

    /// Reader `r` satisfies the load at `node`. `false` when the run dies
    /// (the reader committed to a branch its loads then contradict).
    fn reader<const R: usize>(
        &self,
        st: &mut State<R>,
        r: usize,
        node: Node,
        guess: u32,
        n_guess: u8,
        log: &mut Option<Vec<(Node, u64, Node)>>,
    ) -> Result<bool> {
        let vis = st.view.vis;
        let rs = &mut st.readers[r];
        let pc_then = rs.pc;
        let value = self.satisfy(rs, node, &vis);
        if let Some(l) = log {
            l.push((node, value, pc_then));
        }
        // The path the reader commits to: the walk extended its decisions.
        rs.guess = guess;
        rs.n_guess = n_guess;
        if node == rs.pc {
            self.take_at_pc(rs, value);
        } else {
            let n = rs.n_ahead as usize;
            let pos = rs.ahead[..n].partition_point(|(x, _)| *x < node);
            rs.ahead.copy_within(pos..n, pos + 1);
            rs.ahead[pos] = (node, value);
            rs.n_ahead += 1;
        }
        if !self.commit_logged(rs, true, log)? {
            return Ok(false);
        }
        // SC/TSO: the second data load goes with the load after it.
        let code = &self.prog.reader.code;
        if self.auto_data
            && !rs.has(flags::DONE)
            && matches!(code[node as usize], Instr::DataLoad { second: true, .. })
            && matches!(code[rs.pc as usize], Instr::Load { .. })
        {
            let pc = rs.pc;
            let v = self.satisfy(rs, pc, &vis);
            if let Some(l) = log {
                l.push((pc, v, pc));
            }
            self.take_at_pc(rs, v);
            if !self.commit_logged(rs, true, log)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The ghost side of satisfying a load: the window opens, the data
    /// phase opens or closes. Returns the value read.
    fn satisfy(&self, rs: &mut RState, node: Node, vis: &[u64; MAX_WORDS]) -> u64 {
        rs.flags |= flags::STARTED;
        match self.prog.reader.code[node as usize] {
            Instr::Load { word, .. } => vis[word as usize],
            Instr::DataLoad { second, .. } => {
                if second {
                    rs.flags &= !flags::DATA;
                } else {
                    rs.flags |= flags::DATA;
                }
                0
            }
            _ => 0,
        }
    }

    /// The load at `pc` took `value`: set its local and step past it.
    fn take_at_pc(&self, rs: &mut RState, value: u64) {
        match self.prog.reader.code[rs.pc as usize] {
            Instr::Load { dst, next, .. } => {
                rs.locals[dst as usize] = i128::from(value);
                rs.pc = next;
            }
            Instr::DataLoad { next, .. } => rs.pc = next,
            _ => {}
        }
    }

    /// Run the reader's local instructions from `pc` until it needs a load
    /// not yet satisfied, or returns. `after_load`: this follows a load the
    /// reader just satisfied (so SC/TSO may take the first data load with
    /// it). `false` if a branch contradicts a guess.
    fn commit(&self, rs: &mut RState, after_load: bool) -> Result<bool> {
        self.commit_logged(rs, after_load, &mut None)
    }

    fn commit_logged(
        &self,
        rs: &mut RState,
        after_load: bool,
        log: &mut Option<Vec<(Node, u64, Node)>>,
    ) -> Result<bool> {
        let code = &self.prog.reader.code;
        for _ in 0..code.len() * 2 + 2 {
            match &code[rs.pc as usize] {
                Instr::Load { dst, next, .. } => {
                    if rs.n_ahead > 0 && rs.ahead[0].0 == rs.pc {
                        rs.locals[*dst as usize] = i128::from(rs.ahead[0].1);
                        self.pop_ahead(rs);
                        rs.pc = *next;
                    } else {
                        return Ok(true);
                    }
                }
                Instr::DataLoad { second, next } => {
                    if rs.n_ahead > 0 && rs.ahead[0].0 == rs.pc {
                        self.pop_ahead(rs);
                        rs.pc = *next;
                    } else if self.auto_data && !*second && after_load {
                        rs.flags |= flags::DATA;
                        if let Some(l) = log {
                            l.push((rs.pc, 0, rs.pc));
                        }
                        rs.pc = *next;
                    } else {
                        return Ok(true);
                    }
                }
                Instr::Assign { dst, value, next } => {
                    let v = value.eval_reader(&rs.locals, rs.window).map_err(|e| {
                        self.scheme
                            .description()
                            .file
                            .error(e.at, format!("reader: {}", e.msg))
                    })?;
                    rs.locals[*dst as usize] = v;
                    rs.pc = *next;
                }
                Instr::Fence { next, .. } => rs.pc = *next,
                Instr::Branch { cond, then, els } => {
                    let v = cond.eval_reader(&rs.locals, rs.window).map_err(|e| {
                        self.scheme
                            .description()
                            .file
                            .error(e.at, format!("reader: {}", e.msg))
                    })? != 0;
                    if rs.n_guess > 0 {
                        if (rs.guess & 1 == 1) != v {
                            return Ok(false);
                        }
                        rs.guess >>= 1;
                        rs.n_guess -= 1;
                    }
                    rs.pc = if v { *then } else { *els };
                }
                Instr::Return(k) => {
                    rs.flags = (rs.flags | flags::DONE) & !flags::DATA;
                    rs.outcome = Some(verdict(*k, rs.has(flags::DIRTY)));
                    return Ok(true);
                }
                other => {
                    return Err(Error::Run(format!(
                        "internal: reader instruction {other:?}"
                    )));
                }
            }
        }
        Err(Error::Run(
            "internal: the reader's local steps did not end".into(),
        ))
    }

    fn pop_ahead(&self, rs: &mut RState) {
        let n = rs.n_ahead as usize;
        rs.ahead.copy_within(1..n, 0);
        rs.ahead[n - 1] = (0, 0);
        rs.n_ahead -= 1;
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

    /// Bring `st` to the representative of its class: dead locals zeroed,
    /// finished readers other than reader 0 forgotten (nothing reads them),
    /// and each symmetric word translated to a canonical position.
    pub fn canonicalize<const R: usize>(&self, st: &mut State<R>) {
        for (i, rs) in st.readers.iter_mut().enumerate() {
            if rs.has(flags::DONE) {
                if i != 0 {
                    *rs = RState {
                        flags: flags::DONE | flags::STARTED,
                        ..RState::new()
                    };
                } else {
                    rs.locals = [0; MAX_LOCALS];
                }
                continue;
            }
            let live = self.live[rs.pc as usize];
            for (l, v) in rs.locals.iter_mut().enumerate() {
                if live & (1 << l) == 0 {
                    *v = 0;
                }
            }
            if i != 0 {
                rs.flags &= !(flags::DATA | flags::DIRTY);
            }
        }
        for &(w, stride) in &self.symmetry {
            let wi = w as usize;
            let m = crate::width::mask(self.bits[wi]);
            let u = &self.shape.reader;
            let r0 = &st.readers[0];
            let from_local = (!r0.has(flags::DONE))
                .then(|| {
                    let live = self.live[r0.pc as usize];
                    (0..MAX_LOCALS)
                        .find(|&l| live & (1 << l) != 0 && u.local_word.get(l) == Some(&Some(w)))
                        .map(|l| r0.locals[l] as u64)
                })
                .flatten();
            let from_ahead = || {
                r0.ahead[..r0.n_ahead as usize]
                    .iter()
                    .find(|(n, _)| matches!(self.prog.reader.code[*n as usize], Instr::Load { word, .. } if word == w))
                    .map(|(_, v)| *v)
            };
            // A translation by a multiple of the stride only: the reader
            // tests the bits below it (`s & 1`), so they must survive. An
            // anchor taken whole from an odd local once turned an odd count
            // even and made an ABORT path look like an ACCEPT.
            let anchor = from_local.or_else(from_ahead).unwrap_or(st.view.start[wi]);
            let anchor = anchor - anchor % stride;
            if anchor == 0 {
                continue;
            }
            st.view.start[wi] = st.view.start[wi].wrapping_sub(anchor) & m;
            st.view.vis[wi] = st.view.vis[wi].wrapping_sub(anchor) & m;
            for rs in st.readers.iter_mut() {
                if rs.has(flags::DONE) {
                    continue;
                }
                for (l, v) in rs.locals.iter_mut().enumerate() {
                    if u.local_word.get(l) == Some(&Some(w)) {
                        *v = i128::from((*v as u64).wrapping_sub(anchor) & m);
                    }
                }
                for k in 0..rs.n_ahead as usize {
                    if let Instr::Load { word, .. } = self.prog.reader.code[rs.ahead[k].0 as usize]
                        && word == w
                    {
                        rs.ahead[k].1 = rs.ahead[k].1.wrapping_sub(anchor) & m;
                    }
                }
            }
            st.view.path = self.path_of(&st.view.start);
        }
    }

    /// Reader 0's outcome, once it is done.
    pub fn outcome<const R: usize>(st: &State<R>) -> Option<Outcome> {
        st.readers[0].outcome
    }
}
