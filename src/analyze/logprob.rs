//! Probabilities (and other positive quantities) kept as natural logarithms,
//! so that 1e-300 and 1e-(10^19) survive: an f64 underflows below ~1e-308
//! but its logarithm does not. An exact zero is `ln = -inf`, and is only
//! produced where the model makes an event impossible.

use std::fmt;

/// A non-negative number stored as its natural logarithm.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct LogProb(f64);

impl LogProb {
    /// Exactly zero.
    pub const ZERO: LogProb = LogProb(f64::NEG_INFINITY);
    /// Exactly one.
    pub const ONE: LogProb = LogProb(0.0);

    /// From a natural logarithm.
    pub fn from_ln(ln: f64) -> LogProb {
        LogProb(ln)
    }

    /// From a plain value >= 0.
    pub fn from_f64(v: f64) -> LogProb {
        LogProb(v.ln())
    }

    /// The natural logarithm (`-inf` for zero).
    pub fn ln(self) -> f64 {
        self.0
    }

    /// log10 of the value (`-inf` for zero).
    pub fn log10(self) -> f64 {
        self.0 / std::f64::consts::LN_10
    }

    /// True for an exact zero.
    pub fn is_zero(self) -> bool {
        self.0 == f64::NEG_INFINITY
    }

    /// The value as an f64 (0 on underflow: use [`LogProb::sci`] to print).
    pub fn to_f64(self) -> f64 {
        self.0.exp()
    }

    /// Scientific notation with 6 significant digits: `1.00000e-300`,
    /// `3.21987e-16`. Beyond |exponent| 10^15 the mantissa is below the
    /// resolution of an f64 logarithm and is printed as `1`:
    /// `1e-10000000000000000000`. Zero prints as `0`.
    pub fn sci(self) -> String {
        if self.is_zero() {
            return "0".into();
        }
        if self.0.is_nan() {
            return "NaN".into();
        }
        let l10 = self.log10();
        let mut e = l10.floor();
        if l10.abs() >= 1e15 {
            return format!("1e{e:.0}");
        }
        let mut m = 10f64.powf(l10 - e);
        if m >= 9.999_995 {
            m = 1.0;
            e += 1.0;
        }
        format!("{m:.5}e{e:.0}")
    }
}

impl fmt::Display for LogProb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sci())
    }
}

/// `ln(e^a + e^b)` without overflow; `-inf` is the identity.
pub fn ln_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if hi == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// `ln(e^a - e^b)` for `a >= b`; returns `-inf` when `b >= a`.
pub fn ln_sub(a: f64, b: f64) -> f64 {
    if b >= a {
        return f64::NEG_INFINITY;
    }
    a + (-(b - a).exp_m1()).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_values_print_with_their_exponent() {
        assert_eq!(
            LogProb::from_ln(-300.0 * std::f64::consts::LN_10).sci(),
            "1.00000e-300"
        );
        let huge = LogProb::from_ln(-1e19 * std::f64::consts::LN_10);
        assert_eq!(huge.sci(), "1e-10000000000000000000");
        assert_eq!(LogProb::ZERO.sci(), "0");
        assert_eq!(LogProb::from_f64(0.25).sci(), "2.50000e-1");
        assert_eq!(LogProb::from_f64(12345.0).sci(), "1.23450e4");
        assert_eq!(LogProb::from_f64(0.0999999999).sci(), "1.00000e-1");
    }

    #[test]
    fn log_add_and_sub_are_exact_on_simple_cases() {
        let (a, b) = (0.3f64, 0.2f64);
        assert!((ln_add(a.ln(), b.ln()).exp() - 0.5).abs() < 1e-15);
        assert!((ln_sub(a.ln(), b.ln()).exp() - 0.1).abs() < 1e-15);
        assert_eq!(
            ln_add(f64::NEG_INFINITY, f64::NEG_INFINITY),
            f64::NEG_INFINITY
        );
        // far below f64: 1e-400 + 1e-400 = 2e-400
        let t = -400.0 * std::f64::consts::LN_10;
        assert!((ln_add(t, t) - (t + 2f64.ln())).abs() < 1e-12);
    }
}
