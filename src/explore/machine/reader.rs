//! A reader satisfying one load: the value it reads, the ghost state it
//! opens or closes, and its local instructions run eagerly up to the next
//! load it needs. Which load to take is decided in `walk.rs`, the model's
//! part; here the model enters only through `auto_data`: where loads stay
//! in order, the data loads of `read()` go with their neighbours.

use crate::error::{Error, Result};
use crate::explore::state::{RState, State, flags};
use crate::protocol::program::{Instr, MAX_WORDS, Node};
use crate::protocol::verdict;

use super::Machine;

impl Machine<'_> {
    /// Reader `r` satisfies the load at `node`. `false` when the run dies
    /// (the reader committed to a branch its loads then contradict).
    #[inline]
    pub(super) fn reader<const R: usize>(
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
    #[inline]
    pub(super) fn commit(&self, rs: &mut RState, after_load: bool) -> Result<bool> {
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
                        self.protocol
                            .file()
                            .raw
                            .error(e.at, format!("reader: {}", e.msg))
                    })?;
                    rs.locals[*dst as usize] = v;
                    rs.pc = *next;
                }
                Instr::Fence { next, .. } => rs.pc = *next,
                Instr::Branch { cond, then, els } => {
                    let v = cond.eval_reader(&rs.locals, rs.window).map_err(|e| {
                        self.protocol
                            .file()
                            .raw
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
}
