//! `seqwrap plot CSV [--out DIR]`: draw the figures a sweep CSV has data for.

use std::path::PathBuf;

/// Arguments of `seqwrap plot`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A sweep CSV (header in data/README.md).
    pub csv: PathBuf,
    /// Directory for the PNG and SVG files.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Print a JSON object (files, skipped) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Plot.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let outcome = seqwrap::plot::plot_csv(&args.csv, &args.out)?;
    if args.json {
        println!("{}", serde_json::to_string(&outcome)?);
        return Ok(());
    }
    for f in &outcome.files {
        println!("{}", f.display());
    }
    for s in &outcome.skipped {
        eprintln!("skipped {s}");
    }
    Ok(())
}
