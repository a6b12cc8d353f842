//! How fast user space drives mmap_lock's write lock on this machine:
//! the measured rate table (each operation on 1..N threads, its runs'
//! spread and the tracepoint's count of write locks per call), what more
//! threads buy, io_uring against munmap(1, 0), and what was not verified.

use super::{Inputs, Rows, section};
use crate::text::table::{Table, bullet, fit, rate_text, wrap};
use crate::timing::sig3;

pub(super) fn render(inp: &Inputs<'_>, _rows: &Rows<'_>) -> String {
    let mut s = section("Write-lock rates on this machine");
    let Some(t) = &inp.rates.table else {
        s.push_str(&wrap(&format!(
            "Not measured: {}.",
            inp.rates.why_not.as_deref().unwrap_or("unknown")
        )));
        return s;
    };
    s.push_str(&wrap(&format!(
        "`seqwrap stress --kernel`: each operation on 1..{} threads of one \
         mm, {} runs of {:.0} ms per cell interleaved across cells; rates \
         are write-lock cycles per second [run-rates]. lock/call: write \
         acquisitions per call counted by the mmap_lock_acquire_returned \
         tracepoint on this thread (against a getpid control).",
        t.cells.iter().map(|c| c.threads).max().unwrap_or(1),
        t.runs,
        t.run_s * 1e3
    )));
    s.push('\n');
    let mut tb = Table::new(&["op", "thr", "median/s", "runs min..max", "lock/call"]);
    for c in &t.cells {
        let v = t.verification_of(c.op);
        let per = match v {
            Some(v) if v.verified() => format!("{} ok", v.per_call.map_or("?".into(), sig3)),
            Some(v) => match v.per_call {
                Some(pc) => format!("{} {}", sig3(pc), v.status),
                None => "not checked".into(),
            },
            None => "not checked".into(),
        };
        tb.row(vec![
            c.op.name().into(),
            c.threads.to_string(),
            rate_text(c.spread.median),
            format!("{}..{}", rate_text(c.spread.min), rate_text(c.spread.max)),
            per,
        ]);
    }
    s.push_str(&fit(&tb));
    s.push('\n');
    let ops: Vec<String> = inp
        .rates
        .fastest_per_op()
        .iter()
        .filter_map(|c| {
            let max_t = t
                .cells
                .iter()
                .filter(|d| d.op == c.op)
                .max_by_key(|d| d.threads)?;
            (max_t.threads > 1).then(|| {
                format!(
                    "{} x{} {}",
                    c.op,
                    max_t.threads,
                    max_t
                        .speedup_vs_1_thread
                        .map_or("?".into(), |x| format!("{}x", sig3(x)))
                )
            })
        })
        .collect();
    if !ops.is_empty() {
        s.push_str(&bullet(&format!(
            "More threads on one mm, against one thread of the same \
             operation: {}. The write lock serialises the writers; more \
             threads overlap only the work outside it [run-rates].",
            ops.join(", ")
        )));
    }
    if !t.io_uring.available
        && let Some(why) = &t.io_uring.reason
        && why != "not asked for"
    {
        s.push_str(&bullet(&format!("io_uring is not available here: {why}.")));
    }
    // The thread expected io_uring to be faster [uring-faster]; say what
    // this machine found, and why where it is slower.
    let best = |op: crate::stress::KernelOp| {
        t.cells
            .iter()
            .filter(|c| c.op == op)
            .map(|c| c.spread.median)
            .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))))
    };
    if let (Some(u), Some(m)) = (
        best(crate::stress::KernelOp::UringMadvise),
        best(crate::stress::KernelOp::MunmapNull),
    ) {
        let verdict = if u < m {
            format!(
                "slower here than munmap(1, 0): {}/s against {}/s at best. \
                 The tracepoint check finds its write acquisitions in io-wq \
                 worker threads (iou-wrk), so each request is handed to a \
                 worker and pays that handoff instead of a syscall entry",
                rate_text(u),
                rate_text(m)
            )
        } else {
            format!(
                "faster here than munmap(1, 0): {}/s against {}/s at best",
                rate_text(u),
                rate_text(m)
            )
        };
        s.push_str(&bullet(&format!(
            "io_uring IORING_OP_MADVISE, suggested in the thread as faster \
             [jann-uring], is {verdict} [run-rates]."
        )));
    }
    let unverified: Vec<String> = t
        .verification
        .iter()
        .filter(|v| !v.verified())
        .map(|v| {
            format!(
                "{} {} ({})",
                v.op,
                v.status,
                v.reason.as_deref().unwrap_or("")
            )
        })
        .collect();
    if t.verification.is_empty() {
        s.push_str(&bullet("Not checked against the tracepoint."));
    } else if !unverified.is_empty() {
        s.push_str(&bullet(&format!(
            "Not verified: {}.",
            unverified.join("; ")
        )));
    }
    if let Some(e) = &t.munmap_errno {
        s.push_str(&bullet(&format!(
            "munmap(1, 0) fails with {e} on every call, after taking and \
             dropping the write lock."
        )));
    }
    s.push_str(&bullet(&format!(
        "These figures belong to this machine ({}, {} cores, Linux {}) and \
         its load at the time: the runs of one cell spread by up to {}x, \
         and rerunning moves them.{}",
        t.machine.cpu_model,
        t.machine.cores,
        t.machine.kernel,
        sig3(
            t.cells
                .iter()
                .map(|c| c.spread.max / c.spread.min)
                .fold(1.0, f64::max)
        ),
        inp.rates
            .cached_in
            .as_ref()
            // Where is the user's business: a home path has no place in a
            // text meant for a list.
            .map_or(String::new(), |_| {
                " Also recorded in the user's rate cache, outside the checkout.".to_string()
            })
    )));
    s
}
