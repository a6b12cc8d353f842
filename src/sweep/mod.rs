//! Sweeps: a question's grid run in parallel into tidy CSV.
//!
//! - [`grid`]: the points, their order, seeds and shards;
//! - [`engines`]: the engines behind one trait (real, and a fake for tests);
//! - [`run`]: the parallel run with kept progress;
//! - [`cost`]: what a protocol costs, from its step list;
//! - [`csv`]: the CSV contract (header, read, write, atomic write);
//! - [`resume`]: the progress file;
//! - [`merge`]: joining shards;
//! - [`estimate`]: the cost of a sweep before it starts;
//! - [`rates`]: measured rates taken once and handed to every shard;
//! - [`batch`]: `--shard auto` from Slurm or Kubernetes variables.

pub mod batch;
pub mod cost;
pub mod csv;
pub mod engines;
pub mod estimate;
pub mod grid;
pub mod merge;
pub mod rates;
pub mod resume;
pub mod run;

pub use engines::{Engines, FakeEngines, RealEngines};
pub use estimate::SweepEstimate;
pub use grid::{Point, Shard};
pub use merge::{MergeOutcome, merge};
pub use run::{SweepOptions, SweepOutcome, estimate, measure_rates, run_sweep};
