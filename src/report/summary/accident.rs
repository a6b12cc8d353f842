//! Whether an accident wraps the counter with no hold: the measured
//! uprobe trap, the 32-bit wrap time at the attacker's and the observed
//! rate, and the worst false-positive probability the swept window tails
//! give (floored at [`P_FLOOR`]).

use super::{Inputs, Rows, section};
use crate::results::{Metric, ReportSpec, Row};
use crate::text::number::num;
use crate::text::table::{short_p, wrap};
use crate::timing::human_duration;

/// The accident's window tails: the seed spec's windows that are
/// distributions of lengths (lognormal, Pareto, ...), not a fixed length
/// or a jittered fixed one, in the spec's order. Read from the rows, so an
/// edited `analysis/mm_lock_seq.toml` is what the section reports.
fn tails<'a>(rows: &Rows<'a>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for r in rows.of(ReportSpec::MmLockSeq) {
        let w = r.window.as_str();
        let length = crate::timing::Window::fixed_len_of(w).is_some()
            || crate::timing::window::is_jittered(w).is_some();
        if !w.is_empty() && !length && !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// Probabilities below this are not printed: the swept tails are
/// lognormal and Pareto shapes nobody measured for this reader, and a
/// figure many standard deviations into such a tail says nothing.
pub const P_FLOOR: f64 = 1e-30;

/// `p` as printed in the accident section: "below 1e-30" under the floor.
fn floored(p: &Row) -> String {
    match num(&p.log10_value) {
        Some(l) if l < P_FLOOR.log10() => "below 1e-30".into(),
        _ => short_p(&p.value),
    }
}

/// The accident in at most five lines: the measured trap, the wrap times
/// at the attacker's and the observed rate, the swept tails' worst
/// probability (floored), the speculation rate with its source.
pub(super) fn render(inp: &Inputs<'_>, rows: &Rows<'_>) -> String {
    let mut s = section("Accident: no hold");
    let Some(a) = inp.attacker else {
        s.push_str(&wrap("(No measured rate: the accident rows are missing.)"));
        return s;
    };
    let obs = inp.observed_rate.map(|(r, _)| *r);
    let worst = |rate: Option<f64>| -> String {
        rate.and_then(|r| {
            tails(rows)
                .into_iter()
                .filter_map(|w| rows.accident(Metric::PFalsePositive, 32, r, w))
                .max_by(|x, y| cmp_log(x, y))
        })
        .map_or("-".into(), floored)
    };
    let trap = inp.trap.map_or("not timed here".to_string(), |t| {
        format!(
            "{} p50, {} max [run-trap]",
            human_duration(t.probed.p50_ns * 1e-9),
            human_duration(t.probed.max_ns * 1e-9)
        )
    });
    let wrap_at = |r: f64| m32_of(rows).map_or("-".into(), |m| human_duration(m / r));
    s.push_str(&wrap(&format!(
        "Uprobe trap here: {trap}. A 32-bit wrap: {} at the attacker's \
         rate, {} at the busiest observed mm (10 ms bins) [run-observed]. \
         Unmeasured window tails give P(false positive) per speculation up \
         to {} and {} [run-accident]; speculations run at up to 142 M/s on \
         80 CPUs [uprobes-spec].",
        wrap_at(a.rate),
        obs.map_or("-".into(), wrap_at),
        worst(Some(a.rate)),
        worst(obs),
    )));
    s
}

fn m32_of(rows: &Rows<'_>) -> Option<f64> {
    rows.min_cycles(32).as_deref().and_then(num)
}

/// Order two probability rows by their log10 (exact text beyond f64).
fn cmp_log(a: &Row, b: &Row) -> std::cmp::Ordering {
    let l = |r: &Row| num(&r.log10_value).unwrap_or(f64::NEG_INFINITY);
    l(a).total_cmp(&l(b))
}
