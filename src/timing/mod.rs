//! The timed world shared by `analyze` and `sample`: a writer process, a
//! reader window, and how a window ends.
//!
//! # The model
//!
//! - **Writer** ([`Writer`]): cycles at `--rate R` per second
//!   ([`parse_rate`]), spaced `--process fixed` (every 1/R, uniform phase)
//!   or `poisson` (default). Each cycle holds the lock `--hold H` seconds
//!   (default 0); writers serialise, so `R * H < 1`. With H > 0 the poisson
//!   writer alternates exponential free periods (mean `(1 - R H)/R`) with
//!   holds of exactly H: cycle rate R, lock held a fraction `h = R H` of
//!   the time.
//! - **Window** ([`Window`]): a speculation's length D is drawn from
//!   `--window` and starts at a stationary random time.
//! - **Outcome** ([`TimedProtocol::classify`]): a window that starts inside a
//!   hold ABORTs, one that ends inside a hold RETRYs; otherwise with N
//!   cycles started in the window it ACCEPTs when N = 0 and is a FALSE
//!   POSITIVE when N is a positive multiple of the counter's period
//!   2^(bits-1) (guard: never; bounded: only if N <= T), else RETRYs.
//!   A reader's loads of one phase happen at one instant, so split and
//!   epoch counters wrap as one counter of their total width; torn reads
//!   are the explorer's adversarial case (see [`outcome`]).
//!
//! Also here: the one unit grammar of the tool ([`units`]: times, rates,
//! counts, as flags, specs and CSVs spell them) and the exact cycle count
//! `rate × D` of a window ([`cycles`]), which both engines use so that
//! counts past 2^53 keep their residue modulo the period.

pub mod cycles;
pub mod measured;
pub mod outcome;
pub mod process;
pub mod rate;

pub mod window;

pub use crate::text::units::{
    FlagExt, Parsed, YEAR_S, compact_duration, human_duration, parse_count, parse_count_u128,
    parse_positive_time, parse_time, sig3,
};
pub use cycles::{Cycles, count_repr};
pub use outcome::{Outcome, TimedProtocol};
pub use process::{PROCESS_ALLOWED, Process, Writer};
pub use rate::{RATE_ALLOWED, RateSpec, parse_rate};
pub use window::{WINDOW_ALLOWED, Window, WindowSampler};

use crate::error::Result;

/// The model flags as typed, before validation (the command line of
/// `analyze` and `sample`).
#[derive(Clone, Debug, Default)]
pub struct TimingFlags {
    /// `--rate` (required).
    pub rate: Option<String>,
    /// `--process` (default poisson).
    pub process: Option<String>,
    /// `--hold` (default 0).
    pub hold: Option<String>,
}

impl TimingFlags {
    /// Validate into a [`Writer`]; every error names its flag. A
    /// `measured:*` rate is resolved by the caller's `resolve` (the timed
    /// model measures nothing: `stress::resolve_rate` does, above it).
    pub fn writer(&self, resolve: &dyn Fn(RateSpec) -> Result<f64>) -> Result<Writer> {
        let rate = match &self.rate {
            Some(r) => resolve(parse_rate(r).flag("--rate")?)?,
            None => {
                return Err(crate::Error::usage(format!(
                    "--rate is required; allowed: {RATE_ALLOWED}"
                )));
            }
        };
        let process = match &self.process {
            Some(p) => Process::parse(p).flag("--process")?,
            None => Process::Poisson,
        };
        let hold = match &self.hold {
            Some(h) => parse_time(h).flag("--hold")?,
            None => 0.0,
        };
        Writer::new(rate, process, hold)
    }
}
