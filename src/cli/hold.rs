//! `seqwrap stress --kernel --hold userfaultfd` and `--uprobe-trap`: a real
//! hold counted by tracepoint, and the uprobe trap round trip.

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use seqwrap::Error;
use seqwrap::stress::hold::{HoldOutcome, HoldUntil, uffd_hold};
use seqwrap::stress::uprobe::{TrapOutcome, trap_round_trip};
use seqwrap::text::table::hang;
use seqwrap::timing::{FlagExt, human_duration, parse_count, parse_positive_time};

/// The flags of both measurements, as given.
pub struct Flags {
    /// `--hold MECH`.
    pub hold: Option<String>,
    /// `--hold-for D`.
    pub hold_for: Option<String>,
    /// `--full`.
    pub full: bool,
    /// `--hold-writers N`.
    pub writers: Option<usize>,
    /// `--uprobe-trap`.
    pub uprobe_trap: bool,
    /// `--calls N`.
    pub calls: Option<String>,
    /// `--json`.
    pub json: bool,
}

/// The hold mechanisms this command can make real.
const MECHANISMS: &[(&str, ())] = &[("userfaultfd", ())];

/// 2^31: a 32-bit seqcount's wrap in write-lock acquisitions (each
/// mmap_write_lock()/unlock pair adds 2).
const WRAP_32: u64 = 1 << 31;

/// Run whichever was asked.
pub fn run(f: &Flags, out: &mut dyn Write) -> anyhow::Result<()> {
    if f.uprobe_trap {
        for (flag, given) in [
            ("--hold", f.hold.is_some()),
            ("--hold-for", f.hold_for.is_some()),
            ("--full", f.full),
            ("--hold-writers", f.writers.is_some()),
        ] {
            if given {
                return Err(
                    Error::usage(format!("{flag} does not apply with --uprobe-trap")).into(),
                );
            }
        }
        return run_trap(f, out);
    }
    if f.calls.is_some() {
        return Err(Error::usage("--calls applies only with --uprobe-trap").into());
    }
    let mech = f.hold.as_deref().unwrap_or_default();
    seqwrap::site::file::lookup("--hold", mech, MECHANISMS).map_err(Error::usage)?;
    let limit = match &f.hold_for {
        Some(t) => parse_positive_time(t).flag("--hold-for")?,
        None if f.full => 7200.0,
        None => 10.0,
    };
    if limit > 86400.0 {
        return Err(Error::usage(format!(
            "--hold-for: {} is over a day; allowed: a time > 0 up to 1d",
            human_duration(limit)
        ))
        .into());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let writers = f.writers.unwrap_or(cores);
    if writers == 0 || writers > 1024 {
        return Err(Error::usage(format!(
            "--hold-writers: {writers}; allowed: 1 to 1024 threads"
        ))
        .into());
    }
    let until = if f.full {
        HoldUntil::Acquisitions {
            target: WRAP_32,
            limit: Duration::from_secs_f64(limit),
        }
    } else {
        HoldUntil::For(Duration::from_secs_f64(limit))
    };
    let bar = ProgressBar::with_draw_target(
        Some(if f.full {
            WRAP_32
        } else {
            (limit * 1000.0) as u64
        }),
        ProgressDrawTarget::stderr(),
    );
    let template = if f.full {
        "{elapsed_precise} held [{bar:40}] {pos}/{len} write acquisitions ETA {eta}"
    } else {
        "{elapsed_precise} held [{bar:40}] {msg}"
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let r = uffd_hold(writers, until, &|n, el| {
        if f.full {
            bar.set_position(n.min(WRAP_32));
        } else {
            bar.set_position((el * 1000.0) as u64);
            bar.set_message(format!("{n} write acquisitions"));
        }
    });
    bar.finish_and_clear();
    let r = r?;
    if f.json {
        return super::print_json(out, "stress", seqwrap::text::json::value(&r)?);
    }
    match r {
        HoldOutcome::Skipped { reason } => {
            out.write_all(hang("", &format!("hold: skipped: {reason}")).as_bytes())?;
        }
        HoldOutcome::Measured(h) => {
            let mut t = hang(
                "",
                &format!(
                    "A real hold: one thread blocked in a kernel user access, \
                     {} writer thread(s) of the same mm running munmap(1, 0), \
                     Linux {}.",
                    h.writers,
                    seqwrap::host::sys::kernel_release()
                ),
            );
            t += &hang("  ", &format!("held: {} ({})", h.access, h.uffd_via));
            t += &hang(
                "  ",
                &format!(
                    "the held thread: state {}, sleeping in {}",
                    h.state.as_deref().unwrap_or("unknown"),
                    h.blocked_in.as_deref().unwrap_or("(wchan not readable)")
                ),
            );
            t += &format!(
                "  held {}; writers ran {} of it\n",
                human_duration(h.held_s),
                human_duration(h.writing_s)
            );
            t += &hang(
                "  ",
                &format!(
                    "write acquisitions inside the hold, by tracepoint: {} \
                     (the writers' own munmap calls: {})",
                    h.counted, h.calls
                ),
            );
            t += &format!("  rate inside the hold: {:.3e}/s\n", h.rate);
            if let (Some(target), Some(reached)) = (h.target, h.reached) {
                t += &hang(
                    "  ",
                    &if reached {
                        format!(
                            "2^31 = {target} write acquisitions inside one hold: reached; \
                             the writers ran {} (counted {} at the last poll, every 0.25 s)",
                            human_duration(h.writing_s),
                            h.counted
                        )
                    } else {
                        format!(
                            "2^31 = {target} write acquisitions: not reached within {} \
                             ({} counted)",
                            human_duration(h.writing_s),
                            h.counted
                        )
                    },
                );
            }
            t += &format!(
                "  the held read() returned {} once released\n",
                h.read_returned
            );
            out.write_all(t.as_bytes())?;
        }
    }
    Ok(())
}

fn run_trap(f: &Flags, out: &mut dyn Write) -> anyhow::Result<()> {
    let calls = match &f.calls {
        Some(c) => parse_count(c).flag("--calls")?,
        None => 100_000,
    };
    if calls == 0 || calls > 100_000_000 {
        return Err(Error::usage(format!("--calls: {calls}; allowed: 1 to 1e8 calls")).into());
    }
    let r = trap_round_trip(calls)?;
    if f.json {
        return super::print_json(out, "stress", seqwrap::text::json::value(&r)?);
    }
    match r {
        TrapOutcome::Skipped { reason } => {
            out.write_all(hang("", &format!("uprobe trap: skipped: {reason}")).as_bytes())?;
        }
        TrapOutcome::Measured(t) => {
            let ns = |x: f64| human_duration(x * 1e-9);
            let mut s = hang(
                "",
                &format!(
                    "The uprobe trap round trip, Linux {}: a tracefs uprobe on a \
                     function of this binary, {} calls, each timed.",
                    seqwrap::host::sys::kernel_release(),
                    t.probed.calls
                ),
            );
            s += &hang("  ", &format!("probe: {}", t.probe));
            s += &format!(
                "  with the probe:    p50 {}, p99 {}, max {}\n",
                ns(t.probed.p50_ns),
                ns(t.probed.p99_ns),
                ns(t.probed.max_ns)
            );
            s += &format!(
                "  without the probe: p50 {}, p99 {}, max {}\n",
                ns(t.bare.p50_ns),
                ns(t.bare.p99_ns),
                ns(t.bare.max_ns)
            );
            s += &format!("  hits counted by the kernel: {}\n", t.hits);
            out.write_all(s.as_bytes())?;
        }
    }
    Ok(())
}
