//! The one unit grammar of seqwrap: how times, rates and counts are
//! written on the command line, in question specs and in sweep CSVs, and
//! how a time is printed for a person.
//!
//! - A **time** is a number >= 0 with a unit: `ns`, `us` (also `µs`,
//!   `μs`), `ms`, `s`, `min`, `h`, `d`, `y` — `187ns`, `2us`, `1.5h`,
//!   `1e-3 s`. A bare number is refused, except `0`: `10` could be seconds,
//!   milliseconds or cycles, and this tool talks about all three. `m` is
//!   refused too (minutes or milli?): write `min` or `ms`.
//! - A **rate** is writer cycles per second, a bare number (`5.35e6`,
//!   optionally `5.35e6/s`), or the time one cycle takes (`187ns`), or a
//!   measurement to take on this machine (`measured:kernel`,
//!   `measured:stress`; see [`super::rate`]).
//! - A **count** is a whole number: `1000000`, `1e6`, `2.5e3` or `2^20`,
//!   read exactly (no float rounding).
//!
//! A year is the Julian year, 365.25 days (31 557 600 s), the unit of
//! astronomy (IAU).
//!
//! Every parser here returns [`Parsed`]: on error a message saying what is
//! wrong and what is allowed, but not where the text came from. The caller
//! names that: a flag with [`FlagExt::flag`] (`--window: ...`), or a spec
//! file's line and key (`spec.toml:8: key 'windows[0]': ...`).

use crate::error::{Error, Result};

/// Seconds in a Julian year (365.25 d).
pub const YEAR_S: f64 = 31_557_600.0;

/// A parse result whose error is a message without its origin (module
/// docs).
pub type Parsed<T> = std::result::Result<T, String>;

/// Naming the flag a value came from.
pub trait FlagExt<T> {
    /// A usage error `FLAG: message` (exit code 2).
    fn flag(self, flag: &str) -> Result<T>;
}

impl<T> FlagExt<T> for Parsed<T> {
    fn flag(self, flag: &str) -> Result<T> {
        self.map_err(|m| Error::usage(format!("{flag}: {m}")))
    }
}

/// The time units with their length in seconds. `µs` (U+00B5) and `μs`
/// (U+03BC) are both accepted: keyboards and fonts differ on which one
/// they give.
pub const UNITS: &[(&str, f64)] = &[
    ("ns", 1e-9),
    ("us", 1e-6),
    ("\u{b5}s", 1e-6),
    ("\u{3bc}s", 1e-6),
    ("ms", 1e-3),
    ("s", 1.0),
    ("min", 60.0),
    ("h", 3600.0),
    ("d", 86_400.0),
    ("y", YEAR_S),
];

/// What a time may look like, for error messages.
pub const TIME_ALLOWED: &str =
    "a number >= 0 with a unit ns, us (µs), ms, s, min, h, d or y (e.g. 187ns, 2us, 1.5h)";

/// What a count may look like, for error messages.
pub const COUNT_ALLOWED: &str = "a whole number from 0 to 2^64-1 (1000000, 1e6 or 2^20)";

/// Split `text` into its number and its unit: the unit is the trailing run
/// of letters (`1e-3s` is `1e-3` and `s`; `2e5` has no unit).
fn split_number_unit(text: &str) -> (&str, &str) {
    let t = text.trim();
    let cut = t
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map_or(t.len(), |(i, _)| i);
    (t[..cut].trim_end(), &t[cut..])
}

