//! Whether the engines agree: explore against analyze on the fewest
//! cycles, sample's intervals against analyze's exact probabilities,
//! stress's real threads against analyze's count, and what stress does
//! not run — over every spec's rows.

use std::collections::BTreeMap;

use super::{Inputs, Rows, section};
use crate::protocol::catalog::label as protocol_label;
use crate::results::{EngineKind, Metric, Row};
use crate::text::number::num;
use crate::text::number::pow2_text;
use crate::text::table::{bullet, wrap};

pub(super) fn render(_inp: &Inputs<'_>, rows: &Rows<'_>) -> String {
    let mut s = section("Cross-checks between engines");
    let all: Vec<&Row> = rows.specs.iter().flat_map(|sp| sp.rows.iter()).collect();
    let key = |r: &Row| (r.spec.clone(), r.protocol.clone(), r.params.clone());
    let analyze_min: BTreeMap<_, &str> = all
        .iter()
        .filter(|r| r.is(EngineKind::Analyze, Metric::MinCycles))
        .map(|r| (key(r), r.value.as_str()))
        .collect();
    let cycles = |v: &str| {
        if v.is_empty() {
            "none".to_string()
        } else {
            pow2_text(v)
        }
    };
    let mut lines = Vec::new();
    let (mut same, mut n) = (0, 0);
    let mut differ: Vec<String> = Vec::new();
    for r in all.iter().filter(|r| {
        r.is(EngineKind::Explore, Metric::MinCycles)
            && (r.memory_model.is_empty() || r.memory_model == "sc")
    }) {
        let Some(a) = analyze_min.get(&key(r)) else {
            continue;
        };
        n += 1;
        if *a == r.value {
            same += 1;
        } else {
            let d = format!(
                "{} (explore {}, analyze {})",
                protocol_label(&r.protocol, &r.params),
                cycles(&r.value),
                cycles(a)
            );
            if !differ.contains(&d) {
                differ.push(d);
            }
        }
    }
    if n > 0 {
        let mut l = format!(
            "explore (sc) and analyze agree on the minimal cycles for {same} \
             of {n} protocol instances."
        );
        if !differ.is_empty() {
            l.push_str(&format!(" They differ for {}.", differ.join(", ")));
        }
        lines.push(l);
    }
    let pkey = |r: &Row| {
        (
            r.spec.clone(),
            r.protocol.clone(),
            r.params.clone(),
            r.rate.clone(),
            r.process.clone(),
            r.hold.clone(),
            r.window.clone(),
        )
    };
    let exact: BTreeMap<_, f64> = all
        .iter()
        .filter(|r| r.is(EngineKind::Analyze, Metric::PFalsePositive))
        .map(|r| (pkey(r), num(&r.value).unwrap_or(0.0)))
        .collect();
    let (mut inside, mut m, mut informative) = (0, 0, 0);
    for r in all
        .iter()
        .filter(|r| r.is(EngineKind::Sample, Metric::PFalsePositive))
    {
        let (Some(a), Some(lo), Some(hi)) = (exact.get(&pkey(r)), num(&r.ci_low), num(&r.ci_high))
        else {
            continue;
        };
        m += 1;
        inside += usize::from(lo <= *a && *a <= hi);
        informative += usize::from(*a > 1e-4);
    }
    if m > 0 {
        lines.push(format!(
            "sample's 95% interval contains analyze's exact probability at \
             {inside} of {m} points ({informative} of them with P > 1e-4, \
             where the check has teeth; about 5% may miss by chance)."
        ));
    }
    let mut matched = Vec::new();
    let mut seen = Vec::new();
    for r in all
        .iter()
        .filter(|r| r.is(EngineKind::Stress, Metric::ObservedAtCycles))
    {
        let label = protocol_label(&r.protocol, &r.params);
        if seen.contains(&label) {
            continue;
        }
        seen.push(label.clone());
        let want = analyze_min.get(&key(r)).copied().unwrap_or("");
        if r.value == want && !want.is_empty() {
            matched.push(label);
        } else {
            lines.push(format!(
                "stress, {label}: real threads saw {} where analyze predicts {}.",
                if r.value.is_empty() {
                    "no false positive".into()
                } else {
                    cycles(&r.value)
                },
                cycles(want)
            ));
        }
    }
    if !matched.is_empty() {
        lines.push(format!(
            "stress (real threads, real atomics) saw the false positive at \
             exactly analyze's count for {}.",
            matched.join(", ")
        ));
    }
    let mut not_run: Vec<String> = Vec::new();
    for r in all
        .iter()
        .filter(|r| r.is(EngineKind::Stress, Metric::NotRun))
    {
        let l = protocol_label(&r.protocol, &r.params);
        let name = l.split(' ').next().unwrap_or("").to_string();
        if !not_run.contains(&name) {
            not_run.push(name);
        }
    }
    if !not_run.is_empty() {
        lines.push(format!(
            "stress does not run {} (the reason is in the CSV rows, metric \
             not_run).",
            not_run.join(", ")
        ));
    }
    if lines.is_empty() {
        s.push_str(&wrap("(Only one engine ran; nothing to cross-check.)"));
    }
    for l in lines {
        s.push_str(&bullet(&l));
    }
    s
}
