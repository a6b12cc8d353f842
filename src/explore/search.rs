//! Dijkstra scaffolding both explorers share: nodes with their origin, the
//! best cost known per state, a min-heap by cost, and the best false
//! positive so far. The cost of a run is the number of modifications inside
//! reader 0's window, so the first false positive popped is a shortest one.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use super::path::{Node, PathItem, path_to};
use crate::model::State;

/// The search's bookkeeping.
pub(crate) struct Search<const R: usize> {
    pub nodes: Vec<Node<R>>,
    dist: FxHashMap<State<R>, u128>,
    heap: BinaryHeap<Reverse<(u128, usize)>>,
    /// Cost and run of the cheapest false positive found so far.
    pub best: Option<(u128, Vec<PathItem<R>>)>,
    /// States expanded (nodes popped plus states walked in chains).
    pub states: u64,
    /// A successor was cut by the `--max-cycles` bound.
    pub pruned: bool,
    /// The bound on reader 0's window, in cycles.
    pub max_cycles: Option<u128>,
    /// Brute mode: a block walked step by step did not end where the O(1)
    /// jump said it would. Never expected; reported as an internal error.
    pub jump_mismatch: bool,
}

impl<const R: usize> Search<R> {
    /// A search starting from `init` at cost 0.
    pub fn new(init: State<R>, max_cycles: Option<u128>) -> Search<R> {
        let mut s = Search {
            nodes: Vec::new(),
            dist: FxHashMap::default(),
            heap: BinaryHeap::new(),
            best: None,
            states: 0,
            pruned: false,
            max_cycles,
            jump_mismatch: false,
        };
        s.dist.insert(init, 0);
        s.nodes.push(Node {
            state: init,
            cost: 0,
            parent: None,
            chain: Vec::new(),
            last: None,
        });
        s.heap.push(Reverse((0, 0)));
        s
    }

    /// The next node to expand, cheapest first; `None` when the heap is
    /// empty or nothing left can beat the best false positive.
    pub fn pop(&mut self) -> Option<usize> {
        while let Some(Reverse((c, id))) = self.heap.pop() {
            if self.best.as_ref().is_some_and(|(b, _)| c >= *b) {
                return None;
            }
            if self.dist.get(&self.nodes[id].state).is_some_and(|&d| d < c) {
                continue; // reached more cheaply since it was pushed
            }
            return Some(id);
        }
        None
    }

    /// Is cost `c` over the bound? Records that something was cut.
    pub fn over_bound(&mut self, c: u128) -> bool {
        if self.max_cycles.is_some_and(|m| c > m) {
            self.pruned = true;
            true
        } else {
            false
        }
    }

    /// Has `state` been reached at cost `cost` or less? (Walks use this to
    /// stop where another walk's node already covers them.)
    pub fn known(&self, state: &State<R>, cost: u128) -> bool {
        self.dist.get(state).is_some_and(|&d| d <= cost)
    }

    /// Remember that a walk passed `state` at `cost` (no node: the walk
    /// itself goes on from there). Only once the search is bushy — a long
    /// forced run from a handful of nodes gains nothing from it and would
    /// only fill memory.
    pub fn pass(&mut self, state: &State<R>, cost: u128) {
        if self.dist.len() >= 4096 {
            self.dist.insert(*state, cost);
        }
    }

    /// Could a run at cost `c` still improve on the best false positive?
    pub fn worth(&self, c: u128) -> bool {
        self.best.as_ref().is_none_or(|(b, _)| c < *b)
    }

    /// Offer a successor reached from node `parent` by the forced moves
    /// `chain` and then `last`.
    pub fn offer(
        &mut self,
        parent: usize,
        chain: &[PathItem<R>],
        last: PathItem<R>,
        state: State<R>,
        cost: u128,
    ) {
        if self.over_bound(cost) || !self.worth(cost) {
            return;
        }
        if self.dist.get(&state).is_some_and(|&d| d <= cost) {
            return;
        }
        self.dist.insert(state, cost);
        let id = self.nodes.len();
        self.nodes.push(Node {
            state,
            cost,
            parent: Some(parent as u32),
            chain: chain.to_vec(),
            last: Some(last),
        });
        self.heap.push(Reverse((cost, id)));
    }

    /// Record a false positive reached from node `parent` by the forced
    /// moves `chain` and then `last`.
    pub fn found(&mut self, parent: usize, chain: &[PathItem<R>], last: PathItem<R>, cost: u128) {
        if self.worth(cost) && !self.over_bound(cost) {
            let mut path = path_to(&self.nodes, parent);
            path.extend_from_slice(chain);
            path.push(last);
            self.best = Some((cost, path));
        }
    }
}
