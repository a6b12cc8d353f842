//! Accidental write rates: which mms take the mmap write lock, and how
//! often, while the machine does something real.
//!
//! An attacker's `munmap(1, 0)` loop is the top of the range; the accident
//! analysis needs what ordinary work does. [`observe`] records
//! `mmap_lock/mmap_lock_acquire_returned` with `write=true` system-wide in
//! its own tracefs instance for a while (or for as long as a workload it
//! started runs), streaming `trace_pipe` so the ring buffer does not
//! overflow, and reports per-mm counts and rates.
//!
//! An mm is identified by the (hashed) pointer the tracepoint prints
//! together with the process (tgid) that used it: mm structures are freed
//! and reused, and `exec` replaces a process's mm, so the pointer alone
//! would merge unrelated processes over a build that starts hundreds.
//!
//! Rates per mm: `mean_rate_per_s` over the mm's own active span (first to
//! last acquisition, at least one bin), and `peak_rate_per_s`, the busiest
//! bin (10 ms by default: short enough that a burst shows) divided by the bin length. Both are averages
//! over at least a bin: a burst shorter than a bin is diluted, never
//! inflated.
//!
//! [`Workload::CargoBuild`] is a workload the report can start itself on a
//! fresh machine: an offline `cargo build` of a generated dependency-free
//! workspace in a temporary directory (library crates only, so no linker
//! is needed), `quick` or `full`.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::host::Host;
use crate::host::tracefs::{TraceEvent, Tracer};

/// How long and how to summarise.
#[derive(Clone, Debug)]
pub struct ObserveConfig {
    /// How long to record; with a workload, the most it may run (it is
    /// killed at the deadline and the report says so).
    pub duration: Duration,
    /// How many mms to list (busiest first).
    pub top: usize,
    /// Bin for peak rates.
    pub bin: Duration,
}

impl Default for ObserveConfig {
    fn default() -> Self {
        ObserveConfig {
            duration: Duration::from_secs(10),
            top: 10,
            bin: Duration::from_millis(10),
        }
    }
}

/// How much work the generated build does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkloadSize {
    /// A few seconds of compiling: for tests and a shortened report.
    Quick,
    /// About 15-25 s on two busy cores.
    Full,
}

impl FromStr for WorkloadSize {
    type Err = Error;
    fn from_str(s: &str) -> Result<WorkloadSize> {
        match s {
            "quick" => Ok(WorkloadSize::Quick),
            "full" => Ok(WorkloadSize::Full),
            _ => Err(Error::usage(format!(
                "--workload-size: '{s}'; allowed: quick, full"
            ))),
        }
    }
}

/// A workload [`observe`] can start and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Workload {
    /// `cargo build --offline` of a generated workspace.
    CargoBuild {
        /// How much to compile.
        size: WorkloadSize,
    },
}

impl FromStr for Workload {
    type Err = Error;
    fn from_str(s: &str) -> Result<Workload> {
        match s {
            "cargo-build" => Ok(Workload::CargoBuild {
                size: WorkloadSize::Full,
            }),
            _ => Err(Error::usage(format!(
                "--workload: '{s}'; allowed: cargo-build"
            ))),
        }
    }
}

impl Workload {
    /// (crates, modules per crate, items per module).
    fn shape(&self) -> (usize, usize, usize) {
        match self {
            Workload::CargoBuild {
                size: WorkloadSize::Quick,
            } => (2, 2, 3),
            Workload::CargoBuild {
                size: WorkloadSize::Full,
            } => (4, 6, 6),
        }
    }

    /// One line naming the workload, for reports.
    pub fn describe(&self) -> String {
        let (c, m, i) = self.shape();
        let size = match self {
            Workload::CargoBuild { size } => match size {
                WorkloadSize::Quick => "quick",
                WorkloadSize::Full => "full",
            },
        };
        format!(
            "cargo build --offline (debug) of a generated workspace: {c} crates x {m} modules x {i} items ({size})"
        )
    }
}

/// The workload as it ran.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct WorkloadRun {
    /// [`Workload::describe`].
    pub name: String,
    /// The command line.
    pub command: String,
    /// `exit 0`, `exit N`, `killed at the deadline`, ...
    pub outcome: String,
    /// Whether it ran to a successful end.
    pub completed: bool,
    /// Its wall time, seconds.
    pub wall_s: f64,
    /// The end of its error output when it failed.
    pub stderr_tail: Option<String>,
}

