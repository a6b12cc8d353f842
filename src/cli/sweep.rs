//! `seqwrap sweep SPEC`: run a question's grid into CSV.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use seqwrap::question::Question;
use seqwrap::sweep::estimate::{DEFAULT_BUDGET_S, SweepEstimate};
use seqwrap::sweep::{
    FakeEngines, RealEngines, Shard, SweepOptions, batch, measure_rates, rates, run_sweep,
};

/// Shown by `seqwrap sweep --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap sweep analysis/widths.toml
  seqwrap sweep analysis/widths.toml --estimate
  seqwrap sweep analysis/widths.toml --shard 2/3
  seqwrap sweep analysis/widths.toml --resume

Batch systems (README, \"Sharded sweeps\"): measure rates once, run
the shards, merge:
  seqwrap sweep SPEC --rate-file rates.csv --measure-only
  parallel seqwrap sweep SPEC --rate-file rates.csv --shard {}/3 \\
      ::: 1 2 3
  sbatch --array=1-3 --wrap \\
      'seqwrap sweep SPEC --rate-file rates.csv --shard auto'
  seqwrap merge data/NAME.*-of-3.csv --out data/NAME.csv";

/// Arguments of `seqwrap sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The question spec (TOML, see analysis/README.md).
    pub spec: PathBuf,
    /// The CSV to write [default: data/NAME.csv, or data/NAME.K-of-N.csv
    /// for a shard]. Its directory must exist; a symlink is followed.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only shard K of N (points with index % N == K-1); `auto` reads
    /// a Slurm array (SLURM_ARRAY_TASK_ID...) or a Kubernetes indexed Job
    /// (JOB_COMPLETION_INDEX with SEQWRAP_SHARD_COUNT).
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<String>,
    /// Continue a killed run from its kept progress (and remove temporary
    /// files killed runs left).
    #[arg(long)]
    pub resume: bool,
    /// Take measured:* rates from FILE (kind,rate_per_s,what); if FILE does
    /// not exist, measure them and write it first.
    #[arg(long, value_name = "FILE")]
    pub rate_file: Option<PathBuf>,
    /// With --rate-file: measure the spec's measured:* rates, write FILE
    /// (replacing it) and stop.
    #[arg(long, requires = "rate_file")]
    pub measure_only: bool,
    /// Print the cost estimate and stop.
    #[arg(long)]
    pub estimate: bool,
    /// Refuse a sweep estimated to take longer than this (default 1h).
    #[arg(long, value_name = "DURATION")]
    pub budget: Option<String>,
    /// Print a JSON summary of the run instead of text.
    #[arg(long)]
    pub json: bool,
    /// Testing only: use deterministic fake engines sleeping MS per point.
    #[arg(long, hide = true, value_name = "MS")]
    pub debug_fake_engines: Option<u64>,
}

fn print_estimate(e: &SweepEstimate) {
    if std::io::stderr().is_terminal() {
        let _ = writeln!(std::io::stderr(), "estimate: {}", e.line());
    }
}

/// Run the sweep.
pub fn run(args: &SweepArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let shard = match args.shard.as_deref() {
        Some("auto") => batch::shard_from_env(|v| std::env::var(v).ok())?,
        Some(s) => Shard::parse(s).map_err(seqwrap::Error::usage)?,
        None => Shard::ALL,
    };
    let budget_s = match &args.budget {
        Some(b) => {
            use seqwrap::timing::FlagExt;
            seqwrap::timing::parse_positive_time(b).flag("--budget")?
        }
        None => DEFAULT_BUDGET_S,
    };
    seqwrap::files::check_input(&args.spec)?;
    let q = Question::load(&args.spec)?;
    let fake = args.debug_fake_engines.map(|ms| FakeEngines {
        delay: Duration::from_millis(ms),
    });
    let real = RealEngines::default();
    let engines: &dyn seqwrap::sweep::Engines = match &fake {
        Some(f) => f,
        None => &real,
    };

    if args.estimate {
        let e = seqwrap::sweep::estimate(&q, shard);
        if args.json {
            let mut v = seqwrap::text::json::value(&e)?;
            v["budget_s"] = serde_json::Value::from(budget_s);
            v["spec"] = serde_json::Value::from(q.name.clone());
            v["shard"] = serde_json::Value::from(shard.to_string());
            super::print_json(out, "sweep", v)?;
        } else {
            writeln!(out, "{}: {}", q.name, e.line())?;
        }
        return Ok(());
    }

    let mut preset = rates::RatesByKind::new();
    if let Some(file) = &args.rate_file {
        let spec: &Path = &args.spec;
        if args.measure_only || !file.exists() {
            let target = seqwrap::files::check_output("--rate-file", file, &[spec], false)?;
            let taken = measure_rates(&q, Shard::ALL, &preset, engines)?;
            seqwrap::files::write_atomic(&target, &rates::to_bytes(&taken)?)?;
            if args.measure_only {
                for e in taken.values() {
                    writeln!(out, "{}: {} /s ({})", e.kind, e.rate_per_s, e.what)?;
                }
                writeln!(out, "-> {}", file.display())?;
                return Ok(());
            }
            preset = taken;
        } else {
            preset = rates::read(file)?;
        }
    }

    let default_out = args.out.is_none();
    let out_path = args.out.clone().unwrap_or_else(|| {
        let name = if shard == Shard::ALL {
            format!("{}.csv", q.name)
        } else {
            format!("{}.{}-of-{}.csv", q.name, shard.k, shard.n)
        };
        PathBuf::from("data").join(name)
    });
    let mut inputs: Vec<&Path> = vec![&args.spec];
    if let Some(f) = &args.rate_file {
        inputs.push(f);
    }
    let target = seqwrap::files::check_output("--out", &out_path, &inputs, default_out)?;

    let mut opts = SweepOptions::new(target);
    opts.shard = shard;
    opts.resume = args.resume;
    opts.progress = !args.json;
    opts.rates = preset;
    opts.budget_s = Some(budget_s);
    opts.on_estimate = (!args.json).then_some(print_estimate as fn(&SweepEstimate));
    let mut outcome = run_sweep(&q, &opts, engines)?;
    outcome.out = out_path;
    if args.json {
        super::print_json(out, "sweep", seqwrap::text::json::value(&outcome)?)?;
    } else {
        for p in &outcome.removed_orphans {
            writeln!(out, "removed {} (left by a killed run)", p.display())?;
        }
        for (kind, e) in &outcome.measured {
            writeln!(out, "{kind}: {} /s ({})", e.rate_per_s, e.what)?;
        }
        writeln!(
            out,
            "{}: {} points ({} resumed) of {} in shard {}, {} rows -> {} ({:.1} s)",
            outcome.spec,
            outcome.points,
            outcome.resumed_points,
            outcome.grid_points,
            outcome.shard,
            outcome.rows,
            outcome.out.display(),
            outcome.elapsed_s
        )?;
    }
    Ok(())
}