/// A finite number >= 0, or `None`.
fn number(text: &str) -> Option<f64> {
    let v: f64 = text.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// Seconds in `unit`, or a message saying which units exist.
fn unit_seconds(text: &str, unit: &str) -> Parsed<f64> {
    if let Some(&(_, s)) = UNITS.iter().find(|(u, _)| *u == unit) {
        return Ok(s);
    }
    if unit == "m" {
        return Err(format!(
            "'{text}': 'm' is ambiguous, write min (minutes) or ms (milliseconds); allowed: {TIME_ALLOWED}"
        ));
    }
    Err(format!(
        "'{text}' has no known unit ('{unit}'); allowed: {TIME_ALLOWED}"
    ))
}

/// Parse a time into seconds (module docs): finite and >= 0.
pub fn parse_time(text: &str) -> Parsed<f64> {
    let (num, unit) = split_number_unit(text);
    if unit.is_empty() {
        return match number(num) {
            Some(0.0) => Ok(0.0),
            Some(_) => Err(format!(
                "'{}' has no unit (did you mean {}s?); allowed: {TIME_ALLOWED}",
                text.trim(),
                text.trim()
            )),
            None => Err(format!("'{text}' is not a time; allowed: {TIME_ALLOWED}")),
        };
    }
    let scale = unit_seconds(text.trim(), unit)?;
    let v =
        number(num).ok_or_else(|| format!("'{text}' is not a time; allowed: {TIME_ALLOWED}"))?;
    let secs = v * scale;
    if secs.is_finite() {
        Ok(secs)
    } else {
        Err(format!(
            "'{text}' is too long to hold in seconds; allowed: {TIME_ALLOWED}"
        ))
    }
}

/// Parse a time that must be longer than 0 (a window length).
pub fn parse_positive_time(text: &str) -> Parsed<f64> {
    let secs = parse_time(text)?;
    if secs > 0.0 {
        Ok(secs)
    } else {
        Err(format!(
            "'{}' must be longer than 0; allowed: {TIME_ALLOWED}",
            text.trim()
        ))
    }
}

/// Parse a count exactly: digits, a decimal in scientific notation that is
/// a whole number (`1e6`, `2.5e3`), or `2^N`; at most 2^64 - 1. Decimal
/// digits are combined in integers, not floats, so `1.8446744073709551615e19`
/// is exact.
pub fn parse_count(text: &str) -> Parsed<u64> {
    let v = parse_count_u128(text)?;
    u64::try_from(v).map_err(|_| {
        format!(
            "'{}' is more than 2^64-1; allowed: {COUNT_ALLOWED}",
            text.trim()
        )
    })
}

/// [`parse_count`] up to 2^128 - 1 (the explorer counts cycles that far).
pub fn parse_count_u128(text: &str) -> Parsed<u128> {
    let t = text.trim();
    let bad = || format!("'{t}' is not a count; allowed: {COUNT_ALLOWED}");
    if let Some(e) = t.strip_prefix("2^") {
        let e: u32 = e.trim().parse().map_err(|_| bad())?;
        return 1u128.checked_shl(e).ok_or_else(bad);
    }
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i32>().map_err(|_| bad())?),
        None => (t, 0),
    };
    let mantissa = mantissa.strip_prefix('+').unwrap_or(mantissa);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    // value = digits x 10^(exp - len(frac)), with trailing zeros of the
    // digits absorbed so that 2.50e1 is 25.
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    let trimmed = digits.trim_end_matches('0');
    let mut pow = i64::from(exp) - frac.len() as i64 + (digits.len() - trimmed.len()) as i64;
    if trimmed.is_empty() {
        return Ok(0);
    }
    if pow < 0 {
        return Err(format!(
            "'{t}' is not a whole number; allowed: {COUNT_ALLOWED}"
        ));
    }
    let mut v: u128 = trimmed.parse().map_err(|_| bad())?;
    while pow > 0 {
        v = v.checked_mul(10).ok_or_else(bad)?;
        pow -= 1;
    }
    Ok(v)
}

/// What a size in bytes may look like, for error messages.
pub const BYTES_ALLOWED: &str = "a number > 0 with a unit B, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (of 1000), e.g. 512MiB, 4GiB";