/// One mm (in one process) and its write-lock rate.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct ObservedMm {
    /// The mm as the trace printed it (hashed pointer).
    pub mm: String,
    /// The process that used it, when recorded.
    pub tgid: Option<u32>,
    /// The process's name (`/proc/TGID/comm` when the mm was first seen;
    /// `None` when it had already exited).
    pub process: Option<String>,
    /// Thread names the trace recorded taking its write lock (`<...>`:
    /// unknown to the trace).
    pub names: Vec<String>,
    /// Successful write acquisitions.
    pub acquisitions: u64,
    /// First and last acquisition, seconds after the first event of the
    /// whole recording.
    pub first_s: f64,
    /// See `first_s`.
    pub last_s: f64,
    /// acquisitions / max(last - first, bin).
    pub mean_rate_per_s: f64,
    /// The busiest bin's count / bin length.
    pub peak_rate_per_s: f64,
    /// This seqwrap process itself (the trace reader).
    pub is_self: bool,
    /// A process of the started workload (the workload's command or one
    /// of its descendants, judged from /proc when the mm was first seen).
    pub in_workload: bool,
}

impl ObservedMm {
    /// The process name, else the first thread name the trace knew.
    pub fn name(&self) -> &str {
        self.process
            .as_deref()
            .or(self.names.first().map(String::as_str))
            .unwrap_or("<...>")
    }
}

/// The result of [`observe`]: the JSON of `stress --kernel --observe`.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct ObserveReport {
    /// Whether recording was possible.
    pub available: bool,
    /// Why not, when not.
    pub reason: Option<String>,
    /// Where.
    pub machine: Host,
    /// The workload started, if any.
    pub workload: Option<WorkloadRun>,
    /// Recording time, seconds.
    pub window_s: f64,
    /// Bin for peak rates, seconds.
    pub bin_s: f64,
    /// Write acquisitions by everyone.
    pub total_acquisitions: u64,
    /// total / window.
    pub total_rate_per_s: f64,
    /// Distinct (mm, process) pairs seen.
    pub distinct_mms: usize,
    /// The busiest mms, by acquisitions.
    pub mms: Vec<ObservedMm>,
    /// The highest `peak_rate_per_s` over all mms (not only the listed
    /// ones), excluding this process.
    pub max_peak_rate_per_s: f64,
    /// Acquisitions by the workload's processes (0 without a workload).
    pub workload_acquisitions: u64,
    /// Distinct (mm, process) pairs of the workload.
    pub workload_mms: usize,
    /// The highest `peak_rate_per_s` among the workload's mms.
    pub workload_max_peak_rate_per_s: f64,
    /// The highest `mean_rate_per_s` among the workload's mms.
    pub workload_max_mean_rate_per_s: f64,
    /// Events the kernel dropped (a full ring buffer): counts are then
    /// lower bounds.
    pub lost_events: u64,
}

impl ObserveReport {
    fn unavailable(why: String) -> ObserveReport {
        ObserveReport {
            available: false,
            reason: Some(why),
            machine: Host::current(),
            workload: None,
            window_s: 0.0,
            bin_s: 0.0,
            total_acquisitions: 0,
            total_rate_per_s: 0.0,
            distinct_mms: 0,
            mms: Vec::new(),
            max_peak_rate_per_s: 0.0,
            workload_acquisitions: 0,
            workload_mms: 0,
            workload_max_peak_rate_per_s: 0.0,
            workload_max_mean_rate_per_s: 0.0,
            lost_events: 0,
        }
    }
}

#[derive(Default)]
struct Acc {
    process: Option<String>,
    in_workload: bool,
    count: u64,
    first: f64,
    last: f64,
    names: BTreeSet<String>,
    bins: HashMap<i64, u32>,
}

/// Per (mm, tgid) tallies, fed from the trace reader.
struct MmTally<'a> {
    /// The workload's pid once started (0 before).
    workload: Option<&'a AtomicU32>,
    bin: f64,
    t0: Option<f64>,
    by: HashMap<(String, Option<u32>), Acc>,
    total: u64,
}

