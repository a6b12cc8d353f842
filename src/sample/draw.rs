//! One window, drawn in O(1) (O(log N) with a hold): its length, the
//! writer activity it sees, and its outcome by [`TimedProtocol::classify`].
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
//! # Counts past 2^52
//!
//! An f64 stops resolving single cycles at 2^53, and the residue of N
//! modulo the period is what decides a false positive. So counts are
//! integers (u128; past 2^128 their residue modulo 2^64, see
//! [`count_repr`]), never rounded floats:
//!
//! - `rate D` is taken exactly ([`Cycles`]): for a fixed or hist window it
//!   is the very number `analyze` uses.
//! - A Poisson count of mean m > 2^52 is drawn from its normal limit
//!   `m + sqrt(m) Z`, added to the exact mean in integers. The limit is off
//!   by O(m^-1/2) < 1.5e-8 relatively (Edgeworth), far below what 1e9
//!   samples can see.
//! - Continuous quantities past f64's resolution are smoothed: an f64 draw
//!   (a window length from a continuous distribution, a normal deviate)
//!   takes only so many distinct values, 2^-33 of the value apart at worst
//!   (lognormal and Pareto tails; Box-Muller to 6 sigma), so its low
//!   integer digits would be lumped. A uniform of width 2^-30 of the value
//!   (a power of two, its integer part drawn in integers) is added before
//!   taking the integer part. That convolves the distribution with a
//!   uniform of relative width 1e-9, which changes any probability of a
//!   smooth distribution by that order; fixed and hist lengths are never
//!   smoothed.
//! - With a hold and more than 2^52 attempts in the window, N is drawn from
//!   the renewal limit `Normal(rate D, (1 - h)^2 rate D)` and the end is
//!   held with its stationary probability h, independently: exact to
//!   `O(1/σ)` with `σ = (1 - h) sqrt(rate D)`, so only while `σ >= 2^20`.
//!   Below that (a lock held > 98.4% of the time) the window is past the
//!   exact range and the run is refused ([`Drawer::draw`] gives `None`).

use rand::{Rng, RngExt};
use rand_distr::{Binomial, Distribution};

use super::poisson::{EXACT_MEAN_MAX, poisson, std_normal};

use crate::timing::{Cycles, Outcome, Process, TimedProtocol, WindowSampler, Writer, count_repr};

/// Below this many cycles `rate D` in f64 resolves a cycle to 2^-22 of
/// one even after the window draw's own rounding: the fixed writer's phase
/// is added in f64.
const F64_CYCLES: f64 = (1u64 << 30) as f64;

/// Relative width of the smoothing of continuous quantities (module docs).
const SMOOTH: f64 = 1.0 / (1u64 << 30) as f64;

/// With a hold, the renewal limit is used only when its standard
/// deviation is at least this many cycles.
const RENEWAL_SD_MIN: f64 = (1u64 << 20) as f64;

/// A non-negative real count kept exactly: its integer part (when known;
/// `None` means at least 2^64, with only the residue kept), that integer
/// modulo 2^64, and the fraction in [0, 1).
#[derive(Clone, Copy, Debug)]
struct ExactCount {
    int: Option<u128>,
    low: u64,
    frac: f64,
}

impl ExactCount {
    fn cycles(c: Cycles) -> ExactCount {
        ExactCount {
            int: c.int,
            low: c.low,
            frac: c.frac,
        }
    }

    const ZERO: ExactCount = ExactCount {
        int: Some(0),
        low: 0,
        frac: 0.0,
    };

    /// True when adding `k` would go below 0 (the count is clamped there).
    fn below_zero(self, k: i128) -> bool {
        k < 0 && self.int.is_some_and(|i| i < k.unsigned_abs())
    }

    /// `self + k`, clamped at 0.
    fn add_int(self, k: i128) -> ExactCount {
        if self.below_zero(k) {
            return ExactCount::ZERO;
        }
        let int = match self.int {
            Some(i) if k >= 0 => i.checked_add(k as u128),
            Some(i) => Some(i - k.unsigned_abs()),
            None => None,
        };
        ExactCount {
            int,
            // two's complement: the residue of k modulo 2^64
            low: self.low.wrapping_add(k as u64),
            frac: self.frac,
        }
    }

