//! `seqwrap explore` (being written).

use super::scheme_args::SchemeArgs;

/// Arguments of `seqwrap explore`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scheme.
    #[command(flatten)]
    pub scheme: SchemeArgs,
}

/// Explore.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let _ = args.scheme.spec()?;
    Ok(())
}
