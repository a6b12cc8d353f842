//! The cycle map's arithmetic, what the engines call at run time: `k`
//! cycles in one jump, the period of the orbit, the first cycle a word
//! reaches a value, each path's share of a period, and a counter's
//! combined value. Separate from [`super::cycle`], which decides the map.

use super::{CycleMap, Effect, SymPath};
use crate::protocol::program::WordId;
use crate::width::mask;

impl CycleMap {
    /// The words after `k` cycles from a boundary with words `x` (in place).
    /// O(1) for a counter; for a piecewise map, one step per piece visited
    /// (a few per period), with fixed points detected.
    pub fn jump(&self, x: &mut [u64], k: u128) {
        match self {
            CycleMap::Counter { digits, bits, d } => {
                let total: u32 = bits.iter().sum();
                let m = if total >= 128 {
                    u128::MAX
                } else {
                    (1u128 << total) - 1
                };
                let c = combine(digits, bits, x);
                let c = c.wrapping_add(k.wrapping_mul(*d)) & m;
                split(digits, bits, c, x);
            }
            CycleMap::Independent { words, bits, adds } => {
                for (i, &w) in words.iter().enumerate() {
                    let m = u128::from(mask(bits[i]));
                    // k reduced mod 2^bits first: the product then fits.
                    let step = ((k & m) * adds[i]) & m;
                    x[w as usize] = ((u128::from(x[w as usize]) + step) & m) as u64;
                }
            }
            CycleMap::Piecewise { word, pieces } => {
                let w = *word as usize;
                let mut v = x[w];
                let mut left = k;
                while left > 0 {
                    let i = pieces.partition_point(|p| p.hi < v);
                    let p = pieces[i];
                    match p.effect {
                        Effect::Set(c) => {
                            left -= 1;
                            if c == v {
                                break; // a fixed point
                            }
                            v = c;
                        }
                        Effect::Add(0) => break,
                        Effect::Add(a) => {
                            // Steps that start inside this piece.
                            let room = if a > 0 {
                                (p.hi - v) as u128 / a as u128 + 1
                            } else {
                                (v - p.lo) as u128 / (-a) as u128 + 1
                            };
                            let t = room.min(left);
                            let nv = i128::from(v) + a * t as i128;
                            v = nv as u64;
                            left -= t;
                        }
                    }
                }
                x[w] = v;
            }
        }
    }

    /// Cycles after which a boundary state repeats from `x`, at most
    /// `2^128 - 1`; `None` if the map reaches a fixed point instead.
    pub fn period(&self, x: &[u64]) -> Option<u128> {
        match self {
            CycleMap::Counter { bits, d, .. } => {
                let total: u32 = bits.iter().sum();
                let g = d.trailing_zeros().min(total);
                Some(1u128.checked_shl(total - g).unwrap_or(u128::MAX))
            }
            CycleMap::Piecewise { word, .. } => self.first_hit(x, x[*word as usize], u128::MAX),
            CycleMap::Independent { bits, adds, .. } => {
                let log = bits
                    .iter()
                    .zip(adds)
                    .map(|(&b, &a)| {
                        if a == 0 {
                            0
                        } else {
                            b - a.trailing_zeros().min(b)
                        }
                    })
                    .max()
                    .unwrap_or(0);
                Some(1u128 << log)
            }
        }
    }

    /// One-word maps: the smallest `k` in `1..=max` after which the word
    /// equals `target` at a boundary, walking the orbit a piece at a time.
    pub fn first_hit(&self, x: &[u64], target: u64, max: u128) -> Option<u128> {
        let CycleMap::Piecewise { word, pieces } = self else {
            return None;
        };
        let mut v = x[*word as usize];
        let mut n: u128 = 0;
        for _ in 0..4 * pieces.len() + 8 {
            if n >= max {
                return None;
            }
            let p = pieces[pieces.partition_point(|p| p.hi < v)];
            match p.effect {
                Effect::Set(c) => {
                    n += 1;
                    if c == target {
                        return (n <= max).then_some(n);
                    }
                    if c == v {
                        return None; // a fixed point
                    }
                    v = c;
                }
                Effect::Add(0) => return None,
                Effect::Add(a) => {
                    let t = if a > 0 {
                        (p.hi - v) as u128 / a as u128 + 1
                    } else {
                        (v - p.lo) as u128 / (-a) as u128 + 1
                    };
                    let diff = i128::from(target) - i128::from(v);
                    if diff % a == 0 {
                        let s = diff / a;
                        if s >= 1 && (s as u128) <= t {
                            let k = n + s as u128;
                            return (k <= max).then_some(k);
                        }
                    }
                    v = (i128::from(v) + a * t as i128) as u64;
                    n += t;
                }
            }
        }
        None
    }

