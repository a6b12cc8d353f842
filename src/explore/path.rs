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

/// A move with the canonical states around it and the window cost after it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PathItem<const R: usize> {
    pub mv: Move,
    pub before: State<R>,
    pub after: State<R>,
    pub cost_after: u128,
}

/// A search node's origin: which node it came from and the moves between.
#[derive(Clone, Debug)]
pub(crate) struct Node<const R: usize> {
    pub state: State<R>,
    pub cost: u128,
    pub parent: Option<usize>,
    pub segment: Vec<PathItem<R>>,
}

/// The moves from the initial state to node `id`, oldest first.
pub(crate) fn path_to<const R: usize>(nodes: &[Node<R>], mut id: usize) -> Vec<PathItem<R>> {
    let mut segments = Vec::new();
    loop {
        let n = &nodes[id];
        segments.push(n.segment.clone());
        match n.parent {
            Some(p) => id = p,
            None => break,
        }
    }
    segments.into_iter().rev().flatten().collect()
}
