//! What the report measures on this machine before it computes anything:
//! the kernel's write-lock rate table (`stress --kernel`), the write-lock
//! rates of a real workload (`stress --kernel --observe` over a `cargo
//! build` it starts), and the machine's preemption and stall model. Each
//! is kept as the library's own result struct; the summary and the plots
//! are pure functions of them.
//!
//! Two rates come out of it:
//! - the **attacker's**: the fastest cell of the rate table whose
//!   operation the `mmap_lock_acquire_returned` tracepoint confirmed takes
//!   the write lock once a call (the fastest of all cells when none could
//!   be checked, and the summary says so);
//! - the **observed** one: the busiest mm of the workload at its peak (100
//!   ms bins), the rate an accident can see; the busiest mm of any process
//!   when the workload's own were quieter.
//!
//! Both are written beside the sweep CSVs (`DATA/measured_rates.csv`,
//! `DATA/observed_rates.csv`) so the report's numbers can be traced to the
//! measurement it used; the rate table is also appended to the user's rate
//! cache (`stress::default_cache_path`), never to the checkout.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stall::MachineModel;
use crate::stress::{
    KernelCell, KernelConfig, KernelOp, KernelTable, ObserveConfig, ObserveReport, Workload,
    kernel_table, observe, record_table,
};

/// What to measure and observe.
#[derive(Clone, Debug)]
pub struct MeasureOptions {
    /// The rate table's configuration (operations, threads, runs).
    pub kernel: KernelConfig,
    /// The longest the observation may run (the workload is killed at
    /// it); zero skips the observation.
    pub observe: Duration,
    /// The workload to start and observe (`None`: observe whatever the
    /// machine does for `observe`).
    pub workload: Option<Workload>,
    /// Where the rate table is appended (the user's rate cache); `None`
    /// records nothing.
    pub cache: Option<PathBuf>,
    /// How long the real hold runs (`report::sites`); zero skips it.
    pub hold: Duration,
}

/// The rate table, or why there is none.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RateTable {
    /// The measurement.
    pub table: Option<KernelTable>,
    /// Why it is missing.
    pub why_not: Option<String>,
    /// The rate cache it was appended to.
    pub cached_in: Option<PathBuf>,
}

/// The attacker's rate: one cell of the table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attacker {
    /// The operation.
    pub op: KernelOp,
    /// Threads on the one mm.
    pub threads: usize,
    /// Median write-lock cycles per second.
    pub rate: f64,
    /// Slowest and fastest run.
    pub min: f64,
    /// See `min`.
    pub max: f64,
    /// Runs.
    pub runs: usize,
    /// The tracepoint check of its operation (`verified`, ...).
    pub verified: String,
}

impl Attacker {
    /// `munmap-null x2`.
    pub fn label(&self) -> String {
        format!("{} x{}", self.op, self.threads)
    }
}

impl RateTable {
    /// The check of `op`'s write lock per call, as a word.
    pub fn status(&self, op: KernelOp) -> String {
        self.table
            .as_ref()
            .and_then(|t| t.verification_of(op))
            .map_or("not checked".into(), |v| v.status.clone())
    }

    /// The fastest cell whose operation was verified, else the fastest.
    pub fn attacker(&self) -> Option<Attacker> {
        let t = self.table.as_ref()?;
        let fastest = |cells: &mut dyn Iterator<Item = &KernelCell>| {
            cells
                .max_by(|a, b| a.spread.median.total_cmp(&b.spread.median))
                .cloned()
        };
        let c = fastest(&mut t.cells.iter().filter(|c| self.status(c.op) == "verified"))
            .or_else(|| fastest(&mut t.cells.iter()))?;
        Some(Attacker {
            op: c.op,
            threads: c.threads,
            rate: c.spread.median,
            min: c.spread.min,
            max: c.spread.max,
            runs: c.spread.runs,
            verified: self.status(c.op),
        })
    }

    /// Each operation's fastest cell, in table order.
    pub fn fastest_per_op(&self) -> Vec<&KernelCell> {
        let Some(t) = &self.table else {
            return Vec::new();
        };
        let mut out: Vec<&KernelCell> = Vec::new();
        for c in &t.cells {
            match out.iter_mut().find(|o| o.op == c.op) {
                Some(o) if o.spread.median < c.spread.median => *o = c,
                Some(_) => {}
                None => out.push(c),
            }
        }
        out
    }
}

/// The observation, or why there is none.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Observed {
    /// What the tracepoint saw.
    pub report: Option<ObserveReport>,
    /// Why there is no observation (or it saw nothing to use).
    pub why_not: Option<String>,
}

impl Observed {
    /// The accidental rate and what it is: the busiest workload mm's peak,
    /// else the busiest mm's of any other process.
    pub fn rate(&self) -> Option<(f64, String)> {
        let r = self.report.as_ref().filter(|r| r.available)?;
        let bin = format!("{:.0} ms bins", r.bin_s * 1e3);
        if r.workload_max_peak_rate_per_s > 0.0 {
            let name = r
                .workload
                .as_ref()
                .map_or("the workload".into(), |w| w.name.clone());
            return Some((
                r.workload_max_peak_rate_per_s,
                format!("the busiest mm of {name} at its peak ({bin})"),
            ));
        }
        (r.max_peak_rate_per_s > 0.0).then(|| {
            (
                r.max_peak_rate_per_s,
                format!("the busiest mm of the machine at its peak ({bin})"),
            )
        })
    }
}

