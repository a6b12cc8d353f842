//! The prose of `seqwrap pick`: the explanation (a few sentences and the
//! options table) written from a ranked answer, and the words for a width.
//! It computes no risk and asks no engine: every number it cites is one
//! the ranking computed (the answer's fields and the facts beside them),
//! so the explanation cannot disagree with the answer it explains, and
//! its wording can change without a number changing.

use super::options::sizing_params;
use super::{
    AdversarialFacts, Horizon, Limit, PickAnswer, PickOption, PickRequest, Uptime, WindowFacts,
    YourAnswer, kernel_bits, kernel_type,
};
use crate::analyze::LogProb;
use crate::protocol::Protocol;
use crate::text::number::cycles_text;
use crate::text::table::{Table, bullet, fit, rate_text, short_p, wrap};
use crate::timing::{Window, human_duration, sig3};

/// [`kernel_type`] in words, for prose.
pub fn kernel_type_words(bits: u32) -> String {
    format!(
        "a {}-bit counter ({})",
        kernel_bits(bits),
        kernel_type(bits)
    )
}

/// A protocol as one string (`plain W=64`): its name, then its parameters
/// as `NAME=VALUE`; the name alone when it has none (`none`).
pub(super) fn protocol_text(name: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        return name.to_string();
    }
    let params: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{name} {}", params.join(" "))
}

/// The horizon in words: how long, and what bounds it.
fn horizon_words(h: &Horizon) -> String {
    let up = human_duration(h.uptime);
    let up_words = match h.from {
        Uptime::Given => format!("the uptime you gave, {up}"),
        Uptime::Fleet => format!("the fleet's lifetime, {up} (no machine is up longer)"),
        Uptime::Default => format!("the machine's uptime, {up} by default (--uptime)"),
    };
    match &h.limit {
        Limit::Stall(why) => format!("{} ({why})", human_duration(h.seconds)),
        Limit::UptimeBelowStall => format!("{up_words}, which is shorter than the stall bound"),
        Limit::Unbounded => format!(
            "unbounded (nothing in the threat model bounds it), so the \
             horizon is {up_words}, since a reader cannot be held longer \
             than the machine is up"
        ),
    }
}

/// The explanation of an adversarial answer.
pub(super) fn adversarial(req: &PickRequest, a: &PickAnswer, f: &AdversarialFacts) -> String {
    let h_words = horizon_words(&f.horizon);
    let needed = f.needed;
    let mut s = format!(
        "An attacker who holds one reader inside its speculation while the \
         write lock cycles at {}/s ({}) breaks a W-bit counter after \
         2^(W-1) cycles. The longest hold this threat model allows is {h_words}: \
         the counter must survive {} cycles.",
        rate_text(req.rate),
        req.rate_words,
        sig3(needed)
    );
    match &f.width {
        Some(w) => {
            let bits = w.bits;
            s.push_str(&format!(
                " The smallest width that does is {bits} bits (2^{} cycles take {}",
                bits - 1,
                human_duration(w.seconds)
            ));
            if let Some(b) = w.below {
                s.push_str(&format!(
                    "; {} bits would fall after {}",
                    bits - 1,
                    human_duration(b)
                ));
            }
            s.push_str(&format!(
                "). A 32-bit counter falls after {}, a 64-bit one after {}. \
                 Use {}.",
                human_duration(f.t32),
                human_duration(f.t64),
                kernel_type_words(bits)
            ));
        }
        None => {
            s.push_str(&format!(
                " No width up to 64 bits does (a 64-bit counter falls after {}); \
                 only a protocol with no false positive at all meets it.",
                human_duration(f.t64)
            ));
        }
    }
    let mut text = wrap(&s);
    if a.options.is_empty() {
        text.push_str(&wrap(
            "No instance of the catalog at 32 or 64 bits meets it under \
             all three memory models.",
        ));
    } else {
        text.push('\n');
        text.push_str(&wrap(&format!(
            "Every option of the catalog at 32 or 64 bits that survives {} \
             cycles under sc, tso and lkmm, by cost; of the variants of one \
             protocol the narrowest that does, and none that another beats \
             in bits, word width, work and margin alike:",
            sig3(needed)
        )));
        text.push('\n');
        text.push_str(&options_text(&a.options));
    }
    if let (Some(judged), Some(y)) = (&a.yours, &req.yours) {
        text.push('\n');
        text.push_str(&wrap(&yours_text(
            judged,
            y,
            &format!("the target ({} cycles)", sig3(needed)),
        )));
    }
    text
}

