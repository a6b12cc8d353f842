//! The rate file: measured writer rates taken once and handed to every
//! shard (`seqwrap sweep SPEC --rate-file FILE`).
//!
//! A `measured:kernel` rate measured separately on each node of a batch
//! job would give each shard its own rate, and the merged CSV would mix
//! them. So a sharded sweep measures once (`--measure-only`), writes the
//! rates here, and every shard reads them.
//!
//! Format (CSV, header first, one row per kind):
//!
//! ```text
//! kind,rate_per_s,what
//! measured:kernel,9703440.5,"munmap-null threads=1 runs=5x100ms median, Linux 6.18, measured now"
//! ```
//!
//! `rate_per_s` is the shortest round-trip float, so a rate read back is
//! the rate measured, bit for bit.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A rate and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateEntry {
    /// `measured:kernel` or `measured:stress`.
    pub kind: String,
    /// Write-lock cycles per second.
    pub rate_per_s: f64,
    /// What was measured where.
    pub what: String,
}

/// RatesByKind by kind.
pub type RatesByKind = BTreeMap<String, RateEntry>;

/// Read a rate file; errors name the file, line and key (exit 2).
pub fn read(path: &Path) -> Result<RatesByKind> {
    let bytes = crate::files::read_input(path)?;
    let file = path.display();
    let mut r = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| Error::usage(format!("{file}:1: key 'header': not CSV: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    if header != ["kind", "rate_per_s", "what"] {
        return Err(Error::usage(format!(
            "{file}:1: key 'header': not a rate file; expected: kind,rate_per_s,what"
        )));
    }
    let mut out = RatesByKind::new();
    for rec in r.deserialize::<RateEntry>() {
        let e = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::usage(format!("{file}:{line}: key 'row': {e}"))
        })?;
        if !e.kind.starts_with("measured:") {
            return Err(Error::usage(format!(
                "{file}: key 'kind': '{}'; allowed: measured:kernel, measured:stress",
                e.kind
            )));
        }
        if !(e.rate_per_s.is_finite() && e.rate_per_s > 0.0) {
            return Err(Error::usage(format!(
                "{file}: key 'rate_per_s': {} for {}; allowed: a positive rate",
                e.rate_per_s, e.kind
            )));
        }
        out.insert(e.kind.clone(), e);
    }
    Ok(out)
}

/// The bytes of a rate file.
pub fn to_bytes(rates: &RatesByKind) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for e in rates.values() {
        w.serialize(e)
            .map_err(|e| Error::Run(format!("rate file: {e}")))?;
    }
    if rates.is_empty() {
        w.write_record(["kind", "rate_per_s", "what"])
            .map_err(|e| Error::Run(format!("rate file: {e}")))?;
    }
    w.into_inner()
        .map_err(|e| Error::Run(format!("rate file: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_trip_bit_for_bit() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.csv");
        let mut rates = RatesByKind::new();
        let v = 9_703_440.0_f64 + 1.0 / 3.0;
        rates.insert(
            "measured:kernel".into(),
            RateEntry {
                kind: "measured:kernel".into(),
                rate_per_s: v,
                what: "munmap, Linux x".into(),
            },
        );
        std::fs::write(&p, to_bytes(&rates).unwrap()).unwrap();
        let back = read(&p).unwrap();
        assert_eq!(back, rates);
        assert_eq!(back["measured:kernel"].rate_per_s.to_bits(), v.to_bits());
        std::fs::write(&p, "kind,rate_per_s,what\nmeasured:kernel,-1,x\n").unwrap();
        assert!(read(&p).unwrap_err().to_string().contains("rate_per_s"));
        std::fs::write(&p, "a,b\n").unwrap();
        assert!(
            read(&p)
                .unwrap_err()
                .to_string()
                .contains("not a rate file")
        );
    }
}
