//! Brute mode: every move of every thread, one at a time.
//!
//! States where more than one move leads to a live state are *choice
//! points*, deduplicated by exact (canonical) state. Between them the run
//! is forced — typically the writer cycling while the reader's only move
//! would end its speculation — and such a chain is walked without storing
//! it: every move that ends the speculation is still evaluated at every
//! step, so nothing is skipped. A chain that comes back to a state it has
//! been in is cut, found in O(1) memory by Brent's algorithm (a power-of-
//! two checkpoint). This is what lets `plain` at 32 bits be walked through
//! all 2^31 cycles.

use super::machine::{Machine, Move};
use super::search::{PathItem, Search, Step};
use super::state::State;
use crate::error::Result;
use crate::protocol::Outcome;

use super::progress::Meter;

/// Explore every interleaving, move by move.
pub(crate) fn run<const R: usize>(
    m: &Machine<'_>,
    search: &mut Search<R>,
    meter: &mut Meter,
) -> Result<()> {
    let mut moves = Vec::new();
    while let Some(id) = search.pop() {
        meter.tick(search.nodes[id].cost, search.states);
        walk(m, search, id, &mut moves, meter)?;
        if search.cut.is_some() {
            break;
        }
    }
    Ok(())
}

/// Forced writer moves not yet recorded as a step.
#[derive(Clone)]
struct Run<const R: usize> {
    before: Option<State<R>>,
    moves: u64,
    cycles: u128,
}

impl<const R: usize> Run<R> {
    fn new() -> Self {
        Run {
            before: None,
            moves: 0,
            cycles: 0,
        }
    }

    fn extend(&mut self, st: &State<R>, dc: u128) {
        if self.before.is_none() {
            self.before = Some(*st);
        }
        self.moves += 1;
        self.cycles += dc;
    }

    /// Close the run at `st` into `chain`. Short runs become single moves
    /// (a trace prints them one by one); long ones keep their end states.
    fn flush(&mut self, chain: &mut Vec<PathItem<R>>, st: &State<R>, cost: u128) {
        if let Some(before) = self.before.take() {
            chain.push(PathItem {
                step: Step::Run {
                    moves: self.moves,
                    cycles: self.cycles,
                },
                cost_after: cost,
                run_states: Some(Box::new((before, *st))),
            });
            self.moves = 0;
            self.cycles = 0;
        }
    }
}

/// Walk from node `id` until a choice point, a dead end, a cycle, the
/// bound, or a cost that cannot beat the best false positive.
fn walk<const R: usize>(
    m: &Machine<'_>,
    search: &mut Search<R>,
    id: usize,
    moves: &mut Vec<Move>,
    meter: &mut Meter,
) -> Result<()> {
    let mut st = search.nodes[id].state;
    let mut cost = search.nodes[id].cost;
    let mut chain: Vec<PathItem<R>> = Vec::new();
    let mut run = Run::<R>::new();
    // Brent's cycle detection on the forced chain.
    let mut checkpoint = st;
    let mut power: u64 = 1;
    let mut lam: u64 = 0;
    let mut live_next: Vec<(Move, State<R>, u128)> = Vec::with_capacity(8);
    loop {
        search.states += 1;
        if search.states & 0xF_FFFF == 0 {
            meter.tick(cost, search.states);
            if search.over_limits() {
                return Ok(());
            }
        }
        m.moves(&st, moves)?;
        live_next.clear();
        for &mv in moves.iter() {
            let mut s2 = st;
            let (dc, alive) = m.apply(&mut s2, mv)?;
            if !alive {
                continue;
            }
            match Machine::outcome(&s2) {
                Some(Outcome::FalsePositive) => {
                    let c = cost + dc;
                    if search.worth(c) && !search.over_bound(c) {
                        let mut seg = chain.clone();
                        run.clone().flush(&mut seg, &st, cost);
                        search.found(id, &seg, PathItem::new(Step::Move(mv), c), c);
                    }
                }
                Some(_) => {}
                None => live_next.push((mv, s2, dc)),
            }
        }
        match live_next.len() {
            0 => return Ok(()),
            1 => {
                let (mv, s2, dc) = live_next[0];
                let before = st;
                st = s2;
                cost += dc;
                if search.over_bound(cost) || !search.worth(cost) {
                    return Ok(());
                }
                if matches!(mv, Move::Writer(_)) {
                    run.extend(&before, dc);
                } else {
                    run.flush(&mut chain, &before, cost - dc);
                    chain.push(PathItem::new(Step::Move(mv), cost));
                    checkpoint = st;
                    power = 1;
                    lam = 0;
                }
                if st == checkpoint {
                    return Ok(()); // the forced run came back: nothing new
                }
                lam += 1;
                if lam == power {
                    checkpoint = st;
                    power = power.saturating_mul(2);
                    lam = 0;
                }
                // Forced runs from different nodes often merge; at each
                // cycle boundary, stop where a node at no greater cost
                // covers the rest.
                if st.view.done == 0 {
                    if search.known(&st, cost) {
                        return Ok(());
                    }
                    search.pass(&st, cost);
                }
            }
            _ => {
                run.flush(&mut chain, &st, cost);
                for (mv, s2, dc) in live_next.drain(..) {
                    search.offer(id, &chain, PathItem::new(Step::Move(mv), cost + dc), s2, cost + dc);
                }
                return Ok(());
            }
        }
    }
}
