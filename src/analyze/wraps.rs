//! `P(FALSE POSITIVE) = Σ_{k >= 1} P(start free, N = k * period, end free)`:
//! the sum over whole wraps of the counter.
//!
//! Terms are summed one by one while they change quickly with k. Once the
//! term's log changes by less than 0.05 from one k to the next (a slowly
//! varying tail, e.g. a heavy-tailed window and a small counter), the rest
//! is Euler-Maclaurin: `Σ_{k>=a} g(k) = ∫_a^∞ g + g(a)/2 - g'(a)/12 + R`
//! with `|R| <~ |g'''|/720`, which is 1e-7 of the tail at that slope. The
//! integral is taken in `u = ln k` by [`super::quad`].
//!
//! For windows that are a few atoms (fixed, hist) each atom's terms sit
//! around `k ≈ rate D / period`; [`ln_sum_atom`] sums exactly the k whose
//! Poisson (or tent) weight is not negligible.

use super::count::Counts;
use super::logprob::ln_add;
use super::quad::{T_MAX, ln_integrate_from};
use crate::timing::Process;

/// Terms summed one by one before the tail, at most.
const MAX_DIRECT: u64 = 4096;

/// `ln Σ_{k=k0}^{k_max} exp(g(k))` for a continuous window, `g(k) =
/// ln_count(k * period)`. `k_max` may be `u64::MAX` (no bound).
pub(crate) fn ln_sum_wraps(counts: &Counts<'_>, period: f64, k0: u64, k_max: u64) -> f64 {
    let g = |k: f64| counts.ln_count(k * period);
    let mut acc = f64::NEG_INFINITY;
    let mut prev = f64::NAN;
    let mut k = k0;
    let mut direct = 0u64;
    while k <= k_max {
        let t = g(k as f64);
        acc = ln_add(acc, t);
        direct += 1;
        let slope = t - prev;
        if direct >= 8 && t < acc - 46.0 && slope < 0.0 {
            return acc; // negligible and falling
        }
        if direct >= 64 && acc == f64::NEG_INFINITY {
            return acc; // nothing at all this far out
        }
        let room = k_max - k > 64;
        if room && ((direct >= 16 && slope.abs() < 0.05) || direct >= MAX_DIRECT) {
            return ln_add(acc, ln_tail(&g, k + 1, k_max, slope));
        }
        prev = t;
        if k == u64::MAX {
            break;
        }
        k += 1;
    }
    acc
}

/// Euler-Maclaurin tail `Σ_{k=a}^{b} exp(g(k))` with `b` possibly
/// unbounded; `slope0` is `g(a-1) - g(a-2)`, used for `g'(a)`.
fn ln_tail(g: &impl Fn(f64) -> f64, a: u64, b: u64, slope0: f64) -> f64 {
    let af = a as f64;
    let hi = if b == u64::MAX {
        T_MAX
    } else {
        (b as f64).ln()
    };
    // ∫ g(k) dk over u = ln k: L(u) = g(e^u) + u, derivatives numerically.
    let h = 1e-2; // well above the quadrature noise of g
    let f = |u: f64, derivs: bool| {
        let l0 = g(u.exp()) + u;
        if !derivs {
            return (l0, 0.0, 0.0);
        }
        let lp = g((u + h).exp()) + u + h;
        let lm = g((u - h).exp()) + u - h;
        (l0, (lp - lm) / (2.0 * h), (lp - 2.0 * l0 + lm) / (h * h))
    };
    let integral = ln_integrate_from(af.ln(), hi, af.ln() + 0.5, &f);
    let ga = g(af);
    let slope_a = if slope0.is_finite() {
        g(af) - g(af - 1.0)
    } else {
        0.0
    };
    // g(a)/2 - g'(a)/12, with g'(a) = g(a) * slope: relative to g(a).
    let mut corr = 0.5 - slope_a / 12.0;
    if b != u64::MAX {
        let bf = b as f64;
        let gb = g(bf);
        let slope_b = gb - g(bf - 1.0);
        corr += ((gb - ga).exp()) * (0.5 + slope_b / 12.0);
    }
    if corr > 0.0 {
        ln_add(integral, ga + corr.ln())
    } else {
        integral
    }
}