/// Parse a size in bytes: a number with a unit ([`BYTES_ALLOWED`]). A bare
/// number is refused for the reason times are: `4` could be gigabytes.
pub fn parse_bytes(text: &str) -> Parsed<u64> {
    let t = text.trim();
    let (num, unit) = split_number_unit(t);
    let scale: f64 = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024f64.powi(2),
        "GiB" => 1024f64.powi(3),
        "TiB" => 1024f64.powi(4),
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        "" => return Err(format!("'{t}' has no unit; allowed: {BYTES_ALLOWED}")),
        _ => {
            return Err(format!(
                "'{t}' has no known unit ('{unit}'); allowed: {BYTES_ALLOWED}"
            ));
        }
    };
    match number(num) {
        Some(v) if v > 0.0 && v * scale < 2f64.powi(63) => Ok((v * scale).round() as u64),
        _ => Err(format!("'{t}' is not a size; allowed: {BYTES_ALLOWED}")),
    }
}

/// Three significant digits without trailing zeros, plain from 1e-3 to
/// 1e4 (`2.15`, `21.5`, `215`, `2`), scientific outside (`5.45e4`).
pub fn sig3(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if v.abs() >= 1e4 || v.abs() < 1e-3 {
        let s = format!("{v:.2e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{e}", trim(m.to_string()));
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.digits$}");
    // 999.6 rounds up to "1000": still three digits, no decimals.
    trim(s)
}

/// The time units the formatters use, largest first.
const TIME_UNITS: [(&str, f64); 8] = [
    ("y", YEAR_S),
    ("d", 86_400.0),
    ("h", 3600.0),
    ("min", 60.0),
    ("s", 1.0),
    ("ms", 1e-3),
    ("us", 1e-6),
    ("ns", 1e-9),
];

/// The largest unit that keeps `secs` at or above 1 of it (ns below that).
fn largest_unit(secs: f64) -> (&'static str, f64) {
    TIME_UNITS
        .iter()
        .copied()
        .find(|&(_, s)| secs >= s)
        .unwrap_or(("ns", 1e-9))
}

/// A time for a person: the largest unit that keeps the number >= 1, three
/// significant digits (`187 ns`, `6.69 min`, `2 y`, `5.45e4 y`); `never`
/// for an infinite time. The one human-time formatter of the tool.
pub fn human_duration(secs: f64) -> String {
    if secs.is_nan() {
        return "undefined".into();
    }
    if secs.is_infinite() {
        return "never".into();
    }
    let (u, scale) = largest_unit(secs);
    format!("{} {u}", sig3(secs / scale))
}

