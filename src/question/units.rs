//! Spelling of times, rates and window distributions in spec files.
//!
//! These are the same spellings the engine flags take (`--rate`, `--window`,
//! `--process`, `--hold`); a spec value is checked here so that a typo is
//! reported with its file, line and key before any point runs.

/// Seconds in one unit, for every unit a time may carry.
///
/// A year is the Julian year (365.25 d), as astronomers and `analyze` use.
pub const TIME_UNITS: &[(&str, f64)] = &[
    ("ns", 1e-9),
    ("us", 1e-6),
    ("ms", 1e-3),
    ("min", 60.0),
    ("s", 1.0),
    ("h", 3600.0),
    ("d", 86_400.0),
    ("y", 31_557_600.0),
];

/// Seconds in a (Julian) year.
pub const YEAR_S: f64 = 31_557_600.0;

/// What a time accepts, for error messages.
pub const TIME_ALLOWED: &str = "a number with a unit: ns, us, ms, s, min, h, d, y (e.g. 2us)";

/// Parse a time with a unit (`2us`, `1.5min`, `0`) into seconds.
///
/// Invariant of the result: finite and >= 0. A bare `0` is allowed (a
/// zero hold); any other number needs a unit so `10` is never ambiguous.
pub fn parse_time_s(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t == "0" {
        return Ok(0.0);
    }
    // Longest unit first so "min" and "ms" are not read as "s"/"m...".
    let mut units: Vec<&(&str, f64)> = TIME_UNITS.iter().collect();
    units.sort_by_key(|(u, _)| std::cmp::Reverse(u.len()));
    for (unit, scale) in units {
        if let Some(num) = t.strip_suffix(unit)
            && let Ok(v) = num.trim().parse::<f64>()
            && v.is_finite()
            && v >= 0.0
        {
            return Ok(v * scale);
        }
    }
    Err(format!("'{text}' is not a time; allowed: {TIME_ALLOWED}"))
}

/// A writer rate as a spec gives it.
#[derive(Clone, Debug, PartialEq)]
pub enum RateSpec {
    /// Writer cycles per second, finite and > 0.
    PerSecond(f64),
    /// `measured:kernel` or `measured:stress`: taken on this machine when the
    /// sweep starts (the kind is kept as written).
    Measured(String),
}

/// What a rate accepts, for error messages.
pub const RATE_ALLOWED: &str = "cycles/s > 0 (5.35e6), a cycle time (187ns), \
     measured:kernel or measured:stress";

/// Parse a rate: cycles per second, a cycle time with a unit, or a
/// measurement to take.
pub fn parse_rate(text: &str) -> Result<RateSpec, String> {
    let t = text.trim();
    if t == "measured:kernel" || t == "measured:stress" {
        return Ok(RateSpec::Measured(t.to_string()));
    }
    let bad = || format!("'{text}' is not a rate; allowed: {RATE_ALLOWED}");
    if let Ok(v) = t.parse::<f64>() {
        return (v.is_finite() && v > 0.0)
            .then_some(RateSpec::PerSecond(v))
            .ok_or_else(bad);
    }
    match parse_time_s(t) {
        Ok(s) if s > 0.0 && (1.0 / s).is_finite() => Ok(RateSpec::PerSecond(1.0 / s)),
        _ => Err(bad()),
    }
}

/// What a window accepts, for error messages.
pub const WINDOW_ALLOWED: &str = "fixed:T, exp:MEAN, lognormal:MEDIAN,P99, \
     pareto:XMIN,ALPHA or hist:FILE.csv (times with units)";

/// Check a window distribution's spelling and parameters.
pub fn check_window(text: &str) -> Result<(), String> {
    let bad = |why: &str| format!("'{text}' is not a window ({why}); allowed: {WINDOW_ALLOWED}");
    let (kind, args) = text.trim().split_once(':').ok_or_else(|| bad("no kind"))?;
    let time = |s: &str| parse_time_s(s).map_err(|e| bad(&e));
    match kind {
        "fixed" | "exp" => {
            let v = time(args)?;
            if v <= 0.0 {
                return Err(bad("length must be > 0"));
            }
        }
        "lognormal" => {
            let (m, p) = args
                .split_once(',')
                .ok_or_else(|| bad("needs MEDIAN,P99"))?;
            let (m, p) = (time(m)?, time(p)?);
            if m <= 0.0 || p < m {
                return Err(bad("needs 0 < MEDIAN <= P99"));
            }
        }
        "pareto" => {
            let (x, a) = args
                .split_once(',')
                .ok_or_else(|| bad("needs XMIN,ALPHA"))?;
            let x = time(x)?;
            let a: f64 = a.trim().parse().map_err(|_| bad("ALPHA is not a number"))?;
            if x <= 0.0 || !(a.is_finite() && a > 0.0) {
                return Err(bad("needs XMIN > 0 and ALPHA > 0"));
            }
        }
        "hist" => {
            if args.trim().is_empty() {
                return Err(bad("needs a file"));
            }
        }
        _ => return Err(bad("unknown kind")),
    }
    Ok(())
}

