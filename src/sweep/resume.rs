//! Kept progress: what a killed sweep had finished.
//!
//! While a sweep runs, the rows of finished points are written to a
//! progress file beside the output (`.NAME.progress.json`), atomically, so
//! a kill -9 at any moment leaves either the previous progress or the new
//! one. `--resume` reloads it, skips those points and recomputes the rest;
//! since a point's rows depend only on the spec, its index and its seed, the
//! final file is byte-identical to an uninterrupted run. Measured rates are
//! kept too: a resumed run reuses the measurement, not a fresh one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::results::Row;
use crate::sweep::csv::write_atomic;

/// The progress file's contents.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    /// seqwrap version that wrote it.
    pub version: String,
    /// The spec's fingerprint; resuming with an edited spec is refused.
    pub fingerprint: u64,
    /// The shard, `K/N`.
    pub shard: String,
    /// Measured rates by kind (`measured:kernel`), cycles/s.
    pub rates: BTreeMap<String, f64>,
    /// Rows of finished points, by point index.
    pub done: BTreeMap<usize, Vec<Row>>,
}

/// Where the progress of a sweep writing `out` is kept.
pub fn progress_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    out.with_file_name(format!(".{name}.progress.json"))
}

impl Progress {
    /// Load the progress of a previous run, if there is one. A progress
    /// file of another spec, shard or version is an error (exit 2): its
    /// rows would not belong in this output.
    pub fn load(out: &Path, fingerprint: u64, shard: &str) -> Result<Option<Progress>> {
        let path = progress_path(out);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(Error::Io { path, source }),
        };
        let p: Progress = serde_json::from_slice(&bytes).map_err(|e| {
            Error::usage(format!(
                "{}:{}: key 'progress': unreadable ({e}); delete it to start over",
                path.display(),
                e.line()
            ))
        })?;
        let clash = if p.fingerprint != fingerprint {
            Some("spec")
        } else if p.shard != shard {
            Some("shard")
        } else if p.version != env!("CARGO_PKG_VERSION") {
            Some("version")
        } else {
            None
        };
        if let Some(key) = clash {
            return Err(Error::usage(format!(
                "{}:1: key '{key}': progress of a different {key}; \
                 delete it or run without --resume",
                path.display()
            )));
        }
        Ok(Some(p))
    }

    /// Save atomically.
    pub fn save(&self, out: &Path) -> Result<()> {
        let bytes = serde_json::to_vec(self).map_err(|e| Error::Run(format!("progress: {e}")))?;
        write_atomic(&progress_path(out), &bytes)
    }

    /// Remove the progress file (the output is complete).
    pub fn remove(out: &Path) -> Result<()> {
        let path = progress_path(out);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(Error::Io { path, source }),
        }
    }
}