    /// `self + v` for a finite f64 `v` (|v| < 2^126): its integer part is
    /// added exactly, its fraction in f64; clamped at 0.
    fn add(self, v: f64) -> ExactCount {
        let t = self.frac + v;
        let ti = t.floor();
        let k = ti as i128;
        if self.below_zero(k) {
            return ExactCount::ZERO;
        }
        ExactCount {
            frac: (t - ti).min(1.0 - f64::EPSILON / 2.0),
            ..self.add_int(k)
        }
    }

    /// Add a uniform on `[-J/2, J/2)`, `J` the power of two at or above
    /// `width`, with its integer part drawn as an integer (module docs).
    fn smooth<R: Rng + ?Sized>(self, width: f64, rng: &mut R) -> ExactCount {
        let log = width.log2().ceil();
        if log >= 64.0 {
            // The residue modulo 2^64 is uniform and the count >= 2^64.
            return ExactCount {
                int: None,
                low: rng.random(),
                frac: rng.random(),
            };
        }
        let v: f64 = rng.random();
        if log <= 0.0 {
            let j = 2f64.powi(log as i32);
            return self.add(j * (v - 0.5));
        }
        let j = 1u64 << (log as u32);
        let k = (rng.random::<u64>() & (j - 1)) as i128 - i128::from(j / 2);
        self.add_int(k).add(v)
    }

    /// As [`TimedProtocol::classify`] reads a count.
    fn count(self) -> u128 {
        count_repr(self.int, self.low)
    }
}

/// Everything one window draw needs, built once per run.
#[derive(Clone, Debug)]
pub(crate) struct Drawer {
    pub(crate) protocol: TimedProtocol,
    pub(crate) window: WindowSampler,
    discrete: bool,
    process: Process,
    rate: f64,
    held: f64,
    free: f64,
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
    pub(crate) fn new(protocol: TimedProtocol, window: WindowSampler, writer: &Writer) -> Drawer {
        Drawer {
            protocol,
            discrete: window.is_discrete(),
            window,
            process: writer.process(),
            rate: writer.rate(),
            held: writer.held_fraction(),
            free: 1.0 - writer.held_fraction(),
            mu: writer.free_rate(),
            hold: writer.hold(),
        }
    }

    /// One window's outcome; `None` for a window past the exact range
    /// (module docs: a hold, more than 2^52 attempts, σ < 2^20).
    #[inline]
    pub(crate) fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<Outcome> {
        let d = self.window.draw(rng);
        Some(match self.process {
            Process::Fixed => {
                let u: f64 = rng.random();
                if u < self.held {
                    return Some(Outcome::Abort);
                }
                let x = self.rate * d;
                if !self.discrete && x < F64_CYCLES {
                    // The common case, in f64.
                    let n = (x + u).floor();
                    // x - n is exact (Sterbenz), so t is x + u - n to the
                    // last bit; a sum that rounded up to the next integer
                    // shows as t < 0 and is undone.
                    let t = (x - n) + u;
                    let (n, t) = if t < 0.0 { (n - 1.0, t + 1.0) } else { (n, t) };
                    return Some(
                        self.protocol
                            .classify(false, n as u64 as u128, t < self.held),
                    );
                }
                self.fixed_exact(d, u, rng)
            }
            Process::Poisson if self.hold == 0.0 => {
                let m = self.rate * d;
                if m <= EXACT_MEAN_MAX {
                    self.protocol
                        .classify(false, u128::from(poisson(m, rng)), false)
                } else {
                    self.poisson_big(d, m, rng)
                }
            }
            Process::Poisson => {
                let u: f64 = rng.random();
                if u < self.held {
                    return Some(Outcome::Abort);
                }
                if self.mu * d <= EXACT_MEAN_MAX {
                    let (n, end_free) = self.dead_time(d, rng);
                    self.protocol.classify(false, u128::from(n), !end_free)
                } else {
                    return self.renewal_big(d, rng);
                }
            }
        })
    }

