//! `seqwrap merge SHARD.csv... --out FILE`: join sweep shards.

use std::io::Write;
use std::path::PathBuf;

/// Shown by `seqwrap merge --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap merge data/widths.*-of-3.csv --out data/widths.csv
  seqwrap merge s1.csv s2.csv s3.csv --out all.csv --json

Refused (exit 2, one line naming the files): shards of different
specs (their spec_fingerprint differs), a file given twice, two files
of one shard, a missing shard, a shard missing some of its points.";

/// Arguments of `seqwrap merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shard CSVs, any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// The merged CSV (its directory must exist; a symlink is followed).
    #[arg(long)]
    pub out: PathBuf,
    /// Print a JSON object (spec, shards, rows, out) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Merge.
pub fn run(args: &MergeArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    for s in &args.shards {
        seqwrap::files::check_input(s)?;
    }
    let inputs: Vec<&std::path::Path> = args.shards.iter().map(PathBuf::as_path).collect();
    let target = seqwrap::files::check_output("--out", &args.out, &inputs, false)?;
    let mut outcome = seqwrap::sweep::merge(&args.shards, &target)?;
    outcome.out = args.out.clone();
    if args.json {
        super::print_json(out, "merge", seqwrap::text::json::value(&outcome)?)?;
    } else {
        writeln!(
            out,
            "{} shards, {} rows -> {}",
            args.shards.len(),
            outcome.rows,
            args.out.display()
        )?;
    }
    Ok(())
}
