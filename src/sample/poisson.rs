//! Poisson variates with a new mean every window, cheaply and exactly.
//!
//! `rand_distr::Poisson::new` computes `ln Γ` for every new mean; here a
//! window's mean changes every draw, so we use the two classic exact
//! algorithms whose set-up is one `exp` or nothing: multiplication of
//! uniforms below mean 16 (Knuth, TAOCP vol. 2, 3.4.1; cheaper than PTRS
//! there, measured) and PTRS above
//! (W. Hörmann, "The transformed rejection method for generating Poisson
//! random variables", Insurance: Mathematics and Economics 12, 1993), as in
//! NumPy's `random_poisson`, with its acceptance test in a form that stays
//! exact for large means. Owning the algorithm also keeps a seed's results
//! independent of rand_distr's version.

use rand::{Rng, RngExt};

use crate::analyze::ln_pois;

/// The largest mean drawn exactly here: up to 2^52 every integer a count
/// may take (within 40 sd of the mean) is an f64. Larger means are drawn
/// by the caller from the normal limit in integers (see `draw`).
pub(crate) const EXACT_MEAN_MAX: f64 = 4_503_599_627_370_496.0; // 2^52

/// `N ~ Poisson(mean)` for `0 <= mean <= EXACT_MEAN_MAX` (0 for NaN).
#[inline]
pub(crate) fn poisson<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> u64 {
    debug_assert!(
        mean.is_nan() || mean <= EXACT_MEAN_MAX,
        "poisson mean {mean} past the exact range"
    );
    if mean < 16.0 {
        if mean > 0.0 { mult(mean, rng) } else { 0 }
    } else {
        ptrs(mean, rng)
    }
}

/// A standard normal deviate (Box-Muller, one of the pair): owned, so a
/// seed's results do not depend on rand_distr's version.
#[inline]
pub(crate) fn std_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1: f64 = rng.random();
    let u2: f64 = rng.random();
    (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
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
        // The pmf in log space by Loader's saddle-point form (analyze's
        // ln_pois): the textbook `-mean + k ln mean - ln k!` subtracts
        // numbers of size k ln k: by k ~ 2^45 its rounding error is 0.1,
        // a 10% error in the ratio it tests.
        if v.ln() + inv_alpha.ln() - (a / (us * us) + b).ln() <= ln_pois(k, mean) {
            return k as u64;
        }
    }
}

#[cfg(test)]
mod tests {
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
