//! The shipped specs the report reads (`analysis/NAME.toml`) and the
//! figures each feeds. The report and the plots name a spec or a figure
//! only through these types; the report checks, before it writes, that
//! each spec it ran yields the metrics its sections declare
//! (`report::summary::check_needs`).

use std::fmt;

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
    /// The figure's name: the end of its file names (`DIR/STEM_NAME.png`
    /// and `.svg`; the report's are `reports/NAME.png`).
    pub fn name(self) -> &'static str {
        match self {
            FigureId::TimeToFp => "time_to_fp",
            FigureId::PWindow => "p_window",
            FigureId::Fixes => "fixes",
            FigureId::Engines => "engines",
        }
    }
}

impl fmt::Display for FigureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
