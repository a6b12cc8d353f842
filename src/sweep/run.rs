//! Running a grid: in parallel, in any order, written in grid order.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::question::{EngineKind, Question};
use crate::sweep::csv::{Row, to_bytes, write_atomic};
use crate::sweep::engines::{Engines, Metric, fmt_f64};
use crate::sweep::grid::{Point, Shard, points};
use crate::sweep::resume::Progress;
use crate::timing::RateSpec;

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// The CSV to write (atomically, at the end).
    pub out: PathBuf,
    /// Which share of the points to run.
    pub shard: Shard,
    /// Reuse the progress a killed run left behind.
    pub resume: bool,
    /// Draw a progress bar with ETA on stderr.
    pub progress: bool,
    /// Save progress at most this often (a kill loses at most this much work).
    pub save_every: Duration,
}

impl SweepOptions {
    /// Defaults: whole grid, no resume, progress every 0.5 s.
    pub fn new(out: PathBuf) -> SweepOptions {
        SweepOptions {
            out,
            shard: Shard::ALL,
            resume: false,
            progress: false,
            save_every: Duration::from_millis(500),
        }
    }
}

/// What a sweep did.
#[derive(Clone, Debug, Serialize)]
pub struct SweepOutcome {
    /// The spec's name.
    pub spec: String,
    /// The CSV written.
    pub out: PathBuf,
    /// The shard, `K/N`.
    pub shard: String,
    /// Points in the whole grid.
    pub grid_points: usize,
    /// Points of this shard.
    pub points: usize,
    /// Points taken from a previous run's progress.
    pub resumed_points: usize,
    /// Rows written.
    pub rows: usize,
    /// Measured rates used, with what was measured.
    pub measured: BTreeMap<String, String>,
    /// Wall time.
    pub elapsed_s: f64,
}

/// Run the points of `q` that belong to `opts.shard` and write their rows.
///
/// Invariants: the output holds the rows of exactly this shard's points in
/// grid order; it is byte-identical whatever the thread count, and whether
/// or not the run was killed and resumed (for engines that do not measure
/// hardware). The output appears only when complete.
pub fn run_sweep(q: &Question, opts: &SweepOptions, engines: &dyn Engines) -> Result<SweepOutcome> {
    let start = Instant::now();
    for e in &q.engines {
        engines
            .available(*e)
            .map_err(|why| Error::Run(format!("{}: engine {e}: {why}", q.file)))?;
    }
    let grid = points(q);
    let mine: Vec<&Point> = grid.iter().filter(|p| opts.shard.owns(p.index)).collect();
    let shard = opts.shard.to_string();

    let previous = if opts.resume {
        Progress::load(&opts.out, q.fingerprint, &shard)?
    } else {
        Progress::remove(&opts.out)?;
        None
    };
    let mut progress = previous.unwrap_or_else(|| Progress {
        version: env!("CARGO_PKG_VERSION").into(),
        fingerprint: q.fingerprint,
        shard: shard.clone(),
        ..Progress::default()
    });
    let resumed_points = progress.done.len();

    // Resolve measured rates once (or reuse the ones a killed run took).
    let mut measured = BTreeMap::new();
    let needs_rate = mine.iter().any(|p| p.engine.is_timed());
    for r in &q.rates {
        if let RateSpec::Measured(kind) = r.value
            && needs_rate
            && !progress.rates.contains_key(&r.value.to_string())
        {
            let m = engines.measure(kind)?;
            measured.insert(r.value.to_string(), m.what.clone());
            progress.rates.insert(r.value.to_string(), m.cycles_per_s);
        }
    }
    let rates = progress.rates.clone();

    let todo: Vec<&Point> = mine
        .iter()
        .copied()
        .filter(|p| !progress.done.contains_key(&p.index))
        .collect();
    let bar = progress_bar(
        opts.progress,
        mine.len() as u64,
        resumed_points as u64,
        &q.name,
    );
    let state = Mutex::new((progress, Instant::now()));
    let save = |force: bool| -> Result<()> {
        let mut g = state
            .lock()
            .map_err(|_| Error::Run("sweep: poisoned".into()))?;
        if force || g.1.elapsed() >= opts.save_every {
            g.0.save(&opts.out)?;
            g.1 = Instant::now();
        }
        Ok(())
    };
    save(true)?;
    todo.par_iter().try_for_each(|p| -> Result<()> {
        let rate = p.rate.as_ref().map(|r| match r.value {
            RateSpec::PerSecond(v) => v,
            RateSpec::Measured(_) => rates[&r.value.to_string()],
        });
        let metrics = engines.run(q, p, rate)?;
        let rows = rows_of(q, p, rate, metrics);
        {
            let mut g = state
                .lock()
                .map_err(|_| Error::Run("sweep: poisoned".into()))?;
            g.0.done.insert(p.index, rows);
        }
        bar.inc(1);
        save(false)
    })?;
    save(true)?;
    bar.finish_and_clear();

    let progress = state
        .into_inner()
        .map_err(|_| Error::Run("sweep: poisoned".into()))?
        .0;
    let rows: Vec<Row> = progress.done.into_values().flatten().collect();
    write_atomic(&opts.out, &to_bytes(&rows)?)?;
    Progress::remove(&opts.out)?;
    Ok(SweepOutcome {
        spec: q.name.clone(),
        out: opts.out.clone(),
        shard,
        grid_points: grid.len(),
        points: mine.len(),
        resumed_points,
        rows: rows.len(),
        measured,
        elapsed_s: start.elapsed().as_secs_f64(),
    })
}

/// The rows of one point: one per metric, in the engine's order.
fn rows_of(q: &Question, p: &Point, rate: Option<f64>, metrics: Vec<Metric>) -> Vec<Row> {
    metrics
        .into_iter()
        .map(|m| {
            let (lo, hi) = m.ci.unwrap_or_default();
            Row {
                point: p.index,
                spec: q.name.clone(),
                scheme: p.scheme.name().into(),
                params: p.scheme.params_string(),
                bits: p.scheme.total_bits(),
                rate: rate.map(fmt_f64).unwrap_or_default(),
                process: p.process_text(),
                hold: p.hold_text(),
                window: p.window_text(),
                engine: p.engine.name().into(),
                metric: m.name.into(),
                value: m.value,
                ci_low: lo,
                ci_high: hi,
                seed: if p.engine == EngineKind::Sample {
                    p.seed
                } else {
                    0
                },
                seqwrap_version: env!("CARGO_PKG_VERSION").into(),
            }
        })
        .collect()
}

fn progress_bar(show: bool, len: u64, done: u64, name: &str) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{prefix} [{bar:30}] {pos}/{len} points, {elapsed} elapsed, ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(name.to_string());
    bar.set_position(done);
    bar
}
