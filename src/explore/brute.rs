//! Brute mode: every step of every thread, cycle by cycle.
//!
//! States where more than one thread can move to a live (not yet finished)
//! state are *choice points*: they are deduplicated by exact state in a hash
//! map. Between choice points the run is forced — typically the writer
//! cycling while reader 0's only move would end its speculation — and such a
//! chain is walked step by step without storing it: every end the reader
//! could make is still evaluated at every step, so nothing is skipped. A
//! chain that comes back to a state it has been in is cut: while only the
//! writer moves, the readers' part of the state is constant and the writer's
//! step is a bijection on (words, pc), so the chain returns to the last
//! state at which the readers' part changed (the anchor) — an O(1)-memory
//! cycle check. This is what lets `plain --bits 32` be walked through all
//! 2^31 cycles.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Instant;

use super::path::{Move, PathItem};
use super::search::Search;
use crate::model::step::{self, Actor};
use crate::model::{Outcome, Protocol, State};

/// Explore every interleaving, step by step.
pub(crate) fn run<P: Protocol, const R: usize>(
    p: &P,
    writers: u8,
    max_cycles: Option<u128>,
    progress: bool,
) -> Search<R> {
    let init = step::initial::<P, R>(p);
    let mut search = Search::new(init, max_cycles);
    let mut meter = Meter::new(progress, p.counter().total_bits(), max_cycles);
    let mut popped = 0u64;
    while let Some(id) = search.pop() {
        popped += 1;
        if popped & 0xFFFF == 0 {
            meter.tick(search.nodes[id].cost);
        }
        walk(p, writers, &mut search, id, &mut meter);
    }
    meter.finish();
    search
}

/// Walk from node `id` until a choice point, a dead end, a cycle, the
/// bound, or a cost that cannot beat the best false positive.
fn walk<P: Protocol, const R: usize>(
    p: &P,
    writers: u8,
    search: &mut Search<R>,
    id: usize,
    meter: &mut Meter,
) {
    let mut st = search.nodes[id].state;
    let mut cost = search.nodes[id].cost;
    let mut chain: Vec<PathItem<R>> = Vec::new();
    let mut run = Run::<R>::default();
    let mut anchor = st;
    let mut next_blocks_at = PARALLEL_AFTER_STEPS;
    loop {
        search.states += 1;
        // Which moves lead to a live state? A reader move that ends reader
        // 0's speculation is evaluated here and goes no further.
        let moves = step::moves(p, &st, writers);
        let mut live = 0;
        let mut only = None;
        for a in moves.iter() {
            if let Actor::Reader(i) = a
                && let Some(o) = p.peek(&st, i as usize)
            {
                if o == Outcome::FalsePositive && search.worth(cost) && !search.over_bound(cost) {
                    let mut seg = chain.clone();
                    run.clone().flush(&mut seg, &st, cost);
                    search.found(id, &seg, PathItem::new(Move::Step(a), cost), cost);
                }
                continue;
            }
            live += 1;
            only = Some(a);
        }
        match (live, only) {
            (1, Some(a)) => {
                let before = st;
                let (_, dc) = step::apply(p, &mut st, a);
                cost += dc;
                if search.over_bound(cost) || !search.worth(cost) {
                    return;
                }
                if matches!(a, Actor::Writer(_)) {
                    run.extend(&before, dc);
                } else {
                    run.flush(&mut chain, &before, cost);
                    chain.push(PathItem::new(Move::Step(a), cost));
                }
                if (search.states & 0xF_FFFF) == 0 {
                    meter.tick(cost);
                }
                if st.readers != anchor.readers || st.writer.wait_mask != anchor.writer.wait_mask {
                    anchor = st;
                } else if st == anchor {
                    return; // the forced run came back: nothing new beyond
                }
                // Forced runs from different nodes often merge; once per
                // cycle, stop where a node at no greater cost covers the rest.
                if st.writer.pc == 0 {
                    if search.known(&st, cost) {
                        return;
                    }
                    search.pass(&st, cost);
                }
                if st.writer.pc == 0 && run.steps >= next_blocks_at {
                    let (steps, dc) = blocks(p, search, &mut st, &mut cost, &anchor, meter);
                    run.steps += steps;
                    run.cycles += dc;
                    // Whatever stopped the blocks is within the next block:
                    // walk that stretch here before trying blocks again.
                    next_blocks_at = run.steps + 4 * BLOCK_CYCLES as u64;
                }
            }
            (0, _) => return,
            _ => {
                run.flush(&mut chain, &st, cost);
                for a in moves.iter() {
                    let mut s2 = st;
                    let (_, dc) = step::apply(p, &mut s2, a);
                    if s2.readers[0].outcome.is_none() {
                        search.offer(
                            id,
                            &chain,
                            PathItem::new(Move::Step(a), cost + dc),
                            s2,
                            cost + dc,
                        );
                    }
                }
                return;
            }
        }
    }
}

/// A forced writer run longer than this many steps is walked in blocks on
/// two threads.
const PARALLEL_AFTER_STEPS: u64 = 1 << 22;
/// Cycles per block.
const BLOCK_CYCLES: u128 = 1 << 22;

