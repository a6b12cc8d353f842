//! One window, drawn in O(1) (O(log N) with a hold): its length, the
//! writer activity it sees, and its outcome by [`TimedScheme::classify`].
//!
//! - fixed writer: phase `u ~ U[0,1)` (cycle units); the start is held iff
//!   `u < h`; `N = floor(rate D + u)`; the end is held iff
//!   `frac(rate D + u) < h`.
//! - poisson writer, no hold: `N ~ Poisson(rate D)`.
//! - poisson writer with hold H: the start is held with probability h.
//!   Else, in free-time units (rate `mu`, scaled to 1) let `P(a)` count
//!   lock attempts in free time `a` and `a_j = mu (D - jH)`. The n-th lock
//!   falls in the window iff `P(a_{n-1}) >= n`, and the end is free with
//!   N = n iff `P(a_n) = n` (see [`crate::analyze`]'s count module). With
//!   `f(j) = P(a_j) - j` strictly decreasing, `N = min{j : f(j) <= 0}` and
//!   the end is free iff `f(N) = 0`. We draw `P(a_0) ~ Poisson(mu D)` and
//!   find N by bisection, drawing `P` at new points from the Poisson
//!   bridge (binomial thinning between the two known neighbours):
//!   O(log N) binomial draws, never one per cycle.
//!
//! Windows of more than 2^52 expected cycles (27 years at 5.35e6/s) use
//! the normal approximation of the Poisson count, saturated at 2^64 - 1.

use rand::{Rng, RngExt};
use rand_distr::{Binomial, Distribution};

use super::poisson::poisson;

use crate::timing::{Outcome, Process, TimedScheme, WindowSampler, Writer};

/// Everything one window draw needs, built once per run.
#[derive(Clone, Debug)]
pub(crate) struct Drawer {
    pub(crate) scheme: TimedScheme,
    pub(crate) window: WindowSampler,
    process: Process,
    rate: f64,
    held: f64,
    mu: f64,
    hold: f64,
}

#[inline]
fn binomial<R: Rng + ?Sized>(n: u64, p: f64, rng: &mut R) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    Binomial::new(n, p).expect("0 < p < 1").sample(rng)
}

impl Drawer {
    pub(crate) fn new(scheme: TimedScheme, window: WindowSampler, writer: &Writer) -> Drawer {
        Drawer {
            scheme,
            window,
            process: writer.process(),
            rate: writer.rate(),
            held: writer.held_fraction(),
            mu: writer.free_rate(),
            hold: writer.hold(),
        }
    }

    /// One window's outcome.
    #[inline]
    pub(crate) fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Outcome {
        let d = self.window.draw(rng);
        match self.process {
            Process::Fixed => {
                let u: f64 = rng.random();
                if u < self.held {
                    return Outcome::Abort;
                }
                let y = self.rate * d + u;
                let n = y.floor();
                let end_held = y - n < self.held;
                self.scheme.classify(false, n as u64, end_held)
            }
            Process::Poisson if self.hold == 0.0 => {
                self.scheme
                    .classify(false, poisson(self.rate * d, rng), false)
            }
            Process::Poisson => {
                let u: f64 = rng.random();
                if u < self.held {
                    return Outcome::Abort;
                }
                let (n, end_free) = self.dead_time(d, rng);
                self.scheme.classify(false, n, !end_free)
            }
        }
    }

    /// `(N, end free)` for the poisson writer with a hold, given a free
    /// start (module docs).
    fn dead_time<R: Rng + ?Sized>(&self, d: f64, rng: &mut R) -> (u64, bool) {
        let a0 = self.mu * d;
        let beta = self.mu * self.hold;
        let k = poisson(a0, rng);
        if k == 0 {
            return (0, true);
        }
        let point = |j: u64| (a0 - j as f64 * beta).max(0.0);
        // lo: f(lo) > 0, P known at point(lo); hi: f(hi) <= 0.
        let (mut lo, mut p_lo, mut c_lo) = (0u64, a0, k);
        let mut hi = k;
        let mut p_hi = point(k);
        let mut c_hi = if p_hi > 0.0 {
            binomial(k, p_hi / a0, rng)
        } else {
            0
        };
        while hi - lo > 1 {
            let m = lo + (hi - lo) / 2;
            let p_m = point(m);
            let c_m = if p_m <= p_hi {
                c_hi
            } else {
                c_hi + binomial(c_lo - c_hi, (p_m - p_hi) / (p_lo - p_hi), rng)
            };
            if c_m > m {
                (lo, p_lo, c_lo) = (m, p_m, c_m);
            } else {
                (hi, p_hi, c_hi) = (m, p_m, c_m);
            }
        }
        (hi, c_hi == hi)
    }
}