/// The explanation of a window answer; `written` is the window as the
/// request spelled it.
pub(super) fn accidental(
    req: &PickRequest,
    written: &str,
    a: &PickAnswer,
    f: &WindowFacts,
) -> String {
    let what = if req.fleet.is_some() {
        "P(at least one false positive over the fleet's lifetime)"
    } else {
        "P(false positive) per speculation"
    };
    let mut s = String::new();
    if let Some(x) = &f.fixed {
        s.push_str(&format!(
            "A fixed {} window at {}/s holds {} writer cycles: {} wraps of a \
             32-bit counter (2^31 cycles each). With an exactly Poisson \
             writer and an exactly fixed window the count stays within about \
             {} cycles of {}, so P depends only on how close {} lies to a \
             multiple of 2^31 ({} here): a lattice artifact, not a risk, \
             since no real writer keeps its rate to that precision. This \
             answer jitters the writer: each speculation's rate is {}/s times \
             a lognormal factor with median 1 and p99 {} (--jitter), which \
             for this writer is the window {}.",
            human_duration(x.len),
            rate_text(req.rate),
            sig3(x.cycles),
            sig3(x.wraps),
            sig3(x.cycles.sqrt()),
            sig3(x.cycles),
            sig3(x.cycles),
            short_p(&x.exact.sci()),
            rate_text(req.rate),
            sig3(req.jitter_p99),
            window_text(&f.window)
        ));
        if let Some(lottery) = &x.lottery {
            let band: Vec<String> = lottery
                .iter()
                .map(|(j, p)| format!("{} with p99 {}", short_p(&p.sci()), sig3(*j)))
                .collect();
            s.push_str(&format!(
                " A window that spans several wraps is a lottery: each wrap \
                 ending in it lands on the recorded value with chance \
                 2^-31 = {}, and the jittered answer for a 32-bit counter is \
                 {} ({}).",
                short_p(&LogProb::from_ln(-31.0 * std::f64::consts::LN_2).sci()),
                short_p(&f.p32.sci()),
                band.join(", ")
            ));
        }
        s.push(' ');
    }
    s.push_str(&format!(
        "With speculation windows {written} and a Poisson writer at {}/s ({}), \
         the target is {what} <= {}.",
        rate_text(req.rate),
        req.rate_words,
        sig3(f.target)
    ));
    if let Some(fl) = &req.fleet {
        s.push_str(&format!(
            " The fleet makes {} speculations ({} machines x {}/s x {} years).",
            sig3(fl.speculations()),
            sig3(fl.machines),
            sig3(fl.speculations_per_s),
            sig3(fl.years)
        ));
    }
    match &f.width {
        Some(w) => {
            let bits = w.bits;
            s.push_str(&format!(
                " The smallest width that meets it is {bits} bits: P per \
                 speculation {}",
                short_p(&w.p.sci())
            ));
            if req.fleet.is_some() {
                s.push_str(&format!(", {what} {}", short_p(&w.q.sci())));
            }
            s.push('.');
            if let Some(qb) = w.below {
                s.push_str(&format!(
                    " At {} bits it would be {}.",
                    bits - 1,
                    short_p(&qb.sci())
                ));
            }
            let against = if req.fleet.is_some() {
                format!(" ({} against the target)", short_p(&f.q32.sci()))
            } else {
                String::new()
            };
            s.push_str(&format!(
                " A 32-bit counter gives {} per speculation{against}, a 64-bit \
                 one {}. Use {}.",
                short_p(&f.p32.sci()),
                short_p(&f.p64.sci()),
                kernel_type_words(bits)
            ));
        }
        None => {
            let cheapest = a.options.first();
            s.push_str(&format!(
                " No width up to 64 bits meets it (a 64-bit counter gives {} \
                 per speculation); only a protocol with no false positive at all \
                 does{}.",
                short_p(&f.p64.sci()),
                cheapest.map_or(String::new(), |o| format!(
                    ", the cheapest being {}",
                    o.label
                ))
            ));
        }
    }
    let mut yours = String::new();
    if let (Some(judged), Some(y)) = (&a.yours, &req.yours) {
        yours = format!(
            "\n{}",
            wrap(&yours_text(
                judged,
                y,
                &format!("the target ({what} <= {})", sig3(f.target)),
            ))
        );
    }
    s.push_str(
        " This is the accidental risk only; a reader that can be held at \
         will needs the --adversarial answer.",
    );
    wrap(&s) + &yours
}

