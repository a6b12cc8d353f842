//! The write rates an accident sees: the tracepoint's count of every
//! mm's write acquisitions while a real workload ran, the busiest mms,
//! and the rate the accident section takes from them.

use super::{Inputs, Rows, section};
use crate::text::table::{Table, bullet, fit, rate_text, wrap};
use crate::timing::{human_duration, sig3};

pub(super) fn render(inp: &Inputs<'_>, _rows: &Rows<'_>) -> String {
    let mut s = section("Accidental write rates: a real workload");
    let Some(r) = inp.observed.report.as_ref().filter(|r| r.available) else {
        s.push_str(&wrap(&format!(
            "Not observed here: {}. The accident section then shows the \
             attacker's rate only.",
            inp.observed.why_not.as_deref().unwrap_or("unknown")
        )));
        return s;
    };
    let what = match &r.workload {
        Some(w) => format!(
            "while it ran {} (`{}`; {}, {})",
            w.name,
            w.command,
            w.outcome,
            human_duration(w.wall_s)
        ),
        None => "while the machine did what it was doing".to_string(),
    };
    s.push_str(&wrap(&format!(
        "`seqwrap stress --kernel --observe` counted the successful write \
         acquisitions of every mm from the same tracepoint {what}: {} in \
         {} over {} mms, {}/s in all [run-observed].",
        r.total_acquisitions,
        human_duration(r.window_s),
        r.distinct_mms,
        rate_text(r.total_rate_per_s)
    )));
    s.push('\n');
    let mut tb = Table::new(&["process", "workload", "acq", "mean/s", "peak/s"]);
    for m in r.mms.iter().filter(|m| !m.is_self).take(8) {
        tb.row(vec![
            m.name().chars().take(16).collect(),
            if m.in_workload { "yes" } else { "no" }.into(),
            m.acquisitions.to_string(),
            rate_text(m.mean_rate_per_s),
            rate_text(m.peak_rate_per_s),
        ]);
    }
    s.push_str(&fit(&tb));
    s.push('\n');
    if r.lost_events > 0 {
        s.push_str(&bullet(&format!(
            "The trace lost {} events: the counts are lower bounds.",
            r.lost_events
        )));
    }
    if let (Some((rate, _)), Some(a)) = (inp.observed_rate, inp.attacker) {
        s.push_str(&bullet(&format!(
            "peak/s is the busiest {:.0} ms bin of an mm; mean/s is over its \
             active life. The accident section uses {} busiest mm at its \
             peak: {}/s, {} times below the attacker's {}/s.",
            r.bin_s * 1e3,
            if (*rate - r.workload_max_peak_rate_per_s).abs() <= 1e-9 * rate {
                "the workload's"
            } else {
                "the machine's"
            },
            rate_text(*rate),
            sig3(a.rate / rate),
            rate_text(a.rate)
        )));
    }
    s
}
