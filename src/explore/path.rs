//! Runs as the explorers record them: enough to replay and print a trace.

use crate::model::State;
use crate::model::step::Actor;

/// One recorded move of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Move {
    /// One step of one thread.
    Step(Actor),
    /// `steps` consecutive steps of the lock holder with no reader moving,
    /// walked one by one (brute mode); `cycles` of them were modifications.
    WriterRun {
        /// Steps walked.
        steps: u64,
        /// Modifications among them.
        cycles: u128,
    },
    /// `cycles` complete writer cycles jumped in O(1) (accelerated mode).
    Jump {
        /// Cycles jumped.
        cycles: u128,
    },
}

/// A move and the window cost after it. Writer runs also keep the
/// canonical states around them, which a trace needs to print a run it
/// does not replay step by step.
#[derive(Clone, Debug)]
pub(crate) struct PathItem<const R: usize> {
    pub mv: Move,
    pub cost_after: u128,
    pub run_states: Option<Box<(State<R>, State<R>)>>,
}

impl<const R: usize> PathItem<R> {
    /// A single move or a jump.
    pub fn new(mv: Move, cost_after: u128) -> PathItem<R> {
        PathItem {
            mv,
            cost_after,
            run_states: None,
        }
    }
}

/// A search node and its origin: the node it came from, the forced moves
/// walked from there (usually none), and the move that led here.
#[derive(Clone, Debug)]
pub(crate) struct Node<const R: usize> {
    pub state: State<R>,
    pub cost: u128,
    pub parent: Option<u32>,
    pub chain: Vec<PathItem<R>>,
    pub last: Option<PathItem<R>>,
}

/// The moves from the initial state to node `id`, oldest first.
pub(crate) fn path_to<const R: usize>(nodes: &[Node<R>], mut id: usize) -> Vec<PathItem<R>> {
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
