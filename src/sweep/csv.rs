//! The tidy CSV: one row per point and metric. Its header is the contract
//! between `data/` and everything that reads it (plots, report, merge); it
//! is documented in data/README.md and changes only with a new column at
//! the end.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The header, in order.
pub const HEADER: [&str; 16] = [
    "point",
    "spec",
    "scheme",
    "params",
    "bits",
    "rate",
    "process",
    "hold",
    "window",
    "engine",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "seed",
    "seqwrap_version",
];

/// One row. Empty strings mean "does not apply" (no rate for explore, no
/// interval for an exact value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// Grid index of the point (see `sweep::grid`).
    pub point: usize,
    /// The spec's name.
    pub spec: String,
    /// Scheme name.
    pub scheme: String,
    /// Scheme parameters, `key=value` separated by spaces.
    pub params: String,
    /// Total counter bits the reader compares.
    pub bits: u32,
    /// Writer cycles per second (resolved, also for `measured:*`).
    pub rate: String,
    /// Writer process.
    pub process: String,
    /// Lock hold time per cycle.
    pub hold: String,
    /// Window distribution as written in the spec.
    pub window: String,
    /// Engine.
    pub engine: String,
    /// Metric name (see data/README.md).
    pub metric: String,
    /// The value: exact decimal integers, shortest round-trip floats, or
    /// scientific strings for probabilities too small for an f64.
    pub value: String,
    /// Lower end of the 95% interval, if any.
    pub ci_low: String,
    /// Upper end of the 95% interval, if any.
    pub ci_high: String,
    /// The seed the point ran with.
    pub seed: u64,
    /// Version of seqwrap that wrote the row.
    pub seqwrap_version: String,
}

/// Serialize rows (with the header) into CSV bytes. Pure: same rows, same
/// bytes.
pub fn to_bytes(rows: &[Row]) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let run = |e: csv::Error| Error::Run(format!("csv: {e}"));
    w.write_record(HEADER).map_err(run)?;
    for r in rows {
        w.serialize(r).map_err(run)?;
    }
    w.into_inner().map_err(|e| Error::Run(format!("csv: {e}")))
}

/// Read a sweep CSV, checking the header and every field's type. Errors
/// name the file, the line and the column.
pub fn read(path: &Path) -> Result<Vec<Row>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    from_bytes(&path.display().to_string(), &bytes)
}

/// Parse CSV bytes; `file` names them in messages.
pub fn from_bytes(file: &str, bytes: &[u8]) -> Result<Vec<Row>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let header = r
        .headers()
        .map_err(|e| Error::usage(format!("{file}:1: key 'header': not CSV: {e}")))?
        .clone();
    let got: Vec<&str> = header.iter().collect();
    if got != HEADER {
        let first_bad = HEADER
            .iter()
            .zip(got.iter().chain(std::iter::repeat(&"")))
            .find(|(want, have)| want != have)
            .map_or("header".to_string(), |(want, _)| (*want).to_string());
        return Err(Error::usage(format!(
            "{file}:1: key '{first_bad}': wrong CSV header; expected: {}",
            HEADER.join(",")
        )));
    }
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::usage(format!("{file}:{line}: key 'row': {e}"))
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let row: Row = rec.deserialize(Some(&header)).map_err(|e| {
            let key = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err
                    .field()
                    .and_then(|i| HEADER.get(i as usize))
                    .copied()
                    .unwrap_or("row"),
                _ => "row",
            };
            let why = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err.kind().to_string(),
                _ => e.to_string(),
            };
            Error::usage(format!("{file}:{line}: key '{key}': {why}"))
        })?;
        rows.push(row);
    }
    Ok(rows)
}

/// Write `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over `path`. A reader (or a
/// kill -9) sees the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(d) = dir {
        std::fs::create_dir_all(d).map_err(io)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = path.with_file_name(format!(".{name}.tmp.{}", std::process::id()));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(point: usize, metric: &str) -> Row {
        Row {
            point,
            spec: "t".into(),
            scheme: "plain".into(),
            params: "bits=8".into(),
            bits: 8,
            rate: "1e6".into(),
            process: "poisson".into(),
            hold: "0".into(),
            window: "lognormal:2us,1ms".into(),
            engine: "analyze".into(),
            metric: metric.into(),
            value: "1e-300".into(),
            ci_low: String::new(),
            ci_high: String::new(),
            seed: 42,
            seqwrap_version: "0.1.0".into(),
        }
    }

    #[test]
    fn rows_round_trip() {
        let rows = vec![row(0, "a"), row(1, "b")];
        let bytes = to_bytes(&rows).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("point,spec,scheme,"));
        assert!(text.contains("\"lognormal:2us,1ms\""));
        assert_eq!(from_bytes("x.csv", &bytes).unwrap(), rows);
    }

    #[test]
    fn bad_csv_names_line_and_column() {
        let text = String::from_utf8(to_bytes(&[row(0, "a"), row(1, "b")]).unwrap()).unwrap();
        let e = from_bytes("x.csv", text.replace("point,", "pt,").as_bytes()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.csv:1: key 'point': wrong CSV header"),
            "{e}"
        );
        let bad = text.replacen(",8,", ",eight,", 2);
        let e = from_bytes("x.csv", bad.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with("x.csv:2: key 'bits': "), "{e}");
    }
}
