//! Printing an [`AnalyzeReport`]: plain text (fits 72 columns) and JSON.
//! Pure functions of the report; no computation happens here.

use serde_json::{Value, json};

use super::{AnalyzeReport, LogProb};
use crate::timing::human_duration;

fn log10_or_null(p: LogProb) -> Value {
    if p.is_zero() {
        Value::Null
    } else {
        json!(p.log10())
    }
}

/// The JSON object of `seqwrap analyze --json`. Probabilities are strings
/// in scientific notation (they may be far below f64) with a `log10_`
/// number beside each (null for an exact 0).
pub fn to_json(r: &AnalyzeReport) -> Value {
    let c = &r.config;
    let mut o = json!({
        "protocol": c.protocol.name(),
        "params": c.protocol.params_map(),
        "rate": c.writer.rate(),
        "process": c.writer.process().name(),
        "hold_s": c.writer.hold(),
        "window": c.window.as_ref().map(|w| w.to_string()),
        "min_cycles": r.min_cycles.as_ref().map(|m| m.to_string()),
        "time_to_fp_s": r.time_to_fp_s,
        "time_to_fp_human": r.time_to_fp_s.map(human_duration),
        "timed_scope": r.timed_scope,
    });
    let m = o.as_object_mut().expect("object");
    if let Some(p) = &r.probabilities {
        for (name, v) in [
            ("false_positive", p.false_positive),
            ("retry", p.retry),
            ("abort", p.abort),
            ("accept", p.accept),
        ] {
            m.insert(format!("p_{name}"), json!(v.sci()));
            m.insert(format!("log10_p_{name}"), log10_or_null(v));
        }
        m.insert(
            "p_false_positive_zero_reason".into(),
            json!(p.false_positive_zero_reason),
        );
        m.insert("period_cycles".into(), json!(p.period_cycles.to_string()));
    }
    if let Some(f) = &r.fleet {
        m.insert("fleet_machines".into(), json!(f.fleet.machines));
        m.insert(
            "fleet_speculations_per_s".into(),
            json!(f.fleet.speculations_per_s),
        );
        m.insert("fleet_years".into(), json!(f.fleet.years));
        m.insert("fleet_speculations".into(), json!(f.speculations));
        m.insert("fleet_expected".into(), json!(f.expected.sci()));
        m.insert("log10_fleet_expected".into(), log10_or_null(f.expected));
        m.insert("fleet_p_any".into(), json!(f.p_any.sci()));
        m.insert("log10_fleet_p_any".into(), log10_or_null(f.p_any));
    }
    o
}

/// `head` then `text`, wrapped at 72 columns with a 3-space indent.
fn wrapped(out: &mut Vec<String>, head: &str, text: &str) {
    let mut cur = String::from(head);
    for word in text.split(' ') {
        if cur.len() + 1 + word.len() > 72 {
            out.push(std::mem::take(&mut cur));
            cur = String::from("   ");
        }
        cur.push(' ');
        cur.push_str(word);
    }
    out.push(cur);
}

/// The plain-text report: one `name: value` line each, <= 72 columns
/// (long explanations are wrapped), for pasting into mail.
pub fn to_text(r: &AnalyzeReport) -> String {
    let c = &r.config;
    let mut out: Vec<String> = Vec::new();
    let line = |out: &mut Vec<String>, k: &str, v: String| out.push(format!("{k:<20} {v}"));
    line(&mut out, "protocol", c.protocol.to_string());
    line(&mut out, "writer", c.writer.to_string());
    match &r.min_cycles {
        Some(m) => line(&mut out, "min_cycles", m.to_string()),
        None => line(
            &mut out,
            "min_cycles",
            "none: no false positive is possible".into(),
        ),
    }
    if let Some(t) = r.time_to_fp_s {
        line(
            &mut out,
            "time_to_fp",
            format!("{t:.4e} s ({})", human_duration(t)),
        );
    }
    if let (Some(w), Some(p)) = (&c.window, &r.probabilities) {
        line(&mut out, "window", w.to_string());
        line(
            &mut out,
            "period (timed)",
            format!("{} cycles", p.period_cycles),
        );
        line(&mut out, "P(false positive)", p.false_positive.sci());
        if let Some(why) = &p.false_positive_zero_reason {
            wrapped(&mut out, "  exactly 0 --", why);
        }
        if let Some(scope) = &r.timed_scope {
            wrapped(&mut out, "  note:", scope);
        }
        line(&mut out, "P(retry)", p.retry.sci());
        line(&mut out, "P(abort)", p.abort.sci());
        line(&mut out, "P(accept)", p.accept.sci());
    }
    if let Some(f) = &r.fleet {
        line(
            &mut out,
            "fleet speculations",
            format!("{:e}", f.speculations),
        );
        line(&mut out, "fleet expected FPs", f.expected.sci());
        line(&mut out, "fleet P(>= 1 FP)", f.p_any.sci());
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}
