//! Writer rates: cycles per second, one cycle's time, or a measurement of
//! this machine (the grammar is [`super::units`]'s).

use std::fmt;

use super::measured::RateKind;
use crate::text::units::{Parsed, UNITS, parse_time};

/// What a rate accepts, for error messages.
pub const RATE_ALLOWED: &str = "writer cycles per second > 0 (5.35e6 or 5.35e6/s), one cycle's time (187ns), measured:kernel or measured:stress";

/// A rate as written: a number, or a measurement still to take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RateSpec {
    /// Writer cycles per second, finite and > 0.
    PerSecond(f64),
    /// `measured:kernel` or `measured:stress`: taken (or read from the
    /// cache) on this machine before anything runs.
    Measured(RateKind),
}

impl RateSpec {
    /// The `measured:KIND` spelling of a measured rate.
    pub fn measured_name(kind: RateKind) -> String {
        format!("measured:{}", kind.spelling())
    }
}

impl fmt::Display for RateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateSpec::PerSecond(r) => write!(f, "{r:e}"),
            RateSpec::Measured(k) => f.write_str(&RateSpec::measured_name(*k)),
        }
    }
}

/// Parse a rate: `5.35e6`, `5.35e6/s`, `187ns` (one cycle's time, so
/// 1/187e-9 cycles/s), `measured:kernel`, `measured:stress`. A number is
/// finite and > 0.
pub fn parse_rate(text: &str) -> Parsed<RateSpec> {
    let t = text.trim();
    let bad = || format!("'{t}' is not a rate; allowed: {RATE_ALLOWED}");
    if let Some(what) = t.strip_prefix("measured:") {
        return what
            .parse::<RateKind>()
            .map(RateSpec::Measured)
            .map_err(|e| e.to_string().trim_start_matches("--rate: ").to_string());
    }
    let per_s = t.strip_suffix("/s").unwrap_or(t).trim();
    if let Ok(v) = per_s.parse::<f64>() {
        return (v.is_finite() && v > 0.0)
            .then_some(RateSpec::PerSecond(v))
            .ok_or_else(bad);
    }
    // A cycle time needs a unit; a bare number was handled above.
    if !UNITS.iter().any(|(u, _)| t.ends_with(u)) {
        return Err(bad());
    }
    let secs = parse_time(t).map_err(|_| bad())?;
    let rate = 1.0 / secs;
    if secs > 0.0 && rate.is_finite() {
        Ok(RateSpec::PerSecond(rate))
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn per_s(text: &str) -> f64 {
        match parse_rate(text).unwrap() {
            RateSpec::PerSecond(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn numbers_and_cycle_times() {
        assert_eq!(per_s("5.35e6"), 5.35e6);
        assert_eq!(per_s("5350000"), 5.35e6);
        assert_eq!(per_s("5.35e6/s"), 5.35e6);
        let r = per_s("187ns");
        assert!((r - 1.0 / 187e-9).abs() < 1e-6 * r);
        let r = per_s("2µs");
        assert!((r - 5e5).abs() < 1e-6 * r);
        assert_eq!(
            parse_rate("measured:kernel").unwrap(),
            RateSpec::Measured(RateKind::KERNEL)
        );
        assert_eq!(
            parse_rate(" measured:stress").unwrap().to_string(),
            "measured:stress"
        );
    }

    #[test]
    fn zero_negative_nan_inf_and_unknown_are_refused() {
        for bad in [
            "0",
            "-5",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "0ns",
            "-3us",
            "x",
            "",
            "1e400",
            "1e-320ns",
            "measured:nonsense",
            "measured:kernel:bogus",
            "measured:",
            "5/s/s",
            "1m",
        ] {
            let e = parse_rate(bad).unwrap_err();
            assert!(e.contains("allowed:"), "{bad}: {e}");
        }
    }
}
