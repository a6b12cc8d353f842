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

use statrs::function::gamma::ln_gamma;

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
        if v.ln() + inv_alpha.ln() - (a / (us * us) + b).ln() <= ln_pmf(k, mean) {
            return k as u64;
        }
    }
}

/// Below this k the textbook `-mean + k ln mean - ln k!` is exact to
/// ~1e-9 (its terms are < 2^24, rounded to 2^-29) and cheap.
const TEXTBOOK_K_MAX: f64 = (1u64 << 20) as f64;

/// `ln P(N = k)` for `N ~ Poisson(mean)`: the textbook form while it is
/// exact, Loader's saddle-point form (analyze's `ln_pois`) above. The
/// textbook form subtracts numbers of size k ln k: by k ~ 2^45 its rounding
/// error is 0.1, a 10% error in the ratio PTRS tests.
#[inline]
fn ln_pmf(k: f64, mean: f64) -> f64 {
    if k < TEXTBOOK_K_MAX {
        -mean + k * mean.ln() - ln_factorial(k)
    } else {
        ln_pois(k, mean)
    }
}

/// `ln k!` for `0 <= k < 2^20`: a table below 128 (built once from
/// statrs' `ln_gamma`), Stirling's series above (error < 1e-17 there).
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
    fn both_pmf_forms_agree_where_they_meet() {
        for (k, mean) in [(100.0, 90.0), (1e6, 1e6 + 300.0), (1048575.0, 1048000.0)] {
            let a = super::ln_pmf(k, mean);
            let b = crate::analyze::ln_pois(k, mean);
            assert!((a - b).abs() < 1e-8, "{k} {mean}: {a} {b}");
        }
        for k in [0.0, 1.0, 5.0, 127.0, 128.0, 129.0, 1000.0, 1e6] {
            let want = statrs::function::gamma::ln_gamma(k + 1.0);
            let got = super::ln_factorial(k);
            assert!((got - want).abs() < 1e-12 * want.abs().max(1.0), "{k}");
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
