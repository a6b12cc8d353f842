//! `--window`: the distribution of a reader speculation's length.
//!
//! `fixed:T`, `exp:MEAN`, `lognormal:MEDIAN,P99`, `pareto:XMIN,ALPHA`,
//! `hist:FILE.csv`. Durations take the units of [`super::units`].
//! The lognormal is pinned by its median and 99th percentile:
//! `mu = ln MEDIAN`, `sigma = ln(P99 / MEDIAN) / z_0.99` with
//! `z_0.99 = 2.3263478740408408` (the standard normal 0.99 quantile).
//! A histogram is a discrete distribution: the window is exactly one of the
//! listed lengths, with probability proportional to its weight.

use std::fmt;
use std::path::Path;

use rand::Rng;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, Exp, LogNormal, Pareto};

use crate::error::{Error, Result};
use crate::text::units::{Parsed, TIME_ALLOWED, parse_positive_time};

/// The standard normal quantile at 0.99.
pub const Z99: f64 = 2.326_347_874_040_840_8;

/// What `--window` accepts, for error messages.
pub const WINDOW_ALLOWED: &str = "fixed:T, jittered:T, exp:MEAN, lognormal:MEDIAN,P99, pareto:XMIN,ALPHA, hist:FILE.csv (e.g. lognormal:2us,1ms)";

/// The jittered writer's spread: the rate of a speculation's writer is the
/// nominal rate times a lognormal factor with median 1 and 99th percentile
/// this (1.5: a third of the runs of the rate table already spread this
/// much). For a Poisson writer without a hold, a fixed window T read with
/// it is exactly a `lognormal:T,1.5T` window at the nominal rate, which is
/// what `jittered:T` parses to; the spelling keeps the kind, so a reader
/// tells a jittered fixed length from a lognormal that happens to have a
/// p99 of 1.5 times its median ([`is_jittered`]).
pub const JITTER_P99: f64 = 1.5;

/// The length T of a `jittered:T` window, without reading any file.
pub fn is_jittered(text: &str) -> Option<f64> {
    text.trim()
        .strip_prefix("jittered:")
        .and_then(|t| parse_positive_time(t).ok())
}

/// A validated window-length distribution (seconds). Invariants: every
/// length is finite and > 0; `p99 > median`; `alpha > 0`; histogram
/// probabilities are > 0 and sum to 1.
#[derive(Clone, Debug, PartialEq)]
pub enum Window {
    /// Always `len` seconds.
    Fixed {
        /// The window length.
        len: f64,
    },
    /// Exponential with this mean.
    Exp {
        /// Mean length.
        mean: f64,
    },
    /// Lognormal given by median and 99th percentile.
    LogNormal {
        /// Median length.
        median: f64,
        /// 99th percentile.
        p99: f64,
    },
    /// Pareto (type I): `P(D > x) = (xmin / x)^alpha` for `x >= xmin`.
    Pareto {
        /// Scale: the shortest window.
        xmin: f64,
        /// Shape (tail index).
        alpha: f64,
    },
    /// An empirical histogram: `(length, probability)` rows.
    Hist {
        /// The file it came from (for display).
        path: String,
        /// Lengths with their probabilities (shared: a sweep's points all
        /// hold the same window).
        rows: std::sync::Arc<[(f64, f64)]>,
    },
}

/// The two comma-separated values of `lognormal:` and `pareto:`.
fn two<'a>(kind: &str, names: &str, text: &str, args: &'a str) -> Parsed<(&'a str, &'a str)> {
    match args.split_once(',') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => Ok((a.trim(), b.trim())),
        _ => Err(format!(
            "'{}': {kind} needs two values {names}; allowed: {WINDOW_ALLOWED}",
            text.trim()
        )),
    }
}

