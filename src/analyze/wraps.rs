//! `P(FALSE POSITIVE) = Σ_{k >= 1} P(start free, N = k * period, end free)`:
//! the sum over whole wraps of the counter, in bounded work for every
//! input (a window may span 1e30 cycles and more).
//!
//! Two tools, both bounded:
//!
//! - [`ln_sum_walk`] sums a unimodal sequence of terms one by one while
//!   they change quickly, at most [`MAX_DIRECT`] of them. Once the term's
//!   log changes by less than 0.05 from one term to the next (a slowly
//!   varying tail) the rest is Euler-Maclaurin: `Σ_{k>=a} g(k) = ∫_a^∞ g +
//!   g(a)/2 - g'(a)/12 + R` with `|R| <~ |g'''|/720`, which is 1e-7 of the
//!   tail at that slope. The integral is taken in `u = ln k` by
//!   [`super::quad`], so a tail of 1e30 terms costs one integral.
//! - For a window that is a few atoms (fixed, hist), each atom's terms sit
//!   around the mean count `rate D`. [`ln_sum_atom`] takes that count
//!   exactly ([`Cycles`]) and sums the few multiples of the period within
//!   40 standard deviations of it; when the counts spread over many periods
//!   the residue is uniform and the sum is a closed form (see there).

use super::count::Counts;
use super::logprob::ln_add;
use super::quad::{T_MAX, ln_integrate_from};
use crate::timing::{Cycles, Process};

/// Terms summed one by one before the Euler-Maclaurin tail, at most.
const MAX_DIRECT: u64 = 4096;

/// `ln Σ_{i=0}^{len-1} exp(t(i))`, `len` possibly infinite, for a
/// unimodal `t` (rising then falling, or only falling). Work: at most
/// [`MAX_DIRECT`] terms and one integral. `i` is exact (< 2^53) wherever a
/// term is evaluated one by one.
pub(crate) fn ln_sum_walk(t: &impl Fn(f64) -> f64, len: f64) -> f64 {
    let mut acc = f64::NEG_INFINITY;
    let mut prev = f64::NAN;
    let mut i = 0.0f64;
    let mut direct = 0u64;
    while i < len {
        let v = t(i);
        acc = ln_add(acc, v);
        direct += 1;
        let slope = v - prev;
        if direct >= 8 && v < acc - 46.0 && slope < 0.0 {
            return acc; // negligible and falling
        }
        if direct >= 64 && acc == f64::NEG_INFINITY {
            return acc; // nothing at all this far out
        }
        let room = len - i > 64.0;
        if room && ((direct >= 16 && slope.abs() < 0.05) || direct >= MAX_DIRECT) {
            return ln_add(acc, ln_tail(t, i + 1.0, len - 1.0));
        }
        prev = v;
        i += 1.0;
    }
    acc
}

/// Euler-Maclaurin tail `Σ_{i=a}^{b} exp(t(i))` for `1 <= a < b`, `b`
/// possibly infinite.
fn ln_tail(t: &impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let hi = if b.is_finite() { b.ln() } else { T_MAX };
    // ∫ t(i) di over u = ln i: L(u) = t(e^u) + u, derivatives numerically.
    let h = 1e-2; // well above the quadrature noise of t
    let f = |u: f64, derivs: bool| {
        let l0 = t(u.exp()) + u;
        if !derivs {
            return (l0, 0.0, 0.0);
        }
        let lp = t((u + h).exp()) + u + h;
        let lm = t((u - h).exp()) + u - h;
        (l0, (lp - lm) / (2.0 * h), (lp - 2.0 * l0 + lm) / (h * h))
    };
    let integral = ln_integrate_from(a.ln(), hi, a.ln() + 0.5, &f);
    let ta = t(a);
    let slope_a = ta - t(a - 1.0);
    let slope_a = if slope_a.is_finite() { slope_a } else { 0.0 };
    // t(a)/2 - t'(a)/12, with t'(a) = t(a) * slope: relative to t(a).
    let mut corr = 0.5 - slope_a / 12.0;
    if b.is_finite() {
        let tb = t(b);
        let slope_b = tb - t(b - 1.0);
        let slope_b = if slope_b.is_finite() { slope_b } else { 0.0 };
        corr += ((tb - ta).exp()) * (0.5 + slope_b / 12.0);
    }
    if corr > 0.0 && ta.is_finite() {
        ln_add(integral, ta + corr.ln())
    } else {
        integral
    }
}

