//! `seqwrap report`: the main job (no arguments needed).

use std::io::Write;
use std::path::PathBuf;

use seqwrap::report::{ReportOptions, run_report};
use seqwrap::sweep::RealEngines;

/// Shown by `seqwrap report --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap report
  seqwrap report --out /tmp/r --data /tmp/d
  seqwrap report --json | jq -r .summary";

/// Arguments of `seqwrap report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory for the plots and summary.md.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Directory for the sweep CSVs.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Directory of the question specs (built-in copies are used for any
    /// spec missing there).
    #[arg(long, default_value = "analysis")]
    pub analysis: PathBuf,
    /// Print a JSON object (files, notes, elapsed_s, summary) instead of the summary.
    #[arg(long)]
    pub json: bool,
}

/// Run the report and print the summary.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<()> {
    seqwrap::export::file::check_output_dir("--out", &args.out)?;
    seqwrap::export::file::check_output_dir("--data", &args.data)?;
    let opts = ReportOptions {
        out: args.out.clone(),
        data: args.data.clone(),
        analysis: args.analysis.clone(),
        progress: !args.json,
    };
    let engines = RealEngines {
        rate_cache: Some(args.data.join("measured_rates.csv")),
        ..RealEngines::default()
    };
    let outcome = run_report(&opts, &engines)?;
    if args.json {
        super::print_json(out, "report", seqwrap::export::json::value(&outcome)?)?;
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
