//! The shipped specs the report reads (`analysis/NAME.toml`) and the
//! figures each feeds. The report and the plots name a spec or a figure
//! only through these types; a spec that is missing, or lacks a metric a
//! reader needs, is named in the error ([`need`]).

use std::fmt;

use super::metric::{EngineKind, Metric};
use super::row::Row;
use crate::error::{Error, Result};

/// A shipped spec the report reads by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReportSpec {
    /// `analysis/widths.toml`: every width 2..=64 at the thread's rates.
    Widths,
    /// `analysis/mm_lock_seq.toml`: the seed's counter, its windows.
    MmLockSeq,
    /// `analysis/fixes.toml`: the fixes, explored and costed.
    Fixes,
    /// `analysis/engines.toml`: the engines against one another.
    Engines,
}

impl ReportSpec {
    /// Every spec the report reads, in report order.
    pub const ALL: [ReportSpec; 4] = [
        ReportSpec::Widths,
        ReportSpec::MmLockSeq,
        ReportSpec::Fixes,
        ReportSpec::Engines,
    ];

    /// The spec's `name` (and file stem).
    pub fn name(self) -> &'static str {
        match self {
            ReportSpec::Widths => "widths",
            ReportSpec::MmLockSeq => "mm_lock_seq",
            ReportSpec::Fixes => "fixes",
            ReportSpec::Engines => "engines",
        }
    }

    /// The spec of a name, if the report reads it.
    pub fn from_name(name: &str) -> Option<ReportSpec> {
        ReportSpec::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Which figures the spec's CSV feeds: the width sweep draws time to
    /// first false positive (57 widths make a smooth line), the seed's
    /// spec the window probabilities, fixes and engines their own.
    pub fn figures(self) -> &'static [FigureId] {
        match self {
            ReportSpec::Widths => &[FigureId::TimeToFp],
            ReportSpec::MmLockSeq => &[FigureId::PWindow],
            ReportSpec::Fixes => &[FigureId::Fixes],
            ReportSpec::Engines => &[FigureId::Engines],
        }
    }
}

impl fmt::Display for ReportSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A figure `seqwrap plot` draws from a sweep CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FigureId {
    /// Time to the first false positive by width and rate.
    TimeToFp,
    /// P(false positive) per speculation by window length.
    PWindow,
    /// The fixes: verdict and cost.
    Fixes,
    /// The engines' minimal cycles against analyze's.
    Engines,
}

impl FigureId {
    /// Every figure, in drawing order.
    pub const ALL: [FigureId; 4] = [
        FigureId::TimeToFp,
        FigureId::PWindow,
        FigureId::Fixes,
        FigureId::Engines,
    ];

    /// The figure's name: its file stem and `plot --only` value.
    pub fn name(self) -> &'static str {
        match self {
            FigureId::TimeToFp => "time_to_fp",
            FigureId::PWindow => "p_window",
            FigureId::Fixes => "fixes",
            FigureId::Engines => "engines",
        }
    }

    /// The figure of a name.
    pub fn from_name(name: &str) -> Option<FigureId> {
        FigureId::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for FigureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A reader's need: `engine`'s `metric` from `spec`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    /// The spec.
    pub spec: ReportSpec,
    /// The engine.
    pub engine: EngineKind,
    /// The metric.
    pub metric: Metric,
}

/// Check a need against a spec's rows, when the spec ran with the engine:
/// an error naming the spec, the engine and the metric when the rows lack
/// it (an edited spec that no longer yields what the report reads).
pub fn need(rows: &[Row], n: Need) -> Result<()> {
    if rows.iter().any(|r| r.is(n.engine, n.metric)) {
        return Ok(());
    }
    Err(Error::usage(format!(
        "analysis/{}.toml: the report reads {}'s {} from it, and its rows have none; \
         allowed: a spec that runs {} and yields {}",
        n.spec, n.engine, n.metric, n.engine, n.metric
    )))
}
