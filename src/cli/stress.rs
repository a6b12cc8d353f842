//! `seqwrap stress`: the protocol on real threads and atomics, or
//! (`--kernel`) the kernel's own mmap_lock write-lock rate.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use seqwrap::Error;
use seqwrap::stress::{
    KernelConfig, KernelOp, KernelReport, StressConfig, StressReport, kernel_probe, stress,
};

use super::scheme_args::SchemeArgs;

/// Arguments of `seqwrap stress`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scheme (not with --kernel).
    #[command(flatten)]
    pub scheme: SchemeArgs,
    /// Writer threads; they serialise on the lock (default 1).
    #[arg(long, value_name = "N")]
    pub writers: Option<usize>,
    /// Timed runs for ns per cycle, reported as their median (default 5).
    #[arg(long, value_name = "R")]
    pub timing_runs: Option<usize>,
    /// Writer cycles in each timed run (default 4194304 = 2^22).
    #[arg(long, value_name = "C")]
    pub timing_cycles: Option<u64>,
    /// Refuse schemes whose windows need more writer cycles than this in all
    /// (default 8589934592 = 2^33; a 64-bit counter needs 2^63).
    #[arg(long, value_name = "C")]
    pub max_cycles: Option<u64>,
    /// Measure the kernel's mmap write-lock rate instead of a scheme (Linux).
    #[arg(long)]
    pub kernel: bool,
    /// --kernel: munmap-null, mprotect or mmap-munmap.
    #[arg(long, value_name = "OP")]
    pub op: Option<String>,
    /// --kernel: threads calling the operation (default 1).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// --kernel: total measuring time, e.g. 2s, 500ms (default 1s).
    #[arg(long, value_name = "D")]
    pub duration: Option<String>,
    /// --kernel: timed runs (the rate is their median; default 5).
    #[arg(long, value_name = "R")]
    pub runs: Option<usize>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Parse `2s`, `500ms`, `1.5` (seconds), `1m`.
fn parse_duration(s: &str) -> seqwrap::Result<Duration> {
    let t = s.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0 && v * scale <= 3600.0)
        .map(|v| Duration::from_secs_f64(v * scale))
        .ok_or_else(|| {
            Error::usage(format!(
                "--duration: '{s}' is not a duration; allowed: e.g. 2s, 500ms, 1.5 (seconds), up to 3600 s"
            ))
        })
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
  seqwrap stress --scheme plain --bits 32
  seqwrap stress --scheme split --hi 16 --lo 16 --read naive
  seqwrap stress --kernel
  seqwrap stress --kernel --op mprotect --threads 2 --duration 2s --json";

/// Run `seqwrap stress`.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<()> {
    if args.kernel {
        return run_kernel(args, out);
    }
    for (flag, given) in [
        ("--op", args.op.is_some()),
        ("--threads", args.threads.is_some()),
        ("--duration", args.duration.is_some()),
        ("--runs", args.runs.is_some()),
    ] {
        if given {
            return Err(Error::usage(format!("{flag} applies only with --kernel")).into());
        }
    }
    let spec = args.scheme.spec()?;
    let d = StressConfig::default();
    let cfg = StressConfig {
        writers: args.writers.unwrap_or(d.writers),
        timing_runs: args.timing_runs.unwrap_or(d.timing_runs),
        timing_cycles: args.timing_cycles.unwrap_or(d.timing_cycles),
        max_cycles: args.max_cycles.unwrap_or(d.max_cycles),
    };
    let total = seqwrap::stress::planned_cycles(&spec, &cfg)?;
    let bar = LateBar::new(total, "cycles");
    let report = stress(&spec, &cfg, &|done, _| bar.set(done));
    bar.finish();
    let report = report?;
    if args.json {
        let mut v = seqwrap::export::json::value(&report)?;
        seqwrap::export::json::promote_exact(&mut v, &["predicted_min_cycles"]);
        super::print_json(out, "stress", v)?;
    } else {
        print_stress(&report, out)?;
    }
    Ok(())
}

