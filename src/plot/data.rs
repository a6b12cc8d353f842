//! From rows to series: the data each figure shows, apart from drawing it
//! (as criterion's `line_comparison_series_data`). Pure functions.

use std::collections::BTreeMap;

use crate::protocol::catalog::short_label;
use crate::results::{EngineKind, Metric, Row, select};
use crate::text::number::{cycles_text, log2_dec, num};
use crate::timing::Window;

/// The protocol the width figures follow: the first protocol of the rows
/// that has `metric` rows from analyze (a width sweep holds one protocol
/// family; which one is read from the data, never assumed by name).
fn first_protocol(rows: &[Row], metric: Metric) -> Option<&str> {
    select(rows, EngineKind::Analyze, metric)
        .map(|r| r.protocol.as_str())
        .next()
}

/// Time to the first false positive vs width, one series per rate: rate
/// (cycles/s) -> sorted (bits, seconds). The first protocol of the rows
/// ([`first_protocol`]), first value per (rate, bits): the time does not
/// depend on the window.
pub fn time_to_fp(rows: &[Row]) -> BTreeMap<u64, (f64, Vec<(u32, f64)>)> {
    let mut out: BTreeMap<u64, (f64, BTreeMap<u32, f64>)> = BTreeMap::new();
    let Some(protocol) = first_protocol(rows, Metric::TimeToFpS) else {
        return BTreeMap::new();
    };
    for r in select(rows, EngineKind::Analyze, Metric::TimeToFpS).filter(|r| r.protocol == protocol)
    {
        let (Some(rate), Some(t)) = (num(&r.rate), num(&r.value)) else {
            continue;
        };
        // Key by the rate's bits so the map orders series by rate.
        let e = out.entry(rate.to_bits()).or_insert((rate, BTreeMap::new()));
        e.1.entry(r.bits).or_insert(t);
    }
    out.into_iter()
        .map(|(k, (rate, m))| (k, (rate, m.into_iter().collect())))
        .collect()
}

/// How a window of length T is spelled in a sweep: `fixed:T`, or, for a
/// fixed length read with a jittered writer, `jittered:T`
/// ([`crate::timing::window::JITTER_P99`]). Returns (T, jittered); `None`
/// for the other kinds (a `lognormal:` is a distribution of lengths, not a
/// length, whatever its p99).
pub fn window_length(text: &str) -> Option<(f64, bool)> {
    if let Some(t) = Window::fixed_len_of(text) {
        return Some((t, false));
    }
    crate::timing::window::is_jittered(text).map(|t| (t, true))
}

/// One line of the window figure: P(false positive) per speculation vs
/// window length for one rate and width.
#[derive(Clone, Debug, PartialEq)]
pub struct PWindowSeries {
    /// Writer cycles per second.
    pub rate: f64,
    /// Counter bits.
    pub bits: u32,
    /// (window length seconds, log10 p), by length.
    pub points: Vec<(f64, f64)>,
}

/// What the window figure draws.
#[derive(Clone, Debug, PartialEq)]
pub struct PWindowData {
    /// Windows of a fixed length with a jittered writer (else exactly
    /// fixed windows: the lattice artifact, drawn only when the rows have
    /// nothing else).
    pub jittered: bool,
    /// The writer process.
    pub process: String,
    /// The lines, by rate then bits.
    pub series: Vec<PWindowSeries>,
}

/// P(false positive per speculation) vs window length for the first
/// protocol of the rows, at the given rates (all rates of the rows when
/// `rates` is empty; the highest only when there are more than two and
/// none is asked for), one process and hold. Jittered fixed windows
/// ([`window_length`]) are preferred over exactly fixed ones.
pub fn p_window(rows: &[Row], rates: &[f64]) -> Option<PWindowData> {
    let protocol = first_protocol(rows, Metric::Log10PFalsePositive)?;
    let all: Vec<(&Row, f64, bool)> =
        select(rows, EngineKind::Analyze, Metric::Log10PFalsePositive)
            .filter(|r| r.protocol == protocol)
            .filter_map(|r| window_length(&r.window).map(|(t, j)| (r, t, j)))
            .collect();
    let jittered = all.iter().any(|a| a.2);
    let sel: Vec<&(&Row, f64, bool)> = all.iter().filter(|a| a.2 == jittered).collect();
    let first = sel.first()?.0;
    let (process, hold) = (first.process.clone(), first.hold.clone());
    let mut have: Vec<f64> = sel.iter().filter_map(|a| num(&a.0.rate)).collect();
    have.sort_by(f64::total_cmp);
    have.dedup();
    let want: Vec<f64> = if rates.is_empty() {
        if have.len() > 2 {
            have.last().copied().into_iter().collect()
        } else {
            have
        }
    } else {
        have.into_iter()
            .filter(|h| rates.iter().any(|r| (r - h).abs() <= 1e-9 * r.abs()))
            .collect()
    };
    let mut series = Vec::new();
    for rate in want {
        let mut by_bits: BTreeMap<u32, Vec<(f64, f64)>> = BTreeMap::new();
        for (r, t, _) in sel.iter().map(|a| **a) {
            if num(&r.rate) == Some(rate)
                && r.process == process
                && r.hold == hold
                && let Some(lp) = num(&r.value)
            {
                by_bits.entry(r.bits).or_default().push((t, lp));
            }
        }
        for (bits, mut points) in by_bits {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            series.push(PWindowSeries { rate, bits, points });
        }
    }
    (!series.is_empty()).then_some(PWindowData {
        jittered,
        process,
        series,
    })
}

