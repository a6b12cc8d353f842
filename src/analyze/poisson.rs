//! The Poisson log-probability `ln P(N = n)` for `N ~ Poisson(y)`, accurate
//! for any `n` up to 2^64 and beyond.
//!
//! The naive `n ln y - y - ln Γ(n+1)` subtracts numbers of size ~n ln n and
//! loses everything for n = 2^31..2^63. Loader's saddle-point form (C.
//! Loader, "Fast and Accurate Computation of Binomial Probabilities", 2000;
//! the algorithm of R's `dpois`) keeps full relative accuracy:
//! `ln P = -stirlerr(n) - bd0(n, y) - ln(2 pi n)/2`, where `bd0(n, y) =
//! n ln(n/y) + y - n` is evaluated by a series when n is near y.
//! `n` may be any real >= 0 (the Gamma-function continuation).
//!
//! Hand-written because the crates do not do this: statrs 0.19's
//! `Poisson::ln_pmf(2^63)` at mean 2^63 returns 0 where the answer is
//! -22.753 (checked). Only statrs' `ln_gamma` is used, for n <= 15.

use statrs::function::gamma::ln_gamma;

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// `ln Γ(n+1) - (n + 1/2) ln n + n - ln sqrt(2 pi)`, the error of Stirling's
/// formula; series for n > 15 (Loader 2000, eq. 2).
fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        return ln_gamma(n + 1.0) - (n + 0.5) * n.ln() + n - LN_SQRT_2PI;
    }
    let nn = n * n;
    if n > 500.0 {
        return (S0 - S1 / nn) / n;
    }
    (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
}

/// `n ln(n/y) + y - n` (the deviance term), accurate when n is close to y.
fn bd0(n: f64, y: f64) -> f64 {
    if (n - y).abs() < 0.1 * (n + y) {
        let v = (n - y) / (n + y);
        let mut s = (n - y) * v;
        let mut ej = 2.0 * n * v;
        let v2 = v * v;
        for j in 1..1000 {
            ej *= v2;
            let s1 = s + ej / (2 * j + 1) as f64;
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        s
    } else {
        n * (n / y).ln() + y - n
    }
}

/// `ln P(N = n)`, `N ~ Poisson(y)`, for real `n >= 0`, `y >= 0`.
pub fn ln_pois(n: f64, y: f64) -> f64 {
    if y <= 0.0 {
        return if n == 0.0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if n == 0.0 {
        return -y;
    }
    if !y.is_finite() {
        return f64::NEG_INFINITY;
    }
    if n <= 15.0 {
        return n * y.ln() - y - ln_gamma(n + 1.0);
    }
    -stirlerr(n) - bd0(n, y) - 0.5 * (2.0 * std::f64::consts::PI * n).ln()
}

/// `e^tau - 1 - tau`, accurate for tiny `tau` (series below 0.1).
fn expm1_minus(tau: f64) -> f64 {
    if tau.abs() < 0.1 {
        // tau^2/2! + tau^3/3! + ... ; 12 terms reach 1e-17 at |tau| = 0.1
        let mut term = tau * tau / 2.0;
        let mut sum = term;
        for k in 3..16 {
            term *= tau / k as f64;
            sum += term;
        }
        sum
    } else {
        tau.exp_m1() - tau
    }
}

/// `ln P(N = n)` for `N ~ Poisson(n e^tau)`: the pmf at a mean given
/// relative to `n`. Near the peak (`tau` ~ `1/sqrt(n)`, which is 1e-15 for
/// n = 1e30) `n e^tau` cannot be formed in f64 without losing the
/// difference to n, so the deviance is taken directly:
/// `bd0(n, n e^tau) = n (e^tau - 1 - tau)`. `n >= 1`.
pub fn ln_pois_rel(n: f64, tau: f64) -> f64 {
    if n <= 15.0 {
        return ln_pois(n, n * tau.exp());
    }
    -stirlerr(n) - n * expm1_minus(tau) - 0.5 * (2.0 * std::f64::consts::PI * n).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_form_agrees_and_resolves_huge_n() {
        for &(n, tau) in &[
            (3.0, 0.2),
            (20.0, -0.1),
            (1000.0, 0.01),
            (1e6, -3e-4),
            (50.0, 1.5),
        ] {
            let a = ln_pois(n, n * f64::exp(tau));
            let b = ln_pois_rel(n, tau);
            assert!(
                (a - b).abs() < 1e-9 * a.abs().max(1.0),
                "{n} {tau}: {a} {b}"
            );
        }
        // n = 1e30, one standard deviation off the peak: the Gaussian limit
        // gives -1/2 - ln sqrt(2 pi n).
        let n = 1e30;
        let got = ln_pois_rel(n, -1.0 / n.sqrt());
        let want = -0.5 - 0.5 * (2.0 * std::f64::consts::PI * n).ln();
        assert!((got - want).abs() < 1e-9, "{got} {want}");
    }

    #[test]
    fn matches_the_direct_formula_where_that_is_accurate() {
        for &(n, y) in &[
            (3.0, 2.5),
            (20.0, 17.0),
            (100.0, 130.0),
            (1000.0, 1000.0),
            (40.0, 400.0),
        ] {
            let direct = n * f64::ln(y) - y - ln_gamma(n + 1.0);
            let got = ln_pois(n, y);
            assert!(
                (got - direct).abs() < 1e-9 * direct.abs().max(1.0),
                "{n} {y}: {got} {direct}"
            );
        }
    }

    #[test]
    fn sums_to_one_and_has_the_normal_peak_for_huge_n() {
        let y = 5000.0;
        let s: f64 = (0..20000).map(|n| ln_pois(n as f64, y).exp()).sum();
        assert!((s - 1.0).abs() < 1e-12, "{s}");
        // At n = y = 2^62 the pmf is 1/sqrt(2 pi y) to first order (CLT).
        let y = 2f64.powi(62);
        let want = -0.5 * (2.0 * std::f64::consts::PI * y).ln();
        assert!((ln_pois(y, y) - want).abs() < 1e-9, "{}", ln_pois(y, y));
    }
}
