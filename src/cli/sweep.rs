//! `seqwrap sweep SPEC`: run a question's grid into CSV.

use std::path::PathBuf;
use std::time::Duration;

use seqwrap::question::Question;
use seqwrap::sweep::{FakeEngines, RealEngines, Shard, SweepOptions, run_sweep};

/// Arguments of `seqwrap sweep`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The question spec (TOML, see analysis/README.md).
    pub spec: PathBuf,
    /// The CSV to write [default: data/NAME.csv, or data/NAME.K-of-N.csv for a shard].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only shard K of N (points with index % N == K-1).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Continue a killed run from its kept progress.
    #[arg(long)]
    pub resume: bool,
    /// Print a JSON summary of the run instead of text.
    #[arg(long)]
    pub json: bool,
    /// Testing only: use deterministic fake engines sleeping MS per point.
    #[arg(long, hide = true, value_name = "MS")]
    pub debug_fake_engines: Option<u64>,
}

/// Run the sweep.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(seqwrap::Error::usage)?,
        None => Shard::ALL,
    };
    let q = Question::load(&args.spec)?;
    let out = args.out.clone().unwrap_or_else(|| {
        let name = if shard == Shard::ALL {
            format!("{}.csv", q.name)
        } else {
            format!("{}.{}-of-{}.csv", q.name, shard.k, shard.n)
        };
        PathBuf::from("data").join(name)
    });
    let mut opts = SweepOptions::new(out);
    opts.shard = shard;
    opts.resume = args.resume;
    opts.progress = !args.json;
    let outcome = match args.debug_fake_engines {
        Some(ms) => run_sweep(
            &q,
            &opts,
            &FakeEngines {
                delay: Duration::from_millis(ms),
            },
        )?,
        None => run_sweep(&q, &opts, &RealEngines::default())?,
    };
    if args.json {
        println!("{}", serde_json::to_string(&outcome)?);
    } else {
        for (kind, what) in &outcome.measured {
            println!("{kind}: {what}");
        }
        println!(
            "{}: {} points ({} resumed) of {} in shard {}, {} rows -> {} ({:.1} s)",
            outcome.spec,
            outcome.points,
            outcome.resumed_points,
            outcome.grid_points,
            outcome.shard,
            outcome.rows,
            outcome.out.display(),
            outcome.elapsed_s
        );
    }
    Ok(())
}