/// `ln Σ_{k=k0}^{k_max} exp(g(k))` for a continuous window, `g(k) =
/// ln_count(k * period)`, `k_max = None` for no bound. A bound below `k0`
/// (a bounded protocol's T under every likely count) sums down from it.
pub(crate) fn ln_sum_wraps(counts: &Counts<'_>, period: f64, k0: f64, k_max: Option<f64>) -> f64 {
    match k_max {
        Some(km) if km < 1.0 => f64::NEG_INFINITY,
        Some(km) if km < k0 => ln_sum_walk(&|i: f64| counts.ln_count((km - i) * period), km),
        _ => {
            let len = k_max.map_or(f64::INFINITY, |km| km - k0 + 1.0);
            ln_sum_walk(&|i: f64| counts.ln_count((k0 + i) * period), len)
        }
    }
}

/// Counts spread over at least this many periods (in standard deviations
/// of N) have a uniform residue; see [`ln_sum_atom`].
const UNIFORM_SD_PERIODS: f64 = 8.0;

/// `ln Σ_{k=1}^{k_max} P(start free, N = k*period, end free | D = d)` for
/// one window length `d`; `k_max = None` for no bound.
///
/// The count is centred on `x = rate d`, taken exactly ([`Cycles`]); with
/// `r = x mod period`, the multiples of the period near it are `x - r +
/// j period`, at the exact distance `δ_j = j period - r` from the centre.
///
/// - fixed writer: the tent `(1 - h - |δ|)+` touches at most the two
///   multiples around x (j = 0, 1).
/// - poisson writer: N has standard deviation `σ = (1 - h) sqrt(x)`. While
///   `σ < 8 period` the multiples within 40 σ (and one beyond each end:
///   for a window far shorter than a wrap that one is the tiny, not zero,
///   answer) are summed: at most ~700 terms. From `σ >= 8 period` on, the
///   residue of N is uniform: by Poisson summation the sum is `1/period`
///   of the total, up to a relative `exp(-2 π² (σ/period)²) < e^-1263`,
///   nothing in an f64; the same bound covers the end being free with its
///   stationary probability `1 - h` (the phase of the last cycle has
///   spread over σ >= 16 cycles). So it is `(1 - h)² / period`.
/// - a bounded protocol's `k_max` cutting into or below those counts: the
///   terms are walked down from `k_max` ([`ln_sum_walk`]).
pub(crate) fn ln_sum_atom(counts: &Counts<'_>, period: u64, k_max: Option<u64>, d: f64) -> f64 {
    let pf = period as f64;
    let x = Cycles::of(counts.rate, d);
    let r = x.rem(period);
    // k of the multiple at or below x; None beyond 2^128 cycles.
    let Some(k_b) = x.quot(period) else {
        // Every count is within 40 σ of x >= 2^128 > any cap.
        return match k_max {
            Some(_) => f64::NEG_INFINITY,
            None => uniform(counts, pf, x.approx),
        };
    };
    // The term of the multiple k_b + j.
    let term = |j: f64| {
        let delta = j * pf - r;
        let n = (k_b as f64) + j;
        counts.ln_count_near(n * pf, delta, d)
    };
    let spread = match counts.process {
        Process::Fixed => 1.0,
        Process::Poisson => 40.0 * counts.free * x.approx.sqrt() + 50.0,
    };
    // Multiples with |δ| <= spread, one more each side; and k >= 1.
    let j_lo = ((r - spread) / pf).ceil() - 1.0;
    let j_hi = ((r + spread) / pf).floor() + 1.0;
    let j_lo = j_lo.max(1.0 - k_b as f64);
    // The cap, as an offset from k_b (exact in i128, then f64).
    let j_cap = k_max.map(|km| (i128::from(km) - k_b as i128) as f64);
    let sd = counts.free * x.approx.sqrt();
    let uniform_ok = counts.process == Process::Poisson && sd >= UNIFORM_SD_PERIODS * pf;
    match j_cap {
        Some(c) if c < j_hi => {
            if c < 1.0 - k_b as f64 {
                return f64::NEG_INFINITY; // no k >= 1 allowed at all
            }
            if !uniform_ok && c >= j_lo {
                return direct(&term, j_lo, c);
            }
            // The cap lies in or below the bulk: walk down from it.
            let len = c - (1.0 - k_b as f64) + 1.0;
            ln_sum_walk(&|i: f64| term(c - i), len)
        }
        _ if uniform_ok => uniform(counts, pf, x.approx),
        _ => direct(&term, j_lo, j_hi),
    }
}

/// `ln Σ_{j=lo}^{hi} exp(term(j))` for a short range (<= ~700 terms by
/// the choice of the range in [`ln_sum_atom`]).
fn direct(term: &impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    let mut acc = f64::NEG_INFINITY;
    let mut j = lo;
    while j <= hi {
        acc = ln_add(acc, term(j));
        j += 1.0;
    }
    acc
}

