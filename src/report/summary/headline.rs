//! The headline: the fastest write-lock rate user space reaches on this
//! machine, how long a 32-bit (and a 64-bit) mm_lock_seq lasts at it
//! against the thread's 217 ns estimate, this machine's preemption and
//! stall model in one sentence, and the thread's own claims.

use super::{Inputs, Rows, WILLY_NS, section};
use crate::report::claims::{self, ClaimSection};
use crate::text::number::num;
use crate::text::number::pow2_text;
use crate::text::table::{bullet, rate_text, wrap};
use crate::timing::{human_duration, sig3};

pub(super) fn render(inp: &Inputs<'_>, rows: &Rows<'_>) -> String {
    let mut s = section("Headline");
    let min32 = rows.min_cycles(32);
    let min64 = rows.min_cycles(64);
    let m32 = min32.as_deref().and_then(num);
    let m64 = min64.as_deref().and_then(num);
    let (Some(a), Some(t)) = (inp.attacker, inp.rates.table.as_ref()) else {
        s.push_str(&wrap(&format!(
            "The kernel's write-lock rate could not be measured here ({}); \
             see the adversary table for fixed rates.",
            inp.rates.why_not.as_deref().unwrap_or("no rate table")
        )));
        return s;
    };
    let m = &t.machine;
    let guest = match inp.machine.hypervisor.value.as_deref() {
        Some(h) if h != "none" => format!(", a {h} guest"),
        _ => String::new(),
    };
    let check = if a.verified == "verified" {
        "the mmap_lock_acquire_returned tracepoint counted exactly one \
         write lock per call"
    } else {
        "not checked against the mmap_lock_acquire_returned tracepoint"
    };
    let mut p = format!(
        "On this machine ({}, {} cores, Linux {}{guest}) the fastest \
         user-space loop that takes mmap_lock for writing, {} on {}, ran \
         {} write-lock cycles/s (median of {} runs, {}..{}; {check}) \
         [run-rates].",
        m.cpu_model,
        m.cores,
        m.kernel,
        a.op,
        if a.threads == 1 {
            "one thread".to_string()
        } else {
            format!("{} threads", a.threads)
        },
        rate_text(a.rate),
        a.runs,
        rate_text(a.min),
        rate_text(a.max),
    );
    if let (Some(m32), Some(m32t)) = (m32, min32.as_deref()) {
        let t32 = rows.time_to_fp(32, a.rate).unwrap_or(m32 / a.rate);
        let willy = m32 * WILLY_NS * 1e-9;
        p.push_str(&format!(
            " A 32-bit mm_lock_seq comes back to a recorded value after {} \
             write-lock cycles (explorer) [run-widths]: {} at this rate, \
             against {} ({}) at the thread's 217 ns a cycle [willy]",
            pow2_text(m32t),
            human_duration(t32),
            human_duration(willy),
            ratio_words(willy / t32),
        ));
        if let (Some(m64), Some(m64t)) = (m64, min64.as_deref()) {
            p.push_str(&format!(
                "; a 64-bit one after {} cycles: {}",
                pow2_text(m64t),
                human_duration(rows.time_to_fp(64, a.rate).unwrap_or(m64 / a.rate))
            ));
        }
        p.push_str(&format!(
            ". A 32-bit counter is therefore safe exactly as long as no \
             reader can be held inside its speculation for {}.",
            human_duration(t32)
        ));
    }
    s.push_str(&wrap(&p));
    s.push('\n');
    s.push_str(&wrap(&crate::stall::table::machine_sentence(inp.machine)));
    s.push('\n');
    for c in claims::of(ClaimSection::Thread) {
        s.push_str(&bullet(&claims::text(c)));
    }
    s
}

/// "1.61 times longer" / "2.3 times shorter".
pub(super) fn ratio_words(x: f64) -> String {
    if x >= 1.0 {
        format!("{} times as long", sig3(x))
    } else {
        format!("{} of it", sig3(x))
    }
}
