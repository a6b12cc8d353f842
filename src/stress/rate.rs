//! Measured rates as rates: `--rate measured:kernel` and `measured:stress`,
//! and the cache that keeps them per machine.
//!
//! A rate measured on one machine says nothing about another, and rerunning
//! on the same kind of machine moves it (6.1e6/s against a cached 9.7e6/s
//! was seen), so every measurement is stored with its spread, the machine
//! and kernel it was taken on, and whether the tracepoint confirmed that
//! each call takes the write lock once. A cached rate is reused only on the
//! same CPU model, core count and kernel release, for the same operation
//! and thread count; otherwise the short measurement runs again and is
//! appended.
//!
//! # Where the cache lives
//!
//! Outside any checkout, so that `cargo test` never writes into the repo
//! and `--rate measured:kernel` in another directory creates nothing there:
//! `$SEQWRAP_CACHE_DIR/measured_rates.csv` when that variable is set, else
//! `$XDG_CACHE_HOME/seqwrap/measured_rates.csv`, else
//! `~/.cache/seqwrap/measured_rates.csv`; with none of them set, nothing is
//! cached. `seqwrap stress --kernel --cache-dir DIR` overrides it for one
//! run.
//!
//! # Format
//!
//! CSV, one row per measurement, header first; rewritten whole through a
//! temporary file and a rename, so a killed run never leaves half a file.
//!
//! | column | meaning |
//! |---|---|
//! | `kind` | `kernel` (mmap write-lock cycles/s) or `stress` (user-space harness write cycles/s, plain i32) |
//! | `op` | kernel: the operation (`munmap-null`, `mprotect`, `madvise`, `uring-madvise`, ...); stress: `plain-i32` |
//! | `threads` | threads calling it on one mm (stress: writers) |
//! | `rate_per_s` | median rate over the runs |
//! | `rate_min`, `rate_q1`, `rate_q3`, `rate_max` | the runs' spread (quartiles: R-8) |
//! | `runs` | timed runs |
//! | `verified` | `verified`, `mismatch`, `incomplete` or `not-verified` (tracepoint check of one write lock per call); `n/a` for stress |
//! | `write_acq_per_call` | the check's measured write acquisitions per call |
//! | `method` | what was run, e.g. `munmap-null threads=1 runs=5x100ms median` |
//! | `cpu_model` | `model name` from /proc/cpuinfo |
//! | `hostname` | recorded, not compared |
//! | `cores` | available parallelism |
//! | `kernel` | `uname -r` |
//! | `measured_unix_s` | when, seconds since 1970 |
//! | `seqwrap_version` | the tool's version |
//!
//! Rows written before the spread columns existed still read (as
//! `munmap-null`, 1 thread, no spread). The newest matching row wins.
//! Delete the file (or rows) to re-measure.

use std::path::{Path, PathBuf};

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::kernel::{KernelConfig, KernelOp, KernelTable, Spread, kernel_table};
use crate::error::{Error, Result};
use crate::host::Host;
use crate::timing::RateSpec;
pub use crate::timing::measured::RateKind;

/// The environment variable naming the cache directory.
pub const CACHE_ENV: &str = "SEQWRAP_CACHE_DIR";
/// The cache file's name inside the cache directory.
pub const CACHE_FILE: &str = "measured_rates.csv";

/// The cache directory: `$SEQWRAP_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/seqwrap`, else `$HOME/.cache/seqwrap`; `None` when
/// none is set (then nothing is cached). Relative `XDG_CACHE_HOME` values
/// are ignored, as the XDG spec asks.
pub fn default_cache_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = var(CACHE_ENV) {
        return Some(PathBuf::from(d));
    }
    if let Some(x) = var("XDG_CACHE_HOME").map(PathBuf::from)
        && x.is_absolute()
    {
        return Some(x.join("seqwrap"));
    }
    var("HOME").map(|h| PathBuf::from(h).join(".cache").join("seqwrap"))
}

/// The cache file at [`default_cache_dir`].
pub fn default_cache_path() -> Option<PathBuf> {
    default_cache_dir().map(|d| d.join(CACHE_FILE))
}

/// Whether a cached row was measured on the same kind of machine as `h`:
/// the same CPU model, core count and kernel (the host name is kept for
/// the reader, not compared: identical VMs share it).
fn same_kind(h: &Host, r: &CacheRow) -> bool {
    r.cpu_model == h.cpu_model && r.cores == h.cores && r.kernel == h.kernel
}

