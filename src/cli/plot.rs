//! `seqwrap plot CSV [--out DIR]`: draw the figures a sweep CSV has data for.

use std::io::Write;
use std::path::PathBuf;

/// Shown by `seqwrap plot --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap plot data/widths.csv
  seqwrap plot data/mm_lock_seq.csv --out /tmp/figs --json";

/// Arguments of `seqwrap plot`.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// A sweep CSV (header in data/README.md).
    pub csv: PathBuf,
    /// Directory for the PNG and SVG files (created if missing).
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Print a JSON object (files, skipped) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Plot. Files drawn go to stdout, one a line, then the figures skipped
/// for lack of data (`skipped NAME: why`): both are the command's result.
pub fn run(args: &PlotArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    seqwrap::files::check_input(&args.csv)?;
    seqwrap::files::check_output_dir("--out", &args.out)?;
    let outcome = seqwrap::plot::plot_csv(&args.csv, &args.out)?;
    if args.json {
        super::print_json(out, "plot", seqwrap::text::json::value(&outcome)?)?;
        return Ok(());
    }
    for f in &outcome.files {
        writeln!(out, "{}", f.display())?;
    }
    for s in &outcome.skipped {
        writeln!(out, "skipped {s}")?;
    }
    Ok(())
}
