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
    let mut init = State::<R>::initial();
    p.canonicalize(&mut init);
    let mut search = Search::new(init, max_cycles);
    let mut meter = Meter::new(progress, p.counter().total_bits(), max_cycles);
    while let Some(id) = search.pop() {
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
    let mut segment: Vec<PathItem<R>> = Vec::new();
    let mut run = Run::<R>::default();
    let mut anchor = st;
    loop {
        search.states += 1;
        let mut live: [(Actor, State<R>, u128); 8] = [(Actor::Reader(0), st, 0); 8];
        let mut n = 0;
        for a in step::moves(p, &st, writers).iter() {
            let mut s2 = st;
            let (_, dc) = step::apply(p, &mut s2, a);
            let c2 = cost + dc;
            match s2.readers[0].outcome {
                Some(Outcome::FalsePositive) => {
                    let mut seg = segment.clone();
                    run.clone().flush(&mut seg, &st, cost);
                    seg.push(PathItem {
                        mv: Move::Step(a),
                        before: st,
                        after: s2,
                        cost_after: c2,
                    });
                    search.found(id, &seg, c2);
                }
                Some(_) => {}
                None => {
                    if !search.over_bound(c2) && search.worth(c2) {
                        live[n] = (a, s2, c2);
                        n += 1;
                    }
                }
            }
        }
        if n == 1 {
            let (a, s2, c2) = live[0];
            if matches!(a, Actor::Writer(_)) {
                run.extend(&st, c2 - cost);
            } else {
                run.flush(&mut segment, &st, cost);
                segment.push(PathItem {
                    mv: Move::Step(a),
                    before: st,
                    after: s2,
                    cost_after: c2,
                });
            }
            st = s2;
            cost = c2;
            if (search.states & 0xF_FFFF) == 0 {
                meter.tick(cost);
            }
            if st.readers != anchor.readers || st.writer.wait_mask != anchor.writer.wait_mask {
                anchor = st;
            } else if st == anchor {
                return; // the forced run came back: nothing new beyond
            }
            continue;
        }
        run.flush(&mut segment, &st, cost);
        for &(a, s2, c2) in &live[..n] {
            let mut seg = segment.clone();
            seg.push(PathItem {
                mv: Move::Step(a),
                before: st,
                after: s2,
                cost_after: c2,
            });
            search.offer(id, seg, s2, c2);
        }
        return;
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

    /// Close the run at `st` (the state after its last step) into `segment`.
    fn flush(&mut self, segment: &mut Vec<PathItem<R>>, st: &State<R>, cost: u128) {
        if let Some(before) = self.before.take() {
            segment.push(PathItem {
                mv: Move::WriterRun {
                    steps: self.steps,
                    cycles: self.cycles,
                },
                before,
                after: *st,
                cost_after: cost,
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
