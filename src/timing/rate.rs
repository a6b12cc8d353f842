//! `--rate`: writer cycles per second, or the time one cycle takes.

use super::units::split_unit;
use crate::error::{Error, Result};

/// What `--rate` accepts, for error messages.
pub const RATE_ALLOWED: &str =
    "writer cycles per second > 0 (5.35e6, 5350000) or one cycle's time with a unit (187ns)";

/// Parse `--rate`: cycles per second (`5.35e6`, `5350000`) or the time of
/// one cycle with a unit (`187ns` means 1/187e-9 cycles/s). The result is
/// finite and > 0.
///
/// `measured:kernel[:OP[:THREADS]]` and `measured:stress` name rates
/// measured by `seqwrap stress` on this machine: a cached measurement from
/// the user's cache (`stress::default_cache_path`, outside any checkout)
/// taken on this machine and kernel is reused, otherwise the short
/// measurement runs and is cached.
pub fn parse_rate(text: &str) -> Result<f64> {
    let t = text.trim();
    if let Some(what) = t.strip_prefix("measured:") {
        let cache = crate::stress::default_cache_path();
        return crate::stress::measured_rate(what, cache.as_deref())
            .map(|m| m.rate_per_s)
            .map_err(|e| match e {
                Error::Usage(m) => Error::usage(format!("--rate: {m}")),
                other => other,
            });
    }
    let bad = || {
        Error::usage(format!(
            "--rate: '{text}' is not a rate; allowed: {RATE_ALLOWED}"
        ))
    };
    let rate = match split_unit(t) {
        Some((num, scale)) => {
            let v: f64 = num.parse().map_err(|_| bad())?;
            1.0 / (v * scale)
        }
        None => t.parse::<f64>().map_err(|_| bad())?,
    };
    if rate.is_finite() && rate > 0.0 {
        Ok(rate)
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_cycle_times() {
        assert_eq!(parse_rate("5.35e6").unwrap(), 5.35e6);
        assert_eq!(parse_rate("5350000").unwrap(), 5.35e6);
        let r = parse_rate("187ns").unwrap();
        assert!((r - 1.0 / 187e-9).abs() < 1e-6 * r);
    }

    #[test]
    fn zero_negative_nan_inf_and_measured_are_usage_errors() {
        for bad in [
            "0", "-5", "NaN", "nan", "inf", "-inf", "0ns", "-3us", "x", "", "1e400",
        ] {
            let e = parse_rate(bad).unwrap_err();
            assert!(matches!(e, Error::Usage(_)));
            assert!(e.to_string().starts_with("--rate"), "{e}");
        }
        let e = parse_rate("measured:nonsense").unwrap_err();
        assert!(matches!(e, Error::Usage(_)));
        assert!(e.to_string().starts_with("--rate"), "{e}");
    }
}
