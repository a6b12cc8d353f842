//! Printing a [`SampleReport`]: text and JSON. No timing or thread count
//! is printed, so the output for a seed is byte-identical on any machine
//! load and pool size.

use serde_json::{Value, json};

use super::{Estimate, SampleReport};

fn est(e: &Estimate) -> Value {
    json!({"rate": e.rate, "ci_low": e.ci_low, "ci_high": e.ci_high, "events": e.events})
}

/// The JSON object of `seqwrap sample --json`; intervals are 95% Wilson.
pub fn to_json(r: &SampleReport) -> Value {
    let c = &r.config;
    json!({
        "protocol": c.protocol.name(),
        "params": c.protocol.params_map(),
        "rate": c.writer.rate(),
        "process": c.writer.process().name(),
        "hold_s": c.writer.hold(),
        "window": c.window.to_string(),
        "samples": c.samples,
        "seed": c.seed,
        "confidence": 0.95,
        "ci_method": "wilson",
        "false_positive": est(&r.false_positive),
        "retry": est(&r.retry),
        "abort": est(&r.abort),
        "accept": est(&r.accept),
    })
}

/// Plain text, one outcome a line, <= 72 columns.
pub fn to_text(r: &SampleReport) -> String {
    let c = &r.config;
    let mut s = format!(
        "protocol {}\nwriter   {}\nwindow   {}\nsamples  {}  seed {}\n\n{:<15} {:>12} {:>12}  95% CI (Wilson)\n",
        c.protocol, c.writer, c.window, c.samples, c.seed, "outcome", "events", "rate"
    );
    for (name, e) in [
        ("false positive", &r.false_positive),
        ("retry", &r.retry),
        ("abort", &r.abort),
        ("accept", &r.accept),
    ] {
        s.push_str(&format!(
            "{name:<15} {:>12} {:>12.5e}  [{:.3e}, {:.3e}]\n",
            e.events, e.rate, e.ci_low, e.ci_high
        ));
    }
    s
}
