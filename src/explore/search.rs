//! Dijkstra scaffolding both modes share: nodes with their origin, the best
//! cost known per state, a min-heap by cost, the best false positive so
//! far, and the bounds that may cut the search short. The cost of a run is
//! the number of modifications inside reader 0's window, so the first
//! false positive popped is a shortest one, and when a bound stops the
//! search at cost `c`, every run cheaper than `c` has been explored.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

use super::machine::{Machine, Move};
use super::pack::{self, Layout};
use super::state::State;

/// How a run got from one state to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// One move.
    Move(Move),
    /// Whole writer cycles jumped in O(1) (accelerated mode).
    Jump(u128),
    /// Forced writer moves walked one by one (brute mode): `moves` of them,
    /// `cycles` modifications in reader 0's window.
    Run {
        /// Writer moves.
        moves: u64,
        /// Modifications among them inside the window.
        cycles: u128,
    },
}

/// A step and the window cost after it. A long run also keeps the states
/// around it, so a trace can show it without replaying it.
#[derive(Clone, Debug)]
pub struct PathItem<const R: usize> {
    /// The step.
    pub step: Step,
    /// Cost after it.
    pub cost_after: u128,
    /// Canonical states before and after a run.
    pub run_states: Option<Box<(State<R>, State<R>)>>,
}

impl<const R: usize> PathItem<R> {
    /// A move or a jump.
    pub fn new(step: Step, cost_after: u128) -> PathItem<R> {
        PathItem {
            step,
            cost_after,
            run_states: None,
        }
    }
}

/// A search node and its origin. Its state is kept once, in the visited
/// table, at index `key`.
#[derive(Clone, Debug)]
pub(crate) struct SearchNode<const R: usize> {
    pub key: u32,
    pub cost: u128,
    pub parent: Option<u32>,
    pub chain: Vec<PathItem<R>>,
    pub last: Option<PathItem<R>>,
}

/// The steps from the initial state to node `id`, oldest first.
pub(crate) fn path_to<const R: usize>(nodes: &[SearchNode<R>], mut id: usize) -> Vec<PathItem<R>> {
    let mut rev: Vec<PathItem<R>> = Vec::new();
    loop {
        let n = &nodes[id];
        rev.extend(n.last.iter().cloned());
        rev.extend(n.chain.iter().rev().cloned());
        match n.parent {
            Some(p) => id = p as usize,
            None => break,
        }
    }
    rev.reverse();
    rev
}

/// The bounds a search runs within (documented on `ExploreConfig`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Bounds {
    /// Most states expanded.
    pub max_states: Option<u64>,
    /// Most seconds.
    pub max_seconds: Option<f64>,
    /// Most bytes of search memory (nodes and the visited map, estimated).
    pub max_memory: Option<u64>,
}

/// Why a search stopped early.
#[derive(Clone, Debug, PartialEq)]
pub enum Cut {
    /// `--max-states`.
    States(u64),
    /// `--max-seconds`.
    Seconds(f64),
    /// The memory ceiling.
    Memory(u64),
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cut::States(n) => write!(f, "--max-states {n} reached"),
            Cut::Seconds(s) => write!(
                f,
                "--max-seconds {} reached",
                crate::text::units::compact_duration(*s)
            ),
            Cut::Memory(b) => {
                let mib = *b as f64 / f64::from(1u32 << 20);
                if mib >= 1024.0 {
                    write!(
                        f,
                        "the memory ceiling of {} GiB reached (--max-memory)",
                        crate::text::units::sig3(mib / 1024.0)
                    )
                } else {
                    write!(
                        f,
                        "the memory ceiling of {} MiB reached (--max-memory)",
                        crate::text::units::sig3(mib)
                    )
                }
            }
        }
    }
}

/// Every state reached, each stored once (packed, [`Layout`]) with the
/// least cost known for it: an arena indexed by `u32`, and an
/// open-addressing table (linear probing, at most half full) of arena
/// indices. Hand-written because the map must be keyed by arena index while
/// hashing and comparing the packed state the index points to (hashbrown's
/// `HashTable` does this; it is not a direct dependency). Each slot packs a
/// 32-bit tag of the state's hash with the index plus one (0: empty), so a
/// probe touches a state only when the tags agree, and growing never
/// rehashes a state.
struct Visited {
    stride: usize,
    words: Vec<u64>,
    cost: Vec<u128>,
    slots: Vec<u64>,
}

impl Visited {
    fn new(stride: usize) -> Self {
        Visited {
            stride,
            words: Vec::new(),
            cost: Vec::new(),
            slots: vec![0; 1 << 10],
        }
    }

    fn len(&self) -> usize {
        self.cost.len()
    }

    /// The packed state at arena index `k`.
    #[inline]
    fn at(&self, k: usize) -> &[u64] {
        &self.words[k * self.stride..(k + 1) * self.stride]
    }

    #[inline]
    fn tag(key: &[u64]) -> u32 {
        (pack::hash(key) >> 32) as u32
    }

