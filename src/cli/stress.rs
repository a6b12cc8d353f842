//! `seqwrap stress`: the protocol on real threads and atomics, or
//! (`--kernel`) the kernel's own mmap_lock write-lock rate.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use seqwrap::Error;
use seqwrap::stall::{MachineModel, render as render_stalls};
use seqwrap::stress::{
    KernelConfig, KernelTable, ObserveConfig, ObserveReport, StressConfig, StressReport, Workload,
    WorkloadSize, default_cache_path, kernel_table, observe, parse_ops, parse_threads,
    record_table, stress,
};

use seqwrap::timing::{FlagExt, human_duration, parse_count, parse_positive_time};

use super::protocol_flags::ProtocolFlags;

/// Arguments of `seqwrap stress`.
#[derive(Debug, clap::Args)]
pub struct StressArgs {
    /// The protocol (not with --kernel).
    #[command(flatten)]
    pub protocol: ProtocolFlags,
    /// Writer threads; they serialise on the lock (default 1).
    #[arg(long, value_name = "N")]
    pub writers: Option<usize>,
    /// Timed runs for ns per cycle, reported as their median (default 5).
    #[arg(long, value_name = "R")]
    pub timing_runs: Option<usize>,
    /// Writer cycles in each timed run (default 2^22; a count: 4194304,
    /// 4e6, 2^22).
    #[arg(long, value_name = "C")]
    pub timing_cycles: Option<String>,
    /// Refuse protocols whose windows need more writer cycles than this in all
    /// (default 2^33; a 64-bit counter needs 2^63).
    #[arg(long, value_name = "C")]
    pub max_cycles: Option<String>,
    /// Measure the kernel's mmap write-lock rate instead of a protocol (Linux):
    /// a table of operations x thread counts, median and spread of repeated
    /// runs, each operation checked against the mmap_lock tracepoint.
    #[arg(long)]
    pub kernel: bool,
    /// --kernel: operations, comma-separated, or `all` (default:
    /// munmap-null,mprotect,madvise,uring-madvise; also madvise-toggle,
    /// mmap-munmap).
    #[arg(long, value_name = "OPS")]
    pub op: Option<String>,
    /// --kernel: thread counts on one mm: N, A..B, or a list 1,2,4
    /// (default: 1, 2, 4, ... up to the core count, at least 1,2).
    #[arg(long, value_name = "N")]
    pub threads: Option<String>,
    /// --kernel: measuring time per cell, split into the runs, e.g. 2s,
    /// 500ms (default 700ms).
    #[arg(long, value_name = "D")]
    pub duration: Option<String>,
    /// --kernel: timed runs per cell (the rate is their median; default 7).
    #[arg(long, value_name = "R")]
    pub runs: Option<usize>,
    /// --kernel: io_uring IORING_OP_MADVISE requests per submission
    /// (default 32).
    #[arg(long, value_name = "N")]
    pub batch: Option<u32>,
    /// --kernel: skip the tracepoint check.
    #[arg(long)]
    pub no_verify: bool,
    /// --kernel: directory of the measured-rate cache (default
    /// $SEQWRAP_CACHE_DIR, else $XDG_CACHE_HOME/seqwrap, else
    /// ~/.cache/seqwrap).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<std::path::PathBuf>,
    /// --kernel: do not record the measured table in the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// --kernel: instead of measuring, count write-lock acquisitions per mm
    /// system-wide for SECONDS (with --workload: until it ends, at most
    /// SECONDS).
    #[arg(long, value_name = "SECONDS")]
    pub observe: Option<f64>,
    /// --observe: start this workload and observe it (cargo-build: an
    /// offline cargo build of a generated crate in a temporary directory).
    #[arg(long, value_name = "W")]
    pub workload: Option<String>,
    /// --workload: quick or full (default full).
    #[arg(long, value_name = "S")]
    pub workload_size: Option<String>,
    /// --observe: how many mms to list (default 10).
    #[arg(long, value_name = "K")]
    pub top: Option<usize>,
    /// --kernel: print this machine's preemption and RCU stall model and
    /// the stall table (which rows apply here) instead of measuring.
    #[arg(long)]
    pub machine: bool,
    /// --kernel: instead of measuring rates, hold one thread of this
    /// process inside a kernel user access (`userfaultfd`: a read() into a
    /// page whose fault a userfaultfd holds) while the other threads run
    /// munmap(1, 0), and count their write acquisitions inside the hold by
    /// tracepoint (root, or where userfaultfd may catch kernel faults).
    #[arg(long, value_name = "MECH")]
    pub hold: Option<String>,
    /// --hold: how long to hold (default 10s).
    #[arg(long, value_name = "D")]
    pub hold_for: Option<String>,
    /// --hold: hold until 2^31 write acquisitions are counted inside the
    /// one hold (a 32-bit counter's wrap), at most --hold-for (default 2h).
    #[arg(long)]
    pub full: bool,
    /// --hold: writer threads (default: every CPU, the held thread sleeps).
    #[arg(long, value_name = "N")]
    pub hold_writers: Option<usize>,
    /// --kernel: instead of measuring rates, time the uprobe trap round
    /// trip: a tracefs uprobe on a function of this binary, --calls calls.
    #[arg(long)]
    pub uprobe_trap: bool,
    /// --uprobe-trap: calls to time (default 1e5; a count: 100000, 1e5).
    #[arg(long, value_name = "N")]
    pub calls: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `--duration`: a time with a unit, > 0 and at most an hour.
fn parse_duration(s: &str) -> seqwrap::Result<Duration> {
    let secs = parse_positive_time(s).flag("--duration")?;
    if secs > 3600.0 {
        return Err(Error::usage(format!(
            "--duration: '{s}' is over an hour; allowed: a time > 0 up to 1h (e.g. 2s, 500ms)"
        )));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// An optional count flag (`--timing-cycles 4e6`, `--max-cycles 2^33`).
fn count_flag(flag: &str, v: &Option<String>) -> seqwrap::Result<Option<u64>> {
    v.as_deref().map(|t| parse_count(t).flag(flag)).transpose()
}

/// A progress bar on stderr that appears only once the run has taken more
/// than a second (indicatif draws nothing without a terminal).
struct LateBar {
    bar: ProgressBar,
    start: Instant,
    shown: Mutex<bool>,
}

impl LateBar {
    fn new(total: u64, unit: &str) -> LateBar {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(&format!(
            "{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit} ETA {{eta}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        LateBar {
            bar,
            start: Instant::now(),
            shown: Mutex::new(false),
        }
    }

    fn set(&self, pos: u64) {
        self.bar.set_position(pos);
        if self.start.elapsed() > Duration::from_secs(1)
            && let Ok(mut shown) = self.shown.lock()
            && !*shown
        {
            *shown = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Shown by `seqwrap stress --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap stress --protocol plain --bits 32
  seqwrap stress --protocol split --hi 16 --lo 16 --read naive
  seqwrap stress --kernel
  seqwrap stress --kernel --op mprotect --threads 2 --duration 2s --json";

/// Run `seqwrap stress`.
pub fn run(args: &StressArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    if args.kernel {
        return run_kernel(args, out);
    }
    for (flag, given) in [
        ("--op", args.op.is_some()),
        ("--threads", args.threads.is_some()),
        ("--duration", args.duration.is_some()),
        ("--runs", args.runs.is_some()),
        ("--batch", args.batch.is_some()),
        ("--no-verify", args.no_verify),
        ("--cache-dir", args.cache_dir.is_some()),
        ("--no-cache", args.no_cache),
        ("--observe", args.observe.is_some()),
        ("--workload", args.workload.is_some()),
        ("--workload-size", args.workload_size.is_some()),
        ("--top", args.top.is_some()),
        ("--machine", args.machine),
    ] {
        if given {
            return Err(Error::usage(format!("{flag} applies only with --kernel")).into());
        }
    }
    let spec = args.protocol.spec()?;
    let d = StressConfig::default();
    let cfg = StressConfig {
        writers: args.writers.unwrap_or(d.writers),
        timing_runs: args.timing_runs.unwrap_or(d.timing_runs),
        timing_cycles: count_flag("--timing-cycles", &args.timing_cycles)?
            .unwrap_or(d.timing_cycles),
        max_cycles: count_flag("--max-cycles", &args.max_cycles)?.unwrap_or(d.max_cycles),
    };
    let total = seqwrap::stress::planned_cycles(&spec, &cfg)?;
    let bar = LateBar::new(total, "cycles");
    let report = stress(&spec, &cfg, &|done, _| bar.set(done));
    bar.finish();
    let report = report?;
    if args.json {
        let mut v = seqwrap::text::json::value(&report)?;
        seqwrap::text::json::promote_exact(&mut v, &["explore_min_cycles"]);
        super::print_json(out, "stress", v)?;
    } else {
        print_stress(&report, out)?;
    }
    Ok(())
}

fn print_stress(r: &StressReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "stress {} {} ({} bits): {} writer(s), real threads and atomics",
        r.protocol, r.params, r.bits, r.writers
    )?;
    writeln!(
        out,
        "explorer's minimal cycles to a false positive under {}: {}",
        r.model,
        r.explore_min_cycles.as_deref().unwrap_or("none at all")
    )?;
    for (i, w) in r.replays.iter().enumerate() {
        writeln!(out, "replay {}: {}", i + 1, w.schedule)?;
        if !w.followed {
            writeln!(
                out,
                "  the reader did not take the loads the schedule expected"
            )?;
        }
        if w.grace_period_waited {
            writeln!(out, "  a writer waited in synchronize_rcu() for the reader")?;
        }
        writeln!(
            out,
            "  {} after {} modifications in the window, {} writer cycles in all \
             (data read {} then {}; {:.3} s)",
            w.outcome.label(),
            w.window_cycles,
            w.writer_cycles,
            w.data.0,
            w.data.1,
            w.seconds
        )?;
    }
    if let Some(why) = &r.not_reproducible {
        writeln!(out, "weaker model: {why}")?;
    }
    match r.observed_at_cycles {
        Some(n) => writeln!(out, "FALSE POSITIVE observed at {n} cycles")?,
        None => writeln!(out, "no false positive observed")?,
    }
    let (lo, hi) = r
        .ns_per_cycle_runs
        .iter()
        .fold((f64::INFINITY, 0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    writeln!(
        out,
        "ns per write cycle: {:.2} (median of {} runs of {} cycles; {:.2}..{:.2})",
        r.ns_per_cycle,
        r.ns_per_cycle_runs.len(),
        r.timing_cycles,
        lo,
        hi
    )?;
    writeln!(out, "{}", r.note)?;
    Ok(())
}

fn run_kernel(args: &StressArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let s = &args.protocol;
    for (flag, given) in [
        ("--protocol", s.protocol.is_some()),
        ("--param", !s.params.is_empty()),
        ("--bits", s.bits.is_some()),
        ("--hi", s.hi.is_some()),
        ("--lo", s.lo.is_some()),
        ("--read", s.read.is_some()),
        ("--write-order", s.write_order.is_some()),
        ("--epoch-bits", s.epoch_bits.is_some()),
        ("--max-window-cycles", s.max_window_cycles.is_some()),
        ("--writers", args.writers.is_some()),
        ("--timing-runs", args.timing_runs.is_some()),
        ("--timing-cycles", args.timing_cycles.is_some()),
        ("--max-cycles", args.max_cycles.is_some()),
    ] {
        if given {
            return Err(Error::usage(format!(
                "{flag} does not apply with --kernel; it takes: --op --threads --duration --runs \
                 --batch --no-verify --cache-dir --no-cache, or --observe, or --machine"
            ))
            .into());
        }
    }
    let measuring = [
        ("--op", args.op.is_some()),
        ("--threads", args.threads.is_some()),
        ("--duration", args.duration.is_some()),
        ("--runs", args.runs.is_some()),
        ("--batch", args.batch.is_some()),
        ("--no-verify", args.no_verify),
        ("--cache-dir", args.cache_dir.is_some()),
        ("--no-cache", args.no_cache),
    ];
    let observing = [
        ("--workload", args.workload.is_some()),
        ("--workload-size", args.workload_size.is_some()),
        ("--top", args.top.is_some()),
    ];
    let holding = [
        ("--hold", args.hold.is_some()),
        ("--hold-for", args.hold_for.is_some()),
        ("--full", args.full),
        ("--hold-writers", args.hold_writers.is_some()),
        ("--uprobe-trap", args.uprobe_trap),
        ("--calls", args.calls.is_some()),
    ];
    if args.hold.is_some() || args.uprobe_trap {
        let modes = [
            ("--observe", args.observe.is_some()),
            ("--machine", args.machine),
        ];
        let other = measuring
            .iter()
            .chain(&observing)
            .chain(&modes)
            .find(|(_, g)| *g);
        if let Some((flag, _)) = other {
            return Err(Error::usage(format!(
                "{flag} does not apply with --hold or --uprobe-trap"
            ))
            .into());
        }
        return super::hold::run(
            &super::hold::Flags {
                hold: args.hold.clone(),
                hold_for: args.hold_for.clone(),
                full: args.full,
                writers: args.hold_writers,
                uprobe_trap: args.uprobe_trap,
                calls: args.calls.clone(),
                json: args.json,
            },
            out,
        );
    }
    if let Some((flag, _)) = holding.iter().find(|(_, g)| *g) {
        return Err(
            Error::usage(format!("{flag} applies only with --hold or --uprobe-trap")).into(),
        );
    }
    if args.machine {
        if let Some((flag, _)) = measuring
            .iter()
            .chain(&observing)
            .chain(&[("--observe", args.observe.is_some())])
            .find(|(_, g)| *g)
        {
            return Err(
                Error::usage(format!("{flag} does not apply with --kernel --machine")).into(),
            );
        }
        return run_machine(args.json, out);
    }
    if let Some(secs) = args.observe {
        if let Some((flag, _)) = measuring.iter().find(|(_, g)| *g) {
            return Err(Error::usage(format!(
                "{flag} does not apply with --observe; it takes: --workload --workload-size --top"
            ))
            .into());
        }
        return run_observe(args, secs, out);
    }
    if let Some((flag, _)) = observing.iter().find(|(_, g)| *g) {
        return Err(Error::usage(format!("{flag} applies only with --observe")).into());
    }
    let d = KernelConfig::default();
    let cfg = KernelConfig {
        ops: match &args.op {
            Some(o) => parse_ops(o)?,
            None => d.ops.clone(),
        },
        threads: match &args.threads {
            Some(t) => parse_threads(t)?,
            None => d.threads.clone(),
        },
        duration: match &args.duration {
            Some(t) => parse_duration(t)?,
            None => d.duration,
        },
        runs: args.runs.unwrap_or(d.runs),
        uring_batch: args.batch.unwrap_or(d.uring_batch),
        verify: !args.no_verify,
        ..d
    };
    if args.no_cache && args.cache_dir.is_some() {
        return Err(Error::usage("--no-cache and --cache-dir: give one of them").into());
    }
    let cache = if args.no_cache {
        None
    } else {
        args.cache_dir
            .as_ref()
            .map(|d| d.join(seqwrap::stress::CACHE_FILE))
            .or_else(default_cache_path)
    };
    let cells = cfg.ops.len() * cfg.threads.len() * cfg.runs;
    let bar = LateBar::new(cells as u64, "runs");
    let table = kernel_table(&cfg, &|done, _| bar.set(done as u64));
    bar.finish();
    let table = table?;
    let cached_to = match &cache {
        Some(p) => {
            record_table(&table, p)?;
            Some(p.clone())
        }
        None => None,
    };
    if args.json {
        super::print_json(out, "stress", seqwrap::text::json::value(&table)?)?;
    } else {
        write!(out, "{}", kernel_text(&table))?;
        match cached_to {
            Some(p) => writeln!(out, "recorded in the rate cache: {}", p.display())?,
            None => writeln!(out, "not recorded in a rate cache")?,
        }
    }
    Ok(())
}

fn run_machine(json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let m = MachineModel::read();
    if json {
        let v = serde_json::json!({
            "machine": m,
            "rows": seqwrap::stall::rows()
                .iter()
                .map(|r| serde_json::json!({
                    "row": r,
                    "here": seqwrap::stall::table::applies(r, &m),
                }))
                .collect::<Vec<_>>(),
            "summary": seqwrap::stall::table::machine_sentence(&m),
        });
        super::print_json(out, "stress", v)?;
    } else {
        writeln!(out, "This machine's preemption and RCU stall model:")?;
        write!(out, "{}", m.render())?;
        writeln!(out)?;
        write!(out, "{}", render_stalls(Some(&m)))?;
    }
    Ok(())
}

fn run_observe(args: &StressArgs, secs: f64, out: &mut dyn Write) -> anyhow::Result<()> {
    if !(secs.is_finite() && secs > 0.0 && secs <= 3600.0) {
        return Err(Error::usage(format!(
            "--observe: {secs}; allowed: seconds, more than 0 and at most 3600"
        ))
        .into());
    }
    let workload = match &args.workload {
        Some(w) => {
            let Workload::CargoBuild { .. } = w.parse::<Workload>()?;
            let size = match &args.workload_size {
                Some(s) => s.parse::<WorkloadSize>()?,
                None => WorkloadSize::Full,
            };
            Some(Workload::CargoBuild { size })
        }
        None if args.workload_size.is_some() => {
            return Err(Error::usage("--workload-size applies only with --workload").into());
        }
        None => None,
    };
    let cfg = ObserveConfig {
        duration: Duration::from_secs_f64(secs),
        top: args.top.unwrap_or(ObserveConfig::default().top),
        ..ObserveConfig::default()
    };
    if cfg.top == 0 {
        return Err(Error::usage("--top: 0; allowed: at least 1").into());
    }
    let r = observe(&cfg, workload.as_ref())?;
    if args.json {
        super::print_json(out, "stress", seqwrap::text::json::value(&r)?)?;
    } else {
        write!(out, "{}", observe_text(&r))?;
    }
    Ok(())
}

/// Rates in the tables: three significant digits, scientific.
fn sci(x: f64) -> String {
    format!("{x:.2e}")
}

/// The table's first line, wrapped: CPU model names run past 72 columns
/// (`Intel(R) Xeon(R) Processor @ 2.80GHz`, with a long kernel release).
fn header_line(cpu: &str, cores: usize, kernel: &str) -> String {
    seqwrap::text::table::wrap(&format!(
        "mmap write-lock cycles/s on {cpu} ({cores} cores), Linux {kernel}"
    ))
}

/// The measured table as text (at most 72 columns).
fn kernel_text(t: &KernelTable) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let m = &t.machine;
    out.push_str(&header_line(&m.cpu_model, m.cores, &m.kernel));
    let _ = writeln!(
        out,
        "{} runs x {:.0} ms per cell, runs interleaved across cells",
        t.runs,
        t.run_s * 1e3
    );
    let _ = writeln!(
        out,
        "{:<14} {:>3} {:>8} {:>15} {:>15} {:>5}",
        "op", "thr", "median", "min..max", "IQR", "x1thr"
    );
    for c in &t.cells {
        let s = &c.spread;
        let _ = writeln!(
            out,
            "{:<14} {:>3} {:>8} {:>15} {:>15} {:>5}",
            c.op.name(),
            c.threads,
            sci(s.median),
            format!("{}..{}", sci(s.min), sci(s.max)),
            format!("{}..{}", sci(s.q1), sci(s.q3)),
            c.speedup_vs_1_thread
                .map_or("-".to_string(), |x| format!("{x:.2}")),
        );
    }
    if !t.io_uring.available
        && let Some(why) = &t.io_uring.reason
        && why != "not asked for"
    {
        let _ = writeln!(out, "uring-madvise: io_uring not available here: {why}");
    }
    if let Some(e) = &t.munmap_errno {
        let _ = writeln!(out, "munmap(1, 0) returns -1, errno {e}, on every call");
    }
    if t.verification.is_empty() {
        let _ = writeln!(out, "tracepoint check: skipped (--no-verify)");
    } else {
        let _ = writeln!(
            out,
            "tracepoint check (mmap_lock_acquire_returned, write, this thread):"
        );
        for v in &t.verification {
            let line = match v.per_call {
                Some(pc) => format!(
                    "{:<14} {} calls: {} write locks (control {}): {:.3}/call: {}",
                    v.op.name(),
                    v.calls,
                    v.write_acquisitions,
                    v.control_acquisitions,
                    pc,
                    v.status
                ),
                None => format!(
                    "{:<14} not verified: {}",
                    v.op.name(),
                    v.reason.as_deref().unwrap_or("")
                ),
            };
            out.push_str(&seqwrap::text::table::bullet(&line));
            if v.per_call.is_some()
                && let Some(r) = &v.reason
            {
                out.push_str(&seqwrap::text::table::bullet(r));
            }
        }
    }
    if let Some(f) = t.fastest() {
        let _ = writeln!(
            out,
            "fastest: {} x{}: {} cycles/s, {:.1} ns a cycle",
            f.op.name(),
            f.threads,
            sci(f.spread.median),
            f.ns_per_cycle
        );
        let _ = writeln!(
            out,
            "32-bit mm_lock_seq wraps (2^31 cycles) in {}",
            human_duration(f.wrap_s_32)
        );
        let _ = writeln!(
            out,
            "64-bit mm_lock_seq wraps (2^63 cycles) in {}",
            human_duration(f.wrap_s_64)
        );
    }
    let _ = writeln!(
        out,
        "These figures belong to this machine and kernel; rerunning moves them."
    );
    out
}

/// An observation as text (at most 72 columns).
fn observe_text(r: &ObserveReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if !r.available {
        let _ = writeln!(
            out,
            "observation not available: {}",
            r.reason.as_deref().unwrap_or("unknown")
        );
        return out;
    }
    if let Some(w) = &r.workload {
        out.push_str(&seqwrap::text::table::wrap(&format!(
            "workload: {} ({}, {:.1} s)",
            w.name, w.outcome, w.wall_s
        )));
        if let Some(t) = &w.stderr_tail {
            for l in t.lines() {
                let _ = writeln!(out, "  {}", l.chars().take(68).collect::<String>());
            }
        }
    }
    let _ = writeln!(
        out,
        "{} write-lock acquisitions in {:.1} s ({}/s), {} mms",
        r.total_acquisitions,
        r.window_s,
        sci(r.total_rate_per_s),
        r.distinct_mms
    );
    let _ = writeln!(
        out,
        "highest per-mm rate ({:.0} ms bins, other processes): {}/s",
        r.bin_s * 1e3,
        sci(r.max_peak_rate_per_s)
    );
    if r.workload.is_some() {
        let _ = writeln!(
            out,
            "workload (w): {} acquisitions in {} mms; per mm at most {}/s",
            r.workload_acquisitions,
            r.workload_mms,
            sci(r.workload_max_peak_rate_per_s)
        );
        let _ = writeln!(
            out,
            "at peak ({:.0} ms bins), {}/s over an mm's life",
            r.bin_s * 1e3,
            sci(r.workload_max_mean_rate_per_s)
        );
    }
    if r.lost_events > 0 {
        let _ = writeln!(
            out,
            "the trace lost {} events: counts are lower bounds",
            r.lost_events
        );
    }
    let _ = writeln!(
        out,
        "{:<16} {:>1} {:>7} {:>9} {:>9} {:>9} {:>6}",
        "process", "", "tgid", "acq", "mean/s", "peak/s", "life s"
    );
    for m in &r.mms {
        let mut name = m.name().to_string();
        if m.is_self {
            name = format!("{name} (self)");
        }
        let _ = writeln!(
            out,
            "{:<16} {:>1} {:>7} {:>9} {:>9} {:>9} {:>6.2}",
            name.chars().take(16).collect::<String>(),
            if m.in_workload { "w" } else { "" },
            m.tgid.map_or("-".into(), |t| t.to_string()),
            m.acquisitions,
            sci(m.mean_rate_per_s),
            sci(m.peak_rate_per_s),
            m.last_s - m.first_s
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("1min").unwrap(), Duration::from_secs(60));
        for bad in ["", "x", "-1s", "0", "5h", "99999", "1.5", "1m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    /// Whatever the CPU and kernel are called, the header fits 72 columns
    /// and keeps every character of both names.
    #[test]
    fn a_long_cpu_name_is_wrapped() {
        let cpu = "Intel(R) Xeon(R) Processor @ 2.80GHz";
        let kernel = "6.18.44-a-very-long-distribution-kernel-release-string-\
                      that-no-one-would-ever-fit-in-seventy-two-columns-amd64";
        for (cpu, cores) in [(cpu, 2), ("AMD EPYC 7B13 64-Core Processor", 256)] {
            let h = header_line(cpu, cores, kernel);
            assert!(h.lines().all(|l| l.chars().count() <= 72), "{h}");
            let joined: String = h.split_whitespace().collect();
            let want: String =
                format!("mmap write-lock cycles/s on {cpu} ({cores} cores), Linux {kernel}")
                    .split_whitespace()
                    .collect();
            assert_eq!(joined, want);
        }
    }
}
