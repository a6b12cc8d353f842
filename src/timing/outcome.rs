//! How one timed speculation ends, given what the writer did during it.
//!
//! In the timed model a reader's loads of one phase (begin, end) happen at
//! one instant. So a two-word counter (`split`) or a seq+epoch pair
//! (`epoch`) is read consistently and behaves as one counter of its total
//! width: a torn read needs the reader stalled *between* two loads of one
//! phase, at the exact moment of a carry or wrap, which has probability 0
//! for loads at one instant. The adversary who can stall a reader there is
//! the explorer's business (it finds the torn reads and their `min_cycles`);
//! the timed engines give the *accidental* probability, which is the
//! full-width wrap. Both `analyze` and `sample` classify windows with
//! [`TimedProtocol::classify`], so they cannot drift apart.

use crate::error::{Error, Result};
use crate::protocol::Protocol;

pub use crate::protocol::Outcome;

/// A protocol as the timed engines see it: a counter that returns to the
/// reader's snapshot every `period` complete writer cycles, an optional cap
/// on the cycles a window may see, or no false positive at all.
///
/// Derived from a protocol by [`TimedProtocol::of`]: the period of its
/// writer's counter, the cap its reader puts on `window_cycles()`, and the
/// explorer's "no false positive at all".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedProtocol {
    /// Writer cycles after which the counter's state repeats:
    /// 2^(total bits - 1) (two increments a cycle). Always a power of two,
    /// at most 2^63, so it divides 2^64.
    pub period: u64,
    /// A window in which more than this many cycles started is retried
    /// (`bounded`'s T).
    pub max_cycles: Option<u64>,
    /// Why no window can ever be a false positive, when none can (`guard`:
    /// the writer waits for in-flight speculations before the counter may
    /// wrap): every window that saw a cycle is retried.
    pub impossible: Option<String>,
}

impl TimedProtocol {
    /// A counter of `period` cycles (a power of two, 2..=2^63), windows of
    /// more than `max_cycles` retried. Panics on a period that is not a
    /// power of two >= 2 (a programming error: widths are 2..=64 bits).
    pub fn new(period: u64, max_cycles: Option<u64>) -> TimedProtocol {
        assert!(
            period >= 2 && period.is_power_of_two(),
            "period {period} is not a power of two >= 2"
        );
        TimedProtocol {
            period,
            max_cycles,
            impossible: None,
        }
    }

    /// A protocol that never lets a window with a cycle pass, and why.
    pub fn never(period: u64, why: impl Into<String>) -> TimedProtocol {
        TimedProtocol {
            impossible: Some(why.into()),
            ..TimedProtocol::new(period, None)
        }
    }

    /// The timed view of a protocol (module docs): its words as one
    /// counter of the period of its writer's cycle map; the largest window
    /// count its reader still accepts after a whole period, if it caps
    /// `window_cycles()`; and "never" when the explorer (SC, every
    /// execution) proves no false positive at all (`none_at_all`, which
    /// the caller resolves: `explore::sc_facts`).
    pub fn of(s: &Protocol, none_at_all: bool) -> Result<TimedProtocol> {
        let shape = s.shape();
        let n = s.program().words.len();
        let zero = [0u64; crate::protocol::program::MAX_WORDS];
        let map = shape.map.as_ref().map_err(|why| {
            Error::usage(format!(
                "{s}: the timed model needs the writer as one counter; {why}"
            ))
        })?;
        let fallback = 1u128 << s.total_bits().saturating_sub(1).min(63);
        let period = map.period(&zero[..n]).unwrap_or(fallback);
        let period = u64::try_from(period)
            .ok()
            .filter(|p| *p >= 2 && p.is_power_of_two() && *p <= 1 << 63)
            .ok_or_else(|| {
                Error::usage(format!(
                    "{s}: its counter repeats every {period} cycles; the timed model needs a \
            power of two from 2 to 2^63"
                ))
            })?;
        if none_at_all {
            return Ok(TimedProtocol::never(
                period,
                format!(
                    "{}: explore proves no false positive at all (every execution explored)",
                    s.name()
                ),
            ));
        }
        // The cap: the reader at rest (every load the same boundary value),
        // accepting or not as window_cycles() grows.
        let u = &shape.reader;
        if u.ghost_consts.is_empty() {
            return Ok(TimedProtocol::new(period, None));
        }
        let p = s.program();
        let accepts = |w: u64| {
            p.run_reader(&|_| 0, w)
                .map(|k| k == crate::protocol::ReturnKind::Accept)
                .map_err(|e| s.file().raw.error(e.at, format!("reader: {}", e.msg)))
        };
        let mut cands: Vec<u64> = u.ghost_consts.clone();
        cands.extend(u.ghost_consts.iter().map(|c| c.saturating_sub(1)));
        cands.extend(u.ghost_consts.iter().map(|c| c.saturating_add(1)));
        cands.push(u64::MAX);
        cands.sort_unstable();
        cands.dedup();
        if accepts(u64::MAX)? {
            return Ok(TimedProtocol::new(period, None));
        }
        let mut cap = None;
        for &c in &cands {
            if accepts(c)? {
                cap = Some(c);
            }
        }
        Ok(match cap {
            Some(t) => TimedProtocol::new(period, Some(t)),
            None => TimedProtocol::never(
                period,
                format!("{}: its reader accepts no window", s.name()),
            ),
        })
    }