/// Whether `pid` is `root` or descends from it, following parent pids in
/// /proc (at most 64 steps; a process that already exited is not).
fn descends_from(pid: u32, root: u32) -> bool {
    let mut p = pid;
    for _ in 0..64 {
        if p == root {
            return true;
        }
        if p <= 1 {
            return false;
        }
        // /proc/P/stat: "pid (comm) state ppid ..."; comm may hold spaces
        // and parentheses, so split after the last ')'.
        let Some(ppid) = std::fs::read_to_string(format!("/proc/{p}/stat"))
            .ok()
            .and_then(|st| {
                let rest = &st[st.rfind(')')? + 1..];
                rest.split_whitespace().nth(1)?.parse::<u32>().ok()
            })
        else {
            return false;
        };
        p = ppid;
    }
    false
}

impl<'a> MmTally<'a> {
    fn new(bin: Duration, workload: Option<&'a AtomicU32>) -> MmTally<'a> {
        MmTally {
            workload,
            bin: bin.as_secs_f64(),
            t0: None,
            by: HashMap::new(),
            total: 0,
        }
    }

    fn add(&mut self, e: TraceEvent) {
        if !e.success {
            return;
        }
        self.total += 1;
        let t0 = *self.t0.get_or_insert(e.ts);
        let t = e.ts - t0;
        let key = (e.mm, e.tgid);
        let new = !self.by.contains_key(&key);
        let a = self.by.entry(key).or_default();
        if new {
            a.first = t;
            // The process may still be alive: its current name helps when
            // the trace only knew `<...>`.
            if let Some(pid) = e.tgid
                && let Ok(c) = std::fs::read_to_string(format!("/proc/{pid}/comm"))
            {
                a.process = Some(c.trim().to_string());
            }
            let root = self.workload.map_or(0, |w| w.load(Ordering::Acquire));
            if let Some(pid) = e.tgid
                && root != 0
            {
                a.in_workload = descends_from(pid, root);
            }
        }
        a.count += 1;
        a.last = t;
        if a.names.len() < 4 {
            a.names.insert(e.comm);
        }
        *a.bins.entry((t / self.bin).floor() as i64).or_default() += 1;
    }

    fn finish(self, top: usize) -> Finished {
        let me = std::process::id();
        let bin = self.bin;
        let mut all: Vec<ObservedMm> = self
            .by
            .into_iter()
            .map(|((mm, tgid), a)| {
                let peak = a.bins.values().copied().max().unwrap_or(0);
                let mut names: Vec<String> = a.names.into_iter().collect();
                // Known names first.
                names.sort_by_key(|n| n.starts_with('<'));
                ObservedMm {
                    mm,
                    tgid,
                    process: a.process,
                    names,
                    acquisitions: a.count,
                    first_s: a.first,
                    last_s: a.last,
                    mean_rate_per_s: a.count as f64 / (a.last - a.first).max(bin),
                    peak_rate_per_s: f64::from(peak) / bin,
                    is_self: tgid == Some(me),
                    in_workload: a.in_workload,
                }
            })
            .collect();
        let distinct = all.len();
        let max_peak = all
            .iter()
            .filter(|m| !m.is_self)
            .map(|m| m.peak_rate_per_s)
            .fold(0.0, f64::max);
        let w: Vec<&ObservedMm> = all.iter().filter(|m| m.in_workload).collect();
        let workload = (
            w.iter().map(|m| m.acquisitions).sum(),
            w.len(),
            w.iter().map(|m| m.peak_rate_per_s).fold(0.0, f64::max),
            w.iter().map(|m| m.mean_rate_per_s).fold(0.0, f64::max),
        );
        all.sort_by(|a, b| {
            b.acquisitions
                .cmp(&a.acquisitions)
                .then_with(|| a.mm.cmp(&b.mm))
        });
        all.truncate(top);
        Finished {
            mms: all,
            distinct,
            max_peak,
            workload,
        }
    }
}

struct Finished {
    mms: Vec<ObservedMm>,
    distinct: usize,
    max_peak: f64,
    /// (acquisitions, mms, max peak, max mean) of the workload.
    workload: (u64, usize, f64, f64),
}

/// A workload ready to start: its files and command.
struct Prepared {
    _dir: tempfile::TempDir,
    cmd: Command,
    line: String,
    stderr: PathBuf,
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The generated code of one library crate: generic functions and derived
/// traits instantiated at several types, so rustc does real type checking,
/// monomorphisation and code generation. Deterministic.
fn crate_source(c: usize, modules: usize, items: usize) -> String {
    let mut s = String::from("#![allow(dead_code, clippy::all)]\n");
    for m in 0..modules {
        let _ = writeln!(s, "pub mod m{m} {{");
        for i in 0..items {
            let _ = writeln!(
                s,
                "    #[derive(Clone, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]\n    \
                 pub struct S{i} {{ pub a: Vec<u64>, pub b: String, pub c: Option<Box<S{i}>>, pub d: [u32; {n}] }}\n    \
                 impl S{i} {{\n        \
                 pub fn mix(&self, x: u64) -> u64 {{ self.a.iter().fold(x ^ {c}{m}{i}, |h, v| h.rotate_left({r}).wrapping_mul(0x9e3779b97f4a7c15) ^ v) }}\n        \
                 pub fn grow(&mut self, n: usize) {{ for k in 0..n {{ self.a.push(self.mix(k as u64)); self.b.push_str(&format!(\"{{k:x}}\")); }} }}\n    \
                 }}\n    \
                 pub fn g{i}<T: Clone + core::fmt::Debug + PartialOrd>(v: &[T]) -> Vec<String> {{\n        \
                 let mut w: Vec<T> = v.to_vec();\n        \
                 w.sort_by(|p, q| p.partial_cmp(q).unwrap_or(core::cmp::Ordering::Equal));\n        \
                 w.iter().map(|x| format!(\"{{x:?}}\")).collect()\n    \
                 }}\n    \
                 pub fn use{i}() -> usize {{\n        \
                 let mut s = S{i}::default(); s.grow({n});\n        \
                 g{i}(&[s.clone(), s]).len() + g{i}(&[1u8, 2]).len() + g{i}(&[\"x\", \"y\"]).len() + g{i}(&[(1u16, 'a')]).len()\n    \
                 }}",
                n = 3 + (i % 5),
                r = 1 + (i + m) % 31,
            );
        }
        let _ = writeln!(s, "}}");
    }
    s
}

impl Workload {
    fn prepare(&self) -> Result<Prepared> {
        let (crates, modules, items) = self.shape();
        let dir = tempfile::Builder::new()
            .prefix("seqwrap-workload-")
            .tempdir()
            .map_err(io_at(&std::env::temp_dir()))?;
        let root = dir.path();
        let members: Vec<String> = (0..crates).map(|c| format!("\"c{c}\"")).collect();
        let ws = root.join("Cargo.toml");
        std::fs::write(
            &ws,
            format!(
                "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
                members.join(", ")
            ),
        )
        .map_err(io_at(&ws))?;
        for c in 0..crates {
            let src = root.join(format!("c{c}")).join("src");
            std::fs::create_dir_all(&src).map_err(io_at(&src))?;
            let manifest = root.join(format!("c{c}")).join("Cargo.toml");
            std::fs::write(
                &manifest,
                format!(
                    "[package]\nname = \"seqwrap_workload_c{c}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n"
                ),
            )
            .map_err(io_at(&manifest))?;
            let lib = src.join("lib.rs");
            std::fs::write(&lib, crate_source(c, modules, items)).map_err(io_at(&lib))?;
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let stderr = root.join("stderr.txt");
        let mut cmd = Command::new(&cargo);
        cmd.args(["build", "--offline", "--quiet", "--manifest-path"])
            .arg(&ws)
            .env("CARGO_TARGET_DIR", root.join("target"))
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        let line = format!(
            "{} build --offline --quiet --manifest-path {}",
            Path::new(&cargo).display(),
            ws.display()
        );
        Ok(Prepared {
            _dir: dir,
            cmd,
            line,
            stderr,
        })
    }
}

fn tail(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(8);
    Some(lines[from..].join("\n")).filter(|s| !s.is_empty())
}

/// Wait for `child` until it exits or `deadline` passes (then kill it).
fn wait(child: &mut Child, start: Instant, deadline: Duration) -> Result<(String, bool)> {
    loop {
        if let Some(st) = child
            .try_wait()
            .map_err(|e| Error::Run(format!("waiting for the workload: {e}")))?
        {
            return Ok(match st.code() {
                Some(0) => ("exit 0".into(), true),
                Some(c) => (format!("exit {c}"), false),
                None => ("killed by a signal".into(), false),
            });
        }
        if start.elapsed() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(("killed at the deadline".into(), false));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Record write acquisitions system-wide for `cfg.duration`, or, with a
/// workload, from its start until it exits (at most `cfg.duration`).
///
/// When tracefs cannot be used the report has `available: false` and the
/// reason, and the workload is not run. Errors: `Usage` for a zero
/// duration, bin or top; `Run`/`Io` when the workload cannot be set up or
/// the trace cannot be read.
pub fn observe(cfg: &ObserveConfig, workload: Option<&Workload>) -> Result<ObserveReport> {
    if cfg.duration.is_zero() || cfg.duration > Duration::from_secs(3600) {
        return Err(Error::usage(
            "--observe: allowed: more than 0 and at most 3600 seconds",
        ));
    }
    if cfg.bin.is_zero() || cfg.top == 0 {
        return Err(Error::usage("--top: allowed: at least 1"));
    }
    let tracer = match Tracer::open(8192) {
        Ok(t) => t,
        Err(why) => return Ok(ObserveReport::unavailable(why.0)),
    };
    let mut prepared = workload.map(Workload::prepare).transpose()?;
    let io = |e: std::io::Error| Error::Run(format!("tracefs: {e}"));
    let mut pipe = tracer.pipe().map_err(io)?;
    let stop = AtomicBool::new(false);
    let workload_pid = AtomicU32::new(0);
    let (tally, parsed_lost, run, window) = thread::scope(|s| -> Result<_> {
        let reader = s.spawn(|| -> Result<(MmTally<'_>, u64)> {
            let mut tally = MmTally::new(cfg.bin, Some(&workload_pid));
            let mut lost = 0u64;
            loop {
                let stopping = stop.load(Ordering::Acquire);
                let chunk = pipe.read_some().map_err(io)?;
                lost += chunk.lost;
                let empty = chunk.empty;
                for e in chunk.events {
                    tally.add(e);
                }
                if empty {
                    if stopping {
                        return Ok((tally, lost));
                    }
                    thread::sleep(Duration::from_millis(10));
                }
            }
        });
        let start = Instant::now();
        let started = tracer
            .start()
            .map_err(io)
            .and_then(|()| match &mut prepared {
                Some(p) => {
                    let err = std::fs::File::create(&p.stderr).map_err(io_at(&p.stderr))?;
                    let mut child = p
                        .cmd
                        .stderr(err)
                        .spawn()
                        .map_err(|e| Error::Run(format!("cannot start `{}`: {e}", p.line)))?;
                    workload_pid.store(child.id(), Ordering::Release);
                    let (outcome, completed) = wait(&mut child, start, cfg.duration)?;
                    Ok(Some((outcome, completed, start.elapsed())))
                }
                None => {
                    thread::sleep(cfg.duration);
                    Ok(None)
                }
            });
        let stopped = tracer.stop().map_err(io);
        let window = start.elapsed();
        stop.store(true, Ordering::Release);
        let read = reader
            .join()
            .map_err(|_| Error::Run("trace reader panicked".into()))?;
        let run = started?;
        stopped?;
        let (tally, lost) = read?;
        Ok((tally, lost, run, window))
    })?;
    let lost = parsed_lost.max(tracer.overruns());
    let workload_run = match (workload, prepared, run) {
        (Some(w), Some(p), Some((outcome, completed, wall))) => Some(WorkloadRun {
            name: w.describe(),
            command: p.line.clone(),
            outcome,
            completed,
            wall_s: wall.as_secs_f64(),
            stderr_tail: if completed { None } else { tail(&p.stderr) },
        }),
        _ => None,
    };
    let window_s = window.as_secs_f64();
    let total = tally.total;
    let f = tally.finish(cfg.top);
    Ok(ObserveReport {
        available: true,
        reason: None,
        machine: Host::current(),
        workload: workload_run,
        window_s,
        bin_s: cfg.bin.as_secs_f64(),
        total_acquisitions: total,
        total_rate_per_s: total as f64 / window_s,
        distinct_mms: f.distinct,
        mms: f.mms,
        max_peak_rate_per_s: f.max_peak,
        workload_acquisitions: f.workload.0,
        workload_mms: f.workload.1,
        workload_max_peak_rate_per_s: f.workload.2,
        workload_max_mean_rate_per_s: f.workload.3,
        lost_events: lost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(mm: &str, tgid: u32, ts: f64) -> TraceEvent {
        TraceEvent {
            comm: "w".into(),
            tid: tgid,
            tgid: Some(tgid),
            ts,
            mm: mm.into(),
            success: true,
        }
    }

    /// Rates from a known event stream: 30 acquisitions in 0.33 s with 20
    /// of them in one 100 ms bin; the same mm pointer in another process
    /// is another mm; failed acquisitions do not count.
    #[test]
    fn tallies_give_counts_mean_and_peak_rates() {
        let mut t = MmTally::new(Duration::from_millis(100), None);
        for k in 0..20 {
            t.add(ev("aa", 1_000_001, 10.0 + k as f64 * 0.004));
        }
        for k in 0..10 {
            t.add(ev("aa", 1_000_001, 10.15 + k as f64 * 0.02));
        }
        t.add(ev("aa", 1_000_002, 10.05));
        let mut failed = ev("bb", 1_000_003, 10.0);
        failed.success = false;
        t.add(failed);
        assert_eq!(t.total, 31);
        let f = t.finish(10);
        let (mms, distinct, max_peak) = (f.mms, f.distinct, f.max_peak);
        assert_eq!(distinct, 2);
        assert_eq!(f.workload, (0, 0, 0.0, 0.0));
        let a = &mms[0];
        assert_eq!(a.acquisitions, 30);
        assert!((a.last_s - 0.33).abs() < 1e-9);
        assert!((a.mean_rate_per_s - 30.0 / 0.33).abs() < 1e-6);
        assert!((a.peak_rate_per_s - 200.0).abs() < 1e-9);
        assert_eq!(max_peak, 200.0);
        assert_eq!(mms[1].acquisitions, 1);
        // One event: the rate is over one bin, not over zero time.
        assert!((mms[1].mean_rate_per_s - 10.0).abs() < 1e-9);
    }

    #[test]
    fn generated_crates_are_deterministic_and_sized() {
        let a = crate_source(0, 2, 3);
        assert_eq!(a, crate_source(0, 2, 3));
        assert_eq!(a.matches("pub struct S").count(), 6);
        let w: Workload = "cargo-build".parse().unwrap();
        assert!(w.describe().contains("cargo build --offline"));
        assert!("make".parse::<Workload>().is_err());
        assert!("huge".parse::<WorkloadSize>().is_err());
    }

    #[test]
    fn zero_durations_are_usage_errors() {
        let cfg = ObserveConfig {
            duration: Duration::ZERO,
            ..ObserveConfig::default()
        };
        assert!(matches!(observe(&cfg, None), Err(Error::Usage(_))));
    }

    /// A short observation of a process that is known to take the write
    /// lock: this test thread's own `munmap(1, 0)` calls show up under this
    /// process. Skipped with a message where tracefs cannot be used.
    #[cfg(target_os = "linux")]
    #[test]
    fn observing_sees_this_process_write_locks() {
        let cfg = ObserveConfig {
            duration: Duration::from_millis(300),
            top: 1000,
            ..ObserveConfig::default()
        };
        let stop = AtomicBool::new(false);
        let r = thread::scope(|s| {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..1000 {
                        let _ = crate::host::sys::munmap_null();
                    }
                    thread::sleep(Duration::from_millis(1));
                }
            });
            let r = observe(&cfg, None);
            stop.store(true, Ordering::Relaxed);
            r
        })
        .unwrap();
        if !r.available {
            eprintln!(
                "tracefs not usable here, observation not run: {:?}",
                r.reason
            );
            assert!(r.reason.is_some() && r.mms.is_empty());
            return;
        }
        let me = r.mms.iter().find(|m| m.is_self).expect("this process");
        assert!(me.acquisitions > 1000, "{me:?}");
        assert!(r.total_acquisitions >= me.acquisitions);
        assert!(me.peak_rate_per_s * r.bin_s <= me.acquisitions as f64);
    }
}
