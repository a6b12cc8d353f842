//! Running a grid: in parallel, in any order, written in grid order.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::question::Question;
use crate::results::EngineKind;
use crate::results::MetricValue;
use crate::results::Row;
use crate::results::metric::fmt_f64;
use crate::sweep::csv::{fingerprint_text, log10_text, to_bytes, write_atomic};
use crate::sweep::engines::Engines;
use crate::sweep::estimate::{SweepEstimate, budget_hint, human_s};
use crate::sweep::grid::{Point, Shard, points};
use crate::sweep::rates::{RateEntry, RatesByKind};
use crate::sweep::resume::{Progress, progress_path};
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
    /// `measured:*` rates taken elsewhere (a rate file): used instead of
    /// measuring. A kind the spec needs and this lacks is measured.
    pub rates: RatesByKind,
    /// Refuse (bad input) when the estimate is over this many seconds of
    /// wall time; `None` runs anything.
    pub budget_s: Option<f64>,
    /// Called once with the estimate, after the checks and before any point
    /// runs (the CLI prints it).
    pub on_estimate: Option<fn(&SweepEstimate)>,
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
            rates: RatesByKind::new(),
            budget_s: None,
            on_estimate: None,
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
    pub measured: BTreeMap<String, RateEntry>,
    /// The cost estimate made before the run.
    pub estimate: SweepEstimate,
    /// Temporary files of killed runs that `--resume` removed.
    pub removed_orphans: Vec<PathBuf>,
    /// Wall time.
    pub elapsed_s: f64,
}

/// The points of `q` that `shard` owns, and the grid size.
fn shard_points(q: &Question, shard: Shard) -> (usize, Vec<Point>) {
    let grid = points(q);
    let n = grid.len();
    (
        n,
        grid.into_iter().filter(|p| shard.owns(p.index)).collect(),
    )
}

/// The estimate of running `shard` of `q` from scratch on the current
/// thread pool (what `--estimate` prints).
pub fn estimate(q: &Question, shard: Shard) -> SweepEstimate {
    let (_, mine) = shard_points(q, shard);
    let todo: Vec<&Point> = mine.iter().collect();
    SweepEstimate::of(
        q,
        &todo,
        &crate::sweep::RealEngines::default().stress,
        rayon::current_num_threads(),
    )
}

/// Measure (or take from `preset`) every `measured:*` rate `q` uses in
/// `shard`. What `--measure-only` writes to a rate file.
pub fn measure_rates(
    q: &Question,
    shard: Shard,
    preset: &RatesByKind,
    engines: &dyn Engines,
) -> Result<RatesByKind> {
    let (_, mine) = shard_points(q, shard);
    let needs_rate = mine.iter().any(|p| p.engine.is_timed());
    let mut out = RatesByKind::new();
    for r in &q.rates {
        let key = r.value.to_string();
        if let RateSpec::Measured(kind) = r.value
            && needs_rate
            && !out.contains_key(&key)
        {
            let e = match preset.get(&key) {
                Some(e) => e.clone(),
                None => {
                    let m = engines.measure(kind)?;
                    RateEntry {
                        kind: key.clone(),
                        rate_per_s: m.cycles_per_s,
                        what: m.what,
                    }
                }
            };
            out.insert(key, e);
        }
    }
    Ok(out)
}