    /// Outcome of a window that began with the lock held or not, saw `n`
    /// writer cycles start (lock increments) and ended with the lock held
    /// or not.
    ///
    /// - begin while held: ABORT (odd seq);
    /// - end while held: RETRY (odd seq differs from the even snapshot);
    /// - no cycle: ACCEPT;
    /// - a protocol with no false positive at all: RETRY;
    /// - more than the cap: RETRY;
    /// - `n` a multiple of `period`: FALSE POSITIVE; otherwise RETRY.
    ///
    /// Only `n == 0`, `n > max_cycles` (a u64) and `n mod period` (a
    /// divisor of 2^64) are read, so a caller may pass any `n` that agrees
    /// with the true count on those three (the sampler does, past 2^126).
    #[inline]
    pub fn classify(&self, start_held: bool, n: u128, end_held: bool) -> Outcome {
        if start_held {
            Outcome::Abort
        } else if end_held {
            Outcome::Retry
        } else if n == 0 {
            Outcome::Accept
        } else if self.impossible.is_some() || self.max_cycles.is_some_and(|t| n > u128::from(t)) {
            Outcome::Retry
        } else if n & u128::from(self.period - 1) == 0 {
            // period is a power of two (invariant of new): a mask, not a
            // division, in the sampler's inner loop.
            Outcome::FalsePositive
        } else {
            Outcome::Retry
        }
    }

    /// The largest k such that a window with `k * period` cycles can be a
    /// false positive: `None` when there is no such bound, `Some(0)` when
    /// no k is allowed.
    pub fn max_wraps(&self) -> Option<u64> {
        if self.impossible.is_some() {
            Some(0)
        } else {
            self.max_cycles.map(|t| t / self.period)
        }
    }

    /// Why a false positive is impossible in the timed model, if it is.
    pub fn why_no_false_positive(&self) -> Option<&str> {
        if let Some(why) = &self.impossible {
            Some(why)
        } else if self.max_wraps() == Some(0) {
            Some("bounded: T < 2^(W-1), so every window that sees a full wrap is retried")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::catalog::protocol;

    /// The timed view with the explorer's SC facts resolved, as a caller
    /// resolves them.
    fn timed(s: &Protocol) -> TimedProtocol {
        TimedProtocol::of(s, crate::explore::sc_facts(s).unwrap().none_at_all).unwrap()
    }

    #[test]
    fn the_timed_rule_comes_from_the_protocol() {
        let p = timed(&protocol("plain", &[("W", "8")]).unwrap());
        assert_eq!(p.period, 128);
        assert_eq!(p.classify(true, 128, false), Outcome::Abort);
        assert_eq!(p.classify(false, 128, true), Outcome::Retry);
        assert_eq!(p.classify(false, 0, false), Outcome::Accept);
        assert_eq!(p.classify(false, 128, false), Outcome::FalsePositive);
        assert_eq!(p.classify(false, 256, false), Outcome::FalsePositive);
        assert_eq!(p.classify(false, 129, false), Outcome::Retry);
        let g = timed(&protocol("guard", &[("W", "8")]).unwrap());
        assert_eq!(g.classify(false, 128, false), Outcome::Retry);
        assert!(g.impossible.is_some());
        let b = timed(&protocol("bounded", &[("W", "8"), ("T", "300")]).unwrap());
        assert_eq!(b.max_cycles, Some(300));
        assert_eq!(b.classify(false, 256, false), Outcome::FalsePositive);
        assert_eq!(b.classify(false, 384, false), Outcome::Retry);
        let sp = timed(&protocol("split", &[("H", "3"), ("L", "4")]).unwrap());
        assert_eq!(sp.period, 64, "the two words as one 7-bit counter");
        let sat = timed(&protocol("saturate", &[("W", "8")]).unwrap());
        assert!(sat.impossible.is_some());
    }
}