    // The paths past f64's resolution, kept out of line so that the
    // common case stays small in the sampling loop.

    /// Fixed writer: `rate d` exactly (smoothed for continuous windows),
    /// plus the phase `u`.
    #[cold]
    #[inline(never)]
    fn fixed_exact<R: Rng + ?Sized>(&self, d: f64, u: f64, rng: &mut R) -> Outcome {
        let base = ExactCount::cycles(Cycles::of(self.rate, d));
        let base = if self.discrete {
            base
        } else {
            base.smooth(self.rate * d * SMOOTH, rng)
        };
        let y = base.add(u);
        self.protocol.classify(false, y.count(), y.frac < self.held)
    }

    /// Poisson writer, no hold, mean `m` past 2^52.
    #[cold]
    #[inline(never)]
    fn poisson_big<R: Rng + ?Sized>(&self, d: f64, m: f64, rng: &mut R) -> Outcome {
        let n = self.normal(d, m.sqrt(), rng).count();
        self.protocol.classify(false, n, false)
    }

    /// Poisson writer with a hold, more than 2^52 attempts: the renewal
    /// limit, or `None` past the exact range.
    #[cold]
    #[inline(never)]
    fn renewal_big<R: Rng + ?Sized>(&self, d: f64, rng: &mut R) -> Option<Outcome> {
        let sd = self.free * (self.rate * d).sqrt();
        if sd < RENEWAL_SD_MIN {
            return None;
        }
        let n = self.normal(d, sd, rng).count();
        let end_held = rng.random::<f64>() < self.held;
        Some(self.protocol.classify(false, n, end_held))
    }

    /// `round(rate d + sd Z)`, `Z` standard normal, in exact integers
    /// (module docs).
    fn normal<R: Rng + ?Sized>(&self, d: f64, sd: f64, rng: &mut R) -> ExactCount {
        let centre = ExactCount::cycles(Cycles::of(self.rate, d));
        let centre = if self.discrete {
            centre
        } else {
            centre.smooth(self.rate * d * SMOOTH, rng)
        };
        centre
            .add(sd * std_normal(rng) + 0.5)
            .smooth(sd * SMOOTH, rng)
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn exact_counts_add_in_integers() {
        let e = ExactCount::cycles(Cycles::of(1e20, 1.0));
        assert_eq!(e.count(), 100_000_000_000_000_000_000);
        assert_eq!(e.add(2.5).count(), 100_000_000_000_000_000_002);
        assert_eq!(e.add(-3.25).count(), 99_999_999_999_999_999_996);
        assert!((e.add(-3.25).frac - 0.75).abs() < 1e-15);
        assert_eq!(
            ExactCount::cycles(Cycles::of(3.5, 1.0)).add(-10.0).count(),
            0
        );
        // past 2^128 the residue follows
        let big = ExactCount {
            int: None,
            low: u64::MAX,
            frac: 0.0,
        };
        assert_eq!(big.add(1.0).low, 0);
        assert_eq!(big.add_int(-1).low, u64::MAX - 1);
    }

    #[test]
    fn smoothing_covers_every_residue() {
        // A 2^40-wide uniform added to an integer: its residues modulo 2
        // and 128 are uniform (a lumped f64 would give only even values).
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let base = ExactCount::cycles(Cycles::of(1e20, 1.0));
        let n = 100_000;
        let (mut odd, mut zero128) = (0, 0);
        for _ in 0..n {
            let c = base.smooth(2f64.powi(40), &mut rng).count();
            odd += (c % 2) as u32;
            zero128 += u32::from(c.is_multiple_of(128));
        }
        let sd2 = (n as f64 * 0.25).sqrt();
        assert!((f64::from(odd) - n as f64 / 2.0).abs() < 5.0 * sd2, "{odd}");
        let p = 1.0 / 128.0;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        assert!(
            (f64::from(zero128) - n as f64 * p).abs() < 5.0 * sd,
            "{zero128}"
        );
    }
}
