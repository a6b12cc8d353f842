//! Confidence intervals for a binomial proportion.

/// The standard normal quantile for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;
/// The standard normal quantile for a two-sided 99% interval.
pub const Z99: f64 = 2.575_829_303_548_901;

/// Wilson score interval for `events` successes in `n` trials at normal
/// quantile `z` (E. B. Wilson, "Probable inference, the law of succession,
/// and statistical inference", JASA 22, 1927). Unlike the Wald interval it
/// stays inside [0, 1] and is not empty at 0 or n events: with 0 events the
/// upper end is `z^2 / (n + z^2)`.
pub fn wilson(events: u64, n: u64, z: f64) -> (f64, f64) {
    assert!(n > 0 && events <= n, "wilson: need 0 <= events <= n, n > 0");
    let nf = n as f64;
    let p = events as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    let lo = if events == 0 {
        0.0
    } else {
        (center - half).max(0.0)
    };
    let hi = if events == n {
        1.0
    } else {
        (center + half).min(1.0)
    };
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Wilson 95% for 0/10: [0, 0.2775] (Newcombe 1998, table I, case 5).
        let (lo, hi) = wilson(0, 10, Z95);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.2775).abs() < 1e-4, "{hi}");
        // 81/263: [0.2553, 0.3662] (Newcombe 1998, case 1).
        let (lo, hi) = wilson(81, 263, Z95);
        assert!(
            (lo - 0.2553).abs() < 1e-4 && (hi - 0.3662).abs() < 1e-4,
            "{lo} {hi}"
        );
    }
}
