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
//! [`TimedScheme::classify`], so they cannot drift apart.

use crate::scheme::SchemeSpec;

/// One speculation's outcome (DESIGN.md, "Reader speculation").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// `e == s` and no modification happened: correct.
    Accept,
    /// `e == s` although the data changed: the counter wrapped back.
    FalsePositive,
    /// `e != s` (or the scheme rejected the window): retry, harmless.
    Retry,
    /// The begin load saw an odd seq (lock held): take the lock instead.
    Abort,
}

/// A scheme as the timed engines see it: a counter that returns to the
/// reader's snapshot every `period` complete writer cycles, plus the
/// scheme's own rejection rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimedScheme {
    /// Writer cycles after which the counter's state repeats:
    /// 2^(total bits - 1) (two increments a cycle). Always a power of two.
    pub period: u64,
    /// `bounded`: a window in which more than T cycles started is retried.
    pub max_cycles: Option<u64>,
    /// `guard`: the writer waits for in-flight speculations before the
    /// counter may wrap, so no window spans a wrap.
    pub guard: bool,
}

impl TimedScheme {
    /// The timed view of a scheme (see the module docs for split/epoch).
    pub fn from_spec(spec: &SchemeSpec) -> TimedScheme {
        let period = 1u64 << (spec.total_bits() - 1);
        match *spec {
            SchemeSpec::Bounded {
                max_window_cycles, ..
            } => TimedScheme {
                period,
                max_cycles: Some(max_window_cycles),
                guard: false,
            },
            SchemeSpec::Guard { .. } => TimedScheme {
                period,
                max_cycles: None,
                guard: true,
            },
            _ => TimedScheme {
                period,
                max_cycles: None,
                guard: false,
            },
        }
    }

    /// Outcome of a window that began with the lock held or not, saw `n`
    /// writer cycles start (lock increments) and ended with the lock held
    /// or not.
    ///
    /// - begin while held: ABORT (odd seq);
    /// - end while held: RETRY (odd seq differs from the even snapshot);
    /// - no cycle: ACCEPT;
    /// - `guard`: any cycle is a RETRY, the wrap waits for the reader;
    /// - `bounded`: more than T cycles: RETRY;
    /// - `n` a multiple of `period`: FALSE POSITIVE; otherwise RETRY.
    #[inline]
    pub fn classify(&self, start_held: bool, n: u64, end_held: bool) -> Outcome {
        if start_held {
            Outcome::Abort
        } else if end_held {
            Outcome::Retry
        } else if n == 0 {
            Outcome::Accept
        } else if self.guard || self.max_cycles.is_some_and(|t| n > t) {
            Outcome::Retry
        } else if n & (self.period - 1) == 0 {
            // period is a power of two (invariant of from_spec): a mask, not
            // a 64-bit division, in the sampler's inner loop.
            Outcome::FalsePositive
        } else {
            Outcome::Retry
        }
    }

    /// The largest k such that a window with `k * period` cycles is a false
    /// positive (`u64::MAX` when unbounded); 0 when none is possible.
    pub fn max_wraps(&self) -> u64 {
        if self.guard {
            0
        } else {
            self.max_cycles.map_or(u64::MAX, |t| t / self.period)
        }
    }

    /// Why a false positive is impossible in the timed model, if it is.
    pub fn why_no_false_positive(&self) -> Option<&'static str> {
        if self.guard {
            Some(
                "guard: the writer waits for in-flight speculations before seq may wrap, so no window spans a wrap",
            )
        } else if self.max_wraps() == 0 {
            Some("bounded: T < 2^(W-1), so every window that sees a full wrap is retried")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::width::Width;

    #[test]
    fn classify_follows_the_protocol() {
        let p = TimedScheme::from_spec(&SchemeSpec::plain(8));
        assert_eq!(p.period, 128);
        assert_eq!(p.classify(true, 128, false), Outcome::Abort);
        assert_eq!(p.classify(false, 128, true), Outcome::Retry);
        assert_eq!(p.classify(false, 0, false), Outcome::Accept);
        assert_eq!(p.classify(false, 128, false), Outcome::FalsePositive);
        assert_eq!(p.classify(false, 256, false), Outcome::FalsePositive);
        assert_eq!(p.classify(false, 129, false), Outcome::Retry);
        let g = TimedScheme::from_spec(&SchemeSpec::Guard {
            width: Width::new(8).unwrap(),
        });
        assert_eq!(g.classify(false, 128, false), Outcome::Retry);
        assert!(g.why_no_false_positive().is_some());
        let b = TimedScheme::from_spec(&SchemeSpec::Bounded {
            width: Width::new(8).unwrap(),
            max_window_cycles: 300,
        });
        assert_eq!(b.classify(false, 256, false), Outcome::FalsePositive);
        assert_eq!(b.classify(false, 384, false), Outcome::Retry);
        assert_eq!(b.max_wraps(), 2);
    }
}
