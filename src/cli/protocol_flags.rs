//! The protocol flags every engine subcommand takes (`#[command(flatten)]`):
//! a catalog name or a protocol file, `--param NAME=VALUE`, and the old
//! per-protocol flags, which the catalog maps onto parameters.

use std::path::Path;

use seqwrap::protocol::catalog::ProtocolRef;
use seqwrap::protocol::{Protocol, ProtocolRequest};

/// `--protocol NAME` or `--protocol FILE`, and parameters. Values are taken
/// as text and validated by [`ProtocolRequest::resolve`], so every error is
/// one line naming the flag.
#[derive(Debug, Clone, clap::Args)]
pub struct ProtocolFlags {
    /// The protocol: a catalog name (plain, rfc-v1, rfc-v2, seqcount,
    /// split, epoch, guard, bounded, saturate, atomic64; see `seqwrap
    /// protocols`) or the path of your own protocol file (TOML with kernel
    /// C; see README, "Describing a protocol").
    #[arg(long, value_name = "NAME|FILE")]
    pub protocol: Option<String>,
    /// Set a parameter of the protocol: NAME=VALUE (repeatable).
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

impl ProtocolFlags {
    /// The request as typed, before validation.
    pub fn request(&self) -> seqwrap::Result<ProtocolRequest> {
        let mut r = ProtocolRequest {
            protocol: self
                .protocol
                .as_deref()
                .map(|t| ProtocolRef::parse(t, Path::new("")))
                .transpose()
                .map_err(|e| seqwrap::Error::usage(format!("--protocol: {e}")))?,
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

    /// Validate into a protocol (one-line usage error on bad input).
    pub fn spec(&self) -> seqwrap::Result<Protocol> {
        self.request()?.resolve()
    }
}