/// Run the points of `q` that belong to `opts.shard` and write their rows.
///
/// Invariants: the output holds the rows of exactly this shard's points in
/// grid order; it is byte-identical whatever the thread count, and whether
/// or not the run was killed and resumed (for engines that do not measure
/// hardware). The output appears only when complete.
///
/// Before any point runs: the estimate is made and checked against
/// `opts.budget_s` (over it: a usage error, nothing written), and the
/// `measured:*` rates are resolved (rate file, then a resumed run's kept
/// rates, then a fresh measurement). After that the progress file belongs
/// to this run: a later error removes it, a signal or kill leaves it for
/// `--resume`.
pub fn run_sweep(q: &Question, opts: &SweepOptions, engines: &dyn Engines) -> Result<SweepOutcome> {
    let start = Instant::now();
    for e in &q.engines {
        engines
            .available(*e)
            .map_err(|why| Error::Run(format!("{}: engine {e}: {why}", q.file)))?;
    }
    let (grid_points, mine) = shard_points(q, opts.shard);
    let shard = opts.shard.to_string();

    let mut removed_orphans = Vec::new();
    let previous = if opts.resume {
        let progress_file = progress_path(&opts.out);
        let names = [opts.out.file_name(), progress_file.file_name()];
        let names: Vec<&std::ffi::OsStr> = names.into_iter().flatten().collect();
        removed_orphans = crate::files::remove_orphans(&opts.out, &names)?;
        Progress::load(&opts.out, q.fingerprint, &shard)?
    } else {
        None
    };
    let progress = previous.unwrap_or_else(|| Progress {
        version: env!("CARGO_PKG_VERSION").into(),
        fingerprint: q.fingerprint,
        shard: shard.clone(),
        ..Progress::default()
    });

    let todo: Vec<&Point> = mine
        .iter()
        .filter(|p| !progress.done.contains_key(&p.index))
        .collect();
    let estimate = SweepEstimate::of(
        q,
        &todo,
        &crate::sweep::RealEngines::default().stress,
        rayon::current_num_threads(),
    );
    if let Some(budget) = opts.budget_s
        && estimate.wall_s > budget
    {
        return Err(Error::usage(format!(
            "{}: estimated {} is over the budget of {}: {}; pass --budget {} (or more) to run it",
            q.file,
            human_s(estimate.wall_s),
            human_s(budget),
            estimate.line(),
            budget_hint(estimate.wall_s)
        )));
    }
    if !opts.resume {
        Progress::remove(&opts.out)?;
    }
    if let Some(f) = opts.on_estimate {
        f(&estimate);
    }

    let mut progress = progress;
    let resumed_points = progress.done.len();
    // Resolve measured rates once (or reuse the ones a killed run took,
    // or those of a rate file).
    let mut measured = BTreeMap::new();
    let needed = measure_rates(q, opts.shard, &opts.rates, &Taken(&progress.rates, engines))?;
    for (kind, e) in needed {
        if let Some(&had) = progress.rates.get(&kind)
            && had.to_bits() != e.rate_per_s.to_bits()
        {
            return Err(Error::usage(format!(
                "{}: key 'rates': the kept progress used {kind} = {had} but the rate file says {}; \
                 resume without --rate-file or delete the progress",
                progress_path(&opts.out).display(),
                e.rate_per_s
            )));
        }
        progress.rates.insert(kind.clone(), e.rate_per_s);
        measured.insert(kind, e);
    }
    let rates = progress.rates.clone();

    // From here on this run owns the progress file: an error removes it
    // (a failed run leaves nothing behind); a kill or a signal keeps it
    // for --resume.
    let run = || -> Result<SweepOutcome> {
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
        let ctx = RowContext {
            q,
            grid_points,
            shard: &shard,
        };
        todo.par_iter().try_for_each(|p| -> Result<()> {
            let rate = p.rate.as_ref().map(|r| match r.value {
                RateSpec::PerSecond(v) => v,
                RateSpec::Measured(_) => rates[&r.value.to_string()],
            });
            let metrics = engines.run(q, p, rate)?;
            let rows = ctx.rows_of(p, rate, metrics);
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
            shard: shard.clone(),
            grid_points,
            points: mine.len(),
            resumed_points,
            rows: rows.len(),
            measured,
            estimate: estimate.clone(),
            removed_orphans: removed_orphans.clone(),
            elapsed_s: start.elapsed().as_secs_f64(),
        })
    };
    let outcome = run();
    if outcome.is_err() {
        let _ = Progress::remove(&opts.out);
    }
    outcome
}

/// Engines whose `measure` first looks in the rates a killed run kept, so
/// a resumed sweep reuses its measurement instead of taking a new one.
struct Taken<'a>(&'a BTreeMap<String, f64>, &'a dyn Engines);

impl Engines for Taken<'_> {
    fn available(&self, kind: crate::results::EngineKind) -> std::result::Result<(), String> {
        self.1.available(kind)
    }

    fn measure(&self, kind: crate::stress::RateKind) -> Result<crate::stress::Measurement> {
        match self.0.get(&RateSpec::Measured(kind).to_string()) {
            Some(&v) => Ok(crate::stress::Measurement {
                cycles_per_s: v,
                what: "kept by the interrupted run".into(),
            }),
            None => self.1.measure(kind),
        }
    }

    fn run(&self, q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<MetricValue>> {
        self.1.run(q, p, rate)
    }
}

/// What every row of a sweep shares.
struct RowContext<'a> {
    q: &'a Question,
    grid_points: usize,
    shard: &'a str,
}

impl RowContext<'_> {
    /// The rows of one point: one per metric, in the engine's order.
    fn rows_of(&self, p: &Point, rate: Option<f64>, metrics: Vec<MetricValue>) -> Vec<Row> {
        let q = self.q;
        metrics
            .into_iter()
            .map(|m| {
                let (lo, hi) = m.ci.unwrap_or_default();
                Row {
                    point: p.index,
                    spec: q.name.clone(),
                    protocol: p.protocol.name().into(),
                    params: p.protocol.params_string(),
                    bits: p.protocol.total_bits(),
                    rate: rate.map(fmt_f64).unwrap_or_default(),
                    process: p.process_text(),
                    hold: p.hold_text(),
                    window: p.window_text(),
                    engine: p.engine.name().into(),
                    metric: m.metric.name().into(),
                    log10_value: log10_text(&m.value),
                    value: m.value,
                    ci_low: lo,
                    ci_high: hi,
                    seed: if p.engine == EngineKind::Sample {
                        p.seed
                    } else {
                        0
                    },
                    seqwrap_version: env!("CARGO_PKG_VERSION").into(),
                    spec_fingerprint: fingerprint_text(q.fingerprint),
                    grid_points: Some(self.grid_points),
                    shard: self.shard.to_string(),
                    memory_model: if p.engine == EngineKind::Explore {
                        p.model.name().to_string()
                    } else {
                        String::new()
                    },
                }
            })
            .collect()
    }
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
