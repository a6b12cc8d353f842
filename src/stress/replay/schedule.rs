//! Schedules: where the writers stand (cycles completed, events of the
//! next cycle done) before each of the reader's loads. Built from the
//! explorer's counterexample ([`Schedule::of`]), or the reader parked over
//! a whole period ([`Schedule::parked`]), and the same one cycle shorter;
//! pure data, apart from the threads that follow it.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::explore::trace::{Op, Trace};
use crate::protocol::program::Node;

/// Where the writers stand: whole cycles completed, and memory events of
/// the next cycle done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct At {
    /// Cycles completed.
    pub cycles: u64,
    /// Events of the next cycle done.
    pub events: u32,
}

/// The reader's loads to take at one writer position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Where the writers stand meanwhile.
    pub at: At,
    /// How many loads (counting `read()`'s two).
    pub loads: Take,
}

/// How many loads a group takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Take {
    /// Exactly this many.
    Count(usize),
    /// Up to and including the first data load (a speculation's begin).
    Begin,
    /// Everything left, to the return.
    Rest,
}

/// A schedule: the reader's loads, grouped by writer position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// What it is, one line.
    pub what: String,
    /// The groups in order.
    pub groups: Vec<Group>,
    /// The reader's loads as the explorer took them (instructions), to
    /// check the real run follows the same path.
    pub expect_nodes: Vec<Node>,
}

impl Schedule {
    /// The explorer's counterexample as a schedule. Every step must be the
    /// writer's or reader 0's, in program order (a trace that reorders
    /// cannot be replayed: the CPU decides its own orders).
    pub fn of(trace: &Trace, what: &str) -> Result<Schedule> {
        let mut groups: Vec<Group> = Vec::new();
        let mut nodes = Vec::new();
        for s in &trace.steps {
            if s.reorder.is_some() {
                return Err(Error::Run(
                    "internal: a reordering trace cannot be replayed".into(),
                ));
            }
            if s.thread == "W" {
                continue;
            }
            if s.thread != "R0" {
                return Err(Error::Run(format!(
                    "internal: stress replays one reader, the trace has {}",
                    s.thread
                )));
            }
            if !matches!(s.op, Op::Load | Op::ReadBegins | Op::ReadEnds) {
                continue;
            }
            let cycles: u64 = s.writer_cycles.parse().map_err(|_| {
                Error::Run(format!(
                    "stress: the counterexample needs {} writer cycles; allowed: at most 2^64",
                    s.writer_cycles
                ))
            })?;
            // A load's position is the writer's before it: the step records
            // the position after, and a reader step does not move the writer.
            let at = At {
                cycles,
                events: s.writer_events,
            };
            nodes.push(s.node.unwrap_or(0));
            match groups.last_mut() {
                Some(g) if g.at == at => {
                    if let Take::Count(n) = &mut g.loads {
                        *n += 1;
                    }
                }
                _ => groups.push(Group {
                    at,
                    loads: Take::Count(1),
                }),
            }
        }
        Ok(Schedule {
            what: what.to_string(),
            groups,
            expect_nodes: nodes,
        })
    }

    /// The speculation parked over `cycles` writer cycles: it begins with
    /// the writer at rest, the writers run `cycles` cycles, it ends. What a
    /// protocol with no false positive at all is shown to survive (its
    /// counter's period: a plain counter would wrap).
    pub fn parked(cycles: u64) -> Schedule {
        Schedule {
            what: format!("reader begins, writers run {cycles} cycles, reader ends"),
            groups: vec![
                Group {
                    at: At {
                        cycles: 0,
                        events: 0,
                    },
                    loads: Take::Begin,
                },
                Group {
                    at: At { cycles, events: 0 },
                    loads: Take::Rest,
                },
            ],
            expect_nodes: Vec::new(),
        }
    }

    /// The same schedule with the longest writer stretch between two
    /// groups one cycle shorter (and every later position moved with it):
    /// the check that one cycle fewer is not enough.
    pub fn one_cycle_fewer(&self) -> Option<Schedule> {
        let (k, _) = self
            .groups
            .windows(2)
            .enumerate()
            .map(|(i, w)| (i + 1, w[1].at.cycles.saturating_sub(w[0].at.cycles)))
            .filter(|&(_, d)| d >= 1)
            .max_by_key(|&(_, d)| d)?;
        let mut s = self.clone();
        for g in &mut s.groups[k..] {
            g.at.cycles -= 1;
        }
        s.what = format!("{}, one cycle fewer", self.what);
        Some(s)
    }

    /// Writer cycles the schedule runs (its last position, rounded up).
    pub fn cycles(&self) -> u64 {
        self.groups
            .last()
            .map_or(0, |g| g.at.cycles + u64::from(g.at.events > 0))
    }
}
