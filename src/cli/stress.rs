//! `seqwrap stress`: the protocol on real threads and atomics, or
//! (`--kernel`) the kernel's own mmap_lock write-lock rate.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use seqwrap::Error;
use seqwrap::stress::{
    KernelConfig, KernelOp, KernelReport, StressConfig, StressReport, kernel_probe, stress,
};

use seqwrap::timing::{FlagExt, human_duration, parse_count, parse_positive_time};

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
    /// Writer cycles in each timed run (default 2^22; a count: 4194304,
    /// 4e6, 2^22).
    #[arg(long, value_name = "C")]
    pub timing_cycles: Option<String>,
    /// Refuse schemes whose windows need more writer cycles than this in all
    /// (default 2^33; a 64-bit counter needs 2^63).
    #[arg(long, value_name = "C")]
    pub max_cycles: Option<String>,
    /// Measure the kernel's mmap write-lock rate instead of a scheme (Linux).
    #[arg(long)]
    pub kernel: bool,
    /// --kernel: munmap-null, mprotect or mmap-munmap.
    #[arg(long, value_name = "OP")]
    pub op: Option<String>,
    /// --kernel: threads calling the operation (default 1).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// --kernel: total measuring time, a time with a unit (2s, 500ms;
    /// default 1s).
    #[arg(long, value_name = "D")]
    pub duration: Option<String>,
    /// --kernel: timed runs (the rate is their median; default 5).
    #[arg(long, value_name = "R")]
    pub runs: Option<usize>,
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

/// Run `seqwrap stress`.
pub fn run(args: &Args) -> anyhow::Result<()> {
    if args.kernel {
        return run_kernel(args);
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
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_stress(&report);
    }
    Ok(())
}

fn print_stress(r: &StressReport) {
    let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!(
        "stress {} {} ({} bits): {} writer(s), one reader parked in its window",
        r.scheme,
        params.join(" "),
        r.bits,
        r.writers
    );
    println!(
        "closed-form minimal cycles to a false positive: {}",
        r.predicted_min_cycles.as_deref().unwrap_or("none")
    );
    for (i, w) in r.windows.iter().enumerate() {
        println!("window {}: {}", i + 1, w.plan);
        if w.begin_passes > 1 {
            println!(
                "  begin loads ran {} times (hi moved: re-read)",
                w.begin_passes
            );
        }
        if !w.end_gap_cycles.is_empty() {
            println!("  cycles between the end loads: {:?}", w.end_gap_cycles);
        }
        if let Some(early) = w.end_check_one_cycle_earlier {
            println!("  end check one cycle earlier: {}", early.label());
        }
        if w.guard_waited {
            println!("  writer waited at the wrap for the reader's grace period");
        }
        println!(
            "  {} after {} writer cycles in the window (data read {} then {}; {:.3} s)",
            w.outcome.label(),
            w.window_cycles,
            w.data_a,
            w.data_b,
            w.data_phase_s
        );
    }
    for why in &r.skipped {
        println!("skipped: {why}");
    }
    match r.observed_at_cycles {
        Some(n) => println!("FALSE POSITIVE observed at {n} cycles"),
        None => println!("no false positive observed"),
    }
    let (lo, hi) = r
        .ns_per_cycle_runs
        .iter()
        .fold((f64::INFINITY, 0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    println!(
        "ns per write cycle: {:.2} (median of {} runs of {} cycles; {:.2}..{:.2})",
        r.ns_per_cycle,
        r.ns_per_cycle_runs.len(),
        r.timing_cycles,
        lo,
        hi
    );
    println!("{}", r.note);
}

fn run_kernel(args: &Args) -> anyhow::Result<()> {
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
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_kernel(&report);
    }
    Ok(())
}

fn print_kernel(r: &KernelReport) {
    println!(
        "kernel {}: mmap write-lock cycles via {} ({} thread(s))",
        r.kernel, r.op, r.threads
    );
    if let (Some(name), Some(code)) = (&r.errno, r.errno_code) {
        println!("munmap(1, 0) returns -1, errno {name} ({code}), on every call");
    }
    println!(
        "rate: {:.0} cycles/s = {:.1} ns a cycle (median of {} runs of {:.3} s)",
        r.cycles_per_s,
        r.ns_per_cycle,
        r.cycles_per_s_runs.len(),
        r.run_s
    );
    println!(
        "32-bit mm_lock_seq wraps (2^31 cycles) in {}",
        human_duration(r.wrap_s_32)
    );
    println!(
        "64-bit mm_lock_seq wraps (2^63 cycles) in {}",
        human_duration(r.wrap_s_64)
    );
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
}