/// Measure the rate table (and append it to the cache). A failure (no
/// Linux, a syscall refused) is not an error of the report: it is kept as
/// the reason and the report goes on without measured rates.
pub fn measure_rates(opts: &MeasureOptions) -> RateTable {
    match kernel_table(&opts.kernel, &|_, _| {}) {
        Ok(t) => {
            let cached_in = opts
                .cache
                .as_ref()
                .filter(|p| record_table(&t, p).is_ok())
                .cloned();
            RateTable {
                table: Some(t),
                why_not: None,
                cached_in,
            }
        }
        Err(e) => RateTable {
            table: None,
            why_not: Some(e.to_string()),
            cached_in: None,
        },
    }
}

/// Observe the workload (or the idle machine) for at most
/// `opts.observe`. Tracefs missing, not root, or a zero duration give an
/// `Observed` with the reason, not an error.
pub fn observe_workload(opts: &MeasureOptions) -> Observed {
    if opts.observe.is_zero() {
        return Observed {
            report: None,
            why_not: Some("skipped (--observe-seconds 0)".into()),
        };
    }
    // Every mm listed, so the count the summary prints can be checked
    // against observed_rates.csv row by row.
    let cfg = ObserveConfig {
        duration: opts.observe,
        top: usize::MAX,
        ..ObserveConfig::default()
    };
    match observe(&cfg, opts.workload.as_ref()) {
        Ok(r) if !r.available => Observed {
            why_not: r.reason.clone(),
            report: Some(r),
        },
        Ok(r) => {
            let failed = r
                .workload
                .as_ref()
                .filter(|w| !w.completed)
                .map(|w| format!("the workload ended early: {}", w.outcome));
            Observed {
                report: Some(r),
                why_not: failed,
            }
        }
        Err(e) => Observed {
            report: None,
            why_not: Some(e.to_string()),
        },
    }
}

/// This machine's preemption and stall model.
pub fn machine() -> MachineModel {
    MachineModel::read()
}

#[derive(Serialize)]
struct RateRow<'a> {
    op: &'a str,
    threads: usize,
    rate_per_s: f64,
    rate_min: f64,
    rate_q1: f64,
    rate_q3: f64,
    rate_max: f64,
    runs: usize,
    run_ms: f64,
    verified: String,
    write_acq_per_call: Option<f64>,
    attacker: bool,
    cpu_model: &'a str,
    cores: usize,
    kernel: &'a str,
}

#[derive(Serialize)]
struct ObservedRow<'a> {
    process: &'a str,
    tgid: Option<u32>,
    in_workload: bool,
    is_self: bool,
    acquisitions: u64,
    life_s: f64,
    mean_rate_per_s: f64,
    peak_rate_per_s: f64,
    window_s: f64,
    workload: &'a str,
}

fn csv_bytes<T: Serialize>(rows: &[T], path: &Path) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)
            .map_err(|e| Error::Run(format!("{}: {e}", path.display())))?;
    }
    w.into_inner()
        .map_err(|e| Error::Run(format!("{}: {e}", path.display())))
}

/// Write what the report used into `data`: `measured_rates.csv` (every
/// cell, the attacker's marked) and `observed_rates.csv` (the listed mms).
/// Returns the files written.
pub fn write_artifacts(
    data: &Path,
    rates: &RateTable,
    observed: &Observed,
) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if let Some(t) = &rates.table {
        let attacker = rates.attacker();
        let rows: Vec<RateRow<'_>> = t
            .cells
            .iter()
            .map(|c| RateRow {
                op: c.op.name(),
                threads: c.threads,
                rate_per_s: c.spread.median,
                rate_min: c.spread.min,
                rate_q1: c.spread.q1,
                rate_q3: c.spread.q3,
                rate_max: c.spread.max,
                runs: c.spread.runs,
                run_ms: t.run_s * 1e3,
                verified: rates.status(c.op),
                write_acq_per_call: t.verification_of(c.op).and_then(|v| v.per_call),
                attacker: attacker
                    .as_ref()
                    .is_some_and(|a| a.op == c.op && a.threads == c.threads),
                cpu_model: &t.machine.cpu_model,
                cores: t.machine.cores,
                kernel: &t.machine.kernel,
            })
            .collect();
        let path = data.join("measured_rates.csv");
        crate::sweep::csv::write_atomic(&path, &csv_bytes(&rows, &path)?)?;
        files.push(path);
    }
    if let Some(r) = observed.report.as_ref().filter(|r| r.available) {
        let name = r.workload.as_ref().map_or("", |w| w.name.as_str());
        let rows: Vec<ObservedRow<'_>> = r
            .mms
            .iter()
            .map(|m| ObservedRow {
                process: m.name(),
                tgid: m.tgid,
                in_workload: m.in_workload,
                is_self: m.is_self,
                acquisitions: m.acquisitions,
                life_s: m.last_s - m.first_s,
                mean_rate_per_s: m.mean_rate_per_s,
                peak_rate_per_s: m.peak_rate_per_s,
                window_s: r.window_s,
                workload: name,
            })
            .collect();
        let path = data.join("observed_rates.csv");
        crate::sweep::csv::write_atomic(&path, &csv_bytes(&rows, &path)?)?;
        files.push(path);
    }
    Ok(files)
}
