//! Accelerated mode: writer-only stretches are jumped in O(1).
//!
//! A stretch in which no reader moves is deterministic: from a cycle
//! boundary, k cycles add 2k to the logical counter ([`CounterView`]).
//! So instead of stepping, the search jumps, and only to the stretch lengths
//! at which something can happen to reader 0:
//! - the counter comes back to what reader 0's snapshot encodes — exactly,
//!   or off by one high-word unit (a torn snapshot or a torn end read), at
//!   the boundary or one or two increments into a cycle;
//! - reader 0's pending low-word load meets its snapshot (a phase in
//!   progress);
//! - the next cycle whose unlock wraps the low word (carry, epoch bump,
//!   guard wait) comes up next.
//!
//! It lands up to one cycle early and then steps single cycles (a small
//! budget per jump, renewed by every reader move), so every interleaving
//! around the landing point is still explored step by step. Why this is
//! enough: in a shortest false positive each load can be moved later (a
//! begin load) or earlier (an end load) until a store to its word, another
//! load or a modification stops it; what is left are loads next to a carry
//! or at a point where the words equal the snapshot. The cross-check tests
//! hold this to brute mode at every width 2..=12.
//!
//! One dominance reduction, exact for the minimum: a reader move that sends
//! the reader back to an earlier step of its program without ending it (the
//! hi-lo-hi re-read) is not taken. After an end-phase re-read the reader is
//! where it would be had it simply waited, minus its data phase (so it can
//! only be less dirty); after a begin re-read it is where a reader that had
//! not begun would be, but already paying for its window. Either way a run
//! that waited instead is at least as short. Brute mode keeps these moves,
//! and the cross-check tests compare the two.

use super::path::{Move, PathItem};
use super::search::Search;
use crate::model::step::{self, Actor};
use crate::model::{CounterView, Outcome, Protocol, State, flags, mask128, var};

/// Single cycles the writer may step after a jump or a reader move.
const BUDGET: u8 = 1;

/// Explore with jumps.
pub(crate) fn run<P: Protocol, const R: usize>(
    p: &P,
    writers: u8,
    max_cycles: Option<u128>,
) -> Search<R> {
    let mut init = step::initial::<P, R>(p);
    init.budget = BUDGET;
    let mut search = Search::new(init, max_cycles);
    while let Some(id) = search.pop() {
        search.states += 1;
        let st = search.nodes[id].state;
        let cost = search.nodes[id].cost;
        for a in step::moves(p, &st, writers).iter() {
            let starts_cycle = matches!(a, Actor::Writer(_)) && st.writer.pc == 0;
            if starts_cycle && st.budget == 0 {
                continue;
            }
            let mut s2 = st;
            let (_, dc) = step::apply(p, &mut s2, a);
            if let Actor::Reader(i) = a {
                let (was, now) = (&st.readers[i as usize], &s2.readers[i as usize]);
                if now.pc < was.pc && !now.has(flags::DONE) {
                    continue; // a re-read: dominated by having waited (module docs)
                }
            }
            s2.budget = match a {
                Actor::Reader(_) => BUDGET,
                Actor::Writer(_) if starts_cycle => st.budget - 1,
                Actor::Writer(_) => st.budget,
            };
            if matches!(a, Actor::Reader(_)) {
                s2.after_jump = false;
            }
            settle(&mut search, id, Move::Step(a), s2, cost + dc);
        }
        if st.writer.pc == 0 && !st.after_jump {
            for k in jump_lengths(p, &st) {
                let mut s2 = st;
                let dc = step::jump(p, &mut s2, k);
                s2.budget = BUDGET;
                s2.after_jump = true;
                settle(&mut search, id, Move::Jump { cycles: k }, s2, cost + dc);
            }
        }
    }
    search
}

fn settle<const R: usize>(
    search: &mut Search<R>,
    id: usize,
    mv: Move,
    after: State<R>,
    cost: u128,
) {
    let item = PathItem::new(mv, cost);
    match after.readers[0].outcome {
        Some(Outcome::FalsePositive) => search.found(id, &[], item, cost),
        Some(_) => {}
        None => search.offer(id, &[], item, after, cost),
    }
}

/// The stretch lengths worth jumping from boundary state `st`, each in
/// `1..=limit`, ascending.
fn jump_lengths<P: Protocol, const R: usize>(p: &P, st: &State<R>) -> Vec<u128> {
    let c: CounterView = p.counter();
    let tb = c.total_bits();
    let period = 1u128 << (tb - 1); // cycles until the counter repeats
    let limit = p.jump_limit(st).unwrap_or(period).min(period);
    let lm = mask128(c.low_bits);
    let low = u128::from(st.vars[var::LOW]);
    let mut ks: Vec<u128> = Vec::new();
    let mut land = |k: u128| {
        let k = if k == 0 { period } else { k };
        for back in 0..=1u128 {
            if let Some(x) = k.checked_sub(back) {
                ks.push(x);
            }
        }
    };
    // The next cycle whose unlock wraps the low word.
    land((lm.wrapping_sub(1).wrapping_sub(low) & lm) / 2 + 1);
    let r0 = &st.readers[0];
    if r0.in_window() {
        let m = mask128(tb);
        let now = c.combine(st.vars);
        let low_tag = var::LOW as u8 + 1;
        let high_tag = var::HIGH as u8 + 1;
        if r0.has(flags::DATA) && r0.tags[0] == low_tag {
            // The whole counter back at the snapshot, possibly torn by one
            // high-word unit either way.
            let snap_high = if r0.tags[1] == high_tag {
                r0.regs[1]
            } else {
                0
            };
            let x = c.combine([r0.regs[0], snap_high]);
            let unit = 1u128 << c.low_bits;
            let offs: &[u128] = if c.high_bits > 0 {
                &[0, unit, m + 1 - unit]
            } else {
                &[0]
            };
            for &off in offs {
                for eps in 0..3u128 {
                    let d = x.wrapping_add(off).wrapping_sub(eps).wrapping_sub(now) & m;
                    if d.is_multiple_of(2) {
                        land(d / 2);
                    }
                }
            }
        }
        for k in 0..4 {
            let v = u128::from(r0.regs[k]);
            if r0.tags[k] == low_tag {
                // The low word back at a loaded value.
                for eps in 0..3u128 {
                    let d = v.wrapping_sub(eps).wrapping_sub(low) & lm;
                    if d.is_multiple_of(2) {
                        land(d / 2);
                    }
                }
            } else if r0.tags[k] == high_tag && c.high_bits > 0 {
                // The high word back at a loaded value: the carry into it.
                let d = (v << c.low_bits).wrapping_sub(now) & m;
                land(d.div_ceil(2));
            }
        }
    }
    ks.retain(|&k| k >= 1 && k <= limit);
    ks.sort_unstable();
    ks.dedup();
    ks
}