/// Walk a long forced writer run two blocks at a time, one per core. The
/// second block starts from the first block's start jumped by
/// `BLOCK_CYCLES` in O(1); when the first block ends, its state must equal
/// that jumped state — stepping and jumping are checked against each other
/// on every block. A block stops at anything that is not a plain forced
/// writer step (a reader move becoming possible, a false positive, a
/// cycle, the bound); the sequential walker takes over from there, so the
/// blocks only speed up stretches it would walk the same way.
///
/// Returns the steps and window cycles walked, with `st`/`cost` advanced.
fn blocks<P: Protocol, const R: usize>(
    p: &P,
    search: &mut Search<R>,
    st: &mut State<R>,
    cost: &mut u128,
    anchor: &State<R>,
    meter: &mut Meter,
) -> (u64, u128) {
    let (mut steps, mut cycles) = (0u64, 0u128);
    loop {
        let max = search.max_cycles;
        let best = search.best.as_ref().map(|(b, _)| *b);
        let limit = move |c: u128| max.is_none_or(|m| c <= m) && best.is_none_or(|b| c < b);
        let a_start = *st;
        let mut b_start = a_start;
        let jumped = step::jump(p, &mut b_start, BLOCK_CYCLES);
        let (ra, rb) = std::thread::scope(|s| {
            let ha = s.spawn(|| block(p, a_start, *cost, anchor, &limit));
            let hb = s.spawn(|| block(p, b_start, *cost + jumped, anchor, &limit));
            (ha.join().expect("block a"), hb.join().expect("block b"))
        });
        let Some((a_end, a_cost, a_steps)) = ra else {
            return (steps, cycles);
        };
        if a_end != b_start || a_cost != *cost + jumped {
            search.jump_mismatch = true;
            return (steps, cycles);
        }
        steps += a_steps;
        cycles += a_cost - *cost;
        *st = a_end;
        *cost = a_cost;
        search.states += a_steps;
        let Some((b_end, b_cost, b_steps)) = rb else {
            meter.tick(*cost);
            return (steps, cycles);
        };
        steps += b_steps;
        cycles += b_cost - *cost;
        *st = b_end;
        *cost = b_cost;
        search.states += b_steps;
        meter.tick(*cost);
    }
}

/// Walk `BLOCK_CYCLES` forced writer cycles from `st`; `None` as soon as
/// anything but a forced writer step with only dead-end reader moves shows
/// up.
fn block<P: Protocol, const R: usize>(
    p: &P,
    mut st: State<R>,
    mut cost: u128,
    anchor: &State<R>,
    limit: &(impl Fn(u128) -> bool + Sync),
) -> Option<(State<R>, u128, u64)> {
    let mut done = 0u128;
    let mut steps = 0u64;
    loop {
        for i in 0..R {
            if !st.readers[i].has(crate::model::flags::DONE) {
                match p.peek(&st, i) {
                    Some(Outcome::FalsePositive) | None => return None,
                    Some(_) => {}
                }
            }
        }
        if st.writer.pc != 0 && !p.writer_ready(&st) {
            return None;
        }
        let (_, dc) = step::writer(p, &mut st, 0);
        cost += dc;
        steps += 1;
        if !limit(cost) || st.readers != anchor.readers || st == *anchor {
            return None;
        }
        if st.writer.pc == 0 {
            done += 1;
            if done == BLOCK_CYCLES {
                return Some((st, cost, steps));
            }
        }
    }
}

/// A run of forced writer steps being walked.
#[derive(Clone)]
struct Run<const R: usize> {
    before: Option<State<R>>,
    steps: u64,
    cycles: u128,
}

impl<const R: usize> Default for Run<R> {
    fn default() -> Self {
        Run {
            before: None,
            steps: 0,
            cycles: 0,
        }
    }
}

impl<const R: usize> Run<R> {
    fn extend(&mut self, st: &State<R>, dc: u128) {
        if self.before.is_none() {
            self.before = Some(*st);
        }
        self.steps += 1;
        self.cycles += dc;
    }

    /// Close the run at `st` (the state after its last step) into `chain`.
    fn flush(&mut self, chain: &mut Vec<PathItem<R>>, st: &State<R>, cost: u128) {
        if let Some(before) = self.before.take() {
            chain.push(PathItem {
                mv: Move::WriterRun {
                    steps: self.steps,
                    cycles: self.cycles,
                },
                cost_after: cost,
                run_states: Some(Box::new((before, *st))),
            });
            self.steps = 0;
            self.cycles = 0;
        }
    }
}

/// A progress bar on stderr that appears only once a walk has taken more
/// than a second.
pub(crate) struct Meter {
    enabled: bool,
    start: Instant,
    bar: Option<ProgressBar>,
    len: u64,
}

impl Meter {
    pub(crate) fn new(enabled: bool, total_bits: u32, max: Option<u128>) -> Meter {
        let period = 1u128 << total_bits.min(127);
        let len = max.unwrap_or(period).min(period).min(u128::from(u64::MAX)) as u64;
        Meter {
            enabled,
            start: Instant::now(),
            bar: None,
            len,
        }
    }

    pub(crate) fn tick(&mut self, cycles: u128) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.start.elapsed().as_secs_f64() > 1.0 {
            let bar = ProgressBar::with_draw_target(Some(self.len), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} cycles in R0's window, eta {eta}",
                )
                .expect("static template")
                .progress_chars("=> "),
            );
            self.bar = Some(bar);
        }
        if let Some(b) = &self.bar {
            b.set_position(cycles.min(u128::from(u64::MAX)) as u64);
        }
    }

    pub(crate) fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}