/// A rate with its provenance and spread.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasuredRate {
    /// `kernel` or `stress`.
    pub kind: String,
    /// The operation (`munmap-null`, ...; `plain-i32` for stress).
    pub op: String,
    /// Threads (writers for stress).
    pub threads: usize,
    /// Write-lock cycles per second (the median of the runs).
    pub rate_per_s: f64,
    /// The runs' spread; `None` for rows cached before it was kept.
    pub spread: Option<Spread>,
    /// Tracepoint check: `verified`, `mismatch`, `incomplete`,
    /// `not-verified`; `n/a` for stress; `unknown` for old rows.
    pub verified: String,
    /// The check's write acquisitions per call, when it ran.
    pub write_acq_per_call: Option<f64>,
    /// What was run.
    pub method: String,
    /// Where it was measured.
    pub machine: Host,
    /// When, seconds since 1970.
    pub measured_unix_s: u64,
    /// The seqwrap version that measured it.
    pub seqwrap_version: String,
    /// `true` when read from the cache, `false` when just measured.
    pub cached: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct CacheRow {
    kind: String,
    #[serde(default)]
    op: String,
    #[serde(default)]
    threads: usize,
    rate_per_s: f64,
    #[serde(default)]
    rate_min: Option<f64>,
    #[serde(default)]
    rate_q1: Option<f64>,
    #[serde(default)]
    rate_q3: Option<f64>,
    #[serde(default)]
    rate_max: Option<f64>,
    #[serde(default)]
    runs: Option<usize>,
    #[serde(default)]
    verified: String,
    #[serde(default)]
    write_acq_per_call: Option<f64>,
    method: String,
    cpu_model: String,
    hostname: String,
    cores: usize,
    kernel: String,
    measured_unix_s: u64,
    seqwrap_version: String,
}

impl CacheRow {
    /// Old rows: `kernel` meant munmap-null on one thread, `stress` plain
    /// i32 with one writer.
    fn normalise(mut self) -> CacheRow {
        if self.op.is_empty() {
            self.op = if self.kind == "kernel" {
                KernelOp::MunmapNull.name().into()
            } else {
                "plain-i32".into()
            };
        }
        if self.threads == 0 {
            self.threads = 1;
        }
        if self.verified.is_empty() {
            self.verified = "unknown".into();
        }
        self
    }

    fn spread(&self) -> Option<Spread> {
        Some(Spread {
            median: self.rate_per_s,
            min: self.rate_min?,
            q1: self.rate_q1?,
            q3: self.rate_q3?,
            max: self.rate_max?,
            runs: self.runs?,
        })
    }

