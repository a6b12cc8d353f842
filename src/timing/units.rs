//! Time units: parsing `187ns`, `2us`, `1.5h` and printing seconds in the
//! unit a reader of a mailing list expects.
//!
//! A year is the Julian year, 365.25 days (31 557 600 s), the unit of
//! astronomy (IAU); the age of the universe is 13.787 Gyr (Planck 2018,
//! A&A 641, A6, table 2).

use crate::error::{Error, Result};

/// Seconds in a Julian year (365.25 d).
pub const YEAR_S: f64 = 31_557_600.0;

/// The age of the universe in seconds (13.787e9 Julian years).
pub const AGE_OF_UNIVERSE_S: f64 = 13.787e9 * YEAR_S;

/// The accepted units with their length in seconds. Longest suffix first
/// so that `ms` is not read as `m` + `s`.
pub const UNITS: &[(&str, f64)] = &[
    ("min", 60.0),
    ("ns", 1e-9),
    ("us", 1e-6),
    ("ms", 1e-3),
    ("s", 1.0),
    ("h", 3600.0),
    ("d", 86_400.0),
    ("y", YEAR_S),
];

/// What a duration may look like, for error messages.
pub const DURATION_ALLOWED: &str = "a positive number with a unit ns, us, ms, s, min, h, d or y (e.g. 187ns, 2us); a bare number is seconds";

/// Split `text` into its number and the unit's length in seconds, or
/// `None` when it has no known unit suffix.
pub(crate) fn split_unit(text: &str) -> Option<(&str, f64)> {
    let t = text.trim();
    UNITS.iter().find_map(|&(u, secs)| {
        let num = t.strip_suffix(u)?;
        // "1e-3s" is fine; "ns" alone or "xs" is not a number, caught later.
        Some((num.trim(), secs))
    })
}

/// Parse a duration in seconds: `187ns`, `2us`, `1.5h`, `3y`, or a bare
/// number of seconds. Finite and >= 0; callers that need > 0 check it.
/// `flag` names the flag in the error message.
pub fn parse_duration(flag: &str, text: &str) -> Result<f64> {
    let bad = || {
        Error::usage(format!(
            "{flag}: '{text}' is not a duration; allowed: {DURATION_ALLOWED}"
        ))
    };
    let (num, scale) = split_unit(text).unwrap_or((text.trim(), 1.0));
    let v: f64 = num.parse().map_err(|_| bad())?;
    let secs = v * scale;
    if !secs.is_finite() || secs < 0.0 || !v.is_finite() {
        return Err(bad());
    }
    Ok(secs)
}

/// Parse a duration that must be strictly positive (a window length).
pub fn parse_positive_duration(flag: &str, text: &str) -> Result<f64> {
    let secs = parse_duration(flag, text)?;
    if secs > 0.0 {
        Ok(secs)
    } else {
        Err(Error::usage(format!(
            "{flag}: '{text}' must be longer than 0; allowed: {DURATION_ALLOWED}"
        )))
    }
}

/// Seconds in the largest unit that keeps the number >= 1: `187 ns`,
/// `6.69 min`, `54.6 thousand years`; beyond the age of the universe, as a
/// multiple of it (`3.1e6 x age of universe`). Three significant digits.
pub fn human_duration(secs: f64) -> String {
    if secs.is_nan() {
        return "undefined".into();
    }
    if secs.is_infinite() {
        return "forever".into();
    }
    if secs >= AGE_OF_UNIVERSE_S {
        return format!("{} x age of the universe", sig3(secs / AGE_OF_UNIVERSE_S));
    }
    if secs >= YEAR_S {
        return format!("{} years", sig3(secs / YEAR_S));
    }
    let pick: &[(&str, f64)] = &[
        ("d", 86_400.0),
        ("h", 3600.0),
        ("min", 60.0),
        ("s", 1.0),
        ("ms", 1e-3),
        ("us", 1e-6),
    ];
    for &(u, s) in pick {
        if secs >= s {
            return format!("{} {u}", sig3(secs / s));
        }
    }
    format!("{} ns", sig3(secs / 1e-9))
}

/// A duration as `--window` would spell it: the largest unit that keeps
/// the number >= 1, six significant digits, trailing zeros dropped
/// (`100us`, `1.5h`, `2.5e-3ns`). Parses back to the same value to 6 digits.
pub fn compact_duration(secs: f64) -> String {
    let units: &[(&str, f64)] = &[
        ("y", YEAR_S),
        ("d", 86_400.0),
        ("h", 3600.0),
        ("min", 60.0),
        ("s", 1.0),
        ("ms", 1e-3),
        ("us", 1e-6),
        ("ns", 1e-9),
    ];
    let (u, scale) = units
        .iter()
        .copied()
        .find(|&(_, s)| secs >= s)
        .unwrap_or(("ns", 1e-9));
    let v = secs / scale;
    let digits = (5 - v.abs().log10().floor() as i32).max(0) as usize;
    let text = if !(1e-3..1e6).contains(&v) {
        format!("{v:.5e}")
    } else {
        format!("{v:.digits$}")
    };
    let text = if text.contains('.') && !text.contains('e') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{u}")
}

/// Three significant digits, plain below 1e6, scientific above
/// (`54.6`, `1.23e+09`).
pub(crate) fn sig3(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() >= 1e6 || v.abs() < 1e-3 {
        return format!("{v:.2e}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_scale_to_seconds() {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
        assert!(close(parse_duration("--x", "187ns").unwrap(), 187e-9));
        assert!(close(parse_duration("--x", "2us").unwrap(), 2e-6));
        assert!(close(parse_duration("--x", "1ms").unwrap(), 1e-3));
        assert!(close(parse_duration("--x", "2min").unwrap(), 120.0));
        assert!(close(parse_duration("--x", "1.5h").unwrap(), 5400.0));
        assert!(close(parse_duration("--x", "1d").unwrap(), 86_400.0));
        assert!(close(
            parse_duration("--x", "1y").unwrap(),
            365.25 * 86_400.0
        ));
        assert!(close(parse_duration("--x", "0.25").unwrap(), 0.25));
        assert!(close(parse_duration("--x", "1e-3s").unwrap(), 1e-3));
    }

    #[test]
    fn bad_durations_name_the_flag() {
        for bad in [
            "", "ns", "abc", "-1us", "nanms", "infs", "1 parsec", "1e999s",
        ] {
            let e = parse_duration("--hold", bad).unwrap_err().to_string();
            assert!(e.starts_with("--hold"), "{e}");
        }
        assert!(parse_positive_duration("--window", "0us").is_err());
    }

    #[test]
    fn compact_durations_round_trip() {
        assert_eq!(compact_duration(100e-6), "100us");
        assert_eq!(compact_duration(2e-6), "2us");
        assert_eq!(compact_duration(5400.0), "1.5h");
        assert_eq!(compact_duration(1e-3), "1ms");
        for secs in [3.7e-8, 1.25e-4, 42.0, 7.0 * YEAR_S, 1e-12] {
            let back = parse_duration("--x", &compact_duration(secs)).unwrap();
            assert!(
                (back - secs).abs() <= 1e-5 * secs,
                "{secs} -> {}",
                compact_duration(secs)
            );
        }
    }

    #[test]
    fn human_units_pick_the_largest_unit_above_one() {
        assert_eq!(human_duration(187e-9), "187 ns");
        assert_eq!(human_duration(401.4), "6.69 min");
        assert_eq!(human_duration(2.0 * YEAR_S), "2.00 years");
        assert!(human_duration(1e30).ends_with("x age of the universe"));
    }
}
