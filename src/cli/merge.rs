//! `seqwrap merge SHARD.csv... --out FILE`: join sweep shards.

use std::path::PathBuf;

/// Arguments of `seqwrap merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shard CSVs, any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// The merged CSV.
    #[arg(long)]
    pub out: PathBuf,
}

/// Merge.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let rows = seqwrap::sweep::merge(&args.shards, &args.out)?;
    println!(
        "{} shards, {rows} rows -> {}",
        args.shards.len(),
        args.out.display()
    );
    Ok(())
}