    fn to_rate(&self, machine: Host, cached: bool) -> MeasuredRate {
        MeasuredRate {
            kind: self.kind.clone(),
            op: self.op.clone(),
            threads: self.threads,
            rate_per_s: self.rate_per_s,
            spread: self.spread(),
            verified: self.verified.clone(),
            write_acq_per_call: self.write_acq_per_call,
            method: self.method.clone(),
            machine,
            measured_unix_s: self.measured_unix_s,
            seqwrap_version: self.seqwrap_version.clone(),
            cached,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn new(
        kind: &str,
        op: &str,
        threads: usize,
        spread: &Spread,
        verified: &str,
        per_call: Option<f64>,
        method: String,
        m: &Host,
    ) -> CacheRow {
        CacheRow {
            kind: kind.into(),
            op: op.into(),
            threads,
            rate_per_s: spread.median,
            rate_min: Some(spread.min),
            rate_q1: Some(spread.q1),
            rate_q3: Some(spread.q3),
            rate_max: Some(spread.max),
            runs: Some(spread.runs),
            verified: verified.into(),
            write_acq_per_call: per_call,
            method,
            cpu_model: m.cpu_model.clone(),
            hostname: m.hostname.clone(),
            cores: m.cores,
            kernel: m.kernel.clone(),
            measured_unix_s: now(),
            seqwrap_version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

fn read_rows(path: &Path) -> Result<Vec<CacheRow>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut r = csv::Reader::from_path(path).map_err(|e| csv_err(path, e))?;
    r.deserialize()
        .map(|row| row.map(CacheRow::normalise))
        .collect::<std::result::Result<Vec<CacheRow>, _>>()
        .map_err(|e| csv_err(path, e))
}

fn write_rows(path: &Path, rows: &[CacheRow]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    }
    let mut tmp = PathBuf::from(path);
    tmp.set_extension(format!("csv.tmp{}", std::process::id()));
    {
        let mut w = csv::Writer::from_path(&tmp).map_err(|e| csv_err(&tmp, e))?;
        for row in rows {
            w.serialize(row).map_err(|e| csv_err(&tmp, e))?;
        }
        w.flush().map_err(|e| io_err(&tmp, e))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}

fn append(path: &Path, new: Vec<CacheRow>) -> Result<()> {
    let mut rows = read_rows(path)?;
    rows.extend(new);
    write_rows(path, &rows)
}

/// Measure `kind` now (about half a second, plus the tracepoint check for
/// kernel rates when tracefs is usable).
fn measure_row(kind: RateKind, machine: &Host) -> Result<CacheRow> {
    match kind {
        RateKind::Kernel { op, threads } => {
            let cfg = KernelConfig {
                ops: vec![op],
                threads: vec![threads],
                runs: 5,
                duration: Duration::from_millis(500),
                verify: true,
                verify_calls: 1000,
                ..KernelConfig::default()
            };
            let t = kernel_table(&cfg, &|_, _| {})?;
            let c = t.cells.first().ok_or_else(|| {
                Error::Run(format!(
                    "{op}: not measurable here ({})",
                    t.io_uring.reason.as_deref().unwrap_or("no cell")
                ))
            })?;
            let v = t.verification_of(op);
            Ok(CacheRow::new(
                "kernel",
                op.name(),
                threads,
                &c.spread,
                v.map_or("not-verified", |v| v.status.as_str()),
                v.and_then(|v| v.per_call),
                format!("{op} threads={threads} runs=5x100ms median"),
                machine,
            ))
        }
        RateKind::Stress => {
            let spec = crate::protocol::catalog::protocol("plain", &[("W", "32")])?;
            let n = 1u64 << 20;
            let rates = (0..5)
                .map(|_| super::time_cycles(&spec, 1, n).map(|t| n as f64 / t.as_secs_f64()))
                .collect::<Result<Vec<f64>>>()?;
            let spread = Spread::of(&rates)
                .ok_or_else(|| Error::Run("stress timing gave no finite rate".into()))?;
            Ok(CacheRow::new(
                "stress",
                "plain-i32",
                1,
                &spread,
                "n/a",
                None,
                "plain i32 writers=1 runs=5x2^20 cycles median".into(),
                machine,
            ))
        }
    }
}

/// The `kind` rate (`kernel`, `kernel:OP`, `kernel:OP:THREADS` or
/// `stress`) for this machine: the newest cached row in `cache` taken on
/// this CPU model, core count and kernel for the same operation and
/// threads, or a fresh measurement appended to `cache`. `cache = None`
/// always measures and stores nothing.
///
/// Errors: `Usage` for an unknown kind or the kernel rate off Linux; `Run`
/// when the operation cannot run here (io_uring missing); `Io` when the
/// cache cannot be read or written.
pub fn measured_rate(kind: &str, cache: Option<&Path>) -> Result<MeasuredRate> {
    let kind: RateKind = kind.parse()?;
    let machine = Host::current();
    let rows = match cache {
        Some(p) => read_rows(p)?,
        None => Vec::new(),
    };
    let hit = rows.iter().rev().find(|r| {
        r.kind == kind.name()
            && r.op == kind.op_name()
            && r.threads == kind.threads()
            && same_kind(&machine, r)
    });
    if let Some(r) = hit {
        return Ok(r.to_rate(machine, true));
    }
    let row = measure_row(kind, &machine)?;
    let out = row.to_rate(machine, false);
    if let Some(p) = cache {
        append(p, vec![row])?;
    }
    Ok(out)
}

/// Append every cell of a `stress --kernel` table to `cache`, with its
/// verification status, so that `measured:kernel:OP:THREADS` finds it.
pub fn record_table(table: &KernelTable, cache: &Path) -> Result<()> {
    let rows = table
        .cells
        .iter()
        .map(|c| {
            let v = table.verification_of(c.op);
            CacheRow::new(
                "kernel",
                c.op.name(),
                c.threads,
                &c.spread,
                v.map_or("not-verified", |v| v.status.as_str()),
                v.and_then(|v| v.per_call),
                format!(
                    "{} threads={} runs={}x{:.0}ms median (stress --kernel)",
                    c.op,
                    c.threads,
                    table.runs,
                    table.run_s * 1e3
                ),
                &table.machine,
            )
        })
        .collect();
    append(cache, rows)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn cache_is_reused_on_this_machine_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache").join(CACHE_FILE);
        let first = measured_rate("kernel", Some(&path)).unwrap();
        assert!(!first.cached && first.rate_per_s > 0.0);
        let s = first.spread.unwrap();
        assert_eq!(s.runs, 5);
        assert!(s.min <= first.rate_per_s && first.rate_per_s <= s.max);
        assert_eq!(first.op, "munmap-null");
        let again = measured_rate("kernel", Some(&path)).unwrap();
        assert!(again.cached);
        assert_eq!(again.rate_per_s, first.rate_per_s);
        assert_eq!(again.spread, first.spread);
        assert_eq!(again.verified, first.verified);
        // Another op or thread count is another key.
        let other = measured_rate("kernel:mprotect:2", Some(&path)).unwrap();
        assert!(!other.cached && other.op == "mprotect" && other.threads == 2);
        // A row from another kernel is not reused.
        let mut rows = read_rows(&path).unwrap();
        for r in &mut rows {
            r.kernel = "0.0.0-elsewhere".into();
            r.rate_per_s = 1.0;
        }
        write_rows(&path, &rows).unwrap();
        let fresh = measured_rate("kernel", Some(&path)).unwrap();
        assert!(!fresh.cached && fresh.rate_per_s != 1.0);
        assert_eq!(read_rows(&path).unwrap().len(), 3);
    }

    /// The cache file written before spreads were kept still reads, as
    /// munmap-null on one thread.
    #[test]
    fn old_rows_read_as_munmap_null_without_spread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CACHE_FILE);
        let m = Host::current();
        let text = format!(
            "kind,rate_per_s,method,cpu_model,hostname,cores,kernel,measured_unix_s,seqwrap_version\n\
             kernel,9701750.3,munmap-null threads=1 runs=5x100ms median,{},{},{},{},1795573127,0.1.0\n",
            m.cpu_model, m.hostname, m.cores, m.kernel
        );
        std::fs::write(&path, text).unwrap();
        let r = measured_rate("kernel", Some(&path)).unwrap();
        assert!(r.cached);
        assert_eq!(r.rate_per_s, 9701750.3);
        assert_eq!(r.spread, None);
        assert_eq!(r.verified, "unknown");
    }

    #[test]
    fn stress_rate_is_measured_without_a_cache() {
        let r = measured_rate("stress", None).unwrap();
        assert!(!r.cached && r.rate_per_s > 0.0);
        assert_eq!(r.verified, "n/a");
        assert_eq!(r.machine, Host::current());
    }

    #[test]
    fn unknown_kinds_are_usage_errors() {
        for bad in [
            "disk",
            "kernel:nope",
            "kernel:madvise:0",
            "kernel:madvise:1:2",
            "stress:x",
        ] {
            assert!(
                matches!(measured_rate(bad, None), Err(Error::Usage(_))),
                "{bad}"
            );
        }
        assert_eq!(
            "kernel:uring-madvise:4".parse::<RateKind>().unwrap(),
            RateKind::Kernel {
                op: KernelOp::UringMadvise,
                threads: 4
            }
        );
    }

    /// The default location is never inside the working directory unless
    /// asked for, and the variable wins.
    #[test]
    fn default_cache_location_follows_the_environment() {
        // Read-only check of the current environment (tests run threads in
        // parallel, so the variables are not changed here; the CLI tests
        // set them in child processes).
        if let Some(d) = default_cache_dir() {
            match std::env::var_os(CACHE_ENV).filter(|v| !v.is_empty()) {
                Some(v) => assert_eq!(d, PathBuf::from(v)),
                None => assert!(d.ends_with("seqwrap"), "{}", d.display()),
            }
            assert_eq!(default_cache_path().unwrap(), d.join(CACHE_FILE));
        }
    }
}

/// A rate measured on this machine (or read from its cache).
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// Write-lock cycles per second.
    pub cycles_per_s: f64,
    /// What was measured where (operation, threads, kernel release, and
    /// whether it came from the cache).
    pub what: String,
}

