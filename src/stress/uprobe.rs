//! The uprobe trap round trip on this machine: a tracefs uprobe on a
//! function of this binary, called many times, each call timed. A hit runs
//! `handle_swbp()`, whose speculative lookup
//! (`find_active_uprobe_speculative()`, kernel/events/uprobes.c) is the
//! uprobes reader site; the whole trap is an upper bound on that reader's
//! window when nothing holds it.
//!
//! The probe's hit count (`uprobe_profile`) is checked against the calls,
//! so a probe that did not fire cannot pass for a fast one.

use std::fs;
use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::host::tracefs::Tracer;

/// The probed function: never inlined, called through a pointer.
#[inline(never)]
fn target(x: u64) -> u64 {
    black_box(x).wrapping_mul(3).wrapping_add(1)
}

/// Percentiles of per-call times, nanoseconds.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Times {
    /// Calls timed.
    pub calls: u64,
    /// Median.
    pub p50_ns: f64,
    /// 99th percentile.
    pub p99_ns: f64,
    /// Longest.
    pub max_ns: f64,
}

impl Times {
    fn of(mut ns: Vec<u64>) -> Times {
        ns.sort_unstable();
        let q = |p: f64| ns[((ns.len() - 1) as f64 * p).round() as usize] as f64;
        Times {
            calls: ns.len() as u64,
            p50_ns: q(0.5),
            p99_ns: q(0.99),
            max_ns: *ns.last().expect("at least one call") as f64,
        }
    }
}

/// What the measurement found.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct TrapReport {
    /// The probe as written to `uprobe_events`.
    pub probe: String,
    /// Each call with the probe armed.
    pub probed: Times,
    /// The same calls without it.
    pub bare: Times,
    /// Hits the kernel counted (`uprobe_profile`).
    pub hits: u64,
}

/// Measured, or why not here.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum TrapOutcome {
    /// Measured.
    Measured(TrapReport),
    /// Not available here, with the reason.
    Skipped {
        /// One line.
        reason: String,
    },
}

/// The file and offset of `addr` in this process's executable mappings.
fn file_offset(addr: usize) -> Option<(String, u64)> {
    let maps = fs::read_to_string("/proc/self/maps").ok()?;
    for l in maps.lines() {
        let mut f = l.split_whitespace();
        let (range, perms, off) = (f.next()?, f.next()?, f.next()?);
        let path = f.nth(2)?;
        let (a, b) = range.split_once('-')?;
        let (a, b) = (
            usize::from_str_radix(a, 16).ok()?,
            usize::from_str_radix(b, 16).ok()?,
        );
        if (a..b).contains(&addr) && perms.contains('x') && path.starts_with('/') {
            let off = u64::from_str_radix(off, 16).ok()?;
            return Some((path.to_string(), (addr - a) as u64 + off));
        }
    }
    None
}

fn time_calls(calls: u64) -> Vec<u64> {
    let f: fn(u64) -> u64 = black_box(target);
    let mut out = Vec::with_capacity(calls as usize);
    for i in 0..calls {
        let t = Instant::now();
        black_box(f(i));
        out.push(t.elapsed().as_nanos() as u64);
    }
    out
}

fn append(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    // O_APPEND: a plain write to uprobe_events clears every probe on the
    // machine.
    let mut f = fs::OpenOptions::new().append(true).open(path)?;
    f.write_all(format!("{line}\n").as_bytes())
}

/// Arm a uprobe on [`target`], time `calls` calls with it and without it,
/// and read the kernel's hit count. Everything is removed afterwards.
pub fn trap_round_trip(calls: u64) -> Result<TrapOutcome> {
    let skip = |reason: String| Ok(TrapOutcome::Skipped { reason });
    if calls == 0 {
        return Err(Error::usage("--calls: 0; allowed: a count of at least 1"));
    }
    if !cfg!(target_os = "linux") {
        return skip("uprobes need Linux".into());
    }
    let tracer = match Tracer::open(64) {
        Ok(t) => t,
        Err(e) => return skip(e.0),
    };
    let events = tracer.root().join("uprobe_events");
    if !events.exists() {
        return skip(format!(
            "{} does not exist (a kernel without CONFIG_UPROBE_EVENTS)",
            events.display()
        ));
    }
    let f: fn(u64) -> u64 = target;
    let Some((path, off)) = file_offset(f as usize) else {
        return skip("cannot find this binary's executable mapping in /proc/self/maps".into());
    };
    if path.contains(char::is_whitespace) {
        return skip(format!(
            "the binary's path '{path}' has a space; uprobe_events cannot name it"
        ));
    }
    // uprobe_profile names an event without its group: the name alone
    // must be unique.
    let pid = std::process::id();
    let name = format!("seqwrap_trap_{pid}");
    let probe = format!("p:seqwrap_{pid}/{name} {path}:0x{off:x}");
    if let Err(e) = append(&events, &probe) {
        return skip(format!("cannot add a uprobe ({}): {e}", events.display()));
    }
    let event = format!("seqwrap_{pid}/{name}");
    let remove = || {
        let _ = tracer.enable(&event, false);
        let _ = append(&events, &format!("-:{event}"));
    };
    // Warm up: page the function and the timing code in.
    black_box(time_calls(calls.min(1000)));
    if let Err(e) = tracer.enable(&event, true) {
        remove();
        return skip(format!("cannot enable the uprobe: {e}"));
    }
    let probed = time_calls(calls);
    let _ = tracer.enable(&event, false);
    let profile = fs::read_to_string(tracer.root().join("uprobe_profile")).unwrap_or_default();
    remove();
    let hits = profile
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some(name.as_str()))
        .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
        .next();
    let bare = time_calls(calls);
    let Some(hits) = hits else {
        return Err(Error::Run(format!(
            "uprobe {event}: not found in uprobe_profile, so its hits cannot be checked"
        )));
    };
    if hits < calls {
        return Err(Error::Run(format!(
            "uprobe {event}: {hits} hits for {calls} calls: the probe did not fire on every call"
        )));
    }
    Ok(TrapOutcome::Measured(TrapReport {
        probe,
        probed: Times::of(probed),
        bare: Times::of(bare),
        hits,
    }))
}
