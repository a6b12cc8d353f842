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
use crate::question::Question;
use crate::results::metric::fmt_f64;
use crate::results::{EngineKind, Metric, MetricValue};
use crate::sample::{Estimate, SampleConfig, sample};
use crate::stress::RateKind;
use crate::stress::{Measurement, StressConfig};
use crate::sweep::grid::Point;
use crate::timing::{Window, Writer};

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
    fn measure(&self, kind: RateKind) -> Result<Measurement>;
    /// Answer one point. `rate` is the resolved writer rate for timed
    /// engines. Must be a pure function of (question, point, rate) except
    /// for engines that measure hardware (stress).
    fn run(&self, q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<MetricValue>>;
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

    fn measure(&self, kind: RateKind) -> Result<Measurement> {
        let m = crate::stress::measure_with_cache(kind, self.rate_cache.as_deref())?;
        Ok(Measurement {
            cycles_per_s: m.cycles_per_s,
            what: m.what,
        })
    }

    fn run(&self, q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<MetricValue>> {
        match p.engine {
            EngineKind::Explore => explore_metrics(q, p),
            EngineKind::Analyze => analyze_metrics(q, p, rate),
            EngineKind::Sample => sample_metrics(q, p, rate),
            EngineKind::Stress => stress_metrics(&self.stress, p),
        }
    }
}

fn explore_metrics(q: &Question, p: &Point) -> Result<Vec<MetricValue>> {
    let mut cfg = ExploreConfig::new(p.protocol.clone());
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
        MetricValue::exact(Metric::Verdict, verdict),
        MetricValue::exact(
            Metric::MinCycles,
            r.min_cycles.map(|c| c.to_string()).unwrap_or_default(),
        ),
        MetricValue::exact(Metric::Mode, mode),
        MetricValue::exact(Metric::States, r.states),
        MetricValue::exact(Metric::Trace, r.trace.lines().join("\n")),
        MetricValue::exact(
            Metric::ProtocolCost,
            crate::sweep::cost::summary(&p.protocol),
        ),
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

fn analyze_metrics(q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<MetricValue>> {
    let (writer, window) = timed(p, rate)?;
    let r = analyze(&AnalyzeConfig {
        protocol: p.protocol.clone(),
        writer,
        window: Some(window),
        fleet: q.fleet,
        sc: crate::explore::sc_facts(&p.protocol)?,
    })?;
    let mut m = vec![
        MetricValue::exact(
            Metric::MinCycles,
            r.min_cycles.map(|c| c.to_string()).unwrap_or_default(),
        ),
        MetricValue::exact(
            Metric::TimeToFpS,
            r.time_to_fp_s.map(fmt_f64).unwrap_or_default(),
        ),
    ];
    if let Some(pr) = &r.probabilities {
        m.push(MetricValue::exact(
            Metric::PFalsePositive,
            pr.false_positive.sci(),
        ));
        m.push(MetricValue::exact(
            Metric::Log10PFalsePositive,
            log10_text(pr.false_positive),
        ));
        m.push(MetricValue::exact(Metric::PRetry, pr.retry.sci()));
        m.push(MetricValue::exact(Metric::PAbort, pr.abort.sci()));
        m.push(MetricValue::exact(Metric::PAccept, pr.accept.sci()));
    }
    if let Some(f) = &r.fleet {
        m.push(MetricValue::exact(Metric::FleetExpected, f.expected.sci()));
        m.push(MetricValue::exact(Metric::FleetPAny, f.p_any.sci()));
    }
    Ok(m)
}

fn sample_metrics(q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<MetricValue>> {
    let (writer, window) = timed(p, rate)?;
    let r = sample(
        &SampleConfig {
            protocol: p.protocol.clone(),
            writer,
            window,
            samples: q.samples,
            seed: p.seed,
            sc: crate::explore::sc_facts(&p.protocol)?,
        },
        &|_| {},
    )?;
    let est = |metric: Metric, e: &Estimate| MetricValue {
        metric,
        value: fmt_f64(e.rate),
        ci: Some((fmt_f64(e.ci_low), fmt_f64(e.ci_high))),
    };
    Ok(vec![
        est(Metric::PFalsePositive, &r.false_positive),
        est(Metric::PRetry, &r.retry),
        est(Metric::PAbort, &r.abort),
        est(Metric::PAccept, &r.accept),
        MetricValue::exact(Metric::Samples, r.tally.total()),
        MetricValue::exact(Metric::FpEvents, r.false_positive.events),
    ])
}

/// Real threads on the point's protocol. A protocol or width the hardware run
/// refuses (bounded; more cycles than the config allows) is recorded as a
/// `not_run` row with the reason, not as a failed sweep.
fn stress_metrics(cfg: &StressConfig, p: &Point) -> Result<Vec<MetricValue>> {
    let r = match crate::stress::stress(&p.protocol, cfg, &|_, _| {}) {
        Ok(r) => r,
        Err(Error::Usage(why)) => return Ok(vec![MetricValue::exact(Metric::NotRun, why)]),
        Err(e) => return Err(e),
    };
    Ok(vec![
        MetricValue::exact(Metric::FalsePositiveObserved, r.false_positive_observed),
        MetricValue::exact(
            Metric::ObservedAtCycles,
            r.observed_at_cycles
                .map(|c| c.to_string())
                .unwrap_or_default(),
        ),
        MetricValue::exact(
            Metric::ExploreMinCycles,
            r.explore_min_cycles.unwrap_or_default(),
        ),
        MetricValue::float(Metric::NsPerCycle, r.ns_per_cycle),
    ])
}

/// A deterministic stand-in for the engines: explore answers from the
/// protocol's closed form, the timed engines from the point's seed, and every
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

    fn measure(&self, _kind: RateKind) -> Result<Measurement> {
        Ok(Measurement {
            cycles_per_s: 1.25e6,
            what: "fake measurement".into(),
        })
    }

    fn run(&self, _q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<MetricValue>> {
        std::thread::sleep(self.delay);
        let min = p
            .protocol
            .expected_min_cycles("sc")
            .ok()
            .flatten()
            .flatten();
        let min_text = min.as_ref().map(|c| c.to_string()).unwrap_or_default();
        Ok(match p.engine {
            EngineKind::Explore | EngineKind::Stress => {
                vec![MetricValue::exact(Metric::MinCycles, min_text)]
            }
            EngineKind::Analyze | EngineKind::Sample => {
                let t = match (&min, rate) {
                    (Some(c), Some(r)) => fmt_f64(c.to_string().parse::<f64>().unwrap_or(0.0) / r),
                    _ => String::new(),
                };
                vec![
                    MetricValue::exact(Metric::TimeToFpS, t),
                    MetricValue {
                        metric: Metric::Draw,
                        value: (p.seed % 1000).to_string(),
                        ci: Some(((p.seed % 7).to_string(), (p.seed % 13).to_string())),
                    },
                ]
            }
        })
    }
}
