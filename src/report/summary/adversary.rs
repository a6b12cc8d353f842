//! Whether an attacker can wrap the counter: the wrap time at each
//! measured writer rate (and the thread's estimate, and the observed
//! rate) against the longest hold the sources give, which unbounded holds
//! apply here, and the time to a first false positive by width.

use super::{Inputs, Rows, WILLY_NS, section, width_name};
use crate::text::number::num;
use crate::text::table::{Table, fit, rate_text, wrap};
use crate::timing::{human_duration, sig3};

pub(super) fn render(inp: &Inputs<'_>, rows: &Rows<'_>) -> String {
    let mut s = section("Adversary: wrap time against the stalls");
    let (Some(m32), Some(m64)) = (
        rows.min_cycles(32).as_deref().and_then(num),
        rows.min_cycles(64).as_deref().and_then(num),
    ) else {
        s.push_str(&wrap("(The width sweep did not run: no wrap counts.)"));
        return s;
    };
    s.push_str(&wrap(
        "Time for the counter to come back at each writer rate (the \
         explorer's 2^31 and 2^63 cycles over the rate) [run-widths] \
         [run-rates]:",
    ));
    s.push('\n');
    let mut tb = Table::new(&["writer", "cycles/s", "i32 wraps", "u64 wraps"]);
    for c in inp.rates.fastest_per_op() {
        let r = c.spread.median;
        tb.row(vec![
            format!("{} x{}", c.op, c.threads),
            rate_text(r),
            human_duration(rows.time_to_fp(32, r).unwrap_or(m32 / r)),
            human_duration(rows.time_to_fp(64, r).unwrap_or(m64 / r)),
        ]);
    }
    let willy = 1e9 / WILLY_NS;
    tb.row(vec![
        "217 ns a cycle [willy]".into(),
        rate_text(willy),
        human_duration(m32 / willy),
        human_duration(m64 / willy),
    ]);
    if let Some((r, _)) = inp.observed_rate {
        tb.row(vec![
            "observed, busiest mm".into(),
            rate_text(*r),
            human_duration(rows.time_to_fp(32, *r).unwrap_or(m32 / r)),
            human_duration(rows.time_to_fp(64, *r).unwrap_or(m64 / r)),
        ]);
    }
    s.push_str(&fit(&tb));
    s.push('\n');
    let Some(a) = inp.attacker else {
        return s;
    };
    let t32 = m32 / a.rate;
    let marks: Vec<&crate::stall::StallRow> = crate::stall::rows()
        .iter()
        .filter(|r| r.seconds.is_some())
        .collect();
    let longest = marks
        .iter()
        .filter(|r| !r.unbounded)
        .filter_map(|r| r.seconds.map(|x| (x, r.key)))
        .fold((0.0, ""), |m, x| if x.0 > m.0 { x } else { m });
    let here_timeout = inp.machine.stall_timeout_s();
    let mut p = format!(
        "The bounded holds the sources give reach at most {} ({}); this \
         machine's RCU stall warning comes after {}. The 32-bit wrap at the \
         attacker's rate, {}, is {} times the longest of them",
        human_duration(longest.0),
        longest.1,
        here_timeout.map_or("an unknown time".into(), |t| format!("{t} s")),
        human_duration(t32),
        sig3(t32 / longest.0),
    );
    let unbounded: Vec<(&crate::stall::StallRow, bool)> = crate::stall::rows()
        .iter()
        .filter(|r| r.unbounded)
        .map(|r| (r, crate::stall::table::applies(r, inp.machine).yes()))
        .collect();
    let here: Vec<String> = unbounded
        .iter()
        .filter(|(_, y)| *y)
        .map(|(r, _)| format!("{} ({})", r.holder, r.key))
        .collect();
    let elsewhere: Vec<String> = unbounded
        .iter()
        .filter(|(_, y)| !*y)
        .map(|(r, _)| r.key.to_string())
        .collect();
    if here.is_empty() {
        p.push_str(
            ", and no unbounded hold applies to this machine: here a \
             32-bit counter is out of an attacker's reach as far as the \
             sources go.",
        );
    } else {
        p.push_str(&format!(
            ": only an unbounded hold reaches it, and on this machine that \
             is {}.",
            here.join("; ")
        ));
    }
    if !elsewhere.is_empty() {
        p.push_str(&format!(
            " On a preemptible kernel, where {} {}, it is \
             reachable too.",
            elsewhere.join(" and "),
            if elsewhere.len() == 1 {
                "applies"
            } else {
                "apply"
            }
        ));
    }
    p.push_str(&format!(
        " A 64-bit counter at the same rate needs {}: no hold, bounded or \
         not, outlasts the machine.",
        human_duration(m64 / a.rate)
    ));
    p.push_str(" The stall figure plots this: stalls.png.");
    s.push_str(&wrap(&p));
    // Times by width at the rates the report measured and observed.
    let mut rates: Vec<(String, f64)> = Vec::new();
    if let Some((r, _)) = inp.observed_rate {
        rates.push(("observed".into(), *r));
    }
    rates.push(("attacker".into(), a.rate));
    rates.push(("1e9/s".into(), 1e9));
    let mut header: Vec<String> = vec!["width".into()];
    header.extend(rates.iter().map(|(n, _)| n.clone()));
    let mut tb = Table {
        header,
        rows: Vec::new(),
    };
    for bits in [16u32, 24, 32, 40, 48, 56, 64] {
        let mut row = vec![width_name(bits)];
        let mut any = false;
        for (_, r) in &rates {
            match rows.time_to_fp(bits, *r) {
                Some(t) => {
                    any = true;
                    row.push(human_duration(t));
                }
                None => row.push("-".into()),
            }
        }
        if any {
            tb.rows.push(row);
        }
    }
    if !tb.rows.is_empty() {
        s.push('\n');
        s.push_str(&wrap(
            "Time to the first false positive by width (analyze) [run-widths]:",
        ));
        s.push('\n');
        s.push_str(&fit(&tb));
    }
    s
}
