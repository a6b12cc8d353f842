//! `seqwrap litmus`: a protocol as a herd7 C litmus test, the writer
//! unrolled K cycles; its `exists` clause is the false positive.

use std::io::Write;

use super::protocol_flags::ProtocolFlags;
use seqwrap::text::units::{FlagExt, parse_count};

/// Shown by `seqwrap litmus --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap litmus --protocol rfc-v1 --param W=2 --cycles 2 > rfc-v1.litmus
  herd7 -conf linux-kernel.cfg rfc-v1.litmus     # Sometimes: the bug
  seqwrap explore --protocol rfc-v1 --param W=2 --memory-model lkmm

The same question as `explore --memory-model lkmm` with the writer
limited to K cycles in all; small widths keep herd7's state space small.";

/// Arguments of `seqwrap litmus`.
#[derive(Debug, clap::Args)]
pub struct LitmusArgs {
    /// The protocol.
    #[command(flatten)]
    pub protocol: ProtocolFlags,
    /// Writer cycles to unroll (1..=16).
    #[arg(long, default_value = "2", allow_hyphen_values = true)]
    pub cycles: String,
}

/// Print the litmus test.
pub fn run(args: &LitmusArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let s = args.protocol.spec()?;
    let k = parse_count(&args.cycles).flag("--cycles")?;
    let k = u32::try_from(k).unwrap_or(u32::MAX);
    out.write_all(seqwrap::litmus::litmus(&s, k)?.as_bytes())?;
    Ok(())
}
