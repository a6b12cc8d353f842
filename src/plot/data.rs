//! From rows to series: the data each figure shows, apart from drawing it
//! (as criterion's `line_comparison_series_data`). Pure functions.

use std::collections::BTreeMap;

use crate::sweep::csv::Row;
use crate::timing::Window;

/// A number from a CSV value: plain floats, and integers beyond f64's exact
/// range (2^63) approximated for drawing only.
pub fn num(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// log2 of a decimal integer string (exact enough to draw; the value
/// itself stays exact in the CSV).
pub fn log2_dec(s: &str) -> Option<f64> {
    num(s).filter(|v| *v > 0.0).map(f64::log2)
}

/// Rows of one engine and metric.
pub fn select<'a>(
    rows: &'a [Row],
    engine: &'a str,
    metric: &'a str,
) -> impl Iterator<Item = &'a Row> {
    rows.iter()
        .filter(move |r| r.engine == engine && r.metric == metric)
}

/// Time to the first false positive vs width, one series per rate: rate
/// (cycles/s) -> sorted (bits, seconds). Only scheme `plain`, first value
/// per (rate, bits) — the time does not depend on the window.
pub fn time_to_fp(rows: &[Row]) -> BTreeMap<u64, (f64, Vec<(u32, f64)>)> {
    let mut out: BTreeMap<u64, (f64, BTreeMap<u32, f64>)> = BTreeMap::new();
    for r in select(rows, "analyze", "time_to_fp_s").filter(|r| r.scheme == "plain") {
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

/// P(false positive per speculation) vs fixed window length for scheme
/// plain at one rate, process and hold (the first of each in the CSV):
/// (rate, process, hold, bits -> sorted (window seconds, log10 p)).
pub type PWindowData = (f64, String, String, BTreeMap<u32, Vec<(f64, f64)>>);

/// See [`PWindowData`]. Prefers the highest rate in the CSV, the
/// conservative reading for a maintainer.
pub fn p_window(rows: &[Row]) -> Option<PWindowData> {
    let sel: Vec<&Row> = select(rows, "analyze", "log10_p_false_positive")
        .filter(|r| r.scheme == "plain" && Window::fixed_len_of(&r.window).is_some())
        .collect();
    let rate = sel
        .iter()
        .filter_map(|r| num(&r.rate))
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))?;
    let first = sel.iter().find(|r| num(&r.rate) == Some(rate))?;
    let (process, hold) = (first.process.clone(), first.hold.clone());
    let mut by_bits: BTreeMap<u32, Vec<(f64, f64)>> = BTreeMap::new();
    for r in sel
        .iter()
        .filter(|r| num(&r.rate) == Some(rate) && r.process == process && r.hold == hold)
    {
        if let (Some(w), Some(lp)) = (Window::fixed_len_of(&r.window), num(&r.value)) {
            by_bits.entry(r.bits).or_default().push((w, lp));
        }
    }
    for v in by_bits.values_mut() {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    Some((rate, process, hold, by_bits))
}

/// One scheme instance in the fixes comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct FixBar {
    /// `split hi-lo-hi 32+32` style label.
    pub label: String,
    /// Total bits.
    pub bits: u32,
    /// log2 of the explorer's minimal cycles, `None` when none at all.
    pub log2_min: Option<f64>,
    /// The explorer's verdict text.
    pub verdict: String,
    /// The minimal cycles in exact short form (`2^63-2^31+1`), or empty.
    pub min_text: String,
}

/// A short label for a scheme instance (`crate::protocol::catalog::label`):
/// `plain W=32`, `split H=16 L=16 hi-lo-hi`, `epoch W=32 E=32 epoch-first`.
pub fn scheme_label(scheme: &str, params: &str) -> String {
    crate::protocol::catalog::label(scheme, params)
}

/// The explorer's answers per scheme instance, in CSV order.
pub fn fixes(rows: &[Row]) -> Vec<FixBar> {
    let mut out: Vec<FixBar> = Vec::new();
    let mut seen = BTreeMap::new();
    for r in rows.iter().filter(|r| r.engine == "explore") {
        let key = (r.scheme.clone(), r.params.clone());
        let i = *seen.entry(key).or_insert_with(|| {
            out.push(FixBar {
                label: scheme_label(&r.scheme, &r.params),
                bits: r.bits,
                log2_min: None,
                verdict: String::new(),
                min_text: String::new(),
            });
            out.len() - 1
        });
        match r.metric.as_str() {
            "min_cycles" => {
                out[i].log2_min = log2_dec(&r.value);
                out[i].min_text = crate::sweep::cost::pow2_text(&r.value);
            }
            "verdict" => out[i].verdict = r.value.clone(),
            _ => {}
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

/// Minimal cycles (log2) per scheme instance: explore and stress vs analyze.
pub fn agree_cycles(rows: &[Row]) -> Vec<Agreement> {
    let reference: BTreeMap<(&str, &str), f64> = select(rows, "analyze", "min_cycles")
        .filter_map(|r| Some(((r.scheme.as_str(), r.params.as_str()), log2_dec(&r.value)?)))
        .collect();
    let mut out = Vec::new();
    for (engine, metric) in [("explore", "min_cycles"), ("stress", "observed_at_cycles")] {
        for r in select(rows, engine, metric) {
            if let (Some(a), Some(o)) = (
                reference.get(&(r.scheme.as_str(), r.params.as_str())),
                log2_dec(&r.value),
            ) {
                out.push(Agreement {
                    what: engine.into(),
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
            r.scheme.clone(),
            r.params.clone(),
            r.rate.clone(),
            r.process.clone(),
            r.hold.clone(),
            r.window.clone(),
        )
    };
    let reference: BTreeMap<_, f64> = select(rows, "analyze", "p_false_positive")
        .filter_map(|r| Some((key(r), num(&r.value)?)))
        .collect();
    select(rows, "sample", "p_false_positive")
        .filter_map(|r| {
            let a = *reference.get(&key(r))?;
            let o = num(&r.value)?;
            let ci = num(&r.ci_low).zip(num(&r.ci_high));
            (a > MIN_P_DRAWN).then(|| Agreement {
                what: "sample".into(),
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
        assert_eq!(scheme_label("plain", "W=32"), "plain W=32");
        assert_eq!(
            scheme_label("epoch", "W=32 E=32 ORDER=epoch-first"),
            "epoch W=32 E=32 epoch-first"
        );
        assert_eq!(log2_dec("9223372036854775808"), Some(63.0));
    }
}