/// `(1 - h)² / period`: the uniform residue of a count spread over many
/// periods (see [`ln_sum_atom`]). A window of zero cycles has none.
fn uniform(counts: &Counts<'_>, pf: f64, mean: f64) -> f64 {
    if mean > 0.0 {
        2.0 * counts.free.ln() - pf.ln()
    } else {
        f64::NEG_INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timing::{Window, Writer};

    /// Geometric counts (poisson writer, exponential window, no hold):
    /// `Σ_{k>=1} q^(kM) / (1+a) = q^M / ((1 - q^M)(1 + a))`, `q = a/(1+a)`.
    /// With a = 2000 and M = 4 the tail is long and slowly varying, so this
    /// exercises the Euler-Maclaurin switch.
    #[test]
    fn geometric_sum_over_wraps_matches_closed_form() {
        for (a, m) in [(2000.0f64, 4u64), (100.0, 128), (3.0, 128), (1e7, 1 << 20)] {
            let w = Writer::new(1e6, Process::Poisson, 0.0).unwrap();
            let win = Window::Exp { mean: a / 1e6 };
            let c = Counts::new(&w, &win);
            let lq = (a / (1.0 + a)).ln();
            let mf = m as f64;
            let want = mf * lq - (-(mf * lq).exp_m1()).ln() - (1.0 + a).ln();
            let got = ln_sum_wraps(&c, mf, 1.0, None);
            assert!(
                (got - want).abs() < 1e-6 * want.abs().max(1.0),
                "a={a} M={m}: {got} vs {want}"
            );
            // bounded: only k <= 3
            let want3 = (1..=3).fold(f64::NEG_INFINITY, |acc, k| {
                ln_add(acc, k as f64 * mf * lq - (1.0 + a).ln())
            });
            let got3 = ln_sum_wraps(&c, mf, 1.0, Some(3.0));
            assert!(
                (got3 - want3).abs() < 1e-8 * want3.abs().max(1.0),
                "bounded a={a} M={m}"
            );
        }
    }

    /// A fixed window under a poisson writer: the direct atom sum equals
    /// the brute sum of Poisson pmf values at multiples of the period.
    #[test]
    fn atom_sum_matches_brute_poisson_sum() {
        let w = Writer::new(1e6, Process::Poisson, 0.0).unwrap();
        let win = Window::Fixed { len: 300e-6 };
        let c = Counts::new(&w, &win);
        let brute: f64 = (1..40)
            .map(|k| super::super::poisson::ln_pois(k as f64 * 16.0, 300.0).exp())
            .sum();
        let got = ln_sum_atom(&c, 16, None, 300e-6).exp();
        assert!((got - brute).abs() < 1e-12, "{got} {brute}");
        // capped at k <= 10 (T = 160..=175 cycles), and below the bulk
        let brute10: f64 = (1..=10)
            .map(|k| super::super::poisson::ln_pois(k as f64 * 16.0, 300.0).exp())
            .sum();
        let got10 = ln_sum_atom(&c, 16, Some(10), 300e-6).exp();
        assert!(
            (got10 - brute10).abs() < 1e-9 * brute10,
            "{got10} {brute10}"
        );
        let brute3: f64 = (1..=3)
            .map(|k| super::super::poisson::ln_pois(k as f64 * 16.0, 300.0).exp())
            .sum();
        let got3 = ln_sum_atom(&c, 16, Some(3), 300e-6).exp();
        assert!((got3 - brute3).abs() < 1e-9 * brute3, "{got3} {brute3}");
    }

    /// The Euler-Maclaurin tail against the plain sum of every term, for
    /// a small counter (period 2) and a lognormal window: the worst case
    /// for the tail, thousands of slowly varying terms.
    #[test]
    fn euler_maclaurin_tail_matches_the_plain_sum() {
        let w = Writer::new(1e6, Process::Poisson, 0.0).unwrap();
        let win = Window::parse("lognormal:100us,400us").unwrap();
        let c = Counts::new(&w, &win);
        let plain = (1..20_000).fold(f64::NEG_INFINITY, |acc, k| {
            ln_add(acc, c.ln_count(2.0 * k as f64))
        });
        let got = ln_sum_wraps(&c, 2.0, 1.0, None);
        assert!(
            (got.exp() - plain.exp()).abs() < 1e-5 * plain.exp(),
            "{} {}",
            got.exp(),
            plain.exp()
        );
    }

    /// A walk down a slowly falling geometric sequence of 1e30 terms: one
    /// integral, and the closed form `Σ_{i<n} e^(-s i) = (1 - e^(-s n))/(1 -
    /// e^(-s))`.
    #[test]
    fn walks_over_astronomical_ranges_are_bounded_and_exact() {
        for (s, n) in [(1e-3f64, 1e30f64), (1e-20, 1e30), (0.3, f64::INFINITY)] {
            let got = ln_sum_walk(&|i: f64| -s * i, n);
            let want = (-(-s * n).exp_m1()).ln() - (-(-s).exp_m1()).ln();
            assert!(
                (got - want).abs() < 1e-7 * want.abs().max(1.0),
                "{s} {n}: {got} {want}"
            );
        }
    }
}
