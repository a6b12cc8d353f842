//! Measured rates as rates: `--rate measured:kernel` and `measured:stress`.
//!
//! A rate measured on one machine says nothing about another, so every
//! measurement is stored with the machine and kernel it was taken on, and
//! a cached one is reused only on the same CPU model, hostname, core count
//! and kernel release. Otherwise the short measurement runs again and is
//! appended to the cache.
//!
//! # Cache format (`data/measured_rates.csv`)
//!
//! One row per measurement, header first, appended (written to a temporary
//! file and renamed, so a killed run never leaves half a file):
//!
//! | column | meaning |
//! |---|---|
//! | `kind` | `kernel` (mmap write-lock cycles/s, `munmap(1, 0)`, 1 thread) or `stress` (user-space harness write cycles/s, plain i32, 1 writer) |
//! | `rate_per_s` | the median rate, write-lock cycles per second |
//! | `method` | what was run, e.g. `munmap-null threads=1 runs=5x100ms median` |
//! | `cpu_model` | `model name` from /proc/cpuinfo |
//! | `hostname` | /proc/sys/kernel/hostname |
//! | `cores` | available parallelism |
//! | `kernel` | `uname -r` |
//! | `measured_unix_s` | when, seconds since 1970 |
//! | `seqwrap_version` | the tool's version |
//!
//! The newest matching row wins. Delete the file (or rows) to re-measure.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::kernel::{KernelConfig, KernelOp, kernel_probe};
use super::{median, sys, with_timed_harness};
use crate::error::{Error, Result};
use crate::scheme::SchemeSpec;

/// Where `measured_rate` caches by default, relative to the project root.
pub const DEFAULT_CACHE: &str = "data/measured_rates.csv";

/// Which rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateKind {
    /// The kernel's mmap write-lock cycles per second (`munmap(1, 0)`).
    Kernel,
    /// The user-space harness's write cycles per second (plain i32).
    Stress,
}

impl RateKind {
    /// `kernel` or `stress`.
    pub fn name(self) -> &'static str {
        match self {
            RateKind::Kernel => "kernel",
            RateKind::Stress => "stress",
        }
    }
}

impl FromStr for RateKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<RateKind> {
        match s {
            "kernel" => Ok(RateKind::Kernel),
            "stress" => Ok(RateKind::Stress),
            _ => Err(Error::usage(format!(
                "--rate: 'measured:{s}' is not a measured rate; allowed: measured:kernel, measured:stress"
            ))),
        }
    }
}

/// The machine a rate was measured on: a cached rate is reused only when
/// all four fields match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// CPU model name.
    pub cpu_model: String,
    /// Host name.
    pub hostname: String,
    /// Available cores.
    pub cores: usize,
    /// Kernel release.
    pub kernel: String,
}

impl Machine {
    /// This machine.
    pub fn current() -> Machine {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Machine {
            cpu_model,
            hostname,
            cores,
            kernel: sys::kernel_release(),
        }
    }
}

/// A rate with its provenance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasuredRate {
    /// `kernel` or `stress`.
    pub kind: String,
    /// Write-lock cycles per second.
    pub rate_per_s: f64,
    /// What was run.
    pub method: String,
    /// Where it was measured.
    pub machine: Machine,
    /// When, seconds since 1970.
    pub measured_unix_s: u64,
    /// The seqwrap version that measured it.
    pub seqwrap_version: String,
    /// `true` when read from the cache, `false` when just measured.
    pub cached: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct Row {
    kind: String,
    rate_per_s: f64,
    method: String,
    cpu_model: String,
    hostname: String,
    cores: usize,
    kernel: String,
    measured_unix_s: u64,
    seqwrap_version: String,
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

fn read_rows(path: &Path) -> Result<Vec<Row>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut r = csv::Reader::from_path(path).map_err(|e| csv_err(path, e))?;
    r.deserialize()
        .collect::<std::result::Result<Vec<Row>, _>>()
        .map_err(|e| csv_err(path, e))
}

