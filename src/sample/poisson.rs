//! Poisson variates with a new mean every window, cheaply and exactly.
//!
//! `rand_distr::Poisson::new` computes `ln Γ` for every new mean; here a
//! window's mean changes every draw, so we use the two classic exact
//! algorithms whose set-up is one `exp` or nothing: multiplication of
//! uniforms below mean 16 (Knuth, TAOCP vol. 2, 3.4.1; cheaper than PTRS
//! there, measured) and PTRS above
//! (W. Hörmann, "The transformed rejection method for generating Poisson
//! random variables", Insurance: Mathematics and Economics 12, 1993), as in
//! NumPy's `random_poisson`. Owning the algorithm also keeps a seed's
//! results independent of rand_distr's version.

use rand::{Rng, RngExt};
use statrs::function::gamma::ln_gamma;

/// Above this mean, f64 can no longer hold every integer near it: counts
/// are drawn from the normal limit (and lose their unit resolution).
pub(crate) const EXACT_MEAN_MAX: f64 = 4_503_599_627_370_496.0; // 2^52

/// `N ~ Poisson(mean)`; `mean >= 0` (0 for NaN), saturating at 2^64 - 1.
#[inline]
pub(crate) fn poisson<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> u64 {
    if mean < 16.0 {
        if mean > 0.0 { mult(mean, rng) } else { 0 }
    } else if mean <= EXACT_MEAN_MAX {
        ptrs(mean, rng)
    } else if mean.is_finite() {
        // Normal limit (Box-Muller); relative error O(mean^-1/2) < 1e-7.
        let u1: f64 = rng.random();
        let u2: f64 = rng.random();
        let z = (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        (mean + mean.sqrt() * z).max(0.0) as u64
    } else {
        u64::MAX
    }
}

#[inline]
fn mult<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> u64 {
    let limit = (-mean).exp();
    let mut prod = 1.0;
    let mut x = 0;
    loop {
        prod *= rng.random::<f64>();
        if prod > limit {
            x += 1;
        } else {
            return x;
        }
    }
}

#[inline]
fn ptrs<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> u64 {
    let slam = mean.sqrt();
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = rng.random::<f64>() - 0.5;
        let v: f64 = rng.random();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + mean + 0.43).floor();
        if us >= 0.07 && v <= vr {
            return k as u64;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
        if v.ln() + inv_alpha.ln() - (a / (us * us) + b).ln()
            <= -mean + k * mean.ln() - ln_factorial(k)
        {
            return k as u64;
        }
    }
}

/// `ln k!` for `k >= 0`: a table below 128 (built once from statrs'
/// `ln_gamma`), Stirling's series above (error < 1e-17 there).
#[inline]
fn ln_factorial(k: f64) -> f64 {
    static TABLE: std::sync::OnceLock<[f64; 128]> = std::sync::OnceLock::new();
    if k < 128.0 {
        let t = TABLE.get_or_init(|| std::array::from_fn(|i| ln_gamma(i as f64 + 1.0)));
        return t[k as usize];
    }
    let x = k + 1.0;
    let x2 = x * x;
    (x - 0.5) * x.ln() - x
        + 0.918_938_533_204_672_8
        + (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * x2)) / x2) / x
}

#[cfg(test)]
mod tests {
    #[test]
    fn ln_factorial_is_ln_gamma() {
        for k in [0.0, 1.0, 5.0, 127.0, 128.0, 129.0, 1000.0, 1e6] {
            let want = super::ln_gamma(k + 1.0);
            assert!(
                (super::ln_factorial(k) - want).abs() < 1e-12 * want.abs().max(1.0),
                "{k}"
            );
        }
    }

    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Empirical frequencies against the exact pmf (analyze's `ln_pois`),
    /// each within 5 binomial standard deviations, on both algorithms and
    /// across the switch at mean 10.
    #[test]
    fn frequencies_match_the_pmf() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let n = 400_000u64;
        for mean in [0.3, 4.0, 9.99, 10.0, 37.5, 1000.0] {
            let mut counts = std::collections::HashMap::new();
            let mut sum = 0.0;
            for _ in 0..n {
                let k = poisson(mean, &mut rng);
                sum += k as f64;
                *counts.entry(k).or_insert(0u64) += 1;
            }
            let m = sum / n as f64;
            assert!(
                (m - mean).abs() < 5.0 * (mean / n as f64).sqrt(),
                "mean {mean}: {m}"
            );
            let centre = mean.floor() as u64;
            for k in centre.saturating_sub(3)..=centre + 3 {
                let p = crate::analyze::ln_pois(k as f64, mean).exp();
                let got = *counts.get(&k).unwrap_or(&0) as f64;
                let sd = (n as f64 * p * (1.0 - p)).sqrt();
                assert!(
                    (got - n as f64 * p).abs() < 5.0 * sd + 1.0,
                    "mean {mean} k {k}: {got} vs {}",
                    n as f64 * p
                );
            }
        }
    }
}
