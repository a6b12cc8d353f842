//! Which fixes hold under which memory model: the fixes spec's explorer
//! rows under sc, tso and lkmm (the fewest cycles to a false positive and
//! the outcome), where the model changes the answer, the shortest
//! counterexamples of broken instances, and each protocol's costs.

use super::{Inputs, Rows, section};
use crate::plot::data::{FixOutcome, fix_groups};
use crate::report::claims::{self, ClaimSection};
use crate::results::cost::Cost;
use crate::results::{EngineKind, Metric, ReportSpec, Row};
use crate::text::number::cycles_text;
use crate::text::table::{MAX_COLS, Table, bullet, fit, wrap};

pub(super) fn render(_inp: &Inputs<'_>, rows: &Rows<'_>) -> String {
    let mut s = section("Memory ordering: the fixes under sc, tso and lkmm");
    for c in claims::of(ClaimSection::Ordering) {
        s.push_str(&bullet(&claims::text(c)));
    }
    let data = rows.of(ReportSpec::Fixes);
    if data.is_empty() {
        s.push_str(&wrap("(The fixes spec did not run.)"));
        return s;
    }
    let groups = fix_groups(data);
    s.push('\n');
    s.push_str(&wrap(
        "Every interleaving of one reader and one writer under each memory \
         model (sc: interleavings; tso: x86 store buffers; lkmm: the \
         Linux-kernel memory model, cross-checked with herd7), exact at 32 \
         and 64 bits. min cycles: the fewest writer cycles inside one \
         reader window that give a false positive; outcome: full (at least \
         half the period of its bits), short (a wrap of part of the state), \
         broken (an ordering bug: a handful of cycles), none [run-fixes].",
    ));
    s.push('\n');
    let mut tb = Table::new(&["protocol", "models", "min cycles", "outcome"]);
    for (label, _, _, per) in groups.iter().filter(|g| g.2 >= 32) {
        for (models, bar) in per {
            let models = if models.len() == 3 {
                "all".to_string()
            } else {
                models.join(" ")
            };
            let min = if bar.min_exact.is_empty() {
                if bar.verdict == "none-at-all" {
                    "none".to_string()
                } else {
                    bar.verdict.clone()
                }
            } else {
                cycles_text(&bar.min_exact)
            };
            tb.row(vec![
                label.clone(),
                models,
                min,
                bar.outcome().word().into(),
            ]);
        }
    }
    s.push_str(&fit(&tb));
    s.push('\n');
    // Where the model changes the answer, in words.
    let mut changed = Vec::new();
    for (label, _, _, per) in groups.iter().filter(|g| g.2 >= 32) {
        if per.len() < 2 {
            continue;
        }
        let parts: Vec<String> = per
            .iter()
            .map(|(m, b)| {
                let what = if b.min_exact.is_empty() {
                    "no false positive".to_string()
                } else if b.min_exact == "1" {
                    "1 cycle".to_string()
                } else {
                    format!("{} cycles", cycles_text(&b.min_exact))
                };
                format!("{what} under {}", m.join(" and "))
            })
            .collect();
        changed.push(format!("{label}: {}", parts.join("; ")));
    }
    if changed.is_empty() {
        s.push_str(&wrap("No protocol's answer depends on the memory model."));
    } else {
        s.push_str(&wrap(
            "Where the memory model changes the answer (a test on x86, \
             which is TSO, cannot see the lkmm-only ones):",
        ));
        for c in changed {
            s.push_str(&bullet(&c));
        }
    }
    // The shortest counterexample of each broken instance, at 8 bits.
    let mut shown = 0;
    for (label, key, _, per) in groups.iter().filter(|g| g.2 <= 16) {
        for (models, bar) in per {
            if bar.outcome() != FixOutcome::Broken || shown >= 2 {
                continue;
            }
            let trace = data.iter().find(|r| {
                r.is(EngineKind::Explore, Metric::Trace)
                    && (r.protocol.clone(), r.params.clone()) == *key
                    && models.contains(&r.memory_model)
            });
            if let Some(tr) = trace.filter(|t| !t.value.is_empty()) {
                shown += 1;
                s.push('\n');
                s.push_str(&wrap(&format!(
                    "Shortest counterexample, {label} under {} (explorer) \
                     [run-fixes]:",
                    models.join(" and ")
                )));
                s.push_str("\n```\n");
                for l in tr.value.lines() {
                    let l: String = l.chars().take(MAX_COLS).collect();
                    s.push_str(&l);
                    s.push('\n');
                }
                s.push_str("```\n");
            }
        }
    }
    s.push_str(&cost_table(data));
    s
}

fn cost_table(data: &[Row]) -> String {
    let mut s = String::from("\n");
    s.push_str(&wrap(
        "Costs read off each protocol: reader loads (ld) and fences (f) \
         per speculation; writer stores (st) and fences per cycle; rarer \
         work with how often (GP: a grace period) [run-fixes]. What a \
         protocol cannot show is in its note (protocols --show NAME).",
    ));
    s.push('\n');
    let mut tb = Table::new(&["protocol", "cost"]);
    let mut seen: Vec<String> = Vec::new();
    for r in data
        .iter()
        .filter(|r| r.is(EngineKind::Explore, Metric::ProtocolCost) && r.bits >= 32)
    {
        let label = crate::protocol::catalog::short_label(&r.protocol, &r.params);
        if seen.contains(&label) {
            continue;
        }
        seen.push(label.clone());
        // The short form is built from the parsed fields; a cost this
        // build cannot parse is shown as written rather than guessed at.
        let cost = Cost::parse(&r.value).map_or_else(|| r.value.clone(), |c| c.short());
        tb.row(vec![label, cost]);
    }
    s.push_str(&fit(&tb));
    s
}
