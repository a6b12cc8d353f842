//! The engines as a sweep sees them: a point in, named metrics out.
//!
//! [`RealEngines`] calls the library's engines; [`FakeEngines`] is a
//! deterministic stand-in (as hyperfine's `--debug-mode` mock executor) so
//! the sweep machinery — order, shards, resume, merge — can be tested
//! without waiting for real work. The report always uses the real ones.

use std::time::Duration;

use crate::analyze::{AnalyzeConfig, LogProb, analyze};
use crate::error::{Error, Result};
use crate::explore::{ExploreConfig, Verdict};
use crate::question::{EngineKind, Question};
use crate::sample::{Estimate, SampleConfig, sample};
use crate::stress::RateKind;
use crate::stress::StressConfig;
use crate::sweep::grid::Point;
use crate::timing::{Window, Writer};

/// One measured or computed quantity of a point.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// Name (the CSV `metric` column; see data/README.md).
    pub name: &'static str,
    /// Value as text (exact integers, shortest floats, scientific strings).
    pub value: String,
    /// 95% interval, when the engine gives one.
    pub ci: Option<(String, String)>,
}

impl Metric {
    /// An exact value with no interval.
    pub fn exact(name: &'static str, value: impl ToString) -> Metric {
        Metric {
            name,
            value: value.to_string(),
            ci: None,
        }
    }

    /// A float, written as its shortest round-trip form.
    pub fn float(name: &'static str, v: f64) -> Metric {
        Metric::exact(name, fmt_f64(v))
    }
}

/// Shortest round-trip text of an f64 in scientific form (`5.35e6`,
/// `1e-7`): deterministic, and no precision is lost.
pub fn fmt_f64(v: f64) -> String {
    format!("{v:e}")
}

/// A writer rate measured on this machine.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasuredRate {
    /// Write-lock cycles per second.
    pub cycles_per_s: f64,
    /// What was measured where (operation, threads, kernel release).
    pub what: String,
}

/// What a sweep needs from the engines.
///
/// Order of calls: [`Engines::available`] for each engine a spec names (a
/// sweep refuses to start when one is missing), [`Engines::measure`] once
/// per distinct `measured:*` rate, then [`Engines::run`] for each point,
/// from several threads at once.
pub trait Engines: Sync {
    /// `Ok` when this build can run `kind`, else why not.
    fn available(&self, kind: EngineKind) -> std::result::Result<(), String>;
    /// Take a `measured:kernel` or `measured:stress` rate.
    fn measure(&self, kind: RateKind) -> Result<MeasuredRate>;
    /// Answer one point. `rate` is the resolved writer rate for timed
    /// engines. Must be a pure function of (question, point, rate) except
    /// for engines that measure hardware (stress).
    fn run(&self, q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<Metric>>;
}

/// The library's engines.
#[derive(Clone, Debug)]
pub struct RealEngines {
    /// Where `measured:*` rates are cached per machine and kernel (see
    /// `stress::measured_rate`); `None` measures every time.
    pub rate_cache: Option<std::path::PathBuf>,
    /// Bounds of stress runs: short timing runs keep a sweep quick; the
    /// windows themselves always run at their full cycle counts.
    pub stress: StressConfig,
}

impl Default for RealEngines {
    fn default() -> Self {
        RealEngines {
            rate_cache: crate::stress::default_cache_path(),
            stress: StressConfig {
                timing_runs: 3,
                timing_cycles: 1 << 20,
                ..StressConfig::default()
            },
        }
    }
}

/// Engines not yet built into this version, with the reason printed in
/// sweeps and the report. Empty once every engine has landed.
const MISSING: &[(EngineKind, &str)] = &[];

impl Engines for RealEngines {
    fn available(&self, kind: EngineKind) -> std::result::Result<(), String> {
        match MISSING.iter().find(|(k, _)| *k == kind) {
            Some((_, why)) => Err((*why).to_string()),
            None => Ok(()),
        }
    }

    fn measure(&self, kind: RateKind) -> Result<MeasuredRate> {
        let m = crate::timing::measure_with_cache(kind, self.rate_cache.as_deref())?;
        Ok(MeasuredRate {
            cycles_per_s: m.cycles_per_s,
            what: m.what,
        })
    }