/// The paragraph about the protocol the request asked about.
fn yours_text(y: &YourAnswer, s: &Protocol, target: &str) -> String {
    let o = &y.option;
    let per: Vec<String> = o
        .per_model
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m.model,
                m.min_cycles.as_deref().map_or("none".into(), cycles_text)
            )
        })
        .collect();
    let mut t = format!(
        "Yours, {} ({}): the fewest writer cycles to a false positive are \
         {} (explorer); its reader does {} loads and fences a speculation, \
         its writer {} stores and fences a cycle{}.",
        s.name(),
        s.params_string(),
        per.join(", "),
        o.reader_ops,
        o.writer_ops,
        y.p.as_deref()
            .map_or(String::new(), |p| format!("; P = {}", short_p(p)))
    );
    if y.meets {
        t.push_str(&format!(" It meets {target}."));
    } else {
        t.push_str(&format!(" It does not meet {target}."));
        let sizing = sizing_params(s.file()).join(", ");
        match &y.widened {
            Some(w) => t.push_str(&format!(
                " With {w} it does (the other parameters as given)."
            )),
            None if sizing.is_empty() => {}
            None => t.push_str(&format!(
                " No width of {sizing} up to 64 bits does (the other \
                 parameters as given)."
            )),
        }
    }
    t
}

/// The options as a table of at most 72 columns, and their notes.
pub fn options_text(options: &[PickOption]) -> String {
    let mut t = Table::new(&["#", "option", "min cycles", "reader", "writer"]);
    let mut notes = String::new();
    for (i, o) in options.iter().enumerate() {
        let n = (i + 1).to_string();
        let min = o.min_cycles.as_deref().map_or("none".into(), cycles_text);
        let writer = if o.grace_period {
            format!("{} +GP", o.writer_ops)
        } else {
            o.writer_ops.to_string()
        };
        t.row(vec![
            n.clone(),
            o.label.clone(),
            min,
            o.reader_ops.to_string(),
            writer,
        ]);
        let mut extra: Vec<String> = vec![format!("words {}", o.words)];
        extra.extend(o.writer_rare.iter().cloned());
        if let Some(note) = &o.note {
            extra.push(note.clone());
        }
        notes.push_str(&bullet(&format!("{n}: {}", extra.join("; "))));
    }
    let mut s = fit(&t);
    s.push_str(&wrap(
        "min cycles: the fewest writer cycles inside one reader window \
         that give a false positive, the least over sc, tso and lkmm \
         (explorer). reader: loads and fences per speculation; writer: \
         stores and fences per cycle (+GP: a grace period on a rare path).",
    ));
    s.push_str(&notes);
    s
}

/// A window as a spec would spell it.
fn window_text(w: &Window) -> String {
    use crate::timing::compact_duration as c;
    match w {
        Window::Fixed { len } => format!("fixed:{}", c(*len)),
        Window::Exp { mean } => format!("exp:{}", c(*mean)),
        Window::LogNormal { median, p99 } => format!("lognormal:{},{}", c(*median), c(*p99)),
        Window::Pareto { xmin, alpha } => format!("pareto:{},{alpha}", c(*xmin)),
        Window::Hist { path, .. } => format!("hist:{path}"),
    }
}
