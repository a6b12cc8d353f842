//! `seqwrap pick` (placeholder until its issue lands).

/// Arguments of `seqwrap pick`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Not built yet.
pub fn run(_args: &Args) -> anyhow::Result<()> {
    Err(seqwrap::Error::Run("seqwrap pick is not built yet".into()).into())
}