    fn run(&self, q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<Metric>> {
        match p.engine {
            EngineKind::Explore => explore_metrics(q, p),
            EngineKind::Analyze => analyze_metrics(q, p, rate),
            EngineKind::Sample => sample_metrics(q, p, rate),
            EngineKind::Stress => stress_metrics(&self.stress, p),
        }
    }
}

fn explore_metrics(q: &Question, p: &Point) -> Result<Vec<Metric>> {
    let mut cfg = ExploreConfig::new(p.scheme.clone());
    cfg.readers = q.readers;
    cfg.writers = q.writers;
    cfg.mode = q.explore_mode;
    cfg.model = p.model;
    let r = crate::explore::explore(&cfg)?;
    let verdict = match &r.verdict {
        Verdict::FalsePositive => "false-positive".to_string(),
        Verdict::NoneAtAll => "none-at-all".to_string(),
        Verdict::NoneWithin(c) => format!("none-within:{c}"),
        Verdict::Incomplete { below, .. } => format!("incomplete:{below}"),
    };
    let mode = serde_json::to_value(r.mode)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Ok(vec![
        Metric::exact("verdict", verdict),
        Metric::exact(
            "min_cycles",
            r.min_cycles.map(|c| c.to_string()).unwrap_or_default(),
        ),
        Metric::exact("mode", mode),
        Metric::exact("states", r.states),
        Metric::exact("trace", r.trace.lines().join("\n")),
        Metric::exact("scheme_cost", crate::sweep::cost::summary(&p.scheme)),
    ])
}

/// The writer and window of a timed point (parsed when the spec loaded).
/// A measured rate is checked against the hold here, the first time it
/// is known.
fn timed(p: &Point, rate: Option<f64>) -> Result<(Writer, Window)> {
    let missing = || {
        Error::Run(format!(
            "point {}: a timed engine without its axes",
            p.index
        ))
    };
    let (Some(rate), Some(process), Some(hold), Some(window)) =
        (rate, p.process, p.hold.as_ref(), p.window.as_ref())
    else {
        return Err(missing());
    };
    let writer = Writer::with_hold(rate, process, hold.value).map_err(|e| {
        Error::usage(format!(
            "hold '{}' at the measured rate {rate:e}: {e}",
            hold.text
        ))
    })?;
    Ok((writer, window.value.clone()))
}

fn log10_text(p: LogProb) -> String {
    if p.is_zero() {
        String::new()
    } else {
        fmt_f64(p.log10())
    }
}

fn analyze_metrics(q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<Metric>> {
    let (writer, window) = timed(p, rate)?;
    let r = analyze(&AnalyzeConfig {
        scheme: p.scheme.clone(),
        writer,
        window: Some(window),
        fleet: q.fleet,
    })?;
    let mut m = vec![
        Metric::exact(
            "min_cycles",
            r.min_cycles.map(|c| c.to_string()).unwrap_or_default(),
        ),
        Metric::exact(
            "time_to_fp_s",
            r.time_to_fp_s.map(fmt_f64).unwrap_or_default(),
        ),
    ];
    if let Some(pr) = &r.probabilities {
        m.push(Metric::exact("p_false_positive", pr.false_positive.sci()));
        m.push(Metric::exact(
            "log10_p_false_positive",
            log10_text(pr.false_positive),
        ));
        m.push(Metric::exact("p_retry", pr.retry.sci()));
        m.push(Metric::exact("p_abort", pr.abort.sci()));
        m.push(Metric::exact("p_accept", pr.accept.sci()));
    }
    if let Some(f) = &r.fleet {
        m.push(Metric::exact("fleet_expected", f.expected.sci()));
        m.push(Metric::exact("fleet_p_any", f.p_any.sci()));
    }
    Ok(m)
}

fn sample_metrics(q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<Metric>> {
    let (writer, window) = timed(p, rate)?;
    let r = sample(
        &SampleConfig {
            scheme: p.scheme.clone(),
            writer,
            window,
            samples: q.samples,
            seed: p.seed,
        },
        &|_| {},
    )?;
    let est = |name: &'static str, e: &Estimate| Metric {
        name,
        value: fmt_f64(e.rate),
        ci: Some((fmt_f64(e.ci_low), fmt_f64(e.ci_high))),
    };
    Ok(vec![
        est("p_false_positive", &r.false_positive),
        est("p_retry", &r.retry),
        est("p_abort", &r.abort),
        est("p_accept", &r.accept),
        Metric::exact("samples", r.tally.total()),
        Metric::exact("fp_events", r.false_positive.events),
    ])
}

/// Real threads on the point's scheme. A scheme or width the hardware run
/// refuses (bounded; more cycles than the config allows) is recorded as a
/// `not_run` row with the reason, not as a failed sweep.
fn stress_metrics(cfg: &StressConfig, p: &Point) -> Result<Vec<Metric>> {
    let r = match crate::stress::stress(&p.scheme, cfg, &|_, _| {}) {
        Ok(r) => r,
        Err(Error::Usage(why)) => return Ok(vec![Metric::exact("not_run", why)]),
        Err(e) => return Err(e),
    };
    Ok(vec![
        Metric::exact("false_positive_observed", r.false_positive_observed),
        Metric::exact(
            "observed_at_cycles",
            r.observed_at_cycles
                .map(|c| c.to_string())
                .unwrap_or_default(),
        ),
        Metric::exact(
            "explore_min_cycles",
            r.explore_min_cycles.unwrap_or_default(),
        ),
        Metric::float("ns_per_cycle", r.ns_per_cycle),
    ])
}

/// A deterministic stand-in for the engines: explore answers from the
/// scheme's closed form, the timed engines from the point's seed, and every
/// point can be slowed down by `delay` to give a test time to kill a sweep.
#[derive(Clone, Copy, Debug, Default)]
pub struct FakeEngines {
    /// Sleep this long per point.
    pub delay: Duration,
}

impl Engines for FakeEngines {
    fn available(&self, _kind: EngineKind) -> std::result::Result<(), String> {
        Ok(())
    }

    fn measure(&self, _kind: RateKind) -> Result<MeasuredRate> {
        Ok(MeasuredRate {
            cycles_per_s: 1.25e6,
            what: "fake measurement".into(),
        })
    }

    fn run(&self, _q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<Metric>> {
        std::thread::sleep(self.delay);
        let min = p.scheme.expected_min_cycles("sc").ok().flatten().flatten();
        let min_text = min.as_ref().map(|c| c.to_string()).unwrap_or_default();
        Ok(match p.engine {
            EngineKind::Explore | EngineKind::Stress => vec![Metric::exact("min_cycles", min_text)],
            EngineKind::Analyze | EngineKind::Sample => {
                let t = match (&min, rate) {
                    (Some(c), Some(r)) => fmt_f64(c.to_string().parse::<f64>().unwrap_or(0.0) / r),
                    _ => String::new(),
                };
                vec![
                    Metric::exact("time_to_fp_s", t),
                    Metric {
                        name: "draw",
                        value: (p.seed % 1000).to_string(),
                        ci: Some(((p.seed % 7).to_string(), (p.seed % 13).to_string())),
                    },
                ]
            }
        })
    }
}
