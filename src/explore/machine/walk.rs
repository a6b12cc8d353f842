//! Which loads a reader may satisfy now: its next one under a model that
//! keeps loads in order, and under a weak model any later one no pending
//! earlier load is ordered before, on the path the reader would then
//! commit to. The one place a reader asks its model (`reader_orders`), kept
//! apart from the step that then takes the load (`reader.rs`).

use crate::explore::state::{MAX_AHEAD, RState, flags};
use crate::memory::{Fences, LoadOrder, ReaderLoad};
use crate::protocol::program::{Body, Instr, MAX_LOCALS, MAX_WORDS, Node};

use super::reader_code::{eval_known, uses_window};
use super::{Machine, Move, NONE};

/// The data location, as a reader-load location (words are 0..MAX_WORDS).
const DATA: u8 = MAX_WORDS as u8;

impl Machine<'_> {
    #[inline]
    pub(super) fn is_first_data_load(&self, mv: Move) -> bool {
        matches!(mv, Move::Reader { node, pre: NONE, .. }
            if matches!(self.prog.reader.code[node as usize], Instr::DataLoad { second: false, .. }))
    }

    /// Reader `r`'s moves.
    #[inline]
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
}
