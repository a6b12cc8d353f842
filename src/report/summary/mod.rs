//! `summary.md`: the answer, written from result structs only — the rate
//! table, the observed workload, this machine's stall model, the pick, and
//! the sweep CSVs' rows.
//!
//! Every line is at most [`MAX_COLS`] columns (tables, code blocks and
//! prose alike) so the whole file can be pasted into a reply on a kernel
//! mailing list. Every number is computed by this run (each cites the
//! artifact it comes from, `[run-*]`), every other claim is one of
//! [`super::claims::CLAIMS`] and cites its sources; when a number is
//! missing, the text says so instead of guessing. No scheme is known here
//! by name: rows are selected by spec, metric, width and memory model.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::claims::{self, Section};
use super::evidence::{Attacker, Observed, Rates};
use super::table::{MAX_COLS, Table, bullet, fit, wrap};
use crate::pick::PickAnswer;
use crate::plot::data::{FixOutcome, cycles_text, fix_groups, num, scheme_label};
use crate::stall::MachineModel;
use crate::sweep::cost::pow2_text;
use crate::sweep::csv::Row;
use crate::timing::{human_duration, sig3};

pub use super::table::{rate_text, short_p};

/// Willy's estimate of one syscall, the thread's figure for one write-lock
/// cycle of `munmap(1, 0)` (claim `willy-estimate`).
pub const WILLY_NS: f64 = 217.0;

/// The accident's window tails: lognormal windows (median 2 us) with a p99
/// from 0.5 ms to 10 ms, and Pareto windows from 1 us with alpha from 2 to
/// 1.1 (as spelled in `analysis/mm_lock_seq.toml`).
pub const TAILS: [&str; 9] = [
    "lognormal:2us,500us",
    "lognormal:2us,1ms",
    "lognormal:2us,2ms",
    "lognormal:2us,5ms",
    "lognormal:2us,10ms",
    "pareto:1us,2",
    "pareto:1us,1.5",
    "pareto:1us,1.25",
    "pareto:1us,1.1",
];

/// One spec's rows and plots.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SpecRows {
    /// The spec's name (`analysis/NAME.toml`).
    pub name: String,
    /// Its title.
    pub title: String,
    /// The file it was read from.
    pub file: String,
    /// Its CSV's file name in the data directory: the evidence file
    /// names it, and [`super::Evidence::load`] reads the rows from it.
    pub csv: String,

    /// Its CSV rows (not in the evidence file: they are in `csv`).
    #[serde(skip)]
    pub rows: Vec<Row>,
    /// Its plots.
    pub plots: Vec<PathBuf>,
}

/// What the summary is written from.
pub struct Inputs<'a> {
    /// seqwrap's version.
    pub version: &'a str,
    /// This machine's preemption and stall model.
    pub machine: &'a MachineModel,
    /// The rate table.
    pub rates: &'a Rates,
    /// The attacker's rate (the fastest verified cell).
    pub attacker: Option<&'a Attacker>,
    /// The observed workload.
    pub observed: &'a Observed,
    /// The accidental rate taken from it, and what it is.
    pub observed_rate: Option<&'a (f64, String)>,
    /// `pick --adversarial` at the attacker's rate.
    pub pick: Option<&'a PickAnswer>,
    /// Each spec's rows, in report order.
    pub specs: &'a [SpecRows],
    /// Extra figures (the stall plot).
    pub plots: &'a [PathBuf],
    /// Caveats to print first.
    pub notes: &'a [String],
    /// The reader-sites section, rendered (`report::sites`).
    pub sites: Option<&'a str>,
    /// The uprobe trap round trip, when timed.
    pub trap: Option<&'a crate::stress::uprobe::TrapReport>,
}

/// Look-ups over all rows.
struct Rows<'a> {
    specs: &'a [SpecRows],
}

fn same_rate(r: &Row, rate: f64) -> bool {
    num(&r.rate).is_some_and(|x| (x - rate).abs() <= 1e-12 * rate.abs())
}

