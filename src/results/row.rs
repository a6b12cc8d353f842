//! The CSV row, and look-ups over rows by type. The row keeps the CSV's
//! text (its header is the contract of `data/`, see `sweep::csv`); a
//! reader asks for an engine's metric with [`Row::is`] or [`select`], never
//! by comparing the text itself.

use serde::{Deserialize, Serialize};

use super::metric::{EngineKind, Metric};

/// One row. Empty strings mean "does not apply" (no rate for explore, no
/// interval for an exact value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// Grid index of the point (see `sweep::grid`).
    pub point: usize,
    /// The spec's name.
    pub spec: String,
    /// Protocol name.
    pub protocol: String,
    /// Protocol parameters, `key=value` separated by spaces.
    pub params: String,
    /// Total counter bits the reader compares.
    pub bits: u32,
    /// Writer cycles per second (resolved, also for `measured:*`).
    pub rate: String,
    /// Writer process.
    pub process: String,
    /// Lock hold time per cycle.
    pub hold: String,
    /// Window distribution as written in the spec.
    pub window: String,
    /// Engine.
    pub engine: String,
    /// Metric name (see data/README.md).
    pub metric: String,
    /// The value: exact decimal integers, shortest round-trip floats, or
    /// scientific strings for probabilities too small for an f64.
    pub value: String,
    /// Lower end of the 95% interval, if any.
    pub ci_low: String,
    /// Upper end of the 95% interval, if any.
    pub ci_high: String,
    /// The seed the point ran with.
    pub seed: u64,
    /// Version of seqwrap that wrote the row.
    pub seqwrap_version: String,
    /// log10 of `value` when it is a positive number, computed from the
    /// exact text (so `2.34645e-344` gives `-343.6296...`, not `-inf`);
    /// empty otherwise. Use it where a float is needed.
    #[serde(default)]
    pub log10_value: String,
    /// The spec file's fingerprint (16 hex digits, FNV-1a of its bytes):
    /// `merge` joins only shards of the same spec.
    #[serde(default)]
    pub spec_fingerprint: String,
    /// Points in the spec's whole grid (all shards).
    #[serde(default)]
    pub grid_points: Option<usize>,
    /// The shard that wrote the row, `K/N`; `1/1` for a whole run and for
    /// a merged file.
    #[serde(default)]
    pub shard: String,
    /// The memory model an explore row was answered under (`sc`, `tso`,
    /// `lkmm`); empty for the other engines, whose timed model does not
    /// depend on one.
    #[serde(default)]
    pub memory_model: String,
}

impl Row {
    /// Whether this row is `engine`'s `metric`.
    pub fn is(&self, engine: EngineKind, metric: Metric) -> bool {
        self.engine == engine.name() && self.metric == metric.name()
    }

    /// Whether this row is `engine`'s (any metric).
    pub fn is_engine(&self, engine: EngineKind) -> bool {
        self.engine == engine.name()
    }

    /// The row's metric, when it is one this build knows.
    pub fn metric_id(&self) -> Option<Metric> {
        Metric::from_name(&self.metric)
    }

    /// The row's engine, when it is one this build knows.
    pub fn engine_kind(&self) -> Option<EngineKind> {
        EngineKind::from_name(&self.engine)
    }
}

/// `engine`'s `metric` rows, in file order.
pub fn select<'a>(
    rows: &'a [Row],
    engine: EngineKind,
    metric: Metric,
) -> impl Iterator<Item = &'a Row> + 'a {
    rows.iter().filter(move |r| r.is(engine, metric))
}