impl Window {
    /// Parse a window distribution (`fixed:2us`, `lognormal:2us,1ms`, ...).
    /// A `hist:` file is read here. The error names the part that is wrong
    /// and what is allowed; the caller adds the flag or spec key.
    pub fn parse(text: &str) -> Parsed<Window> {
        let t = text.trim();
        let (kind, args) = t
            .split_once(':')
            .ok_or_else(|| format!("'{t}' names no distribution; allowed: {WINDOW_ALLOWED}"))?;
        let time =
            |what: &str, v: &str| parse_positive_time(v).map_err(|e| format!("{kind} {what}: {e}"));
        match kind {
            "fixed" => Ok(Window::Fixed {
                len: time("T", args)?,
            }),
            "jittered" => {
                let len = time("T", args)?;
                Ok(Window::LogNormal {
                    median: len,
                    p99: len * JITTER_P99,
                })
            }
            "exp" => Ok(Window::Exp {
                mean: time("MEAN", args)?,
            }),
            "lognormal" => {
                let (m, p) = two(kind, "MEDIAN,P99", t, args)?;
                let median = time("MEDIAN", m)?;
                let p99 = time("P99", p)?;
                if p99 <= median {
                    return Err(format!(
                        "lognormal: P99 ({p}) must be above MEDIAN ({m}); \
                         allowed: MEDIAN < P99 (for a constant length use fixed:T)"
                    ));
                }
                Ok(Window::LogNormal { median, p99 })
            }
            "pareto" => {
                let (x, a) = two(kind, "XMIN,ALPHA", t, args)?;
                let xmin = time("XMIN", x)?;
                let alpha = a
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .ok_or_else(|| {
                        format!("pareto ALPHA: '{a}' is not a tail index; allowed: a number > 0")
                    })?;
                Ok(Window::Pareto { xmin, alpha })
            }
            "hist" => Window::from_hist_file(Path::new(args.trim())),
            other => Err(format!(
                "unknown distribution '{other}'; allowed: {WINDOW_ALLOWED}"
            )),
        }
    }

    /// The length of a `fixed:T` window in seconds, without reading any
    /// file; `None` for other kinds (plots put fixed windows on a length
    /// axis and tabulate the rest).
    pub fn fixed_len_of(text: &str) -> Option<f64> {
        text.trim()
            .strip_prefix("fixed:")
            .and_then(|t| parse_positive_time(t).ok())
    }