impl<'a> Rows<'a> {
    fn spec(&self, name: &str) -> Option<&'a SpecRows> {
        self.specs.iter().find(|s| s.name == name)
    }

    fn of(&self, spec: &str) -> &'a [Row] {
        self.spec(spec).map_or(&[], |s| s.rows.as_slice())
    }

    /// The explorer's fewest cycles for the width sweep's scheme at
    /// `bits` (sc).
    fn min_cycles(&self, bits: u32) -> Option<String> {
        self.of("widths")
            .iter()
            .chain(self.of("mm_lock_seq"))
            .find(|r| {
                r.engine == "explore"
                    && r.metric == "min_cycles"
                    && r.bits == bits
                    && (r.memory_model.is_empty() || r.memory_model == "sc")
            })
            .map(|r| r.value.clone())
    }

    /// analyze's time to the first false positive at `bits` and `rate`.
    fn time_to_fp(&self, bits: u32, rate: f64) -> Option<f64> {
        self.of("widths")
            .iter()
            .chain(self.of("mm_lock_seq"))
            .find(|r| {
                r.engine == "analyze"
                    && r.metric == "time_to_fp_s"
                    && r.bits == bits
                    && same_rate(r, rate)
            })
            .and_then(|r| num(&r.value))
    }

    /// An analyze metric of the mm_lock_seq spec.
    fn accident(&self, metric: &str, bits: u32, rate: f64, window: &str) -> Option<&'a Row> {
        self.of("mm_lock_seq").iter().find(|r| {
            r.engine == "analyze"
                && r.metric == metric
                && r.bits == bits
                && r.window == window
                && same_rate(r, rate)
        })
    }
}

fn width_name(bits: u32) -> String {
    crate::width::Width::new(bits).map_or(bits.to_string(), |w| w.to_string())
}

fn section(title: &str) -> String {
    format!("\n## {title}\n\n")
}

/// Render the summary.
pub fn render(inp: &Inputs<'_>) -> String {
    let rows = Rows { specs: inp.specs };
    let mut s = String::new();
    s.push_str("# How wide must mm_lock_seq be?\n\n");
    s.push_str(&wrap(&format!(
        "seqwrap {} answers the question of the mmap_lock_speculation \
         thread: how many write-lock cycles until a speculating reader's \
         recorded mm_lock_seq comes back, how fast this machine's kernel \
         lets user space drive them, how long a reader can be held, how \
         likely a false positive is by accident, and which fixes hold \
         under which memory model. Rates and stalls are measured and read \
         on this machine: they are machine-specific, and rerunning moves \
         the rates. `cargo run --release -- report` reproduces everything; \
         numbers cite the data/ file they come from as [run-*], other \
         claims cite their sources (## Sources).",
        inp.version
    )));
    if !inp.notes.is_empty() {
        s.push_str(&section("Caveats"));
        for n in inp.notes {
            s.push_str(&bullet(n));
        }
    }
    s.push_str(&headline(inp, &rows));
    if let Some(t) = inp.sites {
        s.push_str(t);
    }
    s.push_str(&recommendation(inp));
    s.push_str(&rate_section(inp));
    s.push_str(&observed_section(inp));
    s.push_str(&stall_section(inp));
    s.push_str(&adversary_section(inp, &rows));
    s.push_str(&accident_section(inp, &rows));
    s.push_str(&ordering_section(&rows));
    s.push_str(&claims_section(
        "Consequences of a false positive",
        Section::Consequences,
    ));
    s.push_str(&claims_section("Precedents", Section::Precedents));
    s.push_str(&claims_section("Costs beyond the model", Section::Costs));
    s.push_str(&engines_section(&rows));
    s.push_str(&files_section(inp));
    s.push_str(&sources_section(&s));
    s
}

fn headline(inp: &Inputs<'_>, rows: &Rows<'_>) -> String {
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
    for c in claims::of(Section::Thread) {
        s.push_str(&bullet(&claims::text(c)));
    }
    s
}

/// "1.61 times longer" / "2.3 times shorter".
fn ratio_words(x: f64) -> String {
    if x >= 1.0 {
        format!("{} times as long", sig3(x))
    } else {
        format!("{} of it", sig3(x))
    }
}

