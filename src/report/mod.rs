//! `seqwrap report`: the main job. Runs the shipped questions, writes their
//! CSVs, the plots and `summary.md` — an answer to the seed's question a
//! maintainer can paste into a reply (every line at most 72 columns).
//!
//! Order: measure the kernel's write-lock rate once (or say why not); load
//! each shipped spec, dropping engines this build lacks and the measured
//! rate if it could not be taken (both said in the summary, never replaced
//! by made-up numbers); sweep each into `DATA/NAME.csv`; plot each into
//! `OUT/`; read the CSVs back and write `OUT/summary.md` from the rows only.

pub mod specs;
pub mod summary;
pub mod table;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::Result;
use crate::question::{EngineKind, Question};
use crate::stress::RateKind;
use crate::sweep::engines::MeasuredRate;
use crate::sweep::{Engines, Metric, Point, SweepOptions, run_sweep};
use crate::timing::RateSpec;

/// Where the report reads and writes.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Plots and summary.md.
    pub out: PathBuf,
    /// Sweep CSVs.
    pub data: PathBuf,
    /// Spec directory; the shipped copies built into the binary are used
    /// for any spec not found there.
    pub analysis: PathBuf,
    /// Progress bars on stderr.
    pub progress: bool,
}

/// What the report did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReportOutcome {
    /// The summary's text (also written to `OUT/summary.md`).
    pub summary: String,
    /// Every file written.
    pub files: Vec<PathBuf>,
    /// Things the reader must know: missing engines, skipped measurements.
    pub notes: Vec<String>,
    /// Wall time.
    pub elapsed_s: f64,
}

/// Engines with `measured:*` rates taken once and shared by every sweep of
/// the report, so all its CSVs agree on the rate.
struct Shared<'a> {
    inner: &'a dyn Engines,
    cache: Mutex<BTreeMap<&'static str, MeasuredRate>>,
}

impl Engines for Shared<'_> {
    fn available(&self, kind: EngineKind) -> std::result::Result<(), String> {
        self.inner.available(kind)
    }

    fn measure(&self, kind: RateKind) -> Result<MeasuredRate> {
        let key = kind.name();
        if let Some(m) = self.cache.lock().ok().and_then(|c| c.get(key).cloned()) {
            return Ok(m);
        }
        let m = self.inner.measure(kind)?;
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, m.clone());
        }
        Ok(m)
    }

    fn run(&self, q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<Metric>> {
        self.inner.run(q, p, rate)
    }
}

/// Which figure each shipped spec feeds: the width sweep draws time to
/// first false positive (57 widths make a smooth line), the seed's spec
/// the window probabilities, fixes and engines their own.
fn figures_of(spec: &str) -> &'static [&'static str] {
    match spec {
        "widths" => &["time_to_fp"],
        "mm_lock_seq" => &["p_window"],
        "fixes" => &["fixes"],
        "engines" => &["engines"],
        _ => &[],
    }
}

/// Run the report.
pub fn run_report(opts: &ReportOptions, engines: &dyn Engines) -> Result<ReportOutcome> {
    let start = Instant::now();
    let shared = Shared {
        inner: engines,
        cache: Mutex::new(BTreeMap::new()),
    };
    let mut notes = Vec::new();
    let mut files = Vec::new();

    let kernel = match shared.measure(RateKind::KERNEL) {
        Ok(m) => Some(m),
        Err(e) => {
            notes.push(format!(
                "The kernel write-lock rate was not measured ({e}); \
                 the tables use the fixed rates only."
            ));
            None
        }
    };
    let mut missing = Vec::new();
    for e in EngineKind::ALL {
        if let Err(why) = shared.available(e) {
            notes.push(format!(
                "Engine {e} is missing from this build ({why}); its rows are absent."
            ));
            missing.push(e);
        }
    }

    let mut csvs = Vec::new();
    for (name, q) in specs::load_shipped(&opts.analysis)? {
        let mut q = q;
        q.engines.retain(|e| !missing.contains(e));
        if kernel.is_none() {
            q.rates
                .retain(|r| !matches!(r.value, RateSpec::Measured(_)));
        }
        if q.engines.is_empty() || q.point_count() == 0 {
            notes.push(format!(
                "Spec {name} has nothing to run with the engines of this build."
            ));
            continue;
        }
        let out = opts.data.join(format!("{}.csv", q.name));
        let mut so = SweepOptions::new(out.clone());
        so.progress = opts.progress;
        run_sweep(&q, &so, &shared)?;
        files.push(out.clone());
        csvs.push((q, out));
    }

    let mut tables = Vec::new();
    for (q, csv) in &csvs {
        let rows = crate::sweep::csv::read(csv)?;
        let plotted = crate::plot::plot_rows(&rows, &opts.out, "", Some(figures_of(&q.name)))?;
        files.extend(plotted.files.iter().cloned());
        tables.push(summary::SpecRows {
            question: q.clone(),
            rows,
            plots: plotted.files,
        });
    }
    let text = summary::render(&summary::Inputs {
        kernel: kernel.as_ref(),
        specs: &tables,
        notes: &notes,
    });
    let path = opts.out.join("summary.md");
    crate::sweep::csv::write_atomic(&path, text.as_bytes())?;
    files.push(path);
    Ok(ReportOutcome {
        summary: text,
        files,
        notes,
        elapsed_s: start.elapsed().as_secs_f64(),
    })
}