    /// Read a histogram: one `length,weight` row a line (length a time,
    /// weight a number >= 0), an optional header line, `#` comments and
    /// blank lines ignored; at least one weight > 0.
    pub fn from_hist_file(path: &Path) -> Parsed<Window> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "hist: cannot read '{name}': {e}; allowed: a readable file of 'length,weight' rows"
            )
        })?;
        let mut rows = Vec::new();
        let mut first = true;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |why: &str| {
                format!(
                    "hist: {name} line {}: {why}; allowed: rows 'length,weight' \
                     (length {TIME_ALLOWED}; weight >= 0)",
                    i + 1
                )
            };
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let is_header = first
                && fields.len() == 2
                && fields
                    .iter()
                    .all(|f| f.chars().all(|c| c.is_alphabetic() || c == '_'));
            first = false;
            if is_header {
                continue;
            }
            if fields.len() != 2 {
                return Err(bad(&format!("'{line}' has {} fields, not 2", fields.len())));
            }
            let len = parse_positive_time(fields[0])
                .map_err(|_| bad(&format!("'{}' is not a length > 0", fields[0])))?;
            let w: f64 = fields[1]
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite() && *w >= 0.0)
                .ok_or_else(|| bad(&format!("'{}' is not a weight", fields[1])))?;
            if w > 0.0 {
                rows.push((len, w));
            }
        }
        let total: f64 = rows.iter().map(|r| r.1).sum();
        if rows.is_empty() || !(total.is_finite() && total > 0.0) {
            return Err(format!(
                "hist: {name} has no row with weight > 0; allowed: rows 'length,weight'"
            ));
        }
        for r in &mut rows {
            r.1 /= total;
        }
        Ok(Window::Hist {
            path: name,
            rows: rows.into(),
        })
    }

    /// For discrete distributions (fixed, hist) the `(length, probability)`
    /// atoms; `None` for the continuous ones.
    pub fn atoms(&self) -> Option<Vec<(f64, f64)>> {
        match self {
            Window::Fixed { len } => Some(vec![(*len, 1.0)]),
            Window::Hist { rows, .. } => Some(rows.to_vec()),
            _ => None,
        }
    }

    /// The shortest possible window (0 when unbounded below).
    pub fn lower_bound(&self) -> f64 {
        match self {
            Window::Pareto { xmin, .. } => *xmin,
            Window::Fixed { len } => *len,
            Window::Hist { rows, .. } => rows.iter().map(|r| r.0).fold(f64::INFINITY, f64::min),
            _ => 0.0,
        }
    }

    /// `(mu, sigma)` of the lognormal's underlying normal.
    fn lognormal_params(median: f64, p99: f64) -> (f64, f64) {
        (median.ln(), (p99 / median).ln() / Z99)
    }

    /// For a continuous distribution at length `d` inside its support:
    /// `(ln f(d), d/dd ln f(d), d²/dd² ln f(d))`. Outside the support the
    /// log-density is `-inf`. `None` for discrete distributions.
    pub fn ln_pdf_derivs(&self, d: f64) -> Option<(f64, f64, f64)> {
        Some(match *self {
            Window::Exp { mean } => {
                if d < 0.0 {
                    (f64::NEG_INFINITY, 0.0, 0.0)
                } else {
                    (-d / mean - mean.ln(), -1.0 / mean, 0.0)
                }
            }
            Window::LogNormal { median, p99 } => {
                let (mu, s) = Self::lognormal_params(median, p99);
                if d <= 0.0 {
                    return Some((f64::NEG_INFINITY, 0.0, 0.0));
                }
                let l = d.ln();
                let s2 = s * s;
                let lnf = -(l - mu).powi(2) / (2.0 * s2)
                    - l
                    - (s * (2.0 * std::f64::consts::PI).sqrt()).ln();
                let g1 = -(l - mu) / (s2 * d) - 1.0 / d;
                let g2 = (l - mu - 1.0) / (s2 * d * d) + 1.0 / (d * d);
                (lnf, g1, g2)
            }
            Window::Pareto { xmin, alpha } => {
                if d < xmin {
                    (f64::NEG_INFINITY, 0.0, 0.0)
                } else {
                    let a1 = alpha + 1.0;
                    (
                        alpha.ln() + alpha * xmin.ln() - a1 * d.ln(),
                        -a1 / d,
                        a1 / (d * d),
                    )
                }
            }
            Window::Fixed { .. } | Window::Hist { .. } => return None,
        })
    }

    /// A sampler for this distribution (built once, drawn per window).
    pub fn sampler(&self) -> Result<WindowSampler> {
        let bad = |e: &dyn fmt::Display| Error::Run(format!("window sampler: {e}"));
        Ok(match self {
            Window::Fixed { len } => WindowSampler::Fixed(*len),
            Window::Exp { mean } => WindowSampler::Exp(Exp::new(1.0 / mean).map_err(|e| bad(&e))?),
            Window::LogNormal { median, p99 } => {
                let (mu, s) = Self::lognormal_params(*median, *p99);
                WindowSampler::LogNormal(LogNormal::new(mu, s).map_err(|e| bad(&e))?)
            }
            Window::Pareto { xmin, alpha } => {
                WindowSampler::Pareto(Pareto::new(*xmin, *alpha).map_err(|e| bad(&e))?)
            }
            Window::Hist { rows, .. } => WindowSampler::Hist(
                WeightedAliasIndex::new(rows.iter().map(|r| r.1).collect()).map_err(|e| bad(&e))?,
                rows.iter().map(|r| r.0).collect(),
            ),
        })
    }
}

impl fmt::Display for Window {
    /// The `--window` spelling (`lognormal:2us,1ms`), 6 significant digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = crate::text::units::compact_duration;
        match self {
            Window::Fixed { len } => write!(f, "fixed:{}", c(*len)),
            Window::Exp { mean } => write!(f, "exp:{}", c(*mean)),
            Window::LogNormal { median, p99 } => write!(f, "lognormal:{},{}", c(*median), c(*p99)),
            Window::Pareto { xmin, alpha } => write!(f, "pareto:{},{alpha}", c(*xmin)),
            Window::Hist { path, .. } => write!(f, "hist:{path}"),
        }
    }
}

/// Draws window lengths in seconds. Cheap to draw from; build once per chunk.
#[derive(Clone, Debug)]
pub enum WindowSampler {
    /// Constant.
    Fixed(f64),
    /// Exponential.
    Exp(Exp<f64>),
    /// Lognormal.
    LogNormal(LogNormal<f64>),
    /// Pareto.
    Pareto(Pareto<f64>),
    /// Alias table over the histogram rows, and their lengths.
    Hist(WeightedAliasIndex<f64>, Vec<f64>),
}

impl WindowSampler {
    /// True for distributions of a few exact lengths (fixed, hist), whose
    /// cycle counts `rate × D` must be taken exactly; false for continuous
    /// ones, whose f64 draws are rounded anyway.
    pub fn is_discrete(&self) -> bool {
        matches!(self, WindowSampler::Fixed(_) | WindowSampler::Hist(..))
    }