fn print_stress(r: &StressReport, out: &mut dyn Write) -> std::io::Result<()> {
    let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    writeln!(
        out,
        "stress {} {} ({} bits): {} writer(s), one reader parked in its window",
        r.scheme,
        params.join(" "),
        r.bits,
        r.writers
    )?;
    writeln!(
        out,
        "closed-form minimal cycles to a false positive: {}",
        r.predicted_min_cycles.as_deref().unwrap_or("none")
    )?;
    for (i, w) in r.windows.iter().enumerate() {
        writeln!(out, "window {}: {}", i + 1, w.plan)?;
        if w.begin_passes > 1 {
            writeln!(
                out,
                "  begin loads ran {} times (hi moved: re-read)",
                w.begin_passes
            )?;
        }
        if !w.end_gap_cycles.is_empty() {
            writeln!(
                out,
                "  cycles between the end loads: {:?}",
                w.end_gap_cycles
            )?;
        }
        if let Some(early) = w.end_check_one_cycle_earlier {
            writeln!(out, "  end check one cycle earlier: {}", early.label())?;
        }
        if w.guard_waited {
            writeln!(
                out,
                "  writer waited at the wrap for the reader's grace period"
            )?;
        }
        writeln!(
            out,
            "  {} after {} writer cycles in the window (data read {} then {}; {:.3} s)",
            w.outcome.label(),
            w.window_cycles,
            w.data_a,
            w.data_b,
            w.data_phase_s
        )?;
    }
    for why in &r.skipped {
        writeln!(out, "skipped: {why}")?;
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

fn run_kernel(args: &Args, out: &mut dyn Write) -> anyhow::Result<()> {
    let s = &args.scheme;
    for (flag, given) in [
        ("--scheme", s.scheme.is_some()),
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
                "{flag} does not apply with --kernel; it takes: --op --threads --duration --runs"
            ))
            .into());
        }
    }
    let d = KernelConfig::default();
    let cfg = KernelConfig {
        op: match &args.op {
            Some(o) => o.parse::<KernelOp>()?,
            None => d.op,
        },
        threads: args.threads.unwrap_or(d.threads),
        duration: match &args.duration {
            Some(t) => parse_duration(t)?,
            None => d.duration,
        },
        runs: args.runs.unwrap_or(d.runs),
    };
    let bar = LateBar::new(cfg.runs as u64, "runs");
    let report = kernel_probe(&cfg, &|done, _| bar.set(done as u64));
    bar.finish();
    let report = report?;
    if args.json {
        super::print_json(out, "stress", seqwrap::export::json::value(&report)?)?;
    } else {
        print_kernel(&report, out)?;
    }
    Ok(())
}

fn human(s: f64) -> String {
    let year = 365.25 * 86400.0;
    if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 2.0 * 86400.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s < year {
        format!("{:.1} days", s / 86400.0)
    } else {
        format!("{:.3e} years", s / year)
    }
}

fn print_kernel(r: &KernelReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "kernel {}: mmap write-lock cycles via {} ({} thread(s))",
        r.kernel, r.op, r.threads
    )?;
    if let (Some(name), Some(code)) = (&r.errno, r.errno_code) {
        writeln!(
            out,
            "munmap(1, 0) returns -1, errno {name} ({code}), on every call"
        )?;
    }
    writeln!(
        out,
        "rate: {:.0} cycles/s = {:.1} ns a cycle (median of {} runs of {:.3} s)",
        r.cycles_per_s,
        r.ns_per_cycle,
        r.cycles_per_s_runs.len(),
        r.run_s
    )?;
    writeln!(
        out,
        "32-bit mm_lock_seq wraps (2^31 cycles) in {}",
        human(r.wrap_s_32)
    )?;
    writeln!(
        out,
        "64-bit mm_lock_seq wraps (2^63 cycles) in {}",
        human(r.wrap_s_64)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        for bad in ["", "x", "-1s", "0", "5h", "99999"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