/// A time as a flag or spec would spell it: the largest unit that keeps
/// the number >= 1, six significant digits, trailing zeros dropped
/// (`100us`, `1.5h`, `2.5e-3ns`, `0`). Parses back ([`parse_time`]) to the
/// same value to 6 digits.
pub fn compact_duration(secs: f64) -> String {
    if secs == 0.0 {
        return "0".into();
    }
    let (u, scale) = largest_unit(secs);
    let v = secs / scale;
    let text = if !(1e-3..1e6).contains(&v) {
        let s = format!("{v:.5e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        format!("{m}e{e}")
    } else {
        let digits = (5 - v.abs().log10().floor() as i32).max(0) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    format!("{text}{u}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs()
    }

    #[test]
    fn times_scale_to_seconds() {
        for (text, secs) in [
            ("187ns", 187e-9),
            ("2us", 2e-6),
            ("2µs", 2e-6),
            ("2μs", 2e-6),
            ("1ms", 1e-3),
            ("2min", 120.0),
            ("1.5h", 5400.0),
            ("1d", 86_400.0),
            ("1y", 365.25 * 86_400.0),
            ("1e-3s", 1e-3),
            ("1e-3 s", 1e-3),
            (" 3 ms ", 3e-3),
            ("0", 0.0),
            ("0s", 0.0),
        ] {
            let got = parse_time(text).unwrap();
            assert!(close(got, secs), "{text}: {got}");
        }
    }

    #[test]
    fn bad_times_say_what_is_allowed() {
        for bad in [
            "", "ns", "abc", "-1us", "nanms", "infs", "inf", "1 parsec", "1e999s", "1e308y", "10",
            "1.5", "1m", "NaN",
        ] {
            let e = parse_time(bad).unwrap_err();
            assert!(e.contains("allowed:"), "{bad}: {e}");
            assert!(!e.contains('\n'));
        }
        assert!(parse_time("10").unwrap_err().contains("did you mean 10s?"));
        assert!(parse_time("1m").unwrap_err().contains("ambiguous"));
        assert!(parse_positive_time("0us").is_err());
        let e = parse_time("1 parsec")
            .flag("--hold")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--hold: "), "{e}");
    }

    #[test]
    fn counts_are_exact() {
        for (text, want) in [
            ("0", 0u64),
            ("1000000", 1_000_000),
            ("1e6", 1_000_000),
            ("1E6", 1_000_000),
            ("2.5e3", 2500),
            ("2.50e1", 25),
            ("+7", 7),
            ("2^20", 1 << 20),
            ("2^63", 1 << 63),
            ("18446744073709551615", u64::MAX),
            ("1.8446744073709551615e19", u64::MAX),
            ("0.0", 0),
        ] {
            assert_eq!(parse_count(text), Ok(want), "{text}");
        }
        for bad in [
            "",
            "-1",
            "1.5",
            "1e-1",
            "2^64",
            "3^2",
            "1e20",
            "x",
            "1e",
            "e5",
            ".",
            "1..2",
            "0x10",
            "18446744073709551616",
        ] {
            let e = parse_count(bad).unwrap_err();
            assert!(e.contains("allowed:"), "{bad}: {e}");
        }
        assert_eq!(parse_count_u128("2^100"), Ok(1u128 << 100));
        assert_eq!(parse_count_u128("1e30"), Ok(10u128.pow(30)));
        assert!(parse_count_u128("2^128").is_err());
        assert!(parse_count_u128("1e39").is_err());
    }

    #[test]
    fn compact_durations_round_trip() {
        assert_eq!(compact_duration(100e-6), "100us");
        assert_eq!(compact_duration(2e-6), "2us");
        assert_eq!(compact_duration(5400.0), "1.5h");
        assert_eq!(compact_duration(1e-3), "1ms");
        assert_eq!(compact_duration(0.0), "0");
        for secs in [3.7e-8, 1.25e-4, 42.0, 7.0 * YEAR_S, 1e-12, 1e30] {
            let back = parse_time(&compact_duration(secs)).unwrap();
            assert!(
                (back - secs).abs() <= 1e-5 * secs,
                "{secs} -> {}",
                compact_duration(secs)
            );
        }
    }

    #[test]
    fn human_times_pick_the_largest_unit_above_one() {
        assert_eq!(human_duration(187e-9), "187 ns");
        assert_eq!(human_duration(2.147), "2.15 s");
        assert_eq!(human_duration(401.4), "6.69 min");
        assert_eq!(human_duration(2.0 * YEAR_S), "2 y");
        assert_eq!(human_duration(9.2e18 / 5.35e6), "5.45e4 y");
        assert_eq!(human_duration(f64::INFINITY), "never");
        assert_eq!(human_duration(0.0), "0 ns");
    }

    #[test]
    fn three_significant_digits() {
        assert_eq!(sig3(2.147), "2.15");
        assert_eq!(sig3(21.47), "21.5");
        assert_eq!(sig3(214.7), "215");
        assert_eq!(sig3(2.0), "2");
        assert_eq!(sig3(54_500.0), "5.45e4");
        assert_eq!(sig3(1e-5), "1e-5");
        assert_eq!(sig3(999.6), "1000");
    }

    #[test]
    fn bytes_need_a_unit_and_read_binary_and_decimal_prefixes() {
        assert_eq!(parse_bytes("4GiB"), Ok(4 << 30));
        assert_eq!(parse_bytes("512 MiB"), Ok(512 << 20));
        assert_eq!(parse_bytes("1.5KB"), Ok(1500));
        assert!(parse_bytes("4").unwrap_err().contains("no unit"));
        assert!(parse_bytes("4GB/s").is_err());
        assert!(parse_bytes("0B").is_err());
        assert!(parse_bytes("-1GiB").is_err());
    }
}