    /// One window length in seconds.
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            WindowSampler::Fixed(l) => *l,
            WindowSampler::Exp(d) => d.sample(rng),
            WindowSampler::LogNormal(d) => d.sample(rng),
            WindowSampler::Pareto(d) => d.sample(rng),
            WindowSampler::Hist(idx, lens) => lens[idx.sample(rng)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn parses_every_distribution() {
        assert_eq!(
            Window::parse("fixed:2us").unwrap(),
            Window::Fixed { len: 2e-6 }
        );
        assert_eq!(
            Window::parse("exp:1ms").unwrap(),
            Window::Exp { mean: 1e-3 }
        );
        assert_eq!(
            Window::parse("lognormal:2us,1ms").unwrap(),
            Window::LogNormal {
                median: 2e-6,
                p99: 1e-3
            }
        );
        assert_eq!(
            Window::parse("pareto:1us,1.5").unwrap(),
            Window::Pareto {
                xmin: 1e-6,
                alpha: 1.5
            }
        );
    }

    #[test]
    fn bad_windows_are_one_line_errors_saying_what_is_allowed() {
        for bad in [
            "gamma:1s",
            "fixed",
            "fixed:0s",
            "fixed:10",
            "exp:-1us",
            "lognormal:1ms,2us",
            "lognormal:1ms,1ms",
            "lognormal:1ms",
            "pareto:1us,0",
            "pareto:1us,-2",
            "pareto:1us,nan",
            "hist:/nonexistent/file.csv",
        ] {
            let e = Window::parse(bad).unwrap_err();
            assert!(e.contains("allowed:"), "{bad}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
        assert!(Window::parse("fixed:1m").unwrap_err().contains("ambiguous"));
        assert_eq!(Window::fixed_len_of("fixed:10ms"), Some(0.01));
        assert_eq!(Window::fixed_len_of("exp:10ms"), None);
    }

    #[test]
    fn lognormal_quantiles_match_the_flags() {
        // P(D <= p99) must be 0.99: check by the normal CDF of the log.
        let w = Window::LogNormal {
            median: 2e-6,
            p99: 1e-3,
        };
        let Window::LogNormal { median, p99 } = w else {
            unreachable!()
        };
        let (mu, s) = Window::lognormal_params(median, p99);
        let z = (p99.ln() - mu) / s;
        let cdf = 0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2);
        assert!((cdf - 0.99).abs() < 1e-12, "{cdf}");
    }

    #[test]
    fn hist_files_read_and_reject() {
        let mut good = tempfile::NamedTempFile::new().unwrap();
        writeln!(good, "length,weight\n# comment\n1us,3\n4us,1\n").unwrap();
        let w = Window::parse(&format!("hist:{}", good.path().display())).unwrap();
        let atoms = w.atoms().unwrap();
        assert_eq!(atoms, vec![(1e-6, 0.75), (4e-6, 0.25)]);
        for body in [
            "1us,x\n",
            "1us\n",
            "1us,1,2\n",
            "0us,1\n",
            "1us,0\n",
            "",
            "1us,-1\n",
        ] {
            let mut f = tempfile::NamedTempFile::new().unwrap();
            write!(f, "{body}").unwrap();
            let e = Window::parse(&format!("hist:{}", f.path().display()))
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("hist: "), "{body:?}: {e}");
            assert!(e.contains("allowed:"), "{body:?}: {e}");
            assert!(!e.contains('\n'));
        }
    }

    #[test]
    fn log_density_derivatives_match_finite_differences() {
        for w in [
            Window::Exp { mean: 3.0 },
            Window::LogNormal {
                median: 2.0,
                p99: 50.0,
            },
            Window::Pareto {
                xmin: 1.0,
                alpha: 1.7,
            },
        ] {
            for d in [1.5, 4.0, 11.0] {
                let (l, g1, g2) = w.ln_pdf_derivs(d).unwrap();
                let h = 1e-4;
                let (lp, g1p, _) = w.ln_pdf_derivs(d + h).unwrap();
                let (lm, g1m, _) = w.ln_pdf_derivs(d - h).unwrap();
                assert!(((lp - lm) / (2.0 * h) - g1).abs() < 1e-6, "{w} {d} {l}");
                assert!(((g1p - g1m) / (2.0 * h) - g2).abs() < 1e-6, "{w} {d}");
            }
        }
    }
}
