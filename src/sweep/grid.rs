//! The grid: a question expanded into numbered points.
//!
//! Order (the CSV's row order, and the meaning of a point index): protocols
//! in spec order; within a protocol, engines in spec order; within explore,
//! memory models in spec order; within a timed engine (analyze, sample),
//! rates × processes × holds × windows, the last varying fastest. The index is the point's identity for seeds, shards,
//! resume and merge, so this order is part of the CSV contract.

use crate::memory::Model;
use crate::protocol::Protocol;
use crate::question::{Question, Rate, Spelled};
use crate::results::EngineKind;
use crate::timing::{Process, Window};

/// One point of the grid.
#[derive(Clone, Debug)]
pub struct Point {
    /// Position in the full grid (0-based).
    pub index: usize,
    /// The protocol.
    pub protocol: Protocol,
    /// The engine that answers it.
    pub engine: EngineKind,
    /// The memory model (explore points; [`Model::DEFAULT`], `sc`, for the
    /// others, whose timed model does not depend on one).
    pub model: Model,
    /// Writer rate (timed engines only).
    pub rate: Option<Rate>,
    /// Writer process (timed engines only).
    pub process: Option<Process>,
    /// Lock hold time in seconds (timed engines only).
    pub hold: Option<Spelled<f64>>,
    /// Window distribution (timed engines only).
    pub window: Option<Spelled<Window>>,
    /// This point's seed: [`point_seed`] of the base seed and the index.
    pub seed: u64,
}

impl Point {
    /// The process as the CSV names it (empty for untimed engines).
    pub fn process_text(&self) -> String {
        self.process
            .map(|p| p.name().to_string())
            .unwrap_or_default()
    }

    /// The hold as its spec wrote it (empty for untimed engines).
    pub fn hold_text(&self) -> String {
        self.hold
            .as_ref()
            .map(|h| h.text.clone())
            .unwrap_or_default()
    }

    /// The window as its spec wrote it (empty for untimed engines).
    pub fn window_text(&self) -> String {
        self.window
            .as_ref()
            .map(|w| w.text.clone())
            .unwrap_or_default()
    }
}

/// The seed of point `index`: SplitMix64 of the base seed mixed with the
/// index. Depends on nothing else, so results do not depend on which thread,
/// shard or resumed run computes the point.
pub fn point_seed(base: u64, index: usize) -> u64 {
    splitmix64(base ^ splitmix64(index as u64 ^ 0x5eed_5eed_5eed_5eed))
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Every point of the question, in grid order. `points(q).len() ==
/// q.point_count()`.
pub fn points(q: &Question) -> Vec<Point> {
    let mut out = Vec::with_capacity(q.point_count());
    let mut push =
        |protocol: &Protocol,
         engine: EngineKind,
         model: Model,
         axes: Option<(&Rate, &Process, &Spelled<f64>, &Spelled<Window>)>| {
            let index = out.len();
            out.push(Point {
                index,
                protocol: protocol.clone(),
                engine,
                model,
                rate: axes.map(|a| a.0.clone()),
                process: axes.map(|a| *a.1),
                hold: axes.map(|a| a.2.clone()),
                window: axes.map(|a| a.3.clone()),
                seed: point_seed(q.seed, index),
            });
        };
    for s in &q.protocols {
        for &e in &q.engines {
            if e.is_timed() {
                for r in &q.rates {
                    for p in &q.processes {
                        for h in &q.holds {
                            for w in &q.windows {
                                push(s, e, Model::DEFAULT, Some((r, p, h, w)));
                            }
                        }
                    }
                }
            } else if e == EngineKind::Explore {
                for &m in &q.memory_models {
                    push(s, e, m, None);
                }
            } else if s.total_bits() <= q.stress_max_bits {
                push(s, e, Model::DEFAULT, None);
            }
        }
    }
    out
}

/// A shard `K/N`: this run computes the points with `index % N == K - 1`.
/// Round robin rather than contiguous blocks, so every shard gets a share
/// of the slow (wide, sampled) points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based shard number K.
    pub k: usize,
    /// Number of shards N.
    pub n: usize,
}

impl Shard {
    /// The whole grid.
    pub const ALL: Shard = Shard { k: 1, n: 1 };

    /// Parse `K/N` with `1 <= K <= N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard: '{text}' is not a shard; allowed: K/N with 1 <= K <= N");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        (1 <= k && k <= n).then_some(Shard { k, n }).ok_or_else(bad)
    }

    /// Whether point `index` belongs to this shard.
    pub fn owns(self, index: usize) -> bool {
        index % self.n == self.k - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_differ_per_point_and_repeat_per_index() {
        assert_eq!(point_seed(1, 5), point_seed(1, 5));
        assert_ne!(point_seed(1, 5), point_seed(1, 6));
        assert_ne!(point_seed(1, 5), point_seed(2, 5));
    }

    #[test]
    fn shards_partition_the_grid() {
        let n = 5;
        for i in 0..100 {
            let owners = (1..=n).filter(|&k| Shard { k, n }.owns(i)).count();
            assert_eq!(owners, 1);
        }
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { k: 2, n: 3 });
    }
}
