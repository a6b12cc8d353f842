//! `seqwrap report` (placeholder until its issue lands).

/// Arguments of `seqwrap report`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Not built yet.
pub fn run(_args: &Args) -> anyhow::Result<()> {
    Err(seqwrap::Error::Run("seqwrap report is not built yet".into()).into())
}
