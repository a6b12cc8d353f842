//! `seqwrap report`: the main job (no arguments needed).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use seqwrap::report::evidence::MeasureOptions;
use seqwrap::report::{ReportOptions, run_report};
use seqwrap::stress::{KernelConfig, Workload, WorkloadSize, default_cache_path, parse_threads};
use seqwrap::sweep::RealEngines;
use seqwrap::timing::{FlagExt, parse_positive_time};

/// Shown by `seqwrap report --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap report
  seqwrap report --workload-size quick --observe-seconds 20
  seqwrap report --out /tmp/r --data /tmp/d
  seqwrap report --json | jq -r .summary";

/// Arguments of `seqwrap report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Directory for the plots and summary.md.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Directory for the sweep CSVs and what was measured
    /// (measured_rates.csv, observed_rates.csv).
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Directory of the question specs (built-in copies are used for any
    /// spec missing there).
    #[arg(long, default_value = "analysis")]
    pub analysis: PathBuf,
    /// The longest the observed workload may run, seconds (it is killed
    /// then); 0 skips the observation.
    #[arg(long, value_name = "SECS", default_value = "30")]
    pub observe_seconds: f64,
    /// How much the observed `cargo build` compiles: full (about 10-25 s on
    /// two cores) or quick (a few seconds).
    #[arg(long, value_name = "SIZE", default_value = "full")]
    pub workload_size: String,
    /// Measuring time per cell of the rate table (a time: 700ms).
    #[arg(long, value_name = "T", default_value = "700ms")]
    pub rate_duration: String,
    /// Runs per cell of the rate table.
    #[arg(long, value_name = "N", default_value = "7")]
    pub rate_runs: usize,
    /// Thread counts of the rate table (N, A..B or a list) [default: 1, 2,
    /// 4, ... up to the cores, at most 8].
    #[arg(long, value_name = "LIST")]
    pub threads: Option<String>,
    /// How long the real hold runs, seconds (a thread asleep in a
    /// userfaultfd-held fault while the others drive the write lock; where
    /// permitted); 0 skips it.
    #[arg(long, value_name = "SECS", default_value = "10")]
    pub hold_seconds: f64,
    /// Print a JSON object (files, notes, elapsed_s, summary) instead of the summary.
    #[arg(long)]
    pub json: bool,
}

/// Run the report and print the summary.
pub fn run(args: &ReportArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    seqwrap::files::check_output_dir("--out", &args.out)?;
    seqwrap::files::check_output_dir("--data", &args.data)?;
    if !(args.observe_seconds.is_finite() && (0.0..=3600.0).contains(&args.observe_seconds)) {
        return Err(seqwrap::Error::usage(format!(
            "--observe-seconds: {}; allowed: 0 (skip) to 3600",
            args.observe_seconds
        ))
        .into());
    }
    if !(args.hold_seconds.is_finite() && (0.0..=3600.0).contains(&args.hold_seconds)) {
        return Err(seqwrap::Error::usage(format!(
            "--hold-seconds: {}; allowed: 0 (skip) to 3600",
            args.hold_seconds
        ))
        .into());
    }
    let size: WorkloadSize = args.workload_size.parse()?;
    let duration = parse_positive_time(&args.rate_duration).flag("--rate-duration")?;
    if !(1..=1000).contains(&args.rate_runs) {
        return Err(seqwrap::Error::usage(format!(
            "--rate-runs: {}; allowed: 1..=1000",
            args.rate_runs
        ))
        .into());
    }
    let per_run = duration / (args.rate_runs as f64);
    if per_run < 1e-3 || duration > 3600.0 {
        return Err(seqwrap::Error::usage(
            "--rate-duration: allowed: at least 1 ms per run, at most 3600 s (e.g. 700ms)",
        )
        .into());
    }
    let d = KernelConfig::default();
    let kernel = KernelConfig {
        threads: match &args.threads {
            Some(t) => parse_threads(t)?,
            None => d.threads.clone(),
        },
        runs: args.rate_runs,
        duration: Duration::from_secs_f64(duration),
        ..d
    };
    let opts = ReportOptions {
        out: args.out.clone(),
        data: args.data.clone(),
        analysis: args.analysis.clone(),
        progress: !args.json,
        measure: MeasureOptions {
            kernel,
            observe: Duration::from_secs_f64(args.observe_seconds),
            workload: Some(Workload::CargoBuild { size }),
            cache: default_cache_path(),
            hold: Duration::from_secs_f64(args.hold_seconds),
        },
    };
    // Measured rates (for any spec rate the report does not resolve
    // itself) go to the user's rate cache, never into the checkout.
    let engines = RealEngines::default();
    let outcome = run_report(&opts, &engines)?;
    if args.json {
        super::print_json(out, "report", seqwrap::text::json::value(&outcome)?)?;
    } else {
        write!(out, "{}", outcome.summary)?;
        // A note, not the result: stderr, and a closed stderr is no error.
        let _ = writeln!(
            std::io::stderr(),
            "wrote {} files in {:.1} s (summary: {})",
            outcome.files.len(),
            outcome.elapsed_s,
            args.out.join("summary.md").display()
        );
    }
    Ok(())
}