/// How a protocol instance fares against a stalled reader, from the
/// explorer's fewest cycles `m` and its total bits `b` (the classes of
/// the fixes figure and the summary's tables):
/// - `Full`: no sooner than 2^(b-2), i.e. at least half the period of one
///   b-bit word (one atomic b-bit counter gives exactly 2^(b-1));
/// - `Short`: sooner, but not before 2^(b/4) cycles: a wrap of part of the
///   state (a torn read or one word's period);
/// - `Broken`: before 2^(b/4) cycles: an ordering bug, not a wrap;
/// - `Never`: no false positive at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FixOutcome {
    /// At least half the full period.
    Full,
    /// A wrap of part of the state.
    Short,
    /// A handful of cycles: an ordering bug.
    Broken,
    /// No false positive at all.
    Never,
}

impl FixOutcome {
    /// Classify (see the type's docs); `min` is the exact decimal count,
    /// empty or unparsable for none.
    pub fn of(bits: u32, min: &str) -> FixOutcome {
        match log2_dec(min) {
            None => FixOutcome::Never,
            Some(l) if l >= f64::from(bits) - 2.0 - 1e-9 => FixOutcome::Full,
            Some(l) if l >= f64::from(bits) / 4.0 => FixOutcome::Short,
            Some(_) => FixOutcome::Broken,
        }
    }

    /// One word for tables.
    pub fn word(self) -> &'static str {
        match self {
            FixOutcome::Full => "full",
            FixOutcome::Short => "short",
            FixOutcome::Broken => "broken",
            FixOutcome::Never => "none",
        }
    }
}

/// One protocol instance under one memory model in the fixes comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct FixBar {
    /// `split 32+32 hi-lo-hi` style label ([`short_label`]).
    pub label: String,
    /// The CSV's protocol and params (to find its other rows).
    pub key: (String, String),
    /// Total bits.
    pub bits: u32,
    /// The memory model (`sc` for CSVs written before the column).
    pub model: String,
    /// log2 of the explorer's minimal cycles, `None` when none at all.
    pub log2_min: Option<f64>,
    /// The explorer's verdict text.
    pub verdict: String,
    /// The minimal cycles in exact short form (`2^63-2^31+1`), or empty.
    pub min_text: String,
    /// The exact decimal minimal cycles, or empty.
    pub min_exact: String,
}

impl FixBar {
    /// Its class ([`FixOutcome`]).
    pub fn outcome(&self) -> FixOutcome {
        FixOutcome::of(self.bits, &self.min_exact)
    }
}

/// The explorer's answers per protocol instance and memory model, in CSV
/// order.
pub fn fixes(rows: &[Row]) -> Vec<FixBar> {
    let mut out: Vec<FixBar> = Vec::new();
    let mut seen = BTreeMap::new();
    for r in rows.iter().filter(|r| r.is_engine(EngineKind::Explore)) {
        let model = if r.memory_model.is_empty() {
            "sc".to_string()
        } else {
            r.memory_model.clone()
        };
        let key = (r.protocol.clone(), r.params.clone(), model.clone());
        let i = *seen.entry(key).or_insert_with(|| {
            out.push(FixBar {
                label: short_label(&r.protocol, &r.params),
                key: (r.protocol.clone(), r.params.clone()),
                bits: r.bits,
                model,
                log2_min: None,
                verdict: String::new(),
                min_text: String::new(),
                min_exact: String::new(),
            });
            out.len() - 1
        });
        match r.metric_id() {
            Some(Metric::MinCycles) => {
                out[i].log2_min = log2_dec(&r.value);
                out[i].min_text = cycles_text(&r.value);
                out[i].min_exact = r.value.clone();
            }
            Some(Metric::Verdict) => out[i].verdict = r.value.clone(),
            _ => {}
        }
    }
    out
}

/// One protocol instance with the memory models grouped by their answer:
/// `(label, key, bits, [(models, bar)])`, models that agree sharing one
/// entry (`sc tso`), in the order sc, tso, lkmm met in the rows.
pub type FixGroup = (String, (String, String), u32, Vec<(Vec<String>, FixBar)>);

