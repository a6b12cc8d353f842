//! The scheme flags every engine subcommand takes (`#[command(flatten)]`).

use seqwrap::scheme::{SchemeFlags, SchemeSpec};

/// `--scheme S` and its parameters. Values are taken as text and validated
/// by [`SchemeSpec::from_flags`], so every error is one line naming the flag.
#[derive(Debug, Clone, clap::Args)]
pub struct SchemeArgs {
    /// Scheme: plain, split, epoch, guard, bounded (see `seqwrap schemes`).
    #[arg(long)]
    pub scheme: Option<String>,
    /// Counter width: i8, i16, i32, u64 or 2..=64 (plain, epoch, guard, bounded).
    #[arg(long, allow_hyphen_values = true)]
    pub bits: Option<String>,
    /// split: bits of the high word.
    #[arg(long)]
    pub hi: Option<String>,
    /// split: bits of the low word.
    #[arg(long)]
    pub lo: Option<String>,
    /// split: reader load order, naive or hi-lo-hi.
    #[arg(long)]
    pub read: Option<String>,
    /// split: lo-first|hi-first; epoch: seq-first|epoch-first.
    #[arg(long)]
    pub write_order: Option<String>,
    /// epoch: bits of the epoch word.
    #[arg(long)]
    pub epoch_bits: Option<String>,
    /// bounded: T, the most writer cycles an accepted window may see.
    #[arg(long, allow_hyphen_values = true)]
    pub max_window_cycles: Option<String>,
}

impl SchemeArgs {
    /// Validate into a scheme (one-line usage error on bad input).
    pub fn spec(&self) -> seqwrap::Result<SchemeSpec> {
        SchemeSpec::from_flags(&SchemeFlags {
            scheme: self.scheme.clone(),
            bits: self.bits.clone(),
            hi: self.hi.clone(),
            lo: self.lo.clone(),
            read: self.read.clone(),
            write_order: self.write_order.clone(),
            epoch_bits: self.epoch_bits.clone(),
            max_window_cycles: self.max_window_cycles.clone(),
        })
    }
}