/// Take the `kind` rate with `stress::measured_rate`, reusing a row of
/// `cache` taken on this machine and kernel. Usage errors name `--rate`.
pub fn measure_with_cache(kind: RateKind, cache: Option<&Path>) -> Result<Measurement> {
    let m = measured_rate(&kind.spelling(), cache).map_err(|e| match e {
        Error::Usage(m) if !m.starts_with("--rate") => Error::usage(format!("--rate: {m}")),
        other => other,
    })?;
    let when = if m.cached {
        "cached for this machine and kernel"
    } else {
        "measured now"
    };
    Ok(Measurement {
        cycles_per_s: m.rate_per_s,
        what: format!("{}, Linux {}, {when}", m.method, m.machine.kernel),
    })
}

/// [`measure_with_cache`] with the user's rate cache
/// (`stress::default_cache_path`: outside any checkout; none when no cache
/// directory can be found).
pub fn measure(kind: RateKind) -> Result<Measurement> {
    let cache = default_cache_path();
    measure_with_cache(kind, cache.as_deref())
}

/// Resolve a rate to cycles per second, measuring if it asks to, with how
/// it was obtained (`as given`, or the measurement's words).
pub fn resolve_rate(spec: RateSpec) -> Result<(f64, String)> {
    match spec {
        RateSpec::PerSecond(r) => Ok((r, "as given".into())),
        RateSpec::Measured(kind) => {
            let m = measure(kind)?;
            Ok((
                m.cycles_per_s,
                format!("{}: {}", RateSpec::measured_name(kind), m.what),
            ))
        }
    }
}