/// [`fixes`] grouped per protocol instance ([`FixGroup`]).
pub fn fix_groups(rows: &[Row]) -> Vec<FixGroup> {
    let mut out: Vec<FixGroup> = Vec::new();
    for b in fixes(rows) {
        let i = match out.iter().position(|g| g.1 == b.key) {
            Some(i) => i,
            None => {
                out.push((b.label.clone(), b.key.clone(), b.bits, Vec::new()));
                out.len() - 1
            }
        };
        let same = out[i]
            .3
            .iter_mut()
            .find(|(_, o)| o.min_exact == b.min_exact && o.verdict == b.verdict);
        match same {
            Some((models, _)) => models.push(b.model.clone()),
            None => out[i].3.push((vec![b.model.clone()], b)),
        }
    }
    out
}

/// One comparison of two engines on the same quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct Agreement {
    /// What is compared (label for the legend).
    pub what: String,
    /// The reference engine's value (analyze).
    pub reference: f64,
    /// The other engine's value, with its 95% interval if any.
    pub other: f64,
    /// Interval.
    pub ci: Option<(f64, f64)>,
}

/// Minimal cycles (log2) per protocol instance: explore and stress vs analyze.
pub fn agree_cycles(rows: &[Row]) -> Vec<Agreement> {
    let reference: BTreeMap<(&str, &str), f64> =
        select(rows, EngineKind::Analyze, Metric::MinCycles)
            .filter_map(|r| {
                Some((
                    (r.protocol.as_str(), r.params.as_str()),
                    log2_dec(&r.value)?,
                ))
            })
            .collect();
    let mut out = Vec::new();
    for (engine, metric) in [
        (EngineKind::Explore, Metric::MinCycles),
        (EngineKind::Stress, Metric::ObservedAtCycles),
    ] {
        for r in select(rows, engine, metric) {
            if let (Some(a), Some(o)) = (
                reference.get(&(r.protocol.as_str(), r.params.as_str())),
                log2_dec(&r.value),
            ) {
                out.push(Agreement {
                    what: engine.name().into(),
                    reference: *a,
                    other: o,
                    ci: None,
                });
            }
        }
    }
    out
}

/// Below this exact probability a sample of a few 10^4 windows sees no
/// event and its estimate (0) has no place on a log axis: not drawn.
pub const MIN_P_DRAWN: f64 = 1e-4;

/// P(false positive) per point: sample (with its 95% interval) vs analyze,
/// where analyze's value is above [`MIN_P_DRAWN`].
pub fn agree_probability(rows: &[Row]) -> Vec<Agreement> {
    let key = |r: &Row| {
        (
            r.protocol.clone(),
            r.params.clone(),
            r.rate.clone(),
            r.process.clone(),
            r.hold.clone(),
            r.window.clone(),
        )
    };
    let reference: BTreeMap<_, f64> = select(rows, EngineKind::Analyze, Metric::PFalsePositive)
        .filter_map(|r| Some((key(r), num(&r.value)?)))
        .collect();
    select(rows, EngineKind::Sample, Metric::PFalsePositive)
        .filter_map(|r| {
            let a = *reference.get(&key(r))?;
            let o = num(&r.value)?;
            let ci = num(&r.ci_low).zip(num(&r.ci_high));
            (a > MIN_P_DRAWN).then(|| Agreement {
                what: EngineKind::Sample.name().into(),
                reference: a,
                other: o,
                ci,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_well() {
        assert_eq!(
            crate::protocol::catalog::label("plain", "W=32"),
            "plain W=32"
        );
        assert_eq!(short_label("plain", "W=32"), "plain 32");
        assert_eq!(
            short_label(
                "split",
                "H=32 L=32 READ=lo-hi-lo ORDER=hi-first WMB=0 RMB=1"
            ),
            "split 32+32 lo-hi-lo hi-first WMB=0"
        );
        assert_eq!(short_label("mine", "A=3"), "mine A=3");
        assert_eq!(
            crate::protocol::catalog::label("epoch", "W=32 E=32 ORDER=epoch-first"),
            "epoch W=32 E=32 epoch-first"
        );
        assert_eq!(log2_dec("9223372036854775808"), Some(63.0));
    }

    #[test]
    fn outcomes_classify_by_how_much_of_the_period_is_left() {
        assert_eq!(FixOutcome::of(64, "9223372036854775808"), FixOutcome::Full);
        // 2^63 - 2^31 + 1: nearly the full period.
        assert_eq!(FixOutcome::of(64, "9223372034707292161"), FixOutcome::Full);
        assert_eq!(FixOutcome::of(64, "2147483648"), FixOutcome::Short);
        assert_eq!(FixOutcome::of(32, "1"), FixOutcome::Broken);
        assert_eq!(FixOutcome::of(32, ""), FixOutcome::Never);
        assert_eq!(FixOutcome::of(8, "128"), FixOutcome::Full);
    }

    #[test]
    fn jittered_windows_read_as_their_length() {
        assert_eq!(window_length("fixed:1s"), Some((1.0, false)));
        assert_eq!(window_length("jittered:10min"), Some((600.0, true)));
        assert_eq!(window_length("lognormal:10min,15min"), None);
        assert_eq!(window_length("lognormal:2us,3us"), None);
        assert_eq!(window_length("lognormal:2us,1ms"), None);
    }
}
