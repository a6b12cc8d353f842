//! The scheme flags every engine subcommand takes (`#[command(flatten)]`):
//! a catalog name or a description file, `--param NAME=VALUE`, and the old
//! per-scheme flags, which the catalog maps onto parameters.

use seqwrap::protocol::{Scheme, SchemeRequest};

/// `--scheme NAME` or `--protocol FILE`, and parameters. Values are taken
/// as text and validated by [`SchemeRequest::resolve`], so every error is
/// one line naming the flag.
#[derive(Debug, Clone, clap::Args)]
pub struct SchemeArgs {
    /// A catalog scheme: plain, rfc-v1, rfc-v2, seqcount, split, epoch,
    /// guard, bounded, saturate, atomic64 (see `seqwrap schemes`).
    #[arg(long)]
    pub scheme: Option<String>,
    /// A protocol description file (TOML with kernel C; see README,
    /// "Describing a protocol").
    #[arg(long, value_name = "FILE")]
    pub protocol: Option<std::path::PathBuf>,
    /// Set a parameter of the description: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Counter width W: i8, i16, i32, u64 or 2..=64.
    #[arg(long, allow_hyphen_values = true)]
    pub bits: Option<String>,
    /// split: H, bits of the high word.
    #[arg(long)]
    pub hi: Option<String>,
    /// split: L, bits of the low word.
    #[arg(long)]
    pub lo: Option<String>,
    /// split: READ, the reader's load order (naive, hi-lo-hi, lo-hi-lo).
    #[arg(long)]
    pub read: Option<String>,
    /// ORDER: split lo-first|hi-first; epoch seq-first|epoch-first.
    #[arg(long)]
    pub write_order: Option<String>,
    /// epoch: E, bits of the epoch word.
    #[arg(long)]
    pub epoch_bits: Option<String>,
    /// bounded: T, the most writer cycles an accepted window may see.
    #[arg(long, allow_hyphen_values = true)]
    pub max_window_cycles: Option<String>,
}

impl SchemeArgs {
    /// The request as typed, before validation.
    pub fn request(&self) -> seqwrap::Result<SchemeRequest> {
        let mut r = SchemeRequest {
            scheme: self.scheme.clone(),
            protocol: self.protocol.clone(),
            legacy: Vec::new(),
            params: self.params.clone(),
        };
        for (flag, v) in [
            ("bits", &self.bits),
            ("hi", &self.hi),
            ("lo", &self.lo),
            ("read", &self.read),
            ("write-order", &self.write_order),
            ("epoch-bits", &self.epoch_bits),
            ("max-window-cycles", &self.max_window_cycles),
        ] {
            if let Some(v) = v {
                r.set_legacy(flag, v)?;
            }
        }
        Ok(r)
    }

    /// Validate into a scheme (one-line usage error on bad input).
    pub fn spec(&self) -> seqwrap::Result<Scheme> {
        self.request()?.resolve()
    }
}
