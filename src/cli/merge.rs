//! `seqwrap merge` (placeholder until its issue lands).

/// Arguments of `seqwrap merge`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Not built yet.
pub fn run(_args: &Args) -> anyhow::Result<()> {
    Err(seqwrap::Error::Run("seqwrap merge is not built yet".into()).into())
}