    /// How often each writer path runs over one period of the orbit from
    /// the all-zero words: `(visits per path, cycles in the period)`, as
    /// log2 (the counts reach 2^64). The cost columns' "per 2^k cycles".
    /// A one-word map walks its orbit a piece at a time; a counter counts
    /// the orbit's values (multiples of 2^tz(d)) inside each path's box.
    /// `None` when the orbit ends in a fixed point (a saturating counter):
    /// there is no period to be a fraction of.
    pub fn path_frequencies(&self, paths: &[SymPath]) -> Option<(Vec<f64>, f64)> {
        match self {
            CycleMap::Counter { digits, bits, d } => {
                let total: u32 = bits.iter().sum();
                let g = d.trailing_zeros().min(total);
                if g >= bits[0] {
                    return None;
                }
                let period = f64::from(total - g);
                let v = paths
                    .iter()
                    .map(|q| {
                        let mut l = 0.0;
                        for (i, &w) in digits.iter().enumerate() {
                            let (lo, hi) = q.bx[w as usize];
                            let n = if i == 0 {
                                // Multiples of 2^g in [lo, hi].
                                let step = 1u128 << g;
                                let first = (u128::from(lo)).div_ceil(step) * step;
                                if first > u128::from(hi) {
                                    0
                                } else {
                                    (u128::from(hi) - first) / step + 1
                                }
                            } else {
                                u128::from(hi - lo) + 1
                            };
                            l += if n == 0 {
                                f64::NEG_INFINITY
                            } else {
                                (n as f64).log2()
                            };
                        }
                        l
                    })
                    .collect();
                Some((v, period))
            }
            CycleMap::Piecewise { word, pieces } => {
                let mut visits = vec![0u128; paths.len()];
                let start = 0u64;
                let mut v = start;
                let mut n: u128 = 0;
                for _ in 0..4 * pieces.len() + 8 {
                    let p = pieces[pieces.partition_point(|p| p.hi < v)];
                    let (t, next) = match p.effect {
                        Effect::Set(c) if c == v => return None,
                        Effect::Add(0) => return None,
                        Effect::Set(c) => (1, c),
                        Effect::Add(a) => {
                            let t = if a > 0 {
                                (p.hi - v) as u128 / a as u128 + 1
                            } else {
                                (v - p.lo) as u128 / (-a) as u128 + 1
                            };
                            // Stop at the start value if the walk crosses it.
                            let diff = i128::from(start) - i128::from(v);
                            let t = if diff % a == 0 && diff / a >= 1 && (diff / a) as u128 <= t {
                                (diff / a) as u128
                            } else {
                                t
                            };
                            (t, (i128::from(v) + a * t as i128) as u64)
                        }
                    };
                    visits[p.path] += t;
                    n += t;
                    v = next;
                    if v == start {
                        let _ = word;
                        let l = visits
                            .iter()
                            .map(|&c| {
                                if c == 0 {
                                    f64::NEG_INFINITY
                                } else {
                                    (c as f64).log2()
                                }
                            })
                            .collect();
                        return Some((l, (n as f64).log2()));
                    }
                }
                None
            }
            // The joint orbit's visits to a path's box are not a product
            // of the words' visits, and the paths differ only in which
            // words wrap: no frequencies (the first path is the common one).
            CycleMap::Independent { .. } => None,
        }
    }

    /// One-word maps: cycles a boundary at word value `v` stays in its
    /// piece (the next cycle on another writer path begins after them).
    pub fn steps_in_piece(&self, v: u64) -> u128 {
        match self {
            CycleMap::Piecewise { pieces, .. } => {
                let p = pieces[pieces.partition_point(|p| p.hi < v)];
                match p.effect {
                    Effect::Set(_) | Effect::Add(0) => 1,
                    Effect::Add(a) if a > 0 => (p.hi - v) as u128 / a as u128 + 1,
                    Effect::Add(a) => (v - p.lo) as u128 / (-a) as u128 + 1,
                }
            }
            CycleMap::Counter { .. } | CycleMap::Independent { .. } => 1,
        }
    }

    /// The combined counter value of words `x` (counters only).
    pub fn counter_value(&self, x: &[u64]) -> Option<u128> {
        match self {
            CycleMap::Counter { digits, bits, .. } => Some(combine(digits, bits, x)),
            CycleMap::Piecewise { .. } | CycleMap::Independent { .. } => None,
        }
    }
}

/// The mixed-radix value of `x` over `digits` (low first).
pub fn combine(digits: &[WordId], bits: &[u32], x: &[u64]) -> u128 {
    let mut c: u128 = 0;
    let mut shift = 0u32;
    for (i, &w) in digits.iter().enumerate() {
        c |= u128::from(x[w as usize]) << shift;
        shift += bits[i];
    }
    c
}

/// Write counter value `c` into the digits of `x`.
pub fn split(digits: &[WordId], bits: &[u32], c: u128, x: &mut [u64]) {
    let mut rest = c;
    for (i, &w) in digits.iter().enumerate() {
        x[w as usize] = (rest & u128::from(mask(bits[i]))) as u64;
        rest = rest.checked_shr(bits[i]).unwrap_or(0);
    }
}
