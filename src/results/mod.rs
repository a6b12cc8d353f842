//! The results contract: what the engines write and what the plots, the
//! pick and the report read, as types. A sweep row names its engine and
//! metric as text in the CSV (data/README.md); everything above the sweep
//! asks for them here, by [`EngineKind`] and [`Metric`], and never spells a
//! metric, an engine or a report spec as a string of its own (a test holds
//! the source to that: a literal that matches a metric's or a spec's name
//! outside this module is an error).
//!
//! - [`metric`]: metric identities and the value an engine reports;
//! - [`row`]: the CSV row and typed look-ups over rows;
//! - [`spec`]: the shipped specs the report and the plots read, and what
//!   each feeds;
//! - [`cost`]: a protocol's cost as the CSV states it, parsed back into
//!   fields (so a short form is built from numbers, not from English).
//!
//! A window's kind is its spelling (`timing::window`): a fixed length read
//! with a jittered writer is `jittered:T`, not a lognormal whose p99
//! happens to be 1.5 times its median.

pub mod cost;
pub mod metric;
pub mod row;
pub mod spec;

pub use metric::{EngineKind, Metric, MetricValue};
pub use row::{Row, select};
pub use spec::ReportSpec;
