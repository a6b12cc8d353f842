//! Metric and engine identities: the one list of what a sweep row may
//! report, and by which engine. The CSV spells each as [`Metric::name`]
//! and [`EngineKind::name`]; readers parse them back here.

use std::fmt;

/// One of the four engines of DESIGN.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EngineKind {
    /// Exhaustive interleavings: verdict and minimal cycles.
    Explore,
    /// Closed forms: time to a false positive, probabilities.
    Analyze,
    /// Monte Carlo with confidence intervals.
    Sample,
    /// Real threads and atomics.
    Stress,
}

impl EngineKind {
    /// All engines, in the order the CSV lists them within a protocol.
    pub const ALL: [EngineKind; 4] = [
        EngineKind::Explore,
        EngineKind::Analyze,
        EngineKind::Sample,
        EngineKind::Stress,
    ];

    /// Name as specs and the CSV spell it.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Explore => "explore",
            EngineKind::Analyze => "analyze",
            EngineKind::Sample => "sample",
            EngineKind::Stress => "stress",
        }
    }

    /// Parse a name.
    pub fn from_name(s: &str) -> Option<EngineKind> {
        EngineKind::ALL.into_iter().find(|e| e.name() == s)
    }

    /// Whether this engine's points range over rates, processes, holds and
    /// windows (analyze, sample) or only over protocols (explore, stress).
    pub fn is_timed(self) -> bool {
        matches!(self, EngineKind::Analyze | EngineKind::Sample)
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every metric an engine reports (data/README.md, "Metrics by engine").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// explore: `false-positive`, `none-at-all`, `none-within:C`,
    /// `incomplete:C`.
    Verdict,
    /// explore, analyze: the fewest writer cycles inside one window that
    /// give a false positive (exact).
    MinCycles,
    /// explore: the mode that ran.
    Mode,
    /// explore: states visited.
    States,
    /// explore: the shortest counterexample, lines joined by newlines.
    Trace,
    /// explore: the protocol's costs, read off its program ([`super::cost`]).
    ProtocolCost,
    /// analyze: seconds to the first false positive at the rate.
    TimeToFpS,
    /// analyze, sample: P(false positive) per speculation.
    PFalsePositive,
    /// analyze: its log10, from the exact value.
    Log10PFalsePositive,
    /// analyze, sample: P(retry).
    PRetry,
    /// analyze, sample: P(abort).
    PAbort,
    /// analyze, sample: P(accept).
    PAccept,
    /// analyze with a fleet: expected false positives.
    FleetExpected,
    /// analyze with a fleet: P(any).
    FleetPAny,
    /// sample: draws.
    Samples,
    /// sample: false positives drawn.
    FpEvents,
    /// stress: whether the real threads saw a false positive.
    FalsePositiveObserved,
    /// stress: the cycles at which they saw it.
    ObservedAtCycles,
    /// stress: the explorer's count whose counterexample was replayed.
    ExploreMinCycles,
    /// stress: nanoseconds per writer cycle.
    NsPerCycle,
    /// stress: why the point was not run on this hardware.
    NotRun,
    /// The stand-in engines' draw (`sweep::engines::FakeEngines`).
    Draw,
}

impl Metric {
    /// Every metric, in data/README.md's order.
    pub const ALL: [Metric; 22] = [
        Metric::Verdict,
        Metric::MinCycles,
        Metric::Mode,
        Metric::States,
        Metric::Trace,
        Metric::ProtocolCost,
        Metric::TimeToFpS,
        Metric::PFalsePositive,
        Metric::Log10PFalsePositive,
        Metric::PRetry,
        Metric::PAbort,
        Metric::PAccept,
        Metric::FleetExpected,
        Metric::FleetPAny,
        Metric::Samples,
        Metric::FpEvents,
        Metric::FalsePositiveObserved,
        Metric::ObservedAtCycles,
        Metric::ExploreMinCycles,
        Metric::NsPerCycle,
        Metric::NotRun,
        Metric::Draw,
    ];

    /// The CSV `metric` column's text.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Verdict => "verdict",
            Metric::MinCycles => "min_cycles",
            Metric::Mode => "mode",
            Metric::States => "states",
            Metric::Trace => "trace",
            Metric::ProtocolCost => "protocol_cost",
            Metric::TimeToFpS => "time_to_fp_s",
            Metric::PFalsePositive => "p_false_positive",
            Metric::Log10PFalsePositive => "log10_p_false_positive",
            Metric::PRetry => "p_retry",
            Metric::PAbort => "p_abort",
            Metric::PAccept => "p_accept",
            Metric::FleetExpected => "fleet_expected",
            Metric::FleetPAny => "fleet_p_any",
            Metric::Samples => "samples",
            Metric::FpEvents => "fp_events",
            Metric::FalsePositiveObserved => "false_positive_observed",
            Metric::ObservedAtCycles => "observed_at_cycles",
            Metric::ExploreMinCycles => "explore_min_cycles",
            Metric::NsPerCycle => "ns_per_cycle",
            Metric::NotRun => "not_run",
            Metric::Draw => "draw",
        }
    }

    /// Parse the CSV's text.
    pub fn from_name(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == s)
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One measured or computed quantity of a point, as an engine reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricValue {
    /// Which quantity.
    pub metric: Metric,
    /// Value as text (exact integers, shortest floats, scientific strings).
    pub value: String,
    /// 95% interval, when the engine gives one.
    pub ci: Option<(String, String)>,
}

impl MetricValue {
    /// An exact value with no interval.
    pub fn exact(metric: Metric, value: impl ToString) -> MetricValue {
        MetricValue {
            metric,
            value: value.to_string(),
            ci: None,
        }
    }

    /// A float, written as its shortest round-trip form.
    pub fn float(metric: Metric, v: f64) -> MetricValue {
        MetricValue::exact(metric, fmt_f64(v))
    }
}

/// Shortest round-trip text of an f64 in scientific form (`5.35e6`,
/// `1e-7`): deterministic, and no precision is lost.
pub fn fmt_f64(v: f64) -> String {
    format!("{v:e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        for m in Metric::ALL {
            assert_eq!(Metric::from_name(m.name()), Some(m));
        }
        for e in EngineKind::ALL {
            assert_eq!(EngineKind::from_name(e.name()), Some(e));
        }
        assert_eq!(Metric::from_name("min-cycles"), None);
    }

    #[test]
    fn the_list_is_data_readmes() {
        let readme = include_str!("../../data/README.md");
        for m in Metric::ALL.into_iter().filter(|m| *m != Metric::Draw) {
            assert!(
                readme.contains(&format!("`{}`", m.name())),
                "data/README.md does not document {m}"
            );
        }
    }
}