fn write_rows(path: &Path, rows: &[Row]) -> Result<()> {
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

/// Measure `kind` now (about half a second).
fn measure(kind: RateKind) -> Result<(f64, String)> {
    match kind {
        RateKind::Kernel => {
            let cfg = KernelConfig {
                op: KernelOp::MunmapNull,
                threads: 1,
                duration: Duration::from_millis(500),
                runs: 5,
            };
            let r = kernel_probe(&cfg, &|_, _| {})?;
            Ok((
                r.cycles_per_s,
                "munmap-null threads=1 runs=5x100ms median".into(),
            ))
        }
        RateKind::Stress => {
            let spec = SchemeSpec::plain(32);
            let n = 1u64 << 20;
            let ns = with_timed_harness(&spec, 1, |run| {
                (0..5)
                    .map(|_| run(n).map(|t| t.as_secs_f64() * 1e9 / n as f64))
                    .collect::<Result<Vec<f64>>>()
            })??;
            Ok((
                1e9 / median(&ns),
                "plain i32 writers=1 runs=5x2^20 cycles median".into(),
            ))
        }
    }
}

/// The `kind` rate (`"kernel"` or `"stress"`) for this machine: the newest
/// cached row in `cache` taken on this machine and kernel, or a fresh
/// measurement appended to `cache`. `cache = None` always measures and
/// stores nothing.
///
/// Errors: `Usage` for an unknown kind or the kernel rate off Linux; `Io`
/// when the cache cannot be read or written.
pub fn measured_rate(kind: &str, cache: Option<&Path>) -> Result<MeasuredRate> {
    let kind: RateKind = kind.parse()?;
    let machine = Machine::current();
    let mut rows = match cache {
        Some(p) => read_rows(p)?,
        None => Vec::new(),
    };
    let hit = rows.iter().rev().find(|r| {
        r.kind == kind.name()
            && r.cpu_model == machine.cpu_model
            && r.hostname == machine.hostname
            && r.cores == machine.cores
            && r.kernel == machine.kernel
    });
    if let Some(r) = hit {
        return Ok(MeasuredRate {
            kind: r.kind.clone(),
            rate_per_s: r.rate_per_s,
            method: r.method.clone(),
            machine,
            measured_unix_s: r.measured_unix_s,
            seqwrap_version: r.seqwrap_version.clone(),
            cached: true,
        });
    }
    let (rate, method) = measure(kind)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let out = MeasuredRate {
        kind: kind.name().into(),
        rate_per_s: rate,
        method,
        machine: machine.clone(),
        measured_unix_s: now,
        seqwrap_version: env!("CARGO_PKG_VERSION").into(),
        cached: false,
    };
    if let Some(p) = cache {
        rows.push(Row {
            kind: out.kind.clone(),
            rate_per_s: rate,
            method: out.method.clone(),
            cpu_model: machine.cpu_model,
            hostname: machine.hostname,
            cores: machine.cores,
            kernel: machine.kernel,
            measured_unix_s: now,
            seqwrap_version: out.seqwrap_version.clone(),
        });
        write_rows(p, &rows)?;
    }
    Ok(out)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn cache_is_reused_on_this_machine_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("measured_rates.csv");
        let first = measured_rate("kernel", Some(&path)).unwrap();
        assert!(!first.cached && first.rate_per_s > 0.0);
        let again = measured_rate("kernel", Some(&path)).unwrap();
        assert!(again.cached);
        assert_eq!(again.rate_per_s, first.rate_per_s);
        // A row from another kernel is not reused.
        let mut rows = read_rows(&path).unwrap();
        for r in &mut rows {
            r.kernel = "0.0.0-elsewhere".into();
            r.rate_per_s = 1.0;
        }
        write_rows(&path, &rows).unwrap();
        let fresh = measured_rate("kernel", Some(&path)).unwrap();
        assert!(!fresh.cached && fresh.rate_per_s != 1.0);
        assert_eq!(read_rows(&path).unwrap().len(), 2);
    }

    #[test]
    fn stress_rate_is_measured_without_a_cache() {
        let r = measured_rate("stress", None).unwrap();
        assert!(!r.cached && r.rate_per_s > 0.0);
        assert_eq!(r.machine, Machine::current());
    }

    #[test]
    fn unknown_kind_is_a_usage_error() {
        assert!(matches!(measured_rate("disk", None), Err(Error::Usage(_))));
    }
}