    /// The home slot of a tag in a table of `mask + 1` slots.
    #[inline]
    fn home(tag: u32, mask: usize) -> usize {
        (u64::from(tag).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
    }

    /// The arena index of `key`, or the empty slot where it would go.
    #[inline]
    fn find(&self, key: &[u64], tag: u32) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut i = Self::home(tag, mask);
        loop {
            let s = self.slots[i];
            if s == 0 {
                return Err(i);
            }
            if (s >> 32) as u32 == tag {
                let k = (s as u32 - 1) as usize;
                if self.at(k) == key {
                    return Ok(k);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The least cost known for `key`.
    #[inline]
    fn get(&self, key: &[u64]) -> Option<u128> {
        self.find(key, Self::tag(key)).ok().map(|k| self.cost[k])
    }

    /// Record `key` at `cost` unless it is known at `cost` or less;
    /// returns its arena index if it was recorded.
    #[inline]
    fn improve(&mut self, key: &[u64], cost: u128) -> Option<u32> {
        let tag = Self::tag(key);
        match self.find(key, tag) {
            Ok(k) => {
                if self.cost[k] <= cost {
                    return None;
                }
                self.cost[k] = cost;
                Some(k as u32)
            }
            Err(slot) => {
                let k = self.cost.len();
                assert!(k < u32::MAX as usize - 1, "more than 2^32 states");
                self.words.extend_from_slice(key);
                self.cost.push(cost);
                self.slots[slot] = (u64::from(tag) << 32) | (k as u64 + 1);
                if 2 * self.cost.len() > self.slots.len() {
                    self.grow();
                }
                Some(k as u32)
            }
        }
    }

    fn grow(&mut self) {
        let twice = vec![0; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, twice);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|&s| s != 0) {
            let mut i = Self::home((s >> 32) as u32, mask);
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }

    /// Estimated bytes held.
    fn memory(&self) -> u64 {
        (self.words.capacity() * 8
            + self.cost.capacity() * std::mem::size_of::<u128>()
            + self.slots.capacity() * 8) as u64
    }
}

/// The nodes waiting, cheapest first and, at equal cost, in the order they
/// were created (the order a min-heap on `(cost, id)` pops them). Costs
/// popped never decrease and most moves cost nothing, so the nodes created
/// at the cost being expanded wait in a FIFO beside the heap: their ids
/// exceed those of every node the heap holds at that cost, so they pop
/// after those and in the order they came.
struct Queue {
    heap: BinaryHeap<Reverse<(u128, usize)>>,
    level: VecDeque<usize>,
    /// The cost being expanded.
    cost: u128,
}

impl Queue {
    fn new() -> Queue {
        Queue {
            heap: BinaryHeap::new(),
            level: VecDeque::new(),
            cost: 0,
        }
    }

    /// Queue node `id` at cost `c`, no cheaper than the cost being expanded.
    #[inline]
    fn push(&mut self, c: u128, id: usize) {
        debug_assert!(c >= self.cost, "costs popped never decrease");
        if c == self.cost {
            self.level.push_back(id);
        } else {
            self.heap.push(Reverse((c, id)));
        }
    }

    /// Put back the node just popped: it is the least, so the heap gives it
    /// back first.
    fn unpop(&mut self, c: u128, id: usize) {
        self.heap.push(Reverse((c, id)));
    }

    #[inline]
    fn pop(&mut self) -> Option<(u128, usize)> {
        if let Some(&Reverse((c, id))) = self.heap.peek()
            && c == self.cost
        {
            self.heap.pop();
            return Some((c, id));
        }
        if let Some(id) = self.level.pop_front() {
            return Some((self.cost, id));
        }
        let Reverse((c, id)) = self.heap.pop()?;
        self.cost = c;
        Some((c, id))
    }

    fn memory(&self) -> u64 {
        (self.heap.capacity() * 32 + self.level.capacity() * 8) as u64
    }
}

/// The search's bookkeeping.
pub(crate) struct Search<const R: usize> {
    pub nodes: Vec<SearchNode<R>>,
    dist: Visited,
    layout: Layout,
    /// A state being looked up, packed.
    key: Vec<u64>,
    queue: Queue,
    /// Cost and run of the cheapest false positive found so far.
    pub best: Option<(u128, Vec<PathItem<R>>)>,
    /// States expanded (nodes popped plus states walked in chains).
    pub states: u64,
    /// A successor was cut by `--max-cycles`.
    pub pruned: bool,
    /// `--max-cycles`.
    pub max_cycles: Option<u128>,
    /// Why the search stopped early, and the cost it had reached.
    pub cut: Option<(Cut, u128)>,
    /// Brute mode: a walked block did not end where the O(1) jump said.
    pub jump_mismatch: bool,
    bounds: Bounds,
    start: Instant,
    popped: u64,
    last_cost: u128,
}

impl<const R: usize> Search<R> {
    /// A search from `init` at cost 0.
    pub fn new(
        m: &Machine<'_>,
        init: State<R>,
        max_cycles: Option<u128>,
        bounds: Bounds,
    ) -> Search<R> {
        let layout = Layout::of::<R>(m);
        let mut s = Search {
            nodes: Vec::new(),
            dist: Visited::new(layout.stride),
            key: vec![0; layout.stride],
            layout,
            queue: Queue::new(),
            best: None,
            states: 0,
            pruned: false,
            max_cycles,
            cut: None,
            jump_mismatch: false,
            bounds,
            start: Instant::now(),
            popped: 0,
            last_cost: 0,
        };
        s.layout.pack(&init, &mut s.key);
        let key = s.dist.improve(&s.key, 0).expect("a new table");
        s.nodes.push(SearchNode {
            key,
            cost: 0,
            parent: None,
            chain: Vec::new(),
            last: None,
        });
        s.queue.push(0, 0);
        s
    }

    /// Estimated bytes held by the search.
    pub fn memory(&self) -> u64 {
        let node = std::mem::size_of::<SearchNode<R>>() as u64;
        self.nodes.capacity() as u64 * node + self.dist.memory() + self.queue.memory()
    }

    /// The state of node `id`.
    #[inline]
    pub fn state(&self, id: usize) -> State<R> {
        self.layout
            .unpack(self.dist.at(self.nodes[id].key as usize))
    }

    /// Check the bounds; records the first one exceeded.
    /// States `--max-states` still allows (`None`: no state bound).
    pub fn states_left(&self) -> Option<u64> {
        self.bounds
            .max_states
            .map(|m| m.saturating_sub(self.states))
    }

    pub fn over_limits(&mut self) -> bool {
        if self.cut.is_some() {
            return true;
        }
        let b = self.bounds;
        let cut = if b.max_states.is_some_and(|m| self.states > m) {
            Some(Cut::States(b.max_states.unwrap_or(0)))
        } else if b
            .max_seconds
            .is_some_and(|s| self.start.elapsed().as_secs_f64() > s)
        {
            Some(Cut::Seconds(b.max_seconds.unwrap_or(0.0)))
        } else if b.max_memory.is_some_and(|m| self.memory() > m) {
            Some(Cut::Memory(b.max_memory.unwrap_or(0)))
        } else {
            None
        };
        if let Some(c) = cut {
            self.cut = Some((c, self.last_cost));
            return true;
        }
        false
    }

    /// The next node to expand, cheapest first; `None` when the heap is
    /// empty, nothing left can beat the best false positive, or a bound
    /// was reached.
    pub fn pop(&mut self) -> Option<usize> {
        while let Some((c, id)) = self.queue.pop() {
            if self.best.as_ref().is_some_and(|(b, _)| c >= *b) {
                return None;
            }
            if self.dist.cost[self.nodes[id].key as usize] < c {
                continue;
            }
            self.popped += 1;
            self.last_cost = c;
            // The state bound is one comparison, so it is checked on every
            // pop; time and memory cost a syscall or a sum and are checked
            // every 1024.
            if (self.popped & 0x3FF == 0 || self.states_left() == Some(0)) && self.over_limits() {
                self.queue.unpop(c, id);
                return None;
            }
            return Some(id);
        }
        None
    }

    /// Is cost `c` over `--max-cycles`? Records that something was cut.
    pub fn over_bound(&mut self, c: u128) -> bool {
        if self.max_cycles.is_some_and(|m| c > m) {
            self.pruned = true;
            true
        } else {
            false
        }
    }

    /// Has `state` been reached at cost `cost` or less?
    pub fn known(&mut self, state: &State<R>, cost: u128) -> bool {
        self.layout.pack(state, &mut self.key);
        self.dist.get(&self.key).is_some_and(|d| d <= cost)
    }

    /// Is the search bushy enough that walks record where they pass?
    #[inline]
    pub fn bushy(&self) -> bool {
        self.dist.len() >= 4096
    }

    /// Remember that a walk passed `state` at `cost`, once the search is
    /// bushy (a long forced run from a few nodes gains nothing from it).
    pub fn pass(&mut self, state: &State<R>, cost: u128) {
        if self.dist.len() >= 4096 {
            self.layout.pack(state, &mut self.key);
            self.dist.improve(&self.key, cost);
        }
    }

    /// Could a run at cost `c` still improve on the best false positive?
    pub fn worth(&self, c: u128) -> bool {
        self.best.as_ref().is_none_or(|(b, _)| c < *b)
    }

    /// Offer a successor reached from node `parent` by the forced steps
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
        self.layout.pack(&state, &mut self.key);
        let Some(key) = self.dist.improve(&self.key, cost) else {
            return;
        };
        let id = self.nodes.len();
        self.nodes.push(SearchNode {
            key,
            cost,
            parent: Some(parent as u32),
            chain: chain.to_vec(),
            last: Some(last),
        });
        self.queue.push(cost, id);
    }

    /// Record a false positive reached from node `parent` by the forced
    /// steps `chain` and then `last`.
    pub fn found(&mut self, parent: usize, chain: &[PathItem<R>], last: PathItem<R>, cost: u128) {
        if self.worth(cost) && !self.over_bound(cost) {
            let mut path = path_to(&self.nodes, parent);
            path.extend_from_slice(chain);
            path.push(last);
            self.best = Some((cost, path));
        }
    }
}