/// `ln Σ_k P(start free, N = k*period, end free | D)` for one window length
/// `d`, summing only the k whose weight is not negligible: around the mean
/// count `rate D`, within 40 standard deviations (Poisson), or the <= 2
/// counts the tent touches (fixed).
pub(crate) fn ln_sum_atom(counts: &Counts<'_>, period: u64, k_max: u64, d: f64) -> f64 {
    let pf = period as f64;
    let m = counts.rate * d;
    let (n_lo, n_hi) = match counts.process {
        Process::Fixed => (m - 1.0, m + 1.0),
        Process::Poisson => {
            let spread = 40.0 * m.sqrt() + 50.0;
            let cap = if counts.hold > 0.0 {
                d / counts.hold + 1.0
            } else {
                f64::INFINITY
            };
            (m - spread, (m + spread).min(cap))
        }
    };
    // The multiples of the period just outside the range are kept too:
    // for a window far shorter than a wrap they are the (tiny, not zero)
    // answer. The tent of a fixed writer is exactly 0 there.
    let mut k_lo = (n_lo / pf).floor().max(1.0);
    let k_hi = (n_hi / pf).ceil().max(k_lo).min(k_max as f64);
    if k_hi < k_lo {
        // A bounded scheme's T lies below the significant range: the
        // answer is the far tail just under T, dominated by the largest
        // allowed counts; sum the top 1000 multiples.
        k_lo = (k_hi - 999.0).max(1.0);
    }
    if k_hi < k_lo {
        return f64::NEG_INFINITY;
    }
    if k_hi - k_lo > 2e5 {
        // Counts spread over >2e5 wraps (sd >> period): N mod period is
        // uniform to within exp(-2 pi^2 Var N / period^2) < 1e-300, so the
        // sum is P(start free, end free, N in range) / period. The end is
        // free with its stationary probability 1 - h this far out.
        // A bounded scheme's T may cut the range: then only the part of
        // the count distribution below T counts (normal limit of N, whose
        // sd here exceeds 5000 periods).
        let free = counts.free;
        let cut = if (k_max as f64) < (n_hi / pf).ceil() {
            let sd = m.sqrt() * free; // dead time shrinks the spread by 1 - h
            let z = ((k_max as f64 + 0.5) * pf - m) / sd;
            0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
        } else {
            1.0
        };
        return 2.0 * free.ln() - pf.ln() + cut.ln();
    }
    let mut acc = f64::NEG_INFINITY;
    let mut k = k_lo;
    while k <= k_hi {
        acc = ln_add(acc, counts.ln_count_at(k * pf, d));
        k += 1.0;
    }
    acc
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
            let got = ln_sum_wraps(&c, mf, 1, u64::MAX);
            assert!(
                (got - want).abs() < 1e-6 * want.abs().max(1.0),
                "a={a} M={m}: {got} vs {want}"
            );
            // bounded: only k <= 3
            let want3 = (1..=3).fold(f64::NEG_INFINITY, |acc, k| {
                ln_add(acc, k as f64 * mf * lq - (1.0 + a).ln())
            });
            let got3 = ln_sum_wraps(&c, mf, 1, 3);
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
        let got = ln_sum_atom(&c, 16, u64::MAX, 300e-6).exp();
        assert!((got - brute).abs() < 1e-12, "{got} {brute}");
    }
}
#[cfg(test)]
mod tail_tests {
    use super::*;
    use crate::timing::{Window, Writer};

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
        let got = ln_sum_wraps(&c, 2.0, 1, u64::MAX);
        assert!(
            (got.exp() - plain.exp()).abs() < 1e-5 * plain.exp(),
            "{} {}",
            got.exp(),
            plain.exp()
        );
    }
}
