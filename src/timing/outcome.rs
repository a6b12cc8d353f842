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
/// reader's snapshot every `period` complete writer cycles, an optional cap
/// on the cycles a window may see, or no false positive at all.
///
/// Nothing here knows scheme names except [`TimedScheme::from_spec`], so a
/// scheme described elsewhere (a period, a cap, the explorer's "none at
/// all") maps onto [`TimedScheme::new`] directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedScheme {
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

impl TimedScheme {
    /// A counter of `period` cycles (a power of two, 2..=2^63), windows of
    /// more than `max_cycles` retried. Panics on a period that is not a
    /// power of two >= 2 (a programming error: widths are 2..=64 bits).
    pub fn new(period: u64, max_cycles: Option<u64>) -> TimedScheme {
        assert!(
            period >= 2 && period.is_power_of_two(),
            "period {period} is not a power of two >= 2"
        );
        TimedScheme {
            period,
            max_cycles,
            impossible: None,
        }
    }

    /// A scheme that never lets a window with a cycle pass, and why.
    pub fn never(period: u64, why: impl Into<String>) -> TimedScheme {
        TimedScheme {
            impossible: Some(why.into()),
            ..TimedScheme::new(period, None)
        }
    }

    /// The timed view of a scheme (see the module docs for split/epoch).
    pub fn from_spec(spec: &SchemeSpec) -> TimedScheme {
        let period = 1u64 << (spec.total_bits() - 1);
        match *spec {
            SchemeSpec::Bounded {
                max_window_cycles, ..
            } => TimedScheme::new(period, Some(max_window_cycles)),
            SchemeSpec::Guard { .. } => TimedScheme::never(
                period,
                "guard: the writer waits for in-flight speculations before seq may wrap, so no window spans a wrap",
            ),
            _ => TimedScheme::new(period, None),
        }
    }

    /// Outcome of a window that began with the lock held or not, saw `n`
    /// writer cycles start (lock increments) and ended with the lock held
    /// or not.
    ///
    /// - begin while held: ABORT (odd seq);
    /// - end while held: RETRY (odd seq differs from the even snapshot);
    /// - no cycle: ACCEPT;
    /// - a scheme with no false positive at all: RETRY;
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
        assert_eq!(b.max_wraps(), Some(2));
        assert_eq!(p.max_wraps(), None);
        // counts beyond 2^64 keep their residue and exceed every cap
        assert_eq!(p.classify(false, 1 << 100, false), Outcome::FalsePositive);
        assert_eq!(b.classify(false, 1 << 100, false), Outcome::Retry);
    }
}