fn recommendation(inp: &Inputs<'_>) -> String {
    let mut s = section("Recommendation");
    match (inp.pick, inp.attacker) {
        (Some(p), Some(a)) => {
            s.push_str(&wrap(&format!(
                "`seqwrap pick --adversarial --rate {}` (this machine's \
                 attacker rate, {}): use {}.",
                rate_text(a.rate),
                a.label(),
                p.bits
                    .map_or_else(|| p.kernel_type.clone(), crate::pick::kernel_type_words)
            )));
            s.push('\n');
            s.push_str(&p.explanation);
        }
        _ => s.push_str(&wrap(
            "No measured rate, so no recommendation at this machine's rate; \
             run `seqwrap pick --adversarial --rate R` with your own.",
        )),
    }
    s
}

fn rate_section(inp: &Inputs<'_>) -> String {
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

fn observed_section(inp: &Inputs<'_>) -> String {
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

fn stall_section(inp: &Inputs<'_>) -> String {
    let mut s = section("How long a reader can be held");
    s.push_str(&wrap(
        "The uprobes reader runs under guard(rcu)() and touches kernel \
         memory only [uprobes]: it cannot fault on storage or sleep. What \
         can hold it inside rcu_read_lock(), per preemption model, each \
         row with its sources, and which rows apply to this machine (read \
         from /proc/config.gz, the boot log, sysfs and uname -v):",
    ));
    s.push('\n');
    // The machine paragraph is the headline's; not repeated here.
    let para = wrap(&crate::stall::table::machine_sentence(inp.machine));
    s.push_str(&crate::stall::render(Some(inp.machine)).replacen(&format!("{para}\n"), "", 1));
    s
}

fn adversary_section(inp: &Inputs<'_>, rows: &Rows<'_>) -> String {
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
fn accident_section(inp: &Inputs<'_>, rows: &Rows<'_>) -> String {
    let mut s = section("Accident: no hold");
    let Some(a) = inp.attacker else {
        s.push_str(&wrap("(No measured rate: the accident rows are missing.)"));
        return s;
    };
    let obs = inp.observed_rate.map(|(r, _)| *r);
    let worst = |rate: Option<f64>| -> String {
        rate.and_then(|r| {
            TAILS
                .iter()
                .filter_map(|w| rows.accident("p_false_positive", 32, r, w))
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

fn ordering_section(rows: &Rows<'_>) -> String {
    let mut s = section("Memory ordering: the fixes under sc, tso and lkmm");
    for c in claims::of(Section::Ordering) {
        s.push_str(&bullet(&claims::text(c)));
    }
    let data = rows.of("fixes");
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
    let mut tb = Table::new(&["scheme", "models", "min cycles", "outcome"]);
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
        s.push_str(&wrap("No scheme's answer depends on the memory model."));
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
                r.engine == "explore"
                    && r.metric == "trace"
                    && (r.scheme.clone(), r.params.clone()) == *key
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
        "Costs read off each description: reader loads (ld) and fences (f) \
         per speculation; writer stores (st) and fences per cycle; rarer \
         work with how often (GP: a grace period) [run-fixes]. What a \
         description cannot show is in its note (schemes --show NAME).",
    ));
    s.push('\n');
    let mut tb = Table::new(&["scheme", "cost"]);
    let mut seen: Vec<String> = Vec::new();
    for r in data
        .iter()
        .filter(|r| r.engine == "explore" && r.metric == "scheme_cost" && r.bits >= 32)
    {
        let label = crate::plot::data::short_label(&r.scheme, &r.params);
        if seen.contains(&label) {
            continue;
        }
        seen.push(label.clone());
        tb.row(vec![label, short_cost(&r.value)]);
    }
    s.push_str(&fit(&tb));
    s
}

/// `protocol::cost` summaries shortened for a 72-column table:
/// `2 loads, 2 fences; writer 2 stores, 2 fences; +1 store per 2^31
/// cycles` -> `2ld 2f; 2st 2f; +1st/2^31`.
pub fn short_cost(c: &str) -> String {
    // The description's note ("; also: ...") is prose, not a column.
    let c = c.split("; also: ").next().unwrap_or(c);
    c.replace(" loads, ", "ld ")
        .replace(" load, ", "ld ")
        .replace(" fences", "f")
        .replace(" fence", "f")
        .replace("writer ", "")
        .replace(" stores, ", "st ")
        .replace(" store, ", "st ")
        .replace(" stores per ", "st/")
        .replace(" store per ", "st/")
        .replace(" grace periods per ", "GP/")
        .replace(" grace period per ", "GP/")
        .replace(" cycles", "")
}

fn claims_section(title: &str, sec: Section) -> String {
    let mut s = section(title);
    for c in claims::of(sec) {
        s.push_str(&bullet(&claims::text(c)));
    }
    s
}

fn engines_section(rows: &Rows<'_>) -> String {
    let mut s = section("Cross-checks between engines");
    let all: Vec<&Row> = rows.specs.iter().flat_map(|sp| sp.rows.iter()).collect();
    let key = |r: &Row| (r.spec.clone(), r.scheme.clone(), r.params.clone());
    let analyze_min: BTreeMap<_, &str> = all
        .iter()
        .filter(|r| r.engine == "analyze" && r.metric == "min_cycles")
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
        r.engine == "explore"
            && r.metric == "min_cycles"
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
                scheme_label(&r.scheme, &r.params),
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
             of {n} scheme instances."
        );
        if !differ.is_empty() {
            l.push_str(&format!(" They differ for {}.", differ.join(", ")));
        }
        lines.push(l);
    }
    let pkey = |r: &Row| {
        (
            r.spec.clone(),
            r.scheme.clone(),
            r.params.clone(),
            r.rate.clone(),
            r.process.clone(),
            r.hold.clone(),
            r.window.clone(),
        )
    };
    let exact: BTreeMap<_, f64> = all
        .iter()
        .filter(|r| r.engine == "analyze" && r.metric == "p_false_positive")
        .map(|r| (pkey(r), num(&r.value).unwrap_or(0.0)))
        .collect();
    let (mut inside, mut m, mut informative) = (0, 0, 0);
    for r in all
        .iter()
        .filter(|r| r.engine == "sample" && r.metric == "p_false_positive")
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
        .filter(|r| r.engine == "stress" && r.metric == "observed_at_cycles")
    {
        let label = scheme_label(&r.scheme, &r.params);
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
        .filter(|r| r.engine == "stress" && r.metric == "not_run")
    {
        let l = scheme_label(&r.scheme, &r.params);
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

fn files_section(inp: &Inputs<'_>) -> String {
    let mut s = section("Files");
    for sp in inp.specs {
        let plots: Vec<String> = sp
            .plots
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        s.push_str(&bullet(&format!(
            "{} ({}): data/{}.csv, {} rows{}{}",
            spec_path(&sp.file),
            sp.title,
            sp.name,
            sp.rows.len(),
            if plots.is_empty() { "" } else { "; plots " },
            plots.join(", ")
        )));
    }
    let extra: Vec<String> = inp
        .plots
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    if !extra.is_empty() {
        s.push_str(&bullet(&format!(
            "the rate table and the stall model: data/measured_rates.csv, \
             data/observed_rates.csv; plots {}",
            extra.join(", ")
        )));
    }
    s
}

/// Every source cited in `text`, with its reference.
fn sources_section(text: &str) -> String {
    let mut s = section("Sources");
    s.push_str(&wrap(
        "Message-IDs resolve at https://lore.kernel.org/all/ID/; kernel \
         files are paths of the Linux tree; run-* are this run's files. The \
         stall table above carries its own sources.",
    ));
    s.push('\n');
    for id in claims::cited_in(text) {
        if let Some(src) = claims::source(id) {
            s.push_str(&bullet(&format!("[{}] {}: {}", src.id, src.what, src.cite)));
        }
    }
    s
}

/// `analysis/NAME.toml` for a spec however it was named on the command line.
fn spec_path(file: &str) -> String {
    let name = file
        .replace(" (built in)", "")
        .rsplit('/')
        .next()
        .unwrap_or(file)
        .to_string();
    format!("analysis/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_shorten() {
        assert_eq!(pow2_text("2147483648"), "2^31");
        assert_eq!(
            short_cost("6 loads, 4 fences; writer 3 stores, 2 fences; +1 store per 2^31 cycles"),
            "6ld 4f; 3st 2f; +1st/2^31"
        );
        assert_eq!(ratio_words(2.0), "2 times as long");
    }
}