/// The length of a `fixed:T` window in seconds, `None` for other kinds.
/// Plots put fixed windows on a length axis; other kinds are tabulated.
pub fn fixed_window_s(text: &str) -> Option<f64> {
    text.trim()
        .strip_prefix("fixed:")
        .and_then(|t| parse_time_s(t).ok())
}

/// Check a writer process name.
pub fn check_process(text: &str) -> Result<(), String> {
    match text.trim() {
        "fixed" | "poisson" => Ok(()),
        _ => Err(format!(
            "'{text}' is not a writer process; allowed: fixed, poisson"
        )),
    }
}

/// Parse a fleet `MACHINES,SPECULATIONS_PER_S,YEARS` into three positive
/// finite numbers.
pub fn parse_fleet(text: &str) -> Result<(f64, f64, f64), String> {
    let bad =
        || format!("'{text}' is not a fleet; allowed: MACHINES,SPECULATIONS_PER_S,YEARS, each > 0");
    let parts: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    match parts.as_slice() {
        [m, s, y] if [*m, *s, *y].iter().all(|v| v.is_finite() && *v > 0.0) => Ok((*m, *s, *y)),
        _ => Err(bad()),
    }
}

/// A duration in the largest unit that keeps the number >= 1, three
/// significant digits: `2.15 s`, `6.84 min`, `292 y`, `1.2e9 y`.
pub fn human_time(s: f64) -> String {
    if !s.is_finite() {
        return "never".into();
    }
    let units: [(&str, f64); 8] = [
        ("ns", 1e-9),
        ("us", 1e-6),
        ("ms", 1e-3),
        ("s", 1.0),
        ("min", 60.0),
        ("h", 3600.0),
        ("d", 86_400.0),
        ("y", YEAR_S),
    ];
    let mut pick = units[0];
    for u in units {
        if s >= u.1 {
            pick = u;
        }
    }
    let v = s / pick.1;
    if v >= 1e4 {
        format!("{v:.2e} {}", pick.0)
    } else {
        format!("{} {}", sig3(v), pick.0)
    }
}

/// Three significant digits without trailing zeros: 2.15, 21.5, 215.
pub fn sig3(v: f64) -> String {
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_with_units() {
        assert_eq!(parse_time_s("2us").unwrap(), 2e-6);
        assert_eq!(parse_time_s("1.5min").unwrap(), 90.0);
        assert_eq!(parse_time_s("3ms").unwrap(), 3e-3);
        assert_eq!(parse_time_s("0").unwrap(), 0.0);
        for bad in ["10", "x", "-1s", "1 parsec", ""] {
            assert!(parse_time_s(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("5.35e6").unwrap(), RateSpec::PerSecond(5.35e6));
        let RateSpec::PerSecond(r) = parse_rate("200ns").unwrap() else {
            panic!()
        };
        assert!((r - 5e6).abs() < 1e-3);
        assert!(matches!(
            parse_rate("measured:kernel"),
            Ok(RateSpec::Measured(_))
        ));
        for bad in ["0", "-1", "inf", "NaN", "measured:moon", "fast"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_check() {
        for ok in [
            "fixed:1us",
            "exp:3ms",
            "lognormal:2us,1ms",
            "pareto:1us,1.5",
            "hist:w.csv",
        ] {
            check_window(ok).unwrap();
        }
        for bad in [
            "fixed",
            "fixed:0",
            "lognormal:1ms,2us",
            "pareto:1us,0",
            "gauss:1s",
        ] {
            assert!(check_window(bad).is_err(), "{bad}");
        }
        assert_eq!(fixed_window_s("fixed:10ms"), Some(0.01));
    }

    #[test]
    fn human_times_read_well() {
        assert_eq!(human_time(2.147), "2.15 s");
        assert_eq!(human_time(401.4), "6.69 min");
        assert_eq!(human_time(9.2e18 / 5.35e6 / YEAR_S * YEAR_S), "5.45e4 y");
        assert_eq!(human_time(f64::INFINITY), "never");
    }
}
